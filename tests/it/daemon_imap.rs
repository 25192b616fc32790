//! `fiches daemon` (the real binary) against a real dovecot: the corpus
//! gives the same stored result as `fiches import`; each post-action,
//! including the MOVE fallback; UIDVALIDITY change; TLS refusal; IDLE
//! latency; the one-daemon lock; SIGTERM.

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::corpus;
use support::daemon::{DaemonEnv, terminate, wait_until};
use support::dovecot::{CertVariant, Dovecot, Options};
use support::small_message;
use support::synth_mail::synth_messages;

fn refs(v: &[Vec<u8>]) -> Vec<&[u8]> {
    v.iter().map(Vec::as_slice).collect()
}

/// Messages and proposals of a database, without what depends on where
/// and when they were stored (ids, source): messages by Message-ID,
/// proposals by (Message-ID, position in the message), links between
/// proposals by the same keys.
fn stored_result(env: &DaemonEnv) -> Value {
    let messages = env.json_lines(&["messages", "--json"]);
    let proposals = env.json_lines(&["proposals", "--json"]);
    let mid_of: BTreeMap<i64, String> = messages
        .iter()
        .map(|m| {
            (
                m["id"].as_i64().unwrap(),
                m["message_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut key_of: BTreeMap<i64, String> = BTreeMap::new();
    for m in &messages {
        for (i, p) in m["proposals"].as_array().unwrap().iter().enumerate() {
            key_of.insert(
                p.as_i64().unwrap(),
                format!("{}#{i}", m["message_id"].as_str().unwrap()),
            );
        }
    }
    let link = |v: &Value| v.as_i64().map(|id| json!(key_of[&id]));
    let mut out_m = serde_json::Map::new();
    for m in &messages {
        let mut m = m.clone();
        let o = m.as_object_mut().unwrap();
        o.remove("id");
        // The receipt time only the IMAP server knows (INTERNALDATE).
        o.remove("received_at");
        let n = o["proposals"].as_array().unwrap().len();
        o.insert("proposals".into(), json!(n));
        out_m.insert(o["message_id"].as_str().unwrap().to_string(), m);
    }
    let mut out_p = serde_json::Map::new();
    for p in &proposals {
        let mut p = p.clone();
        let id = p["id"].as_i64().unwrap();
        let o = p.as_object_mut().unwrap();
        o.remove("id");
        let mid = mid_of[&o["message_id"].as_i64().unwrap()].clone();
        o.insert("message_id".into(), json!(mid));
        for k in ["supersedes", "superseded_by"] {
            let v = link(&o[k]).unwrap_or(Value::Null);
            o.insert(k.into(), v);
        }
        out_p.insert(key_of[&id].clone(), p);
    }
    json!({"messages": out_m, "proposals": out_p})
}

#[test]
fn corpus_gives_the_same_result_as_import() {
    let d = Dovecot::start();
    let mails = corpus();
    assert_eq!(mails.len(), 14);
    let bytes: Vec<Vec<u8>> = mails.iter().map(|(_, b)| b.clone()).collect();
    d.append_all("INBOX", &refs(&bytes));

    let daemon = DaemonEnv::for_server(&d, "post_action = { add_keyword = \"$Fiches\" }");
    let summary = daemon.once();
    assert_eq!(summary.len(), 1);
    let s = &summary[0];
    assert_eq!(
        (
            s["stored"].as_u64(),
            s["duplicates"].as_u64(),
            s["post_actions"].as_u64()
        ),
        (Some(14), Some(0), Some(14)),
        "{s}"
    );
    assert_eq!(s["proposals"], 10, "{s}");

    let import = DaemonEnv::new("");
    let out = import.run(&[
        "import",
        "--quiet",
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/corpus/mail")
            .to_str()
            .unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let (a, b) = (stored_result(&daemon), stored_result(&import));
    assert_eq!(a["messages"].as_object().unwrap().len(), 14);
    assert_eq!(a["proposals"].as_object().unwrap().len(), 10);
    for (what, x, y) in [
        ("messages", &a["messages"], &b["messages"]),
        ("proposals", &a["proposals"], &b["proposals"]),
    ] {
        for (k, v) in x.as_object().unwrap() {
            assert_eq!(Some(v), y.get(k), "{what} {k} differs: daemon vs import");
        }
    }
    assert_eq!(a, b);
    // The source of each message is its IMAP URL.
    let src = daemon
        .query_text("SELECT source_ref FROM messages ORDER BY id LIMIT 1")
        .unwrap();
    assert!(
        src.starts_with("imap://staff@127.0.0.1/INBOX;UIDVALIDITY="),
        "{src}"
    );
    // Every message got the keyword, none was marked read.
    let flags = d.flags("INBOX");
    assert_eq!(flags.len(), 14);
    for (uid, f) in &flags {
        assert!(f.iter().any(|x| x == "$Fiches"), "{uid}: {f:?}");
        assert!(!f.iter().any(|x| x == "\\Seen"), "{uid}: {f:?}");
    }
    // A second pass finds nothing new and writes nothing.
    let s = &daemon.once()[0];
    assert_eq!(
        (s["new_uids"].as_u64(), s["stored"].as_u64()),
        (Some(0), Some(0))
    );
    let h = daemon
        .query_text("SELECT state || ' ' || pid FROM heartbeat")
        .unwrap();
    assert!(h.starts_with("stopped "), "{h}");
}

fn post_action_case(options: Options, action: &str, check: impl Fn(&Dovecot)) {
    let d = Dovecot::start_with(options);
    let msgs: Vec<Vec<u8>> = (0..4).map(small_message).collect();
    d.append_all("INBOX", &refs(&msgs));
    let env = DaemonEnv::for_server(&d, action);
    let s = &env.once()[0];
    assert_eq!(s["stored"], 4, "{s}");
    check(&d);
    // Messages arriving later get it too; nothing stays pending.
    let msgs: Vec<Vec<u8>> = (4..6).map(small_message).collect();
    d.append_all("INBOX", &refs(&msgs));
    let s = &env.once()[0];
    assert_eq!(s["stored"], 2, "{s}");
    check(&d);
    assert_eq!(env.query("SELECT count(*) FROM imap_pending_actions"), 0);
    assert_eq!(env.messages_stored(), 6);
}

fn check_moved(d: &Dovecot) {
    assert!(d.flags("INBOX").is_empty(), "INBOX: {:?}", d.flags("INBOX"));
    let moved = d.flags("Trait&AOk-es");
    assert!(!moved.is_empty());
    assert!(
        moved
            .iter()
            .all(|(_, f)| !f.iter().any(|x| x == "\\Deleted")),
        "{moved:?}"
    );
}

#[test]
fn post_action_move() {
    post_action_case(
        Options::default(),
        "post_action = { move_to = \"Traitées\" }",
        check_moved,
    );
}

#[test]
fn post_action_move_fallback_without_move() {
    post_action_case(
        Options {
            without_move: true,
            ..Options::default()
        },
        "post_action = { move_to = \"Traitées\" }",
        check_moved,
    );
}

#[test]
fn post_action_keyword() {
    post_action_case(
        Options::default(),
        "post_action = { add_keyword = \"$Fiches\" }",
        |d| {
            let f = d.flags("INBOX");
            assert!(
                f.iter().all(|(_, f)| f.iter().any(|x| x == "$Fiches")),
                "{f:?}"
            );
        },
    );
}

#[test]
fn post_action_flag() {
    post_action_case(
        Options::default(),
        "post_action = { add_flag = \"\\\\Seen\" }",
        |d| {
            let f = d.flags("INBOX");
            assert!(
                f.iter().all(|(_, f)| f.iter().any(|x| x == "\\Seen")),
                "{f:?}"
            );
        },
    );
}

#[test]
fn post_action_none() {
    post_action_case(Options::default(), "post_action = \"none\"", |d| {
        let f = d.flags("INBOX");
        assert!(f.iter().all(|(_, f)| f.is_empty()), "{f:?}");
    });
}

#[test]
fn uidvalidity_change_does_not_duplicate() {
    let d = Dovecot::start();
    let msgs = synth_messages(10, "uidvalidity.test");
    d.append_all("Fiches", &refs(&msgs));
    let env = DaemonEnv::for_server(
        &d,
        "mailbox = \"Fiches\"\npost_action = { add_keyword = \"$Fiches\" }",
    );
    let s1 = env.once()[0].clone();
    assert_eq!(s1["stored"], 10, "{s1}");

    // The mailbox recreated with the same messages and one more.
    let mut admin = d.admin();
    admin.delete("Fiches").unwrap();
    admin.create("Fiches").unwrap();
    admin.logout().unwrap();
    d.append_all("Fiches", &refs(&msgs));
    d.append_all("Fiches", &[&small_message(1)]);
    assert_ne!(
        d.uidvalidity("Fiches"),
        s1["uidvalidity"].as_u64().unwrap() as u32
    );

    let s2 = env.once()[0].clone();
    assert_eq!(s2["uidvalidity_changed"], true, "{s2}");
    assert_eq!(
        (
            s2["new_uids"].as_u64(),
            s2["stored"].as_u64(),
            s2["duplicates"].as_u64()
        ),
        (Some(11), Some(1), Some(10)),
        "{s2}"
    );
    assert_eq!(env.messages_stored(), 11);
    assert_eq!(
        env.query("SELECT count(DISTINCT message_id) FROM messages"),
        11
    );
    // The keyword is on every message of the new mailbox, old ones included.
    let f = d.flags("Fiches");
    assert_eq!(f.len(), 11);
    assert!(
        f.iter().all(|(_, f)| f.iter().any(|x| x == "$Fiches")),
        "{f:?}"
    );
    let s3 = env.once()[0].clone();
    assert_eq!(
        (s3["uidvalidity_changed"].as_bool(), s3["new_uids"].as_u64()),
        (Some(false), Some(0))
    );
}

#[test]
fn tls_certificate_for_another_host_is_refused_through_the_binary() {
    let d = Dovecot::start_with(Options {
        cert: CertVariant::OtherHost,
        ..Options::default()
    });
    d.append_all("INBOX", &[&small_message(1)]);
    let env = DaemonEnv::for_server(&d, "");
    let out = env.run(&["daemon", "--once"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("relève de staff@127.0.0.1/INBOX impossible")
            && stderr.contains("certificat TLS refusé pour 127.0.0.1")
            && stderr.contains("autre nom d'hôte"),
        "{stderr}"
    );
    assert!(!stderr.contains(support::dovecot::PASSWORD), "{stderr}");
    assert_eq!(env.messages_stored(), 0);
    // The console sees the error in the heartbeat.
    let e = env.query_text("SELECT last_error FROM heartbeat").unwrap();
    assert!(e.contains("certificat TLS refusé"), "{e}");
}

#[test]
fn plaintext_to_a_remote_host_is_refused_by_the_config_check() {
    let env = DaemonEnv::new(
        "[[sources]]\ntype = \"imap\"\nhost = \"192.0.2.7\"\ntls = \"plain\"\nallow_plaintext = true\n\
         username = \"u\"\npassword_env = \"X\"\n",
    );
    let out = env.run(&["daemon", "--once"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // A configuration error: not worth a restart (RestartPreventExitStatus=78).
    assert_eq!(out.status.code(), Some(78), "{stderr}");
    assert!(
        stderr.contains("en clair refusée vers 192.0.2.7"),
        "{stderr}"
    );
}

#[test]
fn no_source_is_a_clear_error() {
    let env = DaemonEnv::new("");
    let out = env.run(&["daemon", "--once"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(78), "{stderr}");
    assert!(stderr.contains("aucune source de courrier"), "{stderr}");
}

#[test]
fn message_arriving_while_idle_is_stored_within_5s() {
    let d = Dovecot::start();
    let env = DaemonEnv::for_server(&d, "post_action = { add_keyword = \"$Fiches\" }");
    let mut child = env.spawn();
    assert!(
        wait_until(Duration::from_secs(20), || env.state().as_deref()
            == Some("idle")),
        "the daemon never went idle:\n{}",
        env.logs()
    );
    // Let it settle into IDLE.
    std::thread::sleep(Duration::from_millis(300));
    let t = Instant::now();
    d.append_all(
        "INBOX",
        &synth_messages(1, "idle.test")
            .iter()
            .map(Vec::as_slice)
            .collect::<Vec<_>>(),
    );
    let stored = wait_until(Duration::from_secs(10), || env.messages_stored() == 1);
    let latency = t.elapsed();
    assert!(stored, "not stored:\n{}", env.logs());
    assert!(latency < Duration::from_secs(5), "stored after {latency:?}");
    eprintln!("IDLE latency: {latency:?}");
    // And a second one, on the re-issued IDLE.
    assert!(wait_until(Duration::from_secs(10), || env
        .state()
        .as_deref()
        == Some("idle")));
    std::thread::sleep(Duration::from_millis(300));
    let t = Instant::now();
    d.append_all("INBOX", &[&small_message(2)]);
    assert!(wait_until(Duration::from_secs(10), || env
        .messages_stored()
        == 2));
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "second after {:?}",
        t.elapsed()
    );

    // SIGTERM while idle: a prompt, clean exit.
    let t = Instant::now();
    let status = terminate(&mut child, Duration::from_secs(10)).expect("did not stop");
    assert!(status.success(), "{status:?}\n{}", env.logs());
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "stopped after {:?}",
        t.elapsed()
    );
    assert_eq!(env.state().as_deref(), Some("stopped"));
    let f = d.flags("INBOX");
    assert!(
        f.iter().all(|(_, f)| f.iter().any(|x| x == "$Fiches")),
        "{f:?}"
    );
    let logs = env.logs();
    assert!(!logs.contains(support::dovecot::PASSWORD));
    assert!(!logs.contains('\u{1b}'), "ANSI escapes off a terminal");
}

#[test]
fn a_second_daemon_on_the_same_database_is_refused() {
    let d = Dovecot::start();
    let env = DaemonEnv::for_server(&d, "");
    let mut first = env.spawn();
    assert!(
        wait_until(Duration::from_secs(20), || env.state().as_deref()
            == Some("idle")),
        "{}",
        env.logs()
    );
    for args in [&["daemon"][..], &["daemon", "--once"][..]] {
        let out = env.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("un autre démon fiches (pid {})", first.id()))
                && stderr.contains("un seul démon par base"),
            "{stderr}"
        );
    }
    let status = terminate(&mut first, Duration::from_secs(10)).expect("did not stop");
    assert!(status.success());
    // Released: a pass works now.
    assert_eq!(env.once()[0]["ok"], true);
}

#[test]
fn sigterm_during_a_batch_finishes_the_message_and_exits_cleanly() {
    let d = Dovecot::start();
    let msgs = synth_messages(150, "sigterm.test");
    d.append_all("INBOX", &refs(&msgs));
    let env = DaemonEnv::for_server(
        &d,
        "post_action = { move_to = \"Traitées\" }\nbatch_size = 10",
    );
    let mut child = env.spawn();
    assert!(
        wait_until(Duration::from_secs(30), || env.messages_stored() >= 5),
        "{}",
        env.logs()
    );
    let status = terminate(&mut child, Duration::from_secs(10)).expect("did not stop");
    assert!(status.success(), "{status:?}\n{}", env.logs());
    let stored = env.messages_stored();
    eprintln!("stored before SIGTERM: {stored} of 150");
    assert!(stored < 150, "the whole batch was done before the signal");
    // Whatever was stored was moved, nothing is pending.
    assert_eq!(env.query("SELECT count(*) FROM imap_pending_actions"), 0);
    assert_eq!(d.flags("Trait&AOk-es").len() as i64, stored);
    assert_eq!(d.flags("INBOX").len() as i64, 150 - stored);
    // The rest comes with the next pass, exactly once.
    let s = &env.once()[0];
    assert_eq!(s["stored"].as_i64(), Some(150 - stored), "{s}");
    assert_eq!(env.messages_stored(), 150);
    assert!(d.flags("INBOX").is_empty());
}
