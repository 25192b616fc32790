//! `[smtp]` and `[letters]` of `config.toml`: where letters are submitted
//! and how, who they come from, and whether acknowledgements are queued
//! (and sent without review).
//!
//! The password follows the IMAP rules: never in the file; from an
//! environment variable, a file only its owner can read, or the first line
//! of a command's output; never on the command line, never logged.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use lettre::message::Mailbox;
use serde::Deserialize;

use crate::secret::{PasswordSource, Secret, duration_serde};

/// How the connection to the submission server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which is required: no
    /// STARTTLS offered, or a failed upgrade, and nothing is sent (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Implicit,
    /// No TLS: only with `allow_plaintext = true` and a loopback host (tests).
    Plain,
}

impl SmtpTls {
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::Starttls => 587,
            SmtpTls::Implicit => 465,
            SmtpTls::Plain => 25,
        }
    }
}

/// `[smtp]`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    /// Defaults to 587 (starttls), 465 (implicit), 25 (plain).
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub tls: SmtpTls,
    #[serde(default)]
    pub allow_plaintext: bool,
    /// PEM file of extra trusted certificates (private CA, self-signed server).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Login; without it no AUTH is attempted (a relay that trusts us).
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    #[serde(default)]
    pub password_command: Option<String>,
    /// Present only to refuse it with a clear message.
    #[serde(default)]
    password: Option<serde::de::IgnoredAny>,
    /// "Nom <adresse>": the letters' From, and the envelope sender (bounces
    /// come back there, to the inbox the intake reads, as auto-replies).
    pub from: String,
    /// Where replies go, if not to `from`.
    #[serde(default)]
    pub reply_to: Option<String>,
    /// Name given in EHLO; defaults to this machine's host name.
    #[serde(default)]
    pub hello_name: Option<String>,
    /// Limit on connecting and on each exchange with the server.
    #[serde(default = "default_timeout", with = "duration_serde")]
    pub timeout: Duration,
    /// Temporary refusals (4xx) before a letter is marked failed for staff;
    /// retries are spaced 1 min, 4 min, 16 min... up to 6 h. An unreachable
    /// server only postpones the letters.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
}

fn default_timeout() -> Duration {
    Duration::from_secs(60)
}

fn default_max_attempts() -> u32 {
    8
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port())
            .field("tls", &self.tls)
            .field("allow_plaintext", &self.allow_plaintext)
            .field("ca_file", &self.ca_file)
            .field("username", &self.username)
            .field("password_env", &self.password_env)
            .field("password_file", &self.password_file)
            .field(
                "password_command",
                &self.password_command.as_ref().map(|_| "<redacted>"),
            )
            .field("from", &self.from)
            .field("reply_to", &self.reply_to)
            .field("hello_name", &self.hello_name)
            .field("timeout", &self.timeout)
            .field("max_attempts", &self.max_attempts)
            .finish()
    }
}

/// What is wrong with `[smtp]` (French, for the user).
#[derive(Debug, thiserror::Error)]
pub enum SmtpConfigError {
    #[error("[smtp] `host` est vide")]
    NoHost,
    #[error("[smtp] {field} = « {value} » : adresse invalide ({detail})")]
    Address {
        field: &'static str,
        value: String,
        detail: String,
    },
    #[error(
        "[smtp] mot de passe en clair dans la configuration refusé : utiliser `password_env`, `password_file` ou `password_command`"
    )]
    PasswordInConfig,
    #[error(
        "[smtp] aucune source de mot de passe pour l'utilisateur « {username} » : renseigner `password_env`, `password_file` ou `password_command`"
    )]
    NoPasswordSource { username: String },
    #[error("[smtp] une source de mot de passe sans `username` : renseigner `username`")]
    PasswordWithoutUsername,
    #[error("[smtp] {0}")]
    Password(crate::secret::PasswordError),
    #[error(
        "[smtp] envoi en clair refusé vers {host} : `tls = \"plain\"` exige `allow_plaintext = true`"
    )]
    PlaintextNotAllowed { host: String },
    #[error(
        "[smtp] envoi en clair refusé vers {host} : les lettres et le mot de passe passeraient en clair sur le réseau ; `tls = \"plain\"` n'est permis que vers une adresse locale (127.0.0.1, ::1, localhost) — utiliser `tls = \"starttls\"` (port 587) ou `\"implicit\"` (port 465)"
    )]
    PlaintextNotLoopback { host: String },
    #[error("[smtp] impossible de résoudre « {host} » : {detail}")]
    Resolve { host: String, detail: String },
    #[error("[smtp] fichier `ca_file` {} inutilisable : {detail}", path.display())]
    CaFile { path: PathBuf, detail: String },
    #[error("[smtp] {0}")]
    Invalid(String),
}

