//! Reading messages, proposals and the journal; the edits staff make to a
//! proposal (a field, a decision), each checked against the version the
//! editor saw and journaled with its before and after.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{OptionalExtension, Row, params};
use serde_json::json;

use super::ingest::{Line, fields_json, journal};
use super::model::*;
use super::{Result, Store, StoreError, now};
use crate::fiche::{Kind, Value, Warning, spec};

/// The columns [`message_from_row`] reads, in its order.
const MESSAGE_COLUMNS: &str = "id, message_id, from_addr, from_name, subject, date, received_at,
     effective_at, source_ref, sha256, size, status, reason, flags, imported_at";

/// The one row mapper of [`MessageRecord`] (columns [`MESSAGE_COLUMNS`]): a
/// status or flags the store cannot read is an error naming the message.
fn message_from_row(
    r: &Row<'_>,
    attachments: Vec<AttachmentRecord>,
    proposals: Vec<i64>,
) -> Result<MessageRecord> {
    let id: i64 = r.get(0)?;
    let status: String = r.get(11)?;
    let flags: String = r.get(13)?;
    Ok(MessageRecord {
        id,
        message_id: r.get(1)?,
        from: r.get(2)?,
        from_name: r.get(3)?,
        subject: r.get(4)?,
        date: r.get(5)?,
        received_at: r.get(6)?,
        effective_at: r.get(7)?,
        source: r.get(8)?,
        sha256: r.get(9)?,
        size: r.get::<_, i64>(10)?.max(0) as u64,
        status: MessageStatus::parse(&status)
            .ok_or_else(|| corrupt(format!("statut « {status} » du message {id}")))?,
        reason: r.get(12)?,
        flags: parse_strings(&format!("drapeaux du message {id}"), &flags)?,
        imported_at: r.get(14)?,
        attachments,
        proposals,
    })
}

/// The columns [`attachment_from_row`] reads, in its order.
const ATTACHMENT_COLUMNS: &str =
    "id, part_path, filename, content_type, size, sha256, format, outcome, reason";

/// The one row mapper of [`AttachmentRecord`]: columns
/// [`ATTACHMENT_COLUMNS`] from column `at`.
fn attachment_from_row(r: &Row<'_>, at: usize) -> Result<AttachmentRecord> {
    let outcome: String = r.get(at + 7)?;
    Ok(AttachmentRecord {
        id: r.get(at)?,
        part_path: r.get(at + 1)?,
        filename: r.get(at + 2)?,
        content_type: r.get(at + 3)?,
        size: r.get::<_, i64>(at + 4)?.max(0) as u64,
        sha256: r.get(at + 5)?,
        format: r.get(at + 6)?,
        outcome: AttachmentOutcome::parse(&outcome)
            .ok_or_else(|| corrupt(format!("issue de pièce jointe « {outcome} »")))?,
        reason: r.get(at + 8)?,
    })
}

const PROPOSAL_COLUMNS: &str =
    "id, kind, status, slot, space, rank, fields, extra, warnings, flags, message_id,
     attachment_id, chain_key, revision, supersedes, superseded_by, version, created_at, updated_at,
     number, wait_pos, reason,
     (SELECT a.article FROM proposal_articles a WHERE a.number = proposals.number)";

fn corrupt(what: impl Into<String>) -> StoreError {
    StoreError::Corrupt(what.into())
}

fn parse_fields(id: i64, text: &str) -> Result<BTreeMap<String, Value>> {
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| corrupt(format!("champs de la proposition {id} : {e}")))?;
    let obj = v
        .as_object()
        .ok_or_else(|| corrupt(format!("champs de la proposition {id} : objet attendu")))?;
    obj.iter()
        .map(|(k, v)| {
            Value::from_json(v).map(|v| (k.clone(), v)).ok_or_else(|| {
                corrupt(format!(
                    "champ {k} de la proposition {id} : texte ou booléen attendu"
                ))
            })
        })
        .collect()
}

