//! One sync pass over one mailbox, and what it needs from the store.
//!
//! The order of things is what makes "exactly once" hold across crashes:
//!
//! 1. `SELECT`; if UIDVALIDITY differs from the stored one, the watermark is
//!    reset to 0 under the new UIDVALIDITY and the whole mailbox is read
//!    again — the store recognises the messages it already has by
//!    Message-ID / content hash, so nothing is doubled;
//! 2. the post-action is checked before anything is fetched (the `move_to`
//!    folder exists or is created, keywords are allowed): with
//!    [`SyncOptions::strict_post_action`] a refusal ends the pass (the
//!    daemon refuses to start, naming the folder and the right name);
//!    otherwise intake goes on and the post-actions wait, reported in
//!    [`SyncReport::post_action_error`];
//! 3. post-actions recorded as pending by an earlier pass (it crashed or lost
//!    the connection after committing) are applied first — the action of
//!    the *current* configuration, not the one recorded, and without ever
//!    copying a message twice ([`ImapConnection::replay_post_action`]);
//!    one that fails is reported and left pending, it never blocks 4;
//! 4. `UID FETCH n+1:* (UID RFC822.SIZE FLAGS)`, UIDs ≤ n dropped, checked
//!    against the server's message count ([`ImapConnection::discover_new`]);
//! 5. `UID FETCH BODY.PEEK[]` in batches; each message is
//!    committed **with** the new watermark (and its pending post-action) in
//!    one store transaction;
//! 6. only then — once the batch's commits are durable (on disk, not only
//!    in the OS cache) — the post-action on the server (with this
//!    database's mark, [`SyncOptions::mark`], where keywords are allowed),
//!    and it is marked done.
//!
//! A crash between 5 and 6 leaves a pending post-action, replayed at 3. A
//! crash before 5 leaves the watermark where it was: the message is fetched
//! again.
//!
//! Steps 5 and 6 run in two stages: the calling thread talks to the server
//! (fetches batch n+1, sends the post-actions of batch n−1) while a second
//! thread reads and commits batch n, so that the network and the reading
//! of fiches overlap. The order of commits and the rule "post-action only
//! after a durable commit" are the same.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel, sync_channel};

use super::config::{ImapSourceConfig, PostAction};
use super::conn::{FetchedMessage, ImapConnection};
use super::error::{ImapError, StateStoreError};
use crate::store::MailboxId;

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
    fn load(&self, mailbox: &MailboxId) -> Result<Option<SyncState>, StateStoreError>;

    /// Sets the watermark to `(uidvalidity, 0)` and forgets pending
    /// post-actions of other UIDVALIDITYs. Called on the first sync and
    /// when the server's UIDVALIDITY changed. Stored messages stay.
    fn reset_watermark(
        &mut self,
        mailbox: &MailboxId,
        uidvalidity: u32,
    ) -> Result<(), StateStoreError>;

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
    ) -> Result<CommitOutcome, StateStoreError>;

    /// In ONE transaction: records that the message `uid` was not taken
    /// (`reason`, French, for the console) and moves the watermark up to it.
    fn commit_skipped(
        &mut self,
        mailbox: &MailboxId,
        uidvalidity: u32,
        uid: u32,
        size: u64,
        reason: &str,
    ) -> Result<(), StateStoreError>;

    /// Post-actions committed but not yet marked done, ascending by UID.
    fn pending_post_actions(
        &self,
        mailbox: &MailboxId,
    ) -> Result<Vec<PendingPostAction>, StateStoreError>;

    /// Makes every commit so far durable — on disk, not only in the
    /// operating system's cache — before a post-action changes the server:
    /// a message moved away must never outlive, after a power cut, the
    /// commit that stored it. Called once per batch, not per message.
    fn make_durable(&mut self, _mailbox: &MailboxId) -> Result<(), StateStoreError> {
        Ok(())
    }

    /// The messages of a batch about to be committed, in UID order: a store
    /// may start reading them on another thread (the commits still come one
    /// by one, through `commit_message`). Default: nothing.
    fn read_ahead(&mut self, _mailbox: &MailboxId, _uidvalidity: u32, _batch: Vec<FetchedMessage>) {
    }

    /// Marks post-actions done (removes them from the pending list).
    fn post_actions_done(
        &mut self,
        mailbox: &MailboxId,
        uidvalidity: u32,
        uids: &[u32],
    ) -> Result<(), StateStoreError>;
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
    /// This database's keyword (`$FichesDaemon_…`), added with each
    /// post-action where the server allows keywords; other databases'
    /// marks on new messages or in the `move_to` folder are reported.
    pub mark: Option<String>,
    /// A post-action the server refuses (folder, keyword) ends the pass
    /// before anything is fetched, instead of being reported while intake
    /// goes on: for `--once` and the daemon's start.
    pub strict_post_action: bool,
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
            mark: None,
            strict_post_action: true,
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
    /// Post-actions found already done when replayed (copies already in
    /// the target folder, messages gone): nothing sent for them.
    pub replay_already_done: usize,
    /// Pending post-actions dropped because the configuration no longer
    /// asks for one.
    pub pending_dropped: usize,
    /// The post-action could not be done (French): the messages are stored
    /// and their post-actions wait, intake goes on.
    pub post_action_error: Option<String>,
    /// What the user should know (French): the server lacks UIDPLUS,
    /// another database reads this mailbox, the server hid messages.
    pub warnings: Vec<String>,
    /// The server hid new messages even from the second way of looking:
    /// the pass may have missed some.
    pub incomplete: bool,
}

