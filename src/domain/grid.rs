//! The programme of one kind as everyone reads it — the console's
//! Programme screen, `fiches programme`, the letters and the publication:
//! who holds each place, the waiting list with its ranks, and for each free
//! place whom the waiting list offers it to.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::fiche::Kind;

use super::waitlist::{next_waiting_for_slot, waitlist};
use super::{Candidate, Layout, Place, Status};

/// The places of a kind not held by an accepted proposal, in programme
/// order, the slot the proposal wants first.
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
    if let Some(w) = wanted_slot.filter(|w| *w != "any" && !w.is_empty()) {
        free.sort_by_key(|p| p.slot != w);
    }
    free
}

/// The programme of a kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct KindGrid {
    pub slots: Vec<String>,
    pub places: Vec<String>,
    /// Number of the holder of each place, slot-major (`slot * places.len() + place`).
    pub cells: Vec<Option<i64>>,
    /// The waiting list: (number, rank from 1), in order.
    pub waitlist: Vec<(i64, usize)>,
    /// Per place (like `cells`), for a free one: whom the waiting list
    /// offers it to — in a slot's free places, the first waiting who wants
    /// that slot (else the first waiting), then the next one.
    pub offers: Vec<Option<i64>>,
}

impl KindGrid {
    pub fn width(&self) -> usize {
        self.places.len()
    }

    pub fn free(&self) -> usize {
        self.cells.iter().filter(|c| c.is_none()).count()
    }

    pub fn holder(&self, slot: usize, place: usize) -> Option<i64> {
        self.cells
            .get(slot * self.width() + place)
            .copied()
            .flatten()
    }

    pub fn offer(&self, slot: usize, place: usize) -> Option<i64> {
        self.offers
            .get(slot * self.width() + place)
            .copied()
            .flatten()
    }

    pub fn rank(&self, number: i64) -> Option<usize> {
        self.waitlist
            .iter()
            .find(|(n, _)| *n == number)
            .map(|(_, r)| *r)
    }
}

/// The programme of `kind` from the live proposals (only the accepted and
/// waiting ones matter).
pub fn grid(layout: &Layout, kind: Kind, all: &[Candidate]) -> KindGrid {
    let g = layout.of(kind);
    let width = g.places.len();
    let mut cells = vec![None; g.slots.len() * width];
    for c in all
        .iter()
        .filter(|c| c.kind == Some(kind) && c.status == Status::Accepted)
    {
        let Some(p) = &c.place else { continue };
        let s = g.slots.iter().position(|x| *x == p.slot);
        let q = g.places.iter().position(|x| *x == p.place);
        if let (Some(s), Some(q)) = (s, q) {
            cells[s * width + q] = Some(c.number);
        }
    }
    let mut offers = vec![None; cells.len()];
    let waiting: Vec<Candidate> = all
        .iter()
        .filter(|c| c.kind == Some(kind) && c.status == Status::Waitlisted)
        .cloned()
        .collect();
    for (si, slot) in g.slots.iter().enumerate() {
        let mut pool = waiting.clone();
        for pi in 0..width {
            if cells[si * width + pi].is_some() {
                continue;
            }
            let Some(next) = next_waiting_for_slot(kind, slot, &pool).map(|c| c.number) else {
                break;
            };
            offers[si * width + pi] = Some(next);
            pool.retain(|c| c.number != next);
        }
    }
    KindGrid {
        slots: g.slots.clone(),
        places: g.places.clone(),
        waitlist: waitlist(kind, all),
        cells,
        offers,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{accepted, cand};
    use super::*;

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
    fn the_grid_offers_free_places_to_the_waiting_list() {
        let layout = Layout::spec_default();
        let mut all = vec![accepted(9, "14:00", "Espace A")];
        let mut w1 = cand(1, Status::Waitlisted, false, "x");
        w1.wait_pos = Some(1);
        w1.wanted_slot = Some("15:00".into());
        let mut w2 = cand(2, Status::Waitlisted, false, "y");
        w2.wait_pos = Some(2);
        all.extend([w1, w2]);
        let g = grid(&layout, Kind::MicroAtelier, &all);
        assert_eq!(g.holder(0, 0), Some(9));
        assert_eq!(g.offer(0, 1), Some(2), "14:00: the first who wants it");
        assert_eq!(g.offer(0, 2), Some(1), "then the first waiting");
        assert_eq!(g.offer(3, 0), Some(1), "15:00: who asked for it");
        assert_eq!(g.waitlist, vec![(1, 1), (2, 2)]);
        assert_eq!(g.free(), 19);
    }
}
