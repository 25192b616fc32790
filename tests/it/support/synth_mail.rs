//! Synthetic mail for the IMAP tests and the daemon benchmark: corpus
//! mails with one fiche each, given unique Message-IDs and senders, line
//! endings kept (CRLF, as on the wire). No dependency on the test harness,
//! so that examples can include it with `#[path]`.

use std::path::Path;

/// Corpus mails that carry exactly one fiche (about 40 KB each).
pub const ONE_FICHE: &[&str] = &[
    "01-plain.eml",
    "02-accented-filename.eml",
    "03-outlook-octet-stream.eml",
    "04-forwarded-rfc822.eml",
    "06-inline-disposition.eml",
    "10-late.eml",
    "11-resubmission.eml",
];

/// `n` distinct messages with one fiche each: the one-fiche corpus mails
/// in turn, message `i` with Message-ID `<synth-{i}@{tag}>` and sender
/// `sender{i}@{tag}` (neither duplicates nor revisions of each other).
pub fn synth_messages(n: usize, tag: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus/mail");
    let templates: Vec<Vec<u8>> = ONE_FICHE
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect();
    (0..n)
        .map(|i| {
            let t = &templates[i % templates.len()];
            let m = set_header(t, "Message-ID", &format!("<synth-{i}@{tag}>"));
            set_header(&m, "From", &format!("Synth {i} <sender{i}@{tag}>"))
        })
        .collect()
}

/// Replaces the value of the first header `name`, keeping the message's
/// line endings (the corpus is CRLF, as mail on the wire).
pub fn set_header(mail: &[u8], name: &str, value: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(mail.len() + 64);
    let mut in_headers = true;
    let mut done = false;
    let mut skipping = false;
    for line in mail.split_inclusive(|b| *b == b'\n') {
        if in_headers && (line == b"\n" || line == b"\r\n") {
            in_headers = false;
        }
        if skipping && in_headers && (line.starts_with(b" ") || line.starts_with(b"\t")) {
            continue;
        }
        skipping = false;
        let is_it = in_headers
            && !done
            && line.len() > name.len()
            && line[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            && line[name.len()] == b':';
        if is_it {
            let eol = if line.ends_with(b"\r\n") {
                "\r\n"
            } else {
                "\n"
            };
            out.extend_from_slice(format!("{name}: {value}{eol}").as_bytes());
            done = true;
            skipping = true;
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}
