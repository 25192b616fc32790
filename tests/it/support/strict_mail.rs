//! Every message the tests see checked by an independent parser: Python's
//! `email` package with the strict policy (`tests/it/support/check_mail.py`),
//! run from the test venv (`target/test-venv`, made by
//! `scripts/install-test-deps.sh`) or `python3`. Not the code that wrote
//! the messages.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The Python to run: the test venv's, else `python3`.
fn python() -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python3");
    if venv.is_file() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

/// What the strict parser read of one message.
#[derive(Debug, Clone)]
pub struct Checked {
    pub name: String,
    pub problems: Vec<String>,
    pub json: Value,
}

impl Checked {
    pub fn to(&self) -> Vec<String> {
        strings(&self.json["to"])
    }
    pub fn cc(&self) -> Vec<String> {
        strings(&self.json["cc"])
    }
    pub fn text(&self) -> String {
        self.json["text"].as_str().unwrap_or("").to_string()
    }
    pub fn subject(&self) -> String {
        self.json["subject"].as_str().unwrap_or("").to_string()
    }
    pub fn attachments(&self) -> Vec<String> {
        self.json["attachments"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x["name"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Checks `messages` (name, bytes) in one run of the checker.
pub fn check_all(messages: &[(String, Vec<u8>)]) -> Vec<Checked> {
    if messages.is_empty() {
        return Vec::new();
    }
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (i, (_, bytes)) in messages.iter().enumerate() {
        let p = dir.path().join(format!("{i:04}.eml"));
        std::fs::write(&p, bytes).unwrap();
        paths.push(p);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/support/check_mail.py");
    let out = Command::new(python())
        .arg(script)
        .args(&paths)
        .output()
        .expect("python3 for the strict e-mail checker");
    assert!(
        out.status.success(),
        "check_mail.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), messages.len());
    messages
        .iter()
        .zip(lines)
        .map(|((name, _), json)| Checked {
            name: name.clone(),
            problems: strings(&json["problems"]),
            json,
        })
        .collect()
}

/// Checks and fails the test on any problem, naming the message.
pub fn assert_conformant(messages: &[(String, Vec<u8>)]) -> Vec<Checked> {
    let checked = check_all(messages);
    for c in &checked {
        assert!(
            c.problems.is_empty(),
            "{} does not pass the strict parser: {:#?}",
            c.name,
            c.problems
        );
    }
    checked
}
