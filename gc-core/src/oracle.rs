//! The reachability oracle: an independent, deliberately simple account of what is live.
//!
//! It reads only the root slots, `gc.garbage` and object fields, walks them with an explicit
//! stack (no recursion: a ten-million-long list is fine), and never consults any collector
//! state. Tests and the verify mode compare collectors against it: nothing reachable may be
//! freed; a complete collector leaves nothing unreachable after a full collection; a
//! reference-counting collector's counts equal the references that exist.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;

use crate::layout::{
    FLAG_ALLOCATED, FLAG_COLLECTOR_0, FLAG_FINALIZED, FLAG_HAS_FINALIZER, FLAG_HAS_WEAKREFS,
    FLAG_IS_WEAKREF,
};

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
    for (holder, r) in root_holders(heap) {
        if !heap.is_allocated(r) {
            return Err(freed_but_reachable(heap, holder, r));
        }
        if live.insert(r) {
            stack.push(r);
        }
    }
    while let Some(parent) = stack.pop() {
        for (i, &raw) in heap.fields(parent).iter().enumerate() {
            if let Some(child) = ObjRef::from_raw(raw) {
                if !heap.is_allocated(child) {
                    return Err(freed_but_reachable(heap, Holder::Field(parent, i), child));
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
    let mut examples = Vec::new();
    heap.for_each_object(|r| {
        if !live.contains(r) {
            survivors += 1;
            if examples.len() < EXAMPLES {
                examples.push(r);
            }
        }
    });
    if survivors == 0 {
        Ok(())
    } else {
        Err(unreachable_survivors(heap, &live, survivors, &examples))
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

/// Counts the unreachable objects that reference counting alone cannot free: those on a
/// cycle of unreachable objects or reachable only from one. Unreachable objects that no
/// other unreachable object references are peeled off (as counting frees them, releasing
/// what they reference) until none is left; what remains is the cyclic garbage.
pub fn cyclic_garbage(heap: &Heap) -> GcResult<u64> {
    let live = reachable(heap)?;
    let mut garbage: Vec<ObjRef> = Vec::new();
    heap.for_each_object(|r| {
        if !live.contains(r) {
            garbage.push(r);
        }
    });
    let index: std::collections::HashMap<ObjRef, usize> =
        garbage.iter().enumerate().map(|(i, &r)| (r, i)).collect();
    let children = |r: ObjRef| {
        heap.fields(r)
            .iter()
            .filter_map(|&raw| ObjRef::from_raw(raw))
            .filter_map(|c| index.get(&c).copied())
            .collect::<Vec<usize>>()
    };
    let mut referrers = vec![0u64; garbage.len()];
    for &r in &garbage {
        for c in children(r) {
            referrers[c] += 1;
        }
    }
    let mut freeable: Vec<usize> = (0..garbage.len()).filter(|&i| referrers[i] == 0).collect();
    let mut freed = 0u64;
    while let Some(i) = freeable.pop() {
        freed += 1;
        for c in children(garbage[i]) {
            referrers[c] -= 1;
            if referrers[c] == 0 {
                freeable.push(c);
            }
        }
    }
    Ok(garbage.len() as u64 - freed)
}

/// Checks that every allocated object's reference count (as `count_of` reports it) equals
/// the number of references to it from the roots (slots, `gc.garbage`, permanent roots) and
/// fields of allocated objects.
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
                failure = Some(refcount_mismatch(heap, r, count, want));
            }
        }
    });
    failure.map_or(Ok(()), Err)
}

/// How many examples a verification message gives: enough to see a pattern, short enough
/// to read.
const EXAMPLES: usize = 3;

/// How many referrers a message lists before summarising the rest as a count.
const REFERRERS_SHOWN: usize = 8;

/// How many steps of a root path a message shows at each end before eliding the middle.
const PATH_ENDS: usize = 3;

/// The flags of a heap object in words, as messages show them: `weakref, has finalizer`,
/// or `no flags`. The allocated bit is named only when it is missing (a free cell), and the
/// collector's own bits (from [`FLAG_COLLECTOR_0`] up) as one hex value.
pub fn flags_in_words(flags: u16) -> String {
    let mut words: Vec<String> = Vec::new();
    if flags & FLAG_ALLOCATED == 0 {
        words.push("not allocated".into());
    }
    for (bit, word) in [
        (FLAG_IS_WEAKREF, "weakref"),
        (FLAG_HAS_WEAKREFS, "has weakrefs"),
        (FLAG_HAS_FINALIZER, "has finalizer"),
        (FLAG_FINALIZED, "finalized"),
    ] {
        if flags & bit != 0 {
            words.push(word.into());
        }
    }
    let collector_bits = flags & !(FLAG_COLLECTOR_0 - 1);
    if collector_bits != 0 {
        words.push(format!("collector bits {collector_bits:#06x}"));
    }
    if words.is_empty() {
        "no flags".into()
    } else {
        words.join(", ")
    }
}

