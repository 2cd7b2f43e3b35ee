//! Storage kinds: PersistentVolumes and PersistentVolumeClaims
//! (`pkg/apis/core/validation`), and the storage.k8s.io group — StorageClasses,
//! CSIDrivers, CSINodes, CSIStorageCapacities and VolumeAttachments
//! (`pkg/apis/storage/validation`).
//!
//! Upstream reports some immutability errors with a `go-cmp` diff of the two specs
//! appended; that text is deliberately unstable upstream (go-cmp randomises its
//! whitespace so nobody parses it), so here the message stops before the diff.
//!
//! Feature gates as 1.33 ships them: VolumeAttributesClass is off (beta API), so a
//! volume attributes class name is not validated and changing it is refused;
//! RecoverVolumeExpansionFailure is on, so a claim's request may shrink down to (but not
//! to or below) its status capacity.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::OnceLock;

use k8s_openapi::api::core::v1::{
    PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimSpec, PersistentVolumeSpec, SecretReference,
    TypedLocalObjectReference, TypedObjectReference,
};
use k8s_openapi::api::storage::v1::{
    CSIDriver, CSINode, CSIStorageCapacity, StorageClass, VolumeAttachment, VolumeAttachmentSpec, VolumeError,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as ApiQuantity;
use regex::Regex;
use serde::Serialize;
use serde_json::Value;

use super::cluster::{amount, node_selector, resource_quantity_value, topology_selector_term};
use super::common::{IMMUTABLE, immutable, validate_label_selector};
use super::services::{dns_label, dns_subdomain, qualified_name};
use super::{Input, typed};
use crate::field_error::{FieldError, FieldPath, FieldValue};
use crate::quantity::Amount;
use crate::validation::{is_dns1123_subdomain, is_qualified_name};

pub(super) fn validate(group: &str, kind: &str, new: Input<'_>, old: Option<&Value>) -> Option<Vec<FieldError>> {
    Some(match (group, kind) {
        ("", "PersistentVolume") => typed(new, old, persistent_volume),
        ("", "PersistentVolumeClaim") => typed(new, old, persistent_volume_claim),
        ("storage.k8s.io", "StorageClass") => typed(new, old, storage_class),
        ("storage.k8s.io", "CSIDriver") => typed(new, old, csi_driver),
        ("storage.k8s.io", "CSINode") => typed(new, old, csi_node),
        ("storage.k8s.io", "CSIStorageCapacity") => typed(new, old, csi_storage_capacity),
        ("storage.k8s.io", "VolumeAttachment") => typed(new, old, volume_attachment),
        _ => return None,
    })
}

/// The errors of a status update (`.../status`) of the kinds this module covers.
pub(super) fn validate_status(group: &str, kind: &str, new: &Value, old: &Value) -> Option<Vec<FieldError>> {
    Some(match (group, kind) {
        ("", "PersistentVolumeClaim") => typed(new, Some(old), |new: &PersistentVolumeClaim, _| claim_status(new)),
        ("", "PersistentVolume") => Vec::new(),
        ("storage.k8s.io", "VolumeAttachment") => typed(new, Some(old), |new: &VolumeAttachment, _| {
            let mut errs = Vec::new();
            attachment_status(&mut errs, new);
            errs
        }),
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------
// Shared pieces.

const ACCESS_MODES: [&str; 4] = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];
const VOLUME_MODES: [&str; 2] = ["Block", "Filesystem"];
const STORAGE_CLASS_ANNOTATION: &str = "volume.beta.kubernetes.io/storage-class";

fn access_modes(errs: &mut Vec<FieldError>, modes: &[String], path: &FieldPath) {
    let (mut rwop, mut others) = (false, false);
    for mode in modes {
        if !ACCESS_MODES.contains(&mode.as_str()) {
            errs.push(FieldError::not_supported(path, mode.as_str(), &ACCESS_MODES));
        } else if mode == "ReadWriteOncePod" {
            rwop = true;
        } else {
            others = true;
        }
    }
    if rwop && others {
        errs.push(FieldError::forbidden(
            path,
            "may not use ReadWriteOncePod with other access modes",
        ));
    }
}

/// `ValidateCSIDriverName` (core's): required, at most 63 characters, a DNS subdomain
/// once lowercased.
fn csi_driver_name(errs: &mut Vec<FieldError>, name: &str, path: &FieldPath) {
    if name.is_empty() {
        errs.push(FieldError::required(path, ""));
    }
    if name.len() > 63 {
        errs.push(FieldError::too_long(path, 63));
    }
    for msg in is_dns1123_subdomain(&name.to_lowercase()) {
        errs.push(FieldError::invalid(path, name, msg));
    }
}

/// `validatePathNoBacksteps`.
fn no_backsteps(errs: &mut Vec<FieldError>, target: &str, path: &FieldPath) {
    if target.split('/').any(|part| part == "..") {
        errs.push(FieldError::invalid(path, target, "must not contain '..'"));
    }
}

fn required(errs: &mut Vec<FieldError>, value: &str, path: &FieldPath) {
    if value.is_empty() {
        errs.push(FieldError::required(path, ""));
    }
}

/// Go's `path.Clean(p) == "/"`: only slashes and `.`/`..` segments.
fn cleans_to_root(path: &str) -> bool {
    path.starts_with('/') && path.split('/').all(|part| matches!(part, "" | "." | ".."))
}

/// Semantic equality as apimachinery's `Semantic.DeepEqual` sees JSON: empty and
/// absent lists and maps are the same.
fn semantic(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, semantic(v)))
                .filter(|(_, v)| !is_empty(v))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(semantic).collect()),
        other => other,
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// Resource lists compared by value (`1Gi` equals `1024Mi`), as upstream compares
/// quantities.
fn same_resources(a: Option<&BTreeMap<String, ApiQuantity>>, b: Option<&BTreeMap<String, ApiQuantity>>) -> bool {
    fn parse(list: Option<&BTreeMap<String, ApiQuantity>>) -> BTreeMap<&str, Option<crate::quantity::Quantity>> {
        list.into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), crate::quantity::Quantity::parse(&v.0).ok()))
            .collect()
    }
    parse(a) == parse(b)
}

// ---------------------------------------------------------------------------------
// PersistentVolumes.

fn secret_reference(errs: &mut Vec<FieldError>, reference: &SecretReference, path: &FieldPath) {
    let name = reference.name.as_deref().unwrap_or("");
    if name.is_empty() {
        errs.push(FieldError::required(path.child("name"), ""));
    } else {
        dns_subdomain(errs, name, &path.child("name"));
    }
    let namespace = reference.namespace.as_deref().unwrap_or("");
    if namespace.is_empty() {
        errs.push(FieldError::required(path.child("namespace"), ""));
    } else {
        dns_label(errs, namespace, &path.child("namespace"));
    }
}

fn iscsi_regexes() -> &'static [Option<Regex>; 3] {
    static REGEXES: OnceLock<[Option<Regex>; 3]> = OnceLock::new();
    REGEXES.get_or_init(|| {
        // Upstream's expressions, as Go matches them (the IQN one is not anchored at
        // its start). They are constants; were one not to compile, nothing would match.
        [
            Regex::new(r"iqn\.\d{4}-\d{2}\.([[:alnum:]\-.]+)(:[^,;*&$|\s]+)$").ok(),
            Regex::new(r"^eui.[[:alnum:]]{16}$").ok(),
            Regex::new(r"^naa.[[:alnum:]]{32}$").ok(),
        ]
    })
}

/// Whether an iSCSI name with a known prefix has that prefix's format.
fn iscsi_name_ok(name: &str) -> bool {
    let [iqn, eui, naa] = iscsi_regexes();
    let matches = |re: &Option<Regex>| re.as_ref().is_some_and(|re| re.is_match(name));
    if name.starts_with("iqn") {
        matches(iqn)
    } else if name.starts_with("eui") {
        matches(eui)
    } else if name.starts_with("naa") {
        matches(naa)
    } else {
        true
    }
}

fn has_iscsi_prefix(name: &str) -> bool {
    name.starts_with("iqn") || name.starts_with("eui") || name.starts_with("naa")
}

/// Go's `net.SplitHostPort` succeeding.
fn splits_host_port(pair: &str) -> bool {
    if let Some(rest) = pair.strip_prefix('[') {
        let Some((host, port)) = rest.split_once(']') else {
            return false;
        };
        return !host.contains(']') && port.starts_with(':') && !port[1..].contains([':', '[', ']']);
    }
    match pair.rsplit_once(':') {
        Some((host, port)) => !host.contains(':') && !host.contains(['[', ']']) && !port.contains(['[', ']']),
        None => false,
    }
}

/// Counts a volume source: the first is validated, each later one refused.
struct Sources<'a> {
    count: usize,
    path: &'a FieldPath,
}

impl Sources<'_> {
    fn first(&mut self, errs: &mut Vec<FieldError>, field: &str) -> bool {
        if self.count > 0 {
            errs.push(FieldError::forbidden(
                self.path.child(field),
                "may not specify more than 1 volume type",
            ));
            false
        } else {
            self.count += 1;
            true
        }
    }
}

