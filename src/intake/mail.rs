//! Reading a mail with mail-parser: the headers the intake needs (sender,
//! subject, dates, Message-ID, auto-reply signals) and every leaf part of the
//! MIME tree, forwarded `message/rfc822` included, with its decoded bytes,
//! its declared type and its file name (RFC 2047/2231 decoded by mail-parser,
//! then NFC). Depth and number of parts are bounded; a missing closing
//! boundary or a badly encoded part is reported, never a panic.

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use mail_parser::{
    Address, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType,
};
use unicode_normalization::UnicodeNormalization;

/// Bounds on one message, before any attachment is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailLimits {
    /// Size of the whole message as received.
    pub max_message_bytes: u64,
    /// Leaf parts looked at.
    pub max_parts: usize,
    /// Nesting of multiparts and forwarded messages.
    pub max_depth: usize,
    /// Checked on the raw bytes before parsing (`prescan`): header fields
    /// in one header block (the message's or one part's), and in all;
    /// bytes of one header block, and of all; parts the parser would build.
    pub max_header_fields: usize,
    pub max_total_header_fields: usize,
    pub max_header_block_bytes: usize,
    pub max_total_header_bytes: usize,
    pub max_mime_parts: usize,
}

impl Default for MailLimits {
    fn default() -> Self {
        MailLimits {
            max_message_bytes: 50 * 1024 * 1024,
            max_parts: 200,
            max_depth: 12,
            max_header_fields: 1_000,
            max_total_header_fields: 20_000,
            max_header_block_bytes: 1024 * 1024,
            max_total_header_bytes: 4 * 1024 * 1024,
            max_mime_parts: 10_000,
        }
    }
}

/// A mailbox: address and display name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mailbox {
    pub address: Option<String>,
    pub name: Option<String>,
}

/// The headers of a message the intake uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    pub message_id: Option<String>,
    pub from: Mailbox,
    pub subject: Option<String>,
    /// The Date header, if it parsed into a real date.
    pub date: Option<DateTime<FixedOffset>>,
    /// A Date header is there but is no date (`-1`, `25:61:61`…).
    pub date_unreadable: bool,
    /// The date of the top-most `Received:` header (our server's receipt).
    pub received: Option<DateTime<FixedOffset>>,
    /// Auto-reply headers found (`Auto-Submitted: auto-replied`, ...), as written.
    pub auto_reply_headers: Vec<String>,
    /// `multipart/report` (delivery status notifications).
    pub is_report: bool,
}

/// One leaf part of the MIME tree.
#[derive(Debug, Clone)]
pub struct Leaf<'a> {
    /// Position in the tree, `1`, `2.1`, `2.1.3`...
    pub path: String,
    pub filename: Option<String>,
    /// Declared `type/subtype`, lower case.
    pub content_type: Option<String>,
    pub bytes: Cow<'a, [u8]>,
    /// A text or HTML body of its message (not an attachment).
    pub is_body: bool,
    /// mail-parser could not decode it (bad base64, cut part).
    pub encoding_problem: bool,
    /// The sender of the message that holds it (the forwarded one for
    /// parts of a `message/rfc822`).
    pub sender: Mailbox,
    /// A multipart the parser could not split into its parts (no
    /// boundary, an empty one, one never found): what is wrong, in French.
    pub mime_problem: Option<String>,
}

/// What walking the tree found.
#[derive(Debug, Default)]
pub struct Walk<'a> {
    pub leaves: Vec<Leaf<'a>>,
    /// A multipart whose closing boundary is missing: the message is cut.
    pub truncated: bool,
    /// A limit stopped the walk (French, for staff).
    pub limit: Option<String>,
    /// Parts not read because of that limit: their names (the first 50),
    /// and how many there are.
    pub not_read: Vec<String>,
    pub not_read_count: usize,
}

/// Names kept of the parts not read (the count goes on).
const NOT_READ_NAMES: usize = 50;

