//! Revisions compared (issue 14): a fiche sent again twice by the same
//! sender makes rév. 2 and rév. 3 of a proposal; `v` on Propositions shows
//! field by field what changed between the last two (French labels,
//! old → new, unchanged fields hidden and counted), and any pair chosen.
//! Real SQLite file, the store's own intake of the new mails.

use crate::support::console as console_support;

use console_support::*;
use fiches::fiche::Value;
use fiches::store::{
    AttachmentOutcome, MessageStatus, NewAttachment, NewMessage, NewProposal, Store,
};

/// The fiche of `org` sent again by its sender with `changes`.
fn send_again(db: &std::path::Path, org: &str, n: u32, changes: &[(&str, &str)]) {
    let mut st = Store::open(db).unwrap();
    let live = st
        .list_proposals(&fiches::store::ProposalFilter {
            live_only: true,
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .find(|p| p.text("organisation").is_some_and(|o| o.contains(org)))
        .unwrap();
    let from = st.message(live.message_id).unwrap().from;
    let mut p = NewProposal {
        kind: live.kind,
        fields: live.fields.clone(),
        ..Default::default()
    };
    for (k, v) in changes {
        if v.is_empty() {
            p.fields.remove(*k);
        } else {
            p.fields.insert(k.to_string(), Value::Text(v.to_string()));
        }
    }
    let id = format!("rev{n}@test.example");
    let msg = NewMessage {
        raw: format!("Message-ID: <{id}>\r\n\r\nrev {n}").into_bytes(),
        message_id: Some(id.clone()),
        from_addr: from,
        date: Some(format!("2018-06-0{n}T09:00:00+02:00")),
        effective_at: Some(format!("2018-06-0{n}T07:00:00Z")),
        source_ref: format!("test:{id}"),
        size: 10,
        status: MessageStatus::Fiche,
        attachments: vec![NewAttachment {
            part_path: "2".into(),
            filename: Some(format!("fiche-v{n}.docx")),
            content_type: None,
            size: 1,
            sha256: format!("v{n}"),
            format: Some("DOCX".into()),
            outcome: AttachmentOutcome::Fiche,
            reason: None,
            proposal: Some(p),
        }],
        ..Default::default()
    };
    st.ingest(&msg).unwrap();
}

fn with_three_revisions() -> (tempfile::TempDir, std::path::PathBuf) {
    let (d, db) = sample_db();
    send_again(
        &db,
        "Grenoble",
        2,
        &[
            (
                "project_title",
                "Coopération décentralisée et climat : bilan 2018",
            ),
            ("contact_phone", "04 76 00 00 00"),
        ],
    );
    send_again(&db, "Grenoble", 3, &[("contact_phone", "")]);
    (d, db)
}

fn picture(name: &str, s: &fiches::console::Session) {
    let t = render(s);
    let (w, h) = s.app.size;
    insta::with_settings!({
        filters => vec![
            (r"\d{2}/\d{2}/20[2-9]\d \d{2}:\d{2}", "[maintenant]"),
            (r"20[2-9]\d-\d{2}-\d{2}", "[aujourd'hui]"),
        ],
        omit_expression => true,
    }, {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
    });
}

#[test]
fn v_compares_the_last_two_revisions_then_any_pair() {
    for size in [(80, 24), (120, 40)] {
        let (_d, db) = with_three_revisions();
        let mut s = session(&db, size);
        let id = id_of(&s, "Grenoble");
        select(&mut s, id);
        // The live one is rév. 3.
        assert_eq!(s.app.current_detail().unwrap().revisions.len(), 3);
        keys(&mut s, "v");
        let sc = screen(&s);
        assert!(sc.contains("rév. 2 → rév. 3"), "{sc}");
        assert!(sc.contains("1 champ modifié"), "{sc}");
        assert!(sc.contains("Téléphone : 04 76 00 00 00 → —"), "{sc}");
        assert!(!sc.contains("Titre du projet"), "unchanged: hidden\n{sc}");
        picture("revisions_2_3", &s);
        // rév. 1 → rév. 3: the title changed, the phone taken out.
        keys(&mut s, "h");
        let sc = screen(&s);
        assert!(sc.contains("rév. 1 → rév. 3"), "{sc}");
        assert!(sc.contains("Titre du projet"), "{sc}");
        assert!(sc.contains("bilan 2018"), "{sc}");
        assert!(sc.contains("Téléphone : 04 65 71 36 36 → —"), "{sc}");
        // rév. 1 → rév. 2: both.
        keys(&mut s, "[");
        let sc = screen(&s);
        assert!(sc.contains("rév. 1 → rév. 2"), "{sc}");
        assert!(sc.contains("2 champs modifiés"), "{sc}");
        assert!(
            sc.contains("Téléphone : 04 65 71 36 36 → 04 76 00 00 00"),
            "{sc}"
        );
        picture("revisions_1_2", &s);
        // Nothing before rév. 1.
        keys(&mut s, "h");
        assert!(
            notice(&s).contains("Pas d'autre révision"),
            "{}",
            notice(&s)
        );
        keys(&mut s, "<Esc>");
        assert!(!screen(&s).contains("Révisions comparées"));
    }
}

#[test]
fn a_single_revision_says_there_is_nothing_to_compare() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (80, 24));
    keys(&mut s, "v");
    assert!(notice(&s).contains("Une seule révision"), "{}", notice(&s));
    assert!(!screen(&s).contains("Révisions comparées"));
}
