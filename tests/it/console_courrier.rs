//! The Courrier screen (every message stored, whatever became of it) and
//! the links between a message and a proposal, through the keys staff
//! type, on the sample inbox imported into a real SQLite file; pictures
//! at 80×24 and 120×40 (TestBackend + insta); a link made in one console
//! seen by a second one, and the second refused with who did it.

use crate::support::console as console_support;

use console_support::*;
use fiches::console::Session;
use fiches::console::app::{Overlay, Screen};
use fiches::store::courrier::CourrierFilter;
use fiches::store::{MessageStatus, NewMessage, Store};

/// The sample's "fiche demain" mail: Élodie Perrin's first message about
/// Besançon, without its fiche (the fiche came in message 29).
const FICHE_DEMAIN: i64 = 28;

fn snap(s: &Session, name: &str) {
    let t = render(s);
    let snap = format!("{name}_{}x{}", s.app.size.0, s.app.size.1);
    insta::with_settings!({
        filters => vec![
            // Times the test run wrote (links, handled marks).
            (r"\d{2}/\d{2}/20[2-9]\d \d{2}:\d{2}", "[maintenant]"),
        ],
        omit_expression => true,
    }, {
        insta::assert_snapshot!(snap, t.backend());
    });
}

/// Selects a message on the Courrier screen with the keys a person would
/// use: every status, no search, from the top, then down.
fn courrier_select(s: &mut Session, id: i64) {
    keys(s, "7<Esc><Esc>");
    while s.app.courrier.filter != CourrierFilter::All {
        keys(s, "f");
    }
    keys(s, "g");
    for _ in 0..1000 {
        if s.app.courrier.current().map(|r| r.id) == Some(id) {
            return;
        }
        keys(s, "j");
    }
    panic!("message {id} not in Courrier:\n{}", screen(s));
}

/// The number of the live proposal of an organisation.
fn number_of(s: &Session, org: &str) -> i64 {
    s.app.number_of(id_of(s, org))
}

#[test]
fn courrier_lists_every_message_newest_first_whatever_its_status() {
    for size in [(80, 24), (120, 40)] {
        courrier_list_filter_search(size);
    }
}

fn courrier_list_filter_search(size: (u16, u16)) {
    let (_d, db) = sample_db();
    let store = Store::open(&db).unwrap();
    let all = store.list_messages(&Default::default()).unwrap();
    let mut s = session(&db, size);
    keys(&mut s, "7");
    assert_eq!(s.app.screen, Screen::Courrier);
    let c = &s.app.courrier;
    assert_eq!(c.total as usize, all.len());
    assert_eq!(c.rows.len(), all.len());
    assert!(c.rows.windows(2).all(|w| w[0].sort_key >= w[1].sort_key));
    // Every status of the sample is there, in words.
    for st in [
        MessageStatus::Fiche,
        MessageStatus::NoFiche,
        MessageStatus::Unsupported,
    ] {
        assert!(c.rows.iter().any(|r| r.status == st), "{st:?}");
    }
    let sc = screen(&s);
    if size.1 >= 40 {
        assert!(
            sc.contains("sans fiche") && sc.contains("format non lu") && sc.contains("révision"),
            "{sc}"
        );
    }
    assert!(
        !sc.contains("no_fiche") && !sc.contains("unsupported"),
        "{sc}"
    );
    assert!(sc.contains("? aide") && sc.contains("q quitter"), "{sc}");
    snap(&s, "courrier_list");
    // Filter: f cycles (fiche lue, révision, sans fiche…), F goes back.
    keys(&mut s, "ff");
    assert_eq!(s.app.courrier.filter, CourrierFilter::Revision);
    assert!(s.app.courrier.rows.iter().all(|r| r.revision));
    assert!(screen(&s).contains("statut : révision"));
    keys(&mut s, "f");
    assert_eq!(s.app.courrier.filter, CourrierFilter::NoFiche);
    assert!(
        s.app
            .courrier
            .rows
            .iter()
            .all(|r| r.status == MessageStatus::NoFiche)
    );
    snap(&s, "courrier_filter");
    keys(&mut s, "FFF");
    assert_eq!(s.app.courrier.filter, CourrierFilter::All);
    // Search by sender or subject, as typed.
    keys(&mut s, "/perrin");
    assert!(screen(&s).contains("Entrée chercher"), "{}", screen(&s));
    keys(&mut s, "<Enter>");
    assert_eq!(s.app.courrier.rows.len(), 2, "{}", screen(&s));
    assert_eq!(s.app.courrier.query, "perrin");
    snap(&s, "courrier_search");
    keys(&mut s, "<Esc>");
    assert!(s.app.courrier.query.is_empty());
    assert_eq!(s.app.courrier.rows.len(), all.len());
}

