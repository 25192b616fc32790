//! Every word the `fiches` binary prints to a person is French: the help
//! of the program and of every subcommand (found by walking the help
//! itself, so a new subcommand is covered), and clap's errors, which are
//! rewritten in French with clap's exit code 2.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

fn fiches(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_fiches"))
        .args(args)
        .current_dir(dir.path())
        // No configuration or database of the machine running the tests.
        .env_remove("FICHES_CONFIG")
        .env_remove("FICHES_DB")
        .env_remove("FICHES_LOG")
        .env("XDG_CONFIG_HOME", dir.path())
        .output()
        .unwrap()
}

/// English words clap (or a forgotten description) would print. Words that
/// are also French ("options", "arguments", "version", "a", "or", "an"), and
/// codes a person types as values ("error", "to"),
/// are only caught in their English typography ("Options:" without the
/// French space); "help" is a subcommand and option name, caught only
/// as a word on its own in a sentence.
const ENGLISH_WORDS: &[&str] = &[
    "Usage",
    "Print",
    "Commands",
    "unexpected",
    "required",
    "invalid",
    "found",
    "tip",
    "subcommand",
    "provided",
    "expected",
    "the",
    "try",
    "summary",
    "values",
    "default",
    "wasn't",
    "isn't",
    "cannot",
    "Read",
    "Decide",
    "Move",
    "Swap",
    "Take",
    "with",
    "and",
    "of",
    "is",
    "for",
    "files",
    "directories",
];
const ENGLISH_MARKS: &[&str] = &[
    "Options:",
    "Arguments:",
    "Commands:",
    "Usage:",
    "error:",
    "tip:",
];

/// The English words of a text, each with its line.
fn english_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        for mark in ENGLISH_MARKS {
            if line.contains(mark) {
                found.push(format!("{mark:?} in {line:?}"));
            }
        }
        let trimmed = line.trim_start();
        // The `help` subcommand's own row names it.
        let sentence = trimmed.strip_prefix("help ").unwrap_or(trimmed);
        let sentence = sentence.replace("--help", "").replace("-h", "");
        let words = sentence.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '_'));
        for word in words {
            let word = word.trim_matches('\'');
            if ENGLISH_WORDS.contains(&word) || word == "help" {
                found.push(format!("{word:?} in {line:?}"));
            }
        }
    }
    found
}

/// The subcommands listed under "Commandes :" in a help text.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commandes :"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

#[test]
fn every_help_is_french() {
    let mut pending: Vec<Vec<String>> = vec![vec![]];
    let mut seen = 0;
    let mut problems = Vec::new();
    while let Some(path) = pending.pop() {
        for flag in ["--help", "-h"] {
            let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
            args.push(flag);
            let out = fiches(&args);
            assert!(out.status.success(), "fiches {args:?}: {out:?}");
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(
                text.contains("Utilisation : fiches"),
                "fiches {args:?}:\n{text}"
            );
            for word in english_in(&text) {
                problems.push(format!("fiches {}: {word}", args.join(" ")));
            }
            if flag == "--help" {
                seen += 1;
                for sub in subcommands(&text) {
                    if sub != "help" {
                        let mut next = path.clone();
                        next.push(sub);
                        pending.push(next);
                    }
                }
            }
        }
    }
    // The program, its 21 subcommands and the ones of decide and outbox.
    assert!(seen > 30, "only {seen} help texts found");
    for args in [
        vec!["help"],
        vec!["help", "decide"],
        vec!["-V"],
        vec!["--version"],
    ] {
        let out = fiches(&args);
        assert!(out.status.success(), "fiches {args:?}: {out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        for word in english_in(&text) {
            problems.push(format!("fiches {}: {word}", args.join(" ")));
        }
    }
    assert!(
        problems.is_empty(),
        "English in the help:\n{}",
        problems.join("\n")
    );
}

