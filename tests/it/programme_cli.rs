//! The scriptable programme, with the real binary in a temporary directory:
//! `fiches decide / undo / move / swap / programme / suggest`, exit codes
//! (0 done, 1 refused with a French reason, 2 usage), stable numbers across
//! a resubmission (the acknowledgement's number), and letters following
//! the truth (undo before sending sends nothing, a cancellation after an
//! acceptance went out, an edited letter set aside "à revoir", the rank
//! stated at the moment the letter is written).

use crate::support::outbox_env;

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
    let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("En effet, le projet est abandonné."),
        "{body}"
    );
    assert!(!body.contains("Motif"), "{body}");
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
    let body = new["body"].as_str().unwrap().replace('\u{a0}', " ");
    let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(
            "Comme vous nous l'avez indiqué, votre micro-atelier est retiré du programme."
        ) || flat.contains("En effet, le projet est abandonné."),
        "{body}"
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
                .contains(&format!("sous le numéro {n1} ;")),
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
    assert!(draft.contains(": à décider → 1"), "{draft}");
    assert!(!draft.contains("(placée)"), "{draft}");
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

/// The open letters of a proposal of a given kind (to send, or to review).
fn letter_of(e: &Env, number: i64, kind: &str, state: &str) -> Option<Value> {
    open_letters(e, number)
        .into_iter()
        .find(|l| l["kind"] == kind && l["state"] == state)
}

/// Rewrites a letter's text from a file, as staff would (`outbox edit --file`).
fn rewrite(e: &Env, id: i64, text: &str) {
    let file = e.path().join(format!("lettre-{id}.txt"));
    std::fs::write(&file, text).unwrap();
    e.ok(&[
        "outbox",
        "edit",
        &id.to_string(),
        "--file",
        file.to_str().unwrap(),
    ]);
}

/// Found by an outside tester: a waiting-list letter staff had edited, set
/// aside when the proposal was accepted, could be taken back and became
/// the only letter to send ("Elle est 4e sur la liste d'attente" to an
/// accepted proposal). A letter set aside comes back only if it is exactly
/// the letter the decision calls for now.
#[test]
fn a_letter_set_aside_cannot_come_back_when_it_contradicts_the_decision() {
    let e = env();
    ok_as(&e, "marie", &["decide", "35", "waitlist"]);
    let w = letter_of(&e, 35, "waitlisted", "pending").unwrap();
    let wid = w["id"].as_i64().unwrap();
    rewrite(
        &e,
        wid,
        "À : amelie@example.fr\nObjet : Liste d'attente\n\nElle est 1re sur la liste d'attente (texte de Marie).\n",
    );
    ok_as(
        &e,
        "marie",
        &[
            "decide", "35", "accept", "--slot", "14:40", "--place", "Espace C",
        ],
    );
    assert_eq!(
        e.outbox(&["--state", "review"])
            .iter()
            .find(|l| l["id"] == wid)
            .unwrap()["state"],
        "review"
    );
    let acc = letter_of(&e, 35, "accepted", "pending").unwrap();
    let (code, err) = fails_as(&e, "marie", &["outbox", "take-back", &wid.to_string()]);
    assert_eq!(code, 1, "refused, not an error");
    assert!(
        err.contains("ne peut pas être reprise telle quelle")
            && err.contains("retenue (14:40, Espace C)")
            && err.contains(&format!("lettre n° {} (acceptation)", acc["id"])),
        "{err}"
    );
    // Nothing changed: the acceptance is still the letter to send.
    let open = open_letters(&e, 35);
    let to_send: Vec<&Value> = open.iter().filter(|l| l["state"] == "pending").collect();
    assert_eq!(to_send.len(), 1, "{open:?}");
    assert_eq!(to_send[0]["id"], acc["id"]);
    // Back on the waiting list at the rank the text gives: it may come back.
    ok_as(&e, "marie", &["undo", "35"]);
    assert_eq!(proposal(&e, 35)["rank"], 1);
    let restored = open_letters(&e, 35);
    let pending: Vec<&Value> = restored
        .iter()
        .filter(|l| l["state"] == "pending")
        .collect();
    assert_eq!(pending.len(), 1, "{restored:?}");
    assert_eq!(pending[0]["id"], wid, "the undo puts staff's letter back");
}

