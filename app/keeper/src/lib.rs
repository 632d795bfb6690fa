//! softliq keeper and bidder bots.
//!
//! Everything that decides (health, liquidatability, auction price, reset
//! condition, take sizing, interest accrual, oracle guards) is the program's
//! own code, imported from `softliq` with its `client` feature: this crate
//! only reads accounts, ranks, packs transactions and sends them.
//!
//! - [`scan`]: zero-copy ranking of a slab's positions by health;
//! - [`pack`]: grouping of liquidatable positions into `crank_liquidate`
//!   transactions within `max_positions_per_crank` and the 1,232-byte limit;
//! - [`bid`]: when to take an auction lot, given a valuation;
//! - [`backend`]: the [`backend::Backend`] trait, with an RPC implementation
//!   and an in-process one over the test harness's bank (feature `in-process`);
//! - [`keeper`]: one iteration of the crank and bid loops over any backend;
//! - [`cu`]: compute-unit and loaded-accounts limits from the VM measurements;
//! - [`ixs`], [`oracle`], [`config`]: instruction builders, off-chain oracle
//!   reading, Solana CLI configuration conventions.
pub mod backend;
pub mod bid;
pub mod config;
pub mod cu;
pub mod ixs;
pub mod keeper;
pub mod oracle;
pub mod pack;
pub mod scan;

pub use anchor_lang::prelude::Pubkey;
