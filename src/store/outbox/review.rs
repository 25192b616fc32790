//! What staff do to a letter in the outbox: edit it, confirm its recipient,
//! set the article of the organisation's name, drop it, take back one set
//! aside "à revoir", approve it for sending, settle an uncertain one, retry
//! a refused one. Each checks the state and the version staff saw.

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::json;

use crate::domain::letters::truth::{contradiction, no_letter_reason};
use crate::domain::{LetterKind, decision_letter};
use crate::store::queries::load_proposal;
use crate::store::{JournalAction, Proposal, Result, Store, StoreError, now};

use super::queue::{params_for, retire, sync_decision_letter, told_for_rules, unsent_letters};
use super::records::{
    LetterEdit, LetterParams, LetterRecord, LetterState, chain_of, corrupt, current_of, event,
    live_revision,
};
use super::send::{LETTERS, Settle};

/// Which pending letters staff approve for sending.
#[derive(Debug, Clone)]
pub enum Approve<'a> {
    /// Every pending letter not yet approved.
    All,
    /// Pending acknowledgements only (automatic acknowledgements).
    Acknowledgements,
    /// These letters, each at the version staff saw when given.
    These(&'a [(i64, Option<i64>)]),
}

/// What `approve_letters` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Approved {
    pub approved: Vec<i64>,
    /// Asked for but changed since staff saw them, or not pending: left alone.
    pub refused: Vec<(i64, String)>,
}

/// How staff settle an uncertain letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// It did arrive (checked in the sent folder or with the recipient).
    Sent,
    /// It did not: back to the outbox, to be approved and sent again (with
    /// the same Message-ID, so a copy that did arrive is recognisable).
    Resend,
}

/// Whether a letter set aside says the decision `truth` is: the same
/// decision — for a cancellation, the same acceptance cancelled, whatever
/// its reason (refused, then withdrawn: still that cancellation; the
/// reason is brought up to date when it is taken back).
fn same_for_take_back(kind: LetterKind, truth: &LetterParams, letter: &LetterParams) -> bool {
    if kind == LetterKind::Cancellation {
        return (&truth.previous_slot, &truth.previous_space)
            == (&letter.previous_slot, &letter.previous_space);
    }
    truth.same_decision(letter)
}

/// Why a letter set aside "à revoir" cannot come back as it is: it must be
/// exactly the letter the proposal's state calls for now (its kind, its
/// decision, nothing it states contradicted), else taking it back would
/// send a false letter in place of the true one. With what to do instead.
fn why_not_taken_back(
    tx: &Transaction<'_>,
    live: &Proposal,
    kind: LetterKind,
    params: &LetterParams,
) -> Result<Option<String>> {
    let chain = chain_of(live);
    let told = told_for_rules(tx, &chain)?;
    let want = decision_letter(
        live.status,
        live.slot.as_deref(),
        live.space.as_deref(),
        told.as_ref(),
    );
    let now = current_of(live);
    let problem = match kind {
        LetterKind::Acknowledgement => match want {
            Some(w) => Some(format!(
                "une lettre « {} » en dit plus sur la proposition",
                w.label_fr()
            )),
            None => contradiction(&params.stated(kind), &now),
        },
        _ => contradiction(&params.stated(kind), &now).or_else(|| match want {
            Some(w) if w != kind => Some(format!(
                "la décision appelle une lettre « {} », pas « {} »",
                w.label_fr(),
                kind.label_fr()
            )),
            Some(w) if !same_for_take_back(w, &params_for(live, w, told.as_ref()), params) => {
                Some("la lettre ne dit plus la décision en cours".to_string())
            }
            Some(_) => None,
            None => Some(format!(
                "la décision n'appelle aucune lettre ({})",
                no_letter_reason(live.status, told.as_ref())
            )),
        }),
    };
    let Some(problem) = problem else {
        return Ok(None);
    };
    let current = unsent_letters(tx, &chain, kind.is_decision())?;
    let next = match current.first() {
        Some((cid, ck, _)) => format!(
            "reprendre le texte voulu dans la lettre n° {cid} ({}) à envoyer, ou supprimer celle-ci",
            ck.label_fr()
        ),
        None => "la supprimer (son texte reste lisible dans l'historique)".to_string(),
    };
    Ok(Some(format!(
        "proposition n° {} : {problem} ; {next}",
        live.number
    )))
}

