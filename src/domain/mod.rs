//! The selection rules, pure, in one place: where a proposal stands
//! (`Status`), the programme grid (`Layout`), the one `Decision` type and
//! what each decision, move, swap, withdrawal or undo leads to
//! (`decision`), who comes first (`Rules::priority_cmp`: CUF members, then
//! fiches on time before late ones — a setting —, then date of receipt),
//! the waiting lists (`waitlist`: their order is the stored order staff
//! can change, ranks are always 1..n), the programme as everyone reads it
//! (`grid`), the programme suggestion (`suggest`, a min-cost flow from
//! `flow`), and whether a self-declared CUF membership matches the members
//! list (`members`). No I/O: the store applies what these rules allow,
//! inside its transactions; the console, the CLI, the letters and the
//! publication read what the store holds through these functions.

pub mod decision;
pub mod flow;
pub mod french;
pub mod generate;
pub mod grid;
pub mod letters;
pub mod members;
pub mod suggest;
pub mod time;
pub mod waitlist;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::fiche::Kind;

pub use french::{date_fr, ordinal_fr, slot_label, time_fr, weekday_fr};

pub use decision::{Decision, DecisionState, DomainError, Transition, check_decision};
pub use grid::{KindGrid, free_places, grid};
pub use letters::{LetterKind, Told, decision_letter, may_acknowledge, unreadable_why};
pub use waitlist::{next_waiting_for_slot, waitlist};

/// Where a proposal stands in the selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Status {
    #[default]
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

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Status::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("statut « {s} »")))
    }
}

/// The slots and places (spaces for micro-ateliers, tables for the bourse)
/// of one kind, in programme order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct KindLayout {
    pub slots: Vec<String>,
    pub places: Vec<String>,
}

impl KindLayout {
    pub fn capacity(&self) -> usize {
        self.slots.len() * self.places.len()
    }
}

/// The event's programme grid: one per kind, in the definition's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Layout {
    pub kinds: Vec<KindLayout>,
}

impl Layout {
    /// The grid of `kind` (an empty one for a kind the layout lacks).
    pub fn of(&self, kind: Kind) -> &KindLayout {
        static EMPTY: KindLayout = KindLayout {
            slots: Vec::new(),
            places: Vec::new(),
        };
        self.kinds.get(kind.index()).unwrap_or(&EMPTY)
    }

    /// Replaces the grid of `kind`.
    pub fn set(&mut self, kind: Kind, grid: KindLayout) {
        if let Some(g) = self.kinds.get_mut(kind.index()) {
            *g = grid;
        }
    }

    /// The programme of the call definition in use (the 2018 call: 5
    /// slots × 4 spaces, 4 slots × 6 tables, as SPEC.md says).
    pub fn spec_default() -> Layout {
        Layout {
            kinds: crate::call::current()
                .kinds
                .iter()
                .map(|k| KindLayout {
                    slots: k.programme.slots.clone(),
                    places: k.programme.places.clone(),
                })
                .collect(),
        }
    }
}

/// One cell of the programme grid.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Place {
    pub slot: String,
    pub place: String,
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

/// "3e sur la liste d'attente".
pub fn rank_fr(rank: usize) -> String {
    format!("{} sur la liste d'attente", ordinal_fr(rank))
}

/// The selection settings: the grid, the CUF members list (membership is
/// resolved into each `Candidate` by whoever builds it) and whether late
/// fiches come after those on time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub layout: Layout,
    pub members: members::Members,
    /// `[selection] late_last` (default true): on-time fiches before late ones.
    pub late_last: bool,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            layout: Layout::spec_default(),
            members: members::Members::default(),
            late_last: true,
        }
    }
}

impl Rules {
    /// Priority order: CUF members first, then (with `late_last`) fiches on
    /// time before late ones, then the earliest received (an unknown time
    /// last), then the lowest number (stable).
    pub fn priority_cmp(&self, a: &Candidate, b: &Candidate) -> std::cmp::Ordering {
        let late = |c: &Candidate| self.late_last && c.late;
        let received = |c: &Candidate| (c.received_at.is_empty(), c.received_at.clone());
        b.member
            .cmp(&a.member)
            .then_with(|| late(a).cmp(&late(b)))
            .then_with(|| received(a).cmp(&received(b)))
            .then_with(|| a.number.cmp(&b.number))
    }
}

