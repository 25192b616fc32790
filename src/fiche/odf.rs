//! ODF readers (LibreOffice, OpenOffice): `content.xml` of an ODT into one
//! `Grid` (`read_text`), and of an ODS into one `Grid` per sheet
//! (`read_sheets`).
//!
//! Text inside paragraphs follows the ODF white-space rule (runs of spaces,
//! tabs and newlines in the XML collapse to one space; `text:s`, `text:tab`
//! and `text:line-break` give literal spaces, `\t` and `\n`). `text:span`,
//! `text:a` and the like are read through. `text:tracked-changes` (which
//! holds deleted text; insertions are inline) and `office:annotation`
//! (comments) are skipped.
//!
//! ODT tables give rows like DOCX (see `flow`). ODS cells give their
//! displayed text (`text:p` joined by `\n`), so phone numbers, dates and
//! times stay as shown; the typed value (`office:value-type`) is kept
//! beside it. How text looks (bold, italic, underline, strike-through,
//! highlight, colour) comes from the automatic styles of paragraphs, spans
//! and cells (`office:automatic-styles`). Repeated rows and cells (`number-rows-repeated`,
//! `number-columns-repeated`) cost nothing when empty and are never expanded
//! into memory; non-empty ones are repeated up to `max_rows` × `max_cols`.
//! Sheet rows lose their trailing empty cells, and trailing empty rows are
//! dropped; empty cells and rows between non-empty ones are kept as `""` and
//! empty rows, so positions hold.

use std::collections::HashMap;

use super::flow::Flow;
use super::limits::Limits;
use super::model::{Cell, FicheError, Grid, Look, Row, Typed};
use super::xml::{Ns, Tag, XmlEvent, XmlReader};
use super::zipsafe::SafeZip;

/// Spaces one `text:s` may stand for (the ODF count is unbounded).
const MAX_SPACES: u32 = 1_000;

/// Reads `content.xml` (found ignoring case) from an ODF package.
fn content_xml(zip: &mut SafeZip<'_>) -> Result<(String, Vec<u8>), FicheError> {
    let name = zip
        .find("content.xml")
        .ok_or_else(|| {
            FicheError::corrupt("document OpenDocument sans contenu (content.xml absent)")
        })?
        .to_string();
    let bytes = zip.read(&name)?;
    Ok((name, bytes))
}

/// Whether this element's content is never document text.
fn is_skipped(tag: &Tag<'_>) -> bool {
    match tag.ns {
        Ns::Office => matches!(
            tag.local(),
            "annotation" | "font-face-decls" | "scripts" | "forms" | "event-listeners"
        ),
        Ns::Text => matches!(
            tag.local(),
            "tracked-changes"
                | "sequence-decls"
                | "variable-decls"
                | "user-field-decls"
                | "dde-connection-decls"
                | "note-citation"
        ),
        Ns::Table => matches!(
            tag.local(),
            "table-column"
                | "table-columns"
                | "table-header-columns"
                | "table-column-group"
                | "content-validations"
                | "named-expressions"
                | "database-ranges"
                | "calculation-settings"
                | "dde-links"
                | "label-ranges"
                | "tracked-changes"
        ),
        Ns::Svg => matches!(tag.local(), "title" | "desc"),
        _ => false,
    }
}

/// A positive repeat count from an attribute (1 when absent or invalid).
fn repeat(tag: &Tag<'_>, attr: &str) -> u32 {
    tag.attr(attr)
        .and_then(|v| v.trim().parse::<u32>().ok())
        .unwrap_or(1)
        .max(1)
}

/// Paragraph text with the ODF white-space rule.
#[derive(Default)]
struct Collapse {
    /// True at a paragraph start and after a collapsed space: the next
    /// white-space character of character data is dropped.
    pending_space: bool,
}

impl Collapse {
    fn start(&mut self) {
        self.pending_space = true;
    }

    /// Character data → displayed text.
    fn text(&mut self, raw: &str) -> String {
        let mut out = String::with_capacity(raw.len());
        for c in raw.chars() {
            if matches!(c, ' ' | '\t' | '\n' | '\r') {
                if !self.pending_space {
                    out.push(' ');
                    self.pending_space = true;
                }
            } else {
                out.push(c);
                self.pending_space = false;
            }
        }
        out
    }

    /// A `text:s`, `text:tab` or `text:line-break`: literal, and it ends
    /// any white-space run.
    fn literal(&mut self) {
        self.pending_space = false;
    }
}

/// The literal text of a `text:s` / `text:tab` / `text:line-break`.
fn special(tag: &Tag<'_>) -> Option<String> {
    if tag.ns != Ns::Text {
        return None;
    }
    match tag.local() {
        "s" => Some(" ".repeat(repeat(tag, "c").min(MAX_SPACES) as usize)),
        "tab" => Some("\t".into()),
        "line-break" => Some("\n".into()),
        _ => None,
    }
}

/// Reads an ODT (the body of `content.xml`) into a `Grid`.
pub fn read_text(zip: &mut SafeZip<'_>, limits: &Limits) -> Result<Grid, FicheError> {
    let (name, bytes) = content_xml(zip)?;
    read_text_xml(&bytes, &name, limits)
}