/// Changes a letter's state from one of `from`, checking the version when
/// given. Returns the letter as it was.
pub(super) fn check_letter(
    tx: &Transaction<'_>,
    id: i64,
    expected_version: Option<i64>,
    from: &[LetterState],
    action: &str,
) -> Result<(LetterState, i64)> {
    let row: Option<(String, i64, bool)> = tx
        .prepare_cached(
            "SELECT state, version, set_aside_at IS NOT NULL FROM letters WHERE id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((state, version, set_aside)) = row else {
        return Err(StoreError::LetterNotFound(id));
    };
    let state = match LetterState::parse(&state) {
        Some(LetterState::Replaced) if set_aside => LetterState::Review,
        Some(s) => s,
        None => return Err(corrupt(format!("état « {state} » de la lettre {id}"))),
    };
    if let Some(expected) = expected_version
        && expected != version
    {
        return Err(StoreError::StaleLetter {
            id,
            expected,
            actual: version,
        });
    }
    if !from.contains(&state) {
        return Err(StoreError::LetterState {
            id,
            state: state.label_fr(),
            action: action.to_string(),
        });
    }
    Ok((state, version))
}

impl Store {
    /// Staff's version of an unsent letter (`LetterEdit::default()` goes back
    /// to the template). The approval is withdrawn: the edited letter must be
    /// reviewed and sent again. A refused letter goes back to the outbox.
    pub fn edit_letter(
        &mut self,
        id: i64,
        expected_version: i64,
        edit: &LetterEdit,
        actor: &str,
    ) -> Result<LetterRecord> {
        self.edit_letter_as_shown(id, expected_version, edit, None, actor)
    }

