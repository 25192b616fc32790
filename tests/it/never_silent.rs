//! No fiche with text beyond the blank form is ever reported blank or
//! "no fiche" without a warning. Walks every test fiche — the fixtures
//! (corpus files, attachments of the corpus mails and of the sample inbox)
//! and the variants the habit tests build from the templates — and, for
//! each file whose text (read here crudely, independently of the reader)
//! holds anything the blank forms do not print, checks what
//! `fiche::parse_file` says: a fiche, never blank, with a warning when no
//! field was read.

use crate::support::forms;

use std::collections::HashSet;
use std::io::{Cursor, Read};
use std::path::Path;

use calamine::Reader;
use fiches::fiche;
use mail_parser::MimeHeaders;

fn fold(s: &str) -> String {
    fiches::fiche::text::fold(s)
}

/// Every text of an office file, crudely: the text of its XML parts'
/// elements, line by line, or the cells of an XLS.
fn crude_text(bytes: &[u8]) -> Vec<String> {
    if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        let Ok(mut wb) = calamine::Xls::new(Cursor::new(bytes)) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for name in wb.sheet_names() {
            if let Ok(range) = wb.worksheet_range(&name) {
                for (_, _, d) in range.used_cells() {
                    out.extend(d.to_string().lines().map(str::to_string));
                }
            }
        }
        return out;
    }
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let wanted = name == "word/document.xml"
            || name == "content.xml"
            || name == "xl/sharedStrings.xml"
            || (name.starts_with("xl/worksheets/") && name.ends_with(".xml"));
        // A zip bomb (in the corpus mail) is no fiche: its reader refuses it.
        if !wanted || f.size() > 20 * 1024 * 1024 {
            continue;
        }
        let mut xml = String::new();
        if f.read_to_string(&mut xml).is_err() {
            continue;
        }
        // Paragraph and cell ends become line ends, tags go.
        let xml = xml
            .replace("</w:p>", "\n")
            .replace("</text:p>", "\n")
            .replace("</si>", "\n")
            .replace("</c>", "\n")
            .replace("</v>", "\n")
            .replace("<w:tab/>", " ");
        let mut text = String::new();
        let mut in_tag = false;
        for c in xml.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                _ if !in_tag => text.push(c),
                _ => {}
            }
        }
        let text = text
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&apos;", "'")
            .replace("&quot;", "\"");
        out.extend(text.lines().map(str::to_string));
    }
    out
}

/// What the blank forms print, folded, line by line.
fn blank_lines() -> HashSet<String> {
    let mut set = HashSet::new();
    for t in [
        "fiche-micro-atelier.docx",
        "fiche-micro-atelier.xlsx",
        "fiche-bourse-aux-projets.docx",
        "fiche-bourse-aux-projets.xlsx",
    ] {
        for line in crude_text(&forms::template(t)) {
            set.insert(fold(&line));
        }
    }
    set
}

/// Lines a person added to the blank form (numbers of the XLSX cells'
/// shared-string indices aside).
fn added(bytes: &[u8], blank: &HashSet<String>) -> Vec<String> {
    crude_text(bytes)
        .into_iter()
        .map(|l| fold(&l))
        .filter(|l| !l.is_empty() && !blank.contains(l))
        // An XLSX cell refers to its shared string by a small number.
        .filter(|l| !(l.len() <= 3 && l.chars().all(|c| c.is_ascii_digit())))
        .collect()
}

fn check(name: &str, bytes: &[u8], blank: &HashSet<String>, failures: &mut Vec<String>) -> bool {
    let added = added(bytes, blank);
    if added.is_empty() {
        return false;
    }
    for p in fiche::parse_file(bytes, name) {
        match &p.result {
            Ok(f) if f.is_blank() => failures.push(format!(
                "{name}: reported blank, yet holds {:?}",
                &added[..added.len().min(3)]
            )),
            Ok(f) if f.fields.is_empty() && f.warnings.is_empty() => failures.push(format!(
                "{name}: no field read and no warning, yet holds {:?}",
                &added[..added.len().min(3)]
            )),
            Ok(_) => {}
            Err(e) if e.code() == "not_a_fiche" => failures.push(format!(
                "{name}: reported as holding no fiche ({e}), yet holds {:?}",
                &added[..added.len().min(3)]
            )),
            Err(_) => {}
        }
    }
    true
}

fn attachments_of(mail: &[u8]) -> Vec<(String, Vec<u8>)> {
    let Some(m) = mail_parser::MessageParser::default().parse(mail) else {
        return Vec::new();
    };
    m.attachments()
        .map(|a| {
            (
                a.attachment_name().unwrap_or("piece").to_string(),
                a.contents().to_vec(),
            )
        })
        .collect()
}

#[test]
fn no_fiche_with_text_beyond_the_blank_form_is_silent() {
    let blank = blank_lines();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for dir in ["corpus/fiches", "templates"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            files.push((
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read(&p).unwrap(),
            ));
        }
    }
    for dir in ["corpus/mail", "inbox/cur", "inbox/new"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            let mail = std::fs::read(&p).unwrap();
            for (name, bytes) in attachments_of(&mail) {
                let label = format!("{} › {name}", p.file_name().unwrap().to_string_lossy());
                files.push((label, bytes));
            }
        }
    }
    files.extend(forms::variants());
    let mut failures = Vec::new();
    let mut with_text = 0;
    for (name, bytes) in &files {
        if check(name, bytes, &blank, &mut failures) {
            with_text += 1;
        }
    }
    // The walk saw the files it is about.
    assert!(files.len() >= 60, "{} files", files.len());
    assert!(with_text >= 40, "{with_text} files with added text");
    assert!(
        failures.is_empty(),
        "{} silent fiche(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The blank templates themselves hold nothing added.
    for t in ["fiche-micro-atelier.docx", "fiche-bourse-aux-projets.xlsx"] {
        assert!(added(&forms::template(t), &blank).is_empty(), "{t}");
    }
}
