//! The IMAP source's store: [`ImapStore`] implements [`SyncStateStore`]
//! on the SQLite store. Each fetched message goes through the intake
//! ([`process`]: parsing, classification, fiches read into proposals) and
//! is committed with its watermark, pending post-action and heartbeat
//! counters by [`Store::imap_ingest`] in one transaction.
//!
//! Poison messages: the tries of a batch's messages are recorded (one
//! transaction) before the batch is read on a read-ahead thread; a
//! message's commit deletes its tries. A try left by a process that ended
//! makes its batch read one message at a time on the storing thread, each
//! try recorded just before; after `MAX_ATTEMPTS` tries the message is
//! stored as `error` without being read, and the watermark moves past it.

use std::sync::mpsc::{Receiver, sync_channel};

use chrono::Utc;

use super::imap::{
    CommitOutcome, FetchedMessage, MARK_PREFIX, PendingPostAction, PostAction, StateStoreError,
    SyncState, SyncStateStore,
};
use super::{IntakeOptions, MAX_ATTEMPTS, RawMessage, peek_message_id, poison_message, process};
use crate::safe::terminal_line;
use crate::store::{IngestOutcome, MailboxId, NewMessage, Result, Store, Watermark, sha256_hex};
use crate::worker::Unavailable;

/// The keyword this database adds to the messages it takes:
/// `$FichesDaemon_` and the first 8 hexadecimal digits of its identity.
pub fn database_mark(store: &Store) -> Result<String> {
    Ok(format!("{MARK_PREFIX}{}", store.database_short_id()?))
}

/// What a pass through [`ImapStore`] stored, besides what
/// [`crate::intake::imap::SyncReport`] counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestCounts {
    pub proposals: u64,
    pub superseded: u64,
    /// Time spent reading messages (the intake) and storing them.
    pub read_time: std::time::Duration,
    pub store_time: std::time::Duration,
}

/// [`SyncStateStore`] on the SQLite store, running each message through
/// the intake: see the module documentation.
pub struct ImapStore<'s> {
    store: &'s mut Store,
    intake: IntakeOptions,
    pub counts: IngestCounts,
    /// Messages of the current batch read ahead on another thread.
    ahead: Option<Receiver<(u32, Result<NewMessage, Unavailable>)>>,
    peeked: Option<(u32, Result<NewMessage, Unavailable>)>,
    /// The current batch is read one message at a time, each try recorded
    /// just before (see the module documentation).
    careful: bool,
}

/// Messages read ahead of their commit, at most (bounds memory).
const READ_AHEAD: usize = 8;

/// The intake's reading of a fetched message, or `None` when the message
/// is already stored (no need to read it).
fn read_message(
    reader: Option<&Store>,
    intake: &IntakeOptions,
    mb: &MailboxId,
    uidvalidity: u32,
    msg: &FetchedMessage,
) -> Option<Result<NewMessage, Unavailable>> {
    let sha = sha256_hex(&msg.bytes);
    if let Some(r) = reader {
        let mid = peek_message_id(&msg.bytes);
        if matches!(r.find_duplicate(&sha, mid.as_deref()), Ok(Some(_))) {
            return None;
        }
    }
    let raw = RawMessage {
        bytes: msg.bytes.clone(),
        source_ref: mb.source_ref(uidvalidity, msg.uid),
        received_at: msg.internal_date.map(|d| d.with_timezone(&Utc)),
        size: msg.bytes.len() as u64,
        watermark: None,
    };
    Some(process(&raw, intake).map(|m| NewMessage {
        sha256: Some(sha),
        ..m
    }))
}

/// The RawMessage of a fetched message, for a poison record.
fn raw_of(mb: &MailboxId, uidvalidity: u32, msg: &FetchedMessage) -> RawMessage {
    RawMessage {
        bytes: msg.bytes.clone(),
        source_ref: mb.source_ref(uidvalidity, msg.uid),
        received_at: msg.internal_date.map(|d| d.with_timezone(&Utc)),
        size: msg.bytes.len() as u64,
        watermark: None,
    }
}

