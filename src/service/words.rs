//! The French name of every code the commands and the console show to
//! people: proposal
//! statuses and kinds, message statuses, attachment outcomes, flags, letter
//! states, field keys (by the call definition's labels) and values. Human
//! output goes through here; the codes themselves are only for `--json`.
//! The filter options (`--status`, `--state`, `--kind`) read the French
//! names as well as the codes, through [`choice`].

use crate::fiche::{Kind, Value};
use crate::store::{AttachmentOutcome, LetterState, MessageStatus, ProposalStatus};

/// "à décider", "retenue", …
pub fn proposal_status(s: ProposalStatus) -> &'static str {
    crate::domain::status_fr(s)
}

/// "Micro-atelier"; "type inconnu" when the fiche's kind was not found.
pub fn kind(k: Option<Kind>) -> &'static str {
    k.map_or("type inconnu", Kind::label_fr)
}

/// What the intake made of a message.
pub fn message_status(s: MessageStatus) -> &'static str {
    match s {
        MessageStatus::Fiche => "fiche lue",
        MessageStatus::NoFiche => "sans fiche",
        MessageStatus::AutoReply => "réponse auto",
        MessageStatus::Unsupported => "format non lu",
        MessageStatus::Rejected => "refusé",
        MessageStatus::Error => "illisible",
    }
}

/// What the intake made of an attachment.
pub fn attachment_outcome(o: AttachmentOutcome) -> &'static str {
    match o {
        AttachmentOutcome::Fiche => "fiche lue",
        AttachmentOutcome::Blank => "fiche vierge",
        AttachmentOutcome::UnsupportedFormat => "format non lu",
        AttachmentOutcome::NotAFiche => "pas une fiche",
        AttachmentOutcome::Corrupt => "fichier abîmé",
        AttachmentOutcome::TooLarge => "trop volumineux",
        AttachmentOutcome::Rejected => "refusé (limite de sécurité)",
        AttachmentOutcome::Ignored => "ignoré (image, signature)",
    }
}

/// Each flag a message or proposal may carry: its stored code, its short
/// name (a list's tag: the command line, the console's columns) and its
/// meaning (a sentence: the console's detail). One table for both forms.
const FLAGS: [(&str, &str, &str); 8] = {
    use crate::store::flag as f;
    [
        (f::LATE, "hors délai", "arrivée après la date limite"),
        (
            f::CONTACT_EMAIL_FROM_SENDER,
            "courriel de contact repris de l'expéditeur",
            "courriel de contact pris de l'expéditeur",
        ),
        (
            f::UPDATED_AFTER_DECISION,
            "nouvelle fiche reçue après une décision",
            "nouvelle fiche reçue après une décision",
        ),
        (f::NO_DATE, "sans date", "message sans date"),
        (
            f::ATTACHMENT_PROBLEM,
            "pièce jointe à regarder",
            "problème de pièce jointe (à regarder)",
        ),
        (
            f::PROBABLE_NEW_VERSION,
            "probable nouvelle version d'une autre proposition",
            "probable nouvelle version d'une autre proposition",
        ),
        (
            f::DOUBTFUL_DATE,
            "date d'envoi douteuse, date de réception retenue",
            "date d'envoi douteuse (date de réception retenue)",
        ),
        (
            "entered_by_hand",
            "fiche saisie à la main",
            "fiche saisie à la main",
        ),
    ]
};

/// A stored flag ("late") as staff read it in a list; an unknown one as
/// "autre signalement" with its code, so nothing is hidden.
pub fn flag(code: &str) -> String {
    match FLAGS.iter().find(|f| f.0 == code) {
        Some(f) => f.1.to_string(),
        None => format!("autre signalement ({code})"),
    }
}

/// What a stored flag means, as a sentence (the console's detail).
pub fn flag_meaning(code: &str) -> &'static str {
    FLAGS
        .iter()
        .find(|f| f.0 == code)
        .map_or("autre signalement", |f| f.2)
}

/// Flags in brackets, in French: "  [hors délai, sans date]"; empty for none.
pub fn flags(codes: &[String]) -> String {
    if codes.is_empty() {
        return String::new();
    }
    let names: Vec<String> = codes.iter().map(|c| flag(c)).collect();
    format!("  [{}]", names.join(", "))
}

/// What a letter's state is called.
pub fn letter_state(s: LetterState) -> &'static str {
    s.label_fr()
}

