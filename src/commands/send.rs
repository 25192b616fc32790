//! `fiches send`: sends the letters of the outbox and the e-mails to the
//! partners through the `[smtp]` server, each at most once, and says what
//! became of each.

use serde_json::json;

use super::Globals;
use super::output::{Out, json_line};
use crate::outbox::{self, LetterOutcome, MailRef, SendError, SendOptions};
use crate::safe::terminal_line as clean;
use crate::system::acting_user as actor;

/// Envoie les lettres de la boîte d'envoi et les envois aux partenaires
/// (voir `fiches outbox`).
///
/// Sans numéro : tout ce qui est à envoyer ; avec des numéros : ceux-là
/// (12 pour la lettre n° 12, P3 pour l'envoi aux partenaires de la
/// publication n° 3). Une lettre dont le destinataire est à vérifier ne
/// part qu'une fois celui-ci validé (`fiches outbox confirm N`).
/// Chaque lettre part au plus une fois : un envoi interrompu (arrêt brutal)
/// laisse la lettre « incertaine », à vérifier (`fiches outbox resolve`),
/// jamais renvoyée d'office. Un refus temporaire du serveur est réessayé plus
/// tard (1 min, 4 min, 16 min… jusqu'à 6 h).
///
/// Code de sortie : 0 si tout est parti, 1 si des lettres restent (refusées,
/// incertaines, à corriger, serveur injoignable), 2 en cas d'erreur.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Numéros des lettres (12) ou des envois aux partenaires (P3) à
    /// envoyer (par défaut : tout ce qui est à envoyer).
    #[arg(value_name = "N", value_parser = parse_ref)]
    pub ids: Vec<MailRef>,

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

/// "12" or "P3".
pub fn parse_ref(s: &str) -> Result<MailRef, String> {
    MailRef::parse(s).ok_or_else(|| {
        format!("« {s} » : un numéro de lettre (12) ou d'envoi aux partenaires (P3) est attendu")
    })
}

/// Letters (id, version seen) and e-mails to the partners (publication,
/// version seen), as `SendOptions` takes them.
pub type Chosen = (Vec<(i64, Option<i64>)>, Vec<(u32, Option<i64>)>);

/// Splits references into letters and e-mails to the partners (at no
/// particular version).
pub fn split_refs(refs: &[MailRef]) -> Chosen {
    let mut letters = Vec::new();
    let mut partners = Vec::new();
    for r in refs {
        match r {
            MailRef::Letter(id) => letters.push((*id, None)),
            MailRef::Partners(n) => partners.push((*n, None)),
        }
    }
    (letters, partners)
}

/// The daemon's automatic send: acknowledgements when `[letters]
/// auto_acknowledge = true` (never one whose recipient waits for staff),
/// the e-mail to the partners when `[publish] auto_send_publication =
/// true`, and retries of approved letters when due. Does nothing without
/// `[smtp]`; steps aside when another send runs.
pub fn send_auto(
    config: &crate::config::Config,
    store: &mut crate::store::Store,
) -> anyhow::Result<usize> {
    let Some(smtp) = config.smtp.clone() else {
        return Ok(0);
    };
    let letters = config.load_letters()?;
    let opts = SendOptions {
        auto: true,
        auto_acknowledge: config.letters.auto_acknowledge,
        auto_partners: config.publish.partners.auto_send,
        only: None,
        only_partners: None,
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
        if config.demo {
            anyhow::bail!(
                "configuration de démonstration ({}) : aucune lettre ne peut partir ; les lettres restent à envoyer",
                config.path.display()
            );
        }
        anyhow::bail!(
            "aucun serveur d'envoi : ajouter une section [smtp] à {} (modèle commenté dans le fichier de configuration livré avec fiches)",
            config.path.display()
        );
    };
    let letters = config.load_letters()?;
    let mut store = globals.open_store(Some(&config))?;
    let (only, only_partners) = split_refs(&args.ids);
    let chosen = !args.ids.is_empty();
    let opts = SendOptions {
        auto: args.auto,
        auto_acknowledge: config.letters.auto_acknowledge,
        auto_partners: config.publish.partners.auto_send,
        only: chosen.then_some(only),
        only_partners: chosen.then_some(only_partners),
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
            let flagged = match id {
                MailRef::Letter(_) => "elle est marquée incertaine",
                MailRef::Partners(_) => "il est marqué incertain",
            };
            out.line(&format!(
                "! {id} : un envoi précédent a été interrompu pendant l'échange avec le serveur ; {flagged} (fiches outbox show {}, puis resolve)",
                short(id)
            ))?;
        }
        for (id, why) in &report.not_approved {
            out.line(&format!("! {id} non envoyé : {}", clean(why)))?;
        }
        for (id, when) in &report.waiting {
            out.line(&format!(
                "{id} : prochaine tentative après {when} (fiches send --now pour réessayer tout de suite)"
            ))?;
        }
        if let Some(e) = &report.connection_error {
            out.line(&format!("! serveur d'envoi : {}", clean(e)))?;
        }
        let total = report.outcomes.len();
        let partners = report.outcomes.iter().any(|o| {
            matches!(
                o,
                LetterOutcome::Sent {
                    id: MailRef::Partners(_),
                    ..
                }
            )
        });
        out.line(&if partners {
            format!(
                "{} message(s) envoyé(s) sur {total} traité(s).",
                report.sent()
            )
        } else {
            format!(
                "{} lettre(s) envoyée(s) sur {total} traitée(s).",
                report.sent()
            )
        })?;
    }
    out.finish()?;
    Ok(report.all_good())
}

/// "12" or "P3", as typed in the commands.
fn short(r: &MailRef) -> String {
    match r {
        MailRef::Letter(id) => id.to_string(),
        MailRef::Partners(n) => format!("P{n}"),
    }
}

fn outcome_line(o: &LetterOutcome) -> String {
    match o {
        LetterOutcome::Sent {
            id,
            to,
            response,
            refused,
        } => {
            let mut s = match id {
                MailRef::Letter(_) => {
                    format!("envoyée : {id} à {} ({})", clean(to), clean(response))
                }
                MailRef::Partners(_) => {
                    format!("envoyé : {id} à {} ({})", clean(to), clean(response))
                }
            };
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
            "! {id} : refus temporaire ({}) ; nouvelle tentative après {next_attempt_at}",
            clean(error)
        ),
        LetterOutcome::Failed { id, error } => match id {
            MailRef::Letter(n) => format!(
                "! {id} refusée : {} (corriger avec fiches outbox edit {n}, puis retry)",
                clean(error)
            ),
            MailRef::Partners(_) => format!(
                "! {id} refusé : {} (corriger [publish] partners, puis fiches outbox retry {})",
                clean(error),
                short(id)
            ),
        },
        LetterOutcome::Uncertain { id, error } => format!(
            "! {id} incertain : {} (vérifier, puis fiches outbox resolve {})",
            clean(error),
            short(id)
        ),
        LetterOutcome::Held { id, problems } => format!(
            "! {id} non envoyé, à voir : {}",
            clean(&problems.join(" ; "))
        ),
        LetterOutcome::Postponed {
            id,
            next_attempt_at,
        } => format!("! {id} : serveur injoignable, nouvelle tentative après {next_attempt_at}"),
    }
}
