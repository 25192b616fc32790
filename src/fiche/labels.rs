//! Recognising the printed form in a cell: a field's label (however it was
//! retyped, translated or followed by the answer), the title line, and the
//! rest of the blank form's text (headings, instructions). Everything here
//! is looked up in `spec`; this module only knows how to compare.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::model::Kind;
use super::spec::{self, FieldSpec, FieldType, Lang};
use super::text::{Profile, clean_value, distance_within, fold, fold_label, is_blank_value};

/// A cell that holds a field's label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    /// Index of the field in the form's table (`spec::fields`).
    pub index: usize,
    /// Byte offset in the cell's text where an answer typed after the label
    /// starts ("Pays : Sénégal"), when there is one.
    pub inline: Option<usize>,
    /// The label was found only approximately (typo, extra words).
    pub approximate: bool,
    pub lang: Lang,
}

/// One form's labels, folded once.
pub(crate) struct LabelSet {
    exact: HashMap<String, (usize, Lang)>,
    /// For approximate matching: (field index, folded label, profile, language).
    all: Vec<(usize, String, Profile, Lang)>,
}

impl LabelSet {
    /// The folded labels of a form, computed once per process.
    pub(crate) fn of(kind: Kind) -> &'static LabelSet {
        static MICRO: OnceLock<LabelSet> = OnceLock::new();
        static BOURSE: OnceLock<LabelSet> = OnceLock::new();
        let cell = match kind {
            Kind::MicroAtelier => &MICRO,
            Kind::BourseProjets => &BOURSE,
        };
        cell.get_or_init(|| LabelSet::new(spec::fields(kind)))
    }

    fn new(specs: &[FieldSpec]) -> LabelSet {
        let mut exact = HashMap::new();
        let mut all = Vec::new();
        for (i, s) in specs.iter().enumerate() {
            for (label, lang) in s.labels() {
                let f = fold_label(label);
                // French first: a label shared by two languages is French.
                exact.entry(f.clone()).or_insert((i, lang));
                let p = Profile::of(&f);
                all.push((i, f, p, lang));
            }
        }
        LabelSet { exact, all }
    }

    fn exact(&self, folded: &str) -> Option<(usize, Lang)> {
        if folded.is_empty() {
            return None;
        }
        self.exact.get(folded).copied()
    }

    /// A label with words added after it ("Téléphone portable") or a typo
    /// ("Courriel" → "Couriel"). The longest label wins.
    fn approximate(&self, folded: &str) -> Option<(usize, Lang)> {
        // Labels are short; a long text is an answer or a heading, not a label.
        if folded.len() > 80 || folded.len() < 3 {
            return None;
        }
        let mut best: Option<(usize, usize, Lang)> = None;
        let profile = Profile::of(folded);
        let words = folded.split(' ').count();
        for (i, l, lp, lang) in &self.all {
            let prefix = l.len() >= 4
                && folded.len() > l.len()
                && folded.starts_with(l.as_str())
                && folded.as_bytes()[l.len()] == b' '
                // "Nom de ..." is a different question, not a retyped "Nom".
                && words <= l.split(' ').count() + 2;
            let max = 1 + l.len() / 12;
            let typo = l.len() >= 7
                && folded.len().abs_diff(l.len()) <= max
                && profile.gap(lp) <= max
                && distance_within(folded, l, max).is_some();
            if (prefix || typo) && best.is_none_or(|(_, len, _)| l.len() > len) {
                best = Some((*i, l.len(), *lang));
            }
        }
        best.map(|(i, _, lang)| (i, lang))
    }
}

