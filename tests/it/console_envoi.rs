//! The Envoi screen against a real SMTP server on loopback (aiosmtpd, see
//! `support/smtp.rs`): a decision, the letter reviewed, the batch confirmed
//! with its count and sent on the console's sending thread, the result back
//! on the screen and in the database; an uncertain letter settled by hand.

use crate::support::console as console_support;
use crate::support::process::own_process;
use crate::support::smtp;

use std::time::Duration;

use console_support::*;
use fiches::console::Session;
use fiches::outbox::SmtpConfig;
use fiches::store::{LetterState, Store};

fn smtp_config(server: &smtp::SmtpServer) -> SmtpConfig {
    let text = server.smtp_toml("Cités Unies France <rencontres@cites-unies-france.org>");
    let body = text.trim_start_matches("[smtp]\n");
    toml::from_str(body).expect("[smtp] of the test server")
}

fn session_with(db: &std::path::Path, smtp: Option<SmtpConfig>) -> Session {
    let mut o = options("marie", (120, 40));
    o.smtp = smtp;
    Session::open(Store::open(db).unwrap(), o).unwrap()
}

#[test]
fn send_the_batch_from_the_console() {
    let server = smtp::SmtpServer::start(smtp::Options::default());
    let (_d, db) = sample_db();
    let mut s = session_with(&db, Some(smtp_config(&server)));
    for org in ["Grenoble", "Chambéry"] {
        let id = id_of(&s, org);
        select(&mut s, id);
        keys(&mut s, "2<Enter>");
    }
    keys(&mut s, "6");
    assert_eq!(s.app.envoi.letters.len(), 2, "{}", screen(&s));
    // Asked first, with the count; "n" sends nothing.
    keys(&mut s, "E");
    assert!(
        screen(&s).contains("Envoyer 2 lettres maintenant"),
        "{}",
        screen(&s)
    );
    keys(&mut s, "n");
    assert_eq!(server.count(), 0);
    // "E" then "o": sent on the sending thread; the console goes on.
    keys(&mut s, "Eo");
    assert!(s.app.envoi.sending.is_some());
    assert!(
        s.wait_sending(Duration::from_secs(30)),
        "sending never ended"
    );
    assert!(notice(&s).contains("2 lettres envoyées"), "{}", notice(&s));
    assert!(server.wait_for(2, Duration::from_secs(5)));
    assert_eq!(server.count(), 2);
    assert!(
        s.app
            .envoi
            .letters
            .iter()
            .all(|l| l.state == LetterState::Sent)
    );
    assert_eq!(s.app.envoi.counts, [0, 2, 0, 0]);
    assert!(
        screen(&s).contains("0 à envoyer · 2 envoyées"),
        "{}",
        screen(&s)
    );
    let st = Store::open(&db).unwrap();
    for l in &s.app.envoi.letters {
        let r = st.letter(l.id).unwrap();
        assert_eq!(r.state, LetterState::Sent);
        assert_eq!(r.approved_by.as_deref(), Some("marie"));
    }
    // Nothing left: "E" says so.
    keys(&mut s, "E");
    assert!(
        notice(&s).contains("Aucune lettre à envoyer"),
        "{}",
        notice(&s)
    );
}

#[test]
fn an_unreachable_server_is_reported_and_nothing_is_lost() {
    let (_d, db) = sample_db();
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cfg = SmtpConfig::new("127.0.0.1", "CUF <rencontres@cites-unies-france.org>");
    cfg.port = Some(port);
    cfg.tls = fiches::outbox::SmtpTls::Plain;
    cfg.allow_plaintext = true;
    cfg.timeout = Duration::from_secs(2);
    let mut s = session_with(&db, Some(cfg));
    let id = id_of(&s, "Grenoble");
    select(&mut s, id);
    keys(&mut s, "2<Enter>6Eo");
    assert!(s.wait_sending(Duration::from_secs(30)));
    assert!(notice(&s).contains("0 lettre envoyée"), "{}", notice(&s));
    assert!(notice(&s).contains("serveur"), "{}", notice(&s));
    let l = &s.app.envoi.letters[0];
    assert_eq!(l.state, LetterState::Pending);
    assert!(l.last_error.is_some());
}

