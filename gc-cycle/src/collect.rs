//! The passes of one collection: trial deletion over a set of candidates.
//!
//! CPython walks its generation list and, in `move_unreachable`, moves objects that look
//! unreachable to another list and moves them back (with gc_refs = 1) when a reachable
//! object refers to them. The set found unreachable depends only on the graph, and the
//! unreachable list keeps the scan order, so here the candidates are gathered once into a
//! vector in list order, by the same walk that does `update_refs` and `subtract_refs`
//! ([`gather_and_subtract`]), and the later passes run over the vector: gc_refs lives in
//! the prev word and the candidate's index in the next word while the collection runs.
//! The walk counts the gc_refs that reach zero, so the number of roots (candidates with
//! references from outside the set) is known before marking: with none, marking is
//! skipped; otherwise its scan stops after the last root (or once every candidate is
//! marked). The "move back" becomes a
//! reachable mark: a referent marked while it is still ahead of the scan is traversed when
//! the scan reaches it (CPython leaves it in place too); one marked behind the scan
//! (CPython appends it to the tail) is traversed at once from a work stack. So garbage
//! order, finalizer order and weak-reference callback order are CPython's; only the order
//! of survivors differs (they keep their list order, where CPython appends rescued objects
//! at the tail), which keeps lists in allocation order and scans streaming through memory.
//! A large set whose references are scattered over the heap is collected by
//! [`crate::dense`] instead, with gc_refs in a table beside the heap.

use gc_core::{Heap, ObjRef};

use crate::dense::RefsTable;

use crate::header::{self, COLLECTING, COUNT, FIELDS, NEXT, PREV, REACHABLE, TOUCHED};

/// What [`gather_and_subtract`] found besides the candidates.
#[derive(Clone, Copy, Debug)]
pub struct Gathered {
    /// The union of the candidates' shape words (whose flags tell whether any has a weak
    /// reference or a finalizer).
    pub shape_union: u32,
    /// Candidates whose gc_refs reached zero so far.
    pub zeroed: usize,
    /// Whether `outside` holds every reference from the candidates to objects outside the
    /// set: it stayed shorter than the set (it stops growing there, so it never holds more
    /// memory than the candidate vector does).
    pub outside_complete: bool,
}

/// `update_refs` and `subtract_refs` in one walk of the detached list from `first`, the
/// merged generations up to `generation`: each object is marked as collecting, with
/// gc_refs = its count and its index in `out`, and appended to `out`; then each reference
/// it holds to a member of the set is subtracted from the referent's gc_refs.
///
/// A referent the walk has not gathered yet is recognised by its list state (generation
/// `generation` or younger), gets gc_refs = count − 1 and the state touched, and keeps its
/// list link so the walk still reaches it; gathering it later keeps the gc_refs it has.
/// CPython makes two passes over the set; one walk reads each object once and, in objects
/// built together (pairs, lists, trees made in order), finds most referents in the cache
/// lines just read. Each reference to an object outside the set (untracked, older or
/// frozen) is pushed onto `outside`: when the whole set turns out to be garbage, these are
/// exactly the references its death releases.
///
/// A large set whose references are scattered over the heap (see [`scattered_list`]) is
/// gathered by [`crate::dense::gather`] instead.
pub fn gather_and_subtract(
    heap: &mut Heap,
    first: Option<ObjRef>,
    set_len: usize,
    generation: usize,
    out: &mut Vec<ObjRef>,
    outside: &mut Vec<ObjRef>,
) -> Gathered {
    outside.clear();
    out.reserve(set_len);
    let mut walk = Walk {
        at: first,
        generation,
        shape_union: 0,
        zeroed: 0,
        outside_cap: set_len,
    };
    while walk.gather_and_subtract_one(heap, out, outside).is_some() {}
    Gathered {
        shape_union: walk.shape_union,
        zeroed: walk.zeroed,
        outside_complete: outside.len() < set_len,
    }
}