fn store_err(e: StateStoreError) -> ImapError {
    ImapError::Store(e)
}

/// One pass over the mailbox: see the module documentation.
pub fn sync_once(
    conn: &mut ImapConnection,
    store: &mut (dyn SyncStateStore + Send),
    opts: &SyncOptions<'_>,
) -> Result<SyncReport, ImapError> {
    let (first, restart) = pass(conn, store, opts)?;
    if !restart {
        return Ok(first);
    }
    // The UIDVALIDITY changed during the replay (GNU Mailutils gives an
    // emptied mailbox a new one): a pass again, under the new one.
    tracing::info!(
        account = %opts.mailbox.account,
        mailbox = %opts.mailbox.mailbox,
        "UIDVALIDITY changée pendant le passage (boîte vidée) : nouveau passage"
    );
    let (mut second, _) = pass(conn, store, opts)?;
    second.replayed += first.replayed;
    second.replay_already_done += first.replay_already_done;
    second.pending_dropped += first.pending_dropped;
    second.uidvalidity_changed = true;
    for w in first.warnings {
        if !second.warnings.contains(&w) {
            second.warnings.insert(0, w);
        }
    }
    if second.post_action_error.is_none() {
        second.post_action_error = first.post_action_error;
    }
    Ok(second)
}

/// One pass; `true` with it when the UIDVALIDITY changed before new mail
/// was looked for (the pass stopped there).
fn pass(
    conn: &mut ImapConnection,
    store: &mut (dyn SyncStateStore + Send),
    opts: &SyncOptions<'_>,
) -> Result<(SyncReport, bool), ImapError> {
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
            if selected.exists == 0 {
                // Nothing to read again (GNU Mailutils renumbers a mailbox
                // once emptied, after every intake with `move_to`).
                tracing::info!(
                    account = %mb.account,
                    mailbox = %mb.mailbox,
                    old = s.uidvalidity,
                    new = uidvalidity,
                    "UIDVALIDITY a changé, dossier vide"
                );
            } else {
                tracing::warn!(
                    account = %mb.account,
                    mailbox = %mb.mailbox,
                    old = s.uidvalidity,
                    new = uidvalidity,
                    "UIDVALIDITY a changé : relecture complète du dossier, les messages déjà \
                     enregistrés sont reconnus par Message-ID ou empreinte"
                );
            }
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

    // The post-action can be done here, before anything is fetched.
    let mark = opts.mark.as_deref();
    let mut post_ok = match conn.check_post_action(&opts.post_action, mark) {
        Ok(check) => {
            report.warnings.extend(check.notices);
            if let Some(w) = foreign_marks(
                conn,
                mb,
                "dans le dossier de destination",
                &check.target_marks,
                mark,
            ) {
                report.warnings.push(w);
            }
            true
        }
        Err(e) if opts.strict_post_action || !e.is_post_action_problem() || !conn.is_usable() => {
            return Err(e);
        }
        Err(e) => {
            report.post_action_error = Some(post_action_failed(&opts.post_action, &e));
            false
        }
    };

    if post_ok {
        match replay_pending(conn, store, opts, uidvalidity, &mut report) {
            Ok(()) => {}
            // Reported (in the report: the daemon says it once), not logged
            // at every pass.
            Err(e) if e.is_post_action_problem() && conn.is_usable() => {
                report.post_action_error = Some(post_action_failed(&opts.post_action, &e));
                post_ok = false;
            }
            Err(e) => return Err(e),
        }
    }

    if conn
        .selected()
        .is_some_and(|s| s.uidvalidity != uidvalidity)
    {
        return Ok((report, true));
    }
    let found = conn.discover_new(last_uid)?;
    if let Some(w) = found.warning {
        report.warnings.push(w);
    }
    report.incomplete = found.incomplete;
    if let Some(w) = foreign_marks(
        conn,
        mb,
        "sur des messages nouveaux",
        &found.foreign_marks,
        mark,
    ) {
        report.warnings.push(w);
    }
    report.new_uids = found.sizes.len();
    if found.sizes.is_empty() {
        return Ok((report, false));
    }
    let batches = plan_batches(&found.sizes, opts);
    run_pipeline(
        conn,
        store,
        opts,
        uidvalidity,
        batches,
        post_ok,
        &mut report,
    )?;
    Ok((report, false))
}

