//! The console's life: a `Session` holds the state and the store, turns
//! keys into actions (`action`), actions into effects (`update`) and
//! performs the effects against the store; a tick polls `PRAGMA
//! data_version` and reloads only what the journal says changed. `run`
//! is the terminal loop: raw mode and alternate screen, crossterm events
//! (blocking with a timeout: no busy loop), the terminal restored on exit,
//! on panic, on SIGTERM/SIGHUP/SIGINT/SIGQUIT and when the terminal hangs up
//! (a watchdog thread: crossterm alone would spin on a closed tty).
//!
//! Several staff at once: every decision is sent with the version the
//! screen showed; the store refuses it if the proposal changed since, and
//! the console then shows the fresh state. A place accepted by someone else
//! meanwhile is refused by the store's unique index. SQLite's busy timeout
//! absorbs concurrent writers; if it is ever exceeded, the write is retried
//! and then reported in plain words, never as "database is locked".

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crossterm::event::{self, Event, KeyEvent};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use super::action::{Action, action_for, key_mode, mouse_action};
use super::app::LetterRow;
use super::app::{App, Detail, Level, Screen, TriageDetail, UndoEntry};
use super::format::Zone;
use super::rows::Listing;
use super::strings as s;
use super::theme::Theme;
use super::update::{Effect, triage_changed, undo_of, update};
use super::view;
use crate::domain::members::Members;
use crate::domain::{self, Layout, Status, check_decision, status_fr};
use crate::fiche::{Kind, Value};
use crate::intake::message_view;
use crate::letters::Letters;
use crate::outbox::{self, LetterOutcome, SendOptions, SendReport, SmtpConfig};
use crate::safe::terminal_line;
use crate::store::{self, LetterFilter, LetterRecord, LetterState, Resolution, Store, StoreError};

/// How a session starts.
#[derive(Debug, Clone)]
pub struct Options {
    /// Who the journal names ([`crate::system::acting_user`]).
    pub user: String,
    /// The database as the status line names it.
    pub db_label: String,
    pub layout: Layout,
    pub members: Members,
    pub zone: Zone,
    pub theme: Theme,
    /// A fixed clock (tests); `None` reads the system clock on each tick.
    pub now: Option<DateTime<Utc>>,
    pub size: (u16, u16),
    /// Time a search keystroke may spend before its frame (see
    /// `App::search_budget`); `None` searches to the end at once.
    pub search_budget: Option<Duration>,
    /// The letter templates (Envoi screen); `None` when they could not be loaded.
    pub letters: Option<Letters>,
    /// `[smtp]`; `None` when not configured (sending is then refused).
    pub smtp: Option<SmtpConfig>,
    /// After how long without contact the daemon is called silent.
    pub silent_after: Duration,
}

impl Options {
    /// Options for tests and benchmarks: fixed clock, no colour.
    pub fn fixed(user: &str, now: DateTime<Utc>, size: (u16, u16)) -> Options {
        Options {
            user: user.to_string(),
            db_label: "fiches.db".into(),
            layout: Layout::spec_default(),
            members: Members::default(),
            zone: Zone::CentralEurope,
            theme: Theme::new(true),
            now: Some(now),
            size,
            search_budget: None,
            letters: None,
            smtp: None,
            silent_after: crate::status::SILENT_AFTER,
        }
    }
}

/// The state and the store, wired together.
pub struct Session {
    pub app: App,
    pub store: Store,
    fixed_now: bool,
    data_version: i64,
    journal_head: i64,
    letters: Option<Letters>,
    smtp: Option<SmtpConfig>,
    /// A letter to edit once the terminal is handed to the editor (id, version shown).
    pub edit_request: Option<(i64, i64)>,
    /// News from the sending thread, while a batch goes out.
    sending: Option<mpsc::Receiver<SendNews>>,
    silent_after: Duration,
    /// When the daemon's lock was last looked at (a daemon that stops
    /// writes nothing: the lock says it).
    daemon_checked: Instant,
}

/// What the sending thread tells the loop.
#[derive(Debug)]
pub enum SendNews {
    Progress(LetterOutcome),
    Done(Result<SendReport, String>),
}

fn is_live(r: &store::console::ListingRow) -> bool {
    r.superseded_by.is_none()
}