#[test]
fn a_message_in_full_shows_headers_text_and_what_became_of_each_attachment() {
    for size in [(80, 24), (120, 40)] {
        let (_d, db) = sample_db();
        let mut s = session(&db, size);
        let unsupported = {
            keys(&mut s, "7");
            s.app
                .courrier
                .rows
                .iter()
                .find(|r| r.status == MessageStatus::Unsupported)
                .unwrap()
                .id
        };
        courrier_select(&mut s, unsupported);
        keys(&mut s, "<Enter>");
        assert!(s.app.courrier.full);
        let sc = screen(&s);
        assert!(
            sc.contains("format non lu") && sc.contains("Pièces jointes"),
            "{sc}"
        );
        assert!(!sc.contains("unsupported_format"), "{sc}");
        snap(&s, "courrier_full");
        // It scrolls, and Échap goes back to the list at the same message.
        keys(&mut s, "<PgDn>");
        assert!(s.app.courrier.scroll > 0 || size.1 == 40);
        keys(&mut s, "<Esc>");
        assert!(!s.app.courrier.full);
        assert_eq!(s.app.courrier.current().unwrap().id, unsupported);
    }
}

#[test]
fn pages_load_as_the_selection_goes_down() {
    let (_d, db) = sample_db();
    {
        let mut store = Store::open(&db).unwrap();
        for n in 0..450 {
            store
                .ingest(&NewMessage {
                    raw: format!("Subject: absence {n}\r\n\r\nje suis absent").into_bytes(),
                    message_id: Some(format!("absence-{n}@x")),
                    from_addr: Some(format!("absent{n}@x.org")),
                    subject: Some(format!("Absence {n}")),
                    received_at: Some(format!("2018-04-{:02}T08:{:02}:00Z", n / 60 + 1, n % 60)),
                    source_ref: format!("test:absence:{n}"),
                    status: MessageStatus::AutoReply,
                    ..NewMessage::default()
                })
                .unwrap();
        }
    }
    let mut s = session(&db, (80, 24));
    keys(&mut s, "7");
    let total = s.app.courrier.total;
    assert_eq!(total, 500);
    assert!(s.app.courrier.rows.len() < 500 && !s.app.courrier.end);
    keys(&mut s, "G");
    keys(&mut s, "G");
    keys(&mut s, "G");
    let c = &s.app.courrier;
    assert_eq!(c.rows.len(), 500, "every page loaded on the way down");
    assert!(c.end);
    assert_eq!(c.selected, 499);
    assert_eq!(c.current().unwrap().subject.as_deref(), Some("Absence 0"));
    let sc = screen(&s);
    assert!(sc.contains("sur 500"), "{sc}");
    assert!(sc.contains("réponse auto"), "{sc}");
    // The filter counts without loading everything.
    keys(&mut s, "FFFFF");
    assert_eq!(s.app.courrier.filter, CourrierFilter::AutoReply);
    assert_eq!(s.app.courrier.total, 451, "450 and the sample's one");
}

#[test]
fn link_from_courrier_asks_with_the_organisation_then_shows_everywhere() {
    for size in [(80, 24), (120, 40)] {
        let (_d, db) = sample_db();
        let mut s = session(&db, size);
        let besancon = number_of(&s, "Besançon");
        let open_before = s.app.triage_open();
        courrier_select(&mut s, FICHE_DEMAIN);
        keys(&mut s, "L");
        snap(&s, "link_ask");
        keys(&mut s, &format!("{besancon}<Enter>"));
        let Overlay::Confirm(_) = &s.app.overlay else {
            panic!("no question:\n{}", screen(&s));
        };
        let sc = screen(&s);
        assert!(sc.contains("Besançon"), "the organisation is shown:\n{sc}");
        snap(&s, "link_confirm");
        keys(&mut s, "o");
        assert!(
            notice(&s).contains(&format!("lié à la proposition n° {besancon}"))
                && notice(&s).contains("marqué traité"),
            "{}",
            notice(&s)
        );
        let row = s.app.courrier.current().unwrap();
        assert_eq!(row.id, FICHE_DEMAIN);
        assert_eq!(row.links, [besancon]);
        assert!(row.handled.as_ref().is_some_and(|(_, who)| who == "marie"));
        assert_eq!(s.app.triage_open(), open_before - 1);
        snap(&s, "linked");
        // The proposal's detail lists its e-mails.
        let id = id_of(&s, "Besançon");
        select(&mut s, id);
        let d = s.app.current_detail().unwrap();
        assert_eq!(d.linked.len(), 1);
        assert_eq!(d.linked[0].message_id, FICHE_DEMAIN);
        assert!(
            d.journal
                .iter()
                .any(|e| e.action == "message_linked" && e.actor == "marie")
        );
        keys(&mut s, "<Tab><PgDn>");
        let sc = screen(&s);
        assert!(sc.contains("Courriels liés") || size.1 == 24, "{sc}");

        // Unlink: asked, then journaled; the message no longer shows the link.
        courrier_select(&mut s, FICHE_DEMAIN);
        keys(&mut s, "D");
        snap(&s, "unlink_confirm");
        keys(&mut s, "o");
        assert!(notice(&s).contains("Lien retiré"), "{}", notice(&s));
        assert!(s.app.courrier.current().unwrap().links.is_empty());
        let store = Store::open(&db).unwrap();
        let j = store.journal(Some(id)).unwrap();
        assert!(
            j.iter()
                .any(|e| e.action == "message_unlinked" && e.actor == "marie")
        );
        // Nothing left to unlink: said so.
        keys(&mut s, "D");
        assert!(notice(&s).contains("n'est lié à aucune"), "{}", notice(&s));
    }
}

