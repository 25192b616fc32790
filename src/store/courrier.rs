//! What the Courrier screen reads and writes: every message the intake
//! stored, whatever became of it, newest first, a page at a time (keyset
//! on the `messages_newest` index: the same cost at 100 or 100,000
//! messages), by status and by sender or subject; and the links staff make
//! by hand between a message and an existing proposal (by its stable
//! number), journaled with who made or removed them.

use rusqlite::{OptionalExtension, params};
use serde_json::json;

use super::ingest::{Line, journal};
use super::model::MessageStatus;
use super::{Result, Store, StoreError, now};

/// Which messages Courrier lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CourrierFilter {
    #[default]
    All,
    /// A fiche read, the first of its chain.
    Fiche,
    /// A fiche read that is a new revision of one received before.
    Revision,
    NoFiche,
    Unsupported,
    /// Refused for a safety limit (size, zip bomb, nesting…).
    Rejected,
    AutoReply,
    Error,
    /// In "À traiter" and not handled yet.
    Open,
    /// Marked handled.
    Handled,
    /// Linked by hand to a proposal.
    Linked,
}

impl CourrierFilter {
    /// Every filter, in the order the console cycles through them.
    pub const ALL: [CourrierFilter; 11] = [
        CourrierFilter::All,
        CourrierFilter::Fiche,
        CourrierFilter::Revision,
        CourrierFilter::NoFiche,
        CourrierFilter::Unsupported,
        CourrierFilter::Rejected,
        CourrierFilter::AutoReply,
        CourrierFilter::Error,
        CourrierFilter::Open,
        CourrierFilter::Handled,
        CourrierFilter::Linked,
    ];

    /// The SQL condition (constant text; nothing typed goes in it).
    fn condition(self) -> &'static str {
        match self {
            CourrierFilter::All => "1",
            CourrierFilter::Fiche => {
                "m.status = 'fiche' AND NOT EXISTS (SELECT 1 FROM proposals p
                   WHERE p.message_id = m.id AND p.revision > 1)"
            }
            CourrierFilter::Revision => {
                "m.status = 'fiche' AND EXISTS (SELECT 1 FROM proposals p
                   WHERE p.message_id = m.id AND p.revision > 1)"
            }
            CourrierFilter::NoFiche => "m.status = 'no_fiche'",
            CourrierFilter::Unsupported => "m.status = 'unsupported'",
            CourrierFilter::Rejected => "m.status = 'rejected'",
            CourrierFilter::AutoReply => "m.status = 'auto_reply'",
            CourrierFilter::Error => "m.status = 'error'",
            CourrierFilter::Open => {
                // `+m.status`: walk the newest-first index (a page is found
                // in a few hundred rows), never gather every match to sort it.
                "(+m.status IN ('unsupported', 'error', 'no_fiche', 'rejected')
                   OR (+m.status = 'fiche' AND m.reason IS NOT NULL))
                 AND NOT EXISTS (SELECT 1 FROM message_handled h WHERE h.message_id = m.id)"
            }
            CourrierFilter::Handled => {
                "EXISTS (SELECT 1 FROM message_handled h WHERE h.message_id = m.id)"
            }
            CourrierFilter::Linked => {
                "EXISTS (SELECT 1 FROM message_links l WHERE l.message_id = m.id)"
            }
        }
    }
}

/// One message as the Courrier list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourrierRow {
    pub id: i64,
    /// What the list is ordered by: receipt, else effective date, else import.
    pub sort_key: String,
    /// The Date header (sender's clock).
    pub date: Option<String>,
    pub from_addr: Option<String>,
    pub from_name: Option<String>,
    pub subject: Option<String>,
    pub status: MessageStatus,
    pub reason: Option<String>,
    /// A fiche read from it is a new revision (rév. 2 or later).
    pub revision: bool,
    /// In "À traiter" (no usable fiche, or something not read).
    pub to_triage: bool,
    /// When and by whom it was marked handled.
    pub handled: Option<(String, String)>,
    pub attachments: usize,
    /// Numbers of the proposals read from it (or entered from it by hand).
    pub proposals: Vec<i64>,
    /// Numbers of the proposals staff linked it to.
    pub links: Vec<i64>,
}

