//! Drafts that are never lost: what staff are typing (a fiche entered by
//! hand, a field being corrected, a refusal reason) as plain data that
//! `run` writes to the database as it is typed (one draft per staff
//! member, `store::drafts`), the question asked before leaving it
//! ("Brouillon non enregistré : (e)nregistrer, (a)bandonner, (r)ester")
//! and the offer of a draft found when the console starts again. Pure:
//! `update` calls in here, `run` persists the snapshot.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::action::{Action, DraftAnswer, TextEdit};
use super::app::{App, Draft, InputPurpose, Level, Overlay, Screen, Seen, TextInput};
use super::strings as s;
use super::update::{Effect, fields_of, save_draft, selection_changed, submit_input, update};
use crate::fiche::{Kind, Value};

/// A fiche being entered by hand, as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandEntry {
    pub message_id: i64,
    pub kind: Kind,
    pub fields: BTreeMap<String, Value>,
}

/// What a text being typed is for, as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "for", rename_all = "snake_case")]
pub enum TypedFor {
    /// The reason of a refusal of a proposal (as seen).
    Reason { seen: Seen },
    /// A field of a proposal (as seen), or of the fiche entered by hand.
    Field { key: String, seen: Option<Seen> },
    /// The acting user's note on a proposal (as seen).
    Note { seen: Seen },
}

/// A text being typed, as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Typed {
    #[serde(flatten)]
    pub purpose: TypedFor,
    pub text: String,
}

/// Everything not yet saved, as written to the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedDraft {
    #[serde(default)]
    pub hand: Option<HandEntry>,
    #[serde(default)]
    pub typed: Option<Typed>,
}

/// A draft found when the console started, offered to take up again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    pub draft: SavedDraft,
    pub saved_at: Option<DateTime<Utc>>,
}

/// The value a field shows now (what the text typed is compared with).
fn field_now(app: &App, key: &str, seen: Option<Seen>) -> String {
    let v = match seen {
        None => app.draft.as_ref().and_then(|d| d.fields.get(key).cloned()),
        Some(seen) => app
            .detail
            .as_ref()
            .filter(|d| d.id == seen.id)
            .and_then(|d| d.proposal.fields.get(key).cloned()),
    };
    v.map(|v| v.display()).unwrap_or_default()
}

/// The text being typed, when it is unsaved work (a search is not).
pub fn typed(app: &App) -> Option<Typed> {
    let (purpose, input) = app.input.as_ref()?;
    match purpose {
        InputPurpose::RejectReason(seen) if !input.text.trim().is_empty() => Some(Typed {
            purpose: TypedFor::Reason { seen: *seen },
            text: input.text.clone(),
        }),
        InputPurpose::Field { key, seen }
            if input.text.trim() != field_now(app, key, *seen).trim() =>
        {
            Some(Typed {
                purpose: TypedFor::Field {
                    key: key.to_string(),
                    seen: *seen,
                },
                text: input.text.clone(),
            })
        }
        InputPurpose::Note(seen) if input.text.trim() != note_now(app, seen.id).trim() => {
            Some(Typed {
                purpose: TypedFor::Note { seen: *seen },
                text: input.text.clone(),
            })
        }
        _ => None,
    }
}

/// The acting user's note as stored on the proposal shown.
fn note_now(app: &App, id: i64) -> String {
    app.detail
        .as_ref()
        .filter(|d| d.id == id)
        .and_then(|d| d.notes.iter().find(|n| n.actor == app.user))
        .and_then(|n| n.note.clone())
        .unwrap_or_default()
}

/// Everything unsaved, `None` when there is nothing to keep.
pub fn snapshot(app: &App) -> Option<SavedDraft> {
    let hand = app.draft.as_ref().map(|d| HandEntry {
        message_id: d.message_id,
        kind: d.kind,
        fields: d.fields.clone(),
    });
    let typed = typed(app);
    (hand.is_some() || typed.is_some()).then_some(SavedDraft { hand, typed })
}

