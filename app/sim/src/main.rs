//! `softliq-sim`: validates its inputs and builds the price path. The
//! simulation engine (the real program in an in-process bank) is wired in
//! by the integrator.

use std::process::ExitCode;

use clap::Parser;
use softliq_sim::cli::{Cli, EXIT_INVALID_INPUT};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match cli.validate() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("softliq-sim: error: {err}");
            return ExitCode::from(EXIT_INVALID_INPUT);
        }
    };
    println!("{}", config.summary());
    println!("simulation engine not wired yet");
    ExitCode::SUCCESS
}