/// Whether the list from `first` (`set_len` objects) is a large set whose references are
/// scattered: large enough for the region-ordered passes of [`crate::dense`] to pay, and
/// most references of its first 4,096 objects leave their own 2 MiB region. Objects built
/// together and referring to each other (pairs, lists, trees made in order) stay local,
/// and for them one walk that subtracts as it goes ([`gather_and_subtract`]) finds most
/// referents in the cache lines just read. Reads the sampled objects only.
pub fn scattered_list(heap: &Heap, first: Option<ObjRef>, set_len: usize) -> bool {
    if set_len < REGION_SORT_MIN + LOCALITY_SAMPLES {
        return false;
    }
    let mut locality = Locality::default();
    let mut at = first;
    for _ in 0..LOCALITY_SAMPLES {
        let Some(obj) = at else {
            break;
        };
        let (head, next) = heap.with_head(obj, |w| (head_of(w), w[NEXT]));
        locality.sample(obj, head);
        at = list_next(next);
    }
    locality.scattered()
}

/// A count of sampled references, and of those that leave their referrer's region.
#[derive(Default)]
struct Locality {
    far: usize,
    total: usize,
}

impl Locality {
    /// Counts the first two references of `obj` (most objects have at most two).
    fn sample(&mut self, obj: ObjRef, head: Head) {
        let home = region(obj);
        for raw in [head.first, head.second].into_iter().take(head.fields) {
            if let Some(child) = ObjRef::from_raw(raw) {
                self.total += 1;
                self.far += usize::from(region(child) != home);
            }
        }
    }

    /// More than half the sampled references leave their region.
    fn scattered(&self) -> bool {
        2 * self.far > self.total
    }
}

/// The object after one whose next word is `next`, None at the end of the list: the list
/// ends at a boundary mark, which is never a small or realistic large reference
/// (`from_raw` maps NULL to None and the mark check stops at the end).
#[inline(always)]
pub(crate) fn list_next(next: u32) -> Option<ObjRef> {
    ObjRef::from_raw(next).filter(|_| next < 0xFFFF_FFF0)
}

/// [`subtract_referent`] for each field of an object with more than two: returns how many
/// gc_refs that took to zero. Out of line, so the walk's own counts stay in registers.
#[inline(never)]
fn subtract_many(
    heap: &mut Heap,
    obj: ObjRef,
    fields: usize,
    generation: usize,
    outside: &mut Vec<ObjRef>,
    outside_cap: usize,
) -> usize {
    let mut zeroed = 0;
    for_each_child_batched(heap, obj, fields, &mut |heap, child| {
        zeroed += subtract_referent(heap, child.raw(), generation, outside, outside_cap);
    });
    zeroed
}

/// The state of [`gather_and_subtract`]'s walk of a list.
struct Walk {
    at: Option<ObjRef>,
    generation: usize,
    shape_union: u32,
    zeroed: usize,
    /// The most references `outside` takes (the set's size).
    outside_cap: usize,
}

impl Walk {
    /// Gathers the next object of the list and subtracts its references; returns it with
    /// its [`Head`], or None at the end of the list.
    #[inline(always)]
    fn gather_and_subtract_one(
        &mut self,
        heap: &mut Heap,
        out: &mut Vec<ObjRef>,
        outside: &mut Vec<ObjRef>,
    ) -> Option<(ObjRef, Head)> {
        let obj = self.at?;
        let head = self.gather_one(heap, obj, out);
        let (generation, cap) = (self.generation, self.outside_cap);
        // One or two fields (most objects) are handled here, without a closure call each.
        if head.fields <= 2 {
            if head.fields >= 1 {
                self.zeroed += subtract_referent(heap, head.first, generation, outside, cap);
            }
            if head.fields == 2 {
                self.zeroed += subtract_referent(heap, head.second, generation, outside, cap);
            }
        } else {
            self.zeroed += subtract_many(heap, obj, head.fields, generation, outside, cap);
        }
        Some((obj, head))
    }

    /// Gathers `obj`, the object at the walk's position, and moves the walk on: state
    /// collecting, gc_refs = its count (unless it was touched), its index in the next word.
    #[inline(always)]
    fn gather_one(&mut self, heap: &mut Heap, obj: ObjRef, out: &mut Vec<ObjRef>) -> Head {
        heap.with_head_mut(obj, |w| self.gather_words(w, obj, out))
    }

