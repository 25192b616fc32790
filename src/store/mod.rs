//! The SQLite store: messages (with their raw bytes), attachments, proposals
//! and their revisions, the append-only journal, the IMAP watermarks, pending
//! post-actions and the daemon's heartbeat (`sync`), the outbox of letters to
//! the senders (`outbox`) and the publications (`publications`). This is the
//! only module that holds SQL.
//!
//! Design:
//! - numbered migrations (`migrations/NNNN_*.sql`, embedded), each applied in
//!   one `BEGIN IMMEDIATE` transaction and recorded by name and checksum;
//!   only the daemon and `fiches migrate` migrate, after a backup (`schema`);
//! - files created group-writable (the process umask, see `system`); at
//!   open, a database or folder this user cannot write is said at once,
//!   with what to ask the administrator;
//! - WAL, `synchronous = NORMAL` (a crash or SIGKILL never loses a committed
//!   transaction; a power cut may lose the last ones, which a re-import puts
//!   back, exactly once), `busy_timeout` of 10 s, foreign keys on;
//! - every write in `BEGIN IMMEDIATE`, every value bound as a parameter;
//! - raw message bytes are kept *in* the database (`message_raw`), not in
//!   files beside it: a message and its bytes are then committed atomically
//!   (no orphan or missing file after a crash, no fsync-and-rename dance),
//!   mails of tens of KiB are read and written faster inside SQLite than as
//!   separate files (SQLite's "internal versus external BLOBs" measurements),
//!   and a backup is one file (`sqlite3 fiches.db .backup`). Listing queries
//!   never touch that table.

pub mod call;
pub mod console;
pub mod courrier;
mod drafts;
mod ingest;
pub mod journal;
pub mod model;
pub mod notes;
pub mod outbox;
pub mod partners;
pub mod programme;
mod publications;
mod queries;
pub mod schema;
mod status;
mod sync;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use sha2::{Digest, Sha256};

pub use drafts::StoredDraft;
pub use journal::JournalAction;
pub use model::*;
pub use outbox::{
    Approve, Approved, Claim, DocxRequest, DueLetters, FicheMessage, LetterChanges, LetterEdit,
    LetterEvent, LetterFilter, LetterParams, LetterRecord, LetterState, OutboxSettings, Resolution,
    Review, SentCopy, UnreadFile,
};
pub use partners::{NewPartnerMail, PartnerMail, ScheduleState};
pub use programme::{Applied, Decided, UndoPreview, Undone};
pub use publications::PublicationRecord;
pub use schema::{Migrate, SchemaInfo};
pub use status::{LastMessage, LocalPass};
pub use sync::{DaemonState, Heartbeat, MailboxId, PendingActionRow, SkippedMessage};

