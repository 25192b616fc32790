//! The reader workers, driven through the library with the real `fiches`
//! binary as worker (`CARGO_BIN_EXE_fiches`): each way a reader can die is
//! told apart and the pool goes on; what a worker may not do it cannot do;
//! `fiches parse` reports a dead reading and reads the next file; a container
//! (winmail.dat) gives one result per file inside, from a worker as in process.

use crate::support::process::own_process;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fiches::fiche::Limits;
use fiches::worker::{Interrupted, Reader, WorkerLimits, WorkerPool};

fn pool(limits: WorkerLimits) -> WorkerPool {
    // SAFETY (edition 2024): every test that starts a pool runs alone in a
    // child process of the test binary (`own_process`), which no other
    // test shares; they all set the same value.
    unsafe {
        std::env::set_var("FICHES_TEST_READER_HOOKS", "1");
    }
    WorkerPool::start(PathBuf::from(env!("CARGO_BIN_EXE_fiches")), limits).expect("workers")
}

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(rel),
    )
    .unwrap()
}

fn good_fiche() -> Vec<u8> {
    fixture("corpus/fiches/01-fiche-micro-atelier-ville-de-saint-etienne.docx")
}

fn read(p: &WorkerPool, bytes: &[u8]) -> Result<fiches::worker::ReadResult, Interrupted> {
    p.read(bytes, "f.xlsx", &Limits::default())
        .expect("a worker")
}

/// The good fiche's answer: one form, read.
fn one_fiche(r: &fiches::worker::ReadResult) -> bool {
    r.len() == 1 && r[0].result.is_ok()
}

fn marked(marker: &str) -> Vec<u8> {
    let mut b = b"PK\x03\x04".to_vec();
    b.extend_from_slice(marker.as_bytes());
    b
}

#[test]
fn a_good_fiche_reads_the_same_in_a_worker_and_in_process() {
    if !own_process("reader_worker::a_good_fiche_reads_the_same_in_a_worker_and_in_process") {
        return;
    }
    let p = pool(WorkerLimits::default());
    let bytes = good_fiche();
    let in_process = Reader::InProcess
        .read(&bytes, "f.docx", &Limits::default())
        .unwrap()
        .unwrap();
    for _ in 0..3 {
        assert_eq!(read(&p, &bytes).unwrap(), in_process);
    }
    assert!(one_fiche(&in_process), "{in_process:?}");
    assert_eq!(
        in_process[0].result.as_ref().unwrap().text("organisation"),
        Some("Ville de Saint-Étienne")
    );
}

#[test]
fn each_death_is_told_apart_and_the_pool_goes_on() {
    if !own_process("reader_worker::each_death_is_told_apart_and_the_pool_goes_on") {
        return;
    }
    let p = pool(WorkerLimits {
        cpu_seconds: 1,
        wall: Duration::from_secs(5),
        ..WorkerLimits::default()
    });
    let good = good_fiche();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            fixture("hostile/xlsx-sst-uniqueCount-2147483647.xlsx"),
            "memory",
        ),
        (fixture("hostile/xls-cfb-dir-chain-loop.xls"), "memory"),
        (fixture("hostile/xls-panic-xls633.xls"), "panic"),
        (marked("FICHES-TEST-SPIN"), "time"),
        (marked("FICHES-TEST-ABORT"), "crash"),
        (marked("FICHES-TEST-SEGV"), "crash"),
        (marked("FICHES-TEST-PANIC"), "panic"),
    ];
    for (bytes, kind) in cases {
        let t = Instant::now();
        let got = match read(&p, &bytes) {
            Err(i) => i,
            Ok(r) => panic!("expected {kind}, read {r:?}"),
        };
        assert_eq!(got.kind(), kind, "{got:?}");
        assert!(got.reason().starts_with("lecture interrompue : "));
        assert!(t.elapsed() < Duration::from_secs(15), "{:?}", t.elapsed());
        // The next file is read as if nothing happened.
        assert!(one_fiche(&read(&p, &good).unwrap()));
    }
    let t = Instant::now();
    let sleep = read(&p, &marked("FICHES-TEST-SLEEP")).unwrap_err();
    assert_eq!(sleep, Interrupted::Time { seconds: 5 });
    assert!(t.elapsed() >= Duration::from_secs(5), "{:?}", t.elapsed());
    let crash = read(&p, &marked("FICHES-TEST-SEGV")).unwrap_err();
    assert!(crash.summary().contains("SIGSEGV"), "{}", crash.summary());
}

