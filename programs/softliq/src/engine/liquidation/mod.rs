//! Liquidation sizing: how much collateral the crank seizes from one position.
//!
//! Seizing `x` collateral moves debt `d = x·P·(1 − pen − buf)` into a lot whose
//! tab is `d + x·P·pen`; the lot is over-collateralised by `buf`. Solving
//! `health_target(C − x, D − d) ≥ 0` for `x` gives
//! `x = (D − C·P·w_t) / (P·(tm − pen − buf))`, rounded up with a small slack so
//! that integer rounding never leaves the position below target.
//! A position whose debt exceeds `C·P·(1 − pen − buf)` cannot be restored and
//! is seized whole (debt moved pro rata when a bound stops it earlier).
use crate::engine::health::{is_liquidatable, weighted_value};
use crate::math::{mul_div_u128, to_u64, value_of, Rounding, BPS, PRICE_SCALE};

/// The parameters sizing uses (a subset of `MarketParams`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiqParams {
    pub maint_margin_bps: u64,
    pub target_margin_bps: u64,
    pub liquidation_penalty_bps: u64,
    pub lot_buffer_bps: u64,
    pub close_factor_bps: u64,
    pub liq_ramp_slots: u64,
    /// Urgent tier: a position whose loan-to-value is within this many bps
    /// of insolvency (debt = collateral value at the oracle) is urgent: no
    /// ramp, and the urgent allowance on top of the per-slot budget (0 = no
    /// urgent tier). Waiting would turn it into bad debt within a slot or two
    /// of an adverse move.
    pub urgent_gap_bps: u64,
}

impl LiqParams {
    /// The sizing parameters of the parameters in force, without an urgent tier.
    pub fn from_market(p: &crate::state::MarketParams) -> Self {
        Self {
            maint_margin_bps: p.maint_margin_bps,
            target_margin_bps: p.target_margin_bps,
            liquidation_penalty_bps: p.liquidation_penalty_bps,
            lot_buffer_bps: p.lot_buffer_bps,
            close_factor_bps: p.close_factor_bps,
            liq_ramp_slots: p.liq_ramp_slots,
            urgent_gap_bps: 0,
        }
    }

    /// The sizing parameters a crank uses: those in force and the urgent tier
    /// of the market's risk parameters.
    pub fn for_crank(p: &crate::state::MarketParams, r: &crate::state::RiskParams) -> Self {
        Self {
            urgent_gap_bps: r.urgent_gap_bps,
            ..Self::from_market(p)
        }
    }
    /// Debt credited per unit of seized value: `1 − pen − buf` (bps).
    pub fn credit_bps(&self) -> Option<u64> {
        BPS.checked_sub(self.liquidation_penalty_bps)?
            .checked_sub(self.lot_buffer_bps)
    }
}

/// What the position and the market allow at this moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiqInput {
    pub collateral_native: u64,
    pub debt_native: u64,
    pub price: u64,
    /// Slots since the episode began (0 when it begins now).
    pub episode_slots: u64,
    /// Collateral when the episode began (current collateral for a new one).
    pub episode_start_collateral_native: u64,
    pub episode_seized_collateral_native: u64,
    /// Seized notional the market may still take this slot (None = unlimited).
    pub budget_remaining_notional: Option<u64>,
    /// Urgent positions' allowance left this slot, on top of the budget.
    pub urgent_remaining_notional: u64,
    /// Collateral the auction may still take in (None = unlimited).
    pub hole_remaining_collateral: Option<u64>,
    /// Extra health (debt-token native) to aim above target, covering share rounding.
    pub slack_native: u64,
    /// A liquidation episode is under way: it continues until target health,
    /// even once the position is back above maintenance.
    pub in_episode: bool,
    /// A step stopped by a bound (ramp, budget, hole, close factor) that would
    /// seize less notional than this is skipped: no dust lots.
    pub min_notional: u64,
}

/// Base of the rounding slack the crank aims above target health.
pub const SLACK_BASE_NATIVE: u64 = 3;

/// The slack the crank aims above target health (debt-token native): the
/// debt moved into a lot is removed from the position as debt shares rounded
/// down (`health::shares_for_repay`), and the position's debt is read back
/// rounded up (`health::debt_native`), so what is left can exceed the plan by
/// one share's worth (`borrow_index / BORROW_INDEX_SCALE`, rounded down, so
/// plus one) and a unit each way: `3 + borrow_index / BORROW_INDEX_SCALE`.
pub fn rounding_slack_native(borrow_index: u64) -> u64 {
    SLACK_BASE_NATIVE.saturating_add(borrow_index / crate::math::BORROW_INDEX_SCALE)
}