/// The migrations, in order. Append only: never edit a released one.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("migrations/0001_init.sql")),
    ("0002_console", include_str!("migrations/0002_console.sql")),
    ("0003_daemon", include_str!("migrations/0003_daemon.sql")),
    ("0004_outbox", include_str!("migrations/0004_outbox.sql")),
    (
        "0005_publications",
        include_str!("migrations/0005_publications.sql"),
    ),
    (
        "0006_programme",
        include_str!("migrations/0006_programme.sql"),
    ),
    (
        "0007_imap_servers",
        include_str!("migrations/0007_imap_servers.sql"),
    ),
    (
        "0008_reader_worker",
        include_str!("migrations/0008_reader_worker.sql"),
    ),
    (
        "0009_delivery",
        include_str!("migrations/0009_delivery.sql"),
    ),
    ("0010_drafts", include_str!("migrations/0010_drafts.sql")),
    ("0011_notes", include_str!("migrations/0011_notes.sql")),
    (
        "0012_message_links",
        include_str!("migrations/0012_message_links.sql"),
    ),
    (
        "0013_docx_request",
        include_str!("migrations/0013_docx_request.sql"),
    ),
    (
        "0014_any_kind",
        include_str!("migrations/0014_any_kind.sql"),
    ),
];

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("base de données {path} : impossible de l'ouvrir ({})", sqlite_fr(.error))]
    Open {
        path: PathBuf,
        error: rusqlite::Error,
    },
    #[error(
        "base de données {path} : version de schéma {found}, plus récente que celle de ce programme ({known}) ; \
         utiliser le fiches qui l'a migrée (fiches --version), ou demander à l'administrateur de mettre à jour fiches"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error(
        "base de données {path} : version de schéma {found}, attendue {known} ; l'ouvrir d'abord en écriture (fiches import)"
    )]
    WrongSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error(
        "base de données {path} : migrée par une autre version de fiches ({detail}) ; rien n'a été modifié : \
         utiliser la version de fiches qui l'a migrée, ou restaurer la sauvegarde faite avant sa migration \
         (fichier {path}-avant-….db à côté)"
    )]
    OtherBuild { path: PathBuf, detail: String },
    #[error(
        "base de données {path} : ce n'est pas une base fiches (des tables, mais aucun historique de migrations) ; vérifier [database] path"
    )]
    NotFiches { path: PathBuf },
    #[error(
        "base de données {path} : schéma {current}, ce programme attend aussi {} ; \
         la base doit d'abord être mise à jour : demander à l'administrateur \
         (`sudo fiches migrate`, ou redémarrer le démon : systemctl restart fiches-daemon)",
        pending.join(", ")
    )]
    NeedsMigration {
        path: PathBuf,
        current: String,
        pending: Vec<String>,
    },
    #[error("sauvegarde {path} impossible : {message}")]
    Backup { path: PathBuf, message: String },
    #[error(
        "base de données {path} : {} ; vérifier [database] path dans la configuration \
         (sur un serveur, `fiches setup --system` crée /var/lib/fiches)",
        crate::os_error::problem(.path, &std::io::ErrorKind::NotFound.into())
    )]
    MissingFolder { path: PathBuf, dir: PathBuf },
    #[error("lecture seule : {advice}")]
    ReadOnly { advice: String },
    /// This user cannot even read the database or pass through its folder.
    #[error("pas d'accès : {advice}")]
    NoAccess { path: PathBuf, advice: String },
    /// The file at the database's path is no longer the one this process
    /// opened (a backup restored over it, a file moved): nothing is
    /// written to the old one any more (see [`Store::replaced`]).
    #[error(
        "la base de données {path} a été remplacée sur le disque depuis son ouverture \
         (une sauvegarde restaurée ?) : rien n'a été enregistré ; quitter puis relancer fiches"
    )]
    Replaced { path: PathBuf },
    #[error("base de données {path} : la migration {name} a échoué ({})", sqlite_fr(.error))]
    Migration {
        path: PathBuf,
        name: &'static str,
        error: rusqlite::Error,
    },
    #[error("proposition {0} introuvable")]
    ProposalNotFound(i64),
    #[error(
        "proposition n° {0} introuvable : aucune proposition ne porte ce numéro (vérifier le numéro dans la liste des propositions)"
    )]
    NumberNotFound(i64),
    #[error(
        "note de {0} caractères : {max} au plus ; la raccourcir",
        max = notes::NOTE_MAX_CHARS
    )]
    NoteTooLong(usize),
    /// The selection rules refuse the change.
    #[error("{0}")]
    Rule(#[from] crate::domain::DomainError),
    /// An undo that cannot be done, with why (French, for staff).
    #[error("{0}")]
    UndoRefused(String),
    #[error(
        "le programme a changé depuis le calcul de la suggestion (proposition n° {0}) : la recalculer"
    )]
    SuggestionStale(i64),
    #[error("message {0} introuvable")]
    MessageNotFound(i64),
    /// The link is there already (made by someone, at some time).
    #[error("le message {message} est déjà lié à la proposition n° {number} (par {by} le {at})")]
    LinkExists {
        message: i64,
        number: i64,
        by: String,
        at: String,
    },
    /// The link is not there (never made, or removed meanwhile: by whom).
    #[error("le message {message} n'est pas lié à la proposition n° {number}{}", .removed_by.as_ref().map(|(by, at)| format!(" (lien retiré par {by} le {at})")).unwrap_or_default())]
    LinkMissing {
        message: i64,
        number: i64,
        removed_by: Option<(String, String)>,
    },
    #[error(
        "pièce jointe n° {0} introuvable (les numéros sont ceux de la console, écran À traiter)"
    )]
    AttachmentNotFound(i64),
    #[error(
        "la proposition n° {id} est à la version {actual}, pas {expected} (modifiée entre-temps, ou numéro de version mal recopié) : relire son état puis recommencer"
    )]
    StaleVersion { id: i64, expected: i64, actual: i64 },
    #[error("champ « {key} » inconnu pour une fiche {kind}")]
    UnknownField { key: String, kind: String },
    #[error(
        "la proposition {0} a été remplacée par une révision plus récente : modifier la révision en cours"
    )]
    NotLive(i64),
    #[error(
        "la publication n° {wanted} ne suit pas la dernière (n° {last}) : quelqu'un vient de publier ; relancer la publication"
    )]
    PublicationConflict { wanted: u32, last: u32 },
    #[error("lettre n° {0} introuvable")]
    LetterNotFound(i64),
    #[error(
        "la lettre {id} a été modifiée entre-temps (version {actual}, attendue {expected}) : recharger et recommencer"
    )]
    StaleLetter { id: i64, expected: i64, actual: i64 },
    #[error("la lettre n° {id} est « {state} » : impossible de {} dans cet état", object(.action, "la"))]
    LetterState {
        id: i64,
        state: &'static str,
        action: String,
    },
    #[error(
        "aucun envoi aux partenaires pour la publication n° {0} : `fiches outbox` les liste (P1, P2…)"
    )]
    PartnerMailNotFound(u32),
    #[error(
        "l'envoi aux partenaires P{publication} a changé entre-temps (version {actual}, attendue {expected}) : recharger et recommencer"
    )]
    StalePartnerMail {
        publication: u32,
        expected: i64,
        actual: i64,
    },
    #[error(
        "l'envoi aux partenaires P{publication} est « {state} » : impossible de {} dans cet état",
        object(.action, "le")
    )]
    PartnerMailState {
        publication: u32,
        state: &'static str,
        action: String,
    },
    /// A letter set aside "à revoir" that would say something false if it
    /// went back to the outbox as it is.
    #[error("la lettre {id} ({kind}) ne peut pas être reprise telle quelle : {why}")]
    LetterUntrue {
        id: i64,
        kind: &'static str,
        why: String,
    },
    /// A call definition the stored proposals cannot follow (French, with
    /// what to do): see `call`.
    #[error("{0}")]
    CallRefused(String),
    #[error("donnée invalide en base ({0}) ; la base a peut-être été modifiée à la main")]
    Corrupt(String),
    #[error("erreur SQLite : {}", sqlite_fr(.0))]
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for StoreError {
    /// A commit our commit hook turned into a rollback is a replaced
    /// database (the hook is the only one, see [`Store::open_with`]); the
    /// path is the one of the store that hit it.
    fn from(e: rusqlite::Error) -> StoreError {
        match &e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_COMMITHOOK =>
            {
                StoreError::Replaced {
                    path: REPLACED_PATH
                        .with(|p| p.borrow().clone())
                        .unwrap_or_default(),
                }
            }
            _ => StoreError::Sql(e),
        }
    }
}

