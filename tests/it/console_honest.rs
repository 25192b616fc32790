//! Honest at every size (80×24 and 120×40 snapshots, with key tests): a
//! long notice wraps and the help and quit keys stay on the message line;
//! a refusal for a colleague's change names the colleague, when and what;
//! a long waiting list on the Programme screen says how many it hides and
//! follows the cursor; a key that does nothing says why; the help has a
//! Corriger section; codes are said in French.

use crate::support::console as console_support;

use console_support::*;
use fiches::console::Session;

fn snapshot(name: &str, s: &Session) {
    let t = render(s);
    let snap = format!("{name}_{}x{}", s.app.size.0, s.app.size.1);
    insta::with_settings!({
        // When a colleague's change was written: the run's day and time
        // (same width, so the wrapping is the same).
        filters => vec![
            (r"le\x{a0}\d{2}/\d{2}", "le jj/mm"),
            (r"\d{2}\x{a0}h\x{a0}\d{2}", "hh h mm"),
        ],
        omit_expression => true,
    }, {
        insta::assert_snapshot!(snap, t.backend());
    });
}

#[test]
fn a_refusal_for_a_colleagues_change_names_who_when_and_what() {
    for size in [(80, 24), (120, 40)] {
        let (_d, db) = sample_db();
        let mut marie = session_as(&db, "marie", size);
        let mut paul = session_as(&db, "paul", size);
        let id = id_of(&marie, "Chambéry");
        select(&mut marie, id);
        select(&mut paul, id);
        // Marie is on Décider; Paul accepts meanwhile; Marie refuses what
        // she saw.
        keys(&mut marie, "2");
        keys(&mut paul, "2<Enter>");
        keys(&mut marie, "rHors sujet<Enter>");
        let said = notice(&marie);
        assert!(
            said.contains("modifiée entre-temps par paul le\u{a0}")
                && said.contains("décision : à décider → retenue"),
            "{said}"
        );
        // The notice wraps: all of it is on screen, with the help and
        // quit keys at its end.
        let shot = screen(&marie);
        assert!(shot.contains("Rien n'a été fait"), "{shot}");
        assert!(shot.contains("? aide · q quitter"), "{shot}");
        snapshot("conflict_names_who", &marie);
    }
}

#[test]
fn a_long_waiting_list_says_how_many_it_hides_and_follows_the_cursor() {
    for size in [(80, 24), (120, 40)] {
        let (_d, db) = sample_db();
        let mut s = session(&db, size);
        // Every micro-atelier waiting.
        let ids: Vec<i64> = s
            .app
            .listing
            .rows()
            .iter()
            .filter(|r| r.kind == Some(fiches::fiche::Kind::MicroAtelier))
            .map(|r| r.id)
            .collect();
        assert!(ids.len() > 12, "{}", ids.len());
        for id in &ids {
            select(&mut s, *id);
            keys(&mut s, "2w");
        }
        keys(&mut s, "3");
        let shot = screen(&s);
        assert!(shot.contains("de plus"), "{shot}");
        snapshot("programme_long_waitlist", &s);
        // Moving to another free place shows whom it is offered to.
        keys(&mut s, "G");
        assert!(screen(&s).contains("Liste d'attente"), "{}", screen(&s));
    }
}

#[test]
fn a_key_that_does_nothing_here_says_why() {
    for size in [(80, 24), (120, 40)] {
        let (_d, db) = sample_db();
        let mut s = session(&db, size);
        keys(&mut s, "m");
        assert!(
            notice(&s).contains("rien à faire ici (Propositions)"),
            "{}",
            notice(&s)
        );
        snapshot("unbound_key", &s);
        // On Décider with nothing on the waiting list: « + » says why.
        keys(&mut s, "2");
        keys(&mut s, "h");
        assert!(notice(&s).contains("pas de colonnes ici"), "{}", notice(&s));
    }
}

#[test]
fn the_help_has_a_corriger_section() {
    for size in [(80, 24), (120, 40)] {
        let (_d, db) = sample_db();
        let mut s = session(&db, size);
        keys(&mut s, "5?");
        // The help opens on the screen shown: Corriger first.
        let shot = screen(&s);
        assert!(shot.contains("Écran 5 — Corriger (écran actuel)"), "{shot}");
        assert!(shot.contains("article du nom"), "{shot}");
        snapshot("help_corriger", &s);
    }
}

#[test]
fn codes_are_said_in_french() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    keys(&mut s, "4j<Tab>");
    let shot = screen(&s);
    for code in ["unsupported_format", "corrupt", "no_fiche", "démon"] {
        assert!(!shot.contains(code), "{code}: {shot}");
    }
    assert!(shot.contains("format non lu"), "{shot}");
    assert!(shot.contains("réception jamais vue"), "{shot}");
    s.dispatch(fiches::console::action::Action::Resize(200, 40));
    assert!(
        screen(&s)
            .contains("service de réception : état inconnu (jamais démarré sur cette base ?)"),
        "{}",
        screen(&s)
    );
}
