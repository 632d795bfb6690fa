pub mod accounts;
pub mod book;
pub mod lot_book;
pub mod market;
pub mod params;
pub mod slab;

pub use accounts::*;
pub use book::*;
pub use lot_book::*;
pub use market::*;
pub use params::*;
pub use slab::*;
