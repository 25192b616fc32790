//! Hostile attachments through `fiches import` (the real binary, its reader
//! workers): every file of `fixtures/hostile/`, a zip bomb, a file that
//! makes the reader spin forever and one that makes it sleep forever, mailed
//! among the ordinary corpus mails. Every ordinary mail is stored as when
//! imported alone; each hostile one is stored (rejected, with its reason);
//! the import ends normally and prints one line per attachment the reader
//! died on, nothing else (no panic message, no backtrace).

use crate::support;

use std::collections::BTreeMap;

use serde_json::Value;
use support::daemon::DaemonEnv;
use support::hostile::{READER_LIMITS, hostile_mails};

fn by_message_id(env: &DaemonEnv) -> BTreeMap<String, Value> {
    env.json_lines(&["messages", "--json"])
        .into_iter()
        .map(|m| (m["message_id"].as_str().unwrap_or("").to_string(), m))
        .collect()
}

fn ordinary() -> Vec<(String, Vec<u8>)> {
    support::corpus()
        .into_iter()
        .filter(|(n, _)| n != "12-zip-bomb.eml")
        .collect()
}

#[test]
fn hostile_attachments_among_ordinary_mail_through_import() {
    // The ordinary mails alone: what they must give.
    let alone = DaemonEnv::new(READER_LIMITS);
    let dir = alone.path().join("ordinary");
    std::fs::create_dir(&dir).unwrap();
    for (name, bytes) in ordinary() {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let out = alone.run(&["import", "--quiet", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let expected = by_message_id(&alone);

    // Mixed: the hostile ones in between.
    let env = DaemonEnv::new(READER_LIMITS);
    let mixed = env.path().join("mixed");
    std::fs::create_dir(&mixed).unwrap();
    let hostile = hostile_mails();
    let mut ordinary = ordinary().into_iter();
    for (i, h) in hostile.iter().enumerate() {
        std::fs::write(mixed.join(format!("{i:02}-h-{}.eml", h.name)), &h.bytes).unwrap();
        if let Some((name, bytes)) = ordinary.next() {
            std::fs::write(mixed.join(format!("{i:02}-o-{name}")), bytes).unwrap();
        }
    }
    for (name, bytes) in ordinary {
        std::fs::write(mixed.join(format!("99-o-{name}")), bytes).unwrap();
    }
    let out = env
        .command()
        .env("FICHES_TEST_READER_HOOKS", "1")
        .env_remove("RUST_BACKTRACE")
        .args(["import", "--quiet", mixed.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "import failed ({:?}):\n{}\n{stderr}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );

    let stored = by_message_id(&env);
    for (mid, m) in &expected {
        let got = stored
            .get(mid)
            .unwrap_or_else(|| panic!("ordinary mail {mid} not stored"));
        assert_eq!(got["status"], m["status"], "{mid}");
        assert_eq!(
            got["proposals"].as_array().unwrap().len(),
            m["proposals"].as_array().unwrap().len(),
            "{mid}"
        );
    }
    let mut dying = 0;
    for h in &hostile {
        let m = stored
            .get(&h.message_id)
            .unwrap_or_else(|| panic!("{} not stored", h.name));
        assert_eq!(m["status"], h.status, "{}: {m}", h.name);
        dying += h.dying_attachments;
        if h.dying_attachments > 0 {
            let a = m["attachments"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["outcome"] == "rejected")
                .unwrap_or_else(|| panic!("{}: no rejected attachment: {m}", h.name));
            assert!(a["filename"].is_string(), "{a}");
        }
    }
    // The reasons staff read, per kind of death.
    let human = String::from_utf8(env.run(&["messages", "--status", "rejected"]).stdout).unwrap();
    for words in [
        "lecture interrompue : mémoire dépassée (limite de 256 Mio)",
        // The spinning file: the CPU limit; the sleeping one: the wall clock.
        // (the CPU limit, 1 s; or the wall clock first on a loaded machine)
        "boucle-infinie.xlsx : lecture interrompue : délai dépassé (",
        "sommeil-infini.xlsx : lecture interrompue : délai dépassé (6 s)",
        "lecture interrompue : le lecteur a échoué sur ce fichier",
        // The zip bomb, refused by the reader's own limits.
        "fichier refusé, il dépasse une limite de sécurité",
    ] {
        assert!(human.contains(words), "« {words} » missing:\n{human}");
    }

    // Quiet: one line per attachment the reader died on, nothing else.
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), dying, "stderr:\n{stderr}");
    for l in &lines {
        assert!(l.contains("refusée, lecture interrompue"), "{l}");
        assert!(l.contains("pièce jointe « "), "{l}");
    }
    for noise in [
        "panicked",
        "backtrace",
        "memory allocation",
        "RUST_BACKTRACE",
    ] {
        assert!(!stderr.contains(noise), "« {noise} » in:\n{stderr}");
    }
    // The summary says what was stored.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("0 en échec"), "{stdout}");
}

#[test]
fn a_stray_date_cell_keeps_the_fiche_with_a_warning() {
    let env = DaemonEnv::new("");
    let eml = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/hostile/xlsx-date-panic.eml");
    let out = env.run(&["import", "--quiet", eml.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let p = &env.json_lines(&["proposals", "--json"])[0];
    assert_eq!(p["fields"]["organisation"], "Ville de Kaya");
    let warnings = p["warnings"].to_string();
    assert!(
        warnings.contains("-1000000000000 qui n'est pas une date"),
        "{warnings}"
    );
}

#[test]
fn a_backdated_mail_is_judged_by_its_first_trusted_hop() {
    let env = DaemonEnv::new("");
    let eml = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/hostile/late-backdated-date.eml");
    let out = env.run(&["import", "--quiet", eml.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let m = &env.json_lines(&["messages", "--json"])[0];
    let flags = m["flags"].to_string();
    assert!(flags.contains("\"late\""), "{m}");
    assert!(flags.contains("\"doubtful_date\""), "{m}");
    let p = &env.json_lines(&["proposals", "--json"])[0];
    assert!(p["flags"].to_string().contains("doubtful_date"), "{p}");
    let human = String::from_utf8(env.run(&["messages"]).stdout).unwrap();
    assert!(human.contains("date d'envoi douteuse"), "{human}");
    assert!(!human.contains("doubtful_date"), "{human}");
}

#[test]
fn files_are_created_without_world_access() {
    use std::os::unix::fs::PermissionsExt;
    let env = DaemonEnv::new("");
    let eml = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus/mail");
    // Whatever the caller's umask (022 here), fiches sets its own.
    let out = env
        .command()
        .args(["import", "--quiet", eml.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let drafts = env.path().join("brouillon");
    let out = env
        .command()
        .args(["publish", "--draft", drafts.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let mut checked = 0;
    let mut paths = vec![env.db(), drafts.clone()];
    while let Some(p) = paths.pop() {
        let meta = std::fs::metadata(&p).unwrap();
        assert_eq!(
            meta.permissions().mode() & 0o007,
            0,
            "{} is open to every user: {:o}",
            p.display(),
            meta.permissions().mode()
        );
        checked += 1;
        if meta.is_dir() {
            paths.extend(std::fs::read_dir(&p).unwrap().flatten().map(|e| e.path()));
        }
    }
    assert!(checked > 3, "{checked}");
}
