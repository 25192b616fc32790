//! Workbook reader: XLSX (streamed cell by cell, so a sheet whose dimension
//! claims a million rows costs nothing) and XLS (BIFF), both with calamine.
//! Each sheet becomes a `Grid` of rows with cells at their column positions;
//! cells are the text a person sees: numbers, dates and times under the
//! cell's number format (`numfmt`), with the typed value kept beside. For
//! XLSX each cell also keeps its look (bold, italic, underline, strike,
//! colour, fill) and each sheet whether the workbook hides it. XLS cells
//! give dates and times as shown and numbers in the general format.
//! Every sheet is read (up to `max_sheets`): a workbook may hold a blank
//! copy of the form before the filled one, or two filled forms.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, DataRef, Reader, SheetVisible, Style, Xls, Xlsx};

use super::limits::Limits;
use super::model::{Cell, FicheError, Grid, Look, Row, Span, Typed};
use super::numfmt;
use super::xml::{XmlEvent, XmlReader};
use super::zipsafe::SafeZip;

/// Shared strings written as rich text (runs with their own looks), by
/// their full text: the spreadsheet library gives a cell's text only.
pub type RichStrings = HashMap<String, Vec<Span>>;

/// Rich shared strings kept, at most.
const MAX_RICH: usize = 10_000;

/// Reads the rich-text runs of an XLSX's shared strings (`xl/sharedStrings.xml`):
/// for each string written in runs of which one at least is not plain, its
/// spans. Cheap when there is none (the part is scanned for `<r>` first).
pub fn rich_strings(zip: &mut SafeZip<'_>, limits: &Limits) -> Result<RichStrings, FicheError> {
    let mut out = RichStrings::new();
    let Some(name) = zip.find("xl/sharedStrings.xml").map(str::to_string) else {
        return Ok(out);
    };
    let bytes = zip.read(&name)?;
    if memchr::memmem::find(&bytes, b"<r>").is_none()
        && memchr::memmem::find(&bytes, b":r>").is_none()
    {
        return Ok(out);
    }
    let mut xml = XmlReader::new(&bytes, &name, limits);
    let (mut text, mut spans) = (String::new(), Vec::<Span>::new());
    let mut look = Look::default();
    let (mut in_t, mut in_rpr, mut in_phonetic) = (false, false, false);
    loop {
        let event = xml.next_event()?;
        let started = matches!(event, XmlEvent::Start(_));
        match event {
            XmlEvent::Start(tag) | XmlEvent::Empty(tag) => match tag.local() {
                "si" => {
                    text.clear();
                    spans.clear();
                }
                "r" => look = Look::default(),
                "rPr" => in_rpr = started,
                "rPh" => in_phonetic = started,
                "t" => in_t = started,
                "b" if in_rpr => look.bold = tag.attr("val").is_none_or(|v| v != "0"),
                "i" if in_rpr => look.italic = tag.attr("val").is_none_or(|v| v != "0"),
                "strike" if in_rpr => {
                    look.strike = tag.attr("val").is_none_or(|v| v != "0");
                }
                "u" if in_rpr => look.underline = tag.attr("val").is_none_or(|v| v != "none"),
                "color" if in_rpr => {
                    look.color = tag
                        .attr("rgb")
                        .and_then(|v| u32::from_str_radix(v.trim(), 16).ok())
                        .map(|v| v & 0xFF_FFFF)
                        .filter(|v| *v != 0 && *v != 0xFF_FFFF)
                        .unwrap_or(0);
                }
                _ => {}
            },
            XmlEvent::End(tag) => match tag.local() {
                "rPr" => in_rpr = false,
                "rPh" => in_phonetic = false,
                "t" => in_t = false,
                "si" if !spans.is_empty() && out.len() < MAX_RICH => {
                    out.insert(std::mem::take(&mut text), std::mem::take(&mut spans));
                }
                _ => {}
            },
            XmlEvent::Text(t) => {
                if in_t && !in_phonetic {
                    xml.charge(&t)?;
                    let start = text.len() as u32;
                    text.push_str(&t);
                    if !look.is_plain() {
                        spans.push(Span {
                            start,
                            end: text.len() as u32,
                            look,
                        });
                    }
                }
            }
            XmlEvent::Eof => break,
        }
    }
    Ok(out)
}

