//! The accepted programme at a moment, built from the proposals by a pure
//! function ([`Snapshot::build`]): the event, then one [`Section`] per kind
//! of the call definition, in its order — the accepted proposals by slot
//! and place, each with its organisation and its public fields (the kind's
//! `public_fields`, as (heading, value) pairs) — and, for staff only, the
//! kind's waiting list in order with its ranks.
//!
//! Order is deterministic: slots in the grid's order, then places in the
//! grid's order (a slot or place the grid does not know comes after the
//! known ones, by name; a missing one last), then proposal id.
//!
//! Waiting lists: in the order of the programme's ranks (`Entry::rank`, the
//! store's waiting-list order — nothing here recomputes it); an entry
//! without a rank comes last, by number. Ranks in the snapshot are
//! positions from 1, so they equal the programme's.
//!
//! Each item carries a `key`: an opaque, stable identity (a hash of the
//! entry's revision-chain key, or of its id) that lets two snapshots be
//! compared even when a fiche was resubmitted under a new id, without
//! storing the sender's address in the snapshot.
//!
//! A snapshot is what a publication stores (as JSON, see `Serialize`;
//! [`Snapshot::from_stored`] also reads the version 1 shape of the 2018
//! call) and what `diff` compares; the renderers print it.
//!
//! The programme's texts are public: each is put on one line (line breaks
//! and runs of spaces become one space) and cut at a word, with "…", at
//! [`TITLE_MAX`] characters for the kind's title field,
//! [`ORGANISATION_MAX`] for its organisation field and [`OTHER_MAX`] for
//! the other fields. Choices are printed by their label on the form. The
//! waiting lists, for staff, keep the texts whole.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::labels;
use super::{Entry, Event};
use crate::call::KindDef;
use crate::domain::{KindLayout, Layout, Status};
use crate::fiche::Kind;

/// The version of the stored snapshot's shape: 2, one section per kind of
/// the call definition (1: the two lists of the 2018 call, still read).
pub const SNAPSHOT_VERSION: u32 = 2;

/// Longest title in the public lists (characters).
pub const TITLE_MAX: usize = 150;
/// Longest organisation name in the public lists.
pub const ORGANISATION_MAX: usize = 120;
/// Longest other text in the public lists.
pub const OTHER_MAX: usize = 80;

/// A text of the public lists: on one line, cut at a word with "…" beyond
/// `max` characters (see the module doc). `None` stays `None`.
pub fn public_text(s: Option<String>, max: usize) -> Option<String> {
    let s = s?;
    let one = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= max {
        return Some(one);
    }
    let cut: String = one.chars().take(max - 1).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > cut.len() / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    Some(format!(
        "{}…",
        cut.trim_end_matches([' ', ',', ';', ':', '.', '-', '–'])
    ))
}

/// The accepted programme at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub version: u32,
    pub event: Event,
    /// When it was taken (RFC 3339, local time with offset).
    pub taken_at: String,
    /// One per kind of the call definition, in its order.
    pub kinds: Vec<Section>,
}

/// One kind's lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// The kind's key in the call definition.
    pub kind: String,
    /// Accepted proposals in programme order.
    pub accepted: Vec<Accepted>,
    /// Staff only: never printed in the public lists.
    pub waitlist: Vec<Waiting>,
}

/// One accepted proposal, as the public lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    pub id: i64,
    pub key: String,
    pub slot: Option<String>,
    /// The space, table… (the kind's `place_word`).
    pub place: Option<String>,
    /// The kind's organisation field (who proposes).
    pub organisation: Option<String>,
    /// The kind's public fields, in the definition's order.
    pub fields: Vec<PublicField>,
}

/// One public field of an item: its heading and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicField {
    /// The field's key in the definition.
    pub key: String,
    /// The column heading (`public_label`, or the field's label).
    pub label: String,
    /// As stored (`odd`, `cooperation`, a text).
    pub value: Option<String>,
    /// As printed: a choice by its label on the form ("ODD / Agenda
    /// 2030"), booleans "Oui"/"Non", text as written; public texts cut
    /// (see the module doc).
    pub text: Option<String>,
}

