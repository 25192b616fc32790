//! What staff decide and what it leads to: the one `Decision` type, the
//! state a decision leaves a proposal in (`DecisionState`: status, place,
//! waiting-list key, refusal reason — what an undo restores), and the
//! checks of every change of that state: a decision, a move to another
//! place, a swap of two places, a move up or down the waiting list, and
//! going back to an earlier state (undo).

use serde::{Deserialize, Serialize};

use crate::fiche::Kind;

use super::waitlist::{self, entry_index, in_order, key_at};
use super::{Candidate, Place, Rules, Status, status_fr};

/// What staff decide about a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// On the programme at this place (a move, when already accepted).
    Accept {
        slot: String,
        place: String,
    },
    Waitlist,
    Reject {
        reason: String,
    },
    Withdraw,
    /// Back to "to decide".
    Pending,
}

impl Decision {
    pub fn target(&self) -> Status {
        match self {
            Decision::Accept { .. } => Status::Accepted,
            Decision::Waitlist => Status::Waitlisted,
            Decision::Reject { .. } => Status::Rejected,
            Decision::Withdraw => Status::Withdrawn,
            Decision::Pending => Status::Pending,
        }
    }
}

/// Everything a decision sets on a proposal, as the journal keeps it
/// before and after each change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionState {
    pub status: Status,
    #[serde(default)]
    pub slot: Option<String>,
    #[serde(default)]
    pub space: Option<String>,
    /// Waiting-list key (see `waitlist`).
    #[serde(default)]
    pub wait_pos: Option<i64>,
    /// The refusal's reason.
    #[serde(default)]
    pub reason: Option<String>,
}

impl DecisionState {
    pub fn place(&self) -> Option<Place> {
        Some(Place {
            slot: self.slot.clone()?,
            place: self.space.clone()?,
        })
    }

    /// "retenue (14:00, Espace A)", "non retenue (motif)".
    pub fn describe_fr(&self) -> String {
        let mut t = status_fr(self.status).to_string();
        if let (Some(sl), Some(sp)) = (&self.slot, &self.space) {
            t.push_str(&format!(" ({sl}, {sp})"));
        }
        t
    }
}

/// A change the rules allow: the new state of the proposal, and the
/// waiting-list keys to rewrite first when the list had to be renumbered
/// (number, key; the order does not change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub state: DecisionState,
    pub renumber: Vec<(i64, i64)>,
}

impl Transition {
    fn plain(state: DecisionState) -> Transition {
        Transition {
            state,
            renumber: Vec::new(),
        }
    }
}

/// Why a change is refused; the message is for staff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("le créneau {slot} n'existe pas pour ce type de proposition (créneaux : {known})")]
    UnknownSlot { slot: String, known: String },
    #[error("« {place} » n'existe pas pour ce type de proposition (lieux : {known})")]
    UnknownPlace { place: String, known: String },
    #[error("rien à faire : la proposition occupe déjà {slot}, {place}")]
    SamePlace { slot: String, place: String },
    #[error("{place} à {slot} est déjà attribué à la proposition n° {holder}")]
    PlaceTaken {
        slot: String,
        place: String,
        holder: i64,
    },
    #[error("une proposition sans type ne peut pas être placée : corriger d'abord la fiche")]
    NoKind,
    #[error("un refus doit être motivé")]
    MissingReason,
    #[error("la proposition est déjà « {0} »")]
    NoChange(&'static str),
    #[error("aucune place libre pour ce type de proposition : libérer une place ou échanger")]
    NoFreePlace,
    #[error(
        "la proposition n° {0} n'est pas retenue : seule une proposition au programme se déplace ou s'échange"
    )]
    NotAccepted(i64),
    #[error("une proposition ne s'échange pas avec elle-même")]
    SameProposal,
    #[error("deux propositions de types différents ne s'échangent pas : grilles différentes")]
    DifferentKinds,
    #[error("la proposition n° {0} n'est pas sur la liste d'attente")]
    NotWaitlisted(i64),
    #[error("la proposition n° {0} est déjà {1} de la liste d'attente")]
    AtEnd(i64, &'static str),
}

fn check_place(
    layout_kind: &super::KindLayout,
    slot: &str,
    place: &str,
) -> Result<(), DomainError> {
    if !layout_kind.slots.iter().any(|s| s == slot) {
        return Err(DomainError::UnknownSlot {
            slot: slot.into(),
            known: layout_kind.slots.join(", "),
        });
    }
    if !layout_kind.places.iter().any(|p| p == place) {
        return Err(DomainError::UnknownPlace {
            place: place.into(),
            known: layout_kind.places.join(", "),
        });
    }
    Ok(())
}

