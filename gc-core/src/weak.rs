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
//!
//! Layout (CPython's, in a side table): the weak references to one referent form a doubly
//! linked list in creation order, threaded through their entries, so a weak reference object
//! that dies while its referent lives (a cache entry replaced) leaves its list in constant
//! time, however many weak references the referent has; the entries are indexed by
//! reference ([`RefPages`]), not hashed, as every upgrade reads one.

use crate::objref::RefMap;
use crate::refpages::RefPages;
use crate::ObjRef;

/// What a weak reference points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeakEntry {
    /// The referent, until it dies.
    pub referent: Option<ObjRef>,
    /// Tag reported when the referent dies and this weak reference is alive.
    pub callback: Option<u32>,
}

/// A weak reference's entry with its links to the weak references created just before and
/// just after it to the same referent (none once it is cleared).
#[derive(Clone, Copy, Debug)]
struct Link {
    entry: WeakEntry,
    prev: Option<ObjRef>,
    next: Option<ObjRef>,
}

/// The first and last weak reference (in creation order) to one referent.
#[derive(Clone, Copy, Debug)]
struct Chain {
    first: ObjRef,
    last: ObjRef,
}

/// The side table of weak references.
#[derive(Debug, Default)]
pub struct WeakTable {
    entries: RefPages<Link>,
    by_referent: RefMap<Chain>,
}

impl WeakTable {
    /// Registers weak reference object `weak` to `referent` (after the ones it already has).
    pub fn insert(&mut self, weak: ObjRef, referent: ObjRef, callback: Option<u32>) {
        self.remove_weakref(weak);
        let mut link = Link {
            entry: WeakEntry {
                referent: Some(referent),
                callback,
            },
            prev: None,
            next: None,
        };
        match self.by_referent.entry(referent) {
            std::collections::hash_map::Entry::Occupied(mut chain) => {
                let last = std::mem::replace(&mut chain.get_mut().last, weak);
                link.prev = Some(last);
                if let Some(before) = self.entries.get_mut(last) {
                    before.next = Some(weak);
                }
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(Chain {
                    first: weak,
                    last: weak,
                });
            }
        }
        self.entries.insert(weak, link);
    }

    /// Calls `f` with every referent still pointed at.
    pub fn for_each_referent(&self, mut f: impl FnMut(ObjRef)) {
        for &referent in self.by_referent.keys() {
            f(referent);
        }
    }

    /// The entry of weak reference `weak`.
    #[inline]
    pub fn get(&self, weak: ObjRef) -> Option<WeakEntry> {
        self.entries.get(weak).map(|link| link.entry)
    }

    /// Takes a weak reference out of its referent's list, given its referent and neighbours.
    fn unlink(&mut self, referent: ObjRef, prev: Option<ObjRef>, next: Option<ObjRef>) {
        if let Some(p) = prev.and_then(|p| self.entries.get_mut(p)) {
            p.next = next;
        }
        if let Some(n) = next.and_then(|n| self.entries.get_mut(n)) {
            n.prev = prev;
        }
        match (prev, next) {
            (Some(_), Some(_)) => {}
            (None, None) => {
                self.by_referent.remove(&referent);
            }
            _ => {
                if let Some(chain) = self.by_referent.get_mut(&referent) {
                    if let Some(p) = prev {
                        chain.last = p;
                    }
                    if let Some(n) = next {
                        chain.first = n;
                    }
                }
            }
        }
    }

    /// Forgets weak reference object `weak` (it is being freed).
    #[inline]
    pub fn remove_weakref(&mut self, weak: ObjRef) {
        if let Some(link) = self.entries.remove(weak) {
            if let Some(r) = link.entry.referent {
                self.unlink(r, link.prev, link.next);
            }
        }
    }

    /// Clears weak reference `weak` alone (it stops pointing at its referent, no callback);
    /// returns the referent it had, if any.
    pub fn clear_one(&mut self, weak: ObjRef) -> Option<ObjRef> {
        let link = self.entries.get_mut(weak)?;
        let r = link.entry.referent.take()?;
        let (prev, next) = (link.prev.take(), link.next.take());
        self.unlink(r, prev, next);
        Some(r)
    }

    /// Clears every weak reference to `referent`, in the order they were created; appends each
    /// that has a callback, with its tag, to `with_callback`. Returns how many were cleared.
    pub fn clear_referent(
        &mut self,
        referent: ObjRef,
        with_callback: &mut Vec<(ObjRef, u32)>,
    ) -> usize {
        let Some(chain) = self.by_referent.remove(&referent) else {
            return 0;
        };
        let mut cleared = 0;
        let mut at = Some(chain.first);
        while let Some(w) = at {
            let Some(link) = self.entries.get_mut(w) else {
                break;
            };
            link.entry.referent = None;
            if let Some(tag) = link.entry.callback {
                with_callback.push((w, tag));
            }
            link.prev = None;
            at = link.next.take();
            cleared += 1;
        }
        cleared
    }

