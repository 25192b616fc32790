//! `fiches publish`: the accepted programme as a numbered, dated publication
//! (files in `[publish] output_dir/YYYY-MM-DD-NNN/` + `latest`, and a row in
//! the database with its changelog), or, with `--draft`, the same files marked
//! "Document de travail" in a folder of one's choice, with nothing recorded.
//! A publication with no change since the last one is recorded as such and
//! writes no new folder (nothing to send twice).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::domain::members::Members;
use crate::fiche::Value;
use crate::publish::{self, Changes, Entry, Event, Publication, Snapshot};
use crate::store::{MessageFilter, Proposal, ProposalFilter, PublicationRecord, Store};

use super::Globals;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Brouillon « Document de travail » dans ce dossier (rien n'est enregistré).
    #[arg(long, value_name = "DOSSIER")]
    pub draft: Option<PathBuf>,
    /// Résumé en JSON (une ligne).
    #[arg(long)]
    pub json: bool,
}

/// What a publication run did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    /// The number recorded (none for a draft).
    pub number: Option<u32>,
    pub unchanged: bool,
    /// The folder written (none when unchanged).
    pub dir: Option<PathBuf>,
    pub changes: String,
    pub micro_ateliers: usize,
    pub rendezvous: usize,
}

/// The members list beside the configuration (`members.csv`), if any.
pub fn members_beside(config: &Config) -> Result<Members> {
    // Unreadable: an error (a programme published as if nobody were a
    // member would be wrong); missing: said, and nobody is a member.
    match super::MembersFile::read(config) {
        super::MembersFile::Unreadable(why) => {
            anyhow::bail!("liste des adhérents illisible : {why}")
        }
        file => {
            if let Some(problem) = file.problem() {
                tracing::warn!("{problem}");
            }
            Ok(file.members())
        }
    }
}

/// A live proposal as the publication needs it.
pub fn entry(p: &Proposal, members: &Members, received: &HashMap<i64, String>) -> Entry {
    let declared = match p.fields.get("cuf_member") {
        Some(Value::Bool(b)) => Some(*b),
        _ => None,
    };
    Entry {
        id: p.number,
        key: p.chain_key.clone(),
        kind: p.kind,
        status: p.status,
        slot: p.slot.clone(),
        place: p.space.clone(),
        rank: p.rank,
        member: members
            .check(p.text("organisation"), declared)
            .counts_as_member(),
        received_at: received
            .get(&p.message_id)
            .cloned()
            .unwrap_or_else(|| p.created_at.clone()),
        fields: p.fields.clone(),
        extra: p.extra.clone(),
        flags: p.flags.clone(),
        warnings: p.warnings.clone(),
    }
}

/// The live proposals of the database as publication entries.
pub fn entries(store: &Store, members: &Members) -> Result<Vec<Entry>> {
    let received: HashMap<i64, String> = store
        .list_messages(&MessageFilter::default())?
        .into_iter()
        .filter_map(|m| m.effective_at.or(m.received_at).map(|d| (m.id, d)))
        .collect();
    let proposals = store.list_proposals(&ProposalFilter {
        live_only: true,
        ..ProposalFilter::default()
    })?;
    Ok(proposals
        .iter()
        .map(|p| entry(p, members, &received))
        .collect())
}

fn event(config: &Config) -> Event {
    Event {
        name: config.event.name.clone(),
        date: config.event.date.clone(),
        venue: config.event.place.clone(),
    }
}

