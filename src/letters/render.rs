//! Filling a template: the values of the placeholders, in French, with a
//! fallback when the fiche left something out, and made safe (no control
//! characters; nothing in the subject that could start a new header line).
//! The filled text then gets French typography (`french::typography`:
//! non-breaking spaces inside guillemets, before colons…) before long
//! paragraphs are reflowed, so that reflowing never separates a guillemet
//! or a colon from its word.

use chrono::NaiveDate;

use super::french::{self, Article, Civility};
use super::{EventInfo, Piece, Placeholder, RenderedText, Template};
use crate::domain::{self, Status, ordinal_fr, weekday_fr};
use crate::fiche::Kind;

/// What a letter is about: the proposal as read from the fiche, and the
/// decision as it was when the letter was queued.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LetterData {
    pub kind: Option<Kind>,
    /// The proposal's number.
    pub reference: i64,
    pub organisation: Option<String>,
    /// `organisation_type` of the fiche (`commune`, `departement`…).
    pub organisation_type: Option<String>,
    pub country: Option<String>,
    /// Staff's article for the organisation's name, if set.
    pub article: Option<Article>,
    /// When the fiche gives it (a "Civilité" row, "Mme" before the name).
    pub civility: Option<Civility>,
    pub contact_first_name: Option<String>,
    pub contact_last_name: Option<String>,
    /// Project title (micro-atelier) or request description (bourse).
    pub title: Option<String>,
    /// `request_type` of a bourse fiche (`cooperation`, `specific_need`).
    pub request_type: Option<String>,
    /// `target_country` of a bourse fiche ("Maroc", "région de l'Oriental").
    pub target_country: Option<String>,
    /// When the fiche was sent (RFC 3339, with the sender's offset if known).
    pub received: Option<String>,
    pub slot: Option<String>,
    pub space: Option<String>,
    pub previous_slot: Option<String>,
    pub previous_space: Option<String>,
    pub rank: Option<i64>,
    pub reason: Option<String>,
    /// The proposal's status when the letter is written (what a
    /// cancellation says became of it: refused, waiting list, withdrawn).
    pub status: Option<crate::domain::Status>,
    /// A demande de .docx: the files received and why each could not be
    /// read, in French (see [`unreadable_why`]).
    pub files: Vec<(String, String)>,
}

/// Why an attachment could not be read, for its sender, in plain French:
/// from what the intake found (`outcome`) and the format it recognised.
pub fn unreadable_why(outcome: &str, format: Option<&str>) -> String {
    let format = format.unwrap_or("").to_ascii_lowercase();
    match outcome {
        "unsupported_format" | "fiche" | "blank" if !format.is_empty() => match format.as_str() {
            "doc" => "un document Word de l'ancien format (.doc), que notre outil ne sait pas lire".into(),
            "pdf" => "un PDF, dont les réponses ne peuvent pas être relevées automatiquement".into(),
            "rtf" => "un document RTF, que notre outil ne sait pas lire".into(),
            "xls" => "un classeur Excel de l'ancien format (.xls), que notre outil ne sait pas lire".into(),
            "odt" | "ods" => "un document OpenDocument, dont les réponses n'ont pas pu être relevées".into(),
            "zip" => "une archive, que nous n'ouvrons pas".into(),
            _ => "un format que notre outil ne sait pas lire".into(),
        },
        "unsupported_format" => "un format que notre outil ne sait pas lire (une image ou une photo, par exemple)".into(),
        "blank" => "la fiche nous est parvenue vide".into(),
        "not_a_fiche" => "ce document n'est pas la fiche de renseignements, ou elle a été trop modifiée pour être lue".into(),
        "corrupt" => "le fichier est endommagé et ne s'ouvre pas".into(),
        "too_large" | "rejected" => "le fichier est trop volumineux ou trop complexe pour être lu".into(),
        _ => "nous n'avons pas pu le lire".into(),
    }
}

