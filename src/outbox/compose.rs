//! Turning a reviewed letter into the message handed to the server: From and
//! Reply-To of `[smtp]`, our own Message-ID, threading to the fiche's
//! message (`In-Reply-To`, `References`), `Auto-Submitted: auto-replied` on
//! acknowledgements (RFC 3834, so that well-behaved autoresponders stay
//! quiet), plain text in UTF-8.

use std::time::SystemTime;

use lettre::Address;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};

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
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-replied".into())
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
        .header(ContentType::TEXT_PLAIN)
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
        b = b.header(AutoSubmitted);
    }
    let message = b
        .body(p.body.to_string())
        .map_err(|e| format!("message impossible à construire : {e}"))?;
    let mut rcpts = vec![first.email.clone()];
    for m in p.to.iter().skip(1).chain(p.cc) {
        if !rcpts.contains(&m.email) {
            rcpts.push(m.email.clone());
        }
    }
    Ok(Outgoing {
        bytes: message.formatted(),
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
