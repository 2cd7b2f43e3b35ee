//! A pod's volumes (`ValidateVolumes`, `validateVolumeSource` and each source's own
//! rules), the claim template of generic ephemeral volumes, and projected sources.
//! Upstream's paths keep their typos and shortcuts: a second source of type downward
//! API is reported at `downwarAPI`, a GCE disk's errors under `persistentDisk`, a
//! downward API volume's item errors without the item's index.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use k8s_openapi::api::core::v1::{
    DownwardAPIVolumeFile, KeyToPath, PersistentVolumeClaimSpec, PersistentVolumeClaimTemplate, PodSpec,
    ProjectedVolumeSource, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use regex::Regex;

use super::containers::{VOLUME_FIELD_PATHS, object_field_selector, pull_policy, resource_field_selector};
use super::resources::{self, canonical};
use super::scheduling::label_selector;
use super::{Options, local_descending_path, local_non_reserved_path, path_no_backsteps, text};
use crate::field_error::{FieldError, FieldPath};
use crate::go_format::quote;
use crate::validation::{NameRule, is_dns1123_label, is_dns1123_subdomain, validate_annotations, validate_labels};

const FILE_MODE: &str = "must be a number between 0 and 0777 (octal), both inclusive";
const MORE_THAN_ONE: &str = "may not specify more than 1 volume type";

fn file_mode(mode: Option<i32>, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if let Some(mode) = mode
        && !(0..=0o777).contains(&mode)
    {
        errs.push(FieldError::invalid(path, mode, FILE_MODE));
    }
}

/// `ValidateVolumes`: names unique DNS labels, one valid source each. Returns the
/// volumes without errors by name — only those can be mounted. `pod_name` is the pod's
/// name (not a template's): generic ephemeral volumes create claims named after it.
pub(super) fn volumes<'a>(
    list: &'a [Volume],
    pod_name: Option<&str>,
    path: &FieldPath,
    opts: &Options,
    errs: &mut Vec<FieldError>,
) -> HashMap<&'a str, &'a Volume> {
    let pod_name = pod_name.filter(|n| !n.is_empty());
    // The claims the pod's generic ephemeral volumes will create.
    let created: HashSet<String> = match pod_name {
        Some(pod) => list
            .iter()
            .filter(|v| v.ephemeral.is_some())
            .map(|v| format!("{pod}-{}", v.name))
            .collect(),
        None => HashSet::new(),
    };
    let mut valid = HashMap::with_capacity(list.len());
    let mut names: HashSet<&str> = HashSet::with_capacity(list.len());
    for (i, volume) in list.iter().enumerate() {
        let here = path.index(i);
        let name_path = here.child("name");
        let mut own = Vec::new();
        source(volume, &here, pod_name, opts, &mut own);
        if volume.name.is_empty() {
            own.push(FieldError::required(&name_path, ""));
        } else {
            for msg in is_dns1123_label(&volume.name) {
                own.push(FieldError::invalid(&name_path, volume.name.as_str(), msg));
            }
        }
        if names.contains(volume.name.as_str()) {
            own.push(FieldError::duplicate(&name_path, volume.name.as_str()));
        }
        if own.is_empty() {
            names.insert(volume.name.as_str());
            valid.insert(volume.name.as_str(), volume);
        } else {
            errs.append(&mut own);
        }
        if let Some(claim) = &volume.persistent_volume_claim
            && created.contains(&claim.claim_name)
        {
            errs.push(FieldError::invalid(
                here.child("persistentVolumeClaim").child("claimName"),
                claim.claim_name.as_str(),
                "must not reference a PVC that gets created for an ephemeral volume",
            ));
        }
    }
    valid
}