#[test]
fn value_names_are_french() {
    for args in [
        vec!["messages", "--help"],
        vec!["proposals", "--help"],
        vec!["outbox", "--help"],
        vec!["decide", "--help"],
        vec!["parse", "--help"],
        vec!["swap", "--help"],
    ] {
        let text = String::from_utf8(fiches(&args).stdout).unwrap();
        for english in [
            "<STATUS>", "<STATE>", "<KIND>", "<NUMBER>", "<PATHS>", "<FIRST>", "<ID>",
        ] {
            assert!(
                !text.contains(english),
                "fiches {args:?} shows {english}:\n{text}"
            );
        }
    }
    let text = String::from_utf8(fiches(&["messages", "--help"]).stdout).unwrap();
    assert!(text.contains("--status <STATUT>"), "{text}");
}

/// A mistake on the command line, the French sentence it must produce
/// (part of it: the argument named, what to do), and exit code 2.
#[test]
fn clap_errors_are_french_with_exit_code_2() {
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["--bogus"],
            &["option inconnue : « --bogus »", "Utilisation : fiches"],
        ),
        (
            &["decid"],
            &[
                "commande inconnue : « decid »",
                "vouliez-vous dire « decide » ?",
            ],
        ),
        (&["decide", "3"], &["« fiches decide » attend une commande"]),
        (
            &["decide", "x", "accept"],
            &["<NUMÉRO>", "« x »", "un nombre entier est attendu"],
        ),
        (
            &["decide", "3", "accept", "--slott", "10:00"],
            &["« --slott »", "« --slot »"],
        ),
        (
            &["messages", "--status", "nope"],
            &["--status <STATUT>", "statut inconnu « nope »"],
        ),
        (
            &["messages", "--status"],
            &["--status <STATUT> : une valeur est attendue"],
        ),
        (&["send", "Z9"], &["« Z9 »", "un numéro de lettre (12)"]),
        (
            &["move", "3"],
            &["il manque : --slot <HH:MM>, --place <NOM>"],
        ),
        (&["parse"], &["il manque : <CHEMIN>"]),
        (&["outbox", "drop"], &["il manque : <N>"]),
        (
            &["attachment", "3"],
            &["indiquer l'une de ces options : --save <DOSSIER> ou --text"],
        ),
        (
            &["proposals", "--json", "--json"],
            &["--json ne peut être donné qu'une fois"],
        ),
        (
            &["outbox", "--json", "show", "3"],
            &["--json ne va pas avec cette commande"],
        ),
        (
            &["import", "--db"],
            &["--db <FICHIER> : une valeur est attendue"],
        ),
        (&["help", "nothing"], &["commande inconnue : « nothing »"]),
    ];
    let mut problems = Vec::new();
    for (args, expected) in cases {
        let out = fiches(args);
        let text = String::from_utf8(out.stderr).unwrap();
        if out.status.code() != Some(2) {
            problems.push(format!(
                "fiches {args:?}: exit {:?}\n{text}",
                out.status.code()
            ));
        }
        if !out.stdout.is_empty() {
            problems.push(format!("fiches {args:?}: wrote to stdout"));
        }
        for part in *expected {
            if !text.contains(part) {
                problems.push(format!("fiches {args:?}: no {part:?} in\n{text}"));
            }
        }
        for word in english_in(&text) {
            problems.push(format!("fiches {}: {word}", args.join(" ")));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_word_list_catches_clap_english() {
    // The check itself: clap's own texts are caught.
    let clap_text = "error: unexpected argument '--x' found\n\n  tip: to pass '--x' as a value, use '-- --x'\n\nUsage: fiches [OPTIONS]\n\nFor more information, try '--help'.\n";
    assert!(
        english_in(clap_text).len() >= 5,
        "{:?}",
        english_in(clap_text)
    );
    assert!(!english_in("  -h, --help   Print help").is_empty());
    assert!(
        english_in("Options :\n  -h, --help  Affiche l'aide\n  help  Affiche cette aide")
            .is_empty()
    );
}

/// A working folder with the shipped configuration (without its mail
/// sources), its letters and members list, and the sample inbox imported.
struct Sample {
    dir: tempfile::TempDir,
}

impl Sample {
    fn empty() -> Sample {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().unwrap();
        let shipped = std::fs::read_to_string(root.join("config.toml")).unwrap();
        let head = shipped.split("[[sources]]").next().unwrap();
        std::fs::write(dir.path().join("config.toml"), head).unwrap();
        std::fs::copy(root.join("members.csv"), dir.path().join("members.csv")).unwrap();
        let letters = dir.path().join("letters");
        std::fs::create_dir(&letters).unwrap();
        for e in std::fs::read_dir(root.join("letters")).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), letters.join(e.file_name())).unwrap();
        }
        Sample { dir }
    }

    fn imported() -> Sample {
        let s = Sample::empty();
        let inbox = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inbox");
        let out = s.run(&["import", "-q", inbox.to_str().unwrap()]);
        assert!(out.status.success(), "{out:?}");
        s
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_fiches"))
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("FICHES_CONFIG")
            .env_remove("FICHES_DB")
            .env_remove("FICHES_LOG")
            .env("XDG_CONFIG_HOME", self.dir.path().join("xdg"))
            .output()
            .unwrap()
    }

    /// stdout and stderr of a command, which must end with `code`.
    fn said(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(code), "fiches {args:?}:\n{text}");
        text
    }
}

