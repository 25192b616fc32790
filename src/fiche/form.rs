//! The form interpreter: a returned fiche is the blank form plus what the
//! respondent changed. Given the document (or sheets) as rows of cells with
//! their looks, it finds the printed form in it — the labels however they
//! were retyped or translated, the title, the printed headings — and reads
//! as the answer what stands where a person would look for it:
//!
//! - right of the label, in any cell of its row, up to the next label;
//! - in the label's own cell after a colon, a tab, a line break;
//! - when nothing is there: in the cell or row below (vertical forms,
//!   answers typed in a new row, full-width merged rows), or in the
//!   paragraph after a label paragraph;
//! - continued over the following rows or paragraphs until the next label.
//!
//! Text next to no label is never a value: it is kept in `extra`. Choices
//! are read by `choice`. Several filled forms in one file give several
//! fiches; a blank copy of the form never wins over a filled one. Nothing
//! is invented, and what was not read plainly carries a warning.

use std::collections::BTreeMap;

use super::choice::{self, Choice};
use super::labels::{self, Hit};
use super::model::{Cell, Fiche, FicheError, Grid, Kind, Typed, Value, Warning};
use super::spec::{self, FieldSpec, FieldType, Lang};
use super::text::{clean_value, fold, fold_label, is_blank_value};

/// What a cell is, for one form.
#[derive(Debug, Clone)]
enum Class {
    Label(Hit),
    /// The blank form's own text (title, heading, instructions).
    Form,
    Text,
}

/// A cell position: (row index in the grid, cell index in the row).
type Pos = (usize, usize);

/// Part of an answer: a cell from a byte offset (after an inline label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Part {
    pos: Pos,
    from: usize,
}

/// How an answer was found, for the warning staff read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Right,
    Inline,
    Below,
    NextParagraph,
}

/// One label met in a form, and the answer found for it.
#[derive(Debug, Clone)]
struct Answer {
    hit: Hit,
    label_pos: Pos,
    parts: Vec<Part>,
    route: Route,
    /// Rows added under the first answer row that continue it.
    continued: usize,
    /// The answer's text, cleaned.
    text: String,
    /// Column of the answer when it stood far right of the label, past the
    /// form's answer columns, where the sheet's answers stand.
    far: Option<u32>,
    /// Column of text left right of the label, too far to be its answer
    /// (kept beside the form): said to staff when the label reads nothing.
    beside: Option<u32>,
}

/// The labels of each form found in one grid, cell by cell.
struct Classified {
    /// By kind (index in the definition), by row, by cell.
    by_kind: Vec<Vec<Vec<Class>>>,
    /// Title lines: row → (kind, language).
    titles: BTreeMap<usize, (Kind, Lang)>,
    /// Every cell is an option name (the workbook's sheet of drop-down
    /// lists): the form's own text, nothing to read.
    options_only: bool,
}

impl Classified {
    fn of(&self, kind: Kind) -> &[Vec<Class>] {
        self.by_kind.get(kind.index()).map_or(&[], Vec::as_slice)
    }
}

/// What one non-empty cell (trimmed) is, for both forms at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CellClass {
    /// The label it holds, if any.
    hit: Option<labels::CellHit>,
    /// The title line it is (first cell of a row only).
    title: Option<(Kind, Lang)>,
    /// One of the form's printed lines (heading, instructions).
    printed: bool,
    /// Only an option's printed name.
    option: bool,
}

/// Classifies a cell's trimmed text: a label (as printed, after an inline
/// answer, or retyped), a title line (first cell of a row), the form's
/// printed text, or text. The form's own strings as printed are looked up
/// whole; a cell whose first word starts no label, printed line or option
/// is text without being folded; the rest is folded once.
pub(crate) fn class_of_cell(text: &str, is_first: bool) -> CellClass {
    if let Some(c) = printed_class(text, is_first) {
        return c;
    }
    if !is_first && labels::starts_no_form_text(text) {
        return CellClass::default();
    }
    slow_class_of_cell(text, is_first)
}

/// The class of a cell holding exactly one of the blank forms' own strings
/// as `spec` prints them (labels in every language, titles, headings,
/// options): computed once by `slow_class_of_cell`, so the lookup gives
/// the same answer without folding.
fn printed_class(text: &str, is_first: bool) -> Option<CellClass> {
    type Table = labels::FastMap<&'static str, [CellClass; 2]>;
    static TABLE: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut strings: Vec<&'static str> = Vec::new();
        for kind in Kind::all() {
            strings.push(spec::title(kind));
            for f in spec::fields(kind) {
                strings.extend(f.labels().map(|(l, _)| l));
                if let FieldType::Choice(opts) = f.ty {
                    strings.extend(opts.iter().map(|o| o.label));
                }
            }
        }
        strings.extend(spec::form_text().iter().copied());
        strings
            .into_iter()
            .map(str::trim)
            .map(|s| {
                let first = slow_class_of_cell(s, true);
                // A label as printed reads the same wherever it stands.
                let exact = first
                    .hit
                    .is_some_and(|h| !h.approximate && h.inline.is_none())
                    && labels::exact_cell(&fold_label(s)).is_some();
                let other = if exact {
                    first
                } else {
                    slow_class_of_cell(s, false)
                };
                (s, [first, other])
            })
            .collect()
    });
    table.get(text).map(|c| c[usize::from(!is_first)])
}

/// `class_of_cell` by folding the text: the reference the fast paths are
/// built from.
pub(crate) fn slow_class_of_cell(text: &str, is_first: bool) -> CellClass {
    // Folded once, for both forms' labels and the printed text.
    let folded = if text.len() <= 400 {
        fold_label(text)
    } else {
        String::new()
    };
    // A label as printed, else the form's own text (a title line first in
    // its row, a heading), else a label with its answer or retyped. A title
    // names no field: it is never read as a label.
    let exact = labels::exact_cell(&folded);
    let title = if exact.is_none() && is_first {
        labels::title_of_folded(&folded)
    } else {
        None
    };
    let printed = exact.is_none() && title.is_none() && labels::is_printed_text(&folded);
    let hit = exact.or_else(|| {
        if title.is_some() || printed {
            None
        } else {
            labels::match_recovered(text, &folded, is_first)
        }
    });
    CellClass {
        hit,
        title: title.filter(|_| hit.is_none()),
        printed: hit.is_none() && (title.is_some() || printed),
        option: hit.is_none() && is_option_name(text, &folded),
    }
}

