//! Filling generated blank fiches the way people do (shared by the
//! template tests and the new-call test): text typed into the answer
//! cells, a box ticked, "X" typed after an option, the other options
//! deleted; in DOCX, ODT and XLSX.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};

use fiches::fiche::Kind;
use fiches::fiche::spec::{self, FieldType};

// ---------------------------------------------------------------------------
// Filling the templates the way people do.

/// Every part of a zip, as text (for the tests that look for printed text).
pub fn all_xml(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut all = String::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut s = String::new();
        if f.read_to_string(&mut s).is_ok() {
            all.push_str(&s);
        }
    }
    all
}

pub fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

/// The same zip with one part replaced (entries kept in order, the first
/// stored as ODF wants its mimetype).
pub fn replace_part(bytes: &[u8], name: &str, text: &str) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let entry = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        let method = if i == 0 {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        w.start_file(
            &entry,
            SimpleFileOptions::default().compression_method(method),
        )
        .unwrap();
        if entry == name {
            w.write_all(text.as_bytes()).unwrap();
        } else {
            w.write_all(&data).unwrap();
        }
    }
    w.finish().unwrap().into_inner()
}

/// As rust_xlsxwriter writes shared strings (quotes kept).
pub fn esc_xlsx(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// How a person marks an option on a Word or LibreOffice form.
#[derive(Debug, Clone, Copy)]
pub enum Habit {
    /// Clicks the check box (☐ becomes ☒).
    Tick,
    /// Types "X" after the option.
    TypeX,
    /// Deletes every other option, and the empty box of the one kept:
    /// only the chosen option's words are left.
    DeleteOthers,
    /// Deletes every other option, leaving the kept one's box empty.
    DeleteOthersKeepBox,
}

pub const HABITS: [Habit; 4] = [
    Habit::Tick,
    Habit::TypeX,
    Habit::DeleteOthers,
    Habit::DeleteOthersKeepBox,
];

/// What a filled field holds, and what must be read back.
pub struct Fill {
    pub key: &'static str,
    pub label: &'static str,
    pub what: What,
    pub expected: String,
}

pub enum What {
    Text(String),
    /// The option's printed label, its index and the habit.
    Option(&'static str, usize, Habit),
}

/// Every field of a kind filled: text fields with a value of their type,
/// choice fields with an option (a different one from field to field) and
/// the habits in turn.
pub fn fills(kind: Kind) -> Vec<Fill> {
    let mut out = Vec::new();
    let mut n = 0;
    for (i, f) in spec::fields(kind).iter().enumerate() {
        let (what, expected) = match f.ty {
            FieldType::Text => {
                let v = format!("Réponse {i} d'{}", f.key);
                (What::Text(v.clone()), v)
            }
            FieldType::LongText => {
                let v = format!("Première ligne {i}\nSeconde ligne, « citée »");
                (What::Text(v.clone()), v)
            }
            FieldType::Email => {
                let v = format!("contact{i}@exemple.fr");
                (What::Text(v.clone()), v)
            }
            FieldType::Phone => {
                let v = "+33 6 12 34 56 78".to_string();
                (What::Text(v.clone()), v)
            }
            FieldType::Date => (What::Text("12/10/2019".into()), "2019-10-12".into()),
            FieldType::Choice(opts) | FieldType::Choices(opts) => {
                let at = (i + 1) % opts.len();
                let habit = HABITS[n % HABITS.len()];
                n += 1;
                (
                    What::Option(opts[at].label, at, habit),
                    opts[at].value.to_string(),
                )
            }
        };
        out.push(Fill {
            key: f.key,
            label: f.label,
            what,
            expected,
        });
    }
    out
}

/// The rows of a table in document XML, split before each `row_start`.
pub fn rows<'a>(xml: &'a str, row_start: &str) -> Vec<&'a str> {
    let mut cuts: Vec<usize> = xml.match_indices(row_start).map(|(i, _)| i).collect();
    // The last row ends with the table: what follows (the legend under
    // it) is a chunk of its own.
    if let Some(&last) = cuts.last()
        && let Some(end) = ["</w:tbl>", "</table:table>"]
            .iter()
            .filter_map(|t| xml[last..].find(t))
            .min()
    {
        cuts.push(last + end);
    }
    cuts.push(xml.len());
    let mut out = vec![&xml[..cuts[0]]];
    for w in cuts.windows(2) {
        out.push(&xml[w[0]..w[1]]);
    }
    out
}

/// The row whose label cell holds `label` as printed (a required one
/// with its « * »).
pub fn row_of(rows: &[String], open: &str, close: &str, label: &str) -> usize {
    let plain = format!("{open}{}{close}", esc(label));
    let starred = format!("{open}{} *{close}", esc(label));
    rows.iter()
        .position(|r| r.contains(&plain) || r.contains(&starred))
        .unwrap_or_else(|| panic!("no row for « {label} »"))
}

/// Marks option `at` of a row whose options are paragraphs `(start, end)`,
/// each holding its box as `unticked` until ticked.
pub fn mark_option(
    row: &str,
    para: (&str, &str),
    at: usize,
    habit: Habit,
    tick: &dyn Fn(&str) -> String,
    unbox: &dyn Fn(&str) -> String,
) -> String {
    let (start, end) = para;
    let first = row.find(start).expect("options");
    let last = row.rfind(end).expect("options") + end.len();
    let body = &row[first..last];
    let paras: Vec<String> = body.split_inclusive(end).map(str::to_string).collect();
    let mut out = Vec::new();
    for (i, p) in paras.iter().enumerate() {
        match (habit, i == at) {
            (Habit::Tick, true) => out.push(tick(p)),
            (Habit::TypeX, true) => {
                let cut = p.len() - end.len();
                out.push(format!("{}{}{end}", &p[..cut], x_run(start)));
            }
            (Habit::DeleteOthers, false) => {}
            (Habit::DeleteOthers, true) => out.push(unbox(p)),
            (Habit::DeleteOthersKeepBox, false) => {}
            _ => out.push(p.clone()),
        }
    }
    format!("{}{}{}", &row[..first], out.concat(), &row[last..])
}

