//! Courrier: every message received, searched and filtered, read in full.

use super::*;

/// Courrier: moves the selection; near the end of what is loaded, the
/// next page is asked for.
pub(super) fn move_courrier(app: &mut App, delta: isize) -> Vec<Effect> {
    let c = &app.courrier;
    let n = c.rows.len();
    if n == 0 {
        return vec![];
    }
    let want = c.selected as isize + delta;
    let mut effects = Vec::new();
    if want >= n as isize - 1 && !c.end {
        effects.push(Effect::MoreCourrier);
    }
    app.courrier.selected = want.clamp(0, n as isize - 1) as usize;
    app.clamp_courrier();
    effects
}

/// Courrier: the selected message in full.
pub(super) fn courrier_open(app: &mut App) -> Vec<Effect> {
    match app.courrier.current().map(|r| r.id) {
        Some(id) => {
            app.courrier.full = true;
            app.courrier.scroll = 0;
            if app.courrier.detail.as_ref().is_some_and(|d| d.id == id) {
                vec![]
            } else {
                vec![Effect::LoadCourrierMessage(id)]
            }
        }
        None => {
            app.notify(Level::Warn, s::N_NO_MESSAGE);
            vec![]
        }
    }
}

/// The keys of Courrier: its search and its filter.
pub(super) fn courrier_action(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Search if app.screen == Screen::Courrier => {
            let q = app.courrier.query.clone();
            app.courrier.full = false;
            app.input = Some((InputPurpose::CourrierSearch, TextInput::new(&q)));
            vec![]
        }
        Action::CourrierFilter(forward) => {
            let all = crate::store::courrier::CourrierFilter::ALL;
            let i = all
                .iter()
                .position(|f| *f == app.courrier.filter)
                .unwrap_or(0);
            let n = all.len();
            app.courrier.filter = all[if forward {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            }];
            app.courrier.full = false;
            vec![Effect::LoadCourrier { keep: true }]
        }
        _ => vec![],
    }
}
