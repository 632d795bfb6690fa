//! Dynamic risk: an on-chain, exponentially weighted estimate of the oracle
//! price's per-slot variance, margins that follow it (base + k·σ over the
//! liquidation horizon, clamped to [base, base + cap], moving at most
//! `margin_step_bps` a slot), a per-slot liquidation budget that follows an
//! admin-set market depth, and the creation safety rule (Percolator's):
//! `max move per slot × max slots between cranks + penalty ≤ maintenance`.
//! See docs/dynamic-risk.md.
use crate::math::BPS;
use crate::state::{MarketParams, RiskParams, RiskState};

/// Returns are measured in parts per billion.
pub const PPB: u64 = 1_000_000_000;
/// ln 2 in parts per billion: an update `dt` slots after the last one weighs
/// `dt·ln2 / half_life` (capped at 1), so weights halve every half-life.
pub const LN2_PPB: u64 = 693_147_181;
/// ppb per bps.
const PPB_PER_BPS: u64 = 100_000;

/// Which rule the risk parameters break.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RiskError {
    /// A field is out of its bounds.
    Bounds,
    /// `max_price_move_bps × max_crank_gap_slots + penalty > maintenance`.
    SafetyRule,
}

/// The creation safety rule's left side: `move × gap + penalty` (bps).
pub fn safety_margin_needed_bps(p: &MarketParams, r: &RiskParams) -> Option<u64> {
    r.max_price_move_bps
        .checked_mul(r.max_crank_gap_slots)?
        .checked_add(p.liquidation_penalty_bps)
}

/// Checks the risk parameters against their bounds and `p` (already valid).
pub fn validate(p: &MarketParams, r: &RiskParams) -> Result<(), RiskError> {
    let cap = r.margin_addon_cap_bps;
    let init_cap = p.init_margin_bps.checked_add(cap);
    let maint_cap = p.maint_margin_bps.checked_add(cap);
    let bounds_ok = r.vol_enabled <= 1
        && (1..=1_000_000).contains(&r.vol_half_life_slots)
        && (1..=5_000).contains(&r.vol_max_move_bps)
        && (1..=100_000).contains(&r.vol_horizon_slots)
        && r.vol_k_bps <= 100_000
        && init_cap.is_some_and(|v| v <= 9_000)
        && maint_cap.is_some_and(|v| v <= 5_000)
        && (1..=100).contains(&r.margin_step_bps)
        && r.budget_depth_bps <= 1_000
        && (r.budget_depth_bps == 0 || r.depth_native > 0)
        && r.budget_floor_bps <= BPS
        && (1..=5_000).contains(&r.max_price_move_bps)
        && (1..=1_500).contains(&r.max_crank_gap_slots)
        && r.budget_growth_bps <= 20_000
        && (10_000..=1_000_000).contains(&r.budget_cap_bps)
        && r.urgent_gap_bps <= 5_000
        && r.urgent_budget_bps <= 1_000_000;
    if !bounds_ok {
        return Err(RiskError::Bounds);
    }
    match safety_margin_needed_bps(p, r) {
        Some(needed) if needed <= p.maint_margin_bps => Ok(()),
        _ => Err(RiskError::SafetyRule),
    }
}

/// Floor of the square root (at most 128 Newton steps).
pub fn isqrt(n: u128) -> u128 {
    if n < 2 {
        return n;
    }
    let bits = 128u32.saturating_sub(n.leading_zeros());
    let mut x: u128 = 1u128 << bits.div_ceil(2).min(127);
    for _ in 0..128 {
        let Some(q) = n.checked_div(x) else { break };
        let y = x.saturating_add(q) >> 1;
        if y >= x {
            break;
        }
        x = y;
    }
    x
}

/// Ceiling of the square root.
pub fn isqrt_ceil(n: u128) -> u128 {
    let r = isqrt(n);
    if r.checked_mul(r).is_some_and(|sq| sq < n) {
        r.saturating_add(1)
    } else {
        r
    }
}

/// |new − old| / old in ppb, rounded up, capped at `cap_bps`.
pub fn capped_return_ppb(old: u64, new: u64, cap_bps: u64) -> Option<u64> {
    let diff = u128::from(old.abs_diff(new));
    let r = diff
        .checked_mul(u128::from(PPB))?
        .checked_add(u128::from(old).checked_sub(1)?)?
        .checked_div(u128::from(old))?;
    let cap = cap_bps.checked_mul(PPB_PER_BPS)?;
    Some(r.min(u128::from(cap)) as u64)
}

/// Weight (ppb) of an update `dt` slots after the previous one.
pub fn update_weight_ppb(dt_slots: u64, half_life_slots: u64) -> Option<u64> {
    let w = u128::from(dt_slots)
        .checked_mul(u128::from(LN2_PPB))?
        .checked_div(u128::from(half_life_slots))?;
    Some(w.min(u128::from(PPB)) as u64)
}

/// σ over `horizon_slots` (bps, rounded up) from a per-slot variance in ppb².
pub fn sigma_horizon_bps(variance_ppb2: u64, horizon_slots: u64) -> Option<u64> {
    let var_h = u128::from(variance_ppb2).checked_mul(u128::from(horizon_slots))?;
    let sigma_ppb = isqrt_ceil(var_h);
    let bps = sigma_ppb
        .checked_add(u128::from(PPB_PER_BPS).checked_sub(1)?)?
        .checked_div(u128::from(PPB_PER_BPS))?;
    u64::try_from(bps).ok()
}

