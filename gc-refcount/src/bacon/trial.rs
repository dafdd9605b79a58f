//! Trial deletion over the possible roots: MarkRoots (MarkGray), then ScanRoots (Scan,
//! ScanBlack), whose walk also gathers CollectWhite's garbage, each with an explicit work
//! list.
//!
//! Each pass reads an object's words through one raw view ([`Heap::with_head_mut`]): its
//! colour, count and first fields in the same look-up. A referent reached by MarkGray or
//! ScanBlack is looked up once, for its count and colour; when that look-up is the one
//! that colours it, its field count and first two fields are copied out with it onto the
//! work list, so popping it reads nothing more (its fields cannot change while the pass
//! runs). Only objects with more than two fields are read again.

use gc_core::layout::{fields_of, fields_offset};
use gc_core::{Heap, ObjRef, NULL};

use super::roots::HEADER_WORDS;
use super::roots::{colour, with_colour, BLACK, BUFFERED, COUNT, GARBAGE, GRAY, PURPLE, WHITE};
use crate::SATURATED;

/// Absolute word of the first reference field.
const FIELDS: usize = fields_offset(HEADER_WORDS);

/// What a pass needs of an object besides its header: its field count and its first two
/// fields (most objects have at most two), read in the look-up that tests its header.
#[derive(Clone, Copy, Debug)]
pub struct Head {
    fields: u32,
    first: u32,
    second: u32,
}

/// The [`Head`] of the object whose words start `w` (a [`Heap::with_head_mut`] view).
#[inline(always)]
fn head_of(w: &[u32]) -> Head {
    let field = |i: usize| w.get(FIELDS + i).copied().unwrap_or(NULL);
    Head {
        fields: fields_of(w[0]) as u32,
        first: field(0),
        second: field(1),
    }
}

/// Calls `f` with each non-null referent of `obj` (whose [`Head`] is `head`), in field
/// order. `f` may change other objects' headers: the fields are copied out first.
#[inline(always)]
fn for_each_child(heap: &mut Heap, obj: ObjRef, head: Head, mut f: impl FnMut(&mut Heap, ObjRef)) {
    let n = head.fields as usize;
    if n > 2 {
        for_each_child_of_many(heap, obj, n, &mut f);
        return;
    }
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
}

/// [`for_each_child`] for an object with more than two fields, out of line so the common
/// case stays small: fields are copied out eight at a time.
#[inline(never)]
fn for_each_child_of_many(
    heap: &mut Heap,
    obj: ObjRef,
    n: usize,
    f: &mut impl FnMut(&mut Heap, ObjRef),
) {
    const BATCH: usize = 8;
    let mut start = 0;
    while start < n {
        let k = (n - start).min(BATCH);
        let mut batch = [NULL; BATCH];
        batch[..k].copy_from_slice(&heap.words(obj)[FIELDS + start..FIELDS + start + k]);
        for &raw in &batch[..k] {
            if let Some(child) = ObjRef::from_raw(raw) {
                f(heap, child);
            }
        }
        start += k;
    }
}

/// Pushes the non-null referents of `obj` (whose [`Head`] is `head`) onto `stack`, last
/// field first, so the first field's object is popped first.
#[inline(always)]
fn push_children_reversed(heap: &Heap, obj: ObjRef, head: Head, stack: &mut Vec<ObjRef>) {
    let n = head.fields as usize;
    if n > 2 {
        let fields = &heap.words(obj)[FIELDS..FIELDS + n];
        stack.extend(fields.iter().rev().filter_map(|&raw| ObjRef::from_raw(raw)));
        return;
    }
    if n == 2 {
        if let Some(child) = ObjRef::from_raw(head.second) {
            stack.push(child);
        }
    }
    if n >= 1 {
        if let Some(child) = ObjRef::from_raw(head.first) {
            stack.push(child);
        }
    }
}