/// An object as verification messages name it: its reference, shape and flags in words,
/// e.g. `#16 (1 field, 8 payload bytes; has finalizer, finalized)`, or `#16 (freed)` for a
/// cell that holds no object.
pub fn describe_object(heap: &Heap, r: ObjRef) -> String {
    if !heap.is_allocated(r) {
        return format!("{r} (freed)");
    }
    let shape = heap.shape(r);
    let plural = if shape.fields == 1 { "" } else { "s" };
    format!(
        "{r} ({} field{plural}, {} payload bytes; {})",
        shape.fields,
        shape.payload,
        flags_in_words(heap.flags(r))
    )
}

/// Where a reference is held: what a path from the roots is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Holder {
    /// A root slot.
    Slot(usize),
    /// An entry of `gc.garbage`.
    Garbage(usize),
    /// A permanent root ([`Heap::pinned`]).
    Pinned(usize),
    /// A reference field of an object.
    Field(ObjRef, usize),
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Holder::Slot(slot) => write!(f, "slot {slot}"),
            Holder::Garbage(index) => write!(f, "gc.garbage[{index}]"),
            Holder::Pinned(index) => write!(f, "permanent root {index}"),
            Holder::Field(obj, field) => write!(f, "field {field} of {obj}"),
        }
    }
}

/// Every root with the place holding it: slots, then `gc.garbage`, then permanent roots.
fn root_holders(heap: &Heap) -> impl Iterator<Item = (Holder, ObjRef)> + '_ {
    let slots = heap
        .slots()
        .iter()
        .enumerate()
        .filter_map(|(slot, &raw)| ObjRef::from_raw(raw).map(|r| (Holder::Slot(slot), r)));
    let garbage = heap
        .garbage()
        .iter()
        .enumerate()
        .map(|(index, &r)| (Holder::Garbage(index), r));
    let pinned = heap
        .pinned()
        .iter()
        .enumerate()
        .map(|(index, &r)| (Holder::Pinned(index), r));
    slots.chain(garbage).chain(pinned)
}

/// Every place holding a reference to `target`: slots, `gc.garbage` entries and fields of
/// allocated objects, in that order.
fn holders_of(heap: &Heap, target: ObjRef) -> Vec<Holder> {
    let mut holders = Vec::new();
    holders.extend(
        root_holders(heap)
            .filter(|&(_, r)| r == target)
            .map(|(holder, _)| holder),
    );
    heap.for_each_object(|r| {
        for (field, &raw) in heap.fields(r).iter().enumerate() {
            if raw == target.raw() {
                holders.push(Holder::Field(r, field));
            }
        }
    });
    holders
}

