use std::path::{Path, PathBuf};

use super::*;
use crate::domain::{Status, Told, decision_letter, may_acknowledge, unreadable_why};
use crate::fiche::Kind;
use crate::letters::french::Civility;

fn shipped_texts() -> Vec<(LetterKind, PathBuf, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("letters");
    LetterKind::ALL
        .iter()
        .map(|k| {
            let f = dir.join(k.file_name());
            let t = std::fs::read_to_string(&f).unwrap();
            (*k, f, t)
        })
        .collect()
}

fn event() -> EventInfo {
    EventInfo {
        name: "Rencontres de l'internationalisation des collectivités territoriales".into(),
        date: "2018-07-04".into(),
        place: Some("Pavillon d'Armenonville, Paris".into()),
    }
}

fn shipped() -> Letters {
    Letters::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("letters"),
        event(),
    )
    .unwrap()
}

fn data() -> LetterData {
    LetterData {
        kind: Some("micro_atelier".into()),
        reference: 12,
        organisation: Some("Ville de Saint-Étienne".into()),
        contact_first_name: Some("Claire".into()),
        contact_last_name: Some("Martin".into()),
        title: Some("Coopération décentralisée et eau potable".into()),
        received: Some("2018-06-05T10:12:00+02:00".into()),
        slot: Some("14:20".into()),
        space: Some("Espace B".into()),
        ..LetterData::default()
    }
}

/// The text with non-breaking spaces shown as plain ones (what a reader sees).
fn plain(s: &str) -> String {
    s.replace('\u{a0}', " ")
}

