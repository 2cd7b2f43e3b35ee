//! What a cacher holds: the current objects (a persistent map, so a snapshot is an O(1)
//! clone), the field and label indexes over them, the window of recent changes, and
//! the snapshots kept for `continue` pages.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::ops::Bound;
use std::sync::Arc;

use imbl::OrdMap;
use myriad_store::Revision;

use super::object::{CachedObject, Change, Shape};

/// The objects by storage key.
pub type Objects = OrdMap<Arc<str>, Arc<CachedObject>>;

/// Snapshots kept for paged lists (each is the state at one revision).
const SNAPSHOTS: usize = 32;

/// An index key: one field label's or label's value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Term {
    Field(Arc<str>, Box<str>),
    Label(Box<str>, Box<str>),
}

pub struct State {
    pub objects: Objects,
    /// Every term of every object → the keys of the objects that have it. Fields are
    /// the shape's indexed ones; labels all.
    index: HashMap<Term, BTreeSet<Arc<str>>>,
    indexed_fields: Vec<Arc<str>>,
    /// Recent changes, oldest first.
    pub history: VecDeque<Arc<Change>>,
    capacity: usize,
    /// Every change after this revision is in `history`.
    pub oldest: Revision,
    /// Revision the state is at.
    pub revision: Revision,
    snapshots: VecDeque<(Revision, Objects)>,
    /// Bytes held by the objects (see [`CachedObject::size`]).
    pub bytes: usize,
}

impl State {
    pub fn new(capacity: usize, indexed_fields: &[&str]) -> Self {
        State {
            objects: OrdMap::new(),
            index: HashMap::new(),
            indexed_fields: indexed_fields.iter().map(|f| Arc::from(*f)).collect(),
            history: VecDeque::new(),
            capacity,
            oldest: 0,
            revision: 0,
            snapshots: VecDeque::new(),
            bytes: 0,
        }
    }

    /// Starts over from a full list at `revision`.
    pub fn reset(&mut self, objects: Vec<CachedObject>, revision: Revision, shape: &Shape) {
        self.objects = OrdMap::new();
        self.index.clear();
        self.history.clear();
        self.snapshots.clear();
        self.bytes = 0;
        for object in objects {
            let object = Arc::new(object);
            self.add_terms(&object, shape);
            self.bytes += object.size();
            self.objects.insert(object.key.clone(), object);
        }
        self.oldest = revision;
        self.revision = revision;
    }

    /// Applies one change to the objects and indexes and appends it to the history.
    /// Returns the change (with the previous state the cache held).
    pub fn apply(
        &mut self,
        revision: Revision,
        key: Arc<str>,
        object: Option<CachedObject>,
        shape: &Shape,
    ) -> Arc<Change> {
        let object = object.map(Arc::new);
        let previous = match &object {
            Some(object) => self.objects.insert(key, object.clone()),
            None => self.objects.remove(&key),
        };
        if let Some(previous) = &previous {
            self.remove_terms(previous, shape);
            self.bytes -= previous.size().min(self.bytes);
        }
        if let Some(object) = &object {
            self.add_terms(object, shape);
            self.bytes += object.size();
        }
        let change = Arc::new(Change::new(revision, object, previous));
        if self.capacity > 0 {
            if self.history.len() == self.capacity
                && let Some(evicted) = self.history.pop_front()
            {
                self.oldest = evicted.revision;
                self.forget_before(self.oldest);
            }
            self.history.push_back(change.clone());
        } else {
            self.oldest = revision;
        }
        self.revision = revision;
        change
    }

    /// The changes after `revision`, or `None` when some of them have left the window.
    pub fn changes_after(&self, revision: Revision) -> Option<Vec<Arc<Change>>> {
        if revision < self.oldest {
            return None;
        }
        let start = self.history.partition_point(|c| c.revision <= revision);
        Some(self.history.range(start..).cloned().collect())
    }