/// `validateVolumeSource`: exactly one source (a volume with none is an `emptyDir`,
/// upstream's default), each with its own rules.
fn source(v: &Volume, path: &FieldPath, pod_name: Option<&str>, opts: &Options, errs: &mut Vec<FieldError>) {
    let mut count = 0;
    // Counts a source; a second one is forbidden at `path.<name>` and not checked.
    let mut one = |set: bool, name: &str, errs: &mut Vec<FieldError>| -> Option<FieldPath> {
        if !set {
            return None;
        }
        if count > 0 {
            errs.push(FieldError::forbidden(path.child(name), MORE_THAN_ONE));
            return None;
        }
        count += 1;
        Some(path.child(name))
    };
    if let Some(here) = one(v.empty_dir.is_some(), "emptyDir", errs)
        && let Some(limit) = v.empty_dir.as_ref().and_then(|e| e.size_limit.as_ref())
        && crate::quantity::Quantity::parse(&limit.0).is_ok_and(|q| q.is_negative())
    {
        errs.push(FieldError::forbidden(
            here.child("sizeLimit"),
            "SizeLimit field must be a valid resource quantity",
        ));
    }
    if let Some(host_path) = &v.host_path
        && let Some(here) = one(true, "hostPath", errs)
    {
        if host_path.path.is_empty() {
            errs.push(FieldError::required(here.child("path"), ""));
        } else {
            path_no_backsteps(&host_path.path, &here.child("path"), errs);
            let kind = text(&host_path.type_);
            if host_path.type_.is_some()
                && !matches!(
                    kind,
                    "" | "DirectoryOrCreate"
                        | "Directory"
                        | "FileOrCreate"
                        | "File"
                        | "Socket"
                        | "CharDevice"
                        | "BlockDevice"
                )
            {
                errs.push(FieldError::not_supported(
                    here.child("type"),
                    kind,
                    &[
                        "",
                        "BlockDevice",
                        "CharDevice",
                        "Directory",
                        "DirectoryOrCreate",
                        "File",
                        "FileOrCreate",
                        "Socket",
                    ],
                ));
            }
        }
    }
    if let Some(git) = &v.git_repo
        && let Some(here) = one(true, "gitRepo", errs)
    {
        if git.repository.is_empty() {
            errs.push(FieldError::required(here.child("repository"), ""));
        }
        local_descending_path(text(&git.directory), &here.child("directory"), errs);
    }
    if let Some(pd) = &v.gce_persistent_disk
        && one(true, "gcePersistentDisk", errs).is_some()
    {
        let here = path.child("persistentDisk");
        if pd.pd_name.is_empty() {
            errs.push(FieldError::required(here.child("pdName"), ""));
        }
        partition(pd.partition, &here, errs);
    }
    if let Some(ebs) = &v.aws_elastic_block_store
        && let Some(here) = one(true, "awsElasticBlockStore", errs)
    {
        if ebs.volume_id.is_empty() {
            errs.push(FieldError::required(here.child("volumeID"), ""));
        }
        partition(ebs.partition, &here, errs);
    }
    if let Some(secret) = &v.secret
        && let Some(here) = one(true, "secret", errs)
    {
        if text(&secret.secret_name).is_empty() {
            errs.push(FieldError::required(here.child("secretName"), ""));
        }
        file_mode(secret.default_mode, &here.child("defaultMode"), errs);
        key_to_paths(secret.items.as_deref(), &here.child("items"), errs);
    }
    if let Some(nfs) = &v.nfs
        && let Some(here) = one(true, "nfs", errs)
    {
        if nfs.server.is_empty() {
            errs.push(FieldError::required(here.child("server"), ""));
        }
        if nfs.path.is_empty() {
            errs.push(FieldError::required(here.child("path"), ""));
        }
        if !nfs.path.starts_with('/') {
            errs.push(FieldError::invalid(
                here.child("path"),
                nfs.path.as_str(),
                "must be an absolute path",
            ));
        }
    }
    if let Some(iscsi) = &v.iscsi {
        if let Some(here) = one(true, "iscsi", errs) {
            self::iscsi(iscsi, &here, errs);
        }
        if iscsi.initiator_name.is_some() && v.name.len() + 1 + iscsi.target_portal.len() > 64 {
            errs.push(FieldError::invalid(
                path.child("name"),
                v.name.as_str(),
                "Total length of <volume name>:<iscsi.targetPortal> must be under 64 characters if iscsi.initiatorName is specified.",
            ));
        }
    }
    if let Some(gluster) = &v.glusterfs
        && let Some(here) = one(true, "glusterfs", errs)
    {
        if gluster.endpoints.is_empty() {
            errs.push(FieldError::required(here.child("endpoints"), ""));
        }
        if gluster.path.is_empty() {
            errs.push(FieldError::required(here.child("path"), ""));
        }
    }
    if let Some(flocker) = &v.flocker
        && let Some(here) = one(true, "flocker", errs)
    {
        let (name, uuid) = (text(&flocker.dataset_name), text(&flocker.dataset_uuid));
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
    if let Some(claim) = &v.persistent_volume_claim
        && let Some(here) = one(true, "persistentVolumeClaim", errs)
        && claim.claim_name.is_empty()
    {
        errs.push(FieldError::required(here.child("claimName"), ""));
    }
    if let Some(rbd) = &v.rbd
        && let Some(here) = one(true, "rbd", errs)
    {
        if rbd.monitors.is_empty() {
            errs.push(FieldError::required(here.child("monitors"), ""));
        }
        if rbd.image.is_empty() {
            errs.push(FieldError::required(here.child("image"), ""));
        }
    }
    if let Some(cinder) = &v.cinder
        && let Some(here) = one(true, "cinder", errs)
    {
        if cinder.volume_id.is_empty() {
            errs.push(FieldError::required(here.child("volumeID"), ""));
        }
        if cinder.secret_ref.as_ref().is_some_and(|s| s.name.is_empty()) {
            errs.push(FieldError::required(here.child("secretRef").child("name"), ""));
        }
    }
    if let Some(cephfs) = &v.cephfs
        && one(true, "cephFS", errs).is_some()
        && cephfs.monitors.is_empty()
    {
        errs.push(FieldError::required(path.child("cephfs").child("monitors"), ""));
    }
    if let Some(quobyte) = &v.quobyte
        && let Some(here) = one(true, "quobyte", errs)
    {
        let host_ports = "must be a host:port pair or multiple pairs separated by commas";
        if quobyte.registry.is_empty() {
            errs.push(FieldError::required(here.child("registry"), host_ports));
        } else if text(&quobyte.tenant).len() >= 65 {
            errs.push(FieldError::required(
                here.child("tenant"),
                "must be a UUID and may not exceed a length of 64 characters",
            ));
        } else {
            for pair in quobyte.registry.split(',') {
                if !is_host_port(pair) {
                    errs.push(FieldError::invalid(
                        here.child("registry"),
                        quobyte.registry.as_str(),
                        host_ports,
                    ));
                }
            }
        }
        if quobyte.volume.is_empty() {
            errs.push(FieldError::required(here.child("volume"), ""));
        }
    }
    // Upstream's typo: a downward API volume beside another source is reported at
    // `downwarAPI`.
    if let Some(downward) = &v.downward_api
        && one(true, "downwarAPI", errs).is_some()
    {
        let here = path.child("downwardAPI");
        file_mode(downward.default_mode, &here.child("defaultMode"), errs);
        // Every item is reported at the source's path, without the item's index.
        for file in downward.items.iter().flatten() {
            downward_api_file(file, &here, errs);
        }
    }
    if let Some(fc) = &v.fc
        && let Some(here) = one(true, "fc", errs)
    {
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
                super::containers::go_strings(wwns),
                "targetWWNs and wwids can not be specified simultaneously",
            ));
        }
        if !wwns.is_empty() {
            match fc.lun {
                None => errs.push(FieldError::required(
                    here.child("lun"),
                    "lun is required if targetWWNs is specified",
                )),
                Some(lun) if !(0..=255).contains(&lun) => {
                    errs.push(FieldError::invalid(
                        here.child("lun"),
                        lun,
                        "must be between 0 and 255, inclusive",
                    ));
                }
                Some(_) => {}
            }
        }
    }
    if let Some(flex) = &v.flex_volume
        && let Some(here) = one(true, "flexVolume", errs)
    {
        if flex.driver.is_empty() {
            errs.push(FieldError::required(here.child("driver"), ""));
        }
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
    if let Some(config_map) = &v.config_map
        && let Some(here) = one(true, "configMap", errs)
    {
        if config_map.name.is_empty() {
            errs.push(FieldError::required(here.child("name"), ""));
        }
        file_mode(config_map.default_mode, &here.child("defaultMode"), errs);
        key_to_paths(config_map.items.as_deref(), &here.child("items"), errs);
    }
    if let Some(azure) = &v.azure_file
        && let Some(here) = one(true, "azureFile", errs)
    {
        if azure.secret_name.is_empty() {
            errs.push(FieldError::required(here.child("secretName"), ""));
        }
        if azure.share_name.is_empty() {
            errs.push(FieldError::required(here.child("shareName"), ""));
        }
    }
    if let Some(vsphere) = &v.vsphere_volume
        && let Some(here) = one(true, "vsphereVolume", errs)
        && vsphere.volume_path.is_empty()
    {
        errs.push(FieldError::required(here.child("volumePath"), ""));
    }
    if let Some(photon) = &v.photon_persistent_disk
        && let Some(here) = one(true, "photonPersistentDisk", errs)
        && photon.pd_id.is_empty()
    {
        errs.push(FieldError::required(here.child("pdID"), ""));
    }
    if let Some(portworx) = &v.portworx_volume
        && let Some(here) = one(true, "portworxVolume", errs)
        && portworx.volume_id.is_empty()
    {
        errs.push(FieldError::required(here.child("volumeID"), ""));
    }
    if let Some(azure) = &v.azure_disk
        && let Some(here) = one(true, "azureDisk", errs)
    {
        azure_disk(azure, &here, errs);
    }
    if let Some(storageos) = &v.storageos
        && let Some(here) = one(true, "storageos", errs)
    {
        let volume_name = text(&storageos.volume_name);
        if volume_name.is_empty() {
            errs.push(FieldError::required(here.child("volumeName"), ""));
        } else {
            for msg in is_dns1123_label(volume_name) {
                errs.push(FieldError::invalid(here.child("volumeName"), volume_name, msg));
            }
        }
        let namespace = text(&storageos.volume_namespace);
        if !namespace.is_empty() {
            for msg in is_dns1123_label(namespace) {
                errs.push(FieldError::invalid(here.child("volumeNamespace"), namespace, msg));
            }
        }
        if storageos.secret_ref.as_ref().is_some_and(|s| s.name.is_empty()) {
            errs.push(FieldError::required(here.child("secretRef").child("name"), ""));
        }
    }
    if let Some(projected) = &v.projected
        && let Some(here) = one(true, "projected", errs)
    {
        self::projected(projected, &here, opts, errs);
    }
    if let Some(scale_io) = &v.scale_io
        && let Some(here) = one(true, "scaleIO", errs)
    {
        for (value, field) in [
            (scale_io.gateway.as_str(), "gateway"),
            (scale_io.system.as_str(), "system"),
            (text(&scale_io.volume_name), "volumeName"),
        ] {
            if value.is_empty() {
                errs.push(FieldError::required(here.child(field), ""));
            }
        }
    }
    if let Some(csi) = &v.csi
        && let Some(here) = one(true, "csi", errs)
    {
        csi_driver_name(&csi.driver, &here.child("driver"), errs);
        if let Some(secret) = &csi.node_publish_secret_ref {
            if secret.name.is_empty() {
                errs.push(FieldError::required(
                    here.child("nodePublishSecretRef").child("name"),
                    "",
                ));
            } else {
                // Upstream reports a bad secret name at `csi.name`.
                for msg in is_dns1123_subdomain(&secret.name) {
                    errs.push(FieldError::invalid(here.child("name"), secret.name.as_str(), msg));
                }
            }
        }
    }
    if let Some(ephemeral) = &v.ephemeral
        && let Some(here) = one(true, "ephemeral", errs)
    {
        match &ephemeral.volume_claim_template {
            None => errs.push(FieldError::required(here.child("volumeClaimTemplate"), "")),
            Some(template) => claim_template(template, &here.child("volumeClaimTemplate"), errs),
        }
        // The claim will be named `<pod>-<volume>`.
        if let Some(pod) = pod_name
            && !v.name.is_empty()
        {
            let claim = format!("{pod}-{}", v.name);
            for msg in is_dns1123_subdomain(&claim) {
                errs.push(FieldError::invalid(
                    path.child("name"),
                    v.name.as_str(),
                    format!("PVC name {}: {msg}", quote(&claim)),
                ));
            }
        }
    }
    if let Some(image) = &v.image
        && let Some(here) = one(true, "image", errs)
    {
        if opts.resource_is_pod && text(&image.reference).is_empty() {
            errs.push(FieldError::required(here.child("reference"), ""));
        }
        if let Some(policy) = image.pull_policy.as_deref() {
            pull_policy(policy, &here.child("pullPolicy"), errs);
        }
    }
    // A volume without a source is defaulted to an empty dir upstream, so "must
    // specify a volume type" cannot happen for a v1 object.
}

