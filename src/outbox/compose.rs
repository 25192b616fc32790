//! Turning a reviewed letter into the message handed to the server: From and
//! Reply-To of `[smtp]`, our own Message-ID, `Date`, threading to the
//! fiche's message (`In-Reply-To`, `References`), `Auto-Submitted:
//! auto-replied` on acknowledgements (RFC 3834, so that well-behaved
//! autoresponders stay quiet), a MIME body (RFC 2045: `MIME-Version: 1.0`,
//! `Content-Type: text/plain; charset=utf-8`, a transfer encoding chosen
//! for the text). Headers are written by lettre, which encodes non-ASCII
//! words (RFC 2047) and folds long lines.
//!
//! [`compose_partners`] builds the e-mail to the partners: To our own
//! address, the partners only in the envelope (none sees the others'),
//! `Auto-Submitted: auto-generated`, the text and the lists attached.

use std::time::SystemTime;

use lettre::Address;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, Message, MultiPart, SinglePart};

/// A message ready for the SMTP transaction.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub bytes: Vec<u8>,
    /// Envelope sender.
    pub from: Address,
    /// Envelope recipients, To first.
    pub rcpts: Vec<Address>,
}

/// What the message says.
#[derive(Debug, Clone)]
pub struct Parts<'a> {
    pub from: &'a Mailbox,
    pub reply_to: Option<&'a Mailbox>,
    pub to: &'a [Mailbox],
    pub cc: &'a [Mailbox],
    pub subject: &'a str,
    pub body: &'a str,
    /// Our Message-ID, without <>.
    pub message_id: &'a str,
    /// The fiche's Message-ID, without <>.
    pub in_reply_to: Option<&'a str>,
    pub auto_submitted: bool,
    pub date: SystemTime,
}

#[derive(Debug, Clone)]
struct AutoSubmitted(&'static str);

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted(if s.trim() == "auto-generated" {
            "auto-generated"
        } else {
            "auto-replied"
        }))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.into())
    }
}

/// Asks Exchange and its kin not to answer with an out-of-office notice.
#[derive(Debug, Clone)]
struct AutoResponseSuppress;

impl Header for AutoResponseSuppress {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Auto-Response-Suppress")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoResponseSuppress)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "All".into())
    }
}

/// A Message-ID is `<left@right>` with no spaces or brackets inside; a
/// stored one that is not (mangled by some mailer) is not threaded to.
fn usable_id(id: &str) -> Option<&str> {
    let ok = !id.is_empty()
        && id.contains('@')
        && id.chars().all(|c| {
            c.is_ascii_graphic() && !matches!(c, '<' | '>' | '"' | '\\' | '(' | ')' | ',')
        });
    ok.then_some(id)
}

/// Folds the header lines longer than 78 characters at their last space
/// before that column (RFC 5322 2.2.3: the space becomes the folding white
/// space, unfolding gives the line back). lettre folds the texts it
/// encodes (`Subject`), not the address headers (`From` with an encoded
/// name and an address). A line with no space to fold at is left as it is
/// (RFC 5322 allows up to 998 octets).
pub fn fold_header(message: &[u8]) -> Vec<u8> {
    let Some(end) = message.windows(4).position(|w| w == b"\r\n\r\n") else {
        return message.to_vec();
    };
    let (head, body) = message.split_at(end);
    let mut out = Vec::with_capacity(message.len() + 16);
    for (i, line) in head.split(|b| *b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if i > 0 {
            out.extend_from_slice(b"\r\n");
        }
        let mut rest = line;
        // Never fold inside the field name: only after "Name: ".
        let start = rest.iter().position(|b| *b == b':').map_or(1, |p| p + 2);
        let mut first = true;
        while rest.len() > 78 {
            let from = if first { start } else { 1 };
            let cut = rest[..=78]
                .iter()
                .rposition(|b| *b == b' ')
                .filter(|p| *p >= from);
            let Some(cut) = cut else { break };
            out.extend_from_slice(&rest[..cut]);
            out.extend_from_slice(b"\r\n");
            rest = &rest[cut..];
            first = false;
        }
        out.extend_from_slice(rest);
    }
    out.extend_from_slice(body);
    out
}