/// Where a label cell may end and its answer start: a colon, a tab, a line
/// break, or a run of spaces standing for a tab. Returns (label part, offset
/// where the rest starts).
fn separators(cell: &str) -> impl Iterator<Item = (&str, usize)> {
    let mut out = Vec::new();
    let bytes = cell.as_bytes();
    let mut i = 0;
    while i < cell.len() {
        let c = cell[i..].chars().next().unwrap_or(' ');
        let len = c.len_utf8();
        match c {
            ':' | '：' | '\n' | '\t' => {
                out.push((&cell[..i], i + len));
                if c != ':' && c != '：' {
                    // Only the first line or tab stop can end a label.
                    break;
                }
            }
            ' ' if i + 2 < cell.len() && bytes[i + 1] == b' ' && bytes[i + 2] == b' ' => {
                let end = i + cell[i..].len() - cell[i..].trim_start_matches(' ').len();
                out.push((&cell[..i], end));
                break;
            }
            _ => {}
        }
        if out.len() >= 3 {
            break;
        }
        i += len;
    }
    out.into_iter()
}

/// The label a cell holds, if any. `first` is true for the first non-empty
/// cell of a row, where labels are also recognised approximately; other
/// cells must hold a label exactly (a second label in the row, a header).
pub(crate) fn match_label(text: &str, labels: &LabelSet, first: bool) -> Option<Hit> {
    if text.len() > 400 {
        return separators(text).find_map(|(left, at)| {
            labels.exact(&fold_label(left)).map(|(index, lang)| Hit {
                index,
                inline: inline_at(text, at),
                approximate: false,
                lang,
            })
        });
    }
    let folded = fold_label(text);
    if let Some((index, lang)) = labels.exact(&folded) {
        return Some(Hit {
            index,
            inline: None,
            approximate: false,
            lang,
        });
    }
    for (left, at) in separators(text) {
        let left = fold_label(left);
        if let Some((index, lang)) = labels.exact(&left) {
            return Some(Hit {
                index,
                inline: inline_at(text, at),
                approximate: false,
                lang,
            });
        }
        if first && let Some((index, lang)) = labels.approximate(&left) {
            return Some(Hit {
                index,
                inline: inline_at(text, at),
                approximate: true,
                lang,
            });
        }
    }
    if !first {
        return None;
    }
    labels.approximate(&folded).map(|(index, lang)| Hit {
        index,
        inline: None,
        approximate: true,
        lang,
    })
}

/// The offset of an answer after a label, when it says something.
fn inline_at(text: &str, at: usize) -> Option<usize> {
    let rest = clean_value(&text[at..]);
    (!is_blank_value(&rest)).then_some(at)
}

/// The form a title line names, and in which language, if the cell is one.
pub(crate) fn title_of(cell: &str) -> Option<(Kind, Lang)> {
    if cell.len() > 200 {
        return None;
    }
    let lower = cell.to_lowercase();
    let hint = [
        "atelier", "bourse", "workshop", "taller", "project", "proyecto",
    ];
    if !hint.iter().any(|h| lower.contains(h)) {
        return None;
    }
    let f = fold(cell);
    let padded = format!(" {f} ");
    let form_words = spec::FORM_WORDS.iter().any(|w| f.contains(w));
    if !form_words && f.len() > 40 {
        return None;
    }
    for kind in Kind::ALL {
        for (name, lang) in spec::title_names(kind) {
            if padded.contains(&format!(" {name} ")) {
                // A bare name ("Bourse aux projets") is a title only when short.
                if form_words || f.len() <= name.len() + 12 {
                    return Some((kind, *lang));
                }
            }
        }
    }
    None
}

/// The folded printed text of the blank forms, computed once.
fn form_text() -> &'static [String] {
    static TEXT: OnceLock<Vec<String>> = OnceLock::new();
    TEXT.get_or_init(|| spec::FORM_TEXT.iter().map(|t| fold_label(t)).collect())
}

/// True when a cell holds the blank form's own printed text (a heading,
/// the instructions, the address), not something a person added.
pub(crate) fn is_form_text(cell: &str) -> bool {
    if title_of(cell).is_some() {
        return true;
    }
    if cell.len() > 600 {
        return false;
    }
    let f = fold_label(cell);
    if f.is_empty() {
        return false;
    }
    form_text()
        .iter()
        .any(|t| *t == f || (t.len() >= 30 && f.starts_with(t.as_str())))
}

