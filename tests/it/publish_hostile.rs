//! Hostile text — the corpus' hostile fiche (`17-hostile-text.xlsx`) and a
//! proposal with hostile text in every field — comes out inert in every
//! format: the HTML parsed with a real HTML parser has no script, no link,
//! no event handler and no attribute but ours; the XLSX read back with
//! calamine has no formula cell and every formula-like value prefixed; every
//! CSV cell is prefixed; no raw escape character anywhere.

use std::collections::BTreeMap;
use std::fs;
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use fiches::domain::{Layout, Status};
use fiches::fiche::{self, Kind, Value, Warning};
use fiches::publish::{
    Edition, Entry, Event, OutputFile, PublishOptions, Snapshot, compare, render_files,
};
use scraper::{Html, Selector};

const HYPERLINK: &str = "=HYPERLINK(\"http://evil.example\",\"Ville\")";
const SCRIPT: &str = "<script>alert(1)</script>";
const ATTR: &str = "\" onmouseover=\"x";
const ESC: &str = "\u{1b}]0;pwned\u{7}";
const HOSTILE: [&str; 8] = [
    HYPERLINK,
    SCRIPT,
    ATTR,
    ESC,
    "@SUM(1)",
    "-2+3",
    "\tx",
    "+33 1 <img src=x onerror=alert(1)> 'single' <a href=\"javascript:alert(1)\">lien</a>",
];

fn hostile_corpus_entry() -> Entry {
    let name = "17-hostile-text.xlsx";
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/corpus/fiches")
        .join(name);
    let f = fiche::parse(&fs::read(path).unwrap(), name).unwrap();
    assert_eq!(f.text("organisation"), Some(HYPERLINK));
    let title = f.text("project_title").unwrap();
    assert!(
        title.contains(SCRIPT) && title.contains('\u{1b}'),
        "{title:?}"
    );
    let mut e = Entry::new(1, f.kind, Status::Accepted);
    e.slot = Some("14:20".into());
    e.place = Some("Espace B".into());
    e.fields = f.fields;
    e.extra = f.extra;
    e.warnings = f.warnings;
    e
}

/// Hostile text in every field, flag, warning and extra row; also as the
/// slot and place (a corrupted row must not break out either).
fn hostile(id: i64, kind: Kind, status: Status, i: usize) -> Entry {
    let pick = |k: usize| HOSTILE[(i + k) % HOSTILE.len()].to_string();
    let mut e = Entry::new(id, Some(kind), status);
    let mut fields = BTreeMap::new();
    for (k, spec) in fiche::spec::fields(kind).iter().enumerate() {
        fields.insert(spec.key.to_string(), Value::Text(pick(k)));
    }
    e.fields = fields;
    e.key = Some(pick(1));
    e.received_at = pick(2);
    e.flags = vec![pick(3), pick(4)];
    e.warnings = vec![Warning::field(&pick(5), pick(6)), Warning::general(pick(7))];
    e.extra = vec![(pick(0), pick(1))];
    if status == Status::Accepted {
        e.slot = Some(pick(2));
        e.place = Some(pick(3));
    }
    e
}

fn entries() -> Vec<Entry> {
    let mut v = vec![hostile_corpus_entry()];
    let mut id = 2;
    for kind in Kind::all() {
        for (i, status) in [
            Status::Accepted,
            Status::Accepted,
            Status::Waitlisted,
            Status::Waitlisted,
            Status::Pending,
            Status::Rejected,
        ]
        .into_iter()
        .enumerate()
        {
            for j in 0..HOSTILE.len() {
                v.push(hostile(id, kind, status, i + j));
                id += 1;
            }
        }
    }
    v
}

fn render(edition: Edition) -> Vec<OutputFile> {
    let e = entries();
    let mut event = Event::spec_default();
    event.name = format!("Rencontres {SCRIPT} {ATTR} & co");
    event.venue = Some(HYPERLINK.to_string());
    let before = Snapshot::build(&[], &Layout::spec_default(), &event, "2018-05-21");
    let s = Snapshot::build(&e, &Layout::spec_default(), &event, "2018-05-28");
    assert!(s.kinds.len() == 2 && s.kinds.iter().all(|k| k.accepted.len() > 10));
    let changes = compare(Some(&before), &s);
    render_files(&s, &e, Some(&changes), edition, &PublishOptions::default()).unwrap()
}

fn all_files() -> Vec<OutputFile> {
    let mut v = render(Edition::Final { number: 1 });
    v.extend(render(Edition::Draft));
    v
}

const OUR_ATTRIBUTES: [&str; 11] = [
    "lang",
    "charset",
    "name",
    "content",
    "http-equiv",
    "class",
    "id",
    "aria-labelledby",
    "aria-hidden",
    "role",
    "scope",
];

