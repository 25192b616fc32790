//! The intake daemon: watches the IMAP sources of the configuration for
//! months, unattended, and takes every message exactly once.
//!
//! One worker thread per source, each with its own connection to the
//! server and to the database. A worker is a loop over two things: a
//! timer (the poll interval, the reconnection delay, the IDLE period) and
//! a command channel ([`Command`]: stop, or sync now):
//!
//! ```text
//! loop {
//!     connect if needed            (error → wait the backoff delay, again)
//!     one pass: sync_once          (SELECT, pending post-actions, UID SEARCH,
//!                                   FETCH, commit each message, post-actions)
//!     wait: IDLE for at most 10 min when the server has it (the server's
//!           EXISTS, or the 10 minutes, end it: a UID SEARCH follows either way)
//!           else the poll interval, on the command channel
//! }
//! ```
//!
//! Reconnection waits grow exponentially from [`BACKOFF_BASE`] to
//! [`BACKOFF_CAP`], with jitter (a random part of each delay, so that
//! restarted servers are not hit by every client at once); errors that need
//! a person (certificate refused, missing mailbox) wait at least
//! [`PERMANENT_ERROR_FLOOR`]; a refused password waits from
//! [`AUTH_BACKOFF_BASE`] up to [`AUTH_BACKOFF_CAP`] (providers lock accounts
//! that fail to log in every minute) — SIGUSR1 tries again at once. The
//! heartbeat says why and when the next attempt is due. A successful pass
//! resets the delays. A server that says BYE (a restart) is logged as a
//! warning, and so are the reconnections that follow it for a while.
//!
//! The first pass checks the post-action before fetching anything: a
//! `move_to` folder the server refuses, or a keyword it cannot keep, stops
//! the daemon at start with the folder and the name to use instead. Later,
//! the same refusal only leaves the post-actions waiting (reported in the
//! heartbeat) while new mail is still taken.
//!
//! While waiting (IDLE, poll interval, reconnection delay) the heartbeat is
//! refreshed every [`HEARTBEAT_EVERY`] by a timer, not by the server's
//! chatter; in IDLE it also records the contact, which TCP keepalive keeps
//! honest (a dead connection is noticed in about a minute). IDLE is ended
//! every `poll_interval` for a pass of its own: a server whose IDLE reports
//! new mail late (Cyrus and Courier as Debian ships them check every 60 s)
//! does not delay intake more than that.
//!
//! Stopping ([`Shutdown::trigger`], from SIGTERM/SIGINT): the flag is
//! checked by the pass between messages (the current message is committed
//! and its post-action done), waits on the command channel end at once,
//! and an IDLE wait is ended by cutting its socket (no message is in flight
//! then).
//!
//! The heartbeat table is kept up to date for the console: state, last
//! contact, last new mail, last error, counters.

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::IntakeOptions;
use super::imap::{
    IDLE_REISSUE, IdleOutcome, ImapConnection, ImapError, ImapSourceConfig, Interrupter,
    SyncOptions, SyncReport, sync_once,
};
use super::imap_store::ImapStore;
use crate::store::{DaemonState, MailboxId, Store};

/// First reconnection delay (before jitter).
pub const BACKOFF_BASE: Duration = Duration::from_secs(1);
/// Longest reconnection delay.
pub const BACKOFF_CAP: Duration = Duration::from_secs(5 * 60);
/// Shortest delay after an error that needs a person (authentication,
/// certificate, configuration, missing mailbox): no hammering of a server
/// that refuses our password.
pub const PERMANENT_ERROR_FLOOR: Duration = Duration::from_secs(60);
/// First wait after a refused password (before jitter: 1 to 2 minutes)…
pub const AUTH_BACKOFF_BASE: Duration = Duration::from_secs(2 * 60);
/// …doubling up to 3 to 6 hours: a few attempts a day instead of 1,440.
pub const AUTH_BACKOFF_CAP: Duration = Duration::from_secs(6 * 60 * 60);
/// The heartbeat is refreshed this often while the daemon waits.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(30);
/// Connection failures this soon after a server's BYE are a restart in
/// progress: warnings, not errors.
const AFTER_BYE: Duration = Duration::from_secs(5 * 60);
/// With polls this far apart the connection is closed in between (servers
/// log idle clients out after 30 minutes).
const DISCONNECT_BETWEEN_POLLS: Duration = Duration::from_secs(20 * 60);

