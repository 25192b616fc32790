//! Spreadsheet number formats: a number as the cell shows it. A phone
//! number typed as a number and formatted `00 00 00 00 00` shows
//! `05 94 28 28 28`; a time shows `14:20`; a date shows `08/06/2018`. The
//! reader keeps what people see, not the stored number.
//!
//! The display follows a French Excel: decimal comma, space as thousands
//! separator, French month and day names, and the locale's short date
//! (`jj/mm/aaaa`) for the built-in date formats. Conditions (`[>100]`),
//! fractions (`# ?/?`) and scientific notation fall back to the general
//! format, which is also what a cell without a format shows.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};

use super::model::Typed;

/// The number `v` as a cell with format `code` (built-in id `id`) shows it,
/// and what kind of value it is. `date1904`: the workbook counts days from
/// 1904 (old Mac Excel).
pub fn render(v: f64, code: &str, id: Option<u32>, date1904: bool) -> (String, Typed) {
    if !v.is_finite() {
        return (general(v), Typed::Number(v));
    }
    let code = match id {
        // The locale's short date and date-time: French in France.
        Some(14) => "dd/mm/yyyy",
        Some(22) => "dd/mm/yyyy hh:mm",
        _ => code,
    };
    let sections = split_sections(code);
    let (section, negated) = pick_section(&sections, v);
    let tokens = tokenize(section);
    let has_date = tokens.iter().any(|t| {
        matches!(
            t,
            Tok::Year(_) | Tok::Month(_) | Tok::Day(_) | Tok::Weekday(_)
        )
    });
    let has_time = tokens.iter().any(|t| {
        matches!(
            t,
            Tok::Hour(_) | Tok::Minute(_) | Tok::Second(_) | Tok::Elapsed(..) | Tok::AmPm(_)
        )
    });
    if has_date || has_time {
        if let Some(text) = render_date(v, &tokens, date1904) {
            let typed = if has_date {
                Typed::Date(v)
            } else {
                Typed::Time(v)
            };
            return (text, typed);
        }
        return (general(v), Typed::Number(v));
    }
    let text =
        render_number(if negated { v.abs() } else { v }, &tokens).unwrap_or_else(|| general(v));
    (text, Typed::Number(v))
}

