//! The binary's exit codes and messages on invalid input.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_softliq-sim"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn valid_input_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let output = run(&[
        "--slots",
        "50",
        "--positions",
        "300",
        "--scenario",
        "gap",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("gap"));
    for file in ["report.json", "report.md", "price.svg"] {
        assert!(out.join(file).exists(), "{file} written");
    }
}

#[test]
fn unknown_preset_exits_two_and_lists_presets() {
    let output = run(&["--scenario", "meltdown"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    for name in ["meltdown", "crash", "flash", "bleed", "gap"] {
        assert!(message.contains(name), "{message}");
    }
}

#[test]
fn bad_csv_exits_two_and_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("path.csv");
    std::fs::write(&file, "slot,price\n0,100\n10,90\n20,0\n").unwrap();
    let output = run(&["--scenario", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("line 4: price must be positive"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn missing_csv_and_bad_flags_exit_two() {
    let output = run(&["--scenario", "/nonexistent/path.csv"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("/nonexistent/path.csv"));
    assert_eq!(run(&["--positions", "0"]).status.code(), Some(2));
    assert_eq!(run(&["--bogus"]).status.code(), Some(2));
}