impl Walk<'_> {
    fn note_not_read(&mut self, name: String) {
        self.not_read_count += 1;
        if self.not_read.len() < NOT_READ_NAMES {
            self.not_read.push(name);
        }
    }
}

/// Parses a message; `None` when the bytes hold no header at all.
pub fn parse(bytes: &[u8]) -> Option<Message<'_>> {
    MessageParser::default().parse(bytes)
}

/// Parses only the headers (cheap; for the duplicate check before a full read).
pub fn parse_headers(bytes: &[u8]) -> Option<Message<'_>> {
    MessageParser::default().parse_headers(bytes)
}

/// A copy of the message for the parser when the raw bytes would be
/// misread (the raw bytes are what is stored, always):
/// - lines ended by a bare CR (old Mac mailers) get CRLF;
/// - a message that ends inside its headers (no blank line, maybe no final
///   newline) gets its end of line and the blank line, so that its last
///   header is kept and it reads as a message with nothing attached.
///
/// `None` when the bytes are fine as they are.
pub fn repaired(bytes: &[u8]) -> Option<Vec<u8>> {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let mut copy: Option<Vec<u8>> = None;
    if !head.contains(&b'\n') && head.contains(&b'\r') && !bytes.contains(&b'\n') {
        let mut v = Vec::with_capacity(bytes.len() + bytes.len() / 16);
        for &b in bytes {
            v.push(b);
            if b == b'\r' {
                v.push(b'\n');
            }
        }
        copy = Some(v);
    }
    let data = copy.as_deref().unwrap_or(bytes);
    let limits = MailLimits::default();
    let top = super::prescan::header_block(
        data,
        0,
        limits.max_header_fields,
        limits.max_header_block_bytes,
    );
    let within = top.fields <= limits.max_header_fields
        && top.end <= limits.max_header_block_bytes
        && top.end == data.len();
    if !top.complete && within && top.fields > 0 {
        let crlf = memchr::memmem::find(data, b"\r\n").is_some();
        let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
        let mut v = match copy.take() {
            Some(v) => v,
            None => bytes.to_vec(),
        };
        if !v.ends_with(b"\n") {
            v.extend_from_slice(eol);
        }
        v.extend_from_slice(eol);
        copy = Some(v);
    }
    copy
}

/// Header fields kept by [`essential_headers`], and how many of each.
const ESSENTIAL: &[&str] = &[
    "from",
    "sender",
    "subject",
    "date",
    "message-id",
    "received",
    "auto-submitted",
    "x-autoreply",
    "x-autorespond",
    "x-autogenerated",
    "precedence",
    "content-type",
];
const ESSENTIAL_EACH: usize = 8;
const ESSENTIAL_FIELD_BYTES: usize = 16 * 1024;

