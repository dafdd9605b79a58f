//! A side bitmap over every object reference: mark bits, visited sets, membership tests.

use crate::ObjRef;

/// One bit per possible object, kept beside the heap rather than in object headers.
///
/// Small objects get one bit per 16-byte granule (8 KiB of bitmap per MiB of arena), large
/// objects one bit per table index. A side bitmap keeps marking from dirtying object memory
/// and makes clearing all marks one `fill`.
#[derive(Clone, Debug, Default)]
pub struct ObjSet {
    small: Vec<u64>,
    large: Vec<u64>,
}

impl ObjSet {
    /// An empty set able to hold references below the given bounds (see
    /// [`crate::Heap::reference_bounds`]); it grows if a larger reference is inserted.
    pub fn with_bounds((small, large): (usize, usize)) -> ObjSet {
        ObjSet {
            small: vec![0; small.div_ceil(64)],
            large: vec![0; large.div_ceil(64)],
        }
    }

    /// Inserts `r`; returns true if it was not already present.
    #[inline]
    pub fn insert(&mut self, r: ObjRef) -> bool {
        let (words, i) = self.slot_mut(r);
        let (w, b) = (i / 64, 1u64 << (i % 64));
        if w >= words.len() {
            words.resize(w + 1, 0);
        }
        let was = words[w] & b;
        words[w] |= b;
        was == 0
    }

    /// Removes `r`; returns true if it was present.
    #[inline]
    pub fn remove(&mut self, r: ObjRef) -> bool {
        let (words, i) = self.slot_mut(r);
        let (w, b) = (i / 64, 1u64 << (i % 64));
        match words.get_mut(w) {
            Some(word) => {
                let was = *word & b;
                *word &= !b;
                was != 0
            }
            None => false,
        }
    }

    /// Whether `r` is present.
    #[inline]
    pub fn contains(&self, r: ObjRef) -> bool {
        let (words, i) = if r.is_large() {
            (&self.large, (r.raw() & !ObjRef::LARGE_BIT) as usize)
        } else {
            (&self.small, r.raw() as usize)
        };
        words
            .get(i / 64)
            .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
    }

    /// Removes everything, keeping the capacity.
    pub fn clear(&mut self) {
        self.small.fill(0);
        self.large.fill(0);
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.small
            .iter()
            .chain(self.large.iter())
            .map(|w| w.count_ones() as usize)
            .sum()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.small.iter().chain(self.large.iter()).all(|&w| w == 0)
    }

    #[inline]
    fn slot_mut(&mut self, r: ObjRef) -> (&mut Vec<u64>, usize) {
        if r.is_large() {
            (&mut self.large, (r.raw() & !ObjRef::LARGE_BIT) as usize)
        } else {
            (&mut self.small, r.raw() as usize)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_remove_contains() {
        let mut s = ObjSet::with_bounds((100, 0));
        let a = ObjRef(5);
        let big = ObjRef(3 | ObjRef::LARGE_BIT);
        assert!(s.insert(a));
        assert!(!s.insert(a));
        assert!(s.insert(big));
        assert!(s.insert(ObjRef(10_000)), "grows past its bound");
        assert!(s.contains(a) && s.contains(big) && s.contains(ObjRef(10_000)));
        assert!(!s.contains(ObjRef(6)));
        assert_eq!(s.len(), 3);
        assert!(s.remove(a));
        assert!(!s.remove(a));
        s.clear();
        assert!(s.is_empty());
    }
}
