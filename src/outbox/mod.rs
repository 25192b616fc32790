//! The outbox: letters as they would go out (recipients, subject, full text),
//! staff's review, and sending them through an SMTP submission server,
//! each at most once.
//!
//! - [`drafts`] writes the queued letters from the templates and the store
//!   (what `fiches outbox` and the console's Envoi screen show);
//! - [`send`] sends a batch: under a lock file beside the database (one
//!   sender at a time), letters a dead sender left in `sending` are first
//!   marked `uncertain`; then each letter is claimed (`sending`, committed
//!   and synced to disk) before its SMTP transaction and its outcome
//!   recorded after (a power cut that loses that record leaves the letter
//!   uncertain, never resent): `sent` with the server's answer, back to the outbox with
//!   a later `next_attempt_at` on a temporary failure (1 min, 4 min, 16 min…
//!   up to 6 h; `failed` after `max_attempts`), `failed` on a permanent
//!   refusal, `uncertain` when the connection broke after the message was
//!   handed over;
//! - [`compose`] builds the MIME message, [`smtp`] speaks SMTP, [`config`]
//!   holds `[smtp]` and `[letters]`.

pub mod compose;
pub mod config;
pub mod smtp;

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use lettre::message::{Mailbox, Mailboxes};
use serde::Serialize;
use serde_json::json;

pub use config::{LettersConfig, SmtpConfig, SmtpConfigError, SmtpTls};

use crate::config::Config;
use crate::fiche::Kind;
use crate::letters::{EventInfo, LetterData, LetterError, LetterKind, Letters};
use crate::store::{
    Approve, Claim, DueLetters, LetterFilter, LetterRecord, LetterState, OutboxSettings, Store,
    StoreError, sha256_hex,
};

/// What the intake needs to know (copied into the database by every command
/// that loads the configuration, see `Store::set_outbox_settings`).
pub fn settings_from(config: &Config) -> OutboxSettings {
    OutboxSettings {
        acknowledge: config.letters.acknowledge,
        own_addresses: config
            .smtp
            .as_ref()
            .map(SmtpConfig::own_addresses)
            .unwrap_or_default(),
    }
}

/// The templates of the configuration's letters folder.
pub fn load_letters(config: &Config) -> Result<Letters, LetterError> {
    Letters::load(&config.letters.dir, EventInfo::from_config(&config.event))
}

/// A letter as it would go out (or, once sent, as it went).
#[derive(Debug, Clone)]
pub struct Draft {
    pub record: LetterRecord,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub subject: String,
    pub body: String,
    /// The fiche's Message-ID, which the letter answers.
    pub in_reply_to: Option<String>,
    /// `Auto-Submitted: auto-replied` (acknowledgements).
    pub auto_submitted: bool,
    /// Why it cannot be sent as it is (staff fix it with an edit).
    pub problems: Vec<String>,
}

