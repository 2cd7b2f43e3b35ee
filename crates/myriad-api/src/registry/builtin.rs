//! Kubernetes 1.33's own resources, as `kubectl api-resources` lists them against
//! upstream: every resource of the default API groups (core, admissionregistration,
//! apiextensions, apiregistration, apps, authentication, authorization, autoscaling,
//! batch, certificates, coordination, discovery, events, flowcontrol, networking, node,
//! policy, rbac, scheduling, storage) plus Myriad's tenancy group, with their short
//! names, categories, subresources, verbs and write rules. Discovery, OpenAPI, the
//! watch cache and the registry all read this one table.

use super::strategies;
use super::strategy::Strategy;
use super::{ResourceInfo, VERBS};

/// An entry with the full verb set and no extras; the methods below add them, so each
/// line of the table reads like `kubectl api-resources`.
const fn resource(
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    singular: &'static str,
    kind: &'static str,
    namespaced: bool,
) -> ResourceInfo {
    ResourceInfo {
        group,
        version,
        resource: plural,
        singular,
        kind,
        namespaced,
        short_names: &[],
        categories: &[],
        subresources: &[],
        verbs: VERBS,
        custom: None,
        strategy: &Strategy::PLAIN,
    }
}

impl ResourceInfo {
    const fn short(mut self, names: &'static [&'static str]) -> Self {
        self.short_names = names;
        self
    }

    const fn categories(mut self, categories: &'static [&'static str]) -> Self {
        self.categories = categories;
        self
    }

    const fn subresources(mut self, subresources: &'static [&'static str]) -> Self {
        self.subresources = subresources;
        self
    }

    const fn verbs(mut self, verbs: &'static [&'static str]) -> Self {
        self.verbs = verbs;
        self
    }

    const fn strategy(mut self, strategy: &'static Strategy) -> Self {
        self.strategy = strategy;
        self
    }
}

/// Verbs of a resource that answers a question and stores nothing (reviews) or only
/// accepts creates (the legacy `bindings`).
const CREATE_ONLY: &[&str] = &["create"];
/// Namespaces have no DELETECOLLECTION, as upstream.
const NAMESPACE_VERBS: &[&str] = &["create", "delete", "get", "list", "patch", "update", "watch"];
/// ComponentStatuses are computed on read.
const READ_ONLY: &[&str] = &["get", "list"];

const ALL: &[&str] = &["all"];
const API_EXTENSIONS: &[&str] = &["api-extensions"];

