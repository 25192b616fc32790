//! A call with a third kind of proposal, a « table ronde », added in the
//! call definition only: its letters (acknowledgement, acceptance with its
//! slot and room, waiting list, refusal, slot changed, the three
//! cancellations) read as correct French — its noun, its gender, its
//! length, its rooms, its slots — with nothing of the micro-atelier or the
//! bourse aux projets leaking in; a folder's own `accepte-table-ronde.txt`
//! is used for it; the 2018 kinds of the same definition keep their
//! letters.
//!
//! The definition is installed once per process (`fiches::call::install`),
//! hence a child process of the test binary of its own
//! (`support::process::own_process`).

use crate::support::process::own_process;

use std::path::{Path, PathBuf};

use fiches::domain::LetterKind;
use fiches::domain::Status;
use fiches::letters::{EventInfo, LetterData, Letters};

/// The repository's call.toml with a third kind: a feminine noun, rooms
/// ("salle"), 90-minute slots, a text title and a long description.
fn third_kind_call() -> String {
    let base = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("call.toml"))
        .expect("call.toml");
    format!(
        "{base}\n{}",
        r#"
[[kinds]]
key = "table_ronde"
label = "Table ronde"
short = "Table"
noun = "table ronde"
plural = "Tables rondes"
title = "TABLE RONDE : FICHE DE RENSEIGNEMENT"
distinctive = ["roundtable_question", "speakers"]
fields = [
    "organisation",
    "organisation_type",
    "country",
    "cuf_member",
    "contact_last_name",
    "contact_first_name",
    "contact_email",
    "roundtable_question",
    "speakers",
    "preferred_slot_table",
]
slot_field = "preferred_slot"
member_field = "cuf_member"
title_field = "roundtable_question"
public_fields = ["roundtable_question"]
description_field = "speakers"

[kinds.title_names]
fr = ["table ronde", "tables rondes"]

[kinds.wording]
feminine = true
place_change = "salle"
place_change_feminine = true

[kinds.programme]
slots = ["10:00", "11:30"]
minutes = 90
places = ["Salle Senghor", "Salle Hugo"]
place_word = "salle"

[[fields]]
id = "roundtable_question"
label = "Question posée à la table ronde"
type = "text"
required = true

[[fields]]
id = "speakers"
label = "Intervenants pressentis"
type = "long_text"

[[fields]]
id = "preferred_slot_table"
key = "preferred_slot"
label = "Créneau souhaité pour la table ronde"
type = "time_slot"
options = "table_ronde_slots"

[[options.table_ronde_slots]]
label = "10h00 – 11h30"
value = "10:00"

[[options.table_ronde_slots]]
label = "11h30 – 13h00"
value = "11:30"

[[options.table_ronde_slots]]
label = "Indifférent"
value = "any"
"#
    )
}

fn event() -> EventInfo {
    EventInfo {
        name: "Rencontres de l'internationalisation des collectivités territoriales".into(),
        date: "2018-07-04".into(),
        place: Some("Pavillon d'Armenonville, Paris".into()),
    }
}

fn shipped_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("letters")
}

fn table_ronde() -> LetterData {
    LetterData {
        kind: Some("table_ronde".into()),
        reference: 7,
        organisation: Some("Ville de Grenoble".into()),
        organisation_type: Some("commune".into()),
        country: Some("France".into()),
        contact_first_name: Some("Claire".into()),
        contact_last_name: Some("Martin".into()),
        title: Some("Villes et climat : quelles alliances ?".into()),
        description: Some("Élus de trois continents".into()),
        received: Some("2018-06-05T10:12:00+02:00".into()),
        slot: Some("11:30".into()),
        space: Some("Salle Hugo".into()),
        status: Some(Status::Accepted),
        ..LetterData::default()
    }
}

