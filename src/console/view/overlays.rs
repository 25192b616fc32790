//! Windows drawn over a screen: the help (every key, by screen), the
//! filters, the kind of a fiche to enter by hand, the options of a choice
//! field.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::super::app::{App, Picker};
use super::super::format::{fit, pad};
use super::super::strings as s;
use super::super::update::FILTER_LINES;
use super::widgets::{centered, hidden_marker, key_hint, window_start, wrap};
use crate::domain::status_fr;
use crate::safe::terminal_line;

fn frame_block(frame: &mut Frame<'_>, area: Rect, title: &str, footer: &str) -> Rect {
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {title} "))
        .title_bottom(format!(" {footer} "));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// The help's box within the whole screen.
fn help_box(area: Rect) -> Rect {
    // The message line (how to close, how to quit) stays in sight.
    let h = area.height.saturating_sub(3);
    Rect::new(
        area.x + area.width.saturating_sub(84.min(area.width)) / 2,
        area.y + 1.min(area.height),
        84.min(area.width),
        h,
    )
}

/// The help, drawn from the key table (`action::KEYS`): the keys of the
/// screen shown, of everywhere, of the other screens, of moving, of each
/// window, of typing; then the flags' legend.
fn help_lines(app: &App, inner_w: u16) -> Vec<Line<'static>> {
    use super::super::action::{KEYS, Scope};
    use super::super::app::Screen;
    let t = &app.theme;
    let key_w = 16;
    let room = (inner_w as usize).saturating_sub(key_w + 1);
    let mut lines: Vec<Line<'static>> = Vec::new();
    let section = |lines: &mut Vec<Line<'static>>, title: String, scope: Scope| {
        lines.push(Line::styled(title, t.header));
        for b in KEYS.iter().filter(|b| b.scope == scope) {
            for (i, part) in wrap(b.help, room).into_iter().enumerate() {
                let key = if i == 0 { b.shown } else { "" };
                lines.push(key_hint(key, key_w, &part, t.key, t.normal));
            }
        }
    };
    // The screen shown first (what can be done here), then everywhere,
    // then the other screens.
    let mut screens: Vec<Screen> = vec![app.screen];
    screens.extend(Screen::ALL.iter().copied().filter(|x| *x != app.screen));
    for (i, sc) in screens.into_iter().enumerate() {
        let title = s::help_screen(sc.index() + 1, s::screen_name(sc.index()), sc == app.screen);
        section(&mut lines, title, Scope::Screen(sc));
        if i == 0 {
            section(&mut lines, s::HELP_GLOBAL.to_string(), Scope::Global);
        }
    }
    section(&mut lines, s::HELP_MOVEMENT.to_string(), Scope::Movement);
    for (title, scope) in [
        (s::HELP_HELP, Scope::Help),
        (s::HELP_FILTERS, Scope::Filters),
        (s::HELP_PICKER, Scope::Picker),
        (s::HELP_KIND, Scope::KindChoice),
        (s::HELP_CONFIRM, Scope::Confirm),
        (s::HELP_SUGGESTION, Scope::Suggestion),
        (s::HELP_DRAFT_LEAVE, Scope::DraftLeave),
        (s::HELP_DRAFT_FOUND, Scope::DraftFound),
        (s::HELP_REVISIONS, Scope::Revisions),
        (s::HELP_TYPING, Scope::Typing),
    ] {
        section(&mut lines, title.to_string(), scope);
    }
    for (k, what) in s::HELP_FLAGS {
        if k.is_empty() {
            lines.push(Line::styled(what.to_string(), t.header));
            continue;
        }
        for (i, part) in wrap(what, room).into_iter().enumerate() {
            let key = if i == 0 { *k } else { "" };
            lines.push(key_hint(key, key_w, &part, t.key, t.normal));
        }
    }
    lines
}

/// How far the help scrolls on this screen size.
pub fn help_max_scroll(app: &App) -> u16 {
    let b = help_box(Rect::new(0, 0, app.size.0, app.size.1));
    let (w, h) = (b.width.saturating_sub(2), b.height.saturating_sub(2));
    help_lines(app, w).len().saturating_sub(usize::from(h)) as u16
}

