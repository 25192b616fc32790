//! Snapshots (ratatui `TestBackend` + insta) of every screen of the console
//! at 80×24 and 120×40, on the sample inbox imported into a temporary
//! database, with a fixed clock and user. Times the import wrote (journal,
//! revisions) are masked; everything else is deterministic.

use crate::support::console as console_support;

use console_support::*;
use fiches::console::Session;

/// The states worth a picture, each reached with keys.
const STATES: &[(&str, &str)] = &[
    ("propositions", ""),
    ("propositions_search", "/besan"),
    ("propositions_filters", "fl<Down>l"),
    ("propositions_sorted_priority", "sssss"),
    ("propositions_detail_message", "jjjjjjj<Tab><PgDn><PgDn>"),
    ("decider", "j<Enter>"),
    ("decider_waitlisted", "STAGE2"),
    ("programme_micro", "STAGE3jl"),
    ("programme_bourse", "STAGE3<Tab>"),
    ("triage", "4"),
    ("triage_reading", "4j<Tab>"),
    ("corriger", "jjc"),
    ("corriger_edit", "jjcjj<Enter>"),
    ("saisie_a_la_main", "4nm"),
    ("help", "?"),
    ("envoi", "STAGE6"),
    ("envoi_reading", "STAGE6jj<Tab>"),
    ("envoi_confirm_drop", "STAGE6Gx"),
    ("envoi_no_smtp", "STAGE6E"),
];

/// Decisions made before some pictures: three accepted in 14:00, two on
/// the waiting list, one refused, one bourse accepted.
fn stage(s: &mut Session) {
    for org in ["Grenoble", "Métropole de Lyon", "Chambéry"] {
        let id = id_of(s, org);
        select(s, id);
        keys(s, "2<Enter>");
    }
    for org in ["Rufisque", "Eurométropole"] {
        let id = id_of(s, org);
        select(s, id);
        keys(s, "2w");
    }
    let id = id_of(s, "Poitiers");
    select(s, id);
    keys(s, "2rHors délai de préparation<Enter>");
    let id = id_of(s, "Val-de-Marne");
    select(s, id);
    keys(s, "2<Enter>");
    let id = id_of(s, "Rufisque");
    select(s, id);
    keys(s, "1");
}

fn picture(name: &str, script: &str, size: (u16, u16)) {
    let (_d, db) = sample_db();
    let mut s = session(&db, size);
    let script = match script.strip_prefix("STAGE") {
        Some(rest) => {
            stage(&mut s);
            rest
        }
        None => script,
    };
    keys(&mut s, script);
    let t = render(&s);
    let snap = format!("{name}_{}x{}", size.0, size.1);
    let mut filters = vec![
        // Times the test run wrote (the import, decisions): not the mail's.
        (r"\d{2}/\d{2}/20[2-9]\d \d{2}:\d{2}", "[maintenant]"),
        (r"20[2-9]\d-\d{2}-\d{2}", "[aujourd'hui]"),
    ];
    if name.starts_with("envoi") {
        // When the letters were queued (the Envoi list): the run's day.
        filters.push((r"\b\d{2}/\d{2}( \d{2}:\d{2})?\b", "[créée]"));
    }
    insta::with_settings!({
        filters => filters,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(snap, t.backend());
    });
}

#[test]
fn every_screen_at_80x24() {
    for (name, script) in STATES {
        picture(name, script, (80, 24));
    }
}

#[test]
fn every_screen_at_120x40() {
    for (name, script) in STATES {
        picture(name, script, (120, 40));
    }
}

#[test]
fn hostile_mail_at_both_sizes() {
    for size in [(80, 24), (120, 40)] {
        let (_d, db) = sample_db();
        import(
            &db,
            &repo().join("fixtures/corpus/mail/14-hostile-text.eml"),
        );
        let mut s = session(&db, size);
        keys(&mut s, "/evil@<Enter>");
        let t = render(&s);
        insta::with_settings!({ omit_expression => true }, {
            insta::assert_snapshot!(format!("hostile_{}x{}", size.0, size.1), t.backend());
        });
    }
}

#[test]
fn resizing_keeps_the_selection_in_sight() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    keys(&mut s, "G");
    let last = s.app.current_id();
    s.dispatch(fiches::console::action::Action::Resize(80, 24));
    assert_eq!(s.app.current_id(), last);
    assert!(s.app.selected >= s.app.offset && s.app.selected < s.app.offset + s.app.table_page());
    let sc = screen(&s);
    let id = s.app.number_of(last.unwrap()).to_string();
    assert!(sc.lines().any(|l| l.starts_with(&format!("{id} "))), "{sc}");
}

#[test]
fn tiny_and_odd_sizes_never_panic() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (80, 24));
    stage(&mut s);
    for (w, h) in [
        (1, 1),
        (10, 3),
        (20, 5),
        (40, 10),
        (60, 15),
        (79, 23),
        (200, 60),
    ] {
        s.dispatch(fiches::console::action::Action::Resize(w, h));
        for script in [
            "1", "1<Tab>G", "2", "3", "3<Tab>", "4", "4<Tab>G", "5", "?", "1f", "4nm", "6",
            "6<Tab>G", "6Gx",
        ] {
            keys(&mut s, "<Esc><Esc>");
            if s.app.draft.is_some() {
                keys(&mut s, "5X");
            }
            keys(&mut s, script);
            let _ = render(&s);
        }
        keys(&mut s, "<Esc>");
    }
}
