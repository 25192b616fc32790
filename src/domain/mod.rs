//! The selection rules, pure: where a proposal stands (`Status`), which
//! decisions are allowed from where, which places are free in the programme,
//! who comes first on a waiting list (CUF members, then date of receipt), and
//! whether a self-declared CUF membership matches the members list. No I/O:
//! the store records what these rules allow; the console shows it.

pub mod members;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use crate::fiche::Kind;

/// Where a proposal stands in the selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Pending,
    Accepted,
    Waitlisted,
    Rejected,
    Withdrawn,
}

impl Status {
    pub const ALL: &'static [Status] = &[
        Status::Pending,
        Status::Accepted,
        Status::Waitlisted,
        Status::Rejected,
        Status::Withdrawn,
    ];

    /// The stable name used in the database and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Accepted => "accepted",
            Status::Waitlisted => "waitlisted",
            Status::Rejected => "rejected",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.iter().copied().find(|st| st.as_str() == s)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The slots and places (spaces for micro-ateliers, tables for the bourse)
/// of one kind, in programme order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Serialize)]
pub struct KindLayout {
    pub slots: Vec<String>,
    pub places: Vec<String>,
}

impl KindLayout {
    pub fn capacity(&self) -> usize {
        self.slots.len() * self.places.len()
    }
}

/// The event's programme grid for both kinds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Layout {
    pub micro_atelier: KindLayout,
    pub bourse_projets: KindLayout,
}

impl Layout {
    pub fn of(&self, kind: Kind) -> &KindLayout {
        match kind {
            Kind::MicroAtelier => &self.micro_atelier,
            Kind::BourseProjets => &self.bourse_projets,
        }
    }

    /// SPEC.md's capacities: 5 slots × 4 spaces, 4 slots × 6 tables.
    pub fn spec_default() -> Layout {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect();
        Layout {
            micro_atelier: KindLayout {
                slots: s(&["14:00", "14:20", "14:40", "15:00", "15:20"]),
                places: s(&["Espace A", "Espace B", "Espace C", "Espace D"]),
            },
            bourse_projets: KindLayout {
                slots: s(&["12:45", "13:15", "16:30", "17:00"]),
                places: s(&[
                    "Table 1", "Table 2", "Table 3", "Table 4", "Table 5", "Table 6",
                ]),
            },
        }
    }
}

/// One cell of the programme grid.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Place {
    pub slot: String,
    pub place: String,
}

/// What staff decide about a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Accept {
        slot: String,
        place: String,
    },
    Waitlist,
    Reject {
        reason: String,
    },
    Withdraw,
    /// Back to pending (undo).
    Reset,
}

impl Decision {
    pub fn target(&self) -> Status {
        match self {
            Decision::Accept { .. } => Status::Accepted,
            Decision::Waitlist => Status::Waitlisted,
            Decision::Reject { .. } => Status::Rejected,
            Decision::Withdraw => Status::Withdrawn,
            Decision::Reset => Status::Pending,
        }
    }
}

/// Why a decision is refused; the message is for staff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("le créneau {slot} n'existe pas pour ce type de proposition")]
    UnknownSlot { slot: String },
    #[error("« {place} » n'existe pas pour ce type de proposition")]
    UnknownPlace { place: String },
    #[error("{place} à {slot} est déjà attribué à la proposition n° {holder}")]
    PlaceTaken {
        slot: String,
        place: String,
        holder: i64,
    },
    #[error(
        "une proposition sans type (micro-atelier ou bourse) ne peut pas être placée : corriger d'abord la fiche"
    )]
    NoKind,
    #[error("un refus doit être motivé")]
    MissingReason,
    #[error("la proposition est déjà « {0} »")]
    NoChange(&'static str),
}

/// The French word for a status, as staff say it.
pub fn status_fr(status: Status) -> &'static str {
    match status {
        Status::Pending => "à décider",
        Status::Accepted => "retenue",
        Status::Waitlisted => "liste d'attente",
        Status::Rejected => "non retenue",
        Status::Withdrawn => "retirée",
    }
}

/// A proposal as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: i64,
    pub kind: Option<Kind>,
    pub status: Status,
    pub place: Option<Place>,
    /// `preferred_slot` of the fiche; `None` or "any" means any slot.
    pub wanted_slot: Option<String>,
    /// CUF member for priority (see `members::MemberCheck::counts_as_member`).
    pub member: bool,
    /// RFC 3339 date of receipt (sorts as text).
    pub received_at: String,
}

impl Candidate {
    fn wants(&self, slot: &str) -> bool {
        match self.wanted_slot.as_deref() {
            None | Some("any") => true,
            Some(w) => w == slot,
        }
    }
}