#[test]
fn settle_an_uncertain_letter() {
    let (_d, db) = sample_db();
    let mut s = session_with(&db, None);
    for org in ["Grenoble", "Chambéry"] {
        let id = id_of(&s, org);
        select(&mut s, id);
        keys(&mut s, "2<Enter>");
    }
    // Two letters the sender left uncertain (claimed, then the connection broke).
    let mut st = Store::open(&db).unwrap();
    let ids: Vec<i64> = st
        .letters(&Default::default())
        .unwrap()
        .iter()
        .map(|l| l.id)
        .collect();
    st.approve_letters(fiches::store::Approve::All, "marie")
        .unwrap();
    for id in &ids {
        let claim = fiches::store::Claim {
            message_id: &format!("test.{id}@cites-unies-france.org"),
            to: "a@b.fr",
            cc: "",
            subject: "Objet",
            body: "Texte",
            bytes: b"x",
        };
        assert!(st.claim_letter(*id, &claim).unwrap());
        st.letter_uncertain(*id, "connexion coupée").unwrap();
    }
    keys(&mut s, "6");
    assert_eq!(s.app.envoi.counts[2], 2, "{}", screen(&s));
    assert!(screen(&s).contains("incertaine"));
    // "x" refuses: only an unsent letter is dropped.
    keys(&mut s, "x");
    assert!(notice(&s).contains("non envoyée"), "{}", notice(&s));
    let first = s.app.envoi.current().unwrap().id;
    keys(&mut s, "a");
    assert!(notice(&s).contains("marquée envoyée"), "{}", notice(&s));
    assert_eq!(st.letter(first).unwrap().state, LetterState::Sent);
    // The other one did not arrive: back to the outbox.
    let other = s
        .app
        .envoi
        .letters
        .iter()
        .position(|l| l.state == LetterState::Uncertain)
        .unwrap();
    s.app.envoi.selected = other;
    let second = s.app.envoi.current().unwrap().id;
    keys(&mut s, "r");
    assert!(notice(&s).contains("remise à envoyer"), "{}", notice(&s));
    assert_eq!(st.letter(second).unwrap().state, LetterState::Pending);
}

#[test]
fn edit_a_letter_in_the_editor() {
    // It sets VISUAL, for the whole process: alone in a child process.
    if !own_process("console_envoi::edit_a_letter_in_the_editor") {
        return;
    }
    let (_d, db) = sample_db();
    let mut s = session_with(&db, None);
    let id = id_of(&s, "Grenoble");
    select(&mut s, id);
    keys(&mut s, "2<Enter>6");
    let letter = s.app.envoi.current().unwrap().id;
    // The "editor" changes the greeting (the terminal loop hands the
    // terminal over around `run_pending_edit`).
    // SAFETY: this process runs this test alone (`own_process`).
    unsafe { std::env::set_var("VISUAL", "sed -i 's/^Madame, Monsieur,$/Bonsoir,/'") };
    keys(&mut s, "e");
    assert_eq!(s.edit_request.map(|(i, _)| i), Some(letter));
    assert!(s.run_pending_edit());
    assert!(notice(&s).contains("modifiée"), "{}", notice(&s));
    let r = Store::open(&db).unwrap().letter(letter).unwrap();
    assert!(
        r.edit.body.as_deref().unwrap().starts_with("Bonsoir,"),
        "{:?}",
        r.edit
    );
    assert_eq!(r.edited_by.as_deref(), Some("marie"));
    assert!(s.app.envoi.current().unwrap().body.starts_with("Bonsoir,"));
    // The same edit again changes nothing.
    keys(&mut s, "e");
    assert!(s.run_pending_edit());
    assert!(notice(&s).contains("aucune modification"), "{}", notice(&s));
}

#[test]
fn quitting_while_sending_asks_once() {
    // A server that takes its time answering.
    let server = smtp::SmtpServer::start(smtp::Options {
        delay: Duration::from_millis(800),
        ..smtp::Options::default()
    });
    let (_d, db) = sample_db();
    let mut s = session_with(&db, Some(smtp_config(&server)));
    let id = id_of(&s, "Grenoble");
    select(&mut s, id);
    keys(&mut s, "2<Enter>6Eo");
    assert!(s.app.envoi.sending.is_some());
    keys(&mut s, "q");
    assert!(!s.app.quit);
    assert!(notice(&s).contains("q de nouveau"), "{}", notice(&s));
    assert!(s.wait_sending(Duration::from_secs(30)));
    assert!(notice(&s).contains("1 lettre envoyée"), "{}", notice(&s));
    keys(&mut s, "q");
    assert!(s.app.quit);
}

