//! The forms as the reader sees them, built once from the call definition
//! in use (`crate::call`): for each kind, the fields in form order with
//! their stable key, printed label, type and the options of choice fields;
//! the other labels people retype (aliases) and the English, Spanish and
//! Portuguese ones of translated forms; the title and the rest of the
//! printed text, which is the blank form and never an answer. The words of
//! people's habits that belong to no call (marks typed beside an option,
//! the words that say "this is a form") are here too.

use std::sync::OnceLock;

use super::model::Kind;
use crate::call::{self, CallFile, FieldTypeName, Langs};

/// The type of a field, which decides how its raw text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    LongText,
    Email,
    /// Kept exactly as written (leading 0 and + kept).
    Phone,
    /// A date (stored YYYY-MM-DD when it reads as one).
    Date,
    /// One option of the list (yes/no and time slots are choices too: see
    /// [`FieldSpec::boolean`] and [`FieldSpec::slot`]).
    Choice(&'static [Opt]),
    /// Any number of options of the list.
    Choices(&'static [Opt]),
}

impl FieldType {
    /// The options of a choice field.
    pub fn options(self) -> Option<&'static [Opt]> {
        match self {
            FieldType::Choice(o) | FieldType::Choices(o) => Some(o),
            _ => None,
        }
    }
}

/// A language forms are translated into by international partners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    Fr,
    En,
    Es,
    Pt,
}

impl Lang {
    /// The language's name in the warnings staff read.
    pub fn name_fr(self) -> &'static str {
        match self {
            Lang::Fr => "français",
            Lang::En => "anglais",
            Lang::Es => "espagnol",
            Lang::Pt => "portugais",
        }
    }
}

/// One option of a choice field: the label printed on the form, the stored
/// value, shorter ways people write it (the label's head, a time), and how
/// translated forms print it (English, Spanish, Portuguese).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opt {
    pub label: &'static str,
    pub value: &'static str,
    pub aliases: &'static [&'static str],
    pub en: &'static [&'static str],
    pub es: &'static [&'static str],
    pub pt: &'static [&'static str],
}

impl Opt {
    /// Every name of the option with its language, the printed label first.
    pub fn names(&self) -> impl Iterator<Item = (&'static str, Lang)> {
        std::iter::once((self.label, Lang::Fr))
            .chain(self.aliases.iter().map(|a| (*a, Lang::Fr)))
            .chain(self.en.iter().map(|a| (*a, Lang::En)))
            .chain(self.es.iter().map(|a| (*a, Lang::Es)))
            .chain(self.pt.iter().map(|a| (*a, Lang::Pt)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub key: &'static str,
    pub label: &'static str,
    /// Other labels seen on older or retyped forms.
    pub aliases: &'static [&'static str],
    /// Labels of the forms translated into English, Spanish and Portuguese.
    pub en: &'static [&'static str],
    pub es: &'static [&'static str],
    pub pt: &'static [&'static str],
    pub ty: FieldType,
    pub required: bool,
    /// A yes/no field: its answer is stored as a boolean.
    pub boolean: bool,
    /// The kind's wanted time slot.
    pub slot: bool,
}

impl FieldSpec {
    /// Every label of the field with its language, the printed one first.
    pub fn labels(&self) -> impl Iterator<Item = (&'static str, Lang)> {
        std::iter::once((self.label, Lang::Fr))
            .chain(self.aliases.iter().map(|a| (*a, Lang::Fr)))
            .chain(self.en.iter().map(|a| (*a, Lang::En)))
            .chain(self.es.iter().map(|a| (*a, Lang::Es)))
            .chain(self.pt.iter().map(|a| (*a, Lang::Pt)))
    }
}

/// Words people type beside an option to say "this one" while leaving its
/// printed box empty ("☐ Commune oui", "☐ Región  sí"), in every language
/// of the forms; compared folded, as a whole word after the option or alone
/// in the next cell. A word that is itself an option of the field (Oui for
/// "Membre de Cités Unies France") is read as that option, never as a mark.
pub const MARK_WORDS: &[(&str, Lang)] = &[
    ("x", Lang::Fr),
    ("oui", Lang::Fr),
    ("ok", Lang::Fr),
    ("choisi", Lang::Fr),
    ("retenu", Lang::Fr),
    ("coché", Lang::Fr),
    ("yes", Lang::En),
    ("selected", Lang::En),
    ("chosen", Lang::En),
    ("sí", Lang::Es),
    ("si", Lang::Es),
    ("elegido", Lang::Es),
    ("seleccionado", Lang::Es),
    ("sim", Lang::Pt),
    ("escolhido", Lang::Pt),
    ("selecionado", Lang::Pt),
];

