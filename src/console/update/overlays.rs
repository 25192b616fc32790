//! The overlays (help, filters, pickers, questions, suggestion, revisions,
//! publication preview) take their keys before the screen under them; one
//! function per overlay.

use super::*;

/// The action for the overlay shown: `Some` when the overlay took it (or
/// swallowed it), `None` when it goes on to the screen (no overlay, or
/// quitting and resizing, which every overlay lets through).
pub(super) fn overlay_action(app: &mut App, action: Action) -> Option<Vec<Effect>> {
    let taken = match app.overlay {
        Overlay::None => return None,
        Overlay::Help { .. } => help(app, action),
        Overlay::Filters { .. } => filters(app, action),
        Overlay::Picker(_) | Overlay::KindChoice { .. } => picker(app, action),
        Overlay::Confirm(_) => confirm(app, action),
        Overlay::Suggestion { .. } => suggestion(app, action),
        Overlay::Revisions { .. } => revisions(app, action),
        Overlay::Publish { .. } => publish(app, action),
        // The draft questions: `draft::intercept` answered them.
        Overlay::DraftLeave { .. } | Overlay::DraftFound => None,
    };
    match taken {
        Some(effects) => Some(effects),
        None if matches!(action, Action::Quit | Action::Resize(..)) => None,
        None => Some(vec![]),
    }
}

/// The help: scrolled, closed with `?` or Échap.
fn help(app: &mut App, action: Action) -> Option<Vec<Effect>> {
    match (&mut app.overlay, action) {
        (Overlay::Help { .. }, Action::ToggleHelp | Action::Escape) => {
            app.overlay = Overlay::None;
            Some(vec![])
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
            Some(vec![])
        }
        (Overlay::Help { scroll }, Action::Up | Action::WheelUp) => {
            *scroll = scroll.saturating_sub(1);
            Some(vec![])
        }
        (Overlay::Help { scroll }, Action::PageUp) => {
            *scroll = scroll.saturating_sub(10);
            Some(vec![])
        }
        (Overlay::Help { scroll }, Action::Top) => {
            *scroll = 0;
            Some(vec![])
        }
        _ => None,
    }
}

/// The filters: a line chosen, its value turned, all cleared.
fn filters(app: &mut App, action: Action) -> Option<Vec<Effect>> {
    match (&mut app.overlay, action) {
        (Overlay::Filters { .. }, Action::Escape) => {
            app.overlay = Overlay::None;
            Some(vec![])
        }
        (Overlay::Filters { cursor }, Action::Down) => {
            *cursor = (*cursor + 1).min(FILTER_LINES - 1);
            Some(vec![])
        }
        (Overlay::Filters { cursor }, Action::Up) => {
            *cursor = cursor.saturating_sub(1);
            Some(vec![])
        }
        (Overlay::Filters { cursor }, Action::Right | Action::Left) => {
            let line = *cursor;
            change_filter(app, line, action == Action::Right);
            Some(refiltered(app))
        }
        (Overlay::Filters { .. }, Action::Enter) => {
            app.overlay = Overlay::None;
            Some(vec![])
        }
        (Overlay::Filters { .. }, Action::ClearFilters) => {
            app.listing.filters = Default::default();
            app.listing.refilter();
            Some(refiltered(app))
        }
        _ => None,
    }
}

/// A field's choices, and the kind of a fiche entered by hand.
fn picker(app: &mut App, action: Action) -> Option<Vec<Effect>> {
    match (&mut app.overlay, action) {
        (Overlay::Picker(p), Action::Down) => {
            p.cursor = (p.cursor + 1).min(p.options.len().saturating_sub(1));
            Some(vec![])
        }
        (Overlay::Picker(p), Action::Up) => {
            p.cursor = p.cursor.saturating_sub(1);
            Some(vec![])
        }
        (Overlay::Picker(p), Action::Enter) => {
            let (key, seen) = (p.key, p.seen);
            let value = p.options.get(p.cursor).and_then(|(_, v)| v.clone());
            app.overlay = Overlay::None;
            Some(set_field(app, key, value, seen))
        }
        (Overlay::Picker(_) | Overlay::KindChoice { .. }, Action::Escape) => {
            app.overlay = Overlay::None;
            Some(vec![])
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
                return Some(vec![]);
            }
            Some(match text_candidates(app, message_id).first() {
                Some(&number) => start_text(app, number, message_id),
                None => vec![],
            })
        }
        _ => None,
    }
}

