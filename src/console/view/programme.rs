//! The Programme screen, where the programme is edited: the grid of slots
//! × spaces (micro-ateliers) or slots × tables (bourse), what each place
//! holds, how many ask for each slot, in each free place the waiting
//! proposal it is offered to (the first who wants that slot, else the
//! first waiting — the one Entrée places there), the proposal picked up to
//! be moved or swapped ("m"), and the waiting list with its ranks.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row as TRow, Table, Wrap};

use super::super::app::{App, KindProgramme};
use super::super::format::fit;
use super::super::strings as s;
use super::widgets::{hidden_marker, window_start};
use crate::domain::Status;
use crate::fiche::Kind;

fn org_of(app: &App, id: i64) -> String {
    app.listing
        .get(id)
        .map_or_else(|| "?".to_string(), |r| r.organisation.to_string())
}

fn num(app: &App, id: i64) -> i64 {
    app.number_of(id)
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.theme;
    let kind = app.programme_kind;
    let kp = app.programme().of(kind);
    let w = area.width as usize;

    let tabs = tab_spans(app, w);

    let grid_h = (kp.slots.len() * 2 + 1) as u16;
    let [tab_line, grid, info] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(grid_h),
        Constraint::Min(0),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(Line::from(tabs)), tab_line);

    draw_grid(frame, grid, area.width, app, kp);

    // Summary, the place under the cursor, the waiting list.
    let by = |st: Status| kp.by_status[Status::ALL.iter().position(|x| *x == st).unwrap_or(0)];
    let capacity = kp.cells.len();
    let mut lines = vec![Line::raw(fit(
        &format!(
            "{} : {} · retenues {}/{capacity} · libres {} · en attente {} · à décider {}",
            s::PROG_ANY,
            kp.demand.get("any").copied().unwrap_or(0),
            by(Status::Accepted),
            kp.free(),
            by(Status::Waitlisted),
            by(Status::Pending)
        ),
        w,
    ))];
    if let Some(here) = cursor_text(app, kp) {
        lines.push(Line::styled(fit(&here, w), t.title));
    }
    waitlist_lines(&mut lines, app, kp, info.height, w);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), info);
}

/// The kinds as tabs, and the last publication right-aligned where it
/// fits (P publishes).
fn tab_spans(app: &App, w: usize) -> Vec<Span<'static>> {
    let t = &app.theme;
    let kind = app.programme_kind;
    let mut tabs = Vec::new();
    for k in Kind::all() {
        let style = if k == kind { t.tab_active } else { t.tab };
        tabs.push(Span::styled(format!(" {} ", s::kind_plural(k)), style));
        tabs.push(Span::raw(" "));
    }
    tabs.push(Span::styled("(Tab)", t.dim));
    // The last publication, right-aligned where it fits (P publishes).
    let used: usize = tabs
        .iter()
        .map(|x| super::super::format::width(&x.content))
        .sum();
    let (long, short) = super::publish::status_part(app);
    // (The last column stays blank: a full line would look cut.)
    let room = w.saturating_sub(used + 3);
    let publication = [format!("{long} · P publier"), long, short]
        .into_iter()
        .find(|x| super::super::format::width(x) <= room);
    if let Some(p) = publication {
        let pad = w - 1 - used - super::super::format::width(&p);
        tabs.push(Span::raw(" ".repeat(pad)));
        tabs.push(Span::styled(p, t.dim));
    }
    tabs
}

/// The grid of the kind shown: a slot per two lines (holder, then number
/// or the suggestion), a place per column.
fn draw_grid(frame: &mut Frame<'_>, grid: Rect, width: u16, app: &App, kp: &KindProgramme) {
    let t = &app.theme;
    let slot_w = 7u16;
    let dem_w = 5u16;
    let n = kp.places.len().max(1) as u16;
    let cell_w = (width.saturating_sub(slot_w + dem_w + n + 1)) / n;
    let cell_w = cell_w.max(4);
    let mut rows = Vec::new();
    for (si, slot) in kp.slots.iter().enumerate() {
        let demand = kp.demand.get(slot).copied().unwrap_or(0);
        let mut top = vec![slot.clone(), demand.to_string()];
        let mut bottom = vec![String::new(), String::new()];
        let mut styles = Vec::new();
        for pi in 0..kp.places.len() {
            let holder = kp.cells[si * kp.places.len() + pi];
            let selected = app.programme_cursor == (si, pi);
            let picked = app.programme_pick.as_ref().map(|(seen, _)| seen.id);
            match holder {
                Some(id) => {
                    top.push(fit(&org_of(app, id), cell_w as usize));
                    let mark = if picked == Some(id) {
                        format!(" ({})", s::PROG_PICKED)
                    } else {
                        String::new()
                    };
                    bottom.push(fit(&format!("n° {}{mark}", num(app, id)), cell_w as usize));
                    let st = if picked == Some(id) { t.warn } else { t.taken };
                    styles.push((selected, st));
                }
                None => {
                    top.push(fit(s::PROG_FREE, cell_w as usize));
                    bottom.push(match kp.suggestion[si * kp.places.len() + pi] {
                        Some(id) => fit(&format!("→ {}", org_of(app, id)), cell_w as usize),
                        None => String::new(),
                    });
                    styles.push((selected, t.free));
                }
            }
        }
        let mk = |texts: Vec<String>| {
            let cells: Vec<ratatui::widgets::Cell<'static>> = texts
                .into_iter()
                .enumerate()
                .map(|(i, x)| {
                    let style = match i {
                        0 => t.key,
                        1 => t.dim,
                        _ => {
                            let (sel, st) = styles[i - 2];
                            if sel { t.selected } else { st }
                        }
                    };
                    ratatui::widgets::Cell::from(x).style(style)
                })
                .collect();
            TRow::new(cells)
        };
        rows.push(mk(top));
        rows.push(mk(bottom));
    }
    let mut header = vec![s::PROG_SLOT.to_string(), s::PROG_DEMAND.to_string()];
    header.extend(kp.places.iter().map(|p| fit(p, cell_w as usize)));
    let mut widths = vec![Constraint::Length(slot_w), Constraint::Length(dem_w)];
    widths.extend(std::iter::repeat_n(
        Constraint::Length(cell_w),
        kp.places.len(),
    ));
    frame.render_widget(
        Table::new(rows, widths)
            .header(TRow::new(header).style(t.header))
            .column_spacing(1),
        grid,
    );
}

