//! The Propositions screen: the search and filter bar, the table (only the
//! rows that fit are built, whatever the number of proposals), and the
//! detail pane of the selected proposal.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row as TRow, Table};

use super::super::app::{App, Focus, InputPurpose, body_height, list_split};
use super::super::format::{day_month, fit, short_datetime, tail, width};
use super::super::rows::Row;
use super::super::strings as s;
use super::super::update::sort_label;
use super::detail;
use super::widgets::first_shown;
use crate::domain::Status;
use crate::safe::terminal_line;

/// Column widths for a table `w` columns wide; the organisation takes the rest.
struct Widths {
    id: u16,
    kind: u16,
    country: u16,
    member: u16,
    theme: u16,
    wanted: u16,
    status: u16,
    received: u16,
    flags: u16,
    long_dates: bool,
}

fn widths(w: u16, max_id: i64) -> Widths {
    let id = (max_id.max(1).ilog10() as u16 + 1).max(2);
    // As wide as the kinds' short names (the definition allows 8), the
    // heading at least; the organisation takes what is left.
    let kind = crate::fiche::Kind::all()
        .into_iter()
        .map(|k| k.short_fr().chars().count() as u16)
        .max()
        .unwrap_or(0)
        .clamp(4, 8)
        .max(6);
    if w >= 110 {
        Widths {
            id,
            kind,
            country: 14,
            member: 4,
            theme: 10,
            wanted: 5,
            status: 13,
            received: 11,
            flags: 5,
            long_dates: true,
        }
    } else {
        Widths {
            id,
            kind,
            country: 9,
            member: 4,
            theme: 8,
            wanted: 5,
            status: 11,
            received: 5,
            flags: 3,
            long_dates: false,
        }
    }
}

/// The status cell: "attente 3e" with the waiting-list rank.
pub fn status_cell(app: &App, r: &Row, wide: bool) -> String {
    match r.status {
        Status::Waitlisted => match app.programme().ranks.get(&r.id) {
            Some(rank) => format!("{} {}", s::status_short(r.status), s::rank_short(*rank)),
            None => s::status_short(r.status).to_string(),
        },
        Status::Accepted => match &r.slot {
            Some(slot) if wide => format!("{} {slot}", s::status_short(r.status)),
            _ => s::status_short(r.status).to_string(),
        },
        st => s::status_short(st).to_string(),
    }
}

fn flags_cell(r: &Row) -> String {
    let mut f = r.flags.letters();
    if r.revision > 1 {
        f.push_str(&r.revision.to_string());
    }
    f
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let (list_h, _) = list_split(body_height(app.size).min(area.height));
    let [bar, table, detail_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(list_h),
        Constraint::Min(0),
    ])
    .areas(area);
    let page = table.height.saturating_sub(1) as usize;
    draw_bar(frame, bar, app, page);
    draw_table(frame, table, app);
    detail::draw_pane(frame, detail_area, app);
}

fn filter_summary(app: &App) -> String {
    let f = &app.listing.filters;
    let mut parts: Vec<String> = Vec::new();
    if let Some(k) = f.kind {
        parts.push(s::kind_short(Some(k)).to_string());
    }
    if let Some(st) = f.status {
        parts.push(s::status_short(st).to_string());
    }
    if let Some(sl) = &f.slot {
        parts.push(if sl == "any" {
            s::PROG_ANY.to_string()
        } else {
            sl.clone()
        });
    }
    if let Some(t) = &f.theme {
        parts.push(s::theme_short(t).to_string());
    }
    match f.member {
        Some(true) => parts.push(s::FILTER_MEMBERS.to_string()),
        Some(false) => parts.push(s::FILTER_NON_MEMBERS.to_string()),
        None => {}
    }
    if f.flagged {
        parts.push(s::FILTER_FLAGGED.to_lowercase());
    }
    if parts.is_empty() {
        s::NO_FILTER.to_string()
    } else {
        parts.join(", ")
    }
}

