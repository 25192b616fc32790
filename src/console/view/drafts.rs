//! The draft questions drawn over a screen: "Brouillon non enregistré"
//! before leaving unsaved work, and the offer of a draft found when the
//! console started.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::super::action::Action;
use super::super::app::App;
use super::super::draft::{describe, snapshot};
use super::super::format::long_datetime;
use super::super::strings as s;
use super::widgets::{centered, wrap};

/// A box of wrapped paragraphs (first one highlighted), as wide as the
/// screen allows up to 70 columns.
fn question(
    frame: &mut Frame<'_>,
    area: Rect,
    app: &App,
    title: &str,
    keys: &str,
    paras: &[String],
) {
    let t = &app.theme;
    let w = 70.min(area.width);
    let room = w.saturating_sub(4) as usize;
    let mut lines: Vec<Line<'static>> = vec![Line::raw("")];
    for (i, p) in paras.iter().enumerate() {
        if i > 0 {
            lines.push(Line::raw(""));
        }
        let style = if i == 0 { t.warn } else { t.normal };
        lines.extend(
            wrap(p, room)
                .into_iter()
                .map(|l| Line::styled(format!(" {l}"), style)),
        );
    }
    let h = (lines.len() as u16 + 2).min(area.height);
    let box_area = centered(area, w, h);
    frame.render_widget(Clear, box_area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {title} "))
        .title_bottom(format!(" {keys} "));
    let inner = block.inner(box_area);
    frame.render_widget(block, box_area);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// "Brouillon non enregistré : (e)nregistrer, (a)bandonner, (r)ester".
pub fn leave(frame: &mut Frame<'_>, area: Rect, app: &App, then: Action) {
    let mut paras = vec![s::DRAFT_LEAVE_QUESTION.to_string()];
    if let Some(d) = snapshot(app) {
        paras.push(upper_first(&describe(&d)));
    }
    if then == Action::Quit {
        paras.push(s::DRAFT_LEAVE_QUIT.to_string());
    }
    question(
        frame,
        area,
        app,
        s::DRAFT_LEAVE_TITLE,
        s::DRAFT_LEAVE_KEYS,
        &paras,
    );
}

/// "Un brouillon du … a été retrouvé : (r)eprendre / (a)bandonner".
pub fn found(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let Some(r) = &app.recovered else {
        return;
    };
    let when = r
        .saved_at
        .map_or_else(|| "?".to_string(), |t| long_datetime(app.zone, t));
    let paras = vec![s::draft_found(&when), upper_first(&describe(&r.draft))];
    question(
        frame,
        area,
        app,
        s::DRAFT_FOUND_TITLE,
        s::DRAFT_FOUND_KEYS,
        &paras,
    );
}

fn upper_first(text: &str) -> String {
    let mut c = text.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