/// Codes the program stores and prints in --json, never to a person:
/// statuses, kinds, message statuses, attachment outcomes, flags, letter
/// events, field keys, coded values.
const CODES: &[&str] = &[
    "micro_atelier",
    "bourse_projets",
    "pending",
    "accepted",
    "waitlisted",
    "rejected",
    "withdrawn",
    "no_fiche",
    "auto_reply",
    "unsupported",
    "unsupported_format",
    "not_a_fiche",
    "corrupt",
    "too_large",
    "ignored",
    "blank",
    "late",
    "no_date",
    "contact_email_from_sender",
    "attachment_problem",
    "doubtful_date",
    "probable_new_version",
    "queued",
    "replaced",
    "organisation_type",
    "contact_last_name",
    "contact_email",
    "contact_phone",
    "cuf_member",
    "preferred_slot",
    "partner_countries",
    "country",
    "theme",
    "true",
    "false",
    "any",
    "odd",
];

/// The codes of a text, as whole words, each with its line.
fn codes_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        for word in line.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if CODES.contains(&word) {
                found.push(format!("{word:?} in {line:?}"));
            }
        }
    }
    found
}

#[test]
fn human_output_shows_no_codes_and_json_keeps_them() {
    let s = Sample::imported();
    let fiches = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus/fiches");
    let fiche = |name: &str| fiches.join(name).to_str().unwrap().to_string();
    s.said(&["decide", "1", "accept"], 0);
    s.said(&["decide", "2", "waitlist"], 0);
    s.said(&["decide", "3", "refuse", "--reason", "Hors sujet"], 0);
    let inbox = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inbox");
    let mut problems = Vec::new();
    let mut look = |args: &[&str], code: i32| {
        let text = s.said(args, code);
        for c in codes_in(&text) {
            problems.push(format!("fiches {}: {c}", args.join(" ")));
        }
        text
    };
    let proposals = look(&["proposals"], 0);
    assert!(proposals.contains("Micro-atelier") && proposals.contains("retenue"));
    let messages = look(&["messages"], 0);
    assert!(messages.contains("→ proposition n° 1\n") || messages.contains("→ proposition n° 1 "));
    assert!(!messages.contains("→ propositions n° 1\n"), "{messages}");
    look(&["import", "-q", inbox.to_str().unwrap()], 0);
    let parsed = look(
        &[
            "parse",
            &fiche("01-fiche-micro-atelier-ville-de-saint-etienne.docx"),
            &fiche("10-fiche-bourse-aux-projets-conseil-departemental-de-l-isere.xlsx"),
            &fiche("11-fiche-micro-atelier-municipalidad-de-quito.xlsx"),
            &fiche("12-fiche-bourse-aux-projets-commune-de-dschang.xlsx"),
            &fiche("07-fiche-micro-atelier-ville-de-chefchaouen.doc"),
        ],
        0,
    );
    assert!(parsed.contains("18 rubriques lues"), "{parsed}");
    assert!(!parsed.contains("rubrique(s)"), "{parsed}");
    look(&["programme"], 0);
    look(&["suggest"], 0);
    let outbox = look(&["outbox", "--all"], 0);
    assert!(
        !outbox.contains("(e)") && !outbox.contains("(s)"),
        "{outbox}"
    );
    let letter = outbox
        .lines()
        .find(|l| l.starts_with("── Lettre n° ") && l.contains("acceptation"))
        .and_then(|l| l.strip_prefix("── Lettre n° "))
        .and_then(|l| l.split(' ').next())
        .unwrap_or_else(|| panic!("no acceptance letter in:\n{outbox}"))
        .to_string();
    let show = look(&["outbox", "show", &letter], 0);
    let history = show.split("Historique :").nth(1).unwrap();
    assert!(
        history.contains("mise en attente d'envoi (acceptation"),
        "{history}"
    );
    assert!(
        !history.contains('{') && !history.contains("Z "),
        "{history}"
    );
    // 1: the daemon is not running (said under « À faire »).
    let status = look(&["status"], 1);
    let version = look(&["--version"], 0);
    for text in [&status, &version] {
        assert!(!text.contains("0014_") && !text.contains("(s)"), "{text}");
    }
    assert!(
        problems.is_empty(),
        "codes shown to people:\n{}",
        problems.join("\n")
    );

    // Scripts still read the codes.
    let json = s.said(&["proposals", "--json"], 0);
    assert!(json.contains("\"micro_atelier\"") && json.contains("\"accepted\""));
    let json = s.said(&["messages", "--json"], 0);
    assert!(json.contains("\"no_fiche\"") && json.contains("\"auto_reply\""));
}

