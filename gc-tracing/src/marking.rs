//! The mark phase: a side bitmap of mark bits and the explicit work-list loop that fills it.
//!
//! Marking is the hot loop of a tracing collector, and on a heap larger than the caches it
//! waits on memory, so it is built to touch as little as possible and to overlap the misses
//! it cannot avoid. An object's bit is set when it is first *seen* (as a root or in a
//! parent's field), so each live object is queued once and its fields are read once. The
//! work list is a breadth-first queue whose next entries are touched ahead of the scan, so
//! cache misses overlap instead of chaining. The bits live beside the heap (one bit per
//! 16-byte granule, 8 KiB per MiB of arena), so marking never writes object memory and the
//! bitmap of a 1,000,000-object heap (about 280 KiB) stays in L2. The queue ([`GreyQueue`]) is a
//! `Vec` of references, so a ten-million-long list is an ordinary loop, not a stack overflow.

use gc_core::alloc::GRANULE_WORDS;
use gc_core::{layout, Heap, ObjRef};

/// One mark bit per possible object: small objects by granule, large ones by table index.
///
/// Unlike [`gc_core::ObjSet`] it never grows while marking: it is sized from
/// [`Heap::reference_bounds`] at the start of each collection, when nothing can allocate, so
/// the hot path is a shift, a mask and one (always successful) bounds check.
#[derive(Clone, Debug, Default)]
pub struct MarkBitmap {
    small: Vec<u64>,
    large: Vec<u64>,
}

impl MarkBitmap {
    /// Clears every bit and makes room for every reference `heap` can hand out now.
    pub fn reset(&mut self, heap: &Heap) {
        let (small, large) = heap.reference_bounds();
        reset_words(&mut self.small, small);
        reset_words(&mut self.large, large);
    }

    /// Sets `r`'s bit; true if it was clear (the object is newly marked).
    #[inline(always)]
    pub fn mark(&mut self, r: ObjRef) -> bool {
        let raw = r.raw();
        // Two branches rather than a select of the bitmap: large objects are rare, so the
        // branch predicts and the small bitmap's pointer stays in a register.
        if raw & ObjRef::LARGE_BIT == 0 {
            set_bit(&mut self.small, raw)
        } else {
            set_bit(&mut self.large, raw & !ObjRef::LARGE_BIT)
        }
    }

    /// Makes room for every reference `heap` can hand out now, keeping the bits set: for
    /// bits that outlive one collection (sticky marks, allocation during a mark).
    pub fn grow(&mut self, heap: &Heap) {
        let (small, large) = heap.reference_bounds();
        grow_words(&mut self.small, small);
        grow_words(&mut self.large, large);
    }

    /// [`MarkBitmap::mark`] for a reference that may be newer than the last
    /// [`MarkBitmap::reset`] (an object allocated since): the bitmap grows to cover it.
    #[inline]
    pub fn mark_growing(&mut self, r: ObjRef) -> bool {
        let (words, index) = self.covering(r);
        set_bit(words, index)
    }

    /// Makes room for `r`'s bit without setting it: kept up to date as objects are born
    /// between collections, so the bitmap grows (and its new pages are first touched) in
    /// the mutator's time, not in the pause that clears it.
    #[inline]
    pub fn cover(&mut self, r: ObjRef) {
        self.covering(r);
    }

    /// The bitmap that holds `r`'s bit, grown to hold it, and the bit's index there.
    #[inline(always)]
    fn covering(&mut self, r: ObjRef) -> (&mut Vec<u64>, u32) {
        let (words, index) = self.words_mut(r);
        grow_words(words, index as usize + 1);
        (words, index)
    }

    /// The bitmap that holds `r`'s bit (small objects by granule, large ones by table
    /// index) and the bit's index there.
    #[inline(always)]
    fn words_mut(&mut self, r: ObjRef) -> (&mut Vec<u64>, u32) {
        let raw = r.raw();
        if raw & ObjRef::LARGE_BIT == 0 {
            (&mut self.small, raw)
        } else {
            (&mut self.large, raw & !ObjRef::LARGE_BIT)
        }
    }

    /// Clears `r`'s bit (it must be within the bitmap).
    #[inline]
    pub fn unmark(&mut self, r: ObjRef) {
        let (words, index) = self.words_mut(r);
        words[(index >> 6) as usize] &= !(1u64 << (index & 63));
    }

    /// Whether `r` is marked.
    #[inline(always)]
    pub fn is_marked(&self, r: ObjRef) -> bool {
        let raw = r.raw();
        let (words, index) = if raw & ObjRef::LARGE_BIT == 0 {
            (&self.small, raw)
        } else {
            (&self.large, raw & !ObjRef::LARGE_BIT)
        };
        words
            .get((index >> 6) as usize)
            .is_some_and(|w| w & (1u64 << (index & 63)) != 0)
    }
}

