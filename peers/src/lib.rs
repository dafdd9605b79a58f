//! peers: gclab's workloads on the collectors people would otherwise use, with verified counts.
//!
//! A peer is an existing memory manager driven through gc-core's [`gc_core::Mutator`], so
//! every [`workloads::Workload`] runs on it unchanged: `rc` (`std::rc::Rc<RefCell<_>>`,
//! leaks cycles), `bacon-rajan-cc` (synchronous trial deletion), `dumpster` (unsync
//! flavour) and `rust-gc` (the `gc` crate's mark-sweep), plus CPython's own collector through
//! a standard-library driver script that replays the workload's trace, compiled into Python
//! ([`cpython`], [`pyprogram`]), one peer per interpreter named from its version
//! ([`interpreter`]). Root slots and fields hold each crate's own smart pointers;
//! explicit collections call the crate's own entry point and are timed as pauses, as are the
//! automatic collections the adapter can observe. Counts do not come from the crates: every node carries a census
//! record whose `Drop` is counted, so "allocated" and "alive after a final collection" are
//! exact and are checked against [`workloads::Expectations`] like gclab's own collectors.
//! Each Rust peer run happens on a fresh thread with a large stack ([`RUN_STACK_BYTES`]):
//! the crates keep their collector state per thread, and several of them recurse along
//! object paths when marking or dropping.
#![forbid(unsafe_code)]

mod adapter;
mod bacon;
mod census;
pub mod cpython;
mod dumpster_peer;
mod heap;
pub mod interpreter;
pub mod pyprogram;
mod rc;
mod run;
mod rust_gc;
mod storage;

use gc_core::{GcError, Reclaims};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use workloads::Workload;

pub use interpreter::{Interpreter, Interpreters};
pub use run::RUN_STACK_BYTES;

/// Implements [`heap::Node`] for a node struct with a `storage` field
/// ([`storage::Storage`]) and a `census` (or, with `plain`, its own `id` and `finalizer`).
#[macro_export]
#[doc(hidden)]
macro_rules! node_accessors {
    (@id $self:ident) => { $self.census.id };
    (@id $self:ident plain) => { $self.id };
    (@fin $self:ident $tag:ident) => { $self.census.finalizer = Some($tag) };
    (@fin $self:ident $tag:ident plain) => { $self.finalizer = Some($tag) };
    ($node:ty, $ptr:ty $(, $census:ident)?) => {
        impl $crate::heap::Node for $node {
            type Ptr = $ptr;
            fn storage(&self) -> &$crate::storage::Storage<$ptr> {
                &self.storage
            }
            fn storage_mut(&mut self) -> &mut $crate::storage::Storage<$ptr> {
                &mut self.storage
            }
            fn id(&self) -> u32 {
                $crate::node_accessors!(@id self $($census)?)
            }
            fn set_finalizer(&mut self, tag: u32) {
                $crate::node_accessors!(@fin self tag $($census)?)
            }
        }
    };
}

/// One timed collection in a peer run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerPause {
    /// Start, in nanoseconds since the run's clock started.
    pub start_ns: u64,
    /// End, in nanoseconds since the run's clock started.
    pub end_ns: u64,
    /// Whether the collector started it by itself (false: the program asked).
    pub automatic: bool,
    /// Objects freed during it.
    pub freed: u64,
    /// The generation collected, where the peer reports one (CPython's `gc.callbacks` info;
    /// `None` for the Rust peers).
    #[serde(default)]
    pub generation: Option<u8>,
    /// Of `freed`, the objects the collector reported uncollectable (CPython's
    /// `gc.callbacks` info; 0 for the Rust peers).
    #[serde(default)]
    pub uncollectable: u64,
}

impl PeerPause {
    /// The pause's length.
    pub fn duration_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }
}

