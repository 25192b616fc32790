//! The installation and the units, as root, in a sandbox that looks like a
//! fresh server (see `server_support`): `fiches setup --system` creates the
//! user, group, files and units; `systemd-analyze verify` accepts the units;
//! each unit's `ExecStart=` runs as its `User=` with its `WorkingDirectory=`,
//! `UMask=` and hardening (read-only system but the state directory, private
//! /tmp, no /home), at the real paths (/etc/fiches, /var/lib/fiches,
//! /usr/local/bin/fiches): the daemon with no source ends with the status
//! its unit does not restart, then watches a Maildir, the backup and the
//! publication write where they should, everything group-writable.

use crate::support::server as server_support;

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
    // Nothing for others: the configuration may hold passwords.
    assert_eq!(
        stat(Path::new("/etc/fiches/config.toml")),
        (0o640, "root".into(), "fiches".into())
    );
    let members_csv = std::fs::read_to_string("/etc/fiches/members.csv").unwrap();
    assert!(
        members_csv.lines().any(|l| l == "organisation"),
        "{members_csv}"
    );
    assert_eq!(
        stat(Path::new("/etc/fiches/members.csv")),
        (0o660, "root".into(), "fiches".into())
    );
    assert_eq!(
        stat(Path::new("/etc/fiches/letters")),
        (0o2770, "root".into(), "fiches".into())
    );
    // Every letter the program writes has its template (the cancellation
    // letter was missing), as shipped.
    for kind in fiches::domain::LetterKind::ALL {
        let f = Path::new("/etc/fiches/letters").join(kind.file_name());
        assert_eq!(
            std::fs::read_to_string(&f).ok().as_deref(),
            Some(kind.shipped_text()),
            "{}",
            f.display()
        );
        assert_eq!(stat(&f), (0o660, "root".into(), "fiches".into()));
        // And its variant for the bourse aux projets (the table, not the space).
        for pk in &fiches::call::current().kinds {
            let f = Path::new("/etc/fiches/letters").join(kind.variant_file_name(pk));
            assert_eq!(
                std::fs::read_to_string(&f).ok().as_deref(),
                kind.shipped_variant_text(pk),
                "{}",
                f.display()
            );
        }
    }
    // What is left to do, from the configuration as it is: a source (none
    // yet), the daemon to start (no systemd here: the detached command),
    // alice to log in again — and nothing about passwords of servers not
    // configured.
    let left = out.split("Reste à faire :").nth(1).unwrap();
    assert!(left.contains("[[sources]]"), "{out}");
    assert!(
        left.contains("systemd ne tourne pas ici") && left.contains("setsid -f fiches"),
        "{out}"
    );
    assert!(
        left.contains("alice : se déconnecter puis se reconnecter"),
        "{out}"
    );
    assert!(!left.contains("mot de passe"), "{out}");
    // Staff-facing output: French lines only.
    assert!(!out.contains("WARN") && !out.contains("INFO"), "{out}");
    // Run again over an installation of an older version (its config
    // readable by all, no cancellation template, a letter edited): edits
    // kept, rights closed, the missing template installed.
    std::fs::write("/etc/fiches/members.csv", "organisation\nVille de Lyon\n").unwrap();
    sh(
        "chmod 644 /etc/fiches/config.toml && chmod 2775 /etc/fiches/letters \
        && rm /etc/fiches/letters/annulation.txt \
        && echo '# modifié' >> /etc/fiches/letters/accepte.txt",
    );
    let again = sb.setup(&[]);
    assert!(again.contains("existe déjà, gardé"), "{again}");
    assert!(again.contains("droits 0644 → 0640"), "{again}");
    assert!(again.contains("annulation.txt : créé"), "{again}");
    assert_eq!(
        std::fs::read_to_string("/etc/fiches/members.csv").unwrap(),
        "organisation\nVille de Lyon\n"
    );
    assert!(
        std::fs::read_to_string("/etc/fiches/letters/accepte.txt")
            .unwrap()
            .ends_with("# modifié\n")
    );
    assert_eq!(stat(Path::new("/etc/fiches/config.toml")).0, 0o640);
    assert_eq!(stat(Path::new("/etc/fiches/letters")).0, 0o2770);

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
    assert_eq!(stat(&copies[0]).0, 0o660);

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

