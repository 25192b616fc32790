//! The IMAP source: takes the fiches' emails from a mailbox, each exactly
//! once, for months, without supervision.
//!
//! - [`config`]: the `[[sources]]` entry (`type = "imap"`), its checks
//!   (plaintext only to loopback and only when allowed) and the password
//!   sources (environment, private file, command — never the config file,
//!   never logged);
//! - [`conn`]: the connection (TCP with timeouts and keepalive, rustls with
//!   host verification, STARTTLS that aborts rather than falls back, LOGIN)
//!   and the commands the sync needs: SELECT, `UID FETCH n+1:* (UID
//!   RFC822.SIZE FLAGS)` checked against EXISTS, `UID FETCH BODY.PEEK[]`,
//!   the post-action check (target folder, PERMANENTFLAGS), post-actions
//!   (MOVE, or COPY + `\Deleted` + `UID EXPUNGE`; keyword; flag) and
//!   their replays that never copy twice, IDLE with a wall-clock limit;
//! - [`folders`]: NAMESPACE and delimiters, the folder name to advise;
//! - [`sync`]: [`sync_once`], the algorithm, and [`SyncStateStore`], what
//!   it needs from the store;
//! - [`memory`]: an in-memory store for tests;
//! - [`error`]: typed errors with French messages; every wire error is
//!   converted in one place.
//!
//! `SEARCH CHARSET` is never sent; new mail is never looked for with
//! `UID SEARCH` (GNU Mailutils answers `UID SEARCH UID 1:*` with nothing).
//! The only searches are by Message-ID or size in the `move_to` folder,
//! when a COPY is replayed on a server without MOVE.

pub mod config;
pub mod conn;
pub mod error;
pub mod folders;
pub mod memory;
pub mod sync;
mod tls;

pub use config::{ImapConfigError, ImapSourceConfig, PostAction, TlsMode};
pub use conn::{
    DONE_TIMEOUT, Discovery, FetchedMessage, IDLE_REISSUE, IdleOutcome, ImapConnection,
    Interrupter, MARK_PREFIX, PostActionCheck, Replayed, Selected, ServerCaps,
};
pub use error::{CertProblem, ImapError, StateStoreError};
pub use memory::MemoryStateStore;
pub use sync::{
    CommitOutcome, PendingPostAction, SyncOptions, SyncReport, SyncState, SyncStateStore, sync_once,
};
