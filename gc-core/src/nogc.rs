//! NoGC: allocate, never free. The smallest collector, and the lower bound on cost.

use crate::{Capabilities, CollectOutcome, Collector, GcModule, GcResult, Heap, Reclaims};

/// A collector that never collects. Its run time is the mutator's own cost plus allocation,
/// which is the baseline lower-bound overhead (LBO) is measured against; it runs out of heap
/// as soon as a workload's total allocation exceeds the limit.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoGc;

impl Collector for NoGc {
    fn name(&self) -> &'static str {
        "nogc"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reclaims: Reclaims::Nothing,
            generations: 0,
            moves_objects: false,
            reference_counting: false,
            prompt: false,
            auto_collects: false,
            save_all: false,
        }
    }

    fn collect(&mut self, _heap: &mut Heap, _generation: Option<u8>) -> GcResult<CollectOutcome> {
        Ok(CollectOutcome::default())
    }
}

/// Nothing is tracked: NoGC never looks at an object.
impl GcModule for NoGc {
    fn is_tracked(&self, _heap: &Heap, _obj: crate::ObjRef) -> bool {
        false
    }
}
