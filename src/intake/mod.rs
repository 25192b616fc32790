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
pub mod imap_store;
pub mod mail;
pub mod pipeline;
pub mod prescan;
pub mod source;
pub mod view;
pub mod watch;

use chrono::{DateTime, FixedOffset, Utc};

use crate::fiche::Limits;
use crate::safe::terminal_line;
use crate::store::{MessageStatus, NewMessage, Watermark, flag};
use crate::worker::{Reader, Unavailable, catch_quietly};
pub use imap_store::{ImapStore, IngestCounts};
pub use mail::MailLimits;
pub use pipeline::{ImportReport, Importer, Progress};
pub use source::{EmlFiles, Maildir, Source, SourceError, open_path};
pub use view::{AttachmentView, MessageView, attachment_bytes, message_view};

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
    /// How attachments are read: in this process by default (library
    /// users, unit tests); `fiches import` and `fiches daemon` read them in
    /// worker processes (`Reader::Isolated`).
    pub reader: Reader,
}

impl IntakeOptions {
    pub fn new(deadline: DateTime<FixedOffset>) -> IntakeOptions {
        IntakeOptions {
            deadline,
            mail_limits: MailLimits::default(),
            fiche_limits: Limits::default(),
            reader: Reader::InProcess,
        }
    }
}

/// After this many tries that ended the process (recorded in the store
/// before each try), a message is stored as `error` without being read.
pub const MAX_ATTEMPTS: u32 = 3;

/// The message stored in place of one whose reading ended the process
/// `attempts` times: its bytes, kept as they are, and why.
pub fn poison_message(raw: &RawMessage, attempts: u32) -> NewMessage {
    NewMessage {
        message_id: plain_message_id(&raw.bytes),
        raw: raw.bytes.clone(),
        source_ref: raw.source_ref.clone(),
        size: raw.size.max(raw.bytes.len() as u64),
        status: MessageStatus::Error,
        reason: Some(format!(
            "la lecture de ce message a arrêté le programme {attempts} fois : il est conservé tel \
             quel sans être lu ; le lire et saisir la fiche à la main, et signaler le message au support"
        )),
        received_at: raw
            .received_at
            .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        ..NewMessage::default()
    }
}

/// The Message-ID of raw bytes, reading only the headers.
pub fn peek_message_id(bytes: &[u8]) -> Option<String> {
    let repaired = mail::repaired(bytes);
    let bytes = repaired.as_deref().unwrap_or(bytes);
    mail::top_headers(bytes, &MailLimits::default())?.message_id
}

/// The Message-ID of a message read without the mail parser (which may be
/// what ends the process): a plain scan of the header lines, for a poison
/// message to be recognised if it comes again.
fn plain_message_id(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(256 * 1024)];
    let end = memchr::memmem::find(head, b"\r\n\r\n")
        .or_else(|| memchr::memmem::find(head, b"\n\n"))
        .unwrap_or(head.len());
    let head = String::from_utf8_lossy(&head[..end]);
    let mut lines = head.lines().peekable();
    while let Some(line) = lines.next() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case("message-id") {
            continue;
        }
        let mut value = value.to_string();
        while let Some(next) = lines.peek().filter(|l| l.starts_with([' ', '\t'])) {
            value.push_str(next);
            lines.next();
        }
        let id = value
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim()
            .to_string();
        return (!id.is_empty() && id.len() <= 998 && !id.chars().any(char::is_control))
            .then_some(id);
    }
    None
}

/// Reads one message into what the store keeps. Never panics: whatever
/// happens is in the status and the reason, and an attachment the reader
/// died on is `rejected` (one warning in the log names the message and the
/// attachment). `Err` only when no reader could be had: the message is then
/// not stored, to be tried again.
pub fn process(raw: &RawMessage, opts: &IntakeOptions) -> Result<NewMessage, Unavailable> {
    crash_hook(raw);
    match catch_quietly(|| process_inner(raw, opts)) {
        Ok(m) => m,
        Err(panic) => {
            tracing::error!(
                "message {} : erreur interne pendant sa lecture, conservé tel quel ({})",
                terminal_line(&raw.source_ref),
                terminal_line(&panic)
            );
            Ok(NewMessage {
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
            })
        }
    }
}

