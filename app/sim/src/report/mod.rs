//! The report: metrics per run (`report.json`), time series per run (the
//! charts), and the writers for `report.json`, `report.md`, SVG charts and
//! the terminal table.

pub mod charts;
pub mod describe;
pub mod format;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The standard runs, in the order tables and charts show them; other runs
/// (e.g. "dynamic") follow in name order.
pub const STANDARD_RUNS: [&str; 4] = ["soft", "hard", "partial", "none"];

/// Chart files written next to `report.md`.
pub const PRICE_CHART: &str = "price.svg";
pub const LIQUIDATED_CHART: &str = "liquidated_notional.svg";
pub const INSURANCE_CHART: &str = "insurance_balance.svg";
pub const BAD_DEBT_CHART: &str = "bad_debt.svg";

/// One run's results: `M` in `report.json`. Amounts are quote units as
/// decimals, rates are in 0..1.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunMetrics {
    /// `realised_bad_debt + latent_bad_debt`.
    pub bad_debt: f64,
    pub realised_bad_debt: f64,
    /// For every position still open and lot still unsold at the end: debt
    /// minus collateral at the final fundamental price, where positive.
    pub latent_bad_debt: f64,
    pub insurance_draw: f64,
    pub socialized_loss: f64,
    /// Auction proceeds ÷ oracle value of the collateral at seizure.
    pub recovery_rate: f64,
    pub liquidated_notional: f64,
    pub max_slot_liquidated_notional: f64,
    /// Worst gap between the external market price and the fundamental path.
    pub max_price_impact_bps: f64,
    /// Worst gap between the external market and the same market without
    /// the run's sales (arbitrage only): the run's own price impact, without
    /// the arbitrage lag that `max_price_impact_bps` also holds.
    pub max_sale_impact_bps: f64,
    /// Penalty plus auction discount ÷ oracle value of the collateral at
    /// seizure, over liquidated owners.
    pub borrower_loss_rate: f64,
    pub positions_liquidated: u64,
    pub positions_fully_closed: u64,
    pub wall_seconds: f64,
}

/// `report.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub scenario: String,
    pub positions: u64,
    pub slots: u64,
    /// Keyed by run name: "soft", "hard", "partial", "none", and any extra.
    pub runs: BTreeMap<String, RunMetrics>,
}

impl Report {
    /// Pretty JSON with a trailing newline; deterministic (runs sorted by
    /// name, fields in declaration order).
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("a report always serialises");
        json.push('\n');
        json
    }

    /// Run names in display order: the standard runs first, then the others.
    pub fn run_names(&self) -> Vec<&str> {
        display_order(self.runs.keys().map(String::as_str))
    }
}

/// The values of one slot, for [`RunSeries::push`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SlotSample {
    pub oracle_price: f64,
    pub fundamental: f64,
    pub liquidated_notional: f64,
    pub insurance_balance: f64,
    pub bad_debt: f64,
}

/// One run's time series, one value per slot (charts only, not in
/// `report.json`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunSeries {
    pub oracle_price: Vec<f64>,
    pub fundamental: Vec<f64>,
    pub liquidated_notional: Vec<f64>,
    pub insurance_balance: Vec<f64>,
    pub bad_debt: Vec<f64>,
}

impl RunSeries {
    pub fn with_capacity(slots: usize) -> RunSeries {
        RunSeries {
            oracle_price: Vec::with_capacity(slots),
            fundamental: Vec::with_capacity(slots),
            liquidated_notional: Vec::with_capacity(slots),
            insurance_balance: Vec::with_capacity(slots),
            bad_debt: Vec::with_capacity(slots),
        }
    }

    pub fn push(&mut self, sample: SlotSample) {
        self.oracle_price.push(sample.oracle_price);
        self.fundamental.push(sample.fundamental);
        self.liquidated_notional.push(sample.liquidated_notional);
        self.insurance_balance.push(sample.insurance_balance);
        self.bad_debt.push(sample.bad_debt);
    }

    pub fn len(&self) -> usize {
        self.oracle_price.len()
    }

    pub fn is_empty(&self) -> bool {
        self.oracle_price.is_empty()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot draw chart {path}: {message}")]
    Chart { path: PathBuf, message: String },
}

/// The files [`write_report`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    pub json: PathBuf,
    pub markdown: PathBuf,
    pub charts: Vec<PathBuf>,
}