fn partition(value: Option<i32>, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if let Some(p) = value
        && !(0..=255).contains(&p)
    {
        errs.push(FieldError::invalid(
            path.child("partition"),
            p,
            "must be between 1 and 255, inclusive",
        ));
    }
}

/// `net.SplitHostPort` succeeds: `host:port`, or `[v6]:port`.
fn is_host_port(pair: &str) -> bool {
    if let Some(rest) = pair.strip_prefix('[') {
        return rest
            .split_once(']')
            .is_some_and(|(_, after)| after.starts_with(':') && !after[1..].contains(':'));
    }
    pair.matches(':').count() == 1 && !pair.contains(['[', ']'])
}

static IQN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"iqn\.[0-9]{4}-[0-9]{2}\.([[:alnum:].\-]+)(:[^,;*&$|\t\n\x0B\x0C\r ]+)$").expect("static regex")
});
static EUI: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^eui.[[:alnum:]]{16}$").expect("static regex"));
static NAA: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^naa.[[:alnum:]]{32}$").expect("static regex"));

fn iscsi_name_malformed(name: &str) -> bool {
    (name.starts_with("iqn") && !IQN.is_match(name))
        || (name.starts_with("eui") && !EUI.is_match(name))
        || (name.starts_with("naa") && !NAA.is_match(name))
}

