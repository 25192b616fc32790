//! One test per habit people have when they fill in the forms, each built
//! by the test from the blank templates and written in every format where
//! the habit exists (DOCX and ODT for the Word forms, XLSX and ODS for the
//! Excel forms), then read by the public entry point `fiche::parse_file`.
//! A returned fiche is the blank form plus what the respondent changed:
//! each test checks the answer is read where the person put it, with a
//! warning when it was not read plainly, and that nothing is invented.

use crate::support::forms;

use fiches::fiche::{self, Fiche, Kind, Parsed, Value};
use forms::{Book, Doc, Run, filled_book, filled_doc, number, rich, styled, text, time};

/// Both word-processing formats of a form.
fn word(d: &Doc) -> Vec<(&'static str, Vec<u8>)> {
    vec![("docx", d.docx()), ("odt", d.odt())]
}

/// Both spreadsheet formats of a form.
fn sheet(b: &Book) -> Vec<(&'static str, Vec<u8>)> {
    vec![("xlsx", b.xlsx()), ("ods", b.ods())]
}

fn all(bytes: &[u8], fmt: &str) -> Vec<Parsed> {
    fiche::parse_file(bytes, &format!("fiche.{fmt}"))
}

/// The one fiche a file holds.
fn one(bytes: &[u8], fmt: &str) -> Fiche {
    let mut v = all(bytes, fmt);
    assert_eq!(v.len(), 1, "{fmt}: one form expected, got {v:#?}");
    v.remove(0).result.unwrap_or_else(|e| panic!("{fmt}: {e}"))
}

fn warned(f: &Fiche, key: &str, part: &str) -> bool {
    f.warnings
        .iter()
        .any(|w| w.field.as_deref() == Some(key) && w.message.contains(part))
}

fn general(f: &Fiche, part: &str) -> bool {
    f.warnings.iter().any(|w| w.message.contains(part))
}

fn text_of<'a>(f: &'a Fiche, key: &str) -> Option<&'a str> {
    f.text(key)
}

// ---------------------------------------------------------------- Word forms

#[test]
fn plainly_filled_word_form_has_no_route_warning() {
    let d = filled_doc(Doc::micro())
        .fill("Pays", "France")
        .fill("Titre du projet ou de la démarche", "Jumelages 2.0")
        .fill(
            "Description du projet ou de la démarche",
            "Ligne 1\nLigne 2",
        )
        .replace("☐ Oui", "☒ Oui");
    for (fmt, bytes) in word(&d) {
        let f = one(&bytes, fmt);
        assert_eq!(f.kind, Some(Kind::MicroAtelier), "{fmt}");
        assert_eq!(
            text_of(&f, "organisation"),
            Some("Ville de Grenoble"),
            "{fmt}"
        );
        assert_eq!(text_of(&f, "project_description"), Some("Ligne 1\nLigne 2"));
        assert_eq!(
            f.fields.get("cuf_member"),
            Some(&Value::Bool(true)),
            "{fmt}"
        );
        assert!(
            f.warnings.iter().all(|w| w.message.contains("obligatoire")),
            "{fmt}: {:?}",
            f.warnings
        );
        assert!(f.extra.is_empty(), "{fmt}: {:?}", f.extra);
    }
}

#[test]
fn answer_in_the_label_cell_after_a_colon_a_tab_or_a_line_break() {
    for sep in [" : ", "\t", "\n"] {
        let d = filled_doc(Doc::micro()).fill_inline("Pays", sep, "Sénégal");
        for (fmt, bytes) in word(&d) {
            let f = one(&bytes, fmt);
            assert_eq!(text_of(&f, "country"), Some("Sénégal"), "{fmt} {sep:?}");
            assert!(warned(&f, "country", "case du libellé"), "{fmt} {sep:?}");
        }
    }
}

#[test]
fn answer_typed_in_a_new_row_under_the_label() {
    let d = filled_doc(Doc::bourse()).answer_in_new_row(
        "Description de la demande",
        "Former des formateurs.\nSur deux ans.",
    );
    for (fmt, bytes) in word(&d) {
        let f = one(&bytes, fmt);
        assert_eq!(
            text_of(&f, "request_description"),
            Some("Former des formateurs.\nSur deux ans."),
            "{fmt}"
        );
        assert!(
            warned(&f, "request_description", "sous le libellé"),
            "{fmt}"
        );
        // The next label keeps its own (empty) answer.
        assert!(!f.fields.contains_key("difficulties"), "{fmt}");
    }
}

#[test]
fn vertical_form_label_above_answer() {
    let d = filled_doc(Doc::micro())
        .fill("Pays", "Maroc")
        .replace("☐ Climat", "☒ Climat")
        .vertical();
    for (fmt, bytes) in word(&d) {
        let f = one(&bytes, fmt);
        assert_eq!(
            text_of(&f, "organisation"),
            Some("Ville de Grenoble"),
            "{fmt}"
        );
        assert_eq!(text_of(&f, "country"), Some("Maroc"), "{fmt}");
        assert_eq!(text_of(&f, "contact_last_name"), Some("Martin"), "{fmt}");
        assert_eq!(text_of(&f, "theme"), Some("climat"), "{fmt}");
        assert!(warned(&f, "country", "sous le libellé"), "{fmt}");
        // Blank answers stay blank: nothing is taken from the next label.
        assert!(!f.fields.contains_key("contact_first_name"), "{fmt}");
        assert!(!f.fields.contains_key("organisation_type"), "{fmt}");
    }
}

#[test]
fn form_rebuilt_rebuilt_as_paragraphs() {
    let d = filled_doc(Doc::bourse())
        .fill("Pays", "Cameroun")
        .fill("Description de la demande", "Un centre de formation.")
        .replace("☐ Besoin spécifique", "☒ Besoin spécifique")
        .rebuilt_as_paragraphs();
    for (fmt, bytes) in word(&d) {
        let f = one(&bytes, fmt);
        assert_eq!(f.kind, Some(Kind::BourseProjets));
        assert_eq!(
            text_of(&f, "organisation"),
            Some("Ville de Grenoble"),
            "{fmt}"
        );
        assert_eq!(text_of(&f, "country"), Some("Cameroun"), "{fmt}");
        assert_eq!(text_of(&f, "request_type"), Some("specific_need"), "{fmt}");
        assert_eq!(
            text_of(&f, "request_description"),
            Some("Un centre de formation."),
            "{fmt}"
        );
        assert!(warned(&f, "country", "paragraphe qui suit"), "{fmt}");
        assert!(!f.fields.contains_key("contact_first_name"), "{fmt}");
        assert!(f.extra.is_empty(), "{fmt}: {:?}", f.extra);
    }
}

fn bold(r: &mut Run) {
    r.bold = true;
}

/// A way to make a run stand out.
type Look = fn(&mut Run);