/// Why the post-action waits (French): what it is, then the error.
fn post_action_failed(action: &PostAction, e: &ImapError) -> String {
    match e {
        // These already name the folder, keyword or flag.
        ImapError::TargetFolder { .. } | ImapError::PostActionUnsupported { .. } => e.to_string(),
        _ => format!("{} impossible : {e}", action.describe()),
    }
}

/// The warning when another database's marks were seen (`where`: on new
/// messages, in the target folder).
fn foreign_marks(
    conn: &ImapConnection,
    mb: &MailboxId,
    place: &str,
    marks: &BTreeSet<String>,
    ours: Option<&str>,
) -> Option<String> {
    let ours = ours?;
    let others: Vec<&str> = marks
        .iter()
        .map(String::as_str)
        .filter(|m| !m.eq_ignore_ascii_case(ours))
        .collect();
    if others.is_empty() {
        return None;
    }
    Some(format!(
        "une autre base fiches relève aussi « {} » sur {} : sa marque {} est {place} \
         (celle de cette base est {ours}) ; deux bases sur une même boîte se partagent le courrier \
         — n'en garder qu'une",
        mb.mailbox,
        conn.host(),
        others.join(", ")
    ))
}

/// A message of a batch in UID order: fetched, or too large (its size).
type Event = (u32, Option<FetchedMessage>, u32);

/// What the storing thread did with one batch.
struct BatchDone {
    /// Committed (stored or duplicate): their post-action is due.
    committed: Vec<u32>,
    stopped: bool,
}

/// What the storing thread counted.
#[derive(Default)]
struct StoreCounts {
    stored: usize,
    duplicates: usize,
    skipped: usize,
    last_uid: u32,
    stopped: bool,
}

