//! Store unit tests on a real SQLite file in a temporary directory.

use super::*;
use crate::domain::LetterKind;
use crate::fiche::{Kind, Value};

fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("t.db")).unwrap();
    (dir, store)
}

fn fiche(kind: Kind, org: &str, title: &str) -> NewProposal {
    let mut p = NewProposal {
        kind: Some(kind),
        ..Default::default()
    };
    p.fields
        .insert("organisation".into(), Value::Text(org.into()));
    p.fields
        .insert("project_title".into(), Value::Text(title.into()));
    p
}

fn message(mid: &str, from: &str, date: &str, proposals: Vec<NewProposal>) -> NewMessage {
    NewMessage {
        raw: format!("Message-ID: <{mid}>\r\nFrom: {from}\r\n\r\nbody").into_bytes(),
        message_id: Some(mid.into()),
        from_addr: Some(from.into()),
        effective_at: Some(date.into()),
        source_ref: format!("file:/{mid}.eml"),
        size: 10,
        status: if proposals.is_empty() {
            MessageStatus::NoFiche
        } else {
            MessageStatus::Fiche
        },
        attachments: proposals
            .into_iter()
            .enumerate()
            .map(|(i, p)| NewAttachment {
                part_path: (i + 2).to_string(),
                filename: Some(format!("fiche{i}.docx")),
                content_type: Some("application/octet-stream".into()),
                size: 100,
                sha256: sha256_hex(mid.as_bytes()),
                format: Some("DOCX".into()),
                outcome: AttachmentOutcome::Fiche,
                reason: None,
                proposal: Some(p),
            })
            .collect(),
        ..Default::default()
    }
}

fn stored(o: IngestOutcome) -> (i64, Vec<i64>, Vec<i64>) {
    match o {
        IngestOutcome::Stored {
            id,
            proposals,
            superseded,
            ..
        } => (id, proposals, superseded),
        other => panic!("expected Stored, got {other:?}"),
    }
}

#[test]
fn open_migrates_once_and_refuses_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let s = Store::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len() as i64);
    assert_eq!(s.integrity_check().unwrap(), "ok");
    drop(s);
    let s = Store::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len() as i64);
    s.conn.pragma_update(None, "user_version", 99).unwrap();
    drop(s);
    let e = Store::open(&path).unwrap_err();
    assert!(matches!(e, StoreError::TooNew { found: 99, .. }), "{e}");
    assert!(e.to_string().contains("t.db"));
}

#[test]
fn a_new_database_is_made_whole_or_not_at_all() {
    // A process that stops while it makes a new database must leave it
    // empty (the next one, staff included, makes it), never half-made (then
    // only `fiches migrate` could finish it). Here the last migration that
    // creates a new table fails: a view holds the name of that table (a
    // later one that rebuilds an older table, like 0013, cannot be made to
    // fail so).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let first_table = |sql: &str| {
        sql.split("CREATE TABLE ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .map(str::to_string)
    };
    let (last, table) = (0..MIGRATIONS.len())
        .rev()
        .find_map(|i| {
            let (name, sql) = MIGRATIONS[i];
            let table = first_table(sql)?;
            let older = MIGRATIONS[..i]
                .iter()
                .any(|(_, old)| old.contains(&format!("CREATE TABLE {table} ")));
            (!older).then_some((name, table))
        })
        .expect("a migration creates a table");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!("CREATE VIEW {table} AS SELECT 1"))
        .unwrap();
    drop(conn);
    let e = Store::open_with(&path, Migrate::Refused).unwrap_err();
    assert!(e.to_string().contains(last), "{e}");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!((tables, version), (0, 0));
    conn.execute_batch(&format!("DROP VIEW {table}")).unwrap();
    drop(conn);
    // Still new: a staff process makes it.
    let (s, backup) = Store::open_with(&path, Migrate::Refused).unwrap();
    assert!(backup.is_none());
    assert_eq!(s.schema().unwrap().applied.len(), MIGRATIONS.len());
}

/// A database as an older build left it: the first `n` migrations, with
/// their history, and one message.
fn older_db(path: &Path, n: usize) {
    let mut s = Store {
        conn: super::Db::new(rusqlite::Connection::open(path).unwrap(), path),
        path: path.to_path_buf(),
    };
    s.apply_upto(n).unwrap();
    s.conn
        .execute(
            "INSERT INTO messages (sha256, source_ref, size, status, imported_at)
             VALUES ('x', 'file:x', 1, 'no_fiche', '2018-05-10T00:00:00Z')",
            [],
        )
        .unwrap();
}

#[test]
fn migrations_are_named_checksummed_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let s = Store::open(&path).unwrap();
    let info = s.schema().unwrap();
    assert!(info.pending.is_empty());
    let names: Vec<&str> = info.applied.iter().map(|m| m.name.as_str()).collect();
    let known: Vec<&str> = MIGRATIONS.iter().map(|m| m.0).collect();
    assert_eq!(names, known);
    for (m, (_, sql)) in info.applied.iter().zip(MIGRATIONS) {
        assert_eq!(m.sha256, schema::checksum(sql));
        assert_eq!(
            m.applied_by.as_deref(),
            Some(crate::system::acting_user().as_str())
        );
    }
    assert_eq!(info.label(), MIGRATIONS.len().to_string());
    // Another build's migration at a known place: refused, nothing changed.
    s.conn
        .execute(
            "UPDATE schema_migrations SET name = '0002_autre_branche' WHERE seq = 2",
            [],
        )
        .unwrap();
    drop(s);
    let e = Store::open(&path).unwrap_err();
    assert!(matches!(e, StoreError::OtherBuild { .. }), "{e}");
    assert!(e.to_string().contains("0002_autre_branche"), "{e}");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE schema_migrations SET name = ?1, sha256 = 'f00' WHERE seq = 2",
        [MIGRATIONS[1].0],
    )
    .unwrap();
    let e = Store::open(&path).unwrap_err();
    assert!(
        matches!(e, StoreError::OtherBuild { .. }) && e.to_string().contains("diffère"),
        "{e}"
    );
    // A migration this program does not know, after its own: a newer build.
    conn.execute(
        "UPDATE schema_migrations SET sha256 = ?1 WHERE seq = 2",
        [schema::checksum(MIGRATIONS[1].1)],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO schema_migrations (seq, name, sha256, applied_at, applied_by, build)
         VALUES (99, '9999_futur', 'x', 'now', 'x', 'x')",
        [],
    )
    .unwrap();
    let e = Store::open(&path).unwrap_err();
    assert!(matches!(e, StoreError::TooNew { .. }), "{e}");
}

