//! Helper of `scripts/bench-import.sh`.
//!
//! - `bench_import gen MAILDIR N`: writes N messages with one fiche each
//!   (corpus mails given unique Message-IDs and senders) into a Maildir.
//! - `bench_import layers MAILDIR`: times, in this process and on the same
//!   messages, the fiche reader alone (`fiche::parse` on each message's
//!   fiche, extracted beforehand) and the whole intake without the store
//!   (`intake::process`: mail parsing, walking, sniffing, reading). Prints
//!   wall and CPU seconds (`parse_only_s`, `parse_only_cpu_s`, `process_s`,
//!   `process_cpu_s`) as `key=value` lines.

// A benchmark or tool, not the program: a panic is its report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/it/support/common/synth.rs"]
mod synth;

use std::path::Path;
use std::time::Instant;

use fiches::intake::{self, IntakeOptions, RawMessage, Source};

/// Corpus mails that carry exactly one fiche.
const ONE_FICHE: &[&str] = &[
    "01-plain.eml",
    "02-accented-filename.eml",
    "03-outlook-octet-stream.eml",
    "04-forwarded-rfc822.eml",
    "06-inline-disposition.eml",
    "10-late.eml",
    "11-resubmission.eml",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["gen", dir, n] => generate(Path::new(dir), n.parse().expect("N")),
        ["layers", dir] => layers(Path::new(dir)),
        _ => {
            eprintln!("usage: bench_import gen MAILDIR N | bench_import layers MAILDIR");
            std::process::exit(2);
        }
    }
}

fn generate(dir: &Path, n: usize) {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus/mail");
    let templates: Vec<Vec<u8>> = ONE_FICHE
        .iter()
        .map(|f| std::fs::read(corpus.join(f)).expect("corpus"))
        .collect();
    synth::write_maildir(dir, &templates, n, "bench.example");
    let bytes: u64 = std::fs::read_dir(dir.join("new"))
        .expect("maildir")
        .map(|e| e.expect("entry").metadata().expect("meta").len())
        .sum();
    println!("messages={n}");
    println!("mean_kib={:.1}", bytes as f64 / n as f64 / 1024.0);
}

/// CPU seconds (user + system) of this process, from /proc (Linux; clock
/// ticks of 10 ms), or 0 when it cannot be read.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the command name: state is field 3, utime 14 and stime 15.
    let ticks = |i: usize| {
        fields
            .get(i - 3)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(14) + ticks(15)) / 100.0
}

fn layers(dir: &Path) {
    let mut md = intake::Maildir::open(dir).expect("maildir");
    let mut raws: Vec<RawMessage> = Vec::new();
    while let Some(m) = md.next_message() {
        raws.push(m.expect("read"));
    }
    // The fiche of each message, extracted outside the timing.
    let mut fiches: Vec<(Vec<u8>, String)> = Vec::new();
    for r in &raws {
        let msg = intake::mail::parse(&r.bytes).expect("mail");
        let walk = intake::mail::walk(&msg, &intake::MailLimits::default());
        for leaf in &walk.leaves {
            if fiches::fiche::sniff(&leaf.bytes).is_readable() {
                fiches.push((
                    leaf.bytes.to_vec(),
                    leaf.filename.clone().unwrap_or_default(),
                ));
            }
        }
    }
    let (t, c) = (Instant::now(), cpu_seconds());
    let mut ok = 0;
    for (bytes, name) in &fiches {
        ok += usize::from(fiches::fiche::parse(std::hint::black_box(bytes), name).is_ok());
    }
    let parse_only = t.elapsed().as_secs_f64();
    let parse_only_cpu = cpu_seconds() - c;

    let opts = IntakeOptions::new(
        chrono::DateTime::parse_from_rfc3339("2018-06-08T23:59:59+02:00").expect("date"),
    );
    let (t, c) = (Instant::now(), cpu_seconds());
    let mut proposals = 0;
    for r in &raws {
        let m = intake::process(std::hint::black_box(r), &opts).expect("in-process reader");
        proposals += m
            .attachments
            .iter()
            .filter(|a| a.proposal.is_some())
            .count();
    }
    let process = t.elapsed().as_secs_f64();
    let process_cpu = cpu_seconds() - c;
    println!("messages={}", raws.len());
    println!("fiches_read={ok}/{}", fiches.len());
    println!("proposals={proposals}");
    println!("parse_only_s={parse_only:.3}");
    println!("process_s={process:.3}");
    println!("parse_only_cpu_s={parse_only_cpu:.3}");
    println!("process_cpu_s={process_cpu:.3}");
}
