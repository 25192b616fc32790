//! Letters as rules, pure: the kinds of letter with their stable names,
//! which letter a decision calls for given what the sender was told, who
//! may be acknowledged, why an attachment could not be read (in the
//! sender's words), and whether a letter still tells the truth ([`truth`]).
//! The store applies these rules; the `letters` module renders the
//! letters from their templates.

pub mod truth;

use std::fmt;

use serde::Serialize;

use super::Status;

/// The kinds of letter, with their stable names (database, JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LetterKind {
    /// "Votre fiche est bien arrivée."
    Acknowledgement,
    /// On the programme, with a slot and a space or table.
    Accepted,
    /// On the waiting list, with a rank.
    Waitlisted,
    /// Not retained, with a reason.
    Rejected,
    /// Accepted, and the slot or the place moved after the sender was told.
    SlotChanged,
    /// The sender was told "accepted", and the proposal no longer is
    /// (refused, withdrawn, back on the waiting list or to decide).
    Cancellation,
    /// Not about a proposal: the attachment of a message could not be read
    /// (a .doc, a PDF, a scan…); the sender is asked to send the fiche
    /// again as .docx or .xlsx.
    DocxRequest,
}

impl LetterKind {
    pub const ALL: [LetterKind; 7] = [
        LetterKind::Acknowledgement,
        LetterKind::Accepted,
        LetterKind::Waitlisted,
        LetterKind::Rejected,
        LetterKind::SlotChanged,
        LetterKind::Cancellation,
        LetterKind::DocxRequest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LetterKind::Acknowledgement => "acknowledgement",
            LetterKind::Accepted => "accepted",
            LetterKind::Waitlisted => "waitlisted",
            LetterKind::Rejected => "rejected",
            LetterKind::SlotChanged => "slot_changed",
            LetterKind::Cancellation => "cancellation",
            LetterKind::DocxRequest => "docx_request",
        }
    }

    pub fn parse(s: &str) -> Option<LetterKind> {
        LetterKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The `kind` column (a cancellation is a `rejected` letter with
    /// `cancellation = 1`: see migration 0006).
    pub fn db_name(self) -> &'static str {
        match self {
            LetterKind::Cancellation => "rejected",
            k => k.as_str(),
        }
    }

    /// The kind from the `kind` and `cancellation` columns.
    pub fn from_db(kind: &str, cancellation: bool) -> Option<LetterKind> {
        match (LetterKind::parse(kind)?, cancellation) {
            (LetterKind::Rejected, true) => Some(LetterKind::Cancellation),
            (LetterKind::Cancellation, _) => None,
            (k, _) => Some(k),
        }
    }

    /// What staff call it.
    pub fn label_fr(self) -> &'static str {
        match self {
            LetterKind::Acknowledgement => "accusé de réception",
            LetterKind::Accepted => "acceptation",
            LetterKind::Waitlisted => "liste d'attente",
            LetterKind::Rejected => "non retenue",
            LetterKind::SlotChanged => "créneau modifié",
            LetterKind::Cancellation => "annulation",
            LetterKind::DocxRequest => "demande de .docx",
        }
    }

    /// A decision letter (everything but the acknowledgement and the
    /// demande de .docx).
    pub fn is_decision(self) -> bool {
        !matches!(self, LetterKind::Acknowledgement | LetterKind::DocxRequest)
    }

    /// A letter about a proposal (all but the demande de .docx, which is
    /// about a message whose fiche could not be read).
    pub fn about_proposal(self) -> bool {
        self != LetterKind::DocxRequest
    }
}

impl fmt::Display for LetterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for LetterKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What the sender was last told about a proposal (the last decision letter
/// sent, or possibly sent): its kind and the place it gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Told {
    pub kind: LetterKind,
    pub slot: Option<String>,
    pub space: Option<String>,
}

