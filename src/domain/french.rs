//! French words shared by every layer that speaks to people: dates
//! ("1er juillet 2018", "mercredi"), ordinals ("1re", "3e"), slots
//! ("14h20 – 14h40"), the article an organisation's name takes
//! ([`Article`]) and the typography of a text (non-breaking spaces,
//! [`typography`]). One of each, used by the letters, the publication and
//! the console. Pure.

use std::fmt;

use chrono::{Datelike, NaiveDate, NaiveTime};

use crate::fiche::Kind;
use crate::fiche::numfmt::{DAYS, MONTHS};
use crate::fiche::spec;

/// The plural mark of a French noun or past participle: "s" from 2 on
/// ("1 proposition", "0 proposition", "2 propositions").
pub fn plural_s<N: PartialOrd + From<u8>>(n: N) -> &'static str {
    if n > N::from(1) { "s" } else { "" }
}

/// "1 proposition", "3 créneaux": a count and its noun, singular up to 1.
pub fn count<N: PartialOrd + From<u8> + std::fmt::Display>(n: N, one: &str, many: &str) -> String {
    if n > N::from(1) {
        format!("{n} {many}")
    } else {
        format!("{n} {one}")
    }
}

/// "1re", "3e" (any integer type: ranks, counts, positions).
pub fn ordinal_fr(n: impl std::fmt::Display) -> String {
    let n = n.to_string();
    if n == "1" {
        "1re".to_string()
    } else {
        format!("{n}e")
    }
}

/// "4 juillet 2018"; "1er" for the first of the month.
pub fn date_fr(date: NaiveDate) -> String {
    let day = match date.day() {
        1 => "1er".to_string(),
        d => d.to_string(),
    };
    let month = MONTHS[date.month0() as usize];
    format!("{day} {month} {}", date.year())
}

/// "mercredi".
pub fn weekday_fr(date: NaiveDate) -> &'static str {
    DAYS[date.weekday().num_days_from_monday() as usize]
}

/// "14:20" → "14h20"; anything else as written.
pub fn time_fr(slot: &str) -> String {
    let b = slot.as_bytes();
    if b.len() == 5
        && b[2] == b':'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 2 || c.is_ascii_digit())
    {
        format!("{}h{}", &slot[..2], &slot[3..])
    } else {
        slot.to_string()
    }
}

/// What the programme holds, kind by kind: "Au programme : 3
/// micro-ateliers, 1 bourse aux projets, 2 tables rondes" (each kind's
/// heading from the definition, in lower case; 0 for a kind with none).
pub fn programme_counts(accepted: &[(Kind, usize)]) -> String {
    let parts: Vec<String> = accepted
        .iter()
        .map(|(k, n)| {
            let name = if *n > 1 {
                &k.def().plural
            } else {
                &k.def().noun
            };
            format!("{n} {}", name.to_lowercase())
        })
        .collect();
    format!("Au programme : {}", parts.join(", "))
}

/// A slot as people read it: the form's label ("14h20 – 14h40"); a start
/// time the forms do not list (a grid changed in `config.toml`) with its end
/// from the kind's length (20-minute micro-ateliers, 30-minute rendez-vous);
/// just the time ("14h00") when the kind is not known; anything else as
/// written.
pub fn slot_label(kind: Option<Kind>, slot: &str) -> String {
    let Some(kind) = kind else {
        return time_fr(slot);
    };
    let opts = spec::slot_field(kind)
        .and_then(|f| f.ty.options())
        .unwrap_or(&[]);
    let minutes = i64::from(kind.def().programme.minutes);
    if let Some(o) = opts.iter().find(|o| o.value == slot && o.value != "any") {
        return o.label.to_string();
    }
    let Ok(start) = NaiveTime::parse_from_str(slot, "%H:%M") else {
        return slot.to_string();
    };
    let end = start + chrono::Duration::minutes(minutes);
    format!("{} – {}", start.format("%Hh%M"), end.format("%Hh%M"))
}