/// "Nom <adresse>, adresse".
pub fn mailboxes_text(list: &[Mailbox]) -> String {
    list.iter()
        .map(|m| match &m.name {
            Some(n) if !n.is_empty() => format!("{n} <{}>", m.email),
            _ => m.email.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Draft {
    pub fn to_text(&self) -> String {
        mailboxes_text(&self.to)
    }

    pub fn cc_text(&self) -> String {
        mailboxes_text(&self.cc)
    }

    /// The JSON of `fiches outbox --json` (one object per letter).
    pub fn json(&self) -> serde_json::Value {
        let r = &self.record;
        json!({
            "id": r.id,
            "kind": r.kind,
            "kind_fr": r.kind.label_fr(),
            "state": r.state,
            "state_fr": r.state.label_fr(),
            "proposal_id": r.proposal.id,
            "proposal_number": r.proposal.number,
            "rank": (r.kind == LetterKind::Waitlisted).then_some(r.proposal.rank).flatten(),
            "queued_for_proposal": r.proposal_id,
            "set_aside_at": r.set_aside.as_ref().map(|(at, _)| at),
            "set_aside_why": r.set_aside.as_ref().map(|(_, why)| why),
            "organisation": r.proposal.text("organisation"),
            "to": self.to.iter().map(|m| m.email.to_string()).collect::<Vec<_>>(),
            "to_text": self.to_text(),
            "cc": self.cc.iter().map(|m| m.email.to_string()).collect::<Vec<_>>(),
            "subject": self.subject,
            "body": self.body,
            "in_reply_to": self.in_reply_to,
            "message_id": r.message_id,
            "auto_submitted": self.auto_submitted,
            "edited": !r.edit.is_empty(),
            "approved": r.approved_at.is_some(),
            "attempts": r.attempts,
            "next_attempt_at": r.next_attempt_at,
            "last_error": r.last_error,
            "problems": self.problems,
            "sent_at": r.sent_at,
            "response": r.response,
            "replaced_by": r.replaced_by,
            "version": r.version,
            "created_at": r.created_at,
            "created_by": r.created_by,
        })
    }
}

/// What the template needs from a stored letter: the fiche as it is now,
/// the decision the letter was queued for, and the waiting-list rank as it
/// is at this moment (a letter states the rank of the moment it is shown
/// or sent, read from the programme's order).
pub fn letter_data(r: &LetterRecord) -> LetterData {
    let same_instant = |a: &str, b: &str| match (
        chrono::DateTime::parse_from_rfc3339(a),
        chrono::DateTime::parse_from_rfc3339(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    let p = &r.proposal;
    let text = |k: &str| p.text(k).map(str::to_string);
    let reason = match r.kind {
        LetterKind::Cancellation => Some(r.params.reason.clone().unwrap_or_else(|| {
            match p.status {
                crate::domain::Status::Withdrawn => "la proposition a été retirée du programme",
                crate::domain::Status::Waitlisted => {
                    "la proposition est replacée sur la liste d'attente"
                }
                crate::domain::Status::Pending => {
                    "la décision est de nouveau à l'étude par le comité d'organisation"
                }
                _ => "le nombre de places est limité",
            }
            .to_string()
        })),
        _ => r.params.reason.clone(),
    };
    LetterData {
        kind: p.kind,
        reference: p.number,
        organisation: text("organisation"),
        contact_first_name: text("contact_first_name"),
        contact_last_name: text("contact_last_name"),
        title: match p.kind {
            Some(Kind::BourseProjets) => text("request_description"),
            _ => text("project_title"),
        },
        // The sender's Date when it is the one believed, else the one
        // believed (a Date set aside is never written to the sender).
        received: match (&r.fiche.date, &r.fiche.effective_at) {
            (Some(d), Some(e)) if same_instant(d, e) => Some(d.clone()),
            (_, e) => e.clone(),
        },
        slot: r.params.slot.clone(),
        space: r.params.space.clone(),
        previous_slot: r.params.previous_slot.clone(),
        previous_space: r.params.previous_space.clone(),
        rank: match p.status {
            crate::domain::Status::Waitlisted => p.rank,
            _ => None,
        },
        reason,
    }
}

/// A name from a fiche or a header, without anything a header could choke on.
fn clean_name(s: &str) -> Option<String> {
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!s.is_empty()).then_some(s)
}

/// The addresses written in a fiche's e-mail field ("a@b / c@d", "a@b; c@d").
fn addresses_in(field: &str) -> Vec<lettre::Address> {
    field
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '/'))
        .map(|t| {
            t.trim_matches(|c: char| matches!(c, '<' | '>' | '(' | ')' | '"' | '\'' | '.' | ':'))
        })
        .filter(|t| t.contains('@'))
        .filter_map(|t| t.strip_prefix("mailto:").unwrap_or(t).parse().ok())
        .collect()
}

fn parse_list(text: &str, what: &str, problems: &mut Vec<String>) -> Vec<Mailbox> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    match Mailboxes::from_str(text.trim()) {
        Ok(m) => m.into_iter().collect(),
        Err(e) => {
            problems.push(format!("{what} illisible « {text} » : {e}"));
            Vec::new()
        }
    }
}

/// To and Cc: staff's, else the fiche's contact (with the sender's address
/// when the fiche has none), with the sender in copy when it is someone else.
fn recipients(r: &LetterRecord, problems: &mut Vec<String>) -> (Vec<Mailbox>, Vec<Mailbox>) {
    let p = &r.proposal;
    let contact_name = clean_name(
        &[p.text("contact_first_name"), p.text("contact_last_name")]
            .iter()
            .flatten()
            .copied()
            .collect::<Vec<_>>()
            .join(" "),
    );
    let sender = r
        .fiche
        .from_addr
        .as_deref()
        .and_then(|a| a.trim().parse::<lettre::Address>().ok())
        .map(|a| Mailbox::new(r.fiche.from_name.as_deref().and_then(clean_name), a));
    let to = match &r.edit.to {
        Some(t) => parse_list(t, "destinataire", problems),
        None => {
            let contacts = addresses_in(p.text("contact_email").unwrap_or(""));
            let mut v: Vec<Mailbox> = Vec::new();
            for (i, a) in contacts.into_iter().enumerate() {
                if !v.iter().any(|m| m.email == a) {
                    v.push(Mailbox::new(
                        if i == 0 { contact_name.clone() } else { None },
                        a,
                    ));
                }
            }
            if v.is_empty() {
                v.extend(sender.clone());
            }
            v
        }
    };
    let cc = match &r.edit.cc {
        Some(c) => parse_list(c, "copie", problems),
        None => sender
            .into_iter()
            .filter(|s| {
                !to.iter()
                    .any(|m| m.email.to_string().eq_ignore_ascii_case(s.email.as_ref()))
            })
            .collect(),
    };
    if to.is_empty() {
        problems.push(
            "aucune adresse de destinataire valide (ni dans la fiche, ni celle de l'expéditeur) : la saisir (fiches outbox edit)"
                .into(),
        );
    }
    (to, cc)
}

/// Writes one letter.
pub fn draft(letters: &Letters, record: LetterRecord) -> Draft {
    let auto_submitted = record.kind == LetterKind::Acknowledgement;
    let in_reply_to = record.fiche.message_id.clone();
    let went = matches!(
        record.state,
        LetterState::Sending | LetterState::Sent | LetterState::Uncertain
    );
    if let (true, Some(s)) = (went, &record.sent) {
        let mut problems = Vec::new();
        let to = parse_list(&s.to, "destinataire", &mut problems);
        let cc = parse_list(&s.cc, "copie", &mut problems);
        let (subject, body) = (s.subject.clone(), s.body.clone());
        return Draft {
            record,
            to,
            cc,
            subject,
            body,
            in_reply_to,
            auto_submitted,
            problems: Vec::new(),
        };
    }
    let mut problems = Vec::new();
    let (to, cc) = recipients(&record, &mut problems);
    let text = letters.render(record.kind, &letter_data(&record));
    let edited_body = record.edit.body.is_some();
    // A staff edit of the text settles what the template could not fill.
    if !edited_body {
        problems.extend(text.problems);
    }
    let subject = record.edit.subject.clone().unwrap_or(text.subject);
    let body = record.edit.body.clone().unwrap_or(text.body);
    if subject.trim().is_empty() {
        problems.push("objet vide".into());
    }
    // Never a letter that contradicts where the proposal stands now (the
    // store sets such letters aside; this holds one that slipped through).
    if matches!(record.state, LetterState::Pending | LetterState::Failed)
        && let Some(why) = record.contradiction()
    {
        problems.push(format!(
            "ne dit plus la vérité : {why} ; la revoir avant tout envoi"
        ));
    }
    Draft {
        record,
        to,
        cc,
        subject,
        body,
        in_reply_to,
        auto_submitted,
        problems,
    }
}

/// The letters of `filter`, written.
pub fn drafts(
    store: &Store,
    letters: &Letters,
    filter: &LetterFilter,
) -> Result<Vec<Draft>, StoreError> {
    Ok(store
        .letters(filter)?
        .into_iter()
        .map(|r| draft(letters, r))
        .collect())
}

/// Why a send run could not take place.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error(
        "un autre envoi est en cours (fiches send, ou la console) : réessayer quand il sera fini"
    )]
    Busy,
    #[error("verrou d'envoi {} : {}", path.display(), crate::os_error::problem(.path, .error))]
    Lock {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Held while sending: one sender at a time per database. The kernel lets
/// go of it when the process ends, however it ends.
#[derive(Debug)]
pub struct SendLock {
    _file: File,
}

impl SendLock {
    pub fn path_for(db: &Path) -> PathBuf {
        let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(".send.lock");
        db.with_file_name(name)
    }

    pub fn acquire(db: &Path) -> Result<SendLock, SendError> {
        let path = SendLock::path_for(db);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|error| SendError::Lock {
                path: path.clone(),
                error,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(SendLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(SendError::Busy),
            Err(TryLockError::Error(error)) => Err(SendError::Lock { path, error }),
        }
    }
}

/// Which letters a run sends.
#[derive(Debug, Clone, Default)]
pub struct SendOptions {
    /// The daemon's run: acknowledgements are approved when
    /// `auto_acknowledge` is on; nothing else is approved, but letters staff
    /// approved earlier and that wait for a retry go when due.
    pub auto: bool,
    /// `auto_acknowledge` of the configuration.
    pub auto_acknowledge: bool,
    /// Only these letters (with the version staff saw, when known); all
    /// pending letters otherwise.
    pub only: Option<Vec<(i64, Option<i64>)>>,
    /// Send letters waiting for their next try now.
    pub ignore_backoff: bool,
    /// Who approves (journal of each letter).
    pub actor: String,
}

/// What happened to one letter, as it happens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum LetterOutcome {
    Sent {
        id: i64,
        to: String,
        response: String,
        refused: Vec<String>,
    },
    Retry {
        id: i64,
        error: String,
        next_attempt_at: String,
    },
    Failed {
        id: i64,
        error: String,
    },
    Uncertain {
        id: i64,
        error: String,
    },
    /// Not sent: something must be fixed first.
    Held {
        id: i64,
        problems: Vec<String>,
    },
    /// The server could not be reached: waits for its next try.
    Postponed {
        id: i64,
        next_attempt_at: String,
    },
}

/// A whole run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SendReport {
    /// Found in `sending` at the start (a sender died): now `uncertain`.
    pub recovered: Vec<i64>,
    pub approved: Vec<i64>,
    /// Asked for but not approved (changed since reviewed, not pending).
    pub not_approved: Vec<(i64, String)>,
    pub outcomes: Vec<LetterOutcome>,
    /// Approved letters waiting for their next try (id, when).
    pub waiting: Vec<(i64, String)>,
    /// The server could not be reached or refused us.
    pub connection_error: Option<String>,
}