    /// [`Walk::gather_one`] on the object's words.
    #[inline(always)]
    fn gather_words(&mut self, w: &mut [u32], obj: ObjRef, out: &mut Vec<ObjRef>) -> Head {
        let index = out.len() as u32;
        let next = w[NEXT];
        let w0 = w[0];
        self.shape_union |= w0;
        if header::state(w0) != TOUCHED {
            w[PREV] = w[COUNT];
            self.zeroed += usize::from(w[PREV] == 0);
        }
        w[0] = header::with_state(w0, COLLECTING);
        w[NEXT] = index;
        let head = head_of(w);
        out.push(obj);
        self.at = list_next(next);
        head
    }
}

/// Subtracts one reference (raw, possibly null) from its referent's gc_refs if the referent
/// belongs to a collection of `generation` (see [`gather_and_subtract`]); returns 1 if
/// that took gc_refs to zero. A referent outside the collection is pushed onto `outside`
/// while it holds fewer than `outside_cap`.
#[inline(always)]
fn subtract_referent(
    heap: &mut Heap,
    raw: u32,
    generation: usize,
    outside: &mut Vec<ObjRef>,
    outside_cap: usize,
) -> usize {
    let Some(child) = ObjRef::from_raw(raw) else {
        return 0;
    };
    // Matched here rather than through `Heap::with_head_mut`: with `outside` captured by a
    // closure, the walk kept less in registers (14 instructions more per object).
    match heap.head_mut(child) {
        Some(w) => subtract_from_words(&mut w[..], child, generation, outside, outside_cap),
        None => subtract_from_words(
            heap.words_mut(child),
            child,
            generation,
            outside,
            outside_cap,
        ),
    }
}

/// [`subtract_referent`] on the referent's words.
#[inline(always)]
fn subtract_from_words(
    w: &mut [u32],
    child: ObjRef,
    generation: usize,
    outside: &mut Vec<ObjRef>,
    outside_cap: usize,
) -> usize {
    let s = header::state(w[0]);
    if s == COLLECTING || s == TOUCHED {
        w[PREV] -= 1;
    } else if header::in_collection(s, generation) {
        w[PREV] = w[COUNT].wrapping_sub(1);
        w[0] = header::with_state(w[0], TOUCHED);
    } else {
        if outside.len() < outside_cap {
            outside.push(child);
        }
        return 0;
    }
    usize::from(w[PREV] == 0)
}

/// `update_refs` for candidates already in a vector (the resurrection re-check).
/// Returns how many have gc_refs zero.
pub fn mark_candidates(heap: &mut Heap, candidates: &[ObjRef]) -> usize {
    let mut zeroed = 0;
    for (index, &obj) in candidates.iter().enumerate() {
        let w = heap.words_mut(obj);
        w[0] = header::with_state(w[0], COLLECTING);
        w[PREV] = w[COUNT];
        w[NEXT] = index as u32;
        zeroed += usize::from(w[PREV] == 0);
    }
    zeroed
}

/// Sets smaller than this subtract in one pass; larger ones sort their references by
/// memory region first (see [`subtract_refs`]).
pub(crate) const REGION_SORT_MIN: usize = 1 << 16;
/// Granule-index bits per region: 128 Ki granules, 2 MiB of heap (two arenas of the
/// default geometry), a 2 MiB L2 cache's worth. Fewer regions mean fewer buckets being
/// filled at once. A full collection of a 1,000,000-object random graph, in medians of 30
/// interleaved runs: with 256 KiB regions and a counting sort 74-83 ms against 60-77 with
/// 1 MiB; with buckets, 1 MiB 65 against 2 MiB 52-64 and 4 MiB 53 (the best runs 38-39 ms
/// with 2 or 4 MiB, 41-56 with 1 MiB).
const REGION_SHIFT: u32 = 17;
/// Regions small references can fall in (references are below 2^31); one more holds every
/// large object.
pub(crate) const REGIONS: usize = 1 << (31 - REGION_SHIFT);

/// The bucket of reference `r`: its region, or [`REGIONS`] for every large object.
#[inline(always)]
fn region(r: ObjRef) -> usize {
    // A large reference has bit 31 set, so its shifted value is at least REGIONS: a
    // minimum (a conditional move), not a branch per reference.
    const _: () = assert!(ObjRef::LARGE_BIT >> REGION_SHIFT == REGIONS as u32);
    ((r.raw() >> REGION_SHIFT) as usize).min(REGIONS)
}

