//! `fiches suggest`'s placement, checked on the sample inbox (through the
//! store) and on 1,000 generated proposals (the event's grid and a large
//! one): valid (every place once, inside the grid, one organisation per
//! slot), members first, accepted proposals kept, and at least as many
//! wanted slots honoured as placing one by one in priority order.

use crate::support::console as console_support;

use std::collections::{BTreeSet, HashMap};

use fiches::domain::generate;
use fiches::domain::suggest::{Suggestion, one_by_one, suggest};
use fiches::domain::{Candidate, Layout, Rules, Status};
use fiches::fiche::Kind;
use fiches::store::Store;

/// Every property of a suggestion for `all` on `rules`' grid.
fn check(rules: &Rules, all: &[Candidate], pinned: &BTreeSet<i64>, s: &Suggestion) {
    let by: HashMap<i64, &Candidate> = all.iter().map(|c| (c.number, c)).collect();
    for kind in Kind::all() {
        let plan = s.of(kind);
        let grid = rules.layout.of(kind);
        let mut places = BTreeSet::new();
        let mut orgs = BTreeSet::new();
        for c in all.iter().filter(|c| {
            c.kind == Some(kind) && c.status == Status::Accepted && pinned.contains(&c.number)
        }) {
            let p = c.place.clone().unwrap();
            places.insert(p.clone());
            if let Some(o) = &c.organisation {
                orgs.insert((o.clone(), p.slot.clone()));
            }
        }
        for (n, p) in &plan.placed {
            let c = by[n];
            assert_eq!(c.kind, Some(kind));
            assert!(
                grid.slots.contains(&p.slot) && grid.places.contains(&p.place),
                "{p:?}"
            );
            assert!(places.insert(p.clone()), "place {p:?} given twice");
            if let Some(o) = &c.organisation {
                assert!(
                    orgs.insert((o.clone(), p.slot.clone())),
                    "two proposals of {o} at {}",
                    p.slot
                );
            }
        }
        assert!(places.len() <= grid.capacity());
        let placed: BTreeSet<i64> = plan.placed.iter().map(|(n, _)| *n).collect();
        // Accepted ones stay on the programme.
        for c in all.iter().filter(|c| {
            c.kind == Some(kind) && c.status == Status::Accepted && !pinned.contains(&c.number)
        }) {
            assert!(
                placed.contains(&c.number),
                "accepted n° {} dropped",
                c.number
            );
        }
        // Members first: no non-member placed while a member waits.
        let pending = |m: bool| {
            all.iter().filter(move |c| {
                c.kind == Some(kind) && c.status == Status::Pending && c.member == m
            })
        };
        let member_waits = pending(true).any(|c| !placed.contains(&c.number));
        let other_placed = pending(false).any(|c| placed.contains(&c.number));
        assert!(
            !(member_waits && other_placed),
            "{kind:?}: a member waits, a non-member is placed"
        );
        // Everyone pending is placed or waitlisted.
        for c in all
            .iter()
            .filter(|c| c.kind == Some(kind) && c.status == Status::Pending)
        {
            assert!(placed.contains(&c.number) ^ plan.waitlisted.contains(&c.number));
        }
        let (_, greedy, greedy_placed) = one_by_one(rules, kind, all, pinned);
        assert!(
            plan.honoured >= greedy,
            "{kind:?}: {} wishes honoured, one by one {greedy}",
            plan.honoured
        );
        assert_eq!(plan.one_by_one, greedy);
        assert!(
            placed.len() >= greedy_placed.len(),
            "as many placed as one by one"
        );
    }
}

#[test]
fn on_the_sample_inbox() {
    let (_d, db) = console_support::sample_db();
    let store = Store::open(&db).unwrap();
    let rules = console_support::config().rules(console_support::members());
    let all = store.candidates(&rules).unwrap();
    let pinned = store.pinned(&rules).unwrap();
    let s = store.suggestion(&rules).unwrap();
    check(&rules, &all, &pinned, &s);
    let micro = s.of(Kind::MicroAtelier);
    assert_eq!(
        micro.placed.len(),
        20,
        "the sample fills the micro-ateliers"
    );
    assert!(
        micro.honoured > micro.one_by_one,
        "{} vs {}",
        micro.honoured,
        micro.one_by_one
    );
}

#[test]
fn on_1000_generated_proposals() {
    for (layout, seeds) in [
        (Layout::spec_default(), 0..4u64),
        (generate::layout(10, 40), 10..12),
    ] {
        let rules = Rules {
            layout,
            ..Rules::default()
        };
        for seed in seeds {
            let all = generate::candidates(1000, &rules.layout, seed);
            let s = suggest(&rules, &all, &BTreeSet::new());
            check(&rules, &all, &BTreeSet::new(), &s);
            // Pinning the accepted ones keeps them where they are.
            let pinned: BTreeSet<i64> = all
                .iter()
                .filter(|c| c.status == Status::Accepted)
                .map(|c| c.number)
                .collect();
            let s = suggest(&rules, &all, &pinned);
            check(&rules, &all, &pinned, &s);
            assert!(s.changes.iter().all(|c| !pinned.contains(&c.number)));
        }
    }
}
