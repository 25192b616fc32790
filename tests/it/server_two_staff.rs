//! One server, two staff: as root, in a sandbox that looks like a fresh
//! server (see `server_support`), `fiches setup --system --staff alice
//! --staff bob` on two real Unix users; the daemon runs as `fiches` the way
//! its unit says; alice and bob log in over a real `sshd` on loopback and
//! use the console (a `tmux` pane whose program is their `ssh` session) and
//! the command line, with the umask 022 of an ordinary login — in every
//! order: console first, daemon first, command line first, and a daemon
//! without its unit's umask. Each time both decide and publish, the journal
//! names each of them, and every file in /var/lib/fiches stays writable by
//! the group whoever created it.

use crate::support::server as server_support;

use std::path::Path;
use std::time::Duration;

use server_support::*;

const DB: &str = "/var/lib/fiches/fiches.db";
const MAILDIR: &str = "/var/lib/fiches-test-mail/Maildir";
/// What a staff login runs: an ordinary umask, then fiches.
const LOGIN: &str = "umask 022; exec fiches";

struct World {
    sb: Sandbox,
    sshd: Sshd,
    daemon: Unit,
    /// Held until everything above is dropped: one server at a time (five
    /// sandboxes, each with its sshd, daemon and consoles, made a loaded
    /// two-core machine miss the timeouts).
    _serial: std::sync::MutexGuard<'static, ()>,
}

static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The server after the README's installation: setup, a Maildir source,
/// no publication schedule (the test publishes), and no database yet (so
/// that the order decides who creates it).
fn world() -> World {
    let serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let sb = Sandbox::enter();
    sb.install_binary();
    sb.add_user("alice");
    sb.add_user("bob");
    // carol has a login on the server but is not staff.
    sb.add_user("carol");
    sb.setup(&["alice", "bob"]);
    sample_maildir(Path::new(MAILDIR));
    let config = std::fs::read_to_string("/etc/fiches/config.toml").unwrap();
    let config: String = config
        .lines()
        .filter(|l| !l.starts_with("schedule = "))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(
        "/etc/fiches/config.toml",
        format!("{config}\n[[sources]]\ntype = \"maildir\"\npath = \"{MAILDIR}\"\n"),
    )
    .unwrap();
    sh("rm -f /var/lib/fiches/fiches.db*");
    let sshd = Sshd::start(&sb, &["alice", "bob", "carol"]);
    let daemon = Unit::installed("fiches-daemon.service");
    World {
        sb,
        sshd,
        daemon,
        _serial: serial,
    }
}