/// Found by an outside tester: an edited waiting-list letter kept the rank
/// of the moment it was edited after the proposal moved up ("4e" in the
/// text, rank 3, "à envoyer", no problem). An edited letter whose rank no
/// longer holds is set aside "à revoir", and the letter to send says the
/// rank of the moment.
#[test]
fn an_edited_waiting_list_letter_never_goes_out_with_a_stale_rank() {
    let e = env();
    for n in ["14", "16", "17", "19"] {
        ok_as(&e, "marie", &["decide", n, "waitlist"]);
    }
    assert_eq!(proposal(&e, 19)["rank"], 4);
    let l = letter_of(&e, 19, "waitlisted", "pending").unwrap();
    let id = l["id"].as_i64().unwrap();
    let body = l["body"]
        .as_str()
        .unwrap()
        .replace("Madame, Monsieur,", "Chère amie,");
    assert!(body.contains("la 4e place"), "{body}");
    rewrite(
        &e,
        id,
        &format!(
            "À : {}\nObjet : {}\n\n{body}",
            l["to_text"].as_str().unwrap(),
            l["subject"].as_str().unwrap()
        ),
    );
    // n° 14 leaves the list: n° 19 is 3e.
    ok_as(&e, "marie", &["decide", "14", "accept"]);
    assert_eq!(proposal(&e, 19)["rank"], 3);
    let all = open_letters(&e, 19);
    let edited = all.iter().find(|l| l["id"] == id).unwrap();
    assert_eq!(edited["state"], "review", "{all:?}");
    assert!(
        edited["set_aside_why"]
            .as_str()
            .unwrap()
            .contains("le rang a changé : le texte modifié dit 4e, elle est maintenant 3e"),
        "{edited}"
    );
    let to_send: Vec<&Value> = all.iter().filter(|l| l["state"] == "pending").collect();
    assert_eq!(to_send.len(), 1, "{all:?}");
    assert!(
        to_send[0]["body"].as_str().unwrap().contains("la 3e place"),
        "{}",
        to_send[0]["body"]
    );
    assert_eq!(to_send[0]["problems"], serde_json::json!([]));
    // Taking it back is refused while the rank differs.
    let (code, err) = fails_as(&e, "marie", &["outbox", "take-back", &id.to_string()]);
    assert_eq!(code, 1);
    assert!(err.contains("le rang a changé"), "{err}");
}

/// Found by an outside tester: accepted then back to pending, or accepted
/// then withdrawn, before anything was sent: the acknowledgement and the
/// acceptance were both "remplacée", the proposer heard nothing. Back to
/// pending, the acknowledgement is to send again; a withdrawal says why
/// there is no letter.
#[test]
fn every_proposer_hears_back_or_staff_are_told_why_not() {
    let e = env();
    let ack = |n: i64| letter_of(&e, n, "acknowledgement", "pending");
    assert!(ack(2).is_some());
    ok_as(&e, "marie", &["decide", "2", "accept"]);
    assert!(ack(2).is_none(), "the acceptance says more");
    let out = ok_as(&e, "marie", &["decide", "2", "pending"]);
    assert!(out.contains("lettre à envoyer"), "{out}");
    let a = ack(2).expect("the acknowledgement is to send again");
    assert!(
        out.contains(&format!("n° {} (accusé de réception)", a["id"])),
        "{out}"
    );
    assert_eq!(open_letters(&e, 2).len(), 1);

    ok_as(&e, "marie", &["decide", "4", "accept"]);
    let out = ok_as(&e, "marie", &["decide", "4", "withdraw"]);
    assert!(
        out.contains("aucune lettre : un retrait se fait à la demande de l'organisation"),
        "{out}"
    );
    assert!(open_letters(&e, 4).is_empty(), "{:?}", open_letters(&e, 4));
    // Withdrawn straight from pending: the acknowledgement (which promises
    // a decision) does not go either.
    ok_as(&e, "marie", &["decide", "6", "withdraw"]);
    assert!(open_letters(&e, 6).is_empty(), "{:?}", open_letters(&e, 6));
    ok_as(&e, "marie", &["decide", "6", "pending"]);
    assert!(ack(6).is_some());
}

