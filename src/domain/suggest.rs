//! The programme suggestion: a complete placement of the accepted, waiting
//! and pending proposals of each kind into the places, computed as one
//! minimum-cost flow (`flow`), not by trying places one after another.
//!
//! Criteria, each before the next:
//! 1. who is placed: accepted proposals always; then those on the waiting
//!    list, in its order (the programme's: members first, on time before
//!    late, date of receipt, as staff arranged it) — they were told a
//!    place would be offered to them first; then pending ones in priority
//!    order (members first, on time before late, date of receipt), as long
//!    as places remain: no place is left free while someone who could take
//!    it waits — the feasible sets of placed proposals
//!    form a matroid (a gammoid of the network), so giving each a reward
//!    that falls with its priority makes the cheapest flow place exactly
//!    the set that taking them one by one in priority order would place;
//! 2. no two proposals of one organisation in one slot (a hard rule: an
//!    (organisation, slot) node of capacity 1; only an accepted proposal
//!    that cannot be placed otherwise may break it);
//! 3. as many wanted slots honoured as possible;
//! 4. accepted proposals kept in their slot (then in their very place);
//! 5. themes spread over the slots: swaps and moves that keep 1–4 and
//!    lower the number of same-theme pairs in a slot.
//!
//! Accepted proposals whose acceptance letter went out with their current
//! place (`pinned`) are not moved at all. Pending proposals left without a
//! place go on the waiting list (after those already there, by priority);
//! waiting ones left without a place stay where they are on it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::fiche::Kind;

use super::flow::Network;
use super::{Candidate, Place, Rules, Status};

/// What the suggestion does to one proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub number: i64,
    pub kind: Kind,
    pub from_status: Status,
    pub from: Option<Place>,
    /// The place it gets; `None`: the waiting list.
    pub to: Option<Place>,
}

impl Change {
    /// "placée", "déplacée", "liste d'attente".
    pub fn what_fr(&self) -> &'static str {
        match (&self.to, self.from_status) {
            (None, _) => "liste d'attente",
            (Some(_), Status::Accepted) => "déplacée",
            (Some(_), _) => "placée",
        }
    }
}

/// The placement of one kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct KindPlan {
    /// Every non-pinned proposal placed, with its place.
    pub placed: Vec<(i64, Place)>,
    /// Pending proposals left without a place, in priority order (they go
    /// on the waiting list; those already on it stay there).
    pub waitlisted: Vec<i64>,
    /// Placed proposals (pinned ones included) that asked for a slot, and
    /// those among them that got it.
    pub wishes: usize,
    pub honoured: usize,
    /// Wishes honoured by placing one by one in priority order (for comparison).
    pub one_by_one: usize,
    /// Pairs of proposals of one theme in one slot.
    pub theme_pairs: usize,
}

/// A suggestion for both kinds, and what it changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    /// One plan per kind, in the definition's order.
    pub plans: Vec<KindPlan>,
    /// What changes, proposal by proposal (in number order).
    pub changes: Vec<Change>,
    /// Version of each proposal the suggestion was computed from (number,
    /// version): applying it checks nobody changed them since.
    pub versions: Vec<(i64, i64)>,
}

impl Suggestion {
    pub fn of(&self, kind: Kind) -> &KindPlan {
        static EMPTY: std::sync::OnceLock<KindPlan> = std::sync::OnceLock::new();
        self.plans
            .get(kind.index())
            .unwrap_or_else(|| EMPTY.get_or_init(KindPlan::default))
    }
}

/// The organisation a candidate counts as for the one-per-slot rule.
fn org(c: &Candidate) -> Option<&str> {
    c.organisation.as_deref().filter(|o| !o.is_empty())
}

/// Pairs of equal themes per slot of a placement.
fn theme_pairs(placed: &[(&Candidate, usize)]) -> usize {
    let mut counts: HashMap<(usize, &str), usize> = HashMap::new();
    for (c, s) in placed {
        if let Some(t) = c.theme.as_deref().filter(|t| !t.is_empty()) {
            *counts.entry((*s, t)).or_default() += 1;
        }
    }
    counts.values().map(|n| n * n.saturating_sub(1) / 2).sum()
}

