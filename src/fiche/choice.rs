//! Reading a choice field the way a person reads it on paper: the option
//! ticked (☒, X, [x]…), the one left when the others were deleted, the one
//! made to stand out (bold, underlined, highlighted, coloured) among
//! options printed alike, or the one not struck through. Two options shown
//! is never guessed: the raw text is kept and staff decide.

use super::model::{Cell, Look, Typed};
use super::spec::{Lang, Opt};
use super::text::fold;

/// The result of reading one choice field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Choice {
    /// One option; `recovered` says why a warning is due (free text, typo,
    /// formatting).
    One {
        value: &'static str,
        recovered: Option<String>,
        lang: Lang,
    },
    /// Several options of a several-choices field, in the list's order.
    Many {
        values: Vec<&'static str>,
        recovered: Option<String>,
        lang: Lang,
    },
    Absent,
    /// More than one option shown; the reason for staff.
    Ambiguous(String),
    /// Text that names no option.
    Unrecognised,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mark {
    Marked,
    Unmarked,
    Bare,
}

pub(crate) const MARKED: &[char] = &[
    '☒', '☑', '✓', '✔', '✗', '✘', '■', '▣', '⊠', '⊗', '🗹', '⮽', '●', '◉', '⬛', '✅', '❎',
];
pub(crate) const UNMARKED: &[char] = &['☐', '□', '▢', '○', '◯', '⬜', '❏', '❑', '◻'];

/// One option-sized piece of an answer, with its mark and look, and the
/// option its text names (found once, when the item is made).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item {
    pub mark: Mark,
    pub text: String,
    pub look: Look,
    pub names: Option<(&'static Opt, OptMatch, Lang)>,
}

/// The glyph at byte `i` of a text and its length in bytes: a character,
/// or a typed box marker ("[x]", "( )") read as one box glyph.
fn glyph_at(text: &str, i: usize) -> Option<(char, usize)> {
    let rest = text.get(i..)?;
    let c = rest.chars().next()?;
    if c == '[' || c == '(' {
        for (t, g) in [
            ("[x]", '☒'),
            ("[X]", '☒'),
            ("(x)", '☒'),
            ("(X)", '☒'),
            ("[ ]", '☐'),
            ("[]", '☐'),
            ("( )", '☐'),
        ] {
            if rest.starts_with(t) {
                return Some((g, t.len()));
            }
        }
    }
    Some((c, c.len_utf8()))
}

/// Splits a cell's text (from byte `from`) into items: one per line, and
/// within a line at each box glyph, tab or run of two spaces. Returns
/// (start, end) byte ranges in the cell's text.
fn split_ranges(text: &str, from: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut spaces = 0usize;
    let mut last_end = 0usize;
    let mut i = from;
    while let Some((c, len)) = glyph_at(text, i) {
        let off = i;
        i += len;
        let is_box = MARKED.contains(&c) || UNMARKED.contains(&c);
        if c == '\n' {
            if let Some(s) = start.take() {
                out.push((s, last_end));
            }
            spaces = 0;
            continue;
        }
        if is_box && let Some(s) = start.take() {
            out.push((s, last_end));
        }
        if c == '\t' || c == ' ' || c == '\u{a0}' {
            spaces += if c == '\t' { 2 } else { 1 };
            if spaces >= 2
                && let Some(s) = start.take()
            {
                out.push((s, last_end));
            }
            continue;
        }
        spaces = 0;
        if start.is_none() {
            start = Some(off);
        }
        last_end = i;
    }
    if let Some(s) = start {
        out.push((s, last_end));
    }
    out
}

/// The items of a cell's text from byte `from`. An item that names no
/// option but holds several, separated by `/`, `,` or `;` ("Oui / Non"), is
/// split so each can be told apart by its look.
pub(crate) fn items_of(cell: &Cell, from: usize, opts: &'static [Opt]) -> Vec<Item> {
    let mut out = Vec::new();
    for (a, b) in split_ranges(&cell.text, from) {
        let raw = &cell.text[a..b];
        let (mark, body) = take_mark(raw);
        // A mark word typed after the option ("☐ Commune oui", "Región  sí").
        let (mark, body) = match mark {
            Mark::Marked => (mark, body),
            _ => match marked_after(&body, opts) {
                Some(option) => (Mark::Marked, option),
                None => (mark, body),
            },
        };
        let names = match_option(&body, opts);
        let item = Item {
            mark,
            text: body,
            look: cell.look_of(a, b),
            names,
        };
        if names.is_some() || !raw.contains(['/', ',', ';']) {
            out.push(item);
            continue;
        }
        // Pieces at separators, each with its own look.
        let mut pieces = Vec::new();
        let mut s = a;
        for (i, c) in raw.char_indices() {
            if matches!(c, '/' | ',' | ';') {
                pieces.push((s, a + i));
                s = a + i + c.len_utf8();
            }
        }
        pieces.push((s, b));
        let named: Vec<Item> = pieces
            .into_iter()
            .filter_map(|(x, y)| {
                let t = cell.text[x..y].trim();
                let (m, body) = take_mark(t);
                let names = match_option(&body, opts);
                names.map(|_| Item {
                    mark: if mark == Mark::Marked { mark } else { m },
                    text: body,
                    look: cell.look_of(x, y),
                    names,
                })
            })
            .collect();
        if named.len() >= 2 {
            out.extend(named);
        } else {
            out.push(item);
        }
    }
    out
}

