//! What an outside tester found in the console during a week of decisions
//! with two staff consoles, each kept as a test of the rule it broke:
//! - a question (refusal reason, a field of Corriger, a proposal picked up
//!   on the programme, the place chosen in Décider) answers for the
//!   proposal as it was when the question was opened: a colleague's change
//!   in between is a conflict, never silently overwritten;
//! - undoing a step up the waiting list restores the relative order it
//!   changed, even once the list changed;
//! - `u` undoes the last decision of the proposal under the cursor, after a
//!   question saying what it undoes (that fits 80 columns);
//! - a person sees proposal numbers (never storage ids) and message
//!   numbers told apart;
//! - Décider shows the waiting list for the wanted slot and in all, and
//!   the refusal's reason.

use crate::support::console as console_support;

use console_support::*;
use fiches::console::Session;
use fiches::domain::{Decision, Place, Rules, Status};
use fiches::fiche::Value;
use fiches::store::Store;

fn by_number(db: &std::path::Path, number: i64) -> fiches::store::Proposal {
    Store::open(db).unwrap().proposal_by_number(number).unwrap()
}

fn id_of_number(s: &Session, number: i64) -> i64 {
    s.app
        .listing
        .rows()
        .iter()
        .find(|r| r.number == number)
        .map(|r| r.id)
        .unwrap_or_else(|| panic!("no n° {number}"))
}

fn select_number(s: &mut Session, number: i64) {
    let id = id_of_number(s, number);
    select(s, id);
}

/// Another member of staff, through the store.
fn paul(db: &std::path::Path, number: i64, d: Decision) {
    Store::open(db)
        .unwrap()
        .decide(number, None, &d, &Rules::default(), "paul")
        .unwrap();
}

fn accept_at(slot: &str, place: &str) -> Decision {
    Decision::Accept {
        slot: slot.into(),
        place: place.into(),
    }
}

#[test]
fn a_refusal_typed_while_a_colleague_accepted_is_a_conflict() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (80, 24));
    paul(&db, 17, Decision::Waitlist);
    s.tick();
    select_number(&mut s, 17);
    keys(&mut s, "2rHors sujet");
    // Meanwhile Paul accepts it; Marie's screen refreshes.
    paul(&db, 17, accept_at("14:40", "Espace C"));
    assert!(s.tick());
    assert!(screen(&s).contains("retenue"), "{}", screen(&s));
    keys(&mut s, "<Enter>");
    let n = notice(&s);
    assert!(
        n.contains("la proposition n° 17 a été modifiée entre-temps par paul"),
        "{n}"
    );
    let p = by_number(&db, 17);
    assert_eq!(
        (p.status, p.slot.as_deref()),
        (Status::Accepted, Some("14:40")),
        "Paul's acceptance stands"
    );
}

#[test]
fn a_field_typed_while_a_colleague_changed_the_fiche_is_a_conflict() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (80, 24));
    let id = id_of_number(&s, 9);
    select(&mut s, id);
    keys(&mut s, "5<Enter> (corrigé)");
    let v = by_number(&db, 9).version;
    Store::open(&db)
        .unwrap()
        .update_field(
            id,
            v,
            "project_title",
            Some(Value::Text("Titre de Paul".into())),
            "paul",
        )
        .unwrap();
    assert!(s.tick());
    keys(&mut s, "<Enter>");
    assert!(
        notice(&s).contains("modifiée entre-temps par paul"),
        "{}",
        notice(&s)
    );
    assert_eq!(
        by_number(&db, 9).text("project_title"),
        Some("Titre de Paul")
    );
}

#[test]
fn a_proposal_picked_up_then_moved_by_a_colleague_is_not_moved_again() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    paul(&db, 1, accept_at("14:00", "Espace A"));
    s.tick();
    keys(&mut s, "3gm");
    assert!(s.app.programme_pick.is_some());
    // Paul moves it elsewhere meanwhile.
    Store::open(&db)
        .unwrap()
        .move_to(
            1,
            None,
            &Place {
                slot: "14:40".into(),
                place: "Espace B".into(),
            },
            &Rules::default(),
            "paul",
        )
        .unwrap();
    assert!(s.tick());
    // Marie drops it on 15:20, Espace D.
    keys(&mut s, "jjjjlllm");
    assert!(
        notice(&s).contains("modifiée entre-temps par paul"),
        "{}",
        notice(&s)
    );
    assert_eq!(by_number(&db, 1).slot.as_deref(), Some("14:40"));
}

#[test]
fn the_place_chosen_in_decider_stays_chosen_when_the_list_changes() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    // n° 2 wants 14:00: its free places start with 14:00 A, B, C, D.
    select_number(&mut s, 2);
    keys(&mut s, "2j");
    assert!(screen(&s).contains("▶ 14:00  Espace B"), "{}", screen(&s));
    // Paul takes 14:00 A: the list shifts, the cursor stays on Espace B.
    paul(&db, 4, accept_at("14:00", "Espace A"));
    assert!(s.tick());
    assert!(screen(&s).contains("▶ 14:00  Espace B"), "{}", screen(&s));
    // Then he takes Espace B itself: said, and Entrée does not accept
    // another place silently in its stead.
    paul(&db, 8, accept_at("14:00", "Espace B"));
    assert!(s.tick());
    assert!(
        notice(&s).contains("Espace B à 14:00, choisie, vient d'être prise"),
        "{}",
        notice(&s)
    );
    assert_eq!(by_number(&db, 2).status, Status::Pending);
}

