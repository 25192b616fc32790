//! The detail of a proposal: every field of its fiche in form order with
//! the warnings that name it highlighted, the membership cross-check, its
//! signals, the email it came from (sender, date, subject, body text), the
//! attachments, the revisions and the journal. Used by the Propositions
//! screen's lower pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::super::app::{App, Detail, Focus};
use super::super::format::{fit, size, stored_datetime, width};
use super::super::rows::Row;
use super::super::strings as s;
use super::widgets::{kv_lines, kv_lines_wrapped, label_width, section, text_lines, wrap};
use crate::domain::{Status, rank_fr, status_fr};
use crate::fiche::spec;
use crate::safe::terminal_line;
use crate::store::{JournalEntry, Proposal};

pub fn draw_pane(frame: &mut Frame<'_>, area: Rect, app: &App) {
    if area.height == 0 {
        return;
    }
    let t = &app.theme;
    let focused = app.focus == Focus::Detail;
    let inner_w = area.width as usize;
    let inner_h = area.height.saturating_sub(1);
    let lines = match (app.current(), app.current_detail()) {
        (Some(row), Some(d)) => lines(app, row, d, inner_w),
        (Some(_), None) => vec![Line::styled(s::LOADING, t.dim)],
        (None, _) => vec![],
    };
    let max = super::triage::max_scroll(lines.len(), inner_h);
    // What the pane hides, in its title.
    let scroll = app.detail_scroll.min(max) as usize;
    let title = match super::widgets::hidden_marker(scroll, inner_h as usize, lines.len()) {
        Some(m) => format!(" {} · {m} ", s::DETAIL_TITLE),
        None => format!(" {} ", s::DETAIL_TITLE),
    };
    let block = Block::default().borders(Borders::TOP).title(Span::styled(
        title,
        if focused { t.tab_active } else { t.title },
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((app.detail_scroll.min(max), 0)),
        inner,
    );
}

/// Lines of the selected proposal's detail across the terminal's width.
pub fn line_count(app: &App) -> usize {
    match (app.current(), app.current_detail()) {
        (Some(row), Some(d)) => lines(app, row, d, app.size.0 as usize).len(),
        _ => 0,
    }
}

/// A field value as staff read it: a choice by its printed label.
pub fn value_label(v: &crate::fiche::Value, ty: spec::FieldType) -> String {
    use crate::fiche::Value;
    match (v, ty) {
        (Value::Bool(true), _) => "Oui".into(),
        (Value::Bool(false), _) => "Non".into(),
        (Value::Text(t), spec::FieldType::Choice(opts)) => opts
            .iter()
            .find(|o| o.value == t)
            .map_or_else(|| t.clone(), |o| o.label.to_string()),
        (Value::Text(t), _) => t.clone(),
    }
}

/// A one-line status of a proposal: "retenue : 14:00, Espace B",
/// "3e sur la liste d'attente", ...
pub fn status_text(app: &App, row: &Row) -> String {
    match row.status {
        Status::Accepted => match (&row.slot, &row.space) {
            (Some(sl), Some(sp)) => format!("{} : {sl}, {sp}", status_fr(row.status)),
            _ => status_fr(row.status).to_string(),
        },
        Status::Waitlisted => match app.programme().ranks.get(&row.id) {
            Some(r) => rank_fr(*r),
            None => status_fr(row.status).to_string(),
        },
        Status::Rejected => match row.reason.as_deref().filter(|r| !r.trim().is_empty()) {
            Some(reason) => format!("{} — motif : {reason}", status_fr(row.status)),
            None => status_fr(row.status).to_string(),
        },
        st => status_fr(st).to_string(),
    }
}

fn json_value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => s::D_EMPTY.to_string(),
        serde_json::Value::String(x) => format!("« {} »", terminal_line(x)),
        serde_json::Value::Bool(true) => "Oui".into(),
        serde_json::Value::Bool(false) => "Non".into(),
        other => terminal_line(&other.to_string()),
    }
}

fn decision_text(v: Option<&serde_json::Value>) -> String {
    let Some(v) = v else {
        return s::D_EMPTY.to_string();
    };
    let status = v
        .get("status")
        .and_then(|x| x.as_str())
        .and_then(Status::parse)
        .map_or("?", status_fr);
    let mut out = status.to_string();
    if let (Some(sl), Some(sp)) = (
        v.get("slot").and_then(|x| x.as_str()),
        v.get("space").and_then(|x| x.as_str()),
    ) {
        out.push_str(&format!(" ({}, {})", terminal_line(sl), terminal_line(sp)));
    }
    if let Some(r) = v.get("rank").and_then(|x| x.as_i64())
        && r > 0
    {
        out.push_str(&format!(" ({})", s::rank_short(r as usize)));
    }
    if let Some(reason) = v.get("reason").and_then(|x| x.as_str()) {
        out.push_str(&format!(" — motif : {}", terminal_line(reason)));
    }
    out
}

