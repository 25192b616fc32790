//! The intake makes one proposal per form: a file holding two filled forms
//! gives two proposals, the fiches inside a `winmail.dat` or a `.zip` are
//! read and named after their container, what cannot be read stays visible,
//! and a resubmission whose organisation is written differently is flagged
//! for staff. Real binary (`fiches import`), real SQLite file, in a temp dir.

use crate::support::common;
use crate::support::forms;

use common::Env;
use forms::{Book, Doc, filled_book, filled_doc};

fn b64(b: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, c) in b.chunks(3).enumerate() {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            out.push(if k <= c.len() {
                T[(n >> (18 - 6 * k) & 63) as usize] as char
            } else {
                '='
            });
        }
        if i % 19 == 18 {
            out.push_str("\r\n");
        }
    }
    out
}

fn mail(id: &str, from: &str, date: &str, attachments: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut m = format!(
        "From: <{from}>\r\nTo: rencontres@cites-unies-france.org\r\nSubject: Fiche\r\nDate: {date}\r\nMessage-ID: <{id}>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBonjour, voici notre fiche.\r\n"
    );
    for (name, ct, bytes) in attachments {
        m.push_str(&format!(
            "--XX\r\nContent-Type: {ct}\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            b64(bytes)
        ));
    }
    m.push_str("--XX--\r\n");
    m.into_bytes()
}

