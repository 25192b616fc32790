//! Recognising the printed form in a cell: a field's label (however it was
//! retyped, translated or followed by the answer), the title line, and the
//! rest of the blank form's text (headings, instructions). Everything here
//! is looked up in `spec`; this module only knows how to compare.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::model::Kind;
use super::spec::{self, FieldType, Lang};
use super::text::{Profile, clean_value, distance_within, fold, fold_label, is_blank_value};
use unicode_normalization::char::is_combining_mark;

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

/// Which field a label names in each form, and in which language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Entry {
    /// By kind (its index in the definition).
    by_kind: [Option<(usize, Lang)>; crate::call::MAX_KINDS],
}

impl Entry {
    pub(crate) fn of(&self, kind: Kind) -> Option<(usize, Lang)> {
        self.by_kind.get(kind.index()).copied().flatten()
    }
}

/// FNV-1a: labels are short and few; SipHash's strength is not needed to
/// look up a label in a table built from our own spec.
#[derive(Default, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;
pub(crate) type FastSet<K> = HashSet<K, std::hash::BuildHasherDefault<Fnv>>;

/// Both forms' labels, folded once: a label shared by both forms (the
/// common head) is one entry.
pub(crate) struct LabelSet {
    exact: FastMap<String, Entry>,
    /// For approximate matching: (folded label, profile, entry).
    all: Vec<(String, Profile, Entry)>,
}

impl LabelSet {
    /// The labels of both forms, computed once per process.
    pub(crate) fn get() -> &'static LabelSet {
        static SET: OnceLock<LabelSet> = OnceLock::new();
        SET.get_or_init(LabelSet::new)
    }

    fn new() -> LabelSet {
        let mut exact: FastMap<String, Entry> = FastMap::default();
        for kind in Kind::all() {
            for (i, s) in spec::fields(kind).iter().enumerate() {
                for (label, lang) in s.labels() {
                    let e = exact.entry(fold_label(label)).or_default();
                    // French first: a label shared by two languages is French.
                    if let Some(slot) = e.by_kind.get_mut(kind.index()) {
                        slot.get_or_insert((i, lang));
                    }
                }
            }
        }
        let all = exact
            .iter()
            .map(|(l, e)| (l.clone(), Profile::of(l), *e))
            .collect();
        LabelSet { exact, all }
    }

    fn exact(&self, folded: &str) -> Option<Entry> {
        if folded.is_empty() {
            return None;
        }
        self.exact.get(folded).copied()
    }

    /// A label with words added after it ("Téléphone portable") or a typo
    /// ("Courriel" → "Couriel"). The longest label wins.
    fn approximate(&self, folded: &str) -> Option<Entry> {
        // Labels are short; a long text is an answer or a heading, not a label.
        if folded.len() > 80 || folded.len() < 3 {
            return None;
        }
        let mut best: Option<(usize, Entry)> = None;
        let profile = Profile::of(folded);
        let words = folded.split(' ').count();
        for (l, lp, e) in &self.all {
            if best.is_some_and(|(len, _)| l.len() <= len) {
                continue;
            }
            let prefix = l.len() >= 4
                && folded.len() > l.len()
                && folded.as_bytes()[l.len()] == b' '
                && folded.starts_with(l.as_str())
                // "Nom de ..." is a different question, not a retyped "Nom".
                && words <= l.split(' ').count() + 2;
            let max = 1 + l.len() / 12;
            let typo = !prefix
                && l.len() >= 7
                && folded.len().abs_diff(l.len()) <= max
                && profile.gap(lp) <= max
                && distance_within(folded, l, max).is_some();
            if prefix || typo {
                best = Some((l.len(), *e));
            }
        }
        best.map(|(_, e)| e)
    }
}

/// A cell that holds a label, for both forms at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CellHit {
    pub entry: Entry,
    pub inline: Option<usize>,
    pub approximate: bool,
}

