//! Drafts are never lost (issue 14): leaving a screen or quitting with a
//! fiche being entered by hand, a field being corrected or a refusal
//! reason asks first; what is typed is written to the database (per
//! staff member) and offered to that user's next console. Real SQLite
//! file, the console's own key handling, `TestBackend` + insta pictures
//! at 80×24 and 120×40.

use crate::support::console as console_support;

use console_support::*;
use fiches::console::Session;
use fiches::domain::Status;
use fiches::fiche::Value;
use fiches::store::Store;

fn stored(db: &std::path::Path, user: &str) -> Option<String> {
    Store::open(db)
        .unwrap()
        .draft(user)
        .unwrap()
        .map(|d| d.payload)
}

fn picture(name: &str, s: &Session) {
    let t = render(s);
    let (w, h) = s.app.size;
    insta::with_settings!({
        filters => vec![
            (r"\d{2}/\d{2}/20[2-9]\d \d{2}:\d{2}", "[maintenant]"),
            (r"20[2-9]\d-\d{2}-\d{2}", "[aujourd'hui]"),
        ],
        omit_expression => true,
    }, {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
    });
}

/// À traiter, `n`, micro-atelier, the organisation typed: a hand entry.
fn hand_entry(s: &mut Session) {
    keys(s, "4nm<Enter>Commune de Chefchaouen<Enter>");
    let d = s.app.draft.as_ref().expect("a hand entry");
    assert_eq!(
        d.fields.get("organisation"),
        Some(&Value::Text("Commune de Chefchaouen".into()))
    );
}

#[test]
fn leaving_a_hand_entry_asks_stay_then_abandon() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    hand_entry(&mut s);
    keys(&mut s, "3");
    let sc = screen(&s);
    assert!(
        sc.contains("Brouillon non enregistré : (e)nregistrer, (a)bandonner, (r)ester"),
        "{sc}"
    );
    assert!(
        sc.contains("Commune de Chefchaouen") || sc.contains("1 champ"),
        "{sc}"
    );
    assert_eq!(s.app.screen, fiches::console::Screen::Corriger);
    // Rester: the form is back as it was.
    keys(&mut s, "r");
    assert!(!screen(&s).contains("Brouillon non enregistré"));
    assert_eq!(s.app.screen, fiches::console::Screen::Corriger);
    assert!(s.app.draft.is_some());
    // Tab, Échap out of the form: asked too.
    keys(&mut s, "<Esc>");
    assert!(screen(&s).contains("Brouillon non enregistré"));
    keys(&mut s, "<Esc>");
    assert!(s.app.draft.is_some());
    // X (abandon the entry) asks too: staying keeps everything typed.
    keys(&mut s, "X");
    assert!(screen(&s).contains("Brouillon non enregistré"));
    keys(&mut s, "r");
    assert!(s.app.draft.is_some());
    // Abandonner: gone where asked, nothing entered, the kept draft deleted.
    s.flush_draft(true);
    assert!(stored(&db, "marie").is_some());
    let before = s.app.listing.len();
    keys(&mut s, "3a");
    assert_eq!(s.app.screen, fiches::console::Screen::Programme);
    assert!(s.app.draft.is_none());
    assert!(notice(&s).contains("abandonnée"), "{}", notice(&s));
    assert_eq!(s.app.listing.len(), before);
    assert_eq!(stored(&db, "marie"), None);
}

#[test]
fn leaving_a_hand_entry_and_saving_enters_it_then_goes() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    hand_entry(&mut s);
    // Required fields missing: said, and the form stays.
    keys(&mut s, "1e");
    assert!(notice(&s).contains("obligatoires"), "{}", notice(&s));
    assert_eq!(s.app.screen, fiches::console::Screen::Corriger);
    // Asked again and saved anyway (as S twice would): entered, then on
    // the screen asked for.
    let before = s.app.listing.len();
    keys(&mut s, "1e");
    assert_eq!(s.app.listing.len(), before + 1, "{}", notice(&s));
    assert_eq!(s.app.screen, fiches::console::Screen::Propositions);
    assert!(s.app.draft.is_none());
    assert_eq!(stored(&db, "marie"), None);
}

