//! Word-processing flow → rows of cells, shared by the DOCX and ODT readers.
//!
//! The readers call `open_*`/`close_*` as tables, paragraphs, table rows and
//! cells start and end, and `push_text` for the text they keep, with its
//! look (bold, strike-through…). The rules:
//!
//! - a table row is one row, one `Cell` per non-empty cell, at its grid
//!   column (merged cells count for the columns they cover); a cell's text
//!   is its paragraphs joined with `\n` (empty paragraphs included, so the
//!   raw text is kept; the interpreter trims);
//! - a paragraph outside any table is a one-cell row of table 0 (empty ones
//!   dropped); rows of a table carry the table's number (1, 2, … in the
//!   order tables start);
//! - anything that would make a row while inside a paragraph, cell or row
//!   (a nested table's rows, a text box's paragraphs) is deferred and emitted
//!   right after the enclosing row or paragraph, so no text is lost and the
//!   reading order stays close to what is printed;
//! - cells past `max_cols` in a row, and rows past `max_rows`, are dropped
//!   (with a note).

use super::model::{Cell, Look, Row, Span};

/// Text with the looks of its stretches.
#[derive(Default)]
struct Styled {
    text: String,
    spans: Vec<Span>,
}

impl Styled {
    fn push(&mut self, s: &str, look: Look) {
        let start = self.text.len() as u32;
        self.text.push_str(s);
        let end = self.text.len() as u32;
        if look.is_plain() {
            return;
        }
        match self.spans.last_mut() {
            Some(last) if last.end == start && last.look == look => last.end = end,
            _ => self.spans.push(Span { start, end, look }),
        }
    }

    fn append(&mut self, other: Styled) {
        let shift = self.text.len() as u32;
        self.text.push_str(&other.text);
        self.spans.extend(other.spans.into_iter().map(|s| Span {
            start: s.start + shift,
            end: s.end + shift,
            look: s.look,
        }));
    }
}

/// One open paragraph, cell or row.
enum Kind {
    Para {
        text: Styled,
    },
    Cell {
        paras: Vec<Styled>,
        repeat: u32,
        width: u32,
        look: Look,
    },
    Row {
        cells: Vec<Cell>,
        repeat: u32,
        col: u32,
        table: u32,
    },
}

struct Frame {
    kind: Kind,
    deferred: Vec<Row>,
}

pub(crate) struct Flow {
    rows: Vec<Row>,
    frames: Vec<Frame>,
    tables: Vec<u32>,
    next_table: u32,
    max_cols: u32,
    max_rows: usize,
    notes: Vec<String>,
    dropped_cells: bool,
    dropped_rows: bool,
    /// ODF writes a covered cell for each column a merged cell covers, so
    /// there a cell moves the column by one, whatever its width.
    covered_cells: bool,
}

impl Flow {
    /// A flow for ODF, where merged cells are followed by covered cells.
    pub(crate) fn with_covered_cells(max_cols: u32, max_rows: u32) -> Flow {
        Flow {
            covered_cells: true,
            ..Flow::new(max_cols, max_rows)
        }
    }

    pub(crate) fn new(max_cols: u32, max_rows: u32) -> Flow {
        Flow {
            rows: Vec::new(),
            frames: Vec::new(),
            tables: Vec::new(),
            next_table: 0,
            max_cols,
            max_rows: max_rows as usize,
            notes: Vec::new(),
            dropped_cells: false,
            dropped_rows: false,
            covered_cells: false,
        }
    }

    fn open(&mut self, kind: Kind) {
        self.frames.push(Frame {
            kind,
            deferred: Vec::new(),
        });
    }

    pub(crate) fn open_table(&mut self) {
        self.next_table += 1;
        self.tables.push(self.next_table);
    }

    pub(crate) fn close_table(&mut self) {
        self.tables.pop();
    }

    pub(crate) fn open_para(&mut self) {
        self.open(Kind::Para {
            text: Styled::default(),
        });
    }