/// The accepted proposal holding a place of a kind, other than those in `except`.
fn holder<'a>(
    kind: Kind,
    place: &Place,
    all: &'a [Candidate],
    except: &[i64],
) -> Option<&'a Candidate> {
    all.iter().find(|o| {
        !except.contains(&o.number)
            && o.kind == Some(kind)
            && o.status == Status::Accepted
            && o.place.as_ref() == Some(place)
    })
}

/// Checks a decision on `candidate` against the layout and the other live
/// proposals (`all`, which may include it); returns the state it leads to.
pub fn check_decision(
    rules: &Rules,
    candidate: &Candidate,
    decision: &Decision,
    all: &[Candidate],
) -> Result<Transition, DomainError> {
    let target = decision.target();
    let c = candidate;
    let state = |status| DecisionState {
        status,
        slot: None,
        space: None,
        wait_pos: None,
        reason: None,
    };
    match decision {
        Decision::Accept { slot, place } => {
            let kind = c.kind.ok_or(DomainError::NoKind)?;
            check_place(rules.layout.of(kind), slot, place)?;
            let wanted = Place {
                slot: slot.clone(),
                place: place.clone(),
            };
            if c.status == Status::Accepted && c.place.as_ref() == Some(&wanted) {
                return Err(DomainError::SamePlace {
                    slot: slot.clone(),
                    place: place.clone(),
                });
            }
            if let Some(h) = holder(kind, &wanted, all, &[c.number]) {
                return Err(DomainError::PlaceTaken {
                    slot: slot.clone(),
                    place: place.clone(),
                    holder: h.number,
                });
            }
            Ok(Transition::plain(DecisionState {
                slot: Some(slot.clone()),
                space: Some(place.clone()),
                ..state(Status::Accepted)
            }))
        }
        Decision::Waitlist => {
            let kind = c.kind.ok_or(DomainError::NoKind)?;
            if c.status == Status::Waitlisted {
                return Err(DomainError::NoChange(status_fr(target)));
            }
            let others = all_but(c, all);
            let list = in_order(kind, &others);
            let index = entry_index(rules, &list, c);
            let (key, renumber) = key_at(&list, index);
            Ok(Transition {
                state: DecisionState {
                    wait_pos: Some(key),
                    ..state(Status::Waitlisted)
                },
                renumber,
            })
        }
        Decision::Reject { reason } => {
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(DomainError::MissingReason);
            }
            if c.status == Status::Rejected && c.reason.as_deref() == Some(reason) {
                return Err(DomainError::NoChange(status_fr(target)));
            }
            Ok(Transition::plain(DecisionState {
                reason: Some(reason.to_string()),
                ..state(Status::Rejected)
            }))
        }
        Decision::Withdraw | Decision::Pending => {
            if c.status == target {
                return Err(DomainError::NoChange(status_fr(target)));
            }
            Ok(Transition::plain(state(target)))
        }
    }
}

/// The first free place for an acceptance: in the wanted slot if one is
/// free there, else the first free place in programme order.
pub fn default_place(
    rules: &Rules,
    c: &Candidate,
    all: &[Candidate],
) -> Result<Place, DomainError> {
    let kind = c.kind.ok_or(DomainError::NoKind)?;
    free_places_for(rules, kind, c, all)
        .into_iter()
        .next()
        .ok_or(DomainError::NoFreePlace)
}

/// The free places of `kind` for candidate `c`, whose own place (if any)
/// counts as free, in programme order from its wanted slot.
fn free_places_for(rules: &Rules, kind: Kind, c: &Candidate, all: &[Candidate]) -> Vec<Place> {
    super::free_places(
        &rules.layout,
        kind,
        c.wanted_slot.as_deref(),
        &all_but(c, all),
    )
}

/// The candidates other than `c`: where it stands is free for it, and its
/// own waiting-list entry does not count against it.
fn all_but(c: &Candidate, all: &[Candidate]) -> Vec<Candidate> {
    all.iter()
        .filter(|o| o.number != c.number)
        .cloned()
        .collect()
}

