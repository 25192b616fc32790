//! What `fiches status` reads: a read-only connection that accepts any
//! schema (to report it), the last message stored, and the heartbeat of the
//! daemon's local sources (Maildir, folders of `.eml`), which have no IMAP
//! pass to count for them.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;

use super::ingest::{IMPORT_ACTOR, Line, journal};
use super::{MailboxId, Result, Store, StoreError, Watermark, now, sha256_hex};

/// The last message stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastMessage {
    pub id: i64,
    /// When it was stored (UTC).
    pub imported_at: String,
    /// When it reached the inbox, if known (UTC).
    pub received_at: Option<String>,
    pub from: Option<String>,
    pub subject: Option<String>,
}

/// What a pass over a local source stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LocalPass {
    pub new: u64,
    pub duplicates: u64,
    pub proposals: u64,
    pub errors: u64,
}

impl Store {
    /// A read-only connection to an existing database, whatever its schema
    /// (`fiches status` reports the schema; it never writes, so it works
    /// for someone who may only read).
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|error| StoreError::Open {
            path: path.clone(),
            error,
        })?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(|error| StoreError::Open {
                path: path.clone(),
                error,
            })?;
        let conn = super::Db::new(conn, &path);
        Ok(Store { conn, path })
    }

    /// Whether a table exists (a report on an older schema skips what it
    /// does not have).
    pub fn has_table(&self, name: &str) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [name],
                |_| Ok(true),
            )
            .optional()?
            .unwrap_or(false))
    }

    /// The message stored last, if any.
    pub fn last_message(&self) -> Result<Option<LastMessage>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, imported_at, received_at, from_addr, subject
                 FROM messages ORDER BY id DESC LIMIT 1",
                [],
                |r| {
                    Ok(LastMessage {
                        id: r.get(0)?,
                        imported_at: r.get(1)?,
                        received_at: r.get(2)?,
                        from: r.get(3)?,
                        subject: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    /// A pass over a local source: its counters, contact now, the state the
    /// watcher goes to, and the time of new mail when there was some.
    pub fn heartbeat_local_pass(
        &mut self,
        mb: &MailboxId,
        pass: &LocalPass,
        state: super::DaemonState,
    ) -> Result<()> {
        let at = now();
        let tx = self.write_tx()?;
        super::sync::heartbeat_row(&tx, mb, &at)?;
        tx.execute(
            "UPDATE heartbeat SET state = ?3, updated_at = ?4, last_contact_at = ?4,
               last_error = NULL, last_error_at = NULL,
               messages = messages + ?5, duplicates = duplicates + ?6,
               proposals = proposals + ?7, errors = errors + ?8,
               last_new_mail_at = CASE WHEN ?5 > 0 THEN ?4 ELSE last_new_mail_at END
             WHERE account = ?1 AND mailbox = ?2",
            params![
                mb.account,
                mb.mailbox,
                state.as_str(),
                at,
                pass.new as i64,
                pass.duplicates as i64,
                pass.proposals as i64,
                pass.errors as i64
            ],
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// A message the daemon saw on the server but did not download (over
/// `max_message_bytes`) becomes a message of its own, status `rejected`,
/// flagged `not_downloaded`, so that staff find it where they find every
/// message to handle by hand: `fiches messages` and the console's À traiter.
/// Its stored text is a note saying where it is and what to do (its real
/// bytes were never fetched). In the caller's transaction.
pub(super) fn record_not_downloaded(
    tx: &rusqlite::Transaction<'_>,
    wm: &Watermark,
    size: u64,
    reason: &str,
    at: &str,
) -> Result<()> {
    let mb = MailboxId::new(wm.account.clone(), wm.mailbox.clone());
    let source_ref = mb.source_ref(wm.uidvalidity, wm.uid);
    let mib = size as f64 / 1_048_576.0;
    let subject = format!("Message non téléchargé ({mib:.1} Mo)").replace('.', ",");
    let what_to_do = format!(
        "{reason}. Le récupérer à la main dans la boîte « {} » du compte {} (UID {}), \
         l'enregistrer en .eml puis `fiches import FICHIER.eml`",
        wm.mailbox, wm.account, wm.uid
    );
    let note = format!(
        "Subject: {subject}\r\nX-Fiches-Source: {source_ref}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{what_to_do}\r\n"
    );
    let sha = sha256_hex(note.as_bytes());
    let inserted = tx.execute(
        "INSERT INTO messages (sha256, subject, received_at, source_ref, size, status, reason,
                               flags, imported_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'rejected', ?6, '[\"not_downloaded\"]', ?3)
         ON CONFLICT (sha256) DO NOTHING",
        params![
            sha,
            subject,
            at,
            source_ref,
            i64::try_from(size).unwrap_or(i64::MAX),
            what_to_do
        ],
    )?;
    if inserted == 0 {
        return Ok(());
    }
    let id = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO message_raw (message_id, bytes) VALUES (?1, ?2)",
        params![id, note.as_bytes()],
    )?;
    journal(
        tx,
        at,
        Line {
            actor: IMPORT_ACTOR,
            action: super::JournalAction::MessageStored,
            message_id: Some(id),
            proposal_id: None,
            before: None,
            after: Some(serde_json::json!({
                "status": "rejected",
                "reason": what_to_do,
                "flags": ["not_downloaded"],
                "source": source_ref,
            })),
        },
    )
}
