//! A new call for the tests: the repository's `call.toml` with a third
//! kind ("table ronde": a several-choices field, a date, its own 2 × 2
//! programme of 45-minute slots in rooms) and a renamed option.

#![allow(dead_code)]

use std::path::Path;

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

pub fn base64(data: &[u8]) -> String {
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
