//! Keys and mouse to `Action`s, pure: which key does what depends only on
//! the key mode (typing, an overlay, or the screen shown). Vim keys and
//! arrows both work; letters only act where the screen gives them a meaning.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};

use super::app::{App, Overlay, Screen};
use crate::fiche::Kind;

/// Editing the text being typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEdit {
    Char(char),
    Backspace,
    Delete,
    Left,
    Right,
    Home,
    End,
    Clear,
    DeleteWord,
    Newline,
    Submit,
    Cancel,
}

/// An answer to a draft question (leaving one, or one found at start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftAnswer {
    Save,
    Abandon,
    Stay,
    Resume,
}

/// What the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    ToggleHelp,
    Escape,
    Goto(Screen),
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Left,
    Right,
    Tab,
    WheelUp,
    WheelDown,
    Enter,
    Search,
    SortNext,
    SortReverse,
    Filters,
    ClearFilters,
    Decide,
    Correct,
    Accept,
    Waitlist,
    Reject,
    Withdraw,
    Reset,
    Undo,
    /// Programme: pick up the proposal of the cell (then drop it on a free
    /// place to move it, on another proposal to swap them).
    Pick,
    /// Programme: compute the programme suggestion and show its draft.
    Suggest,
    /// Programme: preview what `fiches publish` would publish, then publish.
    Publish,
    /// Propositions: compare the revisions of the selected proposal.
    Revisions,
    /// In the comparison: another revision to compare (the first one, or
    /// with `arrival` the second one), earlier or later.
    RevisionShift {
        arrival: bool,
        later: bool,
    },
    /// Décider: one step up the waiting list.
    WaitUp,
    /// Décider: one step down the waiting list.
    WaitDown,
    /// Envoi: take back a letter set aside "à revoir".
    TakeBack,
    ToggleHandled,
    NewFiche,
    /// À traiter: queue a demande de .docx to the message's sender.
    AskDocx,
    /// À traiter: show the text of the (next) attachment.
    ReadAttachment,
    /// À traiter, Propositions: save an attachment in a folder (asked).
    SaveAttachment,
    /// Corriger, hand entry on a narrow terminal: the attachment's text or the form.
    ToggleText,
    ChooseKind(Kind),
    Save,
    Abandon,
    Refresh,
    /// Envoi: drop the selected letter (asks first).
    DropLetter,
    /// Envoi: edit the selected letter in `$VISUAL` / `$EDITOR`.
    EditLetter,
    /// Envoi: an uncertain letter did arrive.
    SettleSent,
    /// Envoi: an uncertain letter did not arrive: back to the outbox.
    SettleResend,
    /// Envoi: send the letters to send (asks first).
    SendBatch,
    /// Envoi: the recipient of a letter held for review is the right one.
    ConfirmRecipient,
    /// Corriger: choose the article of the organisation's name in the letters.
    Article,
    /// Yes to the question asked.
    Confirm,
    /// Propositions, Envoi: mark or unmark the selected line (Space).
    ToggleMark,
    /// Propositions, Envoi: unmark everything.
    ClearMarks,
    /// Propositions, Décider: write the acting user's note on the proposal.
    Note,
    /// Propositions, Décider: give the acting user's opinion on the proposal.
    Opinion,
    /// Propositions: accept every marked proposal into its wanted slot (asks first).
    BulkAccept,
    /// Propositions: waitlist every marked proposal (asks first).
    BulkWaitlist,
    /// Propositions: refuse every marked proposal, one reason for all (asks first).
    BulkReject,
    Resize(u16, u16),
    Text(TextEdit),
    Draft(DraftAnswer),
}

/// How keys are read at the moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMode {
    Normal(Screen),
    Typing,
    Help,
    Filters,
    Picker,
    KindChoice,
    Confirm,
    /// The suggestion's draft: confirm, cancel, scroll.
    Suggestion,
    /// "Brouillon non enregistré : (e)nregistrer, (a)bandonner, (r)ester".
    DraftLeave,
    /// "Un brouillon … a été retrouvé : (r)eprendre / (a)bandonner".
    DraftFound,
    /// Two revisions compared: choose them, scroll, close.
    Revisions,
}

pub fn key_mode(app: &App) -> KeyMode {
    match &app.overlay {
        Overlay::Help { .. } => KeyMode::Help,
        Overlay::Filters { .. } => KeyMode::Filters,
        Overlay::Picker(_) => KeyMode::Picker,
        Overlay::KindChoice { .. } => KeyMode::KindChoice,
        Overlay::Confirm(_) => KeyMode::Confirm,
        Overlay::Suggestion { .. } => KeyMode::Suggestion,
        Overlay::DraftLeave { .. } => KeyMode::DraftLeave,
        Overlay::DraftFound => KeyMode::DraftFound,
        Overlay::Publish { .. } => KeyMode::Suggestion,
        Overlay::Revisions { .. } => KeyMode::Revisions,
        Overlay::None if app.input.is_some() => KeyMode::Typing,
        Overlay::None => KeyMode::Normal(app.screen),
    }
}

