//! An in-memory [`SyncStateStore`], for tests and dry runs. It dedupes like
//! the real store: a message is already there when its Message-ID or its
//! SHA-256 is.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, FixedOffset};
use sha2::{Digest, Sha256};

use super::config::PostAction;
use super::conn::FetchedMessage;
use super::error::StateStoreError;
use super::sync::{CommitOutcome, PendingPostAction, SyncState, SyncStateStore};
use crate::store::MailboxId;

/// A message as the memory store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub source_ref: String,
    pub message_id: Option<String>,
    pub sha256: String,
    pub bytes: Vec<u8>,
    pub received_at: Option<DateTime<FixedOffset>>,
}

/// A message recorded as not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedMessage {
    pub source_ref: String,
    pub size: u64,
    pub reason: String,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct MemoryStateStore {
    states: HashMap<MailboxId, SyncState>,
    pending: HashMap<MailboxId, BTreeMap<(u32, u32), PostAction>>,
    pub messages: Vec<StoredMessage>,
    pub skipped: Vec<SkippedMessage>,
    by_message_id: HashMap<String, usize>,
    by_hash: HashMap<String, usize>,
    /// Number of `commit_message` calls that succeeded.
    pub commits: usize,
    /// Test hook: `commit_message` fails once this many commits succeeded.
    pub fail_commits_after: Option<usize>,
}

/// The Message-ID header of a message, without angle brackets.
pub fn message_id(bytes: &[u8]) -> Option<String> {
    mail_parser::MessageParser::new()
        .parse_headers(bytes)
        .and_then(|m| m.message_id().map(str::to_owned))
}

impl MemoryStateStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Test hook: records a pending post-action as a crashed pass would
    /// have left it.
    pub fn add_pending(&mut self, mailbox: &MailboxId, p: PendingPostAction) {
        self.pending
            .entry(mailbox.clone())
            .or_default()
            .insert((p.uidvalidity, p.uid), p.action);
    }

    /// Test hook: sets a watermark.
    pub fn set_state(&mut self, mailbox: &MailboxId, state: SyncState) {
        self.states.insert(mailbox.clone(), state);
    }
}

impl SyncStateStore for MemoryStateStore {
    fn load(&self, mailbox: &MailboxId) -> Result<Option<SyncState>, StateStoreError> {
        Ok(self.states.get(mailbox).copied())
    }

    fn reset_watermark(
        &mut self,
        mailbox: &MailboxId,
        uidvalidity: u32,
    ) -> Result<(), StateStoreError> {
        self.states.insert(
            mailbox.clone(),
            SyncState {
                uidvalidity,
                last_uid: 0,
            },
        );
        if let Some(p) = self.pending.get_mut(mailbox) {
            p.retain(|(v, _), _| *v == uidvalidity);
        }
        Ok(())
    }

    fn commit_message(
        &mut self,
        mailbox: &MailboxId,
        uidvalidity: u32,
        msg: &FetchedMessage,
        post_action: Option<&PostAction>,
    ) -> Result<CommitOutcome, StateStoreError> {
        if self.fail_commits_after.is_some_and(|n| self.commits >= n) {
            return Err("échec simulé du stockage".into());
        }
        let sha256 = hex::encode(Sha256::digest(&msg.bytes));
        let mid = message_id(&msg.bytes);
        let known = self.by_hash.contains_key(&sha256)
            || mid
                .as_ref()
                .is_some_and(|m| self.by_message_id.contains_key(m));
        let outcome = if known {
            CommitOutcome::Duplicate
        } else {
            let i = self.messages.len();
            self.by_hash.insert(sha256.clone(), i);
            if let Some(m) = &mid {
                self.by_message_id.insert(m.clone(), i);
            }
            self.messages.push(StoredMessage {
                source_ref: mailbox.source_ref(uidvalidity, msg.uid),
                message_id: mid,
                sha256,
                bytes: msg.bytes.clone(),
                received_at: msg.internal_date,
            });
            CommitOutcome::Stored
        };
        let state = self.states.entry(mailbox.clone()).or_insert(SyncState {
            uidvalidity,
            last_uid: 0,
        });
        if state.uidvalidity != uidvalidity {
            *state = SyncState {
                uidvalidity,
                last_uid: 0,
            };
        }
        state.last_uid = state.last_uid.max(msg.uid);
        if let Some(a) = post_action {
            self.pending
                .entry(mailbox.clone())
                .or_default()
                .insert((uidvalidity, msg.uid), a.clone());
        }
        self.commits += 1;
        Ok(outcome)
    }

    fn commit_skipped(
        &mut self,
        mailbox: &MailboxId,
        uidvalidity: u32,
        uid: u32,
        size: u64,
        reason: &str,
    ) -> Result<(), StateStoreError> {
        self.skipped.push(SkippedMessage {
            source_ref: mailbox.source_ref(uidvalidity, uid),
            size,
            reason: reason.to_owned(),
        });
        let state = self.states.entry(mailbox.clone()).or_insert(SyncState {
            uidvalidity,
            last_uid: 0,
        });
        state.last_uid = state.last_uid.max(uid);
        Ok(())
    }

    fn pending_post_actions(
        &self,
        mailbox: &MailboxId,
    ) -> Result<Vec<PendingPostAction>, StateStoreError> {
        let mut v: Vec<PendingPostAction> = self
            .pending
            .get(mailbox)
            .into_iter()
            .flatten()
            .map(|(&(uidvalidity, uid), action)| PendingPostAction {
                uidvalidity,
                uid,
                action: action.clone(),
            })
            .collect();
        v.sort_by_key(|p| p.uid);
        Ok(v)
    }

    fn post_actions_done(
        &mut self,
        mailbox: &MailboxId,
        uidvalidity: u32,
        uids: &[u32],
    ) -> Result<(), StateStoreError> {
        if let Some(p) = self.pending.get_mut(mailbox) {
            for &uid in uids {
                p.remove(&(uidvalidity, uid));
            }
        }
        Ok(())
    }
}
