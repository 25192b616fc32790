//! The same intake tests against the servers people really have: dovecot,
//! Cyrus 3.6, Courier-IMAP 5.0 and GNU Mailutils imap4d 3.15, as Debian
//! ships them (see `support::servers`), through the real `fiches` binary:
//! - exactly once under SIGKILLs, with `move_to` (MOVE, or COPY without it);
//! - each post-action (Mailutils keeps no keyword: refused at start);
//! - a wrong target folder refused at start, naming the folder and the
//!   name to use instead; the fixed configuration then works;
//! - a configuration fix frees the pending post-actions an older build
//!   left naming the wrong folder; `--reset-pending` drops them, journaled;
//! - new mail found where `UID SEARCH UID 1:*` answers nothing (Mailutils);
//! - a COPY (or MOVE) cut by a proxy right after the server did it: no
//!   duplicate in the target folder after the replay;
//! - IDLE: new mail stored within `poll_interval`, whatever the server's
//!   own IDLE does (Cyrus and Courier check every 60 s);
//! - a server restart: the running daemon recovers alone;
//! - a second database reading the same mailbox is reported.
//!
//! Lines `TABLE kind=… key=value` (with `--nocapture`) feed the closing
//! note's table per server.

use crate::support;

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;
use support::daemon::{DaemonEnv, imap_source_plain, lines, terminate, wait_until};
use support::proxy::Proxy;
use support::servers::{Kind, Server};
use support::small_message;
use support::synth_mail::synth_messages;

/// One test function per server.
macro_rules! on_every_server {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                use super::Kind;
                #[test]
                fn dovecot() {
                    super::$name(Kind::Dovecot)
                }
                #[test]
                fn cyrus() {
                    super::$name(Kind::Cyrus)
                }
                #[test]
                fn courier() {
                    super::$name(Kind::Courier)
                }
                #[test]
                fn mailutils() {
                    super::$name(Kind::Mailutils)
                }
            }
        )*
    };
}

on_every_server!(
    exactly_once_under_sigkills,
    each_post_action,
    wrong_target_folder_is_refused_at_start,
    config_fix_frees_pending_post_actions,
    new_mail_found_where_uid_search_finds_nothing,
    copy_cut_by_a_proxy_leaves_no_duplicate,
    idle_wakes_up_within_poll_interval,
    restart_recovery,
    without_uidplus_said_once_with_advice,
    a_second_database_on_the_same_mailbox_is_reported,
);

fn refs(v: &[Vec<u8>]) -> Vec<&[u8]> {
    v.iter().map(Vec::as_slice).collect()
}

fn table(kind: Kind, key: &str, value: impl std::fmt::Display) {
    eprintln!("TABLE kind={} {key}={value}", kind.name());
}

/// What a `move_to` needs on this server to leave the source empty: on
/// Mailutils (no UIDPLUS), a plain EXPUNGE, for a mailbox used by fiches
/// alone.
fn expunge_line(kind: Kind) -> &'static str {
    if kind.has_uidplus() {
        ""
    } else {
        "expunge_without_uidplus = true\n"
    }
}

fn move_line(s: &Server) -> String {
    format!(
        "post_action = {{ move_to = \"{}\" }}\n{}",
        s.folder("Traitées"),
        expunge_line(s.kind)
    )
}

