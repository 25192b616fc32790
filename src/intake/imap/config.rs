//! Configuration of one IMAP source (`[[sources]]` with `type = "imap"` in
//! `config.toml`), its checks, and where the password comes from.
//!
//! The password is never part of the configuration itself: it comes from an
//! environment variable, a file only its owner can read, or the first line of
//! a command's output. It is held in a [`Secret`] whose `Debug` redacts it.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::secret::{PasswordError, PasswordSource, Secret, duration_serde};

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// TLS from the first byte (port 993). The default.
    #[default]
    Implicit,
    /// Plain connection upgraded with STARTTLS (port 143); aborts if the
    /// server does not offer or complete the upgrade.
    Starttls,
    /// No TLS at all: only with `allow_plaintext = true` and a loopback host.
    Plain,
}

impl TlsMode {
    /// The usual port for this mode.
    pub fn default_port(self) -> u16 {
        match self {
            TlsMode::Implicit => 993,
            TlsMode::Starttls | TlsMode::Plain => 143,
        }
    }
}

/// What is done to a message on the server once it is safely in the store.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "PostActionRepr", into = "PostActionRepr")]
pub enum PostAction {
    /// Leave the message alone.
    #[default]
    None,
    /// Move it to this folder (created if missing). Uses MOVE, or
    /// COPY + `\Deleted` + `UID EXPUNGE` on servers without MOVE.
    MoveTo(String),
    /// Add a keyword such as `$Fiches`.
    AddKeyword(String),
    /// Add a system flag such as `\Seen`.
    AddFlag(String),
}

/// The TOML shapes of [`PostAction`]: `"none"`, `{ move_to = "…" }`,
/// `{ add_keyword = "…" }`, `{ add_flag = "…" }`.
#[derive(Serialize)]
#[serde(untagged)]
enum PostActionRepr {
    Word(String),
    Move { move_to: String },
    Keyword { add_keyword: String },
    Flag { add_flag: String },
}

