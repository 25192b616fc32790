//! Programme suggestion benchmark: N generated proposals (`domain::generate`:
//! members, late fiches, wishes leaning to the first slots, organisations
//! sending several fiches, themes) placed by `domain::suggest` (one
//! minimum-cost flow per kind, then the themes spread) and, for
//! comparison, one by one in priority order. Two grids: the event's (44
//! places: most proposals wait) and a large one (10 slots × 40 places per
//! kind, 800 places: most are placed). Prints one TSV line per case with
//! the median of the runs; `cargo bench --bench suggest`
//! (scripts/bench-suggest.sh). Goal (issue 11): under 1 s at 1,000.

// A benchmark or tool, not the program: a panic is its report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use fiches::domain::suggest::{one_by_one, suggest};
use fiches::domain::{Layout, Rules, generate};
use fiches::fiche::Kind;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    // `cargo test --all-targets` runs benches without `--bench`: one small
    // case then, as a smoke test, nothing timed.
    if !std::env::args().any(|a| a == "--bench") {
        let rules = Rules::default();
        let all = generate::candidates(100, &rules.layout, 1);
        let s = suggest(&rules, &all, &BTreeSet::new());
        for k in Kind::all() {
            assert!(s.of(k).honoured >= s.of(k).one_by_one);
        }
        return;
    }
    println!(
        "grid\tproposals\tsuggest_ms\tone_by_one_ms\twishes\thonoured\tone_by_one_honoured\tplaced\truns"
    );
    for (name, layout) in [
        ("evenement-44", Layout::spec_default()),
        ("grande-800", generate::layout(10, 40)),
    ] {
        let rules = Rules {
            layout,
            ..Rules::default()
        };
        for n in [100usize, 1000] {
            let all = generate::candidates(n, &rules.layout, 42);
            let none = BTreeSet::new();
            let runs = if n >= 1000 { 7 } else { 15 };
            let mut times = Vec::new();
            let mut greedy_times = Vec::new();
            let mut last = None;
            for _ in 0..runs {
                let t = Instant::now();
                let s = suggest(&rules, &all, &none);
                times.push(t.elapsed());
                last = Some(s);
                let t = Instant::now();
                for k in Kind::all() {
                    std::hint::black_box(one_by_one(&rules, k, &all, &none));
                }
                greedy_times.push(t.elapsed());
            }
            let s = last.expect("one run");
            let (w, h, o, p) = Kind::all().iter().fold((0, 0, 0, 0), |acc, k| {
                let plan = s.of(*k);
                (
                    acc.0 + plan.wishes,
                    acc.1 + plan.honoured,
                    acc.2 + plan.one_by_one,
                    acc.3 + plan.placed.len(),
                )
            });
            println!(
                "{name}\t{n}\t{:.1}\t{:.1}\t{w}\t{h}\t{o}\t{p}\t{runs}",
                median(times).as_secs_f64() * 1000.0,
                median(greedy_times).as_secs_f64() * 1000.0,
            );
        }
    }
}