/// The volume sources of a PersistentVolumeSpec: exactly one, each checked as
/// upstream's `validate*PersistentVolumeSource`, in upstream's order.
fn volume_sources(
    errs: &mut Vec<FieldError>,
    spec: &PersistentVolumeSpec,
    pv_name: &str,
    has_affinity: bool,
    path: &FieldPath,
) {
    let mut sources = Sources { count: 0, path };
    if let Some(host_path) = &spec.host_path
        && sources.first(errs, "hostPath")
    {
        let here = path.child("hostPath");
        if host_path.path.is_empty() {
            errs.push(FieldError::required(here.child("path"), ""));
        } else {
            no_backsteps(errs, &host_path.path, &here.child("path"));
            const TYPES: [&str; 8] = [
                "",
                "BlockDevice",
                "CharDevice",
                "Directory",
                "DirectoryOrCreate",
                "File",
                "FileOrCreate",
                "Socket",
            ];
            if let Some(kind) = &host_path.type_
                && !TYPES.contains(&kind.as_str())
            {
                errs.push(FieldError::not_supported(here.child("type"), kind.as_str(), &TYPES));
            }
        }
    }
    let partition_error = "must be between 1 and 255, inclusive";
    if let Some(pd) = &spec.gce_persistent_disk
        && sources.first(errs, "gcePersistentDisk")
    {
        // Upstream validates it under `persistentDisk`.
        let here = path.child("persistentDisk");
        required(errs, &pd.pd_name, &here.child("pdName"));
        if let Some(partition) = pd.partition
            && !(0..=255).contains(&partition)
        {
            errs.push(FieldError::invalid(here.child("partition"), partition, partition_error));
        }
    }
    if let Some(ebs) = &spec.aws_elastic_block_store
        && sources.first(errs, "awsElasticBlockStore")
    {
        let here = path.child("awsElasticBlockStore");
        required(errs, &ebs.volume_id, &here.child("volumeID"));
        if let Some(partition) = ebs.partition
            && !(0..=255).contains(&partition)
        {
            errs.push(FieldError::invalid(here.child("partition"), partition, partition_error));
        }
    }
    if let Some(gluster) = &spec.glusterfs
        && sources.first(errs, "glusterfs")
    {
        let here = path.child("glusterfs");
        required(errs, &gluster.endpoints, &here.child("endpoints"));
        required(errs, &gluster.path, &here.child("path"));
        if let Some(namespace) = &gluster.endpoints_namespace {
            if namespace.is_empty() {
                errs.push(FieldError::invalid(
                    here.child("endpointsNamespace"),
                    "",
                    "if the endpointnamespace is set, it must be a valid namespace name",
                ));
            } else {
                dns_label(errs, namespace, &here.child("endpointsNamespace"));
            }
        }
    }
    if let Some(flocker) = &spec.flocker
        && sources.first(errs, "flocker")
    {
        let here = path.child("flocker");
        let name = flocker.dataset_name.as_deref().unwrap_or("");
        let uuid = flocker.dataset_uuid.as_deref().unwrap_or("");
        if name.is_empty() && uuid.is_empty() {
            errs.push(FieldError::required(
                &here,
                "one of datasetName and datasetUUID is required",
            ));
        }
        if !name.is_empty() && !uuid.is_empty() {
            errs.push(FieldError::invalid(
                &here,
                "resource",
                "datasetName and datasetUUID can not be specified simultaneously",
            ));
        }
        if name.contains('/') {
            errs.push(FieldError::invalid(
                here.child("datasetName"),
                name,
                "must not contain '/'",
            ));
        }
    }
    if let Some(nfs) = &spec.nfs
        && sources.first(errs, "nfs")
    {
        let here = path.child("nfs");
        required(errs, &nfs.server, &here.child("server"));
        required(errs, &nfs.path, &here.child("path"));
        if !nfs.path.starts_with('/') {
            errs.push(FieldError::invalid(
                here.child("path"),
                nfs.path.as_str(),
                "must be an absolute path",
            ));
        }
    }
    if let Some(rbd) = &spec.rbd
        && sources.first(errs, "rbd")
    {
        let here = path.child("rbd");
        if rbd.monitors.is_empty() {
            errs.push(FieldError::required(here.child("monitors"), ""));
        }
        required(errs, &rbd.image, &here.child("image"));
    }
    if let Some(quobyte) = &spec.quobyte
        && sources.first(errs, "quobyte")
    {
        let here = path.child("quobyte");
        let pairs = "must be a host:port pair or multiple pairs separated by commas";
        if quobyte.registry.is_empty() {
            errs.push(FieldError::required(here.child("registry"), pairs));
        } else if quobyte.tenant.as_deref().unwrap_or("").len() >= 65 {
            errs.push(FieldError::required(
                here.child("tenant"),
                "must be a UUID and may not exceed a length of 64 characters",
            ));
        } else {
            for pair in quobyte.registry.split(',') {
                if !splits_host_port(pair) {
                    errs.push(FieldError::invalid(
                        here.child("registry"),
                        quobyte.registry.as_str(),
                        pairs,
                    ));
                }
            }
        }
        required(errs, &quobyte.volume, &here.child("volume"));
    }
    if let Some(cephfs) = &spec.cephfs
        && sources.first(errs, "cephFS")
        && cephfs.monitors.is_empty()
    {
        errs.push(FieldError::required(path.child("cephfs").child("monitors"), ""));
    }
    if let Some(iscsi) = &spec.iscsi
        && sources.first(errs, "iscsi")
    {
        let here = path.child("iscsi");
        required(errs, &iscsi.target_portal, &here.child("targetPortal"));
        if iscsi.initiator_name.is_some() && pv_name.len() + 1 + iscsi.target_portal.len() > 64 {
            errs.push(FieldError::invalid(
                here.child("targetportal"),
                iscsi.target_portal.as_str(),
                "Total length of <volume name>:<iscsi.targetPortal> must be under 64 characters if iscsi.initiatorName is specified.",
            ));
        }
        if iscsi.iqn.is_empty() {
            errs.push(FieldError::required(here.child("iqn"), ""));
        } else if !has_iscsi_prefix(&iscsi.iqn) || !iscsi_name_ok(&iscsi.iqn) {
            errs.push(FieldError::invalid(
                here.child("iqn"),
                iscsi.iqn.as_str(),
                "must be valid format",
            ));
        }
        if !(0..=255).contains(&iscsi.lun) {
            errs.push(FieldError::invalid(
                here.child("lun"),
                iscsi.lun,
                "must be between 0 and 255, inclusive",
            ));
        }
        let chap = iscsi.chap_auth_discovery.unwrap_or(false) || iscsi.chap_auth_session.unwrap_or(false);
        if chap && iscsi.secret_ref.is_none() {
            errs.push(FieldError::required(here.child("secretRef"), ""));
        }
        if let Some(secret) = &iscsi.secret_ref
            && secret.name.as_deref().unwrap_or("").is_empty()
        {
            errs.push(FieldError::required(here.child("secretRef").child("name"), ""));
        }
        if let Some(initiator) = &iscsi.initiator_name {
            let initiator_path = here.child("initiatorname");
            if !has_iscsi_prefix(initiator) {
                errs.push(FieldError::invalid(
                    &initiator_path,
                    initiator.as_str(),
                    "must be valid format",
                ));
            }
            if !iscsi_name_ok(initiator) {
                errs.push(FieldError::invalid(
                    &initiator_path,
                    initiator.as_str(),
                    "must be valid format",
                ));
            }
        }
    }
    if let Some(cinder) = &spec.cinder
        && sources.first(errs, "cinder")
    {
        let here = path.child("cinder");
        required(errs, &cinder.volume_id, &here.child("volumeID"));
        if let Some(secret) = &cinder.secret_ref {
            required(
                errs,
                secret.name.as_deref().unwrap_or(""),
                &here.child("secretRef").child("name"),
            );
            required(
                errs,
                secret.namespace.as_deref().unwrap_or(""),
                &here.child("secretRef").child("namespace"),
            );
        }
    }
    if let Some(fc) = &spec.fc
        && sources.first(errs, "fc")
    {
        let here = path.child("fc");
        let wwns = fc.target_wwns.as_deref().unwrap_or_default();
        let wwids = fc.wwids.as_deref().unwrap_or_default();
        if wwns.is_empty() && wwids.is_empty() {
            errs.push(FieldError::required(
                here.child("targetWWNs"),
                "must specify either targetWWNs or wwids, but not both",
            ));
        }
        if !wwns.is_empty() && !wwids.is_empty() {
            errs.push(FieldError::invalid(
                here.child("targetWWNs"),
                FieldValue::json(wwns),
                "targetWWNs and wwids can not be specified simultaneously",
            ));
        }
        if !wwns.is_empty() {
            match fc.lun {
                None => errs.push(FieldError::required(
                    here.child("lun"),
                    "lun is required if targetWWNs is specified",
                )),
                Some(lun) if !(0..=255).contains(&lun) => errs.push(FieldError::invalid(
                    here.child("lun"),
                    lun,
                    "must be between 0 and 255, inclusive",
                )),
                Some(_) => {}
            }
        }
    }
    if let Some(flex) = &spec.flex_volume {
        // Upstream counts flexVolume without refusing it as a second source.
        sources.count += 1;
        let here = path.child("flexVolume");
        required(errs, &flex.driver, &here.child("driver"));
        for key in flex.options.iter().flatten().map(|(k, _)| k) {
            let namespace = key.split_once('/').map_or(key.as_str(), |(ns, _)| ns);
            let normalized = format!(".{}", namespace.to_lowercase());
            if normalized.ends_with(".kubernetes.io") || normalized.ends_with(".k8s.io") {
                errs.push(FieldError::invalid(
                    here.child("options").key(key),
                    key.as_str(),
                    "kubernetes.io and k8s.io namespaces are reserved",
                ));
            }
        }
    }
    if let Some(azure) = &spec.azure_file
        && sources.first(errs, "azureFile")
    {
        let here = path.child("azureFile");
        required(errs, &azure.secret_name, &here.child("secretName"));
        required(errs, &azure.share_name, &here.child("shareName"));
        if azure.secret_namespace.as_deref() == Some("") {
            errs.push(FieldError::required(here.child("secretNamespace"), ""));
        }
    }
    if let Some(vsphere) = &spec.vsphere_volume
        && sources.first(errs, "vsphereVolume")
    {
        required(
            errs,
            &vsphere.volume_path,
            &path.child("vsphereVolume").child("volumePath"),
        );
    }
    if let Some(photon) = &spec.photon_persistent_disk
        && sources.first(errs, "photonPersistentDisk")
    {
        required(errs, &photon.pd_id, &path.child("photonPersistentDisk").child("pdID"));
    }
    if let Some(portworx) = &spec.portworx_volume
        && sources.first(errs, "portworxVolume")
    {
        required(
            errs,
            &portworx.volume_id,
            &path.child("portworxVolume").child("volumeID"),
        );
    }
    if let Some(azure) = &spec.azure_disk
        && sources.first(errs, "azureDisk")
    {
        let here = path.child("azureDisk");
        required(errs, &azure.disk_name, &here.child("diskName"));
        required(errs, &azure.disk_uri, &here.child("diskURI"));
        const CACHING: [&str; 3] = ["None", "ReadOnly", "ReadWrite"];
        const KINDS: [&str; 3] = ["Dedicated", "Managed", "Shared"];
        if let Some(mode) = &azure.caching_mode
            && !CACHING.contains(&mode.as_str())
        {
            errs.push(FieldError::not_supported(
                here.child("cachingMode"),
                mode.as_str(),
                &CACHING,
            ));
        }
        if let Some(kind) = &azure.kind {
            if !KINDS.contains(&kind.as_str()) {
                errs.push(FieldError::not_supported(here.child("kind"), kind.as_str(), &KINDS));
            }
            if kind == "Managed" && !azure.disk_uri.starts_with("/subscriptions/") {
                errs.push(FieldError::not_supported(
                    here.child("diskURI"),
                    azure.disk_uri.as_str(),
                    &["/subscriptions/{sub-id}/resourcegroups/{group-name}/providers/microsoft.compute/disks/{disk-id}"],
                ));
            }
            if kind != "Managed" && !azure.disk_uri.starts_with("https://") {
                errs.push(FieldError::not_supported(
                    here.child("diskURI"),
                    azure.disk_uri.as_str(),
                    &["https://{account-name}.blob.core.windows.net/{container-name}/{disk-name}.vhd"],
                ));
            }
        }
    }
    if let Some(scale_io) = &spec.scale_io
        && sources.first(errs, "scaleIO")
    {
        let here = path.child("scaleIO");
        required(errs, &scale_io.gateway, &here.child("gateway"));
        required(errs, &scale_io.system, &here.child("system"));
        required(
            errs,
            scale_io.volume_name.as_deref().unwrap_or(""),
            &here.child("volumeName"),
        );
    }
    if let Some(source) = &spec.local
        && sources.first(errs, "local")
    {
        let here = path.child("local").child("path");
        if source.path.is_empty() {
            errs.push(FieldError::required(here, ""));
        } else {
            no_backsteps(errs, &source.path, &here);
        }
        if !has_affinity {
            errs.push(FieldError::required(
                path.child("nodeAffinity"),
                "Local volume requires node affinity",
            ));
        }
    }
    if let Some(storageos) = &spec.storageos
        && sources.first(errs, "storageos")
    {
        let here = path.child("storageos");
        let name = storageos.volume_name.as_deref().unwrap_or("");
        if name.is_empty() {
            errs.push(FieldError::required(here.child("volumeName"), ""));
        } else {
            dns_label(errs, name, &here.child("volumeName"));
        }
        let namespace = storageos.volume_namespace.as_deref().unwrap_or("");
        if !namespace.is_empty() {
            dns_label(errs, namespace, &here.child("volumeNamespace"));
        }
        if let Some(secret) = &storageos.secret_ref {
            required(
                errs,
                secret.name.as_deref().unwrap_or(""),
                &here.child("secretRef").child("name"),
            );
            required(
                errs,
                secret.namespace.as_deref().unwrap_or(""),
                &here.child("secretRef").child("namespace"),
            );
        }
    }
    if let Some(csi) = &spec.csi
        && sources.first(errs, "csi")
    {
        let here = path.child("csi");
        csi_driver_name(errs, &csi.driver, &here.child("driver"));
        required(errs, &csi.volume_handle, &here.child("volumeHandle"));
        for (field, reference) in [
            ("controllerPublishSecretRef", &csi.controller_publish_secret_ref),
            ("controllerExpandSecretRef", &csi.controller_expand_secret_ref),
            ("nodePublishSecretRef", &csi.node_publish_secret_ref),
            ("nodeExpandSecretRef", &csi.node_expand_secret_ref),
        ] {
            if let Some(reference) = reference {
                secret_reference(errs, reference, &here.child(field));
            }
        }
    }
    if sources.count == 0 {
        errs.push(FieldError::required(path, "must specify a volume type"));
    }
}