/// "4 juillet 2018" that a line never breaks (non-breaking spaces).
fn unbroken(s: &str) -> String {
    s.replace(' ', "\u{a0}")
}

/// "mercredi 4 juillet 2018" (`with_weekday`) or "4 juillet 2018"; "1er" for the first.
pub fn date_fr(date: NaiveDate, with_weekday: bool) -> String {
    let text = domain::date_fr(date);
    if !with_weekday {
        return text;
    }
    format!("{} {text}", weekday_fr(date))
}

/// The beginning of a long text, cut at a word, for `{titre}` of a bourse request.
fn shorten(s: &str, max: usize) -> String {
    let first = s
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if first.chars().count() <= max {
        return first.to_string();
    }
    let cut: String = first.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => cut[..i].to_string(),
        _ => cut,
    };
    format!("{}…", cut.trim_end_matches([' ', ',', ';', ':', '.']))
}

/// A bourse request as the letters name it, from its type and the country
/// it is about: "appel à coopération : Maroc", "besoin spécifique". The
/// description is the requester's own words, often long and in the first
/// person: quoted in a letter it reads as a machine's cut, never as a
/// title. `None` when the type is not one of the form's two (then the
/// start of the description, quoted, names it).
fn bourse_label(d: &LetterData) -> Option<String> {
    let kind = match non_empty(&d.request_type)? {
        "cooperation" => "appel à coopération",
        "specific_need" => "besoin spécifique",
        _ => return None,
    };
    Some(match non_empty(&d.target_country) {
        // Used between parentheses: "Vietnam (province de Yên Bái)" is
        // written "Vietnam, province de Yên Bái".
        Some(c) => {
            let c = clean(c, true)
                .replace(" (", ", ")
                .replace(['(', ')'], "")
                .replace(" ,", ",");
            format!("{kind} : {}", shorten(&c, 60))
        }
        None => kind.to_string(),
    })
}

/// Text from a fiche made safe for a letter: no control characters but line
/// breaks (none at all in the subject), no bidi overrides, trimmed.
fn clean(s: &str, one_line: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars() {
        match c {
            '\r' => {}
            '\n' | '\t' if one_line => out.push(' '),
            '\n' | '\t' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => {}
            '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{061c}' => {}
            _ => out.push(c),
        }
    }
    if one_line {
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        out
    }
}

/// Width of the text once filled in (see `wrap_long_lines`).
const WRAP: usize = 76;

/// Words of `text` in lines of at most `width` characters (a longer word
/// stands alone), each line starting with `indent`.
fn fill_words(text: &str, indent: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let len = current.chars().count();
        if len > indent.len() && len + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut current));
        }
        if current.is_empty() {
            current.push_str(indent);
        } else {
            current.push(' ');
        }
        current.push_str(word);
    }
    lines.push(current);
    lines
}

/// A paragraph of the template (lines not indented, up to a blank line) in
/// which a line came out too long once filled in is reflowed to `width`;
/// other paragraphs keep the template's line breaks; a too long indented
/// line (a list item) is wrapped keeping its indentation.
pub(super) fn wrap_long_lines(text: &str, width: usize) -> String {
    let too_long = |l: &str| l.chars().count() > width + 2;
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        if l.is_empty() || l.starts_with(' ') {
            if too_long(l) {
                let indent: String = l.chars().take_while(|c| *c == ' ').collect();
                out.extend(fill_words(l.trim_start(), &indent, width));
            } else {
                out.push(l.to_string());
            }
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && !lines[i].is_empty() && !lines[i].starts_with(' ') {
            i += 1;
        }
        let para = &lines[start..i];
        if para.iter().any(|l| too_long(l)) {
            out.extend(fill_words(&para.join(" "), "", width));
        } else {
            out.extend(para.iter().map(|l| l.to_string()));
        }
    }
    out.join("\n")
}

