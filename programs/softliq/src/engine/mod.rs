//! Pure logic: no accounts, no Anchor contexts. The keeper, the simulator and
//! the property tests call exactly this code.
pub mod auction;
pub mod bands;
pub mod budget;
pub mod fees;
pub mod health;
pub mod interest;
pub mod liquidation;
pub mod params;
pub mod pool;
pub mod risk;
