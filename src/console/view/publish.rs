//! Publishing from the console: the preview of what `fiches publish`
//! would publish now (the changelog since the last publication, public
//! then the staff's), and the status line's "publication n° 4, il y a 3 j".

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::super::app::App;
use super::super::format::{ago, fit};
use super::super::strings as s;
use super::widgets::{centered, wrap};
use crate::safe::terminal_text;

/// The lines of the preview, wrapped to `w` columns.
pub fn preview_lines(app: &App, w: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let Some(p) = &app.publish_preview else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    let mut para = |text: &str, style| {
        if text.is_empty() {
            lines.push(Line::raw(""));
        }
        for l in terminal_text(text, true).lines() {
            if l.trim().is_empty() {
                lines.push(Line::raw(""));
                continue;
            }
            for part in wrap(l, w) {
                lines.push(Line::styled(part, style));
            }
        }
    };
    para(&s::pub_heading(p.number, p.since), t.header);
    para(&p.changes, t.normal);
    if !p.unchanged {
        para("", t.normal);
        para(
            &s::pub_counts(
                &p.accepted,
                &p.output_dir.display().to_string(),
                p.partners_mail,
            ),
            t.dim,
        );
    }
    if p.staff_changes.trim() != p.changes.trim() {
        para("", t.normal);
        para(s::PUB_STAFF_CHANGES, t.header);
        para(&p.staff_changes, t.normal);
    }
    lines
}

pub fn preview(frame: &mut Frame<'_>, area: Rect, app: &App, scroll: u16) {
    let w = area.width.saturating_sub(4).clamp(10, 100);
    let h = area.height.saturating_sub(2).max(5);
    let box_area = centered(area, w, h);
    frame.render_widget(Clear, box_area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", s::PUB_TITLE))
        .title_bottom(format!(
            " {} ",
            // Nothing to publish: nothing to confirm either.
            match app.publish_preview.as_ref().map(|p| p.number) {
                Some(None) => s::PUB_KEYS_NOTHING,
                _ => s::PUB_KEYS,
            }
        ));
    let inner = block.inner(box_area);
    frame.render_widget(block, box_area);
    let lines = preview_lines(app, inner.width.saturating_sub(1) as usize);
    let max = lines.len().saturating_sub(inner.height as usize);
    let scroll = usize::from(scroll).min(max);
    let mut shown: Vec<Line<'static>> = lines
        .into_iter()
        .skip(scroll)
        .take(inner.height as usize)
        .collect();
    // Cut: say so on the last line rather than hide it.
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

/// "publication n° 4, il y a 3 j" (long) and "pub. 4" (short).
pub fn status_part(app: &App) -> (String, String) {
    match app.last_publication {
        Some((n, at)) => {
            let when = at.map_or_else(|| "?".to_string(), |t| ago(app.now, t));
            s::st_publication(Some((n, &when)))
        }
        None => s::st_publication(None),
    }
}
