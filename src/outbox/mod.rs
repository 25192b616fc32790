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
pub mod partners;
pub mod recipient;
pub mod smtp;

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use lettre::message::{Mailbox, Mailboxes};
use serde::Serialize;
use serde_json::json;

pub use config::{LettersConfig, SmtpConfig, SmtpConfigError, SmtpTls};

use crate::call::Roles;
use crate::domain::LetterKind;
use crate::letters::{LetterData, Letters};
use crate::store::{
    Approve, Claim, DueLetters, LetterFilter, LetterRecord, LetterState, Store, StoreError,
    sha256_hex,
};

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
    /// Why staff must confirm its recipient before it goes (see
    /// [`recipient`]); `None` once they did, or when nothing is odd.
    pub hold: Option<String>,
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
        let organisation = r
            .proposal
            .as_ref()
            .and_then(|p| letter_field(p, |f| Some(f.organisation.as_str())));
        json!({
            "id": r.id,
            "kind": r.kind,
            "kind_fr": r.kind.label_fr(),
            "state": r.state,
            "state_fr": r.state.label_fr(),
            "proposal_id": r.proposal.as_ref().map(|p| p.id),
            "proposal_number": r.proposal.as_ref().map(|p| p.number),
            "rank": (r.kind == LetterKind::Waitlisted)
                .then(|| r.proposal.as_ref().and_then(|p| p.rank))
                .flatten(),
            "about_message": r.fiche.id,
            "files": r.params.files,
            "queued_for_proposal": r.proposal_id,
            "set_aside_at": r.set_aside.as_ref().map(|(at, _)| at),
            "set_aside_why": r.set_aside.as_ref().map(|(_, why)| why),
            // not a call key: the JSON output's name
            "organisation": organisation,
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
            "hold": self.hold,
            "reviewed_to": r.reviewed.as_ref().map(|v| &v.to),
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
    // The sender's Date when it is the one believed, else the one
    // believed (a Date set aside is never written to the sender).
    let received = match (&r.fiche.date, &r.fiche.effective_at) {
        (Some(d), Some(e)) if same_instant(d, e) => Some(d.clone()),
        (_, e) => e.clone(),
    };
    let Some(p) = r.proposal.as_ref() else {
        // A demande de .docx: the message and its files, nothing of a fiche.
        return LetterData {
            received,
            files: r
                .params
                .files
                .iter()
                .map(|f| (f.name.clone(), f.why.clone()))
                .collect(),
            ..LetterData::default()
        };
    };
    let text = |k: Option<&str>| k.and_then(|k| p.text(k)).map(str::to_string);
    let field = |pick: fn(&Roles) -> Option<&str>| letter_field(p, pick).map(str::to_string);
    let def = p.kind.and_then(|k| crate::call::kind_def(k.key()));
    let reason = r.params.reason.clone();
    LetterData {
        kind: def.map(|k| k.key.clone()),
        reference: p.number,
        organisation: field(|f| Some(f.organisation.as_str())),
        organisation_type: field(|f| Some(f.organisation_type.as_str())),
        country: field(|f| Some(f.country.as_str())),
        article: p.article,
        civility: civility_of(p),
        contact_first_name: field(|f| f.first_name.as_deref()),
        contact_last_name: field(|f| f.last_name.as_deref()),
        title: text(def.map(|k| k.title_field.as_str())),
        description: text(def.and_then(|k| k.description_field.as_deref())),
        title_detail: text(def.and_then(|k| k.wording.title_detail.as_deref())),
        received,
        slot: r.params.slot.clone(),
        space: r.params.space.clone(),
        previous_slot: r.params.previous_slot.clone(),
        previous_space: r.params.previous_space.clone(),
        rank: match p.status {
            crate::domain::Status::Waitlisted => p.rank,
            _ => None,
        },
        reason,
        status: Some(p.status),
        files: Vec::new(),
    }
}

/// The answer of a field the letters read (`[roles]` of the call
/// definition: the organisation, the contact's name, e-mail…).
pub fn letter_field(p: &crate::store::Proposal, pick: fn(&Roles) -> Option<&str>) -> Option<&str> {
    pick(crate::call::roles()).and_then(|k| p.text(k))
}

/// The contact's civility when the fiche gives it: a field or a row
/// labelled "Civilité" (added by the sender), or "Mme", "M."… written
/// before the name.
pub fn civility_of(p: &crate::store::Proposal) -> Option<crate::letters::Civility> {
    use crate::letters::french::{Civility, split_civility};
    let from_field = letter_field(p, |f| f.civility.as_deref()).and_then(Civility::parse);
    let from_extra = p.extra.iter().find_map(|(label, value)| {
        crate::fiche::text::fold(label)
            .contains("civilite")
            .then(|| Civility::parse(value))
            .flatten()
    });
    let from_name = [
        letter_field(p, |f| f.last_name.as_deref()),
        letter_field(p, |f| f.first_name.as_deref()),
    ]
    .into_iter()
    .flatten()
    .find_map(|n| split_civility(n).0);
    from_field.or(from_extra).or(from_name)
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

fn parse_list(text: &str, what: &str, problems: &mut Vec<String>) -> Vec<Mailbox> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    match Mailboxes::from_str(text.trim()) {
        Ok(m) => m.into_iter().collect(),
        // The parser's words ("Invalid input") are not for staff.
        Err(_) => {
            problems.push(format!(
                "{what} illisible « {text} » : ce n'est pas une adresse électronique valable \
                 (attendu : Nom <adresse@domaine.fr>, plusieurs séparées par des virgules)"
            ));
            Vec::new()
        }
    }
}

/// To and Cc: staff's (their edit is their review), else one person (see
/// [`recipient`]), with the reason to hold the letter when there is one.
fn recipients(
    r: &LetterRecord,
    problems: &mut Vec<String>,
) -> (Vec<Mailbox>, Vec<Mailbox>, Option<String>) {
    let p = r.proposal.as_ref();
    let text = |pick: fn(&Roles) -> Option<&str>| p.and_then(|p| letter_field(p, pick));
    if r.edit.to.is_some() || r.edit.cc.is_some() {
        let to = parse_list(r.edit.to.as_deref().unwrap_or(""), "destinataire", problems);
        let cc = parse_list(r.edit.cc.as_deref().unwrap_or(""), "copie", problems);
        if to.is_empty() {
            problems.push("aucun destinataire : en saisir un (fiches outbox edit)".into());
        }
        return (to, cc, None);
    }
    let contact_name = clean_name(
        &[
            text(|f| f.first_name.as_deref()),
            text(|f| f.last_name.as_deref()),
        ]
        .iter()
        .flatten()
        .map(|n| crate::letters::french::split_civility(n).1)
        .collect::<Vec<_>>()
        .join(" "),
    );
    // A demande de .docx has no fiche: it goes to the message's sender.
    let choice = recipient::choose(
        text(|f| Some(f.contact_email.as_str())),
        contact_name,
        r.fiche.from_addr.as_deref(),
        r.fiche.from_name.as_deref().and_then(clean_name),
    );
    let to: Vec<Mailbox> = choice.to.into_iter().collect();
    if to.is_empty() {
        problems.push(
            "aucune adresse de destinataire valide (ni dans la fiche, ni celle de l'expéditeur) : la saisir (fiches outbox edit)"
                .into(),
        );
    }
    let to_text = mailboxes_text(&to);
    let hold = choice
        .hold
        .filter(|_| r.reviewed.as_ref().is_none_or(|v| v.to != to_text));
    (to, Vec::new(), hold)
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
            hold: None,
        };
    }
    let mut problems = Vec::new();
    let (to, cc, hold) = recipients(&record, &mut problems);
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
        hold,
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

