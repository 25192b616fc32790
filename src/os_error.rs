//! Errors of the operating system told in French, in one place: what an
//! [`std::io::Error`] means ([`io_fr`], the one translation of
//! `io::ErrorKind` every message uses), what stops this user from reaching
//! a file ([`path_problem`]: not found — which folder is missing —, or
//! permission denied — which folder blocks, whose it is, and the command
//! that fixes it), and an error chain told without the English text of the
//! system ([`chain_text`]). No human output of fiches shows "Permission
//! denied (os error 13)".

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::system::{GROUP, effective_user, group_id, group_name, in_group, user_name};

/// What an I/O error means, in French, without the system's English text.
pub fn io_fr(e: &io::Error) -> String {
    use io::ErrorKind as K;
    let text = match e.kind() {
        K::NotFound => "introuvable",
        K::PermissionDenied => "accès refusé",
        K::AlreadyExists => "existe déjà",
        K::NotADirectory => "un élément du chemin n'est pas un dossier",
        K::IsADirectory => "c'est un dossier, pas un fichier",
        K::DirectoryNotEmpty => "le dossier n'est pas vide",
        K::ReadOnlyFilesystem => "système de fichiers en lecture seule",
        K::StorageFull => "disque plein",
        K::QuotaExceeded => "quota de disque dépassé",
        K::FileTooLarge => "fichier trop gros",
        K::InvalidFilename => "nom de fichier invalide ou trop long",
        K::TooManyLinks => "trop de liens",
        K::CrossesDevices => "déplacement impossible d'un disque à un autre",
        K::ResourceBusy => "ressource occupée",
        K::ExecutableFileBusy => "fichier exécutable en cours d'utilisation",
        K::StaleNetworkFileHandle => "fichier réseau devenu inaccessible (NFS)",
        K::Deadlock => "interblocage",
        K::InvalidData => "contenu invalide",
        K::InvalidInput => "paramètre invalide",
        K::UnexpectedEof => "fin de fichier inattendue",
        K::WriteZero => "écriture impossible (0 octet écrit)",
        K::TimedOut | K::WouldBlock => "délai dépassé",
        K::Interrupted => "interrompu",
        K::Unsupported => "opération non prise en charge",
        K::OutOfMemory => "mémoire insuffisante",
        K::BrokenPipe => "la sortie a été fermée",
        K::ConnectionRefused => "connexion refusée",
        K::ConnectionReset => "connexion coupée par l'autre côté",
        K::ConnectionAborted => "connexion interrompue",
        K::NotConnected => "pas connecté",
        K::AddrInUse => "adresse déjà utilisée",
        K::AddrNotAvailable => "adresse indisponible",
        K::HostUnreachable => "hôte injoignable",
        K::NetworkUnreachable => "réseau injoignable",
        K::NetworkDown => "réseau hors service",
        _ => "",
    };
    if !text.is_empty() {
        // An error made by fiches or a library with its own words: kept
        // after the meaning, unless they are the system's own English.
        return match custom_text(e) {
            Some(inner) => format!("{text} ({inner})"),
            None => text.to_string(),
        };
    }
    match (e.raw_os_error(), custom_text(e)) {
        (Some(libc::EIO), _) => "erreur d'entrée-sortie du disque".to_string(),
        (Some(libc::ELOOP), _) => "trop de liens symboliques (boucle ?)".to_string(),
        (Some(n), _) => format!("erreur du système (errno {n})"),
        (None, Some(inner)) => inner,
        (None, None) => "erreur d'entrée-sortie".to_string(),
    }
}

/// The words of an error built with `io::Error::new` (not one of the
/// system's), when they say more than its kind.
fn custom_text(e: &io::Error) -> Option<String> {
    if e.raw_os_error().is_some() {
        return None;
    }
    let inner = e.get_ref()?.to_string();
    let inner = inner.trim();
    (!inner.is_empty()).then(|| inner.to_string())
}

fn mode_text(meta: &std::fs::Metadata) -> String {
    let owner = user_name(meta.uid()).unwrap_or_else(|| meta.uid().to_string());
    let group = group_name(meta.gid()).unwrap_or_else(|| meta.gid().to_string());
    format!(
        "propriétaire {owner}, groupe {group}, droits {:04o}",
        meta.mode() & 0o7777
    )
}

/// What an ACL would grant: to the group `fiches` when this user is in it
/// (the daemon and every staff login then benefit), else to the user.
fn acl_who(user: &str) -> String {
    match group_id(GROUP) {
        Some(g) if in_group(g) => format!("g:{GROUP}"),
        _ => format!("u:{user}"),
    }
}

