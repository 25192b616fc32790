//! The form interpreter: rows of cells (from any format reader) → a typed
//! fiche. It finds the form's labels however people retyped them, takes the
//! value beside (or inside) each label, reads choices however they were
//! marked, tells the kind, and says what it recovered or could not decide.
//! It never invents a value: what is unclear is kept as written and flagged.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::model::{Fiche, FicheError, Grid, Kind, Value, Warning};
use super::spec::{self, FieldSpec, FieldType, Opt};
use super::text::{Profile, clean_value, distance_within, fold, fold_label, is_blank_value};

/// How a label cell matched a field.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LabelHit {
    index: usize,
    /// Value typed after the label in the same cell ("Pays : Sénégal").
    inline: Option<String>,
    /// The label was found only approximately (typo, extra words).
    approximate: bool,
}

/// One field's labels, folded once.
struct LabelSet {
    folded: Vec<Vec<String>>,
    profiles: Vec<Vec<Profile>>,
}

impl LabelSet {
    /// The folded labels of a form (`None`: the fields both forms share),
    /// computed once per process.
    fn of(kind: Option<Kind>) -> &'static LabelSet {
        static MICRO: OnceLock<LabelSet> = OnceLock::new();
        static BOURSE: OnceLock<LabelSet> = OnceLock::new();
        static COMMON: OnceLock<LabelSet> = OnceLock::new();
        let cell = match kind {
            Some(Kind::MicroAtelier) => &MICRO,
            Some(Kind::BourseProjets) => &BOURSE,
            None => &COMMON,
        };
        cell.get_or_init(|| LabelSet::new(table(kind)))
    }

    fn new(specs: &[FieldSpec]) -> LabelSet {
        let folded = specs
            .iter()
            .map(|s| {
                std::iter::once(s.label)
                    .chain(s.aliases.iter().copied())
                    .map(fold_label)
                    .collect()
            })
            .collect::<Vec<Vec<String>>>();
        let profiles = folded
            .iter()
            .map(|labels| labels.iter().map(|l| Profile::of(l)).collect())
            .collect();
        LabelSet { folded, profiles }
    }

    fn exact(&self, folded: &str) -> Option<usize> {
        if folded.is_empty() {
            return None;
        }
        self.folded
            .iter()
            .position(|labels| labels.iter().any(|l| l == folded))
    }

    /// A label with words added after it ("Téléphone portable") or a typo
    /// ("Courriel" → "Couriel"). The longest label wins.
    fn approximate(&self, folded: &str) -> Option<usize> {
        // Labels are short; a long text is an answer or a heading, not a label.
        if folded.len() > 80 {
            return None;
        }
        let mut best: Option<(usize, usize)> = None;
        let profile = Profile::of(folded);
        for (i, labels) in self.folded.iter().enumerate() {
            for (l, lp) in labels.iter().zip(&self.profiles[i]) {
                let prefix = l.len() >= 4
                    && folded.len() > l.len()
                    && folded.starts_with(l.as_str())
                    && folded.as_bytes()[l.len()] == b' '
                    // "Nom de ..." is a different question, not a retyped "Nom".
                    && folded.split(' ').count() <= l.split(' ').count() + 2;
                let max = 1 + l.len() / 12;
                let typo = l.len() >= 7
                    && folded.len().abs_diff(l.len()) <= max
                    && profile.gap(lp) <= max
                    && distance_within(folded, l, max).is_some();
                if (prefix || typo) && best.is_none_or(|(_, len)| l.len() > len) {
                    best = Some((i, l.len()));
                }
            }
        }
        best.map(|(i, _)| i)
    }
}

fn split_inline(cell: &str) -> Option<(&str, &str)> {
    // "Pays : Sénégal", "Pays: Sénégal", "Pays\nSénégal".
    let colon = cell.find([':', '：']);
    let newline = cell.find('\n');
    let at = match (colon, newline) {
        (Some(c), Some(n)) => c.min(n),
        (Some(c), None) => c,
        (None, Some(n)) => n,
        (None, None) => return None,
    };
    let sep_len = cell[at..].chars().next().map_or(1, char::len_utf8);
    Some((&cell[..at], &cell[at + sep_len..]))
}

