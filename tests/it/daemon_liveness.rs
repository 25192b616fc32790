//! `fiches daemon` (the real binary) staying honest about its health,
//! against a real dovecot:
//! - a refused password is retried after minutes, then hours, not every
//!   minute, and the heartbeat says why and when; SIGUSR1 retries at once;
//! - the heartbeat stays fresh while dovecot's "OK Still here" keeps an
//!   IDLE connection chatty (the timer refreshes it, not the chatter);
//! - a connection that goes silent (a proxy turned into a black hole) is
//!   noticed at the next re-check, in seconds, not after 14 minutes;
//! - new messages a server does not report are looked for another way,
//!   and the pass says so instead of reporting success;
//! - a post-action the server refuses never blocks the intake of new mail:
//!   it waits, reported in the heartbeat, and is done once it works again;
//! - a planned restart (the server's BYE, then refused connections for a
//!   moment) is logged as warnings, not errors.

use crate::support;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::{Duration, Instant};

use support::daemon::{DaemonEnv, imap_source_plain, lines, terminate, wait_until};
use support::dovecot::{Dovecot, Options};
use support::proxy::Proxy;
use support::small_message;

fn refs(v: &[Vec<u8>]) -> Vec<&[u8]> {
    v.iter().map(Vec::as_slice).collect()
}