/// The README's upgrade block, word for word, typed in the copy of the
/// repository (where `./config.toml` is the demonstration: the outside
/// tester's upgrade backed up and migrated the demo instead of the
/// server's). Every command acts on /etc/fiches/config.toml and says so;
/// the copies are the group's like the database (660, group fiches); a
/// bare administrator's command there refuses the demo and does nothing.
#[test]
fn the_readme_upgrade_acts_on_the_server_from_the_repository_folder() {
    let sb = Sandbox::enter();
    sb.install_binary();
    sb.setup(&[]);
    older_database(Path::new(DB));
    let repo = repo();
    assert!(repo.join("config.toml").is_file());

    // Without --config, in the repository: refused, nothing done.
    let out = run_readme_line("sudo fiches backup", &repo);
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("démonstration")
            && text.contains("/etc/fiches/config.toml")
            && text.contains("rien n'a été fait"),
        "{text}"
    );
    assert!(!Path::new("/var/lib/fiches/sauvegardes").exists());

    let block = readme_block("### Mettre à jour (upgrade)");
    let fiches_lines: Vec<&String> = block
        .iter()
        .filter(|l| l.starts_with("sudo fiches "))
        .collect();
    assert!(fiches_lines.len() >= 4, "{block:?}");
    for line in fiches_lines {
        let out = run_readme_line(line, &repo);
        let text = output_text(&out);
        // `status` says 1 here: no daemon runs (no systemd in the sandbox).
        let expected = if line.ends_with(" status") { 1 } else { 0 };
        assert_eq!(out.status.code(), Some(expected), "{line}\n{text}");
        if !line.contains("setup") {
            let head: String = String::from_utf8_lossy(&out.stdout)
                .lines()
                .take(3)
                .collect();
            assert!(
                head.contains("/etc/fiches/config.toml") && head.contains(DB),
                "{line}: {text}"
            );
        }
        assert!(!text.contains("démonstration"), "{line}: {text}");
    }
    // The backup, then the copy migrate makes: the group's, as the database.
    let copies: Vec<_> = std::fs::read_dir("/var/lib/fiches/sauvegardes")
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert_eq!(stat(&copies[0]).0, 0o660);
    assert_eq!(stat(&copies[0]).2, "fiches");
    assert_eq!(
        query(&copies[0], "PRAGMA user_version").as_deref(),
        Some("3")
    );
    let before: Vec<_> = std::fs::read_dir("/var/lib/fiches")
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains("fiches-avant-"))
        .collect();
    assert_eq!(before.len(), 1, "{before:?}");
    assert_eq!(stat(&before[0]).0, 0o660);
    assert_eq!(stat(&before[0]).2, "fiches");
    let (n, _) = fiches::store::schema::program_schema();
    assert_eq!(
        query(Path::new(DB), "PRAGMA user_version"),
        Some(n.to_string())
    );
    assert_eq!(
        query(Path::new(DB), "SELECT count(*) FROM messages").as_deref(),
        Some("1")
    );
}

