pub mod test_foundation;
pub mod test_crank;
