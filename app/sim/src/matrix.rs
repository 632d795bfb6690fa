//! The scenario matrix, the simulator's second mode: every mechanism on every
//! cell of presets (and `--scenario FILE.csv`) × seeds × book collateral ÷
//! depth, into `matrix.json`, `matrix.md` and a chart of soft ÷ hard.
//!
//! `softliq-sim matrix --out DIR`. Each cell is an ordinary simulation
//! (the same flags validated the same way) with fewer positions by default.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::cli::{Cli, CliError};
use crate::config::SimError;
use crate::paths::Preset;
use crate::report::{format, RunMetrics};
use crate::runs::simulate;

/// Slots of the `grind` preset in the matrix (a slow path must be long).
pub const GRIND_SLOTS: u64 = 1_500;

/// `softliq-sim matrix`: the scenario matrix.
#[derive(Debug, Clone, PartialEq, Parser)]
#[command(name = "softliq-sim matrix")]
pub struct MatrixCli {
    /// Directory for matrix.json, matrix.md and matrix.svg.
    #[arg(long, default_value = "target/softliq-matrix")]
    pub out: PathBuf,
    /// Positions per cell.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub positions: u64,
    /// Slots per cell (grind: at least 1,500).
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub slots: u64,
    /// Seeds, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    pub seeds: Vec<u64>,
    /// Book collateral ÷ external depth, comma-separated.
    #[arg(long = "book-to-depth", value_delimiter = ',', default_value = "1,2,4")]
    pub book_to_depth: Vec<f64>,
    /// Presets, comma-separated (default: all eight).
    #[arg(long, value_delimiter = ',')]
    pub presets: Vec<String>,
    /// A CSV scenario added to the presets (repeatable).
    #[arg(long)]
    pub scenario: Vec<String>,
    /// Quote liquidity per side of the external market.
    #[arg(long = "market-depth", default_value_t = crate::market::DEFAULT_QUOTE_DEPTH)]
    pub market_depth_quote: f64,
    /// Runs of a cell simulated at the same time; 0 = one per core.
    #[arg(long, default_value_t = 0)]
    pub jobs: usize,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Bidders with unlimited capital that always bid (the default run's);
    /// by default the matrix runs stressed bidders (`--stress-bidders`).
    #[arg(long = "calm-bidders")]
    pub calm_bidders: bool,
}

/// One cell of the matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub scenario: String,
    pub seed: u64,
    pub book_to_depth: f64,
    pub positions: u64,
    pub runs: BTreeMap<String, RunMetrics>,
}

/// `matrix.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Matrix {
    pub cells: Vec<Cell>,
}

impl Cell {
    fn metric(&self, run: &str, f: fn(&RunMetrics) -> f64) -> Option<f64> {
        self.runs.get(run).map(f)
    }

    /// Soft's value of `f` ÷ `other`'s (1 when both are 0, ∞ when only
    /// `other`'s is 0).
    pub fn soft_ratio(&self, other: &str, f: fn(&RunMetrics) -> f64) -> Option<f64> {
        Some(ratio(self.metric("soft", f)?, self.metric(other, f)?))
    }

    /// Soft's total bad debt ÷ `other`'s.
    pub fn bad_debt_ratio(&self, other: &str) -> Option<f64> {
        self.soft_ratio(other, |m| m.bad_debt)
    }

    /// Soft's worst price impact ÷ hard's.
    pub fn impact_ratio(&self) -> Option<f64> {
        self.soft_ratio("hard", |m| m.max_price_impact_bps)
    }

    /// Soft's worst own price impact ÷ hard's (`max_sale_impact_bps`).
    pub fn sale_impact_ratio(&self) -> Option<f64> {
        self.soft_ratio("hard", |m| m.max_sale_impact_bps)
    }