/// The organisation as the letters name it (see `french`).
fn org(name: &str, d: &LetterData) -> french::OrgName {
    french::org_name(
        &clean(name, true),
        non_empty(&d.organisation_type),
        non_empty(&d.country),
        d.article,
    )
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The date a fiche was sent, from its RFC 3339 time.
fn day_of(rfc3339: &str) -> Option<NaiveDate> {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|d| d.date_naive())
}

/// The reason staff gave, or the default of the proposal's status, as a
/// sentence ("En effet, …").
fn reason(d: &LetterData, event: &EventInfo) -> String {
    let text = non_empty(&d.reason).unwrap_or(match d.status {
        Some(Status::Pending) => {
            "la décision est de nouveau à l'étude par le comité d'organisation, \
             qui vous écrira dès qu'elle sera prise"
        }
        _ => "le nombre de places est limité",
    });
    let org = non_empty(&d.organisation).unwrap_or("");
    french::reason_sentence(&clean(text, true), &[org, &event.name])
}

/// What a slot change changes: ("change d'horaire", "nouvel horaire"),
/// ("change de lieu", "nouveau lieu"), or both ("de table" for the bourse).
fn change(d: &LetterData) -> (String, String) {
    let slot = non_empty(&d.previous_slot) != non_empty(&d.slot);
    let space = non_empty(&d.previous_space) != non_empty(&d.space);
    let bourse = d.kind == Some(Kind::BourseProjets);
    let (de_lieu, nouveau_lieu) = if bourse {
        ("de table", "nouvelle table")
    } else {
        ("de lieu", "nouveau lieu")
    };
    match (slot, space) {
        (true, false) => ("change d'horaire".into(), "nouvel horaire".into()),
        (false, true) => (format!("change {de_lieu}"), nouveau_lieu.into()),
        _ => (
            format!("change d'horaire et {de_lieu}"),
            format!("nouvel horaire et {nouveau_lieu}"),
        ),
    }
}

/// A withdrawal the organisation asked for: withdrawn, no reason of ours.
fn withdrawn_on_request(d: &LetterData) -> bool {
    d.status == Some(Status::Withdrawn) && non_empty(&d.reason).is_none()
}

fn cancellation_subject(d: &LetterData) -> &'static str {
    let bourse = d.kind == Some(Kind::BourseProjets);
    match (d.status, bourse) {
        (Some(Status::Waitlisted), false) => "votre micro-atelier est replacé sur liste d'attente",
        (Some(Status::Waitlisted), true) => {
            "votre demande de rendez-vous est replacée sur liste d'attente"
        }
        _ if withdrawn_on_request(d) && bourse => {
            "retrait de votre rendez-vous de la bourse aux projets"
        }
        _ if withdrawn_on_request(d) => "retrait de votre micro-atelier",
        (_, true) => "annulation de votre rendez-vous de la bourse aux projets",
        (_, false) => "annulation de votre micro-atelier",
    }
}

const APOLOGY: &str = "Nous mesurons le désagrément que ce changement peut vous causer et vous\n\
prions de bien vouloir nous en excuser. Nous restons à votre disposition\n\
pour toute question : il vous suffit de répondre à ce message.";

