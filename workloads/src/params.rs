//! Workload parameters: documented defaults, a small preset for tests, overrides by name.

use serde::de::DeserializeOwned;
use serde::Serialize;
use thiserror::Error;

/// Which preset a workload's parameters start from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub enum Size {
    /// A meaningful benchmark: about a second on one core.
    Default,
    /// Fast enough for a test.
    Small,
}

/// One parameter of a workload, as `gclab list` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParamInfo {
    /// The name used in `--set workload.name=value`.
    pub name: &'static str,
    /// The default value, as JSON.
    pub default: String,
    /// What it controls.
    pub doc: &'static str,
}

/// A workload's name, description and parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorkloadInfo {
    /// The name users type.
    pub name: &'static str,
    /// What it does and what it exercises.
    pub description: &'static str,
    /// Its parameters with their defaults.
    pub params: Vec<ParamInfo>,
}

/// Bad workload input, with a one-line message naming the problem and the valid choices.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WorkloadError {
    /// No workload has this name.
    #[error("unknown workload '{name}' (valid: {valid})")]
    UnknownWorkload {
        /// The name given.
        name: String,
        /// The valid names, comma-separated.
        valid: String,
    },
    /// The workload has no parameter of this name.
    #[error("workload '{workload}' has no parameter '{param}' (valid: {valid})")]
    UnknownParam {
        /// The workload.
        workload: String,
        /// The parameter given.
        param: String,
        /// Its valid parameters.
        valid: String,
    },
    /// The value does not parse or is out of range.
    #[error("bad value for {workload}.{param}: {reason}")]
    BadValue {
        /// The workload.
        workload: String,
        /// The parameter.
        param: String,
        /// Why.
        reason: String,
    },
}

/// A parameter struct: serde for overrides, docs for listing, validation for ranges.
pub trait Params: Serialize + DeserializeOwned + Clone {
    /// Defaults for a size preset.
    fn preset(size: Size) -> Self;
    /// (name, doc) for every field, in order.
    fn docs() -> &'static [(&'static str, &'static str)];
    /// Checks ranges; `Err((param, reason))` names the offending parameter.
    fn validate(&self) -> Result<(), (&'static str, String)>;
}

/// Lists a parameter struct's fields with their defaults.
pub fn param_info<P: Params>() -> Vec<ParamInfo> {
    let defaults = serde_json::to_value(P::preset(Size::Default)).expect("params serialize");
    P::docs()
        .iter()
        .map(|(name, doc)| ParamInfo {
            name,
            default: defaults
                .get(*name)
                .map_or_else(String::new, |v| v.to_string()),
            doc,
        })
        .collect()
}

/// Applies `name=value` overrides to a preset. Values are JSON (`100`, `true`, `0.5`);
/// anything that is not valid JSON is taken as a string.
pub fn apply_overrides<P: Params>(
    workload: &str,
    size: Size,
    overrides: &[(String, String)],
) -> Result<P, WorkloadError> {
    let mut value = serde_json::to_value(P::preset(size)).expect("params serialize");
    let map = value.as_object_mut().expect("params are a struct");
    for (param, raw) in overrides {
        let Some(slot) = map.get_mut(param) else {
            return Err(WorkloadError::UnknownParam {
                workload: workload.to_string(),
                param: param.clone(),
                valid: P::docs()
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        *slot =
            serde_json::from_str(raw).unwrap_or_else(|_| serde_json::Value::String(raw.clone()));
    }
    let params: P = serde_json::from_value(value).map_err(|e| {
        let param = overrides
            .last()
            .map_or_else(String::new, |(p, _)| p.clone());
        WorkloadError::BadValue {
            workload: workload.to_string(),
            param,
            reason: e.to_string(),
        }
    })?;
    params
        .validate()
        .map_err(|(param, reason)| WorkloadError::BadValue {
            workload: workload.to_string(),
            param: param.to_string(),
            reason,
        })?;
    Ok(params)
}
