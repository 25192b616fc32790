//! The Corriger screen: every field of the selected proposal's fiche (or of
//! the fiche being entered by hand), one per line, with its warnings; below,
//! the chosen field in full. Entrée edits it; each change is journaled
//! with the old value.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::super::app::{App, AttachmentText};
use super::super::format::{fit, pad, width};
use super::super::strings as s;
use super::super::update::fields_of;
use super::detail::value_label;
use super::widgets::{hidden_marker, label_width, text_lines, window_start};
use crate::fiche::spec::{FieldSpec, FieldType};
use crate::fiche::{Kind, Value, Warning};
use crate::safe::terminal_line;

/// The form; during a hand entry with an attachment's text, the text beside
/// it (wide terminals) or in its place (`t`, narrow ones).
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let Some(x) = app.draft_text() else {
        return draw_form(frame, area, app);
    };
    if app.side_by_side() {
        let [form, text] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(area);
        draw_form(frame, form, app);
        draw_text(frame, text, app, x, true);
    } else if app.text_instead {
        draw_text(frame, area, app, x, false);
    } else {
        draw_form(frame, area, app);
    }
}

/// Lines of the attachment's text beside the hand entry (for scrolling).
pub fn text_line_count(app: &App) -> usize {
    let w = if app.side_by_side() {
        (app.size.0 as usize * 45 / 100).saturating_sub(2)
    } else {
        app.size.0 as usize
    };
    app.draft_text()
        .map_or(0, |x| super::triage::text_lines_of(app, x, w).len())
}

fn draw_text(frame: &mut Frame<'_>, area: Rect, app: &App, x: &AttachmentText, beside: bool) {
    let block = if beside {
        Block::default().borders(Borders::LEFT)
    } else {
        Block::default()
    };
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = super::triage::text_lines_of(app, x, inner.width as usize);
    let max = super::triage::max_scroll(lines.len(), inner.height);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((app.text_scroll.min(max), 0)),
        inner,
    );
}

fn draw_form(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.theme;
    let w = area.width as usize;
    let Some((title, kind, values, warnings)) = form_of(app) else {
        frame.render_widget(
            Paragraph::new(Line::styled(s::COR_NONE, t.dim)).wrap(Wrap { trim: false }),
            area,
        );
        return;
    };
    let fields = fields_of(kind);
    let [head, list, full] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length((area.height / 3).clamp(4, 12)),
    ])
    .areas(area);
    let h = list.height as usize;
    let cursor = app.correct_cursor.min(fields.len().saturating_sub(1));
    let start = window_start(cursor, h, fields.len());
    let marker = hidden_marker(start, h, fields.len())
        .map(|m| format!("  {m}"))
        .unwrap_or_default();
    let title = fit(&title, w.saturating_sub(width(&marker) + 1));
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(title, t.title),
            Span::styled(marker, t.dim),
        ])),
        head,
    );
    let Some(values) = values else {
        frame.render_widget(Paragraph::new(Line::styled(s::LOADING, t.dim)), list);
        return;
    };
    let label_w = label_width(fields.iter().map(|f| f.label), w.saturating_sub(4)) + 2;
    let mut lines = Vec::new();
    for (i, f) in fields.iter().enumerate().skip(start).take(h) {
        lines.push(field_line(
            app,
            f,
            &values,
            &warnings,
            i == cursor,
            label_w,
            w,
        ));
    }
    frame.render_widget(Paragraph::new(lines), list);

    draw_field_full(frame, full, app, fields.get(cursor), &values, &warnings);
}

/// What the form edits: its title, the kind, the values (`None` while
/// loading) and the warnings: the hand entry's, else the selected
/// proposal's; `None` when nothing is selected.
type Form = (
    String,
    Option<Kind>,
    Option<BTreeMap<String, Value>>,
    Vec<Warning>,
);

fn form_of(app: &App) -> Option<Form> {
    match &app.draft {
        Some(d) => Some((
            format!(
                "{} · courriel #{} · {}",
                s::COR_DRAFT_TITLE,
                d.message_id,
                d.kind.label_fr()
            ),
            Some(d.kind),
            Some(d.fields.clone()),
            Vec::new(),
        )),
        None => {
            let row = app.current()?;
            let detail = app.current_detail();
            Some((
                format!(
                    "{} n° {} · {} · {}",
                    s::SCREEN_CORRIGER,
                    row.number,
                    s::kind_long(row.kind),
                    row.organisation
                ),
                row.kind,
                detail.map(|d| d.proposal.fields.clone()),
                detail
                    .map(|d| d.proposal.warnings.clone())
                    .unwrap_or_default(),
            ))
        }
    }
}

/// A field of the form: its label (a required one keeps its « * »), its
/// value or what is missing, a ⚠ when a warning names it.
fn field_line(
    app: &App,
    f: &FieldSpec,
    values: &BTreeMap<String, Value>,
    warnings: &[Warning],
    selected: bool,
    label_w: usize,
    w: usize,
) -> Line<'static> {
    let t = &app.theme;
    let warned = warnings.iter().any(|x| x.field.as_deref() == Some(f.key));
    let value = values.get(f.key).map(|v| value_label(v, f.ty));
    // A required field keeps its « * » when its label is cut.
    let label = if f.required {
        format!("{} *", fit(f.label, label_w.saturating_sub(2)))
    } else {
        f.label.to_string()
    };
    let (text, vstyle) = match &value {
        Some(v) => (terminal_line(v), if warned { t.warn } else { t.normal }),
        None if f.required => (s::D_MISSING_REQUIRED.to_string(), t.warn),
        None => (s::D_EMPTY.to_string(), t.dim),
    };
    let mark = if warned { "⚠" } else { " " };
    let room = w.saturating_sub(label_w + 4);
    if selected {
        Line::styled(
            format!("▶{mark} {} {}", pad(&label, label_w), fit(&text, room)),
            t.selected,
        )
    } else {
        Line::from(vec![
            Span::styled(format!(" {mark} "), t.warn),
            Span::styled(
                format!("{} ", pad(&label, label_w)),
                if warned { t.warn } else { t.key },
            ),
            Span::styled(fit(&text, room), vstyle),
        ])
    }
}

/// The chosen field in full, with its warnings and its choices.
fn draw_field_full(
    frame: &mut Frame<'_>,
    full: Rect,
    app: &App,
    f: Option<&FieldSpec>,
    values: &BTreeMap<String, Value>,
    warnings: &[Warning],
) {
    let t = &app.theme;
    let Some(f) = f else {
        return;
    };
    let block = Block::default()
        .borders(Borders::TOP)
        .title(format!(" {} ", terminal_line(f.label)));
    let inner = block.inner(full);
    frame.render_widget(block, full);
    let mut lines = Vec::new();
    match values.get(f.key) {
        Some(v) => lines.extend(text_lines(&value_label(v, f.ty), t.normal)),
        None => lines.push(Line::styled(
            if f.required {
                s::D_MISSING_REQUIRED
            } else {
                s::D_EMPTY
            },
            t.dim,
        )),
    }
    for x in warnings
        .iter()
        .filter(|x| x.field.as_deref() == Some(f.key))
    {
        lines.push(Line::styled(
            format!("⚠ {}", terminal_line(&x.message)),
            t.warn,
        ));
    }
    if let FieldType::Choice(opts) = f.ty {
        let labels: Vec<&str> = opts.iter().map(|o| o.label).collect();
        lines.push(Line::styled(
            fit(
                &format!("Choix : {}", labels.join(" · ")),
                inner.width as usize * 2,
            ),
            t.dim,
        ));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
