//! Reads a definition's text and checks that it holds together: unique
//! keys, fields and option lists that exist, slots that exist in the
//! programme, a member field that is a yes/no. Every problem names the
//! line of the file it is on. Label collisions, which depend on how the
//! reader folds text, are checked by `fiche::spec::check_labels`.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::file::{CallFile, FieldTypeName};

/// One thing wrong in a definition, with the line it is on (1-based; 0
/// when it concerns the whole file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "ligne {} : {}", self.line, self.message)
        } else {
            f.write_str(&self.message)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("définition de l'appel {path} illisible : {reason}")]
    Read { path: String, reason: String },
    #[error(
        "définition de l'appel {path} invalide :\n{}\nCorriger le fichier puis relancer `fiches check-call {path}`.",
        problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
    )]
    Invalid {
        path: String,
        problems: Vec<Problem>,
    },
}

impl CallError {
    pub fn problems(&self) -> &[Problem] {
        match self {
            CallError::Read { .. } => &[],
            CallError::Invalid { problems, .. } => problems,
        }
    }
}

/// Parses `text` (named `path` in messages) and checks it.
pub fn check_text(text: &str, path: &str) -> Result<CallFile, CallError> {
    let call: CallFile = toml::from_str(text).map_err(|e| CallError::Invalid {
        path: path.to_string(),
        problems: vec![Problem {
            line: e.span().map(|s| line_of(text, s.start)).unwrap_or(0),
            message: syntax_message(text, &e),
        }],
    })?;
    let problems = check(&call, text);
    if problems.is_empty() {
        Ok(call)
    } else {
        Err(CallError::Invalid {
            path: path.to_string(),
            problems,
        })
    }
}

/// A parse error of a definition in French: the definition's own words
/// for a missing or unknown field or option, else the translator shared
/// with `config.toml` (section, key, the line, what to write).
fn syntax_message(text: &str, e: &toml::de::Error) -> String {
    let m = e.message().trim().to_string();
    if let Some(rest) = m.strip_prefix("missing field ") {
        format!("champ obligatoire manquant : {rest}")
    } else if let Some(rest) = m.strip_prefix("unknown field ") {
        format!("champ inconnu : {rest}")
    } else if let Some(rest) = m.strip_prefix("unknown variant ") {
        format!(
            "valeur inconnue : {}",
            rest.replace(", expected one of", " ; valeurs possibles :")
                .replace(", expected", " ; attendu :")
        )
    } else {
        // "(« [foo ») : …" → "« [foo » : …" when no key is named before.
        let what = super::toml_fr::located(text, e).1;
        match what.strip_prefix('(').and_then(|w| w.split_once(") : ")) {
            Some((line, why)) => format!("{line} : {why}"),
            None => what,
        }
    }
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map(|t| t.matches('\n').count() + 1)
        .unwrap_or(0)
}

/// One step of a path in the definition's TOML.
#[derive(Clone, Copy)]
pub enum Seg<'s> {
    Key(&'s str),
    Index(usize),
}
use Seg::{Index as I, Key as K};

/// Finds the line of a value of the definition from its path, with the
/// TOML parser's positions.
pub(crate) struct Lines<'t> {
    text: &'t str,
    doc: Option<toml::de::DeTable<'t>>,
}

