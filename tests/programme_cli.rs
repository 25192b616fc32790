//! The scriptable programme, with the real binary in a temporary directory:
//! `fiches decide / undo / move / swap / programme / suggest`, exit codes
//! (0 done, 1 refused with a French reason, 2 usage), stable numbers across
//! a resubmission (the acknowledgement's number), and letters following
//! the truth (undo before sending sends nothing, a cancellation after an
//! acceptance went out, an edited letter set aside "à revoir", the rank
//! stated at the moment the letter is written).

#[path = "support/outbox_env.rs"]
mod outbox_env;

use std::process::Output;

use fiches::store::{Approve, Claim, LetterState, Store};
use outbox_env::{Env, store_fiche};
use serde_json::Value;

fn env() -> Env {
    let e = Env::new("acknowledge = true\n", "");
    e.ok(&[
        "import",
        concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/inbox"),
    ]);
    e
}

/// Runs as one of two staff. The journal names the real user's account
/// (or, from root, the account sudo names with its own `SUDO_UID`), so the
/// two people are two real accounts of every Debian system, reached the
/// way sudo does it (the tests run as root, as CI does).
fn run_as(e: &Env, user: &str, args: &[&str]) -> Output {
    let (account, uid) = account(user);
    e.command()
        .env("SUDO_USER", account)
        .env("SUDO_UID", uid)
        .args(args)
        .output()
        .expect("run fiches")
}

/// The system account playing `user`: "marie" is `daemon`, "paul" is `bin`.
fn account(user: &str) -> (&'static str, &'static str) {
    match user {
        "marie" => ("daemon", "1"),
        "paul" => ("bin", "2"),
        other => panic!("no account plays {other}"),
    }
}