    /// The keys of the objects that have `term`, if it is indexed (an empty set when
    /// no object has it).
    pub fn lookup(&self, term: &Term) -> Option<Vec<Arc<CachedObject>>> {
        if let Term::Field(field, _) = term
            && !self.indexed_fields.contains(field)
        {
            return None;
        }
        let keys = self.index.get(term);
        Some(
            keys.into_iter()
                .flatten()
                .filter_map(|key| self.objects.get(key).cloned())
                .collect(),
        )
    }

    pub fn is_indexed_field(&self, field: &str) -> bool {
        self.indexed_fields.iter().any(|f| &**f == field)
    }

    /// Keeps `objects`, the state at `revision`, for the pages after the first.
    pub fn remember(&mut self, revision: Revision, objects: Objects) {
        if self.snapshots.iter().any(|(r, _)| *r == revision) {
            return;
        }
        if self.snapshots.len() == SNAPSHOTS {
            self.snapshots.pop_front();
        }
        self.snapshots.push_back((revision, objects));
    }

    /// The state at `revision`, if it was kept.
    pub fn snapshot(&self, revision: Revision) -> Option<Objects> {
        if revision == self.revision {
            return Some(self.objects.clone());
        }
        self.snapshots
            .iter()
            .find(|(r, _)| *r == revision)
            .map(|(_, objects)| objects.clone())
    }

    /// Drops the snapshots older than the window, as upstream's cacher does: each one
    /// keeps alive the earlier version of every object changed since it was taken, so
    /// a snapshot held for the whole run of a write-heavy resource would hold a second
    /// copy of it. A `continue` for a dropped one is served by the store.
    fn forget_before(&mut self, revision: Revision) {
        self.snapshots.retain(|(r, _)| *r >= revision);
    }

    /// Drops snapshots at or below a compacted revision: the store could no longer
    /// serve them either, and upstream answers 410 for them.
    pub fn forget_up_to(&mut self, revision: Revision) {
        self.snapshots.retain(|(r, _)| *r > revision);
    }

    fn terms(&self, object: &CachedObject, shape: &Shape) -> Vec<Term> {
        let mut terms: Vec<Term> = object
            .labels()
            .iter()
            .map(|(k, v)| Term::Label(k.into(), v.into()))
            .collect();
        for field in &self.indexed_fields {
            if let Some(value) = object.shape_field(shape, field).filter(|v| !v.is_empty()) {
                terms.push(Term::Field(field.clone(), value.into()));
            }
        }
        terms
    }

    fn add_terms(&mut self, object: &Arc<CachedObject>, shape: &Shape) {
        for term in self.terms(object, shape) {
            self.index.entry(term).or_default().insert(object.key.clone());
        }
    }

    fn remove_terms(&mut self, object: &Arc<CachedObject>, shape: &Shape) {
        for term in self.terms(object, shape) {
            if let Some(keys) = self.index.get_mut(&term) {
                keys.remove(&object.key);
                if keys.is_empty() {
                    self.index.remove(&term);
                }
            }
        }
    }
}

/// The objects of `objects` under `prefix` from `start` (inclusive) on, in key order.
pub fn range<'a>(
    objects: &'a Objects,
    prefix: &'a str,
    start: Option<&str>,
) -> impl Iterator<Item = &'a Arc<CachedObject>> + 'a {
    let from: Arc<str> = start.map_or_else(|| Arc::from(prefix), Arc::from);
    objects
        .range((Bound::Included(from), Bound::Unbounded))
        .take_while(move |(key, _)| key.starts_with(prefix))
        .map(|(_, object)| object)
}

#[cfg(test)]
mod tests {
    use super::super::object::fixtures::{cached_pod, pod_shape as shape};
    use super::*;
    use serde_json::json;