/// One proposal on a waiting list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    pub id: i64,
    pub key: String,
    /// Position on the list, from 1.
    pub rank: u32,
    pub organisation: Option<String>,
    /// The kind's title field, as printed.
    pub title: Option<String>,
    /// The kind's slot field (`any` or absent: any slot).
    pub wanted_slot: Option<String>,
    pub member: bool,
    pub received_at: String,
    /// The kind's public fields, whole.
    #[serde(default)]
    pub fields: Vec<PublicField>,
}

impl Section {
    /// The kind's definition.
    pub fn def(&self) -> &'static KindDef {
        labels::kind_def(&self.kind)
    }

    /// The accepted proposals grouped by slot, in order.
    pub fn by_slot(&self) -> Vec<(Option<&str>, Vec<&Accepted>)> {
        group(&self.accepted, |m| m.slot.as_deref())
    }

    /// The column headings of the public fields.
    pub fn headings(&self) -> Vec<String> {
        public_headings(self.def())
    }
}

impl Accepted {
    /// The printed text of public field `key`.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .and_then(|f| f.text.as_deref())
    }
}

/// The headings of a kind's public fields, in order.
pub fn public_headings(def: &KindDef) -> Vec<String> {
    def.public_fields.iter().map(|k| heading(def, k)).collect()
}

fn heading(def: &KindDef, key: &str) -> String {
    crate::call::field_def(&def.key, key)
        .map(|f| f.public_heading().to_string())
        .unwrap_or_else(|| key.to_string())
}

/// The opaque identity of an entry (see the module doc).
fn key_of(e: &Entry) -> String {
    let identity = match &e.key {
        Some(k) if !k.is_empty() => format!("k:{k}"),
        _ => format!("id:{}", e.id),
    };
    let digest = Sha256::digest(identity.as_bytes());
    hex::encode(&digest[..8])
}

/// Keys made unique within a snapshot (two live entries of one chain should
/// not happen; if they do, the second gets its id appended).
struct Keys(BTreeSet<String>);

impl Keys {
    fn take(&mut self, e: &Entry) -> String {
        let mut k = key_of(e);
        if self.0.contains(&k) {
            k = format!("{k}-{}", e.id);
        }
        self.0.insert(k.clone());
        k
    }
}

/// Sort key of a position in a grid (see the module doc).
fn rank_in(list: &[String], value: Option<&str>) -> (usize, String) {
    match value {
        Some(v) => match list.iter().position(|s| s == v) {
            Some(i) => (i, String::new()),
            None => (list.len(), v.to_string()),
        },
        None => (list.len() + 1, String::new()),
    }
}

type PosKey = ((usize, String), (usize, String), i64);

fn position_key(grid: &KindLayout, e: &Entry) -> PosKey {
    (
        rank_in(&grid.slots, e.slot.as_deref()),
        rank_in(&grid.places, e.place.as_deref()),
        e.id,
    )
}

/// The grid of kind `def`: the configured layout's for a kind it has, the
/// definition's programme otherwise.
fn grid(layout: &Layout, def: &KindDef) -> KindLayout {
    match Kind::from_key(&def.key) {
        Some(k) => layout.of(k).clone(),
        None => KindLayout {
            slots: def.programme.slots.clone(),
            places: def.programme.places.clone(),
        },
    }
}

fn accepted<'a>(entries: &'a [Entry], grid: &KindLayout, kind: &str) -> Vec<&'a Entry> {
    let mut list: Vec<(PosKey, &Entry)> = entries
        .iter()
        .filter(|e| e.kind.as_deref() == Some(kind) && e.status == Status::Accepted)
        .map(|e| (position_key(grid, e), e))
        .collect();
    list.sort_by(|a, b| a.0.cmp(&b.0));
    list.into_iter().map(|(_, e)| e).collect()
}

