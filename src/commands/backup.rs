//! `fiches backup [DEST] [--keep N]`: a consistent copy of the database
//! while the daemon and staff go on working (`VACUUM INTO`: one read
//! transaction, a compact file), checked (`integrity_check`) before it is
//! announced. By default into `sauvegardes/` beside the database, named by
//! the time; `--keep N` then removes the oldest of those beyond N. The
//! timer `contrib/fiches-backup.timer` runs it every night.

use std::path::{Path, PathBuf};

use anyhow::bail;

use super::Globals;
use super::output::Out;
use crate::safe::terminal_line as clean;
use crate::store::Store;

/// Sauvegarde la base (copie cohérente, pendant que tout le monde travaille).
///
/// Sans DESTINATION : dans le dossier sauvegardes/ à côté de la base, sous le
/// nom fiches-AAAAMMJJTHHMMSSZ.db. DESTINATION peut être un dossier ou un
/// fichier (qui ne doit pas exister).
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Fichier ou dossier de destination.
    #[arg(value_name = "DESTINATION")]
    pub dest: Option<PathBuf>,

    /// Après la sauvegarde, ne garder que les N plus récentes de ce dossier
    /// (seulement les fichiers fiches-….db faits par cette commande).
    #[arg(long, value_name = "N")]
    pub keep: Option<usize>,
}

const PREFIX: &str = "fiches-";

fn is_ours(name: &str) -> bool {
    name.strip_prefix(PREFIX)
        .and_then(|r| r.strip_suffix(".db"))
        .is_some_and(|stamp| {
            stamp.len() >= 16
                && stamp.as_bytes()[..8].iter().all(u8::is_ascii_digit)
                && stamp.as_bytes()[8] == b'T'
        })
}

pub fn run(globals: &Globals, args: &Args) -> anyhow::Result<bool> {
    let mut out = Out::new();
    let (_config, db) = super::existing_database(
        globals,
        "fiches backup",
        &mut out,
        ("rien à sauvegarder", ""),
        "sauvegarde",
    )?;
    let default_dir = db
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        .join("sauvegardes");
    let (dir, file) = match &args.dest {
        Some(d) if d.is_dir() => (d.clone(), None),
        Some(f) => (
            f.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            Some(f.clone()),
        ),
        None => (default_dir, None),
    };
    if args.keep == Some(0) {
        bail!(
            "--keep 0 : au moins 1 (la sauvegarde qui vient d'être faite est toujours gardée) ; rien n'a été fait"
        );
    }
    if args.keep.is_some() && file.is_some() {
        bail!("--keep demande un dossier de destination, pas un fichier");
    }
    std::fs::create_dir_all(&dir).map_err(|e| {
        anyhow::anyhow!(
            "dossier de sauvegarde impossible à créer : {}",
            crate::os_error::path_problem(&dir, &e)
        )
    })?;
    let dest = match file {
        Some(f) => f,
        None => {
            let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
            let mut p = dir.join(format!("{PREFIX}{stamp}.db"));
            let mut n = 1;
            while p.exists() {
                n += 1;
                p = dir.join(format!("{PREFIX}{stamp}-{n}.db"));
            }
            p
        }
    };
    let store = Store::open_read_only(&db)?;
    store.backup_to(&dest)?;
    let check = Store::open_read_only(&dest)?.integrity_check()?;
    if check != "ok" {
        bail!(
            "sauvegarde {} écrite mais défectueuse ({check}) ; recommencer",
            dest.display()
        );
    }
    let size = std::fs::metadata(&dest).map_or(0, |m| m.len());
    out.line(&clean(&format!(
        "sauvegarde {} ({}), vérifiée",
        dest.display(),
        crate::domain::french::size_fr(size)
    )))?;
    if let Some(keep) = args.keep {
        let mut ours: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| anyhow::anyhow!("{}", crate::os_error::path_problem(&dir, &e)))?
            .flatten()
            .filter(|e| is_ours(&e.file_name().to_string_lossy()))
            .map(|e| e.path())
            // The backup just made is kept whatever its name sorts as
            // ("…Z-2.db" sorts before "…Z.db" of the same second).
            .filter(|p| p.file_name() != dest.file_name())
            .collect();
        ours.sort();
        let excess = ours.len().saturating_sub(keep.max(1) - 1);
        for old in &ours[..excess] {
            std::fs::remove_file(old).map_err(|e| {
                anyhow::anyhow!(
                    "suppression de l'ancienne sauvegarde impossible : {}",
                    crate::os_error::path_problem(old, &e)
                )
            })?;
            out.line(&clean(&format!(
                "ancienne sauvegarde supprimée : {}",
                old.display()
            )))?;
        }
    }
    out.finish()?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_backups_are_pruned() {
        assert!(is_ours("fiches-20180612T080000Z.db"));
        assert!(is_ours("fiches-20180612T080000Z-2.db"));
        assert!(!is_ours("fiches.db"));
        assert!(!is_ours("fiches-avant-0006_x-20180612T080000Z.db"));
        assert!(!is_ours("notes-20180612T080000Z.db"));
    }
}
