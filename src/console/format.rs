//! Small pure helpers for the console: folding text for search (lower
//! case, no accents), cutting text to a display width (wide and combining
//! characters counted as the terminal shows them), and dates in the
//! event's time zone.

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use unicode_width::UnicodeWidthChar;
use unicode_width::UnicodeWidthStr;

pub use crate::domain::time::{ago, parse_time};

/// Appends `s` folded for search: lower case, accents removed, ligatures
/// spelled out, typographic apostrophes and non-breaking spaces made plain.
pub fn fold_into(out: &mut String, s: &str) {
    let mut rest = s;
    while !rest.is_empty() {
        // Runs of ASCII are copied and lower-cased in place, in bulk.
        let ascii = rest
            .bytes()
            .position(|b| !b.is_ascii())
            .unwrap_or(rest.len());
        if ascii > 0 {
            let at = out.len();
            out.push_str(&rest[..ascii]);
            out[at..].make_ascii_lowercase();
            rest = &rest[ascii..];
            continue;
        }
        let mut chars = rest.chars();
        let Some(c) = chars.next() else { break };
        rest = chars.as_str();
        match c {
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            '\u{2019}' | '\u{2018}' | '\u{02bc}' => out.push('\''),
            '\u{a0}' | '\u{202f}' | '\u{2009}' => out.push(' '),
            _ => decompose_canonical(c, |d| {
                if !is_combining_mark(d) {
                    out.extend(d.to_lowercase());
                }
            }),
        }
    }
}

pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(&mut out, s);
    out
}

/// Display width in terminal columns.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` columns, ending with `…` when cut.
pub fn fit(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw > max - 1 {
            break;
        }
        w += cw;
        out.push(c);
    }
    out.push('…');
    out
}

/// `s` cut or padded with spaces to exactly `n` columns.
pub fn pad(s: &str, n: usize) -> String {
    let mut out = fit(s, n);
    let w = width(&out);
    out.extend(std::iter::repeat_n(' ', n.saturating_sub(w)));
    out
}

/// The last `max` columns of `s` (for a text input wider than its box),
/// starting with `…` when cut.
pub fn tail(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut rev: Vec<char> = Vec::new();
    let mut w = 1;
    for c in s.chars().rev() {
        let cw = c.width().unwrap_or(0);
        if w + cw > max {
            break;
        }
        w += cw;
        rev.push(c);
    }
    let mut out = String::from("…");
    out.extend(rev.into_iter().rev());
    out
}

/// The time zone the console shows dates in: any IANA zone, with its
/// summer-time rules from the tz database (`chrono-tz`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(Tz);

impl Zone {
    /// Paris time (the event's default zone).
    pub const PARIS: Zone = Zone(Tz::Europe__Paris);
    /// Universal time.
    pub const UTC: Zone = Zone(Tz::UTC);
    /// The old name of [`Zone::PARIS`], still used by the console's
    /// session defaults.
    #[allow(non_upper_case_globals)]
    pub const CentralEurope: Zone = Zone::PARIS;

    /// From the IANA name of `config.toml`'s `[event] timezone`; an unknown
    /// name (the config check reports it) falls back to UTC.
    pub fn from_iana(name: &str) -> Zone {
        name.trim().parse::<Tz>().map_or(Zone::UTC, Zone)
    }

    pub fn tz(self) -> Tz {
        self.0
    }

    pub fn local(self, t: DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&self.0).naive_local()
    }
}

/// "14/05" in the zone.
pub fn day_month(zone: Zone, t: DateTime<Utc>) -> String {
    zone.local(t).format("%d/%m").to_string()
}

/// "14/05 09:12" in the zone.
pub fn short_datetime(zone: Zone, t: DateTime<Utc>) -> String {
    zone.local(t).format("%d/%m %H:%M").to_string()
}

/// "14/05/2018 09:12" in the zone.
pub fn long_datetime(zone: Zone, t: DateTime<Utc>) -> String {
    zone.local(t).format("%d/%m/%Y %H:%M").to_string()
}

/// A stored time shown long, or the text as stored when it does not parse.
pub fn stored_datetime(zone: Zone, s: &str) -> String {
    parse_time(s).map_or_else(|| s.to_string(), |t| long_datetime(zone, t))
}