fn iscsi(iscsi: &k8s_openapi::api::core::v1::ISCSIVolumeSource, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let prefixed = |name: &str| name.starts_with("iqn") || name.starts_with("eui") || name.starts_with("naa");
    if iscsi.target_portal.is_empty() {
        errs.push(FieldError::required(path.child("targetPortal"), ""));
    }
    let iqn = iscsi.iqn.as_str();
    if iqn.is_empty() {
        errs.push(FieldError::required(path.child("iqn"), ""));
    } else if !prefixed(iqn) {
        errs.push(FieldError::invalid(
            path.child("iqn"),
            iqn,
            "must be valid format starting with iqn, eui, or naa",
        ));
    } else if iscsi_name_malformed(iqn) {
        errs.push(FieldError::invalid(path.child("iqn"), iqn, "must be valid format"));
    }
    if !(0..=255).contains(&iscsi.lun) {
        errs.push(FieldError::invalid(
            path.child("lun"),
            iscsi.lun,
            "must be between 0 and 255, inclusive",
        ));
    }
    let chap = iscsi.chap_auth_discovery == Some(true) || iscsi.chap_auth_session == Some(true);
    if chap && iscsi.secret_ref.is_none() {
        errs.push(FieldError::required(path.child("secretRef"), ""));
    }
    if let Some(initiator) = iscsi.initiator_name.as_deref() {
        if !prefixed(initiator) {
            errs.push(FieldError::invalid(
                path.child("initiatorname"),
                initiator,
                "must be valid format starting with iqn, eui, or naa",
            ));
        }
        if iscsi_name_malformed(initiator) {
            errs.push(FieldError::invalid(
                path.child("initiatorname"),
                initiator,
                "must be valid format",
            ));
        }
    }
}

