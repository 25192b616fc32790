//! The daemon's watch over local sources: Maildirs (a server with local
//! delivery) and folders of `.eml` files, the `[[sources]]` of type
//! `maildir` and `eml`. Every [`LOCAL_POLL`] (or at once on SIGUSR1) each
//! folder is listed; what was not seen since the daemon started is read and
//! stored through the same intake as `fiches import` (a message already in
//! the database is recognised by Message-ID and SHA-256, so a restart
//! re-reads the folders without storing anything twice). Nothing is moved
//! or renamed in the folders. A missing or unreadable folder is logged once
//! (missing or not allowed told apart, with the folder that blocks and the
//! fix) and shown in the heartbeat, and looked at again at every pass; a
//! clean pass clears the error.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use super::daemon::{Command, Shutdown};
use super::source::{EmlFiles, Maildir, Source, local_key};
use super::{Importer, IntakeOptions};
use crate::store::{DaemonState, IngestOutcome, LocalPass, MailboxId, Store};

/// Time between two looks at the local folders.
pub const LOCAL_POLL: Duration = Duration::from_secs(30);

/// A local folder the daemon watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalSource {
    Maildir(PathBuf),
    Eml(PathBuf),
}

impl LocalSource {
    /// Its row in the heartbeat table: account `local`, mailbox `maildir:PATH`
    /// or `eml:PATH`.
    pub fn mailbox(&self) -> MailboxId {
        match self {
            LocalSource::Maildir(p) => MailboxId::new("local", format!("maildir:{}", p.display())),
            LocalSource::Eml(p) => MailboxId::new("local", format!("eml:{}", p.display())),
        }
    }

    fn path(&self) -> &Path {
        match self {
            LocalSource::Maildir(p) | LocalSource::Eml(p) => p,
        }
    }

    /// The messages not in `seen`, listed now.
    fn open_unseen(&self, seen: &HashSet<String>) -> Result<Box<dyn Source>, String> {
        let known = |k: &str| seen.contains(k);
        // Not found and not allowed are told apart: which folder is
        // missing, or which one blocks and the command that opens it.
        let what = match self {
            LocalSource::Maildir(_) => "Maildir",
            LocalSource::Eml(_) => "dossier de .eml",
        };
        let p = self.path();
        let look = std::fs::metadata(p).and_then(|m| {
            if m.is_dir() {
                std::fs::read_dir(p).map(|_| ())
            } else {
                Ok(())
            }
        });
        match look {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(format!(
                    "{what} {} : {} ; vérifier [[sources]] path dans la configuration",
                    p.display(),
                    crate::os_error::problem(p, &e)
                ));
            }
            Err(e) => {
                return Err(format!(
                    "{what} {} : {}",
                    p.display(),
                    crate::os_error::problem(p, &e)
                ));
            }
            Ok(_) => {}
        }
        match self {
            LocalSource::Maildir(p) => {
                let mut m = Maildir::open(p).map_err(|e| e.to_string())?;
                m.skip_seen(&known);
                Ok(Box::new(m))
            }
            LocalSource::Eml(p) => {
                let mut e = EmlFiles::open(p).map_err(|e| e.to_string())?;
                e.skip_seen(&known);
                Ok(Box::new(e))
            }
        }
    }
}

/// What a pass over one source did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalSummary {
    pub pass: LocalPass,
    /// (message, error) for what could not be read or stored.
    pub failures: Vec<(String, String)>,
}

/// The watch over every local source, with its memory of what was read.
pub struct LocalWatch {
    sources: Vec<LocalSource>,
    store: Store,
    intake: IntakeOptions,
    seen: HashSet<String>,
    /// Sources whose last pass failed, with the error (logged once).
    failing: Vec<Option<String>>,
}

impl LocalWatch {
    pub fn new(sources: Vec<LocalSource>, store: Store, intake: IntakeOptions) -> LocalWatch {
        let failing = vec![None; sources.len()];
        LocalWatch {
            sources,
            store,
            intake,
            seen: HashSet::new(),
            failing,
        }
    }