/// The place under the cursor: who holds it and what the keys do there.
fn cursor_text(app: &App, kp: &KindProgramme) -> Option<String> {
    let (si, pi) = app.programme_cursor;
    let (Some(slot), Some(place)) = (kp.slots.get(si), kp.places.get(pi)) else {
        return None;
    };
    let here = match kp.cells.get(si * kp.places.len() + pi).copied().flatten() {
        Some(id) => {
            let country = app.listing.get(id).map_or("", |r| &*r.country);
            match &app.programme_pick {
                Some((p, _)) if p.id != id => format!(
                    "{slot} · {place} : n° {} {} ({country})  (m ou Entrée : échanger avec n° {})",
                    num(app, id),
                    org_of(app, id),
                    p.number
                ),
                _ => format!(
                    "{slot} · {place} : n° {} {} ({country})  (Entrée : voir · m : déplacer · x : retirer)",
                    num(app, id),
                    org_of(app, id)
                ),
            }
        }
        None if app.programme_pick.is_some() => {
            let p = app.programme_pick.as_ref().map_or(0, |(p, _)| p.id);
            format!(
                "{slot} · {place} : libre — m ou Entrée : y déplacer n° {} {}",
                num(app, p),
                org_of(app, p)
            )
        }
        None => match kp
            .suggestion
            .get(si * kp.places.len() + pi)
            .copied()
            .flatten()
        {
            Some(id) => {
                let rank = app.programme().ranks.get(&id).copied().unwrap_or(1);
                format!(
                    "{slot} · {place} : libre — Entrée : retenir n° {} {} ({})",
                    num(app, id),
                    org_of(app, id),
                    crate::domain::rank_fr(rank)
                )
            }
            None => format!("{slot} · {place} : libre — {}", s::N_NO_WAITING),
        },
    };
    Some(here)
}

/// The waiting list, scrolled to the proposal the cursor's place is
/// offered to; what it hides is said on its last line.
fn waitlist_lines(
    lines: &mut Vec<Line<'static>>,
    app: &App,
    kp: &KindProgramme,
    height: u16,
    w: usize,
) {
    let t = &app.theme;
    let (si, pi) = app.programme_cursor;
    lines.push(Line::styled(s::PROG_WAITLIST, t.header));
    if kp.waitlist.is_empty() {
        lines.push(Line::styled(s::PROG_EMPTY_WAITLIST, t.dim));
    }
    // The waiting list scrolls to the proposal the cursor's place is
    // offered to; what it hides is said on its last line.
    let room = height.saturating_sub(lines.len() as u16) as usize;
    let len = kp.waitlist.len();
    let (start, take) = if len > room && room > 0 {
        let offered = kp
            .suggestion
            .get(si * kp.places.len() + pi)
            .copied()
            .flatten()
            .and_then(|id| kp.waitlist.iter().position(|(w, _)| *w == id))
            .unwrap_or(0);
        let take = room - 1;
        (window_start(offered, take, len), take)
    } else {
        (0, room)
    };
    for (id, rank) in kp.waitlist.iter().skip(start).take(take) {
        let r = app.listing.get(*id);
        let wanted = r
            .and_then(|r| r.wanted.as_deref())
            .filter(|x| *x != "any")
            .unwrap_or(s::PROG_ANY);
        let member = r.map_or("", |r| {
            if r.member.counts_as_member() {
                "membre"
            } else {
                "non membre"
            }
        });
        lines.push(Line::raw(fit(
            &format!(
                "{:>4}  n° {}  {}  ({member}, souhaite {wanted})",
                s::rank_short(*rank),
                num(app, *id),
                org_of(app, *id)
            ),
            w,
        )));
    }
    if let Some(m) = hidden_marker(start, take, len) {
        lines.push(Line::styled(
            fit(&format!("{m} {}", s::PROG_WAITLIST_MORE), w),
            t.dim,
        ));
    }
}