/// The few header fields the intake needs (sender, subject, dates,
/// Message-ID, auto-reply signals), copied out of a header block too large
/// to be parsed: a small header block for the parser. Streams over the
/// block once; keeps at most 8 of each name (the first ones: the top-most
/// `Received:` is ours), 16 KiB each.
pub fn essential_headers(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut seen = [0usize; ESSENTIAL.len()];
    let mut pos = 0;
    // The field being copied (its index in ESSENTIAL), if any.
    let mut keeping: Option<usize> = None;
    let mut kept_bytes = 0usize;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        let (line, next) = match memchr::memchr(b'\n', rest) {
            Some(i) => (&rest[..=i], pos + i + 1),
            None => (rest, bytes.len()),
        };
        pos = next;
        if matches!(line.first(), Some(b' ' | b'\t')) {
            if keeping.is_some() && kept_bytes + line.len() <= ESSENTIAL_FIELD_BYTES {
                out.extend_from_slice(line);
                kept_bytes += line.len();
            }
            continue;
        }
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            break;
        }
        keeping = None;
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            continue;
        };
        let name = line[..colon].trim_ascii();
        if let Some(i) = ESSENTIAL
            .iter()
            .position(|n| n.as_bytes().eq_ignore_ascii_case(name))
            && seen[i] < ESSENTIAL_EACH
        {
            seen[i] += 1;
            keeping = Some(i);
            let take = line.len().min(ESSENTIAL_FIELD_BYTES);
            out.extend_from_slice(&line[..take]);
            kept_bytes = take;
        }
        if keeping.is_some() && !out.ends_with(b"\n") {
            out.extend_from_slice(b"\r\n");
        }
    }
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// The message's own headers without reading its body, within `limits`:
/// mail-parser on the header block when the block is within the limits,
/// else on a copy of the fields the intake needs ([`essential_headers`]).
/// `None` when no header is found.
pub fn top_headers(bytes: &[u8], limits: &MailLimits) -> Option<Headers> {
    if super::prescan::check_top(bytes, limits).is_ok() {
        let m = parse_headers(bytes).filter(|m| !m.headers().is_empty())?;
        return Some(headers(&m));
    }
    let small = essential_headers(bytes);
    let m = parse_headers(&small).filter(|m| !m.headers().is_empty())?;
    Some(headers(&m))
}

fn mailbox(addr: Option<&Address<'_>>) -> Mailbox {
    let first = addr.and_then(|a| a.first());
    Mailbox {
        address: first
            .and_then(|a| a.address())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        name: first
            .and_then(|a| a.name())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    }
}

/// mail-parser's date → chrono, `None` when it is not a real date.
fn to_chrono(d: &mail_parser::DateTime) -> Option<DateTime<FixedOffset>> {
    let secs = (i32::from(d.tz_hour) * 3600 + i32::from(d.tz_minute) * 60)
        * if d.tz_before_gmt { -1 } else { 1 };
    let offset = FixedOffset::east_opt(secs)?;
    let naive = NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))?
        .and_hms_opt(u32::from(d.hour), u32::from(d.minute), u32::from(d.second))?;
    offset.from_local_datetime(&naive).single()
}

/// The headers the intake needs.
pub fn headers(msg: &Message<'_>) -> Headers {
    let mut h = Headers {
        message_id: msg
            .message_id()
            .map(|s| {
                s.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .trim()
                    .to_string()
            })
            .filter(|s| !s.is_empty()),
        from: mailbox(msg.from()),
        subject: msg.subject().map(str::to_string),
        date: msg.date().and_then(to_chrono),
        // The top-most Received header: the last hop, our server's receipt.
        received: msg
            .received_all()
            .find_map(|r| r.date.as_ref().and_then(to_chrono)),
        ..Headers::default()
    };
    if h.from.address.is_none() {
        h.from = mailbox(msg.sender());
    }
    h.date_unreadable = h.date.is_none() && msg.header(mail_parser::HeaderName::Date).is_some();
    for header in msg.headers() {
        let name = header.name.as_str();
        let value = match &header.value {
            HeaderValue::Text(t) => t.trim().to_string(),
            HeaderValue::TextList(l) => l.join(", "),
            _ => String::new(),
        };
        let lower = value.to_ascii_lowercase();
        let signal = if name.eq_ignore_ascii_case("Auto-Submitted") {
            !lower.is_empty() && !lower.starts_with("no")
        } else if name.eq_ignore_ascii_case("X-Autoreply")
            || name.eq_ignore_ascii_case("X-Autorespond")
            || name.eq_ignore_ascii_case("X-Autogenerated")
        {
            lower != "no"
        } else if name.eq_ignore_ascii_case("Precedence") {
            matches!(lower.as_str(), "auto_reply" | "bulk" | "junk")
        } else {
            false
        };
        if signal {
            h.auto_reply_headers.push(format!("{name}: {value}"));
        }
    }
    h.is_report = msg.root_part().content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
    });
    h
}

