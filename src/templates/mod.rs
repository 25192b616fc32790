//! The blank fiches CUF sends out, generated from the form definition
//! (`fiche::spec`) and the event of `config.toml`: for each kind of
//! proposal a DOCX (`docx`), an XLSX (`xlsx`) and an ODT (`odt`), so the
//! form sent out is always the form read back.
//!
//! This module owns the layout shared by the three formats ([`Form`]: the
//! title block with the event's name, date and deadline, then one row per
//! field, label | answer, choices as boxes to tick or a list to pick from)
//! and the check that a generated file reads back, through the project's
//! own reader, as a blank form of its kind ([`generate`]). It reads the
//! definition only through `spec::fields`, `spec::title`, the members of
//! `FieldSpec`/`Opt` and the list of kinds, in [`form`] and [`file_stem`].
//! Pure: bytes out, no I/O.

mod docx;
mod odt;
mod xlsx;

use chrono::{DateTime, FixedOffset, NaiveDate, Timelike};

use crate::config::Event;
use crate::domain::french::{date_fr, weekday_fr};
use crate::fiche::Kind;
use crate::fiche::spec::{self, FieldSpec, FieldType};

/// The file formats a blank fiche is generated in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Docx,
    Xlsx,
    Odt,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Docx, Format::Xlsx, Format::Odt];

    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Xlsx => "xlsx",
            Format::Odt => "odt",
        }
    }
}

/// Why a blank fiche could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("écriture du fichier {format} impossible : {message}")]
    Write {
        format: &'static str,
        message: String,
    },
    /// The generated file does not read back as the blank form: a fault of
    /// the definition or of this module, never of the person.
    #[error(
        "la fiche vierge {file} ne se relit pas comme une fiche vierge « {kind} » ({why}) : \
         vérifier la définition des formulaires (libellés, options)"
    )]
    ReadBack {
        file: String,
        kind: String,
        why: String,
    },
}

/// What the title block and the page headers say about the event.
#[derive(Debug, Clone)]
pub struct EventInfo {
    pub name: String,
    /// The day of the event, when the configuration gives one.
    pub date: Option<NaiveDate>,
    pub place: Option<String>,
    pub deadline: DateTime<FixedOffset>,
}

impl EventInfo {
    pub fn from_config(event: &Event) -> EventInfo {
        EventInfo {
            name: event.name.trim().to_string(),
            date: NaiveDate::parse_from_str(&event.date, "%Y-%m-%d").ok(),
            place: event
                .place
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string),
            deadline: event.deadline,
        }
    }

    /// "mercredi 4 juillet 2018 – Pavillon d'Armenonville, Paris".
    pub fn when_where(&self) -> Option<String> {
        match (self.day(), &self.place) {
            (Some(d), Some(p)) => Some(format!("{d} – {p}")),
            (Some(d), None) => Some(d),
            (None, Some(p)) => Some(p.clone()),
            (None, None) => None,
        }
    }

    /// "mercredi 4 juillet 2018", when the configuration gives the day.
    pub fn day(&self) -> Option<String> {
        self.date
            .map(|d| format!("{} {}", weekday_fr(d), date_fr(d)))
    }

    /// "À renvoyer au plus tard le 8 juin 2018 à 23h59".
    pub fn deadline_line(&self) -> String {
        let t = self.deadline.time();
        format!(
            "À renvoyer au plus tard le {} à {}h{:02}",
            date_fr(self.deadline.date_naive()),
            t.hour(),
            t.minute()
        )
    }
}

/// How an answer is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// One line of text.
    Line,
    /// A few lines (descriptions).
    Lines,
    Email,
    Phone,
    /// One option, by its printed label.
    One(Vec<String>),
    /// Any number of the options.
    Several(Vec<String>),
}

/// One row of the form.
#[derive(Debug, Clone)]
pub struct Field {
    /// The printed label, as the reader knows it.
    pub label: String,
    pub required: bool,
    pub answer: Answer,
}

/// The lines printed under a form's table: what « * » means, and the
/// fields that take several answers.
pub fn legend(form: &Form) -> Vec<String> {
    let mut out = Vec::new();
    if form.fields.iter().any(|f| f.required) {
        out.push(crate::fiche::spec::LEGEND_REQUIRED.to_string());
    }
    let several: Vec<String> = form
        .fields
        .iter()
        .filter(|f| matches!(f.answer, Answer::Several(_)))
        .map(|f| format!("« {} »", f.label))
        .collect();
    if !several.is_empty() {
        out.push(format!(
            "{} {}.",
            crate::fiche::spec::LEGEND_SEVERAL,
            several.join(", ")
        ));
    }
    out
}

