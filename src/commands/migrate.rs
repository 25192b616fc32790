//! `fiches migrate`: brings the database's schema up to this program's,
//! after a consistent copy beside it (`fiches-avant-NNNN_nom-DATE.db`). The
//! administrator's command of an upgrade (the daemon does the same at its
//! start); staff consoles and commands never migrate. Refused while a
//! daemon runs on the database: stop it first.

use anyhow::bail;

use super::output::Out;
use super::{Globals, daemon::take_lock};
use crate::safe::terminal_line as clean;
use crate::store::{Migrate, Store};

/// Met à jour le schéma de la base, après l'avoir sauvegardée à côté.
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
    let config = match &globals.db {
        Some(_) => globals.config().ok().flatten(),
        None => Some(globals.require_config()?),
    };
    let db = globals.db_path(config.as_ref())?;
    let mut out = Out::new();
    if args.check {
        if !db.exists() {
            bail!("la base {} n'existe pas", db.display());
        }
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
    let before = if db.exists() {
        Some(Store::open_read_only(&db)?.schema()?)
    } else {
        None
    };
    let (store, backup) = globals.open_store_with(config.as_ref(), Migrate::Allowed)?;
    let after = store.schema()?;
    match (before, backup) {
        (Some(b), Some(path)) => {
            out.line(&clean(&format!(
                "{} : schéma {} → {} ({})",
                db.display(),
                b.label(),
                after.label(),
                b.pending.join(", ")
            )))?;
            out.line(&clean(&format!(
                "sauvegarde d'avant la mise à jour : {}",
                path.display()
            )))?
        }
        (Some(_), None) => out.line(&clean(&format!(
            "{} : schéma {}, déjà à jour",
            db.display(),
            after.label()
        )))?,
        (None, _) => out.line(&clean(&format!(
            "{} : base créée, schéma {}",
            db.display(),
            after.label()
        )))?,
    };
    out.finish()?;
    Ok(true)
}
