//! Compute units measured in the VM, gathered from every SBF test and written
//! to `target/sbf/compute-units.md` (sorted, one row per measurement).
use std::sync::Mutex;

use harness::bank::{sbf_program_dir, Bank};

/// Solana keeps at most this many bytes of log messages per transaction.
pub const LOG_LIMIT_BYTES: usize = 10_000;

static ROWS: Mutex<Vec<(String, u64, usize)>> = Mutex::new(Vec::new());

/// Bytes of log the last transaction wrote (what counts against the limit).
pub fn log_bytes(bank: &Bank) -> usize {
    bank.last_logs.iter().map(|l| l.len()).sum()
}

/// Records the last transaction under `name` and rewrites the table.
pub fn record(bank: &Bank, name: &str) -> u64 {
    let cu = bank.last_cu;
    let logs = log_bytes(bank);
    assert!(
        !bank.last_logs.iter().any(|l| l.contains("Log truncated")),
        "{name}: the log was truncated"
    );
    let mut rows = ROWS.lock().unwrap_or_else(|e| e.into_inner());
    rows.retain(|(n, _, _)| n != name);
    rows.push((name.to_string(), cu, logs));
    rows.sort();
    let mut md = String::from("| instruction | compute units | log bytes |\n|---|---:|---:|\n");
    for (n, cu, logs) in rows.iter() {
        md.push_str(&format!("| {n} | {cu} | {logs} |\n"));
    }
    let _ = std::fs::write(sbf_program_dir().join("compute-units.md"), md);
    println!("{name}: {cu} CU, {logs} log bytes");
    cu
}

/// A bank running the SBF program.
pub async fn sbf_bank() -> Bank {
    Bank::start_with(true).await
}
