//! The counting engine: retain, release, and the cascade that frees what reaches zero.

use gc_core::layout::{
    self, FLAG_FINALIZED, FLAG_HAS_FINALIZER, FLAG_HAS_WEAKREFS, FLAG_IS_WEAKREF,
};
use gc_core::{Heap, ObjRef, PauseCounts, PauseKind};

/// A count at this value is stuck: it no longer changes, and the object is immortal (as
/// CPython 3.12's immortal objects are). Increments lost this way are reported by
/// [`Counting::overflows`], so a count never wraps silently.
pub const SATURATED: u32 = u32::MAX;

/// What a collector built on [`Counting`] tells the engine: where the count lives and what
/// must happen just before an object is freed.
pub trait CountHooks {
    /// The collector header word (see [`gc_core::layout`]) that holds the count.
    const COUNT_WORD: usize;

    /// Collector header words per object (where the reference fields start).
    const HEADER_WORDS: usize;

    /// Called when `obj` (whose shape word is `shape_word`) is about to be freed, after its
    /// referents were queued for release and before its memory is returned (a cycle
    /// collector unlinks it from its lists here).
    #[inline]
    fn on_free(&mut self, _heap: &mut Heap, _obj: ObjRef, _shape_word: u32) {}

    /// Called when a reference to `obj` was released and its count stayed above zero:
    /// Bacon and Rajan's "possible root" of a garbage cycle. Every release goes through
    /// here or reaches zero, including the releases the engine makes itself (a cascade's,
    /// and that of a slot value a resurrecting finalizer overwrote).
    #[inline]
    fn on_decrement_to_nonzero(&mut self, _heap: &mut Heap, _obj: ObjRef) {}

    /// Called when a reference to `obj` was counted (not for the count an object is born
    /// with: see [`gc_core::Collector::BORN_COUNT_WORD`]), including the engine's own, for
    /// an object a finalizer resurrected.
    #[inline]
    fn on_increment(&mut self, _heap: &mut Heap, _obj: ObjRef) {}
}

/// The hooks of plain reference counting: the count is header word 0, nothing else to do.
#[derive(Clone, Copy, Debug, Default)]
pub struct PlainCount;

impl CountHooks for PlainCount {
    const COUNT_WORD: usize = 0;
    const HEADER_WORDS: usize = 1;
}

/// The cascade budget of the bounded presets (`refcount-bounded`, `cycle-bounded`): objects
/// freed at most per mutator operation.
pub const DEFAULT_CASCADE_BUDGET: u64 = 1000;

/// Reference counts kept in a header word, with prompt freeing through an explicit work list.
///
/// The engine owns its hooks, so a collector layered on top keeps its own per-object state
/// (generation lists, say) in the hooks value and reaches it with [`Counting::hooks_mut`].
///
/// # Bounded cascades
///
/// With `BOUNDED` (a const parameter, so the unbounded engine compiles every check away) a
/// cascade frees at most [`Counting::cascade_budget`] objects per mutator operation. An
/// object whose count reaches zero once the budget is spent *dies* at once, as without a
/// budget (a weak reference object stops pointing; its pending finalizer runs and may
/// resurrect it; weak references to it are cleared, callbacks queued), but its memory and
/// the release of its referents wait on the to-free list, count 0 and fields intact, so the
/// oracle's counts stay exact and the bytes stay in the heap's figures. The list is drained,
/// budget by budget, by the next release that reaches zero and by [`Counting::drain`] (a
/// collector calls it before each allocation), and completely by [`Counting::drain_all`]
/// (before a full collection). Order: the list is a stack kept in the order the unbounded
/// cascade would have taken (depth first, last field first), but garbage dropped later is
/// freed before older garbage still waiting, and a referent shared inside a dropped
/// structure can die earlier than without a budget (its pending releases were all made
/// when the budget ran out). Each bounded chunk that frees more than one object is its own
/// Cascade pause.
#[derive(Debug)]
pub struct Counting<H: CountHooks, const BOUNDED: bool = false> {
    hooks: H,
    /// Objects with one pending release each; kept between cascades for its capacity.
    work: Vec<ObjRef>,
    overflows: u64,
    /// Whether cascades are reported as pauses (off while a collector frees garbage inside
    /// its own collection pause, so nothing is counted twice).
    cascade_pauses: bool,
    /// Objects freed at most per cascade (bounded engines only).
    budget: u64,
    /// Dead objects waiting to be freed, count 0, the next to free on top (bounded only).
    deferred: Vec<ObjRef>,
}

impl<H: CountHooks + Default, const BOUNDED: bool> Default for Counting<H, BOUNDED> {
    fn default() -> Self {
        Counting::new(H::default())
    }
}

