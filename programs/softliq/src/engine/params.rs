//! Market parameter defaults and hard bounds. Every parameter is validated at
//! market creation and on every update; see docs/parameters.md.
use crate::engine::auction::{CURVE_ANCHORED, CURVE_LINEAR, CURVE_STEP_EXP};
use crate::math::BPS;
use crate::state::MarketParams;

/// `target_margin_bps` value meaning "close all debt" (hard liquidation).
pub const TARGET_CLOSE_ALL: u64 = BPS;
/// Upper bound of `max_positions_per_crank`.
pub const MAX_POSITIONS_PER_CRANK: u64 = 64;

/// Upper bound of `auction_hold_slots` (≈ 11 hours at 400 ms slots).
pub const MAX_AUCTION_HOLD_SLOTS: u64 = 100_000;

/// Slots between the announcement of a parameter change and the earliest
/// update that may apply it (≈ 1 hour at 400 ms slots): users see every
/// change coming and can act before it binds (docs/security.md).
pub const PARAMS_NOTICE_SLOTS: u64 = 9_000;
/// Most a margin (initial, target, maintenance) or the penalty may rise in one
/// applied update: a raise of the maintenance margin from 5% to 50% takes 45
/// notices, not one call.
pub const MAX_MARGIN_RAISE_BPS: u64 = 100;

/// What `update_params` does with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdatePlan {
    /// The request equals the parameters in force: nothing changes but the
    /// pause flags, and any pending announcement is withdrawn.
    Unchanged,
    /// Announce the request; it may be applied from `PARAMS_NOTICE_SLOTS`
    /// after `since`. `since` is kept when the same request is repeated.
    Announce { since: u64 },
    /// Apply the request (announced long enough ago).
    Apply,
}

/// Decides an update: a change applies only when it equals the pending
/// announcement made at least `PARAMS_NOTICE_SLOTS` earlier; otherwise it is
/// announced. Margins and the penalty may rise at most `MAX_MARGIN_RAISE_BPS`
/// per applied update. Both the request and its validity are checked here.
pub fn plan_update(
    current: &MarketParams,
    pending: &MarketParams,
    pending_slot: u64,
    request: &MarketParams,
    slot: u64,
) -> Result<UpdatePlan, ParamError> {
    validate(request)?;
    let raises = [
        (current.init_margin_bps, request.init_margin_bps),
        (current.target_margin_bps, request.target_margin_bps),
        (current.maint_margin_bps, request.maint_margin_bps),
        (
            current.liquidation_penalty_bps,
            request.liquidation_penalty_bps,
        ),
    ];
    if raises
        .iter()
        .any(|&(old, new)| new.saturating_sub(old) > MAX_MARGIN_RAISE_BPS)
    {
        return Err(ParamError::RaiseTooLarge);
    }
    if request == current {
        return Ok(UpdatePlan::Unchanged);
    }
    let same_as_pending = pending_slot != 0 && request == pending;
    if same_as_pending && slot >= pending_slot.saturating_add(PARAMS_NOTICE_SLOTS) {
        return Ok(UpdatePlan::Apply);
    }
    Ok(UpdatePlan::Announce {
        since: if same_as_pending {
            pending_slot
        } else {
            slot.max(1)
        },
    })
}

/// Which parameter failed validation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamError {
    Margins,
    Penalty,
    LotBuffer,
    CloseFactor,
    KeeperPay,
    CrankSize,
    Auction,
    Oracle,
    BorrowRate,
    Cooldown,
    /// A margin or the penalty rises by more than `MAX_MARGIN_RAISE_BPS`.
    RaiseTooLarge,
}

