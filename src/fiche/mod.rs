//! Bytes and a file name → the fiches the file holds, or a typed error.
//! Pure: no I/O, no database, no clock. Formats are told apart by content
//! (`sniff`) and read by one reader per format (`docx`, `odf`, `sheet`) into
//! a document model that keeps layout and looks (`Grid`: rows of cells with
//! their columns, merges, bold, strike-through, highlight, number formats
//! as shown), which the interpreter (`form`, `labels`, `choice`) aligns to
//! the printed forms (`spec`): a returned fiche is the blank form plus what
//! the respondent changed. Containers (`.zip`, Outlook's `winmail.dat`) are
//! opened here too (`container`) and their files read the same way.
//!
//! Entry points:
//! - [`parse_file`] / [`parse_file_with`]: every form found in a file, each
//!   with its own result ([`Parsed`], serializable);
//! - [`parse`] / [`parse_with`]: the first form only (tests, benchmarks).

pub mod callcheck;
mod choice;
pub mod container;
pub mod docx;
mod flow;
pub mod form;
mod labels;
pub mod limits;
pub mod model;
pub mod numfmt;
pub mod odf;
pub mod plain;
pub mod sheet;
pub mod sniff;
pub mod spec;
#[cfg(test)]
pub(crate) mod test_support;
pub mod text;
pub mod xml;
pub mod zipsafe;

pub use container::is_tnef;
pub use limits::Limits;
pub use model::{Fiche, FicheError, Format, Grid, Kind, Parsed, Value, Warning};
pub use sniff::sniff;
use zipsafe::SafeZip;

/// How deep containers are opened: the files of a `.zip` or `winmail.dat`
/// are read; a container inside a container is named, not opened.
const MAX_CONTAINER_DEPTH: usize = 2;

/// Reads the first fiche of a file with the default safety limits.
/// `file_name` is only a hint (for the kind, and for the wording of errors).
pub fn parse(bytes: &[u8], file_name: &str) -> Result<Fiche, FicheError> {
    parse_with(bytes, file_name, &Limits::default())
}

/// Reads the first fiche of a file under the given limits.
pub fn parse_with(bytes: &[u8], file_name: &str, limits: &Limits) -> Result<Fiche, FicheError> {
    let mut all = parse_file_with(bytes, file_name, limits);
    let first = all.iter().position(|p| p.result.is_ok()).unwrap_or(0);
    // Never empty: every path gives at least one entry.
    all.swap_remove(first).result
}

/// Every form found in a file, with the default safety limits.
pub fn parse_file(bytes: &[u8], file_name: &str) -> Vec<Parsed> {
    parse_file_with(bytes, file_name, &Limits::default())
}

/// Every form found in a file: one entry per form (most files hold one,
/// never zero), numbered when the same file holds several; for a container,
/// one or more entries per file inside it, named by `inner`.
pub fn parse_file_with(bytes: &[u8], file_name: &str, limits: &Limits) -> Vec<Parsed> {
    read_any(bytes, file_name, limits, 0, None)
}

fn single(inner: Option<String>, result: Result<Fiche, FicheError>) -> Vec<Parsed> {
    vec![Parsed {
        inner,
        form: None,
        result,
    }]
}

fn read_any(
    bytes: &[u8],
    file_name: &str,
    limits: &Limits,
    depth: usize,
    inner: Option<String>,
) -> Vec<Parsed> {
    if is_tnef(bytes) {
        return match container::open_tnef(bytes, limits) {
            Ok(opened) => read_inner(opened, limits, depth, inner, "winmail.dat"),
            Err(e) => single(inner, Err(e)),
        };
    }
    match read_forms(bytes, file_name, limits, depth) {
        Ok(Read::Forms(fiches)) => {
            let n = fiches.len();
            fiches
                .into_iter()
                .enumerate()
                .map(|(i, f)| Parsed {
                    inner: inner.clone(),
                    form: (n > 1).then_some(i + 1),
                    result: Ok(f),
                })
                .collect()
        }
        Ok(Read::Container(opened)) => read_inner(opened, limits, depth, inner, "archive"),
        Err(e) => single(inner, Err(e)),
    }
}

