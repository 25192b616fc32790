//! The typed result of reading a fiche: its kind, its fields, the extra rows
//! nobody asked for, the warnings staff must check, and the typed error when
//! the file cannot be read at all.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Which kind of proposal (which form) a fiche is: an index into the
/// kinds of the call definition in use (`crate::call::current()`), in the
/// order the definition lists them. Stored, serialised and shown by the
/// definition's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Kind(u8);

#[allow(non_upper_case_globals)]
impl Kind {
    /// The first kind of the built-in 2018 definition. For tests and
    /// fixtures of the default call only: program code reaches kinds
    /// through the definition (a test checks it).
    #[doc(hidden)]
    pub const MicroAtelier: Kind = Kind(0);
    /// The second kind of the built-in 2018 definition (tests only).
    #[doc(hidden)]
    pub const BourseProjets: Kind = Kind(1);

    /// The first kind of the definition: its tables serve for the fields
    /// every form shares when a fiche's kind cannot be told.
    pub const FIRST: Kind = Kind(0);

    /// Every kind of the definition in use, in its order.
    pub fn all() -> Vec<Kind> {
        (0..crate::call::current().kinds.len().min(usize::from(u8::MAX)))
            .map(|i| Kind(i as u8))
            .collect()
    }

    /// The kind's definition.
    pub fn def(self) -> &'static crate::call::KindDef {
        // `Kind`s are only made from the definition in use, which never
        // changes once read; an index out of range cannot be built.
        let kinds = &crate::call::current().kinds;
        &kinds[usize::from(self.0).min(kinds.len().saturating_sub(1))]
    }

    /// The stable key used in JSON, the database and exports.
    pub fn key(self) -> &'static str {
        &self.def().key
    }

    pub fn from_key(key: &str) -> Option<Kind> {
        crate::call::current()
            .kinds
            .iter()
            .position(|k| k.key == key)
            .and_then(|i| u8::try_from(i).ok())
            .map(Kind)
    }

    /// The French name staff know the form by.
    pub fn label_fr(self) -> &'static str {
        &self.def().label
    }

    /// The key of the wanted time slot's field.
    pub fn slot_key(self) -> Option<&'static str> {
        self.def().slot_field.as_deref()
    }

    /// The key of the membership (yes/no) field.
    pub fn member_key(self) -> Option<&'static str> {
        self.def().member_field.as_deref()
    }

    /// The key of the field naming the proposal in lists.
    pub fn title_key(self) -> &'static str {
        &self.def().title_field
    }

    /// The key of the field describing the proposal.
    pub fn description_key(self) -> Option<&'static str> {
        self.def().description_field.as_deref()
    }

    /// The key of the field shown as the theme.
    pub fn theme_key(self) -> Option<&'static str> {
        self.def().theme_field.as_deref()
    }

    /// The key of the field staff know the proposal by in lists: its
    /// title when that is text, else its description (a choice such as a
    /// type of request is no title).
    pub fn list_title_key(self) -> Option<&'static str> {
        let t = self.title_key();
        let text = crate::call::field_def(self.key(), t).is_some_and(|f| {
            matches!(
                f.ty,
                crate::call::FieldTypeName::Text | crate::call::FieldTypeName::LongText
            )
        });
        if text {
            Some(t)
        } else {
            self.description_key()
        }
    }

    /// A short name for narrow columns ("Micro").
    pub fn short_fr(self) -> &'static str {
        &self.def().short
    }

    /// Plural heading ("Micro-ateliers").
    pub fn plural_fr(self) -> &'static str {
        &self.def().plural
    }

    /// What one place of its programme is called, capitalised ("Espace").
    pub fn place_word_fr(self) -> String {
        let w = &self.def().programme.place_word;
        let mut c = w.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    }

    /// Position in the definition (0-based), for per-kind tables.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

impl Serialize for Kind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Kind, D::Error> {
        let key = String::deserialize(d)?;
        Kind::from_key(&key).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "type de proposition « {key} » absent de la définition de l'appel"
            ))
        })
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A stored field value: text for everything but `cuf_member`, which is a
/// boolean once it was read without doubt (an ambiguous answer stays text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Bool(bool),
}

impl Value {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            Value::Bool(_) => None,
        }
    }

    /// The value as staff read it (booleans as `true`/`false`, like the JSON).
    pub fn display(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Text(s) => serde_json::Value::String(s.clone()),
            Value::Bool(b) => serde_json::Value::Bool(*b),
        }
    }

    pub fn from_json(v: &serde_json::Value) -> Option<Value> {
        match v {
            serde_json::Value::String(s) => Some(Value::Text(s.clone())),
            serde_json::Value::Bool(b) => Some(Value::Bool(*b)),
            _ => None,
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Text(t) => s.serialize_str(t),
            Value::Bool(b) => s.serialize_bool(*b),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Bool(bool),
        }
        Ok(match Raw::deserialize(d)? {
            Raw::Text(t) => Value::Text(t),
            Raw::Bool(b) => Value::Bool(b),
        })
    }
}

