//! Admission plugin names as kube-apiserver spells them, which of them Myriad runs,
//! and the `--enable-admission-plugins`/`--disable-admission-plugins` rules: the
//! default set is upstream's default set (of the plugins Myriad has); naming a plugin
//! Myriad does not have in the enable list is an error at start, in the disable list
//! a no-op (it is not running).

use std::collections::BTreeSet;

/// The plugins Myriad implements, in the order kube-apiserver runs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Plugin {
    LimitRanger,
    ServiceAccount,
    TaintNodesByCondition,
    Priority,
    DefaultTolerationSeconds,
    DefaultStorageClass,
    StorageObjectInUseProtection,
    RuntimeClass,
    DefaultIngressClass,
    ResourceQuota,
}

impl Plugin {
    pub(crate) const ALL: [Plugin; 10] = [
        Plugin::LimitRanger,
        Plugin::ServiceAccount,
        Plugin::TaintNodesByCondition,
        Plugin::Priority,
        Plugin::DefaultTolerationSeconds,
        Plugin::DefaultStorageClass,
        Plugin::StorageObjectInUseProtection,
        Plugin::RuntimeClass,
        Plugin::DefaultIngressClass,
        Plugin::ResourceQuota,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Plugin::LimitRanger => "LimitRanger",
            Plugin::ServiceAccount => "ServiceAccount",
            Plugin::TaintNodesByCondition => "TaintNodesByCondition",
            Plugin::Priority => "Priority",
            Plugin::DefaultTolerationSeconds => "DefaultTolerationSeconds",
            Plugin::DefaultStorageClass => "DefaultStorageClass",
            Plugin::StorageObjectInUseProtection => "StorageObjectInUseProtection",
            Plugin::RuntimeClass => "RuntimeClass",
            Plugin::DefaultIngressClass => "DefaultIngressClass",
            Plugin::ResourceQuota => "ResourceQuota",
        }
    }

    fn parse(name: &str) -> Option<Plugin> {
        Plugin::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// Every plugin kube-apiserver 1.33 knows, so a disable list written for it works here.
const UPSTREAM: &[&str] = &[
    "AlwaysAdmit",
    "AlwaysDeny",
    "AlwaysPullImages",
    "CertificateApproval",
    "CertificateSigning",
    "CertificateSubjectRestriction",
    "ClusterTrustBundleAttest",
    "DefaultIngressClass",
    "DefaultStorageClass",
    "DefaultTolerationSeconds",
    "DenyServiceExternalIPs",
    "EventRateLimit",
    "ExtendedResourceToleration",
    "ImagePolicyWebhook",
    "LimitPodHardAntiAffinityTopology",
    "LimitRanger",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionWebhook",
    "NamespaceAutoProvision",
    "NamespaceExists",
    "NamespaceLifecycle",
    "NodeRestriction",
    "OwnerReferencesPermissionEnforcement",
    "PersistentVolumeClaimResize",
    "PodNodeSelector",
    "PodSecurity",
    "PodTolerationRestriction",
    "Priority",
    "ResourceQuota",
    "RuntimeClass",
    "ServiceAccount",
    "StorageObjectInUseProtection",
    "TaintNodesByCondition",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionWebhook",
];

/// Errors of the plugin flags.
#[derive(Debug, thiserror::Error)]
pub enum PluginsError {
    #[error("unknown admission plugin {0:?}")]
    Unknown(String),
    #[error("admission plugin {0:?} is not available in Myriad")]
    Unavailable(String),
}

/// The plugins that run.
#[derive(Clone, Debug)]
pub(crate) struct Plugins {
    enabled: BTreeSet<Plugin>,
}

impl Plugins {
    /// Upstream's defaults, plus `enable`, minus `disable` (comma-separated names).
    pub(crate) fn from_flags(enable: &[String], disable: &[String]) -> Result<Plugins, PluginsError> {
        let mut enabled: BTreeSet<Plugin> = Plugin::ALL.into_iter().collect();
        for name in enable.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
            match Plugin::parse(name) {
                Some(plugin) => {
                    enabled.insert(plugin);
                }
                // Always on in Myriad: the registry's own namespace check.
                None if name == "NamespaceLifecycle" => {}
                None if UPSTREAM.contains(&name) => return Err(PluginsError::Unavailable(name.into())),
                None => return Err(PluginsError::Unknown(name.into())),
            }
        }
        for name in disable.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
            match Plugin::parse(name) {
                Some(plugin) => {
                    enabled.remove(&plugin);
                }
                None if UPSTREAM.contains(&name) => {}
                None => return Err(PluginsError::Unknown(name.into())),
            }
        }
        Ok(Plugins { enabled })
    }

    /// The plugins that run, in upstream's order.
    pub(crate) fn enabled(&self) -> impl Iterator<Item = Plugin> + '_ {
        self.enabled.iter().copied()
    }
}

impl Default for Plugins {
    fn default() -> Self {
        Plugins {
            enabled: Plugin::ALL.into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(plugins: &Plugins) -> Vec<&'static str> {
        plugins.enabled().map(Plugin::name).collect()
    }

    #[test]
    fn flags_add_and_remove_plugins_in_upstream_order() {
        let all = Plugins::default();
        assert_eq!(
            names(&all)[..3],
            ["LimitRanger", "ServiceAccount", "TaintNodesByCondition"]
        );
        let without = Plugins::from_flags(&[], &["ServiceAccount".into(), "PodSecurity".into()]).unwrap();
        assert!(!names(&without).contains(&"ServiceAccount"));
        assert_eq!(names(&without).len(), Plugin::ALL.len() - 1);
        assert!(matches!(
            Plugins::from_flags(&["AlwaysPullImages".into()], &[]),
            Err(PluginsError::Unavailable(_))
        ));
        assert!(matches!(
            Plugins::from_flags(&[], &["Nope".into()]),
            Err(PluginsError::Unknown(_))
        ));
    }
}