impl Field {
    /// The label as printed: « * » after a required one (the reader reads
    /// the label through it; the table's description says what it means).
    pub fn printed_label(&self) -> String {
        if self.required {
            format!("{} *", self.label)
        } else {
            self.label.clone()
        }
    }

    /// How to answer, for the workbook's input message or cell note (a
    /// one-choice field has its list's own message).
    pub fn hint(&self) -> Option<&'static str> {
        match self.answer {
            Answer::Several(_) => Some(SEVERAL_HINT),
            Answer::Email => Some("Une adresse de courriel."),
            Answer::Phone => {
                Some("Le numéro avec son indicatif (+33…) si vous êtes hors de France.")
            }
            Answer::One(_) | Answer::Line | Answer::Lines => None,
        }
    }
}

/// How to give several answers: ticking several boxes, or in a spreadsheet
/// cell one option per line (what the reader splits).
const SEVERAL_HINT: &str = "Plusieurs réponses possibles : cochez toutes les cases voulues \
                            (dans un tableur : une option par ligne, Alt+Entrée).";

/// How much of the event the title block holds. The reader must still see
/// the title (it tells the kind, and a title cell is read only when short):
/// when a block does not read back as one, the next, shorter, one is tried
/// (the page headers and footers always carry the whole event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TitleBlock {
    /// Title; event name; date and place; deadline.
    Full,
    /// Title; event name; date; deadline.
    NameDate,
    /// Title and deadline.
    Deadline,
    /// The title alone.
    Bare,
}

impl TitleBlock {
    pub const ALL: [TitleBlock; 4] = [
        TitleBlock::Full,
        TitleBlock::NameDate,
        TitleBlock::Deadline,
        TitleBlock::Bare,
    ];
}

/// A blank form, ready to be written in any format.
#[derive(Debug, Clone)]
pub struct Form {
    pub kind_label: String,
    /// The title line as printed (how the reader tells the kind).
    pub title: String,
    /// Lines printed under the title, in the same cell or paragraph.
    pub subtitle: Vec<String>,
    /// The event's name, for page headers and document properties.
    pub event_name: String,
    /// Date and place, for page headers.
    pub when_where: Option<String>,
    /// The deadline line, for page footers.
    pub deadline: String,
    pub fields: Vec<Field>,
}

impl Form {
    /// The document's title in its properties ("Micro-atelier : fiche de
    /// renseignement – Rencontres …").
    pub fn doc_title(&self) -> String {
        format!(
            "{} : fiche de renseignement – {}",
            self.kind_label, self.event_name
        )
    }

    /// What the table is, for assistive technologies.
    pub fn table_description(&self) -> String {
        "Première colonne : la rubrique (* : rubrique obligatoire) ; deuxième colonne : \
         votre réponse. Les choix se font en cochant une case."
            .to_string()
    }

    /// The page header's lines: the event's name, its date and place.
    pub fn header_lines(&self) -> Vec<String> {
        let mut lines = vec![self.event_name.clone()];
        lines.extend(self.when_where.clone());
        lines
    }
}

/// Whether a field takes several options (`type = "choices"` in the
/// definition: every ticked option is read).
pub fn is_several(field: &FieldSpec) -> bool {
    matches!(field.ty, FieldType::Choices(_))
}

/// The blank form of a kind for an event.
pub fn form(kind: Kind, event: &EventInfo, block: TitleBlock) -> Form {
    let fields = spec::fields(kind)
        .iter()
        .map(|f| Field {
            label: f.label.to_string(),
            required: f.required,
            answer: match f.ty {
                FieldType::Text | FieldType::Date => Answer::Line,
                FieldType::LongText => Answer::Lines,
                FieldType::Email => Answer::Email,
                FieldType::Phone => Answer::Phone,
                FieldType::Choice(opts) | FieldType::Choices(opts) => {
                    let labels = opts.iter().map(|o| o.label.to_string()).collect();
                    if is_several(f) {
                        Answer::Several(labels)
                    } else {
                        Answer::One(labels)
                    }
                }
            },
        })
        .collect();
    let when_where = event.when_where();
    let deadline = event.deadline_line();
    let subtitle = match block {
        TitleBlock::Full => {
            let mut lines = vec![event.name.clone()];
            lines.extend(when_where.clone());
            lines.push(deadline.clone());
            lines
        }
        TitleBlock::NameDate => {
            let mut lines = vec![event.name.clone()];
            lines.extend(event.day());
            lines.push(deadline.clone());
            lines
        }
        TitleBlock::Deadline => vec![deadline.clone()],
        TitleBlock::Bare => Vec::new(),
    };
    Form {
        kind_label: kind.label_fr().to_string(),
        title: spec::title(kind).to_string(),
        subtitle,
        event_name: event.name.clone(),
        when_where,
        deadline,
        fields,
    }
}

