//! Décider: decisions on the selected proposal (accept into a place,
//! waitlist, withdraw, reject, back to pending), checked by the domain
//! rules against the rows shown; undo, the waiting list order, notes and
//! opinions.

use super::*;

/// The selected proposal as shown now.
pub(super) fn seen_current(app: &App) -> Option<Seen> {
    app.current().map(|r| Seen {
        id: r.id,
        number: r.number,
        version: r.version,
    })
}

/// Checks a decision on the selected proposal with the domain rules and,
/// when allowed, asks `run` to record it with the version shown.
pub(super) fn decide(app: &mut App, decision: Decision) -> Vec<Effect> {
    let Some(seen) = seen_current(app) else {
        app.notify(Level::Warn, s::N_NO_SELECTION);
        return vec![];
    };
    decide_seen(app, seen, decision)
}

/// A decision on a proposal as it was seen (when a question about it was
/// opened): checked by the rules against the rows when it is still that
/// version; when it changed since, sent anyway with the version seen, so
/// that the store refuses it as a conflict naming who changed it — never
/// applied over a colleague's newer decision.
pub(super) fn decide_seen(app: &mut App, seen: Seen, decision: Decision) -> Vec<Effect> {
    let effect = Effect::Decide {
        number: seen.number,
        version: seen.version,
        decision: decision.clone(),
    };
    let Some(row) = app
        .listing
        .get(seen.id)
        .filter(|r| r.version == seen.version)
    else {
        return vec![effect];
    };
    let candidate = row.candidate();
    match check_decision(
        &app.rules,
        &candidate,
        &decision,
        &app.programme().candidates,
    ) {
        Err(e) => {
            let text = s::n_refused(&e.to_string());
            app.notify(Level::Error, text);
            vec![]
        }
        Ok(_) => vec![effect],
    }
}

pub(super) fn accept_selected_place(app: &mut App) -> Vec<Effect> {
    let Some(row) = app.current() else {
        app.notify(Level::Warn, s::N_NO_SELECTION);
        return vec![];
    };
    let Some(kind) = row.kind else {
        app.notify(Level::Error, s::DEC_NO_KIND);
        return vec![];
    };
    let free = free_places(
        &app.rules.layout,
        kind,
        row.wanted.as_deref(),
        &app.programme().candidates,
    );
    match free.get(app.decide_cursor.min(free.len().saturating_sub(1))) {
        Some(p) => {
            let d = Decision::Accept {
                slot: p.slot.clone(),
                place: p.place.clone(),
            };
            decide(app, d)
        }
        None => {
            app.notify(Level::Warn, s::DEC_NO_FREE);
            vec![]
        }
    }
}

/// "u": the last decision of the proposal under the cursor (the selected
/// one; on the programme, the cell's — on an empty cell, the change of this
/// session that emptied it; on Envoi, the letter's), after a question
/// saying what would be undone (`run` finds it: `Effect::PrepareUndo`).
pub(super) fn undo(app: &mut App) -> Vec<Effect> {
    let number = match app.screen {
        Screen::Propositions | Screen::Decider | Screen::Corriger => {
            app.current().map(|r| r.number)
        }
        Screen::Programme => match programme_cell(app) {
            Some((_, Some(holder))) => Some(app.number_of(holder)),
            Some((place, None)) => {
                let kind = app.programme_kind;
                let freed = app.undo.iter().rev().find(|e| {
                    e.freed.as_ref() == Some(&place)
                        && app
                            .listing
                            .rows()
                            .iter()
                            .any(|r| r.number == e.number && r.kind == Some(kind))
                });
                match freed {
                    Some(e) => Some(e.number),
                    None => {
                        app.notify(Level::Info, s::N_UNDO_EMPTY_CELL);
                        return vec![];
                    }
                }
            }
            None => None,
        },
        Screen::Envoi => app.envoi.current().and_then(|l| l.proposal_number),
        Screen::Triage | Screen::Courrier => None,
    };
    match number {
        Some(number) => vec![Effect::PrepareUndo { number }],
        None => {
            app.notify(Level::Info, s::N_UNDO_WHICH);
            vec![]
        }
    }
}

