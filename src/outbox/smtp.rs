//! One SMTP session for a batch of letters, on lettre's low-level
//! connection rather than its transport, so that the moment a message is
//! handed over is known: a failure before the end of DATA means the letter
//! did not go (it can be tried again), a broken connection after it means it
//! may have gone (`Uncertain`: staff check, it is never resent on its own).
//!
//! TLS is rustls with ring, host names always verified, the public roots
//! plus `ca_file`. STARTTLS is required when configured: a server that does
//! not offer it gets nothing, not even the login.

use std::time::Duration;

use lettre::Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::transport::smtp::response::Response;

use super::config::{SmtpConfig, SmtpTls};

/// An open, authenticated session.
pub struct Session {
    conn: SmtpConnection,
    /// The connection cannot be used again (after an I/O error).
    broken: bool,
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The server took it; `refused`: recipients it would not take (the
    /// others got the letter).
    Accepted {
        response: String,
        refused: Vec<String>,
    },
    /// Not sent: refused by the server (`permanent` for a 5xx answer) or the
    /// exchange failed before the message was handed over.
    NotSent { permanent: bool, error: String },
    /// Handed over, but no answer came: it may have gone.
    Uncertain(String),
}

fn response_text(r: &Response) -> String {
    let lines: Vec<&str> = r.message().collect();
    format!("{} {}", r.code(), lines.join(" "))
        .trim()
        .to_string()
}

fn error_text(e: &lettre::transport::smtp::Error) -> String {
    match e.status() {
        Some(code) => format!("le serveur a répondu {code} : {e}"),
        None if e.is_timeout() => format!("délai dépassé ({e})"),
        None => e.to_string(),
    }
}

impl Session {
    /// Connects, secures (implicit TLS or required STARTTLS), logs in.
    /// The error is French and never holds the password.
    pub fn connect(cfg: &SmtpConfig) -> Result<Session, String> {
        let addrs = cfg.resolve().map_err(|e| e.to_string())?;
        let where_ = format!("{}:{}", cfg.host, cfg.port());
        let hello = match &cfg.hello_name {
            Some(h) => ClientId::Domain(h.clone()),
            None => ClientId::default(),
        };
        let tls = match cfg.tls {
            SmtpTls::Plain => None,
            _ => Some(tls_parameters(cfg)?),
        };
        let implicit = if cfg.tls == SmtpTls::Implicit {
            tls.as_ref()
        } else {
            None
        };
        let timeout: Option<Duration> = Some(cfg.timeout);
        let mut conn = SmtpConnection::connect(addrs.as_slice(), timeout, &hello, implicit, None)
            .map_err(|e| {
            format!(
                "connexion au serveur SMTP {where_} impossible : {}",
                error_text(&e)
            )
        })?;
        if cfg.tls == SmtpTls::Starttls {
            if !conn.can_starttls() {
                conn.abort();
                return Err(format!(
                    "le serveur SMTP {where_} n'offre pas STARTTLS : rien n'est envoyé sans chiffrement (tls = \"starttls\" l'exige)"
                ));
            }
            let params = tls.as_ref().ok_or("paramètres TLS absents")?;
            conn.starttls(params, &hello).map_err(|e| {
                format!(
                    "STARTTLS a échoué avec le serveur SMTP {where_} : {} ; rien n'est envoyé",
                    error_text(&e)
                )
            })?;
        }
        if let Some((user, secret)) = cfg.credentials().map_err(|e| e.to_string())? {
            let creds = Credentials::new(user.clone(), secret.expose().to_string());
            conn.auth(&[Mechanism::Plain, Mechanism::Login], &creds)
                .map_err(|e| {
                    format!(
                        "le serveur SMTP {where_} refuse la connexion de « {user} » : {}",
                        error_text(&e)
                    )
                })?;
        }
        Ok(Session {
            conn,
            broken: false,
        })
    }

    /// Whether the session can take another message.
    pub fn is_usable(&self) -> bool {
        !self.broken && !self.conn.has_broken()
    }

