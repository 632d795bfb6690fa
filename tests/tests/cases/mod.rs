pub mod test_attacks;
pub mod test_auction;
pub mod test_crank;
pub mod test_fixtures;
pub mod test_foundation;
pub mod test_fuzz;
pub mod test_resources;
pub mod test_risk;
