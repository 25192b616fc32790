//! Programme: the grid of each kind, a proposal picked up and moved or
//! swapped, withdrawn from its cell, the suggestion and the publication
//! asked for.

use super::*;

/// The cell under the Programme screen's cursor: (slot, place, holder row id).
pub(super) fn programme_cell(app: &App) -> Option<(Place, Option<i64>)> {
    let kind = app.programme_kind;
    let (si, pi) = app.programme_cursor;
    let prog = app.programme().of(kind);
    let width = prog.places.len();
    let place = Place {
        slot: prog.slots.get(si)?.clone(),
        place: prog.places.get(pi)?.clone(),
    };
    Some((place, prog.cells.get(si * width + pi).copied().flatten()))
}

/// Programme: "m" picks up the proposal of the cell (to move or swap it),
/// or drops the one picked up here.
pub(super) fn programme_pick(app: &mut App) -> Vec<Effect> {
    if app.programme_pick.is_some() {
        return programme_drop(app);
    }
    match programme_cell(app) {
        Some((place, Some(holder))) => {
            let Some(row) = app.listing.get(holder) else {
                return vec![];
            };
            let seen = Seen {
                id: row.id,
                number: row.number,
                version: row.version,
            };
            app.programme_pick = Some((seen, place));
            app.notify(Level::Info, s::n_picked(seen.number));
        }
        Some((_, None)) => app.notify(Level::Warn, s::PROG_PICK_EMPTY),
        None => {}
    }
    vec![]
}

/// Programme: the picked-up proposal goes to the cell under the cursor: a
/// free place (a move) or another proposal's (a swap).
pub(super) fn programme_drop(app: &mut App) -> Vec<Effect> {
    let Some((picked, from)) = app.programme_pick.take() else {
        return vec![];
    };
    let Some((to, holder)) = programme_cell(app) else {
        return vec![];
    };
    // Done with the version seen when it was picked up: if someone changed
    // it since, the store refuses (a conflict, naming who), and the rules
    // are only checked here against that same version.
    let (number, version) = (picked.number, picked.version);
    let unchanged = app
        .listing
        .get(picked.id)
        .filter(|r| r.version == picked.version)
        .map(|r| r.candidate());
    if to == from {
        app.notify(Level::Info, s::PROG_PICK_CANCELLED);
        return vec![];
    }
    match holder {
        None => {
            let effect = Effect::Move {
                number,
                version,
                to: to.clone(),
            };
            let Some(c) = unchanged else {
                return vec![effect];
            };
            match check_move(&app.rules, &c, &to, &app.programme().candidates) {
                Err(e) => {
                    app.notify(Level::Error, s::n_refused(&e.to_string()));
                    vec![]
                }
                Ok(_) => vec![effect],
            }
        }
        Some(other) => {
            let Some(o) = app.listing.get(other) else {
                return vec![];
            };
            let (onum, over, oc) = (o.number, o.version, o.candidate());
            let Some(c) = unchanged else {
                return vec![Effect::Swap {
                    a: (number, version),
                    b: (onum, over),
                }];
            };
            match check_swap(&c, &oc) {
                Err(e) => {
                    app.notify(Level::Error, s::n_refused(&e.to_string()));
                    vec![]
                }
                Ok(_) => vec![Effect::Swap {
                    a: (number, version),
                    b: (onum, over),
                }],
            }
        }
    }
}

/// Programme: "x" withdraws the proposal of the cell, after a question; its
/// place is then offered to the waiting list on the grid.
pub(super) fn programme_withdraw(app: &mut App) -> Vec<Effect> {
    match programme_cell(app) {
        Some((_, Some(holder))) => {
            if let Some(r) = app.listing.get(holder) {
                app.overlay = Overlay::Confirm(Confirm::Withdraw {
                    number: r.number,
                    version: r.version,
                    organisation: r.organisation.to_string(),
                });
            }
        }
        Some((_, None)) => app.notify(Level::Warn, s::PROG_PICK_EMPTY),
        None => {}
    }
    vec![]
}

pub(super) fn programme_enter(app: &mut App) -> Vec<Effect> {
    if app.programme_pick.is_some() {
        return programme_drop(app);
    }
    let kind = app.programme_kind;
    let (si, pi) = app.programme_cursor;
    let prog = app.programme().of(kind);
    let width = prog.places.len();
    let (Some(slot), Some(place)) = (prog.slots.get(si).cloned(), prog.places.get(pi).cloned())
    else {
        return vec![];
    };
    match prog.cells.get(si * width + pi).copied().flatten() {
        Some(holder) => {
            // Show who holds it.
            app.listing.filters = Default::default();
            app.listing.set_query("");
            app.listing.refilter();
            app.select_id(holder);
            goto(app, Screen::Propositions)
        }
        None => {
            let Some(next) = prog.suggestion.get(si * width + pi).copied().flatten() else {
                app.notify(Level::Info, s::N_NO_WAITING);
                return vec![];
            };
            let Some(row) = app.listing.get(next) else {
                return vec![];
            };
            let candidate = row.candidate();
            let (number, version) = (row.number, row.version);
            let d = Decision::Accept { slot, place };
            match check_decision(&app.rules, &candidate, &d, &app.programme().candidates) {
                Err(e) => {
                    let text = s::n_refused(&e.to_string());
                    app.notify(Level::Error, text);
                    vec![]
                }
                Ok(_) => vec![Effect::Decide {
                    number,
                    version,
                    decision: d,
                }],
            }
        }
    }
}

/// The keys of the Programme screen.
pub(super) fn programme_action(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Pick => programme_pick(app),
        Action::Suggest => vec![Effect::ComputeSuggestion],
        Action::Publish => vec![Effect::PreparePublish],
        _ => vec![],
    }
}

/// Programme: the cursor moved among the slots (a page: to the first or
/// the last).
pub(super) fn move_programme_slot(app: &mut App, delta: isize, page: bool) -> Vec<Effect> {
    let n = app.rules.layout.of(app.programme_kind).slots.len();
    let d = if page {
        delta.signum() * n as isize
    } else {
        delta
    };
    app.programme_cursor.0 =
        (app.programme_cursor.0 as isize + d).clamp(0, n as isize - 1) as usize;
    vec![]
}
