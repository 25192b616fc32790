//! The outbox in the database: letters queued for the senders of fiches and
//! their way from queued to sent, exactly once.
//!
//! - The intake queues an acknowledgement per new live proposal of a message
//!   whose status is `fiche` (never for auto-replies and bounces, never to our
//!   own address), when `outbox_settings.acknowledge` says so — in the
//!   message's own transaction ([`queue_acknowledgements`]).
//! - A decision queues the letter it calls for (`letters::decision_letter`,
//!   given what the sender was already told) in the decision's transaction
//!   ([`queue_decision_letter`]).
//! - A newer letter for the same proposal (the same revision chain) replaces
//!   an unsent older one: a decision letter replaces any unsent letter, an
//!   acknowledgement only an unsent acknowledgement.
//! - Sending: staff approve (`approve_letters`), the sender claims a letter
//!   (`claim_letter`: state `sending`, committed before the SMTP
//!   transaction), then records the outcome (`letter_sent`, `letter_not_sent`,
//!   `letter_uncertain`). A sender that starts and finds a letter still in
//!   `sending` (the previous one died) marks it `uncertain`
//!   (`recover_sending`): staff settle it (`resolve_letter`), it is never
//!   resent silently. Only one sender runs at a time (a lock file, see
//!   `crate::outbox`).
//!
//! By concern: [`records`] (what a letter is and how it is read back),
//! [`queue`] (which letter the intake and decisions queue, and what a newer
//! one replaces), [`review`] (what staff do to a letter before and after it
//! is sent) and [`send`] (the send machine, shared with the partners'
//! e-mails of `store::partners`).

mod queue;
mod records;
mod review;
pub(in crate::store) mod send;

pub use queue::{INTAKE_ACTOR, LetterChanges, RetiredLetter};
pub(in crate::store) use queue::{
    follow_ranks, queue_acknowledgements, revert_letters, sync_decision_letter,
};
pub use records::{
    DocxRequest, FicheMessage, LetterEdit, LetterEvent, LetterFilter, LetterParams, LetterRecord,
    LetterState, OutboxSettings, Review, SentCopy, UnreadFile, current_of,
};
pub use review::{Approve, Approved, Resolution};
pub use send::{Claim, DueLetters};

// The unit tests name letter kinds through this module (`use super::*`).
#[cfg(test)]
use crate::domain::LetterKind;

#[cfg(test)]
mod tests;
