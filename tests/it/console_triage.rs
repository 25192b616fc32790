//! À traiter finishes the job: the text of the DOC and PDF fiches read in
//! the console (through the real LibreOffice and pdftotext, installed by
//! scripts/install-test-deps.sh: never skipped), an attachment saved into a
//! folder (never over a file), the fiche entered by hand beside that text,
//! and acknowledged like a read one. Keys typed into a real session on a
//! real SQLite file; frames on `TestBackend`, snapshotted at 80×24 and
//! 120×40.

use crate::support::console as console_support;

use std::time::Duration;

use console_support::*;
use fiches::console::Session;
use fiches::console::app::TextState;
use fiches::store::{LetterFilter, OutboxSettings, Store};

fn wait_text(s: &mut Session) {
    assert!(
        s.wait_converting(Duration::from_secs(120)),
        "conversion still running"
    );
    match &s.app.attachment_text.as_ref().expect("a text shown").state {
        TextState::Ready(_) => {}
        other => panic!("not converted: {other:?}"),
    }
}

fn snapshot(name: &str, s: &Session, extra: &[(&str, &str)]) {
    let t = render(s);
    let mut filters: Vec<(&str, &str)> = vec![
        (r"\d{2}/\d{2}/20[2-9]\d \d{2}:\d{2}", "[maintenant]"),
        (r"20[2-9]\d-\d{2}-\d{2}", "[aujourd'hui]"),
        // Attachment numbers depend on the import order only, but say so.
        (r"PJ \d+", "PJ [n]"),
    ];
    filters.extend_from_slice(extra);
    insta::with_settings!({
        filters => filters,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(format!("{name}_{}x{}", s.app.size.0, s.app.size.1), t.backend());
    });
}

#[test]
fn the_text_of_a_doc_attachment_is_read_in_the_console() {
    for size in [(80, 24), (120, 40)] {
        let (_d, db) = sample_db();
        let mut s = session(&db, size);
        keys(&mut s, "4");
        let m = s.app.current_message().unwrap();
        assert!(m.subject.as_deref().unwrap().contains("Chefchaouen"));
        keys(&mut s, "t");
        wait_text(&mut s);
        let sc = screen(&s);
        assert!(sc.contains("lu par LibreOffice"), "{sc}");
        assert!(
            sc.contains("MICRO-ATELIER : FICHE DE RENSEIGNEMENT"),
            "{sc}"
        );
        match &s.app.attachment_text.as_ref().unwrap().state {
            TextState::Ready(t) => assert!(t.text.contains("Chefchaouen"), "{}", t.text),
            other => panic!("{other:?}"),
        }
        snapshot("triage_doc_text", &s, &[]);
        // j scrolls the text; Échap goes back to the message.
        keys(&mut s, "jj");
        assert_eq!(s.app.triage_scroll, 2);
        keys(&mut s, "<Esc>");
        assert!(s.app.attachment_text.is_none());
        assert!(screen(&s).contains("Pourquoi"));
    }
}

#[test]
fn the_text_of_a_pdf_attachment_comes_from_pdftotext() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    keys(&mut s, "4j");
    assert!(
        s.app
            .current_message()
            .unwrap()
            .subject
            .as_deref()
            .unwrap()
            .contains("Climate Chance")
    );
    keys(&mut s, "t");
    wait_text(&mut s);
    let sc = screen(&s);
    assert!(sc.contains("lu par pdftotext"), "{sc}");
    assert!(sc.contains("Climate Chance"), "{sc}");
    // Only one attachment: t again is back to the message.
    keys(&mut s, "t");
    assert!(s.app.attachment_text.is_none());
    // A message without attachment says so.
    keys(&mut s, "<Esc>jt");
    assert_eq!(notice(&s), "Ce message n'a pas de pièce jointe.");
}

