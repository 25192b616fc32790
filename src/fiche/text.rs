//! Text helpers shared by the form interpreter: the folding used to compare
//! labels and options (case, accents, punctuation, numbering), the cleaning
//! applied to stored values, and a bounded edit distance for fuzzy labels.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Folds text for comparison: NFD without combining marks, lowercase,
/// ligatures spelled out, every run of non-alphanumerics one space, trimmed.
/// "  Téléphone* :" and "telephone" fold to the same string.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        // A run of ASCII letters and digits, nearly all of a form's text:
        // copied at once, then lower-cased in place.
        if b.is_ascii_alphanumeric() {
            let end = bytes[i..]
                .iter()
                .position(|b| !b.is_ascii_alphanumeric())
                .map_or(bytes.len(), |n| i + n);
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            let at = out.len();
            out.push_str(&s[i..end]);
            out[at..].make_ascii_lowercase();
            i = end;
            continue;
        }
        if b.is_ascii() {
            pending_space = true;
            i += 1;
            continue;
        }
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        i += c.len_utf8();
        // The accented letters of French and Spanish, without decomposing.
        if let Some(base) = latin1_base(c) {
            fold_push(base, &mut out, &mut pending_space);
            continue;
        }
        // Punctuation, spaces and symbols ("–", "’", "«", NBSP, "☐"): a
        // separator, without looking up a decomposition.
        if !c.is_alphanumeric() {
            if !is_combining_mark(c) {
                pending_space = true;
            }
            continue;
        }
        // Canonical decomposition of one character: the base letter comes
        // first, the accents after it are dropped.
        decompose_canonical(c, |d| {
            if !is_combining_mark(d) {
                for l in d.to_lowercase() {
                    fold_push(l, &mut out, &mut pending_space);
                }
            }
        });
    }
    out
}

/// Appends one lower-case letter of `fold`'s output (or notes a separator).
fn fold_push(l: char, out: &mut String, pending_space: &mut bool) {
    if l.is_alphanumeric() {
        if *pending_space && !out.is_empty() {
            out.push(' ');
        }
        *pending_space = false;
        match l {
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            _ => out.push(l),
        }
    } else if !is_combining_mark(l) {
        *pending_space = true;
    }
}

/// The lower-case base letter of an accented Latin-1 letter (the fast path
/// of `fold`, and of the label matcher).
pub(crate) fn latin1_base(c: char) -> Option<char> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        _ => return None,
    })
}

/// Folds a label cell: like `fold`, and drops leading numbering ("1.", "2)",
/// "a)", "-", "•") so "3. Pays" matches "Pays".
pub fn fold_label(s: &str) -> String {
    let trimmed = s.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, '-' | '•' | '*' | '–' | '—' | '·' | '>' | '▪' | '◦')
    });
    let mut folded = fold(trimmed);
    // Leading numbering: a run of digits (possibly "1.2") or a lone letter
    // followed by ')' in the original, e.g. "a) Nom".
    while let Some(first) = folded.split(' ').next() {
        let is_number = !first.is_empty() && first.chars().all(|c| c.is_ascii_digit());
        let is_letter_item = first.len() == 1
            && first.chars().all(|c| c.is_ascii_lowercase())
            && trimmed.trim_start().get(1..2) == Some(")");
        if (is_number || is_letter_item) && folded.len() > first.len() {
            folded = folded[first.len() + 1..].to_string();
        } else {
            break;
        }
    }
    folded
}

/// Characters that look like spaces or nothing and should not survive in a
/// stored value: non-breaking spaces become spaces, zero-width ones vanish.
fn clean_char(c: char) -> Option<char> {
    match c {
        '\u{00A0}' | '\u{202F}' | '\u{2007}' | '\u{2009}' | '\u{200A}' => Some(' '),
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => None,
        '\r' => Some('\n'),
        _ => Some(c),
    }
}

