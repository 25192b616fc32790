//! The accepted programme at a moment, built from the proposals by a pure
//! function ([`Snapshot::build`]): the event, the micro-ateliers by slot and
//! space, the bourse aux projets rendez-vous by slot and table, and — for
//! staff only — the waiting lists in order with their ranks.
//!
//! Order is deterministic: slots in the layout's order, then places in the
//! layout's order (a slot or place the layout does not know comes after the
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
//! A snapshot is what a publication stores (as JSON, see `Serialize`) and
//! what `diff` compares; the renderers print it.
//!
//! The programme's texts are public: each is put on one line (line breaks
//! and runs of spaces become one space) and cut at a word, with "…", at
//! [`TITLE_MAX`] characters for a title, [`ORGANISATION_MAX`] for an
//! organisation, [`COUNTRY_MAX`] for a country and [`OTHER_MAX`] for the
//! other texts (a choice the form does not know, what is sought). The
//! waiting lists, for staff, keep the texts whole.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::labels;
use super::{Entry, Event};
use crate::domain::{KindLayout, Layout, Status};
use crate::fiche::Kind;

/// The version of the stored snapshot's shape.
pub const SNAPSHOT_VERSION: u32 = 1;

/// Longest title in the public lists (characters).
pub const TITLE_MAX: usize = 150;
/// Longest organisation name in the public lists.
pub const ORGANISATION_MAX: usize = 120;
/// Longest country in the public lists.
pub const COUNTRY_MAX: usize = 60;
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
    /// Accepted micro-ateliers in programme order.
    pub micro_ateliers: Vec<MicroAtelier>,
    /// Accepted bourse aux projets rendez-vous in programme order.
    pub bourse: Vec<Rendezvous>,
    /// Staff only: never printed in the public lists.
    pub waitlists: Waitlists,
}

/// One accepted micro-atelier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MicroAtelier {
    pub id: i64,
    pub key: String,
    pub slot: Option<String>,
    pub space: Option<String>,
    pub title: Option<String>,
    pub organisation: Option<String>,
    pub country: Option<String>,
    /// Stored value of `theme` (`odd`, `climat`…), or the raw text.
    pub theme: Option<String>,
    /// The theme as printed on the form ("ODD / Agenda 2030").
    pub theme_label: Option<String>,
}

/// One accepted bourse aux projets rendez-vous.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendezvous {
    pub id: i64,
    pub key: String,
    pub slot: Option<String>,
    pub table: Option<String>,
    pub organisation: Option<String>,
    pub country: Option<String>,
    pub partner_sought: Option<String>,
    /// "Collectivité française"…
    pub partner_sought_label: Option<String>,
    pub target_country: Option<String>,
    pub request_type: Option<String>,
    /// "Appel à coopération" / "Besoin spécifique".
    pub request_type_label: Option<String>,
}

impl Rendezvous {
    /// What is sought, in one phrase: "Collectivité française — Arménie".
    pub fn sought_fr(&self) -> String {
        match (
            self.partner_sought_label.as_deref(),
            self.target_country.as_deref(),
        ) {
            (Some(p), Some(t)) => format!("{p} — {t}"),
            (Some(p), None) => p.to_string(),
            (None, Some(t)) => t.to_string(),
            (None, None) => String::new(),
        }
    }
}

/// One proposal on a waiting list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    pub id: i64,
    pub key: String,
    /// Position on the list, from 1.
    pub rank: u32,
    pub organisation: Option<String>,
    /// Micro-atelier: the project title; bourse: the request type label.
    pub title: Option<String>,
    pub country: Option<String>,
    /// `preferred_slot` of the fiche (`any` or absent: any slot).
    pub wanted_slot: Option<String>,
    pub member: bool,
    pub received_at: String,
}

/// The two waiting lists, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waitlists {
    pub micro_atelier: Vec<Waiting>,
    pub bourse_projets: Vec<Waiting>,
}