#[test]
fn an_attachment_is_saved_into_a_folder_never_over_a_file() {
    for size in [(80, 24), (120, 40)] {
        let (d, db) = sample_db();
        let out = d.path().join("enregistrées");
        std::fs::create_dir(&out).unwrap();
        let dir = out.to_str().unwrap().to_string();
        let mut s = session(&db, size);
        keys(&mut s, "4e");
        // The folder is asked, the current one offered.
        let here = std::env::current_dir().unwrap().display().to_string();
        assert!(screen(&s).contains("Enregistrer la PJ"), "{}", screen(&s));
        assert_eq!(s.app.input.as_ref().unwrap().1.text, here);
        keys(&mut s, &format!("<C-u>{dir}<Enter>"));
        let said = notice(&s);
        assert!(said.contains("enregistrée"), "{said}");
        // The temporary folder's name changes with each run.
        // (The notice wraps: the path may start a line of its own.)
        snapshot(
            "triage_saved",
            &s,
            &[
                (r#"dans /[^ "]+"#, "dans [dossier]"),
                (r"/tmp/\.tmp[A-Za-z0-9]+", "[tmp]"),
            ],
        );
        keys(&mut s, &format!("e<C-u>{dir}<Enter>"));
        let mut names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names.iter().any(|n| n.ends_with(" (2).doc")), "{names:?}");
        let bytes = std::fs::read(out.join(&names[0])).unwrap();
        assert!(
            bytes.starts_with(b"\xD0\xCF\x11\xE0"),
            "an OLE2 DOC as received"
        );
        // A folder that does not exist is said, nothing written.
        keys(&mut s, "e<C-u>/nulle/part<Enter>");
        assert!(
            notice(&s).contains("ce dossier n'existe pas"),
            "{}",
            notice(&s)
        );
    }
}

#[test]
fn the_proposal_detail_saves_the_attachment_of_its_fiche() {
    let (d, db) = sample_db();
    let dir = d.path().to_str().unwrap().to_string();
    let mut s = session(&db, (120, 40));
    keys(&mut s, &format!("e<C-u>{dir}<Enter>"));
    let said = notice(&s);
    assert!(said.contains("enregistrée"), "{said}");
    let saved = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("Fiche micro-atelier"))
        .unwrap_or_else(|| panic!("{said}"));
    // The fiche as received (a DOCX: a zip).
    assert!(std::fs::read(saved).unwrap().starts_with(b"PK"));
}

#[test]
fn the_fiche_is_entered_by_hand_beside_the_text() {
    for size in [(80, 24), (120, 40)] {
        let (_d, db) = sample_db();
        // Acknowledgements on, as `[letters] acknowledge = true` makes them.
        Store::open(&db)
            .unwrap()
            .set_outbox_settings(&OutboxSettings {
                acknowledge: true,
                own_addresses: vec!["rencontres@cites-unies-france.org".into()],
            })
            .unwrap();
        let mut s = session(&db, size);
        keys(&mut s, "4nm");
        assert!(s.app.draft.is_some());
        wait_text(&mut s);
        if size.0 >= 120 {
            let sc = screen(&s);
            assert!(sc.contains("Saisie à la main"), "{sc}");
            assert!(sc.contains("lu par LibreOffice"), "{sc}");
            snapshot("hand_entry_beside_text", &s, &[]);
            keys(&mut s, "<PgDn>");
            assert!(s.app.text_scroll > 0);
            keys(&mut s, "t");
            assert!(notice(&s).contains("à droite"), "{}", notice(&s));
        } else {
            assert!(!screen(&s).contains("lu par LibreOffice"));
            keys(&mut s, "t");
            let sc = screen(&s);
            assert!(sc.contains("lu par LibreOffice"), "{sc}");
            snapshot("hand_entry_text_toggled", &s, &[]);
            keys(&mut s, "jj");
            assert_eq!(s.app.text_scroll, 2);
            keys(&mut s, "t");
            assert!(screen(&s).contains("Saisie à la main"));
        }
        // Typed beside the text, saved, acknowledged once.
        keys(
            &mut s,
            "<Enter>Commune de Chefchaouen<Enter>jj<Enter>Maroc<Enter>SS",
        );
        assert!(notice(&s).contains("proposition n°"), "{}", notice(&s));
        let id = s.app.current_id().unwrap();
        let st = Store::open(&db).unwrap();
        let acks: Vec<_> = st
            .letters(&LetterFilter {
                proposal: Some(id),
                ..LetterFilter::default()
            })
            .unwrap();
        assert_eq!(acks.len(), 1, "{acks:?}");
        assert_eq!(acks[0].kind, fiches::domain::LetterKind::Acknowledgement);
        assert_eq!(acks[0].created_by, "marie");
    }
}
