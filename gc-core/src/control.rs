//! The control and inspection surface, modelled on CPython's `gc` module.

use crate::events::{Callback, CallbackId, CascadeStats, GenerationStats};
use crate::oracle::LeakReport;
use crate::{AllocStats, Capabilities, GcResult, ObjRef};

/// `gc`-module operations every runtime offers. Parts a collector lacks return
/// [`crate::GcError::Unsupported`] or an empty answer, as its [`Capabilities`] say.
pub trait GcControl {
    /// The collector's name.
    fn collector_name(&self) -> &'static str;
    /// What the collector promises.
    fn capabilities(&self) -> Capabilities;
    /// `gc.enable()`.
    fn enable(&mut self);
    /// `gc.disable()`.
    fn disable(&mut self);
    /// `gc.isenabled()`.
    fn is_enabled(&self) -> bool;
    /// `gc.get_count()`.
    fn get_count(&self) -> Vec<u64>;
    /// `gc.get_threshold()`.
    fn get_threshold(&self) -> Vec<u64>;
    /// `gc.set_threshold(...)`.
    fn set_threshold(&mut self, thresholds: &[u64]) -> GcResult<()>;
    /// `gc.get_objects(generation)`.
    fn get_objects(&self, generation: Option<u8>) -> Vec<ObjRef>;
    /// `gc.get_stats()`: one entry per generation (one in all for collectors without).
    fn get_stats(&self) -> Vec<GenerationStats>;
    /// `gc.get_referrers(obj)`: objects with a field referring to `obj` (found by scanning).
    fn get_referrers(&self, obj: ObjRef) -> GcResult<Vec<ObjRef>>;
    /// `gc.get_referents(obj)`: the objects `obj`'s fields refer to.
    fn get_referents(&self, obj: ObjRef) -> GcResult<Vec<ObjRef>>;
    /// `gc.is_tracked(obj)`.
    fn is_tracked(&self, obj: ObjRef) -> GcResult<bool>;
    /// `gc.is_finalized(obj)`.
    fn is_finalized(&self, obj: ObjRef) -> GcResult<bool>;
    /// `gc.freeze()`.
    fn freeze(&mut self) -> GcResult<()>;
    /// `gc.unfreeze()`.
    fn unfreeze(&mut self) -> GcResult<()>;
    /// `gc.get_freeze_count()`.
    fn get_freeze_count(&self) -> u64;
    /// `gc.garbage`.
    fn garbage(&self) -> Vec<ObjRef>;
    /// Empties `gc.garbage` (`del gc.garbage[:]`), dropping its references.
    fn clear_garbage(&mut self);
    /// `gc.callbacks.append(cb)`: subscribe to pause events.
    fn add_callback(&mut self, cb: Callback) -> CallbackId;
    /// `gc.callbacks.remove(cb)`.
    fn remove_callback(&mut self, id: CallbackId) -> bool;
    /// `gc.set_debug(flags)`.
    fn set_debug(&mut self, flags: u32);
    /// `gc.get_debug()`.
    fn get_debug(&self) -> u32;
    /// Allocator statistics.
    fn heap_stats(&self) -> AllocStats;
    /// Reference-counting cascade totals.
    fn cascade_stats(&self) -> CascadeStats;
    /// Objects the collector has scanned in total.
    fn objects_scanned(&self) -> u64;
    /// Objects allocated but unreachable now (the oracle's count): what the collector leaks.
    fn leak_report(&self) -> GcResult<LeakReport>;
    /// Checks the heap against the oracle now: nothing reachable freed, and reference counts
    /// exact for collectors that keep them.
    fn verify_now(&self) -> GcResult<()>;
}