/// The README's way to run the daemon without systemd, word for word: it
/// runs as fiches, detached from the session that started it (a SIGHUP,
/// the session closing, does not stop it), its log in the state folder;
/// SIGTERM stops it.
#[test]
fn the_readme_daemon_without_systemd_outlives_the_session() {
    let sb = Sandbox::enter();
    sb.install_binary();
    sb.setup(&[]);
    add_maildir_source();
    let line = readme_line("## Installer sur un serveur", "setsid -f fiches");
    let out = run_readme_line(&line, Path::new("/"));
    assert!(out.status.success(), "{line}\n{}", output_text(&out));
    let log = Path::new("/var/lib/fiches/demon.log");
    wait_until(
        "the daemon to store the 50 sample messages",
        Duration::from_secs(90),
        || query(Path::new(DB), "SELECT count(*) FROM messages").as_deref() == Some("50"),
        || std::fs::read_to_string(log).unwrap_or_default(),
    );
    let lock = fiches::status::daemon_lock_path(Path::new(DB));
    let pid = fiches::system::flock_holder(&lock).expect("the daemon holds its lock");
    let _guard = Detached(pid);
    let owner = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let uid = fiches::system::user_id("fiches").unwrap();
    assert!(
        owner.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some(&uid.to_string())),
        "{owner}"
    );
    // Its own session, away from the one that started it.
    assert_eq!(unsafe { libc::getsid(pid as i32) }, pid as i32);
    unsafe {
        libc::kill(pid as i32, libc::SIGHUP);
    }
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(fiches::system::flock_holder(&lock), Some(pid));
    let (mode, _, group) = stat(log);
    assert_eq!((mode & 0o007, group.as_str()), (0, "fiches"));
    let text = std::fs::read_to_string(log).unwrap();
    assert!(
        text.contains("démon de relève démarré") && text.contains("signal HUP reçu"),
        "{text}"
    );
    let status = must(
        Command::new("/usr/local/bin/fiches")
            .args(["status", "--json"])
            .current_dir("/"),
    );
    let j: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(j["daemon"]["state"], "running", "{status}");
    unsafe {
        libc::kill(pid as i32, libc::SIGTERM);
    }
    wait_until(
        "the daemon to stop on SIGTERM",
        Duration::from_secs(60),
        || fiches::system::flock_holder(&lock).is_none(),
        || std::fs::read_to_string(log).unwrap_or_default(),
    );
}

/// A Maildir in a mail user's home, closed to others: `fiches setup`
/// says the daemon cannot read it and gives the commands; once they are
/// run (package acl), it says nothing more and the daemon reads it.
#[test]
fn setup_says_what_the_daemon_cannot_read_and_its_fix_works() {
    let sb = Sandbox::enter();
    sb.install_binary();
    sb.setup(&[]);
    sb.add_user("rencontres");
    let md = "/home/rencontres/Maildir";
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(format!("{md}/{sub}")).unwrap();
    }
    std::fs::copy(
        repo().join("fixtures/corpus/mail/01-plain.eml"),
        format!("{md}/new/1528100000.M1.test"),
    )
    .unwrap();
    sh(&format!(
        "chown -R rencontres:rencontres /home/rencontres && chmod 700 /home/rencontres \
         && chmod -R go-rwx {md}"
    ));
    let config = std::fs::read_to_string("/etc/fiches/config.toml").unwrap();
    std::fs::write(
        "/etc/fiches/config.toml",
        format!("{config}\n[[sources]]\ntype = \"maildir\"\npath = \"{md}\"\n"),
    )
    .unwrap();
    let out = sb.setup(&[]);
    let left = out
        .split("Reste à faire :")
        .nth(1)
        .unwrap_or_else(|| panic!("{out}"));
    let pass = "sudo setfacl -m g:fiches:x /home/rencontres";
    let read = format!("sudo setfacl -R -m g:fiches:rX,d:g:fiches:rX {md}");
    assert!(
        left.contains("ne peut pas passer par le dossier /home/rencontres")
            && left.contains(pass)
            && left.contains(&read),
        "{out}"
    );
    assert!(!left.contains("[[sources]]"), "a source is there: {out}");
    for cmd in [pass, read.as_str()] {
        let out = run_readme_line(cmd, Path::new("/"));
        assert!(out.status.success(), "{cmd}: {}", output_text(&out));
    }
    let out = sb.setup(&[]);
    assert!(!out.contains("ne peut pas"), "{out}");
    // The daemon, as its unit runs it (/home read-only), reads it.
    let daemon = Unit::installed("fiches-daemon.service");
    let svc = Service::start(&daemon, None, sb.path().join("daemon.log"));
    wait_until(
        "the daemon to store the message of the Maildir",
        Duration::from_secs(60),
        || query(Path::new(DB), "SELECT count(*) FROM messages").as_deref() == Some("1"),
        || svc.log(),
    );
    let (st, log) = svc.stop();
    assert!(st.success(), "{log}");
}