fn seconds_until(rfc3339: &str) -> i64 {
    let t = chrono::DateTime::parse_from_rfc3339(rfc3339).expect("RFC 3339 time");
    (t.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds()
}

fn seconds_since(rfc3339: &str) -> i64 {
    -seconds_until(rfc3339)
}

fn usr1(pid: u32) {
    assert!(
        Command::new("kill")
            .args(["-USR1", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
}

#[test]
fn a_refused_password_waits_minutes_then_hours_and_says_why() {
    let d = Dovecot::start();
    d.append_all("INBOX", &[&small_message(1)]);
    let env = DaemonEnv::for_server(&d, "");
    // The configuration points to a password file of its own, wrong.
    let wrong = env.path().join("password");
    std::fs::write(&wrong, "not-the-password\n").unwrap();
    std::fs::set_permissions(&wrong, std::fs::Permissions::from_mode(0o600)).unwrap();
    let config = env.path().join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        &d.dir().join("password").display().to_string(),
        &wrong.display().to_string(),
    );
    std::fs::write(&config, text).unwrap();

    let mut child = env.spawn();
    assert!(
        wait_until(Duration::from_secs(20), || env
            .query_text("SELECT last_error FROM heartbeat")
            .is_some_and(|e| e.contains("authentification refusée"))),
        "{}",
        env.logs()
    );
    // Well after the first failure: still one login attempt.
    std::thread::sleep(Duration::from_secs(4));
    let failures = d.log().matches("auth failed").count();
    assert_eq!(failures, 1, "{}", d.log());
    let (state, next) = (
        env.state().unwrap(),
        env.query_text("SELECT next_attempt_at FROM heartbeat")
            .expect("next attempt in the heartbeat"),
    );
    assert_eq!(state, "reconnecting");
    let wait = seconds_until(&next);
    assert!((50..=125).contains(&wait), "next attempt in {wait} s");
    let logs = env.logs();
    assert!(
        logs.contains("nouvel essai à") && logs.contains("kill -USR1"),
        "{logs}"
    );
    assert!(!logs.contains(support::dovecot::PASSWORD));

    // Fixed, and asked to try now.
    std::fs::write(&wrong, format!("{}\n", support::dovecot::PASSWORD)).unwrap();
    usr1(child.id());
    assert!(
        wait_until(Duration::from_secs(15), || env.messages_stored() == 1),
        "{}",
        env.logs()
    );
    assert!(wait_until(Duration::from_secs(10), || env
        .query_text("SELECT next_attempt_at FROM heartbeat")
        .is_none()));
    let status = terminate(&mut child, Duration::from_secs(10)).expect("did not stop");
    assert!(status.success());
}

#[test]
fn the_heartbeat_stays_fresh_under_server_keepalives() {
    // dovecot says "OK Still here" every second to a client in IDLE; the
    // IDLE period (poll_interval) is two minutes.
    let d = Dovecot::start_with(Options {
        idle_notify_secs: Some(1),
        ..Options::default()
    });
    let env = DaemonEnv::for_server(&d, "poll_interval = \"120s\"\n");
    let mut child = env.spawn();
    assert!(
        wait_until(Duration::from_secs(20), || env.state().as_deref()
            == Some("idle")),
        "{}",
        env.logs()
    );
    let first = env
        .query_text("SELECT last_contact_at FROM heartbeat")
        .unwrap();
    std::thread::sleep(Duration::from_secs(40));
    let (contact, updated) = (
        env.query_text("SELECT last_contact_at FROM heartbeat")
            .unwrap(),
        env.query_text("SELECT updated_at FROM heartbeat").unwrap(),
    );
    assert_eq!(env.state().as_deref(), Some("idle"));
    assert!(contact > first, "{first} → {contact}");
    let age = seconds_since(&contact);
    assert!(age <= 32, "last contact {age} s ago");
    assert!(seconds_since(&updated) <= 32, "{updated}");
    let status = terminate(&mut child, Duration::from_secs(10)).expect("did not stop");
    assert!(status.success());
}

#[test]
fn a_silently_dropped_connection_is_noticed_at_the_next_recheck() {
    let d = Dovecot::start();
    let proxy = Proxy::start(d.plain_port);
    // A long read timeout: only the short wait for DONE can notice.
    let env = DaemonEnv::new(&imap_source_plain(
        &d,
        proxy.port,
        "poll_interval = \"3s\"\nread_timeout = \"5m\"\n",
    ));
    let mut child = env.spawn();
    assert!(
        wait_until(Duration::from_secs(20), || env.state().as_deref()
            == Some("idle")),
        "{}",
        env.logs()
    );
    std::thread::sleep(Duration::from_millis(500));
    proxy.blackhole(true);
    let t = Instant::now();
    assert!(
        wait_until(Duration::from_secs(60), || env.state().as_deref()
            == Some("reconnecting")),
        "{}",
        env.logs()
    );
    let noticed = t.elapsed();
    eprintln!("silent connection noticed after {noticed:?}");
    assert!(noticed < Duration::from_secs(20), "{noticed:?}");
    let e = env.query_text("SELECT last_error FROM heartbeat").unwrap();
    assert!(e.contains("DONE"), "{e}");
    // The network is back: a new connection, new mail taken.
    proxy.blackhole(false);
    d.append_all("INBOX", &[&small_message(1)]);
    assert!(
        wait_until(Duration::from_secs(30), || env.messages_stored() == 1),
        "{}",
        env.logs()
    );
    let status = terminate(&mut child, Duration::from_secs(10)).expect("did not stop");
    assert!(status.success());
}

#[test]
fn messages_the_server_hides_are_reported_not_silent() {
    let d = Dovecot::start();
    let msgs: Vec<Vec<u8>> = (0..8).map(small_message).collect();
    d.append_all("INBOX", &refs(&msgs[..5]));
    let proxy = Proxy::start(d.plain_port);
    let env = DaemonEnv::new(&imap_source_plain(
        &d,
        proxy.port,
        "post_action = \"none\"\n",
    ));
    // UID FETCH n+1:* answers nothing: found by sequence number.
    proxy.hide_fetches(&["UID FETCH", "RFC822.SIZE"]);
    let out = env.run(&["daemon", "--once", "--json"]);
    let s = &lines(&out.stdout)[0];
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{s}\n{stderr}");
    assert_eq!(
        (s["ok"].as_bool(), s["stored"].as_u64()),
        (Some(true), Some(5)),
        "{s}"
    );
    let w = s["warnings"].to_string();
    assert!(
        w.contains("n'a pas donné tous les messages nouveaux") && w.contains("5 retrouvés"),
        "{w}"
    );
    assert!(stderr.contains("attention"), "{stderr}");
    // No way gives them: not a success.
    proxy.hide_fetches(&["RFC822.SIZE"]);
    d.append_all("INBOX", &refs(&msgs[5..]));
    let out = env.run(&["daemon", "--once", "--json"]);
    let s = &lines(&out.stdout)[0];
    assert_eq!(out.status.code(), Some(1), "{s}");
    assert_eq!(
        (s["ok"].as_bool(), s["stored"].as_u64()),
        (Some(false), Some(0)),
        "{s}"
    );
    assert!(
        s["warnings"].to_string().contains("restent introuvables"),
        "{s}"
    );
    let hb = env.query_text("SELECT warning FROM heartbeat").unwrap();
    assert!(hb.contains("restent introuvables"), "{hb}");
    // Once the server answers again, they come.
    proxy.hide_fetches(&[]);
    let out = env.run(&["daemon", "--once", "--json"]);
    let s = &lines(&out.stdout)[0];
    assert_eq!(
        (s["ok"].as_bool(), s["stored"].as_u64()),
        (Some(true), Some(3)),
        "{s}"
    );
}

#[test]
fn a_failing_post_action_never_blocks_intake() {
    let d = Dovecot::start();
    let msgs: Vec<Vec<u8>> = (0..6).map(small_message).collect();
    d.append_all("INBOX", &refs(&msgs[..2]));
    let env = DaemonEnv::for_server(
        &d,
        "post_action = { move_to = \"Traitées\" }\npoll_interval = \"3s\"\n",
    );
    let mut child = env.spawn();
    assert!(
        wait_until(Duration::from_secs(20), || env.messages_stored() == 2
            && d.flags("INBOX").is_empty()),
        "{}",
        env.logs()
    );
    // The target folder can no longer be written by the server.
    let target = d.dir().join("mail/staff/Maildir/.Trait&AOk-es");
    let set_mode = |mode: u32| {
        for sub in ["", "cur", "new", "tmp"] {
            std::fs::set_permissions(target.join(sub), std::fs::Permissions::from_mode(mode))
                .unwrap();
        }
    };
    set_mode(0o500);
    d.append_all("INBOX", &refs(&msgs[2..5]));
    assert!(
        wait_until(Duration::from_secs(20), || env.messages_stored() == 5),
        "intake blocked:\n{}",
        env.logs()
    );
    assert!(
        wait_until(Duration::from_secs(10), || env
            .query_text("SELECT post_action_error FROM heartbeat")
            .is_some()),
        "{}",
        env.logs()
    );
    assert_eq!(env.query("SELECT count(*) FROM imap_pending_actions"), 3);
    assert!(
        child.try_wait().unwrap().is_none(),
        "exited:\n{}",
        env.logs()
    );
    // Still taking new mail while the moves wait.
    d.append_all("INBOX", &refs(&msgs[5..]));
    assert!(
        wait_until(Duration::from_secs(20), || env.messages_stored() == 6),
        "{}",
        env.logs()
    );
    // The console's status line says it.
    let store = fiches::store::Store::open(env.db()).unwrap();
    let beats = store.heartbeats().unwrap();
    let (n, e) = fiches::status::refused_post_actions(&beats).expect("post-actions in the status");
    assert!(n >= 3 && e.contains("Traitées"), "{n} {e}");
    drop(store);
    // Writable again: done at the next pass, the report cleared.
    set_mode(0o700);
    usr1(child.id());
    assert!(
        wait_until(Duration::from_secs(20), || env
            .query("SELECT count(*) FROM imap_pending_actions")
            == 0
            && d.flags("INBOX").is_empty()),
        "{}",
        env.logs()
    );
    assert!(wait_until(Duration::from_secs(10), || env
        .query_text("SELECT post_action_error FROM heartbeat")
        .is_none()));
    assert_eq!(d.flags("Trait&AOk-es").len(), 6);
    let status = terminate(&mut child, Duration::from_secs(10)).expect("did not stop");
    assert!(status.success());
}

#[test]
fn a_planned_restart_is_a_warning_not_an_error() {
    let d = Dovecot::start();
    let proxy = Proxy::start(d.plain_port);
    let env = DaemonEnv::new(&imap_source_plain(
        &d,
        proxy.port,
        "poll_interval = \"30s\"\n",
    ));
    let mut child = env.spawn();
    assert!(
        wait_until(Duration::from_secs(20), || env.state().as_deref()
            == Some("idle")),
        "{}",
        env.logs()
    );
    std::thread::sleep(Duration::from_millis(500));
    proxy.say_bye_and_refuse();
    assert!(
        wait_until(Duration::from_secs(10), || env.state().as_deref()
            == Some("reconnecting")),
        "{}",
        env.logs()
    );
    // Refused for a few seconds, as while the server restarts.
    std::thread::sleep(Duration::from_secs(3));
    proxy.accept_again();
    d.append_all("INBOX", &[&small_message(1)]);
    assert!(
        wait_until(Duration::from_secs(30), || env.messages_stored() == 1),
        "{}",
        env.logs()
    );
    let status = terminate(&mut child, Duration::from_secs(10)).expect("did not stop");
    assert!(status.success());
    let logs = env.logs();
    let bye: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("a fermé la session pendant IDLE : Server shutting down."))
        .collect();
    assert_eq!(bye.len(), 1, "{logs}");
    assert!(bye[0].contains("WARN"), "{logs}");
    assert!(!logs.contains("ERROR"), "{logs}");
}
