//! Habits people have, reproduced on the blank templates by the tests
//! themselves (not only the corpus files): each variant is written into the
//! real DOCX template and read back through `fiche::parse`.

use std::io::{Cursor, Read, Write};

use fiches::fiche::{self, Fiche, Kind, Value};

/// The blank DOCX form with its `word/document.xml` open for edits.
struct DocxForm {
    entries: Vec<(String, Vec<u8>)>,
    xml: String,
}

impl DocxForm {
    fn new(template: &str) -> DocxForm {
        let path = format!(
            "{}/fixtures/templates/{template}",
            env!("CARGO_MANIFEST_DIR")
        );
        let bytes = std::fs::read(&path).unwrap();
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut entries = Vec::new();
        let mut xml = String::new();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            if name == "word/document.xml" {
                xml = String::from_utf8(data.clone()).unwrap();
            }
            entries.push((name, data));
        }
        DocxForm { entries, xml }
    }

    fn micro() -> DocxForm {
        DocxForm::new("fiche-micro-atelier.docx")
    }

    fn bourse() -> DocxForm {
        DocxForm::new("fiche-bourse-aux-projets.docx")
    }

    /// Replaces raw XML (labels, options, whole runs).
    fn replace(mut self, old: &str, new: &str) -> DocxForm {
        assert!(self.xml.contains(old), "template lacks {old:?}");
        self.xml = self.xml.replacen(old, new, 1);
        self
    }

    /// Puts runs (raw XML) into the empty value cell right of `label`.
    fn fill_raw(mut self, label: &str, runs: &str) -> DocxForm {
        let at = self
            .xml
            .find(&format!(">{label}</w:t>"))
            .unwrap_or_else(|| panic!("no label {label}"));
        let cell_end = at + self.xml[at..].find("</w:tc>").unwrap();
        let p = cell_end + self.xml[cell_end..].find("<w:p/>").unwrap();
        self.xml
            .replace_range(p..p + "<w:p/>".len(), &format!("<w:p>{runs}</w:p>"));
        self
    }

    /// Types `value` into the value cell right of `label` (lines as paragraphs).
    fn fill(self, label: &str, value: &str) -> DocxForm {
        let runs = value
            .split('\n')
            .map(|line| format!(r#"<w:r><w:t xml:space="preserve">{line}</w:t></w:r>"#))
            .collect::<Vec<_>>()
            .join("</w:p><w:p>");
        self.fill_raw(label, &runs)
    }

    fn bytes(&self) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in &self.entries {
            w.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
                .unwrap();
            let data = if name == "word/document.xml" {
                self.xml.as_bytes()
            } else {
                data
            };
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn parse(&self) -> Fiche {
        fiche::parse(&self.bytes(), "fiche.docx").expect("a fiche")
    }
}

fn text<'a>(f: &'a Fiche, key: &str) -> Option<&'a str> {
    f.text(key)
}

fn warned(f: &Fiche, key: &str) -> bool {
    f.warnings.iter().any(|w| w.field.as_deref() == Some(key))
}

#[test]
fn a_plainly_filled_form() {
    let f = DocxForm::micro()
        .fill(
            "Nom de la collectivité ou de la structure",
            "Ville de Grenoble",
        )
        .fill("Pays", "France")
        .replace("☐ Oui    ☐ Non", "☒ Oui    ☐ Non")
        .replace("☐ Commune", "☒ Commune")
        .fill("Courriel", "relations.internationales@grenoble.fr")
        .fill("Téléphone", "04 76 76 36 36")
        .fill(
            "Description du projet ou de la démarche",
            "Ligne 1\nLigne 2",
        )
        .replace("☐ 14h40 – 15h00", "☒ 14h40 – 15h00")
        .parse();
    assert_eq!(f.kind, Some(Kind::MicroAtelier));
    assert_eq!(text(&f, "organisation"), Some("Ville de Grenoble"));
    assert_eq!(f.fields.get("cuf_member"), Some(&Value::Bool(true)));
    assert_eq!(text(&f, "organisation_type"), Some("commune"));
    assert_eq!(text(&f, "contact_phone"), Some("04 76 76 36 36"));
    assert_eq!(text(&f, "project_description"), Some("Ligne 1\nLigne 2"));
    assert_eq!(text(&f, "preferred_slot"), Some("14:40"));
    assert!(
        f.warnings.iter().all(|w| w.message.contains("obligatoire")),
        "{:?}",
        f.warnings
    );
}

