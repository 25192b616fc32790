//! What a letter is, as stored and as read back: its state, its parameters,
//! staff's edit, its record with the proposal and fiche it answers, its
//! history; the acknowledgement settings; the readers (`Store::letters`,
//! `Store::letter`, `Store::letter_events`, `Store::letter_counts`…).

use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::domain::LetterKind;

use super::send::LETTERS;
use crate::domain::letters::truth::{Current, Stated, contradiction};
use crate::store::queries::load_proposal;
use crate::store::{Proposal, Result, Store, StoreError, now};

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
    pub(super) fn same_decision(&self, other: &LetterParams) -> bool {
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

/// The settings of the intake's acknowledgements (from `config.toml`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxSettings {
    pub acknowledge: bool,
    /// Our own addresses (From, Reply-To), never acknowledged.
    pub own_addresses: Vec<String>,
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

pub(super) fn corrupt(what: String) -> StoreError {
    StoreError::Corrupt(what)
}

/// The chain a proposal's letters are grouped by.
pub(super) fn chain_of(p: &Proposal) -> String {
    p.chain_key.clone().unwrap_or_else(|| format!("#{}", p.id))
}

/// The current revision of a proposal.
pub(super) fn live_revision(conn: &rusqlite::Connection, id: i64) -> Result<Proposal> {
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

pub(super) fn fiche_message(conn: &rusqlite::Connection, id: i64) -> Result<FicheMessage> {
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

/// One line of a letter's history (see `Sendable::event`).
pub(super) fn event(
    tx: &Transaction<'_>,
    at: &str,
    letter: i64,
    actor: &str,
    event: &str,
    detail: Option<serde_json::Value>,
) -> Result<()> {
    LETTERS.event(tx, at, letter, actor, event, detail)
}

pub(super) fn settings(conn: &rusqlite::Connection) -> Result<OutboxSettings> {
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
        let tx = self.write_tx()?;
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
}