/// The reader's tables, built once from the definition in use. Strings are
/// leaked: the definition lives as long as the process.
struct Tables {
    kinds: Vec<KindTables>,
    lists: std::collections::HashMap<String, &'static [Opt]>,
    common: &'static [FieldSpec],
    form_text: &'static [&'static str],
}

struct KindTables {
    fields: &'static [FieldSpec],
    title: &'static str,
    title_names: &'static [(&'static str, Lang)],
    distinctive: &'static [&'static str],
}

fn leak_str(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

fn leak_list(v: &[String]) -> &'static [&'static str] {
    Box::leak(
        v.iter()
            .map(|s| leak_str(s))
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    )
}

fn names(l: &Langs) -> Vec<(&'static str, Lang)> {
    let one = |v: &[String], lang: Lang| {
        v.iter()
            .map(move |s| (leak_str(s), lang))
            .collect::<Vec<_>>()
    };
    let mut out = one(&l.fr, Lang::Fr);
    out.extend(one(&l.en, Lang::En));
    out.extend(one(&l.es, Lang::Es));
    out.extend(one(&l.pt, Lang::Pt));
    out
}

fn build(call: &CallFile) -> Tables {
    use std::collections::HashMap;
    let mut lists: HashMap<String, &'static [Opt]> = HashMap::new();
    for (name, opts) in &call.options {
        let built: Vec<Opt> = opts
            .iter()
            .map(|o| Opt {
                label: leak_str(&o.label),
                value: leak_str(&o.value),
                aliases: leak_list(&o.aliases.fr),
                en: leak_list(&o.aliases.en),
                es: leak_list(&o.aliases.es),
                pt: leak_list(&o.aliases.pt),
            })
            .collect();
        lists.insert(name.clone(), &*Box::leak(built.into_boxed_slice()));
    }
    let mut by_id: HashMap<&str, FieldSpec> = HashMap::new();
    for f in &call.fields {
        let opts = f
            .options
            .as_deref()
            .and_then(|o| lists.get(o).copied())
            .unwrap_or(&[]);
        let ty = match f.ty {
            FieldTypeName::Text => FieldType::Text,
            FieldTypeName::LongText => FieldType::LongText,
            FieldTypeName::Email => FieldType::Email,
            FieldTypeName::Phone => FieldType::Phone,
            FieldTypeName::Date => FieldType::Date,
            FieldTypeName::Choices => FieldType::Choices(opts),
            FieldTypeName::YesNo | FieldTypeName::Choice | FieldTypeName::TimeSlot => {
                FieldType::Choice(opts)
            }
        };
        by_id.insert(
            f.id.as_str(),
            FieldSpec {
                key: leak_str(f.key()),
                label: leak_str(&f.label),
                aliases: leak_list(&f.aliases.fr),
                en: leak_list(&f.aliases.en),
                es: leak_list(&f.aliases.es),
                pt: leak_list(&f.aliases.pt),
                ty,
                required: f.required,
                boolean: f.ty == FieldTypeName::YesNo,
                slot: f.ty == FieldTypeName::TimeSlot,
            },
        );
    }
    let kinds: Vec<KindTables> = call
        .kinds
        .iter()
        .map(|k| KindTables {
            fields: Box::leak(
                k.fields
                    .iter()
                    .filter_map(|id| by_id.get(id.as_str()).copied())
                    .collect::<Vec<_>>()
                    .into_boxed_slice(),
            ),
            title: leak_str(&k.title),
            title_names: Box::leak(names(&k.title_names).into_boxed_slice()),
            distinctive: leak_list(&k.distinctive),
        })
        .collect();
    // The fields every form starts with, alike: what can be read when the
    // kind cannot be told.
    let common: Vec<FieldSpec> = match kinds.split_first() {
        None => Vec::new(),
        Some((first, rest)) => first
            .fields
            .iter()
            .enumerate()
            .take_while(|(i, f)| rest.iter().all(|k| k.fields.get(*i) == Some(*f)))
            .map(|(_, f)| *f)
            .collect(),
    };
    Tables {
        kinds,
        common: Box::leak(common.into_boxed_slice()),
        form_text: leak_list(
            &call
                .printed_text
                .iter()
                .cloned()
                .chain([LEGEND_REQUIRED.to_string(), LEGEND_SEVERAL.to_string()])
                .collect::<Vec<_>>(),
        ),
        lists,
    }
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| build(call::current()))
}

fn kind_tables(kind: Kind) -> Option<&'static KindTables> {
    tables().kinds.get(kind.index())
}

/// The fields of a kind, in form order.
pub fn fields(kind: Kind) -> &'static [FieldSpec] {
    kind_tables(kind).map(|k| k.fields).unwrap_or(&[])
}

