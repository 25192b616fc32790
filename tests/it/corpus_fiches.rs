//! Every fiche of the corpus (`fixtures/corpus/expected.json`) read by the real
//! binary (`fiches parse --json`) exactly as expected: every field compared,
//! blank forms give no values, DOC/PDF give `unsupported_format`, hostile
//! text is stored as written.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn corpus() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/corpus"))
}

fn parse_all() -> BTreeMap<String, Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_fiches"))
        .args(["parse", "--json"])
        .arg(corpus().join("fiches"))
        .output()
        .expect("run fiches");
    assert!(
        out.status.success(),
        "fiches parse failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8 output");
    stdout
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("one JSON object per line");
            let file = v["file"].as_str().expect("file").to_string();
            let name = Path::new(&file)
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            (name, v)
        })
        .collect()
}

#[test]
fn every_corpus_fiche_reads_as_expected() {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(corpus().join("expected.json")).unwrap())
            .unwrap();
    let got = parse_all();
    let mut failures = Vec::new();
    let fiches = expected["fiches"].as_object().unwrap();
    assert_eq!(got.len(), fiches.len(), "one JSON line per corpus file");
    for (name, want) in fiches {
        let Some(g) = got.get(name) else {
            failures.push(format!("{name}: no output"));
            continue;
        };
        if want["unsupported"].as_bool() == Some(true) {
            if g["error"]["code"] != "unsupported_format" {
                failures.push(format!(
                    "{name}: expected unsupported_format, got {}",
                    g["error"]
                ));
            }
            continue;
        }
        if !g["error"].is_null() {
            failures.push(format!("{name}: unexpected error {}", g["error"]));
            continue;
        }
        if g["kind"] != want["kind"] {
            failures.push(format!("{name}: kind {} != {}", g["kind"], want["kind"]));
        }
        let want_fields = want["fields"].as_object().unwrap();
        let got_fields = g["fields"].as_object().unwrap();
        for (k, v) in want_fields {
            if got_fields.get(k) != Some(v) {
                failures.push(format!(
                    "{name}: field {k}: got {:?}, want {v}",
                    got_fields.get(k)
                ));
            }
        }
        let hostile = want["category"] == "hostile_text";
        for k in got_fields.keys() {
            let allowed =
                want_fields.contains_key(k) || (hostile && want["contains"].get(k).is_some());
            if !allowed {
                failures.push(format!("{name}: unexpected field {k} = {}", got_fields[k]));
            }
        }
        if let Some(contains) = want["contains"].as_object() {
            for (k, sub) in contains {
                let v = got_fields
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if !v.contains(sub.as_str().unwrap()) {
                    failures.push(format!("{name}: field {k} = {v:?} should contain {sub}"));
                }
            }
        }
        if want["category"] == "blank" && !got_fields.is_empty() {
            failures.push(format!("{name}: blank form gave values"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatch(es):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn blank_templates_give_no_values() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/templates"));
    let out = Command::new(env!("CARGO_BIN_EXE_fiches"))
        .args(["parse", "--json"])
        .arg(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 4);
    for line in stdout.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert!(v["error"].is_null(), "{line}");
        assert!(v["kind"].is_string(), "{line}");
        assert_eq!(v["fields"].as_object().unwrap().len(), 0, "{line}");
        let file = v["file"].as_str().unwrap();
        let want = if file.contains("micro") {
            "micro_atelier"
        } else {
            "bourse_projets"
        };
        assert_eq!(v["kind"], want);
    }
}
