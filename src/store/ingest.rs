//! Storing one message in one transaction: the message and its bytes, its
//! attachments, the proposals read from them, their place in a revision chain
//! (resubmissions), the journal lines, and optionally an IMAP watermark.
//!
//! Revision chains. A proposal's chain key is `sender|kind|organisation`
//! (address lower-cased, organisation without case, accents, punctuation or
//! extra spaces). Within a chain, revisions are ordered by the message's
//! effective date, then its SHA-256, then the attachment position — never by
//! import order — so importing the same messages in any order gives the same
//! chains. A message older than the live revision slides into the history;
//! a newer one becomes the live revision and carries over any decision taken
//! on the previous one, flagged `updated_after_decision`.

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::json;
use unicode_normalization::UnicodeNormalization;

use super::journal::JournalAction;
pub(crate) use super::journal::{Line, journal};
use super::model::*;
use super::{Result, Store, now, sha256_hex};
use crate::fiche::{Kind, Value};

/// Who the journal names for changes made by the intake.
pub const IMPORT_ACTOR: &str = "import";

/// The organisation name as the resubmission rule compares it: lower case, no
/// accents, punctuation as spaces, spaces collapsed.
pub fn organisation_key(name: &str) -> String {
    let folded: String = name
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Words of an organisation's name that say what kind of body it is, not
/// which one ("Mairie de X" and "Ville de X" are the same X).
const GENERIC_WORDS: &[&str] = &[
    "ville",
    "mairie",
    "commune",
    "communaute",
    "urbaine",
    "agglomeration",
    "metropole",
    "conseil",
    "departemental",
    "departement",
    "regional",
    "region",
    "territoriale",
    "collectivite",
    "association",
    "municipalite",
    "municipalidad",
    "municipio",
    "alcaldia",
    "city",
    "town",
    "council",
    "county",
    "district",
    "province",
    "gouvernorat",
    "the",
    "des",
    "les",
    "del",
    "los",
    "las",
];

/// True when two organisation keys probably name the same body: they share
/// a word that is not generic.
pub fn same_organisation_probably(a: &str, b: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split(' ')
            .filter(|w| w.chars().count() >= 3 && !GENERIC_WORDS.contains(w))
            .map(str::to_string)
            .collect()
    };
    let wa = words(a);
    let wb = words(b);
    wa.iter().any(|w| wb.contains(w))
}

/// Words that name a commune as a body, not which one ("Mairie de Kourou",
/// "Ville de Kourou", "Commune de Kourou" and "Kourou" are one commune), in
/// the languages of the forms, as `organisation_key` writes them.
const COMMUNE_WORDS: &[&[&str]] = &[
    &["hotel", "de", "ville"],
    &["mairie"],
    &["ville"],
    &["commune"],
    &["municipalite"],
    &["city"],
    &["town"],
    &["municipality"],
    &["municipalidad"],
    &["municipio"],
    &["alcaldia"],
    &["ayuntamiento"],
    &["camara", "municipal"],
    &["prefeitura"],
    &["municipal"],
];

/// Small words that join a commune word to its name ("de", "of", "d'"…).
const LINK_WORDS: &[&str] = &[
    "de", "d", "du", "des", "la", "le", "l", "of", "the", "del", "da", "do", "dos",
];

/// The name of an organisation without the words that only say it is a
/// commune, at either end ("Mairie de Kourou", "Ville de Kourou",
/// "KOUROU (mairie)" → "kourou"), from its `organisation_key`.
pub fn organisation_core(key: &str) -> String {
    let mut words: Vec<&str> = key.split(' ').filter(|w| !w.is_empty()).collect();
    loop {
        let before = words.len();
        if let Some(p) = COMMUNE_WORDS.iter().find(|p| words.starts_with(p)) {
            words.drain(..p.len());
        }
        while words.len() > 1 && LINK_WORDS.contains(&words[0]) {
            words.remove(0);
        }
        if let Some(p) = COMMUNE_WORDS.iter().find(|p| words.ends_with(p)) {
            words.truncate(words.len() - p.len());
        }
        while words.len() > 1 && LINK_WORDS.contains(&words[words.len() - 1]) {
            words.pop();
        }
        if words.len() == before || words.is_empty() {
            break;
        }
    }
    words.join(" ")
}

/// The chain key of a fiche sent by `sender`, or `None` when it cannot be matched.
pub fn chain_key(
    sender: Option<&str>,
    kind: Option<Kind>,
    organisation: Option<&str>,
) -> Option<String> {
    let sender = sender
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())?;
    let kind = kind?;
    let org = organisation
        .map(organisation_key)
        .filter(|s| !s.is_empty())?;
    Some(format!("{sender}|{}|{org}", kind.key()))
}