impl LiqInput {
    /// The sizing input for a position at `slot`, as `crank_liquidate` and the
    /// keeper build it: its episode state (a new episode starts now when none
    /// is under way), the rounding slack and the dust floor. The market-wide
    /// allowances (per-slot budget, urgent allowance, auction cap) are left
    /// unlimited for the caller to set.
    pub fn for_position(
        p: &crate::state::Position,
        debt_native: u64,
        price: u64,
        slot: u64,
        borrow_index: u64,
        dust_native: u64,
    ) -> Self {
        let ongoing = p.in_episode();
        Self {
            collateral_native: p.collateral_native,
            debt_native,
            price,
            episode_slots: if ongoing {
                slot.saturating_sub(p.liq_start_slot)
            } else {
                0
            },
            episode_start_collateral_native: if ongoing {
                p.episode_start_collateral_native
            } else {
                p.collateral_native
            },
            episode_seized_collateral_native: if ongoing {
                p.episode_seized_collateral_native
            } else {
                0
            },
            budget_remaining_notional: None,
            urgent_remaining_notional: 0,
            hole_remaining_collateral: None,
            slack_native: rounding_slack_native(borrow_index),
            in_episode: ongoing,
            min_notional: dust_native,
        }
    }
}

/// Which limit decided the seized size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// Seized what target health needs.
    Target,
    /// Seized the whole position (it could not be restored).
    Whole,
    CloseFactor,
    Ramp,
    Budget,
    Hole,
}

impl Bound {
    pub fn code(self) -> u8 {
        match self {
            Bound::Target => 0,
            Bound::Whole => 1,
            Bound::CloseFactor => 2,
            Bound::Ramp => 3,
            Bound::Budget => 4,
            Bound::Hole => 5,
        }
    }
}

/// A liquidation step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiqPlan {
    pub seize_collateral_native: u64,
    /// Debt moved from the position into the lot (the lot's debt tab).
    pub debt_moved_native: u64,
    /// Penalty owed to insurance from the lot's proceeds.
    pub penalty_native: u64,
    /// Oracle value of the seized collateral (rounded down).
    pub seized_notional_native: u64,
    /// Collateral target health needed before any bound.
    pub needed_collateral_native: u64,
    pub unrestorable: bool,
    /// The position was urgent: the part of `seized_notional_native` beyond
    /// the budget is charged to the urgent allowance.
    pub urgent: bool,
    pub bound: Bound,
}

/// Why nothing is seized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoLiq {
    Healthy,
    /// A bound (ramp, budget, hole, close factor) allows nothing now.
    Bounded(Bound),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiqError {
    Math,
    BadParams,
}

fn m<T>(v: Option<T>) -> Result<T, LiqError> {
    v.ok_or(LiqError::Math)
}

/// The ramp: cumulative fraction (bps) of the episode's collateral seizable after `slots`.
pub fn ramp_fraction_bps(ramp_slots: u64, episode_slots: u64) -> u64 {
    if ramp_slots == 0 {
        return BPS;
    }
    let n = (episode_slots as u128).saturating_add(1);
    let f = n
        .saturating_mul(BPS as u128)
        .checked_div(ramp_slots as u128)
        .unwrap_or(BPS as u128);
    f.min(BPS as u128) as u64
}

