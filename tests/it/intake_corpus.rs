//! The corpus mails (`fixtures/corpus/mail`) imported by the real binary into
//! a real SQLite file: every mail gets exactly the status, proposals (kind
//! and fields) and flags of `expected.json`; importing twice changes nothing;
//! importing in reverse order gives the same proposals and revision chains.

use crate::support::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use common::{Env, corpus, corpus_mail, message_id_of};
use serde_json::{Value, json};

fn expected_all() -> Value {
    let text = std::fs::read_to_string(corpus().join("expected.json")).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()
}

fn expected() -> Value {
    expected_all()["mail"].clone()
}

/// Fields of hostile fiches that `expected.json` checks by substring
/// (`fiches` → file → `contains`), by name of the field: they are not in the
/// mail's expected fields, and must contain the substring.
fn hostile_contains() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (_, f) in expected_all()["fiches"].as_object().unwrap() {
        for (k, v) in f["contains"].as_object().into_iter().flatten() {
            out.insert(k.clone(), v.as_str().unwrap().to_string());
        }
    }
    out
}

/// Mail file name → Message-ID.
fn ids_by_file() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(corpus_mail()).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let mid =
            message_id_of(&std::fs::read(&p).unwrap()).expect("corpus mails have a Message-ID");
        out.insert(name, mid);
    }
    out
}