fn draw_bar(frame: &mut Frame<'_>, area: Rect, app: &App, page: usize) {
    let t = &app.theme;
    // The last column stays blank (a full line would look cut).
    let w = (area.width as usize).saturating_sub(1);
    let shown = app.listing.visible_len();
    let mut count = if app.listing.scanning() {
        s::count_line_partial(shown, app.listing.len())
    } else {
        s::count_line(shown, app.listing.len())
    };
    if shown > page && page > 0 {
        // Which rows of how many: what the table hides.
        let first = first_shown(app.offset, app.selected, page);
        let last = (first + page).min(shown);
        count = if app.listing.scanning() {
            format!("{} · {count}", s::window_line(first + 1, last, shown))
        } else if shown == app.listing.len() {
            format!("{}–{last} sur {count}", first + 1)
        } else {
            format!(
                "{} ({} en tout)",
                s::window_line(first + 1, last, shown),
                app.listing.len()
            )
        };
    }
    if !app.marks.is_empty() {
        count = format!("{} · {count}", s::marked_count(app.marks.len()));
    }
    let right = format!(
        "  {} : {}  {} : {}  {count}",
        s::FILTERS,
        filter_summary(app),
        s::SORT,
        sort_label(app.listing.sort, app.listing.reverse)
    );
    let typing = matches!(app.input, Some((InputPurpose::Search, _)));
    let query = terminal_line(&app.listing.query);
    let (left, cursor_x) = if typing {
        let input = app.input.as_ref().map(|(_, i)| i);
        let before = input.map_or(String::new(), |i| terminal_line(i.before_cursor()));
        let room = w.saturating_sub(width(&right).min(w / 2) + 2).max(8);
        let shown = tail(&before, room.saturating_sub(1));
        let after = input.map_or(String::new(), |i| {
            terminal_line(&i.text[i.before_cursor().len()..])
        });
        let x = 1 + width(&shown);
        (
            format!(
                "{}{shown}{}",
                s::SEARCH_PROMPT,
                fit(&after, room.saturating_sub(x))
            ),
            Some(x),
        )
    } else if query.is_empty() {
        (s::SEARCH_HINT.to_string(), None)
    } else {
        (format!("{}{query}", s::SEARCH_PROMPT), None)
    };
    let room_left = w.saturating_sub(width(&right));
    let left = fit(&left, room_left.max(w / 2));
    let right = fit(&right, w.saturating_sub(width(&left)));
    let gap = w.saturating_sub(width(&left) + width(&right));
    let left_style = if typing || !query.is_empty() {
        t.input
    } else {
        t.dim
    };
    let line = Line::from(vec![
        Span::styled(left, left_style),
        Span::raw(" ".repeat(gap)),
        Span::styled(right, t.dim),
    ]);
    frame.render_widget(Paragraph::new(line), area);
    if let Some(x) = cursor_x {
        frame.set_cursor_position(Position::new(
            area.x + (x as u16).min(area.width.saturating_sub(1)),
            area.y,
        ));
    }
}

fn draw_table(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.theme;
    if app.listing.visible_len() == 0 {
        let msg = if app.listing.is_empty() {
            s::NO_PROPOSAL_AT_ALL
        } else {
            s::NO_PROPOSAL
        };
        frame.render_widget(Paragraph::new(Line::styled(msg, t.dim)), area);
        return;
    }
    let mut wd = widths(area.width, app.max_id);
    if app.any_notes && !wd.long_dates {
        // The opinions' column takes its room from the country's.
        wd.country = 6;
    }
    let fixed = wd.id
        + wd.kind
        + wd.country
        + wd.member
        + wd.theme
        + wd.wanted
        + wd.status
        + wd.received
        + wd.flags
        + 9
        + 1; // the last column stays blank: a full line would look cut
    // Marks and the team's opinions: columns only when there are some.
    let mark_w: u16 = if app.marks.is_empty() { 0 } else { 1 };
    let notes_w: u16 = match (app.any_notes, wd.long_dates) {
        (false, _) => 0,
        (true, true) => 10,
        (true, false) => 6,
    };
    let fixed = fixed + mark_w + notes_w + u16::from(mark_w > 0) + u16::from(notes_w > 0);
    let org_w = area.width.saturating_sub(fixed).max(6);
    let page = area.height.saturating_sub(1) as usize;
    let mut rows = Vec::with_capacity(page);
    let first = first_shown(app.offset, app.selected, page);
    for i in first..(first + page).min(app.listing.visible_len()) {
        let Some(r) = app.listing.visible(i) else {
            break;
        };
        let style = if i == app.selected {
            if app.focus == Focus::List {
                t.selected
            } else {
                t.selected_unfocused
            }
        } else {
            t.normal
        };
        rows.push(TRow::new(cells(app, r, &wd, mark_w, notes_w, org_w)).style(style));
    }
    let header = TRow::new(column_titles(mark_w, notes_w)).style(t.header);
    let widths = column_widths(&wd, mark_w, notes_w, org_w);
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    frame.render_widget(table, area);
}

