//! Outbox unit tests on a real SQLite file: what the intake and decisions
//! queue, replacement, and the sending states.

use super::super::*;
use super::*;
use crate::fiche::{Kind, Value};

fn temp_store(acknowledge: bool) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("t.db")).unwrap();
    s.set_outbox_settings(&OutboxSettings {
        acknowledge,
        own_addresses: vec!["Rencontres@CUF.example".into()],
    })
    .unwrap();
    (dir, s)
}

fn message(mid: &str, from: &str, date: &str, org: &str, status: MessageStatus) -> NewMessage {
    let mut p = NewProposal {
        kind: Some(Kind::MicroAtelier),
        ..Default::default()
    };
    p.fields
        .insert("organisation".into(), Value::Text(org.into()));
    p.fields
        .insert("contact_email".into(), Value::Text(from.into()));
    NewMessage {
        raw: format!("Message-ID: <{mid}>\r\nFrom: {from}\r\n\r\nbody").into_bytes(),
        message_id: Some(mid.into()),
        from_addr: Some(from.into()),
        effective_at: Some(date.into()),
        source_ref: format!("file:/{mid}.eml"),
        size: 10,
        status,
        attachments: vec![NewAttachment {
            part_path: "2".into(),
            filename: Some("fiche.docx".into()),
            content_type: None,
            size: 100,
            sha256: sha256_hex(mid.as_bytes()),
            format: Some("DOCX".into()),
            outcome: AttachmentOutcome::Fiche,
            reason: None,
            proposal: (status == MessageStatus::Fiche).then_some(p),
        }],
        ..Default::default()
    }
}

fn ingest(s: &mut Store, mid: &str, from: &str, date: &str, org: &str) -> i64 {
    match s
        .ingest(&message(mid, from, date, org, MessageStatus::Fiche))
        .unwrap()
    {
        IngestOutcome::Stored { proposals, .. } => proposals[0],
        o => panic!("{o:?}"),
    }
}

fn states(s: &Store) -> Vec<(i64, &'static str, &'static str, Option<i64>)> {
    s.letters(&LetterFilter::default())
        .unwrap()
        .into_iter()
        .map(|l| (l.id, l.kind.as_str(), l.state.as_str(), l.replaced_by))
        .collect()
}

fn decide(s: &mut Store, id: i64, status: ProposalStatus, slot: Option<&str>) -> Proposal {
    let p = s.proposal(id).unwrap();
    let d = match status {
        ProposalStatus::Accepted => Decision::Accept {
            slot: slot.unwrap_or("14:00").to_string(),
            place: "Espace A".to_string(),
        },
        ProposalStatus::Waitlisted => Decision::Waitlist,
        ProposalStatus::Rejected => Decision::Reject {
            reason: "hors sujet".to_string(),
        },
        ProposalStatus::Withdrawn => Decision::Withdraw,
        ProposalStatus::Pending => Decision::Pending,
    };
    s.decide(
        p.number,
        Some(p.version),
        &d,
        &crate::domain::Rules::default(),
        "marie",
    )
    .unwrap()
    .proposal
}

/// Approves, claims and records a letter as sent.
fn send(s: &mut Store, id: i64) {
    let a = s
        .approve_letters(Approve::These(&[(id, None)]), "marie")
        .unwrap();
    assert_eq!(a.approved, [id]);
    let claim = Claim {
        message_id: &format!("l{id}@cuf.example"),
        to: "a@b",
        cc: "",
        subject: "s",
        body: "b",
        bytes: b"x",
    };
    assert!(s.claim_letter(id, &claim).unwrap());
    s.letter_sent(id, "250 ok", None).unwrap();
}

