//! The outbox in the database: letters queued for the senders of fiches and
//! their way from queued to sent, exactly once.
//!
//! - The intake queues an acknowledgement per new live proposal of a message
//!   whose status is `fiche` (never for auto-replies and bounces, never to our
//!   own address), when `outbox_settings.acknowledge` says so — in the
//!   message's own transaction ([`queue_acknowledgements`]).
//! - A decision queues the letter it calls for (`letters::decision_letter`,
//!   given what the sender was already told) in the decision's transaction
//!   ([`queue_decision_letter`]).
//! - A newer letter for the same proposal (the same revision chain) replaces
//!   an unsent older one: a decision letter replaces any unsent letter, an
//!   acknowledgement only an unsent acknowledgement.
//! - Sending: staff approve (`approve_letters`), the sender claims a letter
//!   (`claim_letter`: state `sending`, committed before the SMTP
//!   transaction), then records the outcome (`letter_sent`, `letter_not_sent`,
//!   `letter_uncertain`). A sender that starts and finds a letter still in
//!   `sending` (the previous one died) marks it `uncertain`
//!   (`recover_sending`): staff settle it (`resolve_letter`), it is never
//!   resent silently. Only one sender runs at a time (a lock file, see
//!   the `outbox` module).

use rusqlite::{OptionalExtension, Row, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::queries::load_proposal;
use super::{Proposal, Result, Store, StoreError, now};
use crate::domain::letters::truth::{Current, Stated, contradiction, no_letter_reason};
use crate::domain::{LetterKind, Told, decision_letter, may_acknowledge};

/// Who the letter events name for what the intake and the sender do.
pub const INTAKE_ACTOR: &str = "import";

/// Where a letter is, from queued to sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LetterState {
    Pending,
    Sending,
    Sent,
    Uncertain,
    Failed,
    Replaced,
    Dropped,
    /// A letter staff had edited, set aside when the decision changed: its
    /// text is kept for staff to take back or drop; it is never sent as is.
    /// (Stored as `replaced` with `set_aside_at`.)
    Review,
}

impl LetterState {
    pub const ALL: [LetterState; 8] = [
        LetterState::Pending,
        LetterState::Sending,
        LetterState::Sent,
        LetterState::Uncertain,
        LetterState::Failed,
        LetterState::Replaced,
        LetterState::Dropped,
        LetterState::Review,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LetterState::Pending => "pending",
            LetterState::Sending => "sending",
            LetterState::Sent => "sent",
            LetterState::Uncertain => "uncertain",
            LetterState::Failed => "failed",
            LetterState::Replaced => "replaced",
            LetterState::Dropped => "dropped",
            LetterState::Review => "review",
        }
    }

    pub fn parse(s: &str) -> Option<LetterState> {
        LetterState::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What staff read.
    pub fn label_fr(self) -> &'static str {
        match self {
            LetterState::Pending => "à envoyer",
            LetterState::Sending => "en cours d'envoi",
            LetterState::Sent => "envoyée",
            LetterState::Uncertain => "incertaine",
            LetterState::Failed => "refusée par le serveur",
            LetterState::Replaced => "remplacée",
            LetterState::Dropped => "supprimée",
            LetterState::Review => "à revoir",
        }
    }

    /// Not sent, and may still be edited, dropped or replaced.
    pub fn is_unsent(self) -> bool {
        matches!(self, LetterState::Pending | LetterState::Failed)
    }
}

impl std::fmt::Display for LetterState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for LetterState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The decision a letter tells, as it was when the letter was queued.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_slot: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_space: Option<String>,
    /// For a cancellation: where the proposal stands, as the letter says
    /// (refused, withdrawn, back on the waiting list, to decide) — once
    /// sent, what the sender knows (see `told`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<crate::domain::Status>,
    /// A demande de .docx: the attachments received, frozen when it was
    /// queued, each with why it could not be read (French, for the sender).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<UnreadFile>,
}

/// One attachment a demande de .docx names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreadFile {
    pub name: String,
    pub why: String,
}

/// What [`Store::queue_docx_request`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocxRequest {
    /// Queued: the new letter's id.
    Queued(i64),
    /// One was already asked for this message (letter id, its state).
    Already(i64, LetterState),
}

impl LetterParams {
    /// What a letter of `kind` with these parameters states (see
    /// `letters::truth`). `rank` is only ever set on a waiting-list letter
    /// whose text staff rewrote: the rank that text gave.
    pub fn stated(&self, kind: LetterKind) -> Stated<'_> {
        Stated {
            kind,
            slot: self.slot.as_deref(),
            space: self.space.as_deref(),
            reason: self.reason.as_deref(),
            rank: self.rank,
        }
    }

    /// The same decision, whatever rank an edited text gave.
    fn same_decision(&self, other: &LetterParams) -> bool {
        LetterParams {
            rank: None,
            ..self.clone()
        } == LetterParams {
            rank: None,
            ..other.clone()
        }
    }
}

/// Where a proposal stands now, as `letters::truth` compares it.
pub fn current_of(p: &Proposal) -> Current<'_> {
    Current {
        status: p.status,
        slot: p.slot.as_deref(),
        space: p.space.as_deref(),
        reason: p.reason.as_deref(),
        rank: p.rank,
    }
}

/// Staff's version of a letter: `None` keeps what the fiche and the template give.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LetterEdit {
    /// Recipients, as written in a To header ("Nom <a@b>, c@d").
    pub to: Option<String>,
    pub cc: Option<String>,
    pub subject: Option<String>,
    pub body: Option<String>,
}

impl LetterEdit {
    pub fn is_empty(&self) -> bool {
        self.to.is_none() && self.cc.is_none() && self.subject.is_none() && self.body.is_none()
    }
}

/// Staff's confirmation of a held letter's recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    /// The recipient as shown ("Nom <adresse>").
    pub to: String,
    pub at: String,
    pub by: String,
}

/// The message a letter answers (the one that brought the fiche).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FicheMessage {
    /// Database id.
    pub id: i64,
    /// Its Message-ID header, without <>.
    pub message_id: Option<String>,
    pub from_addr: Option<String>,
    pub from_name: Option<String>,
    /// Date header (RFC 3339, the sender's offset).
    pub date: Option<String>,
    pub effective_at: Option<String>,
}

/// What went to the server, frozen when the transaction started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentCopy {
    pub to: String,
    pub cc: String,
    pub subject: String,
    pub body: String,
}

/// A letter as stored, with the proposal (its current revision) and the
/// message it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterRecord {
    pub id: i64,
    pub kind: LetterKind,
    pub state: LetterState,
    /// The proposal it was queued for (`None`: a demande de .docx, about
    /// a message only).
    pub proposal_id: Option<i64>,
    pub chain: String,
    pub params: LetterParams,
    pub message_id: Option<String>,
    pub approved_at: Option<String>,
    pub approved_by: Option<String>,
    pub edit: LetterEdit,
    pub edited_at: Option<String>,
    pub edited_by: Option<String>,
    pub attempts: i64,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
    pub sending_at: Option<String>,
    pub sent_at: Option<String>,
    pub response: Option<String>,
    pub sent: Option<SentCopy>,
    pub replaced_by: Option<i64>,
    pub closed_by: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    /// When and why it was set aside "à revoir" (an edited letter whose
    /// decision changed).
    pub set_aside: Option<(String, String)>,
    /// The recipient staff confirmed for a letter held for review.
    pub reviewed: Option<Review>,
    /// The current revision of the proposal (a resubmission may have come in
    /// since the letter was queued): the letter is written from it, with
    /// its waiting-list rank as it is now. `None` for a demande de .docx.
    pub proposal: Option<Proposal>,
    /// The message the letter answers: that of the proposal's revision, or
    /// the one whose fiche could not be read (demande de .docx).
    pub fiche: FicheMessage,
}

/// Which letters to list.
#[derive(Debug, Clone, Default)]
pub struct LetterFilter {
    /// Empty: every state.
    pub states: Vec<LetterState>,
    pub ids: Option<Vec<i64>>,
    /// Letters of this proposal's chain.
    pub proposal: Option<i64>,
}

/// Which pending letters staff approve for sending.
#[derive(Debug, Clone)]
pub enum Approve<'a> {
    /// Every pending letter not yet approved.
    All,
    /// Pending acknowledgements only (automatic acknowledgements).
    Acknowledgements,
    /// These letters, each at the version staff saw when given.
    These(&'a [(i64, Option<i64>)]),
}