/// Candidates sampled by [`scattered`] and by [`scattered_list`].
const LOCALITY_SAMPLES: usize = 4096;

/// Whether the references of a large candidate set are scattered enough for the region
/// sort to pay: a sample of evenly spaced candidates, and the share of their references
/// that land outside the referrer's own region. Objects built together and referring to
/// each other (pairs, lists, trees made in order) stay local, and for them sorting only
/// adds a copy of every reference (with the earlier counting sort, two: 1,000,000 garbage
/// pairs took 122 ms with the sort and 78 ms without, while a random live graph took 115 ms
/// with it and 135 ms without).
fn scattered(heap: &Heap, candidates: &[ObjRef]) -> bool {
    let step = (candidates.len() / LOCALITY_SAMPLES).max(1);
    let mut locality = Locality::default();
    for &obj in candidates.iter().step_by(step) {
        locality.sample(obj, heap.with_head(obj, head_of));
    }
    locality.scattered()
}

/// Reusable buffers for the region-ordered passes: those of [`crate::dense`], and
/// [`subtract_refs`] with [`mark_reachable_by_region`].
#[derive(Debug, Default)]
pub struct SubtractScratch {
    /// The decision of [`scattered`] for the set [`choose_region_order`] last saw, used by
    /// [`subtract_refs`] and [`mark_reachable_by_region`] for the same set.
    sort_by_region: bool,
    /// One bucket of references per memory region, filled by [`referents_by_region`] or by
    /// [`crate::dense::gather`], and emptied as they are visited, always before the next
    /// fill (each keeps its capacity for the next collection).
    buckets: Vec<Vec<ObjRef>>,
    /// The gc_refs of a scattered set's candidates (see [`crate::dense`]).
    pub(crate) table: RefsTable,
    pub(crate) frontier: Vec<ObjRef>,
    pub(crate) next: Vec<ObjRef>,
}

/// `subtract_refs`: every reference from one candidate to another is internal; what is
/// left in gc_refs counts references from outside the set.
///
/// The decrements can run in any order, and in a large set the referents may be scattered
/// over the whole heap: one cache and TLB miss per reference. So a large set whose sampled
/// references mostly leave their own region first sorts its references by 2 MiB region
/// (one pass over the candidates copies each reference into its region's bucket) and then
/// decrements region by region, where the misses become hits. A set whose references stay
/// local (objects built together, such as pairs) skips the sort.
pub fn subtract_refs(
    heap: &mut Heap,
    candidates: &[ObjRef],
    scratch: &mut SubtractScratch,
) -> usize {
    choose_region_order(heap, candidates, scratch);
    let mut zeroed = 0;
    if !scratch.sort_by_region {
        for &obj in candidates {
            for_each_child(heap, obj, |heap, child| {
                zeroed += decrement_if_collecting(heap, child)
            });
        }
        return zeroed;
    }
    referents_by_region(heap, candidates, scratch);
    subtract_bucketed(heap, scratch)
}

/// Decides whether the passes over `candidates` visit references sorted by region: a large
/// set whose sampled references mostly leave their own region (see [`subtract_refs`]).
pub fn choose_region_order(heap: &Heap, candidates: &[ObjRef], scratch: &mut SubtractScratch) {
    scratch.sort_by_region = candidates.len() >= REGION_SORT_MIN && scattered(heap, candidates);
}

impl SubtractScratch {
    /// The buckets, empty, made if need be.
    pub(crate) fn empty_buckets(&mut self) -> &mut Vec<Vec<ObjRef>> {
        if self.buckets.is_empty() {
            self.buckets.resize_with(REGIONS + 1, Vec::new);
        }
        debug_assert!(self.buckets.iter().all(Vec::is_empty));
        &mut self.buckets
    }

    /// The buckets (as they are) and the table, borrowed together.
    pub(crate) fn buckets_and_table(&mut self) -> (&mut Vec<Vec<ObjRef>>, &mut RefsTable) {
        (&mut self.buckets, &mut self.table)
    }
}

