//! The checks of a call definition that depend on how the reader compares
//! text (`text::fold_label` for labels and titles, `text::fold` for
//! options), and the ones `call::check` leaves: a label names one field in
//! a kind and the same key in every kind, a label is never an option's
//! name, options of a list differ once folded, the kinds' titles cannot be
//! taken one for the other, distinctive fields are the kind's own, and
//! `[renames]` names keys that exist. Every problem names the line of the
//! definition it is on (from the TOML parser's spans).

use std::collections::{BTreeMap, HashMap};

use super::text::{fold, fold_label};
use crate::call::{CallError, CallFile, FieldDef, Problem};

/// [`crate::call::check_text`], then [`check`]: the whole check of a
/// definition's text (`path` names it in messages).
/// When the structure is wrong but the file is read, the problems of
/// both are given at once, in line order.
pub fn check_all(text: &str, path: &str) -> Result<CallFile, CallError> {
    let (call, mut problems) = match crate::call::check_text(text, path) {
        Ok(call) => (call, Vec::new()),
        Err(CallError::Invalid { problems, .. }) => match toml::from_str::<CallFile>(text) {
            Ok(call) => (call, problems),
            Err(_) => {
                return Err(CallError::Invalid {
                    path: path.to_string(),
                    problems,
                });
            }
        },
        Err(e) => return Err(e),
    };
    problems.extend(check(&call, text));
    if problems.is_empty() {
        Ok(call)
    } else {
        problems.sort_by_key(|p| p.line);
        problems.dedup();
        Err(CallError::Invalid {
            path: path.to_string(),
            problems,
        })
    }
}

use crate::call::Lines;
use crate::call::Seg::{self, Index as I, Key as K};

/// Where a name of a field or an option is written: which list of names
/// (`None`: the label, else `aliases.<lang>`) and its index there.
type NameAt = (Option<&'static str>, usize);

/// Every name of a field or option (the printed label, then its aliases),
/// with where it is written.
fn names<'a>(
    label: &'a str,
    aliases: &'a crate::call::Langs,
) -> impl Iterator<Item = (&'a str, NameAt)> {
    std::iter::once((label, (None, 0))).chain(
        [
            ("fr", &aliases.fr),
            ("en", &aliases.en),
            ("es", &aliases.es),
            ("pt", &aliases.pt),
        ]
        .into_iter()
        .flat_map(|(lang, list)| {
            list.iter()
                .enumerate()
                .map(move |(i, n)| (n.as_str(), (Some(lang), i)))
        }),
    )
}

/// The path of a name written at `at` in the table at `base`.
fn name_path<'s>(base: &[Seg<'s>], at: NameAt) -> Vec<Seg<'s>> {
    let mut p = base.to_vec();
    match at {
        (None, _) => p.push(K("label")),
        (Some(lang), i) => p.extend([K("aliases"), K(lang), I(i)]),
    }
    p
}

/// Every problem of `call` (read from `text`) that [`crate::call::check_text`]
/// does not see; empty when there is none.
pub fn check(call: &CallFile, text: &str) -> Vec<Problem> {
    let lines = Lines::new(text);
    let mut out = Vec::new();
    labels(call, &lines, &mut out);
    options(call, &lines, &mut out);
    titles(call, &lines, &mut out);
    distinctive(call, &lines, &mut out);
    renames(call, &lines, &mut out);
    out.sort_by_key(|p| p.line);
    out.dedup();
    out
}

fn field_index<'c>(call: &'c CallFile, id: &str) -> Option<(usize, &'c FieldDef)> {
    call.fields.iter().enumerate().find(|(_, f)| f.id == id)
}