/// What `approve_letters` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Approved {
    pub approved: Vec<i64>,
    /// Asked for but changed since staff saw them, or not pending: left alone.
    pub refused: Vec<(i64, String)>,
}

/// How staff settle an uncertain letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// It did arrive (checked in the sent folder or with the recipient).
    Sent,
    /// It did not: back to the outbox, to be approved and sent again (with
    /// the same Message-ID, so a copy that did arrive is recognisable).
    Resend,
}

/// The settings of the intake's acknowledgements (from `config.toml`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxSettings {
    pub acknowledge: bool,
    /// Our own addresses (From, Reply-To), never acknowledged.
    pub own_addresses: Vec<String>,
}

/// What is frozen when a letter is claimed for sending.
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    pub message_id: &'a str,
    pub to: &'a str,
    pub cc: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub bytes: &'a [u8],
}

/// Approved pending letters: those to send now, and those waiting for their
/// next try (with when).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DueLetters {
    pub due: Vec<i64>,
    pub waiting: Vec<(i64, String)>,
}

impl DueLetters {
    /// Splits approved pending items `(key, next_attempt_at)` into those due
    /// now and those waiting for their next try (`ignore_backoff`: all due).
    /// One rule for letters and the partners' e-mails.
    pub(super) fn split(
        rows: Vec<(i64, Option<String>)>,
        now_utc: &str,
        ignore_backoff: bool,
    ) -> Self {
        let (mut due, mut waiting) = (Vec::new(), Vec::new());
        for (key, next) in rows {
            match next {
                Some(t) if !ignore_backoff && t.as_str() > now_utc => waiting.push((key, t)),
                _ => due.push(key),
            }
        }
        DueLetters { due, waiting }
    }
}

/// One line of a letter's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LetterEvent {
    pub at: String,
    pub actor: String,
    pub event: String,
    pub detail: Option<serde_json::Value>,
}

const LETTER_COLUMNS: &str =
    "id, kind, state, proposal_id, chain, params, message_id, approved_at, approved_by,
     edit_to, edit_cc, edit_subject, edit_body, edited_at, edited_by, attempts, next_attempt_at,
     last_error, sending_at, sent_at, response, sent_to, sent_cc, sent_subject, sent_body,
     replaced_by, closed_by, version, created_at, created_by, updated_at,
     cancellation, set_aside_at, set_aside_why, reviewed_to, reviewed_at, reviewed_by,
     about_message";

struct RawLetter {
    id: i64,
    kind: String,
    state: String,
    proposal_id: Option<i64>,
    chain: String,
    params: String,
    message_id: Option<String>,
    approved_at: Option<String>,
    approved_by: Option<String>,
    edit: LetterEdit,
    edited_at: Option<String>,
    edited_by: Option<String>,
    attempts: i64,
    next_attempt_at: Option<String>,
    last_error: Option<String>,
    sending_at: Option<String>,
    sent_at: Option<String>,
    response: Option<String>,
    sent: [Option<String>; 4],
    replaced_by: Option<i64>,
    closed_by: Option<String>,
    version: i64,
    created_at: String,
    created_by: String,
    updated_at: String,
    cancellation: bool,
    set_aside_at: Option<String>,
    set_aside_why: Option<String>,
    reviewed: [Option<String>; 3],
    about_message: Option<i64>,
}

fn raw_letter(r: &Row<'_>) -> rusqlite::Result<RawLetter> {
    Ok(RawLetter {
        id: r.get(0)?,
        kind: r.get(1)?,
        state: r.get(2)?,
        proposal_id: r.get(3)?,
        chain: r.get(4)?,
        params: r.get(5)?,
        message_id: r.get(6)?,
        approved_at: r.get(7)?,
        approved_by: r.get(8)?,
        edit: LetterEdit {
            to: r.get(9)?,
            cc: r.get(10)?,
            subject: r.get(11)?,
            body: r.get(12)?,
        },
        edited_at: r.get(13)?,
        edited_by: r.get(14)?,
        attempts: r.get(15)?,
        next_attempt_at: r.get(16)?,
        last_error: r.get(17)?,
        sending_at: r.get(18)?,
        sent_at: r.get(19)?,
        response: r.get(20)?,
        sent: [r.get(21)?, r.get(22)?, r.get(23)?, r.get(24)?],
        replaced_by: r.get(25)?,
        closed_by: r.get(26)?,
        version: r.get(27)?,
        created_at: r.get(28)?,
        created_by: r.get(29)?,
        updated_at: r.get(30)?,
        cancellation: r.get(31)?,
        set_aside_at: r.get(32)?,
        set_aside_why: r.get(33)?,
        reviewed: [r.get(34)?, r.get(35)?, r.get(36)?],
        about_message: r.get(37)?,
    })
}

fn corrupt(what: String) -> StoreError {
    StoreError::Corrupt(what)
}

/// The chain a proposal's letters are grouped by.
fn chain_of(p: &Proposal) -> String {
    p.chain_key.clone().unwrap_or_else(|| format!("#{}", p.id))
}

/// The current revision of a proposal.
fn live_revision(conn: &rusqlite::Connection, id: i64) -> Result<Proposal> {
    let mut p = load_proposal(conn, id)?;
    // Chains are short; the bound only guards against a hand-made loop.
    for _ in 0..1000 {
        match p.superseded_by {
            Some(next) => p = load_proposal(conn, next)?,
            None => return Ok(p),
        }
    }
    Err(corrupt(format!(
        "révisions de la proposition {id} en boucle"
    )))
}

fn fiche_message(conn: &rusqlite::Connection, id: i64) -> Result<FicheMessage> {
    conn.prepare_cached(
        "SELECT id, message_id, from_addr, from_name, date, effective_at FROM messages WHERE id = ?1",
    )?
    .query_row([id], |r| {
        Ok(FicheMessage {
            id: r.get(0)?,
            message_id: r.get(1)?,
            from_addr: r.get(2)?,
            from_name: r.get(3)?,
            date: r.get(4)?,
            effective_at: r.get(5)?,
        })
    })
    .optional()?
    .ok_or(StoreError::MessageNotFound(id))
}

impl LetterRecord {
    /// Why this letter no longer tells the truth about its proposal as it
    /// is now, if it does not (see `letters::truth`).
    pub fn contradiction(&self) -> Option<String> {
        let p = self.proposal.as_ref()?;
        contradiction(&self.params.stated(self.kind), &current_of(p))
    }
}

impl RawLetter {
    fn into_record(self, conn: &rusqlite::Connection) -> Result<LetterRecord> {
        let id = self.id;
        let kind = LetterKind::from_db(&self.kind, self.cancellation)
            .ok_or_else(|| corrupt(format!("type « {} » de la lettre {id}", self.kind)))?;
        let state = match LetterState::parse(&self.state) {
            Some(LetterState::Replaced) if self.set_aside_at.is_some() => LetterState::Review,
            Some(LetterState::Review) | None => {
                return Err(corrupt(format!(
                    "état « {} » de la lettre {id}",
                    self.state
                )));
            }
            Some(s) => s,
        };
        let params: LetterParams = serde_json::from_str(&self.params)
            .map_err(|e| corrupt(format!("paramètres de la lettre {id} : {e}")))?;
        let (proposal, fiche) = match (self.proposal_id, self.about_message) {
            (Some(pid), _) => {
                let proposal = live_revision(conn, pid)?;
                let fiche = fiche_message(conn, proposal.message_id)?;
                (Some(proposal), fiche)
            }
            (None, Some(m)) => (None, fiche_message(conn, m)?),
            (None, None) => {
                return Err(corrupt(format!("lettre {id} sans proposition ni message")));
            }
        };
        let [to, cc, subject, body] = self.sent;
        let sent = match (to, subject, body) {
            (Some(to), Some(subject), Some(body)) => Some(SentCopy {
                to,
                cc: cc.unwrap_or_default(),
                subject,
                body,
            }),
            _ => None,
        };
        Ok(LetterRecord {
            id,
            kind,
            state,
            proposal_id: self.proposal_id,
            chain: self.chain,
            params,
            message_id: self.message_id,
            approved_at: self.approved_at,
            approved_by: self.approved_by,
            edit: self.edit,
            edited_at: self.edited_at,
            edited_by: self.edited_by,
            attempts: self.attempts,
            next_attempt_at: self.next_attempt_at,
            last_error: self.last_error,
            sending_at: self.sending_at,
            sent_at: self.sent_at,
            response: self.response,
            sent,
            replaced_by: self.replaced_by,
            closed_by: self.closed_by,
            version: self.version,
            created_at: self.created_at,
            created_by: self.created_by,
            updated_at: self.updated_at,
            set_aside: self.set_aside_at.zip(self.set_aside_why),
            reviewed: {
                let [to, at, by] = self.reviewed;
                to.map(|to| Review {
                    to,
                    at: at.unwrap_or_default(),
                    by: by.unwrap_or_default(),
                })
            },
            proposal,
            fiche,
        })
    }
}

