//! Synthetic mail for load and crash tests: corpus mails given a unique
//! Message-ID and a unique sender (so they are neither duplicates nor
//! resubmissions of each other), written into a Maildir.

use std::path::Path;

/// Replaces the value of the first header `name` of a mail.
pub fn set_header(mail: &[u8], name: &str, value: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(mail.len() + 64);
    let mut done = false;
    let mut in_headers = true;
    let mut skipping = false;
    for line in mail.split_inclusive(|b| *b == b'\n') {
        if in_headers && (line == b"\n" || line == b"\r\n") {
            in_headers = false;
        }
        if skipping && in_headers && (line.starts_with(b" ") || line.starts_with(b"\t")) {
            continue; // folded continuation of the replaced header
        }
        skipping = false;
        let is_it = in_headers
            && !done
            && line.len() > name.len()
            && line[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            && line[name.len()] == b':';
        if is_it {
            out.extend_from_slice(format!("{name}: {value}\n").as_bytes());
            done = true;
            skipping = true;
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}

/// Writes `n` messages into `maildir/new`, cycling through `templates`
/// (file contents), message `i` with Message-ID `<synth-{i}@{tag}>` and
/// sender `sender{i}@{tag}`. Returns the Message-IDs.
pub fn write_maildir(maildir: &Path, templates: &[Vec<u8>], n: usize, tag: &str) -> Vec<String> {
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).expect("maildir");
    }
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let t = &templates[i % templates.len()];
        let mid = format!("synth-{i}@{tag}");
        let m = set_header(t, "Message-ID", &format!("<{mid}>"));
        let m = set_header(&m, "From", &format!("Synth {i} <sender{i}@{tag}>"));
        let name = format!("{}.M{i}P1.synth", 1_526_283_000 + i);
        std::fs::write(maildir.join("new").join(name), m).expect("write mail");
        ids.push(mid);
    }
    ids
}