/// The note left when tracked changes were read as accepted.
pub(crate) const TRACKED_CHANGES_NOTE: &str =
    "le document contient des modifications suivies : elles sont lues comme acceptées";

/// Form checkboxes met in `office:forms` are looked up by id; bounded.
const MAX_FORM_CONTROLS: usize = 10_000;

/// Automatic styles kept, at most (a document has a few hundred).
const MAX_STYLES: usize = 20_000;

/// Reads `office:forms` (just started): the checked state of each
/// `form:checkbox`, by id, for the `draw:control` that shows it.
fn read_forms(
    xml: &mut XmlReader<'_>,
    checkboxes: &mut HashMap<String, bool>,
) -> Result<(), FicheError> {
    let target = xml.depth().saturating_sub(1);
    loop {
        match xml.next_event()? {
            XmlEvent::Start(tag) | XmlEvent::Empty(tag) if tag.is(Ns::Form, "checkbox") => {
                let state = tag.attr("current-state").or_else(|| tag.attr("state"));
                if let Some(id) = tag.attr("id")
                    && checkboxes.len() < MAX_FORM_CONTROLS
                {
                    checkboxes.insert(id, state.as_deref() == Some("checked"));
                }
            }
            XmlEvent::End(_) if xml.depth() == target => return Ok(()),
            XmlEvent::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// An ODF colour (`#rrggbb`) other than black, white or transparent.
fn odf_colour(v: Option<String>) -> u32 {
    let Some(v) = v else { return 0 };
    let Some(hex) = v.trim().strip_prefix('#') else {
        return 0;
    };
    match u32::from_str_radix(hex, 16) {
        Ok(0) | Ok(0xFF_FFFF) | Err(_) => 0,
        Ok(rgb) => rgb & 0xFF_FFFF,
    }
}

/// The look a `style:text-properties` or `style:table-cell-properties`
/// element gives, laid over `look`.
fn properties_look(tag: &Tag<'_>, mut look: Look) -> Look {
    let none = |v: Option<String>| v.is_none_or(|v| matches!(v.trim(), "none" | ""));
    if let Some(w) = tag.attr("font-weight") {
        look.bold = matches!(w.trim(), "bold" | "600" | "700" | "800" | "900");
    }
    if let Some(s) = tag.attr("font-style") {
        look.italic = matches!(s.trim(), "italic" | "oblique");
    }
    if tag.attr("text-underline-style").is_some() {
        look.underline = !none(tag.attr("text-underline-style"));
    }
    if tag.attr("text-line-through-style").is_some() {
        look.strike = !none(tag.attr("text-line-through-style"));
    }
    if let Some(bg) = tag.attr("background-color") {
        look.highlight = odf_colour(Some(bg)) != 0;
    }
    if tag.attr("color").is_some() {
        look.color = odf_colour(tag.attr("color"));
    }
    look
}

/// Reads `office:automatic-styles` (just started): the look of each named
/// style (text, paragraph and cell families alike; names are unique).
fn read_styles(
    xml: &mut XmlReader<'_>,
    styles: &mut HashMap<String, Look>,
) -> Result<(), FicheError> {
    let target = xml.depth().saturating_sub(1);
    let mut current: Option<(String, Look)> = None;
    loop {
        match xml.next_event()? {
            XmlEvent::Start(tag) | XmlEvent::Empty(tag) if tag.ns == Ns::Style => {
                match tag.local() {
                    "style" => {
                        if let Some((name, look)) = current.take() {
                            insert_style(styles, name, look);
                        }
                        if let Some(name) = tag.attr("name") {
                            let parent = tag
                                .attr("parent-style-name")
                                .and_then(|p| styles.get(&p).copied())
                                .unwrap_or_default();
                            current = Some((name, parent));
                        }
                    }
                    "text-properties" | "table-cell-properties" | "paragraph-properties" => {
                        if let Some((_, look)) = current.as_mut() {
                            if tag.local() == "paragraph-properties" {
                                // Paragraph shading is the form's, not an answer's.
                                continue;
                            }
                            *look = properties_look(&tag, *look);
                        }
                    }
                    _ => {}
                }
            }
            XmlEvent::End(tag) if tag.is(Ns::Style, "style") => {
                if let Some((name, look)) = current.take() {
                    insert_style(styles, name, look);
                }
            }
            XmlEvent::End(_) if xml.depth() == target => return Ok(()),
            XmlEvent::Eof => return Ok(()),
            _ => {}
        }
    }
}

fn insert_style(styles: &mut HashMap<String, Look>, name: String, look: Look) {
    if styles.len() < MAX_STYLES && !look.is_plain() {
        styles.insert(name, look);
    }
}

fn style_look(tag: &Tag<'_>, styles: &HashMap<String, Look>) -> Look {
    if styles.is_empty() {
        return Look::default();
    }
    tag.attr("style-name")
        .and_then(|n| styles.get(&n).copied())
        .unwrap_or_default()
}

/// A Word legacy checkbox kept by LibreOffice as a fieldmark.
fn is_checkbox_fieldmark(tag: &Tag<'_>) -> bool {
    tag.ns == Ns::Field
        && matches!(tag.local(), "fieldmark" | "fieldmark-start")
        && tag
            .attr("type")
            .is_some_and(|t| t.ends_with("FORMCHECKBOX"))
}

fn glyph(checked: bool) -> &'static str {
    if checked { "☒" } else { "☐" }
}

/// Parses an ODF `content.xml` as a text document.
pub fn read_text_xml(bytes: &[u8], part: &str, limits: &Limits) -> Result<Grid, FicheError> {
    let mut xml = XmlReader::new(bytes, part, limits);
    let mut flow = Flow::with_covered_cells(limits.max_cols, limits.max_rows);
    let mut ws = Collapse::default();
    let mut notes: Vec<String> = Vec::new();
    let mut checkboxes: HashMap<String, bool> = HashMap::new();
    let mut styles: HashMap<String, Look> = HashMap::new();
    // Looks of the open paragraphs and spans, innermost last.
    let mut looks: Vec<Look> = Vec::new();
    // The checkbox fieldmark being read, and its state so far.
    let mut fieldmark: Option<bool> = None;

    loop {
        let event = xml.next_event()?;
        let look = looks.last().copied().unwrap_or_default();
        match event {
            XmlEvent::Start(ref tag) | XmlEvent::Empty(ref tag) => {
                let empty = matches!(event, XmlEvent::Empty(_));
                if !empty && tag.is(Ns::Office, "forms") {
                    read_forms(&mut xml, &mut checkboxes)?;
                    continue;
                }
                if !empty && tag.is(Ns::Office, "automatic-styles") {
                    read_styles(&mut xml, &mut styles)?;
                    continue;
                }
                if !empty && tag.is(Ns::Text, "tracked-changes") && notes.is_empty() {
                    notes.push(TRACKED_CHANGES_NOTE.to_string());
                }
                if !empty && is_skipped(tag) {
                    xml.skip_element()?;
                    continue;
                }
                match (tag.ns, tag.local()) {
                    (Ns::Text, "p" | "h") => {
                        xml.charge_chars(1)?;
                        flow.open_para();
                        ws.start();
                        if empty {
                            flow.close_para();
                        } else {
                            looks.push(look.over(style_look(tag, &styles)));
                        }
                    }
                    (Ns::Text, "span" | "a") if !empty => {
                        looks.push(look.over(style_look(tag, &styles)));
                    }
                    (Ns::Table, "table") if !empty => flow.open_table(),
                    (Ns::Table, "table-row") => {
                        xml.charge_chars(1)?;
                        flow.open_row(repeat(tag, "number-rows-repeated"));
                        if empty {
                            flow.close_row();
                        }
                    }
                    (Ns::Table, "table-cell") => {
                        xml.charge_chars(1)?;
                        flow.open_cell(
                            repeat(tag, "number-columns-repeated"),
                            repeat(tag, "number-columns-spanned"),
                            style_look(tag, &styles),
                        );
                        if empty {
                            flow.close_cell();
                        }
                    }
                    (Ns::Table, "covered-table-cell") => {
                        xml.charge_chars(1)?;
                        flow.empty_cells(repeat(tag, "number-columns-repeated"));
                        if !empty {
                            xml.skip_element()?;
                        }
                    }
                    (Ns::Field, "param") => {
                        if let Some(state) = fieldmark.as_mut()
                            && tag.attr("name").as_deref() == Some("Checkbox_Checked")
                        {
                            *state = tag.attr("value").is_some_and(|v| v.trim() == "true");
                        }
                    }
                    (Ns::Draw, "control") => {
                        if let Some(&checked) =
                            tag.attr("control").and_then(|id| checkboxes.get(&id))
                        {
                            xml.charge_chars(1)?;
                            flow.push_text(glyph(checked), look);
                            ws.literal();
                        }
                    }
                    _ if is_checkbox_fieldmark(tag) => {
                        if empty {
                            xml.charge_chars(1)?;
                            flow.push_text(glyph(false), look);
                            ws.literal();
                        } else {
                            fieldmark = Some(false);
                        }
                    }
                    _ => {
                        if let Some(s) = special(tag).filter(|_| flow.in_para()) {
                            xml.charge(&s)?;
                            flow.push_text(&s, look);
                            ws.literal();
                        }
                    }
                }
            }
            XmlEvent::End(tag) => match (tag.ns, tag.local()) {
                (Ns::Text, "p" | "h") => {
                    looks.pop();
                    flow.close_para();
                }
                (Ns::Text, "span" | "a") => {
                    looks.pop();
                }
                (Ns::Table, "table") => flow.close_table(),
                (Ns::Table, "table-row") => flow.close_row(),
                (Ns::Table, "table-cell") => flow.close_cell(),
                (Ns::Field, "fieldmark" | "fieldmark-start") => {
                    if let Some(checked) = fieldmark.take() {
                        xml.charge_chars(1)?;
                        flow.push_text(glyph(checked), look);
                        ws.literal();
                    }
                }
                _ => {}
            },
            XmlEvent::Text(raw) => {
                if flow.in_para() {
                    let text = ws.text(&raw);
                    xml.charge(&text)?;
                    flow.push_text(&text, look);
                }
            }
            XmlEvent::Eof => break,
        }
    }
    let (rows, flow_notes) = flow.finish();
    notes.extend(flow_notes);
    Ok(Grid {
        name: "document".to_string(),
        rows,
        hidden: false,
        notes,
    })
}

/// Reads an ODS into one `Grid` per sheet (at most `max_sheets`).
pub fn read_sheets(zip: &mut SafeZip<'_>, limits: &Limits) -> Result<Vec<Grid>, FicheError> {
    let (name, bytes) = content_xml(zip)?;
    read_sheets_xml(&bytes, &name, limits)
}

/// The cell being read.
struct OpenCell {
    /// Text and looks of the paragraphs read so far.
    text: String,
    spans: Vec<super::model::Span>,
    paras: u32,
    /// How deep `text:p` elements are nested (0: between paragraphs).
    para_depth: u32,
    repeat: u32,
    width: u32,
    look: Look,
    /// Typed value, used when the cell shows no text.
    value: Option<String>,
    typed: Typed,
    /// Looks of open spans inside the paragraph.
    looks: Vec<Look>,
}

impl OpenCell {
    fn push(&mut self, s: &str) {
        let look = self.looks.last().copied().unwrap_or_default();
        let start = self.text.len() as u32;
        self.text.push_str(s);
        if !look.is_plain() {
            let end = self.text.len() as u32;
            match self.spans.last_mut() {
                Some(l) if l.end == start && l.look == look => l.end = end,
                _ => self.spans.push(super::model::Span { start, end, look }),
            }
        }
    }
}

/// One sheet being read.
struct Sheet {
    grid: Grid,
    /// Index of the next row (repeats counted), and of the next cell in it.
    row_index: u64,
    col_index: u64,
    row: Vec<Cell>,
    row_repeat: u32,
    in_row: bool,
    cell: Option<OpenCell>,
    dropped_rows: bool,
    dropped_cols: bool,
}

impl Sheet {
    fn new(name: String, hidden: bool) -> Sheet {
        Sheet {
            grid: Grid {
                name,
                rows: Vec::new(),
                hidden,
                notes: Vec::new(),
            },
            row_index: 0,
            col_index: 0,
            row: Vec::new(),
            row_repeat: 1,
            in_row: false,
            cell: None,
            dropped_rows: false,
            dropped_cols: false,
        }
    }

    /// Places `cell` in `n` consecutive positions of the current row. Empty
    /// cells only move the column index.
    fn place_cells(
        &mut self,
        cell: Cell,
        n: u32,
        limits: &Limits,
        xml: &mut XmlReader<'_>,
        cells: &mut usize,
    ) -> Result<(), FicheError> {
        let step = u64::from(cell.width.max(1));
        if cell.text.is_empty() {
            self.col_index = self.col_index.saturating_add(u64::from(n) * step);
            return Ok(());
        }
        let max_cols = u64::from(limits.max_cols);
        for i in 0..n {
            if self.col_index >= max_cols {
                if !self.dropped_cols {
                    self.dropped_cols = true;
                    self.grid.notes.push(format!(
                        "des cellules au-delà de la colonne {} sont ignorées",
                        limits.max_cols
                    ));
                }
                self.col_index = self.col_index.saturating_add(u64::from(n - i) * step);
                return Ok(());
            }
            if i > 0 {
                xml.charge(&cell.text)?;
                count_cell(cells, limits)?;
            }
            let mut c = cell.clone();
            c.col = self.col_index as u32;
            self.row.push(c);
            self.col_index += step;
        }
        Ok(())
    }

    /// Ends the current row: non-empty rows are stored (`row_repeat` times,
    /// bounded), empty ones only move the row index.
    fn end_row(
        &mut self,
        limits: &Limits,
        xml: &mut XmlReader<'_>,
        cells: &mut usize,
    ) -> Result<(), FicheError> {
        self.in_row = false;
        self.col_index = 0;
        let row = std::mem::take(&mut self.row);
        let n = self.row_repeat;
        if row.is_empty() {
            self.row_index = self.row_index.saturating_add(u64::from(n));
            return Ok(());
        }
        let max_rows = u64::from(limits.max_rows);
        for i in 0..n {
            if self.row_index >= max_rows {
                if !self.dropped_rows {
                    self.dropped_rows = true;
                    self.grid.notes.push(format!(
                        "les lignes au-delà de la ligne {} sont ignorées",
                        limits.max_rows
                    ));
                }
                return Ok(());
            }
            if i > 0 {
                for c in &row {
                    xml.charge(&c.text)?;
                    count_cell(cells, limits)?;
                }
            }
            self.grid.rows.push(Row {
                cells: row.clone(),
                table: 1,
                line: self.row_index as u32,
            });
            self.row_index += 1;
        }
        Ok(())
    }
}

fn count_cell(cells: &mut usize, limits: &Limits) -> Result<(), FicheError> {
    *cells += 1;
    if *cells > limits.max_cells {
        return Err(FicheError::too_large(format!(
            "le classeur compte plus de {} cellules",
            limits.max_cells
        )));
    }
    Ok(())
}

/// The typed value of a cell (`office:value`, `office:date-value`, …) as
/// text, and what type it is.
fn typed_value(tag: &Tag<'_>) -> (Option<String>, Typed) {
    let value_type = tag.attr("value-type").unwrap_or_default();
    let number = |a: &str| tag.attr(a).and_then(|v| v.trim().parse::<f64>().ok());
    let typed = match value_type.as_str() {
        "float" | "percentage" | "currency" => number("value").map_or(Typed::Text, Typed::Number),
        "date" => Typed::Date(0.0),
        "time" => Typed::Time(0.0),
        "boolean" => Typed::Bool,
        _ => Typed::Text,
    };
    let text = [
        "string-value",
        "value",
        "date-value",
        "time-value",
        "boolean-value",
    ]
    .iter()
    .find_map(|a| tag.attr(a))
    .filter(|v| !v.is_empty());
    (text, typed)
}

/// Parses an ODF `content.xml` as a spreadsheet.
pub fn read_sheets_xml(bytes: &[u8], part: &str, limits: &Limits) -> Result<Vec<Grid>, FicheError> {
    let mut xml = XmlReader::new(bytes, part, limits);
    let mut sheets: Vec<Grid> = Vec::new();
    let mut sheet: Option<Sheet> = None;
    let mut ws = Collapse::default();
    let mut cells = 0usize;
    let mut skipped_sheets = false;
    let mut styles: HashMap<String, Look> = HashMap::new();
    // Table styles that hide their sheet (`table:display="false"`).
    let mut hidden_styles: Vec<String> = Vec::new();

    loop {
        let event = xml.next_event()?;
        match event {
            XmlEvent::Start(ref tag) | XmlEvent::Empty(ref tag) => {
                let empty = matches!(event, XmlEvent::Empty(_));
                if !empty && tag.is(Ns::Office, "automatic-styles") {
                    read_sheet_styles(&mut xml, &mut styles, &mut hidden_styles)?;
                    continue;
                }
                let in_cell = sheet.as_ref().is_some_and(|s| s.cell.is_some());
                if !empty
                    && (is_skipped(tag)
                        || (in_cell && (tag.ns == Ns::Draw || tag.is(Ns::Table, "table"))))
                {
                    xml.skip_element()?;
                    continue;
                }
                match (tag.ns, tag.local()) {
                    (Ns::Table, "table") => {
                        if sheets.len() + usize::from(sheet.is_some()) >= limits.max_sheets {
                            skipped_sheets = true;
                            if !empty {
                                xml.skip_element()?;
                            }
                            continue;
                        }
                        let name = tag
                            .attr("name")
                            .unwrap_or_else(|| format!("Feuille {}", sheets.len() + 1));
                        let hidden = tag
                            .attr("style-name")
                            .is_some_and(|s| hidden_styles.contains(&s));
                        if let Some(done) = sheet.take() {
                            sheets.push(done.grid);
                        }
                        if empty {
                            sheets.push(Sheet::new(name, hidden).grid);
                        } else {
                            sheet = Some(Sheet::new(name, hidden));
                        }
                    }
                    (Ns::Table, "table-row") => {
                        if let Some(s) = sheet.as_mut() {
                            xml.charge_chars(1)?;
                            s.row_repeat = repeat(tag, "number-rows-repeated");
                            s.in_row = true;
                            s.col_index = 0;
                            s.row.clear();
                            if empty {
                                s.end_row(limits, &mut xml, &mut cells)?;
                            }
                        }
                    }
                    (Ns::Table, "table-cell" | "covered-table-cell") => {
                        if let Some(s) = sheet.as_mut().filter(|s| s.in_row) {
                            count_cell(&mut cells, limits)?;
                            let n = repeat(tag, "number-columns-repeated");
                            let covered = tag.local() == "covered-table-cell";
                            let (value, typed) = typed_value(tag);
                            if empty || covered {
                                let text = if covered { None } else { value };
                                let cell = Cell {
                                    text: text.unwrap_or_default(),
                                    width: 1,
                                    typed,
                                    look: style_look(tag, &styles),
                                    ..Cell::default()
                                };
                                s.place_cells(cell, n, limits, &mut xml, &mut cells)?;
                                if !empty {
                                    xml.skip_element()?;
                                }
                            } else {
                                s.cell = Some(OpenCell {
                                    text: String::new(),
                                    spans: Vec::new(),
                                    paras: 0,
                                    para_depth: 0,
                                    repeat: n,
                                    width: 1,
                                    look: style_look(tag, &styles),
                                    value,
                                    typed,
                                    looks: Vec::new(),
                                });
                            }
                        }
                    }
                    (Ns::Text, "p" | "h") => {
                        if let Some(cell) = sheet.as_mut().and_then(|s| s.cell.as_mut()) {
                            xml.charge_chars(1)?;
                            if cell.para_depth == 0 {
                                if cell.paras > 0 {
                                    cell.text.push('\n');
                                }
                                cell.paras += 1;
                                ws.start();
                            }
                            if !empty {
                                cell.para_depth += 1;
                                let base = cell.looks.last().copied().unwrap_or_default();
                                cell.looks.push(base.over(style_look(tag, &styles)));
                            }
                        }
                    }
                    (Ns::Text, "span" | "a") if !empty => {
                        if let Some(cell) = sheet.as_mut().and_then(|s| s.cell.as_mut())
                            && cell.para_depth > 0
                        {
                            let base = cell.looks.last().copied().unwrap_or_default();
                            cell.looks.push(base.over(style_look(tag, &styles)));
                        }
                    }
                    _ => {
                        let cell = sheet
                            .as_mut()
                            .and_then(|s| s.cell.as_mut())
                            .filter(|c| c.para_depth > 0);
                        if let (Some(cell), Some(s)) = (cell, special(tag)) {
                            xml.charge(&s)?;
                            cell.push(&s);
                            ws.literal();
                        }
                    }
                }
            }
            XmlEvent::End(tag) => match (tag.ns, tag.local()) {
                (Ns::Table, "table") => {
                    if let Some(done) = sheet.take() {
                        sheets.push(done.grid);
                    }
                }
                (Ns::Table, "table-row") => {
                    if let Some(s) = sheet.as_mut() {
                        s.end_row(limits, &mut xml, &mut cells)?;
                    }
                }
                (Ns::Table, "table-cell") => {
                    if let Some(s) = sheet.as_mut()
                        && let Some(open) = s.cell.take()
                    {
                        let mut cell = Cell {
                            col: 0,
                            width: open.width,
                            text: open.text,
                            spans: open.spans,
                            look: open.look,
                            typed: open.typed,
                        };
                        if open.paras == 0
                            && let Some(v) = open.value
                        {
                            xml.charge(&v)?;
                            cell.text = v;
                            cell.spans.clear();
                        }
                        s.place_cells(cell, open.repeat, limits, &mut xml, &mut cells)?;
                    }
                }
                (Ns::Text, "p" | "h") => {
                    if let Some(cell) = sheet.as_mut().and_then(|s| s.cell.as_mut())
                        && cell.para_depth > 0
                    {
                        cell.para_depth -= 1;
                        cell.looks.pop();
                    }
                }
                (Ns::Text, "span" | "a") => {
                    if let Some(cell) = sheet.as_mut().and_then(|s| s.cell.as_mut())
                        && cell.para_depth > 0
                    {
                        cell.looks.pop();
                    }
                }
                _ => {}
            },
            XmlEvent::Text(raw) => {
                if let Some(cell) = sheet.as_mut().and_then(|s| s.cell.as_mut())
                    && cell.para_depth > 0
                {
                    let text = ws.text(&raw);
                    xml.charge(&text)?;
                    cell.push(&text);
                }
            }
            XmlEvent::Eof => break,
        }
    }
    if let Some(done) = sheet.take() {
        sheets.push(done.grid);
    }
    if skipped_sheets && let Some(last) = sheets.last_mut() {
        last.notes.push(format!(
            "le classeur compte plus de {} feuilles : les suivantes sont ignorées",
            limits.max_sheets
        ));
    }
    Ok(sheets)
}

/// Automatic styles of a spreadsheet: looks of cell and text styles, and
/// the table styles that hide a sheet.
fn read_sheet_styles(
    xml: &mut XmlReader<'_>,
    styles: &mut HashMap<String, Look>,
    hidden: &mut Vec<String>,
) -> Result<(), FicheError> {
    let target = xml.depth().saturating_sub(1);
    let mut current: Option<(String, Look)> = None;
    loop {
        match xml.next_event()? {
            XmlEvent::Start(tag) | XmlEvent::Empty(tag) if tag.ns == Ns::Style => {
                match tag.local() {
                    "style" => {
                        if let Some((name, look)) = current.take() {
                            insert_style(styles, name, look);
                        }
                        current = tag.attr("name").map(|n| (n, Look::default()));
                    }
                    "text-properties" | "table-cell-properties" => {
                        if let Some((_, look)) = current.as_mut() {
                            *look = properties_look(&tag, *look);
                        }
                    }
                    "table-properties" => {
                        if let Some((name, _)) = current.as_ref()
                            && tag.attr("display").as_deref() == Some("false")
                            && hidden.len() < MAX_STYLES
                        {
                            hidden.push(name.clone());
                        }
                    }
                    _ => {}
                }
            }
            XmlEvent::End(tag) if tag.is(Ns::Style, "style") => {
                if let Some((name, look)) = current.take() {
                    insert_style(styles, name, look);
                }
            }
            XmlEvent::End(_) if xml.depth() == target => return Ok(()),
            XmlEvent::Eof => return Ok(()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fiche::test_support::fixture;
    use std::io::{Cursor, Write};
    use zip::write::SimpleFileOptions;

    const NS: &str = r#"xmlns:form="urn:oasis:names:tc:opendocument:xmlns:form:1.0" xmlns:field="urn:openoffice:names:experimental:ooo-ms-interop:xmlns:field:1.0" xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/""#;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    fn value_of<'g>(grid: &'g Grid, label: &str) -> Option<&'g str> {
        grid.rows
            .iter()
            .find(|r| r.cells.first().map(|c| c.text.as_str()) == Some(label))
            .and_then(|r| r.cells.get(1))
            .map(|c| c.text.as_str())
    }

    fn odf(mimetype: &str, body: &str) -> Vec<u8> {
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS} office:version="1.3"><office:body>{body}</office:body></office:document-content>"#
        );
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        w.start_file("mimetype", stored).unwrap();
        w.write_all(mimetype.as_bytes()).unwrap();
        w.start_file("content.xml", SimpleFileOptions::default())
            .unwrap();
        w.write_all(content.as_bytes()).unwrap();
        w.finish().unwrap().into_inner()
    }

    fn text_grid(body: &str) -> Grid {
        let bytes = odf(
            "application/vnd.oasis.opendocument.text",
            &format!("<office:text>{body}</office:text>"),
        );
        let mut zip = SafeZip::open(&bytes, &Limits::default()).unwrap();
        read_text(&mut zip, &Limits::default()).unwrap()
    }

    fn sheets(body: &str, limits: &Limits) -> Result<Vec<Grid>, FicheError> {
        let bytes = odf(
            "application/vnd.oasis.opendocument.spreadsheet",
            &format!("<office:spreadsheet>{body}</office:spreadsheet>"),
        );
        let mut zip = SafeZip::open(&bytes, limits)?;
        read_sheets(&mut zip, limits)
    }

    #[test]
    fn corpus_06_odt() {
        let bytes =
            fixture("corpus/fiches/06-fiche-bourse-aux-projets-region-nouvelle-aquitaine.odt");
        let mut zip = SafeZip::open(&bytes, &Limits::default()).unwrap();
        let g = read_text(&mut zip, &Limits::default()).unwrap();
        assert!(
            g.texts()
                .contains(&row(&["BOURSE AUX PROJETS : FICHE DE RENSEIGNEMENT"])),
            "{:#?}",
            g.rows
        );
        assert_eq!(
            value_of(&g, "Nom de la collectivité ou de la structure"),
            Some("Région Nouvelle-Aquitaine")
        );
        assert_eq!(value_of(&g, "Pays"), Some("France"));
        assert_eq!(
            value_of(&g, "Membre de Cités Unies France"),
            Some("Oui, adhérente depuis 2012")
        );
        assert!(
            value_of(&g, "Type de structure")
                .unwrap()
                .contains("☑ Région")
        );
        assert!(g.rows.iter().all(|r| r.cells.len() <= 2), "{:#?}", g.rows);
        assert!(g.notes.is_empty());
    }

    #[test]
    fn corpus_13_ods() {
        let bytes =
            fixture("corpus/fiches/13-fiche-micro-atelier-communaute-urbaine-de-dunkerque.ods");
        let mut zip = SafeZip::open(&bytes, &Limits::default()).unwrap();
        let grids = read_sheets(&mut zip, &Limits::default()).unwrap();
        let names: Vec<&str> = grids.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["Fiche", "Listes"]);
        let g = &grids[0];
        assert_eq!(
            g.texts()[0],
            row(&["MICRO-ATELIER : FICHE DE RENSEIGNEMENT"]),
            "{:#?}",
            g.rows
        );
        assert_eq!(value_of(g, "Téléphone"), Some("03 28 62 70 00"));
        assert!(
            value_of(g, "Nom de la collectivité ou de la structure")
                .unwrap()
                .contains("Dunkerque")
        );
        // 16 381 repeated empty cells per row and the repeated empty rows cost nothing.
        assert!(g.rows.iter().all(|r| r.cells.len() <= 3), "{:#?}", g.rows);
        assert!(g.rows.len() < 60);
        assert!(g.rows.last().is_some_and(|r| !r.is_empty()));
        assert!(g.notes.is_empty(), "{:?}", g.notes);
    }

    #[test]
    fn odt_inline_elements_and_skipped_parts() {
        let g = text_grid(
            r#"<text:tracked-changes><text:changed-region text:id="c1"><text:deletion><office:change-info><dc:creator>x</dc:creator></office:change-info><text:p>Mali</text:p></text:deletion></text:changed-region></text:tracked-changes>
               <text:p>Pays :<text:s/><text:change text:change-id="c1"/><text:span>Sé</text:span><text:a xlink:href="x" xmlns:xlink="http://www.w3.org/1999/xlink">né</text:a>gal<office:annotation><dc:creator>y</dc:creator><text:p>commentaire</text:p></office:annotation></text:p>
               <text:h>Titre<text:tab/>1<text:line-break/>suite</text:h>
               <text:p>  a
                  b <text:s text:c="3"/>c</text:p>
               <text:p/>
               <text:list><text:list-item><text:p>puce</text:p></text:list-item></text:list>"#,
        );
        assert_eq!(
            g.texts(),
            vec![
                row(&["Pays : Sénégal"]),
                row(&["Titre\t1\nsuite"]),
                row(&["a b    c"]),
                row(&["puce"])
            ]
        );
        assert_eq!(g.notes, vec![TRACKED_CHANGES_NOTE.to_string()]);
    }

    #[test]
    fn odt_checkboxes_from_word_fields_and_form_controls() {
        let cb = |v: &str| {
            format!(
                r#"<field:fieldmark text:name="Case" field:type="vnd.oasis.opendocument.field.FORMCHECKBOX"><field:param field:name="Checkbox_Checked" field:value="{v}"/></field:fieldmark>"#
            )
        };
        let g = text_grid(&format!(
            r#"<office:forms><form:form><form:checkbox form:id="control1" xml:id="control1" form:current-state="checked"/><form:checkbox form:id="control2"/></form:form></office:forms>
               <text:p>{} Oui {} Non</text:p>
               <text:p><draw:control draw:control="control1"/> Commune <draw:control draw:control="control2"/> Région <draw:control draw:control="inconnu"/></text:p>"#,
            cb("true"),
            cb("false")
        ));
        assert_eq!(
            g.texts(),
            vec![row(&["☒ Oui ☐ Non"]), row(&["☒ Commune ☐ Région "])]
        );
        assert!(g.notes.is_empty());
    }

    #[test]
    fn odt_tables_covered_and_nested() {
        let g = text_grid(
            r#"<table:table table:name="T"><table:table-column table:number-columns-repeated="3"/>
               <table:table-row><table:table-cell table:number-columns-spanned="2"><text:p>Titre</text:p></table:table-cell><table:covered-table-cell/><table:table-cell/></table:table-row>
               <table:table-row><table:table-cell><text:p>Nom</text:p></table:table-cell><table:table-cell><text:p>Diallo</text:p><text:p>Awa</text:p></table:table-cell>
                 <table:table-cell><table:table><table:table-row><table:table-cell><text:p>n</text:p></table:table-cell></table:table-row></table:table></table:table-cell></table:table-row>
               </table:table>"#,
        );
        assert_eq!(
            g.texts(),
            vec![row(&["Titre"]), row(&["Nom", "Diallo\nAwa"]), row(&["n"])]
        );
        // The merged title covers two columns; the next cells keep their place.
        assert_eq!(g.rows[0].cells[0].width, 2);
        assert_eq!(g.rows[1].cells[1].col, 1);
    }

    #[test]
    fn ods_repeats_trimming_and_positions() {
        let body = r#"<table:table table:name="Fiche">
              <table:table-column table:number-columns-repeated="16384"/>
              <table:table-row><table:table-cell office:value-type="string"><text:p>Nom</text:p></table:table-cell><table:table-cell table:number-columns-repeated="2"/><table:table-cell office:value-type="string"><text:p>Diallo</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16380"/></table:table-row>
              <table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
              <table:table-row><table:table-cell office:value-type="float" office:value="33328627000"><text:p>03 28 62 70 00</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="42"/><table:table-cell><text:p>a</text:p><text:p>b</text:p></table:table-cell></table:table-row>
              <table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="2"><text:p>x</text:p></table:table-cell></table:table-row>
              <table:table-row table:number-rows-repeated="1048560"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
            </table:table>
            <table:table table:name="Vide"><table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384"/></table:table-row></table:table>"#;
        let grids = sheets(body, &Limits::default()).unwrap();
        assert_eq!(grids.len(), 2);
        assert_eq!(grids[0].name, "Fiche");
        assert_eq!(
            grids[0].texts(),
            vec![
                row(&["Nom", "Diallo"]),
                row(&["03 28 62 70 00", "42", "a\nb"]),
                row(&["x", "x"]),
                row(&["x", "x"]),
                row(&["x", "x"]),
            ]
        );
        assert_eq!(
            grids[0].rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![0, 3, 4, 5, 6]
        );
        assert_eq!(grids[0].rows[0].cells[1].col, 3);
        assert_eq!(grids[1].name, "Vide");
        assert!(grids[1].rows.is_empty());
    }

    #[test]
    fn ods_bounds_rows_cols_cells_and_sheets() {
        let limits = Limits {
            max_rows: 3,
            max_cols: 2,
            max_sheets: 1,
            ..Limits::default()
        };
        let body = r#"<table:table table:name="A"><table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="1000000"><text:p>x</text:p></table:table-cell></table:table-row></table:table>
                      <table:table table:name="B"><table:table-row><table:table-cell><text:p>y</text:p></table:table-cell></table:table-row></table:table>"#;
        let grids = sheets(body, &limits).unwrap();
        assert_eq!(grids.len(), 1);
        assert_eq!(grids[0].texts(), vec![row(&["x", "x"]); 3]);
        assert_eq!(grids[0].notes.len(), 3, "{:?}", grids[0].notes);

        let limits = Limits {
            max_cells: 10,
            ..Limits::default()
        };
        let body = r#"<table:table table:name="A"><table:table-row table:number-rows-repeated="100"><table:table-cell table:number-columns-repeated="5"><text:p>x</text:p></table:table-cell></table:table-row></table:table>"#;
        assert_eq!(sheets(body, &limits).unwrap_err().code(), "too_large");
    }

    #[test]
    fn ods_skips_annotations_and_shapes_in_cells() {
        let body = r#"<table:table table:name="A"><table:table-row><table:table-cell><office:annotation><text:p>note</text:p></office:annotation><text:p>val<text:s text:c="2"/>eur</text:p><draw:frame><draw:text-box><text:p>forme</text:p></draw:text-box></draw:frame></table:table-cell></table:table-row></table:table>"#;
        let grids = sheets(body, &Limits::default()).unwrap();
        assert_eq!(grids[0].texts(), vec![row(&["val  eur"])]);
    }
}
