//! Hostile attachments through `fiches daemon` (the real binary against a
//! real dovecot): every hostile mail of `support::hostile` appended among
//! ordinary ones while the daemon runs. Every message is stored (the
//! hostile ones rejected, with their reason), the daemon is still running
//! afterwards and takes new mail, and its log has one line per attachment
//! the reader died on — no panic message, no backtrace.

use crate::support;

use std::process::Stdio;
use std::time::Duration;

use support::daemon::{DaemonEnv, imap_source, terminate, wait_until};
use support::dovecot::Dovecot;
use support::hostile::{READER_LIMITS, hostile_mails};
use support::synth_mail::synth_messages;

#[test]
fn hostile_attachments_among_ordinary_mail_through_the_daemon() {
    let d = Dovecot::start();
    let env = DaemonEnv::new(&format!("{}\n{READER_LIMITS}", imap_source(&d, "")));
    let log = env.path().join("daemon.log");
    let mut daemon = env
        .command()
        .env("FICHES_TEST_READER_HOOKS", "1")
        .env_remove("RUST_BACKTRACE")
        .args(["daemon"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let logs = || std::fs::read_to_string(&log).unwrap_or_default();

    let hostile = hostile_mails();
    let ordinary = synth_messages(hostile.len() + 5, "ordinary.example");
    let mut mails: Vec<&[u8]> = Vec::new();
    for (i, h) in hostile.iter().enumerate() {
        mails.push(&ordinary[i]);
        mails.push(&h.bytes);
    }
    for o in &ordinary[hostile.len()..] {
        mails.push(o);
    }
    d.append_all("INBOX", &mails);
    let total = mails.len() as i64;
    assert!(
        wait_until(Duration::from_secs(240), || env.messages_stored() == total),
        "{} of {total} stored:\n{}",
        env.messages_stored(),
        logs()
    );
    assert!(
        daemon.try_wait().unwrap().is_none(),
        "the daemon died:\n{}",
        logs()
    );

    for i in 0..ordinary.len() {
        assert_eq!(
            env.query_text(&format!(
                "SELECT status FROM messages WHERE message_id = 'synth-{i}@ordinary.example'"
            ))
            .as_deref(),
            Some("fiche"),
            "ordinary mail {i}"
        );
    }
    let mut dying = 0;
    for h in &hostile {
        let status = env.query_text(&format!(
            "SELECT status FROM messages WHERE message_id = '{}'",
            h.message_id
        ));
        assert_eq!(status.as_deref(), Some(h.status), "{}", h.name);
        dying += h.dying_attachments;
        if h.dying_attachments > 0 {
            let reason = env
                .query_text(&format!(
                    "SELECT a.reason FROM attachments a JOIN messages m ON m.id = a.message_id
                     WHERE m.message_id = '{}' AND a.outcome = 'rejected'",
                    h.message_id
                ))
                .unwrap_or_default();
            assert!(
                reason.starts_with("lecture interrompue : "),
                "{}: {reason}",
                h.name
            );
        }
    }

    // Still at work: new mail is taken.
    d.append_all("INBOX", &[&synth_messages(1, "later.example")[0]]);
    assert!(
        wait_until(Duration::from_secs(60), || env.messages_stored()
            == total + 1),
        "{}",
        logs()
    );
    let status = terminate(&mut daemon, Duration::from_secs(30));
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?}\n{}",
        logs()
    );

    let log = logs();
    let deaths: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("lecture interrompue"))
        .collect();
    assert_eq!(deaths.len(), dying, "{log}");
    for l in &deaths {
        assert!(
            l.contains("imap://") && l.contains("pièce jointe « "),
            "{l}"
        );
    }
    for noise in [
        "panicked",
        "backtrace",
        "memory allocation",
        "RUST_BACKTRACE",
    ] {
        assert!(!log.contains(noise), "« {noise} » in:\n{log}");
    }
}