fn classify(grid: &Grid) -> Classified {
    let kinds = Kind::all();
    let mut by_kind: Vec<Vec<Vec<Class>>> = kinds
        .iter()
        .map(|_| Vec::with_capacity(grid.rows.len()))
        .collect();
    let mut titles = BTreeMap::new();
    let mut options_only = true;
    for (r, row) in grid.rows.iter().enumerate() {
        let mut rows: Vec<Vec<Class>> = kinds
            .iter()
            .map(|_| Vec::with_capacity(row.cells.len()))
            .collect();
        let mut first = true;
        for cell in &row.cells {
            let text = cell.text.trim();
            if text.is_empty() {
                rows.iter_mut().for_each(|r| r.push(Class::Text));
                continue;
            }
            let is_first = std::mem::replace(&mut first, false);
            let cc = class_of_cell(text, is_first);
            options_only = options_only && cc.option;
            match cc.hit {
                Some(hit) => {
                    let class = |k: Kind| {
                        hit.for_kind(k).map_or(Class::Text, |h| {
                            Class::Label(hit_in_cell(h, &cell.text, text))
                        })
                    };
                    for (r, k) in rows.iter_mut().zip(&kinds) {
                        r.push(class(*k));
                    }
                }
                None => {
                    // A title stands first in its row (numbering folded away
                    // does not matter: "MICRO-ATELIER" has none).
                    if let Some(t) = cc.title {
                        titles.entry(r).or_insert(t);
                    }
                    let class = if cc.printed { Class::Form } else { Class::Text };
                    rows.iter_mut().for_each(|r| r.push(class.clone()));
                }
            }
        }
        for (all, r) in by_kind.iter_mut().zip(rows) {
            all.push(r);
        }
    }
    Classified {
        by_kind,
        titles,
        options_only: options_only && !grid.rows.is_empty(),
    }
}

/// True when a cell holds only an option's printed name (folded with
/// `fold_label`, which may drop a leading number: then folded again).
fn is_option_name(text: &str, folded: &str) -> bool {
    labels::option_names().contains(folded)
        && (text.starts_with(char::is_alphabetic) || is_option_list(text))
}

/// A hit found on the trimmed text, with offsets made relative to the
/// cell's full text.
fn hit_in_cell(mut hit: Hit, full: &str, trimmed: &str) -> Hit {
    let shift = full.len() - full.trim_start().len();
    debug_assert!(full[shift..].starts_with(trimmed));
    hit.inline = hit.inline.map(|at| at + shift);
    hit
}

/// A form found in a grid: a run of rows, from a title or a first label to
/// the start of the next form.
#[derive(Debug, Clone)]
struct Segment {
    rows: std::ops::Range<usize>,
}

/// Splits a grid into forms: a new form starts at a title line met after
/// labels, or where the form's first field (or a field only one form has)
/// comes again after three labels or more.
fn segments(grid: &Grid, c: &Classified) -> Vec<Segment> {
    // The form's first field, or the field most telling of its kind.
    let restarts = |kind: Kind, index: usize| {
        index == 0
            || spec::fields(kind)
                .get(index)
                .is_some_and(|f| spec::distinctive_keys(kind).first() == Some(&f.key))
    };
    let mut out = Vec::new();
    let mut start = 0;
    let mut seen: labels::FastSet<(Kind, usize)> = labels::FastSet::default();
    let mut labels_seen = 0usize;
    let kinds = Kind::all();
    for r in 0..grid.rows.len() {
        let mut new_form = c.titles.contains_key(&r) && labels_seen > 0;
        let mut row_hits = Vec::new();
        for &kind in &kinds {
            for class in &c.of(kind)[r] {
                if let Class::Label(h) = class {
                    row_hits.push((kind, h.index));
                }
            }
        }
        if !new_form && labels_seen >= 3 {
            new_form = row_hits
                .iter()
                .any(|(k, i)| restarts(*k, *i) && seen.contains(&(*k, *i)));
        }
        if new_form {
            // The title line (and what precedes the first label) belongs
            // to the new form.
            let cut = if c.titles.contains_key(&r) {
                r
            } else {
                // Go back over a title just above.
                (start..r)
                    .rev()
                    .take(3)
                    .find(|x| c.titles.contains_key(x))
                    .unwrap_or(r)
            };
            out.push(Segment { rows: start..cut });
            start = cut;
            seen.clear();
            labels_seen = 0;
        }
        for h in row_hits {
            if seen.insert(h) {
                labels_seen += 1;
            }
        }
    }
    out.push(Segment {
        rows: start..grid.rows.len(),
    });
    out.retain(|s| !s.rows.is_empty());
    out
}

/// The kind of a segment: its title, else the labels only one form has.
/// Returns the kind, its title's language, and a note when the kind was
/// not plain.
fn segment_kind(
    c: &Classified,
    seg: &Segment,
    file_name: &str,
) -> (Option<Kind>, Option<Lang>, Option<Warning>) {
    let title = c.titles.range(seg.rows.clone()).next().map(|(_, t)| *t);
    let distinctive = |kind: Kind| {
        let specs = spec::fields(kind);
        let keys = spec::distinctive_keys(kind);
        let mut seen: labels::FastSet<usize> = labels::FastSet::default();
        for r in seg.rows.clone() {
            for class in &c.of(kind)[r] {
                if let Class::Label(h) = class
                    && keys.contains(&specs[h.index].key)
                {
                    seen.insert(h.index);
                }
            }
        }
        seen.len()
    };
    // The kind whose own labels are the most in the segment, when one
    // kind has strictly more than every other.
    let counts: Vec<(Kind, usize)> = Kind::all()
        .into_iter()
        .map(|k| (k, distinctive(k)))
        .collect();
    let best = counts.iter().max_by_key(|(_, n)| *n).copied();
    let best = best.filter(|(k, n)| counts.iter().all(|(o, m)| o == k || m < n));
    if let Some((t, lang)) = title {
        if let Some((other, n)) = best
            && other != t
            && n >= 3
            && distinctive(t) == 0
        {
            return (
                Some(other),
                Some(lang),
                Some(Warning::general(format!(
                    "le titre annonce « {} » mais les rubriques sont celles de « {} » : fiche lue comme {}",
                    t.label_fr(),
                    other.label_fr(),
                    other.label_fr()
                ))),
            );
        }
        return (Some(t), Some(lang), None);
    }
    if let Some((k, n)) = best
        && n > 0
    {
        return (Some(k), None, None);
    }
    let any_label = seg.rows.clone().any(|r| {
        c.by_kind
            .iter()
            .any(|rows| rows[r].iter().any(|x| matches!(x, Class::Label(_))))
    });
    match name_hint(file_name).filter(|_| any_label) {
        Some(k) => (
            Some(k),
            None,
            Some(Warning::general(
                "type de fiche déduit du seul nom du fichier : à vérifier",
            )),
        ),
        None => (None, None, None),
    }
}

/// The kind a file's name suggests: it holds the first word of the kind's
/// key ("micro" of `micro_atelier`), the first kind that matches.
fn name_hint(file_name: &str) -> Option<Kind> {
    let f = fold(file_name);
    Kind::all().into_iter().find(|k| {
        k.key()
            .split('_')
            .next()
            .is_some_and(|w| w.len() >= 4 && f.contains(w))
    })
}

/// Columns right of a label where its answer may stand in the rows below
/// (the form's value columns); farther right is beside the form.
const ANSWER_COLUMNS: u32 = 3;

