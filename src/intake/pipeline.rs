//! Running sources into the store: each message is checked against the
//! store first (a message already stored is not read again), read, then
//! stored in one transaction. A message that cannot be read from its source
//! or stored is reported and the run goes on.

use std::collections::BTreeMap;

use super::{IntakeOptions, RawMessage, Source, peek_message_id, process};
use crate::store::{IngestOutcome, MessageStatus, Store, StoreError, sha256_hex};

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

impl<'s> Importer<'s> {
    pub fn new(store: &'s mut Store, opts: IntakeOptions) -> Importer<'s> {
        Importer {
            store,
            opts,
            report: ImportReport::default(),
        }
    }

    /// Reads and stores one message.
    pub fn import_one(&mut self, raw: &RawMessage) -> Result<IngestOutcome, StoreError> {
        let sha = sha256_hex(&raw.bytes);
        let mid = peek_message_id(&raw.bytes);
        if let Some(existing) = self.store.find_duplicate(&sha, mid.as_deref())? {
            if let Some(wm) = &raw.watermark {
                // Nothing to read, but the watermark must move on.
                let minimal = crate::store::NewMessage {
                    raw: raw.bytes.clone(),
                    message_id: mid,
                    ..Default::default()
                };
                return self.store.ingest_with_watermark(&minimal, wm);
            }
            return Ok(IngestOutcome::Duplicate { existing });
        }
        let msg = process(raw, &self.opts);
        match &raw.watermark {
            Some(wm) => self.store.ingest_with_watermark(&msg, wm),
            None => self.store.ingest(&msg),
        }
    }

    /// Runs a source to its end. Returns `Err` only when the store keeps
    /// failing (then the report says how far it went).
    pub fn run(
        &mut self,
        source: &mut dyn Source,
        progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<(), StoreError> {
        let mut consecutive = 0;
        while let Some(next) = source.next_message() {
            self.report.read += 1;
            let raw = match next {
                Ok(raw) => raw,
                Err(e) => {
                    let error = e.to_string();
                    tracing::warn!(%error, "message illisible");
                    progress(Progress::Failed {
                        what: &source.name(),
                        error: error.clone(),
                    });
                    self.report.failed.push((source.name(), error));
                    continue;
                }
            };
            match self.import_one(&raw) {
                Ok(IngestOutcome::Duplicate { existing }) => {
                    consecutive = 0;
                    self.report.duplicates += 1;
                    progress(Progress::Duplicate {
                        source_ref: &raw.source_ref,
                        existing,
                    });
                }
                Ok(IngestOutcome::Stored {
                    status,
                    proposals,
                    superseded,
                    ..
                }) => {
                    consecutive = 0;
                    self.report.new += 1;
                    self.report.proposals += proposals.len() as u64;
                    self.report.superseded += superseded.len() as u64;
                    *self.report.by_status.entry(status).or_default() += 1;
                    progress(Progress::Stored {
                        source_ref: &raw.source_ref,
                        status,
                        proposals: proposals.len(),
                    });
                }
                Err(e) => {
                    consecutive += 1;
                    let error = format!("enregistrement impossible : {e}");
                    tracing::error!(source = %raw.source_ref, %error);
                    progress(Progress::Failed {
                        what: &raw.source_ref,
                        error: error.clone(),
                    });
                    self.report.failed.push((raw.source_ref.clone(), error));
                    if consecutive >= MAX_CONSECUTIVE_STORE_FAILURES {
                        return Err(e);
                    }
                }
            }
        }
        Ok(())
    }
}
