//! Operating a server, with the real binary in temporary folders: `fiches
//! status` (daemon running, silent, stopped, from its real lock and
//! heartbeat), upgrades (a database of an older build: staff commands and
//! the console refuse to migrate and say to ask the administrator; `fiches
//! migrate` backs up then migrates; a database of another build is refused
//! untouched), `fiches backup`, `--version`, and the daemon watching a
//! Maildir.

use crate::support::common;
use crate::support::server as server_support;

use std::path::Path;
use std::time::Duration;

use common::Env;
use serde_json::Value;

fn status(env: &Env) -> (Option<i32>, Value, String) {
    let out = env.run(&["status", "--json"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let j = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{e}: {text}\n{}", String::from_utf8_lossy(&out.stderr)));
    let human = env.run(&["status"]);
    (
        out.status.code(),
        j,
        String::from_utf8_lossy(&human.stdout).into_owned(),
    )
}

fn sql(db: &Path, s: &str) {
    rusqlite::Connection::open(db)
        .unwrap()
        .execute_batch(s)
        .unwrap();
}

#[test]
fn status_reads_the_lock_and_the_heartbeat() {
    let env = Env::new();
    // No database yet.
    let (code, j, text) = status(&env);
    assert_eq!(code, Some(1));
    assert_eq!(j["database_exists"], false);
    assert!(text.contains("n'existe pas encore"), "{text}");

    env.import(&[&common::corpus_mail().join("01-plain.eml")]);
    let (code, j, text) = status(&env);
    assert_eq!(code, Some(1), "no daemon: something to do");
    assert_eq!(j["daemon"]["state"], "unknown");
    assert_eq!(j["counts"]["messages"], 1);
    assert_eq!(j["writable"], true);
    assert_eq!(j["schema"]["pending"], serde_json::json!([]));
    assert!(j["last_mail"]["imported_at"].is_string(), "{j}");
    assert!(
        text.contains("systemctl enable --now fiches-daemon"),
        "{text}"
    );
    assert!(text.contains("members.csv introuvable"), "{text}");
    std::fs::write(env.path().join("members.csv"), "organisation\n").unwrap();

    // A daemon: its lock held (here by this test), its heartbeat fresh.
    let db = env.db();
    let lock = std::fs::File::create(fiches::status::daemon_lock_path(&db)).unwrap();
    lock.lock().unwrap();
    let now = chrono::Utc::now();
    let at = |mins: i64| {
        (now - chrono::Duration::minutes(mins))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    sql(
        &db,
        &format!(
            "INSERT INTO heartbeat (account, mailbox, pid, state, last_contact_at, updated_at)
             VALUES ('rencontres', 'INBOX', {}, 'idle', '{}', '{}')",
            std::process::id(),
            at(1),
            at(1)
        ),
    );
    let (code, j, text) = status(&env);
    assert_eq!(j["daemon"]["state"], "running", "{j}");
    assert_eq!(j["daemon"]["pid"], std::process::id(), "{j}");
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("en attente de courrier (IDLE)"), "{text}");
    assert!(text.contains("rencontres/INBOX"), "{text}");
    assert!(text.contains("Tout va bien."), "{text}");

    // Running, but no contact for 20 minutes: silent.
    sql(
        &db,
        &format!("UPDATE heartbeat SET last_contact_at = '{}'", at(20)),
    );
    let (code, j, text) = status(&env);
    assert_eq!(j["daemon"]["state"], "silent", "{j}");
    assert_eq!(code, Some(1));
    assert!(text.contains("silencieux"), "{text}");

    // Failing: an error newer than the last contact.
    sql(
        &db,
        &format!(
            "UPDATE heartbeat SET last_contact_at = '{}', state = 'reconnecting',
               last_error = 'authentification refusée', last_error_at = '{}'",
            at(3),
            at(1)
        ),
    );
    let (_, j, text) = status(&env);
    assert_eq!(j["daemon"]["state"], "failing", "{j}");
    assert!(text.contains("authentification refusée"), "{text}");

    // Its lock free: stopped, whatever the row says.
    drop(lock);
    let (code, j, text) = status(&env);
    assert_eq!(j["daemon"]["state"], "stopped", "{j}");
    assert_eq!(code, Some(1));
    assert!(
        text.contains("arrêté") && text.contains("systemctl start fiches-daemon"),
        "{text}"
    );
}

/// The first builds' database: migrations 1–3 applied, a count in
/// `user_version`, no history; one message.
fn first_build_db(db: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store/migrations");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for f in &files[..3] {
        conn.execute_batch(&std::fs::read_to_string(f).unwrap())
            .unwrap();
    }
    conn.pragma_update(None, "user_version", 3).unwrap();
    conn.execute(
        "INSERT INTO messages (sha256, source_ref, size, status, imported_at)
         VALUES ('x', 'file:x', 1, 'no_fiche', '2018-05-10T00:00:00Z')",
        [],
    )
    .unwrap();
}

fn backups(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains("-avant-"))
        .collect();
    v.sort();
    v
}

