//! The schema's history: which migrations a database has, by name and
//! checksum, and bringing it up to date without risk.
//!
//! - Each migration applied is recorded in `schema_migrations` (its name,
//!   the SHA-256 of its SQL, when, by whom, by which build) in the same
//!   transaction as its SQL; `PRAGMA user_version` still counts them, so an
//!   older `fiches` refuses a newer database.
//! - A database's history must be the beginning of this program's list,
//!   name for name and checksum for checksum. A migration this program does
//!   not know, or one whose SQL differs, means the database was migrated by
//!   another build: it is refused as it is, never half-migrated.
//! - Only the daemon and `fiches migrate` migrate ([`Migrate::Allowed`]),
//!   and first copy the database beside itself (`VACUUM INTO`, consistent
//!   while others read and write). Staff processes ([`Migrate::Refused`])
//!   say to ask the administrator. A new, empty database has nothing to
//!   lose: it is created by whoever opens it first, in one transaction (a
//!   process stopped meanwhile leaves it empty, never half-made).
//! - Databases of the first builds (a count in `user_version`, no history)
//!   are adopted: their first migrations are recorded as applied.

use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::{MIGRATIONS, Result, Store, StoreError, now, sha256_hex};

/// Who may bring a database's schema up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migrate {
    /// The daemon, `fiches migrate`, `fiches setup`: back up, then migrate.
    Allowed,
    /// Staff processes (console, commands): a database behind this program
    /// is refused with advice; a new one is still created.
    Refused,
}

/// One migration as recorded in a database.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AppliedMigration {
    pub name: String,
    pub sha256: String,
    pub applied_at: Option<String>,
    pub applied_by: Option<String>,
}

/// The schema of an open database against this program's migrations.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SchemaInfo {
    /// Migrations applied, in order.
    pub applied: Vec<AppliedMigration>,
    /// Names of this program's migrations not applied yet.
    pub pending: Vec<String>,
    /// Number of migrations this program knows.
    pub known: usize,
}

impl SchemaInfo {
    /// `"6"`: the count, as shown to people (the migrations' names are
    /// in `--json` and in the database).
    pub fn label(&self) -> String {
        match self.applied.last() {
            Some(_) => self.applied.len().to_string(),
            None => "0 (base vide)".to_string(),
        }
    }
}

/// The checksum of a migration's SQL.
pub fn checksum(sql: &str) -> String {
    sha256_hex(sql.as_bytes())
}

/// This program's schema, for `--version`: the number of migrations and the
/// last one's name.
pub fn program_schema() -> (usize, &'static str) {
    (MIGRATIONS.len(), MIGRATIONS.last().map_or("", |m| m.0))
}

const HISTORY_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    seq        INTEGER PRIMARY KEY,       -- 1, 2, … in the order applied
    name       TEXT NOT NULL UNIQUE,      -- file name without .sql
    sha256     TEXT NOT NULL,             -- of the SQL applied
    applied_at TEXT NOT NULL,             -- UTC
    applied_by TEXT NOT NULL,             -- account that ran it
    build      TEXT NOT NULL              -- fiches version and commit
) STRICT";

/// What a database holds before anything is done to it.
#[derive(Debug)]
enum Found {
    /// No table at all.
    Fresh,
    /// A history table.
    History(Vec<AppliedMigration>),
    /// Only a count in `user_version` (first builds).
    Legacy(i64),
    /// Tables, but neither a history nor a count: not a fiches database.
    Foreign,
}

/// How migrations are grouped into transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Whole {
    /// All in one (a new database: made whole or not at all).
    OneTransaction,
    /// Each in its own (an existing database: what is done stays done).
    EachOnItsOwn,
}

/// Applies the `i`-th migration inside `tx` unless the database has it;
/// adopts a first build's count as history. Returns whether it applied it.
fn apply_one(
    tx: &rusqlite::Transaction<'_>,
    path: &Path,
    i: usize,
    name: &'static str,
    sql: &str,
    who: &str,
    build: &str,
) -> Result<bool> {
    let mig_err = |error| StoreError::Migration {
        path: path.to_path_buf(),
        name,
        error,
    };
    let found = read_found(tx).map_err(|e| match e {
        StoreError::Sql(s) => mig_err(s),
        other => other,
    })?;
    let done = match &found {
        Found::History(rows) => rows.len(),
        Found::Legacy(n) => *n as usize,
        Found::Fresh => 0,
        Found::Foreign => {
            return Err(StoreError::NotFiches {
                path: path.to_path_buf(),
            });
        }
    };
    tx.execute_batch(HISTORY_TABLE).map_err(mig_err)?;
    if let Found::Legacy(n) = found {
        // Adopt the first builds' databases: their count becomes a history.
        for (j, (old, old_sql)) in MIGRATIONS[..n as usize].iter().enumerate() {
            tx.execute(
                "INSERT INTO schema_migrations (seq, name, sha256, applied_at, applied_by, build)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    j as i64 + 1,
                    old,
                    checksum(old_sql),
                    now(),
                    who,
                    "adoptée (user_version)"
                ],
            )
            .map_err(mig_err)?;
        }
    }
    if done > i {
        return Ok(false);
    }
    tx.execute_batch(sql).map_err(mig_err)?;
    tx.execute(
        "INSERT INTO schema_migrations (seq, name, sha256, applied_at, applied_by, build)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![i as i64 + 1, name, checksum(sql), now(), who, build],
    )
    .map_err(mig_err)?;
    tx.pragma_update(None, "user_version", i as i64 + 1)
        .map_err(mig_err)?;
    Ok(true)
}