pub(crate) fn fields_json(fields: &std::collections::BTreeMap<String, Value>) -> String {
    let map: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect();
    serde_json::Value::Object(map).to_string()
}

pub(crate) fn extra_json(extra: &[(String, String)]) -> String {
    serde_json::Value::Array(
        extra
            .iter()
            .map(|(l, v)| json!({"label": l, "value": v}))
            .collect(),
    )
    .to_string()
}

/// Gives the freshly inserted proposal `id` its stable number: the one of
/// its chain when the chain has one, else the next free number.
pub(super) fn assign_number(tx: &Transaction<'_>, id: i64, key: Option<&str>) -> Result<i64> {
    let existing: Option<i64> = match key {
        Some(k) => tx
            .prepare_cached(
                "SELECT number FROM proposals WHERE chain_key = ?1 AND id != ?2 AND number IS NOT NULL LIMIT 1",
            )?
            .query_row(params![k, id], |r| r.get(0))
            .optional()?,
        None => None,
    };
    let number = match existing {
        Some(n) => n,
        None => tx
            .prepare_cached("SELECT coalesce(max(number), 0) + 1 FROM proposals")?
            .query_row([], |r| r.get(0))?,
    };
    tx.prepare_cached("UPDATE proposals SET number = ?2 WHERE id = ?1")?
        .execute(params![id, number])?;
    Ok(number)
}

