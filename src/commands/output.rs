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

/// A JSON value as one line, with every control character escaped:
/// serde_json escapes the C0 ones, `safe::json_escaped` DEL, C1, bidi
/// controls and line separators.
pub fn json_line(v: &serde_json::Value) -> String {
    crate::safe::json_escaped(v.to_string())
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
        let j = json_line(&serde_json::json!({"s": "x\u{1b}y\u{9b}z\u{202e}"}));
        assert_eq!(j, r#"{"s":"x\u001by\u009bz\u202e"}"#);
    }
}
