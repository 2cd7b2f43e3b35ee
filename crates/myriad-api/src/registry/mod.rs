//! The resources the API serves: what discovery advertises about each, how it is
//! stored, and the rules the server applies to its objects' writes ([`Strategy`]).
//! [`BUILTIN`] is the table of Kubernetes' own resources (`builtin.rs`); resources that
//! CustomResourceDefinitions define get a [`ResourceInfo`] of the same shape.

mod builtin;
pub mod strategies;
mod strategy;

pub use builtin::BUILTIN;
pub use strategy::{
    ALL_METADATA, Generation, KEEP_STATUS, Part, Propagation, RESET_METADATA_FOR_STATUS, Requester, Strategy,
    semantically_equal,
};

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex};

use serde_json::Value;

use crate::crd::StructuralSchema;
use crate::crd::printer_columns::JsonPath;
use crate::schema::{GroupKind, GroupResource};

/// One resource type as the API serves it.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceInfo {
    /// API group; empty for the core (`v1`) group.
    pub group: &'static str,
    pub version: &'static str,
    /// Plural name used in URLs (`pods`).
    pub resource: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    /// Subresources served under `…/{name}/{subresource}`.
    pub subresources: &'static [&'static str],
    /// What may be done to it: [`VERBS`] for stored resources, `create` alone for
    /// requests that ask a question instead of storing an object (reviews).
    pub verbs: &'static [&'static str],
    /// What a CustomResourceDefinition says about this resource; `None` for built-ins.
    pub custom: Option<Arc<CustomResource>>,
    /// What the server owns in this resource's objects on each write.
    pub strategy: &'static Strategy,
}

/// What a CRD says about one served version of its resource.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomResource {
    /// The CRD's name (`widgets.example.com`).
    pub definition: String,
    /// The version objects are stored in; every served version reads and writes them.
    pub storage_version: String,
    /// `spec.conversion.strategy: Webhook`: objects change shape between versions, and
    /// only the CRD's webhook can convert them (Myriad does not call webhooks yet).
    pub webhook_conversion: bool,
    /// This version's `schema.openAPIV3Schema`, as written (what OpenAPI documents show).
    pub schema: Option<Value>,
    /// The same schema decoded once, for pruning, defaulting and validating objects.
    pub structural: Option<StructuralSchema>,
    /// Table columns after NAME (AGE when the CRD names none, as upstream).
    pub columns: Vec<PrinterColumn>,
    /// `subresources.scale`, if served.
    pub scale: Option<ScalePaths>,
    /// The CRD is being deleted: its objects may be read and deleted, not created.
    pub terminating: bool,
    /// Field selector labels of this version's `selectableFields` (`spec.colour`).
    pub selectable_fields: Vec<String>,
}

/// One `additionalPrinterColumns` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct PrinterColumn {
    pub name: String,
    /// integer, number, string, boolean or date.
    pub kind: String,
    pub format: String,
    pub description: String,
    pub priority: i64,
    /// `jsonPath`, parsed; `None` when it does not parse (CRD validation refuses those).
    pub json_path: Option<JsonPath>,
}

/// Where the scale subresource finds replicas in the custom object.
#[derive(Clone, Debug, PartialEq)]
pub struct ScalePaths {
    pub spec_replicas: String,
    pub status_replicas: String,
    pub label_selector: Option<String>,
}

/// Verbs every built-in resource supports (kubectl reads them from discovery).
pub const VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