/// Collects cells of one sheet, bounded by the limits.
struct SheetBuilder<'l> {
    limits: &'l Limits,
    /// Rows as they come (a workbook writes them in order; a file that
    /// does not is sorted at the end).
    rows: Vec<(u32, Vec<Cell>)>,
    in_order: bool,
    ignored_far_cells: usize,
    /// Date cells whose value is no date (kept as numbers): where, what.
    odd_dates: Vec<(u32, u32, String)>,
}

impl<'l> SheetBuilder<'l> {
    fn new(limits: &'l Limits) -> Self {
        SheetBuilder {
            limits,
            rows: Vec::with_capacity(64),
            in_order: true,
            ignored_far_cells: 0,
            odd_dates: Vec::new(),
        }
    }

    fn push(&mut self, row: u32, cell: Cell, odd_date: bool) {
        if cell.text.trim().is_empty() {
            return;
        }
        if row >= self.limits.max_rows || cell.col >= self.limits.max_cols {
            self.ignored_far_cells += 1;
            return;
        }
        if odd_date {
            self.odd_dates.push((row, cell.col, cell.text.clone()));
        }
        match self.rows.last_mut() {
            Some((last, cells)) if *last == row => cells.push(cell),
            Some((last, _)) if *last > row => {
                self.in_order = false;
                self.rows.push((row, vec![cell]));
            }
            _ => {
                // A form's row holds a label, an answer, perhaps a note.
                let mut cells = Vec::with_capacity(4);
                cells.push(cell);
                self.rows.push((row, cells));
            }
        }
    }

    fn finish(self, name: String, hidden: bool) -> Grid {
        let mut notes = Vec::new();
        if self.ignored_far_cells > 0 {
            notes.push(format!(
                "feuille « {name} » : {} cellule(s) au-delà de la ligne {} ou de la colonne {} ignorée(s)",
                self.ignored_far_cells, self.limits.max_rows, self.limits.max_cols
            ));
        }
        for (row, col, value) in self.odd_dates.iter().take(5) {
            notes.push(format!(
                "feuille « {name} », cellule {} : format date mais valeur {value} qui n'est pas une date, gardée comme nombre",
                cell_ref(*row, *col)
            ));
        }
        if self.odd_dates.len() > 5 {
            notes.push(format!(
                "feuille « {name} » : {} autres cellules au format date sans date valable, gardées comme nombres",
                self.odd_dates.len() - 5
            ));
        }
        let mut rows = self.rows;
        if !self.in_order {
            // Out of order: gathered by row, as a map would.
            rows.sort_by_key(|(line, _)| *line);
            let mut merged: Vec<(u32, Vec<Cell>)> = Vec::with_capacity(rows.len());
            for (line, cells) in rows {
                match merged.last_mut() {
                    Some((last, into)) if *last == line => into.extend(cells),
                    _ => merged.push((line, cells)),
                }
            }
            rows = merged;
        }
        let rows = rows
            .into_iter()
            .map(|(line, mut cells)| {
                cells.sort_by_key(|c| c.col);
                Row {
                    cells,
                    table: 1,
                    line,
                }
            })
            .collect();
        Grid {
            name,
            rows,
            hidden,
            notes,
        }
    }
}

/// A number as a person reads it in a cell without a format: integers
/// without ".0", so a phone number typed as a number stays its digits.
fn number_text(f: f64) -> String {
    numfmt::general(f)
}

fn bool_text(b: bool) -> String {
    if b { "VRAI" } else { "FAUX" }.to_string()
}

/// A date or time cell of a workbook whose formats are not known (XLS):
/// a time of day alone as `14:20`, a date as `08/06/2018`, both together.
fn serial_text(v: f64, date1904: bool) -> (String, Typed) {
    let Some(t) = numfmt::serial_datetime(v, date1904) else {
        return (number_text(v), Typed::Number(v));
    };
    if (0.0..1.0).contains(&v) {
        (t.format("%H:%M").to_string(), Typed::Time(v))
    } else if t.time() == chrono::NaiveTime::MIN {
        (t.format("%d/%m/%Y").to_string(), Typed::Date(v))
    } else {
        (t.format("%d/%m/%Y %H:%M").to_string(), Typed::Date(v))
    }
}

