//! `rc`: `std::rc::Rc<RefCell<Node>>`, plain reference counting with no cycle collection.
//!
//! Objects are freed the moment their last strong pointer goes; cycles are leaked, and the
//! census counts them. `collect()` has nothing to run (it is timed as an empty pause so the
//! pause log shows every call). Weak references are `std::rc::Weak`. Dropping a long chain
//! recurses in `Rc`'s own `Drop`, hence the large stack [`crate::run`] gives every peer run.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gc_core::{GcResult, Reclaims, Shape};

use crate::census::Census;
use crate::heap::PeerHeap;
use crate::storage::Storage;

/// A node: strong fields, payload, and for a weak reference object, the `Weak`.
pub(crate) struct RcNode {
    storage: Storage<RcPtr>,
    weak: Option<Weak<RefCell<RcNode>>>,
    census: Census,
}

type RcPtr = Rc<RefCell<RcNode>>;

crate::node_accessors!(RcNode, RcPtr);

/// The `rc` peer.
pub(crate) struct RcHeap;

impl PeerHeap for RcHeap {
    type Ptr = RcPtr;
    type Node = RcNode;
    const NAME: &'static str = "rc";
    const RECLAIMS: Reclaims = Reclaims::AcyclicOnly;

    fn new() -> Self {
        RcHeap
    }

    fn alloc(&mut self, census: Census, shape: Shape) -> RcPtr {
        Rc::new(RefCell::new(RcNode {
            storage: Storage::new(shape),
            weak: None,
            census,
        }))
    }

    fn with<R>(p: &RcPtr, f: impl FnOnce(&RcNode) -> R) -> R {
        f(&p.borrow())
    }

    fn with_mut<R>(p: &RcPtr, f: impl FnOnce(&mut RcNode) -> R) -> R {
        f(&mut p.borrow_mut())
    }

    fn ptr_eq(a: &RcPtr, b: &RcPtr) -> bool {
        Rc::ptr_eq(a, b)
    }

    fn new_weak(&mut self, census: Census, target: &RcPtr) -> GcResult<RcPtr> {
        Ok(Rc::new(RefCell::new(RcNode {
            storage: Storage::empty(),
            weak: Some(Rc::downgrade(target)),
            census,
        })))
    }

    fn upgrade(p: &RcPtr) -> Result<Option<RcPtr>, ()> {
        p.borrow().weak.as_ref().map(Weak::upgrade).ok_or(())
    }

    fn collect(&mut self) {}

    fn set_auto_collect(&mut self, _enabled: bool) {}
}