impl SmtpConfig {
    /// A configuration with the defaults (STARTTLS on 587), for code and tests.
    pub fn new(host: impl Into<String>, from: impl Into<String>) -> SmtpConfig {
        SmtpConfig {
            host: host.into(),
            port: None,
            tls: SmtpTls::default(),
            allow_plaintext: false,
            ca_file: None,
            username: None,
            password_env: None,
            password_file: None,
            password_command: None,
            password: None,
            from: from.into(),
            reply_to: None,
            hello_name: None,
            timeout: default_timeout(),
            max_attempts: default_max_attempts(),
        }
    }

    pub fn port(&self) -> u16 {
        self.port.unwrap_or_else(|| self.tls.default_port())
    }

    /// The From mailbox.
    pub fn from_mailbox(&self) -> Result<Mailbox, SmtpConfigError> {
        parse_mailbox("from", &self.from)
    }

    pub fn reply_to_mailbox(&self) -> Result<Option<Mailbox>, SmtpConfigError> {
        self.reply_to
            .as_deref()
            .map(|r| parse_mailbox("reply_to", r))
            .transpose()
    }

    /// Our own addresses (From, Reply-To), lower-cased: never acknowledged.
    pub fn own_addresses(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Ok(m) = self.from_mailbox() {
            v.push(m.email.to_string().to_lowercase());
        }
        if let Ok(Some(m)) = self.reply_to_mailbox() {
            v.push(m.email.to_string().to_lowercase());
        }
        v
    }

    /// Everything that can be checked without the network (but for the name
    /// lookup of a plaintext host) and without reading the password.
    pub fn check(&self) -> Result<(), SmtpConfigError> {
        if self.host.trim().is_empty() {
            return Err(SmtpConfigError::NoHost);
        }
        if self.password.is_some() {
            return Err(SmtpConfigError::PasswordInConfig);
        }
        self.from_mailbox()?;
        self.reply_to_mailbox()?;
        self.password_source()?;
        if self.timeout.is_zero() {
            return Err(SmtpConfigError::Invalid(
                "`timeout` doit être positif".into(),
            ));
        }
        if self.max_attempts == 0 {
            return Err(SmtpConfigError::Invalid(
                "`max_attempts` doit être au moins 1".into(),
            ));
        }
        if let Some(ca) = &self.ca_file
            && let Err(e) = std::fs::metadata(ca)
        {
            return Err(SmtpConfigError::CaFile {
                path: ca.clone(),
                detail: crate::os_error::problem(ca, &e),
            });
        }
        if self.tls == SmtpTls::Plain {
            self.plaintext_addresses()?;
        }
        Ok(())
    }

    /// The addresses to connect to; for `plain`, every one must be loopback
    /// (checked at each connection: a name can resolve differently later).
    pub fn resolve(&self) -> Result<Vec<SocketAddr>, SmtpConfigError> {
        if self.tls == SmtpTls::Plain {
            return self.plaintext_addresses();
        }
        resolve(&self.host, self.port())
    }

    fn plaintext_addresses(&self) -> Result<Vec<SocketAddr>, SmtpConfigError> {
        crate::net::plaintext_addresses(&self.host, self.port(), self.allow_plaintext)
            .map_err(|e| address_error(&self.host, e))
    }

    fn password_source(&self) -> Result<Option<PasswordSource<'_>>, SmtpConfigError> {
        let found = PasswordSource::all(
            self.password_env.as_deref(),
            self.password_file.as_deref(),
            self.password_command.as_deref(),
        );
        match (&self.username, found.len()) {
            (None, 0) => Ok(None),
            (None, _) => Err(SmtpConfigError::PasswordWithoutUsername),
            (Some(u), 0) => Err(SmtpConfigError::NoPasswordSource {
                username: u.clone(),
            }),
            (Some(_), _) => Ok(PasswordSource::one(found).map_err(SmtpConfigError::Password)?),
        }
    }

    /// The login and password, read now from their source (a rotated
    /// password is picked up at the next run). `None` without `username`.
    pub fn credentials(&self) -> Result<Option<(String, Secret)>, SmtpConfigError> {
        let Some(source) = self.password_source()? else {
            return Ok(None);
        };
        let secret = source.read().map_err(SmtpConfigError::Password)?;
        Ok(self.username.clone().map(|u| (u, secret)))
    }
}

fn parse_mailbox(field: &'static str, value: &str) -> Result<Mailbox, SmtpConfigError> {
    Mailbox::from_str(value.trim()).map_err(|e| SmtpConfigError::Address {
        field,
        value: value.to_string(),
        detail: e.to_string(),
    })
}

fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, SmtpConfigError> {
    crate::net::resolve(host, port).map_err(|e| address_error(host, e))
}

