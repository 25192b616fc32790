//! The Envoi screen: the letters of the outbox (state, recipient, subject,
//! proposal, created), the counts by state, and the selected letter in
//! full, as it would go out (or, once sent, as it went).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row as TRow, Table, Wrap};

use super::super::app::{App, Focus, LetterRow, body_height, list_split};
use super::super::format::{day_month, fit, parse_time, short_datetime, stored_datetime};
use super::super::strings as s;
use super::widgets::{
    first_shown, hidden_marker, kv_lines, list_window, section, text_lines, wrap,
};
use crate::safe::terminal_line;
use crate::store::LetterState;

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.theme;
    let e = &app.envoi;
    let (list_h, _) = list_split(body_height(app.size).min(area.height));
    let [bar, list, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(list_h),
        Constraint::Min(0),
    ])
    .areas(area);
    let [p, sent, unc, failed] = e.counts;
    let mut bar_text = s::env_counts(p, sent, unc, failed);
    if !e.marks.is_empty() {
        bar_text = format!("{bar_text} · {}", s::marked_count(e.marks.len()));
    }
    bar_text.push_str(&list_window(
        e.offset,
        e.selected,
        list_h.saturating_sub(1) as usize,
        e.letters.len(),
    ));
    if let Some((done, total)) = e.sending {
        bar_text = format!("{bar_text} · {}", s::n_sending(done, total));
    }
    frame.render_widget(
        Paragraph::new(Line::styled(fit(&bar_text, area.width as usize), t.dim)),
        bar,
    );
    if e.letters.is_empty() {
        frame.render_widget(Paragraph::new(Line::styled(s::ENV_EMPTY, t.dim)), list);
        return;
    }
    draw_list(frame, list, area.width, app);
    draw_letter(frame, detail, app);
}

/// The columns' widths: (state, date, recipient, about).
fn column_widths(wide: bool) -> (u16, u16, u16, u16) {
    if wide {
        (11, 11, 30, 28)
    } else {
        (11, 5, 18, 14)
    }
}

/// The letters, the selected one kept in view.
fn draw_list(frame: &mut Frame<'_>, list: Rect, width: u16, app: &App) {
    let t = &app.theme;
    let e = &app.envoi;
    let page = list.height.saturating_sub(1) as usize;
    let wide = width >= 110;
    let (state_w, date_w, to_w, org_w) = column_widths(wide);
    let subject_w = width
        .saturating_sub(4 + state_w + to_w + org_w + date_w + 6)
        .max(6);
    let mut rows = Vec::new();
    for (i, l) in e
        .letters
        .iter()
        .enumerate()
        .skip(first_shown(e.offset, e.selected, page))
        .take(page)
    {
        rows.push(list_row(app, i, l, wide, subject_w));
    }
    let header = TRow::new(vec![
        "N°",
        s::ENV_STATE,
        s::ENV_TO,
        s::ENV_KIND,
        s::ENV_ABOUT,
        "Créée",
    ])
    .style(t.header);
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(4),
                Constraint::Length(state_w),
                Constraint::Length(to_w),
                Constraint::Length(subject_w),
                Constraint::Length(org_w),
                Constraint::Length(date_w),
            ],
        )
        .header(header)
        .column_spacing(1),
        list,
    );
}

/// A letter of the list: number (marked), state, recipient, kind, about,
/// date.
fn list_row(app: &App, i: usize, l: &LetterRow, wide: bool, subject_w: u16) -> TRow<'static> {
    let t = &app.theme;
    let e = &app.envoi;
    let (state_w, _, to_w, org_w) = column_widths(wide);
    let style = if i == e.selected {
        if app.focus == Focus::List {
            t.selected
        } else {
            t.selected_unfocused
        }
    } else {
        match l.state {
            LetterState::Uncertain | LetterState::Failed => t.warn,
            LetterState::Sent => t.dim,
            _ => t.normal,
        }
    };
    let created = parse_time(&l.created_at).map_or_else(
        || "?".to_string(),
        |ts| {
            if wide {
                short_datetime(app.zone, ts)
            } else {
                day_month(app.zone, ts)
            }
        },
    );
    let mut number = if l.partners {
        format!("P{}", l.id)
    } else {
        l.id.to_string()
    };
    if e.marks.contains(&(l.id, l.partners)) {
        number.insert_str(0, s::COL_MARK);
    }
    let style = if l.hold.is_some() && i != e.selected {
        t.warn
    } else {
        style
    };
    TRow::new(vec![
        number,
        fit(l.state.label_fr(), state_w as usize),
        fit(&terminal_line(&l.to), to_w as usize),
        // The kind says more than the subject, which is the same
        // for every letter of a kind (it is in the letter below).
        fit(l.kind, subject_w as usize),
        fit(
            &match l.proposal_number {
                Some(n) if !l.partners => {
                    format!("{n} {}", terminal_line(&l.organisation))
                }
                _ => terminal_line(&l.organisation),
            },
            org_w as usize,
        ),
        created,
    ])
    .style(style)
}