/// `ValidatePersistentVolumeSpec`; `inline` for a VolumeAttachment's inline spec, which
/// must be CSI and carry no capacity, claim or affinity.
fn persistent_volume_spec(
    errs: &mut Vec<FieldError>,
    spec: &PersistentVolumeSpec,
    pv_name: &str,
    inline: bool,
    with_attributes_class: bool,
    path: &FieldPath,
) {
    let inline_only = "may not be specified in the context of inline volumes";
    if inline {
        if spec.claim_ref.is_some() {
            errs.push(FieldError::forbidden(path.child("claimRef"), inline_only));
        }
        if spec.capacity.as_ref().is_some_and(|c| !c.is_empty()) {
            errs.push(FieldError::forbidden(path.child("capacity"), inline_only));
        }
        if spec.csi.is_none() {
            errs.push(FieldError::required(
                path.child("csi"),
                "has to be specified in the context of inline volumes",
            ));
        }
    }
    let modes = spec.access_modes.as_deref().unwrap_or_default();
    if modes.is_empty() {
        errs.push(FieldError::required(path.child("accessModes"), ""));
    }
    access_modes(errs, modes, &path.child("accessModes"));

    if !inline {
        let capacity_path = path.child("capacity");
        let capacity = spec.capacity.as_ref();
        if capacity.is_none_or(|c| c.is_empty()) {
            errs.push(FieldError::required(&capacity_path, ""));
        }
        if capacity.is_none_or(|c| !c.contains_key("storage") || c.len() > 1) {
            let shown: Option<BTreeMap<&str, String>> = capacity.map(|c| {
                c.iter()
                    .map(|(k, v)| {
                        (
                            k.as_str(),
                            Amount::parse(&v.0).map_or_else(|_| v.0.clone(), |a| a.canonical()),
                        )
                    })
                    .collect()
            });
            errs.push(FieldError::not_supported(
                &capacity_path,
                FieldValue::json(&shown),
                &["storage"],
            ));
        }
        for (name, quantity) in capacity.into_iter().flatten() {
            let here = capacity_path.key(name);
            if let Some(amount) = amount(errs, quantity, &here) {
                basic_resource(errs, &amount, &here);
                positive(errs, &amount, &here);
            }
        }
    }

    let policy = spec.persistent_volume_reclaim_policy.as_deref().unwrap_or("");
    if !policy.is_empty() {
        let policy_path = path.child("persistentVolumeReclaimPolicy");
        if inline {
            if policy != "Retain" {
                errs.push(FieldError::forbidden(
                    policy_path,
                    "may only be Retain in the context of inline volumes",
                ));
            }
        } else if !matches!(policy, "Delete" | "Recycle" | "Retain") {
            errs.push(FieldError::not_supported(
                policy_path,
                policy,
                &["Delete", "Recycle", "Retain"],
            ));
        }
    }

    let mut has_affinity = false;
    if let Some(affinity) = &spec.node_affinity {
        let affinity_path = path.child("nodeAffinity");
        if inline {
            errs.push(FieldError::forbidden(affinity_path, inline_only));
        } else {
            has_affinity = true;
            match &affinity.required {
                Some(required) => node_selector(errs, required, &affinity_path.child("required")),
                None => errs.push(FieldError::required(
                    affinity_path.child("required"),
                    "must specify required node constraints",
                )),
            }
        }
    }

    volume_sources(errs, spec, pv_name, has_affinity, path);
    if let Some(host_path) = &spec.host_path
        && cleans_to_root(&host_path.path)
        && policy == "Recycle"
    {
        errs.push(FieldError::forbidden(
            path.child("persistentVolumeReclaimPolicy"),
            "may not be 'recycle' for a hostPath mount of '/'",
        ));
    }

    let class = spec.storage_class_name.as_deref().unwrap_or("");
    if !class.is_empty() {
        if inline {
            errs.push(FieldError::forbidden(path.child("storageClassName"), inline_only));
        } else {
            dns_subdomain(errs, class, &path.child("storageClassName"));
        }
    }
    if let Some(mode) = &spec.volume_mode {
        if inline {
            if mode != "Filesystem" {
                errs.push(FieldError::forbidden(
                    path.child("volumeMode"),
                    "may not specify volumeMode other than Filesystem in the context of inline volumes",
                ));
            }
        } else if !VOLUME_MODES.contains(&mode.as_str()) {
            errs.push(FieldError::not_supported(
                path.child("volumeMode"),
                mode.as_str(),
                &VOLUME_MODES,
            ));
        }
    }
    if with_attributes_class && let Some(class) = &spec.volume_attributes_class_name {
        let class_path = path.child("volumeAttributesClassName");
        if class.is_empty() {
            errs.push(FieldError::required(class_path, "an empty string is disallowed"));
        } else {
            dns_subdomain(errs, class, &class_path);
        }
        if spec.csi.is_none() {
            errs.push(FieldError::required(
                path.child("csi"),
                "has to be specified when using volumeAttributesClassName",
            ));
        }
    }
}

/// `validateBasicResource`: not negative (printed as a whole number).
fn basic_resource(errs: &mut Vec<FieldError>, amount: &Amount, path: &FieldPath) {
    if amount.value.is_negative() {
        let units = i64::try_from(amount.units()).unwrap_or(i64::MIN);
        errs.push(FieldError::invalid(path, units, "must be a valid resource quantity"));
    }
}

/// `ValidatePositiveQuantityValue`.
fn positive(errs: &mut Vec<FieldError>, amount: &Amount, path: &FieldPath) -> bool {
    let ok = amount.value.nanos() > 0;
    if !ok {
        errs.push(FieldError::invalid(path, amount.quoted(), "must be greater than zero"));
    }
    ok
}

/// The spec fields that are not the volume source, which stays fixed.
const PV_NON_SOURCE_FIELDS: [&str; 9] = [
    "accessModes",
    "capacity",
    "claimRef",
    "mountOptions",
    "nodeAffinity",
    "persistentVolumeReclaimPolicy",
    "storageClassName",
    "volumeMode",
    "volumeAttributesClassName",
];

fn pv_source(spec: &PersistentVolumeSpec, drop_expand_secret: bool) -> Value {
    let mut value = serde_json::to_value(spec).unwrap_or(Value::Null);
    if let Some(map) = value.as_object_mut() {
        for field in PV_NON_SOURCE_FIELDS {
            map.remove(field);
        }
        if drop_expand_secret && let Some(csi) = map.get_mut("csi").and_then(Value::as_object_mut) {
            csi.remove("controllerExpandSecretRef");
        }
    }
    semantic(value)
}

/// A node affinity with beta topology labels replaced by their GA names, so that the
/// one allowed change (beta to GA keys) compares equal.
fn ga_labels(affinity: Option<&k8s_openapi::api::core::v1::VolumeNodeAffinity>) -> Value {
    const BETA_TO_GA: [(&str, &str); 5] = [
        ("failure-domain.beta.kubernetes.io/zone", "topology.kubernetes.io/zone"),
        (
            "failure-domain.beta.kubernetes.io/region",
            "topology.kubernetes.io/region",
        ),
        ("beta.kubernetes.io/os", "kubernetes.io/os"),
        ("beta.kubernetes.io/arch", "kubernetes.io/arch"),
        ("beta.kubernetes.io/instance-type", "node.kubernetes.io/instance-type"),
    ];
    let mut value = semantic(serde_json::to_value(affinity).unwrap_or(Value::Null));
    let terms = value
        .pointer_mut("/required/nodeSelectorTerms")
        .and_then(Value::as_array_mut);
    for term in terms.into_iter().flatten() {
        let expressions = term.get_mut("matchExpressions").and_then(Value::as_array_mut);
        for expression in expressions.into_iter().flatten() {
            if let Some(key) = expression.get_mut("key")
                && let Some((_, ga)) = BETA_TO_GA.iter().find(|(beta, _)| Some(*beta) == key.as_str())
            {
                *key = Value::String((*ga).to_string());
            }
        }
    }
    value
}

