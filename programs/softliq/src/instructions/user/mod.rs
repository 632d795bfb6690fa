#![allow(ambiguous_glob_reexports)]
pub mod borrow;
pub mod close_position;
pub mod deposit_collateral;
pub mod open_position;
pub mod position_ref;
pub mod repay;
pub mod withdraw_collateral;

pub use borrow::*;
pub use close_position::*;
pub use deposit_collateral::*;
pub use open_position::*;
pub use repay::*;
pub use withdraw_collateral::*;
