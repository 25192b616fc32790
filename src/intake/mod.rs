//! Intake: getting the emailed fiches into the store. A `Source` yields raw
//! messages (a Maildir, `.eml` files); `imap` takes them from a mailbox;
//! `process` reads one (pure: no I/O, no clock) into a `NewMessage` for the
//! store; `Importer` runs a source into the store, skipping messages already
//! stored, and never stops on one bad message; `daemon` watches the IMAP
//! sources for months; `view` turns stored bytes into what staff read
//! (sender, date, subject, body text, attachments).

pub mod classify;
pub mod daemon;
pub mod imap;
pub mod mail;
pub mod pipeline;
pub mod source;
pub mod view;
pub mod watch;

use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::{DateTime, FixedOffset, Utc};

use crate::fiche::Limits;
use crate::store::{MessageStatus, NewMessage, Watermark, flag};
pub use mail::MailLimits;
pub use pipeline::{ImportReport, Importer, Progress};
pub use source::{EmlFiles, Maildir, Source, SourceError, open_path};
pub use view::{AttachmentView, MessageView, message_view};

/// A message as a source hands it over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMessage {
    /// The bytes, whole — or only the beginning when the message is larger
    /// than the sources' reading limit (then `size > bytes.len()`).
    pub bytes: Vec<u8>,
    /// Where it came from, stable across runs: `maildir:/abs/path:base`,
    /// `file:/abs/path`, `imap:...`.
    pub source_ref: String,
    /// When our side received it, if the source knows (Maildir delivery time, IMAP INTERNALDATE).
    pub received_at: Option<DateTime<Utc>>,
    /// Size of the whole message.
    pub size: u64,
    /// For IMAP: the watermark to commit together with this message.
    pub watermark: Option<Watermark>,
}

impl RawMessage {
    pub fn new(bytes: Vec<u8>, source_ref: impl Into<String>) -> RawMessage {
        let size = bytes.len() as u64;
        RawMessage {
            bytes,
            source_ref: source_ref.into(),
            received_at: None,
            size,
            watermark: None,
        }
    }
}

/// What the intake needs from the configuration.
#[derive(Debug, Clone)]
pub struct IntakeOptions {
    pub deadline: DateTime<FixedOffset>,
    pub mail_limits: MailLimits,
    pub fiche_limits: Limits,
}

impl IntakeOptions {
    pub fn new(deadline: DateTime<FixedOffset>) -> IntakeOptions {
        IntakeOptions {
            deadline,
            mail_limits: MailLimits::default(),
            fiche_limits: Limits::default(),
        }
    }
}

/// The Message-ID of raw bytes, reading only the headers.
pub fn peek_message_id(bytes: &[u8]) -> Option<String> {
    let m = mail::parse_headers(bytes)?;
    mail::headers(&m).message_id
}

/// Reads one message into what the store keeps. Never fails and never
/// panics: whatever happens is in the status and the reason.
pub fn process(raw: &RawMessage, opts: &IntakeOptions) -> NewMessage {
    match catch_unwind(AssertUnwindSafe(|| process_inner(raw, opts))) {
        Ok(m) => m,
        Err(_) => NewMessage {
            raw: raw.bytes.clone(),
            source_ref: raw.source_ref.clone(),
            size: raw.size.max(raw.bytes.len() as u64),
            status: MessageStatus::Error,
            reason: Some(
                "erreur interne pendant la lecture de ce message ; il est conservé tel quel, le signaler au support"
                    .into(),
            ),
            received_at: raw.received_at.map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            ..NewMessage::default()
        },
    }
}

fn process_inner(raw: &RawMessage, opts: &IntakeOptions) -> NewMessage {
    let size = raw.size.max(raw.bytes.len() as u64);
    let mut out = NewMessage {
        raw: raw.bytes.clone(),
        source_ref: raw.source_ref.clone(),
        size,
        ..NewMessage::default()
    };
    let too_big = size > opts.mail_limits.max_message_bytes || (raw.bytes.len() as u64) < size;
    let parsed = if too_big {
        mail::parse_headers(&raw.bytes)
    } else {
        mail::parse(&raw.bytes)
    };
    let Some(msg) = parsed.filter(|m| !m.headers().is_empty()) else {
        out.status = MessageStatus::Error;
        out.reason = Some(
            "message illisible : aucun en-tête reconnu ; le fichier n'est peut-être pas un e-mail"
                .into(),
        );
        out.received_at = raw
            .received_at
            .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        return out;
    };
    let h = mail::headers(&msg);
    out.message_id = h.message_id.clone();
    out.from_addr = h.from.address.clone();
    out.from_name = h.from.name.clone();
    out.subject = h.subject.clone();
    out.date = h.date.map(|d| d.to_rfc3339());
    let received = h
        .received
        .or_else(|| raw.received_at.map(|d| d.fixed_offset()));
    out.received_at = received.as_ref().map(mail::utc_string);
    let effective = classify::effective_date(h.date, received);
    out.effective_at = effective.as_ref().map(mail::utc_string);
    let late = effective.is_some_and(|d| d > opts.deadline);

    if too_big {
        out.status = MessageStatus::Rejected;
        out.reason = Some(format!(
            "message trop volumineux ({:.1} Mo, limite {:.0} Mo) : pièces jointes non lues ; le traiter à la main",
            size as f64 / 1_048_576.0,
            opts.mail_limits.max_message_bytes as f64 / 1_048_576.0
        ));
        if late {
            out.flags.push(flag::LATE.into());
        }
        return out;
    }

    let walk = mail::walk(&msg, &opts.mail_limits);
    let d = classify::decide(
        &h,
        &walk.leaves,
        walk.truncated,
        walk.limit.as_deref(),
        late,
        &opts.fiche_limits,
    );
    out.status = d.status;
    out.reason = d.reason;
    out.flags = d.flags;
    if effective.is_none() {
        out.flags.push(flag::NO_DATE.into());
    }
    out.attachments = d.attachments;
    out
}

#[cfg(test)]
mod tests;