impl CellHit {
    /// The hit for one form, if the label is one of that form's.
    pub(crate) fn for_kind(&self, kind: Kind) -> Option<Hit> {
        self.entry.of(kind).map(|(index, lang)| Hit {
            index,
            inline: self.inline,
            approximate: self.approximate,
            lang,
        })
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

/// The label a cell holds, if any, given its text and that text folded
/// (`fold_label`; empty for a long text). `first` is true for the first
/// non-empty cell of a row, where labels are also recognised approximately;
/// other cells must hold a label exactly (a second label in the row, a header).
#[cfg(test)]
pub(crate) fn match_cell(text: &str, folded: &str, first: bool) -> Option<CellHit> {
    exact_cell(folded).or_else(|| match_recovered(text, folded, first))
}

/// A cell that is exactly a label.
pub(crate) fn exact_cell(folded: &str) -> Option<CellHit> {
    LabelSet::get().exact(folded).map(|entry| CellHit {
        entry,
        inline: None,
        approximate: false,
    })
}

/// A label followed by its answer, or retyped (see `match_cell`).
pub(crate) fn match_recovered(text: &str, folded: &str, first: bool) -> Option<CellHit> {
    let labels = LabelSet::get();
    for (left, at) in separators(text) {
        if left.len() > 120 {
            break;
        }
        let left = fold_label(left);
        if let Some(entry) = labels.exact(&left) {
            return Some(CellHit {
                entry,
                inline: inline_at(text, at),
                approximate: false,
            });
        }
        if first
            && !option_names().contains(&left)
            && let Some(entry) = labels.approximate(&left)
        {
            return Some(CellHit {
                entry,
                inline: inline_at(text, at),
                approximate: true,
            });
        }
    }
    // An option name alone (a drop-down list's sheet) is not a retyped label.
    if !first || folded.is_empty() || option_names().contains(folded) {
        return None;
    }
    labels.approximate(folded).map(|entry| CellHit {
        entry,
        inline: None,
        approximate: true,
    })
}

/// The label a cell holds for one form.
#[cfg(test)]
pub(crate) fn match_label(text: &str, kind: Kind, first: bool) -> Option<Hit> {
    let folded = if text.len() <= 400 {
        fold_label(text)
    } else {
        String::new()
    };
    match_cell(text, &folded, first)?.for_kind(kind)
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
    title_of_folded(&fold(cell))
}

/// `title_of` for text already folded (`fold` or `fold_label`).
pub(crate) fn title_of_folded(f: &str) -> Option<(Kind, Lang)> {
    if f.len() > 200 || f.len() < 8 {
        return None;
    }
    // The forms' names, folded, and for each its longest word: every name
    // holds one of these, found with prebuilt searchers (this runs on the
    // first cell of every row).
    type Names = (
        Vec<(String, Kind, Lang)>,
        Vec<memchr::memmem::Finder<'static>>,
    );
    static NAMES: OnceLock<Names> = OnceLock::new();
    let (names, hints) = NAMES.get_or_init(|| {
        let names: Vec<(String, Kind, Lang)> = Kind::all()
            .into_iter()
            .flat_map(|k| {
                spec::title_names(k)
                    .iter()
                    .map(move |(n, l)| (fold(n), k, *l))
            })
            .collect();
        let mut words: Vec<String> = names
            .iter()
            .filter_map(|(n, _, _)| n.split(' ').max_by_key(|w| w.len()).map(str::to_string))
            .collect();
        words.sort();
        words.dedup();
        let hints = words
            .into_iter()
            .map(|w| memchr::memmem::Finder::new(w.as_bytes()).into_owned())
            .collect();
        (names, hints)
    });
    if !hints.iter().any(|h| h.find(f.as_bytes()).is_some()) {
        return None;
    }
    let names = names.iter().map(|(n, k, l)| (n.as_str(), *k, *l));
    let form_words = spec::FORM_WORDS.iter().any(|w| f.contains(w));
    if !form_words && f.len() > 40 {
        return None;
    }
    for (name, kind, lang) in names {
        // A bare name ("Bourse aux projets") is a title only when short.
        if (form_words || f.len() <= name.len() + 12) && contains_words(f, name) {
            return Some((kind, lang));
        }
    }
    None
}

/// True when folded text holds `words` as whole words (space-separated).
fn contains_words(f: &str, words: &str) -> bool {
    f.match_indices(words).any(|(at, _)| {
        let end = at + words.len();
        (at == 0 || f.as_bytes()[at - 1] == b' ') && (end == f.len() || f.as_bytes()[end] == b' ')
    })
}

/// The folded printed text of the blank forms, computed once: the short
/// lines to compare whole, the long ones (instructions) to compare as the
/// start of a cell.
fn form_text() -> &'static (FastSet<String>, Vec<String>) {
    static TEXT: OnceLock<(FastSet<String>, Vec<String>)> = OnceLock::new();
    TEXT.get_or_init(|| {
        let all: Vec<String> = spec::form_text().iter().map(|t| fold_label(t)).collect();
        let long = all.iter().filter(|t| t.len() >= 30).cloned().collect();
        (all.into_iter().collect(), long)
    })
}

#[cfg(test)]
fn is_form_text(cell: &str, folded: &str) -> bool {
    is_printed_text(folded) || title_of(cell).is_some()
}

/// True when folded text is one of the form's printed lines (not a title).
pub(crate) fn is_printed_text(folded: &str) -> bool {
    if folded.is_empty() {
        return false;
    }
    let (whole, long) = form_text();
    // The long lines are 30 bytes or more: a shorter text starts with none.
    whole.contains(folded)
        || (folded.len() >= 30 && long.iter().any(|t| folded.starts_with(t.as_str())))
}

/// True when a cell's text is exactly an option as the form prints it (the
/// workbook's sheet of drop-down lists holds only these): a hash lookup,
/// before anything is folded.
pub(crate) fn is_printed_option(text: &str) -> bool {
    static PRINTED: OnceLock<FastSet<&'static str>> = OnceLock::new();
    PRINTED
        .get_or_init(|| {
            let mut set = FastSet::default();
            for kind in Kind::all() {
                for s in spec::fields(kind) {
                    if let FieldType::Choice(opts) = s.ty {
                        set.extend(opts.iter().map(|o| o.label));
                    }
                }
            }
            set
        })
        .contains(text.trim())
}

/// True when a cell's first word (folded as `fold_label` folds it) is the
/// first word of no label, no printed line of the forms and no option: the
/// cell holds none of them, nor a label followed by its answer, and is read
/// as text without being folded. `false` when it cannot be told cheaply
/// (numbering, letters outside Latin-1, combining accents).
pub(crate) fn starts_no_form_text(text: &str) -> bool {
    const MAX: usize = 24;
    static FIRST: OnceLock<(FastSet<String>, usize)> = OnceLock::new();
    let (first, longest) = FIRST.get_or_init(|| {
        let labels = LabelSet::get().exact.keys();
        let (printed, _) = form_text();
        let set: FastSet<String> = labels
            .chain(printed.iter())
            .chain(option_names().iter())
            .filter_map(|f| f.split(' ').next())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        let longest = set.iter().map(String::len).max().unwrap_or(0);
        (set, longest)
    });
    // As `fold_label` trims its text.
    let t = text.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, '-' | '•' | '*' | '–' | '—' | '·' | '>' | '▪' | '◦')
    });
    let mut word = [0u8; MAX];
    let mut len = 0;
    for c in t.chars() {
        let l = if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else if let Some(base) = super::text::latin1_base(c) {
            base
        } else if c.is_ascii() || !(c.is_alphanumeric() || is_combining_mark(c)) {
            // A separator: before the word, skipped; after it, its end.
            if len == 0 {
                continue;
            }
            break;
        } else {
            // Other letters, combining accents: let the folding decide.
            return false;
        };
        if len == MAX {
            // Longer than MAX: a first word of the forms only if one is.
            return *longest <= MAX;
        }
        word[len] = l as u8;
        len += 1;
    }
    let word = &word[..len];
    // Numbering ("3.", "a)") is dropped by `fold_label`: not told here.
    if word.len() < 2 || word.iter().all(u8::is_ascii_digit) {
        return false;
    }
    std::str::from_utf8(word).is_ok_and(|w| !first.contains(w))
}

