//! The e-mail to the partners (`[publish] partners`) in the database, and
//! the weekly publication's schedule.
//!
//! - A publication that changed the public lists queues one e-mail to the
//!   partners, in the publication's own transaction
//!   (`Store::record_publication_with`); an unsent earlier one is replaced
//!   (its changelog is covered by the new one, which says what changed since
//!   the last e-mail that went out: [`Store::partner_mail_base`]).
//! - It lives like a letter, on the same send machine
//!   (`store::outbox::send`, the table `partner_mails`): staff approve it
//!   (or the daemon does, with `auto_send_publication = true`), the sender
//!   claims it (`sending`, on disk before the SMTP transaction) and records
//!   the outcome; a sender that died leaves it `uncertain`, never resent
//!   silently. E-mails are known by their publication's number ("P3").
//! - The schedule (`publish_schedule`): when the daemon first saw it and
//!   when it last ran.

use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::Serialize;
use serde_json::json;

use super::outbox::LetterState;
use super::outbox::send::{Outcome, Sendable, Settle};
use super::{Claim, DueLetters, Result, Store, StoreError, now};

/// What a publication queues for the partners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPartnerMail {
    /// The publication whose snapshot the changelog starts from (the last
    /// one whose e-mail went out); `None`: everything is new to them.
    pub since: Option<u32>,
    /// Addresses, as configured (each one mailbox).
    pub recipients: Vec<String>,
    pub subject: String,
    pub body: String,
    /// Files of the publication's folder to attach.
    pub attachments: Vec<String>,
    /// The publication's folder.
    pub dir: Option<String>,
}

/// An e-mail to the partners as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartnerMail {
    pub id: i64,
    pub publication: u32,
    pub since: Option<u32>,
    pub recipients: Vec<String>,
    pub subject: String,
    pub body: String,
    pub attachments: Vec<String>,
    pub dir: Option<String>,
    pub state: LetterState,
    pub message_id: Option<String>,
    pub approved_at: Option<String>,
    pub approved_by: Option<String>,
    pub attempts: i64,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
    pub sending_at: Option<String>,
    pub sent_at: Option<String>,
    pub response: Option<String>,
    pub replaced_by: Option<i64>,
    pub closed_by: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
}

/// What `Store::approve_partner_mails` did: approved publications, and
/// those refused with why.
pub type ApprovedMails = (Vec<u32>, Vec<(u32, String)>);

/// The daemon's weekly schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleState {
    /// When the daemon first saw the schedule (UTC, RFC 3339).
    pub armed_at: String,
    /// When it last ran, changed or not.
    pub last_run_at: Option<String>,
    pub last_result: Option<String>,
}

const COLUMNS: &str = "id, publication, since, recipients, subject, body, attachments, dir, state,
     message_id, approved_at, approved_by, attempts, next_attempt_at, last_error, sending_at,
     sent_at, response, replaced_by, closed_by, version, created_at, created_by, updated_at";

fn corrupt(what: String) -> StoreError {
    StoreError::Corrupt(what)
}

struct Raw {
    mail: PartnerMail,
    state: String,
    recipients: String,
    attachments: String,
}

fn raw(r: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok(Raw {
        mail: PartnerMail {
            id: r.get(0)?,
            publication: r.get(1)?,
            since: r.get(2)?,
            recipients: Vec::new(),
            subject: r.get(4)?,
            body: r.get(5)?,
            attachments: Vec::new(),
            dir: r.get(7)?,
            state: LetterState::Pending,
            message_id: r.get(9)?,
            approved_at: r.get(10)?,
            approved_by: r.get(11)?,
            attempts: r.get(12)?,
            next_attempt_at: r.get(13)?,
            last_error: r.get(14)?,
            sending_at: r.get(15)?,
            sent_at: r.get(16)?,
            response: r.get(17)?,
            replaced_by: r.get(18)?,
            closed_by: r.get(19)?,
            version: r.get(20)?,
            created_at: r.get(21)?,
            created_by: r.get(22)?,
            updated_at: r.get(23)?,
        },
        state: r.get(8)?,
        recipients: r.get(3)?,
        attachments: r.get(6)?,
    })
}

impl Raw {
    fn into_mail(self) -> Result<PartnerMail> {
        let mut m = self.mail;
        let n = m.publication;
        m.state = match LetterState::parse(&self.state) {
            Some(s) if s != LetterState::Review => s,
            _ => {
                return Err(corrupt(format!(
                    "état « {} » de l'envoi aux partenaires P{n}",
                    self.state
                )));
            }
        };
        m.recipients = serde_json::from_str(&self.recipients)
            .map_err(|e| corrupt(format!("destinataires de l'envoi P{n} : {e}")))?;
        m.attachments = serde_json::from_str(&self.attachments)
            .map_err(|e| corrupt(format!("pièces jointes de l'envoi P{n} : {e}")))?;
        Ok(m)
    }
}

