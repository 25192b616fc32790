//! A programme built from the corpus fiches (read by the real parser):
//! publish, change decisions, publish again, publish a third time with no
//! change; every file's content and the changelogs are checked exactly.

use std::fs;
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use fiches::domain::{Layout, Status};
use fiches::fiche::{self, Value};
use fiches::publish::{
    Changes, Entry, Event, Publication, PublishOptions, Snapshot, write_publication,
};

fn corpus(name: &str) -> fiches::fiche::Fiche {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/corpus/fiches")
        .join(name);
    fiche::parse(&fs::read(&path).unwrap(), name).unwrap()
}

/// An entry as the store's caller would build it from a proposal.
fn entry(id: i64, file: &str, status: Status, received: &str) -> Entry {
    let f = corpus(file);
    let mut e = Entry::new(id, f.kind, status);
    e.key = Some(format!(
        "{}|{}|{}",
        f.text("contact_email").unwrap_or(""),
        f.kind.map(|k| k.key()).unwrap_or(""),
        f.text("organisation").unwrap_or("")
    ));
    e.member = f.fields.get("cuf_member") == Some(&Value::Bool(true));
    e.received_at = received.to_string();
    e.fields = f.fields;
    e.extra = f.extra;
    e.warnings = f.warnings;
    e
}

fn place(e: &mut Entry, slot: &str, place: &str) {
    e.status = Status::Accepted;
    e.slot = Some(slot.into());
    e.place = Some(place.into());
}

fn by_id(entries: &mut [Entry], id: i64) -> &mut Entry {
    entries.iter_mut().find(|e| e.id == id).unwrap()
}

fn week1() -> Vec<Entry> {
    let mut st_etienne = entry(
        1,
        "01-fiche-micro-atelier-ville-de-saint-etienne.docx",
        Status::Pending,
        "2018-05-02T09:00:00+02:00",
    );
    place(&mut st_etienne, "14:20", "Espace B");
    let mut isere = entry(
        2,
        "02-fiche-bourse-aux-projets-conseil-departemental-de-l-isere.docx",
        Status::Pending,
        "2018-05-03T09:00:00+02:00",
    );
    place(&mut isere, "12:45", "Table 1");
    let mut quito = entry(
        3,
        "03-fiche-micro-atelier-municipalidad-de-quito.docx",
        Status::Pending,
        "2018-05-04T09:00:00+02:00",
    );
    place(&mut quito, "14:00", "Espace A");
    let mut dschang = entry(
        4,
        "04-fiche-bourse-aux-projets-commune-de-dschang.docx",
        Status::Waitlisted,
        "2018-05-10T09:00:00+02:00",
    );
    let mut aquitaine = entry(
        5,
        "06-fiche-bourse-aux-projets-region-nouvelle-aquitaine.odt",
        Status::Waitlisted,
        "2018-05-15T09:00:00+02:00",
    );
    let mut dunkerque = entry(
        6,
        "13-fiche-micro-atelier-communaute-urbaine-de-dunkerque.ods",
        Status::Waitlisted,
        "2018-05-20T09:00:00+02:00",
    );
    // The programme's ranks (the store's waiting-list order).
    (aquitaine.rank, dschang.rank, dunkerque.rank) = (Some(1), Some(2), Some(1));
    vec![st_etienne, isere, quito, dschang, aquitaine, dunkerque]
}

fn week2() -> Vec<Entry> {
    let mut entries = week1();
    // Saint-Étienne sends a corrected fiche: a new proposal (id 7) in the
    // same chain, keeping its place.
    let old = entries.remove(0);
    let mut v2 = entry(
        7,
        "01-fiche-micro-atelier-ville-de-saint-etienne-v2.docx",
        Status::Pending,
        "2018-05-30T09:00:00+02:00",
    );
    assert_eq!(v2.key, old.key);
    place(&mut v2, "14:20", "Espace B");
    entries.push(v2);
    place(by_id(&mut entries, 3), "14:40", "Espace C");
    place(by_id(&mut entries, 6), "15:00", "Espace A");
    by_id(&mut entries, 2).status = Status::Withdrawn;
    place(by_id(&mut entries, 5), "13:15", "Table 3");
    by_id(&mut entries, 4).rank = Some(1);
    entries
}

