//! The one error type of the heap and every collector built on it.

use thiserror::Error;

/// What went wrong in a heap or mutator operation. Every variant names the problem so a
/// one-line message is enough; nothing in gc-core panics on bad input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GcError {
    /// The heap limit cannot accommodate the allocation even after collecting.
    #[error("out of memory: {requested} bytes requested, {in_use} of {limit} bytes in use")]
    OutOfMemory {
        /// Bytes the failed allocation needed.
        requested: usize,
        /// Bytes in use when it failed.
        in_use: usize,
        /// The configured heap limit.
        limit: usize,
    },
    /// A root slot index beyond the slots reserved.
    #[error("bad slot {slot}: only {count} root slots are reserved")]
    BadSlot {
        /// The slot asked for.
        slot: usize,
        /// How many slots exist.
        count: usize,
    },
    /// A slot that should hold an object holds null.
    #[error("slot {slot} is null")]
    NullSlot {
        /// The slot that was null.
        slot: usize,
    },
    /// A field index beyond the object's shape.
    #[error("bad field {field}: object {obj} has {fields} reference fields")]
    BadField {
        /// The object.
        obj: u32,
        /// The field asked for.
        field: usize,
        /// How many fields it has.
        fields: usize,
    },
    /// A payload access beyond the object's payload bytes.
    #[error("bad payload range {offset}..{end}: object {obj} has {len} payload bytes")]
    BadPayload {
        /// The object.
        obj: u32,
        /// First byte of the access.
        offset: usize,
        /// One past the last byte of the access.
        end: usize,
        /// The payload length.
        len: usize,
    },
    /// A reference to a cell that holds no live object: a use after free, caught.
    #[error("use after free: object {obj} is not allocated")]
    UseAfterFree {
        /// The dangling reference.
        obj: u32,
    },
    /// A shape the heap cannot represent.
    #[error("bad shape: {0}")]
    BadShape(String),
    /// An operation that needs a weak reference was given another object.
    #[error("object {obj} is not a weak reference")]
    NotWeak {
        /// The object.
        obj: u32,
    },
    /// A generation number the collector does not have.
    #[error("bad generation {generation}: this collector has generations 0..{generations}")]
    BadGeneration {
        /// The generation asked for.
        generation: u8,
        /// How many it has.
        generations: u8,
    },
    /// A heap configuration that cannot work.
    #[error("bad heap configuration: {0}")]
    BadConfig(String),
    /// The collector does not offer this part of the gc-module surface.
    #[error("{collector} does not support {what}")]
    Unsupported {
        /// The collector's name.
        collector: &'static str,
        /// What was asked.
        what: &'static str,
    },
    /// An invariant check (the oracle's verify mode) failed: a collector bug, reported.
    #[error("verification failed: {0}")]
    Verification(String),
}

/// Shorthand used throughout gclab.
pub type GcResult<T> = Result<T, GcError>;