    /// `repeat` > 1 for ODF `number-columns-repeated`; `width` > 1 for a
    /// cell merged over several grid columns; `look` is the cell's shading.
    pub(crate) fn open_cell(&mut self, repeat: u32, width: u32, look: Look) {
        self.open(Kind::Cell {
            paras: Vec::new(),
            repeat: repeat.max(1),
            width: width.max(1),
            look,
        });
    }

    /// Sets the width (grid columns) and look of the innermost open cell,
    /// for formats that say them after the cell started (DOCX `w:tcPr`).
    pub(crate) fn set_cell(&mut self, columns: u32, cell_look: Look) {
        if let Some(Frame {
            kind: Kind::Cell { width, look, .. },
            ..
        }) = self.frames.last_mut()
        {
            *width = columns.max(1);
            *look = cell_look;
        }
    }

    /// `repeat` > 1 for ODF `number-rows-repeated`.
    pub(crate) fn open_row(&mut self, repeat: u32) {
        let table = self.tables.last().copied().unwrap_or_else(|| {
            // A row outside any table (malformed): a table of its own.
            self.next_table += 1;
            self.next_table
        });
        self.open(Kind::Row {
            cells: Vec::new(),
            repeat: repeat.max(1),
            col: 0,
            table,
        });
    }

    /// True when the innermost open frame is a paragraph.
    pub(crate) fn in_para(&self) -> bool {
        matches!(
            self.frames.last(),
            Some(Frame {
                kind: Kind::Para { .. },
                ..
            })
        )
    }

    /// Appends text to the innermost paragraph (or, for text found directly
    /// in a cell, to the cell's last paragraph).
    pub(crate) fn push_text(&mut self, s: &str, look: Look) {
        if s.is_empty() {
            return;
        }
        match self.frames.last_mut() {
            Some(Frame {
                kind: Kind::Para { text },
                ..
            }) => text.push(s, look),
            Some(Frame {
                kind: Kind::Cell { paras, .. },
                ..
            }) => {
                if paras.is_empty() {
                    paras.push(Styled::default());
                }
                if let Some(last) = paras.last_mut() {
                    last.push(s, look);
                }
            }
            Some(Frame {
                kind: Kind::Row { .. },
                ..
            }) => {}
            None => {
                let mut t = Styled::default();
                t.push(s, look);
                self.emit(para_row(t));
            }
        }
    }

    fn emit(&mut self, row: Row) {
        match self.frames.last_mut() {
            Some(frame) => frame.deferred.push(row),
            None => {
                if self.rows.len() < self.max_rows {
                    let mut row = row;
                    row.line = self.rows.len() as u32;
                    self.rows.push(row);
                } else if !self.dropped_rows {
                    self.dropped_rows = true;
                    self.notes.push(format!(
                        "le document compte plus de {} lignes : la suite est ignorée",
                        self.max_rows
                    ));
                }
            }
        }
    }

    fn emit_all(&mut self, rows: Vec<Row>) {
        for row in rows {
            self.emit(row);
        }
    }

    /// Adds `n` copies of a cell to the innermost row, bounded by `max_cols`.
    fn add_cells(&mut self, cell: Cell, n: u32) {
        let max_cols = self.max_cols;
        let step = if self.covered_cells {
            1
        } else {
            cell.width.max(1)
        };
        let mut dropped = false;
        if let Some(Frame {
            kind: Kind::Row { cells, col, .. },
            ..
        }) = self.frames.last_mut()
        {
            for _ in 0..n {
                if *col >= max_cols {
                    dropped = !cell.text.is_empty();
                    break;
                }
                if !cell.text.is_empty() {
                    let mut c = cell.clone();
                    c.col = *col;
                    cells.push(c);
                }
                *col = col.saturating_add(step);
            }
        }
        if dropped && !self.dropped_cells {
            self.dropped_cells = true;
            self.notes.push(format!(
                "un tableau compte plus de {} colonnes : les cellules suivantes sont ignorées",
                self.max_cols
            ));
        }
    }