/// What a worker can be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Finish the current message and exit.
    Stop,
    /// Do a pass now instead of waiting for the poll interval or the
    /// reconnection delay (an IDLE wait already wakes up on new mail).
    SyncNow,
}

/// Exponential backoff with jitter.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    attempt: u32,
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration) -> Backoff {
        Backoff {
            base,
            cap,
            attempt: 0,
        }
    }

    /// The next delay: `min(cap, base · 2^n)`, of which the second half is
    /// random ("equal jitter").
    pub fn next_delay(&mut self) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << self.attempt.min(20))
            .min(self.cap);
        self.attempt = self.attempt.saturating_add(1);
        let half = exp / 2;
        let jitter_ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        half + Duration::from_millis(fastrand::u64(0..=jitter_ms))
    }

    /// Back to the first delay (after a pass that worked).
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    pub fn attempts(&self) -> u32 {
        self.attempt
    }
}

struct ShutdownInner {
    flag: AtomicBool,
    channels: Mutex<Vec<Sender<Command>>>,
    idling: Mutex<Vec<(usize, Interrupter)>>,
}

/// The stop request shared by the signal handler and the workers.
#[derive(Clone)]
pub struct Shutdown(Arc<ShutdownInner>);

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown::new()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shutdown {
    pub fn new() -> Shutdown {
        Shutdown(Arc::new(ShutdownInner {
            flag: AtomicBool::new(false),
            channels: Mutex::new(Vec::new()),
            idling: Mutex::new(Vec::new()),
        }))
    }

    /// The flag `sync_once` checks between messages.
    pub fn flag(&self) -> &AtomicBool {
        &self.0.flag
    }

    pub fn is_set(&self) -> bool {
        self.0.flag.load(Ordering::SeqCst)
    }

    /// Asks every worker to stop: sets the flag, wakes the waiting ones,
    /// cuts the connections waiting in IDLE.
    pub fn trigger(&self) {
        self.0.flag.store(true, Ordering::SeqCst);
        for tx in lock(&self.0.channels).iter() {
            let _ = tx.send(Command::Stop);
        }
        for (_, i) in lock(&self.0.idling).iter() {
            i.interrupt();
        }
    }

    /// Sends a command to every worker (the signal handler's SIGUSR1).
    pub fn broadcast(&self, c: Command) {
        for tx in lock(&self.0.channels).iter() {
            let _ = tx.send(c);
        }
    }

    /// A command channel for a new worker.
    pub fn subscribe(&self) -> Receiver<Command> {
        let (tx, rx) = mpsc::channel();
        if self.is_set() {
            let _ = tx.send(Command::Stop);
        }
        lock(&self.0.channels).push(tx);
        rx
    }

    /// Registers a connection about to wait in IDLE. `false` when a stop
    /// was asked meanwhile: then do not wait. Either the stopper sees the
    /// registration and cuts the socket, or this sees the flag.
    fn start_idle(&self, worker: usize, i: Interrupter) -> bool {
        lock(&self.0.idling).push((worker, i));
        !self.is_set()
    }

    fn end_idle(&self, worker: usize) {
        lock(&self.0.idling).retain(|(w, _)| *w != worker);
    }
}

/// What one pass did, for logs and `--once` summaries.
#[derive(Debug, Clone)]
pub struct PassSummary {
    pub mailbox: MailboxId,
    pub report: SyncReport,
    /// Proposals created by the new messages.
    pub proposals: u64,
    /// Earlier proposals that stopped being the live revision.
    pub superseded: u64,
    /// Time spent reading the messages (intake) and storing them.
    pub read_time: Duration,
    pub store_time: Duration,
    /// From the start of the connection (or of the pass, on an open
    /// connection) to the end of the pass (last commit and its post-actions).
    pub elapsed: Duration,
}

/// One pass on an open connection, through the real store.
pub fn pass(
    conn: &mut ImapConnection,
    store: &mut Store,
    intake: &IntakeOptions,
    opts: &SyncOptions<'_>,
) -> Result<PassSummary, ImapError> {
    let t = Instant::now();
    let mut s = ImapStore::new(store, intake.clone());
    let report = sync_once(conn, &mut s, opts)?;
    Ok(PassSummary {
        mailbox: opts.mailbox.clone(),
        report,
        proposals: s.counts.proposals,
        superseded: s.counts.superseded,
        read_time: s.counts.read_time,
        store_time: s.counts.store_time,
        elapsed: t.elapsed(),
    })
}