/// Subtracts the references in the buckets (filled by [`referents_by_region`]) from the
/// referents' headers, region by region, emptying them. Returns how many gc_refs that took
/// to zero.
fn subtract_bucketed(heap: &mut Heap, scratch: &mut SubtractScratch) -> usize {
    let mut zeroed = 0;
    for bucket in &mut scratch.buckets {
        for &child in bucket.iter() {
            zeroed += decrement_if_collecting(heap, child);
        }
        bucket.clear();
    }
    zeroed
}

/// Fills `scratch.buckets` with the non-null referents of `sources`, each in the bucket of
/// its memory region (in the order found within a region). The buckets are empty before
/// and are to be visited in order and emptied after.
pub(crate) fn referents_by_region(heap: &Heap, sources: &[ObjRef], scratch: &mut SubtractScratch) {
    let buckets = scratch.empty_buckets();
    // Each source object is read once; each reference is written once, into the bucket it
    // is visited from (a counting sort would copy it out, then once more into place).
    for &obj in sources {
        let head = heap.with_head(obj, head_of);
        push_by_region(heap, obj, head, buckets);
    }
}

/// Puts each non-null referent of `obj` (whose [`Head`] the caller has read) in the bucket
/// of its region.
#[inline(always)]
pub(crate) fn push_by_region(heap: &Heap, obj: ObjRef, head: Head, buckets: &mut [Vec<ObjRef>]) {
    for_each_referent(heap, obj, head, |child| buckets[region(child)].push(child));
}

/// Calls `f` with each non-null referent of `obj`, whose [`Head`] the caller has read. For
/// work beside the heap (buckets, the gc_refs table): the fields of an object with more
/// than two are read in place, not copied out as [`for_each_child`] must.
#[inline(always)]
pub(crate) fn for_each_referent(heap: &Heap, obj: ObjRef, head: Head, mut f: impl FnMut(ObjRef)) {
    if head.fields > 2 {
        for_each_referent_of_many(heap, obj, head.fields, f);
        return;
    }
    if head.fields >= 1 {
        if let Some(child) = ObjRef::from_raw(head.first) {
            f(child);
        }
    }
    if head.fields == 2 {
        if let Some(child) = ObjRef::from_raw(head.second) {
            f(child);
        }
    }
}

/// [`for_each_referent`] for an object with more than two fields, out of line so the
/// common case stays small.
#[inline(never)]
fn for_each_referent_of_many(heap: &Heap, obj: ObjRef, fields: usize, mut f: impl FnMut(ObjRef)) {
    for &raw in &heap.words(obj)[FIELDS..FIELDS + fields] {
        if let Some(child) = ObjRef::from_raw(raw) {
            f(child);
        }
    }
}

#[inline(always)]
pub(crate) fn decrement_if_collecting(heap: &mut Heap, child: ObjRef) -> usize {
    heap.with_head_mut(child, decrement_words)
}

/// [`decrement_if_collecting`] on the referent's words.
#[inline(always)]
fn decrement_words(w: &mut [u32]) -> usize {
    if header::state(w[0]) == COLLECTING {
        w[PREV] -= 1;
        usize::from(w[PREV] == 0)
    } else {
        0
    }
}

/// What [`for_each_child`] needs from an object's words: its field count and its first
/// two fields (most objects have at most two), read in the same look-up as the caller's
/// header work.
#[derive(Clone, Copy)]
pub(crate) struct Head {
    fields: usize,
    first: u32,
    second: u32,
}

#[inline(always)]
pub(crate) fn head_of(w: &[u32]) -> Head {
    let field = |i: usize| w.get(FIELDS + i).copied().unwrap_or(gc_core::NULL);
    Head {
        fields: header::field_count(w[0]),
        first: field(0),
        second: field(1),
    }
}

/// Calls `f` with each non-null referent of `obj`. The first fields are copied out in one
/// read of the object, so `f` may change the heap (other objects' headers) freely.
#[inline(always)]
pub(crate) fn for_each_child(heap: &mut Heap, obj: ObjRef, f: impl FnMut(&mut Heap, ObjRef)) {
    let head = heap.with_head(obj, head_of);
    for_each_child_from(heap, obj, head, f);
}

