//! `fiches import`, `fiches messages`, `fiches proposals` as staff and scripts
//! use them: stable JSON fields, a summary, a bad message reported while the
//! run goes on, hostile text made inert, configuration found and its errors
//! explained.

use crate::support::common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{Env, corpus_mail};

fn keys(v: &serde_json::Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn json_lines_have_exactly_the_documented_fields() {
    let env = Env::new();
    env.import(&[&corpus_mail()]);
    let messages = env.messages();
    assert_eq!(messages.len(), 14);
    for m in &messages {
        assert_eq!(
            keys(m),
            set(&[
                "id",
                "message_id",
                "from",
                "subject",
                "date",
                "received_at",
                "effective_at",
                "status",
                "flags",
                "attachments",
                "proposals"
            ])
        );
        for a in m["attachments"].as_array().unwrap() {
            assert_eq!(
                keys(a),
                set(&["filename", "content_type", "size", "outcome"])
            );
        }
    }
    let with_attachment = messages
        .iter()
        .find(|m| m["from"] == "y.elamrani@chefchaouen.ma")
        .unwrap();
    assert_eq!(with_attachment["status"], "unsupported");
    assert_eq!(with_attachment["date"], "2018-05-22T09:30:00+02:00");
    assert_eq!(
        with_attachment["attachments"][0]["content_type"],
        "application/msword"
    );
    assert_eq!(with_attachment["attachments"][0]["size"], 30208);

    let proposals = env.proposals();
    for p in &proposals {
        assert_eq!(
            keys(p),
            set(&[
                "id",
                "number",
                "kind",
                "status",
                "slot",
                "space",
                "rank",
                "reason",
                "version",
                "fields",
                "warnings",
                "flags",
                "message_id",
                "revision",
                "supersedes",
                "superseded_by"
            ])
        );
        assert_eq!(p["status"], "pending");
        // message_id is the id of a message of `fiches messages`.
        let mid = p["message_id"].as_i64().unwrap();
        let m = messages
            .iter()
            .find(|m| m["id"] == mid)
            .expect("message of the proposal");
        assert!(m["proposals"].as_array().unwrap().contains(&p["id"]));
    }
}

#[test]
fn hostile_text_is_inert_in_human_output_and_escaped_in_json() {
    let env = Env::new();
    env.import(&[&corpus_mail().join("14-hostile-text.eml")]);
    let out = env.run(&["messages"]);
    assert!(out.status.success());
    assert!(
        !out.stdout.iter().any(|b| *b == 0x1b || *b == 0x07),
        "raw escape in human output"
    );
    let out = env.run(&["proposals"]);
    assert!(
        !out.stdout.iter().any(|b| *b == 0x1b || *b == 0x07),
        "raw escape in human output"
    );
    let out = env.run(&["messages", "--json"]);
    assert!(
        !out.stdout.iter().any(|b| *b == 0x1b || *b == 0x07),
        "raw escape in JSON"
    );
    let m: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        m["subject"].as_str().unwrap().contains('\u{1b}'),
        "stored as written"
    );
}