fn log_pass(p: &PassSummary) {
    let r = &p.report;
    if r.stored + r.duplicates + r.skipped + r.replayed + r.vanished == 0 {
        tracing::debug!(
            account = %p.mailbox.account,
            mailbox = %p.mailbox.mailbox,
            ms = p.elapsed.as_millis() as u64,
            "rien de nouveau"
        );
        return;
    }
    tracing::info!(
        account = %p.mailbox.account,
        mailbox = %p.mailbox.mailbox,
        nouveaux = r.stored,
        propositions = p.proposals,
        deja_enregistres = r.duplicates,
        non_telecharges = r.skipped,
        disparus = r.vanished,
        post_actions = r.post_actions,
        reprises = r.replayed,
        dernier_uid = r.last_uid,
        ms = p.elapsed.as_millis() as u64,
        ms_lecture = p.read_time.as_millis() as u64,
        ms_stockage = p.store_time.as_millis() as u64,
        "relève terminée"
    );
}

/// `fiches daemon --once` for one source: connect, one pass, log out. The
/// heartbeat records the run. The stop flag ends the pass after the current
/// message.
pub fn run_once(
    cfg: &ImapSourceConfig,
    store: &mut Store,
    intake: &IntakeOptions,
    stop: &AtomicBool,
) -> Result<PassSummary, ImapError> {
    let opts = SyncOptions {
        stop: Some(stop),
        mark: database_mark(store),
        ..SyncOptions::from_config(cfg)
    };
    let mb = opts.mailbox.clone();
    heartbeat(store, &mb, |s| s.heartbeat_start(&mb, std::process::id()));
    let t = Instant::now();
    let result = ImapConnection::connect(cfg).and_then(|mut conn| {
        heartbeat(store, &mb, |s| {
            s.heartbeat_state(&mb, DaemonState::Syncing, true)
        });
        let r = pass(&mut conn, store, intake, &opts);
        let server = server_line(cfg, &conn);
        if conn.is_usable() {
            conn.logout();
        }
        r.map(|p| (p, server))
    });
    match result {
        Ok((mut p, server)) => {
            p.elapsed = t.elapsed();
            // The warnings are the caller's to show (in the report).
            record_pass(store, cfg, &p, &server, None);
            heartbeat(store, &mb, |s| {
                s.heartbeat_state(&mb, DaemonState::Stopped, true)
            });
            log_pass(&p);
            Ok(p)
        }
        Err(e) => {
            let text = e.to_string();
            heartbeat(store, &mb, |s| {
                s.heartbeat_error(&mb, &text, DaemonState::Stopped)
            });
            Err(e)
        }
    }
}

/// This database's mark for the messages it takes (none if it cannot be
/// read: marks are a help, not a condition).
fn database_mark(store: &Store) -> Option<String> {
    match super::imap_store::database_mark(store) {
        Ok(m) => Some(m),
        Err(e) => {
            tracing::warn!("identité de la base illisible, messages non marqués : {e}");
            None
        }
    }
}

/// `host:port` and the server's capabilities, for the heartbeat.
fn server_line(cfg: &ImapSourceConfig, conn: &ImapConnection) -> String {
    format!(
        "{}:{} ({})",
        conn.host(),
        cfg.port(),
        conn.capabilities().summary()
    )
}

/// After a pass: the mailbox's identity, the post-action's state and the
/// warnings (`extra`: said earlier on this connection) into the heartbeat.
/// Returns a warning when the account now names another server or user.
fn record_pass(
    store: &mut Store,
    cfg: &ImapSourceConfig,
    p: &PassSummary,
    server: &str,
    extra: Option<&[String]>,
) -> Option<String> {
    let mb = &p.mailbox;
    let mut changed = None;
    match store.imap_identity(
        mb,
        &cfg.host,
        cfg.port(),
        &cfg.username,
        p.report.uidvalidity,
    ) {
        Ok(c) => changed = c,
        Err(e) => tracing::warn!(
            account = %mb.account,
            "identité de la boîte non enregistrée dans la base : {e}"
        ),
    }
    let mut warnings: Vec<&str> = extra
        .unwrap_or_default()
        .iter()
        .map(String::as_str)
        .collect();
    for w in p.report.warnings.iter().chain(changed.iter()) {
        if !warnings.contains(&w.as_str()) {
            warnings.push(w);
        }
    }
    let warning = (!warnings.is_empty()).then(|| warnings.join("\n"));
    heartbeat(store, mb, |s| {
        s.heartbeat_pass(
            mb,
            p.report.post_action_error.as_deref(),
            warning.as_deref(),
            Some(server),
        )
    });
    changed
}