#[test]
fn option_chosen_by_its_look() {
    let looks: [(&str, Look); 4] = [
        ("gras", bold),
        ("surligné", |r| r.highlight = true),
        ("souligné", |r| r.underline = true),
        ("couleur", |r| r.color = Some("C00000")),
    ];
    for (word_fr, look) in looks {
        let d = filled_doc(Doc::micro())
            .style_option("Membre de Cités Unies France", "Non", look)
            .style_option("Type de structure", "Région", look)
            .style_option("Thématique principale", "Jeunesse", look);
        for (fmt, bytes) in word(&d) {
            let f = one(&bytes, fmt);
            assert_eq!(
                f.fields.get("cuf_member"),
                Some(&Value::Bool(false)),
                "{fmt} {word_fr}: {:?}",
                f.warnings
            );
            assert_eq!(text_of(&f, "organisation_type"), Some("region"), "{fmt}");
            assert_eq!(text_of(&f, "theme"), Some("jeunesse"), "{fmt}");
            assert!(warned(&f, "cuf_member", word_fr), "{fmt}: {:?}", f.warnings);
        }
    }
}

#[test]
fn option_kept_when_the_others_are_struck_through() {
    let d = filled_doc(Doc::micro())
        .strike_others("Format de la présentation", "Film")
        .strike_others("Créneau horaire souhaité", "15h00 – 15h20");
    for (fmt, bytes) in word(&d) {
        let f = one(&bytes, fmt);
        assert_eq!(
            text_of(&f, "format"),
            Some("film"),
            "{fmt}: {:?}",
            f.warnings
        );
        assert_eq!(text_of(&f, "preferred_slot"), Some("15:00"), "{fmt}");
        assert!(warned(&f, "format", "barrées"), "{fmt}");
    }
}

#[test]
fn two_options_shown_keep_the_raw_text_and_warn() {
    let d = filled_doc(Doc::micro())
        .style_option("Type de structure", "Commune", bold)
        .style_option("Type de structure", "Région", bold)
        .replace("☐ Climat", "☒ Climat")
        .replace("☐ Jeunesse", "☒ Jeunesse");
    for (fmt, bytes) in word(&d) {
        let f = one(&bytes, fmt);
        let t = text_of(&f, "organisation_type").unwrap();
        assert!(t.contains("Commune") && t.contains("Région"), "{fmt}: {t}");
        assert!(warned(&f, "organisation_type", "à trancher"), "{fmt}");
        assert!(warned(&f, "theme", "à trancher"), "{fmt}");
    }
}

#[test]
fn options_deleted_but_one() {
    let d = filled_doc(Doc::bourse())
        .delete_others("Type de demande", "Appel à coopération")
        .delete_others("Type de partenaire recherché", "Entreprise");
    for (fmt, bytes) in word(&d) {
        let f = one(&bytes, fmt);
        assert_eq!(text_of(&f, "request_type"), Some("cooperation"), "{fmt}");
        assert_eq!(text_of(&f, "partner_sought"), Some("company"), "{fmt}");
    }
}

#[test]
fn text_beside_no_label_is_never_a_value() {
    let d = filled_doc(Doc::micro())
        .fill("Pays", "France")
        .add_paragraph("Validé par le service des relations internationales le 2 juin");
    for (fmt, bytes) in word(&d) {
        let f = one(&bytes, fmt);
        assert_eq!(text_of(&f, "country"), Some("France"));
        assert!(
            f.fields.values().all(|v| !v.display().contains("Validé")),
            "{fmt}: {:?}",
            f.fields
        );
        assert!(
            f.extra.iter().any(|(_, v)| v.contains("Validé par")),
            "{fmt}: {:?}",
            f.extra
        );
    }
}

#[test]
fn text_added_but_no_field_read_is_a_fiche_with_a_warning() {
    let d = Doc::micro().add_paragraph("Nous viendrons à deux, merci de nous rappeler.");
    for (fmt, bytes) in word(&d) {
        let f = one(&bytes, fmt);
        assert!(f.fields.is_empty());
        assert!(!f.is_blank(), "{fmt}: never a blank form");
        assert!(general(&f, "à la main"), "{fmt}: {:?}", f.warnings);
    }
    // The blank form itself is blank, in every format.
    for (fmt, bytes) in word(&Doc::micro())
        .into_iter()
        .chain(sheet(&Book::bourse()))
    {
        let f = one(&bytes, fmt);
        assert!(f.is_blank(), "{fmt}: {f:?}");
        assert!(f.kind.is_some());
    }
}

#[test]
fn two_filled_forms_in_one_document() {
    let a = filled_doc(Doc::micro()).fill("Titre du projet ou de la démarche", "Projet A");
    let b = filled_doc(Doc::micro()).fill("Titre du projet ou de la démarche", "Projet B");
    let d = a.then(b);
    for (fmt, bytes) in word(&d) {
        let v = all(&bytes, fmt);
        assert_eq!(v.len(), 2, "{fmt}: {v:#?}");
        let titles: Vec<_> = v
            .iter()
            .map(|p| {
                p.result
                    .as_ref()
                    .unwrap()
                    .text("project_title")
                    .map(str::to_string)
            })
            .collect();
        assert_eq!(
            titles,
            [Some("Projet A".to_string()), Some("Projet B".to_string())]
        );
        assert_eq!(
            v.iter().map(|p| p.form).collect::<Vec<_>>(),
            [Some(1), Some(2)]
        );
    }
    // A blank copy after a filled form is not a second fiche.
    let d = filled_doc(Doc::micro()).then(Doc::micro());
    for (fmt, bytes) in word(&d) {
        assert_eq!(all(&bytes, fmt).len(), 1, "{fmt}");
    }
}

#[test]
fn a_label_found_twice_is_flagged() {
    let d = filled_doc(Doc::micro())
        .answer_in_new_row("Téléphone", "Téléphone : 06 12 34 56 78")
        .fill("Téléphone", "04 76 76 36 36");
    for (fmt, bytes) in word(&d) {
        let f = one(&bytes, fmt);
        assert_eq!(
            text_of(&f, "contact_phone"),
            Some("04 76 76 36 36"),
            "{fmt}"
        );
        assert!(
            warned(&f, "contact_phone", "deux fois"),
            "{fmt}: {:?}",
            f.warnings
        );
        assert!(f.extra.iter().any(|(_, v)| v.contains("06 12 34 56 78")));
    }
}

const ENGLISH: &[(&str, &str)] = &[
    (
        "MICRO-ATELIER : FICHE DE RENSEIGNEMENT",
        "MICRO-WORKSHOP: INFORMATION FORM",
    ),
    (
        "Nom de la collectivité ou de la structure",
        "Name of the local government or organisation",
    ),
    ("Type de structure", "Type of organisation"),
    ("Pays", "Country"),
    (
        "Membre de Cités Unies France",
        "Member of Cités Unies France",
    ),
    ("Nom", "Last name"),
    ("Prénom", "First name"),
    ("Courriel", "Email address"),
    ("Téléphone", "Phone"),
    (
        "Titre du projet ou de la démarche",
        "Title of the project or initiative",
    ),
    ("Thématique principale", "Main theme"),
    ("Créneau horaire souhaité", "Preferred time slot"),
    ("Oui", "Yes"),
    ("Non", "No"),
    ("Commune", "Municipality"),
    ("Climat", "Climate"),
];