/// A question: answered, cancelled, or (sending) another choice of what goes.
/// Long by its nature: one short arm per kind of question answered.
fn confirm(app: &mut App, action: Action) -> Option<Vec<Effect>> {
    match (&mut app.overlay, action) {
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
            Some(vec![])
        }
        (Overlay::Confirm(c), Action::Escape) => {
            let text = match c {
                Confirm::Undo { .. } => s::N_UNDO_KEPT,
                Confirm::Bulk(_) => s::BULK_CANCELLED,
                _ => s::ENV_CANCELLED,
            };
            app.overlay = Overlay::None;
            app.notify(Level::Info, text);
            Some(vec![])
        }
        (Overlay::Confirm(c), Action::Confirm) => {
            let c = c.clone();
            app.overlay = Overlay::None;
            Some(match c {
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
            })
        }
        _ => None,
    }
}

/// The programme suggestion: applied, cancelled, scrolled.
fn suggestion(app: &mut App, action: Action) -> Option<Vec<Effect>> {
    match (&mut app.overlay, action) {
        (Overlay::Suggestion { .. }, Action::Escape) => {
            app.overlay = Overlay::None;
            app.suggestion = None;
            app.notify(Level::Info, s::SUG_CANCELLED);
            Some(vec![])
        }
        (Overlay::Suggestion { .. }, Action::Confirm) => {
            app.overlay = Overlay::None;
            Some(vec![Effect::ApplySuggestion])
        }
        (Overlay::Suggestion { scroll }, Action::Down | Action::WheelDown) => {
            *scroll = scroll.saturating_add(1);
            Some(vec![])
        }
        (Overlay::Suggestion { scroll }, Action::Up | Action::WheelUp) => {
            *scroll = scroll.saturating_sub(1);
            Some(vec![])
        }
        (Overlay::Suggestion { scroll }, Action::PageDown) => {
            *scroll = scroll.saturating_add(10);
            Some(vec![])
        }
        (Overlay::Suggestion { scroll }, Action::PageUp) => {
            *scroll = scroll.saturating_sub(10);
            Some(vec![])
        }
        _ => None,
    }
}

/// Two revisions compared: others chosen, scrolled, closed.
fn revisions(app: &mut App, action: Action) -> Option<Vec<Effect>> {
    match (&mut app.overlay, action) {
        (Overlay::Revisions { .. }, Action::Escape) => {
            app.overlay = Overlay::None;
            Some(vec![])
        }
        (Overlay::Revisions { from, to, scroll }, Action::RevisionShift { arrival, later }) => {
            let n = app.detail.as_ref().map_or(0, |d| d.revisions.len());
            let (f, t) = crate::console::view::revisions::shift(*from, *to, n, arrival, later);
            if (f, t) == (*from, *to) {
                app.notify(Level::Info, s::REV_NO_FURTHER);
            } else {
                (*from, *to, *scroll) = (f, t, 0);
            }
            Some(vec![])
        }
        (Overlay::Revisions { scroll, .. }, Action::Down | Action::WheelDown) => {
            *scroll = scroll.saturating_add(1);
            Some(vec![])
        }
        (Overlay::Revisions { scroll, .. }, Action::Up | Action::WheelUp) => {
            *scroll = scroll.saturating_sub(1);
            Some(vec![])
        }
        (Overlay::Revisions { scroll, .. }, Action::PageDown) => {
            *scroll = scroll.saturating_add(10);
            Some(vec![])
        }
        (Overlay::Revisions { scroll, .. }, Action::PageUp) => {
            *scroll = scroll.saturating_sub(10);
            Some(vec![])
        }
        _ => None,
    }
}

/// The publication preview: confirmed (then asked), cancelled, scrolled.
fn publish(app: &mut App, action: Action) -> Option<Vec<Effect>> {
    match (&mut app.overlay, action) {
        (Overlay::Publish { .. }, Action::Escape) => {
            app.overlay = Overlay::None;
            app.publish_preview = None;
            app.notify(Level::Info, s::PUB_CANCELLED);
            Some(vec![])
        }
        (Overlay::Publish { .. }, Action::Confirm) => {
            let Some(p) = &app.publish_preview else {
                app.overlay = Overlay::None;
                return Some(vec![]);
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
            Some(vec![])
        }
        (Overlay::Publish { scroll }, Action::Down | Action::WheelDown) => {
            *scroll = scroll.saturating_add(1);
            Some(vec![])
        }
        (Overlay::Publish { scroll }, Action::Up | Action::WheelUp) => {
            *scroll = scroll.saturating_sub(1);
            Some(vec![])
        }
        (Overlay::Publish { scroll }, Action::PageDown) => {
            *scroll = scroll.saturating_add(10);
            Some(vec![])
        }
        (Overlay::Publish { scroll }, Action::PageUp) => {
            *scroll = scroll.saturating_sub(10);
            Some(vec![])
        }
        _ => None,
    }
}