/// The columns a label owns in the rows below it: from its own to the next
/// label's in its row, and not far beyond the form's value columns.
fn owned_columns(grid: &Grid, classes: &[Vec<Class>], (r, i): Pos) -> (u32, u32) {
    let row = &grid.rows[r];
    let start = row.cells[i].col;
    let end = row.cells[i + 1..]
        .iter()
        .zip(&classes[r][i + 1..])
        .find(|(_, c)| matches!(c, Class::Label(_)))
        .map_or(u32::MAX, |(cell, _)| cell.col);
    let width = row.cells[i].width.max(1);
    (start, end.min(start + width + ANSWER_COLUMNS - 1))
}

fn overlaps(cell: &Cell, (a, b): (u32, u32)) -> bool {
    let end = cell.col.saturating_add(cell.width.max(1));
    cell.col < b && end > a
}

fn row_has_label(classes: &[Vec<Class>], r: usize) -> bool {
    classes[r].iter().any(|c| matches!(c, Class::Label(_)))
}

fn row_is_form_text(classes: &[Vec<Class>], r: usize) -> bool {
    !classes[r].is_empty() && classes[r].iter().all(|c| matches!(c, Class::Form))
}

/// True when a text could be part of a choice's answer: option names,
/// boxes, marks.
fn looks_like_options(cell: &Cell, opts: &'static [spec::Opt]) -> bool {
    let items = choice::items_of(cell, 0, opts);
    !items.is_empty()
        && items
            .iter()
            .all(|i| i.text.is_empty() || i.names.is_some() || i.mark != choice::Mark::Bare)
}

/// How far right of their labels a sheet's answers usually stand: the
/// most common gap (in columns) between a label cell and the first text
/// right of it, over the segment's labels; `None` for a document or when
/// fewer than two labels have text beside them. Ties go to the nearer gap.
fn usual_gap(grid: &Grid, classes: &[Vec<Class>], seg: &Segment) -> Option<u32> {
    if !grid.is_sheet() {
        return None;
    }
    let mut counts: Vec<(u32, usize)> = Vec::new();
    for r in seg.rows.clone() {
        let row = &grid.rows[r];
        for (i, class) in classes[r].iter().enumerate() {
            if !matches!(class, Class::Label(_)) {
                continue;
            }
            let label = &row.cells[i];
            let first = row.cells[i + 1..]
                .iter()
                .zip(&classes[r][i + 1..])
                .take_while(|(_, c)| !matches!(c, Class::Label(_)))
                .find(|(cell, c)| matches!(c, Class::Text) && !cell.text.trim().is_empty());
            if let Some((cell, _)) = first {
                let gap = cell.col.saturating_sub(label.col + label.width.max(1));
                match counts.iter_mut().find(|(g, _)| *g == gap) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((gap, 1)),
                }
            }
        }
    }
    counts
        .into_iter()
        .filter(|(_, n)| *n >= 2)
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(gap, _)| gap)
}

/// Finds the answer of every label of `kind` in a segment.
fn answers(grid: &Grid, classes: &[Vec<Class>], seg: &Segment, kind: Kind) -> Vec<Answer> {
    let specs = spec::fields(kind);
    let mut out = Vec::new();
    // A sheet whose answers were typed far right of the labels (empty
    // columns between): the answer columns are where its answers are.
    let far_gap = usual_gap(grid, classes, seg).filter(|g| *g >= ANSWER_COLUMNS);
    for r in seg.rows.clone() {
        for (i, class) in classes[r].iter().enumerate() {
            let Class::Label(hit) = class else { continue };
            let spec = &specs[hit.index];
            let mut parts = Vec::new();
            let mut route = Route::Right;
            if let Some(at) = hit.inline {
                parts.push(Part {
                    pos: (r, i),
                    from: at,
                });
                route = Route::Inline;
            }
            // Right of the label, up to the next label of the row. In a
            // sheet, a cell far right of the form's answer columns, past
            // empty ones, is a note beside the form, not the answer.
            let label_cell = &grid.rows[r].cells[i];
            let label_end = label_cell.col + label_cell.width.max(1);
            let usual_reach = label_end + ANSWER_COLUMNS;
            let mut reach = label_end + far_gap.map_or(ANSWER_COLUMNS, |g| g + 2);
            let mut far = None;
            let mut beside = None;
            for (j, c) in classes[r].iter().enumerate().skip(i + 1) {
                if matches!(c, Class::Label(_)) {
                    break;
                }
                let cell = &grid.rows[r].cells[j];
                let says = matches!(c, Class::Text) && !cell.text.trim().is_empty();
                if grid.is_sheet() && cell.col >= reach {
                    if says && parts.is_empty() {
                        beside = Some(cell.col);
                    }
                    break;
                }
                if says {
                    parts.push(Part {
                        pos: (r, j),
                        from: 0,
                    });
                    if cell.col >= usual_reach && far.is_none() {
                        far = Some(cell.col);
                    }
                    reach = reach.max(cell.col + cell.width.max(1) + 1);
                }
            }
            let range = owned_columns(grid, classes, (r, i));
            let in_table = grid.rows[r].table != 0;
            let mut continued = 0;
            let mut last = r;
            let choice_opts = match spec.ty {
                FieldType::Choice(opts) => Some(opts),
                _ => None,
            };
            let below_ok = |x: usize, first_table: Option<u32>| -> Option<Vec<Part>> {
                if x >= seg.rows.end
                    || row_has_label(classes, x)
                    || row_is_form_text(classes, x)
                    || grid.rows[x].is_empty()
                {
                    return None;
                }
                let row = &grid.rows[x];
                let same_place = if in_table {
                    row.table == grid.rows[r].table
                } else {
                    row.table == 0 || first_table.is_none_or(|t| t == row.table)
                };
                if !same_place {
                    return None;
                }
                let cells: Vec<Part> = row
                    .cells
                    .iter()
                    .enumerate()
                    .filter(|(j, c)| {
                        matches!(classes[x][*j], Class::Text)
                            && !c.text.trim().is_empty()
                            && (!in_table || row.table == 0 || overlaps(c, range))
                    })
                    .map(|(j, _)| Part {
                        pos: (x, j),
                        from: 0,
                    })
                    .collect();
                if cells.is_empty() {
                    return None;
                }
                if let Some(opts) = choice_opts
                    && !cells
                        .iter()
                        .all(|p| looks_like_options(&grid.rows[x].cells[p.pos.1], opts))
                {
                    return None;
                }
                Some(cells)
            };
            if parts.is_empty() {
                // Nothing beside the label: the row or paragraph below.
                let mut first_table = None;
                let mut x = r + 1;
                if grid.is_sheet() && x < seg.rows.end && grid.rows[x].line > grid.rows[r].line + 2
                {
                    x = seg.rows.end;
                }
                while let Some(cells) = below_ok(x, first_table) {
                    if parts.is_empty() {
                        route = if in_table {
                            Route::Below
                        } else {
                            Route::NextParagraph
                        };
                        first_table = Some(grid.rows[x].table);
                    } else {
                        continued += 1;
                    }
                    parts.extend(cells);
                    last = x;
                    x += 1;
                    // In a sheet, an empty row may stand between a label and
                    // its answer, but the answer's lines follow each other.
                    if grid.is_sheet()
                        && x < seg.rows.end
                        && grid.rows[x].line > grid.rows[last].line + 1
                    {
                        break;
                    }
                }
            } else if in_table {
                // Rows added under the answer that continue it.
                let mut x = r + 1;
                while let Some(cells) = below_ok(x, None) {
                    if grid.is_sheet() && grid.rows[x].line != grid.rows[last].line + 1 {
                        break;
                    }
                    let right_of_label = cells.iter().all(|p| {
                        let c = grid.rows[x].cells[p.pos.1].col;
                        c > grid.rows[r].cells[i].col && c < range.1
                    });
                    if !right_of_label {
                        break;
                    }
                    parts.extend(cells);
                    continued += 1;
                    last = x;
                    x += 1;
                }
            }
            let text = answer_text(grid, &parts);
            out.push(Answer {
                hit: hit.clone(),
                label_pos: (r, i),
                parts,
                route,
                continued,
                text,
                far: far.filter(|_| route == Route::Right),
                beside,
            });
        }
    }
    out
}

