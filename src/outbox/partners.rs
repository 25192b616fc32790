//! The e-mail to the partners as it goes out: its recipients (each one
//! mailbox of `[publish] partners`, only in the envelope), its text (the
//! public changelog, written when the publication was made), and the lists
//! attached, read from the publication's folder when it is sent.

use std::path::Path;
use std::str::FromStr;
use std::time::SystemTime;

use lettre::message::Mailbox;
use serde_json::json;

use super::compose::{self, FilePart, Outgoing};
use super::mailboxes_text;
use crate::store::PartnerMail;

/// Largest file attached (a published list is a few hundred KiB).
const MAX_ATTACHMENT: u64 = 20 * 1024 * 1024;

/// The e-mail ready for the SMTP transaction.
pub struct Prepared {
    pub outgoing: Outgoing,
    pub message_id: String,
    /// The partners, as recorded when it is claimed.
    pub to_text: String,
}

/// The partners of an e-mail, parsed (an address that is not one mailbox
/// is a problem, named).
pub fn recipients(m: &PartnerMail) -> (Vec<Mailbox>, Vec<String>) {
    let (mut ok, mut problems) = (Vec::new(), Vec::new());
    for r in &m.recipients {
        match Mailbox::from_str(r.trim()) {
            Ok(b) => ok.push(b),
            Err(e) => problems.push(format!(
                "adresse de partenaire illisible « {r} » ({e}) : corriger [publish] partners"
            )),
        }
    }
    if ok.is_empty() && problems.is_empty() {
        problems.push("aucun partenaire : renseigner [publish] partners".into());
    }
    (ok, problems)
}

/// The attached files, read from the publication's folder.
fn files(m: &PartnerMail) -> Result<Vec<FilePart>, Vec<String>> {
    if m.attachments.is_empty() {
        return Ok(Vec::new());
    }
    let Some(dir) = &m.dir else {
        return Err(vec![format!(
            "la publication n° {} n'a pas de dossier : rien à joindre",
            m.publication
        )]);
    };
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for name in &m.attachments {
        if name.contains(['/', '\\']) || name.starts_with('.') {
            problems.push(format!(
                "pièce jointe « {name} » refusée : un nom de fichier de la publication est attendu"
            ));
            continue;
        }
        let path = Path::new(dir).join(name);
        let read = std::fs::metadata(&path).and_then(|meta| {
            if meta.len() > MAX_ATTACHMENT {
                Err(std::io::Error::other("fichier trop gros pour être joint"))
            } else {
                std::fs::read(&path)
            }
        });
        match read {
            Ok(bytes) => out.push(FilePart {
                name: crate::publish::partners::attachment_name(name, m.publication),
                bytes,
            }),
            Err(e) => problems.push(format!(
                "pièce jointe {} illisible ({e}) : le dossier de la publication a-t-il été déplacé ?",
                path.display()
            )),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// What stops the e-mail from going (recipients, files), without reading
/// more than the files' sizes.
pub fn problems(m: &PartnerMail) -> Vec<String> {
    let (_, mut problems) = recipients(m);
    if let Some(dir) = &m.dir {
        for name in &m.attachments {
            let path = Path::new(dir).join(name);
            if !path.is_file() {
                problems.push(format!(
                    "pièce jointe {} introuvable : le dossier de la publication a-t-il été déplacé ?",
                    path.display()
                ));
            }
        }
    } else if !m.attachments.is_empty() {
        problems.push(format!(
            "la publication n° {} n'a pas de dossier : rien à joindre",
            m.publication
        ));
    }
    problems
}

/// Builds the e-mail of `m`, or says why it cannot go.
pub fn prepare(
    m: &PartnerMail,
    from: &Mailbox,
    reply_to: Option<&Mailbox>,
) -> Result<Prepared, Vec<String>> {
    let (to, mut problems) = recipients(m);
    let files = match files(m) {
        Ok(f) => f,
        Err(p) => {
            problems.extend(p);
            Vec::new()
        }
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    let message_id = m
        .message_id
        .clone()
        .unwrap_or_else(|| super::new_message_id(&format!("p{}", m.publication), from));
    let outgoing = compose::compose_partners(&compose::PartnerParts {
        from,
        reply_to,
        recipients: &to,
        subject: &m.subject,
        body: &m.body,
        files: &files,
        message_id: &message_id,
        date: SystemTime::now(),
    })
    .map_err(|e| vec![e])?;
    Ok(Prepared {
        outgoing,
        message_id,
        to_text: mailboxes_text(&to),
    })
}

/// The JSON of `fiches outbox --json` for an e-mail to the partners.
pub fn json(m: &PartnerMail) -> serde_json::Value {
    json!({
        "id": format!("P{}", m.publication),
        "kind": "partners", // not a call key: the JSON kind
        "kind_fr": "envoi aux partenaires",
        "publication": m.publication,
        "since": m.since,
        "state": m.state,
        "state_fr": m.state.label_fr(),
        "to": m.recipients,
        "subject": m.subject,
        "body": m.body,
        "attachments": m.attachments,
        "dir": m.dir,
        "message_id": m.message_id,
        "approved": m.approved_at.is_some(),
        "attempts": m.attempts,
        "next_attempt_at": m.next_attempt_at,
        "last_error": m.last_error,
        "problems": problems(m),
        "sent_at": m.sent_at,
        "response": m.response,
        "version": m.version,
        "created_at": m.created_at,
        "created_by": m.created_by,
    })
}