/// True when `clean_value` has nothing to clean but the ends: no line
/// break and none of the characters `clean_char` changes (told from their
/// UTF-8 bytes: C2 A0/AD, E2 80 87/89/8A/8B/8C/8D/AF, E2 81 A0, EF BB BF).
fn is_plain(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' | b'\r' => return false,
            0xC2 if matches!(b.get(i + 1), Some(0xA0 | 0xAD)) => return false,
            0xE2 => match (b.get(i + 1), b.get(i + 2)) {
                (Some(0x80), Some(0x87 | 0x89 | 0x8A | 0x8B | 0x8C | 0x8D | 0xAF))
                | (Some(0x81), Some(0xA0)) => return false,
                _ => {}
            },
            0xEF if b.get(i + 1) == Some(&0xBB) && b.get(i + 2) == Some(&0xBF) => return false,
            _ => {}
        }
        i += 1;
    }
    true
}

/// Cleans a value as SPEC.md stores it: NBSP → space, CRLF → LF, trailing
/// spaces of each line dropped, leading and trailing blank lines and spaces
/// trimmed; inner line breaks kept. Control characters are kept as written
/// (they are neutralised where shown or exported, never silently altered).
pub fn clean_value(s: &str) -> String {
    if is_plain(s) {
        return s.trim().to_string();
    }
    // One pass: characters cleaned, CRLF as one line break, each line's
    // trailing spaces dropped at its break.
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let c = if c == '\r' {
            if chars.peek() == Some(&'\n') {
                continue;
            }
            '\n'
        } else {
            match clean_char(c) {
                Some(c) => c,
                None => continue,
            }
        };
        if c == '\n' {
            let line_end = out
                .trim_end_matches(|c: char| c.is_whitespace() && c != '\n')
                .len();
            out.truncate(line_end);
        }
        out.push(c);
    }
    let end = out.trim_end().len();
    out.truncate(end);
    let start = out.len() - out.trim_start().len();
    out.drain(..start);
    out
}

/// True when a cleaned value says nothing: empty, only punctuation or
/// underscores ("____", "...", "-"), or a word-processor placeholder.
pub fn is_blank_value(s: &str) -> bool {
    if s.chars().all(|c| !c.is_alphanumeric()) {
        // Box glyphs alone are not blank for choices, but a text field of
        // only "☐" says nothing either.
        return true;
    }
    // Placeholders start with "c" (cliquez, click) or "a"/"à" (à compléter).
    let starts = s
        .trim_start()
        .chars()
        .next()
        .unwrap_or(' ')
        .to_lowercase()
        .next();
    if s.len() > 60 || !matches!(starts, Some('c' | 'a' | 'à')) {
        return false;
    }
    let f = fold(s);
    const PLACEHOLDERS: &[&str] = &[
        "cliquez ici pour taper du texte",
        "cliquez ou appuyez ici pour entrer du texte",
        "click here to enter text",
        "click or tap here to enter text",
        "a completer",
        "a remplir",
    ];
    PLACEHOLDERS.contains(&f.as_str())
}