impl<'t> Lines<'t> {
    pub(crate) fn new(text: &'t str) -> Lines<'t> {
        Lines {
            text,
            doc: toml::de::DeTable::parse(text).ok().map(|d| d.into_inner()),
        }
    }

    /// The line of the value at `path`, or of the deepest part of it that
    /// exists (0 when none does).
    pub(crate) fn at(&self, path: &[Seg<'_>]) -> usize {
        use toml::de::DeValue;
        let Some(doc) = &self.doc else { return 0 };
        let mut span = None;
        let mut table = Some(doc);
        let mut array: Option<&[toml::Spanned<DeValue<'_>>]> = None;
        for seg in path {
            let value = match (*seg, table, array) {
                (K(k), Some(t), _) => t.get(k),
                (I(i), _, Some(a)) => a.get(i),
                _ => None,
            };
            let Some(value) = value else { break };
            span = Some(value.span());
            table = None;
            array = None;
            match value.get_ref() {
                DeValue::Table(t) => table = Some(t),
                DeValue::Array(a) => array = Some(a),
                _ => {}
            }
        }
        span.map(|s| line_of(self.text, s.start)).unwrap_or(0)
    }
}

fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && s.starts_with(|c: char| c.is_ascii_lowercase())
}

fn is_hhmm(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 5
        && b[2] == b':'
        && s[..2].parse::<u32>().is_ok_and(|h| h < 24)
        && s[3..].parse::<u32>().is_ok_and(|m| m < 60)
        && b[..2].iter().chain(&b[3..]).all(u8::is_ascii_digit)
}

/// Every structural problem of `call` (empty when it holds together).
pub fn check(call: &CallFile, text: &str) -> Vec<Problem> {
    let lines = Lines::new(text);
    let mut out = Vec::new();
    let mut p = |line: usize, message: String| out.push(Problem { line, message });

    if call.kinds.is_empty() {
        p(
            0,
            "aucun type de proposition ([[kinds]]) : il en faut au moins un".into(),
        );
    }
    if call.kinds.len() > super::MAX_KINDS {
        p(
            lines.at(&[K("kinds"), I(super::MAX_KINDS), K("key")]),
            format!(
                "{} types de proposition : {} au plus",
                call.kinds.len(),
                super::MAX_KINDS
            ),
        );
    }
    // Option lists.
    for (name, opts) in &call.options {
        let at = lines.at(&[K("options"), K(name)]);
        if opts.is_empty() {
            p(at, format!("la liste d'options « {name} » est vide"));
        }
        let mut values = HashSet::new();
        for (i, o) in opts.iter().enumerate() {
            let here = |what| lines.at(&[K("options"), K(name), I(i), K(what)]);
            if o.value.trim().is_empty() || o.label.trim().is_empty() {
                p(
                    here("label"),
                    format!("option de « {name} » sans libellé ou sans valeur"),
                );
            }
            if !values.insert(o.value.as_str()) {
                p(
                    here("value"),
                    format!(
                        "la valeur « {} » figure deux fois dans la liste « {name} »",
                        o.value
                    ),
                );
            }
        }
    }
    // Fields.
    let mut ids: HashMap<&str, usize> = HashMap::new();
    for (fi, f) in call.fields.iter().enumerate() {
        let at = lines.at(&[K("fields"), I(fi), K("id")]);
        if !is_key(&f.id) || f.key.as_deref().is_some_and(|k| !is_key(k)) {
            p(
                at,
                format!(
                    "identifiant de champ « {} » invalide : minuscules, chiffres et _ seulement",
                    f.key()
                ),
            );
        }
        if ids.insert(&f.id, at).is_some() {
            p(at, format!("le champ « {} » est défini deux fois", f.id));
        }
        if f.label.trim().is_empty() {
            p(
                lines.at(&[K("fields"), I(fi), K("label")]),
                format!("le champ « {} » n'a pas de libellé", f.id),
            );
        }
        let list_line = lines.at(&[K("fields"), I(fi), K("options")]);
        let type_line = lines.at(&[K("fields"), I(fi), K("type")]);
        match (&f.options, f.ty.has_options()) {
            (Some(list), true) => match call.options.get(list) {
                None => p(
                    list_line,
                    format!(
                        "le champ « {} » renvoie à la liste d'options « {list} », qui n'existe pas",
                        f.id
                    ),
                ),
                Some(opts) if f.ty == FieldTypeName::YesNo => {
                    let vals: BTreeSet<&str> = opts.iter().map(|o| o.value.as_str()).collect();
                    if vals != BTreeSet::from(["true", "false"]) {
                        p(
                            list_line,
                            format!(
                                "le champ oui/non « {} » doit avoir une liste aux valeurs \"true\" et \"false\"",
                                f.id
                            ),
                        );
                    }
                }
                Some(_) => {}
            },
            (None, true) => p(
                type_line,
                format!(
                    "le champ « {} » est de type {} : il lui faut `options = \"…\"`",
                    f.id,
                    f.ty.name()
                ),
            ),
            (Some(_), false) => p(
                list_line,
                format!(
                    "le champ « {} » est de type {} : il n'a pas d'options",
                    f.id,
                    f.ty.name()
                ),
            ),
            (None, false) => {}
        }
    }
    // Kinds.
    let mut kind_keys = HashMap::new();
    for (ki, k) in call.kinds.iter().enumerate() {
        let at = lines.at(&[K("kinds"), I(ki), K("key")]);
        if !is_key(&k.key) {
            p(
                at,
                format!(
                    "clé de type « {} » invalide : minuscules, chiffres et _ seulement",
                    k.key
                ),
            );
        }
        if kind_keys.insert(k.key.as_str(), at).is_some() {
            p(at, format!("le type « {} » est défini deux fois", k.key));
        }
        check_kind(call, ki, &lines, &mut p);
    }
    // The other roles name a field of at least one kind (a typo otherwise).
    for (role, key) in [
        ("organisation_type", Some(&call.roles.organisation_type)), // not a call key: the role's name
        ("country", Some(&call.roles.country)), // not a call key: the role's name
        ("contact_email", Some(&call.roles.contact_email)), // not a call key: the role's name
        ("civility", call.roles.civility.as_ref()),
        ("first_name", call.roles.first_name.as_ref()),
        ("last_name", call.roles.last_name.as_ref()),
    ] {
        let Some(key) = key else { continue };
        let known = call.kinds.iter().any(|k| {
            k.fields
                .iter()
                .filter_map(|id| call.fields.iter().find(|f| &f.id == id))
                .any(|f| f.key() == key)
        });
        if !known && !call.kinds.is_empty() {
            p(
                lines.at(&[K("roles"), K(role)]),
                format!("[roles] {role} : « {key} » n'est le champ d'aucun type"),
            );
        }
    }
    // Titles of two kinds must not be alike.
    let mut titles: HashMap<String, &str> = HashMap::new();
    let lines = &lines;
    for (ki, k) in call.kinds.iter().enumerate() {
        let names = std::iter::once((&k.title, lines.at(&[K("kinds"), I(ki), K("title")]))).chain(
            [
                ("fr", &k.title_names.fr),
                ("en", &k.title_names.en),
                ("es", &k.title_names.es),
                ("pt", &k.title_names.pt),
            ]
            .into_iter()
            .flat_map(|(lang, list)| {
                list.iter().enumerate().map(move |(i, n)| {
                    (
                        n,
                        lines.at(&[K("kinds"), I(ki), K("title_names"), K(lang), I(i)]),
                    )
                })
            }),
        );
        for (name, line) in names {
            let n = name.to_lowercase();
            if let Some(other) = titles.insert(n, &k.key)
                && other != k.key
            {
                p(
                    line,
                    format!("« {name} » nomme deux types ({other} et {})", k.key),
                );
            }
        }
    }
    out
}

fn check_kind(call: &CallFile, ki: usize, lines: &Lines<'_>, p: &mut impl FnMut(usize, String)) {
    let k = &call.kinds[ki];
    let at = |path: &[Seg<'_>]| {
        let mut full = vec![K("kinds"), I(ki)];
        full.extend_from_slice(path);
        lines.at(&full)
    };
    let kind_line = at(&[K("key")]);
    let mut fields = Vec::new();
    let mut keys = HashSet::new();
    for (j, id) in k.fields.iter().enumerate() {
        let line = at(&[K("fields"), I(j)]);
        match call.fields.iter().find(|f| &f.id == id) {
            None => p(
                line,
                format!(
                    "le type « {} » liste le champ « {id} », qui n'est pas défini ([[fields]])",
                    k.key
                ),
            ),
            Some(f) => {
                if !keys.insert(f.key()) {
                    p(
                        line,
                        format!("le type « {} » a deux champs de clé « {} »", k.key, f.key()),
                    );
                }
                fields.push(f);
            }
        }
    }
    if k.fields.is_empty() {
        p(
            at(&[K("fields")]),
            format!("le type « {} » n'a aucun champ", k.key),
        );
    }
    if k.short.chars().count() > 8 || k.short.trim().is_empty() {
        p(
            at(&[K("short")]),
            format!(
                "short = « {} » du type « {} » : de 1 à 8 caractères",
                k.short, k.key
            ),
        );
    }
    let field = |key: &str| fields.iter().find(|f| f.key() == key).copied();
    let by_id = |id: &str| fields.iter().find(|f| f.id == id).copied();
    let mut must_be = |what: &str, key: &str, line: usize, ty: Option<FieldTypeName>| match field(
        key,
    ) {
        None => match by_id(key) {
            Some(f) => p(
                line,
                format!(
                    "{what} « {key} » : c'est l'identifiant (id) d'un champ du type « {} » ; écrire sa clé (key) : « {} »",
                    k.key,
                    f.key()
                ),
            ),
            None => p(
                line,
                format!("{what} « {key} » n'est pas un champ du type « {} »", k.key),
            ),
        },
        Some(f) => {
            if let Some(ty) = ty
                && f.ty != ty
            {
                p(
                    line,
                    format!(
                        "{what} « {key} » du type « {} » doit être de type {} (il est {})",
                        k.key,
                        ty.name(),
                        f.ty.name()
                    ),
                );
            }
        }
    };
    if let Some(s) = &k.slot_field {
        must_be(
            "le champ du créneau (slot_field)",
            s,
            at(&[K("slot_field")]),
            Some(FieldTypeName::TimeSlot),
        );
    }
    if let Some(m) = &k.member_field {
        must_be(
            "le champ d'adhésion (member_field)",
            m,
            at(&[K("member_field")]),
            Some(FieldTypeName::YesNo),
        );
    }
    must_be(
        "le champ titre (title_field)",
        &k.title_field,
        at(&[K("title_field")]),
        None,
    );
    if let Some(t) = &k.theme_field {
        must_be(
            "le champ thème (theme_field)",
            t,
            at(&[K("theme_field")]),
            None,
        );
    }
    // Every kind names who proposes; the other roles may be missing from
    // a kind's form (its letters then go to the message's sender).
    must_be(
        "[roles] organisation :",
        &call.roles.organisation,
        lines.at(&[K("roles"), K("organisation")]), // not a call key: the role's name
        None,
    );
    if let Some(d) = &k.description_field {
        must_be(
            "le champ description (description_field)",
            d,
            at(&[K("description_field")]),
            None,
        );
    }
    for (j, f) in k.public_fields.iter().enumerate() {
        must_be("le champ public", f, at(&[K("public_fields"), I(j)]), None);
    }
    for (j, f) in k.distinctive.iter().enumerate() {
        must_be(
            "le champ distinctif",
            f,
            at(&[K("distinctive"), I(j)]),
            None,
        );
    }
    // Programme.
    let g = &k.programme;
    let mut slots = HashSet::new();
    for (j, s) in g.slots.iter().enumerate() {
        let line = at(&[K("programme"), K("slots"), I(j)]);
        if !is_hhmm(s) {
            p(
                line,
                format!(
                    "créneau « {s} » du type « {} » : écrire HH:MM (14:00)",
                    k.key
                ),
            );
        }
        if !slots.insert(s.as_str()) {
            p(
                line,
                format!(
                    "créneau « {s} » deux fois dans le programme du type « {} »",
                    k.key
                ),
            );
        }
    }
    if g.place_word.trim().is_empty() {
        p(
            at(&[K("programme"), K("place_word")]),
            format!(
                "place_word du type « {} » vide : le mot qui nomme un lieu (« salle », « table »)",
                k.key
            ),
        );
    }
    if g.minutes == 0 || g.minutes > 24 * 60 {
        p(
            at(&[K("programme"), K("minutes")]),
            format!(
                "durée des créneaux du type « {} » invalide ({} min)",
                k.key, g.minutes
            ),
        );
    }
    let mut places = HashSet::new();
    for (j, pl) in g.places.iter().enumerate() {
        if !places.insert(pl.as_str()) {
            p(
                at(&[K("programme"), K("places"), I(j)]),
                format!(
                    "lieu « {pl} » deux fois dans le programme du type « {} »",
                    k.key
                ),
            );
        }
    }
    if g.slots.is_empty() || g.places.is_empty() {
        p(
            at(&[K("programme")]).max(kind_line),
            format!(
                "le programme du type « {} » n'a aucun créneau ou aucun lieu",
                k.key
            ),
        );
    }
    // The slot field's options are the programme's slots (plus "any").
    if let Some(f) = k.slot_field.as_deref().and_then(field)
        && let Some(list) = f.options.as_deref()
        && let Some(opts) = call.options.get(list)
    {
        for (i, o) in opts.iter().enumerate() {
            if o.value != "any" && !slots.contains(o.value.as_str()) {
                p(
                    lines.at(&[K("options"), K(list), I(i), K("value")]),
                    format!(
                        "l'option « {} » ({}) du créneau du type « {} » n'est pas un créneau de son programme ({})",
                        o.label,
                        o.value,
                        k.key,
                        g.slots.join(", ")
                    ),
                );
            }
        }
        for (j, s) in g.slots.iter().enumerate() {
            if !opts.iter().any(|o| &o.value == s) {
                p(
                    at(&[K("programme"), K("slots"), I(j)]),
                    format!(
                        "le créneau {s} du programme du type « {} » n'a pas d'option dans la liste « {list} »",
                        k.key
                    ),
                );
            }
        }
    }
}
