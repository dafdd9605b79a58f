//! Weak references: heap objects that name a referent without keeping it alive.
//!
//! A weak reference is an ordinary heap object (flag [`crate::layout::FLAG_IS_WEAKREF`], no
//! reference fields) so it can itself be stored in fields, become garbage, or sit in a cycle,
//! exactly as CPython's weakref objects do. Its referent and callback tag live in this side
//! table, not in a field, so no collector traces them.
//!
//! Clearing order (CPython's): when a referent dies, every weak reference to it is cleared
//! (upgrades then give nothing) in the order the weak references were created; a callback is
//! queued as a [`crate::Notice::WeakCallback`] only for weak references that are themselves
//! still alive. A collector that frees a set of objects at once clears all weak references in
//! or to that set before any finalizer runs.

use crate::objref::RefMap;
use crate::ObjRef;

/// What a weak reference points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeakEntry {
    /// The referent, until it dies.
    pub referent: Option<ObjRef>,
    /// Tag reported when the referent dies and this weak reference is alive.
    pub callback: Option<u32>,
}

/// The side table of weak references.
#[derive(Debug, Default)]
pub struct WeakTable {
    entries: RefMap<WeakEntry>,
    by_referent: RefMap<Vec<ObjRef>>,
}

impl WeakTable {
    /// Registers weak reference object `weak` to `referent`.
    pub fn insert(&mut self, weak: ObjRef, referent: ObjRef, callback: Option<u32>) {
        self.entries.insert(
            weak,
            WeakEntry {
                referent: Some(referent),
                callback,
            },
        );
        self.by_referent.entry(referent).or_default().push(weak);
    }

    /// Calls `f` with every referent still pointed at.
    pub fn for_each_referent(&self, mut f: impl FnMut(ObjRef)) {
        for &referent in self.by_referent.keys() {
            f(referent);
        }
    }

    /// The entry of weak reference `weak`.
    pub fn get(&self, weak: ObjRef) -> Option<WeakEntry> {
        self.entries.get(&weak).copied()
    }

    /// Forgets weak reference object `weak` (it is being freed).
    pub fn remove_weakref(&mut self, weak: ObjRef) {
        if let Some(WeakEntry {
            referent: Some(r), ..
        }) = self.entries.remove(&weak)
        {
            if let Some(list) = self.by_referent.get_mut(&r) {
                list.retain(|&w| w != weak);
                if list.is_empty() {
                    self.by_referent.remove(&r);
                }
            }
        }
    }

    /// Clears weak reference `weak` alone (it stops pointing at its referent, no callback);
    /// returns the referent it had, if any.
    pub fn clear_one(&mut self, weak: ObjRef) -> Option<ObjRef> {
        let r = self.entries.get_mut(&weak)?.referent.take()?;
        if let Some(list) = self.by_referent.get_mut(&r) {
            list.retain(|&w| w != weak);
            if list.is_empty() {
                self.by_referent.remove(&r);
            }
        }
        Some(r)
    }

    /// Clears every weak reference to `referent`; returns them in creation order.
    pub fn clear_referent(&mut self, referent: ObjRef) -> Vec<ObjRef> {
        let list = self.by_referent.remove(&referent).unwrap_or_default();
        for w in &list {
            if let Some(e) = self.entries.get_mut(w) {
                e.referent = None;
            }
        }
        list
    }

    /// Weak references currently pointing at `referent`.
    pub fn weakrefs_to(&self, referent: ObjRef) -> &[ObjRef] {
        self.by_referent
            .get(&referent)
            .map_or(&[], |v| v.as_slice())
    }

    /// Re-keys every entry, and every referent, by where `forward` says its object is now
    /// (after a moving collector relocated objects); creation order is kept.
    pub fn forward(&mut self, forward: impl Fn(ObjRef) -> ObjRef) {
        if self.entries.is_empty() {
            return;
        }
        self.entries = self
            .entries
            .drain()
            .map(|(w, e)| {
                let referent = e.referent.map(&forward);
                (forward(w), WeakEntry { referent, ..e })
            })
            .collect();
        self.by_referent = self
            .by_referent
            .drain()
            .map(|(r, list)| (forward(r), list.into_iter().map(&forward).collect()))
            .collect();
    }

    /// Number of weak reference objects alive.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether no weak reference points at anything.
    pub fn has_no_referents(&self) -> bool {
        self.by_referent.is_empty()
    }
}