/// The general format: integers in full, other numbers with up to ten
/// significant digits, decimal comma.
pub fn general(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let digits = (10 - (v.abs().log10().floor() as i32 + 1)).clamp(0, 10) as usize;
    let s = format!("{v:.digits$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    s.replace('.', ",")
}

/// Splits a format code at `;` outside quotes, brackets and escapes.
fn split_sections(code: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted, mut bracket, mut escaped) = (0, false, false, false);
    for (i, c) in code.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if !quoted => escaped = true,
            '"' => quoted = !quoted,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            ';' if !quoted && !bracket => {
                out.push(&code[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&code[start..]);
    out
}

/// The section that formats `v`, and whether its sign is shown by the
/// section itself (the negative section) rather than by a minus.
fn pick_section<'c>(sections: &[&'c str], v: f64) -> (&'c str, bool) {
    match sections.len() {
        0 => ("General", false),
        1 => (sections[0], false),
        2 => {
            if v < 0.0 {
                (sections[1], true)
            } else {
                (sections[0], false)
            }
        }
        _ => {
            if v < 0.0 {
                (sections[1], true)
            } else if v == 0.0 {
                (sections[2], false)
            } else {
                (sections[0], false)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Lit(String),
    /// A digit placeholder: `0`, `#` or `?`.
    Digit(char),
    Point,
    Comma,
    Percent,
    Year(usize),
    Month(usize),
    Day(usize),
    Weekday(usize),
    Hour(usize),
    Minute(usize),
    Second(usize),
    /// `[h]`, `[mm]`, `[ss]`: elapsed time, by unit letter and width.
    Elapsed(char, usize),
    /// Fractions of a second after a `.` in a time: number of digits.
    SubSecond(usize),
    /// `AM/PM` (true) or `A/P` (false).
    AmPm(bool),
    General,
    /// Anything that this module does not render (scientific, fractions).
    Unsupported,
}

fn tokenize(section: &str) -> Vec<Tok> {
    let chars: Vec<char> = section.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let run = |i: usize, c: char| {
        chars[i..]
            .iter()
            .take_while(|x| x.eq_ignore_ascii_case(&c))
            .count()
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|x| *x == '"')
                    .map_or(chars.len(), |p| i + 1 + p);
                out.push(Tok::Lit(chars[i + 1..end].iter().collect()));
                i = end + 1;
            }
            '\\' => {
                if let Some(n) = chars.get(i + 1) {
                    out.push(Tok::Lit(n.to_string()));
                }
                i += 2;
            }
            '_' => {
                out.push(Tok::Lit(" ".into()));
                i += 2;
            }
            '*' => i += 2,
            '[' => {
                let end = chars[i..]
                    .iter()
                    .position(|x| *x == ']')
                    .map_or(chars.len(), |p| i + p);
                let inner: String = chars[i + 1..end].iter().collect();
                let lower = inner.to_ascii_lowercase();
                if !lower.is_empty() && lower.chars().all(|x| matches!(x, 'h' | 'm' | 's')) {
                    let unit = lower.chars().next().unwrap_or('h');
                    out.push(Tok::Elapsed(unit, lower.len()));
                } else if lower.starts_with('<') || lower.starts_with('>') || lower.starts_with('=')
                {
                    out.push(Tok::Unsupported);
                } else if let Some(rest) = inner.strip_prefix('$') {
                    // [$€-40C]: a currency symbol before the locale.
                    let symbol: String = rest.chars().take_while(|x| *x != '-').collect();
                    if !symbol.is_empty() {
                        out.push(Tok::Lit(symbol));
                    }
                }
                // Colours ([Red]) and other tags show nothing.
                i = end + 1;
            }
            '0' | '#' | '?' => {
                out.push(Tok::Digit(c));
                i += 1;
            }
            '.' => {
                let n = chars[i + 1..].iter().take_while(|x| **x == '0').count();
                let after_seconds = out.iter().rev().find(|t| !matches!(t, Tok::Lit(_)));
                if n > 0 && matches!(after_seconds, Some(Tok::Second(_) | Tok::Elapsed('s', _))) {
                    out.push(Tok::SubSecond(n));
                    i += 1 + n;
                } else {
                    out.push(Tok::Point);
                    i += 1;
                }
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            '%' => {
                out.push(Tok::Percent);
                i += 1;
            }
            'E' | 'e' if matches!(chars.get(i + 1), Some('+' | '-')) => {
                out.push(Tok::Unsupported);
                i += 2;
            }
            '/' if out.iter().any(|t| matches!(t, Tok::Digit(_))) => {
                out.push(Tok::Unsupported);
                i += 1;
            }
            '@' => {
                out.push(Tok::Lit(String::new()));
                i += 1;
            }
            'G' | 'g'
                if chars[i..]
                    .iter()
                    .take(7)
                    .collect::<String>()
                    .eq_ignore_ascii_case("general") =>
            {
                out.push(Tok::General);
                i += 7;
            }
            _ if c.eq_ignore_ascii_case(&'y') => {
                let n = run(i, c);
                out.push(Tok::Year(n));
                i += n;
            }
            _ if c.eq_ignore_ascii_case(&'d') => {
                let n = run(i, c);
                out.push(if n >= 3 { Tok::Weekday(n) } else { Tok::Day(n) });
                i += n;
            }
            _ if c.eq_ignore_ascii_case(&'h') => {
                let n = run(i, c);
                out.push(Tok::Hour(n));
                i += n;
            }
            _ if c.eq_ignore_ascii_case(&'s') => {
                let n = run(i, c);
                out.push(Tok::Second(n));
                i += n;
            }
            _ if c.eq_ignore_ascii_case(&'m') => {
                let n = run(i, c);
                out.push(Tok::Month(n));
                i += n;
            }
            _ if c.eq_ignore_ascii_case(&'a') => {
                let rest: String = chars[i..].iter().take(5).collect::<String>().to_uppercase();
                if rest.starts_with("AM/PM") {
                    out.push(Tok::AmPm(true));
                    i += 5;
                } else if rest.starts_with("A/P") {
                    out.push(Tok::AmPm(false));
                    i += 3;
                } else {
                    out.push(Tok::Lit(c.to_string()));
                    i += 1;
                }
            }
            _ => {
                out.push(Tok::Lit(c.to_string()));
                i += 1;
            }
        }
    }
    // `m` after an hour or before a second is minutes.
    for k in 0..out.len() {
        if let Tok::Month(n) = out[k] {
            let prev = out[..k].iter().rev().find(|t| !matches!(t, Tok::Lit(_)));
            let next = out[k + 1..].iter().find(|t| !matches!(t, Tok::Lit(_)));
            if matches!(prev, Some(Tok::Hour(_) | Tok::Elapsed('h', _)))
                || matches!(next, Some(Tok::Second(_) | Tok::Elapsed('s', _)))
            {
                out[k] = Tok::Minute(n);
            }
        }
    }
    out
}

/// French month names, January first (the one table the crate uses).
pub const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_SHORT: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
];
/// French weekday names, Monday first.
pub const DAYS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const DAYS_SHORT: [&str; 7] = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."];

