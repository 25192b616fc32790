//! State + action → new state + effects. Everything the console decides
//! without the database is here: moving, searching, filtering, which
//! decision a key means and whether the domain rules allow it
//! (`domain::check_decision` against the rows shown). What needs the
//! database comes back as `Effect`s for `run` to perform.

use std::collections::BTreeMap;

use super::action::{Action, TextEdit};
use super::app::{
    App, AttachmentText, Confirm, Draft, Focus, InputPurpose, Level, Overlay, Picker, Screen, Seen,
    TextInput, TextState, body_height,
};
use super::rows::SortKey;
use super::strings as s;
use super::view;
use crate::domain::decision::{check_move, check_swap, check_waitlist_step};
use crate::domain::{Decision, Place, Status, check_decision, free_places};
use crate::fiche::spec::{self, FieldSpec, FieldType};
use crate::fiche::{Kind, Value};
use crate::store::{LetterState, Resolution};

/// What `run` must do with the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Load the detail pane of a proposal.
    LoadDetail(i64),
    /// Load a message of "À traiter".
    LoadMessage(i64),
    /// Record a decision checked by the domain rules, against the version
    /// shown (the store checks again, in its transaction).
    Decide {
        number: i64,
        version: i64,
        decision: Decision,
    },
    /// Find what `u` would take back on a proposal and ask staff first.
    PrepareUndo {
        number: i64,
    },
    /// Take back the last change (the journal line staff confirmed) of a proposal.
    Undo {
        number: i64,
        line: i64,
    },
    /// Move an accepted proposal to a free place.
    Move {
        number: i64,
        version: i64,
        to: Place,
    },
    /// Swap the places of two accepted proposals ((number, version) each).
    Swap {
        a: (i64, i64),
        b: (i64, i64),
    },
    /// One step up or down the waiting list.
    WaitlistStep {
        number: i64,
        version: i64,
        up: bool,
    },
    /// Compute the programme suggestion and show its draft.
    ComputeSuggestion,
    /// Apply the suggestion shown.
    ApplySuggestion,
    /// Envoi: take back a letter set aside "à revoir".
    TakeBackLetter {
        id: i64,
        version: i64,
    },
    UpdateField {
        id: i64,
        version: i64,
        key: &'static str,
        value: Option<Value>,
    },
    SetHandled {
        message_id: i64,
        handled: bool,
    },
    /// Queue a demande de .docx to the sender of this message.
    AskDocx {
        message_id: i64,
    },
    EnterProposal {
        message_id: i64,
        kind: Kind,
        fields: BTreeMap<String, Value>,
    },
    Refresh,
    /// Load the outbox for the Envoi screen.
    LoadLetters,
    /// Drop a letter (or, with `partners`, the e-mail of publication `id`).
    DropLetter {
        id: i64,
        version: i64,
        partners: bool,
    },
    ResolveLetter {
        id: i64,
        version: i64,
        resolution: Resolution,
        partners: bool,
    },
    /// Set (or, `None`, remove) the article of a proposal's organisation.
    SetArticle {
        number: i64,
        article: Option<crate::domain::french::Article>,
    },
    /// The recipient shown (`to`) of a held letter is the right one.
    ConfirmRecipient {
        id: i64,
        version: i64,
        to: String,
    },
    /// Edit a letter in the editor (the terminal is handed over meanwhile).
    EditLetter {
        id: i64,
        version: i64,
    },
    /// Send these letters (id, version shown) and e-mails to the partners
    /// (publication, version shown) on the sending thread.
    SendBatch(Vec<(i64, i64)>, Vec<(u32, i64)>),
    /// Prepare the preview of a publication (`fiches publish`'s changelog).
    PreparePublish,
    /// Publish as `fiches publish` does, if the last publication is still `since`.
    Publish {
        since: Option<u32>,
    },
    /// Once the effects before it are done: this action (what staff asked
    /// for before a draft was saved: another screen, quitting).
    Then(Action),
    /// Set (or, `None`, remove) the acting user's note on a proposal.
    SetNote {
        number: i64,
        text: Option<String>,
    },
    /// Set (or, `None`, remove) the acting user's opinion on a proposal.
    SetOpinion {
        number: i64,
        opinion: Option<crate::store::notes::Opinion>,
    },
    /// Take the decisions of a plan on the marked proposals, one by one
    /// (each with its rules and version checks), then clear the marks.
    Bulk(super::bulk::Plan),
    /// Convert attachment `number` of a message to text (on a thread of
    /// its own); the text comes back in `App::attachment_text`.
    ConvertAttachment {
        number: i64,
        message_id: i64,
    },
    /// Write attachment `number` into folder `dir` (never over a file).
    SaveAttachment {
        number: i64,
        dir: String,
    },
    /// Courrier: load the first page of the filter again (`keep`: the
    /// selected message stays selected when it is still listed).
    LoadCourrier {
        keep: bool,
    },
    /// Courrier: load the next page (the selection went down to the end).
    MoreCourrier,
    /// Courrier: load a message to show it in full.
    LoadCourrierMessage(i64),
    /// Find the proposal of that number and ask before linking.
    PrepareLink {
        message_id: i64,
        number: i64,
    },
    /// Link a message to a proposal number (confirmed).
    Link {
        message_id: i64,
        number: i64,
    },
    /// Find the links of a message (or check that one) and ask before
    /// removing one.
    PrepareUnlink {
        message_id: i64,
        number: Option<i64>,
    },
    /// Remove a link (confirmed).
    Unlink {
        message_id: i64,
        number: i64,
    },
}

/// The fields of a kind (the common ones when the kind is unknown).
pub fn fields_of(kind: Option<Kind>) -> &'static [FieldSpec] {
    match kind {
        Some(k) => spec::fields(k),
        None => spec::common_fields(),
    }
}

/// The filters of the filter overlay, in order.
pub const FILTER_LINES: usize = 6;

fn cycle<T: Clone + PartialEq>(
    options: &[Option<T>],
    current: &Option<T>,
    forward: bool,
) -> Option<T> {
    let i = options.iter().position(|o| o == current).unwrap_or(0);
    let n = options.len();
    let j = if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    };
    options[j].clone()
}

/// The values each filter cycles through.
pub fn filter_slots(app: &App) -> Vec<Option<String>> {
    let mut v = vec![None];
    for k in Kind::all() {
        v.extend(app.rules.layout.of(k).slots.iter().cloned().map(Some));
    }
    v.push(Some("any".to_string()));
    v
}

pub const THEMES: &[&str] = &["odd", "climat", "migrations", "jeunesse", "autre"];

fn change_filter(app: &mut App, line: usize, forward: bool) {
    let f = &mut app.listing.filters;
    match line {
        0 => {
            let o: Vec<Option<Kind>> = std::iter::once(None)
                .chain(Kind::all().into_iter().map(Some))
                .collect();
            f.kind = cycle(&o, &f.kind, forward);
        }
        1 => {
            let o: Vec<Option<Status>> = std::iter::once(None)
                .chain(Status::ALL.iter().copied().map(Some))
                .collect();
            f.status = cycle(&o, &f.status, forward);
        }
        2 => {
            let o = filter_slots(app);
            let f = &mut app.listing.filters;
            f.slot = cycle(&o, &f.slot, forward);
        }
        3 => {
            let o: Vec<Option<String>> = std::iter::once(None)
                .chain(THEMES.iter().map(|t| Some(t.to_string())))
                .collect();
            f.theme = cycle(&o, &f.theme, forward);
        }
        4 => f.member = cycle(&[None, Some(true), Some(false)], &f.member, forward),
        _ => f.flagged = !f.flagged,
    }
    app.listing.refilter();
}