/// The label of a field as printed on the form, without its explanation
/// in brackets ("Type de structure"); the common fields' labels when the
/// kind is unknown; the key itself only for a field the definition lacks.
pub fn field_label(kind: Option<Kind>, key: &str) -> String {
    if key == "fiche" {
        return "Fiche".into();
    }
    let def = match kind {
        Some(k) => crate::call::field_def(k.key(), key),
        None => crate::call::current()
            .fields
            .iter()
            .find(|f| f.key() == key),
    };
    def.map_or_else(
        || key.to_string(),
        |f| crate::publish::labels::short_label(&f.label).to_string(),
    )
}

/// A value as staff read it: choice labels, "oui"/"non", text as written;
/// "indifférent" for a slot left to the organisers.
pub fn value(kind: Option<Kind>, key: &str, v: &Value) -> String {
    let text = crate::publish::labels::value_fr(kind.map(Kind::key), key, v);
    match v {
        Value::Bool(_) => text.to_lowercase(),
        Value::Text(t) if t == "any" && text == "any" => "indifférent".into(),
        _ => text,
    }
}

/// A French name made typable: lower case, no accents, words joined by
/// "-" ("à décider" → "a-decider", "liste d'attente" → "liste-d-attente").
pub fn typable(name: &str) -> String {
    crate::fiche::text::fold(name).replace(' ', "-")
}

/// Reads a filter value: the code (`pending`, for scripts and `--json`
/// users), the French name in any spelling ("à décider", "a-decider"), or a
/// part of it that names only one ("attente"). The error lists the French
/// names, typable.
pub fn choice<T: Copy>(
    input: &str,
    all: &[T],
    code: impl Fn(T) -> &'static str,
    name: impl Fn(T) -> &'static str,
    what: &str,
    whats: &str,
) -> Result<T, String> {
    if let Some(t) = all.iter().copied().find(|t| code(*t) == input) {
        return Ok(t);
    }
    let wanted = typable(input);
    if !wanted.is_empty() {
        if let Some(t) = all.iter().copied().find(|t| typable(name(*t)) == wanted) {
            return Ok(t);
        }
        let parts: Vec<T> = all
            .iter()
            .copied()
            .filter(|t| format!("-{}-", typable(name(*t))).contains(&format!("-{wanted}-")))
            .collect();
        if let [one] = parts.as_slice() {
            return Ok(*one);
        }
    }
    Err(format!(
        "{what} inconnu « {input} » ; {whats} possibles : {}",
        typables(all, name)
    ))
}

