//! Moving around: the selection of each screen, going to a screen, Échap,
//! the arrows and Tab, Entrée by screen, quitting and resizing.

use super::*;

/// Moves the selection of the current screen by `delta` (lines).
pub(super) fn vertical(app: &mut App, delta: isize, page: bool) -> Vec<Effect> {
    let step = if page {
        delta.signum() * app.detail_page() as isize
    } else {
        delta
    };
    let scroll = |v: &mut u16, max: u16| {
        *v = (i64::from(*v) + step as i64).clamp(0, i64::from(max)) as u16;
    };
    let pane_h = app.detail_page() as u16 + 2;
    match app.screen {
        Screen::Propositions if app.focus == Focus::Detail => {
            let max = view::triage::max_scroll(view::detail::line_count(app), pane_h);
            scroll(&mut app.detail_scroll, max);
            vec![]
        }
        Screen::Propositions => {
            let d = if page {
                delta.signum() * app.table_page() as isize
            } else {
                delta
            };
            move_selection(app, d)
        }
        Screen::Triage if app.focus == Focus::Detail => {
            let n = view::triage::message_lines(app, app.size.0 as usize).map_or(0, |l| l.len());
            scroll(&mut app.triage_scroll, view::triage::max_scroll(n, pane_h));
            vec![]
        }
        Screen::Triage => {
            let d = if page {
                delta.signum() * app.triage_page() as isize
            } else {
                delta
            };
            move_triage(app, d)
        }
        Screen::Decider => move_decide_cursor(app, delta),
        Screen::Programme => move_programme_slot(app, delta, page),
        Screen::Envoi if app.focus == Focus::Detail => {
            let n = view::envoi::letter_lines(app, app.size.0 as usize).len();
            scroll(&mut app.envoi.scroll, view::triage::max_scroll(n, pane_h));
            vec![]
        }
        Screen::Envoi => {
            let d = if page {
                delta.signum() * app.table_page() as isize
            } else {
                delta
            };
            move_envoi(app, d)
        }
        Screen::Corriger if app.draft_text().is_some() && (page || app.text_instead) => {
            let n = view::corriger::text_line_count(app);
            let h = body_height(app.size).saturating_sub(2);
            scroll(&mut app.text_scroll, view::triage::max_scroll(n, h));
            vec![]
        }
        Screen::Courrier if app.courrier.full => {
            let n = view::courrier::message_lines(app, (app.size.0 as usize).saturating_sub(1))
                .map_or(0, |l| l.len());
            let h = body_height(app.size).saturating_sub(1);
            let max = view::triage::max_scroll(n, h);
            scroll(&mut app.courrier.scroll, max);
            vec![]
        }
        Screen::Courrier => {
            let d = if page {
                delta.signum() * app.courrier_page() as isize
            } else {
                delta
            };
            move_courrier(app, d)
        }
        Screen::Corriger => move_correct_cursor(app, delta),
    }
}

pub(super) fn goto(app: &mut App, screen: Screen) -> Vec<Effect> {
    app.screen = screen;
    app.focus = Focus::List;
    match screen {
        Screen::Triage => triage_changed(app),
        Screen::Propositions | Screen::Decider | Screen::Corriger => {
            app.clamp_selection();
            selection_changed(app)
        }
        Screen::Programme => vec![],
        Screen::Envoi => vec![Effect::LoadLetters],
        Screen::Courrier => {
            app.courrier.full = false;
            vec![Effect::LoadCourrier { keep: true }]
        }
    }
}

/// `q`: quits, except in the middle of an SMTP transaction (that letter
/// would be left uncertain): asked once.
pub(super) fn quit(app: &mut App) -> Vec<Effect> {
    if app.envoi.sending.is_some() && !app.envoi.quit_warned {
        app.envoi.quit_warned = true;
        app.notify(Level::Warn, s::ENV_QUIT_WHILE_SENDING);
    } else {
        app.quit = true;
    }
    vec![]
}

