//! Filling a template: the values of the placeholders, in French, with a
//! fallback when the fiche left something out, and made safe (no control
//! characters; nothing in the subject that could start a new header line).
//! The filled text then gets French typography (`french::typography`:
//! non-breaking spaces inside guillemets, before colons…) before long
//! paragraphs are reflowed, so that reflowing never separates a guillemet
//! or a colon from its word.

use chrono::NaiveDate;

use super::french::{self, Civility};
use super::{EventInfo, Piece, Placeholder, RenderedText, Template};
use crate::call::KindDef;
use crate::domain::french::Article;
use crate::domain::{self, Status, ordinal_fr, weekday_fr};

/// What a letter is about: the proposal as read from the fiche, and the
/// decision as it was when the letter was queued.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LetterData {
    /// The key of the proposal's kind in the call definition (how the
    /// letter names it, its slots, its wording).
    pub kind: Option<String>,
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
    /// The answer of the kind's `title_field` (a project's title; the
    /// stored value of an option when it is a choice, `cooperation`).
    pub title: Option<String>,
    /// The answer of the kind's `description_field` (quoted when a choice
    /// title is not one of its options).
    pub description: Option<String>,
    /// The answer of the kind's `wording.title_detail` field, which
    /// follows a choice title ("Maroc", "région de l'Oriental").
    pub title_detail: Option<String>,
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

/// The beginning of a long text, cut at a word, for `{titre}`.
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

/// The definition of the letter's kind (`None`: no kind, or one the
/// definition in use does not have).
fn kind_def(d: &LetterData) -> Option<&'static KindDef> {
    d.kind.as_deref().and_then(crate::call::kind_def)
}

/// A proposal whose title is a choice (a request's type) as the letters
/// name it, from the option's label and the detail field: "appel à
/// coopération : Maroc", "besoin spécifique". The description is the
/// requester's own words, often long and in the first person: quoted in a
/// letter it reads as a machine's cut, never as a title. `None` when the
/// answer is not one of the options (then the start of the description,
/// quoted, names it).
fn choice_title(def: &KindDef, d: &LetterData) -> Option<String> {
    let value = non_empty(&d.title)?;
    let field = crate::call::field_def(&def.key, &def.title_field)?;
    let option = crate::call::options_of(field)
        .iter()
        .find(|o| o.value == value)?;
    // "Appel à coopération (recherche de partenaires…)": the words before
    // the explanation, in lower case inside a sentence (not an acronym).
    let label = option.label.split(" (").next().unwrap_or("").trim();
    let mut chars = label.chars();
    let kind = match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if !second.is_uppercase() => {
            format!("{}{}", first.to_lowercase(), &label[first.len_utf8()..])
        }
        _ => label.to_string(),
    };
    if kind.is_empty() {
        return None;
    }
    Some(match non_empty(&d.title_detail) {
        // Used between parentheses: "Vietnam (province de Yên Bái)" is
        // written "Vietnam, province de Yên Bái".
        Some(c) => {
            let c = clean(c, true)
                .replace(" (", ", ")
                .replace(['(', ')'], "")
                .replace(" ,", ",");
            format!("{kind} : {}", shorten(&c, 60))
        }
        None => kind,
    })
}

/// Whether the kind's title field is a choice (named by its option).
fn title_is_choice(def: &KindDef) -> bool {
    crate::call::field_def(&def.key, &def.title_field).is_some_and(|f| f.ty.has_options())
}

/// The kind as a letter's sentence names it (`{type}`): "micro-atelier",
/// "table ronde"; "proposition" when the kind is not known.
fn noun(d: &LetterData) -> String {
    match kind_def(d) {
        Some(k) => k.wording.noun.clone().unwrap_or_else(|| k.noun.clone()),
        None => "proposition".to_string(),
    }
}

/// Whether that noun is feminine ("proposition" is).
fn feminine(d: &LetterData) -> bool {
    kind_def(d).is_none_or(|k| k.wording.feminine)
}

/// "le micro-atelier", "la table ronde", "l'atelier".
fn with_article(noun: &str, feminine: bool) -> String {
    if french::elides(noun) {
        format!("l'{noun}")
    } else if feminine {
        format!("la {noun}")
    } else {
        format!("le {noun}")
    }
}

/// The first letter in capital (at the start of a sentence).
fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A number of minutes in words: "vingt minutes", "une heure trente".
fn duration_fr(minutes: u32) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    let hours = match h {
        0 => String::new(),
        1 => "une heure".to_string(),
        n => format!("{} heures", number_fr(n)),
    };
    match (h, m) {
        (0, 1) => "une minute".to_string(),
        (0, m) => format!("{} minutes", number_fr(m)),
        (_, 0) => hours,
        (_, m) => format!("{hours} {}", number_fr(m)),
    }
}

