//! A stored message as staff read it: sender, date, subject, the body as
//! plain text (HTML-only mail converted to text) and the attachments. The
//! console shows this; it never parses mail itself. Text is returned as
//! decoded, not made terminal-safe: the caller does that before drawing.

use super::mail::{self, Headers, MailLimits};
use super::prescan;

/// `Name <address>`, or whichever of the two is present.
fn sender(h: &Headers) -> Option<String> {
    match (&h.from.name, &h.from.address) {
        (Some(n), Some(a)) => Some(format!("{n} <{a}>")),
        (Some(n), None) => Some(n.clone()),
        (None, Some(a)) => Some(a.clone()),
        (None, None) => None,
    }
}

/// Longest body text returned, in characters; the rest is cut with a note.
pub const MAX_BODY_CHARS: usize = 20_000;

/// One attachment of a message, as listed to staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentView {
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub size: usize,
}

/// What staff see of a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageView {
    /// `Name <address>`, or whichever of the two is present.
    pub from: Option<String>,
    /// The Date header, RFC 3339 with the sender's offset.
    pub date: Option<String>,
    pub subject: Option<String>,
    pub body_text: String,
    /// Every leaf part that is not a text body, forwarded messages included.
    pub attachments: Vec<AttachmentView>,
    /// The body was longer than `MAX_BODY_CHARS`.
    pub body_truncated: bool,
}

/// Reads raw message bytes into a `MessageView`. Never fails: unreadable
/// bytes give an empty view.
pub fn message_view(bytes: &[u8]) -> MessageView {
    let repaired = mail::repaired(bytes);
    let bytes = repaired.as_deref().unwrap_or(bytes);
    let limits = MailLimits::default();
    // A message the parser would blow up on is not parsed here either.
    if let Err(prescan::Refused(why)) = prescan::check(bytes, &limits) {
        let Some(h) = mail::top_headers(bytes, &limits) else {
            return MessageView::default();
        };
        return MessageView {
            from: sender(&h),
            date: h.date.map(|d| d.to_rfc3339()),
            subject: h.subject,
            body_text: format!(
                "(texte non affiché : {why} ; le message est conservé tel quel dans la base)"
            ),
            attachments: Vec::new(),
            body_truncated: false,
        };
    }
    let Some(msg) = mail::parse(bytes) else {
        return MessageView::default();
    };
    let h = mail::headers(&msg);
    let from = sender(&h);
    let mut body: String = msg.body_text(0).map(|b| b.into_owned()).unwrap_or_default();
    let mut body_truncated = false;
    if let Some((cut, _)) = body.char_indices().nth(MAX_BODY_CHARS) {
        body.truncate(cut);
        body_truncated = true;
    }
    let walk = mail::walk(&msg, &MailLimits::default());
    let attachments = walk
        .leaves
        .iter()
        .filter(|l| !l.is_body)
        .map(|l| AttachmentView {
            filename: l.filename.clone(),
            content_type: l.content_type.clone(),
            size: l.bytes.len(),
        })
        .collect();
    MessageView {
        from,
        date: h.date.map(|d| d.to_rfc3339()),
        subject: h.subject,
        body_text: body.replace("\r\n", "\n"),
        attachments,
        body_truncated,
    }
}

/// The decoded bytes of the attachment the intake stored as `part_path`
/// (`attachments.part_path`) of a raw message, and its file name; `None`
/// when the message cannot be parsed (the same bounds as the intake) or
/// has no such part.
pub fn attachment_bytes(raw: &[u8], part_path: &str) -> Option<(Option<String>, Vec<u8>)> {
    let repaired = mail::repaired(raw);
    let bytes = repaired.as_deref().unwrap_or(raw);
    let limits = MailLimits::default();
    if prescan::check(bytes, &limits).is_err() {
        return None;
    }
    let msg = mail::parse(bytes)?;
    let walk = mail::walk(&msg, &limits);
    walk.leaves
        .into_iter()
        .find(|l| l.path == part_path)
        .map(|l| (l.filename, l.bytes.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_attachment() {
        let raw = b"From: Marie <marie@x.org>\r\nSubject: Fiche\r\nDate: Wed, 23 May 2018 09:30:00 +0200\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
Bonjour,\r\nci-joint.\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"f.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n--b--\r\n";
        let v = message_view(raw);
        assert_eq!(v.from.as_deref(), Some("Marie <marie@x.org>"));
        assert_eq!(v.subject.as_deref(), Some("Fiche"));
        assert_eq!(v.date.as_deref(), Some("2018-05-23T09:30:00+02:00"));
        assert!(
            v.body_text.starts_with("Bonjour,\nci-joint."),
            "{:?}",
            v.body_text
        );
        assert_eq!(v.attachments.len(), 1);
        assert_eq!(v.attachments[0].filename.as_deref(), Some("f.pdf"));
        assert_eq!(v.attachments[0].size, 4);
    }

    #[test]
    fn html_only_becomes_text_and_garbage_is_empty() {
        let raw = b"From: a@x.org\r\nContent-Type: text/html\r\n\r\n<p>Bonjour <b>vous</b></p>";
        let v = message_view(raw);
        assert!(v.body_text.contains("Bonjour vous"), "{:?}", v.body_text);
        assert_eq!(message_view(b""), MessageView::default());
    }
}
