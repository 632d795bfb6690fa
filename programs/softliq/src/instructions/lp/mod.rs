#![allow(ambiguous_glob_reexports)]
pub mod lp_deposit;
pub mod lp_withdraw;

pub use lp_deposit::*;
pub use lp_withdraw::*;
