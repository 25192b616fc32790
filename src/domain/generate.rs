//! Generated proposals for the suggestion's tests and benchmark: a
//! reproducible mix of members, late fiches, wanted slots (most wanting the
//! first ones, as people do), organisations sending several fiches, themes.

use super::{Candidate, KindLayout, Layout, Place, Status};
use crate::fiche::Kind;

/// A grid of `slots` slots × `places` places for every kind, each kind's
/// slots starting an hour after the previous one's.
pub fn layout(slots: usize, places: usize) -> Layout {
    let slots_of = |start: usize| -> Vec<String> {
        (0..slots)
            .map(|i| {
                let m = start + i * 20;
                format!("{:02}:{:02}", (m / 60) % 24, m % 60)
            })
            .collect()
    };
    let places_of = |what: &str| (1..=places).map(|i| format!("{what} {i}")).collect();
    Layout {
        kinds: Kind::all()
            .into_iter()
            .enumerate()
            .map(|(i, k)| KindLayout {
                slots: slots_of(if i == 0 { 14 * 60 } else { (9 + i - 1) * 60 }),
                places: places_of(&k.def().programme.place_word),
            })
            .collect(),
    }
}

/// `n` proposals on `layout`, from `seed`; about a tenth already accepted
/// (in free places), the rest pending.
pub fn candidates(n: usize, layout: &Layout, seed: u64) -> Vec<Candidate> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut out: Vec<Candidate> = Vec::with_capacity(n);
    let themes = ["odd", "climat", "migrations", "jeunesse", "autre"];
    let mut taken = std::collections::BTreeSet::new();
    for i in 0..n {
        // Seven in ten of the first kind, the rest spread over the others.
        let kinds = Kind::all();
        let kind = match kinds.len() {
            0 => continue,
            1 => kinds[0],
            _ if rng.u8(0..10) < 7 => kinds[0],
            n => kinds[rng.usize(1..n)],
        };
        let g = layout.of(kind);
        // Wishes lean towards the first slots.
        let wanted = match rng.u8(0..10) {
            0..=1 => None,
            _ => {
                let a = rng.usize(0..g.slots.len());
                let b = rng.usize(0..g.slots.len());
                Some(g.slots[a.min(b)].clone())
            }
        };
        let organisation = if rng.u8(0..10) == 0 {
            format!("org {}", rng.usize(0..n.max(10) / 10))
        } else {
            format!("org unique {i}")
        };
        let mut c = Candidate {
            id: i as i64 + 1,
            number: i as i64 + 1,
            version: 1,
            kind: Some(kind),
            status: Status::Pending,
            wanted_slot: wanted,
            member: rng.u8(0..10) < 4,
            late: rng.u8(0..10) == 0,
            received_at: format!(
                "2018-05-{:02}T{:02}:{:02}:00Z",
                rng.u8(1..29),
                rng.u8(0..24),
                rng.u8(0..60)
            ),
            organisation: Some(organisation),
            theme: Some(themes[rng.usize(0..themes.len())].to_string()),
            ..Candidate::default()
        };
        if rng.u8(0..10) == 0 {
            let p = Place {
                slot: g.slots[rng.usize(0..g.slots.len())].clone(),
                place: g.places[rng.usize(0..g.places.len())].clone(),
            };
            if taken.insert((kind, p.clone())) {
                c.status = Status::Accepted;
                c.place = Some(p);
            }
        }
        out.push(c);
    }
    out
}