#[test]
fn acknowledgements_only_when_asked_and_never_for_auto_replies_or_ourselves() {
    let (_d, mut s) = temp_store(false);
    ingest(
        &mut s,
        "m1@x",
        "a@mairie.example",
        "2018-05-01T10:00:00Z",
        "Ville A",
    );
    assert!(states(&s).is_empty());

    let (_d, mut s) = temp_store(true);
    let p = ingest(
        &mut s,
        "m1@x",
        "a@mairie.example",
        "2018-05-01T10:00:00Z",
        "Ville A",
    );
    s.ingest(&message(
        "m2@x",
        "b@mairie.example",
        "2018-05-01T10:00:00Z",
        "Ville B",
        MessageStatus::AutoReply,
    ))
    .unwrap();
    ingest(
        &mut s,
        "m3@x",
        "rencontres@cuf.example",
        "2018-05-01T10:00:00Z",
        "CUF",
    );
    ingest(
        &mut s,
        "m4@x",
        "MAILER-DAEMON@mx.example",
        "2018-05-01T10:00:00Z",
        "X",
    );
    let l = s.letters(&LetterFilter::default()).unwrap();
    assert_eq!(l.len(), 1);
    assert_eq!(
        (l[0].kind, l[0].state, l[0].proposal_id),
        (LetterKind::Acknowledgement, LetterState::Pending, Some(p))
    );
    assert_eq!(l[0].fiche.message_id.as_deref(), Some("m1@x"));
    assert_eq!(s.letter_events(l[0].id).unwrap()[0].event, "queued");
}

#[test]
fn a_resubmission_replaces_the_unsent_acknowledgement_and_the_letter_follows_the_live_revision() {
    let (_d, mut s) = temp_store(true);
    let p1 = ingest(
        &mut s,
        "m1@x",
        "a@mairie.example",
        "2018-05-01T10:00:00Z",
        "Ville A",
    );
    let p2 = ingest(
        &mut s,
        "m2@x",
        "a@mairie.example",
        "2018-05-03T10:00:00Z",
        "Ville A",
    );
    assert_eq!(
        states(&s),
        [
            (1, "acknowledgement", "replaced", Some(2)),
            (2, "acknowledgement", "pending", None)
        ]
    );
    // An older fiche imported late is no new proposal to acknowledge.
    ingest(
        &mut s,
        "m0@x",
        "a@mairie.example",
        "2018-04-01T10:00:00Z",
        "Ville A",
    );
    assert_eq!(states(&s).len(), 2);
    // A decision on the live revision replaces the acknowledgement.
    decide(&mut s, p2, ProposalStatus::Accepted, Some("14:00"));
    assert_eq!(
        states(&s)[1..],
        [
            (2, "acknowledgement", "replaced", Some(3)),
            (3, "accepted", "pending", None)
        ]
    );
    let l = s.letter(3).unwrap();
    assert_eq!(
        (l.params.slot.as_deref(), l.params.space.as_deref()),
        (Some("14:00"), Some("Espace A"))
    );
    // Sent, then a newer revision comes: the decision is carried over, no new
    // decision letter, and no acknowledgement either — it would promise a
    // decision to come, contradicting the one sent (the proposal is flagged
    // for staff instead).
    send(&mut s, 3);
    let p3 = ingest(
        &mut s,
        "m5@x",
        "a@mairie.example",
        "2018-05-05T10:00:00Z",
        "Ville A",
    );
    assert_eq!(states(&s)[2..], [(3, "accepted", "sent", None)]);
    assert!(
        s.proposal(p3)
            .unwrap()
            .flags
            .iter()
            .any(|f| f == crate::store::flag::UPDATED_AFTER_DECISION)
    );
    assert_eq!(
        s.letter(3).unwrap().proposal.unwrap().id,
        p3,
        "written from the live revision"
    );
    let _ = p1;
}

