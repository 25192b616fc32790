//! Who a letter goes to: one person, chosen from the fiche's contact field
//! and the address the fiche came from, and whether staff must look first.
//!
//! The rule (issue 12): the fiche's contact address when it is exactly one
//! valid address and it is the sender's, or of the sender's domain (or a
//! subdomain of it, or the other way round) when that domain is one
//! organisation's — not a mailbox provider's (`gmail.com`, `orange.fr`…)
//! nor a shared suffix (`gov.tn`); the sender's address when the field is
//! empty. Anything else holds the letter for staff review, with
//! the reason: several addresses or an invalid field (the letter would go
//! to the sender), one address of another domain (the letter would go to
//! it). Automatic sending never sends a held letter; staff confirm the
//! recipient (`fiches outbox confirm N`, `v` on the Envoi screen) or choose
//! another one (`fiches outbox edit N`).
//!
//! The field is read with lettre's address parser — an RFC 5322
//! `mailbox-list` grammar (nom) that must consume the whole field (so a
//! line break followed by `Bcc:` is a parse error, not a second header),
//! with local parts and domains checked by the `email_address` crate (IDNA
//! domains, IP literals) — never by splitting text on separators.

use std::str::FromStr;

use lettre::Address;
use lettre::message::{Mailbox, Mailboxes};

/// Where a letter goes, and why it waits for staff if it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// One mailbox, or none when there is no usable address at all.
    pub to: Option<Mailbox>,
    /// Why staff must confirm the recipient first.
    pub hold: Option<String>,
}

/// Mailbox providers whose domain is shared by anyone who opens an
/// account: two addresses there say nothing about being the same
/// organisation, so only the sender's own address counts.
const SHARED_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.fr",
    "yahoo.com",
    "yahoo.co.uk",
    "ymail.com",
    "hotmail.fr",
    "hotmail.com",
    "outlook.fr",
    "outlook.com",
    "live.fr",
    "live.com",
    "msn.com",
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "sfr.fr",
    "neuf.fr",
    "bbox.fr",
    "laposte.net",
    "aol.com",
    "aol.fr",
    "icloud.com",
    "me.com",
    "gmx.fr",
    "gmx.com",
    "gmx.de",
    "web.de",
    "protonmail.com",
    "proton.me",
    "yandex.ru",
    "mail.ru",
    "zoho.com",
];

/// Second-level labels under which unrelated organisations share a domain
/// ("gov.tn", "qc.ca", "co.uk"): such a domain is not one organisation's.
const SHARED_SECOND_LEVEL: &[&str] = &[
    "ac", "asso", "co", "com", "edu", "gob", "gouv", "gov", "net", "nom", "or", "org", "qc",
];

fn normal_domain(d: &str) -> String {
    d.trim_end_matches('.').to_lowercase()
}

/// A domain that names one organisation: not a mailbox provider's, and
/// more than a country code or a shared second level ("gov.tn").
fn organisation_domain(d: &str) -> bool {
    let labels: Vec<&str> = d.split('.').collect();
    !SHARED_DOMAINS.contains(&d)
        && labels.len() >= 2
        && !(labels.len() == 2 && SHARED_SECOND_LEVEL.contains(&labels[0]))
}

/// `a` and `b` are the same organisation's domain, or one is a subdomain
/// of the other (`ri.saint-etienne.fr` and `saint-etienne.fr`); never a
/// mailbox provider's domain (`gmail.com`) nor a shared suffix (`gov.tn`).
fn same_domain(a: &str, b: &str) -> bool {
    let (a, b) = (normal_domain(a), normal_domain(b));
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    organisation_domain(short) && (short == long || long.ends_with(&format!(".{short}")))
}

/// Shortens what a fiche wrote for a message (one line, at most 120 chars).
fn shown(field: &str) -> String {
    let one: String = field
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if one.chars().count() > 120 {
        format!("{}…", one.chars().take(119).collect::<String>())
    } else {
        one
    }
}

/// The addresses of a contact field (`None`: not a valid `mailbox-list`).
pub fn parse_field(field: &str) -> Option<Vec<Mailbox>> {
    let t = field.trim();
    // A copied hyperlink: "mailto:claire@x.fr".
    let t = match t.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("mailto:") => t[7..].trim(),
        _ => t,
    };
    if t.is_empty() {
        return Some(Vec::new());
    }
    Mailboxes::from_str(t).ok().map(|m| m.into_iter().collect())
}