/// A letter or an e-mail to the partners, as staff and the outcomes name
/// it: letters by their number, e-mails to the partners by their
/// publication's ("P3"). In JSON a letter is its number, an e-mail to the
/// partners the string "P3".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MailRef {
    Letter(i64),
    Partners(u32),
}

impl MailRef {
    /// "12" → a letter, "P3" (or "p3") → the e-mail of publication 3.
    pub fn parse(s: &str) -> Option<MailRef> {
        let s = s.trim();
        match s.strip_prefix(['P', 'p']) {
            Some(n) => n.parse().ok().map(MailRef::Partners),
            None => s.parse().ok().map(MailRef::Letter),
        }
    }
}

impl std::fmt::Display for MailRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MailRef::Letter(id) => write!(f, "lettre n° {id}"),
            MailRef::Partners(n) => write!(f, "envoi aux partenaires P{n}"),
        }
    }
}

impl Serialize for MailRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            MailRef::Letter(id) => s.serialize_i64(*id),
            MailRef::Partners(n) => s.serialize_str(&format!("P{n}")),
        }
    }
}

/// Which letters a run sends.
#[derive(Debug, Clone, Default)]
pub struct SendOptions {
    /// The daemon's run: acknowledgements are approved when
    /// `auto_acknowledge` is on (never one held for a review of its
    /// recipient); the e-mail to the partners when `auto_partners`; nothing
    /// else is approved, but what staff approved earlier and waits for a
    /// retry goes when due.
    pub auto: bool,
    /// `auto_acknowledge` of the configuration.
    pub auto_acknowledge: bool,
    /// `[publish] auto_send_publication` of the configuration.
    pub auto_partners: bool,
    /// Only these letters (with the version staff saw, when known); with
    /// `only_partners`, only these. All pending letters and e-mails to the
    /// partners when both are `None`.
    pub only: Option<Vec<(i64, Option<i64>)>>,
    /// Only these e-mails to the partners (publication, version seen).
    pub only_partners: Option<Vec<(u32, Option<i64>)>>,
    /// Send letters waiting for their next try now.
    pub ignore_backoff: bool,
    /// Who approves (journal of each letter).
    pub actor: String,
}

