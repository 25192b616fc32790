//! The text of an office document read by our own readers (DOCX, ODT, ODS,
//! XLSX, XLS), for staff to read an attachment that holds no fiche: each
//! paragraph on its line, a table row's cells joined by " | ", each sheet
//! under its name. Pure, bounded by the same `Limits` as the form reader.
//! Other formats (DOC, PDF, RTF…) are `None`: the `convert` module hands them to
//! an external program.

use super::limits::Limits;
use super::model::{FicheError, Format, Grid};
use super::zipsafe::SafeZip;
use super::{docx, odf, sheet, sniff};

/// The text of `bytes` when one of our readers reads its format.
pub fn document_text(bytes: &[u8], limits: &Limits) -> Option<Result<String, FicheError>> {
    let grids = if sniff::is_zip(bytes) {
        let mut zip = match SafeZip::open(bytes, limits) {
            Ok(z) => z,
            Err(e) => return Some(Err(e)),
        };
        match sniff::sniff_open_zip(&mut zip, limits) {
            Format::Docx => docx::read(&mut zip, limits).map(|g| vec![g]),
            Format::Odt => odf::read_text(&mut zip, limits).map(|g| vec![g]),
            Format::Ods => odf::read_sheets(&mut zip, limits),
            Format::Xlsx => zip
                .check_declared(|_| true)
                .and_then(|_| sheet::read_xlsx(bytes, &sheet::RichStrings::new(), limits)),
            _ => return None,
        }
    } else {
        match sniff::sniff(bytes) {
            Format::Xls => sheet::read_xls(bytes, limits),
            _ => return None,
        }
    };
    Some(grids.map(|g| grids_text(&g)))
}

/// Grids as lines of text.
pub fn grids_text(grids: &[Grid]) -> String {
    let mut out = String::new();
    for g in grids {
        if g.is_sheet() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!("— Feuille « {} » —\n", g.name));
        }
        let mut last: Option<(u32, u32)> = None;
        for row in &g.rows {
            // A gap of empty rows in a sheet, or a table starting or
            // ending in a document: one blank line.
            if let Some((table, line)) = last
                && (table != row.table || (g.is_sheet() && row.line > line + 1))
            {
                out.push('\n');
            }
            last = Some((row.table, row.line));
            let cells: Vec<String> = row
                .cells
                .iter()
                .map(|c| c.text.replace('\n', " / "))
                .filter(|t| !t.trim().is_empty())
                .collect();
            out.push_str(&cells.join(" | "));
            out.push('\n');
        }
    }
    out
}
