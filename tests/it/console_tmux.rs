//! The real binary in a real terminal (tmux): open the console on an empty
//! database (the sample inbox is imported first), search, accept one
//! proposal into a slot, resize, quit; the decision is in the database and
//! the journal, under the OS user's name. And the corpus' hostile mail
//! shown in the terminal: no escape sequence from the data reaches it.
//! Needs tmux (scripts/install-test-deps.sh installs it).

use crate::support::console as console_support;
use crate::support::tmux::{Tmux, alive};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use console_support::repo;
use fiches::domain::Status;
use fiches::store::Store;

/// Starts `fiches` in `dir` in a detached tmux session of `w`×`h`, as
/// user `e2e`.
fn start(dir: &Path, w: u16, h: u16) -> Tmux {
    start_with(dir, w, h, "-u SUDO_USER USER=e2e")
}

/// Same, with `env` arguments setting the user.
fn start_with(dir: &Path, w: u16, h: u16, user_env: &str) -> Tmux {
    let cmd = format!(
        "cd '{}' && env -u FICHES_DB {user_env} FICHES_CONFIG='{}' '{}'; echo \"FIN $?\"; sleep 60",
        dir.display(),
        dir.join("config.toml").display(),
        env!("CARGO_BIN_EXE_fiches")
    );
    Tmux::run("console", w, h, &cmd, Duration::from_secs(30))
}

/// A directory with the repository's config.toml (sample path made
/// absolute) and members.csv; the database will be `fiches.db` in it.
fn workdir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::fs::read_to_string(repo().join("config.toml")).unwrap();
    let config = shipped.replace(
        "sample = \"fixtures/inbox\"",
        &format!("sample = \"{}\"", repo().join("fixtures/inbox").display()),
    );
    assert_ne!(config, shipped, "config.toml names the sample");
    std::fs::write(dir.path().join("config.toml"), config).unwrap();
    std::fs::copy(repo().join("members.csv"), dir.path().join("members.csv")).unwrap();
    let db = dir.path().join("fiches.db");
    (dir, db)
}

#[test]
fn open_search_accept_resize_quit() {
    let (dir, db) = workdir();
    // $USER and $SUDO_USER set by hand do not change who the journal names:
    // the account of the real uid (sudo's own SUDO_USER is trusted only from
    // root with sudo's SUDO_UID, which this claim lacks).
    let t = start_with(
        dir.path(),
        120,
        40,
        "-u SUDO_UID SUDO_USER=claire USER=claire",
    );
    // The empty database is filled from the sample first.
    t.wait_for("45 propositions");
    t.text("/grenoble");
    // Wait for what is asserted: "sur 45" is on the screen before the
    // typed search is drawn.
    let screen = t.wait_for_all(
        &["/grenoble", "Ville de Grenoble", "sur 45"],
        Duration::from_secs(30),
    );
    assert!(screen.contains("/grenoble"), "{screen}");
    assert!(screen.contains("Ville de Grenoble"), "{screen}");
    t.keys(&["Enter", "Enter"]);
    t.wait_for("Places libres (20)");
    t.keys(&["Enter"]);
    t.wait_for("retenue : 14:00, Espace A");
    // Resize to 80×24: everything redrawn at the new size.
    let st = t
        .cmd()
        .args(["resize-window", "-t", "fiches", "-x", "80", "-y", "24"])
        .status()
        .unwrap();
    assert!(st.success());
    let screen = t.wait_for("ret. 1");
    for line in screen.lines() {
        assert!(
            fiches::console::format::width(line) <= 80,
            "{line:?}\n{screen}"
        );
    }
    t.keys(&["q"]);
    let screen = t.wait_for("FIN 0");
    // The terminal is back to normal: the main screen, not the console.
    assert!(!screen.contains("Propositions  2 Décider"), "{screen}");

    let st = Store::open(&db).unwrap();
    let p = st
        .list_proposals(&Default::default())
        .unwrap()
        .into_iter()
        .find(|p| p.text("organisation") == Some("Ville de Grenoble"))
        .unwrap();
    assert_eq!(p.status, Status::Accepted);
    assert_eq!(
        (p.slot.as_deref(), p.space.as_deref()),
        (Some("14:00"), Some("Espace A"))
    );
    let j = st.journal(Some(p.id)).unwrap();
    let last = j.last().unwrap();
    assert_eq!(last.action, "decision");
    let me = fiches::system::user_name(unsafe { libc::getuid() }).unwrap();
    assert_eq!(last.actor, me);
    assert_eq!(last.after.as_ref().unwrap()["status"], "accepted");
}

