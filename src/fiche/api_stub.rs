//! TEMPORARY stand-in for the fiche reader being written on `main`
//! (`fiche::parse`, `fiche::parse_with`, `fiche::sniff`), with the same
//! signatures, so the intake compiles and its own tests run. Delete this file
//! when main's reader is merged.
//!
//! `sniff` recognises containers by magic bytes only; `parse_with` hands
//! XLSX/XLS to main's temporary `parse` and answers `NotAFiche` otherwise.

use super::limits::Limits;
use super::model::{Fiche, FicheError, Format};

/// TEMPORARY: the format of a file, by content.
pub fn sniff(bytes: &[u8]) -> Format {
    fn has(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }
    if bytes.starts_with(b"PK\x03\x04") {
        if has(bytes, b"word/") {
            Format::Docx
        } else if has(bytes, b"xl/") {
            Format::Xlsx
        } else if has(bytes, b"application/vnd.oasis.opendocument.text") {
            Format::Odt
        } else if has(bytes, b"application/vnd.oasis.opendocument.spreadsheet") {
            Format::Ods
        } else {
            Format::OtherZip
        }
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        if has(bytes, b"W\0o\0r\0k\0b\0o\0o\0k") {
            Format::Xls
        } else {
            Format::Doc
        }
    } else if bytes.starts_with(b"%PDF") {
        Format::Pdf
    } else if bytes.starts_with(b"{\\rtf") {
        Format::Rtf
    } else {
        Format::Unknown
    }
}

/// TEMPORARY: size and format checks, then main's temporary `parse`
/// (XLSX/XLS only); other readable formats answer `NotAFiche` for now.
pub fn parse_with(bytes: &[u8], file_name: &str, limits: &Limits) -> Result<Fiche, FicheError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(FicheError::too_large("fichier trop volumineux"));
    }
    let format = sniff(bytes);
    if format.is_unsupported_document() {
        return Err(FicheError::UnsupportedFormat {
            format: format.name(),
        });
    }
    match format {
        Format::Xlsx | Format::Xls => super::parse(bytes, file_name),
        _ => Err(FicheError::NotAFiche {
            reason: format!(
                "lecteur {} pas encore intégré (stub temporaire)",
                format.name()
            ),
        }),
    }
}