    /// Records the start of a run for every source.
    pub fn start(&mut self) {
        for s in &self.sources {
            let mb = s.mailbox();
            if let Err(e) = self.store.heartbeat_start(&mb, std::process::id()) {
                tracing::warn!(source = %mb.mailbox, "battement de cœur non enregistré dans la base : {e}");
            }
        }
    }

    /// One pass over source `i`: what is new is stored, the heartbeat
    /// updated.
    pub fn pass_one(&mut self, i: usize) -> Result<LocalSummary, String> {
        let src = self.sources[i].clone();
        let mb = src.mailbox();
        let mut summary = LocalSummary::default();
        let listing = src.open_unseen(&self.seen);
        let mut source = match listing {
            Ok(s) => s,
            Err(e) => {
                if self.failing[i].as_deref() != Some(e.as_str()) {
                    tracing::error!(source = %src.path().display(), "{e}");
                }
                self.failing[i] = Some(e.clone());
                if let Err(h) = self.store.heartbeat_error(&mb, &e, DaemonState::Waiting) {
                    tracing::warn!("battement de cœur non enregistré dans la base : {h}");
                }
                return Err(e);
            }
        };
        if self.failing[i].take().is_some() {
            tracing::info!(source = %src.path().display(), "source de nouveau lisible");
        }
        let mut importer = Importer::new(&mut self.store, self.intake.clone());
        let mut keys = Vec::new();
        while let Some(next) = source.next_message() {
            let raw = match next {
                Ok(r) => r,
                Err(e) => {
                    summary.pass.errors += 1;
                    summary.failures.push((source.name(), e.to_string()));
                    continue;
                }
            };
            let key = local_key(&raw);
            let what = raw.source_ref.clone();
            match importer.import_one(raw) {
                Ok(IngestOutcome::Stored { proposals, .. }) => {
                    summary.pass.new += 1;
                    summary.pass.proposals += proposals.len() as u64;
                    keys.push(key);
                }
                Ok(IngestOutcome::Duplicate { .. }) => {
                    summary.pass.duplicates += 1;
                    keys.push(key);
                }
                Err(e) if e.is_busy() => {
                    // Tried again at the next pass.
                    summary.pass.errors += 1;
                    summary.failures.push((what, e.to_string()));
                }
                Err(e) => {
                    summary.pass.errors += 1;
                    summary.failures.push((what, e.to_string()));
                    keys.push(key);
                }
            }
        }
        self.seen.extend(keys);
        for (what, e) in &summary.failures {
            tracing::error!(source = %src.path().display(), message = %what, "{e}");
        }
        if summary.pass.new + summary.pass.errors > 0 {
            tracing::info!(
                source = %src.path().display(),
                nouveaux = summary.pass.new,
                propositions = summary.pass.proposals,
                deja_enregistres = summary.pass.duplicates,
                erreurs = summary.pass.errors,
                "relève locale terminée"
            );
        }
        if let Err(e) = self
            .store
            .heartbeat_local_pass(&mb, &summary.pass, DaemonState::Waiting)
        {
            tracing::warn!("battement de cœur non enregistré dans la base : {e}");
        }
        Ok(summary)
    }

    /// Every source once.
    pub fn pass_all(&mut self) -> Vec<Result<LocalSummary, String>> {
        (0..self.sources.len()).map(|i| self.pass_one(i)).collect()
    }

    pub fn sources(&self) -> &[LocalSource] {
        &self.sources
    }

