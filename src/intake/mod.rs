//! Intake: getting the emailed fiches into the store.

pub mod imap;