impl MarketParams {
    /// The soft-liquidation defaults (documented in docs/parameters.md).
    pub fn default_soft() -> Self {
        Self {
            init_margin_bps: 1_000,
            target_margin_bps: 600,
            maint_margin_bps: 500,
            liquidation_penalty_bps: 50,
            lot_buffer_bps: 100,
            close_factor_bps: BPS,
            keeper_tip_native: 1_000_000,
            keeper_chip_bps: 10,
            keeper_pay_cap_native: 100_000_000,
            max_positions_per_crank: MAX_POSITIONS_PER_CRANK,
            liq_ramp_slots: 10,
            max_liq_notional_per_slot: 250_000_000_000,
            max_lot_collateral_native: 0,
            auction_start_buffer_bps: 10_200,
            auction_curve: CURVE_STEP_EXP,
            auction_tau_slots: 600,
            auction_step_slots: 2,
            auction_cut_bps: 9_950,
            auction_tail_slots: 300,
            auction_cusp_bps: 6_000,
            auction_max_resets: 10,
            auction_reset_tip_native: 100_000,
            dust_native: 1_000_000,
            max_oracle_age_slots: 50,
            max_oracle_age_secs: 60,
            max_conf_bps: 200,
            max_deviation_bps: 1_000,
            borrow_rate_base_bps: 100,
            borrow_rate_slope1_bps: 900,
            borrow_rate_slope2_bps: 10_000,
            borrow_rate_kink_bps: 8_000,
            insurance_withdraw_cooldown_slots: 216_000,
            auction_hold_slots: 0,
        }
    }

    /// Hard liquidation as parameters: close all debt at once, no ramp, no
    /// budget, an immediate sale at a fixed 5% discount. The seized collateral
    /// is worth debt / 0.95 (penalty 1% + buffer 4%), so a sale at the 5%
    /// discount still repays the debt, as a liquidator bonus does elsewhere.
    pub fn hard() -> Self {
        Self {
            target_margin_bps: TARGET_CLOSE_ALL,
            liquidation_penalty_bps: 100,
            lot_buffer_bps: 400,
            liq_ramp_slots: 0,
            max_liq_notional_per_slot: 0,
            auction_start_buffer_bps: 9_500,
            auction_curve: CURVE_LINEAR,
            auction_tau_slots: 1_000_000,
            ..Self::default_soft()
        }
    }
}

/// The soft rule's per-slot budget: bps of the external market's depth.
pub const SOFT_BUDGET_DEPTH_BPS: u64 = 45;
/// The soft rule's budget growth per bound slot (and decay per slack slot):
/// off. On the measured paths every growth tried (×1.1 to ×1.5 a slot)
/// raised bad debt (docs/adaptive-budget.md); a market whose book is small
/// against its external depth may set it with `set_risk_params`.
pub const SOFT_BUDGET_GROWTH_BPS: u64 = 0;
/// The soft rule's budget ceiling, bps of the base (used once growth is on).
pub const SOFT_BUDGET_CAP_BPS: u64 = 100_000;
/// The soft rule's urgent tier: off, for the same measured reason.
pub const SOFT_URGENT_GAP_BPS: u64 = 0;
/// The soft rule's urgent allowance, bps of the base budget.
pub const SOFT_URGENT_BUDGET_BPS: u64 = 0;

/// The soft rule's volatility-scaled margins (docs/dynamic-risk.md): the
/// add-on is `SOFT_VOL_K_BPS` (2σ) of the price's volatility over
/// `SOFT_VOL_HORIZON_SLOTS`, the estimate's half-life is
/// `SOFT_VOL_HALF_LIFE_SLOTS`, one sample is capped at `SOFT_VOL_MAX_MOVE_BPS`.
/// A margin that covers 2σ of the moves expected over the next 50 slots
/// (20 s) liquidates a position while it still holds collateral above its
/// debt, whatever drives the price. These are the settings the simulator's
/// volatility run used since the estimator was written, not re-tuned for
/// the rule; their sensitivity is in docs/dynamic-risk.md.
pub const SOFT_VOL_HORIZON_SLOTS: u64 = 50;
/// The soft rule's volatility half-life, slots.
pub const SOFT_VOL_HALF_LIFE_SLOTS: u64 = 50;
/// The soft rule's volatility multiplier, bps of σ over the horizon (2σ).
pub const SOFT_VOL_K_BPS: u64 = 20_000;
/// The soft rule's largest move one volatility sample counts, bps.
pub const SOFT_VOL_MAX_MOVE_BPS: u64 = 500;
/// The soft rule's ceiling on the margin add-on, bps (fixed at creation).
pub const SOFT_MARGIN_ADDON_CAP_BPS: u64 = 500;
/// The soft rule's largest move of the add-on per slot, bps: a rise reaches
/// maintenance one slot after the initial margin, by one step at most.
pub const SOFT_MARGIN_STEP_BPS: u64 = 5;