/// A proposal's cells in the list, in the columns' order.
fn cells(app: &App, r: &Row, wd: &Widths, mark_w: u16, notes_w: u16, org_w: u16) -> Vec<String> {
    let received = match r.received_time() {
        Some(ts) if wd.long_dates => short_datetime(app.zone, ts),
        Some(ts) => day_month(app.zone, ts),
        None => "?".into(),
    };
    let mut v = Vec::with_capacity(12);
    if mark_w > 0 {
        v.push(
            if app.marks.contains(&r.number) {
                s::COL_MARK
            } else {
                ""
            }
            .to_string(),
        );
    }
    v.extend([
        r.number.to_string(),
        s::kind_short(r.kind).to_string(),
        fit(&r.organisation, org_w as usize),
        fit(&r.country, wd.country as usize),
        s::member_short(r.member).to_string(),
        fit(
            r.theme.as_deref().map(s::theme_short).unwrap_or(""),
            wd.theme as usize,
        ),
        fit(
            match r.wanted.as_deref() {
                Some("any") | None => "—",
                Some(w) => w,
            },
            wd.wanted as usize,
        ),
        fit(&status_cell(app, r, wd.long_dates), wd.status as usize),
        received,
        fit(&flags_cell(r), wd.flags as usize),
    ]);
    if notes_w > 0 {
        v.push(fit(&s::notes_summary(&r.notes), notes_w as usize));
    }
    v
}

/// The columns' titles (the marks' and the notes' only when shown).
fn column_titles(mark_w: u16, notes_w: u16) -> Vec<&'static str> {
    let mut head: Vec<&str> = Vec::with_capacity(12);
    if mark_w > 0 {
        head.push(s::COL_MARK);
    }
    head.extend([
        s::COL_ID,
        s::COL_KIND,
        s::COL_ORG,
        s::COL_COUNTRY,
        s::COL_MEMBER,
        s::COL_THEME,
        s::COL_WANTED,
        s::COL_STATUS,
        s::COL_RECEIVED,
        s::COL_FLAGS,
    ]);
    if notes_w > 0 {
        head.push(s::COL_NOTES);
    }
    head
}

/// The columns' widths (the marks' and the notes' only when shown).
fn column_widths(wd: &Widths, mark_w: u16, notes_w: u16, org_w: u16) -> Vec<Constraint> {
    let mut widths: Vec<Constraint> = Vec::with_capacity(12);
    if mark_w > 0 {
        widths.push(Constraint::Length(mark_w));
    }
    widths.extend([
        Constraint::Length(wd.id),
        Constraint::Length(wd.kind),
        Constraint::Length(org_w),
        Constraint::Length(wd.country),
        Constraint::Length(wd.member),
        Constraint::Length(wd.theme),
        Constraint::Length(wd.wanted),
        Constraint::Length(wd.status),
        Constraint::Length(wd.received),
        Constraint::Length(wd.flags),
    ]);
    if notes_w > 0 {
        widths.push(Constraint::Length(notes_w));
    }
    widths
}