/// A row made ready for label matching once, whatever form is tried.
struct PreparedRow {
    /// The label cell as written (the first non-empty cell).
    cell: String,
    folded: String,
    /// The label cell split at its first ':' or line break: the folded left
    /// part and the cleaned right part (`None` when blank).
    inline: Option<(String, Option<String>)>,
    /// The cleaned non-empty cells right of the label cell.
    rest: Vec<String>,
}

fn prepare(grid: &Grid) -> Vec<PreparedRow> {
    grid.rows
        .iter()
        .filter_map(|row| {
            let first = row.iter().position(|c| !c.trim().is_empty())?;
            let cell = &row[first];
            let inline = split_inline(cell).map(|(left, right)| {
                let value = clean_value(right);
                (fold_label(left), (!is_blank_value(&value)).then_some(value))
            });
            Some(PreparedRow {
                cell: cell.clone(),
                folded: fold_label(cell),
                inline,
                rest: row[first + 1..]
                    .iter()
                    .map(|c| clean_value(c))
                    .filter(|c| !c.is_empty())
                    .collect(),
            })
        })
        .collect()
}

fn match_label(row: &PreparedRow, labels: &LabelSet) -> Option<LabelHit> {
    if let Some(index) = labels.exact(&row.folded) {
        return Some(LabelHit {
            index,
            inline: None,
            approximate: false,
        });
    }
    if let Some((left, inline)) = &row.inline {
        if let Some(index) = labels.exact(left) {
            return Some(LabelHit {
                index,
                inline: inline.clone(),
                approximate: false,
            });
        }
        if let Some(index) = labels.approximate(left) {
            return Some(LabelHit {
                index,
                inline: inline.clone(),
                approximate: true,
            });
        }
    }
    labels.approximate(&row.folded).map(|index| LabelHit {
        index,
        inline: None,
        approximate: true,
    })
}

/// The result of reading one choice field.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Choice {
    /// One option; `recovered` says why a warning is due (free text, typo).
    One {
        value: &'static str,
        recovered: Option<String>,
    },
    Absent,
    /// More than one option marked, or options left with no way to tell.
    Ambiguous,
    /// Text that names no option.
    Unrecognised,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Marked,
    Unmarked,
    Bare,
}

const MARKED: &[char] = &[
    '☒', '☑', '✓', '✔', '✗', '✘', '■', '▣', '⊠', '⊗', '🗹', '⮽', '●', '◉', '⬛',
];
const UNMARKED: &[char] = &['☐', '□', '▢', '○', '◯', '⬜', '❏', '❑', '◻'];