/// The suggestion for the live proposals `all`; `pinned`: accepted
/// proposals not to move (their acceptance letter gave their place).
pub fn suggest(rules: &Rules, all: &[Candidate], pinned: &BTreeSet<i64>) -> Suggestion {
    let mut out = Suggestion::default();
    for kind in Kind::all() {
        let (mut plan, changes) = suggest_kind(rules, kind, all, pinned);
        plan.one_by_one = one_by_one(rules, kind, all, pinned).1;
        out.plans.push(plan);
        out.changes.extend(changes);
    }
    out.changes.sort_by_key(|c| c.number);
    out.versions = all
        .iter()
        .filter(|c| {
            c.kind.is_some()
                && matches!(
                    c.status,
                    Status::Accepted | Status::Waitlisted | Status::Pending
                )
        })
        .map(|c| (c.number, c.version))
        .collect();
    out
}

/// Who is placed first: accepted, then those waiting in the waiting
/// list's order, then pending ones by priority.
fn ordered<'a>(
    rules: &Rules,
    kind: Kind,
    all: &'a [Candidate],
    pinned: &BTreeSet<i64>,
) -> Vec<&'a Candidate> {
    let class = |c: &Candidate| match c.status {
        Status::Accepted => 0,
        Status::Waitlisted => 1,
        _ => 2,
    };
    let mut v: Vec<&Candidate> = all
        .iter()
        .filter(|c| c.kind == Some(kind) && !pinned.contains(&c.number))
        .filter(|c| {
            matches!(c.status, Status::Pending | Status::Waitlisted)
                || (c.status == Status::Accepted && c.place.is_some())
        })
        .collect();
    v.sort_by(|a, b| {
        class(a).cmp(&class(b)).then_with(|| {
            if a.status == Status::Waitlisted && b.status == Status::Waitlisted {
                // The waiting list's own order (`waitlist::in_order`).
                (a.wait_pos.unwrap_or(i64::MAX), a.number)
                    .cmp(&(b.wait_pos.unwrap_or(i64::MAX), b.number))
            } else {
                rules.priority_cmp(a, b)
            }
        })
    });
    v
}

/// Slot index of a place of the grid.
/// (1, 1) when `c` wants a slot of the grid and `p` is in it, (1, 0) when
/// it wants one elsewhere, (0, 0) without a wish the grid can honour.
fn wish_honoured(c: &Candidate, p: &Place, slots: &[String]) -> (usize, usize) {
    let wants_a_slot_here = c
        .wanted_slot
        .as_deref()
        .is_some_and(|w| slots.iter().any(|x| x == w));
    if !wants_a_slot_here {
        (0, 0)
    } else if c.asked_for(&p.slot) {
        (1, 1)
    } else {
        (1, 0)
    }
}

fn slot_index(slots: &[String], p: &Place) -> Option<usize> {
    slots.iter().position(|s| *s == p.slot)
}