#[test]
fn quitting_with_a_refusal_reason_asks_and_saves_it() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (80, 24));
    let id = id_of(&s, "Poitiers");
    select(&mut s, id);
    keys(&mut s, "2rHors délai");
    keys(&mut s, "<C-c>");
    assert!(!s.app.quit);
    assert!(screen(&s).contains("(e)nregistrer"), "{}", screen(&s));
    // Rester: still typing, nothing lost.
    keys(&mut s, "r de préparation");
    assert_eq!(
        s.app.input.as_ref().unwrap().1.text,
        "Hors délai de préparation"
    );
    // q is a letter of the reason; Échap out of it asks.
    keys(&mut s, "<Esc>");
    assert!(screen(&s).contains("(e)nregistrer"));
    keys(&mut s, "r<C-c>e");
    assert!(s.app.quit);
    let p = Store::open(&db).unwrap().proposal(id).unwrap();
    assert_eq!(p.status, Status::Rejected);
    assert_eq!(stored(&db, "marie"), None);
}

#[test]
fn quitting_with_q_and_a_hand_entry_asks_and_abandon_quits() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (80, 24));
    hand_entry(&mut s);
    keys(&mut s, "q");
    assert!(!s.app.quit);
    assert!(screen(&s).contains("Brouillon non enregistré"));
    keys(&mut s, "a");
    assert!(s.app.quit);
    assert_eq!(stored(&db, "marie"), None);
}

#[test]
fn a_search_or_an_unchanged_field_is_not_a_draft() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    keys(&mut s, "/gren<Enter>3");
    assert_eq!(s.app.screen, fiches::console::Screen::Programme);
    // A field opened and left as it was: Échap closes it without a question.
    keys(&mut s, "1jjcjj<Enter><Esc>");
    assert!(s.app.input.is_none(), "{}", screen(&s));
    assert!(!screen(&s).contains("Brouillon"));
    keys(&mut s, "q");
    assert!(s.app.quit);
}

#[test]
fn a_draft_left_is_offered_to_the_same_user_only() {
    let (_d, db) = sample_db();
    {
        // The console is killed with a hand entry going on (nothing
        // saved, no question asked): the draft is in the database.
        let mut s = session(&db, (120, 40));
        hand_entry(&mut s);
        keys(&mut s, "<Enter>");
        assert!(s.flush_draft(true));
    }
    assert!(stored(&db, "marie").unwrap().contains("Chefchaouen"));
    // Another staff member sees nothing of it.
    let other = session_as(&db, "paul", (120, 40));
    assert!(other.app.recovered.is_none());
    assert!(!screen(&other).contains("Brouillon"));
    drop(other);
    // The same user is offered it, and takes it up.
    let mut s = session(&db, (120, 40));
    let sc = screen(&s);
    assert!(sc.contains("Un brouillon du "), "{sc}");
    assert!(sc.contains("a été retrouvé : (r)eprendre /"), "{sc}");
    assert!(sc.contains("(a)bandonner"), "{sc}");
    assert!(sc.contains("saisie à la main pour le message n°"), "{sc}");
    // Other keys do nothing until answered.
    keys(&mut s, "3");
    assert!(s.app.recovered.is_some());
    keys(&mut s, "r");
    assert_eq!(s.app.screen, fiches::console::Screen::Corriger);
    let d = s.app.draft.as_ref().unwrap();
    assert_eq!(
        d.fields.get("organisation"),
        Some(&Value::Text("Commune de Chefchaouen".into()))
    );
    // Still kept while it goes on.
    s.flush_draft(true);
    assert!(stored(&db, "marie").is_some());
    // Saved (asked twice for the missing required fields): gone from the drafts.
    keys(&mut s, "SS");
    assert!(s.app.draft.is_none(), "{}", notice(&s));
    assert_eq!(stored(&db, "marie"), None);
}

