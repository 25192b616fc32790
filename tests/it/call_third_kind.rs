//! A new call without a line of code changed: the 2018 definition with a
//! third kind ("table ronde": a new several-choices field, a date, its own
//! 2 × 2 programme of 45-minute slots) and a renamed option. A fiche of
//! that kind, filled the way people fill them, is read, emailed through the
//! intake, decided, and shows in the programme; everything through the
//! real binary with a configuration naming the definition.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::third_kind;
use third_kind::{definition, mail_with};

#[derive(Debug)]
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Default for Env {
    fn default() -> Env {
        Env::new()
    }
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("call.toml"), definition()).unwrap();
        let config =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml"))
                .unwrap();
        // The demonstration configuration, with its sample inbox off and the
        // new call named.
        let config: String = config
            .lines()
            .filter(|l| !l.starts_with("sample"))
            .collect::<Vec<_>>()
            .join("\n");
        let config = config.replacen(
            "[database]",
            "[call]\npath = \"call.toml\"\n\n[database]",
            1,
        );
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        Env { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_fiches"))
            .arg("--config")
            .arg(self.path().join("config.toml"))
            .args(args)
            .env("FICHES_USER", "marie")
            .current_dir(self.path())
            .output()
            .unwrap()
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "fiches {args:?}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

/// A table-ronde fiche as people fill the spreadsheet: the title, a label
/// and its answer per row, two publics ticked ☒, a date typed the French
/// way, the slot typed as a time, the membership ticked.
pub fn filled_xlsx(path: &Path, organisation: &str, email: &str) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let rows: &[(&str, &str)] = &[
        ("TABLE RONDE : FICHE DE RENSEIGNEMENT", ""),
        ("Nom de la collectivité ou de la structure", organisation),
        ("Type de structure", "☒ Commune ☐ Région ☐ Autre"),
        ("Pays", "France"),
        ("Membre de Cités Unies France", "☒ Oui ☐ Non"),
        ("Nom", "Durand"),
        ("Prénom", "Léa"),
        ("Courriel", email),
        (
            "Question mise en débat",
            "Comment associer les jeunes aux jumelages ?",
        ),
        (
            "Publics visés",
            "☒ Élus   ☐ Techniciens   ☐ Associations   ☒ Jeunes",
        ),
        ("Date de disponibilité", "12/10/2019"),
        ("Créneau souhaité pour la table ronde", "10h45"),
    ];
    for (r, (label, value)) in rows.iter().enumerate() {
        ws.write_string(r as u32, 0, *label).unwrap();
        if !value.is_empty() {
            ws.write_string(r as u32, 1, *value).unwrap();
        }
    }
    wb.save(path).unwrap();
}

fn json_lines(s: &str) -> Vec<Value> {
    s.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_definition_is_valid() {
    let env = Env::new();
    let out = env.run(&[
        "parse",
        "--json",
        env.path().join("call.toml").to_str().unwrap(),
    ]);
    // call.toml is no fiche: the point is that the configuration loads.
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("définition de l'appel"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_third_kind_is_read_stored_decided_and_programmed() {
    let env = Env::new();
    let xlsx = env.path().join("fiche-table-ronde.xlsx");
    filled_xlsx(&xlsx, "Ville de Grenoble", "lea.durand@grenoble.fr");

    // Read: kind, the several publics in the list's order, the date, the slot.
    let parsed = json_lines(&env.ok(&["parse", "--json", xlsx.to_str().unwrap()]));
    let f = &parsed[0];
    assert_eq!(f["kind"], "table_ronde", "{parsed:#?}");
    assert_eq!(f["fields"]["tr_publics"], "elus, jeunes", "{f:#}");
    assert_eq!(f["fields"]["tr_date"], "2019-10-12", "{f:#}");
    assert_eq!(f["fields"]["preferred_slot"], "10:45", "{f:#}");
    assert_eq!(f["fields"]["cuf_member"], true, "{f:#}");
    assert_eq!(f["fields"]["organisation_type"], "commune", "{f:#}");

    // Emailed through the intake, stored with its kind.
    let mails = env.path().join("eml");
    std::fs::create_dir(&mails).unwrap();
    std::fs::write(
        mails.join("1.eml"),
        mail_with(
            &xlsx,
            "Léa Durand <lea.durand@grenoble.fr>",
            "tr-1@grenoble.fr",
        ),
    )
    .unwrap();
    env.ok(&["import", mails.to_str().unwrap()]);
    let props = json_lines(&env.ok(&["proposals", "--json", "--live"]));
    assert_eq!(props.len(), 1, "{props:#?}");
    assert_eq!(props[0]["kind"], "table_ronde");
    let n = props[0]["number"].as_i64().unwrap().to_string();

    // Decided: accepted into the slot it asked for, first free room.
    env.ok(&["decide", &n, "accept"]);
    let prog: Value = serde_json::from_str(&env.ok(&["programme", "--json"])).unwrap();
    let tr = &prog["table_ronde"];
    assert_eq!(
        tr["slots"],
        serde_json::json!(["10:00", "10:45"]),
        "{prog:#}"
    );
    assert_eq!(
        tr["places"],
        serde_json::json!(["Salle 1", "Salle 2"]),
        "{prog:#}"
    );
    let cells = tr["cells"].as_array().unwrap();
    assert!(
        cells.iter().any(|c| c["slot"] == "10:45"
            && c["place"] == "Salle 1"
            && c["number"].as_i64().map(|x| x.to_string()) == Some(n.clone())),
        "{prog:#}"
    );
    // The human programme names the kind and its rooms as the definition does.
    let text = env.ok(&["programme"]);
    assert!(
        text.contains("Table ronde") || text.contains("Tables rondes"),
        "{text}"
    );
    assert!(text.contains("Salle 1"), "{text}");
}