fn to_store(d: &domain::Decision, rank: Option<i64>) -> store::Decision {
    let (slot, space, reason) = match d {
        domain::Decision::Accept { slot, place } => (Some(slot.clone()), Some(place.clone()), None),
        domain::Decision::Reject { reason } => (None, None, Some(reason.clone())),
        _ => (None, None, None),
    };
    store::Decision {
        status: d.target(),
        slot,
        space,
        rank: if d.target() == Status::Waitlisted {
            rank
        } else {
            None
        },
        reason,
    }
}

/// Plain words for a store error; a busy database is never shown as
/// SQLite's "database is locked".
pub fn error_text(e: &StoreError) -> String {
    if e.is_busy() {
        s::N_BUSY.to_string()
    } else {
        s::n_error(&terminal_line(&e.to_string()))
    }
}

/// Runs a write, again when SQLite stayed busy past its timeout.
fn retry<T>(
    store: &mut Store,
    mut f: impl FnMut(&mut Store) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut tries = 0;
    loop {
        match f(store) {
            Err(e) if e.is_busy() && tries < 3 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(50 * tries));
            }
            other => return other,
        }
    }
}

impl Session {
    /// Loads everything the first frame needs.
    pub fn open(store: Store, opts: Options) -> Result<Session, StoreError> {
        let mut app = App::new(opts.layout, opts.members, opts.zone, opts.theme);
        app.user = opts.user;
        app.db_label = opts.db_label;
        app.size = opts.size;
        app.search_budget = opts.search_budget;
        app.envoi.smtp = opts.smtp.is_some();
        if let Some(now) = opts.now {
            app.now = now;
        }
        let mut session = Session {
            app,
            store,
            fixed_now: opts.now.is_some(),
            data_version: 0,
            journal_head: 0,
            letters: opts.letters,
            smtp: opts.smtp,
            edit_request: None,
            sending: None,
            silent_after: opts.silent_after,
            daemon_checked: Instant::now(),
        };
        session.full_load()?;
        Ok(session)
    }

    fn full_load(&mut self) -> Result<(), StoreError> {
        self.data_version = self.store.data_version()?;
        self.journal_head = self.store.journal_head()?;
        let members = &self.app.members;
        let mut listing = Listing::default();
        self.store
            .scan_listing(None, |r| listing.push(r, members))?;
        let sel = self.app.current_id();
        listing.sort = self.app.listing.sort;
        listing.reverse = self.app.listing.reverse;
        listing.filters = self.app.listing.filters.clone();
        listing.query = self.app.listing.query.clone();
        listing.reindex();
        self.app.listing = listing;
        self.app.rows_changed();
        if let Some(id) = sel {
            self.app.select_id(id);
        }
        self.app.clamp_selection();
        self.app.triage = self.store.triage_messages()?;
        self.app.clamp_triage();
        self.app.heartbeat = self.daemon_health()?;
        if let Some(id) = self.app.current_id() {
            self.load_detail(id);
        }
        Ok(())
    }

    /// Handles a key. Alt+letter is taken as Échap then the letter: that is
    /// what a slow link makes of the two keys typed quickly.
    pub fn key(&mut self, key: KeyEvent) {
        use crossterm::event::{KeyCode, KeyModifiers};
        if key.modifiers.contains(KeyModifiers::ALT) && matches!(key.code, KeyCode::Char(_)) {
            self.key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
            let mut plain = key;
            plain.modifiers.remove(KeyModifiers::ALT);
            return self.key(plain);
        }
        if let Some(action) = action_for(key_mode(&self.app), key) {
            self.dispatch(action);
        }
    }

    /// Handles an action and performs its effects.
    pub fn dispatch(&mut self, action: Action) {
        let effects = update(&mut self.app, action);
        for e in effects {
            self.perform(e);
        }
    }

    /// The daemon from its heartbeat rows and its lock.
    fn daemon_health(&mut self) -> Result<crate::status::Health, StoreError> {
        self.daemon_checked = Instant::now();
        let beats = self.store.heartbeats()?;
        let holder = crate::status::daemon_holder(self.store.path());
        Ok(crate::status::health(
            &beats,
            holder,
            self.app.now,
            self.silent_after,
        ))
    }

    /// Polls the database for changes by others; returns whether the
    /// screen needs drawing again.
    pub fn tick(&mut self) -> bool {
        if !self.fixed_now {
            self.app.now = Utc::now();
        }
        let mut news = self.poll_sending();
        if self.daemon_checked.elapsed() >= DAEMON_CHECK
            && let Ok(h) = self.daemon_health()
            && h != self.app.heartbeat
        {
            self.app.heartbeat = h;
            news = true;
        }
        match self.store.data_version() {
            Ok(v) if v != self.data_version => {
                self.refresh(true);
                true
            }
            Ok(_) => news,
            Err(e) => {
                self.app.notify(Level::Error, error_text(&e));
                true
            }
        }
    }

