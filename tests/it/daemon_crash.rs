//! `fiches daemon` through failures, against a real dovecot:
//! - the server stopped in the middle of an intake and started again: the
//!   running daemon reconnects on its own, nothing lost or doubled;
//! - the daemon killed with SIGKILL at random moments of a 300-message
//!   intake, 30 times: after each kill the database is sound; at the end
//!   every message is stored exactly once and moved exactly once.

use crate::support;
use crate::support::seed::Rng;

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use support::daemon::{DaemonEnv, terminate, wait_until};
use support::dovecot::Dovecot;
use support::synth_mail::synth_messages;

const MOVED: &str = "Trait&AOk-es";

fn refs(v: &[Vec<u8>]) -> Vec<&[u8]> {
    v.iter().map(Vec::as_slice).collect()
}

/// The database is sound and every stored message is whole; returns the
/// number of messages.
fn check_consistent(env: &DaemonEnv) -> i64 {
    if !env.db().exists() {
        return 0;
    }
    let c = rusqlite::Connection::open(env.db()).unwrap();
    c.busy_timeout(Duration::from_secs(10)).unwrap();
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let q = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
    if q("PRAGMA user_version") == 0 {
        assert_eq!(
            q("SELECT count(*) FROM sqlite_schema"),
            0,
            "half a migration"
        );
        return 0;
    }
    assert_eq!(q("SELECT count(*) FROM pragma_foreign_key_check"), 0);
    let messages = q("SELECT count(*) FROM messages");
    assert_eq!(q("SELECT count(*) FROM message_raw"), messages);
    assert_eq!(
        q("SELECT count(DISTINCT message_id) FROM messages"),
        messages,
        "a message stored twice"
    );
    assert_eq!(
        q("SELECT count(*) FROM messages m WHERE m.status = 'fiche'
             AND NOT EXISTS (SELECT 1 FROM proposals p WHERE p.message_id = m.id)"),
        0,
        "a fiche message without its proposal"
    );
    // The watermark never runs ahead of what is stored: every UID up to it
    // is a stored message (the synthetic mails are all distinct).
    let last_uid = c
        .query_row("SELECT last_uid FROM sync_state", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap_or(0);
    assert!(
        last_uid <= messages,
        "watermark {last_uid} ahead of {messages} messages"
    );
    messages
}

fn check_all_done(env: &DaemonEnv, d: &Dovecot, ids: &BTreeSet<String>) {
    let n = ids.len();
    assert_eq!(check_consistent(env), n as i64);
    let c = rusqlite::Connection::open(env.db()).unwrap();
    let stored: BTreeSet<String> = c
        .prepare("SELECT message_id FROM messages")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(&stored, ids, "every message exactly once");
    assert_eq!(
        env.query("SELECT count(*) FROM imap_pending_actions"),
        0,
        "post-actions left pending"
    );
    assert!(
        d.flags("INBOX").is_empty(),
        "left in INBOX: {:?}",
        d.flags("INBOX")
    );
    assert_eq!(d.flags(MOVED).len(), n, "moved exactly once");
}

#[test]
fn server_stopped_mid_intake_then_restarted_the_daemon_recovers_alone() {
    let mut d = Dovecot::start();
    let msgs = synth_messages(200, "restart.test");
    d.append_all("INBOX", &refs(&msgs));
    let env = DaemonEnv::for_server(
        &d,
        "post_action = { move_to = \"Traitées\" }\nbatch_size = 20",
    );
    let mut child = env.spawn();
    assert!(
        wait_until(Duration::from_secs(30), || env.messages_stored() >= 10),
        "{}",
        env.logs()
    );
    d.stop();
    let at_stop = env.messages_stored();
    eprintln!("server stopped after {at_stop} messages");
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the daemon exited:\n{}",
        env.logs()
    );
    d.start_again();
    let more = synth_messages(220, "restart.test");
    d.append_all("INBOX", &refs(&more[200..]));
    let t = Instant::now();
    assert!(
        wait_until(Duration::from_secs(60), || env.messages_stored() == 220
            && env.query("SELECT count(*) FROM imap_pending_actions") == 0
            && env.state().as_deref() == Some("idle")),
        "not recovered: {} stored\n{}",
        env.messages_stored(),
        env.logs()
    );
    eprintln!("recovered in {:?}", t.elapsed());
    let status = terminate(&mut child, Duration::from_secs(10)).expect("did not stop");
    assert!(status.success());
    let ids: BTreeSet<String> = (0..220)
        .map(|i| format!("synth-{i}@restart.test"))
        .collect();
    check_all_done(&env, &d, &ids);
    assert!(env.query("SELECT errors FROM heartbeat") >= 1);
    let logs = env.logs();
    assert!(logs.contains("nouvel_essai_dans_s"), "{logs}");
    assert!(!logs.contains(support::dovecot::PASSWORD));
}

#[test]
fn sigkill_at_random_moments_never_loses_or_doubles_a_message() {
    const N: usize = 300;
    const KILLS: usize = 30;
    let d = Dovecot::start();
    let msgs = synth_messages(N, "crash.test");
    d.append_all("INBOX", &refs(&msgs));
    let env = DaemonEnv::for_server(
        &d,
        "post_action = { move_to = \"Traitées\" }\nbatch_size = 10",
    );

    let mut rng =
        Rng::for_test("daemon_crash::sigkill_at_random_moments_never_loses_or_doubles_a_message");
    let mut last = 0;
    let mut mid_intake_kills = 0;
    // The delay adapts so that the kills spread over the intake, whatever
    // the machine's speed.
    let mut max_delay_ms: u64 = 120;
    let started = Instant::now();
    for round in 0..KILLS {
        let mut child = env
            .command()
            .arg("daemon")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn fiches daemon");
        std::thread::sleep(Duration::from_millis(1 + rng.below(max_delay_ms)));
        let _ = child.kill(); // SIGKILL
        child.wait().unwrap();
        let n = check_consistent(&env);
        assert!(n >= last, "round {round}: {n} messages after {last}");
        let grew = (n - last) as usize;
        eprintln!("round {round}: delay ≤ {max_delay_ms} ms, +{grew} → {n}");
        if (n as usize) < N && grew > 0 {
            mid_intake_kills += 1;
        }
        let target = ((N - n as usize) / (KILLS - round)).max(1);
        if grew > 2 * target {
            max_delay_ms = (max_delay_ms * 6 / 10).max(20);
        } else if grew * 2 < target {
            max_delay_ms = max_delay_ms * 13 / 10 + 10;
        }
        last = n;
    }
    eprintln!(
        "{KILLS} kills in {:?}, {mid_intake_kills} in the middle of the intake, {last} of {N} stored",
        started.elapsed()
    );
    assert!(mid_intake_kills >= 5, "too few kills during the intake");

    // One last pass, uninterrupted.
    let s = &env.once()[0];
    assert_eq!(s["ok"], true, "{s}");
    let ids: BTreeSet<String> = (0..N).map(|i| format!("synth-{i}@crash.test")).collect();
    check_all_done(&env, &d, &ids);
}