#[test]
fn filters_take_the_french_names_and_the_codes() {
    let s = Sample::imported();
    s.said(&["decide", "1", "accept"], 0);
    s.said(&["decide", "2", "waitlist"], 0);
    for args in [
        ["proposals", "--status", "retenue"],
        ["proposals", "--status", "accepted"],
    ] {
        let text = s.said(&args, 0);
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.starts_with("n° 1 "), "{text}");
    }
    let text = s.said(&["proposals", "--status", "liste d'attente"], 0);
    assert!(text.starts_with("n° 2 "), "{text}");
    let text = s.said(
        &[
            "proposals",
            "--status",
            "attente",
            "--kind",
            "micro-atelier",
        ],
        0,
    );
    assert!(text.starts_with("n° 2 "), "{text}");
    let text = s.said(&["proposals", "--kind", "bourse"], 0);
    assert!(text.contains("Bourse aux projets") && !text.contains("Micro-atelier"));
    let text = s.said(&["messages", "--status", "réponse auto"], 0);
    assert_eq!(
        text.lines().filter(|l| l.starts_with("n° ")).count(),
        1,
        "{text}"
    );
    let text = s.said(&["outbox", "--state", "a-envoyer"], 0);
    assert!(text.contains("à envoyer"), "{text}");
    // The help and the error list the French names.
    let help = s.said(&["proposals", "--help"], 0);
    assert!(
        help.contains("a-decider, retenue, liste-d-attente, non-retenue, retiree"),
        "{help}"
    );
    let err = s.said(&["proposals", "--status", "foo"], 2);
    assert!(
        err.contains("statuts possibles : a-decider, retenue"),
        "{err}"
    );
    assert!(err.contains("fiches proposals --help"), "{err}");
    let help = s.said(&["messages", "--help"], 0);
    assert!(
        help.contains("sans-fiche") && !help.contains("no_fiche"),
        "{help}"
    );
    let help = s.said(&["outbox", "--help"], 0);
    assert!(
        help.contains("a-revoir") && !help.contains("review"),
        "{help}"
    );
    // No "[env: …]" in English.
    assert!(!help.contains("[env:"), "{help}");
    assert!(
        help.contains("variable d'environnement FICHES_CONFIG"),
        "{help}"
    );
}

