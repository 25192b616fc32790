//! A cheap look at a message's raw bytes **before** mail-parser builds its
//! tree: how many header fields, header bytes and MIME parts the parser
//! would allocate. mail-parser keeps about 130 bytes per header field and
//! per part, so 40 MB of empty header lines (`X:`, four bytes each) would
//! cost over a gigabyte in the main process; a message over the bounds of
//! [`MailLimits`] is refused before it is parsed (stored `rejected` with
//! its raw bytes, the reason in French).
//!
//! The walk follows mail-parser 0.11's own rules (pinned): a header block
//! ends at a line of blanks at a header start, a field is a line with a
//! name before a colon (continuation lines start with a space or a tab),
//! a multipart's parts start at every `--boundary` found anywhere (not only
//! at a line start), a `message/rfc822` part's body is another header block,
//! an encoded one is decoded and walked in turn (three levels, as the
//! parser). Each header block is parsed (by mail-parser, bounded by then)
//! only to learn its `Content-Type` and `Content-Transfer-Encoding`. The
//! counts are an upper bound of what the parser allocates: where unsure,
//! it counts more.

use mail_parser::{MessageParser, MimeHeaders};

use super::mail::MailLimits;

/// Nested encoded messages the parser decodes and parses (its
/// `MAX_NESTED_ENCODED`).
const ENCODED_DEPTH: usize = 3;

/// What the walk counted so far.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Header blocks (one per part the parser builds, plus the message's).
    pub parts: usize,
    /// Header fields in all blocks.
    pub fields: usize,
    /// Bytes of all header blocks.
    pub header_bytes: usize,
}

/// A message refused before parsing: why, in French, for staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

/// One header block as mail-parser reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    /// Header fields in it.
    pub fields: usize,
    /// Where the body starts (after the blank line), or the end of the data.
    pub end: usize,
    /// A blank line ended it (false: the data ended inside the headers).
    pub complete: bool,
}

/// True for the bytes mail-parser skips at the start of a header.
fn blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | 0x0c)
}

/// A line (without its `\n`) that holds a header name: a non-blank byte,
/// then a colon (mail-parser skips a colon met before any name).
fn has_field_name(line: &[u8]) -> bool {
    match line
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != b':')
    {
        Some(first) => line[first..].contains(&b':'),
        None => false,
    }
}

/// The header block starting at `start`. Stops counting once `max_fields`
/// fields or `max_bytes` bytes are passed (the result then says more than
/// the limit, which is all the caller needs).
pub fn header_block(data: &[u8], start: usize, max_fields: usize, max_bytes: usize) -> Block {
    let mut pos = start;
    let mut fields = 0usize;
    // After a field: lines starting with a space or a tab continue it.
    let mut in_field = false;
    while pos < data.len() {
        if fields > max_fields || pos - start > max_bytes {
            return Block {
                fields,
                end: pos,
                complete: false,
            };
        }
        let rest = &data[pos..];
        let (line, next, at_eof) = match memchr::memchr(b'\n', rest) {
            Some(i) => (&rest[..i], pos + i + 1, false),
            None => (rest, data.len(), true),
        };
        if in_field && matches!(line.first(), Some(b' ' | b'\t')) {
            pos = next;
            continue;
        }
        if !at_eof && line.iter().all(|b| blank(*b)) {
            return Block {
                fields,
                end: next,
                complete: true,
            };
        }
        in_field = has_field_name(line);
        if in_field {
            fields += 1;
        }
        pos = next;
    }
    Block {
        fields,
        end: data.len(),
        complete: false,
    }
}

/// What a header block declares, as the parser reads it.
struct Declared {
    multipart: bool,
    digest: bool,
    message: bool,
    boundary: Option<Vec<u8>>,
    encoded: Option<Encoding>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Base64,
    QuotedPrintable,
}