fn snapshot(entries: &[Entry], at: &str) -> Snapshot {
    Snapshot::build(entries, &Layout::spec_default(), &Event::spec_default(), at)
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap()
}

fn xlsx_rows(dir: &Path, name: &str, sheet: &str) -> Vec<Vec<String>> {
    let bytes = fs::read(dir.join(name)).unwrap();
    let mut x: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let range = x.worksheet_range(sheet).unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|d| match d {
                    Data::String(s) => s.clone(),
                    Data::Float(f) => f.to_string(),
                    Data::Empty => String::new(),
                    other => format!("{other:?}"),
                })
                .collect()
        })
        .collect()
}

/// The CSV body as rows (the renderer quotes every cell; no `;` or quote in
/// these values).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let body = text.strip_prefix('\u{feff}').expect("BOM");
    body.split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.split(';')
                .map(|c| c.trim_matches('"').to_string())
                .collect()
        })
        .collect()
}

const MICRO_1: &str = "\u{feff}\"Créneau\";\"Espace\";\"Titre\";\"Organisation\";\"Pays\";\"Thématique\"\r\n\
\"14h00 – 14h20\";\"Espace A\";\"Dialogues mensuels et salon du développement durable\";\"Municipalidad de Quito\";\"Équateur\";\"Climat\"\r\n\
\"14h20 – 14h40\";\"Espace B\";\"Un guide du financement de l'AICT pour les non-initiés\";\"Ville de Saint-Étienne\";\"France\";\"ODD / Agenda 2030\"\r\n";

const BOURSE_1: &str = "\u{feff}\"Créneau\";\"Table\";\"Organisation\";\"Pays\";\"Partenaire recherché\";\"Pays ou région concerné(s)\";\"Type de demande\"\r\n\
\"12h45 – 13h15\";\"Table 1\";\"Conseil départemental de l'Isère\";\"France\";\"Collectivité française\";\"Arménie\";\"Appel à coopération\"\r\n";

const MICRO_2: &str = "\u{feff}\"Créneau\";\"Espace\";\"Titre\";\"Organisation\";\"Pays\";\"Thématique\"\r\n\
\"14h20 – 14h40\";\"Espace B\";\"Un guide du financement de l'AICT pour les non-initiés (version corrigée)\";\"Ville de Saint-Étienne\";\"France\";\"ODD / Agenda 2030\"\r\n\
\"14h40 – 15h00\";\"Espace C\";\"Dialogues mensuels et salon du développement durable\";\"Municipalidad de Quito\";\"Équateur\";\"Climat\"\r\n\
\"15h00 – 15h20\";\"Espace A\";\"Former les agents aux ODD : un parcours en trois modules\";\"Communauté urbaine de Dunkerque\";\"France\";\"ODD / Agenda 2030\"\r\n";

const BOURSE_2: &str = "\u{feff}\"Créneau\";\"Table\";\"Organisation\";\"Pays\";\"Partenaire recherché\";\"Pays ou région concerné(s)\";\"Type de demande\"\r\n\
\"13h15 – 13h45\";\"Table 3\";\"Région Nouvelle-Aquitaine\";\"France\";\"Collectivité étrangère\";\"Mexique (État de Guanajuato)\";\"Appel à coopération\"\r\n";

/// The public changelog: the programme only.
const PUBLIC_CHANGES_1: &str = "Première publication du programme :

Programme
- Ajouté : Municipalidad de Quito — micro-atelier 14h00, Espace A
- Ajouté : Ville de Saint-Étienne — micro-atelier 14h20, Espace B
- Ajouté : Conseil départemental de l'Isère — bourse aux projets 12h45, Table 1
";

/// The staff's, in the internal folder: the waiting lists too.
const CHANGES_1: &str = "Première publication du programme :

Programme
- Ajouté : Municipalidad de Quito — micro-atelier 14h00, Espace A
- Ajouté : Ville de Saint-Étienne — micro-atelier 14h20, Espace B
- Ajouté : Conseil départemental de l'Isère — bourse aux projets 12h45, Table 1

