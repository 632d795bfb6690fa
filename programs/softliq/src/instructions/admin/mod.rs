#![allow(ambiguous_glob_reexports)]
pub mod init_slab;
pub mod initialize_market;
pub mod set_risk_params;
pub mod update_params;

pub use init_slab::*;
pub use initialize_market::*;
pub use set_risk_params::*;
pub use update_params::*;
