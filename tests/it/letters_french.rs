//! The letters as the senders read them: every kind of letter (acknowledgement,
//! accepted micro-atelier, accepted bourse, waiting list, not retained, slot
//! changed, cancellation of each kind) for a commune, a department, a region,
//! an association and a foreign city, written from a real database by the
//! same code as `fiches outbox`, snapshot-tested (insta) so that any change
//! of wording is reviewed; each letter composed as it would go and read back
//! by an independent strict parser (Python's `email`, strict policy).

use crate::support::strict_mail;

use std::path::Path;
use std::time::SystemTime;

use fiches::domain::LetterKind;
use fiches::domain::{Decision, Rules};
use fiches::fiche::{Kind, Value};
use fiches::letters::{EventInfo, Letters};
use fiches::outbox::{self, compose};
use fiches::store::{
    AttachmentOutcome, Claim, IngestOutcome, LetterFilter, LetterState, MessageStatus,
    NewAttachment, NewMessage, NewProposal, OutboxSettings, Store,
};
use lettre::message::Mailbox;

struct Org {
    slug: &'static str,
    name: &'static str,
    kind: &'static str,
    country: &'static str,
    first: &'static str,
    last: &'static str,
    /// A row the sender added to the fiche.
    extra: Option<(&'static str, &'static str)>,
    domain: &'static str,
}

const ORGS: [Org; 5] = [
    Org {
        slug: "commune",
        name: "Ville de Saint-Étienne",
        kind: "commune",
        country: "France",
        first: "Claire",
        last: "Martin",
        extra: Some(("Civilité", "Madame")),
        domain: "saint-etienne.fr",
    },
    Org {
        slug: "departement",
        name: "Conseil départemental du Val-de-Marne",
        kind: "departement",
        country: "France",
        first: "Paul",
        last: "M. Nguyen",
        extra: None,
        domain: "valdemarne.fr",
    },
    Org {
        slug: "region",
        name: "Région Nouvelle-Aquitaine",
        kind: "region",
        country: "France",
        first: "Hélène",
        last: "Dubois",
        extra: None,
        domain: "nouvelle-aquitaine.fr",
    },
    Org {
        slug: "association",
        name: "Eau Vive Internationale",
        kind: "association",
        country: "France",
        first: "Antoine",
        last: "Lefebvre",
        extra: Some(("Civilité", "M.")),
        domain: "eauvive.org",
    },
    Org {
        slug: "ville_etrangere",
        name: "Dschang",
        kind: "commune",
        country: "Cameroun",
        first: "Joseph",
        last: "Tchinda",
        extra: None,
        domain: "dschang.cm",
    },
];

fn event() -> EventInfo {
    EventInfo {
        name: "Rencontres de l'internationalisation des collectivités territoriales".into(),
        date: "2018-07-04".into(),
        place: Some("Pavillon d'Armenonville, Paris".into()),
    }
}

fn letters() -> Letters {
    Letters::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("letters"),
        event(),
    )
    .unwrap()
}