fn parse_extra(id: i64, text: &str) -> Result<Vec<(String, String)>> {
    #[derive(serde::Deserialize)]
    struct E {
        label: String,
        value: String,
    }
    let v: Vec<E> = serde_json::from_str(text)
        .map_err(|e| corrupt(format!("lignes en plus de la proposition {id} : {e}")))?;
    Ok(v.into_iter().map(|e| (e.label, e.value)).collect())
}

fn parse_strings(what: &str, text: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(|e| corrupt(format!("{what} : {e}")))
}

struct RawProposal {
    id: i64,
    kind: Option<String>,
    status: String,
    slot: Option<String>,
    space: Option<String>,
    fields: String,
    extra: String,
    warnings: String,
    flags: String,
    message_id: i64,
    attachment_id: Option<i64>,
    chain_key: Option<String>,
    revision: i64,
    supersedes: Option<i64>,
    superseded_by: Option<i64>,
    version: i64,
    created_at: String,
    updated_at: String,
    number: Option<i64>,
    wait_pos: Option<i64>,
    reason: Option<String>,
    article: Option<String>,
}

fn raw_proposal(r: &Row<'_>) -> rusqlite::Result<RawProposal> {
    Ok(RawProposal {
        id: r.get(0)?,
        kind: r.get(1)?,
        status: r.get(2)?,
        slot: r.get(3)?,
        space: r.get(4)?,
        fields: r.get(6)?,
        extra: r.get(7)?,
        warnings: r.get(8)?,
        flags: r.get(9)?,
        message_id: r.get(10)?,
        attachment_id: r.get(11)?,
        chain_key: r.get(12)?,
        revision: r.get(13)?,
        supersedes: r.get(14)?,
        superseded_by: r.get(15)?,
        version: r.get(16)?,
        created_at: r.get(17)?,
        updated_at: r.get(18)?,
        number: r.get(19)?,
        wait_pos: r.get(20)?,
        reason: r.get(21)?,
        article: r.get(22)?,
    })
}

