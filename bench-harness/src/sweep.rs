//! `--sweep owner.param=v1,v2,...`: one parameter of a workload or a collector run over a
//! list of values, every value checked against the parameter's declaration before anything
//! runs. Every cell of the plan runs once per value; the value reaches only its owner's
//! runs (the other collectors or workloads run unchanged at every value, as references).

use serde::{Deserialize, Serialize};

use crate::plan::parse_set;

/// The most values one sweep may have.
pub const MAX_SWEEP_VALUES: usize = 100;

/// A parsed `--sweep`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sweep {
    /// The workload or collector whose parameter is swept.
    pub owner: String,
    /// The parameter.
    pub param: String,
    /// Its values, in the order given.
    pub values: Vec<String>,
}

impl Sweep {
    /// Parses `owner.param=v1,v2,...`: at least two distinct values, at most
    /// [`MAX_SWEEP_VALUES`]. Whether the owner and values are valid is the plan's check.
    pub fn parse(arg: &str) -> Result<Sweep, String> {
        let (owner, param, list) = parse_set(arg)
            .map_err(|_| format!("bad --sweep '{arg}': expected owner.param=v1,v2,..."))?;
        let values: Vec<String> = list.split(',').map(|v| v.trim().to_string()).collect();
        if values.len() < 2 || values.iter().any(String::is_empty) {
            return Err(format!(
                "bad --sweep '{arg}': give at least two values, comma-separated, none empty"
            ));
        }
        if values.len() > MAX_SWEEP_VALUES {
            return Err(format!(
                "bad --sweep '{arg}': at most {MAX_SWEEP_VALUES} values"
            ));
        }
        if let Some(twice) = values
            .iter()
            .enumerate()
            .find(|(i, v)| values[..*i].contains(v))
        {
            return Err(format!(
                "bad --sweep '{arg}': value {} given twice",
                twice.1
            ));
        }
        Ok(Sweep {
            owner,
            param,
            values,
        })
    }

    /// `owner.param`.
    pub fn name(&self) -> String {
        format!("{}.{}", self.owner, self.param)
    }

    /// The overrides of `owner` with value `value` added after `base`.
    pub fn with_value(&self, base: &[(String, String)], value: &str) -> Vec<(String, String)> {
        let mut all = base.to_vec();
        all.push((self.param.clone(), value.to_string()));
        all
    }
}

/// The value of a row's `sweep` column (`owner.param=value`) and its name.
pub fn split_row_sweep(sweep: &str) -> Option<(&str, &str)> {
    sweep.rsplit_once('=').filter(|(name, _)| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweeps_parse_and_refuse_bad_lists() {
        let s = Sweep::parse("cycle.threshold0=100,700, 2000").unwrap();
        assert_eq!(
            (s.owner.as_str(), s.param.as_str(), s.values.len()),
            ("cycle", "threshold0", 3)
        );
        assert_eq!(s.name(), "cycle.threshold0");
        for bad in [
            "cycle.threshold0=100",
            "cycle=1,2",
            "cycle.t=1,,2",
            "cycle.t=1,2,1",
        ] {
            let e = Sweep::parse(bad).unwrap_err();
            assert!(e.starts_with("bad --sweep"), "{e}");
        }
        assert_eq!(
            split_row_sweep("dll-churn.length=4"),
            Some(("dll-churn.length", "4"))
        );
        assert_eq!(split_row_sweep(""), None);
    }
}
