//! Bytes and a file name → a typed fiche, or a typed error. Pure: no I/O, no
//! database, no clock. Formats are told apart by content (`sniff`), read into a
//! `Grid` of rows and cells by one reader per format (`docx`, `odf`, `sheet`),
//! then interpreted against the printed forms (`form`, `spec`).

pub mod docx;
mod flow;
pub mod limits;
pub mod model;
pub mod odf;
pub mod sniff;
pub mod spec;
pub mod xml;
pub mod zipsafe;

pub use limits::Limits;
pub use model::{Fiche, FicheError, Format, Grid, Kind, Value, Warning};
pub mod form;
pub mod sheet;
pub mod text;

// TEMPORARY until the format readers land: XLSX/XLS only, crude sniffing.
pub fn parse(bytes: &[u8], file_name: &str) -> Result<Fiche, FicheError> {
    let limits = Limits::default();
    let is = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    let grids = if bytes.starts_with(b"PK") && is(b"xl/workbook.xml") {
        sheet::read_xlsx(bytes, &limits)?
    } else if bytes.starts_with(b"\xd0\xcf\x11\xe0") && file_name.ends_with(".xls") {
        sheet::read_xls(bytes, &limits)?
    } else {
        return Err(FicheError::UnsupportedFormat { format: "?" });
    };
    form::interpret(&grids, file_name)
}