/// The partners' e-mails, for the send machine (see `store::outbox::send`).
const PARTNER_MAILS: Sendable = Sendable {
    table: "partner_mails",
    key: "publication",
    events: "partner_mail_events",
    events_item: "mail_id",
    raw: "partner_mail_raw",
    raw_item: "mail_id",
    cc_in_history: false,
    interrupted: "l'envoi a été interrompu pendant l'échange avec le serveur : le message est peut-être parti ; vérifier puis le déclarer envoyé ou à renvoyer",
    arrived: "arrivé",
};

/// One line of an e-mail's history.
fn event(
    tx: &Transaction<'_>,
    at: &str,
    mail: i64,
    actor: &str,
    event: &str,
    detail: Option<serde_json::Value>,
) -> Result<()> {
    PARTNER_MAILS.event(tx, at, mail, actor, event, detail)
}

/// In the publication's transaction: queues the e-mail of publication
/// `publication`, replacing an unsent earlier one. Returns its id.
pub(super) fn queue(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    publication: u32,
    m: &NewPartnerMail,
) -> Result<i64> {
    let unsent: Vec<i64> = tx
        .prepare_cached("SELECT id FROM partner_mails WHERE state IN ('pending', 'failed')")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in &unsent {
        tx.prepare_cached(
            "UPDATE partner_mails SET state = 'replaced', version = version + 1, updated_at = ?2
             WHERE id = ?1",
        )?
        .execute(params![id, at])?;
        event(
            tx,
            at,
            *id,
            actor,
            "replaced",
            Some(json!({"by_publication": publication})),
        )?;
    }
    tx.prepare_cached(
        "INSERT INTO partner_mails (publication, since, recipients, subject, body, attachments, dir,
                                    created_at, created_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8)",
    )?
    .execute(params![
        publication,
        m.since,
        serde_json::to_string(&m.recipients).unwrap_or_else(|_| "[]".into()),
        m.subject,
        m.body,
        serde_json::to_string(&m.attachments).unwrap_or_else(|_| "[]".into()),
        m.dir,
        at,
        actor
    ])?;
    let id = tx.last_insert_rowid();
    for old in &unsent {
        tx.prepare_cached("UPDATE partner_mails SET replaced_by = ?2 WHERE id = ?1")?
            .execute(params![old, id])?;
    }
    event(
        tx,
        at,
        id,
        actor,
        "queued",
        Some(json!({"publication": publication, "since": m.since, "replaces": unsent})),
    )?;
    Ok(id)
}

