//! What leaves the building, against a real SMTP server on loopback
//! (aiosmtpd) and the real binary: hostile e-mail fields in fiches (several
//! addresses, a `Bcc:` line, 60 addresses, invalid ones, another domain)
//! never add a recipient and hold the letter for staff, whatever sends it
//! (the daemon's automatic run, `fiches send`); every message received
//! passes an independent strict parser (Python's `email`, strict policy)
//! with `MIME-Version`; the partners' e-mail goes out once per week that
//! changed the public lists and never for an unchanged one; `fiches publish
//! | head` ends quietly.

use crate::support::outbox_env;
use crate::support::smtp;
use crate::support::strict_mail;

use std::io::Read;
use std::path::Path;
use std::process::Stdio;

use chrono::{DateTime, Utc};
use fiches::fiche::{Kind, Value};
use fiches::store::{
    AttachmentOutcome, IngestOutcome, MessageStatus, NewAttachment, NewMessage, NewProposal,
    ProposalStatus, Store,
};
use outbox_env::{Env, FROM, decide};
use serde_json::Value as Json;
use smtp::{Options, SmtpServer};

/// Stores a fiche sent by `from` whose e-mail field says `contact`.
fn fiche_with_contact(store: &mut Store, n: usize, from: &str, contact: &str) -> i64 {
    let mut p = NewProposal {
        kind: Some(Kind::MicroAtelier),
        ..Default::default()
    };
    for (k, v) in [
        ("organisation", format!("Commune numéro {n}")),
        ("organisation_type", "commune".to_string()),
        ("contact_first_name", "Claire".to_string()),
        ("contact_last_name", format!("Martin{n}")),
        ("contact_email", contact.to_string()),
        ("project_title", format!("Projet {n}")),
    ] {
        p.fields.insert(k.into(), Value::Text(v));
    }
    let mid = format!("hostile-{n}@mairie.example");
    let msg = NewMessage {
        raw: format!("Message-ID: <{mid}>\r\nFrom: {from}\r\n\r\nfiche").into_bytes(),
        message_id: Some(mid),
        from_addr: Some(from.into()),
        date: Some("2018-06-01T10:00:00+02:00".into()),
        effective_at: Some("2018-06-01T08:00:00Z".into()),
        source_ref: format!("hostile:{n}"),
        size: 20,
        status: MessageStatus::Fiche,
        attachments: vec![NewAttachment {
            part_path: "2".into(),
            filename: Some("fiche.docx".into()),
            content_type: None,
            size: 1,
            sha256: format!("{:064}", 9000 + n),
            format: Some("DOCX".into()),
            outcome: AttachmentOutcome::Fiche,
            reason: None,
            proposal: Some(p),
        }],
        ..Default::default()
    };
    match store.ingest(&msg).unwrap() {
        IngestOutcome::Stored { proposals, .. } => proposals[0],
        o => panic!("{o:?}"),
    }
}

/// Every message the server took, read back by the strict parser; fails on
/// any defect. Checks that each went to exactly the envelope recipients
/// its headers name.
fn strictly_received(server: &SmtpServer) -> Vec<(smtp::Received, strict_mail::Checked)> {
    let got = server.received();
    let checked = strict_mail::assert_conformant(
        &got.iter()
            .map(|r| (r.file.display().to_string(), r.bytes.clone()))
            .collect::<Vec<_>>(),
    );
    for c in &checked {
        assert!(
            c.json["headers"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h == "MIME-Version"),
            "{}: no MIME-Version",
            c.name
        );
        assert!(c.json["bcc"].as_array().unwrap().is_empty());
    }
    got.into_iter().zip(checked).collect()
}

const HOSTILE: [&str; 6] = [
    "x@example.fr\nBcc: evil@example.net",
    "a@mairie.example, b@mairie.example, evil@example.net",
    "a@mairie.example; b@mairie.example",
    "pas une adresse",
    "claire@gmail.example",
    "",
];