impl ResourceInfo {
    /// `v1` for the core group, else `group/version`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `resource` or `resource.group`, as Kubernetes names a resource in messages.
    pub fn group_resource(&self) -> String {
        if self.group.is_empty() {
            self.resource.to_string()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }

    /// The store prefix holding every object of this resource, in Kubernetes' layout
    /// (`/registry/pods/` for built-ins, `/registry/{group}/{resource}/` for custom
    /// resources), so a store router can move one resource type to its own backend.
    pub fn storage_prefix(&self) -> String {
        match self.custom {
            Some(_) => format!("/registry/{}/{}/", self.group, self.resource),
            None => format!("/registry/{}/", self.resource),
        }
    }

    /// Whether `name` is one of the subresources served.
    pub fn has_subresource(&self, name: &str) -> bool {
        self.subresources.contains(&name)
    }

    /// The store key of one object.
    pub fn storage_key(&self, namespace: Option<&str>, name: &str) -> String {
        match namespace {
            Some(ns) if self.namespaced => format!("{}{ns}/{name}", self.storage_prefix()),
            _ => format!("{}{name}", self.storage_prefix()),
        }
    }

    /// The store prefix of one namespace's objects (or all of them).
    pub fn namespace_prefix(&self, namespace: Option<&str>) -> String {
        match namespace {
            Some(ns) if self.namespaced => format!("{}{ns}/", self.storage_prefix()),
            _ => self.storage_prefix(),
        }
    }

    /// The kind of this resource's list (`PodList`).
    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }
}

impl From<&ResourceInfo> for GroupResource {
    fn from(info: &ResourceInfo) -> Self {
        Self::new(info.group, info.resource)
    }
}

impl From<&ResourceInfo> for GroupKind {
    fn from(info: &ResourceInfo) -> Self {
        Self::new(info.group, info.kind)
    }
}

/// Orders API versions preferred first, as upstream's `CompareKubeAwareVersionStrings`:
/// GA before beta before alpha, higher major then higher minor first
/// (`v2, v1, v11beta2, v10beta3, v3beta1, v12alpha1`), other strings last, alphabetically.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    /// (stability: 2 GA, 1 beta, 0 alpha; major; minor)
    fn parse(version: &str) -> Option<(u8, u64, u64)> {
        let rest = version.strip_prefix('v')?;
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        let major = rest[..digits].parse().ok()?;
        let (stability, minor) = match &rest[digits..] {
            "" => return Some((2, major, 0)),
            tail => match (tail.strip_prefix("beta"), tail.strip_prefix("alpha")) {
                (Some(minor), _) => (1, minor),
                (_, Some(minor)) => (0, minor),
                _ => return None,
            },
        };
        if minor.is_empty() || !minor.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some((stability, major, minor.parse().ok()?))
    }
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// A `&'static str` equal to `s`. Custom resources' names live as long as the process;
/// each distinct string is stored once, so redefining a CRD does not grow memory.
pub fn intern(s: &str) -> &'static str {
    static STRINGS: LazyLock<Mutex<HashSet<&'static str>>> = LazyLock::new(Default::default);
    let mut strings = STRINGS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match strings.get(s) {
        Some(interned) => interned,
        None => {
            let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
            strings.insert(leaked);
            leaked
        }
    }
}

/// A `&'static` list equal to `items`, stored once per distinct list (see [`intern`]).
pub fn intern_list(items: &[String]) -> &'static [&'static str] {
    static LISTS: LazyLock<Mutex<HashSet<&'static [&'static str]>>> = LazyLock::new(Default::default);
    let items: Vec<&'static str> = items.iter().map(|s| intern(s)).collect();
    let mut lists = LISTS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match lists.get(items.as_slice()) {
        Some(interned) => interned,
        None => {
            let leaked: &'static [&'static str] = Box::leak(items.into_boxed_slice());
            lists.insert(leaked);
            leaked
        }
    }
}

/// The API groups in discovery order (the core group is served under `/api`).
pub fn groups() -> Vec<&'static str> {
    let mut groups: Vec<&'static str> = Vec::new();
    for info in BUILTIN {
        if !info.group.is_empty() && !groups.contains(&info.group) {
            groups.push(info.group);
        }
    }
    groups
}

/// The resource served at `group/version/resource`, if any.
pub fn lookup(group: &str, version: &str, resource: &str) -> Option<&'static ResourceInfo> {
    lookup_index(group, version, resource).map(|i| &BUILTIN[i])
}

/// The position in [`BUILTIN`] of the resource served at `group/version/resource`.
/// Every request looks its resource up, so this is a hash lookup by resource name
/// (shared by at most a few group versions), not a scan of the table.
pub fn lookup_index(group: &str, version: &str, resource: &str) -> Option<usize> {
    static BY_RESOURCE: LazyLock<HashMap<&'static str, Vec<usize>>> = LazyLock::new(|| index_by(|r| r.resource));
    BY_RESOURCE
        .get(resource)?
        .iter()
        .copied()
        .find(|&i| BUILTIN[i].group == group && BUILTIN[i].version == version)
}

