//! Crash test: `fiches import` of a 500-message Maildir killed with SIGKILL
//! at random moments, 50 times. After every kill the database is sound
//! (`PRAGMA integrity_check`), every stored message is complete (its bytes,
//! attachments, proposals and journal line came in the same transaction);
//! after a last uninterrupted import every message is stored exactly once.

use crate::support::common;
use crate::support::seed::Rng;

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Env, corpus_mail, synth};

fn check_consistent(db: &std::path::Path) -> usize {
    let c = rusqlite::Connection::open(db).unwrap();
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let fk: i64 = c
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(fk, 0, "foreign keys");
    let q = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
    if q("PRAGMA user_version") == 0 {
        // Killed before the schema was committed: an empty database.
        assert_eq!(
            q("SELECT count(*) FROM sqlite_schema"),
            0,
            "a half-applied migration"
        );
        return 0;
    }
    let messages = q("SELECT count(*) FROM messages");
    assert_eq!(
        q("SELECT count(*) FROM message_raw"),
        messages,
        "every message has its bytes"
    );
    assert_eq!(
        q("SELECT count(*) FROM journal WHERE action = 'message_stored'"),
        messages,
        "every message has its journal line"
    );
    assert_eq!(
        q("SELECT count(DISTINCT message_id) FROM messages"),
        messages,
        "no message twice"
    );
    assert_eq!(
        q("SELECT count(*) FROM messages m WHERE m.status = 'fiche'
             AND NOT EXISTS (SELECT 1 FROM proposals p WHERE p.message_id = m.id)"),
        0,
        "a fiche message has its proposals"
    );
    assert_eq!(
        q("SELECT count(*) FROM proposals p WHERE NOT EXISTS
             (SELECT 1 FROM journal j WHERE j.proposal_id = p.id AND j.action = 'proposal_created')"),
        0
    );
    messages as usize
}

#[test]
fn sigkill_at_random_moments_never_loses_or_doubles_a_message() {
    let env = Env::new();
    let maildir = env.path().join("Maildir");
    // Every corpus mail but the 1.4 MB zip bomb, to keep the test quick; the
    // ones with fiches three times, so that most messages are real work.
    let mut templates = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(corpus_mail())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for p in names {
        let bytes = std::fs::read(&p).unwrap();
        let name = p.to_string_lossy();
        if name.contains("zip-bomb") {
            continue;
        }
        let fiche = [
            "01-", "02-", "03-", "04-", "05-", "06-", "10-", "11-", "14-",
        ]
        .iter()
        .any(|n| name.contains(&format!("/{n}")));
        for _ in 0..if fiche { 3 } else { 1 } {
            templates.push(bytes.clone());
        }
    }
    let ids = synth::write_maildir(&maildir, &templates, 500, "crash.test");

    let mut rng =
        Rng::for_test("intake_crash::sigkill_at_random_moments_never_loses_or_doubles_a_message");
    let mut last = 0;
    let mut mid_import_kills = 0;
    // The kill delay adapts so that the 50 kills spread over the import
    // (about as many new messages each round) whatever the machine's speed.
    let mut max_delay_ms: u64 = 30;
    let started = Instant::now();
    for round in 0..50 {
        let mut child = env
            .command()
            .args(["import", "--quiet"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn fiches import");
        std::thread::sleep(Duration::from_millis(1 + rng.below(max_delay_ms)));
        // Child::kill sends SIGKILL on Unix.
        let _ = child.kill();
        child.wait().unwrap();
        if env.db().exists() {
            let n = check_consistent(&env.db());
            assert!(
                n >= last,
                "round {round}: {n} messages after {last}: committed messages vanished"
            );
            let grew = n - last;
            if n < 500 && grew > 0 {
                mid_import_kills += 1;
            }
            let target = ((500 - n) / (50 - round)).max(1);
            if grew > 2 * target {
                max_delay_ms = (max_delay_ms * 6 / 10).max(2);
            } else if grew * 2 < target {
                max_delay_ms = max_delay_ms * 13 / 10 + 1;
            }
            last = n;
        }
    }
    eprintln!(
        "after 50 kills ({mid_import_kills} while storing): {last} of 500 stored, {:?}",
        started.elapsed()
    );

    let summary = env.import(&[&maildir]);
    assert!(
        summary.contains(&format!("500 messages lus : {} nouveau", 500 - last)),
        "{summary}"
    );
    assert_eq!(check_consistent(&env.db()), 500);
    let c = rusqlite::Connection::open(env.db()).unwrap();
    let mut stmt = c.prepare("SELECT message_id FROM messages").unwrap();
    let stored: BTreeSet<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(stored, ids.into_iter().collect::<BTreeSet<_>>());
}

#[test]
fn two_importers_at_once_store_each_message_once() {
    let env = Env::new();
    let maildir = env.path().join("Maildir");
    let templates = vec![
        std::fs::read(corpus_mail().join("07-no-attachment.eml")).unwrap(),
        std::fs::read(corpus_mail().join("10-late.eml")).unwrap(),
    ];
    synth::write_maildir(&maildir, &templates, 200, "concurrent.test");
    let spawn = || {
        env.command()
            .args(["import", "--quiet"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn fiches import")
    };
    let (a, b) = (spawn(), spawn());
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(check_consistent(&env.db()), 200);
}