/// The selected letter in full, scrolled.
fn draw_letter(frame: &mut Frame<'_>, detail: Rect, app: &App) {
    let t = &app.theme;
    let e = &app.envoi;
    let lines = letter_lines(app, detail.width as usize);
    let inner_h = detail.height.saturating_sub(1);
    let max = super::triage::max_scroll(lines.len(), inner_h);
    let title = match hidden_marker(e.scroll.min(max) as usize, inner_h as usize, lines.len()) {
        Some(m) => format!(" {} · {m} ", s::ENV_LETTER),
        None => format!(" {} ", s::ENV_LETTER),
    };
    let block = Block::default().borders(Borders::TOP).title(Span::styled(
        title,
        if app.focus == Focus::Detail {
            t.tab_active
        } else {
            t.title
        },
    ));
    let inner = block.inner(detail);
    frame.render_widget(block, detail);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((e.scroll.min(max), 0)),
        inner,
    );
}

/// The selected letter in full, `w` columns wide.
pub fn letter_lines(app: &App, w: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let Some(l) = app.envoi.current() else {
        return Vec::new();
    };
    let mut lines: Vec<Line<'static>> = Vec::new();
    let state = match &l.sent_at {
        Some(at) => format!(
            "{} le {}",
            l.state.label_fr(),
            stored_datetime(app.zone, at)
        ),
        None => l.state.label_fr().to_string(),
    };
    let state = format!("{state} · {}", l.kind);
    let state_style = match l.state {
        LetterState::Uncertain | LetterState::Failed => t.warn,
        LetterState::Sent => t.ok,
        _ => t.normal,
    };
    lines.extend(kv_lines(s::ENV_STATE, &state, 9, w, t.key, state_style));
    lines.extend(kv_lines(s::ENV_TO, &l.to, 9, w, t.key, t.normal));
    if !l.cc.is_empty() {
        lines.extend(kv_lines(s::ENV_CC, &l.cc, 9, w, t.key, t.normal));
    }
    lines.extend(kv_lines(s::ENV_SUBJECT, &l.subject, 9, w, t.key, t.normal));
    if !l.partners {
        let (label, about) = match l.proposal_number {
            Some(n) => (s::ENV_ABOUT, format!("n° {n} · {}", l.organisation)),
            None => (s::ENV_ABOUT_MESSAGE, l.organisation.clone()),
        };
        lines.extend(kv_lines(label, &about, 9, w, t.key, t.normal));
    }
    if let Some(err) = &l.last_error {
        lines.extend(kv_lines(s::ENV_LAST_ERROR, err, 9, w, t.key, t.warn));
    }
    if let Some(h) = &l.hold {
        lines.push(section(s::ENV_HOLD, w, t.header));
        for x in wrap(&terminal_line(h), w.saturating_sub(2)) {
            lines.push(Line::styled(format!("• {x}"), t.warn));
        }
    }
    if !l.problems.is_empty() {
        lines.push(section(s::ENV_PROBLEMS, w, t.header));
        for p in &l.problems {
            for x in wrap(&terminal_line(p), w.saturating_sub(2)) {
                lines.push(Line::styled(format!("• {x}"), t.warn));
            }
        }
    }
    lines.push(section(s::ENV_LETTER, w, t.header));
    lines.extend(text_lines(l.body.trim_end(), t.normal));
    lines
}