/// RFC 3339 in UTC with seconds, which sorts as text.
pub fn utc_string(d: &DateTime<FixedOffset>) -> String {
    d.with_timezone(&Utc)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn declared_type(part: &MessagePart<'_>) -> Option<String> {
    part.content_type().map(|ct| match ct.subtype() {
        Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
        None => ct.ctype().to_ascii_lowercase(),
    })
}

/// The attachment's file name: `filename` of Content-Disposition, else
/// `name` of Content-Type, RFC 2231 and RFC 2047 decoded, NFC.
///
/// mail-parser 0.11 decodes encoded words inside a parameter but keeps the
/// space between two adjacent ones in a quoted value (`"=?UTF-8?Q?fiche.doc?=
/// =?UTF-8?Q?x?="` gave "fiche.doc x") and drops the second one of an
/// unquoted value folded onto the next line. When the raw parameter holds
/// encoded words, it is decoded here instead: adjacent encoded words are
/// joined without the white space between them (RFC 2047 §6.2), the way
/// mail-parser itself decodes an unstructured header.
fn file_name(msg: &Message<'_>, part: &MessagePart<'_>) -> Option<String> {
    encoded_words_name(msg, part)
        .or_else(|| part.attachment_name().map(str::to_string))
        .map(|n| n.nfc().collect::<String>())
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
}

/// The file name from the raw header when its parameter holds RFC 2047
/// encoded words (see [`file_name`]); `None` otherwise (mail-parser's
/// reading is then the right one: plain, or RFC 2231).
fn encoded_words_name(msg: &Message<'_>, part: &MessagePart<'_>) -> Option<String> {
    let raw_of = |name: mail_parser::HeaderName<'static>| {
        let h = part.headers.iter().find(|h| h.name == name)?;
        msg.raw_message
            .get(h.offset_start as usize..h.offset_end as usize)
    };
    // The same header mail-parser takes the name from.
    let from_disposition = part
        .content_disposition()
        .is_some_and(|cd| cd.attribute("filename").is_some());
    let value = if from_disposition {
        raw_param(
            raw_of(mail_parser::HeaderName::ContentDisposition)?,
            "filename",
        )?
    } else {
        raw_param(raw_of(mail_parser::HeaderName::ContentType)?, "name")?
    };
    if !value.contains("=?") {
        return None;
    }
    // Decoded as an unstructured header, by mail-parser (every charset).
    let header = format!("Subject: {}\r\n\r\n", value.replace(['\r', '\n'], " "));
    let decoded = parse_headers(header.as_bytes())?
        .subject()?
        .trim()
        .to_string();
    (!decoded.is_empty()).then_some(decoded)
}

/// The raw value of parameter `name` (not `name*`) of a header value:
/// unfolded, unquoted (backslash escapes undone), or `None`.
fn raw_param(raw: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(raw).replace("\r\n", "");
    let mut chars = text.chars().peekable();
    // Skip the header's own value (`attachment`, `application/pdf`).
    for c in chars.by_ref() {
        if c == ';' {
            break;
        }
    }
    loop {
        let mut key = String::new();
        for c in chars.by_ref() {
            if c == '=' || c == ';' {
                break;
            }
            key.push(c);
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => value.extend(chars.next()),
                    c => value.push(c),
                }
            }
            for c in chars.by_ref() {
                if c == ';' {
                    break;
                }
            }
        } else {
            for c in chars.by_ref() {
                if c == ';' {
                    break;
                }
                value.push(c);
            }
        }
        if key.trim().eq_ignore_ascii_case(name) {
            return Some(value.trim().to_string());
        }
        chars.peek()?;
    }
}