/// The typable French names of `all`, comma-separated.
pub fn typables<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str) -> String {
    all.iter()
        .map(|t| typable(name(*t)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `--kind`: a kind by its French name or its key.
pub fn parse_kind(s: &str) -> Result<Kind, String> {
    choice(s, &Kind::all(), Kind::key, Kind::label_fr, "type", "types")
}

/// `--status` of proposals.
pub fn parse_proposal_status(s: &str) -> Result<ProposalStatus, String> {
    choice(
        s,
        ProposalStatus::ALL,
        ProposalStatus::as_str,
        proposal_status,
        "statut",
        "statuts",
    )
}

/// `--status` of messages.
pub fn parse_message_status(s: &str) -> Result<MessageStatus, String> {
    choice(
        s,
        MessageStatus::ALL,
        MessageStatus::as_str,
        message_status,
        "statut",
        "statuts",
    )
}

/// `--state` of letters.
pub fn parse_letter_state(s: &str) -> Result<LetterState, String> {
    choice(
        s,
        &LetterState::ALL,
        LetterState::as_str,
        letter_state,
        "état",
        "états",
    )
}

/// What a letter is, as in "lettre n° 50 (refus)": the decision letters
/// by what they tell ("acceptation", "refus"), not by the proposal's status.
pub fn letter_kind(k: crate::domain::LetterKind) -> &'static str {
    match k {
        crate::domain::LetterKind::Rejected => "refus",
        k => k.label_fr(),
    }
}

/// A local mail source as staff read it: "maildir:mail/Maildir" →
/// "Maildir mail/Maildir", "eml:mail/eml" → "dossier de .eml mail/eml";
/// an IMAP mailbox (account/mailbox) as written.
pub fn source(name: &str) -> String {
    if let Some(p) = name.strip_prefix("maildir:") {
        format!("Maildir {p}")
    } else if let Some(p) = name.strip_prefix("eml:") {
        format!("dossier de .eml {p}")
    } else {
        name.to_string()
    }
}

/// A journal action as staff read it in a proposal's history. Exhaustive:
/// a new action cannot be added without its French words. A stored name
/// this build does not know is "autre changement".
pub fn journal_action(stored: &str) -> &'static str {
    use crate::store::JournalAction as J;
    let Some(action) = J::parse(stored) else {
        return "autre changement";
    };
    match action {
        J::MessageStored => "message enregistré",
        J::ProposalCreated => "proposition créée",
        J::ProposalSuperseded => "remplacée par une fiche plus récente",
        J::RevisionRelinked => "révisions réordonnées",
        J::DecisionCarriedOver => "décision reprise de la révision précédente",
        J::ProbableVersionFlagged => "signalée comme probable nouvelle version",
        J::ProbableVersionCleared => "n'est plus signalée comme probable nouvelle version",
        J::Decision => "décision",
        J::Moved => "déplacée",
        J::Swapped => "échangée avec une autre",
        J::WaitlistMoved => "rang changé dans la liste d'attente",
        J::WaitlistRenumbered => "liste d'attente renumérotée",
        J::Suggestion => "suggestion de programme appliquée",
        J::Undo => "décision annulée",
        J::FieldUpdated => "champ corrigé",
        J::Article => "article du nom (lettres)",
        J::Note => "note de l'équipe",
        J::Opinion => "avis de l'équipe",
        J::ProposalEntered => "fiche saisie à la main",
        J::MessageHandled => "message marqué traité",
        J::MessageUnhandled => "message marqué non traité",
        J::MessageLinked => "message lié à la proposition",
        J::MessageUnlinked => "lien du message retiré",
        J::DocxRequested => "demande de .docx préparée",
        J::ImapPendingReset => "relève du courrier reprise",
        J::Publication => "publication des listes",
        J::CallRenamed => "renommage appliqué (définition de l'appel)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_read_french_names_and_codes() {
        assert_eq!(typable("à décider"), "a-decider");
        assert_eq!(typable("liste d'attente"), "liste-d-attente");
        assert_eq!(
            parse_proposal_status("pending"),
            Ok(ProposalStatus::Pending)
        );
        assert_eq!(
            parse_proposal_status("à décider"),
            Ok(ProposalStatus::Pending)
        );
        assert_eq!(
            parse_proposal_status("retenue"),
            Ok(ProposalStatus::Accepted)
        );
        assert_eq!(
            parse_proposal_status("non-retenue"),
            Ok(ProposalStatus::Rejected)
        );
        assert_eq!(
            parse_proposal_status("attente"),
            Ok(ProposalStatus::Waitlisted)
        );
        assert_eq!(
            parse_message_status("sans-fiche"),
            Ok(MessageStatus::NoFiche)
        );
        assert_eq!(parse_letter_state("à revoir"), Ok(LetterState::Review));
        assert_eq!(parse_letter_state("envoyee"), Ok(LetterState::Sent));
        assert_eq!(parse_kind("bourse"), Ok(Kind::BourseProjets));
        assert_eq!(parse_kind("micro_atelier"), Ok(Kind::MicroAtelier));
        let e = parse_proposal_status("foo").unwrap_err();
        assert!(
            e.contains("a-decider, retenue, liste-d-attente, non-retenue, retiree"),
            "{e}"
        );
        assert!(!e.contains("pending"), "{e}");
    }

    #[test]
    fn codes_have_french_names() {
        assert_eq!(flag("late"), "hors délai");
        assert_eq!(source("maildir:mail/Maildir"), "Maildir mail/Maildir");
        assert_eq!(source("eml:in"), "dossier de .eml in");
        assert_eq!(
            field_label(Some(Kind::MicroAtelier), "contact_last_name"),
            "Nom"
        );
        assert_eq!(
            value(Some(Kind::MicroAtelier), "cuf_member", &Value::Bool(true)),
            "oui"
        );
    }

    #[test]
    fn every_journal_action_has_its_words() {
        for a in crate::store::JournalAction::ALL {
            assert_ne!(journal_action(a.as_str()), "autre changement", "{a:?}");
        }
        assert_eq!(
            journal_action("letter_sent_by_a_newer_build"),
            "autre changement"
        );
    }
}
