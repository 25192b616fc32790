//! `fiches proposals [--json]`: the proposals read from the fiches, every
//! revision, with their decision state and their place in a revision chain.

use serde_json::json;

use super::Globals;
use super::output::{Out, ellipsis, json_line};
use crate::fiche::{Kind, Value};
use crate::safe::terminal_line as clean;
use crate::service::words;
use crate::store::{Proposal, ProposalFilter, ProposalStatus};

/// Liste les propositions (toutes les révisions, sauf avec --live).
///
/// Avec --json : un objet JSON par ligne, avec les champs id (de la
/// révision), number (le numéro de la proposition, le même pour toutes ses
/// révisions), kind, status, slot, space, rank (rang en liste d'attente, celui
/// du programme), reason, version, fields, warnings, flags, message_id (id
/// du message dans `fiches messages`), revision, supersedes, superseded_by.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Un objet JSON par ligne.
    #[arg(long)]
    pub json: bool,

    /// Seulement les révisions en cours (pas celles remplacées par une fiche plus récente).
    #[arg(long)]
    pub live: bool,

    /// Seulement ce type de proposition, par son nom (micro-atelier,
    /// bourse…) ; les types sont ceux de la définition de l'appel.
    // Read once the configuration (and its call definition) is loaded.
    #[arg(long, value_name = "TYPE")]
    pub kind: Option<String>,

    /// Seulement ce statut.
    #[arg(long, value_name = "STATUT", value_parser = words::parse_proposal_status, help = status_help())]
    pub status: Option<ProposalStatus>,
}

fn status_help() -> String {
    format!(
        "Seulement ce statut : {}",
        words::typables(ProposalStatus::ALL, words::proposal_status)
    )
}

pub fn proposal_json(p: &Proposal) -> serde_json::Value {
    let fields: serde_json::Map<String, serde_json::Value> = p
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect();
    json!({
        "id": p.id,
        "number": p.number,
        "kind": p.kind.map(Kind::key),
        "status": p.status,
        "slot": p.slot,
        "space": p.space,
        "rank": p.rank,
        "reason": p.reason,
        "version": p.version,
        "fields": fields,
        "warnings": p.warnings,
        "flags": p.flags,
        "message_id": p.message_id,
        "revision": p.revision,
        "supersedes": p.supersedes,
        "superseded_by": p.superseded_by,
    })
}

pub fn run(globals: &Globals, args: &Args) -> anyhow::Result<bool> {
    let config = globals.config()?;
    let store = globals.open_existing_store(config.as_ref())?;
    let kind = match &args.kind {
        Some(k) => Some(words::parse_kind(k).map_err(|e| anyhow::anyhow!("--kind : {e}"))?),
        None => None,
    };
    let filter = ProposalFilter {
        kind,
        status: args.status,
        live_only: args.live,
    };
    let proposals = store.list_proposals(&filter)?;
    let mut out = Out::new();
    if proposals.is_empty() && !args.json {
        let what = if args.kind.is_some() || args.status.is_some() || args.live {
            "Aucune proposition ne correspond à ce filtre."
        } else {
            "Aucune proposition : la base n'a encore reçu aucune fiche."
        };
        out.line(what)?;
    }
    for p in &proposals {
        let open = if args.json {
            out.line(&json_line(&proposal_json(p)))?
        } else {
            human(&mut out, p)?
        };
        if !open {
            break;
        }
    }
    out.finish()?;
    Ok(true)
}

fn human(out: &mut Out, p: &Proposal) -> std::io::Result<bool> {
    let text = |k: &str| p.fields.get(k).map(Value::display).unwrap_or_default();
    let title = p
        .kind
        .and_then(Kind::list_title_key)
        .map(text)
        .unwrap_or_default();
    let mut line = format!(
        "n° {:<5} {:<18} {:<15} rév. {}  {} — {}",
        p.number,
        words::kind(p.kind),
        words::proposal_status(p.status),
        p.revision,
        clean(&ellipsis(&text(&crate::call::roles().organisation), 45)),
        clean(&ellipsis(&title, 60)),
    );
    if let (Some(slot), space) = (&p.slot, &p.space) {
        line.push_str(&format!(
            "  {} {}",
            clean(slot),
            clean(space.as_deref().unwrap_or(""))
        ));
    }
    line.push_str(&clean(&words::flags(&p.flags)));
    if let Some(r) = p.rank {
        line.push_str(&format!("  {}", crate::domain::rank_fr(r as usize)));
    }
    line.push_str(&format!("  (message n° {}", p.message_id));
    if p.superseded_by.is_some() {
        line.push_str(", révision remplacée");
    }
    line.push(')');
    if !out.line(&line)? {
        return Ok(false);
    }
    for w in &p.warnings {
        let field = w
            .field
            .as_deref()
            .map(|f| format!("{} : ", clean(&words::field_label(p.kind, f))))
            .unwrap_or_default();
        out.line(&format!("       ! {field}{}", clean(&w.message)))?;
    }
    Ok(true)
}