/// True when a word (folded) is one people type to mark an option
/// (`spec::MARK_WORDS`), or a mark glyph or arrow.
fn is_mark_word(word: &str) -> bool {
    use std::sync::OnceLock;
    static WORDS: OnceLock<Vec<String>> = OnceLock::new();
    let t = word.trim();
    // Marks are short ("seleccionado" is the longest word).
    if t.is_empty() || t.len() > 16 {
        return false;
    }
    if t.chars()
        .all(|c| MARKED.contains(&c) || matches!(c, '←' | '⇐' | '<' | '-' | '='))
        && t.chars().any(|c| c != '-' && c != '=')
    {
        return true;
    }
    let words = WORDS.get_or_init(|| {
        super::spec::MARK_WORDS
            .iter()
            .map(|(w, _)| fold(w))
            .collect()
    });
    // A plain ASCII word folds to itself in lower case: compared as is.
    if t.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return words.iter().any(|w| w.eq_ignore_ascii_case(t));
    }
    let f = fold(t);
    !f.is_empty() && words.contains(&f)
}

/// The option an item names when a mark word follows it ("Commune oui",
/// "Región : sí", "Film ✓", "Oui <-"): the option's text without the mark.
/// `None` when the item is an option as printed or names none.
fn marked_after(body: &str, opts: &'static [Opt]) -> Option<String> {
    let t = body.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '.' | '!'));
    let cut = t.rfind(|c: char| c.is_whitespace() || matches!(c, ':' | '(' | '['))?;
    let last = t[cut..]
        .trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '(' | '['))
        .trim_end_matches([')', ']']);
    if !is_mark_word(last) {
        return None;
    }
    if matches!(match_option(t, opts), Some((_, OptMatch::Exact, _))) {
        return None;
    }
    let head = t[..cut]
        .trim_end_matches(|c: char| {
            c.is_whitespace() || matches!(c, ':' | '-' | '–' | '=' | '>' | '<' | '←' | '→' | '⇐')
        })
        .trim();
    match_option(head, opts).map(|_| head.to_string())
}

/// An item that is only a mark ("✓", "X", "oui" alone in its cell or
/// between two runs of spaces), not an option of the field.
fn is_lone_mark(item: &Item) -> bool {
    match item.mark {
        Mark::Marked => item.text.is_empty(),
        Mark::Bare => item.names.is_none() && is_mark_word(&item.text),
        Mark::Unmarked => false,
    }
}

/// Gives each lone mark to the option it was typed after (or, first of
/// all, before): "☐ Oui ✓ ☐ Non", cells "☐ Commune" | "x" | "☐ Région".
/// `None` when there is no lone mark.
fn attach_lone_marks(items: &[Item]) -> Option<Vec<Item>> {
    let lone: Vec<bool> = items.iter().map(is_lone_mark).collect();
    if !lone.contains(&true) {
        return None;
    }
    let names = |k: usize| !lone[k] && items[k].names.is_some();
    let mut out: Vec<Item> = items.to_vec();
    let mut keep = vec![true; items.len()];
    for k in (0..items.len()).filter(|k| lone[*k]) {
        let target = if k > 0 && names(k - 1) {
            Some(k - 1)
        } else if k + 1 < items.len() && names(k + 1) {
            Some(k + 1)
        } else {
            None
        };
        if let Some(t) = target {
            out[t].mark = Mark::Marked;
            keep[k] = false;
        }
    }
    let mut n = 0;
    out.retain(|_| {
        n += 1;
        keep[n - 1]
    });
    Some(out)
}