fn declared(block: &[u8], parent_digest: bool) -> Declared {
    let parsed = MessageParser::new().parse_headers(block);
    let part = parsed.as_ref().map(|m| m.root_part());
    let ct = part.and_then(|p| p.content_type());
    let (multipart, digest, message) = match ct {
        Some(ct) => {
            let sub = ct.subtype();
            (
                ct.ctype() == "multipart",
                ct.ctype() == "multipart" && sub == Some("digest"),
                ct.ctype() == "message" && matches!(sub, Some("rfc822") | Some("global")),
            )
        }
        None => (false, false, parent_digest),
    };
    let boundary = ct
        .and_then(|ct| ct.attribute("boundary"))
        .map(|b| b.as_bytes().to_vec());
    let encoded = part
        .and_then(|p| p.content_transfer_encoding())
        .and_then(|e| {
            if e.eq_ignore_ascii_case("base64") {
                Some(Encoding::Base64)
            } else if e.eq_ignore_ascii_case("quoted-printable") {
                Some(Encoding::QuotedPrintable)
            } else {
                None
            }
        });
    Declared {
        multipart,
        digest,
        message,
        boundary,
        encoded,
    }
}

/// `--boundary` from `from` on, anywhere: the offset just after it. The
/// bytes looked at are added to `scanned`.
fn seek_boundary(data: &[u8], from: usize, boundary: &[u8], scanned: &mut usize) -> Option<usize> {
    if boundary.is_empty() || from >= data.len() {
        return None;
    }
    let mut needle = Vec::with_capacity(boundary.len() + 2);
    needle.extend_from_slice(b"--");
    needle.extend_from_slice(boundary);
    let found = memchr::memmem::find(&data[from..], &needle);
    *scanned += found.map_or(data.len() - from, |i| i + needle.len());
    found.map(|i| from + i + needle.len())
}

/// After a boundary: `--` closes the multipart (true); otherwise the end of
/// the line is skipped as the parser does. Moves `pos`.
fn multipart_end(data: &[u8], pos: &mut usize) -> bool {
    match (data.get(*pos), data.get(*pos + 1)) {
        (Some(b'\r'), Some(b'\n')) => {
            *pos += 2;
            false
        }
        (Some(b'-'), Some(b'-')) => {
            *pos += 2;
            true
        }
        (Some(b'\n'), _) => {
            *pos += 1;
            false
        }
        (Some(a), _) if a.is_ascii_whitespace() => {
            *pos += 1;
            skip_crlf(data, pos);
            false
        }
        _ => false,
    }
}

fn skip_crlf(data: &[u8], pos: &mut usize) {
    while let Some(b) = data.get(*pos) {
        match b {
            b'\r' | b' ' | b'\t' => *pos += 1,
            b'\n' => {
                *pos += 1;
                break;
            }
            _ => break,
        }
    }
}

/// Lenient decoding (more than the parser would get, never less).
fn decode(body: &[u8], enc: Encoding) -> Vec<u8> {
    match enc {
        Encoding::Base64 => {
            let mut out = Vec::with_capacity(body.len() / 4 * 3);
            let (mut acc, mut n) = (0u32, 0u8);
            for &b in body {
                let v = match b {
                    b'A'..=b'Z' => b - b'A',
                    b'a'..=b'z' => b - b'a' + 26,
                    b'0'..=b'9' => b - b'0' + 52,
                    b'+' => 62,
                    b'/' => 63,
                    _ => continue,
                };
                acc = (acc << 6) | u32::from(v);
                n += 1;
                if n == 4 {
                    out.extend_from_slice(&acc.to_be_bytes()[1..]);
                    (acc, n) = (0, 0);
                }
            }
            match n {
                2 => out.push((acc >> 4) as u8),
                3 => out.extend_from_slice(&((acc >> 2) as u16).to_be_bytes()),
                _ => {}
            }
            out
        }
        Encoding::QuotedPrintable => {
            let mut out = Vec::with_capacity(body.len());
            let mut i = 0;
            while i < body.len() {
                let b = body[i];
                if b == b'=' {
                    let hex = |c: u8| (c as char).to_digit(16);
                    match (body.get(i + 1), body.get(i + 2)) {
                        (Some(b'\r'), Some(b'\n')) => i += 3,
                        (Some(b'\n'), _) => i += 2,
                        (Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                            out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                            i += 3;
                        }
                        _ => {
                            out.push(b);
                            i += 1;
                        }
                    }
                } else {
                    out.push(b);
                    i += 1;
                }
            }
            out
        }
    }
}