fn azure_disk(azure: &k8s_openapi::api::core::v1::AzureDiskVolumeSource, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if azure.disk_name.is_empty() {
        errs.push(FieldError::required(path.child("diskName"), ""));
    }
    if azure.disk_uri.is_empty() {
        errs.push(FieldError::required(path.child("diskURI"), ""));
    }
    if let Some(mode) = azure.caching_mode.as_deref()
        && !matches!(mode, "None" | "ReadOnly" | "ReadWrite")
    {
        errs.push(FieldError::not_supported(
            path.child("cachingMode"),
            mode,
            &["None", "ReadOnly", "ReadWrite"],
        ));
    }
    if let Some(kind) = azure.kind.as_deref() {
        if !matches!(kind, "Shared" | "Dedicated" | "Managed") {
            errs.push(FieldError::not_supported(
                path.child("kind"),
                kind,
                &["Dedicated", "Managed", "Shared"],
            ));
        }
        if kind == "Managed" && !azure.disk_uri.starts_with("/subscriptions/") {
            errs.push(FieldError::not_supported(
                path.child("diskURI"),
                azure.disk_uri.as_str(),
                &["/subscriptions/{sub-id}/resourcegroups/{group-name}/providers/microsoft.compute/disks/{disk-id}"],
            ));
        }
        if kind != "Managed" && !azure.disk_uri.starts_with("https://") {
            errs.push(FieldError::not_supported(
                path.child("diskURI"),
                azure.disk_uri.as_str(),
                &["https://{account-name}.blob.core.windows.net/{container-name}/{disk-name}.vhd"],
            ));
        }
    }
}

/// `ValidateCSIDriverName`: required, at most 63 bytes, a DNS subdomain once
/// lowercased.
fn csi_driver_name(driver: &str, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if driver.is_empty() {
        errs.push(FieldError::required(path, ""));
    }
    if driver.len() > 63 {
        errs.push(FieldError::too_long(path, 63));
    }
    for msg in is_dns1123_subdomain(&driver.to_lowercase()) {
        errs.push(FieldError::invalid(path, driver, msg));
    }
}

/// `validateKeyToPath` for each item.
fn key_to_paths(items: Option<&[KeyToPath]>, path: &FieldPath, errs: &mut Vec<FieldError>) {
    for (i, item) in items.unwrap_or_default().iter().enumerate() {
        key_to_path(item, &path.index(i), errs);
    }
}

fn key_to_path(item: &KeyToPath, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if item.key.is_empty() {
        errs.push(FieldError::required(path.child("key"), ""));
    }
    if item.path.is_empty() {
        errs.push(FieldError::required(path.child("path"), ""));
    }
    local_non_reserved_path(&item.path, &path.child("path"), errs);
    file_mode(item.mode, &path.child("mode"), errs);
}

