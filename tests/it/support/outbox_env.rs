//! For the outbox tests: a temporary directory with its own `config.toml`
//! (the shipped event and programme, `[letters]` on the project's templates,
//! an `[smtp]` section), the database in it, the real `fiches` binary run
//! there, and fiches stored directly through the store.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fiches::fiche::{Kind, Value};
use fiches::store::{
    AttachmentOutcome, Decision, IngestOutcome, MessageStatus, NewAttachment, NewMessage,
    NewProposal, ProposalStatus, Store,
};
use serde_json::Value as Json;

pub const FROM: &str = "Cités Unies France <rencontres@cuf.example>";

pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    /// `letters` is the body of `[letters]` (without its `dir`), `smtp` the
    /// whole `[smtp]` section (or "").
    pub fn new(letters: &str, smtp: &str) -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let shipped = std::fs::read_to_string(root.join("config.toml")).expect("config.toml");
        let head = shipped.split("[[sources]]").next().unwrap().to_string();
        let letters_dir = dir.path().join("letters");
        std::fs::create_dir_all(&letters_dir).unwrap();
        for f in std::fs::read_dir(root.join("letters")).unwrap().flatten() {
            std::fs::copy(f.path(), letters_dir.join(f.file_name())).unwrap();
        }
        std::fs::write(
            dir.path().join("config.toml"),
            format!("{head}\n[letters]\ndir = \"letters\"\n{letters}\n\n{smtp}\n"),
        )
        .unwrap();
        Env { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("fiches.db")
    }

    /// The store, its acknowledgement settings as `fiches` would record them.
    pub fn store(&self) -> Store {
        // Any command that reads the configuration records the settings.
        let out = self.run(&["proposals"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Store::open(self.db()).unwrap()
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_fiches"));
        c.current_dir(self.dir.path())
            .env_remove("FICHES_CONFIG")
            .env_remove("FICHES_DB")
            .env_remove("FICHES_LOG")
            .env("FICHES_USER", "test")
            .env("XDG_CONFIG_HOME", self.dir.path().join("xdg"));
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run fiches")
    }

    /// Runs and checks the exit code; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "fiches {args:?} failed ({:?}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn json_lines(&self, args: &[&str]) -> Vec<Json> {
        self.ok(args)
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
            .collect()
    }

    /// `fiches outbox --json [more]`.
    pub fn outbox(&self, more: &[&str]) -> Vec<Json> {
        let mut args = vec!["outbox", "--json"];
        args.extend_from_slice(more);
        self.json_lines(&args)
    }
}

/// Stores a message with one micro-atelier fiche from `from`; returns the
/// proposal id.
pub fn store_fiche(store: &mut Store, n: usize, from: &str, org: &str) -> i64 {
    let mut p = NewProposal {
        kind: Some(Kind::MicroAtelier),
        ..Default::default()
    };
    for (k, v) in [
        ("organisation", org.to_string()),
        ("contact_first_name", format!("Prénom{n}")),
        ("contact_last_name", format!("Nom{n}")),
        ("contact_email", from.to_string()),
        ("project_title", format!("Projet numéro {n}")),
        ("preferred_slot", "any".to_string()),
    ] {
        p.fields.insert(k.into(), Value::Text(v));
    }
    let mid = format!("fiche-{n}@mairie.example");
    let msg = NewMessage {
        raw: format!("Message-ID: <{mid}>\r\nFrom: {from}\r\n\r\nfiche {n}").into_bytes(),
        message_id: Some(mid.clone()),
        from_addr: Some(from.into()),
        date: Some("2018-06-01T10:00:00+02:00".into()),
        effective_at: Some("2018-06-01T08:00:00Z".into()),
        source_ref: format!("test:{n}"),
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
    };
    match store.ingest(&msg).unwrap() {
        IngestOutcome::Stored { proposals, .. } => proposals[0],
        o => panic!("{o:?}"),
    }
}

/// A decision through the store, as the console makes it (the rank is
/// the waiting list's: `_rank` is no longer given by the caller).
pub fn decide(
    store: &mut Store,
    id: i64,
    status: ProposalStatus,
    place: Option<(&str, &str)>,
    _rank: Option<i64>,
    reason: Option<&str>,
) {
    use fiches::domain::Status;
    let reason = reason.unwrap_or("hors sujet");
    let p = store.proposal(id).unwrap();
    let decision = match (status, place) {
        (Status::Accepted, Some((slot, space))) => Decision::Accept {
            slot: slot.to_string(),
            place: space.to_string(),
        },
        (Status::Waitlisted, _) => Decision::Waitlist,
        (Status::Rejected, _) => Decision::Reject {
            reason: reason.to_string(),
        },
        (Status::Withdrawn, _) => Decision::Withdraw,
        _ => Decision::Pending,
    };
    store
        .decide(
            p.number,
            Some(p.version),
            &decision,
            &fiches::domain::Rules::default(),
            "test",
        )
        .unwrap();
}
