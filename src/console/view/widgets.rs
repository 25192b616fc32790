//! Pieces the screens share: section titles, "label : value" lines with
//! multi-line values, centred overlay areas, a list window that keeps its
//! cursor in sight. Every data string is passed through `safe` here or
//! before.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::super::format::{pad, width};
use crate::safe::terminal_text;

/// "── Title ──────" across `w` columns.
pub fn section(title: &str, w: usize, style: Style) -> Line<'static> {
    let head = format!("── {title} ");
    let rest = w.saturating_sub(width(&head));
    Line::from(vec![Span::styled(
        format!("{head}{}", "─".repeat(rest)),
        style,
    )])
}

/// Words of `text` wrapped to `max` columns (words longer than a line are
/// cut); an empty text gives one empty line.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    let mut lw = 0;
    for word in text.split(' ') {
        let ww = width(word);
        if lw > 0 && lw + 1 + ww > max {
            out.push(std::mem::take(&mut line));
            lw = 0;
        }
        if ww > max {
            // Hard-break a word wider than the line.
            for c in word.chars() {
                let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
                if lw + cw > max {
                    out.push(std::mem::take(&mut line));
                    lw = 0;
                }
                line.push(c);
                lw += cw;
            }
            continue;
        }
        if lw > 0 {
            line.push(' ');
            lw += 1;
        }
        line.push_str(word);
        lw += ww;
    }
    out.push(line);
    out
}

/// "label : value" lines: the label padded to `label_w`, the value (made
/// terminal-safe) wrapped to the rest of `total_w`, its lines aligned.
pub fn kv_lines(
    label: &str,
    value: &str,
    label_w: usize,
    total_w: usize,
    label_style: Style,
    value_style: Style,
) -> Vec<Line<'static>> {
    let safe = terminal_text(value, true).replace('\t', " ");
    let room = total_w.saturating_sub(label_w + 1).max(10);
    let mut out = Vec::new();
    for (i, l) in safe.split('\n').flat_map(|l| wrap(l, room)).enumerate() {
        let head = if i == 0 {
            format!("{} ", pad(label, label_w))
        } else {
            " ".repeat(label_w + 1)
        };
        out.push(Line::from(vec![
            Span::styled(head, label_style),
            Span::styled(l, value_style),
        ]));
    }
    out
}

/// Free text (a mail body) as lines, made terminal-safe.
pub fn text_lines(text: &str, style: Style) -> Vec<Line<'static>> {
    terminal_text(text, true)
        .replace('\t', "    ")
        .split('\n')
        .map(|l| Line::styled(l.to_string(), style))
        .collect()
}

/// An area of at most `w`×`h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// First item to draw so that `cursor` shows in a window of `height`.
pub fn window_start(cursor: usize, height: usize, len: usize) -> usize {
    if height == 0 || len <= height {
        return 0;
    }
    let half = height / 2;
    cursor.saturating_sub(half).min(len - height)
}

/// A key hint: the key emphasised (in `key_w` columns), then what it does.
pub fn key_hint(
    key: &str,
    key_w: usize,
    what: &str,
    key_style: Style,
    style: Style,
) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{} ", pad(key, key_w)), key_style),
        Span::styled(what.to_string(), style),
    ])
}

/// The first item of a list window of `page` rows: `offset`, moved down
/// if need be so that `selected` is drawn (the window may be smaller than
/// the one `offset` was computed for, while a long notice takes lines).
pub fn first_shown(offset: usize, selected: usize, page: usize) -> usize {
    if page == 0 {
        return offset;
    }
    offset.max((selected + 1).saturating_sub(page))
}

/// "▼ 3 de plus" / "▲ 2 au-dessus · ▼ 3 de plus": what a list window of
/// `shown` items starting at `start` hides of `len`; `None` when nothing.
pub fn hidden_marker(start: usize, shown: usize, len: usize) -> Option<String> {
    let above = start.min(len);
    let below = len.saturating_sub(start + shown);
    super::super::strings::hidden(above, below)
}

/// "label : value" lines where the label is wrapped too (never cut) to
/// `label_w` columns; the value wrapped to the rest of `total_w`.
pub fn kv_lines_wrapped(
    label: &str,
    value: &str,
    label_w: usize,
    total_w: usize,
    label_style: Style,
    value_style: Style,
) -> Vec<Line<'static>> {
    let labels = wrap(label, label_w);
    let safe = terminal_text(value, true).replace('\t', " ");
    let room = total_w.saturating_sub(label_w + 1).max(10);
    let values: Vec<String> = safe.split('\n').flat_map(|l| wrap(l, room)).collect();
    let n = labels.len().max(values.len());
    (0..n)
        .map(|i| {
            let l = labels.get(i).map_or("", String::as_str);
            let v = values.get(i).cloned().unwrap_or_default();
            Line::from(vec![
                Span::styled(format!("{} ", pad(l, label_w)), label_style),
                Span::styled(v, value_style),
            ])
        })
        .collect()
}

/// How wide labels are drawn in a "label value" pane `w` columns wide:
/// the longest label if it leaves room for values (two fifths of the
/// pane at most, 12 columns at least); longer labels wrap.
pub fn label_width<'a>(labels: impl Iterator<Item = &'a str>, w: usize) -> usize {
    let longest = labels.map(width).max().unwrap_or(0);
    longest.min((w * 2 / 5).max(12))
}

/// " · 1–8 sur 45" when a list of `len` does not fit its `page` rows
/// (what is hidden, said in the list's header line); empty otherwise.
pub fn list_window(offset: usize, selected: usize, page: usize, len: usize) -> String {
    if len <= page || page == 0 {
        return String::new();
    }
    let first = first_shown(offset, selected, page);
    format!(
        " · {}",
        super::super::strings::window_line(first + 1, (first + page).min(len), len)
    )
}

/// A message's date in a list column: day and time when `wide`, the day
/// alone otherwise ("?" when it has none).
pub fn list_date(
    zone: crate::console::format::Zone,
    ts: Option<chrono::DateTime<chrono::Utc>>,
    wide: bool,
) -> String {
    ts.map_or_else(
        || "?".to_string(),
        |ts| {
            let d = crate::console::format::short_datetime(zone, ts);
            if wide { d } else { d[..5].to_string() }
        },
    )
}

/// Who sent a message, as a list shows it: the name, else the address.
pub fn list_sender(name: Option<&str>, addr: Option<&str>) -> String {
    crate::safe::terminal_line(name.or(addr).unwrap_or(""))
}
