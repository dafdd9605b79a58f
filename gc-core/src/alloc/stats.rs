//! Allocation statistics: what the heap holds now, at its peak, and in total.

/// A snapshot of the allocator's counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllocStats {
    /// Objects currently allocated (small and large).
    pub objects_in_use: u64,
    /// Bytes in allocated cells and large objects (what the heap limit counts).
    pub bytes_in_use: u64,
    /// Highest `bytes_in_use` seen.
    pub peak_bytes_in_use: u64,
    /// Bytes held from the system: live arenas plus large objects.
    pub bytes_held: u64,
    /// Highest `bytes_held` seen.
    pub peak_bytes_held: u64,
    /// Bytes the heap's memory holds from the system: the small-object vector's capacity
    /// plus large objects. More than `bytes_held` when released arenas below a live one
    /// keep their words (see ARCHITECTURE.md, "Small-object memory").
    pub bytes_reserved: u64,
    /// Arenas currently held.
    pub arenas_held: u64,
    /// Arenas released back to the system so far.
    pub arenas_released: u64,
    /// Pools used or full.
    pub pools_in_use: u64,
    /// Large objects currently allocated.
    pub large_objects: u64,
    /// Objects allocated since the heap was made.
    pub total_allocated: u64,
    /// Bytes allocated since the heap was made.
    pub total_bytes_allocated: u64,
    /// Objects freed since the heap was made.
    pub total_freed: u64,
    /// Bytes freed since the heap was made.
    pub total_bytes_freed: u64,
    /// Objects moved to another cell since the heap was made (by evacuations).
    pub objects_moved: u64,
    /// Objects in use per size class (index = class; cell size = 16 * (class + 1)).
    pub class_objects: Vec<u64>,
}
