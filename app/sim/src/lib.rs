//! The softliq stress simulator: price paths, the external market, the book,
//! the keepers and bidders (the shipped `softliq-keeper` crate's decisions),
//! the simulation over the real program in an in-process bank, and the report.
//!
//! - [`cli`] → [`config`]: flags validated into a [`config::SimConfig`];
//! - [`runs`]: one run per mechanism, in parallel, and the metrics;
//! - [`world`]: a run's bank, market and book; [`slot`]: one slot of the path;
//! - [`tx`]: transaction sizes and packing for the bank;
//! - [`agents`]: keepers and bidders over `softliq-keeper`;
//! - [`paths`], [`market`], [`book`]: the price path, the external market,
//!   the positions;
//! - [`report`], [`trace`]: report.json / report.md / charts, per-slot CSV;
//! - [`matrix`]: the scenario matrix (`softliq-sim matrix --out DIR`).

pub mod agents;
pub mod book;
pub mod cli;
pub mod config;
pub mod market;
pub mod matrix;
pub mod paths;
pub mod report;
pub mod runs;
pub mod slot;
pub mod trace;
pub mod tx;
pub mod world;