    /// One SMTP transaction: MAIL, RCPT for each recipient, DATA, the message.
    /// `rcpts[0]` is the main recipient: if it is refused, nothing is sent.
    pub fn send(&mut self, from: &Address, rcpts: &[Address], message: &[u8]) -> Outcome {
        let mut options = Vec::new();
        let non_ascii = rcpts
            .iter()
            .chain([from])
            .any(|a| !a.to_string().is_ascii());
        if non_ascii {
            if !self
                .conn
                .server_info()
                .supports_feature(Extension::SmtpUtfEight)
            {
                return Outcome::NotSent {
                    permanent: true,
                    error: "adresse avec des caractères non ASCII, que le serveur n'accepte pas (SMTPUTF8)".into(),
                };
            }
            options.push(MailParameter::SmtpUtfEight);
        }
        if !message.is_ascii() {
            if !self
                .conn
                .server_info()
                .supports_feature(Extension::EightBitMime)
            {
                return Outcome::NotSent {
                    permanent: true,
                    error: "message non ASCII, que le serveur n'accepte pas (8BITMIME)".into(),
                };
            }
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        // Before DATA's end, any failure means nothing was delivered.
        let before = |s: &mut Session, e: lettre::transport::smtp::Error| {
            if e.status().is_none() {
                s.broken = true;
            }
            Outcome::NotSent {
                permanent: e.is_permanent(),
                error: error_text(&e),
            }
        };
        if let Err(e) = self.conn.command(Mail::new(Some(from.clone()), options)) {
            let out = before(self, e);
            self.reset();
            return out;
        }
        let mut refused = Vec::new();
        for (i, rcpt) in rcpts.iter().enumerate() {
            if let Err(e) = self.conn.command(Rcpt::new(rcpt.clone(), vec![])) {
                if e.status().is_none() || i == 0 {
                    let mut out = before(self, e);
                    if let Outcome::NotSent { error, .. } = &mut out {
                        *error = format!("destinataire {rcpt} refusé : {error}");
                    }
                    self.reset();
                    return out;
                }
                refused.push(format!("{rcpt} ({})", error_text(&e)));
            }
        }
        if let Err(e) = self.conn.command(Data) {
            let out = before(self, e);
            self.reset();
            return out;
        }
        // Without the message's own final CRLF (the end of data "CRLF . CRLF"
        // supplies it), what the server stores is exactly `message`.
        let payload = message.strip_suffix(b"\r\n").unwrap_or(message);
        let sent = match std::str::from_utf8(payload) {
            // One write for the message and the end of data: lettre's
            // `message` writes them apart, and Nagle's algorithm then holds
            // the end until the server's delayed ACK (40 ms a letter).
            Ok(text) => self.conn.command(DataPayload(text)),
            Err(_) => self.conn.message(payload),
        };
        match sent {
            Ok(r) => Outcome::Accepted {
                response: response_text(&r),
                refused,
            },
            // An answer: the server did not take it.
            Err(e) if e.status().is_some() => Outcome::NotSent {
                permanent: e.is_permanent(),
                error: error_text(&e),
            },
            Err(e) => {
                self.broken = true;
                Outcome::Uncertain(format!(
                    "la connexion s'est interrompue après la remise du message, avant la réponse du serveur ({}) : la lettre est peut-être partie",
                    error_text(&e)
                ))
            }
        }
    }

    /// After a refused transaction, RSET so the session can go on.
    fn reset(&mut self) {
        if !self.broken
            && self
                .conn
                .command(lettre::transport::smtp::commands::Rset)
                .is_err()
        {
            self.broken = true;
        }
    }

    /// QUIT (errors do not matter any more).
    pub fn close(mut self) {
        if self.is_usable() {
            let _ = self.conn.quit();
        } else {
            self.conn.abort();
        }
    }
}

/// The message, dot-stuffed (RFC 5321, 4.5.2), and the end of data.
struct DataPayload<'a>(&'a str);

impl std::fmt::Display for DataPayload<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.starts_with('.') {
            f.write_str(".")?;
        }
        let mut rest = self.0;
        while let Some(i) = rest.find("\r\n.") {
            f.write_str(&rest[..i + 3])?;
            f.write_str(".")?;
            rest = &rest[i + 3..];
        }
        f.write_str(rest)?;
        f.write_str("\r\n.\r\n")
    }
}

fn tls_parameters(cfg: &SmtpConfig) -> Result<TlsParameters, String> {
    let mut b = TlsParameters::builder(
        cfg.host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
    );
    if let Some(ca) = &cfg.ca_file {
        let pem = std::fs::read(ca).map_err(|e| {
            format!(
                "[smtp] ca_file {} illisible : {}",
                ca.display(),
                crate::os_error::problem(ca, &e)
            )
        })?;
        let cert = Certificate::from_pem(&pem).map_err(|e| {
            format!(
                "[smtp] ca_file {} : certificats PEM invalides ({e})",
                ca.display()
            )
        })?;
        b = b.add_root_certificate(cert);
    }
    b.build_rustls()
        .map_err(|e| format!("[smtp] configuration TLS impossible : {e}"))
}

#[cfg(test)]
mod tests {
    use super::DataPayload;

    #[test]
    fn dots_are_stuffed_and_the_data_ends() {
        assert_eq!(
            DataPayload(".a\r\n.b\r\nc.\r\n..d").to_string(),
            "..a\r\n..b\r\nc.\r\n...d\r\n.\r\n"
        );
        assert_eq!(DataPayload("x").to_string(), "x\r\n.\r\n");
    }
}
