//! An attachment the intake could not read (the sample inbox's DOC and PDF
//! fiches), read as text through the real programs (LibreOffice,
//! pdftotext — installed by scripts/install-test-deps.sh: a missing one
//! fails here, it is never skipped) and saved through the real binary in a
//! temporary directory, never over an existing file.

use crate::support::common;

use std::path::Path;

use common::Env;
use fiches::convert::{self, Converter};
use fiches::store::Store;

/// The sample inbox imported; (DOC attachment, PDF attachment) numbers.
fn sample() -> (Env, i64, i64) {
    let env = Env::new();
    env.import(&[&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inbox")]);
    let st = Store::open(env.db()).unwrap();
    let mut doc = None;
    let mut pdf = None;
    for m in st.triage_messages().unwrap() {
        for a in st.message(m.id).unwrap().attachments {
            match a.format.as_deref() {
                Some("DOC") => doc = Some(a.id),
                Some("PDF") => pdf = Some(a.id),
                _ => {}
            }
        }
    }
    (
        env,
        doc.expect("a DOC in À traiter"),
        pdf.expect("a PDF in À traiter"),
    )
}

#[test]
fn doc_and_pdf_are_read_through_libreoffice_and_pdftotext() {
    let (env, doc, pdf) = sample();
    let st = Store::open(env.db()).unwrap();
    let conv = Converter::default();
    let a = convert::load(&st, doc).unwrap();
    let t = conv
        .text(&a.bytes, a.filename.as_deref())
        .unwrap_or_else(|e| panic!("DOC: {e}"));
    assert_eq!(t.via, "LibreOffice");
    assert!(t.text.contains("Chefchaouen"), "{}", t.text);
    assert!(!t.text.contains('\u{1b}'));
    let a = convert::load(&st, pdf).unwrap();
    let t = conv
        .text(&a.bytes, a.filename.as_deref())
        .unwrap_or_else(|e| panic!("PDF: {e}"));
    assert_eq!(t.via, "pdftotext");
    assert!(t.text.contains("Climate Chance"), "{}", t.text);
}

#[test]
fn attachment_save_and_text_through_the_binary() {
    let (env, doc, pdf) = sample();
    let out_dir = env.path().join("sortie");
    std::fs::create_dir(&out_dir).unwrap();
    let n = doc.to_string();
    let dir = out_dir.to_str().unwrap();
    let first = env.run(&["attachment", &n, "--save", dir]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let said = String::from_utf8_lossy(&first.stdout).to_string();
    assert!(said.contains(&format!("pièce jointe n° {doc}")), "{said}");
    let second = env.run(&["attachment", &n, "--save", dir]);
    assert!(second.status.success());
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    let st = Store::open(env.db()).unwrap();
    let a = convert::load(&st, doc).unwrap();
    let name = a.filename.clone().unwrap();
    let (stem, ext) = name.rsplit_once('.').unwrap();
    assert!(names.contains(&name), "{names:?}");
    assert!(names.contains(&format!("{stem} (2).{ext}")), "{names:?}");
    for n in &names {
        assert_eq!(std::fs::read(out_dir.join(n)).unwrap(), a.bytes);
    }

    let text = env.run(&["attachment", &pdf.to_string(), "--text"]);
    assert!(
        text.status.success(),
        "{}",
        String::from_utf8_lossy(&text.stderr)
    );
    assert!(String::from_utf8_lossy(&text.stdout).contains("Climate Chance"));

    // Errors say what and what to do, in French.
    let none = env.run(&["attachment", "99999", "--text"]);
    assert!(!none.status.success());
    let e = String::from_utf8_lossy(&none.stderr);
    assert!(e.contains("pièce jointe n° 99999 introuvable"), "{e}");
    let nodir = env.run(&["attachment", &doc.to_string(), "--save", "absent"]);
    assert!(!nodir.status.success());
    let e = String::from_utf8_lossy(&nodir.stderr);
    assert!(
        e.contains("le dossier absent n'existe pas : le créer (mkdir absent)"),
        "{e}"
    );
    let neither = env.run(&["attachment", &doc.to_string()]);
    assert!(!neither.status.success());
}
