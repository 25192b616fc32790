//! Bytes and a file name → a typed fiche, or a typed error. Pure: no I/O, no
//! database, no clock. Formats are told apart by content (`sniff`), read into a
//! `Grid` of rows and cells by one reader per format (`docx`, `odf`, `sheet`),
//! then interpreted against the printed forms (`form`, `spec`).

pub mod docx;
mod flow;
pub mod form;
pub mod limits;
pub mod model;
pub mod odf;
pub mod sheet;
pub mod sniff;
pub mod spec;
pub mod text;
pub mod xml;
pub mod zipsafe;

pub use limits::Limits;
pub use model::{Fiche, FicheError, Format, Grid, Kind, Value, Warning};
pub use sniff::sniff;
use zipsafe::SafeZip;

/// Reads a fiche from a file's bytes with the default safety limits.
/// `file_name` is only a hint (for the kind, and for the wording of errors).
pub fn parse(bytes: &[u8], file_name: &str) -> Result<Fiche, FicheError> {
    parse_with(bytes, file_name, &Limits::default())
}

/// Reads a fiche under the given limits.
pub fn parse_with(bytes: &[u8], file_name: &str, limits: &Limits) -> Result<Fiche, FicheError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(FicheError::too_large(format!(
            "fichier de {} Mio, au-delà de {} Mio",
            bytes.len() / (1024 * 1024),
            limits.max_file_bytes / (1024 * 1024)
        )));
    }
    let grids = if sniff::is_zip(bytes) {
        // One opening of the archive serves the sniffing and the reading.
        let mut zip = SafeZip::open(bytes, limits)?;
        match sniff::sniff_open_zip(&mut zip, limits) {
            Format::Docx => vec![docx::read(&mut zip, limits)?],
            Format::Odt => vec![odf::read_text(&mut zip, limits)?],
            Format::Ods => odf::read_sheets(&mut zip, limits)?,
            Format::Xlsx => {
                // calamine unzips by itself, with the same `zip` crate, which
                // never yields more than an entry declares: the declared sizes
                // are checked against our limits, and a lying entry fails in
                // calamine as a damaged file.
                zip.check_declared(|_| true)?;
                sheet::read_xlsx(bytes, limits)?
            }
            _ => {
                return Err(FicheError::NotAFiche {
                    reason:
                        "archive zip qui n'est ni un document Word ou OpenDocument ni un classeur"
                            .to_string(),
                });
            }
        }
    } else {
        match sniff(bytes) {
            Format::Xls => sheet::read_xls(bytes, limits)?,
            format @ (Format::Doc | Format::Pdf | Format::Rtf) => {
                return Err(FicheError::UnsupportedFormat {
                    format: format.name().into(),
                });
            }
            _ => return Err(unknown_content(bytes, file_name)),
        }
    };
    form::interpret(&grids, file_name)
}

/// An error for content we do not recognise: when the name promises an
/// office file, the file is damaged; otherwise it simply holds no fiche.
fn unknown_content(bytes: &[u8], file_name: &str) -> FicheError {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if bytes.is_empty() {
        return FicheError::corrupt("fichier vide");
    }
    match ext.as_str() {
        "docx" | "xlsx" | "odt" | "ods" | "xls" | "xlsm" | "docm" => FicheError::corrupt(format!(
            "le nom annonce un fichier .{ext} mais le contenu n'en est pas un (fichier tronqué ou abîmé)"
        )),
        "doc" | "pdf" | "rtf" => FicheError::corrupt(format!(
            "le nom annonce un fichier .{ext} mais le contenu n'en est pas un"
        )),
        _ => FicheError::NotAFiche {
            reason: "contenu qui n'est pas un document bureautique".to_string(),
        },
    }
}
