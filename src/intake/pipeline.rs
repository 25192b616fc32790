//! Running sources into the store. A thread takes the messages from their
//! source; worker threads (one per core, at most four) check each against the
//! store (a message already stored is not read again) and read it
//! (`process`); the calling thread stores the results, one transaction per
//! message, in source order. A message that cannot be read from its source or
//! stored is reported and the run goes on.
//!
//! Poison messages. The calling thread also hands the messages to the
//! reading threads, and records a try for each in the store **before** it
//! does (one transaction for a handful). A message's commit deletes its
//! tries; so a try left behind at the next run means the process ended
//! while that message was being read. Such a message is read again **alone**
//! (nothing else in flight, its own try recorded), so that an innocent
//! neighbour is never blamed; after [`MAX_ATTEMPTS`] tries it is stored as
//! `error` with its bytes, without being read. A message that ends the
//! process every time costs three runs, never the intake.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Condvar, Mutex};

use super::{
    IntakeOptions, MAX_ATTEMPTS, RawMessage, Source, peek_message_id, poison_message, process,
};
use crate::safe::terminal_line;
use crate::store::{IngestOutcome, MessageStatus, NewMessage, Store, StoreError, sha256_hex};

/// What happened to one message, for progress display.
#[derive(Debug, Clone)]
pub enum Progress<'a> {
    Stored {
        source_ref: &'a str,
        status: MessageStatus,
        proposals: usize,
    },
    Duplicate {
        source_ref: &'a str,
        existing: i64,
    },
    Failed {
        what: &'a str,
        error: String,
    },
}

/// Counts of an import run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Messages handed over by the sources.
    pub read: u64,
    pub new: u64,
    pub duplicates: u64,
    /// (what, error) for messages that could not be read or stored.
    pub failed: Vec<(String, String)>,
    /// Proposals created, and earlier ones they replaced as live revision.
    pub proposals: u64,
    pub superseded: u64,
    /// Proposals created that are a revision of a fiche already received.
    pub revisions: u64,
    /// New messages by status.
    pub by_status: BTreeMap<MessageStatus, u64>,
}

/// Stores the messages of sources.
pub struct Importer<'s> {
    store: &'s mut Store,
    opts: IntakeOptions,
    pub report: ImportReport,
}

/// After this many store failures in a row the run stops: the database is
/// not usable (disk full, locked for too long), going on would only repeat it.
const MAX_CONSECUTIVE_STORE_FAILURES: usize = 5;

/// Messages between the source and the store, at most (a crash leaves at
/// most this many to be tried again alone).
const IN_FLIGHT_MESSAGES: usize = 32;

/// Messages handed to the reading threads together (one transaction
/// records their tries), unless the threads run short of work.
const DISPATCH_BATCH: usize = 8;

/// Bytes of messages between the source and the store, at most (a larger
/// message goes alone): memory stays bounded whatever the messages' sizes.
const IN_FLIGHT_BYTES: u64 = 64 * 1024 * 1024;

/// Counts the bytes and the messages in flight; the source waits for room.
struct Budget {
    /// (bytes, messages, closed)
    used: Mutex<(u64, usize, bool)>,
    freed: Condvar,
    limit: u64,
    max_messages: usize,
}

impl Budget {
    fn new(limit: u64, max_messages: usize) -> Budget {
        Budget {
            used: Mutex::new((0, 0, false)),
            freed: Condvar::new(),
            limit,
            max_messages: max_messages.max(1),
        }
    }

    /// Waits until `n` bytes fit (or nothing is in flight) and a message
    /// more is allowed. False once closed.
    fn acquire(&self, n: u64) -> bool {
        let Ok(mut g) = self.used.lock() else {
            return false;
        };
        while !g.2 && g.1 > 0 && (g.0 + n > self.limit || g.1 >= self.max_messages) {
            g = match self.freed.wait(g) {
                Ok(g) => g,
                Err(_) => return false,
            };
        }
        g.0 += n;
        g.1 += 1;
        !g.2
    }

    fn release(&self, n: u64) {
        if let Ok(mut g) = self.used.lock() {
            g.0 = g.0.saturating_sub(n);
            g.1 = g.1.saturating_sub(1);
        }
        self.freed.notify_all();
    }