impl RawProposal {
    fn into_proposal(self) -> Result<Proposal> {
        let id = self.id;
        let kind = match self.kind.as_deref() {
            None => None,
            Some(k) => Some(
                Kind::from_key(k)
                    .ok_or_else(|| corrupt(format!("type « {k} » de la proposition {id}")))?,
            ),
        };
        let warnings: Vec<Warning> = serde_json::from_str(&self.warnings)
            .map_err(|e| corrupt(format!("avertissements de la proposition {id} : {e}")))?;
        Ok(Proposal {
            id,
            number: self.number.unwrap_or(id),
            kind,
            status: ProposalStatus::parse(&self.status).ok_or_else(|| {
                corrupt(format!("statut « {} » de la proposition {id}", self.status))
            })?,
            slot: self.slot,
            space: self.space,
            // Filled from the waiting list's order by the loaders.
            rank: None,
            wait_pos: self.wait_pos,
            reason: self.reason,
            article: self
                .article
                .as_deref()
                .map(|a| {
                    crate::domain::french::Article::parse(a)
                        .ok_or_else(|| corrupt(format!("article « {a} » de la proposition {id}")))
                })
                .transpose()?,
            fields: parse_fields(id, &self.fields)?,
            extra: parse_extra(id, &self.extra)?,
            warnings,
            flags: parse_strings(&format!("drapeaux de la proposition {id}"), &self.flags)?,
            message_id: self.message_id,
            attachment_id: self.attachment_id,
            chain_key: self.chain_key,
            revision: self.revision,
            supersedes: self.supersedes,
            superseded_by: self.superseded_by,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

pub(super) fn load_proposal(conn: &rusqlite::Connection, id: i64) -> Result<Proposal> {
    let mut p = conn
        .prepare_cached(&format!(
            "SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE id = ?1"
        ))?
        .query_row([id], raw_proposal)
        .optional()?
        .ok_or(StoreError::ProposalNotFound(id))?
        .into_proposal()?;
    if p.status == ProposalStatus::Waitlisted
        && p.is_live()
        && let Some(kind) = p.kind
    {
        p.rank = super::programme::ranks(conn, kind)?
            .get(&p.number)
            .map(|r| *r as i64);
    }
    Ok(p)
}

impl Store {
    /// One proposal by id.
    pub fn proposal(&self, id: i64) -> Result<Proposal> {
        load_proposal(&self.conn, id)
    }

    /// Proposals in id order (history included unless `filter.live_only`).
    pub fn list_proposals(&self, filter: &ProposalFilter) -> Result<Vec<Proposal>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {PROPOSAL_COLUMNS} FROM proposals
             WHERE (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR status = ?2)
               AND (?3 = 0 OR superseded_by IS NULL)
             ORDER BY id"
        ))?;
        let rows = stmt.query_map(
            params![
                filter.kind.map(Kind::key),
                filter.status.map(ProposalStatus::as_str),
                filter.live_only
            ],
            raw_proposal,
        )?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r?.into_proposal()?);
        }
        let mut ranks = HashMap::new();
        for kind in Kind::all() {
            if out
                .iter()
                .any(|p| p.kind == Some(kind) && p.status == ProposalStatus::Waitlisted)
            {
                ranks.insert(kind, super::programme::ranks(&self.conn, kind)?);
            }
        }
        for p in out.iter_mut().filter(|p| p.is_live()) {
            if p.status == ProposalStatus::Waitlisted
                && let Some(r) = p.kind.and_then(|k| ranks.get(&k)?.get(&p.number))
            {
                p.rank = Some(*r as i64);
            }
        }
        Ok(out)
    }

    /// The live revision of proposal number `number`.
    pub fn proposal_by_number(&self, number: i64) -> Result<Proposal> {
        super::programme::live_by_number(&self.conn, number)
    }

    /// The revisions of a proposal's chain, oldest first (just the proposal
    /// when it has no chain).
    pub fn revisions(&self, id: i64) -> Result<Vec<Proposal>> {
        let p = self.proposal(id)?;
        let Some(key) = &p.chain_key else {
            return Ok(vec![p]);
        };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE chain_key = ?1 ORDER BY revision"
        ))?;
        let rows = stmt.query_map([key], raw_proposal)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r?.into_proposal()?);
        }
        Ok(out)
    }

    /// Messages in id order, with their attachments and proposal ids.
    pub fn list_messages(&self, filter: &MessageFilter) -> Result<Vec<MessageRecord>> {
        self.messages_where(filter.status)
    }

    /// One message by id, with its attachments and proposal ids.
    pub fn message(&self, id: i64) -> Result<MessageRecord> {
        let mut attachments = Vec::new();
        {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE message_id = ?1 ORDER BY position"
            ))?;
            let mut rows = stmt.query([id])?;
            while let Some(r) = rows.next()? {
                attachments.push(attachment_from_row(r, 0)?);
            }
        }
        let proposals: Vec<i64> = {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT id FROM proposals WHERE message_id = ?1 ORDER BY id")?;
            stmt.query_map([id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1"
        ))?;
        let mut rows = stmt.query([id])?;
        match rows.next()? {
            Some(r) => message_from_row(r, attachments, proposals),
            None => Err(StoreError::MessageNotFound(id)),
        }
    }

    fn messages_where(&self, status: Option<MessageStatus>) -> Result<Vec<MessageRecord>> {
        let mut attachments: HashMap<i64, Vec<AttachmentRecord>> = HashMap::new();
        {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT message_id, {ATTACHMENT_COLUMNS}
                 FROM attachments ORDER BY message_id, position"
            ))?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                attachments
                    .entry(r.get(0)?)
                    .or_default()
                    .push(attachment_from_row(r, 1)?);
            }
        }
        let mut proposals: HashMap<i64, Vec<i64>> = HashMap::new();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT message_id, id FROM proposals ORDER BY id")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                proposals.entry(r.get(0)?).or_default().push(r.get(1)?);
            }
        }
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {MESSAGE_COLUMNS}
             FROM messages WHERE (?1 IS NULL OR status = ?1) ORDER BY id"
        ))?;
        let mut rows = stmt.query(params![status.map(MessageStatus::as_str)])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            out.push(message_from_row(
                r,
                attachments.remove(&id).unwrap_or_default(),
                proposals.remove(&id).unwrap_or_default(),
            )?);
        }
        Ok(out)
    }

    /// The bytes of a message exactly as received.
    pub fn raw_message(&self, id: i64) -> Result<Vec<u8>> {
        self.conn
            .query_row(
                "SELECT bytes FROM message_raw WHERE message_id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StoreError::MessageNotFound(id))
    }

    /// Journal lines, oldest first, of one proposal or of everything.
    pub fn journal(&self, proposal_id: Option<i64>) -> Result<Vec<JournalEntry>> {
        journal_entries(
            &self.conn,
            "SELECT id, at, actor, action, message_id, proposal_id, before, after FROM journal
             WHERE (?1 IS NULL OR proposal_id = ?1) ORDER BY id",
            proposal_id,
        )
    }

    /// Numbers of messages (by status) and proposals.
    pub fn counts(&self) -> Result<Counts> {
        let mut c = Counts::default();
        let mut stmt = self
            .conn
            .prepare("SELECT status, count(*) FROM messages GROUP BY status")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let n = r.get::<_, i64>(1)? as u64;
            c.messages += n;
            c.by_status.insert(r.get(0)?, n);
        }
        let (all, live): (i64, i64) = self.conn.query_row(
            "SELECT count(*), coalesce(sum(superseded_by IS NULL), 0) FROM proposals",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        c.proposals = all as u64;
        c.live_proposals = live as u64;
        Ok(c)
    }

    /// Sets (or, with `None`, clears) one field of a live proposal. Refused
    /// when the proposal changed since the editor read `expected_version`.
    pub fn update_field(
        &mut self,
        id: i64,
        expected_version: i64,
        key: &str,
        value: Option<Value>,
        actor: &str,
    ) -> Result<Proposal> {
        let at = now();
        let tx = self.write_tx()?;
        let mut p = load_proposal(&tx, id)?;
        if p.version != expected_version {
            return Err(StoreError::StaleVersion {
                id,
                expected: expected_version,
                actual: p.version,
            });
        }
        if !p.is_live() {
            return Err(StoreError::NotLive(id));
        }
        let known = match p.kind {
            Some(kind) => spec::field(kind, key).is_some(),
            None => spec::common_fields().iter().any(|f| f.key == key),
        };
        if !known {
            return Err(StoreError::UnknownField {
                key: key.to_string(),
                kind: p
                    .kind
                    .map_or("de type inconnu".to_string(), |k| k.label_fr().to_string()),
            });
        }
        let before = p.fields.get(key).map(Value::to_json);
        match &value {
            Some(v) => p.fields.insert(key.to_string(), v.clone()),
            None => p.fields.remove(key),
        };
        tx.execute(
            "UPDATE proposals SET fields = ?2, version = version + 1, updated_at = ?3 WHERE id = ?1",
            params![id, fields_json(&p.fields), at],
        )?;
        journal(
            &tx,
            &at,
            Line {
                actor,
                action: super::JournalAction::FieldUpdated,
                message_id: Some(p.message_id),
                proposal_id: Some(id),
                before: Some(json!({ key: before })),
                after: Some(json!({ key: value.as_ref().map(Value::to_json) })),
            },
        )?;
        let p = load_proposal(&tx, id)?;
        tx.commit()?;
        Ok(p)
    }
}

/// Runs a journal query (its columns: id, at, actor, action, message_id,
/// proposal_id, before, after; one parameter) into journal entries.
pub(super) fn journal_entries(
    conn: &rusqlite::Connection,
    sql: &str,
    param: Option<i64>,
) -> Result<Vec<JournalEntry>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([param])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let before: Option<String> = r.get(6)?;
        let after: Option<String> = r.get(7)?;
        out.push(JournalEntry {
            id: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            action: r.get(3)?,
            message_id: r.get(4)?,
            proposal_id: r.get(5)?,
            before: before.and_then(|s| serde_json::from_str(&s).ok()),
            after: after.and_then(|s| serde_json::from_str(&s).ok()),
        });
    }
    Ok(out)
}
