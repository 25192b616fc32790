//! Helper of `scripts/bench-letters.sh`: renders and sends N letters to the
//! SMTP server listening on 127.0.0.1:PORT (plaintext, loopback), in this
//! process, three times, and prints the medians as `key=value` lines:
//!
//! - `render_per_s`: `outbox::drafts` (store read + template) for N letters;
//! - `send_per_s`: `outbox::send` of the N letters, as `fiches send` does it
//!   (approval, and for each letter: render, compose, claim committed with
//!   `synchronous = FULL`, SMTP transaction, outcome committed);
//! - `smtp_only_per_s`: the same N messages, composed beforehand, sent on
//!   one session without the store: the floor set by the server.
//!
//! Usage: `bench_letters PORT [N]`; with `RENDER_ONLY=1`, only the
//! rendering (no server needed: `bench_letters 0 10000`).

// A benchmark or tool, not the program: a panic is its report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Instant, SystemTime};

use fiches::config::Config;
use fiches::fiche::{Kind, Value};
use fiches::outbox::{self, SendOptions, SmtpConfig, SmtpTls, compose, smtp};
use fiches::store::{
    AttachmentOutcome, LetterFilter, MessageStatus, NewAttachment, NewMessage, NewProposal,
    OutboxSettings, Store,
};

fn fiche(n: usize) -> NewMessage {
    let mut p = NewProposal {
        kind: Some(if n.is_multiple_of(3) {
            Kind::BourseProjets
        } else {
            Kind::MicroAtelier
        }),
        ..Default::default()
    };
    let from = format!("contact{n}@commune{n}.example");
    for (k, v) in [
        ("organisation", format!("Commune de Saint-Exemple-{n}")),
        ("contact_first_name", "Claire".to_string()),
        ("contact_last_name", format!("Martin-{n}")),
        ("contact_email", from.clone()),
        (
            "project_title",
            format!("Coopération décentralisée et eau potable, volet {n}"),
        ),
        (
            "request_description",
            format!("Recherche d'un partenaire pour un programme de formation, demande {n}"),
        ),
    ] {
        p.fields.insert(k.into(), Value::Text(v));
    }
    let mid = format!("bench-{n}@commune{n}.example");
    NewMessage {
        raw: format!("Message-ID: <{mid}>\r\nFrom: {from}\r\n\r\nfiche").into_bytes(),
        message_id: Some(mid),
        from_addr: Some(from),
        date: Some("2018-06-01T10:00:00+02:00".into()),
        effective_at: Some("2018-06-01T08:00:00Z".into()),
        source_ref: format!("bench:{n}"),
        size: 20,
        status: MessageStatus::Fiche,
        attachments: vec![NewAttachment {
            part_path: "2".into(),
            filename: Some("fiche.docx".into()),
            content_type: None,
            size: 1,
            sha256: format!("{n:064}"),
            format: Some("DOCX".into()),
            outcome: AttachmentOutcome::Fiche,
            reason: None,
            proposal: Some(p),
        }],
        ..Default::default()
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port: u16 = args
        .first()
        .and_then(|p| p.parse().ok())
        .expect("usage: bench_letters PORT [N]");
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(500);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = Config::load(&root.join("config.toml")).expect("config.toml");
    let letters = config.load_letters().expect("letters/");
    let mut smtp_cfg = SmtpConfig::new("127.0.0.1", "Cités Unies France <rencontres@cuf.example>");
    smtp_cfg.port = Some(port);
    smtp_cfg.tls = SmtpTls::Plain;
    smtp_cfg.allow_plaintext = true;

    let render_only = std::env::var_os("RENDER_ONLY").is_some();
    let (mut render, mut send, mut floor) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..3 {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path().join("bench.db")).expect("store");
        store
            .set_outbox_settings(&OutboxSettings {
                acknowledge: true,
                own_addresses: Vec::new(),
            })
            .unwrap();
        for i in 0..n {
            store.ingest(&fiche(run * n + i)).unwrap();
        }

        let t = Instant::now();
        let drafts = outbox::drafts(&store, &letters, &LetterFilter::default()).unwrap();
        render.push(n as f64 / t.elapsed().as_secs_f64());
        assert_eq!(drafts.len(), n);
        if render_only {
            continue;
        }

        let t = Instant::now();
        let report = outbox::send(
            &mut store,
            &smtp_cfg,
            &letters,
            &SendOptions {
                actor: "bench".into(),
                ..SendOptions::default()
            },
            &mut |_| {},
        )
        .expect("send");
        send.push(n as f64 / t.elapsed().as_secs_f64());
        assert_eq!(report.sent(), n, "{report:?}");

        // The floor: the same messages, no store.
        let from = smtp_cfg.from_mailbox().unwrap();
        let outgoing: Vec<_> = drafts
            .iter()
            .map(|d| {
                compose::compose(&compose::Parts {
                    from: &from,
                    reply_to: None,
                    to: &d.to,
                    cc: &d.cc,
                    subject: &d.subject,
                    body: &d.body,
                    message_id: &format!("floor.{}.{run}@cuf.example", d.record.id),
                    in_reply_to: d.in_reply_to.as_deref(),
                    auto_submitted: d.auto_submitted,
                    date: SystemTime::now(),
                })
                .unwrap()
            })
            .collect();
        let t = Instant::now();
        let mut session = smtp::Session::connect(&smtp_cfg).expect("connect");
        for o in &outgoing {
            let r = session.send(&o.from, &o.rcpts, &o.bytes);
            assert!(matches!(r, smtp::Outcome::Accepted { .. }), "{r:?}");
        }
        session.close();
        floor.push(n as f64 / t.elapsed().as_secs_f64());
    }
    println!("letters={n}");
    println!("render_per_s={:.0}", median(render));
    if !render_only {
        println!("send_per_s={:.1}", median(send));
        println!("smtp_only_per_s={:.1}", median(floor));
    }
}