/// `validateDownwardAPIVolumeFile`: a relative path, one field or resource reference,
/// a mode in range.
fn downward_api_file(file: &DownwardAPIVolumeFile, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if file.path.is_empty() {
        errs.push(FieldError::required(path.child("path"), ""));
    }
    local_non_reserved_path(&file.path, &path.child("path"), errs);
    match (&file.field_ref, &file.resource_field_ref) {
        (Some(field_ref), resource_ref) => {
            object_field_selector(field_ref, &VOLUME_FIELD_PATHS, &path.child("fieldRef"), errs);
            if resource_ref.is_some() {
                errs.push(FieldError::invalid(
                    path,
                    "resource",
                    "fieldRef and resourceFieldRef can not be specified simultaneously",
                ));
            }
        }
        (None, Some(resource_ref)) => {
            resource_field_selector(resource_ref, true, &path.child("resourceFieldRef"), errs)
        }
        (None, None) => errs.push(FieldError::required(
            path,
            "one of fieldRef and resourceFieldRef is required",
        )),
    }
    file_mode(file.mode, &path.child("mode"), errs);
}

/// `validateProjectedVolumeSource`: a mode in range; each source of one kind; file
/// paths unique across sources (upstream reports a clash at the volume's path, with a
/// secret's or config map's *name* as the value).
fn projected(projected: &ProjectedVolumeSource, path: &FieldPath, opts: &Options, errs: &mut Vec<FieldError>) {
    file_mode(projected.default_mode, &path.child("defaultMode"), errs);
    let mut paths: HashSet<&str> = HashSet::new();
    for (i, source) in projected.sources.iter().flatten().enumerate() {
        let here = path.child("sources").index(i);
        let mut count = 0;
        if let Some(secret) = &source.secret {
            count += 1;
            let secret_path = here.child("secret");
            if secret.name.is_empty() {
                errs.push(FieldError::required(secret_path.child("name"), ""));
            }
            for (j, item) in secret.items.iter().flatten().enumerate() {
                key_to_path(item, &secret_path.child("items").index(j), errs);
                if !item.path.is_empty() && !paths.insert(&item.path) {
                    errs.push(FieldError::invalid(
                        path,
                        secret.name.as_str(),
                        "conflicting duplicate paths",
                    ));
                }
            }
        }
        if let Some(config_map) = &source.config_map {
            count += 1;
            let config_map_path = here.child("configMap");
            if config_map.name.is_empty() {
                errs.push(FieldError::required(config_map_path.child("name"), ""));
            }
            for (j, item) in config_map.items.iter().flatten().enumerate() {
                key_to_path(item, &config_map_path.child("items").index(j), errs);
                if !item.path.is_empty() && !paths.insert(&item.path) {
                    errs.push(FieldError::invalid(
                        path,
                        config_map.name.as_str(),
                        "conflicting duplicate paths",
                    ));
                }
            }
        }
        if let Some(downward) = &source.downward_api {
            count += 1;
            for file in downward.items.iter().flatten() {
                downward_api_file(file, &here.child("downwardAPI"), errs);
                if !file.path.is_empty() && !paths.insert(&file.path) {
                    errs.push(FieldError::invalid(
                        path,
                        file.path.as_str(),
                        "conflicting duplicate paths",
                    ));
                }
            }
        }
        if let Some(token) = &source.service_account_token {
            count += 1;
            // Defaulted to an hour when absent.
            let expiration = token.expiration_seconds.unwrap_or(3600);
            let expiration_path = here.child("serviceAccountToken").child("expirationSeconds");
            if expiration < 600 {
                errs.push(FieldError::invalid(
                    &expiration_path,
                    expiration,
                    "may not specify a duration less than 10 minutes",
                ));
            }
            if expiration > 1 << 32 {
                errs.push(FieldError::invalid(
                    &expiration_path,
                    expiration,
                    "may not specify a duration larger than 2^32 seconds",
                ));
            }
            // Upstream reports the token's path at the volume's `path`.
            if token.path.is_empty() {
                errs.push(FieldError::required(path.child("path"), ""));
            } else if !opts.allow_non_local_projected_token_path {
                local_non_reserved_path(&token.path, &path.child("path"), errs);
            }
        }
        if let Some(bundle) = &source.cluster_trust_bundle {
            count += 1;
            let bundle_path = here.child("clusterTrustBundle");
            match (&bundle.name, &bundle.signer_name) {
                (Some(_), Some(_)) => errs.push(FieldError::invalid(
                    &bundle_path,
                    crate::field_error::FieldValue::json(bundle),
                    "only one of name and signerName may be used",
                )),
                (Some(name), None) => {
                    if name.is_empty() {
                        errs.push(FieldError::required(
                            bundle_path.child("name"),
                            "must be a valid object name",
                        ));
                    }
                    if bundle.label_selector.is_some() {
                        errs.push(FieldError::invalid(
                            bundle_path.child("labelSelector"),
                            crate::field_error::FieldValue::json(&bundle.label_selector),
                            "labelSelector must be unset if name is specified",
                        ));
                    }
                }
                (None, Some(signer)) => {
                    if signer.is_empty() {
                        errs.push(FieldError::required(
                            bundle_path.child("signerName"),
                            "must be a valid signer name",
                        ));
                    }
                    if let Some(selector) = &bundle.label_selector {
                        label_selector(selector, false, &bundle_path.child("labelSelector"), errs);
                    }
                }
                (None, None) => errs.push(FieldError::required(
                    &bundle_path,
                    "either name or signerName must be specified",
                )),
            }
            if bundle.path.is_empty() {
                errs.push(FieldError::required(bundle_path.child("path"), ""));
            }
            local_non_reserved_path(&bundle.path, &bundle_path.child("path"), errs);
            if !paths.insert(&bundle.path) {
                errs.push(FieldError::invalid(
                    path,
                    bundle.path.as_str(),
                    "conflicting duplicate paths",
                ));
            }
        }
        if count > 1 {
            errs.push(FieldError::forbidden(
                &here,
                "may not specify more than 1 volume type per source",
            ));
        }
    }
}