#[test]
fn link_from_a_traiter_and_bad_numbers_are_refused_in_words() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    let besancon = number_of(&s, "Besançon");
    keys(&mut s, "4");
    let pos = s
        .app
        .triage
        .iter()
        .position(|m| m.id == FICHE_DEMAIN)
        .expect("in À traiter");
    keys(&mut s, &"j".repeat(pos));
    keys(&mut s, "Lquoi<Enter>");
    assert!(notice(&s).contains("n'est pas un numéro"), "{}", notice(&s));
    keys(&mut s, "L9999<Enter>");
    assert!(notice(&s).contains("introuvable"), "{}", notice(&s));
    assert_eq!(s.app.overlay, Overlay::None);
    keys(&mut s, &format!("L{besancon}<Enter>"));
    keys(&mut s, "n");
    assert!(notice(&s).contains("Annulé"));
    keys(&mut s, &format!("L{besancon}<Enter>o"));
    assert!(notice(&s).contains("marqué traité"), "{}", notice(&s));
    let m = s.app.triage.iter().find(|m| m.id == FICHE_DEMAIN).unwrap();
    assert!(m.handled.is_some());
    // The same link again: said who made it.
    keys(&mut s, &format!("L{besancon}<Enter>"));
    assert!(
        notice(&s).contains("déjà lié") && notice(&s).contains("marie"),
        "{}",
        notice(&s)
    );
}

#[test]
fn a_link_made_in_one_console_is_seen_by_the_other_and_conflicts_name_who() {
    let (_d, db) = sample_db();
    let mut a = session_as(&db, "marie", (120, 40));
    let mut b = session_as(&db, "paul", (120, 40));
    let besancon = number_of(&a, "Besançon");
    courrier_select(&mut a, FICHE_DEMAIN);
    courrier_select(&mut b, FICHE_DEMAIN);
    // Both ask; Marie confirms first.
    keys(&mut a, &format!("L{besancon}<Enter>"));
    keys(&mut b, &format!("L{besancon}<Enter>"));
    assert!(matches!(b.app.overlay, Overlay::Confirm(_)));
    keys(&mut a, "o");
    assert!(notice(&a).contains("lié"), "{}", notice(&a));
    // Paul's console sees it at its next tick…
    assert!(b.tick());
    assert_eq!(b.app.courrier.current().unwrap().links, [besancon]);
    // …and his confirmation is refused, naming Marie.
    keys(&mut b, "o");
    let n = notice(&b);
    assert!(n.contains("déjà lié") && n.contains("marie"), "{n}");
    // The proposal's detail in Paul's console lists the message.
    let id = id_of(&b, "Besançon");
    select(&mut b, id);
    assert_eq!(b.app.current_detail().unwrap().linked.len(), 1);
    // Paul removes the link; Marie, who had the question open, is told who.
    courrier_select(&mut a, FICHE_DEMAIN);
    keys(&mut a, "D");
    assert!(matches!(a.app.overlay, Overlay::Confirm(_)));
    courrier_select(&mut b, FICHE_DEMAIN);
    keys(&mut b, "Do");
    assert!(notice(&b).contains("Lien retiré"), "{}", notice(&b));
    keys(&mut a, "o");
    let n = notice(&a);
    assert!(n.contains("déjà été retiré par paul"), "{n}");
    assert!(a.app.courrier.current().unwrap().links.is_empty());
}

#[test]
fn tiny_and_odd_sizes_never_panic_on_courrier() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (80, 24));
    for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 10), (79, 23), (200, 60)] {
        s.dispatch(fiches::console::action::Action::Resize(w, h));
        for script in ["7", "7G", "7<Enter>", "7<Enter><PgDn>", "7L", "7/per", "7D"] {
            keys(&mut s, "<Esc><Esc><Esc>");
            keys(&mut s, script);
            let _ = render(&s);
        }
    }
}
