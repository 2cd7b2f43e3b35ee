//! The resources this server serves: the built-ins, plus those CustomResourceDefinitions
//! define. A CRD write updates the catalog before its response goes out, so a client
//! may create objects of the new kind at once; at start the stored CRDs are loaded.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use myriad_api::custom;
use myriad_api::registry::{self, ResourceInfo};
use myriad_store::{Pages, Router as StoreRouter};
use parking_lot::RwLock;
use serde_json::Value;

use crate::error::ApiError;
use crate::storage::codec::decode_stored;

/// CRDs read at a time at start.
const LOAD_PAGE: usize = 500;

static BUILTIN: LazyLock<Vec<Arc<ResourceInfo>>> =
    LazyLock::new(|| registry::BUILTIN.iter().cloned().map(Arc::new).collect());

/// Built-in and custom resources, looked up on every request.
#[derive(Default)]
pub(crate) struct Catalog {
    /// CRD name → the resources it serves (one per served version).
    custom: RwLock<BTreeMap<String, Vec<Arc<ResourceInfo>>>>,
}

impl Catalog {
    /// The resource at `group/version/resource`; built-ins win over a CRD naming one.
    pub(crate) fn lookup(&self, group: &str, version: &str, resource: &str) -> Option<Arc<ResourceInfo>> {
        if let Some(i) = registry::lookup_index(group, version, resource) {
            return Some(BUILTIN[i].clone());
        }
        let matches = |r: &&Arc<ResourceInfo>| r.group == group && r.version == version && r.resource == resource;
        self.custom.read().values().flatten().find(matches).cloned()
    }

    /// Every resource, built-ins first.
    pub(crate) fn all(&self) -> Vec<Arc<ResourceInfo>> {
        let mut all = BUILTIN.clone();
        all.extend(self.custom.read().values().flatten().cloned());
        all
    }

    /// API groups in discovery order (the core group is served under `/api`).
    pub(crate) fn groups(&self) -> Vec<&'static str> {
        let mut groups: Vec<&'static str> = Vec::new();
        for info in self.all() {
            if !info.group.is_empty() && !groups.contains(&info.group) {
                groups.push(info.group);
            }
        }
        groups
    }

    /// The versions of `group`, preferred first (upstream's version ranking, so a CRD
    /// listing `v1alpha1, v1` prefers `v1`).
    pub(crate) fn versions(&self, group: &str) -> Vec<&'static str> {
        let mut versions: Vec<&'static str> = Vec::new();
        for info in self.all().iter().filter(|r| r.group == group) {
            if !versions.contains(&info.version) {
                versions.push(info.version);
            }
        }
        versions.sort_by(|a, b| registry::compare_versions(a, b));
        versions
    }

    /// Every resource of one group version.
    pub(crate) fn resources_of(&self, group: &str, version: &str) -> Vec<Arc<ResourceInfo>> {
        self.all()
            .into_iter()
            .filter(|r| r.group == group && r.version == version)
            .collect()
    }

    /// Serves (or re-serves) what `crd` defines.
    pub(crate) fn define(&self, crd: &Value) {
        let Some(name) = crd.pointer("/metadata/name").and_then(Value::as_str) else {
            return;
        };
        let served: Vec<Arc<ResourceInfo>> = custom::served_resources(crd).into_iter().map(Arc::new).collect();
        let mut custom = self.custom.write();
        if served.is_empty() {
            custom.remove(name);
        } else {
            custom.insert(name.to_string(), served);
        }
    }

    /// Stops serving what the CRD `name` defined.
    pub(crate) fn remove(&self, name: &str) {
        self.custom.write().remove(name);
    }

    /// Loads every stored CRD.
    pub(crate) async fn load(&self, store: &StoreRouter) -> Result<usize, ApiError> {
        let prefix = crds()?.storage_prefix();
        let backend = store.store_for(prefix.as_bytes()).clone();
        let mut pages = Pages::new(backend.as_ref(), prefix, LOAD_PAGE);
        let mut loaded = 0;
        while let Some(page) = pages.next().await? {
            for kv in &page.kvs {
                self.define(&decode_stored(kv)?);
                loaded += 1;
            }
        }
        Ok(loaded)
    }
}

/// The built-in `customresourcedefinitions` resource.
pub(crate) fn crds() -> Result<&'static ResourceInfo, ApiError> {
    registry::lookup("apiextensions.k8s.io", "v1", "customresourcedefinitions")
        .ok_or_else(|| ApiError::Internal("no customresourcedefinitions resource".into()))
}
