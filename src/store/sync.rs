//! The store side of the IMAP source and of the daemon: its SQL and its
//! row types (the intake's `ImapStore` runs the IMAP reads over them).
//!
//! - [`Store::imap_ingest`] commits a message **with** the new watermark,
//!   its pending post-action and the heartbeat counters in one transaction
//!   (`BEGIN IMMEDIATE`). A crash before the commit leaves nothing (the
//!   message is fetched again); after it, the pending post-action is
//!   replayed by the next pass.
//! - Pending post-actions (`imap_pending_actions`) are keyed by account,
//!   mailbox, UIDVALIDITY and UID; a UIDVALIDITY change drops the old ones
//!   and resets the watermark, and the messages read again are recognised
//!   by Message-ID or SHA-256 (the store's dedupe), so nothing is doubled.
//! - Messages too large to download are recorded in `imap_skipped`.
//! - Poison messages: the tries of a batch's messages are recorded (one
//!   transaction) before the batch is read; a message's commit deletes its
//!   tries (the policy is the intake's `ImapStore`).
//! - The heartbeat (one row per account and mailbox): pid, start, state,
//!   last contact with the server, last new mail, last error and when the
//!   next attempt is due, the post-action's last failure, what the user
//!   should know about the server, counters of the current run. The
//!   console and `fiches status` read it with [`Store::heartbeats`].
//! - This database's identity (the keyword it marks the messages it takes
//!   with) and the identity of each mailbox it reads (host, user, mailbox,
//!   UIDVALIDITY).

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::{IngestOutcome, NewMessage, Result, Store, Watermark, now};

/// Which mailbox of which account: the key of the watermark, heartbeat and
/// pending post-action rows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MailboxId {
    pub account: String,
    pub mailbox: String,
}

impl MailboxId {
    pub fn new(account: impl Into<String>, mailbox: impl Into<String>) -> Self {
        MailboxId {
            account: account.into(),
            mailbox: mailbox.into(),
        }
    }

    /// An IMAP URL naming one message (RFC 5092 style), for `source_ref`:
    /// `imap://account/INBOX;UIDVALIDITY=7/;UID=42`.
    pub fn source_ref(&self, uidvalidity: u32, uid: u32) -> String {
        format!(
            "imap://{}/{};UIDVALIDITY={uidvalidity}/;UID={uid}",
            self.account, self.mailbox
        )
    }
}

/// A post-action committed and not yet done on the server, as stored: the
/// action is its text (`move:Traitées`, …), read back by the intake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingActionRow {
    pub uidvalidity: u32,
    pub uid: u32,
    pub action: String,
}

/// What the daemon is doing for a mailbox, as the heartbeat shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DaemonState {
    /// Started, not yet connected.
    Starting,
    /// A pass is running (search, fetch, store).
    Syncing,
    /// Waiting for new mail with IDLE.
    Idle,
    /// Waiting for the next poll.
    Waiting,
    /// Waiting to reconnect after an error.
    Reconnecting,
    /// Exited cleanly.
    Stopped,
}

impl DaemonState {
    pub fn as_str(self) -> &'static str {
        match self {
            DaemonState::Starting => "starting",
            DaemonState::Syncing => "syncing",
            DaemonState::Idle => "idle",
            DaemonState::Waiting => "waiting",
            DaemonState::Reconnecting => "reconnecting",
            DaemonState::Stopped => "stopped",
        }
    }

    fn parse(s: &str) -> Option<DaemonState> {
        [
            DaemonState::Starting,
            DaemonState::Syncing,
            DaemonState::Idle,
            DaemonState::Waiting,
            DaemonState::Reconnecting,
            DaemonState::Stopped,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}

/// One heartbeat row. Times are RFC 3339 UTC; counters are those of the run
/// that started at `started_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heartbeat {
    pub account: String,
    pub mailbox: String,
    pub pid: Option<u32>,
    pub started_at: Option<String>,
    pub state: DaemonState,
    pub last_contact_at: Option<String>,
    pub last_new_mail_at: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    pub messages: u64,
    pub duplicates: u64,
    pub proposals: u64,
    pub skipped: u64,
    pub errors: u64,
    pub updated_at: String,
    /// After an error: when the next attempt is due (a refused password
    /// waits up to hours).
    pub next_attempt_at: Option<String>,
    /// Why the post-action (move, keyword, flag) last failed, while the
    /// messages were stored and their post-actions wait.
    pub post_action_error: Option<String>,
    pub post_action_error_at: Option<String>,
    /// Post-actions waiting (committed, not yet done on the server).
    pub pending_post_actions: u64,
    /// What the user should know about the server (French).
    pub warning: Option<String>,
    pub warning_at: Option<String>,
    /// `host:port` and what the server offers (`IDLE MOVE -UIDPLUS …`).
    pub server: Option<String>,
}