/// The terminal's new size: the selections kept in view.
pub(super) fn resize(app: &mut App, w: u16, h: u16) -> Vec<Effect> {
    app.size = (w, h);
    app.clamp_selection();
    app.clamp_triage();
    app.clamp_envoi();
    vec![]
}

/// Échap: closes what is open on the screen, one thing at a time.
pub(super) fn escape(app: &mut App) -> Vec<Effect> {
    if app.screen == Screen::Triage && app.current_text().is_some() {
        app.attachment_text = None;
        app.triage_scroll = 0;
    } else if app.screen == Screen::Programme && app.programme_pick.take().is_some() {
        app.notify(Level::Info, s::PROG_PICK_CANCELLED);
    } else if app.screen == Screen::Courrier && app.courrier.full {
        app.courrier.full = false;
    } else if app.screen == Screen::Courrier && !app.courrier.query.is_empty() {
        app.courrier.query.clear();
        return vec![Effect::LoadCourrier { keep: true }];
    } else if app.focus == Focus::Detail {
        app.focus = Focus::List;
    } else if app.screen == Screen::Propositions && !app.listing.query.is_empty() {
        app.listing.set_query("");
        return refiltered(app);
    }
    vec![]
}

/// A key with no meaning here: says where it has one.
pub(super) fn unbound(app: &mut App, c: char) -> Vec<Effect> {
    let here = s::screen_name(app.screen.index());
    let places: Vec<(&str, &str)> = crate::console::action::elsewhere(c)
        .into_iter()
        .map(|(sc, what)| (s::screen_name(sc.index()), what))
        .collect();
    app.notify(Level::Info, s::n_unbound(c, here, &places));
    vec![]
}

/// ← and →: the Programme's cursor, the pane in focus, Courrier's message
/// opened or closed.
pub(super) fn left_right(app: &mut App, action: Action) -> Vec<Effect> {
    let d: isize = if action == Action::Left { -1 } else { 1 };
    match app.screen {
        Screen::Programme => {
            let n = app.rules.layout.of(app.programme_kind).places.len();
            app.programme_cursor.1 =
                (app.programme_cursor.1 as isize + d).clamp(0, n as isize - 1) as usize;
        }
        Screen::Propositions | Screen::Triage | Screen::Envoi => {
            app.focus = if d > 0 { Focus::Detail } else { Focus::List };
        }
        Screen::Courrier if d > 0 && !app.courrier.full => return courrier_open(app),
        Screen::Courrier if d < 0 => app.courrier.full = false,
        _ => {}
    }
    vec![]
}

/// Tab: the Programme's next kind, Courrier's message opened or closed,
/// elsewhere the other pane.
pub(super) fn tab(app: &mut App) -> Vec<Effect> {
    match app.screen {
        Screen::Programme => {
            app.programme_pick = None;
            // The next kind of the definition, round.
            let kinds = Kind::all();
            let at = kinds.iter().position(|k| *k == app.programme_kind);
            app.programme_kind = at
                .and_then(|i| kinds.get(i + 1))
                .or(kinds.first())
                .copied()
                .unwrap_or(app.programme_kind);
            app.programme_cursor = (0, 0);
        }
        Screen::Courrier if app.courrier.full => app.courrier.full = false,
        Screen::Courrier => return courrier_open(app),
        _ => {
            app.focus = match app.focus {
                Focus::List => Focus::Detail,
                Focus::Detail => Focus::List,
            };
        }
    }
    vec![]
}

/// Entrée, by screen.
pub(super) fn enter(app: &mut App) -> Vec<Effect> {
    match app.screen {
        Screen::Propositions => goto(app, Screen::Decider),
        Screen::Decider => accept_selected_place(app),
        Screen::Programme => programme_enter(app),
        Screen::Triage => {
            app.focus = Focus::Detail;
            vec![]
        }
        Screen::Corriger => edit_field(app),
        Screen::Envoi => {
            app.focus = Focus::Detail;
            vec![]
        }
        Screen::Courrier => courrier_open(app),
    }
}