/// Chooses the recipient of a letter (see the module doc). `contact` is
/// the fiche's e-mail field, `contact_name` the name to put on it,
/// `sender` the address the fiche came from (as stored) and its name.
pub fn choose(
    contact: Option<&str>,
    contact_name: Option<String>,
    sender: Option<&str>,
    sender_name: Option<String>,
) -> Choice {
    let sender_addr = sender.and_then(|s| Address::from_str(s.trim()).ok());
    let sender_box = sender_addr
        .clone()
        .map(|a| Mailbox::new(sender_name.clone(), a));
    let field = contact.map(str::trim).unwrap_or("");
    let to_sender = |hold: String| Choice {
        to: sender_box.clone(),
        hold: Some(hold),
    };
    let sender_text = sender_addr
        .as_ref()
        .map_or_else(|| "(aucune)".to_string(), |a| a.to_string());
    match parse_field(field) {
        Some(list) if list.is_empty() => Choice {
            to: sender_box.clone(),
            hold: None,
        },
        Some(list) if list.len() == 1 => {
            let a = list[0].email.clone();
            let named = Mailbox::new(contact_name, a.clone());
            match &sender_addr {
                Some(s) if AsRef::<str>::as_ref(s).eq_ignore_ascii_case(a.as_ref()) => Choice {
                    to: Some(Mailbox::new(named.name.clone().or(sender_name.clone()), a)),
                    hold: None,
                },
                Some(s) if same_domain(s.domain(), a.domain()) => Choice {
                    to: Some(named),
                    hold: None,
                },
                _ => Choice {
                    hold: Some(format!(
                        "l'adresse de la fiche ({a}) n'est ni celle de l'expéditeur ({sender_text}) ni de son domaine : vérifier qu'elle est la bonne"
                    )),
                    to: Some(named),
                },
            }
        }
        Some(list) => to_sender(format!(
            "la fiche donne {} adresses ({}) : la lettre irait à l'expéditeur ({sender_text}) ; en choisir une autre au besoin",
            list.len(),
            shown(
                &list
                    .iter()
                    .map(|m| m.email.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        )),
        None => to_sender(format!(
            "adresse de la fiche illisible « {} » : la lettre irait à l'expéditeur ({sender_text})",
            shown(field)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to(c: &Choice) -> String {
        c.to.as_ref()
            .map(|m| m.email.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn one_address_of_the_sender_or_its_domain() {
        let c = choose(
            Some("claire.martin@saint-etienne.fr"),
            Some("Claire Martin".into()),
            Some("secretariat@saint-etienne.fr"),
            None,
        );
        assert_eq!(
            (to(&c).as_str(), c.hold.as_deref()),
            ("claire.martin@saint-etienne.fr", None)
        );
        assert_eq!(c.to.unwrap().name.as_deref(), Some("Claire Martin"));
        let c = choose(
            Some("Claire <claire@ri.saint-etienne.fr>"),
            None,
            Some("s@saint-etienne.fr"),
            None,
        );
        assert!(c.hold.is_none(), "{c:?}");
        let c = choose(
            Some("mailto:S@X.FR"),
            None,
            Some("s@x.fr"),
            Some("S".into()),
        );
        assert_eq!((to(&c).as_str(), c.hold.as_deref()), ("S@X.FR", None));
        // Empty: the sender, no review.
        let c = choose(Some("  "), None, Some("s@x.fr"), None);
        assert_eq!((to(&c).as_str(), c.hold.as_deref()), ("s@x.fr", None));
        let c = choose(None, None, Some("s@x.fr"), None);
        assert_eq!((to(&c).as_str(), c.hold.as_deref()), ("s@x.fr", None));
    }

    #[test]
    fn anything_else_is_held() {
        // Another domain: that address, after review.
        let c = choose(Some("claire@gmail.com"), None, Some("s@x.fr"), None);
        assert_eq!(to(&c), "claire@gmail.com");
        assert!(c.hold.unwrap().contains("ni celle de l'expéditeur"));
        // Several: the sender.
        let c = choose(Some("a@x.fr, b@x.fr, c@y.fr"), None, Some("s@x.fr"), None);
        assert_eq!(to(&c), "s@x.fr");
        assert!(c.hold.unwrap().contains("3 adresses"));
        // A header smuggled in: not an address list at all.
        let c = choose(
            Some("x@example.fr\nBcc: evil@example.net"),
            None,
            Some("s@example.fr"),
            None,
        );
        assert_eq!(to(&c), "s@example.fr");
        assert!(c.hold.unwrap().contains("illisible"));
        for bad in [
            "a@x.fr; b@x.fr",
            "a@x.fr / b@x.fr",
            "pas une adresse",
            "a@",
            "<a@x.fr",
        ] {
            let c = choose(Some(bad), None, Some("s@x.fr"), None);
            assert_eq!(to(&c), "s@x.fr", "{bad}");
            assert!(c.hold.is_some(), "{bad}");
        }
        let sixty: Vec<String> = (0..60).map(|i| format!("p{i}@x.fr")).collect();
        let c = choose(Some(&sixty.join(", ")), None, Some("s@x.fr"), None);
        assert_eq!(to(&c), "s@x.fr");
        assert!(c.hold.unwrap().contains("60 adresses"));
        // A mailbox provider's domain is anyone's: only the sender's own
        // address goes without review.
        let c = choose(
            Some("quelquun@gmail.com"),
            None,
            Some("nadege@gmail.com"),
            None,
        );
        assert_eq!(to(&c), "quelquun@gmail.com");
        assert!(c.hold.unwrap().contains("ni celle de l'expéditeur"));
        let c = choose(
            Some("Nadege@Gmail.com"),
            None,
            Some("nadege@gmail.com"),
            None,
        );
        assert!(c.hold.is_none(), "{c:?}");
        // A shared suffix is not the organisation's domain.
        let c = choose(
            Some("x@gov.tn"),
            None,
            Some("leila@commune-kairouan.gov.tn"),
            None,
        );
        assert!(c.hold.is_some(), "{c:?}");
        let c = choose(
            Some("jf@ville.levis.qc.ca"),
            None,
            Some("accueil@levis.qc.ca"),
            None,
        );
        assert!(c.hold.is_none(), "{c:?}");
        // No sender to compare with: held.
        let c = choose(Some("a@x.fr"), None, None, None);
        assert!(c.hold.is_some());
        // Nothing usable at all.
        let c = choose(Some("n'importe quoi"), None, Some("pas valide"), None);
        assert!(c.to.is_none());
    }
}
