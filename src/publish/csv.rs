//! One CSV file per list, in the form French Excel opens by double click:
//! UTF-8 with a byte order mark and `;` between fields by default (both
//! configurable). RFC 4180, written by the `csv` crate: every field is
//! quoted, inner quotes doubled, records end with CRLF; line breaks inside
//! a field are kept inside its quotes.
//!
//! A draft starts with one more record, before the header: a single cell
//! "DOCUMENT DE TRAVAIL — listes provisoires, à ne pas diffuser (état au
//! …)", so that a draft CSV never passes for a final list.
//!
//! Cells are made safe for spreadsheets (OWASP "CSV injection"): a cell that
//! starts with `=`, `+`, `-`, `@`, TAB, CR or LF is prefixed with `'` so it
//! is read as text, never as a formula; control characters and bidi
//! overrides become visible symbols first (see `safe::terminal_text`).

use std::borrow::Cow;

use super::labels;
use super::snapshot::{Section, Snapshot};
use super::{Edition, PublishError};
use crate::safe::terminal_text;

/// Separator (one ASCII byte) and byte order mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvOptions {
    delimiter: u8,
    bom: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            delimiter: b';',
            bom: true,
        }
    }
}

impl CsvOptions {
    /// Refuses a delimiter that is a quote, a line break or a control, or
    /// not a single ASCII character (spreadsheets split on one byte).
    pub fn new(delimiter: char, bom: bool) -> Result<CsvOptions, PublishError> {
        if delimiter == '"' || delimiter.is_control() && delimiter != '\t' {
            return Err(PublishError::BadOption(format!(
                "séparateur CSV {delimiter:?} impossible (guillemet ou caractère de contrôle)"
            )));
        }
        let byte = match u8::try_from(delimiter) {
            Ok(b) if b.is_ascii() => b,
            _ => {
                return Err(PublishError::BadOption(format!(
                    "séparateur CSV {delimiter:?} impossible : choisissez un caractère ASCII \
                     (par exemple « ; », « , » ou une tabulation)"
                )));
            }
        };
        Ok(CsvOptions {
            delimiter: byte,
            bom,
        })
    }

    pub fn delimiter(&self) -> char {
        char::from(self.delimiter)
    }

    pub fn bom(&self) -> bool {
        self.bom
    }
}