fn ok_as(e: &Env, user: &str, args: &[&str]) -> String {
    let out = run_as(e, user, args);
    assert!(
        out.status.success(),
        "fiches {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Exit code and stderr of a command expected to fail.
fn fails_as(e: &Env, user: &str, args: &[&str]) -> (i32, String) {
    let out = run_as(e, user, args);
    assert!(!out.status.success(), "fiches {args:?} should fail");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn programme(e: &Env) -> Value {
    serde_json::from_str(&ok_as(e, "marie", &["programme", "--json"])).unwrap()
}

fn proposal(e: &Env, number: i64) -> Value {
    e.json_lines(&["proposals", "--json", "--live"])
        .into_iter()
        .find(|p| p["number"] == number)
        .unwrap_or_else(|| panic!("no proposal n° {number}"))
}

/// Letters of a proposal number that are not finished (to send, to review).
fn open_letters(e: &Env, number: i64) -> Vec<Value> {
    e.outbox(&[])
        .into_iter()
        .filter(|l| l["proposal_number"] == number)
        .collect()
}

/// Marks a letter as gone out (what `fiches send` records).
fn mark_sent(e: &Env, id: i64) {
    let mut s = Store::open(e.db()).unwrap();
    s.approve_letters(Approve::These(&[(id, None)]), "marie")
        .unwrap();
    let claim = Claim {
        message_id: &format!("l{id}@cuf.example"),
        to: "a@b.example",
        cc: "",
        subject: "s",
        body: "b",
        bytes: b"x",
    };
    assert!(s.claim_letter(id, &claim).unwrap());
    s.letter_sent(id, "250 ok", None).unwrap();
}

#[test]
fn decisions_exit_codes_and_the_programme_json() {
    let e = env();
    let out = ok_as(&e, "marie", &["decide", "1", "accept"]);
    assert!(
        out.contains("n° 1 (Ville de Grenoble) : retenue (14:00, Espace A)"),
        "{out}"
    );
    ok_as(&e, "marie", &["decide", "2", "accept", "--slot", "14:00"]);
    // A taken place, an unknown slot, a no-op, a stale version: refused (1).
    let (code, err) = fails_as(
        &e,
        "marie",
        &[
            "decide", "4", "accept", "--slot", "14:00", "--place", "Espace A",
        ],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("refusé : Espace A à 14:00 est déjà attribué à la proposition n° 1"),
        "{err}"
    );
    let (code, err) = fails_as(&e, "marie", &["decide", "4", "accept", "--slot", "09:00"]);
    assert_eq!(code, 1);
    assert!(err.contains("le créneau 09:00 n'existe pas"), "{err}");
    let (code, _) = fails_as(
        &e,
        "marie",
        &["decide", "1", "accept", "--place", "Espace A"],
    );
    assert_eq!(code, 1, "already there");
    let v = proposal(&e, 4)["version"].as_i64().unwrap();
    let (code, err) = fails_as(
        &e,
        "marie",
        &[
            "decide",
            "4",
            "waitlist",
            "--if-version",
            &(v + 1).to_string(),
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("modifiée entre-temps"), "{err}");
    ok_as(
        &e,
        "marie",
        &["decide", "4", "waitlist", "--if-version", &v.to_string()],
    );
    // Usage: a refusal without its reason, an unknown number.
    let (code, _) = fails_as(&e, "marie", &["decide", "5", "refuse"]);
    assert_eq!(code, 2);
    let (code, err) = fails_as(&e, "marie", &["decide", "999", "withdraw"]);
    assert_eq!(code, 2);
    assert!(err.contains("proposition n° 999 introuvable"), "{err}");

    let p = programme(&e);
    let micro = &p["micro_atelier"];
    assert_eq!(micro["slots"].as_array().unwrap().len(), 5);
    assert_eq!(micro["places"].as_array().unwrap().len(), 4);
    let cells = micro["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 20);
    assert_eq!(
        cells[0],
        serde_json::json!({"slot": "14:00", "place": "Espace A", "number": 1})
    );
    assert_eq!(cells[1]["number"], 2);
    assert_eq!(
        micro["waitlist"],
        serde_json::json!([{"number": 4, "rank": 1}])
    );
    assert_eq!(p["bourse_projets"]["cells"].as_array().unwrap().len(), 24);
    // The same rank everywhere: proposals, programme.
    assert_eq!(proposal(&e, 4)["rank"], 1);
    assert_eq!(proposal(&e, 4)["status"], "waitlisted");

    // Move, swap (also on a full slot), undo of a swap puts both back.
    ok_as(
        &e,
        "marie",
        &["move", "1", "--slot", "15:20", "--place", "Espace D"],
    );
    let (code, err) = fails_as(
        &e,
        "marie",
        &["move", "4", "--slot", "15:00", "--place", "Espace A"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("n'est pas retenue"), "{err}");
    ok_as(&e, "marie", &["swap", "1", "2"]);
    let p = programme(&e);
    let holder = |p: &Value, slot: &str, place: &str| {
        p["micro_atelier"]["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["slot"] == slot && c["place"] == place)
            .unwrap()["number"]
            .clone()
    };
    assert_eq!(holder(&p, "15:20", "Espace D"), 2);
    assert_eq!(holder(&p, "14:00", "Espace B"), 1);
    ok_as(&e, "marie", &["undo", "2"]);
    let p = programme(&e);
    assert_eq!(holder(&p, "15:20", "Espace D"), 1);
    assert_eq!(holder(&p, "14:00", "Espace B"), 2);
    // The journal names each change, and the undo.
    let journal = Store::open(e.db()).unwrap().undo_stack(1).unwrap();
    let actions: Vec<&str> = journal.iter().map(|l| l.action.as_str()).collect();
    assert_eq!(actions, ["decision", "moved"]);
}

#[test]
fn undo_restores_exactly_several_levels_deep_and_only_that_proposal() {
    let e = env();
    ok_as(&e, "marie", &["decide", "3", "accept"]);
    ok_as(
        &e,
        "marie",
        &["decide", "5", "refuse", "--reason", "Thème hors du champ"],
    );
    ok_as(&e, "marie", &["decide", "5", "accept", "--slot", "14:40"]);
    ok_as(&e, "marie", &["decide", "5", "waitlist"]);
    let before3 = proposal(&e, 3);
    // Three levels back on n° 5; n° 3, decided by the same person in
    // between, never moves.
    ok_as(&e, "marie", &["undo", "5"]);
    assert_eq!(proposal(&e, 5)["status"], "accepted");
    assert_eq!(proposal(&e, 5)["slot"], "14:40");
    let out = ok_as(&e, "marie", &["undo", "5"]);
    assert!(out.contains("motif : Thème hors du champ"), "{out}");
    let p5 = proposal(&e, 5);
    assert_eq!(p5["status"], "rejected");
    assert_eq!(
        p5["reason"], "Thème hors du champ",
        "the staff's reason, not a made-up one"
    );
    ok_as(&e, "marie", &["undo", "5"]);
    assert_eq!(proposal(&e, 5)["status"], "pending");
    let (code, err) = fails_as(&e, "marie", &["undo", "5"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("rien à annuler pour la proposition n° 5"),
        "{err}"
    );
    let after3 = proposal(&e, 3);
    assert_eq!(
        (
            &before3["status"],
            &before3["slot"],
            &before3["space"],
            &before3["version"]
        ),
        (
            &after3["status"],
            &after3["slot"],
            &after3["space"],
            &after3["version"]
        )
    );
    // Someone else's last decision is not undone behind their back.
    ok_as(&e, "paul", &["decide", "3", "waitlist"]);
    let (code, err) = fails_as(&e, "marie", &["undo", "3"]);
    assert_eq!(code, 1);
    assert!(err.contains("a été prise par bin le"), "{err}");
    assert!(err.contains("(liste d'attente)"), "{err}");
    assert_eq!(proposal(&e, 3)["status"], "waitlisted");
    ok_as(&e, "paul", &["undo", "3"]);
    assert_eq!(proposal(&e, 3)["status"], "accepted");
}

#[test]
fn letters_follow_the_truth() {
    let e = env();
    // Undo before anything was sent: nothing left to send.
    ok_as(&e, "marie", &["decide", "1", "accept"]);
    let l = open_letters(&e, 1);
    assert!(l.iter().any(|l| l["kind"] == "accepted"), "{l:?}");
    ok_as(&e, "marie", &["undo", "1"]);
    assert!(
        open_letters(&e, 1)
            .iter()
            .all(|l| l["kind"] == "acknowledgement"),
        "{:?}",
        open_letters(&e, 1)
    );

    // Refused after an acceptance went out: a cancellation, not a refusal.
    ok_as(&e, "marie", &["decide", "1", "accept"]);
    let acc = open_letters(&e, 1)
        .into_iter()
        .find(|l| l["kind"] == "accepted")
        .unwrap();
    mark_sent(&e, acc["id"].as_i64().unwrap());
    ok_as(
        &e,
        "marie",
        &[
            "decide",
            "1",
            "refuse",
            "--reason",
            "Le projet est abandonné",
        ],
    );
    let l = open_letters(&e, 1);
    let c = l
        .iter()
        .find(|l| l["kind"] == "cancellation")
        .unwrap_or_else(|| panic!("{l:?}"));
    let body = c["body"].as_str().unwrap().replace('\u{a0}', " ");
    assert!(body.contains("Horaire annoncé : 14h00 – 14h20"), "{body}");
    assert!(body.contains("Motif : Le projet est abandonné"), "{body}");
    assert!(c["subject"].as_str().unwrap().contains("annulation"));
    assert!(l.iter().all(|l| l["kind"] != "rejected"));
    // Withdrawn after the acceptance went: still a cancellation, the
    // staff's text being kept when they had edited it.
    let id = c["id"].as_i64().unwrap();
    let file = e.path().join("lettre.txt");
    std::fs::write(
        &file,
        "À : claire@example.fr\nObjet : Annulation\n\nTexte écrit par Marie.\n",
    )
    .unwrap();
    e.ok(&[
        "outbox",
        "edit",
        &id.to_string(),
        "--file",
        file.to_str().unwrap(),
    ]);
    ok_as(&e, "marie", &["decide", "1", "withdraw"]);
    let l = open_letters(&e, 1);
    let review = l
        .iter()
        .find(|l| l["id"] == id)
        .unwrap_or_else(|| panic!("{l:?}"));
    assert_eq!(review["state"], "review");
    assert_eq!(review["body"], "Texte écrit par Marie.\n");
    assert!(
        review["set_aside_why"]
            .as_str()
            .unwrap()
            .contains("décision changée")
    );
    let new = l
        .iter()
        .find(|l| l["kind"] == "cancellation" && l["state"] == "pending")
        .unwrap();
    assert!(
        new["body"]
            .as_str()
            .unwrap()
            .contains("retirée du programme")
    );
    // Taken back: the staff's letter is the one to send again.
    e.ok(&["outbox", "take-back", &id.to_string()]);
    let l = open_letters(&e, 1);
    assert_eq!(
        l.iter().find(|l| l["id"] == id).unwrap()["state"],
        "pending"
    );
    assert!(
        l.iter()
            .all(|x| x["id"] == id || x["kind"] != "cancellation")
    );
}

#[test]
fn a_waiting_list_letter_states_the_rank_of_the_moment() {
    let e = env();
    for n in ["2", "3", "4"] {
        ok_as(&e, "marie", &["decide", n, "waitlist"]);
    }
    let rank = |n: i64| proposal(&e, n)["rank"].as_i64().unwrap();
    let letter = |n: i64| {
        open_letters(&e, n)
            .into_iter()
            .find(|l| l["kind"] == "waitlisted")
            .unwrap()
    };
    // Micro-ateliers: n° 2 and n° 4 (n° 3 is a bourse request).
    let r4 = rank(4);
    let flat = |v: &Value| {
        v.as_str()
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let place = |r: i64| {
        format!(
            "occupe actuellement la {} place.",
            if r == 1 {
                "1re".to_string()
            } else {
                format!("{r}e")
            }
        )
    };
    assert!(flat(&letter(4)["body"]).contains(&place(r4)));
    // n° 2 leaves the list: n° 4's letter, not sent yet, says its new rank.
    ok_as(&e, "marie", &["decide", "2", "accept"]);
    let r4b = rank(4);
    assert_eq!(r4b, 1);
    let body = flat(&letter(4)["body"]);
    assert!(body.contains(&place(1)), "{body}");
    assert_eq!(letter(4)["rank"], 1);
}

#[test]
fn a_resubmission_keeps_its_number() {
    let e = Env::new("acknowledge = true\n", "");
    let mut s = e.store();
    let first = store_fiche(&mut s, 1, "claire@lyon.example", "Ville de Lyon");
    let other = store_fiche(&mut s, 2, "paul@pau.example", "Ville de Pau");
    let n1 = s.proposal(first).unwrap().number;
    let n2 = s.proposal(other).unwrap().number;
    assert_ne!(n1, n2);
    // The same sender and organisation send a corrected fiche, later.
    let mut p = fiches::store::NewProposal {
        kind: Some(fiches::fiche::Kind::MicroAtelier),
        ..Default::default()
    };
    for (k, v) in [
        ("organisation", "Ville de Lyon"),
        ("contact_email", "claire@lyon.example"),
        ("project_title", "Projet corrigé"),
    ] {
        p.fields
            .insert(k.into(), fiches::fiche::Value::Text(v.into()));
    }
    let msg = fiches::store::NewMessage {
        raw: b"Message-ID: <v2@lyon.example>\r\n\r\nv2".to_vec(),
        message_id: Some("v2@lyon.example".into()),
        from_addr: Some("claire@lyon.example".into()),
        date: Some("2018-06-03T09:00:00+02:00".into()),
        effective_at: Some("2018-06-03T07:00:00Z".into()),
        source_ref: "test:v2".into(),
        size: 10,
        status: fiches::store::MessageStatus::Fiche,
        attachments: vec![fiches::store::NewAttachment {
            part_path: "2".into(),
            filename: Some("fiche-v2.docx".into()),
            content_type: None,
            size: 1,
            sha256: "v2".into(),
            format: Some("DOCX".into()),
            outcome: fiches::store::AttachmentOutcome::Fiche,
            reason: None,
            proposal: Some(p),
        }],
        ..Default::default()
    };
    s.ingest(&msg).unwrap();
    let live = e.json_lines(&["proposals", "--json", "--live"]);
    let lyon: Vec<&Value> = live
        .iter()
        .filter(|p| p["fields"]["organisation"] == "Ville de Lyon")
        .collect();
    assert_eq!(lyon.len(), 1);
    assert_eq!(lyon[0]["number"], n1, "same number as the first fiche");
    assert_eq!(lyon[0]["revision"], 2);
    // Both acknowledgements tell the same number.
    let acks: Vec<Value> = e
        .outbox(&["--all"])
        .into_iter()
        .filter(|l| l["kind"] == "acknowledgement" && l["proposal_number"] == n1)
        .collect();
    assert!(!acks.is_empty());
    for a in &acks {
        assert!(
            a["body"]
                .as_str()
                .unwrap()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .contains(&format!("sous le numéro {n1},")),
            "{}",
            a["body"]
        );
    }
    // `fiches decide N` names it by that number.
    ok_as(&e, "marie", &["decide", &n1.to_string(), "waitlist"]);
    let st = Store::open(e.db()).unwrap();
    let p = st.proposal_by_number(n1).unwrap();
    assert_eq!(p.revision, 2);
    assert_eq!(p.status, fiches::domain::Status::Waitlisted);
    let _ = LetterState::Pending;
}

#[test]
fn suggest_draft_then_apply_as_one_step() {
    let e = env();
    let draft = ok_as(&e, "marie", &["suggest"]);
    assert!(draft.contains("Brouillon : rien n'est changé"), "{draft}");
    assert!(draft.contains("(placée)"), "{draft}");
    let p = programme(&e);
    assert!(
        p["micro_atelier"]["cells"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["number"].is_null())
    );
    let json: Value =
        serde_json::from_str(&ok_as(&e, "marie", &["suggest", "--json", "--apply"])).unwrap();
    let placed = json["applied"]["placed"].as_u64().unwrap();
    assert!(placed > 0, "{json}");
    let micro = &json["kinds"]["micro_atelier"];
    assert!(
        micro["honoured"].as_u64() >= micro["one_by_one"].as_u64(),
        "{micro}"
    );
    let p = programme(&e);
    let filled = p["micro_atelier"]["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["number"].is_null())
        .count();
    assert_eq!(filled, 20, "the sample inbox fills the micro-ateliers");
    // One undo takes the whole suggestion back.
    let first = json["changes"][0]["number"].as_i64().unwrap();
    let out = ok_as(&e, "marie", &["undo", &first.to_string()]);
    assert!(out.lines().count() as u64 >= placed, "{out}");
    let p = programme(&e);
    assert!(
        p["micro_atelier"]["cells"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["number"].is_null())
    );
    assert!(
        p["micro_atelier"]["waitlist"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