/// A parser state: the boundary of the multipart being read, whether it
/// is a digest (parts without a type are messages), whether it is a
/// forwarded message read in place (it borrowed its parent's boundary).
struct State {
    boundary: Option<Vec<u8>>,
    digest: bool,
    message: bool,
}

/// Checks a whole message against `limits` before it is parsed.
pub fn check(data: &[u8], limits: &MailLimits) -> Result<Counts, Refused> {
    let mut counts = Counts::default();
    walk(data, limits, ENCODED_DEPTH, &mut counts)?;
    Ok(counts)
}

/// Checks only the message's own header block (for a message whose body is
/// not read: too large, or only its Message-ID wanted).
pub fn check_top(data: &[u8], limits: &MailLimits) -> Result<Block, Refused> {
    let block = header_block(
        data,
        0,
        limits.max_header_fields,
        limits.max_header_block_bytes,
    );
    judge_block(&block, 0, 1, limits)?;
    Ok(block)
}

fn judge_block(
    block: &Block,
    start: usize,
    nth: usize,
    limits: &MailLimits,
) -> Result<(), Refused> {
    let place = if nth == 1 {
        "dans l'en-tête du message".to_string()
    } else {
        format!("dans la partie MIME n° {nth}")
    };
    if block.fields > limits.max_header_fields {
        return Err(Refused(format!(
            "trop de lignes d'en-tête (plus de {} {place})",
            limits.max_header_fields
        )));
    }
    if block.end - start > limits.max_header_block_bytes {
        return Err(Refused(format!(
            "en-têtes trop volumineux (plus de {} Kio {place})",
            limits.max_header_block_bytes / 1024
        )));
    }
    Ok(())
}