/// A volume node affinity as upstream prints the internal struct (Go field names).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoVolumeNodeAffinity<'a> {
    required: Option<GoNodeSelector<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoNodeSelector<'a> {
    node_selector_terms: Vec<GoNodeSelectorTerm<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoNodeSelectorTerm<'a> {
    match_expressions: Option<Vec<GoNodeSelectorRequirement<'a>>>,
    match_fields: Option<Vec<GoNodeSelectorRequirement<'a>>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoNodeSelectorRequirement<'a> {
    key: &'a str,
    operator: &'a str,
    values: Option<&'a [String]>,
}

impl<'a> GoVolumeNodeAffinity<'a> {
    fn of(affinity: &'a k8s_openapi::api::core::v1::VolumeNodeAffinity) -> Self {
        let requirements = |list: &'a Option<Vec<k8s_openapi::api::core::v1::NodeSelectorRequirement>>| {
            list.as_ref().map(|list| {
                list.iter()
                    .map(|r| GoNodeSelectorRequirement {
                        key: &r.key,
                        operator: &r.operator,
                        values: r.values.as_deref(),
                    })
                    .collect()
            })
        };
        GoVolumeNodeAffinity {
            required: affinity.required.as_ref().map(|selector| GoNodeSelector {
                node_selector_terms: selector
                    .node_selector_terms
                    .iter()
                    .map(|term| GoNodeSelectorTerm {
                        match_expressions: requirements(&term.match_expressions),
                        match_fields: requirements(&term.match_fields),
                    })
                    .collect(),
            }),
        }
    }
}

fn persistent_volume(new: &PersistentVolume, old: Option<&PersistentVolume>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let empty = PersistentVolumeSpec::default();
    let spec = new.spec.as_ref().unwrap_or(&empty);
    let old_spec = old.map(|o| o.spec.as_ref().unwrap_or(&empty));
    let name = new.metadata.name.as_deref().unwrap_or("");
    // The class name is validated only for volumes that already carry one.
    let with_class = old_spec.is_some_and(|o| o.volume_attributes_class_name.is_some());
    persistent_volume_spec(&mut errs, spec, name, false, with_class, &FieldPath::new("spec"));
    let Some(old_spec) = old_spec else { return errs };

    // A CSI volume may gain a controllerExpandSecretRef.
    let gains_secret = old_spec
        .csi
        .as_ref()
        .is_some_and(|c| c.controller_expand_secret_ref.is_none())
        && spec
            .csi
            .as_ref()
            .is_some_and(|c| c.controller_expand_secret_ref.is_some());
    if pv_source(spec, gains_secret) != pv_source(old_spec, false) {
        errs.push(FieldError::forbidden(
            "spec.persistentvolumesource",
            "spec.persistentvolumesource is immutable after creation",
        ));
    }
    // Upstream's paths for these two lack the `spec.` prefix.
    errs.extend(immutable(
        &spec.volume_mode,
        &old_spec.volume_mode,
        &FieldPath::new("volumeMode"),
    ));
    if old_spec.node_affinity.is_some()
        && ga_labels(spec.node_affinity.as_ref()) != ga_labels(old_spec.node_affinity.as_ref())
    {
        errs.push(FieldError::invalid(
            "nodeAffinity",
            FieldValue::json(&spec.node_affinity.as_ref().map(GoVolumeNodeAffinity::of)),
            format!("{IMMUTABLE}, except for updating from beta label to GA"),
        ));
    }
    if spec.volume_attributes_class_name != old_spec.volume_attributes_class_name {
        errs.push(FieldError::forbidden(
            "spec.volumeAttributesClassName",
            "update is forbidden when the VolumeAttributesClass feature gate is disabled",
        ));
        if with_class && spec.volume_attributes_class_name.is_none() {
            errs.push(FieldError::forbidden(
                "spec.volumeAttributesClassName",
                "update from non-nil value to nil is forbidden",
            ));
        }
    }
    errs
}

// ---------------------------------------------------------------------------------
// PersistentVolumeClaims.

fn data_source_common(
    errs: &mut Vec<FieldError>,
    kind: &str,
    name: &str,
    api_group: Option<&str>,
    allow_invalid_group: bool,
    path: &FieldPath,
) {
    required(errs, name, &path.child("name"));
    required(errs, kind, &path.child("kind"));
    let group = api_group.unwrap_or("");
    if group.is_empty() && kind != "PersistentVolumeClaim" {
        errs.push(FieldError::invalid(
            path,
            kind,
            "must be 'PersistentVolumeClaim' when referencing the default apiGroup",
        ));
    }
    if !group.is_empty() && !allow_invalid_group {
        dns_subdomain(errs, group, &path.child("apiGroup"));
    }
}

fn data_source(errs: &mut Vec<FieldError>, source: &TypedLocalObjectReference, allow: bool, path: &FieldPath) {
    data_source_common(
        errs,
        &source.kind,
        &source.name,
        source.api_group.as_deref(),
        allow,
        path,
    );
}

fn data_source_ref(errs: &mut Vec<FieldError>, source: &TypedObjectReference, allow: bool, path: &FieldPath) {
    data_source_common(
        errs,
        &source.kind,
        &source.name,
        source.api_group.as_deref(),
        allow,
        path,
    );
    if let Some(namespace) = source.namespace.as_deref().filter(|n| !n.is_empty()) {
        dns_label(errs, namespace, &path.child("namespace"));
    }
}

fn claim_requests(spec: &PersistentVolumeClaimSpec) -> Option<&BTreeMap<String, ApiQuantity>> {
    spec.resources.as_ref().and_then(|r| r.requests.as_ref())
}

/// `ValidatePersistentVolumeClaimSpec`.
fn claim_spec(
    errs: &mut Vec<FieldError>,
    spec: &PersistentVolumeClaimSpec,
    allow_invalid_group: bool,
    path: &FieldPath,
) {
    let modes = spec.access_modes.as_deref().unwrap_or_default();
    if modes.is_empty() {
        errs.push(FieldError::required(
            path.child("accessModes"),
            "at least 1 access mode is required",
        ));
    }
    if let Some(selector) = &spec.selector {
        errs.extend(validate_label_selector(selector, &path.child("selector")));
    }
    access_modes(errs, modes, &path.child("accessModes"));

    // Upstream keys the storage request under `resources`, not `resources.requests`.
    let storage_path = path.child("resources").key("storage");
    match claim_requests(spec).and_then(|r| r.get("storage")) {
        None => errs.push(FieldError::required(&storage_path, "")),
        Some(quantity) => {
            if let Some(amount) = amount(errs, quantity, &storage_path)
                && positive(errs, &amount, &storage_path)
            {
                resource_quantity_value(errs, "storage", &amount, &storage_path);
            }
        }
    }

    if let Some(class) = spec.storage_class_name.as_deref().filter(|c| !c.is_empty()) {
        dns_subdomain(errs, class, &path.child("storageClassName"));
    }
    if let Some(mode) = &spec.volume_mode
        && !VOLUME_MODES.contains(&mode.as_str())
    {
        errs.push(FieldError::not_supported(
            path.child("volumeMode"),
            mode.as_str(),
            &VOLUME_MODES,
        ));
    }
    if let Some(source) = &spec.data_source {
        data_source(errs, source, allow_invalid_group, &path.child("dataSource"));
    }
    if let Some(source) = &spec.data_source_ref {
        data_source_ref(errs, source, allow_invalid_group, &path.child("dataSourceRef"));
    }
    // The bad value upstream reports here is a field path, printed bare.
    let data_source_path = FieldValue::Json(path.child("dataSource").to_string());
    match (&spec.data_source, &spec.data_source_ref) {
        (Some(_), Some(reference)) if reference.namespace.as_deref().is_some_and(|n| !n.is_empty()) => {
            errs.push(FieldError::invalid(
                path,
                data_source_path,
                "may not be specified when dataSourceRef.namespace is specified",
            ));
        }
        (Some(source), Some(reference))
            if reference.namespace.as_deref().unwrap_or("").is_empty()
                && (source.api_group != reference.api_group
                    || source.kind != reference.kind
                    || source.name != reference.name) =>
        {
            errs.push(FieldError::invalid(path, data_source_path, "must match dataSourceRef"));
        }
        _ => {}
    }
}