/// The first folder of `path`'s ancestors (from `/` down) this process may
/// not pass through, if any.
fn first_blocking_folder(path: &Path) -> Option<PathBuf> {
    let mut ancestors: Vec<&Path> = path.ancestors().skip(1).collect();
    ancestors.reverse();
    ancestors
        .into_iter()
        .filter(|a| !a.as_os_str().is_empty())
        .find(|a| !crate::system::searchable(a))
        .map(Path::to_path_buf)
}

/// Why `path` cannot be reached, for an error `e` met on it, starting
/// with the path: see [`problem`].
pub fn path_problem(path: &Path, e: &io::Error) -> String {
    format!("{} : {}", path.display(), problem(path, e))
}

/// Why `path` cannot be reached, for an error `e` met on it, without the
/// path itself (for a message that already names it): not found (which
/// folder is missing), permission denied (which folder or file blocks,
/// whose it is, the command that fixes it), else [`io_fr`].
pub fn problem(path: &Path, e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => not_found(path),
        io::ErrorKind::PermissionDenied => permission_denied(path),
        _ => io_fr(e),
    }
}

fn not_found(path: &Path) -> String {
    // The deepest ancestor that exists; the one below it is missing.
    let mut missing = path.to_path_buf();
    for a in path.ancestors().skip(1) {
        if a.as_os_str().is_empty() {
            break;
        }
        match std::fs::symlink_metadata(a) {
            Ok(m) if m.is_dir() => break,
            Ok(_) => return format!("{} n'est pas un dossier", a.display()),
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                return permission_denied(path);
            }
            Err(_) => missing = a.to_path_buf(),
        }
    }
    if missing == path {
        "n'existe pas".to_string()
    } else {
        format!("le dossier {} n'existe pas", missing.display())
    }
}

fn permission_denied(path: &Path) -> String {
    let user = effective_user();
    let who = acl_who(&user);
    if let Some(dir) = first_blocking_folder(path) {
        let how = std::fs::metadata(&dir)
            .map(|m| format!(" ({})", mode_text(&m)))
            .unwrap_or_default();
        let fix = group_fix(&dir, &user).unwrap_or_else(|| {
            format!(
                "pour l'autoriser à passer (sans rien lire d'autre) : `sudo setfacl -m {who}:x {}`",
                dir.display()
            )
        });
        return format!(
            "{user} ne peut pas passer par le dossier {}{how} ; {fix}",
            dir.display()
        );
    }
    let meta = std::fs::metadata(path).ok();
    let is_dir = meta.as_ref().is_some_and(std::fs::Metadata::is_dir);
    let how = meta
        .as_ref()
        .map(|m| format!(" ({})", mode_text(m)))
        .unwrap_or_default();
    let readable = crate::system::readable(path) && (!is_dir || crate::system::searchable(path));
    let (what, need, acl) = match (is_dir, readable) {
        (true, false) => ("le dossier", "lire", "rX"),
        (true, true) => ("le dossier", "écrire dans", "rwX"),
        (false, false) => ("le fichier", "lire", "r"),
        (false, true) => ("le fichier", "modifier", "rw"),
    };
    let fix = group_fix(path, &user).unwrap_or_else(|| {
        if is_dir {
            format!(
                "pour l'autoriser (et ce qui y sera créé) : `sudo setfacl -R -m {who}:{acl},d:{who}:{acl} {}`",
                path.display()
            )
        } else {
            format!("pour l'autoriser : `sudo setfacl -m {who}:{acl} {}`", path.display())
        }
    });
    format!(
        "{user} ne peut pas {need} {what} {}{how} ; {fix}",
        path.display()
    )
}

/// When `path` belongs to a group this user is not in and that group has
/// the access: the advice to join it.
fn group_fix(path: &Path, user: &str) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if in_group(meta.gid()) || meta.mode() & 0o050 == 0 {
        return None;
    }
    let group = group_name(meta.gid())?;
    if group == "root" {
        return None;
    }
    Some(crate::system::join_group_advice(user, &group))
}

/// An error and its causes in one line, `{e:#}`-like, with every I/O
/// error in French ([`io_fr`]) and without repeating a cause its
/// context already tells.
pub fn chain_text(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = match cause.downcast_ref::<io::Error>() {
            Some(io) => io_fr(io),
            None => cause.to_string(),
        };
        let text = text.trim();
        if text.is_empty() || out.contains(text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(" : ");
        }
        out.push_str(text);
    }
    out
}

/// Whether a file is there, told apart from "cannot tell": `Ok(true)` it
/// exists, `Ok(false)` it does not, `Err` the reason this user cannot know
/// (in French, with the fix).
pub fn exists(path: &Path) -> Result<bool, String> {
    match std::fs::metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(path_problem(path, &e)),
    }
}