/// A fiche whose e-mail field names three people: its letter waits for staff.
fn fiche_with_three_addresses(db: &std::path::Path) -> i64 {
    use fiches::fiche::{Kind, Value};
    use fiches::store::{
        AttachmentOutcome, IngestOutcome, MessageStatus, NewAttachment, NewMessage, NewProposal,
    };
    let mut st = Store::open(db).unwrap();
    let mut p = NewProposal {
        kind: Some(Kind::MicroAtelier),
        ..Default::default()
    };
    for (k, v) in [
        ("organisation", "Commune de Trois-Adresses"),
        ("contact_last_name", "Durand"),
        (
            "contact_email",
            "a@trois.example, b@trois.example, evil@autre.example",
        ),
        ("project_title", "Trois destinataires"),
    ] {
        p.fields.insert(k.into(), Value::Text(v.into()));
    }
    let msg = NewMessage {
        raw: b"Message-ID: <trois@trois.example>\r\nFrom: mairie@trois.example\r\n\r\nx".to_vec(),
        message_id: Some("trois@trois.example".into()),
        from_addr: Some("mairie@trois.example".into()),
        date: Some("2018-06-01T10:00:00+02:00".into()),
        effective_at: Some("2018-06-01T08:00:00Z".into()),
        source_ref: "test:trois".into(),
        size: 10,
        status: MessageStatus::Fiche,
        attachments: vec![NewAttachment {
            part_path: "2".into(),
            filename: Some("fiche.docx".into()),
            content_type: None,
            size: 1,
            sha256: "3".repeat(64),
            format: Some("DOCX".into()),
            outcome: AttachmentOutcome::Fiche,
            reason: None,
            proposal: Some(p),
        }],
        ..Default::default()
    };
    match st.ingest(&msg).unwrap() {
        IngestOutcome::Stored { proposals, .. } => proposals[0],
        o => panic!("{o:?}"),
    }
}

#[test]
fn a_held_letter_waits_for_v_and_the_partners_email_goes_from_envoi() {
    let server = smtp::SmtpServer::start(smtp::Options::default());
    let (_d, db) = sample_db();
    fiche_with_three_addresses(&db);
    // A publication with its e-mail to the partners waiting for review.
    {
        let mut st = Store::open(&db).unwrap();
        st.record_publication_with(
            &fiches::store::PublicationRecord {
                number: 1,
                published_at: "2018-06-04T08:00:00+02:00".into(),
                author: "marie".into(),
                unchanged: false,
                snapshot: "{}".into(),
                changes: String::new(),
                dir: None,
            },
            Some(&fiches::store::NewPartnerMail {
                since: None,
                recipients: vec!["Réseau <listes@partenaires.example>".into()],
                subject: "Listes de programmation (publication n° 1)".into(),
                body: "Bonjour,\n\nVoici les listes.\n".into(),
                attachments: vec![],
                dir: None,
            }),
        )
        .unwrap();
    }
    let mut s = session_with(&db, Some(smtp_config(&server)));
    let id = id_of(&s, "Trois-Adresses");
    select(&mut s, id);
    keys(&mut s, "2<Enter>6");
    assert_eq!(s.app.envoi.letters.len(), 2, "{}", screen(&s));
    let held = s
        .app
        .envoi
        .letters
        .iter()
        .position(|l| !l.partners)
        .unwrap();
    s.app.envoi.selected = held;
    let shown = screen(&s);
    assert!(shown.contains("Destinataire à vérifier"), "{shown}");
    assert!(shown.contains("3 adresses"), "{shown}");
    assert!(shown.contains("mairie@trois.example"), "{shown}");
    assert!(screen(&s).contains("P1"), "{}", screen(&s));
    // Everything: the e-mail to the partners goes, the held letter does not.
    keys(&mut s, "Eo");
    assert!(s.wait_sending(Duration::from_secs(30)));
    assert!(server.wait_for(1, Duration::from_secs(5)));
    assert_eq!(server.count(), 1);
    let got = server.received();
    assert_eq!(got[0].rcpt_tos, ["listes@partenaires.example"]);
    let letter = s.app.envoi.letters.iter().find(|l| !l.partners).unwrap();
    assert_eq!(letter.state, LetterState::Pending);
    // "v": the recipient shown (the sender) is the right one; then it goes.
    let held = s
        .app
        .envoi
        .letters
        .iter()
        .position(|l| !l.partners)
        .unwrap();
    s.app.envoi.selected = held;
    keys(&mut s, "v");
    assert!(notice(&s).contains("destinataire validé"), "{}", notice(&s));
    assert!(!screen(&s).contains("Destinataire à vérifier"));
    keys(&mut s, "Eo");
    assert!(s.wait_sending(Duration::from_secs(30)));
    assert!(server.wait_for(2, Duration::from_secs(5)));
    let got = server.received();
    assert_eq!(got[1].rcpt_tos, ["mairie@trois.example"]);
    assert!(!String::from_utf8_lossy(&got[1].bytes).contains("evil@"));
}
