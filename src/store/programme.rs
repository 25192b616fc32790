//! The programme in the database: every change of a proposal's decision
//! state — a decision, a move, a swap, a step up or down the waiting
//! list, an undo, a whole suggestion — is checked by the domain rules
//! inside the write transaction (`BEGIN IMMEDIATE`: what the rules see is
//! what is in the database, whoever calls: console, CLI or daemon),
//! written with the version it was asked against, journaled with its
//! before and after, and followed by the proposal's letters in the same
//! transaction. Proposals are named by their stable number.
//!
//! Undo works from the journal: the decision lines of a proposal (all its
//! revisions) form a stack, an `undo` line takes the top off. Undoing puts
//! back exactly the state before the top line (status, slot, place, rank,
//! refusal reason) and the letters as they were if nothing went out; it is
//! refused, naming who and when, when someone else changed the proposal
//! since. Lines of one step (both sides of a swap, a whole suggestion)
//! share a `group` and are undone together.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::json;

use super::ingest::{Line, journal};
use super::outbox::{LetterChanges, follow_ranks, revert_letters, sync_decision_letter};
use super::queries::load_proposal;
use super::{JournalEntry, Proposal, Result, Store, StoreError, now};
use crate::domain::decision::{
    check_move, check_restore, check_swap, check_waitlist_step, resolve_place,
};
use crate::domain::members::member_key;
use crate::domain::suggest::{Suggestion, suggest};
use crate::domain::{
    self, Candidate, Decision, DecisionState, KindGrid, Place, Rules, Status, Transition,
    check_decision, grid,
};
use crate::fiche::Kind;
use crate::store::flag;

/// What a change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    /// The live revision after the change.
    pub proposal: Proposal,
    /// Its journal line (what the console's undo names).
    pub line: i64,
    pub letters: LetterChanges,
}

/// What an undo did: the proposals it put back (more than one for a swap
/// or a suggestion), with the line it took back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undone {
    pub proposals: Vec<Proposal>,
    /// The action taken back ("decision", "moved", "swapped"...).
    pub action: String,
}

/// What applying a suggestion did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub placed: usize,
    pub moved: usize,
    pub waitlisted: usize,
    /// The journal group (undo one of them: all go back).
    pub group: Option<String>,
}

/// Proposal `number` as the rules see it, with the candidates of its kind
/// the rules weigh it against; a proposal without a kind is read alone.
fn candidate_among_its_kind(
    conn: &rusqlite::Connection,
    rules: &Rules,
    kind: Option<Kind>,
    number: i64,
) -> Result<(Candidate, Vec<Candidate>)> {
    let all = candidates(conn, rules, kind, None)?;
    let c = match all.iter().find(|c| c.number == number) {
        Some(c) => c.clone(),
        None => candidates(conn, rules, None, Some(number))?
            .pop()
            .ok_or(StoreError::NumberNotFound(number))?,
    };
    Ok((c, all))
}

/// The live proposals as the rules see them: with `kind`, only that kind;
/// with `number`, only that one.
pub(super) fn candidates(
    conn: &rusqlite::Connection,
    rules: &Rules,
    kind: Option<Kind>,
    number: Option<i64>,
) -> Result<Vec<Candidate>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.id, p.number, p.version, p.kind, p.status, p.slot, p.space, p.wait_pos, p.reason,
                json_extract(p.fields, '$.preferred_slot'), json_extract(p.fields, '$.organisation'),
                CASE json_type(p.fields, '$.cuf_member') WHEN 'true' THEN 1 WHEN 'false' THEN 0 END,
                json_extract(p.fields, '$.theme'),
                EXISTS (SELECT 1 FROM json_each(p.flags) WHERE value = 'late'),
                coalesce(m.received_at, m.effective_at)
         FROM proposals p JOIN messages m ON m.id = p.message_id
         WHERE p.superseded_by IS NULL AND (?1 IS NULL OR p.kind = ?1)
           AND (?2 IS NULL OR p.number = ?2)
         ORDER BY p.number",
    )?;
    let mut rows = stmt.query(params![kind.map(Kind::key), number])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let kind: Option<String> = r.get(3)?;
        let status: String = r.get(4)?;
        let slot: Option<String> = r.get(5)?;
        let space: Option<String> = r.get(6)?;
        let text = |i: usize| -> rusqlite::Result<Option<String>> {
            Ok(match r.get_ref(i)? {
                rusqlite::types::ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
                _ => None,
            })
        };
        let organisation = text(10)?;
        let declared: Option<bool> = r.get::<_, Option<i64>>(11)?.map(|v| v != 0);
        let received: Option<String> = r.get(14)?;
        out.push(Candidate {
            id,
            number: r.get::<_, Option<i64>>(1)?.unwrap_or(id),
            version: r.get(2)?,
            kind: kind.as_deref().and_then(Kind::from_key),
            status: Status::parse(&status).ok_or_else(|| {
                StoreError::Corrupt(format!("statut « {status} » de la proposition {id}"))
            })?,
            place: match (slot, space) {
                (Some(slot), Some(place)) => Some(Place { slot, place }),
                _ => None,
            },
            wait_pos: r.get(7)?,
            reason: r.get(8)?,
            wanted_slot: text(9)?.filter(|s| !s.trim().is_empty()),
            member: rules
                .members
                .check(organisation.as_deref(), declared)
                .counts_as_member(),
            late: r.get(13)?,
            received_at: received.as_deref().map(received_key).unwrap_or_default(),
            organisation: organisation
                .as_deref()
                .map(member_key)
                .filter(|k| !k.is_empty()),
            theme: text(12)?.filter(|s| !s.trim().is_empty()),
        });
    }
    Ok(out)
}

