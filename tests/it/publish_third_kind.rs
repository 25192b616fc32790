//! A call with a third kind of proposal — a « table ronde » with its own
//! fields (one of them a new several-choices field), its own programme grid
//! (2 slots × 2 salons) and its own list heading — is published like the
//! two kinds of 2018, without a line of code changed: HTML, CSV, XLSX (read
//! back with calamine), JSON, the changelog and the staff's workbook all
//! carry its section, with the headings, columns and slot labels of the
//! definition.
//!
//! The definition is installed once per process (`call::install`), so this
//! test runs alone in a child process of the test binary
//! (`support::process::own_process`) and installs it before anything reads it.

use crate::support::process::own_process;

use std::fs;
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use fiches::domain::{Layout, Status};
use fiches::fiche::Value;
use fiches::publish::{Entry, Event, Publication, PublishOptions, Snapshot, write_publication};

/// The repository's call.toml with a third kind added at its end.
const TABLE_RONDE: &str = r#"
[[kinds]]
key = "table_ronde"
label = "Table ronde"
noun = "table ronde"
plural = "Tables rondes"
title = "TABLE RONDE : FICHE DE RENSEIGNEMENT"
distinctive = ["sujet", "publics"]
fields = ["organisation", "tr_sujet", "tr_publics", "tr_creneau"]
slot_field = "creneau_tr"
title_field = "sujet"
public_fields = ["sujet", "organisation", "publics"]
short = "Table"

[kinds.title_names]
fr = ["table ronde"]

[kinds.programme]
slots = ["10:00", "11:00"]
minutes = 45
places = ["Salon 1", "Salon 2"]
place_word = "salon"

[[fields]]
id = "tr_sujet"
key = "sujet"
label = "Sujet de la table ronde"
public_label = "Sujet"
type = "text"
required = true

[[fields]]
id = "tr_publics"
key = "publics"
label = "Publics visés"
type = "choices"
options = "publics"

[[fields]]
id = "tr_creneau"
key = "creneau_tr"
label = "Créneau souhaité pour la table ronde"
type = "time_slot"
options = "table_ronde_slots"

[[options.publics]]
label = "Élus"
value = "elus"

[[options.publics]]
label = "Techniciens (services des relations internationales)"
value = "techniciens"

[[options.publics]]
label = "Associations"
value = "associations"

[[options.table_ronde_slots]]
label = "10h00 – 10h45"
value = "10:00"

[[options.table_ronde_slots]]
label = "11h00 – 11h45"
value = "11:00"

[[options.table_ronde_slots]]
label = "Indifférent"
value = "any"
"#;

fn install() {
    let base = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("call.toml"))
        .expect("call.toml");
    let text = format!("{base}{TABLE_RONDE}");
    let call =
        fiches::call::check_text(&text, "call-3-types.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(call.kinds.len(), 3);
    assert!(
        fiches::call::install(call),
        "the definition was read before the test installed it"
    );
}

fn text(e: &mut Entry, key: &str, value: &str) {
    e.fields.insert(key.into(), Value::Text(value.into()));
}

fn placed(id: i64, kind: &str, slot: &str, place: &str, org: &str) -> Entry {
    let mut e = Entry::of_kind(id, Some(kind), Status::Accepted);
    e.slot = Some(slot.into());
    e.place = Some(place.into());
    e.received_at = "2018-05-02T09:00:00+02:00".into();
    text(&mut e, "organisation", org);
    e
}

