//! `fiches messages [--json]`: every stored message with its status, flags,
//! attachments and the proposals made from it.

use serde_json::json;

use super::Globals;
use super::output::{Out, ellipsis, json_line};
use crate::safe::terminal_line as clean;
use crate::service::words;
use crate::store::{MessageFilter, MessageRecord, MessageStatus, Store};

/// Liste les messages enregistrés.
///
/// Avec --json : un objet JSON par ligne, avec les champs id, message_id,
/// from, subject, date (l'en-tête Date tel qu'écrit), received_at,
/// effective_at (la date retenue, UTC), status, flags, attachments [{filename, content_type,
/// size, outcome}], proposals [ids].
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Un objet JSON par ligne.
    #[arg(long)]
    pub json: bool,

    /// Seulement les messages de ce statut.
    #[arg(long, value_name = "STATUT", value_parser = words::parse_message_status, help = status_help())]
    pub status: Option<MessageStatus>,
}

fn status_help() -> String {
    format!(
        "Seulement les messages de ce statut : {}",
        words::typables(MessageStatus::ALL, words::message_status)
    )
}

pub fn message_json(m: &MessageRecord) -> serde_json::Value {
    json!({
        "id": m.id,
        "message_id": m.message_id,
        "from": m.from,
        "subject": m.subject,
        "date": m.date,
        "received_at": m.received_at,
        "effective_at": m.effective_at,
        "status": m.status,
        "flags": m.flags,
        "attachments": m.attachments.iter().map(|a| json!({
            "filename": a.filename,
            "content_type": a.content_type,
            "size": a.size,
            "outcome": a.outcome,
        })).collect::<Vec<_>>(),
        "proposals": m.proposals,
    })
}

pub fn run(globals: &Globals, args: &Args) -> anyhow::Result<bool> {
    let config = globals.config()?;
    let store = globals.open_existing_store(config.as_ref())?;
    let messages = store.list_messages(&MessageFilter {
        status: args.status,
    })?;
    let zone = config
        .as_ref()
        .map_or(chrono_tz::Europe::Paris, |c| c.timezone());
    let mut out = Out::new();
    if messages.is_empty() && !args.json {
        out.line(
            match args.status {
                Some(s) => format!("Aucun message au statut « {} ».", words::message_status(s)),
                None => "Aucun message : la base n'a encore rien reçu.".to_string(),
            }
            .as_str(),
        )?;
    }
    for m in &messages {
        let open = if args.json {
            out.line(&json_line(&message_json(m)))?
        } else {
            human(&mut out, m, &store, zone)?
        };
        if !open {
            break;
        }
    }
    out.finish()?;
    Ok(true)
}

fn human(
    out: &mut Out,
    m: &MessageRecord,
    store: &Store,
    zone: chrono_tz::Tz,
) -> std::io::Result<bool> {
    // A Date header set aside (flag doubtful_date) is not shown as the
    // message's date: the one believed is. Both at the event's local time.
    let doubtful = m
        .flags
        .iter()
        .any(|f| f == crate::store::flag::DOUBTFUL_DATE);
    let shown = match m.date.as_deref() {
        Some(d) if !doubtful => Some(d),
        _ => m.effective_at.as_deref(),
    };
    let date = shown
        .map(|d| crate::domain::french::datetime_fr(d, zone))
        .unwrap_or_else(|| "sans date".into());
    let from = match (&m.from_name, &m.from) {
        (Some(n), Some(a)) => format!("{n} <{a}>"),
        (None, Some(a)) => a.clone(),
        (Some(n), None) => n.clone(),
        (None, None) => "(expéditeur inconnu)".into(),
    };
    let flags = clean(&words::flags(&m.flags));
    let mut line = format!(
        "n° {:<5} {}  {:<13} {}  « {} »{}",
        m.id,
        date,
        words::message_status(m.status),
        clean(&ellipsis(&from, 50)),
        clean(&ellipsis(
            m.subject
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .unwrap_or("(sans objet)"),
            70
        )),
        flags
    );
    if !m.proposals.is_empty() {
        // Proposals by their number, as staff and senders know them.
        let numbers: Vec<String> = m
            .proposals
            .iter()
            .map(|id| {
                store
                    .proposal(*id)
                    .map_or_else(|_| format!("#{id}"), |p| format!("n° {}", p.number))
            })
            .collect();
        let noun = if numbers.len() > 1 {
            "propositions"
        } else {
            "proposition"
        };
        line.push_str(&format!("  → {noun} {}", numbers.join(", ")));
    }
    if !out.line(&line)? {
        return Ok(false);
    }
    if let Some(r) = &m.reason {
        out.line(&format!("       {}", clean(r)))?;
    }
    for a in &m.attachments {
        let name = a
            .filename
            .clone()
            .unwrap_or_else(|| format!("(partie {}, sans nom)", a.part_path));
        // The declared type is the sender's text: never raw to the terminal.
        out.line(&format!(
            "       - {} ({}, {} Ko) : {}",
            clean(&ellipsis(&name, 80)),
            clean(&ellipsis(
                a.format
                    .as_deref()
                    .or(a.content_type.as_deref())
                    .unwrap_or("?"),
                60
            )),
            a.size.div_ceil(1024),
            words::attachment_outcome(a.outcome)
        ))?;
        if let Some(r) = a
            .reason
            .as_deref()
            .filter(|_| a.outcome == crate::store::AttachmentOutcome::Rejected)
        {
            out.line(&format!("         {}", clean(r)))?;
        }
    }
    Ok(true)
}
