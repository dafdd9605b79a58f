//! The counting engine reused through its hooks: every release that leaves a count above
//! zero is reported (Bacon and Rajan's possible roots), the engine's own included.

use gc_core::{
    Capabilities, CollectOutcome, Collector, Finalizer, GcModule, GcResult, Heap, HeapConfig,
    Mutator, ObjRef, Reclaims, Runtime, Shape,
};
use gc_refcount::{CountHooks, Counting};

/// Hooks that record what they are told.
#[derive(Debug, Default)]
struct Recording {
    possible_roots: Vec<ObjRef>,
    increments: u64,
}

impl CountHooks for Recording {
    const COUNT_WORD: usize = 0;
    const HEADER_WORDS: usize = 1;

    fn on_decrement_to_nonzero(&mut self, _heap: &mut Heap, obj: ObjRef) {
        self.possible_roots.push(obj);
    }

    fn on_increment(&mut self, _heap: &mut Heap, _obj: ObjRef) {
        self.increments += 1;
    }
}

/// Plain counting on the engine, with recording hooks.
#[derive(Debug, Default)]
struct Recorder {
    counting: Counting<Recording>,
}

impl Collector for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reclaims: Reclaims::AcyclicOnly,
            generations: 0,
            moves_objects: false,
            reference_counting: true,
            prompt: true,
            auto_collects: false,
            save_all: false,
        }
    }

    const HEADER_WORDS: usize = 1;
    const BORN_COUNT_WORD: Option<usize> = Some(0);

    fn retain(&mut self, heap: &mut Heap, obj: ObjRef) {
        self.counting.retain(heap, obj)
    }

    fn release(&mut self, heap: &mut Heap, obj: ObjRef) {
        self.counting.release(heap, obj)
    }

    fn collect(&mut self, _heap: &mut Heap, _generation: Option<u8>) -> GcResult<CollectOutcome> {
        Ok(CollectOutcome::default())
    }

    fn refcount(&self, heap: &Heap, obj: ObjRef) -> Option<u32> {
        Some(self.counting.count(heap, obj))
    }
}

impl GcModule for Recorder {}

gc_core::conformance_tests!(Recorder::default);

#[test]
fn every_decrement_to_nonzero_is_a_possible_root() {
    let mut m = Runtime::new(HeapConfig::verified(), Recorder::default()).unwrap();
    m.reserve_slots(8).unwrap();
    let shape = Shape::new(1, 8);
    // A slot's copy dropped: a's count 2 -> 1.
    m.alloc(0, shape).unwrap();
    let a = m.slot_ref(0).unwrap().unwrap();
    m.copy(1, 0).unwrap();
    m.clear(1).unwrap();
    // A field's target dropped from its slot: b's count 2 -> 1.
    m.alloc(2, shape).unwrap();
    let b = m.slot_ref(2).unwrap().unwrap();
    m.store(0, 0, Some(2)).unwrap();
    m.clear(2).unwrap();
    // A finalizer resurrects c into slot 4, overwriting d, which slot 5 also holds: the
    // engine's own release of d (2 -> 1) is reported too.
    m.alloc(4, shape).unwrap();
    let d = m.slot_ref(4).unwrap().unwrap();
    m.copy(5, 4).unwrap();
    m.alloc(3, shape).unwrap();
    m.set_finalizer(3, Finalizer::resurrect(9, 4)).unwrap();
    let c = m.slot_ref(3).unwrap().unwrap();
    m.clear(3).unwrap();
    assert_eq!(
        m.slot_ref(4).unwrap(),
        Some(c),
        "c was resurrected into slot 4"
    );
    // A release to zero is not a possible root: the last reference to a, its field's b.
    m.clear(0).unwrap();
    let hooks = m.collector().counting.hooks();
    assert_eq!(hooks.possible_roots, vec![a, b, d]);
    // copy(1, 0), store(0.f0 <- b), copy(5, 4) and the resurrection's store of c.
    assert_eq!(hooks.increments, 4);
}
