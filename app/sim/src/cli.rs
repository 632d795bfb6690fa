//! Command-line flags and their validation into a [`SimConfig`].

use std::path::PathBuf;

use clap::Parser;

pub use crate::config::SimConfig;
use crate::config::{is_param, RunKind, RUNS};
use crate::market::DEFAULT_QUOTE_DEPTH;
use crate::paths::{PathError, Scenario, DEFAULT_START_PRICE};

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
    /// A preset (crash, flash, bleed, gap, vcrash, cascade, grind, blackout) or a CSV file `slot,price` ending in .csv.
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
    /// Total collateral value of the book at the start price, in quote (the
    /// book's size against the external market's depth); default: twice the
    /// market depth.
    #[arg(long = "book-collateral")]
    pub book_collateral_quote: Option<f64>,
    /// Fraction of the gap between the external market and the fundamental
    /// price that arbitrageurs close each slot (0..=1).
    #[arg(long = "arb-strength", default_value_t = DEFAULT_ARB_STRENGTH)]
    pub arb_strength: f64,
    /// Runs simulated at the same time (each in its own bank); 0 = one per core.
    #[arg(long, default_value_t = 0)]
    pub jobs: usize,
    /// Lots the lot book holds; 0 = automatic (see `runs::lot_capacity`).
    #[arg(long = "lot-capacity", default_value_t = 0)]
    pub lot_capacity: u32,
    /// Overrides a parameter of the soft and dynamic runs, a `MarketParams`
    /// or `RiskParams` field, e.g. `auction_cut_bps=9900` or
    /// `margin_step_bps=10` (repeatable; the report names every override).
    #[arg(long = "soft-param", value_name = "NAME=VALUE")]
    pub soft_params: Vec<String>,
    /// Only these mechanisms, comma-separated (soft, hard, partial, none,
    /// dynamic), e.g. `--runs soft` for parameter sweeps; the report then
    /// lacks the others. Default: all of them.
    #[arg(long, value_delimiter = ',', value_name = "RUN,...")]
    pub runs: Vec<String>,
    /// Writes a per-slot CSV of each run to DIR/<run>.csv (candidates,
    /// cranks, lots, takes, the volatility add-ons, wall time per phase).
    #[arg(long, value_name = "DIR")]
    pub trace: Option<PathBuf>,
    /// Bidders as in a stress: finite capital recycled after resale, a
    /// discount growing with the price's speed, congested slots with no bid
    /// (`config::BidderStress::DEFAULT`; the matrix runs with them).
    #[arg(long = "stress-bidders")]
    pub stress_bidders: bool,
}

/// Book collateral ÷ market depth unless told otherwise.
pub const DEFAULT_BOOK_TO_DEPTH: f64 = 2.0;
/// Arbitrage strength unless told otherwise.
pub const DEFAULT_ARB_STRENGTH: f64 = 0.2;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Path(#[from] PathError),
    /// A problem in a CSV scenario, prefixed with the file's name.
    #[error("{}: {source}", path.display())]
    CsvFile { path: PathBuf, source: PathError },
    #[error("--market-depth must be positive and finite, got {0}")]
    BadMarketDepth(f64),
    #[error("--book-collateral must be positive and finite, got {0}")]
    BadBookCollateral(f64),
    #[error("--arb-strength must be within 0..=1, got {0}")]
    BadArbStrength(f64),
    #[error("--soft-param must be NAME=VALUE with an unsigned integer VALUE, got `{0}`")]
    BadSoftParam(String),
    #[error("--runs: unknown run `{0}` (soft, hard, partial, none, dynamic)")]
    UnknownRun(String),
}