/// The folded names of every option of every choice field, computed once.
pub(crate) fn option_names() -> &'static FastSet<String> {
    static NAMES: OnceLock<FastSet<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut set = FastSet::default();
        for kind in Kind::all() {
            for s in spec::fields(kind) {
                if let FieldType::Choice(opts) = s.ty {
                    for o in opts {
                        set.insert(fold(o.label));
                    }
                }
            }
        }
        set
    })
}

/// True when a text is only option names of the form's choices, each with
/// an empty box ("☐ Commune", "☐ Oui    ☐ Non"): blank form text left
/// where it was printed, not an answer.
pub(crate) fn is_blank_options(text: &str) -> bool {
    if !text.contains(['☐', '□', '▢']) || text.contains(super::choice::MARKED) {
        return false;
    }
    let names = option_names();
    let mut any = false;
    for piece in text.split(['☐', '□', '▢', '\n']) {
        let f = fold(piece);
        if f.is_empty() {
            continue;
        }
        if !names.contains(&f) {
            return false;
        }
        any = true;
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(text: &str) -> Option<(&'static str, Option<String>, bool, Lang)> {
        let specs = spec::fields(Kind::MicroAtelier);
        match_label(text, Kind::MicroAtelier, true).map(|h| {
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
        let form_text = |t: &str| is_form_text(t, &fold_label(t));
        assert!(form_text("2. Personne à contacter"));
        assert!(form_text(
            "Merci de renvoyer cette fiche complétée avant le 8 juin 2018 à rencontres@cites-unies-france.org"
        ));
        assert!(!form_text("Validé par le maire"));
        assert!(is_blank_options("☐ Oui    ☐ Non"));
        assert!(is_blank_options("☐ Commune\n☐ Région"));
        assert!(!is_blank_options("☒ Commune\n☐ Région"));
        assert!(!is_blank_options("Commune"));
    }
}