fn ctrl(k: &KeyEvent) -> bool {
    k.modifiers.contains(KeyModifiers::CONTROL)
}

/// Movement keys shared by every list.
fn movement(key: &KeyEvent) -> Option<Action> {
    Some(match key.code {
        KeyCode::Char('j') | KeyCode::Down if !ctrl(key) => Action::Down,
        KeyCode::Char('k') | KeyCode::Up if !ctrl(key) => Action::Up,
        KeyCode::Char('d') if ctrl(key) => Action::PageDown,
        KeyCode::Char('u') if ctrl(key) => Action::PageUp,
        KeyCode::Char('f') if ctrl(key) => Action::PageDown,
        KeyCode::Char('b') if ctrl(key) => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::Home | KeyCode::Char('g') => Action::Top,
        KeyCode::End | KeyCode::Char('G') => Action::Bottom,
        KeyCode::Char('h') | KeyCode::Left => Action::Left,
        KeyCode::Char('l') | KeyCode::Right => Action::Right,
        _ => return None,
    })
}

/// The action for a key in a mode; `None` when the key means nothing there.
pub fn action_for(mode: KeyMode, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if ctrl(&key) && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    match mode {
        KeyMode::Typing => Some(Action::Text(match key.code {
            KeyCode::Enter if key.modifiers.contains(KeyModifiers::ALT) => TextEdit::Newline,
            KeyCode::Char('j') if ctrl(&key) => TextEdit::Newline,
            KeyCode::Enter => TextEdit::Submit,
            KeyCode::Esc => TextEdit::Cancel,
            KeyCode::Backspace => TextEdit::Backspace,
            KeyCode::Char('h') if ctrl(&key) => TextEdit::Backspace,
            KeyCode::Delete => TextEdit::Delete,
            KeyCode::Left => TextEdit::Left,
            KeyCode::Right => TextEdit::Right,
            KeyCode::Home => TextEdit::Home,
            KeyCode::Char('a') if ctrl(&key) => TextEdit::Home,
            KeyCode::End => TextEdit::End,
            KeyCode::Char('e') if ctrl(&key) => TextEdit::End,
            KeyCode::Char('u') if ctrl(&key) => TextEdit::Clear,
            KeyCode::Char('w') if ctrl(&key) => TextEdit::DeleteWord,
            KeyCode::Up => return Some(Action::Up),
            KeyCode::Down => return Some(Action::Down),
            // Alt-letter is not a letter (and is what a slow link makes of Échap + letter).
            KeyCode::Char(c) if !ctrl(&key) && !key.modifiers.contains(KeyModifiers::ALT) => {
                TextEdit::Char(c)
            }
            _ => return None,
        })),
        KeyMode::Help => match key.code {
            KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q') | KeyCode::Enter => {
                Some(Action::ToggleHelp)
            }
            _ => movement(&key),
        },
        KeyMode::Filters => match key.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('f') | KeyCode::Char('q') => {
                Some(Action::Escape)
            }
            KeyCode::Char('x') => Some(Action::ClearFilters),
            _ => movement(&key),
        },
        KeyMode::Picker => match key.code {
            KeyCode::Esc | KeyCode::Char('q') => Some(Action::Escape),
            KeyCode::Enter => Some(Action::Enter),
            _ => movement(&key),
        },
        KeyMode::KindChoice => match key.code {
            KeyCode::Char('m') => Some(Action::ChooseKind(Kind::MicroAtelier)),
            KeyCode::Char('b') => Some(Action::ChooseKind(Kind::BourseProjets)),
            KeyCode::Esc | KeyCode::Char('q') => Some(Action::Escape),
            _ => None,
        },
        KeyMode::Confirm => match key.code {
            KeyCode::Char('o') | KeyCode::Char('O') | KeyCode::Char('y') | KeyCode::Enter => {
                Some(Action::Confirm)
            }
            KeyCode::Esc | KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Char('q') => {
                Some(Action::Escape)
            }
            // Envoi's send confirmation: which letters.
            KeyCode::Up | KeyCode::Char('k') => Some(Action::Up),
            KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => Some(Action::Down),
            _ => None,
        },
        KeyMode::Suggestion => match key.code {
            KeyCode::Char('o') | KeyCode::Char('O') | KeyCode::Char('y') | KeyCode::Enter => {
                Some(Action::Confirm)
            }
            KeyCode::Esc | KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Char('q') => {
                Some(Action::Escape)
            }
            _ => movement(&key),
        },
        KeyMode::DraftLeave => match key.code {
            KeyCode::Char('e' | 'E') => Some(Action::Draft(DraftAnswer::Save)),
            KeyCode::Char('a' | 'A') => Some(Action::Draft(DraftAnswer::Abandon)),
            KeyCode::Char('r' | 'R') | KeyCode::Esc => Some(Action::Draft(DraftAnswer::Stay)),
            _ => None,
        },
        KeyMode::DraftFound => match key.code {
            KeyCode::Char('r' | 'R') | KeyCode::Enter => Some(Action::Draft(DraftAnswer::Resume)),
            KeyCode::Char('a' | 'A') => Some(Action::Draft(DraftAnswer::Abandon)),
            KeyCode::Char('q') => Some(Action::Quit),
            _ => None,
        },
        KeyMode::Revisions => match key.code {
            KeyCode::Esc | KeyCode::Char('q' | 'v') => Some(Action::Escape),
            KeyCode::Char('h') | KeyCode::Left => Some(Action::RevisionShift {
                arrival: false,
                later: false,
            }),
            KeyCode::Char('l') | KeyCode::Right => Some(Action::RevisionShift {
                arrival: false,
                later: true,
            }),
            KeyCode::Char('[') => Some(Action::RevisionShift {
                arrival: true,
                later: false,
            }),
            KeyCode::Char(']') => Some(Action::RevisionShift {
                arrival: true,
                later: true,
            }),
            _ => movement(&key),
        },
        KeyMode::Normal(screen) => normal(screen, key),
    }
}

