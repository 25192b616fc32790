//! Publication benchmark: N proposals → snapshot, changelog and every file
//! (HTML pages and fragments, CSV, both XLSX workbooks, JSON), in memory.
//! Two grids: the event's (44 places: most proposals wait, the staff
//! workbook dominates) and a large one where every proposal is placed (the
//! public lists are as long as possible). Prints one TSV line per run;
//! `cargo bench --bench publish`.

// A benchmark or tool, not the program: a panic is its report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Instant;

use fiches::domain::{KindLayout, Layout, Status};
use fiches::fiche::{Kind, Value};
use fiches::publish::{Edition, Entry, Event, PublishOptions, Snapshot, compare, render_files};

fn entries(n: usize, layout: &Layout) -> Vec<Entry> {
    let statuses = [
        Status::Accepted,
        Status::Waitlisted,
        Status::Pending,
        Status::Rejected,
    ];
    let mut next_place = [0usize; 2];
    (0..n)
        .map(|i| {
            let kind = if i % 2 == 0 {
                Kind::MicroAtelier
            } else {
                Kind::BourseProjets
            };
            let k = i % 2;
            let grid = layout.of(kind);
            let mut status = statuses[(i / 2) % statuses.len()];
            let mut e = Entry::new(i as i64 + 1, Some(kind), status);
            if status == Status::Accepted {
                let p = next_place[k];
                if p < grid.capacity() {
                    next_place[k] += 1;
                    e.slot = Some(grid.slots[p / grid.places.len()].clone());
                    e.place = Some(grid.places[p % grid.places.len()].clone());
                } else {
                    status = Status::Waitlisted;
                    e.status = status;
                }
            }
            e.key = Some(format!("contact{i}@example.org|{}|org {i}", kind.key()));
            e.member = i % 3 == 0;
            e.received_at = format!("2018-05-{:02}T{:02}:00:00+02:00", i % 28 + 1, i % 24);
            let mut f = BTreeMap::new();
            let t = |s: String| Value::Text(s);
            f.insert(
                "organisation".into(),
                t(format!("Collectivité n° {i} de la coopération")),
            );
            f.insert("country".into(), t("France".into()));
            f.insert("contact_email".into(), t(format!("contact{i}@example.org")));
            f.insert("contact_last_name".into(), t("Martin".into()));
            f.insert("contact_phone".into(), t("+33 4 77 48 77 48".into()));
            f.insert("cuf_member".into(), Value::Bool(i % 3 == 0));
            f.insert("theme".into(), t("odd".into()));
            f.insert(
                "organisation_description".into(),
                t("Ville engagée dans la coopération décentralisée.\nDepuis 1985.".into()),
            );
            match kind {
                Kind::MicroAtelier => {
                    f.insert(
                        "project_title".into(),
                        t(format!("=Projet {i} : un guide du financement")),
                    );
                    f.insert("project_description".into(), t("Description. ".repeat(20)));
                    f.insert("preferred_slot".into(), t("14:20".into()));
                }
                _ => {
                    f.insert("request_type".into(), t("cooperation".into()));
                    f.insert("partner_sought".into(), t("french_local_government".into()));
                    f.insert("target_country".into(), t("Arménie".into()));
                    f.insert("request_description".into(), t("Demande. ".repeat(20)));
                }
            }
            e.fields = f;
            e.flags = if i % 7 == 0 {
                vec!["doublon".into()]
            } else {
                vec![]
            };
            e
        })
        .collect()
}

fn big_layout(n: usize) -> Layout {
    let grid = |prefix: &str| {
        let slots = 50;
        let places = n / 2 / slots + 1;
        KindLayout {
            slots: (0..slots)
                .map(|s| format!("{:02}:{:02}", 8 + s / 4, (s % 4) * 15))
                .collect(),
            places: (0..places).map(|p| format!("{prefix} {p}")).collect(),
        }
    };
    Layout {
        kinds: vec![grid("Espace"), grid("Table")],
    }
}

fn run(n: usize, grid_name: &str, layout: &Layout) {
    let all = entries(n, layout);
    let event = Event::spec_default();
    let opts = PublishOptions::default();
    let mut best = f64::MAX;
    let mut bytes = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let previous = Snapshot::build(&all[..n / 2], layout, &event, "2018-05-21T08:00:00+02:00");
        let s = Snapshot::build(&all, layout, &event, "2018-05-28T08:00:00+02:00");
        let changes = compare(Some(&previous), &s);
        let files = render_files(
            &s,
            &all,
            Some(&changes),
            Edition::Final { number: 2 },
            &opts,
        )
        .expect("render");
        let dt = t.elapsed().as_secs_f64();
        bytes = files.iter().map(|f| f.bytes.len()).sum();
        best = best.min(dt);
    }
    println!(
        "{n}\t{grid_name}\t{:.1}\t{:.2}\t{}",
        best * 1000.0,
        best * 1e6 / n as f64,
        bytes
    );
}

/// Where the time goes at one size (best of 3, ms).
fn breakdown(n: usize, layout: &Layout) {
    use fiches::publish::{csv, html, json, xlsx};
    let all = entries(n, layout);
    let event = Event::spec_default();
    let ed = Edition::Final { number: 2 };
    let time = |f: &dyn Fn()| {
        (0..3)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1000.0
            })
            .fold(f64::MAX, f64::min)
    };
    let s = Snapshot::build(&all, layout, &event, "2018-05-28T08:00:00+02:00");
    let prev = Snapshot::build(&all[..n / 2], layout, &event, "2018-05-21");
    let parts: [(&str, f64); 7] = [
        (
            "snapshot",
            time(&|| {
                Snapshot::build(&all, layout, &event, "2018-05-28");
            }),
        ),
        (
            "compare+changelog",
            time(&|| {
                let c = compare(Some(&prev), &s);
                let _ = (c.text(), c.html());
            }),
        ),
        (
            "html (6 files)",
            time(&|| {
                let parts = std::iter::once(html::Part::Programme)
                    .chain(s.kinds.iter().map(|k| html::Part::Kind(&k.kind)));
                for p in parts {
                    let _ = (html::page(&s, ed, p), html::fragment(&s, ed, p));
                }
            }),
        ),
        (
            "csv (2 files)",
            time(&|| {
                let o = csv::CsvOptions::default();
                for k in &s.kinds {
                    let _ = csv::list(&s, k, &o, ed);
                }
            }),
        ),
        (
            "programme.xlsx",
            time(&|| {
                xlsx::programme(&s, ed).unwrap();
            }),
        ),
        (
            "suivi-complet.xlsx",
            time(&|| {
                xlsx::staff(&s, &all, ed).unwrap();
            }),
        ),
        (
            "programme.json",
            time(&|| {
                json::programme(&s, ed).unwrap();
            }),
        ),
    ];
    for (name, ms) in parts {
        println!("# {n} {name}: {ms:.1} ms");
    }
}

fn main() {
    // `cargo test --all-targets` runs benches without `--bench`: nothing to time then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    println!("proposals\tgrid\tms\tus_per_proposal\tbytes");
    for n in [1_000, 5_000, 10_000, 20_000] {
        run(n, "event", &Layout::spec_default());
        run(n, "all_placed", &big_layout(n));
    }
    breakdown(10_000, &Layout::spec_default());
    breakdown(10_000, &big_layout(10_000));
}
