//! What the administrator and staff read when something is wrong, with the
//! real binary in temporary folders — the kinds of message an outside
//! tester found wrong: a configuration error said once, in French, with
//! the file, the line, what is wrong and what to write; a file this user
//! may not read never called "introuvable" and never in the system's
//! English ("Permission denied (os error 13)"), but with the folder or
//! file that blocks and the fix (as an ordinary user: `nobody`, through
//! `setpriv`, so these run as root in CI); a wrong `[database] path` said
//! as such by `fiches status` and ending the daemon with the status its
//! unit does not restart (78); an ordinary command's warnings as plain
//! French lines, not log lines.

use crate::support::common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::Env;

const BIN: &str = env!("CARGO_BIN_EXE_fiches");

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The English of the system or of the TOML parser, which no message may
/// show (outside a marked detail).
fn assert_no_english(s: &str) {
    for w in [
        "os error",
        "Permission denied",
        "No such file",
        "expected",
        "invalid",
        "must be quoted",
        "unknown field",
        "duplicate key",
        "WARN",
        "ERROR",
    ] {
        assert!(!s.contains(w), "« {w} » in: {s}");
    }
}

/// `fiches ARGS` run in `dir` as the user `nobody` (no groups).
fn as_nobody(dir: &Path, args: &[&str]) -> Output {
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "these tests run a command as another user (nobody): run them as root, as CI does"
    );
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("FICHES_CONFIG")
        .env_remove("FICHES_DB")
        .env_remove("FICHES_LOG")
        .env("XDG_CONFIG_HOME", dir.join("xdg"))
        .output()
        .expect("setpriv (util-linux)")
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// An `Env` whose folder others may pass through and read (a temporary
/// folder is 0700).
fn open_env() -> Env {
    let env = Env::new();
    chmod(env.path(), 0o755);
    chmod(&env.path().join("config.toml"), 0o644);
    env
}

