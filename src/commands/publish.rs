//! `fiches publish`: the accepted programme as a numbered, dated publication
//! (public files in `[publish] output_dir/YYYY-MM-DD-NNN/` + `latest`, the
//! staff's in `[publish] internal_dir/YYYY-MM-DD-NNN/`, and a row in the
//! database with its changelog), with its e-mail to the partners queued in
//! the outbox when `[publish] partners` is set; or, with `--draft`, the same
//! files marked "Document de travail" in a folder of one's choice, with
//! nothing recorded. When the public lists did not change since the last
//! publication, nothing is published, recorded or sent, and no number is
//! taken.

use std::path::PathBuf;

use anyhow::Result;
use chrono::Utc;

pub use crate::service::publication::{
    Outcome, Preview, SCHEDULER, entries, entry, members_beside, preview, publish, publish_if_due,
};

use super::Globals;
use super::output::Out;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Brouillon « Document de travail » dans ce dossier (aucune publication n'est enregistrée dans la base).
    #[arg(long, value_name = "DOSSIER")]
    pub draft: Option<PathBuf>,
    /// Résumé en JSON (une ligne).
    #[arg(long)]
    pub json: bool,
}

pub fn run(globals: &Globals, args: &Args) -> Result<bool> {
    let config = globals.require_config()?;
    let mut store = globals.open_store(Some(&config))?;
    let outcome = publish(
        &config,
        &mut store,
        &crate::system::acting_user(),
        Utc::now(),
        args.draft.as_deref(),
    )?;
    let mut out = Out::new();
    if args.json {
        out.line(&super::output::json_line(&serde_json::to_value(&outcome)?))?;
        out.finish()?;
        return Ok(true);
    }
    let mut lines: Vec<String> = Vec::new();
    match (&outcome.number, &outcome.dir) {
        (None, Some(dir)) => {
            lines.push(format!(
                "Brouillon écrit dans {} (aucune publication n'est enregistrée dans la base).",
                crate::safe::terminal_line(&dir.display().to_string())
            ));
            if let Some(i) = &outcome.internal_dir {
                lines.push(format!(
                    "Fichiers de l'équipe (listes d'attente, contacts) : {}.",
                    crate::safe::terminal_line(&i.display().to_string())
                ));
            }
        }
        (Some(n), Some(dir)) => {
            lines.push(format!(
                "Publication n° {n} écrite dans {}.",
                crate::safe::terminal_line(&dir.display().to_string())
            ));
            if let Some(i) = &outcome.internal_dir {
                lines.push(format!(
                    "Fichiers de l'équipe (listes d'attente, contacts) : {} — à ne pas publier.",
                    crate::safe::terminal_line(&i.display().to_string())
                ));
            }
            if outcome.partners_mail {
                lines.push(format!(
                    "Envoi aux partenaires P{n} préparé : le relire (fiches outbox) puis l'envoyer (fiches send P{n}){}.",
                    if config.publish.partners.auto_send {
                        ", ou laisser le démon l'envoyer"
                    } else {
                        ""
                    }
                ));
            }
        }
        _ => {}
    }
    lines.push(format!(
        "{}.",
        crate::domain::french::programme_counts(&outcome.accepted)
    ));
    lines.push(String::new());
    let shown = if outcome.unchanged && outcome.dir.is_none() {
        &outcome.changes
    } else {
        &outcome.staff_changes
    };
    for l in crate::safe::terminal_text(shown, true).lines() {
        lines.push(l.to_string());
    }
    for l in lines {
        if !out.line(&l)? {
            break;
        }
    }
    out.finish()?;
    Ok(true)
}
