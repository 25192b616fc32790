//! TOML's (and serde's) English errors in French, with the line, the
//! section and the key, and what to write instead: one translator for
//! `config.toml` and for the call definitions (`fiches check-call`).

/// A TOML error in one line, in French: "ligne N, [section] clé (« the
/// line ») : what is wrong and how to write it". TOML's own (English)
/// words are shown only for an error not translated here, as a detail.
pub fn error_text(text: &str, e: &toml::de::Error) -> String {
    match located(text, e) {
        (Some(line), what) if what.starts_with('[') || what.starts_with("clé ") => {
            format!("ligne {line}, {what}")
        }
        (Some(line), what) => format!("ligne {line} {what}"),
        (None, what) => what,
    }
}

/// The line of a TOML error (1-based, when the parser gives a place) and
/// the rest of [`error_text`]: "[section] clé (« the line ») : what is
/// wrong", for a message that names the line itself.
pub fn located(text: &str, e: &toml::de::Error) -> (Option<usize>, String) {
    let detail = e.message().trim().replace('\n', " ");
    let Some(span) = e.span() else {
        return (None, meaning(&detail, None, false));
    };
    let start = span.start.min(text.len());
    let line = text[..start].matches('\n').count() + 1;
    let content = text.lines().nth(line - 1).unwrap_or("").trim();
    let header = content.starts_with('[');
    // The key of a `key = value` line, and the table it is in.
    let key = content
        .split_once('=')
        .map(|(k, _)| k.trim())
        .filter(|k| !k.is_empty() && !header);
    let section = text
        .lines()
        .take(line)
        .filter_map(|l| {
            let l = l.trim();
            (l.starts_with('[') && l.ends_with(']')).then(|| l.to_string())
        })
        .last();
    let place = match (key, &section) {
        (Some(k), Some(s)) => format!("{s} {k} "),
        (Some(k), None) => format!("clé {k} "),
        _ => String::new(),
    };
    let shown: String = content.chars().take(80).collect();
    (
        Some(line),
        format!("{place}(« {shown} ») : {}", meaning(&detail, key, header)),
    )
}

/// What TOML's (or serde's) English message means, in French, with what to
/// write instead; for a message not known here, a French sentence with
/// TOML's words as a detail. `header`: the line is a `[section]` header.
pub fn meaning(detail: &str, key: Option<&str>, header: bool) -> String {
    let key_text = key.map_or_else(String::new, |k| format!(" de {k}"));
    // The words between backquotes: `a`, expected one of `b`, `c`.
    let quoted: Vec<&str> = detail.split('`').skip(1).step_by(2).collect();
    let first = quoted.first().copied().unwrap_or("");
    let choices = |what: &str| {
        if quoted.len() > 1 {
            format!(" ({what} possibles : {})", quoted[1..].join(", "))
        } else {
            String::new()
        }
    };
    if detail.contains("string values must be quoted") {
        return format!(
            "valeur{key_text} illisible : un texte s'écrit entre guillemets (\"…\"), un oui/non \
             s'écrit true ou false, un nombre sans guillemets"
        );
    }
    if detail.starts_with("invalid basic string") || detail.starts_with("invalid literal string") {
        return format!(
            "texte{key_text} mal fermé : il manque le guillemet de fin ({}) sur cette ligne",
            if detail.contains("literal") {
                "'"
            } else {
                "\""
            }
        );
    }
    if let Some(rest) = detail.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        let what = |t: &str| {
            let t = t.trim();
            if t.starts_with("a boolean") || t.starts_with("boolean") || t == "bool" {
                "true ou false".to_string()
            } else if t.starts_with("string") || t.starts_with("a string") {
                "un texte entre guillemets".to_string()
            } else if t.starts_with("path") {
                "un chemin entre guillemets".to_string()
            } else if [
                "integer",
                "u64",
                "i64",
                "u32",
                "usize",
                "a number",
                "an integer",
                "floating",
            ]
            .iter()
            .any(|p| t.starts_with(p))
            {
                "un nombre".to_string()
            } else if t.starts_with("a sequence") || t.starts_with("sequence") {
                "une liste [ … ]".to_string()
            } else if t.starts_with("a character") || t == "char" {
                "un seul caractère entre guillemets".to_string()
            } else if t.starts_with("map") || t.starts_with("struct") || t.starts_with("a map") {
                "une section [ … ]".to_string()
            } else if t.contains("datetime") {
                "une date sans guillemets (par exemple 2018-07-04)".to_string()
            } else {
                format!("« {t} »")
            }
        };
        // "il faut un chemin entre guillemets, pas un nombre": what to
        // write first (the key is named before, with its line).
        return format!("il faut {}, pas {}", what(expected), what(found));
    }
    if detail.starts_with("unknown field") {
        return if header {
            format!(
                "section [{first}] inconnue : vérifier son nom{}",
                choices("sections")
            )
        } else {
            format!(
                "clé « {first} » inconnue dans cette section : vérifier son nom{}",
                choices("clés")
            )
        };
    }
    if detail.starts_with("missing field") {
        return format!("clé « {first} » manquante : l'ajouter (voir la configuration d'exemple)");
    }
    if detail.contains("duplicate key") {
        return if header {
            "section écrite deux fois : n'en garder qu'une".to_string()
        } else {
            "clé écrite deux fois dans la même section : n'en garder qu'une".to_string()
        };
    }
    if detail.starts_with("unknown variant") {
        return format!("valeur « {first} » inconnue{}", choices("valeurs"));
    }
    if detail.starts_with("unclosed table") || detail.starts_with("unclosed array of tables") {
        return "en-tête de section mal fermé : il manque le crochet de fin `]`".to_string();
    }
    if detail.starts_with("unclosed array") || detail.starts_with("missing comma between array") {
        return format!(
            "liste{key_text} mal écrite : les éléments séparés par des virgules, entre `[` et `]`"
        );
    }
    if detail.starts_with("invalid table header")
        || detail.starts_with("invalid key")
        || detail.contains("expected `=`")
    {
        return "ligne mal formée : attendu `clé = valeur` ou un en-tête `[section]`".to_string();
    }
    if detail.starts_with("extra `=`") {
        return "un « = » de trop sur cette ligne : écrire `clé = valeur`".to_string();
    }
    if detail.starts_with("invalid number") || detail.starts_with("invalid integer") {
        return format!(
            "nombre{key_text} illisible : écrire les chiffres seuls, sans espace ni guillemets"
        );
    }
    format!(
        "syntaxe incorrecte sur cette ligne (comparer avec le fichier livré avec fiches) ; détail de l'analyseur TOML : {detail}"
    )
}
