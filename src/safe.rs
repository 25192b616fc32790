//! Neutralising text from the outside world before it reaches a terminal.
//! Anyone can email the inbox: a subject or a fiche field may carry escape
//! sequences (ESC, CSI, OSC), C1 controls or bidi overrides that would
//! repaint or retitle a staff member's terminal. They are shown as visible
//! symbols instead, never written raw.

/// Replaces every control character but `\n` and `\t` (C0 by its Unicode
/// "control picture", DEL and C1 by `�`) and every bidi override or isolate
/// by `�`. Line breaks and tabs are kept when `keep_lines` is true, else
/// shown as `⏎` and a space.
pub fn terminal_text(s: &str, keep_lines: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' if keep_lines => out.push('\n'),
            '\n' => out.push('⏎'),
            '\t' => out.push(if keep_lines { '\t' } else { ' ' }),
            '\u{0}'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('�')),
            '\u{7f}'..='\u{9f}' => out.push('�'),
            '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{061c}' => out.push('�'),
            _ => out.push(c),
        }
    }
    out
}

/// One-line form of `terminal_text`, for table cells and headers.
pub fn terminal_line(s: &str) -> String {
    terminal_text(s, false)
}

/// Characters JSON may carry raw but that a terminal, an editor or a web
/// page would act on: DEL, the C1 controls, bidi overrides, isolates and
/// marks, and the line and paragraph separators.
fn json_hidden(c: char) -> bool {
    matches!(
        c,
        '\u{7f}'..='\u{9f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{061c}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// Serialized JSON with every control character escaped as `\uXXXX`:
/// serde_json escapes the C0 ones, this escapes the rest (see
/// `json_hidden`). Such characters only occur inside strings, where the
/// escape means the same character: the data is unchanged.
pub fn json_escaped(json: String) -> String {
    if !json.chars().any(json_hidden) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if json_hidden(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_become_visible() {
        let s = "Titre \u{1b}]0;pwned\u{7}\u{1b}[2J<b>\u{202e}x\u{9b}";
        let t = terminal_line(s);
        assert!(!t.chars().any(|c| c.is_control()), "{t:?}");
        assert!(t.contains("␛]0;pwned␇␛[2J<b>"));
    }

    #[test]
    fn json_escapes_every_control() {
        let v = serde_json::json!({"s": "a\u{1b}b\u{9b}c\u{202e}d\u{2066}e\u{7f}f\u{2028}é"});
        let j = json_escaped(v.to_string());
        assert_eq!(j, r#"{"s":"a\u001bb\u009bc\u202ed\u2066e\u007ff\u2028é"}"#);
        assert!(!j.chars().any(|c| c.is_control() || json_hidden(c)));
        // The same data back.
        assert_eq!(serde_json::from_str::<serde_json::Value>(&j).unwrap(), v);
    }

    #[test]
    fn lines_are_kept_or_folded() {
        assert_eq!(terminal_text("a\nb", true), "a\nb");
        assert_eq!(terminal_line("a\r\nb"), "a␍⏎b");
    }
}
