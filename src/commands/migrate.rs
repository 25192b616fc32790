//! `fiches migrate`: brings the database's schema up to this program's,
//! after a consistent copy beside it (`fiches-avant-NNNN_nom-DATE.db`). The
//! administrator's command of an upgrade (the daemon does the same at its
//! start); staff consoles and commands never migrate. Refused while a
//! daemon runs on the database: stop it first.

use super::output::Out;
use super::{Globals, daemon::take_lock};
use crate::safe::terminal_line as clean;
use crate::store::{Migrate, Store};

/// Met à jour le schéma de la base, après en avoir fait une copie de sauvegarde dans le même dossier.
///
/// À lancer par l'administrateur après avoir installé une nouvelle version de
/// fiches, démon arrêté (systemctl stop fiches-daemon). Avec --check : dit
/// seulement s'il y a une mise à jour à faire (code 1 si oui).
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Seulement dire si une mise à jour est à faire (code de sortie 1 si oui).
    #[arg(long)]
    pub check: bool,
}

pub fn run(globals: &Globals, args: &Args) -> anyhow::Result<bool> {
    let mut out = Out::new();
    // Migrating never creates a database: a missing one is a wrong path
    // (or a server not set up yet), said as such.
    let (config, db) = super::existing_database(
        globals,
        "fiches migrate",
        &mut out,
        (
            "rien à mettre à jour (rien n'a été créé)",
            " (sur un serveur, `sudo fiches setup --system` la crée)",
        ),
        "mise à jour",
    )?;
    if args.check {
        let info = Store::open_read_only(&db)?.schema()?;
        if info.pending.is_empty() {
            out.line(&clean(&format!(
                "{} : schéma {}, à jour",
                db.display(),
                info.label()
            )))?;
        } else {
            out.line(&clean(&format!(
                "{} : schéma {}, à mettre à jour : {}",
                db.display(),
                info.label(),
                info.pending.join(", ")
            )))?;
        }
        out.finish()?;
        return Ok(info.pending.is_empty());
    }
    let _lock = take_lock(&db)?;
    let before = Store::open_read_only(&db)?.schema()?;
    let (store, backup) = globals.open_store_with(config.as_ref(), Migrate::Allowed)?;
    let after = store.schema()?;
    match backup {
        Some(path) => {
            out.line(&clean(&format!(
                "{} : schéma {} → {} ({})",
                db.display(),
                before.label(),
                after.label(),
                before.pending.join(", ")
            )))?;
            out.line(&clean(&format!(
                "sauvegarde d'avant la mise à jour : {}",
                path.display()
            )))?
        }
        None => out.line(&clean(&format!(
            "{} : schéma {}, déjà à jour",
            db.display(),
            after.label()
        )))?,
    };
    out.finish()?;
    Ok(true)
}