fn event(
    tx: &Transaction<'_>,
    at: &str,
    letter: i64,
    actor: &str,
    event: &str,
    detail: Option<serde_json::Value>,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO letter_events (letter_id, at, actor, event, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        letter,
        at,
        actor,
        event,
        detail.map(|d| d.to_string())
    ])?;
    Ok(())
}

fn settings(conn: &rusqlite::Connection) -> Result<OutboxSettings> {
    let row: Option<(bool, String)> = conn
        .prepare_cached("SELECT acknowledge, own_addresses FROM outbox_settings WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match row {
        None => OutboxSettings::default(),
        Some((acknowledge, own)) => OutboxSettings {
            acknowledge,
            own_addresses: serde_json::from_str(&own)
                .map_err(|e| corrupt(format!("outbox_settings.own_addresses : {e}")))?,
        },
    })
}

/// An unsent letter of `chain` taken out of the outbox by a change: one
/// staff edited is set aside "à revoir" (its text kept), others are
/// replaced. `replaced_by` is filled in once the new letter has its id.
/// Returns how it was retired (for an undo).
fn retire(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    id: i64,
    why: &str,
) -> Result<RetiredLetter> {
    let (state, edited): (String, bool) = tx
        .prepare_cached(
            "SELECT state, (edit_to IS NOT NULL OR edit_cc IS NOT NULL OR edit_subject IS NOT NULL
                            OR edit_body IS NOT NULL) FROM letters WHERE id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if edited {
        tx.prepare_cached(
            "UPDATE letters SET state = 'replaced', set_aside_at = ?2, set_aside_why = ?3,
                    version = version + 1, updated_at = ?2 WHERE id = ?1",
        )?
        .execute(params![id, at, why])?;
        event(tx, at, id, actor, "set_aside", Some(json!({ "why": why })))?;
    } else {
        tx.prepare_cached(
            "UPDATE letters SET state = 'replaced', version = version + 1, updated_at = ?2 WHERE id = ?1",
        )?
        .execute(params![id, at])?;
        event(tx, at, id, actor, "replaced", Some(json!({ "why": why })))?;
    }
    Ok(RetiredLetter {
        id,
        state,
        set_aside: edited,
    })
}