/// `fiches daemon --once --json`: exit code, summary lines, stderr.
fn once(env: &DaemonEnv) -> (Option<i32>, Vec<Value>, String) {
    let out = env.run(&["daemon", "--once", "--json"]);
    (
        out.status.code(),
        lines(&out.stdout),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn once_ok(env: &DaemonEnv) -> Value {
    let (code, l, stderr) = once(env);
    assert_eq!(code, Some(0), "{l:?}\n{stderr}");
    l.into_iter().next().expect("one summary line")
}

fn stored_ids(env: &DaemonEnv) -> Vec<String> {
    let c = rusqlite::Connection::open(env.db()).unwrap();
    let mut v: Vec<String> = c
        .prepare("SELECT message_id FROM messages ORDER BY message_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    v.sort();
    v
}

fn pending(env: &DaemonEnv) -> i64 {
    env.query("SELECT count(*) FROM imap_pending_actions")
}

/// Every message exactly once: in the database, in the target folder, and
/// not any more in INBOX.
fn check_moved_exactly_once(s: &Server, env: &DaemonEnv, ids: &BTreeSet<String>) {
    let stored = stored_ids(env);
    assert_eq!(stored.len(), ids.len(), "stored: {stored:?}");
    assert_eq!(
        stored.iter().cloned().collect::<BTreeSet<_>>(),
        ids.iter()
            .map(|i| i.trim_matches(['<', '>']).to_string())
            .collect(),
        "every message exactly once in the database"
    );
    assert_eq!(pending(env), 0, "post-actions left pending");
    let target = s.message_ids(&s.folder_wire("Traitées"));
    let unique: BTreeSet<String> = target.iter().cloned().collect();
    assert_eq!(
        target.len(),
        unique.len(),
        "duplicates in the target folder: {target:?}"
    );
    assert_eq!(&unique, ids, "every message moved exactly once");
    let inbox = s.flags("INBOX");
    assert!(inbox.is_empty(), "left in INBOX: {inbox:?}");
}

/// xorshift64*: kill times.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        eprintln!("seed: {seed}");
        Rng(seed | 1)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

fn exactly_once_under_sigkills(kind: Kind) {
    const N: usize = 100;
    const KILLS: usize = 14;
    let s = Server::start(kind);
    let tag = format!("kill-{}.test", kind.name());
    s.append_all("INBOX", &refs(&synth_messages(N, &tag)));
    let env = DaemonEnv::for_server(&s, &format!("{}batch_size = 4\n", move_line(&s)));
    let mut rng = Rng::new();
    let (mut last, mut mid) = (0, 0);
    for round in 0..KILLS {
        let mut child = env
            .command()
            .arg("daemon")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn fiches daemon");
        // Killed while it works: once it stored a message, within the
        // next few milliseconds (a commit, a fetch, a COPY or MOVE, the
        // \Deleted flags, an EXPUNGE may be under way).
        wait_until(Duration::from_secs(5), || {
            env.messages_stored() as usize > last
        });
        std::thread::sleep(Duration::from_millis(rng.below(40)));
        let _ = child.kill();
        child.wait().unwrap();
        let n = env.messages_stored() as usize;
        assert!(n >= last, "round {round}: {n} after {last}");
        if n > last && n < N {
            mid += 1;
        }
        eprintln!("{}: round {round}: {n} stored", kind.name());
        last = n;
    }
    let r = once_ok(&env);
    eprintln!("{}: final pass {r}", kind.name());
    let ids: BTreeSet<String> = (0..N).map(|i| format!("<synth-{i}@{tag}>")).collect();
    check_moved_exactly_once(&s, &env, &ids);
    assert!(mid >= 3, "only {mid} kills in the middle of the intake");
    table(
        kind,
        "exactly_once",
        format!("{N}/{N} stored and moved once after {KILLS} SIGKILLs ({mid} mid-intake)"),
    );
}

fn each_post_action(kind: Kind) {
    let s = Server::start(kind);
    let cases = [
        ("move", move_line(&s)),
        (
            "keyword",
            "post_action = { add_keyword = \"$Fiches\" }\n".to_string(),
        ),
        (
            "flag",
            "post_action = { add_flag = \"\\\\Seen\" }\n".to_string(),
        ),
        ("none", "post_action = \"none\"\n".to_string()),
    ];
    let mut results = Vec::new();
    for (i, (label, action)) in cases.iter().enumerate() {
        let source = s.folder(&format!("Src{label}"));
        let wire = s.folder_wire(&format!("Src{label}"));
        let first: Vec<Vec<u8>> = (i * 10..i * 10 + 3).map(small_message).collect();
        s.append_all(&wire, &refs(&first));
        let env = DaemonEnv::for_server(&s, &format!("mailbox = \"{source}\"\n{action}"));
        if *label == "keyword" && !kind.has_keywords() {
            let (code, _, stderr) = once(&env);
            assert_eq!(code, Some(1), "{stderr}");
            assert!(
                stderr.contains("add_keyword") || stderr.contains("keyword:$Fiches"),
                "{stderr}"
            );
            assert!(stderr.contains("mot-clé"), "{stderr}");
            assert_eq!(env.messages_stored(), 0, "fetched before refusing");
            results.push(format!("{label}: refused at start (no keywords)"));
            continue;
        }
        let r = once_ok(&env);
        assert_eq!(r["stored"], 3, "{label}: {r}");
        let more: Vec<Vec<u8>> = (i * 10 + 3..i * 10 + 5).map(small_message).collect();
        s.append_all(&wire, &refs(&more));
        let r = once_ok(&env);
        assert_eq!(r["stored"], 2, "{label}: {r}");
        assert_eq!(pending(&env), 0, "{label}");
        assert_eq!(env.messages_stored(), 5);
        let left = s.flags(&wire);
        match *label {
            "move" => {
                assert!(left.is_empty(), "{label}: left {left:?}");
                assert_eq!(s.flags(&s.folder_wire("Traitées")).len(), 5);
            }
            "keyword" | "flag" => {
                let want = if *label == "keyword" {
                    "$Fiches"
                } else {
                    "\\Seen"
                };
                assert_eq!(left.len(), 5);
                assert!(
                    left.iter().all(|(_, f)| f.iter().any(|x| x == want)),
                    "{label}: {left:?}"
                );
            }
            _ => {
                assert_eq!(left.len(), 5);
                assert!(
                    left.iter().all(|(_, f)| f.iter().all(|x| x == "\\Recent")),
                    "{label}: {left:?}"
                );
            }
        }
        results.push(format!("{label}: ok"));
    }
    table(kind, "post_actions", results.join("; "));
}

/// A `move_to` folder this server refuses, and the advice expected.
fn wrong_folder(s: &Server) -> (String, Option<String>) {
    match s.kind {
        Kind::Cyrus | Kind::Courier => (
            "Traitées".into(),
            Some("move_to = \"INBOX.Traitées\"".into()),
        ),
        Kind::Dovecot => (
            "Fiches.Traitées".into(),
            Some("move_to = \"Fiches/Traitées\"".into()),
        ),
        // Mailutils creates whatever it is asked (even `../x`, outside the
        // mailbox): refused only when its storage cannot, here under a
        // name that is a file, not a folder.
        Kind::Mailutils => ("Archives/Traitées".into(), None),
    }
}

fn wrong_target_folder_is_refused_at_start(kind: Kind) {
    let s = Server::start(kind);
    let msgs: Vec<Vec<u8>> = (0..3).map(small_message).collect();
    s.append_all("INBOX", &refs(&msgs));
    let (wrong, advice) = wrong_folder(&s);
    if kind == Kind::Mailutils {
        std::fs::write(s.dir().join("mail/staff/Archives"), "").unwrap();
    }
    let env = DaemonEnv::for_server(
        &s,
        &format!(
            "post_action = {{ move_to = \"{wrong}\" }}\n{}",
            expunge_line(kind)
        ),
    );
    let (code, _, stderr) = once(&env);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains(&format!("« {wrong} »")), "{stderr}");
    if let Some(a) = &advice {
        assert!(stderr.contains(a.as_str()), "no advice {a}: {stderr}");
    }
    assert_eq!(
        env.messages_stored(),
        0,
        "fetched before the folder check: {stderr}"
    );
    // The daemon refuses to start, with the same words.
    let mut child = env.spawn();
    let t = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "still running:\n{}",
            env.logs()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    // 78 (EX_CONFIG): the unit's RestartPreventExitStatus, no restart loop.
    assert_eq!(status.code(), Some(78), "{}", env.logs());
    let logs = env.logs();
    assert!(logs.contains(&format!("« {wrong} »")), "{logs}");
    assert!(logs.contains("rien n'a été relevé"), "{logs}");
    assert_eq!(env.messages_stored(), 0);
    let hb = env
        .query_text("SELECT state || ' ' || last_error FROM heartbeat")
        .unwrap();
    assert!(hb.starts_with("stopped ") && hb.contains(&wrong), "{hb}");
    let first_line = stderr
        .lines()
        .find(|l| l.contains("refusé"))
        .unwrap_or_default()
        .to_string();
    // Fixed as advised: it works.
    env.set_sources(&support::daemon::imap_source(&s, &move_line(&s)));
    let r = once_ok(&env);
    assert_eq!(r["stored"], 3, "{r}");
    assert_eq!(s.flags(&s.folder_wire("Traitées")).len(), 3);
    table(kind, "wrong_folder", first_line.replace("fiches : ", ""));
}

fn config_fix_frees_pending_post_actions(kind: Kind) {
    let s = Server::start(kind);
    let msgs: Vec<Vec<u8>> = (0..4).map(small_message).collect();
    s.append_all("INBOX", &refs(&msgs));
    let env = DaemonEnv::for_server(&s, "post_action = \"none\"\n");
    assert_eq!(once_ok(&env)["stored"], 4);
    // What an older build left: moves to a folder the server refuses,
    // replayed (and failing) at every pass.
    let c = rusqlite::Connection::open(env.db()).unwrap();
    for (uid, _) in s.flags("INBOX") {
        c.execute(
            "INSERT INTO imap_pending_actions (account, mailbox, uidvalidity, uid, action, created_at)
             SELECT account, mailbox, uidvalidity, ?1, 'move:Traitées', '2026-03-01T10:00:00Z'
             FROM sync_state",
            [uid],
        )
        .unwrap();
    }
    drop(c);
    assert_eq!(pending(&env), 4);
    // The configuration fixed: the pending moves follow it.
    env.set_sources(&support::daemon::imap_source(&s, &move_line(&s)));
    let more: Vec<Vec<u8>> = (4..6).map(small_message).collect();
    s.append_all("INBOX", &refs(&more));
    let r = once_ok(&env);
    assert_eq!(
        (r["replayed"].as_u64(), r["stored"].as_u64()),
        (Some(4), Some(2)),
        "{r}"
    );
    assert_eq!(pending(&env), 0);
    assert!(s.flags("INBOX").is_empty(), "{:?}", s.flags("INBOX"));
    assert_eq!(s.message_ids(&s.folder_wire("Traitées")).len(), 6);

    // Or dropped by hand, journaled.
    env.set_sources(&support::daemon::imap_source(
        &s,
        "post_action = \"none\"\n",
    ));
    let more: Vec<Vec<u8>> = (6..8).map(small_message).collect();
    s.append_all("INBOX", &refs(&more));
    assert_eq!(once_ok(&env)["stored"], 2);
    let c = rusqlite::Connection::open(env.db()).unwrap();
    for (uid, _) in s.flags("INBOX") {
        c.execute(
            "INSERT INTO imap_pending_actions (account, mailbox, uidvalidity, uid, action, created_at)
             SELECT account, mailbox, uidvalidity, ?1, 'move:Traitées', '2026-03-01T10:00:00Z'
             FROM sync_state",
            [uid],
        )
        .unwrap();
    }
    drop(c);
    let out = env.run(&["daemon", "--reset-pending"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("2 post-actions en attente abandonnées (noté au journal)"),
        "{stdout}"
    );
    assert_eq!(pending(&env), 0);
    let j = env
        .query_text("SELECT before FROM journal WHERE action = 'imap_pending_reset'")
        .unwrap();
    assert!(j.contains("move:Traitées"), "{j}");
    table(
        kind,
        "config_fix",
        "4 pending moves to a refused folder done to the corrected one; --reset-pending journaled",
    );
}

fn new_mail_found_where_uid_search_finds_nothing(kind: Kind) {
    let s = Server::start(kind);
    let msgs: Vec<Vec<u8>> = (0..5).map(small_message).collect();
    s.append_all("INBOX", &refs(&msgs));
    let mut admin = s.admin();
    admin.select("INBOX").unwrap();
    let searched = admin.uid_search("UID 1:*").unwrap().len();
    let _ = admin.logout();
    if kind == Kind::Mailutils {
        // The server's own quirk, which the daemon must not depend on.
        assert_eq!(searched, 0);
    } else {
        assert_eq!(searched, 5);
    }
    let env = DaemonEnv::for_server(&s, "post_action = \"none\"\n");
    let r = once_ok(&env);
    assert_eq!(
        (
            r["ok"].as_bool(),
            r["new_uids"].as_u64(),
            r["stored"].as_u64()
        ),
        (Some(true), Some(5), Some(5)),
        "{r}"
    );
    assert_eq!(r["warnings"], serde_json::json!([]), "{r}");
    let r = once_ok(&env);
    assert_eq!(
        (r["new_uids"].as_u64(), r["stored"].as_u64()),
        (Some(0), Some(0))
    );
    table(
        kind,
        "discovery",
        format!("UID SEARCH UID 1:* gives {searched}/5; daemon stored 5/5"),
    );
}

fn copy_cut_by_a_proxy_leaves_no_duplicate(kind: Kind) {
    let s = Server::start(kind);
    let tag = format!("cut-{}.test", kind.name());
    s.append_all("INBOX", &refs(&synth_messages(6, &tag)));
    let proxy = Proxy::start(s.plain_port());
    proxy.cut_after(&["UID COPY", "UID MOVE"], 1);
    let env = DaemonEnv::new(&imap_source_plain(&s, proxy.port, &move_line(&s)));
    let (code, _, stderr) = once(&env);
    assert_eq!(proxy.cuts_done(), 1, "the proxy never cut: {stderr}");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("perdue") || stderr.contains("réseau"),
        "{stderr}"
    );
    // Stored, and the server did the copy; the daemon does not know.
    assert_eq!(env.messages_stored(), 6);
    assert_eq!(pending(&env), 6);
    assert_eq!(s.message_ids(&s.folder_wire("Traitées")).len(), 6);
    let r = once_ok(&env);
    eprintln!("{}: replay {r}", kind.name());
    let ids: BTreeSet<String> = (0..6).map(|i| format!("<synth-{i}@{tag}>")).collect();
    check_moved_exactly_once(&s, &env, &ids);
    assert_eq!(r["replayed"], 6, "{r}");
    table(
        kind,
        "cut_after_copy",
        format!(
            "cut after {}; replay: {} of 6 found already done, 0 duplicates",
            if kind.has_move() { "MOVE" } else { "COPY" },
            r["replay_already_done"]
        ),
    );
}

fn idle_wakes_up_within_poll_interval(kind: Kind) {
    let s = Server::start(kind);
    let env = DaemonEnv::for_server(&s, "post_action = \"none\"\npoll_interval = \"3s\"\n");
    let mut child = env.spawn();
    let mut latencies = Vec::new();
    for i in 0..3 {
        assert!(
            wait_until(Duration::from_secs(30), || env.state().as_deref()
                == Some("idle")),
            "never idle:\n{}",
            env.logs()
        );
        std::thread::sleep(Duration::from_millis(700));
        let t = Instant::now();
        s.append_all("INBOX", &[&small_message(i)]);
        assert!(
            wait_until(Duration::from_secs(20), || env.messages_stored()
                == i as i64 + 1),
            "not stored:\n{}",
            env.logs()
        );
        latencies.push(t.elapsed());
    }
    let status = terminate(&mut child, Duration::from_secs(10)).expect("did not stop");
    assert!(status.success(), "{}", env.logs());
    let max = latencies.iter().max().unwrap();
    eprintln!("{}: latencies {latencies:?}", kind.name());
    // The re-check every poll_interval bounds it, plus the pass itself.
    assert!(*max < Duration::from_secs(6), "{latencies:?}");
    table(
        kind,
        "idle_latency",
        format!(
            "{} (poll_interval 3 s)",
            latencies
                .iter()
                .map(|d| format!("{:.1} s", d.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
}

fn restart_recovery(kind: Kind) {
    let mut s = Server::start(kind);
    let tag = format!("restart-{}.test", kind.name());
    let msgs = synth_messages(14, &tag);
    s.append_all("INBOX", &refs(&msgs[..8]));
    // Plain IMAP on loopback: a BYE the server writes as it stops is not
    // lost with a TLS relay killed at the same moment (Courier's
    // couriertls).
    let env = DaemonEnv::new(&imap_source_plain(
        &s,
        s.plain_port(),
        &format!("{}poll_interval = \"5s\"\n", move_line(&s)),
    ));
    let mut child = env.spawn();
    assert!(
        wait_until(Duration::from_secs(30), || env.messages_stored() == 8
            && env.state().as_deref() == Some("idle")),
        "{}",
        env.logs()
    );
    // Well into its IDLE, as a restart usually finds it.
    std::thread::sleep(Duration::from_secs(1));
    s.stop();
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        child.try_wait().unwrap().is_none(),
        "exited:\n{}",
        env.logs()
    );
    s.start_again();
    let t = Instant::now();
    s.append_all("INBOX", &refs(&msgs[8..]));
    assert!(
        wait_until(Duration::from_secs(60), || env.messages_stored() == 14
            && pending(&env) == 0
            && env.state().as_deref() == Some("idle")),
        "not recovered:\n{}",
        env.logs()
    );
    let recovered = t.elapsed();
    let status = terminate(&mut child, Duration::from_secs(10)).expect("did not stop");
    assert!(status.success());
    let ids: BTreeSet<String> = (0..14).map(|i| format!("<synth-{i}@{tag}>")).collect();
    check_moved_exactly_once(&s, &env, &ids);
    let logs = env.logs();
    let bye = logs.contains("a fermé la session");
    // A BYE (planned restart) is a warning, never an error.
    for l in logs.lines().filter(|l| l.contains("a fermé la session")) {
        assert!(l.contains("WARN"), "{l}");
    }
    let errors: Vec<&str> = logs.lines().filter(|l| l.contains("ERROR")).collect();
    if bye {
        assert!(errors.is_empty(), "{logs}");
    }
    table(
        kind,
        "restart",
        format!(
            "recovered {:.1} s after restart; server said BYE: {}; {} error line(s) in the log{}",
            recovered.as_secs_f64(),
            if bye { "yes (logged as warning)" } else { "no" },
            errors.len(),
            errors
                .first()
                .map(|l| format!(", first: {}", l.split("ERROR").nth(1).unwrap_or(l).trim()))
                .unwrap_or_default()
        ),
    );
}

fn without_uidplus_said_once_with_advice(kind: Kind) {
    let s = Server::start(kind);
    let msgs: Vec<Vec<u8>> = (0..3).map(small_message).collect();
    s.append_all("INBOX", &refs(&msgs));
    // No expunge_without_uidplus here.
    let env = DaemonEnv::for_server(
        &s,
        &format!(
            "post_action = {{ move_to = \"{}\" }}\nbatch_size = 1\n",
            s.folder("Traitées")
        ),
    );
    let (code, l, stderr) = once(&env);
    assert_eq!(code, Some(0), "{stderr}");
    let warnings = l[0]["warnings"].as_array().unwrap().clone();
    let said = warnings
        .iter()
        .filter(|w| w.as_str().unwrap_or("").contains("UIDPLUS"))
        .count();
    let inbox = s.flags("INBOX");
    if kind.has_move() || kind.has_uidplus() {
        assert_eq!(said, 0, "{warnings:?}");
        assert!(inbox.is_empty(), "{inbox:?}");
    } else {
        // Once for three batches, with the advice.
        assert_eq!(said, 1, "{warnings:?}");
        let w = warnings
            .iter()
            .filter_map(|w| w.as_str())
            .find(|w| w.contains("UIDPLUS"))
            .unwrap();
        assert!(
            w.contains("add_keyword") && w.contains("expunge_without_uidplus = true"),
            "{w}"
        );
        assert_eq!(stderr.matches("UIDPLUS").count(), 1, "{stderr}");
        // Copied, flagged, left in place.
        assert_eq!(inbox.len(), 3);
        assert!(
            inbox
                .iter()
                .all(|(_, f)| f.iter().any(|x| x == "\\Deleted"))
        );
        assert_eq!(s.message_ids(&s.folder_wire("Traitées")).len(), 3);
        // A second pass copies nothing again.
        let r = once_ok(&env);
        assert_eq!(r["stored"], 0);
        assert_eq!(s.message_ids(&s.folder_wire("Traitées")).len(), 3);
    }
    table(
        kind,
        "uidplus",
        if said == 1 {
            "no MOVE nor UIDPLUS: said once at connect with the advice".to_string()
        } else {
            "has MOVE or UIDPLUS".to_string()
        },
    );
}

fn a_second_database_on_the_same_mailbox_is_reported(kind: Kind) {
    let s = Server::start(kind);
    let msgs: Vec<Vec<u8>> = (0..6).map(small_message).collect();
    s.append_all("INBOX", &refs(&msgs[..3]));
    let a = DaemonEnv::for_server(&s, &move_line(&s));
    let ra = once_ok(&a);
    assert_eq!(ra["stored"], 3);
    let mark_a = a
        .query_text("SELECT id FROM database_identity")
        .expect("database identity");
    // The mailbox's identity is in the database.
    let ident = a
        .query_text(
            "SELECT host || ' ' || username || ' ' || mailbox || ' ' || uidvalidity
             FROM imap_mailbox_identity",
        )
        .unwrap();
    assert!(
        ident.starts_with(&format!("127.0.0.1 {} INBOX ", kind.user())),
        "{ident}"
    );
    s.append_all("INBOX", &refs(&msgs[3..]));
    let b = DaemonEnv::for_server(&s, &move_line(&s));
    let rb = once_ok(&b);
    assert_eq!(rb["stored"], 3);
    let warnings = rb["warnings"].to_string();
    if kind.has_keywords() {
        assert!(
            warnings.contains("une autre base fiches") && warnings.contains(&mark_a[..8]),
            "{warnings}"
        );
        let hb = b.query_text("SELECT warning FROM heartbeat").unwrap();
        assert!(hb.contains("une autre base fiches"), "{hb}");
    } else {
        assert!(warnings.contains("ne serait pas repérée"), "{warnings}");
    }
    table(
        kind,
        "second_database",
        if kind.has_keywords() {
            "reported (mark on the last message of the target folder)"
        } else {
            "cannot be detected (no keywords): said at connect"
        },
    );
}