#[test]
fn staff_never_migrate_the_daemon_backs_up_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fiches.db");
    older_db(&path, 3);
    // A console or a command: refused with the advice, nothing written.
    let e = Store::open_with(&path, Migrate::Refused).unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, StoreError::NeedsMigration { .. }), "{e}");
    assert!(
        text.contains("administrateur")
            && text.contains("fiches migrate")
            && text.contains(MIGRATIONS[3].0),
        "{text}"
    );
    let backups = |d: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().contains("-avant-"))
            .collect()
    };
    assert!(backups(dir.path()).is_empty());
    // The daemon (or fiches migrate): a backup beside, then the migrations.
    let (s, backup) = Store::open_with(&path, Migrate::Allowed).unwrap();
    let backup = backup.expect("a backup before migrating");
    assert_eq!(backups(dir.path()), vec![backup.clone()]);
    assert!(
        backup
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(&format!("fiches-avant-{}-", MIGRATIONS[3].0)),
        "{}",
        backup.display()
    );
    assert!(s.schema().unwrap().pending.is_empty());
    // The backup is the old database, whole and readable.
    let old = rusqlite::Connection::open(&backup).unwrap();
    let n: i64 = old
        .query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 3);
    let m: i64 = old
        .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(m, 1);
    // Up to date now: staff open it, no second backup.
    drop(s);
    Store::open_with(&path, Migrate::Refused).unwrap();
    assert_eq!(Store::open_with(&path, Migrate::Allowed).unwrap().1, None);
}

#[test]
fn a_first_build_database_is_adopted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fiches.db");
    // The first builds: the SQL applied, user_version counting, no history.
    let conn = rusqlite::Connection::open(&path).unwrap();
    for (_, sql) in &MIGRATIONS[..2] {
        conn.execute_batch(sql).unwrap();
    }
    conn.pragma_update(None, "user_version", 2).unwrap();
    drop(conn);
    let e = Store::open_with(&path, Migrate::Refused).unwrap_err();
    assert!(matches!(e, StoreError::NeedsMigration { .. }), "{e}");
    let (s, backup) = Store::open_with(&path, Migrate::Allowed).unwrap();
    assert!(backup.is_some());
    let info = s.schema().unwrap();
    assert!(info.pending.is_empty());
    assert_eq!(info.applied.len(), MIGRATIONS.len());
    // Not a fiches database at all: said, not migrated.
    let other = dir.path().join("autre.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE clients (nom TEXT)")
        .unwrap();
    let e = Store::open(&other).unwrap_err();
    assert!(matches!(e, StoreError::NotFiches { .. }), "{e}");
}

#[test]
#[allow(
    unsafe_code,
    reason = "libc calls std does not wrap; each block says why it is sound (SAFETY)"
)]
fn a_new_database_is_group_writable_and_a_read_only_one_is_said() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fiches.db");
    // As `fiches` runs: umask 0007 (set here for this process's files).
    let old = unsafe { libc::umask(0o007) };
    let s = Store::open_with(&path, Migrate::Refused).unwrap().0;
    unsafe { libc::umask(old) };
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o660, "SQLite's own default would be 0644");
    let mut wal = path.as_os_str().to_os_string();
    wal.push("-wal");
    assert_eq!(mode(Path::new(&wal)), 0o660, "-wal follows the database");
    drop(s);
    if crate::system::euid() == 0 {
        // Root may write anything: the check cannot be seen failing.
        return;
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let e = Store::open(&path).unwrap_err();
    assert!(
        matches!(e, StoreError::ReadOnly { .. }) && e.to_string().starts_with("lecture seule"),
        "{e}"
    );
}

#[test]
fn message_attachments_and_proposals_are_stored_together() {
    let (_d, mut s) = temp_store();
    let m = message(
        "a@x",
        "Claire@Example.org",
        "2018-05-14T07:30:00Z",
        vec![fiche(Kind::MicroAtelier, "Ville", "T")],
    );
    let (id, props, sup) = stored(s.ingest(&m).unwrap());
    assert!(sup.is_empty());
    let rec = s.message(id).unwrap();
    assert_eq!(rec.status, MessageStatus::Fiche);
    assert_eq!(rec.attachments.len(), 1);
    assert_eq!(rec.attachments[0].outcome, AttachmentOutcome::Fiche);
    assert_eq!(rec.proposals, props);
    assert_eq!(s.raw_message(id).unwrap(), m.raw);
    let p = s.proposal(props[0]).unwrap();
    assert_eq!(p.status, ProposalStatus::Pending);
    assert_eq!(
        (p.revision, p.version, p.supersedes, p.superseded_by),
        (1, 1, None, None)
    );
    assert_eq!(p.text("organisation"), Some("Ville"));
    let actions: Vec<_> = s
        .journal(None)
        .unwrap()
        .into_iter()
        .map(|j| j.action)
        .collect();
    assert_eq!(actions, ["message_stored", "proposal_created"]);
}

#[test]
fn same_bytes_or_same_message_id_is_stored_once() {
    let (_d, mut s) = temp_store();
    let m = message("a@x", "a@x", "2018-05-14T07:30:00Z", vec![]);
    let (id, ..) = stored(s.ingest(&m).unwrap());
    assert_eq!(
        s.ingest(&m).unwrap(),
        IngestOutcome::Duplicate { existing: id }
    );
    // Same Message-ID, other bytes (delivered twice by two routes).
    let mut other = m.clone();
    other.raw.extend_from_slice(b"\r\nReceived: elsewhere");
    assert_eq!(
        s.ingest(&other).unwrap(),
        IngestOutcome::Duplicate { existing: id }
    );
    // Same bytes, no Message-ID.
    let mut no_id = m.clone();
    no_id.message_id = None;
    assert_eq!(
        s.ingest(&no_id).unwrap(),
        IngestOutcome::Duplicate { existing: id }
    );
    assert_eq!(s.counts().unwrap().messages, 1);
    assert_eq!(
        s.find_duplicate(&sha256_hex(&m.raw), None).unwrap(),
        Some(id)
    );
}