/// A sheet column as Excel names it (0 → A, 27 → AB).
fn column_name(col: u32) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        letters.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    String::from_utf8_lossy(&letters).into_owned()
}

fn part_text<'g>(grid: &'g Grid, p: &Part) -> &'g str {
    let cell = &grid.rows[p.pos.0].cells[p.pos.1];
    cell.text.get(p.from..).unwrap_or_default()
}

fn answer_text(grid: &Grid, parts: &[Part]) -> String {
    if let [p] = parts {
        return clean_value(part_text(grid, p));
    }
    let mut out = String::new();
    for p in parts {
        let t = clean_value(part_text(grid, p));
        if t.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&t);
    }
    out
}

/// What was read from one segment for one kind, before values are typed.
struct Reading {
    kind: Option<Kind>,
    fiche: Fiche,
    /// Fields with a value (not counting the default slot).
    filled: usize,
    labels: usize,
    langs: Vec<Lang>,
    consumed: labels::FastSet<Pos>,
}

/// Reads one segment as a form of `kind` (`None`: the fields both forms
/// share, read with the micro-atelier's labels).
fn read_segment(grid: &Grid, c: &Classified, seg: &Segment, kind: Option<Kind>) -> Reading {
    let table_kind = kind.unwrap_or(Kind::FIRST);
    let classes = c.of(table_kind);
    let specs: &[FieldSpec] = spec::fields(table_kind);
    let common = spec::common_fields().len();
    let mut fiche = Fiche {
        kind,
        ..Fiche::default()
    };
    let mut consumed: labels::FastSet<Pos> =
        labels::FastSet::with_capacity_and_hasher(64, Default::default());
    let mut langs = Vec::new();
    let mut raw: BTreeMap<usize, Answer> = BTreeMap::new();
    let mut label_count = 0;
    for a in answers(grid, classes, seg, table_kind) {
        if kind.is_none() && a.hit.index >= common {
            continue;
        }
        label_count += 1;
        consumed.insert(a.label_pos);
        if a.hit.lang != Lang::Fr {
            langs.push(a.hit.lang);
        }
        let spec = &specs[a.hit.index];
        match raw.get(&a.hit.index) {
            Some(prev) => {
                let text = a.text.clone();
                let says_something = match spec.ty {
                    FieldType::Choice(_) | FieldType::Choices(_) => !text.is_empty(),
                    _ => !is_blank_value(&text),
                };
                let prev_text = &prev.text;
                if says_something && text != *prev_text {
                    for p in &a.parts {
                        consumed.insert(p.pos);
                    }
                    if prev_text.is_empty() {
                        fiche.warnings.push(Warning::field(
                            spec.key,
                            format!(
                                "libellé « {} » présent deux fois : valeur lue à la seconde occurrence",
                                spec.label
                            ),
                        ));
                        raw.insert(a.hit.index, a);
                    } else {
                        fiche.warnings.push(Warning::field(
                            spec.key,
                            format!(
                                "libellé « {} » présent deux fois ; l'autre valeur est gardée hors rubrique : « {text} »",
                                spec.label
                            ),
                        ));
                        let label_text =
                            clean_value(&grid.rows[a.label_pos.0].cells[a.label_pos.1].text);
                        fiche.extra.push((label_text, text));
                    }
                } else {
                    for p in &a.parts {
                        consumed.insert(p.pos);
                    }
                    fiche.warnings.push(Warning::field(
                        spec.key,
                        format!("libellé « {} » présent deux fois", spec.label),
                    ));
                }
            }
            None => {
                for p in &a.parts {
                    consumed.insert(p.pos);
                }
                raw.insert(a.hit.index, a);
            }
        }
    }

    let mut far_columns: Vec<u32> = Vec::new();
    for (index, mut a) in raw {
        let spec = &specs[index];
        let text = std::mem::take(&mut a.text);
        let blank = text.is_empty() || (spec.ty.options().is_none() && is_blank_value(&text));
        if blank {
            // Never silent: text stands right of the label but too far from
            // it (and from the sheet's other answers) to be read as its answer.
            if let Some(col) = a.beside {
                fiche.warnings.push(Warning::field(
                    spec.key,
                    format!(
                        "rubrique lue vide, mais du texte se trouve plus loin à droite du libellé (colonne {}) : gardé hors rubrique, à vérifier",
                        column_name(col)
                    ),
                ));
            }
            continue;
        }
        if let Some(col) = a.far
            && !far_columns.contains(&col)
        {
            far_columns.push(col);
        }
        if a.hit.approximate {
            let label = clean_value(&grid.rows[a.label_pos.0].cells[a.label_pos.1].text);
            let label = label.lines().next().unwrap_or_default().to_string();
            fiche.warnings.push(Warning::field(
                spec.key,
                format!("libellé reconnu approximativement : « {label} »"),
            ));
        }
        match a.route {
            Route::Inline => fiche.warnings.push(Warning::field(
                spec.key,
                "valeur saisie dans la case du libellé",
            )),
            Route::Below => fiche.warnings.push(Warning::field(
                spec.key,
                "valeur lue sous le libellé (et non à sa droite) : à vérifier",
            )),
            Route::NextParagraph => fiche.warnings.push(Warning::field(
                spec.key,
                "valeur lue dans le paragraphe qui suit le libellé : à vérifier",
            )),
            Route::Right => {}
        }
        if a.continued > 0 && a.route != Route::NextParagraph {
            fiche.warnings.push(Warning::field(
                spec.key,
                format!(
                    "suite de la réponse lue sur {} ligne(s) ajoutée(s) sous la rubrique : à vérifier",
                    a.continued
                ),
            ));
        }
        read_value(grid, spec, &a, text, &mut fiche, &mut langs);
    }
    if !far_columns.is_empty() {
        far_columns.sort_unstable();
        let names: Vec<String> = far_columns.into_iter().map(column_name).collect();
        fiche.warnings.insert(
            0,
            Warning::general(format!(
                "réponses lues loin à droite des libellés, après des colonnes vides (colonne {}) : à vérifier",
                names.join(", ")
            )),
        );
    }
    let filled = fiche.fields.len();
    Reading {
        kind,
        fiche,
        filled,
        labels: label_count,
        langs,
        consumed,
    }
}

