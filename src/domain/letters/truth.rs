//! Whether a letter still tells the truth, pure. A letter states facts:
//! its kind (accepted, on the waiting list, refused…), the slot and place,
//! the refusal's reason, and — once staff have rewritten its text — the
//! waiting-list rank that text gave (a template letter states the rank of
//! the moment it is shown or sent, so it cannot go stale). A letter whose
//! facts no longer hold must never go out: the store sets it aside "à
//! revoir" when the decision or the rank changes, refuses to take it back
//! as it is, and the outbox holds it with a problem should one ever slip
//! through. When the decision calls for no letter, `no_letter_reason` says
//! why, in the words staff read.

use super::{LetterKind, Told};
use crate::domain::{Status, ordinal_fr, status_fr};

/// What a letter says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stated<'a> {
    pub kind: LetterKind,
    pub slot: Option<&'a str>,
    pub space: Option<&'a str>,
    pub reason: Option<&'a str>,
    /// The rank a waiting-list letter's text gives when staff rewrote it
    /// (`None`: the template's text, which states the rank of the moment).
    pub rank: Option<i64>,
}

/// Where the proposal stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Current<'a> {
    pub status: Status,
    pub slot: Option<&'a str>,
    pub space: Option<&'a str>,
    pub reason: Option<&'a str>,
    /// Its rank on the waiting list, if it is on it.
    pub rank: Option<i64>,
}

impl Current<'_> {
    /// "retenue (14:40, Espace C)", "3e sur la liste d'attente".
    pub fn describe_fr(&self) -> String {
        match (self.status, self.slot, self.space, self.rank) {
            (Status::Accepted, Some(sl), Some(sp), _) => {
                format!("{} ({sl}, {sp})", status_fr(self.status))
            }
            (Status::Waitlisted, _, _, Some(r)) => crate::domain::rank_fr(r as usize),
            (st, ..) => status_fr(st).to_string(),
        }
    }
}

/// Why a letter no longer tells the truth (French, for staff), or `None`
/// when everything it states still holds.
pub fn contradiction(stated: &Stated<'_>, now: &Current<'_>) -> Option<String> {
    let not_any_more = |what: &str| {
        Some(format!(
            "la proposition n'est plus {what} : elle est {}",
            now.describe_fr()
        ))
    };
    match stated.kind {
        // About a message, not a proposal: nothing it states can change.
        LetterKind::DocxRequest => None,
        LetterKind::Acknowledgement => (now.status != Status::Pending).then(|| {
            format!(
                "la proposition est décidée ({}) : un accusé de réception promettrait une décision à venir",
                now.describe_fr()
            )
        }),
        LetterKind::Accepted | LetterKind::SlotChanged => {
            if now.status != Status::Accepted {
                return not_any_more("retenue");
            }
            if (stated.slot, stated.space) != (now.slot, now.space) {
                return Some(format!(
                    "la place a changé : la lettre dit {}, {} ; la proposition est à {}, {}",
                    stated.slot.unwrap_or("?"),
                    stated.space.unwrap_or("?"),
                    now.slot.unwrap_or("?"),
                    now.space.unwrap_or("?")
                ));
            }
            None
        }
        LetterKind::Waitlisted => {
            if now.status != Status::Waitlisted {
                return not_any_more("sur la liste d'attente");
            }
            match (stated.rank, now.rank) {
                (Some(said), Some(is)) if said != is => Some(format!(
                    "le rang a changé : le texte modifié dit {}, elle est maintenant {}",
                    ordinal_fr(said as usize),
                    ordinal_fr(is as usize)
                )),
                _ => None,
            }
        }
        LetterKind::Rejected => {
            if now.status != Status::Rejected {
                return not_any_more("non retenue");
            }
            fn norm(r: Option<&str>) -> Option<&str> {
                r.map(str::trim).filter(|r| !r.is_empty())
            }
            (norm(stated.reason) != norm(now.reason)).then(|| {
                "le motif du refus a changé depuis que la lettre a été écrite".to_string()
            })
        }
        LetterKind::Cancellation => (now.status == Status::Accepted).then(|| {
            format!(
                "la proposition est de nouveau {} : annoncer une annulation serait faux",
                now.describe_fr()
            )
        }),
    }
}

