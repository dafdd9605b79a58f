//! Roots beyond the slots and the side tables: `gc.garbage`, permanent roots, weak references, finalizers
//! and the notices they queue for the mutator. Rule 5 of [`crate::Collector`] says in what
//! order a collection uses them; [`crate::reclaim::Reclaimer`] does it.

use super::*;

impl Heap {
    /// `gc.garbage`: objects set aside instead of freed. They are roots.
    pub fn garbage(&self) -> &[ObjRef] {
        &self.garbage
    }

    /// Appends to `gc.garbage` (a reference-counting collector counts this reference).
    pub fn push_garbage(&mut self, r: ObjRef) {
        self.garbage.push(r);
    }

    /// Empties `gc.garbage`, returning what it held (the caller drops those references).
    pub fn take_garbage(&mut self) -> Vec<ObjRef> {
        std::mem::take(&mut self.garbage)
    }

    /// Permanent roots: references the runtime holds for the whole run outside the slots,
    /// as an interpreter's own state holds its start-up objects (see
    /// [`crate::Runtime::add_baseline`]). They are roots like the slots.
    pub fn pinned(&self) -> &[ObjRef] {
        &self.pinned
    }

    /// Adds a permanent root; the reference (counted by a reference-counting collector) moves
    /// here from wherever the caller held it.
    pub fn pin(&mut self, r: ObjRef) {
        self.pinned.push(r);
    }

    /// Registers `weak` (allocated with [`crate::layout::FLAG_IS_WEAKREF`]) as a weak
    /// reference to `referent`.
    pub fn register_weakref(&mut self, weak: ObjRef, referent: ObjRef, callback: Option<u32>) {
        self.weak.insert(weak, referent, callback);
        self.set_flags(referent, FLAG_HAS_WEAKREFS);
    }

    /// The weak reference object's entry.
    pub fn weak_entry(&self, weak: ObjRef) -> GcResult<WeakEntry> {
        self.weak
            .get(weak)
            .ok_or(GcError::NotWeak { obj: weak.raw() })
    }

    /// Weak references pointing at `r`, in the order they were created.
    pub fn weakrefs_to(&self, r: ObjRef) -> impl Iterator<Item = ObjRef> + '_ {
        self.weak.weakrefs_to(r)
    }

    /// Clears every weak reference to `referent`; for each with a callback for which `alive`
    /// says true, queues a [`Notice::WeakCallback`]. `alive` is given the heap, so a test can
    /// read marks kept in object headers. Returns how many were cleared.
    pub fn clear_weakrefs(
        &mut self,
        referent: ObjRef,
        mut alive: impl FnMut(&Heap, ObjRef) -> bool,
    ) -> usize {
        let mut with_callback = std::mem::take(&mut self.weak_callbacks);
        let cleared = self.weak.clear_referent(referent, &mut with_callback);
        for &(w, tag) in &with_callback {
            if alive(self, w) {
                self.notices.push(Notice::WeakCallback { weak: w, tag });
            }
        }
        with_callback.clear();
        self.weak_callbacks = with_callback;
        self.clear_flags(referent, FLAG_HAS_WEAKREFS);
        cleared
    }

    /// Clears the weak reference object `weak` itself (CPython clears weak references that
    /// are garbage before finalizers run): it stops pointing at its referent and no callback
    /// is queued. Returns whether it was pointing at something.
    pub fn clear_weakref(&mut self, weak: ObjRef) -> bool {
        match self.weak.clear_one(weak) {
            Some(referent) => {
                if !self.weak.has_weakrefs(referent) && self.is_allocated(referent) {
                    self.clear_flags(referent, FLAG_HAS_WEAKREFS);
                }
                true
            }
            None => false,
        }
    }

    /// Number of weak reference objects alive.
    pub fn weakref_count(&self) -> usize {
        self.weak.len()
    }

    /// Whether a dying object may need more than freeing: false when no weak reference
    /// points at anything and no object has a finalizer, so the end of a collection has
    /// nothing to clear or run and need not read each dying object's flags to find out.
    /// (A referent whose weak references were all freed may keep its flag; it names none.)
    #[inline]
    pub fn may_need_settling(&self) -> bool {
        !(self.finalizers.is_empty() && self.weak.has_no_referents())
    }

    /// Attaches a finalizer (replacing any earlier one). It runs at most once in the object's
    /// life: if the object was already finalized, it never runs.
    pub fn set_finalizer(&mut self, r: ObjRef, f: Finalizer) {
        self.finalizers.insert(r, f);
        self.set_flags(r, FLAG_HAS_FINALIZER);
    }

    /// Whether `r` has a finalizer that has not run yet.
    #[inline]
    pub fn has_pending_finalizer(&self, r: ObjRef) -> bool {
        self.flags(r) & (FLAG_HAS_FINALIZER | FLAG_FINALIZED) == FLAG_HAS_FINALIZER
    }

    /// Whether `r`'s finalizer has run.
    pub fn is_finalized(&self, r: ObjRef) -> bool {
        self.flags(r) & FLAG_FINALIZED != 0
    }

    /// Runs `r`'s pending finalizer: marks it finalized and queues the notice. Returns the
    /// slot it resurrects into, if any; the collector then stores `r` there with its barrier.
    pub fn run_finalizer(&mut self, r: ObjRef) -> Option<Slot> {
        if !self.has_pending_finalizer(r) {
            return None;
        }
        self.set_flags(r, FLAG_FINALIZED);
        let f = self.finalizers.get(&r).copied()?;
        self.notices.push(Notice::Finalized { obj: r, tag: f.tag });
        f.resurrect_into.filter(|&s| s < self.slots.len())
    }

    /// Appends to `out`, sorted by reference (the order of [`Heap::for_each_object`]) and
    /// without repeats, every object the end of a collection may have to treat specially:
    /// each with a pending finalizer and each object a weak reference points at. For a
    /// collector that ends a collection without walking the heap (an incremental one): the
    /// dying among these are what [`crate::reclaim::Reclaimer::settle_unmarked`] needs.
    /// (Weak reference objects themselves are not listed: a dying one needs only freeing,
    /// and there can be many more of them than referents.) Costs a walk of the finalizer
    /// table and of the weak-reference table's referents, not of the heap.
    pub fn special_objects(&self, out: &mut Vec<ObjRef>) {
        let start = out.len();
        out.extend(
            self.finalizers
                .keys()
                .copied()
                .filter(|&r| self.has_pending_finalizer(r)),
        );
        self.weak.for_each_referent(|r| out.push(r));
        crate::objref::sort_by_reference(&mut out[start..]);
        let mut kept = start;
        for i in start..out.len() {
            if kept == start || out[kept - 1] != out[i] {
                out[kept] = out[i];
                kept += 1;
            }
        }
        out.truncate(kept);
    }

    /// Queues a notice.
    pub fn push_notice(&mut self, n: Notice) {
        self.notices.push(n);
    }

    /// Moves every queued notice into `out`, oldest first.
    pub fn drain_notices(&mut self, out: &mut Vec<Notice>) {
        out.append(&mut self.notices);
    }
}
