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

use rusqlite::{TransactionBehavior, params};
use serde_json::json;

use crate::store::{Result, Store, StoreError, now};

use super::records::event;

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

impl Store {
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
}