#[test]
fn decisions_queue_the_right_letter_given_what_was_told() {
    let (_d, mut s) = temp_store(false);
    let p = ingest(
        &mut s,
        "m1@x",
        "a@mairie.example",
        "2018-05-01T10:00:00Z",
        "Ville A",
    );
    decide(&mut s, p, ProposalStatus::Accepted, Some("14:00"));
    // Moved before anything went: still an acceptance, with the new slot.
    decide(&mut s, p, ProposalStatus::Accepted, Some("14:20"));
    assert_eq!(
        states(&s),
        [
            (1, "accepted", "replaced", Some(2)),
            (2, "accepted", "pending", None)
        ]
    );
    send(&mut s, 2);
    // Moved after: "créneau modifié", with where it was.
    decide(&mut s, p, ProposalStatus::Accepted, Some("15:00"));
    let l = s.letter(3).unwrap();
    assert_eq!(l.kind, LetterKind::SlotChanged);
    assert_eq!(
        (l.params.previous_slot.as_deref(), l.params.slot.as_deref()),
        (Some("14:20"), Some("15:00"))
    );
    // Moved back to what was told: nothing to say any more.
    decide(&mut s, p, ProposalStatus::Accepted, Some("14:20"));
    assert_eq!(states(&s)[2], (3, "slot_changed", "replaced", None));
    assert_eq!(states(&s).len(), 3);
    // Told "accepted", then no longer accepted: a cancellation, not the
    // waiting-list letter; it stays while it still says the truth.
    decide(&mut s, p, ProposalStatus::Waitlisted, None);
    let l = s.letter(4).unwrap();
    assert_eq!(l.kind, LetterKind::Cancellation);
    assert_eq!(
        (l.params.previous_slot.as_deref(), l.params.slot.as_deref()),
        (Some("14:20"), None)
    );
    assert_eq!(l.params.status, Some(crate::domain::Status::Waitlisted));
    // What the cancellation announces (back on the waiting list, to decide
    // again…) is part of it: written again when that changes.
    decide(&mut s, p, ProposalStatus::Pending, None);
    assert_eq!(states(&s)[3], (4, "cancellation", "replaced", Some(5)));
    assert_eq!(
        s.letter(5).unwrap().params.status,
        Some(crate::domain::Status::Pending)
    );
    // A refusal's reason is news: the cancellation is written again with it.
    decide(&mut s, p, ProposalStatus::Rejected, None);
    let l = s.letter(6).unwrap();
    assert_eq!(
        (l.kind, l.params.reason.as_deref()),
        (LetterKind::Cancellation, Some("hors sujet"))
    );
    assert_eq!(states(&s)[4], (5, "cancellation", "replaced", Some(6)));
    send(&mut s, 6);
    decide(&mut s, p, ProposalStatus::Withdrawn, None);
    decide(&mut s, p, ProposalStatus::Rejected, None);
    assert_eq!(states(&s).len(), 6, "the cancellation went already");
    // Waitlisted after the cancellation (of a refusal) went: the waiting-list letter.
    decide(&mut s, p, ProposalStatus::Waitlisted, None);
    assert_eq!(s.letter(7).unwrap().kind, LetterKind::Waitlisted);
}

#[test]
fn after_a_cancellation_went_the_next_letter_follows_what_it_announced() {
    let (_d, mut s) = temp_store(false);
    let p = ingest(
        &mut s,
        "m1@x",
        "a@mairie.example",
        "2018-05-01T10:00:00Z",
        "Ville A",
    );
    decide(&mut s, p, ProposalStatus::Accepted, Some("14:00"));
    send(&mut s, 1);
    // "Back on the waiting list" went out: the sender knows they wait.
    decide(&mut s, p, ProposalStatus::Waitlisted, None);
    assert_eq!(s.letter(2).unwrap().kind, LetterKind::Cancellation);
    send(&mut s, 2);
    assert_eq!(states(&s).len(), 2, "no waiting-list letter repeating it");
    // Refused now: they must hear it.
    decide(&mut s, p, ProposalStatus::Rejected, None);
    assert_eq!(s.letter(3).unwrap().kind, LetterKind::Rejected);
    // "To decide again" went out: the next decision is written.
    let q = ingest(
        &mut s,
        "m2@x",
        "b@mairie.example",
        "2018-05-01T10:00:00Z",
        "Ville B",
    );
    decide(&mut s, q, ProposalStatus::Accepted, Some("14:20"));
    send(&mut s, 4);
    decide(&mut s, q, ProposalStatus::Pending, None);
    send(&mut s, 5);
    decide(&mut s, q, ProposalStatus::Accepted, Some("15:00"));
    assert_eq!(
        s.letter(6).unwrap().kind,
        LetterKind::Accepted,
        "a new acceptance, not a change of slot of a cancelled one"
    );
}