/// Builds the message. The error is French, for staff.
pub fn compose(p: &Parts<'_>) -> Result<Outgoing, String> {
    let Some(first) = p.to.first() else {
        return Err("aucun destinataire".into());
    };
    let mut b = Message::builder()
        .from(p.from.clone())
        .subject(p.subject)
        .date(p.date)
        .message_id(Some(format!("<{}>", p.message_id)))
        .header(AutoResponseSuppress);
    if let Some(r) = p.reply_to {
        b = b.reply_to(r.clone());
    }
    for t in p.to {
        b = b.to(t.clone());
    }
    for c in p.cc {
        b = b.cc(c.clone());
    }
    if let Some(id) = p.in_reply_to.and_then(usable_id) {
        b = b
            .in_reply_to(format!("<{id}>"))
            .references(format!("<{id}>"));
    }
    if p.auto_submitted {
        b = b.header(AutoSubmitted("auto-replied"));
    }
    let message = b
        // lettre ends the part with a line break of its own.
        .singlepart(SinglePart::plain(
            p.body.strip_suffix('\n').unwrap_or(p.body).to_string(),
        ))
        .map_err(|e| format!("message impossible à construire : {e}"))?;
    let mut rcpts = vec![first.email.clone()];
    for m in p.to.iter().skip(1).chain(p.cc) {
        if !rcpts.contains(&m.email) {
            rcpts.push(m.email.clone());
        }
    }
    Ok(Outgoing {
        bytes: fold_header(&message.formatted()),
        from: p.from.email.clone(),
        rcpts,
    })
}