#[test]
fn runs_split_anywhere_and_nbsp() {
    let f = DocxForm::micro()
        .fill_raw("Pays", r#"<w:r><w:t>Sén</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>é</w:t></w:r><w:r><w:t xml:space="preserve">gal </w:t></w:r>"#)
        .fill("Téléphone", "+221\u{a0}33\u{a0}889\u{a0}11\u{a0}00")
        .parse();
    assert_eq!(text(&f, "country"), Some("Sénégal"));
    assert_eq!(text(&f, "contact_phone"), Some("+221 33 889 11 00"));
}

#[test]
fn tracked_changes_read_as_accepted() {
    let f = DocxForm::micro()
        .fill_raw(
            "Pays",
            r#"<w:del w:id="1" w:author="A"><w:r><w:delText>Mali</w:delText></w:r></w:del><w:ins w:id="2" w:author="A"><w:r><w:t>Niger</w:t></w:r></w:ins>"#,
        )
        .parse();
    assert_eq!(text(&f, "country"), Some("Niger"));
}

#[test]
fn labels_retyped() {
    let f = DocxForm::micro()
        .replace(">Téléphone<", ">TELEPHONE :<")
        .fill("TELEPHONE :", "0102030405")
        .replace(">Pays<", ">Pays*<")
        .fill("Pays*", "Liban")
        .replace(">Courriel<", ">E-mail<")
        .fill("E-mail", "a@b.lb")
        .replace(">Fonction<", ">3. Fonction<")
        .fill("3. Fonction", "Maire adjoint")
        .parse();
    assert_eq!(text(&f, "contact_phone"), Some("0102030405"));
    assert_eq!(text(&f, "country"), Some("Liban"));
    assert_eq!(text(&f, "contact_email"), Some("a@b.lb"));
    assert_eq!(text(&f, "contact_role"), Some("Maire adjoint"));
}

#[test]
fn a_typo_in_a_label_is_read_and_flagged() {
    let f = DocxForm::micro()
        .replace(">Besoins matériels<", ">Besoin materiel<")
        .fill("Besoin materiel", "Un écran")
        .parse();
    assert_eq!(text(&f, "equipment"), Some("Un écran"));
    assert!(warned(&f, "equipment"));
}

#[test]
fn value_typed_in_the_label_cell() {
    let f = DocxForm::micro()
        .replace(">Pays<", ">Pays : Tunisie<")
        .parse();
    assert_eq!(text(&f, "country"), Some("Tunisie"));
    assert!(warned(&f, "country"));
}

#[test]
fn choices_marked_every_way() {
    for (mark, expected) in [
        ("X Oui    ☐ Non", true),
        ("☐ Oui    x Non", false),
        ("☑ Oui    ☐ Non", true),
        ("Non", false),
    ] {
        let f = DocxForm::micro()
            .replace("☐ Oui    ☐ Non", mark)
            .fill("Pays", "France")
            .parse();
        assert_eq!(
            f.fields.get("cuf_member"),
            Some(&Value::Bool(expected)),
            "{mark}"
        );
        assert!(!warned(&f, "cuf_member"), "{mark}: {:?}", f.warnings);
    }
}

#[test]
fn free_text_answer_is_read_and_flagged() {
    let f = DocxForm::micro()
        .replace("☐ Oui    ☐ Non", "Oui, adhérente depuis 2012")
        .parse();
    assert_eq!(f.fields.get("cuf_member"), Some(&Value::Bool(true)));
    assert!(warned(&f, "cuf_member"));
}

#[test]
fn two_marks_keep_the_raw_text_and_warn() {
    let f = DocxForm::micro()
        .replace("☐ Climat", "☒ Climat")
        .replace("☐ Jeunesse", "☒ Jeunesse")
        .fill("Pays", "France")
        .parse();
    let raw = text(&f, "theme").unwrap();
    assert!(
        raw.contains("☒ Climat") && raw.contains("☒ Jeunesse"),
        "{raw}"
    );
    assert!(warned(&f, "theme"));
}

#[test]
fn nothing_marked_means_absent_and_slot_any() {
    let f = DocxForm::micro().fill("Pays", "France").parse();
    assert!(!f.fields.contains_key("theme"));
    assert!(!f.fields.contains_key("cuf_member"));
    assert_eq!(text(&f, "preferred_slot"), Some("any"));
}

#[test]
fn the_kind_comes_from_labels_when_the_title_is_gone() {
    let f = DocxForm::bourse()
        .replace("BOURSE AUX PROJETS : FICHE DE RENSEIGNEMENT", "FICHE")
        .replace("☐ Besoin spécifique", "X Besoin spécifique")
        .fill("Pays", "Maroc")
        .parse();
    assert_eq!(f.kind, Some(Kind::BourseProjets));
    assert_eq!(text(&f, "request_type"), Some("specific_need"));
    let micro = fiche::parse(
        &DocxForm::bourse().fill("Pays", "Maroc").bytes(),
        "fiche-micro-atelier.docx",
    )
    .unwrap();
    assert_eq!(
        micro.kind,
        Some(Kind::BourseProjets),
        "the title wins over the file name"
    );
}

#[test]
fn hyperlinked_email_and_line_breaks() {
    let f = DocxForm::bourse()
        .fill_raw(
            "Courriel",
            r#"<w:hyperlink r:id="rId99"><w:r><w:t>contact@ville.sn</w:t></w:r></w:hyperlink>"#,
        )
        .fill_raw(
            "Description de la demande",
            r#"<w:r><w:t>Première ligne</w:t><w:br/><w:t>Seconde ligne</w:t></w:r>"#,
        )
        .parse();
    assert_eq!(text(&f, "contact_email"), Some("contact@ville.sn"));
    assert_eq!(
        text(&f, "request_description"),
        Some("Première ligne\nSeconde ligne")
    );
}

#[test]
fn slot_written_as_a_time() {
    let f = DocxForm::bourse()
        .replace("☐ 12h45 – 13h15", "12h45")
        .replace("☐ 13h15 – 13h45", "")
        .replace("☐ 16h30 – 17h00", "")
        .replace("☐ 17h00 – 17h30", "")
        .replace("☐ Indifférent", "")
        .parse();
    assert_eq!(text(&f, "preferred_slot"), Some("12:45"));
}

#[test]
fn blank_template_gives_no_values() {
    for form in [DocxForm::micro(), DocxForm::bourse()] {
        let f = form.parse();
        assert!(f.fields.is_empty(), "{:?}", f.fields);
        assert!(f.kind.is_some());
    }
}
