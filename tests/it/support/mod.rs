//! Shared by the integration tests (`use crate::support::…` in each test
//! file): the one place for helpers used by more than one test module.
#![allow(dead_code)]

pub mod common;
pub mod console;
pub mod daemon;
pub mod dovecot;
pub mod forms;
pub mod hostile;
pub mod outbox_env;
pub mod process;
pub mod proxy;
pub mod seed;
pub mod server;
pub mod servers;
pub mod smtp;
pub mod strict_mail;
pub mod synth_mail;
pub mod templates;
pub mod third_kind;
pub mod tmux;

use std::path::PathBuf;

/// The repository (the package root: `CARGO_MANIFEST_DIR`).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The corpus mails (`fixtures/corpus/mail/*.eml`), sorted by name.
pub fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus/mail");
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// A small message with a unique Message-ID.
pub fn small_message(n: usize) -> Vec<u8> {
    format!(
        "From: Mairie <mairie{n}@example.org>\r\nTo: fiches@example.org\r\n\
         Subject: Fiche {n}\r\nMessage-ID: <msg-{n}@example.org>\r\n\
         Date: Mon, 2 Mar 2026 10:00:00 +0100\r\n\r\nBonjour, fiche {n}.\r\n"
    )
    .into_bytes()
}
