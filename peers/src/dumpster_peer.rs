//! `dumpster`: `dumpster::unsync::Gc<RefCell<Node>>`, reference counting plus a tracing
//! cycle collector over the "dirty" allocations.
//!
//! The crate collects by itself when its collect condition says so (by default, when more
//! `Gc`s were dropped since the last collection than exist); it checks the condition inside
//! `Gc`'s `Drop`, where nothing outside can time it. The adapter therefore installs its own
//! condition, which evaluates the crate's [`dumpster::unsync::default_collect_condition`]
//! unchanged but, instead of collecting inside the drop, marks a collection due; the adapter
//! runs it with [`dumpster::unsync::collect`] as soon as the operation that dropped the
//! pointer returns, and times it as an automatic pause. The policy is the crate's; only the
//! moment moves to the end of the current operation. Disabling automatic collection makes
//! the condition answer no. dumpster has no weak pointer: `new_weak` is unsupported.

use std::cell::{Cell, RefCell};

use dumpster::unsync::{default_collect_condition, set_collect_condition, CollectInfo, Gc};
use gc_core::{Reclaims, Shape};

use crate::census::Census;
use crate::heap::PeerHeap;
use crate::storage::Storage;

thread_local! {
    static AUTO_COLLECT: Cell<bool> = const { Cell::new(true) };
    static COLLECTION_DUE: Cell<bool> = const { Cell::new(false) };
}

/// The crate's default condition, deferred to the adapter so it can be timed.
fn deferring_condition(info: &CollectInfo) -> bool {
    if AUTO_COLLECT.get() && default_collect_condition(info) {
        COLLECTION_DUE.set(true);
    }
    false
}

/// A node. dumpster's derive needs every field traceable, so the census is kept as plain
/// numbers and reported from the node's own `Drop`.
#[derive(dumpster::Trace)]
pub(crate) struct DNode {
    storage: Storage<DPtr>,
    id: u32,
    finalizer: Option<u32>,
}

type DPtr = Gc<RefCell<DNode>>;

impl Drop for DNode {
    fn drop(&mut self) {
        drop(Census {
            id: self.id,
            finalizer: self.finalizer,
            watching: None,
        });
    }
}

crate::node_accessors!(DNode, DPtr, plain);

/// The `dumpster` peer.
pub(crate) struct DumpsterHeap;

impl PeerHeap for DumpsterHeap {
    type Ptr = DPtr;
    type Node = DNode;
    const NAME: &'static str = "dumpster";
    const RECLAIMS: Reclaims = Reclaims::Everything;

    fn new() -> Self {
        AUTO_COLLECT.set(true);
        COLLECTION_DUE.set(false);
        set_collect_condition(deferring_condition);
        DumpsterHeap
    }

    fn alloc(&mut self, census: Census, shape: Shape) -> DPtr {
        // The census moves into plain fields; its own drop must not count.
        let (id, finalizer) = (census.id, census.finalizer);
        std::mem::forget(census);
        Gc::new(RefCell::new(DNode {
            storage: Storage::new(shape),
            id,
            finalizer,
        }))
    }

    fn with<R>(p: &DPtr, f: impl FnOnce(&DNode) -> R) -> R {
        f(&p.borrow())
    }

    fn with_mut<R>(p: &DPtr, f: impl FnOnce(&mut DNode) -> R) -> R {
        f(&mut p.borrow_mut())
    }

    fn ptr_eq(a: &DPtr, b: &DPtr) -> bool {
        Gc::ptr_eq(a, b)
    }

    fn collect(&mut self) {
        dumpster::unsync::collect();
        // Drops inside the collection do not re-trigger it (the crate guards against that).
        COLLECTION_DUE.set(false);
    }

    fn set_auto_collect(&mut self, enabled: bool) {
        AUTO_COLLECT.set(enabled);
    }

    fn take_due_collection(&mut self) -> bool {
        COLLECTION_DUE.replace(false)
    }
}