/// The built-in resources of `kind` in `group`, in every version served.
pub fn of_kind<'a>(group: &'a str, kind: &str) -> impl Iterator<Item = &'static ResourceInfo> + 'a {
    static BY_KIND: LazyLock<HashMap<&'static str, Vec<usize>>> = LazyLock::new(|| index_by(|r| r.kind));
    BY_KIND
        .get(kind)
        .into_iter()
        .flatten()
        .map(|&i| &BUILTIN[i])
        .filter(move |r| r.group == group)
}

fn index_by(key: impl Fn(&'static ResourceInfo) -> &'static str) -> HashMap<&'static str, Vec<usize>> {
    let mut index: HashMap<&'static str, Vec<usize>> = HashMap::new();
    for (i, info) in BUILTIN.iter().enumerate() {
        index.entry(key(info)).or_default().push(i);
    }
    index
}

/// Every resource of one group version.
pub fn resources_of(group: &str, version: &str) -> impl Iterator<Item = &'static ResourceInfo> {
    let (group, version) = (group.to_string(), version.to_string());
    BUILTIN.iter().filter(move |r| r.group == group && r.version == version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names_for_messages() {
        let info = lookup("apps", "v1", "deployments").expect("deployments are built in");
        assert_eq!(GroupResource::from(info).to_string(), info.group_resource());
        assert_eq!(GroupKind::from(info).to_string(), "Deployment.apps");
    }

    #[test]
    fn keys_and_names() {
        let pods = lookup("", "v1", "pods").unwrap();
        assert_eq!(pods.storage_key(Some("default"), "web"), "/registry/pods/default/web");
        assert_eq!(pods.namespace_prefix(None), "/registry/pods/");
        let ns = lookup("", "v1", "namespaces").unwrap();
        assert_eq!(
            ns.storage_key(Some("ignored"), "kube-system"),
            "/registry/namespaces/kube-system"
        );
        let deploy = lookup("apps", "v1", "deployments").unwrap();
        assert_eq!(deploy.api_version(), "apps/v1");
        assert_eq!(deploy.group_resource(), "deployments.apps");
        assert_eq!(
            groups(),
            vec![
                "apiregistration.k8s.io",
                "apps",
                "events.k8s.io",
                "authentication.k8s.io",
                "authorization.k8s.io",
                "autoscaling",
                "batch",
                "certificates.k8s.io",
                "networking.k8s.io",
                "policy",
                "rbac.authorization.k8s.io",
                "storage.k8s.io",
                "admissionregistration.k8s.io",
                "apiextensions.k8s.io",
                "scheduling.k8s.io",
                "coordination.k8s.io",
                "node.k8s.io",
                "discovery.k8s.io",
                "flowcontrol.apiserver.k8s.io",
                "tenancy.myriad.io",
            ]
        );
    }

    #[test]
    fn versions_order_like_upstream() {
        let mut versions = vec![
            "foo10",
            "v1alpha1",
            "v11alpha2",
            "v1",
            "v3beta1",
            "v12alpha1",
            "v10beta3",
            "foo1",
            "v2",
            "v11beta2",
        ];
        versions.sort_by(|a, b| compare_versions(a, b));
        assert_eq!(
            versions,
            [
                "v2",
                "v1",
                "v11beta2",
                "v10beta3",
                "v3beta1",
                "v12alpha1",
                "v11alpha2",
                "v1alpha1",
                "foo1",
                "foo10"
            ]
        );
    }

    #[test]
    fn storage_prefixes_are_unique_per_resource_type() {
        // core and events.k8s.io events share one storage prefix, as in Kubernetes: they
        // are two views of one stored type.
        let mut prefixes: Vec<(String, &str)> = BUILTIN.iter().map(|r| (r.storage_prefix(), r.kind)).collect();
        prefixes.sort();
        for pair in prefixes.windows(2) {
            assert!(pair[0].0 != pair[1].0 || pair[0].1 == pair[1].1, "{pair:?}");
        }
    }
}
