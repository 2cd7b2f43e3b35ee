//! Storage defaults: PersistentVolumes and PersistentVolumeClaims
//! (`pkg/apis/core/v1/defaults.go`), the claim's data-source normalisation the PVC
//! strategy does on every create and update (`pkg/api/persistentvolumeclaim/util.go`,
//! AnyVolumeDataSource being on), StorageClasses, CSIDrivers and VolumeAttachments'
//! inline volumes (`pkg/apis/storage/v1/defaults.go`), and the volume-source defaults
//! pods and persistent volumes share (host path type, iSCSI, RBD, Azure disk, ScaleIO).
//!
//! Not here: dropping `volumeAttributesClassName` (VolumeAttributesClass is off in
//! 1.33) and `dataSourceRef.namespace` (CrossNamespaceVolumeDataSource, alpha) unless
//! the stored object already uses them — that needs the old object.

use serde_json::{Value, json};

use super::{child, fill, has, present, set, text};

pub(super) fn persistent_volume(volume: &mut Value) {
    fill(child(volume, "status"), "phase", json!("Pending"));
    let spec = child(volume, "spec");
    fill(spec, "persistentVolumeReclaimPolicy", json!("Retain"));
    set(spec, "volumeMode", json!("Filesystem"));
    volume_sources(spec);
}

pub(super) fn persistent_volume_claim(claim: &mut Value) {
    fill(child(claim, "status"), "phase", json!("Pending"));
    let spec = child(claim, "spec");
    claim_spec(spec);
    data_sources(spec);
}

/// `SetDefaults_PersistentVolumeClaimSpec`, also for StatefulSet claim templates and
/// ephemeral volumes.
pub(super) fn claim_spec(spec: &mut Value) {
    set(spec, "volumeMode", json!("Filesystem"));
}

/// A legacy `dataSource` other than a PVC or VolumeSnapshot is dropped when no
/// `dataSourceRef` is given; then whichever of the two is missing mirrors the other
/// (not a namespaced `dataSourceRef`).
fn data_sources(spec: &mut Value) {
    if !spec.is_object() {
        return;
    }
    if !has(spec, "dataSourceRef")
        && !spec.get("dataSource").is_some_and(is_claim_or_snapshot)
        && let Some(map) = spec.as_object_mut()
    {
        map.remove("dataSource");
    }
    let reference = |source: &Value| {
        let mut copy = json!({"kind": text(source, "kind"), "name": text(source, "name")});
        if let Some(group) = source.get("apiGroup").filter(|g| g.is_string()) {
            copy["apiGroup"] = group.clone();
        }
        copy
    };
    match (
        present(spec, "dataSource").is_some(),
        present(spec, "dataSourceRef").is_some(),
    ) {
        (true, false) => {
            let copy = reference(&spec["dataSource"]);
            spec["dataSourceRef"] = copy;
        }
        (false, true) if text(&spec["dataSourceRef"], "namespace").is_empty() => {
            let copy = reference(&spec["dataSourceRef"]);
            spec["dataSource"] = copy;
        }
        _ => {}
    }
}

fn is_claim_or_snapshot(source: &Value) -> bool {
    matches!(
        (text(source, "apiGroup"), text(source, "kind")),
        ("", "PersistentVolumeClaim") | ("snapshot.storage.k8s.io", "VolumeSnapshot")
    )
}

/// Defaults of the volume sources a pod volume and a persistent volume share, on the
/// object holding them.
pub(super) fn volume_sources(holder: &mut Value) {
    if let Some(host_path) = present(holder, "hostPath") {
        set(host_path, "type", json!(""));
    }
    if let Some(iscsi) = present(holder, "iscsi") {
        fill(iscsi, "iscsiInterface", json!("default"));
    }
    if let Some(rbd) = present(holder, "rbd") {
        fill(rbd, "pool", json!("rbd"));
        fill(rbd, "user", json!("admin"));
        fill(rbd, "keyring", json!("/etc/ceph/keyring"));
    }
    if let Some(disk) = present(holder, "azureDisk") {
        set(disk, "cachingMode", json!("ReadWrite"));
        set(disk, "kind", json!("Shared"));
        set(disk, "fsType", json!("ext4"));
        set(disk, "readOnly", json!(false));
    }
    if let Some(scale_io) = present(holder, "scaleIO") {
        fill(scale_io, "storageMode", json!("ThinProvisioned"));
        fill(scale_io, "fsType", json!("xfs"));
    }
}

pub(super) fn storage_class(class: &mut Value) {
    set(class, "reclaimPolicy", json!("Delete"));
    set(class, "volumeBindingMode", json!("Immediate"));
}

pub(super) fn csi_driver(driver: &mut Value) {
    let spec = child(driver, "spec");
    set(spec, "attachRequired", json!(true));
    set(spec, "podInfoOnMount", json!(false));
    set(spec, "storageCapacity", json!(false));
    set(spec, "fsGroupPolicy", json!("ReadWriteOnceWithFSType"));
    if !super::non_empty(spec, "volumeLifecycleModes")
        && let Some(map) = spec.as_object_mut()
    {
        map.insert("volumeLifecycleModes".into(), json!(["Persistent"]));
    }
    set(spec, "requiresRepublish", json!(false));
    // SELinuxMountReadWriteOncePod is beta and on in 1.33.
    set(spec, "seLinuxMount", json!(false));
}

pub(super) fn volume_attachment(attachment: &mut Value) {
    if let Some(inline) = attachment
        .pointer_mut("/spec/source/inlineVolumeSpec")
        .filter(|spec| spec.is_object())
    {
        volume_sources(inline);
    }
}

