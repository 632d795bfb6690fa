#![allow(ambiguous_glob_reexports)]
pub mod auction_redeem;
pub mod auction_reset;
pub mod auction_settle;
pub mod auction_take;
pub mod lot_ref;

pub use auction_redeem::*;
pub use auction_reset::*;
pub use auction_settle::*;
pub use auction_take::*;