    /// Weak references currently pointing at `referent`, in creation order.
    pub fn weakrefs_to(&self, referent: ObjRef) -> impl Iterator<Item = ObjRef> + '_ {
        let first = self.by_referent.get(&referent).map(|chain| chain.first);
        std::iter::successors(first, |&w| self.entries.get(w)?.next)
    }

    /// Whether any weak reference points at `referent`.
    pub fn has_weakrefs(&self, referent: ObjRef) -> bool {
        self.by_referent.contains_key(&referent)
    }

    /// Re-keys every entry, and every referent, by where `forward` says its object is now
    /// (after a moving collector relocated objects); creation order is kept.
    pub fn forward(&mut self, forward: impl Fn(ObjRef) -> ObjRef) {
        if self.entries.is_empty() {
            return;
        }
        for (w, link) in self.entries.take_all() {
            let moved = Link {
                entry: WeakEntry {
                    referent: link.entry.referent.map(&forward),
                    ..link.entry
                },
                prev: link.prev.map(&forward),
                next: link.next.map(&forward),
            };
            self.entries.insert(forward(w), moved);
        }
        self.by_referent = self
            .by_referent
            .drain()
            .map(|(r, chain)| {
                let chain = Chain {
                    first: forward(chain.first),
                    last: forward(chain.last),
                };
                (forward(r), chain)
            })
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// The table's behaviour stated the slow way: every weak reference with its entry, in
    /// creation order.
    #[derive(Default)]
    struct Model {
        weakrefs: Vec<(ObjRef, WeakEntry)>,
    }

    impl Model {
        fn to(&self, referent: ObjRef) -> Vec<ObjRef> {
            let points_at = |e: &WeakEntry| e.referent == Some(referent);
            let found = self.weakrefs.iter().filter(|(_, e)| points_at(e));
            found.map(|&(w, _)| w).collect()
        }
    }

    fn agree(table: &WeakTable, model: &Model, referents: &[ObjRef]) {
        assert_eq!(table.len(), model.weakrefs.len());
        for &(w, e) in &model.weakrefs {
            assert_eq!(table.get(w), Some(e), "entry of {w}");
        }
        for &r in referents {
            let expected = model.to(r);
            assert_eq!(table.weakrefs_to(r).collect::<Vec<_>>(), expected, "to {r}");
            assert_eq!(table.has_weakrefs(r), !expected.is_empty());
        }
        let pointed_at = model.weakrefs.iter().any(|(_, e)| e.referent.is_some());
        assert_eq!(table.has_no_referents(), !pointed_at);
    }

    #[test]
    fn lists_stay_in_creation_order_through_removals_from_anywhere() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let referents: Vec<ObjRef> = (0..6).map(|i| ObjRef(ObjRef::LARGE_BIT | i)).collect();
        let (mut table, mut model) = (WeakTable::default(), Model::default());
        let mut next_weak = 0u32;
        for step in 0..4_000 {
            match rng.gen_range(0..10) {
                0..=4 => {
                    // New weak references land on scattered cells and pages.
                    next_weak += rng.gen_range(1..300);
                    let (w, r) = (ObjRef(next_weak), referents[rng.gen_range(0..6)]);
                    let callback = rng.gen_bool(0.5).then_some(step);
                    table.insert(w, r, callback);
                    let entry = WeakEntry {
                        referent: Some(r),
                        callback,
                    };
                    model.weakrefs.push((w, entry));
                }
                5..=6 if !model.weakrefs.is_empty() => {
                    let (w, _) = model
                        .weakrefs
                        .remove(rng.gen_range(0..model.weakrefs.len()));
                    table.remove_weakref(w);
                }
                7 if !model.weakrefs.is_empty() => {
                    let i = rng.gen_range(0..model.weakrefs.len());
                    let (w, e) = &mut model.weakrefs[i];
                    assert_eq!(table.clear_one(*w), e.referent.take());
                }
                8 => {
                    let r = referents[rng.gen_range(0..6)];
                    let mut with_callback = Vec::new();
                    let cleared = table.clear_referent(r, &mut with_callback);
                    let expected = model.to(r);
                    assert_eq!(cleared, expected.len());
                    let mut expected_callbacks = Vec::new();
                    for (w, e) in &mut model.weakrefs {
                        if e.referent == Some(r) {
                            e.referent = None;
                            expected_callbacks.extend(e.callback.map(|tag| (*w, tag)));
                        }
                    }
                    assert_eq!(
                        with_callback, expected_callbacks,
                        "callbacks in creation order"
                    );
                }
                _ => {
                    // A moving collector slides every object down by a fixed distance.
                    let by = |r: ObjRef| ObjRef(r.0.checked_sub(7).unwrap_or(r.0));
                    let forward = |r: ObjRef| if r.is_large() { r } else { by(r) };
                    if model.weakrefs.iter().all(|(w, _)| w.0 >= 7) {
                        table.forward(forward);
                        for (w, _) in &mut model.weakrefs {
                            *w = forward(*w);
                        }
                    }
                }
            }
            agree(&table, &model, &referents);
        }
        assert!(
            model.weakrefs.len() > 100,
            "the run kept a crowd of weak references"
        );
    }
}