/// The soft parameters for a market, derived from what its admin can know:
/// the depth of the external market the seized collateral is sold into
/// (`depth_native`: debt-token native on one side of the book; 0 = unknown,
/// then no per-slot budget). Everything else is the defaults of
/// [`MarketParams::default_soft`] except where the rule says otherwise
/// (docs/parameters.md, "The soft rule"):
///
/// - per-slot budget `SOFT_BUDGET_DEPTH_BPS` of the depth: what arbitrage
///   clears from the external market per slot at a bounded price impact;
/// - the auction starts at 98% of the oracle and falls 0.5% a slot, so that
///   bidders who resell into the external market (fees and slippage ≈ 0.5%)
///   take the slot's lots at once; it is anchored (`CURVE_ANCHORED`): a lot
///   never asks more than a lot of its age started at the slot's oracle
///   price, so that in a fall its ask follows the market down instead of
///   staying above it until the fall ends; a 4% lot buffer, so that a lot sold below
///   the seizure price still repays its debt; no ramp (the budget spreads
///   the selling);
/// - the adaptive budget and the urgent tier (`engine::budget`) are present
///   but off (`SOFT_BUDGET_GROWTH_BPS`, `SOFT_URGENT_GAP_BPS`): on the
///   simulator's paths more throughput meant more price impact and more bad
///   debt (docs/adaptive-budget.md);
/// - volatility-scaled margins (`engine::risk`): initial, maintenance and
///   target margins rise by 2σ of the on-chain volatility estimate over 50
///   slots (at most 5%, at most 5 bps a slot) and fall back as the market
///   calms, so that a fast or noisy market is liquidated before its
///   positions are under water and before the budget's queue builds up
///   (docs/dynamic-risk.md, "In the soft rule");
/// - the insolvent-lot hold lasts one whole first round
///   (`auction_hold_slots = auction_tail_slots`): a lot seized insolvent is
///   not sold below its debt price before its first reset
///   (docs/auction-hold.md).
pub fn soft_rule(depth_native: u64) -> (MarketParams, crate::state::RiskParams) {
    let budget = (depth_native as u128)
        .saturating_mul(SOFT_BUDGET_DEPTH_BPS as u128)
        .checked_div(BPS as u128)
        .unwrap_or(u128::MAX);
    let base = MarketParams::default_soft();
    let params = MarketParams {
        auction_hold_slots: base.auction_tail_slots,
        auction_curve: CURVE_ANCHORED,
        auction_start_buffer_bps: 9_800,
        auction_step_slots: 1,
        auction_cut_bps: 9_950,
        lot_buffer_bps: 400,
        liq_ramp_slots: 0,
        max_liq_notional_per_slot: u64::try_from(budget).unwrap_or(u64::MAX),
        ..base
    };
    let risk = crate::state::RiskParams {
        vol_enabled: 1,
        vol_half_life_slots: SOFT_VOL_HALF_LIFE_SLOTS,
        vol_max_move_bps: SOFT_VOL_MAX_MOVE_BPS,
        vol_horizon_slots: SOFT_VOL_HORIZON_SLOTS,
        vol_k_bps: SOFT_VOL_K_BPS,
        margin_addon_cap_bps: SOFT_MARGIN_ADDON_CAP_BPS,
        margin_step_bps: SOFT_MARGIN_STEP_BPS,
        budget_growth_bps: SOFT_BUDGET_GROWTH_BPS,
        budget_cap_bps: SOFT_BUDGET_CAP_BPS,
        urgent_gap_bps: SOFT_URGENT_GAP_BPS,
        urgent_budget_bps: SOFT_URGENT_BUDGET_BPS,
        ..crate::state::RiskParams::static_default()
    };
    (params, risk)
}

