//! The Programme screen as an editor, with keys, checked in the database
//! and in pictures (80×24 and 120×40): move a placed proposal to a free
//! place, swap two (also on a full grid), withdraw one and place the first
//! waiting in the freed place, the suggestion's draft then applied and
//! undone as one step; moving an entry up the waiting list from Décider.

use crate::support::console as console_support;

use console_support::*;
use fiches::console::Session;
use fiches::domain::{Decision, Rules, Status};
use fiches::fiche::Kind;
use fiches::store::Store;

fn db_proposal(db: &std::path::Path, number: i64) -> fiches::store::Proposal {
    Store::open(db).unwrap().proposal_by_number(number).unwrap()
}

fn place_of(db: &std::path::Path, number: i64) -> (Status, Option<String>, Option<String>) {
    let p = db_proposal(db, number);
    (p.status, p.slot, p.space)
}

fn number_of(s: &Session, org: &str) -> i64 {
    s.app.number_of(id_of(s, org))
}

/// Fills every micro-atelier place through the store (as another staff
/// member would), in programme order; returns the numbers placed.
fn fill_micro(db: &std::path::Path, s: &Session) -> Vec<i64> {
    let mut st = Store::open(db).unwrap();
    let rules = Rules::default();
    let mut numbers: Vec<i64> = s
        .app
        .listing
        .rows()
        .iter()
        .filter(|r| r.kind == Some(Kind::MicroAtelier) && r.status == Status::Pending)
        .map(|r| r.number)
        .collect();
    numbers.sort();
    let mut placed = Vec::new();
    for slot in ["14:00", "14:20", "14:40", "15:00", "15:20"] {
        for place in ["Espace A", "Espace B", "Espace C", "Espace D"] {
            let n = numbers.remove(0);
            st.decide(
                n,
                None,
                &Decision::Accept {
                    slot: slot.into(),
                    place: place.into(),
                },
                &rules,
                "paul",
            )
            .unwrap();
            placed.push(n);
        }
    }
    placed
}

fn picture(s: &Session, name: &str) {
    let t = render(s);
    let snap = format!("{name}_{}x{}", s.app.size.0, s.app.size.1);
    insta::with_settings!({
        filters => vec![
            (r"\d{2}/\d{2}/20[2-9]\d \d{2}:\d{2}", "[maintenant]"),
            (r"20[2-9]\d-\d{2}-\d{2}", "[aujourd'hui]"),
        ],
        omit_expression => true,
    }, {
        insta::assert_snapshot!(snap, t.backend());
    });
}

#[test]
fn move_a_placed_proposal_to_a_free_place_then_undo() {
    for size in [(80, 24), (120, 40)] {
        let (_d, db) = sample_db();
        let mut s = session(&db, size);
        let grenoble = number_of(&s, "Grenoble");
        let id = id_of(&s, "Grenoble");
        select(&mut s, id);
        keys(&mut s, "2<Enter>");
        // Programme, first cell (14:00, Espace A): pick it up.
        keys(&mut s, "3gm");
        assert!(
            notice(&s).contains(&format!("Proposition n° {grenoble} prise")),
            "{}",
            notice(&s)
        );
        // To 15:20, Espace D, and put it down.
        keys(&mut s, "jjjjlll");
        picture(&s, "programme_move_picked");
        keys(&mut s, "m");
        assert!(
            notice(&s).contains("déplacée : 15:20, Espace D"),
            "{}",
            notice(&s)
        );
        assert_eq!(
            place_of(&db, grenoble),
            (
                Status::Accepted,
                Some("15:20".into()),
                Some("Espace D".into())
            )
        );
        // The journal says "moved", by marie; u puts it back.
        let j = Store::open(&db).unwrap().undo_stack(grenoble).unwrap();
        assert_eq!(j.last().unwrap().action, "moved");
        // u on its cell: asked first, then undone.
        keys(&mut s, "u");
        assert!(
            screen(&s).contains(&format!(
                "Annuler la dernière décision sur la proposition n° {grenoble}"
            )),
            "{}",
            screen(&s)
        );
        keys(&mut s, "o");
        assert_eq!(
            place_of(&db, grenoble),
            (
                Status::Accepted,
                Some("14:00".into()),
                Some("Espace A".into())
            )
        );
        // Esc drops what was picked up.
        keys(&mut s, "gm<Esc>");
        assert!(s.app.programme_pick.is_none());
    }
}

#[test]
fn swap_two_proposals_on_a_full_grid() {
    for size in [(80, 24), (120, 40)] {
        let (_d, db) = sample_db();
        let mut s = session(&db, size);
        let placed = fill_micro(&db, &s);
        assert!(s.tick());
        keys(&mut s, "3");
        assert_eq!(s.app.programme().kinds[0].free(), 0, "full grid");
        // 14:00 Espace A ↔ 15:20 Espace D.
        keys(&mut s, "gm");
        keys(&mut s, "jjjjlll");
        picture(&s, "programme_swap_full");
        keys(&mut s, "<Enter>");
        let (a, b) = (placed[0], placed[19]);
        assert!(
            notice(&s).contains(&format!("n° {a} et n° {b} échangées")),
            "{}",
            notice(&s)
        );
        assert_eq!(place_of(&db, a).1.as_deref(), Some("15:20"));
        assert_eq!(place_of(&db, b).1.as_deref(), Some("14:00"));
        assert_eq!(place_of(&db, b).2.as_deref(), Some("Espace A"));
        // One undo (on the cell under the cursor, confirmed) puts both back.
        keys(&mut s, "u");
        assert!(
            screen(&s).contains(&format!("même pas) : n° {b}")),
            "{}",
            screen(&s)
        );
        keys(&mut s, "o");
        assert_eq!(place_of(&db, a).1.as_deref(), Some("14:00"));
        assert_eq!(place_of(&db, b).1.as_deref(), Some("15:20"));
    }
}