/// The date and time of a serial day number.
pub fn serial_datetime(v: f64, date1904: bool) -> Option<NaiveDateTime> {
    if !(0.0..=2_958_466.0).contains(&v) {
        return None;
    }
    let days = v.floor() as i64;
    let seconds = ((v - v.floor()) * 86_400.0).round() as i64;
    let base = if date1904 {
        NaiveDate::from_ymd_opt(1904, 1, 1)?
    } else if days < 60 {
        // Before Excel's fictitious 29 February 1900.
        NaiveDate::from_ymd_opt(1899, 12, 31)?
    } else {
        NaiveDate::from_ymd_opt(1899, 12, 30)?
    };
    base.and_hms_opt(0, 0, 0)?
        .checked_add_signed(Duration::days(days))?
        .checked_add_signed(Duration::seconds(seconds))
}

fn render_date(v: f64, tokens: &[Tok], date1904: bool) -> Option<String> {
    let dt = serial_datetime(v, date1904)?;
    let has_ampm = tokens.iter().any(|t| matches!(t, Tok::AmPm(_)));
    let mut out = String::new();
    for t in tokens {
        match t {
            Tok::Lit(s) => out.push_str(s),
            Tok::Year(n) => {
                if *n <= 2 {
                    out.push_str(&format!("{:02}", dt.year() % 100));
                } else {
                    out.push_str(&format!("{:04}", dt.year()));
                }
            }
            Tok::Month(n) => {
                let m = dt.month0() as usize;
                match n {
                    1 => out.push_str(&(m + 1).to_string()),
                    2 => out.push_str(&format!("{:02}", m + 1)),
                    3 => out.push_str(MONTHS_SHORT[m]),
                    5 => out.push_str(&MONTHS[m][..1]),
                    _ => out.push_str(MONTHS[m]),
                }
            }
            Tok::Day(n) => {
                if *n == 1 {
                    out.push_str(&dt.day().to_string());
                } else {
                    out.push_str(&format!("{:02}", dt.day()));
                }
            }
            Tok::Weekday(n) => {
                let d = dt.weekday().num_days_from_monday() as usize;
                out.push_str(if *n == 3 { DAYS_SHORT[d] } else { DAYS[d] });
            }
            Tok::Hour(n) => {
                let mut h = dt.hour();
                if has_ampm {
                    h %= 12;
                    if h == 0 {
                        h = 12;
                    }
                }
                if *n >= 2 {
                    out.push_str(&format!("{h:02}"));
                } else {
                    out.push_str(&h.to_string());
                }
            }
            Tok::Minute(n) => {
                if *n >= 2 {
                    out.push_str(&format!("{:02}", dt.minute()));
                } else {
                    out.push_str(&dt.minute().to_string());
                }
            }
            Tok::Second(n) => {
                if *n >= 2 {
                    out.push_str(&format!("{:02}", dt.second()));
                } else {
                    out.push_str(&dt.second().to_string());
                }
            }
            Tok::Elapsed(unit, width) => {
                let total = (v * 86_400.0).round() as i64;
                let n = match unit {
                    'h' => total / 3600,
                    'm' => total / 60,
                    _ => total,
                };
                out.push_str(&format!("{n:0width$}", width = *width));
            }
            Tok::SubSecond(n) => {
                let frac = (v * 86_400.0).fract();
                let digits = format!("{:.*}", *n, frac);
                out.push(',');
                out.push_str(digits.get(2..).unwrap_or_default());
            }
            Tok::AmPm(long) => {
                let pm = dt.hour() >= 12;
                out.push_str(match (long, pm) {
                    (true, false) => "AM",
                    (true, true) => "PM",
                    (false, false) => "A",
                    (false, true) => "P",
                });
            }
            Tok::Point => out.push(','),
            Tok::Comma => out.push(','),
            Tok::Percent => out.push('%'),
            Tok::Digit(_) | Tok::General | Tok::Unsupported => return None,
        }
    }
    Some(out)
}