/// Read by hand, to say exactly what is wrong (a key of another name, two
/// actions in one table, a number) instead of "no variant matched".
impl<'de> Deserialize<'de> for PostActionRepr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        const EXPECTED: &str = "attendu \"none\", { move_to = \"…\" }, { add_keyword = \"…\" } \
                                ou { add_flag = \"\\\\Seen\" }";
        match toml::Value::deserialize(d)? {
            toml::Value::String(w) => Ok(PostActionRepr::Word(w)),
            toml::Value::Table(t) => {
                let keys: Vec<&String> = t.keys().collect();
                let [key] = keys.as_slice() else {
                    return Err(D::Error::custom(format!(
                        "post_action : une seule action à la fois, pas {} ({}) ; {EXPECTED}",
                        keys.len(),
                        keys.iter()
                            .map(|k| k.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                };
                let Some(value) = t[key.as_str()].as_str().map(str::to_owned) else {
                    return Err(D::Error::custom(format!(
                        "post_action : {key} attend un texte entre guillemets ; {EXPECTED}"
                    )));
                };
                match key.as_str() {
                    "move_to" => Ok(PostActionRepr::Move { move_to: value }),
                    "add_keyword" => Ok(PostActionRepr::Keyword { add_keyword: value }),
                    "add_flag" => Ok(PostActionRepr::Flag { add_flag: value }),
                    other => Err(D::Error::custom(format!(
                        "post_action : action « {other} » inconnue ; {EXPECTED}"
                    ))),
                }
            }
            other => Err(D::Error::custom(format!(
                "post_action = {other} : {EXPECTED}"
            ))),
        }
    }
}

/// System flags that may be added after ingestion. `\Deleted` and `\Recent`
/// are not among them: deleting is what `move_to` is for.
const ALLOWED_FLAGS: &[&str] = &["\\Seen", "\\Flagged", "\\Answered", "\\Draft"];

impl TryFrom<PostActionRepr> for PostAction {
    type Error = String;

    fn try_from(repr: PostActionRepr) -> Result<Self, String> {
        let action = match repr {
            PostActionRepr::Word(w) if w == "none" => PostAction::None,
            PostActionRepr::Word(w) => {
                return Err(format!(
                    "post_action « {w} » inconnu : attendu \"none\", {{ move_to = \"…\" }}, \
                     {{ add_keyword = \"…\" }} ou {{ add_flag = \"\\\\Seen\" }}"
                ));
            }
            PostActionRepr::Move { move_to } => PostAction::MoveTo(move_to),
            PostActionRepr::Keyword { add_keyword } => PostAction::AddKeyword(add_keyword),
            PostActionRepr::Flag { add_flag } => PostAction::AddFlag(add_flag),
        };
        action.validate()?;
        Ok(action)
    }
}

impl From<PostAction> for PostActionRepr {
    fn from(a: PostAction) -> Self {
        match a {
            PostAction::None => PostActionRepr::Word("none".into()),
            PostAction::MoveTo(move_to) => PostActionRepr::Move { move_to },
            PostAction::AddKeyword(add_keyword) => PostActionRepr::Keyword { add_keyword },
            PostAction::AddFlag(add_flag) => PostActionRepr::Flag { add_flag },
        }
    }
}

/// `atom-char` of RFC 3501 minus the `\` that only system flags may start with.
fn is_atom_char(c: char) -> bool {
    c.is_ascii_graphic() && !matches!(c, '(' | ')' | '{' | '%' | '*' | '"' | '\\' | ']')
}

impl PostAction {
    /// Checks the folder, keyword or flag; the error is French, for the user.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            PostAction::None => Ok(()),
            PostAction::MoveTo(folder) => {
                if folder.trim().is_empty() || folder.chars().any(|c| c.is_control()) {
                    Err(format!(
                        "post_action move_to : nom de dossier invalide « {folder} »"
                    ))
                } else {
                    Ok(())
                }
            }
            PostAction::AddKeyword(k) => {
                if !k.is_empty() && k.chars().all(is_atom_char) {
                    Ok(())
                } else {
                    Err(format!(
                        "post_action add_keyword : mot-clé IMAP invalide « {k} » \
                         (lettres, chiffres, `$`, `_`, `-`, sans espace ni `\\`)"
                    ))
                }
            }
            PostAction::AddFlag(f) => {
                if ALLOWED_FLAGS.iter().any(|a| a.eq_ignore_ascii_case(f)) {
                    Ok(())
                } else {
                    Err(format!(
                        "post_action add_flag : drapeau « {f} » non accepté (possibles : {})",
                        ALLOWED_FLAGS.join(", ")
                    ))
                }
            }
        }
    }

    pub fn is_none(&self) -> bool {
        matches!(self, PostAction::None)
    }

    /// What it does, in French: `déplacement vers « Traitées »`.
    pub fn describe(&self) -> String {
        match self {
            PostAction::None => "aucune action".into(),
            PostAction::MoveTo(f) => format!("déplacement vers « {f} »"),
            PostAction::AddKeyword(k) => format!("ajout du mot-clé {k}"),
            PostAction::AddFlag(f) => format!("ajout du drapeau {f}"),
        }
    }
}

/// A compact text form, for storing pending post-actions:
/// `none`, `move:Traitées`, `keyword:$Fiches`, `flag:\Seen`.
impl fmt::Display for PostAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PostAction::None => f.write_str("none"),
            PostAction::MoveTo(m) => write!(f, "move:{m}"),
            PostAction::AddKeyword(k) => write!(f, "keyword:{k}"),
            PostAction::AddFlag(fl) => write!(f, "flag:{fl}"),
        }
    }
}

impl FromStr for PostAction {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let action = if s == "none" {
            PostAction::None
        } else if let Some(m) = s.strip_prefix("move:") {
            PostAction::MoveTo(m.to_owned())
        } else if let Some(k) = s.strip_prefix("keyword:") {
            PostAction::AddKeyword(k.to_owned())
        } else if let Some(fl) = s.strip_prefix("flag:") {
            PostAction::AddFlag(fl.to_owned())
        } else {
            return Err(format!("post-action enregistrée illisible : « {s} »"));
        };
        action.validate()?;
        Ok(action)
    }
}