fn waiting<'a>(entries: &'a [Entry], kind: &str) -> Vec<&'a Entry> {
    let mut list: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.kind.as_deref() == Some(kind) && e.status == Status::Waitlisted)
        .collect();
    list.sort_by_key(|e| (e.rank.unwrap_or(i64::MAX), e.id));
    list
}

/// Field `key` of `e` as printed (choices by their label).
fn printed(def: &KindDef, e: &Entry, key: &str) -> Option<String> {
    e.fields
        .get(key)
        .map(|v| labels::value_fr(Some(&def.key), key, v))
}

/// The public fields of `e`; cut to the public lengths when `cut`.
fn public_fields(def: &KindDef, e: &Entry, cut: bool) -> Vec<PublicField> {
    def.public_fields
        .iter()
        .map(|k| {
            let max = if *k == def.title_field {
                TITLE_MAX
            } else if crate::call::roles().organisation == *k {
                ORGANISATION_MAX
            } else {
                OTHER_MAX
            };
            let text = printed(def, e, k);
            PublicField {
                key: k.clone(),
                label: heading(def, k),
                value: e.field(k),
                text: if cut { public_text(text, max) } else { text },
            }
        })
        .collect()
}

impl Snapshot {
    /// The accepted programme and the waiting lists of `entries` (the live
    /// proposals: current revisions only), placed on `layout` (a kind the
    /// layout does not have: on its programme in the call definition).
    pub fn build(entries: &[Entry], layout: &Layout, event: &Event, taken_at: &str) -> Snapshot {
        let mut keys = Keys(BTreeSet::new());
        let mut kinds = Vec::new();
        for def in &crate::call::current().kinds {
            let kind = def.key.as_str();
            let org = |e: &Entry| e.field(&crate::call::roles().organisation);
            let accepted = accepted(entries, &grid(layout, def), kind)
                .into_iter()
                .map(|e| Accepted {
                    id: e.id,
                    key: keys.take(e),
                    slot: e.slot.clone(),
                    place: e.place.clone(),
                    organisation: public_text(org(e), ORGANISATION_MAX),
                    fields: public_fields(def, e, true),
                })
                .collect();
            let waitlist = waiting(entries, kind)
                .into_iter()
                .enumerate()
                .map(|(i, e)| Waiting {
                    id: e.id,
                    key: keys.take(e),
                    rank: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    organisation: org(e),
                    title: printed(def, e, &def.title_field),
                    wanted_slot: def.slot_field.as_deref().and_then(|k| e.field(k)),
                    member: e.member,
                    received_at: e.received_at.clone(),
                    fields: public_fields(def, e, false),
                })
                .collect();
            kinds.push(Section {
                kind: def.key.clone(),
                accepted,
                waitlist,
            });
        }
        Snapshot {
            version: SNAPSHOT_VERSION,
            event: event.clone(),
            taken_at: taken_at.to_string(),
            kinds,
        }
    }

    /// The section of kind `kind`, if the snapshot has it.
    pub fn section(&self, kind: &str) -> Option<&Section> {
        self.kinds.iter().find(|s| s.kind == kind)
    }

    /// How many proposals of kind `kind` are in the programme.
    pub fn accepted_count(&self, kind: &str) -> usize {
        self.section(kind).map_or(0, |s| s.accepted.len())
    }

    /// The waiting-list rank of a proposal, if it is on one.
    pub fn waitlist_rank(&self, id: i64) -> Option<u32> {
        self.kinds
            .iter()
            .flat_map(|s| &s.waitlist)
            .find(|w| w.id == id)
            .map(|w| w.rank)
    }

    /// A snapshot as a publication stored it (JSON): this version, or the
    /// version 1 shape (the two fixed lists of the 2018 call), read into
    /// the sections of the definition in use.
    pub fn from_stored(json: &str) -> Result<Snapshot, serde_json::Error> {
        let v: serde_json::Value = serde_json::from_str(json)?;
        if v.get("version").and_then(serde_json::Value::as_u64) == Some(1) {
            return v1::read(&v);
        }
        serde_json::from_value(v)
    }
}

