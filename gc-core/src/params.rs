//! Declared parameters: one declaration per parameter set (a workload's, a collector's) from
//! which its struct, defaults, documentation, `name=value` overrides and range checks all
//! come, so none of them can disagree with another.
//!
//! [`declare_params!`](crate::declare_params) writes the struct (serde, so results can record
//! it) and its [`Params`] implementation from one list of fields, each with its doc comment,
//! type, default, an optional smaller value for tests and an optional allowed range:
//!
//! ```
//! gc_core::declare_params! {
//!     /// A collector's knobs.
//!     pub struct Knobs {
//!         /// Allocations between collections.
//!         threshold: u64 = 700, small 10, in 1..;
//!         /// Growth factor of the heap target.
//!         growth: f64 = 2.0, in 1.0..=100.0;
//!         /// Whether to collect at all.
//!         enabled: bool = true;
//!     }
//! }
//! use gc_core::params::{apply_overrides, Params};
//! let set = [("threshold".to_string(), "2000".to_string())];
//! assert_eq!(apply_overrides("collector", "k", Knobs::defaults(), &set).unwrap().threshold, 2000);
//! let bad = [("growth".to_string(), "0.5".to_string())];
//! let err = apply_overrides("collector", "k", Knobs::defaults(), &bad).unwrap_err();
//! assert_eq!(err.to_string(), "bad value for k.growth: 0.5 is outside 1..=100");
//! ```
//!
//! A check that spans fields goes after the struct as `check <fn(&Self) -> Result<(),
//! Invalid>>;`; it runs after every range has passed.

use std::fmt::Display;
use std::ops::{RangeFrom, RangeInclusive, RangeToInclusive};

use serde::de::DeserializeOwned;
use serde::Serialize;
use thiserror::Error;

/// Re-exported so the structs [`declare_params!`](crate::declare_params) writes derive serde
/// without their crate naming it as a dependency.
pub use serde;

/// A parameter value that failed its check: the parameter's name and why.
pub type Invalid = (&'static str, String);

/// One parameter as `gclab list` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParamInfo {
    /// The name used in `--set owner.name=value`.
    pub name: &'static str,
    /// The default value, as JSON.
    pub default: String,
    /// The allowed values (`1..=26`, `1..`), empty when every value of the type is.
    pub allowed: String,
    /// What it controls (the field's doc comment).
    pub doc: &'static str,
}

/// A parameter struct written by [`declare_params!`](crate::declare_params).
pub trait Params: Serialize + DeserializeOwned + Clone {
    /// The declared defaults.
    fn defaults() -> Self;
    /// The defaults with each field's `small` value where it has one: a preset for tests.
    fn small() -> Self;
    /// Every field's name, default, allowed range and doc, in declaration order.
    fn info() -> Vec<ParamInfo>;
    /// Checks every declared range, then the cross-field check if any.
    fn validate(&self) -> Result<(), Invalid>;
}

/// Bad `name=value` overrides, as one line naming the parameter.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParamError {
    /// The set has no parameter of this name.
    #[error("{kind} '{owner}' has no parameter '{param}' (valid: {valid})")]
    Unknown {
        /// What owns the parameters (`workload`, `collector`).
        kind: &'static str,
        /// Its name.
        owner: String,
        /// The parameter given.
        param: String,
        /// The valid parameters, comma-separated.
        valid: String,
    },
    /// The value does not parse as the parameter's type or is outside its range.
    #[error("bad value for {owner}.{param}: {reason}")]
    BadValue {
        /// The owner's name.
        owner: String,
        /// The parameter.
        param: String,
        /// Why.
        reason: String,
    },
}

/// Applies `name=value` overrides to `base`, then validates. Values are JSON (`100`, `true`,
/// `0.5`); anything that is not valid JSON is taken as a string. Each override is checked
/// as it is applied, so an error names the parameter whose value is wrong.
pub fn apply_overrides<P: Params>(
    kind: &'static str,
    owner: &str,
    base: P,
    overrides: &[(String, String)],
) -> Result<P, ParamError> {
    let bad_value = |param: &str, reason: String| ParamError::BadValue {
        owner: owner.to_string(),
        param: param.to_string(),
        reason,
    };
    let mut params = base;
    let mut value = serde_json::to_value(&params).expect("params serialize");
    for (param, raw) in overrides {
        let Some(slot) = value.as_object_mut().and_then(|m| m.get_mut(param)) else {
            return Err(ParamError::Unknown {
                kind,
                owner: owner.to_string(),
                param: param.clone(),
                valid: names::<P>(),
            });
        };
        *slot =
            serde_json::from_str(raw).unwrap_or_else(|_| serde_json::Value::String(raw.clone()));
        params =
            serde_json::from_value(value.clone()).map_err(|e| bad_value(param, e.to_string()))?;
    }
    params
        .validate()
        .map_err(|(param, reason)| bad_value(param, reason))?;
    Ok(params)
}