#[test]
fn empty_results_say_so_and_a_missing_database_is_told() {
    let s = Sample::empty();
    // A database named by --db that is not there: nothing is created.
    let err = s.said(&["--db", "neuve.db", "messages"], 2);
    assert!(
        err.contains("--db neuve.db : cette base n'existe pas"),
        "{err}"
    );
    assert!(!s.dir.path().join("neuve.db").exists());
    // The configured one is created (the team's), and that is said.
    let text = s.said(&["proposals"], 0);
    assert!(
        text.contains("fiches.db n'existait pas : elle vient d'être créée"),
        "{text}"
    );
    assert!(
        text.contains("Aucune proposition : la base n'a encore reçu aucune fiche."),
        "{text}"
    );
    let s = Sample::imported();
    let text = s.said(&["messages", "--status", "rejected"], 0);
    assert_eq!(text.trim(), "Aucun message au statut « refusé ».");
    let text = s.said(&["proposals", "--status", "withdrawn"], 0);
    assert_eq!(text.trim(), "Aucune proposition ne correspond à ce filtre.");
    let text = s.said(&["outbox", "--state", "review"], 0);
    assert_eq!(text.trim(), "Aucune lettre « à revoir ».");
    std::fs::create_dir(s.dir.path().join("vide")).unwrap();
    let text = s.said(&["parse", "vide"], 0);
    assert!(text.starts_with("Aucun fichier à lire dans vide"), "{text}");
    // A folder or another file given as the database.
    let err = s.said(&["--db", "vide", "proposals"], 2);
    assert!(err.contains("--db vide : c'est un dossier"), "{err}");
    assert!(!err.contains("unable to open"), "{err}");
    let err = s.said(&["--db", "config.toml", "proposals"], 2);
    assert!(err.contains("n'est pas une base fiches"), "{err}");
    // suggest on a database without proposals.
    let fresh = Sample::empty();
    std::fs::write(
        fresh.dir.path().join("bonjour.eml"),
        "From: a@example.fr\r\nSubject: bonjour\r\nMessage-ID: <b@example.fr>\r\n\r\nQuestion sans fiche.\r\n",
    )
    .unwrap();
    fresh.said(&["import", "-q", "bonjour.eml"], 0);
    let text = fresh.said(&["suggest"], 0);
    assert!(text.contains("Aucune proposition à placer"), "{text}");
    assert!(!text.contains("déjà au mieux"), "{text}");
}

#[test]
fn an_import_of_a_file_that_is_not_mail_fails_and_stores_nothing() {
    let s = Sample::empty();
    let fiche = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/corpus/fiches/09-fiche-micro-atelier-ville-de-saint-etienne.xlsx");
    std::fs::write(s.dir.path().join("note.txt"), "juste une note\n").unwrap();
    for path in [fiche.to_str().unwrap(), "note.txt"] {
        let text = s.said(&["import", path], 1);
        assert!(text.contains("1 en échec"), "{text}");
        assert!(text.contains("ce n'est pas un e-mail (.eml)"), "{text}");
        assert!(text.contains("fiches parse"), "{text}");
    }
    assert!(!s.dir.path().join("fiches.db").exists());
}

