//! IDLE against a real dovecot: a message appended while idle is seen
//! within 5 s.

use crate::support;

use std::time::{Duration, Instant};

use fiches::intake::imap::{
    IdleOutcome, ImapConnection, MemoryStateStore, SyncOptions, TlsMode, sync_once,
};
use support::dovecot::Dovecot;
use support::small_message;

#[test]
fn message_appended_while_idle_is_seen_within_5s() {
    let d = Dovecot::start();
    let cfg = d.source(TlsMode::Implicit);
    let opts = SyncOptions::from_config(&cfg);
    let mut conn = ImapConnection::connect(&cfg).unwrap();
    assert!(conn.capabilities().idle);
    let mut store = MemoryStateStore::new();
    assert_eq!(sync_once(&mut conn, &mut store, &opts).unwrap().stored, 0);

    let appended_at = std::thread::scope(|scope| {
        let appender = scope.spawn(|| {
            std::thread::sleep(Duration::from_secs(1));
            let at = Instant::now();
            d.append_all("INBOX", &[&small_message(1)]);
            at
        });
        let outcome = conn.idle_wait(Duration::from_secs(30)).unwrap();
        assert_eq!(outcome, IdleOutcome::NewMail);
        let woke = Instant::now();
        let at = appender.join().unwrap();
        assert!(
            woke.duration_since(at) < Duration::from_secs(5),
            "woke {:?} after the append",
            woke.duration_since(at)
        );
        at
    });
    let r = sync_once(&mut conn, &mut store, &opts).unwrap();
    assert_eq!(r.stored, 1);
    assert!(appended_at.elapsed() < Duration::from_secs(5));
    assert_eq!(
        store.messages[0].message_id.as_deref(),
        Some("msg-1@example.org")
    );
}

#[test]
fn idle_times_out_when_nothing_arrives() {
    let d = Dovecot::start();
    let cfg = d.source(TlsMode::Implicit);
    let mut conn = ImapConnection::connect(&cfg).unwrap();
    conn.select("INBOX").unwrap();
    let t = Instant::now();
    assert_eq!(
        conn.idle_wait(Duration::from_millis(1500)).unwrap(),
        IdleOutcome::Timeout
    );
    assert!(t.elapsed() >= Duration::from_millis(1400));
    assert!(t.elapsed() < Duration::from_secs(5));
    // The connection is fine afterwards.
    assert!(conn.is_usable());
    assert!(conn.discover_new(0).unwrap().sizes.is_empty());
}

#[test]
fn new_mail_announced_between_commands_is_not_slept_on() {
    let d = Dovecot::start();
    let cfg = d.source(TlsMode::Implicit);
    let opts = SyncOptions::from_config(&cfg);
    let mut conn = ImapConnection::connect(&cfg).unwrap();
    let mut store = MemoryStateStore::new();
    sync_once(&mut conn, &mut store, &opts).unwrap();
    d.append_all("INBOX", &[&small_message(7)]);
    // Any command may carry the EXISTS; the next wait returns at once.
    std::thread::sleep(Duration::from_millis(1200));
    conn.noop().unwrap();
    let t = Instant::now();
    assert_eq!(
        conn.idle_wait(Duration::from_secs(30)).unwrap(),
        IdleOutcome::NewMail
    );
    assert!(t.elapsed() < Duration::from_secs(1));
    assert_eq!(sync_once(&mut conn, &mut store, &opts).unwrap().stored, 1);
    // The search consumed the hint.
    assert_eq!(
        conn.idle_wait(Duration::from_millis(500)).unwrap(),
        IdleOutcome::Timeout
    );
}