/// Consecutive items with the same slot (the lists are sorted by slot).
fn group<'a, T>(
    items: &'a [T],
    slot: impl Fn(&'a T) -> Option<&'a str>,
) -> Vec<(Option<&'a str>, Vec<&'a T>)> {
    let mut out: Vec<(Option<&str>, Vec<&T>)> = Vec::new();
    for it in items {
        let s = slot(it);
        match out.last_mut() {
            Some((last, v)) if *last == s => v.push(it),
            _ => out.push((s, vec![it])),
        }
    }
    out
}

/// The version 1 shape (publications made before the call definition): two
/// fixed lists, `micro_ateliers` and `bourse`, and `waitlists` with one
/// list per kind key. Its names are a frozen storage format, not the
/// definition: they are read here and nowhere else.
mod v1 {
    use serde_json::Value as J;

    use super::*;

    /// (list in the v1 JSON, its place member, the 2018 kind key).
    const LISTS: [(&str, &str, &str); 2] = [
        ("micro_ateliers", "space", "micro_atelier"), // not a call key: the stored v1 format
        ("bourse", "table", "bourse_projets"),        // not a call key: the stored v1 format
    ];

    fn text(v: &J, name: &str) -> Option<String> {
        v.get(name).and_then(J::as_str).map(str::to_string)
    }

    /// A field of a v1 item: members were named by the field key (the title
    /// field as `title`), choices with their label in `KEY_label`.
    fn field(def: &KindDef, item: &J, key: &str) -> PublicField {
        let value = text(item, key).or_else(|| {
            (key == def.title_field)
                .then(|| text(item, "title"))
                .flatten()
        });
        PublicField {
            key: key.to_string(),
            label: heading(def, key),
            text: text(item, &format!("{key}_label")).or_else(|| value.clone()),
            value,
        }
    }

