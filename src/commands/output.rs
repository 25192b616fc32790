//! Output helpers of the database commands: JSON lines that escape what a
//! terminal could interpret, shortening, and a stdout writer that stops
//! quietly on a closed pipe. Text from mails goes through `crate::safe`
//! before it is shown.

use std::io::{self, Write};

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

/// One line on stdout. A reader that went away (`| head`) is an error the
/// caller passes up: `main` ends quietly on it.
pub fn say(line: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()
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
    fn json_lines_escape_c1_controls() {
        let j = json_line(&serde_json::json!({"s": "x\u{1b}y\u{9b}z"}));
        assert_eq!(j, r#"{"s":"x\u001by\u009bz"}"#);
    }
}