/// A stored time as the priority rule compares it: RFC 3339 in UTC to the
/// second (the console's rows use the same form).
pub fn received_key(raw: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        })
        .unwrap_or_else(|_| raw.to_string())
}

/// The ranks on the waiting list of `kind` (number → rank), from its order.
pub(super) fn ranks(conn: &rusqlite::Connection, kind: Kind) -> Result<HashMap<i64, usize>> {
    Ok(wait_order(conn, kind)?
        .into_iter()
        .enumerate()
        .map(|(i, n)| (n, i + 1))
        .collect())
}

/// The waiting list of `kind`: numbers in order.
fn wait_order(conn: &rusqlite::Connection, kind: Kind) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, number, wait_pos FROM proposals
         WHERE superseded_by IS NULL AND kind = ?1 AND status = 'waitlisted'",
    )?;
    let waiting: Vec<Candidate> = stmt
        .query_map([kind.key()], |r| {
            let id: i64 = r.get(0)?;
            Ok(Candidate {
                id,
                number: r.get::<_, Option<i64>>(1)?.unwrap_or(id),
                kind: Some(kind),
                status: Status::Waitlisted,
                wait_pos: r.get(2)?,
                ..Candidate::default()
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(domain::waitlist(kind, &waiting)
        .into_iter()
        .map(|(n, _)| n)
        .collect())
}

/// The live revision of a number.
pub(super) fn live_by_number(conn: &rusqlite::Connection, number: i64) -> Result<Proposal> {
    let id: Option<i64> = conn
        .prepare_cached(
            "SELECT id FROM proposals WHERE number = ?1 AND superseded_by IS NULL ORDER BY id DESC LIMIT 1",
        )?
        .query_row([number], |r| r.get(0))
        .optional()?;
    match id {
        Some(id) => load_proposal(conn, id),
        None => Err(StoreError::NumberNotFound(number)),
    }
}

fn check_version(p: &Proposal, expected: Option<i64>) -> Result<()> {
    match expected {
        Some(v) if v != p.version => Err(StoreError::StaleVersion {
            id: p.number,
            expected: v,
            actual: p.version,
        }),
        _ => Ok(()),
    }
}

/// The journal's picture of a state: the state and its rank.
fn state_json(s: &DecisionState, rank: Option<usize>) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    v["rank"] = json!(rank);
    v
}

/// Rewrites waiting-list keys (the order does not change), journaled.
fn renumber(tx: &Transaction<'_>, at: &str, actor: &str, renum: &[(i64, i64)]) -> Result<()> {
    for (number, pos) in renum {
        let row: Option<(i64, i64, Option<i64>)> = tx
            .prepare_cached(
                "SELECT id, message_id, wait_pos FROM proposals WHERE number = ?1 AND superseded_by IS NULL",
            )?
            .query_row([number], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((id, message_id, old)) = row else {
            continue;
        };
        tx.prepare_cached("UPDATE proposals SET wait_pos = ?2 WHERE id = ?1")?
            .execute(params![id, pos])?;
        journal(
            tx,
            at,
            Line {
                actor,
                action: super::JournalAction::WaitlistRenumbered,
                message_id: Some(message_id),
                proposal_id: Some(id),
                before: Some(json!({ "wait_pos": old })),
                after: Some(json!({ "wait_pos": pos })),
            },
        )?;
    }
    Ok(())
}

/// Writes a state on a live revision (the place first cleared when
/// `clear_first`, for swaps), clears `updated_after_decision` (staff have
/// seen it) and bumps the version.
fn write_state(tx: &Transaction<'_>, at: &str, p: &Proposal, s: &DecisionState) -> Result<()> {
    let flags: Vec<&String> = p
        .flags
        .iter()
        .filter(|f| *f != flag::UPDATED_AFTER_DECISION)
        .collect();
    tx.prepare_cached(
        "UPDATE proposals SET status = ?2, slot = ?3, space = ?4, wait_pos = ?5, reason = ?6, flags = ?7,
                version = version + 1, updated_at = ?8 WHERE id = ?1",
    )?
    .execute(params![
        p.id,
        s.status.as_str(),
        s.slot,
        s.space,
        s.wait_pos,
        s.reason,
        serde_json::to_string(&flags).unwrap_or_else(|_| "[]".into()),
        at
    ])?;
    Ok(())
}

/// One change to write: the proposal, its new state, its journal extras.
struct Change<'a> {
    p: &'a Proposal,
    state: DecisionState,
    extra: serde_json::Value,
}

/// Writes changes made as one step (places cleared first so that a swap or
/// a rotation never meets the one-proposal-per-place index half way),
/// journals each with `action` (and a shared group when there are
/// several), then lets the letters follow. Returns (proposal after, line,
/// letters) per change.
fn apply(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    action: super::JournalAction,
    changes: Vec<Change<'_>>,
    undone_letters: Option<&HashMap<i64, LetterChanges>>,
) -> Result<Vec<Decided>> {
    let next_line: i64 = tx.query_row("SELECT coalesce(max(id), 0) + 1 FROM journal", [], |r| {
        r.get(0)
    })?;
    // A suggestion is one step even when it changes one proposal.
    let group = (changes.len() > 1 || action == super::JournalAction::Suggestion)
        .then(|| format!("{action}-{next_line}"));
    let orders_before: HashMap<Kind, Vec<i64>> = Kind::all()
        .into_iter()
        .map(|k| Ok((k, wait_order(tx, k)?)))
        .collect::<Result<_>>()?;
    if changes.len() > 1 {
        for c in &changes {
            if c.p.status == Status::Accepted {
                tx.prepare_cached("UPDATE proposals SET slot = NULL, space = NULL WHERE id = ?1")?
                    .execute([c.p.id])?;
            }
        }
    }
    for c in &changes {
        write_state(tx, at, c.p, &c.state)?;
    }
    let mut out = Vec::new();
    for c in changes {
        let after = load_proposal(tx, c.p.id)?;
        let letters = match undone_letters.and_then(|m| m.get(&after.number)) {
            Some(undone) => revert_letters(tx, at, actor, &after, undone)?,
            None => sync_decision_letter(tx, at, actor, &after)?,
        };
        // Where it stood on its waiting list: its rank, and its neighbours
        // (an undo puts it back between them: the relative order it had).
        let order = c.p.kind.and_then(|k| orders_before.get(&k));
        let at_index = order.and_then(|o| o.iter().position(|n| *n == c.p.number));
        let rank_before = at_index.map(|i| i + 1);
        let mut before_json = state_json(&c.p.state(), rank_before);
        if let (Some(order), Some(i)) = (order, at_index) {
            before_json["wait_prev"] = json!(i.checked_sub(1).and_then(|j| order.get(j)));
            before_json["wait_next"] = json!(order.get(i + 1));
        }
        let mut after_json = state_json(&after.state(), after.rank.map(|r| r as usize));
        if let (Some(obj), Some(extra)) = (after_json.as_object_mut(), c.extra.as_object()) {
            for (k, v) in extra {
                obj.insert(k.clone(), v.clone());
            }
        }
        if let Some(g) = &group {
            after_json["group"] = json!(g);
        }
        if !letters.is_empty() {
            after_json["letters"] = serde_json::to_value(&letters).unwrap_or_default();
        }
        journal(
            tx,
            at,
            Line {
                actor,
                action,
                message_id: Some(after.message_id),
                proposal_id: Some(after.id),
                before: Some(before_json),
                after: Some(after_json),
            },
        )?;
        let line = tx.last_insert_rowid();
        out.push(Decided {
            proposal: after,
            line,
            letters,
        });
    }
    // The waiting lists may have moved under letters whose text staff
    // rewrote with a rank: those no longer true are set aside.
    follow_ranks(tx, at, actor)?;
    Ok(out)
}

/// The decision lines of a proposal (all its revisions), oldest first.
fn decision_lines(conn: &rusqlite::Connection, number: i64) -> Result<Vec<JournalEntry>> {
    let all = super::queries::journal_entries(
        conn,
        "SELECT id, at, actor, action, message_id, proposal_id, before, after FROM journal
         WHERE proposal_id IN (SELECT id FROM proposals WHERE number = ?1) ORDER BY id",
        Some(number),
    )?;
    Ok(all
        .into_iter()
        .filter(|e| {
            super::JournalAction::parse(&e.action).is_some_and(super::JournalAction::is_decision)
        })
        .collect())
}

/// The undo stack of a proposal: its decision lines not taken back, oldest first.
pub(super) fn undo_stack(conn: &rusqlite::Connection, number: i64) -> Result<Vec<JournalEntry>> {
    let mut stack: Vec<JournalEntry> = Vec::new();
    for e in decision_lines(conn, number)? {
        if e.action == super::JournalAction::Undo.as_str() {
            let undone = e.after.as_ref().and_then(|a| a["undoes"].as_i64());
            if let Some(pos) = stack.iter().rposition(|x| Some(x.id) == undone) {
                stack.truncate(pos);
            }
        } else {
            stack.push(e);
        }
    }
    Ok(stack)
}
/// One proposal of a step to take back: its live revision, its state and
/// waiting-list spot before the step, what the step did to its letters,
/// and the line taken back.
type UndoMember = (Proposal, DecisionState, WaitSpot, LetterChanges, i64);

/// The proposals of the step `lines` (see `Store::undo`), each checked:
/// that line is still its last change, and it is still in the state the
/// line left.
fn undo_members(tx: &Transaction<'_>, lines: &[JournalEntry]) -> Result<Vec<UndoMember>> {
    let mut members = Vec::new();
    for line in lines {
        let pid = line.proposal_id.unwrap_or_default();
        let n: i64 = tx.query_row(
            "SELECT coalesce(number, id) FROM proposals WHERE id = ?1",
            [pid],
            |r| r.get(0),
        )?;
        let stack_n = undo_stack(tx, n)?;
        if stack_n.last().map(|e| e.id) != Some(line.id) {
            let newer = stack_n.last().map(who_when).unwrap_or_default();
            return Err(StoreError::UndoRefused(format!(
                "la proposition n° {n}, changée dans le même pas, a été modifiée depuis par {newer} : annulation refusée"
            )));
        }
        let p = live_by_number(tx, n)?;
        let after = parse_state(line.after.as_ref(), line.id)?;
        if !same_state(&p.state(), &after) {
            return Err(StoreError::UndoRefused(format!(
                "la proposition n° {n} n'est plus dans l'état laissé par cette décision ({} au lieu de {}) : annulation refusée",
                p.state().describe_fr(),
                after.describe_fr()
            )));
        }
        let before = parse_state(line.before.as_ref(), line.id)?;
        let field = |k: &str| line.before.as_ref().and_then(|b| b[k].as_i64());
        let spot = WaitSpot {
            rank: field("rank").map(|r| r as usize),
            prev: field("wait_prev"),
            next: field("wait_next"),
        };
        let letters: LetterChanges = line
            .after
            .as_ref()
            .and_then(|a| serde_json::from_value(a["letters"].clone()).ok())
            .unwrap_or_default();
        members.push((p, before, spot, letters, line.id));
    }
    Ok(members)
}

/// A proposal an undo puts back on a waiting list goes back where it stood
/// (`spot`) among those waiting now (`working`), or, for a line from
/// before ranks were journaled, at its old key; `state` gets its key, the
/// others moved for it are added to `renum_all`.
fn back_on_waitlist(
    c: &Candidate,
    before: &DecisionState,
    spot: &WaitSpot,
    state: &mut DecisionState,
    working: &mut Vec<Candidate>,
    renum_all: &mut Vec<(i64, i64)>,
) {
    let known = spot.rank.is_some() || spot.prev.is_some() || spot.next.is_some();
    if before.status == Status::Waitlisted
        && !known
        && let Some(key) = state.wait_pos
    {
        // A line from before ranks were journaled: its old key.
        working.push(Candidate {
            status: Status::Waitlisted,
            wait_pos: Some(key),
            place: None,
            ..c.clone()
        });
    } else if before.status == Status::Waitlisted
        && let Some(kind) = c.kind
    {
        let list = domain::waitlist::in_order(kind, working);
        let index = spot.index_in(&list);
        let (key, renum) = domain::waitlist::key_at(&list, index);
        for o in working.iter_mut() {
            if let Some((_, k)) = renum.iter().find(|(n, _)| *n == o.number) {
                o.wait_pos = Some(*k);
            }
        }
        renum_all.extend(renum);
        state.wait_pos = Some(key);
        working.push(Candidate {
            status: Status::Waitlisted,
            wait_pos: Some(key),
            place: None,
            ..c.clone()
        });
    }
}
/// The places of a suggestion, checked once every mover has left its place:
/// a change per proposal placed or moved (`proposals`: their live
/// revisions, in the plan's order). Returns (placed, moved).
fn suggested_places<'a>(
    rules: &Rules,
    plan: &Suggestion,
    proposals: &'a [Proposal],
    all: &[Candidate],
    changes: &mut Vec<Change<'a>>,
) -> Result<(usize, usize)> {
    let (mut placed, mut moved) = (0, 0);
    let movers: Vec<i64> = plan
        .changes
        .iter()
        .filter(|c| c.to.is_some())
        .map(|c| c.number)
        .collect();
    for (ch, p) in plan.changes.iter().zip(proposals) {
        let Some(to) = &ch.to else { continue };
        let c = all
            .iter()
            .find(|c| c.number == ch.number)
            .cloned()
            .ok_or(StoreError::SuggestionStale(ch.number))?;
        let target = DecisionState {
            status: Status::Accepted,
            slot: Some(to.slot.clone()),
            space: Some(to.place.clone()),
            wait_pos: None,
            reason: None,
        };
        let t = check_restore(rules, &c, &target, all, &movers)?;
        if ch.from_status == Status::Accepted {
            moved += 1;
        } else {
            placed += 1;
        }
        changes.push(Change {
            p,
            state: t.state,
            extra: json!({}),
        });
    }
    Ok((placed, moved))
}

/// The waiting list of a suggestion, in priority order, once its places
/// are taken (`all`, updated as it goes): a change per proposal
/// waitlisted. Returns how many, and the renumbering of those already
/// waiting.
fn suggested_waitlist<'a>(
    rules: &Rules,
    plan: &Suggestion,
    proposals: &'a [Proposal],
    all: &mut [Candidate],
    changes: &mut Vec<Change<'a>>,
) -> Result<(usize, Vec<(i64, i64)>)> {
    let mut waitlisted = 0;
    let mut renum_all = Vec::new();
    for number in plan.plans.iter().flat_map(|p| &p.waitlisted) {
        let Some(i) = plan
            .changes
            .iter()
            .position(|c| c.number == *number && c.to.is_none())
        else {
            continue;
        };
        let c = all
            .iter()
            .find(|c| c.number == *number)
            .cloned()
            .ok_or(StoreError::SuggestionStale(*number))?;
        let t = check_decision(rules, &c, &Decision::Waitlist, all)?;
        renum_all.extend(t.renumber.iter().copied());
        if !t.renumber.is_empty() {
            for o in all.iter_mut() {
                if let Some((_, k)) = t.renumber.iter().find(|(n, _)| *n == o.number) {
                    o.wait_pos = Some(*k);
                }
            }
        }
        if let Some(o) = all.iter_mut().find(|o| o.number == *number) {
            o.status = Status::Waitlisted;
            o.wait_pos = t.state.wait_pos;
        }
        waitlisted += 1;
        changes.push(Change {
            p: &proposals[i],
            state: t.state,
            extra: json!({}),
        });
    }
    Ok((waitlisted, renum_all))
}