#[test]
fn hostile_email_fields_never_add_a_recipient_and_hold_the_letter() {
    let server = SmtpServer::start(Options::default());
    let env = Env::new(
        "acknowledge = true\nauto_acknowledge = true\n",
        &server.smtp_toml(FROM),
    );
    // The reproducers, through the real intake.
    let hostile = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/hostile");
    for f in ["letter-contact-bcc.eml", "letter-contact-3-addresses.eml"] {
        env.ok(&["import", "-q", hostile.join(f).to_str().unwrap()]);
    }
    let mut store = env.store();
    for (i, contact) in HOSTILE.iter().enumerate() {
        fiche_with_contact(&mut store, i, &format!("sender{i}@mairie.example"), contact);
    }
    let sixty: Vec<String> = (0..60).map(|i| format!("p{i}@mairie.example")).collect();
    fiche_with_contact(&mut store, 60, "sender60@mairie.example", &sixty.join(", "));
    // One ordinary fiche: its contact on the sender's domain.
    fiche_with_contact(
        &mut store,
        99,
        "secretariat@mairie.example",
        "Claire Martin <claire.martin@mairie.example>",
    );

    let letters = env.outbox(&[]);
    let held: Vec<&Json> = letters.iter().filter(|l| !l["hold"].is_null()).collect();
    // The two reproducers, the five hostile fields, the 60 addresses.
    assert_eq!(held.len(), 2 + 5 + 1, "{letters:#?}");
    for l in &letters {
        let to = l["to"].as_array().unwrap();
        assert_eq!(to.len(), 1, "one recipient: {l}");
        assert!(l["cc"].as_array().unwrap().is_empty(), "{l}");
        let to = to[0].as_str().unwrap();
        assert!(!to.contains("evil"), "{l}");
    }
    // Held: the text says why, and the letter would go to the sender (or,
    // for an address of another domain, to it after review).
    let why = |l: &Json| l["hold"].as_str().unwrap().to_string();
    assert!(held.iter().any(|l| why(l).contains("60 adresses")));
    assert!(held.iter().any(|l| why(l).contains("illisible")));
    assert!(
        held.iter()
            .any(|l| why(l).contains("ni celle de l'expéditeur"))
    );
    let text = env.ok(&["outbox"]);
    assert!(text.contains("! destinataire à vérifier"), "{text}");

    // The daemon's automatic run sends only what needs no review.
    env.ok(&["send", "--auto"]);
    let got = strictly_received(&server);
    assert_eq!(
        got.len(),
        letters.len() - held.len(),
        "only the unheld ones"
    );
    for (r, c) in &got {
        assert_eq!(r.rcpt_tos.len(), 1, "{:?}", r.rcpt_tos);
        assert_eq!(c.to(), r.rcpt_tos, "the To header is the envelope");
        assert!(c.cc().is_empty());
    }
    assert!(
        got.iter()
            .any(|(r, _)| r.rcpt_tos == ["claire.martin@mairie.example"])
    );

    // Staff's bulk send sends nothing held either, and says why.
    let out = env.run(&["send"]);
    assert_eq!(out.status.code(), Some(1), "something is left to review");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("destinataire à vérifier"), "{said}");
    assert!(said.contains("fiches outbox confirm"), "{said}");
    assert_eq!(server.count(), got.len());

    // Staff confirm one: the 60 addresses' letter goes to its sender alone.
    let sixty_letter = held
        .iter()
        .find(|l| why(l).contains("60 adresses"))
        .unwrap();
    let id = sixty_letter["id"].as_i64().unwrap().to_string();
    let confirmed = env.ok(&["outbox", "confirm", &id]);
    assert!(confirmed.contains("destinataire validé"), "{confirmed}");
    env.ok(&["send", &id]);
    let got = strictly_received(&server);
    let last = &got.last().unwrap().0;
    assert_eq!(last.rcpt_tos, ["sender60@mairie.example"]);
    // And no message ever went to an address the fiche smuggled in.
    for (r, _) in &got {
        for to in &r.rcpt_tos {
            assert!(!to.contains("evil") && !to.starts_with('p'), "{to}");
        }
        let head = String::from_utf8_lossy(&r.bytes);
        assert!(!head.contains("evil@example.net"));
    }
}

#[test]
fn every_kind_of_letter_passes_the_strict_parser_on_the_wire() {
    let server = SmtpServer::start(Options::default());
    let env = Env::new("acknowledge = true\n", &server.smtp_toml(FROM));
    let mut store = env.store();
    let ids: Vec<i64> = (0..4)
        .map(|i| {
            fiche_with_contact(
                &mut store,
                i,
                &format!("s{i}@mairie.example"),
                &format!("Hélène Dubois <h{i}@mairie.example>"),
            )
        })
        .collect();
    env.ok(&["send"]);
    decide(
        &mut store,
        ids[0],
        ProposalStatus::Accepted,
        Some(("14:00", "Espace A")),
        None,
        None,
    );
    decide(
        &mut store,
        ids[1],
        ProposalStatus::Waitlisted,
        None,
        None,
        None,
    );
    decide(
        &mut store,
        ids[2],
        ProposalStatus::Rejected,
        None,
        None,
        Some("hors du champ des Rencontres"),
    );
    env.ok(&["send"]);
    decide(
        &mut store,
        ids[0],
        ProposalStatus::Accepted,
        Some(("15:20", "Espace D")),
        None,
        None,
    );
    env.ok(&["send"]);
    decide(
        &mut store,
        ids[0],
        ProposalStatus::Withdrawn,
        None,
        None,
        None,
    );
    env.ok(&["send"]);
    let got = strictly_received(&server);
    // 4 acknowledgements, accepted, waiting list, refusal, slot changed, cancellation.
    assert_eq!(got.len(), 9);
    for (r, c) in &got {
        assert_eq!(c.to(), r.rcpt_tos);
        assert!(c.text().contains("Cités Unies France"), "{}", c.text());
        let ct = r.header("Content-Type").unwrap();
        assert!(
            ct.contains("text/plain") && ct.contains("charset=utf-8"),
            "{ct}"
        );
        assert!(r.header("Date").is_some() && r.header("Message-ID").is_some());
    }
}