/// What happened to one letter (or e-mail to the partners), as it happens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum LetterOutcome {
    Sent {
        id: MailRef,
        to: String,
        response: String,
        refused: Vec<String>,
    },
    Retry {
        id: MailRef,
        error: String,
        next_attempt_at: String,
    },
    Failed {
        id: MailRef,
        error: String,
    },
    Uncertain {
        id: MailRef,
        error: String,
    },
    /// Not sent: something must be fixed (or a recipient confirmed) first.
    Held {
        id: MailRef,
        problems: Vec<String>,
    },
    /// The server could not be reached: waits for its next try.
    Postponed {
        id: MailRef,
        next_attempt_at: String,
    },
}

/// A whole run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SendReport {
    /// Found in `sending` at the start (a sender died): now `uncertain`.
    pub recovered: Vec<MailRef>,
    pub approved: Vec<MailRef>,
    /// Asked for but not approved (changed since reviewed, not pending).
    pub not_approved: Vec<(MailRef, String)>,
    pub outcomes: Vec<LetterOutcome>,
    /// Approved letters waiting for their next try (which, when).
    pub waiting: Vec<(MailRef, String)>,
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

/// A Message-ID of our own: unique (what, time, process, a hash) and in our
/// From domain.
fn new_message_id(what: &str, from: &Mailbox) -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let token = sha256_hex(format!("{what}:{nanos}:{}", std::process::id()).as_bytes());
    format!("fiches.{what}.{}@{}", &token[..16], from.email.domain())
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
    let mut report = SendReport::default();
    report
        .recovered
        .extend(store.recover_sending()?.into_iter().map(MailRef::Letter));
    report.recovered.extend(
        store
            .recover_partner_sending()?
            .into_iter()
            .map(MailRef::Partners),
    );
    let selective = opts.only.is_some() || opts.only_partners.is_some();
    let now = utc(SystemTime::now());
    let mut queue = due_letters(store, letters, opts, selective, &now, &mut report)?;
    queue.extend(due_partner_mails(
        store,
        opts,
        selective,
        &now,
        &mut report,
    )?);
    let mut run = Run {
        store,
        smtp,
        letters,
        from: &from,
        reply_to: reply_to.as_ref(),
        auto: opts.auto,
        session: None,
    };
    let result = run.send_all(&queue, &mut report, progress);
    if let Some(s) = run.session.take() {
        s.close();
    }
    result?;
    Ok(report)
}