/// Sets bit `index` of `words`; true if it was clear.
#[inline(always)]
fn set_bit(words: &mut [u64], index: u32) -> bool {
    let word = &mut words[(index >> 6) as usize];
    let bit = 1u64 << (index & 63);
    let was_clear = *word & bit == 0;
    // Most references found while marking point at objects already marked: test first, so
    // those cost no store.
    if was_clear {
        *word |= bit;
    }
    was_clear
}

fn grow_words(words: &mut Vec<u64>, bits: usize) {
    let len = bits.div_ceil(64);
    if words.len() < len {
        words.resize(len, 0);
    }
}

fn reset_words(words: &mut Vec<u64>, bits: usize) {
    let len = bits.div_ceil(64);
    if len > words.capacity() {
        // Outgrown: fresh zeroed memory rather than copying bits about to be cleared and
        // then writing zeros over all of it. The allocator hands large zeroed blocks out
        // as untouched pages, so their first-touch faults fall in the marking steps that
        // set bits there, not all in the pause that starts a cycle.
        *words = vec![0; len];
    } else {
        words.clear();
        words.resize(len, 0);
    }
}

/// How many queued objects are touched at once, ahead of the scan position: the misses a
/// batch causes are all in flight together (16 of them measured best on the chased graph;
/// see the crate's benchmark).
const TOUCH_BATCH: usize = 16;

/// Queue entries at most this many granules after the entry before them are not touched
/// ahead: consecutive objects from one array (the indexed graph) stream in order.
const NEIGHBOUR_GRANULES: u32 = 8;

/// Once this many processed entries sit at the front of the mark queue, and they are at least
/// half of it, they are dropped, so the queue holds about the frontier, not every object.
const COMPACT_AT: usize = 1 << 14;

/// The grey objects (marked, fields not yet scanned), front first: a `Vec` and the index
/// of its first unscanned entry. The index outlives a call of [`mark_queued`], so an
/// incremental collector's step that stops on its budget leaves the queue as it is instead
/// of moving every remaining entry to the front (a copy of the whole frontier per step).
#[derive(Clone, Debug, Default)]
pub struct GreyQueue {
    items: Vec<ObjRef>,
    head: usize,
}

impl GreyQueue {
    /// Queues `r` at the back.
    #[inline(always)]
    pub fn push(&mut self, r: ObjRef) {
        self.items.push(r);
    }

    /// Whether every queued object has been scanned.
    pub fn is_empty(&self) -> bool {
        self.head == self.items.len()
    }

    /// How many queued objects are still to scan.
    pub fn len(&self) -> usize {
        self.items.len() - self.head
    }

    /// Drops every queued object, keeping the capacity.
    pub fn clear(&mut self) {
        self.items.clear();
        self.head = 0;
    }
}

/// Marks everything reachable from `roots` (and from objects already in `mark_queue`),
/// returning how many objects it newly marked. `mark_queue` is empty afterwards; it is kept
/// by the caller so its capacity is reused across collections.
#[inline(never)]
pub fn mark_from(
    heap: &Heap,
    bits: &mut MarkBitmap,
    mark_queue: &mut GreyQueue,
    roots: impl IntoIterator<Item = ObjRef>,
) -> u64 {
    let mut marked = 0u64;
    for root in roots {
        marked += u64::from(shade(bits, mark_queue, root));
    }
    // A budget no heap reaches: the bound check folds away and this is the whole loop.
    marked + mark_queued(heap, bits, mark_queue, u64::MAX).marked
}

/// Marks `r` grey: sets its bit and queues it for scanning if it was white. True if it was.
#[inline(always)]
pub fn shade(bits: &mut MarkBitmap, mark_queue: &mut GreyQueue, r: ObjRef) -> bool {
    let fresh = bits.mark(r);
    if fresh {
        mark_queue.push(r);
    }
    fresh
}

/// What scanning one object costs, in the units of a marking budget, beside one unit per
/// field it reads: the object's first touch is usually a cache miss, which costs about as
/// much as reading this many fields from a line already loaded. With this weight a budget
/// bounds a step's time whether its objects are small nodes or arrays of references.
pub const OBJECT_WORK: u64 = 16;

/// What one run of [`mark_queued`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarkProgress {
    /// Objects scanned (taken from the queue and their fields read).
    pub scanned: u64,
    /// Objects newly marked (and queued) while scanning.
    pub marked: u64,
    /// The work done: [`OBJECT_WORK`] per object scanned plus one per field read.
    pub work: u64,
}

