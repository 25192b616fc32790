//! The store side of the IMAP source and of the daemon.
//!
//! - [`ImapStore`] implements [`SyncStateStore`] on the SQLite store: each
//!   fetched message goes through the intake (`intake::process`: parsing,
//!   classification, fiches read into proposals) and is committed **with**
//!   the new watermark, its pending post-action and the heartbeat counters
//!   in one transaction (`BEGIN IMMEDIATE`). A crash before the commit
//!   leaves nothing (the message is fetched again); after it, the pending
//!   post-action is replayed by the next pass.
//! - Pending post-actions (`imap_pending_actions`) are keyed by account,
//!   mailbox, UIDVALIDITY and UID; a UIDVALIDITY change drops the old ones
//!   and resets the watermark, and the messages read again are recognised
//!   by Message-ID or SHA-256 (the store's dedupe), so nothing is doubled.
//! - Messages too large to download are recorded in `imap_skipped`.
//! - Poison messages: the tries of a batch's messages are recorded (one
//!   transaction) before the batch is read; a message's commit deletes its
//!   tries. A try left by a process that ended makes its batch read one
//!   message at a time on the storing thread, each try recorded just
//!   before; after `MAX_ATTEMPTS` tries the message is stored as `error`
//!   without being read, and the watermark moves past it.
//! - The heartbeat (one row per account and mailbox): pid, start, state,
//!   last contact with the server, last new mail, last error and when the
//!   next attempt is due, the post-action's last failure, what the user
//!   should know about the server, counters of the current run. The
//!   console and `fiches status` read it with [`Store::heartbeats`].
//! - This database's identity (the keyword it marks the messages it takes
//!   with) and the identity of each mailbox it reads (host, user, mailbox,
//!   UIDVALIDITY).

use std::sync::mpsc::{Receiver, sync_channel};

use chrono::Utc;
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use serde::Serialize;

use super::{IngestOutcome, NewMessage, Result, Store, Watermark, now, sha256_hex};
use crate::intake::imap::{
    CommitOutcome, FetchedMessage, MailboxId, PendingPostAction, PostAction, StoreError, SyncState,
    SyncStateStore,
};
use crate::intake::{
    IntakeOptions, MAX_ATTEMPTS, RawMessage, peek_message_id, poison_message, process,
};
use crate::safe::terminal_line;
use crate::worker::Unavailable;

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
fn heartbeat_row(tx: &Transaction<'_>, mb: &MailboxId, at: &str) -> Result<()> {
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
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
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
        pending: Option<&PostAction>,
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
                    action.to_string(),
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
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
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
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
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

    /// Pending post-actions of a mailbox, ascending by UID. A row whose
    /// action cannot be read (edited by hand) is an error naming it.
    pub fn imap_pending(&self, mb: &MailboxId) -> Result<Vec<PendingPostAction>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT uidvalidity, uid, action FROM imap_pending_actions
             WHERE account = ?1 AND mailbox = ?2 ORDER BY uid, uidvalidity",
        )?;
        let rows = stmt
            .query_map(params![mb.account, mb.mailbox], |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    r.get::<_, u32>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(uidvalidity, uid, action)| {
                let action = action.parse::<PostAction>().map_err(|e| {
                    super::StoreError::Corrupt(format!(
                        "imap_pending_actions {}/{} UID {uid} : {e}",
                        mb.account, mb.mailbox
                    ))
                })?;
                Ok(PendingPostAction {
                    uidvalidity,
                    uid,
                    action,
                })
            })
            .collect()
    }

    /// Removes pending post-actions (they were done), in one transaction.
    pub fn imap_pending_done(
        &mut self,
        mb: &MailboxId,
        uidvalidity: u32,
        uids: &[u32],
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
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
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
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
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
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
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
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
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
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

    /// The keyword this database adds to the messages it takes:
    /// `$FichesDaemon_` and the first 8 hexadecimal digits of its identity.
    pub fn database_mark(&self) -> Result<String> {
        let id: String =
            self.conn
                .query_row("SELECT id FROM database_identity LIMIT 1", [], |r| r.get(0))?;
        let short: String = id.chars().filter(char::is_ascii_hexdigit).take(8).collect();
        Ok(format!("{}{short}", crate::intake::imap::MARK_PREFIX))
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
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
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
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
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

/// What a pass through [`ImapStore`] stored, besides what
/// [`crate::intake::imap::SyncReport`] counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestCounts {
    pub proposals: u64,
    pub superseded: u64,
    /// Time spent reading messages (the intake) and storing them.
    pub read_time: std::time::Duration,
    pub store_time: std::time::Duration,
}

/// [`SyncStateStore`] on the SQLite store, running each message through
/// the intake: see the module documentation.
pub struct ImapStore<'s> {
    store: &'s mut Store,
    intake: IntakeOptions,
    pub counts: IngestCounts,
    /// Messages of the current batch read ahead on another thread.
    ahead: Option<Receiver<(u32, Result<NewMessage, Unavailable>)>>,
    peeked: Option<(u32, Result<NewMessage, Unavailable>)>,
    /// The current batch is read one message at a time, each try recorded
    /// just before (see the module documentation).
    careful: bool,
}

