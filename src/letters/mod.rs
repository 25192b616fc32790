//! Letters to the senders, pure: the five kinds of letter, their templates
//! (plain-text files beside `config.toml`, in `letters/`), the placeholders
//! each kind may use — checked when the templates are loaded, so that a typo
//! is an error naming the file and the line, never a broken letter —,
//! rendering to a subject and a body, and the rule that says which letter a
//! decision calls for. No I/O but [`Letters::load`], which reads the files.
//!
//! A template's first line is the subject, `Objet : …`; the body follows
//! (blank lines after the subject are skipped). `{nom}` is a placeholder,
//! `{{` and `}}` are literal braces. A letter whose wording differs with the
//! kind of proposal has a variant file, `NAME-SUFFIX.txt` (the kind's
//! `letters` suffix in the call definition, else its key with hyphens:
//! `accepte-bourse.txt`, `accepte-micro-atelier.txt`), used instead of
//! `NAME.txt` for that kind. Everything a letter says of a kind (its noun,
//! gender, length, places, slots, the fields it reads) comes from the call
//! definition (`crate::call`), so that a kind added there gets its letters.
//!
//! The French (articles, salutation, guillemets, non-breaking spaces) is in
//! [`french`].

pub mod french;
mod render;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use french::Civility;
pub use render::{LetterData, date_fr};

use crate::call::KindDef;
use crate::domain::LetterKind;

// `LetterKind` is the domain's (`crate::domain::LetterKind`); what a kind
// means for its template files and placeholders is said here.
impl LetterKind {
    /// The file of this kind's variant for proposals of `kind`
    /// (`accepte-bourse.txt`), used instead of [`Self::file_name`] when present.
    pub fn variant_file_name(self, kind: &KindDef) -> String {
        let base = self.file_name().trim_end_matches(".txt");
        format!("{base}-{}.txt", kind.letters_suffix())
    }

    /// The template's file name in the letters folder.
    pub fn file_name(self) -> &'static str {
        match self {
            LetterKind::Acknowledgement => "accuse-reception.txt",
            LetterKind::Accepted => "accepte.txt",
            LetterKind::Waitlisted => "liste-attente.txt",
            LetterKind::Rejected => "non-retenu.txt",
            LetterKind::SlotChanged => "creneau-modifie.txt",
            LetterKind::Cancellation => "annulation.txt",
            LetterKind::DocxRequest => "demande-docx.txt",
        }
    }

    /// The project's template of this letter (the file of `letters/` in
    /// the repository), built into the program: what `fiches setup
    /// --system` installs, and the fallback of a folder that lacks it.
    pub fn shipped_text(self) -> &'static str {
        match self {
            LetterKind::Acknowledgement => include_str!("../../letters/accuse-reception.txt"),
            LetterKind::Accepted => include_str!("../../letters/accepte.txt"),
            LetterKind::Waitlisted => include_str!("../../letters/liste-attente.txt"),
            LetterKind::Rejected => include_str!("../../letters/non-retenu.txt"),
            LetterKind::SlotChanged => include_str!("../../letters/creneau-modifie.txt"),
            LetterKind::Cancellation => include_str!("../../letters/annulation.txt"),
            LetterKind::DocxRequest => include_str!("../../letters/demande-docx.txt"),
        }
    }

    /// The project's variant of this letter for one kind of proposal
    /// (`accepte-bourse.txt`, by its file name: see [`SHIPPED_VARIANTS`]),
    /// built into the program like [`Self::shipped_text`]; `None` when the
    /// project has none (the common template serves that kind).
    pub fn shipped_variant_text(self, kind: &KindDef) -> Option<&'static str> {
        let name = self.variant_file_name(kind);
        SHIPPED_VARIANTS
            .iter()
            .find(|(file, _)| *file == name)
            .map(|(_, text)| *text)
    }

    /// The placeholders a template of this kind may use.
    pub fn placeholders(self) -> Vec<Placeholder> {
        use Placeholder::*;
        if self == LetterKind::DocxRequest {
            // No proposal: nothing of a fiche to name.
            return vec![
                Evenement,
                DateEvenement,
                Lieu,
                Appel,
                DateReception,
                Fichiers,
            ];
        }
        let mut v = COMMON.to_vec();
        v.extend_from_slice(match self {
            LetterKind::Acknowledgement => &[],
            LetterKind::Accepted => &[Creneau, Espace],
            LetterKind::Waitlisted => &[Rang],
            LetterKind::Rejected => &[Motif],
            LetterKind::SlotChanged => &[
                Creneau,
                Espace,
                AncienCreneau,
                AncienEspace,
                Changement,
                Nouveau,
            ],
            LetterKind::Cancellation => &[
                AncienCreneau,
                AncienEspace,
                Motif,
                ObjetAnnulation,
                TexteAnnulation,
            ],
            LetterKind::DocxRequest => &[],
        });
        v
    }

    /// The placeholders a template of this kind must use: a letter of
    /// acceptance without its slot would be a broken letter.
    pub fn required(self) -> &'static [Placeholder] {
        use Placeholder::*;
        match self {
            LetterKind::Acknowledgement | LetterKind::Rejected => &[],
            LetterKind::Accepted | LetterKind::SlotChanged => &[Creneau, Espace],
            LetterKind::Waitlisted => &[Rang],
            LetterKind::Cancellation => &[AncienCreneau],
            LetterKind::DocxRequest => &[Fichiers],
        }
    }
}

