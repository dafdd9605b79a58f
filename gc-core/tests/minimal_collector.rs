//! The teaching example (`examples/minimal_collector.rs`) runs the whole conformance kit:
//! a complete collector written from the contract alone.

#[path = "../examples/minimal_collector.rs"]
mod minimal_collector;

use minimal_collector::MinimalMarkSweep;

gc_core::conformance_tests!(MinimalMarkSweep::default);

#[test]
fn the_example_runs() {
    minimal_collector::main().expect("the example's main runs");
}