/// One IMAP source.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImapSourceConfig {
    /// Name of the account in the sync state; defaults to `username@host`.
    #[serde(default)]
    pub account: Option<String>,
    pub host: String,
    /// Defaults to 993 for `implicit`, 143 otherwise.
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub tls: TlsMode,
    /// Needed, together with a loopback host, for `tls = "plain"`.
    #[serde(default)]
    pub allow_plaintext: bool,
    /// PEM file of extra trusted certificates (private CA or self-signed
    /// server certificate), on top of the public roots.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    pub username: String,
    /// Name of an environment variable holding the password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// File holding the password on its first line; must not be readable by
    /// group or others.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// Shell command printing the password on its first line.
    #[serde(default)]
    pub password_command: Option<String>,
    /// Present only to refuse it with a clear message.
    #[serde(default, skip_serializing)]
    password: Option<serde::de::IgnoredAny>,
    #[serde(default = "default_mailbox")]
    pub mailbox: String,
    #[serde(default)]
    pub post_action: PostAction,
    /// Polling interval when IDLE is off or not offered (seconds, or "5m").
    #[serde(default = "default_poll", with = "duration_serde")]
    pub poll_interval: Duration,
    /// Wait with IDLE when the server offers it.
    #[serde(default = "default_true")]
    pub idle: bool,
    #[serde(default = "default_connect_timeout", with = "duration_serde")]
    pub connect_timeout: Duration,
    /// Limit on every read and write on the socket.
    #[serde(default = "default_read_timeout", with = "duration_serde")]
    pub read_timeout: Duration,
    /// Messages fetched per `UID FETCH`.
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    /// Messages larger than this are not downloaded but recorded as refused.
    #[serde(default = "default_max_message_bytes")]
    pub max_message_bytes: u64,
    /// On a server without MOVE nor UIDPLUS, `move_to` copies the message
    /// and marks it `\Deleted`; with this, a plain EXPUNGE follows, which
    /// removes *every* `\Deleted` message of the mailbox: only for a
    /// mailbox used by fiches alone.
    #[serde(default)]
    pub expunge_without_uidplus: bool,
}

fn default_mailbox() -> String {
    "INBOX".into()
}
fn default_poll() -> Duration {
    Duration::from_secs(300)
}
fn default_true() -> bool {
    true
}
fn default_connect_timeout() -> Duration {
    Duration::from_secs(30)
}
fn default_read_timeout() -> Duration {
    Duration::from_secs(120)
}
fn default_batch_size() -> usize {
    50
}
/// A 20 MiB fiche (the file limit) is about 27 MiB once base64-encoded.
fn default_max_message_bytes() -> u64 {
    32 * 1024 * 1024
}

impl fmt::Debug for ImapSourceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapSourceConfig")
            .field("account", &self.account_id())
            .field("host", &self.host)
            .field("port", &self.port())
            .field("tls", &self.tls)
            .field("allow_plaintext", &self.allow_plaintext)
            .field("ca_file", &self.ca_file)
            .field("username", &self.username)
            .field("password_env", &self.password_env)
            .field("password_file", &self.password_file)
            // A command line may carry a secret inline: never shown.
            .field(
                "password_command",
                &self.password_command.as_ref().map(|_| "<redacted>"),
            )
            .field("mailbox", &self.mailbox)
            .field("post_action", &self.post_action)
            .field("poll_interval", &self.poll_interval)
            .field("idle", &self.idle)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("batch_size", &self.batch_size)
            .field("max_message_bytes", &self.max_message_bytes)
            .field("expunge_without_uidplus", &self.expunge_without_uidplus)
            .finish()
    }
}

