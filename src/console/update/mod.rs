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

mod corriger;
mod courrier;
mod decider;
mod envoi;
mod input;
mod navigation;
mod overlays;
mod programme;
mod propositions;
#[cfg(test)]
mod tests;
mod triage;

pub(in crate::console) use self::{
    corriger::save_draft, input::submit_input, propositions::selection_changed,
};
use self::{
    corriger::*, courrier::*, decider::*, envoi::*, input::*, navigation::*, overlays::*,
    programme::*, propositions::*, triage::*,
};
pub use self::{
    propositions::{THEMES, filter_slots},
    triage::triage_changed,
};

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

/// Applies an action; returns what `run` must do with the store. The
/// keys of the draft question and of the overlay shown come first; then
/// the typed line, the moves every screen shares, and each screen's own
/// keys in its module (`update/<screen>.rs`, like `view/`). Long by its
/// nature, not by its logic: one short arm per action (the compiler checks
/// none is forgotten), each handing over to its screen's function.
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
    if let Some(effects) = overlay_action(app, action) {
        return effects;
    }
    match action {
        Action::Quit => quit(app),
        Action::Resize(w, h) => resize(app, w, h),
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
        Action::Escape => escape(app),
        Action::Goto(screen) => goto(app, screen),
        Action::Refresh => vec![Effect::Refresh],
        Action::Unbound(c) => unbound(app, c),
        Action::Up => vertical(app, -1, false),
        Action::Down => vertical(app, 1, false),
        Action::WheelUp => vertical(app, -3, false),
        Action::WheelDown => vertical(app, 3, false),
        Action::PageUp => vertical(app, -1, true),
        Action::PageDown => vertical(app, 1, true),
        Action::Top => vertical(app, -(i32::MAX as isize), false),
        Action::Bottom => vertical(app, i32::MAX as isize, false),
        Action::Left | Action::Right => left_right(app, action),
        Action::Tab => tab(app),
        Action::Enter => enter(app),
        Action::Search if app.screen == Screen::Courrier => courrier_action(app, action),
        Action::CourrierFilter(_) => courrier_action(app, action),
        Action::Link
        | Action::Unlink
        | Action::ToggleHandled
        | Action::AskDocx
        | Action::NewFiche
        | Action::ReadAttachment
        | Action::SaveAttachment => triage_action(app, action),
        Action::Search
        | Action::SortNext
        | Action::SortReverse
        | Action::Filters
        | Action::ClearFilters
        | Action::Revisions
        | Action::ToggleMark
        | Action::ClearMarks
        | Action::BulkAccept
        | Action::BulkWaitlist
        | Action::BulkReject => propositions_action(app, action),
        Action::Decide => goto(app, Screen::Decider),
        Action::Correct | Action::ToggleText | Action::Save | Action::Abandon | Action::Article => {
            corriger_action(app, action)
        }
        Action::Withdraw if app.screen == Screen::Programme => programme_withdraw(app),
        Action::Pick | Action::Suggest | Action::Publish => programme_action(app, action),
        Action::Accept
        | Action::Waitlist
        | Action::Withdraw
        | Action::Reset
        | Action::WaitUp
        | Action::WaitDown
        | Action::Reject
        | Action::Undo
        | Action::Note
        | Action::Opinion => decider_action(app, action),
        Action::TakeBack
        | Action::DropLetter
        | Action::EditLetter
        | Action::SettleSent
        | Action::SettleResend
        | Action::SendBatch
        | Action::ConfirmRecipient => envoi_action(app, action),
        Action::RevisionShift { .. }
        | Action::ChooseKind(_)
        | Action::Confirm
        | Action::Draft(_) => {
            vec![]
        }
    }
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