/// Publishes (or drafts) the programme at `now`. Used by the command and by
/// the daemon's weekly schedule.
pub fn publish(
    config: &Config,
    store: &mut Store,
    author: &str,
    now: DateTime<Utc>,
    draft: Option<&Path>,
) -> Result<Outcome> {
    let members = members_beside(config)?;
    let entries = entries(store, &members)?;
    let taken_at = now.with_timezone(&config.timezone()).to_rfc3339();
    let snapshot = Snapshot::build(&entries, &config.layout(), &event(config), &taken_at);
    let last = store.last_publication()?;
    let previous: Option<Snapshot> = match &last {
        Some(rec) => Some(serde_json::from_str(&rec.snapshot).with_context(|| {
            format!("publication n° {} illisible en base ; publier en brouillon (--draft) et signaler le problème", rec.number)
        })?),
        None => None,
    };
    let opts = &config.publish.options;
    let counts = (snapshot.micro_ateliers.len(), snapshot.bourse.len());
    if let Some(dir) = draft {
        let changes = publish::compare(previous.as_ref(), &snapshot);
        publish::write_draft(dir, &snapshot, &entries, Some(&changes), opts)
            .with_context(|| format!("écriture du brouillon dans {}", dir.display()))?;
        return Ok(Outcome {
            number: None,
            unchanged: changes.is_unchanged(),
            dir: Some(dir.to_path_buf()),
            changes: changes.text(),
            micro_ateliers: counts.0,
            rendezvous: counts.1,
        });
    }
    let number = last.as_ref().map_or(1, |r| r.number + 1);
    let (publication, changes) = Publication::new(number, author, snapshot, previous.as_ref())?;
    let dir = if publication.unchanged {
        None
    } else {
        Some(
            publish::write_publication(&opts.output_dir, &publication, &entries, &changes, opts)
                .with_context(|| {
                    format!(
                        "écriture de la publication dans {}",
                        opts.output_dir.display()
                    )
                })?,
        )
    };
    let text = changes.text();
    store.record_publication(&PublicationRecord {
        number,
        published_at: publication.published_at.clone(),
        author: author.to_string(),
        unchanged: publication.unchanged,
        snapshot: serde_json::to_string(&publication.snapshot)?,
        changes: text.clone(),
        dir: dir.as_ref().map(|d| d.display().to_string()),
    })?;
    Ok(Outcome {
        number: Some(number),
        unchanged: matches!(changes, Changes::Unchanged),
        dir,
        changes: text,
        micro_ateliers: counts.0,
        rendezvous: counts.1,
    })
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
    if args.json {
        println!(
            "{}",
            super::output::json_line(&serde_json::to_value(&outcome)?)
        );
        return Ok(true);
    }
    match (&outcome.number, &outcome.dir) {
        (None, Some(dir)) => println!(
            "Brouillon écrit dans {} (rien n'est enregistré).",
            crate::safe::terminal_line(&dir.display().to_string())
        ),
        (Some(n), _) if outcome.unchanged => {
            println!(
                "Publication n° {n} : aucun changement depuis la précédente ; enregistrée, aucun fichier à envoyer."
            )
        }
        (Some(n), Some(dir)) => println!(
            "Publication n° {n} écrite dans {}.",
            crate::safe::terminal_line(&dir.display().to_string())
        ),
        _ => {}
    }
    println!(
        "{} micro-atelier(s), {} rendez-vous au programme.\n",
        outcome.micro_ateliers, outcome.rendezvous
    );
    print!("{}", crate::safe::terminal_text(&outcome.changes, true));
    Ok(true)
}

/// The daemon's weekly publication: publishes when `[publish] schedule` has
/// passed since the last publication. Returns what was done, if anything.
pub fn publish_if_due(
    config: &Config,
    store: &mut Store,
    now: DateTime<Utc>,
) -> Result<Option<Outcome>> {
    let Some(schedule) = config.publish.schedule else {
        return Ok(None);
    };
    let last = store
        .last_publication()?
        .and_then(|r| DateTime::parse_from_rfc3339(&r.published_at).ok())
        .map(|t| t.with_timezone(&Utc));
    if !schedule.is_due(last, now, config.timezone()) {
        return Ok(None);
    }
    publish(config, store, SCHEDULER, now, None).map(Some)
}

/// The author of the publications the daemon makes on schedule.
pub const SCHEDULER: &str = "planification";