/// The add-on the estimate calls for: `k·σ_h`, rounded up, capped; 0 when
/// dynamic margins are off.
pub fn desired_addon_bps(r: &RiskParams, sigma_h_bps: u64) -> Option<u64> {
    if r.vol_enabled == 0 {
        return Some(0);
    }
    let a = u128::from(r.vol_k_bps)
        .checked_mul(u128::from(sigma_h_bps))?
        .checked_add(u128::from(BPS).checked_sub(1)?)?
        .checked_div(u128::from(BPS))?;
    Some(a.min(u128::from(r.margin_addon_cap_bps)) as u64)
}

/// `from` moved toward `to` by at most `max_step`.
pub fn step_toward(from: u64, to: u64, max_step: u64) -> u64 {
    if to > from {
        from.saturating_add(max_step).min(to)
    } else {
        from.saturating_sub(max_step).max(to)
    }
}

/// The per-slot variance one return says: `ret² / dt` (ppb², rounded up;
/// a random walk's variance grows with time), the return from `old` to `new`
/// over `dt ≥ 1` slots capped at `vol_max_move_bps`.
pub fn per_slot_sample_ppb2(r: &RiskParams, old: u64, new: u64, dt: u64) -> Option<u64> {
    let ret = u128::from(capped_return_ppb(old, new, r.vol_max_move_bps)?);
    let sample = ret
        .checked_mul(ret)?
        .checked_add(u128::from(dt).checked_sub(1)?)?
        .checked_div(u128::from(dt))?;
    u64::try_from(sample).ok()
}

/// One exponentially weighted step: `old·(1 − w) + sample·w`, `w` in ppb
/// (at most 1), rounded up.
pub fn ewma_ppb(old: u64, sample: u64, w_ppb: u64) -> Option<u64> {
    let w = u128::from(w_ppb.min(PPB));
    let keep = u128::from(PPB).checked_sub(w)?;
    let v = u128::from(old)
        .checked_mul(keep)?
        .checked_add(u128::from(sample).checked_mul(w)?)?
        .checked_add(u128::from(PPB).checked_sub(1)?)?
        .checked_div(u128::from(PPB))?;
    u64::try_from(v).ok()
}

/// Feeds one guarded oracle price observed at `slot` to the estimator.
/// `None`: nothing to do (already updated this slot, or a zero price). The
/// first price only seeds the estimator.
pub fn observe(r: &RiskParams, s: &RiskState, price: u64, slot: u64) -> Option<RiskState> {
    if price == 0 || (s.last_price != 0 && slot <= s.last_slot) {
        return None;
    }
    let mut next = *s;
    next.last_price = price;
    next.last_slot = slot;
    next.updates = s.updates.saturating_add(1);
    if s.last_price == 0 {
        return Some(next);
    }
    let dt = slot.checked_sub(s.last_slot)?;
    let sample = per_slot_sample_ppb2(r, s.last_price, price, dt)?;
    let w = update_weight_ppb(dt, r.vol_half_life_slots)?;
    let var = ewma_ppb(s.variance_ppb2, sample, w)?;
    next.variance_ppb2 = var;
    next.sigma_horizon_bps = sigma_horizon_bps(next.variance_ppb2, r.vol_horizon_slots)?;
    let desired = desired_addon_bps(r, next.sigma_horizon_bps)?;
    let max_step = r.margin_step_bps.checked_mul(dt)?;
    next.addon_bps = step_toward(s.addon_bps, desired, max_step);
    next.maint_addon_bps = s.addon_bps.min(next.addon_bps);
    Some(next)
}

/// The parameters in force: margins with their add-ons and the budget from
/// the depth (shrunk toward `budget_floor_bps` as the add-on nears its cap).
pub fn effective(p: &MarketParams, r: &RiskParams, s: &RiskState) -> Option<MarketParams> {
    let mut e = *p;
    e.init_margin_bps = p.init_margin_bps.checked_add(s.addon_bps)?;
    e.maint_margin_bps = p.maint_margin_bps.checked_add(s.maint_addon_bps)?;
    if p.target_margin_bps != crate::engine::params::TARGET_CLOSE_ALL {
        e.target_margin_bps = p.target_margin_bps.checked_add(s.maint_addon_bps)?;
    }
    if r.budget_depth_bps > 0 {
        let full = u128::from(r.depth_native)
            .checked_mul(u128::from(r.budget_depth_bps))?
            .checked_div(u128::from(BPS))?;
        let kept_bps = if r.margin_addon_cap_bps == 0 {
            BPS
        } else {
            let lost = u128::from(BPS.checked_sub(r.budget_floor_bps)?)
                .checked_mul(u128::from(s.addon_bps.min(r.margin_addon_cap_bps)))?
                .checked_div(u128::from(r.margin_addon_cap_bps))?;
            BPS.checked_sub(u64::try_from(lost).ok()?)?
        };
        let budget = full
            .checked_mul(u128::from(kept_bps))?
            .checked_div(u128::from(BPS))?;
        // 0 would mean "unlimited": never let the depth budget round to it.
        e.max_liq_notional_per_slot = u64::try_from(budget).ok()?.max(1);
    }
    Some(e)
}

#[cfg(test)]
mod tests;