impl SendReport {
    pub fn count(&self, f: impl Fn(&LetterOutcome) -> bool) -> usize {
        self.outcomes.iter().filter(|o| f(o)).count()
    }

    pub fn sent(&self) -> usize {
        self.count(|o| matches!(o, LetterOutcome::Sent { .. }))
    }

    /// Everything went out that was asked for.
    pub fn all_good(&self) -> bool {
        self.connection_error.is_none()
            && self.recovered.is_empty()
            && self.waiting.is_empty()
            && self.not_approved.is_empty()
            && self
                .outcomes
                .iter()
                .all(|o| matches!(o, LetterOutcome::Sent { .. }))
    }
}

/// The wait before the next try after `attempts` tries: 1 min, 4 min,
/// 16 min, 64 min, 4 h 16, then 6 h.
pub fn backoff(attempts: i64) -> Duration {
    let n = attempts.clamp(1, 10) as u32 - 1;
    Duration::from_secs((60u64 * 4u64.pow(n)).min(6 * 3600))
}

fn utc(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A Message-ID of our own: unique (letter id, time, process, a hash) and
/// in our From domain.
fn new_message_id(letter: i64, from: &Mailbox) -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let token = sha256_hex(format!("{letter}:{nanos}:{}", std::process::id()).as_bytes());
    format!("fiches.{letter}.{}@{}", &token[..16], from.email.domain())
}