/// What the style of an XLSX cell says: its look and its number format.
struct CellStyle {
    look: Look,
    format: Option<(String, Option<u32>)>,
}

fn rgb(c: &calamine::Color) -> u32 {
    if c.is_black() || c.is_white() {
        0
    } else {
        c.to_argb() & 0xFF_FFFF
    }
}

fn cell_style(s: &Style) -> CellStyle {
    let mut look = Look::default();
    if let Some(font) = &s.font {
        look.bold = font.is_bold();
        look.italic = font.is_italic();
        look.underline = font.has_underline();
        look.strike = font.has_strikethrough();
        look.color = font.color.as_ref().map_or(0, rgb);
    }
    if let Some(fill) = &s.fill {
        look.highlight = fill.is_visible() && fill.get_color().is_some_and(|c| rgb(&c) != 0);
    }
    let format = s
        .number_format
        .as_ref()
        .filter(|f| f.format_code != "General" || f.format_id.is_some_and(|id| id != 0))
        .map(|f| (f.format_code.clone(), f.format_id));
    CellStyle { look, format }
}

/// A cell's reference as Excel shows it (`B12`).
fn cell_ref(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        let r = (c - 1) % 26;
        letters.push(b'A' + r as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
}

/// A date cell whose value is no date Excel can show (it shows `####`):
/// `numfmt` keeps it as its number, the sheet says which cell it was.
fn is_odd_date(v: f64, date1904: bool) -> bool {
    numfmt::serial_datetime(v, date1904).is_none()
}

fn xlsx_cell(col: u32, value: &DataRef<'_>, style: Option<&CellStyle>, date1904: bool) -> Cell {
    let format = style.and_then(|s| s.format.as_ref());
    let number = |v: f64| match format {
        Some((code, id)) => numfmt::render(v, code, *id, date1904),
        None => (number_text(v), Typed::Number(v)),
    };
    let (text, typed) = match value {
        DataRef::Int(i) => number(*i as f64),
        DataRef::Float(f) => number(*f),
        DataRef::String(s) => (s.clone(), Typed::Text),
        DataRef::SharedString(s) => ((*s).to_string(), Typed::Text),
        DataRef::Bool(b) => (bool_text(*b), Typed::Bool),
        DataRef::DateTime(dt) => {
            let v = dt.as_f64();
            match format {
                Some((code, id)) => numfmt::render(v, code, *id, date1904),
                None => serial_text(v, date1904),
            }
        }
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => (s.clone(), Typed::Text),
        DataRef::Error(_) | DataRef::Empty => (String::new(), Typed::Text),
    };
    Cell {
        col,
        width: 1,
        text,
        spans: Vec::new(),
        look: style.map_or(Look::default(), |s| s.look),
        typed,
    }
}

fn data_cell(col: u32, d: &Data, date1904: bool) -> Cell {
    let (text, typed) = match d {
        Data::Int(i) => (i.to_string(), Typed::Number(*i as f64)),
        Data::Float(f) => (number_text(*f), Typed::Number(*f)),
        Data::String(s) => (s.clone(), Typed::Text),
        Data::Bool(b) => (bool_text(*b), Typed::Bool),
        Data::DateTime(dt) => serial_text(dt.as_f64(), date1904),
        Data::DateTimeIso(s) | Data::DurationIso(s) => (s.clone(), Typed::Text),
        Data::Error(_) | Data::Empty => (String::new(), Typed::Text),
    };
    Cell {
        col,
        width: 1,
        text,
        typed,
        ..Cell::default()
    }
}

fn corrupt(format: &str, e: impl std::fmt::Display) -> FicheError {
    FicheError::corrupt(format!("classeur {format} illisible ({e})"))
}

fn hidden(v: SheetVisible) -> bool {
    !matches!(v, SheetVisible::Visible)
}

/// Reads every sheet of an XLSX workbook (the zip was checked by the
/// caller); `rich` gives the looks of rich-text shared strings.
pub fn read_xlsx(
    bytes: &[u8],
    rich: &RichStrings,
    limits: &Limits,
) -> Result<Vec<Grid>, FicheError> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| corrupt("Excel", e))?;
    let date1904 = wb.has_1904_epoch();
    let sheets: Vec<(String, bool)> = wb
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), hidden(s.visible)))
        .collect();
    let mut grids = Vec::new();
    let mut cells_seen = 0usize;
    let mut styles: Option<Vec<CellStyle>> = None;
    for (name, is_hidden) in sheets.into_iter().take(limits.max_sheets) {
        let mut reader = wb
            .worksheet_cells_reader(&name)
            .map_err(|e| corrupt("Excel", e))?;
        let styles = styles.get_or_insert_with(|| reader.styles().iter().map(cell_style).collect());
        let mut sheet = SheetBuilder::new(limits);
        while let Some((cell, style_id)) = reader
            .next_cell_with_style_id()
            .map_err(|e| corrupt("Excel", e))?
        {
            cells_seen += 1;
            if cells_seen > limits.max_cells {
                return Err(FicheError::too_large(format!(
                    "plus de {} cellules dans le classeur",
                    limits.max_cells
                )));
            }
            let value = cell.get_value();
            if matches!(value, DataRef::Empty) {
                continue;
            }
            let (row, col) = cell.get_position();
            let style = styles.get(style_id).filter(|_| style_id != 0);
            let odd_date =
                matches!(value, DataRef::DateTime(dt) if is_odd_date(dt.as_f64(), date1904));
            let mut cell = xlsx_cell(col, value, style, date1904);
            if !rich.is_empty()
                && let Some(spans) = rich.get(&cell.text)
            {
                cell.spans = spans.clone();
            }
            sheet.push(row, cell, odd_date);
        }
        grids.push(sheet.finish(name, is_hidden));
    }
    Ok(grids)
}

