//! Shared by the intake integration tests: a temporary working directory with
//! its own `config.toml` and database, the real `fiches` binary run in it,
//! and synthetic mail made from the corpus.

#![allow(dead_code)]

pub mod synth;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus")
}

pub fn corpus_mail() -> PathBuf {
    corpus().join("mail")
}

/// A temporary directory with a config.toml pointing at `fiches.db` in it.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env::with_sources("")
    }

    /// With extra TOML appended to the shipped config (e.g. `[[sources]]`).
    pub fn with_sources(sources: &str) -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let shipped =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml"))
                .expect("config.toml");
        // Drop the shipped sources: tests say what they import.
        let head = shipped.split("[[sources]]").next().unwrap().to_string();
        std::fs::write(dir.path().join("config.toml"), format!("{head}\n{sources}")).unwrap();
        Env { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("fiches.db")
    }

    /// The command, run in the temporary directory (so `./config.toml` is ours).
    pub fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_fiches"));
        c.current_dir(self.dir.path())
            .env_remove("FICHES_CONFIG")
            .env_remove("FICHES_DB")
            .env_remove("FICHES_LOG")
            .env("XDG_CONFIG_HOME", self.dir.path().join("xdg"));
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run fiches")
    }

    /// `fiches import PATHS...`, which must succeed.
    pub fn import(&self, paths: &[&Path]) -> String {
        let out = self
            .command()
            .arg("import")
            .args(paths)
            .output()
            .expect("run fiches import");
        assert!(
            out.status.success(),
            "fiches import failed ({:?}): {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn json_lines(&self, args: &[&str]) -> Vec<Value> {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "fiches {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
            .collect()
    }

    pub fn messages(&self) -> Vec<Value> {
        self.json_lines(&["messages", "--json"])
    }

    pub fn proposals(&self) -> Vec<Value> {
        self.json_lines(&["proposals", "--json"])
    }
}

/// The Message-ID header of a mail file, without the brackets.
pub fn message_id_of(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let head = text
        .split("\n\n")
        .next()
        .unwrap_or("")
        .replace("\r\n", "\n");
    head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("message-id").then(|| {
            value
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}
