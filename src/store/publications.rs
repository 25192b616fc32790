//! Publications of the programme: the numbered, dated snapshots staff (or the
//! daemon's schedule) published, each with its changelog. Numbers only grow:
//! a publication is recorded only as the one after the last.

use rusqlite::{OptionalExtension, params};
use serde_json::json;

use super::ingest::{Line, journal};
use super::{Result, Store, StoreError};

/// A publication as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicationRecord {
    pub number: u32,
    pub published_at: String,
    pub author: String,
    pub unchanged: bool,
    /// The snapshot, as JSON (`publish::Snapshot`).
    pub snapshot: String,
    /// The changelog text.
    pub changes: String,
    /// The folder written (none when nothing changed).
    pub dir: Option<String>,
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PublicationRecord> {
    Ok(PublicationRecord {
        number: r.get(0)?,
        published_at: r.get(1)?,
        author: r.get(2)?,
        unchanged: r.get::<_, i64>(3)? != 0,
        snapshot: r.get(4)?,
        changes: r.get(5)?,
        dir: r.get(6)?,
    })
}

const COLUMNS: &str = "number, published_at, author, unchanged, snapshot, changes, dir";

impl Store {
    /// Publication `number`.
    pub fn publication(&self, number: u32) -> Result<Option<PublicationRecord>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM publications WHERE number = ?1"
            ))?
            .query_row([number], row)
            .optional()?)
    }

    /// The latest publication, if any.
    pub fn last_publication(&self) -> Result<Option<PublicationRecord>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM publications ORDER BY number DESC LIMIT 1"
            ))?
            .query_row([], row)
            .optional()?)
    }

    /// The latest publication's number and date, without its snapshot
    /// (the console's status line).
    pub fn last_publication_stamp(&self) -> Result<Option<(u32, String)>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT number, published_at FROM publications ORDER BY number DESC LIMIT 1",
            )?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    /// Every publication, oldest first.
    pub fn publications(&self) -> Result<Vec<PublicationRecord>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM publications ORDER BY number"
        ))?;
        let rows = stmt
            .query_map([], row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Records a publication, which must be the one after the last (two
    /// publishers at once: the second is refused and publishes again).
    pub fn record_publication(&mut self, p: &PublicationRecord) -> Result<()> {
        self.record_publication_with(p, None)
    }

    /// Records a publication and, in the same transaction, queues its
    /// e-mail to the partners (see `store::partners`).
    pub fn record_publication_with(
        &mut self,
        p: &PublicationRecord,
        partners: Option<&super::NewPartnerMail>,
    ) -> Result<()> {
        let tx = self.write_tx()?;
        let last: u32 = tx.query_row(
            "SELECT COALESCE(MAX(number), 0) FROM publications",
            [],
            |r| r.get(0),
        )?;
        if p.number != last + 1 {
            return Err(StoreError::PublicationConflict {
                wanted: p.number,
                last,
            });
        }
        tx.execute(
            &format!("INSERT INTO publications ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
            params![
                p.number,
                p.published_at,
                p.author,
                i64::from(p.unchanged),
                p.snapshot,
                p.changes,
                p.dir
            ],
        )?;
        journal(
            &tx,
            &p.published_at,
            Line {
                actor: &p.author,
                action: super::JournalAction::Publication,
                message_id: None,
                proposal_id: None,
                before: None,
                after: Some(json!({"number": p.number, "unchanged": p.unchanged, "dir": p.dir})),
            },
        )?;
        if let Some(m) = partners {
            super::partners::queue(&tx, &p.published_at, &p.author, p.number, m)?;
        }
        tx.commit()?;
        Ok(())
    }
}