/// Levenshtein distance between two strings, giving up (returning `None`)
/// once it exceeds `max`. Used on folded labels only, so inputs are short.
pub fn distance_within(a: &str, b: &str, max: usize) -> Option<usize> {
    if a.is_ascii() && b.is_ascii() {
        return bounded_levenshtein(a.as_bytes(), b.as_bytes(), max);
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    bounded_levenshtein(&a, &b, max)
}

/// A letter histogram of a folded string: a cheap lower bound of the edit
/// distance between two strings (each edit moves the histogram by 2 at most).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile([u8; 37]);

impl Profile {
    pub fn of(folded: &str) -> Profile {
        let mut h = [0u8; 37];
        for b in folded.bytes() {
            let i = match b {
                b'a'..=b'z' => usize::from(b - b'a'),
                b'0'..=b'9' => 26 + usize::from(b - b'0'),
                _ => 36,
            };
            h[i] = h[i].saturating_add(1);
        }
        Profile(h)
    }

    /// A lower bound of the edit distance between the two strings.
    pub fn gap(&self, other: &Profile) -> usize {
        let l1: usize = self
            .0
            .iter()
            .zip(other.0.iter())
            .map(|(a, b)| usize::from(a.abs_diff(*b)))
            .sum();
        l1.div_ceil(2)
    }
}

fn bounded_levenshtein<T: PartialEq>(a: &[T], b: &[T], max: usize) -> Option<usize> {
    const CAP: usize = 96;
    if a.len().abs_diff(b.len()) > max || a.len() >= CAP || b.len() >= CAP {
        return None;
    }
    // Distances never exceed CAP, so bytes are enough (and cheap to clear).
    let mut prev = [0u8; CAP];
    let mut cur = [0u8; CAP];
    for (j, p) in prev.iter_mut().enumerate().take(b.len() + 1) {
        *p = j as u8;
    }
    for (i, ca) in a.iter().enumerate() {
        cur[0] = (i + 1) as u8;
        let mut row_min = cur[0];
        for (j, cb) in b.iter().enumerate() {
            let cost = u8::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if usize::from(row_min) > max {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = usize::from(prev[b.len()]);
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_ignores_case_accents_punctuation() {
        assert_eq!(fold("  Téléphone* :"), "telephone");
        assert_eq!(fold("Pays partenaire(s)"), "pays partenaire s");
        assert_eq!(
            fold("Nom de la collectivité ou de la structure :"),
            "nom de la collectivite ou de la structure"
        );
        assert_eq!(fold("Cœur"), "coeur");
        assert_eq!(fold("ODD / Agenda 2030"), "odd agenda 2030");
        // The fast path and the decomposition agree.
        assert_eq!(
            fold("ÀÉÈÊËÎÏÔÙÛÜÇÑàéèêëîïôùûüçñ"),
            "aeeeeiiouuucnaeeeeiiouuucn"
        );
        assert_eq!(fold("Ŝŭ"), "su");
    }

    #[test]
    fn fold_label_drops_numbering() {
        assert_eq!(fold_label("3. Pays"), "pays");
        assert_eq!(fold_label("1.2 - Courriel"), "courriel");
        assert_eq!(fold_label("a) Nom"), "nom");
        assert_eq!(fold_label("• Fonction"), "fonction");
        assert_eq!(fold_label("2018"), "2018");
    }

    #[test]
    fn clean_value_trims_and_keeps_inner_lines() {
        assert_eq!(
            clean_value("\u{a0} Ligne 1 \r\nLigne\u{a0}2\n\n"),
            "Ligne 1\nLigne 2"
        );
        assert_eq!(clean_value("\u{feff}abc\u{200b}"), "abc");
        // The one-pass cleaning gives what line-by-line cleaning gives.
        let reference = |s: &str| -> String {
            let s = s.replace("\r\n", "\n");
            let cleaned: String = s.chars().filter_map(clean_char).collect();
            let lines: Vec<&str> = cleaned.split('\n').map(|l| l.trim_end()).collect();
            lines.join("\n").trim().to_string()
        };
        // The plain test agrees with the characters `clean_char` changes.
        for c in [
            '\u{a0}', '\u{ad}', '\u{2007}', '\u{2009}', '\u{200a}', '\u{200b}', '\u{200c}',
            '\u{200d}', '\u{202f}', '\u{2060}', '\u{feff}', '\r', '\n',
        ] {
            assert!(!is_plain(&format!("a{c}b")), "{c:?}");
        }
        for c in ['é', '–', '’', '\u{2008}', '\u{2028}', '☐', '€'] {
            assert_eq!(
                is_plain(&format!("a{c}b")),
                clean_char(c) == Some(c),
                "{c:?}"
            );
        }
        for s in [
            "a\n\nb",
            "a  \n  b \t\n",
            "\n\n a\r\n\r\nb\r",
            "x\r\u{200b}\ny",
            "\u{a0}\u{a0}\n",
            "Ligne 1\u{202f}\nLigne 2\u{a0}\u{a0}\nfin",
            "\r\r\r",
            "é \u{ad}\n è",
        ] {
            assert_eq!(clean_value(s), reference(s), "{s:?}");
        }
    }

    #[test]
    fn blank_values() {
        assert!(is_blank_value(""));
        assert!(is_blank_value("____"));
        assert!(is_blank_value("Cliquez ici pour taper du texte."));
        assert!(!is_blank_value("0"));
    }

    #[test]
    fn bounded_distance() {
        assert_eq!(distance_within("courriel", "couriel", 2), Some(1));
        assert_eq!(distance_within("courriel", "telephone", 2), None);
    }
}