/// The letters of a send run (see `send`): approves those staff asked for
/// (or, for the daemon, the acknowledgements it may send alone), and
/// returns those due, in order; the rest goes in the report.
fn due_letters(
    store: &mut Store,
    letters: &Letters,
    opts: &SendOptions,
    selective: bool,
    now: &str,
    report: &mut SendReport,
) -> Result<Vec<MailRef>, SendError> {
    let approved = if opts.auto {
        if opts.auto_acknowledge {
            // Never an acknowledgement held for a review of its recipient.
            let ready: Vec<(i64, Option<i64>)> = store
                .letters(&LetterFilter {
                    states: vec![LetterState::Pending],
                    ..LetterFilter::default()
                })?
                .into_iter()
                .filter(|r| r.kind == LetterKind::Acknowledgement && r.approved_at.is_none())
                .map(|r| draft(letters, r))
                .filter(|d| d.hold.is_none() && d.problems.is_empty())
                .map(|d| (d.record.id, Some(d.record.version)))
                .collect();
            Some(store.approve_letters(Approve::These(&ready), "envoi automatique")?)
        } else {
            None
        }
    } else {
        match (&opts.only, selective) {
            (Some(ids), _) => Some(store.approve_letters(Approve::These(ids), &opts.actor)?),
            (None, true) => None,
            (None, false) => Some(store.approve_letters(Approve::All, &opts.actor)?),
        }
    };
    if let Some(a) = approved {
        report
            .approved
            .extend(a.approved.into_iter().map(MailRef::Letter));
        report.not_approved.extend(
            a.refused
                .into_iter()
                .map(|(id, why)| (MailRef::Letter(id), why)),
        );
    }
    let DueLetters { mut due, waiting } = store.due_letters(now, opts.ignore_backoff)?;
    report
        .waiting
        .extend(waiting.into_iter().map(|(id, t)| (MailRef::Letter(id), t)));
    if selective {
        let only = opts.only.as_deref().unwrap_or(&[]);
        due.retain(|id| only.iter().any(|(o, _)| o == id));
    }

    Ok(due.into_iter().map(MailRef::Letter).collect())
}

/// The e-mails to the partners of a send run, like `due_letters`.
fn due_partner_mails(
    store: &mut Store,
    opts: &SendOptions,
    selective: bool,
    now: &str,
    report: &mut SendReport,
) -> Result<Vec<MailRef>, SendError> {
    let approved = if opts.auto {
        opts.auto_partners
            .then(|| store.approve_partner_mails(None, "envoi automatique"))
            .transpose()?
    } else {
        match (&opts.only_partners, selective) {
            (Some(list), _) => Some(store.approve_partner_mails(Some(list), &opts.actor)?),
            (None, true) => None,
            (None, false) => Some(store.approve_partner_mails(None, &opts.actor)?),
        }
    };
    if let Some((ok, refused)) = approved {
        report
            .approved
            .extend(ok.into_iter().map(MailRef::Partners));
        report.not_approved.extend(
            refused
                .into_iter()
                .map(|(n, why)| (MailRef::Partners(n), why)),
        );
    }
    let DueLetters {
        due: mut due_partners,
        waiting,
    } = store.due_partner_mails(now, opts.ignore_backoff)?;
    report.waiting.extend(
        waiting
            .into_iter()
            .map(|(n, t)| (MailRef::Partners(n as u32), t)),
    );
    if selective {
        let only = opts.only_partners.as_deref().unwrap_or(&[]);
        due_partners.retain(|n| only.iter().any(|(o, _)| i64::from(*o) == *n));
    }

    Ok(due_partners
        .into_iter()
        .map(|n| MailRef::Partners(n as u32))
        .collect())
}

