//! `fiches templates`: the blank fiches generated from the form definition
//! and the configuration's event, written by the real binary in a temporary
//! folder, then read back by the real binary (`fiches parse --json`): blank
//! as written, and right once filled the way people fill them (text typed
//! in the answer cells; a box ticked; "X" typed beside an option; the other
//! options deleted; an option picked from the XLSX list or typed).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fiches::fiche::Kind;
use fiches::fiche::spec::{self, FieldType};
use serde_json::Value;

use crate::support::templates as templates_support;
use templates_support::*;

const EVENT_NAME: &str = "Assises de la coopération & de l'action internationale";

/// A folder with a configuration whose event is not the bundled one.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let shipped =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml"))
                .unwrap();
        let head = shipped.split("[[sources]]").next().unwrap();
        let mut config = String::new();
        for line in head.lines() {
            let line = match line.split(" = ").next() {
                Some("name") if !config.contains("name = ") => {
                    format!("name = \"{}\"", EVENT_NAME.replace('"', "\\\""))
                }
                Some("date") => "date = 2027-09-16".to_string(),
                Some("place") => "place = \"Hôtel de Région, Lyon\"".to_string(),
                Some("deadline") => "deadline = 2027-08-31T18:00:00+02:00".to_string(),
                _ => line.to_string(),
            };
            config.push_str(&line);
            config.push('\n');
        }
        assert!(config.contains("2027-09-16") && config.contains(EVENT_NAME));
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        Env { dir }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_fiches"))
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("FICHES_CONFIG")
            .env_remove("FICHES_DB")
            .env_remove("FICHES_LOG")
            .env("XDG_CONFIG_HOME", self.dir.path().join("xdg"))
            .output()
            .unwrap()
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("fiches vierges")
    }

    /// `fiches templates --out "fiches vierges"`, which must succeed.
    fn templates(&self) -> Vec<PathBuf> {
        let out = self.run(&["templates", "--out", "fiches vierges"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.out())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert_eq!(files.len(), 3 * Kind::all().len(), "{files:?}");
        for f in &files {
            let name = f.file_name().unwrap().to_str().unwrap();
            assert!(stdout.contains(name), "{name} not announced: {stdout}");
        }
        files
    }

    fn parse(&self, file: &Path) -> Value {
        let out = self.run(&["parse", "--json", file.to_str().unwrap()]);
        let stdout = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 1, "{stdout}");
        serde_json::from_str(lines[0]).unwrap()
    }
}

/// The kind a file is the template of, from its name.
fn kind_of(file: &Path) -> Kind {
    let stem = file.file_stem().unwrap().to_str().unwrap();
    Kind::all()
        .into_iter()
        .find(|k| fiches::templates::file_stem(*k) == stem)
        .unwrap_or_else(|| panic!("{stem} names no kind"))
}

#[test]
fn every_template_reads_back_as_the_blank_form_of_its_kind() {
    let env = Env::new();
    for file in env.templates() {
        let kind = kind_of(&file);
        let v = env.parse(&file);
        assert_eq!(v["error"], Value::Null, "{file:?}: {v}");
        assert_eq!(v["kind"], kind.key(), "{file:?}: {v}");
        assert_eq!(v["fields"], serde_json::json!({}), "{file:?}: {v}");
        assert_eq!(v["extra"], serde_json::json!([]), "{file:?}: {v}");
        // The event of the configuration is printed (title block, page
        // header and footer, properties), escaped.
        let text = all_xml(&std::fs::read(&file).unwrap());
        for s in [
            "Assises de la coopération &amp; de l",
            "16 septembre 2027",
            "Hôtel de Région, Lyon",
            "31 août 2027 à 18h00",
            spec::title(kind),
        ] {
            assert!(text.contains(s), "{file:?} lacks « {s} »");
        }
    }
}