/// Reads every sheet of an XLS (BIFF8) workbook.
pub fn read_xls(bytes: &[u8], limits: &Limits) -> Result<Vec<Grid>, FicheError> {
    let mut wb: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(|e| corrupt("Excel 97-2003", e))?;
    let date1904 = wb.has_1904_epoch();
    let sheets: Vec<(String, bool)> = wb
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), hidden(s.visible)))
        .collect();
    let mut grids = Vec::new();
    let mut cells_seen = 0usize;
    for (name, is_hidden) in sheets.into_iter().take(limits.max_sheets) {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| corrupt("Excel 97-2003", e))?;
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let mut sheet = SheetBuilder::new(limits);
        for (r, c, d) in range.used_cells() {
            cells_seen += 1;
            if cells_seen > limits.max_cells {
                return Err(FicheError::too_large(format!(
                    "plus de {} cellules dans le classeur",
                    limits.max_cells
                )));
            }
            let odd_date = matches!(d, Data::DateTime(dt) if is_odd_date(dt.as_f64(), date1904));
            sheet.push(
                r0 + r as u32,
                data_cell(c0 + c as u32, d, date1904),
                odd_date,
            );
        }
        grids.push(sheet.finish(name, is_hidden));
    }
    Ok(grids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_see_them() {
        assert_eq!(number_text(33476003838.0), "33476003838");
        assert_eq!(number_text(1.5), "1,5");
        assert_eq!(number_text(f64::NAN), "NaN");
    }

    #[test]
    fn times_alone_are_not_dates_in_1899() {
        assert_eq!(serial_text(14.0 / 24.0 + 20.0 / 1440.0, false).0, "14:20");
        assert_eq!(serial_text(43259.0, false).0, "08/06/2018");
        assert_eq!(serial_text(43259.75, false).0, "08/06/2018 18:00");
    }

    #[test]
    fn a_date_cell_holding_no_date_is_kept_as_its_number() {
        assert_eq!(
            serial_text(43252.5, false),
            ("01/06/2018 12:00".to_string(), Typed::Date(43252.5))
        );
        // Far outside what Excel can show: no panic, the number, flagged.
        assert_eq!(
            serial_text(-1e12, false),
            ("-1000000000000".to_string(), Typed::Number(-1e12))
        );
        assert!(is_odd_date(-1e12, false));
        assert!(is_odd_date(1e300, false));
        assert!(is_odd_date(f64::NAN, false));
        assert!(is_odd_date(-0.5, false));
        assert!(!is_odd_date(43252.0, false) && !is_odd_date(0.5, true));
        assert_eq!(cell_ref(0, 0), "A1");
        assert_eq!(cell_ref(11, 1), "B12");
        assert_eq!(cell_ref(65535, 255), "IV65536");
        assert_eq!(cell_ref(0, 16383), "XFD1");
    }
}