    pub(super) fn read(v: &J) -> Result<Snapshot, serde_json::Error> {
        let event: Event = serde_json::from_value(v.get("event").cloned().unwrap_or(J::Null))?;
        let mut kinds = Vec::new();
        for def in &crate::call::current().kinds {
            let Some((list, place, _)) = LISTS.iter().find(|l| l.2 == def.key) else {
                kinds.push(Section {
                    kind: def.key.clone(),
                    accepted: Vec::new(),
                    waitlist: Vec::new(),
                });
                continue;
            };
            let items = v
                .get(*list)
                .and_then(J::as_array)
                .cloned()
                .unwrap_or_default();
            let accepted = items
                .iter()
                .map(|it| Accepted {
                    id: it.get("id").and_then(J::as_i64).unwrap_or(0),
                    key: text(it, "key").unwrap_or_default(),
                    slot: text(it, "slot"),
                    place: text(it, place),
                    organisation: text(it, "organisation"), // not a call key: the stored v1 format
                    fields: def
                        .public_fields
                        .iter()
                        .map(|k| field(def, it, k))
                        .collect(),
                })
                .collect();
            let waits = v
                .get("waitlists")
                .and_then(|w| w.get(&def.key))
                .and_then(J::as_array)
                .cloned()
                .unwrap_or_default();
            let mut waitlist = Vec::new();
            for w in waits {
                let mut one: Waiting = serde_json::from_value(w.clone())?;
                one.fields = def
                    .public_fields
                    .iter()
                    .map(|k| field(def, &w, k))
                    .collect();
                waitlist.push(one);
            }
            kinds.push(Section {
                kind: def.key.clone(),
                accepted,
                waitlist,
            });
        }
        Ok(Snapshot {
            version: SNAPSHOT_VERSION,
            event,
            taken_at: text(v, "taken_at").unwrap_or_default(),
            kinds,
        })
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::tests::{BOURSE, MICRO, accepted, sample_entries, waitlisted};

    fn ids(s: &Snapshot, kind: &str) -> Vec<i64> {
        s.section(kind)
            .unwrap()
            .accepted
            .iter()
            .map(|m| m.id)
            .collect()
    }

    #[test]
    fn programme_order_follows_the_layout() {
        let layout = Layout::spec_default();
        let entries = vec![
            accepted(1, MICRO, "15:00", "Espace A", "Ville C"),
            accepted(2, MICRO, "14:00", "Espace D", "Ville B"),
            accepted(3, MICRO, "14:00", "Espace A", "Ville A"),
            accepted(4, MICRO, "09:00", "Espace A", "Hors grille"),
            accepted(5, BOURSE, "16:30", "Table 2", "Isère"),
            accepted(6, BOURSE, "12:45", "Table 6", "Dschang"),
        ];
        let s = Snapshot::build(&entries, &layout, &Event::spec_default(), "2018-05-28");
        // One section per kind, in the definition's order.
        let kinds: Vec<&str> = s.kinds.iter().map(|k| k.kind.as_str()).collect();
        assert_eq!(kinds, vec![MICRO, BOURSE]);
        assert_eq!(ids(&s, MICRO), vec![3, 2, 1, 4]);
        assert_eq!(ids(&s, BOURSE), vec![6, 5]);
        let groups = s.kinds[0].by_slot();
        assert_eq!(groups.len(), 3);
        assert_eq!(groups[0].0, Some("14:00"));
        assert_eq!(groups[0].1.len(), 2);
        assert_eq!(s.accepted_count(BOURSE), 2);
        assert_eq!(s.accepted_count("inconnu"), 0);
    }

    #[test]
    fn waitlists_follow_the_programme_ranks() {
        // The ranks come from the programme (the store's waiting-list
        // order, which staff may have changed): never recomputed here.
        let layout = Layout::spec_default();
        let mut a = waitlisted(1, MICRO, "Non membre tôt", false, "2018-05-01");
        let mut b = waitlisted(2, MICRO, "Membre tard", true, "2018-05-20");
        let mut c = waitlisted(3, MICRO, "Membre tôt", true, "2018-05-10");
        (a.rank, b.rank, c.rank) = (Some(1), Some(3), Some(2));
        let s = Snapshot::build(&[a, b, c], &layout, &Event::spec_default(), "2018-05-28");
        let got: Vec<(i64, u32)> = s.kinds[0].waitlist.iter().map(|w| (w.id, w.rank)).collect();
        assert_eq!(got, vec![(1, 1), (3, 2), (2, 3)]);
        assert_eq!(s.waitlist_rank(2), Some(3));
    }

    #[test]
    fn labels_and_keys() {
        let s = Snapshot::build(
            &sample_entries(),
            &Layout::spec_default(),
            &Event::spec_default(),
            "2018-05-28",
        );
        let m = &s.kinds[0].accepted[1];
        assert_eq!(m.organisation.as_deref(), Some("Ville de Saint-Étienne"));
        assert_eq!(m.text("theme"), Some("ODD / Agenda 2030"));
        assert_eq!(m.fields[3].value.as_deref(), Some("odd"));
        assert_eq!(m.fields[3].label, "Thématique");
        let r = &s.kinds[1].accepted[0];
        assert_eq!(r.text("request_type"), Some("Appel à coopération"));
        assert_eq!(r.text("partner_sought"), Some("Collectivité française"));
        assert_eq!(
            s.kinds[1].headings(),
            [
                "Organisation",
                "Pays",
                "Partenaire recherché",
                "Pays ou région concerné(s)",
                "Type de demande"
            ]
        );
        // The waiting list names the proposal by its title field, whole.
        let w = &s.kinds[0].waitlist[0];
        assert_eq!(w.title.as_deref(), Some("Former les agents aux ODD"));
        assert_eq!(w.wanted_slot.as_deref(), Some("15:00"));
        assert_eq!(m.key.len(), 16);
        // Unique keys across lists.
        let mut keys: Vec<&str> = s
            .kinds
            .iter()
            .flat_map(|k| {
                k.accepted
                    .iter()
                    .map(|m| m.key.as_str())
                    .chain(k.waitlist.iter().map(|w| w.key.as_str()))
            })
            .collect();
        let n = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), n);
        // Round trip through JSON (what the store keeps).
        let json = serde_json::to_string(&s).unwrap();
        let back = Snapshot::from_stored(&json).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn public_texts_are_cut_by_role() {
        let mut a = accepted(1, MICRO, "14:00", "Espace A", &"Ville ".repeat(40));
        crate::publish::tests::set(&mut a, "project_title", &"mot ".repeat(60));
        crate::publish::tests::set(&mut a, "country", &"pays ".repeat(30));
        let s = Snapshot::build(
            &[a],
            &Layout::spec_default(),
            &Event::spec_default(),
            "2018-05-28",
        );
        let m = &s.kinds[0].accepted[0];
        let len = |k: &str| m.text(k).unwrap().chars().count();
        assert!(len("project_title") <= TITLE_MAX && len("project_title") > OTHER_MAX);
        assert!(len("organisation") <= ORGANISATION_MAX && len("organisation") > OTHER_MAX);
        assert!(len("country") <= OTHER_MAX);
        assert!(m.text("country").unwrap().ends_with('…'));
    }

