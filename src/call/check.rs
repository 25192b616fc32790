//! Reads a definition's text and checks that it holds together: unique
//! keys, fields and option lists that exist, slots that exist in the
//! programme, a member field that is a yes/no. Every problem names the
//! line of the file it is on. Label collisions, which depend on how the
//! reader folds text, are checked by `fiche::spec::check_labels`.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::file::{CallFile, FieldTypeName, KindDef};

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
            message: syntax_message(&e),
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

fn syntax_message(e: &toml::de::Error) -> String {
    let m = e.message().trim().to_string();
    if let Some(rest) = m.strip_prefix("missing field ") {
        format!("champ obligatoire manquant : {rest}")
    } else if let Some(rest) = m.strip_prefix("unknown field ") {
        format!("champ inconnu : {rest}")
    } else if let Some(rest) = m.strip_prefix("unknown variant ") {
        format!("valeur inconnue : {rest}")
    } else {
        format!("syntaxe TOML : {m}")
    }
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map(|t| t.matches('\n').count() + 1)
        .unwrap_or(0)
}

/// The line where `name = "value"` (or `"value"` in a list) first appears
/// after the line of `after` (a table's own key), else anywhere; 0 when not
/// found. Good enough to point a person at the right place.
fn find_line(text: &str, value: &str, after: usize) -> usize {
    let quoted = format!("\"{value}\"");
    let mut first = 0;
    for (i, l) in text.lines().enumerate() {
        let code = l.split('#').next().unwrap_or("");
        if code.contains(&quoted) {
            if i + 1 >= after {
                return i + 1;
            }
            if first == 0 {
                first = i + 1;
            }
        }
    }
    first
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
    let mut out = Vec::new();
    let out_ref = std::cell::RefCell::new(&mut out);
    let p = |line: usize, message: String| out_ref.borrow_mut().push(Problem { line, message });

    if call.kinds.is_empty() {
        p(
            0,
            "aucun type de proposition ([[kinds]]) : il en faut au moins un".into(),
        );
    }
    // Option lists.
    for (name, opts) in &call.options {
        let at = find_line(text, "", 0).max(
            text.lines()
                .position(|l| l.trim_start().starts_with(&format!("[[options.{name}]]")))
                .map(|i| i + 1)
                .unwrap_or(0),
        );
        if opts.is_empty() {
            p(at, format!("la liste d'options « {name} » est vide"));
        }
        let mut values = HashSet::new();
        for o in opts {
            if o.value.trim().is_empty() || o.label.trim().is_empty() {
                p(
                    find_line(text, &o.label, at),
                    format!("option de « {name} » sans libellé ou sans valeur"),
                );
            }
            if !values.insert(o.value.as_str()) {
                p(
                    find_line(text, &o.value, at),
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
    for f in &call.fields {
        let at = find_line(text, &f.id, 0);
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
            p(at, format!("le champ « {} » n'a pas de libellé", f.id));
        }
        match (&f.options, f.ty.has_options()) {
            (Some(list), true) => match call.options.get(list) {
                None => p(
                    find_line(text, list, at),
                    format!(
                        "le champ « {} » renvoie à la liste d'options « {list} », qui n'existe pas",
                        f.id
                    ),
                ),
                Some(opts) if f.ty == FieldTypeName::YesNo => {
                    let vals: BTreeSet<&str> = opts.iter().map(|o| o.value.as_str()).collect();
                    if vals != BTreeSet::from(["true", "false"]) {
                        p(
                            find_line(text, list, at),
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
                at,
                format!(
                    "le champ « {} » est de type {} : il lui faut `options = \"…\"`",
                    f.id,
                    f.ty.name()
                ),
            ),
            (Some(_), false) => p(
                at,
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
    for k in &call.kinds {
        let at = find_line(text, &k.key, 0);
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
        let mut q = |l: usize, m: String| p(l, m);
        check_kind(call, k, text, at, &mut q);
    }
    // Titles of two kinds must not be alike.
    let mut titles: HashMap<String, &str> = HashMap::new();
    for k in &call.kinds {
        for name in std::iter::once(&k.title)
            .chain(k.title_names.fr.iter())
            .chain(&k.title_names.en)
            .chain(&k.title_names.es)
            .chain(&k.title_names.pt)
        {
            let n = name.to_lowercase();
            if let Some(other) = titles.insert(n, &k.key)
                && other != k.key
            {
                p(
                    find_line(text, name, 0),
                    format!("« {name} » nomme deux types ({other} et {})", k.key),
                );
            }
        }
    }
    out
}

fn check_kind(
    call: &CallFile,
    k: &KindDef,
    text: &str,
    at: usize,
    p: &mut impl FnMut(usize, String),
) {
    let mut fields = Vec::new();
    let mut keys = HashSet::new();
    for id in &k.fields {
        match call.fields.iter().find(|f| &f.id == id) {
            None => p(
                find_line(text, id, at),
                format!(
                    "le type « {} » liste le champ « {id} », qui n'est pas défini ([[fields]])",
                    k.key
                ),
            ),
            Some(f) => {
                if !keys.insert(f.key()) {
                    p(
                        find_line(text, id, at),
                        format!("le type « {} » a deux champs de clé « {} »", k.key, f.key()),
                    );
                }
                fields.push(f);
            }
        }
    }
    if k.fields.is_empty() {
        p(at, format!("le type « {} » n'a aucun champ", k.key));
    }
    let field = |key: &str| fields.iter().find(|f| f.key() == key).copied();
    let mut must_be = |what: &str, key: &str, ty: Option<FieldTypeName>| match field(key) {
        None => p(
            find_line(text, key, at),
            format!("{what} « {key} » n'est pas un champ du type « {} »", k.key),
        ),
        Some(f) => {
            if let Some(ty) = ty
                && f.ty != ty
            {
                p(
                    find_line(text, key, at),
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
            Some(FieldTypeName::TimeSlot),
        );
    }
    if let Some(m) = &k.member_field {
        must_be(
            "le champ d'adhésion (member_field)",
            m,
            Some(FieldTypeName::YesNo),
        );
    }
    must_be("le champ titre (title_field)", &k.title_field, None);
    if let Some(d) = &k.description_field {
        must_be("le champ description (description_field)", d, None);
    }
    for f in &k.public_fields {
        must_be("le champ public", f, None);
    }
    if let Some(o) = &k.organisation_field {
        must_be("le champ organisation (organisation_field)", o, None);
    }
    for f in &k.distinctive {
        must_be("le champ distinctif", f, None);
    }
    // Programme.
    let g = &k.programme;
    let mut slots = HashSet::new();
    for s in &g.slots {
        if !is_hhmm(s) {
            p(
                find_line(text, s, at),
                format!(
                    "créneau « {s} » du type « {} » : écrire HH:MM (14:00)",
                    k.key
                ),
            );
        }
        if !slots.insert(s.as_str()) {
            p(
                find_line(text, s, at),
                format!(
                    "créneau « {s} » deux fois dans le programme du type « {} »",
                    k.key
                ),
            );
        }
    }
    if g.minutes == 0 || g.minutes > 24 * 60 {
        p(
            at,
            format!(
                "durée des créneaux du type « {} » invalide ({} min)",
                k.key, g.minutes
            ),
        );
    }
    let mut places = HashSet::new();
    for pl in &g.places {
        if !places.insert(pl.as_str()) {
            p(
                find_line(text, pl, at),
                format!(
                    "lieu « {pl} » deux fois dans le programme du type « {} »",
                    k.key
                ),
            );
        }
    }
    if g.slots.is_empty() || g.places.is_empty() {
        p(
            at,
            format!(
                "le programme du type « {} » n'a aucun créneau ou aucun lieu",
                k.key
            ),
        );
    }
    // The slot field's options are the programme's slots (plus "any").
    if let Some(f) = k.slot_field.as_deref().and_then(field)
        && let Some(opts) = f.options.as_deref().and_then(|o| call.options.get(o))
    {
        for o in opts {
            if o.value != "any" && !slots.contains(o.value.as_str()) {
                p(
                    find_line(text, &o.value, 0),
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
        for s in &g.slots {
            if !opts.iter().any(|o| &o.value == s) {
                p(
                    find_line(text, s, at),
                    format!(
                        "le créneau {s} du programme du type « {} » n'a pas d'option dans la liste « {} »",
                        k.key,
                        f.options.as_deref().unwrap_or("")
                    ),
                );
            }
        }
    }
}