/// A label (folded as the reader folds a label cell) names one field per
/// kind, and the same key in every kind; it is no option's name.
fn labels(call: &CallFile, lines: &Lines<'_>, out: &mut Vec<Problem>) {
    // The folded names of every option, with their list.
    let mut option_names: HashMap<String, (&str, &str)> = HashMap::new();
    for (list, opts) in &call.options {
        for o in opts {
            for (n, _) in names(&o.label, &o.aliases) {
                option_names
                    .entry(fold(n))
                    .or_insert((list.as_str(), o.label.as_str()));
            }
        }
    }
    // Folded label → (field key, field id, kind, written name).
    let mut seen: HashMap<String, (&str, &str, &str, &str)> = HashMap::new();
    let mut checked_fields = std::collections::HashSet::new();
    // (folded label, key, other key) already said.
    let mut reported = std::collections::HashSet::new();
    for kind in &call.kinds {
        let mut in_kind: HashMap<String, (&str, &str)> = HashMap::new();
        for id in &kind.fields {
            let Some((fi, f)) = field_index(call, id) else {
                continue;
            };
            let first_time = checked_fields.insert(fi);
            let base = [K("fields"), I(fi)];
            for (name, at) in names(&f.label, &f.aliases) {
                let line = || lines.at(&name_path(&base, at));
                let folded = fold_label(name);
                if folded.is_empty() {
                    if first_time {
                        out.push(Problem {
                            line: line(),
                            message: format!(
                                "le libellé « {name} » du champ « {} » n'a ni lettre ni chiffre : le lecteur ne peut pas le reconnaître",
                                f.id
                            ),
                        });
                    }
                    continue;
                }
                if first_time
                    && let Some((list, option)) = option_names
                        .get(&folded)
                        .or_else(|| option_names.get(&fold(name)))
                {
                    out.push(Problem {
                        line: line(),
                        message: format!(
                            "le libellé « {name} » du champ « {} » se lit comme l'option « {option} » de la liste « {list} » : une réponse cochée serait prise pour la question ; choisir un autre libellé",
                            f.id
                        ),
                    });
                }
                match in_kind.get(&folded) {
                    Some((other_key, other_name))
                        if *other_key != f.key()
                            && reported.insert((folded.clone(), f.key(), *other_key)) =>
                    {
                        out.push(Problem {
                        line: line(),
                        message: format!(
                            "dans le type « {} », « {name} » (champ « {} ») et « {other_name} » (champ « {other_key} ») se lisent de la même façon (« {folded} ») : le lecteur ne saurait pas à quel champ rattacher la réponse",
                            kind.key,
                            f.key()
                        ),
                        });
                    }
                    Some(_) => {}
                    None => {
                        in_kind.insert(folded.clone(), (f.key(), name));
                    }
                }
                match seen.get(&folded) {
                    Some((other_key, other_id, other_kind, other_name))
                        if *other_key != f.key()
                            && *other_kind != kind.key
                            && in_kind.get(&folded).map(|(k, _)| *k) == Some(f.key())
                            && reported.insert((folded.clone(), f.key(), *other_key)) =>
                    {
                        out.push(Problem {
                            line: line(),
                            message: format!(
                                "« {name} » nomme le champ « {} » du type « {} » et « {other_name} » le champ « {other_key} » (id {other_id}) du type « {other_kind} » : un même libellé doit nommer la même clé dans tous les types",
                                f.key(),
                                kind.key
                            ),
                        });
                    }
                    Some(_) => {}
                    None => {
                        seen.insert(folded, (f.key(), &f.id, &kind.key, name));
                    }
                }
            }
        }
    }
}

/// The names of the options of a list differ once folded, and are not
/// empty once folded.
fn options(call: &CallFile, lines: &Lines<'_>, out: &mut Vec<Problem>) {
    for (list, opts) in &call.options {
        let mut seen: HashMap<String, (&str, &str)> = HashMap::new();
        for (oi, o) in opts.iter().enumerate() {
            let base = [K("options"), K(list.as_str()), I(oi)];
            for (name, at) in names(&o.label, &o.aliases) {
                let line = || lines.at(&name_path(&base, at));
                let folded = fold(name);
                if folded.is_empty() {
                    out.push(Problem {
                        line: line(),
                        message: format!(
                            "le nom « {name} » de l'option « {} » de la liste « {list} » n'a ni lettre ni chiffre : le lecteur ne peut pas le reconnaître",
                            o.value
                        ),
                    });
                    continue;
                }
                match seen.get(&folded) {
                    Some((value, other)) if *value != o.value => out.push(Problem {
                        line: line(),
                        message: format!(
                            "dans la liste « {list} », « {name} » (option « {} ») et « {other} » (option « {value} ») se lisent de la même façon (« {folded} ») : une réponse ne pourrait pas être rattachée à une seule option",
                            o.value
                        ),
                    }),
                    Some(_) => {}
                    None => {
                        seen.insert(folded, (&o.value, name));
                    }
                }
            }
        }
    }
}