/// Something staff should check: a recovered value, an ambiguous choice, a
/// value that could not be read. `field` names the field when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Warning {
    pub field: Option<String>,
    pub message: String,
}

impl Warning {
    pub fn field(key: &str, message: impl Into<String>) -> Warning {
        Warning {
            field: Some(key.to_string()),
            message: message.into(),
        }
    }
    pub fn general(message: impl Into<String>) -> Warning {
        Warning {
            field: None,
            message: message.into(),
        }
    }
}

/// A fiche read from a file (one form; a file may hold several).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fiche {
    /// `None` when the file holds form labels but neither title nor
    /// kind-specific labels say which form it is.
    pub kind: Option<Kind>,
    /// Known fields by their stable key (see `spec`). Blank fields are absent.
    pub fields: BTreeMap<String, Value>,
    /// Rows with a label the form does not have, kept as written (label → value).
    pub extra: Vec<(String, String)>,
    pub warnings: Vec<Warning>,
}

impl Fiche {
    pub fn text(&self, key: &str) -> Option<&str> {
        self.fields.get(key).and_then(Value::as_text)
    }

    /// True when nothing was added to the blank form: no field holds a
    /// value and no text stands beside the form's own (`extra`).
    pub fn is_blank(&self) -> bool {
        self.fields.is_empty() && self.extra.is_empty()
    }
}

/// What reading one file gave: one entry per form found (most files hold
/// one), each with its own result. A container (`.zip`, Outlook's
/// `winmail.dat`) gives the results of the files inside it, each named by
/// `inner`. Serializable, so a reader running in another process can hand
/// it back as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parsed {
    /// For a file found inside a container: its name there (`archive.zip`
    /// → `fiche.docx`). `None` for the file itself.
    pub inner: Option<String>,
    /// 1, 2, … when the same file (or inner file) holds several forms;
    /// `None` when it holds one.
    pub form: Option<usize>,
    pub result: Result<Fiche, FicheError>,
}

/// The file formats the reader tells apart by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Docx,
    Odt,
    Xlsx,
    Ods,
    Xls,
    Doc,
    Pdf,
    Rtf,
    /// A zip of some other kind (or an OOXML/ODF package we do not read).
    OtherZip,
    Unknown,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Docx => "DOCX",
            Format::Odt => "ODT",
            Format::Xlsx => "XLSX",
            Format::Ods => "ODS",
            Format::Xls => "XLS",
            Format::Doc => "DOC",
            Format::Pdf => "PDF",
            Format::Rtf => "RTF",
            Format::OtherZip => "ZIP",
            Format::Unknown => "inconnu",
        }
    }

    /// Formats that hold a fiche we can read.
    pub fn is_readable(self) -> bool {
        matches!(
            self,
            Format::Docx | Format::Odt | Format::Xlsx | Format::Ods | Format::Xls
        )
    }

    /// Formats that may hold a fiche but need manual entry.
    pub fn is_unsupported_document(self) -> bool {
        matches!(self, Format::Doc | Format::Pdf | Format::Rtf)
    }
}

/// Why a file could not be read as a fiche. The `code` is stable (JSON,
/// database); the message says what happened and what staff can do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum FicheError {
    /// DOC, PDF, RTF: a real document we do not read.
    #[error(
        "format {format} non lu automatiquement : saisir la fiche à la main (ou demander une version Word .docx ou Excel .xlsx)"
    )]
    UnsupportedFormat { format: String },
    /// A readable file that holds no fiche (no title, no known label).
    #[error("ce fichier ne contient pas de fiche de renseignement reconnue ({reason})")]
    NotAFiche { reason: String },
    /// Damaged, truncated or malformed.
    #[error(
        "fichier endommagé ou illisible : {reason} ; demander à l'expéditeur de renvoyer la fiche"
    )]
    Corrupt { reason: String },
    /// Over one of the safety limits (size, inflate ratio, entries, depth).
    #[error("fichier refusé, il dépasse une limite de sécurité : {reason}")]
    TooLarge { reason: String },
}

impl FicheError {
    pub fn code(&self) -> &'static str {
        match self {
            FicheError::UnsupportedFormat { .. } => "unsupported_format",
            FicheError::NotAFiche { .. } => "not_a_fiche",
            FicheError::Corrupt { .. } => "corrupt",
            FicheError::TooLarge { .. } => "too_large",
        }
    }

    pub fn corrupt(reason: impl Into<String>) -> FicheError {
        FicheError::Corrupt {
            reason: reason.into(),
        }
    }

    pub fn too_large(reason: impl Into<String>) -> FicheError {
        FicheError::TooLarge {
            reason: reason.into(),
        }
    }
}

/// How a piece of text looks: what a person sees as emphasis. Only what
/// tells one answer from the printed form matters here: bold, italic,
/// underline, strike-through, highlight (or cell/run shading) and a text
/// colour other than the automatic one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Look {
    pub bold: bool,
    pub italic: bool,
    pub underline: bool,
    pub strike: bool,
    pub highlight: bool,
    /// RGB of a text colour other than automatic/black; 0 when none.
    pub color: u32,
}

