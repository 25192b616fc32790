//! The public lists as JSON (`programme.json`), for other tools: the same
//! data as the HTML and CSV, nothing staff-only (no waiting list, no
//! contact, no internal key). UTF-8, pretty-printed, keys in this order.
//! Text is as written in the fiche (JSON escapes control characters as
//! `\u001b`…); consumers that put it into HTML or a spreadsheet must escape
//! or neutralise it themselves.
//!
//! ```text
//! {
//!   "format": "fiches-programme/1",   shape version; a new shape gets /2
//!   "draft": false,                   true for a draft ("Document de travail")
//!   "publication": 3,                 publication number; null for a draft
//!   "taken_at": "2018-05-28T08:00:00+02:00",
//!                                     when the lists were taken (RFC 3339)
//!   "event": {
//!     "name": "Rencontres de l'internationalisation …",
//!     "date": "2018-07-04",           YYYY-MM-DD
//!     "venue": "Pavillon d'Armenonville, Paris"     or null
//!   },
//!   "micro_ateliers": [               programme order: slot, then space
//!     {
//!       "id": 12,                     proposal number (changes when a fiche
//!                                     is resubmitted)
//!       "slot": "14:20",              slot start, HH:MM; null if not set
//!       "slot_label": "14h20 – 14h40",
//!       "space": "Espace B",          or null
//!       "title": "…",                 project title, or null
//!       "organisation": "…",          or null
//!       "country": "…",               or null
//!       "theme": "odd",               odd | climat | migrations | jeunesse |
//!                                     autre, or the text as written when
//!                                     ambiguous; null if none
//!       "theme_label": "ODD / Agenda 2030"   French label, or null
//!     }
//!   ],
//!   "bourse_aux_projets": [           programme order: slot, then table
//!     {
//!       "id": 31,
//!       "slot": "12:45",
//!       "slot_label": "12h45 – 13h15",
//!       "table": "Table 1",           or null
//!       "organisation": "…",
//!       "country": "…",
//!       "partner_sought": "french_local_government",
//!                                     french_local_government |
//!                                     foreign_local_government | company |
//!                                     association | autre, or as written
//!       "partner_sought_label": "Collectivité française",
//!       "target_country": "Arménie",  country or region concerned, or null
//!       "request_type": "cooperation",   cooperation | specific_need
//!       "request_type_label": "Appel à coopération"
//!     }
//!   ]
//! }
//! ```

use serde::Serialize;

use super::labels::slot_label;
use super::snapshot::Snapshot;
use super::{Edition, Event, PublishError};
use crate::fiche::Kind;

/// The shape version written in `format`.
pub const FORMAT: &str = "fiches-programme/1";

#[derive(Serialize)]
struct Doc<'a> {
    format: &'static str,
    draft: bool,
    publication: Option<u32>,
    taken_at: &'a str,
    event: &'a Event,
    micro_ateliers: Vec<Micro<'a>>,
    bourse_aux_projets: Vec<Bourse<'a>>,
}

#[derive(Serialize)]
struct Micro<'a> {
    id: i64,
    slot: Option<&'a str>,
    slot_label: Option<String>,
    space: Option<&'a str>,
    title: Option<&'a str>,
    organisation: Option<&'a str>,
    country: Option<&'a str>,
    theme: Option<&'a str>,
    theme_label: Option<&'a str>,
}

#[derive(Serialize)]
struct Bourse<'a> {
    id: i64,
    slot: Option<&'a str>,
    slot_label: Option<String>,
    table: Option<&'a str>,
    organisation: Option<&'a str>,
    country: Option<&'a str>,
    partner_sought: Option<&'a str>,
    partner_sought_label: Option<&'a str>,
    target_country: Option<&'a str>,
    request_type: Option<&'a str>,
    request_type_label: Option<&'a str>,
}

/// `programme.json` (ends with a newline).
pub fn programme(snapshot: &Snapshot, edition: Edition) -> Result<String, PublishError> {
    let doc = Doc {
        format: FORMAT,
        draft: edition.is_draft(),
        publication: match edition {
            Edition::Draft => None,
            Edition::Final { number } => Some(number),
        },
        taken_at: &snapshot.taken_at,
        event: &snapshot.event,
        micro_ateliers: snapshot
            .micro_ateliers
            .iter()
            .map(|m| Micro {
                id: m.id,
                slot: m.slot.as_deref(),
                slot_label: m.slot.as_deref().map(|s| slot_label(Kind::MicroAtelier, s)),
                space: m.space.as_deref(),
                title: m.title.as_deref(),
                organisation: m.organisation.as_deref(),
                country: m.country.as_deref(),
                theme: m.theme.as_deref(),
                theme_label: m.theme_label.as_deref(),
            })
            .collect(),
        bourse_aux_projets: snapshot
            .bourse
            .iter()
            .map(|r| Bourse {
                id: r.id,
                slot: r.slot.as_deref(),
                slot_label: r
                    .slot
                    .as_deref()
                    .map(|s| slot_label(Kind::BourseProjets, s)),
                table: r.table.as_deref(),
                organisation: r.organisation.as_deref(),
                country: r.country.as_deref(),
                partner_sought: r.partner_sought.as_deref(),
                partner_sought_label: r.partner_sought_label.as_deref(),
                target_country: r.target_country.as_deref(),
                request_type: r.request_type.as_deref(),
                request_type_label: r.request_type_label.as_deref(),
            })
            .collect(),
    };
    // Every control character escaped (bidi overrides and C1 included):
    // the file is read by people and web pages.
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
        assert_eq!(v["format"], "fiches-programme/1");
        assert_eq!(v["publication"], 3);
        assert_eq!(v["draft"], false);
        assert_eq!(v["event"]["date"], "2018-07-04");
        assert_eq!(
            v["micro_ateliers"][1],
            serde_json::json!({
                "id": 1, "slot": "14:20", "slot_label": "14h20 – 14h40",
                "space": "Espace B", "title": "Un guide du financement de l'AICT",
                "organisation": "Ville de Saint-Étienne", "country": "France",
                "theme": "odd", "theme_label": "ODD / Agenda 2030"
            })
        );
        assert_eq!(
            v["bourse_aux_projets"][0],
            serde_json::json!({
                "id": 3, "slot": "12:45", "slot_label": "12h45 – 13h15",
                "table": "Table 1", "organisation": "Conseil départemental de l'Isère",
                "country": "France", "partner_sought": "french_local_government",
                "partner_sought_label": "Collectivité française",
                "target_country": "Arménie", "request_type": "cooperation",
                "request_type_label": "Appel à coopération"
            })
        );
        // Nothing staff-only.
        assert!(!out.contains("Ville de Lyon"));
        assert!(!out.contains("waitlist"));
        assert!(!out.contains(&s.micro_ateliers[0].key));
        let draft = programme(&s, Edition::Draft).unwrap();
        let v: serde_json::Value = serde_json::from_str(&draft).unwrap();
        assert_eq!(v["draft"], true);
        assert!(v["publication"].is_null());
    }
}
