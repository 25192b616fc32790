//! Drawing, pure: `draw` turns the state into a frame and changes nothing.
//! The frame is: a line of screen tabs, the screen's body, the message line
//! (a notice, the text being typed, or key hints) and the status line
//! (database, daemon, counts, user). One file per screen; overlays (help,
//! filters, choices) on top. As a last guard, any cell that would still
//! hold a control or bidi character is replaced before the frame leaves.

pub mod corriger;
pub mod courrier;
mod decider;
pub mod detail;
mod drafts;
pub mod envoi;
pub mod overlays;
mod programme;
mod propositions;
mod publish;
pub mod revisions;
pub mod triage;
pub mod widgets;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{App, InputPurpose, Level, Overlay, Screen};
use super::format::{fit, tail, width};
use super::strings as s;
use crate::domain::Status;
use crate::safe::terminal_line;

/// Draws the whole console.
pub fn draw(frame: &mut Frame<'_>, app: &App) {
    let area = frame.area();
    let [tabs, body, message, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_tabs(frame, tabs, app);
    match app.screen {
        Screen::Propositions => propositions::draw(frame, body, app),
        Screen::Decider => decider::draw(frame, body, app),
        Screen::Programme => programme::draw(frame, body, app),
        Screen::Triage => triage::draw(frame, body, app),
        Screen::Corriger => corriger::draw(frame, body, app),
        Screen::Envoi => envoi::draw(frame, body, app),
        Screen::Courrier => courrier::draw(frame, body, app),
    }
    draw_message(frame, message, app);
    draw_status(frame, status, app);
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help { scroll } => overlays::help(frame, area, app, *scroll),
        Overlay::Filters { cursor } => overlays::filters(frame, area, app, *cursor),
        Overlay::KindChoice { .. } => overlays::kind_choice(frame, area, app),
        Overlay::Picker(p) => overlays::picker(frame, area, app, p),
        Overlay::Confirm(c) => overlays::confirm(frame, area, app, c),
        Overlay::Suggestion { scroll } => overlays::suggestion(frame, area, app, *scroll),
        Overlay::DraftLeave { then } => drafts::leave(frame, area, app, *then),
        Overlay::DraftFound => drafts::found(frame, area, app),
        Overlay::Publish { scroll } => publish::preview(frame, area, app, *scroll),
        Overlay::Revisions { from, to, scroll } => {
            revisions::draw(frame, area, app, *from, *to, *scroll)
        }
    }
    sanitize_buffer(frame.buffer_mut());
}

