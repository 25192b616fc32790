//! Envoi sends only some letters, through the same sending machine as the
//! whole batch, to a real SMTP server on loopback (aiosmtpd, see
//! `support/smtp.rs`): letters marked with Space, or one kind only, chosen
//! in the send confirmation. Snapshots of the choice at 80×24 and 120×40.

use crate::support::console as console_support;
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

fn session_with(db: &std::path::Path, smtp: Option<SmtpConfig>, size: (u16, u16)) -> Session {
    let mut o = options("marie", size);
    o.smtp = smtp;
    Session::open(Store::open(db).unwrap(), o).unwrap()
}

/// Two acceptances, one waiting-list letter, one refusal: four letters of
/// three kinds.
fn four_letters(s: &mut Session) {
    for org in ["Grenoble", "Chambéry"] {
        let id = id_of(s, org);
        select(s, id);
        keys(s, "2<Enter>");
    }
    let id = id_of(s, "Rufisque");
    select(s, id);
    keys(s, "2w");
    let id = id_of(s, "Poitiers");
    select(s, id);
    keys(s, "2rHors délai<Enter>");
    keys(s, "6");
    assert_eq!(s.app.envoi.letters.len(), 4, "{}", screen(s));
}

#[test]
fn the_send_choice_at_both_sizes() {
    for size in [(80, 24), (120, 40)] {
        let (_d, db) = sample_db();
        // A server is configured; nothing is sent in this test.
        let mut o = options("marie", size);
        o.smtp = Some(SmtpConfig::new(
            "127.0.0.1",
            "CUF <rencontres@cites-unies-france.org>",
        ));
        let mut s = Session::open(Store::open(&db).unwrap(), o).unwrap();
        four_letters(&mut s);
        keys(&mut s, "g j ");
        assert_eq!(s.app.envoi.marks.len(), 2);
        assert!(screen(&s).contains("2 marquées"), "{}", screen(&s));
        keys(&mut s, "E");
        let sc = screen(&s);
        assert!(sc.contains("Envoyer 2 lettres maintenant"), "{sc}");
        assert!(sc.contains("▶ marquées (2)"), "{sc}");
        assert!(sc.contains("tout (4)"), "{sc}");
        assert!(sc.contains("acceptation seulement (2)"), "{sc}");
        let t = render(&s);
        let name = format!("envoi_send_choice_{}x{}", size.0, size.1);
        insta::with_settings!({
            filters => vec![(r"\b\d{2}/\d{2}( \d{2}:\d{2})?\b", "[créée]")],
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, t.backend());
        });
        // j: the next choice, and the count follows.
        keys(&mut s, "j");
        assert!(
            screen(&s).contains("Envoyer 4 lettres maintenant"),
            "{}",
            screen(&s)
        );
        keys(&mut s, "n");
        assert!(notice(&s).contains("Annulé"), "{}", notice(&s));
        // M unmarks all.
        keys(&mut s, "M");
        assert!(s.app.envoi.marks.is_empty());
    }
}

#[test]
fn send_the_marked_letters_then_one_kind_only() {
    let server = smtp::SmtpServer::start(smtp::Options::default());
    let (_d, db) = sample_db();
    let mut s = session_with(&db, Some(smtp_config(&server)), (120, 40));
    four_letters(&mut s);
    keys(&mut s, "g j ");
    let marked: Vec<i64> = s.app.envoi.marks.iter().map(|(id, _)| *id).collect();
    assert_eq!(marked.len(), 2);
    // The marked ones go, through the console's sending thread.
    keys(&mut s, "Eo");
    assert!(
        s.wait_sending(Duration::from_secs(30)),
        "sending never ended"
    );
    assert!(notice(&s).contains("2 lettres envoyées"), "{}", notice(&s));
    assert!(server.wait_for(2, Duration::from_secs(5)));
    assert_eq!(server.count(), 2);
    let st = Store::open(&db).unwrap();
    for l in &s.app.envoi.letters {
        let state = st.letter(l.id).unwrap().state;
        if marked.contains(&l.id) {
            assert_eq!(state, LetterState::Sent, "letter {}", l.id);
        } else {
            assert_eq!(state, LetterState::Pending, "letter {}", l.id);
        }
    }
    assert!(
        s.app.envoi.marks.is_empty(),
        "the marks of the letters sent are done"
    );

    // Then one kind only: the refusal, chosen in the confirmation.
    let refusal = s
        .app
        .envoi
        .letters
        .iter()
        .find(|l| l.state == LetterState::Pending && l.kind == "non retenue")
        .map(|l| l.id);
    keys(&mut s, "E");
    let sc = screen(&s);
    let Some(refusal) = refusal else {
        panic!("the refusal was among the marked ones: {sc}");
    };
    let lines: Vec<&str> = sc.lines().filter(|l| l.contains("seulement")).collect();
    assert!(lines.len() >= 2, "{sc}");
    // Down to "non retenue seulement (1)".
    let mut tries = 0;
    while !screen(&s).contains("▶ non retenue seulement (1)") {
        keys(&mut s, "j");
        tries += 1;
        assert!(tries < 10, "{}", screen(&s));
    }
    assert!(screen(&s).contains("Envoyer 1 lettre maintenant"));
    keys(&mut s, "o");
    assert!(s.wait_sending(Duration::from_secs(30)));
    assert!(notice(&s).contains("1 lettre envoyée"), "{}", notice(&s));
    assert!(server.wait_for(3, Duration::from_secs(5)));
    assert_eq!(server.count(), 3);
    let st = Store::open(&db).unwrap();
    assert_eq!(st.letter(refusal).unwrap().state, LetterState::Sent);
    let left: Vec<&str> = s
        .app
        .envoi
        .letters
        .iter()
        .filter(|l| l.state == LetterState::Pending)
        .map(|l| l.kind)
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
}
