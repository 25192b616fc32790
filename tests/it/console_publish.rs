//! Publishing from the console (issue 14): `P` on the Programme screen
//! shows what `fiches publish` would publish (the changelog since the last
//! publication), `o` asks for confirmation, `o` publishes through the same
//! function as the command; the status line then shows the publication's
//! number and age. And the files it writes are the files `fiches publish`
//! writes from the same database (real binary, real SQLite files).

use crate::support::console as console_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use console_support::*;
use fiches::config::Config;
use fiches::console::Session;
use fiches::store::Store;

fn me() -> String {
    fiches::system::user_name(unsafe { libc::getuid() }).unwrap()
}

fn fiches(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_fiches"))
        .arg("--config")
        .arg(dir.join("config.toml"))
        .args(args)
        .env_remove("FICHES_DB")
        .output()
        .expect("run fiches");
    assert!(
        out.status.success(),
        "fiches {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A folder with the repository's config.toml (database `fiches.db`,
/// publications in `publications/` and `publications-interne/` beside it).
fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo().join("config.toml"), dir.path().join("config.toml")).unwrap();
    std::fs::copy(repo().join("members.csv"), dir.path().join("members.csv")).unwrap();
    dir
}

/// The sample imported, three micro-ateliers accepted and one waitlisted,
/// with the console's keys.
fn decided(dir: &Path, user: &str) -> PathBuf {
    let db = dir.join("fiches.db");
    import(&db, &repo().join("fixtures/inbox"));
    let mut s = session_as(&db, user, (120, 40));
    for org in ["Grenoble", "Métropole de Lyon", "Chambéry"] {
        let id = id_of(&s, org);
        select(&mut s, id);
        keys(&mut s, "2<Enter>");
    }
    let id = id_of(&s, "Rufisque");
    select(&mut s, id);
    keys(&mut s, "2w");
    db
}

/// A session that can publish, on the real clock.
fn publishing_session(dir: &Path, db: &Path, user: &str, size: (u16, u16)) -> Session {
    let mut o = options(user, size);
    o.config = Some(Config::load(&dir.join("config.toml")).unwrap());
    o.now = None;
    Session::open(Store::open(db).unwrap(), o).unwrap()
}

fn picture(name: &str, s: &Session) {
    let t = render(s);
    let (w, h) = s.app.size;
    insta::with_settings!({
        filters => vec![
            (r"/tmp/\.tmp[A-Za-z0-9]+", "[dossier]"),
            (r"\d{2}/\d{2}/20[2-9]\d \d{2}:\d{2}", "[maintenant]"),
            (r"20[2-9]\d-\d{2}-\d{2}", "[aujourd'hui]"),
            (r"il y a \d+ s|à l'instant", "il y a [n] s"),
        ],
        omit_expression => true,
    }, {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
    });
}

#[test]
fn preview_confirm_publish_and_the_status_line() {
    for size in [(80, 24), (120, 40)] {
        let dir = folder();
        let db = decided(dir.path(), "marie");
        let mut s = publishing_session(dir.path(), &db, "marie", size);
        keys(&mut s, "3P");
        let sc = screen(&s);
        assert!(sc.contains("Publication n° 1 — la première"), "{sc}");
        assert!(sc.contains("Ville de Grenoble"), "{sc}");
        picture("publish_preview", &s);
        // Nothing written before the confirmation.
        assert!(
            Store::open(&db)
                .unwrap()
                .last_publication()
                .unwrap()
                .is_none()
        );
        keys(&mut s, "o");
        let sc = screen(&s);
        assert!(
            sc.contains("Publier maintenant la publication n° 1"),
            "{sc}"
        );
        picture("publish_confirm", &s);
        keys(&mut s, "o");
        assert!(
            notice(&s).starts_with("Publication n° 1 écrite dans"),
            "{}",
            notice(&s)
        );
        let rec = Store::open(&db)
            .unwrap()
            .last_publication()
            .unwrap()
            .unwrap();
        assert_eq!((rec.number, rec.author.as_str()), (1, "marie"));
        assert!(Path::new(rec.dir.as_deref().unwrap()).is_dir());
        assert_eq!(s.app.last_publication.map(|p| p.0), Some(1));
        if size.0 >= 120 {
            assert!(
                screen(&s).contains("publication n° 1, il y a"),
                "{}",
                screen(&s)
            );
        }
        // Nothing changed since: said, nothing published.
        keys(&mut s, "P");
        assert!(
            screen(&s).contains("Aucun changement des listes publiques depuis la publication n° 1"),
            "{}",
            screen(&s)
        );
        keys(&mut s, "o");
        assert!(notice(&s).contains("Rien à publier"), "{}", notice(&s));
        assert_eq!(Store::open(&db).unwrap().publications().unwrap().len(), 1);
        // A change, then n: cancelled, nothing written.
        let id = id_of(&s, "Rufisque");
        select(&mut s, id);
        keys(&mut s, "2<Enter>3P");
        assert!(
            screen(&s).contains("ce qui a changé depuis la publication n° 1"),
            "{}",
            screen(&s)
        );
        keys(&mut s, "n");
        assert!(notice(&s).contains("annulée"), "{}", notice(&s));
        assert_eq!(Store::open(&db).unwrap().publications().unwrap().len(), 1);
    }
}

