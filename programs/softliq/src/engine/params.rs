//! Market parameter defaults and hard bounds. Every parameter is validated at
//! market creation and on every update; see docs/parameters.md.
use crate::engine::auction::{CURVE_LINEAR, CURVE_STEP_EXP};
use crate::math::BPS;
use crate::state::MarketParams;

/// `target_margin_bps` value meaning "close all debt" (hard liquidation).
pub const TARGET_CLOSE_ALL: u64 = BPS;
/// Upper bound of `max_positions_per_crank`.
pub const MAX_POSITIONS_PER_CRANK: u64 = 64;

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
        CURVE_STEP_EXP => p.auction_step_slots >= 1 && (5_000..BPS).contains(&p.auction_cut_bps),
        _ => false,
    };
    let auction_ok = curve_ok
        && (5_000..=15_000).contains(&p.auction_start_buffer_bps)
        && p.auction_tail_slots >= 1
        && p.auction_cusp_bps < BPS
        && p.auction_max_resets <= 1_000;
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
    fn each_bound_rejects() {
        let base = MarketParams::default_soft();
        type Mutate = fn(&mut MarketParams);
        let cases: [(Mutate, ParamError); 9] = [
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
            (|p| p.max_conf_bps = 0, ParamError::Oracle),
        ];
        for (f, e) in cases {
            let mut p = base;
            f(&mut p);
            assert_eq!(validate(&p), Err(e));
        }
    }
}
