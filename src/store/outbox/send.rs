//! The send machine: one set of state transitions (and their SQL) for
//! everything sent at most once — the letters (`letters`) and the partners'
//! e-mails (`partner_mails`, see `store::partners`):
//!
//! ```text
//! pending ──approve──▶ pending+approved ──claim──▶ sending ──▶ sent
//!    ▲                      │  ▲                      │ ├───▶ failed ──retry──▶ pending
//!    │                  postpone (attempt counted)    │ ├───▶ pending+approved (retry at)
//!    │                                                │ └───▶ uncertain
//!    └──────── settle "resend" ◀── uncertain ◀── recover (sender died while sending)
//!                                      └──── settle "sent" ──▶ sent
//! ```
//!
//! The claim (`sending`, with exactly what goes) reaches the disk before the
//! SMTP transaction; a sender that finds an item still `sending` marks it
//! `uncertain`; staff settle it. Nothing is ever resent silently.

use rusqlite::types::FromSql;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde_json::json;

use crate::store::{Result, Store, StoreError, now};

use super::records::LetterState;

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
    pub(in crate::store) fn split(
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

/// A table of things sent at most once, and its companion tables: what
/// the send machine needs to know to run on it. The names are constants of
/// the code (never input), put into the SQL text; values are always bound.
pub(in crate::store) struct Sendable {
    /// The table (`letters`, `partner_mails`).
    pub table: &'static str,
    /// The column the senders and staff know an item by (`id`,
    /// `publication`).
    pub key: &'static str,
    /// Its history, and the column naming the item there.
    pub events: &'static str,
    pub events_item: &'static str,
    /// The bytes handed to the server, and the column naming the item there.
    pub raw: &'static str,
    pub raw_item: &'static str,
    /// Whether the history line of a claim records the Cc.
    pub cc_in_history: bool,
    /// Why an item left `sending` by a sender that died is uncertain.
    pub interrupted: &'static str,
    /// The word for "arrived" in the response of an item staff settle as
    /// sent ("arrivée selon …" for a letter).
    pub arrived: &'static str,
}

/// The letters to the senders of fiches.
pub(in crate::store) const LETTERS: Sendable = Sendable {
    table: "letters",
    key: "id",
    events: "letter_events",
    events_item: "letter_id",
    raw: "letter_raw",
    raw_item: "letter_id",
    cc_in_history: true,
    interrupted: "l'envoi a été interrompu pendant l'échange avec le serveur : la lettre est peut-être partie ; vérifier (boîte d'envoi, destinataire) puis la déclarer envoyée ou à renvoyer",
    arrived: "arrivée",
};

/// The actor of the sender's own steps in the history.
const SENDER: &str = "fiches send";

/// How a claimed item's send ended (see `Sendable::finish`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::store) enum Outcome {
    /// The server took it (`extra`: the recipients it refused, if any).
    Sent,
    /// Not handed over: back to the outbox, still approved, for another
    /// try at `extra`.
    Retry,
    /// Refused: `failed`, for staff.
    Failed,
    /// The connection broke after it was handed over: it may have gone.
    Uncertain,
}

impl Outcome {
    /// The history's word for it.
    pub(in crate::store) fn as_str(self) -> &'static str {
        match self {
            Outcome::Sent => "sent",
            Outcome::Retry => "retry",
            Outcome::Failed => "failed",
            Outcome::Uncertain => "uncertain",
        }
    }

    /// Its columns (`?2` now, `?3` the server's text, `?4` the extra).
    fn set(self) -> &'static str {
        match self {
            Outcome::Sent => {
                "state = 'sent', sent_at = ?2, response = ?3, last_error = ?4, next_attempt_at = NULL"
            }
            Outcome::Retry => "state = 'pending', last_error = ?3, next_attempt_at = ?4",
            Outcome::Failed => "state = 'failed', last_error = ?3, next_attempt_at = ?4",
            Outcome::Uncertain => "state = 'uncertain', last_error = ?3, next_attempt_at = ?4",
        }
    }
}

/// How staff settle an uncertain item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::store) enum Settle {
    /// It did arrive.
    Arrived,
    /// It did not: back to the outbox (to approve again), unless `newer`,
    /// an unsent item that took its place meanwhile, replaces it.
    Resend { newer: Option<i64> },
}

