//! Evacuation: the small-object space's half of moving objects (the heap's half, rewriting
//! the roots and side tables, is `heap/moving.rs`).
//!
//! pymalloc gives an arena back only when every pool in it is empty, so a few survivors
//! scattered over many arenas hold them all. Evacuating a set of arenas copies every object
//! in them into cells of other arenas, leaves in each old cell a forwarding reference (flag
//! [`FLAG_FORWARDED`] in its first word, the new reference in its second), lets the caller
//! rewrite every reference through [`SmallSpace::forwarded`], and then releases the emptied
//! arenas. While it runs, the evacuated arenas are off every allocation list (their arena
//! off the usable list, their pools off their classes' used lists), so no copy lands in
//! memory that is being emptied.

use super::geometry::GRANULE_WORDS;
use super::pools::{PoolMeta, PoolState, SmallSpace};
use crate::layout::{FLAG_ALLOCATED, FLAG_FORWARDED};

impl SmallSpace {
    /// Bytes in allocated cells per live arena, as `(arena, bytes)` in arena order (the
    /// kept freed cell, which its pool still counts, is not counted).
    pub fn arena_live_bytes(&self) -> Vec<(usize, usize)> {
        let granule_bytes = GRANULE_WORDS * 4;
        let mut out = Vec::new();
        for (a, arena) in self.arenas.iter().enumerate() {
            if !arena.live {
                continue;
            }
            let pools = &self.pools[a << self.ppa_shift..(a + 1) << self.ppa_shift];
            let mut bytes: usize = pools
                .iter()
                .filter(|p| p.state != PoolState::Empty)
                .map(|p| p.allocated as usize * p.cell_granules as usize * granule_bytes)
                .sum();
            if self.kept_class != super::pools::NONE && (self.kept_cell >> self.shift) as usize == a
            {
                bytes -= self.cell_bytes(self.kept_cell);
            }
            out.push((a, bytes));
        }
        out
    }

    /// Takes `arenas` (live ones; others are ignored) off every allocation list and copies
    /// each allocated object in them into a cell of its size class elsewhere, leaving a
    /// forwarding reference in the old cell. Call with no kept cell and no pool set aside
    /// (after a flush). Returns how many objects moved; `None`, having changed nothing, if
    /// the copies might not find room (the arenas references can address are nearly all in
    /// use).
    pub(crate) fn begin_evacuation(&mut self, arenas: &[usize]) -> Option<u64> {
        debug_assert_eq!(self.kept_class, super::pools::NONE, "flushed first");
        let chosen: Vec<usize> = arenas
            .iter()
            .copied()
            .filter(|&a| self.arenas.get(a).is_some_and(|arena| arena.live))
            .collect();
        // The survivors of `n` arenas fit in `n` arenas' pools (each class in no more pools
        // than it had), so `n` more addressable arenas always suffice.
        let spare = self.geometry.max_arenas() - self.arenas.len() + self.dead_arena_count();
        if spare < chosen.len() {
            return None;
        }
        self.evacuating = vec![false; self.arenas.len()];
        for &a in &chosen {
            self.evacuating[a] = true;
            if self.arenas[a].free_pools.len() == self.pools_per_arena {
                self.empty_arenas -= 1;
            }
            self.usable.set(a, 0);
            for p in a << self.ppa_shift..(a + 1) << self.ppa_shift {
                let pool = self.pools[p];
                if pool.state == PoolState::Used {
                    self.unlink_used(p as u32, pool.class as usize);
                    // Full, as far as allocation can tell: no list leads here.
                    self.pools[p].state = PoolState::Full;
                }
            }
        }
        let mut moved = 0;
        for &a in &chosen {
            for p in a << self.ppa_shift..(a + 1) << self.ppa_shift {
                let PoolMeta {
                    state,
                    class,
                    cell_granules,
                    carved,
                    ..
                } = self.pools[p];
                if state == PoolState::Empty {
                    continue;
                }
                let cell_words = cell_granules as usize * GRANULE_WORDS;
                for cell in 0..carved {
                    let old = ((p as u32) << self.pool_shift) + cell * cell_granules;
                    let from = Self::word_of(old);
                    if (self.words[from] >> 16) as u16 & FLAG_ALLOCATED == 0 {
                        continue;
                    }
                    let new = self
                        .alloc(class as usize)
                        .expect("spare arenas were counted before the evacuation began");
                    self.words
                        .copy_within(from..from + cell_words, Self::word_of(new));
                    self.words[from] = (FLAG_FORWARDED as u32) << 16;
                    self.words[from + 1] = new;
                    moved += 1;
                }
            }
        }
        Some(moved)
    }