/// Décider: the selected waiting proposal one step up or down its list.
pub(super) fn waitlist_step(app: &mut App, up: bool) -> Vec<Effect> {
    let Some(row) = app.current() else {
        app.notify(Level::Warn, s::N_NO_SELECTION);
        return vec![];
    };
    let (number, version, c) = (row.number, row.version, row.candidate());
    match check_waitlist_step(&c, up, &app.programme().candidates) {
        Err(e) => {
            app.notify(Level::Error, s::n_refused(&e.to_string()));
            vec![]
        }
        Ok(_) => vec![Effect::WaitlistStep {
            number,
            version,
            up,
        }],
    }
}

/// The picker's key for the acting user's opinion (not a field of the fiche).
pub(super) const OPINION_KEY: &str = "\u{0}opinion";

/// "o": the acting user's opinion on the selected proposal, chosen in a list.
pub(super) fn opinion_picker(app: &mut App) -> Vec<Effect> {
    use crate::store::notes::Opinion;
    let Some(seen) = seen_current(app) else {
        app.notify(Level::Warn, s::N_NO_SELECTION);
        return vec![];
    };
    let mine = app
        .current_detail()
        .and_then(|d| d.notes.iter().find(|n| n.actor == app.user))
        .and_then(|n| n.opinion);
    let mut options: Vec<(String, Option<Value>)> = Opinion::ALL
        .iter()
        .map(|o| (o.label_fr(), Some(Value::Text(o.key()))))
        .collect();
    options.push((s::OPINION_NONE.to_string(), None));
    let cursor = mine
        .and_then(|m| Opinion::ALL.iter().position(|o| *o == m))
        .unwrap_or(0);
    app.overlay = Overlay::Picker(Picker {
        seen: Some(seen),
        key: OPINION_KEY,
        label: s::OPINION_TITLE,
        options,
        cursor,
    });
    vec![]
}

/// The decision keys (Décider, and the same keys where a proposal is selected).
pub(super) fn decider_action(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Accept => accept_selected_place(app),
        Action::Waitlist => decide(app, Decision::Waitlist),
        Action::Withdraw => decide(app, Decision::Withdraw),
        Action::Reset => decide(app, Decision::Pending),
        Action::WaitUp => waitlist_step(app, true),
        Action::WaitDown => waitlist_step(app, false),
        Action::Reject => {
            let Some(seen) = seen_current(app) else {
                app.notify(Level::Warn, s::N_NO_SELECTION);
                return vec![];
            };
            app.input = Some((InputPurpose::RejectReason(seen), TextInput::default()));
            vec![]
        }
        Action::Undo => undo(app),
        Action::Note => {
            let Some(seen) = seen_current(app) else {
                app.notify(Level::Warn, s::N_NO_SELECTION);
                return vec![];
            };
            let mine = app
                .current_detail()
                .and_then(|d| d.notes.iter().find(|n| n.actor == app.user))
                .and_then(|n| n.note.clone())
                .unwrap_or_default();
            app.input = Some((InputPurpose::Note(seen), TextInput::new(&mine)));
            vec![]
        }
        Action::Opinion => opinion_picker(app),
        _ => vec![],
    }
}

/// Décider: the cursor moved among the free places; the place under it is
/// kept as the anchor (see `App::decide_anchor`).
pub(super) fn move_decide_cursor(app: &mut App, delta: isize) -> Vec<Effect> {
    let free = app.decide_free();
    let n = free.len();
    if n > 0 {
        app.decide_cursor = (app.decide_cursor as isize + delta).clamp(0, n as isize - 1) as usize;
        app.decide_anchor = free.get(app.decide_cursor).cloned();
    }
    vec![]
}
