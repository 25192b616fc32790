//! The records the store takes in (`NewMessage`, `NewAttachment`,
//! `NewProposal`) and gives back (`MessageRecord`, `Proposal`, ...), with the
//! closed sets of statuses and outcomes as enums whose string forms are the
//! stable names used in the database and in JSON.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::fiche::{Kind, Value, Warning};

/// Flags a message or a proposal can carry. Flags are an open list of stable
/// names; these are the ones the intake and the store set.
pub mod flag {
    /// Dated (or received) after the deadline of `config.toml`.
    pub const LATE: &str = "late";
    /// The fiche had no contact email: the sender's address was used.
    pub const CONTACT_EMAIL_FROM_SENDER: &str = "contact_email_from_sender";
    /// A new revision arrived after staff had decided on the previous one.
    pub const UPDATED_AFTER_DECISION: &str = "updated_after_decision";
    /// Neither a usable Date header nor a receipt time: lateness unknown.
    pub const NO_DATE: &str = "no_date";
    /// A fiche was read, but the message is cut, hit a safety limit, or
    /// another attachment could not be read: staff should look at it.
    pub const ATTACHMENT_PROBLEM: &str = "attachment_problem";
    /// Same sender and kind as a live proposal whose organisation is written
    /// differently ("Mairie de X" then "Ville de X"): probably a new version
    /// of it, not chained automatically; staff link or keep apart.
    pub const PROBABLE_NEW_VERSION: &str = "probable_new_version";
    /// The Date header is more than a day before our server's receipt (the
    /// first trusted `Received:` hop): the receipt time was used for lateness.
    pub const DOUBTFUL_DATE: &str = "doubtful_date";
}

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $s:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable name used in the database and in JSON.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($s => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// What the intake made of a message.
    #[derive(Default)]
    MessageStatus {
        Fiche => "fiche",
        #[default]
        NoFiche => "no_fiche",
        AutoReply => "auto_reply",
        Unsupported => "unsupported",
        Rejected => "rejected",
        Error => "error",
    }
}

string_enum! {
    /// What the intake made of one attachment.
    AttachmentOutcome {
        Fiche => "fiche",
        /// The blank form sent back: a fiche with nothing filled in.
        Blank => "blank",
        UnsupportedFormat => "unsupported_format",
        NotAFiche => "not_a_fiche",
        Corrupt => "corrupt",
        TooLarge => "too_large",
        /// The reader died on it (memory, time, crash): see the reason.
        Rejected => "rejected",
        /// Not looked at: images (signatures, logos), parts of auto-replies.
        Ignored => "ignored",
    }
}

/// Where a proposal stands in the selection: the domain's `Status`.
pub use crate::domain::Status as ProposalStatus;

/// A message ready to be stored, as the intake made it.
#[derive(Debug, Clone, Default)]
pub struct NewMessage {
    pub raw: Vec<u8>,
    /// Hex SHA-256 of `raw` when the caller already computed it (the store
    /// computes it otherwise; a wrong value is a bug, checked in debug builds).
    pub sha256: Option<String>,
    /// Header Message-ID without the angle brackets.
    pub message_id: Option<String>,
    pub from_addr: Option<String>,
    pub from_name: Option<String>,
    pub subject: Option<String>,
    /// Date header, RFC 3339 with the sender's offset.
    pub date: Option<String>,
    /// Receipt time, RFC 3339 UTC.
    pub received_at: Option<String>,
    /// The time the deadline was checked against, RFC 3339 UTC
    /// (`YYYY-MM-DDTHH:MM:SSZ`, so it sorts as text).
    pub effective_at: Option<String>,
    pub source_ref: String,
    /// Size of the message as received (may exceed `raw.len()` when the
    /// message was too large to be loaded whole).
    pub size: u64,
    pub status: MessageStatus,
    pub reason: Option<String>,
    pub flags: Vec<String>,
    pub attachments: Vec<NewAttachment>,
}

/// One attachment looked at, and the fiche read from it if any.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub part_path: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub size: u64,
    pub sha256: String,
    /// Format sniffed from the content (`DOCX`, `PDF`, ...).
    pub format: Option<String>,
    pub outcome: AttachmentOutcome,
    pub reason: Option<String>,
    pub proposal: Option<NewProposal>,
}

/// A fiche turned into a proposal, before the store links it to earlier revisions.
#[derive(Debug, Clone, Default)]
pub struct NewProposal {
    pub kind: Option<Kind>,
    pub fields: BTreeMap<String, Value>,
    pub extra: Vec<(String, String)>,
    pub warnings: Vec<Warning>,
    pub flags: Vec<String>,
}

