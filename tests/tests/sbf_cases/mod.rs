//! SBF cases and the compute-unit table they fill.
pub mod table;
pub mod test_crank_sizes;
pub mod test_instructions;
