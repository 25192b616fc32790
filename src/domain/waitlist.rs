//! The waiting lists. Each kind has one; its order is a stored position
//! key per waiting proposal (`Candidate::wait_pos`), so that the order
//! staff set (moving an entry up or down) is the truth, and ranks are
//! positions in that order: always 1..n, no gap, no tie (equal keys are
//! told apart by the number). A proposal that joins the list goes after
//! every entry the priority rule puts ahead of it (members first, on time
//! before late, then date of receipt): an entry staff moved up stays where
//! they put it. Keys leave room between neighbours (`SPACING`); when two
//! neighbours touch, the list is renumbered in the same order.

use crate::fiche::Kind;

use super::{Candidate, Rules, Status};

/// Room left between two neighbours' keys when a list is (re)numbered.
pub const SPACING: i64 = 1 << 32;

/// The waiting proposals of a kind, in list order.
pub fn in_order(kind: Kind, all: &[Candidate]) -> Vec<&Candidate> {
    let mut list: Vec<&Candidate> = all
        .iter()
        .filter(|c| c.kind == Some(kind) && c.status == Status::Waitlisted)
        .collect();
    list.sort_by_key(|c| (c.wait_pos.unwrap_or(i64::MAX), c.number));
    list
}

/// The waiting list of a kind: (number, rank from 1), in order. The one
/// place where ranks are computed.
pub fn waitlist(kind: Kind, all: &[Candidate]) -> Vec<(i64, usize)> {
    in_order(kind, all)
        .iter()
        .enumerate()
        .map(|(i, c)| (c.number, i + 1))
        .collect()
}

/// The rank of a proposal on its waiting list, if it is on one.
pub fn rank_of(number: i64, all: &[Candidate]) -> Option<usize> {
    let c = all.iter().find(|c| c.number == number)?;
    if c.status != Status::Waitlisted {
        return None;
    }
    let kind = c.kind?;
    waitlist(kind, all)
        .into_iter()
        .find(|(n, _)| *n == number)
        .map(|(_, r)| r)
}

/// A key strictly between `before` and `after` (either may be absent: the
/// start or the end of the list); `None` when they touch.
pub fn key_between(before: Option<i64>, after: Option<i64>) -> Option<i64> {
    match (before, after) {
        (None, None) => Some(SPACING),
        (Some(b), None) => b.checked_add(SPACING),
        (None, Some(a)) => a.checked_sub(SPACING),
        (Some(b), Some(a)) => {
            let (lo, hi) = (b.min(a), b.max(a));
            (hi - lo >= 2).then(|| lo + (hi - lo) / 2)
        }
    }
}

/// New keys for a list in its current order, `SPACING` apart.
pub fn renumbered(list: &[&Candidate]) -> Vec<(i64, i64)> {
    list.iter()
        .enumerate()
        .map(|(i, c)| (c.number, (i as i64 + 1) * SPACING))
        .collect()
}

/// Where a key goes between list positions `index - 1` and `index`, with
/// the renumbering needed first (if any): (key, renumbering).
pub fn key_at(list: &[&Candidate], index: usize) -> (i64, Vec<(i64, i64)>) {
    let pos = |i: usize| list.get(i).and_then(|c| c.wait_pos);
    let before = index.checked_sub(1).and_then(pos);
    let after = pos(index);
    // An entry without a key (older database) makes the list renumbered.
    let keyed = list.iter().all(|c| c.wait_pos.is_some());
    if keyed && let Some(k) = key_between(before, after) {
        return (k, Vec::new());
    }
    let renum = renumbered(list);
    let key_of = |i: usize| renum.get(i).map(|(_, k)| *k);
    let k = key_between(index.checked_sub(1).and_then(key_of), key_of(index))
        .unwrap_or((list.len() as i64 + 1) * SPACING);
    (k, renum)
}

/// Where a proposal joining the list goes: after the last entry the
/// priority rule puts ahead of it.
pub fn entry_index(rules: &Rules, list: &[&Candidate], newcomer: &Candidate) -> usize {
    list.iter()
        .rposition(|c| rules.priority_cmp(c, newcomer).is_lt())
        .map_or(0, |i| i + 1)
}