#[test]
fn resubmission_supersedes_and_keeps_history() {
    let (_d, mut s) = temp_store();
    let (_, p1, _) = stored(
        s.ingest(&message(
            "1@x",
            "claire@saint-etienne.fr",
            "2018-05-14T07:30:00Z",
            vec![fiche(Kind::MicroAtelier, "Ville de Saint-Étienne", "v1")],
        ))
        .unwrap(),
    );
    // Same sender (other case), same kind, organisation retyped.
    let (_, p2, sup) = stored(
        s.ingest(&message(
            "2@x",
            "Claire@Saint-Etienne.FR",
            "2018-05-24T07:30:00Z",
            vec![fiche(Kind::MicroAtelier, "VILLE DE SAINT ETIENNE", "v2")],
        ))
        .unwrap(),
    );
    assert_eq!(sup, p1);
    let old = s.proposal(p1[0]).unwrap();
    let new = s.proposal(p2[0]).unwrap();
    assert_eq!((old.revision, old.superseded_by), (1, Some(new.id)));
    assert_eq!(
        (new.revision, new.supersedes, new.superseded_by),
        (2, Some(old.id), None)
    );
    assert_eq!(
        old.text("project_title"),
        Some("v1"),
        "history is kept as it was"
    );
    assert!(new.flags.is_empty());
    assert_eq!(
        s.revisions(new.id)
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect::<Vec<_>>(),
        [old.id, new.id]
    );
    let live = s
        .list_proposals(&ProposalFilter {
            live_only: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(live.iter().map(|p| p.id).collect::<Vec<_>>(), [new.id]);

    // Other kind, other organisation, other sender: new proposals.
    for (from, kind, org) in [
        (
            "claire@saint-etienne.fr",
            Kind::BourseProjets,
            "Ville de Saint-Étienne",
        ),
        (
            "claire@saint-etienne.fr",
            Kind::MicroAtelier,
            "Saint-Étienne Métropole",
        ),
        (
            "autre@saint-etienne.fr",
            Kind::MicroAtelier,
            "Ville de Saint-Étienne",
        ),
    ] {
        let (_, p, sup) = stored(
            s.ingest(&message(
                &format!("{from}{org}{kind}"),
                from,
                "2018-05-30T00:00:00Z",
                vec![fiche(kind, org, "x")],
            ))
            .unwrap(),
        );
        assert!(sup.is_empty());
        assert_eq!(s.proposal(p[0]).unwrap().revision, 1);
    }
}

#[test]
fn an_organisation_written_differently_is_flagged_not_chained() {
    let (_d, mut s) = temp_store();
    let (_, p1, _) = stored(
        s.ingest(&message(
            "1@sl",
            "ri@saint-louis.sn",
            "2018-05-14T07:30:00Z",
            vec![fiche(Kind::MicroAtelier, "Mairie de Saint-Louis", "v1")],
        ))
        .unwrap(),
    );
    let (_, p2, sup) = stored(
        s.ingest(&message(
            "2@sl",
            "ri@saint-louis.sn",
            "2018-05-20T07:30:00Z",
            vec![fiche(Kind::MicroAtelier, "Ville de Saint-Louis", "v2")],
        ))
        .unwrap(),
    );
    assert!(sup.is_empty(), "not chained silently");
    let new = s.proposal(p2[0]).unwrap();
    assert_eq!(new.revision, 1);
    assert_eq!(new.flags, [flag::PROBABLE_NEW_VERSION]);
    let w = new
        .warnings
        .iter()
        .find(|w| w.message.contains("probable nouvelle version"))
        .expect("a warning for staff");
    assert!(
        w.message.contains(&format!("n° {}", p1[0])) && w.message.contains("Mairie de Saint-Louis"),
        "{w:?}"
    );
    // The first one is untouched; another body from the same sender is not flagged.
    assert!(s.proposal(p1[0]).unwrap().flags.is_empty());
    let (_, p3, _) = stored(
        s.ingest(&message(
            "3@sl",
            "ri@saint-louis.sn",
            "2018-05-21T07:30:00Z",
            vec![fiche(Kind::MicroAtelier, "Ville de Podor", "autre")],
        ))
        .unwrap(),
    );
    assert!(s.proposal(p3[0]).unwrap().flags.is_empty());
}

/// A fiche with a contact address (written in it, or taken from the sender).
fn fiche_with_contact(kind: Kind, org: &str, contact: &str, from_sender: bool) -> NewProposal {
    let mut p = fiche(kind, org, "x");
    p.fields
        .insert("contact_email".into(), Value::Text(contact.into()));
    if from_sender {
        p.flags.push(flag::CONTACT_EMAIL_FROM_SENDER.into());
    }
    p
}

fn probable_warning(s: &Store, id: i64) -> Option<String> {
    let p = s.proposal(id).unwrap();
    let flagged = p.flags.iter().any(|f| f == flag::PROBABLE_NEW_VERSION);
    let w = p
        .warnings
        .iter()
        .find(|w| w.message.contains("probable nouvelle version"))
        .map(|w| w.message.clone());
    assert_eq!(flagged, w.is_some(), "flag and warning go together: {p:?}");
    w
}

#[test]
fn a_resubmission_from_another_mail_client_is_flagged() {
    let (_d, mut s) = temp_store();
    // The same commune, its name written another way, from another address.
    let (_, p1, _) = stored(
        s.ingest(&message(
            "1@k",
            "secretariat@kourou.fr",
            "2018-05-14T07:30:00Z",
            vec![fiche(Kind::MicroAtelier, "Mairie de Kourou", "v1")],
        ))
        .unwrap(),
    );
    let (_, p2, sup) = stored(
        s.ingest(&message(
            "2@k",
            "m.dupont.kourou@gmail.com",
            "2018-05-20T07:30:00Z",
            vec![fiche(Kind::MicroAtelier, "VILLE DE KOUROU", "v2")],
        ))
        .unwrap(),
    );
    assert!(sup.is_empty(), "never chained silently");
    let number = s.proposal(p1[0]).unwrap().number;
    let w = probable_warning(&s, p2[0]).expect("flagged");
    assert!(
        w.contains(&format!("n° {number} ")) && w.contains("même organisation"),
        "{w}"
    );
    assert!(w.contains("« Mairie de Kourou »"), "{w}");
    // "Commune de X" and "X", accents and case aside.
    let (_, p3, _) = stored(
        s.ingest(&message(
            "3@sl",
            "a@saint-laurent.fr",
            "2018-05-14T07:30:00Z",
            vec![fiche(
                Kind::BourseProjets,
                "Commune de Saint-Laurent-du-Maroni",
                "v1",
            )],
        ))
        .unwrap(),
    );
    let (_, p4, _) = stored(
        s.ingest(&message(
            "4@sl",
            "b@orange.fr",
            "2018-05-15T07:30:00Z",
            vec![fiche(Kind::BourseProjets, "saint laurent du maroni", "v2")],
        ))
        .unwrap(),
    );
    let w = probable_warning(&s, p4[0]).expect("flagged");
    let number = s.proposal(p3[0]).unwrap().number;
    assert!(w.contains(&format!("n° {number} ")), "{w}");
    // Another kind of fiche from the same commune is another proposal.
    let (_, p5, _) = stored(
        s.ingest(&message(
            "5@k",
            "m.dupont.kourou@gmail.com",
            "2018-05-21T07:30:00Z",
            vec![fiche(Kind::BourseProjets, "Ville de Kourou", "autre")],
        ))
        .unwrap(),
    );
    assert_eq!(probable_warning(&s, p5[0]), None);
}

#[test]
fn the_same_contact_address_links_two_names() {
    let (_d, mut s) = temp_store();
    let (_, p1, _) = stored(
        s.ingest(&message(
            "1@c",
            "ri@cayenne.fr",
            "2018-05-14T07:30:00Z",
            vec![fiche_with_contact(
                Kind::MicroAtelier,
                "CACL",
                "J.Martin@cacl-guyane.fr",
                false,
            )],
        ))
        .unwrap(),
    );
    let (_, p2, _) = stored(
        s.ingest(&message(
            "2@c",
            "jmartin@outlook.fr",
            "2018-05-20T07:30:00Z",
            vec![fiche_with_contact(
                Kind::MicroAtelier,
                "Communauté d'agglomération du Centre Littoral",
                "j.martin@cacl-guyane.fr",
                false,
            )],
        ))
        .unwrap(),
    );
    let number = s.proposal(p1[0]).unwrap().number;
    let w = probable_warning(&s, p2[0]).expect("flagged");
    assert!(
        w.contains(&format!("n° {number} ")) && w.contains("même courriel de contact"),
        "{w}"
    );
    // A contact address the intake took from the sender says nothing more
    // than the sender: another body from the same address is not flagged.
    let (_, p3, _) = stored(
        s.ingest(&message(
            "3@c",
            "ri@cayenne.fr",
            "2018-05-21T07:30:00Z",
            vec![fiche_with_contact(
                Kind::MicroAtelier,
                "Ville de Rémire-Montjoly",
                "ri@cayenne.fr",
                true,
            )],
        ))
        .unwrap(),
    );
    let (_, p4, _) = stored(
        s.ingest(&message(
            "4@c",
            "ri@cayenne.fr",
            "2018-05-22T07:30:00Z",
            vec![fiche_with_contact(
                Kind::MicroAtelier,
                "Ville de Macouria",
                "ri@cayenne.fr",
                true,
            )],
        ))
        .unwrap(),
    );
    assert_eq!(probable_warning(&s, p3[0]), None);
    assert_eq!(probable_warning(&s, p4[0]), None);
}

#[test]
fn the_probable_version_is_named_by_its_number() {
    let (_d, mut s) = temp_store();
    // A chain of two revisions (one number, two ids), then the same
    // commune written otherwise from another address.
    let f = |org: &str| vec![fiche(Kind::MicroAtelier, org, "t")];
    let (_, p1, _) = stored(
        s.ingest(&message(
            "1@x",
            "a@x.fr",
            "2018-05-10T00:00:00Z",
            f("Ville de Mana"),
        ))
        .unwrap(),
    );
    let (_, p2, _) = stored(
        s.ingest(&message(
            "2@x",
            "a@x.fr",
            "2018-05-11T00:00:00Z",
            f("Ville de Mana"),
        ))
        .unwrap(),
    );
    let (_, p3, _) = stored(
        s.ingest(&message("3@x", "b@y.fr", "2018-05-12T00:00:00Z", f("Mana")))
            .unwrap(),
    );
    let number = s.proposal(p1[0]).unwrap().number;
    assert_eq!(s.proposal(p2[0]).unwrap().number, number);
    assert_ne!(p2[0], number, "the test needs an id that is not the number");
    let w = probable_warning(&s, p3[0]).expect("flagged");
    assert!(w.contains(&format!("n° {number} ")), "{w}");
}

#[test]
fn the_probable_version_flag_does_not_depend_on_import_order() {
    // Three versions of one commune's fiche, from three addresses; a
    // revision of the last one; another commune from the first address.
    let sent: [(&str, &str, &str, &str); 5] = [
        (
            "1@k",
            "mairie@kourou.fr",
            "2018-05-10T08:00:00Z",
            "Mairie de Kourou",
        ),
        (
            "2@k",
            "m.dupont@gmail.com",
            "2018-05-12T08:00:00Z",
            "Ville de Kourou",
        ),
        (
            "3@k",
            "mdupont@outlook.fr",
            "2018-05-14T08:00:00Z",
            "KOUROU",
        ),
        (
            "4@k",
            "mdupont@outlook.fr",
            "2018-05-15T08:00:00Z",
            "KOUROU",
        ),
        (
            "5@k",
            "mairie@kourou.fr",
            "2018-05-16T08:00:00Z",
            "Ville de Macouria",
        ),
    ];
    let orders: [[usize; 5]; 4] = [
        [0, 1, 2, 3, 4],
        [4, 3, 2, 1, 0],
        [2, 0, 4, 3, 1],
        [3, 1, 4, 0, 2],
    ];
    // Per message: its proposal's flags and its warning (numbers named by message).
    type State = Vec<(String, Vec<String>, Option<String>)>;
    let mut seen: Option<State> = None;
    for order in orders {
        let (_d, mut s) = temp_store();
        let mut ids = vec![0i64; sent.len()];
        for i in order {
            let (mid, from, date, org) = sent[i];
            let (_, p, _) = stored(
                s.ingest(&message(
                    mid,
                    from,
                    date,
                    vec![fiche(Kind::MicroAtelier, org, "t")],
                ))
                .unwrap(),
            );
            ids[i] = p[0];
        }
        // Numbers are given in import order: named by the message instead.
        let origin_of_number = |n: i64| -> String {
            let i = (0..sent.len())
                .filter(|i| s.proposal(ids[*i]).unwrap().number == n)
                .max()
                .unwrap();
            sent[i].0.to_string()
        };
        let state: State = (0..sent.len())
            .map(|i| {
                let p = s.proposal(ids[i]).unwrap();
                let w = p
                    .warnings
                    .iter()
                    .find(|w| w.message.starts_with("probable nouvelle version de n° "))
                    .map(|w| {
                        let rest = &w.message["probable nouvelle version de n° ".len()..];
                        let (n, tail) = rest.split_once(' ').unwrap();
                        format!("de {} {tail}", origin_of_number(n.parse().unwrap()))
                    });
                (sent[i].0.to_string(), p.flags.clone(), w)
            })
            .collect();
        // The first version is not flagged, the others name it; the older
        // revision of a chain leaves the flag to the live one.
        assert!(state[0].2.is_none(), "{state:?}");
        assert!(
            state[1]
                .2
                .as_deref()
                .is_some_and(|w| w.starts_with("de 1@k ")),
            "{state:?}"
        );
        assert!(state[2].2.is_none(), "history: {state:?}");
        assert!(
            state[3]
                .2
                .as_deref()
                .is_some_and(|w| w.starts_with("de 1@k ")),
            "{state:?}"
        );
        assert!(state[4].2.is_none(), "another commune: {state:?}");
        match &seen {
            None => seen = Some(state),
            Some(first) => assert_eq!(first, &state, "order {order:?}"),
        }
    }
}

#[test]
fn organisation_core_leaves_the_commune_words_aside() {
    use super::ingest::{organisation_core, organisation_key};
    let core = |s: &str| organisation_core(&organisation_key(s));
    assert_eq!(core("Mairie de Kourou"), "kourou");
    assert_eq!(core("Ville de Kourou"), "kourou");
    assert_eq!(core("KOUROU (Mairie)"), "kourou");
    assert_eq!(core("Hôtel de Ville de Kourou"), "kourou");
    assert_eq!(core("Commune d'Apatou"), "apatou");
    assert_eq!(core("Municipio de Cuenca"), "cuenca");
    assert_eq!(core("Câmara Municipal da Praia"), "praia");
    assert_eq!(core("Région Guyane"), "region guyane");
    assert_eq!(core("Ville"), "");
}

#[test]
fn an_older_fiche_imported_later_goes_into_the_history() {
    let (_d, mut s) = temp_store();
    let f = |t: &str| vec![fiche(Kind::MicroAtelier, "Ville", t)];
    let (_, p3, _) = stored(
        s.ingest(&message("3@x", "a@x", "2018-05-30T00:00:00Z", f("v3")))
            .unwrap(),
    );
    let (_, p1, sup) = stored(
        s.ingest(&message("1@x", "a@x", "2018-05-10T00:00:00Z", f("v1")))
            .unwrap(),
    );
    assert!(sup.is_empty(), "the live revision stays");
    let (_, p2, sup) = stored(
        s.ingest(&message("2@x", "a@x", "2018-05-20T00:00:00Z", f("v2")))
            .unwrap(),
    );
    assert!(sup.is_empty());
    let chain: Vec<_> = s
        .revisions(p3[0])
        .unwrap()
        .iter()
        .map(|p| (p.id, p.revision, p.supersedes))
        .collect();
    assert_eq!(
        chain,
        [
            (p1[0], 1, None),
            (p2[0], 2, Some(p1[0])),
            (p3[0], 3, Some(p2[0]))
        ]
    );
    assert!(s.proposal(p3[0]).unwrap().is_live());
}

#[test]
fn a_decision_is_carried_over_and_flagged_when_a_revision_arrives() {
    let (_d, mut s) = temp_store();
    let f = |t: &str| vec![fiche(Kind::MicroAtelier, "Ville", t)];
    let (_, p1, _) = stored(
        s.ingest(&message("1@x", "a@x", "2018-05-10T00:00:00Z", f("v1")))
            .unwrap(),
    );
    let rules = crate::domain::Rules::default();
    let number = s.proposal(p1[0]).unwrap().number;
    let decided = s
        .decide(
            number,
            Some(1),
            &Decision::Accept {
                slot: "14:20".into(),
                place: "Espace B".into(),
            },
            &rules,
            "marie",
        )
        .unwrap()
        .proposal;
    assert_eq!(
        (decided.status, decided.version),
        (ProposalStatus::Accepted, 2)
    );
    let (_, p2, _) = stored(
        s.ingest(&message("2@x", "a@x", "2018-05-20T00:00:00Z", f("v2")))
            .unwrap(),
    );
    let new = s.proposal(p2[0]).unwrap();
    assert_eq!(new.number, number, "a resubmission keeps its number");
    assert_eq!(new.status, ProposalStatus::Accepted);
    assert_eq!(new.slot.as_deref(), Some("14:20"));
    assert_eq!(new.space.as_deref(), Some("Espace B"));
    assert_eq!(new.flags, [flag::UPDATED_AFTER_DECISION]);
    let old = s.proposal(p1[0]).unwrap();
    assert_eq!(
        old.status,
        ProposalStatus::Accepted,
        "the old revision keeps its decision too"
    );
    assert!(new.version > old.version, "{} {}", new.version, old.version);
    // A version read on the old revision is stale.
    assert!(matches!(
        s.decide(
            number,
            Some(old.version),
            &Decision::Waitlist,
            &rules,
            "marie"
        ),
        Err(StoreError::StaleVersion { .. })
    ));
    // Deciding again (here a move) clears the flag.
    let again = s
        .decide(
            number,
            Some(new.version),
            &Decision::Accept {
                slot: "14:40".into(),
                place: "Espace B".into(),
            },
            &rules,
            "marie",
        )
        .unwrap()
        .proposal;
    assert_eq!(again.id, new.id, "decided on the live revision");
    assert!(again.flags.is_empty());
    let actions: Vec<_> = s
        .journal(Some(new.id))
        .unwrap()
        .into_iter()
        .map(|j| j.action)
        .collect();
    assert_eq!(
        actions,
        ["proposal_created", "decision_carried_over", "moved"]
    );
}

#[test]
fn two_fiches_of_the_same_chain_in_one_message_are_two_proposals() {
    let (_d, mut s) = temp_store();
    let m = message(
        "1@x",
        "a@x",
        "2018-05-10T00:00:00Z",
        vec![
            fiche(Kind::MicroAtelier, "Ville", "projet A"),
            fiche(Kind::MicroAtelier, "Ville", "projet B"),
        ],
    );
    let (_, props, sup) = stored(s.ingest(&m).unwrap());
    assert_eq!(props.len(), 2);
    assert!(sup.is_empty());
    assert!(props.iter().all(|id| s.proposal(*id).unwrap().is_live()));
    // A later resubmission replaces the first chain only.
    let (_, p2, sup) = stored(
        s.ingest(&message(
            "2@x",
            "a@x",
            "2018-05-20T00:00:00Z",
            vec![fiche(Kind::MicroAtelier, "Ville", "projet A v2")],
        ))
        .unwrap(),
    );
    assert_eq!(sup, [props[0]]);
    assert_eq!(
        s.list_proposals(&ProposalFilter {
            live_only: true,
            ..Default::default()
        })
        .unwrap()
        .len(),
        2
    );
    assert_eq!(s.proposal(p2[0]).unwrap().revision, 2);
}

#[test]
fn field_updates_are_versioned_and_journaled() {
    let (_d, mut s) = temp_store();
    let (_, p, _) = stored(
        s.ingest(&message(
            "1@x",
            "a@x",
            "2018-05-10T00:00:00Z",
            vec![fiche(Kind::MicroAtelier, "Ville", "t")],
        ))
        .unwrap(),
    );
    let id = p[0];
    let p = s
        .update_field(
            id,
            1,
            "country",
            Some(Value::Text("Sénégal".into())),
            "marie",
        )
        .unwrap();
    assert_eq!((p.version, p.text("country")), (2, Some("Sénégal")));
    // Someone else saved meanwhile: refused.
    let e = s
        .update_field(id, 1, "country", Some(Value::Text("Mali".into())), "paul")
        .unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::StaleVersion {
                expected: 1,
                actual: 2,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(s.proposal(id).unwrap().text("country"), Some("Sénégal"));
    // Unknown field for the kind.
    let e = s
        .update_field(
            id,
            2,
            "request_type",
            Some(Value::Text("x".into())),
            "marie",
        )
        .unwrap_err();
    assert!(matches!(e, StoreError::UnknownField { .. }), "{e}");
    // Clearing a field.
    let p = s
        .update_field(id, 2, "cuf_member", Some(Value::Bool(true)), "marie")
        .unwrap();
    let p = s
        .update_field(id, p.version, "cuf_member", None, "marie")
        .unwrap();
    assert!(!p.fields.contains_key("cuf_member"));
    let j: Vec<_> = s
        .journal(Some(id))
        .unwrap()
        .into_iter()
        .filter(|j| j.action == "field_updated")
        .collect();
    assert_eq!(j.len(), 3);
    assert_eq!(j[0].actor, "marie");
    assert_eq!(j[0].before, Some(serde_json::json!({"country": null})));
    assert_eq!(j[0].after, Some(serde_json::json!({"country": "Sénégal"})));
    assert_eq!(j[2].before, Some(serde_json::json!({"cuf_member": true})));
    assert!(matches!(
        s.update_field(999, 1, "country", None, "x"),
        Err(StoreError::ProposalNotFound(999))
    ));
}

#[test]
fn the_journal_is_append_only() {
    let (_d, mut s) = temp_store();
    s.ingest(&message("1@x", "a@x", "2018-05-10T00:00:00Z", vec![]))
        .unwrap();
    assert!(
        s.conn
            .execute("UPDATE journal SET actor = 'x'", [])
            .is_err()
    );
    assert!(s.conn.execute("DELETE FROM journal", []).is_err());
    assert_eq!(s.journal(None).unwrap().len(), 1);
}

#[test]
fn a_watermark_moves_with_its_message() {
    let (_d, mut s) = temp_store();
    let wm = |uidvalidity, uid| Watermark {
        account: "cuf".into(),
        mailbox: "INBOX".into(),
        uidvalidity,
        uid,
    };
    assert_eq!(s.sync_state("cuf", "INBOX").unwrap(), None);
    let m1 = message("1@x", "a@x", "2018-05-10T00:00:00Z", vec![]);
    stored(s.ingest_with_watermark(&m1, &wm(7, 10)).unwrap());
    assert_eq!(s.sync_state("cuf", "INBOX").unwrap().unwrap().last_uid, 10);
    // A duplicate still moves it; it never goes back for the same UIDVALIDITY.
    assert!(matches!(
        s.ingest_with_watermark(&m1, &wm(7, 12)).unwrap(),
        IngestOutcome::Duplicate { .. }
    ));
    assert_eq!(s.sync_state("cuf", "INBOX").unwrap().unwrap().last_uid, 12);
    let m2 = message("2@x", "a@x", "2018-05-10T00:00:00Z", vec![]);
    stored(s.ingest_with_watermark(&m2, &wm(7, 11)).unwrap());
    assert_eq!(s.sync_state("cuf", "INBOX").unwrap().unwrap().last_uid, 12);
    // A new UIDVALIDITY starts over.
    let m3 = message("3@x", "a@x", "2018-05-10T00:00:00Z", vec![]);
    stored(s.ingest_with_watermark(&m3, &wm(8, 3)).unwrap());
    let st = s.sync_state("cuf", "INBOX").unwrap().unwrap();
    assert_eq!((st.uidvalidity, st.last_uid), (8, 3));
    s.set_sync_state(&wm(9, 0)).unwrap();
    let st = s.sync_state("cuf", "INBOX").unwrap().unwrap();
    assert_eq!((st.uidvalidity, st.last_uid), (9, 0));
}

#[test]
fn a_failed_transaction_leaves_nothing_behind() {
    let (_d, mut s) = temp_store();
    // An attachment with an outcome the schema refuses makes the insert fail
    // half-way: neither the message nor its first attachment may remain.
    let mut m = message(
        "1@x",
        "a@x",
        "2018-05-10T00:00:00Z",
        vec![fiche(Kind::MicroAtelier, "Ville", "t")],
    );
    m.attachments.push(m.attachments[0].clone());
    s.conn.execute_batch("CREATE TRIGGER boom BEFORE INSERT ON attachments WHEN NEW.position = 1 BEGIN SELECT RAISE(ABORT, 'boom'); END;").unwrap();
    assert!(s.ingest(&m).is_err());
    assert_eq!(s.counts().unwrap(), Counts::default());
    assert!(s.journal(None).unwrap().is_empty());
    s.conn.execute_batch("DROP TRIGGER boom").unwrap();
    stored(s.ingest(&m).unwrap());
}

#[test]
fn a_reader_sees_committed_messages_and_cannot_write() {
    let (d, mut s) = temp_store();
    let reader = Store::open_reader(d.path().join("t.db")).unwrap();
    let m = message("1@x", "a@x", "2018-05-10T00:00:00Z", vec![]);
    let (id, ..) = stored(s.ingest(&m).unwrap());
    assert_eq!(
        reader.find_duplicate(&sha256_hex(&m.raw), None).unwrap(),
        Some(id)
    );
    assert!(reader.conn.execute("DELETE FROM sync_state", []).is_err());
    let empty = d.path().join("empty.db");
    rusqlite::Connection::open(&empty)
        .unwrap()
        .execute_batch("CREATE TABLE x (a)")
        .unwrap();
    let e = Store::open_reader(&empty).unwrap_err();
    assert!(matches!(e, StoreError::WrongSchema { found: 0, .. }), "{e}");
}

#[test]
fn migration_0006_gives_numbers_waiting_keys_and_reasons_to_an_older_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        // A database as the previous version left it (migrations 1 to 5).
        let conn = rusqlite::Connection::open(&path).unwrap();
        for (_, sql) in &MIGRATIONS[..5] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 5).unwrap();
        conn.execute_batch(
            "INSERT INTO messages (id, sha256, source_ref, size, status, imported_at, received_at)
             VALUES (1, 'a', 't', 1, 'fiche', 'x', '2018-05-01T10:00:00Z'),
                    (2, 'b', 't', 1, 'fiche', 'x', '2018-05-02T10:00:00Z'),
                    (3, 'c', 't', 1, 'fiche', 'x', '2018-05-03T10:00:00Z');
             -- A chain of two revisions (ids 1, 3), waiting at stored rank 2;
             -- id 2 waiting at rank 1; the refusal reason only in the journal.
             INSERT INTO proposals (id, message_id, kind, fields, status, rank, chain_key, order_key,
                                    revision, superseded_by, created_at, updated_at)
             VALUES (1, 1, 'micro_atelier', '{}', 'waitlisted', 2, 'k', '1', 1, 3, 'x', 'x'),
                    (2, 2, 'micro_atelier', '{}', 'waitlisted', 1, NULL, '2', 1, NULL, 'x', 'x'),
                    (3, 3, 'micro_atelier', '{}', 'waitlisted', 2, 'k', '3', 2, NULL, 'x', 'x'),
                    (4, 3, 'bourse_projets', '{}', 'rejected', NULL, NULL, '4', 1, NULL, 'x', 'x');
             UPDATE proposals SET supersedes = 1 WHERE id = 3;
             INSERT INTO journal (at, actor, action, proposal_id, before, after)
             VALUES ('x', 'marie', 'decision', 4, '{\"status\":\"pending\"}',
                     '{\"status\":\"rejected\",\"reason\":\"hors sujet\"}');",
        )
        .unwrap();
    }
    let s = Store::open(&path).unwrap();
    let p = |id: i64| s.proposal(id).unwrap();
    // Numbers: the chain takes its first revision's id.
    assert_eq!(
        (p(1).number, p(3).number, p(2).number, p(4).number),
        (1, 1, 2, 4)
    );
    // The stored ranks became the order: 2 first, then the chain.
    assert_eq!(p(2).rank, Some(1));
    assert_eq!(p(3).rank, Some(2));
    assert_eq!(p(4).reason.as_deref(), Some("hors sujet"));
    // New proposals go on after the highest number.
    let mut s = s;
    let out = s
        .ingest(&message(
            "new@x",
            "n@x",
            "2018-05-04T00:00:00Z",
            vec![fiche(Kind::MicroAtelier, "Neuve", "t")],
        ))
        .unwrap();
    let IngestOutcome::Stored { proposals, .. } = out else {
        panic!("{out:?}")
    };
    assert_eq!(s.proposal(proposals[0]).unwrap().number, 5);
}

