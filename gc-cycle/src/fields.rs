//! Reading an object's references: its field count and first two fields in one look-up
//! (most objects have at most two), and the loops over the rest.

use gc_core::{Heap, ObjRef};

use crate::header::{self, FIELDS};

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

/// What [`for_each_child`] needs from an object's words: its field count and its first
/// two fields (most objects have at most two), read in the same look-up as the caller's
/// header work.
#[derive(Clone, Copy)]
pub(crate) struct Head {
    /// Reference fields.
    pub(crate) fields: usize,
    /// The first field (NULL if there is none).
    pub(crate) first: u32,
    /// The second field (NULL if there is none).
    pub(crate) second: u32,
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
pub(crate) fn for_each_child_from(
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
pub(crate) fn for_each_child_batched(
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