fn entries() -> Vec<Entry> {
    let mut micro = placed(
        1,
        "micro_atelier",
        "14:20",
        "Espace B",
        "Ville de Saint-Étienne",
    );
    text(
        &mut micro,
        "project_title",
        "Un guide du financement de l'AICT",
    );
    text(&mut micro, "theme", "odd");
    let mut bourse = placed(
        2,
        "bourse_projets",
        "12:45",
        "Table 1",
        "Département de l'Isère",
    );
    text(&mut bourse, "request_type", "cooperation");
    let mut tr1 = placed(3, "table_ronde", "11:00", "Salon 2", "Région Occitanie");
    text(&mut tr1, "sujet", "La coopération décentralisée après 2020");
    text(&mut tr1, "publics", "elus,techniciens");
    let mut tr2 = placed(4, "table_ronde", "10:00", "Salon 1", "Ville de Grenoble");
    text(&mut tr2, "sujet", "Jumelages et jeunesse");
    text(&mut tr2, "publics", "associations");
    let mut waiting = Entry::of_kind(5, Some("table_ronde"), Status::Waitlisted);
    waiting.rank = Some(1);
    waiting.received_at = "2018-05-03T09:00:00+02:00".into();
    text(&mut waiting, "organisation", "Ville de Lyon");
    text(&mut waiting, "sujet", "Les villes et le climat");
    text(&mut waiting, "creneau_tr", "10:00");
    vec![micro, bourse, tr1, tr2, waiting]
}

fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<String>> {
    let mut x: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let range = x
        .worksheet_range(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Float(f) => f.to_string(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

#[test]
fn a_third_kind_is_published_like_the_others() {
    if !own_process("publish_third_kind::a_third_kind_is_published_like_the_others") {
        return;
    }
    install();
    let entries = entries();
    let snapshot = Snapshot::build(
        &entries,
        &Layout::spec_default(),
        &Event::spec_default(),
        "2018-05-28T08:00:00+02:00",
    );
    let kinds: Vec<&str> = snapshot.kinds.iter().map(|k| k.kind.as_str()).collect();
    assert_eq!(kinds, ["micro_atelier", "bourse_projets", "table_ronde"]);
    // Its own grid orders it: 10:00 Salon 1 before 11:00 Salon 2.
    let tr = &snapshot.kinds[2];
    assert_eq!(tr.accepted.iter().map(|a| a.id).collect::<Vec<_>>(), [4, 3]);

    let tmp = tempfile::tempdir().unwrap();
    let opts = PublishOptions {
        output_dir: tmp.path().join("publications"),
        internal_dir: tmp.path().join("interne"),
        ..PublishOptions::default()
    };
    let (publication, changes) = Publication::new(1, "marie", snapshot, None).unwrap();
    let dir = write_publication(&opts.output_dir, &publication, &entries, &changes, &opts).unwrap();
    let read =
        |name: &str| fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));

    // HTML: its section after the two others, its heading, its columns
    // (the place word, then its public fields), its slot labels, the
    // several choices by their labels.
    let page = read("programme.html").replace('\u{a0}', " ");
    let micro_at = page
        .find("<h2 id=\"fp-micro-atelier\">Micro-ateliers</h2>")
        .unwrap();
    let tr_at = page
        .find("<h2 id=\"fp-table-ronde\">Tables rondes</h2>")
        .unwrap();
    assert!(micro_at < tr_at);
    assert!(
        page.contains("<table class=\"fp-table-ronde\">\n<caption>Créneau 10h00 – 10h45</caption>")
    );
    assert!(page.contains("<caption>Créneau 11h00 – 11h45</caption>"));
    assert!(page.contains(
        "<thead><tr><th scope=\"col\">Salon</th><th scope=\"col\">Sujet</th>\
         <th scope=\"col\">Organisation</th><th scope=\"col\">Publics visés</th></tr></thead>"
    ));
    assert!(page.contains(
        "<tr><th scope=\"row\" data-label=\"Salon\">Salon 2</th>\
         <td data-label=\"Sujet\">La coopération décentralisée après 2020</td>\
         <td data-label=\"Organisation\">Région Occitanie</td>\
         <td data-label=\"Publics visés\">Élus, Techniciens</td></tr>"
    ));
    assert!(page.contains(".fp .fp-table-ronde thead th:nth-child(4){width:"));
    // Staff-only data stays out.
    assert!(!page.contains("Ville de Lyon"));
    // Its own page and fragment, named after its heading.
    let own = read("tables-rondes.html");
    assert!(own.contains("<title>Tables rondes — "));
    assert!(own.contains("id=\"fp-table-ronde\"") && !own.contains("id=\"fp-micro-atelier\""));
    assert!(
        read("tables-rondes-fragment.html")
            .contains("<h3 id=\"fp-table-ronde\">Tables rondes</h3>")
    );

    // CSV.
    assert_eq!(
        read("tables-rondes.csv"),
        "\u{feff}\"Créneau\";\"Salon\";\"Sujet\";\"Organisation\";\"Publics visés\"\r\n\
         \"10h00 – 10h45\";\"Salon 1\";\"Jumelages et jeunesse\";\"Ville de Grenoble\";\"Associations\"\r\n\
         \"11h00 – 11h45\";\"Salon 2\";\"La coopération décentralisée après 2020\";\"Région Occitanie\";\"Élus, Techniciens\"\r\n"
    );
    // The 2018 lists are unchanged beside it.
    assert!(read("micro-ateliers.csv").starts_with(
        "\u{feff}\"Créneau\";\"Espace\";\"Titre\";\"Organisation\";\"Pays\";\"Thématique\"\r\n"
    ));

    // XLSX, read back.
    let xlsx = fs::read(dir.join("programme.xlsx")).unwrap();
    let names = Xlsx::new(Cursor::new(xlsx.clone())).unwrap().sheet_names();
    assert_eq!(
        names,
        ["Micro-ateliers", "Bourse aux projets", "Tables rondes"]
    );
    let rows = sheet(&xlsx, "Tables rondes");
    assert_eq!(
        rows[0],
        ["Créneau", "Salon", "Sujet", "Organisation", "Publics visés"]
    );
    assert_eq!(
        rows[2],
        [
            "11h00 – 11h45",
            "Salon 2",
            "La coopération décentralisée après 2020",
            "Région Occitanie",
            "Élus, Techniciens"
        ]
    );

    // JSON.
    let v: serde_json::Value = serde_json::from_str(&read("programme.json")).unwrap();
    let k = &v["kinds"][2];
    assert_eq!(k["key"], "table_ronde");
    assert_eq!(k["heading"], "Tables rondes");
    assert_eq!(k["place_word"], "salon");
    assert_eq!(
        k["columns"],
        serde_json::json!([
            {"key": "sujet", "label": "Sujet"},
            {"key": "organisation", "label": "Organisation"},
            {"key": "publics", "label": "Publics visés"}
        ])
    );
    assert_eq!(k["items"][1]["slot_label"], "11h00 – 11h45");
    assert_eq!(k["items"][1]["place"], "Salon 2");
    assert_eq!(
        k["items"][1]["fields"][2],
        serde_json::json!({"key": "publics", "label": "Publics visés",
            "value": "elus,techniciens", "text": "Élus, Techniciens"})
    );

    // The changelog names the kind by its noun.
    let log = read("changements.txt").replace('\u{a0}', " ");
    assert!(
        log.contains("Ville de Grenoble — table ronde 10h00, Salon 1"),
        "{log}"
    );

    // The staff's workbook: its waiting list, its type, its fields.
    let staff = fs::read(
        opts.internal_dir
            .join(publication.dir_name())
            .join("suivi-complet.xlsx"),
    )
    .unwrap();
    let w = sheet(&staff, "Attente tables rondes");
    assert_eq!(
        w[0][..5],
        ["Rang", "N°", "Organisation", "Sujet", "Publics visés"]
    );
    assert_eq!(
        w[1][..4],
        ["1", "5", "Ville de Lyon", "Les villes et le climat"]
    );
    assert_eq!(w[1][5], "10h00 – 10h45");
    let p = sheet(&staff, "Propositions");
    let col = |name: &str| {
        p[0].iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let row3 = p.iter().find(|r| r[0] == "3").unwrap();
    assert_eq!(p[0][4], "Espace, table ou salon");
    assert_eq!(row3[col("Type")], "Table ronde");
    assert_eq!(row3[col("Créneau")], "11h00 – 11h45");
    assert_eq!(row3[col("Publics visés")], "Élus, Techniciens");
    assert_eq!(
        row3[col("Sujet de la table ronde")],
        "La coopération décentralisée après 2020"
    );
}