/// OWASP: a cell starting like a formula gets a leading `'`.
pub fn neutralise(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// Text from a fiche made safe for a spreadsheet cell: controls shown as
/// symbols (line breaks and tabs kept, CRLF as LF), then neutralised.
pub fn safe_cell(s: &str) -> String {
    let visible = if s.contains("\r\n") {
        terminal_text(&s.replace("\r\n", "\n"), true)
    } else {
        terminal_text(s, true)
    };
    neutralise(&visible).into_owned()
}

/// The columns of a kind's list: "Créneau", the place ("Espace",
/// "Table"), then the kind's public fields under their headings.
pub fn headers(section: &Section) -> Vec<String> {
    let mut h = vec!["Créneau".to_string(), labels::place_heading(&section.kind)];
    h.extend(section.headings());
    h
}

/// The rows of a kind's list (see [`headers`]).
pub fn rows(section: &Section) -> Vec<Vec<String>> {
    section
        .accepted
        .iter()
        .map(|m| {
            let mut row = vec![
                labels::slot_or_tbd(&section.kind, m.slot.as_deref()),
                m.place.clone().unwrap_or_default(),
            ];
            row.extend(m.fields.iter().map(|f| f.text.clone().unwrap_or_default()));
            row
        })
        .collect()
}

/// A whole table: header then rows, every cell made safe and quoted.
pub fn table<R: AsRef<str>>(headers: &[&str], rows: &[Vec<R>], opts: &CsvOptions) -> String {
    table_with_banner(None, headers, rows, opts)
}

/// [`table`], with a one-cell record before the header when `banner` is given.
pub fn table_with_banner<R: AsRef<str>>(
    banner: Option<&str>,
    headers: &[&str],
    rows: &[Vec<R>],
    opts: &CsvOptions,
) -> String {
    let mut out = Vec::with_capacity(64 * (rows.len() + 2));
    if opts.bom {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(opts.delimiter)
            .quote_style(csv::QuoteStyle::Always)
            .terminator(csv::Terminator::CRLF)
            .flexible(true)
            .from_writer(&mut out);
        let records = banner
            .map(|b| vec![b])
            .into_iter()
            .chain(std::iter::once(headers.to_vec()))
            .chain(rows.iter().map(|r| r.iter().map(AsRef::as_ref).collect()));
        // Writing to memory fails only on a bug of the csv crate: what was
        // written so far is kept, and the fault is logged.
        for cells in records {
            if let Err(e) = writer.write_record(cells.iter().map(|c| safe_cell(c))) {
                tracing::error!("CSV : écriture en mémoire impossible : {e}");
                break;
            }
        }
        if let Err(e) = writer.flush() {
            tracing::error!("CSV : écriture en mémoire impossible : {e}");
        }
    }
    // Only valid UTF-8 went in (`&str` cells, ASCII delimiter and quotes).
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The first record of a draft CSV.
pub fn draft_banner(snapshot: &Snapshot) -> String {
    format!(
        "DOCUMENT DE TRAVAIL — listes provisoires, à ne pas diffuser (état au {})",
        labels::date_fr(&snapshot.taken_at)
    )
}

/// One kind's list (a draft starts with a banner record saying so).
pub fn list(snapshot: &Snapshot, section: &Section, opts: &CsvOptions, edition: Edition) -> String {
    let banner = edition.is_draft().then(|| draft_banner(snapshot));
    let headers = headers(section);
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    table_with_banner(banner.as_deref(), &headers, &rows(section), opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::tests::sample_snapshot;

    fn micro_ateliers(s: &Snapshot, opts: &CsvOptions, edition: Edition) -> String {
        list(s, s.section("micro_atelier").unwrap(), opts, edition)
    }

    fn bourse(s: &Snapshot, opts: &CsvOptions, edition: Edition) -> String {
        list(s, s.section("bourse_projets").unwrap(), opts, edition)
    }

    fn snap() -> Snapshot {
        sample_snapshot("2018-05-28")
    }

    #[test]
    fn micro_list_with_bom_semicolons_and_crlf() {
        let out = micro_ateliers(
            &snap(),
            &CsvOptions::default(),
            Edition::Final { number: 1 },
        );
        assert_eq!(
            out,
            "\u{feff}\"Créneau\";\"Espace\";\"Titre\";\"Organisation\";\"Pays\";\"Thématique\"\r\n\
             \"14h00 – 14h20\";\"Espace A\";\"Dialogues mensuels\";\"Municipalidad de Quito\";\"Équateur\";\"Climat\"\r\n\
             \"14h20 – 14h40\";\"Espace B\";\"Un guide du financement de l'AICT\";\"Ville de Saint-Étienne\";\"France\";\"ODD / Agenda 2030\"\r\n"
        );
    }

    #[test]
    fn bourse_list_configurable() {
        let opts = CsvOptions::new(',', false).unwrap();
        let out = bourse(&snap(), &opts, Edition::Final { number: 1 });
        assert_eq!(
            out,
            "\"Créneau\",\"Table\",\"Organisation\",\"Pays\",\"Partenaire recherché\",\"Pays ou région concerné(s)\",\"Type de demande\"\r\n\
             \"12h45 – 13h15\",\"Table 1\",\"Conseil départemental de l'Isère\",\"France\",\"Collectivité française\",\"Arménie\",\"Appel à coopération\"\r\n"
        );
        assert!(CsvOptions::new('"', true).is_err());
        assert!(CsvOptions::new('\n', true).is_err());
        assert!(CsvOptions::new('\t', true).is_ok());
        assert!(CsvOptions::new('|', true).is_ok());
        // Spreadsheets split on one byte: a non-ASCII separator is refused.
        assert!(CsvOptions::new('§', true).is_err());
        assert!(CsvOptions::new('；', true).is_err());
    }

    #[test]
    fn a_draft_says_so_in_its_first_record() {
        let out = micro_ateliers(&snap(), &CsvOptions::default(), Edition::Draft);
        let first = out.split("\r\n").next().unwrap();
        assert_eq!(
            first,
            "\u{feff}\"DOCUMENT DE TRAVAIL — listes provisoires, à ne pas diffuser (état au 28 mai 2018)\""
        );
        let out = bourse(
            &snap(),
            &CsvOptions::new(',', false).unwrap(),
            Edition::Draft,
        );
        assert!(out.starts_with("\"DOCUMENT DE TRAVAIL"), "{out}");
        assert_eq!(
            out.split("\r\n").nth(1).unwrap().split(',').next(),
            Some("\"Créneau\"")
        );
    }

    #[test]
    fn quoting_and_neutralising() {
        let rows = vec![vec![
            "=HYPERLINK(\"http://evil.example\",\"Ville\")",
            "@SUM(1)",
            "-2+3",
            "\tx",
            "+33 1",
            "a;b\r\nc",
            "\u{1b}]0;pwned\u{7}",
            "ordinaire",
        ]];
        let out = table(&["a"], &rows, &CsvOptions::default());
        let body = out.split_once("\r\n").unwrap().1;
        assert_eq!(
            body,
            "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Ville\"\")\";\"'@SUM(1)\";\"'-2+3\";\
             \"'\tx\";\"'+33 1\";\"a;b\nc\";\"␛]0;pwned␇\";\"ordinaire\"\r\n"
        );
        assert_eq!(neutralise("\nx"), "'\nx");
        assert_eq!(neutralise("\rx"), "'\rx");
        assert_eq!(neutralise(""), "");
    }
}
