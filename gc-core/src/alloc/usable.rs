//! The order in which arenas give out pools: pymalloc's `usable_arenas`, kept sorted by free
//! pools in constant time.
//!
//! pymalloc takes a fresh pool from the usable arena with the fewest free pools, so nearly
//! empty arenas drain and can be released; CPython keeps its list sorted in O(1) per change
//! with `nfp2lasta`, a pointer per free-pool count. Here each count has its own list (a bucket)
//! and a bitmap says which buckets are non-empty, so every change and every choice is a few
//! loads and stores. (An ordered set would search a tree on every change, and a workload
//! that empties and refills one pool per small tree would pay that per tree.)
//!
//! Among arenas with equally many free pools, the one touched last (a pool taken from or
//! returned to it) comes first, where CPython takes the one touched least recently: its
//! memory is the likeliest still to be in cache. A heap that drops a 4 MiB tree and builds
//! the next one then writes first into the pools it freed last; in the other order every
//! write misses a 2 MiB cache. The same order
//! picks which empty arena to release: the one touched longest ago.

const NONE: u32 = u32::MAX;

/// One arena's place: the bucket it is in (its free pools; 0 for none) and its neighbours.
#[derive(Clone, Copy, Debug)]
struct Place {
    bucket: u32,
    prev: u32,
    next: u32,
}

const UNLISTED: Place = Place {
    bucket: 0,
    prev: NONE,
    next: NONE,
};

/// Usable arenas (live, with at least one free pool) by free-pool count, most recently
/// touched first within a count.
#[derive(Debug)]
pub(crate) struct UsableArenas {
    places: Vec<Place>,
    /// Per free-pool count (index 0 unused), the first and last arena of its bucket.
    heads: Vec<u32>,
    tails: Vec<u32>,
    /// Bit `n` set when bucket `n` is non-empty.
    nonempty: Vec<u64>,
}

impl UsableArenas {
    /// No arena listed, for arenas of `pools_per_arena` pools.
    pub(crate) fn new(pools_per_arena: usize) -> UsableArenas {
        UsableArenas {
            places: Vec::new(),
            heads: vec![NONE; pools_per_arena + 1],
            tails: vec![NONE; pools_per_arena + 1],
            nonempty: vec![0; (pools_per_arena + 1).div_ceil(64)],
        }
    }

    /// The arena a fresh pool comes from: fewest free pools, touched last among those.
    #[inline]
    pub(crate) fn first(&self) -> Option<usize> {
        for (word, &bits) in self.nonempty.iter().enumerate() {
            if bits != 0 {
                let bucket = word * 64 + bits.trailing_zeros() as usize;
                return Some(self.heads[bucket] as usize);
            }
        }
        None
    }

    /// The arena with `free_pools` free pools touched longest ago.
    pub(crate) fn oldest_with(&self, free_pools: usize) -> Option<usize> {
        let tail = *self.tails.get(free_pools)?;
        (tail != NONE).then_some(tail as usize)
    }

    /// Notes that `arena` now has `free_pools` free pools and was just touched: it goes to
    /// the front of that bucket (0 takes it off the lists: full, or released).
    pub(crate) fn set(&mut self, arena: usize, free_pools: usize) {
        if arena >= self.places.len() {
            self.places.resize(arena + 1, UNLISTED);
        }
        self.unlink(arena);
        if free_pools == 0 {
            return;
        }
        let head = self.heads[free_pools];
        self.places[arena] = Place {
            bucket: free_pools as u32,
            prev: NONE,
            next: head,
        };
        if head != NONE {
            self.places[head as usize].prev = arena as u32;
        } else {
            self.tails[free_pools] = arena as u32;
            self.nonempty[free_pools / 64] |= 1 << (free_pools % 64);
        }
        self.heads[free_pools] = arena as u32;
    }

    fn unlink(&mut self, arena: usize) {
        let Place { bucket, prev, next } = self.places[arena];
        if bucket == 0 {
            return;
        }
        let bucket = bucket as usize;
        match prev {
            NONE => self.heads[bucket] = next,
            p => self.places[p as usize].next = next,
        }
        match next {
            NONE => self.tails[bucket] = prev,
            n => self.places[n as usize].prev = prev,
        }
        if self.heads[bucket] == NONE {
            self.nonempty[bucket / 64] &= !(1 << (bucket % 64));
        }
        self.places[arena] = UNLISTED;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The listed arenas in the order `first` would give them, with their buckets.
    fn order(u: &UsableArenas) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for bucket in 1..u.heads.len() {
            let mut a = u.heads[bucket];
            while a != NONE {
                out.push((bucket, a as usize));
                a = u.places[a as usize].next;
            }
        }
        out
    }

    #[test]
    fn fewest_free_pools_first_then_most_recently_touched() {
        let mut u = UsableArenas::new(64);
        assert_eq!(u.first(), None);
        u.set(0, 64);
        u.set(1, 64);
        u.set(2, 10);
        assert_eq!(u.first(), Some(2));
        u.set(3, 10);
        assert_eq!(order(&u), vec![(10, 3), (10, 2), (64, 1), (64, 0)]);
        assert_eq!(u.oldest_with(64), Some(0));
        assert_eq!(u.oldest_with(10), Some(2));
        u.set(3, 0);
        u.set(2, 0);
        assert_eq!(u.first(), Some(1));
        u.set(0, 63);
        assert_eq!(order(&u), vec![(63, 0), (64, 1)]);
        u.set(1, 0);
        u.set(0, 0);
        assert_eq!(u.first(), None);
        assert_eq!(u.oldest_with(64), None);
        assert!(u.nonempty.iter().all(|&w| w == 0));
    }

    #[test]
    fn buckets_past_the_first_bitmap_word() {
        let mut u = UsableArenas::new(256);
        u.set(5, 200);
        u.set(7, 130);
        assert_eq!(u.first(), Some(7));
        u.set(7, 256);
        assert_eq!(u.first(), Some(5));
        assert_eq!(u.oldest_with(256), Some(7));
        u.set(5, 0);
        assert_eq!(u.first(), Some(7));
    }
}
