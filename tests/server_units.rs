//! The installation and the units, as root, in a sandbox that looks like a
//! fresh server (see `server_support`): `fiches setup --system` creates the
//! user, group, files and units; `systemd-analyze verify` accepts the units;
//! each unit's `ExecStart=` runs as its `User=` with its `WorkingDirectory=`,
//! `UMask=` and hardening (read-only system but the state directory, private
//! /tmp, no /home), at the real paths (/etc/fiches, /var/lib/fiches,
//! /usr/local/bin/fiches): the daemon with no source ends with the status
//! its unit does not restart, then watches a Maildir, the backup and the
//! publication write where they should, everything group-writable.

mod server_support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use server_support::*;

const DB: &str = "/var/lib/fiches/fiches.db";
const MAILDIR: &str = "/var/lib/fiches-test-mail/Maildir";

fn add_maildir_source() {
    sample_maildir(Path::new(MAILDIR));
    let config = std::fs::read_to_string("/etc/fiches/config.toml").unwrap();
    std::fs::write(
        "/etc/fiches/config.toml",
        format!("{config}\n[[sources]]\ntype = \"maildir\"\npath = \"{MAILDIR}\"\n"),
    )
    .unwrap();
}

#[test]
fn setup_installs_and_every_unit_runs_as_its_user() {
    let sb = Sandbox::enter();
    sb.install_binary();
    sb.add_user("alice");
    let out = sb.setup(&["alice"]);
    assert!(out.contains("Reste à faire"), "{out}");

    // The user and group, alice in it.
    let uid = fiches::system::user_id("fiches").expect("user fiches");
    let gid = fiches::system::group_id("fiches").expect("group fiches");
    let members = sh("getent group fiches");
    assert!(members.trim_end().ends_with(":alice"), "{members}");
    assert!(sh("getent passwd fiches").contains("/usr/sbin/nologin"));
    assert!(uid > 0 && gid > 0);
    // The files.
    assert_eq!(
        stat(Path::new("/var/lib/fiches")),
        (0o2770, "fiches".into(), "fiches".into())
    );
    assert_eq!(
        stat(Path::new(DB)),
        (0o660, "fiches".into(), "fiches".into())
    );
    let config = std::fs::read_to_string("/etc/fiches/config.toml").unwrap();
    assert_eq!(config, fiches::commands::setup::PRODUCTION_CONFIG);
    assert!(!config.contains("[demo]") && !config.contains("fixtures"));
    assert_eq!(stat(Path::new("/etc/fiches/config.toml")).0, 0o644);
    let members_csv = std::fs::read_to_string("/etc/fiches/members.csv").unwrap();
    assert!(
        members_csv.lines().any(|l| l == "organisation"),
        "{members_csv}"
    );
    assert_eq!(
        stat(Path::new("/etc/fiches/members.csv")),
        (0o664, "root".into(), "fiches".into())
    );
    for f in [
        "accuse-reception.txt",
        "accepte.txt",
        "liste-attente.txt",
        "non-retenu.txt",
        "creneau-modifie.txt",
    ] {
        assert!(Path::new("/etc/fiches/letters").join(f).is_file(), "{f}");
    }
    // Run again: kept, nothing lost.
    std::fs::write("/etc/fiches/members.csv", "organisation\nVille de Lyon\n").unwrap();
    let again = sb.setup(&[]);
    assert!(again.contains("existe déjà, gardé"), "{again}");
    assert_eq!(
        std::fs::read_to_string("/etc/fiches/members.csv").unwrap(),
        "organisation\nVille de Lyon\n"
    );

    // systemd's own check of the units (the binary they name exists here).
    let units: Vec<String> = [
        "fiches-daemon.service",
        "fiches-publish.service",
        "fiches-publish.timer",
        "fiches-backup.service",
        "fiches-backup.timer",
    ]
    .iter()
    .map(|u| format!("/etc/systemd/system/{u}"))
    .collect();
    let verify = Command::new("systemd-analyze")
        .arg("verify")
        .args(&units)
        .output()
        .expect("systemd-analyze (package systemd, installed by scripts/install-test-deps.sh)");
    assert!(verify.status.success(), "{}", output_text(&verify));
    let complaints = String::from_utf8_lossy(&verify.stderr);
    assert!(
        !complaints.lines().any(|l| l.contains("fiches")),
        "systemd-analyze verify:\n{complaints}"
    );

    // The daemon, as its unit runs it, with the production template as
    // installed: no source yet — a clear message and the status its unit
    // does not restart (no restart loop).
    let daemon = Unit::installed("fiches-daemon.service");
    assert_eq!(
        (daemon.user.as_str(), daemon.umask.as_str()),
        ("fiches", "0007")
    );
    let out = daemon.command(None, &[]).output().unwrap();
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(78), "{text}");
    assert!(daemon.restart_prevent.contains(&78), "{daemon:?}");
    assert!(
        text.contains("aucune source de courrier dans /etc/fiches/config.toml"),
        "{text}"
    );

    // With a Maildir: it runs, stores the sample, writes only where it may.
    add_maildir_source();
    let log = sb.path().join("daemon.log");
    let svc = Service::start(&daemon, None, log);
    wait_until(
        "the daemon to store the 50 sample messages",
        Duration::from_secs(90),
        || query(Path::new(DB), "SELECT count(*) FROM messages").as_deref() == Some("50"),
        || svc.log(),
    );
    for f in [
        DB.to_string(),
        format!("{DB}-wal"),
        format!("{DB}-shm"),
        format!("{DB}.lock"),
    ] {
        let (mode, _, group) = stat(Path::new(&f));
        assert_eq!((mode & 0o777, group.as_str()), (0o660, "fiches"), "{f}");
    }
    // As the administrator would, from anywhere without a config.toml.
    let status = must(
        Command::new("/usr/local/bin/fiches")
            .args(["status", "--json"])
            .current_dir("/"),
    );
    let j: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(j["daemon"]["state"], "running", "{status}");
    assert_eq!(j["counts"]["messages"], 50, "{status}");
    assert_eq!(j["schema"]["pending"], serde_json::json!([]), "{status}");
    let (st, log) = svc.stop();
    assert!(st.success(), "{st:?}\n{log}");
    assert!(log.contains("démon de relève démarré"), "{log}");
    let status = Command::new("/usr/local/bin/fiches")
        .arg("status")
        .current_dir("/")
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(1), "{}", output_text(&status));
    assert!(
        String::from_utf8_lossy(&status.stdout).contains("arrêté"),
        "{}",
        output_text(&status)
    );

    // The nightly backup, as its unit runs it.
    let backup = Unit::installed("fiches-backup.service");
    let out = backup.command(None, &[]).output().unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let copies: Vec<_> = std::fs::read_dir("/var/lib/fiches/sauvegardes")
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert_eq!(
        query(&copies[0], "SELECT count(*) FROM messages").as_deref(),
        Some("50")
    );
    assert_eq!(stat(&copies[0]).2, "fiches");

    // The weekly publication, as its unit runs it: into the state directory,
    // journaled under the account it runs as. (Something to publish first:
    // a publication is made only when the public lists changed, and the
    // daemon's first start waits for its schedule.)
    must(
        Command::new("/usr/local/bin/fiches")
            .args(["decide", "1", "accept"])
            .current_dir("/"),
    );
    let publish = Unit::installed("fiches-publish.service");
    let out = publish.command(None, &[]).output().unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(
        query(
            Path::new(DB),
            "SELECT author FROM publications ORDER BY number DESC LIMIT 1"
        )
        .as_deref(),
        Some("fiches")
    );
    let latest = std::fs::read_link("/var/lib/fiches/publications/latest").unwrap();
    let dir = Path::new("/var/lib/fiches/publications").join(latest);
    let (mode, _, group) = stat(&dir);
    assert_eq!(
        (mode, group.as_str()),
        (0o2770, "fiches"),
        "{}",
        dir.display()
    );
}

#[test]
fn a_database_the_daemon_cannot_write_stops_it_once_with_advice() {
    let sb = Sandbox::enter();
    sb.install_binary();
    sb.setup(&[]);
    add_maildir_source();
    // A database left by root with its own group and umask 022.
    sh(&format!("chown root:root {DB} && chmod 644 {DB}"));
    let daemon = Unit::installed("fiches-daemon.service");
    let out = daemon.command(None, &[]).output().unwrap();
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(78), "{text}");
    assert!(
        text.contains("lecture seule") && text.contains(DB) && text.contains("chmod g+w"),
        "{text}"
    );
}
