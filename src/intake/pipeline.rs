//! Running sources into the store. A thread takes the messages from their
//! source; worker threads (one per core, at most four) check each against the
//! store (a message already stored is not read again) and read it
//! (`process`); the calling thread stores the results, one transaction per
//! message, in source order. A message that cannot be read from its source or
//! stored is reported and the run goes on.

use std::collections::BTreeMap;
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Condvar, Mutex};

use super::{IntakeOptions, RawMessage, Source, peek_message_id, process};
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

/// Messages read ahead of the store, at most.
const READ_AHEAD: usize = 16;

/// Bytes of messages between the source and the store, at most (a larger
/// message goes alone): memory stays bounded whatever the messages' sizes.
const IN_FLIGHT_BYTES: u64 = 64 * 1024 * 1024;

/// Counts the bytes of the messages in flight; the source waits for room.
struct Budget {
    used: Mutex<(u64, bool)>,
    freed: Condvar,
    limit: u64,
}

impl Budget {
    fn new(limit: u64) -> Budget {
        Budget {
            used: Mutex::new((0, false)),
            freed: Condvar::new(),
            limit,
        }
    }

    /// Waits until `n` bytes fit (or nothing is in flight). False once closed.
    fn acquire(&self, n: u64) -> bool {
        let Ok(mut g) = self.used.lock() else {
            return false;
        };
        while !g.1 && g.0 > 0 && g.0 + n > self.limit {
            g = match self.freed.wait(g) {
                Ok(g) => g,
                Err(_) => return false,
            };
        }
        g.0 += n;
        !g.1
    }

    fn release(&self, n: u64) {
        if let Ok(mut g) = self.used.lock() {
            g.0 = g.0.saturating_sub(n);
        }
        self.freed.notify_all();
    }

    /// The storing side stopped: wake the source and let it end.
    fn close(&self) {
        if let Ok(mut g) = self.used.lock() {
            g.1 = true;
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

/// What the reader thread hands to the storing thread.
enum Item {
    Prepared(Prepared),
    Failed { what: String, error: String },
}

/// The reader stage for one message: duplicate check, then `process`.
fn prepare(raw: RawMessage, reader: Option<&Store>, opts: &IntakeOptions) -> Prepared {
    let sha = sha256_hex(&raw.bytes);
    let mid = peek_message_id(&raw.bytes);
    let known = reader.and_then(|r| r.find_duplicate(&sha, mid.as_deref()).ok().flatten());
    let msg = match (known, &raw.watermark) {
        (Some(existing), None) => {
            return Prepared::Known {
                source_ref: raw.source_ref,
                existing,
            };
        }
        // Nothing to read, but the watermark must move on with it.
        (Some(_), Some(_)) => NewMessage {
            message_id: mid,
            sha256: Some(sha),
            raw: raw.bytes.clone(),
            ..NewMessage::default()
        },
        (None, _) => NewMessage {
            sha256: Some(sha),
            ..process(&raw, opts)
        },
    };
    Prepared::Ready {
        source_ref: raw.source_ref,
        msg: Box::new(msg),
        watermark: raw.watermark,
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

    /// Reads and stores one message, on this thread.
    pub fn import_one(&mut self, raw: RawMessage) -> Result<IngestOutcome, StoreError> {
        match prepare(raw, Some(self.store), &self.opts) {
            Prepared::Known { existing, .. } => Ok(IngestOutcome::Duplicate { existing }),
            Prepared::Ready { msg, watermark, .. } => match &watermark {
                Some(wm) => self.store.ingest_with_watermark(&msg, wm),
                None => self.store.ingest(&msg),
            },
        }
    }

    /// Runs a source to its end. Returns `Err` only when the store keeps
    /// failing (then the report says how far it went).
    ///
    /// Threads: one takes messages from the source, `workers` check and read
    /// them (each with its own read-only connection for the duplicate check:
    /// WAL lets it see every committed message), and this thread stores them
    /// in source order, so ids and revision order do not depend on timing.
    pub fn run(
        &mut self,
        source: &mut dyn Source,
        progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<(), StoreError> {
        let workers = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 4);
        let path = self.store.path().to_path_buf();
        let budget = Budget::new(IN_FLIGHT_BYTES);
        std::thread::scope(|scope| {
            type Job = (u64, u64, Result<RawMessage, (String, String)>);
            let (job_tx, job_rx) = sync_channel::<Job>(READ_AHEAD);
            let job_rx = Arc::new(Mutex::new(job_rx));
            let (done_tx, done_rx) = sync_channel::<(u64, u64, Item)>(READ_AHEAD);
            let budget = &budget;
            let _close = CloseOnDrop(budget);
            scope.spawn(move || {
                let mut seq = 0;
                while let Some(next) = source.next_message() {
                    let size = next.as_ref().map_or(0, |r| r.bytes.len() as u64);
                    if !budget.acquire(size) {
                        break; // the storing side gave up
                    }
                    let job = next.map_err(|e| (source.name(), e.to_string()));
                    if job_tx.send((seq, size, job)).is_err() {
                        break;
                    }
                    seq += 1;
                }
            });
            for _ in 0..workers {
                let (job_rx, done_tx, opts) = (job_rx.clone(), done_tx.clone(), self.opts.clone());
                // Without a reader connection every message is read and the
                // store alone finds the duplicates.
                let reader = Store::open_reader(&path).ok();
                scope.spawn(move || {
                    loop {
                        let job = match job_rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => break,
                        };
                        let Ok((seq, size, job)) = job else { break };
                        let item = match job {
                            Ok(raw) => Item::Prepared(prepare(raw, reader.as_ref(), &opts)),
                            Err((what, error)) => Item::Failed { what, error },
                        };
                        if done_tx.send((seq, size, item)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(done_tx);
            let mut consecutive = 0;
            let mut next = 0;
            let mut waiting: BTreeMap<u64, (u64, Item)> = BTreeMap::new();
            for (seq, size, item) in done_rx {
                waiting.insert(seq, (size, item));
                while let Some((size, item)) = waiting.remove(&next) {
                    next += 1;
                    let handled = self.handle(item, progress, &mut consecutive);
                    budget.release(size);
                    handled?;
                }
            }
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
                tracing::warn!(%what, %error, "message illisible");
                progress(Progress::Failed {
                    what: &what,
                    error: error.clone(),
                });
                self.report.failed.push((what, error));
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
                ..
            }) => {
                *consecutive = 0;
                self.report.new += 1;
                self.report.proposals += proposals.len() as u64;
                self.report.superseded += superseded.len() as u64;
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
                tracing::error!(source = %source_ref, %error);
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
        let b = Budget::new(100);
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
