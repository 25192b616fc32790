//! Writing to the terminal and to scripts: text from mails is made inert
//! (control characters, terminal escapes and bidi overrides replaced) before
//! it is shown, and JSON lines escape what a terminal could interpret.

use std::io::{self, Write};

/// True for characters a terminal could act on or that reorder text.
fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Text safe to print on a terminal: dangerous characters become `�`,
/// except line breaks and tabs when `multiline`.
pub fn clean_text(s: &str, multiline: bool) -> String {
    s.chars()
        .map(|c| {
            if multiline && (c == '\n' || c == '\t') {
                c
            } else if is_dangerous(c) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

/// One line of text safe to print.
pub fn clean(s: &str) -> String {
    clean_text(s, false)
}

/// Shortens to `max` characters with an ellipsis.
pub fn ellipsis(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A JSON value as one line, with DEL and C1 controls escaped too (serde_json
/// escapes only the C0 ones).
pub fn json_line(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if !s.chars().any(|c| ('\u{7f}'..='\u{9f}').contains(&c)) {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if ('\u{7f}'..='\u{9f}').contains(&c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Writes lines to stdout, stopping quietly when the reader went away (`| head`).
pub struct Out {
    w: io::BufWriter<io::StdoutLock<'static>>,
}

impl Out {
    pub fn new() -> Out {
        Out {
            w: io::BufWriter::new(io::stdout().lock()),
        }
    }

    /// `Ok(false)` when stdout is closed.
    pub fn line(&mut self, s: &str) -> io::Result<bool> {
        match writeln!(self.w, "{s}") {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub fn finish(mut self) -> io::Result<()> {
        match self.w.flush() {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e),
            _ => Ok(()),
        }
    }
}

impl Default for Out {
    fn default() -> Self {
        Out::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_made_inert() {
        assert_eq!(
            clean("fiche \u{1b}]0;pwned\u{7}\u{1b}[2J"),
            "fiche \u{FFFD}]0;pwned\u{FFFD}\u{FFFD}[2J"
        );
        assert_eq!(clean("a\u{202E}b\u{9b}c"), "a\u{FFFD}b\u{FFFD}c");
        assert_eq!(clean_text("l1\nl2", true), "l1\nl2");
        let j = json_line(&serde_json::json!({"s": "x\u{1b}y\u{9b}z"}));
        assert_eq!(j, r#"{"s":"x\u001by\u009bz"}"#);
    }
}
