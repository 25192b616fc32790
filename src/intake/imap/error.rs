//! The errors of the IMAP source, and the one place where the wire's errors
//! (`std::io`, `rustls`, the `imap` crate) become them.
//!
//! Messages are French, for the people running the service, and say what
//! happened and what to check. None of them can contain the password: the
//! only text taken from the wire is the server's response text.

use std::fmt;
use std::io;
use std::time::Duration;

use super::config::ImapConfigError;

/// An error of the storage behind [`super::SyncStateStore`].
pub type StateStoreError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a certificate was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertProblem {
    WrongHost,
    Expired,
    NotYetValid,
    UnknownIssuer,
    Revoked,
    /// The server presents the certificate of an authority (a CA) as its
    /// own: usually `ca_file`'s certificate installed on the server instead
    /// of the one the CA issued for it.
    CaAsServerCertificate,
    Other(String),
}

impl fmt::Display for CertProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertProblem::WrongHost => {
                f.write_str("émis pour un autre nom d'hôte — vérifier `host` ou `ca_file`")
            }
            CertProblem::Expired => {
                f.write_str("certificat expiré — le serveur doit renouveler son certificat")
            }
            CertProblem::NotYetValid => {
                f.write_str("certificat pas encore valide — vérifier l'horloge de cette machine")
            }
            CertProblem::UnknownIssuer => f.write_str(
                "émis par une autorité de certification inconnue — pour un serveur privé ou \
                 auto-signé, indiquer son certificat d'autorité dans `ca_file`",
            ),
            CertProblem::Revoked => f.write_str("certificat révoqué"),
            CertProblem::CaAsServerCertificate => f.write_str(
                "le serveur présente un certificat d'autorité (CA) comme son propre certificat — \
                 il doit présenter le certificat émis pour son nom par cette autorité \
                 (l'autorité, elle, va dans `ca_file` de ce côté-ci)",
            ),
            CertProblem::Other(d) => write!(f, "certificat invalide ({d})"),
        }
    }
}

/// What went wrong talking to the IMAP server or syncing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImapError {
    #[error(transparent)]
    Config(#[from] ImapConfigError),
    #[error("connexion au serveur IMAP {host}:{port} impossible : {detail}")]
    Connect {
        host: String,
        port: u16,
        detail: String,
    },
    #[error(
        "délai dépassé ({} s) pendant {during} avec le serveur IMAP {host} — serveur \
         injoignable ou trop lent (voir `connect_timeout` / `read_timeout`)",
        timeout.as_secs()
    )]
    Timeout {
        host: String,
        during: &'static str,
        timeout: Duration,
    },
    #[error("certificat TLS refusé pour {host} : {problem}")]
    Certificate { host: String, problem: CertProblem },
    #[error("échec de la négociation TLS avec {host} : {detail}")]
    Tls { host: String, detail: String },
    #[error(
        "le serveur {host} n'annonce pas STARTTLS : connexion abandonnée pour ne pas envoyer \
         le mot de passe en clair (essayer `tls = \"implicit\"` sur le port 993)"
    )]
    StartTlsUnavailable { host: String },
    #[error("le serveur {host} n'a pas accepté STARTTLS : {detail} — connexion abandonnée")]
    StartTlsFailed { host: String, detail: String },
    #[error(
        "le serveur {host} refuse l'authentification sur cette connexion (LOGINDISABLED) — \
         utiliser TLS"
    )]
    LoginDisabled { host: String },
    #[error(
        "authentification refusée par {host} pour l'utilisateur « {user} » : {detail} — \
         vérifier l'identifiant et le mot de passe"
    )]
    Auth {
        host: String,
        user: String,
        detail: String,
    },
    #[error("connexion au serveur IMAP {host} perdue pendant {during}")]
    ConnectionLost { host: String, during: &'static str },
    #[error("le serveur IMAP {host} a fermé la session pendant {during} : {detail}")]
    Bye {
        host: String,
        during: &'static str,
        detail: String,
    },
    #[error("le serveur IMAP {host} a refusé {during} : {detail}")]
    Refused {
        host: String,
        during: &'static str,
        detail: String,
    },
    #[error("réponse IMAP inattendue de {host} pendant {during} : {detail}")]
    Protocol {
        host: String,
        during: &'static str,
        detail: String,
    },
    #[error("erreur réseau avec le serveur IMAP {host} pendant {during} : {detail}")]
    Io {
        host: String,
        during: &'static str,
        detail: String,
    },
    #[error(
        "dossier IMAP « {mailbox} » inaccessible sur {host} : {detail} — vérifier `mailbox` \
         (nom exact, majuscules comprises)"
    )]
    Mailbox {
        host: String,
        mailbox: String,
        detail: String,
    },
    #[error("le dossier IMAP « {mailbox} » de {host} n'a pas d'UIDVALIDITY : serveur non conforme")]
    NoUidValidity { host: String, mailbox: String },
    #[error(
        "le dossier de destination « {folder} » (post_action move_to) est refusé par le \
         serveur IMAP {host} ({detail}){advice}"
    )]
    TargetFolder {
        host: String,
        folder: String,
        detail: String,
        /// ` : why : essayez move_to = "…" dans la configuration`, or empty.
        advice: String,
    },
    #[error("post_action « {action} » impossible sur le serveur IMAP {host} : {detail}")]
    PostActionUnsupported {
        host: String,
        action: String,
        detail: String,
    },
    #[error("le stockage local a échoué : {0}")]
    Store(#[source] StateStoreError),
}

