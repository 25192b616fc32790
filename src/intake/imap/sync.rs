//! One sync pass over one mailbox, and what it needs from the store.
//!
//! The order of things is what makes "exactly once" hold across crashes:
//!
//! 1. `SELECT`; if UIDVALIDITY differs from the stored one, the watermark is
//!    reset to 0 under the new UIDVALIDITY and the whole mailbox is read
//!    again — the store recognises the messages it already has by
//!    Message-ID / content hash, so nothing is doubled;
//! 2. post-actions recorded as pending by an earlier pass (it crashed or lost
//!    the connection after committing) are applied first;
//! 3. `UID SEARCH UID n+1:*`, UIDs ≤ n dropped;
//! 4. sizes, then `UID FETCH BODY.PEEK[]` in batches; each message is
//!    committed **with** the new watermark (and its pending post-action) in
//!    one store transaction;
//! 5. only then — once the batch's commits are durable (on disk, not only
//!    in the OS cache) — the post-action on the server, and it is marked
//!    done.
//!
//! A crash between 4 and 5 leaves a pending post-action, replayed at 2. A
//! crash before 4 leaves the watermark where it was: the message is fetched
//! again.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use super::config::{ImapSourceConfig, PostAction};
use super::conn::{FetchedMessage, ImapConnection};
use super::error::{ImapError, StoreError};

/// Which mailbox of which account.
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

/// The watermark of a mailbox: every message with a UID ≤ `last_uid` under
/// this UIDVALIDITY is in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncState {
    pub uidvalidity: u32,
    pub last_uid: u32,
}

/// A post-action committed with its message but not yet confirmed done on
/// the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingPostAction {
    pub uidvalidity: u32,
    pub uid: u32,
    pub action: PostAction,
}

/// What the store did with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitOutcome {
    /// New: stored (and queued for the intake pipeline).
    Stored,
    /// Already there (same Message-ID or same content): only the watermark
    /// moved.
    Duplicate,
}

/// What the IMAP sync needs from the store. Each method is one
/// transaction.
pub trait SyncStateStore {
    /// The watermark of a mailbox, if it was ever synced.
    fn load(&self, mailbox: &MailboxId) -> Result<Option<SyncState>, StoreError>;

    /// Sets the watermark to `(uidvalidity, 0)` and forgets pending
    /// post-actions of other UIDVALIDITYs. Called on the first sync and
    /// when the server's UIDVALIDITY changed. Stored messages stay.
    fn reset_watermark(&mut self, mailbox: &MailboxId, uidvalidity: u32) -> Result<(), StoreError>;

    /// In ONE transaction: stores the message unless it is already there
    /// (by Message-ID or content hash), moves the watermark up to
    /// `msg.uid` (never down), and records `post_action` as pending when
    /// given. Source reference: [`MailboxId::source_ref`].
    fn commit_message(
        &mut self,
        mailbox: &MailboxId,
        uidvalidity: u32,
        msg: &FetchedMessage,
        post_action: Option<&PostAction>,
    ) -> Result<CommitOutcome, StoreError>;

    /// In ONE transaction: records that the message `uid` was not taken
    /// (`reason`, French, for the console) and moves the watermark up to it.
    fn commit_skipped(
        &mut self,
        mailbox: &MailboxId,
        uidvalidity: u32,
        uid: u32,
        size: u64,
        reason: &str,
    ) -> Result<(), StoreError>;

    /// Post-actions committed but not yet marked done, ascending by UID.
    fn pending_post_actions(
        &self,
        mailbox: &MailboxId,
    ) -> Result<Vec<PendingPostAction>, StoreError>;

    /// Makes every commit so far durable — on disk, not only in the
    /// operating system's cache — before a post-action changes the server:
    /// a message moved away must never outlive, after a power cut, the
    /// commit that stored it. Called once per batch, not per message.
    fn make_durable(&mut self, _mailbox: &MailboxId) -> Result<(), StoreError> {
        Ok(())
    }

    /// Marks post-actions done (removes them from the pending list).
    fn post_actions_done(
        &mut self,
        mailbox: &MailboxId,
        uidvalidity: u32,
        uids: &[u32],
    ) -> Result<(), StoreError>;
}

/// What a pass does, besides the mailbox.
#[derive(Debug, Clone)]
pub struct SyncOptions<'a> {
    pub mailbox: MailboxId,
    pub post_action: PostAction,
    /// Messages per `UID FETCH`.
    pub batch_size: usize,
    /// Bytes per `UID FETCH` (a larger single message still goes alone).
    pub max_batch_bytes: u64,
    /// Larger messages are recorded as skipped, never downloaded.
    pub max_message_bytes: u64,
    /// Checked between messages: when set, the pass ends after the current
    /// message (and its batch's post-actions).
    pub stop: Option<&'a AtomicBool>,
}