/// Messages read ahead of their commit, at most (bounds memory).
const READ_AHEAD: usize = 8;

/// The intake's reading of a fetched message, or `None` when the message
/// is already stored (no need to read it).
fn read_message(
    reader: Option<&Store>,
    intake: &IntakeOptions,
    mb: &MailboxId,
    uidvalidity: u32,
    msg: &FetchedMessage,
) -> Option<Result<NewMessage, Unavailable>> {
    let sha = sha256_hex(&msg.bytes);
    if let Some(r) = reader {
        let mid = peek_message_id(&msg.bytes);
        if matches!(r.find_duplicate(&sha, mid.as_deref()), Ok(Some(_))) {
            return None;
        }
    }
    let raw = RawMessage {
        bytes: msg.bytes.clone(),
        source_ref: mb.source_ref(uidvalidity, msg.uid),
        received_at: msg.internal_date.map(|d| d.with_timezone(&Utc)),
        size: msg.bytes.len() as u64,
        watermark: None,
    };
    Some(process(&raw, intake).map(|m| NewMessage {
        sha256: Some(sha),
        ..m
    }))
}

/// The RawMessage of a fetched message, for a poison record.
fn raw_of(mb: &MailboxId, uidvalidity: u32, msg: &FetchedMessage) -> RawMessage {
    RawMessage {
        bytes: msg.bytes.clone(),
        source_ref: mb.source_ref(uidvalidity, msg.uid),
        received_at: msg.internal_date.map(|d| d.with_timezone(&Utc)),
        size: msg.bytes.len() as u64,
        watermark: None,
    }
}