#[test]
fn an_existing_file_is_kept_without_force() {
    let env = Env::new();
    let files = env.templates();
    std::fs::write(&files[0], b"mine").unwrap();
    let out = env.run(&["templates", "--out", "fiches vierges"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    let name = files[0].file_name().unwrap().to_str().unwrap();
    assert!(err.contains(name), "{err}");
    assert!(
        // All six are there: "existent", in agreement.
        err.contains("existent déjà") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read(&files[0]).unwrap(), b"mine");
    let out = env.run(&["templates", "--out", "fiches vierges", "--force"]);
    assert!(out.status.success());
    assert_ne!(std::fs::read(&files[0]).unwrap(), b"mine");
    // A file given as the folder.
    let out = env.run(&["templates", "--out", "config.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("config.toml n'est pas un dossier") && err.contains("--out"),
        "{err}"
    );
}

#[test]
fn without_configuration_it_says_so_in_french() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fiches"))
        .args(["templates"])
        .current_dir(dir.path())
        .env_remove("FICHES_CONFIG")
        .env("XDG_CONFIG_HOME", dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("aucun fichier de configuration"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// A JSON value read back equals the expected stored value (`cuf_member`
/// is a boolean once read).
fn same(v: &Value, expected: &str) -> bool {
    match v {
        Value::Bool(b) => expected == b.to_string(),
        Value::String(s) => s == expected,
        _ => false,
    }
}

#[test]
fn filled_the_way_people_fill_them_they_read_back_right() {
    let env = Env::new();
    let files = env.templates();
    for file in files {
        let kind = kind_of(&file);
        let fills = fills(kind);
        let blank = std::fs::read(&file).unwrap();
        let ext = file.extension().unwrap().to_str().unwrap().to_string();
        let filled = match ext.as_str() {
            "docx" => fill_docx(&blank, &fills),
            "odt" => fill_odt(&blank, &fills),
            "xlsx" => fill_xlsx(&blank, &fills),
            other => panic!("{other}"),
        };
        let path = env.dir.path().join(format!("rempli.{ext}"));
        std::fs::write(&path, filled).unwrap();
        let v = env.parse(&path);
        assert_eq!(v["kind"], kind.key(), "{file:?}: {v}");
        assert_eq!(v["extra"], serde_json::json!([]), "{file:?}: {v}");
        for f in &fills {
            let got = &v["fields"][f.key];
            assert!(
                same(got, &f.expected),
                "{file:?} {}: read {got}, expected {:?}\n{v}",
                f.key,
                f.expected
            );
        }
        assert_eq!(
            v["fields"].as_object().unwrap().len(),
            fills.len(),
            "{file:?}: {v}"
        );
    }
}

#[test]
fn the_workbook_offers_a_list_on_every_choice_cell() {
    let env = Env::new();
    for file in env.templates() {
        if file.extension().unwrap() != "xlsx" {
            continue;
        }
        let kind = kind_of(&file);
        let bytes = std::fs::read(&file).unwrap();
        let strings = shared_strings(&bytes);
        let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
        let workbook = part(&bytes, "xl/workbook.xml");
        assert!(
            workbook.contains(r#"name="Listes" sheetId="2" state="hidden""#),
            "{workbook}"
        );
        let lists = part(&bytes, "xl/worksheets/sheet2.xml");
        let mut column = 0u8;
        for f in spec::fields(kind) {
            let FieldType::Choice(opts) = f.ty else {
                continue;
            };
            // The answer cell beside the label.
            let idx = strings
                .iter()
                .position(|s| *s == esc_xlsx(f.label) || *s == format!("{} *", esc_xlsx(f.label)))
                .unwrap();
            let needle = format!(r#" t="s"><v>{idx}</v></c>"#);
            let at = sheet.find(&needle).unwrap();
            let cell_start = sheet[..at].rfind("<c r=\"A").unwrap();
            let row: String = sheet[cell_start + 7..at]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let col = (b'A' + column) as char;
            column += 1;
            let dv = sheet
                .split("<dataValidation ")
                .skip(1)
                .find(|d| d.contains(&format!(r#"sqref="B{row}""#)))
                .unwrap_or_else(|| panic!("no data validation on B{row} ({})", f.key));
            assert!(dv.contains(r#"type="list""#), "{dv}");
            assert!(
                dv.contains(&format!(
                    "<formula1>Listes!${col}$1:${col}${}</formula1>",
                    opts.len()
                )),
                "{dv}"
            );
            // The list holds the options as printed, in order.
            for (r, o) in opts.iter().enumerate() {
                let i = strings
                    .iter()
                    .position(|s| *s == esc_xlsx(o.label))
                    .unwrap_or_else(|| panic!("{} not a shared string", o.label));
                assert!(
                    lists.contains(&format!(r#"<c r="{col}{}" t="s"><v>{i}</v></c>"#, r + 1)),
                    "{} not in Listes!{col}{}",
                    o.label,
                    r + 1
                );
            }
        }
        assert!(column > 0);
        // Printed on A4, one page wide, the title row repeated.
        assert!(sheet.contains(r#"paperSize="9""#), "{sheet}");
        assert!(
            sheet.contains(r#"fitToWidth="1""#) || sheet.contains("fitToPage"),
            "{sheet}"
        );
        assert!(workbook.contains("_xlnm.Print_Titles"), "{workbook}");
    }
}

#[test]
fn word_and_libreoffice_check_boxes_are_real_controls() {
    let env = Env::new();
    for file in env.templates() {
        let kind = kind_of(&file);
        let options: usize = spec::fields(kind)
            .iter()
            .map(|f| match f.ty {
                FieldType::Choice(o) => o.len(),
                _ => 0,
            })
            .sum();
        let bytes = std::fs::read(&file).unwrap();
        match file.extension().unwrap().to_str().unwrap() {
            "docx" => {
                let xml = part(&bytes, "word/document.xml");
                assert_eq!(xml.matches("<w14:checkbox>").count(), options);
                assert_eq!(
                    xml.matches(r#"<w14:checkedState w14:val="2612""#).count(),
                    options
                );
                assert_eq!(xml.matches("<w:tblHeader/>").count(), 1);
                assert!(xml.contains("<w:tblCaption ") && xml.contains("<w:tblDescription "));
                let styles = part(&bytes, "word/styles.xml");
                assert!(styles.contains(r#"<w:lang w:val="fr-FR""#));
            }
            "odt" => {
                let xml = part(&bytes, "content.xml");
                assert_eq!(
                    xml.matches(r#"<loext:content-control loext:checkbox="true""#)
                        .count(),
                    options
                );
                assert_eq!(xml.matches("<table:table-header-rows>").count(), 1);
                assert!(
                    xml.contains(r#"<text:h text:style-name="PTitle" text:outline-level="1">"#)
                );
                // The mimetype first, stored, as ODF requires.
                let zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes[..])).unwrap();
                assert_eq!(zip.name_for_index(0).unwrap().unwrap(), "mimetype");
                assert_eq!(&bytes[30..38], b"mimetype");
                assert!(bytes[38..].starts_with(b"application/vnd.oasis.opendocument.text"));
            }
            _ => {}
        }
    }
}