impl<H: CountHooks, const BOUNDED: bool> Counting<H, BOUNDED> {
    /// An engine with the given hooks (a bounded one with [`DEFAULT_CASCADE_BUDGET`]).
    pub fn new(hooks: H) -> Counting<H, BOUNDED> {
        Counting {
            hooks,
            work: Vec::new(),
            overflows: 0,
            cascade_pauses: true,
            budget: if BOUNDED {
                DEFAULT_CASCADE_BUDGET
            } else {
                u64::MAX
            },
            deferred: Vec::new(),
        }
    }

    /// Objects a cascade frees at most (`u64::MAX` for an unbounded engine).
    pub fn cascade_budget(&self) -> u64 {
        self.budget
    }

    /// Sets the cascade budget of a bounded engine (at least 1); an unbounded engine
    /// ignores it.
    pub fn set_cascade_budget(&mut self, budget: u64) {
        if BOUNDED {
            self.budget = budget.max(1);
        }
    }

    /// Dead objects waiting on the to-free list.
    pub fn deferred(&self) -> usize {
        self.deferred.len()
    }

    /// A drain point: frees up to the budget from the to-free list (nothing to do, and
    /// nothing compiled, for an unbounded engine).
    #[inline]
    pub fn drain(&mut self, heap: &mut Heap) {
        if BOUNDED && !self.deferred.is_empty() {
            self.cascade(heap, 0, 0);
        }
    }

    /// Frees the whole to-free list, budget ignored (before a full collection, which must
    /// leave no dead object allocated).
    pub fn drain_all(&mut self, heap: &mut Heap) {
        if BOUNDED && !self.deferred.is_empty() {
            let budget = std::mem::replace(&mut self.budget, u64::MAX);
            self.cascade(heap, 0, 0);
            self.budget = budget;
        }
    }

    /// Turns the reporting of cascades as pause events on or off (it is on by default). A
    /// collector turns it off while it frees garbage inside its own collection pause.
    pub fn set_cascade_pauses(&mut self, on: bool) {
        self.cascade_pauses = on;
    }

    /// The hooks.
    #[inline]
    pub fn hooks(&self) -> &H {
        &self.hooks
    }

    /// The hooks, mutably.
    #[inline]
    pub fn hooks_mut(&mut self) -> &mut H {
        &mut self.hooks
    }

    /// The reference count of `obj` ([`SATURATED`] once it overflowed).
    #[inline]
    pub fn count(&self, heap: &Heap, obj: ObjRef) -> u32 {
        heap.header(obj, H::COUNT_WORD)
    }

    /// Increments lost to saturated counts so far.
    pub fn overflows(&self) -> u64 {
        self.overflows
    }

    /// A new strong reference to `obj` exists.
    #[inline]
    pub fn retain(&mut self, heap: &mut Heap, obj: ObjRef) {
        let count = heap.header_mut(obj, H::COUNT_WORD);
        if *count != SATURATED {
            *count += 1;
        } else {
            self.overflows += 1;
        }
        self.hooks.on_increment(heap, obj);
    }

    /// A strong reference to `obj` is gone; at zero the object is finalized or freed, and
    /// everything that dies with it too.
    #[inline(always)]
    pub fn release(&mut self, heap: &mut Heap, obj: ObjRef) {
        let count = heap.header_mut(obj, H::COUNT_WORD);
        // The common case, another reference remains (2 <= count < SATURATED), is one
        // compare and one decrement; everything else is out of line.
        if count.wrapping_sub(2) < SATURATED - 2 {
            *count -= 1;
            self.hooks.on_decrement_to_nonzero(heap, obj);
        } else {
            self.release_rare(heap, obj);
        }
    }

    /// The release of a last reference (or of a saturated or already-zero count).
    #[inline(never)]
    fn release_rare(&mut self, heap: &mut Heap, obj: ObjRef) {
        match decrement::<H>(heap, obj) {
            Decrement::ToZero => self.reached_zero(heap, obj),
            Decrement::ToNonzero => self.hooks.on_decrement_to_nonzero(heap, obj),
            Decrement::Stuck => {}
        }
    }

    /// Releases each of `objs` in turn, as one cascade, without a budget: a collector frees
    /// its garbage this way inside its own collection pause, which must leave nothing dead.
    pub fn release_all(&mut self, heap: &mut Heap, objs: impl IntoIterator<Item = ObjRef>) {
        let start = self.work.len();
        self.work.extend(objs);
        self.work[start..].reverse();
        if !self.work.is_empty() {
            let budget = std::mem::replace(&mut self.budget, u64::MAX);
            self.cascade(heap, 0, 0);
            self.budget = budget;
        }
    }

