//! Queueing policy: which letter the intake (an acknowledgement) and a
//! change of decision (the letter the new state calls for, given what the
//! sender was told) put in the outbox, what a newer letter replaces or sets
//! aside "à revoir", and how an undo puts letters back. Also the demande de
//! .docx queued by staff.

use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::domain::letters::truth::{contradiction, no_letter_reason};
use crate::domain::{LetterKind, Told, decision_letter, may_acknowledge};
use crate::store::queries::load_proposal;
use crate::store::{JournalAction, Proposal, Result, Store, now};

use super::records::{
    DocxRequest, LetterParams, LetterState, UnreadFile, chain_of, corrupt, current_of, event,
    fiche_message, live_revision, settings,
};

/// Who the letter events name for what the intake and the sender do.
pub const INTAKE_ACTOR: &str = "import";

/// An unsent letter of `chain` taken out of the outbox by a change: one
/// staff edited is set aside "à revoir" (its text kept), others are
/// replaced. `replaced_by` is filled in once the new letter has its id.
/// Returns how it was retired (for an undo).
pub(super) fn retire(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    id: i64,
    why: &str,
) -> Result<RetiredLetter> {
    let (state, edited): (String, bool) = tx
        .prepare_cached(
            "SELECT state, (edit_to IS NOT NULL OR edit_cc IS NOT NULL OR edit_subject IS NOT NULL
                            OR edit_body IS NOT NULL) FROM letters WHERE id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if edited {
        tx.prepare_cached(
            "UPDATE letters SET state = 'replaced', set_aside_at = ?2, set_aside_why = ?3,
                    version = version + 1, updated_at = ?2 WHERE id = ?1",
        )?
        .execute(params![id, at, why])?;
        event(tx, at, id, actor, "set_aside", Some(json!({ "why": why })))?;
    } else {
        tx.prepare_cached(
            "UPDATE letters SET state = 'replaced', version = version + 1, updated_at = ?2 WHERE id = ?1",
        )?
        .execute(params![id, at])?;
        event(tx, at, id, actor, "replaced", Some(json!({ "why": why })))?;
    }
    Ok(RetiredLetter {
        id,
        state,
        set_aside: edited,
    })
}

