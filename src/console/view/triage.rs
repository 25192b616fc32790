//! The "À traiter" screen: the messages with no usable fiche (format not
//! read, unreadable, no fiche attached), whether someone handled them, and
//! the selected one to read: why it is here, sender, date, subject,
//! attachments and body text.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row as TRow, Table, Wrap};

use super::super::app::{App, AttachmentText, Focus, TextState, body_height, list_split};
use super::super::format::{fit, parse_time, size, stored_datetime};
use super::super::strings as s;
use super::widgets::{
    first_shown, hidden_marker, kv_lines, list_window, section, text_lines, wrap,
};
use crate::safe::terminal_line;
use crate::store::console::TriageMessage;

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.theme;
    let (list_h, _) = list_split(body_height(app.size).min(area.height));
    let [bar, list, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(list_h),
        Constraint::Min(0),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(Line::styled(
            fit(
                &format!(
                    "{} message{} sans fiche lisible · {} {}{}",
                    app.triage.len(),
                    s::plural(app.triage.len()),
                    app.triage_open(),
                    s::ST_TO_TRIAGE,
                    list_window(
                        app.triage_offset,
                        app.triage_selected,
                        list_h.saturating_sub(1) as usize,
                        app.triage.len()
                    )
                ),
                area.width as usize,
            ),
            t.dim,
        )),
        bar,
    );
    if app.triage.is_empty() {
        frame.render_widget(Paragraph::new(Line::styled(s::TRI_EMPTY, t.dim)), list);
        return;
    }
    draw_list(frame, list, area.width, app);
    draw_message(frame, detail, app);
}

/// The messages without a readable fiche, the selected one kept in view.
fn draw_list(frame: &mut Frame<'_>, list: Rect, width: u16, app: &App) {
    let t = &app.theme;
    let page = list.height.saturating_sub(1) as usize;
    let wide = width >= 110;
    let date_w: u16 = if wide { 11 } else { 5 };
    let status_w: u16 = 13;
    let mark_w: u16 = 6;
    let from_w: u16 = if wide { 28 } else { 18 };
    let subject_w = width
        .saturating_sub(4 + status_w + date_w + from_w + mark_w + 6)
        .max(6);
    let mut rows = Vec::new();
    for (i, m) in app
        .triage
        .iter()
        .enumerate()
        .skip(first_shown(app.triage_offset, app.triage_selected, page))
        .take(page)
    {
        rows.push(list_row(app, i, m, wide, from_w, subject_w));
    }
    let header = TRow::new(vec!["N°", "Statut", "Reçu", "De", "Objet", ""]).style(t.header);
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(4),
                Constraint::Length(status_w),
                Constraint::Length(date_w),
                Constraint::Length(from_w),
                Constraint::Length(subject_w),
                Constraint::Length(mark_w),
            ],
        )
        .header(header)
        .column_spacing(1),
        list,
    );
}

/// A message of the list: number, status, date, sender, subject, handled.
fn list_row(
    app: &App,
    i: usize,
    m: &TriageMessage,
    wide: bool,
    from_w: u16,
    subject_w: u16,
) -> TRow<'static> {
    let t = &app.theme;
    let date = super::widgets::list_date(
        app.zone,
        m.received_at
            .as_deref()
            .or(m.date.as_deref())
            .and_then(parse_time),
        wide,
    );
    let from = super::widgets::list_sender(m.from_name.as_deref(), m.from_addr.as_deref());
    let style = if i == app.triage_selected {
        if app.focus == Focus::List {
            t.selected
        } else {
            t.selected_unfocused
        }
    } else if m.handled.is_some() {
        t.dim
    } else {
        t.normal
    };
    TRow::new(vec![
        m.id.to_string(),
        s::message_status(m.status).to_string(),
        date,
        fit(&from, from_w as usize),
        fit(
            &terminal_line(m.subject.as_deref().unwrap_or("")),
            subject_w as usize,
        ),
        if m.handled.is_some() {
            s::TRI_HANDLED.to_string()
        } else {
            String::new()
        },
    ])
    .style(style)
}

/// The selected message (or the attachment's text shown), scrolled.
fn draw_message(frame: &mut Frame<'_>, detail: Rect, app: &App) {
    let t = &app.theme;
    let title = match app.current_text() {
        Some(x) => s::att_number(x.number),
        None => s::D_MESSAGE.to_string(),
    };
    let lines = app
        .current_message()
        .and_then(|_| message_lines(app, detail.width as usize));
    let inner_h = detail.height.saturating_sub(1);
    let marker = lines.as_ref().and_then(|l| {
        let max = max_scroll(l.len(), inner_h);
        hidden_marker(
            app.triage_scroll.min(max) as usize,
            inner_h as usize,
            l.len(),
        )
    });
    let block = Block::default().borders(Borders::TOP).title(Span::styled(
        match marker {
            Some(m) => format!(" {title} · {m} "),
            None => format!(" {title} "),
        },
        if app.focus == Focus::Detail {
            t.tab_active
        } else {
            t.title
        },
    ));
    let inner = block.inner(detail);
    frame.render_widget(block, detail);
    if app.current_message().is_none() {
        return;
    }
    let Some(lines) = lines else {
        frame.render_widget(Paragraph::new(Line::styled(s::LOADING, t.dim)), inner);
        return;
    };
    let max = max_scroll(lines.len(), inner.height);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((app.triage_scroll.min(max), 0)),
        inner,
    );
}

