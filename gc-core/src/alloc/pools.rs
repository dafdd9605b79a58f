//! The small-object space: pymalloc's arenas, pools and size classes over indexed memory.
//!
//! An arena is a range of one vector of words (all arenas side by side, so a reference finds
//! its object with one index). It is cut into pools; a pool serves one size class
//! and is empty, used or full. Cells are carved from a pool lazily, freed cells go on the
//! pool's free list (the link lives in the freed cell's second word), and a class allocates
//! from the head of its list of used pools. Fresh pools come from the usable arena with the
//! fewest free pools, so nearly empty arenas drain and can be released.
//!
//! In front of the pools sits one kept cell, like CPython's per-type free lists (a freed
//! float or tuple is kept for the next one rather than returned to pymalloc): the most
//! recently freed cell waits, still counted as allocated by its pool, for the next
//! allocation of its class. A back-to-back free and allocation then pass one reference
//! through two words at fixed places, instead of threading it through the pool's free-list
//! head and the cell's link, which chained four store-to-load forwards per pair. The kept
//! cell and the emptied pools kept for their classes go back (a flush) at the end of every
//! collection, at the end of a cascade if that releases an arena, and when a class needs a
//! fresh pool that no arena has, so empty arenas are still returned.

use super::geometry::{Geometry, GRANULE_WORDS};
use super::usable::UsableArenas;
use crate::layout::FLAG_ALLOCATED;
use crate::ObjRef;

pub(super) const NONE: u32 = u32::MAX;
/// The [`SmallSpace::last_class`] of a pool that never served a class (classes are below
/// 255: `Geometry::validate` keeps `small_limit` at most 255 granules).
const NEVER: u8 = u8::MAX;

