//! Parse benchmark: per-fiche time of `fiche::parse` on the corpus DOCX and
//! XLSX files, and for XLSX the floor: calamine merely opening the workbook
//! and reading every sheet's cells, timed in batches alternating with the
//! parse (the ratio is not skewed by the load of a shared machine drifting).
//! Prints one tab-separated line per file:
//! `file  format  fiches_us  calamine_floor_us`. Run by scripts/bench-parse.sh.

// A benchmark or tool, not the program: a panic is its report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::io::Cursor;
use std::path::Path;
use std::time::{Duration, Instant};

use calamine::{Reader, Xlsx};

/// Median time of one call, over enough calls to fill ~`budget`.
fn time_it(budget: Duration, mut f: impl FnMut()) -> f64 {
    for _ in 0..5 {
        f();
    }
    let mut samples = Vec::new();
    let start = Instant::now();
    while start.elapsed() < budget || samples.len() < 20 {
        let t = Instant::now();
        for _ in 0..10 {
            f();
        }
        samples.push(t.elapsed().as_secs_f64() * 1e6 / 10.0);
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[samples.len() / 2]
}

/// Median times of one call of `f` and of `g`, timed in alternating
/// batches so both see the same machine (the load of a shared machine
/// drifts; timing one after the other would give the drift to one side).
fn time_pair(budget: Duration, mut f: impl FnMut(), mut g: impl FnMut()) -> (f64, f64) {
    for _ in 0..5 {
        f();
        g();
    }
    let (mut fs, mut gs) = (Vec::new(), Vec::new());
    let start = Instant::now();
    while start.elapsed() < 2 * budget || fs.len() < 20 {
        for (run, samples) in [
            (&mut f as &mut dyn FnMut(), &mut fs),
            (&mut g as &mut dyn FnMut(), &mut gs),
        ] {
            let t = Instant::now();
            for _ in 0..10 {
                run();
            }
            samples.push(t.elapsed().as_secs_f64() * 1e6 / 10.0);
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    (median(&mut fs), median(&mut gs))
}

fn calamine_floor(bytes: &[u8]) {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("open");
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).expect("sheet");
        black_box(range.used_cells().count());
    }
}

fn main() {
    // `cargo test --all-targets` runs benches without `--bench`: nothing to time then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus/fiches");
    let budget = Duration::from_millis(
        std::env::var("BENCH_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(400),
    );
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    files.sort();
    println!("file\tformat\tfiches_us\tcalamine_floor_us");
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_string();
        if ext != "docx" && ext != "xlsx" {
            continue;
        }
        let bytes = std::fs::read(&path).expect("read");
        let parse = || {
            black_box(fiches::fiche::parse(black_box(&bytes), &name).ok());
        };
        let (ours, floor) = if ext == "xlsx" {
            let (ours, floor) = time_pair(budget, parse, || calamine_floor(black_box(&bytes)));
            (ours, format!("{floor:.1}"))
        } else {
            (time_it(budget, parse), "-".to_string())
        };
        println!("{name}\t{ext}\t{ours:.1}\t{floor}");
    }
}
