//! The outbox against a real SMTP server on loopback (aiosmtpd, started by
//! the harness): the corpus imported, decided, reviewed with `fiches outbox
//! --json`, sent with `fiches send`, and the messages the server received
//! read back — recipients, threading headers, text, `Auto-Submitted`,
//! nothing twice. Then TLS (STARTTLS required, implicit), login, failures
//! and retries, automatic acknowledgements, edits, the lock.

use crate::support::outbox_env;
use crate::support::smtp;
use crate::support::strict_mail;

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use fiches::outbox::SendLock;
use fiches::store::{LetterFilter, LetterState, ProposalFilter, ProposalStatus};
use outbox_env::{Env, FROM, decide, store_fiche};
use serde_json::Value;
use smtp::{Options, SmtpServer, Tls};

const ACK: &str = "acknowledge = true\n";

fn plain_server() -> SmtpServer {
    SmtpServer::start(Options::default())
}

fn by_message_id(server: &SmtpServer) -> BTreeMap<String, smtp::Received> {
    let mut map = BTreeMap::new();
    for r in server.received() {
        let id = r.message_id();
        assert!(
            map.insert(id.clone(), r).is_none(),
            "message {id} received twice"
        );
    }
    map
}

/// A letter's text as a reader sees it (non-breaking spaces as spaces).
fn plain(v: &Value) -> String {
    v.as_str().unwrap_or("").replace('\u{a0}', " ")
}