/// Replaces the line `from` (a whole line, not a comment) of the config.
fn config_with(env: &Env, from: &str, to: &str) {
    let p = env.path().join("config.toml");
    let c = std::fs::read_to_string(&p).unwrap();
    let mut found = false;
    let new: String = c
        .lines()
        .map(|l| {
            if !found && l.trim() == from {
                found = true;
                format!("{to}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert!(found, "{from}");
    std::fs::write(&p, new).unwrap();
}

#[test]
fn a_configuration_error_is_one_french_line_naming_the_file_the_line_and_the_fix() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "late_last = true",
            "late_last = vrai",
            &["[selection] late_last", "true ou false"],
        ),
        (
            "late_last = true",
            "late_last = \"oui\"",
            &[
                "[selection] late_last",
                "il faut true ou false, pas un texte entre guillemets",
            ],
        ),
        (
            "late_last = true",
            "lateLast = true",
            &["clé « lateLast » inconnue", "late_last"],
        ),
        (
            "[selection]",
            "[selections]",
            &["section [selections] inconnue", "selection"],
        ),
        ("[selection]", "[selection", &["crochet de fin"]),
        (
            "late_last = true",
            "late_last = \"oui",
            &["guillemet de fin"],
        ),
        ("late_last = true", "late_last true", &["`clé = valeur`"]),
        (
            "late_last = true",
            "late_last = true\nlate_last = false",
            &["écrite deux fois", "n'en garder qu'une"],
        ),
        (
            "path = \"fiches.db\"",
            "path = 3",
            &[
                "[database] path",
                "il faut un chemin entre guillemets, pas un nombre",
            ],
        ),
    ];
    for (from, to, words) in cases {
        let env = Env::new();
        config_with(&env, from, to);
        let config = std::fs::read_to_string(env.path().join("config.toml")).unwrap();
        let bad_line = to.lines().last().unwrap();
        let line = config
            .lines()
            .position(|l| l.trim() == bad_line)
            .unwrap_or_else(|| panic!("{bad_line}"))
            + 1;
        for (args, code) in [(&["status"][..], 2), (&["proposals"], 2), (&["daemon"], 78)] {
            let out = env.run(args);
            let (stdout, stderr) = text(&out);
            assert_eq!(out.status.code(), Some(code), "{args:?} {to}: {stderr}");
            let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
            assert_eq!(lines.len(), 1, "said once: {stderr}{stdout}");
            let l = lines[0];
            assert!(
                l.starts_with("fiches : fichier de configuration config.toml : ")
                    && l.contains(&format!("ligne {line}")),
                "{to}: {l}"
            );
            for w in *words {
                assert!(l.contains(w), "{to}: « {w} » missing in {l}");
            }
            assert_no_english(l);
        }
    }
    // A file that is not there: once, in French, which folder is missing.
    let env = Env::new();
    let missing = env.path().join("etc/fiches/config.toml");
    let out = env.run(&["--config", missing.to_str().unwrap(), "status"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr.trim_end(),
        format!(
            "fiches : fichier de configuration {} : le dossier {} n'existe pas",
            missing.display(),
            env.path().join("etc").display()
        )
    );
}

#[test]
fn a_file_this_user_may_not_read_is_never_called_missing() {
    let env = open_env();
    let config = env.path().join("config.toml");

    // The configuration itself.
    chmod(&config, 0o600);
    let out = as_nobody(env.path(), &["status"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    // (The path as found: ./config.toml.)
    assert!(
        stderr.contains(
            "fichier de configuration config.toml : nobody ne peut pas lire le fichier config.toml \
             (propriétaire root, groupe root, droits 0600) ; pour l'autoriser"
        ),
        "{stderr}"
    );
    let _ = config;
    assert!(
        !stderr.contains("introuvable") && !stderr.contains("n'existe pas"),
        "{stderr}"
    );
    assert_no_english(&stderr);
    chmod(&config, 0o644);

    let members = env.path().join("members.csv");
    std::fs::write(&members, "organisation\nVille de Lyon\n").unwrap();
    chmod(&members, 0o644);

    // The database's folder, closed to others.
    let base = env.path().join("base");
    std::fs::create_dir(&base).unwrap();
    config_with(&env, "path = \"fiches.db\"", "path = \"base/fiches.db\"");
    env.import(&[&common::corpus_mail().join("01-plain.eml")]);
    chmod(&base, 0o700);
    for args in [&["proposals"][..], &["status"]] {
        let out = as_nobody(env.path(), args);
        let (stdout, stderr) = text(&out);
        let all = format!("{stdout}{stderr}");
        // (The path as configured, relative to the configuration.)
        assert!(
            all.contains("nobody ne peut pas passer par le dossier base (propriétaire root, groupe root, droits 0700)")
                && all.contains("setfacl -m u:nobody:x base"),
            "{args:?}: {all}"
        );
        assert!(
            !all.contains("introuvable") && !all.contains("n'existe pas"),
            "{all}"
        );
        assert_no_english(&all);
    }
    chmod(&base, 0o755);
    chmod(&base.join("fiches.db"), 0o644);

    // The members list: unreadable is not missing.
    chmod(&members, 0o600);
    let out = as_nobody(env.path(), &["status"]);
    let (stdout, stderr) = text(&out);
    assert!(
        stdout.contains("members.csv illisible")
            && stdout.contains("nobody ne peut pas lire le fichier members.csv (propriétaire root, groupe root, droits 0600)"),
        "{stdout}{stderr}"
    );
    assert!(!stdout.contains("introuvable"), "{stdout}");
    assert_no_english(&stdout);

    // A fiche given on the command line.
    let fiche = env.path().join("fiche.xlsx");
    std::fs::write(&fiche, b"PK").unwrap();
    chmod(&fiche, 0o600);
    let out = as_nobody(env.path(), &["parse", fiche.to_str().unwrap()]);
    let (_, stderr) = text(&out);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr.contains(&format!(
            "nobody ne peut pas lire le fichier {}",
            fiche.display()
        )),
        "{stderr}"
    );
    assert_no_english(&stderr);
}

#[test]
fn a_wrong_database_path_is_a_configuration_error() {
    let env = Env::with_sources("[[sources]]\ntype = \"maildir\"\npath = \"Maildir\"\n");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(env.path().join("Maildir").join(sub)).unwrap();
    }
    let nowhere = PathBuf::from("/nonexistent-fiches-test/var/fiches.db");
    config_with(
        &env,
        "path = \"fiches.db\"",
        &format!("path = \"{}\"", nowhere.display()),
    );
    // The daemon: the status its unit does not restart, and why.
    let out = env.run(&["daemon"]);
    let (_, log) = text(&out);
    assert_eq!(out.status.code(), Some(78), "{log}");
    // Its last word (before it, its log).
    let stderr = log
        .lines()
        .rfind(|l| l.starts_with("fiches : "))
        .unwrap_or_else(|| panic!("{log}"))
        .to_string();
    assert!(
        stderr.contains("le dossier /nonexistent-fiches-test n'existe pas")
            && stderr.contains("[database] path")
            && stderr.contains("config.toml"),
        "{stderr}"
    );
    assert_no_english(&stderr);
    // status: no "the daemon creates it", but what to correct.
    let out = env.run(&["status"]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout.contains("ne peut pas être créée")
            && stdout.contains("corriger [database] path")
            && stdout.contains("78"),
        "{stdout}"
    );
    assert!(!stdout.contains("le démon la crée"), "{stdout}");
    // A staff command: the same words.
    let out = env.run(&["proposals"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("le dossier /nonexistent-fiches-test n'existe pas")
            && stderr.contains("[database] path"),
        "{stderr}"
    );
}

#[test]
fn warnings_of_a_command_are_plain_french_lines() {
    let env = Env::new();
    env.import(&[&common::corpus_mail().join("01-plain.eml")]);
    assert!(!env.path().join("members.csv").exists());
    let out = env.run(&["publish"]);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.lines().any(
            |l| l.starts_with("fiches : attention : liste des adhérents")
                && l.contains("introuvable")
        ),
        "{stderr}"
    );
    assert_no_english(&stderr);
    // No log layout: no timestamp, no level, no module path.
    assert!(
        !stderr.contains("fiches::") && !stderr.contains("Z "),
        "{stderr}"
    );
}