fn draw_tabs(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.theme;
    let mut help = format!(" {} ", s::HELP_TAB);
    let tabs = |short: bool| {
        let mut spans = Vec::new();
        for (i, screen) in Screen::ALL.iter().enumerate() {
            let label = if short {
                format!("{} {}", i + 1, s::screen_short(i))
            } else {
                format!(" {} {} ", i + 1, s::screen_name(i))
            };
            if short && i > 0 {
                spans.push(Span::raw(" "));
            }
            let style = if *screen == app.screen {
                t.tab_active
            } else {
                t.tab
            };
            spans.push(Span::styled(label, style));
        }
        spans
    };
    let total = |v: &[Span<'_>]| v.iter().map(|s| width(&s.content)).sum::<usize>();
    // Narrow terminals: short names, so that every screen and the help key show.
    let mut spans = tabs(false);
    if total(&spans) + width(&help) > area.width as usize {
        spans = tabs(true);
        help = format!(" {}", s::HELP_TAB);
    }
    let used = total(&spans);
    if used + width(&help) <= area.width as usize {
        spans.push(Span::raw(
            " ".repeat(area.width as usize - used - width(&help)),
        ));
        spans.push(Span::styled(help, t.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_message(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.theme;
    let w = area.width as usize;
    if let Some((InputPurpose::Field { key, .. }, input)) = &app.input {
        // The text is edited in its own box; here, what the keys do.
        frame.render_widget(
            Paragraph::new(Line::styled(fit(s::HINT_INPUT, w), t.dim)),
            area,
        );
        let label = crate::fiche::Kind::ALL
            .iter()
            .find_map(|k| crate::fiche::spec::field(*k, key))
            .map_or(*key, |f| f.label);
        overlays::editor(frame, frame.area(), app, label, input);
        return;
    }
    if let Some((InputPurpose::Note(seen), input)) = &app.input {
        frame.render_widget(
            Paragraph::new(Line::styled(fit(s::NOTE_EDIT_HINT, w), t.dim)),
            area,
        );
        overlays::editor(frame, frame.area(), app, &s::note_title(seen.number), input);
        return;
    }
    let reason_prompt = match &app.input {
        Some((InputPurpose::RejectReason(seen), input)) => {
            Some((s::dec_reason_prompt(seen.number), input))
        }
        Some((InputPurpose::BulkReason, input)) => {
            Some((s::bulk_reason_prompt(app.marks.len()), input))
        }
        Some((InputPurpose::SaveDir { number }, input)) => Some((s::save_prompt(*number), input)),
        Some((InputPurpose::LinkNumber { message_id }, input)) => {
            Some((s::link_prompt(*message_id), input))
        }
        Some((InputPurpose::UnlinkNumber { message_id, links }, input)) => {
            Some((s::unlink_prompt(*message_id, links), input))
        }
        _ => None,
    };
    if let Some((prompt, input)) = reason_prompt {
        let room = w.saturating_sub(width(&prompt) + 1);
        let before = terminal_line(input.before_cursor());
        let shown_before = tail(&before, room);
        let after = terminal_line(&input.text[input.before_cursor().len()..]);
        let rest = room.saturating_sub(width(&shown_before));
        let line = Line::from(vec![
            Span::styled(prompt.clone(), t.key),
            Span::styled(format!("{shown_before}{}", fit(&after, rest)), t.input),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        let x = area.x + (width(&prompt) + width(&shown_before)).min(w.saturating_sub(1)) as u16;
        frame.set_cursor_position(Position::new(x, area.y));
        return;
    }
    let (text, style) = match &app.notice {
        Some(n) => (
            n.text.clone(),
            match n.level {
                Level::Info => t.info,
                Level::Ok => t.ok,
                Level::Warn => t.warn,
                Level::Error => t.error,
            },
        ),
        None => {
            let hint = match (&app.input, app.screen) {
                (Some((InputPurpose::CourrierSearch, _)), _) => s::HINT_COURRIER_SEARCH,
                (Some(_), _) => s::HINT_SEARCH,
                (None, Screen::Triage) if app.current_text().is_some() => s::HINT_TEXT,
                (None, Screen::Propositions | Screen::Triage | Screen::Envoi)
                    if app.focus == super::app::Focus::Detail =>
                {
                    s::HINT_DETAIL
                }
                (None, Screen::Propositions) => s::HINT_PROPOSITIONS,
                (None, Screen::Decider) => s::HINT_DECIDER,
                (None, Screen::Programme) if app.programme_pick.is_some() => s::HINT_PROGRAMME_PICK,
                (None, Screen::Programme) => s::HINT_PROGRAMME,
                (None, Screen::Triage) => s::HINT_TRIAGE,
                (None, Screen::Corriger) if app.draft.is_some() => s::COR_DRAFT_HINT,
                (None, Screen::Corriger) => s::COR_HINT,
                (None, Screen::Envoi) => s::HINT_ENVOI,
                (None, Screen::Courrier) if app.courrier.full => s::HINT_COURRIER_FULL,
                (None, Screen::Courrier) => s::HINT_COURRIER,
            };
            (hint.to_string(), t.dim)
        }
    };
    frame.render_widget(
        Paragraph::new(Line::styled(fit(&terminal_line(&text), w), style)),
        area,
    );
}

/// The status line's parts, most important first, each in a long and a
/// short form: the long forms are used while they fit.
pub fn status_parts(app: &App) -> Vec<(String, String)> {
    let counts = app.status_counts;
    let total: usize = counts.iter().sum();
    let mut daemon = crate::status::daemon_words(&app.heartbeat, app.now);
    if let Some((n, e)) = &app.post_actions {
        daemon
            .0
            .push_str(&s::st_post_actions_failing(*n, &terminal_line(e)));
        daemon.1.push_str(s::ST_POST_ACTIONS_SHORT);
    }
    let by = |st: Status| counts[Status::ALL.iter().position(|x| *x == st).unwrap_or(0)];
    let db = terminal_line(&app.db_label);
    vec![
        (db.clone(), fit(&db, 16)),
        daemon,
        (
            format!(
                "{total} proposition{} : {} à décider, {} retenue{}, {} en attente",
                s::plural(total),
                by(Status::Pending),
                by(Status::Accepted),
                s::plural(by(Status::Accepted)),
                by(Status::Waitlisted)
            ),
            format!(
                "à déc. {} · ret. {} · att. {}",
                by(Status::Pending),
                by(Status::Accepted),
                by(Status::Waitlisted)
            ),
        ),
        (
            format!("{} {}", app.triage_open(), s::ST_TO_TRIAGE),
            format!("{} {}", app.triage_open(), s::ST_TO_TRIAGE),
        ),
        (terminal_line(&app.user), fit(&terminal_line(&app.user), 12)),
        publish::status_part(app),
    ]
}

fn draw_status(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let w = area.width as usize;
    let mut parts = status_parts(app);
    // The last publication is the least needed: shown (long, else short)
    // where it fits once the others are, with the counts short if need be.
    let publication = parts.pop();
    let join = |v: Vec<&String>| {
        let mut l = String::from(" ");
        l.push_str(
            &v.into_iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(" │ "),
        );
        l
    };
    // Long forms, then short forms (the counts first), until it fits.
    let mut choice: Vec<bool> = vec![true; parts.len()];
    let pick = |choice: &[bool]| -> Vec<String> {
        parts
            .iter()
            .zip(choice)
            .map(|((l, sh), long)| if *long { l.clone() } else { sh.clone() })
            .collect()
    };
    let mut line = join(pick(&choice).iter().collect());
    for i in [2, 1, 0, 4, 3] {
        if width(&line) <= w {
            break;
        }
        choice[i] = false;
        line = join(pick(&choice).iter().collect());
    }
    if let Some((long, short)) = publication {
        let with = |choice: &[bool], p: &String| {
            let mut v = pick(choice);
            v.push(p.clone());
            join(v.iter().collect())
        };
        let mut counts_short = choice.clone();
        counts_short[2] = false;
        for candidate in [
            with(&choice, &long),
            with(&choice, &short),
            with(&counts_short, &long),
            with(&counts_short, &short),
        ] {
            if width(&candidate) <= w {
                line = candidate;
                break;
            }
        }
    }
    let pad = w.saturating_sub(width(&line));
    line.extend(std::iter::repeat_n(' ', pad));
    frame.render_widget(
        Paragraph::new(Line::styled(fit(&line, w), app.theme.status_bar)),
        area,
    );
}

/// Replaces any cell symbol holding a control character, a bidi override
/// or isolate, with `�`. The data is made safe before it is drawn; this
/// makes sure nothing slipped through.
pub fn sanitize_buffer(buf: &mut Buffer) {
    for cell in buf.content.iter_mut() {
        if cell.symbol().chars().any(is_unsafe_char) {
            cell.set_symbol("�");
        }
    }
}

/// Characters a terminal would act on instead of showing.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}
