//! The report: metrics per run (`report.json`), time series per run (the
//! charts), and the writers for `report.json`, `report.md`, SVG charts and
//! the terminal table.

pub mod charts;
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
const METRIC_ROWS: [(&str, Formatter); 13] = [
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
mod tests {
    use super::*;
    use serde_json::Value;

    const METRIC_KEYS: [&str; 13] = [
        "bad_debt",
        "realised_bad_debt",
        "latent_bad_debt",
        "insurance_draw",
        "socialized_loss",
        "recovery_rate",
        "liquidated_notional",
        "max_slot_liquidated_notional",
        "max_price_impact_bps",
        "borrower_loss_rate",
        "positions_liquidated",
        "positions_fully_closed",
        "wall_seconds",
    ];
    const COUNT_KEYS: [&str; 2] = ["positions_liquidated", "positions_fully_closed"];

    fn metrics(seed: f64) -> RunMetrics {
        RunMetrics {
            bad_debt: 1_000.0 * seed,
            realised_bad_debt: 600.0 * seed,
            latent_bad_debt: 400.0 * seed,
            insurance_draw: 250.5 * seed,
            socialized_loss: 10.0 * seed,
            recovery_rate: 0.9 + seed / 100.0,
            liquidated_notional: 2_500_000.0 * seed,
            max_slot_liquidated_notional: 80_000.0 * seed,
            max_price_impact_bps: 12.5 * seed,
            borrower_loss_rate: 0.01 * seed,
            positions_liquidated: 100 * seed as u64,
            positions_fully_closed: 10 * seed as u64,
            wall_seconds: 1.5,
        }
    }

    fn sample_report(extra: &[&str]) -> Report {
        let mut runs = BTreeMap::new();
        for (i, name) in STANDARD_RUNS.iter().chain(extra).enumerate() {
            runs.insert(name.to_string(), metrics(i as f64 + 1.0));
        }
        Report {
            scenario: "crash".into(),
            positions: 10_000,
            slots: 600,
            runs,
        }
    }

    fn sample_series(names: &[&str], slots: usize) -> BTreeMap<String, RunSeries> {
        let mut all = BTreeMap::new();
        for (i, name) in names.iter().enumerate() {
            let mut run = RunSeries::with_capacity(slots);
            for slot in 0..slots {
                let fundamental = 100.0 - 40.0 * slot as f64 / slots as f64;
                run.push(SlotSample {
                    oracle_price: fundamental * (1.0 - 0.01 * i as f64),
                    fundamental,
                    liquidated_notional: (slot % 7) as f64 * 1_000.0 * i as f64,
                    insurance_balance: 1_000_000.0 - slot as f64 * 10.0 * i as f64,
                    bad_debt: slot as f64 * i as f64,
                });
            }
            all.insert(name.to_string(), run);
        }
        all
    }

    fn keys(value: &Value) -> Vec<&str> {
        let mut keys: Vec<&str> = value
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        keys
    }

    #[test]
    fn json_has_exactly_the_issue_shape() {
        let report = sample_report(&["dynamic"]);
        let value: Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(keys(&value), ["positions", "runs", "scenario", "slots"]);
        assert_eq!(value["scenario"], "crash");
        assert!(value["positions"].is_u64() && value["positions"] == 10_000);
        assert!(value["slots"].is_u64() && value["slots"] == 600);
        assert_eq!(
            keys(&value["runs"]),
            ["dynamic", "hard", "none", "partial", "soft"]
        );
        let mut expected = METRIC_KEYS.to_vec();
        expected.sort_unstable();
        for (name, run) in value["runs"].as_object().unwrap() {
            assert_eq!(keys(run), expected, "run {name}");
            for key in METRIC_KEYS {
                if COUNT_KEYS.contains(&key) {
                    assert!(run[key].is_u64(), "{name}.{key} is an integer");
                } else {
                    assert!(run[key].is_f64(), "{name}.{key} is a decimal");
                }
            }
        }
        assert_eq!(value["runs"]["hard"]["bad_debt"], 2_000.0);
    }

    #[test]
    fn json_round_trips_and_is_deterministic() {
        let report = sample_report(&[]);
        let json = report.to_json();
        assert_eq!(json, sample_report(&[]).to_json());
        let back: Report = serde_json::from_str(&json).unwrap();
        assert_eq!(back, report);
        assert!(json.ends_with("}\n"));
    }

    #[test]
    fn runs_show_standard_first_then_extras_by_name() {
        let report = sample_report(&["zeta", "dynamic"]);
        assert_eq!(
            report.run_names(),
            ["soft", "hard", "partial", "none", "dynamic", "zeta"]
        );
    }

    #[test]
    fn terminal_table_has_every_run_and_metric() {
        let report = sample_report(&["dynamic"]);
        let table = terminal_table(&report);
        let header = table.lines().nth(1).unwrap();
        let columns: Vec<&str> = header.split_whitespace().collect();
        assert_eq!(
            columns,
            ["metric", "soft", "hard", "partial", "none", "dynamic"]
        );
        for key in METRIC_KEYS {
            let row = table
                .lines()
                .find(|line| line.split_whitespace().next() == Some(key))
                .unwrap_or_else(|| panic!("row {key} missing:\n{table}"));
            assert_eq!(row.split_whitespace().count(), 6, "{row}");
        }
        assert!(table.contains("10,000"));
        assert!(table.contains("crash"));
        let bad_debt_row = table.lines().find(|l| l.starts_with("bad_debt")).unwrap();
        assert!(bad_debt_row.contains("1,000.00") && bad_debt_row.contains("5,000.00"));
        // Right-aligned columns: every data row has the same width.
        let widths: Vec<usize> = table.lines().skip(1).map(str::len).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{table}");
    }

    #[test]
    fn markdown_table_has_every_run_and_metric() {
        let report = sample_report(&["dynamic"]);
        let table = markdown_table(&report);
        let mut lines = table.lines();
        assert_eq!(
            lines.next().unwrap(),
            "| metric | soft | hard | partial | none | dynamic |"
        );
        assert_eq!(lines.next().unwrap(), "|---|---:|---:|---:|---:|---:|");
        assert_eq!(lines.count(), METRIC_KEYS.len());
        for key in METRIC_KEYS {
            assert!(table.contains(&format!("| `{key}` |")), "{key}");
        }
        assert!(table.contains("| 91.00% |"), "recovery rate of soft");
    }

    #[test]
    fn write_report_writes_json_markdown_and_charts() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("nested/report");
        let report = sample_report(&["dynamic"]);
        let names = ["soft", "hard", "partial", "none", "dynamic"];
        let series = sample_series(&names, 120);
        let extra =
            "Book: 50,000,000 quote of debt against 20,000,000 quote of external depth per side.";
        let files = write_report(&out, &report, &series, extra).unwrap();

        let json = fs::read_to_string(&files.json).unwrap();
        assert_eq!(json, report.to_json());

        assert_eq!(
            files.charts,
            [
                PRICE_CHART,
                LIQUIDATED_CHART,
                INSURANCE_CHART,
                BAD_DEBT_CHART
            ]
            .map(|f| out.join(f))
        );
        for chart in &files.charts {
            let svg = fs::read_to_string(chart).unwrap();
            assert!(svg.len() > 1_000, "{} is too small", chart.display());
            assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
            for name in names {
                assert!(svg.contains(name), "{} lacks {name}", chart.display());
            }
        }
        let price = fs::read_to_string(out.join(PRICE_CHART)).unwrap();
        assert!(price.contains("fundamental"));

        let markdown = fs::read_to_string(&files.markdown).unwrap();
        assert!(markdown.contains("`crash`"));
        assert!(markdown.contains(extra));
        assert!(markdown.contains(&markdown_table(&report)));
        for file in [
            PRICE_CHART,
            LIQUIDATED_CHART,
            INSURANCE_CHART,
            BAD_DEBT_CHART,
        ] {
            assert!(markdown.contains(&format!("]({file})")), "link to {file}");
        }
    }

    #[test]
    fn write_report_without_series_skips_charts() {
        let dir = tempfile::tempdir().unwrap();
        let report = sample_report(&[]);
        let files = write_report(dir.path(), &report, &BTreeMap::new(), "").unwrap();
        assert!(files.charts.is_empty());
        assert!(!dir.path().join(PRICE_CHART).exists());
        let markdown = fs::read_to_string(&files.markdown).unwrap();
        assert!(!markdown.contains("## Charts"));
    }

    #[test]
    fn charts_survive_flat_and_non_finite_series() {
        let dir = tempfile::tempdir().unwrap();
        let mut series = BTreeMap::new();
        let mut run = RunSeries::default();
        for slot in 0..5 {
            run.push(SlotSample {
                oracle_price: if slot == 2 { f64::NAN } else { 10.0 },
                fundamental: 10.0,
                ..SlotSample::default()
            });
        }
        assert_eq!(run.len(), 5);
        series.insert("soft".to_string(), run);
        series.insert("hard".to_string(), RunSeries::default());
        let files = write_report(dir.path(), &sample_report(&[]), &series, "").unwrap();
        assert_eq!(files.charts.len(), 4);
    }

    #[test]
    fn write_report_reports_io_errors() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        fs::write(&blocker, "x").unwrap();
        let err = write_report(&blocker, &sample_report(&[]), &BTreeMap::new(), "").unwrap_err();
        assert!(matches!(err, ReportError::Io { .. }));
        assert!(err.to_string().contains("cannot write"));
    }
}
