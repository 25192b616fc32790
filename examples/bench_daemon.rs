//! Helper of `scripts/bench-daemon.sh`: the intake daemon against mbsync,
//! on the same mailbox of a local dovecot (the test harness's, TLS with the
//! test CA).
//!
//! `bench_daemon FICHES_BIN WORKDIR N BIG RUNS`:
//! 1. APPENDs N messages of ~40 KB with one fiche each to INBOX;
//! 2. RUNS times, alternating: `mbsync` (FSync on, its default; then
//!    `FSync no`) pulling INBOX into an empty Maildir, and
//!    `fiches daemon --once` into an empty database (its own measure: from
//!    the connection to the last commit; and the process's wall time and
//!    peak memory with `/usr/bin/time -v`);
//! 3. APPENDs BIG small messages to a second mailbox, ingests them, then
//!    times idle passes (nothing new) over it, on an open connection and as
//!    whole `--once` processes, and over an empty mailbox and INBOX, to
//!    show the cost does not grow with the mailbox.
//!
//! Prints `key=value` lines; medians over the runs.

// A benchmark or tool, not the program: a panic is its report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../tests/it/support/dovecot.rs"]
mod dovecot;
#[allow(dead_code)]
#[path = "../tests/it/support/synth_mail.rs"]
mod synth_mail;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use dovecot::{Dovecot, USER};
use fiches::intake::IntakeOptions;
use fiches::intake::daemon::pass;
use fiches::intake::imap::{ImapConnection, SyncOptions, TlsMode};
use fiches::store::Store;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Wall seconds and peak RSS (KiB) from `/usr/bin/time -v` output.
fn time_v(stderr: &str) -> (f64, u64) {
    let mut wall = 0.0;
    let mut rss = 0;
    for l in stderr.lines() {
        let l = l.trim();
        if let Some(v) = l.strip_prefix("Elapsed (wall clock) time (h:mm:ss or m:ss): ") {
            let parts: Vec<f64> = v.split(':').filter_map(|p| p.parse().ok()).collect();
            wall = parts.iter().fold(0.0, |acc, p| acc * 60.0 + p);
        }
        if let Some(v) = l.strip_prefix("Maximum resident set size (kbytes): ") {
            rss = v.parse().unwrap_or(0);
        }
    }
    (wall, rss)
}

fn timed(cmd: &mut Command) -> (f64, u64, String) {
    let out = cmd.output().expect("run /usr/bin/time");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{cmd:?} failed:\n{stderr}");
    let (wall, rss) = time_v(&stderr);
    (wall, rss, String::from_utf8_lossy(&out.stdout).into_owned())
}

fn config_toml(d: &Dovecot, mailbox: &str) -> String {
    let shipped = include_str!("../config.toml");
    let head = shipped.split("[[sources]]").next().unwrap_or(shipped);
    format!(
        "{head}\n[[sources]]\ntype = \"imap\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"{USER}\"\n\
         password_file = \"{}\"\nca_file = \"{}\"\nmailbox = \"{mailbox}\"\npost_action = \"none\"\n",
        d.tls_port,
        d.dir().join("password").display(),
        d.ca_file().display()
    )
}

fn mbsyncrc(d: &Dovecot, maildir: &Path, fsync: bool) -> String {
    format!(
        "FSync {}\n\nIMAPAccount bench\nHost localhost\nPort {}\nUser {USER}\nPassCmd \"cat {}\"\n\
         SSLType IMAPS\nCertificateFile {}\n\nIMAPStore remote\nAccount bench\n\n\
         MaildirStore local\nPath {}/\nInbox {}/INBOX\n\n\
         Channel bench\nFar :remote:\nNear :local:\nPatterns INBOX\nSync Pull\nCreate Near\nSyncState *\n",
        if fsync { "yes" } else { "no" },
        d.tls_port,
        d.dir().join("password").display(),
        d.ca_file().display(),
        maildir.display(),
        maildir.display(),
    )
}

fn fiches_once(fiches: &Path, dir: &Path) -> (f64, u64, f64, serde_json::Value) {
    let (wall, rss, stdout) = timed(
        Command::new("/usr/bin/time")
            .arg("-v")
            .arg(fiches)
            .args(["--config", "config.toml", "daemon", "--once", "--json"])
            .current_dir(dir)
            .env("FICHES_LOG", "warn")
            .stdin(Stdio::null()),
    );
    let v: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap_or("{}"))
        .unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(v["ok"], true, "{v}");
    let ms = v["elapsed_ms"].as_f64().unwrap_or(f64::NAN);
    (wall, rss, ms / 1000.0, v)
}

