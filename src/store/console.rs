//! What the review console reads and writes beyond the rest of the store:
//! a light, streamed listing of the live proposals (only the columns a table
//! row needs and the text to search), what changed since a journal line
//! (the console refreshes only those rows), the messages staff must deal
//! with by hand and their "handled" mark, a fiche entered by hand, and the
//! daemon's heartbeat when the database has one.

use std::collections::BTreeMap;

use rusqlite::{ErrorCode, OptionalExtension, params, types::ValueRef};
use serde_json::json;

use super::ingest::{
    Line, assign_number, chain_key, fields_json, journal, link_into_chain, strings_json,
};
use super::model::*;
use super::{Result, Store, StoreError, now};
use crate::fiche::{Kind, Value, spec};

/// Flag of a proposal staff typed in from a message (DOC, PDF, no attachment).
pub const FLAG_ENTERED_BY_HAND: &str = "entered_by_hand";

/// One live proposal as the console's table needs it. Fields are the few
/// the table shows; `search_text` holds every field value and extra row
/// (one per line) for the incremental search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListingRow {
    pub id: i64,
    /// The stable number.
    pub number: i64,
    pub kind: Option<Kind>,
    pub status: Option<ProposalStatus>,
    pub slot: Option<String>,
    pub space: Option<String>,
    pub rank: Option<i64>,
    pub version: i64,
    pub revision: i64,
    pub superseded_by: Option<i64>,
    pub message_id: i64,
    /// Waiting-list position key.
    pub wait_pos: Option<i64>,
    /// The refusal's reason.
    pub reason: Option<String>,
    pub organisation: Option<String>,
    pub country: Option<String>,
    /// `Some(b)` when the fiche answered Oui/Non without doubt.
    pub cuf_member: Option<bool>,
    pub theme: Option<String>,
    pub preferred_slot: Option<String>,
    /// Project title (micro-atelier) or request description (bourse).
    pub title: Option<String>,
    pub search_text: String,
    pub warnings: usize,
    /// Field keys the warnings name.
    pub warned_fields: Vec<String>,
    pub flags: Vec<String>,
    /// Receipt time (else the effective date, else the Date header), RFC 3339.
    pub received_at: Option<String>,
    pub from_addr: Option<String>,
    pub from_name: Option<String>,
    pub subject: Option<String>,
    /// Staff notes and opinions, counted (`store::notes`).
    pub notes: super::notes::NotesSummary,
}

/// What the journal says changed after a given line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub proposals: Vec<i64>,
    pub messages: Vec<i64>,
    /// The last journal line read.
    pub head: i64,
}

/// A message with no usable fiche, for the "À traiter" list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriageMessage {
    pub id: i64,
    pub from_addr: Option<String>,
    pub from_name: Option<String>,
    pub subject: Option<String>,
    pub date: Option<String>,
    pub received_at: Option<String>,
    pub status: MessageStatus,
    pub reason: Option<String>,
    pub flags: Vec<String>,
    pub attachments: usize,
    /// Proposals linked to it (entered by hand).
    pub proposals: usize,
    /// When and by whom it was marked handled.
    pub handled: Option<(String, String)>,
    /// The demande de .docx to its sender (letter id and state), if any
    /// (the last one, dropped ones included).
    pub docx_request: Option<(i64, super::LetterState)>,
}

/// What a listing row needs of a proposal's `fields` JSON, read in one pass.
#[derive(Default)]
struct FieldsDigest {
    organisation: Option<String>,
    country: Option<String>,
    cuf_member: Option<bool>,
    theme: Option<String>,
    preferred_slot: Option<String>,
    title: Option<String>,
    /// Every value, one per line.
    search_text: String,
}

/// A field value: text, or the member answer's boolean.
enum FieldValue {
    Text(String),
    Bool(bool),
}