/// What is wrong with an IMAP source's configuration (French, for the user).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImapConfigError {
    #[error(
        "connexion IMAP en clair refusée vers {host} : `tls = \"plain\"` exige \
         `allow_plaintext = true` dans la configuration"
    )]
    PlaintextNotAllowed { host: String },
    #[error(
        "connexion IMAP en clair refusée vers {host} : le mot de passe passerait en clair \
         sur le réseau ; `tls = \"plain\"` n'est permis que vers une adresse locale \
         (127.0.0.1, ::1, localhost) — utiliser `tls = \"implicit\"` ou `\"starttls\"`"
    )]
    PlaintextNotLoopback { host: String },
    #[error("impossible de résoudre le nom d'hôte IMAP « {host} » : {detail}")]
    Resolve { host: String, detail: String },
    #[error(
        "mot de passe en clair dans la configuration refusé : utiliser `password_env`, \
         `password_file` ou `password_command`"
    )]
    PasswordInConfig,
    #[error(
        "aucune source de mot de passe pour l'utilisateur IMAP « {username} » : renseigner \
         `password_env`, `password_file` ou `password_command`"
    )]
    NoPasswordSource { username: String },
    /// The password file or command failed (the secret module's error).
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("fichier `ca_file` {} inutilisable : {detail}", path.display())]
    CaFile { path: PathBuf, detail: String },
    #[error("configuration IMAP invalide : {0}")]
    Invalid(String),
}

impl ImapSourceConfig {
    /// A configuration with the defaults, for code and tests; the TOML form
    /// is the usual way in.
    pub fn new(host: impl Into<String>, username: impl Into<String>) -> Self {
        ImapSourceConfig {
            account: None,
            host: host.into(),
            port: None,
            tls: TlsMode::default(),
            allow_plaintext: false,
            ca_file: None,
            username: username.into(),
            password_env: None,
            password_file: None,
            password_command: None,
            password: None,
            mailbox: default_mailbox(),
            post_action: PostAction::None,
            poll_interval: default_poll(),
            idle: true,
            connect_timeout: default_connect_timeout(),
            read_timeout: default_read_timeout(),
            batch_size: default_batch_size(),
            max_message_bytes: default_max_message_bytes(),
            expunge_without_uidplus: false,
        }
    }

    pub fn port(&self) -> u16 {
        self.port.unwrap_or_else(|| self.tls.default_port())
    }

    /// The account name under which the sync state is kept.
    pub fn account_id(&self) -> String {
        match &self.account {
            Some(a) if !a.is_empty() => a.clone(),
            _ => format!("{}@{}", self.username, self.host),
        }
    }

    /// Everything that can be checked without talking to the server:
    /// plaintext rules (this resolves `host`), password source, post-action,
    /// numbers. Does not read the password.
    pub fn check(&self) -> Result<(), ImapConfigError> {
        if self.host.trim().is_empty() {
            return Err(ImapConfigError::Invalid("`host` est vide".into()));
        }
        if self.username.is_empty() {
            return Err(ImapConfigError::Invalid("`username` est vide".into()));
        }
        if self.password.is_some() {
            return Err(ImapConfigError::PasswordInConfig);
        }
        self.password_source()?;
        self.post_action
            .validate()
            .map_err(ImapConfigError::Invalid)?;
        if self.mailbox.trim().is_empty() {
            return Err(ImapConfigError::Invalid("`mailbox` est vide".into()));
        }
        if let PostAction::MoveTo(f) = &self.post_action
            && (f == &self.mailbox
                || (f.eq_ignore_ascii_case("INBOX") && self.mailbox.eq_ignore_ascii_case("INBOX")))
        {
            return Err(ImapConfigError::Invalid(format!(
                "post_action move_to : « {f} » est la boîte relevée elle-même (`mailbox`) ; \
                 choisir un autre dossier"
            )));
        }
        if self.batch_size == 0 {
            return Err(ImapConfigError::Invalid(
                "`batch_size` doit être au moins 1".into(),
            ));
        }
        for (name, d) in [
            ("connect_timeout", self.connect_timeout),
            ("read_timeout", self.read_timeout),
            ("poll_interval", self.poll_interval),
        ] {
            if d.is_zero() {
                return Err(ImapConfigError::Invalid(format!(
                    "`{name}` doit être positif"
                )));
            }
        }
        if let Some(ca) = &self.ca_file
            && let Err(e) = std::fs::metadata(ca)
        {
            return Err(ImapConfigError::CaFile {
                path: ca.clone(),
                detail: crate::os_error::problem(ca, &e),
            });
        }
        if self.tls == TlsMode::Plain {
            self.plaintext_addresses()?;
        }
        Ok(())
    }