impl<'s> ImapStore<'s> {
    pub fn new(store: &'s mut Store, intake: IntakeOptions) -> ImapStore<'s> {
        ImapStore {
            store,
            intake,
            counts: IngestCounts::default(),
            ahead: None,
            peeked: None,
            careful: true,
        }
    }

    /// The reading of message `uid` if the read-ahead thread made it.
    fn take_ahead(&mut self, uid: u32) -> Option<Result<NewMessage, Unavailable>> {
        loop {
            let (u, m) = match self.peeked.take() {
                Some(p) => p,
                None => self.ahead.as_ref()?.recv().ok()?,
            };
            if u == uid {
                return Some(m);
            }
            if u > uid {
                self.peeked = Some((u, m));
                return None;
            }
            // u < uid: a message the pass did not commit (stopped): dropped.
        }
    }

    pub fn store(&mut self) -> &mut Store {
        self.store
    }

    /// What the store keeps of a fetched message: the intake's reading, or
    /// only what dedupe needs when the message is already stored (a
    /// UIDVALIDITY change, a message delivered twice).
    fn prepare(
        &mut self,
        mb: &MailboxId,
        uidvalidity: u32,
        msg: &FetchedMessage,
    ) -> Result<Result<NewMessage, Unavailable>> {
        let sha = sha256_hex(&msg.bytes);
        if self.careful {
            // A batch where a message was tried before by a process that
            // ended: each message alone, its try recorded before anything
            // of it is read (its headers included).
            let source_ref = mb.source_ref(uidvalidity, msg.uid);
            let before = self
                .store
                .intake_attempts()?
                .get(&source_ref)
                .copied()
                .unwrap_or(0);
            if before >= MAX_ATTEMPTS {
                tracing::error!(
                    "message {} : sa lecture a arrêté le programme {before} fois ; enregistré en \
                     erreur sans être lu (à traiter à la main)",
                    terminal_line(&source_ref)
                );
                return Ok(Ok(NewMessage {
                    sha256: Some(sha),
                    ..poison_message(&raw_of(mb, uidvalidity, msg), before)
                }));
            }
            if before > 0 {
                tracing::warn!(
                    "message {} : une lecture précédente n'a pas abouti (essai {} sur {MAX_ATTEMPTS}) ; relu seul",
                    terminal_line(&source_ref),
                    before + 1
                );
            }
            self.store.note_attempts(&[&source_ref], &[])?;
        }
        let mid = peek_message_id(&msg.bytes);
        if self.store.find_duplicate(&sha, mid.as_deref())?.is_some() {
            return Ok(Ok(NewMessage {
                message_id: mid,
                sha256: Some(sha),
                raw: msg.bytes.clone(),
                size: msg.bytes.len() as u64,
                source_ref: mb.source_ref(uidvalidity, msg.uid),
                ..NewMessage::default()
            }));
        }
        if let Some(m) = self.take_ahead(msg.uid) {
            return Ok(m);
        }
        // Read here (careful mode, or the read-ahead thread did not: its
        // try was recorded with the batch).
        Ok(read_message(None, &self.intake, mb, uidvalidity, msg)
            .unwrap_or_else(|| Ok(NewMessage::default())))
    }
}

fn boxed(e: super::StoreError) -> StoreError {
    Box::new(e)
}

fn watermark(mb: &MailboxId, uidvalidity: u32, uid: u32) -> Watermark {
    Watermark {
        account: mb.account.clone(),
        mailbox: mb.mailbox.clone(),
        uidvalidity,
        uid,
    }
}

impl SyncStateStore for ImapStore<'_> {
    fn load(&self, mb: &MailboxId) -> Result<Option<SyncState>, StoreError> {
        Ok(self
            .store
            .sync_state(&mb.account, &mb.mailbox)
            .map_err(boxed)?
            .map(|s| SyncState {
                uidvalidity: s.uidvalidity,
                last_uid: s.last_uid,
            }))
    }

    fn reset_watermark(&mut self, mb: &MailboxId, uidvalidity: u32) -> Result<(), StoreError> {
        self.store
            .imap_reset_watermark(mb, uidvalidity)
            .map_err(boxed)
    }

    fn commit_message(
        &mut self,
        mb: &MailboxId,
        uidvalidity: u32,
        msg: &FetchedMessage,
        post_action: Option<&PostAction>,
    ) -> Result<CommitOutcome, StoreError> {
        let t = std::time::Instant::now();
        let new = match self.prepare(mb, uidvalidity, msg).map_err(boxed)? {
            Ok(m) => m,
            Err(no_reader) => {
                // Not this message's doing: no try counted, the pass fails
                // and the message is fetched again after the backoff.
                let source_ref = mb.source_ref(uidvalidity, msg.uid);
                self.store
                    .note_attempts(&[], &[&source_ref])
                    .map_err(boxed)?;
                return Err(format!("message {source_ref} : {no_reader}").into());
            }
        };
        let wm = watermark(mb, uidvalidity, msg.uid);
        let t2 = std::time::Instant::now();
        self.counts.read_time += t2 - t;
        let outcome = self
            .store
            .imap_ingest(&new, &wm, post_action)
            .map_err(boxed)?;
        self.counts.store_time += t2.elapsed();
        match outcome {
            IngestOutcome::Stored {
                proposals,
                superseded,
                ..
            } => {
                self.counts.proposals += proposals.len() as u64;
                self.counts.superseded += superseded.len() as u64;
                Ok(CommitOutcome::Stored)
            }
            IngestOutcome::Duplicate { .. } => Ok(CommitOutcome::Duplicate),
        }
    }