/// [`for_each_child`] for a caller that has read the object's [`Head`] already.
#[inline(always)]
fn for_each_child_from(
    heap: &mut Heap,
    obj: ObjRef,
    head: Head,
    mut f: impl FnMut(&mut Heap, ObjRef),
) {
    let n = head.fields;
    // One or two fields (most objects): no copy.
    if n <= 2 {
        if n >= 1 {
            if let Some(child) = ObjRef::from_raw(head.first) {
                f(heap, child);
            }
        }
        if n == 2 {
            if let Some(child) = ObjRef::from_raw(head.second) {
                f(heap, child);
            }
        }
        return;
    }
    for_each_child_batched(heap, obj, n, &mut f);
}

/// The rest of [`for_each_child_from`] for objects with more than two fields, out of line
/// so the common case stays small: fields are copied out eight at a time.
#[inline(never)]
fn for_each_child_batched(
    heap: &mut Heap,
    obj: ObjRef,
    n: usize,
    f: &mut impl FnMut(&mut Heap, ObjRef),
) {
    const BATCH: usize = 8;
    let mut start = 0;
    while start < n {
        let k = (n - start).min(BATCH);
        let mut batch = [0u32; BATCH];
        batch[..k].copy_from_slice(&heap.words(obj)[FIELDS + start..FIELDS + start + k]);
        for &raw in &batch[..k] {
            if let Some(child) = ObjRef::from_raw(raw) {
                f(heap, child);
            }
        }
        start += k;
    }
}

/// `move_unreachable`: marks every candidate reachable from one with gc_refs > 0 (there
/// are `roots` of them), and returns how many it marked. Candidates left unmarked are
/// garbage. The scan ends once it has seen every root and reached every candidate it
/// marked ahead of itself (what lies beyond is garbage), or once every candidate is marked
/// (CPython's scan always runs to the end of the list).
pub fn mark_reachable(
    heap: &mut Heap,
    candidates: &[ObjRef],
    roots: usize,
    stack: &mut Vec<ObjRef>,
) -> usize {
    // Roots seen, and candidates marked ahead of the scan that it has not reached yet:
    // once every root is seen and none is pending, the rest of the scan would only pass
    // over garbage.
    let (mut seen, mut pending) = (0, 0);
    // Marked roots, candidates marked ahead of the scan, and those marked behind it (each
    // goes through the stack once).
    let (mut root_marks, mut ahead_marks, mut behind_marks) = (0, 0, 0);
    for (scan, &obj) in candidates.iter().enumerate() {
        // Past the last root with nothing marked ahead, only garbage is left; with every
        // candidate marked, nothing is.
        if (seen == roots && pending == 0)
            || root_marks + ahead_marks + behind_marks == candidates.len()
        {
            break;
        }
        // One look-up serves the mark test and the read of the first fields.
        let head = heap.with_head_mut(obj, |w| {
            seen += usize::from(w[PREV] != 0);
            if w[0] & REACHABLE != 0 {
                pending -= 1;
            } else if w[PREV] != 0 {
                w[0] |= REACHABLE;
                root_marks += 1;
            } else {
                // Tentatively unreachable: a later reachable object may still mark it.
                return None;
            }
            Some(head_of(w))
        });
        let Some(head) = head else {
            continue;
        };
        let ahead = visit(heap, obj, head, scan as u32, stack);
        pending += ahead;
        ahead_marks += ahead;
        while let Some(behind) = stack.pop() {
            behind_marks += 1;
            let head = heap.with_head(behind, head_of);
            let ahead = visit(heap, behind, head, scan as u32, stack);
            pending += ahead;
            ahead_marks += ahead;
        }
    }
    root_marks + ahead_marks + behind_marks
}