/// The variants of the letters the project ships (the files of `letters/`
/// named `NAME-SUFFIX.txt`), by file name: a kind whose `letters` suffix
/// names one of them gets it.
pub const SHIPPED_VARIANTS: &[(&str, &str)] = &[
    (
        "accuse-reception-bourse.txt",
        include_str!("../../letters/accuse-reception-bourse.txt"),
    ),
    (
        "accepte-bourse.txt",
        include_str!("../../letters/accepte-bourse.txt"),
    ),
    (
        "liste-attente-bourse.txt",
        include_str!("../../letters/liste-attente-bourse.txt"),
    ),
    (
        "non-retenu-bourse.txt",
        include_str!("../../letters/non-retenu-bourse.txt"),
    ),
    (
        "creneau-modifie-bourse.txt",
        include_str!("../../letters/creneau-modifie-bourse.txt"),
    ),
    (
        "annulation-bourse.txt",
        include_str!("../../letters/annulation-bourse.txt"),
    ),
];

/// The placeholders of the templates, by their French names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Placeholder {
    /// `[event] name`.
    Evenement,
    /// `[event] date`, written out: "mercredi 4 juillet 2018".
    DateEvenement,
    /// `[event] place`.
    Lieu,
    /// The name as written in the fiche.
    Organisation,
    /// The name after "de", with its article: "de la Ville de Grenoble",
    /// "du Conseil départemental", "des Hauts-de-Seine", "d'Annecy".
    DeOrganisation,
    /// The name with its article: "la Ville de Grenoble", "le Conseil…".
    LOrganisation,
    /// First and last name of the fiche's contact ("Madame, Monsieur" when absent).
    Contact,
    /// The salutation: "Madame Martin", "Monsieur Tchinda" when the fiche
    /// gives the civility, else "Madame, Monsieur".
    Appel,
    /// The answer of the kind's title field: a text in one pair of
    /// guillemets (« … »), a choice by its option and the kind's
    /// `title_detail` ("appel à coopération : Maroc").
    Titre,
    /// The kind in a sentence (the definition's wording): "micro-atelier",
    /// "rendez-vous de la bourse aux projets", "table ronde".
    Type,
    /// The same with its article: "le micro-atelier", "la table ronde".
    LeType,
    /// The same at the start of a sentence: "Le micro-atelier".
    LeTypeCapital,
    /// "e" when the kind's noun is feminine: "proposé{e}" → "proposée".
    Accord,
    /// "Il" or "Elle" (the kind's noun), at the start of a sentence.
    IlCapital,
    /// The length of one slot of the kind, in words: "vingt minutes".
    Duree,
    /// What one place of the kind is called: "espace", "table", "salle".
    NomLieu,
    /// The proposal's number.
    Reference,
    /// The day the fiche was sent: "5 juin 2018".
    DateReception,
    /// "14h20 – 14h40".
    Creneau,
    /// "Espace B", "Table 3".
    Espace,
    AncienCreneau,
    AncienEspace,
    /// The rank on the waiting list as an ordinal: "1re", "2e".
    Rang,
    /// The reason of a refusal or a cancellation as a sentence: "En
    /// effet, un micro-atelier… figure déjà au programme."
    Motif,
    /// A slot change, said exactly: "change d'horaire", "change de lieu",
    /// "change d'horaire et de table".
    Changement,
    /// The same for a subject: "nouvel horaire", "nouvelle table"…
    Nouveau,
    /// A cancellation's subject after the event's name, by what became of
    /// the proposal: "annulation de votre micro-atelier", "votre
    /// micro-atelier est replacé sur liste d'attente", "retrait…".
    ObjetAnnulation,
    /// A cancellation's explanation (its paragraphs), by what became of
    /// the proposal: refused (with the reason), back on the waiting list
    /// (with its rank), withdrawn at the organisation's request.
    TexteAnnulation,
    /// A demande de .docx: the files received, one per line, each with why
    /// it could not be read ("- « fiche.pdf » : un PDF ne se lit pas…").
    Fichiers,
}