/// After the rows shown changed: keep the selected proposal if still
/// shown, else the first; load its detail.
fn refiltered(app: &mut App) -> Vec<Effect> {
    let keep = app.detail.as_ref().map(|d| d.id);
    let found = keep.is_some_and(|id| app.select_id(id));
    if !found {
        app.selected = 0;
        app.offset = 0;
    }
    app.clamp_selection();
    selection_changed(app)
}

pub(super) fn selection_changed(app: &mut App) -> Vec<Effect> {
    app.decide_cursor = 0;
    app.decide_anchor = None;
    match app.current_id() {
        Some(id) if app.detail.as_ref().is_none_or(|d| d.id != id) => {
            app.detail_scroll = 0;
            vec![Effect::LoadDetail(id)]
        }
        _ => vec![],
    }
}

fn move_selection(app: &mut App, delta: isize) -> Vec<Effect> {
    // Going past what a search found so far: let it finish first.
    if app.listing.scanning()
        && app.selected as isize + delta >= app.listing.visible_len() as isize - 1
    {
        app.listing.step(None);
    }
    let n = app.listing.visible_len();
    if n == 0 {
        return vec![];
    }
    let to = (app.selected as isize + delta).clamp(0, n as isize - 1) as usize;
    if to == app.selected {
        return vec![];
    }
    app.selected = to;
    app.clamp_selection();
    selection_changed(app)
}

fn move_triage(app: &mut App, delta: isize) -> Vec<Effect> {
    let n = app.triage.len();
    if n == 0 {
        return vec![];
    }
    let to = (app.triage_selected as isize + delta).clamp(0, n as isize - 1) as usize;
    if to == app.triage_selected && app.triage_detail.is_some() {
        return vec![];
    }
    app.triage_selected = to;
    app.clamp_triage();
    triage_changed(app)
}

pub fn triage_changed(app: &mut App) -> Vec<Effect> {
    match app.current_message().map(|m| m.id) {
        Some(id) if app.triage_detail.as_ref().is_none_or(|d| d.id != id) => {
            app.triage_scroll = 0;
            vec![Effect::LoadMessage(id)]
        }
        _ => vec![],
    }
}

