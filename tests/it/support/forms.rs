//! Filled fiches made by the tests themselves from the blank templates
//! (`fixtures/templates/`), one habit at a time, written as DOCX and ODT
//! (word-processing forms) or XLSX and ODS (spreadsheet forms).
//!
//! A template is read into a small model — paragraphs and tables of runs
//! for the Word form, cells of sheets for the Excel form — that habits
//! change the way people do (a value typed here or there, an option made
//! bold or the others struck through, the form rebuilt as paragraphs…),
//! then written back: DOCX keeps the template's package (styles, settings)
//! with a new body; XLSX is written with rust_xlsxwriter; ODT and ODS are
//! written as LibreOffice writes them (automatic styles for the looks).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

use quick_xml::events::Event;
use zip::write::SimpleFileOptions;

pub fn template(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/templates/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        out.push((name, data));
    }
    out
}

fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        let opts = if name == "mimetype" {
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored)
        } else {
            SimpleFileOptions::default()
        };
        w.start_file(name.as_str(), opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

// ---------------------------------------------------------------------------
// Word-processing forms

/// A run of text and how it looks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Run {
    pub text: String,
    pub bold: bool,
    pub strike: bool,
    pub underline: bool,
    pub highlight: bool,
    pub color: Option<&'static str>,
}

impl Run {
    pub fn plain(text: &str) -> Run {
        Run {
            text: text.to_string(),
            ..Run::default()
        }
    }
}

pub type Para = Vec<Run>;

fn para_text(p: &Para) -> String {
    p.iter().map(|r| r.text.as_str()).collect()
}

#[derive(Debug, Clone, Default)]
pub struct TCell {
    pub paras: Vec<Para>,
    /// Grid columns covered.
    pub span: u32,
}

