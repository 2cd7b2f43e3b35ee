//! Which watchers a change goes to. Each watcher is registered under the most selective
//! key its request allows (a field value such as `spec.nodeName=node-7`, a label
//! value, its namespace, or nothing); a change reaches the watchers under its object's
//! and previous object's keys plus the unkeyed ones, so 20,000 per-node pod watches
//! cost O(watchers of that node) per change, not O(all watchers).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc;

use super::object::{CachedObject, Change, Shape};
use crate::request::selector::Selector;

/// Where a watcher is registered.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Route {
    Field(Arc<str>, Box<str>),
    Label(Box<str>, Box<str>),
    Namespace(Box<str>),
    All,
}

impl Route {
    /// The most selective route for a watch of `namespace` (if any) with `selector`:
    /// an exact field term the cache extracts, else an exact label term, else the
    /// namespace.
    pub fn of(selector: &Selector, namespace: Option<&str>, shape: &Shape) -> Route {
        let routable = |field: &str| {
            matches!(field, "metadata.name" | "metadata.namespace") || shape.fields.iter().any(|(f, _)| f == field)
        };
        if let Some((field, value)) = selector.exact_fields().into_iter().find(|(f, _)| routable(f)) {
            return Route::Field(field.into(), value.into());
        }
        if let Some((key, value)) = selector.exact_labels().first() {
            return Route::Label((*key).into(), (*value).into());
        }
        match namespace {
            Some(namespace) => Route::Namespace(namespace.into()),
            None => Route::All,
        }
    }
}

/// The sending half of one watcher.
pub struct Handle {
    pub tx: mpsc::Sender<Arc<Change>>,
    /// Set when the watcher fell behind and was cut off.
    pub slow: Arc<AtomicBool>,
}

/// What one dispatch did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Dispatched {
    pub delivered: usize,
    /// Watchers cut off because their queue was full.
    pub terminated: usize,
}

#[derive(Default)]
pub struct Registry {
    routes: HashMap<Route, HashMap<u64, Handle>>,
    /// How many watchers are routed by each field label and label key: the terms a
    /// change must be looked up by.
    field_routes: HashMap<Arc<str>, usize>,
    label_routes: HashMap<Box<str>, usize>,
    by_id: HashMap<u64, Route>,
    next_id: u64,
}

impl Registry {
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn add(&mut self, route: Route, handle: Handle) -> u64 {
        self.next_id += 1;
        let id = self.next_id;
        match &route {
            Route::Field(field, _) => *self.field_routes.entry(field.clone()).or_default() += 1,
            Route::Label(key, _) => *self.label_routes.entry(key.clone()).or_default() += 1,
            _ => {}
        }
        self.routes.entry(route.clone()).or_default().insert(id, handle);
        self.by_id.insert(id, route);
        id
    }

    pub fn remove(&mut self, id: u64) {
        let Some(route) = self.by_id.remove(&id) else {
            return;
        };
        match &route {
            Route::Field(field, _) => release(&mut self.field_routes, field),
            Route::Label(key, _) => release(&mut self.label_routes, key),
            _ => {}
        }
        if let Some(handles) = self.routes.get_mut(&route) {
            handles.remove(&id);
            if handles.is_empty() {
                self.routes.remove(&route);
            }
        }
    }

    /// Drops every watcher (their streams end): the cache is starting over.
    pub fn clear(&mut self) {
        *self = Registry {
            next_id: self.next_id,
            ..Registry::default()
        };
    }

    /// Offers `change` to every watcher that may want it, without waiting: a watcher
    /// whose queue is full is cut off (its stream ends with an ERROR), one whose client
    /// is gone is dropped.
    pub fn dispatch(&mut self, change: &Arc<Change>, shape: &Shape) -> Dispatched {
        let mut targets: Vec<u64> = Vec::new();
        for object in [&change.object, &change.previous].into_iter().flatten() {
            for route in self.routes_of(object, shape) {
                if let Some(handles) = self.routes.get(&route) {
                    targets.extend(handles.keys());
                }
            }
        }
        if let Some(handles) = self.routes.get(&Route::All) {
            targets.extend(handles.keys());
        }
        targets.sort_unstable();
        targets.dedup();
        let mut outcome = Dispatched::default();
        let mut gone = Vec::new();
        for id in targets {
            let Some(handle) = self.by_id.get(&id).and_then(|r| self.routes.get(r)?.get(&id)) else {
                continue;
            };
            match handle.tx.try_send(change.clone()) {
                Ok(()) => outcome.delivered += 1,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    handle.slow.store(true, Ordering::Release);
                    outcome.terminated += 1;
                    gone.push(id);
                }
                Err(mpsc::error::TrySendError::Closed(_)) => gone.push(id),
            }
        }
        for id in gone {
            self.remove(id);
        }
        outcome
    }

    /// The keyed routes an object's watchers can be under.
    fn routes_of(&self, object: &CachedObject, shape: &Shape) -> Vec<Route> {
        let mut routes = Vec::new();
        for field in self.field_routes.keys() {
            let value = match object.shape_field(shape, field) {
                Some(value) => value.to_string(),
                None => object.field(shape, field, "").unwrap_or_default(),
            };
            routes.push(Route::Field(field.clone(), value.into()));
        }
        if !self.label_routes.is_empty() {
            for (key, value) in object.labels().iter() {
                if self.label_routes.contains_key(key) {
                    routes.push(Route::Label(key.into(), value.into()));
                }
            }
        }
        let (namespace, _) = object.namespace_and_name(shape);
        if shape.namespaced {
            routes.push(Route::Namespace(namespace.into()));
        }
        routes
    }

    /// Drops watchers whose clients are gone (their receivers closed), for watchers
    /// on quiet routes that no dispatch visits.
    pub fn sweep(&mut self) {
        let gone: Vec<u64> = self
            .routes
            .values()
            .flat_map(|handles| handles.iter())
            .filter(|(_, handle)| handle.tx.is_closed())
            .map(|(id, _)| *id)
            .collect();
        for id in gone {
            self.remove(id);
        }
    }
}