/// Sends a batch (see the module's documentation). `progress` sees each
/// letter's outcome as it happens.
pub fn send(
    store: &mut Store,
    smtp: &SmtpConfig,
    letters: &Letters,
    opts: &SendOptions,
    progress: &mut dyn FnMut(&LetterOutcome),
) -> Result<SendReport, SendError> {
    let _lock = SendLock::acquire(store.path())?;
    let from = smtp
        .from_mailbox()
        .map_err(|e| SendError::Config(e.to_string()))?;
    let reply_to = smtp
        .reply_to_mailbox()
        .map_err(|e| SendError::Config(e.to_string()))?;
    let mut report = SendReport {
        recovered: store.recover_sending()?,
        ..SendReport::default()
    };
    let approved = if opts.auto {
        if opts.auto_acknowledge {
            Some(store.approve_letters(Approve::Acknowledgements, "envoi automatique")?)
        } else {
            None
        }
    } else {
        Some(match &opts.only {
            Some(ids) => store.approve_letters(Approve::These(ids), &opts.actor)?,
            None => store.approve_letters(Approve::All, &opts.actor)?,
        })
    };
    if let Some(a) = approved {
        report.approved = a.approved;
        report.not_approved = a.refused;
    }
    let DueLetters { mut due, waiting } =
        store.due_letters(&utc(SystemTime::now()), opts.ignore_backoff)?;
    report.waiting = waiting;
    if let Some(only) = &opts.only {
        due.retain(|id| only.iter().any(|(o, _)| o == id));
    }

    send_due(
        store,
        smtp,
        letters,
        &from,
        reply_to.as_ref(),
        &due,
        &mut report,
        progress,
    )?;
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
fn send_due(
    store: &mut Store,
    smtp: &SmtpConfig,
    letters: &Letters,
    from: &Mailbox,
    reply_to: Option<&Mailbox>,
    due: &[i64],
    report: &mut SendReport,
    progress: &mut dyn FnMut(&LetterOutcome),
) -> Result<(), SendError> {
    let mut session: Option<smtp::Session> = None;
    let mut record = |report: &mut SendReport, o: LetterOutcome| {
        progress(&o);
        report.outcomes.push(o);
    };
    for (i, &id) in due.iter().enumerate() {
        let rec = store.letter(id)?;
        if rec.state != LetterState::Pending || rec.approved_at.is_none() {
            continue;
        }
        let d = draft(letters, rec);
        if !d.problems.is_empty() {
            record(
                report,
                LetterOutcome::Held {
                    id,
                    problems: d.problems.clone(),
                },
            );
            continue;
        }
        let message_id = d
            .record
            .message_id
            .clone()
            .unwrap_or_else(|| new_message_id(id, from));
        let outgoing = match compose::compose(&compose::Parts {
            from,
            reply_to,
            to: &d.to,
            cc: &d.cc,
            subject: &d.subject,
            body: &d.body,
            message_id: &message_id,
            in_reply_to: d.in_reply_to.as_deref(),
            auto_submitted: d.auto_submitted,
            date: SystemTime::now(),
        }) {
            Ok(o) => o,
            Err(e) => {
                record(
                    report,
                    LetterOutcome::Held {
                        id,
                        problems: vec![e],
                    },
                );
                continue;
            }
        };
        // Connect before claiming: a server that cannot be reached leaves
        // the letters untouched but for their next try.
        if !session.as_ref().is_some_and(smtp::Session::is_usable) {
            if let Some(s) = session.take() {
                s.close();
            }
            match smtp::Session::connect(smtp) {
                Ok(s) => session = Some(s),
                Err(e) => {
                    tracing::warn!(error = %e, "serveur SMTP injoignable");
                    for &later in &due[i..] {
                        let attempts = store.letter(later)?.attempts + 1;
                        let when = utc(SystemTime::now() + backoff(attempts));
                        store.letter_postponed(later, &e, &when)?;
                        record(
                            report,
                            LetterOutcome::Postponed {
                                id: later,
                                next_attempt_at: when,
                            },
                        );
                    }
                    report.connection_error = Some(e);
                    return Ok(());
                }
            }
        }
        let Some(sess) = session.as_mut() else {
            continue;
        };
        let (to_text, cc_text) = (d.to_text(), d.cc_text());
        let claimed = store.claim_letter(
            id,
            &Claim {
                message_id: &message_id,
                to: &to_text,
                cc: &cc_text,
                subject: &d.subject,
                body: &d.body,
                bytes: &outgoing.bytes,
            },
        )?;
        if !claimed {
            continue;
        }
        let attempts = d.record.attempts + 1;
        match sess.send(&outgoing.from, &outgoing.rcpts, &outgoing.bytes) {
            smtp::Outcome::Accepted { response, refused } => {
                let note = (!refused.is_empty())
                    .then(|| format!("destinataires refusés : {}", refused.join(", ")));
                store.letter_sent(id, &response, note.as_deref())?;
                tracing::info!(letter = id, to = %to_text, %response, "lettre envoyée");
                record(
                    report,
                    LetterOutcome::Sent {
                        id,
                        to: to_text,
                        response,
                        refused,
                    },
                );
            }
            smtp::Outcome::NotSent { permanent, error } => {
                if permanent || attempts >= i64::from(smtp.max_attempts) {
                    store.letter_not_sent(id, &error, None)?;
                    record(report, LetterOutcome::Failed { id, error });
                } else {
                    let when = utc(SystemTime::now() + backoff(attempts));
                    store.letter_not_sent(id, &error, Some(&when))?;
                    record(
                        report,
                        LetterOutcome::Retry {
                            id,
                            error,
                            next_attempt_at: when,
                        },
                    );
                }
            }
            smtp::Outcome::Uncertain(error) => {
                store.letter_uncertain(id, &error)?;
                record(report, LetterOutcome::Uncertain { id, error });
            }
        }
    }
    if let Some(s) = session {
        s.close();
    }
    Ok(())
}