/// "fiche-micro-atelier": the file name of a kind's blank fiche, from its
/// name (lower case, no accents, words joined by hyphens).
pub fn file_stem(kind: Kind) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::from("fiche");
    let mut dash = true;
    for c in kind.label_fr().nfd() {
        if c.is_ascii_alphanumeric() {
            if dash {
                out.push('-');
                dash = false;
            }
            out.push(c.to_ascii_lowercase());
        } else if !unicode_normalization::char::is_combining_mark(c) {
            dash = true;
        }
    }
    out
}

/// The file name of a kind's blank fiche in a format.
pub fn file_name(kind: Kind, format: Format) -> String {
    format!("{}.{}", file_stem(kind), format.extension())
}

/// Writes a form in a format.
pub fn render(form: &Form, format: Format) -> Result<Vec<u8>, TemplateError> {
    match format {
        Format::Docx => docx::write(form),
        Format::Xlsx => xlsx::write(form),
        Format::Odt => odt::write(form),
    }
}

/// The blank fiche of a kind in a format, checked: it reads back through
/// the project's reader as a blank form of that kind. The fullest title
/// block that reads back is used.
pub fn generate(kind: Kind, format: Format, event: &EventInfo) -> Result<Vec<u8>, TemplateError> {
    let name = file_name(kind, format);
    let mut last = None;
    for block in TitleBlock::ALL {
        let bytes = render(&form(kind, event, block), format)?;
        match read_back(&bytes, &name, kind) {
            Ok(()) => return Ok(bytes),
            Err(why) => last = Some(why),
        }
    }
    Err(TemplateError::ReadBack {
        file: name,
        kind: kind.label_fr().to_string(),
        why: last.unwrap_or_default(),
    })
}

/// `Ok` when `bytes` read as one blank form of `kind`; else what was read.
pub fn read_back(bytes: &[u8], name: &str, kind: Kind) -> Result<(), String> {
    let parsed = crate::fiche::parse_file(bytes, name);
    let [one] = parsed.as_slice() else {
        return Err(format!("{} formulaires lus au lieu d'un", parsed.len()));
    };
    let fiche = one.result.as_ref().map_err(|e| e.to_string())?;
    if fiche.kind != Some(kind) {
        return Err(match fiche.kind {
            Some(k) => format!("lue comme « {} »", k.label_fr()),
            None => "type de fiche non reconnu".to_string(),
        });
    }
    if let Some(k) = fiche.fields.keys().next() {
        return Err(format!("la rubrique {k} est lue comme remplie"));
    }
    if let Some((label, value)) = fiche.extra.first() {
        return Err(format!("texte lu hors du formulaire : « {label} {value} »"));
    }
    Ok(())
}

