//! Secrets and their sources, shared by the mail clients (IMAP intake,
//! SMTP outbox): a password that never prints ([`Secret`]), read from a
//! private file or from a command's output with the same rules and the
//! same French errors for both ([`PasswordError`]), and the durations of
//! their settings (`duration_serde`: `90`, `"90s"`, `"5m"`, `"1h"`).

use std::fmt;
use std::io::Read as _;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// Why a password file or command gave no password (French, for the user).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordError {
    #[error(
        "plusieurs sources de mot de passe ({sources}) : n'en garder qu'une parmi \
         `password_env`, `password_file`, `password_command`"
    )]
    SeveralSources { sources: String },
    #[error("la variable d'environnement {name} (password_env) n'est pas définie ou est vide")]
    EnvMissing { name: String },
    #[error(
        "le fichier de mot de passe {} est lisible par le groupe ou par tous (mode {mode:03o}) : \
         le protéger avec `chmod 600 {}` (ou, pour un mot de passe partagé par le démon et \
         l'équipe, `chgrp fiches` et `chmod 640`)",
        path.display(),
        path.display()
    )]
    FilePermissions { path: PathBuf, mode: u32 },
    #[error("lecture du fichier de mot de passe {} impossible : {detail}", path.display())]
    FileUnreadable { path: PathBuf, detail: String },
    #[error("le fichier de mot de passe {} est vide", path.display())]
    FileEmpty { path: PathBuf },
    #[error("la commande `password_command` n'a pas pu être lancée : {detail}")]
    CommandSpawn { detail: String },
    #[error("la commande `password_command` a échoué ({status}) ; sa sortie n'est pas affichée")]
    CommandFailed { status: String },
    #[error("la commande `password_command` n'a rien écrit sur sa sortie standard")]
    CommandEmpty,
}

/// Where a password comes from: the one of the settings `password_env`,
/// `password_file`, `password_command` that is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordSource<'a> {
    Env(&'a str),
    File(&'a Path),
    Command(&'a str),
}

impl<'a> PasswordSource<'a> {
    /// The sources set, with their setting names, in that order.
    pub fn all(
        env: Option<&'a str>,
        file: Option<&'a Path>,
        command: Option<&'a str>,
    ) -> Vec<(&'static str, PasswordSource<'a>)> {
        let mut found = Vec::new();
        if let Some(v) = env {
            found.push(("password_env", PasswordSource::Env(v)));
        }
        if let Some(p) = file {
            found.push(("password_file", PasswordSource::File(p)));
        }
        if let Some(c) = command {
            found.push(("password_command", PasswordSource::Command(c)));
        }
        found
    }

    /// The one source of `found`: `None` when there is none, an error
    /// naming them when there are several.
    pub fn one(
        mut found: Vec<(&'static str, PasswordSource<'a>)>,
    ) -> Result<Option<PasswordSource<'a>>, PasswordError> {
        match found.len() {
            0 => Ok(None),
            1 => Ok(Some(found.remove(0).1)),
            _ => Err(PasswordError::SeveralSources {
                sources: found.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "),
            }),
        }
    }

    /// Reads the password now, so that a rotated password is picked up.
    pub fn read(self) -> Result<Secret, PasswordError> {
        match self {
            PasswordSource::Env(name) => match std::env::var(name) {
                Ok(v) if !v.is_empty() => Ok(Secret::new(v)),
                _ => Err(PasswordError::EnvMissing {
                    name: name.to_string(),
                }),
            },
            PasswordSource::File(path) => read_password_file(path),
            PasswordSource::Command(cmd) => run_password_command(cmd),
        }
    }
}

fn first_line(s: &str) -> &str {
    let line = s.split('\n').next().unwrap_or("");
    line.strip_suffix('\r').unwrap_or(line)
}

pub fn read_password_file(path: &Path) -> Result<Secret, PasswordError> {
    let unreadable = |e: std::io::Error| PasswordError::FileUnreadable {
        path: path.to_owned(),
        detail: crate::os_error::problem(path, &e),
    };
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let meta = file.metadata().map_err(unreadable)?;
    let mode = meta.permissions().mode();
    // Readable by its owner only; or, for a password the daemon and staff
    // share (SMTP), also by the group fiches — never writable by it, never
    // readable by others.
    let shared =
        mode & 0o037 == 0 && crate::system::group_id(crate::system::GROUP) == Some(meta.gid());
    if mode & 0o077 != 0 && !shared {
        return Err(PasswordError::FilePermissions {
            path: path.to_owned(),
            mode: mode & 0o777,
        });
    }
    let mut content = String::new();
    file.read_to_string(&mut content).map_err(unreadable)?;
    let line = first_line(&content);
    if line.is_empty() {
        return Err(PasswordError::FileEmpty {
            path: path.to_owned(),
        });
    }
    Ok(Secret(line.to_owned()))
}

pub fn run_password_command(cmd: &str) -> Result<Secret, PasswordError> {
    let out = Command::new("/bin/sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| PasswordError::CommandSpawn {
            detail: crate::os_error::io_fr(&e),
        })?;
    if !out.status.success() {
        return Err(PasswordError::CommandFailed {
            status: out.status.to_string(),
        });
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = first_line(&text);
    if line.is_empty() {
        return Err(PasswordError::CommandEmpty);
    }
    Ok(Secret(line.to_owned()))
}

/// A password. `Debug` shows `Secret(<redacted>)`; there is no `Display`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret itself, for the LOGIN command only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Durations as a number of seconds or a string such as `"90s"`, `"5m"`, `"1h"`.
pub mod duration_serde {
    use super::*;

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Secs(u64),
        Text(String),
    }

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        match Repr::deserialize(d)? {
            Repr::Secs(s) => Ok(Duration::from_secs(s)),
            Repr::Text(t) => parse(&t).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "durée invalide « {t} » : attendu un nombre de secondes ou \"30s\", \"5m\", \"1h\""
                ))
            }),
        }
    }

    pub(super) fn parse(t: &str) -> Option<Duration> {
        let t = t.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let n: u64 = num.parse().ok()?;
        let mult = match unit.trim() {
            "" | "s" => 1,
            "m" | "min" => 60,
            "h" => 3600,
            _ => return None,
        };
        n.checked_mul(mult).map(Duration::from_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration_serde::parse("90s"), Some(Duration::from_secs(90)));
        assert_eq!(duration_serde::parse("2h"), Some(Duration::from_secs(7200)));
        assert_eq!(duration_serde::parse("x"), None);
    }
}
