//! The "Courrier" screen: every message the daemon or an import stored,
//! whatever became of it (fiche read, revision, no fiche, refused for a
//! safety limit, auto-reply, error, handled), newest first, with its
//! attachments and the proposals it gave or was linked to; the status
//! filter and the search on top, the selected message's reason under the
//! list; Entrée shows the message in full (headers, text, attachments and
//! what became of each), scrolling.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row as TRow, Table, Wrap};

use super::super::app::{App, InputPurpose};
use super::super::format::{fit, parse_time, size, stored_datetime, tail, width};
use super::super::strings as s;
use super::widgets::{kv_lines, section, text_lines, wrap};
use crate::safe::terminal_line;
use crate::store::courrier::CourrierRow;

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    if app.courrier.full {
        return draw_full(frame, area, app);
    }
    let t = &app.theme;
    let c = &app.courrier;
    let [bar, list, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(2),
    ])
    .areas(area);
    draw_bar(frame, bar, app);
    if c.rows.is_empty() {
        let text =
            if c.loaded && c.total == 0 && c.query.is_empty() && c.filter == Default::default() {
                s::COU_EMPTY_DB
            } else if c.loaded {
                s::COU_EMPTY
            } else {
                s::LOADING
            };
        frame.render_widget(Paragraph::new(Line::styled(text, t.dim)), list);
        return;
    }
    let page = list.height.saturating_sub(1) as usize;
    let wide = area.width >= 110;
    let id_w = c
        .rows
        .iter()
        .map(|r| r.id.to_string().len())
        .max()
        .unwrap_or(1)
        .max(2) as u16;
    let date_w: u16 = if wide { 11 } else { 5 };
    let status_w: u16 = 15;
    let from_w: u16 = if wide { 28 } else { 16 };
    let pj_w: u16 = 2;
    let mark_w: u16 = 1;
    let prop_w: u16 = if wide { 14 } else { 8 };
    let fixed = id_w + date_w + status_w + from_w + pj_w + mark_w + prop_w + 7;
    let subject_w = area.width.saturating_sub(fixed).max(6);
    let mut rows = Vec::new();
    for (i, r) in c.rows.iter().enumerate().skip(c.offset).take(page) {
        let date = super::widgets::list_date(
            app.zone,
            parse_time(&r.sort_key).or_else(|| r.date.as_deref().and_then(parse_time)),
            wide,
        );
        let from = super::widgets::list_sender(r.from_name.as_deref(), r.from_addr.as_deref());
        let style = if i == c.selected {
            t.selected
        } else if r.handled.is_some() || !r.to_triage {
            t.normal
        } else {
            t.warn
        };
        rows.push(
            TRow::new(vec![
                r.id.to_string(),
                date,
                s::courrier_status(r.status, r.revision).to_string(),
                if r.handled.is_some() { "✓" } else { "" }.to_string(),
                fit(&from, from_w as usize),
                fit(
                    &terminal_line(r.subject.as_deref().unwrap_or("")),
                    subject_w as usize,
                ),
                if r.attachments > 0 {
                    r.attachments.to_string()
                } else {
                    String::new()
                },
                fit(&numbers_cell(r), prop_w as usize),
            ])
            .style(style),
        );
    }
    let header = TRow::new(vec![
        "N°",
        s::COU_COL_DATE,
        s::COU_COL_STATUS,
        "T",
        s::COU_COL_FROM,
        s::COU_COL_SUBJECT,
        s::COU_COL_PJ,
        s::COU_COL_LINKED,
    ])
    .style(t.header);
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(id_w),
                Constraint::Length(date_w),
                Constraint::Length(status_w),
                Constraint::Length(mark_w),
                Constraint::Length(from_w),
                Constraint::Length(subject_w),
                Constraint::Length(pj_w),
                Constraint::Length(prop_w),
            ],
        )
        .header(header)
        .column_spacing(1),
        list,
    );
    draw_footer(frame, footer, app);
}

