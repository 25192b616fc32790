//! Propositions: the list of proposals, its search, sort, filters and
//! marks, and what is done to the marked ones.

use super::*;

/// The values each filter cycles through.
pub fn filter_slots(app: &App) -> Vec<Option<String>> {
    let mut v = vec![None];
    for k in Kind::all() {
        v.extend(app.rules.layout.of(k).slots.iter().cloned().map(Some));
    }
    v.push(Some("any".to_string()));
    v
}

pub const THEMES: &[&str] = &["odd", "climat", "migrations", "jeunesse", "autre"];

pub(super) fn change_filter(app: &mut App, line: usize, forward: bool) {
    let f = &mut app.listing.filters;
    match line {
        0 => {
            let o: Vec<Option<Kind>> = std::iter::once(None)
                .chain(Kind::all().into_iter().map(Some))
                .collect();
            f.kind = cycle(&o, &f.kind, forward);
        }
        1 => {
            let o: Vec<Option<Status>> = std::iter::once(None)
                .chain(Status::ALL.iter().copied().map(Some))
                .collect();
            f.status = cycle(&o, &f.status, forward);
        }
        2 => {
            let o = filter_slots(app);
            let f = &mut app.listing.filters;
            f.slot = cycle(&o, &f.slot, forward);
        }
        3 => {
            let o: Vec<Option<String>> = std::iter::once(None)
                .chain(THEMES.iter().map(|t| Some(t.to_string())))
                .collect();
            f.theme = cycle(&o, &f.theme, forward);
        }
        4 => f.member = cycle(&[None, Some(true), Some(false)], &f.member, forward),
        _ => f.flagged = !f.flagged,
    }
    app.listing.refilter();
}

/// After the rows shown changed: keep the selected proposal if still
/// shown, else the first; load its detail.
pub(super) fn refiltered(app: &mut App) -> Vec<Effect> {
    let keep = app.detail.as_ref().map(|d| d.id);
    let found = keep.is_some_and(|id| app.select_id(id));
    if !found {
        app.selected = 0;
        app.offset = 0;
    }
    app.clamp_selection();
    selection_changed(app)
}

pub(in crate::console) fn selection_changed(app: &mut App) -> Vec<Effect> {
    app.decide_cursor = 0;
    app.decide_anchor = None;
    match app.current_id() {
        Some(id) if app.detail.as_ref().is_none_or(|d| d.id != id) => {
            app.detail_scroll = 0;
            vec![Effect::LoadDetail(id)]
        }
        _ => vec![],
    }
}

pub(super) fn move_selection(app: &mut App, delta: isize) -> Vec<Effect> {
    // Going past what a search found so far: let it finish first.
    if app.listing.scanning()
        && app.selected as isize + delta >= app.listing.visible_len() as isize - 1
    {
        app.listing.step(None);
    }
    let n = app.listing.visible_len();
    if n == 0 {
        return vec![];
    }
    let to = (app.selected as isize + delta).clamp(0, n as isize - 1) as usize;
    if to == app.selected {
        return vec![];
    }
    app.selected = to;
    app.clamp_selection();
    selection_changed(app)
}

/// Space: marks or unmarks the selected proposal (Propositions) or letter (Envoi).
pub(super) fn toggle_mark(app: &mut App) -> Vec<Effect> {
    if app.screen == Screen::Envoi {
        let Some(l) = app.envoi.current() else {
            app.notify(Level::Warn, s::ENV_NO_SELECTION);
            return vec![];
        };
        let key = (l.id, l.partners);
        if !app.envoi.marks.remove(&key) {
            app.envoi.marks.insert(key);
        }
        let n = app.envoi.marks.len();
        app.notify(Level::Info, s::marked_count(n));
        // Space moves on, to mark several in a row.
        return vertical(app, 1, false);
    }
    let Some(number) = app.current().map(|r| r.number) else {
        app.notify(Level::Warn, s::N_NO_SELECTION);
        return vec![];
    };
    let marked = if app.marks.remove(&number) {
        false
    } else {
        app.marks.insert(number);
        true
    };
    let text = s::n_marked(number, marked, app.marks.len());
    app.notify(Level::Info, text);
    move_selection(app, 1)
}

/// The one confirmation of a decision on every marked proposal: what will
/// happen to each.
pub(super) fn ask_bulk(app: &mut App, kind: crate::console::bulk::BulkKind) -> Vec<Effect> {
    if app.marks.is_empty() {
        app.notify(Level::Warn, s::BULK_NONE_MARKED);
        return vec![];
    }
    let plan = crate::console::bulk::plan(app, kind);
    app.overlay = Overlay::Confirm(Confirm::Bulk(plan));
    vec![]
}

/// The keys of the list of proposals: search, sort, filters, revisions, marks and bulk decisions.
pub(super) fn propositions_action(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Search => {
            let q = app.listing.query.clone();
            app.input = Some((InputPurpose::Search, TextInput::new(&q)));
            vec![]
        }
        Action::SortNext | Action::SortReverse => {
            if action == Action::SortNext {
                app.listing.sort = app.listing.sort.next();
                app.listing.reverse = false;
            } else {
                app.listing.reverse = !app.listing.reverse;
            }
            app.listing.resort();
            refiltered(app)
        }
        Action::Filters => {
            app.overlay = Overlay::Filters { cursor: 0 };
            vec![]
        }
        Action::ClearFilters => {
            app.listing.filters = Default::default();
            app.listing.set_query("");
            app.listing.refilter();
            refiltered(app)
        }
        Action::Revisions => {
            match app.current_detail().map(|d| d.revisions.len()) {
                Some(n) if n >= 2 => {
                    app.overlay = Overlay::Revisions {
                        from: n - 2,
                        to: n - 1,
                        scroll: 0,
                    };
                }
                Some(_) => app.notify(Level::Info, s::REV_ONLY_ONE),
                None => app.notify(Level::Warn, s::N_NO_SELECTION),
            }
            vec![]
        }
        Action::ToggleMark => toggle_mark(app),
        Action::ClearMarks => {
            let marks = if app.screen == Screen::Envoi {
                std::mem::take(&mut app.envoi.marks).len()
            } else {
                std::mem::take(&mut app.marks).len()
            };
            if marks == 0 {
                app.notify(Level::Info, s::NO_MARKS);
            } else {
                app.notify(Level::Info, s::MARKS_CLEARED);
            }
            vec![]
        }
        Action::BulkAccept => ask_bulk(app, crate::console::bulk::BulkKind::Accept),
        Action::BulkWaitlist => ask_bulk(app, crate::console::bulk::BulkKind::Waitlist),
        Action::BulkReject => {
            if app.marks.is_empty() {
                app.notify(Level::Warn, s::BULK_NONE_MARKED);
                return vec![];
            }
            app.input = Some((InputPurpose::BulkReason, TextInput::default()));
            vec![]
        }
        _ => vec![],
    }
}