/// Marks the unsent letters of `chain` that a new letter replaces: the
/// acknowledgements, and with `decision_letters_too` the decision letters.
fn retire_unsent(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    chain: &str,
    decision_letters_too: bool,
    why: &str,
) -> Result<Vec<i64>> {
    let ids: Vec<i64> = tx
        .prepare_cached(
            "SELECT id FROM letters WHERE chain = ?1 AND state IN ('pending', 'failed')
               AND (kind = 'acknowledgement' OR ?2) ORDER BY id",
        )?
        .query_map(params![chain, decision_letters_too], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in &ids {
        retire(tx, at, actor, *id, why)?;
    }
    Ok(ids)
}

fn insert_letter(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    kind: LetterKind,
    p: &Proposal,
    params: &LetterParams,
    replaces: &[i64],
) -> Result<i64> {
    let params_json = serde_json::to_string(params).unwrap_or_else(|_| "{}".into());
    tx.prepare_cached(
        "INSERT INTO letters (kind, cancellation, proposal_id, chain, params, created_at, created_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6)",
    )?
    .execute(params![
        kind.db_name(),
        kind == LetterKind::Cancellation,
        p.id,
        chain_of(p),
        params_json,
        at,
        actor
    ])?;
    let id = tx.last_insert_rowid();
    for old in replaces {
        tx.prepare_cached("UPDATE letters SET replaced_by = ?2 WHERE id = ?1")?
            .execute(params![old, id])?;
    }
    event(
        tx,
        at,
        id,
        actor,
        "queued",
        Some(
            json!({"kind": kind.as_str(), "proposal": p.id, "params": params, "replaces": replaces}),
        ),
    )?;
    Ok(id)
}

/// In the ingest transaction: an acknowledgement per new live proposal of a
/// `fiche` message, when the settings ask for them. Returns the letter ids.
/// A fiche entered by hand by staff (`actor`) gets the same, by the same rule.
pub(super) fn queue_acknowledgements(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    sender: Option<&str>,
    proposals: &[i64],
) -> Result<Vec<i64>> {
    if proposals.is_empty() {
        return Ok(Vec::new());
    }
    let s = settings(tx)?;
    if !s.acknowledge || !may_acknowledge(sender, &s.own_addresses) {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for id in proposals {
        let p = load_proposal(tx, *id)?;
        if !p.is_live() {
            // An older fiche than the one already kept: nothing to acknowledge.
            continue;
        }
        // A new version of a proposal already decided (the decision carried
        // over to it) is not acknowledged: the acknowledgement promises a
        // decision to come, which would contradict the one taken. The
        // decision letter, written from the newest version, answers it — the
        // one still to send, or the one that went out (the proposal is
        // flagged "mise à jour après décision" for staff). Likewise while a
        // decision letter waits to be sent (it says more).
        if p.status != crate::domain::Status::Pending
            || !unsent_letters(tx, &chain_of(&p), true)?.is_empty()
        {
            continue;
        }
        let replaced = retire_unsent(tx, at, actor, &chain_of(&p), false, "nouvelle fiche reçue")?;
        out.push(insert_letter(
            tx,
            at,
            actor,
            LetterKind::Acknowledgement,
            &p,
            &LetterParams::default(),
            &replaced,
        )?);
    }
    Ok(out)
}

/// What the sender of `chain` was last told by a decision letter that went
/// (or may have gone) out.
/// What the sender was told, as the rule of the next letter reads it
/// (`decision_letter`): a cancellation that said "back on the waiting
/// list" told them they wait (a waiting-list letter would repeat it); one
/// that said "to decide again" or "withdrawn" left no decision in force
/// (the next decision is written, as if nothing had been told); one that
/// gave a refusal (or an older one, without its status) counts as a refusal.
fn for_rules(told: Option<Told>, status: Option<crate::domain::Status>) -> Option<Told> {
    use crate::domain::Status;
    let t = told?;
    if t.kind != LetterKind::Cancellation {
        return Some(t);
    }
    match status {
        Some(Status::Waitlisted) => Some(Told {
            kind: LetterKind::Waitlisted,
            slot: None,
            space: None,
        }),
        Some(Status::Pending | Status::Withdrawn) => None,
        _ => Some(t),
    }
}

/// `told`, as the rule of the next letter reads it (see `for_rules`).
fn told_for_rules(tx: &Transaction<'_>, chain: &str) -> Result<Option<Told>> {
    let status: Option<String> = tx
        .prepare_cached(
            "SELECT json_extract(params, '$.status') FROM letters
             WHERE chain = ?1 AND kind != 'acknowledgement' AND state IN ('sending', 'sent', 'uncertain')
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row([chain], |r| r.get(0))
        .optional()?
        .flatten();
    let status = status.as_deref().and_then(crate::domain::Status::parse);
    Ok(for_rules(told(tx, chain)?, status))
}

fn told(tx: &Transaction<'_>, chain: &str) -> Result<Option<Told>> {
    let row: Option<(String, bool, String)> = tx
        .prepare_cached(
            "SELECT kind, cancellation, params FROM letters
             WHERE chain = ?1 AND kind != 'acknowledgement' AND state IN ('sending', 'sent', 'uncertain')
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row([chain], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((kind, cancellation, params)) = row else {
        return Ok(None);
    };
    let kind = LetterKind::from_db(&kind, cancellation)
        .ok_or_else(|| corrupt(format!("type de lettre « {kind} »")))?;
    let params: LetterParams = serde_json::from_str(&params)
        .map_err(|e| corrupt(format!("paramètres de lettre : {e}")))?;
    Ok(Some(Told {
        kind,
        slot: params.slot,
        space: params.space,
    }))
}

/// How a change took a letter out of the outbox (recorded in the journal
/// line of the change, so that an undo can put it back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetiredLetter {
    pub id: i64,
    /// Its state before (`pending` or `failed`).
    pub state: String,
    /// Set aside "à revoir" (it was edited) rather than replaced.
    pub set_aside: bool,
}

/// What a change did to a proposal's letters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterChanges {
    /// The letter it queued (or, back to "to decide" before anything went
    /// out, the acknowledgement it put back in the outbox).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retired: Vec<RetiredLetter>,
    /// The new state calls for no letter: why (for staff).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub none: Option<String>,
}

impl LetterChanges {
    pub fn is_empty(&self) -> bool {
        self.queued.is_none() && self.retired.is_empty() && self.none.is_none()
    }
}

/// The parameters of the letter of kind `want` for the state `after`, given
/// what the sender was told.
fn params_for(after: &Proposal, want: LetterKind, told: Option<&Told>) -> LetterParams {
    let mut params = LetterParams {
        slot: after.slot.clone(),
        space: after.space.clone(),
        rank: None,
        reason: after.reason.clone().filter(|r| !r.trim().is_empty()),
        previous_slot: None,
        previous_space: None,
        status: None,
        files: Vec::new(),
    };
    if matches!(want, LetterKind::SlotChanged | LetterKind::Cancellation) {
        params.previous_slot = told.and_then(|t| t.slot.clone());
        params.previous_space = told.and_then(|t| t.space.clone());
    }
    if want == LetterKind::Cancellation {
        params.slot = None;
        params.space = None;
        params.status = Some(after.status);
    }
    params
}

/// The unsent (pending or refused) letters of a chain: decision letters
/// (`decisions`) or acknowledgements, with their kind and parameters.
fn unsent_letters(
    tx: &Transaction<'_>,
    chain: &str,
    decisions: bool,
) -> Result<Vec<(i64, LetterKind, LetterParams)>> {
    let rows: Vec<(i64, String, bool, String)> = tx
        .prepare_cached(
            "SELECT id, kind, cancellation, params FROM letters WHERE chain = ?1
               AND state IN ('pending', 'failed') AND (kind != 'acknowledgement') = ?2
             ORDER BY (edit_to IS NULL AND edit_cc IS NULL AND edit_subject IS NULL AND edit_body IS NULL), id",
        )?
        .query_map(params![chain, decisions], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(id, kind, cancel, params)| {
            let k = LetterKind::from_db(&kind, cancel)
                .ok_or_else(|| corrupt(format!("type « {kind} » de la lettre {id}")))?;
            let p: LetterParams = serde_json::from_str(&params)
                .map_err(|e| corrupt(format!("paramètres de la lettre {id} : {e}")))?;
            Ok((id, k, p))
        })
        .collect()
}

/// Back to "to decide" before any decision letter went out: the
/// acknowledgement, if one was queued and never went out, goes back to the
/// outbox (the sender must at least hear that the fiche arrived). Returns
/// its id.
fn restore_acknowledgement(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    chain: &str,
) -> Result<Option<i64>> {
    if !settings(tx)?.acknowledge {
        return Ok(None);
    }
    let went: i64 = tx.query_row(
        "SELECT count(*) FROM letters WHERE chain = ?1 AND kind = 'acknowledgement'
           AND state IN ('sending', 'sent', 'uncertain', 'pending', 'failed')",
        [chain],
        |r| r.get(0),
    )?;
    if went > 0 {
        return Ok(None);
    }
    let last: Option<i64> = tx
        .query_row(
            "SELECT id FROM letters WHERE chain = ?1 AND kind = 'acknowledgement' AND state = 'replaced'
             ORDER BY id DESC LIMIT 1",
            [chain],
            |r| r.get(0),
        )
        .optional()?;
    let Some(id) = last else {
        return Ok(None);
    };
    tx.prepare_cached(
        "UPDATE letters SET state = 'pending', set_aside_at = NULL, set_aside_why = NULL, replaced_by = NULL,
                version = version + 1, updated_at = ?2 WHERE id = ?1",
    )?
    .execute(params![id, at])?;
    event(
        tx,
        at,
        id,
        actor,
        "restored",
        Some(
            json!({"why": "remise « à décider » avant toute lettre de décision : l'accusé de réception repart"}),
        ),
    )?;
    Ok(Some(id))
}

/// In the transaction of a change of decision: makes the proposal's letters
/// follow the truth, so that the outbox always holds exactly the letter the
/// state calls for, or none with a reason:
/// - the letter the new state calls for, given what the sender was already
///   told (`letters::decision_letter`), is queued, unless the unsent one
///   already says it (same kind, same decision, nothing it states
///   contradicted: `letters::truth`);
/// - unsent decision letters that no longer say the truth leave the
///   outbox — set aside "à revoir" when staff had edited them, with why;
/// - an acknowledgement only goes out while the proposal is to decide and
///   no decision letter says more; back to "to decide" before any decision
///   letter went out, the acknowledgement that never went out is put back;
/// - no letter: `LetterChanges::none` says why (`letters::truth::no_letter_reason`).
pub(super) fn sync_decision_letter(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    after: &Proposal,
) -> Result<LetterChanges> {
    let chain = chain_of(after);
    let told_raw = told(tx, &chain)?;
    let told = told_for_rules(tx, &chain)?;
    let want = decision_letter(
        after.status,
        after.slot.as_deref(),
        after.space.as_deref(),
        told.as_ref(),
    );
    let params = want.map(|k| params_for(after, k, told.as_ref()));
    let now = current_of(after);
    let unsent = unsent_letters(tx, &chain, true)?;
    let says_it = |(_, k, p): &(i64, LetterKind, LetterParams)| {
        Some(*k) == want
            && params.as_ref().is_some_and(|x| x.same_decision(p))
            && contradiction(&p.stated(*k), &now).is_none()
    };
    // The one unsent letter kept: one that says it (staff's first, as
    // `unsent_letters` lists them); every other unsent one leaves.
    let keeper = if want.is_some() {
        unsent.iter().position(says_it)
    } else {
        None
    };
    let keep = keeper.is_some();
    let mut changes = LetterChanges::default();
    let mut replaced = Vec::new();
    let why = match (want, keep) {
        (_, true) => "une autre lettre dit déjà la décision".to_string(),
        (Some(_), false) => "décision changée : nouvelle lettre".to_string(),
        (None, _) => "décision changée : plus rien à annoncer".to_string(),
    };
    for (i, (id, k, p)) in unsent.iter().enumerate() {
        if Some(i) == keeper {
            continue;
        }
        let why = contradiction(&p.stated(*k), &now)
            .map(|c| format!("ne dit plus la vérité : {c}"))
            .unwrap_or_else(|| why.clone());
        changes.retired.push(retire(tx, at, actor, *id, &why)?);
        replaced.push(*id);
    }
    // Acknowledgements: only while to decide, and only while no decision
    // letter says more.
    let acks = unsent_letters(tx, &chain, false)?;
    let mut acks_left = acks.len();
    if want.is_some() || after.status != crate::domain::Status::Pending {
        let why = if want.is_some() {
            "une lettre de décision en dit plus"
        } else {
            "la proposition est décidée : un accusé de réception promettrait une décision à venir"
        };
        for (id, ..) in &acks {
            changes.retired.push(retire(tx, at, actor, *id, why)?);
            replaced.push(*id);
        }
        acks_left = 0;
    } else if acks.len() > 1 {
        // One acknowledgement at most: the newest (it answers the newest fiche).
        for (id, ..) in &acks[..acks.len() - 1] {
            changes.retired.push(retire(
                tx,
                at,
                actor,
                *id,
                "un accusé de réception plus récent le remplace",
            )?);
        }
        acks_left = 1;
    }
    match (want, params) {
        (Some(kind), Some(params)) => {
            if !keep {
                changes.queued = Some(insert_letter(
                    tx, at, actor, kind, after, &params, &replaced,
                )?);
            }
        }
        _ => {
            if after.status == crate::domain::Status::Pending
                && told_raw.is_none()
                && acks_left == 0
            {
                changes.queued = restore_acknowledgement(tx, at, actor, &chain)?;
            }
            if changes.queued.is_none() && acks_left == 0 {
                changes.none = Some(no_letter_reason(after.status, told_raw.as_ref()).to_string());
            }
        }
    }
    Ok(changes)
}

/// After the waiting lists changed: a waiting-list letter whose text staff
/// rewrote gives the rank of that moment; once the proposal's rank is no
/// longer that one, the letter is set aside "à revoir" (its text kept) and
/// the template letter, which states the rank of the moment it is sent,
/// takes its place. Returns the proposals whose letters changed.
pub(super) fn follow_ranks(tx: &Transaction<'_>, at: &str, actor: &str) -> Result<Vec<i64>> {
    let rows: Vec<(i64, String)> = tx
        .prepare_cached(
            "SELECT proposal_id, params FROM letters WHERE state IN ('pending', 'failed')
               AND kind = 'waitlisted' AND json_extract(params, '$.rank') IS NOT NULL ORDER BY id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for (proposal_id, params) in rows {
        let params: LetterParams = serde_json::from_str(&params)
            .map_err(|e| corrupt(format!("paramètres de lettre : {e}")))?;
        let p = live_revision(tx, proposal_id)?;
        if contradiction(&params.stated(LetterKind::Waitlisted), &current_of(&p)).is_some() {
            sync_decision_letter(tx, at, actor, &p)?;
            out.push(p.number);
        }
    }
    Ok(out)
}

/// In the transaction of an undo: puts a proposal's letters back as they
/// were before the change `undone` made, when nothing that change queued
/// has gone out (then the undo sends nothing); otherwise makes them follow
/// the truth like any change. Returns what it did.
pub(super) fn revert_letters(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    after: &Proposal,
    undone: &LetterChanges,
) -> Result<LetterChanges> {
    let went = match undone.queued {
        Some(q) => {
            let state: String =
                tx.query_row("SELECT state FROM letters WHERE id = ?1", [q], |r| r.get(0))?;
            !matches!(
                state.as_str(),
                "pending" | "failed" | "replaced" | "dropped"
            )
        }
        None => false,
    };
    if went {
        return sync_decision_letter(tx, at, actor, after);
    }
    let mut changes = LetterChanges::default();
    if let Some(q) = undone.queued {
        let state: String =
            tx.query_row("SELECT state FROM letters WHERE id = ?1", [q], |r| r.get(0))?;
        if matches!(state.as_str(), "pending" | "failed") {
            changes
                .retired
                .push(retire(tx, at, actor, q, "décision annulée avant l'envoi")?);
        }
    }
    for r in &undone.retired {
        // Back only if still out of the outbox and its place there is free.
        let row: Option<(String, String, String)> = tx
            .prepare_cached("SELECT state, chain, kind FROM letters WHERE id = ?1")?
            .query_row([r.id], |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?)))
            .optional()?;
        let Some((state, chain, kind)) = row else {
            continue;
        };
        if state != "replaced" {
            continue;
        }
        let busy: i64 = tx.query_row(
            "SELECT count(*) FROM letters WHERE chain = ?1 AND state IN ('pending', 'failed')
               AND (kind = 'acknowledgement') = (?2 = 'acknowledgement')",
            params![chain, kind],
            |x| x.get(0),
        )?;
        if busy > 0 {
            continue;
        }
        tx.prepare_cached(
            "UPDATE letters SET state = ?2, set_aside_at = NULL, set_aside_why = NULL, replaced_by = NULL,
                    version = version + 1, updated_at = ?3 WHERE id = ?1",
        )?
        .execute(params![r.id, r.state, at])?;
        event(
            tx,
            at,
            r.id,
            actor,
            "restored",
            Some(json!({"why": "décision annulée"})),
        )?;
    }
    // Letters queued since by other changes (a rank that moved under an
    // edited letter…) follow the truth too.
    let more = sync_decision_letter(tx, at, actor, after)?;
    changes.retired.extend(more.retired);
    if more.queued.is_some() {
        changes.queued = more.queued;
    }
    changes.none = more.none;
    Ok(changes)
}

/// Whether a letter set aside says the decision `truth` is: the same
/// decision — for a cancellation, the same acceptance cancelled, whatever
/// its reason (refused, then withdrawn: still that cancellation; the
/// reason is brought up to date when it is taken back).
fn same_for_take_back(kind: LetterKind, truth: &LetterParams, letter: &LetterParams) -> bool {
    if kind == LetterKind::Cancellation {
        return (&truth.previous_slot, &truth.previous_space)
            == (&letter.previous_slot, &letter.previous_space);
    }
    truth.same_decision(letter)
}

/// Why a letter set aside "à revoir" cannot come back as it is: it must be
/// exactly the letter the proposal's state calls for now (its kind, its
/// decision, nothing it states contradicted), else taking it back would
/// send a false letter in place of the true one. With what to do instead.
fn why_not_taken_back(
    tx: &Transaction<'_>,
    live: &Proposal,
    kind: LetterKind,
    params: &LetterParams,
) -> Result<Option<String>> {
    let chain = chain_of(live);
    let told = told_for_rules(tx, &chain)?;
    let want = decision_letter(
        live.status,
        live.slot.as_deref(),
        live.space.as_deref(),
        told.as_ref(),
    );
    let now = current_of(live);
    let problem = match kind {
        LetterKind::Acknowledgement => match want {
            Some(w) => Some(format!(
                "une lettre « {} » en dit plus sur la proposition",
                w.label_fr()
            )),
            None => contradiction(&params.stated(kind), &now),
        },
        _ => contradiction(&params.stated(kind), &now).or_else(|| match want {
            Some(w) if w != kind => Some(format!(
                "la décision appelle une lettre « {} », pas « {} »",
                w.label_fr(),
                kind.label_fr()
            )),
            Some(w) if !same_for_take_back(w, &params_for(live, w, told.as_ref()), params) => {
                Some("la lettre ne dit plus la décision en cours".to_string())
            }
            Some(_) => None,
            None => Some(format!(
                "la décision n'appelle aucune lettre ({})",
                no_letter_reason(live.status, told.as_ref())
            )),
        }),
    };
    let Some(problem) = problem else {
        return Ok(None);
    };
    let current = unsent_letters(tx, &chain, kind.is_decision())?;
    let next = match current.first() {
        Some((cid, ck, _)) => format!(
            "reprendre le texte voulu dans la lettre n° {cid} ({}) à envoyer, ou supprimer celle-ci",
            ck.label_fr()
        ),
        None => "la supprimer (son texte reste lisible dans l'historique)".to_string(),
    };
    Ok(Some(format!(
        "proposition n° {} : {problem} ; {next}",
        live.number
    )))
}

/// Changes a letter's state from one of `from`, checking the version when
/// given. Returns the letter as it was.
fn check_letter(
    tx: &Transaction<'_>,
    id: i64,
    expected_version: Option<i64>,
    from: &[LetterState],
    action: &str,
) -> Result<(LetterState, i64)> {
    let row: Option<(String, i64, bool)> = tx
        .prepare_cached(
            "SELECT state, version, set_aside_at IS NOT NULL FROM letters WHERE id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((state, version, set_aside)) = row else {
        return Err(StoreError::LetterNotFound(id));
    };
    let state = match LetterState::parse(&state) {
        Some(LetterState::Replaced) if set_aside => LetterState::Review,
        Some(s) => s,
        None => return Err(corrupt(format!("état « {state} » de la lettre {id}"))),
    };
    if let Some(expected) = expected_version
        && expected != version
    {
        return Err(StoreError::StaleLetter {
            id,
            expected,
            actual: version,
        });
    }
    if !from.contains(&state) {
        return Err(StoreError::LetterState {
            id,
            state: state.label_fr(),
            action: action.to_string(),
        });
    }
    Ok((state, version))
}

impl Store {
    /// The acknowledgement settings the intake follows.
    pub fn outbox_settings(&self) -> Result<OutboxSettings> {
        settings(&self.conn)
    }

    /// Records the acknowledgement settings of `config.toml` (only when they
    /// changed: no write otherwise). Returns whether they changed.
    pub fn set_outbox_settings(&mut self, s: &OutboxSettings) -> Result<bool> {
        let mut own: Vec<String> = s.own_addresses.iter().map(|a| a.to_lowercase()).collect();
        own.sort();
        own.dedup();
        let wanted = OutboxSettings {
            acknowledge: s.acknowledge,
            own_addresses: own,
        };
        let exists: bool = self.conn.query_row(
            "SELECT count(*) FROM outbox_settings WHERE id = 1",
            [],
            |r| r.get(0),
        )?;
        if exists && settings(&self.conn)? == wanted {
            return Ok(false);
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO outbox_settings (id, acknowledge, own_addresses, updated_at) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET acknowledge = excluded.acknowledge,
               own_addresses = excluded.own_addresses, updated_at = excluded.updated_at",
            params![
                wanted.acknowledge,
                serde_json::to_string(&wanted.own_addresses).unwrap_or_else(|_| "[]".into()),
                now()
            ],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Letters in id order.
    pub fn letters(&self, filter: &LetterFilter) -> Result<Vec<LetterRecord>> {
        let chain = match filter.proposal {
            Some(p) => Some(chain_of(&load_proposal(&self.conn, p)?)),
            None => None,
        };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {LETTER_COLUMNS} FROM letters WHERE (?1 IS NULL OR chain = ?1) ORDER BY id"
        ))?;
        let raws: Vec<RawLetter> = stmt
            .query_map([chain], raw_letter)?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for raw in raws {
            if let Some(ids) = &filter.ids
                && !ids.contains(&raw.id)
            {
                continue;
            }
            let state = match LetterState::parse(&raw.state) {
                Some(LetterState::Replaced) if raw.set_aside_at.is_some() => {
                    Some(LetterState::Review)
                }
                s => s,
            };
            if !filter.states.is_empty() && !state.is_some_and(|s| filter.states.contains(&s)) {
                continue;
            }
            out.push(raw.into_record(&self.conn)?);
        }
        Ok(out)
    }

    /// One letter.
    pub fn letter(&self, id: i64) -> Result<LetterRecord> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {LETTER_COLUMNS} FROM letters WHERE id = ?1"
            ))?
            .query_row([id], raw_letter)
            .optional()?
            .ok_or(StoreError::LetterNotFound(id))?
            .into_record(&self.conn)
    }

    /// The history of a letter, oldest first.
    pub fn letter_events(&self, id: i64) -> Result<Vec<LetterEvent>> {
        let mut stmt = self.conn.prepare(
            "SELECT at, actor, event, detail FROM letter_events WHERE letter_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([id], |r| {
            let detail: Option<String> = r.get(3)?;
            Ok(LetterEvent {
                at: r.get(0)?,
                actor: r.get(1)?,
                event: r.get(2)?,
                detail: detail.and_then(|d| serde_json::from_str(&d).ok()),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The bytes handed to the server for a letter, once it was claimed.
    pub fn letter_bytes(&self, id: i64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row(
                "SELECT bytes FROM letter_raw WHERE letter_id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Number of letters in each state.
    pub fn letter_counts(&self) -> Result<Vec<(LetterState, u64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT CASE WHEN state = 'replaced' AND set_aside_at IS NOT NULL THEN 'review' ELSE state END,
                    count(*) FROM letters GROUP BY 1",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let s: String = r.get(0)?;
            let n: i64 = r.get(1)?;
            let state =
                LetterState::parse(&s).ok_or_else(|| corrupt(format!("état de lettre « {s} »")))?;
            out.push((state, n as u64));
        }
        out.sort();
        Ok(out)
    }

    /// Staff's version of an unsent letter (`LetterEdit::default()` goes back
    /// to the template). The approval is withdrawn: the edited letter must be
    /// reviewed and sent again. A refused letter goes back to the outbox.
    pub fn edit_letter(
        &mut self,
        id: i64,
        expected_version: i64,
        edit: &LetterEdit,
        actor: &str,
    ) -> Result<LetterRecord> {
        self.edit_letter_as_shown(id, expected_version, edit, None, actor)
    }

    /// `edit_letter`, for a text staff rewrote from the letter as it was
    /// shown to them: `shown_rank` is the waiting-list rank that text gave
    /// (`None`: the rank now). A waiting-list letter whose text staff
    /// rewrote keeps that rank as what it states (`LetterParams::rank`):
    /// once the proposal's rank is another, it is set aside "à revoir"
    /// rather than sent (see `follow_ranks`) — at once if it already was
    /// when the edit was saved.
    pub fn edit_letter_as_shown(
        &mut self,
        id: i64,
        expected_version: i64,
        edit: &LetterEdit,
        shown_rank: Option<i64>,
        actor: &str,
    ) -> Result<LetterRecord> {
        let at = now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        check_letter(
            &tx,
            id,
            Some(expected_version),
            &[LetterState::Pending, LetterState::Failed],
            "modifier",
        )?;
        let (kind, cancellation, proposal_id, params): (String, bool, Option<i64>, String) = tx
            .query_row(
                "SELECT kind, cancellation, proposal_id, params FROM letters WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
        let kind = LetterKind::from_db(&kind, cancellation)
            .ok_or_else(|| corrupt(format!("type « {kind} » de la lettre {id}")))?;
        let mut params: LetterParams = serde_json::from_str(&params)
            .map_err(|e| corrupt(format!("paramètres de la lettre {id} : {e}")))?;
        // A demande de .docx has no proposal (and no rank).
        let live = match proposal_id {
            Some(pid) => Some(live_revision(&tx, pid)?),
            None => None,
        };
        let live_rank = live.as_ref().and_then(|p| p.rank);
        let text_edited = edit.body.is_some() || edit.subject.is_some();
        params.rank = (kind == LetterKind::Waitlisted && text_edited)
            .then(|| shown_rank.or(live_rank))
            .flatten();
        tx.execute(
            "UPDATE letters SET edit_to = ?2, edit_cc = ?3, edit_subject = ?4, edit_body = ?5,
                    edited_at = ?6, edited_by = ?7, approved_at = NULL, approved_by = NULL,
                    state = 'pending', next_attempt_at = NULL, params = ?8,
                    version = version + 1, updated_at = ?6 WHERE id = ?1",
            params![
                id,
                edit.to,
                edit.cc,
                edit.subject,
                edit.body,
                at,
                actor,
                serde_json::to_string(&params).unwrap_or_else(|_| "{}".into())
            ],
        )?;
        event(&tx, &at, id, actor, "edited", Some(json!(edit)))?;
        if let Some(live) = &live
            && contradiction(&params.stated(kind), &current_of(live)).is_some()
        {
            // The proposal changed while staff were writing: the text is
            // kept, set aside, and the letter of the moment takes its place.
            sync_decision_letter(&tx, &at, actor, live)?;
        }
        tx.commit()?;
        self.letter(id)
    }

    /// Staff confirm the recipient of a letter held for review (`to`, as
    /// the letter shows it): the letter may go to exactly that recipient.
    pub fn confirm_recipient(
        &mut self,
        id: i64,
        expected_version: i64,
        to: &str,
        actor: &str,
    ) -> Result<LetterRecord> {
        let at = now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        check_letter(
            &tx,
            id,
            Some(expected_version),
            &[LetterState::Pending, LetterState::Failed],
            "valider le destinataire",
        )?;
        tx.execute(
            "UPDATE letters SET reviewed_to = ?2, reviewed_at = ?3, reviewed_by = ?4,
                    version = version + 1, updated_at = ?3 WHERE id = ?1",
            params![id, to, at, actor],
        )?;
        event(
            &tx,
            &at,
            id,
            actor,
            "recipient_confirmed",
            Some(json!({ "to": to })),
        )?;
        tx.commit()?;
        self.letter(id)
    }

    /// Sets (or, with `None`, removes) the article of the organisation's
    /// name in the letters of proposal `number`; journaled on its current
    /// revision. Returns that revision.
    pub fn set_article(
        &mut self,
        number: i64,
        article: Option<crate::domain::french::Article>,
        actor: &str,
    ) -> Result<Proposal> {
        let at = now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let p = super::programme::live_by_number(&tx, number)?;
        let before: Option<String> = tx
            .query_row(
                "SELECT article FROM proposal_articles WHERE number = ?1",
                [number],
                |r| r.get(0),
            )
            .optional()?;
        match article {
            Some(a) => tx.execute(
                "INSERT INTO proposal_articles (number, article, set_at, set_by) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (number) DO UPDATE SET article = excluded.article,
                   set_at = excluded.set_at, set_by = excluded.set_by",
                params![number, a.as_str(), at, actor],
            )?,
            None => tx.execute("DELETE FROM proposal_articles WHERE number = ?1", [number])?,
        };
        super::ingest::journal(
            &tx,
            &at,
            super::ingest::Line {
                actor,
                action: "article",
                message_id: None,
                proposal_id: Some(p.id),
                before: Some(json!({ "article": before })),
                after: Some(json!({ "article": article.map(|a| a.as_str()) })),
            },
        )?;
        tx.commit()?;
        load_proposal(&self.conn, p.id)
    }

    /// Drops an unsent letter (it stays in the history as `dropped`).
    /// Queues a demande de .docx to the sender of `message` (a message
    /// whose fiche could not be read), naming its attachments and why each
    /// could not be read. Once per message: asked again, it says which
    /// letter already asks (unless staff dropped it).
    pub fn queue_docx_request(&mut self, message: i64, actor: &str) -> Result<DocxRequest> {
        let at = now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        fiche_message(&tx, message)?;
        let already: Option<(i64, String, Option<String>)> = tx
            .prepare_cached(
                "SELECT id, state, set_aside_at FROM letters
                  WHERE kind = 'docx_request' AND about_message = ?1 AND state <> 'dropped'",
            )?
            .query_row([message], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        if let Some((id, state, _)) = already {
            let state = LetterState::parse(&state)
                .ok_or_else(|| corrupt(format!("état « {state} » de la lettre {id}")))?;
            return Ok(DocxRequest::Already(id, state));
        }
        let files: Vec<UnreadFile> = tx
            .prepare_cached(
                "SELECT filename, format, outcome FROM attachments
                  WHERE message_id = ?1 AND outcome NOT IN ('fiche', 'ignored') ORDER BY position",
            )?
            .query_map([message], |r| {
                let name: Option<String> = r.get(0)?;
                let format: Option<String> = r.get(1)?;
                let outcome: String = r.get(2)?;
                Ok(UnreadFile {
                    name: name.unwrap_or_else(|| "pièce jointe sans nom".into()),
                    why: crate::domain::unreadable_why(&outcome, format.as_deref()),
                })
            })?
            .collect::<Result<_, _>>()?;
        let params = LetterParams {
            files,
            ..LetterParams::default()
        };
        let params_json = serde_json::to_string(&params).unwrap_or_else(|_| "{}".into());
        tx.prepare_cached(
            "INSERT INTO letters (kind, proposal_id, about_message, chain, params, created_at, created_by, updated_at)
             VALUES ('docx_request', NULL, ?1, ?2, ?3, ?4, ?5, ?4)",
        )?
        .execute(params![
            message,
            format!("message:{message}"),
            params_json,
            at,
            actor
        ])?;
        let id = tx.last_insert_rowid();
        event(
            &tx,
            &at,
            id,
            actor,
            "queued",
            Some(
                json!({"kind": LetterKind::DocxRequest.as_str(), "message": message, "params": params}),
            ),
        )?;
        // In the journal too: other consoles see the message's demande.
        super::ingest::journal(
            &tx,
            &at,
            super::ingest::Line {
                actor,
                action: "docx_requested",
                message_id: Some(message),
                proposal_id: None,
                before: None,
                after: Some(json!({ "letter": id })),
            },
        )?;
        tx.commit()?;
        Ok(DocxRequest::Queued(id))
    }

    pub fn drop_letter(&mut self, id: i64, expected_version: i64, actor: &str) -> Result<()> {
        let at = now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        check_letter(
            &tx,
            id,
            Some(expected_version),
            &[
                LetterState::Pending,
                LetterState::Failed,
                LetterState::Review,
            ],
            "supprimer",
        )?;
        tx.execute(
            "UPDATE letters SET state = 'dropped', closed_by = ?3, version = version + 1, updated_at = ?2
             WHERE id = ?1",
            params![id, at, actor],
        )?;
        event(&tx, &at, id, actor, "dropped", None)?;
        tx.commit()?;
        Ok(())
    }

    /// Takes back a letter set aside "à revoir" (staff judged their text
    /// still right, or will edit it): it becomes the proposal's letter to
    /// send again, not approved; the letter that took its place leaves the
    /// outbox (set aside in its turn if it was edited).
    pub fn take_back_letter(&mut self, id: i64, expected_version: i64, actor: &str) -> Result<()> {
        let at = now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        check_letter(
            &tx,
            id,
            Some(expected_version),
            &[LetterState::Review],
            "reprendre",
        )?;
        let (chain, kind, cancellation, proposal_id, params): (
            String,
            String,
            bool,
            Option<i64>,
            String,
        ) = tx.query_row(
            "SELECT chain, kind, cancellation, proposal_id, params FROM letters WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        let letter_kind = LetterKind::from_db(&kind, cancellation)
            .ok_or_else(|| corrupt(format!("type « {kind} » de la lettre {id}")))?;
        let params: LetterParams = serde_json::from_str(&params)
            .map_err(|e| corrupt(format!("paramètres de la lettre {id} : {e}")))?;
        // Only a letter about a proposal is ever set aside "à revoir".
        let Some(proposal_id) = proposal_id else {
            return Err(corrupt(format!("lettre {id} à revoir sans proposition")));
        };
        let live = live_revision(&tx, proposal_id)?;
        if let Some(why) = why_not_taken_back(&tx, &live, letter_kind, &params)? {
            return Err(StoreError::LetterUntrue {
                id,
                kind: letter_kind.label_fr(),
                why,
            });
        }
        if letter_kind == LetterKind::Cancellation {
            // Its reason is the one of the moment (refused, withdrawn…).
            let told = told_for_rules(&tx, &chain)?;
            let now = LetterParams {
                rank: params.rank,
                ..params_for(&live, letter_kind, told.as_ref())
            };
            tx.execute(
                "UPDATE letters SET params = ?2 WHERE id = ?1",
                params![
                    id,
                    serde_json::to_string(&now).unwrap_or_else(|_| "{}".into())
                ],
            )?;
        }
        let current: Vec<i64> = tx
            .prepare(
                "SELECT id FROM letters WHERE chain = ?1 AND state IN ('pending', 'failed')
                   AND (kind = 'acknowledgement') = (?2 = 'acknowledgement')",
            )?
            .query_map(params![chain, kind], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for other in current {
            retire(&tx, &at, actor, other, "lettre modifiée reprise à sa place")?;
            tx.execute(
                "UPDATE letters SET replaced_by = ?2 WHERE id = ?1",
                params![other, id],
            )?;
        }
        tx.execute(
            "UPDATE letters SET state = 'pending', set_aside_at = NULL, set_aside_why = NULL,
                    replaced_by = NULL, approved_at = NULL, approved_by = NULL, next_attempt_at = NULL,
                    version = version + 1, updated_at = ?2 WHERE id = ?1",
            params![id, at],
        )?;
        event(&tx, &at, id, actor, "taken_back", None)?;
        tx.commit()?;
        Ok(())
    }

    /// Staff say "send": marks pending letters as approved.
    pub fn approve_letters(&mut self, which: Approve<'_>, actor: &str) -> Result<Approved> {
        let at = now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = Approved::default();
        let candidates: Vec<(i64, Option<i64>)> = match which {
            Approve::All | Approve::Acknowledgements => {
                let acks_only = matches!(which, Approve::Acknowledgements);
                tx.prepare(
                    "SELECT id FROM letters WHERE state = 'pending' AND approved_at IS NULL
                       AND (?1 = 0 OR kind = 'acknowledgement') ORDER BY id",
                )?
                .query_map([acks_only], |r| Ok((r.get(0)?, None)))?
                .collect::<Result<_, _>>()?
            }
            Approve::These(ids) => ids.to_vec(),
        };
        for (id, version) in candidates {
            match check_letter(&tx, id, version, &[LetterState::Pending], "envoyer") {
                Ok(_) => {}
                Err(
                    e @ (StoreError::StaleLetter { .. }
                    | StoreError::LetterState { .. }
                    | StoreError::LetterNotFound(_)),
                ) => {
                    out.refused.push((id, e.to_string()));
                    continue;
                }
                Err(e) => return Err(e),
            }
            let changed = tx.execute(
                "UPDATE letters SET approved_at = ?2, approved_by = ?3, version = version + 1, updated_at = ?2
                 WHERE id = ?1 AND approved_at IS NULL",
                params![id, at, actor],
            )?;
            if changed == 1 {
                event(&tx, &at, id, actor, "approved", None)?;
            }
            out.approved.push(id);
        }
        tx.commit()?;
        Ok(out)
    }

    /// Approved pending letters whose time has come (all of them with
    /// `ignore_backoff`), in id order; and those still waiting, with when.
    pub fn due_letters(&self, now_utc: &str, ignore_backoff: bool) -> Result<DueLetters> {
        let mut stmt = self.conn.prepare(
            "SELECT id, next_attempt_at FROM letters WHERE state = 'pending' AND approved_at IS NOT NULL
             ORDER BY id",
        )?;
        let rows: Vec<(i64, Option<String>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(DueLetters::split(rows, now_utc, ignore_backoff))
    }

    /// At the start of a send run (the sender holds the lock, so no other
    /// one is running): letters left in `sending` by a sender that died are
    /// marked `uncertain`. Returns their ids.
    pub fn recover_sending(&mut self) -> Result<Vec<i64>> {
        let at = now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ids: Vec<i64> = tx
            .prepare("SELECT id FROM letters WHERE state = 'sending' ORDER BY id")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let why = "l'envoi a été interrompu pendant l'échange avec le serveur : la lettre est peut-être partie ; vérifier (boîte d'envoi, destinataire) puis la déclarer envoyée ou à renvoyer";
        for id in &ids {
            tx.execute(
                "UPDATE letters SET state = 'uncertain', last_error = ?3, version = version + 1, updated_at = ?2
                 WHERE id = ?1",
                params![id, at, why],
            )?;
            event(
                &tx,
                &at,
                *id,
                "fiches send",
                "uncertain",
                Some(json!({"why": why})),
            )?;
        }
        tx.commit()?;
        Ok(ids)
    }

    /// Records, before the SMTP transaction, that a letter is being sent and
    /// exactly what goes. `false` when it is no longer an approved pending
    /// letter (edited, dropped or replaced meanwhile): then it is not sent.
    ///
    /// The commit reaches the disk before this returns (`synchronous =
    /// FULL` for it): the `sending` mark must outlive even a power cut, or
    /// the letter could be sent twice. (The outcome recorded after the
    /// transaction is committed normally: losing it leaves the letter
    /// `sending`, hence `uncertain`, never resent.)
    pub fn claim_letter(&mut self, id: i64, claim: &Claim<'_>) -> Result<bool> {
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        let r = self.claim_letter_inner(id, claim);
        let restored = self.conn.pragma_update(None, "synchronous", "NORMAL");
        let claimed = r?;
        restored?;
        Ok(claimed)
    }

    fn claim_letter_inner(&mut self, id: i64, claim: &Claim<'_>) -> Result<bool> {
        let at = now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE letters SET state = 'sending', message_id = coalesce(message_id, ?2),
                    attempts = attempts + 1, sending_at = ?3, sent_to = ?4, sent_cc = ?5,
                    sent_subject = ?6, sent_body = ?7, version = version + 1, updated_at = ?3
             WHERE id = ?1 AND state = 'pending' AND approved_at IS NOT NULL",
            params![
                id,
                claim.message_id,
                at,
                claim.to,
                claim.cc,
                claim.subject,
                claim.body
            ],
        )?;
        if changed != 1 {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO letter_raw (letter_id, bytes) VALUES (?1, ?2)
             ON CONFLICT (letter_id) DO UPDATE SET bytes = excluded.bytes",
            params![id, claim.bytes],
        )?;
        event(
            &tx,
            &at,
            id,
            "fiches send",
            "sending",
            Some(json!({"message_id": claim.message_id, "to": claim.to, "cc": claim.cc})),
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// The server took the letter. `note`: recipients it refused, if any.
    pub fn letter_sent(&mut self, id: i64, response: &str, note: Option<&str>) -> Result<()> {
        self.finish(
            id,
            "sent",
            "UPDATE letters SET state = 'sent', sent_at = ?2, response = ?3, last_error = ?4,
                    next_attempt_at = NULL, version = version + 1, updated_at = ?2
             WHERE id = ?1 AND state = 'sending'",
            response,
            note,
        )
    }

    /// The server refused the letter, or the transaction failed before the
    /// letter was handed over: with `retry_at`, back to the outbox (still
    /// approved) for another try then; without, `failed` for staff.
    pub fn letter_not_sent(&mut self, id: i64, error: &str, retry_at: Option<&str>) -> Result<()> {
        match retry_at {
            Some(when) => self.finish(
                id,
                "retry",
                "UPDATE letters SET state = 'pending', last_error = ?3, next_attempt_at = ?4,
                        version = version + 1, updated_at = ?2
                 WHERE id = ?1 AND state = 'sending'",
                error,
                Some(when),
            ),
            None => self.finish(
                id,
                "failed",
                "UPDATE letters SET state = 'failed', last_error = ?3, next_attempt_at = ?4,
                        version = version + 1, updated_at = ?2
                 WHERE id = ?1 AND state = 'sending'",
                error,
                None,
            ),
        }
    }

    /// The connection broke after the letter was handed over, before the
    /// server's answer: it may have gone.
    pub fn letter_uncertain(&mut self, id: i64, error: &str) -> Result<()> {
        self.finish(
            id,
            "uncertain",
            "UPDATE letters SET state = 'uncertain', last_error = ?3, next_attempt_at = ?4,
                    version = version + 1, updated_at = ?2
             WHERE id = ?1 AND state = 'sending'",
            error,
            None,
        )
    }

    /// The server could not be reached: an approved letter waits for
    /// `retry_at` (the attempt is counted, for the backoff).
    pub fn letter_postponed(&mut self, id: i64, error: &str, retry_at: &str) -> Result<()> {
        let at = now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE letters SET attempts = attempts + 1, last_error = ?3, next_attempt_at = ?4,
                    version = version + 1, updated_at = ?2
             WHERE id = ?1 AND state = 'pending'",
            params![id, at, error, retry_at],
        )?;
        if changed == 1 {
            event(
                &tx,
                &at,
                id,
                "fiches send",
                "postponed",
                Some(json!({"error": error, "retry_at": retry_at})),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn finish(
        &mut self,
        id: i64,
        what: &str,
        sql: &str,
        text: &str,
        extra: Option<&str>,
    ) -> Result<()> {
        let at = now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(sql, params![id, at, text, extra])?;
        if changed != 1 {
            return Err(StoreError::LetterState {
                id,
                state: "pas en cours d'envoi",
                action: format!("enregistrer l'issue de l'envoi ({what})"),
            });
        }
        event(
            &tx,
            &at,
            id,
            "fiches send",
            what,
            Some(json!({"text": text, "extra": extra})),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Staff settle an uncertain letter.
    pub fn resolve_letter(
        &mut self,
        id: i64,
        expected_version: i64,
        resolution: Resolution,
        actor: &str,
    ) -> Result<()> {
        let at = now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        check_letter(
            &tx,
            id,
            Some(expected_version),
            &[LetterState::Uncertain],
            "régler",
        )?;
        match resolution {
            Resolution::Sent => tx.execute(
                "UPDATE letters SET state = 'sent', sent_at = coalesce(sent_at, sending_at),
                        response = coalesce(response, ?3), closed_by = ?4,
                        version = version + 1, updated_at = ?2 WHERE id = ?1",
                params![id, at, format!("arrivée selon {actor}"), actor],
            )?,
            Resolution::Resend => {
                // The unsent-letter slot of its chain may be taken by a newer
                // letter: then that one says more, and this one is replaced.
                let (chain, kind): (String, String) =
                    tx.query_row("SELECT chain, kind FROM letters WHERE id = ?1", [id], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })?;
                let newer: Option<i64> = tx
                    .query_row(
                        "SELECT id FROM letters WHERE chain = ?1 AND state IN ('pending', 'failed')
                           AND (kind = 'acknowledgement') = (?2 = 'acknowledgement')",
                        params![chain, kind],
                        |r| r.get(0),
                    )
                    .optional()?;
                match newer {
                    Some(n) => tx.execute(
                        "UPDATE letters SET state = 'replaced', replaced_by = ?3, closed_by = ?4,
                                version = version + 1, updated_at = ?2 WHERE id = ?1",
                        params![id, at, n, actor],
                    )?,
                    None => tx.execute(
                        "UPDATE letters SET state = 'pending', approved_at = NULL, approved_by = NULL,
                                next_attempt_at = NULL, closed_by = ?3,
                                version = version + 1, updated_at = ?2 WHERE id = ?1",
                        params![id, at, actor],
                    )?,
                }
            }
        };
        let what = match resolution {
            Resolution::Sent => "settled_sent",
            Resolution::Resend => "settled_resend",
        };
        event(&tx, &at, id, actor, what, None)?;
        tx.commit()?;
        Ok(())
    }

    /// A letter refused by the server, or waiting for its next try, goes
    /// back to the outbox now (to be approved again if it had failed).
    pub fn retry_letter(&mut self, id: i64, expected_version: i64, actor: &str) -> Result<()> {
        let at = now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (state, _) = check_letter(
            &tx,
            id,
            Some(expected_version),
            &[LetterState::Failed, LetterState::Pending],
            "réessayer",
        )?;
        if state == LetterState::Failed {
            tx.execute(
                "UPDATE letters SET state = 'pending', approved_at = NULL, approved_by = NULL,
                        next_attempt_at = NULL, version = version + 1, updated_at = ?2 WHERE id = ?1",
                params![id, at],
            )?;
        } else {
            tx.execute(
                "UPDATE letters SET next_attempt_at = NULL, version = version + 1, updated_at = ?2
                 WHERE id = ?1",
                params![id, at],
            )?;
        }
        event(&tx, &at, id, actor, "retry", None)?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