/// Scans queued (grey) objects, front first, marking and queuing the white objects their
/// fields name, until the queue is empty or the work done (see [`MarkProgress::work`])
/// reaches `budget`; what is left stays queued, in order, for the next call. This is the one mark loop of all three
/// collectors: a stop-the-world collection passes an unbounded budget ([`mark_from`]), the
/// incremental one a budget per allocation step.
///
/// The work list is a FIFO queue (breadth-first), not a stack. On a heap larger than the
/// caches, scanning an object is a cache miss; depth-first, the next object's address comes
/// from the fields just read, so the misses form a dependent chain. Breadth-first, the next
/// objects' addresses already sit in the queue, so every `TOUCH_BATCH` objects the loop
/// touches (loads the header word of) the next `TOUCH_BATCH` queued objects beyond the ones
/// it is about to scan, in one tight burst, so their misses are in flight together while the
/// scan proceeds. (Safe Rust has no prefetch instruction; plain loads the out-of-order core
/// runs ahead of do the job. One touch per scanned object, spread out, overlapped fewer
/// misses: the reorder buffer fills before the next touch is issued.) Breadth-first also
/// scans objects reached from one array in address order, which the hardware prefetcher
/// follows.
#[inline(always)]
pub fn mark_queued(
    heap: &Heap,
    bits: &mut MarkBitmap,
    grey: &mut GreyQueue,
    budget: u64,
) -> MarkProgress {
    let GreyQueue {
        items: mark_queue,
        head: queue_head,
    } = grey;
    let mut marked = 0u64;
    let mut scanned = 0u64;
    let mut work = 0u64;
    let fields_at = layout::fields_offset(heap.header_words());
    let (arena_shift, granule_mask) = heap.small_ref_layout();
    let (mut arena_at, mut arena): (usize, &[u32]) = (usize::MAX, &[]);
    let mut head = *queue_head;
    // Entries below this index have been touched (or scanned).
    let mut touched_to = head;
    let mut touched = 0u32;
    while head < mark_queue.len() && work < budget {
        if touched_to <= head + TOUCH_BATCH {
            let from = touched_to.max(head);
            let to = (head + 2 * TOUCH_BATCH).min(mark_queue.len()).max(from);
            // An entry within a few granules after the one before it is on a line the
            // previous touch (or the hardware prefetcher, following a run of neighbours)
            // brings in: only entries that jump are looked up and touched.
            let mut previous = if from > 0 {
                mark_queue[from - 1].raw()
            } else {
                u32::MAX
            };
            for &ahead in &mark_queue[from..to] {
                if ahead.raw().wrapping_sub(previous) > NEIGHBOUR_GRANULES {
                    touched = touched.wrapping_add(heap.words(ahead)[0]);
                }
                previous = ahead.raw();
            }
            touched_to = to;
        }
        let parent = mark_queue[head];
        head += 1;
        scanned += 1;
        // The fields, parsed here rather than through `Heap::fields` (which the compiler does
        // not inline across crates) so the whole scan is one loop body. Objects queued
        // together mostly share an arena, looked up once per run of them.
        let raw = parent.raw();
        let words = if raw & ObjRef::LARGE_BIT == 0 {
            let index = (raw >> arena_shift) as usize;
            if index != arena_at {
                arena = heap.small_arena(index);
                arena_at = index;
            }
            &arena[(raw & granule_mask) as usize * GRANULE_WORDS..]
        } else {
            heap.words(parent)
        };
        let n = layout::fields_of(words[0]);
        work += OBJECT_WORK + n as u64;
        for &raw in &words[fields_at..fields_at + n] {
            if let Some(child) = ObjRef::from_raw(raw) {
                if bits.mark(child) {
                    marked += 1;
                    mark_queue.push(child);
                }
            }
        }
        if head >= COMPACT_AT && head * 2 >= mark_queue.len() {
            mark_queue.drain(..head);
            touched_to -= head.min(touched_to);
            head = 0;
        }
    }
    if head == mark_queue.len() {
        mark_queue.clear();
        head = 0;
    }
    *queue_head = head;
    std::hint::black_box(touched);
    MarkProgress {
        scanned,
        marked,
        work,
    }
}

/// The same marking depth-first with a plain stack and no lookahead: the simplest correct
/// loop, kept as the baseline the benchmark compares [`mark_from`] against.
#[inline(never)]
pub fn mark_from_simple(
    heap: &Heap,
    bits: &mut MarkBitmap,
    mark_stack: &mut Vec<ObjRef>,
    roots: impl IntoIterator<Item = ObjRef>,
) -> u64 {
    let mut marked = 0u64;
    for root in roots {
        if bits.mark(root) {
            marked += 1;
            mark_stack.push(root);
        }
    }
    while let Some(parent) = mark_stack.pop() {
        for &raw in heap.fields(parent) {
            if let Some(child) = ObjRef::from_raw(raw) {
                if bits.mark(child) {
                    marked += 1;
                    mark_stack.push(child);
                }
            }
        }
    }
    marked
}

