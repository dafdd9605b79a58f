//! The reachability oracle: an independent, deliberately simple account of what is live.
//!
//! It reads only the root slots, `gc.garbage` and object fields, walks them with an explicit
//! stack (no recursion: a ten-million-long list is fine), and never consults any collector
//! state. Tests and the verify mode compare collectors against it: nothing reachable may be
//! freed; a complete collector leaves nothing unreachable after a full collection; a
//! reference-counting collector's counts equal the references that exist.

use std::collections::HashMap;

use crate::{GcError, GcResult, Heap, ObjRef, ObjSet};

/// Unreachable objects still allocated: what a collector has leaked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LeakReport {
    /// Objects allocated but unreachable from the roots.
    pub objects: u64,
    /// Their bytes.
    pub bytes: u64,
}

/// The set of objects reachable from the roots. Fails if a root or a reachable field refers
/// to a freed cell: something reachable was freed.
pub fn reachable(heap: &Heap) -> GcResult<ObjSet> {
    let mut live = ObjSet::with_bounds(heap.reference_bounds());
    let mut stack: Vec<ObjRef> = Vec::new();
    for (slot, &raw) in heap.slots().iter().enumerate() {
        if let Some(r) = ObjRef::from_raw(raw) {
            if !heap.is_allocated(r) {
                return Err(GcError::Verification(format!(
                    "slot {slot} refers to {r}, which was freed"
                )));
            }
            if live.insert(r) {
                stack.push(r);
            }
        }
    }
    for &r in heap.garbage() {
        if !heap.is_allocated(r) {
            return Err(GcError::Verification(format!(
                "gc.garbage holds {r}, which was freed"
            )));
        }
        if live.insert(r) {
            stack.push(r);
        }
    }
    while let Some(parent) = stack.pop() {
        for (i, &raw) in heap.fields(parent).iter().enumerate() {
            if let Some(child) = ObjRef::from_raw(raw) {
                if !heap.is_allocated(child) {
                    return Err(GcError::Verification(format!(
                        "field {i} of reachable {parent} refers to {child}, which was freed"
                    )));
                }
                if live.insert(child) {
                    stack.push(child);
                }
            }
        }
    }
    Ok(live)
}

/// Checks that nothing reachable was freed; returns the reachable set.
pub fn verify_no_dangling(heap: &Heap) -> GcResult<ObjSet> {
    reachable(heap)
}

/// Checks that nothing reachable was freed and nothing unreachable is still allocated.
pub fn verify_complete(heap: &Heap) -> GcResult<()> {
    let live = reachable(heap)?;
    let mut survivors = 0u64;
    let mut example = None;
    heap.for_each_object(|r| {
        if !live.contains(r) {
            survivors += 1;
            example.get_or_insert(r);
        }
    });
    match example {
        None => Ok(()),
        Some(r) => Err(GcError::Verification(format!(
            "{survivors} unreachable objects survived a full collection (for example {r})"
        ))),
    }
}

/// Counts the objects (and bytes) allocated but unreachable.
pub fn leaks(heap: &Heap) -> GcResult<LeakReport> {
    let live = reachable(heap)?;
    let mut report = LeakReport::default();
    heap.for_each_object(|r| {
        if !live.contains(r) {
            report.objects += 1;
            report.bytes += heap.object_bytes(r) as u64;
        }
    });
    Ok(report)
}

/// Checks that every allocated object's reference count (as `count_of` reports it) equals
/// the number of references to it from slots, `gc.garbage` and fields of allocated objects.
/// Objects for which `count_of` gives `None` are skipped.
pub fn verify_refcounts(heap: &Heap, count_of: impl Fn(ObjRef) -> Option<u32>) -> GcResult<()> {
    let mut expected: HashMap<ObjRef, u64> = HashMap::new();
    for r in heap.roots() {
        *expected.entry(r).or_default() += 1;
    }
    heap.for_each_object(|r| {
        for &raw in heap.fields(r) {
            if let Some(child) = ObjRef::from_raw(raw) {
                *expected.entry(child).or_default() += 1;
            }
        }
    });
    let mut failure = None;
    heap.for_each_object(|r| {
        if failure.is_some() {
            return;
        }
        if let Some(count) = count_of(r) {
            let want = expected.get(&r).copied().unwrap_or(0);
            if u64::from(count) != want {
                failure = Some(GcError::Verification(format!(
                    "{r} has reference count {count} but {want} references exist"
                )));
            }
        }
    });
    failure.map_or(Ok(()), Err)
}