/// A cancellation's paragraphs: what became of the proposal, said as it is
/// now (the rank read from the programme when the letter is written, like
/// the waiting-list letter), with the problem that holds the letter when
/// the rank is missing.
fn cancellation_text(d: &LetterData, event: &EventInfo) -> (String, Option<String>) {
    let bourse = d.kind == Some(Kind::BourseProjets);
    let date = NaiveDate::parse_from_str(&event.date, "%Y-%m-%d")
        .map(|x| format!("{} {}", weekday_fr(x), unbroken(&date_fr(x, false))))
        .unwrap_or_else(|_| event.date.clone());
    if d.status == Some(Status::Waitlisted) {
        let (rank, problem) = match d.rank {
            Some(n) if n >= 1 => (ordinal_fr(n), None),
            _ => (
                "(rang à préciser)".to_string(),
                Some(
                    "la proposition n'est pas (ou plus) sur la liste d'attente : pas de rang à annoncer"
                        .to_string(),
                ),
            ),
        };
        let first = if bourse {
            format!(
                "Nous sommes au regret de vous informer que ce rendez-vous a dû être retiré \
                 du programme de la bourse aux projets ; votre demande est replacée sur la \
                 liste d'attente, où elle occupe actuellement la {rank} place. Si une table \
                 se libère, nous vous écrirons aussitôt."
            )
        } else {
            format!(
                "Nous sommes au regret de vous informer que votre micro-atelier a dû être \
                 retiré du programme ; votre proposition est replacée sur la liste d'attente, \
                 où elle occupe actuellement la {rank} place. Si une place se libère, nous \
                 vous écrirons aussitôt."
            )
        };
        let text = format!(
            "{first}\n\n{APOLOGY}\n\nNous espérons en tout état de cause vous compter parmi \
             les participants le {date}."
        );
        return (text, problem);
    }
    if withdrawn_on_request(d) {
        let first = if bourse {
            "Comme vous nous l'avez indiqué, votre rendez-vous est retiré du programme de la \
             bourse aux projets."
        } else {
            "Comme vous nous l'avez indiqué, votre micro-atelier est retiré du programme."
        };
        return (
            format!(
                "{first}\n\nNous restons à votre disposition pour toute question : il vous \
                 suffit de répondre à ce message."
            ),
            None,
        );
    }
    let first = if bourse {
        "Nous sommes au regret de vous informer que ce rendez-vous n'aura pas lieu."
    } else {
        "Nous sommes au regret de vous informer qu'il n'y figure plus."
    };
    (format!("{first} {}\n\n{APOLOGY}", reason(d, event)), None)
}

