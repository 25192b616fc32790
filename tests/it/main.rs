//! The integration tests, in one binary (one link of the crate instead of
//! one per file). Each module is one former `tests/<name>.rs`; run one of
//! them with `cargo test --test it <name>::` (e.g. `console_tmux::`).
//! Helpers shared by several modules live in `support/`.

// Test code: a panic is the failure report, and the tests call libc where a
// child must die with them (`prctl`) — see `[lints]` in Cargo.toml.
#![allow(clippy::unwrap_used, clippy::expect_used, unsafe_code)]

mod support;

mod admin_messages;
mod attachment_text;
mod call_keys;
mod call_new_year;
mod call_third_kind;
mod check_call;
mod cli_french;
mod console_concurrency;
mod console_courrier;
mod console_docx_request;
mod console_drafts;
mod console_drafts_tmux;
mod console_envoi;
mod console_envoi_choice;
mod console_help_keys;
mod console_honest;
mod console_keys;
mod console_notes;
mod console_outside_test;
mod console_programme;
mod console_publish;
mod console_revisions;
mod console_snapshots;
mod console_tmux;
mod console_triage;
mod corpus_fiches;
mod daemon_crash;
mod daemon_hostile;
mod daemon_imap;
mod daemon_liveness;
mod delivery;
mod fiche_habits;
mod formats_hostile;
mod imap_idle;
mod imap_servers;
mod imap_sync;
mod imap_tls;
mod intake_cli;
mod intake_corpus;
mod intake_crash;
mod intake_encoded_words;
mod intake_forms;
mod intake_hostile;
mod intake_hostile_mail;
mod intake_inbox;
mod layers;
mod letters_french;
mod letters_third_kind;
mod never_silent;
mod operations;
mod outbox_crash;
mod outbox_docx_request;
mod outbox_send;
mod parse_hostile;
mod poison_message;
mod programme_cli;
mod programme_truth;
mod publish_cli;
mod publish_external;
mod publish_flow;
mod publish_hostile;
mod publish_third_kind;
mod reader_worker;
mod server_tls_errors;
mod server_two_staff;
mod server_units;
mod suggest;
mod template_variants;
mod templates;
mod templates_libreoffice;
mod terminal_output;
