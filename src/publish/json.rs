//! The public lists as JSON (`programme.json`), for other tools: the same
//! data as the HTML and CSV, nothing staff-only (no waiting list, no
//! contact, no internal key). UTF-8, pretty-printed, keys in this order.
//! Text is as written in the fiche (JSON escapes control characters as
//! `\u001b`…); consumers that put it into HTML or a spreadsheet must escape
//! or neutralise it themselves.
//!
//! One entry per kind of the call definition, in its order (version 2 of
//! the shape; version 1 had two fixed lists, `micro_ateliers` and
//! `bourse_aux_projets`, with the 2018 fields as members):
//!
//! ```text
//! {
//!   "format": "fiches-programme/2",   shape version
//!   "draft": false,                   true for a draft ("Document de travail")
//!   "publication": 3,                 publication number; null for a draft
//!   "taken_at": "2018-05-28T08:00:00+02:00",
//!   "event": { "name": …, "date": "2018-07-04", "venue": … },
//!   "kinds": [
//!     { "key": "micro_atelier",       the kind's key in the call definition
//!       "label": "Micro-atelier",     its name
//!       "heading": "Micro-ateliers",  the heading of its list
//!       "place_word": "espace",       what a place is called
//!       "columns": [ { "key": "project_title", "label": "Titre" }, … ],
//!       "items": [
//!         { "id": 1, "slot": "14:20", "slot_label": "14h20 – 14h40",
//!           "place": "Espace B", "organisation": "Ville de Saint-Étienne",
//!           "fields": [ { "key": "theme", "label": "Thématique",
//!                         "value": "odd",          as stored
//!                         "text": "ODD / Agenda 2030" },  as printed
//!                       … ] } ] } ]
//! }
//! ```

use serde::Serialize;

use super::labels::slot_label;
use super::snapshot::{PublicField, Snapshot};
use super::{Edition, Event, PublishError};

/// The shape's name and version.
pub const FORMAT: &str = "fiches-programme/2";

#[derive(Serialize)]
struct Doc<'a> {
    format: &'static str,
    draft: bool,
    publication: Option<u32>,
    taken_at: &'a str,
    event: &'a Event,
    kinds: Vec<KindDoc<'a>>,
}

#[derive(Serialize)]
struct KindDoc<'a> {
    key: &'a str,
    label: &'a str,
    heading: &'a str,
    place_word: &'a str,
    columns: Vec<Column>,
    items: Vec<Item<'a>>,
}

#[derive(Serialize)]
struct Column {
    key: String,
    label: String,
}

#[derive(Serialize)]
struct Item<'a> {
    id: i64,
    slot: Option<&'a str>,
    slot_label: Option<String>,
    place: Option<&'a str>,
    organisation: Option<&'a str>,
    fields: &'a [PublicField],
}

/// `programme.json` of `snapshot`.
pub fn programme(snapshot: &Snapshot, edition: Edition) -> Result<String, PublishError> {
    let kinds = snapshot
        .kinds
        .iter()
        .map(|section| {
            let def = section.def();
            KindDoc {
                key: &section.kind,
                label: &def.label,
                heading: &def.plural,
                place_word: &def.programme.place_word,
                columns: def
                    .public_fields
                    .iter()
                    .zip(section.headings())
                    .map(|(key, label)| Column {
                        key: key.clone(),
                        label,
                    })
                    .collect(),
                items: section
                    .accepted
                    .iter()
                    .map(|m| Item {
                        id: m.id,
                        slot: m.slot.as_deref(),
                        slot_label: m.slot.as_deref().map(|s| slot_label(&section.kind, s)),
                        place: m.place.as_deref(),
                        organisation: m.organisation.as_deref(),
                        fields: &m.fields,
                    })
                    .collect(),
            }
        })
        .collect();
    let doc = Doc {
        format: FORMAT,
        draft: edition.is_draft(),
        publication: match edition {
            Edition::Draft => None,
            Edition::Final { number } => Some(number),
        },
        taken_at: &snapshot.taken_at,
        event: &snapshot.event,
        kinds,
    };
    let mut s = crate::safe::json_escaped(serde_json::to_string_pretty(&doc)?);
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Layout;
    use crate::publish::tests::sample_entries;

    #[test]
    fn public_json_shape() {
        let s = Snapshot::build(
            &sample_entries(),
            &Layout::spec_default(),
            &Event::spec_default(),
            "2018-05-28T08:00:00+02:00",
        );
        let out = programme(&s, Edition::Final { number: 3 }).unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["format"], "fiches-programme/2");
        assert_eq!(v["publication"], 3);
        assert_eq!(v["draft"], false);
        assert_eq!(v["event"]["date"], "2018-07-04");
        let micro = &v["kinds"][0];
        assert_eq!(micro["key"], "micro_atelier");
        assert_eq!(micro["heading"], "Micro-ateliers");
        assert_eq!(micro["place_word"], "espace");
        assert_eq!(
            micro["columns"],
            serde_json::json!([
                {"key": "project_title", "label": "Titre"},
                {"key": "organisation", "label": "Organisation"},
                {"key": "country", "label": "Pays"},
                {"key": "theme", "label": "Thématique"},
            ])
        );
        assert_eq!(
            micro["items"][1],
            serde_json::json!({
                "id": 1, "slot": "14:20", "slot_label": "14h20 – 14h40",
                "place": "Espace B", "organisation": "Ville de Saint-Étienne",
                "fields": [
                    {"key": "project_title", "label": "Titre",
                     "value": "Un guide du financement de l'AICT",
                     "text": "Un guide du financement de l'AICT"},
                    {"key": "organisation", "label": "Organisation",
                     "value": "Ville de Saint-Étienne", "text": "Ville de Saint-Étienne"},
                    {"key": "country", "label": "Pays", "value": "France", "text": "France"},
                    {"key": "theme", "label": "Thématique",
                     "value": "odd", "text": "ODD / Agenda 2030"},
                ]
            })
        );
        let bourse = &v["kinds"][1];
        assert_eq!(bourse["heading"], "Bourse aux projets");
        assert_eq!(bourse["items"][0]["place"], "Table 1");
        assert_eq!(bourse["items"][0]["slot_label"], "12h45 – 13h15");
        assert_eq!(
            bourse["items"][0]["fields"][4],
            serde_json::json!({"key": "request_type", "label": "Type de demande",
                "value": "cooperation", "text": "Appel à coopération"})
        );
        // Nothing staff-only.
        assert!(!out.contains("Ville de Lyon"));
        assert!(!out.contains("waitlist"));
        assert!(!out.contains(&s.kinds[0].accepted[0].key));
        let draft = programme(&s, Edition::Draft).unwrap();
        let v: serde_json::Value = serde_json::from_str(&draft).unwrap();
        assert_eq!(v["draft"], true);
        assert!(v["publication"].is_null());
    }
}