impl ImapError {
    /// Whether trying again later (reconnecting) may help: network trouble,
    /// timeouts, a server going away. Configuration, certificate and
    /// authentication problems need a person, although a daemon keeps
    /// retrying them slowly too.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ImapError::Connect { .. }
                | ImapError::Timeout { .. }
                | ImapError::ConnectionLost { .. }
                | ImapError::Bye { .. }
                | ImapError::Io { .. }
                | ImapError::Protocol { .. }
        )
    }

    /// Whether the connection can still be used after this error.
    pub fn connection_usable(&self) -> bool {
        matches!(
            self,
            ImapError::Refused { .. }
                | ImapError::Store(_)
                | ImapError::TargetFolder { .. }
                | ImapError::PostActionUnsupported { .. }
        )
    }

    /// Whether this is about the post-action only (the server refuses the
    /// folder, the keyword, the flag, or one command of it): intake of new
    /// mail can go on while it is fixed.
    pub fn is_post_action_problem(&self) -> bool {
        matches!(
            self,
            ImapError::Refused { .. }
                | ImapError::TargetFolder { .. }
                | ImapError::PostActionUnsupported { .. }
        )
    }

    /// Whether the password or the account was refused: retried after
    /// long delays only (a provider locks an account that fails to log in
    /// every minute).
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            ImapError::Auth { .. } | ImapError::LoginDisabled { .. }
        )
    }
}

/// Context of a wire error: which server, doing what.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub host: &'a str,
    pub during: &'static str,
    pub timeout: Duration,
}

impl Ctx<'_> {
    /// THE conversion of an I/O error (socket, or TLS under it).
    pub(crate) fn io(&self, e: io::Error) -> ImapError {
        let host = self.host.to_owned();
        if let Some(tls) = e.get_ref().and_then(|r| r.downcast_ref::<rustls::Error>()) {
            return self.tls(tls.clone());
        }
        match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ImapError::Timeout {
                host,
                during: self.during,
                timeout: self.timeout,
            },
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::NotConnected => ImapError::ConnectionLost {
                host,
                during: self.during,
            },
            _ => ImapError::Io {
                host,
                during: self.during,
                detail: crate::os_error::io_fr(&e),
            },
        }
    }

    /// THE conversion of a rustls error.
    pub(crate) fn tls(&self, e: rustls::Error) -> ImapError {
        use rustls::CertificateError as C;
        let host = self.host.to_owned();
        let problem = match e {
            rustls::Error::InvalidCertificate(c) => match c {
                C::NotValidForName | C::NotValidForNameContext { .. } => CertProblem::WrongHost,
                C::Expired | C::ExpiredContext { .. } => CertProblem::Expired,
                C::NotValidYet | C::NotValidYetContext { .. } => CertProblem::NotYetValid,
                C::UnknownIssuer => CertProblem::UnknownIssuer,
                C::Revoked => CertProblem::Revoked,
                other => {
                    let d = format!("{other:?}");
                    if d.contains("CaUsedAsEndEntity") {
                        CertProblem::CaAsServerCertificate
                    } else {
                        CertProblem::Other(d)
                    }
                }
            },
            // A plaintext greeting ("* OK …") read as a TLS record: the port
            // speaks IMAP in clear (143), not implicit TLS.
            rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => {
                return ImapError::Tls {
                    host,
                    detail: "le serveur a répondu sans TLS : ce port attend une connexion en clair \
                             ou STARTTLS — avec `tls = \"implicit\"`, utiliser le port TLS du serveur \
                             (993), ou garder ce port avec `tls = \"starttls\"`"
                        .into(),
                };
            }
            other => {
                return ImapError::Tls {
                    host,
                    detail: other.to_string(),
                };
            }
        };
        ImapError::Certificate { host, problem }
    }

    /// THE conversion of an `imap` crate error.
    pub(crate) fn imap(&self, e: imap::Error) -> ImapError {
        let host = self.host.to_owned();
        let during = self.during;
        match e {
            imap::Error::Io(io) => self.io(io),
            imap::Error::ConnectionLost => ImapError::ConnectionLost { host, during },
            // What the `imap` crate makes of a tagged answer it cannot
            // parse (for instance 8-bit text): not a real BYE.
            imap::Error::Bye(b) if b.code.is_none() && b.information == "no explanation given" => {
                ImapError::Protocol {
                    host,
                    during,
                    detail: "réponse du serveur illisible".into(),
                }
            }
            imap::Error::Bye(b) => ImapError::Bye {
                host,
                during,
                detail: clip(&b.information),
            },
            imap::Error::No(n) => ImapError::Refused {
                host,
                during,
                detail: clip(&n.information),
            },
            imap::Error::Bad(b) => ImapError::Protocol {
                host,
                during,
                detail: format!("BAD {}", clip(&b.information)),
            },
            // Our own arguments had a CR or LF: only the argument's name is
            // reported, never its value (it may be the password).
            imap::Error::Validate(v) => ImapError::Protocol {
                host,
                during,
                detail: format!("argument invalide : {v}"),
            },
            other => ImapError::Protocol {
                host,
                during,
                detail: clip(&other.to_string()),
            },
        }
    }
}

/// Server text is bounded before it goes into a message or a log.
pub(crate) fn clip(s: &str) -> String {
    const MAX: usize = 300;
    let s = s.trim();
    if s.len() <= MAX {
        return s.to_owned();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}