/// The place of an acceptance asked for with a slot and a place, either of
/// which may be left out: both → that place (checked by `check_decision`);
/// a slot → its first free place; a place → that place in the wanted slot
/// if free there, else in the first slot where it is free; neither →
/// `default_place`.
pub fn resolve_place(
    rules: &Rules,
    c: &Candidate,
    all: &[Candidate],
    slot: Option<&str>,
    place: Option<&str>,
) -> Result<Place, DomainError> {
    let kind = c.kind.ok_or(DomainError::NoKind)?;
    let grid = rules.layout.of(kind);
    if let Some(s) = slot
        && !grid.slots.iter().any(|x| x == s)
    {
        return Err(DomainError::UnknownSlot {
            slot: s.into(),
            known: grid.slots.join(", "),
        });
    }
    if let Some(p) = place
        && !grid.places.iter().any(|x| x == p)
    {
        return Err(DomainError::UnknownPlace {
            place: p.into(),
            known: grid.places.join(", "),
        });
    }
    match (slot, place) {
        (Some(s), Some(p)) => Ok(Place {
            slot: s.into(),
            place: p.into(),
        }),
        (None, None) => default_place(rules, c, all),
        (s, p) => free_places_for(rules, kind, c, all)
            .into_iter()
            .find(|f| s.is_none_or(|s| f.slot == s) && p.is_none_or(|p| f.place == p))
            .ok_or(DomainError::NoFreePlace),
    }
}

/// A move of an accepted proposal to another (free) place.
pub fn check_move(
    rules: &Rules,
    c: &Candidate,
    to: &Place,
    all: &[Candidate],
) -> Result<Transition, DomainError> {
    if c.status != Status::Accepted {
        return Err(DomainError::NotAccepted(c.number));
    }
    check_decision(
        rules,
        c,
        &Decision::Accept {
            slot: to.slot.clone(),
            place: to.place.clone(),
        },
        all,
    )
}

/// A swap of the places of two accepted proposals of one kind: their new
/// states (a's, b's). Works whatever else the grid holds (a full grid too).
pub fn check_swap(
    a: &Candidate,
    b: &Candidate,
) -> Result<(DecisionState, DecisionState), DomainError> {
    if a.number == b.number {
        return Err(DomainError::SameProposal);
    }
    for c in [a, b] {
        if c.status != Status::Accepted || c.place.is_none() {
            return Err(DomainError::NotAccepted(c.number));
        }
    }
    if a.kind != b.kind {
        return Err(DomainError::DifferentKinds);
    }
    let mut sa = a.state();
    let mut sb = b.state();
    std::mem::swap(&mut sa.slot, &mut sb.slot);
    std::mem::swap(&mut sa.space, &mut sb.space);
    Ok((sa, sb))
}

/// A move one step up (`up`) or down the waiting list.
pub fn check_waitlist_step(
    c: &Candidate,
    up: bool,
    all: &[Candidate],
) -> Result<Transition, DomainError> {
    let kind = c.kind.ok_or(DomainError::NoKind)?;
    if c.status != Status::Waitlisted {
        return Err(DomainError::NotWaitlisted(c.number));
    }
    let list = in_order(kind, all);
    let at = list
        .iter()
        .position(|o| o.number == c.number)
        .ok_or(DomainError::NotWaitlisted(c.number))?;
    let others: Vec<&Candidate> = list
        .iter()
        .copied()
        .filter(|o| o.number != c.number)
        .collect();
    let index = if up {
        if at == 0 {
            return Err(DomainError::AtEnd(c.number, "la première"));
        }
        at - 1
    } else {
        if at + 1 >= list.len() {
            return Err(DomainError::AtEnd(c.number, "la dernière"));
        }
        at + 1
    };
    let (key, renumber) = key_at(&others, index);
    let mut state = c.state();
    state.wait_pos = Some(key);
    Ok(Transition { state, renumber })
}

/// Going back to `target`, an earlier state of `c` (undo): its place must
/// still be free (but for the proposals `with` that go back at the same
/// time, e.g. both sides of a swap); its waiting-list key is the one it had.
pub fn check_restore(
    rules: &Rules,
    c: &Candidate,
    target: &DecisionState,
    all: &[Candidate],
    with: &[i64],
) -> Result<Transition, DomainError> {
    if target.status == Status::Accepted {
        let kind = c.kind.ok_or(DomainError::NoKind)?;
        let place = target.place().ok_or(DomainError::NoFreePlace)?;
        check_place(rules.layout.of(kind), &place.slot, &place.place)?;
        let mut except = with.to_vec();
        except.push(c.number);
        if let Some(h) = holder(kind, &place, all, &except) {
            return Err(DomainError::PlaceTaken {
                slot: place.slot,
                place: place.place,
                holder: h.number,
            });
        }
    }
    if target.status == Status::Waitlisted && target.wait_pos.is_none() {
        // A state from before waiting-list keys: it goes where the rules put it.
        let mut c2 = c.clone();
        c2.status = Status::Pending;
        return check_decision(rules, &c2, &Decision::Waitlist, all);
    }
    Ok(Transition::plain(target.clone()))
}