    /// The storing side stopped: wake the source and let it end.
    fn close(&self) {
        if let Ok(mut g) = self.used.lock() {
            g.2 = true;
        }
        self.freed.notify_all();
    }
}

/// Closes the budget when the storing side leaves, however it leaves.
struct CloseOnDrop<'a>(&'a Budget);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// A message after the reader stage.
enum Prepared {
    /// Read, to be stored (or found to be a duplicate at storing time).
    Ready {
        source_ref: String,
        msg: Box<NewMessage>,
        watermark: Option<crate::store::Watermark>,
    },
    /// Already in the store before it was read.
    Known { source_ref: String, existing: i64 },
}

/// What the reading threads hand to the storing thread.
enum Item {
    Prepared(Prepared),
    Failed {
        what: String,
        error: String,
    },
    /// No reader could be had: not stored, to be imported again.
    NoReader {
        source_ref: String,
        error: String,
    },
}

/// What the storing thread hears about.
enum Event {
    /// A message from the source (or the source's error), in order.
    Message(u64, u64, Result<RawMessage, (String, String)>),
    /// The source has nothing more.
    SourceEnd,
    /// A message read (or found known) by a reading thread.
    Read(u64, u64, Item),
}

/// The reader stage for one message: duplicate check, then `process`.
fn prepare(raw: RawMessage, reader: Option<&Store>, opts: &IntakeOptions) -> Item {
    let sha = sha256_hex(&raw.bytes);
    let mid = peek_message_id(&raw.bytes);
    let known = reader.and_then(|r| r.find_duplicate(&sha, mid.as_deref()).ok().flatten());
    let msg = match (known, &raw.watermark) {
        (Some(existing), None) => {
            return Item::Prepared(Prepared::Known {
                source_ref: raw.source_ref,
                existing,
            });
        }
        // Nothing to read, but the watermark must move on with it.
        (Some(_), Some(_)) => NewMessage {
            message_id: mid,
            sha256: Some(sha),
            raw: raw.bytes.clone(),
            source_ref: raw.source_ref.clone(),
            ..NewMessage::default()
        },
        (None, _) => match process(&raw, opts) {
            Ok(m) => NewMessage {
                sha256: Some(sha),
                ..m
            },
            Err(e) => {
                return Item::NoReader {
                    source_ref: raw.source_ref,
                    error: e.to_string(),
                };
            }
        },
    };
    Item::Prepared(Prepared::Ready {
        source_ref: raw.source_ref,
        msg: Box::new(msg),
        watermark: raw.watermark,
    })
}

/// The storing thread's side of the hand-over to the reading threads:
/// messages waiting to be read, which of them were tried before (by a
/// process that ended), and which one is being read alone.
struct Dispatch {
    held: VecDeque<(u64, u64, RawMessage)>,
    /// Tries recorded before this run, by source reference.
    tried: HashMap<String, u32>,
    /// A message tried before, being read alone.
    alone: Option<u64>,
    /// Handed to the reading threads, not yet back.
    in_flight: usize,
    /// Tries to forget (messages that ended without a commit of their own).
    finished: Vec<String>,
    workers: usize,
}