fn persistent_volume_claim(new: &PersistentVolumeClaim, old: Option<&PersistentVolumeClaim>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let empty = PersistentVolumeClaimSpec::default();
    let spec = new.spec.as_ref().unwrap_or(&empty);
    let old_spec = old.map(|o| o.spec.as_ref().unwrap_or(&empty));
    // Claims that already carry an API group keep being accepted with it.
    let allow_invalid_group = old_spec.is_some_and(|o| {
        o.data_source.as_ref().is_some_and(|d| d.api_group.is_some())
            || o.data_source_ref.as_ref().is_some_and(|d| d.api_group.is_some())
    });
    claim_spec(&mut errs, spec, allow_invalid_group, &FieldPath::new("spec"));
    let (Some(old), Some(old_spec)) = (old, old_spec) else {
        return errs;
    };

    let annotation = |claim: &PersistentVolumeClaim| {
        claim
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(STORAGE_CLASS_ANNOTATION))
            .cloned()
    };
    let (old_annotation, new_annotation) = (annotation(old), annotation(new));
    let mut new_clone = spec.clone();
    let mut old_clone = old_spec.clone();
    if old_spec.volume_name.as_deref().unwrap_or("").is_empty() {
        // The volume name may be set once.
        old_clone.volume_name = new_clone.volume_name.clone();
    }
    let upgrade_from_annotation = old_annotation.is_some()
        && old_spec.storage_class_name.is_none()
        && spec.storage_class_name.is_some()
        && spec.storage_class_name == old_annotation
        && (new_annotation.is_none() || new_annotation == old_annotation);
    if upgrade_from_annotation {
        new_clone.storage_class_name = None;
    } else {
        let (new_value, old_value) = (
            new_annotation.clone().unwrap_or_default(),
            old_annotation.clone().unwrap_or_default(),
        );
        if new_value != old_value {
            // Upstream builds this path with `Child`, so the key is not bracketed.
            errs.push(FieldError::invalid(
                format!("metadata.annotations.{STORAGE_CLASS_ANNOTATION}"),
                new_value,
                IMMUTABLE,
            ));
        }
        let upgrade_from_nil = spec.storage_class_name.is_some()
            && old_spec.storage_class_name.is_none()
            && (old_annotation.is_none() || spec.storage_class_name == old_annotation);
        if upgrade_from_nil {
            new_clone.storage_class_name = old_clone.storage_class_name.clone();
        }
    }
    let bound = new.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound");
    if bound {
        // A bound claim may be resized and change its volume attributes class.
        if let Some(requests) = new_clone.resources.as_mut().and_then(|r| r.requests.as_mut()) {
            let old_storage = claim_requests(old_spec).and_then(|r| r.get("storage")).cloned();
            requests.insert(
                "storage".to_string(),
                old_storage.unwrap_or(ApiQuantity("0".to_string())),
            );
        }
        if new_clone.volume_attributes_class_name.is_some() {
            new_clone.volume_attributes_class_name = old_clone.volume_attributes_class_name.clone();
        }
    }
    let comparable = |spec: &PersistentVolumeClaimSpec| {
        let mut value = serde_json::to_value(spec).unwrap_or(Value::Null);
        if let Some(map) = value.as_object_mut() {
            map.remove("resources");
        }
        semantic(value)
    };
    let same_resources = same_resources(claim_requests(&new_clone), claim_requests(&old_clone))
        && same_resources(
            new_clone.resources.as_ref().and_then(|r| r.limits.as_ref()),
            old_clone.resources.as_ref().and_then(|r| r.limits.as_ref()),
        );
    if !same_resources || comparable(&new_clone) != comparable(&old_clone) {
        errs.push(FieldError::forbidden(
            "spec",
            "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
        ));
    }

    let size = |claim_spec: &PersistentVolumeClaimSpec| {
        claim_requests(claim_spec)
            .and_then(|r| r.get("storage"))
            .and_then(|q| crate::quantity::Quantity::parse(&q.0).ok())
            .unwrap_or_default()
    };
    let (new_size, old_size) = (size(spec), size(old_spec));
    if new_size < old_size {
        let status_size = old
            .status
            .as_ref()
            .and_then(|s| s.capacity.as_ref())
            .and_then(|c| c.get("storage"))
            .and_then(|q| crate::quantity::Quantity::parse(&q.0).ok())
            .unwrap_or_default();
        if new_size <= status_size {
            errs.push(FieldError::forbidden(
                "spec.resources.requests.storage",
                "field can not be less than status.capacity",
            ));
        }
    }
    errs.extend(immutable(
        &spec.volume_mode,
        &old_spec.volume_mode,
        &FieldPath::new("volumeMode"),
    ));
    if spec.volume_attributes_class_name != old_spec.volume_attributes_class_name {
        errs.push(FieldError::forbidden(
            "spec.volumeAttributesClassName",
            "update is forbidden when the VolumeAttributesClass feature gate is disabled",
        ));
        if old_spec.volume_attributes_class_name.is_some() {
            match spec.volume_attributes_class_name.as_deref() {
                None => errs.push(FieldError::forbidden(
                    "spec.volumeAttributesClassName",
                    "update from non-nil value to nil is forbidden",
                )),
                Some("") => errs.push(FieldError::forbidden(
                    "spec.volumeAttributesClassName",
                    "update from non-nil value to an empty string is forbidden",
                )),
                Some(_) => {}
            }
        }
    }
    errs
}

/// `validatePersistentVolumeClaimResourceKey`.
fn claim_resource_key(errs: &mut Vec<FieldError>, key: &str, path: &FieldPath) -> bool {
    let msgs = is_qualified_name(key);
    if !msgs.is_empty() {
        for msg in msgs {
            errs.push(FieldError::invalid(path, key, msg));
        }
        return false;
    }
    if super::cluster::is_native_resource(key) && key != "storage" {
        errs.push(FieldError::not_supported(path, key, &["storage"]));
        return false;
    }
    true
}

/// `ValidatePersistentVolumeClaimStatusUpdate` (with RecoverVolumeExpansionFailure).
fn claim_status(claim: &PersistentVolumeClaim) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if claim
        .spec
        .as_ref()
        .and_then(|s| s.access_modes.as_ref())
        .is_none_or(|m| m.is_empty())
    {
        // Upstream capitalises this path.
        errs.push(FieldError::required("Spec.accessModes", ""));
    }
    let Some(status) = &claim.status else { return errs };
    let capacity_path = FieldPath::new("status").child("capacity");
    for (name, quantity) in status.capacity.iter().flatten() {
        let here = capacity_path.key(name);
        if let Some(amount) = amount(&mut errs, quantity, &here) {
            basic_resource(&mut errs, &amount, &here);
        }
    }
    let statuses_path = FieldPath::new("status").child("allocatedResourceStatus");
    const RESIZE_STATUSES: [&str; 5] = [
        "ControllerResizeInProgress",
        "ControllerResizeInfeasible",
        "NodeResizeInProgress",
        "NodeResizeInfeasible",
        "NodeResizePending",
    ];
    for (key, value) in status.allocated_resource_statuses.iter().flatten() {
        claim_resource_key(&mut errs, key, &statuses_path);
        if !RESIZE_STATUSES.contains(&value.as_str()) {
            // Upstream reports the key, not the status, as the bad value.
            errs.push(FieldError::not_supported(
                &statuses_path,
                key.as_str(),
                &RESIZE_STATUSES,
            ));
        }
    }
    let allocated_path = FieldPath::new("status").child("allocatedResources");
    for (key, quantity) in status.allocated_resources.iter().flatten() {
        if !claim_resource_key(&mut errs, key, &allocated_path) {
            continue;
        }
        let here = allocated_path.key(key);
        if let Some(amount) = amount(&mut errs, quantity, &here) {
            let before = errs.len();
            basic_resource(&mut errs, &amount, &here);
            if errs.len() == before {
                resource_quantity_value(&mut errs, "storage", &amount, &here);
            }
        }
    }
    errs
}

// ---------------------------------------------------------------------------------
// StorageClasses.

const MAX_PARAMETERS: usize = 512;
const MAX_PARAMETERS_SIZE: usize = 256 * 1024;

fn storage_class(new: &StorageClass, old: Option<&StorageClass>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if new.provisioner.is_empty() {
        errs.push(FieldError::required("provisioner", ""));
    } else {
        // Checked, and reported, lowercased.
        qualified_name(
            &mut errs,
            &new.provisioner.to_lowercase(),
            &FieldPath::new("provisioner"),
        );
    }
    let parameters = new.parameters.as_ref();
    let count = parameters.map_or(0, BTreeMap::len);
    if count > MAX_PARAMETERS {
        errs.push(FieldError::too_long("parameters", MAX_PARAMETERS as i64));
    } else {
        let mut size = 0usize;
        for (key, value) in parameters.into_iter().flatten() {
            if key.is_empty() {
                errs.push(FieldError::invalid("parameters", "", "field can not be empty."));
            }
            size += key.len() + value.len();
        }
        if size > MAX_PARAMETERS_SIZE {
            errs.push(FieldError::too_long("parameters", MAX_PARAMETERS_SIZE as i64));
        }
    }
    if let Some(policy) = new.reclaim_policy.as_deref()
        && !policy.is_empty()
        && policy != "Delete"
        && policy != "Retain"
    {
        errs.push(FieldError::not_supported(
            "reclaimPolicy",
            policy,
            &["Delete", "Retain"],
        ));
    }
    match new.volume_binding_mode.as_deref() {
        None => errs.push(FieldError::required("volumeBindingMode", "")),
        Some("Immediate" | "WaitForFirstConsumer") => {}
        Some(other) => errs.push(FieldError::not_supported(
            "volumeBindingMode",
            other,
            &["Immediate", "WaitForFirstConsumer"],
        )),
    }
    let topologies = new.allowed_topologies.as_deref().unwrap_or_default();
    if !topologies.is_empty() {
        let path = FieldPath::new("allowedTopologies");
        // Upstream seeds its list of seen terms with one empty term per entry, so an
        // empty term counts as a duplicate of each of them; kept.
        let mut seen: Vec<BTreeMap<String, BTreeSet<String>>> = vec![BTreeMap::new(); topologies.len()];
        for (i, term) in topologies.iter().enumerate() {
            let here = path.index(i);
            let expressions = topology_selector_term(&mut errs, term, &here);
            for earlier in &seen {
                if *earlier == expressions {
                    errs.push(FieldError::duplicate(here.child("matchLabelExpressions"), ""));
                }
            }
            seen.push(expressions);
        }
    }
    if let Some(old) = old {
        if new.parameters.as_ref().filter(|p| !p.is_empty()) != old.parameters.as_ref().filter(|p| !p.is_empty()) {
            errs.push(FieldError::forbidden(
                "parameters",
                "updates to parameters are forbidden.",
            ));
        }
        if new.provisioner != old.provisioner {
            errs.push(FieldError::forbidden(
                "provisioner",
                "updates to provisioner are forbidden.",
            ));
        }
        if new.reclaim_policy.as_deref().unwrap_or("") != old.reclaim_policy.as_deref().unwrap_or("") {
            errs.push(FieldError::forbidden(
                "reclaimPolicy",
                "updates to reclaimPolicy are forbidden.",
            ));
        }
        errs.extend(immutable(
            &new.volume_binding_mode,
            &old.volume_binding_mode,
            &FieldPath::new("volumeBindingMode"),
        ));
    }
    errs
}

// ---------------------------------------------------------------------------------
// CSIDrivers, CSINodes, CSIStorageCapacities.