fn suggest_kind(
    rules: &Rules,
    kind: Kind,
    all: &[Candidate],
    pinned: &BTreeSet<i64>,
) -> (KindPlan, Vec<Change>) {
    let grid = rules.layout.of(kind);
    let slots = &grid.slots;
    let width = grid.places.len();
    let fixed: Vec<&Candidate> = all
        .iter()
        .filter(|c| {
            c.kind == Some(kind)
                && c.status == Status::Accepted
                && pinned.contains(&c.number)
                && c.place
                    .as_ref()
                    .is_some_and(|p| slot_index(slots, p).is_some())
        })
        .collect();
    let mut taken: BTreeSet<Place> = fixed.iter().filter_map(|c| c.place.clone()).collect();
    let mut free_in: Vec<i64> = vec![width as i64; slots.len()];
    for p in &taken {
        if let Some(s) = slot_index(slots, p) {
            free_in[s] -= 1;
        }
    }
    let xs = ordered(rules, kind, all, pinned);
    let n = xs.len() as i64;

    // Weights: a wish honoured outweighs every "kept in its slot"; being
    // placed outweighs every wish (see the module doc).
    let keep_w: i64 = 1;
    let want_w: i64 = keep_w * (n + 1);
    let m: i64 = (want_w + keep_w) * (n + 1) + 1;
    let gain = |c: &Candidate, s: usize| -> i64 {
        let mut g = 0;
        if c.asked_for(&slots[s]) {
            g += want_w;
        }
        if c.status == Status::Accepted && c.place.as_ref().is_some_and(|p| p.slot == slots[s]) {
            g += keep_w;
        }
        g
    };
    let reward = |i: usize, c: &Candidate| -> i64 {
        if c.status == Status::Accepted {
            (n + 2) * m
        } else {
            (n - i as i64 + 1) * m
        }
    };
    let relax_cost = (n + 1) * m;

    // Organisations met more than once (pinned ones count): they get
    // (organisation, slot) nodes of capacity 1.
    let mut org_count: HashMap<&str, usize> = HashMap::new();
    for c in xs.iter().copied().chain(fixed.iter().copied()) {
        if let Some(o) = org(c) {
            *org_count.entry(o).or_default() += 1;
        }
    }
    let pinned_org_slot: BTreeSet<(&str, usize)> = fixed
        .iter()
        .filter_map(|c| Some((org(c)?, slot_index(slots, c.place.as_ref()?)?)))
        .collect();

    let mut net = Network::new(0);
    let source = net.add_node();
    let sink = net.add_node();
    let slot_nodes: Vec<usize> = (0..slots.len()).map(|_| net.add_node()).collect();
    for (s, &node) in slot_nodes.iter().enumerate() {
        if free_in[s] > 0 {
            net.add_edge(node, sink, free_in[s], 0);
        }
    }
    let mut org_nodes: HashMap<(&str, usize), usize> = HashMap::new();
    // Edges out of each candidate: (edge id, slot).
    let mut edges: Vec<Vec<(usize, usize)>> = Vec::with_capacity(xs.len());
    for (i, c) in xs.iter().enumerate() {
        let node = net.add_node();
        net.add_edge(source, node, 1, 0);
        let r = reward(i, c);
        let mut mine = Vec::new();
        for (s, &slot_node) in slot_nodes.iter().enumerate() {
            if free_in[s] <= 0 {
                continue;
            }
            let cost = -(r + gain(c, s));
            match org(c).filter(|o| org_count.get(o).copied().unwrap_or(0) > 1) {
                None => mine.push((net.add_edge(node, slot_node, 1, cost), s)),
                Some(o) => {
                    if !pinned_org_slot.contains(&(o, s)) {
                        let on = *org_nodes.entry((o, s)).or_insert_with(|| {
                            let on = net.add_node();
                            net.add_edge(on, slot_node, 1, 0);
                            on
                        });
                        mine.push((net.add_edge(node, on, 1, cost), s));
                    }
                    if c.status == Status::Accepted {
                        mine.push((net.add_edge(node, slot_node, 1, cost + relax_cost), s));
                    }
                }
            }
        }
        edges.push(mine);
    }
    net.min_cost_flow(source, sink);

    // Slot of each candidate, then places inside the slots.
    let mut slot_of: Vec<Option<usize>> = edges
        .iter()
        .map(|es| {
            es.iter()
                .find(|(e, _)| net.flow_on(*e) > 0)
                .map(|(_, s)| *s)
        })
        .collect();
    spread_themes(&xs, &fixed, slots, &mut slot_of, &free_in, &gain);

    let mut placed: Vec<(i64, Place)> = Vec::new();
    let mut by_slot: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, s) in slot_of.iter().enumerate() {
        if let Some(s) = s {
            by_slot.entry(*s).or_default().push(i);
        }
    }
    for (s, members) in &by_slot {
        // Those already in this slot keep their very place, the others take
        // the free places in programme order.
        let mut rest = Vec::new();
        for &i in members {
            let c = xs[i];
            match &c.place {
                Some(p)
                    if c.status == Status::Accepted
                        && p.slot == slots[*s]
                        && !taken.contains(p) =>
                {
                    taken.insert(p.clone());
                    placed.push((c.number, p.clone()));
                }
                _ => rest.push(i),
            }
        }
        let mut free = grid.places.iter().map(|pl| Place {
            slot: slots[*s].clone(),
            place: pl.clone(),
        });
        for i in rest {
            let Some(p) = free.by_ref().find(|p| !taken.contains(p)) else {
                continue;
            };
            taken.insert(p.clone());
            placed.push((xs[i].number, p));
        }
    }
    let placed_set: BTreeSet<i64> = placed.iter().map(|(n, _)| *n).collect();
    let waitlisted: Vec<i64> = xs
        .iter()
        .filter(|c| c.status == Status::Pending && !placed_set.contains(&c.number))
        .map(|c| c.number)
        .collect();

    let mut wishes = 0;
    let mut honoured = 0;
    let mut in_slots: Vec<(&Candidate, usize)> = Vec::new();
    let by_number: HashMap<i64, &Candidate> = xs.iter().map(|c| (c.number, *c)).collect();
    for (c, p) in placed
        .iter()
        .filter_map(|(n, p)| Some((*by_number.get(n)?, p.clone())))
        .chain(fixed.iter().filter_map(|c| Some((*c, c.place.clone()?))))
    {
        let Some(s) = slot_index(slots, &p) else {
            continue;
        };
        in_slots.push((c, s));
        let (wish, kept) = wish_honoured(c, &p, slots);
        wishes += wish;
        honoured += kept;
    }
    let plan = KindPlan {
        theme_pairs: theme_pairs(&in_slots),
        placed: {
            let mut p = placed.clone();
            p.sort();
            p
        },
        waitlisted: waitlisted.clone(),
        wishes,
        honoured,
        one_by_one: 0,
    };
    let mut changes = Vec::new();
    for c in &xs {
        let to = placed
            .iter()
            .find(|(n, _)| *n == c.number)
            .map(|(_, p)| p.clone());
        let same = match (&to, c.status) {
            (Some(p), Status::Accepted) => c.place.as_ref() == Some(p),
            // Still waiting: it keeps its place on the list.
            (None, Status::Waitlisted) => true,
            _ => false,
        };
        if !same {
            changes.push(Change {
                number: c.number,
                kind,
                from_status: c.status,
                from: c.place.clone(),
                to,
            });
        }
    }
    (plan, changes)
}