/// Whether an old pod already had a projected token path that is not local (it may
/// keep it on update).
pub(super) fn has_non_local_token_path(spec: &PodSpec) -> bool {
    spec.volumes
        .iter()
        .flatten()
        .filter_map(|v| v.projected.as_ref())
        .flat_map(|p| p.sources.iter().flatten())
        .filter_map(|s| s.service_account_token.as_ref())
        .any(|token| {
            let mut scratch = Vec::new();
            local_non_reserved_path(&token.path, &FieldPath::default(), &mut scratch);
            !scratch.is_empty()
        })
}

/// `ValidatePersistentVolumeClaimTemplate`: only labels and annotations in the
/// metadata, and a valid claim spec.
fn claim_template(template: &PersistentVolumeClaimTemplate, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let meta_path = path.child("metadata");
    if let Some(meta) = &template.metadata {
        template_object_meta(meta, &meta_path, errs);
    }
    claim_spec(&template.spec, &path.child("spec"), errs);
}

/// `ValidateTemplateObjectMeta`: labels and annotations; any other metadata field is
/// forbidden ("cannot be set"), named as upstream lowercases the Go field's first
/// letter (`uID`).
fn template_object_meta(meta: &ObjectMeta, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if let Some(annotations) = &meta.annotations {
        errs.extend(validate_annotations(
            annotations.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &path.child("annotations"),
        ));
    }
    if let Some(labels) = &meta.labels {
        errs.extend(validate_labels(
            labels.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &path.child("labels"),
        ));
    }
    let set = [
        (meta.name.as_ref().is_some_and(|v| !v.is_empty()), "name"),
        (
            meta.generate_name.as_ref().is_some_and(|v| !v.is_empty()),
            "generateName",
        ),
        (meta.namespace.as_ref().is_some_and(|v| !v.is_empty()), "namespace"),
        (meta.self_link.as_ref().is_some_and(|v| !v.is_empty()), "selfLink"),
        (meta.uid.as_ref().is_some_and(|v| !v.is_empty()), "uID"),
        (
            meta.resource_version.as_ref().is_some_and(|v| !v.is_empty()),
            "resourceVersion",
        ),
        (meta.generation.is_some_and(|g| g != 0), "generation"),
        (meta.creation_timestamp.is_some(), "creationTimestamp"),
        (meta.deletion_timestamp.is_some(), "deletionTimestamp"),
        (
            meta.deletion_grace_period_seconds.is_some(),
            "deletionGracePeriodSeconds",
        ),
        (meta.owner_references.is_some(), "ownerReferences"),
        (meta.finalizers.is_some(), "finalizers"),
        (meta.managed_fields.is_some(), "managedFields"),
    ];
    for (is_set, field) in set {
        if is_set {
            errs.push(FieldError::forbidden(path.child(field), "cannot be set"));
        }
    }
}