fn read_found(conn: &rusqlite::Connection) -> Result<Found> {
    let has_history: bool = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
            [],
            |_| Ok(true),
        )
        .optional()?
        .unwrap_or(false);
    if has_history {
        let mut stmt = conn.prepare(
            "SELECT name, sha256, applied_at, applied_by FROM schema_migrations ORDER BY seq",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(AppliedMigration {
                    name: r.get(0)?,
                    sha256: r.get(1)?,
                    applied_at: r.get(2)?,
                    applied_by: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Found::History(rows));
    }
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > 0 {
        return Ok(Found::Legacy(version));
    }
    let tables: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
        [],
        |r| r.get(0),
    )?;
    Ok(if tables == 0 {
        Found::Fresh
    } else {
        Found::Foreign
    })
}

impl Store {
    /// The database's schema against this program's migrations; an error
    /// when it comes from another build or is not a fiches database.
    pub fn schema(&self) -> Result<SchemaInfo> {
        let found = read_found(&self.conn)?;
        self.check_history(found)
    }

    fn check_history(&self, found: Found) -> Result<SchemaInfo> {
        // A newer program counts its migrations in user_version too.
        let version = self.schema_version()?;
        if version > MIGRATIONS.len() as i64 {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                known: MIGRATIONS.len() as i64,
            });
        }
        let applied = match found {
            Found::Fresh => Vec::new(),
            Found::Foreign => {
                return Err(StoreError::NotFiches {
                    path: self.path.clone(),
                });
            }
            Found::Legacy(n) => {
                if n as usize > MIGRATIONS.len() {
                    return Err(StoreError::TooNew {
                        path: self.path.clone(),
                        found: n,
                        known: MIGRATIONS.len() as i64,
                    });
                }
                MIGRATIONS[..n as usize]
                    .iter()
                    .map(|(name, sql)| AppliedMigration {
                        name: name.to_string(),
                        sha256: checksum(sql),
                        applied_at: None,
                        applied_by: None,
                    })
                    .collect()
            }
            Found::History(rows) => rows,
        };
        for (i, m) in applied.iter().enumerate() {
            let Some((name, sql)) = MIGRATIONS.get(i) else {
                let known_later = MIGRATIONS.iter().any(|(n, _)| *n == m.name);
                return Err(if known_later {
                    StoreError::OtherBuild {
                        path: self.path.clone(),
                        detail: format!("migration « {} » à une autre place", m.name),
                    }
                } else {
                    StoreError::TooNew {
                        path: self.path.clone(),
                        found: applied.len() as i64,
                        known: MIGRATIONS.len() as i64,
                    }
                });
            };
            if *name != m.name {
                return Err(StoreError::OtherBuild {
                    path: self.path.clone(),
                    detail: format!(
                        "migration n° {} « {} », ce programme attend « {name} »",
                        i + 1,
                        m.name
                    ),
                });
            }
            if checksum(sql) != m.sha256 {
                return Err(StoreError::OtherBuild {
                    path: self.path.clone(),
                    detail: format!(
                        "la migration « {name} » de la base diffère de celle de ce programme"
                    ),
                });
            }
        }
        let pending = MIGRATIONS[applied.len()..]
            .iter()
            .map(|(n, _)| n.to_string())
            .collect();
        Ok(SchemaInfo {
            applied,
            pending,
            known: MIGRATIONS.len(),
        })
    }

    /// Reads the schema's state without writing: an error when this
    /// program must not open the database as `mode` says (another build's,
    /// newer, not fiches, or to migrate by the administrator).
    pub(super) fn inspect(&self, mode: Migrate) -> Result<()> {
        let found = read_found(&self.conn)?;
        let fresh = matches!(found, Found::Fresh);
        let info = self.check_history(found)?;
        if mode == Migrate::Refused && !fresh && !info.pending.is_empty() {
            return Err(StoreError::NeedsMigration {
                path: self.path.clone(),
                current: info.label(),
                pending: info.pending,
            });
        }
        Ok(())
    }

    /// Brings the schema up to date as `mode` allows (see the module doc).
    /// Returns the backup made, if any.
    pub(super) fn migrate(&mut self, mode: Migrate) -> Result<Option<PathBuf>> {
        let found = read_found(&self.conn)?;
        let fresh = matches!(found, Found::Fresh);
        let legacy = matches!(found, Found::Legacy(_));
        let info = self.check_history(found)?;
        // A first build's database that is up to date is adopted by the
        // next process that may migrate; staff just use it.
        if info.pending.is_empty() && (!legacy || mode == Migrate::Refused) {
            return Ok(None);
        }
        let mut backup = None;
        if !fresh {
            if mode == Migrate::Refused {
                return Err(StoreError::NeedsMigration {
                    path: self.path.clone(),
                    current: info.label(),
                    pending: info.pending.clone(),
                });
            }
            if !info.pending.is_empty() {
                let first = info.pending.first().map(String::as_str).unwrap_or("");
                let dest = backup_path(&self.path, &format!("avant-{first}"));
                self.backup_to(&dest)?;
                tracing::info!(sauvegarde = %dest.display(), "base sauvegardée avant la migration");
                backup = Some(dest);
            }
        }
        let whole = if fresh {
            Whole::OneTransaction
        } else {
            Whole::EachOnItsOwn
        };
        self.apply(MIGRATIONS.len(), whole)?;
        Ok(backup)
    }

    /// Applies the migrations up to the `upto`-th, each in its own
    /// transaction (tests build older databases with it).
    #[cfg(test)]
    pub(super) fn apply_upto(&mut self, upto: usize) -> Result<()> {
        self.apply(upto, Whole::EachOnItsOwn)
    }

    /// Applies the missing migrations up to the `upto`-th in `BEGIN
    /// IMMEDIATE` transactions, each with its history row; the state is
    /// read again under the lock (another process may have migrated
    /// meanwhile). A new database is made in one transaction: a process
    /// killed while making it leaves it empty (the next one makes it), never
    /// half-made — staff processes, which may make a new database but not
    /// migrate an older one, would then refuse it until `fiches migrate`.
    fn apply(&mut self, upto: usize, whole: Whole) -> Result<()> {
        let path = self.path.clone();
        let who = crate::system::acting_user();
        let build = crate::build_label();
        let err = |name: &'static str, error| StoreError::Migration {
            path: path.clone(),
            name,
            error,
        };
        let list = &MIGRATIONS[..upto.min(MIGRATIONS.len())];
        match whole {
            Whole::OneTransaction => {
                let first = list.first().map_or("", |m| m.0);
                let tx = self
                    .conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(|e| err(first, e))?;
                let mut applied = 0;
                for (i, (name, sql)) in list.iter().enumerate() {
                    applied += usize::from(apply_one(&tx, &path, i, name, sql, &who, &build)?);
                }
                tx.commit().map_err(|e| err(first, e))?;
                if applied > 0 {
                    tracing::info!(migrations = applied, "base créée");
                }
            }
            Whole::EachOnItsOwn => {
                for (i, (name, sql)) in list.iter().enumerate() {
                    let tx = self
                        .conn
                        .transaction_with_behavior(TransactionBehavior::Immediate)
                        .map_err(|e| err(name, e))?;
                    let applied = apply_one(&tx, &path, i, name, sql, &who, &build)?;
                    tx.commit().map_err(|e| err(name, e))?;
                    if applied {
                        tracing::info!(migration = name, "schéma mis à jour");
                    }
                }
            }
        }
        Ok(())
    }

    /// A consistent copy of the database into `dest` (which must not
    /// exist), while others keep reading and writing: `VACUUM INTO`. The
    /// file is created first with the mode of every file fiches creates
    /// (0666 less the process umask: group-writable, as the database), not
    /// SQLite's 0644.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        use std::os::unix::fs::OpenOptionsExt;
        let text = dest.to_str().ok_or_else(|| StoreError::Backup {
            path: dest.to_path_buf(),
            message: "chemin non UTF-8".into(),
        })?;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o666)
            .open(dest)
            .map_err(|e| StoreError::Backup {
                path: dest.to_path_buf(),
                message: if e.kind() == std::io::ErrorKind::AlreadyExists {
                    "le fichier existe déjà".into()
                } else {
                    crate::os_error::problem(dest, &e)
                },
            })?;
        // VACUUM INTO accepts an empty file.
        if let Err(e) = self.conn.execute("VACUUM INTO ?1", [text]) {
            let _ = std::fs::remove_file(dest);
            return Err(StoreError::Backup {
                path: dest.to_path_buf(),
                message: super::sqlite_fr(&e),
            });
        }
        Ok(())
    }
}

/// `DIR/fiches.db` → `DIR/fiches-{what}-{UTC time}.db`: a backup beside
/// the database.
pub fn backup_path(db: &Path, what: &str) -> PathBuf {
    let stem = db
        .file_stem()
        .map_or_else(|| "fiches".into(), |s| s.to_string_lossy().into_owned());
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut p = db.with_file_name(format!("{stem}-{what}-{stamp}.db"));
    let mut n = 1;
    while p.exists() {
        n += 1;
        p = db.with_file_name(format!("{stem}-{what}-{stamp}-{n}.db"));
    }
    p
}