/// `[publish]` with the partners, on a schedule, sent automatically.
fn partners_env(server: &SmtpServer, auto: bool) -> Env {
    let env = Env::new("acknowledge = false\n", &server.smtp_toml(FROM));
    let config = env.path().join("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    assert!(!text.contains("[publish]"));
    text.push_str(&format!(
        "\n[publish]\nschedule = \"lundi 08:00\"\n\
         partners = [\"Réseau des partenaires <listes@partenaires.example>\", \"veille@autre.example\"]\n\
         auto_send_publication = {auto}\ninternal_dir = \"interne\"\n"
    ));
    std::fs::write(&config, text).unwrap();
    env
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// What the daemon does once a minute: the scheduled publication, then
/// the automatic sending.
fn daemon_tick(env: &Env, now: &str) -> Option<fiches::commands::publish::Outcome> {
    let config = fiches::config::Config::load(&env.path().join("config.toml")).unwrap();
    let mut store = Store::open(env.db()).unwrap();
    let o = fiches::commands::publish::publish_if_due(&config, &mut store, at(now)).unwrap();
    fiches::commands::send::send_auto(&config, &mut store).unwrap();
    o
}

#[test]
fn the_partners_email_goes_once_per_changed_week_and_never_for_an_unchanged_one() {
    let server = SmtpServer::start(Options::default());
    let env = partners_env(&server, true);
    let mut store = env.store();
    let a = fiche_with_contact(&mut store, 1, "a@mairie.example", "");
    let b = fiche_with_contact(&mut store, 2, "b@mairie.example", "");
    let w = fiche_with_contact(&mut store, 3, "w@mairie.example", "");
    // The daemon's first start (Friday): it waits for the schedule.
    assert!(daemon_tick(&env, "2018-06-01T10:00:00Z").is_none());
    assert!(store.publications().unwrap().is_empty());
    decide(
        &mut store,
        a,
        ProposalStatus::Accepted,
        Some(("14:00", "Espace A")),
        None,
        None,
    );
    decide(&mut store, w, ProposalStatus::Waitlisted, None, None, None);
    // Still Friday, still waiting.
    assert!(daemon_tick(&env, "2018-06-01T16:00:00Z").is_none());
    assert_eq!(server.count(), 0);
    // Monday 08:00 Paris: publication n° 1, its e-mail sent to the partners.
    let o = daemon_tick(&env, "2018-06-04T06:01:00Z").expect("due");
    assert_eq!(o.number, Some(1));
    let got = strictly_received(&server);
    assert_eq!(got.len(), 1);
    let (r, c) = &got[0];
    let mut rcpts = r.rcpt_tos.clone();
    rcpts.sort();
    assert_eq!(
        rcpts,
        ["listes@partenaires.example", "veille@autre.example"]
    );
    assert_eq!(
        c.to(),
        ["rencontres@cuf.example"],
        "the partners are not shown"
    );
    assert_eq!(
        r.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    // The letters' typography: "n° 1" never broken, in the subject and the text.
    assert!(
        c.subject().contains("publication n°\u{a0}1"),
        "{}",
        c.subject()
    );
    assert!(c.text().contains("n°\u{a0}1"), "{}", c.text());
    let text = c.text().replace('\u{a0}', " ");
    assert!(text.contains("Commune numéro 1"), "{text}");
    assert!(!text.contains("Commune numéro 3"), "no one waiting: {text}");
    assert!(!text.contains("attente"), "{text}");
    // The first e-mail lists the programme (nothing is "added" to a list
    // they never saw), in lines a mail reader shows as they are.
    assert!(text.contains("Au programme à ce jour"), "{text}");
    assert!(!text.contains("Ajouté"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 78), "{text}");
    // Named with the publication's number: two weeks' files told apart.
    assert_eq!(
        c.attachments(),
        [
            "programme-publication-1.xlsx",
            "programme-publication-1.html"
        ]
    );
    assert!(
        text.contains("(programme-publication-1.xlsx, programme-publication-1.html)"),
        "{text}"
    );
    // "Au programme à ce jour :" is the heading: no "Programme" under it.
    assert!(!text.lines().any(|l| l == "Programme"), "{text}");
    // Later that week: nothing.
    assert!(daemon_tick(&env, "2018-06-05T09:00:00Z").is_none());
    // Next Monday, nothing changed: nothing published, sent or numbered.
    let o = daemon_tick(&env, "2018-06-11T06:01:00Z").expect("the week's run");
    assert_eq!((o.number, o.unchanged), (None, true));
    assert_eq!(server.count(), 1);
    // Only the waiting list moved: the public lists did not change.
    decide(&mut store, b, ProposalStatus::Waitlisted, None, None, None);
    let o = daemon_tick(&env, "2018-06-18T06:01:00Z").expect("the week's run");
    assert_eq!((o.number, o.unchanged), (None, true));
    assert!(daemon_tick(&env, "2018-06-18T07:01:00Z").is_none());
    assert_eq!(server.count(), 1);
    // A change: publication n° 2 (not 4), one e-mail, said since n° 1.
    decide(
        &mut store,
        b,
        ProposalStatus::Accepted,
        Some(("14:20", "Espace B")),
        None,
        None,
    );
    let o = daemon_tick(&env, "2018-06-25T06:01:00Z").expect("due");
    assert_eq!(o.number, Some(2));
    let got = strictly_received(&server);
    assert_eq!(got.len(), 2);
    let text = got[1].1.text().replace('\u{a0}', " ");
    assert!(
        text.contains("Changements depuis la publication n° 1"),
        "{text}"
    );
    assert!(text.contains("Ajouté : Commune numéro 2"), "{text}");
    assert!(!text.contains("Commune numéro 1"), "{text}");
    let recs = Store::open(env.db()).unwrap().publications().unwrap();
    assert_eq!(
        recs.iter().map(|r| r.number).collect::<Vec<_>>(),
        vec![1, 2]
    );
}

#[test]
fn without_auto_send_staff_review_the_partners_email_and_send_it() {
    let server = SmtpServer::start(Options::default());
    let env = partners_env(&server, false);
    let mut store = env.store();
    let a = fiche_with_contact(&mut store, 1, "a@mairie.example", "");
    decide(
        &mut store,
        a,
        ProposalStatus::Accepted,
        Some(("14:00", "Espace A")),
        None,
        None,
    );
    let out = env.ok(&["publish"]);
    assert!(out.contains("Envoi aux partenaires P1 préparé"), "{out}");
    // The daemon does not send it.
    let config = fiches::config::Config::load(&env.path().join("config.toml")).unwrap();
    fiches::commands::send::send_auto(&config, &mut Store::open(env.db()).unwrap()).unwrap();
    assert_eq!(server.count(), 0);
    let queued = env.outbox(&[]);
    let p = queued.iter().find(|l| l["kind"] == "partners").unwrap();
    assert_eq!(p["id"], "P1");
    assert!(p["problems"].as_array().unwrap().is_empty(), "{p}");
    let shown = env.ok(&["outbox", "show", "P1"]);
    assert!(shown.contains("Envoi aux partenaires P1"), "{shown}");
    // A second publication before it went: it replaces it (one e-mail).
    decide(
        &mut store,
        a,
        ProposalStatus::Accepted,
        Some(("15:00", "Espace C")),
        None,
        None,
    );
    env.ok(&["publish"]);
    env.ok(&["send", "P2"]);
    let got = strictly_received(&server);
    assert_eq!(got.len(), 1);
    assert!(
        got[0].1.text().contains("Au programme à ce jour"),
        "{}",
        got[0].1.text()
    );
    let all = env.outbox(&["--all"]);
    let states: Vec<(String, String)> = all
        .iter()
        .filter(|l| l["kind"] == "partners")
        .map(|l| {
            (
                l["id"].as_str().unwrap().to_string(),
                l["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("P1".into(), "replaced".into()),
            ("P2".into(), "sent".into())
        ]
    );
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let env = Env::new("acknowledge = true\n", "");
    let mut store = env.store();
    for i in 0..30 {
        let n = fiche_with_contact(&mut store, i, &format!("s{i}@mairie.example"), "");
        if i < 10 {
            decide(
                &mut store,
                n,
                ProposalStatus::Accepted,
                Some((
                    ["14:00", "14:20", "14:40", "15:00", "15:20"][i / 2],
                    ["Espace A", "Espace B"][i % 2],
                )),
                None,
                None,
            );
        }
    }
    for args in [
        vec!["publish"],
        vec!["outbox"],
        vec!["proposals"],
        vec!["programme"],
        vec!["article", "1"],
    ] {
        let mut child = env
            .command()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before a line is read (`| head -0`).
        drop(child.stdout.take());
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(!err.contains("panicked"), "fiches {args:?}: {err}");
        assert!(status.success(), "fiches {args:?}: {status:?} {err}");
    }
}