#[test]
fn html_has_no_script_no_link_no_handler() {
    let files = all_files();
    let mut checked = 0;
    for f in files.iter().filter(|f| f.path.ends_with(".html")) {
        let text = std::str::from_utf8(&f.bytes).unwrap();
        let doc = if f.path.contains("fragment") {
            Html::parse_fragment(text)
        } else {
            Html::parse_document(text)
        };
        for bad in [
            "script", "a", "img", "iframe", "object", "embed", "link", "base", "form",
        ] {
            let sel = Selector::parse(bad).unwrap();
            assert_eq!(doc.select(&sel).count(), 0, "<{bad}> in {}", f.path);
        }
        let any = Selector::parse("*").unwrap();
        for el in doc.select(&any) {
            for (name, value) in el.value().attrs() {
                assert!(
                    OUR_ATTRIBUTES.contains(&name) || name == "data-label",
                    "attribute {name}={value:?} in {}",
                    f.path
                );
                assert!(!value.contains('\u{1b}'));
            }
        }
        // The hostile text is there, as text.
        let body_text: String = doc.root_element().text().collect();
        if f.path.starts_with("programme") && !f.path.ends_with("json") {
            assert!(body_text.contains(SCRIPT), "{}", f.path);
            assert!(body_text.contains(HYPERLINK), "{}", f.path);
            assert!(body_text.contains("␛]0;pwned␇"), "{}", f.path);
        }
        if f.path == "changements.html" {
            assert!(body_text.contains(HYPERLINK), "{}", f.path);
        }
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{}",
            f.path
        );
        checked += 1;
    }
    // Both editions: the public pages, fragments and changelog, and the
    // staff's changelog.
    assert_eq!(checked, 16);
}

/// RFC 4180 reader for the test (every field quoted by the renderer).
fn parse_csv(text: &str, delimiter: char) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    cell.push('"');
                } else {
                    quoted = false;
                }
            } else {
                cell.push(c);
            }
        } else if c == '"' {
            quoted = true;
        } else if c == delimiter {
            row.push(std::mem::take(&mut cell));
        } else if c == '\r' {
            assert_eq!(chars.next(), Some('\n'), "CR without LF outside quotes");
            row.push(std::mem::take(&mut cell));
            rows.push(std::mem::take(&mut row));
        } else {
            panic!("unquoted character {c:?}");
        }
    }
    assert!(
        !quoted && cell.is_empty() && row.is_empty(),
        "unterminated record"
    );
    rows
}

fn formula_like(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r', '\n'])
}

#[test]
fn csv_cells_are_prefixed() {
    let files = all_files();
    let mut seen = Vec::new();
    for f in files.iter().filter(|f| f.path.ends_with(".csv")) {
        let text = std::str::from_utf8(&f.bytes).unwrap();
        assert!(text.starts_with('\u{feff}'));
        assert!(!text.contains('\u{1b}'));
        let all = parse_csv(text, ';');
        // A draft says so in its first record, one cell.
        let rows = match all.first() {
            Some(b) if b.len() == 1 && b[0].starts_with("DOCUMENT DE TRAVAIL") => &all[1..],
            _ => &all[..],
        };
        assert!(rows.len() > 10);
        let width = rows[0].len();
        for row in rows {
            assert_eq!(row.len(), width, "{}", f.path);
            for cell in row {
                assert!(!formula_like(cell), "{cell:?} in {}", f.path);
                seen.push(cell.clone());
            }
        }
    }
    for want in [
        format!("'{HYPERLINK}"),
        "'@SUM(1)".into(),
        "'-2+3".into(),
        "'\tx".into(),
        SCRIPT.into(),
        ATTR.into(),
        "␛]0;pwned␇".into(),
    ] {
        assert!(seen.contains(&want), "{want:?} missing from the CSV");
    }
}

#[test]
fn xlsx_has_no_formula_and_prefixed_values() {
    let files = all_files();
    let mut checked = 0;
    for f in files.iter().filter(|f| f.path.ends_with(".xlsx")) {
        let mut x: Xlsx<_> = Xlsx::new(Cursor::new(f.bytes.clone())).unwrap();
        let mut values = Vec::new();
        for name in x.sheet_names() {
            let formulas = x.worksheet_formula(&name).unwrap();
            assert!(
                formulas.used_cells().all(|(_, _, s)| s.is_empty()),
                "formula in {} / {name}",
                f.path
            );
            let range = x.worksheet_range(&name).unwrap();
            for (_, _, d) in range.used_cells() {
                if let Data::String(s) = d {
                    assert!(!formula_like(s), "{s:?} in {} / {name}", f.path);
                    assert!(!s.contains('\u{1b}'));
                    values.push(s.clone());
                }
            }
        }
        assert!(values.contains(&format!("'{HYPERLINK}")), "{}", f.path);
        assert!(values.contains(&"'-2+3".to_string()), "{}", f.path);
        assert!(values.contains(&SCRIPT.to_string()), "{}", f.path);
        checked += 1;
    }
    assert_eq!(checked, 4);
}

#[test]
fn json_and_changelog_keep_no_raw_escape() {
    for f in all_files() {
        if f.path.ends_with(".json") || f.path.ends_with(".txt") {
            assert!(!f.bytes.contains(&0x1b), "{}", f.path);
            assert!(!f.bytes.contains(&0x07), "{}", f.path);
        }
        if f.path.ends_with(".json") {
            let v: serde_json::Value = serde_json::from_slice(&f.bytes).unwrap();
            // Data kept as written for other tools.
            assert!(
                v["kinds"][0]["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|m| m["organisation"] == HYPERLINK)
            );
        }
    }
}