    /// A label for tables and the chart.
    pub fn label(&self) -> String {
        format!("{} s{} b{}", self.scenario, self.seed, self.book_to_depth)
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    // Below a cent both are nothing.
    if b.abs() < 0.01 {
        if a.abs() < 0.01 {
            1.0
        } else {
            f64::INFINITY
        }
    } else {
        a / b
    }
}

/// Every scenario the matrix runs: the presets then the CSV files.
fn scenarios(cli: &MatrixCli) -> Result<Vec<String>, CliError> {
    let mut v: Vec<String> = if cli.presets.is_empty() {
        Preset::ALL.iter().map(|p| p.name().to_string()).collect()
    } else {
        for p in &cli.presets {
            Preset::from_name(p).map_err(CliError::Path)?;
        }
        cli.presets.clone()
    };
    v.extend(cli.scenario.iter().cloned());
    Ok(v)
}

/// The ordinary simulation flags of one cell.
fn cell_cli(cli: &MatrixCli, scenario: &str, seed: u64, book_to_depth: f64) -> Cli {
    let slots = if scenario == Preset::Grind.name() {
        cli.slots.max(GRIND_SLOTS)
    } else {
        cli.slots
    };
    let mut args: Vec<String> = vec![
        "softliq-sim".into(),
        "--quiet".into(),
        format!("--positions={}", cli.positions),
        format!("--slots={slots}"),
        format!("--seed={seed}"),
        format!("--scenario={scenario}"),
        format!("--market-depth={}", cli.market_depth_quote),
        format!(
            "--book-collateral={}",
            cli.market_depth_quote * book_to_depth
        ),
        format!("--jobs={}", cli.jobs),
    ];
    if !cli.calm_bidders {
        args.push("--stress-bidders".into());
    }
    Cli::parse_from(args)
}

/// Why the matrix stopped.
#[derive(Debug, thiserror::Error)]
pub enum MatrixError {
    #[error("{0}")]
    Cli(#[from] CliError),
    #[error("cell {cell}: {source}")]
    Sim { cell: String, source: SimError },
    #[error("cell {cell}: {count} transactions failed unexpectedly")]
    Unexpected { cell: String, count: u64 },
    #[error("writing {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Runs every cell.
pub fn run_matrix(cli: &MatrixCli) -> Result<Matrix, MatrixError> {
    let scenarios = scenarios(cli)?;
    let mut plan = Vec::new();
    for sc in &scenarios {
        for &seed in &cli.seeds {
            for &b in &cli.book_to_depth {
                plan.push((sc.clone(), seed, b));
            }
        }
    }
    // Validate every cell before running any.
    let configs = plan
        .iter()
        .map(|(sc, seed, b)| cell_cli(cli, sc, *seed, *b).validate())
        .collect::<Result<Vec<_>, CliError>>()?;
    let bar = if cli.quiet {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(plan.len() as u64);
        if let Ok(style) =
            ProgressStyle::with_template("matrix [{bar:40}] {pos}/{len} cells {elapsed} {msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    };
    let mut matrix = Matrix::default();
    for ((sc, seed, b), config) in plan.into_iter().zip(configs) {
        let label = format!("{sc} seed {seed} book/depth {b}");
        bar.set_message(label.clone());
        let out = simulate(&config).map_err(|source| MatrixError::Sim {
            cell: label.clone(),
            source,
        })?;
        let count = out.unexpected_errors();
        if count > 0 {
            return Err(MatrixError::Unexpected { cell: label, count });
        }
        matrix.cells.push(Cell {
            scenario: sc,
            seed,
            book_to_depth: b,
            positions: config.positions,
            runs: out.report.runs,
        });
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(matrix)
}

/// What the matrix shows in a few numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub cells: usize,
    /// Cells where soft's total bad debt ≤ hard's / partial's.
    pub won_vs_hard: usize,
    pub won_vs_partial: usize,
    pub median_vs_hard: f64,
    pub worst_vs_hard: f64,
    pub worst_impact_vs_hard: f64,
    /// The same for the runs' own price impact (`max_sale_impact_bps`).
    pub worst_sale_impact_vs_hard: f64,
    /// Cells where soft's recovery ≥ 0.95 and ≥ hard's.
    pub recovery_ok: usize,
}

/// The largest of `ratio` over the cells that have it (NaN when none does).
fn worst(m: &Matrix, ratio: fn(&Cell) -> Option<f64>) -> f64 {
    m.cells.iter().filter_map(ratio).fold(f64::NAN, f64::max)
}

/// The summary of `m`.
pub fn summarize(m: &Matrix) -> Summary {
    let mut vs_hard: Vec<f64> = m
        .cells
        .iter()
        .filter_map(|c| c.bad_debt_ratio("hard"))
        .collect();
    vs_hard.sort_by(|a, b| a.total_cmp(b));
    let median = if vs_hard.is_empty() {
        f64::NAN
    } else {
        vs_hard[vs_hard.len() / 2]
    };
    let won = |other: &str| {
        m.cells
            .iter()
            .filter(|c| {
                let s = c.metric("soft", |r| r.bad_debt);
                let o = c.metric(other, |r| r.bad_debt);
                matches!((s, o), (Some(s), Some(o)) if s <= o + 0.01)
            })
            .count()
    };
    let recovery_ok = m
        .cells
        .iter()
        .filter(|c| {
            let s = c.metric("soft", |r| r.recovery_rate).unwrap_or(0.0);
            let h = c.metric("hard", |r| r.recovery_rate).unwrap_or(0.0);
            s >= 0.95 && s >= h
        })
        .count();
    Summary {
        cells: m.cells.len(),
        won_vs_hard: won("hard"),
        won_vs_partial: won("partial"),
        median_vs_hard: median,
        worst_vs_hard: vs_hard.last().copied().unwrap_or(f64::NAN),
        worst_impact_vs_hard: worst(m, Cell::impact_ratio),
        worst_sale_impact_vs_hard: worst(m, Cell::sale_impact_ratio),
        recovery_ok,
    }
}

/// How `matrix.md` prints one metric of a run.
type MetricText = fn(&RunMetrics) -> String;

fn ratio_text(r: f64) -> String {
    if r.is_infinite() {
        "∞".into()
    } else {
        format!("{r:.3}")
    }
}

/// `matrix.md`: the summary, then a table per metric (a row per cell, a
/// column per run).
pub fn markdown(m: &Matrix) -> String {
    let s = summarize(m);
    let mut md = String::from("# softliq scenario matrix\n\n");
    md.push_str(&format!(
        "{} cells. Soft's total bad debt (realised + latent) ≤ hard's in {} cells, ≤ partial's in {}. \
         Soft ÷ hard bad debt: median {}, worst {}. Worst price impact soft ÷ hard: {} (own sales only: {}). \
         Soft recovery ≥ 95% and ≥ hard's in {} cells.\n\n![soft ÷ hard](matrix.svg)\n\n",
        s.cells,
        s.won_vs_hard,
        s.won_vs_partial,
        ratio_text(s.median_vs_hard),
        ratio_text(s.worst_vs_hard),
        ratio_text(s.worst_impact_vs_hard),
        ratio_text(s.worst_sale_impact_vs_hard),
        s.recovery_ok
    ));
    let runs = ["soft", "hard", "partial", "none", "dynamic"];
    let metrics: [(&str, MetricText); 7] = [
        ("bad_debt", |r| format::quote(r.bad_debt)),
        ("latent_bad_debt", |r| format::quote(r.latent_bad_debt)),
        ("recovery_rate", |r| format::rate(r.recovery_rate)),
        ("max_price_impact_bps", |r| {
            format::bps(r.max_price_impact_bps)
        }),
        ("max_sale_impact_bps", |r| {
            format::bps(r.max_sale_impact_bps)
        }),
        ("borrower_loss_rate", |r| format::rate(r.borrower_loss_rate)),
        ("positions_liquidated", |r| {
            r.positions_liquidated.to_string()
        }),
    ];
    for (name, f) in metrics {
        md.push_str(&format!(
            "## {name}\n\n| cell | {} | soft ÷ hard |\n|---|",
            runs.join(" | ")
        ));
        md.push_str(&"---:|".repeat(runs.len() + 1));
        md.push('\n');
        for c in &m.cells {
            md.push_str(&format!("| {} |", c.label()));
            for r in runs {
                let v = c.runs.get(r).map(f).unwrap_or_else(|| "–".into());
                md.push_str(&format!(" {v} |"));
            }
            let ratio = match name {
                "bad_debt" => c.bad_debt_ratio("hard").map(ratio_text),
                "max_price_impact_bps" => c.impact_ratio().map(ratio_text),
                "max_sale_impact_bps" => c.sale_impact_ratio().map(ratio_text),
                _ => None,
            };
            md.push_str(&format!(" {} |\n", ratio.unwrap_or_default()));
        }
        md.push('\n');
    }
    md
}

/// `matrix.svg`: soft ÷ hard total bad debt per cell, log scale, the line at 1.
pub fn chart(m: &Matrix) -> String {
    let (w, bar_h, left) = (900.0, 14.0, 220.0);
    let h = 40.0 + bar_h * m.cells.len() as f64 + 30.0;
    // log10 axis from 1e-3 to 1e2; 0 is drawn at the left edge, ∞ at the right.
    let (lo, hi) = (-3.0f64, 2.0f64);
    let x_of = |r: f64| {
        let l = if r <= 0.0 {
            lo
        } else if r.is_infinite() {
            hi
        } else {
            r.log10().clamp(lo, hi)
        };
        left + (l - lo) / (hi - lo) * (w - left - 20.0)
    };
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"10\">\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\
         <text x=\"10\" y=\"18\" font-size=\"13\">soft ÷ hard total bad debt per cell (log scale; green ≤ 1)</text>"
    );
    for e in -3..=2 {
        let x = x_of(10f64.powi(e));
        svg.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"30\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#ccc\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">1e{e}</text>",
            h - 25.0,
            h - 12.0
        ));
    }
    let one = x_of(1.0);
    svg.push_str(&format!(
        "<line x1=\"{one:.1}\" y1=\"30\" x2=\"{one:.1}\" y2=\"{:.1}\" stroke=\"black\"/>",
        h - 25.0
    ));
    for (i, c) in m.cells.iter().enumerate() {
        let y = 34.0 + bar_h * i as f64;
        let r = c.bad_debt_ratio("hard").unwrap_or(f64::NAN);
        let color = if r <= 1.0 { "#2ca02c" } else { "#d62728" };
        let x = x_of(r);
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><rect x=\"{left}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            left - 4.0,
            y + bar_h - 4.0,
            c.label(),
            (x - left).max(1.0),
            bar_h - 3.0,
            x + 3.0,
            y + bar_h - 4.0,
            ratio_text(r)
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

/// Writes matrix.json, matrix.md and matrix.svg under `dir`.
pub fn write(dir: &Path, m: &Matrix) -> Result<Vec<PathBuf>, MatrixError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| MatrixError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let files = [
        (
            dir.join("matrix.json"),
            serde_json::to_string_pretty(m).unwrap_or_default(),
        ),
        (dir.join("matrix.md"), markdown(m)),
        (dir.join("matrix.svg"), chart(m)),
    ];
    for (path, text) in &files {
        std::fs::write(path, text).map_err(io(path))?;
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(bad_debt: f64, recovery: f64, impact: f64) -> RunMetrics {
        RunMetrics {
            bad_debt,
            recovery_rate: recovery,
            max_price_impact_bps: impact,
            max_sale_impact_bps: impact / 2.0,
            ..Default::default()
        }
    }

    fn cell(soft: f64, hard: f64, partial: f64) -> Cell {
        let mut runs = BTreeMap::new();
        runs.insert("soft".to_string(), metrics(soft, 0.98, 100.0));
        runs.insert("hard".to_string(), metrics(hard, 0.95, 400.0));
        runs.insert("partial".to_string(), metrics(partial, 0.95, 300.0));
        Cell {
            scenario: "crash".into(),
            seed: 1,
            book_to_depth: 2.0,
            positions: 10,
            runs,
        }
    }

    #[test]
    fn summary_counts_wins_and_ratios() {
        let m = Matrix {
            cells: vec![
                cell(10.0, 100.0, 5.0),
                cell(0.0, 0.0, 0.0),
                cell(50.0, 25.0, 60.0),
            ],
        };
        let s = summarize(&m);
        assert_eq!(s.cells, 3);
        assert_eq!(s.won_vs_hard, 2, "10 ≤ 100 and 0 ≤ 0");
        assert_eq!(s.won_vs_partial, 2, "0 ≤ 0 and 50 ≤ 60");
        assert_eq!(s.median_vs_hard, 1.0, "ratios 0.1, 1, 2");
        assert_eq!(s.worst_vs_hard, 2.0);
        assert_eq!(s.worst_impact_vs_hard, 0.25);
        assert_eq!(s.worst_sale_impact_vs_hard, 0.25);
        assert_eq!(s.recovery_ok, 3);
        let json = serde_json::to_value(&m).unwrap();
        assert!(json["cells"][0]["runs"]["soft"]["bad_debt"].is_number());
        assert_eq!(json["cells"][0]["book_to_depth"], 2.0);
        assert!(markdown(&m).contains("| crash s1 b2 | 10.00 | 100.00 | 5.00 | – | – | 0.100 |"));
        assert!(chart(&m).contains("0.100"));
    }

    #[test]
    fn a_soft_loss_where_hard_has_none_is_infinite() {
        assert_eq!(ratio(5.0, 0.0), f64::INFINITY);
        assert_eq!(ratio(0.0, 0.0), 1.0);
    }

    #[test]
    fn cells_are_validated_before_any_runs() {
        let cli = MatrixCli::parse_from(["m", "--presets", "crash,nope"]);
        assert!(matches!(run_matrix(&cli), Err(MatrixError::Cli(_))));
        let cli = MatrixCli::parse_from(["m", "--presets", "grind", "--seeds", "7"]);
        let c = cell_cli(&cli, "grind", 7, 4.0).validate().unwrap();
        assert_eq!((c.slots, c.seed, c.positions), (GRIND_SLOTS, 7, 1_000));
        assert_eq!(c.book_collateral_quote, 4.0 * cli.market_depth_quote);
        assert_eq!(c.bidder_stress, Some(crate::config::BidderStress::DEFAULT));
        let calm = MatrixCli::parse_from(["m", "--calm-bidders"]);
        assert_eq!(
            cell_cli(&calm, "crash", 1, 1.0)
                .validate()
                .unwrap()
                .bidder_stress,
            None
        );
    }
}
