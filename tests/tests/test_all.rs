//! One test binary so the harness compiles once (OpenBook v2's layout).
#![allow(deprecated, clippy::arithmetic_side_effects)]
mod cases;

#[global_allocator]
static ALLOC: harness::heap::CountingAlloc = harness::heap::CountingAlloc;
