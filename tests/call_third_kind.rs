//! A new call without a line of code changed: the 2018 definition with a
//! third kind ("table ronde": a new several-choices field, a date, its own
//! 2 × 2 programme of 45-minute slots) and a renamed option. A fiche of
//! that kind, filled the way people fill them, is read, emailed through the
//! intake, decided, and shows in the programme; everything through the
//! real binary with a configuration naming the definition.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// The repository's call.toml with a third kind and a renamed option.
pub fn definition() -> String {
    let base =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("call.toml")).unwrap();
    // A renamed option: "Climat" is printed "Climat et transition" now;
    // the old label stays an alias (forms of last year still come back).
    let renamed = base.replacen(
        "label = \"Climat\"\nvalue = \"climat\"\n\n[options.themes.aliases]\n",
        "label = \"Climat et transition\"\nvalue = \"climat\"\n\n[options.themes.aliases]\nfr = [\"Climat\"]\n",
        1,
    );
    assert_ne!(renamed, base, "the themes list of call.toml changed shape");
    renamed + THIRD_KIND
}

pub const THIRD_KIND: &str = r#"

[[kinds]]
key = "table_ronde"
label = "Table ronde"
short = "Table"
noun = "table ronde"
plural = "Tables rondes"
title = "TABLE RONDE : FICHE DE RENSEIGNEMENT"
distinctive = ["tr_question", "tr_publics", "tr_date"]
fields = ["organisation", "organisation_type", "country", "cuf_member",
          "organisation_description", "contact_last_name", "contact_first_name",
          "contact_role", "contact_email", "contact_phone",
          "tr_question", "tr_publics", "tr_date", "preferred_slot_tr"]
slot_field = "preferred_slot"
member_field = "cuf_member"
title_field = "tr_question"
public_fields = ["tr_question", "tr_publics"]
description_field = "tr_question"

[kinds.title_names]
fr = ["table ronde", "tables rondes"]
en = ["round table"]

[kinds.programme]
slots = ["10:00", "10:45"]
minutes = 45
places = ["Salle 1", "Salle 2"]
place_word = "salle"

[[fields]]
id = "tr_question"
label = "Question mise en débat"
type = "long_text"
required = true

[fields.aliases]
fr = ["Question posée à la table ronde"]

[[fields]]
id = "tr_publics"
label = "Publics visés"
type = "choices"
options = "tr_publics"

[[fields]]
id = "tr_date"
label = "Date de disponibilité"
type = "date"

[[fields]]
id = "preferred_slot_tr"
key = "preferred_slot"
label = "Créneau souhaité pour la table ronde"
type = "time_slot"
options = "table_ronde_slots"

[[options.tr_publics]]
label = "Élus"
value = "elus"

[[options.tr_publics]]
label = "Techniciens"
value = "techniciens"

[[options.tr_publics]]
label = "Associations"
value = "associations"

[[options.tr_publics]]
label = "Jeunes"
value = "jeunes"

[[options.table_ronde_slots]]
label = "10h00 – 10h45"
value = "10:00"

[options.table_ronde_slots.aliases]
fr = ["10h00", "10h", "10:00"]

[[options.table_ronde_slots]]
label = "10h45 – 11h30"
value = "10:45"

[options.table_ronde_slots.aliases]
fr = ["10h45", "10:45"]

[[options.table_ronde_slots]]
label = "Indifférent"
value = "any"

[options.table_ronde_slots.aliases]
fr = ["Peu importe", "Sans préférence"]
"#;

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

/// A message carrying `file` as its attachment.
pub fn mail_with(file: &Path, from: &str, id: &str) -> Vec<u8> {
    let name = file.file_name().unwrap().to_string_lossy().to_string();
    let body = base64(&std::fs::read(file).unwrap());
    let wrapped: Vec<String> = body
        .as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    format!(
        "From: {from}\r\nTo: rencontres@cites-unies-france.org\r\nSubject: Fiche table ronde\r\n\
         Date: Mon, 4 Jun 2018 10:00:00 +0200\r\nMessage-ID: <{id}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour, voici notre fiche.\r\n--b\r\n\
         Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; name=\"{name}\"\r\n\
         Content-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
        wrapped.join("\r\n")
    )
    .into_bytes()
}

fn base64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len() * 4 / 3 + 4);
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
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
