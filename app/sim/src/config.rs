//! The validated inputs of a simulation ([`SimConfig`]), the mechanisms
//! simulated ([`RunKind`]) with their parameters (the soft and dynamic runs:
//! `engine::params::soft_rule` for the market's depth, on every scenario),
//! and the named fields `--soft-param` may set on top of the rule
//! ([`set_param`], [`set_risk_param`]). `cli` builds a `SimConfig`; nothing here depends on `cli`
//! or on the simulation itself.
use std::path::PathBuf;

use softliq::engine::params::{soft_rule, validate};
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
    /// `--stress-bidders`: bidders as they are in a stress (the matrix's default).
    pub bidder_stress: Option<BidderStress>,
}

/// Bidders as they are in a stress: finite capital that comes back only
/// after they resell, a discount that grows with the price's observed speed,
/// and slots in which no bid lands (congestion, as on Black Thursday). Every
/// draw is seeded by the run's seed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BidderStress {
    /// Bidders' quote capital ÷ the external market's depth per side.
    pub capital_to_depth: f64,
    /// Slots before the quote paid for collateral is free again (resale,
    /// transfer, settlement).
    pub recycle_slots: u64,
    /// Extra discount asked per unit of observed speed (the mean |Δ ln p|
    /// per slot of the external market over the last [`SPEED_WINDOW_SLOTS`]).
    pub discount_per_speed: f64,
    /// Probability that no bid lands in a slot at rest, and its growth per
    /// unit of speed (capped at [`MAX_CONGESTION`]).
    pub congestion_base: f64,
    pub congestion_per_speed: f64,
}

/// Slots over which bidders observe the price's speed.
pub const SPEED_WINDOW_SLOTS: usize = 5;
/// Most slots in which no bid lands.
pub const MAX_CONGESTION: f64 = 0.9;

impl BidderStress {
    /// The stress the matrix runs with: capital a tenth of the depth, back
    /// after 10 slots; at a speed of 1.5% a slot bidders ask 6% more and a
    /// third of the slots see no bid.
    pub const DEFAULT: BidderStress = BidderStress {
        capital_to_depth: 0.1,
        recycle_slots: 10,
        discount_per_speed: 4.0,
        congestion_base: 0.05,
        congestion_per_speed: 20.0,
    };

    /// Probability that no bid lands at `speed`.
    pub fn congestion(&self, speed: f64) -> f64 {
        (self.congestion_base + self.congestion_per_speed * speed).clamp(0.0, MAX_CONGESTION)
    }

    /// The margin bidders ask at `speed`.
    pub fn margin(&self, speed: f64) -> f64 {
        BIDDER_MARGIN + self.discount_per_speed * speed
    }

    /// One line for the report.
    pub fn describe(&self, depth_quote: f64) -> String {
        format!(
            "Bidders are stressed: {:.0} quote of capital ({:.0}% of the depth), each payment \
             locked for {} slots; they ask {:.1}% plus {:.1}× the price's speed (mean |Δ ln p| a \
             slot over {} slots), and no bid lands in a slot with probability {:.0}% plus {:.0}× \
             the speed (at most {:.0}%), drawn from the seed.",
            self.capital_to_depth * depth_quote,
            self.capital_to_depth * 100.0,
            self.recycle_slots,
            BIDDER_MARGIN * 100.0,
            self.discount_per_speed,
            SPEED_WINDOW_SLOTS,
            self.congestion_base * 100.0,
            self.congestion_per_speed,
            MAX_CONGESTION * 100.0
        )
    }
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

/// The external market's depth in debt-token native units (6 decimals).
pub fn depth_native(market_depth_quote: f64) -> u64 {
    (market_depth_quote * 1e6) as u64
}

/// `$obj.$field = $value` for the field named `$key`, or an error naming it.
macro_rules! set_named {
    ($obj:expr, $key:expr, $value:expr; $($f:ident),* $(,)?) => {
        match $key {
            $(stringify!($f) => {
                $obj.$f = $value;
                Ok(())
            })*
            _ => Err(format!("unknown parameter `{}`", $key)),
        }
    };
}

/// Sets one parameter by its field name.
pub fn set_param(p: &mut MarketParams, key: &str, value: u64) -> Result<(), String> {
    set_named!(p, key, value;
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
        auction_hold_slots,
    )
}

/// Sets one dynamic-risk parameter (`RiskParams`) by its field name.
pub fn set_risk_param(r: &mut RiskParams, key: &str, value: u64) -> Result<(), String> {
    set_named!(r, key, value;
        vol_enabled,
        vol_half_life_slots,
        vol_max_move_bps,
        vol_horizon_slots,
        vol_k_bps,
        margin_addon_cap_bps,
        margin_step_bps,
        depth_native,
        budget_depth_bps,
        budget_floor_bps,
        max_price_move_bps,
        max_crank_gap_slots,
        budget_growth_bps,
        budget_cap_bps,
        urgent_gap_bps,
        urgent_budget_bps,
    )
}

/// Whether `key` names a `RiskParams` field ([`set_risk_param`]).
pub fn is_risk_param(key: &str) -> bool {
    set_risk_param(&mut RiskParams::static_default(), key, 0).is_ok()
}

/// Whether `key` names a field `--soft-param` can set ([`set_param`] or
/// [`set_risk_param`]).
pub fn is_param(key: &str) -> bool {
    set_param(&mut MarketParams::default_soft(), key, 0).is_ok() || is_risk_param(key)
}

/// A liquidation mechanism.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RunKind {
    /// The soft rule for the market's depth (`engine::params::soft_rule`):
    /// its program and risk parameters.
    Soft,
    /// Whole position at once, immediate sale at a fixed 5% discount
    /// (`MarketParams::hard`).
    Hard,
    /// Aave-like: up to 50% of a position per liquidation, fixed 5% discount,
    /// no ramp, no per-slot budget (`hard` with a 50% close factor).
    Partial,
    /// No keepers: nothing is ever liquidated.
    None,
    /// The soft rule with a per-slot budget that shrinks as volatility rises
    /// ([`dynamic_risk`]; the rule's budget is fixed): what selling less in a
    /// storm does.
    Dynamic,
}