fn csi_driver(new: &CSIDriver, old: Option<&CSIDriver>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let spec = &new.spec;
    let path = FieldPath::new("spec");
    // Upstream spells the path `attachedRequired`.
    if spec.attach_required.is_none() {
        errs.push(FieldError::required(path.child("attachedRequired"), ""));
    }
    if spec.pod_info_on_mount.is_none() {
        errs.push(FieldError::required(path.child("podInfoOnMount"), ""));
    }
    if spec.storage_capacity.is_none() {
        errs.push(FieldError::required(path.child("storageCapacity"), ""));
    }
    const FS_GROUP_POLICIES: [&str; 3] = ["File", "None", "ReadWriteOnceWithFSType"];
    if let Some(policy) = &spec.fs_group_policy
        && !FS_GROUP_POLICIES.contains(&policy.as_str())
    {
        errs.push(FieldError::not_supported(
            path.child("fsGroupPolicy"),
            policy.as_str(),
            &FS_GROUP_POLICIES,
        ));
    }
    let mut audiences: HashSet<&str> = HashSet::new();
    for (i, request) in spec.token_requests.iter().flatten().enumerate() {
        let here = path.child("tokenRequests").index(i);
        if !audiences.insert(&request.audience) {
            errs.push(FieldError::duplicate(here.child("audience"), request.audience.as_str()));
            continue;
        }
        if let Some(seconds) = request.expiration_seconds {
            if seconds < 600 {
                errs.push(FieldError::invalid(
                    here.child("expirationSeconds"),
                    seconds,
                    "may not specify a duration less than 10 minutes",
                ));
            }
            if seconds > 1 << 32 {
                errs.push(FieldError::invalid(
                    here.child("expirationSeconds"),
                    seconds,
                    "may not specify a duration larger than 2^32 seconds",
                ));
            }
        }
    }
    for mode in spec.volume_lifecycle_modes.iter().flatten() {
        if mode != "Persistent" && mode != "Ephemeral" {
            errs.push(FieldError::not_supported(
                path.child("volumeLifecycleModes"),
                mode.as_str(),
                &["Persistent", "Ephemeral"],
            ));
        }
    }
    if spec.se_linux_mount.is_none() {
        errs.push(FieldError::required(path.child("seLinuxMount"), ""));
    }
    if let Some(period) = spec.node_allocatable_update_period_seconds
        && period < 10
    {
        errs.push(FieldError::invalid(
            path.child("nodeAllocatableUpdatePeriodSeconds"),
            period,
            "must be greater than or equal to 10 seconds",
        ));
    }
    if let Some(old) = old {
        errs.extend(immutable(
            &spec.attach_required,
            &old.spec.attach_required,
            &path.child("attachedRequired"),
        ));
        let modes =
            |s: &k8s_openapi::api::storage::v1::CSIDriverSpec| s.volume_lifecycle_modes.clone().unwrap_or_default();
        if modes(spec) != modes(&old.spec) {
            errs.push(FieldError::invalid(
                path.child("volumeLifecycleModes"),
                FieldValue::json(&spec.volume_lifecycle_modes),
                IMMUTABLE,
            ));
        }
    }
    errs
}

/// A CSINode driver as upstream prints the internal struct.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoCsiNodeDriver<'a> {
    name: &'a str,
    #[serde(rename = "NodeID")]
    node_id: &'a str,
    topology_keys: Option<&'a [String]>,
    allocatable: Option<GoVolumeNodeResources>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoVolumeNodeResources {
    count: Option<i32>,
}

const CSI_NODE_ID_MAX: usize = 192;
const CSI_NODE_ID_LONGER_MAX: usize = 256;

fn csi_node(new: &CSINode, old: Option<&CSINode>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let path = FieldPath::new("spec").child("drivers");
    // Nodes that already have long IDs may keep them.
    let allow_long = old.is_some_and(|o| o.spec.drivers.iter().any(|d| d.node_id.len() > CSI_NODE_ID_MAX));
    let max = if allow_long {
        CSI_NODE_ID_LONGER_MAX
    } else {
        CSI_NODE_ID_MAX
    };
    let mut names: HashSet<&str> = HashSet::new();
    for (i, driver) in new.spec.drivers.iter().enumerate() {
        let here = path.index(i);
        csi_driver_name(&mut errs, &driver.name, &here.child("name"));
        if driver.node_id.is_empty() {
            errs.push(FieldError::required(here.child("nodeID"), ""));
        }
        if driver.node_id.len() > max {
            errs.push(FieldError::invalid(
                here.child("nodeID"),
                driver.node_id.as_str(),
                format!("must be {max} characters or less"),
            ));
        }
        if let Some(count) = driver.allocatable.as_ref().and_then(|a| a.count) {
            errs.extend(super::common::non_negative(
                i64::from(count),
                &here.child("allocatable").child("count"),
            ));
        }
        if !names.insert(&driver.name) {
            errs.push(FieldError::duplicate(here.child("name"), driver.name.as_str()));
        }
        // Upstream reports topology key errors at the driver's path.
        let mut keys: HashSet<&str> = HashSet::new();
        for key in driver.topology_keys.iter().flatten() {
            if key.is_empty() {
                errs.push(FieldError::required(&here, ""));
            }
            if !keys.insert(key) {
                errs.push(FieldError::duplicate(&here, key.as_str()));
            }
            qualified_name(&mut errs, key, &here);
        }
    }
    if let Some(old) = old {
        let shown = |d: &'_ k8s_openapi::api::storage::v1::CSINodeDriver| {
            serde_json::to_value(GoCsiNodeDriver {
                name: &d.name,
                node_id: &d.node_id,
                topology_keys: d.topology_keys.as_deref(),
                allocatable: d.allocatable.as_ref().map(|a| GoVolumeNodeResources { count: a.count }),
            })
            .map(semantic)
            .unwrap_or(Value::Null)
        };
        for old_driver in &old.spec.drivers {
            for new_driver in new.spec.drivers.iter().filter(|d| d.name == old_driver.name) {
                let new_value = shown(new_driver);
                if new_value != shown(old_driver) {
                    errs.push(FieldError::invalid(
                        "spec.drivers",
                        FieldValue::json(&GoCsiNodeDriver {
                            name: &new_driver.name,
                            node_id: &new_driver.node_id,
                            topology_keys: new_driver.topology_keys.as_deref(),
                            allocatable: new_driver
                                .allocatable
                                .as_ref()
                                .map(|a| GoVolumeNodeResources { count: a.count }),
                        }),
                        IMMUTABLE,
                    ));
                }
            }
        }
    }
    errs
}

fn csi_storage_capacity(new: &CSIStorageCapacity, old: Option<&CSIStorageCapacity>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Some(topology) = &new.node_topology {
        errs.extend(validate_label_selector(topology, &FieldPath::new("nodeTopology")));
    }
    dns_subdomain(&mut errs, &new.storage_class_name, &FieldPath::new("storageClassName"));
    if let Some(capacity) = &new.capacity {
        let path = FieldPath::new("capacity");
        if let Some(amount) = amount(&mut errs, capacity, &path)
            && amount.value.is_negative()
        {
            errs.push(FieldError::invalid(
                path,
                amount.quoted(),
                "must be greater than or equal to 0",
            ));
        }
    }
    if let Some(old) = old {
        let selector = |s: &CSIStorageCapacity| semantic(serde_json::to_value(&s.node_topology).unwrap_or(Value::Null));
        if selector(new) != selector(old) {
            errs.push(FieldError::invalid(
                "nodeTopology",
                FieldValue::json(&new.node_topology),
                IMMUTABLE,
            ));
        }
        if new.storage_class_name != old.storage_class_name {
            errs.push(FieldError::invalid(
                "storageClassName",
                new.storage_class_name.as_str(),
                IMMUTABLE,
            ));
        }
    }
    errs
}

// ---------------------------------------------------------------------------------
// VolumeAttachments.

/// The attachment spec as upstream prints the internal struct. An inline volume spec
/// is shown in its v1 form (upstream shows the internal one, with Go field names).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoAttachmentSpec<'a> {
    attacher: &'a str,
    source: GoAttachmentSource<'a>,
    node_name: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoAttachmentSource<'a> {
    persistent_volume_name: Option<&'a str>,
    inline_volume_spec: Option<&'a PersistentVolumeSpec>,
}

fn volume_error(errs: &mut Vec<FieldError>, error: Option<&VolumeError>, path: &FieldPath) {
    let Some(error) = error else { return };
    if error.message.as_deref().unwrap_or("").len() > 1024 {
        // Upstream reports the metadata limit, not the message's own.
        errs.push(FieldError::too_long(path.child("message"), MAX_PARAMETERS_SIZE as i64));
    }
    if let Some(code) = error.error_code
        && code < 0
    {
        errs.push(FieldError::invalid(
            path.child("errorCode"),
            code,
            format!("must be between 0 and {}, inclusive", i32::MAX),
        ));
    }
}

fn attachment_status(errs: &mut Vec<FieldError>, attachment: &VolumeAttachment) {
    let Some(status) = &attachment.status else { return };
    let path = FieldPath::new("status");
    let size: usize = status
        .attachment_metadata
        .iter()
        .flatten()
        .map(|(k, v)| k.len() + v.len())
        .sum();
    if size > MAX_PARAMETERS_SIZE {
        errs.push(FieldError::too_long(
            path.child("attachmentMetadata"),
            MAX_PARAMETERS_SIZE as i64,
        ));
    }
    volume_error(errs, status.attach_error.as_ref(), &path.child("attachError"));
    volume_error(errs, status.detach_error.as_ref(), &path.child("detachError"));
}

fn attachment_spec(errs: &mut Vec<FieldError>, spec: &VolumeAttachmentSpec) {
    let path = FieldPath::new("spec");
    required(errs, &spec.attacher, &path.child("attacher"));
    let source_path = path.child("source");
    let exactly_one = "must specify exactly one of inlineVolumeSpec and persistentVolumeName";
    match (&spec.source.inline_volume_spec, &spec.source.persistent_volume_name) {
        (None, None) => errs.push(FieldError::required(&source_path, exactly_one)),
        (Some(_), Some(_)) => errs.push(FieldError::forbidden(&source_path, exactly_one)),
        (None, Some(name)) => {
            if name.is_empty() {
                errs.push(FieldError::required(
                    source_path.child("persistentVolumeName"),
                    "must specify non empty persistentVolumeName",
                ));
            }
        }
        (Some(inline), None) => {
            persistent_volume_spec(errs, inline, "", true, false, &source_path.child("inlineVolumeSpec"));
        }
    }
    dns_subdomain(errs, &spec.node_name, &path.child("nodeName"));
}

