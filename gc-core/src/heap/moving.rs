//! Moving objects: a collector may relocate objects to other cells, and the heap rewrites
//! every reference to them in one pass it is asked for. The only moving operation is
//! [`Heap::evacuate`]: the collector chooses arenas (from [`Heap::arena_occupancy`]) and the
//! heap copies every object in them into cells of other arenas, rewrites the references, and
//! releases the emptied arenas. References live only where the heap can see them (root
//! slots, `gc.garbage`, object fields, the weak-reference and finalizer tables, the identity
//! table, queued notices), never in the mutator's own variables, so nothing is missed.

use super::*;

/// What one [`Heap::evacuate`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Evacuation {
    /// Objects copied into other cells.
    pub moved: u64,
    /// Arenas emptied and released.
    pub arenas_released: u64,
}

/// One arena's use, as [`Heap::arena_occupancy`] reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArenaUse {
    /// The arena's index.
    pub arena: usize,
    /// Bytes in its allocated cells.
    pub live_bytes: usize,
}

impl Heap {
    /// Every live arena with the bytes in its allocated cells, in arena order; the arena
    /// size is [`crate::Geometry::arena_bytes`] ([`Heap::geometry`]).
    pub fn arena_occupancy(&self) -> Vec<ArenaUse> {
        self.space
            .arena_live_bytes()
            .into_iter()
            .map(|(arena, live_bytes)| ArenaUse { arena, live_bytes })
            .collect()
    }

    /// The pool allocator's geometry.
    pub fn geometry(&self) -> &crate::Geometry {
        self.space.geometry()
    }

    /// Moves every object out of the small-object arenas `arenas` into cells of their size
    /// class in other arenas (partly used pools first, then fresh pools of the most used
    /// arenas, then new arenas), rewrites every reference to a moved object (root slots,
    /// `gc.garbage`, every object's fields, the weak-reference table, finalizers, the
    /// identity table, queued notices), and releases the emptied arenas. Object words move
    /// verbatim, collector header words included: a collector that keeps references or
    /// per-object state of its own (a side mark bitmap, list links in header words) must
    /// forget or rewrite it. Counts of allocation, bytes in use and objects in use do not
    /// change; [`crate::AllocStats::objects_moved`] counts the moves. A collector that calls
    /// this promises [`crate::Capabilities::moves_objects`], and calls it inside a
    /// collection pause, when no reference is held anywhere but where the heap can see it.
    /// Arenas that are not live are ignored; nothing moves if the references could run out
    /// of arenas to address.
    pub fn evacuate(&mut self, arenas: &[usize]) -> Evacuation {
        let Some(moved) = self.space.begin_evacuation(arenas) else {
            return Evacuation::default();
        };
        self.space.rewrite_fields(self.fields_at);
        let space = &self.space;
        let forward = |r: ObjRef| ObjRef(space.forwarded(r.0));
        for slot in &mut self.slots {
            *slot = space.forwarded(*slot);
        }
        for r in &mut self.garbage {
            *r = forward(*r);
        }
        self.weak.forward(forward);
        if !self.finalizers.is_empty() {
            self.finalizers = self
                .finalizers
                .drain()
                .map(|(r, f)| (forward(r), f))
                .collect();
        }
        self.identities.forward(forward);
        for r in &mut self.pinned {
            *r = forward(*r);
        }
        // A notice may name an object that died after it was queued (a finalizer ran, then
        // the object was freed): only moved objects are rewritten there.
        let forward_if_moved = |r: ObjRef| ObjRef(space.forwarded_if_moved(r.0));
        for notice in &mut self.notices {
            match notice {
                Notice::Finalized { obj, .. } => *obj = forward_if_moved(*obj),
                Notice::WeakCallback { weak, .. } => *weak = forward_if_moved(*weak),
            }
        }
        let arenas_released = self.space.end_evacuation();
        Evacuation {
            moved,
            arenas_released,
        }
    }

    /// The small-object arenas whose allocated cells fill less than `threshold` (a fraction)
    /// of them, sparsest first: the candidates of an Immix-style opportunistic evacuation.
    /// Empty when evacuating them would not free an arena: when their survivors need as
    /// many arenas as they occupy.
    pub fn sparse_arenas(&self, threshold: f64) -> Vec<usize> {
        let arena_bytes = self.geometry().arena_bytes;
        let mut sparse: Vec<ArenaUse> = self
            .arena_occupancy()
            .into_iter()
            .filter(|u| (u.live_bytes as f64) < threshold * arena_bytes as f64)
            .collect();
        sparse.sort_by_key(|u| (u.live_bytes, u.arena));
        let live: usize = sparse.iter().map(|u| u.live_bytes).sum();
        // Survivors need at least their bytes in arenas, and a pool per class more at
        // worst: moving pays only if that leaves an arena over.
        let classes = self.geometry().size_classes() * self.geometry().pool_bytes;
        if (live + classes).div_ceil(arena_bytes) >= sparse.len() {
            return Vec::new();
        }
        sparse.into_iter().map(|u| u.arena).collect()
    }
}