    /// Empty cells (ODF covered cells, DOCX `gridBefore`), `n` columns.
    pub(crate) fn empty_cells(&mut self, n: u32) {
        if let Some(Frame {
            kind: Kind::Row { col, .. },
            ..
        }) = self.frames.last_mut()
        {
            *col = col.saturating_add(n.max(1));
        }
    }

    pub(crate) fn close_para(&mut self) {
        let Some(frame) = self.frames.pop() else {
            return;
        };
        match frame.kind {
            Kind::Para { text } => match self.frames.last_mut() {
                Some(Frame {
                    kind: Kind::Cell { paras, .. },
                    ..
                }) => paras.push(text),
                _ => {
                    if !text.text.is_empty() {
                        self.emit(para_row(text));
                    }
                }
            },
            other => self.close_other(other),
        }
        self.emit_all(frame.deferred);
    }

    pub(crate) fn close_cell(&mut self) {
        let Some(frame) = self.frames.pop() else {
            return;
        };
        match frame.kind {
            Kind::Cell {
                paras,
                repeat,
                width,
                look,
            } => {
                let text = join_paras(paras);
                let cell = Cell {
                    col: 0,
                    width,
                    text: text.text,
                    spans: text.spans,
                    look,
                    ..Cell::default()
                };
                if matches!(
                    self.frames.last(),
                    Some(Frame {
                        kind: Kind::Row { .. },
                        ..
                    })
                ) {
                    self.add_cells(cell, repeat);
                } else if !cell.text.is_empty() {
                    self.emit(Row {
                        cells: vec![cell],
                        table: 0,
                        line: 0,
                    });
                }
            }
            other => self.close_other(other),
        }
        self.emit_all(frame.deferred);
    }

    pub(crate) fn close_row(&mut self) {
        let Some(frame) = self.frames.pop() else {
            return;
        };
        match frame.kind {
            Kind::Row {
                cells,
                repeat,
                table,
                ..
            } => {
                let copies = if cells.is_empty() {
                    1
                } else {
                    (repeat as usize).min(self.max_rows)
                };
                let row = Row {
                    cells,
                    table,
                    line: 0,
                };
                for _ in 1..copies {
                    self.emit(row.clone());
                }
                self.emit(row);
            }
            other => self.close_other(other),
        }
        self.emit_all(frame.deferred);
    }

    /// A frame closed by the wrong call (cannot happen with well-formed XML
    /// and balanced calls): keep its text as a row.
    fn close_other(&mut self, kind: Kind) {
        let row = match kind {
            Kind::Para { text } => para_row(text),
            Kind::Cell { paras, .. } => para_row(join_paras(paras)),
            Kind::Row { cells, table, .. } => Row {
                cells,
                table,
                line: 0,
            },
        };
        if !row.is_empty() {
            self.emit(row);
        }
    }

    /// Closes whatever is still open and returns the rows and notes.
    pub(crate) fn finish(mut self) -> (Vec<Row>, Vec<String>) {
        while let Some(frame) = self.frames.last() {
            match frame.kind {
                Kind::Para { .. } => self.close_para(),
                Kind::Cell { .. } => self.close_cell(),
                Kind::Row { .. } => self.close_row(),
            }
        }
        (self.rows, self.notes)
    }
}

fn join_paras(paras: Vec<Styled>) -> Styled {
    let mut out = Styled::default();
    for (i, p) in paras.into_iter().enumerate() {
        if i > 0 {
            out.text.push('\n');
        }
        out.append(p);
    }
    out
}

