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
        let j = json_line(&serde_json::json!({"s": "x\u{1b}y\u{9b}z\u{202e}"}));
        assert_eq!(j, r#"{"s":"x\u001by\u009bz\u202e"}"#);
    }
}

/// How an interactive command (everything but the daemon, without `-v`)
/// shows a warning or an error logged on its way: a plain French line,
/// `fiches : attention : what (fichier : …)`, as the command's own
/// messages — no timestamp, level or log layout on a staff terminal.
pub struct PlainLines;

impl<S, N> tracing_subscriber::fmt::FormatEvent<S, N> for PlainLines
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let mut fields = PlainFields::default();
        event.record(&mut fields);
        let level = *event.metadata().level();
        let prefix = if level == tracing::Level::ERROR {
            "erreur : "
        } else if level == tracing::Level::WARN {
            "attention : "
        } else {
            ""
        };
        let mut line = format!("fiches : {prefix}{}", fields.message);
        if !fields.others.is_empty() {
            line.push_str(&format!(" ({})", fields.others.join(", ")));
        }
        writeln!(writer, "{}", crate::safe::terminal_line(&line))
    }
}

/// The message and the other fields of an event, as text.
#[derive(Default)]
struct PlainFields {
    message: String,
    others: Vec<String>,
}

impl tracing::field::Visit for PlainFields {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            self.others
                .push(format!("{} : {value}", field_fr(field.name())));
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            self.others
                .push(format!("{} : {value:?}", field_fr(field.name())));
        }
    }
}

/// A field name as a French word for staff (the code's field names are
/// mostly French already; the English ones are translated).
fn field_fr(name: &str) -> &str {
    match name {
        "file" => "fichier",
        "source" => "source",
        "path" => "chemin",
        "error" => "erreur",
        other => other,
    }
}
