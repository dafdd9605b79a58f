//! The census: exact counts of nodes allocated and dropped, and the notices their drops raise.
//!
//! Every node an adapter allocates carries a [`Census`] value. Its `Drop` runs when the crate
//! under test really frees the node (whether by a reference count reaching zero or by the
//! crate's collector), so `allocated - dropped` is the number of objects the crate still
//! holds, independent of anything the crate reports about itself. The counters are
//! thread-local because every peer crate keeps its collector state per thread and each peer
//! run gets a thread of its own ([`crate::run`]).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use gc_core::{Notice, ObjRef};

thread_local! {
    static DROPPED: Cell<u64> = const { Cell::new(0) };
    static PENDING: RefCell<Pending> = RefCell::new(Pending::default());
}

/// Notices raised by drops, and the weak-reference callbacks still armed.
#[derive(Default)]
struct Pending {
    notices: Vec<Notice>,
    /// Referent id -> (weak reference id, callback tag) for every live weak reference with a
    /// callback.
    callbacks: HashMap<u32, Vec<(u32, u32)>>,
}

/// The per-node record whose drop is counted.
#[derive(Debug)]
pub(crate) struct Census {
    /// The node's identity, reported as its [`ObjRef`].
    pub(crate) id: u32,
    /// The finalizer tag to report when the node dies, if one was attached.
    pub(crate) finalizer: Option<u32>,
    /// For a weak reference node with a callback: its referent's id.
    pub(crate) watching: Option<u32>,
}

impl Census {
    /// A record for a new node.
    pub(crate) fn new(id: u32) -> Census {
        Census {
            id,
            finalizer: None,
            watching: None,
        }
    }
}

impl Drop for Census {
    fn drop(&mut self) {
        // `try_with`: a crate may free leftovers while the thread's locals are being torn down.
        let _ = DROPPED.try_with(|d| d.set(d.get() + 1));
        let needs_pending = self.finalizer.is_some() || self.watching.is_some();
        let _ = PENDING.try_with(|p| {
            let mut p = p.borrow_mut();
            if !needs_pending && p.callbacks.is_empty() {
                return;
            }
            if let Some(tag) = self.finalizer {
                p.notices.push(Notice::Finalized {
                    obj: obj_ref(self.id),
                    tag,
                });
            }
            if let Some(referent) = self.watching {
                // A weak reference that dies first never calls back.
                if let Some(list) = p.callbacks.get_mut(&referent) {
                    list.retain(|&(weak, _)| weak != self.id);
                    if list.is_empty() {
                        p.callbacks.remove(&referent);
                    }
                }
            }
            if let Some(list) = p.callbacks.remove(&self.id) {
                for (weak, tag) in list {
                    p.notices.push(Notice::WeakCallback {
                        weak: obj_ref(weak),
                        tag,
                    });
                }
            }
        });
    }
}

/// The [`ObjRef`] a node with `id` is reported as.
pub(crate) fn obj_ref(id: u32) -> ObjRef {
    ObjRef::from_raw(id & !ObjRef::LARGE_BIT).expect("masked ids are never NULL")
}

/// Nodes dropped on this thread so far.
pub(crate) fn dropped() -> u64 {
    DROPPED.with(Cell::get)
}

/// Arms a weak-reference callback: when `referent` dies while `weak` lives, a
/// [`Notice::WeakCallback`] with `tag` is queued.
pub(crate) fn watch(referent: u32, weak: u32, tag: u32) {
    PENDING.with(|p| {
        p.borrow_mut()
            .callbacks
            .entry(referent)
            .or_default()
            .push((weak, tag))
    });
}

/// Moves queued notices into `out`, oldest first.
pub(crate) fn drain_notices(out: &mut Vec<Notice>) {
    PENDING.with(|p| out.append(&mut p.borrow_mut().notices));
}