fn normal(screen: Screen, key: KeyEvent) -> Option<Action> {
    let global = match key.code {
        KeyCode::Char('q') => Some(Action::Quit),
        KeyCode::Char('?') => Some(Action::ToggleHelp),
        KeyCode::Esc => Some(Action::Escape),
        KeyCode::Char('1') | KeyCode::F(1) => Some(Action::Goto(Screen::Propositions)),
        KeyCode::Char('2') | KeyCode::F(2) => Some(Action::Goto(Screen::Decider)),
        KeyCode::Char('3') | KeyCode::F(3) => Some(Action::Goto(Screen::Programme)),
        KeyCode::Char('4') | KeyCode::F(4) => Some(Action::Goto(Screen::Triage)),
        KeyCode::Char('5') | KeyCode::F(5) => Some(Action::Goto(Screen::Corriger)),
        KeyCode::Char('6') | KeyCode::F(6) => Some(Action::Goto(Screen::Envoi)),
        KeyCode::Char('r') if ctrl(&key) => Some(Action::Refresh),
        KeyCode::Tab | KeyCode::BackTab => Some(Action::Tab),
        KeyCode::Enter => Some(Action::Enter),
        KeyCode::Char('u') if !ctrl(&key) => Some(Action::Undo),
        _ => None,
    };
    if global.is_some() {
        return global;
    }
    let specific = match (screen, key.code) {
        (Screen::Propositions, KeyCode::Char('/')) => Some(Action::Search),
        (Screen::Propositions, KeyCode::Char('s')) => Some(Action::SortNext),
        (Screen::Propositions, KeyCode::Char('S')) => Some(Action::SortReverse),
        (Screen::Propositions, KeyCode::Char('f')) if !ctrl(&key) => Some(Action::Filters),
        (Screen::Propositions, KeyCode::Char('x')) => Some(Action::ClearFilters),
        (Screen::Propositions, KeyCode::Char('d')) if !ctrl(&key) => Some(Action::Decide),
        (Screen::Propositions, KeyCode::Char('c')) => Some(Action::Correct),
        (Screen::Propositions, KeyCode::Char('v')) => Some(Action::Revisions),
        (Screen::Propositions | Screen::Envoi, KeyCode::Char(' ')) => Some(Action::ToggleMark),
        (Screen::Propositions | Screen::Envoi, KeyCode::Char('M')) => Some(Action::ClearMarks),
        (Screen::Propositions | Screen::Decider, KeyCode::Char('n')) => Some(Action::Note),
        (Screen::Propositions | Screen::Decider, KeyCode::Char('o')) => Some(Action::Opinion),
        (Screen::Propositions, KeyCode::Char('a')) => Some(Action::BulkAccept),
        (Screen::Propositions, KeyCode::Char('w')) => Some(Action::BulkWaitlist),
        (Screen::Propositions, KeyCode::Char('r')) if !ctrl(&key) => Some(Action::BulkReject),
        (Screen::Decider, KeyCode::Char('a')) => Some(Action::Accept),
        (Screen::Decider, KeyCode::Char('w')) => Some(Action::Waitlist),
        (Screen::Decider, KeyCode::Char('r')) if !ctrl(&key) => Some(Action::Reject),
        (Screen::Decider, KeyCode::Char('x')) => Some(Action::Withdraw),
        (Screen::Decider, KeyCode::Char('p')) => Some(Action::Reset),
        (Screen::Decider, KeyCode::Char('c')) => Some(Action::Correct),
        (Screen::Decider, KeyCode::Char('+')) => Some(Action::WaitUp),
        (Screen::Decider, KeyCode::Char('-')) => Some(Action::WaitDown),
        (Screen::Programme, KeyCode::Char('m')) => Some(Action::Pick),
        (Screen::Programme, KeyCode::Char('x')) => Some(Action::Withdraw),
        (Screen::Programme, KeyCode::Char('S')) => Some(Action::Suggest),
        (Screen::Programme, KeyCode::Char('P')) => Some(Action::Publish),
        (Screen::Envoi, KeyCode::Char('p')) => Some(Action::TakeBack),
        (Screen::Triage, KeyCode::Char('m')) => Some(Action::ToggleHandled),
        (Screen::Triage, KeyCode::Char('n')) => Some(Action::NewFiche),
        (Screen::Triage, KeyCode::Char('t')) => Some(Action::ReadAttachment),
        (Screen::Triage, KeyCode::Char('d')) if !ctrl(&key) => Some(Action::AskDocx),
        (Screen::Triage | Screen::Propositions, KeyCode::Char('e')) => Some(Action::SaveAttachment),
        (Screen::Corriger, KeyCode::Char('t')) => Some(Action::ToggleText),
        (Screen::Corriger, KeyCode::Char('S')) => Some(Action::Save),
        (Screen::Corriger, KeyCode::Char('X')) => Some(Action::Abandon),
        (Screen::Corriger, KeyCode::Char('d')) if !ctrl(&key) => Some(Action::Decide),
        (Screen::Corriger, KeyCode::Char('a')) => Some(Action::Article),
        (Screen::Envoi, KeyCode::Char('x')) => Some(Action::DropLetter),
        (Screen::Envoi, KeyCode::Char('a')) => Some(Action::SettleSent),
        (Screen::Envoi, KeyCode::Char('e')) => Some(Action::EditLetter),
        (Screen::Envoi, KeyCode::Char('r')) if !ctrl(&key) => Some(Action::SettleResend),
        (Screen::Envoi, KeyCode::Char('E')) => Some(Action::SendBatch),
        (Screen::Envoi, KeyCode::Char('v')) => Some(Action::ConfirmRecipient),
        _ => None,
    };
    specific.or_else(|| movement(&key))
}

