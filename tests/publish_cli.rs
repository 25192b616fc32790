//! `fiches publish` on a real database: the sample inbox imported, decisions
//! taken, published, decisions changed, published again (changelog checked
//! exactly), then published with nothing changed (recorded, no new folder);
//! a draft records nothing.

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
    assert!(latest.join("interne/suivi-complet.xlsx").is_file());

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
    assert_eq!(v["number"], 3);
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
        vec![
            (1, false, me.as_str()),
            (2, false, me.as_str()),
            (3, true, me.as_str())
        ]
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
    // Monday 4 June 2018, 08:30 Paris: due (never published).
    let first = publish(&config, &mut store, at("2018-06-04T06:30:00Z"))
        .unwrap()
        .expect("published");
    assert_eq!(first.number, Some(1));
    // The same day, later: not due again.
    assert!(
        publish(&config, &mut store, at("2018-06-04T15:00:00Z"))
            .unwrap()
            .is_none()
    );
    // The next Monday 08:00: due; nothing changed, so recorded as unchanged.
    let second = publish(&config, &mut store, at("2018-06-11T06:01:00Z"))
        .unwrap()
        .expect("published");
    assert_eq!((second.number, second.unchanged), (Some(2), true));
    let recs = store.publications().unwrap();
    assert!(recs.iter().all(|r| r.author == "planification"));
}
