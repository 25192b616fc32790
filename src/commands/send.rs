//! `fiches send`: sends the letters of the outbox through the `[smtp]`
//! server, each at most once, and says what became of each.

use serde_json::json;

use super::Globals;
use super::output::{Out, json_line};
use crate::outbox::{self, LetterOutcome, SendError, SendOptions};
use crate::safe::terminal_line as clean;
use crate::system::acting_user as actor;

/// Envoie les lettres de la boîte d'envoi (voir `fiches outbox`).
///
/// Sans numéro : toutes les lettres à envoyer ; avec des numéros : celles-là.
/// Chaque lettre part au plus une fois : un envoi interrompu (arrêt brutal)
/// laisse la lettre « incertaine », à vérifier (`fiches outbox resolve`),
/// jamais renvoyée d'office. Un refus temporaire du serveur est réessayé plus
/// tard (1 min, 4 min, 16 min… jusqu'à 6 h).
///
/// Code de sortie : 0 si tout est parti, 1 si des lettres restent (refusées,
/// incertaines, à corriger, serveur injoignable), 2 en cas d'erreur.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Numéros des lettres à envoyer (par défaut : toutes les lettres à envoyer).
    #[arg(value_name = "N")]
    pub ids: Vec<i64>,

    /// Envoi automatique (pour le démon) : les accusés de réception si
    /// [letters] auto_acknowledge = true, et les nouvelles tentatives
    /// prévues des lettres déjà validées ; rien d'autre.
    #[arg(long, conflicts_with = "ids")]
    pub auto: bool,

    /// Réessayer tout de suite les lettres qui attendent leur prochaine tentative.
    #[arg(long)]
    pub now: bool,

    /// Une ligne JSON par lettre, puis le bilan.
    #[arg(long)]
    pub json: bool,
}

/// The daemon's automatic send: acknowledgements when `[letters]
/// auto_acknowledge = true`, and retries of approved letters when due.
/// Does nothing without `[smtp]`; steps aside when another send runs.
pub fn send_auto(
    config: &crate::config::Config,
    store: &mut crate::store::Store,
) -> anyhow::Result<usize> {
    let Some(smtp) = config.smtp.clone() else {
        return Ok(0);
    };
    let letters = outbox::load_letters(config)?;
    let opts = SendOptions {
        auto: true,
        auto_acknowledge: config.letters.auto_acknowledge,
        only: None,
        ignore_backoff: false,
        actor: "envoi automatique".to_string(),
    };
    let mut log = |o: &LetterOutcome| tracing::info!("{}", outcome_line(o));
    match outbox::send(store, &smtp, &letters, &opts, &mut log) {
        Ok(report) => Ok(report.sent()),
        Err(SendError::Busy) => Ok(0),
        Err(e) => Err(e.into()),
    }
}

pub fn run(globals: &Globals, args: &Args) -> anyhow::Result<bool> {
    let config = globals.require_config()?;
    let Some(smtp) = config.smtp.clone() else {
        anyhow::bail!(
            "aucun serveur d'envoi : ajouter une section [smtp] à {} (voir le config.toml du projet)",
            config.path.display()
        );
    };
    let letters = outbox::load_letters(&config)?;
    let mut store = globals.open_store(Some(&config))?;
    let opts = SendOptions {
        auto: args.auto,
        auto_acknowledge: config.letters.auto_acknowledge,
        only: (!args.ids.is_empty()).then(|| args.ids.iter().map(|i| (*i, None)).collect()),
        ignore_backoff: args.now,
        actor: actor(),
    };
    let mut out = Out::new();
    let json = args.json;
    let mut progress = |o: &LetterOutcome| {
        let line = if json {
            json_line(&json!(o))
        } else {
            outcome_line(o)
        };
        let _ = out.line(&line);
    };
    let report = match outbox::send(&mut store, &smtp, &letters, &opts, &mut progress) {
        Ok(r) => r,
        Err(SendError::Busy) if args.auto => {
            tracing::info!("envoi automatique remis : un autre envoi est en cours");
            return Ok(true);
        }
        Err(e) => return Err(e.into()),
    };
    if json {
        out.line(&json_line(&json!({
            "summary": {
                "sent": report.sent(),
                "approved": report.approved,
                "not_approved": report.not_approved,
                "recovered_uncertain": report.recovered,
                "waiting": report.waiting,
                "connection_error": report.connection_error,
                "outcomes": report.outcomes.len(),
            }
        })))?;
    } else {
        for id in &report.recovered {
            out.line(&format!(
                "! lettre n° {id} : un envoi précédent a été interrompu pendant l'échange avec le serveur ; elle est marquée incertaine (fiches outbox show {id}, puis resolve)"
            ))?;
        }
        for (id, why) in &report.not_approved {
            out.line(&format!("! lettre n° {id} non envoyée : {}", clean(why)))?;
        }
        for (id, when) in &report.waiting {
            out.line(&format!(
                "lettre n° {id} : prochaine tentative après {when} (fiches send --now pour réessayer tout de suite)"
            ))?;
        }
        if let Some(e) = &report.connection_error {
            out.line(&format!("! serveur d'envoi : {}", clean(e)))?;
        }
        let total = report.outcomes.len();
        out.line(&format!(
            "{} lettre(s) envoyée(s) sur {total} traitée(s).",
            report.sent()
        ))?;
    }
    out.finish()?;
    Ok(report.all_good())
}

fn outcome_line(o: &LetterOutcome) -> String {
    match o {
        LetterOutcome::Sent {
            id,
            to,
            response,
            refused,
        } => {
            let mut s = format!(
                "envoyée : lettre n° {id} à {} ({})",
                clean(to),
                clean(response)
            );
            if !refused.is_empty() {
                s.push_str(&format!(" ; refusés : {}", clean(&refused.join(", "))));
            }
            s
        }
        LetterOutcome::Retry {
            id,
            error,
            next_attempt_at,
        } => format!(
            "! lettre n° {id} : refus temporaire ({}) ; nouvelle tentative après {next_attempt_at}",
            clean(error)
        ),
        LetterOutcome::Failed { id, error } => format!(
            "! lettre n° {id} refusée : {} (corriger avec fiches outbox edit {id}, puis retry)",
            clean(error)
        ),
        LetterOutcome::Uncertain { id, error } => format!(
            "! lettre n° {id} incertaine : {} (vérifier, puis fiches outbox resolve {id})",
            clean(error)
        ),
        LetterOutcome::Held { id, problems } => format!(
            "! lettre n° {id} non envoyée, à corriger : {}",
            clean(&problems.join(" ; "))
        ),
        LetterOutcome::Postponed {
            id,
            next_attempt_at,
        } => format!(
            "! lettre n° {id} : serveur injoignable, nouvelle tentative après {next_attempt_at}"
        ),
    }
}