/// A file attached to the partners' e-mail.
#[derive(Debug, Clone)]
pub struct FilePart {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The MIME type of a published file, from its name.
fn content_type_of(name: &str) -> ContentType {
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    let t = match ext.as_str() {
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "html" => "text/html; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    ContentType::parse(t).unwrap_or(ContentType::TEXT_PLAIN)
}

/// What the e-mail to the partners says.
#[derive(Debug, Clone)]
pub struct PartnerParts<'a> {
    pub from: &'a Mailbox,
    pub reply_to: Option<&'a Mailbox>,
    /// The partners: envelope recipients only.
    pub recipients: &'a [Mailbox],
    pub subject: &'a str,
    pub body: &'a str,
    pub files: &'a [FilePart],
    pub message_id: &'a str,
    pub date: SystemTime,
}

/// Builds the e-mail to the partners. The error is French, for staff.
pub fn compose_partners(p: &PartnerParts<'_>) -> Result<Outgoing, String> {
    if p.recipients.is_empty() {
        return Err("aucun partenaire dans [publish] partners".into());
    }
    let mut b = Message::builder()
        .from(p.from.clone())
        .to(p.from.clone())
        .subject(p.subject)
        .date(p.date)
        .message_id(Some(format!("<{}>", p.message_id)))
        .header(AutoSubmitted("auto-generated"))
        .header(AutoResponseSuppress);
    if let Some(r) = p.reply_to {
        b = b.reply_to(r.clone());
    }
    let text = SinglePart::plain(p.body.strip_suffix('\n').unwrap_or(p.body).to_string());
    let message = if p.files.is_empty() {
        b.singlepart(text)
    } else {
        let mut mixed = MultiPart::mixed().singlepart(text);
        for f in p.files {
            mixed = mixed.singlepart(
                Attachment::new(f.name.clone()).body(f.bytes.clone(), content_type_of(&f.name)),
            );
        }
        b.multipart(mixed)
    }
    .map_err(|e| format!("message impossible à construire : {e}"))?;
    let mut rcpts: Vec<Address> = Vec::new();
    for m in p.recipients {
        if !rcpts.contains(&m.email) {
            rcpts.push(m.email.clone());
        }
    }
    Ok(Outgoing {
        bytes: fold_header(&message.formatted()),
        from: p.from.email.clone(),
        rcpts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn headers_threading_and_auto_submitted() {
        let from = Mailbox::from_str("Cités Unies France <rencontres@example.org>").unwrap();
        let reply = Mailbox::from_str("Équipe <equipe@example.org>").unwrap();
        let to = vec![Mailbox::from_str("Claire Martin <claire@example.fr>").unwrap()];
        let cc = vec![Mailbox::from_str("secretariat@example.fr").unwrap()];
        let parts = Parts {
            from: &from,
            reply_to: Some(&reply),
            to: &to,
            cc: &cc,
            subject: "Votre fiche est bien arrivée — merci",
            body: "Bonjour Claire,\n\nLigne accentuée : é à ç.\n",
            message_id: "fiches.1.abc@example.org",
            in_reply_to: Some("orig-1@mairie.example.fr"),
            auto_submitted: true,
            date: SystemTime::UNIX_EPOCH,
        };
        let out = compose(&parts).unwrap();
        let text = String::from_utf8(out.bytes.clone()).unwrap();
        assert!(
            text.contains("Message-ID: <fiches.1.abc@example.org>\r\n"),
            "{text}"
        );
        assert!(text.contains("In-Reply-To: <orig-1@mairie.example.fr>\r\n"));
        assert!(text.contains("References: <orig-1@mairie.example.fr>\r\n"));
        assert!(text.contains("Auto-Submitted: auto-replied\r\n"));
        assert!(text.contains("X-Auto-Response-Suppress: All\r\n"));
        assert!(text.contains("Content-Type: text/plain; charset=utf-8\r\n"));
        assert!(out.bytes.is_ascii(), "7-bit on the wire");
        assert_eq!(out.rcpts.len(), 2);
        assert_eq!(out.from.to_string(), "rencontres@example.org");
        let parsed = mail_parser::MessageParser::default()
            .parse(&out.bytes)
            .unwrap();
        assert_eq!(
            parsed.subject(),
            Some("Votre fiche est bien arrivée — merci")
        );
        assert_eq!(
            parsed.body_text(0).as_deref(),
            Some("Bonjour Claire,\r\n\r\nLigne accentuée : é à ç.\r\n")
        );
    }

    #[test]
    fn long_header_lines_are_folded_at_a_space() {
        let msg = format!(
            "From: =?utf-8?b?{}?= <rencontres@example.org>\r\nX-Long: {}\r\n\r\nbody {}\r\n",
            "Q".repeat(60),
            "x".repeat(100),
            "y ".repeat(60)
        );
        let out = String::from_utf8(fold_header(msg.as_bytes())).unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert_eq!(
            head.lines().next().unwrap().trim_end(),
            format!("From: =?utf-8?b?{}?=", "Q".repeat(60))
        );
        assert!(head.contains("\r\n <rencontres@example.org>"));
        // A single long token cannot be folded: left as it is.
        assert!(head.contains(&format!("X-Long: {}", "x".repeat(100))));
        // Unfolding gives the lines back; the body is untouched.
        assert_eq!(
            head.replace("\r\n ", " "),
            msg.split("\r\n\r\n").next().unwrap()
        );
        assert_eq!(body, format!("body {}\r\n", "y ".repeat(60)));
    }

    #[test]
    fn a_letter_is_mime_and_the_partners_see_only_us() {
        let from =
            Mailbox::from_str("Cités Unies France – Rencontres <rencontres@example.org>").unwrap();
        let to = vec![Mailbox::from_str("Hélène Dubois <h@example.fr>").unwrap()];
        let parts = Parts {
            from: &from,
            reply_to: None,
            to: &to,
            cc: &[],
            subject: "Rencontres de l'internationalisation des collectivités territoriales : votre micro-atelier est au programme",
            body: "Madame,\n\nTexte.\n",
            message_id: "x@example.org",
            in_reply_to: None,
            auto_submitted: false,
            date: SystemTime::UNIX_EPOCH,
        };
        let text = String::from_utf8(compose(&parts).unwrap().bytes).unwrap();
        assert!(text.contains("MIME-Version: 1.0\r\n"), "{text}");
        assert!(text.contains("Date: "));
        for line in text.split("\r\n\r\n").next().unwrap().split("\r\n") {
            assert!(line.len() <= 78, "{line}");
        }
        let partners = vec![
            Mailbox::from_str("a@p.example").unwrap(),
            Mailbox::from_str("b@q.example").unwrap(),
        ];
        let out = compose_partners(&PartnerParts {
            from: &from,
            reply_to: None,
            recipients: &partners,
            subject: "Listes",
            body: "Bonjour,\n",
            files: &[FilePart {
                name: "programme.html".into(),
                bytes: b"<p>x</p>".to_vec(),
            }],
            message_id: "p1@example.org",
            date: SystemTime::UNIX_EPOCH,
        })
        .unwrap();
        let text = String::from_utf8(out.bytes).unwrap();
        assert_eq!(out.rcpts.len(), 2);
        assert!(
            !text.contains("a@p.example") && !text.contains("Bcc"),
            "{text}"
        );
        assert!(text.contains("Auto-Submitted: auto-generated"));
        assert!(text.contains("multipart/mixed"));
        assert!(text.contains("filename=\"programme.html\""), "{text}");
    }

    #[test]
    fn no_threading_to_a_mangled_id_and_no_auto_submitted_on_decisions() {
        let from = Mailbox::from_str("rencontres@example.org").unwrap();
        let to = vec![Mailbox::from_str("claire@example.fr").unwrap()];
        let parts = Parts {
            from: &from,
            reply_to: None,
            to: &to,
            cc: &[],
            subject: "s",
            body: "b\n",
            message_id: "x@example.org",
            in_reply_to: Some("bad id>\r\nBcc: evil@example.org"),
            auto_submitted: false,
            date: SystemTime::UNIX_EPOCH,
        };
        let text = String::from_utf8(compose(&parts).unwrap().bytes).unwrap();
        assert!(!text.contains("In-Reply-To") && !text.contains("Bcc"));
        assert!(!text.contains("Auto-Submitted"));
    }
}