/// What one peer run measured.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerRunResult {
    /// The peer's name (`rc`, `bacon-rajan-cc`, `dumpster`, `rust-gc`, `cpython-3.11`, ...).
    pub peer: String,
    /// The workload's name.
    pub workload: String,
    /// The seed.
    pub seed: u64,
    /// Time to run the workload (the check collection afterwards is not included).
    pub wall_ns: u64,
    /// Every timed collection during the workload, in order.
    pub pauses: Vec<PeerPause>,
    /// Objects allocated (weak reference objects included).
    pub allocated: u64,
    /// Objects freed while the workload ran.
    pub freed_during_run: u64,
    /// Explicit collections the workload asked for.
    pub explicit_collections: u64,
    /// Automatic collections observed (and timed).
    pub automatic_collections: u64,
    /// Length of the check collection after the workload (one explicit full collection).
    pub final_collect_ns: u64,
    /// Objects still allocated after the check collection, counted by the census.
    pub alive_after_final_collect: u64,
    /// Objects still allocated after every root was dropped and one more collection ran:
    /// what the peer leaks for good (cycles, for `rc`).
    pub leaked_at_exit: u64,
    /// Tracked objects the peer held frozen before the workload started: for CPython the
    /// interpreter's and driver's own objects (`gc.get_freeze_count()` after the driver's
    /// `gc.freeze()`), which are also the long-lived total its full-collection rule compares
    /// with; 0 for the Rust peers.
    #[serde(default)]
    pub frozen: u64,
}

impl PeerRunResult {
    /// Sum of all pause lengths.
    pub fn pause_total_ns(&self) -> u64 {
        self.pauses.iter().map(PeerPause::duration_ns).sum()
    }

    /// The longest pause (0 if none).
    pub fn pause_max_ns(&self) -> u64 {
        self.pauses
            .iter()
            .map(PeerPause::duration_ns)
            .max()
            .unwrap_or(0)
    }

    /// Checks the counts against the workload's expectations for a collector that reclaims
    /// `reclaims`; the error names the first count that differs.
    pub fn verify(&self, workload: &Workload, reclaims: Reclaims) -> Result<(), String> {
        let expected = workload.expectations();
        if self.allocated != expected.allocated {
            return Err(format!(
                "{} allocated {} objects, the workload expects {}",
                self.peer, self.allocated, expected.allocated
            ));
        }
        let should_remain = expected.allocated_after_full_collection(reclaims);
        if self.alive_after_final_collect != should_remain {
            return Err(format!(
                "{}: {} objects alive after a full collection, expected {should_remain}",
                self.peer, self.alive_after_final_collect
            ));
        }
        Ok(())
    }
}

/// A peer run either ran or was skipped because the peer is not available here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerOutcome {
    /// The run completed.
    Ran(PeerRunResult),
    /// The peer is missing on this machine (e.g. `skipped: python3 not found`); not a failure.
    Skipped(String),
}

/// Why a peer run failed.
#[derive(Debug, Error)]
pub enum PeerError {
    /// The workload needs something the peer cannot do honestly (weak references on a crate
    /// without weak pointers, resurrecting finalizers): the cell is "unsupported".
    #[error("{peer} cannot run {workload}: {what}")]
    Unsupported {
        /// The peer.
        peer: String,
        /// The workload.
        workload: String,
        /// What is missing.
        what: String,
    },
    /// The workload failed on the peer.
    #[error("{peer} failed on {workload}: {source}")]
    Workload {
        /// The peer.
        peer: String,
        /// The workload.
        workload: String,
        /// The mutator's error.
        source: GcError,
    },
    /// The run's thread could not start or panicked (a crate bug or a stack overflow).
    #[error("{peer} run crashed: {reason}")]
    Crashed {
        /// The peer.
        peer: String,
        /// What happened.
        reason: String,
    },
    /// The CPython driver could not run or its output could not be read.
    #[error("cpython driver: {0}")]
    Driver(String),
}