#[cfg(test)]
mod hostile_tests {
    use std::io::Write;

    use super::*;

    /// A minimal XLSX whose first sheet has the given `sheetData` body and dimension.
    pub(crate) fn xlsx(dimension: &str, sheet_data: &str) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let files: [(&str, String); 5] = [
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string(),
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string(),
            ),
            (
                "xl/workbook.xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Fiche" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string(),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string(),
            ),
            (
                "xl/worksheets/sheet1.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{sheet_data}</sheetData></worksheet>"#
                ),
            ),
        ];
        for (name, body) in files {
            z.start_file(name, opts).unwrap();
            z.write_all(body.as_bytes()).unwrap();
        }
        z.finish().unwrap();
        buf.into_inner()
    }

    fn cell(r: &str, text: &str) -> String {
        format!(r#"<c r="{r}" t="inlineStr"><is><t>{text}</t></is></c>"#)
    }

    #[test]
    fn sparse_sheet_claiming_a_million_rows_costs_nothing() {
        let data = format!(
            r#"<row r="1">{}</row><row r="2">{}{}</row><row r="1048576">{}</row>"#,
            cell("A1", "MICRO-ATELIER : FICHE DE RENSEIGNEMENT"),
            cell("A2", "Pays"),
            cell("B2", "Sénégal"),
            cell("XFD1048576", "loin")
        );
        let bytes = xlsx("A1:XFD1048576", &data);
        let grids = read_xlsx(&bytes, &RichStrings::new(), &Limits::default()).unwrap();
        assert_eq!(grids.len(), 1);
        assert_eq!(
            grids[0].rows.len(),
            2,
            "the far cell is ignored, not allocated"
        );
        assert!(
            grids[0].notes[0].contains("ignorée"),
            "{:?}",
            grids[0].notes
        );
        assert_eq!(
            grids[0].texts()[1],
            vec!["Pays".to_string(), "Sénégal".to_string()]
        );
    }

    #[test]
    fn rows_written_out_of_order_are_gathered_in_order() {
        let data = format!(
            r#"<row r="3">{}</row><row r="1">{}</row><row r="3">{}</row><row r="2">{}</row>"#,
            cell("B3", "Sénégal"),
            cell("A1", "MICRO-ATELIER : FICHE DE RENSEIGNEMENT"),
            cell("A3", "Pays"),
            cell("A2", "Nom"),
        );
        let bytes = xlsx("A1:B3", &data);
        let grids = read_xlsx(&bytes, &RichStrings::new(), &Limits::default()).unwrap();
        let lines: Vec<u32> = grids[0].rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [0, 1, 2]);
        assert_eq!(
            grids[0].texts()[2],
            vec!["Pays".to_string(), "Sénégal".to_string()]
        );
    }

    #[test]
    fn too_many_cells_is_too_large() {
        let mut data = String::new();
        for r in 1..=300 {
            data.push_str(&format!(r#"<row r="{r}">"#));
            for c in ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"] {
                data.push_str(&cell(&format!("{c}{r}"), "x"));
            }
            data.push_str("</row>");
        }
        let bytes = xlsx("A1:J300", &data);
        let limits = Limits {
            max_cells: 1_000,
            ..Limits::default()
        };
        let err = read_xlsx(&bytes, &RichStrings::new(), &limits).unwrap_err();
        assert_eq!(err.code(), "too_large");
    }

    #[test]
    fn garbage_is_corrupt() {
        assert_eq!(
            read_xlsx(
                b"PK\x03\x04garbage",
                &RichStrings::new(),
                &Limits::default()
            )
            .unwrap_err()
            .code(),
            "corrupt"
        );
        assert_eq!(
            read_xls(b"\xd0\xcf\x11\xe0garbage", &Limits::default())
                .unwrap_err()
                .code(),
            "corrupt"
        );
    }
}
