//! The keys as data: every key the `?` help lists is the key the console
//! acts on, with the action the help gives it (same table, `action::KEYS`),
//! on every screen and in every window; pressed on a real session over the
//! sample database, each does what the help says or says on the message
//! line why it does nothing here; the help shows every key of every screen.

use crate::support::console as console_support;

use console_support::*;
use fiches::console::Screen;
use fiches::console::action::{Action, K, KEYS, KeyMode, Scope, action_for, bindings};
use fiches::console::app::{InputPurpose, Overlay};

/// Every mode keys are read in.
fn modes() -> Vec<KeyMode> {
    let mut m: Vec<KeyMode> = Screen::ALL.iter().map(|s| KeyMode::Normal(*s)).collect();
    m.extend([
        KeyMode::Typing,
        KeyMode::Help,
        KeyMode::Filters,
        KeyMode::Picker,
        KeyMode::KindChoice,
        KeyMode::Confirm,
        KeyMode::Suggestion,
        KeyMode::DraftLeave,
        KeyMode::DraftFound,
        KeyMode::Revisions,
    ]);
    m
}

#[test]
fn every_key_of_the_table_gives_its_action_in_its_mode() {
    let mut checked = 0;
    for mode in modes() {
        // A window's own keys come before moving (h/l compare revisions
        // in the comparison): the first line listing a key is the one
        // that acts, and the help shows the window's section first.
        let mut seen: Vec<(K, Action)> = Vec::new();
        for b in bindings(mode) {
            for k in b.keys {
                if let Some((_, first)) = seen.iter().find(|(x, _)| x == k) {
                    // Listed again: to say what it does on this screen
                    // (same action), or a moving key a window takes.
                    assert!(
                        *first == b.action || b.scope == Scope::Movement,
                        "{mode:?}: {k:?} listed for {first:?} and {:?}",
                        b.action
                    );
                    continue;
                }
                seen.push((*k, b.action));
                assert_eq!(
                    action_for(mode, k.event()),
                    Some(b.action),
                    "{mode:?}: key {k:?} listed as « {} » ({})",
                    b.shown,
                    b.help
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} keys checked");
    // Every line of the table is read in some mode.
    for b in KEYS {
        assert!(
            modes()
                .into_iter()
                .any(|m| bindings(m).any(|x| std::ptr::eq(x, b))),
            "{b:?} is in no mode"
        );
    }
}

/// The whole help, scrolled through, as text.
fn help_text(s: &mut fiches::console::Session) -> String {
    keys(s, "?");
    assert!(matches!(s.app.overlay, Overlay::Help { .. }));
    let mut all = String::new();
    let mut last = String::new();
    for _ in 0..60 {
        let shot = screen(s);
        if shot == last {
            break;
        }
        all.push_str(&shot);
        last = shot;
        keys(s, "<PgDn>");
    }
    keys(s, "<Esc>");
    all
}

#[test]
fn the_help_lists_every_key_of_every_screen_and_window() {
    let (_d, db) = sample_db();
    for size in [(80, 24), (120, 40)] {
        let mut s = session(&db, size);
        let help = help_text(&mut s);
        for b in KEYS {
            // The first words of the text (a long one wraps).
            let start: String = b.help.split(' ').take(3).collect::<Vec<_>>().join(" ");
            assert!(
                help.contains(b.shown) && help.contains(&start),
                "{size:?}: the help lacks « {} » {start:?}:\n{help}",
                b.shown
            );
        }
        for name in ["Corriger", "Programme", "Envoi", "À traiter", "Décider"] {
            assert!(help.contains(&format!("— {name}")), "{name}");
        }
    }
}

/// What the console shows that a key may change, as text (notice apart).
fn state(s: &fiches::console::Session) -> String {
    let a = &s.app;
    format!(
        "{:?} {:?} {:?} {:?} {} {} {} {} {} {} {} {} {} {:?} {:?} {} {:?} {} {} {} {}",
        a.screen,
        a.focus,
        a.overlay,
        a.input,
        a.selected,
        a.offset,
        a.detail_scroll,
        a.decide_cursor,
        a.triage_selected,
        a.triage_scroll,
        a.correct_cursor,
        a.envoi.selected,
        a.envoi.scroll,
        a.programme_cursor,
        a.programme_kind,
        a.programme_pick.is_some(),
        a.listing.sort,
        a.listing.reverse,
        a.listing.query,
        a.quit,
        a.triage.iter().filter(|m| m.handled.is_some()).count(),
    ) + &format!(
        " {} {} {:?} {}",
        a.courrier.full,
        a.courrier.selected,
        a.courrier.filter,
        a.marks.len()
    )
}

/// Puts a fresh session on `screen`, with something to act on: a
/// proposal chosen (the 4th), the 2nd message, a cell, a letter.
fn on_screen(db: &std::path::Path, screen: Screen) -> fiches::console::Session {
    let mut s = session(db, (80, 24));
    let id = id_of(&s, "Chambéry");
    select(&mut s, id);
    let n = screen.index() + 1;
    keys(&mut s, &format!("{n}"));
    match screen {
        Screen::Triage | Screen::Envoi | Screen::Programme | Screen::Corriger => keys(&mut s, "j"),
        _ => {}
    }
    s.app.notice = None;
    s
}

#[test]
fn every_key_listed_for_a_screen_does_what_the_help_says() {
    let (dir, db) = sample_db();
    let mut n = 0;
    for screen in Screen::ALL {
        for b in bindings(KeyMode::Normal(screen)) {
            let k = b.keys[0];
            // A copy of the sample database for each key: decisions stay apart.
            let copy = dir.path().join(format!("k{n}.db"));
            n += 1;
            std::fs::copy(&db, &copy).unwrap();
            let mut s = on_screen(&copy, screen);
            let before = state(&s);
            s.key(k.event());
            let after = state(&s);
            let said = notice(&s);
            let changed = before != after;
            let ctx = format!(
                "{screen:?}: {k:?} « {} » ({:?}); notice {said:?}\n{}",
                b.help,
                b.action,
                screen_text(&s)
            );
            let ok = match b.action {
                Action::Quit => s.app.quit,
                Action::ToggleHelp => matches!(s.app.overlay, Overlay::Help { .. }),
                Action::Goto(to) => s.app.screen == to,
                Action::Search => matches!(
                    s.app.input,
                    Some((InputPurpose::Search | InputPurpose::CourrierSearch, _))
                ),
                Action::Filters => matches!(s.app.overlay, Overlay::Filters { .. }),
                Action::Decide => s.app.screen == Screen::Decider,
                Action::Correct => s.app.screen == Screen::Corriger,
                Action::Reject => matches!(s.app.input, Some((InputPurpose::RejectReason(_), _))),
                Action::SortNext | Action::SortReverse => changed,
                Action::Refresh => !said.is_empty(),
                Action::Withdraw | Action::DropLetter | Action::SendBatch | Action::Undo => {
                    matches!(s.app.overlay, Overlay::Confirm(_)) || !said.is_empty()
                }
                Action::NewFiche => {
                    matches!(s.app.overlay, Overlay::KindChoice { .. }) || !said.is_empty()
                }
                Action::Article => matches!(s.app.overlay, Overlay::Picker(_)) || !said.is_empty(),
                // The rest: it changed what is shown, or it said what it
                // did or why it did nothing.
                _ => changed || !said.is_empty(),
            };
            assert!(ok, "{ctx}");
            // Never silent: nothing changed means a notice says why.
            // (Going to the screen one is on shows that screen: enough.)
            assert!(
                changed || !said.is_empty() || matches!(b.action, Action::Goto(_)),
                "silent key: {ctx}"
            );
        }
    }
    assert!(n > 60, "{n}");
}

#[test]
fn a_key_that_means_nothing_here_says_where_it_acts() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (80, 24));
    keys(&mut s, "m");
    let said = notice(&s);
    assert!(
        said.starts_with("m : rien à faire ici (Propositions)")
            && said.contains("À traiter : marquer le message traité")
            && said.contains("Programme : prendre la proposition"),
        "{said}"
    );
    // Moving past the top says so.
    keys(&mut s, "gk");
    assert!(notice(&s).contains("déjà en haut"), "{}", notice(&s));
    // And the footer still shows how to get help and how to quit.
    assert!(
        screen_text(&s).contains("? aide · q quitter"),
        "{}",
        screen_text(&s)
    );
    // A key of the table that is not a character (F7 is in none).
    let _ = K::Code(crossterm::event::KeyCode::F(7));
    assert!(
        KEYS.iter()
            .all(|b| b.scope != Scope::Typing || !b.keys.is_empty())
    );
}

fn screen_text(s: &fiches::console::Session) -> String {
    screen(s)
}
