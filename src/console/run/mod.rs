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
//!
//! Here: the `Session` (state, store and what runs beside them) and what
//! its parts share; `session` performs the effects, `sending` is the
//! background send of the Envoi screen, `terminal` the terminal and its
//! loop.

mod sending;
mod session;
mod terminal;

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

use super::action::{Action, KeyMode, action_for, key_mode, mouse_action};
use super::app::LetterRow;
use super::app::{App, Detail, Level, Screen, TextState, TriageDetail, UndoEntry};
use super::draft;
use super::format::Zone;
use super::rows::Listing;
use super::strings as s;
use super::theme::Theme;
use super::update::{Effect, triage_changed, update};
use super::view;
use crate::convert::{self, Converter};
use crate::domain::members::Members;
use crate::domain::{self, Layout, Place, Rules, status_fr};
use crate::fiche::{Kind, Value};
use crate::intake::message_view;
use crate::letters::Letters;
use crate::outbox::{self, LetterOutcome, SendOptions, SendReport, SmtpConfig};
use crate::safe::terminal_line;
use crate::store::{
    self, DocxRequest, LetterFilter, LetterRecord, LetterState, Resolution, Store, StoreError,
};

/// How a session starts.
#[derive(Debug, Clone)]
pub struct Options {
    /// Who the journal names ([`crate::system::acting_user`]).
    pub user: String,
    /// The database as the status line names it.
    pub db_label: String,
    pub layout: Layout,
    pub members: Members,
    /// `[selection] late_last`: on-time fiches before late ones.
    pub late_last: bool,
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
    /// The configuration, to publish from the console as `fiches publish`
    /// does; `None`: publishing says why it cannot.
    pub config: Option<crate::config::Config>,
    /// How long an attachment's conversion to text may take.
    pub convert_timeout: Duration,
}

impl Options {
    /// Options for tests and benchmarks: fixed clock, no colour.
    pub fn fixed(user: &str, now: DateTime<Utc>, size: (u16, u16)) -> Options {
        Options {
            user: user.to_string(),
            db_label: "fiches.db".into(),
            layout: Layout::spec_default(),
            members: Members::default(),
            late_last: true,
            zone: Zone::CentralEurope,
            theme: Theme::new(true),
            now: Some(now),
            size,
            search_budget: None,
            letters: None,
            smtp: None,
            silent_after: crate::status::SILENT_AFTER,
            config: None,
            convert_timeout: crate::convert::DEFAULT_TIMEOUT,
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
    config: Option<crate::config::Config>,
    /// The draft as last written to the database (JSON), `None`: none there.
    draft_written: Option<String>,
    /// Since when the draft differs from what was written, and its last change.
    draft_dirty: Option<(Instant, Instant)>,
    /// Converts attachments to text (`crate::convert`).
    converter: Converter,
    /// A conversion under way on its own thread: (attachment, its answer).
    converting: Option<(
        i64,
        mpsc::Receiver<Result<convert::AttachmentText, convert::ConvertError>>,
    )>,
    /// Its thread, joined (the program stopped) when the session ends.
    convert_thread: Option<std::thread::JoinHandle<()>>,
    /// Texts already converted this session, by attachment.
    texts: HashMap<i64, convert::AttachmentText>,
}

impl Drop for Session {
    /// A conversion still running is stopped: no program left behind, no
    /// temporary copy of an attachment left on disk.
    fn drop(&mut self) {
        if let Some(t) = self.convert_thread.take() {
            self.converter.cancel.store(true, Ordering::SeqCst);
            let _ = t.join();
        }
    }
}

/// A draft is written this long after the last keystroke…
const DRAFT_QUIET: Duration = Duration::from_millis(300);
/// …or this long after the first one not yet written, whatever the typing.
const DRAFT_AT_MOST: Duration = Duration::from_secs(2);

/// What the sending thread tells the loop.
#[derive(Debug)]
pub enum SendNews {
    Progress(LetterOutcome),
    Done(Result<SendReport, String>),
}

fn is_live(r: &store::console::ListingRow) -> bool {
    r.superseded_by.is_none()
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
pub(super) fn retry<T>(
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

pub use terminal::{SEARCH_SLICE, restore_terminal, run};
