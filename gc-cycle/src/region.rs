//! Memory regions: the decision whether a large set's references are scattered, and the
//! buckets that sort references by 2 MiB region so that the passes over such a set touch
//! one region of the heap at a time.

use gc_core::{Heap, ObjRef};

use crate::dense::RefsTable;
use crate::fields::{for_each_referent, head_of, Head};
use crate::header::NEXT;
use crate::walk::list_next;

/// Whether the list from `first` (`set_len` objects) is a large set whose references are
/// scattered: large enough for the region-ordered passes of [`crate::dense`] to pay, and
/// most references of its first 4,096 objects leave their own 2 MiB region. Objects built
/// together and referring to each other (pairs, lists, trees made in order) stay local,
/// and for them one walk that subtracts as it goes ([`gather_and_subtract`](crate::walk::gather_and_subtract)) finds most
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

/// Sets smaller than this subtract in one pass; larger ones sort their references by
/// memory region first (see [`subtract_refs_by_region`](crate::subtract::subtract_refs_by_region)).
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
/// [`subtract_refs_by_region`](crate::subtract::subtract_refs_by_region) with [`mark_reachable_by_region`](crate::mark::mark_reachable_by_region).
#[derive(Debug, Default)]
pub struct SubtractScratch {
    /// The decision of [`scattered`] for the set [`choose_region_order`] last saw, used by
    /// [`subtract_refs_by_region`](crate::subtract::subtract_refs_by_region) and [`mark_reachable_by_region`](crate::mark::mark_reachable_by_region) for the same set.
    pub(crate) sort_by_region: bool,
    /// One bucket of references per memory region, filled by [`referents_by_region`] or by
    /// [`crate::dense::gather`], and emptied as they are visited, always before the next
    /// fill (each keeps its capacity for the next collection).
    pub(crate) buckets: Vec<Vec<ObjRef>>,
    /// The gc_refs of a scattered set's candidates (see [`crate::dense`]).
    pub(crate) table: RefsTable,
    pub(crate) frontier: Vec<ObjRef>,
    pub(crate) next: Vec<ObjRef>,
}

/// Decides whether the passes over `candidates` visit references sorted by region: a large
/// set whose sampled references mostly leave their own region (see [`subtract_refs_by_region`](crate::subtract::subtract_refs_by_region)).
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