/// The text on one line: what a phrase says whatever the line breaks.
fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_shipped_templates_load_and_read_well() {
    // The full wording of every letter is reviewed in the snapshots of
    // tests/letters_french.rs; here, what the data makes of it.
    let l = shipped();
    let ack = l.render(LetterKind::Acknowledgement, &data());
    assert_eq!(
        plain(&ack.subject),
        "Votre fiche pour les Rencontres de l'internationalisation des collectivités territoriales est bien arrivée"
    );
    assert!(
        ack.body.starts_with("Madame, Monsieur,\n\n"),
        "{}",
        ack.body
    );
    let body = plain(&ack.body);
    assert!(
        body.contains("de la Ville de Saint-Étienne\n(micro-atelier : « Coopération décentralisée et eau potable »)"),
        "{body}"
    );
    assert!(body.contains("le numéro 12"), "{body}");
    assert!(ack.problems.is_empty());
    assert!(ack.body.ends_with("Cités Unies France\n"));

    let mut d = data();
    d.civility = Some(Civility::Madame);
    let acc = l.render(LetterKind::Accepted, &d);
    let body = plain(&acc.body);
    assert!(acc.body.starts_with("Madame Martin,\n"), "{}", acc.body);
    assert!(body.contains("Horaire : 14h20 – 14h40"), "{body}");
    assert!(body.contains("Lieu : Espace B, Pavillon d'Armenonville, Paris"));
    assert!(
        flat(&body).contains("proposé par la Ville de Saint-Étienne"),
        "{body}"
    );
    assert!(flat(&body).contains("jusqu'à votre espace"), "{body}");
    assert!(plain(&acc.subject).ends_with("votre micro-atelier est au programme"));

    // The bourse's own wording: a table, not a space.
    let mut b = data();
    b.kind = Some("bourse_projets".into());
    b.space = Some("Table 3".into());
    b.slot = Some("12:45".into());
    let acc = l.render(LetterKind::Accepted, &b);
    let body = plain(&acc.body);
    assert!(flat(&body).contains("jusqu'à votre table"), "{body}");
    assert!(!body.contains("espace"), "{body}");
    assert!(body.contains("Horaire : 12h45 – 13h15"), "{body}");

    let mut d = data();
    d.rank = Some(3);
    let w = l.render(LetterKind::Waitlisted, &d);
    let body = plain(&w.body);
    assert!(
        flat(&body).contains("occupe actuellement la 3e place."),
        "{body}"
    );
    // Said once: never "inscrite sur la liste d'attente. Elle est 3e sur la
    // liste d'attente."
    assert_eq!(body.matches("liste d'attente").count(), 1, "{body}");
    // No rank (no longer waiting): held until fixed.
    d.rank = None;
    let w = l.render(LetterKind::Waitlisted, &d);
    assert!(plain(&w.body).contains("(rang à préciser)"), "{}", w.body);
    assert_eq!(w.problems.len(), 1, "{:?}", w.problems);

    // The cancellation names what was announced and why it no longer holds.
    let mut d = data();
    d.previous_slot = Some("14:20".into());
    d.previous_space = Some("Espace B".into());
    d.reason = Some("La salle B est fermée pour travaux".into());
    d.status = Some(crate::domain::Status::Rejected);
    let c = l.render(LetterKind::Cancellation, &d);
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert!(
        plain(&c.subject).ends_with("annulation de votre micro-atelier"),
        "{}",
        c.subject
    );
    let body = plain(&c.body);
    assert!(body.contains("Horaire annoncé : 14h20 – 14h40"), "{body}");
    assert!(body.contains("Lieu annoncé : Espace B, Pavillon d'Armenonville, Paris"));
    assert!(
        flat(&body)
            .contains("qu'il n'y figure plus. En effet, la salle B est fermée pour travaux."),
        "{body}"
    );
    assert!(!body.contains("Motif"), "{body}");
    assert!(body.contains("désagrément"), "{body}");

    // Withdrawn at the organisation's request: said so, no apology.
    d.reason = None;
    d.status = Some(crate::domain::Status::Withdrawn);
    let c = l.render(LetterKind::Cancellation, &d);
    let body = flat(&plain(&c.body));
    assert!(
        plain(&c.subject).ends_with("retrait de votre micro-atelier"),
        "{}",
        c.subject
    );
    assert!(
        body.contains(
            "Comme vous nous l'avez indiqué, votre micro-atelier est retiré du programme."
        ),
        "{body}"
    );
    assert!(
        !body.contains("désagrément") && !body.contains("regret"),
        "{body}"
    );

    // Back on the waiting list: its rank now, and what comes next.
    d.status = Some(crate::domain::Status::Waitlisted);
    d.rank = Some(2);
    let c = l.render(LetterKind::Cancellation, &d);
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    let body = flat(&plain(&c.body));
    assert!(
        plain(&c.subject).ends_with("votre micro-atelier est replacé sur liste d'attente"),
        "{}",
        c.subject
    );
    assert!(
        body.contains("où elle occupe actuellement la 2e place."),
        "{body}"
    );
    assert!(body.contains("nous vous écrirons aussitôt."), "{body}");
    assert!(!body.contains("En effet"), "{body}");
    // No rank (no longer waiting): held until fixed, as the waiting-list letter.
    d.rank = None;
    let c = l.render(LetterKind::Cancellation, &d);
    assert_eq!(c.problems.len(), 1, "{:?}", c.problems);

    let mut d = data();
    d.reason = Some("Thématique hors du champ des Rencontres".into());
    let r = l.render(LetterKind::Rejected, &d);
    let body = flat(&plain(&r.body));
    assert!(
        body.contains("cette édition. En effet, thématique hors du champ des Rencontres."),
        "{body}"
    );
    // A template of before, with its "Motif :" label: no label, no double colon.
    let old = "Objet : x\n\n{appel},\n\nNon retenue.\n\nMotif : {motif}\n";
    let t = Template::parse(LetterKind::Rejected, std::path::Path::new("n.txt"), old).unwrap();
    let r = super::render::render(&t, &l.event, &d);
    assert!(
        plain(&r.body).contains("\nEn effet, thématique hors du champ des Rencontres.\n"),
        "{}",
        r.body
    );

    let mut d = data();
    d.previous_slot = Some("14:00".into());
    d.previous_space = Some("Table 1".into());
    d.kind = Some("bourse_projets".into());
    d.slot = Some("16:30".into());
    d.space = Some("Table 3".into());
    let s = l.render(LetterKind::SlotChanged, &d);
    let body = plain(&s.body);
    assert!(
        body.contains("Auparavant : 14h00 – 14h30, Table 1"),
        "{body}"
    );
    assert!(body.contains("Désormais : 16h30 – 17h00, Table 3"));
    assert!(
        flat(&body).contains("change d'horaire et de table."),
        "{body}"
    );
    assert!(
        plain(&s.subject).ends_with("nouvel horaire et nouvelle table pour votre rendez-vous"),
        "{}",
        s.subject
    );
    // Only the time moved: said so, subject too.
    d.space = Some("Table 1".into());
    let s = l.render(LetterKind::SlotChanged, &d);
    assert!(
        flat(&plain(&s.body)).contains("change d'horaire."),
        "{}",
        s.body
    );
    assert!(
        plain(&s.subject).ends_with(": nouvel horaire pour votre rendez-vous"),
        "{}",
        s.subject
    );
    // Only the place (micro-atelier).
    d.kind = Some("micro_atelier".into());
    d.slot = Some("14:00".into());
    d.space = Some("Espace C".into());
    d.previous_space = Some("Espace A".into());
    let s = l.render(LetterKind::SlotChanged, &d);
    assert!(
        flat(&plain(&s.body)).contains("change de lieu :"),
        "{}",
        s.body
    );
    assert!(
        plain(&s.subject).ends_with(": nouveau lieu pour votre micro-atelier"),
        "{}",
        s.subject
    );
}