/// Why a state calls for no decision letter (when `decision_letter` gives
/// none), in the words staff read.
pub fn no_letter_reason(status: Status, told: Option<&Told>) -> &'static str {
    match status {
        Status::Accepted => "la place annoncée est toujours la bonne : rien de nouveau à écrire",
        Status::Waitlisted => {
            "la liste d'attente a déjà été annoncée (un changement de rang ne s'annonce pas)"
        }
        Status::Rejected => "le refus a déjà été annoncé",
        Status::Withdrawn => {
            "un retrait se fait à la demande de l'organisation, qui le sait : pas de lettre (pour écarter une proposition contre son gré, la refuser avec un motif)"
        }
        Status::Pending => match told.map(|t| t.kind) {
            Some(_) => {
                "la décision annoncée reste à revoir : la prochaine décision fera l'objet d'une lettre"
            }
            None => {
                "la décision n'est pas prise : l'accusé de réception suffit, la décision suivra"
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now(status: Status) -> Current<'static> {
        Current {
            status,
            slot: None,
            space: None,
            reason: None,
            rank: None,
        }
    }

    #[test]
    fn a_waiting_list_letter_is_false_once_accepted_or_its_rank_moved() {
        let said = Stated {
            kind: LetterKind::Waitlisted,
            slot: None,
            space: None,
            reason: None,
            rank: Some(4),
        };
        let accepted = Current {
            slot: Some("14:40"),
            space: Some("Espace C"),
            ..now(Status::Accepted)
        };
        let why = contradiction(&said, &accepted).unwrap();
        assert!(why.contains("retenue (14:40, Espace C)"), "{why}");
        let third = Current {
            rank: Some(3),
            ..now(Status::Waitlisted)
        };
        let why = contradiction(&said, &third).unwrap();
        assert!(why.contains("4e") && why.contains("3e"), "{why}");
        let fourth = Current {
            rank: Some(4),
            ..now(Status::Waitlisted)
        };
        assert_eq!(contradiction(&said, &fourth), None);
        // A template letter states the rank of the moment: never stale.
        let template = Stated { rank: None, ..said };
        assert_eq!(contradiction(&template, &third), None);
    }

    #[test]
    fn places_reasons_acknowledgements_and_cancellations() {
        let acc = Stated {
            kind: LetterKind::Accepted,
            slot: Some("14:00"),
            space: Some("Espace A"),
            reason: None,
            rank: None,
        };
        let moved = Current {
            slot: Some("14:20"),
            space: Some("Espace A"),
            ..now(Status::Accepted)
        };
        assert!(contradiction(&acc, &moved).is_some());
        let same = Current {
            slot: Some("14:00"),
            ..moved
        };
        assert_eq!(contradiction(&acc, &same), None);
        let refused = Stated {
            kind: LetterKind::Rejected,
            reason: Some("hors sujet"),
            ..acc
        };
        let other_reason = Current {
            reason: Some("complet"),
            ..now(Status::Rejected)
        };
        assert!(contradiction(&refused, &other_reason).is_some());
        let ack = Stated {
            kind: LetterKind::Acknowledgement,
            ..acc
        };
        assert_eq!(contradiction(&ack, &now(Status::Pending)), None);
        assert!(contradiction(&ack, &now(Status::Withdrawn)).is_some());
        let cancel = Stated {
            kind: LetterKind::Cancellation,
            ..acc
        };
        assert!(contradiction(&cancel, &same).is_some());
        assert_eq!(contradiction(&cancel, &now(Status::Rejected)), None);
        assert!(no_letter_reason(Status::Withdrawn, None).contains("demande de l'organisation"));
    }
}