impl<'s> ImapStore<'s> {
    pub fn new(store: &'s mut Store, intake: IntakeOptions) -> ImapStore<'s> {
        ImapStore {
            store,
            intake,
            counts: IngestCounts::default(),
            ahead: None,
            peeked: None,
            careful: true,
        }
    }

    /// The reading of message `uid` if the read-ahead thread made it.
    fn take_ahead(&mut self, uid: u32) -> Option<Result<NewMessage, Unavailable>> {
        loop {
            let (u, m) = match self.peeked.take() {
                Some(p) => p,
                None => self.ahead.as_ref()?.recv().ok()?,
            };
            if u == uid {
                return Some(m);
            }
            if u > uid {
                self.peeked = Some((u, m));
                return None;
            }
            // u < uid: a message the pass did not commit (stopped): dropped.
        }
    }

    pub fn store(&mut self) -> &mut Store {
        self.store
    }

    /// What the store keeps of a fetched message: the intake's reading, or
    /// only what dedupe needs when the message is already stored (a
    /// UIDVALIDITY change, a message delivered twice).
    fn prepare(
        &mut self,
        mb: &MailboxId,
        uidvalidity: u32,
        msg: &FetchedMessage,
    ) -> Result<Result<NewMessage, Unavailable>> {
        let sha = sha256_hex(&msg.bytes);
        if self.careful {
            // A batch where a message was tried before by a process that
            // ended: each message alone, its try recorded before anything
            // of it is read (its headers included).
            let source_ref = mb.source_ref(uidvalidity, msg.uid);
            let before = self
                .store
                .intake_attempts()?
                .get(&source_ref)
                .copied()
                .unwrap_or(0);
            if before >= MAX_ATTEMPTS {
                tracing::error!(
                    "message {} : sa lecture a arrêté le programme {before} fois ; enregistré en \
                     erreur sans être lu (à traiter à la main)",
                    terminal_line(&source_ref)
                );
                return Ok(Ok(NewMessage {
                    sha256: Some(sha),
                    ..poison_message(&raw_of(mb, uidvalidity, msg), before)
                }));
            }
            if before > 0 {
                tracing::warn!(
                    "message {} : une lecture précédente n'a pas abouti (essai {} sur {MAX_ATTEMPTS}) ; relu seul",
                    terminal_line(&source_ref),
                    before + 1
                );
            }
            self.store.note_attempts(&[&source_ref], &[])?;
        }
        let mid = peek_message_id(&msg.bytes);
        if self.store.find_duplicate(&sha, mid.as_deref())?.is_some() {
            return Ok(Ok(NewMessage {
                message_id: mid,
                sha256: Some(sha),
                raw: msg.bytes.clone(),
                size: msg.bytes.len() as u64,
                source_ref: mb.source_ref(uidvalidity, msg.uid),
                ..NewMessage::default()
            }));
        }
        if let Some(m) = self.take_ahead(msg.uid) {
            return Ok(m);
        }
        // Read here (careful mode, or the read-ahead thread did not: its
        // try was recorded with the batch).
        Ok(read_message(None, &self.intake, mb, uidvalidity, msg)
            .unwrap_or_else(|| Ok(NewMessage::default())))
    }
}

fn boxed(e: crate::store::StoreError) -> StateStoreError {
    Box::new(e)
}

fn watermark(mb: &MailboxId, uidvalidity: u32, uid: u32) -> Watermark {
    Watermark {
        account: mb.account.clone(),
        mailbox: mb.mailbox.clone(),
        uidvalidity,
        uid,
    }
}

impl SyncStateStore for ImapStore<'_> {
    fn load(&self, mb: &MailboxId) -> Result<Option<SyncState>, StateStoreError> {
        Ok(self
            .store
            .sync_state(&mb.account, &mb.mailbox)
            .map_err(boxed)?
            .map(|s| SyncState {
                uidvalidity: s.uidvalidity,
                last_uid: s.last_uid,
            }))
    }

    fn reset_watermark(&mut self, mb: &MailboxId, uidvalidity: u32) -> Result<(), StateStoreError> {
        self.store
            .imap_reset_watermark(mb, uidvalidity)
            .map_err(boxed)
    }

    fn commit_message(
        &mut self,
        mb: &MailboxId,
        uidvalidity: u32,
        msg: &FetchedMessage,
        post_action: Option<&PostAction>,
    ) -> Result<CommitOutcome, StateStoreError> {
        let t = std::time::Instant::now();
        let new = match self.prepare(mb, uidvalidity, msg).map_err(boxed)? {
            Ok(m) => m,
            Err(no_reader) => {
                // Not this message's doing: no try counted, the pass fails
                // and the message is fetched again after the backoff.
                let source_ref = mb.source_ref(uidvalidity, msg.uid);
                self.store
                    .note_attempts(&[], &[&source_ref])
                    .map_err(boxed)?;
                return Err(format!("message {source_ref} : {no_reader}").into());
            }
        };
        let wm = watermark(mb, uidvalidity, msg.uid);
        let t2 = std::time::Instant::now();
        self.counts.read_time += t2 - t;
        let outcome = self
            .store
            .imap_ingest(&new, &wm, post_action.map(|a| a.to_string()).as_deref())
            .map_err(boxed)?;
        self.counts.store_time += t2.elapsed();
        match outcome {
            IngestOutcome::Stored {
                proposals,
                superseded,
                ..
            } => {
                self.counts.proposals += proposals.len() as u64;
                self.counts.superseded += superseded.len() as u64;
                Ok(CommitOutcome::Stored)
            }
            IngestOutcome::Duplicate { .. } => Ok(CommitOutcome::Duplicate),
        }
    }