/// Where a page starts: after this row of the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageAfter {
    pub sort_key: String,
    pub id: i64,
}

/// A link between a message and a proposal number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageLink {
    pub message_id: i64,
    pub number: i64,
    pub at: String,
    pub actor: String,
}

/// A message linked by hand to a proposal, as its detail shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedMessage {
    pub message_id: i64,
    pub from_addr: Option<String>,
    pub from_name: Option<String>,
    pub subject: Option<String>,
    /// Receipt (else effective date, else import).
    pub received: String,
    pub at: String,
    pub actor: String,
}

/// What a link did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linked {
    /// The live proposal of that number (the journal line names it).
    pub proposal_id: i64,
    /// The message was in "À traiter" and is now marked handled.
    pub handled_now: bool,
}

const ORDER_KEY: &str = "coalesce(m.received_at, m.effective_at, m.imported_at)";

fn numbers(text: Option<String>) -> Vec<i64> {
    let mut v: Vec<i64> = text
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// `%text%` for LIKE, its wildcards escaped with `\`.
fn like_pattern(q: &str) -> Option<String> {
    let q = q.trim();
    if q.is_empty() {
        return None;
    }
    let mut p = String::from("%");
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    Some(p)
}

const SEARCH: &str = "(?2 IS NULL OR m.subject LIKE ?2 ESCAPE '\\'
     OR m.from_addr LIKE ?2 ESCAPE '\\' OR m.from_name LIKE ?2 ESCAPE '\\')";