/// Checks the state (and version) of the e-mail of `publication`; returns
/// its id and state.
fn check(
    tx: &Transaction<'_>,
    publication: u32,
    expected_version: Option<i64>,
    from: &[LetterState],
    action: &str,
) -> Result<(i64, LetterState)> {
    let row: Option<(i64, String, i64)> = tx
        .prepare_cached("SELECT id, state, version FROM partner_mails WHERE publication = ?1")?
        .query_row([publication], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((id, state, version)) = row else {
        return Err(StoreError::PartnerMailNotFound(publication));
    };
    let state = LetterState::parse(&state).ok_or_else(|| {
        corrupt(format!(
            "état « {state} » de l'envoi aux partenaires P{publication}"
        ))
    })?;
    if let Some(expected) = expected_version
        && expected != version
    {
        return Err(StoreError::StalePartnerMail {
            publication,
            expected,
            actual: version,
        });
    }
    if !from.contains(&state) {
        return Err(StoreError::PartnerMailState {
            publication,
            state: state.label_fr(),
            action: action.to_string(),
        });
    }
    Ok((id, state))
}

impl Store {
    /// The e-mails to the partners in `states` (all when empty), oldest first.
    pub fn partner_mails(&self, states: &[LetterState]) -> Result<Vec<PartnerMail>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM partner_mails ORDER BY id"))?;
        let raws: Vec<Raw> = stmt.query_map([], raw)?.collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for r in raws {
            let m = r.into_mail()?;
            if states.is_empty() || states.contains(&m.state) {
                out.push(m);
            }
        }
        Ok(out)
    }

    /// The e-mail of publication `publication`.
    pub fn partner_mail(&self, publication: u32) -> Result<PartnerMail> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM partner_mails WHERE publication = ?1"
            ))?
            .query_row([publication], raw)
            .optional()?
            .ok_or(StoreError::PartnerMailNotFound(publication))?
            .into_mail()
    }

    /// The history of the e-mail of `publication`, oldest first.
    pub fn partner_mail_events(&self, publication: u32) -> Result<Vec<super::LetterEvent>> {
        let mut stmt = self.conn.prepare(
            "SELECT e.at, e.actor, e.event, e.detail FROM partner_mail_events e
             JOIN partner_mails m ON m.id = e.mail_id WHERE m.publication = ?1 ORDER BY e.id",
        )?;
        let rows = stmt.query_map([publication], |r| {
            let detail: Option<String> = r.get(3)?;
            Ok(super::LetterEvent {
                at: r.get(0)?,
                actor: r.get(1)?,
                event: r.get(2)?,
                detail: detail.and_then(|d| serde_json::from_str(&d).ok()),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The bytes handed to the server for the e-mail of `publication`.
    pub fn partner_mail_bytes(&self, publication: u32) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row(
                "SELECT r.bytes FROM partner_mail_raw r JOIN partner_mails m ON m.id = r.mail_id
                 WHERE m.publication = ?1",
                [publication],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The publication the partners last heard of: the one whose e-mail
    /// went out (or may have: sending, uncertain) most recently.
    pub fn partner_mail_base(&self) -> Result<Option<u32>> {
        Ok(self
            .conn
            .query_row(
                "SELECT publication FROM partner_mails WHERE state IN ('sending', 'sent', 'uncertain')
                 ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Staff (or the automatic send) approve pending e-mails: `None` all of
    /// them, else these publications at the version seen (when given).
    /// Returns (approved, refused with why).
    pub fn approve_partner_mails(
        &mut self,
        which: Option<&[(u32, Option<i64>)]>,
        actor: &str,
    ) -> Result<ApprovedMails> {
        let at = now();
        let tx = self.write_tx()?;
        let candidates: Vec<(u32, Option<i64>)> = match which {
            Some(list) => list.to_vec(),
            None => tx
                .prepare(
                    "SELECT publication FROM partner_mails WHERE state = 'pending'
                       AND approved_at IS NULL ORDER BY id",
                )?
                .query_map([], |r| Ok((r.get(0)?, None)))?
                .collect::<Result<_, _>>()?,
        };
        let (mut ok, mut refused) = (Vec::new(), Vec::new());
        for (n, version) in candidates {
            let id = match check(&tx, n, version, &[LetterState::Pending], "envoyer") {
                Ok((id, _)) => id,
                Err(
                    e @ (StoreError::StalePartnerMail { .. }
                    | StoreError::PartnerMailState { .. }
                    | StoreError::PartnerMailNotFound(_)),
                ) => {
                    refused.push((n, e.to_string()));
                    continue;
                }
                Err(e) => return Err(e),
            };
            PARTNER_MAILS.approve(&tx, &at, id, actor)?;
            ok.push(n);
        }
        tx.commit()?;
        Ok((ok, refused))
    }

    /// Approved pending e-mails whose time has come (by publication), and
    /// those waiting for their next try.
    pub fn due_partner_mails(&self, now_utc: &str, ignore_backoff: bool) -> Result<DueLetters> {
        PARTNER_MAILS.due(&self.conn, now_utc, ignore_backoff)
    }

    /// At the start of a send run: e-mails left in `sending` by a sender
    /// that died become `uncertain`. Returns their publications.
    pub fn recover_partner_sending(&mut self) -> Result<Vec<u32>> {
        PARTNER_MAILS.recover(self)
    }

    /// Records, on disk before the SMTP transaction, that the e-mail of
    /// `publication` is being sent and exactly what goes (see
    /// `Store::claim_letter`). `false` when it is no longer an approved
    /// pending e-mail.
    pub fn claim_partner_mail(&mut self, publication: u32, claim: &Claim<'_>) -> Result<bool> {
        PARTNER_MAILS.claim(self, i64::from(publication), claim)
    }

    /// The server took the e-mail.
    pub fn partner_mail_sent(
        &mut self,
        publication: u32,
        response: &str,
        note: Option<&str>,
    ) -> Result<()> {
        self.partner_mail_finished(publication, Outcome::Sent, response, note)
    }

    /// Refused or failed before it was handed over: with `retry_at`, back
    /// to the outbox (still approved); without, `failed`.
    pub fn partner_mail_not_sent(
        &mut self,
        publication: u32,
        error: &str,
        retry_at: Option<&str>,
    ) -> Result<()> {
        let outcome = match retry_at {
            Some(_) => Outcome::Retry,
            None => Outcome::Failed,
        };
        self.partner_mail_finished(publication, outcome, error, retry_at)
    }

    /// The connection broke after the e-mail was handed over.
    pub fn partner_mail_uncertain(&mut self, publication: u32, error: &str) -> Result<()> {
        self.partner_mail_finished(publication, Outcome::Uncertain, error, None)
    }

    fn partner_mail_finished(
        &mut self,
        publication: u32,
        outcome: Outcome,
        text: &str,
        extra: Option<&str>,
    ) -> Result<()> {
        if PARTNER_MAILS.finish(self, i64::from(publication), outcome, text, extra)? {
            return Ok(());
        }
        Err(StoreError::PartnerMailState {
            publication,
            state: "pas en cours d'envoi",
            action: format!("enregistrer l'issue de l'envoi ({})", outcome.as_str()),
        })
    }

    /// The server could not be reached: waits for `retry_at`.
    pub fn partner_mail_postponed(
        &mut self,
        publication: u32,
        error: &str,
        retry_at: &str,
    ) -> Result<()> {
        PARTNER_MAILS.postpone(self, i64::from(publication), error, retry_at)
    }

    /// Drops an unsent e-mail (kept in the history as `dropped`).
    pub fn drop_partner_mail(
        &mut self,
        publication: u32,
        expected_version: i64,
        actor: &str,
    ) -> Result<()> {
        let at = now();
        let tx = self.write_tx()?;
        let (id, _) = check(
            &tx,
            publication,
            Some(expected_version),
            &[LetterState::Pending, LetterState::Failed],
            "supprimer",
        )?;
        PARTNER_MAILS.drop_unsent(&tx, &at, id, actor)?;
        tx.commit()?;
        Ok(())
    }

    /// Staff settle an uncertain e-mail: it arrived (`sent`), or back to the
    /// outbox unless a newer one took its place.
    pub fn resolve_partner_mail(
        &mut self,
        publication: u32,
        expected_version: i64,
        arrived: bool,
        actor: &str,
    ) -> Result<()> {
        let at = now();
        let tx = self.write_tx()?;
        let (id, _) = check(
            &tx,
            publication,
            Some(expected_version),
            &[LetterState::Uncertain],
            "régler",
        )?;
        let how = if arrived {
            Settle::Arrived
        } else {
            let newer: Option<i64> = tx
                .query_row(
                    "SELECT id FROM partner_mails WHERE state IN ('pending', 'failed')",
                    [],
                    |r| r.get(0),
                )
                .optional()?;
            Settle::Resend { newer }
        };
        PARTNER_MAILS.settle(&tx, &at, id, actor, how)?;
        tx.commit()?;
        Ok(())
    }

    /// A refused e-mail back to the outbox (to approve again), or a planned
    /// retry brought forward.
    pub fn retry_partner_mail(
        &mut self,
        publication: u32,
        expected_version: i64,
        actor: &str,
    ) -> Result<()> {
        let at = now();
        let tx = self.write_tx()?;
        let (id, state) = check(
            &tx,
            publication,
            Some(expected_version),
            &[LetterState::Failed, LetterState::Pending],
            "réessayer",
        )?;
        PARTNER_MAILS.retry(&tx, &at, id, actor, state)?;
        tx.commit()?;
        Ok(())
    }

    /// The schedule's state, if the daemon ever saw it.
    pub fn schedule_state(&self) -> Result<Option<ScheduleState>> {
        Ok(self
            .conn
            .query_row(
                "SELECT armed_at, last_run_at, last_result FROM publish_schedule WHERE id = 1",
                [],
                |r| {
                    Ok(ScheduleState {
                        armed_at: r.get(0)?,
                        last_run_at: r.get(1)?,
                        last_result: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// The daemon sees the schedule: from `at` on, scheduled instants count
    /// (nothing before). Kept if already armed. Returns the state.
    pub fn arm_schedule(&mut self, at: &str) -> Result<ScheduleState> {
        self.conn.execute(
            "INSERT INTO publish_schedule (id, armed_at) VALUES (1, ?1) ON CONFLICT (id) DO NOTHING",
            [at],
        )?;
        self.schedule_state()?
            .ok_or_else(|| corrupt("publish_schedule vide après son armement".into()))
    }

    /// The scheduled publication ran at `at` (changed or not).
    pub fn schedule_ran(&mut self, at: &str, result: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO publish_schedule (id, armed_at, last_run_at, last_result) VALUES (1, ?1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET last_run_at = excluded.last_run_at,
                                            last_result = excluded.last_result",
            params![at, result],
        )?;
        Ok(())
    }
}
