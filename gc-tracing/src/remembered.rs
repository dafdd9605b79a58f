//! The remembered set of the generational collector: old objects that may hold a reference
//! to a young one, kept by the write barrier so a minor collection need not scan the old
//! generation to find them.

use gc_core::{Heap, ObjRef};

use crate::marking::MarkBitmap;

/// Old objects written with a young value since the last collection, each once.
#[derive(Clone, Debug, Default)]
pub struct RememberedSet {
    objects: Vec<ObjRef>,
    /// Membership, so an old object stored into a thousand times is scanned once.
    members: MarkBitmap,
}

impl RememberedSet {
    /// The barrier's test: `obj` (the object written) is old, `value` young, so the edge
    /// crosses generations and `obj` is remembered. Both tests read the sticky mark bits:
    /// marked is old.
    #[inline]
    pub fn note_store(&mut self, old: &MarkBitmap, obj: ObjRef, value: ObjRef) {
        if old.is_marked(obj) && !old.is_marked(value) && self.members.mark_growing(obj) {
            self.objects.push(obj);
        }
    }

    /// The remembered objects' fields: young objects among them are roots of a minor
    /// collection (old ones are marked already and cost nothing more).
    pub fn referents<'h>(&'h self, heap: &'h Heap) -> impl Iterator<Item = ObjRef> + 'h {
        self.objects.iter().flat_map(move |&r| {
            heap.fields(r)
                .iter()
                .filter_map(|&raw| ObjRef::from_raw(raw))
        })
    }

    /// Objects remembered.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether none are.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// Forgets every member: after a collection no old object refers to a young one (the
    /// young survivors were promoted).
    pub fn clear(&mut self) {
        for &r in &self.objects {
            self.members.unmark(r);
        }
        self.objects.clear();
    }
}
