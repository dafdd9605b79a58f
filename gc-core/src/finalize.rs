//! Finalizers and notices: how the heap tells the mutator that something happened.
//!
//! A finalizer is data, not a closure: gclab's mutator never re-enters the heap from inside a
//! collection. When an object's finalizer runs, the heap records a [`Notice::Finalized`] in a
//! queue the mutator drains, and, if the finalizer resurrects, stores the object into the root
//! slot the finalizer names. That store is a real strong reference, so the object (and all it
//! reaches) survives. A finalizer runs at most once in an object's life (PEP 442).

use crate::{ObjRef, Slot};

/// What happens when an object dies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Finalizer {
    /// Reported in the [`Notice::Finalized`] so the mutator knows which finalizer ran.
    pub tag: u32,
    /// If set, the finalizer stores its object into this root slot: resurrection.
    pub resurrect_into: Option<Slot>,
}

impl Finalizer {
    /// A finalizer that only reports.
    pub fn report(tag: u32) -> Finalizer {
        Finalizer {
            tag,
            resurrect_into: None,
        }
    }

    /// A finalizer that resurrects its object into `slot`.
    pub fn resurrect(tag: u32, slot: Slot) -> Finalizer {
        Finalizer {
            tag,
            resurrect_into: Some(slot),
        }
    }
}

/// Something the collector did that the mutator may react to, in the order it happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Notice {
    /// A finalizer ran on `obj` (the reference may be dead by the time it is read).
    Finalized {
        /// The object finalized.
        obj: ObjRef,
        /// The finalizer's tag.
        tag: u32,
    },
    /// A live weak reference's referent died; its callback "ran".
    WeakCallback {
        /// The weak reference object.
        weak: ObjRef,
        /// The callback's tag.
        tag: u32,
    },
}

impl Notice {
    /// The tag of a [`Notice::Finalized`], or `None`.
    pub fn finalized_tag(&self) -> Option<u32> {
        match self {
            Notice::Finalized { tag, .. } => Some(*tag),
            Notice::WeakCallback { .. } => None,
        }
    }

    /// The tag of a [`Notice::WeakCallback`], or `None`.
    pub fn callback_tag(&self) -> Option<u32> {
        match self {
            Notice::WeakCallback { tag, .. } => Some(*tag),
            Notice::Finalized { .. } => None,
        }
    }
}