/// Moves the selection of the current screen by `delta` (lines).
fn vertical(app: &mut App, delta: isize, page: bool) -> Vec<Effect> {
    let step = if page {
        delta.signum() * app.detail_page() as isize
    } else {
        delta
    };
    let scroll = |v: &mut u16, max: u16| {
        *v = (i64::from(*v) + step as i64).clamp(0, i64::from(max)) as u16;
    };
    let pane_h = app.detail_page() as u16 + 2;
    match app.screen {
        Screen::Propositions if app.focus == Focus::Detail => {
            let max = view::triage::max_scroll(view::detail::line_count(app), pane_h);
            scroll(&mut app.detail_scroll, max);
            vec![]
        }
        Screen::Propositions => {
            let d = if page {
                delta.signum() * app.table_page() as isize
            } else {
                delta
            };
            move_selection(app, d)
        }
        Screen::Triage if app.focus == Focus::Detail => {
            let n = view::triage::message_lines(app, app.size.0 as usize).map_or(0, |l| l.len());
            scroll(&mut app.triage_scroll, view::triage::max_scroll(n, pane_h));
            vec![]
        }
        Screen::Triage => {
            let d = if page {
                delta.signum() * app.triage_page() as isize
            } else {
                delta
            };
            move_triage(app, d)
        }
        Screen::Decider => {
            let free = app.decide_free();
            let n = free.len();
            if n > 0 {
                app.decide_cursor =
                    (app.decide_cursor as isize + delta).clamp(0, n as isize - 1) as usize;
                app.decide_anchor = free.get(app.decide_cursor).cloned();
            }
            vec![]
        }
        Screen::Programme => {
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
        Screen::Envoi if app.focus == Focus::Detail => {
            let n = view::envoi::letter_lines(app, app.size.0 as usize).len();
            scroll(&mut app.envoi.scroll, view::triage::max_scroll(n, pane_h));
            vec![]
        }
        Screen::Envoi => {
            let d = if page {
                delta.signum() * app.table_page() as isize
            } else {
                delta
            };
            let n = app.envoi.letters.len();
            if n > 0 {
                let to = (app.envoi.selected as isize + d).clamp(0, n as isize - 1) as usize;
                if to != app.envoi.selected {
                    app.envoi.selected = to;
                    app.envoi.scroll = 0;
                    app.clamp_envoi();
                }
            }
            vec![]
        }
        Screen::Corriger if app.draft_text().is_some() && (page || app.text_instead) => {
            let n = view::corriger::text_line_count(app);
            let h = body_height(app.size).saturating_sub(2);
            scroll(&mut app.text_scroll, view::triage::max_scroll(n, h));
            vec![]
        }
        Screen::Courrier if app.courrier.full => {
            let n = view::courrier::message_lines(app, (app.size.0 as usize).saturating_sub(1))
                .map_or(0, |l| l.len());
            let h = body_height(app.size).saturating_sub(1);
            let max = view::triage::max_scroll(n, h);
            scroll(&mut app.courrier.scroll, max);
            vec![]
        }
        Screen::Courrier => {
            let d = if page {
                delta.signum() * app.courrier_page() as isize
            } else {
                delta
            };
            move_courrier(app, d)
        }
        Screen::Corriger => {
            let kind = match &app.draft {
                Some(d) => Some(d.kind),
                None => app.current().and_then(|r| r.kind),
            };
            let n = fields_of(kind).len();
            app.correct_cursor =
                (app.correct_cursor as isize + delta).clamp(0, n as isize - 1) as usize;
            vec![]
        }
    }
}

fn goto(app: &mut App, screen: Screen) -> Vec<Effect> {
    app.screen = screen;
    app.focus = Focus::List;
    match screen {
        Screen::Triage => triage_changed(app),
        Screen::Propositions | Screen::Decider | Screen::Corriger => {
            app.clamp_selection();
            selection_changed(app)
        }
        Screen::Programme => vec![],
        Screen::Envoi => vec![Effect::LoadLetters],
        Screen::Courrier => {
            app.courrier.full = false;
            vec![Effect::LoadCourrier { keep: true }]
        }
    }
}

/// Courrier: moves the selection; near the end of what is loaded, the
/// next page is asked for.
fn move_courrier(app: &mut App, delta: isize) -> Vec<Effect> {
    let c = &app.courrier;
    let n = c.rows.len();
    if n == 0 {
        return vec![];
    }
    let want = c.selected as isize + delta;
    let mut effects = Vec::new();
    if want >= n as isize - 1 && !c.end {
        effects.push(Effect::MoreCourrier);
    }
    app.courrier.selected = want.clamp(0, n as isize - 1) as usize;
    app.clamp_courrier();
    effects
}

/// The message the link keys act on: Courrier's selected one, or À traiter's.
fn link_target(app: &mut App) -> Option<i64> {
    let id = match app.screen {
        Screen::Courrier => app.courrier.current().map(|r| r.id),
        Screen::Triage => app.current_message().map(|m| m.id),
        _ => None,
    };
    if id.is_none() {
        app.notify(Level::Warn, s::N_NO_MESSAGE);
    }
    id
}

/// Envoi: the selected letter, if in one of `states`.
fn letter_in(app: &mut App, states: &[LetterState], refusal: &str) -> Option<(i64, i64)> {
    let Some(l) = app.envoi.current() else {
        app.notify(Level::Warn, s::ENV_NO_SELECTION);
        return None;
    };
    if !states.contains(&l.state) {
        let text = s::n_letter_not(l.id, l.state.label_fr(), refusal);
        app.notify(Level::Warn, text);
        return None;
    }
    Some((l.id, l.version))
}

/// The selected row is a letter (not an e-mail to the partners), or says why not.
fn a_letter(app: &mut App) -> bool {
    if app.envoi.current().is_some_and(|l| l.partners) {
        app.notify(Level::Warn, s::ENV_PARTNERS_NOT_EDITABLE);
        return false;
    }
    true
}

fn selected_is_partners(app: &App) -> bool {
    app.envoi.current().is_some_and(|l| l.partners)
}

fn settle(app: &mut App, resolution: Resolution) -> Vec<Effect> {
    let partners = selected_is_partners(app);
    match letter_in(app, &[LetterState::Uncertain], s::ENV_ONLY_UNCERTAIN) {
        Some((id, version)) => vec![Effect::ResolveLetter {
            id,
            version,
            resolution,
            partners,
        }],
        None => vec![],
    }
}

fn confirm_recipient(app: &mut App) -> Vec<Effect> {
    if !a_letter(app) {
        return vec![];
    }
    let Some((id, version)) = letter_in(
        app,
        &[LetterState::Pending, LetterState::Failed],
        s::ENV_ONLY_UNSENT_CONFIRM,
    ) else {
        return vec![];
    };
    let Some(l) = app.envoi.current() else {
        return vec![];
    };
    if l.hold.is_none() {
        app.notify(Level::Info, s::ENV_NOTHING_TO_CONFIRM);
        return vec![];
    }
    vec![Effect::ConfirmRecipient {
        id,
        version,
        to: l.to.clone(),
    }]
}

fn ask_send(app: &mut App) -> Vec<Effect> {
    if !app.envoi.smtp {
        app.notify(Level::Error, s::ENV_NO_SMTP);
        return vec![];
    }
    if app.envoi.sending.is_some() {
        app.notify(Level::Warn, s::ENV_ALREADY_SENDING);
        return vec![];
    }
    let choices = super::bulk::send_choices(app);
    let Some(first) = choices.first().cloned() else {
        app.notify(Level::Info, s::ENV_NOTHING_TO_SEND);
        return vec![];
    };
    app.overlay = Overlay::Confirm(Confirm::SendBatch {
        letters: first.letters,
        partners: first.partners,
        choices,
        choice: 0,
    });
    vec![]
}

/// The selected proposal as shown now.
fn seen_current(app: &App) -> Option<Seen> {
    app.current().map(|r| Seen {
        id: r.id,
        number: r.number,
        version: r.version,
    })
}

/// Checks a decision on the selected proposal with the domain rules and,
/// when allowed, asks `run` to record it with the version shown.
fn decide(app: &mut App, decision: Decision) -> Vec<Effect> {
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
fn decide_seen(app: &mut App, seen: Seen, decision: Decision) -> Vec<Effect> {
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

fn accept_selected_place(app: &mut App) -> Vec<Effect> {
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
fn undo(app: &mut App) -> Vec<Effect> {
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
fn waitlist_step(app: &mut App, up: bool) -> Vec<Effect> {
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

/// The cell under the Programme screen's cursor: (slot, place, holder row id).
fn programme_cell(app: &App) -> Option<(Place, Option<i64>)> {
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
fn programme_pick(app: &mut App) -> Vec<Effect> {
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
fn programme_drop(app: &mut App) -> Vec<Effect> {
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
fn programme_withdraw(app: &mut App) -> Vec<Effect> {
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

/// Starts editing a field of the current proposal (or of the draft).
fn edit_field(app: &mut App) -> Vec<Effect> {
    let (kind, current) = match &app.draft {
        Some(d) => (Some(d.kind), Some(&d.fields)),
        None => match app.current() {
            Some(r) => (r.kind, None),
            None => {
                app.notify(Level::Warn, s::N_NO_SELECTION);
                return vec![];
            }
        },
    };
    let seen = if app.draft.is_some() {
        None
    } else {
        seen_current(app)
    };
    let fields = fields_of(kind);
    let Some(f) = fields.get(app.correct_cursor.min(fields.len().saturating_sub(1))) else {
        return vec![];
    };
    let value = match current {
        Some(map) => map.get(f.key).cloned(),
        None => app
            .current_detail()
            .and_then(|d| d.proposal.fields.get(f.key).cloned()),
    };
    match f.ty {
        FieldType::Choice(opts) => {
            let mut options: Vec<(String, Option<Value>)> = opts
                .iter()
                .map(|o| {
                    let v = if f.boolean {
                        Value::Bool(o.value == "true")
                    } else {
                        Value::Text(o.value.to_string())
                    };
                    (o.label.to_string(), Some(v))
                })
                .collect();
            options.push((s::COR_CLEAR.to_string(), None));
            let cursor = options.iter().position(|(_, v)| *v == value).unwrap_or(0);
            app.overlay = Overlay::Picker(Picker {
                seen,
                key: f.key,
                label: f.label,
                options,
                cursor,
            });
        }
        _ => {
            let text = value.map(|v| v.display()).unwrap_or_default();
            app.input = Some((
                InputPurpose::Field { key: f.key, seen },
                TextInput::new(&text),
            ));
        }
    }
    vec![]
}

/// The picker's key for the article of the organisation's name (not a
/// field of the fiche).
const ARTICLE_KEY: &str = "\u{0}article";

/// Corriger, `a`: the articles the letters may give the organisation's
/// name, each with the phrase it makes ("de la Ville de Grenoble").
fn article_picker(app: &mut App) -> Vec<Effect> {
    use crate::domain::french::Article;
    use crate::letters::french::org_name;
    if app.draft.is_some() {
        return vec![];
    }
    let Some(p) = app.current_detail().map(|d| d.proposal.clone()) else {
        app.notify(Level::Warn, s::N_NO_SELECTION);
        return vec![];
    };
    let Some(name) = p.text(crate::call::roles().organisation.as_str()) else {
        app.notify(Level::Warn, s::COR_ARTICLE_NO_NAME);
        return vec![];
    };
    let phrase = |a: Option<Article>| {
        crate::safe::terminal_line(
            &org_name(
                name,
                p.text(crate::call::roles().organisation_type.as_str()),
                p.text(crate::call::roles().country.as_str()),
                a,
            )
            .de(),
        )
    };
    let mut options = vec![(format!("{} : {}", s::COR_ARTICLE_AUTO, phrase(None)), None)];
    for a in Article::ALL {
        options.push((
            format!("{a} : {}", phrase(Some(a))),
            Some(Value::Text(a.as_str().to_string())),
        ));
    }
    let current = p.article.map(|a| Value::Text(a.as_str().to_string()));
    let cursor = options.iter().position(|(_, v)| *v == current).unwrap_or(0);
    app.overlay = Overlay::Picker(Picker {
        seen: seen_current(app),
        key: ARTICLE_KEY,
        label: s::COR_ARTICLE_LABEL,
        options,
        cursor,
    });
    vec![]
}

/// A field's new value chosen or typed: into the draft, or to the store
/// for the proposal as it was seen when the field was opened (a change by
/// someone else meanwhile is then refused as a conflict).
fn set_field(
    app: &mut App,
    key: &'static str,
    value: Option<Value>,
    seen: Option<Seen>,
) -> Vec<Effect> {
    if key == OPINION_KEY {
        let Some(seen) = seen else {
            return vec![];
        };
        let opinion = value
            .as_ref()
            .and_then(Value::as_text)
            .and_then(crate::store::notes::Opinion::parse);
        return vec![Effect::SetOpinion {
            number: seen.number,
            opinion,
        }];
    }
    if key == ARTICLE_KEY {
        // Not a field of the fiche: kept by proposal number, whatever its
        // version (every revision of the fiche keeps it).
        let Some(seen) = seen else {
            return vec![];
        };
        let article = value
            .as_ref()
            .and_then(Value::as_text)
            .and_then(crate::domain::french::Article::parse);
        return vec![Effect::SetArticle {
            number: seen.number,
            article,
        }];
    }
    let Some(seen) = seen else {
        if let Some(d) = &mut app.draft {
            match value {
                Some(v) => d.fields.insert(key.to_string(), v),
                None => d.fields.remove(key),
            };
            d.confirm_missing = false;
        }
        return vec![];
    };
    let old = app
        .detail
        .as_ref()
        .filter(|d| d.id == seen.id && d.proposal.version == seen.version)
        .map(|d| d.proposal.fields.get(key).cloned());
    if old == Some(value.clone()) {
        return vec![];
    }
    vec![Effect::UpdateField {
        id: seen.id,
        version: seen.version,
        key,
        value,
    }]
}

pub(super) fn save_draft(app: &mut App) -> Vec<Effect> {
    let Some(d) = &mut app.draft else {
        return vec![];
    };
    let missing: Vec<&str> = spec::fields(d.kind)
        .iter()
        .filter(|f| f.required && !d.fields.contains_key(f.key))
        .map(|f| f.label)
        .collect();
    if !missing.is_empty() && !d.confirm_missing {
        d.confirm_missing = true;
        let text = s::n_missing_required(&missing.join(", "));
        app.notify(Level::Warn, text);
        return vec![];
    }
    vec![Effect::EnterProposal {
        message_id: d.message_id,
        kind: d.kind,
        fields: d.fields.clone(),
    }]
}

/// The text being typed, submitted as Entrée would.
pub(super) fn submit_input(app: &mut App) -> Vec<Effect> {
    text_edit(app, TextEdit::Submit)
}

fn text_edit(app: &mut App, edit: TextEdit) -> Vec<Effect> {
    let Some((purpose, input)) = &mut app.input else {
        return vec![];
    };
    match edit {
        TextEdit::Char(c) => input.insert(c),
        TextEdit::Backspace => input.backspace(),
        TextEdit::Delete => input.delete(),
        TextEdit::Left => input.left(),
        TextEdit::Right => input.right(),
        TextEdit::Home => input.home(),
        TextEdit::End => input.end(),
        TextEdit::Clear => input.clear(),
        TextEdit::DeleteWord => input.delete_word(),
        TextEdit::Newline => {
            if matches!(purpose, InputPurpose::Field { .. } | InputPurpose::Note(_)) {
                input.insert('\n');
            }
        }
        TextEdit::Cancel => {
            let purpose = purpose.clone();
            app.input = None;
            match purpose {
                InputPurpose::Search => {
                    app.listing.set_query("");
                    return refiltered(app);
                }
                InputPurpose::CourrierSearch => {
                    app.courrier.query.clear();
                    return vec![Effect::LoadCourrier { keep: true }];
                }
                InputPurpose::LinkNumber { .. } | InputPurpose::UnlinkNumber { .. } => {
                    app.notify(Level::Info, s::ENV_CANCELLED);
                }
                _ => {}
            }
            return vec![];
        }
        TextEdit::Submit => {
            let purpose = purpose.clone();
            let text = input.text.clone();
            app.input = None;
            return match purpose {
                InputPurpose::Search => vec![],
                // Searched on Entrée: at 100,000 messages a search reads
                // them all, too slow for every keystroke.
                InputPurpose::CourrierSearch => {
                    app.courrier.query = text.trim().to_string();
                    app.courrier.full = false;
                    vec![Effect::LoadCourrier { keep: false }]
                }
                InputPurpose::LinkNumber { message_id } => match proposal_number(&text) {
                    Some(number) => vec![Effect::PrepareLink { message_id, number }],
                    None => {
                        app.notify(Level::Warn, s::n_not_a_number(text.trim()));
                        vec![]
                    }
                },
                InputPurpose::UnlinkNumber { message_id, .. } => match proposal_number(&text) {
                    Some(number) => vec![Effect::PrepareUnlink {
                        message_id,
                        number: Some(number),
                    }],
                    None => {
                        app.notify(Level::Warn, s::n_not_a_number(text.trim()));
                        vec![]
                    }
                },
                InputPurpose::RejectReason(seen) => {
                    if text.trim().is_empty() {
                        app.notify(Level::Warn, s::N_REASON_NEEDED);
                        return vec![];
                    }
                    decide_seen(
                        app,
                        seen,
                        Decision::Reject {
                            reason: text.trim().to_string(),
                        },
                    )
                }
                InputPurpose::Field { key, seen } => {
                    let t = text.trim();
                    let v = (!t.is_empty()).then(|| Value::Text(t.to_string()));
                    set_field(app, key, v, seen)
                }
                InputPurpose::Note(seen) => {
                    let t = text.trim();
                    vec![Effect::SetNote {
                        number: seen.number,
                        text: (!t.is_empty()).then(|| t.to_string()),
                    }]
                }
                InputPurpose::BulkReason => {
                    if text.trim().is_empty() {
                        app.notify(Level::Warn, s::BULK_REASON_NEEDED);
                        return vec![];
                    }
                    ask_bulk(app, super::bulk::BulkKind::Reject(text.trim().to_string()))
                }
                InputPurpose::SaveDir { number } => {
                    let dir = match text.trim() {
                        "" => ".".to_string(),
                        d => d.to_string(),
                    };
                    vec![Effect::SaveAttachment { number, dir }]
                }
            };
        }
    }
    if matches!(purpose, InputPurpose::Search) {
        let q = input.text.clone();
        let deadline = app.search_budget.map(|b| std::time::Instant::now() + b);
        app.listing.set_query_within(&q, deadline);
        return refiltered(app);
    }
    vec![]
}

/// A proposal number as staff type it ("12", "n° 12", "#12").
fn proposal_number(text: &str) -> Option<i64> {
    let t = text
        .trim()
        .trim_start_matches("n°")
        .trim_start_matches('#')
        .trim();
    t.parse::<i64>().ok().filter(|n| *n > 0)
}

/// Courrier: the selected message in full.
fn courrier_open(app: &mut App) -> Vec<Effect> {
    match app.courrier.current().map(|r| r.id) {
        Some(id) => {
            app.courrier.full = true;
            app.courrier.scroll = 0;
            if app.courrier.detail.as_ref().is_some_and(|d| d.id == id) {
                vec![]
            } else {
                vec![Effect::LoadCourrierMessage(id)]
            }
        }
        None => {
            app.notify(Level::Warn, s::N_NO_MESSAGE);
            vec![]
        }
    }
}

fn programme_enter(app: &mut App) -> Vec<Effect> {
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

/// The attachments of a message whose text staff may want, in order: those
/// that hold no fiche first (the DOC, the PDF), then the others.
fn text_candidates(app: &App, message_id: i64) -> Vec<i64> {
    use crate::store::AttachmentOutcome;
    let Some(d) = app.triage_detail.as_ref().filter(|d| d.id == message_id) else {
        return Vec::new();
    };
    let (first, then): (Vec<_>, Vec<_>) = d
        .record
        .attachments
        .iter()
        .partition(|a| a.outcome != AttachmentOutcome::Fiche);
    first.iter().chain(then.iter()).map(|a| a.id).collect()
}

/// Shows "converting" for attachment `number` and asks `run` for its text.
fn start_text(app: &mut App, number: i64, message_id: i64) -> Vec<Effect> {
    let name = app
        .triage_detail
        .as_ref()
        .and_then(|d| d.record.attachments.iter().find(|a| a.id == number))
        .and_then(|a| a.filename.clone())
        .map_or_else(
            || "(sans nom)".to_string(),
            |n| crate::safe::terminal_line(&n),
        );
    app.attachment_text = Some(AttachmentText {
        number,
        message_id,
        name,
        state: TextState::Converting("…"),
    });
    app.triage_scroll = 0;
    app.text_scroll = 0;
    vec![Effect::ConvertAttachment { number, message_id }]
}

/// À traiter `t`: the text of the first attachment, then of the next one;
/// after the last, back to the message.
fn read_attachment(app: &mut App) -> Vec<Effect> {
    let Some(m) = app.current_message() else {
        app.notify(Level::Warn, s::N_NO_MESSAGE);
        return vec![];
    };
    let message_id = m.id;
    if app
        .triage_detail
        .as_ref()
        .is_none_or(|d| d.id != message_id)
    {
        app.notify(Level::Info, s::LOADING);
        return vec![Effect::LoadMessage(message_id)];
    }
    let all = text_candidates(app, message_id);
    if all.is_empty() {
        app.notify(Level::Warn, s::N_NO_ATTACHMENT);
        return vec![];
    }
    let next = match app.current_text() {
        None => all.first().copied(),
        Some(t) => all
            .iter()
            .position(|n| *n == t.number)
            .and_then(|i| all.get(i + 1).copied()),
    };
    match next {
        Some(number) => {
            app.focus = Focus::Detail;
            start_text(app, number, message_id)
        }
        None => {
            app.attachment_text = None;
            app.triage_scroll = 0;
            vec![]
        }
    }
}

/// `e`: the folder to save an attachment in is asked (the current one
/// offered): the attachment shown as text, else the first of the message;
/// on Propositions, the attachment the fiche was read from.
fn ask_save(app: &mut App) -> Vec<Effect> {
    let number = match app.screen {
        Screen::Propositions => {
            let Some(d) = app.current_detail() else {
                app.notify(Level::Warn, s::N_NO_SELECTION);
                return vec![];
            };
            let from_fiche = d.proposal.attachment_id;
            let first = d
                .message
                .as_ref()
                .and_then(|m| m.attachments.first().map(|a| a.id));
            match from_fiche.or(first) {
                Some(n) => n,
                None => {
                    app.notify(Level::Warn, s::N_NO_ATTACHMENT_OF_PROPOSAL);
                    return vec![];
                }
            }
        }
        _ => {
            let Some(m) = app.current_message() else {
                app.notify(Level::Warn, s::N_NO_MESSAGE);
                return vec![];
            };
            let id = m.id;
            match app
                .current_text()
                .map(|t| t.number)
                .or_else(|| text_candidates(app, id).first().copied())
            {
                Some(n) => n,
                None => {
                    app.notify(Level::Warn, s::N_NO_ATTACHMENT);
                    return vec![];
                }
            }
        }
    };
    let here = std::env::current_dir()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|_| ".".to_string());
    app.input = Some((InputPurpose::SaveDir { number }, TextInput::new(&here)));
    vec![]
}

/// Corriger `t`, during a hand entry: on a narrow terminal, the
/// attachment's text in place of the form and back; on a wide one, the
/// text is already beside the form.
fn toggle_text(app: &mut App) -> Vec<Effect> {
    if app.draft.is_none() {
        app.notify(Level::Info, s::COR_TEXT_NONE);
        return vec![];
    }
    if app.draft_text().is_none() {
        app.notify(Level::Warn, s::COR_TEXT_NONE);
        return vec![];
    }
    if app.side_by_side() {
        app.text_instead = false;
        app.notify(Level::Info, s::COR_TEXT_BESIDE);
        return vec![];
    }
    app.text_instead = !app.text_instead;
    vec![]
}

/// Applies an action; returns what `run` must do with the store.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    if !matches!(
        action,
        Action::Resize(..) | Action::WheelUp | Action::WheelDown
    ) {
        app.notice = None;
    }
    // Unsaved drafts are asked about before they are left.
    if let Some(effects) = super::draft::intercept(app, action) {
        return effects;
    }
    // Overlays take their keys first.
    match (&mut app.overlay, action) {
        (Overlay::Help { .. }, Action::ToggleHelp | Action::Escape) => {
            app.overlay = Overlay::None;
            return vec![];
        }
        (
            Overlay::Help { .. },
            Action::Down | Action::WheelDown | Action::PageDown | Action::Bottom,
        ) => {
            let max = view::overlays::help_max_scroll(app);
            if let Overlay::Help { scroll } = &mut app.overlay {
                *scroll = match action {
                    Action::PageDown => scroll.saturating_add(10),
                    Action::Bottom => max,
                    _ => scroll.saturating_add(1),
                }
                .min(max);
            }
            return vec![];
        }
        (Overlay::Help { scroll }, Action::Up | Action::WheelUp) => {
            *scroll = scroll.saturating_sub(1);
            return vec![];
        }
        (Overlay::Help { scroll }, Action::PageUp) => {
            *scroll = scroll.saturating_sub(10);
            return vec![];
        }
        (Overlay::Help { scroll }, Action::Top) => {
            *scroll = 0;
            return vec![];
        }
        (Overlay::Filters { .. }, Action::Escape) => {
            app.overlay = Overlay::None;
            return vec![];
        }
        (Overlay::Filters { cursor }, Action::Down) => {
            *cursor = (*cursor + 1).min(FILTER_LINES - 1);
            return vec![];
        }
        (Overlay::Filters { cursor }, Action::Up) => {
            *cursor = cursor.saturating_sub(1);
            return vec![];
        }
        (Overlay::Filters { cursor }, Action::Right | Action::Left) => {
            let line = *cursor;
            change_filter(app, line, action == Action::Right);
            return refiltered(app);
        }
        (Overlay::Filters { .. }, Action::Enter) => {
            app.overlay = Overlay::None;
            return vec![];
        }
        (Overlay::Filters { .. }, Action::ClearFilters) => {
            app.listing.filters = Default::default();
            app.listing.refilter();
            return refiltered(app);
        }
        (Overlay::Picker(p), Action::Down) => {
            p.cursor = (p.cursor + 1).min(p.options.len().saturating_sub(1));
            return vec![];
        }
        (Overlay::Picker(p), Action::Up) => {
            p.cursor = p.cursor.saturating_sub(1);
            return vec![];
        }
        (Overlay::Picker(p), Action::Enter) => {
            let (key, seen) = (p.key, p.seen);
            let value = p.options.get(p.cursor).and_then(|(_, v)| v.clone());
            app.overlay = Overlay::None;
            return set_field(app, key, value, seen);
        }
        (Overlay::Picker(_) | Overlay::KindChoice { .. }, Action::Escape) => {
            app.overlay = Overlay::None;
            return vec![];
        }
        (Overlay::KindChoice { message_id }, Action::ChooseKind(kind)) => {
            let message_id = *message_id;
            app.overlay = Overlay::None;
            let mut fields = BTreeMap::new();
            if let Some(m) = app.triage.iter().find(|m| m.id == message_id)
                && let Some(from) = &m.from_addr
            {
                fields.insert(
                    crate::call::roles().contact_email.as_str().to_string(),
                    Value::Text(from.clone()),
                );
            }
            app.draft = Some(Draft {
                message_id,
                kind,
                fields,
                confirm_missing: false,
            });
            app.correct_cursor = 0;
            app.screen = Screen::Corriger;
            app.text_scroll = 0;
            app.text_instead = false;
            // The attachment's text beside the form (the one read, else
            // the first that holds no fiche).
            if app.draft_text().is_some() {
                return vec![];
            }
            return match text_candidates(app, message_id).first() {
                Some(&number) => start_text(app, number, message_id),
                None => vec![],
            };
        }
        (
            Overlay::Confirm(Confirm::SendBatch {
                letters,
                partners,
                choices,
                choice,
            }),
            Action::Up | Action::Down,
        ) => {
            let n = choices.len().max(1);
            *choice = if action == Action::Down {
                (*choice + 1) % n
            } else {
                (*choice + n - 1) % n
            };
            if let Some(c) = choices.get(*choice) {
                *letters = c.letters.clone();
                *partners = c.partners.clone();
            }
            return vec![];
        }
        (Overlay::Confirm(c), Action::Escape) => {
            let text = match c {
                Confirm::Undo { .. } => s::N_UNDO_KEPT,
                Confirm::Bulk(_) => s::BULK_CANCELLED,
                _ => s::ENV_CANCELLED,
            };
            app.overlay = Overlay::None;
            app.notify(Level::Info, text);
            return vec![];
        }
        (Overlay::Confirm(c), Action::Confirm) => {
            let c = c.clone();
            app.overlay = Overlay::None;
            return match c {
                Confirm::DropLetter {
                    id,
                    version,
                    partners,
                } => vec![Effect::DropLetter {
                    id,
                    version,
                    partners,
                }],
                Confirm::SendBatch {
                    letters, partners, ..
                } => {
                    // The marks of the letters sent are done with.
                    app.envoi.marks.retain(|(id, p)| {
                        if *p {
                            !partners.iter().any(|(n, _)| i64::from(*n) == *id)
                        } else {
                            !letters.iter().any(|(l, _)| l == id)
                        }
                    });
                    vec![Effect::SendBatch(letters, partners)]
                }
                Confirm::Bulk(plan) => {
                    app.marks.clear();
                    vec![Effect::Bulk(plan)]
                }
                Confirm::Withdraw {
                    number, version, ..
                } => vec![Effect::Decide {
                    number,
                    version,
                    decision: Decision::Withdraw,
                }],
                Confirm::Undo { number, line, .. } => vec![Effect::Undo { number, line }],
                Confirm::Publish { since, .. } => vec![Effect::Publish { since }],
                Confirm::Link {
                    message_id, number, ..
                } => vec![Effect::Link { message_id, number }],
                Confirm::Unlink {
                    message_id, number, ..
                } => vec![Effect::Unlink { message_id, number }],
            };
        }
        (Overlay::Suggestion { .. }, Action::Escape) => {
            app.overlay = Overlay::None;
            app.suggestion = None;
            app.notify(Level::Info, s::SUG_CANCELLED);
            return vec![];
        }
        (Overlay::Suggestion { .. }, Action::Confirm) => {
            app.overlay = Overlay::None;
            return vec![Effect::ApplySuggestion];
        }
        (Overlay::Suggestion { scroll }, Action::Down | Action::WheelDown) => {
            *scroll = scroll.saturating_add(1);
            return vec![];
        }
        (Overlay::Suggestion { scroll }, Action::Up | Action::WheelUp) => {
            *scroll = scroll.saturating_sub(1);
            return vec![];
        }
        (Overlay::Suggestion { scroll }, Action::PageDown) => {
            *scroll = scroll.saturating_add(10);
            return vec![];
        }
        (Overlay::Suggestion { scroll }, Action::PageUp) => {
            *scroll = scroll.saturating_sub(10);
            return vec![];
        }
        (Overlay::Revisions { .. }, Action::Escape) => {
            app.overlay = Overlay::None;
            return vec![];
        }
        (Overlay::Revisions { from, to, scroll }, Action::RevisionShift { arrival, later }) => {
            let n = app.detail.as_ref().map_or(0, |d| d.revisions.len());
            let (f, t) = super::view::revisions::shift(*from, *to, n, arrival, later);
            if (f, t) == (*from, *to) {
                app.notify(Level::Info, s::REV_NO_FURTHER);
            } else {
                (*from, *to, *scroll) = (f, t, 0);
            }
            return vec![];
        }
        (Overlay::Revisions { scroll, .. }, Action::Down | Action::WheelDown) => {
            *scroll = scroll.saturating_add(1);
            return vec![];
        }
        (Overlay::Revisions { scroll, .. }, Action::Up | Action::WheelUp) => {
            *scroll = scroll.saturating_sub(1);
            return vec![];
        }
        (Overlay::Revisions { scroll, .. }, Action::PageDown) => {
            *scroll = scroll.saturating_add(10);
            return vec![];
        }
        (Overlay::Revisions { scroll, .. }, Action::PageUp) => {
            *scroll = scroll.saturating_sub(10);
            return vec![];
        }
        (Overlay::Publish { .. }, Action::Escape) => {
            app.overlay = Overlay::None;
            app.publish_preview = None;
            app.notify(Level::Info, s::PUB_CANCELLED);
            return vec![];
        }
        (Overlay::Publish { .. }, Action::Confirm) => {
            let Some(p) = &app.publish_preview else {
                app.overlay = Overlay::None;
                return vec![];
            };
            match p.number {
                Some(number) => {
                    let since = p.since;
                    app.overlay = Overlay::Confirm(Confirm::Publish { number, since });
                }
                None => {
                    app.overlay = Overlay::None;
                    app.publish_preview = None;
                    app.notify(Level::Info, s::PUB_NOTHING);
                }
            }
            return vec![];
        }
        (Overlay::Publish { scroll }, Action::Down | Action::WheelDown) => {
            *scroll = scroll.saturating_add(1);
            return vec![];
        }
        (Overlay::Publish { scroll }, Action::Up | Action::WheelUp) => {
            *scroll = scroll.saturating_sub(1);
            return vec![];
        }
        (Overlay::Publish { scroll }, Action::PageDown) => {
            *scroll = scroll.saturating_add(10);
            return vec![];
        }
        (Overlay::Publish { scroll }, Action::PageUp) => {
            *scroll = scroll.saturating_sub(10);
            return vec![];
        }
        (Overlay::None, _) => {}
        (_, Action::Quit) => {}
        (_, Action::Resize(..)) => {}
        _ => return vec![],
    }

    match action {
        Action::Quit => {
            // Leaving in the middle of an SMTP transaction would leave that
            // letter uncertain: asked once.
            if app.envoi.sending.is_some() && !app.envoi.quit_warned {
                app.envoi.quit_warned = true;
                app.notify(Level::Warn, s::ENV_QUIT_WHILE_SENDING);
            } else {
                app.quit = true;
            }
            vec![]
        }
        Action::Resize(w, h) => {
            app.size = (w, h);
            app.clamp_selection();
            app.clamp_triage();
            app.clamp_envoi();
            vec![]
        }
        Action::Text(edit) => text_edit(app, edit),
        Action::Up | Action::Down if matches!(app.input, Some((InputPurpose::Search, _))) => {
            move_selection(app, if action == Action::Up { -1 } else { 1 })
        }
        Action::Up | Action::Down
            if matches!(app.input, Some((InputPurpose::CourrierSearch, _))) =>
        {
            move_courrier(app, if action == Action::Up { -1 } else { 1 })
        }
        _ if app.input.is_some() => vec![],
        Action::ToggleHelp => {
            app.overlay = Overlay::Help { scroll: 0 };
            vec![]
        }
        Action::Escape => {
            if app.screen == Screen::Triage && app.current_text().is_some() {
                app.attachment_text = None;
                app.triage_scroll = 0;
            } else if app.screen == Screen::Programme && app.programme_pick.take().is_some() {
                app.notify(Level::Info, s::PROG_PICK_CANCELLED);
            } else if app.screen == Screen::Courrier && app.courrier.full {
                app.courrier.full = false;
            } else if app.screen == Screen::Courrier && !app.courrier.query.is_empty() {
                app.courrier.query.clear();
                return vec![Effect::LoadCourrier { keep: true }];
            } else if app.focus == Focus::Detail {
                app.focus = Focus::List;
            } else if app.screen == Screen::Propositions && !app.listing.query.is_empty() {
                app.listing.set_query("");
                return refiltered(app);
            }
            vec![]
        }
        Action::Goto(screen) => goto(app, screen),
        Action::Refresh => vec![Effect::Refresh],
        Action::Unbound(c) => {
            let here = s::screen_name(app.screen.index());
            let places: Vec<(&str, &str)> = super::action::elsewhere(c)
                .into_iter()
                .map(|(sc, what)| (s::screen_name(sc.index()), what))
                .collect();
            app.notify(Level::Info, s::n_unbound(c, here, &places));
            vec![]
        }
        Action::Up => vertical(app, -1, false),
        Action::Down => vertical(app, 1, false),
        Action::WheelUp => vertical(app, -3, false),
        Action::WheelDown => vertical(app, 3, false),
        Action::PageUp => vertical(app, -1, true),
        Action::PageDown => vertical(app, 1, true),
        Action::Top => vertical(app, -(i32::MAX as isize), false),
        Action::Bottom => vertical(app, i32::MAX as isize, false),
        Action::Left | Action::Right => {
            let d: isize = if action == Action::Left { -1 } else { 1 };
            match app.screen {
                Screen::Programme => {
                    let n = app.rules.layout.of(app.programme_kind).places.len();
                    app.programme_cursor.1 =
                        (app.programme_cursor.1 as isize + d).clamp(0, n as isize - 1) as usize;
                }
                Screen::Propositions | Screen::Triage | Screen::Envoi => {
                    app.focus = if d > 0 { Focus::Detail } else { Focus::List };
                }
                Screen::Courrier if d > 0 && !app.courrier.full => return courrier_open(app),
                Screen::Courrier if d < 0 => app.courrier.full = false,
                _ => {}
            }
            vec![]
        }
        Action::Tab => {
            match app.screen {
                Screen::Programme => {
                    app.programme_pick = None;
                    // The next kind of the definition, round.
                    let kinds = Kind::all();
                    let at = kinds.iter().position(|k| *k == app.programme_kind);
                    app.programme_kind = at
                        .and_then(|i| kinds.get(i + 1))
                        .or(kinds.first())
                        .copied()
                        .unwrap_or(app.programme_kind);
                    app.programme_cursor = (0, 0);
                }
                Screen::Courrier if app.courrier.full => app.courrier.full = false,
                Screen::Courrier => return courrier_open(app),
                _ => {
                    app.focus = match app.focus {
                        Focus::List => Focus::Detail,
                        Focus::Detail => Focus::List,
                    };
                }
            }
            vec![]
        }
        Action::Enter => match app.screen {
            Screen::Propositions => goto(app, Screen::Decider),
            Screen::Decider => accept_selected_place(app),
            Screen::Programme => programme_enter(app),
            Screen::Triage => {
                app.focus = Focus::Detail;
                vec![]
            }
            Screen::Corriger => edit_field(app),
            Screen::Envoi => {
                app.focus = Focus::Detail;
                vec![]
            }
            Screen::Courrier => courrier_open(app),
        },
        Action::Search if app.screen == Screen::Courrier => {
            let q = app.courrier.query.clone();
            app.courrier.full = false;
            app.input = Some((InputPurpose::CourrierSearch, TextInput::new(&q)));
            vec![]
        }
        Action::CourrierFilter(forward) => {
            let all = crate::store::courrier::CourrierFilter::ALL;
            let i = all
                .iter()
                .position(|f| *f == app.courrier.filter)
                .unwrap_or(0);
            let n = all.len();
            app.courrier.filter = all[if forward {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            }];
            app.courrier.full = false;
            vec![Effect::LoadCourrier { keep: true }]
        }
        Action::Link => match link_target(app) {
            Some(message_id) => {
                app.input = Some((
                    InputPurpose::LinkNumber { message_id },
                    TextInput::default(),
                ));
                vec![]
            }
            None => vec![],
        },
        Action::Unlink => match link_target(app) {
            Some(message_id) => vec![Effect::PrepareUnlink {
                message_id,
                number: None,
            }],
            None => vec![],
        },
        Action::Search => {
            let q = app.listing.query.clone();
            app.input = Some((InputPurpose::Search, TextInput::new(&q)));
            vec![]
        }
        Action::SortNext | Action::SortReverse => {
            if action == Action::SortNext {
                app.listing.sort = app.listing.sort.next();
                app.listing.reverse = false;
            } else {
                app.listing.reverse = !app.listing.reverse;
            }
            app.listing.resort();
            refiltered(app)
        }
        Action::Filters => {
            app.overlay = Overlay::Filters { cursor: 0 };
            vec![]
        }
        Action::ClearFilters => {
            app.listing.filters = Default::default();
            app.listing.set_query("");
            app.listing.refilter();
            refiltered(app)
        }
        Action::Decide => goto(app, Screen::Decider),
        Action::Correct => {
            app.draft = None;
            app.correct_cursor = 0;
            goto(app, Screen::Corriger)
        }
        Action::Accept => accept_selected_place(app),
        Action::Waitlist => decide(app, Decision::Waitlist),
        Action::Withdraw if app.screen == Screen::Programme => programme_withdraw(app),
        Action::Withdraw => decide(app, Decision::Withdraw),
        Action::Reset => decide(app, Decision::Pending),
        Action::Pick => programme_pick(app),
        Action::Suggest => vec![Effect::ComputeSuggestion],
        Action::Publish => vec![Effect::PreparePublish],
        Action::Revisions => {
            match app.current_detail().map(|d| d.revisions.len()) {
                Some(n) if n >= 2 => {
                    app.overlay = Overlay::Revisions {
                        from: n - 2,
                        to: n - 1,
                        scroll: 0,
                    };
                }
                Some(_) => app.notify(Level::Info, s::REV_ONLY_ONE),
                None => app.notify(Level::Warn, s::N_NO_SELECTION),
            }
            vec![]
        }
        Action::RevisionShift { .. } => vec![],
        Action::WaitUp => waitlist_step(app, true),
        Action::WaitDown => waitlist_step(app, false),
        Action::TakeBack if !a_letter(app) => vec![],
        Action::TakeBack => match letter_in(app, &[LetterState::Review], s::ENV_ONLY_REVIEW) {
            Some((id, version)) => vec![Effect::TakeBackLetter { id, version }],
            None => vec![],
        },
        Action::Reject => {
            let Some(seen) = seen_current(app) else {
                app.notify(Level::Warn, s::N_NO_SELECTION);
                return vec![];
            };
            app.input = Some((InputPurpose::RejectReason(seen), TextInput::default()));
            vec![]
        }
        Action::Undo => undo(app),
        Action::ToggleHandled => match app.current_message() {
            Some(m) => vec![Effect::SetHandled {
                message_id: m.id,
                handled: m.handled.is_none(),
            }],
            None => {
                app.notify(Level::Warn, s::N_NO_MESSAGE);
                vec![]
            }
        },
        Action::AskDocx => match app.current_message() {
            // A fiche was already read or entered for it: asked once more.
            Some(m) if m.proposals > 0 && app.docx_armed != Some(m.id) => {
                let id = m.id;
                let n = m.proposals;
                app.docx_armed = Some(id);
                app.notify(Level::Warn, s::n_docx_has_fiche(id, n));
                vec![]
            }
            Some(m) => {
                let id = m.id;
                app.docx_armed = None;
                vec![Effect::AskDocx { message_id: id }]
            }
            None => {
                app.notify(Level::Warn, s::N_NO_MESSAGE);
                vec![]
            }
        },
        Action::NewFiche => match app.current_message() {
            Some(m) => {
                app.overlay = Overlay::KindChoice { message_id: m.id };
                vec![]
            }
            None => {
                app.notify(Level::Warn, s::N_NO_MESSAGE);
                vec![]
            }
        },
        Action::ReadAttachment => read_attachment(app),
        Action::SaveAttachment => ask_save(app),
        Action::ToggleText => toggle_text(app),
        Action::Save => save_draft(app),
        Action::Abandon => {
            if app.draft.take().is_some() {
                app.notify(Level::Info, s::N_DRAFT_ABANDONED);
                app.screen = Screen::Triage;
            }
            vec![]
        }
        Action::ChooseKind(_) | Action::Confirm | Action::Draft(_) => vec![],
        Action::DropLetter => {
            let partners = selected_is_partners(app);
            if let Some((id, version)) = letter_in(
                app,
                &[
                    LetterState::Pending,
                    LetterState::Failed,
                    LetterState::Review,
                ],
                s::ENV_ONLY_UNSENT,
            ) {
                app.overlay = Overlay::Confirm(Confirm::DropLetter {
                    id,
                    version,
                    partners,
                });
            }
            vec![]
        }
        Action::EditLetter if !a_letter(app) => vec![],
        Action::EditLetter => {
            match letter_in(
                app,
                &[LetterState::Pending, LetterState::Failed],
                s::ENV_ONLY_UNSENT_EDIT,
            ) {
                Some((id, version)) => vec![Effect::EditLetter { id, version }],
                None => vec![],
            }
        }
        Action::SettleSent => settle(app, Resolution::Sent),
        Action::SettleResend => settle(app, Resolution::Resend),
        Action::SendBatch => ask_send(app),
        Action::ConfirmRecipient => confirm_recipient(app),
        Action::Article => article_picker(app),
        Action::ToggleMark => toggle_mark(app),
        Action::ClearMarks => {
            let marks = if app.screen == Screen::Envoi {
                std::mem::take(&mut app.envoi.marks).len()
            } else {
                std::mem::take(&mut app.marks).len()
            };
            if marks == 0 {
                app.notify(Level::Info, s::NO_MARKS);
            } else {
                app.notify(Level::Info, s::MARKS_CLEARED);
            }
            vec![]
        }
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
        Action::BulkAccept => ask_bulk(app, super::bulk::BulkKind::Accept),
        Action::BulkWaitlist => ask_bulk(app, super::bulk::BulkKind::Waitlist),
        Action::BulkReject => {
            if app.marks.is_empty() {
                app.notify(Level::Warn, s::BULK_NONE_MARKED);
                return vec![];
            }
            app.input = Some((InputPurpose::BulkReason, TextInput::default()));
            vec![]
        }
    }
}

/// Space: marks or unmarks the selected proposal (Propositions) or letter (Envoi).
fn toggle_mark(app: &mut App) -> Vec<Effect> {
    if app.screen == Screen::Envoi {
        let Some(l) = app.envoi.current() else {
            app.notify(Level::Warn, s::ENV_NO_SELECTION);
            return vec![];
        };
        let key = (l.id, l.partners);
        if !app.envoi.marks.remove(&key) {
            app.envoi.marks.insert(key);
        }
        let n = app.envoi.marks.len();
        app.notify(Level::Info, s::marked_count(n));
        // Space moves on, to mark several in a row.
        return vertical(app, 1, false);
    }
    let Some(number) = app.current().map(|r| r.number) else {
        app.notify(Level::Warn, s::N_NO_SELECTION);
        return vec![];
    };
    let marked = if app.marks.remove(&number) {
        false
    } else {
        app.marks.insert(number);
        true
    };
    let text = s::n_marked(number, marked, app.marks.len());
    app.notify(Level::Info, text);
    move_selection(app, 1)
}

/// The one confirmation of a decision on every marked proposal: what will
/// happen to each.
fn ask_bulk(app: &mut App, kind: super::bulk::BulkKind) -> Vec<Effect> {
    if app.marks.is_empty() {
        app.notify(Level::Warn, s::BULK_NONE_MARKED);
        return vec![];
    }
    let plan = super::bulk::plan(app, kind);
    app.overlay = Overlay::Confirm(Confirm::Bulk(plan));
    vec![]
}

/// The picker's key for the acting user's opinion (not a field of the fiche).
const OPINION_KEY: &str = "\u{0}opinion";

/// "o": the acting user's opinion on the selected proposal, chosen in a list.
fn opinion_picker(app: &mut App) -> Vec<Effect> {
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

/// The key used by `SortKey` names in the header.
pub fn sort_label(k: SortKey, reverse: bool) -> String {
    format!("{}{}", k.name(), if reverse { " ↓" } else { " ↑" })
}

/// What a key can visibly change (the notice apart): a key whose action
/// leaves it equal and has no effect did nothing, and says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visible {
    screen: Screen,
    focus: super::app::Focus,
    overlay: Overlay,
    input: Option<(InputPurpose, TextInput)>,
    cursors: [usize; 8],
    scrolls: [u16; 3],
    programme: (usize, usize, bool, usize),
    listing: (super::rows::SortKey, bool, String, usize),
    quit: bool,
}

impl Visible {
    pub fn of(app: &App) -> Visible {
        Visible {
            screen: app.screen,
            focus: app.focus,
            overlay: app.overlay.clone(),
            input: app.input.clone(),
            cursors: [
                app.selected,
                app.offset,
                app.decide_cursor,
                app.triage_selected,
                app.triage_offset,
                app.correct_cursor,
                app.envoi.selected,
                app.envoi.offset,
            ],
            scrolls: [app.detail_scroll, app.triage_scroll, app.envoi.scroll],
            programme: (
                app.programme_cursor.0,
                app.programme_cursor.1,
                app.programme_pick.is_some(),
                app.programme_kind.index(),
            ),
            listing: (
                app.listing.sort,
                app.listing.reverse,
                app.listing.query.clone(),
                app.listing.visible_len(),
            ),
            quit: app.quit,
        }
    }
}

/// Why a key's action changed nothing here (the message line says it).
pub fn why_nothing(app: &App, action: Action) -> String {
    let screen = s::screen_name(app.screen.index());
    let what = super::action::bindings(super::action::KeyMode::Normal(app.screen))
        .find(|b| b.action == action)
        .map_or("", |b| b.help);
    if let Action::Goto(_) = action {
        return s::n_already_on(screen);
    }
    let reason = match action {
        Action::Up | Action::PageUp | Action::Top | Action::WheelUp => s::WHY_AT_TOP,
        Action::Down | Action::PageDown | Action::Bottom | Action::WheelDown => s::WHY_AT_BOTTOM,
        Action::Left | Action::Right => s::WHY_NO_COLUMNS,
        Action::Escape => s::WHY_NOTHING_OPEN,
        _ => s::WHY_NOTHING_HERE,
    };
    s::n_nothing(what, screen, reason)
}