fn parse_state(v: Option<&serde_json::Value>, line: i64) -> Result<DecisionState> {
    v.and_then(|v| serde_json::from_value(v.clone()).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("ligne {line} du journal : état illisible")))
}

/// "paul le 12/06 à 14:03 (déplacée)".
fn who_when(e: &JournalEntry) -> String {
    let when = chrono::DateTime::parse_from_rfc3339(&e.at)
        .map(|t| {
            t.with_timezone(&chrono_tz::Europe::Paris)
                .format("le %d/%m à %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| e.at.clone());
    let what = match super::JournalAction::parse(&e.action) {
        Some(super::JournalAction::Moved) => "déplacée",
        Some(super::JournalAction::Swapped) => "échangée",
        Some(super::JournalAction::WaitlistMoved) => "déplacée dans la liste d'attente",
        Some(super::JournalAction::Suggestion) => "placée par une suggestion appliquée",
        Some(super::JournalAction::Undo) => "annulation",
        _ => {
            let status = e
                .after
                .as_ref()
                .and_then(|a| a["status"].as_str())
                .and_then(Status::parse);
            status.map_or("décision", domain::status_fr)
        }
    };
    format!("{} {when} ({what})", crate::safe::terminal_line(&e.actor))
}

/// The line an undo of `number` by `actor` takes back: the top of its
/// stack, refused when there is none, when it is not the line the caller
/// means (`expected_line`: someone changed the proposal since it was
/// shown), or when it is someone else's.
fn undo_top(
    conn: &rusqlite::Connection,
    number: i64,
    expected_line: Option<i64>,
    actor: &str,
) -> Result<JournalEntry> {
    let stack = undo_stack(conn, number)?;
    let Some(top) = stack.last().cloned() else {
        // A number no proposal has is told as such, as `decide` does.
        live_by_number(conn, number)?;
        return Err(StoreError::UndoRefused(format!(
            "rien à annuler pour la proposition n° {number} : aucune décision à annuler (la dernière a peut-être déjà été annulée)"
        )));
    };
    if expected_line.is_some_and(|line| line != top.id) {
        return Err(StoreError::UndoRefused(format!(
            "la proposition n° {number} a été modifiée depuis par {} : annulation refusée ; décider à nouveau si besoin",
            who_when(&top)
        )));
    }
    if top.actor != actor {
        return Err(StoreError::UndoRefused(format!(
            "la dernière décision sur la proposition n° {number} a été prise par {} : seule cette personne peut l'annuler ; décider à nouveau si besoin",
            who_when(&top)
        )));
    }
    Ok(top)
}

/// What an undo of a proposal would take back, for staff to confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoPreview {
    pub number: i64,
    /// The journal line it would take back (to pass to `Store::undo`).
    pub line: i64,
    /// "marie le 12/06 à 14:03 (retenue)".
    pub by: String,
    /// The state now, and the state it goes back to.
    pub now: DecisionState,
    pub back_to: DecisionState,
    /// Other proposals changed in the same step, taken back together.
    pub with: Vec<i64>,
}

/// Where a proposal stood on its waiting list before a change (from the
/// change's journal line): its rank and its neighbours.
#[derive(Debug, Clone, Copy, Default)]
struct WaitSpot {
    rank: Option<usize>,
    prev: Option<i64>,
    next: Option<i64>,
}

impl WaitSpot {
    /// Where it goes back in `list` (the entries waiting now, in order):
    /// right after the entry that was just ahead of it if that one still
    /// waits; first if it was first; else right before the one that was
    /// just behind it if that one still waits; last if it was last; else
    /// at its rank (and for lines written before neighbours were
    /// journaled).
    fn index_in(&self, list: &[&Candidate]) -> usize {
        let pos = |n: i64| list.iter().position(|o| o.number == n);
        let by_rank = || {
            self.rank
                .map_or(list.len(), |r| r.saturating_sub(1).min(list.len()))
        };
        if self.rank.is_some() && self.prev.is_none() {
            return 0;
        }
        if let Some(i) = self.prev.and_then(pos) {
            return i + 1;
        }
        match self.next {
            Some(q) => pos(q).unwrap_or_else(by_rank),
            None if self.rank.is_some() => list.len(),
            None => by_rank(),
        }
    }
}

/// Same status, place and reason (the waiting-list key may have been
/// renumbered; the rank is put back, see `undo`).
fn same_state(a: &DecisionState, b: &DecisionState) -> bool {
    a.status == b.status && a.slot == b.slot && a.space == b.space && a.reason == b.reason
}

impl Store {
    /// The live proposals as the selection rules see them.
    pub fn candidates(&self, rules: &Rules) -> Result<Vec<Candidate>> {
        candidates(&self.conn, rules, None, None)
    }

    /// The programme of both kinds as everyone reads it.
    pub fn programme(&self, rules: &Rules) -> Result<Vec<(Kind, KindGrid)>> {
        let all = self.candidates(rules)?;
        Ok(Kind::all()
            .into_iter()
            .map(|k| (k, grid(&rules.layout, k, &all)))
            .collect())
    }

    /// Records `decision` on proposal `number`, checked by the rules against
    /// what the database holds, refused when the proposal changed since
    /// `expected_version` (when given).
    pub fn decide(
        &mut self,
        number: i64,
        expected_version: Option<i64>,
        decision: &Decision,
        rules: &Rules,
        actor: &str,
    ) -> Result<Decided> {
        let at = now();
        let tx = self.write_tx()?;
        let p = live_by_number(&tx, number)?;
        check_version(&p, expected_version)?;
        let (c, all) = candidate_among_its_kind(&tx, rules, p.kind, number)?;
        let t = check_decision(rules, &c, decision, &all)?;
        let action = match (decision, c.status) {
            (Decision::Accept { .. }, Status::Accepted) => super::JournalAction::Moved,
            _ => super::JournalAction::Decision,
        };
        let done = self::apply_one(&tx, &at, actor, action, &p, t)?;
        tx.commit()?;
        Ok(done)
    }

    /// Accepts proposal `number` at a place found inside the transaction
    /// from an optional slot and place (`domain::decision::resolve_place`:
    /// by default the wanted slot's first free place): `fiches decide N accept`.
    pub fn accept(
        &mut self,
        number: i64,
        expected_version: Option<i64>,
        slot: Option<&str>,
        place: Option<&str>,
        rules: &Rules,
        actor: &str,
    ) -> Result<Decided> {
        let at = now();
        let tx = self.write_tx()?;
        let p = live_by_number(&tx, number)?;
        check_version(&p, expected_version)?;
        let (c, all) = candidate_among_its_kind(&tx, rules, p.kind, number)?;
        let to = resolve_place(rules, &c, &all, slot, place)?;
        let decision = Decision::Accept {
            slot: to.slot,
            place: to.place,
        };
        let t = check_decision(rules, &c, &decision, &all)?;
        let action = if c.status == Status::Accepted {
            super::JournalAction::Moved
        } else {
            super::JournalAction::Decision
        };
        let done = apply_one(&tx, &at, actor, action, &p, t)?;
        tx.commit()?;
        Ok(done)
    }

    /// Moves an accepted proposal to another, free, place.
    pub fn move_to(
        &mut self,
        number: i64,
        expected_version: Option<i64>,
        to: &Place,
        rules: &Rules,
        actor: &str,
    ) -> Result<Decided> {
        let at = now();
        let tx = self.write_tx()?;
        let p = live_by_number(&tx, number)?;
        check_version(&p, expected_version)?;
        let all = candidates(&tx, rules, p.kind, None)?;
        let c = all
            .iter()
            .find(|c| c.number == number)
            .cloned()
            .ok_or(domain::DomainError::NotAccepted(number))?;
        let t = check_move(rules, &c, to, &all)?;
        let done = apply_one(&tx, &at, actor, super::JournalAction::Moved, &p, t)?;
        tx.commit()?;
        Ok(done)
    }

    /// Swaps the places of two accepted proposals of one kind (also when
    /// the grid is full), as one step.
    #[allow(
        clippy::expect_used,
        reason = "`apply` returns one result per change it is given"
    )]
    pub fn swap(
        &mut self,
        a: i64,
        b: i64,
        expected: (Option<i64>, Option<i64>),
        rules: &Rules,
        actor: &str,
    ) -> Result<(Decided, Decided)> {
        let at = now();
        let tx = self.write_tx()?;
        let pa = live_by_number(&tx, a)?;
        let pb = live_by_number(&tx, b)?;
        check_version(&pa, expected.0)?;
        check_version(&pb, expected.1)?;
        let all = candidates(&tx, rules, None, None)?;
        let find = |n: i64| {
            all.iter()
                .find(|c| c.number == n)
                .ok_or(domain::DomainError::NotAccepted(n))
        };
        let (sa, sb) = check_swap(find(a)?, find(b)?)?;
        let mut done = apply(
            &tx,
            &at,
            actor,
            super::JournalAction::Swapped,
            vec![
                Change {
                    p: &pa,
                    state: sa,
                    extra: json!({ "with": b }),
                },
                Change {
                    p: &pb,
                    state: sb,
                    extra: json!({ "with": a }),
                },
            ],
            None,
        )?;
        tx.commit()?;
        let second = done.pop().expect("two changes");
        let first = done.pop().expect("two changes");
        Ok((first, second))
    }

    /// Moves a waiting proposal one step up (`up`) or down its list.
    pub fn waitlist_step(
        &mut self,
        number: i64,
        expected_version: Option<i64>,
        up: bool,
        rules: &Rules,
        actor: &str,
    ) -> Result<Decided> {
        let at = now();
        let tx = self.write_tx()?;
        let p = live_by_number(&tx, number)?;
        check_version(&p, expected_version)?;
        let all = candidates(&tx, rules, p.kind, None)?;
        let c = all
            .iter()
            .find(|c| c.number == number)
            .cloned()
            .ok_or(domain::DomainError::NotWaitlisted(number))?;
        let t = check_waitlist_step(&c, up, &all)?;
        let done = apply_one(&tx, &at, actor, super::JournalAction::WaitlistMoved, &p, t)?;
        tx.commit()?;
        Ok(done)
    }

    /// The decision lines of a proposal an undo would take back, newest last.
    pub fn undo_stack(&self, number: i64) -> Result<Vec<JournalEntry>> {
        undo_stack(&self.conn, number)
    }

    /// What `undo(number)` by `actor` would take back now (refused, with
    /// why, when it would be refused): the console asks staff to confirm it.
    pub fn undo_preview(&self, number: i64, actor: &str) -> Result<UndoPreview> {
        let top = undo_top(&self.conn, number, None, actor)?;
        let now = live_by_number(&self.conn, number)?.state();
        let back_to = parse_state(top.before.as_ref(), top.id)?;
        let with = match top.after.as_ref().and_then(|a| a["group"].as_str()) {
            None => Vec::new(),
            Some(_) => {
                let lines = super::queries::journal_entries(
                    &self.conn,
                    "SELECT id, at, actor, action, message_id, proposal_id, before, after FROM journal
                     WHERE json_extract(after, '$.group') = (SELECT json_extract(after, '$.group') FROM journal WHERE id = ?1)
                       AND action != 'undo' ORDER BY id",
                    Some(top.id),
                )?;
                let mut v = Vec::new();
                for l in lines {
                    let n: i64 = self.conn.query_row(
                        "SELECT coalesce(number, id) FROM proposals WHERE id = ?1",
                        [l.proposal_id.unwrap_or_default()],
                        |r| r.get(0),
                    )?;
                    if n != number && !v.contains(&n) {
                        v.push(n);
                    }
                }
                v
            }
        };
        Ok(UndoPreview {
            number,
            line: top.id,
            by: who_when(&top),
            now,
            back_to,
            with,
        })
    }

    /// Takes back the last change of proposal `number` (with all the
    /// proposals changed in the same step). `expected_line`: the line the
    /// caller means to take back (the console's own last decision); without
    /// it, the last change must be the actor's. Refused, naming who and
    /// when, when someone else changed the proposal since.
    pub fn undo(
        &mut self,
        number: i64,
        expected_line: Option<i64>,
        rules: &Rules,
        actor: &str,
    ) -> Result<Undone> {
        let at = now();
        let tx = self.write_tx()?;
        let top = undo_top(&tx, number, expected_line, actor)?;
        // The step: this line, or every line of its group.
        let group = top
            .after
            .as_ref()
            .and_then(|a| a["group"].as_str())
            .map(str::to_string);
        let lines: Vec<JournalEntry> = match &group {
            None => vec![top.clone()],
            Some(_) => super::queries::journal_entries(
                &tx,
                "SELECT id, at, actor, action, message_id, proposal_id, before, after FROM journal
                 WHERE json_extract(after, '$.group') = (SELECT json_extract(after, '$.group') FROM journal WHERE id = ?1)
                   AND action != 'undo' ORDER BY id",
                Some(top.id),
            )?,
        };
        let all = candidates(&tx, rules, None, None)?;
        let mut members = undo_members(&tx, &lines)?;
        let numbers: Vec<i64> = members.iter().map(|m| m.0.number).collect();
        // Those going back on a waiting list go back where they stood: right
        // after the entry that was just ahead of them (else just before the
        // one that was just behind, else at their rank), among those
        // waiting now — the relative order the change altered. In the order
        // of their ranks, so that neighbours changed in the same step are
        // back first.
        members.sort_by_key(|m| (m.1.status != Status::Waitlisted, m.2.rank, m.0.number));
        let mut working: Vec<Candidate> = all
            .iter()
            .filter(|o| !numbers.contains(&o.number))
            .cloned()
            .collect();
        let mut changes = Vec::new();
        let mut undone_letters = HashMap::new();
        let mut renum_all = Vec::new();
        for (p, before, spot, letters, line_id) in &members {
            let c = all
                .iter()
                .find(|c| c.number == p.number)
                .cloned()
                .ok_or(StoreError::NumberNotFound(p.number))?;
            let mut t = check_restore(rules, &c, before, &all, &numbers).map_err(|e| match e {
                domain::DomainError::PlaceTaken {
                    slot,
                    place,
                    holder,
                } => StoreError::UndoRefused(format!(
                    "la proposition n° {} ne peut pas retrouver sa place : {place} à {slot} est maintenant attribué à la proposition n° {holder} ; libérer cette place (déplacer ou retirer la n° {holder}) puis annuler à nouveau, ou décider autrement",
                    p.number
                )),
                e => StoreError::Rule(e),
            })?;
            back_on_waitlist(&c, before, spot, &mut t.state, &mut working, &mut renum_all);
            undone_letters.insert(p.number, letters.clone());
            changes.push(Change {
                p,
                state: t.state,
                extra: json!({ "undoes": line_id }),
            });
        }
        renumber(&tx, &at, actor, &renum_all)?;
        let done = apply(
            &tx,
            &at,
            actor,
            super::JournalAction::Undo,
            changes,
            Some(&undone_letters),
        )?;
        tx.commit()?;
        Ok(Undone {
            proposals: done.into_iter().map(|d| d.proposal).collect(),
            action: top.action,
        })
    }

    /// Accepted proposals whose acceptance went out with the place they hold:
    /// a suggestion does not move them.
    pub fn pinned(&self, rules: &Rules) -> Result<BTreeSet<i64>> {
        let mut out = BTreeSet::new();
        for c in self
            .candidates(rules)?
            .into_iter()
            .filter(|c| c.status == Status::Accepted)
        {
            let p = load_proposal(&self.conn, c.id)?;
            let chain = p.chain_key.clone().unwrap_or_else(|| format!("#{}", p.id));
            let told: Option<(String, String)> = self
                .conn
                .prepare_cached(
                    "SELECT kind, params FROM letters WHERE chain = ?1 AND kind != 'acknowledgement'
                       AND state IN ('sending', 'sent', 'uncertain') ORDER BY id DESC LIMIT 1",
                )?
                .query_row([&chain], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some((kind, params)) = told
                && matches!(kind.as_str(), "accepted" | "slot_changed")
            {
                let params: super::LetterParams = serde_json::from_str(&params).unwrap_or_default();
                if params.slot == p.slot && params.space == p.space {
                    out.insert(c.number);
                }
            }
        }
        Ok(out)
    }

    /// A suggestion for the programme as it is now (see `domain::suggest`).
    pub fn suggestion(&self, rules: &Rules) -> Result<Suggestion> {
        let all = self.candidates(rules)?;
        let pinned = self.pinned(rules)?;
        Ok(suggest(rules, &all, &pinned))
    }

    /// Applies a suggestion as one step (one journal group, undone
    /// together), refused when a proposal it involves changed since it was
    /// computed.
    pub fn apply_suggestion(
        &mut self,
        plan: &Suggestion,
        rules: &Rules,
        actor: &str,
    ) -> Result<Applied> {
        let at = now();
        let tx = self.write_tx()?;
        let mut all = candidates(&tx, rules, None, None)?;
        let versions: BTreeMap<i64, i64> = plan.versions.iter().copied().collect();
        for ch in &plan.changes {
            let current = all.iter().find(|c| c.number == ch.number);
            if current.map(|c| c.version) != versions.get(&ch.number).copied() {
                return Err(StoreError::SuggestionStale(ch.number));
            }
        }
        let mut proposals = Vec::new();
        for ch in &plan.changes {
            proposals.push(live_by_number(&tx, ch.number)?);
        }
        let mut changes = Vec::new();
        // Places first (checked once every mover has left its place), then
        // the waiting list, in priority order.
        let (placed, moved) = suggested_places(rules, plan, &proposals, &all, &mut changes)?;
        for c in all.iter_mut() {
            if let Some(ch) = plan.changes.iter().find(|ch| ch.number == c.number)
                && let Some(to) = &ch.to
            {
                c.status = Status::Accepted;
                c.place = Some(to.clone());
            }
        }
        let (waitlisted, renum_all) =
            suggested_waitlist(rules, plan, &proposals, &mut all, &mut changes)?;
        renumber(&tx, &at, actor, &renum_all)?;
        let done = if changes.is_empty() {
            Vec::new()
        } else {
            apply(
                &tx,
                &at,
                actor,
                super::JournalAction::Suggestion,
                changes,
                None,
            )?
        };
        let group = done.first().and_then(|d| {
            tx.query_row(
                "SELECT json_extract(after, '$.group') FROM journal WHERE id = ?1",
                [d.line],
                |r| r.get::<_, Option<String>>(0),
            )
            .ok()
            .flatten()
        });
        tx.commit()?;
        Ok(Applied {
            placed,
            moved,
            waitlisted,
            group,
        })
    }
}

/// Applies one transition (its renumbering first).
#[allow(
    clippy::expect_used,
    reason = "`apply` returns one result per change it is given"
)]
fn apply_one(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    action: super::JournalAction,
    p: &Proposal,
    t: Transition,
) -> Result<Decided> {
    renumber(tx, at, actor, &t.renumber)?;
    let mut done = apply(
        tx,
        at,
        actor,
        action,
        vec![Change {
            p,
            state: t.state,
            extra: json!({}),
        }],
        None,
    )?;
    Ok(done.pop().expect("one change"))
}