/// True when a text is only option names of the form's choices, each with
/// an empty box ("☐ Commune", "☐ Oui    ☐ Non"): blank form text left
/// where it was printed, not an answer.
pub(crate) fn is_blank_options(text: &str, kind: Option<Kind>) -> bool {
    if text.contains(super::choice::MARKED) {
        return false;
    }
    let kinds: &[Kind] = match kind {
        Some(Kind::MicroAtelier) => &[Kind::MicroAtelier],
        Some(Kind::BourseProjets) => &[Kind::BourseProjets],
        None => &Kind::ALL,
    };
    let mut any = false;
    for piece in text.split(['☐', '□', '▢', '\n']) {
        let f = fold(piece);
        if f.is_empty() {
            continue;
        }
        let known = kinds.iter().any(|k| {
            spec::fields(*k).iter().any(|s| match s.ty {
                FieldType::Choice(opts) => opts.iter().any(|o| fold(o.label) == f),
                _ => false,
            })
        });
        if !known {
            return false;
        }
        any = true;
    }
    any && (text.contains('☐') || text.contains('□') || text.contains('▢'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(text: &str) -> Option<(&'static str, Option<String>, bool, Lang)> {
        let specs = spec::fields(Kind::MicroAtelier);
        match_label(text, LabelSet::of(Kind::MicroAtelier), true).map(|h| {
            (
                specs[h.index].key,
                h.inline.map(|at| clean_value(&text[at..])),
                h.approximate,
                h.lang,
            )
        })
    }

    #[test]
    fn labels_retyped_inline_and_translated() {
        assert_eq!(hit("Pays"), Some(("country", None, false, Lang::Fr)));
        assert_eq!(
            hit("Pays : Sénégal"),
            Some(("country", Some("Sénégal".into()), false, Lang::Fr))
        );
        assert_eq!(
            hit("Pays\tSénégal"),
            Some(("country", Some("Sénégal".into()), false, Lang::Fr))
        );
        assert_eq!(
            hit("Courriel      a@b.fr"),
            Some(("contact_email", Some("a@b.fr".into()), false, Lang::Fr))
        );
        assert_eq!(
            hit("Téléphone portable"),
            Some(("contact_phone", None, true, Lang::Fr))
        );
        assert_eq!(hit("Country"), Some(("country", None, false, Lang::En)));
        assert_eq!(
            hit("Nombre de la entidad: Municipio de Cuenca"),
            Some((
                "organisation",
                Some("Municipio de Cuenca".into()),
                false,
                Lang::Es
            ))
        );
        assert_eq!(hit("Pays :"), Some(("country", None, false, Lang::Fr)));
        assert_eq!(hit("Ville de Lyon"), None);
    }

    #[test]
    fn titles_and_form_text() {
        assert_eq!(
            title_of("MICRO-ATELIER : FICHE DE RENSEIGNEMENT"),
            Some((Kind::MicroAtelier, Lang::Fr))
        );
        assert_eq!(
            title_of("PROJECT EXCHANGE: INFORMATION FORM"),
            Some((Kind::BourseProjets, Lang::En))
        );
        assert_eq!(
            title_of("Micro-taller: ficha de información"),
            Some((Kind::MicroAtelier, Lang::Es))
        );
        assert_eq!(
            title_of("Nous avons participé à la bourse aux projets de 2016 et souhaitons revenir"),
            None
        );
        assert!(is_form_text("2. Personne à contacter"));
        assert!(is_form_text(
            "Merci de renvoyer cette fiche complétée avant le 8 juin 2018 à rencontres@cites-unies-france.org"
        ));
        assert!(!is_form_text("Validé par le maire"));
        assert!(is_blank_options("☐ Oui    ☐ Non", None));
        assert!(is_blank_options("☐ Commune\n☐ Région", None));
        assert!(!is_blank_options("☒ Commune\n☐ Région", None));
        assert!(!is_blank_options("Commune", None));
    }
}