/// Checks every parameter against its hard bounds.
pub fn validate(p: &MarketParams) -> Result<(), ParamError> {
    let close_all = p.target_margin_bps == TARGET_CLOSE_ALL;
    let margins_ok = (50..=5_000).contains(&p.maint_margin_bps)
        && p.target_margin_bps >= p.maint_margin_bps
        && (close_all || p.target_margin_bps < p.init_margin_bps)
        && p.init_margin_bps > p.maint_margin_bps
        && p.init_margin_bps <= 9_000;
    if !margins_ok {
        return Err(ParamError::Margins);
    }
    if p.liquidation_penalty_bps >= p.maint_margin_bps || p.liquidation_penalty_bps > 2_000 {
        return Err(ParamError::Penalty);
    }
    // The sizing formula divides by target − penalty − buffer.
    let spent = p.liquidation_penalty_bps.saturating_add(p.lot_buffer_bps);
    if p.lot_buffer_bps > 2_000 || spent >= p.target_margin_bps {
        return Err(ParamError::LotBuffer);
    }
    if !(1_000..=BPS).contains(&p.close_factor_bps) {
        return Err(ParamError::CloseFactor);
    }
    if p.keeper_chip_bps > 100 || p.keeper_tip_native > p.keeper_pay_cap_native {
        return Err(ParamError::KeeperPay);
    }
    if !(1..=MAX_POSITIONS_PER_CRANK).contains(&p.max_positions_per_crank)
        || p.liq_ramp_slots > 100_000
    {
        return Err(ParamError::CrankSize);
    }
    let curve_ok = match p.auction_curve {
        CURVE_LINEAR => p.auction_tau_slots >= 1,
        CURVE_STEP_EXP | CURVE_ANCHORED => {
            p.auction_step_slots >= 1 && (5_000..BPS).contains(&p.auction_cut_bps)
        }
        _ => false,
    };
    let auction_ok = curve_ok
        && (5_000..=15_000).contains(&p.auction_start_buffer_bps)
        && p.auction_tail_slots >= 1
        && p.auction_cusp_bps < BPS
        && p.auction_max_resets <= 1_000
        && p.auction_hold_slots <= MAX_AUCTION_HOLD_SLOTS;
    if !auction_ok {
        return Err(ParamError::Auction);
    }
    let oracle_ok = (1..=1_500).contains(&p.max_oracle_age_slots)
        && (1..=600).contains(&p.max_oracle_age_secs)
        && (1..=1_000).contains(&p.max_conf_bps)
        && (1..=5_000).contains(&p.max_deviation_bps);
    if !oracle_ok {
        return Err(ParamError::Oracle);
    }
    let rate_ok = p.borrow_rate_base_bps <= 10_000
        && p.borrow_rate_slope1_bps <= 50_000
        && p.borrow_rate_slope2_bps <= 200_000
        && (1..BPS).contains(&p.borrow_rate_kink_bps);
    if !rate_ok {
        return Err(ParamError::BorrowRate);
    }
    if p.insurance_withdraw_cooldown_slots > 10_000_000 {
        return Err(ParamError::Cooldown);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::arithmetic_side_effects)]
    use super::*;

    #[test]
    fn defaults_and_hard_are_valid() {
        assert_eq!(validate(&MarketParams::default_soft()), Ok(()));
        assert_eq!(validate(&MarketParams::hard()), Ok(()));
    }

    #[test]
    fn the_soft_rule_is_valid_and_scales_margins_with_volatility() {
        for depth in [0, 1, 1_000_000, 20_000_000_000_000, u64::MAX] {
            let (p, r) = soft_rule(depth);
            assert_eq!(validate(&p), Ok(()), "depth {depth}");
            assert_eq!(
                crate::engine::risk::validate(&p, &r),
                Ok(()),
                "depth {depth}"
            );
            assert_eq!(r.vol_enabled, 1);
            assert_eq!(
                (r.vol_k_bps, r.vol_horizon_slots, r.vol_half_life_slots),
                (20_000, 50, 50)
            );
            assert_eq!((r.margin_addon_cap_bps, r.margin_step_bps), (500, 5));
            // The add-on's ceiling keeps the margins inside their bounds.
            assert!(p.maint_margin_bps + r.margin_addon_cap_bps <= 5_000);
            assert!(p.init_margin_bps + r.margin_addon_cap_bps <= 9_000);
            // The adaptive budget and the urgent tier stay off.
            assert_eq!((r.budget_growth_bps, r.urgent_gap_bps), (0, 0));
        }
        // 0.45% of the depth a slot, rounded down; unknown depth: unlimited.
        assert_eq!(
            soft_rule(20_000_000_000_000).0.max_liq_notional_per_slot,
            90_000_000_000
        );
        assert_eq!(soft_rule(0).0.max_liq_notional_per_slot, 0);
        let most = (u64::MAX as u128 * 45 / 10_000) as u64;
        assert_eq!(soft_rule(u64::MAX).0.max_liq_notional_per_slot, most);
    }

    #[test]
    fn each_bound_rejects() {
        let base = MarketParams::default_soft();
        type Mutate = fn(&mut MarketParams);
        let cases: [(Mutate, ParamError); 10] = [
            (
                |p| p.target_margin_bps = p.init_margin_bps,
                ParamError::Margins,
            ),
            (
                |p| p.maint_margin_bps = p.target_margin_bps + 1,
                ParamError::Margins,
            ),
            (
                |p| p.liquidation_penalty_bps = p.maint_margin_bps,
                ParamError::Penalty,
            ),
            (|p| p.lot_buffer_bps = 560, ParamError::LotBuffer),
            (|p| p.close_factor_bps = 0, ParamError::CloseFactor),
            (
                |p| p.keeper_tip_native = p.keeper_pay_cap_native + 1,
                ParamError::KeeperPay,
            ),
            (|p| p.max_positions_per_crank = 65, ParamError::CrankSize),
            (|p| p.auction_curve = 7, ParamError::Auction),
            (
                |p| p.auction_hold_slots = MAX_AUCTION_HOLD_SLOTS + 1,
                ParamError::Auction,
            ),
            (|p| p.max_conf_bps = 0, ParamError::Oracle),
        ];
        for (f, e) in cases {
            let mut p = base;
            f(&mut p);
            assert_eq!(validate(&p), Err(e));
        }
    }

    #[test]
    fn changes_apply_only_after_their_notice() {
        let cur = MarketParams::default_soft();
        let none = MarketParams::default();
        let req = MarketParams {
            maint_margin_bps: cur.maint_margin_bps + 100,
            ..cur
        };
        // The same parameters: nothing to announce.
        assert_eq!(
            plan_update(&cur, &none, 0, &cur, 50),
            Ok(UpdatePlan::Unchanged)
        );
        // First time: announced at this slot.
        assert_eq!(
            plan_update(&cur, &none, 0, &req, 50),
            Ok(UpdatePlan::Announce { since: 50 })
        );
        // Repeated before the notice: the announcement keeps its slot.
        assert_eq!(
            plan_update(&cur, &req, 50, &req, 50 + PARAMS_NOTICE_SLOTS - 1),
            Ok(UpdatePlan::Announce { since: 50 })
        );
        // After the notice: applied.
        assert_eq!(
            plan_update(&cur, &req, 50, &req, 50 + PARAMS_NOTICE_SLOTS),
            Ok(UpdatePlan::Apply)
        );
        // A different request restarts the notice.
        let other = MarketParams {
            dust_native: cur.dust_native + 1,
            ..cur
        };
        assert_eq!(
            plan_update(&cur, &req, 50, &other, 20_000),
            Ok(UpdatePlan::Announce { since: 20_000 })
        );
    }

    #[test]
    fn margins_rise_at_most_one_step_per_update() {
        let cur = MarketParams::default_soft();
        let jump = MarketParams {
            maint_margin_bps: 5_000,
            target_margin_bps: 5_000,
            init_margin_bps: 6_000,
            liquidation_penalty_bps: 2_000,
            ..cur
        };
        assert_eq!(
            plan_update(&cur, &jump, 1, &jump, u64::MAX),
            Err(ParamError::RaiseTooLarge)
        );
        let penalty = MarketParams {
            liquidation_penalty_bps: cur.liquidation_penalty_bps + MAX_MARGIN_RAISE_BPS + 1,
            ..cur
        };
        assert_eq!(
            plan_update(&cur, &MarketParams::default(), 0, &penalty, 5),
            Err(ParamError::RaiseTooLarge)
        );
        // Lowering is not limited by the step (but still waits for its notice).
        let lower = MarketParams {
            init_margin_bps: 2_000,
            target_margin_bps: 1_500,
            maint_margin_bps: 1_000,
            ..cur
        };
        let from = MarketParams {
            init_margin_bps: 9_000,
            target_margin_bps: 5_000,
            maint_margin_bps: 5_000,
            ..cur
        };
        assert_eq!(
            plan_update(&from, &MarketParams::default(), 0, &lower, 5),
            Ok(UpdatePlan::Announce { since: 5 })
        );
    }
}