/// What a journal line did, in a few words.
pub fn journal_summary(e: &JournalEntry, p: &Proposal) -> String {
    let label = s::journal_action(&e.action).to_string();
    match e.action.as_str() {
        "note" | "opinion" => {
            let get = |v: Option<&serde_json::Value>, k: &str| {
                v.and_then(|v| v.get(k))
                    .and_then(|x| x.as_str())
                    .map(str::to_string)
            };
            if e.action == "opinion" {
                let word = |v: Option<String>| {
                    v.as_deref()
                        .and_then(crate::store::notes::Opinion::parse)
                        .map_or_else(|| "aucun".to_string(), |o| o.label_fr())
                };
                format!(
                    "{label} : {} → {}",
                    word(get(e.before.as_ref(), "opinion")),
                    word(get(e.after.as_ref(), "opinion"))
                )
            } else {
                match get(e.after.as_ref(), "note") {
                    Some(n) => format!("{label} : « {} »", terminal_line(&n)),
                    None => format!("{label} effacée"),
                }
            }
        }
        "decision"
        | "decision_carried_over"
        | "moved"
        | "swapped"
        | "waitlist_moved"
        | "suggestion"
        | "undo" => format!(
            "{label} : {} → {}",
            decision_text(e.before.as_ref()),
            decision_text(e.after.as_ref())
        ),
        "field_updated" => {
            let (Some(b), Some(a)) = (
                e.before.as_ref().and_then(|v| v.as_object()),
                e.after.as_ref().and_then(|v| v.as_object()),
            ) else {
                return label;
            };
            let parts: Vec<String> = a
                .iter()
                .map(|(k, new)| {
                    let name = p
                        .kind
                        .and_then(|kind| spec::field(kind, k))
                        .map_or(k.as_str(), |f| f.label);
                    let old = b.get(k).unwrap_or(&serde_json::Value::Null);
                    format!(
                        "{} : {} → {}",
                        terminal_line(name),
                        json_value_text(old),
                        json_value_text(new)
                    )
                })
                .collect();
            format!("{label} — {}", parts.join(" ; "))
        }
        _ => label,
    }
}

/// Every line of the detail of `row`, section by section.
pub fn lines(app: &App, row: &Row, d: &Detail, w: usize) -> Vec<Line<'static>> {
    let mut out: Vec<Line<'static>> = Vec::new();
    head_lines(&mut out, app, row, d, w);
    notes_lines(&mut out, app, d, w);
    fiche_lines(&mut out, app, d, w);
    linked_lines(&mut out, app, d, w);
    email_lines(&mut out, app, d, w);
    history_lines(&mut out, app, d, w);
    out
}

/// The head: number, kind, status, revision; the e-mail it came with; CUF membership; flags.
fn head_lines(out: &mut Vec<Line<'static>>, app: &App, row: &Row, d: &Detail, w: usize) {
    let t = &app.theme;
    let p = &d.proposal;
    let mut head = format!(
        "N° {} · {} · {}",
        p.number,
        s::kind_long(p.kind),
        status_text(app, row)
    );
    if p.revision > 1 {
        head.push_str(&format!(" · rév. {}", p.revision));
    }
    out.push(Line::styled(head, t.title));
    if let Some(m) = &d.message {
        let from = m.from.as_deref().unwrap_or("?");
        let subject = m.subject.as_deref().unwrap_or("");
        out.push(Line::from(vec![
            Span::styled("Courriel : ", t.key),
            Span::raw(fit(
                &format!(
                    "#{} de {} — « {} »",
                    m.id,
                    terminal_line(from),
                    terminal_line(subject)
                ),
                w.saturating_sub(11),
            )),
        ]));
    }
    let member = app.rules.members.check(
        p.text(crate::call::roles().organisation.as_str()),
        match p
            .kind
            .and_then(crate::fiche::Kind::member_key)
            .and_then(|k| p.fields.get(k))
        {
            Some(crate::fiche::Value::Bool(b)) => Some(*b),
            _ => None,
        },
    );
    out.push(Line::from(vec![
        Span::styled(format!("{} : ", s::D_MEMBER), t.key),
        Span::styled(
            member.label_fr().to_string(),
            if member.is_mismatch() {
                t.warn
            } else {
                t.normal
            },
        ),
    ]));
    if !p.flags.is_empty() {
        let labels: Vec<String> = p.flags.iter().map(|f| s::flag_label(f)).collect();
        out.push(Line::from(vec![
            Span::styled(format!("{} : ", s::D_FLAGS), t.key),
            Span::styled(terminal_line(&labels.join(" · ")), t.warn),
        ]));
    }
}