/// A work list (a stack) whose top entry is kept in a local rather than in the vector, for
/// MarkGray and ScanBlack: an object with one referent still to colour (a pair's other
/// half, a list's next node) is visited next at no vector push or pop. The order is a
/// plain stack's. Scan keeps a plain vector: it pushes every referent of a white object,
/// coloured or not, so a local top saves little there and costs its tests.
struct WorkList<'a, T> {
    top: Option<T>,
    rest: &'a mut Vec<T>,
}

impl<'a, T> WorkList<'a, T> {
    /// A work list holding `first`, over `rest` (empty).
    #[inline(always)]
    fn new(first: T, rest: &'a mut Vec<T>) -> Self {
        WorkList {
            top: Some(first),
            rest,
        }
    }

    #[inline(always)]
    fn push(&mut self, entry: T) {
        if let Some(below) = self.top.replace(entry) {
            self.rest.push(below);
        }
    }

    #[inline(always)]
    fn pop(&mut self) -> Option<T> {
        self.top.take().or_else(|| self.rest.pop())
    }
}

/// Adds `delta` (+1 or -1) to the count in `w`, unless it is saturated (immortal).
#[inline(always)]
fn adjust(w: &mut [u32], delta: i32) {
    let c = &mut w[COUNT];
    if *c != SATURATED {
        *c = c.wrapping_add_signed(delta);
    }
}

/// MarkRoots: the roots leave the buffer (their buffered bits are cleared); purple ones are
/// marked gray, the rest (incremented since, or grayed from an earlier root) are dropped
/// from `roots`. Returns the objects marked gray (each had its fields read once).
pub fn mark_roots(
    heap: &mut Heap,
    roots: &mut Vec<ObjRef>,
    stack: &mut Vec<(ObjRef, Head)>,
) -> u64 {
    let mut marked = 0;
    let mut kept = 0;
    for i in 0..roots.len() {
        let r = roots[i];
        // A root grayed by an earlier root's MarkGray is no longer purple: only the
        // buffered bit is cleared, as for every root.
        let head = heap.with_head_mut(r, |w| {
            let s = w[0] & !BUFFERED;
            if colour(s) == PURPLE {
                w[0] = with_colour(s, GRAY);
                Some(head_of(w))
            } else {
                w[0] = s;
                None
            }
        });
        if let Some(head) = head {
            marked += mark_gray(heap, r, head, stack);
            roots[kept] = r;
            kept += 1;
        }
    }
    roots.truncate(kept);
    marked
}

/// MarkGray: `root` (gray already, its head read) and everything it reaches turn gray, and
/// every reference from a gray object is subtracted from its referent's count (trial
/// deletion).
fn mark_gray(heap: &mut Heap, root: ObjRef, head: Head, stack: &mut Vec<(ObjRef, Head)>) -> u64 {
    let mut stack = WorkList::new((root, head), stack);
    let mut marked = 0;
    while let Some((obj, head)) = stack.pop() {
        marked += 1;
        for_each_child(heap, obj, head, |heap, child| {
            let grayed = heap.with_head_mut(child, |w| {
                adjust(w, -1);
                if colour(w[0]) == GRAY {
                    return None;
                }
                w[0] = with_colour(w[0], GRAY);
                Some(head_of(w))
            });
            if let Some(head) = grayed {
                stack.push((child, head));
            }
        });
    }
    marked
}

/// What [`scan_roots`] found besides the white objects.
#[derive(Clone, Copy, Debug)]
pub struct Scanned {
    /// Objects Scan turned white that a later ScanBlack turned black again.
    pub reblackened: usize,
    /// The union of the white objects' shape words (whose flags tell whether any has a
    /// weak reference or a finalizer).
    pub shape_union: u32,
}

