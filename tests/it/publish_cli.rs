//! `fiches publish` on a real database: the sample inbox imported, decisions
//! taken, published, decisions changed, published again (changelog checked
//! exactly), then published with nothing changed (nothing written,
//! recorded or numbered); a draft records nothing; the public folder holds
//! no contact data, no one waiting and no refusal, and the staff's folder
//! is elsewhere.

use std::path::Path;
use std::process::Command;

use fiches::domain::Rules;
use fiches::domain::Status;
use fiches::fiche::Kind;
use fiches::store::{Decision, ProposalFilter, Store};

fn fiches(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_fiches"))
        .arg("--config")
        .arg(dir.join("config.toml"))
        .args(args)
        // Not who the journal names: that is the account of the real uid.
        .env("USER", "claire")
        .env("SUDO_USER", "claire")
        .output()
        .expect("run fiches");
    assert!(
        out.status.success(),
        "fiches {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo_config =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml")).unwrap();
    std::fs::write(dir.path().join("config.toml"), repo_config).unwrap();
    fiches(
        dir.path(),
        &[
            "import",
            concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/inbox"),
        ],
    );
    dir
}

fn decide(store: &mut Store, id: i64, status: Status, place: Option<(&str, &str)>) {
    const REASON: &str = "hors sujet";
    let p = store.proposal(id).unwrap();
    let decision = match (status, place) {
        (Status::Accepted, Some((slot, space))) => Decision::Accept {
            slot: slot.to_string(),
            place: space.to_string(),
        },
        (Status::Waitlisted, _) => Decision::Waitlist,
        (Status::Rejected, _) => Decision::Reject {
            reason: REASON.to_string(),
        },
        (Status::Withdrawn, _) => Decision::Withdraw,
        _ => Decision::Pending,
    };
    store
        .decide(
            p.number,
            Some(p.version),
            &decision,
            &Rules::default(),
            "test",
        )
        .unwrap();
}

