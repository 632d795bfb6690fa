#![allow(ambiguous_glob_reexports)]
pub mod insurance_deposit;
pub mod insurance_request_withdraw;
pub mod insurance_withdraw;

pub use insurance_deposit::*;
pub use insurance_request_withdraw::*;
pub use insurance_withdraw::*;
