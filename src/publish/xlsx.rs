//! The lists as Excel workbooks, written with `rust_xlsxwriter`:
//!
//! - [`programme`] (`programme.xlsx`, public): one sheet per kind of the
//!   call definition, named by its list heading ("Micro-ateliers",
//!   "Bourse aux projets"), the same columns as the CSV.
//! - [`staff`] (`suivi-complet.xlsx`, staff only): every proposal with every
//!   field of the definition (then any other stored key), its status, slot,
//!   place, waiting-list rank, flags and warnings ("Propositions"), and each
//!   kind's waiting list in order ("Attente micro-ateliers"…).
//!
//! Every sheet: a bold header row, frozen panes under it, an autofilter,
//! column widths fitted to the content (long text wrapped), the header row
//! repeated on printed pages. A draft opens on a first sheet "Document de
//! travail" that says so, and carries "Document de travail" in the
//! printed page header and in the document's title.
//!
//! Cells are written with `write_string` (text) or `write_number` (ids and
//! ranks), never as formulas; text goes through `csv::safe_cell` (controls
//! made visible, a leading `= + - @`, TAB, CR or LF prefixed with `'`) and
//! is cut at Excel's 32,767-character limit.

use std::collections::{BTreeSet, HashMap};

use rust_xlsxwriter::{
    Color, DocProperties, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::csv::{self as csv_list, safe_cell};
use super::labels::{self, date_fr};
use super::snapshot::{Section, Snapshot};
use super::{Edition, Entry, PublishError};
use crate::domain::status_fr;

/// Excel's limit on the text of one cell, in UTF-16 units.
const MAX_CELL: usize = 32_767;
const MIN_WIDTH: usize = 6;
const MAX_WIDTH: usize = 60;

enum Cell {
    Text(String),
    Num(f64),
    Empty,
}

fn text(s: impl AsRef<str>) -> Cell {
    let s = s.as_ref();
    if s.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(cut(safe_cell(s)))
    }
}

fn opt_text(s: &Option<String>) -> Cell {
    s.as_deref().map(text).unwrap_or(Cell::Empty)
}

/// Cuts text to Excel's cell limit (with "…").
fn cut(s: String) -> String {
    if s.len() < MAX_CELL {
        return s; // fewer bytes than the limit: fewer UTF-16 units too
    }
    let mut units = 0;
    let mut end = s.len();
    for (i, c) in s.char_indices() {
        units += c.len_utf16();
        if units > MAX_CELL - 1 {
            end = i;
            break;
        }
    }
    if end == s.len() {
        return s;
    }
    let mut out = s[..end].to_string();
    out.push('…');
    out
}

/// Default row height in points, and the most lines a row is grown to.
const ROW_HEIGHT: f64 = 15.0;
const MAX_LINES: usize = 25;
/// Sheets this narrow are printed one page wide.
const FIT_COLUMNS: usize = 10;

/// Lines a cell's text takes in a wrapped column `width` characters wide
/// (an estimate: one character per width unit).
fn line_count(cell: &Cell, width: usize) -> usize {
    let usable = width.saturating_sub(1).max(1);
    match cell {
        Cell::Text(s) => s
            .split('\n')
            .map(|l| l.chars().count().div_ceil(usable).max(1))
            .sum(),
        _ => 1,
    }
}

/// Width of a cell's text for the column: its longest line, in characters.
fn width_of(cell: &Cell) -> usize {
    match cell {
        Cell::Text(s) => s.lines().map(|l| l.chars().count()).max().unwrap_or(0),
        Cell::Num(n) => format!("{n}").len(),
        Cell::Empty => 0,
    }
}

struct Sheet {
    name: String,
    headers: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

struct Formats {
    header: Format,
    plain: Format,
    wrap: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xE6EDF4))
                .set_border_bottom(FormatBorder::Thin)
                .set_align(FormatAlign::Top)
                .set_text_wrap(),
            plain: Format::new().set_align(FormatAlign::Top),
            wrap: Format::new().set_align(FormatAlign::Top).set_text_wrap(),
        }
    }
}

/// `&` is a control character in page headers.
fn header_text(s: &str) -> String {
    let s = crate::safe::terminal_line(s).replace('&', "&&");
    s.chars().take(100).collect()
}

fn page_header(edition: Edition, taken_at: &str, event: &str) -> String {
    let right = match edition {
        Edition::Draft => "&\"-,Bold\"Document de travail".to_string(),
        Edition::Final { number } => {
            header_text(&format!("Publication n° {number} du {}", date_fr(taken_at)))
        }
    };
    format!("&L{}&R{right}", header_text(event))
}

