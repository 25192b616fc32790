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
    /// Which fields, common to every form, play a part in the program.
    pub roles: Roles,
    /// The kinds of proposal, in the order staff see them.
    pub kinds: Vec<KindDef>,
    /// The fields, referenced by `id` from each kind's `fields`.
    pub fields: Vec<FieldDef>,
    /// Option lists of choice fields, by name (`options = "themes"`).
    pub options: BTreeMap<String, Vec<OptionDef>>,
    /// Keys renamed since proposals were stored under the old ones: what
    /// `fiches check-call FILE --apply` moves, once, in the database.
    #[serde(default, skip_serializing_if = "is_default")]
    pub renames: Renames,
}

/// `[renames]`: new key ← old key, for a call that already has proposals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Renames {
    /// `[renames.kinds]`: `new_kind = "old_kind"`.
    #[serde(default)]
    pub kinds: BTreeMap<String, String>,
    /// `[renames.fields]`: `kind = { new_key = "old_key" }`, the kind by
    /// its key in this definition.
    #[serde(default)]
    pub fields: BTreeMap<String, BTreeMap<String, String>>,
}

impl CallFile {
    pub(crate) fn empty() -> CallFile {
        CallFile::default()
    }
}

/// The keys of the fields every form has that the program uses: who
/// proposes (for lists, letters and the members check) and whom to write to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    /// The organisation's name.
    pub organisation: String,
    /// Its type (a choice: commune, région…), for the article of its name
    /// in letters ("de la Ville de…").
    pub organisation_type: String,
    /// Its country.
    pub country: String,
    /// The contact's e-mail address (letters go there).
    pub contact_email: String,
    /// The contact's civility (Madame, Monsieur), when the form asks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub civility: Option<String>,
    /// The contact's first name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// The contact's last name ("Madame Martin").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
}

/// One kind of proposal (a form of its own, a programme of its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindDef {
    /// The stable key stored in the database, JSON and exports.
    pub key: String,
    /// The name staff know it by ("Micro-atelier").
    pub label: String,
    /// A short name for narrow columns ("Micro"), at most 8 characters.
    pub short: String,
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
    /// The key of the choice field shown as the proposal's theme in the
    /// console, and spread over the slots by a suggestion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme_field: Option<String>,
    /// The key of the field that describes the proposal (shown to staff
    /// and quoted in letters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description_field: Option<String>,
    /// How the letters speak of this kind (all optional).
    #[serde(default, skip_serializing_if = "is_default")]
    pub wording: WordingDef,
    pub programme: ProgrammeDef,
}

impl KindDef {
    /// The suffix of this kind's letter variants (`accepte-SUFFIX.txt`):
    /// `letters`, else the key with hyphens (`table_ronde` → `table-ronde`).
    pub fn letters_suffix(&self) -> String {
        self.letters
            .clone()
            .unwrap_or_else(|| self.key.replace('_', "-"))
    }
}

/// The words of the letters for one kind. The defaults are made from the
/// noun: "votre micro-atelier est replacé sur liste d'attente", "qu'il n'y
/// figure plus", "change de lieu".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WordingDef {
    /// The kind in a letter's sentence (`{type}`: "votre {type}"); default
    /// `noun`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noun: Option<String>,
    /// That noun is feminine ("la table ronde … proposée …, elle").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub feminine: bool,
    /// What a change of place is called ("change de lieu", "nouveau
    /// lieu"); default "lieu".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_change: Option<String>,
    /// That word is feminine ("nouvelle table").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub place_change_feminine: bool,
    /// The field whose answer follows a choice title in letters
    /// ("appel à coopération : Maroc").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_detail: Option<String>,
    /// A cancellation's subject when the proposal goes back on the waiting list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waitlisted_subject: Option<String>,
    /// A cancellation's first paragraph then (`{rang}`: its rank, "2e").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waitlisted_text: Option<String>,
    /// A cancellation's first paragraph when the organisation withdrew it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_text: Option<String>,
    /// A cancellation's first sentence when it is refused (the reason follows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused_text: Option<String>,
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
