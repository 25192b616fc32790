//! The console's styles. With `NO_COLOR` set (https://no-color.org) no
//! colour is used at all: emphasis is bold, reversed or underlined only.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub no_color: bool,
    pub normal: Style,
    pub dim: Style,
    pub title: Style,
    pub header: Style,
    pub selected: Style,
    /// Selected, but focus is elsewhere.
    pub selected_unfocused: Style,
    pub tab: Style,
    pub tab_active: Style,
    pub warn: Style,
    pub error: Style,
    pub ok: Style,
    pub info: Style,
    pub key: Style,
    pub free: Style,
    pub taken: Style,
    pub status_bar: Style,
    pub input: Style,
}

impl Theme {
    /// `NO_COLOR` set to anything non-empty turns colours off.
    pub fn from_env() -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme::new(no_color)
    }

    pub fn new(no_color: bool) -> Theme {
        let b = Style::default().add_modifier(Modifier::BOLD);
        let r = Style::default().add_modifier(Modifier::REVERSED);
        if no_color {
            return Theme {
                no_color,
                normal: Style::default(),
                dim: Style::default().add_modifier(Modifier::DIM),
                title: b,
                header: b.add_modifier(Modifier::UNDERLINED),
                selected: r,
                selected_unfocused: Style::default().add_modifier(Modifier::UNDERLINED),
                tab: Style::default(),
                tab_active: r.add_modifier(Modifier::BOLD),
                warn: b,
                error: r.add_modifier(Modifier::BOLD),
                ok: b,
                info: Style::default(),
                key: b,
                free: Style::default().add_modifier(Modifier::DIM),
                taken: Style::default(),
                status_bar: r,
                input: Style::default().add_modifier(Modifier::UNDERLINED),
            };
        }
        Theme {
            no_color,
            normal: Style::default(),
            dim: Style::default().fg(Color::DarkGray),
            title: b.fg(Color::Cyan),
            header: b.fg(Color::Yellow),
            selected: Style::default()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD),
            selected_unfocused: Style::default().bg(Color::DarkGray).fg(Color::White),
            tab: Style::default().fg(Color::Gray),
            tab_active: b.bg(Color::Cyan).fg(Color::Black),
            warn: Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            error: b.fg(Color::White).bg(Color::Red),
            ok: b.fg(Color::Green),
            info: Style::default().fg(Color::Cyan),
            key: b.fg(Color::Cyan),
            free: Style::default().fg(Color::Green),
            taken: Style::default(),
            status_bar: Style::default().bg(Color::DarkGray).fg(Color::White),
            input: Style::default().fg(Color::White).bg(Color::Black),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_means_no_colour_at_all() {
        let t = Theme::new(true);
        for st in [
            t.normal,
            t.dim,
            t.title,
            t.header,
            t.selected,
            t.selected_unfocused,
            t.tab,
            t.tab_active,
            t.warn,
            t.error,
            t.ok,
            t.info,
            t.key,
            t.free,
            t.taken,
            t.status_bar,
            t.input,
        ] {
            assert_eq!((st.fg, st.bg), (None, None), "{st:?}");
        }
        assert_ne!(Theme::new(false).selected.bg, None);
    }
}