#[test]
fn missing_data_falls_back_and_a_missing_place_is_a_problem() {
    let l = shipped();
    let d = LetterData {
        reference: 3,
        ..LetterData::default()
    };
    let ack = l.render(LetterKind::Acknowledgement, &d);
    assert!(ack.body.starts_with("Madame, Monsieur,"));
    assert!(
        plain(&ack.body).contains("de votre collectivité\n(proposition : « sans titre »)"),
        "{}",
        ack.body
    );
    let acc = l.render(LetterKind::Accepted, &d);
    assert_eq!(acc.problems.len(), 2, "{:?}", acc.problems);
}

#[test]
fn hostile_values_cannot_add_headers_or_controls() {
    let l = shipped();
    let mut d = data();
    d.kind = Some("micro_atelier".into());
    d.organisation = Some("Ville\r\nBcc: x@evil.example\u{1b}[2J\u{202e}".into());
    let ack = l.render(LetterKind::Acknowledgement, &d);
    assert!(!ack.subject.contains('\n'));
    assert!(
        !ack.body.contains('\u{1b}') && !ack.body.contains('\u{202e}') && !ack.body.contains('\r')
    );
    // In the body it is only text (line breaks in a field are kept).
    assert!(ack.body.contains("x@evil.example[2J"), "{}", ack.body);
    assert!(!ack.subject.contains('\r'));
}

fn parse(kind: LetterKind, text: &str) -> Result<Template, LetterError> {
    Template::parse(kind, Path::new("letters/x.txt"), text)
}

