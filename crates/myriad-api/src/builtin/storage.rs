//! Storage: PersistentVolumes, PersistentVolumeClaims, StorageClasses, CSIDrivers, CSINodes, CSIStorageCapacities, VolumeAttachments.

use serde_json::Value;

use crate::field_error::FieldError;

pub(super) fn validate(_group: &str, _kind: &str, _new: &Value, _old: Option<&Value>) -> Option<Vec<FieldError>> {
    None
}