fn walk(
    data: &[u8],
    limits: &MailLimits,
    depth: usize,
    counts: &mut Counts,
) -> Result<(), Refused> {
    let mut pos = 0usize;
    let mut state = State {
        boundary: None,
        digest: false,
        message: true,
    };
    let mut stack: Vec<State> = Vec::new();
    // Bytes looked at for boundaries: a legitimate message looks at each
    // byte about once per nesting level; boundaries declared and never
    // found, part after part, would make the parser read the whole message
    // again for each (minutes of CPU for one mail).
    let mut scanned = 0usize;
    let max_scanned = data.len().saturating_mul(16).max(16 << 20);
    loop {
        if scanned > max_scanned {
            return Err(Refused(
                "structure MIME anormale (frontières déclarées puis introuvables, partie après partie)"
                    .to_string(),
            ));
        }
        let start = pos;
        let block = header_block(
            data,
            start,
            limits.max_header_fields,
            limits.max_header_block_bytes,
        );
        counts.parts += 1;
        counts.fields += block.fields;
        counts.header_bytes += block.end - start;
        judge_block(&block, start, counts.parts, limits)?;
        if counts.parts > limits.max_mime_parts {
            return Err(Refused(format!(
                "trop de parties MIME (plus de {})",
                limits.max_mime_parts
            )));
        }
        if counts.fields > limits.max_total_header_fields {
            return Err(Refused(format!(
                "trop de lignes d'en-tête (plus de {} dans l'ensemble du message)",
                limits.max_total_header_fields
            )));
        }
        if counts.header_bytes > limits.max_total_header_bytes {
            return Err(Refused(format!(
                "en-têtes trop volumineux (plus de {} Kio dans l'ensemble du message)",
                limits.max_total_header_bytes / 1024
            )));
        }
        if !block.complete {
            return Ok(());
        }
        pos = block.end;
        let d = declared(&data[start..block.end], state.digest);

        if d.multipart
            && let Some(b) = d.boundary.as_deref()
            && let Some(after) = seek_boundary(data, pos, b, &mut scanned)
        {
            let child = State {
                boundary: Some(b.to_vec()),
                digest: d.digest,
                message: false,
            };
            stack.push(std::mem::replace(&mut state, child));
            pos = after;
            skip_crlf(data, &mut pos);
            continue;
        }
        let message = d.message && !d.multipart;
        if message && d.encoded.is_none() {
            // A forwarded message read in place: its headers come next.
            let inner = State {
                boundary: state.boundary.take(),
                digest: false,
                message: true,
            };
            stack.push(std::mem::replace(&mut state, inner));
            continue;
        }
        // The body, up to the boundary of the multipart being read.
        let body_start = pos;
        let body_end = match state.boundary.as_deref() {
            None => {
                pos = data.len();
                data.len()
            }
            Some(b) => match seek_boundary(data, pos, b, &mut scanned) {
                Some(after) => {
                    pos = after;
                    after - b.len() - 2
                }
                None => {
                    pos = data.len();
                    state.boundary = None;
                    data.len()
                }
            },
        };
        if message
            && depth > 0
            && let Some(enc) = d.encoded
        {
            let decoded = decode(&data[body_start..body_end], enc);
            walk(&decoded, limits, depth - 1, counts)?;
        }
        if state.boundary.is_some() {
            loop {
                if state.message {
                    // A forwarded message ends with its parent's part.
                    let Some(mut parent) = stack.pop() else {
                        return Ok(());
                    };
                    parent.boundary = state.boundary.take();
                    state = parent;
                }
                if multipart_end(data, &mut pos) {
                    let Some(parent) = stack.pop() else {
                        return Ok(());
                    };
                    state = parent;
                    if let Some(b) = state.boundary.as_deref()
                        && let Some(after) = seek_boundary(data, pos, b, &mut scanned)
                    {
                        pos = after;
                        continue;
                    }
                    return Ok(());
                }
                break;
            }
        } else if pos >= data.len() {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> MailLimits {
        MailLimits::default()
    }

    /// The counts agree with what mail-parser builds on ordinary shapes.
    fn parser_parts(raw: &[u8]) -> (usize, usize) {
        fn count(m: &mail_parser::Message<'_>) -> (usize, usize) {
            let mut parts = 0;
            let mut fields = 0;
            for p in &m.parts {
                parts += 1;
                fields += p.headers.len();
                if let mail_parser::PartType::Message(inner) = &p.body {
                    let (a, b) = count(inner);
                    parts += a;
                    fields += b;
                }
            }
            (parts, fields)
        }
        count(&MessageParser::default().parse(raw).unwrap())
    }

    #[test]
    fn counts_bound_what_the_parser_builds() {
        let fwd = "From: x@y.z\r\nSubject: fwd\r\n\r\nbody\r\n";
        let b64: String = {
            const T: &[u8; 64] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let bytes = "From: e@y.z\r\nX-A: 1\r\nX-B: 2\r\n\r\nhello\r\n".as_bytes();
            let mut s = String::new();
            for c in bytes.chunks(3) {
                let n = (u32::from(c[0]) << 16)
                    | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                    | u32::from(*c.get(2).unwrap_or(&0));
                for i in 0..4 {
                    s.push(if i <= c.len() {
                        T[(n >> (18 - 6 * i) & 63) as usize] as char
                    } else {
                        '='
                    });
                }
            }
            s
        };
        let samples = [
            "From: a@b.c\r\nSubject: s\r\n\r\nhello".to_string(),
            "From: a@b.c\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\npre\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b\r\nContent-Type: application/pdf\r\nX-Y: z\r\n\r\n%PDF\r\n--b--\r\nepilogue".to_string(),
            format!("From: a@b.c\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n{fwd}--b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--b--\r\n"),
            "From: a@b.c\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n--i\r\n\r\nt\r\n--i\r\nContent-Type: text/html\r\n\r\n<p>\r\n--i--\r\n--o\r\nContent-Type: text/plain\r\n\r\nz\r\n--o--\r\n".to_string(),
            "From: a@b.c\r\nContent-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nFrom: q@r.s\r\nSubject: one\r\n\r\nx\r\n--d\r\n\r\nFrom: t@r.s\r\n\r\ny\r\n--d--\r\n".to_string(),
        ];
        for raw in &samples {
            let c = check(raw.as_bytes(), &limits()).unwrap();
            let (parts, fields) = parser_parts(raw.as_bytes());
            assert!(c.parts >= parts, "{raw}: {c:?} < {parts} parts");
            assert!(c.fields >= fields, "{raw}: {c:?} < {fields} fields");
            // And not wildly more: the walk follows the parser.
            assert!(c.parts <= parts + 2, "{raw}: {c:?} vs {parts} parts");
        }
    }

    #[test]
    fn blocks_end_where_the_parser_ends_them() {
        let b = header_block(b"A: 1\r\n folded\r\nB: 2\r\n\r\nbody", 0, 100, 1000);
        assert_eq!((b.fields, b.complete), (2, true));
        assert_eq!(b.end, 23);
        // Junk without a colon is no field; a blank-only line ends the block.
        let b = header_block(b"junk\r\n \t\r\nC: 3\r\n\r\n", 0, 100, 1000);
        assert_eq!((b.fields, b.complete, b.end), (0, true, 10));
        // Headers only, the last line without its newline.
        let b = header_block(b"A: 1\r\nMessage-ID: <x@y>", 0, 100, 1000);
        assert_eq!((b.fields, b.complete), (2, false));
        // Counting stops past the limits.
        let many = "X:\r\n".repeat(5000);
        let b = header_block(many.as_bytes(), 0, 100, 1 << 20);
        assert!(b.fields > 100 && b.fields < 200, "{b:?}");
    }

    #[test]
    fn header_floods_are_refused() {
        let top = format!("From: a@b.c\r\n{}\r\nbody", "X:\r\n".repeat(2000));
        let e = check(top.as_bytes(), &limits()).unwrap_err();
        assert!(e.0.contains("trop de lignes d'en-tête"), "{e:?}");
        assert!(e.0.contains("dans l'en-tête du message"), "{e:?}");
        assert!(check_top(top.as_bytes(), &limits()).is_err());

        // Many parts, each under the per-block limit, over the total.
        let mut raw =
            String::from("From: a@b.c\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n");
        for _ in 0..40 {
            raw.push_str("--b\r\n");
            raw.push_str(&"X:\r\n".repeat(900));
            raw.push_str("\r\nx\r\n");
        }
        raw.push_str("--b--\r\n");
        assert!(check_top(raw.as_bytes(), &limits()).is_ok());
        let e = check(raw.as_bytes(), &limits()).unwrap_err();
        assert!(e.0.contains("dans l'ensemble du message"), "{e:?}");

        // Empty parts by the hundred thousand.
        let raw = format!(
            "From: a@b.c\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n{}--b--\r\n",
            "--b\r\n\r\n".repeat(100_000)
        );
        let e = check(raw.as_bytes(), &limits()).unwrap_err();
        assert!(e.0.contains("trop de parties MIME"), "{e:?}");

        // A huge header value.
        let raw = format!("From: a@b.c\r\nTo: {}\r\n\r\nx", "a@b,".repeat(300_000));
        let e = check(raw.as_bytes(), &limits()).unwrap_err();
        assert!(e.0.contains("en-têtes trop volumineux"), "{e:?}");

        // Hidden in a base64 forwarded message.
        let inner = format!("From: a@b.c\r\n{}\r\nx", "X:\r\n".repeat(3000));
        let enc: String = decode_roundtrip_b64(inner.as_bytes());
        let raw = format!(
            "From: a@b.c\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{enc}\r\n--b--\r\n"
        );
        let e = check(raw.as_bytes(), &limits()).unwrap_err();
        assert!(e.0.contains("trop de lignes d'en-tête"), "{e:?}");
    }

    fn decode_roundtrip_b64(bytes: &[u8]) -> String {
        const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for (i, c) in bytes.chunks(3).enumerate() {
            let n = (u32::from(c[0]) << 16)
                | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                | u32::from(*c.get(2).unwrap_or(&0));
            for k in 0..4 {
                s.push(if k <= c.len() {
                    T[(n >> (18 - 6 * k) & 63) as usize] as char
                } else {
                    '='
                });
            }
            if i % 19 == 18 {
                s.push_str("\r\n");
            }
        }
        assert_eq!(decode(s.as_bytes(), Encoding::Base64), bytes);
        s
    }
}
