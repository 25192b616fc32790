//! The weekly export delivered: `[publish] partners` (who receives each
//! publication that changed the public lists), the subject template, the
//! lists attached or linked, and the text of the e-mail — the public
//! changelog only (the programme: never a waiting list, a refusal or a
//! contact), since the last publication the partners were sent. Pure: the
//! caller queues it in the outbox with the publication.
//!
//! ```toml
//! [publish]
//! partners = ["Réseau X <listes@reseau-x.example>", "veille@partenaire.example"]
//! partners_subject = "{evenement} : listes de programmation au {date} (n° {numero})"
//! # partners_link = "https://www.cites-unies-france.org/rencontres/listes/"
//! # partners_attachments = ["programme.xlsx", "programme.html"]
//! auto_send_publication = false
//! ```

use std::str::FromStr;

use lettre::message::Mailbox;

use super::diff::Changes;
use super::labels;
use super::output::{FIXED_PUBLIC_FILES, is_public_file_name};
use super::{Event, Publication};

/// The default subject template.
pub const DEFAULT_SUBJECT: &str =
    "{evenement} : listes de programmation au {date} (publication n° {numero})";

/// Attached when no link is given and no list is configured.
pub const DEFAULT_ATTACHMENTS: [&str; 2] = ["programme.xlsx", "programme.html"];

/// `[publish] partners*` and `auto_send_publication`, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartnersSettings {
    /// One mailbox each ("Nom <adresse>" or "adresse").
    pub recipients: Vec<String>,
    /// With `{evenement}`, `{date}` (of the publication), `{numero}`.
    pub subject: String,
    /// Where the public folders are online: the e-mail gives
    /// `LINK/YYYY-MM-DD-NNN/programme.html`.
    pub link: Option<String>,
    /// Files of the public folder to attach.
    pub attachments: Vec<String>,
    /// The daemon sends it without review.
    pub auto_send: bool,
}

const SUBJECT_FIELDS: [&str; 3] = ["evenement", "date", "numero"];

/// Checks a subject template: only known `{champs}`, braces closed.
fn check_subject(t: &str) -> Result<(), String> {
    let mut rest = t;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        let Some(j) = after.find('}') else {
            return Err(format!(
                "partners_subject = « {t} » : accolade « {{ » sans fermeture"
            ));
        };
        let name = after[..j].trim();
        if !SUBJECT_FIELDS.contains(&name) {
            return Err(format!(
                "partners_subject = « {t} » : champ {{{name}}} inconnu ; champs possibles : {{evenement}}, {{date}}, {{numero}}"
            ));
        }
        rest = &after[j + 1..];
    }
    if t.trim().is_empty() || t.contains(['\r', '\n']) {
        return Err("partners_subject doit tenir sur une ligne non vide".into());
    }
    Ok(())
}

impl PartnersSettings {
    /// Reads the settings, each recipient parsed as one mailbox (RFC 5322),
    /// each attachment a public file of the publication.
    pub fn new(
        recipients: Vec<String>,
        subject: Option<String>,
        link: Option<String>,
        attachments: Option<Vec<String>>,
        auto_send: bool,
    ) -> Result<PartnersSettings, String> {
        for r in &recipients {
            Mailbox::from_str(r.trim()).map_err(|e| {
                format!(
                    "partners : « {r} » n'est pas une adresse (une seule par élément de la liste : \"Nom <adresse>\" ou \"adresse\") : {e}"
                )
            })?;
        }
        let subject = subject.unwrap_or_else(|| DEFAULT_SUBJECT.to_string());
        check_subject(&subject)?;
        let link = link.map(|l| l.trim().to_string()).filter(|l| !l.is_empty());
        if let Some(l) = &link
            && !(l.starts_with("https://") || l.starts_with("http://"))
        {
            return Err(format!(
                "partners_link = « {l} » : une adresse http:// ou https:// est attendue"
            ));
        }
        let attachments = attachments.unwrap_or_else(|| {
            if link.is_some() {
                Vec::new()
            } else {
                DEFAULT_ATTACHMENTS.iter().map(|s| s.to_string()).collect()
            }
        });
        for a in &attachments {
            if !is_public_file_name(a) {
                return Err(format!(
                    "partners_attachments : « {a} » n'est pas un fichier public de la publication ; possibles : {}, et pour la liste de chaque type NOM.html, NOM-fragment.html, NOM.csv (les noms d'un dossier de publication)",
                    FIXED_PUBLIC_FILES.join(", ")
                ));
            }
        }
        if auto_send && recipients.is_empty() {
            return Err(
                "auto_send_publication = true demande au moins un destinataire dans partners"
                    .into(),
            );
        }
        Ok(PartnersSettings {
            recipients,
            subject,
            link,
            attachments,
            auto_send,
        })
    }

    pub fn enabled(&self) -> bool {
        !self.recipients.is_empty()
    }
}

/// The subject of publication `p`.
pub fn subject(s: &PartnersSettings, event: &Event, p: &Publication) -> String {
    typography(
        &s.subject
            .replace("{evenement}", &event.name)
            .replace("{date}", &labels::date_fr(&p.published_at))
            .replace("{numero}", &p.number.to_string())
            .replace(['\r', '\n'], " "),
    )
}

/// The letters' French typography (non-breaking spaces before « : ; ! ? »
/// and %, inside « », after "n°", in dates): one function for every text
/// that leaves the building.
fn typography(s: &str) -> String {
    crate::domain::french::typography(s)
}

/// The name a public file of publication `number` is attached under:
/// `programme-publication-3.xlsx`, so that two weeks' files are told apart
/// in the partners' mailboxes.
pub fn attachment_name(file: &str, number: u32) -> String {
    match file.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}-publication-{number}.{ext}"),
        None => format!("{file}-publication-{number}"),
    }
}