    /// `obj`'s count just reached zero.
    #[inline]
    fn reached_zero(&mut self, heap: &mut Heap, obj: ObjRef) {
        let (freed, bytes) = match self.dispose(heap, obj, None) {
            Some(bytes) => (1, bytes),
            None => (0, 0),
        };
        // Only a cascade that frees more than one object is a pause; most releases that
        // reach zero free a leaf and stop here (a bounded one goes on with the to-free list).
        if !self.work.is_empty() || (BOUNDED && !self.deferred.is_empty()) {
            self.cascade(heap, freed, bytes);
        }
    }

    /// Drains the work list. The pause begins only when a second object is about to be
    /// freed, so `cascade_stats` counts exactly the cascades that freed more than one. It
    /// is begun whether or not anyone listens (the heap reads the clock only for listeners):
    /// statistics must not depend on who watches, and ending the pause is also when the
    /// heap returns emptied pools, if that releases an arena; the cost is paid once per
    /// multi-object cascade.
    ///
    /// Depth first, last field first: a dead object's last referent is released next, and
    /// everything that dies with it before the field before it. CPython's lists and tuples
    /// release their items backwards the same way (an instance's `__slots__` and `__dict__`
    /// go first to last) (`list_dealloc`: "Do it backwards ... this
    /// reduces thrashing when a *very* large list is created and immediately deleted"). A
    /// structure built bottom-up, children before parents, has its last fields' subtrees
    /// allocated last, so they are the likeliest still in cache; and the memory freed last,
    /// which the allocator hands out first, is then the first fields', written long ago.
    #[inline(never)]
    fn cascade(&mut self, heap: &mut Heap, mut freed: u64, mut bytes: u64) {
        let mut pause = None;
        // The work list is taken out of `self` and its length kept in `top`, a local: with
        // the list behind `&mut self`, every push and pop loaded and stored its length
        // through memory (the calls in the loop could, for all the compiler knew, change
        // it), a chain of store-to-load forwards through every freed object. Entries at
        // `top..` are stale; the list is given back, cleared, at the end.
        let mut work = std::mem::take(&mut self.work);
        let mut top = work.len();
        // The last referent of the object just freed is taken next without going through
        // the list (the others are queued below it, so the order is the same).
        let mut next_referent = None;
        // Bounded: where the objects deferred by this cascade start on the to-free list.
        let mut first_deferred = usize::MAX;
        let budget = self.budget;
        loop {
            // Whether `obj` came off the to-free list (dead already, count 0).
            let mut dead = false;
            let obj = match next_referent.take() {
                Some(obj) => obj,
                None if top > 0 => {
                    top -= 1;
                    work[top]
                }
                None if BOUNDED && freed < budget && first_deferred == usize::MAX => {
                    match self.deferred.pop() {
                        Some(obj) => {
                            dead = true;
                            obj
                        }
                        None => break,
                    }
                }
                None => break,
            };
            // One look-up of the object serves the decrement, the finalizer test and the
            // queueing of its referents.
            let w = heap.words_mut(obj);
            if !(BOUNDED && dead) {
                let count = &mut w[layout::BASE_WORDS + H::COUNT_WORD];
                match *count {
                    1 => *count = 0,
                    0 | SATURATED => continue,
                    n => {
                        *count = n - 1;
                        self.hooks.on_decrement_to_nonzero(heap, obj);
                        continue;
                    }
                }
                if BOUNDED && freed >= budget {
                    // The budget is spent: the rest of the work list is only decremented,
                    // and what dies waits on the to-free list.
                    first_deferred = first_deferred.min(self.deferred.len());
                    work.truncate(top);
                    self.work = work;
                    self.defer(heap, obj);
                    work = std::mem::take(&mut self.work);
                    top = work.len();
                    continue;
                }
            }
            let shape_word = w[0];
            if layout::flags_of(shape_word) & (FLAG_HAS_FINALIZER | FLAG_FINALIZED)
                == FLAG_HAS_FINALIZER
            {
                let begin = pause.is_none() && freed >= 1 && self.cascade_pauses;
                // A finalizer may queue work of its own (through `self.work`).
                work.truncate(top);
                self.work = work;
                if let Some(b) = self.dispose(heap, obj, Some((begin, &mut pause))) {
                    bytes += b;
                    freed += 1;
                }
                work = std::mem::take(&mut self.work);
                top = work.len();
                continue;
            }
            let fields_at = layout::fields_offset(H::HEADER_WORDS);
            let n = layout::fields_of(shape_word);
            if n > 0 {
                let fields = &w[fields_at..fields_at + n];
                for &raw in fields[..n - 1].iter() {
                    if let Some(child) = ObjRef::from_raw(raw) {
                        if top < work.len() {
                            work[top] = child;
                        } else {
                            work.push(child);
                        }
                        top += 1;
                    }
                }
                next_referent = ObjRef::from_raw(fields[n - 1]);
            }
            // Begun once, just before the second object is freed (the pause is then Some).
            if pause.is_none() && freed >= 1 && self.cascade_pauses {
                pause = Some(heap.begin_pause(PauseKind::Cascade, None));
            }
            self.hooks.on_free(heap, obj, shape_word);
            bytes += heap.free(obj) as u64;
            freed += 1;
        }
        work.clear();
        self.work = work;
        if BOUNDED && first_deferred < self.deferred.len() {
            // Pushed in the order the cascade reached them: the first reached goes on top.
            self.deferred[first_deferred..].reverse();
        }
        if let Some(start) = pause {
            // Emptied pools go back only if that releases an arena: a small structure
            // dropped is usually followed by the next one built, which reuses them.
            heap.flush_pools_if_releasing();
            heap.end_pause(
                start,
                PauseCounts {
                    candidates: 0,
                    scanned: freed,
                    freed,
                    bytes_freed: bytes,
                    uncollectable: 0,
                },
            );
        }
    }

