//! Command-line flags and their validation into a [`SimConfig`].

use std::path::PathBuf;

use clap::Parser;

use crate::market::DEFAULT_QUOTE_DEPTH;
use crate::paths::{PathError, PricePath, Scenario, DEFAULT_START_PRICE};

/// Exit code for invalid input (bad flags, bad CSV, unknown preset).
pub const EXIT_INVALID_INPUT: u8 = 2;

/// Stress simulator for softliq: soft, hard, partial and no liquidation on
/// the same price path, side by side.
#[derive(Debug, Clone, PartialEq, Parser)]
#[command(name = "softliq-sim", version)]
pub struct Cli {
    /// Number of positions in the book.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub positions: u64,
    /// Number of slots to simulate.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub slots: u64,
    /// Seed of every random choice (same seed and inputs, same report).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// A preset (crash, flash, bleed, gap) or a CSV file `slot,price` ending in .csv.
    #[arg(long, default_value = "crash")]
    pub scenario: String,
    /// Directory for report.md, report.json and the SVG charts.
    #[arg(long, default_value = "target/softliq-report")]
    pub out: PathBuf,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Quote liquidity per side of the external market.
    #[arg(long = "market-depth", default_value_t = DEFAULT_QUOTE_DEPTH)]
    pub market_depth_quote: f64,
    /// Start price of the presets, quote per base (CSV files bring their own).
    #[arg(long, default_value_t = DEFAULT_START_PRICE)]
    pub start_price: f64,
}

/// Validated inputs of a simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    pub positions: u64,
    pub slots: u64,
    pub seed: u64,
    pub scenario: Scenario,
    pub path: PricePath,
    pub out: PathBuf,
    pub quiet: bool,
    pub market_depth_quote: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Path(#[from] PathError),
    /// A problem in a CSV scenario, prefixed with the file's name.
    #[error("{}: {source}", path.display())]
    CsvFile { path: PathBuf, source: PathError },
    #[error("--market-depth must be positive and finite, got {0}")]
    BadMarketDepth(f64),
}

impl Cli {
    /// Checks every flag and builds the price path.
    pub fn validate(&self) -> Result<SimConfig, CliError> {
        if !(self.market_depth_quote.is_finite() && self.market_depth_quote > 0.0) {
            return Err(CliError::BadMarketDepth(self.market_depth_quote));
        }
        let scenario = Scenario::parse(&self.scenario)?;
        let path = scenario
            .build(self.slots, self.start_price)
            .map_err(|source| match (&scenario, source) {
                (Scenario::Csv(file), source @ PathError::Csv { .. }) => CliError::CsvFile {
                    path: file.clone(),
                    source,
                },
                (_, source) => CliError::Path(source),
            })?;
        Ok(SimConfig {
            positions: self.positions,
            slots: self.slots,
            seed: self.seed,
            scenario,
            path,
            out: self.out.clone(),
            quiet: self.quiet,
            market_depth_quote: self.market_depth_quote,
        })
    }
}

impl SimConfig {
    /// One line describing the run.
    pub fn summary(&self) -> String {
        format!(
            "scenario {} ({}), {} positions, {} slots, seed {}, external depth {} quote per side, report in {}",
            self.scenario.name(),
            self.path,
            self.positions,
            self.slots,
            self.seed,
            self.market_depth_quote,
            self.out.display()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths::{CsvProblem, Preset};

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("softliq-sim").chain(args.iter().copied()))
    }

    #[test]
    fn defaults() {
        let cli = parse(&[]).unwrap();
        assert_eq!(cli.positions, 10_000);
        assert_eq!(cli.slots, 600);
        assert_eq!(cli.seed, 42);
        assert_eq!(cli.scenario, "crash");
        assert_eq!(cli.out, PathBuf::from("target/softliq-report"));
        assert!(!cli.quiet);
        let config = cli.validate().unwrap();
        assert_eq!(config.scenario, Scenario::Preset(Preset::Crash));
        assert_eq!(config.path.slots(), 600);
        assert_eq!(config.path.start_price(), DEFAULT_START_PRICE);
        assert_eq!(config.market_depth_quote, DEFAULT_QUOTE_DEPTH);
    }

    #[test]
    fn every_flag_is_read() {
        let cli = parse(&[
            "--positions",
            "300",
            "--slots",
            "120",
            "--seed",
            "7",
            "--scenario",
            "flash",
            "--out",
            "/tmp/x",
            "--quiet",
            "--market-depth",
            "1e6",
            "--start-price",
            "2.5",
        ])
        .unwrap();
        let config = cli.validate().unwrap();
        assert_eq!(
            (config.positions, config.slots, config.seed, config.quiet),
            (300, 120, 7, true)
        );
        assert_eq!(config.scenario, Scenario::Preset(Preset::Flash));
        assert_eq!(config.out, PathBuf::from("/tmp/x"));
        assert_eq!(config.market_depth_quote, 1e6);
        assert_eq!(config.path.start_price(), 2.5);
        assert!(config.summary().contains("flash"));
    }

    #[test]
    fn bad_numbers_are_usage_errors() {
        for args in [
            &["--positions", "0"][..],
            &["--slots", "0"],
            &["--slots", "-5"],
            &["--seed", "x"],
            &["--nonsense"],
        ] {
            let err = parse(args).unwrap_err();
            assert_eq!(err.exit_code(), i32::from(EXIT_INVALID_INPUT), "{args:?}");
        }
    }

    #[test]
    fn bad_values_fail_validation() {
        let err = parse(&["--scenario", "meltdown"])
            .unwrap()
            .validate()
            .unwrap_err();
        assert!(matches!(
            err,
            CliError::Path(PathError::UnknownPreset { .. })
        ));
        let err = parse(&["--market-depth", "0"])
            .unwrap()
            .validate()
            .unwrap_err();
        assert_eq!(err, CliError::BadMarketDepth(0.0));
        let err = parse(&["--start-price=-1"])
            .unwrap()
            .validate()
            .unwrap_err();
        assert!(matches!(
            err,
            CliError::Path(PathError::BadStartPrice { .. })
        ));
    }

    #[test]
    fn csv_scenario_errors_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.csv");
        std::fs::write(&file, "slot,price\n0,10\n1,-2\n").unwrap();
        let err = parse(&["--scenario", file.to_str().unwrap()])
            .unwrap()
            .validate()
            .unwrap_err();
        assert_eq!(
            err,
            CliError::CsvFile {
                path: file.clone(),
                source: PathError::Csv {
                    line: 3,
                    problem: CsvProblem::NonPositivePrice
                }
            }
        );
        assert_eq!(
            err.to_string(),
            format!("{}: line 3: price must be positive", file.display())
        );
    }
}