/// Why a file or folder of the shared state cannot be written, and what to
/// ask the administrator: in plain French, naming the file, the user and
/// the group.
pub fn not_writable_advice(path: &Path) -> String {
    use std::os::unix::fs::MetadataExt;
    let user = effective_user();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return path_problem(path, &e),
    };
    let group = group_name(meta.gid()).unwrap_or_else(|| meta.gid().to_string());
    let owner = user_name(meta.uid()).unwrap_or_else(|| meta.uid().to_string());
    let what = if meta.is_dir() {
        "le dossier"
    } else {
        "le fichier"
    };
    if meta.mode() & 0o020 == 0 {
        return format!(
            "{what} {} (propriétaire {owner}, groupe {group}) n'est pas modifiable par son groupe ; \
             demander à l'administrateur de lancer `chmod g+w{} {}`",
            path.display(),
            if meta.is_dir() { "s" } else { "" },
            path.display()
        );
    }
    if !in_group(meta.gid()) {
        return format!(
            "{what} {} appartient au groupe {group} et {user} n'en fait pas partie (dans cette session) ; {}",
            path.display(),
            crate::system::join_group_advice(&user, &group)
        );
    }
    format!(
        "{what} {} n'est pas modifiable par {user} ; demander à l'administrateur de vérifier ses droits \
         ({owner}:{group}, `sudo chmod g+w{} {}`)",
        path.display(),
        if meta.is_dir() { "s" } else { "" },
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn every_kind_is_told_in_french() {
        for errno in [
            libc::ENOENT,
            libc::EACCES,
            libc::EEXIST,
            libc::ENOTDIR,
            libc::EISDIR,
            libc::ENOTEMPTY,
            libc::EROFS,
            libc::ENOSPC,
            libc::EDQUOT,
            libc::EFBIG,
            libc::ENAMETOOLONG,
            libc::EXDEV,
            libc::EBUSY,
            libc::ETIMEDOUT,
            libc::EINTR,
            libc::EPIPE,
            libc::ECONNREFUSED,
            libc::ECONNRESET,
            libc::EHOSTUNREACH,
            libc::ENETUNREACH,
            libc::EPERM,
            libc::EIO,
            libc::ELOOP,
        ] {
            let e = io::Error::from_raw_os_error(errno);
            let fr = io_fr(&e);
            assert!(
                !fr.contains("os error") && !fr.contains(&e.to_string()),
                "{errno}: {fr}"
            );
            assert!(!fr.is_empty());
        }
        assert_eq!(
            io_fr(&io::Error::from_raw_os_error(libc::ENOENT)),
            "introuvable"
        );
        assert_eq!(
            io_fr(&io::Error::from_raw_os_error(libc::EACCES)),
            "accès refusé"
        );
        // Our own words are kept.
        assert_eq!(
            io_fr(&io::Error::new(
                io::ErrorKind::TimedOut,
                "réponse attendue 10 s"
            )),
            "délai dépassé (réponse attendue 10 s)"
        );
    }

    #[test]
    fn a_missing_folder_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("absent/sous/fiches.db");
        let e = std::fs::File::open(&p).unwrap_err();
        let t = path_problem(&p, &e);
        assert!(
            t.starts_with(&format!("{} : ", p.display()))
                && t.contains(&format!(
                    "le dossier {} n'existe pas",
                    dir.path().join("absent").display()
                )),
            "{t}"
        );
        let p = dir.path().join("nope.toml");
        let t = path_problem(&p, &std::fs::File::open(&p).unwrap_err());
        assert_eq!(t, format!("{} : n'existe pas", p.display()));
        assert_eq!(exists(&p), Ok(false));
        assert_eq!(exists(dir.path()), Ok(true));
    }

    #[test]
    fn a_blocking_folder_is_named_with_its_fix() {
        if crate::system::euid() == 0 {
            // Root passes everywhere: the server tests check this as staff.
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join("Maildir/new")).unwrap();
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o000)).unwrap();
        let p = home.join("Maildir");
        let e = std::fs::read_dir(&p).unwrap_err();
        let t = path_problem(&p, &e);
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(
            t.contains(&format!(
                "ne peut pas passer par le dossier {} ",
                home.display()
            )) && t.contains("setfacl -m")
                && t.contains(":x "),
            "{t}"
        );
    }

    #[test]
    fn a_chain_is_french_and_not_repeated() {
        let io = io::Error::from_raw_os_error(libc::ENOENT);
        let e = anyhow::Error::new(io).context("lecture de /x/y.toml");
        assert_eq!(chain_text(&e), "lecture de /x/y.toml : introuvable");
        let e = anyhow::anyhow!("la base /x n'existe pas")
            .context("sauvegarde : la base /x n'existe pas");
        assert_eq!(chain_text(&e), "sauvegarde : la base /x n'existe pas");
    }
}