fn render_number(mut v: f64, tokens: &[Tok]) -> Option<String> {
    if tokens.iter().any(|t| matches!(t, Tok::Unsupported)) {
        return None;
    }
    if tokens.iter().any(|t| matches!(t, Tok::General)) {
        let mut out = String::new();
        for t in tokens {
            match t {
                Tok::General => out.push_str(&general(v)),
                Tok::Lit(s) => out.push_str(s),
                _ => return None,
            }
        }
        return Some(out);
    }
    let Some(first_digit) = tokens.iter().position(|t| matches!(t, Tok::Digit(_))) else {
        // Only literals: the number is not shown at all.
        return Some(
            tokens
                .iter()
                .map(|t| match t {
                    Tok::Lit(s) => s.as_str(),
                    _ => "",
                })
                .collect(),
        );
    };
    let last_digit = tokens
        .iter()
        .rposition(|t| matches!(t, Tok::Digit(_)))
        .unwrap_or(first_digit);
    let point = tokens[first_digit..=last_digit]
        .iter()
        .position(|t| matches!(t, Tok::Point))
        .map(|p| p + first_digit);
    for t in tokens {
        if matches!(t, Tok::Percent) {
            v *= 100.0;
        }
    }
    // Commas right after the last digit placeholder divide by a thousand.
    let mut k = last_digit + 1;
    while matches!(tokens.get(k), Some(Tok::Comma)) {
        v /= 1000.0;
        k += 1;
    }
    let int_end = point.unwrap_or(last_digit + 1);
    let grouping = tokens[first_digit..int_end]
        .iter()
        .any(|t| matches!(t, Tok::Comma));
    let decimals = point.map_or(0, |p| {
        tokens[p..=last_digit]
            .iter()
            .filter(|t| matches!(t, Tok::Digit(_)))
            .count()
    });
    let negative = v < 0.0;
    let rounded = format!("{:.*}", decimals, v.abs());
    let (int_digits, frac_digits) = match rounded.split_once('.') {
        Some((i, f)) => (i.to_string(), f.to_string()),
        None => (rounded.clone(), String::new()),
    };
    let int_digits = if int_digits == "0" {
        String::new()
    } else {
        int_digits
    };

    // Integer part: placeholders filled from the right, literals in place.
    let int_tokens = &tokens[first_digit..int_end];
    let placeholders = int_tokens
        .iter()
        .filter(|t| matches!(t, Tok::Digit(_)))
        .count();
    let mut digits: Vec<char> = int_digits.chars().collect();
    let mut int_out: Vec<String> = Vec::new();
    let mut seen = 0usize;
    for t in int_tokens.iter().rev() {
        match t {
            Tok::Digit(p) => {
                seen += 1;
                let mut piece = String::new();
                if seen == placeholders {
                    // The first placeholder takes every digit left.
                    let rest: String = digits.iter().collect();
                    digits.clear();
                    piece = if rest.is_empty() {
                        placeholder(*p)
                    } else {
                        rest
                    };
                } else if let Some(d) = digits.pop() {
                    piece.push(d);
                } else {
                    piece = placeholder(*p);
                }
                int_out.push(piece);
            }
            Tok::Lit(s) => int_out.push(s.clone()),
            _ => {}
        }
    }
    int_out.reverse();
    let mut int_text: String = int_out.concat();
    if grouping {
        int_text = group(&int_text);
    }

    let mut out = String::new();
    if negative {
        out.push('-');
    }
    for t in &tokens[..first_digit] {
        match t {
            Tok::Lit(s) => out.push_str(s),
            Tok::Percent => out.push('%'),
            _ => {}
        }
    }
    out.push_str(&int_text);
    if let Some(p) = point {
        let frac_tokens = &tokens[p + 1..=last_digit];
        let mut frac = frac_digits.chars();
        let mut frac_out = String::new();
        for t in frac_tokens {
            match t {
                Tok::Digit(_) => frac_out.push(frac.next().unwrap_or('0')),
                Tok::Lit(s) => frac_out.push_str(s),
                _ => {}
            }
        }
        // Trailing `#`/`?` placeholders show no trailing zero.
        let optional = frac_tokens
            .iter()
            .rev()
            .take_while(|t| matches!(t, Tok::Digit('#' | '?')))
            .count();
        for _ in 0..optional {
            if frac_out.ends_with('0') {
                frac_out.pop();
            } else {
                break;
            }
        }
        out.push(',');
        out.push_str(&frac_out);
    }
    for t in &tokens[last_digit + 1..] {
        match t {
            Tok::Lit(s) => out.push_str(s),
            Tok::Percent => out.push('%'),
            _ => {}
        }
    }
    Some(out)
}