/// Lowers the number of same-theme pairs per slot by swapping the slots of
/// two placed proposals, or moving one to a slot with room, whenever that
/// keeps every wish honoured, every kept slot kept and the organisation rule.
fn spread_themes(
    xs: &[&Candidate],
    fixed: &[&Candidate],
    slots: &[String],
    slot_of: &mut [Option<usize>],
    free_in: &[i64],
    gain: &dyn Fn(&Candidate, usize) -> i64,
) {
    let theme = |c: &Candidate| c.theme.clone().filter(|t| !t.is_empty());
    let mut count: HashMap<(usize, String), i64> = HashMap::new();
    let mut orgs: HashMap<(usize, String), i64> = HashMap::new();
    let mut load = vec![0i64; slots.len()];
    let add = |c: &Candidate,
               s: usize,
               d: i64,
               count: &mut HashMap<(usize, String), i64>,
               orgs: &mut HashMap<(usize, String), i64>| {
        if let Some(t) = theme(c) {
            *count.entry((s, t)).or_default() += d;
        }
        if let Some(o) = org(c) {
            *orgs.entry((s, o.to_string())).or_default() += d;
        }
    };
    for c in fixed {
        if let Some(s) = c.place.as_ref().and_then(|p| slot_index(slots, p)) {
            add(c, s, 1, &mut count, &mut orgs);
        }
    }
    for (i, s) in slot_of.iter().enumerate() {
        if let Some(s) = s {
            add(xs[i], *s, 1, &mut count, &mut orgs);
            load[*s] += 1;
        }
    }
    let tc = |count: &HashMap<(usize, String), i64>, s: usize, t: &Option<String>| -> i64 {
        t.as_ref()
            .map_or(0, |t| count.get(&(s, t.clone())).copied().unwrap_or(0))
    };
    let org_free = |orgs: &HashMap<(usize, String), i64>,
                    c: &Candidate,
                    s: usize,
                    leaving: Option<&Candidate>|
     -> bool {
        let Some(o) = org(c) else { return true };
        let mut n = orgs.get(&(s, o.to_string())).copied().unwrap_or(0);
        if leaving.and_then(org) == Some(o) {
            n -= 1;
        }
        n == 0
    };
    for _pass in 0..20 {
        let mut improved = false;
        for i in 0..xs.len() {
            let Some(a) = slot_of[i] else { continue };
            let ti = theme(xs[i]);
            if ti.is_none() || tc(&count, a, &ti) < 2 {
                continue;
            }
            // A move to a slot with room.
            let mut done = false;
            for b in 0..slots.len() {
                if b == a || load[b] >= free_in[b] {
                    continue;
                }
                if gain(xs[i], b) < gain(xs[i], a) || !org_free(&orgs, xs[i], b, None) {
                    continue;
                }
                if tc(&count, b, &ti) + 1 < tc(&count, a, &ti) {
                    add(xs[i], a, -1, &mut count, &mut orgs);
                    add(xs[i], b, 1, &mut count, &mut orgs);
                    load[a] -= 1;
                    load[b] += 1;
                    slot_of[i] = Some(b);
                    done = true;
                    break;
                }
            }
            if done {
                improved = true;
                continue;
            }
            // A swap with a proposal of another theme in another slot.
            for j in 0..xs.len() {
                let Some(b) = slot_of[j] else { continue };
                if b == a {
                    continue;
                }
                let tj = theme(xs[j]);
                if tj == ti {
                    continue;
                }
                if gain(xs[i], b) < gain(xs[i], a) || gain(xs[j], a) < gain(xs[j], b) {
                    continue;
                }
                if !org_free(&orgs, xs[i], b, Some(xs[j]))
                    || !org_free(&orgs, xs[j], a, Some(xs[i]))
                {
                    continue;
                }
                let before = pairs(tc(&count, a, &ti))
                    + pairs(tc(&count, b, &ti))
                    + pairs(tc(&count, a, &tj))
                    + pairs(tc(&count, b, &tj));
                let after = pairs(tc(&count, a, &ti) - 1)
                    + pairs(tc(&count, b, &ti) + 1)
                    + pairs(tc(&count, a, &tj) + 1)
                    + pairs(tc(&count, b, &tj) - 1);
                if after < before {
                    add(xs[i], a, -1, &mut count, &mut orgs);
                    add(xs[j], b, -1, &mut count, &mut orgs);
                    add(xs[i], b, 1, &mut count, &mut orgs);
                    add(xs[j], a, 1, &mut count, &mut orgs);
                    slot_of[i] = Some(b);
                    slot_of[j] = Some(a);
                    improved = true;
                    break;
                }
            }
        }
        if !improved {
            break;
        }
    }
}

