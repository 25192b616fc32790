//! À traiter: the messages without a fiche, their attachments and what
//! staff do with them (handled, a .docx asked for, a hand entry started, a
//! link to a proposal).

use super::*;

pub(super) fn move_triage(app: &mut App, delta: isize) -> Vec<Effect> {
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

/// The message the link keys act on: Courrier's selected one, or À traiter's.
pub(super) fn link_target(app: &mut App) -> Option<i64> {
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

/// The attachments of a message whose text staff may want, in order: those
/// that hold no fiche first (the DOC, the PDF), then the others.
pub(super) fn text_candidates(app: &App, message_id: i64) -> Vec<i64> {
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
pub(super) fn start_text(app: &mut App, number: i64, message_id: i64) -> Vec<Effect> {
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
pub(super) fn read_attachment(app: &mut App) -> Vec<Effect> {
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
pub(super) fn ask_save(app: &mut App) -> Vec<Effect> {
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

/// The keys of À traiter (the link keys also serve Courrier).
pub(super) fn triage_action(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
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
        _ => vec![],
    }
}