/// A message ready to go, or why not.
enum Prepared {
    Ready {
        outgoing: compose::Outgoing,
        message_id: String,
        to_text: String,
        cc_text: String,
        subject: String,
        body: String,
        attempts: i64,
    },
    /// Not sent; reported unless `quiet`.
    Held { problems: Vec<String>, quiet: bool },
    /// No longer to send (changed meanwhile).
    Skip,
}

struct Run<'a> {
    store: &'a mut Store,
    smtp: &'a SmtpConfig,
    letters: &'a Letters,
    from: &'a Mailbox,
    reply_to: Option<&'a Mailbox>,
    auto: bool,
    session: Option<smtp::Session>,
}

impl Run<'_> {
    /// The message of `what`, ready to go, or why not.
    fn prepare(&self, what: MailRef) -> Result<Prepared, SendError> {
        match what {
            MailRef::Letter(id) => self.prepare_letter(id),
            MailRef::Partners(n) => self.prepare_partners(n),
        }
    }

    fn prepare_letter(&self, id: i64) -> Result<Prepared, SendError> {
        let rec = self.store.letter(id)?;
        if rec.state != LetterState::Pending || rec.approved_at.is_none() {
            return Ok(Prepared::Skip);
        }
        let d = draft(self.letters, rec);
        if !d.problems.is_empty() {
            return Ok(Prepared::Held {
                problems: d.problems,
                quiet: false,
            });
        }
        if let Some(h) = &d.hold {
            // The daemon says nothing every minute about a letter
            // that waits for staff.
            return Ok(Prepared::Held {
                problems: vec![format!(
                    "destinataire à vérifier : {h} ; `fiches outbox confirm {id}` le valide, `fiches outbox edit {id}` en choisit un autre"
                )],
                quiet: self.auto,
            });
        }
        let message_id = d
            .record
            .message_id
            .clone()
            .unwrap_or_else(|| new_message_id(&id.to_string(), self.from));
        let outgoing = match compose::compose(&compose::Parts {
            from: self.from,
            reply_to: self.reply_to,
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
                return Ok(Prepared::Held {
                    problems: vec![e],
                    quiet: false,
                });
            }
        };
        Ok(Prepared::Ready {
            outgoing,
            message_id,
            to_text: d.to_text(),
            cc_text: d.cc_text(),
            subject: d.subject,
            body: d.body,
            attempts: d.record.attempts,
        })
    }

    fn prepare_partners(&self, n: u32) -> Result<Prepared, SendError> {
        let m = self.store.partner_mail(n)?;
        if m.state != LetterState::Pending || m.approved_at.is_none() {
            return Ok(Prepared::Skip);
        }
        match partners::prepare(&m, self.from, self.reply_to) {
            Ok(p) => Ok(Prepared::Ready {
                to_text: p.to_text,
                cc_text: String::new(),
                subject: m.subject.clone(),
                body: m.body.clone(),
                attempts: m.attempts,
                message_id: p.message_id,
                outgoing: p.outgoing,
            }),
            Err(problems) => Ok(Prepared::Held {
                problems,
                quiet: false,
            }),
        }
    }

    fn send_all(
        &mut self,
        queue: &[MailRef],
        report: &mut SendReport,
        progress: &mut dyn FnMut(&LetterOutcome),
    ) -> Result<(), SendError> {
        let mut record = |report: &mut SendReport, o: LetterOutcome| {
            progress(&o);
            report.outcomes.push(o);
        };
        for (i, &what) in queue.iter().enumerate() {
            let (outgoing, message_id, to_text, cc_text, subject, body, attempts) =
                match self.prepare(what)? {
                    Prepared::Skip => continue,
                    Prepared::Held { quiet: true, .. } => continue,
                    Prepared::Held { problems, .. } => {
                        record(report, LetterOutcome::Held { id: what, problems });
                        continue;
                    }
                    Prepared::Ready {
                        outgoing,
                        message_id,
                        to_text,
                        cc_text,
                        subject,
                        body,
                        attempts,
                    } => (
                        outgoing, message_id, to_text, cc_text, subject, body, attempts,
                    ),
                };
            // Connect before claiming: a server that cannot be reached
            // leaves the letters untouched but for their next try.
            if !self.session.as_ref().is_some_and(smtp::Session::is_usable) {
                if let Some(s) = self.session.take() {
                    s.close();
                }
                match smtp::Session::connect(self.smtp) {
                    Ok(s) => self.session = Some(s),
                    Err(e) => {
                        tracing::warn!(error = %e, "serveur SMTP injoignable");
                        for &later in &queue[i..] {
                            let when = self.postpone(later, &e)?;
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
            let claim = Claim {
                message_id: &message_id,
                to: &to_text,
                cc: &cc_text,
                subject: &subject,
                body: &body,
                bytes: &outgoing.bytes,
            };
            let claimed = match what {
                MailRef::Letter(id) => self.store.claim_letter(id, &claim)?,
                MailRef::Partners(n) => self.store.claim_partner_mail(n, &claim)?,
            };
            if !claimed {
                continue;
            }
            let Some(sess) = self.session.as_mut() else {
                continue;
            };
            let sent = sess.send(&outgoing.from, &outgoing.rcpts, &outgoing.bytes);
            let outcome = self.record_outcome(what, sent, to_text, attempts + 1)?;
            record(report, outcome);
        }
        Ok(())
    }

    /// The server cannot be reached: `what` waits for its next try (the
    /// attempt counted, for the backoff). Returns when.
    fn postpone(&mut self, what: MailRef, error: &str) -> Result<String, SendError> {
        Ok(match what {
            MailRef::Letter(id) => {
                let attempts = self.store.letter(id)?.attempts + 1;
                let when = utc(SystemTime::now() + backoff(attempts));
                self.store.letter_postponed(id, error, &when)?;
                when
            }
            MailRef::Partners(n) => {
                let attempts = self.store.partner_mail(n)?.attempts + 1;
                let when = utc(SystemTime::now() + backoff(attempts));
                self.store.partner_mail_postponed(n, error, &when)?;
                when
            }
        })
    }

    /// Records how the SMTP transaction of the claimed `what` (its
    /// `attempts`-th try) ended, and says it for the report.
    fn record_outcome(
        &mut self,
        what: MailRef,
        sent: smtp::Outcome,
        to_text: String,
        attempts: i64,
    ) -> Result<LetterOutcome, SendError> {
        Ok(match sent {
            smtp::Outcome::Accepted { response, refused } => {
                let note = (!refused.is_empty())
                    .then(|| format!("destinataires refusés : {}", refused.join(", ")));
                match what {
                    MailRef::Letter(id) => {
                        self.store.letter_sent(id, &response, note.as_deref())?
                    }
                    MailRef::Partners(n) => {
                        self.store
                            .partner_mail_sent(n, &response, note.as_deref())?
                    }
                }
                tracing::info!(quoi = %what, to = %to_text, %response, "envoyé");
                LetterOutcome::Sent {
                    id: what,
                    to: to_text,
                    response,
                    refused,
                }
            }
            smtp::Outcome::NotSent { permanent, error } => {
                let retry_at = (!permanent && attempts < i64::from(self.smtp.max_attempts))
                    .then(|| utc(SystemTime::now() + backoff(attempts)));
                match what {
                    MailRef::Letter(id) => {
                        self.store
                            .letter_not_sent(id, &error, retry_at.as_deref())?
                    }
                    MailRef::Partners(n) => {
                        self.store
                            .partner_mail_not_sent(n, &error, retry_at.as_deref())?
                    }
                }
                match retry_at {
                    None => LetterOutcome::Failed { id: what, error },
                    Some(when) => LetterOutcome::Retry {
                        id: what,
                        error,
                        next_attempt_at: when,
                    },
                }
            }
            smtp::Outcome::Uncertain(error) => {
                match what {
                    MailRef::Letter(id) => self.store.letter_uncertain(id, &error)?,
                    MailRef::Partners(n) => self.store.partner_mail_uncertain(n, &error)?,
                }
                LetterOutcome::Uncertain { id: what, error }
            }
        })
    }
}
