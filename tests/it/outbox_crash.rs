//! Crash test: `fiches send` of a batch of 100 letters, killed with SIGKILL
//! while a letter is in the server's hands (the server stores each message,
//! then waits before answering "250"), restarted, killed again, four times;
//! then left to finish. No letter may arrive twice; each kill leaves exactly
//! one letter `uncertain` (flagged for staff, not resent), and it is one the
//! server did receive; every other letter arrives exactly once.

use crate::support::outbox_env;
use crate::support::seed::Rng;
use crate::support::smtp;

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::Duration;

use fiches::store::{LetterFilter, LetterState, Store};
use outbox_env::{Env, FROM, store_fiche};
use smtp::{Options, SmtpServer};

const LETTERS: usize = 100;
const KILLS: usize = 4;

fn states(db: &std::path::Path) -> Vec<(i64, LetterState, Option<String>)> {
    Store::open(db)
        .unwrap()
        .letters(&LetterFilter::default())
        .unwrap()
        .into_iter()
        .map(|l| (l.id, l.state, l.message_id))
        .collect()
}

fn count(v: &[(i64, LetterState, Option<String>)], s: LetterState) -> usize {
    v.iter().filter(|(_, st, _)| *st == s).count()
}

#[test]
fn killed_senders_never_send_a_letter_twice_and_flag_the_one_in_flight() {
    let server = SmtpServer::start(Options {
        delay: Duration::from_millis(150),
        ..Options::default()
    });
    let env = Env::new("acknowledge = true\n", &server.smtp_toml(FROM));
    {
        let mut store = env.store();
        for i in 0..LETTERS {
            store_fiche(
                &mut store,
                i,
                &format!("mairie{i}@collectivite.example"),
                &format!("Commune numéro {i}"),
            );
        }
    }
    assert_eq!(count(&states(&env.db()), LetterState::Pending), LETTERS);

    let mut rng = Rng::for_test(
        "outbox_crash::killed_senders_never_send_a_letter_twice_and_flag_the_one_in_flight",
    );
    let mut kills = 0;
    for round in 0..KILLS {
        let before = server.count();
        let target = before + 1 + rng.below(15) as usize;
        let mut child = env
            .command()
            .arg("send")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        assert!(
            server.wait_for(target, Duration::from_secs(60)),
            "round {round}: the sender did not reach {target} letters"
        );
        // The server holds the newest message before answering: the sender
        // is waiting for the "250" of a letter the server already has.
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        let s = states(&env.db());
        assert_eq!(
            count(&s, LetterState::Sending),
            1,
            "round {round}: exactly the letter in flight is left in `sending`"
        );
        assert_eq!(count(&s, LetterState::Uncertain), round, "round {round}");
    }

    // The last run finishes: it first flags the letter left in flight.
    let out = env.run(&["send"]);
    assert_eq!(out.status.code(), Some(1), "uncertain letters make exit 1");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("marquée incertaine"), "{text}");

    let received: Vec<String> = server.received().iter().map(|r| r.message_id()).collect();
    let unique: BTreeSet<&String> = received.iter().collect();
    assert_eq!(unique.len(), received.len(), "a letter arrived twice");
    assert_eq!(received.len(), LETTERS, "every letter arrived");

    let s = states(&env.db());
    assert_eq!(count(&s, LetterState::Uncertain), kills);
    assert_eq!(count(&s, LetterState::Sent), LETTERS - kills);
    for (id, state, mid) in &s {
        let mid = mid
            .as_ref()
            .unwrap_or_else(|| panic!("letter {id} has no Message-ID"));
        assert!(
            unique.contains(mid),
            "letter {id} ({state}) was not received"
        );
    }

    // Staff check them: they did arrive.
    let shown = env.ok(&["outbox", "--state", "uncertain"]);
    assert_eq!(shown.matches("── Lettre n° ").count(), kills);
    assert!(shown.contains("peut-être partie"), "{shown}");
    for (id, _, _) in s.iter().filter(|(_, st, _)| *st == LetterState::Uncertain) {
        env.ok(&["outbox", "resolve", &id.to_string(), "--sent"]);
    }
    env.ok(&["send"]);
    assert_eq!(server.count(), LETTERS, "nothing resent");
    assert_eq!(count(&states(&env.db()), LetterState::Sent), LETTERS);
}