const COMMON: [Placeholder; 18] = [
    Placeholder::Evenement,
    Placeholder::DateEvenement,
    Placeholder::Lieu,
    Placeholder::Organisation,
    Placeholder::DeOrganisation,
    Placeholder::LOrganisation,
    Placeholder::Contact,
    Placeholder::Appel,
    Placeholder::Titre,
    Placeholder::Type,
    Placeholder::LeType,
    Placeholder::LeTypeCapital,
    Placeholder::Accord,
    Placeholder::IlCapital,
    Placeholder::Duree,
    Placeholder::NomLieu,
    Placeholder::Reference,
    Placeholder::DateReception,
];

impl Placeholder {
    /// Every placeholder: the common ones, then those of particular letters.
    pub const ALL: [Placeholder; 29] = {
        const PARTICULAR: [Placeholder; 11] = [
            Placeholder::Creneau,
            Placeholder::Espace,
            Placeholder::AncienCreneau,
            Placeholder::AncienEspace,
            Placeholder::Rang,
            Placeholder::Motif,
            Placeholder::Changement,
            Placeholder::Nouveau,
            Placeholder::ObjetAnnulation,
            Placeholder::TexteAnnulation,
            Placeholder::Fichiers,
        ];
        let mut all = [Placeholder::Evenement; 29];
        let mut i = 0;
        while i < COMMON.len() {
            all[i] = COMMON[i];
            i += 1;
        }
        while i < all.len() {
            all[i] = PARTICULAR[i - COMMON.len()];
            i += 1;
        }
        all
    };