/// Counts one route fewer under `key`, forgetting the key at zero.
fn release<K: std::hash::Hash + Eq>(counts: &mut HashMap<K, usize>, key: &K) {
    if let Some(count) = counts.get_mut(key) {
        *count -= 1;
        if *count == 0 {
            counts.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::object::fixtures::{cached_pod, pod_shape as shape};
    use super::*;
    use myriad_api::registry::lookup;
    use serde_json::json;

    fn pod(name: &str, node: &str, app: &str) -> Arc<CachedObject> {
        let value = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "ns", "labels": {"app": app}}, "spec": {"nodeName": node}});
        Arc::new(cached_pod(&value, 2))
    }

    fn watcher(registry: &mut Registry, fields: &str, labels: &str, capacity: usize) -> mpsc::Receiver<Arc<Change>> {
        let pods = lookup("", "v1", "pods").unwrap();
        let selector = Selector::parse(pods, Some(labels), Some(fields)).unwrap();
        let (tx, rx) = mpsc::channel(capacity);
        let handle = Handle {
            tx,
            slow: Arc::default(),
        };
        registry.add(Route::of(&selector, None, &shape()), handle);
        rx
    }

    #[test]
    fn routes_prefer_fields_then_labels_then_namespace() {
        let pods = lookup("", "v1", "pods").unwrap();
        let route = |fields: &str, labels: &str, ns: Option<&str>| {
            Route::of(
                &Selector::parse(pods, Some(labels), Some(fields)).unwrap(),
                ns,
                &shape(),
            )
        };
        assert_eq!(
            route("spec.nodeName=n1", "app=web", Some("a")),
            Route::Field("spec.nodeName".into(), "n1".into())
        );
        assert_eq!(route("", "app=web", None), Route::Label("app".into(), "web".into()));
        assert_eq!(
            route("status.phase=Running", "", Some("a")),
            Route::Namespace("a".into())
        );
        assert_eq!(route("spec.nodeName!=n1", "app!=x", None), Route::All);
    }

    #[test]
    fn changes_reach_only_the_watchers_that_may_want_them() {
        let mut registry = Registry::default();
        let mut on_n1 = watcher(&mut registry, "spec.nodeName=n1", "", 8);
        let mut on_n2 = watcher(&mut registry, "spec.nodeName=n2", "", 8);
        let mut web = watcher(&mut registry, "", "app=web", 8);
        let mut all = watcher(&mut registry, "", "", 8);
        assert_eq!(registry.len(), 4);
        // A pod moving from n1 to n2 reaches both node watchers (leaving and entering).
        let change = Arc::new(Change::new(3, Some(pod("p", "n2", "db")), Some(pod("p", "n1", "db"))));
        let outcome = registry.dispatch(&change, &shape());
        assert_eq!(outcome.delivered, 3);
        assert!(on_n1.try_recv().is_ok() && on_n2.try_recv().is_ok() && all.try_recv().is_ok());
        assert!(web.try_recv().is_err());
        let change = Arc::new(Change::new(4, Some(pod("q", "n3", "web")), None));
        assert_eq!(registry.dispatch(&change, &shape()).delivered, 2);
        assert!(web.try_recv().is_ok());
    }

    #[test]
    fn full_queues_are_cut_off_and_closed_ones_dropped() {
        let mut registry = Registry::default();
        let slow = watcher(&mut registry, "", "", 1);
        let gone = watcher(&mut registry, "spec.nodeName=n1", "", 4);
        drop(gone);
        let change = Arc::new(Change::new(3, Some(pod("p", "n1", "a")), None));
        assert_eq!(
            registry.dispatch(&change, &shape()),
            Dispatched {
                delivered: 1,
                terminated: 0
            }
        );
        assert_eq!(registry.len(), 1);
        assert_eq!(
            registry.dispatch(&change, &shape()),
            Dispatched {
                delivered: 0,
                terminated: 1
            }
        );
        assert_eq!(registry.len(), 0);
        drop(slow);
    }
}
