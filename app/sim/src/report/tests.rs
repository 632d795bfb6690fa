//! Tests of the report writers.
use super::*;
use serde_json::Value;

const METRIC_KEYS: [&str; 14] = [
    "bad_debt",
    "realised_bad_debt",
    "latent_bad_debt",
    "insurance_draw",
    "socialized_loss",
    "recovery_rate",
    "liquidated_notional",
    "max_slot_liquidated_notional",
    "max_price_impact_bps",
    "max_sale_impact_bps",
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
        max_sale_impact_bps: 7.5 * seed,
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
