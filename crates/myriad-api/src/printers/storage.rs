//! Storage: persistent volumes and claims (capacity in canonical quantity form, access
//! modes as `RWO,ROX,RWX,RWOP`, the storage class from the beta annotation first,
//! `Terminating` once deleted), storage classes (`(default)` after the default one's
//! name), CSI drivers and nodes, and volume attachments. CSIStorageCapacities are
//! registered upstream with the default table convertor (NAME, CREATED AT) although a
//! printer exists for them, so that is what they print.

use serde_json::Value;

use super::format::{Now, at, count, flag, items, name, quantity, set, text};
use super::{AGE, DEFAULT, NAME, Printer, column, d, wide};

pub(super) fn printer(group: &str, resource: &str) -> Option<&'static Printer> {
    Some(match (group, resource) {
        ("", "persistentvolumes") => &PERSISTENT_VOLUME,
        ("", "persistentvolumeclaims") => &PERSISTENT_VOLUME_CLAIM,
        ("storage.k8s.io", "storageclasses") => &STORAGE_CLASS,
        ("storage.k8s.io", "csidrivers") => &CSI_DRIVER,
        ("storage.k8s.io", "csinodes") => &CSI_NODE,
        ("storage.k8s.io", "volumeattachments") => &VOLUME_ATTACHMENT,
        ("storage.k8s.io", "csistoragecapacities") => &DEFAULT,
        _ => return None,
    })
}

/// The annotation that, when present, names the storage class instead of the spec.
const BETA_STORAGE_CLASS: &str = "volume.beta.kubernetes.io/storage-class";

/// Upstream's `GetAccessModesAsString`: the modes present, in a fixed order.
fn access_modes(modes: &[Value]) -> String {
    let present = |mode: &str| modes.iter().any(|m| m.as_str() == Some(mode));
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .into_iter()
    .filter(|(mode, _)| present(mode))
    .map(|(_, short)| short)
    .collect::<Vec<_>>()
    .join(",")
}

/// The storage class of a volume or claim: the beta annotation when present, else
/// `spec.storageClassName`.
fn storage_class(object: &Value) -> &str {
    match at(object, &["metadata", "annotations", BETA_STORAGE_CLASS]) {
        Some(class) => class.as_str().unwrap_or(""),
        None => text(object, &["spec", "storageClassName"]),
    }
}

/// A volume's or claim's phase, `Terminating` once it is being deleted.
fn phase(object: &Value) -> &str {
    if set(object, &["metadata", "deletionTimestamp"]).is_some() {
        "Terminating"
    } else {
        text(object, &["status", "phase"])
    }
}

/// An optional string field, `<unset>` when missing.
fn or_unset<'a>(object: &'a Value, path: &[&str]) -> &'a str {
    set(object, path).and_then(Value::as_str).unwrap_or("<unset>")
}

static PERSISTENT_VOLUME: Printer = Printer {
    columns: &[
        NAME,
        column("Capacity", "string", d::PV_CAPACITY),
        column("Access Modes", "string", d::PV_ACCESS_MODES),
        column("Reclaim Policy", "string", d::PV_RECLAIM_POLICY),
        column("Status", "string", d::PV_PHASE),
        column("Claim", "string", d::PV_CLAIM_REF),
        column("StorageClass", "string", "StorageClass of the pv"),
        column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
        column("Reason", "string", d::PV_REASON),
        AGE,
        wide("VolumeMode", "string", d::PV_VOLUME_MODE),
    ],
    cells: |pv, now| {
        let claim = match set(pv, &["spec", "claimRef"]) {
            Some(claim) => format!("{}/{}", text(claim, &["namespace"]), text(claim, &["name"])),
            None => String::new(),
        };
        vec![
            name(pv),
            Value::String(quantity(at(pv, &["spec", "capacity", "storage"])).unwrap_or_else(|| "0".to_owned())),
            Value::String(access_modes(items(pv, &["spec", "accessModes"]))),
            Value::from(text(pv, &["spec", "persistentVolumeReclaimPolicy"])),
            Value::from(phase(pv)),
            Value::String(claim),
            Value::from(storage_class(pv)),
            Value::from(or_unset(pv, &["spec", "volumeAttributesClassName"])),
            Value::from(text(pv, &["status", "reason"])),
            now.age(pv),
            Value::from(or_unset(pv, &["spec", "volumeMode"])),
        ]
    },
};