impl Sendable {
    /// One line of an item's history.
    pub(in crate::store) fn event(
        &self,
        tx: &Transaction<'_>,
        at: &str,
        item: i64,
        actor: &str,
        event: &str,
        detail: Option<serde_json::Value>,
    ) -> Result<()> {
        tx.prepare_cached(&format!(
            "INSERT INTO {} ({}, at, actor, event, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            self.events, self.events_item
        ))?
        .execute(params![
            item,
            at,
            actor,
            event,
            detail.map(|d| d.to_string())
        ])?;
        Ok(())
    }

    /// The id of the item known as `key`, when its state matches `cond`.
    fn find(&self, tx: &Transaction<'_>, key: i64, cond: &str) -> Result<Option<i64>> {
        Ok(tx
            .query_row(
                &format!(
                    "SELECT id FROM {} WHERE {} = ?1 {cond}",
                    self.table, self.key
                ),
                [key],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Approved pending items whose time has come (all of them with
    /// `ignore_backoff`), by key in id order; and those still waiting.
    pub(in crate::store) fn due(
        &self,
        conn: &Connection,
        now_utc: &str,
        ignore_backoff: bool,
    ) -> Result<DueLetters> {
        let mut stmt = conn.prepare(&format!(
            "SELECT {}, next_attempt_at FROM {} WHERE state = 'pending' AND approved_at IS NOT NULL
             ORDER BY id",
            self.key, self.table
        ))?;
        let rows: Vec<(i64, Option<String>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(DueLetters::split(rows, now_utc, ignore_backoff))
    }

    /// Staff say "send" for a pending item (its state and version checked
    /// by the caller).
    pub(in crate::store) fn approve(
        &self,
        tx: &Transaction<'_>,
        at: &str,
        id: i64,
        actor: &str,
    ) -> Result<()> {
        let changed = tx.execute(
            &format!(
                "UPDATE {} SET approved_at = ?2, approved_by = ?3, version = version + 1,
                        updated_at = ?2 WHERE id = ?1 AND approved_at IS NULL",
                self.table
            ),
            params![id, at, actor],
        )?;
        if changed == 1 {
            self.event(tx, at, id, actor, "approved", None)?;
        }
        Ok(())
    }

    /// At the start of a send run (the sender holds the lock, so no other
    /// one is running): items left in `sending` by a sender that died
    /// become `uncertain`. Returns their keys.
    pub(in crate::store) fn recover<K: FromSql>(&self, store: &mut Store) -> Result<Vec<K>> {
        let at = now();
        let tx = store
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let rows: Vec<(i64, K)> = tx
            .prepare(&format!(
                "SELECT id, {} FROM {} WHERE state = 'sending' ORDER BY id",
                self.key, self.table
            ))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let why = self.interrupted;
        for (id, _) in &rows {
            tx.execute(
                &format!(
                    "UPDATE {} SET state = 'uncertain', last_error = ?3, version = version + 1,
                            updated_at = ?2 WHERE id = ?1",
                    self.table
                ),
                params![id, at, why],
            )?;
            self.event(
                &tx,
                &at,
                *id,
                SENDER,
                "uncertain",
                Some(json!({"why": why})),
            )?;
        }
        tx.commit()?;
        Ok(rows.into_iter().map(|(_, k)| k).collect())
    }

    /// Records, before the SMTP transaction, that the item `key` is being
    /// sent and exactly what goes. `false` when it is no longer an approved
    /// pending item (edited, dropped or replaced meanwhile): then it is not
    /// sent.
    ///
    /// The commit reaches the disk before this returns (`synchronous =
    /// FULL` for it): the `sending` mark must outlive even a power cut, or
    /// the item could be sent twice. (The outcome recorded after the
    /// transaction is committed normally: losing it leaves the item
    /// `sending`, hence `uncertain`, never resent.)
    pub(in crate::store) fn claim(
        &self,
        store: &mut Store,
        key: i64,
        claim: &Claim<'_>,
    ) -> Result<bool> {
        store.conn.pragma_update(None, "synchronous", "FULL")?;
        let r = self.claim_durable(store, key, claim);
        let restored = store.conn.pragma_update(None, "synchronous", "NORMAL");
        let claimed = r?;
        restored?;
        Ok(claimed)
    }

    fn claim_durable(&self, store: &mut Store, key: i64, claim: &Claim<'_>) -> Result<bool> {
        let at = now();
        let tx = store
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(id) = self.find(
            &tx,
            key,
            "AND state = 'pending' AND approved_at IS NOT NULL",
        )?
        else {
            return Ok(false);
        };
        tx.execute(
            &format!(
                "UPDATE {} SET state = 'sending', message_id = coalesce(message_id, ?2),
                        attempts = attempts + 1, sending_at = ?3, sent_to = ?4, sent_cc = ?5,
                        sent_subject = ?6, sent_body = ?7, version = version + 1, updated_at = ?3
                 WHERE id = ?1",
                self.table
            ),
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
        tx.execute(
            &format!(
                "INSERT INTO {raw} ({item}, bytes) VALUES (?1, ?2)
                 ON CONFLICT ({item}) DO UPDATE SET bytes = excluded.bytes",
                raw = self.raw,
                item = self.raw_item
            ),
            params![id, claim.bytes],
        )?;
        let detail = if self.cc_in_history {
            json!({"message_id": claim.message_id, "to": claim.to, "cc": claim.cc})
        } else {
            json!({"message_id": claim.message_id, "to": claim.to})
        };
        self.event(&tx, &at, id, SENDER, "sending", Some(detail))?;
        tx.commit()?;
        Ok(true)
    }

    /// Records how the send of the claimed item `key` ended (`text`: the
    /// server's answer or the error). `false` when it is not `sending`
    /// (the caller says so to staff): nothing is recorded.
    pub(in crate::store) fn finish(
        &self,
        store: &mut Store,
        key: i64,
        outcome: Outcome,
        text: &str,
        extra: Option<&str>,
    ) -> Result<bool> {
        let at = now();
        let tx = store
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(id) = self.find(&tx, key, "AND state = 'sending'")? else {
            return Ok(false);
        };
        tx.execute(
            &format!(
                "UPDATE {} SET {}, version = version + 1, updated_at = ?2 WHERE id = ?1",
                self.table,
                outcome.set()
            ),
            params![id, at, text, extra],
        )?;
        self.event(
            &tx,
            &at,
            id,
            SENDER,
            outcome.as_str(),
            Some(json!({"text": text, "extra": extra})),
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// The server could not be reached: an approved pending item waits for
    /// `retry_at` (the attempt is counted, for the backoff). Nothing when
    /// it is no longer pending.
    pub(in crate::store) fn postpone(
        &self,
        store: &mut Store,
        key: i64,
        error: &str,
        retry_at: &str,
    ) -> Result<()> {
        let at = now();
        let tx = store
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(id) = self.find(&tx, key, "AND state = 'pending'")? {
            tx.execute(
                &format!(
                    "UPDATE {} SET attempts = attempts + 1, last_error = ?3, next_attempt_at = ?4,
                            version = version + 1, updated_at = ?2 WHERE id = ?1",
                    self.table
                ),
                params![id, at, error, retry_at],
            )?;
            self.event(
                &tx,
                &at,
                id,
                SENDER,
                "postponed",
                Some(json!({"error": error, "retry_at": retry_at})),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Staff settle an uncertain item (state and version checked by the
    /// caller).
    pub(in crate::store) fn settle(
        &self,
        tx: &Transaction<'_>,
        at: &str,
        id: i64,
        actor: &str,
        how: Settle,
    ) -> Result<()> {
        let t = self.table;
        match how {
            Settle::Arrived => tx.execute(
                &format!(
                    "UPDATE {t} SET state = 'sent', sent_at = coalesce(sent_at, sending_at),
                            response = coalesce(response, ?3), closed_by = ?4,
                            version = version + 1, updated_at = ?2 WHERE id = ?1"
                ),
                params![id, at, format!("{} selon {actor}", self.arrived), actor],
            )?,
            Settle::Resend { newer: Some(n) } => tx.execute(
                &format!(
                    "UPDATE {t} SET state = 'replaced', replaced_by = ?3, closed_by = ?4,
                            version = version + 1, updated_at = ?2 WHERE id = ?1"
                ),
                params![id, at, n, actor],
            )?,
            Settle::Resend { newer: None } => tx.execute(
                &format!(
                    "UPDATE {t} SET state = 'pending', approved_at = NULL, approved_by = NULL,
                            next_attempt_at = NULL, closed_by = ?3,
                            version = version + 1, updated_at = ?2 WHERE id = ?1"
                ),
                params![id, at, actor],
            )?,
        };
        let what = match how {
            Settle::Arrived => "settled_sent",
            Settle::Resend { .. } => "settled_resend",
        };
        self.event(tx, at, id, actor, what, None)
    }

    /// A refused item (`from` failed) back to the outbox, to approve again;
    /// a pending one waiting for its next try goes now.
    pub(in crate::store) fn retry(
        &self,
        tx: &Transaction<'_>,
        at: &str,
        id: i64,
        actor: &str,
        from: LetterState,
    ) -> Result<()> {
        let set = if from == LetterState::Failed {
            "state = 'pending', approved_at = NULL, approved_by = NULL, next_attempt_at = NULL"
        } else {
            "next_attempt_at = NULL"
        };
        tx.execute(
            &format!(
                "UPDATE {} SET {set}, version = version + 1, updated_at = ?2 WHERE id = ?1",
                self.table
            ),
            params![id, at],
        )?;
        self.event(tx, at, id, actor, "retry", None)
    }

    /// Drops an unsent item (state and version checked by the caller): it
    /// stays in the history as `dropped`.
    pub(in crate::store) fn drop_unsent(
        &self,
        tx: &Transaction<'_>,
        at: &str,
        id: i64,
        actor: &str,
    ) -> Result<()> {
        tx.execute(
            &format!(
                "UPDATE {} SET state = 'dropped', closed_by = ?3, version = version + 1,
                        updated_at = ?2 WHERE id = ?1",
                self.table
            ),
            params![id, at, actor],
        )?;
        self.event(tx, at, id, actor, "dropped", None)
    }
}

/// The error of an outcome recorded for a letter that is not being sent.
fn not_sending(id: i64, outcome: Outcome) -> StoreError {
    StoreError::LetterState {
        id,
        state: "pas en cours d'envoi",
        action: format!("enregistrer l'issue de l'envoi ({})", outcome.as_str()),
    }
}

impl Store {
    /// Approved pending letters whose time has come (all of them with
    /// `ignore_backoff`), in id order; and those still waiting, with when.
    pub fn due_letters(&self, now_utc: &str, ignore_backoff: bool) -> Result<DueLetters> {
        LETTERS.due(&self.conn, now_utc, ignore_backoff)
    }

    /// At the start of a send run (the sender holds the lock, so no other
    /// one is running): letters left in `sending` by a sender that died are
    /// marked `uncertain`. Returns their ids.
    pub fn recover_sending(&mut self) -> Result<Vec<i64>> {
        LETTERS.recover(self)
    }

    /// Records, before the SMTP transaction, that a letter is being sent and
    /// exactly what goes, on disk (see `Sendable::claim`). `false` when it
    /// is no longer an approved pending letter (edited, dropped or replaced
    /// meanwhile): then it is not sent.
    pub fn claim_letter(&mut self, id: i64, claim: &Claim<'_>) -> Result<bool> {
        LETTERS.claim(self, id, claim)
    }

    /// The server took the letter. `note`: recipients it refused, if any.
    pub fn letter_sent(&mut self, id: i64, response: &str, note: Option<&str>) -> Result<()> {
        self.letter_finished(id, Outcome::Sent, response, note)
    }

    /// The server refused the letter, or the transaction failed before the
    /// letter was handed over: with `retry_at`, back to the outbox (still
    /// approved) for another try then; without, `failed` for staff.
    pub fn letter_not_sent(&mut self, id: i64, error: &str, retry_at: Option<&str>) -> Result<()> {
        let outcome = match retry_at {
            Some(_) => Outcome::Retry,
            None => Outcome::Failed,
        };
        self.letter_finished(id, outcome, error, retry_at)
    }

    /// The connection broke after the letter was handed over, before the
    /// server's answer: it may have gone.
    pub fn letter_uncertain(&mut self, id: i64, error: &str) -> Result<()> {
        self.letter_finished(id, Outcome::Uncertain, error, None)
    }

    /// The server could not be reached: an approved letter waits for
    /// `retry_at` (the attempt is counted, for the backoff).
    pub fn letter_postponed(&mut self, id: i64, error: &str, retry_at: &str) -> Result<()> {
        LETTERS.postpone(self, id, error, retry_at)
    }

    fn letter_finished(
        &mut self,
        id: i64,
        outcome: Outcome,
        text: &str,
        extra: Option<&str>,
    ) -> Result<()> {
        if LETTERS.finish(self, id, outcome, text, extra)? {
            Ok(())
        } else {
            Err(not_sending(id, outcome))
        }
    }
}