/// Plans one liquidation step. `Ok(Err(..))` means nothing to seize (skip).
/// A position is liquidated when below maintenance, or, once its episode has
/// begun, while it is below target; the episode ends at target health.
pub fn plan(p: &LiqParams, s: &LiqInput) -> Result<Result<LiqPlan, NoLiq>, LiqError> {
    let c = s.collateral_native;
    let d = s.debt_native;
    let below_maint = m(is_liquidatable(c, d, s.price, p.maint_margin_bps))?;
    let continuing = s.in_episode && m(is_liquidatable(c, d, s.price, p.target_margin_bps))?;
    if !below_maint && !continuing {
        return Ok(Err(NoLiq::Healthy));
    }
    let k = p.credit_bps().ok_or(LiqError::BadParams)?;
    let value = m(value_of(c, s.price, Rounding::Down))?;
    let restorable_debt = m(mul_div_u128(value, k as u128, BPS as u128, Rounding::Down))?;
    let unrestorable = (d as u128) >= restorable_debt || s.price == 0;
    // Urgent: loan-to-value ≥ 1 − gap (insolvent ones included).
    let urgent = p.urgent_gap_bps > 0 && {
        let threshold = BPS.saturating_sub(p.urgent_gap_bps) as u128;
        (d as u128).saturating_mul(BPS as u128) >= value.saturating_mul(threshold)
    };

    let needed = if unrestorable {
        c
    } else {
        let denom_bps = p
            .target_margin_bps
            .checked_sub(p.liquidation_penalty_bps)
            .and_then(|v| v.checked_sub(p.lot_buffer_bps))
            .filter(|v| *v > 0)
            .ok_or(LiqError::BadParams)?;
        let w = m(weighted_value(c, s.price, p.target_margin_bps))?;
        let deficit = (d as u128)
            .saturating_sub(w)
            .checked_add(s.slack_native as u128)
            .ok_or(LiqError::Math)?;
        let num = m(deficit.checked_mul(BPS as u128))?;
        let den = m((s.price as u128).checked_mul(denom_bps as u128))?;
        let x = m(mul_div_u128(num, PRICE_SCALE as u128, den, Rounding::Up))?;
        x.min(c as u128) as u64
    };

    let mut x = needed;
    let mut bound = if unrestorable {
        Bound::Whole
    } else {
        Bound::Target
    };
    let mut limit = |cap: u64, b: Bound| {
        if cap < x {
            x = cap;
            bound = b;
        }
    };
    if p.close_factor_bps < BPS {
        let cap = if unrestorable {
            m(mul_div_u128(
                c as u128,
                p.close_factor_bps as u128,
                BPS as u128,
                Rounding::Down,
            ))?
        } else {
            let max_debt = m(mul_div_u128(
                d as u128,
                p.close_factor_bps as u128,
                BPS as u128,
                Rounding::Down,
            ))?;
            let den = m((s.price as u128).checked_mul(k as u128))?;
            m(mul_div_u128(
                m(max_debt.checked_mul(BPS as u128))?,
                PRICE_SCALE as u128,
                den,
                Rounding::Down,
            ))?
        };
        limit(cap.min(u64::MAX as u128) as u64, Bound::CloseFactor);
    }
    if !unrestorable && !urgent {
        let frac = ramp_fraction_bps(p.liq_ramp_slots, s.episode_slots);
        let allowed = m(mul_div_u128(
            s.episode_start_collateral_native as u128,
            frac as u128,
            BPS as u128,
            Rounding::Down,
        ))?;
        let cap = allowed.saturating_sub(s.episode_seized_collateral_native as u128);
        limit(cap.min(u64::MAX as u128) as u64, Bound::Ramp);
    }
    if let Some(budget) = s.budget_remaining_notional {
        let budget = if urgent {
            budget.saturating_add(s.urgent_remaining_notional)
        } else {
            budget
        };
        let cap = if s.price == 0 {
            u128::MAX
        } else {
            m(mul_div_u128(
                budget as u128,
                PRICE_SCALE as u128,
                s.price as u128,
                Rounding::Down,
            ))?
        };
        limit(cap.min(u64::MAX as u128) as u64, Bound::Budget);
    }
    if let Some(hole) = s.hole_remaining_collateral {
        limit(hole, Bound::Hole);
    }
    if x == 0 {
        return Ok(Err(NoLiq::Bounded(bound)));
    }

    let notional = m(value_of(x, s.price, Rounding::Down))?;
    // Below `min_notional`, only a whole seizure or a step for a position below
    // maintenance proceeds: bounded scraps and top-ups of an episode (interest
    // pushing a position a hair below target) would make dust lots.
    let bounded = !matches!(bound, Bound::Target | Bound::Whole);
    let topup = bound == Bound::Target && !below_maint;
    if (bounded || topup) && notional < s.min_notional as u128 {
        return Ok(Err(NoLiq::Bounded(bound)));
    }
    let debt_moved = if unrestorable {
        m(mul_div_u128(
            d as u128,
            x as u128,
            c as u128,
            Rounding::Down,
        ))?
    } else {
        m(mul_div_u128(
            notional,
            k as u128,
            BPS as u128,
            Rounding::Down,
        ))?
        .min(d as u128)
    };
    let penalty = m(mul_div_u128(
        m(value_of(x, s.price, Rounding::Up))?,
        p.liquidation_penalty_bps as u128,
        BPS as u128,
        Rounding::Up,
    ))?;
    Ok(Ok(LiqPlan {
        seize_collateral_native: x,
        debt_moved_native: m(to_u64(debt_moved))?,
        penalty_native: m(to_u64(penalty))?,
        seized_notional_native: m(to_u64(notional))?,
        needed_collateral_native: needed,
        unrestorable,
        urgent,
        bound,
    }))
}

#[cfg(test)]
mod tests;