/// A list of holders for a message, the first few named and the rest counted.
fn list_holders(holders: &[Holder]) -> String {
    let mut text = holders
        .iter()
        .take(REFERRERS_SHOWN)
        .map(Holder::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if holders.len() > REFERRERS_SHOWN {
        let _ = write!(text, " and {} more", holders.len() - REFERRERS_SHOWN);
    }
    text
}

/// A reachable reference to a freed cell: names the freed object, who holds the reference
/// and the shortest path to that holder from a root, so the reader sees which live structure
/// the collector cut. Only runs on failure: the path search is a second traversal, so the
/// oracle's ordinary walk keeps no parent pointers.
#[cold]
fn freed_but_reachable(heap: &Heap, holder: Holder, freed: ObjRef) -> GcError {
    let path = match holder {
        Holder::Field(parent, field) => {
            let mut steps = path_from_root(heap, parent);
            steps.push(format!(".f{field} -> {freed} (freed)"));
            steps
        }
        root => vec![format!("{root} -> {freed} (freed)")],
    };
    GcError::Verification(format!(
        "{holder} refers to {freed}, which was freed, yet it is reachable\n\
         path from a root: {}\n\
         expected: no collector frees an object reachable from the root slots or gc.garbage \
         (see the Collector contract); the last collection or release freed it while \
         {holder} still referred to it",
        elide_path(&path)
    ))
}

/// The shortest chain of references from a root to `target`, one step per element:
/// `slot 3 -> #12 ...`, `.f1 -> #40 (2 fields, ...)`. A breadth-first walk with an explicit
/// queue and parent pointers; it follows only allocated objects.
fn path_from_root(heap: &Heap, target: ObjRef) -> Vec<String> {
    let mut parent: HashMap<ObjRef, Holder> = HashMap::new();
    let mut queue = VecDeque::new();
    let mut found = false;
    let roots = root_holders(heap);
    for (holder, r) in roots {
        if heap.is_allocated(r) && !parent.contains_key(&r) {
            parent.insert(r, holder);
            queue.push_back(r);
        }
    }
    while let Some(obj) = queue.pop_front() {
        if obj == target {
            found = true;
            break;
        }
        for (field, &raw) in heap.fields(obj).iter().enumerate() {
            if let Some(child) = ObjRef::from_raw(raw) {
                if heap.is_allocated(child) && !parent.contains_key(&child) {
                    parent.insert(child, Holder::Field(obj, field));
                    queue.push_back(child);
                }
            }
        }
    }
    if !found {
        return vec![format!("(no path from a root to {target} found)")];
    }
    let mut steps = Vec::new();
    let mut at = target;
    loop {
        let described = describe_object(heap, at);
        match parent[&at] {
            Holder::Field(from, field) => {
                steps.push(format!(".f{field} -> {described}"));
                at = from;
            }
            root => {
                steps.push(format!("{root} -> {described}"));
                break;
            }
        }
    }
    steps.reverse();
    steps
}

/// A path as one line, its middle elided when it is long: the root end and the freed end
/// are what a reader needs.
fn elide_path(steps: &[String]) -> String {
    if steps.len() <= 2 * PATH_ENDS {
        return steps.join(" ");
    }
    format!(
        "{} ... ({} steps) ... {}",
        steps[..PATH_ENDS].join(" "),
        steps.len() - 2 * PATH_ENDS,
        steps[steps.len() - PATH_ENDS..].join(" ")
    )
}

/// Unreachable objects left after a full collection of a complete collector: how many, and
/// for a few, what they are and why they might have been missed.
#[cold]
fn unreachable_survivors(
    heap: &Heap,
    live: &ObjSet,
    survivors: u64,
    examples: &[ObjRef],
) -> GcError {
    let objects = if survivors == 1 { "object" } else { "objects" };
    let mut text =
        format!("{survivors} unreachable {objects} survived a full collection; for example:");
    for &r in examples {
        let referrers: Vec<ObjRef> = holders_of(heap, r)
            .into_iter()
            .filter_map(|h| match h {
                Holder::Field(obj, _) => Some(obj),
                Holder::Slot(_) | Holder::Garbage(_) | Holder::Pinned(_) => None,
            })
            .collect();
        let why = if referrers.is_empty() {
            "nothing refers to it: an unreferenced object the collector forgot".to_string()
        } else {
            let on_cycle = on_unreachable_cycle(heap, live, r);
            let kind = if on_cycle {
                "cyclic garbage: it lies on a cycle of unreachable objects"
            } else {
                "garbage held only by other garbage (no cycle through it)"
            };
            let shown: Vec<String> = referrers
                .iter()
                .take(REFERRERS_SHOWN)
                .map(|&p| describe_object(heap, p))
                .collect();
            let more = referrers.len().saturating_sub(REFERRERS_SHOWN);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!(
                "referred to by {}{more}, itself unreachable: {kind}",
                shown.join(", ")
            )
        };
        let _ = write!(text, "\n  {}: {why}", describe_object(heap, r));
    }
    text.push_str(
        "\nexpected: a complete collector frees every object unreachable from the root slots \
         and gc.garbage by the end of a full collection; see the Collector contract \
         (Reclaims::Everything)",
    );
    GcError::Verification(text)
}

/// Whether `r` can reach itself through unreachable objects: cyclic garbage, as opposed
/// to garbage that merely hangs off some. A depth-first walk with an explicit stack.
fn on_unreachable_cycle(heap: &Heap, live: &ObjSet, r: ObjRef) -> bool {
    let mut seen = ObjSet::with_bounds(heap.reference_bounds());
    let mut stack = vec![r];
    while let Some(obj) = stack.pop() {
        for &raw in heap.fields(obj) {
            let Some(child) = ObjRef::from_raw(raw) else {
                continue;
            };
            if child == r {
                return true;
            }
            if heap.is_allocated(child) && !live.contains(child) && seen.insert(child) {
                stack.push(child);
            }
        }
    }
    false
}

/// A reference count that disagrees with the references that exist: both numbers, and who
/// holds the references, so the reader can tell a missed retain from a missed release.
#[cold]
fn refcount_mismatch(heap: &Heap, r: ObjRef, count: u32, want: u64) -> GcError {
    let holders = holders_of(heap, r);
    let held_by = if holders.is_empty() {
        "nothing".to_string()
    } else {
        list_holders(&holders)
    };
    let direction = if u64::from(count) > want {
        "too high: a retain without its release, or a release missed"
    } else {
        "too low: a release without its retain, or a retain missed"
    };
    GcError::Verification(format!(
        "{} has reference count {count} but {want} references exist ({direction})\n\
         references held by: {held_by}\n\
         expected: a reference-counting collector's count equals the references from root \
         slots, gc.garbage and fields of allocated objects after every operation",
        describe_object(heap, r)
    ))
}