fn mail_files() -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(corpus_mail())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn every_corpus_mail_gives_the_expected_status_proposals_and_flags() {
    let env = Env::new();
    let summary = env.import(&[&corpus_mail()]);
    assert!(
        summary.contains("14 messages lus : 14 nouveaux"),
        "{summary}"
    );

    let messages = env.messages();
    let proposals: BTreeMap<i64, Value> = env
        .proposals()
        .into_iter()
        .map(|p| (p["id"].as_i64().unwrap(), p))
        .collect();
    let by_mid: BTreeMap<String, &Value> = messages
        .iter()
        .map(|m| (m["message_id"].as_str().unwrap().to_string(), m))
        .collect();
    let ids = ids_by_file();
    let expected = expected();
    let contains = hostile_contains();
    let mut problems = Vec::new();

    for (file, exp) in expected.as_object().unwrap() {
        let mid = &ids[file];
        let Some(m) = by_mid.get(mid) else {
            problems.push(format!("{file}: not stored"));
            continue;
        };
        let status = m["status"].as_str().unwrap();
        let want = exp["status"].as_str().unwrap();
        let ok = if want == "error_or_rejected" {
            status == "error" || status == "rejected"
        } else {
            status == want
        };
        if !ok {
            problems.push(format!("{file}: status {status}, expected {want}"));
        }
        let flags: BTreeSet<&str> = m["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        let want_flags: BTreeSet<&str> = exp["flags"]
            .as_array()
            .map(|a| a.iter().map(|f| f.as_str().unwrap()).collect())
            .unwrap_or_default();
        if flags != want_flags {
            problems.push(format!("{file}: flags {flags:?}, expected {want_flags:?}"));
        }

        // Proposals: same (kind, fields), as a multiset.
        let got: Vec<Value> = m["proposals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| {
                let p = &proposals[&id.as_i64().unwrap()];
                let mut fields = p["fields"].as_object().unwrap().clone();
                let hostile = file.contains("hostile");
                for (k, sub) in &contains {
                    if hostile
                        && let Some(v) = fields.remove(k)
                        && !v.as_str().is_some_and(|v| v.contains(sub.as_str()))
                    {
                        problems.push(format!("{file}: {k} = {v} lacks {sub:?}"));
                    }
                }
                json!({"kind": p["kind"], "fields": fields})
            })
            .collect();
        let want: Vec<Value> = exp["proposals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| json!({"kind": p["kind"], "fields": p["fields"]}))
            .collect();
        let mut got_s: Vec<String> = got.iter().map(Value::to_string).collect();
        let mut want_s: Vec<String> = want.iter().map(Value::to_string).collect();
        got_s.sort();
        want_s.sort();
        if got_s != want_s {
            problems.push(format!(
                "{file}: proposals\n  got      {got_s:?}\n  expected {want_s:?}"
            ));
        }
        // The attachments the proposals come from were read as fiches.
        for p in exp["proposals"].as_array().unwrap() {
            let name = p["attachment"].as_str().unwrap();
            let found = m["attachments"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["filename"].as_str() == Some(name) && a["outcome"] == "fiche");
            if !found {
                problems.push(format!(
                    "{file}: attachment {name} not read as a fiche: {}",
                    m["attachments"]
                ));
            }
        }
        for name in exp["unsupported_attachments"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let found = m["attachments"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["filename"] == *name && a["outcome"] == "unsupported_format");
            if !found {
                problems.push(format!(
                    "{file}: attachment {name} not marked unsupported_format"
                ));
            }
        }
        // Resubmission: the earlier mail's proposal is an earlier revision.
        if let Some(earlier) = exp["supersedes"].as_str() {
            let earlier_m = by_mid[&ids[earlier]];
            let earlier_ids: BTreeSet<i64> = earlier_m["proposals"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect();
            for id in m["proposals"].as_array().unwrap() {
                let mut cur = proposals[&id.as_i64().unwrap()].clone();
                assert!(
                    cur["superseded_by"].is_null(),
                    "{file}: the resubmission is the live revision"
                );
                let mut reached = false;
                while let Some(prev) = cur["supersedes"].as_i64() {
                    if earlier_ids.contains(&prev) {
                        reached = true;
                        break;
                    }
                    cur = proposals[&prev].clone();
                }
                if !reached {
                    problems.push(format!(
                        "{file}: proposal {id} does not supersede a proposal of {earlier}"
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Everything the database says, ids and import times aside.
fn snapshot(env: &Env) -> (Vec<Value>, Vec<Value>) {
    (env.messages(), env.proposals())
}

#[test]
fn importing_twice_changes_nothing() {
    let env = Env::new();
    env.import(&[&corpus_mail()]);
    let before = snapshot(&env);
    let journal_before: i64 = rusqlite::Connection::open(env.db())
        .unwrap()
        .query_row("SELECT count(*) FROM journal", [], |r| r.get(0))
        .unwrap();
    let summary = env.import(&[&corpus_mail()]);
    assert!(
        summary.contains("14 messages lus : 0 nouveau, 14 déjà enregistrés"),
        "{summary}"
    );
    assert!(summary.contains("0 proposition créée"), "{summary}");
    assert_eq!(snapshot(&env), before);
    let journal_after: i64 = rusqlite::Connection::open(env.db())
        .unwrap()
        .query_row("SELECT count(*) FROM journal", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        journal_after, journal_before,
        "a duplicate writes nothing, not even to the journal"
    );
}

/// Proposals keyed by where they come from, links as Message-IDs, so two
/// databases built in different orders can be compared.
fn proposals_by_origin(env: &Env) -> BTreeSet<String> {
    let messages = env.messages();
    let mid_of_message: BTreeMap<i64, String> = messages
        .iter()
        .map(|m| {
            (
                m["id"].as_i64().unwrap(),
                m["message_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let proposals = env.proposals();
    let origin: BTreeMap<i64, String> = proposals
        .iter()
        .map(|p| {
            let mid = &mid_of_message[&p["message_id"].as_i64().unwrap()];
            (
                p["id"].as_i64().unwrap(),
                format!("{mid}/{}", p["fields"]["organisation"]),
            )
        })
        .collect();
    let link = |v: &Value| v.as_i64().map(|id| origin[&id].clone());
    // Numbers are given in import order: a warning naming « n° N » names
    // the live revision of that number, by its origin.
    let by_number: BTreeMap<i64, String> = proposals
        .iter()
        .filter(|p| p["superseded_by"].is_null())
        .map(|p| {
            (
                p["number"].as_i64().unwrap(),
                origin[&p["id"].as_i64().unwrap()].clone(),
            )
        })
        .collect();
    let named = |w: &Value| -> Value {
        let text = w.to_string();
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("n° ") {
            out.push_str(&rest[..at + "n° ".len()]);
            rest = &rest[at + "n° ".len()..];
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            match rest[..digits]
                .parse::<i64>()
                .ok()
                .and_then(|n| by_number.get(&n))
            {
                Some(o) => out.push_str(&format!("[{}]", o.replace('"', "'"))),
                None => out.push_str(&rest[..digits]),
            }
            rest = &rest[digits..];
        }
        out.push_str(rest);
        serde_json::from_str(&out).unwrap()
    };
    proposals
        .iter()
        .map(|p| {
            json!({
                "origin": origin[&p["id"].as_i64().unwrap()],
                "kind": p["kind"], "status": p["status"], "fields": p["fields"], "warnings": named(&p["warnings"]),
                "flags": p["flags"], "revision": p["revision"],
                "supersedes": link(&p["supersedes"]), "superseded_by": link(&p["superseded_by"]),
            })
            .to_string()
        })
        .collect()
}

#[test]
fn importing_in_reverse_order_gives_the_same_proposals() {
    let files = mail_files();
    let forward = Env::new();
    forward.import(&files.iter().map(PathBuf::as_path).collect::<Vec<_>>());
    let backward = Env::new();
    // One run per file, newest first: each message is stored before the older ones.
    for f in files.iter().rev() {
        backward.import(&[f]);
    }
    let a = proposals_by_origin(&forward);
    let b = proposals_by_origin(&backward);
    assert!(!a.is_empty());
    assert_eq!(a, b);
}