impl SyncOptions<'static> {
    pub fn from_config(cfg: &ImapSourceConfig) -> Self {
        SyncOptions {
            mailbox: MailboxId::new(cfg.account_id(), cfg.mailbox.clone()),
            post_action: cfg.post_action.clone(),
            batch_size: cfg.batch_size.max(1),
            max_batch_bytes: DEFAULT_MAX_BATCH_BYTES,
            max_message_bytes: cfg.max_message_bytes,
            stop: None,
        }
    }
}

/// Bounds the memory of one batch.
/// (The `imap` crate holds a whole FETCH answer while we copy the bodies
/// out, so a batch costs about twice this at its peak.)
pub const DEFAULT_MAX_BATCH_BYTES: u64 = 8 * 1024 * 1024;

/// What a pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub uidvalidity: u32,
    /// The stored UIDVALIDITY differed: the mailbox was read again.
    pub uidvalidity_changed: bool,
    /// UIDs found above the watermark.
    pub new_uids: usize,
    pub stored: usize,
    pub duplicates: usize,
    /// Too large, recorded as skipped.
    pub skipped: usize,
    /// Found by SEARCH but gone by FETCH (expunged meanwhile).
    pub vanished: usize,
    /// Post-actions applied to messages of this pass.
    pub post_actions: usize,
    /// Pending post-actions of an earlier pass applied now.
    pub replayed: usize,
    /// Watermark at the end of the pass.
    pub last_uid: u32,
    /// The stop flag ended the pass early.
    pub stopped: bool,
}

fn store_err(e: StoreError) -> ImapError {
    ImapError::Store(e)
}

/// One pass over the mailbox: see the module documentation.
pub fn sync_once(
    conn: &mut ImapConnection,
    store: &mut dyn SyncStateStore,
    opts: &SyncOptions<'_>,
) -> Result<SyncReport, ImapError> {
    let mb = &opts.mailbox;
    let selected = conn.select(&mb.mailbox)?;
    let uidvalidity = selected.uidvalidity;
    let mut report = SyncReport {
        uidvalidity,
        ..SyncReport::default()
    };

    let last_uid = match store.load(mb).map_err(store_err)? {
        Some(s) if s.uidvalidity == uidvalidity => s.last_uid,
        Some(s) => {
            tracing::warn!(
                account = %mb.account,
                mailbox = %mb.mailbox,
                old = s.uidvalidity,
                new = uidvalidity,
                "UIDVALIDITY a changé : relecture complète du dossier, les messages déjà \
                 enregistrés sont reconnus par Message-ID ou empreinte"
            );
            store.reset_watermark(mb, uidvalidity).map_err(store_err)?;
            report.uidvalidity_changed = true;
            0
        }
        None => {
            store.reset_watermark(mb, uidvalidity).map_err(store_err)?;
            0
        }
    };
    report.last_uid = last_uid;

    report.replayed = replay_pending(conn, store, mb, uidvalidity)?;

    let uids = conn.search_new(last_uid)?;
    report.new_uids = uids.len();
    if uids.is_empty() {
        return Ok(report);
    }
    let sizes = conn.fetch_sizes(&uids)?;

    for batch in plan_batches(&sizes, opts) {
        let (skips, fetch): (Vec<_>, Vec<_>) = batch
            .into_iter()
            .partition(|&(_, size)| u64::from(size) > opts.max_message_bytes);
        // Skipped messages and fetched ones are committed in UID order so the
        // watermark only ever moves up.
        let messages = if fetch.is_empty() {
            Vec::new()
        } else {
            let want: Vec<u32> = fetch.iter().map(|&(u, _)| u).collect();
            let got = conn.fetch_messages(&want)?;
            report.vanished += want.len() - got.len();
            got
        };
        let mut events: Vec<(u32, Option<FetchedMessage>, u32)> = skips
            .into_iter()
            .map(|(u, size)| (u, None, size))
            .chain(messages.into_iter().map(|m| (m.uid, Some(m), 0)))
            .collect();
        events.sort_by_key(|e| e.0);

        let action = (!opts.post_action.is_none()).then_some(&opts.post_action);
        let mut committed = Vec::new();
        for (uid, msg, size) in events {
            if opts.stop.is_some_and(|s| s.load(Ordering::SeqCst)) {
                report.stopped = true;
                break;
            }
            match msg {
                Some(msg) => {
                    match store
                        .commit_message(mb, uidvalidity, &msg, action)
                        .map_err(store_err)?
                    {
                        CommitOutcome::Stored => report.stored += 1,
                        CommitOutcome::Duplicate => report.duplicates += 1,
                    }
                    committed.push(uid);
                }
                None => {
                    let reason = format!(
                        "message de {size} octets, au-delà de la limite de {} octets \
                         (`max_message_bytes`) : non téléchargé",
                        opts.max_message_bytes
                    );
                    tracing::warn!(account = %mb.account, mailbox = %mb.mailbox, uid, "{reason}");
                    store
                        .commit_skipped(mb, uidvalidity, uid, u64::from(size), &reason)
                        .map_err(store_err)?;
                    report.skipped += 1;
                }
            }
            report.last_uid = report.last_uid.max(uid);
        }
        if let Some(action) = action
            && !committed.is_empty()
        {
            store.make_durable(mb).map_err(store_err)?;
            conn.apply_post_action(action, &committed)?;
            store
                .post_actions_done(mb, uidvalidity, &committed)
                .map_err(store_err)?;
            report.post_actions += committed.len();
        }
        if report.stopped {
            break;
        }
    }
    Ok(report)
}

