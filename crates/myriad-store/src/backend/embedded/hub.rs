//! Watch fan-out for the embedded backend.
//!
//! Each distinct watched prefix has one bounded broadcast channel; the writer publishes
//! every committed revision's events to the channels whose prefix matches, found by
//! looking up the event key's prefixes of each watched length (so the cost per event is
//! the number of distinct prefix lengths, not the number of watchers). A watcher that
//! falls behind its channel loses nothing: it re-reads the gap from the revision history
//! on disk, as etcd's unsynced watchers do.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::sync::broadcast;

use crate::kv::{Event, Revision};
use crate::watch::WatchBatch;

/// Revisions a prefix channel holds before a slow watcher lags and falls back to history.
const CHANNEL_CAPACITY: usize = 1024;

#[derive(Default)]
struct HubState {
    /// Every event up to this revision has been published.
    current: Revision,
    channels: HashMap<Bytes, broadcast::Sender<Arc<WatchBatch>>>,
    /// Prefix length → number of channels with a prefix of that length.
    lengths: BTreeMap<usize, usize>,
    closed: bool,
}

/// The publish side of every embedded watch.
#[derive(Default)]
pub struct Hub {
    state: Mutex<HubState>,
}

/// What a new or lagging watcher gets: a receiver for revisions after `current`.
pub struct Subscription {
    pub receiver: broadcast::Receiver<Arc<WatchBatch>>,
    pub current: Revision,
}

impl Hub {
    pub fn new(current: Revision) -> Self {
        Hub {
            state: Mutex::new(HubState {
                current,
                ..Default::default()
            }),
        }
    }

    /// Subscribes to `prefix`; everything after the returned `current` will arrive on
    /// the receiver (or a lag error). `None` once the store has closed.
    pub fn subscribe(&self, prefix: &Bytes) -> Option<Subscription> {
        let mut state = self.state.lock();
        if state.closed {
            return None;
        }
        let current = state.current;
        let receiver = match state.channels.get(prefix) {
            Some(sender) => sender.subscribe(),
            None => {
                let (sender, receiver) = broadcast::channel(CHANNEL_CAPACITY);
                state.channels.insert(prefix.clone(), sender);
                *state.lengths.entry(prefix.len()).or_default() += 1;
                receiver
            }
        };
        Some(Subscription { receiver, current })
    }

    /// The revision up to which every event has been published.
    pub fn current(&self) -> Revision {
        self.state.lock().current
    }

    /// Publishes committed revisions, in order; `batches` holds each revision's events.
    /// Channels nobody listens to any more are dropped here.
    pub fn publish(&self, batches: Vec<(Revision, Vec<Event>)>, current: Revision) {
        let mut state = self.state.lock();
        for (revision, events) in batches {
            let mut per_prefix: HashMap<Bytes, Vec<Event>> = HashMap::new();
            for event in events {
                let key = &event.kv.key;
                for &len in state.lengths.keys().take_while(|&&len| len <= key.len()) {
                    if let Some((prefix, _)) = state.channels.get_key_value(&key[..len]) {
                        per_prefix.entry(prefix.clone()).or_default().push(event.clone());
                    }
                }
            }
            for (prefix, events) in per_prefix {
                let delivered = state
                    .channels
                    .get(&prefix)
                    .is_some_and(|sender| sender.send(Arc::new(WatchBatch { revision, events })).is_ok());
                if !delivered {
                    state.remove(&prefix);
                }
            }
        }
        state.current = current;
    }

    /// Ends every watch: receivers see their channel closed.
    pub fn close(&self) {
        let mut state = self.state.lock();
        state.closed = true;
        state.channels.clear();
        state.lengths.clear();
    }
}

impl HubState {
    fn remove(&mut self, prefix: &Bytes) {
        if self.channels.remove(prefix).is_some()
            && let Some(count) = self.lengths.get_mut(&prefix.len())
        {
            *count -= 1;
            if *count == 0 {
                self.lengths.remove(&prefix.len());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kv::{EventKind, KeyValue};

    fn event(key: &'static str, rev: Revision) -> Event {
        Event {
            kind: EventKind::Put,
            kv: KeyValue {
                key: Bytes::from_static(key.as_bytes()),
                value: Bytes::new(),
                create_revision: rev,
                mod_revision: rev,
                version: 1,
            },
            prev_kv: None,
        }
    }

    #[test]
    fn routes_events_by_prefix() {
        let hub = Hub::new(0);
        let mut pods = hub.subscribe(&Bytes::from_static(b"/registry/pods/")).unwrap().receiver;
        let mut all = hub.subscribe(&Bytes::from_static(b"/registry/")).unwrap().receiver;
        let mut nodes = hub
            .subscribe(&Bytes::from_static(b"/registry/nodes/"))
            .unwrap()
            .receiver;
        hub.publish(
            vec![(1, vec![event("/registry/pods/a", 1)]), (2, vec![event("/other", 2)])],
            2,
        );
        assert_eq!(pods.try_recv().unwrap().revision, 1);
        assert_eq!(all.try_recv().unwrap().revision, 1);
        assert!(nodes.try_recv().is_err());
        assert!(pods.try_recv().is_err());
        assert_eq!(hub.current(), 2);
    }

    #[test]
    fn drops_unwatched_channels() {
        let hub = Hub::new(0);
        drop(hub.subscribe(&Bytes::from_static(b"/a/")));
        hub.publish(vec![(1, vec![event("/a/x", 1)])], 1);
        assert!(hub.state.lock().channels.is_empty());
        assert!(hub.state.lock().lengths.is_empty());
    }
}