/// Found by an outside tester: the acknowledgement of a new version of an
/// accepted proposal promised a decision to come, next to the acceptance
/// letter. A new version of a decided proposal gets no acknowledgement:
/// the decision letter (written from the newest version) answers it.
#[test]
fn a_new_version_of_a_decided_proposal_gets_no_contradicting_acknowledgement() {
    let e = Env::new("acknowledge = true\n", "");
    let mut s = e.store();
    let first = store_fiche(&mut s, 1, "claire@lyon.example", "Ville de Lyon");
    let n = s.proposal(first).unwrap().number;
    ok_as(&e, "marie", &["decide", &n.to_string(), "accept"]);
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
    Store::open(e.db()).unwrap().ingest(&msg).unwrap();
    let open = open_letters(&e, n);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["kind"], "accepted");
    assert!(
        open[0]["body"].as_str().unwrap().contains("Projet corrigé"),
        "written from the new version: {}",
        open[0]["body"]
    );
    assert!(
        proposal(&e, n)["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "updated_after_decision")
    );
}

/// Found by an outside tester: `decide N accept` placed a proposal
/// elsewhere than its wanted slot, full, without saying so.
#[test]
fn accept_says_when_the_wanted_slot_was_full() {
    let e = env();
    for (n, place) in [
        ("2", "Espace A"),
        ("4", "Espace B"),
        ("8", "Espace C"),
        ("12", "Espace D"),
    ] {
        ok_as(
            &e,
            "marie",
            &["decide", n, "accept", "--slot", "14:00", "--place", place],
        );
    }
    let out = ok_as(&e, "marie", &["decide", "1", "accept"]);
    assert!(out.contains("retenue (14:20, Espace A)"), "{out}");
    assert!(
        out.contains("le créneau souhaité, 14:00, est complet ; placée à 14:20"),
        "{out}"
    );
}

/// Found by an outside tester: the suggestion placed every pending
/// proposal while CUF members waited on the list. The waiting list comes
/// first, in its order; no place stays free while someone waits.
#[test]
fn the_suggestion_places_the_waiting_list_first() {
    let e = env();
    // Members waiting (n° 2, 4, 8 are members); a place taken.
    for n in ["2", "4", "8"] {
        ok_as(&e, "marie", &["decide", n, "waitlist"]);
    }
    let json: Value = serde_json::from_str(&ok_as(&e, "marie", &["suggest", "--json"])).unwrap();
    let changes = json["changes"].as_array().unwrap();
    for n in [2, 4, 8] {
        let c = changes
            .iter()
            .find(|c| c["number"] == n)
            .unwrap_or_else(|| panic!("n° {n} not placed: {changes:?}"));
        assert!(!c["to"].is_null(), "n° {n} placed: {c}");
    }
    ok_as(&e, "marie", &["suggest", "--apply"]);
    let p = programme(&e);
    let free = p["micro_atelier"]["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["number"].is_null())
        .count();
    let waiting = p["micro_atelier"]["waitlist"].as_array().unwrap().len();
    assert!(free == 0 || waiting == 0, "{free} free, {waiting} waiting");
    for n in [2, 4, 8] {
        assert_eq!(proposal(&e, n)["status"], "accepted");
    }
}

/// Found by an outside tester: `fiches undo 15 | head -3` panicked
/// ("failed printing to stdout: Broken pipe"). Every command that prints
/// ends quietly when its reader went away.
#[test]
fn every_command_ends_quietly_on_a_closed_pipe() {
    let e = env();
    let inbox = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/inbox");
    let fiche = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/templates/fiche-micro-atelier.docx"
    );
    let commands: &[&[&str]] = &[
        &["decide", "1", "accept"],
        &["decide", "5", "accept"],
        &["move", "1", "--slot", "15:20", "--place", "Espace D"],
        &["swap", "1", "5"],
        &["undo", "1"],
        &["decide", "15", "waitlist"],
        &["undo", "15"],
        &["proposals"],
        &["proposals", "--json"],
        &["messages"],
        &["programme"],
        &["programme", "--json"],
        &["suggest"],
        &["suggest", "--json"],
        &["outbox"],
        &["outbox", "--json", "--all"],
        &["outbox", "show", "1"],
        &["import", inbox],
        &["parse", fiche],
        &["publish", "--draft", "brouillon"],
    ];
    for args in commands {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = e
            .command()
            .env("USER", "marie")
            .env_remove("SUDO_USER")
            .args(*args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe") && !err.contains("os error"),
            "fiches {args:?}: {err}"
        );
        assert_eq!(out.status.code(), Some(0), "fiches {args:?}: {err}");
    }
}