/// Writes `report.json`, `report.md` and the SVG charts into `dir` (created
/// if missing). `extra_markdown` goes under the heading of `report.md`: the
/// integrator states there the book's size against the external market's
/// depth. Charts are drawn only when `series` holds at least one run.
pub fn write_report(
    dir: &Path,
    report: &Report,
    series: &BTreeMap<String, RunSeries>,
    extra_markdown: &str,
) -> Result<ReportFiles, ReportError> {
    fs::create_dir_all(dir).map_err(|source| io_error(dir, source))?;
    let json = dir.join("report.json");
    write_file(&json, &report.to_json())?;
    let charts = if series.is_empty() {
        Vec::new()
    } else {
        write_charts(dir, series)?
    };
    let markdown = dir.join("report.md");
    write_file(&markdown, &markdown_report(report, extra_markdown, &charts))?;
    Ok(ReportFiles {
        json,
        markdown,
        charts,
    })
}

/// The body of `report.md`; `charts` are linked by file name.
pub fn markdown_report(report: &Report, extra_markdown: &str, charts: &[PathBuf]) -> String {
    let mut out = String::from("# softliq stress report\n\n");
    out.push_str(&format!(
        "Scenario: `{}` · {} positions · {} slots\n\n",
        report.scenario,
        format::count(report.positions),
        format::count(report.slots)
    ));
    let extra = extra_markdown.trim();
    if !extra.is_empty() {
        out.push_str(extra);
        out.push_str("\n\n");
    }
    out.push_str("## Metrics\n\n");
    out.push_str(&markdown_table(report));
    out.push_str(
        "\nAmounts in quote units; rates as percentages; `bad_debt` is realised plus latent \
         (open positions and unsold lots valued at the final fundamental price).\n",
    );
    if !charts.is_empty() {
        out.push_str("\n## Charts\n\n");
        for chart in charts {
            let file = chart
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            let title = chart_title(&file);
            out.push_str(&format!("### {title}\n\n![{title}]({file})\n\n"));
        }
    }
    out
}