    fn pod(ns: &str, name: &str, node: &str, revision: Revision) -> (Arc<str>, CachedObject) {
        let value = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns,
            "labels": {"app": name}}, "spec": {"nodeName": node}});
        let object = cached_pod(&value, revision);
        (object.key.clone(), object)
    }

    fn nodes(objects: &[Arc<CachedObject>]) -> Vec<String> {
        objects.iter().map(|o| o.key.to_string()).collect()
    }

    #[test]
    fn indexes_follow_changes() {
        let shape = shape();
        let mut state = State::new(2, &["spec.nodeName"]);
        state.reset(vec![pod("a", "p1", "n1", 5).1], 5, &shape);
        let on = |state: &State, node: &str| {
            nodes(&state.lookup(&Term::Field("spec.nodeName".into(), node.into())).unwrap())
        };
        assert_eq!(on(&state, "n1"), ["/registry/pods/a/p1"]);
        let (key, moved) = pod("a", "p1", "n2", 6);
        let change = state.apply(6, key, Some(moved), &shape);
        let previous = change.previous.as_ref().unwrap();
        assert!(String::from_utf8_lossy(&previous.json).contains("\"resourceVersion\":\"5\""));
        assert!(on(&state, "n1").is_empty());
        assert_eq!(on(&state, "n2"), ["/registry/pods/a/p1"]);
        let (key, _) = pod("a", "p1", "n2", 7);
        state.apply(7, key, None, &shape);
        assert!(on(&state, "n2").is_empty());
        assert!(
            state
                .lookup(&Term::Label("app".into(), "p1".into()))
                .unwrap()
                .is_empty()
        );
        assert!(state.lookup(&Term::Field("spec.other".into(), "x".into())).is_none());
        assert_eq!(state.objects.len(), 0);
        assert_eq!(state.bytes, 0);
    }

    #[test]
    fn the_window_keeps_the_last_changes() {
        let shape = shape();
        let mut state = State::new(2, &[]);
        state.reset(Vec::new(), 10, &shape);
        assert_eq!(state.changes_after(10).unwrap().len(), 0);
        for revision in 11..=13 {
            let (key, object) = pod("a", &format!("p{revision}"), "n1", revision);
            state.apply(revision, key, Some(object), &shape);
        }
        // 11 was evicted: after 11 is complete, after 10 is not.
        assert!(state.changes_after(10).is_none());
        let after = state.changes_after(11).unwrap();
        assert_eq!(after.iter().map(|c| c.revision).collect::<Vec<_>>(), [12, 13]);
        assert_eq!(state.changes_after(13).unwrap().len(), 0);
    }

    #[test]
    fn snapshots_and_ranges() {
        let shape = shape();
        let mut state = State::new(10, &[]);
        let objects = vec![
            pod("a", "p1", "n", 2).1,
            pod("a", "p2", "n", 3).1,
            pod("b", "p3", "n", 4).1,
        ];
        state.reset(objects, 4, &shape);
        let snapshot = state.objects.clone();
        state.remember(4, snapshot.clone());
        let (key, object) = pod("a", "p0", "n", 5);
        state.apply(5, key, Some(object), &shape);
        let kept = state.snapshot(4).unwrap();
        assert_eq!(kept.len(), 3);
        assert_eq!(snapshot.len(), 3);
        let in_a: Vec<_> = range(&state.objects, "/registry/pods/a/", None)
            .map(|o| o.key.to_string())
            .collect();
        assert_eq!(
            in_a,
            ["/registry/pods/a/p0", "/registry/pods/a/p1", "/registry/pods/a/p2"]
        );
        let from: Vec<_> = range(&kept, "/registry/pods/", Some("/registry/pods/a/p2"))
            .map(|o| o.key.to_string())
            .collect();
        assert_eq!(from, ["/registry/pods/a/p2", "/registry/pods/b/p3"]);
        state.forget_up_to(4);
        assert!(state.snapshot(4).is_none());
        assert!(state.snapshot(5).is_some());
    }

    #[test]
    fn snapshots_leave_with_the_window() {
        let shape = shape();
        let mut state = State::new(2, &[]);
        state.reset(vec![pod("a", "p1", "n", 2).1], 2, &shape);
        state.remember(2, state.objects.clone());
        for revision in 3..=4 {
            let (key, object) = pod("a", "p1", "n", revision);
            state.apply(revision, key, Some(object), &shape);
        }
        // The window holds 3 and 4; every change after 2 is still there.
        assert!(state.snapshot(2).is_some());
        let (key, object) = pod("a", "p1", "n", 5);
        state.apply(5, key, Some(object), &shape);
        assert_eq!(state.oldest, 3);
        assert!(state.snapshot(2).is_none());
    }
}