/// A proposal as the rules see it (its live revision).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Candidate {
    /// Storage id of the live revision.
    pub id: i64,
    /// The stable number (kept across resubmissions): identity for the rules.
    pub number: i64,
    /// The live revision's version (optimistic concurrency).
    pub version: i64,
    pub kind: Option<Kind>,
    pub status: Status,
    pub place: Option<Place>,
    /// Position key on the waiting list (only while waitlisted).
    pub wait_pos: Option<i64>,
    /// The refusal's reason (only while rejected).
    pub reason: Option<String>,
    /// `preferred_slot` of the fiche; `None` or "any" means any slot.
    pub wanted_slot: Option<String>,
    /// CUF member for priority (see `members::MemberCheck::counts_as_member`).
    pub member: bool,
    /// Arrived after the deadline (flag `late`).
    pub late: bool,
    /// RFC 3339 date of receipt, UTC (sorts as text).
    pub received_at: String,
    /// The organisation, folded (`members::member_key`): two proposals of
    /// one organisation never share a slot in a suggestion.
    pub organisation: Option<String>,
    /// The fiche's theme (micro-ateliers), spread over the slots by a suggestion.
    pub theme: Option<String>,
}

impl Candidate {
    /// Whether it would take a place at `slot` (any slot when it has no wish).
    pub fn wants(&self, slot: &str) -> bool {
        match self.wanted_slot.as_deref() {
            None | Some("any") | Some("") => true,
            Some(w) => w == slot,
        }
    }

    /// It asked for this very slot.
    pub fn asked_for(&self, slot: &str) -> bool {
        self.wanted_slot.as_deref() == Some(slot)
    }

    /// Its decision state.
    pub fn state(&self) -> DecisionState {
        DecisionState {
            status: self.status,
            slot: self.place.as_ref().map(|p| p.slot.clone()),
            space: self.place.as_ref().map(|p| p.place.clone()),
            wait_pos: self.wait_pos,
            reason: self.reason.clone(),
        }
    }
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
        let key = match c.wanted_slot.as_deref() {
            None | Some("") => "any".to_string(),
            Some(s) => s.to_string(),
        };
        *out.entry(key).or_insert(0) += 1;
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn cand(number: i64, status: Status, member: bool, received: &str) -> Candidate {
        Candidate {
            id: number,
            number,
            kind: Some(Kind::MicroAtelier),
            status,
            received_at: received.to_string(),
            member,
            ..Candidate::default()
        }
    }

    pub fn accepted(number: i64, slot: &str, place: &str) -> Candidate {
        Candidate {
            place: Some(Place {
                slot: slot.into(),
                place: place.into(),
            }),
            ..cand(number, Status::Accepted, false, "2018-05-01")
        }
    }

    #[test]
    fn priority_members_then_on_time_then_date() {
        let rules = Rules::default();
        let mut late_member = cand(1, Status::Pending, true, "2018-05-01");
        late_member.late = true;
        let member = cand(2, Status::Pending, true, "2018-05-20");
        let other = cand(3, Status::Pending, false, "2018-04-01");
        let mut v = [other.clone(), late_member.clone(), member.clone()];
        v.sort_by(|a, b| rules.priority_cmp(a, b));
        assert_eq!(v.iter().map(|c| c.number).collect::<Vec<_>>(), [2, 1, 3]);
        let lenient = Rules {
            late_last: false,
            ..Rules::default()
        };
        v.sort_by(|a, b| lenient.priority_cmp(a, b));
        assert_eq!(v.iter().map(|c| c.number).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(rank_fr(3), "3e sur la liste d'attente");
        assert_eq!(rank_fr(1), "1re sur la liste d'attente");
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