impl Dispatch {
    /// Hands over what can go now: records the tries first (one
    /// transaction), then sends. A message stored as poison, without being
    /// read, goes straight to `ready`.
    fn run(
        &mut self,
        store: &mut Store,
        jobs: &Sender<(u64, u64, RawMessage)>,
        ready: &mut BTreeMap<u64, (u64, Item)>,
        source_ended: bool,
    ) -> Result<(), StoreError> {
        let starving = self.in_flight < self.workers * 2;
        if self.held.len() < DISPATCH_BATCH && !starving && !source_ended {
            return Ok(());
        }
        let mut batch = Vec::new();
        while self.alone.is_none() {
            let Some((seq, _, raw)) = self.held.front() else {
                break;
            };
            let (seq, before) = (*seq, self.tried.get(&raw.source_ref).copied().unwrap_or(0));
            if before >= MAX_ATTEMPTS {
                let Some((seq, size, raw)) = self.held.pop_front() else {
                    break;
                };
                tracing::error!(
                    "message {} : sa lecture a arrêté le programme {before} fois ; enregistré en \
                     erreur sans être lu (à traiter à la main)",
                    terminal_line(&raw.source_ref)
                );
                let msg = NewMessage {
                    sha256: Some(sha256_hex(&raw.bytes)),
                    ..poison_message(&raw, before)
                };
                ready.insert(
                    seq,
                    (
                        size,
                        Item::Prepared(Prepared::Ready {
                            source_ref: raw.source_ref,
                            msg: Box::new(msg),
                            watermark: raw.watermark,
                        }),
                    ),
                );
                continue;
            }
            if before > 0 {
                // Tried before by a process that ended: alone, once the
                // others are back.
                if !batch.is_empty() || self.in_flight > 0 {
                    break;
                }
                tracing::warn!(
                    "message {} : une lecture précédente n'a pas abouti (essai {} sur {MAX_ATTEMPTS}) ; \
                     relu seul",
                    terminal_line(&raw.source_ref),
                    before + 1
                );
                self.alone = Some(seq);
                batch.extend(self.held.pop_front());
                break;
            }
            batch.extend(self.held.pop_front());
        }
        let finished = std::mem::take(&mut self.finished);
        if batch.is_empty() && finished.is_empty() {
            return Ok(());
        }
        let starting: Vec<&str> = batch
            .iter()
            .map(|(_, _, r)| r.source_ref.as_str())
            .collect();
        let done: Vec<&str> = finished.iter().map(String::as_str).collect();
        store.note_attempts(&starting, &done)?;
        for job in batch {
            self.in_flight += 1;
            if jobs.send(job).is_err() {
                break;
            }
        }
        Ok(())
    }
}