/// `s` without the element from `start` to `end` (included).
pub fn cut_between(s: &str, start: &str, end: &str) -> String {
    let a = s.find(start).expect("start");
    let b = s[a..].find(end).expect("end") + a + end.len();
    format!("{}{}", &s[..a], &s[b..])
}

/// " X" as a run of the format (Word needs it in a `w:r`).
pub fn x_run(para_start: &str) -> &'static str {
    if para_start.starts_with("<w:") {
        r#"<w:r><w:t xml:space="preserve"> X</w:t></w:r>"#
    } else {
        " X"
    }
}

pub fn fill_docx(bytes: &[u8], fills: &[Fill]) -> Vec<u8> {
    let xml = part(bytes, "word/document.xml");
    let mut rows: Vec<String> = rows(&xml, "<w:tr>").into_iter().map(String::from).collect();
    for f in fills {
        let r = row_of(&rows, r#"<w:t xml:space="preserve">"#, "</w:t>", f.label);
        let row = &rows[r];
        rows[r] = match &f.what {
            What::Text(v) => {
                let paras: String = v
                    .lines()
                    .map(|l| {
                        format!(
                            r#"<w:p><w:r><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
                            esc(l)
                        )
                    })
                    .collect();
                assert_eq!(row.matches("<w:p/>").count(), 1, "{row}");
                row.replace("<w:p/>", &paras)
            }
            What::Option(_, at, habit) => mark_option(
                row,
                ("<w:p><w:pPr><w:spacing", "</w:p>"),
                *at,
                *habit,
                &|p: &str| {
                    p.replace(
                        r#"<w14:checked w14:val="0"/>"#,
                        r#"<w14:checked w14:val="1"/>"#,
                    )
                    .replace("☐", "☒")
                },
                &|p: &str| cut_between(p, "<w:sdt>", "</w:sdt>"),
            ),
        };
    }
    replace_part(bytes, "word/document.xml", &rows.concat())
}

pub fn fill_odt(bytes: &[u8], fills: &[Fill]) -> Vec<u8> {
    let xml = part(bytes, "content.xml");
    let mut rows: Vec<String> = rows(&xml, "<table:table-row ")
        .into_iter()
        .map(String::from)
        .collect();
    for f in fills {
        let r = row_of(
            &rows,
            r#"<text:p text:style-name="PLabel">"#,
            "</text:p>",
            f.label,
        );
        let row = &rows[r];
        rows[r] = match &f.what {
            What::Text(v) => {
                let empty = r#"<text:p text:style-name="Standard"/>"#;
                let paras: String = v
                    .lines()
                    .map(|l| format!(r#"<text:p text:style-name="Standard">{}</text:p>"#, esc(l)))
                    .collect();
                assert_eq!(row.matches(empty).count(), 1, "{row}");
                row.replace(empty, &paras)
            }
            What::Option(_, at, habit) => mark_option(
                row,
                (r#"<text:p text:style-name="POpt">"#, "</text:p>"),
                *at,
                *habit,
                &|p: &str| {
                    p.replace(r#"loext:checked="false""#, r#"loext:checked="true""#)
                        .replace(">☐<", ">☒<")
                },
                &|p: &str| cut_between(p, "<loext:content-control ", "</loext:content-control>"),
            ),
        };
    }
    replace_part(bytes, "content.xml", &rows.concat())
}

/// The shared strings of a workbook, in order.
pub fn shared_strings(bytes: &[u8]) -> Vec<String> {
    let xml = part(bytes, "xl/sharedStrings.xml");
    xml.split("<si>")
        .skip(1)
        .map(|si| {
            let t = si.split("<t").nth(1).unwrap();
            let t = &t[t.find('>').unwrap() + 1..];
            t[..t.find("</t>").unwrap()].to_string()
        })
        .collect()
}

/// The XLSX filled as in Excel: values typed in column B; an option picked
/// from the list (its label) or typed in lower case.
pub fn fill_xlsx(bytes: &[u8], fills: &[Fill]) -> Vec<u8> {
    let strings = shared_strings(bytes);
    let mut sheet = part(bytes, "xl/worksheets/sheet1.xml");
    for f in fills {
        let idx = strings
            .iter()
            .position(|s| *s == esc_xlsx(f.label) || *s == format!("{} *", esc_xlsx(f.label)))
            .unwrap_or_else(|| panic!("no string « {} »", f.label));
        let needle = format!(r#" t="s"><v>{idx}</v></c>"#);
        let at = sheet.find(&needle).unwrap();
        let cell_start = sheet[..at].rfind("<c r=\"A").unwrap();
        let row: String = sheet[cell_start + 7..at]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let value = match &f.what {
            What::Text(v) => v.clone(),
            What::Option(label, at, _) if at % 2 == 0 => label.to_string(),
            What::Option(label, _, _) => label.to_lowercase(),
        };
        let b = format!(r#"<c r="B{row}""#);
        let start = sheet.find(&b).unwrap_or_else(|| panic!("no B{row}"));
        let end = start + sheet[start..].find("/>").unwrap();
        let style = &sheet[start + b.len()..end];
        let cell = format!(
            r#"<c r="B{row}"{style} t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
            esc(&value)
        );
        sheet.replace_range(start..end + 2, &cell);
    }
    replace_part(bytes, "xl/worksheets/sheet1.xml", &sheet)
}