/// The rank `c` would have on the waiting list if waitlisted now.
pub fn would_rank(rules: &Rules, c: &Candidate, all: &[Candidate]) -> Option<usize> {
    if c.status == Status::Waitlisted {
        return waitlist::rank_of(c.number, all);
    }
    let kind = c.kind?;
    let others = all_but(c, all);
    let list = in_order(kind, &others);
    Some(entry_index(rules, &list, c) + 1)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{accepted, cand};
    use super::*;

    #[test]
    fn a_taken_place_is_refused() {
        let rules = Rules::default();
        let others = vec![accepted(9, "14:00", "Espace A")];
        let c = cand(1, Status::Pending, false, "2018-05-01");
        let d = Decision::Accept {
            slot: "14:00".into(),
            place: "Espace A".into(),
        };
        assert_eq!(
            check_decision(&rules, &c, &d, &others),
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
            check_decision(&rules, &c, &d, &others)
                .unwrap()
                .state
                .status,
            Status::Accepted
        );
        let d = Decision::Accept {
            slot: "12:45".into(),
            place: "Espace B".into(),
        };
        assert!(matches!(
            check_decision(&rules, &c, &d, &others),
            Err(DomainError::UnknownSlot { .. })
        ));
    }

    #[test]
    fn reject_needs_a_reason_and_no_op_is_refused() {
        let rules = Rules::default();
        let c = cand(1, Status::Pending, false, "2018-05-01");
        assert_eq!(
            check_decision(&rules, &c, &Decision::Reject { reason: " ".into() }, &[]),
            Err(DomainError::MissingReason)
        );
        assert!(matches!(
            check_decision(&rules, &c, &Decision::Pending, &[]),
            Err(DomainError::NoChange(_))
        ));
        let t = check_decision(&rules, &c, &Decision::Waitlist, &[]).unwrap();
        assert_eq!(t.state.status, Status::Waitlisted);
        assert!(t.state.wait_pos.is_some());
        // A new reason for a refused proposal is a change.
        let mut r = c.clone();
        r.status = Status::Rejected;
        r.reason = Some("hors sujet".into());
        assert!(
            check_decision(
                &rules,
                &r,
                &Decision::Reject {
                    reason: "hors sujet".into()
                },
                &[]
            )
            .is_err()
        );
        assert!(
            check_decision(
                &rules,
                &r,
                &Decision::Reject {
                    reason: "complet".into()
                },
                &[]
            )
            .is_ok()
        );
    }

    #[test]
    fn swap_on_a_full_grid_and_its_refusals() {
        let a = accepted(1, "14:00", "Espace A");
        let b = accepted(2, "15:20", "Espace D");
        let (sa, sb) = check_swap(&a, &b).unwrap();
        assert_eq!(
            (sa.slot.as_deref(), sa.space.as_deref()),
            (Some("15:20"), Some("Espace D"))
        );
        assert_eq!(
            (sb.slot.as_deref(), sb.space.as_deref()),
            (Some("14:00"), Some("Espace A"))
        );
        assert_eq!(check_swap(&a, &a), Err(DomainError::SameProposal));
        let p = cand(3, Status::Pending, false, "x");
        assert_eq!(check_swap(&a, &p), Err(DomainError::NotAccepted(3)));
    }

    #[test]
    fn waitlist_steps_and_restore() {
        let rules = Rules::default();
        let mut all = Vec::new();
        for (n, pos) in [(1, 100), (2, 200), (3, 300)] {
            let mut c = cand(n, Status::Waitlisted, false, "x");
            c.wait_pos = Some(pos);
            all.push(c);
        }
        let t = check_waitlist_step(&all[2], true, &all).unwrap();
        assert_eq!(t.state.wait_pos, Some(150));
        assert!(matches!(
            check_waitlist_step(&all[0], true, &all),
            Err(DomainError::AtEnd(1, _))
        ));
        let t = check_waitlist_step(&all[0], false, &all).unwrap();
        assert_eq!(t.state.wait_pos, Some(250));
        // Restoring an acceptance whose place was taken since is refused.
        let c = cand(5, Status::Pending, false, "x");
        let target = DecisionState {
            status: Status::Accepted,
            slot: Some("14:00".into()),
            space: Some("Espace A".into()),
            wait_pos: None,
            reason: None,
        };
        let taken = vec![accepted(9, "14:00", "Espace A")];
        assert!(matches!(
            check_restore(&rules, &c, &target, &taken, &[]),
            Err(DomainError::PlaceTaken { holder: 9, .. })
        ));
        assert!(check_restore(&rules, &c, &target, &taken, &[9]).is_ok());
    }
}