/// The letter a decision calls for, given what the sender was already told:
/// - accepted: an acceptance, or "créneau modifié" when an acceptance for
///   another slot or place went out, or nothing when the place is the one told;
/// - told "accepted" and no longer accepted (refused, withdrawn, waiting,
///   to decide): a cancellation, not the ordinary letter;
/// - waitlisted: the waiting-list letter, unless one went out already (a
///   rank moving is not announced);
/// - rejected: the refusal, unless it (or a cancellation) went out already;
/// - back to pending, withdrawn: no letter.
pub fn decision_letter(
    status: Status,
    slot: Option<&str>,
    space: Option<&str>,
    told: Option<&Told>,
) -> Option<LetterKind> {
    let told_kind = told.map(|t| t.kind);
    let told_accepted = matches!(
        told_kind,
        Some(LetterKind::Accepted | LetterKind::SlotChanged)
    );
    match status {
        Status::Accepted => match told {
            Some(t) if told_accepted => {
                if t.slot.as_deref() == slot && t.space.as_deref() == space {
                    None
                } else {
                    Some(LetterKind::SlotChanged)
                }
            }
            _ => Some(LetterKind::Accepted),
        },
        _ if told_accepted => Some(LetterKind::Cancellation),
        Status::Waitlisted if told_kind == Some(LetterKind::Waitlisted) => None,
        Status::Waitlisted => Some(LetterKind::Waitlisted),
        Status::Rejected
            if matches!(
                told_kind,
                Some(LetterKind::Rejected | LetterKind::Cancellation)
            ) =>
        {
            None
        }
        Status::Rejected => Some(LetterKind::Rejected),
        Status::Pending | Status::Withdrawn => None,
    }
}

/// Whether a message from `sender` may be acknowledged: never our own
/// address (a letter that came back), never a mailer daemon or postmaster.
pub fn may_acknowledge(sender: Option<&str>, own_addresses: &[String]) -> bool {
    let Some(sender) = sender.map(|s| s.trim().to_lowercase()) else {
        return false;
    };
    if sender.is_empty()
        || own_addresses
            .iter()
            .any(|a| a.eq_ignore_ascii_case(&sender))
    {
        return false;
    }
    let local = sender.split('@').next().unwrap_or("");
    !matches!(
        local,
        "mailer-daemon" | "postmaster" | "noreply" | "no-reply" | "ne-pas-repondre"
    )
}

/// Why an attachment could not be read, for its sender, in plain French:
/// from what the intake found (`outcome`) and the format it recognised.
pub fn unreadable_why(outcome: &str, format: Option<&str>) -> String {
    let format = format.unwrap_or("").to_ascii_lowercase();
    match outcome {
        "unsupported_format" | "fiche" | "blank" if !format.is_empty() => match format.as_str() {
            "doc" => "un document Word de l'ancien format (.doc), que notre outil ne sait pas lire".into(),
            "pdf" => "un PDF, dont les réponses ne peuvent pas être relevées automatiquement".into(),
            "rtf" => "un document RTF, que notre outil ne sait pas lire".into(),
            "xls" => "un classeur Excel de l'ancien format (.xls), que notre outil ne sait pas lire".into(),
            "odt" | "ods" => "un document OpenDocument, dont les réponses n'ont pas pu être relevées".into(),
            "zip" => "une archive, que nous n'ouvrons pas".into(),
            _ => "un format que notre outil ne sait pas lire".into(),
        },
        "unsupported_format" => "un format que notre outil ne sait pas lire (une image ou une photo, par exemple)".into(),
        "blank" => "la fiche nous est parvenue vide".into(),
        "not_a_fiche" => "ce document n'est pas la fiche de renseignements, ou elle a été trop modifiée pour être lue".into(),
        "corrupt" => "le fichier est endommagé et ne s'ouvre pas".into(),
        "too_large" | "rejected" => "le fichier est trop volumineux ou trop complexe pour être lu".into(),
        _ => "nous n'avons pas pu le lire".into(),
    }
}
