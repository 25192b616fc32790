//! Word-processing flow → rows of cells, shared by the DOCX and ODT readers.
//!
//! The readers call `open_*`/`close_*` as paragraphs, table rows and cells
//! start and end, and `push_text` for the text they keep. The rules:
//!
//! - a table row is one row, one string per cell; a cell's text is its
//!   paragraphs joined with `\n` (empty paragraphs included, so the raw
//!   text is kept; the interpreter trims);
//! - a paragraph outside any table is a one-cell row (empty ones dropped);
//! - anything that would make a row while inside a paragraph, cell or row
//!   (a nested table's rows, a text box's paragraphs) is deferred and emitted
//!   right after the enclosing row or paragraph, so no text is lost and the
//!   reading order stays close to what is printed;
//! - cells past `max_cols` in a row, and rows past `max_rows`, are dropped
//!   (with a note).

/// One open paragraph, cell or row.
enum Kind {
    Para { text: String },
    Cell { paras: Vec<String>, repeat: u32 },
    Row { cells: Vec<String>, repeat: u32 },
}

struct Frame {
    kind: Kind,
    deferred: Vec<Vec<String>>,
}

pub(crate) struct Flow {
    rows: Vec<Vec<String>>,
    frames: Vec<Frame>,
    max_cols: usize,
    max_rows: usize,
    notes: Vec<String>,
    dropped_cells: bool,
    dropped_rows: bool,
}

impl Flow {
    pub(crate) fn new(max_cols: u32, max_rows: u32) -> Flow {
        Flow {
            rows: Vec::new(),
            frames: Vec::new(),
            max_cols: max_cols as usize,
            max_rows: max_rows as usize,
            notes: Vec::new(),
            dropped_cells: false,
            dropped_rows: false,
        }
    }

    fn open(&mut self, kind: Kind) {
        self.frames.push(Frame {
            kind,
            deferred: Vec::new(),
        });
    }

    pub(crate) fn open_para(&mut self) {
        self.open(Kind::Para {
            text: String::new(),
        });
    }

    /// `repeat` > 1 for ODF `number-columns-repeated`.
    pub(crate) fn open_cell(&mut self, repeat: u32) {
        self.open(Kind::Cell {
            paras: Vec::new(),
            repeat: repeat.max(1),
        });
    }

