//! The shape of a call definition file (`call.toml`), as serde reads it.
//! Checked and resolved by `check`; nothing here interprets it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Names in the four languages the forms are translated into. French
/// first; the others are what translated forms print.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Langs {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fr: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub en: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub es: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pt: Vec<String>,
}

/// A whole definition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallFile {
    /// What the call is (for messages and the templates' header).
    pub name: String,
    /// The rest of the printed text of the blank forms (headings,
    /// instructions, address): never an answer. Compared folded; a cell
    /// that starts with one of the longer ones is the form's too.
    #[serde(default)]
    pub printed_text: Vec<String>,
    /// The kinds of proposal, in the order staff see them.
    pub kinds: Vec<KindDef>,
    /// The fields, referenced by `id` from each kind's `fields`.
    pub fields: Vec<FieldDef>,
    /// Option lists of choice fields, by name (`options = "themes"`).
    pub options: BTreeMap<String, Vec<OptionDef>>,
}

impl CallFile {
    pub(crate) fn empty() -> CallFile {
        CallFile::default()
    }
}

/// One kind of proposal (a form of its own, a programme of its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindDef {
    /// The stable key stored in the database, JSON and exports.
    pub key: String,
    /// The name staff know it by ("Micro-atelier").
    pub label: String,
    /// In a sentence: "un micro-atelier", "le rendez-vous"; the noun alone
    /// ("micro-atelier", "rendez-vous de la bourse aux projets").
    pub noun: String,
    /// Plural heading of the public lists ("Micro-ateliers").
    pub plural: String,
    /// Suffix of this kind's letter variants (`accepte-bourse.txt`), when
    /// it has its own wording.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub letters: Option<String>,
    /// The title line printed at the top of the form.
    pub title: String,
    /// Words that name the form in its title line, in each language
    /// (compared folded, as whole words).
    pub title_names: Langs,
    /// Keys of fields only this form has, the most telling first: they
    /// tell the kind when the title is gone.
    pub distinctive: Vec<String>,
    /// The field ids of the form, in form order.
    pub fields: Vec<String>,
    /// The key of the field holding the wanted time slot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot_field: Option<String>,
    /// The key of the yes/no field saying the organisation is a member
    /// (members first when oversubscribed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_field: Option<String>,
    /// The key of the field naming the proposal in lists (its title).
    pub title_field: String,
    /// The keys shown in the public lists, in order, after the slot and
    /// the place (each under its `public_label`, or its label).
    #[serde(default)]
    pub public_fields: Vec<String>,
    /// The key of the field naming who proposes (the changelog names an
    /// item by it; "proposition n° 12" when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation_field: Option<String>,
    /// The key of the field that describes the proposal (shown to staff
    /// and quoted in letters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description_field: Option<String>,
    pub programme: ProgrammeDef,
}

/// A kind's programme grid: slots × places.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeDef {
    /// Start times of the slots (HH:MM), as stored in the slot field.
    pub slots: Vec<String>,
    /// Length of one slot, minutes.
    pub minutes: u32,
    /// The places running in parallel in each slot.
    pub places: Vec<String>,
    /// What one place is called ("espace", "table").
    pub place_word: String,
}

/// The types a field can have; they decide how its answer is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldTypeName {
    Text,
    LongText,
    Email,
    /// Kept exactly as written (leading 0 and + kept).
    Phone,
    /// Oui / Non, stored as a boolean.
    YesNo,
    /// One option of a list.
    Choice,
    /// Any number of options of a list (stored comma-separated).
    Choices,
    /// A date, stored YYYY-MM-DD when it can be read.
    Date,
    /// One of the kind's programme slots (or "any").
    TimeSlot,
}

impl FieldTypeName {
    /// Types whose answer is one or more options of a list.
    pub fn has_options(self) -> bool {
        matches!(
            self,
            FieldTypeName::YesNo
                | FieldTypeName::Choice
                | FieldTypeName::Choices
                | FieldTypeName::TimeSlot
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            FieldTypeName::Text => "text",
            FieldTypeName::LongText => "long_text",
            FieldTypeName::Email => "email",
            FieldTypeName::Phone => "phone",
            FieldTypeName::YesNo => "yes_no",
            FieldTypeName::Choice => "choice",
            FieldTypeName::Choices => "choices",
            FieldTypeName::Date => "date",
            FieldTypeName::TimeSlot => "time_slot",
        }
    }
}

/// One field of one or more forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// Unique in the file; kinds list their fields by it.
    pub id: String,
    /// The stable key stored (defaults to `id`): two kinds may each have a
    /// field `theme` with their own options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The label printed on the form.
    pub label: String,
    /// The column heading in the public lists, when shorter than `label`
    /// ("Titre" for "Titre du projet ou de la démarche").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_label: Option<String>,
    /// Other labels seen on older or retyped forms (French) and on
    /// translated ones.
    #[serde(default, skip_serializing_if = "is_default")]
    pub aliases: Langs,
    #[serde(rename = "type")]
    pub ty: FieldTypeName,
    /// The option list (`[options.NAME]`) of a choice field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<String>,
    #[serde(default)]
    pub required: bool,
}

impl FieldDef {
    /// The key the answer is stored under.
    pub fn key(&self) -> &str {
        self.key.as_deref().unwrap_or(&self.id)
    }

    /// The column heading in the public lists.
    pub fn public_heading(&self) -> &str {
        self.public_label.as_deref().unwrap_or(&self.label)
    }
}

/// One option of a choice list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionDef {
    /// As printed on the form.
    pub label: String,
    /// As stored.
    pub value: String,
    /// Shorter ways people write it, and translated forms' names.
    #[serde(default, skip_serializing_if = "is_default")]
    pub aliases: Langs,
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}