/// How far a pane of `lines` can scroll in `height` rows: until its last
/// lines sit at the top half.
pub fn max_scroll(lines: usize, height: u16) -> u16 {
    lines
        .saturating_sub(usize::from(height / 2).max(1))
        .min(usize::from(u16::MAX)) as u16
}

/// The lines of an attachment's text: its title, then the text (or where
/// its conversion stands).
pub fn text_lines_of(app: &App, x: &AttachmentText, w: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let via = match &x.state {
        TextState::Ready(r) => Some(r.via),
        _ => None,
    };
    let title = fit(&s::tri_text_title(&x.name, via), w.saturating_sub(4));
    let mut lines = vec![section(&title, w, t.header)];
    match &x.state {
        TextState::Converting(program) => {
            lines.push(Line::styled(s::tri_converting(program), t.dim));
        }
        TextState::Failed(why) => {
            for l in wrap(why, w.max(10)) {
                lines.push(Line::styled(l, t.warn));
            }
        }
        TextState::Ready(r) if r.text.trim().is_empty() => {
            lines.push(Line::styled(s::TRI_TEXT_EMPTY, t.dim));
        }
        TextState::Ready(r) => {
            // Already terminal-safe (`convert`); drawn again through the
            // frame's last guard.
            lines.extend(text_lines(&r.text, t.normal));
            if r.truncated {
                lines.push(Line::styled(s::TRI_TEXT_CUT, t.warn));
            }
        }
    }
    lines
}

/// The lines of the selected message, `w` columns wide (the text of one of
/// its attachments when asked, `t`); `None` until loaded.
pub fn message_lines(app: &App, w: usize) -> Option<Vec<Line<'static>>> {
    let t = &app.theme;
    let m = app.current_message()?;
    if let Some(x) = app.current_text() {
        return Some(text_lines_of(app, x, w));
    }
    let d = app.triage_detail.as_ref().filter(|d| d.id == m.id)?;
    let mut lines: Vec<Line<'static>> = Vec::new();
    lines.extend(kv_lines(
        s::TRI_REASON,
        m.reason.as_deref().unwrap_or(s::message_status(m.status)),
        9,
        w,
        t.key,
        t.warn,
    ));
    if let Some((at, who)) = &m.handled {
        lines.push(Line::styled(
            format!(
                "Traité par {} le {}",
                terminal_line(who),
                stored_datetime(app.zone, at)
            ),
            t.ok,
        ));
    }
    if let Some((letter, state)) = m.docx_request {
        lines.push(Line::styled(s::tri_docx_request(letter, state), t.ok));
    }
    if !d.record.proposals.is_empty() {
        let ids: Vec<String> = d
            .record
            .proposals
            .iter()
            .map(|p| format!("n° {}", app.number_of(*p)))
            .collect();
        lines.push(Line::styled(
            format!("Propositions liées : {}", ids.join(", ")),
            t.ok,
        ));
    }
    let from = d
        .view
        .from
        .clone()
        .or_else(|| d.record.from.clone())
        .unwrap_or_default();
    lines.extend(kv_lines(s::D_FROM, &from, 9, w, t.key, t.normal));
    let date = d
        .record
        .date
        .as_deref()
        .map(|x| stored_datetime(app.zone, x))
        .unwrap_or_else(|| s::D_EMPTY.to_string());
    lines.extend(kv_lines(s::D_DATE, &date, 9, w, t.key, t.normal));
    lines.extend(kv_lines(
        s::D_SUBJECT,
        d.record.subject.as_deref().unwrap_or(""),
        9,
        w,
        t.key,
        t.normal,
    ));
    if !d.record.attachments.is_empty() {
        lines.push(section(s::D_ATTACHMENTS, w, t.header));
        for a in &d.record.attachments {
            lines.push(Line::raw(format!(
                "{}  {}  {}  {}  {}",
                s::att_number(a.id),
                terminal_line(a.filename.as_deref().unwrap_or("(sans nom)")),
                a.format.as_deref().unwrap_or("?"),
                size(a.size),
                s::attachment_outcome(a.outcome)
            )));
            if let Some(r) = &a.reason {
                for l in wrap(&terminal_line(r), w.saturating_sub(4)) {
                    lines.push(Line::styled(format!("    {l}"), t.dim));
                }
            }
        }
    } else if !d.view.attachments.is_empty() {
        lines.push(section(s::D_ATTACHMENTS, w, t.header));
        for a in &d.view.attachments {
            lines.push(Line::raw(format!(
                "{}  {}  {}",
                terminal_line(a.filename.as_deref().unwrap_or("(sans nom)")),
                terminal_line(a.content_type.as_deref().unwrap_or("?")),
                size(a.size as u64)
            )));
        }
    }
    lines.push(section(s::D_MESSAGE, w, t.header));
    if d.view.body_text.trim().is_empty() {
        lines.push(Line::styled(s::D_NO_BODY, t.dim));
    } else {
        lines.extend(text_lines(d.view.body_text.trim_end(), t.normal));
    }
    Some(lines)
}