/// [`mark_reachable`] for a set of any size: the same marks, found level by level.
///
/// Which candidates are reachable does not depend on the order they are found in (garbage
/// and survivors keep candidate order either way), so a large set whose references are
/// scattered (as [`choose_region_order`] decided for the same set) is marked breadth
/// first: each level's references are gathered and sorted by memory region, as in
/// [`subtract_refs`], and marked region by region. A depth-first scan instead marks
/// referents in random order, one cache miss each, which dominates a large collection.
/// Small or local sets and small levels skip the sort. The search for the `roots` stops
/// at the last of them, and the search as a whole once every candidate is marked. Returns
/// how many candidates it marked.
pub fn mark_reachable_by_region(
    heap: &mut Heap,
    candidates: &[ObjRef],
    roots: usize,
    stack: &mut Vec<ObjRef>,
    scratch: &mut SubtractScratch,
) -> usize {
    if !scratch.sort_by_region {
        return mark_reachable(heap, candidates, roots, stack);
    }
    scratch.frontier.clear();
    for &obj in candidates {
        if scratch.frontier.len() == roots {
            break;
        }
        let w = heap.words_mut(obj);
        if w[PREV] != 0 {
            w[0] |= REACHABLE;
            scratch.frontier.push(obj);
        }
    }
    mark_levels(heap, candidates.len(), scratch, |heap, _, child| {
        mark_new(heap, child)
    })
}

/// The levels of a breadth-first marking, shared by [`mark_reachable_by_region`] (marks in
/// the headers) and [`crate::dense::mark_reachable`] (marks in the gc_refs table):
/// `scratch.frontier` holds the marked roots; each level's referents go through `mark`,
/// which marks an unmarked candidate and says whether it did, and those it marked make the
/// next level. A level of many objects has its references sorted by memory region first
/// (see [`subtract_refs`]). The search stops once all `total` candidates are marked (a full
/// collection of a live heap then never reads the last level's fields). Returns how many
/// candidates were marked, the roots included.
pub(crate) fn mark_levels(
    heap: &mut Heap,
    total: usize,
    scratch: &mut SubtractScratch,
    mut mark: impl FnMut(&mut Heap, &mut RefsTable, ObjRef) -> bool,
) -> usize {
    let mut frontier = std::mem::take(&mut scratch.frontier);
    let mut next = std::mem::take(&mut scratch.next);
    let mut marked = 0;
    while !frontier.is_empty() {
        marked += frontier.len();
        if marked == total {
            break; // every candidate is marked: nothing more to find
        }
        next.clear();
        if frontier.len() < REGION_SORT_MIN {
            let table = &mut scratch.table;
            for &obj in &frontier {
                for_each_child(heap, obj, |heap, child| {
                    if mark(heap, table, child) {
                        next.push(child);
                    }
                });
            }
        } else {
            referents_by_region(heap, &frontier, scratch);
            let (buckets, table) = scratch.buckets_and_table();
            for bucket in buckets.iter_mut() {
                for &child in bucket.iter() {
                    if mark(heap, table, child) {
                        next.push(child);
                    }
                }
                bucket.clear();
            }
        }
        std::mem::swap(&mut frontier, &mut next);
    }
    scratch.frontier = frontier;
    scratch.next = next;
    marked
}

/// Marks `child` reachable if it is an unmarked candidate; true if it was.
#[inline(always)]
pub(crate) fn mark_new(heap: &mut Heap, child: ObjRef) -> bool {
    heap.with_head_mut(child, |w| {
        if header::state(w[0]) == COLLECTING && w[0] & REACHABLE == 0 {
            w[0] |= REACHABLE;
            true
        } else {
            false
        }
    })
}

/// Marks `obj`'s unmarked candidate referents. Those ahead of the scan position are
/// traversed when the scan reaches them; those behind it go on the stack.
#[inline(always)]
fn visit(heap: &mut Heap, obj: ObjRef, head: Head, scan: u32, stack: &mut Vec<ObjRef>) -> usize {
    let mut ahead = 0;
    for_each_child_from(heap, obj, head, |heap, child| {
        ahead += mark_child(heap, child, scan, stack)
    });
    ahead
}

/// Marks one referent reachable if it is an unmarked candidate.
#[inline(always)]
fn mark_child(heap: &mut Heap, child: ObjRef, scan: u32, stack: &mut Vec<ObjRef>) -> usize {
    heap.with_head_mut(child, |w| {
        if header::state(w[0]) == COLLECTING && w[0] & REACHABLE == 0 {
            w[0] |= REACHABLE;
            if w[NEXT] < scan {
                stack.push(child);
            } else {
                return 1;
            }
        }
        0
    })
}
