//! The configurable shape of the pool allocator (pymalloc's constants, made parameters).

use crate::GcError;

/// Bytes in a granule: the size-class step, the alignment, and the unit an [`crate::ObjRef`]
/// counts in.
pub const GRANULE_BYTES: usize = 16;
/// Words (u32) in a granule.
pub const GRANULE_WORDS: usize = GRANULE_BYTES / 4;

/// Pool allocator geometry. The defaults are CPython 3.10+'s on 64-bit machines: 16-byte size
/// classes up to 512 bytes, 16 KiB pools, 1 MiB arenas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Objects of at most this many bytes come from pools; larger ones from the system allocator.
    pub small_limit: usize,
    /// Bytes per pool; a power of two, at least `small_limit`.
    pub pool_bytes: usize,
    /// Bytes per arena; a power of two multiple of `pool_bytes`.
    pub arena_bytes: usize,
    /// Empty arenas kept instead of released, to avoid thrashing (pymalloc keeps one).
    pub keep_empty_arenas: usize,
}

impl Default for Geometry {
    fn default() -> Self {
        Geometry {
            small_limit: 512,
            pool_bytes: 16 * 1024,
            arena_bytes: 1024 * 1024,
            keep_empty_arenas: 1,
        }
    }
}

impl Geometry {
    /// Checks the geometry is consistent and addressable by 31-bit references.
    pub fn validate(&self) -> Result<(), GcError> {
        let bad = |m: String| Err(GcError::BadConfig(m));
        if self.small_limit == 0 || !self.small_limit.is_multiple_of(GRANULE_BYTES) {
            return bad(format!(
                "small_limit {} must be a positive multiple of {GRANULE_BYTES}",
                self.small_limit
            ));
        }
        if self.small_limit > 255 * GRANULE_BYTES {
            return bad(format!(
                "small_limit {} exceeds {}",
                self.small_limit,
                255 * GRANULE_BYTES
            ));
        }
        if !self.pool_bytes.is_power_of_two() || self.pool_bytes < self.small_limit {
            return bad(format!(
                "pool_bytes {} must be a power of two no smaller than small_limit {}",
                self.pool_bytes, self.small_limit
            ));
        }
        if self.pool_bytes / GRANULE_BYTES > u16::MAX as usize {
            return bad(format!("pool_bytes {} is too large", self.pool_bytes));
        }
        if !self.arena_bytes.is_power_of_two() || self.arena_bytes < self.pool_bytes {
            return bad(format!(
                "arena_bytes {} must be a power of two no smaller than pool_bytes {}",
                self.arena_bytes, self.pool_bytes
            ));
        }
        if self.arena_bytes / self.pool_bytes > u16::MAX as usize {
            return bad(format!(
                "arena_bytes {} holds too many pools",
                self.arena_bytes
            ));
        }
        if self.arena_shift() > 24 {
            return bad(format!(
                "arena_bytes {} leaves too few bits for arena indices",
                self.arena_bytes
            ));
        }
        Ok(())
    }

    /// Number of size classes.
    pub fn size_classes(&self) -> usize {
        self.small_limit / GRANULE_BYTES
    }

    /// The size class serving `bytes` (bytes > 0 and <= small_limit).
    #[inline]
    pub fn class_of(&self, bytes: usize) -> usize {
        (bytes.max(1) - 1) / GRANULE_BYTES
    }

    /// Cell size of a class, in bytes.
    #[inline]
    pub fn class_bytes(&self, class: usize) -> usize {
        (class + 1) * GRANULE_BYTES
    }

    /// Bits of an object reference that address a granule inside an arena.
    pub fn arena_shift(&self) -> u32 {
        (self.arena_bytes / GRANULE_BYTES).trailing_zeros()
    }

    /// Pools in one arena.
    pub fn pools_per_arena(&self) -> usize {
        self.arena_bytes / self.pool_bytes
    }

    /// Granules in one pool.
    pub fn granules_per_pool(&self) -> usize {
        self.pool_bytes / GRANULE_BYTES
    }

    /// The most arenas references can address.
    pub fn max_arenas(&self) -> usize {
        1usize << (31 - self.arena_shift())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_geometry_matches_pymalloc() {
        let g = Geometry::default();
        g.validate().unwrap();
        assert_eq!(g.size_classes(), 32);
        assert_eq!(g.pools_per_arena(), 64);
        assert_eq!(g.granules_per_pool(), 1024);
        assert_eq!(g.arena_shift(), 16);
    }

    #[test]
    fn size_class_rounding() {
        let g = Geometry::default();
        assert_eq!(g.class_of(1), 0);
        assert_eq!(g.class_of(16), 0);
        assert_eq!(g.class_of(17), 1);
        assert_eq!(g.class_of(32), 1);
        assert_eq!(g.class_of(33), 2);
        assert_eq!(g.class_of(512), 31);
        assert_eq!(g.class_bytes(g.class_of(100)), 112);
    }

    #[test]
    fn rejects_inconsistent_geometry() {
        let mut g = Geometry {
            pool_bytes: 3000,
            ..Geometry::default()
        };
        assert!(g.validate().is_err());
        g.pool_bytes = 256;
        assert!(g.validate().is_err(), "pool smaller than small_limit");
        g = Geometry {
            small_limit: 100,
            ..Geometry::default()
        };
        assert!(g.validate().is_err());
        g = Geometry {
            arena_bytes: 8 * 1024,
            ..Geometry::default()
        };
        assert!(g.validate().is_err(), "arena smaller than pool");
    }
}
