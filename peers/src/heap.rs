//! What an adapter needs from a crate: how to make, reach and collect its nodes.
//!
//! Each peer crate module (`rc`, `bacon`, `dumpster_peer`, `rust_gc`) defines a node type
//! holding the crate's own strong pointers and implements [`PeerHeap`] for it; the generic
//! [`crate::adapter::Adapter`] turns that into a [`gc_core::Mutator`].

use gc_core::{GcError, GcResult, Reclaims, Shape};

use crate::census::Census;
use crate::storage::Storage;

/// A node's contents, whatever smart pointer wraps it.
pub(crate) trait Node {
    /// The crate's strong pointer to a node.
    type Ptr;
    /// The fields and payload.
    fn storage(&self) -> &Storage<Self::Ptr>;
    /// The fields and payload, mutably.
    fn storage_mut(&mut self) -> &mut Storage<Self::Ptr>;
    /// The node's identity.
    fn id(&self) -> u32;
    /// Arms a report-only finalizer: a notice with `tag` when the node is dropped.
    fn set_finalizer(&mut self, tag: u32);

    /// The reference fields.
    fn fields(&self) -> &[Option<Self::Ptr>] {
        self.storage().fields()
    }
    /// The reference fields, mutably.
    fn fields_mut(&mut self) -> &mut [Option<Self::Ptr>] {
        self.storage_mut().fields_mut()
    }
    /// The payload bytes.
    fn payload(&self) -> &[u8] {
        self.storage().payload()
    }
    /// The payload bytes, mutably.
    fn payload_mut(&mut self) -> &mut [u8] {
        self.storage_mut().payload_mut()
    }
}

/// One crate's smart pointers and collector, as the adapter drives them.
pub(crate) trait PeerHeap {
    /// The crate's strong pointer.
    type Ptr: Clone;
    /// The node behind a pointer.
    type Node: Node<Ptr = Self::Ptr>;
    /// The peer's name in results.
    const NAME: &'static str;
    /// What garbage the crate reclaims by the end of an explicit collection.
    const RECLAIMS: Reclaims;

    /// A fresh heap state (one per run; crates keep their real state per thread).
    fn new() -> Self;

    /// Allocates a node with `shape`'s null fields and zeroed payload.
    fn alloc(&mut self, census: Census, shape: Shape) -> Self::Ptr;

    /// Runs `f` on the node behind `p`.
    fn with<R>(p: &Self::Ptr, f: impl FnOnce(&Self::Node) -> R) -> R;

    /// Runs `f` on the node behind `p`, mutably.
    fn with_mut<R>(p: &Self::Ptr, f: impl FnOnce(&mut Self::Node) -> R) -> R;

    /// Whether two pointers name the same node.
    fn ptr_eq(a: &Self::Ptr, b: &Self::Ptr) -> bool;

    /// Allocates a weak reference node to `target` using the crate's weak pointer.
    fn new_weak(&mut self, _census: Census, _target: &Self::Ptr) -> GcResult<Self::Ptr> {
        Err(GcError::Unsupported {
            collector: Self::NAME,
            what: "weak references (the crate has no weak pointer)",
        })
    }

    /// The referent of a weak reference node (`Ok(None)` if it died); `Err(())` if `p` is
    /// not a weak reference.
    fn upgrade(_p: &Self::Ptr) -> Result<Option<Self::Ptr>, ()> {
        Err(())
    }

    /// Whether the crate offers a finalizer that can store its object somewhere.
    fn can_resurrect() -> bool {
        false
    }

    /// Runs the crate's own full collection entry point.
    fn collect(&mut self);

    /// Turns the crate's automatic collection on or off, where it has one.
    fn set_auto_collect(&mut self, enabled: bool);

    /// Whether the next allocation will run an automatic collection (rust-gc collects
    /// inside `Gc::new`), so the adapter times it as a pause.
    fn alloc_will_collect(&self) -> bool {
        false
    }

    /// Whether the crate's automatic trigger fired during the last operation and the
    /// collection it asked for is due now (dumpster: the adapter runs it at once, timed).
    fn take_due_collection(&mut self) -> bool {
        false
    }
}
