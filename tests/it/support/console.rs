//! Shared by the console tests: the sample inbox imported into a temporary
//! database, sessions on it with a fixed clock and user, keys typed from a
//! small script, frames drawn on ratatui's `TestBackend`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fiches::config::Config;
use fiches::console::view;
use fiches::console::{Options, Session};
use fiches::domain::members::Members;
use fiches::intake::{Importer, IntakeOptions, open_path};
use fiches::store::Store;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub use super::repo;

pub fn config() -> Config {
    Config::load(&repo().join("config.toml")).expect("config.toml")
}

/// The console's clock in tests: 12 June 2018, 12:00 in Paris.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2018, 6, 12, 10, 0, 0).unwrap()
}

/// Imports a Maildir, a directory of .eml or one .eml into `db`.
pub fn import(db: &Path, path: &Path) {
    let mut store = Store::open(db).expect("open");
    let mut src = open_path(path).expect("source");
    let mut imp = Importer::new(&mut store, IntakeOptions::new(config().event.deadline));
    imp.run(src.as_mut(), &mut |_| {}).expect("import");
    assert!(imp.report.failed.is_empty(), "{:?}", imp.report.failed);
}

/// A temporary directory holding `fiches.db` with the sample inbox.
pub fn sample_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fiches.db");
    import(&db, &repo().join("fixtures/inbox"));
    (dir, db)
}

pub fn members() -> Members {
    Members::from_csv(&std::fs::read_to_string(repo().join("members.csv")).unwrap())
}

pub fn options(user: &str, size: (u16, u16)) -> Options {
    let mut o = Options::fixed(user, now(), size);
    o.members = members();
    let c = config();
    o.layout = c.layout();
    o.letters = Some(c.load_letters().expect("letter templates"));
    o.smtp = c.smtp.clone();
    o
}

pub fn session(db: &Path, size: (u16, u16)) -> Session {
    session_as(db, "marie", size)
}

pub fn session_as(db: &Path, user: &str, size: (u16, u16)) -> Session {
    Session::open(Store::open(db).expect("open"), options(user, size)).expect("session")
}

/// Types a key script: plain characters are keys; `<Enter>`, `<Esc>`,
/// `<Tab>`, `<Up>`, `<Down>`, `<Left>`, `<Right>`, `<Bs>`, `<PgDn>`,
/// `<PgUp>`, `<F1>`…`<F5>` and `<C-x>` (Ctrl) are named keys.
pub fn keys(s: &mut Session, script: &str) {
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        let key = if c == '<' && chars.peek().is_some_and(|n| n.is_ascii_alphabetic()) {
            let mut name = String::new();
            for n in chars.by_ref() {
                if n == '>' {
                    break;
                }
                name.push(n);
            }
            match name.as_str() {
                "Enter" => KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
                "Esc" => KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
                "Tab" => KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE),
                "Up" => KeyEvent::new(KeyCode::Up, KeyModifiers::NONE),
                "Down" => KeyEvent::new(KeyCode::Down, KeyModifiers::NONE),
                "Left" => KeyEvent::new(KeyCode::Left, KeyModifiers::NONE),
                "Right" => KeyEvent::new(KeyCode::Right, KeyModifiers::NONE),
                "Bs" => KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE),
                "PgDn" => KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE),
                "PgUp" => KeyEvent::new(KeyCode::PageUp, KeyModifiers::NONE),
                f if f.starts_with('F') => {
                    KeyEvent::new(KeyCode::F(f[1..].parse().unwrap()), KeyModifiers::NONE)
                }
                c if c.starts_with("C-") => KeyEvent::new(
                    KeyCode::Char(c.chars().nth(2).unwrap()),
                    KeyModifiers::CONTROL,
                ),
                other => panic!("unknown key <{other}>"),
            }
        } else {
            let m = if c.is_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            KeyEvent::new(KeyCode::Char(c), m)
        };
        s.key(key);
    }
}

/// Draws the session on a `TestBackend` of its size.
pub fn render(s: &Session) -> Terminal<TestBackend> {
    let (w, h) = s.app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::draw(f, &s.app)).unwrap();
    t
}

/// The frame as text, one line per row.
pub fn screen(s: &Session) -> String {
    let t = render(s);
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The notice on the message line, if any.
pub fn notice(s: &Session) -> String {
    s.app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

/// A proposal id by organisation (first live match).
pub fn id_of(s: &Session, org_part: &str) -> i64 {
    s.app
        .listing
        .rows()
        .iter()
        .filter(|r| r.organisation.contains(org_part))
        .map(|r| r.id)
        .min()
        .unwrap_or_else(|| panic!("no proposal of {org_part}"))
}

/// Selects a proposal on the Propositions screen with the keys a person
/// would use: clear the search and filters, go to the top, then down.
pub fn select(s: &mut Session, id: i64) {
    keys(s, "1<Esc>x<Esc>g");
    let pos = s.app.listing.position(id).expect("proposal shown");
    keys(s, &"j".repeat(pos));
    assert_eq!(s.app.current_id(), Some(id), "{}", screen(s));
}
