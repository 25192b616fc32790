//! Where a server keeps folders, and what to advise when it refuses the
//! `move_to` folder of the configuration.
//!
//! Servers differ: dovecot and Mailutils take `Traitées` at the top level
//! (delimiter `/`), Courier and Debian's Cyrus keep personal folders under
//! `INBOX.` (delimiter `.`) and answer `CREATE "Traitées"` with "Invalid
//! mailbox name". The connection reads the personal namespace (RFC 2342
//! `NAMESPACE`) and the delimiter (`LIST "" ""`); this module turns them
//! into the name to propose. Pure functions, no I/O.

/// One personal namespace: its prefix (`""`, `"INBOX."`) and delimiter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    pub prefix: String,
    pub delimiter: Option<char>,
}

/// A name to propose, and why (French, for the error message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advice {
    pub suggestion: String,
    pub why: String,
}

/// The personal namespaces of a `NAMESPACE` answer (the raw lines of the
/// response), or `None` when there is no `* NAMESPACE` line or it cannot be
/// read. `NIL` (no personal namespace) gives an empty list.
pub fn parse_namespace(raw: &[u8]) -> Option<Vec<Namespace>> {
    let text = String::from_utf8_lossy(raw);
    let line = text.lines().find_map(|l| {
        let t = l.trim_start();
        t.get(..12)
            .filter(|h| h.eq_ignore_ascii_case("* NAMESPACE "))
            .map(|_| &t[12..])
    })?;
    let mut tokens = tokenize(line)?.into_iter().peekable();
    // The first of the three groups: personal.
    match tokens.next()? {
        Token::Nil => Some(Vec::new()),
        Token::Open => {
            let mut out = Vec::new();
            loop {
                match tokens.next()? {
                    Token::Close => return Some(out),
                    Token::Open => {
                        let prefix = match tokens.next()? {
                            Token::Str(s) => s,
                            _ => return None,
                        };
                        let delimiter = match tokens.next()? {
                            Token::Str(s) => s.chars().next(),
                            Token::Nil => None,
                            _ => return None,
                        };
                        // Namespace response extensions, up to the close.
                        let mut depth = 0usize;
                        loop {
                            match tokens.next()? {
                                Token::Open => depth += 1,
                                Token::Close if depth == 0 => break,
                                Token::Close => depth -= 1,
                                _ => {}
                            }
                        }
                        out.push(Namespace { prefix, delimiter });
                    }
                    _ => return None,
                }
            }
        }
        _ => None,
    }
}

#[derive(Debug, PartialEq)]
enum Token {
    Open,
    Close,
    Nil,
    Str(String),
}

fn tokenize(s: &str) -> Option<Vec<Token>> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '(' => out.push(Token::Open),
            ')' => out.push(Token::Close),
            '"' => {
                let mut v = String::new();
                loop {
                    match chars.next()? {
                        '\\' => v.push(chars.next()?),
                        '"' => break,
                        c => v.push(c),
                    }
                }
                out.push(Token::Str(v));
            }
            c if c.is_whitespace() => {}
            _ => {
                let mut atom = String::from(c);
                while let Some(&n) = chars.peek() {
                    if n.is_whitespace() || n == '(' || n == ')' {
                        break;
                    }
                    atom.push(n);
                    chars.next();
                }
                if atom.eq_ignore_ascii_case("NIL") {
                    out.push(Token::Nil);
                } else if atom.starts_with('{') {
                    // A literal: not expected here.
                    return None;
                } else {
                    out.push(Token::Str(atom));
                }
            }
        }
    }
    Some(out)
}

