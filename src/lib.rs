//! fiches: intake, review and publication of the *fiches de renseignement*
//! of the Rencontres de l'internationalisation des collectivités territoriales.
//!
//! Layout: `fiche` (bytes → typed fiche, no I/O), `intake` (mail → what is
//! stored: Maildir, eml and IMAP sources, mail parsing, rules), `store`
//! (SQLite, the only module with SQL), `domain` (selection rules, pure),
//! `letters` (the letters to the senders: templates and rendering, pure),
//! `outbox` (reviewing and sending them by SMTP, each at most once),
//! `publish` (programme lists: snapshot, changelog, HTML/CSV/XLSX/JSON),
//! `config` (`config.toml`), `safe` (text made safe for terminals), `cli` +
//! `commands` (the command line), `console` (the staff's terminal UI),
//! `worker` (untrusted attachments read in limited child processes).

pub mod cli;
pub mod commands;
pub mod config;
pub mod console;
pub mod domain;
pub mod fiche;
pub mod intake;
pub mod letters;
pub mod net;
pub mod outbox;
pub mod publish;
pub mod safe;
pub mod store;
pub mod worker;