/// The team's notes and opinions (internal), when there are some.
fn notes_lines(out: &mut Vec<Line<'static>>, app: &App, d: &Detail, w: usize) {
    let t = &app.theme;
    // The team's notes and opinions (internal), when there are some.
    if !d.notes.is_empty() {
        out.push(section(s::NOTES_SECTION, w, t.header));
        for n in &d.notes {
            let mut head = format!(
                "{}  {}",
                terminal_line(&n.actor),
                stored_datetime(app.zone, &n.updated_at)
            );
            if let Some(o) = n.opinion {
                head.push_str(&format!("  · avis : {}", o.label_fr()));
            }
            out.push(Line::styled(fit(&head, w), t.key));
            if let Some(text) = &n.note {
                for para in text.lines() {
                    for l in wrap(&terminal_line(para), w.saturating_sub(2).max(10)) {
                        out.push(Line::raw(format!("  {l}")));
                    }
                }
            }
        }
    }
}

/// The fiche, in form order, warnings under the field they name; the warnings of no field; the extra cells.
fn fiche_lines(out: &mut Vec<Line<'static>>, app: &App, d: &Detail, w: usize) {
    let t = &app.theme;
    let p = &d.proposal;
    // The fiche, in form order, warnings under the field they name.
    out.push(section(s::D_FIELDS, w, t.header));
    let fields = match p.kind {
        Some(k) => spec::fields(k),
        None => spec::common_fields(),
    };
    let label_w = label_width(fields.iter().map(|f| f.label), w);
    for f in fields {
        let warnings: Vec<&str> = p
            .warnings
            .iter()
            .filter(|x| x.field.as_deref() == Some(f.key))
            .map(|x| x.message.as_str())
            .collect();
        let value = p.fields.get(f.key).map(|v| value_label(v, f.ty));
        let (text, vstyle) = match &value {
            Some(v) => (
                v.clone(),
                if warnings.is_empty() {
                    t.normal
                } else {
                    t.warn
                },
            ),
            None if f.required => (s::D_MISSING_REQUIRED.to_string(), t.warn),
            None => (s::D_EMPTY.to_string(), t.dim),
        };
        let lstyle = if warnings.is_empty() { t.key } else { t.warn };
        out.extend(kv_lines_wrapped(f.label, &text, label_w, w, lstyle, vstyle));
        for wmsg in warnings {
            out.push(Line::from(vec![
                Span::raw(" ".repeat(label_w + 1)),
                Span::styled(format!("⚠ {}", terminal_line(wmsg)), t.warn),
            ]));
        }
    }
    let general: Vec<&str> = p
        .warnings
        .iter()
        .filter(|x| {
            x.field
                .as_deref()
                .is_none_or(|k| !fields.iter().any(|f| f.key == k))
        })
        .map(|x| x.message.as_str())
        .collect();
    if !general.is_empty() {
        out.push(section(s::D_WARNINGS, w, t.warn));
        for m in general {
            out.push(Line::styled(format!("⚠ {}", terminal_line(m)), t.warn));
        }
    }
    if !p.extra.is_empty() {
        out.push(section(s::D_EXTRA, w, t.header));
        for (l, v) in &p.extra {
            out.extend(kv_lines(
                &fit(&terminal_line(l), label_w),
                v,
                label_w,
                w,
                t.key,
                t.normal,
            ));
        }
    }
}

/// The messages linked by hand (Courrier, À traiter: L).
fn linked_lines(out: &mut Vec<Line<'static>>, app: &App, d: &Detail, w: usize) {
    let t = &app.theme;
    // Messages linked by hand (Courrier, À traiter: L).
    if !d.linked.is_empty() {
        out.push(section(s::D_LINKED, w, t.header));
        for l in &d.linked {
            let from = l
                .from_name
                .as_deref()
                .or(l.from_addr.as_deref())
                .unwrap_or("?");
            out.extend(
                wrap(
                    &format!(
                        "message {} · {} · {} · « {} » (lié par {} le {})",
                        l.message_id,
                        stored_datetime(app.zone, &l.received),
                        terminal_line(from),
                        terminal_line(l.subject.as_deref().unwrap_or("")),
                        terminal_line(&l.actor),
                        stored_datetime(app.zone, &l.at)
                    ),
                    w,
                )
                .into_iter()
                .map(|x| Line::styled(x, t.normal)),
            );
        }
    }
}