/// What to propose when the server refused the folder `folder`, given its
/// personal namespace, its delimiter and whether INBOX may have children.
/// `None` when nothing better than the configured name can be proposed.
pub fn advise(
    folder: &str,
    personal: &[Namespace],
    delimiter: Option<char>,
    inbox_has_no_children: bool,
) -> Option<Advice> {
    let ns = personal
        .iter()
        .find(|n| !n.prefix.is_empty())
        .or_else(|| personal.first());
    let delim = delimiter.or_else(|| ns.and_then(|n| n.delimiter));
    // The other usual delimiter, as the user may have written it.
    let rewritten = match delim {
        Some(d) => {
            let other = if d == '.' { '/' } else { '.' };
            folder
                .split(other)
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(&d.to_string())
        }
        None => folder.to_owned(),
    };
    if let Some(ns) = ns
        && !ns.prefix.is_empty()
        && !starts_with_ci(&rewritten, &ns.prefix)
    {
        let inbox = ns.prefix.trim_end_matches(|c| Some(c) == ns.delimiter);
        // "INBOX" itself written without the prefix's case.
        let rest = if starts_with_ci(&rewritten, inbox)
            && rewritten[inbox.len()..].starts_with(|c| Some(c) == delim)
        {
            &rewritten[inbox.len() + 1..]
        } else {
            rewritten.as_str()
        };
        return Some(Advice {
            suggestion: format!("{}{rest}", ns.prefix),
            why: format!("le serveur range les dossiers sous « {} »", ns.prefix),
        });
    }
    if inbox_has_no_children
        && let Some(d) = delim
        && starts_with_ci(&rewritten, &format!("INBOX{d}"))
    {
        return Some(Advice {
            suggestion: rewritten[6..].to_owned(),
            why: "ce serveur n'accepte pas de sous-dossiers dans INBOX".into(),
        });
    }
    if rewritten != folder {
        let d = delim.unwrap_or('/');
        return Some(Advice {
            suggestion: rewritten,
            why: format!("le séparateur de dossiers de ce serveur est « {d} »"),
        });
    }
    None
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(prefix: &str, d: char) -> Vec<Namespace> {
        vec![Namespace {
            prefix: prefix.into(),
            delimiter: Some(d),
        }]
    }

    #[test]
    fn namespaces_of_real_servers() {
        // Courier
        let raw =
            b"* NAMESPACE ((\"INBOX.\" \".\")) NIL ((\"#shared.\" \".\")(\"shared.\" \".\"))\r\n";
        assert_eq!(parse_namespace(raw), Some(ns("INBOX.", '.')));
        // Mailutils, dovecot
        assert_eq!(
            parse_namespace(b"* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n"),
            Some(ns("", '/'))
        );
        // Cyrus as an administrator: no personal namespace.
        assert_eq!(
            parse_namespace(b"* NAMESPACE NIL ((\"user/\" \"/\")) ((\"\" \"/\"))\r\n"),
            Some(vec![])
        );
        // Extensions, unsolicited lines before, lower case, NIL delimiter.
        let raw = b"* 3 EXISTS\r\n* namespace ((\"\" NIL \"X-PARAM\" (\"a\" \"b\"))(\"Other.\" \".\")) NIL NIL\r\n";
        assert_eq!(
            parse_namespace(raw),
            Some(vec![
                Namespace {
                    prefix: "".into(),
                    delimiter: None
                },
                Namespace {
                    prefix: "Other.".into(),
                    delimiter: Some('.')
                }
            ])
        );
        assert_eq!(parse_namespace(b"* OK nothing\r\n"), None);
        assert_eq!(parse_namespace(b"* NAMESPACE ((\"unterminated"), None);
    }

    #[test]
    fn advice_for_a_server_with_inbox_prefix() {
        let a = advise("Traitées", &ns("INBOX.", '.'), Some('.'), false).unwrap();
        assert_eq!(a.suggestion, "INBOX.Traitées");
        assert_eq!(a.why, "le serveur range les dossiers sous « INBOX. »");
        // Written with the other delimiter, or with a lower-case inbox.
        let a = advise("Fiches/Traitées", &ns("INBOX.", '.'), Some('.'), false).unwrap();
        assert_eq!(a.suggestion, "INBOX.Fiches.Traitées");
        let a = advise("INBOX/Traitées", &ns("INBOX.", '.'), Some('.'), false).unwrap();
        assert_eq!(a.suggestion, "INBOX.Traitées");
        assert!(a.why.contains("« . »"), "{}", a.why);
        // Already under the prefix: nothing better to say.
        assert_eq!(
            advise("INBOX.Traitées", &ns("INBOX.", '.'), Some('.'), false),
            None
        );
    }

    #[test]
    fn advice_for_other_delimiters_and_inbox_without_children() {
        let a = advise("Fiches.Traitées", &ns("", '/'), Some('/'), false).unwrap();
        assert_eq!(a.suggestion, "Fiches/Traitées");
        assert!(a.why.contains("« / »"), "{}", a.why);
        let a = advise("INBOX/Traitées", &ns("", '/'), Some('/'), true).unwrap();
        assert_eq!(a.suggestion, "Traitées");
        assert!(a.why.contains("sous-dossiers"));
        assert_eq!(advise("Traitées", &ns("", '/'), Some('/'), true), None);
        assert_eq!(advise("Traitées", &[], None, false), None);
    }
}
