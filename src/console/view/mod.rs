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
    let footer = footer_lines(app, area.width as usize);
    let [tabs, body, message, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(footer.len().max(1) as u16),
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
    draw_message(frame, message, app, footer);
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
    // Full names while they fit; else the other screens' names shortened,
    // else their numbers only (the one shown keeps its name).
    let tabs = |short: Option<usize>| -> Vec<Span<'static>> {
        Screen::ALL
            .iter()
            .enumerate()
            .map(|(i, screen)| {
                let name = s::screen_name(i);
                let active = *screen == app.screen;
                let label = match short {
                    _ if active => format!(" {} {name} ", i + 1),
                    None => format!(" {} {name} ", i + 1),
                    Some(0) => format!(" {} ", i + 1),
                    Some(n) if name.chars().count() > n + 1 => {
                        format!(" {} {}. ", i + 1, name.chars().take(n).collect::<String>())
                    }
                    Some(_) => format!(" {} {name} ", i + 1),
                };
                Span::styled(label, if active { t.tab_active } else { t.tab })
            })
            .collect()
    };
    let fits = |v: &Vec<Span<'static>>| {
        v.iter().map(|s| width(&s.content)).sum::<usize>() < area.width as usize
    };
    let mut spans = tabs(None);
    for short in [5, 3, 0] {
        if fits(&spans) {
            break;
        }
        spans = tabs(Some(short));
    }
    let used: usize = spans.iter().map(|s| width(&s.content)).sum();
    let help = format!(" {} ", s::HELP_TAB);
    if used + width(&help) <= area.width as usize {
        spans.push(Span::raw(
            " ".repeat(area.width as usize - used - width(&help)),
        ));
        spans.push(Span::styled(help, t.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The message line's text when nothing is typed there: the notice
/// (wrapped, at most three lines) or the screen's key hints, and always,
/// at the end of the last line, the keys for help and quitting (in an
/// overlay: how to close it, and Ctrl-C). Hints that do not fit are left
/// out from the end, marked `…`; a notice longer than three lines ends in
/// `…`.
pub fn footer_lines(app: &App, w: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    // The last column stays blank: a full line is a cut one (`…`).
    let w = w.saturating_sub(1);
    if matches!(
        &app.input,
        Some((InputPurpose::Field { .. } | InputPurpose::Note(_), _))
    ) && app.overlay == Overlay::None
    {
        return vec![Line::raw("")];
    }
    if prompt_of(app).is_some() && app.overlay == Overlay::None {
        // The reason is typed on the first line, the keys under it.
        return vec![
            Line::raw(""),
            Line::styled(hint_line(s::HINT_INPUT_LINE, s::ALWAYS_CANCEL, w), t.dim),
        ];
    }
    let (hint, always): (&str, &str) = match &app.overlay {
        Overlay::Help { .. } => (s::HINT_HELP_OVERLAY, s::ALWAYS_CLOSE),
        Overlay::Filters { .. } => (s::HINT_FILTERS_LINE, s::ALWAYS_CLOSE),
        Overlay::Picker(_) => (s::HINT_PICKER_LINE, s::ALWAYS_CANCEL),
        Overlay::KindChoice { .. } => (s::HINT_KIND_CHOICE, s::ALWAYS_CANCEL),
        Overlay::Confirm(_) => (s::HINT_CONFIRM, s::ALWAYS_NO),
        Overlay::Suggestion { .. } => (s::HINT_SUGGESTION_LINE, s::ALWAYS_DROP),
        Overlay::DraftLeave { .. } => (s::HINT_DRAFT_LEAVE_LINE, s::ALWAYS_STAY),
        Overlay::DraftFound => (s::HINT_DRAFT_FOUND_LINE, s::ALWAYS_Q),
        Overlay::Publish { .. } => (s::HINT_PUBLISH_LINE, s::ALWAYS_CANCEL),
        Overlay::Revisions { .. } => (s::HINT_REVISIONS_LINE, s::ALWAYS_CLOSE),
        Overlay::None => match (&app.input, app.screen) {
            (Some((InputPurpose::CourrierSearch, _)), _) => {
                (s::HINT_COURRIER_SEARCH, s::ALWAYS_ERASE)
            }
            (Some(_), _) => (s::HINT_SEARCH_LINE, s::ALWAYS_ERASE),
            (None, Screen::Triage) if app.current_text().is_some() => {
                (s::HINT_TEXT, s::HINT_ALWAYS)
            }
            (None, Screen::Propositions | Screen::Triage | Screen::Envoi)
                if app.focus == super::app::Focus::Detail =>
            {
                (s::HINT_DETAIL, s::HINT_ALWAYS)
            }
            (None, Screen::Propositions) => (s::HINT_PROPOSITIONS, s::HINT_ALWAYS),
            (None, Screen::Decider) => (s::HINT_DECIDER, s::HINT_ALWAYS),
            (None, Screen::Programme) if app.programme_pick.is_some() => {
                (s::HINT_PROGRAMME_PICK, s::HINT_ALWAYS)
            }
            (None, Screen::Programme) => (s::HINT_PROGRAMME, s::HINT_ALWAYS),
            (None, Screen::Triage) => (s::HINT_TRIAGE, s::HINT_ALWAYS),
            (None, Screen::Corriger) if app.draft.is_some() => (s::COR_DRAFT_HINT, s::HINT_ALWAYS),
            (None, Screen::Corriger) => (s::COR_HINT, s::HINT_ALWAYS),
            (None, Screen::Envoi) => (s::HINT_ENVOI, s::HINT_ALWAYS),
            (None, Screen::Courrier) if app.courrier.full => {
                (s::HINT_COURRIER_FULL, s::HINT_ALWAYS)
            }
            (None, Screen::Courrier) => (s::HINT_COURRIER, s::HINT_ALWAYS),
        },
    };
    let always_w = width(always);
    if let Some(n) = app.notice.as_ref().filter(|_| app.overlay == Overlay::None) {
        let style = match n.level {
            Level::Info => t.info,
            Level::Ok => t.ok,
            Level::Warn => t.warn,
            Level::Error => t.error,
        };
        let text = terminal_line(&n.text);
        let mut lines = widgets::wrap(&text, w.max(1));
        // The keys go at the end of the last line, or on a line of their own.
        if width(lines.last().map_or("", String::as_str)) + 3 + always_w > w {
            lines.push(String::new());
        }
        if lines.len() > 3 {
            lines.truncate(3);
            let room = w.saturating_sub(always_w + 3);
            lines[2] = fit(&format!("{} …", lines[2]), room);
        }
        let n_lines = lines.len();
        return lines
            .into_iter()
            .enumerate()
            .map(|(i, l)| {
                if i + 1 < n_lines {
                    Line::styled(l, style)
                } else {
                    let pad = w.saturating_sub(width(&l) + always_w);
                    Line::from(vec![
                        Span::styled(l, style),
                        Span::raw(" ".repeat(pad)),
                        Span::styled(always.to_string(), t.dim),
                    ])
                }
            })
            .collect();
    }
    vec![Line::styled(hint_line(hint, always, w), t.dim)]
}

/// `hint · always` in `w` columns: hints that do not fit are dropped from
/// the end (`…` in their place); `always` is never dropped.
pub fn hint_line(hint: &str, always: &str, w: usize) -> String {
    let items: Vec<&str> = hint.split(" · ").collect();
    for keep in (0..=items.len()).rev() {
        let mut parts: Vec<&str> = items[..keep].to_vec();
        if keep < items.len() {
            parts.push(s::HINT_MORE);
        }
        parts.push(always);
        let line = parts.join(" · ");
        if width(&line) <= w {
            return line;
        }
    }
    fit(always, w)
}

fn draw_message(frame: &mut Frame<'_>, area: Rect, app: &App, footer: Vec<Line<'static>>) {
    let t = &app.theme;
    let w = area.width as usize;
    if let Some((InputPurpose::Field { key, .. }, input)) = &app.input
        && app.overlay == Overlay::None
    {
        // The text is edited in its own box; here, what the keys do.
        frame.render_widget(
            Paragraph::new(Line::styled(
                hint_line(s::HINT_INPUT_LINE, s::ALWAYS_CANCEL, w.saturating_sub(1)),
                t.dim,
            )),
            area,
        );
        let label = crate::fiche::Kind::all()
            .iter()
            .find_map(|k| crate::fiche::spec::field(*k, key))
            .map_or(*key, |f| f.label);
        overlays::editor(frame, frame.area(), app, label, input);
        return;
    }
    if let Some((InputPurpose::Note(seen), input)) = &app.input
        && app.overlay == Overlay::None
    {
        frame.render_widget(
            Paragraph::new(Line::styled(
                hint_line(s::NOTE_EDIT_HINT, s::ALWAYS_CANCEL, w.saturating_sub(1)),
                t.dim,
            )),
            area,
        );
        overlays::editor(frame, frame.area(), app, &s::note_title(seen.number), input);
        return;
    }
    if let Some((prompt, input)) = prompt_of(app)
        && app.overlay == Overlay::None
    {
        frame.render_widget(Paragraph::new(footer), area);
        let area = Rect::new(area.x, area.y, area.width, 1);
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
    frame.render_widget(Paragraph::new(footer), area);
}

/// A one-line question typed on the message line (a reason, a folder, a
/// proposal's number), with what is typed.
fn prompt_of(app: &App) -> Option<(String, &super::app::TextInput)> {
    match &app.input {
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
    }
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
            // No room for it: say that something is left out.
            with(&choice, &"…".to_string()),
        ] {
            if width(&candidate) <= w {
                line = candidate;
                break;
            }
        }
    }
    // The last column stays blank: a full line is a cut one (`…`); the
    // leading blank goes first.
    if width(&line) == w {
        line.remove(0);
    }
    let mut line = fit(&line, w.saturating_sub(1));
    let pad = w.saturating_sub(width(&line));
    line.extend(std::iter::repeat_n(' ', pad));
    frame.render_widget(
        Paragraph::new(Line::styled(line, app.theme.status_bar)),
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