impl Heartbeat {
    /// The last error of this source while it still counts: newer than the
    /// source's last successful contact (a clean pass since, or a clean
    /// start, puts it in the past). The one rule of `fiches status` and the
    /// console's status line.
    pub fn current_error(&self) -> Option<&str> {
        let e = self.last_error.as_deref()?;
        (self.last_error_at.is_some() && self.last_error_at >= self.last_contact_at).then_some(e)
    }
}

/// A message recorded as not downloaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedMessage {
    pub account: String,
    pub mailbox: String,
    pub uidvalidity: u32,
    pub uid: u32,
    pub size: u64,
    pub reason: String,
    pub at: String,
}

/// Creates the heartbeat row of a mailbox if missing.
pub(super) fn heartbeat_row(tx: &Transaction<'_>, mb: &MailboxId, at: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO heartbeat (account, mailbox, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (account, mailbox) DO NOTHING",
    )?
    .execute(params![mb.account, mb.mailbox, at])?;
    Ok(())
}

impl Store {
    /// Sets the watermark of a mailbox to `(uidvalidity, 0)` and drops the
    /// pending post-actions of other UIDVALIDITYs, in one transaction.
    pub fn imap_reset_watermark(&mut self, mb: &MailboxId, uidvalidity: u32) -> Result<()> {
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO sync_state (account, mailbox, uidvalidity, last_uid, updated_at)
             VALUES (?1, ?2, ?3, 0, ?4)
             ON CONFLICT (account, mailbox) DO UPDATE SET
               uidvalidity = excluded.uidvalidity, last_uid = 0, updated_at = excluded.updated_at",
            params![mb.account, mb.mailbox, uidvalidity, now()],
        )?;
        tx.execute(
            "DELETE FROM imap_pending_actions
             WHERE account = ?1 AND mailbox = ?2 AND uidvalidity <> ?3",
            params![mb.account, mb.mailbox, uidvalidity],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Stores a message fetched from `wm`'s mailbox (or finds it already
    /// there), and in the same transaction moves the watermark to `wm.uid`,
    /// records `pending` as a post-action to do, and counts it in the
    /// heartbeat.
    pub fn imap_ingest(
        &mut self,
        msg: &NewMessage,
        wm: &Watermark,
        pending: Option<&str>,
    ) -> Result<IngestOutcome> {
        let mb = MailboxId::new(wm.account.clone(), wm.mailbox.clone());
        let mut in_tx = |tx: &Transaction<'_>, outcome: &IngestOutcome| -> Result<()> {
            let at = now();
            if let Some(action) = pending {
                tx.prepare_cached(
                    "INSERT INTO imap_pending_actions
                       (account, mailbox, uidvalidity, uid, action, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (account, mailbox, uidvalidity, uid) DO UPDATE SET
                       action = excluded.action",
                )?
                .execute(params![
                    wm.account,
                    wm.mailbox,
                    wm.uidvalidity,
                    wm.uid,
                    action,
                    at
                ])?;
            }
            heartbeat_row(tx, &mb, &at)?;
            match outcome {
                IngestOutcome::Stored { proposals, .. } => tx
                    .prepare_cached(
                        "UPDATE heartbeat SET messages = messages + 1, proposals = proposals + ?3,
                           last_new_mail_at = ?4, last_contact_at = ?4, updated_at = ?4
                         WHERE account = ?1 AND mailbox = ?2",
                    )?
                    .execute(params![wm.account, wm.mailbox, proposals.len() as i64, at])?,
                IngestOutcome::Duplicate { .. } => tx
                    .prepare_cached(
                        "UPDATE heartbeat SET duplicates = duplicates + 1,
                           last_contact_at = ?3, updated_at = ?3
                         WHERE account = ?1 AND mailbox = ?2",
                    )?
                    .execute(params![wm.account, wm.mailbox, at])?,
            };
            Ok(())
        };
        self.ingest_inner(msg, Some(wm), Some(&mut in_tx))
    }

    /// Records a message not downloaded and moves the watermark past it,
    /// in one transaction.
    pub fn imap_skip(&mut self, wm: &Watermark, size: u64, reason: &str) -> Result<()> {
        let at = now();
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO imap_skipped (account, mailbox, uidvalidity, uid, size, reason, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (account, mailbox, uidvalidity, uid) DO NOTHING",
            params![
                wm.account,
                wm.mailbox,
                wm.uidvalidity,
                wm.uid,
                i64::try_from(size).unwrap_or(i64::MAX),
                reason,
                at
            ],
        )?;
        if tx.changes() > 0 {
            super::status::record_not_downloaded(&tx, wm, size, reason, &at)?;
        }
        super::ingest::advance_watermark(&tx, wm, &at)?;
        let mb = MailboxId::new(wm.account.clone(), wm.mailbox.clone());
        heartbeat_row(&tx, &mb, &at)?;
        tx.execute(
            "UPDATE heartbeat SET skipped = skipped + 1, last_contact_at = ?3, updated_at = ?3
             WHERE account = ?1 AND mailbox = ?2",
            params![wm.account, wm.mailbox, at],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Makes every transaction committed so far durable: one commit with
    /// `synchronous = FULL` (which syncs the WAL, and with it every earlier
    /// commit), recording the contact in the heartbeat. The store otherwise
    /// runs with `NORMAL`: a crash loses nothing, a power cut may lose the
    /// last commits — harmless for the watermark (messages fetched again),
    /// not for a message moved away on the server: hence this, before each
    /// batch of post-actions.
    pub fn imap_durable(&mut self, mb: &MailboxId) -> Result<()> {
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        let r = (|| -> Result<()> {
            let at = now();
            let tx = self.write_tx()?;
            heartbeat_row(&tx, mb, &at)?;
            tx.prepare_cached(
                "UPDATE heartbeat SET last_contact_at = ?3, updated_at = ?3
                 WHERE account = ?1 AND mailbox = ?2",
            )?
            .execute(params![mb.account, mb.mailbox, at])?;
            tx.commit()?;
            Ok(())
        })();
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        r
    }

    /// Messages recorded as not downloaded, oldest first.
    pub fn imap_skipped(&self) -> Result<Vec<SkippedMessage>> {
        let mut stmt = self.conn.prepare(
            "SELECT account, mailbox, uidvalidity, uid, size, reason, at
             FROM imap_skipped ORDER BY id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(SkippedMessage {
                    account: r.get(0)?,
                    mailbox: r.get(1)?,
                    uidvalidity: r.get(2)?,
                    uid: r.get(3)?,
                    size: r.get::<_, i64>(4)?.max(0) as u64,
                    reason: r.get(5)?,
                    at: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Pending post-actions of a mailbox, ascending by UID, as stored.
    pub fn imap_pending(&self, mb: &MailboxId) -> Result<Vec<PendingActionRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT uidvalidity, uid, action FROM imap_pending_actions
             WHERE account = ?1 AND mailbox = ?2 ORDER BY uid, uidvalidity",
        )?;
        let rows = stmt
            .query_map(params![mb.account, mb.mailbox], |r| {
                Ok(PendingActionRow {
                    uidvalidity: r.get(0)?,
                    uid: r.get(1)?,
                    action: r.get(2)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Removes pending post-actions (they were done), in one transaction.
    pub fn imap_pending_done(
        &mut self,
        mb: &MailboxId,
        uidvalidity: u32,
        uids: &[u32],
    ) -> Result<()> {
        let tx = self.write_tx()?;
        {
            let mut del = tx.prepare_cached(
                "DELETE FROM imap_pending_actions
                 WHERE account = ?1 AND mailbox = ?2 AND uidvalidity = ?3 AND uid = ?4",
            )?;
            for uid in uids {
                del.execute(params![mb.account, mb.mailbox, uidvalidity, uid])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A daemon run starts for this mailbox: pid, start time, state
    /// `starting`, counters back to zero. Last contact, new mail and error
    /// are kept (they say what happened before).
    pub fn heartbeat_start(&mut self, mb: &MailboxId, pid: u32) -> Result<()> {
        let at = now();
        let tx = self.write_tx()?;
        heartbeat_row(&tx, mb, &at)?;
        tx.execute(
            "UPDATE heartbeat SET pid = ?3, started_at = ?4, state = 'starting', messages = 0,
               duplicates = 0, proposals = 0, skipped = 0, errors = 0, updated_at = ?4,
               next_attempt_at = NULL, warning = NULL, warning_at = NULL
             WHERE account = ?1 AND mailbox = ?2",
            params![mb.account, mb.mailbox, pid, at],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The daemon's state for a mailbox; `contact` also records a
    /// successful exchange with the server now.
    pub fn heartbeat_state(
        &mut self,
        mb: &MailboxId,
        state: DaemonState,
        contact: bool,
    ) -> Result<()> {
        let at = now();
        let tx = self.write_tx()?;
        heartbeat_row(&tx, mb, &at)?;
        tx.prepare_cached(
            "UPDATE heartbeat SET state = ?3, updated_at = ?4,
               last_contact_at = CASE WHEN ?5 THEN ?4 ELSE last_contact_at END,
               next_attempt_at = CASE WHEN ?5 THEN NULL ELSE next_attempt_at END
             WHERE account = ?1 AND mailbox = ?2",
        )?
        .execute(params![mb.account, mb.mailbox, state.as_str(), at, contact])?;
        tx.commit()?;
        Ok(())
    }

    /// A failed pass: the error (French, as logged), its time, one more
    /// error counted, and the state the daemon goes to.
    pub fn heartbeat_error(
        &mut self,
        mb: &MailboxId,
        error: &str,
        state: DaemonState,
    ) -> Result<()> {
        self.heartbeat_retry(mb, error, state, None)
    }

    /// A failed pass, and when the next attempt is due (RFC 3339).
    pub fn heartbeat_retry(
        &mut self,
        mb: &MailboxId,
        error: &str,
        state: DaemonState,
        next_attempt_at: Option<&str>,
    ) -> Result<()> {
        let at = now();
        let tx = self.write_tx()?;
        heartbeat_row(&tx, mb, &at)?;
        tx.execute(
            "UPDATE heartbeat SET state = ?3, last_error = ?4, last_error_at = ?5,
               errors = errors + 1, updated_at = ?5, next_attempt_at = ?6
             WHERE account = ?1 AND mailbox = ?2",
            params![
                mb.account,
                mb.mailbox,
                state.as_str(),
                error,
                at,
                next_attempt_at
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// After a pass: the post-action's failure (or `None`: it works), what
    /// the user should know about the server (or `None`), and the server
    /// with its capabilities. A text that did not change keeps its time.
    pub fn heartbeat_pass(
        &mut self,
        mb: &MailboxId,
        post_action_error: Option<&str>,
        warning: Option<&str>,
        server: Option<&str>,
    ) -> Result<()> {
        let at = now();
        let tx = self.write_tx()?;
        heartbeat_row(&tx, mb, &at)?;
        tx.prepare_cached(
            "UPDATE heartbeat SET updated_at = ?3,
               post_action_error_at = CASE WHEN ?4 IS NULL THEN NULL
                 WHEN post_action_error IS ?4 THEN post_action_error_at ELSE ?3 END,
               post_action_error = ?4,
               warning_at = CASE WHEN ?5 IS NULL THEN NULL
                 WHEN warning IS ?5 THEN warning_at ELSE ?3 END,
               warning = ?5,
               server = coalesce(?6, server)
             WHERE account = ?1 AND mailbox = ?2",
        )?
        .execute(params![
            mb.account,
            mb.mailbox,
            at,
            post_action_error,
            warning,
            server
        ])?;
        tx.commit()?;
        Ok(())
    }

    /// The first 8 hexadecimal digits of this database's identity (the
    /// intake makes the keyword it adds to the messages it takes of it).
    pub fn database_short_id(&self) -> Result<String> {
        let id: String =
            self.conn
                .query_row("SELECT id FROM database_identity LIMIT 1", [], |r| r.get(0))?;
        let short: String = id.chars().filter(char::is_ascii_hexdigit).take(8).collect();
        Ok(short)
    }

    /// Records which server, user, mailbox and UIDVALIDITY an account is.
    /// When the account was last seen on another server or user, returns
    /// what changed (French), for a warning: its watermark applies to
    /// another mailbox now (a UIDVALIDITY change then rereads it, the
    /// store's dedupe keeps nothing twice).
    pub fn imap_identity(
        &mut self,
        mb: &MailboxId,
        host: &str,
        port: u16,
        username: &str,
        uidvalidity: u32,
    ) -> Result<Option<String>> {
        let at = now();
        let tx = self.write_tx()?;
        let before: Option<(String, u16, String)> = tx
            .query_row(
                "SELECT host, port, username FROM imap_mailbox_identity
                 WHERE account = ?1 AND mailbox = ?2",
                params![mb.account, mb.mailbox],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        tx.prepare_cached(
            "INSERT INTO imap_mailbox_identity
               (account, mailbox, host, port, username, uidvalidity, first_seen_at, last_seen_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
             ON CONFLICT (account, mailbox) DO UPDATE SET host = excluded.host,
               port = excluded.port, username = excluded.username,
               uidvalidity = excluded.uidvalidity, last_seen_at = excluded.last_seen_at,
               first_seen_at = CASE WHEN host = excluded.host AND username = excluded.username
                 THEN first_seen_at ELSE excluded.first_seen_at END",
        )?
        .execute(params![
            mb.account,
            mb.mailbox,
            host,
            port,
            username,
            uidvalidity,
            at
        ])?;
        tx.commit()?;
        Ok(before.and_then(|(h, p, u)| {
            (!h.eq_ignore_ascii_case(host) || u != username).then(|| {
                format!(
                    "le compte « {} » désignait la boîte de {u} sur {h}:{p} ; la configuration \
                     désigne maintenant celle de {username} sur {host}:{port}",
                    mb.account
                )
            })
        }))
    }

    /// Drops every pending post-action of a mailbox (`fiches daemon
    /// --reset-pending`), journaled with `actor`; returns how many.
    pub fn imap_reset_pending(&mut self, mb: &MailboxId, actor: &str) -> Result<usize> {
        let at = now();
        let tx = self.write_tx()?;
        let actions: Vec<(String, i64)> = tx
            .prepare(
                "SELECT action, count(*) FROM imap_pending_actions
                 WHERE account = ?1 AND mailbox = ?2 GROUP BY action ORDER BY action",
            )?
            .query_map(params![mb.account, mb.mailbox], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<Result<_, _>>()?;
        let n = tx.execute(
            "DELETE FROM imap_pending_actions WHERE account = ?1 AND mailbox = ?2",
            params![mb.account, mb.mailbox],
        )?;
        if n > 0 {
            super::ingest::journal(
                &tx,
                &at,
                super::ingest::Line {
                    actor,
                    action: super::JournalAction::ImapPendingReset,
                    message_id: None,
                    proposal_id: None,
                    before: Some(serde_json::json!({
                        "account": mb.account,
                        "mailbox": mb.mailbox,
                        "pending": actions
                            .iter()
                            .map(|(a, c)| serde_json::json!({"action": a, "count": c}))
                            .collect::<Vec<_>>(),
                    })),
                    after: Some(serde_json::json!({"pending": 0})),
                },
            )?;
        }
        tx.commit()?;
        Ok(n)
    }

    /// Every heartbeat row, by account and mailbox.
    pub fn heartbeats(&self) -> Result<Vec<Heartbeat>> {
        let mut stmt = self.conn.prepare(
            "SELECT account, mailbox, pid, started_at, state, last_contact_at, last_new_mail_at,
                    last_error, last_error_at, messages, duplicates, proposals, skipped, errors,
                    updated_at, next_attempt_at, post_action_error, post_action_error_at,
                    (SELECT count(*) FROM imap_pending_actions p
                      WHERE p.account = h.account AND p.mailbox = h.mailbox),
                    warning, warning_at, server
             FROM heartbeat h ORDER BY account, mailbox",
        )?;
        let rows = stmt
            .query_map([], |r| {
                let state: String = r.get(4)?;
                let count = |i| r.get::<_, i64>(i).map(|n| n.max(0) as u64);
                Ok((
                    state,
                    Heartbeat {
                        account: r.get(0)?,
                        mailbox: r.get(1)?,
                        pid: r.get(2)?,
                        started_at: r.get(3)?,
                        state: DaemonState::Starting,
                        last_contact_at: r.get(5)?,
                        last_new_mail_at: r.get(6)?,
                        last_error: r.get(7)?,
                        last_error_at: r.get(8)?,
                        messages: count(9)?,
                        duplicates: count(10)?,
                        proposals: count(11)?,
                        skipped: count(12)?,
                        errors: count(13)?,
                        updated_at: r.get(14)?,
                        next_attempt_at: r.get(15)?,
                        post_action_error: r.get(16)?,
                        post_action_error_at: r.get(17)?,
                        pending_post_actions: count(18)?,
                        warning: r.get(19)?,
                        warning_at: r.get(20)?,
                        server: r.get(21)?,
                    },
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(state, mut h)| {
                h.state = DaemonState::parse(&state).ok_or_else(|| {
                    super::StoreError::Corrupt(format!("heartbeat.state « {state} »"))
                })?;
                Ok(h)
            })
            .collect()
    }

    /// The heartbeat of one mailbox.
    pub fn heartbeat(&self, mb: &MailboxId) -> Result<Option<Heartbeat>> {
        Ok(self
            .heartbeats()?
            .into_iter()
            .find(|h| h.account == mb.account && h.mailbox == mb.mailbox))
    }
}

#[cfg(test)]
impl Store {
    /// The connection, for tests outside the store that break it on purpose.
    pub(crate) fn conn_for_tests(&self) -> &rusqlite::Connection {
        &self.conn
    }
}
