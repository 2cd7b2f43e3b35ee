//! batch/v1: Jobs and CronJobs (schedule syntax, time zones, templates).

use serde_json::Value;

use crate::field_error::FieldError;

pub(super) fn validate(_group: &str, _kind: &str, _new: &Value, _old: Option<&Value>) -> Option<Vec<FieldError>> {
    None
}