    fn commit_skipped(
        &mut self,
        mb: &MailboxId,
        uidvalidity: u32,
        uid: u32,
        size: u64,
        reason: &str,
    ) -> Result<(), StoreError> {
        self.store
            .imap_skip(&watermark(mb, uidvalidity, uid), size, reason)
            .map_err(boxed)
    }

    fn pending_post_actions(&self, mb: &MailboxId) -> Result<Vec<PendingPostAction>, StoreError> {
        self.store.imap_pending(mb).map_err(boxed)
    }

    fn make_durable(&mut self, mb: &MailboxId) -> Result<(), StoreError> {
        self.store.imap_durable(mb).map_err(boxed)
    }

    fn read_ahead(&mut self, mb: &MailboxId, uidvalidity: u32, batch: Vec<FetchedMessage>) {
        self.peeked = None;
        self.ahead = None;
        self.careful = true;
        // Tries first: a batch with a message tried before by a process
        // that ended is read one message at a time (see `prepare`).
        let refs: Vec<String> = batch
            .iter()
            .map(|m| mb.source_ref(uidvalidity, m.uid))
            .collect();
        match self.store.intake_attempts() {
            Ok(tried) if refs.iter().any(|r| tried.contains_key(r)) => return,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!("essais de lecture illisibles dans la base : {e}");
                return;
            }
        }
        let starting: Vec<&str> = refs.iter().map(String::as_str).collect();
        if let Err(e) = self.store.note_attempts(&starting, &[]) {
            tracing::warn!("essais de lecture non enregistrés dans la base : {e}");
            return;
        }
        let (tx, rx) = sync_channel(READ_AHEAD);
        self.ahead = Some(rx);
        self.careful = false;
        let (intake, mb, path) = (
            self.intake.clone(),
            mb.clone(),
            self.store.path().to_owned(),
        );
        let spawned = std::thread::Builder::new()
            .name("imap-read".into())
            .spawn(move || {
                // Its own read-only connection, to skip messages already stored.
                let reader = Store::open_reader(&path).ok();
                for msg in batch {
                    let Some(m) = read_message(reader.as_ref(), &intake, &mb, uidvalidity, &msg)
                    else {
                        continue;
                    };
                    if tx.send((msg.uid, m)).is_err() {
                        break;
                    }
                }
            });
        if spawned.is_err() {
            // Read on the storing thread instead.
            self.ahead = None;
        }
    }

    fn post_actions_done(
        &mut self,
        mb: &MailboxId,
        uidvalidity: u32,
        uids: &[u32],
    ) -> Result<(), StoreError> {
        self.store
            .imap_pending_done(mb, uidvalidity, uids)
            .map_err(boxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/corpus/mail")
                .join(name),
        )
        .unwrap()
    }

    fn fetched(uid: u32, bytes: Vec<u8>) -> FetchedMessage {
        FetchedMessage {
            uid,
            bytes,
            internal_date: chrono::DateTime::parse_from_rfc3339("2018-05-14T10:00:00+02:00").ok(),
        }
    }

    fn intake() -> IntakeOptions {
        IntakeOptions::new(
            chrono::DateTime::parse_from_rfc3339("2018-06-08T23:59:59+02:00").unwrap(),
        )
    }

    #[test]
    fn commit_stores_with_watermark_pending_and_counters() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("f.db")).unwrap();
        let mb = MailboxId::new("staff@h", "INBOX");
        store.heartbeat_start(&mb, 42).unwrap();
        let keyword = PostAction::AddKeyword("$Fiches".into());
        let mut s = ImapStore::new(&mut store, intake());
        s.reset_watermark(&mb, 7).unwrap();
        let out = s
            .commit_message(&mb, 7, &fetched(3, corpus("01-plain.eml")), Some(&keyword))
            .unwrap();
        assert_eq!(out, CommitOutcome::Stored);
        assert_eq!(s.counts.proposals, 1);
        // The same bytes again (a UIDVALIDITY change, a second delivery).
        let out = s
            .commit_message(&mb, 8, &fetched(1, corpus("01-plain.eml")), Some(&keyword))
            .unwrap();
        assert_eq!(out, CommitOutcome::Duplicate);
        assert_eq!(
            s.load(&mb).unwrap(),
            Some(SyncState {
                uidvalidity: 8,
                last_uid: 1
            })
        );
        let pending = s.pending_post_actions(&mb).unwrap();
        assert_eq!(pending.len(), 2);
        assert_eq!(pending[0].uid, 1);
        assert_eq!(pending[0].action, keyword);
        s.reset_watermark(&mb, 8).unwrap();
        let pending = s.pending_post_actions(&mb).unwrap();
        assert_eq!(
            pending,
            vec![PendingPostAction {
                uidvalidity: 8,
                uid: 1,
                action: keyword.clone()
            }]
        );
        s.post_actions_done(&mb, 8, &[1]).unwrap();
        assert!(s.pending_post_actions(&mb).unwrap().is_empty());

        s.commit_skipped(&mb, 8, 5, 99_000_000, "trop gros")
            .unwrap();
        assert_eq!(s.load(&mb).unwrap().unwrap().last_uid, 5);

        let messages = store.list_messages(&Default::default()).unwrap();
        // The skipped message is a message too, for staff to fetch by hand.
        assert_eq!(messages.len(), 2);
        let skipped = &messages[1];
        assert_eq!(skipped.status, crate::store::MessageStatus::Rejected);
        assert_eq!(skipped.flags, ["not_downloaded"]);
        let reason = skipped.reason.as_deref().unwrap();
        assert!(
            reason.contains("trop gros") && reason.contains("UID 5"),
            "{reason}"
        );
        assert_eq!(store.imap_skipped().unwrap()[0].uid, 5);
        // Staff find it in À traiter, its note readable.
        let triage = store.triage_messages().unwrap();
        assert!(
            triage
                .iter()
                .any(|m| m.id == skipped.id && m.flags == ["not_downloaded"]),
            "{triage:?}"
        );
        let note = String::from_utf8(store.raw_message(skipped.id).unwrap()).unwrap();
        assert!(
            note.contains("Message non téléchargé") && note.contains("fiches import"),
            "{note}"
        );
        let h = store.heartbeat(&mb).unwrap().unwrap();
        assert_eq!(
            (
                h.pid,
                h.messages,
                h.duplicates,
                h.proposals,
                h.skipped,
                h.errors
            ),
            (Some(42), 1, 1, 1, 1, 0)
        );
        assert!(h.last_new_mail_at.is_some() && h.last_contact_at.is_some());
        store
            .heartbeat_error(&mb, "connexion perdue", DaemonState::Reconnecting)
            .unwrap();
        store.heartbeat_state(&mb, DaemonState::Idle, true).unwrap();
        let h = store.heartbeat(&mb).unwrap().unwrap();
        assert_eq!(h.state, DaemonState::Idle);
        assert_eq!(h.errors, 1);
        assert_eq!(h.last_error.as_deref(), Some("connexion perdue"));
        // A message seen again past the limit is recorded once.
        let wm = Watermark {
            account: mb.account.clone(),
            mailbox: mb.mailbox.clone(),
            uidvalidity: 8,
            uid: 5,
        };
        store.imap_skip(&wm, 99_000_000, "trop gros").unwrap();
        assert_eq!(store.list_messages(&Default::default()).unwrap().len(), 2);
        // A new run: counters start again, the last error stays.
        store.heartbeat_start(&mb, 43).unwrap();
        let h = store.heartbeat(&mb).unwrap().unwrap();
        assert_eq!((h.pid, h.messages, h.errors), (Some(43), 0, 0));
        assert_eq!(h.state, DaemonState::Starting);
        assert!(h.last_error.is_some());
    }

    #[test]
    fn identity_marks_pass_reports_and_pending_reset() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("f.db")).unwrap();
        let mark = store.database_mark().unwrap();
        assert!(
            mark.starts_with("$FichesDaemon_") && mark.len() == 22,
            "{mark}"
        );
        assert_eq!(store.database_mark().unwrap(), mark);
        let other = Store::open(dir.path().join("g.db")).unwrap();
        assert_ne!(other.database_mark().unwrap(), mark);

        let mb = MailboxId::new("staff@h", "INBOX");
        assert_eq!(
            store.imap_identity(&mb, "h", 993, "staff", 7).unwrap(),
            None
        );
        assert_eq!(
            store.imap_identity(&mb, "h", 993, "staff", 8).unwrap(),
            None
        );
        let changed = store
            .imap_identity(&mb, "other.example", 993, "staff", 1)
            .unwrap()
            .unwrap();
        assert!(changed.contains("staff sur h:993") && changed.contains("other.example"));

        store.heartbeat_start(&mb, 1).unwrap();
        store
            .heartbeat_pass(
                &mb,
                Some("déplacement refusé"),
                Some("sans UIDPLUS"),
                Some("h:993 (IDLE)"),
            )
            .unwrap();
        let h = store.heartbeat(&mb).unwrap().unwrap();
        assert_eq!(h.post_action_error.as_deref(), Some("déplacement refusé"));
        assert_eq!(h.warning.as_deref(), Some("sans UIDPLUS"));
        assert_eq!(h.server.as_deref(), Some("h:993 (IDLE)"));
        let since = h.post_action_error_at.clone();
        assert!(since.is_some());
        store
            .heartbeat_pass(&mb, None, Some("sans UIDPLUS"), None)
            .unwrap();
        let h = store.heartbeat(&mb).unwrap().unwrap();
        assert_eq!((h.post_action_error, h.post_action_error_at), (None, None));
        assert_eq!(h.server.as_deref(), Some("h:993 (IDLE)"));
        store
            .heartbeat_retry(
                &mb,
                "authentification refusée",
                DaemonState::Reconnecting,
                Some("2030-01-01T00:00:00Z"),
            )
            .unwrap();
        assert!(
            store
                .heartbeat(&mb)
                .unwrap()
                .unwrap()
                .next_attempt_at
                .is_some()
        );
        store.heartbeat_state(&mb, DaemonState::Idle, true).unwrap();
        assert_eq!(store.heartbeat(&mb).unwrap().unwrap().next_attempt_at, None);

        let mut s = ImapStore::new(&mut store, intake());
        s.reset_watermark(&mb, 7).unwrap();
        let mv = PostAction::MoveTo("Traitées".into());
        s.commit_message(&mb, 7, &fetched(3, corpus("01-plain.eml")), Some(&mv))
            .unwrap();
        assert_eq!(
            store.heartbeat(&mb).unwrap().unwrap().pending_post_actions,
            1
        );
        assert_eq!(store.imap_reset_pending(&mb, "alice").unwrap(), 1);
        assert_eq!(store.imap_reset_pending(&mb, "alice").unwrap(), 0);
        assert!(store.imap_pending(&mb).unwrap().is_empty());
        let (actor, before): (String, String) = store
            .conn
            .query_row(
                "SELECT actor, before FROM journal WHERE action = 'imap_pending_reset'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(actor, "alice");
        assert!(before.contains("move:Traitées"), "{before}");
    }

    #[test]
    fn a_failed_commit_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("f.db")).unwrap();
        let mb = MailboxId::new("a", "INBOX");
        // A pending row that the commit's insert will collide with cannot
        // fail (upsert); make the heartbeat insert fail instead.
        store
            .conn
            .execute_batch(
                "CREATE TRIGGER no_beat BEFORE INSERT ON heartbeat
                 BEGIN SELECT RAISE(ABORT, 'refusé'); END;",
            )
            .unwrap();
        let mut s = ImapStore::new(&mut store, intake());
        s.reset_watermark(&mb, 1).unwrap();
        let keyword = PostAction::AddFlag("\\Seen".into());
        assert!(
            s.commit_message(&mb, 1, &fetched(9, corpus("01-plain.eml")), Some(&keyword))
                .is_err()
        );
        assert_eq!(s.load(&mb).unwrap().unwrap().last_uid, 0);
        assert!(s.pending_post_actions(&mb).unwrap().is_empty());
        assert!(store.list_messages(&Default::default()).unwrap().is_empty());
    }
}