impl Waitlists {
    pub fn of(&self, kind: Kind) -> &[Waiting] {
        match kind {
            Kind::MicroAtelier => &self.micro_atelier,
            _ => &self.bourse_projets,
        }
    }
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

fn accepted<'a>(entries: &'a [Entry], layout: &Layout, kind: Kind) -> Vec<&'a Entry> {
    let grid = layout.of(kind);
    let mut list: Vec<(PosKey, &Entry)> = entries
        .iter()
        .filter(|e| e.kind == Some(kind) && e.status == Status::Accepted)
        .map(|e| (position_key(grid, e), e))
        .collect();
    list.sort_by(|a, b| a.0.cmp(&b.0));
    list.into_iter().map(|(_, e)| e).collect()
}

fn waiting(entries: &[Entry], kind: Kind) -> Vec<&Entry> {
    let mut list: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.kind == Some(kind) && e.status == Status::Waitlisted)
        .collect();
    list.sort_by_key(|e| (e.rank.unwrap_or(i64::MAX), e.id));
    list
}

fn label(kind: Kind, e: &Entry, key: &str) -> Option<String> {
    e.fields
        .get(key)
        .map(|v| labels::value_fr(Some(kind), key, v))
}

impl Snapshot {
    /// The accepted programme and the waiting lists of `entries` (the live
    /// proposals: current revisions only), placed on `layout`.
    pub fn build(entries: &[Entry], layout: &Layout, event: &Event, taken_at: &str) -> Snapshot {
        let mut keys = Keys(BTreeSet::new());
        let micro_ateliers = accepted(entries, layout, Kind::MicroAtelier)
            .into_iter()
            .map(|e| MicroAtelier {
                id: e.id,
                key: keys.take(e),
                slot: e.slot.clone(),
                space: e.place.clone(),
                title: public_text(e.field("project_title"), TITLE_MAX),
                organisation: public_text(e.field("organisation"), ORGANISATION_MAX),
                country: public_text(e.field("country"), COUNTRY_MAX),
                theme: e.field("theme"),
                theme_label: public_text(label(Kind::MicroAtelier, e, "theme"), OTHER_MAX),
            })
            .collect();
        let bourse = accepted(entries, layout, Kind::BourseProjets)
            .into_iter()
            .map(|e| Rendezvous {
                id: e.id,
                key: keys.take(e),
                slot: e.slot.clone(),
                table: e.place.clone(),
                organisation: public_text(e.field("organisation"), ORGANISATION_MAX),
                country: public_text(e.field("country"), COUNTRY_MAX),
                partner_sought: e.field("partner_sought"),
                partner_sought_label: public_text(
                    label(Kind::BourseProjets, e, "partner_sought"),
                    OTHER_MAX,
                ),
                target_country: public_text(e.field("target_country"), OTHER_MAX),
                request_type: e.field("request_type"),
                request_type_label: public_text(
                    label(Kind::BourseProjets, e, "request_type"),
                    OTHER_MAX,
                ),
            })
            .collect();
        let mut wait = |kind: Kind| -> Vec<Waiting> {
            waiting(entries, kind)
                .into_iter()
                .enumerate()
                .map(|(i, e)| Waiting {
                    id: e.id,
                    key: keys.take(e),
                    rank: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    organisation: e.field("organisation"),
                    title: match kind {
                        Kind::MicroAtelier => e.field("project_title"),
                        _ => label(kind, e, "request_type"),
                    },
                    country: e.field("country"),
                    wanted_slot: e.field("preferred_slot"),
                    member: e.member,
                    received_at: e.received_at.clone(),
                })
                .collect()
        };
        let waitlists = Waitlists {
            micro_atelier: wait(Kind::MicroAtelier),
            bourse_projets: wait(Kind::BourseProjets),
        };
        Snapshot {
            version: SNAPSHOT_VERSION,
            event: event.clone(),
            taken_at: taken_at.to_string(),
            micro_ateliers,
            bourse,
            waitlists,
        }
    }