#[test]
fn sending_states_exactly_once() {
    let (_d, mut s) = temp_store(true);
    ingest(
        &mut s,
        "m1@x",
        "a@mairie.example",
        "2018-05-01T10:00:00Z",
        "Ville A",
    );
    ingest(
        &mut s,
        "m2@x",
        "b@mairie.example",
        "2018-05-01T10:00:00Z",
        "Ville B",
    );
    let claim = |id| Claim {
        message_id: if id == 1 { "one@cuf" } else { "two@cuf" },
        to: "a@b",
        cc: "",
        subject: "s",
        body: "b",
        bytes: b"bytes",
    };
    // Not approved: not claimed.
    assert!(!s.claim_letter(1, &claim(1)).unwrap());
    let a = s.approve_letters(Approve::All, "marie").unwrap();
    assert_eq!(a.approved, [1, 2]);
    let d = s.due_letters("2030-01-01T00:00:00Z", false).unwrap();
    assert_eq!((d.due, d.waiting), (vec![1, 2], vec![]));
    assert!(s.claim_letter(1, &claim(1)).unwrap());
    assert!(!s.claim_letter(1, &claim(1)).unwrap(), "claimed once");
    assert!(s.claim_letter(2, &claim(2)).unwrap());
    s.letter_not_sent(2, "451 plus tard", Some("2999-01-01T00:00:00Z"))
        .unwrap();
    // A sender died with letter 1 in `sending`.
    assert_eq!(s.recover_sending().unwrap(), [1]);
    let l = s.letter(1).unwrap();
    assert_eq!(l.state, LetterState::Uncertain);
    assert!(l.last_error.unwrap().contains("peut-être partie"));
    assert_eq!(s.letter_bytes(1).unwrap().as_deref(), Some(&b"bytes"[..]));
    // Waiting for its retry.
    let d = s.due_letters("2030-01-01T00:00:00Z", false).unwrap();
    assert!(d.due.is_empty() && d.waiting[0].0 == 2);
    assert_eq!(
        s.due_letters("2030-01-01T00:00:00Z", true).unwrap().due,
        [2]
    );
    // Staff: it did not arrive; resend with the same Message-ID.
    let v = s.letter(1).unwrap().version;
    s.resolve_letter(1, v, Resolution::Resend, "marie").unwrap();
    let l = s.letter(1).unwrap();
    assert_eq!(
        (l.state, l.approved_at.as_deref(), l.message_id.as_deref()),
        (LetterState::Pending, None, Some("one@cuf"))
    );
    // Stale versions are refused.
    assert!(matches!(
        s.drop_letter(1, v, "marie"),
        Err(StoreError::StaleLetter { .. })
    ));
    // An edit withdraws the approval; a refused letter is edited back to pending.
    s.approve_letters(Approve::All, "marie").unwrap();
    let l = s
        .edit_letter(
            1,
            s.letter(1).unwrap().version,
            &LetterEdit {
                body: Some("Texte\n".into()),
                ..LetterEdit::default()
            },
            "marie",
        )
        .unwrap();
    assert_eq!(
        (l.approved_at, l.edit.body.as_deref()),
        (None, Some("Texte\n"))
    );
    s.drop_letter(1, l.version, "marie").unwrap();
    assert!(matches!(
        s.edit_letter(
            1,
            s.letter(1).unwrap().version,
            &LetterEdit::default(),
            "marie"
        ),
        Err(StoreError::LetterState { .. })
    ));
    let events: Vec<String> = s
        .letter_events(1)
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(
        events,
        [
            "queued",
            "approved",
            "sending",
            "uncertain",
            "settled_resend",
            "approved",
            "edited",
            "dropped"
        ]
    );
    assert!(
        s.conn.execute("DELETE FROM letter_events", []).is_err(),
        "append-only"
    );
}

#[test]
fn settings_are_written_only_when_they_change() {
    let (_d, mut s) = temp_store(true);
    let same = OutboxSettings {
        acknowledge: true,
        own_addresses: vec!["rencontres@cuf.example".into()],
    };
    assert!(!s.set_outbox_settings(&same).unwrap());
    assert!(s.set_outbox_settings(&OutboxSettings::default()).unwrap());
    assert_eq!(s.outbox_settings().unwrap(), OutboxSettings::default());
}

/// A message whose fiche could not be read: an old Word file, a photo, and
/// a logo the intake ignored.
fn unreadable(mid: &str, from: &str) -> NewMessage {
    let mut m = message(
        mid,
        from,
        "2018-05-14T09:00:00+02:00",
        "",
        MessageStatus::Unsupported,
    );
    let att = |n: &str, path: &str, format: Option<&str>, outcome| NewAttachment {
        part_path: path.into(),
        filename: Some(n.into()),
        content_type: None,
        size: 100,
        sha256: sha256_hex(format!("{mid}{n}").as_bytes()),
        format: format.map(str::to_string),
        outcome,
        reason: None,
        proposal: None,
    };
    m.attachments = vec![
        att(
            "Fiche Ville de Pau.doc",
            "2",
            Some("DOC"),
            AttachmentOutcome::UnsupportedFormat,
        ),
        att(
            "photo fiche.jpg",
            "3",
            None,
            AttachmentOutcome::UnsupportedFormat,
        ),
        att("logo.png", "4", None, AttachmentOutcome::Ignored),
    ];
    m
}

