//! Workload parameters: each workload declares its name, description and parameters once
//! with [`workload!`](crate::workload); the catalogue, `gclab list`, the defaults, the small
//! presets, `--set` parsing and validation all read that declaration.

use gc_core::params::{apply_overrides, ParamError};
pub use gc_core::params::{ParamInfo, Params};
use serde::Serialize;
use thiserror::Error;

/// Which preset a workload's parameters start from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub enum Size {
    /// A meaningful benchmark: about a second on one core (the declared defaults).
    Default,
    /// Fast enough for a test (each field's `small` value where it has one).
    Small,
}

/// A workload's name and description, declared with its parameters by
/// [`workload!`](crate::workload).
pub trait Described: Params {
    /// The name users type.
    const NAME: &'static str;
    /// What it does and what it exercises.
    const DESCRIPTION: &'static str;

    /// The parameters at a size preset.
    fn preset(size: Size) -> Self {
        match size {
            Size::Default => Self::defaults(),
            Size::Small => Self::small(),
        }
    }

    /// The preset with `param=value` overrides applied and validated.
    fn parse(size: Size, overrides: &[(String, String)]) -> Result<Self, WorkloadError> {
        Ok(apply_overrides(
            "workload",
            Self::NAME,
            Self::preset(size),
            overrides,
        )?)
    }

    /// The catalogue entry.
    fn workload_info() -> WorkloadInfo {
        WorkloadInfo {
            name: Self::NAME,
            description: Self::DESCRIPTION,
            params: Self::info(),
        }
    }
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

impl From<ParamError> for WorkloadError {
    fn from(e: ParamError) -> Self {
        match e {
            ParamError::Unknown {
                owner,
                param,
                valid,
                ..
            } => WorkloadError::UnknownParam {
                workload: owner,
                param,
                valid,
            },
            ParamError::BadValue {
                owner,
                param,
                reason,
            } => WorkloadError::BadValue {
                workload: owner,
                param,
                reason,
            },
        }
    }
}

/// Declares a workload: its name, its description and its parameter struct, in one place.
///
/// ```
/// workloads::workload! {
///     name: "pairs",
///     description: "N pairs of objects referencing each other, every outside reference dropped",
///     /// N pairs of objects that reference each other (the struct's doc).
///     pub struct Pairs {
///         /// Number of two-object cycles built and dropped.
///         pairs: u64 = 1_000_000, small 2_000, in 1..;
///         /// Payload bytes per object.
///         payload: u32 = 8, in ..=512;
///         /// Automatic collection on while building.
///         auto_collect: bool = true;
///     }
///     // Optional: a check across fields, run after the ranges.
///     check |p: &Pairs| if p.pairs > 10 || p.payload == 8 { Ok(()) } else {
///         Err(("payload", "must be 8 for fewer than 11 pairs".to_string()))
///     };
/// }
/// use workloads::{Described, Params, Size};
/// assert_eq!(Pairs::preset(Size::Small).pairs, 2_000);
/// let set = [("pairs".to_string(), "0".to_string())];
/// let err = Pairs::parse(Size::Default, &set).unwrap_err();
/// assert_eq!(err.to_string(), "bad value for pairs.pairs: 0 is outside 1..");
/// assert_eq!(Pairs::info()[1].allowed, "..=512");
/// ```
///
/// Each field: its doc comment (shown by `gclab list`), `name: type = default`, then
/// optionally `small value` (the `--quick`/test preset; the default otherwise) and
/// `in range` (`a..=b`, `a..`, `..=b`; a value outside it is a one-line error naming the
/// parameter and the range). The struct gets serde, [`Params`] and [`Described`]; the
/// workload then needs `expectations(&self)` and `run(&self, m, seed)` and one line in
/// `catalog.rs`.
#[macro_export]
macro_rules! workload {
    (
        name: $wname:literal,
        description: $description:literal,
        $(#[$meta:meta])*
        pub struct $name:ident { $($fields:tt)* }
        $($check:tt)*
    ) => {
        gc_core::declare_params! {
            $(#[$meta])*
            pub struct $name { $($fields)* }
            $($check)*
        }

        impl $crate::Described for $name {
            const NAME: &'static str = $wname;
            const DESCRIPTION: &'static str = $description;
        }
    };
}