    /// `edit_letter`, for a text staff rewrote from the letter as it was
    /// shown to them: `shown_rank` is the waiting-list rank that text gave
    /// (`None`: the rank now). A waiting-list letter whose text staff
    /// rewrote keeps that rank as what it states (`LetterParams::rank`):
    /// once the proposal's rank is another, it is set aside "à revoir"
    /// rather than sent (see `follow_ranks`) — at once if it already was
    /// when the edit was saved.
    pub fn edit_letter_as_shown(
        &mut self,
        id: i64,
        expected_version: i64,
        edit: &LetterEdit,
        shown_rank: Option<i64>,
        actor: &str,
    ) -> Result<LetterRecord> {
        let at = now();
        let tx = self.write_tx()?;
        check_letter(
            &tx,
            id,
            Some(expected_version),
            &[LetterState::Pending, LetterState::Failed],
            "modifier",
        )?;
        let (kind, cancellation, proposal_id, params): (String, bool, Option<i64>, String) = tx
            .query_row(
                "SELECT kind, cancellation, proposal_id, params FROM letters WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
        let kind = LetterKind::from_db(&kind, cancellation)
            .ok_or_else(|| corrupt(format!("type « {kind} » de la lettre {id}")))?;
        let mut params: LetterParams = serde_json::from_str(&params)
            .map_err(|e| corrupt(format!("paramètres de la lettre {id} : {e}")))?;
        // A demande de .docx has no proposal (and no rank).
        let live = match proposal_id {
            Some(pid) => Some(live_revision(&tx, pid)?),
            None => None,
        };
        let live_rank = live.as_ref().and_then(|p| p.rank);
        let text_edited = edit.body.is_some() || edit.subject.is_some();
        params.rank = (kind == LetterKind::Waitlisted && text_edited)
            .then(|| shown_rank.or(live_rank))
            .flatten();
        tx.execute(
            "UPDATE letters SET edit_to = ?2, edit_cc = ?3, edit_subject = ?4, edit_body = ?5,
                    edited_at = ?6, edited_by = ?7, approved_at = NULL, approved_by = NULL,
                    state = 'pending', next_attempt_at = NULL, params = ?8,
                    version = version + 1, updated_at = ?6 WHERE id = ?1",
            params![
                id,
                edit.to,
                edit.cc,
                edit.subject,
                edit.body,
                at,
                actor,
                serde_json::to_string(&params).unwrap_or_else(|_| "{}".into())
            ],
        )?;
        event(&tx, &at, id, actor, "edited", Some(json!(edit)))?;
        if let Some(live) = &live
            && contradiction(&params.stated(kind), &current_of(live)).is_some()
        {
            // The proposal changed while staff were writing: the text is
            // kept, set aside, and the letter of the moment takes its place.
            sync_decision_letter(&tx, &at, actor, live)?;
        }
        tx.commit()?;
        self.letter(id)
    }

    /// Staff confirm the recipient of a letter held for review (`to`, as
    /// the letter shows it): the letter may go to exactly that recipient.
    pub fn confirm_recipient(
        &mut self,
        id: i64,
        expected_version: i64,
        to: &str,
        actor: &str,
    ) -> Result<LetterRecord> {
        let at = now();
        let tx = self.write_tx()?;
        check_letter(
            &tx,
            id,
            Some(expected_version),
            &[LetterState::Pending, LetterState::Failed],
            "valider le destinataire",
        )?;
        tx.execute(
            "UPDATE letters SET reviewed_to = ?2, reviewed_at = ?3, reviewed_by = ?4,
                    version = version + 1, updated_at = ?3 WHERE id = ?1",
            params![id, to, at, actor],
        )?;
        event(
            &tx,
            &at,
            id,
            actor,
            "recipient_confirmed",
            Some(json!({ "to": to })),
        )?;
        tx.commit()?;
        self.letter(id)
    }

    /// Sets (or, with `None`, removes) the article of the organisation's
    /// name in the letters of proposal `number`; journaled on its current
    /// revision. Returns that revision.
    pub fn set_article(
        &mut self,
        number: i64,
        article: Option<crate::domain::french::Article>,
        actor: &str,
    ) -> Result<Proposal> {
        let at = now();
        let tx = self.write_tx()?;
        let p = crate::store::programme::live_by_number(&tx, number)?;
        let before: Option<String> = tx
            .query_row(
                "SELECT article FROM proposal_articles WHERE number = ?1",
                [number],
                |r| r.get(0),
            )
            .optional()?;
        match article {
            Some(a) => tx.execute(
                "INSERT INTO proposal_articles (number, article, set_at, set_by) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (number) DO UPDATE SET article = excluded.article,
                   set_at = excluded.set_at, set_by = excluded.set_by",
                params![number, a.as_str(), at, actor],
            )?,
            None => tx.execute("DELETE FROM proposal_articles WHERE number = ?1", [number])?,
        };
        crate::store::ingest::journal(
            &tx,
            &at,
            crate::store::ingest::Line {
                actor,
                action: JournalAction::Article,
                message_id: None,
                proposal_id: Some(p.id),
                before: Some(json!({ "article": before })),
                after: Some(json!({ "article": article.map(|a| a.as_str()) })),
            },
        )?;
        tx.commit()?;
        load_proposal(&self.conn, p.id)
    }

    /// Drops an unsent letter (it stays in the history as `dropped`).
    pub fn drop_letter(&mut self, id: i64, expected_version: i64, actor: &str) -> Result<()> {
        let at = now();
        let tx = self.write_tx()?;
        check_letter(
            &tx,
            id,
            Some(expected_version),
            &[
                LetterState::Pending,
                LetterState::Failed,
                LetterState::Review,
            ],
            "supprimer",
        )?;
        LETTERS.drop_unsent(&tx, &at, id, actor)?;
        tx.commit()?;
        Ok(())
    }

    /// Takes back a letter set aside "à revoir" (staff judged their text
    /// still right, or will edit it): it becomes the proposal's letter to
    /// send again, not approved; the letter that took its place leaves the
    /// outbox (set aside in its turn if it was edited).
    pub fn take_back_letter(&mut self, id: i64, expected_version: i64, actor: &str) -> Result<()> {
        let at = now();
        let tx = self.write_tx()?;
        check_letter(
            &tx,
            id,
            Some(expected_version),
            &[LetterState::Review],
            "reprendre",
        )?;
        let (chain, kind, cancellation, proposal_id, params): (
            String,
            String,
            bool,
            Option<i64>,
            String,
        ) = tx.query_row(
            "SELECT chain, kind, cancellation, proposal_id, params FROM letters WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        let letter_kind = LetterKind::from_db(&kind, cancellation)
            .ok_or_else(|| corrupt(format!("type « {kind} » de la lettre {id}")))?;
        let params: LetterParams = serde_json::from_str(&params)
            .map_err(|e| corrupt(format!("paramètres de la lettre {id} : {e}")))?;
        // Only a letter about a proposal is ever set aside "à revoir".
        let Some(proposal_id) = proposal_id else {
            return Err(corrupt(format!("lettre {id} à revoir sans proposition")));
        };
        let live = live_revision(&tx, proposal_id)?;
        if let Some(why) = why_not_taken_back(&tx, &live, letter_kind, &params)? {
            return Err(StoreError::LetterUntrue {
                id,
                kind: letter_kind.label_fr(),
                why,
            });
        }
        if letter_kind == LetterKind::Cancellation {
            // Its reason is the one of the moment (refused, withdrawn…).
            let told = told_for_rules(&tx, &chain)?;
            let now = LetterParams {
                rank: params.rank,
                ..params_for(&live, letter_kind, told.as_ref())
            };
            tx.execute(
                "UPDATE letters SET params = ?2 WHERE id = ?1",
                params![
                    id,
                    serde_json::to_string(&now).unwrap_or_else(|_| "{}".into())
                ],
            )?;
        }
        let current: Vec<i64> = tx
            .prepare(
                "SELECT id FROM letters WHERE chain = ?1 AND state IN ('pending', 'failed')
                   AND (kind = 'acknowledgement') = (?2 = 'acknowledgement')",
            )?
            .query_map(params![chain, kind], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for other in current {
            retire(&tx, &at, actor, other, "lettre modifiée reprise à sa place")?;
            tx.execute(
                "UPDATE letters SET replaced_by = ?2 WHERE id = ?1",
                params![other, id],
            )?;
        }
        tx.execute(
            "UPDATE letters SET state = 'pending', set_aside_at = NULL, set_aside_why = NULL,
                    replaced_by = NULL, approved_at = NULL, approved_by = NULL, next_attempt_at = NULL,
                    version = version + 1, updated_at = ?2 WHERE id = ?1",
            params![id, at],
        )?;
        event(&tx, &at, id, actor, "taken_back", None)?;
        tx.commit()?;
        Ok(())
    }

    /// Staff say "send": marks pending letters as approved.
    pub fn approve_letters(&mut self, which: Approve<'_>, actor: &str) -> Result<Approved> {
        let at = now();
        let tx = self.write_tx()?;
        let mut out = Approved::default();
        let candidates: Vec<(i64, Option<i64>)> = match which {
            Approve::All | Approve::Acknowledgements => {
                let acks_only = matches!(which, Approve::Acknowledgements);
                tx.prepare(
                    "SELECT id FROM letters WHERE state = 'pending' AND approved_at IS NULL
                       AND (?1 = 0 OR kind = 'acknowledgement') ORDER BY id",
                )?
                .query_map([acks_only], |r| Ok((r.get(0)?, None)))?
                .collect::<Result<_, _>>()?
            }
            Approve::These(ids) => ids.to_vec(),
        };
        for (id, version) in candidates {
            match check_letter(&tx, id, version, &[LetterState::Pending], "envoyer") {
                Ok(_) => {}
                Err(
                    e @ (StoreError::StaleLetter { .. }
                    | StoreError::LetterState { .. }
                    | StoreError::LetterNotFound(_)),
                ) => {
                    out.refused.push((id, e.to_string()));
                    continue;
                }
                Err(e) => return Err(e),
            }
            LETTERS.approve(&tx, &at, id, actor)?;
            out.approved.push(id);
        }
        tx.commit()?;
        Ok(out)
    }

    /// Staff settle an uncertain letter.
    pub fn resolve_letter(
        &mut self,
        id: i64,
        expected_version: i64,
        resolution: Resolution,
        actor: &str,
    ) -> Result<()> {
        let at = now();
        let tx = self.write_tx()?;
        check_letter(
            &tx,
            id,
            Some(expected_version),
            &[LetterState::Uncertain],
            "régler",
        )?;
        let how = match resolution {
            Resolution::Sent => Settle::Arrived,
            Resolution::Resend => {
                // The unsent-letter slot of its chain may be taken by a newer
                // letter: then that one says more, and this one is replaced.
                let (chain, kind): (String, String) =
                    tx.query_row("SELECT chain, kind FROM letters WHERE id = ?1", [id], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })?;
                let newer: Option<i64> = tx
                    .query_row(
                        "SELECT id FROM letters WHERE chain = ?1 AND state IN ('pending', 'failed')
                           AND (kind = 'acknowledgement') = (?2 = 'acknowledgement')",
                        params![chain, kind],
                        |r| r.get(0),
                    )
                    .optional()?;
                Settle::Resend { newer }
            }
        };
        LETTERS.settle(&tx, &at, id, actor, how)?;
        tx.commit()?;
        Ok(())
    }

    /// A letter refused by the server, or waiting for its next try, goes
    /// back to the outbox now (to be approved again if it had failed).
    pub fn retry_letter(&mut self, id: i64, expected_version: i64, actor: &str) -> Result<()> {
        let at = now();
        let tx = self.write_tx()?;
        let (state, _) = check_letter(
            &tx,
            id,
            Some(expected_version),
            &[LetterState::Failed, LetterState::Pending],
            "réessayer",
        )?;
        LETTERS.retry(&tx, &at, id, actor, state)?;
        tx.commit()?;
        Ok(())
    }
}