#[test]
fn withdraw_from_the_grid_offers_the_place_to_the_first_waiting() {
    for size in [(80, 24), (120, 40)] {
        let (_d, db) = sample_db();
        let mut s = session(&db, size);
        let grenoble = id_of(&s, "Grenoble");
        let lyon = id_of(&s, "Métropole de Lyon");
        let rufisque = id_of(&s, "Rufisque");
        select(&mut s, grenoble);
        keys(&mut s, "2<Enter>"); // 14:00 Espace A
        // Rufisque waits first, Lyon (who wants 14:00) second.
        select(&mut s, rufisque);
        keys(&mut s, "2w");
        select(&mut s, lyon);
        keys(&mut s, "2w");
        let (g, l) = (s.app.number_of(grenoble), s.app.number_of(lyon));
        keys(&mut s, "3gx");
        picture(&s, "programme_withdraw_confirm");
        assert!(
            screen(&s).contains(&format!("Retirer la proposition n° {g}")),
            "{}",
            screen(&s)
        );
        keys(&mut s, "o");
        assert_eq!(place_of(&db, g).0, Status::Withdrawn);
        // The freed 14:00 place goes to the first waiting who wants 14:00.
        let sc = screen(&s);
        assert!(sc.contains("→ Métropole de"), "{sc}");
        assert!(
            sc.contains(&format!("Entrée : retenir n° {l} Métropole de Lyon")),
            "{sc}"
        );
        picture(&s, "programme_withdrawn_offer");
        keys(&mut s, "<Enter>");
        assert_eq!(
            place_of(&db, l),
            (
                Status::Accepted,
                Some("14:00".into()),
                Some("Espace A".into())
            )
        );
        let r = s.app.number_of(rufisque);
        assert_eq!(db_proposal(&db, r).rank, Some(1), "ranks stay dense");
    }
}

#[test]
fn the_suggestion_draft_then_applied_and_undone_as_one_step() {
    for size in [(80, 24), (120, 40)] {
        let (_d, db) = sample_db();
        let mut s = session(&db, size);
        keys(&mut s, "3S");
        picture(&s, "programme_suggestion_draft");
        let sc = screen(&s);
        assert!(sc.contains("Suggestion de programme (brouillon)"), "{sc}");
        assert!(sc.contains("(placée)"), "{sc}");
        // Esc: nothing changes.
        keys(&mut s, "<Esc>");
        assert!(notice(&s).contains("rien n'a été changé"), "{}", notice(&s));
        assert_eq!(s.app.programme().kinds[0].free(), 20);
        // S then o: applied.
        keys(&mut s, "So");
        assert!(
            notice(&s).contains("Suggestion appliquée"),
            "{}",
            notice(&s)
        );
        assert_eq!(s.app.programme().kinds[0].free(), 0);
        let accepted = Store::open(&db)
            .unwrap()
            .candidates(&Rules::default())
            .unwrap()
            .iter()
            .filter(|c| c.status == Status::Accepted)
            .count();
        assert!(accepted >= 20);
        // u (on the first cell, placed by the suggestion), confirmed:
        // every change of the step goes back.
        keys(&mut s, "uo");
        assert!(
            notice(&s).starts_with("Dernière décision annulée"),
            "{}",
            notice(&s)
        );
        assert_eq!(s.app.programme().kinds[0].free(), 20);
        assert_eq!(s.app.programme().kinds[0].waitlist.len(), 0);
    }
}

#[test]
fn move_up_the_waiting_list_from_decider() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    let lyon = id_of(&s, "Métropole de Lyon");
    let rufisque = id_of(&s, "Rufisque");
    for id in [lyon, rufisque] {
        select(&mut s, id);
        keys(&mut s, "2w");
    }
    let (l, r) = (s.app.number_of(lyon), s.app.number_of(rufisque));
    assert_eq!(db_proposal(&db, l).rank, Some(1));
    // Rufisque (selected) goes up: staff's order is the truth.
    keys(&mut s, "+");
    assert!(
        notice(&s).contains("1re sur la liste d'attente"),
        "{}",
        notice(&s)
    );
    assert_eq!(db_proposal(&db, r).rank, Some(1));
    assert_eq!(db_proposal(&db, l).rank, Some(2));
    keys(&mut s, "+");
    assert!(notice(&s).contains("déjà la première"), "{}", notice(&s));
    let j = Store::open(&db).unwrap().undo_stack(r).unwrap();
    assert_eq!(j.last().unwrap().action, "waitlist_moved");
    keys(&mut s, "uo");
    assert_eq!(db_proposal(&db, l).rank, Some(1));
    assert_eq!(db_proposal(&db, r).rank, Some(2));
}