/// Applies the post-actions an earlier pass committed but did not confirm.
fn replay_pending(
    conn: &mut ImapConnection,
    store: &mut dyn SyncStateStore,
    mb: &MailboxId,
    uidvalidity: u32,
) -> Result<usize, ImapError> {
    let pending = store.pending_post_actions(mb).map_err(store_err)?;
    if pending.is_empty() {
        return Ok(0);
    }
    let mut by_action: BTreeMap<String, (PostAction, Vec<u32>)> = BTreeMap::new();
    let mut stale: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for p in pending {
        if p.uidvalidity == uidvalidity {
            by_action
                .entry(p.action.to_string())
                .or_insert_with(|| (p.action.clone(), Vec::new()))
                .1
                .push(p.uid);
        } else {
            // UIDs of another UIDVALIDITY name nothing any more.
            stale.entry(p.uidvalidity).or_default().push(p.uid);
        }
    }
    for (v, uids) in stale {
        store.post_actions_done(mb, v, &uids).map_err(store_err)?;
    }
    if !by_action.is_empty() {
        store.make_durable(mb).map_err(store_err)?;
    }
    let mut n = 0;
    for (_, (action, uids)) in by_action {
        tracing::info!(
            account = %mb.account,
            mailbox = %mb.mailbox,
            count = uids.len(),
            %action,
            "reprise de post-actions en attente"
        );
        conn.apply_post_action(&action, &uids)?;
        store
            .post_actions_done(mb, uidvalidity, &uids)
            .map_err(store_err)?;
        n += uids.len();
    }
    Ok(n)
}

/// Groups `(uid, size)` in UID order into batches bounded by count and
/// bytes. Oversized messages cost nothing (they are not downloaded).
fn plan_batches(sizes: &[(u32, u32)], opts: &SyncOptions<'_>) -> Vec<Vec<(u32, u32)>> {
    let mut batches = Vec::new();
    let mut cur: Vec<(u32, u32)> = Vec::new();
    let mut cur_bytes = 0u64;
    for &(uid, size) in sizes {
        let cost = if u64::from(size) > opts.max_message_bytes {
            0
        } else {
            u64::from(size)
        };
        if !cur.is_empty()
            && (cur.len() >= opts.batch_size.max(1) || cur_bytes + cost > opts.max_batch_bytes)
        {
            batches.push(std::mem::take(&mut cur));
            cur_bytes = 0;
        }
        cur.push((uid, size));
        cur_bytes += cost;
    }
    if !cur.is_empty() {
        batches.push(cur);
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(batch: usize, bytes: u64, max: u64) -> SyncOptions<'static> {
        SyncOptions {
            mailbox: MailboxId::new("a", "INBOX"),
            post_action: PostAction::None,
            batch_size: batch,
            max_batch_bytes: bytes,
            max_message_bytes: max,
            stop: None,
        }
    }

    #[test]
    fn batches_by_count_and_bytes() {
        let sizes: Vec<(u32, u32)> = (1..=7).map(|u| (u, 10)).collect();
        let b = plan_batches(&sizes, &opts(3, 1000, 100));
        assert_eq!(b.iter().map(Vec::len).collect::<Vec<_>>(), vec![3, 3, 1]);
        let b = plan_batches(&sizes, &opts(10, 25, 100));
        assert_eq!(b.iter().map(Vec::len).collect::<Vec<_>>(), vec![2, 2, 2, 1]);
        // A message over the byte budget goes alone; an oversized one costs 0.
        let b = plan_batches(&[(1, 10), (2, 90), (3, 500), (4, 10)], &opts(10, 50, 100));
        assert_eq!(
            b,
            vec![vec![(1, 10)], vec![(2, 90)], vec![(3, 500), (4, 10)]]
        );
    }

    #[test]
    fn source_ref() {
        assert_eq!(
            MailboxId::new("u@h", "INBOX").source_ref(7, 42),
            "imap://u@h/INBOX;UIDVALIDITY=7/;UID=42"
        );
    }
}