    fn commit_skipped(
        &mut self,
        mb: &MailboxId,
        uidvalidity: u32,
        uid: u32,
        size: u64,
        reason: &str,
    ) -> Result<(), StateStoreError> {
        self.store
            .imap_skip(&watermark(mb, uidvalidity, uid), size, reason)
            .map_err(boxed)
    }

    fn pending_post_actions(
        &self,
        mb: &MailboxId,
    ) -> Result<Vec<PendingPostAction>, StateStoreError> {
        self.store
            .imap_pending(mb)
            .map_err(boxed)?
            .into_iter()
            .map(|row| {
                // A row whose action cannot be read (edited by hand) is an
                // error naming it.
                let action = row.action.parse::<PostAction>().map_err(|e| {
                    boxed(crate::store::StoreError::Corrupt(format!(
                        "imap_pending_actions {}/{} UID {} : {e}",
                        mb.account, mb.mailbox, row.uid
                    )))
                })?;
                Ok(PendingPostAction {
                    uidvalidity: row.uidvalidity,
                    uid: row.uid,
                    action,
                })
            })
            .collect()
    }

    fn make_durable(&mut self, mb: &MailboxId) -> Result<(), StateStoreError> {
        self.store.imap_durable(mb).map_err(boxed)
    }

    fn read_ahead(&mut self, mb: &MailboxId, uidvalidity: u32, batch: Vec<FetchedMessage>) {
        self.peeked = None;
        self.ahead = None;
        self.careful = true;
        // Tries first: a batch with a message tried before by a process
        // that ended is read one message at a time (see `prepare`).
        let refs: Vec<String> = batch
            .iter()
            .map(|m| mb.source_ref(uidvalidity, m.uid))
            .collect();
        match self.store.intake_attempts() {
            Ok(tried) if refs.iter().any(|r| tried.contains_key(r)) => return,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!("essais de lecture illisibles dans la base : {e}");
                return;
            }
        }
        let starting: Vec<&str> = refs.iter().map(String::as_str).collect();
        if let Err(e) = self.store.note_attempts(&starting, &[]) {
            tracing::warn!("essais de lecture non enregistrés dans la base : {e}");
            return;
        }
        let (tx, rx) = sync_channel(READ_AHEAD);
        self.ahead = Some(rx);
        self.careful = false;
        let (intake, mb, path) = (
            self.intake.clone(),
            mb.clone(),
            self.store.path().to_owned(),
        );
        let spawned = std::thread::Builder::new()
            .name("imap-read".into())
            .spawn(move || {
                // Its own read-only connection, to skip messages already stored.
                let reader = Store::open_reader(&path).ok();
                for msg in batch {
                    let Some(m) = read_message(reader.as_ref(), &intake, &mb, uidvalidity, &msg)
                    else {
                        continue;
                    };
                    if tx.send((msg.uid, m)).is_err() {
                        break;
                    }
                }
            });
        if spawned.is_err() {
            // Read on the storing thread instead.
            self.ahead = None;
        }
    }

    fn post_actions_done(
        &mut self,
        mb: &MailboxId,
        uidvalidity: u32,
        uids: &[u32],
    ) -> Result<(), StateStoreError> {
        self.store
            .imap_pending_done(mb, uidvalidity, uids)
            .map_err(boxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::DaemonState;

    fn corpus(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/corpus/mail")
                .join(name),
        )
        .unwrap()
    }

    fn fetched(uid: u32, bytes: Vec<u8>) -> FetchedMessage {
        FetchedMessage {
            uid,
            bytes,
            internal_date: chrono::DateTime::parse_from_rfc3339("2018-05-14T10:00:00+02:00").ok(),
        }
    }

    fn intake() -> IntakeOptions {
        IntakeOptions::new(
            chrono::DateTime::parse_from_rfc3339("2018-06-08T23:59:59+02:00").unwrap(),
        )
    }

    #[test]
    fn commit_stores_with_watermark_pending_and_counters() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("f.db")).unwrap();
        let mb = MailboxId::new("staff@h", "INBOX");
        store.heartbeat_start(&mb, 42).unwrap();
        let keyword = PostAction::AddKeyword("$Fiches".into());
        let mut s = ImapStore::new(&mut store, intake());
        s.reset_watermark(&mb, 7).unwrap();
        let out = s
            .commit_message(&mb, 7, &fetched(3, corpus("01-plain.eml")), Some(&keyword))
            .unwrap();
        assert_eq!(out, CommitOutcome::Stored);
        assert_eq!(s.counts.proposals, 1);
        // The same bytes again (a UIDVALIDITY change, a second delivery).
        let out = s
            .commit_message(&mb, 8, &fetched(1, corpus("01-plain.eml")), Some(&keyword))
            .unwrap();
        assert_eq!(out, CommitOutcome::Duplicate);
        assert_eq!(
            s.load(&mb).unwrap(),
            Some(SyncState {
                uidvalidity: 8,
                last_uid: 1
            })
        );
        let pending = s.pending_post_actions(&mb).unwrap();
        assert_eq!(pending.len(), 2);
        assert_eq!(pending[0].uid, 1);
        assert_eq!(pending[0].action, keyword);
        s.reset_watermark(&mb, 8).unwrap();
        let pending = s.pending_post_actions(&mb).unwrap();
        assert_eq!(
            pending,
            vec![PendingPostAction {
                uidvalidity: 8,
                uid: 1,
                action: keyword.clone()
            }]
        );
        s.post_actions_done(&mb, 8, &[1]).unwrap();
        assert!(s.pending_post_actions(&mb).unwrap().is_empty());

        s.commit_skipped(&mb, 8, 5, 99_000_000, "trop gros")
            .unwrap();
        assert_eq!(s.load(&mb).unwrap().unwrap().last_uid, 5);

        let messages = store.list_messages(&Default::default()).unwrap();
        // The skipped message is a message too, for staff to fetch by hand.
        assert_eq!(messages.len(), 2);
        let skipped = &messages[1];
        assert_eq!(skipped.status, crate::store::MessageStatus::Rejected);
        assert_eq!(skipped.flags, ["not_downloaded"]);
        let reason = skipped.reason.as_deref().unwrap();
        assert!(
            reason.contains("trop gros") && reason.contains("UID 5"),
            "{reason}"
        );
        assert_eq!(store.imap_skipped().unwrap()[0].uid, 5);
        // Staff find it in À traiter, its note readable.
        let triage = store.triage_messages().unwrap();
        assert!(
            triage
                .iter()
                .any(|m| m.id == skipped.id && m.flags == ["not_downloaded"]),
            "{triage:?}"
        );
        let note = String::from_utf8(store.raw_message(skipped.id).unwrap()).unwrap();
        assert!(
            note.contains("Message non téléchargé") && note.contains("fiches import"),
            "{note}"
        );
        let h = store.heartbeat(&mb).unwrap().unwrap();
        assert_eq!(
            (
                h.pid,
                h.messages,
                h.duplicates,
                h.proposals,
                h.skipped,
                h.errors
            ),
            (Some(42), 1, 1, 1, 1, 0)
        );
        assert!(h.last_new_mail_at.is_some() && h.last_contact_at.is_some());
        store
            .heartbeat_error(&mb, "connexion perdue", DaemonState::Reconnecting)
            .unwrap();
        store.heartbeat_state(&mb, DaemonState::Idle, true).unwrap();
        let h = store.heartbeat(&mb).unwrap().unwrap();
        assert_eq!(h.state, DaemonState::Idle);
        assert_eq!(h.errors, 1);
        assert_eq!(h.last_error.as_deref(), Some("connexion perdue"));
        // A message seen again past the limit is recorded once.
        let wm = Watermark {
            account: mb.account.clone(),
            mailbox: mb.mailbox.clone(),
            uidvalidity: 8,
            uid: 5,
        };
        store.imap_skip(&wm, 99_000_000, "trop gros").unwrap();
        assert_eq!(store.list_messages(&Default::default()).unwrap().len(), 2);
        // A new run: counters start again, the last error stays.
        store.heartbeat_start(&mb, 43).unwrap();
        let h = store.heartbeat(&mb).unwrap().unwrap();
        assert_eq!((h.pid, h.messages, h.errors), (Some(43), 0, 0));
        assert_eq!(h.state, DaemonState::Starting);
        assert!(h.last_error.is_some());
    }

    #[test]
    fn identity_marks_pass_reports_and_pending_reset() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("f.db")).unwrap();
        let mark = database_mark(&store).unwrap();
        assert!(
            mark.starts_with("$FichesDaemon_") && mark.len() == 22,
            "{mark}"
        );
        assert_eq!(database_mark(&store).unwrap(), mark);
        let other = Store::open(dir.path().join("g.db")).unwrap();
        assert_ne!(database_mark(&other).unwrap(), mark);

        let mb = MailboxId::new("staff@h", "INBOX");
        assert_eq!(
            store.imap_identity(&mb, "h", 993, "staff", 7).unwrap(),
            None
        );
        assert_eq!(
            store.imap_identity(&mb, "h", 993, "staff", 8).unwrap(),
            None
        );
        let changed = store
            .imap_identity(&mb, "other.example", 993, "staff", 1)
            .unwrap()
            .unwrap();
        assert!(changed.contains("staff sur h:993") && changed.contains("other.example"));

        store.heartbeat_start(&mb, 1).unwrap();
        store
            .heartbeat_pass(
                &mb,
                Some("déplacement refusé"),
                Some("sans UIDPLUS"),
                Some("h:993 (IDLE)"),
            )
            .unwrap();
        let h = store.heartbeat(&mb).unwrap().unwrap();
        assert_eq!(h.post_action_error.as_deref(), Some("déplacement refusé"));
        assert_eq!(h.warning.as_deref(), Some("sans UIDPLUS"));
        assert_eq!(h.server.as_deref(), Some("h:993 (IDLE)"));
        let since = h.post_action_error_at.clone();
        assert!(since.is_some());
        store
            .heartbeat_pass(&mb, None, Some("sans UIDPLUS"), None)
            .unwrap();
        let h = store.heartbeat(&mb).unwrap().unwrap();
        assert_eq!((h.post_action_error, h.post_action_error_at), (None, None));
        assert_eq!(h.server.as_deref(), Some("h:993 (IDLE)"));
        store
            .heartbeat_retry(
                &mb,
                "authentification refusée",
                DaemonState::Reconnecting,
                Some("2030-01-01T00:00:00Z"),
            )
            .unwrap();
        assert!(
            store
                .heartbeat(&mb)
                .unwrap()
                .unwrap()
                .next_attempt_at
                .is_some()
        );
        store.heartbeat_state(&mb, DaemonState::Idle, true).unwrap();
        assert_eq!(store.heartbeat(&mb).unwrap().unwrap().next_attempt_at, None);

        let mut s = ImapStore::new(&mut store, intake());
        s.reset_watermark(&mb, 7).unwrap();
        let mv = PostAction::MoveTo("Traitées".into());
        s.commit_message(&mb, 7, &fetched(3, corpus("01-plain.eml")), Some(&mv))
            .unwrap();
        assert_eq!(
            store.heartbeat(&mb).unwrap().unwrap().pending_post_actions,
            1
        );
        assert_eq!(store.imap_reset_pending(&mb, "alice").unwrap(), 1);
        assert_eq!(store.imap_reset_pending(&mb, "alice").unwrap(), 0);
        assert!(store.imap_pending(&mb).unwrap().is_empty());
        let (actor, before): (String, String) = store
            .conn_for_tests()
            .query_row(
                "SELECT actor, before FROM journal WHERE action = 'imap_pending_reset'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(actor, "alice");
        assert!(before.contains("move:Traitées"), "{before}");
    }

    #[test]
    fn a_failed_commit_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("f.db")).unwrap();
        let mb = MailboxId::new("a", "INBOX");
        // A pending row that the commit's insert will collide with cannot
        // fail (upsert); make the heartbeat insert fail instead.
        store
            .conn_for_tests()
            .execute_batch(
                "CREATE TRIGGER no_beat BEFORE INSERT ON heartbeat
                 BEGIN SELECT RAISE(ABORT, 'refusé'); END;",
            )
            .unwrap();
        let mut s = ImapStore::new(&mut store, intake());
        s.reset_watermark(&mb, 1).unwrap();
        let keyword = PostAction::AddFlag("\\Seen".into());
        assert!(
            s.commit_message(&mb, 1, &fetched(9, corpus("01-plain.eml")), Some(&keyword))
                .is_err()
        );
        assert_eq!(s.load(&mb).unwrap().unwrap().last_uid, 0);
        assert!(s.pending_post_actions(&mb).unwrap().is_empty());
        assert!(store.list_messages(&Default::default()).unwrap().is_empty());
    }
}
