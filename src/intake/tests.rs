//! `process` on whole messages: one test per rule a user expects.

use super::*;
use crate::store::AttachmentOutcome;

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/fixtures/corpus/mail/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn opts() -> IntakeOptions {
    IntakeOptions::new(DateTime::parse_from_rfc3339("2018-06-08T23:59:59+02:00").unwrap())
}

fn run(bytes: &[u8]) -> NewMessage {
    process(&RawMessage::new(bytes.to_vec(), "file:/test.eml"), &opts()).unwrap()
}

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

/// A mail with the given extra headers and attachments (name, declared type, bytes).
fn mail(headers: &str, attachments: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut m = format!(
        "From: Claire <claire@example.org>\r\nTo: cuf@example.org\r\nMessage-ID: <t@example.org>\r\n{headers}MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBonjour\r\n"
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

fn xlsx_fiche() -> Vec<u8> {
    std::fs::read(format!(
        "{}/fixtures/corpus/fiches/09-fiche-micro-atelier-ville-de-saint-etienne.xlsx",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn auto_replies_by_header_give_no_proposal() {
    let fiche = xlsx_fiche();
    for h in [
        "Auto-Submitted: auto-replied\r\n",
        "Auto-Submitted: auto-generated\r\n",
        "X-Autoreply: yes\r\n",
        "X-Autorespond: yes\r\n",
        "Precedence: auto_reply\r\n",
        "Precedence: bulk\r\n",
        "Precedence: junk\r\n",
    ] {
        let m = run(&mail(
            &format!("Subject: Fiche\r\nDate: Mon, 14 May 2018 09:30:00 +0200\r\n{h}"),
            &[("f.xlsx", "application/octet-stream", &fiche)],
        ));
        assert_eq!(m.status, MessageStatus::AutoReply, "{h}");
        assert!(
            m.attachments
                .iter()
                .all(|a| a.outcome == AttachmentOutcome::Ignored && a.proposal.is_none()),
            "{h}"
        );
    }
    // Auto-Submitted: no is a person writing.
    let m = run(&mail("Subject: Fiche\r\nAuto-Submitted: no\r\n", &[]));
    assert_eq!(m.status, MessageStatus::NoFiche);
}

#[test]
fn auto_reply_subjects_without_a_fiche() {
    for s in [
        "Réponse automatique : absent",
        "Absence du bureau",
        "Out of office",
        "Automatic reply: Fiche",
    ] {
        let m = run(&mail(&format!("Subject: {s}\r\n"), &[]));
        assert_eq!(m.status, MessageStatus::AutoReply, "{s}");
    }
}

#[test]
fn a_delivery_report_is_an_auto_reply() {
    let raw = "From: MAILER-DAEMON@example.org\r\nSubject: Undelivered Mail\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"R\"\r\n\r\n--R\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--R--\r\n";
    assert_eq!(run(raw.as_bytes()).status, MessageStatus::AutoReply);
}

#[test]
fn only_doc_pdf_rtf_is_unsupported_and_a_damaged_winmail_an_error() {
    // An OLE2 file whose directory names a WordDocument stream.
    let mut doc = vec![0xD0u8, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    doc.resize(512, 0);
    for (name, kind) in [("Root Entry", 5u8), ("WordDocument", 2), ("1Table", 2)] {
        let mut entry = vec![0u8; 128];
        let utf16: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        entry[..utf16.len()].copy_from_slice(&utf16);
        entry[64..66].copy_from_slice(&((utf16.len() + 2) as u16).to_le_bytes());
        entry[66] = kind;
        doc.extend_from_slice(&entry);
    }
    let tnef = [0x78u8, 0x9F, 0x3E, 0x22, 0, 0, 0];
    let m = run(&mail(
        "Subject: Fiche\r\n",
        &[("winmail.dat", "application/ms-tnef", &tnef[..])],
    ));
    assert_eq!(m.status, MessageStatus::Error);
    assert_eq!(m.attachments[0].outcome, AttachmentOutcome::Corrupt);
    assert!(m.reason.as_deref().unwrap().contains("winmail.dat"));
    // A winmail.dat carrying only a PDF: the PDF is named, inside it.
    let pdf_inside = crate::fiche::container::build_tnef(&[("fiche.pdf", b"%PDF-1.4\n")]);
    let m = run(&mail(
        "Subject: Fiche\r\n",
        &[("winmail.dat", "application/ms-tnef", &pdf_inside[..])],
    ));
    assert_eq!(m.status, MessageStatus::Unsupported);
    assert_eq!(
        m.attachments[0].filename.as_deref(),
        Some("winmail.dat › fiche.pdf")
    );
    for (name, bytes) in [
        ("f.doc", &doc[..]),
        ("f.pdf", b"%PDF-1.4\n%\xe2\xe3"),
        ("f.rtf", b"{\\rtf1\\ansi x}"),
    ] {
        let m = run(&mail(
            "Subject: Fiche\r\n",
            &[(name, "application/octet-stream", bytes)],
        ));
        assert_eq!(m.status, MessageStatus::Unsupported, "{name}");
        assert_eq!(
            m.attachments[0].outcome,
            AttachmentOutcome::UnsupportedFormat,
            "{name}"
        );
        assert!(
            m.reason.as_deref().unwrap().contains(name),
            "the reason names the file: {:?}",
            m.reason
        );
    }
    let corpus_09 = run(&corpus("09-unsupported-only.eml"));
    assert_eq!(corpus_09.status, MessageStatus::Unsupported);
}

#[test]
fn a_fiche_is_found_by_content_whatever_the_declared_type_or_name() {
    let fiche = xlsx_fiche();
    for (name, ct) in [
        ("fiche.xlsx", "application/octet-stream"),
        ("scan.pdf", "application/pdf"),
        ("", "text/plain"),
        ("x", "image/png"),
    ] {
        let m = run(&mail("Subject: Fiche\r\n", &[(name, ct, &fiche)]));
        assert_eq!(m.status, MessageStatus::Fiche, "{name} {ct}");
        assert_eq!(m.attachments[0].format.as_deref(), Some("XLSX"));
    }
}

#[test]
fn two_fiches_in_one_mail_are_two_proposals() {
    let m = run(&corpus("05-two-fiches-cp1252.eml"));
    assert_eq!(m.status, MessageStatus::Fiche);
    let kinds: Vec<_> = m
        .attachments
        .iter()
        .filter_map(|a| a.proposal.as_ref())
        .map(|p| p.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            Some(crate::fiche::Kind::MicroAtelier),
            Some(crate::fiche::Kind::BourseProjets)
        ]
    );
    assert_eq!(
        m.subject.as_deref(),
        Some("Nos deux fiches pour les Rencontres à Paris")
    );
}

#[test]
fn late_is_decided_on_the_date_or_the_receipt_time() {
    let late = run(&corpus("10-late.eml"));
    assert_eq!(late.flags, [flag::LATE]);
    assert!(
        late.attachments
            .iter()
            .filter_map(|a| a.proposal.as_ref())
            .all(|p| p.flags == [flag::LATE])
    );
    let on_time = run(&mail(
        "Subject: x\r\nDate: Fri, 08 Jun 2018 23:59:00 +0200\r\n",
        &[],
    ));
    assert!(on_time.flags.is_empty());
    let just_late = run(&mail(
        "Subject: x\r\nDate: Sat, 09 Jun 2018 00:00:30 +0200\r\n",
        &[],
    ));
    assert_eq!(just_late.flags, [flag::LATE]);
    // Date missing: the receipt (top-most Received header, our server) decides.
    let m = run(&mail(
        "Received: from a by mx.cuf; Tue, 12 Jun 2018 10:00:00 +0200\r\nReceived: from pc by a; Thu, 07 Jun 2018 10:00:00 +0200\r\nSubject: x\r\n",
        &[],
    ));
    assert_eq!(m.flags, [flag::LATE]);
    assert_eq!(m.date, None);
    assert_eq!(m.effective_at.as_deref(), Some("2018-06-12T08:00:00Z"));
    // Date absurd (a clock in 1970) with a receipt before the deadline: on
    // time, by the receipt; the Date is not believed (flagged).
    let m = run(&mail(
        "Received: from a by b; Tue, 05 Jun 2018 10:00:00 +0200\r\nDate: Thu, 01 Jan 1970 00:00:00 +0000\r\nSubject: x\r\n",
        &[],
    ));
    assert_eq!(m.flags, [flag::DOUBTFUL_DATE], "{:?}", m.flags);
    assert_eq!(m.effective_at.as_deref(), Some("2018-06-05T08:00:00Z"));
    // Date years ahead of the receipt: the receipt decides, flagged too.
    let m = run(&mail(
        "Received: from a by b; Tue, 05 Jun 2018 10:00:00 +0200\r\nDate: Wed, 01 Jan 2031 00:00:00 +0000\r\nSubject: x\r\n",
        &[],
    ));
    assert_eq!(m.flags, [flag::DOUBTFUL_DATE], "{:?}", m.flags);
    // The source's receipt time (Maildir) when there is no header at all.
    let mut raw = RawMessage::new(mail("Subject: x\r\n", &[]), "maildir:/m:1");
    raw.received_at = Some(
        DateTime::parse_from_rfc3339("2018-06-20T10:00:00Z")
            .unwrap()
            .to_utc(),
    );
    assert_eq!(process(&raw, &opts()).unwrap().flags, [flag::LATE]);
    // Nothing known: flagged so staff check.
    assert_eq!(run(&mail("Subject: x\r\n", &[])).flags, [flag::NO_DATE]);
}

#[test]
fn a_cut_message_is_an_error_with_a_reason() {
    let m = run(&corpus("13-truncated.eml"));
    assert!(
        matches!(m.status, MessageStatus::Error | MessageStatus::Rejected),
        "{:?}",
        m.status
    );
    assert!(m.reason.is_some());
    assert!(m.attachments.iter().all(|a| a.proposal.is_none()));
    assert_eq!(m.raw, corpus("13-truncated.eml"), "kept as received");
}

#[test]
fn no_cut_of_any_corpus_mail_panics() {
    let dir = format!("{}/fixtures/corpus/mail", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for p in names {
        let bytes = std::fs::read(&p).unwrap();
        if bytes.len() > 200_000 {
            continue; // the zip bomb: cut versions are covered by the other mails
        }
        for k in 1..12 {
            let cut = &bytes[..bytes.len() * k / 12];
            let m = process(&RawMessage::new(cut.to_vec(), "file:/cut.eml"), &opts()).unwrap();
            assert!(
                m.status != MessageStatus::Fiche
                    || m.attachments.iter().any(|a| a.proposal.is_some())
            );
        }
    }
    for junk in [
        &b""[..],
        b"\n\n\n",
        b"\xff\xfe\x00\x00",
        b"From:",
        b"Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n",
    ] {
        let m = run(junk);
        assert!(
            matches!(m.status, MessageStatus::Error | MessageStatus::NoFiche),
            "{junk:?}: {:?}",
            m.status
        );
    }
}

#[test]
fn safety_limits_reject_the_message_with_a_reason() {
    // Too large to be read.
    let mut raw = RawMessage::new(mail("Subject: big\r\n", &[]), "file:/big.eml");
    raw.size = 80 * 1024 * 1024;
    let m = process(&raw, &opts()).unwrap();
    assert_eq!(m.status, MessageStatus::Rejected);
    assert!(m.reason.as_deref().unwrap().contains("trop volumineux"));
    assert_eq!(m.subject.as_deref(), Some("big"), "headers are still read");

    // Too many parts.
    let parts: Vec<(String, Vec<u8>)> = (0..300)
        .map(|i| (format!("p{i}.bin"), vec![b'x'; 4]))
        .collect();
    let refs: Vec<(&str, &str, &[u8])> = parts
        .iter()
        .map(|(n, b)| (n.as_str(), "application/octet-stream", b.as_slice()))
        .collect();
    let m = run(&mail("Subject: parts\r\n", &refs));
    assert_eq!(m.status, MessageStatus::Rejected);
    assert!(
        m.reason.as_deref().unwrap().contains("parties"),
        "{:?}",
        m.reason
    );

    // A fiche over the file size limit.
    let fiche = xlsx_fiche();
    let mut o = opts();
    o.fiche_limits.max_file_bytes = 1000;
    let m = process(
        &RawMessage::new(
            mail(
                "Subject: x\r\n",
                &[("f.xlsx", "application/octet-stream", &fiche)],
            ),
            "file:/x",
        ),
        &o,
    )
    .unwrap();
    assert_eq!(m.status, MessageStatus::Rejected);
    assert_eq!(m.attachments[0].outcome, AttachmentOutcome::TooLarge);
}

#[test]
fn a_fiche_with_another_broken_attachment_is_kept_and_flagged() {
    let fiche = xlsx_fiche();
    let mut m = mail(
        "Subject: x\r\n",
        &[("a.xlsx", "application/octet-stream", &fiche)],
    );
    // A second attachment whose base64 is damaged.
    let end = m.len() - "--XX--\r\n".len();
    m.splice(
        end..end,
        b"--XX\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"b.xlsx\"\r\nContent-Transfer-Encoding: base64\r\n\r\nUEsDBB@@@!!!%%%\r\n".iter().copied(),
    );
    let m = run(&m);
    assert_eq!(m.status, MessageStatus::Fiche);
    assert_eq!(m.flags, [flag::ATTACHMENT_PROBLEM, flag::NO_DATE]);
    assert_eq!(m.attachments[1].outcome, AttachmentOutcome::Corrupt);
    assert_eq!(m.attachments[1].filename.as_deref(), Some("b.xlsx"));
}

#[test]
fn attachment_names_are_nfc() {
    // "é" written decomposed (macOS): stored composed.
    let raw = "From: a@b.c\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=utf-8''fiche-de%CC%81partement.bin\r\n\r\nxx\r\n--B--\r\n";
    let m = run(raw.as_bytes());
    assert_eq!(
        m.attachments[0].filename.as_deref(),
        Some("fiche-d\u{e9}partement.bin")
    );
}

#[test]
fn mangled_mails_never_reach_a_panic() {
    // xorshift64*: reproducible mutations without a dependency.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |n: usize| {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) % n as u64) as usize
    };
    let dir = format!("{}/fixtures/corpus/mail", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for p in names {
        let bytes = std::fs::read(&p).unwrap();
        if bytes.len() > 200_000 {
            continue;
        }
        for _ in 0..25 {
            let mut m = bytes.clone();
            for _ in 0..1 + next(8) {
                let i = next(m.len());
                match next(3) {
                    0 => m[i] = next(256) as u8,
                    1 => {
                        m.remove(i);
                    }
                    _ => m.insert(i, b"\r\n--=:;\"\\\0"[next(10)]),
                }
            }
            let out = process(&RawMessage::new(m, "file:/mangled.eml"), &opts()).unwrap();
            let reason = out.reason.unwrap_or_default();
            assert!(
                !reason.contains("erreur interne"),
                "{}: {reason}",
                p.display()
            );
            for a in &out.attachments {
                let r = a.reason.as_deref().unwrap_or("");
                assert!(!r.contains("erreur interne"), "{}: {r}", p.display());
            }
        }
    }
}

#[test]
fn a_limit_reached_beside_a_fiche_is_recorded_with_what_was_not_read() {
    let fiche = xlsx_fiche();
    let mut parts: Vec<(String, Vec<u8>)> = vec![("fiche.xlsx".into(), fiche)];
    for i in 0..499 {
        parts.push((format!("annexe-{i:03}.pdf"), b"%PDF-1.4\n".to_vec()));
    }
    let refs: Vec<(&str, &str, &[u8])> = parts
        .iter()
        .map(|(n, b)| (n.as_str(), "application/octet-stream", b.as_slice()))
        .collect();
    let m = run(&mail("Subject: 500 pièces\r\n", &refs));
    assert_eq!(m.status, MessageStatus::Fiche);
    assert!(m.flags.iter().any(|f| f == flag::ATTACHMENT_PROBLEM));
    let reason = m.reason.expect("a reason beside the fiche");
    // 200 parts read (the body, the fiche and 198 others), the rest listed.
    assert!(reason.contains("plus de 200 parties MIME"), "{reason}");
    assert!(
        reason.contains("301 pièce(s) jointe(s) non lue(s) : annexe-198.pdf"),
        "{reason}"
    );
    assert!(reason.contains("et 291 autre(s)"), "{reason}");
    assert_eq!(m.attachments.len(), 199, "the body is not an attachment");
}

#[test]
fn a_reader_that_dies_makes_a_rejected_attachment_and_message() {
    // In process, a panic of the reader is caught the same way a worker's
    // death is: the attachment is rejected, the message kept.
    let xls = std::fs::read(format!(
        "{}/fixtures/hostile/xls-panic-utils38.xls",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let m = run(&mail(
        "Subject: x\r\n",
        &[("f.xls", "application/vnd.ms-excel", &xls)],
    ));
    assert_eq!(m.status, MessageStatus::Rejected);
    assert_eq!(m.attachments[0].outcome, AttachmentOutcome::Rejected);
    let reason = m.attachments[0].reason.as_deref().unwrap();
    assert!(reason.starts_with("lecture interrompue : "), "{reason}");
    assert!(m.reason.unwrap().starts_with("f.xls : lecture interrompue"));
}

#[test]
fn a_poison_message_keeps_its_message_id_found_without_the_parser() {
    let raw = RawMessage::new(
        b"From: a@b\r\nMessage-ID:\r\n <p-1@x.example>\r\nSubject: s\r\n\r\nMessage-ID: <body@x>\r\n"
            .to_vec(),
        "file:/p.eml",
    );
    let m = poison_message(&raw, 3);
    assert_eq!(m.message_id.as_deref(), Some("p-1@x.example"));
    assert_eq!(m.status, MessageStatus::Error);
    assert!(m.reason.unwrap().contains("3 fois"));
    // None in the headers (only in the body): none.
    let raw = RawMessage::new(
        b"From: a@b\r\n\r\nMessage-ID: <b@x>\r\n".to_vec(),
        "file:/q",
    );
    assert_eq!(poison_message(&raw, 3).message_id, None);
}