    /// `obj`'s count reached zero after the budget was spent: it dies now (a weak reference
    /// object is cleared, its pending finalizer runs, weak references to it are cleared with
    /// their callbacks) and waits on the to-free list unless the finalizer resurrected it.
    #[inline(never)]
    fn defer(&mut self, heap: &mut Heap, obj: ObjRef) {
        let flags = heap.flags(obj);
        if flags & FLAG_IS_WEAKREF != 0 {
            heap.clear_weakref(obj);
        }
        if flags & (FLAG_HAS_FINALIZER | FLAG_FINALIZED) == FLAG_HAS_FINALIZER
            && self.finalize(heap, obj)
        {
            return;
        }
        if flags & FLAG_HAS_WEAKREFS != 0 {
            heap.clear_weakrefs(obj, |_, _| true);
        }
        self.deferred.push(obj);
    }

    /// Runs `obj`'s pending finalizer, if any (its count is zero). Returns true if the
    /// finalizer resurrected it: it is stored into the finalizer's slot (a counted reference)
    /// and the slot's previous value is queued for release.
    #[cold]
    fn finalize(&mut self, heap: &mut Heap, obj: ObjRef) -> bool {
        let Some(slot) = heap.run_finalizer(obj) else {
            return false;
        };
        match heap.replace_slot(slot, Some(obj)) {
            Ok(old) => {
                self.retain(heap, obj);
                if let Some(old) = old {
                    self.work.push(old);
                }
                true
            }
            Err(_) => false,
        }
    }

    /// `obj`'s count is zero: runs its pending finalizer (None if that resurrected it), or
    /// frees it, queueing its referents for release, last field first (see
    /// [`Counting::cascade`]). Returns bytes freed.
    /// Inside a cascade, `pause` says whether to begin the pause just before the free.
    #[inline]
    fn dispose(
        &mut self,
        heap: &mut Heap,
        obj: ObjRef,
        pause: Option<(bool, &mut Option<gc_core::events::PauseStart>)>,
    ) -> Option<u64> {
        let shape_word = heap.words(obj)[0];
        if layout::flags_of(shape_word) & (FLAG_HAS_FINALIZER | FLAG_FINALIZED)
            == FLAG_HAS_FINALIZER
            && self.finalize(heap, obj)
        {
            return None;
        }
        if let Some((true, slot)) = pause {
            *slot = Some(heap.begin_pause(PauseKind::Cascade, None));
        }
        let fields_at = layout::fields_offset(H::HEADER_WORDS);
        let n = layout::fields_of(shape_word);
        // Pushed in field order, so the last field is on top: released first.
        for &raw in heap.words(obj)[fields_at..fields_at + n].iter() {
            if let Some(child) = ObjRef::from_raw(raw) {
                self.work.push(child);
            }
        }
        self.hooks.on_free(heap, obj, shape_word);
        Some(heap.free(obj) as u64)
    }
}

/// What a decrement did.
enum Decrement {
    /// The count reached zero: the object dies (or is finalized).
    ToZero,
    /// The count is still above zero.
    ToNonzero,
    /// The count was zero or saturated and did not move.
    Stuck,
}

/// Decrements `obj`'s count. Saturated counts never move.
#[inline]
fn decrement<H: CountHooks>(heap: &mut Heap, obj: ObjRef) -> Decrement {
    let count = heap.header_mut(obj, H::COUNT_WORD);
    match *count {
        1 => {
            *count = 0;
            Decrement::ToZero
        }
        0 | SATURATED => Decrement::Stuck,
        n => {
            *count = n - 1;
            Decrement::ToNonzero
        }
    }
}