    /// A snapshot stored by a publication made before the call definition
    /// (version 1: two fixed lists) reads back as the same sections, so
    /// the next publication reports only what really changed.
    #[test]
    fn version_1_snapshots_read_back() {
        let v1 = r#"{"version":1,
          "event":{"name":"Rencontres","date":"2018-07-04","venue":null},
          "taken_at":"2018-05-21T08:00:00+02:00",
          "micro_ateliers":[{"id":1,"key":"k1","slot":"14:20","space":"Espace B",
            "title":"Un guide du financement de l'AICT","organisation":"Ville de Saint-Étienne",
            "country":"France","theme":"odd","theme_label":"ODD / Agenda 2030"}],
          "bourse":[{"id":3,"key":"k3","slot":"12:45","table":"Table 1",
            "organisation":"Conseil départemental de l'Isère","country":"France",
            "partner_sought":"french_local_government","partner_sought_label":"Collectivité française",
            "target_country":"Arménie","request_type":"cooperation",
            "request_type_label":"Appel à coopération"}],
          "waitlists":{"micro_atelier":[{"id":5,"key":"k5","rank":1,
            "organisation":"Communauté urbaine de Dunkerque","title":"Former les agents aux ODD",
            "country":null,"wanted_slot":"15:00","member":true,"received_at":"2018-05-03"}],
            "bourse_projets":[]}}"#;
        let old = Snapshot::from_stored(v1).unwrap();
        assert_eq!(old.version, SNAPSHOT_VERSION);
        assert_eq!(old.kinds.len(), 2);
        let m = &old.kinds[0].accepted[0];
        assert_eq!(m.place.as_deref(), Some("Espace B"));
        assert_eq!(
            m.text("project_title"),
            Some("Un guide du financement de l'AICT")
        );
        assert_eq!(m.text("theme"), Some("ODD / Agenda 2030"));
        assert_eq!(m.fields[3].value.as_deref(), Some("odd"));
        let r = &old.kinds[1].accepted[0];
        assert_eq!(r.place.as_deref(), Some("Table 1"));
        assert_eq!(r.text("request_type"), Some("Appel à coopération"));
        assert_eq!(r.fields[4].value.as_deref(), Some("cooperation"));
        assert_eq!(old.kinds[0].waitlist[0].rank, 1);
        // The same programme built today, with the same keys: no change.
        let mut new = Snapshot::build(
            &sample_entries(),
            &Layout::spec_default(),
            &Event::spec_default(),
            "2018-05-28",
        );
        new.event = old.event.clone();
        new.kinds[0].accepted.retain(|m| m.id == 1);
        new.kinds[0].accepted[0].key = "k1".into();
        new.kinds[1].accepted[0].key = "k3".into();
        new.kinds[0].waitlist.retain(|w| w.id == 5);
        new.kinds[0].waitlist[0].key = "k5".into();
        new.kinds[1].waitlist.clear();
        assert!(crate::publish::compare(Some(&old), &new).is_unchanged());
    }
}