Listes d'attente
- Entrée en liste d'attente : Communauté urbaine de Dunkerque — micro-atelier, 1re sur la liste d'attente
- Entrée en liste d'attente : Région Nouvelle-Aquitaine — bourse aux projets, 1re sur la liste d'attente
- Entrée en liste d'attente : Commune de Dschang — bourse aux projets, 2e sur la liste d'attente
";

const PUBLIC_CHANGES_2: &str = "Changements depuis la publication précédente :

Programme
- Ajouté : Communauté urbaine de Dunkerque — micro-atelier 15h00, Espace A
- Déplacé : Municipalidad de Quito — micro-atelier 14h00, Espace A → 14h40, Espace C
- Modifié : Ville de Saint-Étienne — micro-atelier 14h20, Espace B (titre)
- Ajouté : Région Nouvelle-Aquitaine — bourse aux projets 13h15, Table 3
- Retiré : Conseil départemental de l'Isère — bourse aux projets 12h45, Table 1
";

const CHANGES_2: &str = "Changements depuis la publication précédente :

Programme
- Ajouté : Communauté urbaine de Dunkerque — micro-atelier 15h00, Espace A
- Déplacé : Municipalidad de Quito — micro-atelier 14h00, Espace A → 14h40, Espace C
- Modifié : Ville de Saint-Étienne — micro-atelier 14h20, Espace B (titre)
- Ajouté : Région Nouvelle-Aquitaine — bourse aux projets 13h15, Table 3
- Retiré : Conseil départemental de l'Isère — bourse aux projets 12h45, Table 1

Listes d'attente
- Sortie de la liste d'attente : Communauté urbaine de Dunkerque — micro-atelier (retenu au programme)
- Remonte : Commune de Dschang — bourse aux projets, 2e → 1re sur la liste d'attente
- Sortie de la liste d'attente : Région Nouvelle-Aquitaine — bourse aux projets (retenu au programme)
";