/// Metrics as rows, runs as columns, in markdown.
pub fn markdown_table(report: &Report) -> String {
    let names = report.run_names();
    let mut out = String::from("| metric |");
    for name in &names {
        out.push_str(&format!(" {name} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(names.len()));
    out.push('\n');
    for row in metric_rows(report, &names) {
        out.push_str(&format!("| `{}` |", row[0]));
        for cell in &row[1..] {
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out
}

/// A plain aligned table for the terminal.
pub fn terminal_table(report: &Report) -> String {
    let names = report.run_names();
    let mut rows = vec![std::iter::once("metric")
        .chain(names.iter().copied())
        .map(str::to_string)
        .collect::<Vec<_>>()];
    rows.extend(metric_rows(report, &names));
    let columns = names.len() + 1;
    let widths: Vec<usize> = (0..columns)
        .map(|column| rows.iter().map(|row| row[column].len()).max().unwrap_or(0))
        .collect();
    let mut out = format!(
        "scenario: {}   positions: {}   slots: {}\n",
        report.scenario,
        format::count(report.positions),
        format::count(report.slots)
    );
    for (i, row) in rows.iter().enumerate() {
        let mut line = format!("{:<width$}", row[0], width = widths[0]);
        for (cell, width) in row[1..].iter().zip(&widths[1..]) {
            line.push_str(&format!("  {cell:>width$}"));
        }
        out.push_str(line.trim_end());
        out.push('\n');
        if i == 0 {
            let total = widths.iter().sum::<usize>() + 2 * (columns - 1);
            out.push_str(&"-".repeat(total));
            out.push('\n');
        }
    }
    out
}

/// Names in display order: standard runs first, then the rest by name.
pub fn display_order<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut names: Vec<&str> = names.collect();
    names.sort_by_key(|name| {
        let rank = STANDARD_RUNS
            .iter()
            .position(|standard| standard == name)
            .unwrap_or(STANDARD_RUNS.len());
        (rank, *name)
    });
    names
}

type Formatter = fn(&RunMetrics) -> String;

/// Every field of [`RunMetrics`], with how to show it.
const METRIC_ROWS: [(&str, Formatter); 14] = [
    ("bad_debt", |m| format::quote(m.bad_debt)),
    ("realised_bad_debt", |m| format::quote(m.realised_bad_debt)),
    ("latent_bad_debt", |m| format::quote(m.latent_bad_debt)),
    ("insurance_draw", |m| format::quote(m.insurance_draw)),
    ("socialized_loss", |m| format::quote(m.socialized_loss)),
    ("recovery_rate", |m| format::rate(m.recovery_rate)),
    ("liquidated_notional", |m| {
        format::quote(m.liquidated_notional)
    }),
    ("max_slot_liquidated_notional", |m| {
        format::quote(m.max_slot_liquidated_notional)
    }),
    ("max_price_impact_bps", |m| {
        format::bps(m.max_price_impact_bps)
    }),
    ("max_sale_impact_bps", |m| {
        format::bps(m.max_sale_impact_bps)
    }),
    ("borrower_loss_rate", |m| format::rate(m.borrower_loss_rate)),
    ("positions_liquidated", |m| {
        format::count(m.positions_liquidated)
    }),
    ("positions_fully_closed", |m| {
        format::count(m.positions_fully_closed)
    }),
    ("wall_seconds", |m| format::seconds(m.wall_seconds)),
];

/// `[metric, value per run...]` for every metric.
fn metric_rows(report: &Report, names: &[&str]) -> Vec<Vec<String>> {
    METRIC_ROWS
        .iter()
        .map(|(metric, show)| {
            std::iter::once(metric.to_string())
                .chain(names.iter().map(|name| show(&report.runs[*name])))
                .collect()
        })
        .collect()
}

fn chart_title(file: &str) -> &'static str {
    match file {
        PRICE_CHART => "Price paths",
        LIQUIDATED_CHART => "Liquidated notional per slot",
        INSURANCE_CHART => "Insurance fund balance",
        BAD_DEBT_CHART => "Bad debt over time",
        _ => "Chart",
    }
}

fn write_charts(
    dir: &Path,
    series: &BTreeMap<String, RunSeries>,
) -> Result<Vec<PathBuf>, ReportError> {
    let names = display_order(series.keys().map(String::as_str));
    let runs: Vec<ChartRun<'_>> = names
        .iter()
        .scan(0usize, |extra, name| {
            let color = charts::run_color(name, *extra);
            if !STANDARD_RUNS.contains(name) {
                *extra += 1;
            }
            Some((*name, &series[*name], color))
        })
        .collect();
    let fundamental = runs
        .iter()
        .map(|(_, run, _)| run.fundamental.as_slice())
        .find(|values| !values.is_empty())
        .unwrap_or(&[]);
    let mut price_lines = vec![charts::Line {
        label: "fundamental".to_string(),
        color: charts::fundamental_color(),
        values: fundamental,
        dashed: true,
    }];
    price_lines.extend(run_lines(&runs, |run| &run.oracle_price, " oracle"));
    use plotters::chart::SeriesLabelPosition as Legend;
    let plan = [
        (
            PRICE_CHART,
            "Fundamental and oracle (external market) price",
            "quote per base",
            false,
            Legend::UpperRight,
            price_lines,
        ),
        (
            LIQUIDATED_CHART,
            "Liquidated notional per slot",
            "quote",
            true,
            Legend::UpperRight,
            run_lines(&runs, |run| &run.liquidated_notional, ""),
        ),
        (
            INSURANCE_CHART,
            "Insurance fund balance",
            "quote",
            false,
            Legend::LowerLeft,
            run_lines(&runs, |run| &run.insurance_balance, ""),
        ),
        (
            BAD_DEBT_CHART,
            "Bad debt over time",
            "quote",
            true,
            Legend::UpperLeft,
            run_lines(&runs, |run| &run.bad_debt, ""),
        ),
    ];
    let mut written = Vec::with_capacity(plan.len());
    for (file, title, y_label, from_zero, legend, lines) in plan {
        let path = dir.join(file);
        let spec = charts::ChartSpec {
            title,
            y_label,
            from_zero,
            legend,
        };
        charts::draw(&path, &spec, &lines).map_err(|message| ReportError::Chart {
            path: path.clone(),
            message,
        })?;
        written.push(path);
    }
    Ok(written)
}

/// A run's name, series and colour.
type ChartRun<'a> = (&'a str, &'a RunSeries, plotters::style::RGBColor);

/// One line per run, picking one series of each.
fn run_lines<'a>(
    runs: &[ChartRun<'a>],
    pick: fn(&RunSeries) -> &[f64],
    suffix: &str,
) -> Vec<charts::Line<'a>> {
    runs.iter()
        .map(|(name, run, color)| charts::Line {
            label: format!("{name}{suffix}"),
            color: *color,
            values: pick(run),
            dashed: false,
        })
        .collect()
}

fn write_file(path: &Path, contents: &str) -> Result<(), ReportError> {
    fs::write(path, contents).map_err(|source| io_error(path, source))
}

fn io_error(path: &Path, source: std::io::Error) -> ReportError {
    ReportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests;
