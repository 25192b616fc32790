//! The typed result of reading a fiche: its kind, its fields, the extra rows
//! nobody asked for, the warnings staff must check, and the typed error when
//! the file cannot be read at all.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Which of the two forms a fiche is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    MicroAtelier,
    BourseProjets,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::MicroAtelier, Kind::BourseProjets];

    /// The stable key used in JSON, the database and exports.
    pub fn key(self) -> &'static str {
        match self {
            Kind::MicroAtelier => "micro_atelier",
            Kind::BourseProjets => "bourse_projets",
        }
    }

    pub fn from_key(key: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.key() == key)
    }

    /// The French name staff know the form by.
    pub fn label_fr(self) -> &'static str {
        match self {
            Kind::MicroAtelier => "Micro-atelier",
            Kind::BourseProjets => "Bourse aux projets",
        }
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
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Text(String),
            Bool(bool),
        }
        Ok(match Either::deserialize(d)? {
            Either::Text(t) => Value::Text(t),
            Either::Bool(b) => Value::Bool(b),
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

/// A fiche read from a file.
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

    /// True when no field holds a value (the blank form sent back).
    pub fn is_blank(&self) -> bool {
        self.fields.is_empty() && self.extra.is_empty()
    }
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
pub enum FicheError {
    /// DOC, PDF, RTF: a real document we do not read.
    #[error(
        "format {format} non lu automatiquement : saisir la fiche à la main (ou demander une version Word .docx ou Excel .xlsx)"
    )]
    UnsupportedFormat {
        format: std::borrow::Cow<'static, str>,
    },
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

/// What the format readers hand to the form interpreter: the document as rows
/// of cells, in reading order. A table row is one block with one cell per
/// column; a paragraph outside a table is a block with one cell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grid {
    /// A name for messages (sheet name for workbooks).
    pub name: String,
    pub rows: Vec<Vec<String>>,
    /// Problems met while reading that did not stop the reading.
    pub notes: Vec<String>,
}
