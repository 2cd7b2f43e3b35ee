//! The admission plugins kube-apiserver runs by default, for the built-in kinds they
//! act on: each may change an object about to be stored (mutating, before the kind's
//! validation) or refuse it with upstream's 403 (validating, after). They read
//! cluster state — ServiceAccounts, PriorityClasses, RuntimeClasses, StorageClasses,
//! IngressClasses, LimitRanges — from the watch cache, as upstream's plugins read
//! their informers.
//!
//! * [`plugins`]: the plugin names, which are on (`--enable-admission-plugins`,
//!   `--disable-admission-plugins`), and the order they run in.
//! * [`lookup`]: reading cluster state.
//! * One file per plugin (or pair that acts on one kind): [`service_account`],
//!   [`priority`], [`tolerations`] (DefaultTolerationSeconds, TaintNodesByCondition),
//!   [`runtime_class`], [`storage`] (DefaultStorageClass,
//!   StorageObjectInUseProtection), [`ingress_class`], [`limit_ranger`],
//!   [`resource_quota`].
//!
//! NamespaceLifecycle is the registry's own check (`registry::namespaces`).

mod ingress_class;
mod limit_ranger;
pub(crate) mod lookup;
pub(crate) mod plugins;
pub(crate) mod priority;
mod resource_quota;
mod runtime_class;
mod service_account;
mod storage;
mod tolerations;

use std::sync::Arc;

use myriad_api::registry::ResourceInfo;
use myriad_store::Router as StoreRouter;
use serde_json::Value;

use self::lookup::Lookup;
use self::plugins::{Plugin, Plugins};
use crate::cache::Caches;
use crate::error::ApiError;

/// The operation a plugin sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Operation {
    Create,
    Update,
}

/// One admission request: what is written, by which operation, to which resource
/// (subresource writes are not admitted by these plugins).
pub(crate) struct Attributes<'a> {
    pub(crate) info: &'a ResourceInfo,
    pub(crate) namespace: &'a str,
    pub(crate) name: &'a str,
    pub(crate) operation: Operation,
    pub(crate) old: Option<&'a Value>,
    /// `dryRun=All`: check, but record nothing (a quota's usage).
    pub(crate) dry_run: bool,
}

impl Attributes<'_> {
    fn is(&self, group: &str, resource: &str) -> bool {
        self.info.group == group && self.info.resource == resource
    }

    /// Upstream's `admission.NewForbidden`: 403 `<resource> "<name>" is forbidden: …`.
    fn forbidden(&self, message: impl Into<String>) -> ApiError {
        ApiError::forbidden(self.info, self.name, message)
    }
}

/// The plugins that are on, and what they read.
pub(crate) struct Admission {
    plugins: Plugins,
    lookup: Lookup,
    store: Arc<StoreRouter>,
}

impl Admission {
    pub(crate) fn new(plugins: Plugins, caches: Arc<Caches>, store: Arc<StoreRouter>) -> Admission {
        Admission {
            plugins,
            lookup: Lookup::new(caches, store.clone()),
            store,
        }
    }

    /// The mutating phase, in upstream's order.
    pub(crate) async fn mutate(&self, attrs: &Attributes<'_>, object: &mut Value) -> Result<(), ApiError> {
        for plugin in self.plugins.enabled() {
            match plugin {
                Plugin::LimitRanger => limit_ranger::admit(&self.lookup, attrs, object).await?,
                Plugin::ServiceAccount => service_account::admit(&self.lookup, attrs, object).await?,
                Plugin::TaintNodesByCondition => tolerations::taint_new_node(attrs, object),
                Plugin::Priority => priority::admit(&self.lookup, attrs, object).await?,
                Plugin::DefaultTolerationSeconds => tolerations::default_toleration_seconds(attrs, object),
                Plugin::DefaultStorageClass => storage::default_storage_class(&self.lookup, attrs, object).await?,
                Plugin::StorageObjectInUseProtection => storage::in_use_protection(attrs, object),
                Plugin::RuntimeClass => runtime_class::admit(&self.lookup, attrs, object).await?,
                Plugin::DefaultIngressClass => ingress_class::admit(&self.lookup, attrs, object).await?,
                Plugin::ResourceQuota => {}
            }
        }
        Ok(())
    }

    /// The validating phase, after the kind's own validation.
    pub(crate) async fn validate(&self, attrs: &Attributes<'_>, object: &Value) -> Result<(), ApiError> {
        for plugin in self.plugins.enabled() {
            match plugin {
                Plugin::LimitRanger => limit_ranger::validate(&self.lookup, attrs, object).await?,
                Plugin::Priority => priority::validate(&self.lookup, attrs, object).await?,
                Plugin::RuntimeClass => runtime_class::validate(&self.lookup, attrs, object).await?,
                Plugin::ResourceQuota => resource_quota::validate(&self.lookup, &self.store, attrs, object).await?,
                _ => {}
            }
        }
        Ok(())
    }
}