    /// Where the object `raw` (a raw reference, or `NULL`) is now: its new reference if it
    /// was in an arena being evacuated, else `raw` itself.
    #[inline(always)]
    pub(crate) fn forwarded(&self, raw: u32) -> u32 {
        // NULL and large references have bit 31 set: beyond every arena.
        if self
            .evacuating
            .get((raw >> self.shift) as usize)
            .copied()
            .unwrap_or(false)
        {
            debug_assert!(
                (self.words[Self::word_of(raw)] >> 16) as u16 & FLAG_FORWARDED != 0,
                "a reference into an evacuated arena names an object that was not moved"
            );
            self.words[Self::word_of(raw) + 1]
        } else {
            raw
        }
    }

    /// [`SmallSpace::forwarded`] for a holder that may name objects already freed (a queued
    /// notice names the object a finalizer ran for, which may have died since): a reference
    /// to a cell that was not moved stays as it is, dangling as it was (after the release
    /// of its arena, reading through it is a use-after-free error, as before).
    pub(crate) fn forwarded_if_moved(&self, raw: u32) -> u32 {
        let evacuating = self
            .evacuating
            .get((raw >> self.shift) as usize)
            .copied()
            .unwrap_or(false);
        if evacuating && (self.words[Self::word_of(raw)] >> 16) as u16 & FLAG_FORWARDED != 0 {
            self.words[Self::word_of(raw) + 1]
        } else {
            raw
        }
    }

    /// Rewrites the reference fields of every allocated object outside the evacuated
    /// arenas (the copies included) through [`SmallSpace::forwarded`]; fields start at word
    /// `fields_at` of an object.
    pub(crate) fn rewrite_small_fields(&mut self, fields_at: usize) {
        for a in 0..self.arenas.len() {
            if !self.arenas[a].live || self.evacuating.get(a).copied().unwrap_or(false) {
                continue;
            }
            for p in a << self.ppa_shift..(a + 1) << self.ppa_shift {
                let pool = self.pools[p];
                if pool.state == PoolState::Empty {
                    continue;
                }
                for cell in 0..pool.carved {
                    let r = ((p as u32) << self.pool_shift) + cell * pool.cell_granules;
                    let w = Self::word_of(r);
                    let shape = self.words[w];
                    if (shape >> 16) as u16 & FLAG_ALLOCATED == 0 {
                        continue;
                    }
                    let n = crate::layout::fields_of(shape);
                    for i in w + fields_at..w + fields_at + n {
                        let new = self.forwarded(self.words[i]);
                        self.words[i] = new;
                    }
                }
            }
        }
    }

    /// Ends an evacuation: the pools of the evacuated arenas are emptied and the arenas
    /// released. Returns how many were released. Their cells need no clearing: a cell whose
    /// object moved lost its allocated flag when it was copied (so a stale reference to it
    /// is a use-after-free, as for any freed cell), and the rest were free already.
    pub(crate) fn end_evacuation(&mut self) -> u64 {
        let evacuating = std::mem::take(&mut self.evacuating);
        let mut released = 0;
        for (a, _) in evacuating.iter().enumerate().filter(|(_, &e)| e) {
            for p in a << self.ppa_shift..(a + 1) << self.ppa_shift {
                let pool = self.pools[p];
                if pool.state == PoolState::Empty {
                    continue;
                }
                self.last_class[p] = pool.class as u8;
                self.pools[p] = PoolMeta::EMPTY;
                self.pools_in_use -= 1;
            }
            self.release_arena(a);
            released += 1;
        }
        released
    }

    /// Released arena indices a new arena can take.
    fn dead_arena_count(&self) -> usize {
        self.arenas.iter().filter(|a| !a.live).count()
    }
}