/// The decoded bytes of a text part, re-read from the raw message: a file
/// declared `text/plain` is still decoded from base64 or quoted-printable
/// but not put through a charset, so a document sent as text survives.
fn text_part_bytes<'a>(msg: &'a Message<'a>, part: &'a MessagePart<'a>) -> Cow<'a, [u8]> {
    let raw = msg.raw_message();
    let (start, end) = (part.offset_body as usize, part.offset_end as usize);
    let Some(body) = raw.get(start..end.max(start)) else {
        return match &part.body {
            PartType::Text(t) | PartType::Html(t) => Cow::Owned(t.as_bytes().to_vec()),
            _ => Cow::Borrowed(&[]),
        };
    };
    match part.encoding {
        mail_parser::Encoding::Base64 => {
            Cow::Owned(mail_parser::decoders::base64::base64_decode(body).unwrap_or_default())
        }
        mail_parser::Encoding::QuotedPrintable => Cow::Owned(
            mail_parser::decoders::quoted_printable::quoted_printable_decode(body)
                .unwrap_or_default(),
        ),
        mail_parser::Encoding::None => Cow::Borrowed(body),
    }
}

/// Every leaf part of the message, depth first, in order.
pub fn walk<'a>(msg: &'a Message<'a>, limits: &MailLimits) -> Walk<'a> {
    let mut w = Walk::default();
    let sender = mailbox(msg.from());
    walk_message(msg, &sender, "", 0, limits, &mut w);
    w
}

fn walk_message<'a>(
    msg: &'a Message<'a>,
    sender: &Mailbox,
    prefix: &str,
    depth: usize,
    limits: &MailLimits,
    w: &mut Walk<'a>,
) {
    if msg.parts.is_empty() {
        return;
    }
    walk_part(msg, 0, sender, prefix, depth, limits, w);
}

fn join(prefix: &str, n: usize) -> String {
    if prefix.is_empty() {
        n.to_string()
    } else {
        format!("{prefix}.{n}")
    }
}

#[allow(clippy::too_many_arguments)]
fn walk_part<'a>(
    msg: &'a Message<'a>,
    id: u32,
    sender: &Mailbox,
    path: &str,
    depth: usize,
    limits: &MailLimits,
    w: &mut Walk<'a>,
) {
    if depth > limits.max_depth {
        if w.limit.is_none() {
            w.limit = Some(format!(
                "plus de {} niveaux d'imbrication",
                limits.max_depth
            ));
        }
        let name = msg
            .parts
            .get(id as usize)
            .and_then(|p| file_name(msg, p))
            .unwrap_or_else(|| format!("partie {path}"));
        w.note_not_read(format!("{name} (et ce qu'elle contient)"));
        return;
    }
    let Some(part) = msg.parts.get(id as usize) else {
        return;
    };
    match &part.body {
        PartType::Multipart(children) => {
            if let Some(boundary) = part.content_type().and_then(|ct| ct.attribute("boundary")) {
                let closing = format!("--{boundary}--");
                if !contains(msg.raw_message(), closing.as_bytes()) {
                    w.truncated = true;
                }
            }
            for (i, child) in children.iter().enumerate() {
                walk_part(
                    msg,
                    *child,
                    sender,
                    &join(path, i + 1),
                    depth + 1,
                    limits,
                    w,
                );
            }
        }
        PartType::Message(inner) => {
            let inner_sender = mailbox(inner.from());
            let inner_sender = if inner_sender.address.is_some() {
                inner_sender
            } else {
                sender.clone()
            };
            walk_message(
                inner,
                &inner_sender,
                if path.is_empty() { "1" } else { path },
                depth + 1,
                limits,
                w,
            );
        }
        body => {
            let mime_problem = unsplit_multipart(msg, part);
            if mime_problem.is_none() && headers_only(msg, part) {
                return;
            }
            // Only text can be a body: an inline image is an attachment here.
            let is_body = matches!(body, PartType::Text(_) | PartType::Html(_))
                && (msg.text_body.contains(&id) || msg.html_body.contains(&id));
            if w.limit.is_some() || w.leaves.len() >= limits.max_parts {
                // Past a limit: not read, but listed for staff.
                if w.limit.is_none() {
                    w.limit = Some(format!("plus de {} parties MIME", limits.max_parts));
                }
                if !is_body {
                    w.note_not_read(file_name(msg, part).unwrap_or_else(|| {
                        format!("partie {}", if path.is_empty() { "1" } else { path })
                    }));
                }
                return;
            }
            let bytes = match body {
                PartType::Binary(b) | PartType::InlineBinary(b) => Cow::Borrowed(b.as_ref()),
                PartType::Text(t) | PartType::Html(t) if part.is_encoding_problem => {
                    Cow::Borrowed(t.as_bytes())
                }
                PartType::Text(_) | PartType::Html(_) => text_part_bytes(msg, part),
                PartType::Message(_) | PartType::Multipart(_) => Cow::Borrowed(&[][..]),
            };
            w.leaves.push(Leaf {
                path: if path.is_empty() {
                    "1".to_string()
                } else {
                    path.to_string()
                },
                filename: file_name(msg, part),
                content_type: declared_type(part),
                bytes,
                is_body: is_body && !part.is_encoding_problem,
                encoding_problem: part.is_encoding_problem,
                sender: sender.clone(),
                mime_problem,
            });
        }
    }
}

