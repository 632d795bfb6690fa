//! The validated inputs of a simulation ([`SimConfig`]), the mechanisms
//! simulated ([`RunKind`]) with their parameters, and the soft run's
//! parameter overrides: the named fields `--soft-param` may set
//! ([`set_param`]) and the overrides used without it
//! ([`suggested_soft_overrides`]). `cli` builds a `SimConfig`; nothing here
//! depends on `cli` or on the simulation itself.
use std::path::PathBuf;

use softliq::engine::params::validate;
use softliq::state::{MarketParams, RiskParams};

use crate::paths::{PricePath, Scenario};

/// Profit a bidder wants over its resale in the external market (after the
/// market's fee), as a fraction of the price it pays.
pub const BIDDER_MARGIN: f64 = 0.005;
/// Insurance fund seeded with this share of the book's debt.
pub const INSURANCE_SHARE: f64 = 0.015;
/// LP pool = book debt × this (utilisation 80%, the rate curve's kink).
pub const LP_OVER_DEBT: f64 = 1.25;

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
    pub book_collateral_quote: f64,
    pub arb_strength: f64,
    /// Runs at the same time (at least 1).
    pub jobs: usize,
    /// `--soft-param` overrides, in order.
    pub soft_overrides: Vec<(String, u64)>,
    /// Lot book capacity (0 = automatic).
    pub lot_capacity: u32,
    /// The mechanisms simulated (`--runs`; all of [`RUNS`] by default).
    pub runs: Vec<RunKind>,
    /// `--trace DIR`: a per-slot CSV per run, `DIR/<run>.csv`.
    pub trace_dir: Option<PathBuf>,
}

impl SimConfig {
    /// One line describing the run.
    pub fn summary(&self) -> String {
        format!(
            "scenario {} ({}), {} positions, {} slots, seed {}, book collateral {} quote, external depth {} quote per side, arbitrage {}/slot, report in {}",
            self.scenario.name(),
            self.path,
            self.positions,
            self.slots,
            self.seed,
            self.book_collateral_quote,
            self.market_depth_quote,
            self.arb_strength,
            self.out.display()
        )
    }
}