    /// Watches until a stop: a pass, then [`LOCAL_POLL`] on the command
    /// channel (SIGUSR1: a pass now).
    pub fn run(mut self, shutdown: &Shutdown, commands: Receiver<Command>) {
        for s in &self.sources {
            tracing::info!(
                source = %s.path().display(),
                intervalle_s = LOCAL_POLL.as_secs(),
                "surveillance du dossier local"
            );
        }
        self.start();
        while !shutdown.is_set() {
            self.pass_all();
            match commands.recv_timeout(LOCAL_POLL) {
                Ok(Command::Stop) => break,
                Ok(Command::SyncNow) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    if shutdown.is_set() {
                        break;
                    }
                    std::thread::sleep(LOCAL_POLL);
                }
            }
        }
        self.stopped();
        tracing::info!("surveillance des dossiers locaux arrêtée");
    }

    /// Marks every source stopped in the heartbeat.
    pub fn stopped(&mut self) {
        for s in &self.sources {
            let mb = s.mailbox();
            if let Err(e) = self.store.heartbeat_state(&mb, DaemonState::Stopped, false) {
                tracing::warn!("battement de cœur non enregistré dans la base : {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> IntakeOptions {
        IntakeOptions::new(
            chrono::DateTime::parse_from_rfc3339("2018-06-08T23:59:59+02:00").unwrap(),
        )
    }

    fn mail(n: u32) -> String {
        format!(
            "From: a{n}@example.org\r\nTo: r@example.org\r\nSubject: essai {n}\r\n\
             Message-ID: <{n}@example.org>\r\nDate: Mon, 4 Jun 2018 10:00:00 +0200\r\n\r\nBonjour\r\n"
        )
    }

    #[test]
    fn new_files_are_stored_once_and_a_missing_folder_is_said() {
        let dir = tempfile::tempdir().unwrap();
        let md = dir.path().join("Maildir");
        for sub in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(md.join(sub)).unwrap();
        }
        std::fs::write(md.join("new/1528100000.M1.host"), mail(1)).unwrap();
        let eml = dir.path().join("eml");
        std::fs::create_dir(&eml).unwrap();
        let store = Store::open(dir.path().join("f.db")).unwrap();
        let mut w = LocalWatch::new(
            vec![
                LocalSource::Maildir(md.clone()),
                LocalSource::Eml(eml.clone()),
                LocalSource::Maildir(dir.path().join("absent")),
            ],
            store,
            options(),
        );
        w.start();
        let r = w.pass_all();
        assert_eq!(r[0].as_ref().unwrap().pass.new, 1);
        assert_eq!(r[1].as_ref().unwrap().pass.new, 0);
        let missing = r[2].as_ref().unwrap_err();
        assert!(
            missing.contains("n'existe pas") && missing.contains("[[sources]] path"),
            "{missing}"
        );
        // Delivered meanwhile; the first one moved to cur/ by a mail client.
        std::fs::rename(
            md.join("new/1528100000.M1.host"),
            md.join("cur/1528100000.M1.host:2,S"),
        )
        .unwrap();
        std::fs::write(md.join("new/1528100001.M2.host"), mail(2)).unwrap();
        std::fs::write(eml.join("x.eml"), mail(3)).unwrap();
        let r = w.pass_all();
        assert_eq!(
            r[0].as_ref().unwrap().pass,
            LocalPass {
                new: 1,
                ..Default::default()
            }
        );
        assert_eq!(r[1].as_ref().unwrap().pass.new, 1);
        // Nothing new: nothing read.
        let r = w.pass_all();
        assert_eq!(r[0].as_ref().unwrap().pass, LocalPass::default());
        // A restart reads again and recognises everything.
        let store = Store::open(dir.path().join("f.db")).unwrap();
        let mut w2 = LocalWatch::new(vec![LocalSource::Maildir(md)], store, options());
        let r = w2.pass_all();
        assert_eq!(r[0].as_ref().unwrap().pass.duplicates, 2);
        let beats = w2.store.heartbeats().unwrap();
        let local: Vec<_> = beats.iter().filter(|h| h.account == "local").collect();
        assert_eq!(local.len(), 3);
        assert!(local.iter().any(|h| {
            h.last_error
                .as_deref()
                .is_some_and(|e| e.contains("absent"))
        }));
        assert_eq!(w2.store.counts().unwrap().messages, 3);
    }
}