/// The text of the e-mail of publication `p`: the public changelog since
/// publication `since` (`changes`, from that one's snapshot; `None`: the
/// partners hear of the programme for the first time), then the files.
pub fn body(
    s: &PartnersSettings,
    event: &Event,
    p: &Publication,
    since: Option<u32>,
    changes: &Changes,
) -> String {
    let mut when = labels::date_fr(&event.date);
    if let Some(v) = &event.venue {
        when = format!("{when}, {v}");
    }
    let mut out = String::from("Bonjour,\n\n");
    out.push_str(&fill(
        &format!(
            "Voici la publication n° {} des listes de programmation des {} ({when}), état au {}.",
            p.number,
            event.name,
            labels::date_fr(&p.published_at)
        ),
        "",
    ));
    out.push_str("\n\n");
    let lines = changes.public_lines();
    match (since, lines.is_empty()) {
        (_, true) => out.push_str("Aucun changement du programme depuis notre dernier envoi.\n"),
        (None, false) => out.push_str("Au programme à ce jour :\n"),
        (Some(n), false) => out.push_str(&format!(
            "Changements depuis la publication n° {n} que nous vous avons adressée :\n"
        )),
    }
    for (title, items) in lines {
        // "Au programme à ce jour :" is the heading of the first e-mail.
        if since.is_some() || title != "Programme" {
            out.push_str(&format!("\n{title}\n"));
        } else {
            out.push('\n');
        }
        for (verb, rest) in items {
            // The first e-mail lists the programme: everything is new.
            let item = match since {
                None => format!("- {rest}"),
                Some(_) => format!("- {verb} : {rest}"),
            };
            out.push_str(&fill(&item, "  "));
            out.push('\n');
        }
    }
    out.push('\n');
    let name = p.dir_name();
    match (&s.link, s.attachments.as_slice()) {
        (Some(link), files) => {
            let base = link.trim_end_matches('/');
            out.push_str(&format!(
                "Les listes complètes sont en ligne :\n{base}/{name}/programme.html\n"
            ));
            if !files.is_empty() {
                out.push_str(&fill(
                    &format!(
                        "Elles sont aussi jointes à ce message ({}).",
                        attached(files, p.number)
                    ),
                    "",
                ));
                out.push('\n');
            }
        }
        (None, []) => {}
        (None, files) => {
            out.push_str(&fill(
                &format!(
                    "Les listes complètes sont jointes à ce message ({}).",
                    attached(files, p.number)
                ),
                "",
            ));
            out.push('\n');
        }
    }
    out.push_str(
        "\nCes listes peuvent encore évoluer d'ici aux Rencontres.\n\n\
         Bien cordialement,\n\nL'équipe des Rencontres\nCités Unies France\n",
    );
    typography(&out)
}

fn attached(files: &[String], number: u32) -> String {
    files
        .iter()
        .map(|f| attachment_name(f, number))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Width of the e-mail's lines (as the letters').
const WIDTH: usize = 76;

/// `text` in lines of at most [`WIDTH`] characters, cut between words (a
/// longer word stands alone), the lines after the first starting with
/// `indent`.
fn fill(text: &str, indent: &str) -> String {
    let text = &typography(text);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let len = line.chars().count();
        if len > indent.len() && len + 1 + word.chars().count() > WIDTH {
            lines.push(std::mem::take(&mut line));
            line.push_str(indent);
        } else if !line.is_empty() && !line.ends_with(' ') {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked() {
        let ok = PartnersSettings::new(
            vec![
                "Réseau <listes@reseau.example>".into(),
                "a@b.example".into(),
            ],
            None,
            None,
            None,
            true,
        )
        .unwrap();
        assert_eq!(ok.attachments, ["programme.xlsx", "programme.html"]);
        assert!(ok.enabled());
        let e = PartnersSettings::new(
            vec!["a@b.example, c@d.example".into()],
            None,
            None,
            None,
            false,
        )
        .unwrap_err();
        assert!(e.contains("une seule par élément"), "{e}");
        let e = PartnersSettings::new(vec![], Some("{evenment}".into()), None, None, false)
            .unwrap_err();
        assert!(e.contains("{evenment} inconnu"), "{e}");
        let e = PartnersSettings::new(vec![], None, None, Some(vec!["../fiches.db".into()]), false)
            .unwrap_err();
        assert!(e.contains("pas un fichier public"), "{e}");
        let e = PartnersSettings::new(
            vec![],
            None,
            None,
            Some(vec!["suivi-complet.xlsx".into()]),
            false,
        )
        .unwrap_err();
        assert!(e.contains("pas un fichier public"), "{e}");
        assert!(PartnersSettings::new(vec![], None, None, None, true).is_err());
        let linked = PartnersSettings::new(
            vec![],
            None,
            Some("https://cuf.example/l/".into()),
            None,
            false,
        )
        .unwrap();
        assert!(linked.attachments.is_empty());
        assert!(PartnersSettings::new(vec![], None, Some("ftp://x".into()), None, false).is_err());
    }

    #[test]
    fn lines_are_filled_between_words() {
        let long = "- Déplacé : Conseil départemental du Val-de-Marne — bourse aux projets 12h45, Table 1 → 16h30, Table 5";
        let f = fill(long, "  ");
        assert!(f.lines().all(|l| l.chars().count() <= WIDTH), "{f}");
        assert!(f.lines().skip(1).all(|l| l.starts_with("  ")), "{f}");
        assert_eq!(
            f.split_whitespace().collect::<Vec<_>>(),
            long.split_whitespace().collect::<Vec<_>>()
        );
        assert_eq!(fill("court", "  "), "court");
    }
}
