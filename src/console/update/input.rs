//! The text line being typed (search, a reason, a note, a field's value, a
//! folder, a proposal number) and what Entrée does with it.

use super::*;

/// The text being typed, submitted as Entrée would.
pub(in crate::console) fn submit_input(app: &mut App) -> Vec<Effect> {
    text_edit(app, TextEdit::Submit)
}

pub(super) fn text_edit(app: &mut App, edit: TextEdit) -> Vec<Effect> {
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
            return cancelled(app, purpose);
        }
        TextEdit::Submit => {
            let purpose = purpose.clone();
            let text = input.text.clone();
            app.input = None;
            return submitted(app, purpose, text);
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

/// Échap on the typed line: what it was for is given up (a search is
/// cleared).
fn cancelled(app: &mut App, purpose: InputPurpose) -> Vec<Effect> {
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
    vec![]
}

/// Entrée on the typed line: `text` goes where it was typed for.
fn submitted(app: &mut App, purpose: InputPurpose, text: String) -> Vec<Effect> {
    match purpose {
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
            ask_bulk(
                app,
                crate::console::bulk::BulkKind::Reject(text.trim().to_string()),
            )
        }
        InputPurpose::SaveDir { number } => {
            let dir = match text.trim() {
                "" => ".".to_string(),
                d => d.to_string(),
            };
            vec![Effect::SaveAttachment { number, dir }]
        }
    }
}

/// A proposal number as staff type it ("12", "n° 12", "#12").
pub(super) fn proposal_number(text: &str) -> Option<i64> {
    let t = text
        .trim()
        .trim_start_matches("n°")
        .trim_start_matches('#')
        .trim();
    t.parse::<i64>().ok().filter(|n| *n > 0)
}