fn write_sheet(
    ws: &mut Worksheet,
    sheet: &Sheet,
    formats: &Formats,
    page_header: &str,
) -> Result<(), XlsxError> {
    ws.set_name(&sheet.name)?;
    let ncols = sheet.headers.len();
    let mut widths: Vec<usize> = sheet.headers.iter().map(|h| h.chars().count()).collect();
    for row in &sheet.rows {
        for (c, cell) in row.iter().enumerate().take(ncols) {
            widths[c] = widths[c].max(width_of(cell));
        }
    }
    let wrap: Vec<bool> = sheet
        .rows
        .iter()
        .fold(vec![false; ncols], |mut acc, row| {
            for (c, cell) in row.iter().enumerate().take(ncols) {
                if let Cell::Text(s) = cell {
                    acc[c] |= s.contains('\n');
                }
            }
            acc
        })
        .into_iter()
        .zip(&widths)
        .map(|(nl, w)| nl || *w > MAX_WIDTH)
        .collect();
    for (c, h) in sheet.headers.iter().enumerate() {
        let col = c as u16;
        ws.write_string_with_format(0, col, safe_cell(h), &formats.header)?;
        let w = (widths[c] + 2).clamp(MIN_WIDTH, MAX_WIDTH);
        ws.set_column_width(col, w as f64)?;
    }
    let header_lines = sheet
        .headers
        .iter()
        .enumerate()
        .map(|(c, h)| {
            line_count(
                &Cell::Text(h.clone()),
                (widths[c] + 2).clamp(MIN_WIDTH, MAX_WIDTH),
            )
        })
        .max()
        .unwrap_or(1);
    if header_lines > 1 {
        ws.set_row_height(0, ROW_HEIGHT * header_lines.min(MAX_LINES) as f64)?;
    }
    let col_width: Vec<usize> = widths
        .iter()
        .map(|w| (w + 2).clamp(MIN_WIDTH, MAX_WIDTH))
        .collect();
    for (r, row) in sheet.rows.iter().enumerate() {
        let rn = (r + 1) as u32;
        // Wrapped text needs a taller row: neither Excel nor LibreOffice
        // grows it when the file is opened.
        let lines = row
            .iter()
            .enumerate()
            .take(ncols)
            .filter(|(c, _)| wrap[*c])
            .map(|(c, cell)| line_count(cell, col_width[c]))
            .max()
            .unwrap_or(1);
        if lines > 1 {
            ws.set_row_height(rn, ROW_HEIGHT * lines.min(MAX_LINES) as f64)?;
        }
        for (c, cell) in row.iter().enumerate().take(ncols) {
            let col = c as u16;
            let fmt = if wrap[c] {
                &formats.wrap
            } else {
                &formats.plain
            };
            match cell {
                Cell::Text(s) => {
                    ws.write_string_with_format(rn, col, s, fmt)?;
                }
                Cell::Num(n) => {
                    ws.write_number_with_format(rn, col, *n, fmt)?;
                }
                Cell::Empty => {}
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    if ncols > 0 {
        ws.autofilter(0, 0, sheet.rows.len() as u32, (ncols - 1) as u16)?;
    }
    ws.set_repeat_rows(0, 0)?;
    ws.set_landscape();
    if ncols <= FIT_COLUMNS {
        ws.set_print_fit_to_pages(1, 0);
    }
    ws.set_header(page_header);
    ws.set_footer("&CPage &P / &N");
    Ok(())
}

fn workbook(
    sheets: &[Sheet],
    title: &str,
    edition: Edition,
    snapshot: &Snapshot,
) -> Result<Vec<u8>, PublishError> {
    let mut wb = Workbook::new();
    let title = match edition {
        Edition::Draft => format!("Document de travail — {title}"),
        Edition::Final { .. } => title.to_string(),
    };
    wb.set_properties(
        &DocProperties::new()
            .set_title(safe_cell(&title))
            .set_subject(safe_cell(&snapshot.event.name))
            .set_author("Cités Unies France")
            .set_company("Cités Unies France"),
    );
    let formats = Formats::new();
    let header = page_header(edition, &snapshot.taken_at, &snapshot.event.name);
    if edition.is_draft() {
        // What opens first says it, on screen too (the printed pages carry
        // it in their header).
        let ws = wb.add_worksheet();
        ws.set_name("Document de travail")?;
        ws.write_string_with_format(0, 0, super::csv::draft_banner(snapshot), &formats.header)?;
        ws.set_column_width(0, 90.0)?;
        ws.set_header(&header);
    }
    for sheet in sheets {
        let ws = wb.add_worksheet();
        write_sheet(ws, sheet, &formats, &header)?;
    }
    Ok(wb.save_to_buffer()?)
}

fn headers(h: &[&str]) -> Vec<String> {
    h.iter().map(|s| s.to_string()).collect()
}

fn rows(rows: Vec<Vec<String>>) -> Vec<Vec<Cell>> {
    rows.into_iter()
        .map(|r| r.into_iter().map(text).collect())
        .collect()
}

/// A sheet name Excel accepts, unique in `taken`: without `[ ] : * ? / \`,
/// not starting or ending with `'`, at most 31 characters.
fn sheet_name(wanted: &str, taken: &mut Vec<String>) -> String {
    let clean: String = crate::safe::terminal_line(wanted)
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '-' } else { c })
        .collect();
    let clean = clean.trim_matches(['\'', ' ']);
    let base: String = if clean.is_empty() {
        "Liste".to_string()
    } else {
        clean.chars().take(31).collect()
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken
        .iter()
        .any(|t| t.to_lowercase() == name.to_lowercase())
    {
        let suffix = format!(" {n}");
        name = base.chars().take(31 - suffix.len()).collect::<String>() + &suffix;
        n += 1;
    }
    taken.push(name.clone());
    name
}

/// `programme.xlsx` (public): one sheet per kind, named by its list's
/// heading, with the same columns as the CSV.
pub fn programme(snapshot: &Snapshot, edition: Edition) -> Result<Vec<u8>, PublishError> {
    let mut taken = vec!["Document de travail".to_string()];
    let sheets: Vec<Sheet> = snapshot
        .kinds
        .iter()
        .map(|section| Sheet {
            name: sheet_name(&section.def().plural, &mut taken),
            headers: csv_list::headers(section),
            rows: rows(csv_list::rows(section)),
        })
        .collect();
    workbook(&sheets, "Listes de programmation", edition, snapshot)
}

/// Field columns of the staff sheet: every kind's fields in form order
/// (the first kind's, then each next kind's own), then any other key met.
fn field_columns(entries: &[Entry]) -> Vec<(String, String)> {
    let mut cols: Vec<(String, String)> = Vec::new();
    let call = crate::call::current();
    let defined = call
        .kinds
        .iter()
        .flat_map(|k| &k.fields)
        .filter_map(|id| call.fields.iter().find(|f| &f.id == id));
    for f in defined {
        if !cols.iter().any(|(k, _)| k == f.key()) {
            cols.push((f.key().to_string(), f.label.clone()));
        }
    }
    let known: BTreeSet<String> = cols.iter().map(|(k, _)| k.clone()).collect();
    let others: BTreeSet<&String> = entries
        .iter()
        .flat_map(|e| e.fields.keys())
        .filter(|k| !known.contains(*k))
        .collect();
    cols.extend(others.into_iter().map(|k| (k.clone(), k.clone())));
    cols
}

/// The staff's columns before the place (see [`place_head`]).
const STAFF_HEAD: [&str; 4] = ["N°", "Type", "Statut", "Créneau"];
/// The staff's columns after the place, before the fields.
const STAFF_TAIL: [&str; 5] = [
    "Rang en liste d'attente",
    "Prioritaire (membre CUF)",
    "Reçue le",
    "Signalements",
    "Avertissements",
];

/// The place column's heading: the kinds' place words ("Espace ou
/// table", "Espace, table ou salon").
fn place_head() -> String {
    let mut words: Vec<&str> = Vec::new();
    for k in &crate::call::current().kinds {
        if !words.contains(&k.programme.place_word.as_str()) {
            words.push(&k.programme.place_word);
        }
    }
    let text = match words.split_last() {
        None => "Lieu".to_string(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} ou {last}", rest.join(", ")),
    };
    labels::capitalise(&text)
}

fn proposals_sheet(snapshot: &Snapshot, entries: &[Entry]) -> Sheet {
    let cols = field_columns(entries);
    let mut hdr = headers(&STAFF_HEAD);
    hdr.push(place_head());
    hdr.extend(headers(&STAFF_TAIL));
    hdr.extend(cols.iter().map(|(_, label)| label.clone()));
    hdr.push("Autres lignes de la fiche".to_string());
    let ranks: HashMap<i64, u32> = snapshot
        .kinds
        .iter()
        .flat_map(|s| &s.waitlist)
        .map(|w| (w.id, w.rank))
        .collect();
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by_key(|e| e.id);
    let rows = sorted
        .into_iter()
        .map(|e| {
            let mut row = vec![
                Cell::Num(e.id as f64),
                text(
                    e.kind
                        .as_deref()
                        .map_or("Type inconnu", |k| labels::kind_def(k).label.as_str()),
                ),
                text(status_fr(e.status)),
                match (e.kind.as_deref(), e.slot.as_deref()) {
                    (Some(k), Some(s)) => text(labels::slot_label(k, s)),
                    (None, Some(s)) => text(s),
                    (_, None) => Cell::Empty,
                },
                opt_text(&e.place),
                ranks
                    .get(&e.id)
                    .map(|r| Cell::Num(*r as f64))
                    .unwrap_or(Cell::Empty),
                text(if e.member { "Oui" } else { "Non" }),
                text(&e.received_at),
                text(e.flags.join(", ")),
                text(
                    e.warnings
                        .iter()
                        .map(|w| match &w.field {
                            Some(f) => format!("{f} : {}", w.message),
                            None => w.message.clone(),
                        })
                        .collect::<Vec<_>>()
                        .join("\n"),
                ),
            ];
            row.extend(cols.iter().map(|(key, _)| match e.fields.get(key) {
                Some(v) => text(labels::value_fr(e.kind.as_deref(), key, v)),
                None => Cell::Empty,
            }));
            row.push(text(
                e.extra
                    .iter()
                    .map(|(l, v)| format!("{l} : {v}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ));
            row
        })
        .collect();
    Sheet {
        name: "Propositions".to_string(),
        headers: hdr,
        rows,
    }
}

/// A kind's waiting list: rank, number, organisation, the public fields
/// (whole), the wanted slot, priority, date of receipt.
fn waitlist_sheet(name: String, section: &Section) -> Sheet {
    let def = section.def();
    let kind = section.kind.as_str();
    let org = Some(crate::call::roles().organisation.as_str());
    let shown: Vec<usize> = def
        .public_fields
        .iter()
        .enumerate()
        .filter(|(_, k)| Some(k.as_str()) != org)
        .map(|(i, _)| i)
        .collect();
    let headings = section.headings();
    let mut hdr = headers(&["Rang", "N°", "Organisation"]);
    hdr.extend(shown.iter().map(|i| headings[*i].clone()));
    hdr.extend(headers(&[
        "Créneau souhaité",
        "Prioritaire (membre CUF)",
        "Reçue le",
    ]));
    Sheet {
        name,
        headers: hdr,
        rows: section
            .waitlist
            .iter()
            .map(|w| {
                let mut row = vec![
                    Cell::Num(w.rank as f64),
                    Cell::Num(w.id as f64),
                    opt_text(&w.organisation),
                ];
                row.extend(
                    shown
                        .iter()
                        .map(|i| w.fields.get(*i).map_or(Cell::Empty, |f| opt_text(&f.text))),
                );
                row.push(match w.wanted_slot.as_deref() {
                    None | Some("any") => text("Indifférent"),
                    Some(s) => text(labels::slot_label(kind, s)),
                });
                row.push(text(if w.member { "Oui" } else { "Non" }));
                row.push(text(&w.received_at));
                row
            })
            .collect(),
    }
}

/// `suivi-complet.xlsx` (staff only): every proposal of `entries` with
/// every field, and each kind's waiting list of `snapshot`.
pub fn staff(
    snapshot: &Snapshot,
    entries: &[Entry],
    edition: Edition,
) -> Result<Vec<u8>, PublishError> {
    let mut taken = vec![
        "Document de travail".to_string(),
        "Propositions".to_string(),
    ];
    let mut sheets = vec![proposals_sheet(snapshot, entries)];
    for section in &snapshot.kinds {
        let name = sheet_name(
            &format!("Attente {}", labels::uncapitalise(&section.def().plural)),
            &mut taken,
        );
        sheets.push(waitlist_sheet(name, section));
    }
    workbook(&sheets, "Suivi complet des propositions", edition, snapshot)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::tests::{sample_entries, sample_snapshot};
    use calamine::{Data, Reader, Xlsx};
    use std::io::Cursor;

    fn snap() -> Snapshot {
        sample_snapshot("2018-05-28T08:00:00+02:00")
    }

    fn read(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
        Xlsx::new(Cursor::new(bytes)).unwrap()
    }

    fn cell_str(d: &Data) -> String {
        match d {
            Data::String(s) => s.clone(),
            Data::Float(f) => format!("{f}"),
            Data::Int(i) => i.to_string(),
            Data::Empty => String::new(),
            other => format!("{other:?}"),
        }
    }

    fn sheet_rows(x: &mut Xlsx<Cursor<Vec<u8>>>, name: &str) -> Vec<Vec<String>> {
        let r = x.worksheet_range(name).unwrap();
        r.rows()
            .map(|row| row.iter().map(cell_str).collect())
            .collect()
    }

    #[test]
    fn programme_sheets() {
        let mut x = read(programme(&snap(), Edition::Final { number: 2 }).unwrap());
        assert_eq!(
            x.sheet_names(),
            vec!["Micro-ateliers", "Bourse aux projets"]
        );
        let micro = sheet_rows(&mut x, "Micro-ateliers");
        assert_eq!(
            micro[0],
            [
                "Créneau",
                "Espace",
                "Titre",
                "Organisation",
                "Pays",
                "Thématique"
            ]
        );
        assert_eq!(
            micro[2],
            vec![
                "14h20 – 14h40",
                "Espace B",
                "Un guide du financement de l'AICT",
                "Ville de Saint-Étienne",
                "France",
                "ODD / Agenda 2030"
            ]
        );
        let bourse = sheet_rows(&mut x, "Bourse aux projets");
        assert_eq!(bourse.len(), 2);
        assert_eq!(bourse[1][6], "Appel à coopération");
    }

    #[test]
    fn staff_workbook_has_everything() {
        let entries = sample_entries();
        let mut x = read(staff(&snap(), &entries, Edition::Draft).unwrap());
        assert_eq!(
            x.sheet_names(),
            vec![
                "Document de travail",
                "Propositions",
                "Attente micro-ateliers",
                "Attente bourse aux projets"
            ]
        );
        let p = sheet_rows(&mut x, "Propositions");
        assert_eq!(p.len(), 7);
        let h = &p[0];
        assert_eq!(
            &h[..5],
            &["N°", "Type", "Statut", "Créneau", "Espace ou table"]
        );
        let col = |name: &str| h.iter().position(|c| c == name).unwrap();
        // Saint-Étienne (id 1).
        assert_eq!(p[1][0], "1");
        assert_eq!(p[1][col("Statut")], "retenue");
        assert_eq!(p[1][col("Créneau")], "14h20 – 14h40");
        assert_eq!(p[1][col("Membre de Cités Unies France")], "Oui");
        assert_eq!(p[1][col("Thématique principale")], "ODD / Agenda 2030");
        // Dunkerque (id 5): first on the waiting list, wants 15:00.
        assert_eq!(p[5][col("Rang en liste d'attente")], "1");
        assert_eq!(p[5][col("Créneau horaire souhaité")], "15h00 – 15h20");
        // The rejected one keeps its flag.
        assert_eq!(p[6][col("Signalements")], "doublon");
        assert_eq!(p[6][col("Statut")], "non retenue");
        let w = sheet_rows(&mut x, "Attente micro-ateliers");
        assert_eq!(w[1][..3], ["1", "5", "Communauté urbaine de Dunkerque"]);
        assert_eq!(
            w[0][3..7],
            ["Titre", "Pays", "Thématique", "Créneau souhaité"]
        );
        assert_eq!(w[1][6], "15h00 – 15h20");
        assert_eq!(w[2][..3], ["2", "4", "Ville de Lyon"]);
        assert_eq!(w[2][6], "Indifférent");
        let b = sheet_rows(&mut x, "Attente bourse aux projets");
        assert_eq!(b.len(), 1);
    }

    #[test]
    fn sheet_names_are_safe_and_unique() {
        let mut taken = vec!["Propositions".to_string()];
        assert_eq!(
            sheet_name("Ateliers [A/B]: *?", &mut taken),
            "Ateliers -A-B-- --"
        );
        assert_eq!(sheet_name("propositions", &mut taken), "propositions 2");
        let long = "Tables rondes de l'après-midi et du soir";
        let a = sheet_name(long, &mut taken);
        let b = sheet_name(long, &mut taken);
        assert_eq!(a.chars().count(), 31);
        assert!(b.ends_with(" 2") && b.chars().count() == 31, "{b}");
    }

    #[test]
    fn long_text_is_cut_at_the_excel_limit() {
        let s = "é".repeat(40_000);
        let c = cut(s);
        assert_eq!(c.encode_utf16().count(), MAX_CELL);
        assert!(c.ends_with('…'));
        let emoji = "😀".repeat(20_000);
        assert!(cut(emoji).encode_utf16().count() <= MAX_CELL);
        assert_eq!(cut("court".into()), "court");
    }

    #[test]
    fn page_header_escapes_ampersands() {
        assert_eq!(
            page_header(Edition::Final { number: 1 }, "2018-05-28", "A & B"),
            "&LA && B&RPublication n° 1 du 28 mai 2018"
        );
        assert!(page_header(Edition::Draft, "2018-05-28", "E").contains("Document de travail"));
    }
}
