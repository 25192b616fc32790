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
//! `service` (what both of them do: publication, letter edit, members list),
//! `worker` (untrusted attachments read in limited child processes).

// No unsafe, unwrap or expect outside tests: see `[lints]` in Cargo.toml.

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
pub mod secret;
pub mod service;
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