/// What `Store::ingest` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestOutcome {
    Stored {
        id: i64,
        status: MessageStatus,
        proposals: Vec<i64>,
        /// Proposals that stopped being the live revision because of this message.
        superseded: Vec<i64>,
        /// Proposals of this message that joined the chain of a fiche
        /// already received (a revision, newer or older than the others).
        revisions: Vec<i64>,
    },
    /// Already stored (same SHA-256 or same Message-ID): nothing written
    /// (but for the watermark, when one was given).
    Duplicate { existing: i64 },
}

/// A stored message, without its raw bytes.
#[derive(Debug, Clone, Serialize)]
pub struct MessageRecord {
    pub id: i64,
    pub message_id: Option<String>,
    pub from: Option<String>,
    pub from_name: Option<String>,
    pub subject: Option<String>,
    pub date: Option<String>,
    pub received_at: Option<String>,
    pub effective_at: Option<String>,
    pub source: String,
    pub sha256: String,
    pub size: u64,
    pub status: MessageStatus,
    pub reason: Option<String>,
    pub flags: Vec<String>,
    pub imported_at: String,
    pub attachments: Vec<AttachmentRecord>,
    pub proposals: Vec<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttachmentRecord {
    pub id: i64,
    pub part_path: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub size: u64,
    pub sha256: String,
    pub format: Option<String>,
    pub outcome: AttachmentOutcome,
    pub reason: Option<String>,
}

/// A stored proposal (one revision).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub id: i64,
    /// The stable number: the same for every revision of a chain (what the
    /// acknowledgement told the sender, what staff type in `fiches decide N`).
    pub number: i64,
    pub kind: Option<Kind>,
    pub status: ProposalStatus,
    pub slot: Option<String>,
    pub space: Option<String>,
    /// Rank on the waiting list (live revision, waitlisted), from the
    /// list's order (`domain::waitlist`); never stored.
    pub rank: Option<i64>,
    /// Waiting-list position key (see `domain::waitlist`).
    pub wait_pos: Option<i64>,
    /// The refusal's reason.
    pub reason: Option<String>,
    /// The article staff gave the organisation's name in the letters
    /// (`fiches article N`, the console's Corriger screen); `None`: the
    /// letters' grammar decides.
    pub article: Option<crate::domain::french::Article>,
    pub fields: BTreeMap<String, Value>,
    pub extra: Vec<(String, String)>,
    pub warnings: Vec<Warning>,
    pub flags: Vec<String>,
    /// Database id of the message it came from.
    pub message_id: i64,
    pub attachment_id: Option<i64>,
    pub chain_key: Option<String>,
    pub revision: i64,
    pub supersedes: Option<i64>,
    pub superseded_by: Option<i64>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl Proposal {
    /// The current revision (not replaced by a later fiche).
    pub fn is_live(&self) -> bool {
        self.superseded_by.is_none()
    }

    pub fn text(&self, key: &str) -> Option<&str> {
        self.fields.get(key).and_then(Value::as_text)
    }

    /// Its decision state (what an undo restores).
    pub fn state(&self) -> crate::domain::DecisionState {
        crate::domain::DecisionState {
            status: self.status,
            slot: self.slot.clone(),
            space: self.space.clone(),
            wait_pos: self.wait_pos,
            reason: self.reason.clone(),
        }
    }
}

/// What staff decide: the domain's one `Decision` type.
pub use crate::domain::Decision;

/// One line of the append-only journal.
#[derive(Debug, Clone, Serialize)]
pub struct JournalEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub message_id: Option<i64>,
    pub proposal_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// The IMAP watermark of one mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncState {
    pub account: String,
    pub mailbox: String,
    pub uidvalidity: u32,
    pub last_uid: u32,
    pub updated_at: String,
}

/// A watermark to move forward in the same transaction as a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watermark {
    pub account: String,
    pub mailbox: String,
    pub uidvalidity: u32,
    pub uid: u32,
}

/// Which messages to list.
#[derive(Debug, Clone, Default)]
pub struct MessageFilter {
    pub status: Option<MessageStatus>,
}

/// Which proposals to list.
#[derive(Debug, Clone, Default)]
pub struct ProposalFilter {
    pub kind: Option<Kind>,
    pub status: Option<ProposalStatus>,
    /// Only the current revisions.
    pub live_only: bool,
}

/// Counts for summaries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub messages: u64,
    pub by_status: BTreeMap<String, u64>,
    pub proposals: u64,
    pub live_proposals: u64,
}
