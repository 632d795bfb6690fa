pub mod test_foundation;