#[test]
fn errors_name_the_file_and_the_line() {
    let e = parse(
        LetterKind::Acknowledgement,
        "Objet : ok\n\nBonjour {contcat},\n",
    )
    .unwrap_err();
    assert_eq!(e.line, Some(3));
    let s = e.to_string();
    assert!(
        s.starts_with("modèle de lettre letters/x.txt, ligne 3 : champ {contcat} inconnu"),
        "{s}"
    );
    assert!(s.contains("{contact}"), "{s}");

    let e = parse(
        LetterKind::Acknowledgement,
        "Objet : ok\n\nVotre créneau : {creneau}\n",
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("n'a pas de sens dans une lettre « accusé de réception »"),
        "{e}"
    );

    let e = parse(
        LetterKind::Accepted,
        "Objet : ok\n\nVous êtes à {espace}.\n",
    )
    .unwrap_err();
    assert_eq!(e.line, None);
    assert!(e.to_string().contains("il manque {creneau}"), "{e}");

    let e = parse(LetterKind::Acknowledgement, "Bonjour\n\ntexte\n").unwrap_err();
    assert_eq!(e.line, Some(1));
    let e = parse(
        LetterKind::Acknowledgement,
        "Objet : a {evenement\n\ntexte\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("sans fermeture"), "{e}");
    let e = parse(LetterKind::Acknowledgement, "Objet : a\n\nx\ny } z\n").unwrap_err();
    assert_eq!(e.line, Some(4));
    let e = parse(LetterKind::Acknowledgement, "Objet : a\n\n\n").unwrap_err();
    assert!(e.to_string().contains("pas de texte"), "{e}");
}

#[test]
fn braces_and_spacing() {
    let t = parse(
        LetterKind::Acknowledgement,
        "\u{feff}OBJET\u{a0}: {{n° { reference }}}\r\n\r\n\r\nA\r\n\r\n\r\nB   \r\n\r\n",
    )
    .unwrap();
    let l = Letters {
        dir: PathBuf::new(),
        event: event(),
        templates: LetterKind::ALL
            .iter()
            .map(|k| Template {
                kind: *k,
                ..t.clone()
            })
            .collect(),
        variants: Vec::new(),
    };
    let r = l.render(LetterKind::Acknowledgement, &data());
    assert_eq!(r.subject, "{n°\u{a0}12}");
    assert_eq!(r.body, "A\n\n\nB\n");
}

#[test]
fn long_filled_lines_are_wrapped_and_short_ones_kept() {
    let l = shipped();
    let mut d = data();
    d.kind = Some("bourse_projets".into());
    d.description = Some("Mise en place d'une formation à l'entrepreneuriat pour les jeunes ; recherche d'un partenaire".into());
    let ack = l.render(LetterKind::Acknowledgement, &d);
    for line in ack.body.lines() {
        assert!(line.chars().count() <= 78, "{line}");
    }
    assert!(plain(&ack.body).contains("« Mise en place d'une formation"));
    assert_eq!(
        render::wrap_long_lines(&format!("  {}\nshort\n", "mot ".repeat(30)), 20),
        "  mot mot mot mot\n  mot mot mot mot\n  mot mot mot mot\n  mot mot mot mot\n  mot mot mot mot\n  mot mot mot mot\n  mot mot mot mot\n  mot mot\nshort\n"
    );
}

#[test]
fn lieu_needs_a_place() {
    let mut ev = event();
    ev.place = None;
    let e = Letters::from_texts(Path::new("letters"), ev, shipped_texts()).unwrap_err();
    assert!(e.to_string().contains("[event] place"), "{e}");
}

#[test]
fn which_letter_a_decision_calls_for() {
    let told = |kind, slot: &str, space: &str| Told {
        kind,
        slot: Some(slot.into()),
        space: Some(space.into()),
    };
    use LetterKind::*;
    assert_eq!(
        decision_letter(Status::Accepted, Some("14:00"), Some("Espace A"), None),
        Some(Accepted)
    );
    let a = told(Accepted, "14:00", "Espace A");
    assert_eq!(
        decision_letter(Status::Accepted, Some("14:00"), Some("Espace A"), Some(&a)),
        None
    );
    assert_eq!(
        decision_letter(Status::Accepted, Some("14:20"), Some("Espace A"), Some(&a)),
        Some(SlotChanged)
    );
    let w = Told {
        kind: Waitlisted,
        slot: None,
        space: None,
    };
    assert_eq!(
        decision_letter(Status::Accepted, Some("14:20"), Some("Espace A"), Some(&w)),
        Some(Accepted)
    );
    assert_eq!(
        decision_letter(Status::Waitlisted, None, None, Some(&w)),
        None
    );
    // Told "accepted" and no longer accepted: a cancellation, whatever
    // the new state.
    for st in [
        Status::Waitlisted,
        Status::Rejected,
        Status::Withdrawn,
        Status::Pending,
    ] {
        assert_eq!(
            decision_letter(st, None, None, Some(&a)),
            Some(Cancellation),
            "{st}"
        );
    }
    let c = Told {
        kind: Cancellation,
        slot: None,
        space: None,
    };
    assert_eq!(
        decision_letter(Status::Rejected, None, None, Some(&c)),
        None
    );
    assert_eq!(
        decision_letter(Status::Withdrawn, None, None, Some(&c)),
        None
    );
    assert_eq!(
        decision_letter(Status::Waitlisted, None, None, Some(&c)),
        Some(Waitlisted)
    );
    assert_eq!(
        decision_letter(Status::Accepted, Some("14:00"), Some("Espace A"), Some(&c)),
        Some(Accepted)
    );
    assert_eq!(
        decision_letter(Status::Rejected, None, None, None),
        Some(Rejected)
    );
    assert_eq!(decision_letter(Status::Pending, None, None, None), None);
    assert_eq!(
        decision_letter(Status::Withdrawn, None, None, Some(&w)),
        None
    );
}

#[test]
fn who_is_never_acknowledged() {
    let own = vec!["rencontres@cites-unies-france.org".to_string()];
    assert!(may_acknowledge(Some("claire@saint-etienne.fr"), &own));
    assert!(!may_acknowledge(
        Some("Rencontres@Cites-Unies-France.org"),
        &own
    ));
    assert!(!may_acknowledge(Some("MAILER-DAEMON@mx.example.org"), &own));
    assert!(!may_acknowledge(Some("postmaster@example.org"), &own));
    assert!(!may_acknowledge(None, &own));
}

#[test]
fn french_dates_and_slots() {
    let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    assert_eq!(date_fr(d("2018-07-04"), true), "mercredi 4 juillet 2018");
    assert_eq!(date_fr(d("2018-08-01"), false), "1er août 2018");
    assert_eq!(
        crate::domain::slot_label(Some(Kind::MicroAtelier), "15:20"),
        "15h20 – 15h40"
    );
    assert_eq!(
        crate::domain::slot_label(Some(Kind::BourseProjets), "17:00"),
        "17h00 – 17h30"
    );
    assert_eq!(crate::domain::slot_label(None, "14:00"), "14h00");
    assert_eq!(crate::domain::slot_label(None, "matin"), "matin");
}

use chrono::NaiveDate;

#[test]
fn a_bourse_request_is_named_by_its_type_and_country_not_by_a_cut_description() {
    let l = shipped();
    let mut d = data();
    d.kind = Some("bourse_projets".into());
    d.description = Some(
        "Nous souhaitons élargir notre programme « Jeunes solidaires » à une région \
         marocaine et cherchons pour cela des partenaires"
            .into(),
    );
    d.title = Some("cooperation".into());
    d.title_detail = Some("Maroc".into());
    let body = plain(&l.render(LetterKind::Waitlisted, &d).body);
    assert!(
        flat(&body)
            .contains("à la bourse aux projets (demande n° 12 – appel à coopération : Maroc)"),
        "{body}"
    );
    assert!(!body.contains("Nous souhaitons"), "{body}");
    d.title_detail = Some("Vietnam (province de Yên Bái)".into());
    let body = plain(&l.render(LetterKind::Accepted, &d).body);
    assert!(
        flat(&body)
            .contains("(demande n° 12 – appel à coopération : Vietnam, province de Yên Bái)"),
        "{body}"
    );
    d.title = Some("specific_need".into());
    d.title_detail = None;
    let body = plain(&l.render(LetterKind::Rejected, &d).body);
    assert!(
        flat(&body).contains("(demande n° 12 – besoin spécifique)"),
        "{body}"
    );
    // A type the form does not have (two options marked, kept as written):
    // the start of the description names it, in one pair of guillemets.
    d.title = Some("Appel à coopération ; Besoin spécifique".into());
    let body = plain(&l.render(LetterKind::Rejected, &d).body);
    assert!(
        flat(&body).contains(
            "(demande n° 12 – « Nous souhaitons élargir notre programme “Jeunes solidaires” à"
        ),
        "{body}"
    );
    d.description = None;
    let body = plain(&l.render(LetterKind::Rejected, &d).body);
    assert!(
        flat(&body).contains("(demande n° 12 – sans description)"),
        "{body}"
    );
}

#[test]
fn a_demande_de_docx_names_each_file_or_says_there_was_none() {
    let l = shipped();
    let d = LetterData {
        received: Some("2018-05-18T15:20:00+02:00".into()),
        files: vec![
            (
                "Fiche Pau.doc".into(),
                unreadable_why("unsupported_format", Some("DOC")),
            ),
            (
                "scan.jpg".into(),
                unreadable_why("unsupported_format", None),
            ),
        ],
        ..LetterData::default()
    };
    let t = l.render(LetterKind::DocxRequest, &d);
    assert!(t.problems.is_empty(), "{:?}", t.problems);
    assert!(t.subject.contains(".docx ou .xlsx"), "{}", t.subject);
    assert!(t.body.starts_with("Madame, Monsieur,"), "{}", t.body);
    assert!(t.body.contains("18\u{a0}mai\u{a0}2018"), "{}", t.body);
    let flat = t.body.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("- « Fiche Pau.doc » : un document Word de l'ancien format (.doc), que notre outil ne sait pas lire ;"),
        "{flat}"
    );
    assert!(
        flat.contains("- « scan.jpg » : un format que notre outil ne sait pas lire (une image ou une photo, par exemple)."),
        "{flat}"
    );
    // Each item is indented: reflowing never joins it to the sentence above.
    assert!(
        t.body.contains("\n  - «\u{a0}Fiche Pau.doc\u{a0}»"),
        "{}",
        t.body
    );
    assert!(t.body.contains("Cités Unies France"));
    let none = l.render(LetterKind::DocxRequest, &LetterData::default());
    assert!(
        none.body
            .contains("votre message ne contenait aucune pièce jointe."),
        "{}",
        none.body
    );
    // A hostile name stays on its line, without control characters.
    let hostile = l.render(
        LetterKind::DocxRequest,
        &LetterData {
            files: vec![("x\n\nBcc: a@b\u{1b}[2J.doc".into(), "illisible".into())],
            ..LetterData::default()
        },
    );
    assert!(!hostile.body.contains("\nBcc"), "{}", hostile.body);
    assert!(!hostile.body.contains('\u{1b}'), "{}", hostile.body);
    // A template that forgets the files is refused, naming the file.
    let e = Template::parse(
        LetterKind::DocxRequest,
        Path::new("letters/demande-docx.txt"),
        "Objet : {evenement}\n\n{appel},\n\nMerci.\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("demande-docx.txt"), "{e}");
    // …and one that uses a fiche's placeholder too: there is no fiche.
    assert!(
        Template::parse(
            LetterKind::DocxRequest,
            Path::new("letters/demande-docx.txt"),
            "Objet : {evenement}\n\n{fichiers} {titre}\n",
        )
        .is_err()
    );
}