/// The peers gclab can compare against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Peer {
    /// `std::rc::Rc<RefCell<_>>`: reference counting, leaks cycles.
    Rc,
    /// `bacon_rajan_cc`: reference counting with synchronous cycle collection.
    BaconRajanCc,
    /// `dumpster::unsync`: reference counting with a tracing cycle collector.
    Dumpster,
    /// The `gc` crate (rust-gc): mark-sweep.
    RustGc,
    /// CPython's own collector, through `peers/python/gclab_cpython.py`.
    CPython(cpython::CPythonConfig),
}

impl Peer {
    /// Every peer, CPython run with `python3` and its default thresholds.
    pub fn all() -> Vec<Peer> {
        Peer::with_interpreters(&Interpreters {
            found: Vec::new(),
            skipped: None,
        })
    }

    /// The Rust peers, then one CPython peer per interpreter in `interpreters` (named from its
    /// version), or `cpython` on `python3` when none was found (its runs are skipped).
    pub fn with_interpreters(interpreters: &Interpreters) -> Vec<Peer> {
        let mut peers = vec![Peer::Rc, Peer::BaconRajanCc, Peer::Dumpster, Peer::RustGc];
        if interpreters.found.is_empty() {
            peers.push(Peer::CPython(cpython::CPythonConfig::default()));
        }
        peers.extend(interpreters.found.iter().map(|i| Peer::CPython(i.config())));
        peers
    }

    /// Parses a peer name as [`Peer::name`] prints it (`cpython` for CPython).
    pub fn parse(name: &str) -> Result<Peer, String> {
        match name {
            "rc" => Ok(Peer::Rc),
            "bacon-rajan-cc" => Ok(Peer::BaconRajanCc),
            "dumpster" => Ok(Peer::Dumpster),
            "rust-gc" => Ok(Peer::RustGc),
            "cpython" => Ok(Peer::CPython(cpython::CPythonConfig::default())),
            other => Err(format!(
                "unknown peer {other:?}: valid peers are rc, bacon-rajan-cc, dumpster, rust-gc, cpython"
            )),
        }
    }

    /// The peer's name: a CPython peer's comes from its interpreter's version
    /// (`cpython-3.13`), or is `cpython` before the interpreter was asked (its results carry
    /// the version all the same).
    pub fn name(&self) -> String {
        match self {
            Peer::Rc => rc::RcHeap::NAME.to_string(),
            Peer::BaconRajanCc => bacon::BaconHeap::NAME.to_string(),
            Peer::Dumpster => dumpster_peer::DumpsterHeap::NAME.to_string(),
            Peer::RustGc => rust_gc::RustGcHeap::NAME.to_string(),
            Peer::CPython(config) => config.peer_name(),
        }
    }

    /// What garbage the peer reclaims by the end of a full collection.
    pub fn reclaims(&self) -> Reclaims {
        match self {
            Peer::Rc => rc::RcHeap::RECLAIMS,
            Peer::BaconRajanCc => bacon::BaconHeap::RECLAIMS,
            Peer::Dumpster => dumpster_peer::DumpsterHeap::RECLAIMS,
            Peer::RustGc => rust_gc::RustGcHeap::RECLAIMS,
            Peer::CPython(_) => Reclaims::Everything,
        }
    }

    /// Runs `workload` with `seed` on this peer, then one full check collection.
    pub fn run(&self, workload: &Workload, seed: u64) -> Result<PeerOutcome, PeerError> {
        let ran = match self {
            Peer::Rc => run::run_on_thread::<rc::RcHeap>(workload, seed),
            Peer::BaconRajanCc => run::run_on_thread::<bacon::BaconHeap>(workload, seed),
            Peer::Dumpster => run::run_on_thread::<dumpster_peer::DumpsterHeap>(workload, seed),
            Peer::RustGc => run::run_on_thread::<rust_gc::RustGcHeap>(workload, seed),
            Peer::CPython(config) => return cpython::run(workload, seed, config),
        };
        ran.map(PeerOutcome::Ran)
    }
}

use heap::PeerHeap as _;