/// Debug builds only: a message holding the text of `$FICHES_TEST_CRASH_ON`
/// aborts the whole process when it is read, every time — the poison
/// message the tests need (no real one is known since readers run in
/// workers).
fn crash_hook(raw: &RawMessage) {
    #[cfg(debug_assertions)]
    if let Some(marker) = std::env::var_os("FICHES_TEST_CRASH_ON")
        && !marker.is_empty()
        && memchr::memmem::find(&raw.bytes, marker.as_encoded_bytes()).is_some()
    {
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = raw;
}

fn process_inner(raw: &RawMessage, opts: &IntakeOptions) -> Result<NewMessage, Unavailable> {
    let size = raw.size.max(raw.bytes.len() as u64);
    let mut out = NewMessage {
        raw: raw.bytes.clone(),
        source_ref: raw.source_ref.clone(),
        size,
        ..NewMessage::default()
    };
    // The parser reads a repaired copy when the raw bytes would be misread
    // (bare CR line ends, a message ending inside its headers).
    let repaired = mail::repaired(&raw.bytes);
    let bytes: &[u8] = repaired.as_deref().unwrap_or(&raw.bytes);
    let limits = &opts.mail_limits;
    let too_big = size > limits.max_message_bytes || (raw.bytes.len() as u64) < size;
    // Bounds on what the parser would build, checked before it runs.
    let refused = if too_big {
        None
    } else {
        prescan::check(bytes, limits).err()
    };
    if too_big || refused.is_some() {
        let Some(h) = mail::top_headers(bytes, limits) else {
            return Ok(unreadable(out, raw));
        };
        let (late, doubtful) = take_headers(&mut out, &h, raw, opts);
        out.status = MessageStatus::Rejected;
        out.reason = Some(match refused {
            Some(prescan::Refused(why)) => format!(
                "{why} : message refusé avant lecture (probablement piégé ou abîmé), conservé \
                 tel quel, pièces jointes non lues ; le traiter à la main si besoin"
            ),
            None => format!(
                "message trop volumineux ({:.1} Mo, limite {:.0} Mo) : pièces jointes non lues ; le traiter à la main",
                size as f64 / 1_048_576.0,
                limits.max_message_bytes as f64 / 1_048_576.0
            ),
        });
        if late {
            out.flags.push(flag::LATE.into());
        }
        if doubtful {
            out.flags.push(flag::DOUBTFUL_DATE.into());
        }
        return Ok(out);
    }
    // No header line at all (bytes that are no mail: the parser would take
    // the whole as one header's name): unreadable.
    let top = prescan::header_block(
        bytes,
        0,
        limits.max_header_fields,
        limits.max_header_block_bytes,
    );
    let Some(msg) = mail::parse(bytes).filter(|m| !m.headers().is_empty() && top.fields > 0) else {
        return Ok(unreadable(out, raw));
    };
    let h = mail::headers(&msg);
    let (late, doubtful) = take_headers(&mut out, &h, raw, opts);
    let effective = out.effective_at.clone();

    let walk = mail::walk(&msg, &opts.mail_limits);
    let d = classify::decide(&h, &walk, late, &opts.fiche_limits, &opts.reader)?;
    for (name, why) in &d.interrupted {
        let detail = match why {
            crate::worker::Interrupted::Panicked { .. }
            | crate::worker::Interrupted::Crashed { .. } => {
                format!(" ({})", terminal_line(&why.detail()))
            }
            _ => String::new(),
        };
        tracing::warn!(
            "message {}{} : pièce jointe « {} » refusée, {}{detail}",
            terminal_line(&raw.source_ref),
            h.message_id
                .as_deref()
                .map(|m| format!(" <{}>", terminal_line(m)))
                .unwrap_or_default(),
            terminal_line(name),
            why.summary(),
        );
    }
    out.status = d.status;
    out.reason = d.reason;
    out.flags = d.flags;
    if effective.is_none() {
        out.flags.push(flag::NO_DATE.into());
    }
    if doubtful {
        out.flags.push(flag::DOUBTFUL_DATE.into());
    }
    out.attachments = d.attachments;
    if doubtful {
        for p in out
            .attachments
            .iter_mut()
            .filter_map(|a| a.proposal.as_mut())
        {
            p.flags.push(flag::DOUBTFUL_DATE.into());
        }
    }
    Ok(out)
}

/// A message in which no header was found.
fn unreadable(mut out: NewMessage, raw: &RawMessage) -> NewMessage {
    out.status = MessageStatus::Error;
    out.reason = Some(
        "message illisible : aucun en-tête reconnu ; le fichier n'est peut-être pas un e-mail"
            .into(),
    );
    out.received_at = raw
        .received_at
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    out
}

/// Copies the headers into the stored message and settles its dates:
/// (late, doubtful date).
fn take_headers(
    out: &mut NewMessage,
    h: &mail::Headers,
    raw: &RawMessage,
    opts: &IntakeOptions,
) -> (bool, bool) {
    out.message_id = h.message_id.clone();
    out.from_addr = h.from.address.clone();
    out.from_name = h.from.name.clone();
    out.subject = h.subject.clone();
    out.date = h.date.map(|d| d.to_rfc3339());
    // A receipt time outside any possible one (a forged or broken
    // `Received:` in 1970 or the year 9999) is no receipt time.
    let hop = h.received.filter(classify::possible_receipt);
    let received = hop.or_else(|| {
        raw.received_at
            .map(|d| d.fixed_offset())
            .filter(classify::possible_receipt)
    });
    out.received_at = received.as_ref().map(mail::utc_string);
    let (effective, doubtful) = classify::effective_date_checked(h.date, received, hop);
    // A Date header that is no date is not believed either.
    let doubtful = doubtful || h.date_unreadable;
    out.effective_at = effective.as_ref().map(mail::utc_string);
    let late = effective.is_some_and(|d| d > opts.deadline);
    (late, doubtful)
}

#[cfg(test)]
mod tests;