pub const RUNS: [RunKind; 5] = [
    RunKind::Soft,
    RunKind::Hard,
    RunKind::Partial,
    RunKind::None,
    RunKind::Dynamic,
];

/// How far the `dynamic` run's budget shrinks at the add-on's cap, bps of
/// its base (half).
pub const DYNAMIC_BUDGET_FLOOR_BPS: u64 = 5_000;

/// The `dynamic` run's risk parameters: the soft rule's
/// (`engine::params::soft_rule`, volatility-scaled margins included) with
/// the per-slot budget set from the depth (`budget_depth_bps`, the rule's
/// 0.45%) and shrinking linearly to half of it as the margin add-on reaches
/// its cap (docs/dynamic-risk.md, "Depth-aware budget"): what selling less
/// into a volatile market does.
pub fn dynamic_risk(market_depth_quote: f64) -> RiskParams {
    RiskParams {
        depth_native: depth_native(market_depth_quote),
        budget_depth_bps: softliq::engine::params::SOFT_BUDGET_DEPTH_BPS,
        budget_floor_bps: DYNAMIC_BUDGET_FLOOR_BPS,
        ..soft_rule(depth_native(market_depth_quote)).1
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

    /// The run's dynamic-risk parameters: the soft rule's for `soft`
    /// (volatility-scaled margins), [`dynamic_risk`] for `dynamic`, static
    /// for the others.
    pub fn risk(self, market_depth_quote: f64) -> RiskParams {
        match self {
            RunKind::Soft => soft_rule(depth_native(market_depth_quote)).1,
            RunKind::Dynamic => dynamic_risk(market_depth_quote),
            _ => RiskParams::static_default(),
        }
    }

    /// The run's dynamic-risk parameters with the `overrides` that name
    /// `RiskParams` fields applied (soft and dynamic runs only), checked
    /// with `engine::risk::validate` against `params`, the run's program
    /// parameters ([`RunKind::params`] with the same overrides).
    pub fn risk_with(
        self,
        params: &MarketParams,
        market_depth_quote: f64,
        overrides: &[(String, u64)],
    ) -> Result<RiskParams, SimError> {
        let mut r = self.risk(market_depth_quote);
        if matches!(self, RunKind::Soft | RunKind::Dynamic) {
            // Program-parameter names are `params`'s.
            for (key, value) in overrides.iter().filter(|(k, _)| is_risk_param(k)) {
                set_risk_param(&mut r, key, *value).map_err(|error| SimError::Params {
                    run: self.name(),
                    error,
                })?;
            }
        }
        softliq::engine::risk::validate(params, &r).map_err(|e| SimError::Params {
            run: self.name(),
            error: format!("{e:?}"),
        })?;
        Ok(r)
    }

    pub fn keepers(self) -> bool {
        self != RunKind::None
    }

    /// The program parameters of this run, as written before validation:
    /// the soft rule for the market's depth (`engine::params::soft_rule`) for
    /// the soft and dynamic runs, the presets for the others.
    pub fn raw_params(self, market_depth_quote: f64) -> MarketParams {
        match self {
            RunKind::Soft | RunKind::Dynamic => soft_rule(depth_native(market_depth_quote)).0,
            RunKind::None => MarketParams::default_soft(),
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

    /// The parameters (for the soft and dynamic runs, the rule with
    /// `overrides` applied), checked with `engine::params::validate`.
    pub fn params(
        self,
        market_depth_quote: f64,
        overrides: &[(String, u64)],
    ) -> Result<(MarketParams, Option<String>), SimError> {
        let mut p = self.raw_params(market_depth_quote);
        let mut note = None;
        if matches!(self, RunKind::Soft | RunKind::Dynamic) && !overrides.is_empty() {
            for (key, value) in overrides {
                // Dynamic-risk names are `risk_with`'s.
                if is_risk_param(key) {
                    continue;
                }
                set_param(&mut p, key, *value).map_err(|error| SimError::Params {
                    run: self.name(),
                    error,
                })?;
            }
            let list: Vec<String> = overrides.iter().map(|(k, v)| format!("{k}={v}")).collect();
            note = Some(format!(
                "{}: engine::params::soft_rule(depth) with {}",
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
            let (p, _) = kind
                .params(crate::market::DEFAULT_QUOTE_DEPTH, &[])
                .unwrap();
            assert_eq!(validate(&p), Ok(()), "{}", kind.name());
            assert_eq!(RunKind::parse(kind.name()), Some(kind));
        }
        let (hard, _) = RunKind::Hard
            .params(crate::market::DEFAULT_QUOTE_DEPTH, &[])
            .unwrap();
        assert_eq!(
            hard.target_margin_bps,
            softliq::engine::params::TARGET_CLOSE_ALL
        );
        assert_eq!(
            (hard.liq_ramp_slots, hard.max_liq_notional_per_slot),
            (0, 0)
        );
        let (partial, _) = RunKind::Partial
            .params(crate::market::DEFAULT_QUOTE_DEPTH, &[])
            .unwrap();
        assert_eq!(partial.close_factor_bps, 5_000);
        // The soft run is the rule: 45 bps of the depth a slot, no overrides.
        let depth = crate::market::DEFAULT_QUOTE_DEPTH;
        let (soft, note) = RunKind::Soft.params(depth, &[]).unwrap();
        assert_eq!(soft, soft_rule(depth_native(depth)).0);
        assert_eq!(
            soft.max_liq_notional_per_slot,
            depth_native(depth) / 10_000 * 45
        );
        assert!(note.is_none());
        // Its risk parameters are the rule's too (volatility-scaled margins);
        // dynamic differs only in a depth budget that shrinks with them.
        let rule = soft_rule(depth_native(depth)).1;
        assert_eq!(RunKind::Soft.risk(depth), rule);
        assert_eq!(rule.vol_enabled, 1);
        let dynamic = RunKind::Dynamic.risk(depth);
        assert_eq!(
            (dynamic.budget_depth_bps, dynamic.budget_floor_bps),
            (45, 5_000)
        );
        assert_eq!(dynamic.depth_native, depth_native(depth));
        assert_eq!(
            RiskParams {
                depth_native: 0,
                budget_depth_bps: 0,
                budget_floor_bps: rule.budget_floor_bps,
                ..dynamic
            },
            rule
        );
        for kind in [RunKind::Hard, RunKind::Partial, RunKind::None] {
            assert_eq!(kind.risk(depth), RiskParams::static_default());
        }
    }

    #[test]
    fn soft_params_set_risk_fields_too_and_are_validated() {
        let depth = crate::market::DEFAULT_QUOTE_DEPTH;
        let o = |k: &str, v: u64| vec![(k.to_string(), v)];
        // The program parameters with the same overrides, as a run computes them.
        let risk_with = |kind: RunKind, overrides: &[(String, u64)]| {
            let (p, _) = kind.params(depth, overrides).unwrap();
            kind.risk_with(&p, depth, overrides)
        };
        // A risk field goes to the risk parameters, a program field to the
        // program parameters; neither leaks into the other.
        let r = risk_with(RunKind::Soft, &o("margin_step_bps", 10)).unwrap();
        assert_eq!(r.margin_step_bps, 10);
        let (p, note) = RunKind::Soft
            .params(depth, &o("margin_step_bps", 10))
            .unwrap();
        assert_eq!(p, soft_rule(depth_native(depth)).0);
        assert!(note.unwrap().contains("margin_step_bps=10"));
        let r = risk_with(RunKind::Soft, &o("auction_cut_bps", 9_900)).unwrap();
        assert_eq!(r, RunKind::Soft.risk(depth));
        // Only soft and dynamic take overrides.
        assert_eq!(
            risk_with(RunKind::Hard, &o("margin_step_bps", 10)).unwrap(),
            RiskParams::static_default()
        );
        // Out of bounds: refused with the engine's error.
        for (k, v) in [("margin_step_bps", 0), ("margin_addon_cap_bps", 4_600)] {
            let err = risk_with(RunKind::Soft, &o(k, v)).unwrap_err();
            assert!(
                matches!(&err, SimError::Params { run: "soft", error } if error == "Bounds"),
                "{k}={v}: {err}"
            );
        }
        assert!(is_param("vol_k_bps") && is_param("auction_cut_bps"));
        assert!(is_risk_param("vol_k_bps") && !is_risk_param("auction_cut_bps"));
        assert!(!is_param("vol_kbps"));
    }
}