    /// The micro-ateliers grouped by slot, in order.
    pub fn micro_by_slot(&self) -> Vec<(Option<&str>, Vec<&MicroAtelier>)> {
        group(&self.micro_ateliers, |m| m.slot.as_deref())
    }

    /// The rendez-vous grouped by slot, in order.
    pub fn bourse_by_slot(&self) -> Vec<(Option<&str>, Vec<&Rendezvous>)> {
        group(&self.bourse, |r| r.slot.as_deref())
    }

    /// The waiting-list rank of a proposal, if it is on one.
    pub fn waitlist_rank(&self, id: i64) -> Option<u32> {
        self.waitlists
            .micro_atelier
            .iter()
            .chain(&self.waitlists.bourse_projets)
            .find(|w| w.id == id)
            .map(|w| w.rank)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::tests::{accepted, sample_entries, waitlisted};

    #[test]
    fn programme_order_follows_the_layout() {
        let layout = Layout::spec_default();
        let entries = vec![
            accepted(1, Kind::MicroAtelier, "15:00", "Espace A", "Ville C"),
            accepted(2, Kind::MicroAtelier, "14:00", "Espace D", "Ville B"),
            accepted(3, Kind::MicroAtelier, "14:00", "Espace A", "Ville A"),
            accepted(4, Kind::MicroAtelier, "09:00", "Espace A", "Hors grille"),
            accepted(5, Kind::BourseProjets, "16:30", "Table 2", "Isère"),
            accepted(6, Kind::BourseProjets, "12:45", "Table 6", "Dschang"),
        ];
        let s = Snapshot::build(&entries, &layout, &Event::spec_default(), "2018-05-28");
        let ids: Vec<i64> = s.micro_ateliers.iter().map(|m| m.id).collect();
        assert_eq!(ids, vec![3, 2, 1, 4]);
        let ids: Vec<i64> = s.bourse.iter().map(|m| m.id).collect();
        assert_eq!(ids, vec![6, 5]);
        let groups = s.micro_by_slot();
        assert_eq!(groups.len(), 3);
        assert_eq!(groups[0].0, Some("14:00"));
        assert_eq!(groups[0].1.len(), 2);
    }

    #[test]
    fn waitlists_follow_the_programme_ranks() {
        // The ranks come from the programme (the store's waiting-list
        // order, which staff may have changed): never recomputed here.
        let layout = Layout::spec_default();
        let mut a = waitlisted(1, Kind::MicroAtelier, "Non membre tôt", false, "2018-05-01");
        let mut b = waitlisted(2, Kind::MicroAtelier, "Membre tard", true, "2018-05-20");
        let mut c = waitlisted(3, Kind::MicroAtelier, "Membre tôt", true, "2018-05-10");
        (a.rank, b.rank, c.rank) = (Some(1), Some(3), Some(2));
        let s = Snapshot::build(&[a, b, c], &layout, &Event::spec_default(), "2018-05-28");
        let got: Vec<(i64, u32)> = s
            .waitlists
            .micro_atelier
            .iter()
            .map(|w| (w.id, w.rank))
            .collect();
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
        let m = &s.micro_ateliers[1];
        assert_eq!(m.organisation.as_deref(), Some("Ville de Saint-Étienne"));
        assert_eq!(m.theme_label.as_deref(), Some("ODD / Agenda 2030"));
        let r = &s.bourse[0];
        assert_eq!(r.request_type_label.as_deref(), Some("Appel à coopération"));
        assert_eq!(r.sought_fr(), "Collectivité française — Arménie");
        assert_eq!(m.key.len(), 16);
        // Unique keys across lists.
        let mut keys: Vec<&str> = s
            .micro_ateliers
            .iter()
            .map(|m| m.key.as_str())
            .chain(s.bourse.iter().map(|r| r.key.as_str()))
            .chain(s.waitlists.micro_atelier.iter().map(|w| w.key.as_str()))
            .collect();
        let n = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), n);
        // Round trip through JSON (what the store keeps).
        let json = serde_json::to_string(&s).unwrap();
        let back: Snapshot = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
    }
}
