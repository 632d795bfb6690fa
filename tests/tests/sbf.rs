//! The program as SBF in the VM: `target/sbf/softliq.so` (scripts/build-sbf.sh)
//! loaded by solana-program-test. Every instruction runs at least once; the
//! crank runs at 1, 8, 32 and its maximum entries. Each test asserts the
//! numbers that matter and the on-chain limits (transaction bytes, compute
//! units, log bytes), and the compute units go into a table
//! (`target/sbf/compute-units.md`, committed as docs/compute-units.md).
//!
//! Needs `scripts/build-sbf.sh` first (these tests fail, naming it, when
//! `target/sbf/softliq.so` is missing); `.ci/run` builds it before testing.
#![allow(clippy::arithmetic_side_effects)]

mod sbf_cases;