const SPANISH: &[(&str, &str)] = &[
    (
        "BOURSE AUX PROJETS : FICHE DE RENSEIGNEMENT",
        "BOLSA DE PROYECTOS: FICHA DE INFORMACIÓN",
    ),
    (
        "Nom de la collectivité ou de la structure",
        "Nombre de la colectividad o de la estructura",
    ),
    ("Pays", "País"),
    (
        "Membre de Cités Unies France",
        "Miembro de Cités Unies France",
    ),
    ("Nom", "Apellido"),
    ("Prénom", "Nombre"),
    ("Courriel", "Correo electrónico"),
    ("Type de demande", "Tipo de solicitud"),
    ("Description de la demande", "Descripción de la solicitud"),
    ("Thématique", "Temática"),
    ("Oui", "Sí"),
    ("Non", "No"),
    ("Jeunesse", "Juventud"),
    (
        "Besoin spécifique (outil, formation, partenariat à négocier…)",
        "Necesidad específica (herramienta, formación, asociación a negociar…)",
    ),
];

#[test]
fn forms_translated_into_english_and_spanish() {
    let en = Doc::micro()
        .fill(
            "Nom de la collectivité ou de la structure",
            "City of Bristol",
        )
        .fill("Pays", "United Kingdom")
        .fill("Titre du projet ou de la démarche", "Twinning")
        .replace("☐ Oui", "☒ Oui")
        .replace("☐ Climat", "☒ Climat")
        .translate(ENGLISH);
    for (fmt, bytes) in word(&en) {
        let f = one(&bytes, fmt);
        assert_eq!(f.kind, Some(Kind::MicroAtelier), "{fmt}");
        assert_eq!(
            text_of(&f, "organisation"),
            Some("City of Bristol"),
            "{fmt}"
        );
        assert_eq!(text_of(&f, "country"), Some("United Kingdom"));
        assert_eq!(text_of(&f, "project_title"), Some("Twinning"));
        assert_eq!(
            f.fields.get("cuf_member"),
            Some(&Value::Bool(true)),
            "{fmt}"
        );
        assert_eq!(text_of(&f, "theme"), Some("climat"), "{fmt}");
        assert!(general(&f, "anglais"), "{fmt}: {:?}", f.warnings);
    }
    let es = Doc::bourse()
        .fill(
            "Nom de la collectivité ou de la structure",
            "Municipio de Cuenca",
        )
        .fill("Pays", "Ecuador")
        .fill("Prénom", "Lucía")
        .fill("Nom", "Andrade")
        .replace("☐ Non", "☒ Non")
        .replace("☐ Jeunesse", "☒ Jeunesse")
        .replace("☐ Besoin", "☒ Besoin")
        .translate(SPANISH);
    for (fmt, bytes) in word(&es) {
        let f = one(&bytes, fmt);
        assert_eq!(f.kind, Some(Kind::BourseProjets), "{fmt}");
        assert_eq!(text_of(&f, "organisation"), Some("Municipio de Cuenca"));
        assert_eq!(text_of(&f, "contact_first_name"), Some("Lucía"), "{fmt}");
        assert_eq!(text_of(&f, "contact_last_name"), Some("Andrade"), "{fmt}");
        assert_eq!(f.fields.get("cuf_member"), Some(&Value::Bool(false)));
        assert_eq!(text_of(&f, "theme"), Some("jeunesse"));
        assert_eq!(text_of(&f, "request_type"), Some("specific_need"), "{fmt}");
        assert!(general(&f, "espagnol"), "{fmt}: {:?}", f.warnings);
    }
}

// ------------------------------------------------------------ Excel forms

#[test]
fn plainly_filled_sheet() {
    let b = filled_book(Book::bourse())
        .fill("Pays", "Cameroun")
        .fill(
            "Type de demande",
            "Besoin spécifique (outil, formation, partenariat à négocier…)",
        )
        .fill("Membre de Cités Unies France", "Non");
    for (fmt, bytes) in sheet(&b) {
        let f = one(&bytes, fmt);
        assert_eq!(f.kind, Some(Kind::BourseProjets), "{fmt}");
        assert_eq!(text_of(&f, "country"), Some("Cameroun"), "{fmt}");
        assert_eq!(text_of(&f, "request_type"), Some("specific_need"));
        assert_eq!(f.fields.get("cuf_member"), Some(&Value::Bool(false)));
        assert!(
            f.extra.is_empty(),
            "{fmt}: the option lists are the form's: {:?}",
            f.extra
        );
    }
}

#[test]
fn numbers_read_as_their_format_shows_them() {
    let b = filled_book(Book::micro()).fill_with(
        "Téléphone",
        number(594282828.0, "00 00 00 00 00", "05 94 28 28 28"),
    );
    for (fmt, bytes) in sheet(&b) {
        let f = one(&bytes, fmt);
        assert_eq!(
            text_of(&f, "contact_phone"),
            Some("05 94 28 28 28"),
            "{fmt}"
        );
        assert!(!warned(&f, "contact_phone", "nombre"), "{fmt}");
    }
    // Without a format, the leading 0 is gone: a French number gets it
    // back, and says so.
    let b = filled_book(Book::micro())
        .fill_with("Téléphone", number(594282828.0, "General", "594282828"));
    for (fmt, bytes) in sheet(&b) {
        let f = one(&bytes, fmt);
        assert_eq!(text_of(&f, "contact_phone"), Some("0594282828"), "{fmt}");
        assert!(warned(&f, "contact_phone", "nombre"), "{fmt}");
    }
}

#[test]
fn slot_typed_as_a_time() {
    let b = filled_book(Book::micro()).fill_with("Créneau horaire souhaité", time(14, 20));
    for (fmt, bytes) in sheet(&b) {
        let f = one(&bytes, fmt);
        assert_eq!(
            text_of(&f, "preferred_slot"),
            Some("14:20"),
            "{fmt}: {:?}",
            f.warnings
        );
        assert!(
            warned(&f, "preferred_slot", "créneau saisi comme une heure"),
            "{fmt}: {:?}",
            f.warnings
        );
    }
}

#[test]
fn vertical_sheet_answers_under_labels() {
    let b = filled_book(Book::micro())
        .fill("Pays", "Tunisie")
        .vertical();
    for (fmt, bytes) in sheet(&b) {
        let f = one(&bytes, fmt);
        assert_eq!(
            text_of(&f, "organisation"),
            Some("Ville de Grenoble"),
            "{fmt}"
        );
        assert_eq!(text_of(&f, "country"), Some("Tunisie"), "{fmt}");
        assert_eq!(
            text_of(&f, "contact_email"),
            Some("ri@grenoble.fr"),
            "{fmt}"
        );
        assert!(warned(&f, "country", "sous le libellé"), "{fmt}");
        assert!(!f.fields.contains_key("contact_first_name"), "{fmt}");
    }
}