/// Whether leaving now would lose something.
pub fn unsaved(app: &App) -> bool {
    app.draft.is_some() || typed(app).is_some()
}

/// Whether `action` leaves the draft (another screen, quitting, Échap out
/// of the form or of the text typed, another fiche to correct or enter).
fn leaves(app: &App, action: Action) -> bool {
    let typing = typed(app).is_some();
    match action {
        Action::Quit => unsaved(app),
        Action::Text(TextEdit::Cancel) => typing,
        _ if app.input.is_some() => false,
        Action::Goto(screen) => screen != app.screen && app.draft.is_some(),
        Action::Escape => app.screen == Screen::Corriger && app.draft.is_some(),
        Action::Correct | Action::NewFiche => app.draft.is_some(),
        // X (abandon the hand entry) asks too when something was typed.
        Action::Abandon => app.draft.as_ref().is_some_and(|d| !d.fields.is_empty()),
        _ => false,
    }
}

/// Takes the actions that concern drafts: the answers to the draft
/// questions, and any action that would leave unsaved work (it asks
/// first). `None`: not a draft matter, `update` goes on.
pub fn intercept(app: &mut App, action: Action) -> Option<Vec<Effect>> {
    match (&app.overlay, action) {
        (Overlay::DraftFound, Action::Draft(answer)) => Some(recovered_answer(app, answer)),
        // Quitting from the offer keeps the draft for the next console.
        (Overlay::DraftFound, Action::Quit) => {
            app.quit = true;
            Some(vec![])
        }
        (Overlay::DraftFound, Action::Resize(..)) => None,
        (Overlay::DraftFound, _) => Some(vec![]),
        (Overlay::DraftLeave { then }, Action::Draft(answer)) => {
            let then = *then;
            app.overlay = Overlay::None;
            Some(leave_answer(app, answer, then))
        }
        // Ctrl-C again on the question: quit, the draft kept (it is in
        // the database and offered to the next console).
        (Overlay::DraftLeave { .. }, Action::Quit) => {
            app.quit = true;
            Some(vec![])
        }
        (Overlay::DraftLeave { .. }, Action::Resize(..)) => None,
        (Overlay::DraftLeave { .. }, _) => Some(vec![]),
        (Overlay::None, a) | (_, a @ Action::Quit) if leaves(app, a) => {
            app.overlay = Overlay::DraftLeave { then: action };
            Some(vec![])
        }
        _ => None,
    }
}

fn leave_answer(app: &mut App, answer: DraftAnswer, then: Action) -> Vec<Effect> {
    let only_typed = then == Action::Text(TextEdit::Cancel);
    match answer {
        DraftAnswer::Stay | DraftAnswer::Resume => vec![],
        DraftAnswer::Abandon => {
            app.input = None;
            if only_typed {
                app.notify(Level::Info, s::DRAFT_TYPED_ABANDONED);
                return vec![];
            }
            if app.draft.take().is_some() && matches!(then, Action::Escape | Action::Abandon) {
                app.screen = Screen::Triage;
                app.notify(Level::Info, s::N_DRAFT_ABANDONED);
                return vec![];
            }
            let effects = update(app, then);
            if app.notice.is_none() {
                app.notify(Level::Info, s::N_DRAFT_ABANDONED);
            }
            effects
        }
        DraftAnswer::Save => {
            let mut effects = if typed(app).is_some() {
                submit_input(app)
            } else {
                app.input = None;
                vec![]
            };
            if only_typed {
                return effects;
            }
            if app.draft.is_some() {
                let saved = save_draft(app);
                if saved.is_empty() {
                    // Required fields missing: said on the message line, the
                    // form stays open.
                    app.screen = Screen::Corriger;
                    return effects;
                }
                effects.extend(saved);
            }
            if then != Action::Escape {
                effects.push(Effect::Then(then));
            }
            effects
        }
    }
}

