//! Envoi: the letters and the e-mails to the partners, reviewed, edited,
//! dropped, settled and sent.

use super::*;

/// Envoi: the selected letter, if in one of `states`.
pub(super) fn letter_in(
    app: &mut App,
    states: &[LetterState],
    refusal: &str,
) -> Option<(i64, i64)> {
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
pub(super) fn a_letter(app: &mut App) -> bool {
    if app.envoi.current().is_some_and(|l| l.partners) {
        app.notify(Level::Warn, s::ENV_PARTNERS_NOT_EDITABLE);
        return false;
    }
    true
}

pub(super) fn selected_is_partners(app: &App) -> bool {
    app.envoi.current().is_some_and(|l| l.partners)
}

pub(super) fn settle(app: &mut App, resolution: Resolution) -> Vec<Effect> {
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

pub(super) fn confirm_recipient(app: &mut App) -> Vec<Effect> {
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

pub(super) fn ask_send(app: &mut App) -> Vec<Effect> {
    if !app.envoi.smtp {
        app.notify(Level::Error, s::ENV_NO_SMTP);
        return vec![];
    }
    if app.envoi.sending.is_some() {
        app.notify(Level::Warn, s::ENV_ALREADY_SENDING);
        return vec![];
    }
    let choices = crate::console::bulk::send_choices(app);
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

/// The keys of Envoi.
pub(super) fn envoi_action(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::TakeBack if !a_letter(app) => vec![],
        Action::TakeBack => match letter_in(app, &[LetterState::Review], s::ENV_ONLY_REVIEW) {
            Some((id, version)) => vec![Effect::TakeBackLetter { id, version }],
            None => vec![],
        },
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
        _ => vec![],
    }
}

/// Envoi: the selection moved among the letters (the letter's text back
/// to its top).
pub(super) fn move_envoi(app: &mut App, delta: isize) -> Vec<Effect> {
    let n = app.envoi.letters.len();
    if n > 0 {
        let to = (app.envoi.selected as isize + delta).clamp(0, n as isize - 1) as usize;
        if to != app.envoi.selected {
            app.envoi.selected = to;
            app.envoi.scroll = 0;
            app.clamp_envoi();
        }
    }
    vec![]
}
