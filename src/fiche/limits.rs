//! Safety limits applied to every file received by email. Anyone can write to
//! the inbox, so every size, count and depth read from a file is bounded
//! before it costs memory or time. The defaults follow Apache POI's
//! `ZipSecureFile` (100× inflate ratio after a 100 KiB grace).

/// Bounds for one fiche file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Size of the file itself, as received.
    pub max_file_bytes: u64,
    /// Number of entries in a zip container (DOCX, XLSX, ODT, ODS).
    pub max_zip_entries: usize,
    /// Inflated size of one zip entry.
    pub max_entry_bytes: u64,
    /// Inflated size of all entries read, together.
    pub max_total_bytes: u64,
    /// Inflated / compressed, checked once an entry passed `ratio_grace_bytes`.
    pub max_inflate_ratio: u64,
    pub ratio_grace_bytes: u64,
    /// Nesting depth of XML elements.
    pub max_xml_depth: usize,
    /// Characters of text extracted from one document.
    pub max_text_chars: usize,
    /// Spreadsheet cells looked at in one workbook.
    pub max_cells: usize,
    /// Rows and columns beyond which sheet cells are ignored (a form has ~40 × 3).
    pub max_rows: u32,
    pub max_cols: u32,
    /// Sheets looked at in one workbook.
    pub max_sheets: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 20 * 1024 * 1024,
            max_zip_entries: 1_000,
            max_entry_bytes: 50 * 1024 * 1024,
            max_total_bytes: 100 * 1024 * 1024,
            max_inflate_ratio: 100,
            ratio_grace_bytes: 100 * 1024,
            max_xml_depth: 256,
            max_text_chars: 2_000_000,
            max_cells: 200_000,
            max_rows: 5_000,
            max_cols: 64,
            max_sheets: 32,
        }
    }
}