/// Soft parameters for a market of this depth, the best set measured on the
/// crash preset (soft run alone, keepers ranking highest loan-to-value first,
/// see `softliq_keeper::scan::rank_for_crank`): the auction starts at 98% of
/// the oracle and falls 0.5% a slot, a 4% lot cushion, no ramp, and a
/// per-slot budget of 0.45% of the external market's depth. The measurements
/// behind each value are in docs/decisions.md, "Simulator parameters and
/// keeper ranking".
pub fn suggested_soft_overrides(market_depth_quote: f64) -> Vec<(String, u64)> {
    // 45 bps of the depth, in debt-token native units.
    let budget_native = ((market_depth_quote * 1e6) as u64 / 10_000).saturating_mul(45);
    [
        ("auction_start_buffer_bps", 9_800),
        ("auction_step_slots", 1),
        ("auction_cut_bps", 9_950),
        ("lot_buffer_bps", 400),
        ("liq_ramp_slots", 0),
        ("max_liq_notional_per_slot", budget_native),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Sets one parameter by its field name.
pub fn set_param(p: &mut MarketParams, key: &str, value: u64) -> Result<(), String> {
    macro_rules! fields {
        ($($f:ident),* $(,)?) => {
            match key {
                $(stringify!($f) => p.$f = value,)*
                _ => return Err(format!("unknown parameter `{key}`")),
            }
        };
    }
    fields!(
        init_margin_bps,
        target_margin_bps,
        maint_margin_bps,
        liquidation_penalty_bps,
        lot_buffer_bps,
        close_factor_bps,
        keeper_tip_native,
        keeper_chip_bps,
        keeper_pay_cap_native,
        max_positions_per_crank,
        liq_ramp_slots,
        max_liq_notional_per_slot,
        max_lot_collateral_native,
        auction_start_buffer_bps,
        auction_curve,
        auction_tau_slots,
        auction_step_slots,
        auction_cut_bps,
        auction_tail_slots,
        auction_cusp_bps,
        auction_max_resets,
        auction_reset_tip_native,
        dust_native,
        max_oracle_age_slots,
        max_oracle_age_secs,
        max_conf_bps,
        max_deviation_bps,
        borrow_rate_base_bps,
        borrow_rate_slope1_bps,
        borrow_rate_slope2_bps,
        borrow_rate_kink_bps,
        insurance_withdraw_cooldown_slots,
    );
    Ok(())
}

/// A liquidation mechanism.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RunKind {
    /// The market's soft parameters (`MarketParams::default_soft`).
    Soft,
    /// Whole position at once, immediate sale at a fixed 5% discount
    /// (`MarketParams::hard`).
    Hard,
    /// Aave-like: up to 50% of a position per liquidation, fixed 5% discount,
    /// no ramp, no per-slot budget (`hard` with a 50% close factor).
    Partial,
    /// No keepers: nothing is ever liquidated.
    None,
    /// The soft run's parameters plus dynamic risk ([`dynamic_risk`]):
    /// margins that follow the on-chain volatility estimate and a per-slot
    /// budget set from the external market's depth.
    Dynamic,
}

pub const RUNS: [RunKind; 5] = [
    RunKind::Soft,
    RunKind::Hard,
    RunKind::Partial,
    RunKind::None,
    RunKind::Dynamic,
];

/// Dynamic risk of the `dynamic` run for an external market of this depth:
/// the volatility estimate with a 50-slot half-life, margins + 2σ over a
/// 50-slot horizon (add-on capped at 5%, moving at most 5 bps a slot), and
/// the per-slot budget at 0.45% of the depth (the soft run's static budget,
/// so that the margins are the only difference), not shrinking with
/// volatility.
pub fn dynamic_risk(market_depth_quote: f64) -> RiskParams {
    RiskParams {
        vol_enabled: 1,
        vol_half_life_slots: 50,
        vol_max_move_bps: 500,
        vol_horizon_slots: 50,
        vol_k_bps: 20_000,
        margin_addon_cap_bps: 500,
        margin_step_bps: 5,
        depth_native: (market_depth_quote * 1e6) as u64,
        budget_depth_bps: 45,
        budget_floor_bps: 10_000,
        ..RiskParams::static_default()
    }
}

impl RunKind {
    pub fn name(self) -> &'static str {
        match self {
            RunKind::Soft => "soft",
            RunKind::Hard => "hard",
            RunKind::Partial => "partial",
            RunKind::None => "none",
            RunKind::Dynamic => "dynamic",
        }
    }

    /// The run called `name` (as [`RunKind::name`] writes it).
    pub fn parse(name: &str) -> Option<RunKind> {
        RUNS.into_iter().find(|k| k.name() == name)
    }

    /// The run's dynamic-risk parameters (static for all but `dynamic`).
    pub fn risk(self, market_depth_quote: f64) -> RiskParams {
        match self {
            RunKind::Dynamic => dynamic_risk(market_depth_quote),
            _ => RiskParams::static_default(),
        }
    }

    pub fn keepers(self) -> bool {
        self != RunKind::None
    }

    /// The program parameters of this run, as written before validation.
    pub fn raw_params(self) -> MarketParams {
        match self {
            RunKind::Soft | RunKind::None | RunKind::Dynamic => MarketParams::default_soft(),
            RunKind::Hard => MarketParams::hard(),
            // Hard liquidation limited to half of a position per liquidation
            // (a position still below maintenance is liquidated again in
            // the following slots): the only difference from `hard`.
            RunKind::Partial => MarketParams {
                close_factor_bps: 5_000,
                ..MarketParams::hard()
            },
        }
    }

    /// The parameters (the soft run with `overrides` applied), checked with
    /// `engine::params::validate`.
    pub fn params(
        self,
        overrides: &[(String, u64)],
    ) -> Result<(MarketParams, Option<String>), SimError> {
        let mut p = self.raw_params();
        let mut note = None;
        if matches!(self, RunKind::Soft | RunKind::Dynamic) && !overrides.is_empty() {
            for (key, value) in overrides {
                set_param(&mut p, key, *value).map_err(|error| SimError::Params {
                    run: self.name(),
                    error,
                })?;
            }
            let list: Vec<String> = overrides.iter().map(|(k, v)| format!("{k}={v}")).collect();
            note = Some(format!(
                "{}: MarketParams::default_soft() with {}",
                self.name(),
                list.join(", ")
            ));
        }
        validate(&p).map_err(|e| SimError::Params {
            run: self.name(),
            error: format!("{e:?}"),
        })?;
        Ok((p, note))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("run {run}: parameters fail validation: {error}")]
    Params { run: &'static str, error: String },
    #[error("run {run}: setup failed: {message}")]
    Setup { run: &'static str, message: String },
    #[error("run {run}: invariant violated at the end of the run: {message}")]
    Invariant { run: &'static str, message: String },
    #[error("run {run}: external market: {message}")]
    Market { run: &'static str, message: String },
    #[error("run {run} panicked: {message}")]
    Panic { run: &'static str, message: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_run_has_valid_parameters() {
        for kind in RUNS {
            let (p, _) = kind.params(&[]).unwrap();
            assert_eq!(validate(&p), Ok(()), "{}", kind.name());
            assert_eq!(RunKind::parse(kind.name()), Some(kind));
        }
        let (hard, _) = RunKind::Hard.params(&[]).unwrap();
        assert_eq!(
            hard.target_margin_bps,
            softliq::engine::params::TARGET_CLOSE_ALL
        );
        assert_eq!(
            (hard.liq_ramp_slots, hard.max_liq_notional_per_slot),
            (0, 0)
        );
        let (partial, _) = RunKind::Partial.params(&[]).unwrap();
        assert_eq!(partial.close_factor_bps, 5_000);
    }
}