impl Look {
    pub fn is_plain(&self) -> bool {
        *self == Look::default()
    }

    /// The look without strike-through (for comparing emphasis).
    pub fn emphasis(&self) -> Look {
        Look {
            strike: false,
            ..*self
        }
    }

    /// Words for staff ("gras", "surligné"…), for warnings.
    pub fn describe(&self) -> String {
        let mut w = Vec::new();
        if self.bold {
            w.push("gras");
        }
        if self.italic {
            w.push("italique");
        }
        if self.underline {
            w.push("souligné");
        }
        if self.highlight {
            w.push("surligné");
        }
        if self.color != 0 {
            w.push("en couleur");
        }
        if self.strike {
            w.push("barré");
        }
        w.join(", ")
    }

    /// This look with `other` laid over it (a run inside a styled cell).
    pub fn over(self, other: Look) -> Look {
        Look {
            bold: self.bold || other.bold,
            italic: self.italic || other.italic,
            underline: self.underline || other.underline,
            strike: self.strike || other.strike,
            highlight: self.highlight || other.highlight,
            color: if other.color != 0 {
                other.color
            } else {
                self.color
            },
        }
    }
}

/// A stretch of a cell's text (byte offsets) with a look other than plain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
    pub look: Look,
}

/// What a spreadsheet cell held beneath the text it shows.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum Typed {
    /// Text (or a word-processing cell, always text).
    #[default]
    Text,
    Number(f64),
    /// A date, possibly with a time of day (serial day number).
    Date(f64),
    /// A time of day only (fraction of a day).
    Time(f64),
    Bool,
}

/// One cell of a row, or a whole paragraph (a row of one cell).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cell {
    /// Column where the cell starts (table grid column, or sheet column).
    pub col: u32,
    /// Columns the cell covers (merged cells, `gridSpan`); at least 1.
    pub width: u32,
    /// The text as shown: paragraphs joined by `\n`, numbers and dates as
    /// their format shows them.
    pub text: String,
    /// Stretches of `text` that are not plain, in order.
    pub spans: Vec<Span>,
    /// The look of the whole cell (spreadsheet cell style, shading).
    pub look: Look,
    pub typed: Typed,
}

impl Cell {
    pub fn text(col: u32, text: impl Into<String>) -> Cell {
        Cell {
            col,
            width: 1,
            text: text.into(),
            ..Cell::default()
        }
    }

    /// The look of the byte range `start..end` of the text: the cell's look
    /// with the look shared by most of its letters laid over it.
    pub fn look_of(&self, start: usize, end: usize) -> Look {
        let letters = |a: usize, b: usize| {
            self.text
                .get(a..b)
                .map_or(0, |t| t.chars().filter(|c| c.is_alphanumeric()).count())
        };
        let total = letters(start, end);
        if total == 0 || self.spans.is_empty() {
            return self.look;
        }
        // Looks by how many letters they cover.
        let mut counts: Vec<(Look, usize)> = Vec::new();
        let mut covered = 0;
        for s in &self.spans {
            let (a, b) = ((s.start as usize).max(start), (s.end as usize).min(end));
            if a >= b {
                continue;
            }
            let n = letters(a, b);
            covered += n;
            match counts.iter_mut().find(|(l, _)| *l == s.look) {
                Some((_, c)) => *c += n,
                None => counts.push((s.look, n)),
            }
        }
        counts.push((Look::default(), total.saturating_sub(covered)));
        let best = counts
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .map(|(l, _)| l)
            .unwrap_or_default();
        self.look.over(best)
    }
}

/// A row of a table or sheet, or a paragraph outside any table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    /// Non-empty cells, left to right (empty cells are left out; `col`
    /// keeps the positions).
    pub cells: Vec<Cell>,
    /// Which table the row belongs to (1, 2, …; each sheet is one table);
    /// 0 for a paragraph outside any table.
    pub table: u32,
    /// Row number in the sheet (gaps are empty rows); for documents, the
    /// position in reading order.
    pub line: u32,
}

impl Row {
    pub fn is_empty(&self) -> bool {
        self.cells.iter().all(|c| c.text.trim().is_empty())
    }
}

/// What the format readers hand to the form interpreter: the document (or
/// one sheet) as rows of cells in reading order, each cell with its text as
/// shown, where it stands and how it looks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Grid {
    /// A name for messages (sheet name for workbooks).
    pub name: String,
    pub rows: Vec<Row>,
    /// A sheet the workbook hides.
    pub hidden: bool,
    /// Problems met while reading that did not stop the reading.
    pub notes: Vec<String>,
}

impl Grid {
    /// True for a spreadsheet sheet, where row numbers are the sheet's and
    /// an empty row is a gap (documents are named "document").
    pub fn is_sheet(&self) -> bool {
        self.name != "document"
    }

    /// The rows as plain text cells (tests and debugging).
    pub fn texts(&self) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .map(|r| r.cells.iter().map(|c| c.text.clone()).collect())
            .collect()
    }
}
