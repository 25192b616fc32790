//! `fiches publish`: the accepted programme as a numbered, dated publication
//! (public files in `[publish] output_dir/YYYY-MM-DD-NNN/` + `latest`, the
//! staff's in `[publish] internal_dir/YYYY-MM-DD-NNN/`, and a row in the
//! database with its changelog), with its e-mail to the partners queued in
//! the outbox when `[publish] partners` is set; or, with `--draft`, the same
//! files marked "Document de travail" in a folder of one's choice, with
//! nothing recorded. When the public lists did not change since the last
//! publication, nothing is published, recorded or sent, and no number is
//! taken.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::domain::members::Members;
use crate::fiche::{Kind, Value};
use crate::publish::{self, Entry, Event, Publication, Snapshot};
use crate::store::{
    MessageFilter, NewPartnerMail, Proposal, ProposalFilter, PublicationRecord, Store,
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

/// What a publication run did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    /// The number recorded (none for a draft, none when nothing changed).
    pub number: Option<u32>,
    /// The public lists did not change: nothing published, recorded or sent.
    pub unchanged: bool,
    /// The public folder written (none when unchanged).
    pub dir: Option<PathBuf>,
    /// The staff's folder written (none when unchanged).
    pub internal_dir: Option<PathBuf>,
    /// The public changelog (what the partners read).
    pub changes: String,
    /// The staff's changelog (waiting lists included).
    pub staff_changes: String,
    /// An e-mail to the partners was queued in the outbox.
    pub partners_mail: bool,
    /// Accepted proposals of each kind, in the definition's order.
    pub accepted: Vec<(Kind, usize)>,
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
    let member = p.kind.and_then(crate::fiche::Kind::member_key);
    let declared = match member.and_then(|k| p.fields.get(k)) {
        Some(Value::Bool(b)) => Some(*b),
        _ => None,
    };
    Entry {
        id: p.number,
        key: p.chain_key.clone(),
        kind: p.kind.map(|k| k.key().to_string()),
        status: p.status,
        slot: p.slot.clone(),
        place: p.space.clone(),
        rank: p.rank,
        member: members
            .check(p.text(crate::call::roles().organisation.as_str()), declared)
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

fn stored_snapshot(rec: &PublicationRecord) -> Result<Snapshot> {
    Snapshot::from_stored(&rec.snapshot).with_context(|| {
        format!(
            "publication n° {} illisible en base ; publier en brouillon (--draft) et signaler le problème",
            rec.number
        )
    })
}

/// The e-mail to the partners of `publication`: the public changelog since
/// the last publication whose e-mail went out.
fn partners_mail(
    config: &Config,
    store: &Store,
    publication: &Publication,
    dir: &Path,
) -> Result<Option<NewPartnerMail>> {
    let settings = &config.publish.partners;
    if !settings.enabled() {
        return Ok(None);
    }
    let since = store.partner_mail_base()?;
    let base = match since {
        Some(n) => match store.publication(n)? {
            Some(rec) => Some(stored_snapshot(&rec)?),
            None => None,
        },
        None => None,
    };
    let changes = publish::compare(base.as_ref(), &publication.snapshot);
    let ev = event(config);
    Ok(Some(NewPartnerMail {
        since,
        recipients: settings.recipients.clone(),
        subject: publish::partners::subject(settings, &ev, publication),
        body: publish::partners::body(settings, &ev, publication, since, &changes),
        attachments: settings.attachments.clone(),
        dir: Some(dir.display().to_string()),
    }))
}

/// What a publication at `now` starts from: the live proposals, the
/// snapshot they make, the last publication and what changed since.
struct Prepared {
    entries: Vec<Entry>,
    snapshot: Snapshot,
    last: Option<PublicationRecord>,
    previous: Option<Snapshot>,
    changes: publish::Changes,
}

fn prepare(config: &Config, store: &Store, now: DateTime<Utc>) -> Result<Prepared> {
    let members = members_beside(config)?;
    let entries = entries(store, &members)?;
    let taken_at = now.with_timezone(&config.timezone()).to_rfc3339();
    let snapshot = Snapshot::build(&entries, &config.layout(), &event(config), &taken_at);
    let last = store.last_publication()?;
    let previous: Option<Snapshot> = match &last {
        Some(rec) => Some(stored_snapshot(rec)?),
        None => None,
    };
    let changes = publish::compare(previous.as_ref(), &snapshot);
    Ok(Prepared {
        entries,
        snapshot,
        last,
        previous,
        changes,
    })
}

/// Why nothing would be published (the public lists did not change).
fn unchanged_text(last: Option<&PublicationRecord>) -> String {
    match last {
        Some(rec) => format!(
            "Aucun changement des listes publiques depuis la publication n° {} : rien n'est publié ni envoyé.\n",
            rec.number
        ),
        None => {
            "Aucune proposition retenue pour l'instant : rien n'est publié ni envoyé.\n".to_string()
        }
    }
}

/// What `publish` would do now, nothing written nor recorded: the
/// console's preview before it publishes (the same preparation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The number the publication would take (none when nothing changed).
    pub number: Option<u32>,
    /// The last publication's number, the one the changes are counted from.
    pub since: Option<u32>,
    pub unchanged: bool,
    /// The public changelog (what the partners read), or why nothing is published.
    pub changes: String,
    /// The staff's changelog (waiting lists included).
    pub staff_changes: String,
    /// Where the public files would be written.
    pub output_dir: PathBuf,
    /// An e-mail to the partners would be queued.
    pub partners_mail: bool,
    /// Accepted proposals of each kind, in the definition's order.
    pub accepted: Vec<(Kind, usize)>,
}

/// Accepted proposals of each kind of the definition in `snapshot`.
fn accepted_counts(snapshot: &publish::Snapshot) -> Vec<(Kind, usize)> {
    Kind::all()
        .into_iter()
        .map(|k| (k, snapshot.accepted_count(k.key())))
        .collect()
}

/// The preview of a publication at `now` (see [`Preview`]).
pub fn preview(config: &Config, store: &Store, now: DateTime<Utc>) -> Result<Preview> {
    let p = prepare(config, store, now)?;
    let public = p.changes.public();
    let unchanged = public.is_unchanged();
    let since = p.last.as_ref().map(|r| r.number);
    Ok(Preview {
        number: (!unchanged).then(|| since.map_or(1, |n| n + 1)),
        since,
        unchanged,
        changes: if unchanged {
            unchanged_text(p.last.as_ref())
        } else {
            public.text()
        },
        staff_changes: p.changes.text(),
        output_dir: config.publish.options.output_dir.clone(),
        partners_mail: !unchanged && config.publish.partners.enabled(),
        accepted: accepted_counts(&p.snapshot),
    })
}

/// Publishes (or drafts) the programme at `now`. Used by the command, by
/// the console (`P` on the Programme screen) and by the daemon's weekly
/// schedule.
pub fn publish(
    config: &Config,
    store: &mut Store,
    author: &str,
    now: DateTime<Utc>,
    draft: Option<&Path>,
) -> Result<Outcome> {
    let Prepared {
        entries,
        snapshot,
        last,
        previous,
        changes,
    } = prepare(config, store, now)?;
    let opts = &config.publish.options;
    let counts = accepted_counts(&snapshot);
    let public = changes.public();
    if let Some(dir) = draft {
        publish::write_draft(dir, &snapshot, &entries, Some(&changes), opts)
            .with_context(|| format!("écriture du brouillon dans {}", dir.display()))?;
        return Ok(Outcome {
            number: None,
            unchanged: public.is_unchanged(),
            dir: Some(dir.to_path_buf()),
            internal_dir: Some(opts.internal_dir.join(publish::output::DRAFT_DIR)),
            changes: public.text(),
            staff_changes: changes.text(),
            partners_mail: false,
            accepted: counts.clone(),
        });
    }
    if public.is_unchanged() {
        return Ok(Outcome {
            number: None,
            unchanged: true,
            dir: None,
            internal_dir: None,
            changes: unchanged_text(last.as_ref()),
            staff_changes: changes.text(),
            partners_mail: false,
            accepted: counts.clone(),
        });
    }
    let number = last.as_ref().map_or(1, |r| r.number + 1);
    let (publication, changes) = Publication::new(number, author, snapshot, previous.as_ref())?;
    let dir = publish::write_publication(&opts.output_dir, &publication, &entries, &changes, opts)
        .with_context(|| {
            format!(
                "écriture de la publication dans {} et {}",
                opts.output_dir.display(),
                opts.internal_dir.display()
            )
        })?;
    let mail = partners_mail(config, store, &publication, &dir)?;
    let text = changes.public().text();
    store.record_publication_with(
        &PublicationRecord {
            number,
            published_at: publication.published_at.clone(),
            author: author.to_string(),
            unchanged: false,
            snapshot: serde_json::to_string(&publication.snapshot)?,
            changes: changes.text(),
            dir: Some(dir.display().to_string()),
        },
        mail.as_ref(),
    )?;
    Ok(Outcome {
        number: Some(number),
        unchanged: false,
        internal_dir: Some(opts.internal_dir.join(publication.dir_name())),
        dir: Some(dir),
        changes: text,
        staff_changes: changes.text(),
        partners_mail: mail.is_some(),
        accepted: counts,
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

/// The daemon's weekly publication, when `[publish] schedule` is set. The
/// first time the daemon sees the schedule it only notes the moment: it
/// publishes at the next scheduled instant, never off schedule. Then it
/// publishes when a scheduled instant passed since the last run (or the
/// last publication); a run that finds the public lists unchanged is
/// noted, publishes and sends nothing and takes no number. Returns what was
/// done, if anything.
pub fn publish_if_due(
    config: &Config,
    store: &mut Store,
    now: DateTime<Utc>,
) -> Result<Option<Outcome>> {
    let Some(schedule) = config.publish.schedule else {
        return Ok(None);
    };
    let stamp = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let parse = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    };
    let state = match store.schedule_state()? {
        Some(s) => s,
        None => {
            store.arm_schedule(&stamp(now))?;
            tracing::info!(
                "publication planifiée : première mise en route, la première publication aura lieu à l'horaire prévu"
            );
            return Ok(None);
        }
    };
    let last = [
        parse(&state.armed_at),
        state.last_run_at.as_deref().and_then(parse),
        store
            .last_publication()?
            .and_then(|r| parse(&r.published_at)),
    ]
    .into_iter()
    .flatten()
    .max();
    if !schedule.is_due(last, now, config.timezone()) {
        return Ok(None);
    }
    let o = publish(config, store, SCHEDULER, now, None)?;
    let result = match o.number {
        Some(n) => format!("publication n° {n}"),
        None => "aucun changement".to_string(),
    };
    store.schedule_ran(&stamp(now), &result)?;
    Ok(Some(o))
}

/// The author of the publications the daemon makes on schedule.
pub const SCHEDULER: &str = "planification";