#[test]
fn a_docx_request_is_queued_once_per_message_and_names_each_file() {
    let (_d, mut s) = temp_store(true);
    let IngestOutcome::Stored { id: msg, .. } = s
        .ingest(&unreadable("doc@pau.example", "accueil@pau.example"))
        .unwrap()
    else {
        panic!("not stored")
    };
    // No proposal, no acknowledgement: nothing in the outbox yet.
    assert!(s.letters(&LetterFilter::default()).unwrap().is_empty());
    let DocxRequest::Queued(id) = s.queue_docx_request(msg, "marie").unwrap() else {
        panic!("not queued")
    };
    let l = s.letter(id).unwrap();
    assert_eq!(
        (l.kind, l.state, l.proposal_id, l.proposal.is_none()),
        (LetterKind::DocxRequest, LetterState::Pending, None, true)
    );
    assert_eq!(l.fiche.id, msg);
    assert_eq!(l.fiche.from_addr.as_deref(), Some("accueil@pau.example"));
    assert_eq!(l.created_by, "marie");
    let names: Vec<&str> = l.params.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["Fiche Ville de Pau.doc", "photo fiche.jpg"],
        "the logo is not named"
    );
    assert!(
        l.params.files[0].why.contains("ancien format (.doc)"),
        "{:?}",
        l.params.files
    );
    assert!(
        l.params.files[1].why.contains("image"),
        "{:?}",
        l.params.files
    );
    assert_eq!(l.contradiction(), None);
    // Asked again: the same letter, nothing new.
    assert_eq!(
        s.queue_docx_request(msg, "paul").unwrap(),
        DocxRequest::Already(id, LetterState::Pending)
    );
    assert_eq!(s.letters(&LetterFilter::default()).unwrap().len(), 1);
    // Staff may edit it like any letter; it is still the one.
    let edited = s
        .edit_letter(
            id,
            l.version,
            &LetterEdit {
                subject: Some("Votre fiche en .docx".into()),
                ..Default::default()
            },
            "marie",
        )
        .unwrap();
    assert_eq!(edited.edit.subject.as_deref(), Some("Votre fiche en .docx"));
    assert_eq!(edited.state, LetterState::Pending);
    // Sent: asking again says so and queues nothing.
    s.approve_letters(Approve::All, "marie").unwrap();
    let claim = Claim {
        message_id: "docx-1@cuf.example",
        to: "accueil@pau.example",
        cc: "",
        subject: "Votre fiche en .docx",
        body: "b",
        bytes: b"x",
    };
    assert!(s.claim_letter(id, &claim).unwrap());
    s.letter_sent(id, "250 OK", None).unwrap();
    assert_eq!(
        s.queue_docx_request(msg, "paul").unwrap(),
        DocxRequest::Already(id, LetterState::Sent)
    );
    let events: Vec<String> = s
        .letter_events(id)
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(events.first().map(String::as_str), Some("queued"));
    assert_eq!(events.iter().filter(|e| *e == "queued").count(), 1);
    // The database itself refuses a second one for the message.
    let second = s.conn.execute(
        "INSERT INTO letters (kind, about_message, chain, created_at, created_by, updated_at)
         VALUES ('docx_request', ?1, 'x', 'x', 'x', 'x')",
        [msg],
    );
    assert!(second.is_err(), "{second:?}");
    // An unknown message is an error naming it.
    assert!(matches!(
        s.queue_docx_request(9999, "marie"),
        Err(StoreError::MessageNotFound(9999))
    ));
}

#[test]
fn a_dropped_docx_request_may_be_asked_again() {
    let (_d, mut s) = temp_store(false);
    let IngestOutcome::Stored { id: msg, .. } = s
        .ingest(&unreadable("d2@x.example", "a@x.example"))
        .unwrap()
    else {
        panic!("not stored")
    };
    let DocxRequest::Queued(first) = s.queue_docx_request(msg, "marie").unwrap() else {
        panic!()
    };
    let v = s.letter(first).unwrap().version;
    s.drop_letter(first, v, "marie").unwrap();
    let DocxRequest::Queued(second) = s.queue_docx_request(msg, "marie").unwrap() else {
        panic!("a dropped request blocks nothing")
    };
    assert_ne!(first, second);
}