thread_local! {
    /// The path of the last database whose commit hook refused a commit on
    /// this thread (for [`StoreError::Replaced`]'s message).
    static REPLACED_PATH: std::cell::RefCell<Option<PathBuf>> = const { std::cell::RefCell::new(None) };
}

/// "la supprimer", "l'enregistrer": an object pronoun before a verb,
/// elided before a vowel or a mute h.
fn object(action: &str, pronoun: &str) -> String {
    let vowel = action
        .chars()
        .next()
        .is_some_and(|c| "aeéèêiouyh".contains(c));
    if vowel {
        format!("l'{action}")
    } else {
        format!("{pronoun} {action}")
    }
}

/// SQLite's error in French (its own texts are English): what it means for
/// the user, the SQLite detail after when it says more.
pub fn sqlite_fr(e: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode as C;
    let rusqlite::Error::SqliteFailure(f, detail) = e else {
        return e.to_string();
    };
    let text = match f.code {
        C::CannotOpen => {
            "fichier impossible à ouvrir (chemin, droits du fichier ou de son dossier)"
        }
        C::PermissionDenied => "accès refusé",
        C::ReadOnly => "base en lecture seule pour ce programme",
        C::DatabaseBusy | C::DatabaseLocked => "base occupée par un autre programme",
        C::DiskFull => "disque plein",
        C::NotADatabase => {
            "ce fichier n'est pas une base fiches (fichier SQLite attendu) ; vérifier le chemin"
        }
        C::DatabaseCorrupt => "base endommagée (restaurer une sauvegarde)",
        C::SystemIoFailure => "erreur d'entrée-sortie du disque",
        C::OutOfMemory => "mémoire insuffisante",
        C::TooBig => "donnée trop grosse",
        C::ConstraintViolation => "contrainte non respectée",
        _ => return e.to_string(),
    };
    match detail.as_deref() {
        // SQLite's detail repeats the code's English text: left out.
        Some(d) if !d.is_empty() && !is_sqlite_generic(d) => format!("{text} ; détail : {d}"),
        _ => text.to_string(),
    }
}