/// A backup restored over the database while a process has it open (the
/// README's restore, done with a console still open): that process writes
/// nothing any more — its commits become rollbacks and say why —, and its
/// closing leaves the new database's `-wal` and `-shm` alone.
#[test]
fn a_database_replaced_on_disk_is_no_longer_written_by_who_opened_the_old() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fiches.db");
    let mb = crate::store::MailboxId::new("a", "INBOX");
    let mut old = Store::open(&path).unwrap();
    old.heartbeat_state(&mb, DaemonState::Idle, true).unwrap();
    assert!(!old.replaced());
    let backup = dir.path().join("sauvegarde.db");
    old.backup_to(&backup).unwrap();
    // `install BACKUP fiches.db` (a new file at the path), `-wal`/`-shm` removed.
    let staged = dir.path().join("nouvelle.db");
    std::fs::copy(&backup, &staged).unwrap();
    std::fs::rename(&staged, &path).unwrap();
    for s in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{s}", path.display()));
    }
    assert!(old.replaced());
    let e = old
        .heartbeat_state(&mb, DaemonState::Syncing, true)
        .unwrap_err();
    assert!(matches!(e, StoreError::Replaced { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains(&path.display().to_string()) && text.contains("remplacée"),
        "{text}"
    );
    // The restored database works for whoever opens it now, and keeps it.
    let mut new = Store::open(&path).unwrap();
    assert!(!new.replaced());
    new.heartbeat_state(&mb, DaemonState::Waiting, true)
        .unwrap();
    let wal = std::path::PathBuf::from(format!("{}-wal", path.display()));
    assert!(wal.exists());
    drop(old);
    assert!(
        wal.exists(),
        "closing the replaced store removed the new -wal"
    );
    drop(new);
    let again = Store::open(&path).unwrap();
    let beats = again.heartbeats().unwrap();
    assert_eq!(beats.len(), 1);
    assert_eq!(beats[0].state, DaemonState::Waiting);
    // The replaced process's refused write is nowhere.
    assert!(!beats.iter().any(|b| b.state == DaemonState::Syncing));
}

#[test]
fn backups_are_group_writable_as_every_file_fiches_makes() {
    use std::os::unix::fs::PermissionsExt;
    crate::system::set_umask();
    let (dir, store) = temp_store();
    let b = dir.path().join("copie.db");
    store.backup_to(&b).unwrap();
    let mode = std::fs::metadata(&b).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o660);
    let e = store.backup_to(&b).unwrap_err().to_string();
    assert!(e.contains("existe déjà"), "{e}");
    let e = store
        .backup_to(&dir.path().join("absent/copie.db"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("n'existe pas") && !e.contains("os error"), "{e}");
}

#[test]
fn migration_0008_keeps_every_attachment_and_accepts_rejected_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    // A database of schema 5 with a message, attachments and a proposal.
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        for (_, sql) in &MIGRATIONS[..5] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 5).unwrap();
        let tx = conn.transaction().unwrap();
        tx.execute_batch(
            "INSERT INTO messages (id, sha256, source_ref, size, status, imported_at)
               VALUES (1, 'abc', 'file:/a', 10, 'fiche', '2018-05-01T00:00:00Z');
             INSERT INTO attachments (id, message_id, position, part_path, size, sha256, outcome)
               VALUES (7, 1, 0, '2', 5, 'x', 'fiche'), (8, 1, 1, '3', 5, 'y', 'too_large');
             INSERT INTO proposals (id, message_id, attachment_id, fields, order_key, created_at, updated_at)
               VALUES (3, 1, 7, '{}', 'k', 't', 't');",
        )
        .unwrap();
        tx.commit().unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len() as i64);
    let rec = s.list_messages(&MessageFilter::default()).unwrap();
    assert_eq!(rec[0].attachments.len(), 2);
    assert_eq!(rec[0].attachments[1].outcome, AttachmentOutcome::TooLarge);
    let fk: i64 = s
        .conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(fk, 0);
    assert_eq!(s.integrity_check().unwrap(), "ok");
    s.conn
        .execute(
            "INSERT INTO attachments (message_id, position, part_path, size, sha256, outcome, reason)
             VALUES (1, 2, '4', 5, 'z', 'rejected', 'lecture interrompue : mémoire dépassée')",
            [],
        )
        .unwrap();
    // The proposal still points at its attachment.
    let att: i64 = s
        .conn
        .query_row(
            "SELECT attachment_id FROM proposals WHERE id = 3",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(att, 7);
}