/// A number in French words, up to 99 (digits beyond).
fn number_fr(n: u32) -> String {
    const UNITS: [&str; 17] = [
        "zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix",
        "onze", "douze", "treize", "quatorze", "quinze", "seize",
    ];
    const TENS: [&str; 7] = [
        "",
        "dix",
        "vingt",
        "trente",
        "quarante",
        "cinquante",
        "soixante",
    ];
    match n {
        0..=16 => UNITS[n as usize].to_string(),
        17..=19 => format!("dix-{}", UNITS[n as usize - 10]),
        20..=69 => {
            let (t, u) = (TENS[(n / 10) as usize], n % 10);
            match u {
                0 => t.to_string(),
                1 => format!("{t} et un"),
                u => format!("{t}-{}", UNITS[u as usize]),
            }
        }
        70..=79 if n == 71 => "soixante et onze".to_string(),
        70..=79 => format!("soixante-{}", number_fr(n - 60)),
        80 => "quatre-vingts".to_string(),
        81..=99 => format!("quatre-vingt-{}", number_fr(n - 80)),
        _ => n.to_string(),
    }
}

/// A slot as the letters write it: the option's label ("14h20 – 14h40"),
/// else the start and the kind's length.
fn slot_label(def: Option<&KindDef>, slot: &str) -> String {
    let Some(def) = def else {
        return domain::time_fr(slot);
    };
    let label = def
        .slot_field
        .as_deref()
        .and_then(|f| crate::call::field_def(&def.key, f))
        .and_then(|f| {
            crate::call::options_of(f)
                .iter()
                .find(|o| o.value == slot && o.value != "any")
        });
    if let Some(o) = label {
        return o.label.clone();
    }
    let Ok(start) = chrono::NaiveTime::parse_from_str(slot, "%H:%M") else {
        return slot.to_string();
    };
    let end = start + chrono::Duration::minutes(i64::from(def.programme.minutes));
    format!("{} – {}", start.format("%Hh%M"), end.format("%Hh%M"))
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
/// ("change de lieu", "nouveau lieu"), or both; the place as the kind's
/// wording calls it ("de table", "nouvelle table").
fn change(d: &LetterData) -> (String, String) {
    let slot = non_empty(&d.previous_slot) != non_empty(&d.slot);
    let space = non_empty(&d.previous_space) != non_empty(&d.space);
    let wording = kind_def(d).map(|k| &k.wording);
    let word = wording
        .and_then(|w| w.place_change.as_deref())
        .unwrap_or("lieu");
    let fem = wording.is_some_and(|w| w.place_change_feminine);
    let de_lieu = if french::elides(word) {
        format!("d'{word}")
    } else {
        format!("de {word}")
    };
    let nouveau_lieu = match (fem, french::elides(word)) {
        (true, _) => format!("nouvelle {word}"),
        (false, true) => format!("nouvel {word}"),
        (false, false) => format!("nouveau {word}"),
    };
    match (slot, space) {
        (true, false) => ("change d'horaire".into(), "nouvel horaire".into()),
        (false, true) => (format!("change {de_lieu}"), nouveau_lieu),
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

/// "e" when the kind's noun is feminine (agreement: "replacée").
fn agreement(d: &LetterData) -> &'static str {
    if feminine(d) { "e" } else { "" }
}

/// The kind's own sentence (`wording`), when it has one.
fn own_sentence(
    d: &LetterData,
    pick: fn(&crate::call::WordingDef) -> &Option<String>,
) -> Option<String> {
    kind_def(d).and_then(|k| pick(&k.wording).as_deref().map(|s| clean(s, true)))
}

fn cancellation_subject(d: &LetterData) -> String {
    let noun = noun(d);
    let e = agreement(d);
    if d.status == Some(Status::Waitlisted) {
        own_sentence(d, |w| &w.waitlisted_subject)
            .unwrap_or_else(|| format!("votre {noun} est replacé{e} sur liste d'attente"))
    } else if withdrawn_on_request(d) {
        format!("retrait de votre {noun}")
    } else {
        format!("annulation de votre {noun}")
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
    let noun = noun(d);
    let e = agreement(d);
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
        let first = match own_sentence(d, |w| &w.waitlisted_text) {
            Some(text) => text.replace("{rang}", &rank),
            None => format!(
                "Nous sommes au regret de vous informer que votre {noun} a dû être \
                 retiré{e} du programme ; votre proposition est replacée sur la liste d'attente, \
                 où elle occupe actuellement la {rank} place. Si une place se libère, nous \
                 vous écrirons aussitôt."
            ),
        };
        let text = format!(
            "{first}\n\n{APOLOGY}\n\nNous espérons en tout état de cause vous compter parmi \
             les participants le {date}."
        );
        return (text, problem);
    }
    if withdrawn_on_request(d) {
        let first = own_sentence(d, |w| &w.withdrawn_text).unwrap_or_else(|| {
            format!("Comme vous nous l'avez indiqué, votre {noun} est retiré{e} du programme.")
        });
        return (
            format!(
                "{first}\n\nNous restons à votre disposition pour toute question : il vous \
                 suffit de répondre à ce message."
            ),
            None,
        );
    }
    let first = own_sentence(d, |w| &w.refused_text).unwrap_or_else(|| {
        let il = if feminine(d) { "elle" } else { "il" };
        format!("Nous sommes au regret de vous informer qu'{il} n'y figure plus.")
    });
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
            Placeholder::Titre => match kind_def(d) {
                Some(k) if title_is_choice(k) => {
                    match (choice_title(k, d), non_empty(&d.description)) {
                        (Some(label), _) => label,
                        (None, Some(t)) => french::quoted(&shorten(t, 90)),
                        (None, None) => "sans description".to_string(),
                    }
                }
                _ => match non_empty(&d.title) {
                    Some(t) => french::quoted(&shorten(t, 160)),
                    None => french::quoted("sans titre"),
                },
            },
            Placeholder::Type => noun(d),
            Placeholder::LeType => with_article(&noun(d), feminine(d)),
            Placeholder::LeTypeCapital => capitalised(&with_article(&noun(d), feminine(d))),
            Placeholder::Accord => agreement(d).to_string(),
            Placeholder::IlCapital => if feminine(d) { "Elle" } else { "Il" }.to_string(),
            Placeholder::Duree => match kind_def(d) {
                Some(k) => duration_fr(k.programme.minutes),
                None => "le temps annoncé".to_string(),
            },
            Placeholder::NomLieu => kind_def(d)
                .map(|k| k.programme.place_word.to_lowercase())
                .unwrap_or_else(|| "lieu".to_string()),
            Placeholder::Reference => d.reference.to_string(),
            Placeholder::DateReception => match d.received.as_deref().and_then(day_of) {
                Some(day) => unbroken(&date_fr(day, false)),
                None => "ces derniers jours".to_string(),
            },
            Placeholder::Creneau => match non_empty(&d.slot) {
                Some(s) => slot_label(kind_def(d), s),
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
                .map(|s| slot_label(kind_def(d), s))
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
            Placeholder::ObjetAnnulation => cancellation_subject(d),
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
    let subject = crate::domain::french::typography(&fill(&t.subject, true));
    let body = wrap_long_lines(
        &crate::domain::french::typography(&fill(&t.body, false)),
        WRAP,
    );
    problems.dedup();
    RenderedText {
        subject,
        body,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_in_words() {
        assert_eq!(duration_fr(20), "vingt minutes");
        assert_eq!(duration_fr(30), "trente minutes");
        assert_eq!(duration_fr(45), "quarante-cinq minutes");
        assert_eq!(duration_fr(1), "une minute");
        assert_eq!(duration_fr(60), "une heure");
        assert_eq!(duration_fr(90), "une heure trente");
        assert_eq!(duration_fr(120), "deux heures");
        assert_eq!(duration_fr(135), "deux heures quinze");
        assert_eq!(number_fr(21), "vingt et un");
        assert_eq!(number_fr(71), "soixante et onze");
        assert_eq!(number_fr(75), "soixante-quinze");
        assert_eq!(number_fr(80), "quatre-vingts");
        assert_eq!(number_fr(91), "quatre-vingt-onze");
        assert_eq!(number_fr(17), "dix-sept");
        assert_eq!(number_fr(150), "150");
    }

    #[test]
    fn articles_of_a_kind() {
        assert_eq!(with_article("micro-atelier", false), "le micro-atelier");
        assert_eq!(with_article("table ronde", true), "la table ronde");
        assert_eq!(with_article("atelier", false), "l'atelier");
        assert_eq!(with_article("émission", true), "l'émission");
        assert_eq!(capitalised("l'atelier"), "L'atelier");
        assert_eq!(capitalised("élan"), "Élan");
    }

    #[test]
    fn a_kind_the_definition_does_not_have_is_a_proposition() {
        let d = LetterData {
            kind: Some("inconnu".into()),
            status: Some(Status::Waitlisted),
            ..LetterData::default()
        };
        assert_eq!(noun(&d), "proposition");
        assert_eq!(
            cancellation_subject(&d),
            "votre proposition est replacée sur liste d'attente"
        );
        assert_eq!(slot_label(None, "14:00"), "14h00");
    }
}
