//! The IMAP source: takes the fiches' emails from a mailbox, each exactly
//! once, for months, without supervision.
//!
//! - [`config`]: the `[[sources]]` entry (`type = "imap"`), its checks
//!   (plaintext only to loopback and only when allowed) and the password
//!   sources (environment, private file, command — never the config file,
//!   never logged);
//! - [`conn`]: the connection (TCP with timeouts, rustls with host
//!   verification, STARTTLS that aborts rather than falls back, LOGIN) and
//!   the commands the sync needs: SELECT, `UID SEARCH UID n+1:*`,
//!   `UID FETCH BODY.PEEK[]`, post-actions (MOVE, or COPY + `\Deleted` +
//!   `UID EXPUNGE`; keyword; flag), IDLE;
//! - [`sync`]: [`sync_once`], the algorithm, and [`SyncStateStore`], what
//!   it needs from the store;
//! - [`memory`]: an in-memory store for tests;
//! - [`error`]: typed errors with French messages; every wire error is
//!   converted in one place.
//!
//! `SEARCH CHARSET` is never sent: the only search is by UID.

pub mod config;
pub mod conn;
pub mod error;
pub mod memory;
pub mod sync;
mod tls;

pub use config::{ConfigError, ImapSourceConfig, PostAction, Secret, TlsMode};
pub use conn::{
    FetchedMessage, IDLE_REISSUE, IdleOutcome, ImapConnection, Interrupter, Selected, ServerCaps,
};
pub use error::{CertProblem, ImapError, StoreError};
pub use memory::MemoryStateStore;
pub use sync::{
    CommitOutcome, MailboxId, PendingPostAction, SyncOptions, SyncReport, SyncState,
    SyncStateStore, sync_once,
};