#[test]
fn refusals_say_what_is_true() {
    let s = Sample::imported();
    s.said(
        &[
            "decide", "1", "accept", "--slot", "15:00", "--place", "Espace B",
        ],
        0,
    );
    s.said(&["decide", "2", "waitlist"], 0);
    // B1: a move to its own place.
    let err = s.said(&["move", "1", "--slot", "15:00", "--place", "Espace B"], 1);
    assert!(
        err.contains("rien à faire : la proposition occupe déjà 15:00, Espace B"),
        "{err}"
    );
    // B2: a version that never was.
    let err = s.said(&["decide", "7", "accept", "--if-version", "999"], 1);
    assert!(
        err.contains("la proposition n° 7 est à la version 1, pas 999"),
        "{err}"
    );
    // B3: undo of a number no proposal has.
    let err = s.said(&["undo", "999"], 2);
    assert!(err.contains("proposition n° 999 introuvable"), "{err}");
    // B19: the slots and places there are.
    let err = s.said(&["decide", "6", "accept", "--slot", "25:99"], 1);
    assert!(
        err.contains("(créneaux : 14:00, 14:20, 14:40, 15:00, 15:20)"),
        "{err}"
    );
    let err = s.said(
        &[
            "decide", "6", "accept", "--slot", "14:00", "--place", "Espace Z",
        ],
        1,
    );
    assert!(err.contains("(lieux : Espace A"), "{err}");
    // B12, B13, C1: letters, in agreement and in the right order.
    let pending: Vec<String> = s
        .said(&["outbox", "--json", "--state", "pending"], 0)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string())
        .collect();
    let (a, b) = (&pending[0], &pending[1]);
    let text = s.said(&["outbox", "retry", a], 0);
    assert!(
        text.contains(&format!(
            "Lettre n° {a} : déjà dans la boîte d'envoi, rien à faire"
        )),
        "{text}"
    );
    let text = s.said(&["outbox", "drop", a], 0);
    assert_eq!(text.trim(), format!("Lettre n° {a} supprimée"));
    let text = s.said(&["outbox", "drop", a], 0);
    assert!(
        text.contains(&format!("Lettre n° {a} : déjà supprimée, rien à faire")),
        "{text}"
    );
    let err = s.said(&["outbox", "resolve", b, "--sent"], 2);
    assert!(
        err.contains(&format!(
            "la lettre n° {b} est « à envoyer » : impossible de la régler dans cet état"
        )),
        "{err}"
    );
    let text = s.said(&["outbox"], 0);
    assert!(
        text.contains("Lettres : ")
            && text.contains(" à envoyer, ")
            && text.contains("1 supprimée."),
        "{text}"
    );
    // B16, B17, B18: usage mistakes.
    let err = s.said(&["decide", "1", "foo"], 2);
    assert!(err.contains("commande inconnue : « foo »"), "{err}");
    assert!(
        err.contains("Pour en savoir plus : fiches decide --help"),
        "{err}"
    );
    let help = s.said(&["help", "--help"], 0);
    assert!(help.contains("Utilisation : fiches"), "{help}");
    let err = s.said(&["daemon", "--json"], 2);
    assert!(err.contains("--json ne s'utilise qu'avec --once"), "{err}");
    let err = s.said(&["attachment", "1"], 2);
    assert!(
        err.contains("indiquer l'une de ces options : --save <DOSSIER> ou --text"),
        "{err}"
    );
}

#[test]
fn backup_keeps_the_backup_it_just_made() {
    let s = Sample::imported();
    let err = s.said(&["backup", "--keep", "0"], 2);
    assert!(err.contains("--keep 0 : au moins 1"), "{err}");
    assert!(!s.dir.path().join("sauvegardes").exists());
    // Several in the same second ("…Z.db", "…Z-2.db", …): the new one is
    // kept whatever its name sorts as.
    for _ in 0..3 {
        let text = s.said(&["backup", "--keep", "1"], 0);
        let made = text
            .lines()
            .find_map(|l| l.strip_prefix("sauvegarde "))
            .and_then(|l| l.split(" (").next())
            .unwrap_or_else(|| panic!("no backup named in:\n{text}"));
        assert!(s.dir.path().join(made).exists(), "{made} removed:\n{text}");
        assert!(!text.contains(&format!("supprimée : {made}")), "{text}");
        assert!(
            text.contains(" Mo), vérifiée") || text.contains(" Ko), vérifiée"),
            "{text}"
        );
        assert!(!text.contains("2.3 Mo"), "{text}");
        let left = std::fs::read_dir(s.dir.path().join("sauvegardes"))
            .unwrap()
            .count();
        assert_eq!(left, 1, "{text}");
    }
}