pub(super) fn strings_json(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// Work run inside an ingest transaction, see `Store::ingest_inner`.
pub(crate) type InTx<'a> = &'a mut dyn FnMut(&Transaction<'_>, &IngestOutcome) -> Result<()>;

/// A member of a revision chain, as far as linking needs it.
#[derive(Debug, Clone)]
struct Link {
    id: i64,
    order_key: String,
    revision: i64,
    supersedes: Option<i64>,
    superseded_by: Option<i64>,
    status: String,
    slot: Option<String>,
    space: Option<String>,
    wait_pos: Option<i64>,
    reason: Option<String>,
    version: i64,
}

impl Store {
    /// Every message whose intake was tried and did not end with its
    /// commit (source reference → tries): a try ended the process.
    pub fn intake_attempts(&self) -> Result<std::collections::HashMap<String, u32>> {
        let mut stmt = self
            .conn
            .prepare("SELECT source_ref, attempts FROM intake_attempts")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// In one transaction: one more try recorded for each of `starting`
    /// (before they are read), and the tries of `finished` forgotten (they
    /// ended without storing anything: already stored, or no reader).
    pub fn note_attempts(&mut self, starting: &[&str], finished: &[&str]) -> Result<()> {
        if starting.is_empty() && finished.is_empty() {
            return Ok(());
        }
        let at = now();
        let tx = self.write_tx()?;
        {
            let mut add = tx.prepare_cached(
                "INSERT INTO intake_attempts (source_ref, attempts, first_at, last_at)
                 VALUES (?1, 1, ?2, ?2)
                 ON CONFLICT (source_ref) DO UPDATE SET
                   attempts = attempts + 1, last_at = excluded.last_at",
            )?;
            for r in starting {
                add.execute(params![r, at])?;
            }
            let mut del = tx.prepare_cached("DELETE FROM intake_attempts WHERE source_ref = ?1")?;
            for r in finished {
                del.execute([r])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The id of a stored message with these bytes' SHA-256 or this
    /// Message-ID, if any. Cheap; lets the intake skip parsing known messages.
    pub fn find_duplicate(&self, sha256: &str, message_id: Option<&str>) -> Result<Option<i64>> {
        find_duplicate(&self.conn, sha256, message_id)
    }

    /// Stores a message, its attachments and proposals in one transaction.
    /// A message already stored (same bytes or same Message-ID) is not
    /// stored again: the outcome is `Duplicate`.
    pub fn ingest(&mut self, msg: &NewMessage) -> Result<IngestOutcome> {
        self.ingest_inner(msg, None, None)
    }

    /// Like `ingest`, and moves the IMAP watermark to `wm` in the same
    /// transaction (also when the message is a duplicate), so that a crash
    /// can never leave a message stored but not counted, or counted but not stored.
    pub fn ingest_with_watermark(
        &mut self,
        msg: &NewMessage,
        wm: &Watermark,
    ) -> Result<IngestOutcome> {
        self.ingest_inner(msg, Some(wm), None)
    }

    /// The watermark of a mailbox.
    pub fn sync_state(&self, account: &str, mailbox: &str) -> Result<Option<SyncState>> {
        Ok(self
            .conn
            .query_row(
                "SELECT account, mailbox, uidvalidity, last_uid, updated_at FROM sync_state
                 WHERE account = ?1 AND mailbox = ?2",
                params![account, mailbox],
                |r| {
                    Ok(SyncState {
                        account: r.get(0)?,
                        mailbox: r.get(1)?,
                        uidvalidity: r.get(2)?,
                        last_uid: r.get(3)?,
                        updated_at: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    /// Sets a watermark outright (e.g. after a UIDVALIDITY change, where the
    /// last UID starts again from `wm.uid`).
    pub fn set_sync_state(&mut self, wm: &Watermark) -> Result<()> {
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO sync_state (account, mailbox, uidvalidity, last_uid, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (account, mailbox) DO UPDATE SET
               uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid,
               updated_at = excluded.updated_at",
            params![wm.account, wm.mailbox, wm.uidvalidity, wm.uid, now()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The one ingest transaction. `in_tx`, when given, runs inside it once
    /// the outcome is known, just before the commit (the IMAP source records
    /// its pending post-action and its counters there).
    pub(crate) fn ingest_inner(
        &mut self,
        msg: &NewMessage,
        wm: Option<&Watermark>,
        in_tx: Option<InTx<'_>>,
    ) -> Result<IngestOutcome> {
        let sha = match &msg.sha256 {
            Some(s) => {
                debug_assert_eq!(*s, sha256_hex(&msg.raw), "NewMessage::sha256");
                s.clone()
            }
            None => sha256_hex(&msg.raw),
        };
        let at = now();
        let tx = self.write_tx()?;
        // Its intake ends here: the tries recorded before it go with it.
        tx.prepare_cached("DELETE FROM intake_attempts WHERE source_ref = ?1")?
            .execute([&msg.source_ref])?;

        let outcome = match find_duplicate(&tx, &sha, msg.message_id.as_deref())? {
            Some(existing) => IngestOutcome::Duplicate { existing },
            None => store_new_message(&tx, &at, msg, &sha)?,
        };
        if let Some(wm) = wm {
            advance_watermark(&tx, wm, &at)?;
        }
        if let Some(f) = in_tx {
            f(&tx, &outcome)?;
        }
        tx.commit()?;
        Ok(outcome)
    }
}

/// A message not seen before, in the ingest transaction: the message, its
/// attachments, a proposal per fiche (numbered, linked into its revision
/// chain), and the acknowledgements the outbox settings call for.
fn store_new_message(
    tx: &Transaction<'_>,
    at: &str,
    msg: &NewMessage,
    sha: &str,
) -> Result<IngestOutcome> {
    let sender_key = msg
        .from_addr
        .as_deref()
        .map(|a| a.trim().to_lowercase())
        .filter(|a| !a.is_empty());
    let message_id = insert_message(tx, at, msg, sha, sender_key.as_deref())?;
    let mut stored = StoredProposals::default();
    for (position, att) in msg.attachments.iter().enumerate() {
        let attachment_id = insert_attachment(tx, message_id, position, att)?;
        let Some(p) = &att.proposal else { continue };
        let key = stored.chain_key_in_message(chain_key(
            sender_key.as_deref(),
            p.kind,
            p.fields
                .get(crate::call::roles().organisation.as_str())
                .and_then(Value::as_text),
        ));
        let order_key = format!(
            "{}|{}|{:04}",
            msg.effective_at.as_deref().unwrap_or(""),
            sha,
            position
        );
        let new = NewRow {
            message_id,
            attachment_id,
            key: key.as_deref(),
            order_key: &order_key,
        };
        let id = insert_proposal(tx, at, &new, p)?;
        stored.link(tx, at, message_id, id, key.as_deref())?;
    }

    if msg.status == MessageStatus::Fiche {
        super::outbox::queue_acknowledgements(
            tx,
            at,
            super::outbox::INTAKE_ACTOR,
            sender_key.as_deref(),
            &stored.proposals,
        )?;
    }
    Ok(IngestOutcome::Stored {
        id: message_id,
        status: msg.status,
        proposals: stored.proposals,
        superseded: stored.superseded,
        revisions: stored.revisions,
    })
}

/// The message row, its raw bytes and its journal line. Returns its id.
fn insert_message(
    tx: &Transaction<'_>,
    at: &str,
    msg: &NewMessage,
    sha: &str,
    sender_key: Option<&str>,
) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO messages (sha256, message_id, from_addr, from_name, sender_key, subject, date,
                               received_at, effective_at, source_ref, size, status, reason, flags, imported_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        sha,
        msg.message_id,
        msg.from_addr,
        msg.from_name,
        sender_key,
        msg.subject,
        msg.date,
        msg.received_at,
        msg.effective_at,
        msg.source_ref,
        msg.size as i64,
        msg.status.as_str(),
        msg.reason,
        strings_json(&msg.flags),
        at,
    ])?;
    let message_id = tx.last_insert_rowid();
    tx.prepare_cached("INSERT INTO message_raw (message_id, bytes) VALUES (?1, ?2)")?
        .execute(params![message_id, msg.raw])?;
    journal(
        tx,
        at,
        Line {
            actor: IMPORT_ACTOR,
            action: JournalAction::MessageStored,
            message_id: Some(message_id),
            proposal_id: None,
            before: None,
            after: Some(json!({
                "status": msg.status.as_str(),
                "reason": msg.reason,
                "flags": msg.flags,
                "source": msg.source_ref,
                "sha256": sha,
                "message_id": msg.message_id,
            })),
        },
    )?;
    Ok(message_id)
}

/// One attachment row. Returns its id.
fn insert_attachment(
    tx: &Transaction<'_>,
    message_id: i64,
    position: usize,
    att: &NewAttachment,
) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO attachments (message_id, position, part_path, filename, content_type, size,
                                  sha256, format, outcome, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        message_id,
        position as i64,
        att.part_path,
        att.filename,
        att.content_type,
        att.size as i64,
        att.sha256,
        att.format,
        att.outcome.as_str(),
        att.reason,
    ])?;
    Ok(tx.last_insert_rowid())
}

/// Where a new proposal row comes from and where it sorts.
struct NewRow<'a> {
    message_id: i64,
    attachment_id: i64,
    /// Its revision chain (see `chain_key`), if it has one.
    key: Option<&'a str>,
    /// The order of the revisions of a chain: effective date, message,
    /// position in it.
    order_key: &'a str,
}

/// A proposal row for a fiche read from an attachment, numbered, with its
/// journal line. Returns its id.
fn insert_proposal(
    tx: &Transaction<'_>,
    at: &str,
    new: &NewRow<'_>,
    p: &NewProposal,
) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO proposals (message_id, attachment_id, kind, fields, extra, warnings, flags,
                                chain_key, order_key, revision, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10, ?10)",
    )?
    .execute(params![
        new.message_id,
        new.attachment_id,
        p.kind.map(Kind::key),
        fields_json(&p.fields),
        extra_json(&p.extra),
        serde_json::to_string(&p.warnings).unwrap_or_else(|_| "[]".into()),
        strings_json(&p.flags),
        new.key,
        new.order_key,
        at,
    ])?;
    let id = tx.last_insert_rowid();
    let number = assign_number(tx, id, new.key)?;
    journal(
        tx,
        at,
        Line {
            actor: IMPORT_ACTOR,
            action: JournalAction::ProposalCreated,
            message_id: Some(new.message_id),
            proposal_id: Some(id),
            before: None,
            after: Some(json!({
                "number": number,
                "kind": p.kind.map(Kind::key),
                "fields": serde_json::from_str::<serde_json::Value>(&fields_json(&p.fields)).unwrap_or_default(),
                "warnings": p.warnings,
                "flags": p.flags,
            })),
        },
    )?;
    Ok(id)
}

/// The proposals one message stored so far, for its outcome.
#[derive(Default)]
struct StoredProposals {
    proposals: Vec<i64>,
    /// The live revisions they replaced.
    superseded: Vec<i64>,
    /// Those that joined a chain already holding another revision.
    revisions: Vec<i64>,
    /// The chain keys seen in this message.
    keys_seen: Vec<String>,
}

impl StoredProposals {
    /// Two fiches of the same chain in one message are two proposals (two
    /// projects), never a revision of each other: the second one's chain is
    /// `key#2`, and so on.
    fn chain_key_in_message(&mut self, key: Option<String>) -> Option<String> {
        let k = key?;
        let n = self.keys_seen.iter().filter(|s| **s == k).count();
        self.keys_seen.push(k.clone());
        Some(if n > 0 { format!("{k}#{}", n + 1) } else { k })
    }

    /// Links the new proposal `id` into its chain (replacing the live
    /// revision it is newer than), refreshes the "probable version" hints,
    /// and counts it.
    fn link(
        &mut self,
        tx: &Transaction<'_>,
        at: &str,
        message_id: i64,
        id: i64,
        key: Option<&str>,
    ) -> Result<()> {
        let mut replaced = None;
        if let Some(key) = key
            && let Some(prev) = link_into_chain(tx, at, message_id, id, key)?
        {
            self.superseded.push(prev);
            replaced = Some(prev);
        }
        if let Some(key) = key {
            let in_chain: i64 = tx
                .prepare_cached("SELECT count(*) FROM proposals WHERE chain_key = ?1")?
                .query_row([key], |r| r.get(0))?;
            if in_chain > 1 {
                self.revisions.push(id);
            }
        }
        refresh_probable_versions(tx, at, message_id, id, replaced)?;
        self.proposals.push(id);
        Ok(())
    }
}

/// A live proposal as the resubmission rule sees it.
#[derive(Debug, Clone)]
struct Side {
    id: i64,
    number: i64,
    message_id: i64,
    order_key: String,
    chain: Option<String>,
    sender: Option<String>,
    /// The organisation as written, its key and its core.
    organisation: String,
    org_key: String,
    core: String,
    /// The contact address written in the fiche (not taken from the sender).
    contact: Option<String>,
}

impl Side {
    fn chain_base(&self) -> Option<&str> {
        self.chain
            .as_deref()
            .map(|k| k.split('#').next().unwrap_or(k))
    }
}

/// The live proposals of a kind as the resubmission rule sees them, or
/// (`only`) one proposal of it, live or not.
fn sides(tx: &Transaction<'_>, kind: &str, only: Option<i64>) -> Result<Vec<Side>> {
    let mut stmt = tx.prepare_cached(
        "SELECT p.id, p.number, p.message_id, p.order_key, p.chain_key,
                json_extract(p.fields, '$.organisation'), json_extract(p.fields, '$.contact_email'),
                p.flags, m.sender_key
         FROM proposals p JOIN messages m ON m.id = p.message_id
         WHERE p.kind = ?1 AND (CASE WHEN ?2 IS NULL THEN p.superseded_by IS NULL ELSE p.id = ?2 END)",
    )?;
    let rows = stmt.query_map(params![kind, only], |r| {
        let organisation: Option<String> = r.get(5).ok().flatten();
        let contact: Option<String> = r.get(6).ok().flatten();
        let flags: String = r.get(7)?;
        let org_key = organisation
            .as_deref()
            .map(organisation_key)
            .unwrap_or_default();
        Ok(Side {
            id: r.get(0)?,
            number: r.get::<_, Option<i64>>(1)?.unwrap_or_default(),
            message_id: r.get(2)?,
            order_key: r.get(3)?,
            chain: r.get(4)?,
            sender: r.get(8)?,
            core: organisation_core(&org_key),
            org_key,
            organisation: organisation.unwrap_or_default(),
            contact: contact
                .map(|c| c.trim().to_lowercase())
                .filter(|c| c.contains('@') && !flags.contains(flag::CONTACT_EMAIL_FROM_SENDER)),
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Why two live proposals of the same kind probably are versions of one
/// fiche: the same contact address written in the fiche, the same
/// organisation once "Mairie / Ville / Commune de", case, accents and
/// punctuation are left aside, or the same sender and a word of the
/// organisation's name that is not generic. `None` when they are not, or
/// when they are one chain (revisions, linked as such) or one message (two
/// projects sent together).
fn probably_one(a: &Side, b: &Side) -> Option<Vec<&'static str>> {
    if a.id == b.id || a.message_id == b.message_id {
        return None;
    }
    if a.chain_base().is_some() && a.chain_base() == b.chain_base() {
        return None;
    }
    let same_sender = a.sender.is_some() && a.sender == b.sender;
    let same_contact = a.contact.is_some() && a.contact == b.contact;
    let same_core = !a.core.is_empty() && a.core == b.core;
    let similar = same_sender
        && !a.org_key.is_empty()
        && a.org_key != b.org_key
        && same_organisation_probably(&a.org_key, &b.org_key);
    if !(same_contact || same_core || similar) {
        return None;
    }
    let mut why = Vec::new();
    if same_sender {
        why.push("même expéditeur");
    }
    if same_contact {
        why.push("même courriel de contact");
    }
    if same_core {
        why.push("même organisation");
    }
    Some(why)
}

/// The start of the warning that links a proposal to its probable older
/// version (the rest names it).
const PROBABLE_PREFIX: &str = "probable nouvelle version de n° ";

/// Keeps the « probable nouvelle version » flag true whatever the order
/// messages are imported in: a live proposal carries it when a live
/// proposal of another chain, which it probably repeats (`probably_one`),
/// comes before it in date order; its warning names the first of them.
/// Recomputed for the proposal just stored and for the live proposals it
/// (or the revision it replaced, now history) matches; a revision that
/// became history loses it (its chain's live revision carries it).
fn refresh_probable_versions(
    tx: &Transaction<'_>,
    at: &str,
    message_id: i64,
    id: i64,
    replaced: Option<i64>,
) -> Result<()> {
    let row: Option<(Option<String>, Option<i64>)> = tx
        .prepare_cached("SELECT kind, superseded_by FROM proposals WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((Some(kind), superseded_by)) = row else {
        return Ok(());
    };
    if superseded_by.is_some() {
        // Stored as an older revision: the chain's live one stands for it.
        return Ok(());
    }
    // The revision just replaced, as it was seen while live.
    let mut former: Option<Side> = None;
    if let Some(prev) = replaced {
        former = sides(tx, &kind, Some(prev))?.pop();
        set_probable(tx, at, message_id, prev, None)?;
    }
    let live = sides(tx, &kind, None)?;
    let Some(me) = live.iter().find(|s| s.id == id).cloned() else {
        return Ok(());
    };
    let mut todo: Vec<i64> = vec![me.id];
    for s in &live {
        let matches_me = probably_one(&me, s).is_some();
        let matched_former = former
            .as_ref()
            .is_some_and(|f| probably_one(f, s).is_some());
        if (matches_me || matched_former) && !todo.contains(&s.id) {
            todo.push(s.id);
        }
    }
    for x in todo {
        let Some(side) = live.iter().find(|s| s.id == x) else {
            continue;
        };
        let first_older = live
            .iter()
            .filter(|o| o.order_key < side.order_key)
            .filter_map(|o| probably_one(side, o).map(|why| (o, why)))
            .min_by(|a, b| a.0.order_key.cmp(&b.0.order_key));
        let warning = first_older.map(|(o, why)| {
            format!(
                "{PROBABLE_PREFIX}{} ({}, même type de fiche ; organisation écrite « {} ») : à relier ou à garder séparée",
                o.number,
                why.join(", "),
                o.organisation
            )
        });
        set_probable(tx, at, message_id, x, warning)?;
    }
    Ok(())
}

/// Sets (`Some(warning)`) or clears (`None`) a proposal's « probable
/// nouvelle version » flag and warning; journaled when it changes.
fn set_probable(
    tx: &Transaction<'_>,
    at: &str,
    message_id: i64,
    id: i64,
    warning: Option<String>,
) -> Result<()> {
    let (flags_json, warnings_json): (String, String) = tx
        .prepare_cached("SELECT flags, warnings FROM proposals WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut flags: Vec<String> = serde_json::from_str(&flags_json).unwrap_or_default();
    let mut warnings: Vec<crate::fiche::Warning> =
        serde_json::from_str(&warnings_json).unwrap_or_default();
    let before = warnings
        .iter()
        .find(|w| w.message.starts_with(PROBABLE_PREFIX))
        .map(|w| w.message.clone());
    if before == warning {
        return Ok(());
    }
    flags.retain(|f| f != flag::PROBABLE_NEW_VERSION);
    warnings.retain(|w| !w.message.starts_with(PROBABLE_PREFIX));
    if let Some(w) = &warning {
        flags.push(flag::PROBABLE_NEW_VERSION.to_string());
        warnings.push(crate::fiche::Warning::field(
            crate::call::roles().organisation.as_str(),
            w.clone(),
        ));
    }
    tx.prepare_cached("UPDATE proposals SET flags = ?2, warnings = ?3 WHERE id = ?1")?
        .execute(params![
            id,
            strings_json(&flags),
            serde_json::to_string(&warnings).unwrap_or_else(|_| "[]".into())
        ])?;
    journal(
        tx,
        at,
        Line {
            actor: IMPORT_ACTOR,
            action: if warning.is_some() {
                JournalAction::ProbableVersionFlagged
            } else {
                JournalAction::ProbableVersionCleared
            },
            message_id: Some(message_id),
            proposal_id: Some(id),
            before: Some(json!({ "warning": before })),
            after: Some(json!({ "warning": warning })),
        },
    )?;
    Ok(())
}

fn find_duplicate(
    conn: &rusqlite::Connection,
    sha256: &str,
    message_id: Option<&str>,
) -> Result<Option<i64>> {
    let by_sha = conn
        .prepare_cached("SELECT id FROM messages WHERE sha256 = ?1")?
        .query_row([sha256], |r| r.get(0))
        .optional()?;
    if by_sha.is_some() {
        return Ok(by_sha);
    }
    let Some(mid) = message_id else {
        return Ok(None);
    };
    Ok(conn
        .prepare_cached("SELECT id FROM messages WHERE message_id = ?1")?
        .query_row([mid], |r| r.get(0))
        .optional()?)
}

pub(crate) fn advance_watermark(tx: &Transaction<'_>, wm: &Watermark, at: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO sync_state (account, mailbox, uidvalidity, last_uid, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (account, mailbox) DO UPDATE SET
           last_uid = CASE WHEN uidvalidity = excluded.uidvalidity
                           THEN max(last_uid, excluded.last_uid) ELSE excluded.last_uid END,
           uidvalidity = excluded.uidvalidity,
           updated_at = excluded.updated_at",
    )?
    .execute(params![wm.account, wm.mailbox, wm.uidvalidity, wm.uid, at])?;
    Ok(())
}

/// Puts the freshly inserted proposal `new_id` in its chain: renumbers and
/// relinks the revisions by date order, carries a decision over to a new
/// live revision. Returns the proposal it replaced as the live one, if any.
pub(super) fn link_into_chain(
    tx: &Transaction<'_>,
    at: &str,
    message_id: i64,
    new_id: i64,
    key: &str,
) -> Result<Option<i64>> {
    let mut chain = chain_links(tx, key)?;
    if chain.len() < 2 {
        return Ok(None);
    }
    let previous_live = chain
        .iter()
        .find(|l| l.id != new_id && l.superseded_by.is_none())
        .cloned();
    chain.sort_by(|a, b| a.order_key.cmp(&b.order_key).then(a.id.cmp(&b.id)));
    relink(tx, at, message_id, new_id, &chain)?;

    let new_is_live = chain.last().is_some_and(|l| l.id == new_id);
    if !new_is_live {
        return Ok(None);
    }
    let Some(prev) = previous_live else {
        return Ok(None);
    };
    // The new live revision goes on from the chain's versions, so that an
    // edit prepared against an older one is refused as stale.
    let _ = prev.version;
    tx.prepare_cached(
        "UPDATE proposals SET version = (SELECT max(version) + 1 FROM proposals WHERE chain_key = ?2)
         WHERE id = ?1",
    )?
    .execute(params![new_id, key])?;
    let decided = prev.status != ProposalStatus::Pending.as_str()
        || prev.slot.is_some()
        || prev.space.is_some()
        || prev.wait_pos.is_some();
    if decided {
        carry_decision_over(tx, at, message_id, new_id, &prev)?;
    }
    Ok(Some(prev.id))
}

/// The revisions of chain `key`, as stored.
fn chain_links(tx: &Transaction<'_>, key: &str) -> Result<Vec<Link>> {
    Ok(tx
        .prepare_cached(
            "SELECT id, order_key, revision, supersedes, superseded_by, status, slot, space,
                    wait_pos, reason, version
             FROM proposals WHERE chain_key = ?1",
        )?
        .query_map([key], |r| {
            Ok(Link {
                id: r.get(0)?,
                order_key: r.get(1)?,
                revision: r.get(2)?,
                supersedes: r.get(3)?,
                superseded_by: r.get(4)?,
                status: r.get(5)?,
                slot: r.get(6)?,
                space: r.get(7)?,
                wait_pos: r.get(8)?,
                reason: r.get(9)?,
                version: r.get(10)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// Numbers and links the revisions of a chain (`chain`, in date order) one
/// after the other, journaling each one that moved (`new_id`, just
/// inserted, is not journaled again).
fn relink(
    tx: &Transaction<'_>,
    at: &str,
    message_id: i64,
    new_id: i64,
    chain: &[Link],
) -> Result<()> {
    let n = chain.len();
    for i in 0..n {
        let want_rev = i as i64 + 1;
        let want_sup = if i > 0 { Some(chain[i - 1].id) } else { None };
        let want_by = chain.get(i + 1).map(|l| l.id);
        let l = &chain[i];
        if l.revision == want_rev && l.supersedes == want_sup && l.superseded_by == want_by {
            continue;
        }
        if l.id == new_id {
            tx.prepare_cached("UPDATE proposals SET revision = ?2, supersedes = ?3, superseded_by = ?4 WHERE id = ?1")?
                .execute(params![l.id, want_rev, want_sup, want_by])?;
            continue;
        }
        tx.prepare_cached(
            "UPDATE proposals SET revision = ?2, supersedes = ?3, superseded_by = ?4,
                    version = version + 1, updated_at = ?5 WHERE id = ?1",
        )?
        .execute(params![l.id, want_rev, want_sup, want_by, at])?;
        let action = if l.superseded_by.is_none() && want_by.is_some() {
            JournalAction::ProposalSuperseded
        } else {
            JournalAction::RevisionRelinked
        };
        journal(
            tx,
            at,
            Line {
                actor: IMPORT_ACTOR,
                action,
                message_id: Some(message_id),
                proposal_id: Some(l.id),
                before: Some(
                    json!({"revision": l.revision, "supersedes": l.supersedes, "superseded_by": l.superseded_by}),
                ),
                after: Some(
                    json!({"revision": want_rev, "supersedes": want_sup, "superseded_by": want_by}),
                ),
            },
        )?;
    }
    Ok(())
}

/// The new live revision `new_id` of a chain takes over the decision of
/// the one it replaces (`prev`), flagged "mise à jour après décision".
fn carry_decision_over(
    tx: &Transaction<'_>,
    at: &str,
    message_id: i64,
    new_id: i64,
    prev: &Link,
) -> Result<()> {
    let flags_json: String =
        tx.query_row("SELECT flags FROM proposals WHERE id = ?1", [new_id], |r| {
            r.get(0)
        })?;
    let mut flags: Vec<String> = serde_json::from_str(&flags_json).unwrap_or_default();
    if !flags.iter().any(|f| f == flag::UPDATED_AFTER_DECISION) {
        flags.push(flag::UPDATED_AFTER_DECISION.to_string());
    }
    tx.prepare_cached(
        "UPDATE proposals SET status = ?2, slot = ?3, space = ?4, wait_pos = ?5, reason = ?6,
                    flags = ?7 WHERE id = ?1",
    )?
    .execute(params![
        new_id,
        prev.status,
        prev.slot,
        prev.space,
        prev.wait_pos,
        prev.reason,
        strings_json(&flags)
    ])?;
    journal(
        tx,
        at,
        Line {
            actor: IMPORT_ACTOR,
            action: JournalAction::DecisionCarriedOver,
            message_id: Some(message_id),
            proposal_id: Some(new_id),
            before: Some(json!({"status": "pending", "from_proposal": prev.id})),
            after: Some(
                json!({"status": prev.status, "slot": prev.slot, "space": prev.space,
                        "wait_pos": prev.wait_pos, "reason": prev.reason, "flags": flags}),
            ),
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisation_key_ignores_case_accents_spaces_punctuation() {
        assert_eq!(
            organisation_key("Ville de Saint-Étienne"),
            "ville de saint etienne"
        );
        assert_eq!(
            organisation_key("  VILLE DE SAINT ETIENNE "),
            "ville de saint etienne"
        );
        // NFD input (macOS) gives the same key.
        assert_eq!(
            organisation_key("Ville de Saint-E\u{301}tienne"),
            "ville de saint etienne"
        );
        assert_eq!(
            organisation_key("Conseil départemental de l'Isère"),
            "conseil departemental de l isere"
        );
    }

    #[test]
    fn organisations_written_differently() {
        let k = organisation_key;
        assert!(same_organisation_probably(
            &k("Mairie de Saint-Louis"),
            &k("Ville de Saint-Louis")
        ));
        assert!(same_organisation_probably(
            &k("Conseil départemental de l'Isère"),
            &k("Département de l'Isère")
        ));
        assert!(!same_organisation_probably(
            &k("Ville de Lyon"),
            &k("Ville de Dakar")
        ));
        assert!(!same_organisation_probably(
            &k("Commune de X"),
            &k("Communauté urbaine de Y")
        ));
    }

    #[test]
    fn chain_key_needs_sender_kind_and_organisation() {
        assert_eq!(
            chain_key(
                Some("Claire.Martin@Saint-Etienne.fr"),
                Some(Kind::MicroAtelier),
                Some("Ville de Saint-Étienne")
            ),
            Some("claire.martin@saint-etienne.fr|micro_atelier|ville de saint etienne".into())
        );
        assert_eq!(chain_key(None, Some(Kind::MicroAtelier), Some("X")), None);
        assert_eq!(chain_key(Some("a@b"), None, Some("X")), None);
        assert_eq!(
            chain_key(Some("a@b"), Some(Kind::MicroAtelier), Some(" - ")),
            None
        );
    }
}