fn pairs(n: i64) -> i64 {
    if n < 2 { 0 } else { n * (n - 1) / 2 }
}

/// Placing one by one in priority order (accepted first): each takes a
/// free place in the slot it asked for, else the first free place of a
/// slot without its organisation. What the suggestion must beat or equal;
/// returns (wishes, honoured, placed numbers).
pub fn one_by_one(
    rules: &Rules,
    kind: Kind,
    all: &[Candidate],
    pinned: &BTreeSet<i64>,
) -> (usize, usize, Vec<i64>) {
    let grid = rules.layout.of(kind);
    let slots = &grid.slots;
    let mut taken: BTreeSet<Place> = BTreeSet::new();
    let mut orgs: BTreeSet<(String, usize)> = BTreeSet::new();
    let (mut wishes, mut honoured) = (0, 0);
    let mut placed = Vec::new();
    let mut take = |c: &Candidate,
                    p: Place,
                    taken: &mut BTreeSet<Place>,
                    orgs: &mut BTreeSet<(String, usize)>| {
        let s = slot_index(slots, &p).unwrap_or(0);
        if let Some(o) = org(c) {
            orgs.insert((o.to_string(), s));
        }
        let (wish, kept) = wish_honoured(c, &p, slots);
        wishes += wish;
        honoured += kept;
        taken.insert(p);
    };
    for c in all.iter().filter(|c| {
        c.kind == Some(kind) && c.status == Status::Accepted && pinned.contains(&c.number)
    }) {
        if let Some(p) = c.place.clone().filter(|p| slot_index(slots, p).is_some()) {
            take(c, p, &mut taken, &mut orgs);
        }
    }
    for c in ordered(rules, kind, all, pinned) {
        let fits = |p: &Place, taken: &BTreeSet<Place>, orgs: &BTreeSet<(String, usize)>| {
            !taken.contains(p)
                && org(c).is_none_or(|o| {
                    !orgs.contains(&(o.to_string(), slot_index(slots, p).unwrap_or(0)))
                })
        };
        let all_places = slots.iter().flat_map(|s| {
            grid.places.iter().map(move |pl| Place {
                slot: s.clone(),
                place: pl.clone(),
            })
        });
        let wanted = all_places
            .clone()
            .find(|p| c.asked_for(&p.slot) && fits(p, &taken, &orgs));
        let any = || all_places.clone().find(|p| fits(p, &taken, &orgs));
        if let Some(p) = wanted.or_else(any) {
            take(c, p, &mut taken, &mut orgs);
            placed.push(c.number);
        }
    }
    (wishes, honoured, placed)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{accepted, cand};
    use super::*;

    fn pending(number: i64, member: bool, wants: &str, org: &str, theme: &str) -> Candidate {
        Candidate {
            wanted_slot: Some(wants.into()),
            organisation: Some(org.into()),
            theme: Some(theme.into()),
            received_at: format!("2018-05-{:02}", number % 28 + 1),
            ..cand(number, Status::Pending, member, "")
        }
    }

    #[test]
    fn members_first_wishes_honoured_and_one_organisation_per_slot() {
        let rules = Rules::default();
        let mut all = Vec::new();
        // 24 pending micro-ateliers for 20 places, all asking for 14:00.
        for n in 1..=24 {
            all.push(pending(n, n % 3 == 0, "14:00", &format!("org{n}"), "odd"));
        }
        // Two of one organisation, both asking for 14:20.
        all.push(pending(30, true, "14:20", "lyon", "climat"));
        all.push(pending(31, true, "14:20", "lyon", "climat"));
        let s = suggest(&rules, &all, &BTreeSet::new());
        let plan = &s.plans[0];
        assert_eq!(plan.placed.len(), 20);
        // Every member is placed.
        for c in all.iter().filter(|c| c.member) {
            assert!(
                plan.placed.iter().any(|(n, _)| *n == c.number),
                "member {}",
                c.number
            );
        }
        let slot_of = |n: i64| {
            plan.placed
                .iter()
                .find(|(x, _)| *x == n)
                .map(|(_, p)| p.slot.clone())
        };
        assert_ne!(slot_of(30), slot_of(31), "one organisation per slot");
        assert_eq!(plan.waitlisted.len(), 26 - 20);
        // At least as many wishes honoured as one by one.
        let (_, greedy, _) = one_by_one(&rules, Kind::MicroAtelier, &all, &BTreeSet::new());
        assert!(plan.honoured >= greedy, "{} < {greedy}", plan.honoured);
    }

    #[test]
    fn pinned_proposals_stay_and_accepted_keep_their_place() {
        let rules = Rules::default();
        let mut a = accepted(1, "15:20", "Espace C");
        a.wanted_slot = Some("14:00".into());
        let b = accepted(2, "14:40", "Espace B");
        let all = vec![a, b];
        let pinned: BTreeSet<i64> = [1].into();
        let s = suggest(&rules, &all, &pinned);
        assert!(s.changes.is_empty(), "{:?}", s.changes);
        // Not pinned: number 1 moves to the slot it asked for.
        let s = suggest(&rules, &all, &BTreeSet::new());
        assert_eq!(s.changes.len(), 1);
        assert_eq!(s.changes[0].to.as_ref().unwrap().slot, "14:00");
        assert_eq!(s.changes[0].what_fr(), "déplacée");
    }

    #[test]
    fn the_waiting_list_comes_before_pending_proposals_and_no_place_stays_free() {
        let rules = Rules::default();
        let mut all = Vec::new();
        // 18 accepted: two places free (15:20, Espace C and D).
        let mut n = 100;
        for slot in ["14:00", "14:20", "14:40", "15:00", "15:20"] {
            for place in ["Espace A", "Espace B", "Espace C", "Espace D"] {
                if slot == "15:20" && matches!(place, "Espace C" | "Espace D") {
                    continue;
                }
                let mut a = accepted(n, slot, place);
                a.organisation = Some(format!("acc{n}"));
                all.push(a);
                n += 1;
            }
        }
        // Waiting, in the list's order: a non-member staff moved up (key
        // 1), then two members; pending: a member received earlier than all.
        let w = |number: i64, pos: i64, member: bool| {
            let mut c = pending(number, member, "14:00", &format!("w{number}"), "odd");
            c.status = Status::Waitlisted;
            c.wait_pos = Some(pos);
            c
        };
        all.push(w(1, 10, false));
        all.push(w(2, 20, true));
        all.push(w(3, 30, true));
        let mut early = pending(4, true, "any", "p4", "climat");
        early.received_at = "2018-01-01".into();
        all.push(early);
        let s = suggest(&rules, &all, &BTreeSet::new());
        let placed: Vec<i64> = s
            .changes
            .iter()
            .filter(|c| c.to.is_some() && c.from_status != Status::Accepted)
            .map(|c| c.number)
            .collect();
        assert_eq!(
            placed,
            vec![1, 2],
            "the first two waiting, in the list's order"
        );
        // The third waiting stays on the list (no change); the pending one
        // joins it.
        assert!(!s.changes.iter().any(|c| c.number == 3), "{:?}", s.changes);
        assert_eq!(s.plans[0].waitlisted, vec![4]);
        assert!(
            s.changes
                .iter()
                .any(|c| c.number == 4 && c.to.is_none() && c.what_fr() == "liste d'attente")
        );
        assert!(s.versions.iter().any(|(n, _)| *n == 3));
        // With room for everyone, every waiting and pending one is placed.
        all.retain(|c| c.number < 100 + 10 || c.number < 10);
        let s = suggest(&rules, &all, &BTreeSet::new());
        let placed = s
            .changes
            .iter()
            .filter(|c| c.to.is_some() && c.from_status != Status::Accepted)
            .count();
        assert_eq!(placed, 4);
        assert!(s.plans[0].waitlisted.is_empty());
    }

    #[test]
    fn themes_are_spread() {
        let rules = Rules::default();
        let mut all = Vec::new();
        for n in 1..=8 {
            let theme = if n <= 4 { "odd" } else { "climat" };
            all.push(pending(n, true, "any", &format!("o{n}"), theme));
        }
        let s = suggest(&rules, &all, &BTreeSet::new());
        assert_eq!(s.plans[0].placed.len(), 8);
        assert_eq!(s.plans[0].theme_pairs, 0, "{:?}", s.plans[0].placed);
    }
}