/// The batches, in two stages: this thread talks to the server (FETCH of
/// batch n+1, post-actions of batch n−1) while a second thread reads and
/// commits batch n. At most two batches are in memory. A batch's
/// post-action is sent only after the storing thread made its commits
/// durable; a network error leaves the committed messages' post-actions
/// pending (replayed by the next pass), a store error stops the fetching.
fn run_pipeline(
    conn: &mut ImapConnection,
    store: &mut (dyn SyncStateStore + Send),
    opts: &SyncOptions<'_>,
    uidvalidity: u32,
    batches: Vec<Vec<(u32, u32)>>,
    post_ok: bool,
    report: &mut SyncReport,
) -> Result<(), ImapError> {
    // Recorded as pending with each message even when it cannot be done
    // now: done as soon as the server or the configuration allows.
    let action = (!opts.post_action.is_none()).then_some(&opts.post_action);
    let mut apply_ok = post_ok;
    let mut post_error: Option<String> = None;
    let stopping = || opts.stop.is_some_and(|s| s.load(Ordering::SeqCst));
    let start_uid = report.last_uid;
    std::thread::scope(|scope| {
        let (work_tx, work_rx) = sync_channel::<Vec<Event>>(0);
        let (done_tx, done_rx) = channel::<BatchDone>();
        let (marks_tx, marks_rx) = channel::<Vec<u32>>();
        let worker = std::thread::Builder::new()
            .name("imap-store".into())
            .spawn_scoped(scope, move || {
                store_batches(
                    store,
                    opts,
                    uidvalidity,
                    action,
                    start_uid,
                    work_rx,
                    done_tx,
                    marks_rx,
                )
            })
            .map_err(|e| ImapError::Store(format!("fil de stockage impossible : {e}").into()))?;

        let mut net: Result<(), ImapError> = Ok(());
        let mut post_actions = 0;
        // Applies a committed batch's post-action (unless the connection
        // already failed); true when the storing thread stopped.
        let mut apply =
            |done: BatchDone, conn: &mut ImapConnection, net: &mut Result<(), ImapError>| {
                if let (Some(action), Ok(()), true) = (action, &*net, apply_ok)
                    && !done.committed.is_empty()
                {
                    match conn.apply_post_action(action, &done.committed, opts.mark.as_deref()) {
                        Ok(()) => {
                            post_actions += done.committed.len();
                            let _ = marks_tx.send(done.committed);
                        }
                        // Left pending, intake goes on; reported.
                        Err(e) if e.is_post_action_problem() && conn.is_usable() => {
                            post_error = Some(post_action_failed(&opts.post_action, &e));
                            apply_ok = false;
                        }
                        Err(e) => *net = Err(e),
                    }
                }
                done.stopped
            };
        let mut stopped = false;
        for batch in batches {
            while let Ok(done) = done_rx.try_recv() {
                stopped |= apply(done, conn, &mut net);
            }
            if net.is_err() || stopped {
                break;
            }
            if stopping() {
                report.stopped = true;
                break;
            }
            let events = match fetch_batch(conn, batch, opts, report) {
                Ok(e) => e,
                Err(e) => {
                    net = Err(e);
                    break;
                }
            };
            if work_tx.send(events).is_err() {
                break; // the storing thread failed or stopped
            }
        }
        drop(work_tx);
        for done in &done_rx {
            apply(done, conn, &mut net);
        }
        drop(marks_tx);
        report.post_actions += post_actions;
        if post_error.is_some() {
            report.post_action_error = post_error;
        }
        let counts = worker
            .join()
            .unwrap_or_else(|_| Err("erreur interne du fil de stockage".into()))
            .map_err(store_err)?;
        report.stored += counts.stored;
        report.duplicates += counts.duplicates;
        report.skipped += counts.skipped;
        report.last_uid = report.last_uid.max(counts.last_uid);
        report.stopped |= counts.stopped;
        net
    })
}

/// Fetches one batch (oversized messages are not downloaded), in UID order.
fn fetch_batch(
    conn: &mut ImapConnection,
    batch: Vec<(u32, u32)>,
    opts: &SyncOptions<'_>,
    report: &mut SyncReport,
) -> Result<Vec<Event>, ImapError> {
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
    let mut events: Vec<Event> = skips
        .into_iter()
        .map(|(u, size)| (u, None, size))
        .chain(messages.into_iter().map(|m| (m.uid, Some(m), 0)))
        .collect();
    events.sort_by_key(|e| e.0);
    Ok(events)
}

