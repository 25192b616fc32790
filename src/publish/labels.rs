//! French words for what the renderers print: slots ("14h20 – 14h40"),
//! times ("14h20"), dates ("4 juillet 2018"), choice options by their label
//! on the form ("ODD / Agenda 2030", "Appel à coopération"), the names of a
//! kind (from the call definition) and the place of an item in the
//! programme ("micro-atelier 14h20, Espace B"). Pure.
//!
//! Kinds are named by their key; everything about them (labels, options,
//! programme) is read from the call definition (`crate::call`).

use crate::call::{self, FieldTypeName, KindDef};
use crate::fiche::Kind;
use crate::fiche::Value;

/// The slot as printed on the form ("14h20 – 14h40"): see
/// [`crate::domain::slot_label`]; for a kind the domain does not know
/// yet, the slot field's option label, else start – start + the
/// programme's minutes.
pub fn slot_label(kind: &str, slot: &str) -> String {
    if let Some(k) = Kind::from_key(kind) {
        return crate::domain::slot_label(Some(k), slot);
    }
    let Some(def) = call::kind_def(kind) else {
        return crate::domain::slot_label(None, slot);
    };
    if let Some(f) = def
        .slot_field
        .as_deref()
        .and_then(|f| call::field_def(kind, f))
        && let Some(o) = call::options_of(f)
            .iter()
            .find(|o| o.value == slot && o.value != "any")
    {
        return o.label.clone();
    }
    match chrono::NaiveTime::parse_from_str(slot, "%H:%M") {
        Ok(start) => {
            let end = start + chrono::Duration::minutes(i64::from(def.programme.minutes));
            format!("{} – {}", start.format("%Hh%M"), end.format("%Hh%M"))
        }
        Err(_) => slot.to_string(),
    }
}

pub use crate::domain::time_fr;

/// A slot shown in a list: the form's label, or "Créneau à préciser".
pub fn slot_or_tbd(kind: &str, slot: Option<&str>) -> String {
    match slot {
        Some(s) => slot_label(kind, s),
        None => "Créneau à préciser".to_string(),
    }
}

/// The definition of kind `key`; a kind the definition does not have
/// (a proposal stored under an older call) gets a stand-in named by its
/// key, with no field and no programme.
pub fn kind_def(key: &str) -> &'static KindDef {
    if let Some(k) = call::kind_def(key) {
        return k;
    }
    static UNKNOWN: std::sync::Mutex<Vec<&'static KindDef>> = std::sync::Mutex::new(Vec::new());
    let mut known = UNKNOWN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(k) = known.iter().find(|k| k.key == key) {
        return k;
    }
    let k: &'static KindDef = Box::leak(Box::new(KindDef {
        key: key.to_string(),
        label: key.to_string(),
        short: key.chars().take(8).collect(),
        noun: key.to_string(),
        plural: key.to_string(),
        letters: None,
        title: String::new(),
        title_names: Default::default(),
        distinctive: Vec::new(),
        fields: Vec::new(),
        slot_field: None,
        member_field: None,
        title_field: String::new(),
        public_fields: Vec::new(),
        theme_field: None,
        wording: Default::default(),
        description_field: None,
        programme: call::ProgrammeDef {
            slots: Vec::new(),
            minutes: 0,
            places: Vec::new(),
            place_word: "lieu".to_string(),
        },
    }));
    known.push(k);
    k
}

/// The keys of the kinds of the definition, in its order.
pub fn kind_keys() -> impl Iterator<Item = &'static str> {
    call::current().kinds.iter().map(|k| k.key.as_str())
}

/// "Espace", "Table": the place word of a kind, capitalised.
pub fn place_heading(kind: &str) -> String {
    capitalise(&kind_def(kind).programme.place_word)
}

/// The first letter in capitals.
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The first letter in lower case ("Thématique" → "thématique").
pub fn uncapitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A name for files, CSS classes and ids: lower-case ASCII letters and
/// digits, runs of anything else as one `-` ("Bourse aux projets" →
/// "bourse-aux-projets", "micro_atelier" → "micro-atelier").
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' => 'i',
            'ô' | 'ö' | 'ó' | 'õ' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
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
/// brackets ("Appel à coopération"); several choices (stored
/// comma-separated) each by its label; a value that is not an option of the
/// field (an ambiguous answer kept as written) is returned as written.
pub fn choice_label(kind: Option<&str>, key: &str, value: &str) -> String {
    let field = match kind {
        Some(k) => call::field_def(k, key),
        None => call::current().fields.iter().find(|f| f.key() == key),
    };
    let Some(field) = field else {
        return value.to_string();
    };
    let opts = call::options_of(field);
    let one = |v: &str| {
        opts.iter()
            .find(|o| o.value == v)
            .map(|o| short_label(&o.label).to_string())
    };
    if let Some(l) = one(value) {
        return l;
    }
    if field.ty == FieldTypeName::Choices && value.contains(',') {
        let parts: Vec<Option<String>> = value.split(',').map(|v| one(v.trim())).collect();
        if parts.iter().all(Option::is_some) {
            return parts.into_iter().flatten().collect::<Vec<_>>().join(", ");
        }
    }
    value.to_string()
}

/// A stored value as staff read it: choice labels in French, booleans as
/// "Oui"/"Non", text as written.
pub fn value_fr(kind: Option<&str>, key: &str, value: &Value) -> String {
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

/// The kind's noun, as in the changelog ("micro-atelier").
pub fn kind_word(kind: &str) -> &'static str {
    &kind_def(kind).noun
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

    const MICRO: &str = "micro_atelier";
    const BOURSE: &str = "bourse_projets";

    #[test]
    fn french_words() {
        assert_eq!(slot_label(MICRO, "14:20"), "14h20 – 14h40");
        assert_eq!(slot_label(BOURSE, "09:30"), "09h30 – 10h00");
        assert_eq!(slot_label(BOURSE, "matin"), "matin");
        assert_eq!(date_fr("2018-07-04"), "4 juillet 2018");
        assert_eq!(date_fr("2018-08-01T08:00:00+02:00"), "1er août 2018");
        assert_eq!(date_fr("bientôt"), "bientôt");
        assert_eq!(date_fr("2018-13-01"), "2018-13-01");
        assert_eq!(
            choice_label(Some(BOURSE), "request_type", "cooperation"),
            "Appel à coopération"
        );
        assert_eq!(
            choice_label(Some(MICRO), "theme", "odd"),
            "ODD / Agenda 2030"
        );
        assert_eq!(
            choice_label(Some(MICRO), "theme", "Climat, Jeunesse"),
            "Climat, Jeunesse"
        );
        assert_eq!(
            value_fr(None, "cuf_member", &Value::Bool(true)),
            "Oui".to_string()
        );
        assert_eq!(kind_word(BOURSE), "bourse aux projets");
        assert_eq!(place_heading(MICRO), "Espace");
        assert_eq!(slug("Bourse aux projets"), "bourse-aux-projets");
        assert_eq!(slug("micro_atelier"), "micro-atelier");
        assert_eq!(slug("  Tables rondes (été) "), "tables-rondes-ete");
        assert_eq!(kind_word("inconnu"), "inconnu");
        assert_eq!(ordinal_fr(1), "1re");
        assert_eq!(ordinal_fr(12), "12e");
        assert_eq!(
            position_fr(Some("14:20"), Some("Espace B")),
            "14h20, Espace B"
        );
    }
}
