//! The optional per-slot trace of a run (`--trace DIR` writes `DIR/<run>.csv`):
//! what the keepers and bidders did each slot, the market's risk state, and
//! where the wall time went.
use std::path::Path;

use softliq::state::Market;

use crate::report::SlotSample;

const HEADER: &str = "t,fundamental,amm,oracle,candidates,cranks,lots_open,takes,settles,resets,taken_base,proceeds,notional,insurance,bad_debt,sigma_h_bps,addon_bps,maint_addon_bps,crank_ms,lot_ms,sample_ms\n";

/// Per-slot counters (reset at the start of every slot).
#[derive(Default, Clone, Copy)]
pub struct SlotTrace {
    pub candidates: usize,
    pub cranks: usize,
    pub lots_open: usize,
    pub takes: usize,
    pub settles: usize,
    pub resets: usize,
    pub taken_collateral: u64,
    pub proceeds: u64,
    pub crank_ms: f64,
    pub lot_ms: f64,
    pub sample_ms: f64,
}

/// The current slot's counters and, when tracing, the CSV so far.
#[derive(Default)]
pub struct Trace {
    pub slot: SlotTrace,
    csv: Option<String>,
}

/// Prices of the slot's row.
pub struct RowPrices {
    pub fundamental: f64,
    pub amm: f64,
}

impl Trace {
    /// A trace that records rows when `enabled`.
    pub fn new(enabled: bool) -> Trace {
        Trace {
            slot: SlotTrace::default(),
            csv: enabled.then(|| HEADER.to_string()),
        }
    }

    /// Appends slot `t`'s row (when tracing).
    pub fn push_row(&mut self, t: u64, prices: RowPrices, sample: &SlotSample, market: &Market) {
        let Some(csv) = self.csv.as_mut() else {
            return;
        };
        let tr = self.slot;
        csv.push_str(&format!(
            "{t},{:.4},{:.4},{:.4},{},{},{},{},{},{},{:.3},{:.2},{:.2},{:.2},{:.2},{},{},{},{:.2},{:.2},{:.2}\n",
            prices.fundamental,
            prices.amm,
            sample.oracle_price,
            tr.candidates,
            tr.cranks,
            tr.lots_open,
            tr.takes,
            tr.settles,
            tr.resets,
            tr.taken_collateral as f64 / 1e9,
            tr.proceeds as f64 / 1e6,
            sample.liquidated_notional,
            sample.insurance_balance,
            sample.bad_debt,
            market.risk_state.sigma_horizon_bps,
            market.risk_state.addon_bps,
            market.risk_state.maint_addon_bps,
            tr.crank_ms,
            tr.lot_ms,
            tr.sample_ms
        ));
    }

    /// Writes `dir/<run>.csv` (best effort, as a developer aid).
    pub fn write(&self, dir: &Path, run: &str) {
        if let Some(csv) = &self.csv {
            let _ = std::fs::create_dir_all(dir);
            let _ = std::fs::write(dir.join(format!("{run}.csv")), csv);
        }
    }
}