/// Heartbeat writes never stop the intake: a failure is logged.
fn heartbeat(
    store: &mut Store,
    mb: &MailboxId,
    f: impl FnOnce(&mut Store) -> crate::store::Result<()>,
) {
    if let Err(e) = f(store) {
        tracing::warn!(
            account = %mb.account,
            mailbox = %mb.mailbox,
            "battement de cœur non enregistré dans la base : {e}"
        );
    }
}

/// One source, watched until a stop is asked.
pub struct Worker {
    index: usize,
    cfg: ImapSourceConfig,
    mb: MailboxId,
    store: Store,
    intake: IntakeOptions,
    shutdown: Shutdown,
    commands: Receiver<Command>,
    conn: Option<ImapConnection>,
    backoff: Backoff,
    auth_backoff: Backoff,
    /// A pass went through: from now on a post-action the server refuses
    /// is reported, not a reason to stop.
    started: bool,
    /// The state last written to the heartbeat (kept fresh by the timer).
    state: DaemonState,
    /// When the server last said BYE.
    last_bye: Option<Instant>,
    /// Warnings already logged in this run (each is said once).
    said: BTreeSet<String>,
    /// Warnings of the current connection, kept in the heartbeat.
    standing: Vec<String>,
    mark: Option<String>,
}

/// How a wait ended.
enum Woken {
    Time,
    Command,
    Stop,
}

impl Worker {
    /// A worker with its own connection to the database at `db`.
    pub fn new(
        index: usize,
        cfg: ImapSourceConfig,
        db: &Path,
        intake: IntakeOptions,
        shutdown: Shutdown,
    ) -> crate::store::Result<Worker> {
        let store = Store::open(db)?;
        let mb = SyncOptions::from_config(&cfg).mailbox;
        let commands = shutdown.subscribe();
        let mark = database_mark(&store);
        Ok(Worker {
            index,
            cfg,
            mb,
            store,
            intake,
            shutdown,
            commands,
            conn: None,
            backoff: Backoff::new(BACKOFF_BASE, BACKOFF_CAP),
            auth_backoff: Backoff::new(AUTH_BACKOFF_BASE, AUTH_BACKOFF_CAP),
            started: false,
            state: DaemonState::Starting,
            last_bye: None,
            said: BTreeSet::new(),
            standing: Vec::new(),
            mark,
        })
    }

    fn beat(&mut self, state: DaemonState, contact: bool) {
        self.state = state;
        let mb = self.mb.clone();
        heartbeat(&mut self.store, &mb, |s| {
            s.heartbeat_state(&mb, state, contact)
        });
    }