/// Text escaped for XML content and attribute values; characters XML 1.0
/// cannot carry are dropped.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A zip of `parts` (name, bytes), the first one stored (ODF's `mimetype`
/// must be), the others compressed.
pub(crate) fn zip_parts(
    parts: &[(&str, Vec<u8>)],
    first_stored: bool,
    format: &'static str,
) -> Result<Vec<u8>, TemplateError> {
    use std::io::Write;
    use zip::CompressionMethod;
    use zip::write::SimpleFileOptions;
    let fail = |e: &dyn std::fmt::Display| TemplateError::Write {
        format,
        message: e.to_string(),
    };
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (i, (name, bytes)) in parts.iter().enumerate() {
        let method = if i == 0 && first_stored {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        let opts = SimpleFileOptions::default().compression_method(method);
        w.start_file(*name, opts).map_err(|e| fail(&e))?;
        w.write_all(bytes).map_err(|e| fail(&e))?;
    }
    let cursor = w.finish().map_err(|e| fail(&e))?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> EventInfo {
        EventInfo {
            name: "Rencontres & <Assises>".to_string(),
            date: NaiveDate::from_ymd_opt(2018, 7, 4),
            place: Some("Pavillon d'Armenonville, Paris".to_string()),
            deadline: DateTime::parse_from_rfc3339("2018-06-08T23:59:59+02:00").unwrap(),
        }
    }

    #[test]
    fn file_names_come_from_the_kind_names() {
        let names: Vec<String> = Kind::all().iter().map(|k| file_stem(*k)).collect();
        for (kind, name) in Kind::all().iter().zip(&names) {
            assert!(name.starts_with("fiche-"), "{name}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{name}"
            );
            // Every word of the kind's name is in the file name.
            let first = kind.label_fr().split([' ', '-']).next().unwrap();
            assert!(name.contains(&first.to_lowercase()), "{name}");
        }
        assert!(names.contains(&"fiche-micro-atelier".to_string()));
        assert!(names.contains(&"fiche-bourse-aux-projets".to_string()));
        let mut sorted = names.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
    }

    #[test]
    fn event_lines_in_french() {
        let e = event();
        assert_eq!(
            e.when_where().unwrap(),
            "mercredi 4 juillet 2018 – Pavillon d'Armenonville, Paris"
        );
        assert_eq!(
            e.deadline_line(),
            "À renvoyer au plus tard le 8 juin 2018 à 23h59"
        );
    }

    #[test]
    fn form_follows_the_definition() {
        for kind in Kind::all() {
            let f = form(kind, &event(), TitleBlock::Full);
            let spec = spec::fields(kind);
            assert_eq!(f.fields.len(), spec.len());
            for (a, b) in f.fields.iter().zip(spec) {
                assert_eq!(a.label, b.label);
                assert_eq!(a.required, b.required);
                if let FieldType::Choice(opts) = b.ty {
                    let Answer::One(labels) = &a.answer else {
                        panic!("{}", b.key)
                    };
                    assert_eq!(labels.len(), opts.len());
                }
            }
            assert_eq!(f.title, spec::title(kind));
            assert_eq!(f.subtitle.len(), 3);
        }
    }

    /// The fullest title block that reads back is kept; an event name too
    /// long for a title cell leaves the title alone there (the page
    /// header still names the event).
    #[test]
    fn the_title_block_shrinks_until_it_reads_back() {
        let short = EventInfo {
            name: "Assises 2027".to_string(),
            ..event()
        };
        let long = EventInfo {
            name: "Rencontres ".repeat(20),
            ..event()
        };
        for kind in Kind::all() {
            for format in Format::ALL {
                let name = file_name(kind, format);
                // The full block: the place is in the body (not only in
                // the page header).
                let bytes = generate(kind, format, &short).unwrap();
                assert!(
                    body_text(&bytes).contains("Pavillon"),
                    "{name}: the full title block was not kept"
                );
                let full = render(&form(kind, &long, TitleBlock::Full), format).unwrap();
                assert!(read_back(&full, &name, kind).is_err(), "{name}");
                let bytes = generate(kind, format, &long).unwrap();
                read_back(&bytes, &name, kind).unwrap();
            }
        }
    }

    /// The body part of a generated file (not its page headers).
    fn body_text(bytes: &[u8]) -> String {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = String::new();
        for name in ["word/document.xml", "content.xml", "xl/sharedStrings.xml"] {
            if let Ok(mut f) = zip.by_name(name) {
                f.read_to_string(&mut out).unwrap();
            }
        }
        out
    }

    #[test]
    fn escaping() {
        assert_eq!(esc("a&b<c>\"d'\u{1}"), "a&amp;b&lt;c&gt;&quot;d&apos;");
    }

    #[test]
    fn every_format_reads_back_blank_even_with_several_choices() {
        for kind in Kind::all() {
            for format in Format::ALL {
                let bytes = generate(kind, format, &event()).unwrap();
                read_back(&bytes, &file_name(kind, format), kind).unwrap();
            }
            // A several-choices field (the definition will have them) is
            // written and reads back blank too.
            let mut f = form(kind, &event(), TitleBlock::Full);
            for field in &mut f.fields {
                if let Answer::One(o) = &field.answer {
                    field.answer = Answer::Several(o.clone());
                }
            }
            for format in Format::ALL {
                let bytes = render(&f, format).unwrap();
                read_back(&bytes, &file_name(kind, format), kind)
                    .unwrap_or_else(|e| panic!("{kind} {format:?}: {e}"));
            }
        }
    }
}