fn address_error(host: &str, e: crate::net::AddressError) -> SmtpConfigError {
    use crate::net::AddressError as A;
    let host = host.to_string();
    match e {
        A::Resolve(detail) => SmtpConfigError::Resolve { host, detail },
        A::PlaintextNotAllowed => SmtpConfigError::PlaintextNotAllowed { host },
        A::PlaintextNotLoopback => SmtpConfigError::PlaintextNotLoopback { host },
    }
}

/// `[letters]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LettersConfig {
    /// The templates' folder (relative to config.toml).
    #[serde(default = "default_letters_dir")]
    pub dir: PathBuf,
    /// The intake queues an acknowledgement per new proposal.
    #[serde(default)]
    pub acknowledge: bool,
    /// Acknowledgements go out without review, with `fiches send --auto`
    /// (which the daemon may run). Needs `acknowledge = true`.
    #[serde(default)]
    pub auto_acknowledge: bool,
}

fn default_letters_dir() -> PathBuf {
    PathBuf::from("letters")
}

impl Default for LettersConfig {
    fn default() -> Self {
        LettersConfig {
            dir: default_letters_dir(),
            acknowledge: false,
            auto_acknowledge: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> SmtpConfig {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn defaults_and_checks() {
        let c = parse(
            "host = \"smtp.example.org\"\nfrom = \"Cités Unies France <rencontres@example.org>\"\n",
        );
        assert_eq!((c.tls, c.port()), (SmtpTls::Starttls, 587));
        c.check().unwrap();
        assert_eq!(c.credentials().unwrap().map(|(u, _)| u), None);
        assert_eq!(c.own_addresses(), ["rencontres@example.org"]);
        let c = parse("host = \"h\"\nfrom = \"a@b\"\ntls = \"implicit\"\ntimeout = \"30s\"\n");
        assert_eq!((c.port(), c.timeout), (465, Duration::from_secs(30)));
    }

    #[test]
    fn passwords_follow_the_imap_rules() {
        let c = parse("host = \"h\"\nfrom = \"a@b\"\nusername = \"u\"\npassword = \"hunter2\"\n");
        let e = c.check().unwrap_err();
        assert!(matches!(e, SmtpConfigError::PasswordInConfig));
        assert!(!format!("{c:?}").contains("hunter2"));
        let c = parse("host = \"h\"\nfrom = \"a@b\"\nusername = \"u\"\n");
        assert!(matches!(
            c.check(),
            Err(SmtpConfigError::NoPasswordSource { .. })
        ));
        let c = parse("host = \"h\"\nfrom = \"a@b\"\npassword_env = \"X\"\n");
        assert!(matches!(
            c.check(),
            Err(SmtpConfigError::PasswordWithoutUsername)
        ));
        let mut c = parse(
            "host = \"h\"\nfrom = \"a@b\"\nusername = \"u\"\npassword_command = \"printf 's3cret\\\\nx'\"\n",
        );
        c.check().unwrap();
        let (u, s) = c.credentials().unwrap().unwrap();
        assert_eq!((u.as_str(), s.expose()), ("u", "s3cret"));
        assert!(!format!("{c:?}").contains("s3cret") && !format!("{c:?}").contains("printf"));
        c.password_env = Some("FICHES_TEST_NO_SUCH_VAR".into());
        assert!(matches!(
            c.check(),
            Err(SmtpConfigError::Password(
                crate::secret::PasswordError::SeveralSources { .. }
            ))
        ));
    }

    #[test]
    fn a_group_readable_password_file_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pw");
        std::fs::write(&path, "s3cret\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let mut c = SmtpConfig::new("h", "a@b");
        c.username = Some("u".into());
        c.password_file = Some(path);
        let e = c.credentials().unwrap_err().to_string();
        assert!(e.contains("chmod 600") && !e.contains("s3cret"), "{e}");
    }

    #[test]
    fn plaintext_only_to_loopback_and_when_allowed() {
        let mut c = SmtpConfig::new("127.0.0.1", "a@b");
        c.tls = SmtpTls::Plain;
        assert!(matches!(
            c.check(),
            Err(SmtpConfigError::PlaintextNotAllowed { .. })
        ));
        c.allow_plaintext = true;
        c.check().unwrap();
        c.host = "192.0.2.1".into();
        assert!(matches!(
            c.check(),
            Err(SmtpConfigError::PlaintextNotLoopback { .. })
        ));
    }

    #[test]
    fn bad_addresses_are_named() {
        let c = SmtpConfig::new("h", "pas une adresse");
        let e = c.check().unwrap_err().to_string();
        assert!(e.contains("from") && e.contains("pas une adresse"), "{e}");
    }
}