/// The parameters' names, comma-separated.
fn names<P: Params>() -> String {
    P::info()
        .iter()
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A range a parameter must lie in: `a..=b`, `a..` or `..=b`.
pub trait Allowed<T> {
    /// Whether `value` is allowed.
    fn allows(&self, value: &T) -> bool;
    /// The range as written (`1..=26`).
    fn describe(&self) -> String;
}

impl<T: PartialOrd + Display> Allowed<T> for RangeInclusive<T> {
    fn allows(&self, value: &T) -> bool {
        self.contains(value)
    }
    fn describe(&self) -> String {
        format!("{}..={}", self.start(), self.end())
    }
}

impl<T: PartialOrd + Display> Allowed<T> for RangeFrom<T> {
    fn allows(&self, value: &T) -> bool {
        self.contains(value)
    }
    fn describe(&self) -> String {
        format!("{}..", self.start)
    }
}

impl<T: PartialOrd + Display> Allowed<T> for RangeToInclusive<T> {
    fn allows(&self, value: &T) -> bool {
        self.contains(value)
    }
    fn describe(&self) -> String {
        format!("..={}", self.end)
    }
}

/// Checks `value` against `range`; the error names `name`, the value and the range.
pub fn check_range<T: Display, R: Allowed<T>>(
    name: &'static str,
    value: &T,
    range: R,
) -> Result<(), Invalid> {
    if range.allows(value) {
        Ok(())
    } else {
        Err((name, format!("{value} is outside {}", range.describe())))
    }
}

/// `range` as written, its type taken from `_value` (what `gclab list` shows).
pub fn describe_range<T, R: Allowed<T>>(_value: &T, range: R) -> String {
    range.describe()
}

/// `value` as JSON text.
pub fn json_text<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("params serialize")
}

/// Declares a parameter struct: fields with doc comments, defaults, optional `small` values
/// and optional allowed ranges (`in 1..=26`, `in 1..`, `in ..=512`), then optionally a
/// cross-field `check`. See [the module](crate::params) for an example.
#[macro_export]
macro_rules! declare_params {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[doc = $doc:literal])+
                $field:ident : $ty:ty = $default:expr $(, small $small:expr)? $(, in $range:expr)? ;
            )+
        }
        $(check $check:expr;)?
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, $crate::params::serde::Serialize, $crate::params::serde::Deserialize)]
        #[serde(crate = "gc_core::params::serde", deny_unknown_fields)]
        $vis struct $name {
            $(
                $(#[doc = $doc])+
                pub $field: $ty,
            )+
        }

        impl $crate::params::Params for $name {
            fn defaults() -> Self {
                $name { $($field: $default,)+ }
            }

            fn small() -> Self {
                $name { $($field: $crate::declare_params!(@small $default $(, $small)?),)+ }
            }

            fn info() -> Vec<$crate::params::ParamInfo> {
                let defaults = Self::defaults();
                vec![$($crate::params::ParamInfo {
                    name: stringify!($field),
                    default: $crate::params::json_text(&defaults.$field),
                    allowed: $crate::declare_params!(@allowed defaults.$field $(, $range)?),
                    doc: concat!($($doc),+).trim(),
                },)+]
            }

            fn validate(&self) -> Result<(), $crate::params::Invalid> {
                $($( $crate::params::check_range(stringify!($field), &self.$field, $range)?; )?)+
                $( ($check)(self)?; )?
                Ok(())
            }
        }
    };
    (@small $default:expr) => { $default };
    (@small $default:expr, $small:expr) => { $small };
    (@allowed $value:expr) => { String::new() };
    (@allowed $value:expr, $range:expr) => { $crate::params::describe_range(&$value, $range) };
}