impl<'de> serde::Deserialize<'de> for FieldValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = FieldValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or a boolean")
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<FieldValue, E> {
                Ok(FieldValue::Text(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<FieldValue, E> {
                Ok(FieldValue::Text(v))
            }
            fn visit_bool<E>(self, v: bool) -> std::result::Result<FieldValue, E> {
                Ok(FieldValue::Bool(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// The keys the digest picks, from the call definition: a stored fields
/// object does not say its kind, so a key plays its part in any kind.
struct DigestKeys {
    organisation: &'static str,
    country: &'static str,
    member: Vec<&'static str>,
    slot: Vec<&'static str>,
    theme: Vec<&'static str>,
    title: Vec<&'static str>,
    description: Vec<&'static str>,
}

fn digest_keys() -> &'static DigestKeys {
    static KEYS: std::sync::OnceLock<DigestKeys> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let kinds = Kind::all();
        let all = |f: fn(Kind) -> Option<&'static str>| -> Vec<&'static str> {
            let mut v: Vec<&'static str> = kinds.iter().filter_map(|k| f(*k)).collect();
            v.dedup();
            v
        };
        let title = all(|k| k.list_title_key().filter(|t| *t == k.title_key()));
        let description = all(|k| k.list_title_key().filter(|t| *t != k.title_key()));
        let roles = crate::call::roles();
        DigestKeys {
            organisation: &roles.organisation,
            country: &roles.country,
            member: all(Kind::member_key),
            slot: all(Kind::slot_key),
            theme: all(Kind::theme_key),
            title,
            description,
        }
    })
}

impl<'de> serde::Deserialize<'de> for FieldsDigest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = FieldsDigest;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of fields")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<FieldsDigest, A::Error> {
                let mut d = FieldsDigest::default();
                let keys = digest_keys();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    let value: FieldValue = map.next_value()?;
                    let text = match value {
                        FieldValue::Bool(b) => {
                            if keys.member.contains(&&*key) {
                                d.cuf_member = Some(b);
                            }
                            continue;
                        }
                        FieldValue::Text(t) => t,
                    };
                    if !d.search_text.is_empty() {
                        d.search_text.push('\n');
                    }
                    d.search_text.push_str(&text);
                    let k = &*key;
                    let slot = if k == keys.organisation {
                        &mut d.organisation
                    } else if k == keys.country {
                        &mut d.country
                    } else if keys.theme.contains(&k) {
                        &mut d.theme
                    } else if keys.slot.contains(&k) {
                        &mut d.preferred_slot
                    } else if keys.title.contains(&k)
                        || (keys.description.contains(&k) && d.title.is_none())
                    {
                        &mut d.title
                    } else {
                        continue;
                    };
                    *slot = Some(text);
                }
                Ok(d)
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(serde::Deserialize)]
struct ExtraLite {
    label: String,
    value: String,
}

#[derive(serde::Deserialize)]
struct WarningLite {
    field: Option<String>,
}

/// A JSON column of proposal `id`, parsed.
fn parse_json<T: serde::de::DeserializeOwned>(id: i64, what: &str, v: ValueRef<'_>) -> Result<T> {
    let bytes = match v {
        ValueRef::Text(t) | ValueRef::Blob(t) => t,
        _ => b"null",
    };
    serde_json::from_slice(bytes)
        .map_err(|e| StoreError::Corrupt(format!("{what} de la proposition {id} : {e}")))
}

impl StoreError {
    /// SQLite stayed busy (another writer) past the busy timeout.
    pub fn is_busy(&self) -> bool {
        matches!(self, StoreError::Sql(rusqlite::Error::SqliteFailure(e, _))
            if matches!(e.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
    }

    /// A unique constraint refused the write: for a decision, the place was
    /// taken by someone else in the meantime.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Sql(rusqlite::Error::SqliteFailure(e, _))
            if e.code == ErrorCode::ConstraintViolation)
    }
}

impl Store {
    /// `PRAGMA data_version`: changes when another connection commits.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "data_version", |r| r.get(0))?)
    }

    /// The id of the last journal line (0 when empty).
    pub fn journal_head(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT coalesce(max(id), 0) FROM journal", [], |r| r.get(0))?)
    }

    /// The proposals and messages the journal names after line `after`.
    pub fn changes_since(&self, after: i64) -> Result<Changes> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, proposal_id, message_id FROM journal WHERE id > ?1 ORDER BY id",
        )?;
        let mut rows = stmt.query([after])?;
        let mut c = Changes {
            head: after,
            ..Changes::default()
        };
        while let Some(r) = rows.next()? {
            c.head = r.get(0)?;
            if let Some(p) = r.get::<_, Option<i64>>(1)? {
                c.proposals.push(p);
            }
            if let Some(m) = r.get::<_, Option<i64>>(2)? {
                c.messages.push(m);
            }
        }
        c.proposals.sort_unstable();
        c.proposals.dedup();
        c.messages.sort_unstable();
        c.messages.dedup();
        Ok(c)
    }

    /// Streams the live proposals (or, with `only`, those ids, live or not)
    /// in id order to `f`, one light row at a time: memory stays flat
    /// however many there are. The JSON columns are read once each, in
    /// Rust, into just what a row needs.
    pub fn scan_listing(&self, only: Option<&[i64]>, mut f: impl FnMut(ListingRow)) -> Result<()> {
        let only_json = only.map(|ids| serde_json::to_string(ids).unwrap_or_else(|_| "[]".into()));
        let sql = "SELECT p.id, p.kind, p.status, p.slot, p.space, p.rank, p.version, p.revision,
                    p.superseded_by, p.message_id, p.fields, p.extra, p.warnings, p.flags,
                    coalesce(m.received_at, m.effective_at), m.from_addr, m.from_name,
                    m.subject, coalesce(p.number, p.id), p.wait_pos, p.reason,
                    n.notes, n.favorable, n.reserve, n.defavorable, n.scores, n.score_sum
             FROM proposals p JOIN messages m ON m.id = p.message_id
             LEFT JOIN (SUMMARY) n ON n.number = coalesce(p.number, p.id)
             WHERE CASE WHEN ?1 IS NULL THEN p.superseded_by IS NULL
                        ELSE p.id IN (SELECT value FROM json_each(?1)) END
             ORDER BY p.id"
            .replace("SUMMARY", super::notes::SUMMARY_SQL);
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query([only_json])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let kind: Option<String> = r.get(1)?;
            let status: String = r.get(2)?;
            let digest: FieldsDigest = parse_json(id, "champs", r.get_ref(10)?)?;
            let extra: Vec<ExtraLite> = parse_json(id, "lignes en plus", r.get_ref(11)?)?;
            let warnings: Vec<WarningLite> = parse_json(id, "avertissements", r.get_ref(12)?)?;
            let flags: Vec<String> = parse_json(id, "drapeaux", r.get_ref(13)?)?;
            let mut search_text = digest.search_text;
            for e in extra {
                search_text.push('\n');
                search_text.push_str(&e.label);
                search_text.push(' ');
                search_text.push_str(&e.value);
            }
            f(ListingRow {
                id,
                number: r.get(18)?,
                wait_pos: r.get(19)?,
                reason: r.get(20)?,
                kind: kind.as_deref().and_then(Kind::from_key),
                status: ProposalStatus::parse(&status),
                slot: r.get(3)?,
                space: r.get(4)?,
                rank: r.get(5)?,
                version: r.get(6)?,
                revision: r.get(7)?,
                superseded_by: r.get(8)?,
                message_id: r.get(9)?,
                organisation: digest.organisation,
                country: digest.country,
                cuf_member: digest.cuf_member,
                theme: digest.theme,
                preferred_slot: digest.preferred_slot,
                title: digest.title,
                search_text,
                warnings: warnings.len(),
                warned_fields: warnings.into_iter().filter_map(|w| w.field).collect(),
                flags,
                received_at: r.get(14)?,
                from_addr: r.get(15)?,
                from_name: r.get(16)?,
                subject: r.get(17)?,
                notes: {
                    let n = |i: usize| -> rusqlite::Result<u16> {
                        Ok(r.get::<_, Option<i64>>(i)?.unwrap_or(0).clamp(0, 9999) as u16)
                    };
                    super::notes::NotesSummary {
                        notes: n(21)?,
                        favorable: n(22)?,
                        reserve: n(23)?,
                        defavorable: n(24)?,
                        scores: n(25)?,
                        score_sum: n(26)?,
                    }
                },
            });
        }
        Ok(())
    }

    /// The journal of one proposal, oldest first (by its index).
    pub fn proposal_journal(&self, proposal_id: i64) -> Result<Vec<JournalEntry>> {
        super::queries::journal_entries(
            &self.conn,
            "SELECT id, at, actor, action, message_id, proposal_id, before, after FROM journal
             WHERE proposal_id = ?1 ORDER BY id",
            Some(proposal_id),
        )
    }

    /// One message with its attachments and proposal ids, read through
    /// the indexes (what the detail panes need, at any database size).
    /// An attachment by its number (`attachments.id`, the number the
    /// console shows): its record, its message and that message's raw bytes
    /// (the attachment is cut out of them by `intake::attachment_bytes`).
    pub fn attachment_source(&self, id: i64) -> Result<(AttachmentRecord, i64, Vec<u8>)> {
        let message_id: i64 = self
            .conn
            .query_row(
                "SELECT message_id FROM attachments WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StoreError::AttachmentNotFound(id))?;
        let record = self
            .message(message_id)?
            .attachments
            .into_iter()
            .find(|a| a.id == id)
            .ok_or(StoreError::AttachmentNotFound(id))?;
        Ok((record, message_id, self.raw_message(message_id)?))
    }

    /// Messages with no usable fiche (`unsupported`, `error`, `no_fiche`,
    /// `rejected`), and those whose fiche came with something not read (a
    /// limit reached, an attachment refused: their reason says what),
    /// oldest first, with their "handled" mark.
    pub fn triage_messages(&self) -> Result<Vec<TriageMessage>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.id, m.from_addr, m.from_name, m.subject, m.date, m.received_at, m.status,
                    m.reason, m.flags,
                    (SELECT count(*) FROM attachments a WHERE a.message_id = m.id),
                    (SELECT count(*) FROM proposals p WHERE p.message_id = m.id),
                    h.at, h.actor,
                    (SELECT l.id FROM letters l WHERE l.about_message = m.id
                       AND l.kind = 'docx_request' ORDER BY l.id DESC LIMIT 1),
                    (SELECT l.state FROM letters l WHERE l.about_message = m.id
                       AND l.kind = 'docx_request' ORDER BY l.id DESC LIMIT 1)
             FROM messages m LEFT JOIN message_handled h ON h.message_id = m.id
             WHERE m.status IN ('unsupported', 'error', 'no_fiche', 'rejected')
                OR (m.status = 'fiche' AND m.reason IS NOT NULL)
             ORDER BY coalesce(m.received_at, m.effective_at, m.imported_at), m.id",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let status: String = r.get(6)?;
            let flags: String = r.get(8)?;
            let at: Option<String> = r.get(11)?;
            let actor: Option<String> = r.get(12)?;
            let docx_id: Option<i64> = r.get(13)?;
            let docx_state: Option<String> = r.get(14)?;
            out.push(TriageMessage {
                id: r.get(0)?,
                from_addr: r.get(1)?,
                from_name: r.get(2)?,
                subject: r.get(3)?,
                date: r.get(4)?,
                received_at: r.get(5)?,
                status: MessageStatus::parse(&status).unwrap_or(MessageStatus::Error),
                reason: r.get(7)?,
                flags: serde_json::from_str(&flags).unwrap_or_default(),
                attachments: r.get::<_, i64>(9)?.max(0) as usize,
                proposals: r.get::<_, i64>(10)?.max(0) as usize,
                handled: at.zip(actor),
                docx_request: docx_id
                    .zip(docx_state.as_deref().and_then(super::LetterState::parse)),
            });
        }
        Ok(out)
    }

    /// Marks a message handled (or, with `false`, not handled), journaled.
    /// Returns whether anything changed.
    pub fn set_message_handled(
        &mut self,
        message_id: i64,
        handled: bool,
        actor: &str,
    ) -> Result<bool> {
        let at = now();
        let tx = self.write_tx()?;
        let exists: Option<i64> = tx
            .query_row("SELECT id FROM messages WHERE id = ?1", [message_id], |r| {
                r.get(0)
            })
            .optional()?;
        if exists.is_none() {
            return Err(StoreError::MessageNotFound(message_id));
        }
        let changed = if handled {
            tx.execute(
                "INSERT OR IGNORE INTO message_handled (message_id, at, actor) VALUES (?1, ?2, ?3)",
                params![message_id, at, actor],
            )?
        } else {
            tx.execute(
                "DELETE FROM message_handled WHERE message_id = ?1",
                [message_id],
            )?
        } > 0;
        if changed {
            journal(
                &tx,
                &at,
                Line {
                    actor,
                    action: if handled {
                        super::JournalAction::MessageHandled
                    } else {
                        super::JournalAction::MessageUnhandled
                    },
                    message_id: Some(message_id),
                    proposal_id: None,
                    before: Some(json!({ "handled": !handled })),
                    after: Some(json!({ "handled": handled })),
                },
            )?;
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Creates a proposal staff typed in from a message (its fiche was a
    /// DOC or PDF, or came in the body), linked to the message and to the
    /// sender's revision chain like an imported one, flagged
    /// `entered_by_hand`, and marks the message handled. Journaled.
    pub fn enter_proposal(
        &mut self,
        message_id: i64,
        kind: Kind,
        fields: &BTreeMap<String, Value>,
        actor: &str,
    ) -> Result<Proposal> {
        for key in fields.keys() {
            if spec::field(kind, key).is_none() {
                return Err(StoreError::UnknownField {
                    key: key.clone(),
                    kind: kind.label_fr().to_string(),
                });
            }
        }
        let at = now();
        let tx = self.write_tx()?;
        let (sha, effective, sender): (String, Option<String>, Option<String>) = tx
            .query_row(
                "SELECT sha256, coalesce(effective_at, received_at), sender_key
                 FROM messages WHERE id = ?1",
                [message_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .ok_or(StoreError::MessageNotFound(message_id))?;
        let existing: i64 = tx.query_row(
            "SELECT count(*) FROM proposals WHERE message_id = ?1",
            [message_id],
            |r| r.get(0),
        )?;
        let mut key = chain_key(
            sender.as_deref(),
            Some(kind),
            fields
                .get(crate::call::roles().organisation.as_str())
                .and_then(Value::as_text),
        );
        if let Some(k) = &key {
            let same: i64 = tx.query_row(
                "SELECT count(*) FROM proposals WHERE message_id = ?1
                   AND (chain_key = ?2 OR chain_key LIKE ?2 || '#%')",
                params![message_id, k],
                |r| r.get(0),
            )?;
            if same > 0 {
                key = Some(format!("{k}#{}", same + 1));
            }
        }
        // After the attachments' positions, so a fiche read from the
        // message itself keeps its place in the chain.
        let order_key = format!(
            "{}|{}|{:04}",
            effective.as_deref().unwrap_or(""),
            sha,
            9000 + existing
        );
        let flags = vec![FLAG_ENTERED_BY_HAND.to_string()];
        tx.execute(
            "INSERT INTO proposals (message_id, attachment_id, kind, fields, extra, warnings, flags,
                                    chain_key, order_key, revision, created_at, updated_at)
             VALUES (?1, NULL, ?2, ?3, '[]', '[]', ?4, ?5, ?6, 1, ?7, ?7)",
            params![
                message_id,
                kind.key(),
                fields_json(fields),
                strings_json(&flags),
                key,
                order_key,
                at
            ],
        )?;
        let id = tx.last_insert_rowid();
        let number = assign_number(&tx, id, key.as_deref())?;
        journal(
            &tx,
            &at,
            Line {
                actor,
                action: super::JournalAction::ProposalEntered,
                message_id: Some(message_id),
                proposal_id: Some(id),
                before: None,
                after: Some(json!({
                    "number": number,
                    "kind": kind.key(),
                    "fields": serde_json::from_str::<serde_json::Value>(&fields_json(fields))
                        .unwrap_or_default(),
                    "flags": flags,
                })),
            },
        )?;
        if let Some(key) = &key {
            link_into_chain(&tx, &at, message_id, id, key)?;
        }
        let marked = tx.execute(
            "INSERT OR IGNORE INTO message_handled (message_id, at, actor) VALUES (?1, ?2, ?3)",
            params![message_id, at, actor],
        )?;
        if marked > 0 {
            journal(
                &tx,
                &at,
                Line {
                    actor,
                    action: super::JournalAction::MessageHandled,
                    message_id: Some(message_id),
                    proposal_id: None,
                    before: Some(json!({ "handled": false })),
                    after: Some(json!({ "handled": true, "proposal": id })),
                },
            )?;
        }
        // Acknowledged like a fiche the intake read (same template, same
        // once-only rule): the sender learns its number either way.
        super::outbox::queue_acknowledgements(&tx, &at, actor, sender.as_deref(), &[id])?;
        tx.commit()?;
        self.proposal(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fiche::Warning;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("t.db")).unwrap();
        (dir, s)
    }

    fn message(n: u32, status: MessageStatus, with_fiche: bool) -> NewMessage {
        let mut fields = BTreeMap::new();
        fields.insert(
            "organisation".to_string(),
            Value::Text(format!("Ville {n}")),
        );
        fields.insert("cuf_member".to_string(), Value::Bool(true));
        fields.insert("preferred_slot".to_string(), Value::Text("14:00".into()));
        NewMessage {
            raw: format!("Subject: m{n}\r\n\r\nbody").into_bytes(),
            message_id: Some(format!("m{n}@x")),
            from_addr: Some(format!("a{n}@x.org")),
            subject: Some(format!("m{n}")),
            received_at: Some(format!("2018-05-{:02}T10:00:00Z", n % 28 + 1)),
            source_ref: format!("test:{n}"),
            status,
            attachments: vec![NewAttachment {
                part_path: "2".into(),
                filename: Some("f.docx".into()),
                content_type: None,
                size: 1,
                sha256: "x".into(),
                format: Some("DOCX".into()),
                outcome: if with_fiche {
                    AttachmentOutcome::Fiche
                } else {
                    AttachmentOutcome::UnsupportedFormat
                },
                reason: None,
                proposal: with_fiche.then(|| NewProposal {
                    kind: Some(Kind::MicroAtelier),
                    fields,
                    extra: vec![("Site".into(), "https://x".into())],
                    warnings: vec![Warning::field("country", "absent")],
                    flags: vec![],
                }),
            }],
            ..NewMessage::default()
        }
    }

    #[test]
    fn listing_changes_and_handled_marks() {
        let (_d, mut s) = store();
        s.ingest(&message(1, MessageStatus::Fiche, true)).unwrap();
        s.ingest(&message(2, MessageStatus::Unsupported, false))
            .unwrap();
        let mut rows = Vec::new();
        s.scan_listing(None, |r| rows.push(r)).unwrap();
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r.organisation.as_deref(), Some("Ville 1"));
        assert_eq!(r.cuf_member, Some(true));
        assert_eq!(r.warnings, 1);
        assert_eq!(r.warned_fields, ["country"]);
        assert!(r.search_text.contains("Ville 1") && r.search_text.contains("https://x"));
        assert_eq!(r.received_at.as_deref(), Some("2018-05-02T10:00:00Z"));

        let head = s.journal_head().unwrap();
        let tri = s.triage_messages().unwrap();
        assert_eq!(tri.len(), 1);
        assert!(tri[0].handled.is_none());
        assert!(s.set_message_handled(tri[0].id, true, "marie").unwrap());
        assert!(!s.set_message_handled(tri[0].id, true, "marie").unwrap());
        assert_eq!(
            s.triage_messages().unwrap()[0].handled.as_ref().unwrap().1,
            "marie"
        );
        let c = s.changes_since(head).unwrap();
        assert_eq!(c.messages, [tri[0].id]);
        assert!(c.proposals.is_empty());
        assert!(c.head > head);
    }

    #[test]
    fn a_fiche_entered_by_hand_is_a_linked_proposal() {
        let (_d, mut s) = store();
        s.ingest(&message(3, MessageStatus::Unsupported, false))
            .unwrap();
        let id = s.triage_messages().unwrap()[0].id;
        let mut fields = BTreeMap::new();
        fields.insert("organisation".into(), Value::Text("Ville de Pau".into()));
        let p = s
            .enter_proposal(id, Kind::MicroAtelier, &fields, "paul")
            .unwrap();
        assert_eq!(p.message_id, id);
        assert_eq!(p.flags, [FLAG_ENTERED_BY_HAND]);
        assert!(p.chain_key.is_some());
        assert!(s.triage_messages().unwrap()[0].handled.is_some());
        let j = s.journal(Some(p.id)).unwrap();
        assert_eq!(j[0].action, "proposal_entered");
        assert_eq!(j[0].actor, "paul");
        fields.insert("bogus".into(), Value::Text("x".into()));
        assert!(matches!(
            s.enter_proposal(id, Kind::MicroAtelier, &fields, "paul"),
            Err(StoreError::UnknownField { .. })
        ));
    }

    #[test]
    fn a_fiche_entered_by_hand_is_acknowledged_once_like_a_read_one() {
        use crate::domain::LetterKind;
        use crate::store::{LetterFilter, LetterState, OutboxSettings};
        let (_d, mut s) = store();
        s.set_outbox_settings(&OutboxSettings {
            acknowledge: true,
            own_addresses: vec!["rencontres@cuf.example".into()],
        })
        .unwrap();
        s.ingest(&message(3, MessageStatus::Unsupported, false))
            .unwrap();
        let id = s.triage_messages().unwrap()[0].id;
        assert!(s.letters(&LetterFilter::default()).unwrap().is_empty());
        let mut fields = BTreeMap::new();
        fields.insert("organisation".into(), Value::Text("Ville de Pau".into()));
        let p = s
            .enter_proposal(id, Kind::MicroAtelier, &fields, "paul")
            .unwrap();
        let letters = s.letters(&LetterFilter::default()).unwrap();
        assert_eq!(letters.len(), 1, "{letters:?}");
        assert_eq!(letters[0].kind, LetterKind::Acknowledgement);
        assert_eq!(letters[0].state, LetterState::Pending);
        assert_eq!(letters[0].proposal_id, Some(p.id));
        // The same sender sends the fiche again (a DOC again): entered by
        // hand, it is a new revision; still one acknowledgement to send.
        let mut again = message(3, MessageStatus::Unsupported, false);
        again.message_id = Some("m3-bis@x".into());
        again.source_ref = "test:3-bis".into();
        again.raw = b"Subject: m3 bis\r\n\r\nbody".to_vec();
        s.ingest(&again).unwrap();
        let second = s
            .triage_messages()
            .unwrap()
            .into_iter()
            .find(|m| m.id != id)
            .unwrap()
            .id;
        let p2 = s
            .enter_proposal(second, Kind::MicroAtelier, &fields, "paul")
            .unwrap();
        assert_eq!(p2.number, p.number);
        let unsent: Vec<_> = s
            .letters(&LetterFilter::default())
            .unwrap()
            .into_iter()
            .filter(|l| l.state == LetterState::Pending)
            .collect();
        assert_eq!(unsent.len(), 1, "{unsent:?}");
        assert_eq!(unsent[0].chain, letters[0].chain);
    }

    #[test]
    fn one_place_holds_one_proposal() {
        let (_d, mut s) = store();
        s.ingest(&message(4, MessageStatus::Fiche, true)).unwrap();
        s.ingest(&message(5, MessageStatus::Fiche, true)).unwrap();
        let mut rows = Vec::new();
        s.scan_listing(None, |r| rows.push(r)).unwrap();
        let rules = crate::domain::Rules::default();
        let d = Decision::Accept {
            slot: "14:00".into(),
            place: "Espace A".into(),
        };
        s.decide(rows[0].number, Some(rows[0].version), &d, &rules, "a")
            .unwrap();
        // The rules, run inside the store's transaction, refuse the second.
        let e = s
            .decide(rows[1].number, Some(rows[1].version), &d, &rules, "b")
            .unwrap_err();
        assert!(
            matches!(
                e,
                StoreError::Rule(crate::domain::DomainError::PlaceTaken { .. })
            ),
            "{e}"
        );
        assert!(e.to_string().contains("déjà attribué"), "{e}");
    }
}
