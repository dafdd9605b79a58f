//! Compact object references and object shapes.

use crate::GcError;

/// A compact 32-bit reference to an object in the simulated heap, like a compressed pointer.
///
/// Small objects (pool-allocated) are addressed by their 16-byte granule: the arena index in the
/// high bits and the granule inside the arena in the low bits, so references sort in address
/// order. Large objects (system-allocated) have [`ObjRef::LARGE_BIT`] set and index a side table.
/// A reference never points into Rust memory: following one is an index, bounds-checked, so a
/// stale reference is an error, never undefined behaviour.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct ObjRef(pub(crate) u32);

/// An object's identity, as CPython's `id()` is one: the same for an object all its life,
/// wherever a moving collector puts it, and never given to another object of the same heap.
/// A reference ([`ObjRef`]) names a cell and changes when the object moves; an identity is
/// what tests and tools compare across collections ([`crate::Heap::object_id`]).
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct ObjId(pub u64);

/// The raw encoding of "no object" in fields and slots.
pub const NULL: u32 = u32::MAX;

impl ObjRef {
    /// Set on references to large (system-allocated) objects.
    pub const LARGE_BIT: u32 = 1 << 31;

    /// The raw 32-bit encoding, as stored in fields.
    #[inline]
    pub fn raw(self) -> u32 {
        self.0
    }

    /// Decodes a raw field value; [`NULL`] gives `None`.
    #[inline]
    pub fn from_raw(raw: u32) -> Option<ObjRef> {
        if raw == NULL {
            None
        } else {
            Some(ObjRef(raw))
        }
    }

    /// Whether this object lives in the large-object space.
    #[inline]
    pub fn is_large(self) -> bool {
        self.0 & Self::LARGE_BIT != 0
    }
}

/// Encodes an optional reference for storage in a field or slot.
#[inline]
pub fn raw_of(r: Option<ObjRef>) -> u32 {
    match r {
        Some(r) => r.0,
        None => NULL,
    }
}

impl std::fmt::Display for ObjRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_large() {
            write!(f, "L{}", self.0 & !Self::LARGE_BIT)
        } else {
            write!(f, "#{}", self.0)
        }
    }
}

/// What an object looks like: how many reference fields and how many payload bytes.
///
/// Reference fields are what collectors trace; payload is plain data the mutator reads and
/// writes (ints, floats, strings in CPython terms). An object with no reference fields is
/// a leaf: CPython never tracks such objects in its cycle collector.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Shape {
    /// Number of reference fields, at most [`Shape::MAX_FIELDS`].
    pub fields: u32,
    /// Number of payload bytes.
    pub payload: u32,
}

impl Shape {
    /// The most reference fields one object can have.
    pub const MAX_FIELDS: u32 = u16::MAX as u32;

    /// A shape with `fields` references and `payload` bytes of data.
    pub const fn new(fields: u32, payload: u32) -> Shape {
        Shape { fields, payload }
    }

    /// Checks the shape is representable.
    pub fn validate(self) -> Result<(), GcError> {
        if self.fields > Self::MAX_FIELDS {
            return Err(GcError::BadShape(format!(
                "{} reference fields, at most {} allowed",
                self.fields,
                Self::MAX_FIELDS
            )));
        }
        if self.payload > (1 << 30) {
            return Err(GcError::BadShape(format!(
                "{} payload bytes, at most 1 GiB allowed",
                self.payload
            )));
        }
        Ok(())
    }

    /// Whether objects of this shape can hold references (CPython's "container").
    pub fn is_container(self) -> bool {
        self.fields > 0
    }
}

/// A hash map keyed by object reference, for the heap's side tables (weak references), whose
/// keys are the heap's own indices: hashed with one multiply rather than SipHash, which has
/// no adversary to resist here and costs several times more per look-up.
pub type RefMap<V> = std::collections::HashMap<ObjRef, V, std::hash::BuildHasherDefault<RefHasher>>;

/// The hasher of [`RefMap`]: a reference's index times a 64-bit odd constant, high half
/// folded into the low half (the table picks buckets by the low bits, and a product's low
/// bits depend only on the key's low bits, which cell strides keep alike).
#[derive(Clone, Copy, Debug, Default)]
pub struct RefHasher(u64);

impl std::hash::Hasher for RefHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    #[inline]
    fn write_u32(&mut self, key: u32) {
        let product = (u64::from(key) ^ self.0).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = product ^ (product >> 32);
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u32(u32::from(b));
        }
    }
}

/// Sorts references in address order: a radix sort (three passes of 11 bits) once there are
/// 1024 or more, as an incremental collector lists and sorts every weak referent each cycle
/// (on weak-cache, 11 thousand of them, the comparison sort was a third of the listing).
pub(crate) fn sort_by_reference(refs: &mut [ObjRef]) {
    const BITS: u32 = 11;
    const BUCKETS: usize = 1 << BITS;
    if refs.len() < 1024 {
        refs.sort_unstable();
        return;
    }
    let mut from: Vec<ObjRef> = refs.to_vec();
    let mut to = vec![ObjRef(0); refs.len()];
    for pass in 0..3 {
        let shift = pass * BITS;
        let digit = |r: ObjRef| ((r.raw() >> shift) as usize) & (BUCKETS - 1);
        let mut starts = vec![0usize; BUCKETS];
        for &r in &from {
            starts[digit(r)] += 1;
        }
        let mut sum = 0;
        for start in starts.iter_mut() {
            let count = *start;
            *start = sum;
            sum += count;
        }
        for &r in &from {
            let d = digit(r);
            to[starts[d]] = r;
            starts[d] += 1;
        }
        std::mem::swap(&mut from, &mut to);
    }
    refs.copy_from_slice(&from);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_radix_sort_agrees_with_a_comparison_sort() {
        for n in [0usize, 5, 1023, 1024, 5000] {
            let mut state = 0x9E37_79B9u32;
            let refs: Vec<ObjRef> = (0..n)
                .map(|i| {
                    state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    // Both spaces, repeats, and every bit of the 32 in play.
                    ObjRef(if i % 7 == 0 {
                        state | ObjRef::LARGE_BIT
                    } else {
                        state % 4096
                    })
                })
                .collect();
            let mut radix = refs.clone();
            sort_by_reference(&mut radix);
            let mut expected = refs;
            expected.sort_unstable();
            assert_eq!(radix, expected, "{n} references");
        }
    }
}