/// The storing thread: commits each message of each batch (the stop flag
/// is checked between messages), makes a batch's commits durable before
/// handing its UIDs back for the post-action, and records the post-actions
/// the network thread reports done.
#[allow(clippy::too_many_arguments)]
fn store_batches(
    store: &mut (dyn SyncStateStore + Send),
    opts: &SyncOptions<'_>,
    uidvalidity: u32,
    action: Option<&PostAction>,
    start_uid: u32,
    work: Receiver<Vec<Event>>,
    done: Sender<BatchDone>,
    marks: Receiver<Vec<u32>>,
) -> Result<StoreCounts, StateStoreError> {
    let mb = &opts.mailbox;
    let mut c = StoreCounts {
        last_uid: start_uid,
        ..StoreCounts::default()
    };
    for events in work {
        store.read_ahead(
            mb,
            uidvalidity,
            events.iter().filter_map(|e| e.1.clone()).collect(),
        );
        let mut committed = Vec::new();
        for (uid, msg, size) in events {
            while let Ok(uids) = marks.try_recv() {
                store.post_actions_done(mb, uidvalidity, &uids)?;
            }
            if opts.stop.is_some_and(|s| s.load(Ordering::SeqCst)) {
                c.stopped = true;
                break;
            }
            match msg {
                Some(msg) => {
                    match store.commit_message(mb, uidvalidity, &msg, action)? {
                        CommitOutcome::Stored => c.stored += 1,
                        CommitOutcome::Duplicate => c.duplicates += 1,
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
                    store.commit_skipped(mb, uidvalidity, uid, u64::from(size), &reason)?;
                    c.skipped += 1;
                }
            }
            c.last_uid = c.last_uid.max(uid);
        }
        if action.is_some() && !committed.is_empty() {
            store.make_durable(mb)?;
        }
        let stopped = c.stopped;
        if done.send(BatchDone { committed, stopped }).is_err() || stopped {
            break;
        }
    }
    // Let the network thread finish its post-actions, then record them.
    drop(done);
    for uids in marks {
        store.post_actions_done(mb, uidvalidity, &uids)?;
    }
    Ok(c)
}

/// Applies the post-actions an earlier pass committed but did not confirm:
/// the one the configuration asks for now (the recorded one may name a
/// folder since corrected), or none — then they are dropped.
fn replay_pending(
    conn: &mut ImapConnection,
    store: &mut dyn SyncStateStore,
    opts: &SyncOptions<'_>,
    uidvalidity: u32,
    report: &mut SyncReport,
) -> Result<(), ImapError> {
    let mb = &opts.mailbox;
    let pending = store.pending_post_actions(mb).map_err(store_err)?;
    if pending.is_empty() {
        return Ok(());
    }
    let mut current: Vec<u32> = Vec::new();
    let mut recorded: BTreeSet<String> = BTreeSet::new();
    let mut stale: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for p in pending {
        if p.uidvalidity == uidvalidity {
            current.push(p.uid);
            recorded.insert(p.action.to_string());
        } else {
            // UIDs of another UIDVALIDITY name nothing any more.
            stale.entry(p.uidvalidity).or_default().push(p.uid);
        }
    }
    for (v, uids) in stale {
        store.post_actions_done(mb, v, &uids).map_err(store_err)?;
    }
    if current.is_empty() {
        return Ok(());
    }
    let action = &opts.post_action;
    if action.is_none() {
        tracing::info!(
            account = %mb.account,
            mailbox = %mb.mailbox,
            count = current.len(),
            "post-actions en attente abandonnées : la configuration n'en demande plus"
        );
        store
            .post_actions_done(mb, uidvalidity, &current)
            .map_err(store_err)?;
        report.pending_dropped = current.len();
        return Ok(());
    }
    let now = action.to_string();
    if recorded.iter().any(|r| *r != now) {
        tracing::info!(
            account = %mb.account,
            mailbox = %mb.mailbox,
            enregistrees = %recorded.into_iter().collect::<Vec<_>>().join(", "),
            configuration = %now,
            "post-actions en attente : celle de la configuration remplace celle enregistrée"
        );
    }
    store.make_durable(mb).map_err(store_err)?;
    tracing::info!(
        account = %mb.account,
        mailbox = %mb.mailbox,
        count = current.len(),
        %action,
        "reprise de post-actions en attente"
    );
    let done = conn.replay_post_action(action, &current, opts.mark.as_deref())?;
    store
        .post_actions_done(mb, uidvalidity, &current)
        .map_err(store_err)?;
    report.replayed = done.applied + done.already_done;
    report.replay_already_done = done.already_done;
    Ok(())
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
            mark: None,
            strict_post_action: true,
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