    /// The name written between braces.
    pub fn name(self) -> &'static str {
        match self {
            Placeholder::Evenement => "evenement",
            Placeholder::DateEvenement => "date_evenement",
            Placeholder::Lieu => "lieu",
            Placeholder::Organisation => "organisation", // not a call key: the placeholder
            Placeholder::DeOrganisation => "de_organisation",
            Placeholder::LOrganisation => "l_organisation",
            Placeholder::Contact => "contact",
            Placeholder::Appel => "appel",
            Placeholder::Titre => "titre",
            Placeholder::Type => "type",
            Placeholder::LeType => "le_type",
            Placeholder::LeTypeCapital => "Le_type",
            Placeholder::Accord => "e",
            Placeholder::IlCapital => "Il",
            Placeholder::Duree => "duree",
            Placeholder::NomLieu => "nom_lieu",
            Placeholder::Reference => "reference",
            Placeholder::DateReception => "date_reception",
            Placeholder::Creneau => "creneau",
            Placeholder::Espace => "espace",
            Placeholder::AncienCreneau => "ancien_creneau",
            Placeholder::AncienEspace => "ancien_espace",
            Placeholder::Rang => "rang",
            Placeholder::Motif => "motif",
            Placeholder::Changement => "changement",
            Placeholder::Nouveau => "nouveau",
            Placeholder::ObjetAnnulation => "objet_annulation",
            Placeholder::TexteAnnulation => "texte_annulation",
            Placeholder::Fichiers => "fichiers",
        }
    }

    pub fn parse(name: &str) -> Option<Placeholder> {
        Placeholder::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// A template that cannot be used, with the file and, when it is about one
/// place in it, the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LetterError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for LetterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(n) => write!(
                f,
                "modèle de lettre {}, ligne {n} : {}",
                self.file.display(),
                self.message
            ),
            None => write!(
                f,
                "modèle de lettre {} : {}",
                self.file.display(),
                self.message
            ),
        }
    }
}

/// A piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Var(Placeholder),
}

/// One parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub kind: LetterKind,
    pub file: PathBuf,
    subject: Vec<Piece>,
    body: Vec<Piece>,
}

impl Template {
    /// Parses the text of `file`, a template of `kind`.
    pub fn parse(kind: LetterKind, file: &Path, text: &str) -> Result<Template, LetterError> {
        let err = |line: Option<usize>, message: String| LetterError {
            file: file.to_path_buf(),
            line,
            message,
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let lines: Vec<&str> = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l).trim_end())
            .collect();
        let first = lines.first().copied().unwrap_or("");
        let subject = subject_text(first).ok_or_else(|| {
            err(
                Some(1),
                "la première ligne doit être l'objet de la lettre, « Objet : … »".into(),
            )
        })?;
        if subject.is_empty() {
            return Err(err(Some(1), "l'objet est vide".into()));
        }
        let allowed = kind.placeholders();
        let subject = parse_line(subject, kind, &allowed).map_err(|m| err(Some(1), m))?;

        let mut body = Vec::new();
        let mut started = false;
        let mut blank_run = 0usize;
        for (i, line) in lines.iter().enumerate().skip(1) {
            if !started && line.is_empty() {
                continue;
            }
            started = true;
            if line.is_empty() {
                blank_run += 1;
                continue;
            }
            for _ in 0..blank_run {
                body.push(Piece::Text("\n".into()));
            }
            blank_run = 0;
            body.extend(parse_line(line, kind, &allowed).map_err(|m| err(Some(i + 1), m))?);
            body.push(Piece::Text("\n".into()));
        }
        if body.is_empty() {
            return Err(err(None, "la lettre n'a pas de texte après l'objet".into()));
        }
        let used: BTreeSet<Placeholder> = subject
            .iter()
            .chain(&body)
            .filter_map(|p| match p {
                Piece::Var(v) => Some(*v),
                Piece::Text(_) => None,
            })
            .collect();
        let missing: Vec<String> = kind
            .required()
            .iter()
            .filter(|p| !used.contains(p))
            .map(|p| format!("{{{}}}", p.name()))
            .collect();
        if !missing.is_empty() {
            return Err(err(
                None,
                format!(
                    "il manque {} : une lettre « {} » doit le dire au destinataire",
                    missing.join(" et "),
                    kind.label_fr()
                ),
            ));
        }
        Ok(Template {
            kind,
            file: file.to_path_buf(),
            subject,
            body: merge_text(body),
        })
    }

    /// The placeholders this template uses.
    pub fn uses(&self, p: Placeholder) -> bool {
        self.subject
            .iter()
            .chain(&self.body)
            .any(|x| *x == Piece::Var(p))
    }
}

