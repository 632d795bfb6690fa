//! `softliq-sim`: runs soft, hard, partial and no liquidation on the same
//! book and price path against the real program in an in-process bank, then
//! prints the table and writes `report.json`, `report.md` and the charts.

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use softliq_sim::cli::{Cli, EXIT_INVALID_INPUT};
use softliq_sim::report::{terminal_table, write_report};
use softliq_sim::runs::simulate;

/// Exit code when the program misbehaved (invariant violated, unexpected
/// transaction errors) or the report could not be written.
const EXIT_FAILURE: u8 = 1;

fn main() -> ExitCode {
    // solana-program-test logs every instruction at debug level otherwise.
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "error");
    }
    if std::env::args().nth(1).as_deref() == Some("matrix") {
        return matrix_main();
    }
    let cli = Cli::parse();
    let config = match cli.validate() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("softliq-sim: error: {err}");
            return ExitCode::from(EXIT_INVALID_INPUT);
        }
    };
    if !config.quiet {
        eprintln!("{}", config.summary());
    }
    let started = Instant::now();
    let output = match simulate(&config) {
        Ok(output) => output,
        Err(err) => {
            eprintln!("softliq-sim: error: {err}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    print!("{}", terminal_table(&output.report));
    println!("total wall time: {:.1} s", started.elapsed().as_secs_f64());
    for run in &output.runs {
        if let Some(note) = &run.note {
            eprintln!("note: {note}");
        }
    }
    let files = match write_report(
        &config.out,
        &output.report,
        &output.series,
        &output.extra_markdown,
    ) {
        Ok(files) => files,
        Err(err) => {
            eprintln!("softliq-sim: error: {err}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    if !config.quiet {
        eprintln!(
            "report: {} ({} charts)",
            files.markdown.display(),
            files.charts.len()
        );
    }
    let unexpected = output.unexpected_errors();
    if unexpected > 0 {
        eprintln!(
            "softliq-sim: {unexpected} transactions failed unexpectedly (program misbehaviour?):"
        );
        for run in &output.runs {
            for e in &run.unexpected_errors {
                eprintln!("  {e}");
            }
        }
        return ExitCode::from(EXIT_FAILURE);
    }
    ExitCode::SUCCESS
}

/// `softliq-sim matrix ...`: every mechanism on every cell, matrix.json/md/svg.
fn matrix_main() -> ExitCode {
    use softliq_sim::matrix::{self, MatrixCli};
    let cli = MatrixCli::parse_from(std::env::args().skip(1));
    let started = Instant::now();
    let m = match matrix::run_matrix(&cli) {
        Ok(m) => m,
        Err(err @ matrix::MatrixError::Cli(_)) => {
            eprintln!("softliq-sim matrix: error: {err}");
            return ExitCode::from(EXIT_INVALID_INPUT);
        }
        Err(err) => {
            eprintln!("softliq-sim matrix: error: {err}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let s = matrix::summarize(&m);
    println!(
        "{} cells: soft <= hard in {}, <= partial in {}; soft/hard bad debt median {:.3}, worst {:.3}; worst impact soft/hard {:.3} (own sales {:.3}); recovery ok in {}",
        s.cells,
        s.won_vs_hard,
        s.won_vs_partial,
        s.median_vs_hard,
        s.worst_vs_hard,
        s.worst_impact_vs_hard,
        s.worst_sale_impact_vs_hard,
        s.recovery_ok
    );
    println!("matrix wall time: {:.1} s", started.elapsed().as_secs_f64());
    match matrix::write(&cli.out, &m) {
        Ok(files) => {
            for f in files {
                eprintln!("wrote {}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("softliq-sim matrix: error: {err}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