/// "5 →7": proposals read from the message, then those it is linked to.
fn numbers_cell(r: &CourrierRow) -> String {
    let mut parts: Vec<String> = r.proposals.iter().map(|n| n.to_string()).collect();
    parts.extend(r.links.iter().map(|n| format!("→{n}")));
    parts.join(" ")
}

fn draw_bar(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.theme;
    let c = &app.courrier;
    let w = area.width as usize;
    if let Some((InputPurpose::CourrierSearch, input)) = &app.input {
        let prompt = format!("{} ", s::SEARCH_PROMPT);
        let room = w.saturating_sub(width(&prompt) + 1);
        let before = tail(&terminal_line(input.before_cursor()), room);
        let after = terminal_line(&input.text[input.before_cursor().len()..]);
        let rest = room.saturating_sub(width(&before));
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(prompt.clone(), t.key),
                Span::styled(format!("{before}{}", fit(&after, rest)), t.input),
            ])),
            area,
        );
        let x = area.x + (width(&prompt) + width(&before)).min(w.saturating_sub(1)) as u16;
        frame.set_cursor_position(Position::new(x, area.y));
        return;
    }
    let text = s::courrier_bar(
        c.rows.len(),
        c.total,
        c.more,
        s::courrier_filter(c.filter),
        &terminal_line(&c.query),
    );
    frame.render_widget(Paragraph::new(Line::styled(fit(&text, w), t.dim)), area);
}

/// Under the list: why the selected message is in this state, and where
/// the list stands (what is above and below the screen).
fn draw_footer(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.theme;
    let c = &app.courrier;
    let w = area.width as usize;
    let Some(r) = c.current() else {
        return;
    };
    let mut why = format!("{} · {}", r.id, s::courrier_status(r.status, r.revision));
    if let Some(reason) = &r.reason {
        why.push_str(" : ");
        why.push_str(&terminal_line(reason));
    }
    if let Some((at, who)) = &r.handled {
        why.push_str(&format!(
            " · traité par {} le {}",
            terminal_line(who),
            stored_datetime(app.zone, at)
        ));
    } else if r.to_triage {
        why.push_str(&format!(" · {}", s::COU_TO_TRIAGE));
    }
    let page = app.courrier_page();
    let last = (c.offset + page).min(c.rows.len());
    let more = if c.more { "+" } else { "" };
    let pos = format!(
        "{}–{} sur {}{more} · ↑ {} au-dessus · ↓ {} en dessous",
        c.offset + 1,
        last,
        c.total,
        c.offset,
        (c.total as usize).saturating_sub(last)
    );
    frame.render_widget(
        Paragraph::new(vec![
            Line::styled(fit(&why, w), if r.to_triage { t.warn } else { t.dim }),
            Line::styled(fit(&pos, w), t.dim),
        ]),
        area,
    );
}

fn draw_full(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.theme;
    let [title, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    // The last column stays blank: a line that reaches it was cut.
    let body = Rect::new(body.x, body.y, body.width.saturating_sub(1), body.height);
    let id = app.courrier.current().map_or(0, |r| r.id);
    let lines = message_lines(app, body.width as usize);
    let max = lines
        .as_ref()
        .map_or(0, |l| super::triage::max_scroll(l.len(), body.height));
    let scroll = app.courrier.scroll.min(max);
    let mut heading = format!(
        "{} {id} · {}",
        s::COU_MESSAGE,
        s::courrier_filter(app.courrier.filter)
    );
    if let Some(m) = lines
        .as_ref()
        .and_then(|l| super::widgets::hidden_marker(scroll as usize, body.height as usize, l.len()))
    {
        heading.push_str(&format!(" · {m}"));
    }
    frame.render_widget(
        Paragraph::new(Line::styled(
            fit(&heading, (area.width as usize).saturating_sub(1)),
            t.title,
        )),
        title,
    );
    let Some(lines) = lines else {
        frame.render_widget(Paragraph::new(Line::styled(s::LOADING, t.dim)), body);
        return;
    };
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        body,
    );
}