/// Checks a decision against the layout and the places already taken by
/// the other live proposals; returns the status it leads to.
pub fn check_decision(
    layout: &Layout,
    candidate: &Candidate,
    decision: &Decision,
    others: &[Candidate],
) -> Result<Status, DomainError> {
    let target = decision.target();
    match decision {
        Decision::Accept { slot, place } => {
            let kind = candidate.kind.ok_or(DomainError::NoKind)?;
            let grid = layout.of(kind);
            if !grid.slots.contains(slot) {
                return Err(DomainError::UnknownSlot { slot: slot.clone() });
            }
            if !grid.places.contains(place) {
                return Err(DomainError::UnknownPlace {
                    place: place.clone(),
                });
            }
            let wanted = Place {
                slot: slot.clone(),
                place: place.clone(),
            };
            if let Some(holder) = others.iter().find(|o| {
                o.id != candidate.id
                    && o.kind == Some(kind)
                    && o.status == Status::Accepted
                    && o.place.as_ref() == Some(&wanted)
            }) {
                return Err(DomainError::PlaceTaken {
                    slot: slot.clone(),
                    place: place.clone(),
                    holder: holder.id,
                });
            }
            if candidate.status == Status::Accepted && candidate.place.as_ref() == Some(&wanted) {
                return Err(DomainError::NoChange(status_fr(target)));
            }
        }
        Decision::Reject { reason } if reason.trim().is_empty() => {
            return Err(DomainError::MissingReason);
        }
        _ if candidate.status == target => return Err(DomainError::NoChange(status_fr(target))),
        _ => {}
    }
    Ok(target)
}

/// The places of a kind not taken by an accepted proposal, in programme
/// order, with the slot the proposal wants first.
pub fn free_places(
    layout: &Layout,
    kind: Kind,
    wanted_slot: Option<&str>,
    all: &[Candidate],
) -> Vec<Place> {
    let grid = layout.of(kind);
    let taken: BTreeSet<&Place> = all
        .iter()
        .filter(|c| c.kind == Some(kind) && c.status == Status::Accepted)
        .filter_map(|c| c.place.as_ref())
        .collect();
    let mut free: Vec<Place> = grid
        .slots
        .iter()
        .flat_map(|s| {
            grid.places.iter().map(move |p| Place {
                slot: s.clone(),
                place: p.clone(),
            })
        })
        .filter(|p| !taken.contains(p))
        .collect();
    if let Some(w) = wanted_slot.filter(|w| *w != "any") {
        free.sort_by_key(|p| p.slot != w);
    }
    free
}

/// Priority order: CUF members first, then the earliest received, then the
/// lowest id (stable).
pub fn priority_cmp(a: &Candidate, b: &Candidate) -> std::cmp::Ordering {
    b.member
        .cmp(&a.member)
        .then_with(|| a.received_at.cmp(&b.received_at))
        .then_with(|| a.id.cmp(&b.id))
}

/// The waiting list of a kind in priority order: (proposal id, rank from 1).
pub fn waitlist(kind: Kind, all: &[Candidate]) -> Vec<(i64, usize)> {
    let mut list: Vec<&Candidate> = all
        .iter()
        .filter(|c| c.kind == Some(kind) && c.status == Status::Waitlisted)
        .collect();
    list.sort_by(|a, b| priority_cmp(a, b));
    list.iter()
        .enumerate()
        .map(|(i, c)| (c.id, i + 1))
        .collect()
}

/// "3e sur la liste d'attente".
pub fn rank_fr(rank: usize) -> String {
    if rank == 1 {
        "1re sur la liste d'attente".to_string()
    } else {
        format!("{rank}e sur la liste d'attente")
    }
}

/// When a place at `slot` is free: the first on the waiting list who wants
/// that slot (or any slot).
pub fn next_for_slot<'a>(kind: Kind, slot: &str, all: &'a [Candidate]) -> Option<&'a Candidate> {
    let mut list: Vec<&Candidate> = all
        .iter()
        .filter(|c| c.kind == Some(kind) && c.status == Status::Waitlisted && c.wants(slot))
        .collect();
    list.sort_by(|a, b| priority_cmp(a, b));
    list.first().copied()
}