#[test]
fn answer_in_the_label_cell_of_a_sheet() {
    let b = filled_book(Book::micro()).fill_inline("Pays", " : ", "Liban");
    for (fmt, bytes) in sheet(&b) {
        let f = one(&bytes, fmt);
        assert_eq!(text_of(&f, "country"), Some("Liban"), "{fmt}");
        assert!(warned(&f, "country", "case du libellé"), "{fmt}");
    }
}

#[test]
fn a_blank_copy_first_never_wins() {
    for hidden in [false, true] {
        let b = filled_book(Book::micro())
            .fill("Pays", "Bénin")
            .blank_copy_first(Book::micro(), hidden);
        for (fmt, bytes) in sheet(&b) {
            let f = one(&bytes, fmt);
            assert_eq!(
                text_of(&f, "country"),
                Some("Bénin"),
                "{fmt} hidden={hidden}"
            );
            assert_eq!(text_of(&f, "organisation"), Some("Ville de Grenoble"));
        }
    }
}

#[test]
fn two_filled_sheets_are_two_fiches() {
    let a = filled_book(Book::micro()).fill("Titre du projet ou de la démarche", "Projet A");
    let b = filled_book(Book::micro()).fill("Titre du projet ou de la démarche", "Projet B");
    let book = a.and_sheet(b, "Fiche 2");
    for (fmt, bytes) in sheet(&book) {
        let v = all(&bytes, fmt);
        assert_eq!(v.len(), 2, "{fmt}: {v:#?}");
        assert_eq!(
            v[1].result.as_ref().unwrap().text("project_title"),
            Some("Projet B")
        );
        assert_eq!(v[0].form, Some(1));
    }
}

#[test]
fn option_chosen_by_the_look_of_its_cell() {
    // The options typed across the row, the chosen one bold, or the others struck.
    let b = filled_book(Book::micro())
        .fill_with("Type de structure", text("Commune"))
        .put(
            "Type de structure",
            0,
            2,
            styled("Région", true, false, false),
        )
        .put("Type de structure", 0, 3, text("Autre"))
        .fill_with(
            "Format de la présentation",
            styled("Diaporama", false, true, false),
        )
        .put("Format de la présentation", 0, 2, text("Film"))
        .put(
            "Format de la présentation",
            0,
            3,
            styled("Autre", false, true, false),
        )
        .fill_with("Thématique principale", text("Climat"))
        .put(
            "Thématique principale",
            0,
            2,
            styled("Migrations", false, false, true),
        );
    for (fmt, bytes) in sheet(&b) {
        let f = one(&bytes, fmt);
        assert_eq!(
            text_of(&f, "organisation_type"),
            Some("region"),
            "{fmt}: {:?}",
            f.warnings
        );
        assert_eq!(
            text_of(&f, "format"),
            Some("film"),
            "{fmt}: {:?}",
            f.warnings
        );
        assert_eq!(
            text_of(&f, "theme"),
            Some("migrations"),
            "{fmt}: {:?}",
            f.warnings
        );
    }
}

#[test]
fn option_chosen_by_its_look_inside_a_cell() {
    let b = filled_book(Book::micro()).fill_with(
        "Membre de Cités Unies France",
        rich(vec![
            Run::plain("Oui / "),
            Run {
                bold: true,
                ..Run::plain("Non")
            },
        ]),
    );
    for (fmt, bytes) in sheet(&b) {
        let f = one(&bytes, fmt);
        assert_eq!(
            f.fields.get("cuf_member"),
            Some(&Value::Bool(false)),
            "{fmt}: {:?}",
            f.warnings
        );
        assert!(warned(&f, "cuf_member", "gras"), "{fmt}");
    }
    // The same list with nothing made to stand out: never a guess.
    let b = filled_book(Book::micro()).fill("Membre de Cités Unies France", "Oui / Non");
    for (fmt, bytes) in sheet(&b) {
        let f = one(&bytes, fmt);
        assert_eq!(text_of(&f, "cuf_member"), Some("Oui / Non"), "{fmt}");
        assert!(warned(&f, "cuf_member", "à trancher"), "{fmt}");
    }
}

#[test]
fn a_note_beside_the_sheet_form_is_never_a_value() {
    let b = filled_book(Book::micro())
        .put("Pays", 0, 5, text("Validé par le service RI"))
        .put(
            "Nom de la collectivité ou de la structure",
            1,
            5,
            text("Reçu le 3 juin"),
        );
    for (fmt, bytes) in sheet(&b) {
        let f = one(&bytes, fmt);
        assert!(!f.fields.contains_key("country"), "{fmt}: {:?}", f.fields);
        let extra: Vec<&str> = f.extra.iter().map(|(_, v)| v.as_str()).collect();
        assert!(
            extra.iter().any(|v| v.contains("Validé par")),
            "{fmt}: {extra:?}"
        );
        assert!(
            extra.iter().any(|v| v.contains("Reçu le")),
            "{fmt}: {extra:?}"
        );
    }
}

#[test]
fn translated_sheet() {
    let b = Book::bourse()
        .fill(
            "Nom de la collectivité ou de la structure",
            "Municipio de Cuenca",
        )
        .fill("Pays", "Ecuador")
        .fill("Membre de Cités Unies France", "Sí")
        .fill("Courriel", "l.andrade@cuenca.gob.ec")
        .translate(SPANISH);
    for (fmt, bytes) in sheet(&b) {
        let f = one(&bytes, fmt);
        assert_eq!(f.kind, Some(Kind::BourseProjets), "{fmt}");
        assert_eq!(text_of(&f, "country"), Some("Ecuador"), "{fmt}");
        assert_eq!(
            f.fields.get("cuf_member"),
            Some(&Value::Bool(true)),
            "{fmt}"
        );
        assert!(general(&f, "espagnol"), "{fmt}: {:?}", f.warnings);
    }
}

// ------------------------------------------- Habits of the blind test set

#[test]
fn a_mark_typed_after_an_option_whose_box_is_left_empty() {
    // Word: the boxes stay ☐, a mark is typed after the chosen option.
    let d = filled_doc(Doc::micro())
        .replace("☐ Région", "☐ Région ✓")
        .replace("☐ Non", "☐ Non X")
        .replace("☐ Film", "☐ Film   oui")
        .replace("☐ 15h00 – 15h20", "☐ 15h00 – 15h20 x");
    for (fmt, bytes) in word(&d) {
        let f = one(&bytes, fmt);
        assert_eq!(
            text_of(&f, "organisation_type"),
            Some("region"),
            "{fmt}: {:?}",
            f.warnings
        );
        assert_eq!(
            f.fields.get("cuf_member"),
            Some(&Value::Bool(false)),
            "{fmt}"
        );
        assert_eq!(text_of(&f, "format"), Some("film"), "{fmt}");
        assert_eq!(text_of(&f, "preferred_slot"), Some("15:00"), "{fmt}");
    }
    // Excel: the options typed in one cell, or one per cell with the mark
    // in the cell after the chosen one.
    let b = filled_book(Book::micro())
        .fill(
            "Type de structure",
            "☐ Commune  ☐ Intercommunalité x  ☐ Autre",
        )
        .fill("Membre de Cités Unies France", "☐ Oui")
        .put("Membre de Cités Unies France", 0, 2, text("☐ Non"))
        .put("Membre de Cités Unies France", 0, 3, text("✓"))
        .fill("Thématique principale", "☐ Climat oui ☐ Jeunesse");
    for (fmt, bytes) in sheet(&b) {
        let f = one(&bytes, fmt);
        assert_eq!(
            text_of(&f, "organisation_type"),
            Some("intercommunalite"),
            "{fmt}: {:?}",
            f.warnings
        );
        assert_eq!(
            f.fields.get("cuf_member"),
            Some(&Value::Bool(false)),
            "{fmt}: {:?}",
            f.warnings
        );
        assert_eq!(text_of(&f, "theme"), Some("climat"), "{fmt}");
    }
}

