//! gc-refcount: CPython's first strategy, plain reference counting, on gclab's shared heap.
//!
//! Every strong reference counts, root slots and fields alike, in one collector header word.
//! The [`crate::Runtime`](gc_core::Runtime) retains the new value before releasing the old,
//! so a self-assignment never frees. When a count reaches zero the object's finalizer runs
//! (once in its life, and it may resurrect the object), then the object is freed at once and
//! its referents are released through an explicit work list, never recursion: dropping the
//! head of a ten-million-long list is one loop, where CPython needs its "trashcan" and
//! Rust's own `Rc` overflows the stack. Cascades that free more than one object are pause
//! events. Cycles are never reclaimed; the leak is reported exactly by gc-core's oracle.
//! The counting itself lives in [`Counting`], parameterised by [`CountHooks`] (which header
//! word holds the count, and what to do just before an object is freed), so gc-cycle layers
//! its cycle collector on the very same engine, and [`bacon`] (`rc-bacon`) layers Bacon and
//! Rajan's synchronous cycle collection on it through the same hooks. A const parameter of
//! the engine bounds cascades (`refcount-bounded`: see [`Counting`]).
#![forbid(unsafe_code)]

pub mod bacon;
mod collector;
mod counting;

pub use bacon::RcBacon;
pub use collector::{BoundedParams, BoundedRefCount, RefCount, RefCounting};
pub use counting::{CountHooks, Counting, PlainCount, DEFAULT_CASCADE_BUDGET, SATURATED};