/// Marks the unsent letters of `chain` that a new letter replaces: the
/// acknowledgements, and with `decision_letters_too` the decision letters.
fn retire_unsent(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    chain: &str,
    decision_letters_too: bool,
    why: &str,
) -> Result<Vec<i64>> {
    let ids: Vec<i64> = tx
        .prepare_cached(
            "SELECT id FROM letters WHERE chain = ?1 AND state IN ('pending', 'failed')
               AND (kind = 'acknowledgement' OR ?2) ORDER BY id",
        )?
        .query_map(params![chain, decision_letters_too], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in &ids {
        retire(tx, at, actor, *id, why)?;
    }
    Ok(ids)
}

fn insert_letter(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    kind: LetterKind,
    p: &Proposal,
    params: &LetterParams,
    replaces: &[i64],
) -> Result<i64> {
    let params_json = serde_json::to_string(params).unwrap_or_else(|_| "{}".into());
    tx.prepare_cached(
        "INSERT INTO letters (kind, cancellation, proposal_id, chain, params, created_at, created_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6)",
    )?
    .execute(params![
        kind.db_name(),
        kind == LetterKind::Cancellation,
        p.id,
        chain_of(p),
        params_json,
        at,
        actor
    ])?;
    let id = tx.last_insert_rowid();
    for old in replaces {
        tx.prepare_cached("UPDATE letters SET replaced_by = ?2 WHERE id = ?1")?
            .execute(params![old, id])?;
    }
    event(
        tx,
        at,
        id,
        actor,
        "queued",
        Some(
            json!({"kind": kind.as_str(), "proposal": p.id, "params": params, "replaces": replaces}),
        ),
    )?;
    Ok(id)
}

/// In the ingest transaction: an acknowledgement per new live proposal of a
/// `fiche` message, when the settings ask for them. Returns the letter ids.
/// A fiche entered by hand by staff (`actor`) gets the same, by the same rule.
pub(in crate::store) fn queue_acknowledgements(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    sender: Option<&str>,
    proposals: &[i64],
) -> Result<Vec<i64>> {
    if proposals.is_empty() {
        return Ok(Vec::new());
    }
    let s = settings(tx)?;
    if !s.acknowledge || !may_acknowledge(sender, &s.own_addresses) {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for id in proposals {
        let p = load_proposal(tx, *id)?;
        if !p.is_live() {
            // An older fiche than the one already kept: nothing to acknowledge.
            continue;
        }
        // A new version of a proposal already decided (the decision carried
        // over to it) is not acknowledged: the acknowledgement promises a
        // decision to come, which would contradict the one taken. The
        // decision letter, written from the newest version, answers it — the
        // one still to send, or the one that went out (the proposal is
        // flagged "mise à jour après décision" for staff). Likewise while a
        // decision letter waits to be sent (it says more).
        if p.status != crate::domain::Status::Pending
            || !unsent_letters(tx, &chain_of(&p), true)?.is_empty()
        {
            continue;
        }
        let replaced = retire_unsent(tx, at, actor, &chain_of(&p), false, "nouvelle fiche reçue")?;
        out.push(insert_letter(
            tx,
            at,
            actor,
            LetterKind::Acknowledgement,
            &p,
            &LetterParams::default(),
            &replaced,
        )?);
    }
    Ok(out)
}

/// What the sender of `chain` was last told by a decision letter that went
/// (or may have gone) out.
/// What the sender was told, as the rule of the next letter reads it
/// (`decision_letter`): a cancellation that said "back on the waiting
/// list" told them they wait (a waiting-list letter would repeat it); one
/// that said "to decide again" or "withdrawn" left no decision in force
/// (the next decision is written, as if nothing had been told); one that
/// gave a refusal (or an older one, without its status) counts as a refusal.
fn for_rules(told: Option<Told>, status: Option<crate::domain::Status>) -> Option<Told> {
    use crate::domain::Status;
    let t = told?;
    if t.kind != LetterKind::Cancellation {
        return Some(t);
    }
    match status {
        Some(Status::Waitlisted) => Some(Told {
            kind: LetterKind::Waitlisted,
            slot: None,
            space: None,
        }),
        Some(Status::Pending | Status::Withdrawn) => None,
        _ => Some(t),
    }
}

/// `told`, as the rule of the next letter reads it (see `for_rules`).
pub(super) fn told_for_rules(tx: &Transaction<'_>, chain: &str) -> Result<Option<Told>> {
    let status: Option<String> = tx
        .prepare_cached(
            "SELECT json_extract(params, '$.status') FROM letters
             WHERE chain = ?1 AND kind != 'acknowledgement' AND state IN ('sending', 'sent', 'uncertain')
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row([chain], |r| r.get(0))
        .optional()?
        .flatten();
    let status = status.as_deref().and_then(crate::domain::Status::parse);
    Ok(for_rules(told(tx, chain)?, status))
}

fn told(tx: &Transaction<'_>, chain: &str) -> Result<Option<Told>> {
    let row: Option<(String, bool, String)> = tx
        .prepare_cached(
            "SELECT kind, cancellation, params FROM letters
             WHERE chain = ?1 AND kind != 'acknowledgement' AND state IN ('sending', 'sent', 'uncertain')
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row([chain], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((kind, cancellation, params)) = row else {
        return Ok(None);
    };
    let kind = LetterKind::from_db(&kind, cancellation)
        .ok_or_else(|| corrupt(format!("type de lettre « {kind} »")))?;
    let params: LetterParams = serde_json::from_str(&params)
        .map_err(|e| corrupt(format!("paramètres de lettre : {e}")))?;
    Ok(Some(Told {
        kind,
        slot: params.slot,
        space: params.space,
    }))
}

/// How a change took a letter out of the outbox (recorded in the journal
/// line of the change, so that an undo can put it back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetiredLetter {
    pub id: i64,
    /// Its state before (`pending` or `failed`).
    pub state: String,
    /// Set aside "à revoir" (it was edited) rather than replaced.
    pub set_aside: bool,
}

/// What a change did to a proposal's letters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterChanges {
    /// The letter it queued (or, back to "to decide" before anything went
    /// out, the acknowledgement it put back in the outbox).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retired: Vec<RetiredLetter>,
    /// The new state calls for no letter: why (for staff).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub none: Option<String>,
}

impl LetterChanges {
    pub fn is_empty(&self) -> bool {
        self.queued.is_none() && self.retired.is_empty() && self.none.is_none()
    }
}

/// The parameters of the letter of kind `want` for the state `after`, given
/// what the sender was told.
pub(super) fn params_for(after: &Proposal, want: LetterKind, told: Option<&Told>) -> LetterParams {
    let mut params = LetterParams {
        slot: after.slot.clone(),
        space: after.space.clone(),
        rank: None,
        reason: after.reason.clone().filter(|r| !r.trim().is_empty()),
        previous_slot: None,
        previous_space: None,
        status: None,
        files: Vec::new(),
    };
    if matches!(want, LetterKind::SlotChanged | LetterKind::Cancellation) {
        params.previous_slot = told.and_then(|t| t.slot.clone());
        params.previous_space = told.and_then(|t| t.space.clone());
    }
    if want == LetterKind::Cancellation {
        params.slot = None;
        params.space = None;
        params.status = Some(after.status);
    }
    params
}

/// The unsent (pending or refused) letters of a chain: decision letters
/// (`decisions`) or acknowledgements, with their kind and parameters.
pub(super) fn unsent_letters(
    tx: &Transaction<'_>,
    chain: &str,
    decisions: bool,
) -> Result<Vec<(i64, LetterKind, LetterParams)>> {
    let rows: Vec<(i64, String, bool, String)> = tx
        .prepare_cached(
            "SELECT id, kind, cancellation, params FROM letters WHERE chain = ?1
               AND state IN ('pending', 'failed') AND (kind != 'acknowledgement') = ?2
             ORDER BY (edit_to IS NULL AND edit_cc IS NULL AND edit_subject IS NULL AND edit_body IS NULL), id",
        )?
        .query_map(params![chain, decisions], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(id, kind, cancel, params)| {
            let k = LetterKind::from_db(&kind, cancel)
                .ok_or_else(|| corrupt(format!("type « {kind} » de la lettre {id}")))?;
            let p: LetterParams = serde_json::from_str(&params)
                .map_err(|e| corrupt(format!("paramètres de la lettre {id} : {e}")))?;
            Ok((id, k, p))
        })
        .collect()
}

/// Back to "to decide" before any decision letter went out: the
/// acknowledgement, if one was queued and never went out, goes back to the
/// outbox (the sender must at least hear that the fiche arrived). Returns
/// its id.
fn restore_acknowledgement(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    chain: &str,
) -> Result<Option<i64>> {
    if !settings(tx)?.acknowledge {
        return Ok(None);
    }
    let went: i64 = tx.query_row(
        "SELECT count(*) FROM letters WHERE chain = ?1 AND kind = 'acknowledgement'
           AND state IN ('sending', 'sent', 'uncertain', 'pending', 'failed')",
        [chain],
        |r| r.get(0),
    )?;
    if went > 0 {
        return Ok(None);
    }
    let last: Option<i64> = tx
        .query_row(
            "SELECT id FROM letters WHERE chain = ?1 AND kind = 'acknowledgement' AND state = 'replaced'
             ORDER BY id DESC LIMIT 1",
            [chain],
            |r| r.get(0),
        )
        .optional()?;
    let Some(id) = last else {
        return Ok(None);
    };
    tx.prepare_cached(
        "UPDATE letters SET state = 'pending', set_aside_at = NULL, set_aside_why = NULL, replaced_by = NULL,
                version = version + 1, updated_at = ?2 WHERE id = ?1",
    )?
    .execute(params![id, at])?;
    event(
        tx,
        at,
        id,
        actor,
        "restored",
        Some(
            json!({"why": "remise « à décider » avant toute lettre de décision : l'accusé de réception repart"}),
        ),
    )?;
    Ok(Some(id))
}

/// In the transaction of a change of decision: makes the proposal's letters
/// follow the truth, so that the outbox always holds exactly the letter the
/// state calls for, or none with a reason:
/// - the letter the new state calls for, given what the sender was already
///   told (`letters::decision_letter`), is queued, unless the unsent one
///   already says it (same kind, same decision, nothing it states
///   contradicted: `letters::truth`);
/// - unsent decision letters that no longer say the truth leave the
///   outbox — set aside "à revoir" when staff had edited them, with why;
/// - an acknowledgement only goes out while the proposal is to decide and
///   no decision letter says more; back to "to decide" before any decision
///   letter went out, the acknowledgement that never went out is put back;
/// - no letter: `LetterChanges::none` says why (`letters::truth::no_letter_reason`).
pub(in crate::store) fn sync_decision_letter(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    after: &Proposal,
) -> Result<LetterChanges> {
    let chain = chain_of(after);
    let told_raw = told(tx, &chain)?;
    let told = told_for_rules(tx, &chain)?;
    let want = decision_letter(
        after.status,
        after.slot.as_deref(),
        after.space.as_deref(),
        told.as_ref(),
    );
    let params = want.map(|k| params_for(after, k, told.as_ref()));
    let now = current_of(after);
    let unsent = unsent_letters(tx, &chain, true)?;
    let says_it = |(_, k, p): &(i64, LetterKind, LetterParams)| {
        Some(*k) == want
            && params.as_ref().is_some_and(|x| x.same_decision(p))
            && contradiction(&p.stated(*k), &now).is_none()
    };
    // The one unsent letter kept: one that says it (staff's first, as
    // `unsent_letters` lists them); every other unsent one leaves.
    let keeper = if want.is_some() {
        unsent.iter().position(says_it)
    } else {
        None
    };
    let keep = keeper.is_some();
    let mut changes = LetterChanges::default();
    let mut replaced = Vec::new();
    let why = match (want, keep) {
        (_, true) => "une autre lettre dit déjà la décision".to_string(),
        (Some(_), false) => "décision changée : nouvelle lettre".to_string(),
        (None, _) => "décision changée : plus rien à annoncer".to_string(),
    };
    for (i, (id, k, p)) in unsent.iter().enumerate() {
        if Some(i) == keeper {
            continue;
        }
        let why = contradiction(&p.stated(*k), &now)
            .map(|c| format!("ne dit plus la vérité : {c}"))
            .unwrap_or_else(|| why.clone());
        changes.retired.push(retire(tx, at, actor, *id, &why)?);
        replaced.push(*id);
    }
    let acks_left = follow_acknowledgements(
        tx,
        (at, actor),
        &chain,
        want.is_some(),
        after.status,
        (&mut changes, &mut replaced),
    )?;
    match (want, params) {
        (Some(kind), Some(params)) => {
            if !keep {
                changes.queued = Some(insert_letter(
                    tx, at, actor, kind, after, &params, &replaced,
                )?);
            }
        }
        _ => {
            if after.status == crate::domain::Status::Pending
                && told_raw.is_none()
                && acks_left == 0
            {
                changes.queued = restore_acknowledgement(tx, at, actor, &chain)?;
            }
            if changes.queued.is_none() && acks_left == 0 {
                changes.none = Some(no_letter_reason(after.status, told_raw.as_ref()).to_string());
            }
        }
    }
    Ok(changes)
}

/// The acknowledgements of `chain` after a change (part of
/// `sync_decision_letter`): only while the proposal is to decide, and only
/// while no decision letter says more (`decision_letter`: one is called
/// for); one at most, the newest (it answers the newest fiche). Those that
/// leave are recorded in `changes` and, when a new letter replaces them,
/// `replaced`. Returns how many are left in the outbox.
fn follow_acknowledgements(
    tx: &Transaction<'_>,
    (at, actor): (&str, &str),
    chain: &str,
    decision_letter: bool,
    status: crate::domain::Status,
    (changes, replaced): (&mut LetterChanges, &mut Vec<i64>),
) -> Result<usize> {
    let acks = unsent_letters(tx, chain, false)?;
    if decision_letter || status != crate::domain::Status::Pending {
        let why = if decision_letter {
            "une lettre de décision en dit plus"
        } else {
            "la proposition est décidée : un accusé de réception promettrait une décision à venir"
        };
        for (id, ..) in &acks {
            changes.retired.push(retire(tx, at, actor, *id, why)?);
            replaced.push(*id);
        }
        return Ok(0);
    }
    if acks.len() > 1 {
        for (id, ..) in &acks[..acks.len() - 1] {
            changes.retired.push(retire(
                tx,
                at,
                actor,
                *id,
                "un accusé de réception plus récent le remplace",
            )?);
        }
        return Ok(1);
    }
    Ok(acks.len())
}

/// After the waiting lists changed: a waiting-list letter whose text staff
/// rewrote gives the rank of that moment; once the proposal's rank is no
/// longer that one, the letter is set aside "à revoir" (its text kept) and
/// the template letter, which states the rank of the moment it is sent,
/// takes its place. Returns the proposals whose letters changed.
pub(in crate::store) fn follow_ranks(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
) -> Result<Vec<i64>> {
    let rows: Vec<(i64, String)> = tx
        .prepare_cached(
            "SELECT proposal_id, params FROM letters WHERE state IN ('pending', 'failed')
               AND kind = 'waitlisted' AND json_extract(params, '$.rank') IS NOT NULL ORDER BY id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for (proposal_id, params) in rows {
        let params: LetterParams = serde_json::from_str(&params)
            .map_err(|e| corrupt(format!("paramètres de lettre : {e}")))?;
        let p = live_revision(tx, proposal_id)?;
        if contradiction(&params.stated(LetterKind::Waitlisted), &current_of(&p)).is_some() {
            sync_decision_letter(tx, at, actor, &p)?;
            out.push(p.number);
        }
    }
    Ok(out)
}

/// In the transaction of an undo: puts a proposal's letters back as they
/// were before the change `undone` made, when nothing that change queued
/// has gone out (then the undo sends nothing); otherwise makes them follow
/// the truth like any change. Returns what it did.
pub(in crate::store) fn revert_letters(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    after: &Proposal,
    undone: &LetterChanges,
) -> Result<LetterChanges> {
    let went = match undone.queued {
        Some(q) => {
            let state: String =
                tx.query_row("SELECT state FROM letters WHERE id = ?1", [q], |r| r.get(0))?;
            !matches!(
                state.as_str(),
                "pending" | "failed" | "replaced" | "dropped"
            )
        }
        None => false,
    };
    if went {
        return sync_decision_letter(tx, at, actor, after);
    }
    let mut changes = LetterChanges::default();
    if let Some(q) = undone.queued {
        let state: String =
            tx.query_row("SELECT state FROM letters WHERE id = ?1", [q], |r| r.get(0))?;
        if matches!(state.as_str(), "pending" | "failed") {
            changes
                .retired
                .push(retire(tx, at, actor, q, "décision annulée avant l'envoi")?);
        }
    }
    for r in &undone.retired {
        // Back only if still out of the outbox and its place there is free.
        let row: Option<(String, String, String)> = tx
            .prepare_cached("SELECT state, chain, kind FROM letters WHERE id = ?1")?
            .query_row([r.id], |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?)))
            .optional()?;
        let Some((state, chain, kind)) = row else {
            continue;
        };
        if state != "replaced" {
            continue;
        }
        let busy: i64 = tx.query_row(
            "SELECT count(*) FROM letters WHERE chain = ?1 AND state IN ('pending', 'failed')
               AND (kind = 'acknowledgement') = (?2 = 'acknowledgement')",
            params![chain, kind],
            |x| x.get(0),
        )?;
        if busy > 0 {
            continue;
        }
        tx.prepare_cached(
            "UPDATE letters SET state = ?2, set_aside_at = NULL, set_aside_why = NULL, replaced_by = NULL,
                    version = version + 1, updated_at = ?3 WHERE id = ?1",
        )?
        .execute(params![r.id, r.state, at])?;
        event(
            tx,
            at,
            r.id,
            actor,
            "restored",
            Some(json!({"why": "décision annulée"})),
        )?;
    }
    // Letters queued since by other changes (a rank that moved under an
    // edited letter…) follow the truth too.
    let more = sync_decision_letter(tx, at, actor, after)?;
    changes.retired.extend(more.retired);
    if more.queued.is_some() {
        changes.queued = more.queued;
    }
    changes.none = more.none;
    Ok(changes)
}

impl Store {
    /// Queues a demande de .docx to the sender of `message` (a message
    /// whose fiche could not be read), naming its attachments and why each
    /// could not be read. Once per message: asked again, it says which
    /// letter already asks (unless staff dropped it).
    pub fn queue_docx_request(&mut self, message: i64, actor: &str) -> Result<DocxRequest> {
        let at = now();
        let tx = self.write_tx()?;
        fiche_message(&tx, message)?;
        let already: Option<(i64, String, Option<String>)> = tx
            .prepare_cached(
                "SELECT id, state, set_aside_at FROM letters
                  WHERE kind = 'docx_request' AND about_message = ?1 AND state <> 'dropped'",
            )?
            .query_row([message], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        if let Some((id, state, _)) = already {
            let state = LetterState::parse(&state)
                .ok_or_else(|| corrupt(format!("état « {state} » de la lettre {id}")))?;
            return Ok(DocxRequest::Already(id, state));
        }
        let files: Vec<UnreadFile> = tx
            .prepare_cached(
                "SELECT filename, format, outcome FROM attachments
                  WHERE message_id = ?1 AND outcome NOT IN ('fiche', 'ignored') ORDER BY position",
            )?
            .query_map([message], |r| {
                let name: Option<String> = r.get(0)?;
                let format: Option<String> = r.get(1)?;
                let outcome: String = r.get(2)?;
                Ok(UnreadFile {
                    name: name.unwrap_or_else(|| "pièce jointe sans nom".into()),
                    why: crate::domain::unreadable_why(&outcome, format.as_deref()),
                })
            })?
            .collect::<Result<_, _>>()?;
        let params = LetterParams {
            files,
            ..LetterParams::default()
        };
        let params_json = serde_json::to_string(&params).unwrap_or_else(|_| "{}".into());
        tx.prepare_cached(
            "INSERT INTO letters (kind, proposal_id, about_message, chain, params, created_at, created_by, updated_at)
             VALUES ('docx_request', NULL, ?1, ?2, ?3, ?4, ?5, ?4)",
        )?
        .execute(params![
            message,
            format!("message:{message}"),
            params_json,
            at,
            actor
        ])?;
        let id = tx.last_insert_rowid();
        event(
            &tx,
            &at,
            id,
            actor,
            "queued",
            Some(
                json!({"kind": LetterKind::DocxRequest.as_str(), "message": message, "params": params}),
            ),
        )?;
        // In the journal too: other consoles see the message's demande.
        crate::store::ingest::journal(
            &tx,
            &at,
            crate::store::ingest::Line {
                actor,
                action: JournalAction::DocxRequested,
                message_id: Some(message),
                proposal_id: None,
                before: None,
                after: Some(json!({ "letter": id })),
            },
        )?;
        tx.commit()?;
        Ok(DocxRequest::Queued(id))
    }
}