/// True when folded text holds `words` as whole words (as the reader looks
/// for a form's name in its title line).
fn contains_words(f: &str, words: &str) -> bool {
    !words.is_empty()
        && f.match_indices(words).any(|(at, _)| {
            let end = at + words.len();
            (at == 0 || f.as_bytes()[at - 1] == b' ')
                && (end == f.len() || f.as_bytes()[end] == b' ')
        })
}

/// The kinds' names (title_names) do not collide once folded, and each
/// kind's printed title is read as that kind: the reader takes the first
/// kind, in the definition's order, one of whose names the title holds.
fn titles(call: &CallFile, lines: &Lines<'_>, out: &mut Vec<Problem>) {
    let kind_names: Vec<Vec<(String, &str, Vec<Seg<'_>>)>> = call
        .kinds
        .iter()
        .enumerate()
        .map(|(ki, k)| {
            let t = &k.title_names;
            [("fr", &t.fr), ("en", &t.en), ("es", &t.es), ("pt", &t.pt)]
                .into_iter()
                .flat_map(|(lang, list)| {
                    list.iter().enumerate().map(move |(i, n)| {
                        (
                            fold(n),
                            n.as_str(),
                            vec![K("kinds"), I(ki), K("title_names"), K(lang), I(i)],
                        )
                    })
                })
                .collect()
        })
        .collect();
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for (k, names) in call.kinds.iter().zip(&kind_names) {
        for (folded, name, path) in names {
            if folded.is_empty() {
                out.push(Problem {
                    line: lines.at(path),
                    message: format!(
                        "le nom « {name} » du type « {} » n'a ni lettre ni chiffre",
                        k.key
                    ),
                });
                continue;
            }
            match seen.get(folded.as_str()) {
                Some(other) if *other != k.key => out.push(Problem {
                    line: lines.at(path),
                    message: format!(
                        "« {name} » nomme deux types ({other} et {}) : le lecteur ne saurait pas quelle fiche il lit",
                        k.key
                    ),
                }),
                Some(_) => {}
                None => {
                    seen.insert(folded, &k.key);
                }
            }
        }
    }
    for (ki, k) in call.kinds.iter().enumerate() {
        let title = fold(&k.title);
        let read_as = call
            .kinds
            .iter()
            .zip(&kind_names)
            .find_map(|(other, names)| {
                names
                    .iter()
                    .find(|(n, _, _)| contains_words(&title, n))
                    .map(|(_, name, _)| (other, *name))
            });
        let line = lines.at(&[K("kinds"), I(ki), K("title")]);
        match read_as {
            Some((other, _)) if other.key == k.key => {}
            Some((other, name)) => out.push(Problem {
                line,
                message: format!(
                    "le titre « {} » du type « {} » contient « {name} », un nom du type « {} » : la fiche serait lue comme une fiche {} ; changer le titre ou les noms (title_names)",
                    k.title, k.key, other.key, other.key
                ),
            }),
            None => out.push(Problem {
                line,
                message: format!(
                    "le titre « {} » du type « {} » ne contient aucun de ses noms (title_names) : le lecteur ne reconnaîtrait pas la fiche à son titre",
                    k.title, k.key
                ),
            }),
        }
    }
}

/// A distinctive field tells the kind when the title is gone: no other
/// kind may have it.
fn distinctive(call: &CallFile, lines: &Lines<'_>, out: &mut Vec<Problem>) {
    let keys_of = |kind: &crate::call::KindDef| -> Vec<String> {
        kind.fields
            .iter()
            .filter_map(|id| field_index(call, id))
            .map(|(_, f)| f.key().to_string())
            .collect()
    };
    for (ki, k) in call.kinds.iter().enumerate() {
        for (di, d) in k.distinctive.iter().enumerate() {
            if let Some(other) = call
                .kinds
                .iter()
                .find(|o| o.key != k.key && keys_of(o).contains(d))
            {
                out.push(Problem {
                    line: lines.at(&[K("kinds"), I(ki), K("distinctive"), I(di)]),
                    message: format!(
                        "le champ distinctif « {d} » du type « {} » est aussi un champ du type « {} » : il ne distingue pas la fiche",
                        k.key, other.key
                    ),
                });
            }
        }
    }
}

/// `[renames]`: each new key is in the definition, each old key is not
/// (else the stored values and the new ones would be mixed), and an old
/// key is renamed once.
fn renames(call: &CallFile, lines: &Lines<'_>, out: &mut Vec<Problem>) {
    let r = &call.renames;
    let kind_keys: Vec<&str> = call.kinds.iter().map(|k| k.key.as_str()).collect();
    let mut olds: BTreeMap<&str, &str> = BTreeMap::new();
    for (new, old) in &r.kinds {
        let line = lines.at(&[K("renames"), K("kinds"), K(new.as_str())]);
        if !kind_keys.contains(&new.as_str()) {
            out.push(Problem {
                line,
                message: format!(
                    "[renames.kinds] : « {new} » n'est pas un type de la définition ([[kinds]] key)"
                ),
            });
        }
        if kind_keys.contains(&old.as_str()) {
            out.push(Problem {
                line,
                message: format!(
                    "[renames.kinds] : l'ancienne clé « {old} » est encore un type de la définition : les propositions des deux types seraient mêlées"
                ),
            });
        }
        if let Some(first) = olds.insert(old, new) {
            out.push(Problem {
                line,
                message: format!(
                    "[renames.kinds] : « {old} » est renommé deux fois (en « {first} » et en « {new} »)"
                ),
            });
        }
    }
    for (kind, map) in &r.fields {
        let kind_line = lines.at(&[K("renames"), K("fields"), K(kind.as_str())]);
        let Some(k) = call.kinds.iter().find(|k| &k.key == kind) else {
            out.push(Problem {
                line: kind_line,
                message: format!(
                    "[renames.fields] : « {kind} » n'est pas un type de la définition (nommer le type par sa clé d'aujourd'hui)"
                ),
            });
            continue;
        };
        let keys: Vec<&str> = k
            .fields
            .iter()
            .filter_map(|id| field_index(call, id))
            .map(|(_, f)| f.key())
            .collect();
        let mut olds: BTreeMap<&str, &str> = BTreeMap::new();
        for (new, old) in map {
            let line = lines.at(&[K("renames"), K("fields"), K(kind.as_str()), K(new.as_str())]);
            if !keys.contains(&new.as_str()) {
                out.push(Problem {
                    line,
                    message: format!(
                        "[renames.fields] : « {new} » n'est pas un champ du type « {kind} »"
                    ),
                });
            }
            if keys.contains(&old.as_str()) {
                out.push(Problem {
                    line,
                    message: format!(
                        "[renames.fields] : l'ancienne clé « {old} » est encore un champ du type « {kind} » : ses valeurs et celles de « {new} » seraient mêlées"
                    ),
                });
            }
            if let Some(first) = olds.insert(old, new) {
                out.push(Problem {
                    line,
                    message: format!(
                        "[renames.fields] : « {old} » du type « {kind} » est renommé deux fois (en « {first} » et en « {new} »)"
                    ),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::DEFAULT_TEXT;

    /// The problems of the built-in definition with `from` replaced by
    /// `to` (once, from the first occurrence after `after`).
    fn problems_after(after: &str, from: &str, to: &str) -> (String, Vec<Problem>) {
        let start = DEFAULT_TEXT.find(after).expect(after);
        let at = start + DEFAULT_TEXT[start..].find(from).expect(from);
        let text = format!(
            "{}{to}{}",
            &DEFAULT_TEXT[..at],
            &DEFAULT_TEXT[at + from.len()..]
        );
        let problems = match check_all(&text, "call.toml") {
            Ok(_) => Vec::new(),
            Err(e) => e.problems().to_vec(),
        };
        (text, problems)
    }

    /// The one problem, its line holding `on_line`.
    fn one(text: &str, problems: &[Problem], words: &str, on_line: &str) {
        let p = problems
            .iter()
            .find(|p| p.message.contains(words))
            .unwrap_or_else(|| panic!("no problem saying {words:?}: {problems:?}"));
        let line = text.lines().nth(p.line.wrapping_sub(1)).unwrap_or("");
        assert!(line.contains(on_line), "{p} is on {line:?}");
    }

    #[test]
    fn the_default_definition_has_no_collision() {
        let call = crate::call::check_text(DEFAULT_TEXT, "call.toml").unwrap();
        assert_eq!(check(&call, DEFAULT_TEXT), Vec::new());
    }

    #[test]
    fn a_label_naming_two_fields_of_a_kind_is_refused() {
        // "Pays" becomes the label of the contact's role too, spelt otherwise.
        let (text, problems) = problems_after(
            "id = \"contact_role\"",
            "label = \"",
            "label = \"PAYS :\"\n# ",
        );
        assert!(!problems.is_empty());
        one(
            &text,
            &problems,
            "se lisent de la même façon (« pays »)",
            "PAYS :",
        );
    }

    #[test]
    fn a_label_naming_other_keys_in_two_kinds_is_refused() {
        let (text, problems) = problems_after(
            "id = \"request_type\"",
            "label = \"",
            "label = \"Titre du projet, ou de la démarche\"\n# ",
        );
        one(
            &text,
            &problems,
            "un même libellé doit nommer la même clé dans tous les types",
            "Titre du projet, ou",
        );
    }

    #[test]
    fn a_label_that_is_an_option_is_refused() {
        let (text, problems) =
            problems_after("id = \"country\"", "label = \"", "label = \"Commune\"\n# ");
        one(
            &text,
            &problems,
            "l'option « Commune »",
            "label = \"Commune\"",
        );
    }

    #[test]
    fn options_that_fold_alike_are_refused() {
        let (text, problems) =
            problems_after("value = \"true\"", "label = \"", "label = \"OUI !\"\n# ");
        one(
            &text,
            &problems,
            "se lisent de la même façon (« oui »)",
            "OUI !",
        );
    }

    #[test]
    fn a_title_holding_another_kinds_name_is_refused() {
        let (text, problems) = problems_after(
            "key = \"micro_atelier\"",
            "title = \"",
            "title = \"MICRO-ATELIER (ou bourse aux projets)\"\n# ",
        );
        // Read first as a micro-atelier: fine. The other kind's title
        // holding a micro-atelier name is not.
        assert!(problems.is_empty(), "{problems:?}");
        let (text2, problems2) = problems_after(
            "key = \"bourse_projets\"",
            "title = \"",
            "title = \"BOURSE AUX PROJETS : MICRO-ATELIER\"\n# ",
        );
        one(
            &text2,
            &problems2,
            "serait lue comme une fiche micro_atelier",
            "BOURSE AUX PROJETS : MICRO",
        );
        drop(text);
    }

    #[test]
    fn a_title_without_its_kinds_name_and_a_label_of_nothing_are_refused() {
        let (text, problems) = problems_after(
            "key = \"bourse_projets\"",
            "title = \"",
            "title = \"FICHE DE DEMANDE\"\n# ",
        );
        one(
            &text,
            &problems,
            "ne contient aucun de ses noms",
            "FICHE DE DEMANDE",
        );
        let (text, problems) =
            problems_after("id = \"contact_role\"", "label = \"", "label = \"—\"\n# ");
        one(
            &text,
            &problems,
            "n'a ni lettre ni chiffre",
            "label = \"—\"",
        );
    }

    #[test]
    fn a_name_of_two_kinds_is_refused() {
        let (text, problems) = problems_after(
            "key = \"bourse_projets\"",
            "fr = [",
            "fr = [\"Micro-Atelier\", ",
        );
        one(&text, &problems, "nomme deux types", "Micro-Atelier");
    }

    #[test]
    fn a_shared_distinctive_field_is_refused() {
        let (text, problems) = problems_after(
            "key = \"micro_atelier\"",
            "distinctive = [",
            "distinctive = [\"country\", ",
        );
        one(&text, &problems, "distinctif « country »", "distinctive");
    }

    #[test]
    fn renames_must_name_existing_keys() {
        let bad = DEFAULT_TEXT.replace(
            "[renames.fields]\n",
            "[renames.fields]\nmicro_atelier = { theme = \"themes\", titre = \"project_title\" }\nbourse = { x = \"y\" }\n",
        ) + "";
        let bad = bad.replace(
            "[renames.kinds]\n",
            "[renames.kinds]\nmicro_atelier = \"bourse_projets\"\n",
        );
        let problems = check_all(&bad, "call.toml")
            .unwrap_err()
            .problems()
            .to_vec();
        one(&bad, &problems, "« titre » n'est pas un champ", "titre = ");
        one(
            &bad,
            &problems,
            "« project_title » est encore un champ",
            "titre = ",
        );
        one(
            &bad,
            &problems,
            "« bourse » n'est pas un type",
            "bourse = {",
        );
        one(
            &bad,
            &problems,
            "« bourse_projets » est encore un type",
            "micro_atelier = \"bourse",
        );
        assert!(
            !problems.iter().any(|p| p.message.contains("« themes »")),
            "theme ← themes is a good rename: {problems:?}"
        );
    }
}