/// The subject of an `Objet : …` line (the French colon spacing and case vary).
fn subject_text(line: &str) -> Option<&str> {
    let rest = line
        .get(..5)
        .filter(|h| h.eq_ignore_ascii_case("objet"))
        .map(|_| &line[5..])?;
    let rest = rest.trim_start_matches([' ', '\u{a0}', '\u{202f}', '\t']);
    let rest = rest.strip_prefix(':')?;
    Some(rest.trim())
}

fn parse_line(line: &str, kind: LetterKind, allowed: &[Placeholder]) -> Result<Vec<Piece>, String> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if chars.peek().is_some_and(|(_, d)| *d == '{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek().is_some_and(|(_, d)| *d == '}') => {
                chars.next();
                text.push('}');
            }
            '}' => {
                return Err(format!(
                    "accolade fermante « }} » seule, colonne {} : écrire }}}} pour une accolade",
                    line[..i].chars().count() + 1
                ));
            }
            '{' => {
                let rest = &line[i + 1..];
                let Some(end) = rest.find('}') else {
                    return Err(format!(
                        "accolade ouvrante « {{ » sans fermeture, colonne {} : écrire {{{{ pour une accolade",
                        line[..i].chars().count() + 1
                    ));
                };
                let name = rest[..end].trim();
                let Some(p) = Placeholder::parse(name) else {
                    return Err(format!(
                        "champ {{{name}}} inconnu ; champs possibles dans cette lettre : {}",
                        names(allowed)
                    ));
                };
                if !allowed.contains(&p) {
                    return Err(format!(
                        "le champ {{{name}}} n'a pas de sens dans une lettre « {} » ; champs possibles : {}",
                        kind.label_fr(),
                        names(allowed)
                    ));
                }
                if !text.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut text)));
                }
                out.push(Piece::Var(p));
                // Skip the name and the closing brace.
                let stop = i + 1 + end;
                while chars.peek().is_some_and(|(j, _)| *j <= stop) {
                    chars.next();
                }
            }
            _ => text.push(c),
        }
    }
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    Ok(out)
}