impl<'s> Importer<'s> {
    pub fn new(store: &'s mut Store, opts: IntakeOptions) -> Importer<'s> {
        Importer {
            store,
            opts,
            report: ImportReport::default(),
        }
    }

    /// Reads and stores one message, on this thread (its try recorded first).
    pub fn import_one(&mut self, raw: RawMessage) -> Result<IngestOutcome, StoreError> {
        let before = self
            .store
            .intake_attempts()?
            .get(&raw.source_ref)
            .copied()
            .unwrap_or(0);
        if before >= MAX_ATTEMPTS {
            let msg = poison_message(&raw, before);
            return match &raw.watermark {
                Some(wm) => self.store.ingest_with_watermark(&msg, wm),
                None => self.store.ingest(&msg),
            };
        }
        let source_ref = raw.source_ref.clone();
        self.store.note_attempts(&[&source_ref], &[])?;
        match prepare(raw, Some(self.store), &self.opts) {
            Item::Prepared(Prepared::Known { existing, .. }) => {
                self.store.note_attempts(&[], &[&source_ref])?;
                Ok(IngestOutcome::Duplicate { existing })
            }
            Item::Prepared(Prepared::Ready { msg, watermark, .. }) => match &watermark {
                Some(wm) => self.store.ingest_with_watermark(&msg, wm),
                None => self.store.ingest(&msg),
            },
            Item::Failed { error, .. } | Item::NoReader { error, .. } => {
                self.store.note_attempts(&[], &[&source_ref])?;
                Err(StoreError::Corrupt(error))
            }
        }
    }

    /// Runs a source to its end. Returns `Err` only when the store keeps
    /// failing (then the report says how far it went).
    ///
    /// Threads: one takes messages from the source, `workers` check and read
    /// them (each with its own read-only connection for the duplicate check:
    /// WAL lets it see every committed message), and this thread records
    /// their tries, hands them over, and stores them in source order, so ids
    /// and revision order do not depend on timing.
    pub fn run(
        &mut self,
        source: &mut dyn Source,
        progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<(), StoreError> {
        let workers = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 4);
        let path = self.store.path().to_path_buf();
        let budget = Budget::new(IN_FLIGHT_BYTES, IN_FLIGHT_MESSAGES);
        let tried = self.store.intake_attempts()?;
        std::thread::scope(|scope| {
            let (event_tx, events) = channel::<Event>();
            let (job_tx, job_rx) = channel::<(u64, u64, RawMessage)>();
            let job_rx = Arc::new(Mutex::new(job_rx));
            let budget = &budget;
            let _close = CloseOnDrop(budget);
            let source_tx = event_tx.clone();
            scope.spawn(move || {
                let mut seq = 0;
                while let Some(next) = source.next_message() {
                    let size = next.as_ref().map_or(0, |r| r.bytes.len() as u64);
                    if !budget.acquire(size) {
                        break; // the storing side gave up
                    }
                    let job = next.map_err(|e| (source.name(), e.to_string()));
                    if source_tx.send(Event::Message(seq, size, job)).is_err() {
                        break;
                    }
                    seq += 1;
                }
                let _ = source_tx.send(Event::SourceEnd);
            });
            for _ in 0..workers {
                let (job_rx, done_tx, opts) = (job_rx.clone(), event_tx.clone(), self.opts.clone());
                // Without a reader connection every message is read and the
                // store alone finds the duplicates.
                let reader = Store::open_reader(&path).ok();
                scope.spawn(move || {
                    loop {
                        let job = match job_rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => break,
                        };
                        let Ok((seq, size, raw)) = job else { break };
                        let item = prepare(raw, reader.as_ref(), &opts);
                        if done_tx.send(Event::Read(seq, size, item)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(event_tx);
            let mut dispatch = Dispatch {
                held: VecDeque::new(),
                tried,
                alone: None,
                in_flight: 0,
                finished: Vec::new(),
                workers,
            };
            let mut consecutive = 0;
            let mut next = 0;
            let mut source_ended = false;
            let mut ready: BTreeMap<u64, (u64, Item)> = BTreeMap::new();
            let take = |ev: Event,
                        ready: &mut BTreeMap<u64, (u64, Item)>,
                        d: &mut Dispatch,
                        ended: &mut bool| match ev {
                Event::Message(seq, size, Ok(raw)) => d.held.push_back((seq, size, raw)),
                Event::Message(seq, size, Err((what, error))) => {
                    ready.insert(seq, (size, Item::Failed { what, error }));
                }
                Event::SourceEnd => *ended = true,
                Event::Read(seq, size, item) => {
                    d.in_flight = d.in_flight.saturating_sub(1);
                    ready.insert(seq, (size, item));
                }
            };
            loop {
                while let Some((size, item)) = ready.remove(&next) {
                    if dispatch.alone == Some(next) {
                        dispatch.alone = None;
                    }
                    next += 1;
                    if let Item::Prepared(Prepared::Known { source_ref, .. })
                    | Item::NoReader { source_ref, .. } = &item
                    {
                        dispatch.finished.push(source_ref.clone());
                    }
                    let handled = self.handle(item, progress, &mut consecutive);
                    budget.release(size);
                    handled?;
                }
                dispatch.run(self.store, &job_tx, &mut ready, source_ended)?;
                if !ready.contains_key(&next)
                    && source_ended
                    && dispatch.held.is_empty()
                    && dispatch.in_flight == 0
                {
                    if !dispatch.finished.is_empty() {
                        let done = std::mem::take(&mut dispatch.finished);
                        let done: Vec<&str> = done.iter().map(String::as_str).collect();
                        self.store.note_attempts(&[], &done)?;
                    }
                    break;
                }
                if ready.contains_key(&next) {
                    continue;
                }
                let Ok(ev) = events.recv() else { break };
                take(ev, &mut ready, &mut dispatch, &mut source_ended);
                while let Ok(ev) = events.try_recv() {
                    take(ev, &mut ready, &mut dispatch, &mut source_ended);
                }
            }
            drop(job_tx);
            Ok(())
        })
    }

    /// Stores one prepared message (or reports a failure), in order.
    fn handle(
        &mut self,
        item: Item,
        progress: &mut dyn FnMut(Progress<'_>),
        consecutive: &mut usize,
    ) -> Result<(), StoreError> {
        self.report.read += 1;
        let (source_ref, result) = match item {
            Item::Failed { what, error } => {
                tracing::warn!(what = %terminal_line(&what), error = %terminal_line(&error), "message illisible");
                progress(Progress::Failed {
                    what: &what,
                    error: error.clone(),
                });
                self.report.failed.push((what, error));
                return Ok(());
            }
            Item::NoReader { source_ref, error } => {
                tracing::error!(source = %terminal_line(&source_ref), "{error}");
                progress(Progress::Failed {
                    what: &source_ref,
                    error: error.clone(),
                });
                self.report.failed.push((source_ref, error));
                return Ok(());
            }
            Item::Prepared(Prepared::Known {
                source_ref,
                existing,
            }) => (source_ref, Ok(IngestOutcome::Duplicate { existing })),
            Item::Prepared(Prepared::Ready {
                source_ref,
                msg,
                watermark,
            }) => {
                let r = match &watermark {
                    Some(wm) => self.store.ingest_with_watermark(&msg, wm),
                    None => self.store.ingest(&msg),
                };
                (source_ref, r)
            }
        };
        match result {
            Ok(IngestOutcome::Duplicate { existing }) => {
                *consecutive = 0;
                self.report.duplicates += 1;
                progress(Progress::Duplicate {
                    source_ref: &source_ref,
                    existing,
                });
            }
            Ok(IngestOutcome::Stored {
                status,
                proposals,
                superseded,
                revisions,
                ..
            }) => {
                *consecutive = 0;
                self.report.new += 1;
                self.report.proposals += proposals.len() as u64;
                self.report.superseded += superseded.len() as u64;
                self.report.revisions += revisions.len() as u64;
                *self.report.by_status.entry(status).or_default() += 1;
                progress(Progress::Stored {
                    source_ref: &source_ref,
                    status,
                    proposals: proposals.len(),
                });
            }
            Err(e) => {
                *consecutive += 1;
                let error = format!("enregistrement impossible : {e}");
                tracing::error!(source = %terminal_line(&source_ref), %error);
                progress(Progress::Failed {
                    what: &source_ref,
                    error: error.clone(),
                });
                self.report.failed.push((source_ref, error));
                if *consecutive >= MAX_CONSECUTIVE_STORE_FAILURES {
                    return Err(e);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::SourceError;
    use crate::store::MessageFilter;

    #[test]
    fn the_budget_waits_for_room_and_lets_a_large_message_go_alone() {
        let b = Budget::new(100, 1000);
        assert!(b.acquire(60));
        std::thread::scope(|s| {
            let t = s.spawn(|| b.acquire(60)); // waits: 120 > 100
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(!t.is_finished());
            b.release(60);
            assert!(t.join().unwrap());
        });
        b.release(60);
        assert!(
            b.acquire(500),
            "alone, a message larger than the budget passes"
        );
        std::thread::scope(|s| {
            let t = s.spawn(|| b.acquire(1));
            std::thread::sleep(std::time::Duration::from_millis(20));
            b.close();
            assert!(!t.join().unwrap(), "closed: the source stops");
        });
    }

    struct VecSource(std::vec::IntoIter<Result<RawMessage, SourceError>>);

    impl Source for VecSource {
        fn name(&self) -> String {
            "test".into()
        }
        fn next_message(&mut self) -> Option<Result<RawMessage, SourceError>> {
            self.0.next()
        }
    }

    #[test]
    fn messages_are_stored_in_source_order_and_failures_reported() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("t.db")).unwrap();
        let mut items = Vec::new();
        for i in 0..40 {
            let raw = format!("Message-ID: <m{i}@x>\r\nFrom: a{i}@x\r\nSubject: {i}\r\n\r\nbody");
            items.push(Ok(RawMessage::new(raw.into_bytes(), format!("file:/{i}"))));
            if i == 10 {
                items.push(Err(SourceError::NotFound("/gone".into())));
            }
        }
        // The same message again, later in the run.
        items.push(Ok(RawMessage::new(
            b"Message-ID: <m3@x>\r\nFrom: a3@x\r\nSubject: 3\r\n\r\nbody".to_vec(),
            "file:/again",
        )));
        let opts = IntakeOptions::new(
            chrono::DateTime::parse_from_rfc3339("2018-06-08T23:59:59+02:00").unwrap(),
        );
        let mut importer = Importer::new(&mut store, opts);
        let mut seen = Vec::new();
        importer
            .run(&mut VecSource(items.into_iter()), &mut |p| {
                if let Progress::Stored { source_ref, .. } = p {
                    seen.push(source_ref.to_string());
                }
            })
            .unwrap();
        let r = importer.report.clone();
        assert_eq!(
            (r.read, r.new, r.duplicates, r.failed.len()),
            (42, 40, 1, 1)
        );
        assert_eq!(
            seen,
            (0..40).map(|i| format!("file:/{i}")).collect::<Vec<_>>()
        );
        let subjects: Vec<_> = store
            .list_messages(&MessageFilter::default())
            .unwrap()
            .into_iter()
            .map(|m| m.subject.unwrap())
            .collect();
        assert_eq!(subjects, (0..40).map(|i| i.to_string()).collect::<Vec<_>>());
    }
}