#[test]
fn tries_are_recorded_and_forgotten_with_the_commit() {
    let (_d, mut s) = temp_store();
    s.note_attempts(&["file:/a.eml", "file:/b.eml"], &[])
        .unwrap();
    s.note_attempts(&["file:/a.eml"], &[]).unwrap();
    let t = s.intake_attempts().unwrap();
    assert_eq!((t["file:/a.eml"], t["file:/b.eml"]), (2, 1));
    // The message's own commit forgets its tries.
    let mut m = message("a@x", "a@x", "2018-05-01T00:00:00Z", vec![]);
    m.source_ref = "file:/a.eml".into();
    s.ingest(&m).unwrap();
    let t = s.intake_attempts().unwrap();
    assert!(!t.contains_key("file:/a.eml"));
    s.note_attempts(&[], &["file:/b.eml"]).unwrap();
    assert!(s.intake_attempts().unwrap().is_empty());
}

#[test]
fn migration_0009_keeps_letters_and_publications_of_an_older_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        // A database as the previous version left it (migrations 1 to 8).
        let conn = rusqlite::Connection::open(&path).unwrap();
        for (_, sql) in &MIGRATIONS[..8] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 8).unwrap();
        conn.execute_batch(
            "INSERT INTO messages (id, sha256, source_ref, size, status, imported_at, received_at)
             VALUES (1, 'a', 't', 1, 'fiche', 'x', '2018-05-01T10:00:00Z');
             INSERT INTO proposals (id, message_id, kind, fields, status, chain_key, order_key,
                                    revision, created_at, updated_at, number)
             VALUES (1, 1, 'micro_atelier', '{\"organisation\":\"Pays de Retz\"}', 'pending',
                     NULL, '1', 1, 'x', 'x', 1);
             INSERT INTO letters (kind, proposal_id, chain, created_at, created_by, updated_at)
             VALUES ('acknowledgement', 1, '#1', 'x', 'import', 'x');
             INSERT INTO publications (number, published_at, author, unchanged, snapshot, changes)
             VALUES (1, '2018-05-28T08:00:00+02:00', 'marie', 0, '{}', 'x'),
                    (2, '2018-06-04T08:00:00+02:00', 'planification', 1, '{}', 'x');",
        )
        .unwrap();
    }
    let mut s = Store::open(&path).unwrap();
    let l = s.letter(1).unwrap();
    assert_eq!(l.reviewed, None);
    assert_eq!(s.proposal(1).unwrap().article, None);
    assert_eq!(s.publications().unwrap().len(), 2);
    assert!(s.partner_mails(&[]).unwrap().is_empty());
    assert_eq!(s.schedule_state().unwrap(), None);
    let p = s
        .set_article(1, Some(crate::domain::french::Article::Le), "marie")
        .unwrap();
    assert_eq!(p.article, Some(crate::domain::french::Article::Le));
    let l = s
        .confirm_recipient(1, l.version, "a@b.example", "marie")
        .unwrap();
    assert_eq!(l.reviewed.unwrap().to, "a@b.example");
}