    /// The addresses to connect to. For `tls = "plain"` every resolved
    /// address must be loopback (checked again at each connection, since a
    /// name can resolve differently later).
    pub fn resolve(&self) -> Result<Vec<SocketAddr>, ImapConfigError> {
        if self.tls == TlsMode::Plain {
            return self.plaintext_addresses();
        }
        resolve(&self.host, self.port())
    }

    fn plaintext_addresses(&self) -> Result<Vec<SocketAddr>, ImapConfigError> {
        crate::net::plaintext_addresses(&self.host, self.port(), self.allow_plaintext)
            .map_err(|e| address_error(&self.host, e))
    }

    fn password_source(&self) -> Result<PasswordSource<'_>, ImapConfigError> {
        PasswordSource::one(PasswordSource::all(
            self.password_env.as_deref(),
            self.password_file.as_deref(),
            self.password_command.as_deref(),
        ))?
        .ok_or_else(|| ImapConfigError::NoPasswordSource {
            username: self.username.clone(),
        })
    }

    /// Reads the password from its source. Called at each connection, so a
    /// rotated password is picked up without a restart.
    pub fn password(&self) -> Result<Secret, ImapConfigError> {
        Ok(self.password_source()?.read()?)
    }
}

fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, ImapConfigError> {
    crate::net::resolve(host, port).map_err(|e| address_error(host, e))
}