#[test]
fn a_worker_cannot_write_a_file_reach_the_network_or_start_a_program() {
    if !own_process(
        "reader_worker::a_worker_cannot_write_a_file_reach_the_network_or_start_a_program",
    ) {
        return;
    }
    let p = pool(WorkerLimits::default());
    let got = read(&p, &marked("FICHES-TEST-ESCAPE")).unwrap_err();
    let Interrupted::Panicked { message } = got else {
        panic!("{got:?}")
    };
    assert!(
        message.contains("fichier refusé, réseau refusé, processus refusé"),
        "{message}"
    );
    assert!(!Path::new("/tmp/fiches-worker-escape").exists());
}

#[test]
fn workers_run_concurrently_and_the_pool_keeps_a_few_warm() {
    if !own_process("reader_worker::workers_run_concurrently_and_the_pool_keeps_a_few_warm") {
        return;
    }
    let p = pool(WorkerLimits {
        max_idle: 2,
        ..WorkerLimits::default()
    });
    let good = good_fiche();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..5 {
                    assert!(one_fiche(&read(&p, &good).unwrap()));
                }
            });
        }
    });
    // Warm: a reading after the first costs no process start.
    let t = Instant::now();
    for _ in 0..20 {
        assert!(one_fiche(&read(&p, &good).unwrap()));
    }
    eprintln!("20 readings in warm workers: {:?}", t.elapsed());
}

#[test]
fn a_program_that_is_not_a_reader_is_refused_at_start() {
    let err = WorkerPool::start(PathBuf::from("/bin/cat"), WorkerLimits::default()).unwrap_err();
    assert!(err.to_string().contains("lecteur"), "{err}");
    let err = WorkerPool::start(
        PathBuf::from("/nonexistent/fiches"),
        WorkerLimits::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("ne peut pas être lancé"), "{err}");
}

#[test]
fn parse_reports_a_dead_reading_and_reads_the_next_file() {
    let dir = tempfile::tempdir().unwrap();
    let panic_xls =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/hostile/xls-panic-xls772.xls");
    let oom = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/hostile/xlsx-sst-uniqueCount-2147483647.xlsx");
    let good = dir.path().join("bonne.docx");
    std::fs::write(&good, good_fiche()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fiches"))
        .args(["parse", "--json"])
        .arg(&panic_xls)
        .arg(&oom)
        .arg(&good)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "{stderr}");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["error"]["code"], "rejected");
    assert_eq!(lines[1]["error"]["code"], "rejected");
    assert!(
        lines[1]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("mémoire dépassée")
    );
    assert!(lines[2]["error"].is_null(), "{}", lines[2]);
    assert_eq!(lines[2]["fields"]["organisation"], "Ville de Saint-Étienne");
}

#[test]
fn a_worker_answers_every_file_of_a_container_and_parse_prints_each() {
    if !own_process(
        "reader_worker::a_worker_answers_every_file_of_a_container_and_parse_prints_each",
    ) {
        return;
    }
    // A winmail.dat holding a fiche and a PDF: two results, each named,
    // the same from a worker as in process.
    let good = good_fiche();
    let tnef = fiches::fiche::container::build_tnef(&[
        ("fiche.docx", &good),
        ("note.pdf", b"%PDF-1.4\n..."),
    ]);
    let p = pool(WorkerLimits::default());
    let in_process = Reader::InProcess
        .read(&tnef, "winmail.dat", &Limits::default())
        .unwrap()
        .unwrap();
    let isolated = p
        .read(&tnef, "winmail.dat", &Limits::default())
        .expect("a worker")
        .unwrap();
    assert_eq!(isolated, in_process);
    assert_eq!(in_process.len(), 2, "{in_process:?}");
    assert_eq!(in_process[0].inner.as_deref(), Some("fiche.docx"));
    assert_eq!(
        in_process[0].result.as_ref().unwrap().text("organisation"),
        Some("Ville de Saint-Étienne")
    );
    assert_eq!(in_process[1].inner.as_deref(), Some("note.pdf"));
    assert_eq!(
        in_process[1].result.as_ref().unwrap_err().code(),
        "unsupported_format"
    );

    // `fiches parse --json`: one line per file inside, named by "inner".
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("winmail.dat");
    std::fs::write(&path, &tnef).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fiches"))
        .args(["parse", "--json"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["inner"], "fiche.docx");
    assert_eq!(lines[0]["fields"]["organisation"], "Ville de Saint-Étienne");
    assert_eq!(lines[1]["inner"], "note.pdf");
    assert_eq!(lines[1]["error"]["code"], "unsupported_format");
}