/// Turns an answer's text into the field's stored value.
fn read_value(
    grid: &Grid,
    spec: &FieldSpec,
    a: &Answer,
    text: String,
    fiche: &mut Fiche,
    langs: &mut Vec<Lang>,
) {
    match spec.ty {
        FieldType::Text | FieldType::LongText => {
            fiche.fields.insert(spec.key.to_string(), Value::Text(text));
        }
        FieldType::Date => {
            let (v, warn) = read_date(&text);
            if let Some(w) = warn {
                fiche.warnings.push(Warning::field(spec.key, w));
            }
            fiche.fields.insert(spec.key.to_string(), Value::Text(v));
        }
        FieldType::Phone => {
            let as_number = matches!(a.parts.as_slice(), [p]
                if matches!(grid.rows[p.pos.0].cells[p.pos.1].typed, Typed::Number(_)));
            let (text, warning) = read_phone(text, as_number);
            if let Some(w) = warning {
                fiche.warnings.push(Warning::field(spec.key, w));
            }
            fiche.fields.insert(spec.key.to_string(), Value::Text(text));
        }
        FieldType::Email => {
            let (v, warn) = read_email(&text);
            if let Some(w) = warn {
                fiche.warnings.push(Warning::field(spec.key, w));
            }
            fiche.fields.insert(spec.key.to_string(), Value::Text(v));
        }
        FieldType::Choice(opts) | FieldType::Choices(opts) => {
            let cells: Vec<&Cell> = a
                .parts
                .iter()
                .map(|p| &grid.rows[p.pos.0].cells[p.pos.1])
                .collect();
            let items: Vec<choice::Item> = a
                .parts
                .iter()
                .flat_map(|p| choice::items_of(&grid.rows[p.pos.0].cells[p.pos.1], p.from, opts))
                .collect();
            let store = |v: &str| -> Value {
                if spec.boolean {
                    Value::Bool(v == "true")
                } else {
                    Value::Text(v.to_string())
                }
            };
            let read = if matches!(spec.ty, FieldType::Choices(_)) {
                choice::read_choices(&items, &text, opts)
            } else {
                choice::read_choice(&items, &text, opts)
            };
            match read {
                Choice::One {
                    value,
                    recovered,
                    lang,
                } => {
                    if lang != Lang::Fr {
                        langs.push(lang);
                    }
                    if spec.slot && value != "any" && choice::typed_as_time(&cells) {
                        fiche.warnings.push(Warning::field(
                            spec.key,
                            format!("créneau saisi comme une heure ({text}) : à vérifier"),
                        ));
                    } else if let Some(why) = recovered {
                        fiche.warnings.push(Warning::field(spec.key, why));
                    }
                    fiche.fields.insert(spec.key.to_string(), store(value));
                }
                Choice::Many {
                    values,
                    recovered,
                    lang,
                } => {
                    if lang != Lang::Fr {
                        langs.push(lang);
                    }
                    if let Some(why) = recovered {
                        fiche.warnings.push(Warning::field(spec.key, why));
                    }
                    fiche
                        .fields
                        .insert(spec.key.to_string(), Value::Text(values.join(", ")));
                }
                Choice::Absent => {}
                Choice::Ambiguous(why) => {
                    fiche.warnings.push(Warning::field(spec.key, why));
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

/// A date as read: stored YYYY-MM-DD when it reads as one (31/12/2026,
/// 31.12.26, 2026-12-31, 31 décembre 2026), else kept as written with a
/// warning.
fn read_date(raw: &str) -> (String, Option<String>) {
    const MONTHS: [&str; 12] = [
        "janvier",
        "fevrier",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "aout",
        "septembre",
        "octobre",
        "novembre",
        "decembre",
    ];
    let t = raw.trim();
    let f = fold(t);
    // A date typed in a spreadsheet cell shown with its time ("2019-10-12
    // 0:00:00"): the time is not part of the answer.
    let words: Vec<&str> = f
        .split(|c: char| c == '/' || c == '.' || c == '-' || c.is_whitespace())
        .filter(|w| !w.is_empty() && !w.contains(':'))
        .collect();
    let num = |w: &str| w.parse::<u32>().ok();
    let ymd = match words.as_slice() {
        [y, m, d] if y.len() == 4 => num(y).zip(num(m)).zip(num(d)).map(|((y, m), d)| (y, m, d)),
        [d, m, y] => {
            let m = num(m).or_else(|| {
                MONTHS
                    .iter()
                    .position(|n| n.starts_with(*m) && m.len() >= 3)
                    .and_then(|i| u32::try_from(i + 1).ok())
            });
            let y = num(y).map(|y| if y < 100 { 2000 + y } else { y });
            num(d).zip(m).zip(y).map(|((d, m), y)| (y, m, d))
        }
        _ => None,
    };
    match ymd.and_then(|(y, m, d)| chrono::NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)) {
        Some(date) => (date.format("%Y-%m-%d").to_string(), None),
        None => (
            t.to_string(),
            Some(format!(
                "date non reconnue « {t} » : texte conservé tel quel"
            )),
        ),
    }
}

/// A phone number as read, and what to tell staff. A number typed into a
/// spreadsheet cell without a text format loses its leading 0 (0594 28 28
/// 28 becomes 594282828): when the digits plainly are a French national
/// number — nine digits, the first 1 to 9 — the 0 is put back, and said.
/// Other digits (an international number that lost its +) are kept as
/// read, with a warning.
fn read_phone(text: String, typed_as_number: bool) -> (String, Option<String>) {
    let all_digits = !text.is_empty() && text.chars().all(|c| c.is_ascii_digit());
    if !all_digits || text.starts_with('0') || text.len() < 9 {
        return (text, None);
    }
    if typed_as_number && text.len() == 9 {
        let warning =
            format!("numéro saisi comme un nombre ({text}) : 0 initial rétabli, à vérifier");
        return (format!("0{text}"), Some(warning));
    }
    (
        text,
        Some("numéro saisi comme un nombre : le 0 ou le + initial a pu être perdu".to_string()),
    )
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

/// Text of a segment that no label claimed: what the respondent added
/// beside the form. Rows give (first cell, the rest) pairs; a lone text
/// gives an empty label.
fn extras(grid: &Grid, c: &Classified, seg: &Segment, r: &Reading) -> Vec<(String, String)> {
    let classes = c.of(r.kind.unwrap_or(Kind::FIRST));
    let mut out = Vec::new();
    for x in seg.rows.clone() {
        let mut texts: Vec<String> = Vec::new();
        for (j, cell) in grid.rows[x].cells.iter().enumerate() {
            if r.consumed.contains(&(x, j)) || !matches!(classes[x][j], Class::Text) {
                continue;
            }
            let t = clean_value(&cell.text);
            if is_blank_value(&t) || labels::is_blank_options(&t) {
                continue;
            }
            texts.push(t);
        }
        match texts.len() {
            0 => {}
            1 => out.push((String::new(), texts.remove(0))),
            _ => {
                let label = texts.remove(0);
                out.push((label, texts.join("\n")));
            }
        }
    }
    out
}

/// The printed label of a field, for text kept beside a form.
fn label_of(kind: Option<Kind>, key: &str) -> String {
    spec::field(kind.unwrap_or(Kind::FIRST), key)
        .map_or(key, |s| s.label)
        .to_string()
}

/// True for a text that is only option names, one per line (a sheet of
/// drop-down lists, as the Excel forms carry): the form's, not an answer.
fn is_option_list(text: &str) -> bool {
    let names = labels::option_names();
    text.lines().all(|line| {
        let f = fold(line);
        f.is_empty() || names.contains(&f)
    })
}

/// True when a grid plainly holds a filled form: the title line and at
/// least five rows with a label and a value. (A reader could stop there.)
pub fn holds_filled_form(grid: &Grid) -> bool {
    let filled = grid.rows.iter().filter(|r| r.cells.len() >= 2).count();
    filled >= 5
        && grid.rows.iter().take(60).any(|r| {
            r.cells
                .iter()
                .any(|c| labels::title_of(c.text.trim()).is_some())
        })
}

/// One form read from a grid, with what is needed to choose among forms.
struct Candidate {
    fiche: Fiche,
    filled: usize,
    labels: usize,
    titled: bool,
    grid: usize,
}

/// Interprets the grids read from a file (one for a document, one per sheet
/// for a workbook) and returns one fiche per filled form found (at least
/// one when the file holds the form at all).
pub fn interpret(grids: &[Grid], file_name: &str) -> Result<Vec<Fiche>, FicheError> {
    let mut candidates: Vec<Candidate> = Vec::new();
    // Text found beside no form (another sheet, a form's blank copy).
    let mut stray: Vec<(usize, Vec<(String, String)>)> = Vec::new();
    for (g, grid) in grids.iter().enumerate() {
        // The sheet of drop-down lists (the options as printed, nothing
        // else) is the form's own: told apart before anything is folded.
        if grid
            .rows
            .iter()
            .all(|r| r.cells.iter().all(|c| labels::is_printed_option(&c.text)))
        {
            continue;
        }
        let c = classify(grid);
        if c.options_only {
            continue;
        }
        let mut previous_kind = None;
        for seg in segments(grid, &c) {
            let (kind, title_lang, note) = segment_kind(&c, &seg, file_name);
            // The kind told by labels only one form has (no title, no guess).
            let by_labels = kind.is_some() && title_lang.is_none() && note.is_none();
            let kind = kind.or(previous_kind);
            previous_kind = kind;
            let mut reading = read_segment(grid, &c, &seg, kind);
            let extra = extras(grid, &c, &seg, &reading);
            let titled = c.titles.range(seg.rows.clone()).next().is_some();
            // A form has its title, three of its labels, or two with one
            // only that form has; anything less is text beside the form
            // (notes, lists), kept for staff.
            if !titled && reading.labels < 3 && !(by_labels && reading.labels >= 2) {
                let extra: Vec<(String, String)> = extra
                    .into_iter()
                    .chain(
                        reading
                            .fiche
                            .fields
                            .iter()
                            .map(|(k, v)| (label_of(kind, k), v.display())),
                    )
                    .filter(|(l, v)| !is_option_list(l) || !is_option_list(v))
                    .collect();
                if !extra.is_empty() {
                    stray.push((g, extra));
                }
                continue;
            }
            let fiche = &mut reading.fiche;
            let mut head = Vec::new();
            if let Some(n) = note {
                head.push(n);
            }
            if let Some(l) = title_lang.filter(|l| *l != Lang::Fr) {
                reading.langs.push(l);
            }
            let mut langs = reading.langs.clone();
            langs.sort();
            langs.dedup();
            if !langs.is_empty() {
                let names: Vec<&str> = langs.iter().map(|l| l.name_fr()).collect();
                head.push(Warning::general(format!(
                    "fiche traduite ({}) : rubriques et options lues comme celles de la fiche française, à vérifier",
                    names.join(", ")
                )));
            }
            if kind.is_none() && !fiche.fields.is_empty() {
                head.push(Warning::general(
                    "type de fiche inconnu (ni titre ni rubrique propre à une fiche) : seules les rubriques communes sont lues",
                ));
            }
            fiche.extra.extend(extra);
            head.append(&mut fiche.warnings);
            fiche.warnings = head;
            candidates.push(Candidate {
                fiche: reading.fiche,
                filled: reading.filled,
                labels: reading.labels,
                titled,
                grid: g,
            });
        }
    }
    if candidates.is_empty() {
        return Err(FicheError::NotAFiche {
            reason: if stray.is_empty() {
                "aucun titre ni aucune rubrique de fiche trouvés".to_string()
            } else {
                "trop peu de rubriques de fiche reconnues".to_string()
            },
        });
    }

    // A form counts as filled with two answers (or one and text beside it).
    let is_filled = |c: &Candidate| c.filled >= 2 || (c.filled >= 1 && !c.fiche.extra.is_empty());
    let filled: Vec<usize> = (0..candidates.len())
        .filter(|i| is_filled(&candidates[*i]))
        .collect();
    let chosen: Vec<usize> = if filled.is_empty() {
        // No filled form: the one with the most text added, else the most labels.
        let best = (0..candidates.len())
            .max_by_key(|i| {
                let c = &candidates[*i];
                (
                    c.filled,
                    c.fiche.extra.len(),
                    usize::from(c.titled),
                    c.labels,
                    usize::MAX - *i,
                )
            })
            .unwrap_or(0);
        vec![best]
    } else {
        filled
    };
    // What the forms left aside hold beyond the blank form is shown too.
    for (i, c) in candidates.iter().enumerate() {
        if !chosen.contains(&i) && (!c.fiche.extra.is_empty() || c.filled > 0) {
            let mut texts: Vec<(String, String)> = c.fiche.extra.clone();
            for (k, v) in &c.fiche.fields {
                texts.push((label_of(c.fiche.kind, k), v.display()));
            }
            stray.push((c.grid, texts));
        }
    }
    let mut out = Vec::new();
    for (n, i) in chosen.iter().enumerate() {
        let c = &mut candidates[*i];
        let mut fiche = std::mem::take(&mut c.fiche);
        let grid = &grids[c.grid];
        if grid.hidden {
            fiche.warnings.push(Warning::general(format!(
                "fiche lue dans la feuille masquée « {} »",
                grid.name
            )));
        }
        if n == 0 {
            for (g, texts) in &stray {
                let name = &grids[*g].name;
                let place = if grids.len() > 1 {
                    format!("la feuille « {name} »")
                } else {
                    "le document, hors du formulaire lu,".to_string()
                };
                fiche.warnings.push(Warning::general(format!(
                    "{place} contient du texte qui n'a pas été lu comme une réponse : gardé hors rubrique"
                )));
                fiche.extra.extend(texts.iter().cloned());
            }
        }
        for note in &grid.notes {
            fiche.warnings.push(Warning::general(note.clone()));
        }
        finish(&mut fiche);
        out.push(fiche);
    }
    Ok(out)
}

/// Defaults and checks once a fiche is read: the slot defaults to `any`,
/// required fields left blank are named, and text added without any field
/// read is never a blank form.
fn finish(fiche: &mut Fiche) {
    if let Some(slot) = fiche.kind.and_then(spec::slot_field)
        && !fiche.fields.is_empty()
        && !fiche.fields.contains_key(slot.key)
    {
        // "No slot" reads as any slot, unless a slot stands in the text
        // kept beside the form (under a label the reader did not know).
        if let Some(opts) = slot.ty.options()
            && let Some(seen) = fiche
                .extra
                .iter()
                .flat_map(|(l, v)| [l, v])
                .find(|t| names_a_slot(t, opts))
        {
            fiche.warnings.push(Warning::field(
                slot.key,
                format!(
                    "aucun créneau lu : « indifférent » par défaut, mais un créneau figure dans le texte gardé hors rubrique (« {} ») : à vérifier",
                    seen.lines().next().unwrap_or_default()
                ),
            ));
        }
        fiche
            .fields
            .insert(slot.key.to_string(), Value::Text("any".to_string()));
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
    if fiche.fields.is_empty() && !fiche.extra.is_empty() {
        fiche.warnings.push(Warning::general(
            "du texte a été ajouté au formulaire mais aucune rubrique n'a pu être lue : fiche à lire et à saisir à la main",
        ));
    }
}

/// True when a text names one of the event's slots (not "any"): as an
/// option or as a time that starts one.
fn names_a_slot(text: &str, opts: &'static [spec::Opt]) -> bool {
    let cell = Cell::text(0, text);
    choice::items_of(&cell, 0, opts)
        .iter()
        .any(|i| i.names.is_some_and(|(o, _, _)| o.value != "any"))
        || choice::times_in(text)
            .iter()
            .any(|t| opts.iter().any(|o| o.value == t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fiche::model::Row;

    fn grid(rows: &[&[&str]]) -> Grid {
        Grid {
            name: "test".into(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(n, r)| Row {
                    cells: r
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| !c.is_empty())
                        .map(|(i, c)| Cell::text(i as u32, *c))
                        .collect(),
                    table: 1,
                    line: n as u32,
                })
                .collect(),
            hidden: false,
            notes: vec![],
        }
    }

    fn paragraphs(lines: &[&str]) -> Grid {
        Grid {
            name: "document".into(),
            rows: lines
                .iter()
                .enumerate()
                .map(|(n, l)| Row {
                    cells: vec![Cell::text(0, *l)],
                    table: 0,
                    line: n as u32,
                })
                .collect(),
            hidden: false,
            notes: vec![],
        }
    }

    fn one(g: Grid) -> Fiche {
        let mut v = interpret(&[g], "x.docx").unwrap();
        assert_eq!(v.len(), 1, "{v:#?}");
        v.remove(0)
    }

    fn warned(f: &Fiche, key: &str) -> bool {
        f.warnings.iter().any(|w| w.field.as_deref() == Some(key))
    }

    #[test]
    fn labels_survive_people() {
        let f = one(grid(&[
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
        ]));
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
        assert!(warned(&f, "country"));
    }

    #[test]
    fn answers_below_labels_and_in_paragraphs() {
        let f = one(grid(&[
            &["BOURSE AUX PROJETS : FICHE DE RENSEIGNEMENT"],
            &["Nom de la collectivité ou de la structure"],
            &["Commune de Dschang"],
            &["Pays", "Cameroun"],
            &["Description de la demande"],
            &["Première ligne"],
            &["Seconde ligne"],
            &["Nom", "Prénom"],
            &["Tchinda", "Awa"],
        ]));
        assert_eq!(f.text("organisation"), Some("Commune de Dschang"));
        assert!(warned(&f, "organisation"));
        assert_eq!(
            f.text("request_description"),
            Some("Première ligne\nSeconde ligne")
        );
        assert_eq!(f.text("contact_last_name"), Some("Tchinda"));
        assert_eq!(f.text("contact_first_name"), Some("Awa"));

        let f = one(paragraphs(&[
            "MICRO-ATELIER : FICHE DE RENSEIGNEMENT",
            "1. Votre collectivité ou structure",
            "Nom de la collectivité ou de la structure",
            "Ville de Grenoble",
            "Pays",
            "France",
            "Membre de Cités Unies France",
            "☐ Oui    ☒ Non",
            "2. Personne à contacter",
            "Description du projet ou de la démarche",
            "Ligne 1",
            "Ligne 2",
            "Validé par M. le Maire",
        ]));
        assert_eq!(f.text("organisation"), Some("Ville de Grenoble"));
        assert_eq!(f.text("country"), Some("France"));
        assert_eq!(f.fields.get("cuf_member"), Some(&Value::Bool(false)));
        assert_eq!(
            f.text("project_description"),
            Some("Ligne 1\nLigne 2\nValidé par M. le Maire")
        );
    }

    #[test]
    fn text_beside_no_label_is_extra_and_never_silent() {
        let f = one(grid(&[
            &["MICRO-ATELIER : FICHE DE RENSEIGNEMENT"],
            &["Nom de la collectivité ou de la structure"],
            &["", "", "", "", "Validé par le service RI"],
            &["Pays"],
        ]));
        assert!(f.fields.is_empty(), "{:?}", f.fields);
        assert_eq!(
            f.extra,
            vec![(String::new(), "Validé par le service RI".to_string())]
        );
        assert!(f.warnings.iter().any(|w| w.message.contains("à la main")));
        assert!(!f.is_blank());
    }

    #[test]
    fn kind_from_labels_when_no_title() {
        let f = one(grid(&[
            &["Nom de la collectivité ou de la structure", "X"],
            &["Type de demande", "Besoin spécifique"],
        ]));
        assert_eq!(f.kind, Some(Kind::BourseProjets));
        assert_eq!(f.text("request_type"), Some("specific_need"));
    }

    #[test]
    fn a_filled_sheet_wins_over_a_blank_copy_first() {
        let blank = grid(&[
            &["BOURSE AUX PROJETS : FICHE DE RENSEIGNEMENT"],
            &["Pays"],
            &["Nom"],
            &["Type de demande"],
        ]);
        let form = grid(&[
            &["BOURSE AUX PROJETS : FICHE DE RENSEIGNEMENT"],
            &["Pays", "Cameroun"],
            &["Nom", "Tchinda"],
        ]);
        let f = interpret(&[blank, form], "x.xlsx").unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].text("country"), Some("Cameroun"));
    }

    #[test]
    fn two_filled_forms_in_one_grid() {
        let f = interpret(
            &[grid(&[
                &["MICRO-ATELIER : FICHE DE RENSEIGNEMENT"],
                &["Nom de la collectivité ou de la structure", "Ville A"],
                &["Pays", "France"],
                &["Titre du projet ou de la démarche", "Projet A"],
                &["MICRO-ATELIER : FICHE DE RENSEIGNEMENT"],
                &["Nom de la collectivité ou de la structure", "Ville A"],
                &["Pays", "France"],
                &["Titre du projet ou de la démarche", "Projet B"],
            ])],
            "x.xlsx",
        )
        .unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].text("project_title"), Some("Projet A"));
        assert_eq!(f[1].text("project_title"), Some("Projet B"));
    }

    #[test]
    fn a_phone_typed_as_a_number_gets_its_leading_zero_back() {
        let mut g = grid(&[
            &["MICRO-ATELIER : FICHE DE RENSEIGNEMENT"],
            &[
                "Nom de la collectivité ou de la structure",
                "Mairie de Kourou",
            ],
            &["Téléphone", "594282828"],
        ]);
        g.rows[2].cells[1].typed = Typed::Number(594282828.0);
        let f = one(g.clone());
        assert_eq!(f.text("contact_phone"), Some("0594282828"));
        assert!(
            f.warnings
                .iter()
                .any(|w| w.field.as_deref() == Some("contact_phone")
                    && w.message.contains("594282828")
                    && w.message.contains("0 initial rétabli")),
            "{:?}",
            f.warnings
        );
        // An international number that lost its +: kept as read, flagged.
        g.rows[2].cells[1] = Cell {
            typed: Typed::Number(33612345678.0),
            ..Cell::text(1, "33612345678")
        };
        let f = one(g.clone());
        assert_eq!(f.text("contact_phone"), Some("33612345678"));
        assert!(warned(&f, "contact_phone"));
        // Digits that are no French number: kept as read, and flagged.
        g.rows[2].cells[1] = Cell {
            typed: Typed::Number(2_250_707_123_456.0),
            ..Cell::text(1, "2250707123456")
        };
        let f = one(g.clone());
        assert_eq!(f.text("contact_phone"), Some("2250707123456"));
        assert!(warned(&f, "contact_phone"));
        // Nine digits typed as text: what the person wrote, flagged, not changed.
        g.rows[2].cells[1] = Cell::text(1, "594282828");
        let f = one(g);
        assert_eq!(f.text("contact_phone"), Some("594282828"));
        assert!(warned(&f, "contact_phone"));
    }

    #[test]
    fn answers_far_right_of_the_labels() {
        // Every answer five columns right of its label; one a column further.
        let f = one(grid(&[
            &["MICRO-ATELIER : FICHE DE RENSEIGNEMENT"],
            &[
                "Nom de la collectivité ou de la structure",
                "",
                "",
                "",
                "",
                "Ville de Kourou",
            ],
            &["Pays", "", "", "", "", "France"],
            &["Nom", "", "", "", "", "Dupont"],
            &["Fonction", "", "", "", "", "", "Chargée de mission"],
            &["Courriel", "", "", "", "", "m.dupont@kourou.fr"],
        ]));
        assert_eq!(f.text("organisation"), Some("Ville de Kourou"));
        assert_eq!(f.text("contact_role"), Some("Chargée de mission"));
        assert_eq!(f.text("contact_email"), Some("m.dupont@kourou.fr"));
        assert!(
            f.warnings
                .iter()
                .any(|w| w.message.contains("loin à droite")),
            "{:?}",
            f.warnings
        );
        // Answers in the form's answer column, one text far right of an
        // empty label: not its answer, kept beside, and said.
        let f = one(grid(&[
            &["MICRO-ATELIER : FICHE DE RENSEIGNEMENT"],
            &[
                "Nom de la collectivité ou de la structure",
                "Ville de Kourou",
            ],
            &["Pays", "France"],
            &["Fonction", "", "", "", "", "", "Validé le 3 juin"],
            &["Courriel", "m.dupont@kourou.fr"],
        ]));
        assert!(!f.fields.contains_key("contact_role"), "{:?}", f.fields);
        assert!(f.extra.iter().any(|(_, v)| v == "Validé le 3 juin"));
        assert!(
            f.warnings
                .iter()
                .any(|w| w.field.as_deref() == Some("contact_role")
                    && w.message.contains("colonne G")),
            "{:?}",
            f.warnings
        );
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(27), "AB");
    }

    /// The fast paths of `class_of_cell` (the forms' strings looked up
    /// whole, text whose first word starts nothing of the forms) give what
    /// folding gives, on the forms' strings retyped every way and on answers.
    #[test]
    fn fast_cell_classes_are_the_folded_ones() {
        let mut texts: Vec<String> = Vec::new();
        for kind in Kind::all() {
            texts.push(spec::title(kind).to_string());
            for f in spec::fields(kind) {
                for (l, _) in f.labels() {
                    texts.push(l.to_string());
                    texts.push(l.to_uppercase());
                    texts.push(format!("{l} :"));
                    texts.push(format!("{l} : Sénégal"));
                    texts.push(format!("3. {l}"));
                    texts.push(format!("a) {l}"));
                    texts.push(format!("{l} portable"));
                    texts.push(format!("\u{a0}{l}\u{a0}"));
                }
                if let FieldType::Choice(opts) = f.ty {
                    for o in opts {
                        for (n, _) in o.names() {
                            texts.push(n.to_string());
                            texts.push(format!("☐ {n}"));
                            texts.push(format!("{n} X"));
                        }
                    }
                }
            }
        }
        texts.extend(spec::form_text().iter().map(|t| t.to_string()));
        texts.extend(
            [
                "Ville de Saint-Étienne",
                "Chargée de mission relations internationales",
                "claire.martin@saint-etienne.fr",
                "04 77 48 77 48",
                "Œuvre d'Orient",
                "e\u{301}cole",
                "«\u{a0}Pays\u{a0}»",
                "– Pays",
                "Paysage urbain",
                "Nomination",
                "12",
                "2018",
                "x",
                "Merci de renvoyer cette fiche complétée avant le 8 juin 2018 à rencontres@cites-unies-france.org",
                "Validé par le service RI",
                "Ṗays",
                "abcdefghijklmnopqrstuvwxyzabcdefghij",
                "Téléphone:0102030405",
            ]
            .map(str::to_string),
        );
        for t in &texts {
            let t = t.trim();
            if t.is_empty() {
                continue;
            }
            for first in [true, false] {
                assert_eq!(
                    class_of_cell(t, first),
                    slow_class_of_cell(t, first),
                    "{t:?} first={first}"
                );
            }
        }
    }

    #[test]
    fn not_a_fiche() {
        let g = grid(&[&["Bonjour"], &["Voici un tableau", "sans rapport"]]);
        assert_eq!(interpret(&[g], "x.docx").unwrap_err().code(), "not_a_fiche");
    }

    #[test]
    fn blank_form_gives_no_values() {
        let f = one(grid(&[
            &["MICRO-ATELIER : FICHE DE RENSEIGNEMENT"],
            &["Nom de la collectivité ou de la structure", ""],
            &["Membre de Cités Unies France", "☐ Oui    ☐ Non"],
            &["Description du projet ou de la démarche", "\n\n"],
        ]));
        assert!(f.fields.is_empty(), "{:?}", f.fields);
        assert!(f.is_blank(), "{f:?}");
    }
}