/// Why a part declared `multipart/…` reached the leaves (the parser could
/// not split it): its boundary is missing, empty or never used.
fn unsplit_multipart(msg: &Message<'_>, part: &MessagePart<'_>) -> Option<String> {
    let ct = part.content_type()?;
    if !ct.ctype().eq_ignore_ascii_case("multipart") {
        return None;
    }
    let declared = declared_type(part).unwrap_or_else(|| "multipart".into());
    // The parser drops `boundary=""`: the raw header tells it from none.
    let written = part
        .headers
        .iter()
        .filter(|h| h.name == mail_parser::HeaderName::ContentType)
        .filter_map(|h| {
            msg.raw_message()
                .get(h.offset_start as usize..h.offset_end as usize)
        })
        .any(|v| memchr::memmem::find(&v.to_ascii_lowercase(), b"boundary").is_some());
    let what = match ct.attribute("boundary") {
        None if written => "avec une frontière vide ou illisible".to_string(),
        None => "sans frontière (paramètre boundary absent)".to_string(),
        Some(b) if b.trim().is_empty() => "avec une frontière vide (boundary=\"\")".to_string(),
        Some(b) => {
            let shown: String = b.chars().take(40).collect();
            let more = if b.chars().count() > 40 { "…" } else { "" };
            format!("avec une frontière « {shown}{more} » déclarée mais jamais utilisée")
        }
    };
    Some(format!(
        "structure MIME abîmée : partie « {declared} » {what}, ses pièces jointes n'ont pas pu être séparées"
    ))
}

