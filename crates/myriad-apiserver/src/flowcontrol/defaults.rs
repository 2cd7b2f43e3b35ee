//! Kubernetes' default FlowSchemas and PriorityLevelConfigurations (`defaults.yaml`,
//! upstream v1.32's mandatory and suggested objects).

use serde_json::Value;

const DEFAULTS: &str = include_str!("defaults.yaml");

/// Why the embedded defaults could not be read (a build defect).
#[derive(Debug, thiserror::Error)]
#[error("flow control defaults: {0}")]
pub struct DefaultsError(String);

/// The default (FlowSchemas, PriorityLevelConfigurations).
pub fn objects() -> Result<(Vec<Value>, Vec<Value>), DefaultsError> {
    let objects =
        serde_saphyr::from_str_multiple::<Value, Vec<Value>>(DEFAULTS).map_err(|e| DefaultsError(e.to_string()))?;
    let (schemas, levels) = objects
        .into_iter()
        .filter(Value::is_object)
        .partition(|o| o["kind"] == "FlowSchema");
    Ok((schemas, levels))
}