fn volume_attachment(new: &VolumeAttachment, old: Option<&VolumeAttachment>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    attachment_spec(&mut errs, &new.spec);
    attachment_status(&mut errs, new);
    match old {
        None => {
            // The stricter v1 checks apply to new attachments only; upstream names
            // these paths with dots inside one segment.
            csi_driver_name(&mut errs, &new.spec.attacher, &FieldPath::new("spec.attacher"));
            if let Some(name) = &new.spec.source.persistent_volume_name {
                dns_subdomain(&mut errs, name, &FieldPath::new("spec.source.persistentVolumeName"));
            }
        }
        Some(old) => {
            let comparable = |spec: &VolumeAttachmentSpec| semantic(serde_json::to_value(spec).unwrap_or(Value::Null));
            if comparable(&new.spec) != comparable(&old.spec) {
                let shown = GoAttachmentSpec {
                    attacher: &new.spec.attacher,
                    source: GoAttachmentSource {
                        persistent_volume_name: new.spec.source.persistent_volume_name.as_deref(),
                        inline_volume_spec: new.spec.source.inline_volume_spec.as_ref(),
                    },
                    node_name: &new.spec.node_name,
                };
                errs.push(FieldError::invalid("spec", FieldValue::json(&shown), IMMUTABLE));
            }
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn messages(group: &str, kind: &str, new: Value, old: Option<Value>) -> Vec<String> {
        validate(group, kind, Input::from(&new), old.as_ref())
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn merged(base: Value, extra: Value) -> Value {
        let mut base = base;
        if let (Some(map), Some(extra)) = (base.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                if v.is_null() {
                    map.remove(k);
                } else {
                    map.insert(k.clone(), v.clone());
                }
            }
        }
        base
    }

    fn pv(spec: Value) -> Value {
        let base = json!({"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10Gi"},
            "persistentVolumeReclaimPolicy": "Retain", "volumeMode": "Filesystem",
            "csi": {"driver": "ebs.csi.aws.com", "volumeHandle": "vol-1"}});
        json!({"metadata": {"name": "pv-1"}, "spec": merged(base, spec)})
    }

    #[test]
    fn persistent_volumes() {
        for good in [
            pv(json!({})),
            pv(json!({"csi": null, "hostPath": {"path": "/data", "type": "DirectoryOrCreate"}})),
            pv(
                json!({"csi": null, "nfs": {"server": "nfs.example.com", "path": "/exports"},
                "mountOptions": ["hard"], "storageClassName": "slow"}),
            ),
            pv(
                json!({"csi": null, "local": {"path": "/mnt/disk"}, "nodeAffinity": {"required": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": ["node-1"]}]}]}}}),
            ),
            pv(
                json!({"csi": null, "iscsi": {"targetPortal": "10.0.0.1:3260", "iqn": "iqn.2001-04.com.example:storage", "lun": 0}}),
            ),
        ] {
            assert_eq!(
                messages("", "PersistentVolume", good.clone(), None),
                Vec::<String>::new(),
                "{good}"
            );
        }
        let cases: Vec<(Value, Vec<&str>)> = vec![
            (
                pv(json!({"accessModes": null, "capacity": null, "csi": null})),
                vec![
                    "spec.accessModes: Required value",
                    "spec.capacity: Required value",
                    "spec.capacity: Unsupported value: null: supported values: \"storage\"",
                    "spec: Required value: must specify a volume type",
                ],
            ),
            (
                pv(
                    json!({"accessModes": ["ReadWriteOncePod", "ReadWriteMany", "Sometimes"],
                    "capacity": {"storage": "0", "cpu": "1"}, "persistentVolumeReclaimPolicy": "Keep",
                    "volumeMode": "Raw", "storageClassName": "Slow_Disks"}),
                ),
                vec![
                    "spec.accessModes: Unsupported value: \"Sometimes\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\"",
                    "spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes",
                    "spec.capacity: Unsupported value: {\"cpu\":\"1\",\"storage\":\"0\"}: supported values: \"storage\"",
                    "spec.capacity[storage]: Invalid value: \"0\": must be greater than zero",
                    "spec.persistentVolumeReclaimPolicy: Unsupported value: \"Keep\": supported values: \"Delete\", \"Recycle\", \"Retain\"",
                    "spec.storageClassName: Invalid value: \"Slow_Disks\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                    "spec.volumeMode: Unsupported value: \"Raw\": supported values: \"Block\", \"Filesystem\"",
                ],
            ),
            (
                pv(
                    json!({"nfs": {"server": "", "path": "exports"}, "hostPath": {"path": "/"},
                    "persistentVolumeReclaimPolicy": "Recycle"}),
                ),
                vec![
                    "spec.nfs: Forbidden: may not specify more than 1 volume type",
                    "spec.csi: Forbidden: may not specify more than 1 volume type",
                    "spec.persistentVolumeReclaimPolicy: Forbidden: may not be 'recycle' for a hostPath mount of '/'",
                ],
            ),
            (
                pv(json!({"csi": null, "local": {"path": "/mnt/../etc"}})),
                vec![
                    "spec.local.path: Invalid value: \"/mnt/../etc\": must not contain '..'",
                    "spec.nodeAffinity: Required value: Local volume requires node affinity",
                ],
            ),
            (
                pv(json!({"csi": {"driver": "", "volumeHandle": "", "nodePublishSecretRef": {"name": "s"}}})),
                vec![
                    "spec.csi.driver: Required value",
                    "spec.csi.driver: Invalid value: \"\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                    "spec.csi.volumeHandle: Required value",
                    "spec.csi.nodePublishSecretRef.namespace: Required value",
                ],
            ),
            (
                pv(json!({"csi": null, "nodeAffinity": {}, "nfs": {"server": "s", "path": "/e"}})),
                vec!["spec.nodeAffinity.required: Required value: must specify required node constraints"],
            ),
            (
                pv(
                    json!({"csi": null, "iscsi": {"targetPortal": "", "iqn": "foo", "lun": 256, "chapAuthSession": true}}),
                ),
                vec![
                    "spec.iscsi.targetPortal: Required value",
                    "spec.iscsi.iqn: Invalid value: \"foo\": must be valid format",
                    "spec.iscsi.lun: Invalid value: 256: must be between 0 and 255, inclusive",
                    "spec.iscsi.secretRef: Required value",
                ],
            ),
        ];
        for (volume, want) in cases {
            assert_eq!(messages("", "PersistentVolume", volume.clone(), None), want, "{volume}");
        }
    }

    #[test]
    fn persistent_volume_updates() {
        let old = pv(
            json!({"nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "failure-domain.beta.kubernetes.io/zone", "operator": "In", "values": ["a"]}]}]}}}),
        );
        // Capacity, reclaim policy and claim may change; beta labels may become GA.
        let fine = pv(
            json!({"capacity": {"storage": "20Gi"}, "persistentVolumeReclaimPolicy": "Delete",
            "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["a"]}]}]}}}),
        );
        assert!(messages("", "PersistentVolume", fine, Some(old.clone())).is_empty());
        let changed = pv(
            json!({"csi": {"driver": "ebs.csi.aws.com", "volumeHandle": "vol-2"}, "volumeMode": "Block",
            "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["b"]}]}]}}}),
        );
        assert_eq!(
            messages("", "PersistentVolume", changed, Some(old)),
            [
                "spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation",
                "volumeMode: Invalid value: \"Block\": field is immutable",
                "nodeAffinity: Invalid value: {\"Required\":{\"NodeSelectorTerms\":[{\"MatchExpressions\":[{\"Key\":\"topology.kubernetes.io/zone\",\"Operator\":\"In\",\"Values\":[\"b\"]}],\"MatchFields\":null}]}}: field is immutable, except for updating from beta label to GA",
            ]
        );
        // A CSI volume may gain an expansion secret.
        let secret = pv(json!({"csi": {"driver": "ebs.csi.aws.com", "volumeHandle": "vol-1",
            "controllerExpandSecretRef": {"name": "s", "namespace": "ns"}}}));
        assert!(messages("", "PersistentVolume", secret, Some(pv(json!({})))).is_empty());
    }

    fn pvc(spec: Value, status: Value) -> Value {
        let base = json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}},
            "storageClassName": "standard", "volumeMode": "Filesystem"});
        json!({"metadata": {"name": "data", "namespace": "default"}, "spec": merged(base, spec), "status": status})
    }

    #[test]
    fn persistent_volume_claims() {
        let good = pvc(
            json!({"selector": {"matchLabels": {"tier": "db"}},
            "dataSource": {"kind": "PersistentVolumeClaim", "name": "src"},
            "dataSourceRef": {"kind": "PersistentVolumeClaim", "name": "src"}}),
            json!({}),
        );
        assert!(messages("", "PersistentVolumeClaim", good, None).is_empty());
        assert_eq!(
            messages(
                "",
                "PersistentVolumeClaim",
                pvc(
                    json!({"accessModes": null, "resources": {"requests": {"storage": "0"}}, "volumeMode": "Raw",
                    "dataSource": {"kind": "VolumeSnapshot", "name": ""},
                    "dataSourceRef": {"apiGroup": "snapshot.storage.k8s.io", "kind": "VolumeSnapshot", "name": "s"}}),
                    json!({})
                ),
                None
            ),
            [
                "spec.accessModes: Required value: at least 1 access mode is required",
                "spec.resources[storage]: Invalid value: \"0\": must be greater than zero",
                "spec.volumeMode: Unsupported value: \"Raw\": supported values: \"Block\", \"Filesystem\"",
                "spec.dataSource.name: Required value",
                "spec.dataSource: Invalid value: \"VolumeSnapshot\": must be 'PersistentVolumeClaim' when referencing the default apiGroup",
                "spec: Invalid value: spec.dataSource: must match dataSourceRef",
            ]
        );
        assert_eq!(
            messages(
                "",
                "PersistentVolumeClaim",
                pvc(json!({"resources": {}}), json!({})),
                None
            ),
            ["spec.resources[storage]: Required value"]
        );
    }

    #[test]
    fn persistent_volume_claim_updates() {
        let bound = json!({"phase": "Bound", "capacity": {"storage": "10Gi"}});
        let old = pvc(json!({"volumeName": ""}), bound.clone());
        // A bound claim may grow; the volume name may be set once.
        let grown = pvc(
            json!({"resources": {"requests": {"storage": "20Gi"}}, "volumeName": "pv-1"}),
            bound.clone(),
        );
        assert!(messages("", "PersistentVolumeClaim", grown, Some(old.clone())).is_empty());
        // 10Gi written another way is the same request.
        let same = pvc(json!({"resources": {"requests": {"storage": "10240Mi"}}}), json!({}));
        assert!(messages("", "PersistentVolumeClaim", same, Some(pvc(json!({}), json!({})))).is_empty());
        let changed = pvc(
            json!({"accessModes": ["ReadWriteMany"], "volumeMode": "Block", "resources": {"requests": {"storage": "5Gi"}}}),
            bound.clone(),
        );
        assert_eq!(
            messages("", "PersistentVolumeClaim", changed, Some(old)),
            [
                "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
                "spec.resources.requests.storage: Forbidden: field can not be less than status.capacity",
                "volumeMode: Invalid value: \"Block\": field is immutable",
            ]
        );
        // Unbound claims may not resize; the class annotation is fixed.
        let unbound = pvc(json!({}), json!({}));
        let mut resized = pvc(json!({"resources": {"requests": {"storage": "20Gi"}}}), json!({}));
        resized["metadata"]["annotations"] = json!({"volume.beta.kubernetes.io/storage-class": "fast"});
        assert_eq!(
            messages("", "PersistentVolumeClaim", resized, Some(unbound)),
            [
                "metadata.annotations.volume.beta.kubernetes.io/storage-class: Invalid value: \"fast\": field is immutable",
                "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
            ]
        );
        // A claim without a class may get the one its beta annotation names.
        let mut annotated = pvc(json!({"storageClassName": null}), json!({}));
        annotated["metadata"]["annotations"] = json!({"volume.beta.kubernetes.io/storage-class": "fast"});
        let mut upgraded = pvc(json!({"storageClassName": "fast"}), json!({}));
        upgraded["metadata"]["annotations"] = json!({"volume.beta.kubernetes.io/storage-class": "fast"});
        assert!(messages("", "PersistentVolumeClaim", upgraded, Some(annotated)).is_empty());
    }

    #[test]
    fn claim_status_updates() {
        let claim = pvc(
            json!({}),
            json!({"capacity": {"storage": "-1"}, "allocatedResources": {"storage": "10Gi", "cpu": "1"},
                "allocatedResourceStatuses": {"storage": "Resizing"}}),
        );
        let errs: Vec<String> = validate_status("", "PersistentVolumeClaim", &claim, &claim)
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errs,
            [
                "status.capacity[storage]: Invalid value: -1: must be a valid resource quantity",
                "status.allocatedResourceStatus: Unsupported value: \"storage\": supported values: \"ControllerResizeInProgress\", \"ControllerResizeInfeasible\", \"NodeResizeInProgress\", \"NodeResizeInfeasible\", \"NodeResizePending\"",
                "status.allocatedResources: Unsupported value: \"cpu\": supported values: \"storage\"",
            ]
        );
    }

    #[test]
    fn storage_classes() {
        let sc = |extra: Value| {
            merged(
                json!({"metadata": {"name": "fast"}, "provisioner": "ebs.csi.aws.com", "reclaimPolicy": "Delete",
                    "volumeBindingMode": "WaitForFirstConsumer", "parameters": {"type": "gp3"}}),
                extra,
            )
        };
        let g = "storage.k8s.io";
        let good = sc(json!({"allowedTopologies": [{"matchLabelExpressions": [
            {"key": "topology.kubernetes.io/zone", "values": ["a", "b"]}]}]}));
        assert!(messages(g, "StorageClass", good.clone(), Some(good)).is_empty());
        assert_eq!(
            messages(
                g,
                "StorageClass",
                sc(
                    json!({"provisioner": "", "reclaimPolicy": "Recycle", "volumeBindingMode": null,
                    "allowedTopologies": [
                        {"matchLabelExpressions": [{"key": "zone", "values": []}, {"key": "zone", "values": ["a", "a"]}]},
                        {"matchLabelExpressions": [{"key": "rack", "values": ["r"]}]},
                        {"matchLabelExpressions": [{"key": "rack", "values": ["r"]}]},
                    ]})
                ),
                None
            ),
            [
                "provisioner: Required value",
                "reclaimPolicy: Unsupported value: \"Recycle\": supported values: \"Delete\", \"Retain\"",
                "volumeBindingMode: Required value",
                "allowedTopologies[0].matchLabelExpressions[0].values: Required value",
                "allowedTopologies[0].matchLabelExpressions[1].values[1]: Duplicate value: \"a\"",
                "allowedTopologies[0].matchLabelExpressions[1].key: Duplicate value: \"zone\"",
                "allowedTopologies[2].matchLabelExpressions: Duplicate value: \"\"",
            ]
        );
        let many: BTreeMap<String, String> = (0..513).map(|i| (format!("k{i}"), "v".to_string())).collect();
        assert_eq!(
            messages(g, "StorageClass", sc(json!({"parameters": many})), None),
            ["parameters: Too long: may not be more than 512 bytes"]
        );
        assert_eq!(
            messages(
                g,
                "StorageClass",
                sc(
                    json!({"provisioner": "other.io/x", "parameters": {"type": "io2"}, "reclaimPolicy": "Retain",
                    "volumeBindingMode": "Immediate"})
                ),
                Some(sc(json!({})))
            ),
            [
                "parameters: Forbidden: updates to parameters are forbidden.",
                "provisioner: Forbidden: updates to provisioner are forbidden.",
                "reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.",
                "volumeBindingMode: Invalid value: \"Immediate\": field is immutable",
            ]
        );
    }

    #[test]
    fn csi_drivers_nodes_and_capacities() {
        let g = "storage.k8s.io";
        let driver = |spec: Value| {
            json!({"metadata": {"name": "ebs.csi.aws.com"}, "spec": merged(json!({"attachRequired": true,
                "podInfoOnMount": false, "storageCapacity": false, "fsGroupPolicy": "ReadWriteOnceWithFSType",
                "volumeLifecycleModes": ["Persistent"], "requiresRepublish": false, "seLinuxMount": false}), spec)})
        };
        assert!(messages(g, "CSIDriver", driver(json!({})), Some(driver(json!({})))).is_empty());
        assert_eq!(
            messages(
                g,
                "CSIDriver",
                driver(
                    json!({"attachRequired": null, "fsGroupPolicy": "Always", "volumeLifecycleModes": ["Forever"],
                    "tokenRequests": [{"audience": "a", "expirationSeconds": 60}, {"audience": "a"}]})
                ),
                None
            ),
            [
                "spec.attachedRequired: Required value",
                "spec.fsGroupPolicy: Unsupported value: \"Always\": supported values: \"File\", \"None\", \"ReadWriteOnceWithFSType\"",
                "spec.tokenRequests[0].expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes",
                "spec.tokenRequests[1].audience: Duplicate value: \"a\"",
                "spec.volumeLifecycleModes: Unsupported value: \"Forever\": supported values: \"Persistent\", \"Ephemeral\"",
            ]
        );
        assert_eq!(
            messages(
                g,
                "CSIDriver",
                driver(
                    json!({"attachRequired": false, "volumeLifecycleModes": ["Persistent", "Ephemeral"],
                    "podInfoOnMount": true})
                ),
                Some(driver(json!({})))
            ),
            [
                "spec.attachedRequired: Invalid value: false: field is immutable",
                "spec.volumeLifecycleModes: Invalid value: [\"Persistent\",\"Ephemeral\"]: field is immutable",
            ]
        );

        let node = |drivers: Value| json!({"metadata": {"name": "node-1"}, "spec": {"drivers": drivers}});
        let good = node(
            json!([{"name": "ebs.csi.aws.com", "nodeID": "i-1", "topologyKeys": ["topology.ebs.csi.aws.com/zone"],
            "allocatable": {"count": 25}}]),
        );
        assert!(messages(g, "CSINode", good.clone(), Some(good.clone())).is_empty());
        assert_eq!(
            messages(
                g,
                "CSINode",
                node(json!([
                    {"name": "ebs.csi.aws.com", "nodeID": "", "topologyKeys": ["", "zone", "zone"], "allocatable": {"count": -1}},
                    {"name": "ebs.csi.aws.com", "nodeID": "x".repeat(193)},
                ])),
                None
            ),
            [
                "spec.drivers[0].nodeID: Required value",
                "spec.drivers[0].allocatable.count: Invalid value: -1: must be greater than or equal to 0",
                "spec.drivers[0]: Required value",
                "spec.drivers[0]: Invalid value: \"\": name part must be non-empty",
                "spec.drivers[0]: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
                "spec.drivers[0]: Duplicate value: \"zone\"",
                &format!(
                    "spec.drivers[1].nodeID: Invalid value: \"{}\": must be 192 characters or less",
                    "x".repeat(193)
                ),
                "spec.drivers[1].name: Duplicate value: \"ebs.csi.aws.com\"",
            ]
        );
        assert_eq!(
            messages(
                g,
                "CSINode",
                node(
                    json!([{"name": "ebs.csi.aws.com", "nodeID": "i-2", "topologyKeys": ["topology.ebs.csi.aws.com/zone"],
                    "allocatable": {"count": 25}}])
                ),
                Some(good)
            ),
            [
                "spec.drivers: Invalid value: {\"Name\":\"ebs.csi.aws.com\",\"NodeID\":\"i-2\",\"TopologyKeys\":[\"topology.ebs.csi.aws.com/zone\"],\"Allocatable\":{\"Count\":25}}: field is immutable"
            ]
        );

        let capacity = |class: &str, capacity: &str| {
            json!({"metadata": {"name": "cap", "namespace": "kube-system"}, "storageClassName": class,
                "capacity": capacity, "nodeTopology": {"matchLabels": {"zone": "a"}}})
        };
        assert!(messages(g, "CSIStorageCapacity", capacity("fast", "100Gi"), None).is_empty());
        assert_eq!(
            messages(
                g,
                "CSIStorageCapacity",
                capacity("", "-1Gi"),
                Some(capacity("fast", "1Gi"))
            ),
            [
                "storageClassName: Invalid value: \"\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                "capacity: Invalid value: \"-1Gi\": must be greater than or equal to 0",
                "storageClassName: Invalid value: \"\": field is immutable",
            ]
        );
    }

    #[test]
    fn volume_attachments() {
        let g = "storage.k8s.io";
        let attachment = |source: Value, node: &str| {
            json!({"metadata": {"name": "csi-abc"}, "spec": {"attacher": "ebs.csi.aws.com", "nodeName": node,
                "source": source}})
        };
        let good = attachment(json!({"persistentVolumeName": "pv-1"}), "node-1");
        assert!(messages(g, "VolumeAttachment", good.clone(), None).is_empty());
        assert_eq!(
            messages(g, "VolumeAttachment", attachment(json!({}), "Node_1"), None),
            [
                "spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName",
                "spec.nodeName: Invalid value: \"Node_1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            ]
        );
        assert_eq!(
            messages(
                g,
                "VolumeAttachment",
                attachment(
                    json!({"inlineVolumeSpec": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"},
                    "nfs": {"server": "s", "path": "/e"}}}),
                    "node-1"
                ),
                None
            ),
            [
                "spec.source.inlineVolumeSpec.capacity: Forbidden: may not be specified in the context of inline volumes",
                "spec.source.inlineVolumeSpec.csi: Required value: has to be specified in the context of inline volumes",
            ]
        );
        assert_eq!(
            messages(
                g,
                "VolumeAttachment",
                attachment(json!({"persistentVolumeName": "pv-2"}), "node-1"),
                Some(good)
            ),
            [
                "spec: Invalid value: {\"Attacher\":\"ebs.csi.aws.com\",\"Source\":{\"PersistentVolumeName\":\"pv-2\",\"InlineVolumeSpec\":null},\"NodeName\":\"node-1\"}: field is immutable"
            ]
        );
    }
}
