//! A demande de .docx through the real binary: `fiches outbox` (text and
//! JSON) shows the letter that has no proposal, `fiches send` sends it once
//! to a real SMTP server on loopback (aiosmtpd), and a second `fiches send`
//! sends nothing.

use crate::support::outbox_env;
use crate::support::smtp;

use fiches::store::{
    AttachmentOutcome, DocxRequest, IngestOutcome, LetterState, MessageStatus, NewAttachment,
    NewMessage,
};
use outbox_env::{Env, FROM};

#[test]
fn a_demande_de_docx_is_listed_and_sent_once_by_the_cli() {
    let server = smtp::SmtpServer::start(smtp::Options::default());
    let env = Env::new("acknowledge = true\n", &server.smtp_toml(FROM));
    let mut store = env.store();
    let msg = NewMessage {
        raw: b"Message-ID: <scan@mairie.example>\r\nFrom: mairie@mairie.example\r\n\r\nfiche"
            .to_vec(),
        message_id: Some("scan@mairie.example".into()),
        from_addr: Some("mairie@mairie.example".into()),
        from_name: Some("Mairie de Dschang".into()),
        date: Some("2018-06-01T10:00:00+02:00".into()),
        effective_at: Some("2018-06-01T08:00:00Z".into()),
        source_ref: "test:scan".into(),
        size: 20,
        status: MessageStatus::Unsupported,
        attachments: vec![NewAttachment {
            part_path: "2".into(),
            filename: Some("fiche scannée.pdf".into()),
            content_type: None,
            size: 1,
            sha256: format!("{:064}", 7),
            format: Some("PDF".into()),
            outcome: AttachmentOutcome::UnsupportedFormat,
            reason: None,
            proposal: None,
        }],
        ..Default::default()
    };
    let IngestOutcome::Stored { id: message, .. } = store.ingest(&msg).unwrap() else {
        panic!("not stored")
    };
    let DocxRequest::Queued(letter) = store.queue_docx_request(message, "marie").unwrap() else {
        panic!("not queued")
    };
    drop(store);

    let text = env.ok(&["outbox"]);
    assert!(
        text.contains(&format!(
            "demande de .docx · message n° {message} (mairie@mairie.example)"
        )),
        "{text}"
    );
    let json = env.outbox(&[]);
    let l = json
        .iter()
        .find(|l| l["id"] == letter)
        .unwrap_or_else(|| panic!("{json:?}"));
    assert_eq!(l["kind"], "docx_request");
    assert_eq!(l["kind_fr"], "demande de .docx");
    assert!(l["proposal_id"].is_null(), "{l}");
    assert_eq!(l["about_message"], message);
    assert_eq!(l["files"][0]["name"], "fiche scannée.pdf");
    assert_eq!(l["to"][0], "mairie@mairie.example");
    assert_eq!(l["in_reply_to"], "scan@mairie.example");
    assert_eq!(l["problems"].as_array().map(Vec::len), Some(0), "{l}");

    // Staff edit it like any letter (here: a greeting by name).
    let edited = env.dir.path().join("edit.txt");
    std::fs::write(
        &edited,
        format!(
            "À : {}\nCc :\nObjet : {}\n\n{}",
            l["to_text"].as_str().unwrap(),
            l["subject"].as_str().unwrap(),
            l["body"]
                .as_str()
                .unwrap()
                .replace("Madame, Monsieur,", "Monsieur le Maire,")
        ),
    )
    .unwrap();
    let id = letter.to_string();
    env.ok(&["outbox", "edit", &id, "--file", edited.to_str().unwrap()]);
    let shown = env.ok(&["outbox", "show", &id]);
    assert!(shown.contains("Monsieur le Maire,"), "{shown}");
    assert!(shown.contains("demande de .docx"), "{shown}");

    env.ok(&["send", &letter.to_string()]);
    assert_eq!(server.count(), 1);
    let got = server.received();
    let body = got[0]
        .text()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(body.contains("« fiche scannée.pdf » : un PDF"), "{body}");
    assert!(body.starts_with("Monsieur le Maire,"), "{body}");
    assert!(
        got[0].subject().contains(".docx ou .xlsx"),
        "{}",
        got[0].subject()
    );
    assert_eq!(env.store().letter(letter).unwrap().state, LetterState::Sent);
    // Nothing goes twice.
    let _ = env.run(&["send", &letter.to_string()]);
    env.ok(&["send"]);
    assert_eq!(server.count(), 1);
    let sent = env.ok(&["outbox", "--state", "sent"]);
    assert!(sent.contains("demande de .docx"), "{sent}");
}
