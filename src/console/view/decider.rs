//! The Décider screen: who the selected proposal is, where it stands, how
//! much its slot is asked for, the places still free (its wanted slot
//! first, as `domain::free_places` orders them) and the decisions, with the
//! rank a waiting-list decision would give ("3e sur la liste d'attente").

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::super::app::App;
use super::super::format::{fit, long_datetime, pad};
use super::super::rows::Row;
use super::super::strings as s;
use super::detail::status_text;
use super::widgets::{hidden_marker, key_hint, window_start};
use crate::domain::{Status, free_places, rank_fr};

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.theme;
    let Some(row) = app.current() else {
        frame.render_widget(
            Paragraph::new(Line::styled(s::DEC_NONE, t.dim)).wrap(Wrap { trim: false }),
            area,
        );
        return;
    };
    let w = area.width as usize;
    let mut head = head_lines(app, row, w);
    demand_lines(&mut head, app, row, w);
    let head_h = head.len() as u16 + 1;
    let [top, bottom] =
        Layout::vertical([Constraint::Length(head_h), Constraint::Min(0)]).areas(area);
    frame.render_widget(Paragraph::new(head), top);

    let [left, right] =
        Layout::horizontal([Constraint::Percentage(48), Constraint::Percentage(52)]).areas(bottom);

    draw_free_places(frame, left, app, row);
    draw_decisions(frame, right, app, row);
}

/// Who the proposal is, what it wants, where it stands, the team's
/// opinions.
fn head_lines(app: &App, row: &Row, w: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut head: Vec<Line<'static>> = Vec::new();
    let mut name = format!(
        "N° {} · {} · {}",
        row.number,
        s::kind_long(row.kind),
        row.organisation
    );
    if !row.country.is_empty() {
        name.push_str(&format!(" ({})", row.country));
    }
    head.push(Line::styled(fit(&name, w), t.title));
    if let Some(title) = app.current_detail().and_then(|d| {
        d.proposal
            .kind
            .and_then(crate::fiche::Kind::list_title_key)
            .and_then(|k| d.proposal.text(k))
    }) {
        head.push(Line::raw(fit(&crate::safe::terminal_line(title), w)));
    }
    let wanted = match row.wanted.as_deref() {
        None | Some("any") => s::PROG_ANY.to_string(),
        Some(x) => x.to_string(),
    };
    let received = row
        .received_time()
        .map_or_else(|| "?".to_string(), |ts| long_datetime(app.zone, ts));
    head.push(Line::from(vec![
        Span::styled("Souhaite ", t.key),
        Span::raw(wanted.clone()),
        Span::styled(" · reçue le ", t.key),
        Span::raw(received),
    ]));
    head.push(Line::from(vec![
        Span::styled("CUF : ", t.key),
        Span::styled(
            fit(row.member.label_fr(), w.saturating_sub(6)),
            if row.member.is_mismatch() {
                t.warn
            } else {
                t.normal
            },
        ),
    ]));
    head.push(Line::from(vec![
        Span::styled("Statut : ", t.key),
        Span::styled(fit(&status_text(app, row), w.saturating_sub(9)), t.ok),
    ]));
    // The team's opinions, when there are some (the notes are in the detail).
    if let Some(d) = app.current_detail().filter(|d| !d.notes.is_empty()) {
        let words: Vec<String> = d
            .notes
            .iter()
            .map(|n| {
                let who = crate::safe::terminal_line(&n.actor);
                match n.opinion {
                    Some(o) => format!("{who} {}", o.label_fr()),
                    None => format!("{who} (note)"),
                }
            })
            .collect();
        head.push(Line::from(vec![
            Span::styled(format!("{} : ", s::COL_NOTES), t.key),
            Span::raw(fit(&words.join(" · "), w.saturating_sub(7))),
        ]));
    }
    head
}