/// ScanRoots: from each root, a gray object with a count left over is referred to from
/// outside the gray set and turns black with all it reaches (ScanBlack); one at zero turns
/// white, is appended to `white`, and its referents are scanned in turn, first field
/// first.
///
/// This walk is also CollectWhite's gathering. The garbage is what stays white, in the
/// order the gathering would reach it from the roots through white objects: black is
/// closed under reachability (ScanBlack blackens all a black object reaches), so an object
/// turned white and later black reaches only objects that end black, and what this walk
/// pushes while passing through it is popped before the entries beneath it and never names
/// garbage. The walk's entries for garbage are then the gathering's, in the same order,
/// and the garbage is `white` without the objects turned black again (none, unless
/// [`Scanned::reblackened`] says so: [`keep_white`] removes them).
pub fn scan_roots(
    heap: &mut Heap,
    roots: &[ObjRef],
    stack: &mut Vec<ObjRef>,
    blacken: &mut Vec<(ObjRef, Head)>,
    white: &mut Vec<ObjRef>,
) -> Scanned {
    let mut scanned = Scanned {
        reblackened: 0,
        shape_union: 0,
    };
    for &root in roots {
        stack.push(root);
        while let Some(obj) = stack.pop() {
            // One look-up: the colour and count test, the recolouring and the fields.
            let found = heap.with_head_mut(obj, |w| {
                if colour(w[0]) != GRAY {
                    return None;
                }
                let live = w[COUNT] > 0;
                w[0] = with_colour(w[0], if live { BLACK } else { WHITE });
                Some((live, w[0], head_of(w)))
            });
            match found {
                None => {}
                Some((true, _, head)) => {
                    scanned.reblackened += scan_black(heap, obj, head, blacken);
                }
                Some((false, shape_word, head)) => {
                    scanned.shape_union |= shape_word;
                    white.push(obj);
                    push_children_reversed(heap, obj, head, stack);
                }
            }
        }
    }
    scanned
}

/// ScanBlack: `obj` (black already, its head read) and every non-black object it reaches
/// turn black, and each of their references is counted again. Returns how many of them
/// were white.
fn scan_black(heap: &mut Heap, obj: ObjRef, head: Head, stack: &mut Vec<(ObjRef, Head)>) -> usize {
    let mut reblackened = 0;
    let mut stack = WorkList::new((obj, head), stack);
    while let Some((obj, head)) = stack.pop() {
        for_each_child(heap, obj, head, |heap, child| {
            let blackened = heap.with_head_mut(child, |w| {
                adjust(w, 1);
                match colour(w[0]) {
                    BLACK => return None,
                    WHITE => reblackened += 1,
                    _ => {}
                }
                w[0] = with_colour(w[0], BLACK);
                Some(head_of(w))
            });
            if let Some(head) = blackened {
                stack.push((child, head));
            }
        });
    }
    reblackened
}

/// Restores the references of objects that turn out not to be garbage after all (a
/// resurrection kept them, or `DEBUG_SAVEALL` keeps them): each referent counts them again.
pub fn recount_references(heap: &mut Heap, objs: &[ObjRef]) {
    for &obj in objs {
        let head = heap.with_head(obj, head_of);
        for_each_child(heap, obj, head, |heap, child| {
            heap.with_head_mut(child, |w| adjust(w, 1))
        });
    }
}

/// CollectWhite's gathering, from the objects [`scan_roots`] turned white, in its order:
/// those still white stay in `white`, the garbage, each turned black and marked
/// [`GARBAGE`]; the others (turned black again) leave it. The garbage's references to one
/// another and to black objects were subtracted by MarkGray and stay so: a white object is
/// referred to only by white objects, and each black referent keeps a count above zero.
pub fn keep_white(heap: &mut Heap, white: &mut Vec<ObjRef>) {
    white.retain(|&obj| {
        heap.with_head_mut(obj, |w| {
            let white = colour(w[0]) == WHITE;
            if white {
                w[0] = with_colour(w[0], BLACK) | GARBAGE;
            }
            white
        })
    });
}
