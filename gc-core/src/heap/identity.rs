//! Object identities: what stays the same when a moving collector changes an object's
//! reference. Given out on request ([`Heap::object_id`]) and kept in a side table only for
//! the objects asked about, so the heap pays nothing for objects nobody identifies: their
//! allocation, freeing and moving do not touch the table. An object in the table carries
//! [`FLAG_HAS_ID`], so freeing it forgets its entry and moving it carries the entry along.

use super::*;
use crate::ObjId;

/// The identity table.
#[derive(Debug, Default)]
pub(super) struct Identities {
    ids: HashMap<ObjRef, ObjId>,
    /// The identity the next object asked about gets (they are never reused).
    next: u64,
}

impl Identities {
    /// Forgets `r`'s entry (it is being freed).
    pub(super) fn forget(&mut self, r: ObjRef) {
        self.ids.remove(&r);
    }

    /// Re-keys every entry by where `forward` says its object is now.
    pub(super) fn forward(&mut self, forward: impl Fn(ObjRef) -> ObjRef) {
        if !self.ids.is_empty() {
            self.ids = self.ids.drain().map(|(r, id)| (forward(r), id)).collect();
        }
    }
}

impl Heap {
    /// The identity of the allocated object `r`: the same for the object all its life,
    /// across every move a collector makes, and never another object's (see [`ObjId`]).
    /// The first request enters the object in the identity table.
    pub fn object_id(&mut self, r: ObjRef) -> ObjId {
        if self.flags(r) & FLAG_HAS_ID != 0 {
            if let Some(&id) = self.identities.ids.get(&r) {
                return id;
            }
        }
        let id = ObjId(self.identities.next);
        self.identities.next += 1;
        self.identities.ids.insert(r, id);
        self.set_flags(r, FLAG_HAS_ID);
        id
    }

    /// The allocated object whose identity is `id`, if it was ever asked for and the object
    /// is alive (a search of the identity table, for tests and tools).
    pub fn object_with_id(&self, id: ObjId) -> Option<ObjRef> {
        self.identities
            .ids
            .iter()
            .find(|&(_, &v)| v == id)
            .map(|(&r, _)| r)
    }
}