/// The mouse wheel scrolls; other mouse events are ignored.
pub fn mouse_action(ev: MouseEvent) -> Option<Action> {
    match ev.kind {
        MouseEventKind::ScrollUp => Some(Action::WheelUp),
        MouseEventKind::ScrollDown => Some(Action::WheelDown),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn vim_keys_and_arrows() {
        let m = KeyMode::Normal(Screen::Propositions);
        assert_eq!(action_for(m, k(KeyCode::Char('j'))), Some(Action::Down));
        assert_eq!(action_for(m, k(KeyCode::Down)), Some(Action::Down));
        assert_eq!(action_for(m, k(KeyCode::Char('k'))), Some(Action::Up));
        assert_eq!(action_for(m, k(KeyCode::Char('/'))), Some(Action::Search));
        assert_eq!(
            action_for(m, KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            Some(Action::PageDown)
        );
        assert_eq!(
            action_for(m, k(KeyCode::Char('a'))),
            Some(Action::BulkAccept)
        );
        assert_eq!(
            action_for(m, k(KeyCode::Char(' '))),
            Some(Action::ToggleMark)
        );
        assert_eq!(action_for(m, k(KeyCode::Char('z'))), None);
        let d = KeyMode::Normal(Screen::Decider);
        assert_eq!(action_for(d, k(KeyCode::Char('a'))), Some(Action::Accept));
        assert_eq!(action_for(d, k(KeyCode::Char('/'))), None);
    }

    #[test]
    fn the_mouse_wheel_scrolls() {
        use crossterm::event::MouseEvent;
        let ev = |kind| MouseEvent {
            kind,
            column: 3,
            row: 4,
            modifiers: KeyModifiers::NONE,
        };
        assert_eq!(
            mouse_action(ev(MouseEventKind::ScrollDown)),
            Some(Action::WheelDown)
        );
        assert_eq!(
            mouse_action(ev(MouseEventKind::ScrollUp)),
            Some(Action::WheelUp)
        );
        assert_eq!(mouse_action(ev(MouseEventKind::Moved)), None);
    }

    #[test]
    fn typing_takes_letters() {
        let m = KeyMode::Typing;
        assert_eq!(
            action_for(m, k(KeyCode::Char('q'))),
            Some(Action::Text(TextEdit::Char('q')))
        );
        assert_eq!(
            action_for(m, k(KeyCode::Enter)),
            Some(Action::Text(TextEdit::Submit))
        );
        assert_eq!(
            action_for(m, KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
    }
}