/// Stores one fiche of `org` (its `n`th), returns the proposal's number.
fn fiche(store: &mut Store, org: &Org, n: usize, kind: Kind, title: &str) -> i64 {
    let mut p = NewProposal {
        kind: Some(kind),
        ..Default::default()
    };
    let from = format!("contact.{n}@{}", org.domain);
    let mut fields = vec![
        ("organisation", org.name.to_string()),
        ("organisation_type", org.kind.to_string()),
        ("country", org.country.to_string()),
        ("contact_first_name", org.first.to_string()),
        ("contact_last_name", org.last.to_string()),
        ("contact_email", from.clone()),
        ("preferred_slot", "any".to_string()),
    ];
    match kind {
        Kind::MicroAtelier => fields.push(("project_title", title.to_string())),
        _ => {
            fields.push(("request_description", title.to_string()));
            // A call for cooperation about a country, or a specific need.
            if n != 4 {
                fields.push(("request_type", "cooperation".to_string()));
                fields.push(("target_country", "Sénégal".to_string()));
            } else {
                fields.push(("request_type", "specific_need".to_string()));
            }
        }
    }
    for (k, v) in fields {
        p.fields.insert(k.into(), Value::Text(v));
    }
    if let Some((l, v)) = org.extra {
        p.extra.push((l.to_string(), v.to_string()));
    }
    let mid = format!("{}-{n}@{}", org.slug, org.domain);
    let msg = NewMessage {
        raw: format!("Message-ID: <{mid}>\r\nFrom: {from}\r\n\r\nfiche").into_bytes(),
        message_id: Some(mid),
        from_addr: Some(from.clone()),
        from_name: Some(format!("{} {}", org.first, org.last)),
        date: Some("2018-06-01T10:00:00+02:00".into()),
        effective_at: Some("2018-06-01T08:00:00Z".into()),
        source_ref: format!("test:{}:{n}", org.slug),
        size: 20,
        status: MessageStatus::Fiche,
        attachments: vec![NewAttachment {
            part_path: "2".into(),
            filename: Some("fiche.docx".into()),
            content_type: None,
            size: 1,
            sha256: format!("{}{n:060}", &org.slug[..4]),
            format: Some("DOCX".into()),
            outcome: AttachmentOutcome::Fiche,
            reason: None,
            proposal: Some(p),
        }],
        ..Default::default()
    };
    let id = match store.ingest(&msg).unwrap() {
        IngestOutcome::Stored { proposals, .. } => proposals[0],
        o => panic!("{o:?}"),
    };
    store.proposal(id).unwrap().number
}

fn decide(store: &mut Store, number: i64, d: Decision) {
    store
        .decide(number, None, &d, &Rules::default(), "test")
        .unwrap();
}

fn accept(slot: &str, place: &str) -> Decision {
    Decision::Accept {
        slot: slot.into(),
        place: place.into(),
    }
}

/// The unsent letter of proposal `number`, written.
fn current(store: &Store, l: &Letters, number: i64) -> outbox::Draft {
    let p = store.proposal_by_number(number).unwrap();
    let mut d = outbox::drafts(
        store,
        l,
        &LetterFilter {
            states: vec![LetterState::Pending],
            proposal: Some(p.id),
            ..LetterFilter::default()
        },
    )
    .unwrap();
    assert_eq!(d.len(), 1, "one letter to send for n° {number}");
    d.pop().unwrap()
}

/// Marks a letter sent, as `fiches send` does around the SMTP transaction.
fn sent(store: &mut Store, d: &outbox::Draft) {
    let id = d.record.id;
    store
        .approve_letters(
            fiches::store::Approve::These(&[(id, Some(d.record.version))]),
            "test",
        )
        .unwrap();
    let mid = format!("fiches.{id}.test@cuf.example");
    assert!(
        store
            .claim_letter(
                id,
                &Claim {
                    message_id: &mid,
                    to: &d.to_text(),
                    cc: &d.cc_text(),
                    subject: &d.subject,
                    body: &d.body,
                    bytes: b"x",
                },
            )
            .unwrap()
    );
    store.letter_sent(id, "250 OK", None).unwrap();
}

fn shown(d: &outbox::Draft) -> String {
    format!("À : {}\nObjet : {}\n\n{}", d.to_text(), d.subject, d.body)
}

/// Composes the letter as `fiches send` would.
fn composed(d: &outbox::Draft) -> Vec<u8> {
    let from: Mailbox = "Cités Unies France – Rencontres <rencontres@cuf.example>"
        .parse()
        .unwrap();
    compose::compose(&compose::Parts {
        from: &from,
        reply_to: None,
        to: &d.to,
        cc: &d.cc,
        subject: &d.subject,
        body: &d.body,
        message_id: &format!("fiches.{}.abcdef@cuf.example", d.record.id),
        in_reply_to: d.in_reply_to.as_deref(),
        auto_submitted: d.auto_submitted,
        date: SystemTime::now(),
    })
    .unwrap()
    .bytes
}