    /// Reloads what the journal says changed since the last look.
    pub fn refresh(&mut self, announce: bool) {
        if let Err(e) = self.refresh_inner(announce) {
            self.app.notify(Level::Error, error_text(&e));
        }
    }

    fn refresh_inner(&mut self, announce: bool) -> Result<(), StoreError> {
        self.data_version = self.store.data_version()?;
        self.app.heartbeat = self.daemon_health()?;
        if self.app.screen == Screen::Envoi {
            self.load_letters();
        }
        let head = self.store.journal_head()?;
        if head < self.journal_head {
            return self.full_load();
        }
        if head == self.journal_head {
            return Ok(());
        }
        let ch = self.store.changes_since(self.journal_head)?;
        self.journal_head = ch.head;
        if !ch.proposals.is_empty() {
            let mut got = HashMap::new();
            self.store.scan_listing(Some(&ch.proposals), |r| {
                got.insert(r.id, r);
            })?;
            let changes: Vec<(i64, Option<store::console::ListingRow>)> = ch
                .proposals
                .iter()
                .map(|id| (*id, got.remove(id).filter(is_live)))
                .collect();
            let sel = self.app.current_id();
            self.app.listing.apply(changes, &self.app.members);
            self.app.rows_changed();
            if let Some(id) = sel
                && !self.app.select_id(id)
            {
                self.app.clamp_selection();
            }
            if let Some(d) = self.app.detail.as_ref().map(|d| d.id)
                && ch.proposals.contains(&d)
            {
                self.load_detail(d);
                if announce
                    && Some(d) == self.app.current_id()
                    && matches!(
                        self.app.screen,
                        Screen::Decider | Screen::Corriger | Screen::Propositions
                    )
                {
                    self.app.notify(Level::Info, s::n_changed_by_other(d));
                }
            } else if let Some(id) = self.app.current_id()
                && self.app.detail.as_ref().is_none_or(|d| d.id != id)
            {
                self.load_detail(id);
            }
        }
        if !ch.messages.is_empty() {
            let sel = self.app.current_message().map(|m| m.id);
            self.app.triage = self.store.triage_messages()?;
            if let Some(id) = sel
                && let Some(p) = self.app.triage.iter().position(|m| m.id == id)
            {
                self.app.triage_selected = p;
            }
            self.app.clamp_triage();
            if let Some(d) = self.app.triage_detail.as_ref().map(|d| d.id)
                && ch.messages.contains(&d)
            {
                self.load_message(d);
            }
        }
        Ok(())
    }

    fn load_detail(&mut self, id: i64) {
        let load = |st: &Store| -> Result<Detail, StoreError> {
            let proposal = st.proposal(id)?;
            let revisions = st.revisions(id)?;
            let journal = st.proposal_journal(id)?;
            let message = st.message_record(proposal.message_id).ok();
            let view = st
                .raw_message(proposal.message_id)
                .ok()
                .map(|raw| message_view(&raw));
            Ok(Detail {
                id,
                proposal,
                revisions,
                journal,
                message,
                view,
            })
        };
        match load(&self.store) {
            Ok(d) => {
                if self.app.detail.as_ref().is_none_or(|old| old.id != id) {
                    self.app.detail_scroll = 0;
                }
                self.app.detail = Some(d);
            }
            Err(e) => self.app.notify(Level::Error, error_text(&e)),
        }
    }

    fn load_message(&mut self, id: i64) {
        let load = |st: &Store| -> Result<TriageDetail, StoreError> {
            let record = st.message_record(id)?;
            let view = message_view(&st.raw_message(id).unwrap_or_default());
            Ok(TriageDetail { id, record, view })
        };
        match load(&self.store) {
            Ok(d) => self.app.triage_detail = Some(d),
            Err(e) => self.app.notify(Level::Error, error_text(&e)),
        }
    }

