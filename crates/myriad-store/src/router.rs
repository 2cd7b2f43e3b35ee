//! Routes key prefixes to backends: seed 004's "objects of different types in separate
//! etcd clusters". Each resource type has one key prefix (`/registry/pods/`), so a route
//! per prefix puts a resource type on its own backend; revisions are per backend, as
//! Kubernetes' resourceVersions are per resource type when etcd is split.

use std::sync::Arc;

use crate::backend::embedded::EmbeddedStore;
use crate::backend::etcd::EtcdStore;
use crate::config::{BackendConfig, StoreConfig};
use crate::error::Result;
use crate::store::Store;

/// Prefix → backend map with a default backend.
#[derive(Clone)]
pub struct Router {
    /// Longest prefix first, so the first match is the most specific.
    routes: Vec<(Vec<u8>, Arc<dyn Store>)>,
    default: Arc<dyn Store>,
    backends: Vec<(String, Arc<dyn Store>)>,
}

impl Router {
    /// A router that sends everything to `default`.
    pub fn new(default: Arc<dyn Store>) -> Self {
        Router {
            routes: Vec::new(),
            backends: vec![("default".into(), default.clone())],
            default,
        }
    }

    /// Sends keys under `prefix` to `store`.
    pub fn with_route(mut self, prefix: impl Into<Vec<u8>>, store: Arc<dyn Store>) -> Self {
        self.routes.push((prefix.into(), store));
        self.routes.sort_by_key(|route| std::cmp::Reverse(route.0.len()));
        self
    }

    /// Opens every backend of `config` and builds the routes.
    pub async fn open(config: &StoreConfig) -> Result<Router> {
        let mut backends = Vec::new();
        for (name, backend) in &config.backends {
            let store: Arc<dyn Store> = match backend {
                BackendConfig::Embedded(options) => Arc::new(EmbeddedStore::open(options.clone()).await?),
                BackendConfig::Etcd(options) => Arc::new(EtcdStore::connect(options.clone()).await?),
            };
            tracing::info!(backend = %name, kind = store.backend(), "store backend ready");
            backends.push((name.clone(), store));
        }
        let by_name = |name: &str| {
            backends
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, s)| s.clone())
                .ok_or_else(|| crate::StoreError::Config(format!("backend {name:?} is not defined")))
        };
        let mut router = Router::new(by_name(&config.default)?);
        for route in &config.routes {
            router = router.with_route(route.prefix.as_bytes(), by_name(&route.backend)?);
        }
        router.backends = backends;
        Ok(router)
    }

    /// Replaces every backend with `wrap(name, backend)` (e.g. to measure it), keeping
    /// routes that share a backend sharing the wrapped one.
    pub fn map_backends(self, wrap: impl Fn(&str, Arc<dyn Store>) -> Arc<dyn Store>) -> Router {
        /// A backend's name, its store, and what replaces it.
        type Mapped = (String, Arc<dyn Store>, Arc<dyn Store>);
        let mapped: Vec<Mapped> = self
            .backends
            .iter()
            .map(|(name, store)| (name.clone(), store.clone(), wrap(name, store.clone())))
            .collect();
        let replace = |store: &Arc<dyn Store>| {
            mapped
                .iter()
                .find(|(_, old, _)| Arc::ptr_eq(old, store))
                .map_or_else(|| store.clone(), |(_, _, new)| new.clone())
        };
        Router {
            routes: self.routes.iter().map(|(p, s)| (p.clone(), replace(s))).collect(),
            default: replace(&self.default),
            backends: mapped
                .iter()
                .map(|(name, _, new)| (name.clone(), new.clone()))
                .collect(),
        }
    }

    /// The backend that holds `key` (or every key under the prefix `key`).
    pub fn store_for(&self, key: &[u8]) -> &Arc<dyn Store> {
        self.routes
            .iter()
            .find(|(prefix, _)| key.starts_with(prefix))
            .map(|(_, store)| store)
            .unwrap_or(&self.default)
    }

    /// Every backend by name.
    /// Shuts every backend down (see [`Store::shutdown`]).
    pub async fn shutdown(&self) {
        for (_, backend) in self.backends() {
            backend.shutdown().await;
        }
    }

    pub fn backends(&self) -> impl Iterator<Item = (&str, &Arc<dyn Store>)> {
        self.backends.iter().map(|(n, s)| (n.as_str(), s))
    }
}