fn is_sqlite_generic(d: &str) -> bool {
    [
        "unable to open database file",
        "attempt to write a readonly database",
        "database is locked",
        "database or disk is full",
        "file is not a database",
        "database disk image is malformed",
        "disk I/O error",
        "out of memory",
    ]
    .iter()
    // "unable to open database file: x.db": the same, with the path.
    .any(|g| d == *g || d.strip_prefix(g).is_some_and(|rest| rest.starts_with(':')))
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open database.
pub struct Store {
    conn: Db,
    path: PathBuf,
}

/// The device and inode of a file, to know it is still the one opened.
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// A connection and the identity (device, inode) of the file it opened, to
/// know when the file at the path is no longer that one. (Closing such a
/// connection is safe: SQLite neither checkpoints nor deletes `-wal` and
/// `-shm` by name when its database was moved; the store tests check it.)
struct Db {
    conn: Connection,
    path: PathBuf,
    identity: Option<(u64, u64)>,
}

impl Db {
    fn new(conn: Connection, path: &Path) -> Db {
        Db {
            conn,
            path: path.to_path_buf(),
            identity: file_identity(path),
        }
    }

    /// Whether the file at the path is no longer the one opened.
    fn replaced(&self) -> bool {
        self.identity
            .is_some_and(|id| file_identity(&self.path) != Some(id))
    }
}

impl std::ops::Deref for Db {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl std::ops::DerefMut for Db {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// Hex SHA-256 of bytes, as the store keys messages and attachments.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The current time as stored (RFC 3339, UTC, seconds).
pub(crate) fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Store {
    /// The one way the store writes: an immediate transaction, which takes
    /// the write lock at once (a busy database is waited for under the
    /// busy timeout, never found locked at commit after the reads).
    pub(crate) fn write_tx(&mut self) -> Result<rusqlite::Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
    }

    /// Opens (creating if needed) the database at `path` and brings its
    /// schema up to date, backing it up first when it held data (the
    /// daemon's and `fiches migrate`'s way; tests and tools).
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        Store::open_with(path, Migrate::Allowed).map(|(s, _)| s)
    }

    /// Opens the database at `path` for writing, creating it if needed
    /// (group-writable), after checking that this user can write it and its
    /// folder. `mode` says whether an older schema may be migrated (see
    /// [`schema`]); the backup made before a migration is returned.
    pub fn open_with(path: impl AsRef<Path>, mode: Migrate) -> Result<(Store, Option<PathBuf>)> {
        let path = path.as_ref().to_path_buf();
        check_writable(&path)?;
        let open_err = |error| StoreError::Open {
            path: path.clone(),
            error,
        };
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_err)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(open_err)?;
        let conn = Db::new(conn, &path);
        // Every commit first checks that the file at the path is still the
        // one opened; if not (a backup restored over it while this process
        // ran), the commit becomes a rollback: nothing is written to a file
        // no one will read again, and the caller hears it
        // (`StoreError::Replaced`).
        if let Some(id) = conn.identity {
            let watched = path.clone();
            conn.commit_hook(Some(move || {
                let replaced = file_identity(&watched) != Some(id);
                if replaced {
                    REPLACED_PATH.with(|p| *p.borrow_mut() = Some(watched.clone()));
                }
                replaced
            }));
        }
        // A database this program must not touch (another build's, a newer
        // one, one to migrate by someone else) is refused before anything
        // is written to it, even its journal mode.
        let conn = {
            let inspect = Store {
                conn,
                path: path.clone(),
            };
            inspect.inspect(mode)?;
            inspect.conn
        };
        // journal_mode returns a row; pragma_update_and_check reads it.
        // Switching a new database to WAL can answer SQLITE_BUSY at once,
        // without the busy handler, while another process opens it too:
        // retried for as long as the busy timeout.
        let started = std::time::Instant::now();
        let journal: String = loop {
            match conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0)) {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy
                        && started.elapsed() < Duration::from_secs(10) =>
                {
                    std::thread::sleep(Duration::from_millis(
                        5 + u64::from(started.elapsed().subsec_nanos() % 20),
                    ));
                }
                other => break other.map_err(open_err)?,
            }
        };
        if !journal.eq_ignore_ascii_case("wal") {
            tracing::warn!(mode = %journal, "WAL refusé par SQLite, mode conservé");
        }
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(open_err)?;
        let mut store = Store { conn, path };
        let backup = store.migrate(mode)?;
        Ok((store, backup))
    }

    /// A read-only connection to an existing database (e.g. for a thread
    /// that checks for duplicates while another one writes). The schema must
    /// be the one this program knows.
    pub fn open_reader(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        let open_err = |error| StoreError::Open {
            path: path.clone(),
            error,
        };
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_err)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(open_err)?;
        let conn = Db::new(conn, &path);
        let store = Store { conn, path };
        let (found, known) = (store.schema_version()?, MIGRATIONS.len() as i64);
        if found != known {
            return Err(StoreError::WrongSchema {
                path: store.path,
                found,
                known,
            });
        }
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file at this store's path is no longer the one it opened
    /// (a backup restored over it, the file moved or deleted): its writes
    /// are then refused ([`StoreError::Replaced`]); a long-running process
    /// says so and quits or opens the path again.
    pub fn replaced(&self) -> bool {
        self.conn.replaced()
    }

    /// The schema version (number of migrations applied; see
    /// [`Store::schema`] for their names).
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// `PRAGMA integrity_check`: `"ok"` when the file is sound.
    pub fn integrity_check(&self) -> Result<String> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let rows: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(rows.join("\n"))
    }
}