#[test]
fn a_field_being_typed_is_recovered_and_can_be_abandoned() {
    let (_d, db) = sample_db();
    let id;
    {
        let mut s = session(&db, (120, 40));
        id = id_of(&s, "Grenoble");
        select(&mut s, id);
        // Corriger, the organisation's field, a new name typed, not validated.
        keys(&mut s, "c<Enter><C-u>Grenoble-Alpes");
        s.flush_draft(true);
    }
    let mut s = session(&db, (120, 40));
    assert!(
        screen(&s).contains("proposition n° 1 : « Grenoble-Alpes »"),
        "{}",
        screen(&s)
    );
    keys(&mut s, "r");
    assert_eq!(s.app.screen, fiches::console::Screen::Corriger);
    assert_eq!(s.app.input.as_ref().unwrap().1.text, "Grenoble-Alpes");
    keys(&mut s, "<Enter>");
    let p = Store::open(&db).unwrap().proposal(id).unwrap();
    // The correction made a new version of the live proposal.
    let live = Store::open(&db)
        .unwrap()
        .proposal_by_number(p.number)
        .unwrap();
    assert_eq!(live.text("organisation"), Some("Grenoble-Alpes"));
    assert_eq!(stored(&db, "marie"), None);

    // Abandoned when offered: deleted, nothing restored.
    {
        let mut s = session(&db, (120, 40));
        keys(&mut s, "2rtrop tard");
        s.flush_draft(true);
    }
    let mut s = session(&db, (120, 40));
    assert!(s.app.recovered.is_some());
    keys(&mut s, "a");
    assert!(s.app.input.is_none());
    assert!(notice(&s).contains("effacé"), "{}", notice(&s));
    assert_eq!(stored(&db, "marie"), None);
}

#[test]
fn pictures_of_the_draft_questions() {
    for size in [(80, 24), (120, 40)] {
        let (_d, db) = sample_db();
        let mut s = session(&db, size);
        hand_entry(&mut s);
        keys(&mut s, "3");
        picture("draft_leave", &s);
        keys(&mut s, "r<C-c>");
        picture("draft_quit", &s);
        s.flush_draft(true);
        drop(s);
        let s = session(&db, size);
        picture("draft_found", &s);
    }
}

#[test]
fn a_note_being_written_asks_before_quitting_and_survives_a_killed_console() {
    let (_d, db) = sample_db();
    {
        let mut s = session(&db, (80, 24));
        let id = id_of(&s, "Poitiers");
        select(&mut s, id);
        keys(&mut s, "nÀ rapprocher de la fiche de Tours");
        // Quitting asks: the note is unsaved work.
        keys(&mut s, "<C-c>");
        assert!(!s.app.quit);
        assert!(screen(&s).contains("(e)nregistrer"), "{}", screen(&s));
        keys(&mut s, "r");
        // The console is cut off (no question, no clean exit): the note
        // is in the database as a draft.
        assert!(s.flush_draft(true));
    }
    assert!(stored(&db, "marie").unwrap().contains("rapprocher"));
    let mut s = session(&db, (80, 24));
    let sc = screen(&s);
    assert!(sc.contains("a note sur la proposition n°"), "{sc}");
    keys(&mut s, "r");
    assert_eq!(
        s.app.input.as_ref().map(|(_, i)| i.text.as_str()),
        Some("À rapprocher de la fiche de Tours")
    );
    // Saved: a note, no draft left.
    keys(&mut s, "<Enter>");
    let id = id_of(&s, "Poitiers");
    let number = Store::open(&db).unwrap().proposal(id).unwrap().number;
    let notes = Store::open(&db).unwrap().notes(number).unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.note.as_deref() == Some("À rapprocher de la fiche de Tours")),
        "{notes:?}"
    );
    assert_eq!(stored(&db, "marie"), None);
}