fn write(env: &Env, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = env.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn one_proposal_per_form_and_containers_opened() {
    let env = Env::new();
    let two = filled_doc(Doc::micro())
        .fill("Titre du projet ou de la démarche", "Projet A")
        .then(filled_doc(Doc::micro()).fill("Titre du projet ou de la démarche", "Projet B"))
        .docx();
    let inside = filled_book(Book::bourse()).fill("Pays", "Mali").xlsx();
    let tnef = fiches::fiche::container::build_tnef(&[
        ("Fiche bourse.xlsx", &inside),
        ("scan.pdf", b"%PDF-1.4\n"),
    ]);
    let a = write(
        &env,
        "a.eml",
        &mail(
            "a@x",
            "ri@grenoble.fr",
            "Mon, 14 May 2018 10:00:00 +0200",
            &[("deux-projets.docx", "application/octet-stream", &two)],
        ),
    );
    let b = write(
        &env,
        "b.eml",
        &mail(
            "b@x",
            "ri@bamako.ml",
            "Mon, 14 May 2018 11:00:00 +0200",
            &[("winmail.dat", "application/ms-tnef", &tnef)],
        ),
    );
    env.import(&[&a, &b]);
    let proposals = env.proposals();
    let titles: Vec<&str> = proposals
        .iter()
        .filter_map(|p| p["fields"]["project_title"].as_str())
        .collect();
    assert_eq!(titles.len(), 2, "{proposals:#?}");
    assert!(titles.contains(&"Projet A") && titles.contains(&"Projet B"));
    assert!(
        proposals
            .iter()
            .any(|p| p["fields"]["country"] == "Mali" && p["kind"] == "bourse_projets"),
        "{proposals:#?}"
    );
    let messages = env.messages();
    let text = serde_json::to_string(&messages).unwrap();
    assert!(text.contains("winmail.dat › Fiche bourse.xlsx"), "{text}");
    assert!(
        text.contains("winmail.dat › scan.pdf"),
        "what cannot be read stays visible: {text}"
    );
    assert_eq!(messages.len(), 2);
    // One attachment row per form, each with its proposal.
    let a = messages.iter().find(|m| m["message_id"] == "a@x").unwrap();
    assert_eq!(a["attachments"].as_array().unwrap().len(), 2);
    assert_eq!(a["proposals"].as_array().unwrap().len(), 2);
    assert!(
        messages.iter().all(|m| m["status"] == "fiche"),
        "{messages:#?}"
    );
}

#[test]
fn a_resubmission_with_the_organisation_written_differently_is_flagged() {
    let env = Env::new();
    let first = filled_doc(Doc::micro())
        .fill(
            "Nom de la collectivité ou de la structure",
            "Mairie de Saint-Louis",
        )
        .fill("Titre du projet ou de la démarche", "Jumelage")
        .docx();
    let second = filled_doc(Doc::micro())
        .fill(
            "Nom de la collectivité ou de la structure",
            "Ville de Saint-Louis",
        )
        .fill("Titre du projet ou de la démarche", "Jumelage (corrigé)")
        .docx();
    let a = write(
        &env,
        "a.eml",
        &mail(
            "1@sl",
            "ri@saint-louis.sn",
            "Mon, 14 May 2018 10:00:00 +0200",
            &[("fiche.docx", "application/octet-stream", &first)],
        ),
    );
    let b = write(
        &env,
        "b.eml",
        &mail(
            "2@sl",
            "ri@saint-louis.sn",
            "Tue, 22 May 2018 10:00:00 +0200",
            &[("fiche.docx", "application/octet-stream", &second)],
        ),
    );
    env.import(&[&a, &b]);
    let proposals = env.proposals();
    assert_eq!(
        proposals.len(),
        2,
        "kept apart, not chained: {proposals:#?}"
    );
    let first_id = proposals
        .iter()
        .find(|p| p["fields"]["organisation"] == "Mairie de Saint-Louis")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let newer = proposals
        .iter()
        .find(|p| p["fields"]["organisation"] == "Ville de Saint-Louis")
        .unwrap();
    assert!(
        newer["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "probable_new_version"),
        "{newer:#?}"
    );
    let warnings = serde_json::to_string(&newer["warnings"]).unwrap();
    assert!(
        warnings.contains(&format!("probable nouvelle version de n° {first_id}")),
        "{warnings}"
    );
}

#[test]
fn a_resubmission_from_another_mail_client_and_address_is_flagged() {
    let env = Env::new();
    // First from the town hall's address, as a Word file.
    let first = filled_doc(Doc::micro())
        .fill(
            "Nom de la collectivité ou de la structure",
            "Mairie de Kourou",
        )
        .fill("Courriel", "m.dupont@kourou.fr")
        .fill("Titre du projet ou de la démarche", "Jardins partagés")
        .docx();
    // Then from Outlook at another address (the fiche inside a
    // winmail.dat), the name written another way.
    let second = filled_book(Book::micro())
        .fill(
            "Nom de la collectivité ou de la structure",
            "Ville de KOUROU",
        )
        .fill("Courriel", "m.dupont@kourou.fr")
        .fill("Titre du projet ou de la démarche", "Jardins partagés (v2)")
        .xlsx();
    let tnef = fiches::fiche::container::build_tnef(&[("Fiche micro-atelier.xlsx", &second)]);
    let a = write(
        &env,
        "a.eml",
        &mail(
            "1@kourou",
            "secretariat@kourou.fr",
            "Mon, 14 May 2018 10:00:00 +0200",
            &[("fiche.docx", "application/octet-stream", &first)],
        ),
    );
    let b = write(
        &env,
        "b.eml",
        &mail(
            "2@kourou",
            "marie.dupont@outlook.fr",
            "Tue, 22 May 2018 10:00:00 +0200",
            &[("winmail.dat", "application/ms-tnef", &tnef)],
        ),
    );
    env.import(&[&a, &b]);
    let proposals = env.proposals();
    assert_eq!(proposals.len(), 2, "kept apart: {proposals:#?}");
    let older = proposals
        .iter()
        .find(|p| p["fields"]["organisation"] == "Mairie de Kourou")
        .unwrap();
    let newer = proposals
        .iter()
        .find(|p| p["fields"]["organisation"] == "Ville de KOUROU")
        .unwrap();
    assert!(
        newer["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "probable_new_version"),
        "{newer:#?}"
    );
    let number = older["number"]
        .as_i64()
        .unwrap_or_else(|| older["id"].as_i64().unwrap());
    let warnings = serde_json::to_string(&newer["warnings"]).unwrap();
    assert!(
        warnings.contains(&format!("probable nouvelle version de n° {number} "))
            && warnings.contains("même courriel de contact")
            && warnings.contains("même organisation"),
        "{warnings}"
    );
    assert!(
        older["flags"].as_array().unwrap().is_empty(),
        "the older one is untouched: {older:#?}"
    );
}