impl TCell {
    pub fn text(&self) -> String {
        self.paras
            .iter()
            .map(para_text)
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn of_lines(text: &str, span: u32) -> TCell {
        TCell {
            paras: text.split('\n').map(|l| vec![Run::plain(l)]).collect(),
            span,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Block {
    Para(Para),
    Table(Vec<Vec<TCell>>),
}

/// A word-processing form: paragraphs and tables of runs.
#[derive(Debug, Clone)]
pub struct Doc {
    pub blocks: Vec<Block>,
    /// The template package, for DOCX output.
    package: Vec<(String, Vec<u8>)>,
}

impl Doc {
    pub fn micro() -> Doc {
        Doc::from_docx(&template("fiche-micro-atelier.docx"))
    }

    pub fn bourse() -> Doc {
        Doc::from_docx(&template("fiche-bourse-aux-projets.docx"))
    }

    /// Reads the body of a DOCX template (paragraphs, tables, bold runs).
    pub fn from_docx(bytes: &[u8]) -> Doc {
        let package = unzip(bytes);
        let xml = &package
            .iter()
            .find(|(n, _)| n == "word/document.xml")
            .unwrap()
            .1;
        let mut r = quick_xml::Reader::from_reader(&xml[..]);
        let mut blocks = Vec::new();
        let mut table: Option<Vec<Vec<TCell>>> = None;
        let mut row: Option<Vec<TCell>> = None;
        let mut cell: Option<TCell> = None;
        let mut para: Option<Para> = None;
        let mut run: Option<Run> = None;
        let mut in_t = false;
        let mut buf = Vec::new();
        loop {
            let ev = r.read_event_into(&mut buf).unwrap();
            match ev {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let empty = matches!(ev, Event::Empty(_));
                    match e.local_name().as_ref() {
                        "tbl" => table = Some(Vec::new()),
                        "tr" => row = Some(Vec::new()),
                        "tc" => {
                            cell = Some(TCell {
                                paras: Vec::new(),
                                span: 1,
                            })
                        }
                        "gridSpan" => {
                            if let Some(c) = cell.as_mut() {
                                let v = e
                                    .try_get_attribute("w:val")
                                    .unwrap()
                                    .map(|a| a.value.to_string());
                                c.span = v.and_then(|v| v.parse().ok()).unwrap_or(1);
                            }
                        }
                        "p" => {
                            para = Some(Vec::new());
                            if empty {
                                close_para(&mut para, &mut cell, &mut blocks);
                            }
                        }
                        "r" => run = Some(Run::default()),
                        "b" => {
                            if let Some(r) = run.as_mut() {
                                r.bold = true;
                            }
                        }
                        "t" => in_t = !empty,
                        _ => {}
                    }
                }
                Event::Text(t) => {
                    if in_t && let Some(r) = run.as_mut() {
                        r.text.push_str(&t.xml10_content());
                    }
                }
                Event::GeneralRef(g) => {
                    if in_t && let Some(r) = run.as_mut() {
                        let name = g.to_string();
                        r.text.push_str(match name.as_str() {
                            "amp" => "&",
                            "lt" => "<",
                            "gt" => ">",
                            "quot" => "\"",
                            _ => "'",
                        });
                    }
                }
                Event::End(e) => match e.local_name().as_ref() {
                    "t" => in_t = false,
                    "r" => {
                        if let (Some(r), Some(p)) = (run.take(), para.as_mut()) {
                            p.push(r);
                        }
                    }
                    "p" => close_para(&mut para, &mut cell, &mut blocks),
                    "tc" => {
                        if let (Some(c), Some(rw)) = (cell.take(), row.as_mut()) {
                            rw.push(c);
                        }
                    }
                    "tr" => {
                        if let (Some(rw), Some(t)) = (row.take(), table.as_mut()) {
                            t.push(rw);
                        }
                    }
                    "tbl" => {
                        if let Some(t) = table.take() {
                            blocks.push(Block::Table(t));
                        }
                    }
                    _ => {}
                },
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        Doc { blocks, package }
    }

    fn rows_mut(&mut self) -> impl Iterator<Item = &mut Vec<TCell>> {
        self.blocks
            .iter_mut()
            .filter_map(|b| match b {
                Block::Table(t) => Some(t.iter_mut()),
                _ => None,
            })
            .flatten()
    }

    fn row_of(&mut self, label: &str) -> &mut Vec<TCell> {
        self.rows_mut()
            .find(|r| r.first().is_some_and(|c| c.text() == label))
            .unwrap_or_else(|| panic!("no row labelled {label}"))
    }

    /// Types `value` into the cell right of `label` (lines as paragraphs).
    pub fn fill(mut self, label: &str, value: &str) -> Doc {
        let row = self.row_of(label);
        row[1] = TCell::of_lines(value, row[1].span);
        self
    }

    /// Types the value after the label in the label's own cell.
    pub fn fill_inline(mut self, label: &str, sep: &str, value: &str) -> Doc {
        let row = self.row_of(label);
        row[0] = TCell::of_lines(&format!("{label}{sep}{value}"), row[0].span);
        self
    }

    /// Replaces text wherever it appears in runs (a mark, a retyped label).
    pub fn replace(mut self, old: &str, new: &str) -> Doc {
        let mut done = false;
        for b in &mut self.blocks {
            let paras: Vec<&mut Para> = match b {
                Block::Para(p) => vec![p],
                Block::Table(t) => t
                    .iter_mut()
                    .flat_map(|r| r.iter_mut())
                    .flat_map(|c| c.paras.iter_mut())
                    .collect(),
            };
            for p in paras {
                for r in p.iter_mut() {
                    if !done && r.text.contains(old) {
                        r.text = r.text.replacen(old, new, 1);
                        done = true;
                    }
                }
            }
        }
        assert!(done, "the form has no {old:?}");
        self
    }

    /// Gives the option `option` of `label` a look (the box keeps its own).
    pub fn style_option(mut self, label: &str, option: &str, look: impl Fn(&mut Run)) -> Doc {
        let row = self.row_of(label);
        let mut done = false;
        for p in &mut row[1].paras {
            let text = para_text(p);
            if let Some(at) = text.find(option) {
                let mut styled = Run::plain(option);
                look(&mut styled);
                let mut runs = Vec::new();
                if at > 0 {
                    runs.push(Run::plain(&text[..at]));
                }
                runs.push(styled);
                if at + option.len() < text.len() {
                    runs.push(Run::plain(&text[at + option.len()..]));
                }
                *p = runs;
                done = true;
                break;
            }
        }
        assert!(done, "{label} has no option {option}");
        self
    }

    /// Strikes through every option of `label` but `keep`.
    pub fn strike_others(mut self, label: &str, keep: &str) -> Doc {
        let row = self.row_of(label);
        for p in &mut row[1].paras {
            let text = para_text(p);
            let body = text.trim_start_matches(['☐', ' ']).to_string();
            if !body.is_empty() && !text.contains(keep) {
                *p = vec![
                    Run::plain(&text[..text.len() - body.len()]),
                    Run {
                        strike: true,
                        ..Run::plain(&body)
                    },
                ];
            }
        }
        self
    }

    /// Leaves only `keep` among the options of `label` (boxes removed).
    pub fn delete_others(mut self, label: &str, keep: &str) -> Doc {
        let row = self.row_of(label);
        let span = row[1].span;
        row[1] = TCell::of_lines(keep, span);
        self
    }

    /// The answer typed in a new row inserted under the label's row, one
    /// cell across the table; the value cell is left empty.
    pub fn answer_in_new_row(mut self, label: &str, value: &str) -> Doc {
        for b in &mut self.blocks {
            if let Block::Table(t) = b
                && let Some(i) = t
                    .iter()
                    .position(|r| r.first().is_some_and(|c| c.text() == label))
            {
                t.insert(i + 1, vec![TCell::of_lines(value, 2)]);
                return self;
            }
        }
        panic!("no row labelled {label}");
    }

    /// Every table row as paragraphs: the label (bold), then the answer.
    pub fn rebuilt_as_paragraphs(mut self) -> Doc {
        let mut out = Vec::new();
        for b in self.blocks {
            match b {
                Block::Para(p) => out.push(Block::Para(p)),
                Block::Table(t) => {
                    for row in t {
                        for (i, c) in row.into_iter().enumerate() {
                            for mut p in c.paras {
                                if i == 0 {
                                    for r in &mut p {
                                        r.bold = true;
                                    }
                                }
                                if !para_text(&p).is_empty() {
                                    out.push(Block::Para(p));
                                }
                            }
                        }
                    }
                }
            }
        }
        self.blocks = out;
        self
    }

    /// Every table vertical: the label on a full-width row, the answer on
    /// the full-width row below.
    pub fn vertical(mut self) -> Doc {
        for b in &mut self.blocks {
            if let Block::Table(t) = b {
                let mut rows = Vec::new();
                for row in t.drain(..) {
                    let mut cells = row.into_iter();
                    if let Some(mut label) = cells.next() {
                        label.span = 2;
                        rows.push(vec![label]);
                    }
                    for mut c in cells {
                        c.span = 2;
                        rows.push(vec![c]);
                    }
                }
                *t = rows;
            }
        }
        self
    }

    /// A paragraph added at the end (a stamp, a signature).
    pub fn add_paragraph(mut self, text: &str) -> Doc {
        self.blocks.push(Block::Para(vec![Run::plain(text)]));
        self
    }

    /// The blocks of `other` after this form's (two forms in one file).
    pub fn then(mut self, other: Doc) -> Doc {
        self.blocks.push(Block::Para(vec![Run::plain("")]));
        self.blocks.extend(other.blocks);
        self
    }

    /// Replaces each printed text by its translation (whole runs).
    pub fn translate(mut self, pairs: &[(&str, &str)]) -> Doc {
        let map: BTreeMap<&str, &str> = pairs.iter().copied().collect();
        let tr = |p: &mut Para| {
            for r in p.iter_mut() {
                let (boxed, body) = match r.text.strip_prefix("☐ ") {
                    Some(b) => ("☐ ", b.to_string()),
                    None => ("", r.text.clone()),
                };
                if let Some(t) = map.get(body.as_str()) {
                    r.text = format!("{boxed}{t}");
                }
            }
        };
        for b in &mut self.blocks {
            match b {
                Block::Para(p) => tr(p),
                Block::Table(t) => {
                    for row in t {
                        for c in row {
                            for p in &mut c.paras {
                                tr(p);
                            }
                        }
                    }
                }
            }
        }
        self
    }

    fn docx_body(&self) -> String {
        let run = |r: &Run| {
            let mut rpr = String::new();
            if r.bold {
                rpr.push_str("<w:b/>");
            }
            if r.strike {
                rpr.push_str("<w:strike/>");
            }
            if r.underline {
                rpr.push_str(r#"<w:u w:val="single"/>"#);
            }
            if let Some(c) = r.color {
                rpr.push_str(&format!(r#"<w:color w:val="{c}"/>"#));
            }
            if r.highlight {
                rpr.push_str(r#"<w:highlight w:val="yellow"/>"#);
            }
            let rpr = if rpr.is_empty() {
                String::new()
            } else {
                format!("<w:rPr>{rpr}</w:rPr>")
            };
            format!(
                r#"<w:r>{rpr}<w:t xml:space="preserve">{}</w:t></w:r>"#,
                esc(&r.text)
            )
        };
        let para = |p: &Para| {
            if p.iter().all(|r| r.text.is_empty()) {
                "<w:p/>".to_string()
            } else {
                format!("<w:p>{}</w:p>", p.iter().map(run).collect::<String>())
            }
        };
        let mut out = String::new();
        for b in &self.blocks {
            match b {
                Block::Para(p) => out.push_str(&para(p)),
                Block::Table(t) => {
                    out.push_str(r#"<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/></w:tblPr><w:tblGrid><w:gridCol w:w="3402"/><w:gridCol w:w="6236"/></w:tblGrid>"#);
                    for row in t {
                        out.push_str("<w:tr>");
                        for c in row {
                            out.push_str("<w:tc>");
                            if c.span > 1 {
                                out.push_str(&format!(
                                    r#"<w:tcPr><w:gridSpan w:val="{}"/></w:tcPr>"#,
                                    c.span
                                ));
                            }
                            if c.paras.is_empty() {
                                out.push_str("<w:p/>");
                            }
                            for p in &c.paras {
                                out.push_str(&para(p));
                            }
                            out.push_str("</w:tc>");
                        }
                        out.push_str("</w:tr>");
                    }
                    out.push_str("</w:tbl>");
                }
            }
        }
        out
    }

    /// The form as a DOCX: the template's package with this body.
    pub fn docx(&self) -> Vec<u8> {
        let mut entries = self.package.clone();
        for (name, data) in &mut entries {
            if name == "word/document.xml" {
                let xml = String::from_utf8(data.clone()).unwrap();
                let start = xml.find("<w:body>").unwrap() + "<w:body>".len();
                let end = xml.find("<w:sectPr").unwrap();
                *data =
                    format!("{}{}{}", &xml[..start], self.docx_body(), &xml[end..]).into_bytes();
            }
        }
        zip_of(&entries)
    }

    /// The form as LibreOffice writes an ODT: looks in automatic styles.
    pub fn odt(&self) -> Vec<u8> {
        let mut styles: Vec<String> = Vec::new();
        let mut style_of = |r: &Run| -> Option<String> {
            let mut props = String::new();
            if r.bold {
                props.push_str(r#" fo:font-weight="bold""#);
            }
            if r.strike {
                props.push_str(r#" style:text-line-through-style="solid""#);
            }
            if r.underline {
                props.push_str(r#" style:text-underline-style="solid""#);
            }
            if let Some(c) = r.color {
                props.push_str(&format!(r##" fo:color="#{c}""##));
            }
            if r.highlight {
                props.push_str(r##" fo:background-color="#ffff00""##);
            }
            if props.is_empty() {
                return None;
            }
            let i = match styles.iter().position(|s| *s == props) {
                Some(i) => i,
                None => {
                    styles.push(props);
                    styles.len() - 1
                }
            };
            Some(format!("T{}", i + 1))
        };
        let mut body = String::new();
        let para = |p: &Para, style_of: &mut dyn FnMut(&Run) -> Option<String>| {
            let mut s = String::from("<text:p>");
            for r in p {
                let text = esc(&r.text)
                    .replace("    ", "<text:s text:c=\"4\"/>")
                    .replace('\t', "<text:tab/>")
                    .replace('\n', "<text:line-break/>");
                match style_of(r) {
                    Some(st) => s.push_str(&format!(
                        r#"<text:span text:style-name="{st}">{text}</text:span>"#
                    )),
                    None => s.push_str(&text),
                }
            }
            s.push_str("</text:p>");
            s
        };
        for (n, b) in self.blocks.iter().enumerate() {
            match b {
                Block::Para(p) => body.push_str(&para(p, &mut style_of)),
                Block::Table(t) => {
                    body.push_str(&format!(
                        r#"<table:table table:name="Tableau{n}"><table:table-column table:number-columns-repeated="2"/>"#
                    ));
                    for row in t {
                        body.push_str("<table:table-row>");
                        for c in row {
                            if c.span > 1 {
                                body.push_str(&format!(
                                    r#"<table:table-cell table:number-columns-spanned="{}" office:value-type="string">"#,
                                    c.span
                                ));
                            } else {
                                body.push_str(r#"<table:table-cell office:value-type="string">"#);
                            }
                            if c.paras.is_empty() {
                                body.push_str("<text:p/>");
                            }
                            for p in &c.paras {
                                body.push_str(&para(p, &mut style_of));
                            }
                            body.push_str("</table:table-cell>");
                            for _ in 1..c.span {
                                body.push_str("<table:covered-table-cell/>");
                            }
                        }
                        body.push_str("</table:table-row>");
                    }
                    body.push_str("</table:table>");
                }
            }
        }
        let auto: String = styles
            .iter()
            .enumerate()
            .map(|(i, p)| {
                format!(
                    r#"<style:style style:name="T{}" style:family="text"><style:text-properties{p}/></style:style>"#,
                    i + 1
                )
            })
            .collect();
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NS} office:version="1.3"><office:automatic-styles>{auto}</office:automatic-styles><office:body><office:text>{body}</office:text></office:body></office:document-content>"#
        );
        odf_package("application/vnd.oasis.opendocument.text", &content)
    }
}

fn close_para(para: &mut Option<Para>, cell: &mut Option<TCell>, blocks: &mut Vec<Block>) {
    if let Some(p) = para.take() {
        match cell.as_mut() {
            Some(c) => c.paras.push(p),
            None => blocks.push(Block::Para(p)),
        }
    }
}

const ODF_NS: &str = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0""#;

fn odf_package(mimetype: &str, content: &str) -> Vec<u8> {
    let manifest = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#
    );
    zip_of(&[
        ("mimetype".to_string(), mimetype.as_bytes().to_vec()),
        ("content.xml".to_string(), content.as_bytes().to_vec()),
        ("META-INF/manifest.xml".to_string(), manifest.into_bytes()),
    ])
}

// ---------------------------------------------------------------------------
// Spreadsheet forms

/// What a sheet cell holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    Text(String),
    /// Rich text: runs with their looks.
    Rich(Vec<Run>),
    /// A number with its format code and the text the format shows.
    Number {
        value: f64,
        format: &'static str,
        shown: String,
    },
    /// A time of day (fraction of a day), shown as `shown`.
    Time {
        value: f64,
        format: &'static str,
        shown: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct SCell {
    pub content: Content,
    pub bold: bool,
    pub strike: bool,
    pub fill: bool,
}

impl SCell {
    fn text(t: &str) -> SCell {
        SCell {
            content: Content::Text(t.to_string()),
            bold: false,
            strike: false,
            fill: false,
        }
    }

    fn shown(&self) -> String {
        match &self.content {
            Content::Text(t) => t.clone(),
            Content::Rich(runs) => runs.iter().map(|r| r.text.as_str()).collect(),
            Content::Number { shown, .. } | Content::Time { shown, .. } => shown.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub hidden: bool,
    pub cells: BTreeMap<(u32, u32), SCell>,
    /// Merged ranges (first row, first col, last row, last col).
    pub merges: Vec<(u32, u32, u32, u32)>,
}

/// A spreadsheet form: its sheets.
#[derive(Debug, Clone)]
pub struct Book {
    pub sheets: Vec<Sheet>,
}

fn cell_ref(r: &str) -> (u32, u32) {
    let letters: String = r.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let row: u32 = r[letters.len()..].parse().unwrap();
    let col = letters
        .bytes()
        .fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A' + 1));
    (row - 1, col - 1)
}

impl Book {
    pub fn micro() -> Book {
        Book::from_xlsx(&template("fiche-micro-atelier.xlsx"))
    }

    pub fn bourse() -> Book {
        Book::from_xlsx(&template("fiche-bourse-aux-projets.xlsx"))
    }

    /// Reads the template's sheets (inline strings), hidden state and merges.
    pub fn from_xlsx(bytes: &[u8]) -> Book {
        let entries = unzip(bytes);
        let get = |n: &str| {
            String::from_utf8(entries.iter().find(|(x, _)| x == n).unwrap().1.clone()).unwrap()
        };
        let workbook = get("xl/workbook.xml");
        let mut sheets = Vec::new();
        let mut r = quick_xml::Reader::from_str(&workbook);
        let mut i = 0;
        loop {
            match r.read_event().unwrap() {
                Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                    i += 1;
                    let attr =
                        |k: &str| e.try_get_attribute(k).unwrap().map(|a| a.value.to_string());
                    let name = attr("name").unwrap();
                    let hidden = attr("state").is_some_and(|s| s != "visible");
                    let xml = get(&format!("xl/worksheets/sheet{i}.xml"));
                    sheets.push(parse_sheet(name, hidden, &xml));
                }
                Event::Eof => break,
                _ => {}
            }
        }
        Book { sheets }
    }

    fn form(&mut self) -> &mut Sheet {
        &mut self.sheets[0]
    }

    fn row_of(&self, label: &str) -> u32 {
        self.sheets[0]
            .cells
            .iter()
            .find(|((_, c), v)| *c == 0 && v.shown() == label)
            .map(|((r, _), _)| *r)
            .unwrap_or_else(|| panic!("no label {label}"))
    }

    /// Types a value in the value cell (column B) of `label`'s row.
    pub fn fill(mut self, label: &str, value: &str) -> Book {
        let r = self.row_of(label);
        self.form().cells.insert((r, 1), SCell::text(value));
        self
    }

    /// Puts any content in the value cell of `label`'s row.
    pub fn fill_with(mut self, label: &str, cell: SCell) -> Book {
        let r = self.row_of(label);
        self.form().cells.insert((r, 1), cell);
        self
    }

    /// Puts a content at (row of `label` + `down`, `col`).
    pub fn put(mut self, label: &str, down: u32, col: u32, cell: SCell) -> Book {
        let r = self.row_of(label) + down;
        self.form().cells.insert((r, col), cell);
        self
    }

    /// The label with its answer in the label cell.
    pub fn fill_inline(mut self, label: &str, sep: &str, value: &str) -> Book {
        let r = self.row_of(label);
        self.form()
            .cells
            .insert((r, 0), SCell::text(&format!("{label}{sep}{value}")));
        self
    }

    /// Each label on its own row with the answer on the row below, in column A.
    pub fn vertical(mut self) -> Book {
        let sheet = self.form();
        let mut cells = BTreeMap::new();
        let mut next = 0u32;
        let rows: Vec<u32> = {
            let mut v: Vec<u32> = sheet.cells.keys().map(|(r, _)| *r).collect();
            v.dedup();
            v
        };
        for r in rows {
            let label = sheet.cells.get(&(r, 0)).cloned();
            let value = sheet.cells.get(&(r, 1)).cloned();
            if let Some(l) = label {
                cells.insert((next, 0), l);
                next += 1;
            }
            if let Some(v) = value {
                cells.insert((next, 0), v);
                next += 1;
            }
        }
        sheet.cells = cells;
        sheet.merges.clear();
        self
    }

    /// A blank copy of the form as the first sheet (hidden or not).
    pub fn blank_copy_first(mut self, blank: Book, hidden: bool) -> Book {
        let mut copy = blank.sheets[0].clone();
        copy.name = "Fiche vierge".to_string();
        copy.hidden = hidden;
        self.sheets.insert(0, copy);
        self
    }

    /// Another filled form as a second sheet.
    pub fn and_sheet(mut self, other: Book, name: &str) -> Book {
        let mut s = other.sheets[0].clone();
        s.name = name.to_string();
        let at = self
            .sheets
            .iter()
            .position(|s| s.hidden)
            .unwrap_or(self.sheets.len());
        self.sheets.insert(at, s);
        self
    }

    /// Replaces label texts by their translations.
    pub fn translate(mut self, pairs: &[(&str, &str)]) -> Book {
        let map: BTreeMap<&str, &str> = pairs.iter().copied().collect();
        for cell in self.form().cells.values_mut() {
            if let Content::Text(t) = &mut cell.content
                && let Some(tr) = map.get(t.as_str())
            {
                *t = tr.to_string();
            }
        }
        self
    }

    /// The book as an XLSX (rust_xlsxwriter).
    pub fn xlsx(&self) -> Vec<u8> {
        use rust_xlsxwriter::{Format, FormatScript, Workbook};
        let _ = FormatScript::None;
        let mut wb = Workbook::new();
        for s in &self.sheets {
            let ws = wb.add_worksheet();
            ws.set_name(&s.name).unwrap();
            ws.set_column_width(0, 48).unwrap();
            ws.set_column_width(1, 40).unwrap();
            for (r0, c0, r1, c1) in &s.merges {
                if !s.cells.contains_key(&(*r0, *c0)) {
                    ws.merge_range(*r0, *c0 as u16, *r1, *c1 as u16, "", &Format::new())
                        .unwrap();
                }
            }
            for ((r, c), cell) in &s.cells {
                let mut f = Format::new();
                if cell.bold {
                    f = f.set_bold();
                }
                if cell.strike {
                    f = f.set_font_strikethrough();
                }
                if cell.fill {
                    f = f.set_background_color(rust_xlsxwriter::Color::Yellow);
                }
                let (r, c) = (*r, *c as u16);
                match &cell.content {
                    Content::Text(t) => {
                        ws.write_string_with_format(r, c, t, &f).unwrap();
                    }
                    Content::Rich(runs) => {
                        let formats: Vec<Format> = runs
                            .iter()
                            .map(|run| {
                                let mut g = Format::new();
                                if run.bold {
                                    g = g.set_bold();
                                }
                                if run.strike {
                                    g = g.set_font_strikethrough();
                                }
                                if run.underline {
                                    g = g.set_underline(rust_xlsxwriter::FormatUnderline::Single);
                                }
                                if run.highlight {
                                    g = g.set_background_color(rust_xlsxwriter::Color::Yellow);
                                }
                                g
                            })
                            .collect();
                        let segs: Vec<(&Format, &str)> = formats
                            .iter()
                            .zip(runs)
                            .map(|(g, run)| (g, run.text.as_str()))
                            .collect();
                        ws.write_rich_string(r, c, &segs).unwrap();
                    }
                    Content::Number { value, format, .. } | Content::Time { value, format, .. } => {
                        let f = f.set_num_format(*format);
                        ws.write_number_with_format(r, c, *value, &f).unwrap();
                    }
                }
            }
            if s.hidden {
                ws.set_hidden(true);
            }
        }
        wb.save_to_buffer().unwrap()
    }

    /// The book as LibreOffice writes an ODS: shown text in `text:p`, the
    /// typed value beside it, looks in automatic styles.
    pub fn ods(&self) -> Vec<u8> {
        let mut auto = String::from(
            r#"<style:style style:name="ta-hidden" style:family="table"><style:table-properties table:display="false"/></style:style>"#,
        );
        auto.push_str(r#"<style:style style:name="ce-bold" style:family="table-cell"><style:text-properties fo:font-weight="bold"/></style:style>"#);
        auto.push_str(r#"<style:style style:name="ce-strike" style:family="table-cell"><style:text-properties style:text-line-through-style="solid"/></style:style>"#);
        auto.push_str(r##"<style:style style:name="ce-fill" style:family="table-cell"><style:table-cell-properties fo:background-color="#ffff00"/></style:style>"##);
        auto.push_str(r#"<style:style style:name="T1" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>"#);
        auto.push_str(r#"<style:style style:name="T2" style:family="text"><style:text-properties style:text-line-through-style="solid"/></style:style>"#);
        auto.push_str(r##"<style:style style:name="T3" style:family="text"><style:text-properties fo:background-color="#ffff00"/></style:style>"##);
        let mut body = String::new();
        for s in &self.sheets {
            let style = if s.hidden {
                r#" table:style-name="ta-hidden""#
            } else {
                ""
            };
            body.push_str(&format!(
                r#"<table:table table:name="{}"{style}><table:table-column table:number-columns-repeated="3"/>"#,
                esc(&s.name)
            ));
            let last_row = s.cells.keys().map(|(r, _)| *r).max().unwrap_or(0);
            for r in 0..=last_row {
                body.push_str("<table:table-row>");
                let cols: Vec<u32> = s
                    .cells
                    .keys()
                    .filter(|(x, _)| *x == r)
                    .map(|(_, c)| *c)
                    .collect();
                let mut col = 0;
                for c in cols {
                    if c > col {
                        body.push_str(&format!(
                            r#"<table:table-cell table:number-columns-repeated="{}"/>"#,
                            c - col
                        ));
                    }
                    let cell = &s.cells[&(r, c)];
                    let st = if cell.bold {
                        r#" table:style-name="ce-bold""#
                    } else if cell.strike {
                        r#" table:style-name="ce-strike""#
                    } else if cell.fill {
                        r#" table:style-name="ce-fill""#
                    } else {
                        ""
                    };
                    match &cell.content {
                        Content::Text(t) => body.push_str(&format!(
                            r#"<table:table-cell{st} office:value-type="string">{}</table:table-cell>"#,
                            t.split('\n')
                                .map(|l| format!("<text:p>{}</text:p>", esc(l)))
                                .collect::<String>()
                        )),
                        Content::Rich(runs) => {
                            let mut p = String::new();
                            for run in runs {
                                let s = if run.bold {
                                    Some("T1")
                                } else if run.strike {
                                    Some("T2")
                                } else if run.highlight {
                                    Some("T3")
                                } else {
                                    None
                                };
                                match s {
                                    Some(s) => p.push_str(&format!(
                                        r#"<text:span text:style-name="{s}">{}</text:span>"#,
                                        esc(&run.text)
                                    )),
                                    None => p.push_str(&esc(&run.text)),
                                }
                            }
                            body.push_str(&format!(
                                r#"<table:table-cell{st} office:value-type="string"><text:p>{p}</text:p></table:table-cell>"#
                            ));
                        }
                        Content::Number { value, shown, .. } => body.push_str(&format!(
                            r#"<table:table-cell{st} office:value-type="float" office:value="{value}"><text:p>{}</text:p></table:table-cell>"#,
                            esc(shown)
                        )),
                        Content::Time { value, shown, .. } => {
                            let secs = (value * 86_400.0).round() as u32;
                            body.push_str(&format!(
                                r#"<table:table-cell{st} office:value-type="time" office:time-value="PT{:02}H{:02}M{:02}S"><text:p>{}</text:p></table:table-cell>"#,
                                secs / 3600,
                                secs / 60 % 60,
                                secs % 60,
                                esc(shown)
                            ))
                        }
                    }
                    col = c + 1;
                }
                body.push_str("</table:table-row>");
            }
            body.push_str("</table:table>");
        }
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NS} office:version="1.3"><office:automatic-styles>{auto}</office:automatic-styles><office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>"#
        );
        odf_package("application/vnd.oasis.opendocument.spreadsheet", &content)
    }
}

fn parse_sheet(name: String, hidden: bool, xml: &str) -> Sheet {
    let mut cells = BTreeMap::new();
    let mut merges = Vec::new();
    let mut r = quick_xml::Reader::from_str(xml);
    let mut at: Option<(u32, u32)> = None;
    let mut text = String::new();
    let mut in_t = false;
    loop {
        match r.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => {
                let attr = |k: &str| e.try_get_attribute(k).unwrap().map(|a| a.value.to_string());
                match e.local_name().as_ref() {
                    "c" => {
                        at = attr("r").map(|x| cell_ref(&x));
                        text.clear();
                    }
                    "t" => in_t = true,
                    "mergeCell" => {
                        let rf = attr("ref").unwrap();
                        let (a, b) = rf.split_once(':').unwrap();
                        let (r0, c0) = cell_ref(a);
                        let (r1, c1) = cell_ref(b);
                        merges.push((r0, c0, r1, c1));
                    }
                    _ => {}
                }
            }
            Event::Text(t) if in_t => {
                text.push_str(&t.xml10_content());
            }
            Event::GeneralRef(g) if in_t => {
                if let Some(c) = g.resolve_char_ref().unwrap() {
                    text.push(c);
                } else {
                    text.push_str(match &*g {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        _ => "'",
                    });
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_t = false,
                "c" => {
                    if let Some(p) = at.take()
                        && !text.is_empty()
                    {
                        cells.insert(p, SCell::text(&text));
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Sheet {
        name,
        hidden,
        cells,
        merges,
    }
}

/// A plain text cell.
pub fn text(t: &str) -> SCell {
    SCell::text(t)
}

/// A text cell with a look.
pub fn styled(t: &str, bold: bool, strike: bool, fill: bool) -> SCell {
    SCell {
        bold,
        strike,
        fill,
        ..SCell::text(t)
    }
}

/// A rich-text cell.
pub fn rich(runs: Vec<Run>) -> SCell {
    SCell {
        content: Content::Rich(runs),
        bold: false,
        strike: false,
        fill: false,
    }
}

/// A number cell with a format and what the format shows.
pub fn number(value: f64, format: &'static str, shown: &str) -> SCell {
    SCell {
        content: Content::Number {
            value,
            format,
            shown: shown.to_string(),
        },
        bold: false,
        strike: false,
        fill: false,
    }
}

/// A time-of-day cell (hours, minutes) formatted `hh:mm`.
pub fn time(h: u32, m: u32) -> SCell {
    SCell {
        content: Content::Time {
            value: (f64::from(h) * 60.0 + f64::from(m)) / 1440.0,
            format: "hh:mm",
            shown: format!("{h:02}:{m:02}"),
        },
        bold: false,
        strike: false,
        fill: false,
    }
}

/// A filled Word form's common answers (so habits are tried on a form that
/// is otherwise filled plainly).
pub fn filled_doc(d: Doc) -> Doc {
    d.fill(
        "Nom de la collectivité ou de la structure",
        "Ville de Grenoble",
    )
    .fill("Nom", "Martin")
    .fill("Courriel", "ri@grenoble.fr")
}

/// A filled Excel form's common answers.
pub fn filled_book(b: Book) -> Book {
    b.fill(
        "Nom de la collectivité ou de la structure",
        "Ville de Grenoble",
    )
    .fill("Nom", "Martin")
    .fill("Courriel", "ri@grenoble.fr")
}

/// A set of filled forms, one or more per habit, in every format where the
/// habit exists: what the walk over all test fiches reads besides the
/// fixtures.
pub fn variants() -> Vec<(String, Vec<u8>)> {
    let mut docs: Vec<(&str, Doc)> = vec![
        ("plain", filled_doc(Doc::micro()).fill("Pays", "France")),
        (
            "inline",
            filled_doc(Doc::micro()).fill_inline("Pays", " : ", "Niger"),
        ),
        (
            "new-row",
            filled_doc(Doc::bourse()).answer_in_new_row("Description de la demande", "Un centre."),
        ),
        ("vertical", filled_doc(Doc::micro()).vertical()),
        (
            "paragraphs",
            filled_doc(Doc::bourse()).rebuilt_as_paragraphs(),
        ),
        (
            "bold-option",
            filled_doc(Doc::micro())
                .style_option("Membre de Cités Unies France", "Non", |r| r.bold = true),
        ),
        (
            "struck-options",
            filled_doc(Doc::micro()).strike_others("Format de la présentation", "Film"),
        ),
        (
            "stamp",
            Doc::micro().add_paragraph("Validé par le service RI"),
        ),
        (
            "comment-only",
            Doc::bourse().add_paragraph("Nous viendrons à deux."),
        ),
        (
            "two-forms",
            filled_doc(Doc::micro()).then(filled_doc(Doc::micro())),
        ),
        (
            "only-paragraph-answers",
            Doc::micro()
                .rebuilt_as_paragraphs()
                .add_paragraph("Réponses : Ville de Pau, France, contact M. Durand"),
        ),
    ];
    let mut out = Vec::new();
    for (name, d) in docs.drain(..) {
        out.push((format!("{name}.docx"), d.docx()));
        out.push((format!("{name}.odt"), d.odt()));
    }
    let books: Vec<(&str, Book)> = vec![
        ("plain", filled_book(Book::bourse()).fill("Pays", "Mali")),
        (
            "phone-number",
            filled_book(Book::micro()).fill_with(
                "Téléphone",
                number(594282828.0, "00 00 00 00 00", "05 94 28 28 28"),
            ),
        ),
        (
            "slot-time",
            filled_book(Book::micro()).fill_with("Créneau horaire souhaité", time(14, 20)),
        ),
        ("vertical", filled_book(Book::micro()).vertical()),
        (
            "blank-copy-first",
            filled_book(Book::micro()).blank_copy_first(Book::micro(), true),
        ),
        (
            "note-beside",
            Book::micro().put("Pays", 0, 5, text("Validé par le service RI")),
        ),
        (
            "two-sheets",
            filled_book(Book::micro()).and_sheet(filled_book(Book::micro()), "Fiche 2"),
        ),
    ];
    for (name, b) in books {
        out.push((format!("{name}.xlsx"), b.xlsx()));
        out.push((format!("{name}.ods"), b.ods()));
    }
    out
}
