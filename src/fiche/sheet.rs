//! Workbook reader: XLSX (streamed cell by cell, so a sheet whose dimension
//! claims a million rows costs nothing) and XLS (BIFF), both with calamine.
//! Each sheet becomes a `Grid` of rows with cells at their column positions;
//! cells are the text a person sees (numbers without a trailing ".0").
//! Reading stops at the first sheet that plainly holds a filled form.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, DataRef, ExcelDateTime, Reader, Xls, Xlsx};

use super::form::holds_filled_form;
use super::limits::Limits;
use super::model::{FicheError, Grid};

/// Collects cells of one sheet, bounded by the limits.
struct SheetBuilder<'l> {
    limits: &'l Limits,
    rows: BTreeMap<u32, BTreeMap<u32, String>>,
    ignored_far_cells: usize,
    /// Date cells whose value is no date (kept as numbers): where, what.
    odd_dates: Vec<(u32, u32, String)>,
}

impl<'l> SheetBuilder<'l> {
    fn new(limits: &'l Limits) -> Self {
        SheetBuilder {
            limits,
            rows: BTreeMap::new(),
            ignored_far_cells: 0,
            odd_dates: Vec::new(),
        }
    }

    fn push(&mut self, row: u32, col: u32, (text, odd_date): (String, bool)) {
        if text.trim().is_empty() {
            return;
        }
        if row >= self.limits.max_rows || col >= self.limits.max_cols {
            self.ignored_far_cells += 1;
            return;
        }
        if odd_date {
            self.odd_dates.push((row, col, text.clone()));
        }
        self.rows.entry(row).or_default().insert(col, text);
    }

    fn finish(self, name: String) -> Grid {
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
        let rows = self
            .rows
            .into_values()
            .map(|cells| {
                let width = cells.keys().next_back().map_or(0, |c| *c as usize + 1);
                let mut row = vec![String::new(); width];
                for (c, text) in cells {
                    row[c as usize] = text;
                }
                row
            })
            .collect();
        Grid { name, rows, notes }
    }
}

/// A number as a person reads it in the cell: integers without ".0", so a
/// phone number typed as a number stays its digits.
fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

fn bool_text(b: bool) -> String {
    if b { "Oui" } else { "Non" }.to_string()
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

/// Serial values Excel shows as dates: 1900-01-00 to 9999-12-31. Anything
/// else Excel shows as `####`, and converting it overflows (the date
/// library panics on -1e12): such a cell is kept as its number.
const EXCEL_DATES: std::ops::Range<f64> = 0.0..2_958_466.0;

/// A date cell as a person sees it; `true` when its value is no date
/// (then the number, flagged).
fn date_text(dt: &ExcelDateTime) -> (String, bool) {
    let v = dt.as_f64();
    if !EXCEL_DATES.contains(&v) {
        return (number_text(v), true);
    }
    match dt.as_datetime() {
        Some(t) if t.time() == chrono_midnight() => (t.format("%d/%m/%Y").to_string(), false),
        Some(t) => (t.format("%d/%m/%Y %H:%M").to_string(), false),
        None => (number_text(v), true),
    }
}

/// A cell's text; `true` for a date cell whose value is no date.
fn dateref_text(d: &DataRef<'_>) -> (String, bool) {
    let text = match d {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Bool(b) => bool_text(*b),
        DataRef::DateTime(dt) => return date_text(dt),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    };
    (text, false)
}

/// A cell's text; `true` for a date cell whose value is no date.
fn data_text(d: &Data) -> (String, bool) {
    let text = match d {
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::String(s) => s.clone(),
        Data::Bool(b) => bool_text(*b),
        Data::DateTime(dt) => return date_text(dt),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(_) | Data::Empty => String::new(),
    };
    (text, false)
}

fn chrono_midnight() -> chrono::NaiveTime {
    chrono::NaiveTime::MIN
}

fn corrupt(format: &str, e: impl std::fmt::Display) -> FicheError {
    FicheError::corrupt(format!("classeur {format} illisible ({e})"))
}

/// Reads every sheet of an XLSX workbook (the zip was checked by the caller).
pub fn read_xlsx(bytes: &[u8], limits: &Limits) -> Result<Vec<Grid>, FicheError> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| corrupt("Excel", e))?;
    let names = wb.sheet_names();
    let mut grids = Vec::new();
    let mut cells_seen = 0usize;
    for name in names.into_iter().take(limits.max_sheets) {
        let mut reader = wb
            .worksheet_cells_reader(&name)
            .map_err(|e| corrupt("Excel", e))?;
        let mut sheet = SheetBuilder::new(limits);
        while let Some(cell) = reader.next_cell().map_err(|e| corrupt("Excel", e))? {
            cells_seen += 1;
            if cells_seen > limits.max_cells {
                return Err(FicheError::too_large(format!(
                    "plus de {} cellules dans le classeur",
                    limits.max_cells
                )));
            }
            let (row, col) = cell.get_position();
            sheet.push(row, col, dateref_text(cell.get_value()));
        }
        grids.push(sheet.finish(name));
        if grids.last().is_some_and(holds_filled_form) {
            break;
        }
    }
    Ok(grids)
}

/// Reads every sheet of an XLS (BIFF8) workbook.
pub fn read_xls(bytes: &[u8], limits: &Limits) -> Result<Vec<Grid>, FicheError> {
    let mut wb: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(|e| corrupt("Excel 97-2003", e))?;
    let names = wb.sheet_names();
    let mut grids = Vec::new();
    let mut cells_seen = 0usize;
    for name in names.into_iter().take(limits.max_sheets) {
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
            sheet.push(r0 + r as u32, c0 + c as u32, data_text(d));
        }
        grids.push(sheet.finish(name));
        if grids.last().is_some_and(holds_filled_form) {
            break;
        }
    }
    Ok(grids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_see_them() {
        assert_eq!(number_text(33476003838.0), "33476003838");
        assert_eq!(number_text(1.5), "1.5");
        assert_eq!(number_text(f64::NAN), "NaN");
    }

    #[test]
    fn a_date_cell_holding_no_date_is_kept_as_its_number() {
        use calamine::ExcelDateTimeType::DateTime;
        let d = |v: f64| date_text(&ExcelDateTime::new(v, DateTime, false));
        assert_eq!(d(43252.0), ("01/06/2018".to_string(), false));
        assert_eq!(d(43252.5), ("01/06/2018 12:00".to_string(), false));
        // Far outside what Excel can show: no panic, the number, flagged.
        assert_eq!(d(-1e12), ("-1000000000000".to_string(), true));
        assert!(d(1e300).1);
        assert!(d(f64::NAN).1);
        assert!(d(-0.5).1);
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
        let grids = read_xlsx(&bytes, &Limits::default()).unwrap();
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
            grids[0].rows[1],
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
        let err = read_xlsx(&bytes, &limits).unwrap_err();
        assert_eq!(err.code(), "too_large");
    }

    #[test]
    fn garbage_is_corrupt() {
        assert_eq!(
            read_xlsx(b"PK\x03\x04garbage", &Limits::default())
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