fn names(ps: &[Placeholder]) -> String {
    ps.iter()
        .map(|p| format!("{{{}}}", p.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn merge_text(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    for p in pieces {
        match (out.last_mut(), p) {
            (Some(Piece::Text(a)), Piece::Text(b)) => a.push_str(&b),
            (_, p) => out.push(p),
        }
    }
    out
}

/// The event, as the letters name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventInfo {
    pub name: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub place: Option<String>,
}

/// A letter ready to be read: subject and plain-text body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedText {
    pub subject: String,
    pub body: String,
    /// What is wrong with the data (no slot on an acceptance...): such a
    /// letter is shown but not sent until staff fix it.
    pub problems: Vec<String>,
}

/// The letters folder's own README (how to edit the templates), installed
/// beside them.
pub const FOLDER_README: &str = include_str!("../../letters/README.md");

/// The templates and the event: everything needed to write letters.
#[derive(Debug, Clone)]
pub struct Letters {
    pub dir: PathBuf,
    pub event: EventInfo,
    templates: Vec<Template>,
    /// Variants for one kind of proposal (`accepte-bourse.txt`), by the
    /// kind's key.
    variants: Vec<(String, Template)>,
}

impl Letters {
    /// Reads and checks the templates of `dir`. A folder made before the
    /// cancellation letter existed gets the project's `annulation.txt`
    /// (with a warning saying to copy it there to adapt it).
    pub fn load(dir: &Path, event: EventInfo) -> Result<Letters, LetterError> {
        let mut texts = Vec::new();
        for kind in LetterKind::ALL {
            let file = dir.join(kind.file_name());
            // Missing, not merely unreadable (that is an error below).
            if matches!(kind, LetterKind::Cancellation | LetterKind::DocxRequest)
                && crate::os_error::exists(&file) == Ok(false)
            {
                tracing::warn!(
                    "modèle de lettre d'annulation {} absent : celui du projet est employé ; \
                     `sudo fiches setup --system` l'installe (sans toucher aux autres modèles), \
                     ou le copier de letters/annulation.txt du projet pour l'adapter",
                    file.display()
                );
                texts.push((kind, file, kind.shipped_text().to_string()));
                continue;
            }
            let text = std::fs::read_to_string(&file).map_err(|e| LetterError {
                file: file.clone(),
                line: None,
                message: format!(
                    "{} ; les modèles sont dans le dossier letters/ à côté de config.toml \
                     (`sudo fiches setup --system` installe ceux qui manquent)",
                    crate::os_error::problem(&file, &e)
                ),
            })?;
            texts.push((kind, file, text));
        }
        let mut letters = Letters::from_texts(dir, event, texts)?;
        for kind in LetterKind::ALL {
            for pk in &crate::call::current().kinds {
                let file = dir.join(kind.variant_file_name(pk));
                match std::fs::read_to_string(&file) {
                    Ok(text) => letters.add_variant(kind, &pk.key, &file, &text)?,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(LetterError {
                            file,
                            line: None,
                            message: format!("illisible ({e})"),
                        });
                    }
                }
            }
        }
        Ok(letters)
    }

    /// Adds the variant of letter `kind` for proposals of kind `for_kind`
    /// (the text of `file`), checked like the other templates.
    pub fn add_variant(
        &mut self,
        kind: LetterKind,
        for_kind: &str,
        file: &Path,
        text: &str,
    ) -> Result<(), LetterError> {
        let t = Template::parse(kind, file, text)?;
        self.check_place(&t)?;
        self.variants
            .retain(|(k, v)| !(k == for_kind && v.kind == kind));
        self.variants.push((for_kind.to_string(), t));
        Ok(())
    }

    fn check_place(&self, t: &Template) -> Result<(), LetterError> {
        if self.event.place.is_none() && t.uses(Placeholder::Lieu) {
            return Err(LetterError {
                file: t.file.clone(),
                line: None,
                message:
                    "{lieu} est employé mais [event] place n'est pas renseigné dans config.toml"
                        .into(),
            });
        }
        Ok(())
    }

    /// The templates from their texts (`(kind, file, text)`, one per kind).
    pub fn from_texts(
        dir: &Path,
        event: EventInfo,
        texts: Vec<(LetterKind, PathBuf, String)>,
    ) -> Result<Letters, LetterError> {
        let mut templates = Vec::new();
        for kind in LetterKind::ALL {
            let Some((_, file, text)) = texts.iter().find(|(k, ..)| *k == kind) else {
                return Err(LetterError {
                    file: dir.join(kind.file_name()),
                    line: None,
                    message: "modèle manquant".into(),
                });
            };
            templates.push(Template::parse(kind, file, text)?);
        }
        let letters = Letters {
            dir: dir.to_path_buf(),
            event,
            templates,
            variants: Vec::new(),
        };
        for t in &letters.templates {
            letters.check_place(t)?;
        }
        Ok(letters)
    }

    /// The template of letter `kind` for a proposal of kind `for_kind` (a
    /// kind's key): its variant when there is one, else the common one.
    pub fn template_for(&self, kind: LetterKind, for_kind: Option<&str>) -> &Template {
        if let Some(pk) = for_kind
            && let Some((_, t)) = self
                .variants
                .iter()
                .find(|(k, t)| k == pk && t.kind == kind)
        {
            return t;
        }
        self.template(kind)
    }

    pub fn template(&self, kind: LetterKind) -> &Template {
        // `from_texts` put one per kind, in `LetterKind::ALL` order.
        &self.templates[LetterKind::ALL
            .iter()
            .position(|k| *k == kind)
            .unwrap_or_default()]
    }

    /// Writes a letter of `kind` with `data` (the variant for the
    /// proposal's kind when there is one).
    pub fn render(&self, kind: LetterKind, data: &LetterData) -> RenderedText {
        render::render(
            self.template_for(kind, data.kind.as_deref()),
            &self.event,
            data,
        )
    }
}

#[cfg(test)]
mod tests;