/// The fields all forms share at their head (used when the kind cannot be
/// told).
pub fn common_fields() -> &'static [FieldSpec] {
    tables().common
}

pub fn field(kind: Kind, key: &str) -> Option<&'static FieldSpec> {
    fields(kind).iter().find(|f| f.key == key)
}

/// The kind's wanted-slot field, when it has one.
pub fn slot_field(kind: Kind) -> Option<&'static FieldSpec> {
    fields(kind).iter().find(|f| f.slot)
}

/// The title line printed at the top of each form.
pub fn title(kind: Kind) -> &'static str {
    kind_tables(kind).map(|k| k.title).unwrap_or("")
}

/// Words that name a form in its title line, in French and in the
/// translations people make (compared folded, as whole words).
pub fn title_names(kind: Kind) -> &'static [(&'static str, Lang)] {
    kind_tables(kind).map(|k| k.title_names).unwrap_or(&[])
}

/// Words of a title line that say it is the form (not a sentence that
/// happens to name it).
pub const FORM_WORDS: &[&str] = &[
    "fiche de renseignement",
    "fiche de renseignements",
    "fiche d inscription",
    "information form",
    "information sheet",
    "registration form",
    "application form",
    "ficha de informacion",
    "ficha de inscripcion",
    "formulario",
    "ficha de informacao",
    "ficha de informacoes",
    "ficha de inscricao",
];

/// The legend `fiches templates` prints under its forms' table: what « * »
/// means, and which fields take several answers (that line goes on with
/// their labels). The reader knows them as the form's own text.
pub const LEGEND_REQUIRED: &str = "* : rubrique obligatoire.";
pub const LEGEND_SEVERAL: &str =
    "Plusieurs réponses possibles (cocher toutes les cases voulues) pour :";

/// The rest of the printed text of the blank forms (all kinds): headings,
/// instructions, address. Never an answer, never "text beyond the form".
/// Compared folded; a cell that starts with one of the longer ones (the
/// instructions) is the form's too.
pub fn form_text() -> &'static [&'static str] {
    tables().form_text
}

/// Labels only one form has: they tell the kind when the title is gone.
pub fn distinctive_keys(kind: Kind) -> &'static [&'static str] {
    kind_tables(kind).map(|k| k.distinctive).unwrap_or(&[])
}

/// The options of the list named `name` in the definition in use (empty
/// when it has none).
pub fn options(name: &str) -> &'static [Opt] {
    tables().lists.get(name).copied().unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_per_kind() {
        for kind in Kind::all() {
            let mut keys: Vec<_> = fields(kind).iter().map(|f| f.key).collect();
            keys.sort();
            let n = keys.len();
            keys.dedup();
            assert_eq!(n, keys.len(), "{kind}");
        }
    }

    /// One table, no clash: a label (in any language, folded as the reader
    /// folds it) names one field of a form, and is never an option's name
    /// (a printed option alone in a cell must not read as a label).
    #[test]
    fn translated_labels_and_choice_words_never_clash() {
        use crate::fiche::text::{fold, fold_label};
        use std::collections::HashMap;
        let mut options = HashMap::new();
        for kind in Kind::all() {
            for s in fields(kind) {
                if let FieldType::Choice(opts) = s.ty {
                    for o in opts {
                        for (n, _) in o.names() {
                            options.insert(fold(n), (s.key, o.value));
                        }
                    }
                }
            }
        }
        for kind in Kind::all() {
            let mut seen: HashMap<String, &str> = HashMap::new();
            for s in fields(kind) {
                for (label, _) in s.labels() {
                    let f = fold_label(label);
                    if let Some(other) = seen.insert(f.clone(), s.key) {
                        assert_eq!(other, s.key, "{kind}: « {label} » names two fields");
                    }
                    assert!(
                        !options.contains_key(&f),
                        "{kind}: label « {label} » is also the option {:?}",
                        options[&f]
                    );
                }
            }
        }
        // Within a field, no option name is another option's.
        for kind in Kind::all() {
            for s in fields(kind) {
                if let FieldType::Choice(opts) = s.ty {
                    let mut seen: HashMap<String, &str> = HashMap::new();
                    for o in opts {
                        for (n, _) in o.names() {
                            if let Some(v) = seen.insert(fold(n), o.value) {
                                assert_eq!(v, o.value, "{}: « {n} » names two options", s.key);
                            }
                        }
                    }
                }
            }
        }
        // A mark word that is an option is read as the option (Oui, Sí…).
        for (w, _) in MARK_WORDS {
            assert!(!fold(w).is_empty());
        }
    }

    #[test]
    fn micro_and_bourse_have_spec_field_counts() {
        assert_eq!(fields(Kind::MicroAtelier).len(), 18);
        assert_eq!(fields(Kind::BourseProjets).len(), 17);
    }
}