fn address_error(host: &str, e: crate::net::AddressError) -> ImapConfigError {
    use crate::net::AddressError as A;
    let host = host.to_string();
    match e {
        A::Resolve(detail) => ImapConfigError::Resolve { host, detail },
        A::PlaintextNotAllowed => ImapConfigError::PlaintextNotAllowed { host },
        A::PlaintextNotLoopback => ImapConfigError::PlaintextNotLoopback { host },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn parse(toml_text: &str) -> Result<ImapSourceConfig, toml::de::Error> {
        toml::from_str(toml_text)
    }

    #[test]
    fn defaults_and_shapes() {
        let c = parse(
            r#"
            host = "imap.example.org"
            username = "fiches@example.org"
            password_env = "FICHES_IMAP_PASSWORD"
            post_action = { move_to = "Traitées" }
            poll_interval = "5m"
            read_timeout = 60
            "#,
        )
        .unwrap();
        assert_eq!(c.port(), 993);
        assert_eq!(c.tls, TlsMode::Implicit);
        assert_eq!(c.mailbox, "INBOX");
        assert_eq!(c.post_action, PostAction::MoveTo("Traitées".into()));
        assert_eq!(c.poll_interval, Duration::from_secs(300));
        assert_eq!(c.read_timeout, Duration::from_secs(60));
        assert!(c.idle);
        assert_eq!(c.account_id(), "fiches@example.org@imap.example.org");
        c.check().unwrap();
    }

    #[test]
    fn post_action_forms() {
        for (text, want) in [
            (r#""none""#, PostAction::None),
            (
                r#"{ add_keyword = "$Fiches" }"#,
                PostAction::AddKeyword("$Fiches".into()),
            ),
            (
                r#"{ add_flag = "\\Seen" }"#,
                PostAction::AddFlag("\\Seen".into()),
            ),
        ] {
            let c = parse(&format!(
                "host = \"h\"\nusername = \"u\"\npassword_env = \"X\"\npost_action = {text}\n"
            ))
            .unwrap();
            assert_eq!(c.post_action, want);
            assert_eq!(want.to_string().parse::<PostAction>().unwrap(), want);
        }
        for bad in [
            r#""delete""#,
            r#"{ add_flag = "\\Deleted" }"#,
            r#"{ add_keyword = "two words" }"#,
            r#"{ move = "Traitées" }"#,
            r#"{ add_keyword = "$F", move_to = "Traitées" }"#,
            r#"{ move_to = 3 }"#,
            "3",
        ] {
            let r = parse(&format!(
                "host = \"h\"\nusername = \"u\"\npassword_env = \"X\"\npost_action = {bad}\n"
            ));
            assert!(r.is_err(), "{bad} accepted");
            let e = r.err().unwrap().to_string();
            assert!(
                e.contains("post_action") && !e.contains("variant"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn password_in_config_is_refused() {
        let c = parse("host = \"h\"\nusername = \"u\"\npassword = \"hunter2\"\n").unwrap();
        let e = c.check().unwrap_err();
        assert!(matches!(e, ImapConfigError::PasswordInConfig));
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn password_sources_exactly_one() {
        let mut c = ImapSourceConfig::new("127.0.0.1", "u");
        assert!(matches!(
            c.check(),
            Err(ImapConfigError::NoPasswordSource { .. })
        ));
        c.password_env = Some("A".into());
        c.password_command = Some("echo x".into());
        assert!(matches!(
            c.check(),
            Err(ImapConfigError::Password(
                PasswordError::SeveralSources { .. }
            ))
        ));
    }

    #[test]
    fn plaintext_rules() {
        let mut c = ImapSourceConfig::new("127.0.0.1", "u");
        c.password_env = Some("A".into());
        c.tls = TlsMode::Plain;
        assert!(matches!(
            c.check(),
            Err(ImapConfigError::PlaintextNotAllowed { .. })
        ));
        c.allow_plaintext = true;
        c.check().unwrap();
        assert_eq!(c.port(), 143);
        c.host = "::1".into();
        c.check().unwrap();
        c.host = "192.0.2.7".into();
        let e = c.check().unwrap_err();
        assert!(matches!(e, ImapConfigError::PlaintextNotLoopback { .. }));
        assert!(e.to_string().contains("en clair refusée vers 192.0.2.7"));
    }

    #[test]
    fn password_file_must_be_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pw");
        std::fs::write(&path, "s3cret\nignored\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut c = ImapSourceConfig::new("h", "u");
        c.password_file = Some(path.clone());
        let e = c.password().unwrap_err();
        assert!(matches!(
            e,
            ImapConfigError::Password(PasswordError::FilePermissions { mode: 0o644, .. })
        ));
        assert!(e.to_string().contains("chmod 600"), "{e}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(c.password().unwrap().expose(), "s3cret");
    }

    #[test]
    fn password_command_first_line_and_redaction() {
        let mut c = ImapSourceConfig::new("h", "u");
        c.password_command = Some("printf 'hunter2\\r\\nsecond\\n'".into());
        let s = c.password().unwrap();
        assert_eq!(s.expose(), "hunter2");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert!(!format!("{c:?}").contains("hunter2"));
        c.password_command = Some("echo hunter2; exit 3".into());
        let e = c.password().unwrap_err();
        assert!(!e.to_string().contains("hunter2"));
    }

    #[test]
    fn fits_under_sources_with_a_type_tag() {
        #[derive(Deserialize)]
        #[serde(tag = "type", rename_all = "lowercase")]
        enum Source {
            Imap(ImapSourceConfig),
        }
        #[derive(Deserialize)]
        struct File {
            sources: Vec<Source>,
        }
        let f: File = toml::from_str(
            r#"
            [[sources]]
            type = "imap"
            host = "imap.example.org"
            username = "fiches"
            password_file = "/etc/fiches/imap.pw"
            tls = "starttls"
            post_action = { add_keyword = "$Fiches" }
            poll_interval = "2m"
            "#,
        )
        .unwrap();
        let Source::Imap(c) = &f.sources[0];
        assert_eq!(c.tls, TlsMode::Starttls);
        assert_eq!(c.port(), 143);
        assert_eq!(c.poll_interval, Duration::from_secs(120));
        let bad = toml::from_str::<File>(
            "[[sources]]\ntype = \"imap\"\nhost = \"h\"\nusername = \"u\"\nhots = 1\n",
        );
        assert!(bad.is_err());
    }
}