impl Cli {
    /// Checks every flag and builds the price path.
    pub fn validate(&self) -> Result<SimConfig, CliError> {
        if !(self.market_depth_quote.is_finite() && self.market_depth_quote > 0.0) {
            return Err(CliError::BadMarketDepth(self.market_depth_quote));
        }
        let book_collateral_quote = self
            .book_collateral_quote
            .unwrap_or(self.market_depth_quote * DEFAULT_BOOK_TO_DEPTH);
        if !(book_collateral_quote.is_finite() && book_collateral_quote > 0.0) {
            return Err(CliError::BadBookCollateral(book_collateral_quote));
        }
        if !(0.0..=1.0).contains(&self.arb_strength) {
            return Err(CliError::BadArbStrength(self.arb_strength));
        }
        let soft_overrides = self
            .soft_params
            .iter()
            .map(|text| {
                let (key, value) = text
                    .split_once('=')
                    .ok_or_else(|| CliError::BadSoftParam(text.clone()))?;
                let value = value
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| CliError::BadSoftParam(text.clone()))?;
                if !is_param(key.trim()) {
                    return Err(CliError::BadSoftParam(text.clone()));
                }
                Ok((key.trim().to_string(), value))
            })
            .collect::<Result<Vec<_>, CliError>>()?;
        // The soft run uses `engine::params::soft_rule` for the market's
        // depth; each `--soft-param x=y` is applied on top of it.
        let jobs = match self.jobs {
            0 => std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            n => n,
        };
        let runs = self.run_kinds()?;
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
            book_collateral_quote,
            arb_strength: self.arb_strength,
            jobs,
            soft_overrides,
            lot_capacity: self.lot_capacity,
            runs,
            trace_dir: self.trace.clone(),
            bidder_stress: self
                .stress_bidders
                .then_some(crate::config::BidderStress::DEFAULT),
        })
    }

    /// The runs `--runs` names, in the standard order (all without the flag).
    fn run_kinds(&self) -> Result<Vec<RunKind>, CliError> {
        if self.runs.is_empty() {
            return Ok(RUNS.to_vec());
        }
        for name in &self.runs {
            RunKind::parse(name.trim()).ok_or_else(|| CliError::UnknownRun(name.clone()))?;
        }
        Ok(RUNS
            .into_iter()
            .filter(|k| self.runs.iter().any(|n| n.trim() == k.name()))
            .collect())
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
        assert_eq!(
            config.book_collateral_quote,
            DEFAULT_QUOTE_DEPTH * DEFAULT_BOOK_TO_DEPTH
        );
        assert_eq!(config.arb_strength, DEFAULT_ARB_STRENGTH);
        assert!(config.jobs >= 1);
        assert_eq!(config.runs, RUNS.to_vec());
        assert_eq!(config.trace_dir, None);
    }

    #[test]
    fn soft_params_name_program_or_risk_fields() {
        let config = parse(&[
            "--soft-param",
            "auction_cut_bps=9900",
            "--soft-param",
            "vol_k_bps = 30000",
        ])
        .unwrap()
        .validate()
        .unwrap();
        assert_eq!(
            config.soft_overrides,
            vec![
                ("auction_cut_bps".to_string(), 9_900),
                ("vol_k_bps".to_string(), 30_000)
            ]
        );
        for bad in ["vol_kbps=1", "margin_step_bps", "margin_step_bps=-1"] {
            let err = parse(&["--soft-param", bad])
                .unwrap()
                .validate()
                .unwrap_err();
            assert_eq!(err, CliError::BadSoftParam(bad.into()));
        }
    }

    #[test]
    fn runs_and_trace_flags() {
        let config = parse(&["--runs", "hard,soft", "--trace", "/tmp/t"])
            .unwrap()
            .validate()
            .unwrap();
        assert_eq!(config.runs, vec![RunKind::Soft, RunKind::Hard]);
        assert_eq!(config.trace_dir, Some(PathBuf::from("/tmp/t")));
        let err = parse(&["--runs", "soft,meltdown"])
            .unwrap()
            .validate()
            .unwrap_err();
        assert_eq!(err, CliError::UnknownRun("meltdown".into()));
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
            "--book-collateral",
            "5e6",
            "--arb-strength",
            "0.5",
            "--jobs",
            "3",
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
        assert_eq!(config.book_collateral_quote, 5e6);
        assert_eq!(config.arb_strength, 0.5);
        assert_eq!(config.jobs, 3);
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
        let err = parse(&["--book-collateral", "0"])
            .unwrap()
            .validate()
            .unwrap_err();
        assert_eq!(err, CliError::BadBookCollateral(0.0));
        let err = parse(&["--arb-strength", "1.5"])
            .unwrap()
            .validate()
            .unwrap_err();
        assert_eq!(err, CliError::BadArbStrength(1.5));
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