#[test]
fn every_letter_for_five_kinds_of_organisation() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("fiches.db")).unwrap();
    store
        .set_outbox_settings(&OutboxSettings {
            acknowledge: true,
            own_addresses: vec![],
        })
        .unwrap();
    let l = letters();
    let mut all: Vec<(String, outbox::Draft)> = Vec::new();
    let slots = ["14:00", "14:20", "14:40", "15:00", "15:20"];
    let tables = ["Table 1", "Table 2", "Table 3", "Table 4", "Table 5"];
    for (i, org) in ORGS.iter().enumerate() {
        let slot = slots[i];
        // A micro-atelier: acknowledged, accepted, moved, then withdrawn.
        let a = fiche(
            &mut store,
            org,
            1,
            Kind::MicroAtelier,
            "« Coopération décentralisée et accès à l'eau potable : retour d'expérience »",
        );
        let d = current(&store, &l, a);
        assert_eq!(d.record.kind, LetterKind::Acknowledgement);
        all.push((format!("{}_accuse_reception", org.slug), d));
        decide(&mut store, a, accept(slot, "Espace B"));
        let d = current(&store, &l, a);
        assert_eq!(d.record.kind, LetterKind::Accepted);
        sent(&mut store, &d);
        all.push((format!("{}_accepte_micro_atelier", org.slug), d));
        decide(&mut store, a, accept(slot, "Espace C"));
        let d = current(&store, &l, a);
        assert_eq!(d.record.kind, LetterKind::SlotChanged);
        sent(&mut store, &d);
        all.push((format!("{}_creneau_modifie", org.slug), d));
        decide(&mut store, a, Decision::Withdraw);
        let d = current(&store, &l, a);
        assert_eq!(d.record.kind, LetterKind::Cancellation);
        all.push((format!("{}_annulation_micro_atelier", org.slug), d));

        // A bourse request: acknowledged, accepted at a table, moved to
        // another slot, then cancelled.
        let b = fiche(
            &mut store,
            org,
            2,
            Kind::BourseProjets,
            "Recherche d'une collectivité partenaire pour un programme de formation des \
             agents municipaux à la gestion des déchets, avec un volet jeunesse",
        );
        let d = current(&store, &l, b);
        assert_eq!(d.record.kind, LetterKind::Acknowledgement);
        all.push((format!("{}_accuse_reception_bourse", org.slug), d));
        decide(&mut store, b, accept("12:45", tables[i]));
        let d = current(&store, &l, b);
        assert_eq!(d.record.kind, LetterKind::Accepted);
        sent(&mut store, &d);
        all.push((format!("{}_accepte_bourse", org.slug), d));
        decide(&mut store, b, accept("13:15", tables[i]));
        let d = current(&store, &l, b);
        assert_eq!(d.record.kind, LetterKind::SlotChanged);
        sent(&mut store, &d);
        all.push((format!("{}_creneau_modifie_bourse", org.slug), d));
        decide(
            &mut store,
            b,
            Decision::Reject {
                reason: "la table a dû être supprimée du plan de salle".into(),
            },
        );
        let d = current(&store, &l, b);
        assert_eq!(d.record.kind, LetterKind::Cancellation);
        all.push((format!("{}_annulation_bourse", org.slug), d));

        // On the waiting list; and not retained: a micro-atelier and a
        // bourse request of each.
        let w = fiche(
            &mut store,
            org,
            3,
            Kind::MicroAtelier,
            "Jumelages et jeunesse",
        );
        decide(&mut store, w, Decision::Waitlist);
        all.push((
            format!("{}_liste_attente", org.slug),
            current(&store, &l, w),
        ));
        let wb = fiche(
            &mut store,
            org,
            6,
            Kind::BourseProjets,
            "Nous cherchons des partenaires pour notre programme d'échanges de jeunes",
        );
        decide(&mut store, wb, Decision::Waitlist);
        all.push((
            format!("{}_liste_attente_bourse", org.slug),
            current(&store, &l, wb),
        ));
        let r = fiche(
            &mut store,
            org,
            4,
            Kind::BourseProjets,
            "Appui à la maîtrise d'ouvrage communale",
        );
        decide(
            &mut store,
            r,
            Decision::Reject {
                reason: "la demande ne relève pas de l'action internationale des collectivités"
                    .into(),
            },
        );
        all.push((
            format!("{}_non_retenu_bourse", org.slug),
            current(&store, &l, r),
        ));
        let rm = fiche(
            &mut store,
            org,
            5,
            Kind::MicroAtelier,
            "Les marchés publics au service de la coopération",
        );
        decide(
            &mut store,
            rm,
            Decision::Reject {
                reason: "trois micro-ateliers sur ce thème sont déjà au programme".into(),
            },
        );
        all.push((format!("{}_non_retenu", org.slug), current(&store, &l, rm)));
    }
    let mut messages = Vec::new();
    for (name, d) in &all {
        assert!(d.problems.is_empty(), "{name}: {:?}", d.problems);
        assert!(d.hold.is_none(), "{name}: {:?}", d.hold);
        for line in d.body.lines() {
            assert!(line.chars().count() <= 78, "{name}: line too long: {line}");
            for bad in ["»", ":", ";", "?", "!"] {
                assert!(
                    !line.trim_start().starts_with(bad),
                    "{name}: a line starts with {bad}: {line}"
                );
            }
        }
        assert!(!d.body.contains("« «") && !d.body.contains("» »"), "{name}");
        assert_eq!(
            d.body.matches('«').count(),
            d.body.matches('»').count(),
            "{name}"
        );
        insta::assert_snapshot!(name.as_str(), shown(d));
        messages.push((name.clone(), composed(d)));
    }
    // Read back by an independent strict parser.
    let checked = strict_mail::assert_conformant(&messages);
    for (c, (_, d)) in checked.iter().zip(&all) {
        assert_eq!(c.to(), vec![d.to[0].email.to_string()], "{}", c.name);
        assert_eq!(c.subject(), d.subject, "{}", c.name);
        assert_eq!(
            c.text().replace("\r\n", "\n").trim_end(),
            d.body.trim_end(),
            "{}",
            c.name
        );
    }
}

