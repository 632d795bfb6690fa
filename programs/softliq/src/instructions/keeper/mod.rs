#![allow(ambiguous_glob_reexports)]
pub mod crank_liquidate;
pub mod refresh_risk;

pub use crank_liquidate::*;
pub use refresh_risk::*;