    /// `repeat` > 1 for ODF `number-rows-repeated`.
    pub(crate) fn open_row(&mut self, repeat: u32) {
        self.open(Kind::Row {
            cells: Vec::new(),
            repeat: repeat.max(1),
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
    pub(crate) fn push_text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        match self.frames.last_mut() {
            Some(Frame {
                kind: Kind::Para { text },
                ..
            }) => text.push_str(s),
            Some(Frame {
                kind: Kind::Cell { paras, .. },
                ..
            }) => match paras.last_mut() {
                Some(last) => last.push_str(s),
                None => paras.push(s.to_string()),
            },
            Some(Frame {
                kind: Kind::Row { .. },
                ..
            }) => {}
            None => self.rows.push(vec![s.to_string()]),
        }
    }

    fn emit(&mut self, row: Vec<String>) {
        match self.frames.last_mut() {
            Some(frame) => frame.deferred.push(row),
            None => {
                if self.rows.len() < self.max_rows {
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

    fn emit_all(&mut self, rows: Vec<Vec<String>>) {
        for row in rows {
            self.emit(row);
        }
    }

    /// Adds `n` copies of a cell's text to the innermost row, bounded by `max_cols`.
    fn add_cells(&mut self, text: String, n: u32) {
        let max_cols = self.max_cols;
        let mut dropped = false;
        if let Some(Frame {
            kind: Kind::Row { cells, .. },
            ..
        }) = self.frames.last_mut()
        {
            for _ in 0..n {
                if cells.len() >= max_cols {
                    dropped = !text.is_empty();
                    break;
                }
                cells.push(text.clone());
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

    /// An empty cell (ODF covered cell), repeated `n` times.
    pub(crate) fn empty_cells(&mut self, n: u32) {
        if matches!(
            self.frames.last(),
            Some(Frame {
                kind: Kind::Row { .. },
                ..
            })
        ) {
            self.add_cells(String::new(), n.max(1));
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
                    if !text.is_empty() {
                        self.emit(vec![text]);
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
            Kind::Cell { paras, repeat } => {
                let text = paras.join("\n");
                if matches!(
                    self.frames.last(),
                    Some(Frame {
                        kind: Kind::Row { .. },
                        ..
                    })
                ) {
                    self.add_cells(text, repeat);
                } else if !text.is_empty() {
                    self.emit(vec![text]);
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
            Kind::Row { cells, repeat } => {
                if !cells.is_empty() {
                    let copies = if cells.iter().any(|c| !c.is_empty()) {
                        (repeat as usize).min(self.max_rows)
                    } else {
                        1
                    };
                    for _ in 1..copies {
                        self.emit(cells.clone());
                    }
                    self.emit(cells);
                }
            }
            other => self.close_other(other),
        }
        self.emit_all(frame.deferred);
    }

    /// A frame closed by the wrong call (cannot happen with well-formed XML
    /// and balanced calls): keep its text as a row.
    fn close_other(&mut self, kind: Kind) {
        let row = match kind {
            Kind::Para { text } => vec![text],
            Kind::Cell { paras, .. } => vec![paras.join("\n")],
            Kind::Row { cells, .. } => cells,
        };
        if row.iter().any(|c| !c.is_empty()) {
            self.emit(row);
        }
    }

    /// Closes whatever is still open and returns the rows and notes.
    pub(crate) fn finish(mut self) -> (Vec<Vec<String>>, Vec<String>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn paragraphs_rows_and_nested_tables() {
        let mut f = Flow::new(64, 5000);
        f.open_para();
        f.push_text("Titre");
        f.close_para();
        f.open_para();
        f.close_para(); // empty paragraph outside a table: dropped
        f.open_row(1);
        f.open_cell(1);
        f.open_para();
        f.push_text("Label");
        f.close_para();
        f.close_cell();
        f.open_cell(1);
        f.open_para();
        f.push_text("a");
        f.close_para();
        // nested table inside the second cell
        f.open_row(1);
        f.open_cell(1);
        f.open_para();
        f.push_text("n1");
        f.close_para();
        f.close_cell();
        f.open_cell(1);
        f.close_cell();
        f.close_row();
        f.open_para();
        f.push_text("b");
        f.close_para();
        f.close_cell();
        f.close_row();
        let (rows, notes) = f.finish();
        assert_eq!(
            rows,
            vec![s(&["Titre"]), s(&["Label", "a\nb"]), s(&["n1", ""])]
        );
        assert!(notes.is_empty());
    }

    #[test]
    fn text_box_paragraph_inside_paragraph_is_deferred() {
        let mut f = Flow::new(64, 5000);
        f.open_para();
        f.push_text("avant ");
        f.open_para();
        f.push_text("dans la zone de texte");
        f.close_para();
        f.push_text("après");
        f.close_para();
        let (rows, _) = f.finish();
        assert_eq!(
            rows,
            vec![s(&["avant après"]), s(&["dans la zone de texte"])]
        );
    }

    #[test]
    fn repeats_are_bounded() {
        let mut f = Flow::new(3, 4);
        f.open_row(1000);
        f.open_cell(1000);
        f.open_para();
        f.push_text("x");
        f.close_para();
        f.close_cell();
        f.close_row();
        f.open_para();
        f.push_text("y");
        f.close_para();
        let (rows, notes) = f.finish();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0], s(&["x", "x", "x"]));
        assert_eq!(notes.len(), 2, "{notes:?}");
    }
}
