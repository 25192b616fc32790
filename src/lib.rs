//! fiches: intake, review and publication of the *fiches de renseignement*
//! of the Rencontres de l'internationalisation des collectivités territoriales.
//!
//! Layout: `fiche` (bytes → typed fiche, no I/O), `intake` (mail → what is
//! stored: Maildir, eml and IMAP sources, mail parsing, rules), `store`
//! (SQLite, the only module with SQL), `domain` (selection rules, pure),
//! `letters` (the letters to the senders: templates and rendering, pure),
//! `outbox` (reviewing and sending them by SMTP, each at most once),
//! `publish` (programme lists: snapshot, changelog, HTML/CSV/XLSX/JSON),
//! `templates` (the blank fiches, generated from the forms), `config`
//! (`config.toml`), `safe` (text made safe for terminals), `cli` +
//! `commands` (the command line), `console` (the staff's terminal UI),
//! `worker` (untrusted attachments read in limited child processes).

// Today's zero, kept by the compiler. `unsafe` only where libc is called
// (the reader workers, `system`, a few functions: each allowed with its
// reason). No unwrap or expect in the program: an error is reported, never
// a panic; unit tests may use them. Here rather than in Cargo.toml's
// [lints], which would reach the tests/, benches/ and examples/ crates too.
#![deny(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod call;
pub mod cli;
pub mod commands;
pub mod config;
pub mod console;
pub mod convert;
pub mod domain;
pub mod fiche;
pub mod intake;
pub mod letters;
pub mod net;
pub mod os_error;
pub mod outbox;
pub mod publish;
pub mod safe;
pub mod status;
pub mod store;
pub mod system;
pub mod templates;
pub mod worker;

/// This build: `0.1.0 (commit 1a2b3c4d5e6f)`, as recorded with each
/// migration a database receives.
pub fn build_label() -> String {
    format!(
        "{} (commit {})",
        env!("CARGO_PKG_VERSION"),
        env!("FICHES_GIT_COMMIT")
    )
}

/// What `fiches --version` prints after the name: version, git commit and
/// the schema this program brings databases to.
pub fn version_text() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        let (n, _) = store::schema::program_schema();
        format!(
            "{} (commit {}, schéma {n})",
            env!("CARGO_PKG_VERSION"),
            env!("FICHES_GIT_COMMIT")
        )
    })
}