pub fn help(frame: &mut Frame<'_>, area: Rect, app: &App, scroll: u16) {
    let b = help_box(area);
    let (iw, ih) = (b.width.saturating_sub(2), b.height.saturating_sub(2));
    let lines = help_lines(app, iw);
    let max = lines.len().saturating_sub(ih as usize) as u16;
    let scroll = scroll.min(max);
    let footer = match hidden_marker(scroll as usize, ih as usize, lines.len()) {
        Some(m) => format!("{} · {m}", s::HELP_CLOSE),
        None => s::HELP_CLOSE.to_string(),
    };
    let inner = frame_block(frame, b, s::HELP_TITLE, &footer);
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
}

pub fn filters(frame: &mut Frame<'_>, area: Rect, app: &App, cursor: usize) {
    let t = &app.theme;
    let box_area = centered(area, 56, FILTER_LINES as u16 + 2);
    let inner = frame_block(frame, box_area, s::FILTER_TITLE, s::HINT_FILTERS);
    let f = &app.listing.filters;
    let values = [
        (
            s::FILTER_KIND,
            f.kind
                .map_or(s::FILTER_ALL.to_string(), |k| k.label_fr().to_string()),
        ),
        (
            s::FILTER_STATUS,
            f.status
                .map_or(s::FILTER_ALL.to_string(), |x| status_fr(x).to_string()),
        ),
        (
            s::FILTER_SLOT,
            match f.slot.as_deref() {
                None => s::FILTER_ALL.to_string(),
                Some("any") => s::PROG_ANY.to_string(),
                Some(x) => x.to_string(),
            },
        ),
        (
            s::FILTER_THEME,
            f.theme
                .as_deref()
                .map_or(s::FILTER_ALL.to_string(), |x| s::theme_short(x).to_string()),
        ),
        (
            s::FILTER_MEMBER,
            match f.member {
                None => s::FILTER_ALL.to_string(),
                Some(true) => s::FILTER_MEMBERS.to_string(),
                Some(false) => s::FILTER_NON_MEMBERS.to_string(),
            },
        ),
        (
            s::FILTER_FLAGGED,
            if f.flagged {
                s::FILTER_ONLY_FLAGGED.to_string()
            } else {
                s::FILTER_ALL.to_string()
            },
        ),
    ];
    let lines: Vec<Line<'static>> = values
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let text = format!(
                "{} {} ◀ {} ▶",
                if i == cursor { "▶" } else { " " },
                pad(label, 12),
                value
            );
            Line::styled(
                fit(&text, inner.width as usize),
                if i == cursor { t.selected } else { t.normal },
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn kind_choice(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.theme;
    let kinds = crate::console::action::kind_choices();
    let box_area = centered(area, 44, kinds.len() as u16 + 3);
    let inner = frame_block(frame, box_area, s::TRI_KIND_TITLE, s::COR_DRAFT_TITLE);
    let mut lines: Vec<Line<'static>> = kinds
        .iter()
        .map(|(keys, kind)| key_hint(keys, 6, &kind.label_fr().to_lowercase(), t.key, t.normal))
        .collect();
    let (k, what) = s::TRI_KIND_CANCEL;
    lines.push(key_hint(k, 6, what, t.key, t.normal));
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn picker(frame: &mut Frame<'_>, area: Rect, app: &App, p: &Picker) {
    let t = &app.theme;
    let h = (p.options.len() as u16 + 2).min(area.height);
    let box_area = centered(area, 70, h);
    let rows = box_area.height.saturating_sub(2) as usize;
    let start = window_start(p.cursor, rows, p.options.len());
    let footer = match hidden_marker(start, rows, p.options.len()) {
        Some(m) => format!("{} · {m}", s::HINT_PICKER),
        None => s::HINT_PICKER.to_string(),
    };
    let inner = frame_block(frame, box_area, p.label, &footer);
    let lines: Vec<Line<'static>> = p
        .options
        .iter()
        .enumerate()
        .skip(start)
        .take(rows)
        .map(|(i, (label, _))| {
            let text = format!(
                "{} {}",
                if i == p.cursor { "▶" } else { " " },
                terminal_line(label)
            );
            Line::styled(
                fit(&text, inner.width as usize),
                if i == p.cursor { t.selected } else { t.normal },
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// `text` cut into lines of at most `w` columns, its own line breaks kept.
fn hard_wrap(text: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let mut out = Vec::new();
    for line in text.split('\n') {
        let mut cur = String::new();
        let mut cw = 0;
        for c in line.chars() {
            let chw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if cw + chw > w {
                out.push(std::mem::take(&mut cur));
                cw = 0;
            }
            cur.push(c);
            cw += chw;
        }
        out.push(cur);
    }
    out
}

/// The box where a field is edited: the whole text, wrapped, with the
/// cursor, above the message line.
pub fn editor(
    frame: &mut Frame<'_>,
    area: Rect,
    app: &App,
    label: &str,
    input: &super::super::app::TextInput,
) {
    let t = &app.theme;
    let h = (area.height / 3).clamp(3, 10);
    let w = area.width;
    let y = area.height.saturating_sub(h + 2);
    let box_area = Rect::new(area.x, area.y + y, w, h);
    let inner = frame_block(frame, box_area, &terminal_line(label), s::COR_EDIT_PROMPT);
    let iw = inner.width as usize;
    // Line breaks stay line breaks; other controls are shown as symbols.
    let safe = |x: &str| crate::safe::terminal_text(x, true).replace('\t', " ");
    let lines = hard_wrap(&safe(&input.text), iw.saturating_sub(1));
    let before = hard_wrap(&safe(input.before_cursor()), iw.saturating_sub(1));
    let row = before.len().saturating_sub(1);
    let col = before
        .last()
        .map_or(0, |l| unicode_width::UnicodeWidthStr::width(l.as_str()));
    let rows = inner.height as usize;
    let start = (row + 1).saturating_sub(rows);
    let shown: Vec<Line<'static>> = lines
        .into_iter()
        .skip(start)
        .take(rows)
        .map(|l| Line::styled(l, t.input))
        .collect();
    frame.render_widget(Paragraph::new(shown), inner);
    frame.set_cursor_position(ratatui::layout::Position::new(
        inner.x + (col as u16).min(inner.width.saturating_sub(1)),
        inner.y + (row - start) as u16,
    ));
}

/// A yes/no question (drop a letter, send the batch).
pub fn confirm(frame: &mut Frame<'_>, area: Rect, app: &App, c: &super::super::app::Confirm) {
    use super::super::app::Confirm;
    let t = &app.theme;
    let text = match c {
        Confirm::DropLetter { id, partners, .. } => {
            let to = app
                .envoi
                .letters
                .iter()
                .find(|l| l.id == *id && l.partners == *partners)
                .map_or_else(String::new, |l| terminal_line(&l.to));
            if *partners {
                s::env_confirm_drop_partners(*id, &to)
            } else {
                s::env_confirm_drop(*id, &to)
            }
        }
        Confirm::SendBatch {
            letters,
            partners,
            choices,
            choice,
        } => {
            let mut t = s::env_confirm_send(letters.len() + partners.len());
            if choices.len() > 1 {
                for (i, c) in choices.iter().enumerate() {
                    let mark = if i == *choice { "▶" } else { "·" };
                    t.push_str(&format!("\n{mark} {}", terminal_line(&c.label)));
                }
            }
            t
        }
        Confirm::Bulk(plan) => super::super::bulk::confirm_text(plan),
        Confirm::Withdraw {
            number,
            organisation,
            ..
        } => s::withdraw_confirm(*number, organisation),
        Confirm::Undo { text, .. } | Confirm::Link { text, .. } | Confirm::Unlink { text, .. } => {
            text.clone()
        }
        Confirm::Publish { number, since } => s::pub_confirm(*number, *since),
    };
    let (w, keys) = match c {
        Confirm::Bulk(_) => (76.min(area.width), s::ENV_CONFIRM_KEYS),
        Confirm::SendBatch { choices, .. } if choices.len() > 1 => {
            (60.min(area.width), s::ENV_SEND_KEYS)
        }
        _ => (60.min(area.width), s::ENV_CONFIRM_KEYS),
    };
    let lines: Vec<String> = text
        .split('\n')
        .flat_map(|para| wrap(para, w.saturating_sub(4) as usize))
        .collect();
    let box_area = centered(area, w, lines.len() as u16 + 4);
    let inner = frame_block(frame, box_area, s::ENV_CONFIRM_TITLE, keys);
    let mut shown: Vec<Line<'static>> = vec![Line::raw("")];
    shown.extend(
        lines
            .into_iter()
            .map(|l| Line::styled(format!(" {l}"), t.warn)),
    );
    frame.render_widget(Paragraph::new(shown), inner);
}

/// The programme suggestion's draft: per kind what it achieves, then what
/// would change, proposal by proposal.
pub fn suggestion(frame: &mut Frame<'_>, area: Rect, app: &App, scroll: u16) {
    use crate::fiche::Kind;
    let t = &app.theme;
    let Some(sug) = &app.suggestion else {
        return;
    };
    let w = area.width.saturating_sub(4).max(10);
    let h = area.height.saturating_sub(3).max(5);
    let box_area = Rect::new(
        area.x + area.width.saturating_sub(w) / 2,
        area.y + 1.min(area.height),
        w.min(area.width),
        h.min(area.height),
    );
    frame.render_widget(Clear, box_area);
    let inner = frame_block(frame, box_area, s::SUG_TITLE, s::SUG_KEYS);
    let iw = inner.width as usize;
    let names: std::collections::HashMap<i64, &str> = app
        .listing
        .rows()
        .iter()
        .map(|r| (r.number, &*r.organisation))
        .collect();
    let mut lines: Vec<Line<'static>> = Vec::new();
    for kind in Kind::all() {
        let plan = sug.of(kind);
        lines.push(Line::styled(
            fit(
                &format!(
                    "{} : {} placée{} · créneaux souhaités {}/{} (un par un : {}) · mêmes thèmes dans un créneau : {}",
                    s::kind_plural(kind),
                    plan.placed.len(),
                    s::plural(plan.placed.len()),
                    plan.honoured,
                    plan.wishes,
                    plan.one_by_one,
                    plan.theme_pairs
                ),
                iw,
            ),
            t.header,
        ));
    }
    lines.push(Line::raw(""));
    for c in &sug.changes {
        let name = names.get(&c.number).copied().unwrap_or("?");
        let from = match &c.from {
            Some(p) if c.from_status == crate::domain::Status::Accepted => {
                format!("{} {}", p.slot, p.place)
            }
            _ => status_fr(c.from_status).to_string(),
        };
        let to = match &c.to {
            Some(p) => format!("{} {}", p.slot, p.place),
            None => status_fr(crate::domain::Status::Waitlisted).to_string(),
        };
        lines.push(Line::raw(fit(
            &format!(
                "n° {:<4} {} : {from} → {to} ({})",
                c.number,
                terminal_line(name),
                c.what_fr()
            ),
            iw,
        )));
    }
    let total = lines.len();
    let rows = inner.height as usize;
    let mut shown: Vec<Line<'static>> = lines.into_iter().skip(scroll as usize).collect();
    if let Some(m) = hidden_marker(scroll as usize, rows, total)
        && rows > 0
        && shown.len() >= rows
    {
        shown.truncate(rows - 1);
        shown.push(Line::styled(m, t.dim));
    }
    frame.render_widget(Paragraph::new(shown), inner);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::action::{KEYS, KeyMode, Scope, action_for, scopes};
    use crate::console::app::Screen;

    /// The modes whose keys include `scope`'s.
    fn modes_reading(scope: Scope) -> Vec<KeyMode> {
        let mut all: Vec<KeyMode> = Screen::ALL.iter().map(|s| KeyMode::Normal(*s)).collect();
        all.extend([
            KeyMode::Typing,
            KeyMode::Help,
            KeyMode::Filters,
            KeyMode::Picker,
            KeyMode::KindChoice,
            KeyMode::Confirm,
            KeyMode::Suggestion,
            KeyMode::DraftLeave,
            KeyMode::DraftFound,
            KeyMode::Revisions,
        ]);
        all.into_iter()
            .filter(|m| match (scope, m) {
                (Scope::Screen(s), KeyMode::Normal(n)) => s == *n,
                _ => scopes(*m).contains(&scope),
            })
            .collect()
    }

    /// One table, two readers: every key of `action::KEYS` reaches its
    /// action in a mode that reads its line, and the help shows the line
    /// (its keys and its French text).
    #[test]
    fn every_key_of_the_table_acts_and_is_in_the_help() {
        let app = App::new(
            crate::domain::Rules::default(),
            crate::console::format::Zone::PARIS,
            crate::console::theme::Theme::new(true),
        );
        // Wide enough that no text is wrapped.
        let help: Vec<String> = help_lines(&app, 400)
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        for b in KEYS {
            let modes = modes_reading(b.scope);
            assert!(!modes.is_empty(), "{:?} read by no mode", b.scope);
            for k in b.keys {
                assert!(
                    modes
                        .iter()
                        .any(|m| action_for(*m, k.event()) == Some(b.action)),
                    "{k:?} ({:?}) does not give {:?}",
                    b.scope,
                    b.action
                );
            }
            assert!(
                help.iter()
                    .any(|l| l.contains(b.shown) && l.contains(b.help)),
                "the help lacks « {} {} »",
                b.shown,
                b.help
            );
        }
    }
}