/// The files of an opened container, each read like any attachment.
fn read_inner(
    opened: container::Opened,
    limits: &Limits,
    depth: usize,
    inner: Option<String>,
    what: &str,
) -> Vec<Parsed> {
    let prefix = |name: &str| match &inner {
        Some(outer) => format!("{outer} › {name}"),
        None => name.to_string(),
    };
    let mut out = Vec::new();
    if depth + 1 >= MAX_CONTAINER_DEPTH {
        return single(
            inner,
            Err(FicheError::too_large(format!(
                "{what} dans une autre archive : non ouverte, à ouvrir à la main"
            ))),
        );
    }
    // Each file inside gets a share of the budget, as a real fiche is small.
    let inner_limits = Limits {
        max_total_bytes: limits.max_total_bytes / 4,
        ..*limits
    };
    for file in opened.files {
        let name = prefix(&file.name);
        out.extend(read_any(
            &file.bytes,
            &file.name,
            &inner_limits,
            depth + 1,
            Some(name),
        ));
    }
    for note in opened.notes {
        out.push(Parsed {
            inner: inner.clone(),
            form: None,
            result: Err(note),
        });
    }
    if out.is_empty() {
        return single(
            inner,
            Err(FicheError::NotAFiche {
                reason: format!("{what} sans document"),
            }),
        );
    }
    out
}

/// What a file turned out to hold.
enum Read {
    Forms(Vec<Fiche>),
    Container(container::Opened),
}

fn read_forms(
    bytes: &[u8],
    file_name: &str,
    limits: &Limits,
    depth: usize,
) -> Result<Read, FicheError> {
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
                let grids = sheet::read_xlsx(bytes, &sheet::RichStrings::new(), limits)?;
                let fiches = form::interpret(&grids, file_name)?;
                // A choice left undecided may have been told apart inside
                // its cell by rich text (one option bold): only then are the
                // looks of the shared strings read, and the sheets read again.
                let undecided = fiches.iter().any(|f| {
                    f.warnings
                        .iter()
                        .any(|w| w.field.is_some() && w.message.contains("texte conservé tel quel"))
                });
                if undecided {
                    let rich = sheet::rich_strings(&mut zip, limits)?;
                    if !rich.is_empty() {
                        let grids = sheet::read_xlsx(bytes, &rich, limits)?;
                        return form::interpret(&grids, file_name).map(Read::Forms);
                    }
                }
                return Ok(Read::Forms(fiches));
            }
            _ if depth + 1 < MAX_CONTAINER_DEPTH => {
                return Ok(Read::Container(container::open_zip(&mut zip, limits)?));
            }
            _ => {
                return Err(FicheError::too_large(
                    "archive zip dans une autre archive : non ouverte, à ouvrir à la main",
                ));
            }
        }
    } else {
        // An OLE2 file without its Word or Excel stream: said for what it is.
        if let Some(e) = sniff::ole2_problem(bytes) {
            return Err(e);
        }
        match sniff(bytes) {
            Format::Xls => sheet::read_xls(bytes, limits)?,
            format @ (Format::Doc | Format::Pdf | Format::Rtf) => {
                return Err(FicheError::UnsupportedFormat {
                    format: format.name().to_string(),
                });
            }
            _ => return Err(unknown_content(bytes, file_name)),
        }
    };
    form::interpret(&grids, file_name).map(Read::Forms)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fiche::test_support::fixture;

    /// What `parse_file` returns crosses a process boundary as JSON unchanged
    /// (the reader may run in a worker process).
    #[test]
    fn results_round_trip_through_json() {
        let mut all = parse_file(
            &fixture(
                "corpus/fiches/02-fiche-bourse-aux-projets-conseil-departemental-de-l-isere.docx",
            ),
            "fiche.docx",
        );
        all.extend(parse_file(
            &fixture("corpus/fiches/08-fiche-bourse-aux-projets-association-climate-chance.pdf"),
            "fiche.pdf",
        ));
        all.extend(parse_file(b"", "vide.xlsx"));
        let json = serde_json::to_string(&all).unwrap();
        let back: Vec<Parsed> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, all);
        assert!(matches!(back[0].result, Ok(ref f) if f.fields.len() > 10));
        assert_eq!(
            back[1].result.as_ref().unwrap_err().code(),
            "unsupported_format"
        );
        assert_eq!(back[2].result.as_ref().unwrap_err().code(), "corrupt");
    }
}
