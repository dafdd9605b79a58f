//! The policy: which path a collection takes, decided in one place.
//!
//! Every path ends in the same state (which objects die, in which order finalizers and
//! weak-reference callbacks run, what each generation then holds); they differ in the work
//! they skip when something about the set makes it unnecessary. A collection decides twice:
//!
//! 1. Before the trial deletion, how to gather the set ([`choose_gather`]): a large set
//!    whose references are scattered over the heap keeps gc_refs in a table beside it
//!    ([`crate::dense`]); any other is walked once, `update_refs` and `subtract_refs`
//!    together ([`crate::walk`]).
//! 2. After marking, how to end it ([`choose_path`]), from what the passes found
//!    ([`Conditions`]).
//!
//! [`Passes::Plain`] (collector `cycle-plain`) skips both decisions and always takes
//! CPython's plain path ([`crate::plain`]), against which the others are tested.

/// Which passes a collector runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Passes {
    /// The paths [`choose_gather`] and [`choose_path`] choose (collector `cycle`).
    #[default]
    Fast,
    /// Always CPython's plain path: `update_refs`, `subtract_refs`, `move_unreachable`,
    /// then weak references, finalizers, the resurrection check and `delete_garbage`
    /// (collector `cycle-plain`).
    Plain,
}

/// How a collection gathers its set and computes gc_refs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Gather {
    /// One walk of the detached list gathers the candidates and does `update_refs` and
    /// `subtract_refs` as it goes, gc_refs in the headers ([`crate::walk`]).
    Walk,
    /// The list stays linked while gc_refs go in a table beside the heap and references
    /// are visited region by region ([`crate::dense`]).
    Table,
}

/// The first decision: a set that is `scattered` (large, and most sampled references leave
/// their 2 MiB region: [`crate::region::scattered_list`]) is gathered into the table.
pub fn choose_gather(scattered: bool) -> Gather {
    if scattered {
        Gather::Table
    } else {
        Gather::Walk
    }
}

/// What the trial deletion found: the conditions [`choose_path`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conditions {
    /// The set was gathered into the table ([`Gather::Table`]); its list is still linked.
    pub in_table: bool,
    /// Every candidate is reachable: nothing dies.
    pub all_reachable: bool,
    /// No candidate is referred to from outside the set (no roots): the whole set dies.
    pub no_roots: bool,
    /// The walk collected every reference from the set to objects outside it: those are
    /// exactly what the set's death releases.
    pub outside_known: bool,
    /// No candidate has a weak reference or a finalizer, and no debug flag asks to see the
    /// garbage: nothing can happen between finding the garbage and freeing it.
    pub nothing_to_attend: bool,
}

/// How a collection ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Path {
    /// Nothing dies, and the list is still linked: it joins the older generation as it
    /// stands ([`crate::finish::keep_in_place`]).
    KeepInPlace,
    /// Nothing dies: the candidates are linked into the older generation in their order
    /// ([`crate::finish::keep_all`]).
    KeepAll,
    /// Everything dies and nothing needs attending to: the set is freed whole and the
    /// references the walk collected are released ([`crate::finish::free_closed_set`]).
    FreeClosedSet,
    /// Something dies and nothing needs attending to: one pass keeps or frees each
    /// candidate ([`crate::finish::split_and_free`]).
    SplitAndFree,
    /// CPython's steps in order: split, weak references, finalizers, the resurrection
    /// check, `delete_garbage` ([`crate::finish::split_then_delete`]).
    SplitThenDelete,
}

/// The second decision, from what the trial deletion found.
pub fn choose_path(c: Conditions) -> Path {
    if c.all_reachable && c.in_table {
        Path::KeepInPlace
    } else if c.all_reachable {
        Path::KeepAll
    } else if c.nothing_to_attend && c.no_roots && c.outside_known {
        Path::FreeClosedSet
    } else if c.nothing_to_attend {
        Path::SplitAndFree
    } else {
        Path::SplitThenDelete
    }
}

/// How marking (`move_unreachable`) ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Marking {
    /// No roots: nothing to mark.
    Skipped,
    /// Depth first in candidate order, stopping early ([`crate::mark::mark_reachable`]).
    InOrder,
    /// Level by level, references sorted by region
    /// ([`crate::mark::mark_reachable_by_region`]).
    ByRegion,
    /// Level by level, marks in the table ([`crate::dense::mark_reachable`]).
    InTable,
}

/// How many collections took each path: what a test reads to know that a run exercised
/// the paths it means to check.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathCounts {
    gather: [u64; 2],
    marking: [u64; 4],
    path: [u64; 5],
    plain: u64,
}

impl PathCounts {
    /// Counts one collection of the fast passes.
    pub(crate) fn record(&mut self, gather: Gather, marking: Marking, path: Path) {
        self.gather[gather as usize] += 1;
        self.marking[marking as usize] += 1;
        self.path[path as usize] += 1;
    }

    /// Counts one collection of the plain path.
    pub(crate) fn record_plain(&mut self) {
        self.plain += 1;
    }

    /// Collections that gathered by `gather`.
    pub fn gathered(&self, gather: Gather) -> u64 {
        self.gather[gather as usize]
    }

    /// Collections that marked by `marking`.
    pub fn marked(&self, marking: Marking) -> u64 {
        self.marking[marking as usize]
    }

    /// Collections that ended by `path`.
    pub fn ended(&self, path: Path) -> u64 {
        self.path[path as usize]
    }

    /// Collections that took the plain path ([`Passes::Plain`]).
    pub fn plain(&self) -> u64 {
        self.plain
    }
}
