//! The journal: the append-only record of every change (who, when, what,
//! before and after), its actions, and the one writer of its lines.
//!
//! An action is a [`JournalAction`]; its stored name (the `action` column)
//! is given in one place, [`JournalAction::as_str`], and read back with
//! [`JournalAction::parse`].

use rusqlite::{Transaction, params};

use super::Result;

/// What a journal line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JournalAction {
    /// the intake stored a message.
    MessageStored,
    /// a fiche of a message became a proposal.
    ProposalCreated,
    /// a newer fiche of the chain replaced the live revision.
    ProposalSuperseded,
    /// the revisions of a chain were renumbered or relinked.
    RevisionRelinked,
    /// a new live revision took over the decision of the one it replaced.
    DecisionCarriedOver,
    /// flagged as a probable new version of another proposal.
    ProbableVersionFlagged,
    /// no longer flagged as a probable new version.
    ProbableVersionCleared,
    /// staff decided (accept, waitlist, refuse…).
    Decision,
    /// staff moved an accepted proposal to another place.
    Moved,
    /// staff swapped the places of two accepted proposals.
    Swapped,
    /// staff changed a rank on a waiting list.
    WaitlistMoved,
    /// a waiting list was renumbered.
    WaitlistRenumbered,
    /// a programme suggestion was applied.
    Suggestion,
    /// a decision was taken back.
    Undo,
    /// staff corrected a field.
    FieldUpdated,
    /// the article of the organisation's name in letters.
    Article,
    /// staff's note on a proposal.
    Note,
    /// staff's opinion on a proposal.
    Opinion,
    /// staff entered a fiche by hand.
    ProposalEntered,
    /// a message was marked handled.
    MessageHandled,
    /// a message was marked not handled.
    MessageUnhandled,
    /// a message was linked to a proposal.
    MessageLinked,
    /// a message's link was removed.
    MessageUnlinked,
    /// a demande de .docx was queued for a message.
    DocxRequested,
    /// staff reset an IMAP post-action stuck on a message.
    ImapPendingReset,
    /// the public lists were published.
    Publication,
    /// the call's fields were renamed.
    CallRenamed,
}

impl JournalAction {
    /// Every action, in the order above.
    pub const ALL: [JournalAction; 27] = [
        JournalAction::MessageStored,
        JournalAction::ProposalCreated,
        JournalAction::ProposalSuperseded,
        JournalAction::RevisionRelinked,
        JournalAction::DecisionCarriedOver,
        JournalAction::ProbableVersionFlagged,
        JournalAction::ProbableVersionCleared,
        JournalAction::Decision,
        JournalAction::Moved,
        JournalAction::Swapped,
        JournalAction::WaitlistMoved,
        JournalAction::WaitlistRenumbered,
        JournalAction::Suggestion,
        JournalAction::Undo,
        JournalAction::FieldUpdated,
        JournalAction::Article,
        JournalAction::Note,
        JournalAction::Opinion,
        JournalAction::ProposalEntered,
        JournalAction::MessageHandled,
        JournalAction::MessageUnhandled,
        JournalAction::MessageLinked,
        JournalAction::MessageUnlinked,
        JournalAction::DocxRequested,
        JournalAction::ImapPendingReset,
        JournalAction::Publication,
        JournalAction::CallRenamed,
    ];

    /// Its name in the database (never changes: lines already written
    /// keep it).
    pub fn as_str(self) -> &'static str {
        use JournalAction::*;
        match self {
            MessageStored => "message_stored",
            ProposalCreated => "proposal_created",
            ProposalSuperseded => "proposal_superseded",
            RevisionRelinked => "revision_relinked",
            DecisionCarriedOver => "decision_carried_over",
            ProbableVersionFlagged => "probable_version_flagged",
            ProbableVersionCleared => "probable_version_cleared",
            Decision => "decision",
            Moved => "moved",
            Swapped => "swapped",
            WaitlistMoved => "waitlist_moved",
            WaitlistRenumbered => "waitlist_renumbered",
            Suggestion => "suggestion",
            Undo => "undo",
            FieldUpdated => "field_updated",
            Article => "article",
            Note => "note",
            Opinion => "opinion",
            ProposalEntered => "proposal_entered",
            MessageHandled => "message_handled",
            MessageUnhandled => "message_unhandled",
            MessageLinked => "message_linked",
            MessageUnlinked => "message_unlinked",
            DocxRequested => "docx_requested",
            ImapPendingReset => "imap_pending_reset",
            Publication => "publication",
            CallRenamed => "call_renamed",
        }
    }

    /// The action of a stored name; `None` for a name this version does
    /// not write.
    pub fn parse(s: &str) -> Option<JournalAction> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Whether it changes a decision state (the lines an undo takes back).
    pub fn is_decision(self) -> bool {
        use JournalAction::*;
        matches!(
            self,
            Decision | Moved | Swapped | WaitlistMoved | Suggestion | Undo
        )
    }
}

impl std::fmt::Display for JournalAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One journal line to append.
pub(crate) struct Line<'a> {
    pub actor: &'a str,
    pub action: JournalAction,
    pub message_id: Option<i64>,
    pub proposal_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Appends `line` to the journal, in the change's transaction.
pub(crate) fn journal(tx: &Transaction<'_>, at: &str, line: Line<'_>) -> Result<()> {
    let Line {
        actor,
        action,
        message_id,
        proposal_id,
        before,
        after,
    } = line;
    tx.prepare_cached(
        "INSERT INTO journal (at, actor, action, message_id, proposal_id, before, after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        at,
        actor,
        action.as_str(),
        message_id,
        proposal_id,
        before.map(|v| v.to_string()),
        after.map(|v| v.to_string())
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_from_its_stored_name() {
        for a in JournalAction::ALL {
            assert_eq!(JournalAction::parse(a.as_str()), Some(a));
        }
        assert_eq!(JournalAction::parse("letter_sent"), None);
        assert_eq!(JournalAction::Decision.as_str(), "decision");
    }
}
