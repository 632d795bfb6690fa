#![allow(ambiguous_glob_reexports)]
pub mod crank_liquidate;

pub use crank_liquidate::*;