/// How much its slot is asked for, the places free there, who waits.
fn demand_lines(head: &mut Vec<Line<'static>>, app: &App, row: &Row, w: usize) {
    let t = &app.theme;
    let prog = app.programme();
    let wanted = match row.wanted.as_deref() {
        None | Some("any") => s::PROG_ANY.to_string(),
        Some(x) => x.to_string(),
    };
    if let Some(kind) = row.kind {
        let kp = prog.of(kind);
        let asked = match row.wanted.as_deref() {
            None | Some("any") => kp.demand.get("any").copied().unwrap_or(0),
            Some(x) => kp.demand.get(x).copied().unwrap_or(0),
        };
        let free_in_slot = match row.wanted.as_deref() {
            None | Some("any") => kp.free(),
            Some(x) => kp.slots.iter().position(|sl| sl == x).map_or(0, |si| {
                kp.cells[si * kp.places.len()..(si + 1) * kp.places.len()]
                    .iter()
                    .filter(|c| c.is_none())
                    .count()
            }),
        };
        head.push(Line::raw(fit(
            &format!(
                "Demande pour {wanted} : {asked} proposition{} · {free_in_slot} place{} libre{}",
                s::plural(asked),
                s::plural(free_in_slot),
                s::plural(free_in_slot),
            ),
            w,
        )));
        // Waiting: those who want this very slot (or, for "any", those
        // without a wish), and the whole list.
        let waiting_here = prog
            .candidates
            .iter()
            .filter(|c| c.kind == Some(kind) && c.status == Status::Waitlisted)
            .filter(|c| match row.wanted.as_deref() {
                None | Some("any") => matches!(c.wanted_slot.as_deref(), None | Some("any")),
                Some(x) => c.wanted_slot.as_deref() == Some(x),
            })
            .count();
        head.push(Line::raw(fit(
            &s::dec_waiting_line(&wanted, waiting_here, kp.waitlist.len()),
            w,
        )));
    } else {
        head.push(Line::styled(s::DEC_NO_KIND, t.warn));
    }
}

/// The places still free for it (its wanted slot first), the cursor's
/// kept in view.
fn draw_free_places(frame: &mut Frame<'_>, left: Rect, app: &App, row: &Row) {
    let t = &app.theme;
    let prog = app.programme();
    let free = row.kind.map_or_else(Vec::new, |k| {
        free_places(
            &app.rules.layout,
            k,
            row.wanted.as_deref(),
            &prog.candidates,
        )
    });
    let mut block = Block::default().borders(Borders::ALL).title(format!(
        " {} ({}) ",
        s::DEC_FREE_PLACES,
        free.len()
    ));
    let h = left.height.saturating_sub(2) as usize;
    let cursor = app.decide_cursor.min(free.len().saturating_sub(1));
    let start = window_start(cursor, h, free.len());
    if let Some(m) = hidden_marker(start, h, free.len()) {
        block = block.title_bottom(format!(" {m} "));
    }
    let inner = block.inner(left);
    frame.render_widget(block, left);
    let mut lines = Vec::new();
    if free.is_empty() {
        lines.push(Line::styled(
            if row.kind.is_none() {
                s::DEC_NO_KIND
            } else {
                s::DEC_NO_FREE
            },
            t.dim,
        ));
    }
    for (i, p) in free.iter().enumerate().skip(start).take(h) {
        let mark = if row.wanted.as_deref() == Some(p.slot.as_str()) {
            s::DEC_WANTED_MARK
        } else {
            ""
        };
        let text = format!(
            "{} {}  {}  {}",
            if i == cursor { "▶" } else { " " },
            p.slot,
            pad(&p.place, 9),
            mark
        );
        let style = if i == cursor { t.selected } else { t.normal };
        lines.push(Line::styled(fit(&text, inner.width as usize), style));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The decisions and their keys, with the rank a waiting-list decision
/// would give.
fn draw_decisions(frame: &mut Frame<'_>, right: Rect, app: &App, row: &Row) {
    let t = &app.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", s::DEC_ACTIONS));
    let inner = block.inner(right);
    frame.render_widget(block, right);
    let would_rank = app.would_rank(row);
    let waitlist_what = match (row.status, would_rank) {
        (Status::Waitlisted, Some(r)) => format!("{} (déjà : {})", s::DEC_A_WAITLIST, rank_fr(r)),
        (_, Some(r)) => format!("{} → serait {}", s::DEC_A_WAITLIST, rank_fr(r)),
        _ => s::DEC_A_WAITLIST.to_string(),
    };
    let lines = vec![
        key_hint("Entrée a", 9, s::DEC_A_ACCEPT, t.key, t.normal),
        key_hint("w", 9, &waitlist_what, t.key, t.normal),
        key_hint("+ -", 9, s::DEC_A_RANK, t.key, t.normal),
        key_hint("r", 9, s::DEC_A_REJECT, t.key, t.normal),
        key_hint("x", 9, s::DEC_A_WITHDRAW, t.key, t.normal),
        key_hint("p", 9, s::DEC_A_RESET, t.key, t.normal),
        key_hint("u", 9, s::DEC_A_UNDO, t.key, t.normal),
        key_hint("c", 9, s::SCREEN_CORRIGER, t.key, t.normal),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
