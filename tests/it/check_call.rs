//! `fiches check-call`, the real binary in a temporary directory: broken
//! copies of the shipped `call.toml` are refused with every problem on its
//! line, in French; with a real SQLite database filled by `fiches import`
//! (the sample inbox), a definition that renames a field is refused with
//! the count of proposals it would orphan, accepted once `[renames]` says
//! where the values go and `--apply` has moved them (journaled), and a
//! definition without a stored kind is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CALL: &str = include_str!("../../call.toml");

struct Dir {
    dir: tempfile::TempDir,
}

impl Dir {
    /// An empty folder: no configuration, no database.
    fn bare() -> Dir {
        Dir {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A folder with the shipped configuration (its event, no mail
    /// source) and its database filled with the sample inbox.
    fn with_database() -> Dir {
        let d = Dir::bare();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let shipped = std::fs::read_to_string(root.join("config.toml")).unwrap();
        let head = shipped.split("[[sources]]").next().unwrap();
        std::fs::write(d.path().join("config.toml"), head).unwrap();
        let out = d.run(&["import", root.join("fixtures/inbox").to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        d
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn db(&self) -> PathBuf {
        self.path().join("fiches.db")
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_fiches"))
            .args(args)
            .current_dir(self.path())
            .env_remove("FICHES_CONFIG")
            .env_remove("FICHES_DB")
            .env_remove("FICHES_LOG")
            .env("XDG_CONFIG_HOME", self.path().join("xdg"))
            .output()
            .unwrap()
    }

    /// Writes `text` as `call.toml` here and checks it.
    fn check(&self, text: &str, more: &[&str]) -> Output {
        std::fs::write(self.path().join("call.toml"), text).unwrap();
        let mut args = vec!["check-call", "call.toml"];
        args.extend_from_slice(more);
        self.run(&args)
    }

    fn sql<T: rusqlite::types::FromSql>(&self, query: &str) -> T {
        let conn = rusqlite::Connection::open(self.db()).unwrap();
        conn.query_row(query, [], |r| r.get(0)).unwrap()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `CALL` with `from` replaced by `to` in its first occurrence after `after`.
fn edit(after: &str, from: &str, to: &str) -> String {
    let start = CALL.find(after).expect(after);
    let at = start + CALL[start..].find(from).expect(from);
    format!("{}{to}{}", &CALL[..at], &CALL[at + from.len()..])
}

/// The line `call.toml, ligne N : …` saying `words`, and line N of `text`.
fn problem_at<'t>(stderr: &str, words: &str, text: &'t str) -> (usize, &'t str) {
    let line = stderr
        .lines()
        .find(|l| l.contains(words))
        .unwrap_or_else(|| panic!("no problem saying {words:?} in:\n{stderr}"));
    let n: usize = line
        .strip_prefix("call.toml, ligne ")
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no line number in {line:?}"));
    (n, text.lines().nth(n - 1).unwrap())
}

#[test]
fn the_shipped_definition_is_valid() {
    let d = Dir::bare();
    let out = d.check(CALL, &[]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.starts_with(
            "Définition sans erreur : 2 types, 35 champs (25 distincts), 8 listes d'options"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("Aucune base indiquée"), "{stdout}");
}

#[test]
fn every_problem_is_said_with_its_line() {
    let d = Dir::bare();
    // Three problems at once: a list that does not exist, a label read as
    // another field's, a slot that is not one of the programme's.
    let broken = edit(
        "id = \"theme\"",
        "options = \"themes\"",
        "options = \"themez\"",
    );
    let broken = broken.replacen("label = \"Fonction\"", "label = \"Pays :\"", 1);
    let broken = broken.replacen(
        "slots = [\"14:00\", \"14:20\", \"14:40\", \"15:00\", \"15:20\"]",
        "slots = [\"14:00\", \"14:20\", \"14:40\", \"15:00\", \"25:20\"]",
        1,
    );
    let out = d.check(&broken, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);

    let (_, line) = problem_at(&stderr, "« themez », qui n'existe pas", &broken);
    assert_eq!(line, "options = \"themez\"");
    let (_, line) = problem_at(&stderr, "se lisent de la même façon (« pays »)", &broken);
    assert_eq!(line, "label = \"Pays :\"");
    let (_, line) = problem_at(&stderr, "créneau « 25:20 »", &broken);
    assert!(line.contains("\"25:20\""), "{line}");
    assert!(
        stderr.contains("Définition invalide : ")
            && stderr.contains("relancer `fiches check-call call.toml`"),
        "{stderr}"
    );
    assert!(text(&out.stdout).is_empty(), "nothing said valid");
}

#[test]
fn a_syntax_error_and_a_duplicate_kind_name_their_line() {
    let d = Dir::bare();
    let broken = edit("key = \"bourse_projets\"", "plural = ", "plural = = ");
    let out = d.check(&broken, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let (_, line) = problem_at(&stderr, "un « = » de trop", &broken);
    assert!(line.starts_with("plural = = "), "{line}\n{stderr}");

    let broken = edit(
        "[[kinds]]",
        "key = \"micro_atelier\"",
        "key = \"bourse_projets\"",
    );
    let out = d.check(&broken, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let (_, line) = problem_at(
        &stderr,
        "le type « bourse_projets » est défini deux fois",
        &broken,
    );
    assert_eq!(line, "key = \"bourse_projets\"");
}

#[test]
fn options_that_fold_alike_and_a_title_read_as_another_kind() {
    let d = Dir::bare();
    let broken = edit("value = \"true\"", "label = \"Non\"", "label = \"OUI.\"");
    let broken = broken.replacen(
        "title = \"BOURSE AUX PROJETS : FICHE DE RENSEIGNEMENT\"",
        "title = \"BOURSE AUX PROJETS : MICRO-ATELIER\"",
        1,
    );
    let out = d.check(&broken, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let (_, line) = problem_at(&stderr, "se lisent de la même façon (« oui »)", &broken);
    assert_eq!(line, "label = \"OUI.\"");
    let (_, line) = problem_at(&stderr, "serait lue comme une fiche micro_atelier", &broken);
    assert_eq!(line, "title = \"BOURSE AUX PROJETS : MICRO-ATELIER\"");
}

/// The shipped definition with `theme` stored as `themes` in both kinds
/// (the micro-ateliers' field id, its place in the kind, the public lists;
/// the bourse's field key): one label names one key in every kind.
fn theme_renamed() -> String {
    let start = CALL.find("key = \"micro_atelier\"").unwrap();
    let end = CALL.find("key = \"bourse_projets\"").unwrap();
    let kind = CALL[start..end]
        .replacen("    \"theme\",\n", "    \"themes\",\n", 1)
        .replacen("\"country\", \"theme\"]", "\"country\", \"themes\"]", 1)
        .replacen("theme_field = \"theme\"", "theme_field = \"themes\"", 1);
    let text = format!("{}{kind}{}", &CALL[..start], &CALL[end..]);
    text.replacen("id = \"theme\"\n", "id = \"themes\"\n", 1)
        .replacen(
            "id = \"theme_bourse\"\nkey = \"theme\"\n",
            "id = \"theme_bourse\"\nkey = \"themes\"\n",
            1,
        )
}

#[test]
fn a_renamed_field_is_refused_until_its_rename_is_applied() {
    let d = Dir::with_database();
    let holding = "SELECT count(*) FROM proposals WHERE kind = 'micro_atelier' \
                   AND json_type(fields, '$.theme') IS NOT NULL";
    let holding_all =
        "SELECT count(*) FROM proposals WHERE json_type(fields, '$.theme') IS NOT NULL";
    let n: i64 = d.sql(holding);
    assert!(n > 1, "the sample inbox has micro-ateliers with a theme");
    let all: i64 = d.sql(holding_all);
    assert!(all > n, "bourses have a theme too");
    let values: String = d.sql(
        "SELECT group_concat(id || '=' || json_extract(fields, '$.theme'), ';') FROM \
         (SELECT * FROM proposals WHERE kind = 'micro_atelier' ORDER BY id)",
    );

    // The shipped definition fits the database.
    let out = d.check(CALL, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("leurs types et leurs champs sont tous dans la définition"),
        "{}",
        text(&out.stdout)
    );

    // Renamed without a mapping: refused, with the count, nothing changed.
    let renamed = theme_renamed();
    for more in [&[][..], &["--apply"][..]] {
        let out = d.check(&renamed, more);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{more:?}: {}",
            text(&out.stdout)
        );
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(&format!(
                "{n} propositions de type « micro_atelier » ont un champ « theme » que la définition n'a plus"
            )),
            "{stderr}"
        );
        assert!(stderr.contains("[renames]"), "says what to do: {stderr}");
        assert_eq!(d.sql::<i64>(holding), n);
    }

    // With the mapping: listed, and refused until --apply.
    let mapped = renamed.replacen(
        "[renames.fields]\n",
        "[renames.fields]\nmicro_atelier = { themes = \"theme\" }\nbourse_projets = { themes = \"theme\" }\n",
        1,
    );
    let out = d.check(&mapped, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains(&format!(
            "champ « theme » → « themes » (type « micro_atelier ») : {n} propositions"
        )),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("--apply"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(d.sql::<i64>(holding), n);

    let out = d.check(&mapped, &["--apply"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(&format!("Fait : {all} propositions modifiées")),
        "{}",
        text(&out.stdout)
    );

    // No orphan left; the values are under the new key, unchanged.
    let out = d.check(&mapped, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(d.sql::<i64>(holding_all), 0);
    let moved: String = d.sql(
        "SELECT group_concat(id || '=' || json_extract(fields, '$.themes'), ';') FROM \
         (SELECT * FROM proposals WHERE kind = 'micro_atelier' ORDER BY id)",
    );
    assert_eq!(moved, values);
    // One journal line per proposal, in the name of who ran it.
    let journaled: i64 = d.sql(
        "SELECT count(*) FROM journal WHERE action = 'call_renamed' \
         AND json_extract(before, '$.fields.theme') IS NOT NULL \
         AND json_extract(after, '$.fields.themes') IS NOT NULL",
    );
    assert_eq!(journaled, all);
    let actor: String = d.sql("SELECT DISTINCT actor FROM journal WHERE action = 'call_renamed'");
    assert_eq!(actor, fiches::system::acting_user());
    // A second --apply has nothing left to do.
    let out = d.check(&mapped, &["--apply"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let again: i64 = d.sql("SELECT count(*) FROM journal WHERE action = 'call_renamed'");
    assert_eq!(again, all);
}

#[test]
fn a_removed_kind_is_refused() {
    let d = Dir::with_database();
    let bourses: i64 = d.sql("SELECT count(*) FROM proposals WHERE kind = 'bourse_projets'");
    assert!(bourses > 0);
    // The bourse aux projets kind taken out of the definition.
    let start = CALL.find("[[kinds]]\nkey = \"bourse_projets\"").unwrap();
    let end = CALL.find("\n[[fields]]\n").unwrap();
    let without = format!("{}{}", &CALL[..start], &CALL[end + 1..]);
    for more in [&[][..], &["--apply"][..]] {
        let out = d.check(&without, more);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(&format!(
                "{bourses} propositions de type « bourse_projets », un type que la définition n'a plus"
            )),
            "{stderr}"
        );
    }
    assert_eq!(
        d.sql::<i64>("SELECT count(*) FROM proposals WHERE kind = 'bourse_projets'"),
        bourses
    );
    assert_eq!(
        d.sql::<i64>("SELECT count(*) FROM journal WHERE action = 'call_renamed'"),
        0
    );
}

#[test]
fn a_missing_file_is_said_with_its_path() {
    let d = Dir::bare();
    let out = d.run(&["check-call", "nulle-part.toml"]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("nulle-part.toml"), "{stderr}");
    assert!(
        stderr.contains("définition de l'appel illisible"),
        "{stderr}"
    );
}

#[test]
fn a_rename_that_would_overwrite_a_value_is_refused() {
    let d = Dir::with_database();
    // One proposal already holds a value under the new key (written by
    // hand, as an older tool might have).
    let conn = rusqlite::Connection::open(d.db()).unwrap();
    let (id, number): (i64, i64) = conn
        .query_row(
            "SELECT id, coalesce(number, id) FROM proposals WHERE kind = 'micro_atelier' \
             AND json_type(fields, '$.theme') IS NOT NULL ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    conn.execute(
        "UPDATE proposals SET fields = json_set(fields, '$.themes', 'déjà là') WHERE id = ?1",
        [id],
    )
    .unwrap();
    drop(conn);
    let mapped = theme_renamed().replacen(
        "[renames.fields]\n",
        "[renames.fields]\nmicro_atelier = { themes = \"theme\" }\nbourse_projets = { themes = \"theme\" }\n",
        1,
    );
    let out = d.check(&mapped, &["--apply"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "renommer « theme » en « themes » (type « micro_atelier ») écraserait la valeur déjà sous « themes » des propositions n° {number}"
        )),
        "{stderr}"
    );
    assert_eq!(
        d.sql::<String>(&format!(
            "SELECT json_extract(fields, '$.themes') FROM proposals WHERE id = {id}"
        )),
        "déjà là"
    );
    assert_eq!(
        d.sql::<i64>("SELECT count(*) FROM journal WHERE action = 'call_renamed'"),
        0
    );
}

#[test]
fn import_refuses_a_database_the_definition_in_use_would_orphan() {
    let d = Dir::with_database();
    let conn = rusqlite::Connection::open(d.db()).unwrap();
    conn.execute(
        "UPDATE proposals SET fields = json_set(fields, '$.ancien_champ', 'valeur') \
         WHERE id = (SELECT min(id) FROM proposals WHERE kind = 'micro_atelier')",
        [],
    )
    .unwrap();
    drop(conn);
    let messages: i64 = d.sql("SELECT count(*) FROM messages");
    let inbox = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/inbox");
    let out = d.run(&["import", inbox]);
    assert_eq!(out.status.code(), Some(78), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "la définition intégrée (appel 2018) ne correspond pas aux propositions enregistrées"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "1 proposition de type « micro_atelier » a un champ « ancien_champ » que la définition n'a plus"
        ),
        "{stderr}"
    );
    assert_eq!(d.sql::<i64>("SELECT count(*) FROM messages"), messages);
}

#[test]
fn the_daemon_refuses_a_database_the_definition_in_use_would_orphan() {
    let d = Dir::with_database();
    std::fs::create_dir(d.path().join("eml")).unwrap();
    let mut config = std::fs::read_to_string(d.path().join("config.toml")).unwrap();
    config.push_str("\n[[sources]]\ntype = \"eml\"\npath = \"eml\"\n");
    std::fs::write(d.path().join("config.toml"), config).unwrap();
    let out = d.run(&["daemon", "--once"]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let conn = rusqlite::Connection::open(d.db()).unwrap();
    conn.execute(
        "UPDATE proposals SET kind = NULL, fields = json_set(fields, '$.ancien_champ', 'x') \
         WHERE id = (SELECT min(id) FROM proposals)",
        [],
    )
    .unwrap();
    drop(conn);
    let out = d.run(&["daemon", "--once"]);
    // Permanent: the unit is not restarted in a loop on it.
    assert_eq!(out.status.code(), Some(78), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "1 proposition de type non reconnu a un champ « ancien_champ » qu'aucun type de la définition n'a"
        ),
        "{stderr}"
    );
}
