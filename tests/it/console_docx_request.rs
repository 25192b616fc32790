//! À traiter, `d`: a demande de .docx to the sender of a message whose fiche
//! could not be read, naming each file and why. It goes through the outbox
//! like every letter: shown in Envoi as « demande de .docx », editable, sent
//! once through a real SMTP server on loopback (aiosmtpd, see
//! `support/smtp.rs`), never queued twice for the same message. Keys typed
//! into a real session on a real SQLite file; frames on `TestBackend`,
//! snapshotted at 80×24 and 120×40.

use crate::support::console as console_support;
use crate::support::smtp;

use std::time::Duration;

use console_support::*;
use fiches::console::Session;
use fiches::domain::LetterKind;
use fiches::outbox::SmtpConfig;
use fiches::store::{LetterFilter, LetterState, Store};

fn snapshot(name: &str, s: &Session) {
    let t = render(s);
    insta::with_settings!({
        filters => vec![
            (r"\d{2}/\d{2}/20[2-9]\d \d{2}:\d{2}", "[maintenant]"),
            (r"20[2-9]\d-\d{2}-\d{2}", "[aujourd'hui]"),
            (r"PJ \d+", "PJ [n]"),
            // When the letter was queued (the real clock).
            (r"\d{2}/\d{2} \d{2}:\d{2}", "[jj/mm hh:mm]"),
            (r#"(?m)\d{2}/\d{2}"$"#, "[jj/mm]\""),
        ],
        omit_expression => true,
    }, {
        insta::assert_snapshot!(format!("{name}_{}x{}", s.app.size.0, s.app.size.1), t.backend());
    });
}

fn docx_requests(db: &std::path::Path) -> Vec<fiches::store::LetterRecord> {
    Store::open(db)
        .unwrap()
        .letters(&LetterFilter::default())
        .unwrap()
        .into_iter()
        .filter(|l| l.kind == LetterKind::DocxRequest)
        .collect()
}

/// Envoi, on the demande de .docx.
fn envoi_on_request(s: &mut Session) {
    keys(s, "6");
    let pos = s
        .app
        .envoi
        .letters
        .iter()
        .position(|l| l.kind == LetterKind::DocxRequest.label_fr())
        .unwrap_or_else(|| panic!("no demande de .docx in Envoi: {}", screen(s)));
    let here = s
        .app
        .envoi
        .letters
        .iter()
        .position(|l| Some(l.id) == s.app.envoi.current().map(|c| c.id))
        .unwrap_or(0);
    if pos > here {
        keys(s, &"j".repeat(pos - here));
    } else {
        keys(s, &"k".repeat(here - pos));
    }
    assert_eq!(
        s.app.envoi.current().map(|l| l.kind),
        Some(LetterKind::DocxRequest.label_fr())
    );
}

#[test]
fn d_in_triage_queues_one_demande_de_docx_shown_in_envoi() {
    for size in [(80, 24), (120, 40)] {
        let (_d, db) = sample_db();
        let mut s = session(&db, size);
        // A colleague's console on the same message.
        let mut paul = session_as(&db, "paul", size);
        keys(&mut paul, "4");
        keys(&mut s, "4");
        let m = s.app.current_message().unwrap();
        let (message, from) = (m.id, m.from_addr.clone().unwrap());
        assert!(m.subject.as_deref().unwrap().contains("Chefchaouen"));
        keys(&mut s, "d");
        assert!(
            notice(&s).contains(&format!(
                "Demande de .docx au courriel #{message} préparée : lettre n° "
            )),
            "{}",
            notice(&s)
        );
        snapshot("triage_docx_queued", &s);
        let queued = docx_requests(&db);
        assert_eq!(queued.len(), 1);
        let letter = queued[0].id;
        assert_eq!(queued[0].fiche.id, message);
        assert_eq!(queued[0].created_by, "marie");
        // The message says it, so that a colleague does not ask again.
        assert!(
            screen(&s).contains(&format!("Demande de .docx : lettre n° {letter}, à envoyer")),
            "{}",
            screen(&s)
        );
        // Paul's console sees it on its next tick (the journal names the
        // message), and his `d` says it is already asked.
        assert!(paul.tick(), "data_version changed");
        assert!(
            screen(&paul).contains(&format!("Demande de .docx : lettre n° {letter}, à envoyer")),
            "{}",
            screen(&paul)
        );
        keys(&mut paul, "d");
        assert!(notice(&paul).contains("déjà faite"), "{}", notice(&paul));
        // Asked again: said, nothing new.
        keys(&mut s, "d");
        assert!(
            notice(&s).contains(&format!(
                "déjà faite au courriel #{message} : lettre n° {letter}, à envoyer"
            )),
            "{}",
            notice(&s)
        );
        assert_eq!(docx_requests(&db).len(), 1);
        // Envoi: its kind in French, the sender, the file and why.
        envoi_on_request(&mut s);
        let l = s.app.envoi.current().unwrap().clone();
        assert!(
            l.to.contains(&from),
            "to the sender of the message: {}",
            l.to
        );
        assert!(l.subject.contains(".docx ou .xlsx"), "{}", l.subject);
        let body = l.body.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(body.contains("Madame, Monsieur,"), "{body}");
        assert!(body.contains(".doc »"), "names the file: {body}");
        assert!(body.contains("ancien format (.doc)"), "says why: {body}");
        assert!(body.contains("Cités Unies France"), "signed: {body}");
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        assert!(l.hold.is_none(), "{:?}", l.hold);
        // French typography: non-breaking spaces inside the guillemets.
        assert!(l.body.contains("«\u{a0}"), "{}", l.body);
        snapshot("envoi_docx_request", &s);
    }
}

fn smtp_config(server: &smtp::SmtpServer) -> SmtpConfig {
    let text = server.smtp_toml("Cités Unies France <rencontres@cites-unies-france.org>");
    let body = text.trim_start_matches("[smtp]\n");
    toml::from_str(body).expect("[smtp] of the test server")
}

#[test]
fn the_demande_de_docx_is_sent_once_through_smtp() {
    let server = smtp::SmtpServer::start(smtp::Options::default());
    let (_d, db) = sample_db();
    let mut o = options("marie", (120, 40));
    o.smtp = Some(smtp_config(&server));
    let mut s = Session::open(Store::open(&db).unwrap(), o).unwrap();
    keys(&mut s, "4");
    let m = s.app.current_message().unwrap();
    let (message, from) = (m.id, m.from_addr.clone().unwrap());
    keys(&mut s, "d");
    envoi_on_request(&mut s);
    let letter = s.app.envoi.current().unwrap().id;
    let before = server.count();
    // Only this letter: mark it, send the selection.
    keys(&mut s, " E");
    assert!(screen(&s).contains("Envoyer"), "{}", screen(&s));
    keys(&mut s, "o");
    assert!(
        s.wait_sending(Duration::from_secs(30)),
        "sending never ended"
    );
    assert!(server.wait_for(before + 1, Duration::from_secs(5)));
    let got = server.received();
    let mail = got.last().unwrap();
    assert!(
        mail.subject().contains(".docx ou .xlsx"),
        "{}",
        mail.subject()
    );
    assert!(
        mail.header("To").unwrap_or_default().contains(&from),
        "{:?}",
        mail.header("To")
    );
    // An answer in the sender's thread.
    let r = Store::open(&db).unwrap().letter(letter).unwrap();
    assert_eq!(r.state, LetterState::Sent);
    assert!(
        mail.header("In-Reply-To")
            .unwrap_or_default()
            .contains(r.fiche.message_id.as_deref().unwrap()),
        "{:?}",
        mail.header("In-Reply-To")
    );
    let text = mail.text().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("ancien format (.doc)"), "{text}");
    // Asked again after it went: said, nothing queued, nothing sent.
    keys(&mut s, "4");
    assert_eq!(s.app.current_message().unwrap().id, message);
    keys(&mut s, "d");
    assert!(notice(&s).contains("envoyée"), "{}", notice(&s));
    assert!(
        screen(&s).contains(&format!("Demande de .docx : lettre n° {letter}, envoyée")),
        "{}",
        screen(&s)
    );
    assert_eq!(docx_requests(&db).len(), 1);
    keys(&mut s, "6E");
    assert_eq!(server.count(), before + 1);
}

#[test]
fn d_on_a_message_whose_fiche_was_entered_by_hand_asks_again_first() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (80, 24));
    // The Chefchaouen DOC: its fiche entered by hand (asked twice for the
    // required fields left empty), then back to À traiter, same message.
    keys(&mut s, "4");
    let message = s.app.current_message().unwrap().id;
    keys(&mut s, "nm<Enter>Commune de Chefchaouen<Enter>SS");
    assert!(s.app.draft.is_none(), "{}", notice(&s));
    keys(&mut s, "4");
    let at = s
        .app
        .triage
        .iter()
        .position(|m| m.id == message)
        .expect("still listed");
    s.app.triage_selected = at;
    assert!(s.app.current_message().unwrap().proposals > 0);
    keys(&mut s, "d");
    assert!(notice(&s).contains("d de nouveau"), "{}", notice(&s));
    assert!(docx_requests(&db).is_empty());
    keys(&mut s, "d");
    assert_eq!(docx_requests(&db).len(), 1, "{}", notice(&s));
}