#[test]
fn publish_change_publish_again_then_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("publications");
    let opts = PublishOptions {
        internal_dir: tmp.path().join("interne"),
        ..PublishOptions::default()
    };
    let internal = |d: &Path| opts.internal_dir.join(d.file_name().unwrap());

    // Week 1.
    let e1 = week1();
    let s1 = snapshot(&e1, "2018-05-28T08:00:00+02:00");
    let (p1, c1) = Publication::new(1, "marie.dupont", s1.clone(), None).unwrap();
    assert!(!p1.unchanged);
    let d1 = write_publication(&root, &p1, &e1, &c1, &opts).unwrap();
    assert_eq!(d1.file_name().unwrap(), "2018-05-28-001");
    assert_eq!(read(&d1, "micro-ateliers.csv"), MICRO_1);
    assert_eq!(read(&d1, "bourse-aux-projets.csv"), BOURSE_1);
    assert_eq!(read(&d1, "changements.txt"), PUBLIC_CHANGES_1);
    assert_eq!(read(&internal(&d1), "changements-equipe.txt"), CHANGES_1);

    // Week 2.
    let e2 = week2();
    let s2 = snapshot(&e2, "2018-06-04T08:00:00+02:00");
    let (p2, c2) = Publication::new(2, "marie.dupont", s2.clone(), Some(&p1.snapshot)).unwrap();
    assert!(!p2.unchanged);
    let d2 = write_publication(&root, &p2, &e2, &c2, &opts).unwrap();
    assert_eq!(d2.file_name().unwrap(), "2018-06-04-002");
    assert_eq!(read(&d2, "micro-ateliers.csv"), MICRO_2);
    assert_eq!(read(&d2, "bourse-aux-projets.csv"), BOURSE_2);
    assert_eq!(read(&d2, "changements.txt"), PUBLIC_CHANGES_2);
    assert_eq!(read(&internal(&d2), "changements-equipe.txt"), CHANGES_2);
    let ch_html = read(&d2, "changements.html");
    assert!(ch_html.contains(
        "<li><strong>Déplacé</strong> : Municipalidad de Quito — micro-atelier 14h00, Espace A → 14h40, Espace C</li>"
    ));

    // XLSX: the same rows as the CSV.
    for (sheet, csv) in [
        ("Micro-ateliers", "micro-ateliers.csv"),
        ("Bourse aux projets", "bourse-aux-projets.csv"),
    ] {
        assert_eq!(
            xlsx_rows(&d2, "programme.xlsx", sheet),
            csv_rows(&read(&d2, csv)),
            "{sheet}"
        );
    }

    // JSON.
    let v: serde_json::Value = serde_json::from_str(&read(&d2, "programme.json")).unwrap();
    assert_eq!(v["publication"], 2);
    assert_eq!(v["taken_at"], "2018-06-04T08:00:00+02:00");
    assert_eq!(v["format"], "fiches-programme/2");
    assert_eq!(v["kinds"][0]["heading"], "Micro-ateliers");
    let titles: Vec<&str> = v["kinds"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["organisation"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Ville de Saint-Étienne",
            "Municipalidad de Quito",
            "Communauté urbaine de Dunkerque"
        ]
    );
    assert_eq!(v["kinds"][0]["items"][0]["id"], 7);
    assert_eq!(v["kinds"][1]["items"][0]["slot_label"], "13h15 – 13h45");

    // HTML: the page and the fragment show the new programme only.
    // The letters' typography (non-breaking spaces) shown as plain spaces.
    let page = read(&d2, "programme.html").replace('\u{a0}', " ");
    assert!(page.contains("Listes de programmation — publication n° 2 du 4 juin 2018"));
    assert!(page.contains("<caption>Créneau 14h40 – 15h00</caption>"));
    assert!(page.contains(
        "<td data-label=\"Partenaire recherché\">Collectivité étrangère</td>\
         <td data-label=\"Pays ou région concerné(s)\">Mexique (État de Guanajuato)</td>"
    ));
    assert!(!page.contains("Isère"));
    assert!(!page.contains("Dschang")); // waiting list: staff only
    let micro_page = read(&d2, "micro-ateliers.html").replace('\u{a0}', " ");
    assert!(micro_page.contains("Municipalidad de Quito"));
    assert!(!micro_page.contains("Nouvelle-Aquitaine"));
    assert!(
        read(&d2, "programme-fragment.html")
            .starts_with("<html>\n<section class=\"fp\" lang=\"fr\">")
    );

    // Staff workbook: every proposal, the waiting list.
    assert!(!d2.join("suivi-complet.xlsx").exists());
    let all = xlsx_rows(&internal(&d2), "suivi-complet.xlsx", "Propositions");
    assert_eq!(all.len(), 1 + e2.len());
    let h = &all[0];
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let isere = all.iter().find(|r| r[0] == "2").unwrap();
    assert_eq!(isere[col("Statut")], "retirée");
    assert_eq!(isere[col("Pays ou région concerné(s)")], "Arménie");
    assert_eq!(isere[col("Type de demande")], "Appel à coopération");
    let dschang = all.iter().find(|r| r[0] == "4").unwrap();
    assert_eq!(dschang[col("Rang en liste d'attente")], "1");
    assert_eq!(dschang[col("Téléphone")], "'+237 6 99 12 34 56");
    let wait = xlsx_rows(
        &internal(&d2),
        "suivi-complet.xlsx",
        "Attente bourse aux projets",
    );
    assert_eq!(wait.len(), 2);
    assert_eq!(wait[1][..3], ["1", "4", "Commune de Dschang"]);

    // Week 3: nothing changed: the caller publishes nothing, takes no number.
    let s3 = snapshot(&e2, "2018-06-11T08:00:00+02:00");
    let (p3, c3) = Publication::new(3, "planification", s3, Some(&p2.snapshot)).unwrap();
    assert!(p3.unchanged);
    assert_eq!(c3, Changes::Unchanged);
    assert!(c3.public().is_unchanged());
    assert_eq!(
        fs::read_link(root.join("latest")).unwrap(),
        Path::new("2018-06-04-002")
    );

    // The record the store keeps round-trips through JSON.
    let json = serde_json::to_string(&p2).unwrap();
    let back: Publication = serde_json::from_str(&json).unwrap();
    assert_eq!(back, p2);
    assert_eq!(back.author, "marie.dupont");
}