#[test]
fn undoing_a_step_up_restores_the_order_it_changed() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    for n in [14, 16, 17, 19] {
        paul(&db, n, Decision::Waitlist);
    }
    s.tick();
    assert_eq!(by_number(&db, 19).rank, Some(4));
    select_number(&mut s, 19);
    keys(&mut s, "2+");
    assert_eq!(by_number(&db, 19).rank, Some(3));
    // A member joins the list at the top.
    paul(&db, 1, Decision::Waitlist);
    assert!(s.tick());
    assert_eq!(by_number(&db, 1).rank, Some(1));
    keys(&mut s, "uo");
    let order: Vec<i64> = [1, 14, 16, 17, 19]
        .iter()
        .map(|n| by_number(&db, *n).rank.unwrap())
        .collect();
    assert_eq!(order, vec![1, 2, 3, 4, 5], "1, 14, 16, 17, 19");
    assert!(
        notice(&s).contains("n° 19 : 5e sur la liste d'attente"),
        "the rank that results: {}",
        notice(&s)
    );
}

#[test]
fn u_undoes_the_proposal_under_the_cursor_after_a_question() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (80, 24));
    // Marie accepts n° 9 (first place), then refuses n° 42 elsewhere.
    select_number(&mut s, 9);
    keys(&mut s, "2<Enter>");
    let place9 = by_number(&db, 9).slot.clone();
    select_number(&mut s, 42);
    keys(&mut s, "2rTrop tard<Enter>");
    assert_eq!(by_number(&db, 42).status, Status::Rejected);
    // On the programme, the cursor on n° 9's cell: u asks about n° 9.
    keys(&mut s, "3g");
    let micro = &s.app.programme().kinds[0];
    let at = micro
        .cells
        .iter()
        .position(|c| c.map(|id| s.app.number_of(id)) == Some(9))
        .unwrap();
    let (si, pi) = (at / micro.places.len(), at % micro.places.len());
    keys(&mut s, &format!("{}{}", "j".repeat(si), "l".repeat(pi)));
    keys(&mut s, "u");
    let sc = screen(&s);
    assert!(
        sc.contains("Annuler la dernière décision sur la") && sc.contains("n° 9"),
        "{sc}"
    );
    assert!(!sc.contains("n° 42"), "{sc}");
    // The question fits 80 columns: nothing is cut.
    assert!(sc.contains("Elle redeviendra : à décider."), "{sc}");
    keys(&mut s, "n");
    assert!(notice(&s).contains("Rien n'a été annulé"), "{}", notice(&s));
    assert_eq!(by_number(&db, 9).slot, place9, "no: nothing undone");
    keys(&mut s, "uo");
    assert_eq!(by_number(&db, 9).status, Status::Pending);
    assert_eq!(
        by_number(&db, 42).status,
        Status::Rejected,
        "n° 42 untouched"
    );
    // Décider on n° 9: nothing left to undo there; n° 42's refusal is not
    // taken back in its stead.
    select_number(&mut s, 9);
    keys(&mut s, "2u");
    assert!(
        notice(&s).contains("rien à annuler pour la proposition n° 9"),
        "{}",
        notice(&s)
    );
    assert_eq!(by_number(&db, 42).status, Status::Rejected);
    // A colleague's decision is not undone from here.
    paul(&db, 9, Decision::Waitlist);
    s.tick();
    keys(&mut s, "u");
    assert!(
        notice(&s).contains("a été prise par paul"),
        "{}",
        notice(&s)
    );
}

#[test]
fn numbers_people_see_are_proposal_numbers() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    // n° 15 is a resubmission: its live revision's storage id is not 15.
    let id = id_of_number(&s, 15);
    assert_ne!(id, 15);
    paul(&db, 15, Decision::Waitlist);
    s.tick();
    keys(&mut s, "6");
    let at = s
        .app
        .envoi
        .letters
        .iter()
        .position(|l| l.proposal_number == Some(15))
        .expect("a letter of n° 15");
    s.app.envoi.selected = at;
    let sc = screen(&s);
    assert!(sc.contains("n° 15 · Municipalité de Kairouan"), "{sc}");
    assert!(!sc.contains(&format!("n° {id} ·")), "{sc}");
    // The detail tells the message apart from the proposal.
    select(&mut s, id);
    let sc = screen(&s);
    assert!(sc.contains("N° 15 ·"), "{sc}");
    assert!(sc.contains("Courriel : #"), "{sc}");
}

#[test]
fn decider_shows_the_waiting_list_for_the_slot_and_in_all() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    // Waiting: n° 14 and 17 want 14:00, n° 16 wants 14:20.
    for n in [14, 16, 17] {
        paul(&db, n, Decision::Waitlist);
    }
    s.tick();
    select_number(&mut s, 1); // wants 14:00
    keys(&mut s, "2");
    assert!(
        screen(&s).contains("Liste d'attente : 2 pour 14:00 · 3 en tout"),
        "{}",
        screen(&s)
    );
}

#[test]
fn accepting_elsewhere_than_the_wanted_slot_says_so() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (80, 24));
    for (n, place) in [
        (2, "Espace A"),
        (4, "Espace B"),
        (8, "Espace C"),
        (12, "Espace D"),
    ] {
        paul(&db, n, accept_at("14:00", place));
    }
    s.tick();
    // n° 1 wants 14:00, full: Décider offers 14:20 first.
    select_number(&mut s, 1);
    keys(&mut s, "2<Enter>");
    assert!(
        notice(&s).contains("retenue : 14:20, Espace A. Elle souhaitait 14:00 (complet)."),
        "{}",
        notice(&s)
    );
}