static PERSISTENT_VOLUME_CLAIM: Printer = Printer {
    columns: &[
        NAME,
        column("Status", "string", d::PVC_PHASE),
        column("Volume", "string", d::PVC_VOLUME_NAME),
        column("Capacity", "string", d::PVC_CAPACITY),
        column("Access Modes", "string", d::PVC_ACCESS_MODES),
        column("StorageClass", "string", "StorageClass of the pvc"),
        column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
        AGE,
        wide("VolumeMode", "string", d::PVC_VOLUME_MODE),
    ],
    cells: |pvc, now| {
        let volume = text(pvc, &["spec", "volumeName"]);
        // Capacity and access modes only once the claim is bound to a volume.
        let (capacity, modes) = if volume.is_empty() {
            (String::new(), String::new())
        } else {
            (
                quantity(at(pvc, &["status", "capacity", "storage"])).unwrap_or_else(|| "0".to_owned()),
                access_modes(items(pvc, &["status", "accessModes"])),
            )
        };
        vec![
            name(pvc),
            Value::from(phase(pvc)),
            Value::from(volume),
            Value::String(capacity),
            Value::String(modes),
            Value::from(storage_class(pvc)),
            Value::from(or_unset(pvc, &["spec", "volumeAttributesClassName"])),
            now.age(pvc),
            Value::from(or_unset(pvc, &["spec", "volumeMode"])),
        ]
    },
};

static STORAGE_CLASS: Printer = Printer {
    columns: &[
        NAME,
        column("Provisioner", "string", d::SC_PROVISIONER),
        column("ReclaimPolicy", "string", d::SC_RECLAIM_POLICY),
        column("VolumeBindingMode", "string", d::SC_BINDING_MODE),
        column("AllowVolumeExpansion", "string", d::SC_ALLOW_EXPANSION),
        AGE,
    ],
    cells: |class, now| {
        let annotation = |key: &str| text(class, &["metadata", "annotations", key]) == "true";
        let mut class_name = text(class, &["metadata", "name"]).to_owned();
        if annotation("storageclass.kubernetes.io/is-default-class")
            || annotation("storageclass.beta.kubernetes.io/is-default-class")
        {
            class_name.push_str(" (default)");
        }
        let reclaim = set(class, &["reclaimPolicy"])
            .and_then(Value::as_str)
            .unwrap_or("Delete");
        let binding = set(class, &["volumeBindingMode"])
            .and_then(Value::as_str)
            .unwrap_or("Immediate");
        vec![
            Value::String(class_name),
            Value::from(text(class, &["provisioner"])),
            Value::from(reclaim),
            Value::from(binding),
            Value::Bool(flag(class, &["allowVolumeExpansion"])),
            now.age(class),
        ]
    },
};

static CSI_DRIVER: Printer = Printer {
    columns: &[
        NAME,
        column("AttachRequired", "boolean", d::CSI_ATTACH_REQUIRED),
        column("PodInfoOnMount", "boolean", d::CSI_POD_INFO),
        column("StorageCapacity", "boolean", d::CSI_STORAGE_CAPACITY),
        column("TokenRequests", "string", d::CSI_TOKEN_REQUESTS),
        column("RequiresRepublish", "boolean", d::CSI_REQUIRES_REPUBLISH),
        column("Modes", "string", d::CSI_MODES),
        AGE,
    ],
    cells: |driver, now| {
        let spec = at(driver, &["spec"]).unwrap_or(&Value::Null);
        let token_requests = match set(spec, &["tokenRequests"]).and_then(Value::as_array) {
            Some(requests) => requests
                .iter()
                .map(|r| text(r, &["audience"]))
                .collect::<Vec<_>>()
                .join(","),
            None => "<unset>".to_owned(),
        };
        let modes: Vec<&str> = items(spec, &["volumeLifecycleModes"])
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let modes = if modes.is_empty() {
            "<none>".to_owned()
        } else {
            modes.join(",")
        };
        vec![
            name(driver),
            Value::Bool(at(spec, &["attachRequired"]).and_then(Value::as_bool).unwrap_or(true)),
            Value::Bool(flag(spec, &["podInfoOnMount"])),
            Value::Bool(flag(spec, &["storageCapacity"])),
            Value::String(token_requests),
            Value::Bool(flag(spec, &["requiresRepublish"])),
            Value::String(modes),
            now.age(driver),
        ]
    },
};

