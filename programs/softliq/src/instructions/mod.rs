#![allow(ambiguous_glob_reexports)]
pub mod admin;
pub mod auction;
pub mod common;
pub mod insurance;
pub mod keeper;
pub mod lp;
pub mod user;

pub use admin::*;
pub use auction::*;
pub use insurance::*;
pub use keeper::*;
pub use lp::*;
pub use user::*;