    /// Waits up to `d` on the command channel, refreshing the heartbeat
    /// every [`HEARTBEAT_EVERY`].
    fn wait(&mut self, d: Duration) -> Woken {
        let end = Instant::now() + d;
        loop {
            if self.shutdown.is_set() {
                return Woken::Stop;
            }
            let now = Instant::now();
            if now >= end {
                return Woken::Time;
            }
            let slice = (end - now).min(HEARTBEAT_EVERY);
            match self.commands.recv_timeout(slice) {
                Ok(Command::Stop) => return Woken::Stop,
                Ok(Command::SyncNow) => return Woken::Command,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    if self.shutdown.is_set() {
                        return Woken::Stop;
                    }
                    std::thread::sleep(slice);
                }
            }
            if Instant::now() < end {
                // Alive, still waiting: no contact with the server.
                let state = self.state;
                self.beat(state, false);
            }
        }
    }

    /// Records a failure and waits the backoff delay. `false`: stop.
    fn failed(&mut self, e: &ImapError) -> bool {
        if self.shutdown.is_set() {
            // A connection cut to end an IDLE wait, or an error while stopping.
            return false;
        }
        let permanent = !(e.is_transient() || matches!(e, ImapError::Store(_)));
        let mut delay = if e.is_auth() {
            self.auth_backoff.next_delay()
        } else {
            self.backoff.next_delay()
        };
        if permanent {
            delay = delay.max(PERMANENT_ERROR_FLOOR);
        }
        if matches!(e, ImapError::Bye { .. }) {
            self.last_bye = Some(Instant::now());
        }
        // A planned disconnect (the server's BYE) and the reconnections
        // that follow it while the server restarts are expected.
        let expected = e.is_transient() && self.last_bye.is_some_and(|t| t.elapsed() < AFTER_BYE);
        let text = e.to_string();
        let next = chrono::Utc::now()
            + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::zero());
        let attempt = if e.is_auth() {
            self.auth_backoff.attempts()
        } else {
            self.backoff.attempts()
        };
        if expected {
            tracing::warn!(
                account = %self.mb.account,
                mailbox = %self.mb.mailbox,
                tentative = attempt,
                nouvel_essai_dans_s = delay.as_secs(),
                "{text}"
            );
        } else if e.is_auth() {
            tracing::error!(
                account = %self.mb.account,
                mailbox = %self.mb.mailbox,
                tentative = attempt,
                nouvel_essai_dans_s = delay.as_secs(),
                "{text} ; nouvel essai à {} (UTC) — après correction, `kill -USR1 {}` \
                 réessaie tout de suite",
                next.format("%H:%M"),
                std::process::id()
            );
        } else {
            tracing::error!(
                account = %self.mb.account,
                mailbox = %self.mb.mailbox,
                tentative = attempt,
                nouvel_essai_dans_s = delay.as_secs(),
                "{text}"
            );
        }
        let mb = self.mb.clone();
        let next = next.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        heartbeat(&mut self.store, &mb, |s| {
            s.heartbeat_retry(&mb, &text, DaemonState::Reconnecting, Some(&next))
        });
        self.state = DaemonState::Reconnecting;
        if self.conn.as_ref().is_some_and(|c| !c.is_usable()) {
            self.conn = None;
            self.standing.clear();
        }
        !matches!(self.wait(delay), Woken::Stop)
    }

    /// Logs a warning the first time it is seen in this run.
    fn say_once(&mut self, w: &str) {
        if self.said.insert(w.to_owned()) {
            tracing::warn!(account = %self.mb.account, mailbox = %self.mb.mailbox, "{w}");
        }
    }

    /// The worker's loop; returns when a stop is asked, or with an error
    /// when it refuses to start (the post-action cannot be done on this
    /// server: a folder it refuses, a keyword it cannot keep).
    pub fn run(mut self) -> Result<(), String> {
        let mode = if self.cfg.idle {
            "IDLE si le serveur l'offre"
        } else {
            "relève périodique"
        };
        tracing::info!(
            account = %self.mb.account,
            mailbox = %self.mb.mailbox,
            serveur = %format!("{}:{}", self.cfg.host, self.cfg.port()),
            post_action = %self.cfg.post_action,
            intervalle_s = self.cfg.poll_interval.as_secs(),
            "surveillance de la boîte ({mode})"
        );
        let mb = self.mb.clone();
        heartbeat(&mut self.store, &mb, |s| {
            s.heartbeat_start(&mb, std::process::id())
        });
        while !self.shutdown.is_set() {
            let mut conn = match self.conn.take() {
                Some(c) => c,
                None => match ImapConnection::connect(&self.cfg) {
                    Ok(c) => {
                        tracing::info!(
                            account = %self.mb.account,
                            capacites = %c.capabilities().summary(),
                            "connecté au serveur IMAP"
                        );
                        self.auth_backoff.reset();
                        self.standing.clear();
                        c
                    }
                    Err(e) => {
                        if self.failed(&e) {
                            continue;
                        }
                        break;
                    }
                },
            };
            self.beat(DaemonState::Syncing, false);
            let opts = SyncOptions {
                stop: Some(self.shutdown.flag()),
                mark: self.mark.clone(),
                strict_post_action: !self.started,
                ..SyncOptions::from_config(&self.cfg)
            };
            let result = pass(&mut conn, &mut self.store, &self.intake, &opts);
            let server = server_line(&self.cfg, &conn);
            self.conn = Some(conn);
            match result {
                Ok(p) => {
                    log_pass(&p);
                    self.backoff.reset();
                    self.started = true;
                    for w in &p.report.warnings {
                        if !self.standing.contains(w) {
                            self.standing.push(w.clone());
                        }
                    }
                    let standing = std::mem::take(&mut self.standing);
                    let changed =
                        record_pass(&mut self.store, &self.cfg, &p, &server, Some(&standing));
                    for w in standing.iter().chain(changed.iter()) {
                        self.say_once(w);
                    }
                    if let Some(e) = &p.report.post_action_error {
                        self.say_once(e);
                    }
                    self.standing = standing;
                }
                Err(e)
                    if !self.started
                        && matches!(
                            e,
                            ImapError::TargetFolder { .. }
                                | ImapError::PostActionUnsupported { .. }
                        ) =>
                {
                    let text = e.to_string();
                    tracing::error!(
                        account = %self.mb.account,
                        mailbox = %self.mb.mailbox,
                        "{text} — rien n'a été relevé ; corriger la configuration puis relancer le démon"
                    );
                    let mb = self.mb.clone();
                    heartbeat(&mut self.store, &mb, |s| {
                        s.heartbeat_error(&mb, &text, DaemonState::Stopped)
                    });
                    if let Some(c) = self.conn.take()
                        && c.is_usable()
                    {
                        c.logout();
                    }
                    return Err(text);
                }
                Err(e) => {
                    if self.failed(&e) {
                        continue;
                    }
                    break;
                }
            }
            if self.shutdown.is_set() {
                break;
            }
            let idle = self.cfg.idle && self.conn.as_ref().is_some_and(|c| c.capabilities().idle);
            if idle {
                self.beat(DaemonState::Idle, true);
                if let Err(e) = self.idle()
                    && !self.failed(&e)
                {
                    break;
                }
            } else {
                self.beat(DaemonState::Waiting, true);
                if self.cfg.poll_interval >= DISCONNECT_BETWEEN_POLLS
                    && let Some(c) = self.conn.take()
                {
                    c.logout();
                }
                if matches!(self.wait(self.cfg.poll_interval), Woken::Stop) {
                    break;
                }
            }
        }
        if let Some(c) = self.conn.take()
            && c.is_usable()
        {
            c.logout();
        }
        self.beat(DaemonState::Stopped, false);
        tracing::info!(account = %self.mb.account, mailbox = %self.mb.mailbox, "arrêt");
        Ok(())
    }

    /// One IDLE period — `poll_interval` at most, so that a server whose
    /// IDLE is slow to report new mail is checked anyway; the caller looks
    /// for new mail afterwards whatever the outcome. A timer thread
    /// refreshes the heartbeat meanwhile.
    fn idle(&mut self) -> Result<(), ImapError> {
        let Some(conn) = self.conn.as_mut() else {
            return Ok(());
        };
        let registered = match conn.interrupter() {
            Some(i) => self.shutdown.start_idle(self.index, i),
            // Without a way to cut it, IDLE could delay a stop by 10
            // minutes: wait on the channel instead.
            None => {
                self.wait(self.cfg.poll_interval);
                return Ok(());
            }
        };
        let period = self.cfg.poll_interval.min(IDLE_REISSUE);
        let (store, mb) = (&mut self.store, &self.mb);
        let r = std::thread::scope(|scope| {
            let (stop_tx, stop_rx) = mpsc::channel::<()>();
            let ticker = std::thread::Builder::new()
                .name("battement".into())
                .spawn_scoped(scope, move || {
                    // The connection is open and TCP keepalive would have
                    // ended it within about a minute if the server were
                    // gone: a contact.
                    while let Err(RecvTimeoutError::Timeout) = stop_rx.recv_timeout(HEARTBEAT_EVERY)
                    {
                        heartbeat(store, mb, |s| {
                            s.heartbeat_state(mb, DaemonState::Idle, true)
                        });
                    }
                });
            let r = if registered {
                conn.idle_wait(period)
            } else {
                Ok(IdleOutcome::Timeout)
            };
            drop(stop_tx);
            if let Ok(t) = ticker {
                let _ = t.join();
            }
            r
        });
        self.shutdown.end_idle(self.index);
        match r {
            Ok(IdleOutcome::NewMail) => {
                tracing::debug!(account = %self.mb.account, "IDLE : nouveau courrier annoncé");
                Ok(())
            }
            Ok(IdleOutcome::Timeout) => Ok(()),
            Err(_) if self.shutdown.is_set() => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Runs one worker per source until `shutdown` is triggered (or a worker
/// cannot start: then the others are stopped and the error returned).
pub fn run_daemon(
    sources: &[ImapSourceConfig],
    db: &Path,
    intake: &IntakeOptions,
    shutdown: &Shutdown,
) -> Result<(), String> {
    let mut workers = Vec::with_capacity(sources.len());
    for (i, cfg) in sources.iter().enumerate() {
        let w = Worker::new(i, cfg.clone(), db, intake.clone(), shutdown.clone())
            .map_err(|e| format!("base {} : {e}", db.display()))?;
        workers.push(w);
    }
    let (done_tx, done_rx) = mpsc::channel::<(String, Result<(), String>)>();
    std::thread::scope(|scope| {
        for w in workers {
            let done = done_tx.clone();
            let name = format!("{}/{}", w.mb.account, w.mb.mailbox);
            let shutdown = shutdown.clone();
            std::thread::Builder::new()
                .name(format!("imap-{}", w.index))
                .spawn_scoped(scope, move || {
                    let r = catch_unwind(AssertUnwindSafe(|| w.run()))
                        .map_err(|_| {
                            "erreur interne (panique) dans la surveillance de cette boîte"
                                .to_string()
                        })
                        .and_then(|r| r);
                    if r.is_err() {
                        shutdown.trigger();
                    }
                    let _ = done.send((name, r));
                })
                .map_err(|e| format!("impossible de lancer un fil de relève : {e}"))?;
        }
        drop(done_tx);
        let mut first_error = None;
        for (name, r) in done_rx {
            if let Err(e) = r {
                tracing::error!("{name} : {e}");
                first_error.get_or_insert(format!("{name} : {e}"));
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_caps_and_jitters() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        let mut prev_max = Duration::ZERO;
        for n in 0..12u32 {
            let d = b.next_delay();
            let full = Duration::from_secs(1u64 << n.min(20)).min(Duration::from_secs(60));
            assert!(d >= full / 2 && d <= full, "attempt {n}: {d:?} vs {full:?}");
            prev_max = prev_max.max(d);
        }
        assert!(prev_max <= Duration::from_secs(60));
        b.reset();
        assert!(b.next_delay() <= Duration::from_secs(1));
        // Not always the same value: jitter.
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..20 {
            let mut b = Backoff::new(Duration::from_secs(10), Duration::from_secs(60));
            seen.insert(b.next_delay());
        }
        assert!(seen.len() > 1);
    }

    #[test]
    fn a_refused_password_is_retried_after_minutes_then_hours() {
        let mut b = Backoff::new(AUTH_BACKOFF_BASE, AUTH_BACKOFF_CAP);
        let delays: Vec<Duration> = (0..12).map(|_| b.next_delay()).collect();
        assert!(delays[0] >= Duration::from_secs(60), "{delays:?}");
        assert!(delays.iter().all(|d| *d <= AUTH_BACKOFF_CAP));
        assert!(delays[8] >= Duration::from_secs(3 * 60 * 60), "{delays:?}");
        // A day of failures: a handful of attempts, not 1,440.
        let mut b = Backoff::new(AUTH_BACKOFF_BASE, AUTH_BACKOFF_CAP);
        let (mut t, mut n) = (Duration::ZERO, 0);
        while t < Duration::from_secs(24 * 60 * 60) {
            t += b.next_delay();
            n += 1;
        }
        assert!(n < 20, "{n} attempts in a day");
    }

    #[test]
    fn shutdown_wakes_subscribers() {
        let s = Shutdown::new();
        let rx = s.subscribe();
        s.trigger();
        assert_eq!(rx.recv().unwrap(), Command::Stop);
        assert!(s.is_set());
        // A late subscriber is told at once.
        assert_eq!(s.subscribe().recv().unwrap(), Command::Stop);
    }
}