#[test]
fn hostile_mail_in_a_real_terminal() {
    let (dir, db) = workdir();
    console_support::import(&db, &repo().join("fixtures/inbox"));
    console_support::import(
        &db,
        &repo().join("fixtures/corpus/mail/14-hostile-text.eml"),
    );
    let t = start(dir.path(), 80, 24);
    t.wait_for("46 propositions");
    let title_before = t.pane_title();
    t.text("/evil@");
    let screen = t.wait_for_all(
        &["1 sur 46", "Courriel : #", "evil@example.net"],
        Duration::from_secs(30),
    );
    assert!(screen.contains("␛]0;pwned␇␛[2J"), "{screen}");
    assert!(
        !screen
            .chars()
            .any(|c| c == '\u{1b}' || ('\u{80}'..='\u{9f}').contains(&c)),
        "{screen:?}"
    );
    assert!(
        !screen
            .chars()
            .any(|c| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
    );
    // With attributes: only the console's own SGR sequences.
    let raw = t.capture_with(&["-e"]);
    for (i, _) in raw.match_indices('\u{1b}') {
        assert_eq!(
            &raw[i + 1..i + 2],
            "[",
            "{:?}",
            &raw[i..(i + 12).min(raw.len())]
        );
    }
    assert!(!raw.contains("\u{1b}]"));
    // The terminal's title was not changed by the subject.
    let title = t.pane_title();
    assert!(!title.contains("pwned"), "{title}");
    assert_eq!(title, title_before);
    t.keys(&["Escape"]);
    t.wait_for("/ chercher");
    t.keys(&["q"]);
    t.wait_for("FIN 0");
}

fn wait_gone(pid: u32) {
    let t0 = Instant::now();
    while alive(pid) {
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "fiches (pid {pid}) still running 5 s after losing its terminal"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sigterm_restores_the_terminal() {
    let (dir, db) = workdir();
    console_support::import(&db, &repo().join("fixtures/inbox"));
    let t = start(dir.path(), 80, 24);
    t.wait_for("45 propositions");
    let pid = t.fiches_pid();
    let st = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let screen = t.wait_for("FIN");
    assert!(!screen.contains("1 Propositions"), "{screen}");
    wait_gone(pid);
}

#[test]
fn a_dropped_connection_ends_the_console() {
    // Closing the terminal under it (tmux gone: SIGHUP, then a dead tty),
    // as an SSH drop does: the console exits instead of spinning.
    let (dir, db) = workdir();
    console_support::import(&db, &repo().join("fixtures/inbox"));
    let t = start(dir.path(), 80, 24);
    t.wait_for("45 propositions");
    let pid = t.fiches_pid();
    let _ = t.cmd().arg("kill-server").output();
    wait_gone(pid);
}

#[test]
fn a_panic_gives_the_terminal_back() {
    // Debug builds panic after the first frame when FICHES_TEST_PANIC is set.
    let (dir, db) = workdir();
    console_support::import(&db, &repo().join("fixtures/inbox"));
    let t = start_with(
        dir.path(),
        80,
        24,
        "-u SUDO_USER USER=e2e RUST_BACKTRACE=0 FICHES_TEST_PANIC=1",
    );
    let screen = t.wait_for("FIN 101");
    // Back on the main screen, out of raw mode: the shell's line starts at
    // the left margin (raw mode would leave it where the cursor was).
    assert!(screen.lines().any(|l| l == "FIN 101"), "{screen}");
    assert!(screen.contains("panne simulée"), "{screen}");
    assert!(!screen.contains("1 Propositions"), "{screen}");
}

/// What a line reaching the right edge may end with: the cut marker `…`,
/// a border, the list markers. Any other character in the last column is
/// text running off the screen.
const EDGE_OK: &[char] = &['…', '│', '┐', '┘', '┤', '─', '▶', '▼', '▲'];

/// Stored codes that must never reach the screen as such.
const RAW_CODES: &[&str] = &[
    "micro_atelier",
    "bourse_projets",
    "pending",
    "accepted",
    "waitlisted",
    "rejected",
    "withdrawn",
    "unsupported_format",
    "not_a_fiche",
    "corrupt",
    "too_large",
    "no_fiche",
    "auto_reply",
    "démon",
    "field_updated",
    "proposal_created",
];

/// At 80×24: the message line says how to get help (or close the window)
/// and how to quit; no line runs off the right edge without `…`.
fn check_honest(screen: &str, what: &str) {
    let lines: Vec<&str> = screen.lines().collect();
    assert!(lines.len() >= 23, "{what}: {} lines\n{screen}", lines.len());
    let footer = lines[22];
    assert!(
        footer.contains("quitter") && (footer.contains("? aide") || footer.contains("Échap")),
        "{what}: no help/quit keys on the message line {footer:?}\n{screen}"
    );
    // Codes are said in French words.
    for code in RAW_CODES {
        assert!(
            !screen.contains(code),
            "{what}: raw code {code:?}\n{screen}"
        );
    }
    for (i, line) in lines.iter().enumerate() {
        let l = line.trim_end();
        if fiches::console::format::width(l) >= 80 {
            let last = l.chars().last().unwrap_or(' ');
            assert!(
                EDGE_OK.contains(&last),
                "{what}: line {i} is cut without a marker: {l:?}\n{screen}"
            );
        }
    }
}

impl Tmux {
    /// The screen once it stopped changing (two captures alike).
    fn settled(&self) -> String {
        let mut last = self.capture();
        for _ in 0..50 {
            std::thread::sleep(Duration::from_millis(120));
            let now = self.capture();
            if now == last {
                return now;
            }
            last = now;
        }
        last
    }

    /// Sends keys, waits for the screen to settle, checks it.
    fn visit(&self, keys: &[&str], what: &str) -> String {
        self.keys(keys);
        let screen = self.settled();
        check_honest(&screen, what);
        screen
    }
}

/// The key that goes to `screen`, from the key table.
fn goto_key(screen: fiches::console::Screen) -> String {
    use fiches::console::action::{Action, K, KEYS};
    let b = KEYS
        .iter()
        .find(|b| b.action == Action::Goto(screen))
        .expect("every screen has its key");
    match b.keys[0] {
        K::Char(c) => c.to_string(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_screen_and_window_at_80x24_keeps_help_and_quit_and_cuts_nothing_silently() {
    use fiches::console::Screen;
    let (dir, db) = workdir();
    console_support::import(&db, &repo().join("fixtures/inbox"));
    let t = start(dir.path(), 80, 24);
    t.wait_for("45 propositions");
    // Every screen (the list, so that screens added later are visited),
    // with its list moved and its detail opened.
    for screen in Screen::ALL {
        let key = goto_key(screen);
        let what = format!("{screen:?}");
        t.visit(&[key.as_str()], &what);
        t.visit(&["j", "j"], &format!("{what}, moved"));
        t.visit(&["Tab"], &format!("{what}, Tab"));
        t.visit(&["G"], &format!("{what}, end"));
        t.visit(&["Escape"], &format!("{what}, Échap"));
        // The help on each screen, scrolled to its end.
        t.visit(&["?"], &format!("{what}, help"));
        t.visit(&["PageDown", "PageDown"], &format!("{what}, help scrolled"));
        t.visit(&["G"], &format!("{what}, help end"));
        t.visit(&["Escape"], &format!("{what}, help closed"));
        // A key that means nothing here says why.
        t.visit(&["z"], &format!("{what}, unbound key"));
    }
    // Propositions: filters, search being typed.
    t.visit(&["1", "g"], "Propositions");
    t.visit(&["f"], "filters");
    t.visit(&["Escape"], "filters closed");
    t.keys(&["/"]);
    t.text("gren");
    t.visit(&[], "search typed");
    t.visit(&["Enter"], "search kept");
    // Décider: the reason of a refusal being typed, then an acceptance.
    t.visit(&["Enter"], "Décider on Grenoble");
    t.keys(&["r"]);
    t.text("hors sujet");
    t.visit(&[], "reason typed");
    // Leaving typed text asks first (keep, drop, stay).
    t.visit(&["Escape"], "draft question");
    t.visit(&["a"], "reason dropped");
    t.visit(&["Enter"], "accepted");
    // Undo asks first.
    t.visit(&["u"], "undo confirmation");
    t.visit(&["n"], "undo declined");
    // Programme: the suggestion, withdrawing the accepted one (asks).
    t.visit(&[goto_key(Screen::Programme).as_str()], "Programme");
    t.visit(&["S"], "suggestion");
    t.visit(&["j", "j", "PageDown"], "suggestion scrolled");
    t.visit(&["Escape"], "suggestion dropped");
    t.visit(&["g"], "Programme top");
    t.visit(&["x"], "withdraw confirmation");
    t.visit(&["n"], "withdraw declined");
    t.visit(&["m"], "picked");
    t.visit(&["Escape"], "pick cancelled");
    // Corriger: a text field in the editor, a choice field's values, the article.
    t.keys(&["Escape", "Escape", "1"]);
    t.settled();
    t.visit(&[goto_key(Screen::Corriger).as_str()], "Corriger");
    t.visit(&["Enter"], "field editor");
    t.visit(&["Escape"], "editor closed");
    t.visit(&["j", "Enter"], "choice of values");
    t.visit(&["Escape"], "choice closed");
    t.visit(&["a"], "article");
    t.visit(&["Escape"], "article closed");
    // À traiter: the kind of a fiche entered by hand.
    t.visit(&[goto_key(Screen::Triage).as_str()], "À traiter");
    t.visit(&["n"], "kind choice");
    t.visit(&["Escape"], "kind choice closed");
    // Envoi: the letters queued by the acceptance.
    t.visit(&[goto_key(Screen::Envoi).as_str()], "Envoi");
    t.visit(&["x"], "drop a letter");
    t.keys(&["n", "q"]);
    t.wait_for("FIN 0");
}