fn recovered_answer(app: &mut App, answer: DraftAnswer) -> Vec<Effect> {
    let Some(found) = app.recovered.take() else {
        app.overlay = Overlay::None;
        return vec![];
    };
    app.overlay = Overlay::None;
    match answer {
        DraftAnswer::Resume | DraftAnswer::Save => restore(app, found.draft),
        DraftAnswer::Abandon => {
            app.notify(Level::Info, s::DRAFT_FOUND_ABANDONED);
            vec![]
        }
        DraftAnswer::Stay => {
            app.recovered = Some(found);
            app.overlay = Overlay::DraftFound;
            vec![]
        }
    }
}

/// Puts a kept draft back where it was typed.
pub fn restore(app: &mut App, d: SavedDraft) -> Vec<Effect> {
    let mut effects = Vec::new();
    if let Some(h) = d.hand {
        app.draft = Some(Draft {
            message_id: h.message_id,
            kind: h.kind,
            fields: h.fields,
            confirm_missing: false,
        });
        app.correct_cursor = 0;
        app.screen = Screen::Corriger;
    }
    if let Some(t) = d.typed {
        match t.purpose {
            TypedFor::Reason { seen } => {
                app.screen = Screen::Decider;
                app.select_id(seen.id);
                effects.extend(selection_changed(app));
                app.input = Some((InputPurpose::RejectReason(seen), TextInput::new(&t.text)));
            }
            TypedFor::Note { seen } => {
                app.screen = Screen::Propositions;
                app.select_id(seen.id);
                effects.extend(selection_changed(app));
                app.input = Some((InputPurpose::Note(seen), TextInput::new(&t.text)));
            }
            TypedFor::Field { key, seen } => {
                let kind = match (&app.draft, seen) {
                    (Some(d), None) => Some(d.kind),
                    (_, Some(seen)) => {
                        app.select_id(seen.id);
                        effects.extend(selection_changed(app));
                        app.listing.get(seen.id).and_then(|r| r.kind)
                    }
                    (None, None) => None,
                };
                let fields = fields_of(kind);
                let found = fields
                    .iter()
                    .enumerate()
                    .find(|(_, f)| f.key == key)
                    .or_else(|| {
                        Kind::all().iter().find_map(|k| {
                            fields_of(Some(*k))
                                .iter()
                                .enumerate()
                                .find(|(_, f)| f.key == key)
                        })
                    });
                if let Some((i, f)) = found {
                    app.screen = Screen::Corriger;
                    app.correct_cursor = i;
                    app.input = Some((
                        InputPurpose::Field { key: f.key, seen },
                        TextInput::new(&t.text),
                    ));
                }
            }
        }
    }
    app.focus = Default::default();
    app.notify(Level::Ok, s::DRAFT_RESUMED);
    effects
}

/// What a draft holds, in a sentence ("la fiche saisie à la main pour le
/// message n° 3 (4 champs remplis) ; le motif de refus de la proposition
/// n° 7 : « trop tard »").
pub fn describe(d: &SavedDraft) -> String {
    let mut parts = Vec::new();
    if let Some(h) = &d.hand {
        parts.push(s::draft_hand(h.message_id, h.kind, h.fields.len()));
    }
    if let Some(t) = &d.typed {
        let text = crate::safe::terminal_line(&t.text);
        parts.push(match &t.purpose {
            TypedFor::Reason { seen } => s::draft_reason(seen.number, &text),
            TypedFor::Note { seen } => s::draft_note(seen.number, &text),
            TypedFor::Field { key, seen } => {
                let label = Kind::all()
                    .iter()
                    .find_map(|k| crate::fiche::spec::field(*k, key))
                    .map_or(key.as_str(), |f| f.label);
                s::draft_field(label, seen.map(|x| x.number), &text)
            }
        });
    }
    parts.join(" ; ")
}