/// What sweeping one pool in place did ([`SmallSpace::sweep_pool_unless`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolSweep {
    /// Cells the sweep's `keep` claimed (marked objects), passed over unread.
    pub kept: usize,
    /// Cells freed.
    pub freed: usize,
    /// The bytes of the cells freed.
    pub bytes: usize,
    /// Of the cells freed, those freed the slow way after the pass, to forget their
    /// side-table entries (always 0 from [`SmallSpace::sweep_pool_unless`] itself, which
    /// only hands them back).
    pub slow: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PoolState {
    Empty,
    Used,
    Full,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct PoolMeta {
    pub(super) state: PoolState,
    // All u32: the back-to-back alloc/free path rewrites these fields constantly, and mixed
    // widths cost store-forwarding stalls.
    pub(super) class: u32,
    pub(super) cell_granules: u32,
    pub(super) allocated: u32,
    capacity: u32,
    pub(super) carved: u32,
    /// The first free cell (its reference, which is its granule index in the whole
    /// small-object memory), or NONE.
    free_head: u32,
    prev: u32,
    next: u32,
}

impl PoolMeta {
    pub(super) const EMPTY: PoolMeta = PoolMeta {
        state: PoolState::Empty,
        class: 0,
        cell_granules: 0,
        allocated: 0,
        capacity: 0,
        carved: 0,
        free_head: NONE,
        prev: NONE,
        next: NONE,
    };
}

/// One arena's bookkeeping: the stack of its free pools (its memory is a range of
/// [`SmallSpace::words`]).
#[derive(Debug)]
pub(super) struct Arena {
    pub(super) free_pools: Vec<u16>,
    pub(super) live: bool,
}

/// The pool allocator for objects of at most `small_limit` bytes.
#[derive(Debug)]
pub struct SmallSpace {
    pub(crate) geometry: Geometry,
    pub(crate) shift: u32,
    pub(crate) mask: u32,
    pub(super) pools_per_arena: usize,
    pub(super) granules_per_pool: usize,
    /// log2 of `pools_per_arena` and `granules_per_pool`: geometry is powers of two, so the
    /// hot paths shift instead of dividing.
    pub(super) ppa_shift: u32,
    /// Also the shift from a reference to its pool's number: a reference is the arena in
    /// the high bits and the granule in the low ones, so `r >> pool_shift` is
    /// `arena * pools_per_arena + pool in arena`.
    pub(super) pool_shift: u32,
    /// Every arena's memory in one vector, arena `a` at words `a << (shift + 2)` onwards,
    /// so a small reference's first word is simply at `r * GRANULE_WORDS`: finding an
    /// object is one multiply and one bounds check, with no arena table between. Memory
    /// above the highest live arena is cut once it outgrows the live part (see
    /// `release_arena`); until then, and always below a live arena, a released arena keeps
    /// its words (every cell in them freed), which the next arena made at its index reuses,
    /// as the lowest released index is reused first. Statistics count arenas as pymalloc
    /// does: a released arena is no longer held, wherever its words are; what the vector
    /// keeps from the system is reported apart, as `bytes_reserved`.
    pub(crate) words: Vec<u32>,
    pub(super) arenas: Vec<Arena>,
    /// One past the highest live arena.
    live_end: usize,
    pub(super) pools: Vec<PoolMeta>,
    /// Per pool, the size class it last served ([`NEVER`] if none): a pool taken for a
    /// different class is cleared first.
    pub(super) last_class: Vec<u8>,
    /// The size class of the kept freed cell, or NONE when no cell is kept.
    pub(super) kept_class: u32,
    /// The kept freed cell (meaningful only when `kept_class` is not NONE).
    pub(super) kept_cell: u32,
    pub(super) used_head: Vec<u32>,
    /// Per class, a pool that emptied and was kept (not yet returned to its arena), so that
    /// alternating allocation and free does not bounce a pool between class and arena.
    pub(super) empty_cache: Vec<u32>,
    /// One bit per class that may have a pool for [`SmallSpace::flush_empty_pools`] to
    /// return (see `mark_for_flush`).
    flush_classes: Vec<u64>,
    /// Usable arenas (live, with at least one free pool) by free-pool count: the first is
    /// the most heavily used one, where pymalloc allocates new pools.
    pub(super) usable: UsableArenas,
    dead_arenas: Vec<u32>,
    pub(super) empty_arenas: usize,
    /// Arenas currently held (live).
    pub(crate) arenas_held: usize,
    /// Pools currently used or full.
    pub(crate) pools_in_use: usize,
    /// Arenas released back to the system so far.
    pub(crate) arenas_released: u64,
    /// Per arena, whether an evacuation is emptying it (see `evacuate.rs`); empty between
    /// evacuations.
    pub(super) evacuating: Vec<bool>,
}

impl SmallSpace {
    /// A space with the given (validated) geometry and no arenas.
    pub fn new(geometry: Geometry) -> SmallSpace {
        let shift = geometry.arena_shift();
        SmallSpace {
            geometry,
            shift,
            mask: (1u32 << shift) - 1,
            pools_per_arena: geometry.pools_per_arena(),
            granules_per_pool: geometry.granules_per_pool(),
            ppa_shift: geometry.pools_per_arena().trailing_zeros(),
            pool_shift: geometry.granules_per_pool().trailing_zeros(),
            words: Vec::new(),
            arenas: Vec::new(),
            live_end: 0,
            pools: Vec::new(),
            last_class: Vec::new(),
            kept_class: NONE,
            kept_cell: NONE,
            used_head: vec![NONE; geometry.size_classes()],
            empty_cache: vec![NONE; geometry.size_classes()],
            flush_classes: vec![0; geometry.size_classes().div_ceil(64)],
            usable: UsableArenas::new(geometry.pools_per_arena()),
            dead_arenas: Vec::new(),
            empty_arenas: 0,
            arenas_held: 0,
            pools_in_use: 0,
            arenas_released: 0,
            evacuating: Vec::new(),
        }
    }

    /// Where the first word of small reference `r` is in [`SmallSpace::words`]: arena `a`
    /// starts at word `a << (shift + 2)` and a granule is four words, so simply `r * 4`.
    #[inline(always)]
    pub(crate) fn word_of(r: u32) -> usize {
        r as usize * GRANULE_WORDS
    }

    /// Allocates a cell of `class`; returns its reference. `None` when no more arenas can
    /// be addressed.
    #[inline(always)]
    pub fn alloc(&mut self, class: usize) -> Option<u32> {
        match self.alloc_fast(class) {
            Some(r) => Some(r),
            None => self.alloc_slow(class),
        }
    }

    /// The allocations that need no pool to change state: the kept cell, a cell from the
    /// free list of the class's current pool, or a carved one that is not the pool's last.
    /// `None` means [`SmallSpace::alloc_slow`] must do it; it is the only path that can add
    /// an arena.
    #[inline(always)]
    pub(crate) fn alloc_fast(&mut self, class: usize) -> Option<u32> {
        // Fastest path: the kept cell is of this class.
        if self.kept_class == class as u32 {
            self.kept_class = NONE;
            return Some(self.kept_cell);
        }
        // Fast path: the class's current pool has a freed cell on its free list.
        let p = self.used_head[class];
        if p != NONE {
            let pool = &mut self.pools[p as usize];
            if pool.allocated + 1 < pool.capacity {
                let r = pool.free_head;
                if r != NONE {
                    pool.free_head = self.words[Self::word_of(r) + 1];
                    pool.allocated += 1;
                    return Some(r);
                }
                // Carving the next never-used cell is as cheap as popping the free list;
                // a pool reused after emptying carves every cell, so this stays inline. Pool
                // `p`'s first cell is granule `p << pool_shift` of the whole memory.
                let r = (p << self.pool_shift) + pool.carved * pool.cell_granules;
                pool.carved += 1;
                pool.allocated += 1;
                return Some(r);
            }
        }
        None
    }

    /// Allocation that carves a fresh cell, fills a pool, or needs another pool.
    #[inline(never)]
    pub(crate) fn alloc_slow(&mut self, class: usize) -> Option<u32> {
        let mut p = self.used_head[class];
        if p == NONE {
            p = self.empty_cache[class];
            if p != NONE {
                self.empty_cache[class] = NONE;
                self.pools[p as usize].state = PoolState::Used;
                self.link_used(p, class);
            } else {
                p = self.fresh_pool(class)?;
            }
        }
        let pool = &mut self.pools[p as usize];
        let r = if pool.free_head != NONE {
            let r = pool.free_head;
            pool.free_head = self.words[Self::word_of(r) + 1];
            r
        } else {
            let r = (p << self.pool_shift) + pool.carved * pool.cell_granules;
            pool.carved += 1;
            r
        };
        pool.allocated += 1;
        if pool.allocated == pool.capacity {
            pool.state = PoolState::Full;
            self.unlink_used(p, class);
            // The next pool, which now heads the list, may be an empty one.
            self.mark_for_flush(class);
        }
        Some(r)
    }

    /// Returns the cell of the allocated small object `r` (the caller has checked it); returns
    /// the cell size in bytes.
    #[inline(always)]
    pub fn free(&mut self, r: u32) -> usize {
        match self.free_unless(r, 0) {
            Some(bytes) => bytes,
            None => panic!("{r} is not a small-object reference"),
        }
    }

    /// Frees `r` unless its first word (the shape word) has any of `refuse_bits` set, in
    /// which case nothing changes and `None` is returned: lets the heap test an object's
    /// flags and free it in one look-up. `None` also for a reference beyond the small-object
    /// memory, which is how a large reference (bit 31 set, so past [`Geometry::max_arenas`]
    /// arenas) is told apart without a test of its own. The caller has checked `r` is an allocated object.
    #[inline(always)]
    pub fn free_unless(&mut self, r: u32, refuse_bits: u32) -> Option<usize> {
        let w = Self::word_of(r);
        // Every cell has a granule's four words at least: its shape word and its free-list
        // link are found in one look-up.
        let cell = self.words.get_mut(w..w + 2)?;
        if cell[0] & refuse_bits != 0 {
            return None;
        }
        cell[0] = 0;
        let p = (r >> self.pool_shift) as usize;
        let pool = &self.pools[p];
        let bytes = pool.cell_granules as usize * super::geometry::GRANULE_BYTES;
        if self.kept_class == NONE {
            // Keep the cell; its pool still counts it until it is reused or given back.
            self.kept_class = pool.class;
            self.kept_cell = r;
        } else {
            cell[1] = pool.free_head;
            self.return_cell(p, r);
        }
        Some(bytes)
    }

    /// Frees the allocated small cells `refs` in order, leaving exactly what
    /// [`SmallSpace::free_unless`] on each would (the same kept cell, free lists and pool
    /// states), until one is large or has any of `refuse_bits` in its shape word. Returns
    /// how many it freed (a prefix of `refs`) and their bytes.
    ///
    /// A collector that frees a whole garbage set finds its cells in runs that share a pool
    /// (sets gathered in list order are mostly in address order): each run is threaded onto
    /// its pool's free list and the pool's bookkeeping is updated once for the run, instead
    /// of once per cell.
    pub fn free_runs_unless(&mut self, refs: &[ObjRef], refuse_bits: u32) -> (usize, usize) {
        let (mut done, mut bytes) = (0, 0);
        if self.kept_class == NONE {
            // The first cell freed becomes the kept cell, as one-by-one freeing would make it.
            let Some(&first) = refs.first() else {
                return (0, 0);
            };
            match self.free_unless(first.0, refuse_bits) {
                Some(b) => (done, bytes) = (1, b),
                None => return (0, 0),
            }
        }
        while let Some(&ObjRef(first)) = refs.get(done) {
            let p = (first >> self.pool_shift) as usize;
            let Some(pool) = self.pools.get(p) else {
                break; // a large reference: beyond every pool
            };
            let mut head = pool.free_head;
            let mut run = 0;
            for &ObjRef(r) in &refs[done..] {
                if (r >> self.pool_shift) as usize != p {
                    break;
                }
                let w = Self::word_of(r);
                let Some(cell) = self.words.get_mut(w..w + 2) else {
                    break;
                };
                if cell[0] & refuse_bits != 0 {
                    break;
                }
                cell[0] = 0;
                cell[1] = head;
                head = r;
                run += 1;
            }
            if run == 0 {
                break;
            }
            bytes += self.return_run(p, head, run);
            done += run;
        }
        (done, bytes)
    }

    /// Pool `p`'s free list now starts at `head`, `run` more cells threaded onto it: updates
    /// the pool's count and state as freeing those cells one by one would. Returns their
    /// bytes.
    fn return_run(&mut self, p: usize, head: u32, run: usize) -> usize {
        let pool = &mut self.pools[p];
        pool.free_head = head;
        pool.allocated -= run as u32;
        let bytes = run * pool.cell_granules as usize * super::geometry::GRANULE_BYTES;
        // The state changes one-by-one freeing would make: the run's first free turns
        // a full pool used, and its last, taking the count to zero, sets the pool aside
        // unless it is its class's only used pool (see `return_cell` and `free_slow`).
        let was_full = pool.state == PoolState::Full;
        if was_full {
            self.free_slow(p as u32);
        }
        if (!was_full || run > 1) && self.pools[p].allocated == 0 {
            self.free_slow(p as u32);
        }
        bytes
    }

    /// Sweeps pool `p` in place: frees every allocated cell that `keep` does not claim
    /// (`keep` must claim only allocated cells: a collector's mark bits) and whose shape
    /// word has none of `refuse_bits`, threading them onto the pool's free list and
    /// updating its bookkeeping once. Refused cells go to `refused`, for the caller to free
    /// the slow way. A pool released, set aside or never carved has nothing to sweep.
    ///
    /// This is the whole of a tracing collector's sweep for one pool in one pass: `keep` is
    /// asked of every carved cell and only the cells it does not claim are read, so a live
    /// object costs a bit test and no garbage list is built.
    pub fn sweep_pool_unless(
        &mut self,
        p: usize,
        mut keep: impl FnMut(u32) -> bool,
        refuse_bits: u32,
        refused: &mut Vec<ObjRef>,
    ) -> PoolSweep {
        let mut swept = PoolSweep::default();
        let Some(pool) = self.pools.get(p) else {
            return swept;
        };
        let arena = p >> self.ppa_shift;
        if !self.arenas[arena].live || pool.state == PoolState::Empty {
            return swept;
        }
        let (class, carved) = (pool.class, pool.carved as usize);
        let cell_granules = pool.cell_granules as usize;
        let cell_bytes = cell_granules * super::geometry::GRANULE_BYTES;
        let first = (p << self.pool_shift) as u32;
        let mut head = pool.free_head;
        let mut run = 0;
        for cell in 0..carved {
            let r = first + (cell * cell_granules) as u32;
            if keep(r) {
                swept.kept += 1;
                continue;
            }
            let w = Self::word_of(r);
            let shape = self.words[w];
            if (shape >> 16) as u16 & FLAG_ALLOCATED == 0 {
                continue;
            }
            if shape & refuse_bits != 0 {
                refused.push(ObjRef(r));
                continue;
            }
            self.words[w] = 0;
            swept.freed += 1;
            if self.kept_class == NONE {
                // The first cell freed becomes the kept cell, as in `free_unless`; its pool
                // still counts it.
                self.kept_class = class;
                self.kept_cell = r;
                swept.bytes += cell_bytes;
                continue;
            }
            self.words[w + 1] = head;
            head = r;
            run += 1;
        }
        if run > 0 {
            swept.bytes += self.return_run(p, head, run);
        }
        swept
    }

    /// Puts the cell `r` (whose link word already holds pool `p`'s free-list head) on the
    /// pool's free list.
    #[inline(always)]
    fn return_cell(&mut self, p: usize, r: u32) {
        let pool = &mut self.pools[p];
        pool.free_head = r;
        pool.allocated -= 1;
        if pool.state == PoolState::Full || pool.allocated == 0 {
            self.free_slow(p as u32);
        }
    }

    /// Gives the kept cell, if any, back to its pool.
    fn return_kept_cell(&mut self) {
        if self.kept_class == NONE {
            return;
        }
        self.kept_class = NONE;
        let r = self.kept_cell;
        let p = (r >> self.pool_shift) as usize;
        self.words[Self::word_of(r) + 1] = self.pools[p].free_head;
        self.return_cell(p, r);
    }

    /// A free that turns a full pool used, or empties a pool. An emptied pool that is its
    /// class's only used pool stays in place (alternating allocation and free does not
    /// bounce it between class and arena); any other is set aside. Either way the class is
    /// marked for [`SmallSpace::flush_empty_pools`].
    #[inline(never)]
    fn free_slow(&mut self, p: u32) {
        let pool = &mut self.pools[p as usize];
        let class = pool.class as usize;
        if pool.state == PoolState::Full {
            pool.state = PoolState::Used;
            self.link_used(p, class);
        } else if pool.prev != NONE || pool.next != NONE {
            self.set_aside_empty(p, class);
        }
        self.mark_for_flush(class);
    }

    /// Notes that `class` may have a set-aside pool or an empty pool at the head of its used
    /// list, for the next [`SmallSpace::flush_empty_pools`].
    #[inline]
    fn mark_for_flush(&mut self, class: usize) {
        self.flush_classes[class / 64] |= 1 << (class % 64);
    }

    #[cold]
    fn set_aside_empty(&mut self, p: u32, class: usize) {
        self.unlink_used(p, class);
        self.pools[p as usize].state = PoolState::Empty;
        // Keep the pool for its class; the one kept before goes back to its arena.
        let previous = std::mem::replace(&mut self.empty_cache[class], p);
        if previous != NONE {
            self.release_pool(previous);
        }
    }

    /// [`SmallSpace::flush_empty_pools`] if it would release an arena, else nothing: the
    /// kept cell and the emptied pools stay for their classes. The heap calls this at the
    /// end of a reference-counting cascade. A program that drops a small structure and
    /// builds the next (a tree of 31 nodes, say) empties a pool and needs one again a moment
    /// later; returning the pool and taking it back would lose its free list and carve its
    /// cells again each time. Nothing is held that an eager flush would give back to the system:
    /// whenever one would release an arena this flushes, and a class that needs a fresh
    /// pool when no arena has one takes the others' emptied pools back first (see
    /// `fresh_pool`). What waits is what an eager flush returns: the kept cell, and per size
    /// class the pool set aside and an emptied pool heading its list.
    pub fn flush_empty_pools_if_releasing(&mut self) {
        if self.flush_would_release() {
            self.flush_empty_pools();
        }
    }

    /// Whether [`SmallSpace::flush_empty_pools`] would release an arena now: whether the
    /// pools it would return leave more arenas with every pool free than are kept.
    fn flush_would_release(&self) -> bool {
        // The arenas the returned pools belong to, with how many each gets back; a flush
        // returning pools to more arenas than this holds is assumed to release one.
        let mut returns = [(usize::MAX, 0usize); 8];
        let mut emptied = 0;
        let mut note = |p: u32| -> bool {
            let arena = p as usize >> self.ppa_shift;
            let Some(i) = returns.iter().position(|&(a, n)| a == arena || n == 0) else {
                return false;
            };
            returns[i] = (arena, returns[i].1 + 1);
            if self.arenas[arena].free_pools.len() + returns[i].1 == self.pools_per_arena {
                emptied += 1;
            }
            true
        };
        // The kept cell goes back first; it empties its pool if it is the pool's last. A
        // pool emptied at the head of a list with others behind it is set aside, and the
        // next heads the list: returned too if it is empty.
        if self.kept_class != NONE {
            let p = self.kept_cell >> self.pool_shift;
            let pool = &self.pools[p as usize];
            if pool.allocated == 1 {
                if !note(p) {
                    return true;
                }
                let next = pool.next;
                if self.used_head[self.kept_class as usize] == p
                    && next != NONE
                    && self.pools[next as usize].allocated == 0
                    && !note(next)
                {
                    return true;
                }
            }
        }
        for (word, &bits) in self.flush_classes.iter().enumerate() {
            let mut marked = bits;
            while marked != 0 {
                let class = word * 64 + marked.trailing_zeros() as usize;
                marked &= marked - 1;
                let set_aside = self.empty_cache[class];
                if set_aside != NONE && !note(set_aside) {
                    return true;
                }
                let head = self.used_head[class];
                if head != NONE && self.pools[head as usize].allocated == 0 && !note(head) {
                    return true;
                }
            }
        }
        self.empty_arenas + emptied > self.geometry.keep_empty_arenas
    }

    /// Returns every kept empty pool to its arena, releasing arenas that become empty.
    /// The heap calls this at the end of each collection.
    pub fn flush_empty_pools(&mut self) {
        self.return_kept_cell();
        // Only the classes marked since the last flush can have anything to return: a
        // pause that freed into one or two classes does not look at all of them.
        for word in 0..self.flush_classes.len() {
            let mut marked = std::mem::take(&mut self.flush_classes[word]);
            while marked != 0 {
                let class = word * 64 + marked.trailing_zeros() as usize;
                marked &= marked - 1;
                self.flush_class(class);
            }
        }
        debug_assert!(
            (0..self.empty_cache.len()).all(|class| {
                let head = self.used_head[class];
                let nothing_to_return = self.empty_cache[class] == NONE
                    && (head == NONE || self.pools[head as usize].allocated > 0);
                let marked = (self.flush_classes[class / 64] >> (class % 64)) & 1 == 1;
                nothing_to_return || marked
            }),
            "every class with a pool to return was marked"
        );
    }

    /// Returns `class`'s set-aside pool, and the pool heading its used list if that is
    /// empty. If the next pool in the list is empty too, the class stays marked: the next
    /// flush returns it.
    fn flush_class(&mut self, class: usize) {
        let p = std::mem::replace(&mut self.empty_cache[class], NONE);
        if p != NONE {
            self.release_pool(p);
        }
        let head = self.used_head[class];
        if head != NONE && self.pools[head as usize].allocated == 0 {
            self.unlink_used(head, class);
            self.release_pool(head);
        }
        let head = self.used_head[class];
        if head != NONE && self.pools[head as usize].allocated == 0 {
            self.mark_for_flush(class);
        }
    }

    fn release_pool(&mut self, p: u32) {
        self.last_class[p as usize] = self.pools[p as usize].class as u8;
        self.pools[p as usize] = PoolMeta::EMPTY;
        self.pools_in_use -= 1;
        let arena = p as usize / self.pools_per_arena;
        self.return_pool(arena, p as usize % self.pools_per_arena);
    }

    fn link_used(&mut self, p: u32, class: usize) {
        let head = self.used_head[class];
        self.pools[p as usize].prev = NONE;
        self.pools[p as usize].next = head;
        if head != NONE {
            self.pools[head as usize].prev = p;
        }
        self.used_head[class] = p;
    }

    pub(super) fn unlink_used(&mut self, p: u32, class: usize) {
        let PoolMeta { prev, next, .. } = self.pools[p as usize];
        if prev != NONE {
            self.pools[prev as usize].next = next;
        } else if self.used_head[class] == p {
            self.used_head[class] = next;
        }
        if next != NONE {
            self.pools[next as usize].prev = prev;
        }
        self.pools[p as usize].prev = NONE;
        self.pools[p as usize].next = NONE;
    }

    /// Takes an empty pool for `class` from the most used usable arena, making an arena if needed.
    fn fresh_pool(&mut self, class: usize) -> Option<u32> {
        if self.usable.first().is_none() {
            // Pools other classes emptied, and the kept cell, go back before an arena is
            // added for this one.
            self.flush_empty_pools();
        }
        let arena = match self.usable.first() {
            Some(a) => a,
            None => self.new_arena()?,
        };
        let nfree = self.arenas[arena].free_pools.len();
        if nfree == self.pools_per_arena {
            self.empty_arenas -= 1;
        }
        let pool_in_arena = self.arenas[arena]
            .free_pools
            .pop()
            .expect("usable arena has a free pool") as usize;
        self.usable.set(arena, nfree - 1);
        let p = (arena * self.pools_per_arena + pool_in_arena) as u32;
        if self.last_class[p as usize] != class as u8 && self.last_class[p as usize] != NEVER {
            // Another size class's cells start at other granules: clear the first word of
            // every granule, so a stale reference to any granule of the pool reads as free
            // (the allocated flag lives there) rather than landing on a field or payload word
            // of the pool's earlier life. A pool that serves the same class again has its
            // cells where they were: a stale reference into it is as exposed as while the
            // pool was live (`Heap::check` reads only the allocated flag), no more.
            let start = self.base_of_pool(p as usize);
            for granule in self.words[start..start + self.granules_per_pool * GRANULE_WORDS]
                .chunks_exact_mut(GRANULE_WORDS)
            {
                granule[0] = 0;
            }
        }
        let cell_granules = class + 1;
        self.pools[p as usize] = PoolMeta {
            state: PoolState::Used,
            class: class as u32,
            cell_granules: cell_granules as u32,
            allocated: 0,
            capacity: (self.granules_per_pool / cell_granules) as u32,
            carved: 0,
            free_head: NONE,
            prev: NONE,
            next: NONE,
        };
        self.pools_in_use += 1;
        self.link_used(p, class);
        Some(p)
    }

    fn return_pool(&mut self, arena: usize, pool_in_arena: usize) {
        let free_pools = &mut self.arenas[arena].free_pools;
        free_pools.push(pool_in_arena as u16);
        let nfree = free_pools.len();
        self.usable.set(arena, nfree);
        if nfree < self.pools_per_arena {
            return;
        }
        if self.empty_arenas < self.geometry.keep_empty_arenas {
            self.empty_arenas += 1;
        } else {
            // One empty arena too many: the one touched longest ago goes (this one, if
            // none is kept), so the memory freed last stays for the next pools.
            let oldest = self
                .usable
                .oldest_with(self.pools_per_arena)
                .expect("the arena just emptied is listed");
            self.usable.set(oldest, 0);
            self.release_arena(oldest);
        }
    }

    pub(super) fn release_arena(&mut self, arena: usize) {
        let a = &mut self.arenas[arena];
        a.free_pools = Vec::new();
        a.live = false;
        self.arenas_held -= 1;
        self.arenas_released += 1;
        self.dead_arenas.push(arena as u32);
        // Memory above the highest live arena goes back to the system once it is more than
        // the live part: a heap that empties and refills an arena or two, as a workload
        // building and dropping trees does, would otherwise zero (or fault in) a fresh
        // arena for every refill. Until then a released arena's words stay, every cell in
        // them freed, and the next arena made at that index reuses them.
        if arena + 1 == self.live_end {
            while self.live_end > 0 && !self.arenas[self.live_end - 1].live {
                self.live_end -= 1;
            }
        }
        let words_end = self.live_end << (self.shift + 2);
        if self.words.len() > 2 * words_end {
            self.words.truncate(words_end);
            self.words.shrink_to_fit();
        }
    }

    fn new_arena(&mut self) -> Option<usize> {
        let free_pools: Vec<u16> = (0..self.pools_per_arena as u16).rev().collect();
        let arena = Arena {
            free_pools,
            live: true,
        };
        // Reuse the lowest released index so references stay compact.
        let index =
            if let Some(pos) = (0..self.dead_arenas.len()).min_by_key(|&i| self.dead_arenas[i]) {
                let index = self.dead_arenas.swap_remove(pos) as usize;
                self.arenas[index] = arena;
                index
            } else {
                if self.arenas.len() >= self.geometry.max_arenas() {
                    return None;
                }
                self.arenas.push(arena);
                self.pools
                    .extend(std::iter::repeat_n(PoolMeta::EMPTY, self.pools_per_arena));
                self.last_class
                    .extend(std::iter::repeat_n(NEVER, self.pools_per_arena));
                self.arenas.len() - 1
            };
        // Memory for the arena unless the vector still holds a released arena's words at
        // this index (every cell freed); cells are initialised when allocated.
        let words_end = (index + 1) << (self.shift + 2);
        if self.words.len() < words_end {
            // Exactly: doubling would hold up to as much again, unseen by the statistics
            // (the system allocator grows a vector this large by remapping, not copying).
            self.words.reserve_exact(words_end - self.words.len());
            self.words.resize(words_end, 0);
        }
        self.live_end = self.live_end.max(index + 1);
        self.arenas_held += 1;
        self.empty_arenas += 1;
        self.usable.set(index, self.pools_per_arena);
        Some(index)
    }

    /// Whether `r` addresses a cell that currently holds an allocated object.
    pub fn is_allocated(&self, r: u32) -> bool {
        let arena = (r >> self.shift) as usize;
        let granule = (r & self.mask) as usize;
        let Some(a) = self.arenas.get(arena) else {
            return false;
        };
        if !a.live {
            return false;
        }
        let pool = &self.pools[(arena << self.ppa_shift) + (granule >> self.pool_shift)];
        if pool.state == PoolState::Empty {
            return false;
        }
        let offset = granule & (self.granules_per_pool - 1);
        let cg = pool.cell_granules as usize;
        if !offset.is_multiple_of(cg) || offset / cg >= pool.carved as usize {
            return false;
        }
        (self.words[Self::word_of(r)] >> 16) as u16 & FLAG_ALLOCATED != 0
    }

    /// Cell size in bytes of the allocated small object `r`.
    pub fn cell_bytes(&self, r: u32) -> usize {
        let pool = &self.pools[(r >> self.pool_shift) as usize];
        pool.cell_granules as usize * super::geometry::GRANULE_BYTES
    }

    /// Calls `f` with every allocated object in address order.
    pub fn for_each_object(&self, mut f: impl FnMut(u32)) {
        for (ai, arena) in self.arenas.iter().enumerate() {
            if !arena.live {
                continue;
            }
            let words = &self.words[ai << (self.shift + 2)..];
            for pi in 0..self.pools_per_arena {
                let pool = &self.pools[ai * self.pools_per_arena + pi];
                if pool.state == PoolState::Empty {
                    continue;
                }
                let base = pi * self.granules_per_pool;
                let cg = pool.cell_granules as usize;
                for cell in 0..pool.carved as usize {
                    let g = base + cell * cg;
                    if (words[g * GRANULE_WORDS] >> 16) as u16 & FLAG_ALLOCATED != 0 {
                        f(((ai as u32) << self.shift) | g as u32);
                    }
                }
            }
        }
    }

    /// Calls `f` with every allocated object in the pools numbered `pools` (pool `p` is pool
    /// `p % pools_per_arena` of arena `p / pools_per_arena`, so numbers follow addresses and
    /// stay fixed while arenas come and go), in address order: a walk that can stop and
    /// resume, for a collector that sweeps a few pools at a time.
    pub fn for_each_object_in_pools(&self, pools: std::ops::Range<usize>, f: impl FnMut(u32)) {
        self.for_each_object_in_pools_unless(pools, |_| false, f);
    }

    /// [`SmallSpace::for_each_object_in_pools`], but every carved cell for which `skip`
    /// says true is passed over without reading its memory (`skip` must only say true of
    /// allocated cells: a collector's mark bits, for one). A sweep then touches the memory
    /// of only the cells that are unmarked, not of every live object.
    pub fn for_each_object_in_pools_unless(
        &self,
        pools: std::ops::Range<usize>,
        mut skip: impl FnMut(u32) -> bool,
        mut f: impl FnMut(u32),
    ) {
        let end = pools.end.min(self.arenas.len() << self.ppa_shift);
        for p in pools.start..end {
            let ai = p >> self.ppa_shift;
            if !self.arenas[ai].live {
                continue;
            }
            let pool = &self.pools[p];
            if pool.state == PoolState::Empty {
                continue;
            }
            let words = &self.words[ai << (self.shift + 2)..];
            let base = (p & (self.pools_per_arena - 1)) * self.granules_per_pool;
            let cg = pool.cell_granules as usize;
            for cell in 0..pool.carved as usize {
                let g = base + cell * cg;
                let r = ((ai as u32) << self.shift) | g as u32;
                if !skip(r) && (words[g * GRANULE_WORDS] >> 16) as u16 & FLAG_ALLOCATED != 0 {
                    f(r);
                }
            }
        }
    }

    /// One past the largest pool number [`SmallSpace::for_each_object_in_pools`] can visit.
    pub fn pool_bound(&self) -> usize {
        self.arenas.len() << self.ppa_shift
    }

    /// Where pool `p`'s first word is in [`SmallSpace::words`].
    pub(super) fn base_of_pool(&self, p: usize) -> usize {
        (p << self.pool_shift) * GRANULE_WORDS
    }

    /// Bytes the small-object memory holds from the system (the vector's capacity), which
    /// can exceed the arenas held: released arenas below a live one keep their words.
    pub(crate) fn bytes_reserved(&self) -> usize {
        self.words.capacity() * 4
    }

    /// The words of arena `arena`, empty if it is released or does not exist.
    pub(crate) fn arena_memory(&self, arena: usize) -> &[u32] {
        match self.arenas.get(arena) {
            Some(a) if a.live => {
                let start = arena << (self.shift + 2);
                &self.words[start..start + (GRANULE_WORDS << self.shift)]
            }
            _ => &[],
        }
    }

    /// Objects in use per size class, counted from the pools (statistics are read rarely, so
    /// the hot paths keep no per-class counter).
    pub fn class_objects(&self) -> Vec<u64> {
        let mut counts = vec![0u64; self.geometry.size_classes()];
        for pool in &self.pools {
            if pool.allocated > 0 {
                counts[pool.class as usize] += u64::from(pool.allocated);
            }
        }
        if self.kept_class != NONE {
            // The kept cell is free, though its pool still counts it.
            counts[self.kept_class as usize] -= 1;
        }
        counts
    }

    /// One past the largest small-object reference ever handed out (sizes side bitmaps).
    pub fn reference_bound(&self) -> usize {
        self.arenas.len() << self.shift
    }
}