/// When a place at `slot` frees up: the first waiting proposal (in list
/// order) who wants that slot (or any slot), else the first waiting at all.
pub fn next_waiting_for_slot<'a>(
    kind: Kind,
    slot: &str,
    all: &'a [Candidate],
) -> Option<&'a Candidate> {
    let list = in_order(kind, all);
    list.iter()
        .find(|c| c.wants(slot))
        .or_else(|| list.first())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::super::tests::cand;
    use super::*;

    fn waiting(number: i64, pos: i64, member: bool, received: &str) -> Candidate {
        Candidate {
            wait_pos: Some(pos),
            ..cand(number, Status::Waitlisted, member, received)
        }
    }

    #[test]
    fn ranks_follow_the_stored_order_and_are_dense() {
        let all = vec![
            waiting(1, 30, false, "2018-05-01"),
            waiting(2, 10, true, "2018-05-20"),
            waiting(3, 10, true, "2018-05-10"),
            cand(4, Status::Pending, true, "2018-05-01"),
        ];
        // Equal keys: told apart by the number.
        assert_eq!(
            waitlist(Kind::MicroAtelier, &all),
            vec![(2, 1), (3, 2), (1, 3)]
        );
        assert_eq!(rank_of(1, &all), Some(3));
        assert_eq!(rank_of(4, &all), None);
    }

    #[test]
    fn a_newcomer_goes_after_those_ahead_of_it_by_priority() {
        let rules = Rules::default();
        let a = waiting(1, SPACING, true, "2018-05-01");
        let x = waiting(2, 2 * SPACING, false, "2018-04-01");
        let b = waiting(3, 3 * SPACING, true, "2018-05-30");
        let list = vec![&a, &x, &b];
        let n = cand(9, Status::Pending, true, "2018-05-10");
        // A (member, earlier) is ahead; X (not a member) is not; B is later.
        assert_eq!(entry_index(&rules, &list, &n), 1);
        // Staff moved B up over A: the newcomer still goes after A.
        let b = waiting(3, SPACING / 2, true, "2018-05-30");
        let list = vec![&b, &a, &x];
        assert_eq!(entry_index(&rules, &list, &n), 2);
        let (k, renum) = key_at(&list, 2);
        assert!(renum.is_empty());
        assert!(k > SPACING && k < 2 * SPACING);
    }

    #[test]
    fn keys_between_and_renumbering() {
        assert_eq!(key_between(None, None), Some(SPACING));
        assert_eq!(key_between(Some(10), Some(20)), Some(15));
        assert_eq!(key_between(Some(10), Some(11)), None);
        let a = waiting(1, 10, false, "x");
        let b = waiting(2, 11, false, "y");
        let (k, renum) = key_at(&[&a, &b], 1);
        assert_eq!(renum, vec![(1, SPACING), (2, 2 * SPACING)]);
        assert!(k > SPACING && k < 2 * SPACING);
    }

    #[test]
    fn a_freed_place_goes_to_the_first_who_wants_the_slot() {
        let mut a = waiting(1, 1, true, "2018-05-01");
        a.wanted_slot = Some("15:00".into());
        let b = waiting(2, 2, false, "2018-05-02");
        let mut c = waiting(3, 3, false, "2018-05-03");
        c.wanted_slot = Some("15:00".into());
        let all = vec![a, b, c];
        let next = |slot| next_waiting_for_slot(Kind::MicroAtelier, slot, &all).map(|c| c.number);
        assert_eq!(next("14:00"), Some(2));
        assert_eq!(next("15:00"), Some(1));
        let only_others = vec![all[0].clone(), all[2].clone()];
        assert_eq!(
            next_waiting_for_slot(Kind::MicroAtelier, "14:00", &only_others).map(|c| c.number),
            Some(1),
            "nobody wants 14:00: the first waiting"
        );
    }
}
