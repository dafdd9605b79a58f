//! Generation lists linked through the header, and the hook that unlinks freed objects.
//!
//! Each list is doubly linked through the prev/next header words. Instead of sentinel
//! objects (which the shared heap cannot hold), the first object's prev and the last
//! object's next hold a boundary mark naming the list, so unlinking an object never needs
//! to know which list it is in, and merging two lists is O(1), as in CPython.

use gc_core::{Heap, ObjRef, NULL};
use gc_refcount::CountHooks;

use crate::header::{self, COUNT_HEADER, FROZEN, HEADER_WORDS, NEXT, PREV, UNREACHABLE, UNTRACKED};

/// A list of tracked objects: the three generations and the permanent one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Generation {
    /// Generation 0: where new objects start.
    Young,
    /// Generation 1.
    Middle,
    /// Generation 2, the oldest.
    Old,
    /// The permanent generation `gc.freeze()` fills; never collected.
    Permanent,
}

impl Generation {
    /// The list for generation number `g` (0..=2).
    pub fn of(g: usize) -> Generation {
        [Generation::Young, Generation::Middle, Generation::Old][g.min(2)]
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// Boundary marks are the top 16 raw values; no object reference reaches them (that would
/// take over two billion large objects).
const MARK_BASE: u32 = 0xFFFF_FFF0;

#[inline]
fn mark(list: usize) -> u32 {
    MARK_BASE + list as u32
}

#[inline]
fn mark_list(link: u32) -> Option<usize> {
    (link >= MARK_BASE).then(|| (link - MARK_BASE) as usize)
}

/// The generation lists and the allocation counts, which frees also update.
#[derive(Debug)]
pub struct Lists {
    head: [u32; 4],
    tail: [u32; 4],
    /// `gc.get_count()`: count 0 is tracked allocations minus tracked frees since the last
    /// collection; counts 1 and 2 are collections of the next younger generation.
    pub(crate) count: [u64; 3],
    /// Objects in each list (a freed object's state names its list, so its list's length
    /// is kept without a walk).
    len: [u64; 4],
    /// Objects freed while found unreachable by the running collection (so the collection
    /// knows whether anything it found survived the clearing).
    pub(crate) unreachable_freed: u64,
}

impl Default for Lists {
    fn default() -> Self {
        Lists {
            head: [NULL; 4],
            tail: [NULL; 4],
            count: [0; 3],
            len: [0; 4],
            unreachable_freed: 0,
        }
    }
}

impl Lists {
    /// Appends `obj` (not in any list) to `list`.
    #[inline]
    pub(crate) fn append(&mut self, heap: &mut Heap, list: Generation, obj: ObjRef) {
        let l = list.index();
        let tail = self.tail[l];
        {
            let w = heap.words_mut(obj);
            w[0] = header::with_state(w[0], header::linked(l));
            w[PREV] = if tail == NULL { mark(l) } else { tail };
            w[NEXT] = mark(l);
        }
        if tail == NULL {
            self.head[l] = obj.raw();
        } else {
            heap.words_mut(ObjRef::from_raw(tail).expect("tail"))[NEXT] = obj.raw();
        }
        self.tail[l] = obj.raw();
        self.len[l] += 1;
    }

    /// Appends every object of `from` to the end of `to`, leaving `from` empty (O(1)).
    ///
    /// The moved objects keep the state that names `from`: a collection merges the younger
    /// generations into the one it collects and then takes that list (every member then
    /// gets its state from the walk), and `freeze`/`unfreeze` restate before merging. Any
    /// other caller must restate too.
    pub(crate) fn merge(&mut self, heap: &mut Heap, from: Generation, to: Generation) {
        let (f, t) = (from.index(), to.index());
        if f == t || self.head[f] == NULL {
            return;
        }
        let (first, last) = (self.head[f], self.tail[f]);
        let first_ref = ObjRef::from_raw(first).expect("head");
        if self.tail[t] == NULL {
            self.head[t] = first;
            heap.words_mut(first_ref)[PREV] = mark(t);
        } else {
            let old_tail = self.tail[t];
            heap.words_mut(ObjRef::from_raw(old_tail).expect("tail"))[NEXT] = first;
            heap.words_mut(first_ref)[PREV] = old_tail;
        }
        heap.words_mut(ObjRef::from_raw(last).expect("tail"))[NEXT] = mark(t);
        self.tail[t] = last;
        self.head[f] = NULL;
        self.tail[f] = NULL;
        self.len[t] += std::mem::take(&mut self.len[f]);
    }

    /// The first object of `list`.
    pub(crate) fn first(&self, list: Generation) -> Option<ObjRef> {
        ObjRef::from_raw(self.head[list.index()])
    }

    /// Detaches every object of `list` (the caller relinks or re-states each one) and
    /// returns its first object.
    pub(crate) fn take(&mut self, list: Generation) -> Option<ObjRef> {
        let l = list.index();
        let head = self.head[l];
        self.head[l] = NULL;
        self.tail[l] = NULL;
        self.len[l] = 0;
        ObjRef::from_raw(head)
    }

    /// Moves `obj` from the list its state names to the end of `list` (CPython's
    /// `gc_list_move`), restating it.
    pub(crate) fn move_to(&mut self, heap: &mut Heap, obj: ObjRef, list: Generation) {
        let s = header::state(heap.words(obj)[0]);
        debug_assert!(header::is_linked(s), "only a listed object moves");
        self.unlink(heap, obj);
        self.len[(s - header::LINKED_YOUNG) as usize] -= 1;
        self.append(heap, list, obj);
    }

    /// Unlinks `obj` from whichever list holds it.
    #[inline]
    fn unlink(&mut self, heap: &mut Heap, obj: ObjRef) {
        let (prev, next) = {
            let w = heap.words(obj);
            (w[PREV], w[NEXT])
        };
        match mark_list(prev) {
            Some(l) => {
                self.head[l] = if mark_list(next).is_some() {
                    NULL
                } else {
                    next
                }
            }
            None => heap.words_mut(ObjRef::from_raw(prev).expect("prev"))[NEXT] = next,
        }
        match mark_list(next) {
            Some(l) => {
                self.tail[l] = if mark_list(prev).is_some() {
                    NULL
                } else {
                    prev
                }
            }
            None => heap.words_mut(ObjRef::from_raw(next).expect("next"))[PREV] = prev,
        }
    }

    /// Calls `f` with each object of `list`, first to last.
    pub(crate) fn for_each(&self, heap: &Heap, list: Generation, mut f: impl FnMut(ObjRef)) {
        let mut at = self.head[list.index()];
        while let Some(obj) = ObjRef::from_raw(at).filter(|_| mark_list(at).is_none()) {
            f(obj);
            at = heap.words(obj)[NEXT];
        }
    }

    /// Sets the state of every object of `list` to `state`.
    fn restate(&mut self, heap: &mut Heap, list: Generation, state: u32) {
        let mut at = self.head[list.index()];
        while let Some(obj) = ObjRef::from_raw(at).filter(|_| mark_list(at).is_none()) {
            let w = heap.words_mut(obj);
            w[0] = header::with_state(w[0], state);
            at = w[NEXT];
        }
    }

    /// Objects in `list`.
    pub(crate) fn len(&self, list: Generation) -> u64 {
        self.len[list.index()]
    }

    /// `gc.freeze()`: moves generations 0, 1 and 2, in that order, into the permanent one.
    pub(crate) fn freeze(&mut self, heap: &mut Heap) {
        for g in 0..3 {
            let list = Generation::of(g);
            self.restate(heap, list, FROZEN);
            self.merge(heap, list, Generation::Permanent);
        }
    }

    /// `gc.unfreeze()`: moves the permanent generation to the end of the oldest.
    pub(crate) fn unfreeze(&mut self, heap: &mut Heap) {
        self.restate(
            heap,
            Generation::Permanent,
            header::linked(Generation::Old.index()),
        );
        self.merge(heap, Generation::Permanent, Generation::Old);
    }

    /// `gc.get_freeze_count()`.
    pub(crate) fn frozen(&self) -> u64 {
        self.len(Generation::Permanent)
    }

    /// Relinks `objs` (detached, in order) at the end of `list`. Writes each object's links
    /// once, in order, so it streams through memory when `objs` is in address order.
    pub(crate) fn append_all(&mut self, heap: &mut Heap, list: Generation, objs: &[ObjRef]) {
        let (Some(&first), Some(&last)) = (objs.first(), objs.last()) else {
            return;
        };
        let l = list.index();
        let tail = self.tail[l];
        if tail == NULL {
            self.head[l] = first.raw();
        } else {
            heap.words_mut(ObjRef::from_raw(tail).expect("tail"))[NEXT] = first.raw();
        }
        // Each object's neighbours are known from the slice: one look-up per object.
        let mut prev = if tail == NULL { mark(l) } else { tail };
        let state = header::linked(l);
        for (i, &obj) in objs.iter().enumerate() {
            let next = objs.get(i + 1).map_or(mark(l), |n| n.raw());
            heap.with_head_mut(obj, |w| {
                w[0] = header::with_state(w[0], state);
                w[PREV] = prev;
                w[NEXT] = next;
            });
            prev = obj.raw();
        }
        self.tail[l] = last.raw();
        self.len[l] += objs.len() as u64;
    }
}

impl Lists {
    /// The part of [`CountHooks::on_free`] for an object still in a list, out of line so
    /// the hook inlines into the counting engine's freeing loop.
    #[inline(never)]
    fn unlink_freed(&mut self, heap: &mut Heap, obj: ObjRef, state: u32) {
        self.unlink(heap, obj);
        self.len[(state - header::LINKED_YOUNG) as usize] -= 1;
    }
}

impl Lists {
    /// `k` objects the running collection found unreachable were freed: counted as
    /// [`CountHooks::on_free`] counts each (against count 0, as `PyObject_GC_Del` does).
    pub(crate) fn unreachable_freed_now(&mut self, k: u64) {
        self.unreachable_freed += k;
        self.count[0] = self.count[0].saturating_sub(k);
    }
}

impl CountHooks for Lists {
    const COUNT_WORD: usize = COUNT_HEADER;
    const HEADER_WORDS: usize = HEADER_WORDS;

    /// A tracked object is dying: unlink it from its generation (objects the running
    /// collection found unreachable are in no list) and count the free against count 0,
    /// as CPython's `PyObject_GC_Del` does.
    #[inline(always)]
    fn on_free(&mut self, heap: &mut Heap, obj: ObjRef, shape_word: u32) {
        let s = header::state(shape_word);
        if s == UNTRACKED {
            return;
        }
        if s == UNREACHABLE {
            self.unreachable_freed += 1;
        } else if header::is_linked(s) {
            self.unlink_freed(heap, obj, s);
        }
        self.count[0] = self.count[0].saturating_sub(1);
    }
}