static CSI_NODE: Printer = Printer {
    columns: &[
        NAME,
        column(
            "Drivers",
            "integer",
            "Drivers indicates the number of CSI drivers registered on the node",
        ),
        AGE,
    ],
    cells: |node, now| {
        vec![
            name(node),
            Value::from(count(node, &["spec", "drivers"])),
            now.age(node),
        ]
    },
};

static VOLUME_ATTACHMENT: Printer = Printer {
    columns: &[
        NAME,
        // Upstream gives this column the `name` format too.
        super::Column {
            format: "name",
            ..column("Attacher", "string", d::VA_ATTACHER)
        },
        column("PV", "string", d::VA_PV),
        column("Node", "string", d::VA_NODE),
        column("Attached", "boolean", d::VA_ATTACHED),
        AGE,
    ],
    cells: |attachment, now: Now| {
        let pv = set(attachment, &["spec", "source", "persistentVolumeName"])
            .and_then(Value::as_str)
            .unwrap_or("");
        vec![
            name(attachment),
            Value::from(text(attachment, &["spec", "attacher"])),
            Value::from(pv),
            Value::from(text(attachment, &["spec", "nodeName"])),
            Value::Bool(flag(attachment, &["status", "attached"])),
            now.age(attachment),
        ]
    },
};

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::{CREATED, row};

    #[test]
    fn persistent_volumes() {
        let pv = json!({"metadata": {"name": "pv-1", "creationTimestamp": CREATED},
            "spec": {"capacity": {"storage": "1.5Gi"}, "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
                     "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "standard", "volumeMode": "Filesystem",
                     "claimRef": {"namespace": "default", "name": "data"}},
            "status": {"phase": "Bound"}});
        assert_eq!(
            row("", "persistentvolumes", &pv),
            [
                json!("pv-1"),
                json!("1536Mi"),
                json!("RWO,RWX"),
                json!("Retain"),
                json!("Bound"),
                json!("default/data"),
                json!("standard"),
                json!("<unset>"),
                json!(""),
                json!("10m"),
                json!("Filesystem")
            ]
        );
        let released = json!({"metadata": {"name": "pv-2", "deletionTimestamp": CREATED,
                "annotations": {"volume.beta.kubernetes.io/storage-class": "legacy"}},
            "spec": {"storageClassName": "standard", "volumeAttributesClassName": "gold"},
            "status": {"phase": "Failed", "reason": "VolumeFailedRecycle"}});
        assert_eq!(
            row("", "persistentvolumes", &released)[1..11],
            [
                json!("0"),
                json!(""),
                json!(""),
                json!("Terminating"),
                json!(""),
                json!("legacy"),
                json!("gold"),
                json!("VolumeFailedRecycle"),
                json!("<unknown>"),
                json!("<unset>")
            ]
        );
    }

    #[test]
    fn persistent_volume_claims() {
        let bound = json!({"metadata": {"name": "data", "creationTimestamp": CREATED},
            "spec": {"volumeName": "pv-1", "storageClassName": "standard", "resources": {"requests": {"storage": "1Gi"}}},
            "status": {"phase": "Bound", "capacity": {"storage": "2Gi"}, "accessModes": ["ReadWriteOncePod"]}});
        assert_eq!(
            row("", "persistentvolumeclaims", &bound),
            [
                json!("data"),
                json!("Bound"),
                json!("pv-1"),
                json!("2Gi"),
                json!("RWOP"),
                json!("standard"),
                json!("<unset>"),
                json!("10m"),
                json!("<unset>")
            ]
        );
        let pending = json!({"metadata": {"name": "new", "creationTimestamp": CREATED},
            "spec": {"resources": {"requests": {"storage": "1Gi"}}, "volumeMode": "Block", "accessModes": ["ReadWriteOnce"]},
            "status": {"phase": "Pending"}});
        assert_eq!(
            row("", "persistentvolumeclaims", &pending),
            [
                json!("new"),
                json!("Pending"),
                json!(""),
                json!(""),
                json!(""),
                json!(""),
                json!("<unset>"),
                json!("10m"),
                json!("Block")
            ]
        );
    }

    #[test]
    fn storage_classes() {
        let class = json!({"metadata": {"name": "standard", "creationTimestamp": CREATED,
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer", "reclaimPolicy": "Delete"});
        assert_eq!(
            row("storage.k8s.io", "storageclasses", &class),
            [
                json!("standard (default)"),
                json!("rancher.io/local-path"),
                json!("Delete"),
                json!("WaitForFirstConsumer"),
                json!(false),
                json!("10m")
            ]
        );
        let other = json!({"metadata": {"name": "fast", "annotations": {"storageclass.beta.kubernetes.io/is-default-class": "false"}},
            "provisioner": "csi.example.com", "reclaimPolicy": "Retain", "allowVolumeExpansion": true});
        assert_eq!(
            row("storage.k8s.io", "storageclasses", &other)[..5],
            [
                json!("fast"),
                json!("csi.example.com"),
                json!("Retain"),
                json!("Immediate"),
                json!(true)
            ]
        );
    }

    #[test]
    fn csi_drivers_nodes_and_attachments() {
        let driver = json!({"metadata": {"name": "csi.example.com", "creationTimestamp": CREATED},
            "spec": {"attachRequired": false, "podInfoOnMount": true, "volumeLifecycleModes": ["Persistent", "Ephemeral"],
                     "tokenRequests": [{"audience": "vault"}, {"audience": ""}], "requiresRepublish": true}});
        assert_eq!(
            row("storage.k8s.io", "csidrivers", &driver),
            [
                json!("csi.example.com"),
                json!(false),
                json!(true),
                json!(false),
                json!("vault,"),
                json!(true),
                json!("Persistent,Ephemeral"),
                json!("10m")
            ]
        );
        assert_eq!(
            row("storage.k8s.io", "csidrivers", &json!({"spec": {"tokenRequests": []}}))[1..7],
            [
                json!(true),
                json!(false),
                json!(false),
                json!(""),
                json!(false),
                json!("<none>")
            ]
        );
        assert_eq!(row("storage.k8s.io", "csidrivers", &json!({}))[4], "<unset>");
        let node = json!({"metadata": {"name": "node-1", "creationTimestamp": CREATED},
            "spec": {"drivers": [{"name": "a", "nodeID": "n"}, {"name": "b", "nodeID": "n"}]}});
        assert_eq!(
            row("storage.k8s.io", "csinodes", &node),
            [json!("node-1"), json!(2), json!("10m")]
        );
        let attachment = json!({"metadata": {"name": "csi-123", "creationTimestamp": CREATED},
            "spec": {"attacher": "csi.example.com", "nodeName": "node-1", "source": {"persistentVolumeName": "pv-1"}},
            "status": {"attached": true}});
        assert_eq!(
            row("storage.k8s.io", "volumeattachments", &attachment),
            [
                json!("csi-123"),
                json!("csi.example.com"),
                json!("pv-1"),
                json!("node-1"),
                json!(true),
                json!("10m")
            ]
        );
        let columns = super::super::columns("storage.k8s.io", "volumeattachments").expect("columns");
        assert_eq!(columns[1].format, "name");
    }
}
