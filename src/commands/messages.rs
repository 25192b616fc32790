//! `fiches messages [--json]`: every stored message with its status, flags,
//! attachments and the proposals made from it.

use serde_json::json;

use super::Globals;
use super::output::{Out, ellipsis, json_line};
use crate::safe::terminal_line as clean;
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

    /// Seulement les messages de ce statut (fiche, no_fiche, auto_reply,
    /// unsupported, rejected, error).
    #[arg(long, value_name = "STATUT", value_parser = parse_status)]
    pub status: Option<MessageStatus>,
}

fn parse_status(s: &str) -> Result<MessageStatus, String> {
    MessageStatus::parse(s).ok_or_else(|| {
        let all: Vec<_> = MessageStatus::ALL.iter().map(|s| s.as_str()).collect();
        format!(
            "statut inconnu « {s} » ; statuts possibles : {}",
            all.join(", ")
        )
    })
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
    let store = globals.open_store(config.as_ref())?;
    let messages = store.list_messages(&MessageFilter {
        status: args.status,
    })?;
    let mut out = Out::new();
    for m in &messages {
        let open = if args.json {
            out.line(&json_line(&message_json(m)))?
        } else {
            human(&mut out, m, &store)?
        };
        if !open {
            break;
        }
    }
    out.finish()?;
    Ok(true)
}

fn human(out: &mut Out, m: &MessageRecord, store: &Store) -> std::io::Result<bool> {
    // A Date header set aside (flag doubtful_date) is not shown as the
    // message's date: the one believed is, in UTC.
    let doubtful = m
        .flags
        .iter()
        .any(|f| f == crate::store::flag::DOUBTFUL_DATE);
    let (shown, utc) = match m.date.as_deref() {
        Some(d) if !doubtful => (Some(d), false),
        _ => (m.effective_at.as_deref(), true),
    };
    let date = shown
        .map(|d| {
            let t = d.get(..16).unwrap_or(d).replace('T', " ");
            if utc { format!("{t} UTC") } else { t }
        })
        .unwrap_or_else(|| "sans date".into());
    let from = match (&m.from_name, &m.from) {
        (Some(n), Some(a)) => format!("{n} <{a}>"),
        (None, Some(a)) => a.clone(),
        (Some(n), None) => n.clone(),
        (None, None) => "(expéditeur inconnu)".into(),
    };
    let flags = if m.flags.is_empty() {
        String::new()
    } else {
        format!("  [{}]", clean(&m.flags.join(", ")))
    };
    let mut line = format!(
        "#{:<5} {}  {:<11} {}  « {} »{}",
        m.id,
        date,
        m.status.as_str(),
        clean(&ellipsis(&from, 50)),
        clean(&ellipsis(m.subject.as_deref().unwrap_or(""), 70)),
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
        line.push_str(&format!("  → propositions {}", numbers.join(", ")));
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
            a.outcome.as_str()
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