    fn perform(&mut self, effect: Effect) {
        match effect {
            Effect::LoadDetail(id) => self.load_detail(id),
            Effect::LoadMessage(id) => self.load_message(id),
            Effect::Refresh => {
                self.refresh(false);
                if self.app.notice.is_none() {
                    self.app.notify(Level::Info, s::N_REFRESHED);
                }
            }
            Effect::Decide {
                id,
                version,
                decision,
                rank,
                undo,
            } => self.decide(id, version, decision, rank, undo),
            Effect::UpdateField {
                id,
                version,
                key,
                value,
            } => self.update_field(id, version, key, value),
            Effect::SetHandled {
                message_id,
                handled,
            } => {
                let user = self.app.user.clone();
                match retry(&mut self.store, |st| {
                    st.set_message_handled(message_id, handled, &user)
                }) {
                    Ok(_) => {
                        self.refresh(false);
                        self.app
                            .notify(Level::Ok, s::n_handled(message_id, handled));
                    }
                    Err(e) => self.app.notify(Level::Error, error_text(&e)),
                }
            }
            Effect::EnterProposal {
                message_id,
                kind,
                fields,
            } => self.enter_proposal(message_id, kind, fields),
            Effect::LoadLetters => self.load_letters(),
            Effect::DropLetter { id, version } => {
                let user = self.app.user.clone();
                match retry(&mut self.store, |st| st.drop_letter(id, version, &user)) {
                    Ok(()) => {
                        self.load_letters();
                        self.app.notify(Level::Ok, s::n_letter_dropped(id));
                    }
                    Err(e) => {
                        self.load_letters();
                        self.app.notify(Level::Error, error_text(&e));
                    }
                }
            }
            Effect::ResolveLetter {
                id,
                version,
                resolution,
            } => {
                let user = self.app.user.clone();
                match retry(&mut self.store, |st| {
                    st.resolve_letter(id, version, resolution, &user)
                }) {
                    Ok(()) => {
                        self.load_letters();
                        self.app.notify(
                            Level::Ok,
                            s::n_letter_settled(id, resolution == Resolution::Sent),
                        );
                    }
                    Err(e) => {
                        self.load_letters();
                        self.app.notify(Level::Error, error_text(&e));
                    }
                }
            }
            Effect::SendBatch(letters) => self.start_sending(letters),
            Effect::EditLetter { id, version } => self.edit_request = Some((id, version)),
        }
    }

    /// The outbox as the Envoi screen shows it: letters still to deal
    /// with first (uncertain, refused, to send), then those sent.
    pub fn load_letters(&mut self) {
        let filter = LetterFilter {
            states: vec![
                LetterState::Pending,
                LetterState::Sending,
                LetterState::Uncertain,
                LetterState::Failed,
                LetterState::Sent,
            ],
            ..LetterFilter::default()
        };
        let loaded = self.store.letters(&filter).and_then(|records| {
            let counts = self.store.letter_counts()?;
            Ok((records, counts))
        });
        let (records, counts) = match loaded {
            Ok(x) => x,
            Err(e) => {
                self.app.notify(Level::Error, error_text(&e));
                return;
            }
        };
        let sel = self.app.envoi.current().map(|l| l.id);
        let mut rows: Vec<LetterRow> = records
            .into_iter()
            .map(|r| letter_row(self.letters.as_ref(), r))
            .collect();
        let order = |st: LetterState| match st {
            LetterState::Uncertain => 0,
            LetterState::Failed => 1,
            LetterState::Sending => 2,
            LetterState::Pending => 3,
            _ => 4,
        };
        rows.sort_by_key(|l| (order(l.state), l.id));
        let n = |st: LetterState| counts.iter().find(|(s, _)| *s == st).map_or(0, |(_, n)| *n);
        let e = &mut self.app.envoi;
        e.counts = [
            n(LetterState::Pending),
            n(LetterState::Sent),
            n(LetterState::Uncertain),
            n(LetterState::Failed),
        ];
        e.letters = rows;
        e.loaded = true;
        if let Some(id) = sel
            && let Some(p) = e.letters.iter().position(|l| l.id == id)
        {
            e.selected = p;
        }
        self.app.clamp_envoi();
    }

