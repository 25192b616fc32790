//! French words for what the renderers print: slots ("14h20 – 14h40"),
//! times ("14h20"), dates ("4 juillet 2018"), choice options by their label
//! on the form ("ODD / Agenda 2030", "Appel à coopération"), and the place of
//! an item in the programme ("micro-atelier 14h20, Espace B"). Pure.

use crate::fiche::Kind;
use crate::fiche::Value;
use crate::fiche::spec::{self, FieldType};

/// The slot as printed on the form ("14h20 – 14h40"); see
/// [`crate::domain::slot_label`].
pub fn slot_label(kind: Kind, slot: &str) -> String {
    crate::domain::slot_label(Some(kind), slot)
}

pub use crate::domain::time_fr;

/// A slot shown in a list: the form's label, or "Créneau à préciser".
pub fn slot_or_tbd(kind: Kind, slot: Option<&str>) -> String {
    match slot {
        Some(s) => slot_label(kind, s),
        None => "Créneau à préciser".to_string(),
    }
}

/// The `YYYY-MM-DD` at the head of a date or an RFC 3339 time, when valid.
pub fn iso_date(s: &str) -> Option<(u32, u32, u32)> {
    let head = s.get(..10)?;
    let shape_ok = head.bytes().enumerate().all(|(i, c)| match i {
        4 | 7 => c == b'-',
        _ => c.is_ascii_digit(),
    });
    if !shape_ok {
        return None;
    }
    let y: u32 = head[..4].parse().ok()?;
    let m: u32 = head[5..7].parse().ok()?;
    let d: u32 = head[8..10].parse().ok()?;
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

/// "2018-07-04" (or an RFC 3339 time) → "4 juillet 2018"; "1er" for the
/// first of the month; anything else (a day the calendar does not have
/// included) as written.
pub fn date_fr(s: &str) -> String {
    iso_date(s)
        .and_then(|(y, m, d)| chrono::NaiveDate::from_ymd_opt(y as i32, m, d))
        .map_or_else(|| s.to_string(), crate::domain::date_fr)
}

pub use crate::domain::ordinal_fr;

/// The label of a choice as printed on the form, without its explanation in
/// brackets ("Appel à coopération"); a value that is not an option of the
/// field (an ambiguous answer kept as written) is returned as written.
pub fn choice_label(kind: Option<Kind>, key: &str, value: &str) -> String {
    let field = match kind {
        Some(k) => spec::field(k, key),
        None => spec::common_fields().iter().find(|f| f.key == key),
    };
    if let Some(spec::FieldSpec {
        ty: FieldType::Choice(opts),
        ..
    }) = field
        && let Some(o) = opts.iter().find(|o| o.value == value)
    {
        return short_label(o.label).to_string();
    }
    value.to_string()
}

/// A stored value as staff read it: choice labels in French, booleans as
/// "Oui"/"Non", text as written.
pub fn value_fr(kind: Option<Kind>, key: &str, value: &Value) -> String {
    match value {
        Value::Bool(true) => "Oui".to_string(),
        Value::Bool(false) => "Non".to_string(),
        Value::Text(t) => choice_label(kind, key, t),
    }
}

/// "Appel à coopération (recherche de …)" → "Appel à coopération".
pub fn short_label(label: &str) -> &str {
    label.split(" (").next().unwrap_or(label).trim_end()
}

/// "micro-atelier" / "bourse aux projets", as in the changelog.
pub fn kind_word(kind: Kind) -> &'static str {
    match kind {
        Kind::MicroAtelier => "micro-atelier",
        _ => "bourse aux projets",
    }
}

/// Where an item sits, for the changelog: "14h20, Espace B".
pub fn position_fr(slot: Option<&str>, place: Option<&str>) -> String {
    let slot = slot
        .map(time_fr)
        .unwrap_or_else(|| "créneau à préciser".into());
    match place {
        Some(p) => format!("{slot}, {p}"),
        None => format!("{slot}, lieu à préciser"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_words() {
        assert_eq!(slot_label(Kind::MicroAtelier, "14:20"), "14h20 – 14h40");
        assert_eq!(slot_label(Kind::BourseProjets, "09:30"), "09h30 – 10h00");
        assert_eq!(slot_label(Kind::BourseProjets, "matin"), "matin");
        assert_eq!(date_fr("2018-07-04"), "4 juillet 2018");
        assert_eq!(date_fr("2018-08-01T08:00:00+02:00"), "1er août 2018");
        assert_eq!(date_fr("bientôt"), "bientôt");
        assert_eq!(date_fr("2018-13-01"), "2018-13-01");
        assert_eq!(
            choice_label(Some(Kind::BourseProjets), "request_type", "cooperation"),
            "Appel à coopération"
        );
        assert_eq!(
            choice_label(Some(Kind::MicroAtelier), "theme", "odd"),
            "ODD / Agenda 2030"
        );
        assert_eq!(
            choice_label(Some(Kind::MicroAtelier), "theme", "Climat, Jeunesse"),
            "Climat, Jeunesse"
        );
        assert_eq!(
            value_fr(None, "cuf_member", &Value::Bool(true)),
            "Oui".to_string()
        );
        assert_eq!(ordinal_fr(1), "1re");
        assert_eq!(ordinal_fr(12), "12e");
        assert_eq!(
            position_fr(Some("14:20"), Some("Espace B")),
            "14h20, Espace B"
        );
    }
}