fn micro_by_org(store: &Store) -> Vec<(i64, String)> {
    let mut v: Vec<(i64, String)> = store
        .list_proposals(&ProposalFilter {
            live_only: true,
            kind: Some(Kind::MicroAtelier),
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .map(|p| (p.id, p.text("organisation").unwrap_or_default().to_string()))
        .collect();
    v.sort();
    v
}

#[test]
fn publish_change_publish_again_then_nothing_changed() {
    let dir = setup();
    let db = dir.path().join("fiches.db");
    let mut store = Store::open(&db).unwrap();
    let micro = micro_by_org(&store);
    let (a, b, c) = (&micro[0], &micro[1], &micro[2]);
    decide(
        &mut store,
        a.0,
        Status::Accepted,
        Some(("14:00", "Espace A")),
    );
    decide(
        &mut store,
        b.0,
        Status::Accepted,
        Some(("14:20", "Espace B")),
    );
    decide(&mut store, c.0, Status::Waitlisted, None);

    let first = fiches(dir.path(), &["publish"]);
    assert!(first.contains("Publication n° 1"), "{first}");
    let pub_dir = dir.path().join("publications");
    let latest = pub_dir.join("latest");
    let csv = std::fs::read_to_string(latest.join("micro-ateliers.csv")).unwrap();
    assert!(csv.starts_with('\u{feff}'), "BOM");
    assert!(
        csv.contains(&a.1) && csv.contains(&b.1) && !csv.contains(&c.1),
        "{csv}"
    );
    assert!(latest.join("programme.xlsx").is_file());
    assert!(!latest.join("interne").exists());
    assert!(
        dir.path()
            .join("publications-interne")
            .read_dir()
            .unwrap()
            .flatten()
            .any(|d| d.path().join("suivi-complet.xlsx").is_file())
    );

    // Move one, remove one, accept the waitlisted one.
    decide(
        &mut store,
        a.0,
        Status::Accepted,
        Some(("15:00", "Espace C")),
    );
    decide(&mut store, b.0, Status::Rejected, None);
    decide(
        &mut store,
        c.0,
        Status::Accepted,
        Some(("14:20", "Espace B")),
    );
    let second = fiches(dir.path(), &["publish"]);
    assert!(second.contains("Publication n° 2"), "{second}");
    let changes = std::fs::read_to_string(latest.join("changements.txt")).unwrap();
    for (org, word) in [(&a.1, "Déplacé"), (&b.1, "Retiré"), (&c.1, "Ajouté")] {
        assert!(
            changes
                .lines()
                .any(|l| l.contains(org.as_str()) && l.contains(word)),
            "{word} {org} missing from:\n{changes}"
        );
    }

    let third = fiches(dir.path(), &["publish", "--json"]);
    let v: serde_json::Value = serde_json::from_str(third.trim()).unwrap();
    assert!(
        v["number"].is_null(),
        "an unchanged week takes no number: {v}"
    );
    assert_eq!(v["unchanged"], true);
    assert!(v["dir"].is_null());
    let folders = std::fs::read_dir(&pub_dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().is_dir())
        .count();
    assert_eq!(
        folders,
        2 + 1,
        "two publication folders and the latest link (to a folder)"
    );

    let recs = Store::open(&db).unwrap().publications().unwrap();
    let me = fiches::system::user_name(unsafe { libc::getuid() }).unwrap();
    assert_eq!(
        recs.iter()
            .map(|r| (r.number, r.unchanged, r.author.as_str()))
            .collect::<Vec<_>>(),
        vec![(1, false, me.as_str()), (2, false, me.as_str())]
    );
    let text = fiches(dir.path(), &["publish"]);
    assert!(
        text.contains("Aucun changement des listes publiques depuis la publication n° 2"),
        "{text}"
    );
}

#[test]
fn a_draft_records_nothing() {
    let dir = setup();
    let draft = dir.path().join("brouillon");
    let out = fiches(dir.path(), &["publish", "--draft", draft.to_str().unwrap()]);
    assert!(out.contains("Brouillon"), "{out}");
    let html = std::fs::read_to_string(draft.join("programme.html")).unwrap();
    assert!(html.contains("Document de travail"));
    assert!(
        Store::open(dir.path().join("fiches.db"))
            .unwrap()
            .publications()
            .unwrap()
            .is_empty()
    );
    assert!(!dir.path().join("publications").exists());
    // The staff's draft files are in the internal folder, not beside it.
    assert!(!draft.join("suivi-complet.xlsx").exists());
    assert!(
        dir.path()
            .join("publications-interne/brouillon/suivi-complet.xlsx")
            .is_file()
    );
    let csv = std::fs::read_to_string(draft.join("micro-ateliers.csv")).unwrap();
    assert!(csv.starts_with("\u{feff}\"DOCUMENT DE TRAVAIL"), "{csv}");
}

#[test]
fn the_weekly_schedule_publishes_once_per_week() {
    use chrono::{DateTime, Utc};
    let dir = setup();
    let config = fiches::config::Config::load(&dir.path().join("config.toml")).unwrap();
    assert!(
        config.publish.schedule.is_some(),
        "the repository's config.toml has a schedule"
    );
    let mut store = Store::open(dir.path().join("fiches.db")).unwrap();
    let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    let publish = fiches::commands::publish::publish_if_due;
    // The daemon's first start, Monday 4 June 2018 at 08:30 Paris, after
    // the scheduled instant: nothing off schedule, it waits for the next.
    assert!(
        publish(&config, &mut store, at("2018-06-04T06:30:00Z"))
            .unwrap()
            .is_none()
    );
    assert!(
        publish(&config, &mut store, at("2018-06-08T15:00:00Z"))
            .unwrap()
            .is_none()
    );
    assert!(store.publications().unwrap().is_empty());
    let micro = micro_by_org(&store);
    decide(
        &mut store,
        micro[0].0,
        Status::Accepted,
        Some(("14:00", "Espace A")),
    );
    // Monday 11 June 08:00: due.
    let first = publish(&config, &mut store, at("2018-06-11T06:01:00Z"))
        .unwrap()
        .expect("published");
    assert_eq!(first.number, Some(1));
    // The same day, later: not due again.
    assert!(
        publish(&config, &mut store, at("2018-06-11T15:00:00Z"))
            .unwrap()
            .is_none()
    );
    // The next Monday: the week's run; nothing changed, no number.
    let second = publish(&config, &mut store, at("2018-06-18T06:01:00Z"))
        .unwrap()
        .expect("the week's run");
    assert_eq!((second.number, second.unchanged), (None, true));
    assert!(
        publish(&config, &mut store, at("2018-06-18T09:00:00Z"))
            .unwrap()
            .is_none()
    );
    let recs = store.publications().unwrap();
    assert_eq!(recs.len(), 1);
    assert!(recs.iter().all(|r| r.author == "planification"));
}

/// Every text of a public folder: the files as text, the workbooks' XML.
fn public_texts(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let path = e.path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            out.extend(public_texts(&path));
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        if name.ends_with(".xlsx") {
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
            for i in 0..zip.len() {
                let mut f = zip.by_index(i).unwrap();
                let mut s = String::new();
                std::io::Read::read_to_string(&mut f, &mut s).unwrap();
                let inner = f.name().map(|n| n.to_string()).unwrap_or_default();
                out.push((format!("{name}/{inner}"), s));
            }
        } else {
            out.push((name, String::from_utf8(bytes).unwrap()));
        }
    }
    out
}

#[test]
fn the_public_folder_holds_no_contact_no_one_waiting_no_refusal() {
    let dir = setup();
    let db = dir.path().join("fiches.db");
    let mut store = Store::open(&db).unwrap();
    let live = store
        .list_proposals(&ProposalFilter {
            live_only: true,
            ..Default::default()
        })
        .unwrap();
    let micro: Vec<_> = live
        .iter()
        .filter(|p| p.kind == Some(Kind::MicroAtelier))
        .collect();
    let bourse: Vec<_> = live
        .iter()
        .filter(|p| p.kind == Some(Kind::BourseProjets))
        .collect();
    let org = |p: &fiches::store::Proposal| p.text("organisation").unwrap_or("").to_string();
    decide(
        &mut store,
        micro[0].id,
        Status::Accepted,
        Some(("14:00", "Espace A")),
    );
    decide(
        &mut store,
        bourse[0].id,
        Status::Accepted,
        Some(("12:45", "Table 1")),
    );
    let mut hidden: Vec<String> = Vec::new();
    for p in micro.iter().skip(1).take(3) {
        decide(&mut store, p.id, Status::Waitlisted, None);
        hidden.push(org(p));
    }
    for p in bourse.iter().skip(1).take(2) {
        decide(&mut store, p.id, Status::Rejected, None);
        hidden.push(org(p));
    }
    // An accepted one refused later: the public changelog says it left the
    // programme, never that it was refused.
    decide(
        &mut store,
        micro[4].id,
        Status::Accepted,
        Some(("14:20", "Espace B")),
    );
    fiches(dir.path(), &["publish"]);
    decide(&mut store, micro[4].id, Status::Rejected, None);
    fiches(dir.path(), &["publish"]);
    let shown: Vec<String> = [micro[0], bourse[0]].iter().map(|p| org(p)).collect();
    hidden.retain(|h| !h.is_empty() && !shown.iter().any(|s| s.contains(h.as_str())));
    assert!(hidden.len() >= 4, "{hidden:?}");

    // What the fiches hold that must stay inside.
    let mut private: Vec<String> = Vec::new();
    for p in &live {
        for k in ["contact_email", "contact_phone", "contact_last_name"] {
            if let Some(v) = p.text(k).filter(|v| v.len() > 4) {
                private.push(v.to_string());
            }
        }
    }
    assert!(private.len() > 10);
    let public = dir.path().join("publications");
    let texts = public_texts(&public);
    assert!(texts.len() > 20, "{}", texts.len());
    let email = |s: &str| {
        s.split(|c: char| c.is_whitespace() || "<>\"',;()[]{}".contains(c))
            .any(|w| {
                let w = w.trim_matches('.');
                w.contains('@') && w.split('@').nth(1).is_some_and(|d| d.contains('.'))
            })
    };
    for (name, text) in &texts {
        assert!(!email(text), "an e-mail address in {name}");
        for p in &private {
            assert!(!text.contains(p.as_str()), "{p:?} in {name}");
        }
        for h in &hidden {
            assert!(
                !text.contains(h.as_str()),
                "{h:?} (waiting or refused) in {name}"
            );
        }
        let lower = text.to_lowercase();
        for word in [
            "liste d'attente",
            "liste d&#39;attente",
            "refus",
            "non retenu",
            "motif",
        ] {
            assert!(!lower.contains(word), "{word:?} in {name}");
        }
    }
    // The staff's folder, elsewhere, has them all.
    let internal = dir.path().join("publications-interne");
    assert!(!internal.starts_with(&public) && !public.starts_with(&internal));
    let staff = public_texts(&internal);
    assert!(
        staff
            .iter()
            .any(|(n, t)| n.ends_with("changements-equipe.txt") && t.contains("Listes d'attente"))
    );
    assert!(staff.iter().any(|(_, t)| t.contains(hidden[0].as_str())));
    assert!(staff.iter().any(|(_, t)| email(t)));
}