/// The e-mail: headers, text, attachments.
fn email_lines(out: &mut Vec<Line<'static>>, app: &App, d: &Detail, w: usize) {
    let t = &app.theme;
    let p = &d.proposal;
    // The email.
    out.push(section(s::D_MESSAGE, w, t.header));
    match (&d.message, &d.view) {
        (Some(m), view) => {
            let from = view
                .as_ref()
                .and_then(|v| v.from.clone())
                .or_else(|| m.from.clone())
                .unwrap_or_default();
            out.extend(kv_lines(s::D_FROM, &from, 6, w, t.key, t.normal));
            let date = m
                .date
                .as_deref()
                .map(|x| stored_datetime(app.zone, x))
                .unwrap_or_else(|| s::D_EMPTY.to_string());
            out.extend(kv_lines(s::D_DATE, &date, 6, w, t.key, t.normal));
            if let Some(r) = &m.received_at {
                out.extend(kv_lines(
                    s::D_RECEIVED,
                    &stored_datetime(app.zone, r),
                    6,
                    w,
                    t.key,
                    t.normal,
                ));
            }
            out.extend(kv_lines(
                s::D_SUBJECT,
                m.subject.as_deref().unwrap_or(""),
                6,
                w,
                t.key,
                t.normal,
            ));
            out.push(Line::raw(""));
            match view {
                Some(v) if !v.body_text.trim().is_empty() => {
                    out.extend(text_lines(v.body_text.trim_end(), t.normal));
                    if v.body_truncated {
                        out.push(Line::styled(s::D_BODY_CUT, t.dim));
                    }
                }
                _ => out.push(Line::styled(s::D_NO_BODY, t.dim)),
            }
            out.push(section(s::D_ATTACHMENTS, w, t.header));
            for a in &m.attachments {
                let name = terminal_line(a.filename.as_deref().unwrap_or("(sans nom)"));
                let mut line = format!(
                    "{}  {}  {}  {}  {}",
                    s::att_number(a.id),
                    name,
                    a.format.as_deref().unwrap_or("?"),
                    size(a.size),
                    s::attachment_outcome(a.outcome)
                );
                if Some(a.id) == p.attachment_id {
                    line.push_str("  ← cette fiche (e : enregistrer)");
                }
                out.push(Line::raw(line));
                if let Some(r) = &a.reason {
                    for l in wrap(&terminal_line(r), w.saturating_sub(4)) {
                        out.push(Line::styled(format!("    {l}"), t.dim));
                    }
                }
            }
        }
        (None, _) => out.push(Line::styled(s::D_NO_MESSAGE, t.dim)),
    }
}

/// The revisions (dated by their mail) and the journal.
fn history_lines(out: &mut Vec<Line<'static>>, app: &App, d: &Detail, w: usize) {
    let t = &app.theme;
    let p = &d.proposal;
    // Revisions and journal.
    if d.revisions.len() > 1 {
        out.push(section(s::D_REVISIONS, w, t.header));
        for (i, r) in d.revisions.iter().enumerate() {
            // Dated by its mail, not by the import.
            let sent = d.revision_dates.get(i).cloned().flatten().map_or_else(
                || "date inconnue".to_string(),
                |x| stored_datetime(app.zone, &x),
            );
            let mut line = format!("rév. {}  {}  {}", r.revision, sent, status_fr(r.status));
            if r.is_live() {
                line.push_str(&format!("  ({})", s::D_CURRENT));
            }
            let style = if r.id == p.id { t.key } else { t.normal };
            out.push(Line::styled(line, style));
        }
    }
    out.push(section(s::D_JOURNAL, w, t.header));
    for e in &d.journal {
        let when = stored_datetime(app.zone, &e.at);
        let who = terminal_line(&e.actor);
        let what = journal_summary(e, p);
        let head = format!("{when}  {}  ", fit(&who, 10));
        let hw = width(&head);
        for (i, l) in wrap(&what, w.saturating_sub(hw).max(10))
            .into_iter()
            .enumerate()
        {
            let lead = if i == 0 { head.clone() } else { " ".repeat(hw) };
            out.push(Line::from(vec![Span::styled(lead, t.dim), Span::raw(l)]));
        }
    }
}