fn append(d: &Dovecot, mailbox: &str, msgs: &[Vec<u8>]) -> f64 {
    let t = Instant::now();
    for chunk in msgs.chunks(500) {
        let refs: Vec<&[u8]> = chunk.iter().map(Vec::as_slice).collect();
        d.append_all(mailbox, &refs);
    }
    t.elapsed().as_secs_f64()
}

fn small(i: usize) -> Vec<u8> {
    format!(
        "From: Mairie {i} <mairie{i}@example.org>\r\nTo: fiches@example.org\r\n\
         Subject: Message {i}\r\nMessage-ID: <big-{i}@bench.example>\r\n\
         Date: Mon, 14 May 2018 10:00:00 +0200\r\n\r\nBonjour ({i}).\r\n"
    )
    .into_bytes()
}

/// Idle passes on an open connection: median milliseconds.
fn idle_pass_ms(d: &Dovecot, db: &Path, mailbox: &str, n: usize) -> f64 {
    let mut cfg = d.source(TlsMode::Implicit);
    cfg.mailbox = mailbox.to_owned();
    let opts = SyncOptions::from_config(&cfg);
    let mut store = Store::open(db).expect("store");
    let intake = IntakeOptions::new(
        chrono::DateTime::parse_from_rfc3339("2018-06-08T23:59:59+02:00").expect("date"),
    );
    let mut conn = ImapConnection::connect(&cfg).expect("connect");
    // The first pass may find the mailbox unknown to this database.
    pass(&mut conn, &mut store, &intake, &opts).expect("pass");
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let p = pass(&mut conn, &mut store, &intake, &opts).expect("pass");
        v.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(p.report.new_uids, 0);
    }
    conn.logout();
    median(v)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [fiches, work, n, big, runs] = args.as_slice() else {
        eprintln!("usage: bench_daemon FICHES_BIN WORKDIR N BIG RUNS");
        std::process::exit(2);
    };
    let fiches = std::fs::canonicalize(fiches).expect("fiches binary");
    // Another build to compare with, run just before each run of FICHES_BIN
    // (same server, same load): e.g. the binary before a change.
    let fiches_b = std::env::var_os("FICHES_BIN_B")
        .map(|b| std::fs::canonicalize(b).expect("FICHES_BIN_B binary"));
    let mut b_inner = vec![];
    let work = PathBuf::from(work);
    let n: usize = n.parse().expect("N");
    let big: usize = big.parse().expect("BIG");
    let runs: usize = runs.parse().expect("RUNS");
    std::fs::create_dir_all(&work).expect("workdir");

    let d = Dovecot::start();
    let msgs = synth_mail::synth_messages(n, "bench.example");
    let bytes: usize = msgs.iter().map(Vec::len).sum();
    let append_s = append(&d, "INBOX", &msgs);
    drop(msgs);
    println!("messages={n}");
    println!("mean_kib={:.1}", bytes as f64 / n as f64 / 1024.0);
    println!("append_s={append_s:.2}");

    std::fs::write(work.join("config.toml"), config_toml(&d, "INBOX")).expect("config");
    let maildir = work.join("mbsync");
    let (mut mb_fsync, mut mb_nofsync, mut f_inner, mut f_wall, mut f_rss) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut mb_rss = 0;
    for run in 0..runs {
        for fsync in [true, false] {
            let _ = std::fs::remove_dir_all(&maildir);
            std::fs::create_dir_all(&maildir).expect("maildir");
            let rc = work.join(if fsync {
                "mbsyncrc"
            } else {
                "mbsyncrc-nofsync"
            });
            std::fs::write(&rc, mbsyncrc(&d, &maildir, fsync)).expect("mbsyncrc");
            let (wall, rss, _) = timed(
                Command::new("/usr/bin/time")
                    .arg("-v")
                    .args(["mbsync", "-q", "-c"])
                    .arg(&rc)
                    .arg("bench")
                    .stdin(Stdio::null()),
            );
            let got = std::fs::read_dir(maildir.join("INBOX/cur"))
                .map(|r| r.count())
                .unwrap_or(0)
                + std::fs::read_dir(maildir.join("INBOX/new"))
                    .map(|r| r.count())
                    .unwrap_or(0);
            assert_eq!(got, n, "mbsync fetched {got} of {n}");
            mb_rss = mb_rss.max(rss);
            if fsync {
                mb_fsync.push(wall);
            } else {
                mb_nofsync.push(wall);
            }
        }
        if let Some(b) = &fiches_b {
            for f in ["fiches.db", "fiches.db-wal", "fiches.db-shm"] {
                let _ = std::fs::remove_file(work.join(f));
            }
            let (_, _, inner_b, v) = fiches_once(b, &work);
            assert_eq!(v["stored"].as_u64(), Some(n as u64), "{v}");
            eprintln!("run {run}: FICHES_BIN_B daemon --once {inner_b:.2} s");
            b_inner.push(inner_b);
        }
        for f in ["fiches.db", "fiches.db-wal", "fiches.db-shm"] {
            let _ = std::fs::remove_file(work.join(f));
        }
        let (wall, rss, inner, v) = fiches_once(&fiches, &work);
        assert_eq!(v["stored"].as_u64(), Some(n as u64), "{v}");
        assert_eq!(v["proposals"].as_u64(), Some(n as u64), "{v}");
        eprintln!(
            "run {run}: mbsync {:.2} s (FSync no {:.2} s), fiches daemon --once {inner:.2} s",
            mb_fsync[run], mb_nofsync[run]
        );
        eprintln!(
            "  read {:.0} ms, store {:.0} ms",
            v["read_ms"].as_f64().unwrap_or(0.0),
            v["store_ms"].as_f64().unwrap_or(0.0)
        );
        f_inner.push(inner);
        f_wall.push(wall);
        f_rss.push(rss);
    }
    let db_mib = std::fs::metadata(work.join("fiches.db"))
        .map(|m| m.len() as f64 / 1048576.0)
        .unwrap_or(0.0);
    println!("mbsync_s={:.3}", median(mb_fsync));
    println!("mbsync_nofsync_s={:.3}", median(mb_nofsync));
    println!("mbsync_rss_kib={mb_rss}");
    if !b_inner.is_empty() {
        println!("fiches_b_connect_to_last_commit_s={:.3}", median(b_inner));
    }
    println!("fiches_connect_to_last_commit_s={:.3}", median(f_inner));
    println!("fiches_process_s={:.3}", median(f_wall));
    println!(
        "fiches_rss_kib={}",
        f_rss.iter().copied().max().unwrap_or(0)
    );
    println!("db_mib={db_mib:.0}");

    // Idle passes: over INBOX (N messages, ingested above), an empty
    // mailbox, and BIG messages.
    let db = work.join("fiches.db");
    let inbox_idle = idle_pass_ms(&d, &db, "INBOX", 50);
    {
        let mut s = d.admin();
        s.create("Empty").expect("CREATE");
        let _ = s.logout();
    }
    let empty_idle = idle_pass_ms(&d, &db, "Empty", 50);
    let smalls: Vec<Vec<u8>> = (0..big).map(small).collect();
    let append_big_s = append(&d, "Big", &smalls);
    drop(smalls);
    std::fs::write(work.join("config.toml"), config_toml(&d, "Big")).expect("config");
    let (big_wall, big_rss, big_inner, v) = fiches_once(&fiches, &work);
    assert_eq!(v["stored"].as_u64(), Some(big as u64), "{v}");
    let big_idle = idle_pass_ms(&d, &db, "Big", 50);
    let mut once_idle = vec![];
    let mut once_idle_inner = vec![];
    let mut once_idle_rss = 0;
    for _ in 0..5 {
        let (wall, rss, inner, v) = fiches_once(&fiches, &work);
        assert_eq!(v["new_uids"].as_u64(), Some(0), "{v}");
        once_idle.push(wall);
        once_idle_inner.push(inner);
        once_idle_rss = once_idle_rss.max(rss);
    }
    println!("big_messages={big}");
    println!("big_append_s={append_big_s:.2}");
    println!("big_ingest_s={big_inner:.3}");
    println!("big_ingest_process_s={big_wall:.3}");
    println!("big_ingest_rss_kib={big_rss}");
    println!("idle_pass_empty_ms={empty_idle:.2}");
    println!("idle_pass_inbox_ms={inbox_idle:.2}");
    println!("idle_pass_big_ms={big_idle:.2}");
    println!(
        "idle_once_big_connect_to_end_ms={:.1}",
        median(once_idle_inner) * 1000.0
    );
    println!("idle_once_big_process_ms={:.1}", median(once_idle) * 1000.0);
    println!("idle_once_big_rss_kib={once_idle_rss}");
}
