//! Two revisions of a proposal compared, field by field (a fiche sent
//! again): the form's French labels in the form's order, old → new, the
//! unchanged fields hidden and counted. `changes` is the pure comparison
//! (tested on its own); `draw` the window over the screen.

use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::super::app::App;
use super::super::format::{fit, width};
use super::super::strings as s;
use super::super::update::fields_of;
use super::widgets::{centered, wrap};
use crate::fiche::Kind;
use crate::safe::terminal_line;
use crate::store::Proposal;

/// One field that changed: its label, the value before and after (`None`: empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub label: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// What changed from `a` to `b`, in the form's order (then fields the form
/// does not have, then rows with unknown labels), and how many fields are
/// the same.
pub fn changes(a: &Proposal, b: &Proposal) -> (Vec<FieldChange>, usize) {
    let mut out = Vec::new();
    let mut same = 0;
    let mut seen = BTreeSet::new();
    let mut compare = |label: String, old: Option<String>, new: Option<String>| {
        let norm = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_string)
        };
        let (old, new) = (norm(&old), norm(&new));
        if old == new {
            same += 1;
        } else {
            out.push(FieldChange { label, old, new });
        }
    };
    if a.kind != b.kind {
        let k = |k: Option<Kind>| k.map(|k| k.label_fr().to_string());
        compare(s::COL_KIND.to_string(), k(a.kind), k(b.kind));
    }
    let kind = b.kind.or(a.kind);
    let value = |p: &Proposal, key: &str| p.fields.get(key).map(|v| v.display());
    for f in fields_of(kind) {
        seen.insert(f.key);
        compare(f.label.to_string(), value(a, f.key), value(b, f.key));
    }
    let others: BTreeSet<&String> = a
        .fields
        .keys()
        .chain(b.fields.keys())
        .filter(|k| !seen.contains(k.as_str()))
        .collect();
    for key in others {
        let label = Kind::all()
            .iter()
            .find_map(|k| crate::fiche::spec::field(*k, key))
            .map_or(key.as_str(), |f| f.label);
        compare(label.to_string(), value(a, key), value(b, key));
    }
    let extra = |p: &Proposal, label: &str| {
        p.extra
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, v)| v.clone())
    };
    let labels: BTreeSet<&String> = a.extra.iter().chain(&b.extra).map(|(l, _)| l).collect();
    for label in labels {
        compare(label.clone(), extra(a, label), extra(b, label));
    }
    (out, same)
}

/// The pair after moving one end (`arrival`: the second) one revision
/// earlier or later among `n`, the first always before the second.
pub fn shift(from: usize, to: usize, n: usize, arrival: bool, later: bool) -> (usize, usize) {
    if n < 2 {
        return (from, to);
    }
    match (arrival, later) {
        (false, false) if from > 0 => (from - 1, to),
        (false, true) if from + 1 < to => (from + 1, to),
        // The first one moving onto the second pushes it (rév. N, N+1 → N+1, N+2).
        (false, true) if to + 1 < n => (from + 1, to + 1),
        (true, true) if to + 1 < n => (from, to + 1),
        (true, false) if to > from + 1 => (from, to - 1),
        (true, false) if from > 0 => (from - 1, to - 1),
        _ => (from, to),
    }
}

/// The comparison's lines, `w` columns wide.
pub fn lines(app: &App, from: usize, to: usize, w: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let Some(d) = app.current_detail() else {
        return Vec::new();
    };
    let (Some(a), Some(b)) = (d.revisions.get(from), d.revisions.get(to)) else {
        return Vec::new();
    };
    let (list, same) = changes(a, b);
    let mut out = Vec::new();
    for l in wrap(
        &s::rev_heading(b.number, a.revision, b.revision, list.len(), same),
        w,
    ) {
        out.push(Line::styled(l, t.header));
    }
    out.push(Line::raw(""));
    if list.is_empty() {
        out.push(Line::styled(s::REV_NO_CHANGE, t.dim));
    }
    let shown = |v: &Option<String>| {
        v.as_deref()
            .map_or_else(|| s::REV_EMPTY.to_string(), terminal_line)
    };
    for c in &list {
        let (old, new) = (shown(&c.old), shown(&c.new));
        let label = terminal_line(&c.label);
        let one = format!("{label} : {old} → {new}");
        if width(&one) <= w && !one.contains('\n') {
            out.push(Line::from(vec![
                Span::styled(format!("{label} : "), t.key),
                Span::styled(old, t.dim),
                Span::raw(" → "),
                Span::styled(new, t.normal),
            ]));
            continue;
        }
        // Too long for a line: before and after, each wrapped.
        out.push(Line::styled(fit(&label, w), t.key));
        for (word, v, style) in [(s::REV_BEFORE, &old, t.dim), (s::REV_AFTER, &new, t.normal)] {
            let lead = format!("  {word} : ");
            let room = w.saturating_sub(width(&lead)).max(10);
            for (i, part) in wrap(v, room).into_iter().enumerate() {
                let l = if i == 0 {
                    lead.clone()
                } else {
                    " ".repeat(width(&lead))
                };
                out.push(Line::from(vec![
                    Span::styled(l, t.dim),
                    Span::styled(part, style),
                ]));
            }
        }
    }
    out
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, from: usize, to: usize, scroll: u16) {
    let w = area.width.saturating_sub(4).clamp(10, 110);
    let h = area.height.saturating_sub(2).max(5);
    let box_area = centered(area, w, h);
    frame.render_widget(Clear, box_area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", s::REV_TITLE))
        .title_bottom(format!(" {} ", s::REV_KEYS));
    let inner = block.inner(box_area);
    frame.render_widget(block, box_area);
    let all = lines(app, from, to, inner.width.saturating_sub(1) as usize);
    let max = all.len().saturating_sub(inner.height as usize);
    let scroll = usize::from(scroll).min(max);
    let mut shown: Vec<Line<'static>> = all
        .into_iter()
        .skip(scroll)
        .take(inner.height as usize)
        .collect();
    if max > scroll
        && let Some(last) = shown.last_mut()
    {
        let more = max - scroll;
        *last = Line::styled(
            fit(
                &format!("… {more} ligne{} de plus (j/k)", s::plural(more)),
                inner.width as usize,
            ),
            app.theme.dim,
        );
    }
    frame.render_widget(Paragraph::new(shown), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_moves_and_never_crosses() {
        // rév. 2 → 3 of 3: the first one earlier, then later again.
        assert_eq!(shift(1, 2, 3, false, false), (0, 2));
        assert_eq!(shift(0, 2, 3, false, true), (1, 2));
        // Already the last pair: nothing further.
        assert_eq!(shift(1, 2, 3, false, true), (1, 2));
        assert_eq!(shift(1, 2, 3, true, true), (1, 2));
        // The second one earlier: stays after the first (pushes it).
        assert_eq!(shift(0, 2, 3, true, false), (0, 1));
        assert_eq!(shift(0, 1, 3, true, false), (0, 1));
        assert_eq!(shift(0, 1, 3, false, true), (1, 2));
        assert_eq!(shift(0, 1, 1, false, true), (0, 1));
    }
}
