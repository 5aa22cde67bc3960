//! The KeyValue state, which lives in process A.
//!
//! One mutex guards the map and the revision counter, and change events are
//! published while it is held, so every watcher sees changes in revision
//! order and a List taken under the same lock is a consistent snapshot.

use std::collections::BTreeMap;
use std::sync::Mutex;

use prost::bytes::Bytes;
use tokio::sync::broadcast;

use crate::proto::demo::{Entry, WatchEvent, watch_event::Kind};

/// How many changes a slow watcher may fall behind before its stream ends.
const WATCH_BUFFER: usize = 4096;

/// An ordered in-memory map with a store-wide revision and change feed.
#[derive(Debug)]
pub struct Store {
    state: Mutex<State>,
    changes: broadcast::Sender<WatchEvent>,
}

#[derive(Debug, Default)]
struct State {
    entries: BTreeMap<String, Entry>,
    revision: u64,
}

impl Default for Store {
    fn default() -> Self {
        Store {
            state: Mutex::default(),
            changes: broadcast::channel(WATCH_BUFFER).0,
        }
    }
}

impl Store {
    /// Stores `value` under `key`; returns the new entry and whether a value
    /// was replaced.
    pub fn put(&self, key: String, value: Bytes) -> (Entry, bool) {
        let mut state = self.lock();
        state.revision += 1;
        let entry = Entry {
            key: key.clone(),
            value,
            revision: state.revision,
        };
        let replaced = state.entries.insert(key, entry.clone()).is_some();
        self.publish(Kind::Put, entry.clone(), state.revision);
        (entry, replaced)
    }

    /// The entry under `key`.
    pub fn get(&self, key: &str) -> Option<Entry> {
        self.lock().entries.get(key).cloned()
    }

    /// Removes `key`; returns the removed entry and the deletion's revision.
    pub fn delete(&self, key: &str) -> Option<(Entry, u64)> {
        let mut state = self.lock();
        let entry = state.entries.remove(key)?;
        state.revision += 1;
        self.publish(Kind::Delete, entry.clone(), state.revision);
        Some((entry, state.revision))
    }

    /// Every entry whose key starts with `prefix`, in key order.
    pub fn list(&self, prefix: &str) -> Vec<Entry> {
        self.lock()
            .entries
            .range(prefix.to_string()..)
            .take_while(|(key, _)| key.starts_with(prefix))
            .map(|(_, entry)| entry.clone())
            .collect()
    }

    /// A feed of every change from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<WatchEvent> {
        self.changes.subscribe()
    }

    fn publish(&self, kind: Kind, entry: Entry, revision: u64) {
        // No subscribers is not an error.
        let _ = self.changes.send(WatchEvent {
            kind: kind.into(),
            entry: Some(entry),
            revision,
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the map half-written
        // (every update is a single insert or remove), so keep serving.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
