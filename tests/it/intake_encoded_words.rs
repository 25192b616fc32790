//! An attachment named by two adjacent RFC 2047 encoded words (what some
//! mail programs write when a name is long or accented) is stored under
//! its real name, the words joined without the space between them
//! (RFC 2047 §6.2): "fiche-saint-étienne.docx", never "….doc x", which
//! staff would read as another format. Through the real intake: an .eml
//! in a temporary directory, imported into a SQLite file, the fiche read,
//! and the name shown by the console's Courrier.

use crate::support::console as console_support;

use console_support::*;
use fiches::store::{AttachmentOutcome, Store};

#[test]
fn two_encoded_words_make_one_file_name_through_the_intake() {
    let plain = std::fs::read(repo().join("fixtures/corpus/mail/01-plain.eml")).unwrap();
    let plain = String::from_utf8(plain).unwrap();
    let named = "filename=\"01-fiche-micro-atelier-ville-de-saint-etienne.docx\"";
    assert!(plain.contains(named));
    // Quoted (Outlook, old Thunderbird) on one line, then unquoted and folded.
    let variants = [
        "filename=\"=?UTF-8?Q?fiche-saint-=C3=A9tienne.doc?= =?UTF-8?Q?x?=\"",
        "filename==?UTF-8?B?ZmljaGUtc2FpbnQtw6l0aWVubmUuZG9j?=\n =?UTF-8?B?eA==?=",
    ];
    let dir = tempfile::tempdir().unwrap();
    let mails = dir.path().join("mails");
    std::fs::create_dir(&mails).unwrap();
    for (i, v) in variants.iter().enumerate() {
        let text = plain
            .replace(named, v)
            .replace("Message-ID: <", &format!("Message-ID: <encoded-{i}-"));
        std::fs::write(mails.join(format!("{i}.eml")), text).unwrap();
    }
    let db = dir.path().join("fiches.db");
    import(&db, &mails);

    let store = Store::open(&db).unwrap();
    let messages = store.list_messages(&Default::default()).unwrap();
    assert_eq!(messages.len(), 2);
    for m in &messages {
        let a = &m.attachments[0];
        assert_eq!(
            a.filename.as_deref(),
            Some("fiche-saint-étienne.docx"),
            "{m:?}"
        );
        assert_eq!(a.outcome, AttachmentOutcome::Fiche, "{m:?}");
        assert_eq!(m.proposals.len(), 1);
    }

    // Courrier shows the name as sent.
    let mut s = session(&db, (120, 40));
    keys(&mut s, "7<Enter>");
    let sc = screen(&s);
    assert!(sc.contains("fiche-saint-étienne.docx  DOCX"), "{sc}");
    assert!(!sc.contains(".doc x"), "{sc}");
}
