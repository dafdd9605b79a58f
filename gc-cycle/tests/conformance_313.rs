//! The contract again with CPython 3.13's thresholds (2000, 10, 10).

gc_core::conformance_tests!(gc_cycle::CycleGc::python_313);