const ACCESS_MODES: [&str; 4] = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];

/// `ValidatePersistentVolumeClaimSpec`, for claim templates: access modes, a positive
/// storage request, the class name, the volume mode and data sources.
fn claim_spec(spec: &PersistentVolumeClaimSpec, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let modes = spec.access_modes.as_deref().unwrap_or_default();
    if modes.is_empty() {
        errs.push(FieldError::required(
            path.child("accessModes"),
            "at least 1 access mode is required",
        ));
    }
    if let Some(selector) = &spec.selector {
        label_selector(selector, false, &path.child("selector"), errs);
    }
    let (mut once_pod, mut other) = (false, false);
    for mode in modes {
        if !ACCESS_MODES.contains(&mode.as_str()) {
            errs.push(FieldError::not_supported(
                path.child("accessModes"),
                mode.as_str(),
                &ACCESS_MODES,
            ));
        }
        if mode == "ReadWriteOncePod" {
            once_pod = true;
        } else if ACCESS_MODES.contains(&mode.as_str()) {
            other = true;
        }
    }
    if once_pod && other {
        errs.push(FieldError::forbidden(
            path.child("accessModes"),
            "may not use ReadWriteOncePod with other access modes",
        ));
    }
    // Upstream keys the storage request on `resources`, not `resources.requests`.
    let storage_path = path.child("resources").key("storage");
    match spec
        .resources
        .as_ref()
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"))
    {
        None => errs.push(FieldError::required(&storage_path, "")),
        Some(text) => {
            if let Some(value) = resources::parse(text, &storage_path, errs)
                && value.nanos() <= 0
            {
                errs.push(FieldError::invalid(
                    &storage_path,
                    canonical(&text.0),
                    "must be greater than zero",
                ));
            }
        }
    }
    let class = text(&spec.storage_class_name);
    if !class.is_empty() {
        for msg in is_dns1123_subdomain(class) {
            errs.push(FieldError::invalid(path.child("storageClassName"), class, msg));
        }
    }
    if let Some(mode) = spec.volume_mode.as_deref()
        && !matches!(mode, "Block" | "Filesystem")
    {
        errs.push(FieldError::not_supported(
            path.child("volumeMode"),
            mode,
            &["Block", "Filesystem"],
        ));
    }
    if let Some(source) = &spec.data_source {
        data_source(
            &source.name,
            &source.kind,
            text(&source.api_group),
            None,
            &path.child("dataSource"),
            errs,
        );
    }
    if let Some(source) = &spec.data_source_ref {
        data_source(
            &source.name,
            &source.kind,
            text(&source.api_group),
            source.namespace.as_deref(),
            &path.child("dataSourceRef"),
            errs,
        );
    }
    let ref_namespace = spec
        .data_source_ref
        .as_ref()
        .and_then(|r| r.namespace.as_deref())
        .unwrap_or_default();
    let data_source_path = path.child("dataSource");
    if !ref_namespace.is_empty() {
        if spec.data_source.is_some() {
            errs.push(FieldError::invalid(
                path,
                data_source_path.as_str(),
                "may not be specified when dataSourceRef.namespace is specified",
            ));
        }
    } else if let (Some(source), Some(reference)) = (&spec.data_source, &spec.data_source_ref)
        && (source.api_group != reference.api_group || source.kind != reference.kind || source.name != reference.name)
    {
        errs.push(FieldError::invalid(
            path,
            data_source_path.as_str(),
            "must match dataSourceRef",
        ));
    }
}

/// `validateDataSource` / `validateDataSourceRef`.
fn data_source(
    name: &str,
    kind: &str,
    api_group: &str,
    namespace: Option<&str>,
    path: &FieldPath,
    errs: &mut Vec<FieldError>,
) {
    if name.is_empty() {
        errs.push(FieldError::required(path.child("name"), ""));
    }
    if kind.is_empty() {
        errs.push(FieldError::required(path.child("kind"), ""));
    }
    if api_group.is_empty() && kind != "PersistentVolumeClaim" {
        errs.push(FieldError::invalid(
            path,
            kind,
            "must be 'PersistentVolumeClaim' when referencing the default apiGroup",
        ));
    }
    if !api_group.is_empty() {
        for msg in is_dns1123_subdomain(api_group) {
            errs.push(FieldError::invalid(path.child("apiGroup"), api_group, msg));
        }
    }
    if let Some(namespace) = namespace.filter(|n| !n.is_empty()) {
        for msg in NameRule::Dns1123Label.check(namespace, false) {
            errs.push(FieldError::invalid(path.child("namespace"), namespace, msg));
        }
    }
}