/// Every built-in resource, grouped by API group in upstream's discovery order (its
/// APIService group priorities: core, apiregistration, apps, events, … flowcontrol),
/// then Myriad's own group.
pub static BUILTIN: &[ResourceInfo] = &[
    // core/v1
    resource("", "v1", "bindings", "binding", "Binding", true).verbs(CREATE_ONLY),
    resource(
        "",
        "v1",
        "componentstatuses",
        "componentstatus",
        "ComponentStatus",
        false,
    )
    .short(&["cs"])
    .verbs(READ_ONLY),
    resource("", "v1", "configmaps", "configmap", "ConfigMap", true).short(&["cm"]),
    resource("", "v1", "endpoints", "endpoints", "Endpoints", true)
        .short(&["ep"])
        .strategy(&strategies::PLAIN_PUT_CREATES),
    resource("", "v1", "events", "event", "Event", true)
        .short(&["ev"])
        .strategy(&strategies::PLAIN_PUT_CREATES),
    resource("", "v1", "limitranges", "limitrange", "LimitRange", true)
        .short(&["limits"])
        .strategy(&strategies::PLAIN_PUT_CREATES),
    resource("", "v1", "namespaces", "namespace", "Namespace", false)
        .short(&["ns"])
        .subresources(&["status", "finalize"])
        .verbs(NAMESPACE_VERBS)
        .strategy(&strategies::NAMESPACE),
    resource("", "v1", "nodes", "node", "Node", false)
        .short(&["no"])
        .subresources(&["status"])
        .strategy(&strategies::NODE),
    resource(
        "",
        "v1",
        "persistentvolumeclaims",
        "persistentvolumeclaim",
        "PersistentVolumeClaim",
        true,
    )
    .short(&["pvc"])
    .subresources(&["status"])
    .strategy(&strategies::PERSISTENT_VOLUME_CLAIM),
    resource(
        "",
        "v1",
        "persistentvolumes",
        "persistentvolume",
        "PersistentVolume",
        false,
    )
    .short(&["pv"])
    .subresources(&["status"])
    .strategy(&strategies::PERSISTENT_VOLUME),
    resource("", "v1", "pods", "pod", "Pod", true)
        .short(&["po"])
        .categories(ALL)
        .subresources(&["status", "binding", "eviction", "ephemeralcontainers"])
        .strategy(&strategies::POD),
    resource("", "v1", "podtemplates", "podtemplate", "PodTemplate", true).strategy(&strategies::CONTENT_GENERATION),
    resource(
        "",
        "v1",
        "replicationcontrollers",
        "replicationcontroller",
        "ReplicationController",
        true,
    )
    .short(&["rc"])
    .categories(ALL)
    .subresources(&["status", "scale"])
    .strategy(&strategies::REPLICATION_CONTROLLER),
    resource("", "v1", "resourcequotas", "resourcequota", "ResourceQuota", true)
        .short(&["quota"])
        .subresources(&["status"])
        .strategy(&strategies::STATUS_WITHOUT_GENERATION),
    resource("", "v1", "secrets", "secret", "Secret", true),
    resource("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true)
        .short(&["sa"])
        .subresources(&["token"])
        .strategy(&strategies::SERVICE_ACCOUNT),
    resource("", "v1", "services", "service", "Service", true)
        .short(&["svc"])
        .categories(ALL)
        .subresources(&["status"])
        .strategy(&strategies::SERVICE),
    // apiregistration.k8s.io/v1
    resource(
        "apiregistration.k8s.io",
        "v1",
        "apiservices",
        "apiservice",
        "APIService",
        false,
    )
    .categories(API_EXTENSIONS)
    .subresources(&["status"])
    .strategy(&strategies::API_SERVICE),
    // apps/v1
    resource(
        "apps",
        "v1",
        "controllerrevisions",
        "controllerrevision",
        "ControllerRevision",
        true,
    ),
    resource("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true)
        .short(&["ds"])
        .categories(ALL)
        .subresources(&["status"])
        .strategy(&Strategy::SPEC_AND_STATUS),
    resource("apps", "v1", "deployments", "deployment", "Deployment", true)
        .short(&["deploy"])
        .categories(ALL)
        .subresources(&["status", "scale"])
        .strategy(&strategies::DEPLOYMENT),
    resource("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true)
        .short(&["rs"])
        .categories(ALL)
        .subresources(&["status", "scale"])
        .strategy(&Strategy::SPEC_AND_STATUS),
    resource("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true)
        .short(&["sts"])
        .categories(ALL)
        .subresources(&["status", "scale"])
        .strategy(&Strategy::SPEC_AND_STATUS),
    // events.k8s.io/v1
    resource("events.k8s.io", "v1", "events", "event", "Event", true)
        .short(&["ev"])
        .strategy(&strategies::PLAIN_PUT_CREATES),
    // authentication.k8s.io/v1
    resource(
        "authentication.k8s.io",
        "v1",
        "selfsubjectreviews",
        "selfsubjectreview",
        "SelfSubjectReview",
        false,
    )
    .verbs(CREATE_ONLY),
    resource(
        "authentication.k8s.io",
        "v1",
        "tokenreviews",
        "tokenreview",
        "TokenReview",
        false,
    )
    .verbs(CREATE_ONLY),
    // authorization.k8s.io/v1
    resource(
        "authorization.k8s.io",
        "v1",
        "localsubjectaccessreviews",
        "localsubjectaccessreview",
        "LocalSubjectAccessReview",
        true,
    )
    .verbs(CREATE_ONLY),
    resource(
        "authorization.k8s.io",
        "v1",
        "selfsubjectaccessreviews",
        "selfsubjectaccessreview",
        "SelfSubjectAccessReview",
        false,
    )
    .verbs(CREATE_ONLY),
    resource(
        "authorization.k8s.io",
        "v1",
        "selfsubjectrulesreviews",
        "selfsubjectrulesreview",
        "SelfSubjectRulesReview",
        false,
    )
    .verbs(CREATE_ONLY),
    resource(
        "authorization.k8s.io",
        "v1",
        "subjectaccessreviews",
        "subjectaccessreview",
        "SubjectAccessReview",
        false,
    )
    .verbs(CREATE_ONLY),
    // autoscaling: v2 is preferred and stored; v1 is served too.
    resource(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        "HorizontalPodAutoscaler",
        true,
    )
    .short(&["hpa"])
    .categories(ALL)
    .subresources(&["status"])
    .strategy(&strategies::STATUS_WITHOUT_GENERATION),
    resource(
        "autoscaling",
        "v1",
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        "HorizontalPodAutoscaler",
        true,
    )
    .short(&["hpa"])
    .categories(ALL)
    .subresources(&["status"])
    .strategy(&strategies::STATUS_WITHOUT_GENERATION),
    // batch/v1
    resource("batch", "v1", "cronjobs", "cronjob", "CronJob", true)
        .short(&["cj"])
        .categories(ALL)
        .subresources(&["status"])
        .strategy(&Strategy::SPEC_AND_STATUS),
    resource("batch", "v1", "jobs", "job", "Job", true)
        .categories(ALL)
        .subresources(&["status"])
        .strategy(&strategies::JOB),
    // certificates.k8s.io/v1
    resource(
        "certificates.k8s.io",
        "v1",
        "certificatesigningrequests",
        "certificatesigningrequest",
        "CertificateSigningRequest",
        false,
    )
    .short(&["csr"])
    .subresources(&["status", "approval"])
    .strategy(&strategies::CERTIFICATE_SIGNING_REQUEST),
    // networking.k8s.io/v1
    resource(
        "networking.k8s.io",
        "v1",
        "ingressclasses",
        "ingressclass",
        "IngressClass",
        false,
    )
    .strategy(&strategies::SPEC_GENERATION),
    resource("networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", true)
        .short(&["ing"])
        .subresources(&["status"])
        .strategy(&strategies::INGRESS),
    resource(
        "networking.k8s.io",
        "v1",
        "ipaddresses",
        "ipaddress",
        "IPAddress",
        false,
    )
    .short(&["ip"]),
    resource(
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "networkpolicy",
        "NetworkPolicy",
        true,
    )
    .short(&["netpol"])
    .strategy(&strategies::SPEC_GENERATION),
    resource(
        "networking.k8s.io",
        "v1",
        "servicecidrs",
        "servicecidr",
        "ServiceCIDR",
        false,
    )
    .subresources(&["status"])
    .strategy(&strategies::SERVICE_CIDR),
    // policy/v1
    resource(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "poddisruptionbudget",
        "PodDisruptionBudget",
        true,
    )
    .short(&["pdb"])
    .subresources(&["status"])
    .strategy(&Strategy::SPEC_AND_STATUS),
    // rbac.authorization.k8s.io/v1
    resource(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "clusterrolebinding",
        "ClusterRoleBinding",
        false,
    )
    .strategy(&strategies::PLAIN_PUT_CREATES),
    resource(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "clusterrole",
        "ClusterRole",
        false,
    )
    .strategy(&strategies::PLAIN_PUT_CREATES),
    resource(
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "rolebinding",
        "RoleBinding",
        true,
    )
    .strategy(&strategies::PLAIN_PUT_CREATES),
    resource("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true).strategy(&strategies::PLAIN_PUT_CREATES),
    // storage.k8s.io/v1
    resource("storage.k8s.io", "v1", "csidrivers", "csidriver", "CSIDriver", false),
    resource("storage.k8s.io", "v1", "csinodes", "csinode", "CSINode", false),
    resource(
        "storage.k8s.io",
        "v1",
        "csistoragecapacities",
        "csistoragecapacity",
        "CSIStorageCapacity",
        true,
    ),
    resource(
        "storage.k8s.io",
        "v1",
        "storageclasses",
        "storageclass",
        "StorageClass",
        false,
    )
    .short(&["sc"]),
    resource(
        "storage.k8s.io",
        "v1",
        "volumeattachments",
        "volumeattachment",
        "VolumeAttachment",
        false,
    )
    .subresources(&["status"])
    .strategy(&strategies::VOLUME_ATTACHMENT),
    // admissionregistration.k8s.io/v1
    resource(
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "mutatingwebhookconfiguration",
        "MutatingWebhookConfiguration",
        false,
    )
    .categories(API_EXTENSIONS)
    .strategy(&strategies::CONTENT_GENERATION),
    resource(
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicies",
        "validatingadmissionpolicy",
        "ValidatingAdmissionPolicy",
        false,
    )
    .categories(API_EXTENSIONS)
    .subresources(&["status"])
    .strategy(&strategies::STATUS_RESETS_METADATA),
    resource(
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicybindings",
        "validatingadmissionpolicybinding",
        "ValidatingAdmissionPolicyBinding",
        false,
    )
    .categories(API_EXTENSIONS)
    .strategy(&strategies::SPEC_GENERATION),
    resource(
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "validatingwebhookconfiguration",
        "ValidatingWebhookConfiguration",
        false,
    )
    .categories(API_EXTENSIONS)
    .strategy(&strategies::CONTENT_GENERATION),
    // apiextensions.k8s.io/v1
    resource(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "customresourcedefinition",
        "CustomResourceDefinition",
        false,
    )
    .short(&["crd", "crds"])
    .categories(API_EXTENSIONS)
    .subresources(&["status"])
    .strategy(&strategies::CUSTOM_RESOURCE_DEFINITION),
    // scheduling.k8s.io/v1
    resource(
        "scheduling.k8s.io",
        "v1",
        "priorityclasses",
        "priorityclass",
        "PriorityClass",
        false,
    )
    .short(&["pc"])
    .strategy(&strategies::PRIORITY_CLASS),
    // coordination.k8s.io/v1
    resource("coordination.k8s.io", "v1", "leases", "lease", "Lease", true).strategy(&strategies::PLAIN_PUT_CREATES),
    // node.k8s.io/v1
    resource(
        "node.k8s.io",
        "v1",
        "runtimeclasses",
        "runtimeclass",
        "RuntimeClass",
        false,
    )
    .strategy(&strategies::PLAIN_PUT_CREATES),
    // discovery.k8s.io/v1
    resource(
        "discovery.k8s.io",
        "v1",
        "endpointslices",
        "endpointslice",
        "EndpointSlice",
        true,
    )
    .strategy(&strategies::ENDPOINT_SLICE),
    // flowcontrol.apiserver.k8s.io/v1
    resource(
        "flowcontrol.apiserver.k8s.io",
        "v1",
        "flowschemas",
        "flowschema",
        "FlowSchema",
        false,
    )
    .subresources(&["status"])
    .strategy(&strategies::FLOW_CONTROL),
    resource(
        "flowcontrol.apiserver.k8s.io",
        "v1",
        "prioritylevelconfigurations",
        "prioritylevelconfiguration",
        "PriorityLevelConfiguration",
        false,
    )
    .subresources(&["status"])
    .strategy(&strategies::FLOW_CONTROL),
    // tenancy.myriad.io/v1alpha1: Myriad's own.
    resource("tenancy.myriad.io", "v1alpha1", "cells", "cell", "Cell", false)
        .subresources(&["status"])
        .strategy(&Strategy::SPEC_AND_STATUS),
];