#[test]
fn one_unreadable_message_is_reported_and_the_run_goes_on() {
    let env = Env::new();
    let dir = env.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(
        corpus_mail().join("07-no-attachment.eml"),
        dir.join("a.eml"),
    )
    .unwrap();
    std::os::unix::fs::symlink(env.path().join("nowhere.eml"), dir.join("b.eml")).unwrap();
    std::fs::write(dir.join("c.eml"), b"\x00\xff garbage, not a mail \x00").unwrap();
    std::fs::write(dir.join("d.eml"), b"").unwrap();
    std::fs::copy(corpus_mail().join("08-auto-reply.eml"), dir.join("e.eml")).unwrap();
    let out = env.run(&["import", dir.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("5 messages lus : 4 nouveaux, 0 déjà enregistré, 1 en échec"),
        "{stdout}"
    );
    assert!(
        stdout.contains("b.eml"),
        "the failed file is named: {stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("b.eml"), "{stderr}");
    let statuses: Vec<String> = env
        .messages()
        .iter()
        .map(|m| m["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(statuses, ["no_fiche", "error", "error", "auto_reply"]);
}

#[test]
fn summary_as_json() {
    let env = Env::new();
    let out = env.run(&[
        "import",
        "--json",
        corpus_mail().join("08-auto-reply.eml").to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["messages"], 1);
    assert_eq!(v["new"], 1);
    assert_eq!(v["by_status"]["auto_reply"], 1);
    assert_eq!(v["by_status"]["fiche"], 0);
}

#[test]
fn import_without_paths_reads_the_configured_sources() {
    let env = Env::with_sources("[[sources]]\ntype = \"eml\"\npath = \"in\"\n");
    std::fs::create_dir(env.path().join("in")).unwrap();
    std::fs::copy(
        corpus_mail().join("07-no-attachment.eml"),
        env.path().join("in/x.eml"),
    )
    .unwrap();
    let out = env.run(&["import"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(env.messages().len(), 1);
    assert!(
        env.db().exists(),
        "database path of config.toml, relative to it"
    );
}

#[test]
fn db_flag_overrides_the_configuration() {
    let env = Env::new();
    let other = env.path().join("other.db");
    let out = env.run(&[
        "--db",
        other.to_str().unwrap(),
        "import",
        corpus_mail().join("07-no-attachment.eml").to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(other.exists());
    assert!(!env.db().exists());
}

#[test]
fn configuration_errors_name_the_file_and_the_problem() {
    let env = Env::new();
    let out = env.run(&["--config", "missing.toml", "messages"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("missing.toml"), "{err}");

    let bad = env.path().join("bad.toml");
    let text = std::fs::read_to_string(env.path().join("config.toml")).unwrap();
    std::fs::write(
        &bad,
        text.replace(
            "deadline = 2018-06-08T23:59:59+02:00",
            "deadline = \"le 8 juin\"",
        ),
    )
    .unwrap();
    let out = env.run(&["--config", bad.to_str().unwrap(), "import", "x"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("deadline"),
        "{err}"
    );
}

#[test]
fn configuration_is_found_in_the_xdg_directory() {
    let env = Env::new();
    let xdg = env.path().join("xdg/fiches");
    std::fs::create_dir_all(&xdg).unwrap();
    let text = std::fs::read_to_string(env.path().join("config.toml")).unwrap();
    std::fs::write(xdg.join("config.toml"), text).unwrap();
    std::fs::remove_file(env.path().join("config.toml")).unwrap();
    let out = env.run(&[
        "import",
        corpus_mail().join("07-no-attachment.eml").to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        xdg.join("fiches.db").exists(),
        "relative to the XDG config file"
    );
}

#[test]
fn a_maildir_is_read_and_its_flags_are_ignored() {
    let env = Env::new();
    let md = env.path().join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(md.join(sub)).unwrap();
    }
    std::fs::copy(
        corpus_mail().join("07-no-attachment.eml"),
        md.join("new/1526470200.M1P1.host"),
    )
    .unwrap();
    std::fs::copy(
        corpus_mail().join("08-auto-reply.eml"),
        md.join("cur/1526470201.M2P1.host:2,S"),
    )
    .unwrap();
    env.import(&[&md]);
    // The mail client marks a message read: same message, nothing new.
    std::fs::rename(
        md.join("new/1526470200.M1P1.host"),
        md.join("cur/1526470200.M1P1.host:2,RS"),
    )
    .unwrap();
    let summary = env.import(&[&md]);
    assert!(
        summary.contains("2 messages lus : 0 nouveau, 2 déjà enregistrés"),
        "{summary}"
    );
    assert_eq!(env.messages().len(), 2);
}

#[test]
fn late_is_read_against_the_configured_deadline() {
    let env = Env::new();
    let text = std::fs::read_to_string(env.path().join("config.toml")).unwrap();
    // Move the deadline before every corpus mail.
    std::fs::write(
        env.path().join("config.toml"),
        text.replace(
            "deadline = 2018-06-08T23:59:59+02:00",
            "deadline = 2018-05-01T00:00:00+02:00",
        ),
    )
    .unwrap();
    env.import(&[Path::new(&corpus_mail().join("07-no-attachment.eml"))]);
    assert_eq!(env.messages()[0]["flags"], serde_json::json!(["late"]));
}