/// Every sent letter of `fiches outbox --json --all` was received once, as
/// shown: recipients, subject, text, threading, Auto-Submitted; and every
/// message passes an independent strict parser with MIME-Version.
fn check_received(env: &Env, server: &SmtpServer) -> usize {
    strict_mail::assert_conformant(
        &server
            .received()
            .iter()
            .map(|r| (r.file.display().to_string(), r.bytes.clone()))
            .collect::<Vec<_>>(),
    );
    let got = by_message_id(server);
    let sent: Vec<Value> = env.outbox(&["--state", "sent"]).into_iter().collect();
    assert_eq!(got.len(), sent.len(), "one message per sent letter");
    let store = fiches::store::Store::open(env.db()).unwrap();
    for l in &sent {
        let mid = l["message_id"].as_str().unwrap();
        let r = got
            .get(mid)
            .unwrap_or_else(|| panic!("letter {mid} not received"));
        let to: Vec<&str> = l["to"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let cc: Vec<&str> = l["cc"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(to.len(), 1, "one recipient per letter: {l}");
        let want: BTreeSet<String> = to.iter().chain(&cc).map(|s| s.to_lowercase()).collect();
        let have: BTreeSet<String> = r.rcpt_tos.iter().map(|s| s.to_lowercase()).collect();
        assert_eq!(have, want, "recipients of {mid}");
        assert_eq!(r.mail_from, "rencontres@cuf.example");
        assert_eq!(r.subject(), l["subject"].as_str().unwrap());
        assert_eq!(r.text(), l["body"].as_str().unwrap(), "text of {mid}");
        let stored = store.letter_bytes(l["id"].as_i64().unwrap()).unwrap();
        assert_eq!(
            stored.as_deref(),
            Some(&r.bytes[..]),
            "bytes of {mid} as recorded"
        );
        let irt = l["in_reply_to"].as_str().map(|s| format!("<{s}>"));
        assert_eq!(r.header("In-Reply-To"), irt, "In-Reply-To of {mid}");
        assert_eq!(r.header("References"), irt, "References of {mid}");
        let ack = l["kind"] == "acknowledgement";
        assert_eq!(
            r.header("Auto-Submitted").as_deref(),
            ack.then_some("auto-replied"),
            "Auto-Submitted of {mid}"
        );
        assert!(r.header("From").unwrap().contains("rencontres@cuf.example"));
        assert!(
            l["response"].as_str().unwrap().starts_with("250"),
            "{:?}",
            l["response"]
        );
    }
    got.len()
}

#[test]
fn corpus_import_decide_review_send_and_the_letters_arrive() {
    let server = plain_server();
    let env = Env::new(ACK, &server.smtp_toml(FROM));
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus/mail");
    env.ok(&["import", "-q", corpus.to_str().unwrap()]);

    // One acknowledgement per live proposal; none for the auto-reply.
    let mut store = env.store();
    let live = store
        .list_proposals(&ProposalFilter {
            live_only: true,
            ..ProposalFilter::default()
        })
        .unwrap();
    let letters = env.outbox(&[]);
    assert_eq!(letters.len(), live.len(), "{letters:#?}");
    let messages = env.json_lines(&["messages", "--json"]);
    let auto_reply = messages
        .iter()
        .find(|m| m["status"] == "auto_reply")
        .expect("the corpus has an auto-reply");
    for l in &letters {
        assert_eq!(l["kind"], "acknowledgement");
        assert_eq!(l["state"], "pending");
        assert!(l["problems"].as_array().unwrap().is_empty(), "{l}");
        assert!(!l["to"].as_array().unwrap().is_empty());
        assert!(plain(&l["body"]).contains("Nous avons bien reçu la fiche"));
        assert_ne!(l["in_reply_to"], auto_reply["message_id"]);
    }
    let nothing_yet = server.count();
    assert_eq!(nothing_yet, 0, "nothing goes before staff say so");

    // Decisions, as the console makes them.
    let micro: Vec<_> = live
        .iter()
        .filter(|p| p.kind == Some(fiches::fiche::Kind::MicroAtelier))
        .collect();
    let bourse: Vec<_> = live
        .iter()
        .filter(|p| p.kind == Some(fiches::fiche::Kind::BourseProjets))
        .collect();
    assert!(micro.len() >= 2 && !bourse.is_empty());
    decide(
        &mut store,
        micro[0].id,
        ProposalStatus::Accepted,
        Some(("14:00", "Espace A")),
        None,
        None,
    );
    decide(
        &mut store,
        micro[1].id,
        ProposalStatus::Waitlisted,
        None,
        Some(1),
        None,
    );
    decide(
        &mut store,
        bourse[0].id,
        ProposalStatus::Rejected,
        None,
        None,
        Some("la demande ne relève pas de la coopération décentralisée"),
    );
    let letters = env.outbox(&[]);
    assert_eq!(
        letters.len(),
        live.len(),
        "decision letters replace the acknowledgements"
    );
    let kind_of = |id: i64| -> String {
        letters
            .iter()
            .find(|l| l["proposal_id"] == id)
            .map(|l| l["kind"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(kind_of(micro[0].id), "accepted");
    assert_eq!(kind_of(micro[1].id), "waitlisted");
    assert_eq!(kind_of(bourse[0].id), "rejected");
    let accepted = letters.iter().find(|l| l["kind"] == "accepted").unwrap();
    assert!(plain(&accepted["body"]).contains("Horaire : 14h00 – 14h20"));
    assert!(plain(&accepted["body"]).contains("Lieu : Espace A, Pavillon d'Armenonville, Paris"));
    let w = letters.iter().find(|l| l["kind"] == "waitlisted").unwrap();
    assert!(plain(&w["body"]).contains("la 1re place"), "{}", w["body"]);
    let r = letters.iter().find(|l| l["kind"] == "rejected").unwrap();
    assert!(
        plain(&r["body"]).contains("En effet, la demande ne relève pas"),
        "{}",
        r["body"]
    );

    // The text view shows the same letters.
    let text = env.ok(&["outbox"]);
    assert!(
        text.contains("── Lettre n° ") && text.contains("Objet : "),
        "{text}"
    );
    assert!(text.contains("fiches send"));

    // Letters whose recipient the fiche makes doubtful wait for staff:
    // they confirm them (here, all) before sending.
    for l in letters.iter().filter(|l| !l["hold"].is_null()) {
        let id = l["id"].as_i64().unwrap().to_string();
        assert!(
            env.ok(&["outbox", "confirm", &id])
                .contains("destinataire validé")
        );
    }
    // Send: everything arrives once, as reviewed.
    let out = env.ok(&["send"]);
    assert!(
        out.contains(&format!("{} lettre(s) envoyée(s)", live.len())),
        "{out}"
    );
    assert_eq!(check_received(&env, &server), live.len());
    assert!(env.outbox(&[]).is_empty(), "the outbox is empty");

    // Sending again sends nothing.
    env.ok(&["send"]);
    assert_eq!(server.count(), live.len());

    // The accepted proposal moves: "créneau modifié", threaded too.
    decide(
        &mut store,
        micro[0].id,
        ProposalStatus::Accepted,
        Some(("14:20", "Espace B")),
        None,
        None,
    );
    let pending = env.outbox(&[]);
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["kind"], "slot_changed");
    let body = plain(&pending[0]["body"]);
    assert!(
        body.contains("Auparavant : 14h00 – 14h20, Espace A"),
        "{body}"
    );
    assert!(
        body.contains("Désormais : 14h20 – 14h40, Espace B"),
        "{body}"
    );
    env.ok(&["send"]);
    assert_eq!(check_received(&env, &server), live.len() + 1);

    let db = store
        .letters(&LetterFilter::default())
        .unwrap()
        .into_iter()
        .filter(|l| l.state == LetterState::Sent)
        .count();
    assert_eq!(db, live.len() + 1);
}

#[test]
fn starttls_required_with_a_private_ca_and_a_password_file() {
    let server = SmtpServer::start(Options {
        tls: Tls::Starttls,
        require_starttls: true,
        auth: true,
        ..Options::default()
    });
    let env = Env::new(ACK, &server.smtp_toml(FROM));
    let mut store = env.store();
    store_fiche(&mut store, 1, "claire@mairie.example", "Ville de Lyon");
    env.ok(&["send"]);
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert!(got[0].tls, "sent over TLS");
    assert_eq!(got[0].login.as_deref(), Some(smtp::USER));
    assert_eq!(got[0].rcpt_tos, ["claire@mairie.example"]);
}

#[test]
fn implicit_tls() {
    let server = SmtpServer::start(Options {
        tls: Tls::Implicit,
        ..Options::default()
    });
    let env = Env::new(ACK, &server.smtp_toml(FROM));
    let mut store = env.store();
    store_fiche(&mut store, 1, "claire@mairie.example", "Ville de Lyon");
    env.ok(&["send"]);
    assert!(server.received()[0].tls);
}

#[test]
fn a_server_without_starttls_gets_nothing_not_even_the_password() {
    let server = plain_server();
    let smtp = format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"starttls\"\nfrom = \"{FROM}\"\ntimeout = \"5s\"\n",
        server.port
    );
    let env = Env::new(ACK, &smtp);
    let mut store = env.store();
    store_fiche(&mut store, 1, "claire@mairie.example", "Ville de Lyon");
    let out = env.run(&["send"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("n'offre pas STARTTLS"), "{text}");
    assert_eq!(server.count(), 0);
    let l = &env.outbox(&[])[0];
    assert_eq!(l["state"], "pending");
    assert!(l["last_error"].as_str().unwrap().contains("STARTTLS"));
    assert!(l["next_attempt_at"].is_string());
    assert_eq!(l["attempts"], 1);
}

#[test]
fn plaintext_to_a_remote_host_is_refused_at_load() {
    let smtp = format!(
        "[smtp]\nhost = \"192.0.2.1\"\ntls = \"plain\"\nallow_plaintext = true\nfrom = \"{FROM}\"\n"
    );
    let env = Env::new(ACK, &smtp);
    let out = env.run(&["outbox"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("config.toml") && err.contains("en clair refusé"),
        "{err}"
    );
}

#[test]
fn temporary_failures_wait_and_permanent_ones_are_shown() {
    let server = SmtpServer::start(Options {
        tempfail_first: 1,
        reject_rcpt: vec!["nobody@mairie.example".into()],
        ..Options::default()
    });
    let env = Env::new(ACK, &server.smtp_toml(FROM));
    let mut store = env.store();
    store_fiche(&mut store, 1, "claire@mairie.example", "Ville de Lyon");
    store_fiche(&mut store, 2, "nobody@mairie.example", "Ville de Nantes");
    let out = env.run(&["send", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["outcome"], "retry");
    assert!(lines[0]["error"].as_str().unwrap().contains("451"));
    assert_eq!(lines[1]["outcome"], "failed");
    assert!(lines[1]["error"].as_str().unwrap().contains("550"));
    assert_eq!(server.count(), 0);

    let shown = env.ok(&["outbox"]);
    assert!(
        shown.contains("refusée par le serveur") && shown.contains("nouvelle tentative après"),
        "{shown}"
    );
    // Not due yet: nothing happens (and it says so); --now tries again.
    let out = env.run(&["send"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("prochaine tentative après"));
    assert_eq!(server.count(), 0);
    env.ok(&["send", "--now"]);
    assert_eq!(server.count(), 1);

    // The refused one: staff correct the address, then it goes.
    let failed = env.outbox(&["--state", "failed"]);
    let id = failed[0]["id"].as_i64().unwrap().to_string();
    let edited = env.dir.path().join("edit.txt");
    std::fs::write(
        &edited,
        format!(
            "À : Mairie de Nantes <contact@nantes.example>\nCc :\nObjet : {}\n\n{}",
            failed[0]["subject"].as_str().unwrap(),
            failed[0]["body"].as_str().unwrap()
        ),
    )
    .unwrap();
    env.ok(&["outbox", "edit", &id, "--file", edited.to_str().unwrap()]);
    let l = &env.outbox(&[])[0];
    assert_eq!(
        (l["state"].as_str(), l["edited"].as_bool()),
        (Some("pending"), Some(true))
    );
    assert_eq!(l["to"][0], "contact@nantes.example");
    env.ok(&["send"]);
    let got = server.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].rcpt_tos, ["contact@nantes.example"]);
    assert_eq!(check_received(&env, &server), 2);
}

#[test]
fn automatic_acknowledgements_and_nothing_else() {
    let server = plain_server();
    let env = Env::new(
        "acknowledge = true\nauto_acknowledge = true\n",
        &server.smtp_toml(FROM),
    );
    let mut store = env.store();
    let a = store_fiche(&mut store, 1, "a@mairie.example", "Ville A");
    store_fiche(&mut store, 2, "b@mairie.example", "Ville B");
    decide(
        &mut store,
        a,
        ProposalStatus::Accepted,
        Some(("14:00", "Espace A")),
        None,
        None,
    );
    env.ok(&["send", "--auto"]);
    let got = server.received();
    assert_eq!(got.len(), 1, "only the acknowledgement");
    assert_eq!(got[0].rcpt_tos, ["b@mairie.example"]);
    assert_eq!(
        got[0].header("Auto-Submitted").as_deref(),
        Some("auto-replied")
    );
    let left = env.outbox(&[]);
    assert_eq!(left.len(), 1);
    assert_eq!(
        (left[0]["kind"].as_str(), left[0]["approved"].as_bool()),
        (Some("accepted"), Some(false))
    );

    // Without auto_acknowledge, --auto approves nothing.
    let env = Env::new(ACK, &server.smtp_toml(FROM));
    let mut store = env.store();
    store_fiche(&mut store, 3, "c@mairie.example", "Ville C");
    env.ok(&["send", "--auto"]);
    assert_eq!(server.count(), 1);
    assert_eq!(env.outbox(&[]).len(), 1);
}

#[test]
fn edit_in_an_editor_drop_and_send_only_some() {
    let server = plain_server();
    let env = Env::new(ACK, &server.smtp_toml(FROM));
    let mut store = env.store();
    store_fiche(&mut store, 1, "a@mairie.example", "Ville A");
    store_fiche(&mut store, 2, "b@mairie.example", "Ville B");
    store_fiche(&mut store, 3, "c@mairie.example", "Ville C");
    let editor = env.dir.path().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nsed -i 's/^Madame, Monsieur,$/Madame la Maire,/' \"$1\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = env
        .command()
        .args(["outbox", "edit", "1"])
        .env("EDITOR", &editor)
        .env_remove("VISUAL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.ok(&["outbox", "drop", "2"]);
    env.ok(&["send", "1"]);
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert!(
        got[0].text().starts_with("Madame la Maire,\n"),
        "{}",
        got[0].text()
    );
    let left = env.outbox(&[]);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["id"], 3);
    let all: Vec<(i64, String)> = env
        .outbox(&["--all"])
        .iter()
        .map(|l| {
            (
                l["id"].as_i64().unwrap(),
                l["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        all,
        [
            (1, "sent".into()),
            (2, "dropped".into()),
            (3, "pending".into())
        ]
    );
    let shown = env.ok(&["outbox", "show", "1"]);
    let history = shown.split("Historique :").nth(1).unwrap_or_default();
    assert!(
        history.contains("  modifiée") && history.contains("  envoyée"),
        "{shown}"
    );
    assert!(!history.contains("edited"), "{shown}");
}

#[test]
fn one_sender_at_a_time() {
    let server = plain_server();
    let env = Env::new(ACK, &server.smtp_toml(FROM));
    let mut store = env.store();
    store_fiche(&mut store, 1, "a@mairie.example", "Ville A");
    let lock = SendLock::acquire(&env.db()).unwrap();
    let out = env.run(&["send"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("un autre envoi est en cours"));
    // The daemon's run just steps aside.
    assert!(env.run(&["send", "--auto"]).status.success());
    drop(lock);
    env.ok(&["send"]);
    assert_eq!(server.count(), 1);
}

#[test]
fn a_broken_template_stops_with_its_file_and_line() {
    let env = Env::new(ACK, "");
    let file = env.dir.path().join("letters/accepte.txt");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("{espace}", "{espase}")).unwrap();
    let out = env.run(&["outbox"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("accepte.txt, ligne 11") && err.contains("{espase}"),
        "{err}"
    );
    // Without [smtp], sending says what is missing.
    std::fs::write(&file, text).unwrap();
    let out = env.run(&["send"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("[smtp]"));
}
