//! `move_unreachable`: marking every candidate reachable from the roots (candidates with
//! gc_refs > 0), so that those left unmarked are the garbage.
//!
//! CPython scans its list and moves objects that look unreachable to another list, moving
//! them back (with gc_refs = 1) when a reachable object refers to them. The set found
//! unreachable depends only on the graph, and the unreachable list keeps the scan order, so
//! here the "move back" becomes a reachable mark and the garbage keeps candidate order:
//! garbage order, finalizer order and weak-reference callback order are CPython's; only the
//! order of survivors differs (they keep their list order, where CPython appends rescued
//! objects at the tail), which keeps lists in allocation order and scans streaming through
//! memory. [`move_unreachable`] is the plain pass; [`mark_reachable`] stops early, and
//! [`mark_reachable_by_region`] marks a large scattered set level by level.

use gc_core::{Heap, ObjRef};

use crate::dense::RefsTable;
use crate::fields::{for_each_child, for_each_child_from, head_of, Head};
use crate::header::{self, COLLECTING, NEXT, PREV, REACHABLE};
use crate::region::{referents_by_region, SubtractScratch, REGION_SORT_MIN};

/// CPython's `move_unreachable`, plainly: every candidate with gc_refs > 0 is referred to
/// from outside the set and is reachable, and so is every candidate it reaches. Scans the
/// whole set in candidate order, following each root's references at once from `stack`;
/// returns how many candidates it marked. Those left unmarked are the garbage, in
/// candidate order (the order CPython's unreachable list has).
pub fn move_unreachable(heap: &mut Heap, candidates: &[ObjRef], stack: &mut Vec<ObjRef>) -> usize {
    let mut marked = 0;
    for &obj in candidates {
        let root = heap.with_head_mut(obj, |w| {
            let unmarked_root = w[PREV] != 0 && w[0] & REACHABLE == 0;
            if unmarked_root {
                w[0] |= REACHABLE;
            }
            unmarked_root
        });
        if !root {
            continue;
        }
        stack.push(obj);
        while let Some(reachable) = stack.pop() {
            marked += 1;
            for_each_child(heap, reachable, |heap, child| {
                if mark_new(heap, child) {
                    stack.push(child);
                }
            });
        }
    }
    marked
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
/// scattered (as [`choose_region_order`](crate::region::choose_region_order) decided for the same set) is marked breadth
/// first: each level's references are gathered and sorted by memory region, as in
/// [`subtract_refs_by_region`](crate::subtract::subtract_refs_by_region), and marked region by region. A depth-first scan instead marks
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
/// (see [`subtract_refs_by_region`](crate::subtract::subtract_refs_by_region)). The search stops once all `total` candidates are marked (a full
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