impl Store {
    /// A page of messages, newest first: at most `limit`, after `after`
    /// (the last row of the previous page), of `filter`, whose sender or
    /// subject contains `query` (case-insensitive for ASCII letters).
    pub fn courrier_page(
        &self,
        filter: CourrierFilter,
        query: &str,
        after: Option<&PageAfter>,
        limit: usize,
    ) -> Result<Vec<CourrierRow>> {
        let sql = format!(
            "SELECT m.id, {ORDER_KEY}, m.date, m.from_addr, m.from_name, m.subject, m.status,
                    m.reason,
                    (SELECT count(*) FROM attachments a WHERE a.message_id = m.id),
                    (SELECT group_concat(coalesce(p.number, p.id)) FROM proposals p
                       WHERE p.message_id = m.id),
                    (SELECT max(p.revision) FROM proposals p WHERE p.message_id = m.id),
                    (SELECT group_concat(l.number) FROM message_links l WHERE l.message_id = m.id),
                    h.at, h.actor
             FROM messages m LEFT JOIN message_handled h ON h.message_id = m.id
             WHERE ({cond}) AND {SEARCH}
               AND (?1 IS NULL OR ({ORDER_KEY}, m.id) < (?1, ?3))
             ORDER BY {ORDER_KEY} DESC, m.id DESC
             LIMIT ?4",
            cond = filter.condition()
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params![
            after.map(|a| a.sort_key.as_str()),
            like_pattern(query),
            after.map_or(0, |a| a.id),
            limit as i64
        ])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let status: String = r.get(6)?;
            let status = MessageStatus::parse(&status).unwrap_or(MessageStatus::Error);
            let reason: Option<String> = r.get(7)?;
            let at: Option<String> = r.get(12)?;
            let actor: Option<String> = r.get(13)?;
            out.push(CourrierRow {
                id: r.get(0)?,
                sort_key: r.get(1)?,
                date: r.get(2)?,
                from_addr: r.get(3)?,
                from_name: r.get(4)?,
                subject: r.get(5)?,
                to_triage: matches!(
                    status,
                    MessageStatus::Unsupported
                        | MessageStatus::Error
                        | MessageStatus::NoFiche
                        | MessageStatus::Rejected
                ) || (status == MessageStatus::Fiche && reason.is_some()),
                status,
                reason,
                attachments: r.get::<_, i64>(8)?.max(0) as usize,
                proposals: numbers(r.get(9)?),
                revision: r.get::<_, Option<i64>>(10)?.unwrap_or(1) > 1,
                links: numbers(r.get(11)?),
                handled: at.zip(actor),
            });
        }
        Ok(out)
    }

    /// How many messages `courrier_page` would list in all.
    pub fn courrier_count(&self, filter: CourrierFilter, query: &str) -> Result<u64> {
        let sql = format!(
            "SELECT count(*) FROM messages m WHERE ({cond}) AND {search}",
            cond = filter.condition(),
            search = SEARCH.replace("?2", "?1")
        );
        let n: i64 = self
            .conn
            .prepare_cached(&sql)?
            .query_row([like_pattern(query)], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    /// `courrier_count`, stopping at `cap`: (count, whether it stopped).
    /// What the console shows ("5000+"): an exact count of a filter that
    /// no index serves would read every message at each keystroke.
    pub fn courrier_count_upto(
        &self,
        filter: CourrierFilter,
        query: &str,
        cap: u64,
    ) -> Result<(u64, bool)> {
        let sql = format!(
            "SELECT count(*) FROM (SELECT 1 FROM messages m WHERE ({cond}) AND {search} LIMIT ?2)",
            cond = filter.condition(),
            search = SEARCH.replace("?2", "?1")
        );
        let n: i64 = self.conn.prepare_cached(&sql)?.query_row(
            params![like_pattern(query), cap.saturating_add(1) as i64],
            |r| r.get(0),
        )?;
        let n = n.max(0) as u64;
        Ok((n.min(cap), n > cap))
    }

    /// The links of a message, by proposal number.
    pub fn message_links(&self, message_id: i64) -> Result<Vec<MessageLink>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT message_id, number, at, actor FROM message_links
             WHERE message_id = ?1 ORDER BY number",
        )?;
        let v = stmt
            .query_map([message_id], |r| {
                Ok(MessageLink {
                    message_id: r.get(0)?,
                    number: r.get(1)?,
                    at: r.get(2)?,
                    actor: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(v)
    }

    /// The messages linked by hand to proposal number `number`, oldest first.
    pub fn linked_messages(&self, number: i64) -> Result<Vec<LinkedMessage>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.id, m.from_addr, m.from_name, m.subject,
                    coalesce(m.received_at, m.effective_at, m.imported_at), l.at, l.actor
             FROM message_links l JOIN messages m ON m.id = l.message_id
             WHERE l.number = ?1 ORDER BY 5, m.id",
        )?;
        let v = stmt
            .query_map([number], |r| {
                Ok(LinkedMessage {
                    message_id: r.get(0)?,
                    from_addr: r.get(1)?,
                    from_name: r.get(2)?,
                    subject: r.get(3)?,
                    received: r.get(4)?,
                    at: r.get(5)?,
                    actor: r.get(6)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(v)
    }

    /// Links a message to the proposal of number `number` (its live
    /// revision must exist), journaled with `actor`; a message of "À
    /// traiter" not handled yet is marked handled in the same transaction.
    /// A link already there (another console made it) is refused, naming
    /// who made it.
    pub fn link_message(&mut self, message_id: i64, number: i64, actor: &str) -> Result<Linked> {
        let at = now();
        let tx = self.write_tx()?;
        let triage: bool = tx
            .query_row(
                "SELECT status IN ('unsupported', 'error', 'no_fiche', 'rejected')
                        OR (status = 'fiche' AND reason IS NOT NULL)
                 FROM messages WHERE id = ?1",
                [message_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StoreError::MessageNotFound(message_id))?;
        let proposal_id: i64 = tx
            .query_row(
                "SELECT id FROM proposals WHERE coalesce(number, id) = ?1
                   AND superseded_by IS NULL ORDER BY id DESC LIMIT 1",
                [number],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StoreError::NumberNotFound(number))?;
        let existing: Option<(String, String)> = tx
            .query_row(
                "SELECT actor, at FROM message_links WHERE message_id = ?1 AND number = ?2",
                params![message_id, number],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((by, when)) = existing {
            return Err(StoreError::LinkExists {
                message: message_id,
                number,
                by,
                at: when,
            });
        }
        tx.execute(
            "INSERT INTO message_links (message_id, number, at, actor) VALUES (?1, ?2, ?3, ?4)",
            params![message_id, number, at, actor],
        )?;
        journal(
            &tx,
            &at,
            Line {
                actor,
                action: super::JournalAction::MessageLinked,
                message_id: Some(message_id),
                proposal_id: Some(proposal_id),
                before: None,
                after: Some(json!({ "number": number })),
            },
        )?;
        let handled_now = triage
            && tx.execute(
                "INSERT OR IGNORE INTO message_handled (message_id, at, actor) VALUES (?1, ?2, ?3)",
                params![message_id, at, actor],
            )? > 0;
        if handled_now {
            journal(
                &tx,
                &at,
                Line {
                    actor,
                    action: super::JournalAction::MessageHandled,
                    message_id: Some(message_id),
                    proposal_id: None,
                    before: Some(json!({ "handled": false })),
                    after: Some(json!({ "handled": true, "linked_to": number })),
                },
            )?;
        }
        tx.commit()?;
        Ok(Linked {
            proposal_id,
            handled_now,
        })
    }

    /// Removes the link between a message and proposal number `number`,
    /// journaled with `actor`. A link that is not there (never made, or
    /// removed by another console meanwhile) is refused, naming who removed
    /// it. The message's "handled" mark is left as it is.
    /// Returns whether the message went back to « À traiter »: when the
    /// link removed was what marked it handled and no other link is left,
    /// the mark goes with it (journaled), so the message is not lost
    /// between the screens.
    pub fn unlink_message(&mut self, message_id: i64, number: i64, actor: &str) -> Result<bool> {
        let at = now();
        let tx = self.write_tx()?;
        let removed = tx.execute(
            "DELETE FROM message_links WHERE message_id = ?1 AND number = ?2",
            params![message_id, number],
        )?;
        if removed == 0 {
            return Err(missing_link(&tx, message_id, number)?);
        }
        let proposal_id: Option<i64> = tx
            .query_row(
                "SELECT id FROM proposals WHERE coalesce(number, id) = ?1
                   AND superseded_by IS NULL ORDER BY id DESC LIMIT 1",
                [number],
                |r| r.get(0),
            )
            .optional()?;
        journal(
            &tx,
            &at,
            Line {
                actor,
                action: super::JournalAction::MessageUnlinked,
                message_id: Some(message_id),
                proposal_id,
                before: Some(json!({ "number": number })),
                after: None,
            },
        )?;
        let links_left: i64 = tx.query_row(
            "SELECT count(*) FROM message_links WHERE message_id = ?1",
            [message_id],
            |r| r.get(0),
        )?;
        let handled_by_link: Option<i64> = tx
            .query_row(
                "SELECT json_extract(after, '$.linked_to') FROM journal
                 WHERE message_id = ?1 AND action IN (?2, ?3)
                 ORDER BY id DESC LIMIT 1",
                params![
                    message_id,
                    super::JournalAction::MessageHandled.as_str(),
                    super::JournalAction::MessageUnhandled.as_str()
                ],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let reopened = links_left == 0
            && handled_by_link == Some(number)
            && tx.execute(
                "DELETE FROM message_handled WHERE message_id = ?1",
                [message_id],
            )? > 0;
        if reopened {
            journal(
                &tx,
                &at,
                Line {
                    actor,
                    action: super::JournalAction::MessageUnhandled,
                    message_id: Some(message_id),
                    proposal_id: None,
                    before: Some(json!({ "handled": true })),
                    after: Some(json!({ "handled": false, "unlinked_from": number })),
                },
            )?;
        }
        tx.commit()?;
        Ok(reopened)
    }
}

/// Why there is no link between `message_id` and proposal `number` to
/// remove: no such message, or the link is gone (by whom and when, if the
/// journal says).
fn missing_link(
    tx: &rusqlite::Transaction<'_>,
    message_id: i64,
    number: i64,
) -> Result<StoreError> {
    let exists: Option<i64> = tx
        .query_row("SELECT id FROM messages WHERE id = ?1", [message_id], |r| {
            r.get(0)
        })
        .optional()?;
    if exists.is_none() {
        return Ok(StoreError::MessageNotFound(message_id));
    }
    let removed_by: Option<(String, String)> = tx
        .query_row(
            "SELECT actor, at FROM journal
             WHERE message_id = ?1 AND action = ?3
               AND json_extract(before, '$.number') = ?2
             ORDER BY id DESC LIMIT 1",
            params![
                message_id,
                number,
                super::JournalAction::MessageUnlinked.as_str()
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(StoreError::LinkMissing {
        message: message_id,
        number,
        removed_by,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::fiche::{Kind, Value};
    use crate::store::model::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("courrier.db")).unwrap();
        (dir, s)
    }

    fn message(n: u32, status: MessageStatus, with_fiche: bool) -> NewMessage {
        let mut fields = BTreeMap::new();
        fields.insert(
            "organisation".to_string(),
            Value::Text(format!("Ville {n}")),
        );
        NewMessage {
            raw: format!("Subject: m{n}\r\n\r\nbody").into_bytes(),
            message_id: Some(format!("m{n}@x")),
            from_addr: Some(format!("a{n}@x.org")),
            from_name: Some(format!("Mairie {n}")),
            subject: Some(format!("Objet {n}")),
            received_at: Some(format!("2018-05-{:02}T10:{:02}:00Z", n / 60 + 1, n % 60)),
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
                    ..NewProposal::default()
                }),
            }],
            ..NewMessage::default()
        }
    }

    fn stored(s: &mut Store, m: &NewMessage) -> (i64, Vec<i64>) {
        match s.ingest(m).unwrap() {
            IngestOutcome::Stored { id, proposals, .. } => (id, proposals),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pages_go_newest_first_without_gaps_and_filter_by_status_and_text() {
        let (_d, mut s) = store();
        let statuses = [
            MessageStatus::Fiche,
            MessageStatus::NoFiche,
            MessageStatus::AutoReply,
            MessageStatus::Unsupported,
            MessageStatus::Rejected,
            MessageStatus::Error,
        ];
        for n in 0..60u32 {
            let st = statuses[n as usize % statuses.len()];
            stored(&mut s, &message(n, st, st == MessageStatus::Fiche));
        }
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = s
                .courrier_page(CourrierFilter::All, "", after.as_ref(), 7)
                .unwrap();
            if page.is_empty() {
                break;
            }
            let last = page.last().unwrap();
            after = Some(PageAfter {
                sort_key: last.sort_key.clone(),
                id: last.id,
            });
            seen.extend(page);
        }
        assert_eq!(seen.len(), 60);
        assert!(seen.windows(2).all(|w| w[0].sort_key > w[1].sort_key));
        assert_eq!(seen[0].subject.as_deref(), Some("Objet 59"));
        assert_eq!(seen[0].attachments, 1);
        assert_eq!(s.courrier_count(CourrierFilter::All, "").unwrap(), 60);
        assert_eq!(
            s.courrier_count_upto(CourrierFilter::All, "", 50).unwrap(),
            (50, true)
        );
        assert_eq!(
            s.courrier_count_upto(CourrierFilter::All, "", 60).unwrap(),
            (60, false)
        );

        let rejected = s
            .courrier_page(CourrierFilter::Rejected, "", None, 100)
            .unwrap();
        assert_eq!(rejected.len(), 10);
        assert!(rejected.iter().all(|r| r.status == MessageStatus::Rejected));
        assert!(rejected.iter().all(|r| r.to_triage));
        assert_eq!(s.courrier_count(CourrierFilter::AutoReply, "").unwrap(), 10);
        let fiches = s
            .courrier_page(CourrierFilter::Fiche, "", None, 100)
            .unwrap();
        assert_eq!(fiches.len(), 10);
        assert!(fiches.iter().all(|r| r.proposals.len() == 1 && !r.revision));
        assert_eq!(s.courrier_count(CourrierFilter::Open, "").unwrap(), 40);

        // By sender or subject, any case; LIKE wildcards are plain text.
        let found = s
            .courrier_page(CourrierFilter::All, "mairie 1", None, 100)
            .unwrap();
        assert_eq!(found.len(), 11, "Mairie 1, 10…19");
        assert_eq!(s.courrier_count(CourrierFilter::All, "A42@X").unwrap(), 1);
        assert_eq!(s.courrier_count(CourrierFilter::All, "%").unwrap(), 0);
    }

    #[test]
    fn a_revision_is_its_own_status() {
        let (_d, mut s) = store();
        let mut first = message(1, MessageStatus::Fiche, true);
        first.from_addr = Some("same@x.org".into());
        let mut second = message(2, MessageStatus::Fiche, true);
        second.from_addr = Some("same@x.org".into());
        if let Some(p) = &mut second.attachments[0].proposal {
            p.fields
                .insert("organisation".into(), Value::Text("Ville 1".into()));
        }
        stored(&mut s, &first);
        let (id2, _) = stored(&mut s, &second);
        let revs = s
            .courrier_page(CourrierFilter::Revision, "", None, 10)
            .unwrap();
        assert_eq!(revs.iter().map(|r| r.id).collect::<Vec<_>>(), [id2]);
        assert_eq!(s.courrier_count(CourrierFilter::Fiche, "").unwrap(), 1);
    }

    #[test]
    fn links_are_journaled_mark_handled_and_refuse_what_another_console_did() {
        let (_d, mut s) = store();
        let (_, props) = stored(&mut s, &message(1, MessageStatus::Fiche, true));
        let number = s.proposal(props[0]).unwrap().number;
        let (later, _) = stored(&mut s, &message(2, MessageStatus::NoFiche, false));

        let head = s.journal_head().unwrap();
        let done = s.link_message(later, number, "marie").unwrap();
        assert_eq!(done.proposal_id, props[0]);
        assert!(
            done.handled_now,
            "an À traiter message is handled by its link"
        );
        let tri = s.triage_messages().unwrap();
        let t = tri.iter().find(|m| m.id == later).unwrap();
        assert_eq!(t.handled.as_ref().unwrap().1, "marie");
        let journal = s.journal(Some(props[0])).unwrap();
        let line = journal
            .iter()
            .find(|e| e.action == "message_linked")
            .unwrap();
        assert_eq!(line.actor, "marie");
        assert_eq!(line.message_id, Some(later));
        let ch = s.changes_since(head).unwrap();
        assert!(ch.messages.contains(&later) && ch.proposals.contains(&props[0]));

        let links = s.message_links(later).unwrap();
        assert_eq!(links.len(), 1);
        assert_eq!(
            (links[0].number, links[0].actor.as_str()),
            (number, "marie")
        );
        let linked = s.linked_messages(number).unwrap();
        assert_eq!(linked.len(), 1);
        assert_eq!(linked[0].message_id, later);
        let row = s
            .courrier_page(CourrierFilter::Linked, "", None, 10)
            .unwrap();
        assert_eq!(row.len(), 1);
        assert_eq!(row[0].links, [number]);

        // A second console links the same pair: refused, naming who.
        match s.link_message(later, number, "paul") {
            Err(e @ StoreError::LinkExists { .. }) => {
                assert!(e.to_string().contains("par marie"), "{e}")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            s.link_message(later, 999, "paul"),
            Err(StoreError::NumberNotFound(999))
        ));
        assert!(matches!(
            s.link_message(12345, number, "paul"),
            Err(StoreError::MessageNotFound(12345))
        ));

        // The link had marked it handled: removing it puts the message
        // back in À traiter (journaled), so it is not lost between screens.
        assert!(s.unlink_message(later, number, "paul").unwrap());
        let tri = s.triage_messages().unwrap();
        assert!(
            tri.iter()
                .find(|m| m.id == later)
                .unwrap()
                .handled
                .is_none()
        );
        assert!(s.message_links(later).unwrap().is_empty());
        assert!(s.linked_messages(number).unwrap().is_empty());
        let un = s.journal(Some(props[0])).unwrap();
        assert!(
            un.iter()
                .any(|e| e.action == "message_unlinked" && e.actor == "paul")
        );
        // Removed meanwhile: the other console is told who removed it.
        match s.unlink_message(later, number, "marie") {
            Err(e @ StoreError::LinkMissing { .. }) => {
                assert!(e.to_string().contains("retiré par paul"), "{e}")
            }
            other => panic!("{other:?}"),
        }
        // Still back in À traiter after the refused second unlink.
        assert!(
            s.triage_messages()
                .unwrap()
                .iter()
                .any(|m| m.id == later && m.handled.is_none())
        );
    }
}