#[cfg(test)]
mod tests {
    use super::super::apply;
    use serde_json::{Value, json};

    fn defaulted(group: &str, kind: &str, mut object: Value) -> Value {
        apply(group, kind, &mut object);
        object
    }

    #[test]
    fn volumes_and_claims() {
        let volume = defaulted(
            "",
            "PersistentVolume",
            json!({"spec": {"capacity": {"storage": "1Gi"}, "hostPath": {"path": "/d"}}}),
        );
        assert_eq!(
            volume,
            json!({"spec": {"capacity": {"storage": "1Gi"}, "hostPath": {"path": "/d", "type": ""},
                "persistentVolumeReclaimPolicy": "Retain", "volumeMode": "Filesystem"},
                "status": {"phase": "Pending"}})
        );
        let kept = defaulted(
            "",
            "PersistentVolume",
            json!({"spec": {"persistentVolumeReclaimPolicy": "Delete", "volumeMode": "Block",
                "rbd": {"monitors": ["m"], "image": "i"}}, "status": {"phase": "Bound"}}),
        );
        assert_eq!(kept["spec"]["persistentVolumeReclaimPolicy"], "Delete");
        assert_eq!(kept["spec"]["volumeMode"], "Block");
        assert_eq!(kept["status"]["phase"], "Bound");
        assert_eq!(
            kept["spec"]["rbd"],
            json!({"monitors": ["m"], "image": "i", "pool": "rbd", "user": "admin", "keyring": "/etc/ceph/keyring"})
        );
        let claim = defaulted(
            "",
            "PersistentVolumeClaim",
            json!({"spec": {"accessModes": ["ReadWriteOnce"]}}),
        );
        assert_eq!(claim["spec"]["volumeMode"], "Filesystem");
        assert_eq!(claim["status"], json!({"phase": "Pending"}));
    }

    #[test]
    fn claim_data_sources_mirror_each_other() {
        let cases = [
            // legacy field only: copied to dataSourceRef
            (
                json!({"dataSource": {"kind": "PersistentVolumeClaim", "name": "src"}}),
                json!({"dataSource": {"kind": "PersistentVolumeClaim", "name": "src"},
                       "dataSourceRef": {"kind": "PersistentVolumeClaim", "name": "src"}}),
            ),
            (
                json!({"dataSource": {"apiGroup": "snapshot.storage.k8s.io", "kind": "VolumeSnapshot", "name": "s"}}),
                json!({"dataSource": {"apiGroup": "snapshot.storage.k8s.io", "kind": "VolumeSnapshot", "name": "s"},
                       "dataSourceRef": {"apiGroup": "snapshot.storage.k8s.io", "kind": "VolumeSnapshot", "name": "s"}}),
            ),
            // other kinds in the legacy field are dropped silently
            (
                json!({"dataSource": {"apiGroup": "example.com", "kind": "Populator", "name": "p"}}),
                json!({}),
            ),
            // new field only: copied back unless namespaced
            (
                json!({"dataSourceRef": {"apiGroup": "example.com", "kind": "Populator", "name": "p"}}),
                json!({"dataSourceRef": {"apiGroup": "example.com", "kind": "Populator", "name": "p"},
                       "dataSource": {"apiGroup": "example.com", "kind": "Populator", "name": "p"}}),
            ),
            (
                json!({"dataSourceRef": {"kind": "PersistentVolumeClaim", "name": "p", "namespace": "other"}}),
                json!({"dataSourceRef": {"kind": "PersistentVolumeClaim", "name": "p", "namespace": "other"}}),
            ),
        ];
        for (spec, want) in cases {
            let claim = defaulted("", "PersistentVolumeClaim", json!({"spec": spec}));
            let mut got = claim["spec"].clone();
            got.as_object_mut().map(|m| m.remove("volumeMode"));
            assert_eq!(got, want, "{spec}");
        }
    }

    #[test]
    fn storage_classes_and_csi_drivers() {
        let class = defaulted("storage.k8s.io", "StorageClass", json!({"provisioner": "p"}));
        assert_eq!(class["reclaimPolicy"], "Delete");
        assert_eq!(class["volumeBindingMode"], "Immediate");
        let class = defaulted(
            "storage.k8s.io",
            "StorageClass",
            json!({"provisioner": "p", "reclaimPolicy": "Retain", "volumeBindingMode": "WaitForFirstConsumer"}),
        );
        assert_eq!(class["reclaimPolicy"], "Retain");
        assert_eq!(class["volumeBindingMode"], "WaitForFirstConsumer");
        let driver = defaulted("storage.k8s.io", "CSIDriver", json!({"spec": {"podInfoOnMount": true}}));
        assert_eq!(
            driver["spec"],
            json!({"attachRequired": true, "podInfoOnMount": true, "storageCapacity": false,
                "fsGroupPolicy": "ReadWriteOnceWithFSType", "volumeLifecycleModes": ["Persistent"],
                "requiresRepublish": false, "seLinuxMount": false})
        );
        let driver = defaulted(
            "storage.k8s.io",
            "CSIDriver",
            json!({"spec": {"volumeLifecycleModes": ["Ephemeral"]}}),
        );
        assert_eq!(driver["spec"]["volumeLifecycleModes"], json!(["Ephemeral"]));
        let attachment = defaulted(
            "storage.k8s.io",
            "VolumeAttachment",
            json!({"spec": {"source": {"inlineVolumeSpec": {"hostPath": {"path": "/x"}}}}}),
        );
        assert_eq!(
            crate::pointer::get(&attachment, "/spec/source/inlineVolumeSpec/hostPath/type"),
            Some(&json!(""))
        );
    }
}