#[test]
fn a_publication_made_meanwhile_shows_a_new_preview() {
    let dir = folder();
    let db = decided(dir.path(), &me());
    let mut s = publishing_session(dir.path(), &db, "marie", (120, 40));
    keys(&mut s, "3Po");
    // Someone else publishes with the command while the question is open.
    fiches(dir.path(), &["publish"]);
    keys(&mut s, "o");
    assert!(
        notice(&s).contains("Une publication a été faite entre-temps"),
        "{}",
        notice(&s)
    );
    assert!(
        screen(&s).contains("Aucun changement des listes publiques depuis la publication n° 1")
    );
    assert_eq!(Store::open(&db).unwrap().publications().unwrap().len(), 1);
}

/// `text` with the moments written (RFC 3339 stamps: when it was
/// published, by the clock of each run) masked.
fn mask(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    let digit = |j: usize, n: usize| j + n <= b.len() && b[j..j + n].iter().all(u8::is_ascii_digit);
    while i < b.len() {
        // YYYY-MM-DDTHH:MM:SS
        if digit(i, 4)
            && b.get(i + 4) == Some(&b'-')
            && digit(i + 5, 2)
            && b.get(i + 7) == Some(&b'-')
            && digit(i + 8, 2)
            && b.get(i + 10) == Some(&b'T')
            && digit(i + 11, 2)
            && digit(i + 14, 2)
            && digit(i + 17, 2)
        {
            let mut j = i + 19;
            while j < b.len() && (b[j].is_ascii_digit() || b"+-:.Z".contains(&b[j])) {
                j += 1;
            }
            out.push_str("[moment]");
            i = j;
            continue;
        }
        let c = text[i..].chars().next().unwrap();
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// Every file under `root`, by path relative to it: text as text with the
/// moment of publication masked; spreadsheets as their cells.
fn files(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(root).unwrap().display().to_string();
            if meta.file_type().is_symlink() {
                out.insert(
                    rel,
                    format!("→ {}", std::fs::read_link(&p).unwrap().display()),
                );
            } else if meta.is_dir() {
                stack.push(p);
            } else if rel.ends_with(".xlsx") {
                use calamine::Reader;
                let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&p).unwrap();
                let mut text = String::new();
                for name in wb.sheet_names().to_vec() {
                    let range = wb.worksheet_range(&name).unwrap();
                    text.push_str(&format!("## {name}\n"));
                    for row in range.rows() {
                        let cells: Vec<String> = row.iter().map(|c| c.to_string()).collect();
                        text.push_str(&cells.join("\t"));
                        text.push('\n');
                    }
                }
                out.insert(rel, mask(&text));
            } else {
                let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
                out.insert(rel, mask(&text));
            }
        }
    }
    out
}

#[test]
fn the_console_writes_the_files_fiches_publish_writes() {
    let console_dir = folder();
    let db = decided(console_dir.path(), &me());
    // The same database for the command.
    let command_dir = folder();
    std::fs::copy(&db, command_dir.path().join("fiches.db")).unwrap();

    let mut s = publishing_session(console_dir.path(), &db, &me(), (120, 40));
    keys(&mut s, "3Poo");
    assert!(notice(&s).starts_with("Publication n° 1"), "{}", notice(&s));
    drop(s);
    let said = fiches(command_dir.path(), &["publish"]);
    assert!(said.contains("Publication n° 1"), "{said}");

    for sub in ["publications", "publications-interne"] {
        let a = files(&console_dir.path().join(sub));
        let b = files(&command_dir.path().join(sub));
        assert!(!a.is_empty(), "nothing written in {sub}");
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "the same files in {sub}"
        );
        for (name, text) in &a {
            assert_eq!(text, &b[name], "{sub}/{name} differs");
        }
    }
    // And the same record, but for the moment.
    let a = Store::open(&db)
        .unwrap()
        .last_publication()
        .unwrap()
        .unwrap();
    let b = Store::open(command_dir.path().join("fiches.db"))
        .unwrap()
        .last_publication()
        .unwrap()
        .unwrap();
    assert_eq!(
        (a.number, &a.author, &a.changes),
        (b.number, &b.author, &b.changes)
    );
}