#[test]
fn one_unsent_email_to_the_partners_and_the_schedule() {
    use super::{Claim, NewPartnerMail, PublicationRecord};
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("f.db")).unwrap();
    let record = |n: u32| PublicationRecord {
        number: n,
        published_at: format!("2018-06-0{n}T08:00:00+02:00"),
        author: "marie".into(),
        unchanged: false,
        snapshot: "{}".into(),
        changes: String::new(),
        dir: None,
    };
    let mail = |since: Option<u32>| NewPartnerMail {
        since,
        recipients: vec!["p@partenaire.example".into()],
        subject: "s".into(),
        body: "b".into(),
        attachments: vec![],
        dir: None,
    };
    assert_eq!(s.partner_mail_base().unwrap(), None);
    s.record_publication_with(&record(1), Some(&mail(None)))
        .unwrap();
    s.record_publication_with(&record(2), Some(&mail(None)))
        .unwrap();
    // The second replaces the first, which never went.
    let all = s.partner_mails(&[]).unwrap();
    assert_eq!(
        all.iter()
            .map(|m| (m.publication, m.state))
            .collect::<Vec<_>>(),
        vec![(1, LetterState::Replaced), (2, LetterState::Pending)]
    );
    assert_eq!(all[0].replaced_by, Some(all[1].id));
    // Sent: it becomes what the partners last heard of.
    let (ok, refused) = s.approve_partner_mails(None, "marie").unwrap();
    assert_eq!((ok, refused.len()), (vec![2], 0));
    assert_eq!(
        s.due_partner_mails("2018-06-02T00:00:00Z", false)
            .unwrap()
            .due,
        vec![2]
    );
    let claim = Claim {
        message_id: "p2@x",
        to: "p@partenaire.example",
        cc: "",
        subject: "s",
        body: "b",
        bytes: b"raw",
    };
    assert!(s.claim_partner_mail(2, &claim).unwrap());
    assert!(!s.claim_partner_mail(2, &claim).unwrap(), "claimed once");
    // A sender that dies leaves it uncertain, never resent.
    assert_eq!(s.recover_partner_sending().unwrap(), vec![2]);
    let m = s.partner_mail(2).unwrap();
    assert_eq!(m.state, LetterState::Uncertain);
    s.resolve_partner_mail(2, m.version, true, "marie").unwrap();
    assert_eq!(s.partner_mail(2).unwrap().state, LetterState::Sent);
    assert_eq!(
        s.partner_mail_bytes(2).unwrap().as_deref(),
        Some(&b"raw"[..])
    );
    assert_eq!(s.partner_mail_base().unwrap(), Some(2));
    let events: Vec<String> = s
        .partner_mail_events(2)
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(
        events,
        ["queued", "approved", "sending", "uncertain", "settled_sent"]
    );
    // Staff drop a pending one; a stale version is refused.
    s.record_publication_with(&record(3), Some(&mail(Some(2))))
        .unwrap();
    let m = s.partner_mail(3).unwrap();
    assert!(matches!(
        s.drop_partner_mail(3, m.version + 1, "marie"),
        Err(StoreError::StalePartnerMail { .. })
    ));
    s.drop_partner_mail(3, m.version, "marie").unwrap();
    assert!(matches!(
        s.partner_mail(9),
        Err(StoreError::PartnerMailNotFound(9))
    ));

    // The schedule: armed once, then each run noted.
    assert_eq!(s.schedule_state().unwrap(), None);
    let a = s.arm_schedule("2018-06-01T10:00:00Z").unwrap();
    assert_eq!(a.armed_at, "2018-06-01T10:00:00Z");
    let again = s.arm_schedule("2018-06-02T10:00:00Z").unwrap();
    assert_eq!(again.armed_at, "2018-06-01T10:00:00Z", "kept");
    s.schedule_ran("2018-06-04T06:00:00Z", "aucun changement")
        .unwrap();
    let st = s.schedule_state().unwrap().unwrap();
    assert_eq!(
        (st.armed_at.as_str(), st.last_run_at.as_deref()),
        ("2018-06-01T10:00:00Z", Some("2018-06-04T06:00:00Z"))
    );
}

