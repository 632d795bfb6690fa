//! The softliq stress simulator: price paths, the external market, the book,
//! the keepers and bidders, the simulation over the real program in an
//! in-process bank, and the report.

pub mod agents;
pub mod book;
pub mod cli;
pub mod market;
pub mod paths;
pub mod report;
pub mod sim;
