//! Building blocks every workload shares: the seeded generator, parameter-only selection,
//! and chunked tables of references held in the heap.

use gc_core::{GcResult, Mutator, Shape, Slot};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The generator every workload draws from: ChaCha8, seeded from the run's `u64` seed.
pub(crate) fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Whether item `index` of a stream is picked for a property that must occur with
/// `fraction`, decided by a fixed hash of (`index`, `salt`), not by the seed: how many items
/// are picked is then a function of the parameters alone, so expectations can count them
/// without running the workload, while the picks still look random (no stride patterns).
pub(crate) fn selected(index: u64, salt: u64, fraction: f64) -> bool {
    if fraction <= 0.0 {
        return false;
    }
    if fraction >= 1.0 {
        return true;
    }
    let unit = (splitmix64(index ^ salt.rotate_left(29)) >> 11) as f64 / (1u64 << 53) as f64;
    unit < fraction
}

/// How many of `0..n` [`selected`] picks.
pub(crate) fn count_selected(n: u64, salt: u64, fraction: f64) -> u64 {
    (0..n).filter(|&i| selected(i, salt, fraction)).count() as u64
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A heap-resident array of references with more entries than one object can hold: a spine
/// object whose fields point at chunk objects of [`Table::CHUNK`] fields each (small objects,
/// like a CPython list's item array split into pool-sized pieces). The spine lives in a root
/// slot; one scratch slot holds the chunk being touched.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Table {
    spine: Slot,
    scratch: Slot,
}

impl Table {
    /// Entries per chunk: 64 references keep a chunk under the 512-byte small-object limit.
    pub(crate) const CHUNK: u64 = 64;
    /// The most entries a table can have (the spine is one object).
    pub(crate) const MAX_LEN: u64 = Shape::MAX_FIELDS as u64 * Self::CHUNK;

    /// Heap objects a table of `len` entries consists of (spine plus chunks).
    pub(crate) fn objects(len: u64) -> u64 {
        1 + len.div_ceil(Self::CHUNK)
    }

    /// Checks a table length parameter.
    pub(crate) fn check_len(name: &'static str, len: u64) -> Result<(), (&'static str, String)> {
        if len > Self::MAX_LEN {
            Err((
                name,
                format!("{len} is more than the {} supported", Self::MAX_LEN),
            ))
        } else {
            Ok(())
        }
    }

    /// Allocates a table of `len` null entries, its spine rooted in `spine`.
    pub(crate) fn build<M: Mutator + ?Sized>(
        m: &mut M,
        spine: Slot,
        scratch: Slot,
        len: u64,
    ) -> GcResult<Table> {
        let chunks = len.div_ceil(Self::CHUNK);
        m.alloc(spine, Shape::new(chunks as u32, 0))?;
        for c in 0..chunks {
            let fields = (len - c * Self::CHUNK).min(Self::CHUNK);
            m.alloc(scratch, Shape::new(fields as u32, 0))?;
            m.store(spine, c as usize, Some(scratch))?;
        }
        m.clear(scratch)?;
        Ok(Table { spine, scratch })
    }

    /// `dst = table[index]`.
    pub(crate) fn get<M: Mutator + ?Sized>(
        &self,
        m: &mut M,
        index: u64,
        dst: Slot,
    ) -> GcResult<()> {
        m.load(self.scratch, self.spine, (index / Self::CHUNK) as usize)?;
        m.load(dst, self.scratch, (index % Self::CHUNK) as usize)
    }

    /// `table[index] = src` (or null).
    pub(crate) fn set<M: Mutator + ?Sized>(
        &self,
        m: &mut M,
        index: u64,
        src: Option<Slot>,
    ) -> GcResult<()> {
        m.load(self.scratch, self.spine, (index / Self::CHUNK) as usize)?;
        m.store(self.scratch, (index % Self::CHUNK) as usize, src)
    }

    /// Drops the scratch reference (the table stays rooted by its spine slot).
    pub(crate) fn release_scratch<M: Mutator + ?Sized>(&self, m: &mut M) -> GcResult<()> {
        m.clear(self.scratch)
    }
}

/// Clears every slot in `slots`.
pub(crate) fn clear_all<M: Mutator + ?Sized>(m: &mut M, slots: &[Slot]) -> GcResult<()> {
    for &s in slots {
        m.clear(s)?;
    }
    Ok(())
}