#[cfg(test)]
mod tests {
    use super::*;
    use gc_core::{HeapConfig, Shape};

    fn heap() -> Heap {
        Heap::new(&HeapConfig::default(), 0, 1, true, "test").unwrap()
    }

    #[test]
    fn marks_each_reachable_object_once() {
        let mut h = heap();
        let a = h.alloc_object(Shape::new(2, 0), 0).unwrap();
        let b = h.alloc_object(Shape::new(1, 0), 0).unwrap();
        let c = h.alloc_object(Shape::new(0, 600), 0).unwrap();
        let unreachable = h.alloc_object(Shape::new(1, 0), 0).unwrap();
        h.replace_field(a, 0, Some(b)).unwrap();
        h.replace_field(a, 1, Some(c)).unwrap();
        h.replace_field(b, 0, Some(a)).unwrap();
        h.replace_field(unreachable, 0, Some(a)).unwrap();
        let mut bits = MarkBitmap::default();
        bits.reset(&h);
        let mut queue = GreyQueue::default();
        let mut stack = Vec::new();
        assert_eq!(mark_from(&h, &mut bits, &mut queue, [a, a]), 3);
        assert!(queue.is_empty());
        assert!(bits.is_marked(a) && bits.is_marked(b) && bits.is_marked(c));
        assert!(!bits.is_marked(unreachable));
        assert_eq!(
            mark_from(&h, &mut bits, &mut queue, [b]),
            0,
            "already marked"
        );
        bits.reset(&h);
        assert_eq!(mark_from_simple(&h, &mut bits, &mut stack, [b]), 3);
        bits.reset(&h);
        assert!(!bits.is_marked(a));
    }

    #[test]
    fn wide_graphs_compact_the_queue_and_stay_exact() {
        // Three arrays of 20,000 parents, each parent with a child of its own: the queue
        // passes COMPACT_AT many times over.
        let mut h = heap();
        let mut arrays = Vec::new();
        for _ in 0..3 {
            let array = h.alloc_object(Shape::new(20_000, 0), 0).unwrap();
            for i in 0..20_000 {
                let parent = h.alloc_object(Shape::new(2, 0), 0).unwrap();
                let child = h.alloc_object(Shape::new(0, 8), 0).unwrap();
                h.replace_field(parent, 0, Some(child)).unwrap();
                h.replace_field(parent, 1, Some(array)).unwrap();
                h.replace_field(array, i, Some(parent)).unwrap();
            }
            arrays.push(array);
        }
        let mut bits = MarkBitmap::default();
        let mut queue = GreyQueue::default();
        bits.reset(&h);
        let n = mark_from(&h, &mut bits, &mut queue, arrays.iter().copied());
        assert_eq!(n, 3 + 3 * 40_000);
        assert!(queue.is_empty());
        // The same marking in budgeted steps, each leaving the rest queued where it is.
        bits.reset(&h);
        let mut steps = 0;
        for &array in &arrays {
            shade(&mut bits, &mut queue, array);
        }
        let mut marked = 3;
        // A parent weighs OBJECT_WORK + 2 units, a child OBJECT_WORK, an array
        // OBJECT_WORK + 20,000: a step passes its budget by less than one object's work.
        let (mut work, mut scanned) = (0, 0);
        while !queue.is_empty() {
            let progress = mark_queued(&h, &mut bits, &mut queue, 1_000);
            assert!(progress.work < 1_000 + OBJECT_WORK + 20_000);
            // A step stops only once its budget is spent, or when the queue runs dry.
            assert!(progress.work >= 1_000 || queue.is_empty());
            marked += progress.marked;
            work += progress.work;
            scanned += progress.scanned;
            steps += 1;
        }
        assert_eq!((marked, scanned), (3 + 3 * 40_000, 3 + 3 * 40_000));
        let fields = 3 * 20_000 + 3 * 20_000 * 2;
        assert_eq!(work, scanned * OBJECT_WORK + fields);
        // One step per array (each passes the budget alone); the parents' and children's
        // work then fills steps of at least 1,000 units and less than 1,000 plus one object.
        let rest = work - 3 * (OBJECT_WORK + 20_000);
        assert!(
            (rest.div_ceil(1_000 + OBJECT_WORK + 2)..=rest.div_ceil(1_000)).contains(&(steps - 3))
        );
        bits.reset(&h);
        let mut stack = Vec::new();
        assert_eq!(
            mark_from_simple(&h, &mut bits, &mut stack, [arrays[1]]),
            40_001
        );
        assert!(bits.is_marked(arrays[1]) && !bits.is_marked(arrays[0]));
    }
}