/// Splits a marker off an item: glyphs, "[x]", "(x)", or a lone X before or
/// after the option text.
pub(crate) fn take_mark(item: &str) -> (Mark, String) {
    let t = item.trim();
    for (typed, mark) in [
        ("[x]", Mark::Marked),
        ("[X]", Mark::Marked),
        ("(x)", Mark::Marked),
        ("(X)", Mark::Marked),
        ("[ ]", Mark::Unmarked),
        ("[]", Mark::Unmarked),
        ("( )", Mark::Unmarked),
    ] {
        if let Some(rest) = t.strip_prefix(typed) {
            return (mark, rest.trim().to_string());
        }
    }
    if let Some(c) = t.chars().next() {
        if MARKED.contains(&c) {
            return (Mark::Marked, t[c.len_utf8()..].trim().to_string());
        }
        if UNMARKED.contains(&c) {
            let body = t[c.len_utf8()..].trim();
            // The box left empty and a mark typed beside it ("☐ X Commune",
            // "☐ Commune X").
            if let (Mark::Marked, inner) = take_mark(body)
                && !inner.is_empty()
            {
                return (Mark::Marked, inner);
            }
            return (Mark::Unmarked, body.to_string());
        }
    }
    for x in ["X ", "x ", "X\t", "x\t", "X:", "x:", "X-", "x-"] {
        if let Some(rest) = t.strip_prefix(x) {
            return (
                Mark::Marked,
                rest.trim_start_matches([':', '-']).trim().to_string(),
            );
        }
    }
    if let Some(c) = t.chars().last() {
        let body = t[..t.len() - c.len_utf8()].trim_end();
        if MARKED.contains(&c) {
            return (Mark::Marked, body.to_string());
        }
        if UNMARKED.contains(&c) {
            return (Mark::Unmarked, body.to_string());
        }
    }
    for x in [" X", " x", "(X)", "(x)", "[X]", "[x]"] {
        if let Some(rest) = t.strip_suffix(x) {
            return (Mark::Marked, rest.trim().to_string());
        }
    }
    (Mark::Bare, t.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OptMatch {
    Exact,
    /// The option followed by more words ("Oui, adhérente depuis 2012").
    WithText,
    /// Close to the option's spelling, or a time that names a slot.
    Approximate,
}

/// A time of day found in a text: hours and minutes as written, whether an
/// "am"/"pm" follows it, and where it stands (char indices).
struct Clock {
    h: u32,
    m: u32,
    half: Option<Half>,
    start: usize,
    end: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Half {
    Am,
    Pm,
}

impl Clock {
    /// The time on a 24-hour clock under `half` ("2:20 pm" → 14:20,
    /// "12:45 pm" → 12:45, "12:10 am" → 00:10).
    fn hours(&self, half: Option<Half>) -> u32 {
        match half {
            Some(Half::Pm) if self.h < 12 => self.h + 12,
            Some(Half::Am) if self.h == 12 => 0,
            _ => self.h,
        }
    }
}

/// Times written in a text ("14h20", "14 h 20", "14:20", "14h", "2:20 pm"),
/// with the "am"/"pm" written once after a range applying to both ends
/// ("2:00 – 2:20 pm" is 14:00 to 14:20), as "HH:MM".
pub(crate) fn times_in(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut clocks: Vec<Clock> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_digit()) {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let hours: String = chars[start..i].iter().collect();
            let mut j = i;
            while j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            let separated = j < chars.len() && matches!(chars[j], 'h' | 'H' | ':' | '.');
            let mut m_digits = String::new();
            if separated {
                j += 1;
                while j < chars.len() && chars[j] == ' ' {
                    j += 1;
                }
                let m_start = j;
                while j < chars.len() && chars[j].is_ascii_digit() && j - m_start < 2 {
                    j += 1;
                }
                m_digits = chars[m_start..j].iter().collect();
            }
            // "2 pm", "2:20 p.m.", "2:20PM"
            let mut k = j;
            while k < chars.len() && chars[k] == ' ' {
                k += 1;
            }
            let tail: String = chars[k..chars.len().min(k + 4)]
                .iter()
                .collect::<String>()
                .to_lowercase();
            let word_ends = |n: usize| chars.get(k + n).is_none_or(|c| !c.is_alphanumeric());
            let half = if (tail.starts_with("pm") && word_ends(2)) || tail.starts_with("p.m") {
                Some(Half::Pm)
            } else if (tail.starts_with("am") && word_ends(2)) || tail.starts_with("a.m") {
                Some(Half::Am)
            } else {
                None
            };
            let mut end = j;
            if half.is_some() {
                end = k + if tail.starts_with("p.m") || tail.starts_with("a.m") {
                    3
                } else {
                    2
                };
            }
            if (separated || half.is_some())
                && let Ok(h) = hours.parse::<u32>()
            {
                let m = match m_digits.len() {
                    2 => m_digits.parse::<u32>().ok(),
                    0 => Some(0),
                    _ => None,
                };
                // An hour past 12 with "pm" ("14:00 pm") is a 24-hour time.
                let half = half.filter(|_| h <= 12);
                if let Some(m) = m
                    && h < 24
                    && m < 60
                {
                    clocks.push(Clock {
                        h,
                        m,
                        half,
                        start,
                        end: end.max(j),
                    });
                }
            }
            i = j.max(i);
        } else {
            i += 1;
        }
    }
    // A range's start takes the "am"/"pm" written after its end, unless
    // that would put it after the end ("11:30 – 12:10 pm").
    let mut out = Vec::with_capacity(clocks.len());
    for (n, c) in clocks.iter().enumerate() {
        let mut half = c.half;
        if half.is_none()
            && let Some(next) = clocks.get(n + 1)
            && next.half.is_some()
            && joins_a_range(&chars[c.end.min(next.start)..next.start])
        {
            let end = next.hours(next.half) * 60 + next.m;
            let inherited = c.hours(next.half) * 60 + c.m;
            if inherited <= end {
                half = next.half;
            }
        }
        out.push(format!("{:02}:{:02}", c.hours(half), c.m));
    }
    out
}

/// True when the text between two times makes them a range ("–", "-",
/// "to", "à", "a", "hasta", "até").
fn joins_a_range(between: &[char]) -> bool {
    let s: String = between.iter().collect();
    let s = s.trim().to_lowercase();
    s.is_empty()
        || [
            "-", "–", "—", "/", "to", "till", "until", "à", "a", "au", "hasta", "até", "ate",
        ]
        .contains(&s.as_str())
}

/// The folded names of each option of a list, computed once per list:
/// the spec's lists at first use, without a lock afterwards; another list
/// (a test's) on demand.
fn folded_names(opts: &'static [Opt]) -> &'static [Vec<(String, Lang)>] {
    use super::labels::FastMap;
    use std::sync::{Mutex, OnceLock};
    type Names = &'static [Vec<(String, Lang)>];
    fn fold_list(opts: &'static [Opt]) -> Names {
        let v: Vec<Vec<(String, Lang)>> = opts
            .iter()
            .map(|o| o.names().map(|(n, l)| (fold(n), l)).collect())
            .collect();
        // Option lists are a handful of statics: leaked once, on purpose.
        Box::leak(v.into_boxed_slice())
    }
    static SPEC: OnceLock<FastMap<usize, Names>> = OnceLock::new();
    let spec = SPEC.get_or_init(|| {
        let mut map = FastMap::default();
        for kind in super::model::Kind::all() {
            for f in super::spec::fields(kind) {
                if let super::spec::FieldType::Choice(list) = f.ty {
                    map.entry(list.as_ptr() as usize)
                        .or_insert_with(|| fold_list(list));
                }
            }
        }
        map
    });
    let key = opts.as_ptr() as usize;
    if let Some(names) = spec.get(&key) {
        return names;
    }
    static OTHERS: OnceLock<Mutex<FastMap<usize, Names>>> = OnceLock::new();
    let mut others = OTHERS
        .get_or_init(|| Mutex::new(FastMap::default()))
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    others.entry(key).or_insert_with(|| fold_list(opts))
}

/// The option a text names, how closely, and in which language.
pub(crate) fn match_option(
    text: &str,
    opts: &'static [Opt],
) -> Option<(&'static Opt, OptMatch, Lang)> {
    let folded = fold(text);
    if folded.is_empty() {
        return None;
    }
    let names = folded_names(opts);
    for (o, ns) in opts.iter().zip(names) {
        if let Some((_, lang)) = ns.iter().find(|(n, _)| *n == folded) {
            return Some((o, OptMatch::Exact, *lang));
        }
    }
    // The option's full name followed by more words.
    let mut best: Option<(&'static Opt, usize, Lang)> = None;
    for (o, ns) in opts.iter().zip(names) {
        for (n, lang) in ns {
            let lang = *lang;
            if folded.len() > n.len()
                && folded.starts_with(n.as_str())
                && folded.as_bytes()[n.len()] == b' '
                && best.is_none_or(|(_, len, _)| n.len() > len)
            {
                best = Some((o, n.len(), lang));
            }
        }
    }
    if let Some((o, len, lang)) = best {
        // "Oui / Non": the words after the option name another option, so
        // this is the list of options, not an answer with a comment.
        let rest = format!(" {} ", &folded[len..]);
        let names_another = opts
            .iter()
            .zip(names)
            .filter(|(x, _)| x.value != o.value)
            .any(|(_, ns)| ns.iter().any(|(n, _)| rest.contains(&format!(" {n} "))));
        if !names_another {
            return Some((o, OptMatch::WithText, lang));
        }
        return None;
    }
    // A slot written as a time.
    let is_slot = opts.iter().any(|o| o.value.contains(':'));
    if is_slot
        && let Some(first) = times_in(text).first()
        && let Some(o) = opts.iter().find(|o| o.value == first)
    {
        return Some((o, OptMatch::Approximate, Lang::Fr));
    }
    for (o, ns) in opts.iter().zip(names) {
        for (n, lang) in ns {
            if n.len() >= 5
                && folded.len().abs_diff(n.len()) <= 1 + n.len() / 10
                && super::text::distance_within(&folded, n, 1 + n.len() / 10).is_some()
            {
                return Some((o, OptMatch::Approximate, *lang));
            }
        }
    }
    None
}

/// An option found among the items, with how it was found.
struct Found {
    opt: &'static Opt,
    how: OptMatch,
    lang: Lang,
    look: Look,
}

fn found(items: &[&Item]) -> Vec<Found> {
    let mut out: Vec<Found> = Vec::new();
    for item in items {
        if let Some((o, how, lang)) = item.names
            && !out.iter().any(|f| f.opt.value == o.value)
        {
            out.push(Found {
                opt: o,
                how,
                lang,
                look: item.look,
            });
        }
    }
    out
}

fn recovered(how: OptMatch, raw: &str) -> Option<String> {
    match how {
        OptMatch::Exact => None,
        OptMatch::WithText => Some(format!("réponse en texte libre « {} »", raw.trim())),
        OptMatch::Approximate => Some(format!(
            "option reconnue approximativement dans « {} »",
            raw.trim()
        )),
    }
}

/// Why options whose box is empty were read as chosen: the others were
/// deleted from the answer.
fn left_alone(left: &[&Found], raw: &str) -> String {
    format!(
        "case{} non cochée{} mais les autres options effacées : {} retenu{} (« {} »), à vérifier",
        if left.len() > 1 { "s" } else { "" },
        if left.len() > 1 { "s" } else { "" },
        names(left),
        if left.len() > 1 { "s" } else { "" },
        raw.trim()
    )
}

fn names(f: &[&Found]) -> String {
    f.iter().map(|f| f.opt.label).collect::<Vec<_>>().join(", ")
}

/// The option made to stand out by its look among options otherwise
/// printed alike: `Some(Ok(one))`, `Some(Err(reason))` when several stand
/// out, `None` when looks tell nothing.
fn by_look<'f>(cands: &'f [&'f Found]) -> Option<Result<&'f Found, String>> {
    if cands.len() < 2 {
        return None;
    }
    let looks: Vec<Look> = cands.iter().map(|f| f.look.emphasis()).collect();
    if looks.iter().all(|l| *l == looks[0]) {
        return None;
    }
    // What the printed options look like: plain when some still are,
    // otherwise the look most of them share.
    let base = if looks.iter().any(Look::is_plain) {
        Look::default()
    } else {
        let mut best = (looks[0], 0);
        for l in &looks {
            let n = looks.iter().filter(|x| *x == l).count();
            if n > best.1 {
                best = (*l, n);
            }
        }
        best.0
    };
    let standing: Vec<&Found> = cands
        .iter()
        .zip(&looks)
        .filter(|(_, l)| **l != base)
        .map(|(f, _)| *f)
        .collect();
    match standing.len() {
        0 => None,
        1 => Some(Ok(standing[0])),
        _ => Some(Err(format!(
            "plusieurs options mises en évidence ({}) : texte conservé tel quel, à trancher",
            names(&standing)
        ))),
    }
}

/// Reads a choice from the items of its answer. `raw` is the answer's text
/// as written (for messages).
pub(crate) fn read_choice(items: &[Item], raw: &str, opts: &'static [Opt]) -> Choice {
    // Items name options of the list they were read against (`items_of`).
    debug_assert!(
        items
            .iter()
            .all(|i| i.names.is_none_or(|(o, _, _)| opts.contains(o)))
    );
    let attached = attach_lone_marks(items);
    let items = attached.as_deref().unwrap_or(items);
    let with = |m: Mark| items.iter().filter(|i| i.mark == m).collect::<Vec<_>>();
    let marked_items = with(Mark::Marked);
    let marked = found(&marked_items);
    match marked.len() {
        1 => {
            return Choice::One {
                value: marked[0].opt.value,
                recovered: recovered(marked[0].how, raw),
                lang: marked[0].lang,
            };
        }
        n if n > 1 => {
            let all: Vec<&Found> = marked.iter().collect();
            return Choice::Ambiguous(format!(
                "plusieurs options cochées ({}) : texte conservé tel quel, à trancher",
                names(&all)
            ));
        }
        _ => {}
    }
    if !marked_items.is_empty() {
        // Something is marked but names no option.
        return Choice::Unrecognised;
    }

    // No mark: options told apart by strike-through or by their look.
    let unmarked: Vec<&Item> = items.iter().filter(|i| i.mark != Mark::Marked).collect();
    let all = found(&unmarked);
    let struck = all.iter().filter(|f| f.look.strike).count();
    let kept: Vec<&Found> = all.iter().filter(|f| !f.look.strike).collect();
    if struck > 0 {
        match kept.len() {
            0 => {
                return Choice::Ambiguous(
                    "toutes les options sont barrées : texte conservé tel quel, à trancher".into(),
                );
            }
            1 => {
                return Choice::One {
                    value: kept[0].opt.value,
                    recovered: Some(format!(
                        "option retenue parce que les autres sont barrées ({})",
                        kept[0].opt.label
                    )),
                    lang: kept[0].lang,
                };
            }
            _ => {}
        }
    }
    match by_look(&kept) {
        Some(Ok(f)) => {
            return Choice::One {
                value: f.opt.value,
                recovered: Some(format!(
                    "option repérée à sa mise en forme ({}) : {}",
                    f.look.emphasis().describe(),
                    f.opt.label
                )),
                lang: f.lang,
            };
        }
        Some(Err(why)) => return Choice::Ambiguous(why),
        None => {}
    }
    if struck > 0 {
        return Choice::Ambiguous(format!(
            "options non barrées : {} ; texte conservé tel quel, à trancher",
            names(&kept)
        ));
    }

    // Options left after the others were deleted (boxes removed or not).
    let bare_items = with(Mark::Bare);
    if bare_items.is_empty() {
        // Every box left empty, but the other options deleted: the one
        // left is the answer (said, to be checked).
        return match kept.as_slice() {
            [one] if opts.len() > 1 => Choice::One {
                value: one.opt.value,
                recovered: Some(left_alone(&[one], raw)),
                lang: one.lang,
            },
            _ => Choice::Absent,
        };
    }
    let bare = found(&bare_items);
    let has_boxes = items.iter().any(|i| i.mark == Mark::Unmarked);
    match bare.len() {
        0 => Choice::Unrecognised,
        1 if !has_boxes => Choice::One {
            value: bare[0].opt.value,
            recovered: recovered(bare[0].how, raw),
            lang: bare[0].lang,
        },
        1 => Choice::One {
            value: bare[0].opt.value,
            recovered: Some(format!(
                "seule option sans case vide dans « {} »",
                raw.trim()
            )),
            lang: bare[0].lang,
        },
        _ => {
            let all: Vec<&Found> = bare.iter().collect();
            Choice::Ambiguous(format!(
                "plusieurs options laissées ({}) : texte conservé tel quel, à trancher",
                names(&all)
            ))
        }
    }
}

/// Reads the answer of a field where any number of options may be chosen:
/// every marked option; with no mark, the options not struck through, or
/// those left after the others were deleted.
pub(crate) fn read_choices(items: &[Item], raw: &str, opts: &'static [Opt]) -> Choice {
    let attached = attach_lone_marks(items);
    let items = attached.as_deref().unwrap_or(items);
    let with = |m: Mark| items.iter().filter(|i| i.mark == m).collect::<Vec<_>>();
    let many = |f: &[Found], why: Option<String>| {
        let lang = f
            .iter()
            .map(|x| x.lang)
            .find(|l| *l != Lang::Fr)
            .unwrap_or(Lang::Fr);
        let values: Vec<&'static str> = opts
            .iter()
            .filter(|o| f.iter().any(|x| x.opt.value == o.value))
            .map(|o| o.value)
            .collect();
        let why = why.or_else(|| f.iter().find_map(|x| recovered(x.how, raw)));
        match values.as_slice() {
            [] => Choice::Unrecognised,
            [one] => Choice::One {
                value: one,
                recovered: why,
                lang,
            },
            _ => Choice::Many {
                values,
                recovered: why,
                lang,
            },
        }
    };
    let marked_items = with(Mark::Marked);
    if !marked_items.is_empty() {
        return many(&found(&marked_items), None);
    }
    let unmarked: Vec<&Item> = items.iter().filter(|i| i.mark != Mark::Marked).collect();
    let all = found(&unmarked);
    if all.iter().any(|f| f.look.strike) {
        let kept: Vec<Found> = all.into_iter().filter(|f| !f.look.strike).collect();
        if kept.is_empty() {
            return Choice::Ambiguous(
                "toutes les options sont barrées : texte conservé tel quel, à trancher".into(),
            );
        }
        let why = format!(
            "options retenues parce que les autres sont barrées ({})",
            names(&kept.iter().collect::<Vec<_>>())
        );
        return many(&kept, Some(why));
    }
    let bare_items = with(Mark::Bare);
    if bare_items.is_empty() {
        // Every box left empty, but some options deleted: those left are
        // the answer (said, to be checked).
        let left = found(&unmarked);
        if !left.is_empty() && left.len() < opts.len() {
            let why = left_alone(&left.iter().collect::<Vec<_>>(), raw);
            return many(&left, Some(why));
        }
        return Choice::Absent;
    }
    let bare = found(&bare_items);
    let has_boxes = items.iter().any(|i| i.mark == Mark::Unmarked);
    let why = has_boxes.then(|| format!("seules options sans case vide dans « {} »", raw.trim()));
    many(&bare, why)
}

/// True when the answer came from a cell holding a time of day typed as a
/// time (or a date-time), not as text.
pub(crate) fn typed_as_time(cells: &[&Cell]) -> bool {
    cells.iter().any(|c| match c.typed {
        Typed::Time(_) => true,
        Typed::Date(v) => v.fract() != 0.0,
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fiche::model::Span;
    use crate::fiche::spec::{self, Opt};
    #[allow(non_snake_case)]
    fn MICRO_SLOTS() -> &'static [Opt] {
        spec::options("micro_atelier_slots")
    }
    #[allow(non_snake_case)]
    fn ORGANISATION_TYPES() -> &'static [Opt] {
        spec::options("organisation_types")
    }
    #[allow(non_snake_case)]
    fn YES_NO() -> &'static [Opt] {
        spec::options("yes_no")
    }

    fn one(v: &'static str) -> Choice {
        Choice::One {
            value: v,
            recovered: None,
            lang: Lang::Fr,
        }
    }

    fn read(raw: &str, opts: &'static [Opt]) -> Choice {
        let cell = Cell::text(0, raw);
        read_choice(&items_of(&cell, 0, opts), raw, opts)
    }

    fn value(c: &Choice) -> Option<&'static str> {
        match c {
            Choice::One { value, .. } => Some(value),
            _ => None,
        }
    }

    #[test]
    fn choices_marked_every_way() {
        assert_eq!(read("☒ Oui    ☐ Non", YES_NO()), one("true"));
        assert_eq!(read("☐ Oui ☑ Non", YES_NO()), one("false"));
        assert_eq!(read("X Oui    ☐ Non", YES_NO()), one("true"));
        assert_eq!(read("☐ Oui    x Non", YES_NO()), one("false"));
        assert_eq!(read("[x] Oui [ ] Non", YES_NO()), one("true"));
        assert_eq!(read("Oui X   Non", YES_NO()), one("true"));
        assert_eq!(
            read(
                "☐ Commune\n☐ Intercommunalité\nX Département",
                ORGANISATION_TYPES()
            ),
            one("departement")
        );
        assert_eq!(read("✓ Région", ORGANISATION_TYPES()), one("region"));
    }

    #[test]
    fn a_mark_typed_after_an_option_whose_box_is_left_empty() {
        // In the same cell: glyph, letter or word after the option's label.
        assert_eq!(read("☐ Oui ✓    ☐ Non", YES_NO()), one("true"));
        assert_eq!(read("☐ Oui    ☐ Non X", YES_NO()), one("false"));
        assert_eq!(read("☐ Oui    ☐ Non x", YES_NO()), one("false"));
        assert_eq!(
            read(
                "☐ Commune  ☐ Intercommunalité oui  ☐ Département",
                ORGANISATION_TYPES()
            ),
            one("intercommunalite")
        );
        assert_eq!(
            read("☐ Commune\n☐ Région : oui\n☐ Autre", ORGANISATION_TYPES()),
            one("region")
        );
        assert_eq!(
            read("☐ Commune ✔\n☐ Région\n☐ Autre", ORGANISATION_TYPES()),
            one("commune")
        );
        assert_eq!(
            read("☐ Commune\n☐ Región <- sí\n☐ Autre", ORGANISATION_TYPES()),
            one("region")
        );
        assert_eq!(read("☐ X Non   ☐ Oui", YES_NO()), one("false"));
        // Two marks are never a guess.
        assert!(matches!(
            read("☐ Commune x  ☐ Région x", ORGANISATION_TYPES()),
            Choice::Ambiguous(_)
        ));
        // "Oui" typed after the printed options of a yes/no question is the
        // answer Oui, not a mark given to Non.
        assert_eq!(
            value(&read("☐ Oui    ☐ Non    Oui", YES_NO())),
            Some("true")
        );
        // Blank options stay blank.
        assert_eq!(
            read("☐ Commune  ☐ Région", ORGANISATION_TYPES()),
            Choice::Absent
        );
    }

    #[test]
    fn a_mark_in_the_cell_after_an_option() {
        // Options one per cell, the mark typed in the cell after one of them.
        let cells = [
            Cell::text(1, "☐ Commune"),
            Cell::text(2, "☐ Région"),
            Cell::text(3, "X"),
            Cell::text(4, "☐ Autre"),
        ];
        let items: Vec<Item> = cells
            .iter()
            .flat_map(|c| items_of(c, 0, ORGANISATION_TYPES()))
            .collect();
        assert_eq!(read_choice(&items, "", ORGANISATION_TYPES()), one("region"));
        let cells = [
            Cell::text(1, "✓"),
            Cell::text(2, "Film"),
            Cell::text(3, "Autre"),
        ];
        let items: Vec<Item> = cells
            .iter()
            .flat_map(|c| items_of(c, 0, crate::fiche::spec::options("formats")))
            .collect();
        assert_eq!(
            read_choice(&items, "", crate::fiche::spec::options("formats")),
            one("film")
        );
    }

    #[test]
    fn choices_by_deletion_and_typed() {
        // The other options deleted, the box of the one kept left empty:
        // read, and said.
        let left = read("☐ Région", ORGANISATION_TYPES());
        assert_eq!(value(&left), Some("region"));
        assert!(
            matches!(&left, Choice::One { recovered: Some(w), .. } if w.contains("autres options effacées")),
            "{left:?}"
        );
        assert_eq!(
            value(&read("☐ 14h40 – 15h00", MICRO_SLOTS())),
            Some("14:40")
        );
        // Nothing deleted, nothing ticked: no answer.
        assert_eq!(read("☐ Oui ☐ Non", YES_NO()), Choice::Absent);
        // Several kept of a several-choices list: all of them.
        let items = |t: &str| {
            let cell = Cell::text(0, t);
            items_of(&cell, 0, ORGANISATION_TYPES())
        };
        let several = read_choices(&items("☐ Commune\n☐ Région"), "", ORGANISATION_TYPES());
        assert!(
            matches!(&several, Choice::Many { values, .. } if values == &["commune", "region"]),
            "{several:?}"
        );
        assert_eq!(read("Non", YES_NO()), one("false"));
        assert_eq!(
            read("Departement", ORGANISATION_TYPES()),
            one("departement")
        );
        assert_eq!(
            read("ASSOCIATION / ONG", ORGANISATION_TYPES()),
            one("association")
        );
        assert_eq!(read("14h20 – 14h40", MICRO_SLOTS()), one("14:20"));
        assert_eq!(value(&read("2:20 pm", MICRO_SLOTS())), Some("14:20"));
        assert_eq!(
            read("Yes", YES_NO()),
            Choice::One {
                value: "true",
                recovered: None,
                lang: Lang::En
            }
        );
    }

    #[test]
    fn choices_recovered_carry_a_reason() {
        match read("Oui, adhérente depuis 2012", YES_NO()) {
            Choice::One {
                value: "true",
                recovered: Some(w),
                ..
            } => assert!(w.contains("texte libre")),
            other => panic!("{other:?}"),
        }
        assert_eq!(value(&read("14h20", MICRO_SLOTS())), Some("14:20"));
        match read("vers 15h", MICRO_SLOTS()) {
            Choice::One {
                value: "15:00",
                recovered: Some(_),
                ..
            } => {}
            other => panic!("{other:?}"),
        }
        assert_eq!(
            value(&read("Intercommunalite", ORGANISATION_TYPES())),
            Some("intercommunalite")
        );
    }

    #[test]
    fn choices_unmarked_ambiguous_unknown() {
        assert_eq!(read("☐ Oui    ☐ Non", YES_NO()), Choice::Absent);
        assert!(matches!(
            read("☒ Oui    ☒ Non", YES_NO()),
            Choice::Ambiguous(_)
        ));
        assert!(matches!(read("Oui    Non", YES_NO()), Choice::Ambiguous(_)));
        assert_eq!(read("Peut-être", YES_NO()), Choice::Unrecognised);
        assert_eq!(read("", YES_NO()), Choice::Absent);
    }

    fn styled(text: &str, styled: &str, look: Look) -> Cell {
        let at = text.find(styled).unwrap();
        Cell {
            spans: vec![Span {
                start: at as u32,
                end: (at + styled.len()) as u32,
                look,
            }],
            ..Cell::text(0, text)
        }
    }

    #[test]
    fn choices_by_look_and_strike() {
        let bold = Look {
            bold: true,
            ..Look::default()
        };
        let strike = Look {
            strike: true,
            ..Look::default()
        };
        let c = styled("☐ Oui    ☐ Non", "Non", bold);
        match read_choice(&items_of(&c, 0, YES_NO()), &c.text, YES_NO()) {
            Choice::One {
                value: "false",
                recovered: Some(w),
                ..
            } => assert!(w.contains("gras"), "{w}"),
            other => panic!("{other:?}"),
        }
        let c = styled(
            "Oui / Non",
            "Oui",
            Look {
                highlight: true,
                ..Look::default()
            },
        );
        assert_eq!(
            value(&read_choice(&items_of(&c, 0, YES_NO()), &c.text, YES_NO())),
            Some("true")
        );
        let text = "Commune\nIntercommunalité\nDépartement";
        let mut c = Cell::text(0, text);
        for w in ["Commune", "Intercommunalité"] {
            let at = text.find(w).unwrap();
            c.spans.push(Span {
                start: at as u32,
                end: (at + w.len()) as u32,
                look: strike,
            });
        }
        assert_eq!(
            value(&read_choice(
                &items_of(&c, 0, ORGANISATION_TYPES()),
                text,
                ORGANISATION_TYPES()
            )),
            Some("departement")
        );
        // Two options in bold: never a guess.
        let text = "☐ Commune\n☐ Région\n☐ Autre";
        let mut c = Cell::text(0, text);
        for w in ["Commune", "Région"] {
            let at = text.find(w).unwrap();
            c.spans.push(Span {
                start: at as u32,
                end: (at + w.len()) as u32,
                look: bold,
            });
        }
        assert!(matches!(
            read_choice(
                &items_of(&c, 0, ORGANISATION_TYPES()),
                text,
                ORGANISATION_TYPES()
            ),
            Choice::Ambiguous(_)
        ));
    }

    #[test]
    fn times_are_found() {
        assert_eq!(times_in("14h20 – 14h40"), vec!["14:20", "14:40"]);
        assert_eq!(times_in("vers 15 h"), vec!["15:00"]);
        assert_eq!(times_in("12:45"), vec!["12:45"]);
        assert_eq!(times_in("2 pm"), vec!["14:00"]);
        assert!(times_in("2018").is_empty());
        // English 12-hour style: "pm" written once after a range.
        assert_eq!(times_in("2:00 – 2:20 pm"), vec!["14:00", "14:20"]);
        assert_eq!(times_in("1:15 – 1:45 pm"), vec!["13:15", "13:45"]);
        assert_eq!(times_in("9:30-9:50 am"), vec!["09:30", "09:50"]);
        assert_eq!(times_in("12:45 – 1:15 p.m."), vec!["12:45", "13:15"]);
        assert_eq!(times_in("11:30 to 12:10 pm"), vec!["11:30", "12:10"]);
        assert_eq!(times_in("4:30 PM - 5:00 PM"), vec!["16:30", "17:00"]);
        assert_eq!(times_in("2.00-2.20pm"), vec!["14:00", "14:20"]);
        assert_eq!(times_in("12:10 am"), vec!["00:10"]);
        assert_eq!(times_in("14:00 pm"), vec!["14:00"]);
        // "am" inside a word is no half of the day.
        assert_eq!(times_in("14h amical"), vec!["14:00"]);
    }

    #[test]
    fn slots_written_in_english_12_hour_style() {
        #[allow(non_snake_case)]
        let BOURSE_SLOTS = spec::options("bourse_projets_slots");
        assert_eq!(value(&read("2:00 – 2:20 pm", MICRO_SLOTS())), Some("14:00"));
        assert_eq!(value(&read("3:20-3:40 PM", MICRO_SLOTS())), Some("15:20"));
        assert_eq!(value(&read("1:15 – 1:45 pm", BOURSE_SLOTS)), Some("13:15"));
        assert_eq!(value(&read("12:45 – 1:15 pm", BOURSE_SLOTS)), Some("12:45"));
        // Marked among the translated options.
        assert_eq!(
            value(&read(
                "☐ 2:00 – 2:20 pm   ☒ 2:20 – 2:40 pm   ☐ 2:40 – 3:00 pm",
                MICRO_SLOTS()
            )),
            Some("14:20")
        );
        // A morning time names no slot of the event: kept, never guessed.
        assert_eq!(read("9:30-9:50 am", MICRO_SLOTS()), Choice::Unrecognised);
    }
}