#[test]
fn migration_0013_keeps_every_letter_and_its_history_and_allows_a_docx_request() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    // Every migration before this one (found by name: numbers may move).
    let before = MIGRATIONS
        .iter()
        .position(|(name, _)| *name == "0013_docx_request")
        .unwrap();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        for (_, sql) in &MIGRATIONS[..before] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", before as i64)
            .unwrap();
        conn.execute_batch(
            "INSERT INTO messages (id, sha256, source_ref, size, status, imported_at, received_at,
                                   from_addr, message_id)
             VALUES (1, 'a', 't', 1, 'fiche', 'x', '2018-05-01T10:00:00Z', 'a@pau.example', 'm1@x'),
                    (2, 'b', 'u', 1, 'unsupported', 'x', '2018-05-02T10:00:00Z', 'b@x.example', 'm2@x');
             INSERT INTO proposals (id, message_id, kind, fields, status, chain_key, order_key,
                                    revision, created_at, updated_at, number)
             VALUES (1, 1, 'micro_atelier', '{\"organisation\":\"Ville de Pau\"}', 'pending',
                     NULL, '1', 1, 'x', 'x', 1);
             INSERT INTO letters (id, kind, proposal_id, chain, created_at, created_by, updated_at,
                                  state, message_id, sent_to, sent_subject, sent_body, sent_at,
                                  response, reviewed_to)
             VALUES (1, 'acknowledgement', 1, '#1', 'x', 'import', 'x', 'sent', 'l1@cuf', 'a@pau.example',
                     'Objet', 'Corps', '2018-05-01T11:00:00Z', '250 OK', 'a@pau.example');
             INSERT INTO letters (id, kind, cancellation, proposal_id, chain, created_at, created_by,
                                  updated_at, replaced_by, set_aside_at, set_aside_why, state)
             VALUES (2, 'rejected', 1, 1, '#1', 'x', 'marie', 'x', NULL, 'y', 'décision changée',
                     'replaced');
             INSERT INTO letter_raw (letter_id, bytes) VALUES (1, x'41');
             INSERT INTO letter_events (letter_id, at, actor, event) VALUES (1, 'x', 'import', 'queued'),
                                                                           (1, 'y', 'marie', 'sent');",
        )
        .unwrap();
    }
    let mut s = Store::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len() as i64);
    let l1 = s.letter(1).unwrap();
    assert_eq!(
        (l1.kind, l1.state, l1.proposal_id),
        (LetterKind::Acknowledgement, LetterState::Sent, Some(1))
    );
    assert_eq!(l1.sent.as_ref().unwrap().subject, "Objet");
    assert_eq!(l1.response.as_deref(), Some("250 OK"));
    assert_eq!(l1.reviewed.as_ref().unwrap().to, "a@pau.example");
    assert_eq!(l1.message_id.as_deref(), Some("l1@cuf"));
    assert_eq!(s.letter_bytes(1).unwrap().as_deref(), Some(&b"A"[..]));
    assert_eq!(s.letter_events(1).unwrap().len(), 2);
    let l2 = s.letter(2).unwrap();
    assert_eq!(
        (l2.kind, l2.state),
        (LetterKind::Cancellation, LetterState::Review)
    );
    // The foreign keys still hold after the rebuild.
    let broken: i64 = s
        .conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(broken, 0);
    // And the new letter fits beside the old ones.
    let DocxRequest::Queued(id) = s.queue_docx_request(2, "marie").unwrap() else {
        panic!("not queued")
    };
    assert_eq!(id, 3);
    assert_eq!(s.letters(&LetterFilter::default()).unwrap().len(), 3);
}