/// Per slot of a kind: how many live, undecided-or-kept proposals ask for
/// it ("any" counted apart under the key "any").
pub fn demand(kind: Kind, all: &[Candidate]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for c in all.iter().filter(|c| {
        c.kind == Some(kind)
            && matches!(
                c.status,
                Status::Pending | Status::Accepted | Status::Waitlisted
            )
    }) {
        let key = c.wanted_slot.clone().unwrap_or_else(|| "any".to_string());
        *out.entry(key).or_insert(0) += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(id: i64, status: Status, member: bool, received: &str) -> Candidate {
        Candidate {
            id,
            kind: Some(Kind::MicroAtelier),
            status,
            place: None,
            wanted_slot: None,
            member,
            received_at: received.to_string(),
        }
    }

    fn accepted(id: i64, slot: &str, place: &str) -> Candidate {
        Candidate {
            place: Some(Place {
                slot: slot.into(),
                place: place.into(),
            }),
            ..cand(id, Status::Accepted, false, "2018-05-01")
        }
    }

    #[test]
    fn members_first_then_date() {
        let all = vec![
            cand(1, Status::Waitlisted, false, "2018-05-01"),
            cand(2, Status::Waitlisted, true, "2018-05-20"),
            cand(3, Status::Waitlisted, true, "2018-05-10"),
            cand(4, Status::Pending, true, "2018-05-01"),
        ];
        assert_eq!(
            waitlist(Kind::MicroAtelier, &all),
            vec![(3, 1), (2, 2), (1, 3)]
        );
        assert_eq!(rank_fr(3), "3e sur la liste d'attente");
        assert_eq!(rank_fr(1), "1re sur la liste d'attente");
    }

    #[test]
    fn a_taken_place_is_refused() {
        let layout = Layout::spec_default();
        let others = vec![accepted(9, "14:00", "Espace A")];
        let c = cand(1, Status::Pending, false, "2018-05-01");
        let d = Decision::Accept {
            slot: "14:00".into(),
            place: "Espace A".into(),
        };
        assert_eq!(
            check_decision(&layout, &c, &d, &others),
            Err(DomainError::PlaceTaken {
                slot: "14:00".into(),
                place: "Espace A".into(),
                holder: 9
            })
        );
        let d = Decision::Accept {
            slot: "14:00".into(),
            place: "Espace B".into(),
        };
        assert_eq!(
            check_decision(&layout, &c, &d, &others),
            Ok(Status::Accepted)
        );
        let d = Decision::Accept {
            slot: "12:45".into(),
            place: "Espace B".into(),
        };
        assert!(matches!(
            check_decision(&layout, &c, &d, &others),
            Err(DomainError::UnknownSlot { .. })
        ));
    }

    #[test]
    fn reject_needs_a_reason_and_no_op_is_refused() {
        let layout = Layout::spec_default();
        let c = cand(1, Status::Pending, false, "2018-05-01");
        assert_eq!(
            check_decision(&layout, &c, &Decision::Reject { reason: " ".into() }, &[]),
            Err(DomainError::MissingReason)
        );
        assert!(matches!(
            check_decision(&layout, &c, &Decision::Reset, &[]),
            Err(DomainError::NoChange(_))
        ));
        assert_eq!(
            check_decision(&layout, &c, &Decision::Waitlist, &[]),
            Ok(Status::Waitlisted)
        );
    }

    #[test]
    fn free_places_offer_the_wanted_slot_first() {
        let layout = Layout::spec_default();
        let all = vec![accepted(9, "14:40", "Espace A")];
        let free = free_places(&layout, Kind::MicroAtelier, Some("14:40"), &all);
        assert_eq!(free.len(), 19);
        assert_eq!(
            free[0],
            Place {
                slot: "14:40".into(),
                place: "Espace B".into()
            }
        );
        assert_eq!(free[2].slot, "14:40");
        assert_eq!(free[3].slot, "14:00");
    }

    #[test]
    fn the_next_on_the_waitlist_wants_the_slot() {
        let mut a = cand(1, Status::Waitlisted, true, "2018-05-01");
        a.wanted_slot = Some("15:00".into());
        let b = cand(2, Status::Waitlisted, false, "2018-05-02");
        let all = vec![a, b];
        assert_eq!(
            next_for_slot(Kind::MicroAtelier, "14:00", &all).map(|c| c.id),
            Some(2)
        );
        assert_eq!(
            next_for_slot(Kind::MicroAtelier, "15:00", &all).map(|c| c.id),
            Some(1)
        );
    }

    #[test]
    fn demand_counts_per_slot() {
        let mut a = cand(1, Status::Pending, true, "2018-05-01");
        a.wanted_slot = Some("14:00".into());
        let b = cand(2, Status::Rejected, false, "2018-05-02");
        let c = cand(3, Status::Pending, false, "2018-05-02");
        let d = demand(Kind::MicroAtelier, &[a, b, c]);
        assert_eq!(d.get("14:00"), Some(&1));
        assert_eq!(d.get("any"), Some(&1));
    }
}
