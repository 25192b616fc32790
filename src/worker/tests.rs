//! Unit tests of what runs without a worker process: the in-process reader,
//! the quiet catching of panics, and the reading of a worker's death. The
//! real workers are tested with the real binary in `tests/reader_worker.rs`.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

use super::*;

#[test]
fn in_process_reading_gives_the_reader_result() {
    let r = Reader::InProcess;
    let got = r
        .read(b"%PDF-1.4\n", "f.pdf", &Limits::default())
        .unwrap()
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].result.as_ref().unwrap_err().code(),
        "unsupported_format"
    );
    let got = r
        .read(b"hello", "f.txt", &Limits::default())
        .unwrap()
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].result.as_ref().unwrap_err().code(), "not_a_fiche");
}

#[test]
fn a_caught_panic_gives_its_message_and_place() {
    quiet_panics();
    let r: Result<(), String> = catch_quietly(|| panic!("index 7 hors limites"));
    let msg = r.unwrap_err();
    assert!(msg.contains("index 7 hors limites"), "{msg}");
    assert!(msg.contains("src/worker/tests.rs"), "{msg}");
    assert_eq!(catch_quietly(|| 5), Ok(5));
}

#[test]
fn reasons_name_what_happened_in_french() {
    let m = Interrupted::Memory {
        limit_bytes: 256 << 20,
    };
    assert!(
        m.reason()
            .starts_with("lecture interrompue : mémoire dépassée (limite de 256 Mio)")
    );
    assert!(m.reason().contains("saisir à la main"));
    let t = Interrupted::Time { seconds: 10 };
    assert_eq!(t.summary(), "lecture interrompue : délai dépassé (10 s)");
    let c = Interrupted::Crashed {
        how: "signal SIGSEGV".into(),
    };
    assert!(c.summary().contains("SIGSEGV"));
    assert_eq!(
        Interrupted::Panicked {
            message: "x".into()
        }
        .kind(),
        "panic"
    );
}

fn killed_by(sig: i32) -> Option<ExitStatus> {
    Some(ExitStatus::from_raw(sig))
}

#[test]
fn a_death_is_told_apart() {
    use pool::tests_support::classify_closed as c;
    let wl = WorkerLimits::default();
    // Rust's last words when an allocation is refused under RLIMIT_AS.
    assert_eq!(
        c(
            killed_by(libc::SIGABRT),
            0.1,
            "memory allocation of 51539607528 bytes failed\n",
            &wl
        )
        .kind(),
        "memory"
    );
    assert_eq!(
        c(
            killed_by(libc::SIGABRT),
            0.1,
            "\nthread 'main' has overflowed its stack\nfatal runtime error: stack overflow",
            &wl
        )
        .kind(),
        "memory"
    );
    // Over the CPU soft limit.
    assert_eq!(c(killed_by(libc::SIGXCPU), 10.0, "", &wl).kind(), "time");
    // SIGKILL not sent by us: the CPU hard limit when the time was spent,
    // else the system's memory limit.
    assert_eq!(c(killed_by(libc::SIGKILL), 10.2, "", &wl).kind(), "time");
    assert_eq!(c(killed_by(libc::SIGKILL), 0.3, "", &wl).kind(), "memory");
    // Anything else is a crash, named.
    let seg = c(killed_by(libc::SIGSEGV), 0.1, "", &wl);
    assert_eq!(seg.kind(), "crash");
    assert!(seg.summary().contains("SIGSEGV"), "{}", seg.summary());
    let abort = c(killed_by(libc::SIGABRT), 0.1, "", &wl);
    assert!(abort.summary().contains("SIGABRT"), "{}", abort.summary());
    let exit = c(Some(ExitStatus::from_raw(3 << 8)), 0.1, "", &wl);
    assert!(exit.summary().contains("code 3"), "{}", exit.summary());
}