fn split_items(raw: &str) -> Vec<String> {
    let mut items = Vec::new();
    for line in raw.split('\n') {
        let mut current = String::new();
        let mut spaces = 0usize;
        for c in line.chars() {
            let is_box = MARKED.contains(&c) || UNMARKED.contains(&c);
            if is_box && !current.trim().is_empty() {
                items.push(std::mem::take(&mut current));
            }
            if c == '\t' || c == ' ' || c == '\u{a0}' {
                spaces += if c == '\t' { 2 } else { 1 };
                if spaces >= 2 && !current.trim().is_empty() {
                    items.push(std::mem::take(&mut current));
                }
                current.push(' ');
                continue;
            }
            spaces = 0;
            current.push(c);
        }
        if !current.trim().is_empty() {
            items.push(current);
        }
    }
    items
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Splits a marker off an item: glyphs, "[x]", "(x)", or a lone X before or
/// after the option text.
fn take_mark(item: &str) -> (Mark, String) {
    let t = item.trim();
    if let Some(c) = t.chars().next() {
        if MARKED.contains(&c) {
            return (Mark::Marked, t[c.len_utf8()..].trim().to_string());
        }
        if UNMARKED.contains(&c) {
            return (Mark::Unmarked, t[c.len_utf8()..].trim().to_string());
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
    for x in [" X", " x"] {
        if let Some(rest) = t.strip_suffix(x) {
            return (Mark::Marked, rest.trim().to_string());
        }
    }
    (Mark::Bare, t.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OptMatch {
    Exact,
    /// The option followed by more words ("Oui, adhérente depuis 2012").
    WithText,
    /// Close to the option's spelling, or a time that names a slot.
    Approximate,
}

/// Times written in a text ("14h20", "14 h 20", "14:20", "14h") as "HH:MM".
fn times_in(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
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
            if j < chars.len() && matches!(chars[j], 'h' | 'H' | ':' | '.') {
                j += 1;
                while j < chars.len() && chars[j] == ' ' {
                    j += 1;
                }
                let m_start = j;
                while j < chars.len() && chars[j].is_ascii_digit() && j - m_start < 2 {
                    j += 1;
                }
                let minutes: String = chars[m_start..j].iter().collect();
                if let Ok(h) = hours.parse::<u32>() {
                    let m = if minutes.len() == 2 {
                        minutes.parse::<u32>().ok()
                    } else {
                        Some(0)
                    };
                    if let Some(m) = m
                        && h < 24
                        && m < 60
                        && (minutes.len() == 2 || minutes.is_empty())
                    {
                        out.push(format!("{h:02}:{m:02}"));
                    }
                }
                i = j;
            }
        } else {
            i += 1;
        }
    }
    out
}

fn match_option(text: &str, opts: &'static [Opt]) -> Option<(&'static Opt, OptMatch)> {
    let folded = fold(text);
    if folded.is_empty() {
        return None;
    }
    let names = |o: &'static Opt| {
        std::iter::once(o.label)
            .chain(o.aliases.iter().copied())
            .map(fold)
    };
    for o in opts {
        if names(o).any(|n| n == folded) {
            return Some((o, OptMatch::Exact));
        }
    }
    // The option's full label followed by more words.
    let mut best: Option<(&'static Opt, usize)> = None;
    for o in opts {
        for n in names(o) {
            if folded.len() > n.len()
                && folded.starts_with(&n)
                && folded.as_bytes()[n.len()] == b' '
                && best.is_none_or(|(_, len)| n.len() > len)
            {
                best = Some((o, n.len()));
            }
        }
    }
    if let Some((o, _)) = best {
        return Some((o, OptMatch::WithText));
    }
    // A slot written as a time.
    let is_slot = opts.iter().any(|o| o.value.contains(':'));
    if is_slot
        && let Some(first) = times_in(text).first()
        && let Some(o) = opts.iter().find(|o| o.value == first)
    {
        return Some((o, OptMatch::Approximate));
    }
    for o in opts {
        for n in names(o) {
            if n.len() >= 5 && distance_within(&folded, &n, 1 + n.len() / 10).is_some() {
                return Some((o, OptMatch::Approximate));
            }
        }
    }
    None
}

/// Box markers typed with brackets become glyphs, so they split items too.
fn bracket_marks_to_glyphs(raw: &str) -> String {
    let mut s = raw.to_string();
    for (typed, glyph) in [
        ("[x]", "☒"),
        ("[X]", "☒"),
        ("(x)", "☒"),
        ("(X)", "☒"),
        ("[ ]", "☐"),
        ("[]", "☐"),
        ("( )", "☐"),
    ] {
        if s.contains(typed) {
            s = s.replace(typed, glyph);
        }
    }
    s
}

fn read_choice(raw: &str, opts: &'static [Opt]) -> Choice {
    let items: Vec<(Mark, String)> = split_items(&bracket_marks_to_glyphs(raw))
        .iter()
        .map(|i| take_mark(i))
        .collect();
    let matched = |wanted: Mark| -> Vec<(&'static Opt, OptMatch)> {
        let mut found: Vec<(&'static Opt, OptMatch)> = Vec::new();
        for (mark, text) in &items {
            if *mark == wanted
                && let Some((o, how)) = match_option(text, opts)
                && !found.iter().any(|(f, _)| f.value == o.value)
            {
                found.push((o, how));
            }
        }
        found
    };
    let recovered = |how: OptMatch| match how {
        OptMatch::Exact => None,
        OptMatch::WithText => Some(format!("réponse en texte libre « {} »", raw.trim())),
        OptMatch::Approximate => Some(format!(
            "option reconnue approximativement dans « {} »",
            raw.trim()
        )),
    };

    let marked = matched(Mark::Marked);
    match marked.len() {
        1 => {
            return Choice::One {
                value: marked[0].0.value,
                recovered: recovered(marked[0].1),
            };
        }
        n if n > 1 => return Choice::Ambiguous,
        _ => {}
    }
    if items.iter().any(|(m, _)| *m == Mark::Marked) {
        // Something is marked but names no option.
        return Choice::Unrecognised;
    }
    let bare_items = items.iter().filter(|(m, _)| *m == Mark::Bare).count();
    if bare_items == 0 {
        return Choice::Absent;
    }
    let bare = matched(Mark::Bare);
    let has_boxes = items.iter().any(|(m, _)| *m == Mark::Unmarked);
    match bare.len() {
        0 => Choice::Unrecognised,
        1 if !has_boxes => Choice::One {
            value: bare[0].0.value,
            recovered: recovered(bare[0].1),
        },
        1 => Choice::One {
            value: bare[0].0.value,
            recovered: Some(format!(
                "seule option sans case vide dans « {} »",
                raw.trim()
            )),
        },
        _ => Choice::Ambiguous,
    }
}

fn looks_like_email(s: &str) -> bool {
    let mut parts = s.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
}

/// Reads an email the way people write it: "mailto:", "Nom <a@b>", spaces.
fn read_email(raw: &str) -> (String, Option<String>) {
    let mut s = raw.trim();
    if let (Some(a), Some(b)) = (s.rfind('<'), s.rfind('>'))
        && a < b
    {
        s = &s[a + 1..b];
    }
    let s = s
        .trim()
        .trim_start_matches("mailto:")
        .trim_start_matches("MAILTO:")
        .trim();
    if looks_like_email(s) {
        let warn = (s != raw.trim()).then(|| format!("adresse extraite de « {} »", raw.trim()));
        return (s.to_string(), warn);
    }
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if looks_like_email(&compact) {
        return (
            compact,
            Some(format!("espaces retirés de l'adresse « {} »", raw.trim())),
        );
    }
    (
        raw.trim().to_string(),
        Some("adresse électronique non valide : à vérifier".to_string()),
    )
}

/// Where the interpreter found things, before values are read.
#[derive(Default)]
struct Harvest {
    raw: BTreeMap<usize, (String, bool)>,
    extra: Vec<(String, String)>,
    warnings: Vec<Warning>,
    labels_seen: usize,
    seen: Vec<bool>,
}

/// The fields of a form (`None`: the fields both forms share).
fn table(kind: Option<Kind>) -> &'static [FieldSpec] {
    kind.map_or(spec::common_fields(), spec::fields)
}

fn harvest(rows: &[PreparedRow], kind: Option<Kind>) -> Harvest {
    let specs = table(kind);
    let labels = LabelSet::of(kind);
    let mut h = Harvest {
        seen: vec![false; specs.len()],
        ..Harvest::default()
    };
    for row in rows {
        let (cell, rest) = (&row.cell, &row.rest);
        let Some(hit) = match_label(row, labels) else {
            let label = clean_value(cell);
            if !rest.is_empty() && fold(&label).len() > 1 && label.chars().count() <= 200 {
                h.extra.push((label, rest.join("\n")));
            }
            continue;
        };
        let spec = &specs[hit.index];
        h.labels_seen += 1;
        h.seen[hit.index] = true;
        let mut value = match (&hit.inline, rest.is_empty()) {
            (Some(inline), true) => inline.clone(),
            (Some(inline), false) => format!("{inline}\n{}", rest.join("\n")),
            (None, _) => rest.join("\n"),
        };
        if is_blank_value(&value) && !matches!(spec.ty, FieldType::Choice(_)) {
            value.clear();
        }
        if value.is_empty() {
            continue;
        }
        if hit.approximate {
            h.warnings.push(Warning::field(
                spec.key,
                format!(
                    "libellé reconnu approximativement : « {} »",
                    clean_value(cell)
                ),
            ));
        }
        if hit.inline.is_some() {
            h.warnings.push(Warning::field(
                spec.key,
                "valeur saisie dans la case du libellé",
            ));
        }
        match h.raw.get(&hit.index) {
            Some((existing, _)) if existing != &value => {
                h.warnings.push(Warning::field(
                    spec.key,
                    format!("libellé présent deux fois ; autre valeur ignorée : « {value} »"),
                ));
            }
            Some(_) => {}
            None => {
                h.raw.insert(hit.index, (value, hit.approximate));
            }
        }
    }
    h
}

/// A field kept or dropped when turning raw texts into values.
fn read_fields(h: Harvest, specs: &[FieldSpec]) -> Fiche {
    let mut fiche = Fiche {
        kind: None,
        extra: h.extra,
        warnings: h.warnings,
        ..Fiche::default()
    };
    for (index, (raw, _)) in h.raw {
        let spec = &specs[index];
        match spec.ty {
            FieldType::Text | FieldType::LongText => {
                let v = clean_value(&raw);
                if !v.is_empty() {
                    fiche.fields.insert(spec.key.to_string(), Value::Text(v));
                }
            }
            FieldType::Phone => {
                let v = clean_value(&raw);
                let digits = v.chars().filter(char::is_ascii_digit).count();
                if v.chars().all(|c| c.is_ascii_digit()) && digits >= 9 && !v.starts_with('0') {
                    fiche.warnings.push(Warning::field(
                        spec.key,
                        "numéro saisi comme un nombre : le 0 ou le + initial a pu être perdu",
                    ));
                }
                fiche.fields.insert(spec.key.to_string(), Value::Text(v));
            }
            FieldType::Email => {
                let (v, warn) = read_email(&clean_value(&raw));
                if let Some(w) = warn {
                    fiche.warnings.push(Warning::field(spec.key, w));
                }
                fiche.fields.insert(spec.key.to_string(), Value::Text(v));
            }
            FieldType::Choice(opts) => {
                let text = clean_value(&raw);
                let store = |v: &str| -> Value {
                    if spec.key == "cuf_member" {
                        Value::Bool(v == "true")
                    } else {
                        Value::Text(v.to_string())
                    }
                };
                match read_choice(&text, opts) {
                    Choice::One { value, recovered } => {
                        if let Some(why) = recovered {
                            fiche.warnings.push(Warning::field(spec.key, why));
                        }
                        fiche.fields.insert(spec.key.to_string(), store(value));
                    }
                    Choice::Absent => {}
                    Choice::Ambiguous => {
                        fiche.warnings.push(Warning::field(
                            spec.key,
                            "plusieurs options cochées : texte conservé tel quel, à trancher",
                        ));
                        fiche.fields.insert(spec.key.to_string(), Value::Text(text));
                    }
                    Choice::Unrecognised => {
                        fiche.warnings.push(Warning::field(
                            spec.key,
                            "réponse qui ne correspond à aucune option : texte conservé tel quel",
                        ));
                        fiche.fields.insert(spec.key.to_string(), Value::Text(text));
                    }
                }
            }
        }
    }
    fiche
}

/// Cheap test before folding: the title names a form.
fn looks_like_title(cell: &str) -> bool {
    let lower = cell.to_lowercase();
    lower.contains("atelier") || lower.contains("bourse")
}

pub(crate) fn title_kind(grid: &Grid) -> Option<Kind> {
    for row in grid.rows.iter().take(60) {
        for cell in row.iter().filter(|c| c.len() <= 160 && looks_like_title(c)) {
            let f = fold(cell);
            if !f.contains("fiche de renseignement") && f.len() > 40 {
                continue;
            }
            if f.contains("micro atelier") {
                return Some(Kind::MicroAtelier);
            }
            if f.contains("bourse aux projets") {
                return Some(Kind::BourseProjets);
            }
        }
    }
    None
}

fn name_hint(file_name: &str) -> Option<Kind> {
    let f = fold(file_name);
    if f.contains("micro") {
        Some(Kind::MicroAtelier)
    } else if f.contains("bourse") {
        Some(Kind::BourseProjets)
    } else {
        None
    }
}

fn distinctive_seen(h: &Harvest, kind: Kind) -> usize {
    let specs = spec::fields(kind);
    spec::distinctive_keys(kind)
        .iter()
        .filter(|k| {
            specs
                .iter()
                .position(|s| s.key == **k)
                .is_some_and(|i| h.seen[i])
        })
        .count()
}

/// Interprets one grid (a document, or one sheet) as a fiche, and returns it
/// with a score: how many form labels it holds (0 = not a form).
fn interpret_grid(grid: &Grid, file_name: &str) -> (usize, Fiche) {
    let title = title_kind(grid);
    let rows = prepare(grid);
    let harvest_of = |k: Kind| harvest(&rows, Some(k));
    let other = |k: Kind| match k {
        Kind::MicroAtelier => Kind::BourseProjets,
        Kind::BourseProjets => Kind::MicroAtelier,
    };
    let mut notes = Vec::new();
    let mut any_label = true;
    // With a title, only that form's labels are looked for, unless none of
    // its own labels is there: then the other form is tried as well.
    let (kind, chosen) = match title {
        Some(t) => {
            let own = harvest_of(t);
            if distinctive_seen(&own, t) == 0 {
                let alt = harvest_of(other(t));
                if distinctive_seen(&alt, other(t)) >= 3 {
                    notes.push(Warning::general(format!(
                        "le titre annonce « {} » mais les rubriques sont celles de « {} » : fiche lue comme {}",
                        t.label_fr(),
                        other(t).label_fr(),
                        other(t).label_fr()
                    )));
                    (Some(other(t)), Some(alt))
                } else {
                    (Some(t), Some(own))
                }
            } else {
                (Some(t), Some(own))
            }
        }
        None => {
            let micro = harvest_of(Kind::MicroAtelier);
            let bourse = harvest_of(Kind::BourseProjets);
            any_label = micro.labels_seen > 0;
            let m = distinctive_seen(&micro, Kind::MicroAtelier);
            let b = distinctive_seen(&bourse, Kind::BourseProjets);
            if m > b {
                (Some(Kind::MicroAtelier), Some(micro))
            } else if b > m {
                (Some(Kind::BourseProjets), Some(bourse))
            } else {
                let hint = name_hint(file_name).filter(|_| micro.labels_seen > 0);
                match hint {
                    Some(k) => {
                        notes.push(Warning::general(
                            "type de fiche déduit du seul nom du fichier : à vérifier",
                        ));
                        (
                            Some(k),
                            Some(if k == Kind::MicroAtelier {
                                micro
                            } else {
                                bourse
                            }),
                        )
                    }
                    None => (None, None),
                }
            }
        }
    };
    let (h, specs) = match (kind, chosen) {
        (Some(k), Some(h)) => (h, spec::fields(k)),
        // The micro-atelier table holds every common label: when it found
        // none, the common fields cannot either.
        _ if !any_label => (Harvest::default(), spec::common_fields()),
        _ => (harvest(&rows, None), spec::common_fields()),
    };
    let score = h.labels_seen + usize::from(title.is_some()) * 5;
    let mut fiche = read_fields(h, specs);
    fiche.kind = kind;
    if kind.is_none() && !fiche.fields.is_empty() {
        notes.push(Warning::general(
            "type de fiche inconnu (ni titre ni rubrique propre à une fiche) : seules les rubriques communes sont lues",
        ));
    }
    notes.append(&mut fiche.warnings);
    fiche.warnings = notes;
    (score, fiche)
}

/// True when a grid plainly holds a filled form: the title line and at
/// least five rows with a label and a value. A workbook reader can stop
/// there; the sheets after it are lists or notes.
pub fn holds_filled_form(grid: &Grid) -> bool {
    let filled = grid
        .rows
        .iter()
        .filter(|r| r.iter().filter(|c| !c.trim().is_empty()).count() >= 2)
        .count();
    filled >= 5 && title_kind(grid).is_some()
}

/// Interprets the grids read from a file (one for a document, one per sheet
/// for a workbook) and returns the fiche of the grid that holds the form.
pub fn interpret(grids: &[Grid], file_name: &str) -> Result<Fiche, FicheError> {
    let mut best: Option<(usize, Fiche, &Grid)> = None;
    for grid in grids {
        let (score, fiche) = interpret_grid(grid, file_name);
        if score > 0 && best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best = Some((score, fiche, grid));
        }
    }
    let Some((score, mut fiche, grid)) = best else {
        return Err(FicheError::NotAFiche {
            reason: "aucun titre ni aucune rubrique de fiche trouvés".to_string(),
        });
    };
    if score < 3 && fiche.kind.is_none() {
        return Err(FicheError::NotAFiche {
            reason: "trop peu de rubriques de fiche reconnues".to_string(),
        });
    }
    for note in &grid.notes {
        fiche.warnings.push(Warning::general(note.clone()));
    }
    if fiche.kind.is_some()
        && !fiche.fields.is_empty()
        && !fiche.fields.contains_key("preferred_slot")
    {
        fiche
            .fields
            .insert("preferred_slot".to_string(), Value::Text("any".to_string()));
    }
    if let Some(kind) = fiche.kind
        && !fiche.fields.is_empty()
    {
        for s in spec::fields(kind) {
            if s.required && !fiche.fields.contains_key(s.key) {
                fiche.warnings.push(Warning::field(
                    s.key,
                    format!("rubrique obligatoire non remplie : {}", s.label),
                ));
            }
        }
    }
    Ok(fiche)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fiche::spec::{MICRO_SLOTS, ORGANISATION_TYPES, YES_NO};

    fn grid(rows: &[&[&str]]) -> Grid {
        Grid {
            name: "test".into(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect(),
            notes: vec![],
        }
    }

    fn one(v: &'static str) -> Choice {
        Choice::One {
            value: v,
            recovered: None,
        }
    }

    #[test]
    fn choices_marked_every_way() {
        assert_eq!(read_choice("☒ Oui    ☐ Non", YES_NO), one("true"));
        assert_eq!(read_choice("☐ Oui ☑ Non", YES_NO), one("false"));
        assert_eq!(read_choice("X Oui    ☐ Non", YES_NO), one("true"));
        assert_eq!(read_choice("☐ Oui    x Non", YES_NO), one("false"));
        assert_eq!(read_choice("[x] Oui [ ] Non", YES_NO), one("true"));
        assert_eq!(read_choice("Oui X   Non", YES_NO), one("true"));
        assert_eq!(
            read_choice(
                "☐ Commune\n☐ Intercommunalité\nX Département",
                ORGANISATION_TYPES
            ),
            one("departement")
        );
        assert_eq!(read_choice("✓ Région", ORGANISATION_TYPES), one("region"));
    }

    #[test]
    fn choices_by_deletion_and_typed() {
        assert_eq!(read_choice("Non", YES_NO), one("false"));
        assert_eq!(
            read_choice("Departement", ORGANISATION_TYPES),
            one("departement")
        );
        assert_eq!(
            read_choice("ASSOCIATION / ONG", ORGANISATION_TYPES),
            one("association")
        );
        assert_eq!(read_choice("14h20 – 14h40", MICRO_SLOTS), one("14:20"));
    }

    #[test]
    fn choices_recovered_carry_a_reason() {
        match read_choice("Oui, adhérente depuis 2012", YES_NO) {
            Choice::One {
                value: "true",
                recovered: Some(w),
            } => assert!(w.contains("texte libre")),
            other => panic!("{other:?}"),
        }
        match read_choice("14h20", MICRO_SLOTS) {
            Choice::One {
                value: "14:20",
                recovered: Some(_),
            }
            | Choice::One {
                value: "14:20",
                recovered: None,
            } => {}
            other => panic!("{other:?}"),
        }
        match read_choice("vers 15h", MICRO_SLOTS) {
            Choice::One {
                value: "15:00",
                recovered: Some(_),
            } => {}
            other => panic!("{other:?}"),
        }
        match read_choice("Intercommunalite", ORGANISATION_TYPES) {
            Choice::One {
                value: "intercommunalite",
                ..
            } => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn choices_unmarked_ambiguous_unknown() {
        assert_eq!(read_choice("☐ Oui    ☐ Non", YES_NO), Choice::Absent);
        assert_eq!(read_choice("☒ Oui    ☒ Non", YES_NO), Choice::Ambiguous);
        assert_eq!(read_choice("Oui    Non", YES_NO), Choice::Ambiguous);
        assert_eq!(read_choice("Peut-être", YES_NO), Choice::Unrecognised);
        assert_eq!(read_choice("", YES_NO), Choice::Absent);
    }

    #[test]
    fn labels_survive_people() {
        let g = grid(&[
            &["MICRO-ATELIER : FICHE DE RENSEIGNEMENT"],
            &[
                "NOM DE LA COLLECTIVITE OU DE LA STRUCTURE* :",
                "Ville de Lyon",
            ],
            &["Pays : Sénégal"],
            &["3. Courriel", "", "a@b.fr"],
            &["Telephone:", "0102030405"],
            &["Site internet", "www.example.org"],
            &["Titre du projet ou de la demarche", "Un titre"],
        ]);
        let f = interpret(&[g], "x.docx").unwrap();
        assert_eq!(f.kind, Some(Kind::MicroAtelier));
        assert_eq!(f.text("organisation"), Some("Ville de Lyon"));
        assert_eq!(f.text("country"), Some("Sénégal"));
        assert_eq!(f.text("contact_email"), Some("a@b.fr"));
        assert_eq!(f.text("contact_phone"), Some("0102030405"));
        assert_eq!(f.text("preferred_slot"), Some("any"));
        assert_eq!(
            f.extra,
            vec![("Site internet".to_string(), "www.example.org".to_string())]
        );
        assert!(
            f.warnings
                .iter()
                .any(|w| w.field.as_deref() == Some("country"))
        );
    }

    #[test]
    fn kind_from_labels_when_no_title() {
        let g = grid(&[
            &["Nom de la collectivité ou de la structure", "X"],
            &["Type de demande", "Besoin spécifique"],
        ]);
        let f = interpret(&[g], "fiche.docx").unwrap();
        assert_eq!(f.kind, Some(Kind::BourseProjets));
        assert_eq!(f.text("request_type"), Some("specific_need"));
    }

    #[test]
    fn the_best_sheet_is_chosen() {
        let notes = grid(&[&["Brouillon"], &["Pays", "Brouillon"]]);
        let form = grid(&[
            &["BOURSE AUX PROJETS : FICHE DE RENSEIGNEMENT"],
            &["Pays", "Cameroun"],
            &["Nom", "Tchinda"],
        ]);
        let f = interpret(&[notes, form], "x.xlsx").unwrap();
        assert_eq!(f.text("country"), Some("Cameroun"));
    }

    #[test]
    fn not_a_fiche() {
        let g = grid(&[&["Bonjour"], &["Voici un tableau", "sans rapport"]]);
        assert_eq!(interpret(&[g], "x.docx").unwrap_err().code(), "not_a_fiche");
    }

    #[test]
    fn blank_form_gives_no_values() {
        let g = grid(&[
            &["MICRO-ATELIER : FICHE DE RENSEIGNEMENT"],
            &["Nom de la collectivité ou de la structure", ""],
            &["Membre de Cités Unies France", "☐ Oui    ☐ Non"],
            &["Description du projet ou de la démarche", "\n\n"],
        ]);
        let f = interpret(&[g], "x.docx").unwrap();
        assert!(f.fields.is_empty(), "{:?}", f.fields);
    }

    #[test]
    fn times_are_found() {
        assert_eq!(times_in("14h20 – 14h40"), vec!["14:20", "14:40"]);
        assert_eq!(times_in("vers 15 h"), vec!["15:00"]);
        assert_eq!(times_in("12:45"), vec!["12:45"]);
        assert!(times_in("2018").is_empty());
    }
}
