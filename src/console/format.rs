//! Small pure helpers for the console: folding text for search (lower
//! case, no accents), cutting text to a display width (wide and combining
//! characters counted as the terminal shows them), and dates in the
//! event's time zone.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use unicode_width::UnicodeWidthChar;
use unicode_width::UnicodeWidthStr;

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

/// The time zone the console shows dates in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// Central European time with EU summer time (Europe/Paris and its
    /// neighbours): UTC+1, UTC+2 from the last Sunday of March 01:00 UTC to
    /// the last Sunday of October 01:00 UTC.
    CentralEurope,
    Utc,
}

impl Zone {
    /// From the IANA name of `config.toml`'s `[event] timezone`.
    pub fn from_iana(name: &str) -> Zone {
        const CET: &[&str] = &[
            "Europe/Paris",
            "Europe/Brussels",
            "Europe/Luxembourg",
            "Europe/Monaco",
            "Europe/Berlin",
            "Europe/Madrid",
            "Europe/Rome",
            "Europe/Amsterdam",
            "CET",
        ];
        if CET.contains(&name) {
            Zone::CentralEurope
        } else {
            Zone::Utc
        }
    }

    pub fn local(self, t: DateTime<Utc>) -> NaiveDateTime {
        match self {
            Zone::Utc => t.naive_utc(),
            Zone::CentralEurope => {
                let y = t.year();
                let start = last_sunday_0100_utc(y, 3);
                let end = last_sunday_0100_utc(y, 10);
                let hours = if t >= start && t < end { 2 } else { 1 };
                (t + Duration::hours(hours)).naive_utc()
            }
        }
    }
}

fn last_sunday_0100_utc(year: i32, month: u32) -> DateTime<Utc> {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    let last = next.and_then(|d| d.pred_opt()).unwrap_or(NaiveDate::MIN);
    let back = last.weekday().num_days_from_sunday() as i64;
    let day = last - Duration::days(back);
    Utc.from_utc_datetime(&day.and_hms_opt(1, 0, 0).unwrap_or_default())
}

/// Parses a stored RFC 3339 time.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
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

/// "il y a 3 min" from `now`.
pub fn ago(now: DateTime<Utc>, t: DateTime<Utc>) -> String {
    let s = (now - t).num_seconds();
    if s < 0 {
        "à l'instant".into()
    } else if s < 60 {
        format!("il y a {s} s")
    } else if s < 3600 {
        format!("il y a {} min", s / 60)
    } else if s < 86_400 {
        format!("il y a {} h", s / 3600)
    } else {
        format!("il y a {} j", s / 86_400)
    }
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
    }
}
