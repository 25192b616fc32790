//! A poison message: one whose intake ends the whole process every time
//! (debug builds abort on `$FICHES_TEST_CRASH_ON`; no real one is known
//! since attachments are read in workers). Its tries are recorded before
//! each try: after three it is stored as `error` with its bytes and the
//! reason, the intake goes on, the IMAP watermark moves past it. Through
//! `fiches import` run again and again, and through `fiches daemon`
//! restarted as systemd would.

use crate::support;

use std::process::Stdio;
use std::time::Duration;

use support::daemon::{DaemonEnv, terminate, wait_until};
use support::dovecot::Dovecot;
use support::synth_mail::{set_header, synth_messages};

const MARKER: &str = "FICHES-TEST-POISON-7d1e";

fn poison() -> Vec<u8> {
    let m = synth_messages(1, "poison.example").remove(0);
    let m = set_header(&m, "Message-ID", "<poison@poison.example>");
    set_header(&m, "Subject", &format!("Fiche {MARKER}"))
}

fn status_of(env: &DaemonEnv, mid: &str) -> Option<String> {
    env.query_text(&format!(
        "SELECT status FROM messages WHERE message_id = '{mid}'"
    ))
}

#[test]
fn import_stores_a_poison_message_as_error_after_three_tries() {
    let env = DaemonEnv::new("");
    let dir = env.path().join("mails");
    std::fs::create_dir(&dir).unwrap();
    let ordinary = synth_messages(12, "ordinary.example");
    for (i, m) in ordinary.iter().enumerate() {
        std::fs::write(dir.join(format!("{i:02}.eml")), m).unwrap();
    }
    std::fs::write(dir.join("05-poison.eml"), poison()).unwrap();
    let import = || {
        env.command()
            .env("FICHES_TEST_CRASH_ON", MARKER)
            .args(["import", "--quiet", dir.to_str().unwrap()])
            .output()
            .unwrap()
    };
    for run in 1..=3 {
        let out = import();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&out.status),
            Some(libc::SIGABRT),
            "run {run}: {out:?}"
        );
        assert_eq!(
            env.query(
                "SELECT attempts FROM intake_attempts WHERE source_ref LIKE '%05-poison.eml'"
            ),
            run,
            "run {run}: its try is recorded before it is read"
        );
        assert_eq!(status_of(&env, "poison@poison.example"), None);
    }
    let out = import();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        status_of(&env, "poison@poison.example").as_deref(),
        Some("error"),
        "stored without being read, its Message-ID found by a plain scan"
    );
    let reason = env
        .query_text("SELECT reason FROM messages WHERE source_ref LIKE '%05-poison.eml'")
        .unwrap();
    assert!(reason.contains("a arrêté le programme 3 fois"), "{reason}");
    assert_eq!(
        env.query_text("SELECT status FROM messages WHERE source_ref LIKE '%05-poison.eml'")
            .as_deref(),
        Some("error")
    );
    let bytes: Vec<u8> = rusqlite::Connection::open(env.db())
        .unwrap()
        .query_row(
            "SELECT r.bytes FROM message_raw r JOIN messages m ON m.id = r.message_id
             WHERE m.source_ref LIKE '%05-poison.eml'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(bytes, poison(), "its raw bytes are kept");
    for i in 0..12 {
        assert_eq!(
            status_of(&env, &format!("synth-{i}@ordinary.example")).as_deref(),
            Some("fiche"),
            "ordinary mail {i}"
        );
    }
    assert_eq!(env.query("SELECT count(*) FROM intake_attempts"), 0);
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.contains("a arrêté le programme 3 fois"))
            .count(),
        1,
        "{stderr}"
    );
    // Staff see it with the others to handle.
    let human = String::from_utf8(env.run(&["messages", "--status", "error"]).stdout).unwrap();
    assert!(human.contains("a arrêté le programme 3 fois"), "{human}");
    // Importing again changes nothing.
    let out = import();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(env.messages_stored(), 13);
}

#[test]
fn the_daemon_restarted_after_each_crash_stores_the_poison_and_goes_on() {
    let d = Dovecot::start();
    let env = DaemonEnv::for_server(&d, "");
    let mut mails = synth_messages(6, "before.example");
    mails.push(poison());
    mails.extend(synth_messages(6, "after.example"));
    let refs: Vec<&[u8]> = mails.iter().map(Vec::as_slice).collect();
    let uids = d.append_all("INBOX", &refs);
    let last = *uids.last().unwrap();
    let log = env.path().join("daemon.log");
    let spawn = || {
        env.command()
            .env("FICHES_TEST_CRASH_ON", MARKER)
            .args(["daemon", "-v"])
            .stdout(Stdio::null())
            .stderr(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&log)
                    .unwrap(),
            )
            .spawn()
            .unwrap()
    };
    // As systemd's Restart=on-failure: each crash, a new daemon.
    let mut crashes = 0;
    let mut daemon = spawn();
    let all_stored = loop {
        let stored = wait_until(Duration::from_secs(60), || {
            env.messages_stored() == 13 || matches!(daemon.try_wait(), Ok(Some(_)))
        });
        assert!(
            stored,
            "neither stored nor ended:\n{}",
            std::fs::read_to_string(&log).unwrap()
        );
        if env.messages_stored() == 13 {
            break true;
        }
        let status = daemon.wait().unwrap();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(libc::SIGABRT),
            "{status:?}"
        );
        crashes += 1;
        assert!(
            crashes <= 3,
            "a restart loop:\n{}",
            std::fs::read_to_string(&log).unwrap()
        );
        daemon = spawn();
    };
    assert!(all_stored);
    assert_eq!(crashes, 3);
    // The daemon goes on: still running, watermark past the last message.
    assert!(
        wait_until(Duration::from_secs(20), || env
            .query("SELECT last_uid FROM sync_state")
            == i64::from(last)),
        "watermark {}",
        env.query("SELECT last_uid FROM sync_state")
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        daemon.try_wait().unwrap().is_none(),
        "the daemon must keep running"
    );
    let reason = env
        .query_text("SELECT reason FROM messages WHERE status = 'error'")
        .unwrap();
    assert!(reason.contains("a arrêté le programme 3 fois"), "{reason}");
    assert_eq!(
        env.query("SELECT count(*) FROM messages WHERE status = 'fiche'"),
        12
    );
    assert_eq!(env.query("SELECT count(*) FROM intake_attempts"), 0);
    // New mail after it is taken as usual.
    d.append_all("INBOX", &[&synth_messages(1, "later.example")[0]]);
    assert!(wait_until(Duration::from_secs(30), || env
        .messages_stored()
        == 14));
    assert!(terminate(&mut daemon, Duration::from_secs(20)).is_some_and(|s| s.success()));
}