fn para_row(text: Styled) -> Row {
    Row {
        cells: vec![Cell {
            col: 0,
            width: 1,
            text: text.text,
            spans: text.spans,
            ..Cell::default()
        }],
        table: 0,
        line: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(rows: &[Row]) -> Vec<Vec<(u32, String)>> {
        rows.iter()
            .map(|r| r.cells.iter().map(|c| (c.col, c.text.clone())).collect())
            .collect()
    }

    fn plain() -> Look {
        Look::default()
    }

    #[test]
    fn paragraphs_rows_and_nested_tables() {
        let mut f = Flow::new(64, 5000);
        f.open_para();
        f.push_text("Titre", plain());
        f.close_para();
        f.open_para();
        f.close_para(); // empty paragraph outside a table: dropped
        f.open_table();
        f.open_row(1);
        f.open_cell(1, 1, plain());
        f.open_para();
        f.push_text("Label", plain());
        f.close_para();
        f.close_cell();
        f.open_cell(1, 1, plain());
        f.open_para();
        f.push_text("a", plain());
        f.close_para();
        // nested table inside the second cell
        f.open_table();
        f.open_row(1);
        f.open_cell(1, 1, plain());
        f.open_para();
        f.push_text("n1", plain());
        f.close_para();
        f.close_cell();
        f.open_cell(1, 1, plain());
        f.close_cell();
        f.close_row();
        f.close_table();
        f.open_para();
        f.push_text("b", plain());
        f.close_para();
        f.close_cell();
        f.close_row();
        f.close_table();
        let (rows, notes) = f.finish();
        assert_eq!(
            texts(&rows),
            vec![
                vec![(0, "Titre".to_string())],
                vec![(0, "Label".to_string()), (1, "a\nb".to_string())],
                vec![(0, "n1".to_string())]
            ]
        );
        assert_eq!(
            rows.iter().map(|r| (r.table, r.line)).collect::<Vec<_>>(),
            vec![(0, 0), (1, 1), (2, 2)]
        );
        assert!(notes.is_empty());
    }

    #[test]
    fn looks_are_kept_as_spans_across_paragraphs() {
        let bold = Look {
            bold: true,
            ..Look::default()
        };
        let mut f = Flow::new(64, 5000);
        f.open_table();
        f.open_row(1);
        f.open_cell(1, 2, plain());
        f.open_para();
        f.push_text("☐ Oui", plain());
        f.close_para();
        f.open_para();
        f.push_text("☐ ", plain());
        f.push_text("No", bold);
        f.push_text("n", bold);
        f.close_para();
        f.close_cell();
        f.open_cell(1, 1, plain());
        f.open_para();
        f.push_text("x", plain());
        f.close_para();
        f.close_cell();
        f.close_row();
        let (rows, _) = f.finish();
        let c = &rows[0].cells[0];
        assert_eq!(c.text, "☐ Oui\n☐ Non");
        assert_eq!(c.width, 2);
        assert_eq!(
            c.spans,
            vec![Span {
                start: 12,
                end: 15,
                look: bold
            }]
        );
        assert_eq!(&c.text[12..15], "Non");
        assert_eq!(rows[0].cells[1].col, 2);
    }

    #[test]
    fn text_box_paragraph_inside_paragraph_is_deferred() {
        let mut f = Flow::new(64, 5000);
        f.open_para();
        f.push_text("avant ", plain());
        f.open_para();
        f.push_text("dans la zone de texte", plain());
        f.close_para();
        f.push_text("après", plain());
        f.close_para();
        let (rows, _) = f.finish();
        assert_eq!(
            texts(&rows),
            vec![
                vec![(0, "avant après".to_string())],
                vec![(0, "dans la zone de texte".to_string())]
            ]
        );
    }

    #[test]
    fn repeats_are_bounded() {
        let mut f = Flow::new(3, 4);
        f.open_table();
        f.open_row(1000);
        f.open_cell(1000, 1, plain());
        f.open_para();
        f.push_text("x", plain());
        f.close_para();
        f.close_cell();
        f.close_row();
        f.close_table();
        f.open_para();
        f.push_text("y", plain());
        f.close_para();
        let (rows, notes) = f.finish();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].cells.len(), 3);
        assert_eq!(notes.len(), 2, "{notes:?}");
    }
}
