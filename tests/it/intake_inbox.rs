//! The sample inbox (`fixtures/inbox`, a Maildir of 50 replies written by
//! `scripts/sample/make_inbox.py`) imported by the real binary, compared with
//! its `MANIFEST.json`: status, late flag, proposals (kind and every field),
//! the sender fallback for a missing contact email, resubmissions, and the
//! number of live proposals once resubmissions replaced earlier fiches.

use crate::support::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::Env;
use serde_json::{Value, json};

fn inbox() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/inbox"))
}

#[test]
fn the_sample_inbox_is_read_as_its_manifest_says() {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(inbox().join("MANIFEST.json")).unwrap())
            .unwrap();
    let env = Env::new();
    let summary = env.import(&[inbox()]);
    assert!(
        summary.contains("50 messages lus : 50 nouveaux"),
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
        .map(|m| (format!("<{}>", m["message_id"].as_str().unwrap()), m))
        .collect();
    let mut problems = Vec::new();

    for (file, exp) in manifest["messages"].as_object().unwrap() {
        let mid = exp["message_id"].as_str().unwrap();
        let Some(m) = by_mid.get(mid) else {
            problems.push(format!("{file}: not stored"));
            continue;
        };
        if m["status"] != exp["status"] {
            problems.push(format!(
                "{file}: status {}, expected {}",
                m["status"], exp["status"]
            ));
        }
        let flags: BTreeSet<&str> = m["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        if flags.contains("late") != exp["late"].as_bool().unwrap() {
            problems.push(format!("{file}: flags {flags:?}, late = {}", exp["late"]));
        }
        if let Some(extra) = flags.iter().find(|f| **f != "late") {
            problems.push(format!("{file}: unexpected message flag {extra}"));
        }

        let got: Vec<&Value> = m["proposals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| &proposals[&id.as_i64().unwrap()])
            .collect();
        let want = exp["proposals"].as_array().cloned().unwrap_or_default();
        if got.len() != want.len() {
            problems.push(format!(
                "{file}: {} proposals, expected {}",
                got.len(),
                want.len()
            ));
            continue;
        }
        // Proposals come in attachment order, as the manifest lists them.
        for (p, w) in got.iter().zip(&want) {
            if p["kind"] != w["kind"] {
                problems.push(format!("{file}: kind {} expected {}", p["kind"], w["kind"]));
            }
            let mut fields = p["fields"].as_object().unwrap().clone();
            for a in w["ambiguous"].as_array().into_iter().flatten() {
                // Two options marked: whatever is kept, it is not one clean choice,
                // and a warning names the field.
                fields.remove(a.as_str().unwrap());
                let warned = p["warnings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x["field"] == *a);
                if !warned {
                    problems.push(format!("{file}: no warning for ambiguous {a}"));
                }
            }
            let fallback = exp["note"]
                .as_str()
                .is_some_and(|n| n.contains("no Courriel"));
            if fallback {
                // Not on the fiche: the sender's address, checked below.
                fields.remove("contact_email");
            }
            if Value::Object(fields.clone()) != w["fields"] {
                let want_f = w["fields"].as_object().unwrap();
                let diff: Vec<String> = fields
                    .iter()
                    .filter(|(k, v)| want_f.get(*k) != Some(v))
                    .map(|(k, v)| format!("{k}: got {v}, expected {:?}", want_f.get(k)))
                    .chain(
                        want_f
                            .iter()
                            .filter(|(k, _)| !fields.contains_key(*k))
                            .map(|(k, v)| format!("{k}: missing, expected {v}")),
                    )
                    .collect();
                problems.push(format!("{file}: fields differ: {}", diff.join("; ")));
            }
            let pflags: BTreeSet<&str> = p["flags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap())
                .collect();
            if pflags.contains("contact_email_from_sender") != fallback {
                problems.push(format!("{file}: proposal flags {pflags:?}"));
            }
            if fallback && p["fields"]["contact_email"] != exp["from"] {
                problems.push(format!(
                    "{file}: contact_email {} instead of the sender",
                    p["fields"]["contact_email"]
                ));
            }
        }

        if let Some(earlier) = exp["supersedes_message_id"].as_str() {
            let earlier_ids: BTreeSet<i64> = by_mid[earlier]["proposals"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect();
            for p in &got {
                let mut cur = (*p).clone();
                let mut reached = false;
                while let Some(prev) = cur["supersedes"].as_i64() {
                    if earlier_ids.contains(&prev) {
                        reached = true;
                        break;
                    }
                    cur = proposals[&prev].clone();
                }
                if !reached {
                    problems.push(format!("{file}: does not supersede {earlier}"));
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

    // Live proposals by kind, once resubmissions replaced earlier fiches.
    let mut live: BTreeMap<String, u64> = BTreeMap::new();
    for p in proposals.values().filter(|p| p["superseded_by"].is_null()) {
        *live
            .entry(p["kind"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(
        json!(live),
        manifest["summary"]["proposals_after_resubmissions"]
    );
}
