//! Trial deletion over the possible roots: MarkRoots (MarkGray), ScanRoots (Scan,
//! ScanBlack) and the gathering of CollectWhite, each with an explicit work list.

use gc_core::layout::{fields_of, fields_offset};
use gc_core::{Heap, ObjRef};

use super::roots::HEADER_WORDS;
use super::roots::{colour, with_colour, BLACK, BUFFERED, COUNT, GARBAGE, GRAY, PURPLE, WHITE};
use crate::SATURATED;

/// The referents of `obj`, appended to `out`.
#[inline]
fn referents(heap: &Heap, obj: ObjRef, out: &mut Vec<ObjRef>) {
    let w = heap.words(obj);
    let at = fields_offset(HEADER_WORDS);
    let n = fields_of(w[0]);
    out.extend(
        w[at..at + n]
            .iter()
            .filter_map(|&raw| ObjRef::from_raw(raw)),
    );
}

/// Adds `delta` (+1 or -1) to `obj`'s count, unless it is saturated (immortal).
#[inline]
fn adjust(heap: &mut Heap, obj: ObjRef, delta: i32) {
    let c = &mut heap.words_mut(obj)[COUNT];
    if *c != SATURATED {
        *c = c.wrapping_add_signed(delta);
    }
}

/// Sets `obj`'s colour; returns the colour it had.
#[inline]
fn recolour(heap: &mut Heap, obj: ObjRef, c: u32) -> u32 {
    let w = heap.words_mut(obj);
    let was = colour(w[0]);
    w[0] = with_colour(w[0], c);
    was
}

/// MarkRoots: the roots leave the buffer (their buffered bits are cleared); purple ones are
/// marked gray, the rest (incremented since, or grayed from an earlier root) are dropped
/// from `roots`. Returns the objects marked gray (each had its fields read once).
pub fn mark_roots(heap: &mut Heap, roots: &mut Vec<ObjRef>, stack: &mut Vec<ObjRef>) -> u64 {
    for &r in roots.iter() {
        heap.words_mut(r)[0] &= !BUFFERED;
    }
    let mut marked = 0;
    let mut kept = 0;
    let mut children = Vec::new();
    for i in 0..roots.len() {
        let r = roots[i];
        if colour(heap.words(r)[0]) == PURPLE {
            marked += mark_gray(heap, r, stack, &mut children);
            roots[kept] = r;
            kept += 1;
        }
    }
    roots.truncate(kept);
    marked
}

/// MarkGray: `root` and everything it reaches turn gray, and every reference from a gray
/// object is subtracted from its referent's count (trial deletion).
fn mark_gray(
    heap: &mut Heap,
    root: ObjRef,
    stack: &mut Vec<ObjRef>,
    children: &mut Vec<ObjRef>,
) -> u64 {
    recolour(heap, root, GRAY);
    stack.push(root);
    let mut marked = 0;
    while let Some(obj) = stack.pop() {
        marked += 1;
        children.clear();
        referents(heap, obj, children);
        for &child in children.iter() {
            adjust(heap, child, -1);
            if recolour(heap, child, GRAY) != GRAY {
                stack.push(child);
            }
        }
    }
    marked
}

/// ScanRoots: from each root, a gray object with a count left over is referred to from
/// outside the gray set and turns black with all it reaches (ScanBlack); one at zero turns
/// white and its referents are scanned in turn.
pub fn scan_roots(heap: &mut Heap, roots: &[ObjRef], stack: &mut Vec<ObjRef>) {
    let mut blacken = Vec::new();
    let mut children = Vec::new();
    for &root in roots {
        stack.push(root);
        while let Some(obj) = stack.pop() {
            if colour(heap.words(obj)[0]) != GRAY {
                continue;
            }
            if heap.words(obj)[COUNT] > 0 {
                scan_black(heap, obj, &mut blacken, &mut children);
            } else {
                recolour(heap, obj, WHITE);
                children.clear();
                referents(heap, obj, &mut children);
                stack.extend(children.iter().copied());
            }
        }
    }
}

/// ScanBlack: `obj` and every non-black object it reaches turn black, and each of their
/// references is counted again.
fn scan_black(heap: &mut Heap, obj: ObjRef, stack: &mut Vec<ObjRef>, children: &mut Vec<ObjRef>) {
    recolour(heap, obj, BLACK);
    stack.push(obj);
    while let Some(obj) = stack.pop() {
        children.clear();
        referents(heap, obj, children);
        for &child in children.iter() {
            adjust(heap, child, 1);
            if recolour(heap, child, BLACK) != BLACK {
                stack.push(child);
            }
        }
    }
}

/// Restores the references of objects that turn out not to be garbage after all (a
/// resurrection kept them, or `DEBUG_SAVEALL` keeps them): each referent counts them again.
pub fn recount_references(heap: &mut Heap, objs: &[ObjRef]) {
    let mut children = Vec::new();
    for &obj in objs {
        children.clear();
        referents(heap, obj, &mut children);
        for &child in &children {
            adjust(heap, child, 1);
        }
    }
}

/// CollectWhite's gathering: the white objects reachable from the roots through white
/// objects, appended to `garbage` in the order reached, each turned black and marked
/// [`GARBAGE`]. Their references to one another and to black objects were subtracted by
/// MarkGray and stay so: a white object is referred to only by white objects, and each
/// black referent keeps a count above zero.
pub fn gather_white(
    heap: &mut Heap,
    roots: &[ObjRef],
    garbage: &mut Vec<ObjRef>,
    stack: &mut Vec<ObjRef>,
) {
    let mut children = Vec::new();
    for &root in roots {
        stack.push(root);
        while let Some(obj) = stack.pop() {
            let w = heap.words_mut(obj);
            if colour(w[0]) != WHITE {
                continue;
            }
            w[0] = with_colour(w[0], BLACK) | GARBAGE;
            garbage.push(obj);
            children.clear();
            referents(heap, obj, &mut children);
            // Reversed, so the first field's object is reached first.
            stack.extend(children.iter().rev().copied());
        }
    }
}