#[test]
fn staff_never_migrate_the_administrator_does_after_a_backup() {
    let env = Env::new();
    let db = env.db();
    first_build_db(&db);
    let before = std::fs::read(&db).unwrap();

    // A staff command: refused, with the advice, nothing touched.
    let out = env.run(&["proposals"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("demander à l'administrateur") && err.contains("fiches migrate"),
        "{err}"
    );
    // The console too, in a real terminal, before it opens.
    let t = server_support::Tmux::start(
        "migr",
        250,
        30,
        &format!(
            "cd '{}' && env -u FICHES_CONFIG -u FICHES_DB '{}'",
            env.path().display(),
            env!("CARGO_BIN_EXE_fiches")
        ),
    );
    let screen = t.wait_for("FIN 2");
    // The message is one long line, wrapped by the terminal.
    assert!(
        screen
            .replace('\n', "")
            .contains("demander à l'administrateur"),
        "{screen}"
    );
    drop(t);
    assert!(backups(env.path()).is_empty());
    assert!(std::fs::read(&db).unwrap() == before, "nothing written");

    // What status says.
    let (code, j, _) = status(&env);
    assert_eq!(code, Some(1));
    assert_eq!(j["schema"]["applied"], 3, "{j}");
    assert!(
        !j["schema"]["pending"].as_array().unwrap().is_empty(),
        "{j}"
    );
    let out = env.run(&["migrate", "--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("à mettre à jour"));

    // The administrator migrates: a backup beside, then the schema.
    let out = env.run(&["migrate"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made = backups(env.path());
    assert_eq!(made.len(), 1, "{made:?}");
    let name = made[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(text.contains(&name), "{text}");
    // The copy is the database as it was: first build's schema, its message.
    let old = rusqlite::Connection::open(&made[0]).unwrap();
    let v: i64 = old
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    let m: i64 = old
        .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!((v, m), (3, 1));
    let (_, j, _) = status(&env);
    assert_eq!(j["schema"]["pending"], serde_json::json!([]), "{j}");
    // Staff work again; the message is still there.
    assert_eq!(env.messages().len(), 1);
    // Nothing more to do: no second backup.
    let out = env.run(&["migrate"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("déjà à jour"));
    assert_eq!(backups(env.path()).len(), 1);
}

#[test]
fn a_database_of_another_build_is_refused_untouched() {
    let env = Env::with_sources("[[sources]]\ntype = \"eml\"\npath = \"eml\"\n");
    std::fs::create_dir(env.path().join("eml")).unwrap();
    env.import(&[&common::corpus_mail().join("01-plain.eml")]);
    let db = env.db();
    sql(
        &db,
        "UPDATE schema_migrations SET name = '0003_branche_de_test' WHERE seq = 3",
    );
    let before = std::fs::read(&db).unwrap();
    for args in [&["migrate"][..], &["proposals"], &["daemon", "--once"]] {
        let out = env.run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        assert!(
            err.contains("autre version de fiches") && err.contains("0003_branche_de_test"),
            "{args:?}: {err}"
        );
    }
    assert!(std::fs::read(&db).unwrap() == before, "nothing written");
    assert!(backups(env.path()).is_empty());
}

#[test]
fn backups_are_consistent_and_pruned() {
    let env = Env::new();
    env.import(&[&common::corpus_mail()]);
    let n = env.messages().len();
    let dir = env.path().join("sauvegardes");
    for _ in 0..3 {
        let out = env.run(&["backup", "--keep", "2"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("vérifiée"));
        std::thread::sleep(Duration::from_millis(1100));
    }
    let mut kept: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    kept.sort();
    assert_eq!(kept.len(), 2, "{kept:?}");
    let conn = rusqlite::Connection::open(&kept[1]).unwrap();
    let m: i64 = conn
        .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(m as usize, n);
    // A file destination that exists is refused.
    let out = env.run(&["backup", kept[0].to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("existe déjà"));
}

#[test]
fn version_names_the_commit_and_the_schema() {
    let env = Env::new();
    let out = env.run(&["--version"]);
    let v = String::from_utf8_lossy(&out.stdout);
    assert!(v.starts_with("fiches 0."), "{v}");
    assert!(v.contains("commit ") && v.contains("schéma "), "{v}");
    let (n, last) = fiches::store::schema::program_schema();
    assert!(v.contains(&format!("schéma {n})")), "{v}");
    // The migration's file name is for --json and the database, not people.
    assert!(!v.contains(last), "{v}");
}

#[test]
fn the_daemon_watches_a_maildir() {
    let env = Env::with_sources("[[sources]]\ntype = \"maildir\"\npath = \"Maildir\"\n");
    let md = env.path().join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(md.join(sub)).unwrap();
    }
    let mails: Vec<_> = std::fs::read_dir(common::corpus_mail())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .take(3)
        .collect();
    std::fs::copy(&mails[0], md.join("new/1528100000.M1.test")).unwrap();
    let mut daemon = env
        .command()
        .arg("daemon")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let count = || {
        rusqlite::Connection::open(env.db())
            .ok()
            .and_then(|c| {
                c.query_row("SELECT count(*) FROM messages", [], |r| r.get::<_, i64>(0))
                    .ok()
            })
            .unwrap_or(0)
    };
    server_support::wait_until(
        "the first message",
        Duration::from_secs(30),
        || count() == 1,
        String::new,
    );
    // Delivered while it runs; SIGUSR1 asks for a look now.
    std::fs::copy(&mails[1], md.join("new/1528100001.M2.test")).unwrap();
    std::fs::copy(&mails[2], md.join("new/1528100002.M3.test")).unwrap();
    unsafe {
        libc::kill(daemon.id() as i32, libc::SIGUSR1);
    }
    server_support::wait_until(
        "the two new messages",
        Duration::from_secs(30),
        || count() == 3,
        String::new,
    );
    let (_, j, _) = status(&env);
    assert_eq!(j["daemon"]["state"], "running", "{j}");
    let sources = j["daemon"]["sources"].as_array().unwrap();
    assert_eq!(sources[0]["account"], "local");
    assert_eq!(sources[0]["messages"], 3, "{j}");
    unsafe {
        libc::kill(daemon.id() as i32, libc::SIGTERM);
    }
    assert!(daemon.wait().unwrap().success());
    let (_, j, _) = status(&env);
    assert_eq!(j["daemon"]["state"], "stopped", "{j}");
}

/// The messages of a database, counted by a connection of its own (0 when
/// it cannot be read yet).
fn count_messages(db: &Path) -> i64 {
    rusqlite::Connection::open(db)
        .ok()
        .and_then(|c| {
            c.query_row("SELECT count(*) FROM messages", [], |r| r.get::<_, i64>(0))
                .ok()
        })
        .unwrap_or(0)
}

/// A Maildir with `n` messages of the corpus in `new/`, from the `skip`th.
fn maildir_with(md: &Path, skip: usize, n: usize) {
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(md.join(sub)).unwrap();
    }
    let mut mails: Vec<_> = std::fs::read_dir(common::corpus_mail())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    mails.sort();
    for (i, m) in mails.iter().skip(skip).take(n).enumerate() {
        std::fs::copy(m, md.join(format!("new/15281{:05}.M{i}.test", skip + i))).unwrap();
    }
}

/// The README's restore: a backup put in place of the database by a new
/// file (`install BACKUP fiches.db`), `-wal` and `-shm` removed.
fn restore_over(db: &Path, backup: &Path) {
    let staged = db.with_extension("restauration");
    std::fs::copy(backup, &staged).unwrap();
    std::fs::rename(&staged, db).unwrap();
    for s in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{s}", db.display()));
    }
}

fn decisions(db: &Path) -> i64 {
    query_i64(db, "SELECT count(*) FROM journal WHERE action = 'decision'")
}

fn query_i64(db: &Path, sql: &str) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

/// A console left open while a backup is restored (the outside tester's
/// case: decisions made there went to the old, unlinked file and were
/// lost without a word). It notices the new file by itself, says so, and
/// a decision tried then is refused with that reason: nothing is written
/// to either file, and a new console works on the restored one.
#[test]
fn a_console_left_open_on_a_restored_database_records_nothing_and_says_so() {
    let env = Env::new();
    env.import(&[&common::corpus_mail()]);
    let db = env.db();
    let backup = env.path().join("sauvegarde.db");
    let out = env.run(&["backup", backup.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        server_support::output_text(&out)
    );
    let console_line = format!(
        "cd '{}' && env -u FICHES_CONFIG -u FICHES_DB '{}'",
        env.path().display(),
        env!("CARGO_BIN_EXE_fiches")
    );
    let t = server_support::Tmux::start("remplacee", 160, 40, &console_line);
    t.wait_for("1 Propositions");
    restore_over(&db, &backup);
    // Noticed without a key pressed.
    let screen = t.wait_for_all(&["a été remplacée"], Duration::from_secs(10));
    assert!(
        screen.contains("Quitter (q) puis relancer fiches"),
        "{screen}"
    );
    // A decision tried now: refused, with the reason.
    t.keys(&["Enter", "Enter"]);
    std::thread::sleep(Duration::from_millis(500));
    t.keys(&["Enter"]);
    std::thread::sleep(Duration::from_secs(1));
    let screen = t.wait_for("a été remplacée");
    assert!(!screen.contains("retenue : "), "{screen}");
    assert_eq!(decisions(&db), 0, "nothing written to the restored file");
    t.keys(&["Escape", "Escape", "q"]);
    drop(t);
    // A new console opens the restored database and can decide there.
    let t = server_support::Tmux::start("relancee", 160, 40, &console_line);
    let screen = t.wait_for("1 Propositions");
    assert!(!screen.contains("remplacée"), "{screen}");
    t.keys(&["Enter", "Enter"]);
    t.wait_for("Places libres");
    t.keys(&["Enter"]);
    t.wait_for("retenue : ");
    t.keys(&["q"]);
    t.wait_for("FIN 0");
    assert_eq!(decisions(&db), 1);
}

/// The daemon notices too: it ends (with an error, which the unit
/// restarts) instead of storing mail in a file nobody reads any more.
#[test]
fn the_daemon_stops_when_its_database_is_replaced() {
    let env = Env::with_sources("[[sources]]\ntype = \"maildir\"\npath = \"Maildir\"\n");
    let md = env.path().join("Maildir");
    maildir_with(&md, 0, 2);
    let db = env.db();
    let mut daemon = env
        .command()
        .arg("daemon")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    server_support::wait_until(
        "the first messages",
        Duration::from_secs(30),
        || count_messages(&db) == 2,
        String::new,
    );
    let backup = env.path().join("sauvegarde.db");
    assert!(
        env.run(&["backup", backup.to_str().unwrap()])
            .status
            .success()
    );
    restore_over(&db, &backup);
    let t0 = std::time::Instant::now();
    let status = loop {
        if let Some(s) = daemon.try_wait().unwrap() {
            break s;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "the daemon did not notice its database was replaced"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut log = String::new();
    std::io::Read::read_to_string(daemon.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(!status.success(), "{log}");
    assert_ne!(status.code(), Some(78), "a restart fixes it: {log}");
    assert!(log.contains("remplacée sur le disque"), "{log}");
    // Restarted, it works on the new file.
    maildir_with(&md, 2, 1);
    let out = env.run(&["daemon", "--once"]);
    assert!(
        out.status.success(),
        "{}",
        server_support::output_text(&out)
    );
    assert_eq!(count_messages(&db), 3);
}

/// Started by hand in a terminal (the fallback without systemd, in an SSH
/// session): closing that terminal sends SIGHUP, which used to kill it.
/// It goes on, still takes mail, and stops on SIGTERM.
#[test]
fn the_daemon_started_by_hand_survives_its_session_closing() {
    let env = Env::with_sources("[[sources]]\ntype = \"maildir\"\npath = \"Maildir\"\n");
    let md = env.path().join("Maildir");
    maildir_with(&md, 0, 1);
    let db = env.db();
    // In a real terminal: `fiches daemon &`, its log on that terminal.
    let t = server_support::Tmux::start(
        "session",
        120,
        30,
        &format!(
            "cd '{}' && env -u FICHES_CONFIG -u FICHES_DB '{}' daemon & sleep 600",
            env.path().display(),
            env!("CARGO_BIN_EXE_fiches")
        ),
    );
    server_support::wait_until(
        "the first message",
        Duration::from_secs(30),
        || count_messages(&db) == 1,
        || t.capture(),
    );
    let lock = fiches::status::daemon_lock_path(&db);
    let pid = fiches::system::flock_holder(&lock).expect("the daemon holds its lock");
    // The session ends: the terminal goes away (SIGHUP to its processes).
    drop(t);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        fiches::system::flock_holder(&lock),
        Some(pid),
        "the daemon died with its session"
    );
    // It still works, its terminal gone: a new mail, then a pass now.
    maildir_with(&md, 1, 1);
    unsafe {
        libc::kill(pid as i32, libc::SIGUSR1);
    }
    server_support::wait_until(
        "the new message",
        Duration::from_secs(30),
        || count_messages(&db) == 2,
        String::new,
    );
    let (_, j, _) = status(&env);
    assert_eq!(j["daemon"]["state"], "running", "{j}");
    unsafe {
        libc::kill(pid as i32, libc::SIGTERM);
    }
    server_support::wait_until(
        "the daemon to stop on SIGTERM",
        Duration::from_secs(30),
        || fiches::system::flock_holder(&lock).is_none(),
        String::new,
    );
}

/// An error of a source that was fixed since (a Maildir missing, then
/// created): `fiches status` no longer shows it once a pass went well.
#[test]
fn an_old_daemon_error_is_not_shown_once_it_recovered() {
    let env = Env::with_sources("[[sources]]\ntype = \"maildir\"\npath = \"Maildir\"\n");
    let md = env.path().join("Maildir");
    let db = env.db();
    let mut daemon = env
        .command()
        .arg("daemon")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    server_support::wait_until(
        "the error of the missing Maildir",
        Duration::from_secs(30),
        || {
            let (_, j, _) = status(&env);
            j["daemon"]["state"] == "failing"
        },
        || format!("{:?}", status(&env).1),
    );
    let (_, _, text) = status(&env);
    assert!(text.contains("n'existe pas"), "{text}");
    // Fixed: the Maildir is there, a pass now.
    maildir_with(&md, 0, 1);
    unsafe {
        libc::kill(daemon.id() as i32, libc::SIGUSR1);
    }
    server_support::wait_until(
        "the message",
        Duration::from_secs(30),
        || count_messages(&db) == 1,
        String::new,
    );
    let (code, j, text) = status(&env);
    assert_eq!(j["daemon"]["state"], "running", "{j}");
    assert!(
        !text.contains("dernière erreur") && !text.contains("n'existe pas"),
        "{text}"
    );
    assert!(j["daemon"]["sources"][0]["last_error"].is_null(), "{j}");
    // (members.csv is the only thing left to do.)
    assert!(code == Some(0) || text.contains("adhérents"), "{text}");
    unsafe {
        libc::kill(daemon.id() as i32, libc::SIGTERM);
    }
    assert!(daemon.wait().unwrap().success());
    // Stopped: its last words are not an old error either.
    let (_, _, text) = status(&env);
    assert!(
        text.contains("arrêté") && !text.contains("dernière erreur"),
        "{text}"
    );
}

/// Every migration the README names is one the program has (the outside
/// tester was sent looking for a `0006_imap_servers` that was 0007).
#[test]
fn the_readme_names_only_migrations_that_exist() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store/migrations");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".sql"))
                .map(str::to_string)
        })
        .collect();
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let mut named = 0;
    for (i, _) in readme.match_indices('_') {
        let b = readme.as_bytes();
        if i < 4 || !b[i - 4..i].iter().all(u8::is_ascii_digit) {
            continue;
        }
        if i > 4 && (b[i - 5].is_ascii_alphanumeric()) {
            continue;
        }
        let rest: String = readme[i + 1..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        let name = format!("{}_{}", &readme[i - 4..i], rest.trim_end_matches('_'));
        assert!(
            names.contains(&name),
            "README names {name}; migrations: {names:?}"
        );
        named += 1;
    }
    assert!(named >= 2, "the README names migrations");
}