/// A message made of headers alone: the parser gives it one empty part,
/// which is no attachment.
fn headers_only(msg: &Message<'_>, part: &MessagePart<'_>) -> bool {
    msg.parts.len() == 1
        && part.offset_body as usize >= msg.raw_message().len()
        && matches!(&part.body, PartType::Text(t) if t.is_empty())
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && memchr::memmem::find(hay, needle).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/fixtures/corpus/mail/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn rfc2231_and_rfc2047_names_are_decoded() {
        let raw = corpus("02-accented-filename.eml");
        let m = parse(&raw).unwrap();
        let w = walk(&m, &MailLimits::default());
        let names: Vec<_> = w.leaves.iter().filter_map(|l| l.filename.clone()).collect();
        assert_eq!(
            names,
            ["Fiche_fiche-bourse-aux-projets_Conseil_départemental_de_l'Isère_définitive.docx"]
        );

        let raw = corpus("03-outlook-octet-stream.eml");
        let m = parse(&raw).unwrap();
        let w = walk(&m, &MailLimits::default());
        let names: Vec<_> = w.leaves.iter().filter_map(|l| l.filename.clone()).collect();
        assert_eq!(
            names,
            [
                "image001.png",
                "03-fiche-micro-atelier-municipalidad-de-quito.docx"
            ]
        );
        assert!(!w.truncated);
    }

    #[test]
    fn forwarded_message_parts_are_walked_with_their_own_sender() {
        let raw = corpus("04-forwarded-rfc822.eml");
        let m = parse(&raw).unwrap();
        let h = headers(&m);
        assert_eq!(h.from.address.as_deref(), Some("secretariat@dschang.cm"));
        let w = walk(&m, &MailLimits::default());
        let docx = w
            .leaves
            .iter()
            .find(|l| l.filename.as_deref().is_some_and(|n| n.ends_with(".docx")))
            .unwrap();
        assert_eq!(docx.sender.address.as_deref(), Some("jtchinda@dschang.cm"));
        assert!(docx.bytes.starts_with(b"PK\x03\x04"));
    }

    #[test]
    fn headers_dates_ids_and_auto_reply_signals() {
        let raw = corpus("08-auto-reply.eml");
        let m = parse(&raw).unwrap();
        let h = headers(&m);
        assert_eq!(h.auto_reply_headers, ["Auto-Submitted: auto-replied"]);
        assert_eq!(
            h.subject.as_deref(),
            Some("Réponse automatique : Absent du bureau")
        );
        assert_eq!(
            h.message_id.as_deref(),
            Some("179596144499.18693.5925479600411766065@region-exemple.fr")
        );
        assert_eq!(h.date.unwrap().to_rfc3339(), "2018-05-16T09:30:00+02:00");

        let plain =
            b"From: a@b.c\r\nAuto-Submitted: no\r\nPrecedence: list\r\nSubject: x\r\n\r\nhi";
        let m = parse(plain).unwrap();
        assert!(headers(&m).auto_reply_headers.is_empty());
        for hdr in [
            "X-Autoreply: yes",
            "X-Autorespond: vacation",
            "Precedence: bulk",
            "Precedence: junk",
            "Precedence: auto_reply",
            "Auto-Submitted: auto-generated",
        ] {
            let raw = format!("From: a@b.c\r\n{hdr}\r\nSubject: x\r\n\r\nhi");
            let m = parse(raw.as_bytes()).unwrap();
            assert_eq!(headers(&m).auto_reply_headers.len(), 1, "{hdr}");
        }
    }

    #[test]
    fn cut_message_is_truncated() {
        let raw = corpus("13-truncated.eml");
        let m = parse(&raw).unwrap();
        let w = walk(&m, &MailLimits::default());
        assert!(w.truncated);
    }

    #[test]
    fn document_declared_as_text_keeps_its_bytes() {
        let docx = b"PK\x03\x04\x00\x00\xff\xfe binary \x80\x81";
        let enc = base64_encode(docx);
        let raw = format!(
            "From: a@b.c\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{enc}\r\n--b--\r\n"
        );
        let m = parse(raw.as_bytes()).unwrap();
        let w = walk(&m, &MailLimits::default());
        assert_eq!(w.leaves.len(), 2);
        assert_eq!(&*w.leaves[1].bytes, docx);
    }

    #[test]
    fn limits_stop_the_walk() {
        let mut raw =
            String::from("From: a@b.c\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n");
        for i in 0..10 {
            raw.push_str(&format!(
                "--b\r\nContent-Type: application/octet-stream\r\n\r\npart {i}\r\n"
            ));
        }
        raw.push_str("--b--\r\n");
        let m = parse(raw.as_bytes()).unwrap();
        let w = walk(
            &m,
            &MailLimits {
                max_parts: 3,
                ..MailLimits::default()
            },
        );
        assert_eq!(w.leaves.len(), 3);
        assert!(w.limit.is_some());
        // The parts beyond the limit are listed, not read.
        assert_eq!(w.not_read_count, 7);
        assert_eq!(w.not_read[0], "partie 4");

        // Nested multiparts.
        let mut raw =
            String::from("From: a@b.c\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n");
        for i in 1..30 {
            raw.push_str(&format!(
                "--b{}\r\nContent-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n",
                i - 1
            ));
        }
        raw.push_str("--b29\r\nContent-Type: text/plain\r\n\r\ndeep\r\n");
        for i in (0..30).rev() {
            raw.push_str(&format!("--b{i}--\r\n"));
        }
        let m = parse(raw.as_bytes()).unwrap();
        let w = walk(&m, &MailLimits::default());
        assert!(
            w.limit
                .as_deref()
                .is_some_and(|l| l.contains("imbrication")),
            "{:?}",
            w.limit
        );
    }

    /// A message whose one attachment has these headers.
    fn with_attachment(headers: &str) -> Vec<u8> {
        format!(
            "From: a@b.c\r\nSubject: =?UTF-8?Q?fiche.doc?= =?UTF-8?Q?x?=\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n\
             Content-Type: text/plain\r\n\r\nhi\r\n--XX\r\n{headers}\r\n\
             Content-Transfer-Encoding: base64\r\n\r\nUEsDBA==\r\n--XX--\r\n"
        )
        .into_bytes()
    }

    #[test]
    fn adjacent_encoded_words_in_a_file_name_are_joined() {
        let octet = "Content-Type: application/octet-stream\r\n";
        let cases = [
            (
                format!("{octet}Content-Disposition: attachment; filename=\"=?UTF-8?Q?fiche.doc?= =?UTF-8?Q?x?=\""),
                "fiche.docx",
            ),
            (
                format!("{octet}Content-Disposition: attachment;\r\n filename=\"=?UTF-8?Q?fiche.doc?=\r\n =?UTF-8?Q?x?=\""),
                "fiche.docx",
            ),
            (
                format!("{octet}Content-Disposition: attachment; filename==?UTF-8?Q?fiche.doc?= =?UTF-8?Q?x?="),
                "fiche.docx",
            ),
            (
                format!("{octet}Content-Disposition: attachment;\r\n filename==?UTF-8?B?ZmljaGUuZG9j?=\r\n =?UTF-8?B?eA==?="),
                "fiche.docx",
            ),
            (
                "Content-Type: application/octet-stream;\r\n name=\"=?iso-8859-1?Q?fiche_=E9t=E9.doc?= =?iso-8859-1?Q?x?=\"\r\nContent-Disposition: attachment".to_string(),
                "fiche été.docx",
            ),
            // Between an encoded word and plain text, the space is text.
            (
                format!("{octet}Content-Disposition: attachment; filename=\"=?UTF-8?Q?a_b?= c =?UTF-8?Q?d?=\""),
                "a b c d",
            ),
            // No encoded word: as mail-parser reads it (RFC 2231 too).
            (
                format!("{octet}Content-Disposition: attachment; filename=\"plain name.docx\""),
                "plain name.docx",
            ),
            (
                format!("{octet}Content-Disposition: attachment;\r\n filename*=UTF-8''fiche%20%C3%A9t%C3%A9.docx"),
                "fiche été.docx",
            ),
        ];
        for (headers, want) in cases {
            let raw = with_attachment(&headers);
            let m = parse(&raw).unwrap();
            assert_eq!(
                m.subject(),
                Some("fiche.docx"),
                "the Subject was right already"
            );
            let w = walk(&m, &MailLimits::default());
            let names: Vec<_> = w.leaves.iter().filter_map(|l| l.filename.clone()).collect();
            assert_eq!(names, [want], "{headers}");
        }
    }

    fn base64_encode(b: &[u8]) -> String {
        const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for c in b.chunks(3) {
            let n = (u32::from(c[0]) << 16)
                | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                | u32::from(*c.get(2).unwrap_or(&0));
            for i in 0..4 {
                if i <= c.len() {
                    out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}