/// "12 Ko", "1,5 Mo".
pub fn size(n: u64) -> String {
    if n < 1024 {
        format!("{n} o")
    } else if n < 1024 * 1024 {
        format!("{} Ko", n.div_ceil(1024))
    } else {
        format!("{:.1} Mo", n as f64 / 1_048_576.0).replace('.', ",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_for_search() {
        assert_eq!(fold("Ville de Besançon"), "ville de besancon");
        assert_eq!(fold("Thừa Thiên Huế"), "thua thien hue");
        assert_eq!(fold("Cœur d’Île"), "coeur d'ile");
    }

    #[test]
    fn widths_of_wide_and_combining_text() {
        assert_eq!(width("e\u{301}"), 1);
        assert_eq!(width("東京"), 4);
        assert_eq!(fit("東京都庁", 5), "東京…");
        assert_eq!(width(&fit("東京都庁", 5)), 5);
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(tail("abcdef", 4), "…def");
    }

    #[test]
    fn paris_time() {
        let z = Zone::from_iana("Europe/Paris");
        let summer = parse_time("2018-05-14T07:12:55Z").unwrap();
        assert_eq!(short_datetime(z, summer), "14/05 09:12");
        let winter = parse_time("2018-01-14T07:12:55Z").unwrap();
        assert_eq!(short_datetime(z, winter), "14/01 08:12");
        // 2018: summer time from 25 March to 28 October.
        let before = parse_time("2018-03-25T00:59:00Z").unwrap();
        assert_eq!(short_datetime(z, before), "25/03 01:59");
        let after = parse_time("2018-03-25T01:00:00Z").unwrap();
        assert_eq!(short_datetime(z, after), "25/03 03:00");
        assert_eq!(size(2048), "2 Ko");
        // Back to winter time on 28 October 2018 at 01:00 UTC.
        let before = parse_time("2018-10-28T00:59:00Z").unwrap();
        assert_eq!(short_datetime(z, before), "28/10 02:59");
        let after = parse_time("2018-10-28T01:00:00Z").unwrap();
        assert_eq!(short_datetime(z, after), "28/10 02:00");
        assert_eq!(Zone::CentralEurope, z);
    }

    #[test]
    fn every_iana_zone() {
        let t = parse_time("2026-06-14T07:12:00Z").unwrap();
        let w = parse_time("2026-01-14T07:12:00Z").unwrap();
        let cases = [
            ("UTC", "14/06 07:12", "14/01 07:12"),
            ("Europe/London", "14/06 08:12", "14/01 07:12"),
            ("America/Montreal", "14/06 03:12", "14/01 02:12"),
            ("Africa/Dakar", "14/06 07:12", "14/01 07:12"),
            ("Indian/Reunion", "14/06 11:12", "14/01 11:12"),
            ("Asia/Kolkata", "14/06 12:42", "14/01 12:42"),
            ("Australia/Sydney", "14/06 17:12", "14/01 18:12"),
            ("Pacific/Noumea", "14/06 18:12", "14/01 18:12"),
        ];
        for (name, summer, winter) in cases {
            let z = Zone::from_iana(name);
            assert_eq!(short_datetime(z, t), summer, "{name}");
            assert_eq!(short_datetime(z, w), winter, "{name}");
        }
        assert_eq!(Zone::from_iana("Mars/Olympus"), Zone::UTC);
        assert_eq!(Zone::from_iana("UTC"), Zone::UTC);
    }

    #[test]
    fn dst_switch_days_outside_europe() {
        // New York: summer time from 8 March 2026 07:00 UTC (02:00 local).
        let z = Zone::from_iana("America/New_York");
        let before = parse_time("2026-03-08T06:59:00Z").unwrap();
        assert_eq!(short_datetime(z, before), "08/03 01:59");
        let after = parse_time("2026-03-08T07:00:00Z").unwrap();
        assert_eq!(short_datetime(z, after), "08/03 03:00");
        // Paris 2026: from 29 March 01:00 UTC to 25 October 01:00 UTC.
        let p = Zone::PARIS;
        let before = parse_time("2026-03-29T00:59:00Z").unwrap();
        assert_eq!(long_datetime(p, before), "29/03/2026 01:59");
        let after = parse_time("2026-03-29T01:00:00Z").unwrap();
        assert_eq!(long_datetime(p, after), "29/03/2026 03:00");
        let back = parse_time("2026-10-25T01:00:00Z").unwrap();
        assert_eq!(long_datetime(p, back), "25/10/2026 02:00");
    }
}