    /// Sends the batch on a thread of its own, with its own store: SMTP
    /// blocks, the console does not. News come back through `tick`.
    fn start_sending(&mut self, letters: Vec<(i64, i64)>) {
        let Some(smtp) = self.smtp.clone() else {
            self.app.notify(Level::Error, s::ENV_NO_SMTP);
            return;
        };
        let Some(templates) = self.letters.clone() else {
            self.app
                .notify(Level::Error, s::n_send_failed(s::ENV_NO_TEMPLATES));
            return;
        };
        if self.sending.is_some() {
            self.app.notify(Level::Warn, s::ENV_ALREADY_SENDING);
            return;
        }
        let path = self.store.path().to_path_buf();
        let total = letters.len();
        let opts = SendOptions {
            auto: false,
            auto_acknowledge: false,
            only: Some(letters.into_iter().map(|(i, v)| (i, Some(v))).collect()),
            ignore_backoff: true,
            actor: self.app.user.clone(),
        };
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("console-envoi".into())
            .spawn(move || {
                let result = Store::open(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|mut store| {
                        let progress_tx = tx.clone();
                        outbox::send(&mut store, &smtp, &templates, &opts, &mut |o| {
                            let _ = progress_tx.send(SendNews::Progress(o.clone()));
                        })
                        .map_err(|e| e.to_string())
                    });
                let _ = tx.send(SendNews::Done(result));
            });
        match spawned {
            Ok(_) => {
                self.sending = Some(rx);
                self.app.envoi.sending = Some((0, total));
                self.app.envoi.quit_warned = false;
                self.app.notify(Level::Info, s::n_sending(0, total));
            }
            Err(e) => self
                .app
                .notify(Level::Error, s::n_send_failed(&e.to_string())),
        }
    }

    /// Takes the sending thread's news; returns whether anything changed.
    pub fn poll_sending(&mut self) -> bool {
        let Some(rx) = &self.sending else {
            return false;
        };
        let mut changed = false;
        let mut finished = None;
        loop {
            match rx.try_recv() {
                Ok(SendNews::Progress(_)) => {
                    changed = true;
                    if let Some((done, total)) = &mut self.app.envoi.sending {
                        *done += 1;
                        let text = s::n_sending(*done, *total);
                        self.app.notify(Level::Info, text);
                    }
                }
                Ok(SendNews::Done(r)) => {
                    finished = Some(r);
                    break;
                }
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => {
                    finished = Some(Err("le fil d'envoi s'est arrêté".to_string()));
                    break;
                }
            }
        }
        if let Some(r) = finished {
            self.sending = None;
            self.app.envoi.sending = None;
            self.app.envoi.quit_warned = false;
            self.load_letters();
            match r {
                Ok(report) => {
                    let sent = report.sent();
                    let other = report.outcomes.len() - sent + report.not_approved.len();
                    let err = report.connection_error.as_deref().map(terminal_line);
                    let level = if report.all_good() {
                        Level::Ok
                    } else {
                        Level::Warn
                    };
                    self.app
                        .notify(level, s::n_send_done(sent, other, err.as_deref()));
                }
                Err(e) => self
                    .app
                    .notify(Level::Error, s::n_send_failed(&terminal_line(&e))),
            }
            changed = true;
        }
        changed
    }

    /// Edits the letter asked for in `$VISUAL` / `$EDITOR` (the terminal
    /// loop hands the terminal over around this call); returns whether
    /// there was one.
    pub fn run_pending_edit(&mut self) -> bool {
        let Some((id, version)) = self.edit_request.take() else {
            return false;
        };
        let Some(templates) = self.letters.clone() else {
            self.app
                .notify(Level::Error, s::n_send_failed(s::ENV_NO_TEMPLATES));
            return true;
        };
        let user = self.app.user.clone();
        match crate::commands::outbox::edit_text(
            &mut self.store,
            &templates,
            id,
            Some(version),
            None,
            &user,
        ) {
            Ok(crate::commands::outbox::EditResult::Unchanged) => {
                self.app.notify(Level::Info, s::n_letter_unchanged(id))
            }
            Ok(crate::commands::outbox::EditResult::Edited { problems }) => {
                let level = if problems.is_empty() {
                    Level::Ok
                } else {
                    Level::Warn
                };
                self.app
                    .notify(level, s::n_letter_edited(id, problems.len()));
            }
            Err(e) => self
                .app
                .notify(Level::Error, s::n_error(&terminal_line(&format!("{e:#}")))),
        }
        self.load_letters();
        true
    }

    /// Waits for the sending thread to finish (tests).
    pub fn wait_sending(&mut self, timeout: Duration) -> bool {
        let until = Instant::now() + timeout;
        while self.sending.is_some() && Instant::now() < until {
            self.poll_sending();
            std::thread::sleep(Duration::from_millis(20));
        }
        self.sending.is_none()
    }

