//! Two console sessions (two connections, two users) and an import running
//! at the same time on one database. Both decide on one proposal: one
//! wins, the other is refused with a message and shown the fresh state.
//! Both accept two different proposals into the same place: one wins, the
//! other is refused. "database is locked" never reaches either of them.

use crate::support::common::synth;
use crate::support::console as console_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use console_support::*;
use fiches::console::Session;
use fiches::domain::Status;
use fiches::intake::{Importer, IntakeOptions, open_path};
use fiches::store::Store;

const BULK: usize = 200;

fn no_locked(notices: &[String]) {
    for n in notices {
        let l = n.to_lowercase();
        assert!(
            !l.contains("locked") && !l.contains("verrouill") && !l.contains("sqlite"),
            "{n}"
        );
    }
}

/// Pairs of pending micro-ateliers wanting the same slot.
fn pairs(s: &Session, n: usize, except: i64) -> Vec<(i64, i64)> {
    let mut by_slot: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    for r in s.app.listing.rows() {
        if r.kind == Some(fiches::fiche::Kind::MicroAtelier)
            && r.status == Status::Pending
            && r.id != except
            && r.wanted.as_deref().is_some_and(|w| w != "any")
        {
            by_slot
                .entry(r.wanted.as_deref().unwrap().to_string())
                .or_default()
                .push(r.id);
        }
    }
    let mut out = Vec::new();
    for ids in by_slot.values_mut() {
        ids.sort_unstable();
        for c in ids.chunks(2) {
            if let [a, b] = c {
                out.push((*a, *b));
            }
        }
    }
    out.truncate(n);
    out
}

#[test]
fn two_sessions_and_an_import_one_wins_the_other_is_refused() {
    let (dir, db) = sample_db();
    let templates: Vec<Vec<u8>> = [
        "01-plain.eml",
        "02-accented-filename.eml",
        "05-two-fiches-cp1252.eml",
        "03-outlook-octet-stream.eml",
    ]
    .iter()
    .map(|f| std::fs::read(repo().join("fixtures/corpus/mail").join(f)).unwrap())
    .collect();
    let bulk = dir.path().join("bulk");
    synth::write_maildir(&bulk, &templates, BULK, "concurrency.example");

    let mut a = session_as(&db, "marie", (120, 40));
    let mut b = session_as(&db, "paul", (120, 40));
    let grenoble = id_of(&a, "Grenoble");
    let rounds = pairs(&a, 6, grenoble);
    assert!(rounds.len() >= 4, "{rounds:?}");
    let version_before = a.app.listing.get(grenoble).unwrap().version;
    select(&mut a, grenoble);
    select(&mut b, grenoble);
    keys(&mut a, "2");
    keys(&mut b, "2");

    let start = Arc::new(Barrier::new(3));
    let step = Arc::new(Barrier::new(2));

    // Messages the import has stored so far.
    let imported = Arc::new(AtomicUsize::new(0));
    let import = {
        let imported = Arc::clone(&imported);
        let start = Arc::clone(&start);
        let db = db.clone();
        thread::spawn(move || {
            let mut store = Store::open(&db).unwrap();
            let mut src = open_path(&bulk).unwrap();
            let mut imp = Importer::new(&mut store, IntakeOptions::new(config().event.deadline));
            start.wait();
            imp.run(src.as_mut(), &mut |_| {
                imported.fetch_add(1, Ordering::SeqCst);
            })
            .expect("import never gives up");
            imp.report
        })
    };

    // Each session: the same proposal first (A accepts, B waits it),
    // then one of each pair into the first free place both are offered.
    let run = |mut s: Session, first: &'static str, pick_b: bool| {
        let start = Arc::clone(&start);
        let step = Arc::clone(&step);
        let rounds = rounds.clone();
        let imported = Arc::clone(&imported);
        thread::spawn(move || {
            let mut notices = Vec::new();
            start.wait();
            keys(&mut s, first);
            notices.push(notice(&s));
            // The import was still running during this decision.
            assert!(imported.load(Ordering::SeqCst) < BULK);
            for (x, y) in &rounds {
                step.wait();
                s.tick();
                select(&mut s, if pick_b { *y } else { *x });
                keys(&mut s, "2");
                step.wait();
                keys(&mut s, "<Enter>");
                notices.push(notice(&s));
            }
            step.wait();
            s.tick();
            (s, notices)
        })
    };
    let ta = run(a, "<Enter>", false);
    let tb = run(b, "w", true);
    let (a, na) = ta.join().unwrap();
    let (b, nb) = tb.join().unwrap();
    let report = import.join().unwrap();

    no_locked(&na);
    no_locked(&nb);
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(report.new, BULK as u64);

    // The same proposal: exactly one decision recorded.
    let st = Store::open(&db).unwrap();
    let p = st.proposal(grenoble).unwrap();
    assert_eq!(p.version, version_before + 1, "one decision only");
    let decisions = st
        .journal(Some(grenoble))
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "decision")
        .count();
    assert_eq!(decisions, 1);
    let (winner, loser) = if p.status == Status::Accepted {
        (&na[0], &nb[0])
    } else {
        assert_eq!(p.status, Status::Waitlisted);
        (&nb[0], &na[0])
    };
    assert!(winner.starts_with("Proposition n°"), "{winner}");
    assert!(
        (loser.starts_with("Rien n'a été fait") || loser.starts_with("Impossible"))
            && loser.contains("modifiée entre-temps"),
        "{loser}"
    );
    // Both screens show the state in the database.
    assert_eq!(a.app.listing.get(grenoble).unwrap().status, p.status);
    assert_eq!(b.app.listing.get(grenoble).unwrap().status, p.status);

    // Same place, two proposals: one accepted, the other refused.
    for (i, (x, y)) in rounds.iter().enumerate() {
        let px = st.proposal(*x).unwrap();
        let py = st.proposal(*y).unwrap();
        let accepted = [&px, &py]
            .iter()
            .filter(|p| p.status == Status::Accepted)
            .count();
        assert_eq!(accepted, 1, "round {i}: {:?} / {:?}", na[i + 1], nb[i + 1]);
        let (won, lost) = if px.status == Status::Accepted {
            (&na[i + 1], &nb[i + 1])
        } else {
            (&nb[i + 1], &na[i + 1])
        };
        assert!(won.starts_with("Proposition n°"), "round {i}: {won}");
        assert!(
            (lost.starts_with("Rien n'a été fait") || lost.starts_with("Impossible")),
            "round {i}: {lost}"
        );
    }
    // And no place holds two proposals.
    let mut places = std::collections::BTreeSet::new();
    for p in st
        .list_proposals(&fiches::store::ProposalFilter {
            status: Some(Status::Accepted),
            live_only: true,
            ..Default::default()
        })
        .unwrap()
    {
        assert!(
            places.insert((p.kind, p.slot.clone(), p.space.clone())),
            "{p:?}"
        );
    }
}