/// The article an organisation's name takes, as staff can set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Article {
    Le,
    La,
    /// `l'` (elided: "l'Association", "l'Isère").
    L,
    Les,
    /// No article: a proper name ("de Grenoble", "d'Annecy").
    Aucun,
}

impl Article {
    pub const ALL: [Article; 5] = [
        Article::Le,
        Article::La,
        Article::L,
        Article::Les,
        Article::Aucun,
    ];

    /// The stored and typed name: `le`, `la`, `l'`, `les`, `aucun`.
    pub fn as_str(self) -> &'static str {
        match self {
            Article::Le => "le",
            Article::La => "la",
            Article::L => "l'",
            Article::Les => "les",
            Article::Aucun => "aucun",
        }
    }

    /// Reads `le`, `la`, `l'` (or `l’`, `l`), `les`, `aucun` (or `-`, `sans`).
    pub fn parse(s: &str) -> Option<Article> {
        match s.trim().to_lowercase().as_str() {
            "le" => Some(Article::Le),
            "la" => Some(Article::La),
            "l'" | "l’" | "l" => Some(Article::L),
            "les" => Some(Article::Les),
            "aucun" | "-" | "sans" | "none" => Some(Article::Aucun),
            _ => None,
        }
    }
}

impl fmt::Display for Article {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const NBSP: char = '\u{a0}';

/// French typography on a filled text: non-breaking spaces inside « » and
/// before « : ; ! ? », after "n°" and before the dash of a time range, so
/// that no line starts with a closing guillemet or a colon once reflowed;
/// doubled guillemets (a template that quotes `{titre}` itself, a title
/// the fiche already quoted) become one pair.
pub fn typography(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 16);
    let mut i = 0;
    let is_space = |c: char| c == ' ' || c == NBSP || c == '\u{202f}';
    while i < chars.len() {
        let c = chars[i];
        match c {
            '«' => {
                // Skip a second « (with its spaces).
                let mut j = i + 1;
                while j < chars.len() && is_space(chars[j]) {
                    j += 1;
                }
                if j < chars.len() && chars[j] == '«' {
                    i = j;
                    continue;
                }
                out.push('«');
                out.push(NBSP);
                i = j;
            }
            '»' => {
                while out.ends_with(|c: char| is_space(c)) {
                    out.pop();
                }
                if out.ends_with('»') {
                    i += 1;
                    continue;
                }
                out.push(NBSP);
                out.push('»');
                i += 1;
            }
            ':' | ';' | '!' | '?' => {
                // Only after a space already there ("Objet : x"), never in
                // "14:20" or "http://".
                if out.ends_with(|c: char| is_space(c)) {
                    while out.ends_with(|c: char| is_space(c)) {
                        out.pop();
                    }
                    out.push(NBSP);
                }
                out.push(c);
                i += 1;
            }
            '–' if out.ends_with(' ') && out.trim_end().ends_with(|c: char| c.is_ascii_digit()) =>
            {
                out.pop();
                out.push(NBSP);
                out.push(c);
                i += 1;
            }
            ' ' if out.ends_with("n°") => {
                out.push(NBSP);
                i += 1;
            }
            '%' if out.ends_with(|c: char| is_space(c)) => {
                while out.ends_with(|c: char| is_space(c)) {
                    out.pop();
                }
                out.push(NBSP);
                out.push('%');
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    unbroken_dates(&out)
}

/// "4 juillet 2018", "1er juin" kept on one line: the spaces around a
/// month's name between a day number and/or a year become non-breaking.
fn unbroken_dates(text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    if words.len() < 2 {
        return text.to_string();
    }
    let is_day = |w: &str| {
        let w = w.trim_start_matches(['(', '[']);
        let w = w.strip_suffix("er").unwrap_or(w);
        !w.is_empty() && w.len() <= 2 && w.bytes().all(|b| b.is_ascii_digit())
    };
    let is_year = |w: &str| {
        let digits: String = w.chars().take_while(char::is_ascii_digit).collect();
        digits.len() == 4
    };
    let month = |w: &str| {
        let w = w.trim_end_matches([',', '.', ';', ')', '\n']);
        MONTHS.contains(&w)
    };
    let mut out = String::with_capacity(text.len());
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            let prev = words[i - 1];
            let prev = prev.rsplit([NBSP, '\n']).next().unwrap_or(prev);
            let joined = (month(w) && is_day(prev)) || (is_year(w) && month(prev));
            out.push(if joined { NBSP } else { ' ' });
        }
        out.push_str(w);
    }
    out
}

/// "14/05/2018 09:12": a stored RFC 3339 time (any offset) at the time of
/// `zone`, as staff read dates; the text as stored when it does not parse.
pub fn datetime_fr(stored: &str, zone: chrono_tz::Tz) -> String {
    chrono::DateTime::parse_from_rfc3339(stored).map_or_else(
        |_| stored.to_string(),
        |t| t.with_timezone(&zone).format("%d/%m/%Y %H:%M").to_string(),
    )
}

/// "2,3 Mo", "512 Ko", "12 octets": a size with a French decimal comma.
pub fn size_fr(bytes: u64) -> String {
    const KO: f64 = 1024.0;
    let b = bytes as f64;
    if bytes < 1024 {
        count(bytes, "octet", "octets")
    } else if b < KO * KO {
        format!("{} Ko", (b / KO).ceil())
    } else if b < KO * KO * KO {
        format!("{:.1} Mo", b / KO / KO).replace('.', ",")
    } else {
        format!("{:.1} Go", b / KO / KO / KO).replace('.', ",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_from_two_on() {
        assert_eq!(plural_s(0u8), "");
        assert_eq!(plural_s(1u32), "");
        assert_eq!(plural_s(2u64), "s");
        assert_eq!(plural_s(2usize), "s");
        assert_eq!(count(0u32, "lieu", "lieux"), "0 lieu");
        assert_eq!(count(1u32, "lieu", "lieux"), "1 lieu");
        assert_eq!(count(3u32, "créneau", "créneaux"), "3 créneaux");
        assert_eq!(size_fr(2_411_724), "2,3 Mo");
        assert_eq!(size_fr(2048), "2 Ko");
        assert_eq!(
            datetime_fr("2018-05-14T09:12:00+02:00", chrono_tz::Europe::Paris),
            "14/05/2018 09:12"
        );
        assert_eq!(
            datetime_fr("2026-12-06T20:13:24Z", chrono_tz::Europe::Paris),
            "06/12/2026 21:13"
        );
    }

    #[test]
    fn dates_ordinals_and_slots() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(date_fr(d("2018-07-04")), "4 juillet 2018");
        assert_eq!(date_fr(d("2018-08-01")), "1er août 2018");
        assert_eq!(weekday_fr(d("2018-07-04")), "mercredi");
        assert_eq!(weekday_fr(d("2018-07-08")), "dimanche");
        assert_eq!(ordinal_fr(1usize), "1re");
        assert_eq!(ordinal_fr(2i64), "2e");
        assert_eq!(ordinal_fr(12u32), "12e");
        // The form's labels, and the same shape for a slot the form lacks.
        for o in spec::options("micro_atelier_slots")
            .iter()
            .filter(|o| o.value != "any")
        {
            assert_eq!(slot_label(Some(Kind::MicroAtelier), o.value), o.label);
        }
        for o in spec::options("bourse_projets_slots")
            .iter()
            .filter(|o| o.value != "any")
        {
            assert_eq!(slot_label(Some(Kind::BourseProjets), o.value), o.label);
        }
        assert_eq!(
            slot_label(Some(Kind::BourseProjets), "09:30"),
            "09h30 – 10h00"
        );
        assert_eq!(
            slot_label(Some(Kind::MicroAtelier), "09:50"),
            "09h50 – 10h10"
        );
        assert_eq!(slot_label(None, "14:00"), "14h00");
        assert_eq!(slot_label(Some(Kind::MicroAtelier), "matin"), "matin");
        assert_eq!(slot_label(None, "matin"), "matin");
    }
}