    /// The actor of the last journal line of a proposal (who changed it).
    fn last_actor(&self, id: i64) -> String {
        self.store
            .proposal_journal(id)
            .ok()
            .and_then(|j| j.last().map(|e| terminal_line(&e.actor)))
            .unwrap_or_else(|| "?".to_string())
    }

    fn decide(
        &mut self,
        id: i64,
        version: i64,
        decision: domain::Decision,
        rank: Option<i64>,
        undo: bool,
    ) {
        // The rules look at what others wrote meanwhile, not at the screen.
        self.refresh(false);
        let shown = self.app.listing.get(id).cloned();
        if let Some(row) = &shown
            && row.version == version
            && let Err(e) = check_decision(
                &self.app.layout,
                &row.candidate(),
                &decision,
                &self.app.programme().candidates,
            )
        {
            self.app.notify(Level::Error, s::n_refused(&e.to_string()));
            return;
        }
        let user = self.app.user.clone();
        let sd = to_store(&decision, rank);
        match retry(&mut self.store, |st| st.decide(id, version, &sd, &user)) {
            Ok(p) => {
                if undo {
                    self.app.undo.pop();
                } else if let Some(before) = &shown {
                    self.app.undo.push(UndoEntry {
                        id,
                        version_after: p.version,
                        back: undo_of(
                            before.status,
                            before.slot.as_deref(),
                            before.space.as_deref(),
                        ),
                    });
                }
                self.refresh(false);
                let text = if undo {
                    s::n_undone(id)
                } else {
                    match &decision {
                        domain::Decision::Accept { slot, place } => {
                            s::n_accepted(id, &terminal_line(slot), &terminal_line(place))
                        }
                        domain::Decision::Waitlist => s::n_waitlisted(
                            id,
                            self.app.programme().ranks.get(&id).copied().unwrap_or(1),
                        ),
                        domain::Decision::Reject { .. } => s::n_rejected(id),
                        domain::Decision::Withdraw => s::n_withdrawn(id),
                        domain::Decision::Reset => s::n_reset(id),
                    }
                };
                self.app.notify(Level::Ok, text);
            }
            Err(StoreError::StaleVersion { .. }) => {
                self.refresh(false);
                self.load_detail(id);
                let status = match self.store.proposal(id) {
                    Ok(p) => {
                        let mut t = status_fr(p.status).to_string();
                        if let (Some(sl), Some(sp)) = (&p.slot, &p.space) {
                            t.push_str(&format!(" ({}, {})", terminal_line(sl), terminal_line(sp)));
                        }
                        t
                    }
                    Err(_) => "?".to_string(),
                };
                let who = self.last_actor(id);
                if undo {
                    self.app.undo.pop();
                }
                self.app.notify(Level::Error, s::n_stale(id, &who, &status));
            }
            Err(StoreError::NotLive(_)) => {
                self.refresh(false);
                self.app.notify(Level::Error, s::DEC_NOT_LIVE);
            }
            Err(e) if e.is_unique_violation() => {
                self.refresh(false);
                let (slot, place) = match &decision {
                    domain::Decision::Accept { slot, place } => (slot.clone(), place.clone()),
                    _ => (String::new(), String::new()),
                };
                self.app.notify(
                    Level::Error,
                    s::n_place_taken(&terminal_line(&slot), &terminal_line(&place)),
                );
            }
            Err(e) => self.app.notify(Level::Error, error_text(&e)),
        }
    }

    fn update_field(&mut self, id: i64, version: i64, key: &'static str, value: Option<Value>) {
        let user = self.app.user.clone();
        match retry(&mut self.store, |st| {
            st.update_field(id, version, key, value.clone(), &user)
        }) {
            Ok(p) => {
                self.refresh(false);
                let label = p
                    .kind
                    .and_then(|k| crate::fiche::spec::field(k, key))
                    .map_or(key, |f| f.label);
                self.app.notify(Level::Ok, s::n_field_saved(label));
            }
            Err(StoreError::StaleVersion { .. }) => {
                self.refresh(false);
                self.load_detail(id);
                let who = self.last_actor(id);
                let status = self
                    .app
                    .listing
                    .get(id)
                    .map_or("?", |r| status_fr(r.status))
                    .to_string();
                self.app.notify(Level::Error, s::n_stale(id, &who, &status));
            }
            Err(e) => self.app.notify(Level::Error, error_text(&e)),
        }
    }