/// What a reader sees: plain spaces, one line.
fn flat(s: &str) -> String {
    s.replace(['\u{a0}', '\u{202f}'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Words of the other kinds that must not reach a table ronde's letter.
fn assert_no_leak(what: &str, text: &str) {
    let folded = text.to_lowercase();
    for word in [
        "micro-atelier",
        "bourse",
        "rendez-vous",
        "espace",
        "table 1",
        "proposé par",
        "retiré du",
        "qu'il",
        "il figure",
        "vingt minutes",
        "trente minutes",
    ] {
        assert!(
            !folded.contains(word),
            "{what}: « {word} » in a table ronde's letter:\n{text}"
        );
    }
}

#[test]
fn a_third_kind_defined_in_the_call_gets_its_letters_in_french() {
    if !own_process(
        "letters_third_kind::a_third_kind_defined_in_the_call_gets_its_letters_in_french",
    ) {
        return;
    }
    let call = fiches::call::check_text(&third_kind_call(), "call-table-ronde.toml")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(call.kinds.len(), 3);
    assert!(
        fiches::call::install(call),
        "the definition was already in use"
    );
    let l = Letters::load(&shipped_dir(), event()).unwrap_or_else(|e| panic!("{e}"));
    let d = table_ronde();
    let mut all = Vec::new();

    let ack = l.render(LetterKind::Acknowledgement, &d);
    let body = flat(&ack.body);
    assert!(
        body.contains(
            "la fiche de renseignements de la Ville de Grenoble (table ronde : « Villes et climat : quelles alliances ? »)"
        ),
        "{body}"
    );
    assert!(body.contains("enregistrée sous le numéro 7"), "{body}");
    all.push(("accusé de réception", ack));

    let acc = l.render(LetterKind::Accepted, &d);
    assert!(acc.problems.is_empty(), "{:?}", acc.problems);
    assert!(
        flat(&acc.subject).ends_with(": votre table ronde est au programme"),
        "{}",
        acc.subject
    );
    let body = flat(&acc.body);
    for phrase in [
        "retenu la table ronde « Villes et climat : quelles alliances ? » proposée par la Ville de Grenoble (n° 7). Elle figure au programme des Rencontres",
        "Date : mercredi 4 juillet 2018",
        "Horaire : 11h30 – 13h00",
        "Lieu : Salle Hugo, Pavillon d'Armenonville, Paris",
        "La table ronde dure une heure trente, présentation et échanges compris.",
        "jusqu'à votre salle.",
    ] {
        assert!(body.contains(phrase), "« {phrase} » missing:\n{}", acc.body);
    }
    all.push(("acceptation", acc));

    let mut w = d.clone();
    w.status = Some(Status::Waitlisted);
    w.rank = Some(2);
    let wl = l.render(LetterKind::Waitlisted, &w);
    assert!(wl.problems.is_empty(), "{:?}", wl.problems);
    let body = flat(&wl.body);
    assert!(
        body.contains(
            "la proposition de la Ville de Grenoble, « Villes et climat : quelles alliances ? » (n° 7)"
        ),
        "{body}"
    );
    assert!(
        body.contains("elle occupe actuellement la 2e place"),
        "{body}"
    );
    all.push(("liste d'attente", wl));

    let mut r = d.clone();
    r.status = Some(Status::Rejected);
    r.reason = Some("Le thème est déjà traité en plénière".into());
    let rej = l.render(LetterKind::Rejected, &r);
    let body = flat(&rej.body);
    assert!(
        body.contains("En effet, le thème est déjà traité en plénière."),
        "{body}"
    );
    all.push(("non retenue", rej.clone()));

    let mut s = d.clone();
    s.previous_slot = Some("10:00".into());
    s.previous_space = Some("Salle Senghor".into());
    let ch = l.render(LetterKind::SlotChanged, &s);
    assert!(ch.problems.is_empty(), "{:?}", ch.problems);
    assert!(
        flat(&ch.subject).ends_with(": nouvel horaire et nouvelle salle pour votre table ronde"),
        "{}",
        ch.subject
    );
    let body = flat(&ch.body);
    for phrase in [
        "votre table ronde « Villes et climat : quelles alliances ? » (n° 7) change d'horaire et de salle :",
        "Auparavant : 10h00 – 11h30, Salle Senghor",
        "Désormais : 11h30 – 13h00, Salle Hugo",
    ] {
        assert!(body.contains(phrase), "« {phrase} » missing:\n{}", ch.body);
    }
    let mut room_only = s.clone();
    room_only.previous_slot = Some("11:30".into());
    let ch2 = l.render(LetterKind::SlotChanged, &room_only);
    assert!(
        flat(&ch2.subject).ends_with(": nouvelle salle pour votre table ronde"),
        "{}",
        ch2.subject
    );
    assert!(
        flat(&ch2.body).contains("change de salle :"),
        "{}",
        ch2.body
    );
    all.push(("créneau modifié", ch));

    // The three cancellations: refused, back on the waiting list, withdrawn.
    let mut c = s.clone();
    c.status = Some(Status::Rejected);
    c.reason = Some("La salle a été fermée par la préfecture".into());
    let refused = l.render(LetterKind::Cancellation, &c);
    assert!(
        flat(&refused.subject).ends_with(": annulation de votre table ronde"),
        "{}",
        refused.subject
    );
    let body = flat(&refused.body);
    for phrase in [
        "Nous vous avions annoncé que la table ronde « Villes et climat : quelles alliances ? » proposée par la Ville de Grenoble (n° 7) figurait au programme",
        "Horaire annoncé : 10h00 – 11h30",
        "Lieu annoncé : Salle Senghor",
        "Nous sommes au regret de vous informer qu'elle n'y figure plus. En effet, la salle a été fermée par la préfecture.",
    ] {
        assert!(
            body.contains(phrase),
            "« {phrase} » missing:\n{}",
            refused.body
        );
    }
    all.push(("annulation (refus)", refused));

    c.status = Some(Status::Waitlisted);
    c.reason = None;
    c.rank = Some(1);
    let back = l.render(LetterKind::Cancellation, &c);
    assert!(back.problems.is_empty(), "{:?}", back.problems);
    assert!(
        flat(&back.subject).ends_with(": votre table ronde est replacée sur liste d'attente"),
        "{}",
        back.subject
    );
    assert!(
        flat(&back.body).contains(
            "votre table ronde a dû être retirée du programme ; votre proposition est replacée sur la liste d'attente, où elle occupe actuellement la 1re place."
        ),
        "{}",
        back.body
    );
    all.push(("annulation (liste d'attente)", back));

    c.status = Some(Status::Withdrawn);
    c.rank = None;
    let withdrawn = l.render(LetterKind::Cancellation, &c);
    assert!(
        flat(&withdrawn.subject).ends_with(": retrait de votre table ronde"),
        "{}",
        withdrawn.subject
    );
    assert!(
        flat(&withdrawn.body).contains(
            "Comme vous nous l'avez indiqué, votre table ronde est retirée du programme."
        ),
        "{}",
        withdrawn.body
    );
    all.push(("annulation (retrait)", withdrawn));

    for (what, letter) in &all {
        assert_no_leak(what, &format!("{}\n{}", letter.subject, letter.body));
        assert!(
            letter.body.starts_with("Madame, Monsieur,\n\n"),
            "{what}: {}",
            letter.body
        );
    }

    // The 2018 kinds of the same definition keep their own words.
    let mut micro = table_ronde();
    micro.kind = Some("micro_atelier".into());
    micro.slot = Some("14:20".into());
    micro.space = Some("Espace B".into());
    let acc = l.render(LetterKind::Accepted, &micro);
    assert!(
        flat(&acc.subject).ends_with(": votre micro-atelier est au programme"),
        "{}",
        acc.subject
    );
    let body = flat(&acc.body);
    assert!(
        body.contains("retenu le micro-atelier « Villes et climat : quelles alliances ? » proposé par la Ville de Grenoble (n° 7). Il figure")
            && body.contains("Horaire : 14h20 – 14h40")
            && body.contains("Le micro-atelier dure vingt minutes")
            && body.contains("jusqu'à votre espace."),
        "{}",
        acc.body
    );
    let mut bourse = micro.clone();
    bourse.kind = Some("bourse_projets".into());
    bourse.title = Some("specific_need".into());
    bourse.title_detail = Some("Bénin".into());
    bourse.slot = Some("12:45".into());
    bourse.space = Some("Table 3".into());
    let acc = l.render(LetterKind::Accepted, &bourse);
    assert!(
        flat(&acc.subject).ends_with(": votre rendez-vous de la bourse aux projets est confirmé"),
        "{}",
        acc.subject
    );
    assert!(
        flat(&acc.body).contains("(demande n° 7 – besoin spécifique : Bénin)")
            && flat(&acc.body).contains("Horaire : 12h45 – 13h15"),
        "{}",
        acc.body
    );

    // Staff write the kind's own acceptance in the letters folder: it is
    // checked and used for the table ronde only.
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(shipped_dir()).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    let table = fiches::call::kind_def("table_ronde").unwrap();
    let own = dir
        .path()
        .join(LetterKind::Accepted.variant_file_name(table));
    assert_eq!(own.file_name().unwrap(), "accepte-table-ronde.txt");
    assert_eq!(LetterKind::Accepted.shipped_variant_text(table), None);
    std::fs::write(
        &own,
        "Objet : {evenement} : {Le_type} du {date_evenement}\n\n{appel},\n\n\
         Votre table ronde {titre} aura lieu de {creneau} en {espace}.\n",
    )
    .unwrap();
    let l = Letters::load(dir.path(), event()).unwrap_or_else(|e| panic!("{e}"));
    let acc = l.render(LetterKind::Accepted, &d);
    assert!(
        flat(&acc.subject).ends_with(": La table ronde du mercredi 4 juillet 2018"),
        "{}",
        acc.subject
    );
    assert!(
        flat(&acc.body).contains("aura lieu de 11h30 – 13h00 en Salle Hugo."),
        "{}",
        acc.body
    );
    let acc = l.render(LetterKind::Accepted, &micro);
    assert!(
        flat(&acc.subject).ends_with(": votre micro-atelier est au programme"),
        "{}",
        acc.subject
    );

    // A typo in that file is refused with its name, like any template.
    std::fs::write(&own, "Objet : {evenement}\n\n{titr}\n").unwrap();
    let e = Letters::load(dir.path(), event()).unwrap_err();
    assert!(
        e.to_string().contains("accepte-table-ronde.txt") && e.to_string().contains("{titr}"),
        "{e}"
    );
}