fn placeholder(p: char) -> String {
    match p {
        '0' => "0".into(),
        '?' => " ".into(),
        _ => String::new(),
    }
}

/// Groups the digits of an integer text by three (French separator).
fn group(digits: &str) -> String {
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return digits.to_string();
    }
    let n = digits.len();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(3) {
            out.push('\u{202F}');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(v: f64, code: &str) -> String {
        render(v, code, None, false).0
    }

    #[test]
    fn phone_numbers_as_formatted() {
        assert_eq!(show(594282828.0, "00 00 00 00 00"), "05 94 28 28 28");
        assert_eq!(show(594282828.0, "0# ## ## ## ##"), "05 94 28 28 28");
        assert_eq!(
            show(33476003838.0, "+00 0 00 00 00 00"),
            "+33 4 76 00 38 38"
        );
        assert_eq!(show(594282828.0, "0000000000"), "0594282828");
        assert_eq!(show(594282828.0, "General"), "594282828");
        assert_eq!(show(594282828.0, "\"0\"#########"), "0594282828");
        assert_eq!(
            show(221338891100.0, "\"+\"000 00 000 00 00"),
            "+221 33 889 11 00"
        );
    }

    #[test]
    fn numbers_in_french() {
        assert_eq!(show(1.5, "General"), "1,5");
        assert_eq!(show(1234.5, "#,##0.00"), "1\u{202F}234,50");
        assert_eq!(show(0.25, "0%"), "25%");
        assert_eq!(show(12.0, "0.0#"), "12,0");
        assert_eq!(show(-3.0, "0;(0)"), "(3)");
        assert_eq!(show(42.0, "0\" €\""), "42 €");
        assert_eq!(general(1.0 / 3.0), "0,3333333333");
    }

    #[test]
    fn dates_and_times() {
        // 8 June 2018 = serial 43259.
        assert_eq!(show(43259.0, "dd/mm/yyyy"), "08/06/2018");
        assert_eq!(render(43259.0, "mm-dd-yy", Some(14), false).0, "08/06/2018");
        assert_eq!(show(43259.0, "d mmmm yyyy"), "8 juin 2018");
        assert_eq!(show(43259.0, "dddd d mmm"), "vendredi 8 juin");
        let (t, typed) = render(14.0 / 24.0 + 20.0 / 1440.0, "h:mm", Some(20), false);
        assert_eq!(t, "14:20");
        assert!(matches!(typed, Typed::Time(_)));
        assert_eq!(show(14.0 / 24.0 + 20.0 / 1440.0, "hh\"h\"mm"), "14h20");
        assert_eq!(show(14.0 / 24.0, "h:mm AM/PM"), "2:00 PM");
        assert_eq!(show(1.5, "[h]:mm"), "36:00");
        let (t, typed) = render(43259.5, "dd/mm/yyyy hh:mm", None, false);
        assert_eq!(t, "08/06/2018 12:00");
        assert!(matches!(typed, Typed::Date(_)));
        assert_eq!(show(0.0, "dd/mm/yyyy"), "31/12/1899");
    }

    #[test]
    fn unsupported_falls_back_to_general() {
        assert_eq!(show(12345.0, "0.00E+00"), "12345");
        assert_eq!(show(0.5, "# ?/?"), "0,5");
        assert_eq!(show(5.0, "[>100]0;0.0"), "5");
    }
}
