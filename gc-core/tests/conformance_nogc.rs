//! NoGC runs the whole conformance kit: the smallest collector honours the contract.

gc_core::conformance_tests!(gc_core::NoGc::default);