/// The folder of the database, checked: it exists (else
/// [`StoreError::MissingFolder`]) and this user may pass through it and
/// read the database when it is there (else [`StoreError::NoAccess`],
/// saying which folder blocks and the fix). Nothing is created.
pub fn check_folder(path: &Path) -> Result<PathBuf> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let no_access = |p: &Path, e: &std::io::Error| StoreError::NoAccess {
        path: path.to_path_buf(),
        advice: crate::os_error::problem(p, e),
    };
    let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
    match std::fs::metadata(&dir) {
        Ok(m) if m.is_dir() => {}
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(no_access(&dir, &e)),
        _ => {
            return Err(StoreError::MissingFolder {
                path: path.to_path_buf(),
                dir,
            });
        }
    }
    if !crate::system::searchable(&dir) {
        return Err(no_access(path, &denied));
    }
    match std::fs::metadata(path) {
        Ok(_) if !crate::system::readable(path) => Err(no_access(path, &denied)),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(no_access(path, &e)),
        _ => Ok(dir),
    }
}

/// Refuses, before SQLite is involved, a database this user cannot reach
/// ([`check_folder`]) or could read but not write: the database, its
/// `-wal` and `-shm` files when present, and its folder (where SQLite and
/// fiches create their files). A missing database is created here, so that
/// its mode follows the process umask (SQLite's own default, 0644, would
/// leave it read-only for the group).
fn check_writable(path: &Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = check_folder(path)?;
    let read_only = |p: &Path| StoreError::ReadOnly {
        advice: crate::os_error::not_writable_advice(p),
    };
    if !crate::system::writable(&dir) {
        return Err(read_only(&dir));
    }
    if !path.exists() {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o666)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(StoreError::NoAccess {
                    path: path.to_path_buf(),
                    advice: crate::os_error::problem(path, &e),
                });
            }
        }
    }
    let mut files = vec![path.to_path_buf()];
    for suffix in ["-wal", "-shm"] {
        let mut p = path.as_os_str().to_os_string();
        p.push(suffix);
        files.push(PathBuf::from(p));
    }
    for f in files {
        if f.exists() && !crate::system::writable(&f) {
            return Err(read_only(&f));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
