//! `rust-gc`: the `gc` crate's `Gc<GcCell<Node>>`, a non-moving mark-sweep collector that
//! tracks roots by counting how many `Gc`s outside the heap point at each box.
//!
//! The crate collects by itself inside `Gc::new` when the bytes allocated exceed its
//! threshold (100 bytes at first; raised only when a collection frees too little). The
//! adapter reads the crate's statistics and threshold (features `unstable-stats` and
//! `unstable-config`) before each allocation and, when a collection is coming, times that
//! allocation as an automatic pause. Disabling automatic collection sets the threshold to
//! `usize::MAX` and enabling restores it. [`gc::force_collect`] is the explicit collection.
//! The crate's marking recurses along paths (`trace_inner`), so deep structures need the
//! large stack [`crate::run`] provides. rust-gc has no weak pointer: `new_weak` is
//! unsupported. Finalizers are reported from the node's drop (the crate's own `Finalize`
//! hook cannot store the object anywhere, so resurrection is unsupported).

// gc_derive's generated impls trip this lint on current compilers.
#![allow(non_local_definitions)]

use gc::{Finalize, Gc, GcCell, Trace};
use gc_core::{Reclaims, Shape};

use crate::census::Census;
use crate::heap::PeerHeap;
use crate::storage::Storage;

/// A node: strong fields, payload and the census record (not traced: it holds no `Gc`).
#[derive(Trace, Finalize)]
pub(crate) struct GNode {
    storage: Storage<GPtr>,
    #[unsafe_ignore_trace]
    census: Census,
}

type GPtr = Gc<GcCell<GNode>>;

crate::node_accessors!(GNode, GPtr);

/// The `rust-gc` peer.
pub(crate) struct RustGcHeap {
    /// The crate's threshold while automatic collection is off.
    saved_threshold: Option<usize>,
}

fn threshold() -> usize {
    let mut threshold = 0;
    gc::configure(|c| threshold = c.threshold);
    threshold
}

impl PeerHeap for RustGcHeap {
    type Ptr = GPtr;
    type Node = GNode;
    const NAME: &'static str = "rust-gc";
    const RECLAIMS: Reclaims = Reclaims::Everything;

    fn new() -> Self {
        RustGcHeap {
            saved_threshold: None,
        }
    }

    fn alloc(&mut self, census: Census, shape: Shape) -> GPtr {
        Gc::new(GcCell::new(GNode {
            storage: Storage::new(shape),
            census,
        }))
    }

    fn with<R>(p: &GPtr, f: impl FnOnce(&GNode) -> R) -> R {
        f(&p.borrow())
    }

    fn with_mut<R>(p: &GPtr, f: impl FnOnce(&mut GNode) -> R) -> R {
        f(&mut p.borrow_mut())
    }

    fn ptr_eq(a: &GPtr, b: &GPtr) -> bool {
        Gc::ptr_eq(a, b)
    }

    fn collect(&mut self) {
        gc::force_collect();
    }

    fn set_auto_collect(&mut self, enabled: bool) {
        match (enabled, self.saved_threshold) {
            (false, None) => {
                self.saved_threshold = Some(threshold());
                gc::configure(|c| c.threshold = usize::MAX);
            }
            (true, Some(saved)) => {
                gc::configure(|c| c.threshold = saved);
                self.saved_threshold = None;
            }
            _ => {}
        }
    }

    fn alloc_will_collect(&self) -> bool {
        // The same test `Gc::new` makes before linking the new box.
        gc::stats().bytes_allocated > threshold()
    }
}