    fn enter_proposal(
        &mut self,
        message_id: i64,
        kind: Kind,
        fields: std::collections::BTreeMap<String, Value>,
    ) {
        let user = self.app.user.clone();
        match retry(&mut self.store, |st| {
            st.enter_proposal(message_id, kind, &fields, &user)
        }) {
            Ok(p) => {
                self.app.draft = None;
                self.refresh(false);
                self.app.listing.filters = Default::default();
                self.app.listing.set_query("");
                self.app.select_id(p.id);
                self.app.screen = Screen::Propositions;
                self.load_detail(p.id);
                self.app.notify(Level::Ok, s::n_entered(p.id));
            }
            Err(e) => self.app.notify(Level::Error, error_text(&e)),
        }
    }

    /// Loads the selected message of "À traiter" if needed (first visit).
    pub fn ensure_triage_loaded(&mut self) {
        for e in triage_changed(&mut self.app) {
            self.perform(e);
        }
    }
}

/// A letter as the Envoi screen shows it, written from the templates.
fn letter_row(templates: Option<&Letters>, r: LetterRecord) -> LetterRow {
    let organisation = r.proposal.text("organisation").unwrap_or("").to_string();
    let base = LetterRow {
        id: r.id,
        version: r.version,
        state: r.state,
        kind: r.kind.label_fr(),
        to: String::new(),
        cc: String::new(),
        subject: String::new(),
        body: String::new(),
        proposal_id: r.proposal.id,
        organisation,
        created_at: r.created_at.clone(),
        sent_at: r.sent_at.clone(),
        attempts: r.attempts,
        last_error: r.last_error.clone(),
        problems: Vec::new(),
    };
    match templates {
        Some(t) => {
            let d = outbox::draft(t, r);
            LetterRow {
                to: d.to_text(),
                cc: d.cc_text(),
                subject: d.subject,
                body: d.body,
                problems: d.problems,
                ..base
            }
        }
        None => LetterRow {
            to: r.edit.to.clone().unwrap_or_default(),
            subject: r.edit.subject.clone().unwrap_or_default(),
            body: r.edit.body.clone().unwrap_or_default(),
            problems: vec![s::ENV_NO_TEMPLATES.to_string()],
            ..base
        },
    }
}

/// How often the console looks at the daemon's lock (a stopped daemon
/// writes nothing that would wake it up).
const DAEMON_CHECK: Duration = Duration::from_secs(5);

/// Time a search keystroke may spend before its frame is drawn: half of a
/// 60 Hz frame, whatever the number of proposals.
pub const SEARCH_SLICE: Duration = Duration::from_millis(8);

/// Set once the terminal is given back: frames still buffered (a panic in
/// the middle of a draw) are then dropped instead of landing on the shell.
static RESTORED: AtomicBool = AtomicBool::new(false);

/// The console's output: buffered, one write per frame, and silent once
/// the terminal has been restored.
struct FrameWriter(io::BufWriter<io::Stdout>);

impl Write for FrameWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if RESTORED.load(Ordering::SeqCst) {
            return Ok(buf.len());
        }
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        if RESTORED.load(Ordering::SeqCst) {
            return Ok(());
        }
        self.0.flush()
    }
}

impl Drop for FrameWriter {
    fn drop(&mut self) {
        if RESTORED.load(Ordering::SeqCst) {
            // Forget what is buffered rather than write it on the shell.
            let _ = std::mem::replace(&mut self.0, io::BufWriter::with_capacity(0, io::stdout()))
                .into_parts();
        }
    }
}

/// Restores the terminal: raw mode off, main screen, mouse released,
/// cursor shown. Errors are ignored (the terminal may be gone).
pub fn restore_terminal() {
    RESTORED.store(true, Ordering::SeqCst);
    let _ = disable_raw_mode();
    let mut out = io::stdout();
    let _ = execute!(
        out,
        crossterm::event::DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = out.flush();
}

/// Restores the terminal when dropped (early returns, errors).
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Whether our terminal is gone (the SSH connection or the terminal
/// emulator closed): `poll(2)` reports a hangup or an error on stdin.
fn terminal_hung_up() -> bool {
    let mut fd = libc::pollfd {
        fd: libc::STDIN_FILENO,
        events: 0,
        revents: 0,
    };
    // SAFETY: one valid pollfd, no timeout.
    let n = unsafe { libc::poll(&mut fd, 1, 0) };
    n > 0 && fd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
}

/// Watches for SIGTERM, SIGHUP, SIGINT, SIGQUIT and for the terminal
/// hanging up, five times a second (sleeping in between). On either it
/// asks the loop to stop, gives it half a second to leave cleanly, then
/// restores the terminal and exits: when the terminal is gone, crossterm's
/// event reader can spin on the closed tty and never come back to the loop.
fn spawn_watchdog(stop: Arc<AtomicBool>, done: Arc<AtomicBool>) -> io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT, SIGQUIT])?;
    std::thread::Builder::new()
        .name("console-watchdog".into())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(200));
                if done.load(Ordering::SeqCst) {
                    return;
                }
                let signal = signals.pending().next();
                let hung_up = terminal_hung_up();
                if signal.is_none() && !hung_up {
                    continue;
                }
                stop.store(true, Ordering::SeqCst);
                for _ in 0..10 {
                    std::thread::sleep(Duration::from_millis(50));
                    if done.load(Ordering::SeqCst) {
                        return;
                    }
                }
                restore_terminal();
                std::process::exit(128 + signal.unwrap_or(SIGHUP));
            }
        })?;
    Ok(())
}