/// Converts a workbook to the old Excel format with LibreOffice, as an old
/// .xls is written (LibreOffice is a test dependency: missing, it fails).
fn as_old_xls(xlsx: &[u8]) -> Vec<u8> {
    let soffice = [
        "/usr/bin/soffice",
        "/usr/bin/libreoffice",
        "/usr/local/bin/soffice",
    ]
    .into_iter()
    .find(|p| std::path::Path::new(p).exists());
    let Some(soffice) = soffice else {
        panic!(
            "soffice not found: run scripts/install-test-deps.sh \
             (it installs libreoffice-calc-nogui)"
        );
    };
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("fiche.xlsx");
    std::fs::write(&src, xlsx).unwrap();
    let profile = format!(
        "-env:UserInstallation=file://{}",
        tmp.path().join("lo").display()
    );
    let out = std::process::Command::new(soffice)
        .args([
            profile.as_str(),
            "--headless",
            "--norestore",
            "--convert-to",
            "xls",
            "--outdir",
        ])
        .arg(tmp.path())
        .arg(&src)
        .output()
        .expect("run soffice");
    let xls = tmp.path().join("fiche.xls");
    assert!(
        xls.exists(),
        "soffice wrote no .xls: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(xls).unwrap()
}

#[test]
fn a_phone_typed_as_a_number_in_an_old_workbook() {
    let b = filled_book(Book::bourse())
        .fill("Pays", "France")
        .fill_with("Téléphone", number(694123456.0, "General", "694123456"));
    let mut files = sheet(&b);
    files.push(("xls", as_old_xls(&b.xlsx())));
    for (fmt, bytes) in files {
        let f = one(&bytes, fmt);
        assert_eq!(text_of(&f, "country"), Some("France"), "{fmt}");
        assert_eq!(
            text_of(&f, "contact_phone"),
            Some("0694123456"),
            "{fmt}: {:?}",
            f.warnings
        );
        assert!(
            warned(&f, "contact_phone", "0 initial rétabli"),
            "{fmt}: {:?}",
            f.warnings
        );
    }
}

#[test]
fn answers_typed_far_right_of_the_labels() {
    // Answers four columns right of the form's value cells (past the merged
    // B:C), the role one column further still.
    let mut b = Book::micro();
    for (label, col, value) in [
        (
            "Nom de la collectivité ou de la structure",
            5,
            "Ville de Kourou",
        ),
        ("Pays", 5, "France"),
        ("Nom", 5, "Dupont"),
        ("Prénom", 5, "Marie"),
        ("Fonction", 6, "Chargée de mission coopération"),
        ("Courriel", 5, "m.dupont@kourou.fr"),
        ("Titre du projet ou de la démarche", 5, "Jardins partagés"),
    ] {
        b = b.put(label, 0, col, text(value));
    }
    for (fmt, bytes) in sheet(&b) {
        let f = one(&bytes, fmt);
        assert_eq!(
            text_of(&f, "organisation"),
            Some("Ville de Kourou"),
            "{fmt}"
        );
        assert_eq!(text_of(&f, "contact_first_name"), Some("Marie"), "{fmt}");
        assert_eq!(
            text_of(&f, "contact_role"),
            Some("Chargée de mission coopération"),
            "{fmt}: {:?}",
            f.warnings
        );
        assert_eq!(text_of(&f, "project_title"), Some("Jardins partagés"));
        assert!(general(&f, "loin à droite"), "{fmt}: {:?}", f.warnings);
        assert!(f.extra.is_empty(), "{fmt}: {:?}", f.extra);
    }
    // The usual layout with one text far right of an empty label: kept
    // beside the form, and the label that read nothing says so.
    let b = filled_book(Book::micro()).put("Fonction", 0, 7, text("voir courriel"));
    for (fmt, bytes) in sheet(&b) {
        let f = one(&bytes, fmt);
        assert!(!f.fields.contains_key("contact_role"), "{fmt}");
        assert!(
            warned(&f, "contact_role", "colonne H"),
            "{fmt}: {:?}",
            f.warnings
        );
        assert!(f.extra.iter().any(|(_, v)| v == "voir courriel"), "{fmt}");
    }
}

#[test]
fn slots_written_in_english_12_hour_style() {
    let mut pairs: Vec<(&str, &str)> = ENGLISH.to_vec();
    pairs.extend([
        ("14h00 – 14h20", "2:00 – 2:20 pm"),
        ("14h20 – 14h40", "2:20 – 2:40 pm"),
        ("14h40 – 15h00", "2:40 – 3:00 pm"),
        ("15h00 – 15h20", "3:00 – 3:20 pm"),
        ("15h20 – 15h40", "3:20 – 3:40 pm"),
    ]);
    let d = filled_doc(Doc::micro())
        .translate(&pairs)
        .replace("☐ 2:20 – 2:40 pm", "☒ 2:20 – 2:40 pm");
    for (fmt, bytes) in word(&d) {
        let f = one(&bytes, fmt);
        assert_eq!(
            text_of(&f, "preferred_slot"),
            Some("14:20"),
            "{fmt}: {:?}",
            f.warnings
        );
    }
    // Typed in the slot cell of a sheet.
    let b = filled_book(Book::bourse()).fill(
        "Créneau horaire souhaité pour le rendez-vous",
        "1:15 – 1:45 pm",
    );
    for (fmt, bytes) in sheet(&b) {
        let f = one(&bytes, fmt);
        assert_eq!(text_of(&f, "preferred_slot"), Some("13:15"), "{fmt}");
    }
}

/// A bourse form as translators write it: other labels than the ones the
/// reader was first given, in Spanish and in Portuguese.
const SPANISH_VARIANTS: &[(&str, &str)] = &[
    (
        "BOURSE AUX PROJETS : FICHE DE RENSEIGNEMENT",
        "BOLSA DE PROYECTOS – FORMULARIO",
    ),
    (
        "Nom de la collectivité ou de la structure",
        "Nombre de la entidad / organización",
    ),
    ("Type de structure", "Tipo de organismo"),
    ("Pays", "País"),
    ("Fonction", "Cargo / función"),
    ("Courriel", "E-mail"),
    ("Téléphone", "Teléfono de contacto"),
    ("Type de demande", "Tipo de solicitud"),
    ("Description de la demande", "Descripción de la solicitud"),
    (
        "Créneau horaire souhaité pour le rendez-vous",
        "Horario preferido para la reunión",
    ),
    ("Indifférent", "Me da igual"),
];

const PORTUGUESE: &[(&str, &str)] = &[
    (
        "BOURSE AUX PROJETS : FICHE DE RENSEIGNEMENT",
        "BOLSA DE PROJETOS: FICHA DE INFORMAÇÃO",
    ),
    (
        "Nom de la collectivité ou de la structure",
        "Nome da entidade",
    ),
    ("Type de structure", "Tipo de entidade"),
    ("Pays", "País"),
    (
        "Membre de Cités Unies France",
        "Membro de Cités Unies France",
    ),
    ("Nom", "Apelido"),
    ("Prénom", "Nome próprio"),
    ("Fonction", "Função"),
    ("Courriel", "Correio eletrónico"),
    ("Téléphone", "Telefone"),
    ("Type de demande", "Tipo de pedido"),
    ("Description de la demande", "Descrição do pedido"),
    (
        "Créneau horaire souhaité pour le rendez-vous",
        "Horário desejado para a reunião",
    ),
    ("Oui", "Sim"),
    ("Non", "Não"),
    ("Commune", "Município"),
    (
        "Appel à coopération (recherche de partenaires sur un pays ou une thématique)",
        "Apelo à cooperação (procura de parceiros num país ou numa temática)",
    ),
];

#[test]
fn forms_translated_into_spanish_and_portuguese_by_other_translators() {
    let es = Doc::bourse()
        .fill(
            "Nom de la collectivité ou de la structure",
            "Municipio de Cuenca",
        )
        .fill("Pays", "Ecuador")
        .fill("Nom", "Andrade")
        .fill("Fonction", "Directora de cooperación")
        .fill("Courriel", "l.andrade@cuenca.gob.ec")
        .replace("☐ Besoin", "☒ Besoin")
        .replace("☐ 16h30 – 17h00", "☐ 16h30 – 17h00   sí")
        .translate(SPANISH_VARIANTS);
    let pt = Doc::bourse()
        .fill(
            "Nom de la collectivité ou de la structure",
            "Câmara Municipal de Praia",
        )
        .fill("Pays", "Cabo Verde")
        .fill("Nom", "Tavares")
        .fill("Prénom", "Ana")
        .fill("Fonction", "Vereadora")
        .fill("Courriel", "a.tavares@cmp.cv")
        .replace("☐ Oui", "☒ Oui")
        .replace("☐ Commune", "☒ Commune")
        .replace("☐ Appel", "☒ Appel")
        .replace("☐ 13h15 – 13h45", "☒ 13h15 – 13h45")
        .translate(PORTUGUESE);
    for (fmt, bytes) in word(&es) {
        let f = one(&bytes, fmt);
        assert_eq!(f.kind, Some(Kind::BourseProjets), "{fmt}");
        assert_eq!(
            text_of(&f, "organisation"),
            Some("Municipio de Cuenca"),
            "{fmt}: {:?}",
            f.warnings
        );
        assert_eq!(
            text_of(&f, "contact_role"),
            Some("Directora de cooperación")
        );
        assert_eq!(
            text_of(&f, "contact_email"),
            Some("l.andrade@cuenca.gob.ec")
        );
        assert_eq!(text_of(&f, "request_type"), Some("specific_need"), "{fmt}");
        assert_eq!(
            text_of(&f, "preferred_slot"),
            Some("16:30"),
            "{fmt}: {:?}",
            f.warnings
        );
        assert!(general(&f, "espagnol"), "{fmt}: {:?}", f.warnings);
    }
    for (fmt, bytes) in word(&pt) {
        let f = one(&bytes, fmt);
        assert_eq!(f.kind, Some(Kind::BourseProjets), "{fmt}");
        assert_eq!(
            text_of(&f, "organisation"),
            Some("Câmara Municipal de Praia"),
            "{fmt}: {:?}",
            f.warnings
        );
        assert_eq!(text_of(&f, "contact_last_name"), Some("Tavares"), "{fmt}");
        assert_eq!(text_of(&f, "contact_first_name"), Some("Ana"), "{fmt}");
        assert_eq!(text_of(&f, "contact_role"), Some("Vereadora"), "{fmt}");
        assert_eq!(
            f.fields.get("cuf_member"),
            Some(&Value::Bool(true)),
            "{fmt}"
        );
        assert_eq!(text_of(&f, "organisation_type"), Some("commune"), "{fmt}");
        assert_eq!(text_of(&f, "request_type"), Some("cooperation"), "{fmt}");
        assert_eq!(text_of(&f, "preferred_slot"), Some("13:15"), "{fmt}");
        assert!(general(&f, "portugais"), "{fmt}: {:?}", f.warnings);
    }
    // The sheet: the organisation under a one-word label, the slot typed.
    let b = Book::bourse()
        .fill(
            "Nom de la collectivité ou de la structure",
            "Municipio de Cuenca",
        )
        .fill("Pays", "Ecuador")
        .fill("Courriel", "l.andrade@cuenca.gob.ec")
        .fill(
            "Créneau horaire souhaité pour le rendez-vous",
            "12h45 – 13h15",
        )
        .translate(&[
            ("Nom de la collectivité ou de la structure", "Entidad"),
            ("Pays", "País"),
            ("Courriel", "Correo electrónico"),
            (
                "Créneau horaire souhaité pour le rendez-vous",
                "Franja horaria preferida para la reunión",
            ),
        ]);
    for (fmt, bytes) in sheet(&b) {
        let f = one(&bytes, fmt);
        assert_eq!(
            text_of(&f, "organisation"),
            Some("Municipio de Cuenca"),
            "{fmt}"
        );
        assert_eq!(text_of(&f, "preferred_slot"), Some("12:45"), "{fmt}");
    }
    // A slot under a label nobody listed is never read silently as "any".
    let b = filled_book(Book::bourse())
        .fill(
            "Créneau horaire souhaité pour le rendez-vous",
            "17h00 – 17h30",
        )
        .translate(&[(
            "Créneau horaire souhaité pour le rendez-vous",
            "Momento del día que le conviene",
        )]);
    for (fmt, bytes) in sheet(&b) {
        let f = one(&bytes, fmt);
        assert!(
            warned(&f, "preferred_slot", "17h00 – 17h30"),
            "{fmt}: {:?}",
            f.warnings
        );
    }
}

// ------------------------------------------------------------ Containers

fn zip_with(files: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in files {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn fiches_inside_a_zip_and_a_winmail_dat() {
    let docx = filled_doc(Doc::micro()).fill("Pays", "France").docx();
    let xlsx = filled_book(Book::bourse()).fill("Pays", "Mali").xlsx();
    let z = zip_with(&[
        ("fiches/micro.docx", &docx),
        ("fiches/bourse.xlsx", &xlsx),
        ("__MACOSX/._micro.docx", b"junk"),
        ("lisez-moi.txt", b"bonjour"),
    ]);
    let v = fiche::parse_file(&z, "fiches.zip");
    let inner: Vec<_> = v
        .iter()
        .map(|p| p.inner.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        inner,
        ["fiches/micro.docx", "fiches/bourse.xlsx", "lisez-moi.txt"]
    );
    assert_eq!(
        v[0].result.as_ref().unwrap().text("country"),
        Some("France")
    );
    assert_eq!(v[1].result.as_ref().unwrap().text("country"), Some("Mali"));
    assert_eq!(v[2].result.as_ref().unwrap_err().code(), "not_a_fiche");

    let t = fiche::container::build_tnef(&[
        ("Fiche micro-atelier.docx", &docx),
        ("logo.pdf", b"%PDF-1.4\n"),
    ]);
    let v = fiche::parse_file(&t, "winmail.dat");
    assert_eq!(v.len(), 2);
    assert_eq!(v[0].inner.as_deref(), Some("Fiche micro-atelier.docx"));
    assert_eq!(
        v[0].result.as_ref().unwrap().text("country"),
        Some("France")
    );
    assert_eq!(
        v[1].result.as_ref().unwrap_err().code(),
        "unsupported_format"
    );

    // A zip bomb inside a zip is refused under the same limits.
    let bomb = zip_with(&[("a.xlsx", &vec![0u8; 30 * 1024 * 1024])]);
    let v = fiche::parse_file(&zip_with(&[("bombe.zip", &bomb)]), "x.zip");
    assert!(v.iter().all(|p| p.result.is_err()), "{v:?}");
}

// ------------------------------------------------------------ Scoring set

/// Writes the habit set with what must be read back, to score a reader
/// before and after a change (`scripts/score-habits.py`):
/// `HABITS_OUT=DIR cargo test --test fiche_habits export_habit_set -- --ignored`.
#[test]
#[ignore]
fn export_habit_set() {
    use serde_json::{Value as J, json};
    let Ok(out) = std::env::var("HABITS_OUT") else {
        return;
    };
    std::fs::create_dir_all(&out).unwrap();
    let base = |kind: &str| -> serde_json::Map<String, J> {
        let mut m = serde_json::Map::new();
        m.insert("organisation".into(), json!("Ville de Grenoble"));
        m.insert("contact_last_name".into(), json!("Martin"));
        m.insert("contact_email".into(), json!("ri@grenoble.fr"));
        m.insert("preferred_slot".into(), json!("any"));
        let _ = kind;
        m
    };
    let with = |kind: &str, extra: &[(&str, J)]| {
        let mut m = base(kind);
        for (k, v) in extra {
            m.insert(k.to_string(), v.clone());
        }
        J::Object(m)
    };
    let mut set: Vec<(String, Vec<u8>, J)> = Vec::new();
    let words: Vec<(&str, Doc, J)> = vec![
        (
            "inline-colon",
            filled_doc(Doc::micro()).fill_inline("Pays", " : ", "Sénégal"),
            with("m", &[("country", json!("Sénégal"))]),
        ),
        (
            "inline-tab",
            filled_doc(Doc::micro()).fill_inline("Pays", "\t", "Sénégal"),
            with("m", &[("country", json!("Sénégal"))]),
        ),
        (
            "new-row",
            filled_doc(Doc::bourse())
                .answer_in_new_row("Description de la demande", "Former des formateurs."),
            with(
                "b",
                &[("request_description", json!("Former des formateurs."))],
            ),
        ),
        (
            "vertical",
            filled_doc(Doc::micro())
                .fill("Pays", "Maroc")
                .replace("☐ Climat", "☒ Climat")
                .vertical(),
            with(
                "m",
                &[("country", json!("Maroc")), ("theme", json!("climat"))],
            ),
        ),
        (
            "paragraphs",
            filled_doc(Doc::bourse())
                .fill("Pays", "Cameroun")
                .replace("☐ Besoin spécifique", "☒ Besoin spécifique")
                .rebuilt_as_paragraphs(),
            with(
                "b",
                &[
                    ("country", json!("Cameroun")),
                    ("request_type", json!("specific_need")),
                ],
            ),
        ),
        (
            "bold-option",
            filled_doc(Doc::micro())
                .style_option("Membre de Cités Unies France", "Non", bold)
                .style_option("Type de structure", "Région", bold),
            with(
                "m",
                &[
                    ("cuf_member", json!(false)),
                    ("organisation_type", json!("region")),
                ],
            ),
        ),
        (
            "highlight-option",
            filled_doc(Doc::micro())
                .style_option("Thématique principale", "Jeunesse", |r| r.highlight = true),
            with("m", &[("theme", json!("jeunesse"))]),
        ),
        (
            "struck-options",
            filled_doc(Doc::micro()).strike_others("Format de la présentation", "Film"),
            with("m", &[("format", json!("film"))]),
        ),
        (
            "stamp",
            filled_doc(Doc::micro())
                .fill("Pays", "France")
                .add_paragraph("Validé par le service RI"),
            with("m", &[("country", json!("France"))]),
        ),
        (
            "english",
            Doc::micro()
                .fill(
                    "Nom de la collectivité ou de la structure",
                    "City of Bristol",
                )
                .fill("Pays", "United Kingdom")
                .replace("☐ Oui", "☒ Oui")
                .translate(ENGLISH),
            json!({"organisation": "City of Bristol", "country": "United Kingdom", "cuf_member": true, "preferred_slot": "any"}),
        ),
        (
            "spanish",
            Doc::bourse()
                .fill(
                    "Nom de la collectivité ou de la structure",
                    "Municipio de Cuenca",
                )
                .fill("Pays", "Ecuador")
                .replace("☐ Besoin", "☒ Besoin")
                .translate(SPANISH),
            json!({"organisation": "Municipio de Cuenca", "country": "Ecuador", "request_type": "specific_need", "preferred_slot": "any"}),
        ),
        // Habits of the blind test set (fix round).
        (
            "mark-after-option",
            filled_doc(Doc::micro())
                .replace("☐ Région", "☐ Région ✓")
                .replace("☐ Non", "☐ Non X")
                .replace("☐ 15h00 – 15h20", "☐ 15h00 – 15h20 oui"),
            {
                let mut w = with(
                    "m",
                    &[
                        ("organisation_type", json!("region")),
                        ("cuf_member", json!(false)),
                    ],
                );
                w["preferred_slot"] = json!("15:00");
                w
            },
        ),
        (
            "slot-12-hour",
            {
                let mut pairs: Vec<(&str, &str)> = ENGLISH.to_vec();
                pairs.extend([
                    ("14h00 – 14h20", "2:00 – 2:20 pm"),
                    ("14h20 – 14h40", "2:20 – 2:40 pm"),
                    ("14h40 – 15h00", "2:40 – 3:00 pm"),
                    ("15h00 – 15h20", "3:00 – 3:20 pm"),
                    ("15h20 – 15h40", "3:20 – 3:40 pm"),
                ]);
                filled_doc(Doc::micro())
                    .translate(&pairs)
                    .replace("☐ 3:20 – 3:40 pm", "☒ 3:20 – 3:40 pm")
            },
            {
                let mut w = with("m", &[]);
                w["preferred_slot"] = json!("15:20");
                w
            },
        ),
        (
            "spanish-variants",
            Doc::bourse()
                .fill(
                    "Nom de la collectivité ou de la structure",
                    "Municipio de Cuenca",
                )
                .fill("Pays", "Ecuador")
                .fill("Fonction", "Directora")
                .replace("☐ Besoin", "☒ Besoin")
                .replace("☐ 16h30 – 17h00", "☐ 16h30 – 17h00   sí")
                .translate(SPANISH_VARIANTS),
            json!({"organisation": "Municipio de Cuenca", "country": "Ecuador", "contact_role": "Directora", "request_type": "specific_need", "preferred_slot": "16:30"}),
        ),
        (
            "portuguese",
            Doc::bourse()
                .fill(
                    "Nom de la collectivité ou de la structure",
                    "Câmara Municipal de Praia",
                )
                .fill("Pays", "Cabo Verde")
                .fill("Nom", "Tavares")
                .replace("☐ Appel", "☒ Appel")
                .translate(PORTUGUESE),
            json!({"organisation": "Câmara Municipal de Praia", "country": "Cabo Verde", "contact_last_name": "Tavares", "request_type": "cooperation", "preferred_slot": "any"}),
        ),
    ];
    for (name, d, want) in words {
        set.push((format!("{name}.docx"), d.docx(), want.clone()));
        set.push((format!("{name}.odt"), d.odt(), want));
    }
    let books: Vec<(&str, Book, J)> = vec![
        (
            "phone-format",
            filled_book(Book::micro()).fill_with(
                "Téléphone",
                number(594282828.0, "00 00 00 00 00", "05 94 28 28 28"),
            ),
            with("m", &[("contact_phone", json!("05 94 28 28 28"))]),
        ),
        (
            "slot-time",
            filled_book(Book::micro()).fill_with("Créneau horaire souhaité", time(14, 20)),
            {
                let mut w = with("m", &[]);
                w["preferred_slot"] = json!("14:20");
                w
            },
        ),
        (
            "vertical",
            filled_book(Book::micro())
                .fill("Pays", "Tunisie")
                .vertical(),
            with("m", &[("country", json!("Tunisie"))]),
        ),
        (
            "blank-copy-first",
            filled_book(Book::micro())
                .fill("Pays", "Bénin")
                .blank_copy_first(Book::micro(), false),
            with("m", &[("country", json!("Bénin"))]),
        ),
        (
            "blank-copy-hidden",
            filled_book(Book::micro())
                .fill("Pays", "Bénin")
                .blank_copy_first(Book::micro(), true),
            with("m", &[("country", json!("Bénin"))]),
        ),
        (
            "options-in-cells",
            filled_book(Book::micro())
                .fill_with("Type de structure", text("Commune"))
                .put(
                    "Type de structure",
                    0,
                    2,
                    styled("Région", true, false, false),
                ),
            with("m", &[("organisation_type", json!("region"))]),
        ),
        (
            "rich-bold",
            filled_book(Book::micro()).fill_with(
                "Membre de Cités Unies France",
                rich(vec![
                    Run::plain("Oui / "),
                    Run {
                        bold: true,
                        ..Run::plain("Non")
                    },
                ]),
            ),
            with("m", &[("cuf_member", json!(false))]),
        ),
        (
            "note-beside",
            filled_book(Book::micro()).put("Pays", 0, 5, text("Validé par le service RI")),
            with("m", &[]),
        ),
        (
            "spanish",
            Book::bourse()
                .fill(
                    "Nom de la collectivité ou de la structure",
                    "Municipio de Cuenca",
                )
                .fill("Pays", "Ecuador")
                .fill("Membre de Cités Unies France", "Sí")
                .translate(SPANISH),
            json!({"organisation": "Municipio de Cuenca", "country": "Ecuador", "cuf_member": true, "preferred_slot": "any"}),
        ),
        // Habits of the blind test set (fix round).
        (
            "mark-in-next-cell",
            filled_book(Book::micro())
                .fill("Membre de Cités Unies France", "☐ Oui")
                .put("Membre de Cités Unies France", 0, 2, text("☐ Non"))
                .put("Membre de Cités Unies France", 0, 3, text("x"))
                .fill("Type de structure", "☐ Commune oui ☐ Région"),
            with(
                "m",
                &[
                    ("cuf_member", json!(false)),
                    ("organisation_type", json!("commune")),
                ],
            ),
        ),
        (
            "phone-as-number",
            filled_book(Book::micro())
                .fill_with("Téléphone", number(594282828.0, "General", "594282828")),
            with("m", &[("contact_phone", json!("0594282828"))]),
        ),
        (
            "answers-far-right",
            {
                let mut b = Book::micro();
                for (label, col, value) in [
                    (
                        "Nom de la collectivité ou de la structure",
                        5,
                        "Ville de Grenoble",
                    ),
                    ("Nom", 5, "Martin"),
                    ("Fonction", 6, "Chargé de mission"),
                    ("Courriel", 5, "ri@grenoble.fr"),
                ] {
                    b = b.put(label, 0, col, text(value));
                }
                b
            },
            with("m", &[("contact_role", json!("Chargé de mission"))]),
        ),
        (
            "spanish-one-word-label",
            Book::bourse()
                .fill(
                    "Nom de la collectivité ou de la structure",
                    "Municipio de Cuenca",
                )
                .fill("Pays", "Ecuador")
                .fill(
                    "Créneau horaire souhaité pour le rendez-vous",
                    "1:15 – 1:45 pm",
                )
                .translate(&[
                    ("Nom de la collectivité ou de la structure", "Entidad"),
                    ("Pays", "País"),
                    (
                        "Créneau horaire souhaité pour le rendez-vous",
                        "Horario preferido para la reunión",
                    ),
                ]),
            json!({"organisation": "Municipio de Cuenca", "country": "Ecuador", "preferred_slot": "13:15"}),
        ),
    ];
    for (name, b, want) in books {
        set.push((format!("{name}.xlsx"), b.xlsx(), want.clone()));
        set.push((format!("{name}.ods"), b.ods(), want));
    }
    let mut expected = serde_json::Map::new();
    for (name, bytes, want) in set {
        std::fs::write(format!("{out}/{name}"), bytes).unwrap();
        expected.insert(name, want);
    }
    std::fs::write(
        format!("{out}/expected.json"),
        serde_json::to_string_pretty(&J::Object(expected)).unwrap(),
    )
    .unwrap();
}
