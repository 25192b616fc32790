//! The blank fiches of `fiches templates` opened by LibreOffice (the real
//! `soffice`, installed by scripts/install-test-deps.sh: these tests fail,
//! never skip, without it): each converts to a PDF showing its title and
//! every label; Word's check boxes become LibreOffice check boxes (and back),
//! the ODT's stay check boxes, the XLSX's lists stay lists; what LibreOffice
//! saves still reads back as the blank form.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use fiches::fiche::Kind;
use fiches::fiche::spec::{self, FieldType};

fn fiches(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fiches"))
        .args(args)
        .current_dir(dir)
        .env_remove("FICHES_CONFIG")
        .env_remove("FICHES_DB")
        .env_remove("FICHES_LOG")
        .env("XDG_CONFIG_HOME", dir.join("xdg"))
        .output()
        .unwrap()
}

/// The templates, written with the repository's configuration.
fn templates(dir: &Path) -> Vec<PathBuf> {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml");
    let out = fiches(
        dir,
        &[
            "--config",
            config.to_str().unwrap(),
            "templates",
            "--out",
            "vierges",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("vierges"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 3 * Kind::all().len());
    files
}

fn soffice() -> &'static str {
    [
        "/usr/bin/soffice",
        "/usr/bin/libreoffice",
        "/usr/local/bin/soffice",
    ]
    .into_iter()
    .find(|p| Path::new(p).exists())
    .expect(
        "soffice not found: scripts/install-test-deps.sh installs \
             libreoffice-writer-nogui and libreoffice-calc-nogui",
    )
}

/// `file` converted by LibreOffice to `to` in `out_dir`.
fn convert(file: &Path, to: &str, out_dir: &Path) -> PathBuf {
    std::fs::create_dir_all(out_dir).unwrap();
    let profile = format!(
        "-env:UserInstallation=file://{}",
        out_dir.join("lo-profile").display()
    );
    let out = Command::new(soffice())
        .args([
            profile.as_str(),
            "--headless",
            "--norestore",
            "--convert-to",
            to,
            "--outdir",
        ])
        .arg(out_dir)
        .arg(file)
        .output()
        .expect("run soffice");
    let ext = to.split(':').next().unwrap();
    let result = out_dir.join(format!(
        "{}.{ext}",
        file.file_stem().unwrap().to_str().unwrap()
    ));
    assert!(
        out.status.success() && result.exists(),
        "soffice could not convert {file:?} to {to}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    result
}

fn kind_of(file: &Path) -> Kind {
    let stem = file.file_stem().unwrap().to_str().unwrap();
    Kind::all()
        .into_iter()
        .find(|k| fiches::templates::file_stem(*k) == stem)
        .unwrap()
}

fn words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn part(file: &Path, name: &str) -> String {
    let bytes = std::fs::read(file).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

fn options(kind: Kind) -> usize {
    spec::fields(kind)
        .iter()
        .map(|f| match f.ty {
            FieldType::Choice(o) => o.len(),
            _ => 0,
        })
        .sum()
}

/// `fiches parse --json` of a file reads the blank form of `kind`.
fn reads_blank(dir: &Path, file: &Path, kind: Kind) {
    let out = fiches(dir, &["parse", "--json", file.to_str().unwrap()]);
    let v: serde_json::Value =
        serde_json::from_str(String::from_utf8(out.stdout).unwrap().trim()).unwrap();
    assert_eq!(v["kind"], kind.key(), "{file:?}: {v}");
    assert_eq!(v["fields"], serde_json::json!({}), "{file:?}: {v}");
    assert_eq!(v["extra"], serde_json::json!([]), "{file:?}: {v}");
}

#[test]
fn every_template_prints_to_pdf_with_its_title_and_labels() {
    let dir = tempfile::tempdir().unwrap();
    for file in templates(dir.path()) {
        let kind = kind_of(&file);
        let ext = file.extension().unwrap().to_str().unwrap();
        let pdf = convert(&file, "pdf", &dir.path().join(format!("pdf-{ext}")));
        let out = Command::new("pdftotext")
            .arg(&pdf)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils, scripts/install-test-deps.sh)");
        assert!(out.status.success());
        let text = words(&String::from_utf8(out.stdout).unwrap());
        assert!(text.contains(spec::title(kind)), "{pdf:?}: {text}");
        for f in spec::fields(kind) {
            assert!(
                text.contains(f.label),
                "{pdf:?} lacks « {} »: {text}",
                f.label
            );
        }
        assert!(text.contains("4 juillet 2018"), "{pdf:?}: {text}");
        assert!(text.contains("8 juin 2018"), "{pdf:?}: {text}");
    }
}

#[test]
fn check_boxes_and_lists_survive_libreoffice() {
    let dir = tempfile::tempdir().unwrap();
    for file in templates(dir.path()) {
        let kind = kind_of(&file);
        let n = options(kind);
        let ext = file.extension().unwrap().to_str().unwrap();
        let out_dir = dir.path().join(format!("lo-{ext}"));
        match ext {
            "docx" => {
                // Word's check box content controls open as LibreOffice's.
                let odt = convert(&file, "odt", &out_dir);
                let xml = part(&odt, "content.xml");
                assert_eq!(
                    xml.matches(r#"<loext:content-control loext:checkbox="true""#)
                        .count(),
                    n,
                    "{odt:?}"
                );
                reads_blank(dir.path(), &odt, kind);
            }
            "odt" => {
                // LibreOffice keeps them, and saves them for Word as Word's.
                let docx = convert(&file, "docx:MS Word 2007 XML", &out_dir);
                let xml = part(&docx, "word/document.xml");
                assert_eq!(xml.matches("<w14:checkbox>").count(), n, "{docx:?}");
                reads_blank(dir.path(), &docx, kind);
                let again = convert(&file, "odt", &out_dir.join("odt"));
                let xml = part(&again, "content.xml");
                assert_eq!(
                    xml.matches(r#"<loext:content-control loext:checkbox="true""#)
                        .count(),
                    n
                );
            }
            "xlsx" => {
                // The drop-down lists open as LibreOffice validity lists.
                let ods = convert(&file, "ods", &out_dir);
                let xml = part(&ods, "content.xml");
                let choices = spec::fields(kind)
                    .iter()
                    .filter(|f| matches!(f.ty, FieldType::Choice(_)))
                    .count();
                assert_eq!(
                    xml.matches("cell-content-is-in-list").count(),
                    choices,
                    "{ods:?}"
                );
                reads_blank(dir.path(), &ods, kind);
            }
            other => panic!("{other}"),
        }
    }
}
