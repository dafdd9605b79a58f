//! `bacon-rajan-cc`: `bacon_rajan_cc::Cc<RefCell<Node>>`, reference counting with Bacon and
//! Rajan's synchronous cycle collection.
//!
//! Every decrement that leaves a count above zero buffers the object as a possible cycle
//! root; [`bacon_rajan_cc::collect_cycles`] (the explicit collection) runs trial deletion
//! over the buffered roots. The crate never collects by itself, so `set_auto_collect` has
//! nothing to switch and there are no automatic pauses: dead cycles wait for the next
//! explicit collection. Weak references are `bacon_rajan_cc::Weak`. The crate's marking
//! (`mark_gray`, `scan_black`, `collect_white`) recurses once per object along a path, so
//! deep structures need the large stack [`crate::run`] provides.

use std::cell::RefCell;

use bacon_rajan_cc::{Cc, Trace, Tracer, Weak};
use gc_core::{GcResult, Reclaims, Shape};

use crate::census::Census;
use crate::heap::PeerHeap;
use crate::storage::Storage;

/// A node: strong fields, payload, and for a weak reference object, the `Weak`.
pub(crate) struct CcNode {
    storage: Storage<CcPtr>,
    weak: Option<Weak<RefCell<CcNode>>>,
    census: Census,
}

type CcPtr = Cc<RefCell<CcNode>>;

crate::node_accessors!(CcNode, CcPtr);

impl Trace for CcNode {
    fn trace(&self, tracer: &mut Tracer) {
        // The weak pointer is not an edge: the collector must not follow it.
        self.storage.fields().trace(tracer);
    }
}

/// The `bacon-rajan-cc` peer.
pub(crate) struct BaconHeap;

impl PeerHeap for BaconHeap {
    type Ptr = CcPtr;
    type Node = CcNode;
    const NAME: &'static str = "bacon-rajan-cc";
    const RECLAIMS: Reclaims = Reclaims::Everything;

    fn new() -> Self {
        BaconHeap
    }

    fn alloc(&mut self, census: Census, shape: Shape) -> CcPtr {
        Cc::new(RefCell::new(CcNode {
            storage: Storage::new(shape),
            weak: None,
            census,
        }))
    }

    fn with<R>(p: &CcPtr, f: impl FnOnce(&CcNode) -> R) -> R {
        f(&p.borrow())
    }

    fn with_mut<R>(p: &CcPtr, f: impl FnOnce(&mut CcNode) -> R) -> R {
        f(&mut p.borrow_mut())
    }

    fn ptr_eq(a: &CcPtr, b: &CcPtr) -> bool {
        Cc::ptr_eq(a, b)
    }

    fn new_weak(&mut self, census: Census, target: &CcPtr) -> GcResult<CcPtr> {
        Ok(Cc::new(RefCell::new(CcNode {
            storage: Storage::empty(),
            weak: Some(target.downgrade()),
            census,
        })))
    }

    fn upgrade(p: &CcPtr) -> Result<Option<CcPtr>, ()> {
        p.borrow().weak.as_ref().map(Weak::upgrade).ok_or(())
    }

    fn collect(&mut self) {
        bacon_rajan_cc::collect_cycles();
    }

    fn set_auto_collect(&mut self, _enabled: bool) {}
}