#[test]
fn staff_article_and_civility_reach_the_letter() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("fiches.db")).unwrap();
    store
        .set_outbox_settings(&OutboxSettings {
            acknowledge: true,
            own_addresses: vec![],
        })
        .unwrap();
    let l = letters();
    let org = Org {
        slug: "pays",
        name: "Pays de Retz Atlantique",
        kind: "intercommunalite",
        country: "France",
        first: "Mme Anne",
        last: "Le Goff",
        extra: None,
        domain: "pays-retz.fr",
    };
    let n = fiche(&mut store, &org, 1, Kind::MicroAtelier, "Un titre");
    let d = current(&store, &l, n);
    assert!(d.body.starts_with("Madame Le Goff,\n"), "{}", d.body);
    assert!(d.body.contains("du Pays de Retz Atlantique"), "{}", d.body);
    store
        .set_article(n, Some(fiches::domain::french::Article::Aucun), "marie")
        .unwrap();
    let d = current(&store, &l, n);
    assert!(d.body.contains("de Pays de Retz Atlantique"), "{}", d.body);
    assert!(d.to_text().starts_with("Anne Le Goff <"), "{}", d.to_text());
    store.set_article(n, None, "marie").unwrap();
    let d = current(&store, &l, n);
    assert!(d.body.contains("du Pays de Retz Atlantique"), "{}", d.body);
}
