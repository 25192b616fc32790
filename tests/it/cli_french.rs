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
            &["argument inattendu : « --bogus »", "Utilisation : fiches"],
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
            &["il manque : <--save <DOSSIER>|--text>"],
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