/// The terminal loop. Returns when the user quits or a termination
/// signal arrives.
pub fn run(mut session: Session) -> anyhow::Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    spawn_watchdog(Arc::clone(&stop), Arc::clone(&done))?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));

    enable_raw_mode()?;
    let _guard = Guard;
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        crossterm::event::EnableMouseCapture
    )?;
    // One write per frame (stdout alone flushes every KiB): no half-drawn
    // frames over a slow link.
    let mut terminal = Terminal::new(CrosstermBackend::new(FrameWriter(
        io::BufWriter::with_capacity(1 << 16, io::stdout()),
    )))?;
    terminal.clear()?;
    let size = terminal.size()?;
    session.dispatch(Action::Resize(size.width, size.height));

    let tick = Duration::from_millis(250);
    let mut last_tick = Instant::now();
    let mut last_clock = Instant::now();
    let mut dirty = true;
    let result = (|| -> anyhow::Result<()> {
        loop {
            if dirty {
                terminal.draw(|f| view::draw(f, &session.app))?;
                dirty = false;
                // Debug builds only: lets the tests check the terminal is
                // given back after a panic.
                #[cfg(debug_assertions)]
                if std::env::var_os("FICHES_TEST_PANIC").is_some() {
                    panic!("panne simulée pour les tests (FICHES_TEST_PANIC)");
                }
            }
            if session.app.quit || stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            // Blocks until an event or the next tick: no busy loop. A search
            // still going through the rows goes on while no key comes.
            let wait = if session.app.listing.scanning() {
                Duration::ZERO
            } else {
                tick.saturating_sub(last_tick.elapsed())
            };
            if event::poll(wait)? {
                // Take every pending event before drawing again (paste, key repeat).
                loop {
                    match event::read()? {
                        Event::Key(k) => session.key(k),
                        Event::Mouse(m) => {
                            if let Some(a) = mouse_action(m) {
                                session.dispatch(a);
                            }
                        }
                        Event::Resize(w, h) => session.dispatch(Action::Resize(w, h)),
                        _ => {}
                    }
                    dirty = true;
                    if session.app.quit || !event::poll(Duration::ZERO)? {
                        break;
                    }
                }
                if session.edit_request.is_some() {
                    // The editor gets the terminal, then the console takes it back.
                    terminal.backend_mut().flush()?;
                    disable_raw_mode()?;
                    execute!(
                        io::stdout(),
                        crossterm::event::DisableMouseCapture,
                        LeaveAlternateScreen,
                        crossterm::cursor::Show
                    )?;
                    session.run_pending_edit();
                    enable_raw_mode()?;
                    execute!(
                        io::stdout(),
                        EnterAlternateScreen,
                        crossterm::event::EnableMouseCapture
                    )?;
                    terminal.clear()?;
                }
            } else if session.app.listing.scanning() {
                let budget = session.app.search_budget.unwrap_or(SEARCH_SLICE);
                session.app.listing.step(Some(Instant::now() + budget));
                dirty = true;
            }
            if last_tick.elapsed() >= tick {
                last_tick = Instant::now();
                if session.tick() {
                    dirty = true;
                }
                // The daemon's "seen N s ago" moves with the clock.
                if session.app.heartbeat != crate::status::Health::Unknown
                    && last_clock.elapsed() >= Duration::from_secs(1)
                {
                    last_clock = Instant::now();
                    dirty = true;
                }
            }
        }
    })();
    drop(terminal);
    drop(_guard);
    done.store(true, Ordering::SeqCst);
    result
}