pub(super) fn render(t: &Template, event: &EventInfo, d: &LetterData) -> RenderedText {
    let mut problems = Vec::new();
    let mut value = |p: Placeholder| -> String {
        match p {
            Placeholder::Evenement => event.name.clone(),
            Placeholder::DateEvenement => NaiveDate::parse_from_str(&event.date, "%Y-%m-%d")
                .map(|d| format!("{} {}", weekday_fr(d), unbroken(&date_fr(d, false))))
                .unwrap_or_else(|_| event.date.clone()),
            Placeholder::Lieu => event.place.clone().unwrap_or_default(),
            Placeholder::Organisation => non_empty(&d.organisation)
                .unwrap_or("votre collectivité")
                .to_string(),
            Placeholder::DeOrganisation => match non_empty(&d.organisation) {
                Some(o) => org(o, d).de(),
                None => "de votre collectivité".to_string(),
            },
            Placeholder::LOrganisation => match non_empty(&d.organisation) {
                Some(o) => org(o, d).with_article(),
                None => "votre collectivité".to_string(),
            },
            Placeholder::Contact => {
                let name = [&d.contact_first_name, &d.contact_last_name]
                    .iter()
                    .filter_map(|s| non_empty(s))
                    .map(|n| french::split_civility(n).1)
                    .filter(|n| !n.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                if name.is_empty() {
                    "Madame, Monsieur".to_string()
                } else {
                    name
                }
            }
            Placeholder::Appel => french::salutation(
                d.civility,
                non_empty(&d.contact_last_name).map(|n| french::split_civility(n).1),
            ),
            Placeholder::Titre => match (d.kind, non_empty(&d.title)) {
                (Some(Kind::BourseProjets), t) => match (bourse_label(d), t) {
                    (Some(label), _) => label,
                    (None, Some(t)) => french::quoted(&shorten(t, 90)),
                    (None, None) => "sans description".to_string(),
                },
                (_, Some(t)) => french::quoted(&shorten(t, 160)),
                (_, None) => french::quoted("sans titre"),
            },
            Placeholder::Type => match d.kind {
                Some(Kind::MicroAtelier) => "micro-atelier".to_string(),
                Some(_) => "rendez-vous de la bourse aux projets".to_string(),
                None => "proposition".to_string(),
            },
            Placeholder::Reference => d.reference.to_string(),
            Placeholder::DateReception => match d.received.as_deref().and_then(day_of) {
                Some(day) => unbroken(&date_fr(day, false)),
                None => "ces derniers jours".to_string(),
            },
            Placeholder::Creneau => match non_empty(&d.slot) {
                Some(s) => domain::slot_label(d.kind, s),
                None => {
                    problems.push("aucun créneau n'est attribué à la proposition".to_string());
                    "(créneau à préciser)".to_string()
                }
            },
            Placeholder::Espace => match non_empty(&d.space) {
                Some(s) => s.to_string(),
                None => {
                    problems.push(
                        "aucun espace ni aucune table n'est attribué à la proposition".to_string(),
                    );
                    "(lieu à préciser)".to_string()
                }
            },
            Placeholder::AncienCreneau => non_empty(&d.previous_slot)
                .map(|s| domain::slot_label(d.kind, s))
                .unwrap_or_else(|| "le créneau annoncé".to_string()),
            Placeholder::AncienEspace => non_empty(&d.previous_space)
                .unwrap_or("le lieu annoncé")
                .to_string(),
            Placeholder::Rang => match d.rank {
                Some(n) if n >= 1 => ordinal_fr(n),
                _ => {
                    // Never "Elle est / sur la liste d'attente": held until fixed.
                    problems.push(
                        "la proposition n'est pas (ou plus) sur la liste d'attente : pas de rang à annoncer"
                            .to_string(),
                    );
                    "(rang à préciser)".to_string()
                }
            },
            Placeholder::Motif => reason(d, event),
            Placeholder::Changement => change(d).0,
            Placeholder::Nouveau => change(d).1,
            Placeholder::ObjetAnnulation => cancellation_subject(d).to_string(),
            Placeholder::TexteAnnulation => {
                let (text, problem) = cancellation_text(d, event);
                problems.extend(problem);
                text
            }
            Placeholder::Fichiers => {
                if d.files.is_empty() {
                    "  - votre message ne contenait aucune pièce jointe.".to_string()
                } else {
                    let n = d.files.len();
                    d.files
                        .iter()
                        .enumerate()
                        .map(|(i, (name, why))| {
                            let end = if i + 1 == n { "." } else { " ;" };
                            // Indented: a long item wraps under itself.
                            // A name is one line, whatever the sender sent.
                            format!(
                                "  - {} : {}{end}",
                                french::quoted(&clean(name, true)),
                                clean(why, true)
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                }
            }
        }
    };
    let mut fill = |pieces: &[Piece], one_line: bool| -> String {
        let mut out = String::new();
        for p in pieces {
            match p {
                Piece::Text(s) => out.push_str(s),
                Piece::Var(v) => {
                    if *v == Placeholder::Motif {
                        // A template of before "En effet, …" labelled it.
                        let kept = out
                            .trim_end_matches([' ', '\u{a0}'])
                            .strip_suffix(':')
                            .map(|x| x.trim_end_matches([' ', '\u{a0}']))
                            .and_then(|x| x.strip_suffix("Motif"));
                        if let Some(k) = kept {
                            out.truncate(k.len());
                        }
                    }
                    let text = value(*v);
                    if *v == Placeholder::Fichiers && !one_line {
                        // Its lines are cleaned one by one; the first keeps
                        // its indentation (clean would trim it).
                        let indent = text.len() - text.trim_start().len();
                        out.push_str(&text[..indent]);
                    }
                    out.push_str(&clean(&text, one_line))
                }
            }
        }
        out
    };
    let subject = french::typography(&fill(&t.subject, true));
    let body = wrap_long_lines(&french::typography(&fill(&t.body, false)), WRAP);
    problems.dedup();
    RenderedText {
        subject,
        body,
        problems,
    }
}