/// The selected message in full, `w` columns wide; `None` until loaded.
pub fn message_lines(app: &App, w: usize) -> Option<Vec<Line<'static>>> {
    let t = &app.theme;
    let r = app.courrier.current()?;
    let d = app.courrier.detail.as_ref().filter(|d| d.id == r.id)?;
    let lw = 13;
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut status = s::courrier_status(r.status, r.revision).to_string();
    if let Some(reason) = &d.record.reason {
        status.push_str(" : ");
        status.push_str(reason);
    }
    lines.extend(kv_lines(
        s::COU_STATUS,
        &status,
        lw,
        w,
        t.key,
        if r.to_triage { t.warn } else { t.normal },
    ));
    if let Some((at, who)) = &r.handled {
        lines.push(Line::styled(
            format!(
                "Traité par {} le {}",
                terminal_line(who),
                stored_datetime(app.zone, at)
            ),
            t.ok,
        ));
    }
    let from = d
        .view
        .from
        .clone()
        .or_else(|| d.record.from.clone())
        .unwrap_or_default();
    lines.extend(kv_lines(s::D_FROM, &from, lw, w, t.key, t.normal));
    let date = d
        .record
        .date
        .as_deref()
        .map(|x| stored_datetime(app.zone, x))
        .unwrap_or_else(|| s::D_EMPTY.to_string());
    lines.extend(kv_lines(s::D_DATE, &date, lw, w, t.key, t.normal));
    let received = d
        .record
        .received_at
        .as_deref()
        .or(d.record.effective_at.as_deref())
        .map(|x| stored_datetime(app.zone, x))
        .unwrap_or_else(|| s::D_EMPTY.to_string());
    lines.extend(kv_lines(s::COU_RECEIVED, &received, lw, w, t.key, t.normal));
    lines.extend(kv_lines(
        s::D_SUBJECT,
        d.record.subject.as_deref().unwrap_or(""),
        lw,
        w,
        t.key,
        t.normal,
    ));
    if let Some(mid) = &d.record.message_id {
        lines.extend(kv_lines("Message-ID", mid, lw, w, t.key, t.dim));
    }
    lines.extend(kv_lines(
        s::COU_SIZE,
        &size(d.record.size),
        lw,
        w,
        t.key,
        t.dim,
    ));
    if !r.proposals.is_empty() {
        let v: Vec<String> = r.proposals.iter().map(|n| format!("n° {n}")).collect();
        lines.extend(kv_lines(
            s::COU_PROPOSALS,
            &v.join(", "),
            lw,
            w,
            t.key,
            t.ok,
        ));
    }
    for l in &d.links {
        let org = app
            .listing
            .rows()
            .iter()
            .find(|p| p.number == l.number)
            .map_or_else(String::new, |p| format!(" — {}", p.organisation));
        let text = format!(
            "n° {}{org} (lié par {} le {})",
            l.number,
            terminal_line(&l.actor),
            stored_datetime(app.zone, &l.at)
        );
        lines.extend(kv_lines(s::COU_LINKS, &text, lw, w, t.key, t.ok));
    }
    if !d.record.attachments.is_empty() {
        lines.push(section(s::D_ATTACHMENTS, w, t.header));
        for a in &d.record.attachments {
            lines.push(Line::raw(format!(
                "{}  {}  {}  {}",
                terminal_line(a.filename.as_deref().unwrap_or(s::COU_NO_NAME)),
                terminal_line(a.format.as_deref().unwrap_or("?")),
                size(a.size),
                s::attachment_outcome(a.outcome)
            )));
            if let Some(reason) = &a.reason {
                for l in wrap(&terminal_line(reason), w.saturating_sub(4)) {
                    lines.push(Line::styled(format!("    {l}"), t.dim));
                }
            }
        }
    } else if !d.view.attachments.is_empty() {
        lines.push(section(s::D_ATTACHMENTS, w, t.header));
        for a in &d.view.attachments {
            lines.push(Line::raw(format!(
                "{}  {}  {}",
                terminal_line(a.filename.as_deref().unwrap_or(s::COU_NO_NAME)),
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
        if d.view.body_truncated {
            lines.push(Line::styled(s::D_BODY_CUT, t.dim));
        }
    }
    Some(lines)
}