impl World {
    /// `fiches ARGS` over ssh as `user`, without a terminal; must succeed.
    fn cli(&self, user: &str, args: &str) -> String {
        let out = self
            .sshd
            .command(user, &format!("umask 022; fiches {args}"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{user}: fiches {args}\n{}\nsshd:\n{}",
            output_text(&out),
            self.sshd.log()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The console of `user`, over ssh, in a terminal.
    fn console(&self, user: &str) -> Tmux {
        let t = Tmux::start(user, 120, 40, &self.sshd.tty_line(user, LOGIN));
        let screen = t.wait_for_all(&["1 Propositions", user], Duration::from_secs(40));
        let status_line = screen.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
        assert!(
            status_line
                .trim_start()
                .starts_with("/var/lib/fiches/fiches.db │"),
            "a production configuration, not the demo:\n{screen}"
        );
        t
    }

    /// The daemon, as its unit runs it (`umask` overrides the unit's).
    fn start_daemon(&self, umask: Option<&str>) -> Service {
        let svc = Service::start(&self.daemon, umask, self.sb.path().join("daemon.log"));
        wait_until(
            "the daemon to store the 50 sample messages",
            Duration::from_secs(90),
            || query(Path::new(DB), "SELECT count(*) FROM messages").as_deref() == Some("50"),
            || svc.log(),
        );
        svc
    }
}

/// Searches `what` in the console and accepts the proposal into the first
/// free place proposed.
fn accept(t: &Tmux, what: &str, organisation: &str) {
    t.keys(&["Escape", "1"]);
    t.text(&format!("/{what}"));
    t.wait_for(organisation);
    t.keys(&["Enter", "Enter"]);
    t.wait_for("Places libres");
    t.keys(&["Enter"]);
    t.wait_for("retenue : ");
}

fn quit(t: &Tmux) {
    t.keys(&["q"]);
    let screen = t.wait_for("FIN 0");
    assert!(!screen.contains("lecture seule"), "{screen}");
}

/// What every order must end with: both decided and published, the
/// journal names each, the files are the group's.
fn check_outcome(expected_publishers: &[&str]) {
    let db = Path::new(DB);
    let deciders = query(
        db,
        "SELECT group_concat(actor, ',') FROM (SELECT DISTINCT actor FROM journal \
         WHERE action = 'decision' ORDER BY actor)",
    )
    .unwrap();
    assert_eq!(deciders, "alice,bob");
    let publishers = query(
        db,
        "SELECT group_concat(author, ',') FROM (SELECT author FROM publications ORDER BY number)",
    )
    .unwrap();
    assert_eq!(publishers, expected_publishers.join(","));
    assert_eq!(
        query(
            db,
            "SELECT count(*) FROM proposals WHERE status = 'accepted'"
        )
        .as_deref(),
        Some("2")
    );
    check_group_files(Path::new("/var/lib/fiches"));
}

/// Every file and folder under `dir` belongs to the group fiches and is
/// writable by it; folders are setgid.
fn check_group_files(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let meta = std::fs::symlink_metadata(&p).unwrap();
        if meta.file_type().is_symlink() {
            continue;
        }
        let (mode, owner, group) = stat(&p);
        assert_eq!(group, "fiches", "{} ({owner})", p.display());
        if meta.is_dir() {
            assert_eq!(mode & 0o2070, 0o2070, "{} {mode:o} ({owner})", p.display());
            check_group_files(&p);
        } else {
            assert_eq!(mode & 0o060, 0o060, "{} {mode:o} ({owner})", p.display());
            assert_eq!(
                mode & 0o007,
                0,
                "{} {mode:o}: no access for others",
                p.display()
            );
        }
    }
}

#[test]
fn console_first() {
    let w = world();
    // alice opens the console before anything else: her session creates
    // the database (umask 022 in her login).
    let alice = w.console("alice");
    alice.wait_for("0 proposition");
    assert_eq!(
        stat(Path::new(DB)),
        (0o660, "alice".into(), "fiches".into())
    );
    // The daemon then uses it, and her console sees its work.
    let daemon = w.start_daemon(None);
    alice.wait_for_all(
        &["45 propositions", "réception : vue"],
        Duration::from_secs(40),
    );
    accept(&alice, "grenoble", "Ville de Grenoble");
    let out = w.cli("alice", "publish");
    assert!(out.contains("Publication n° 1"), "{out}");
    let bob = w.console("bob");
    accept(&bob, "rufisque", "Ville de Rufisque");
    // alice's console sees bob's decision.
    alice.wait_for("retenue");
    let out = w.cli("bob", "publish");
    assert!(out.contains("Publication n° 2"), "{out}");
    // The daemon stops: both consoles say so.
    let (st, log) = daemon.stop();
    assert!(st.success(), "{log}");
    alice.wait_for_all(&["réception : arrêtée"], Duration::from_secs(20));
    quit(&alice);
    quit(&bob);
    check_outcome(&["alice", "bob"]);
}

#[test]
fn daemon_first() {
    let w = world();
    let daemon = w.start_daemon(None);
    assert_eq!(
        stat(Path::new(DB)),
        (0o660, "fiches".into(), "fiches".into())
    );
    let alice = w.console("alice");
    let bob = w.console("bob");
    alice.wait_for("45 propositions");
    bob.wait_for("45 propositions");
    // (A publication is made only when the public lists changed.)
    accept(&alice, "grenoble", "Ville de Grenoble");
    let out = w.cli("bob", "publish");
    assert!(out.contains("Publication n° 1"), "{out}");
    accept(&bob, "rufisque", "Ville de Rufisque");
    let out = w.cli("alice", "publish");
    assert!(out.contains("Publication n° 2"), "{out}");
    quit(&alice);
    quit(&bob);
    let (st, log) = daemon.stop();
    assert!(st.success(), "{log}");
    check_outcome(&["bob", "alice"]);
}

#[test]
fn command_line_first() {
    let w = world();
    // bob's first act is a command: it creates the database.
    let out = w.cli("bob", "proposals");
    assert_eq!(
        out.trim(),
        "Aucune proposition : la base n'a encore reçu aucune fiche.",
        "{out}"
    );
    assert_eq!(stat(Path::new(DB)).1, "bob");
    // No daemon yet: status says so (exit 1), and that bob may write.
    let out = w
        .sshd
        .command("bob", "umask 022; fiches status --json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let status = String::from_utf8_lossy(&out.stdout).into_owned();
    let j: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(j["daemon"]["state"], "unknown", "{status}");
    assert_eq!(j["writable"], true, "{status}");
    let alice = w.console("alice");
    let daemon = w.start_daemon(None);
    alice.wait_for("45 propositions");
    accept(&alice, "grenoble", "Ville de Grenoble");
    w.cli("alice", "publish");
    let bob = w.console("bob");
    accept(&bob, "rufisque", "Ville de Rufisque");
    w.cli("bob", "publish");
    quit(&alice);
    quit(&bob);
    let (st, log) = daemon.stop();
    assert!(st.success(), "{log}");
    check_outcome(&["alice", "bob"]);
}

#[test]
fn umask_022_everywhere() {
    let w = world();
    // alice publishes before anything: the database is hers (nothing is
    // retained yet, so nothing is published); the daemon then runs without
    // its unit's umask.
    let out = w.cli("alice", "publish");
    assert!(out.contains("rien n'est publié"), "{out}");
    let daemon = w.start_daemon(Some("0022"));
    let bob = w.console("bob");
    bob.wait_for("45 propositions");
    accept(&bob, "rufisque", "Ville de Rufisque");
    let out = w.cli("bob", "publish");
    assert!(out.contains("Publication n° 1"), "{out}");
    let alice = w.console("alice");
    accept(&alice, "grenoble", "Ville de Grenoble");
    let out = w.cli("alice", "publish");
    assert!(out.contains("Publication n° 2"), "{out}");
    quit(&alice);
    quit(&bob);
    let (st, log) = daemon.stop();
    assert!(st.success(), "{log}");
    check_outcome(&["bob", "alice"]);
}

#[test]
fn someone_outside_the_group_is_told_at_once() {
    let w = world();
    drop(w.start_daemon(None));
    // carol: the configuration (640 root:fiches) is the first thing she
    // cannot read — said as such (not "introuvable"), with who to ask, the
    // command, and that the new group counts from her next login.
    let advice = "d'ajouter carol au groupe fiches (`sudo adduser carol fiches`), puis se déconnecter et se reconnecter";
    for cmd in ["fiches status", "fiches proposals"] {
        let out = w
            .sshd
            .command("carol", &format!("umask 022; {cmd}"))
            .output()
            .unwrap();
        let text = output_text(&out);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {text}");
        assert!(
            text.contains("carol ne peut pas lire le fichier /etc/fiches/config.toml")
                && text.contains(advice),
            "{cmd}: {text}"
        );
        assert!(
            !text.contains("introuvable") && !text.contains("os error"),
            "{text}"
        );
    }
    let t = Tmux::start("carol", 200, 40, &w.sshd.tty_line("carol", LOGIN));
    let screen = t.wait_for("FIN 2").replace('\n', "");
    assert!(screen.contains(advice), "{screen}");
    // The database itself, were the configuration readable to her.
    sh("chmod o+r /etc/fiches/config.toml");
    let out = w
        .sshd
        .command("carol", "umask 022; fiches proposals")
        .output()
        .unwrap();
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("carol ne peut pas passer par le dossier /var/lib/fiches")
            && text.contains(advice),
        "{text}"
    );
    sh("chmod o-r /etc/fiches/config.toml");
    // alice, added to the group after her session was opened (that
    // session's groups are the old ones): logging in again is enough.
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=alice", "--regid=alice", "--clear-groups", "--"])
        .args(["/usr/local/bin/fiches", "status"])
        .current_dir("/home/alice")
        .env("HOME", "/home/alice")
        .env("USER", "alice")
        .output()
        .unwrap();
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains(
            "alice fait déjà partie du groupe fiches, mais cette session a été ouverte avant"
        ) && text.contains("se déconnecter puis se reconnecter")
            && !text.contains("adduser"),
        "{text}"
    );
}
