//! Pure, program-independent parts of the softliq stress simulator: price
//! paths, the external market, the report model and its writers.

pub mod cli;
pub mod market;
pub mod paths;
pub mod report;
