//! Utilisation-based borrow rate and the borrow index.
use crate::math::{mul_div, mul_div_u128, Rounding, BORROW_INDEX_SCALE, BPS, SLOTS_PER_YEAR};
use crate::state::{Market, MarketParams};

/// Utilisation `borrowed / (borrowed + cash)` in bps.
pub fn utilization_bps(borrowed: u64, cash: u64) -> Option<u64> {
    let total = (borrowed as u128).checked_add(cash as u128)?;
    if total == 0 {
        return Some(0);
    }
    u64::try_from(mul_div_u128(
        borrowed as u128,
        BPS as u128,
        total,
        Rounding::Down,
    )?)
    .ok()
}

/// Annual borrow rate in bps at a utilisation (two slopes around a kink).
pub fn borrow_rate_bps(p: &MarketParams, util_bps: u64) -> Option<u64> {
    let kink = p.borrow_rate_kink_bps.max(1);
    if util_bps <= kink {
        let add = mul_div(p.borrow_rate_slope1_bps, util_bps, kink, Rounding::Up)?;
        p.borrow_rate_base_bps.checked_add(add)
    } else {
        let over = util_bps.checked_sub(kink)?;
        let span = BPS.checked_sub(kink)?.max(1);
        let add = mul_div(p.borrow_rate_slope2_bps, over, span, Rounding::Up)?;
        p.borrow_rate_base_bps
            .checked_add(p.borrow_rate_slope1_bps)?
            .checked_add(add)
    }
}

/// Largest borrow index (10,000× its start): past it interest stops.
pub const MAX_BORROW_INDEX: u64 = 10_000 * BORROW_INDEX_SCALE;
/// Most the pool's claims (cash + position debt + lot debt) may reach: a
/// quarter of `u64::MAX`, so that any sum of two pool amounts fits in u64.
pub const POOL_VALUE_CEILING_NATIVE: u64 = u64::MAX / 4;

/// The borrow index after `slots` at `rate_bps` a year (simple interest per
/// accrual, rounded up toward the pool), saturating at `ceiling`. It cannot
/// fail: however long a market went unvisited and however high its rate, it
/// accrues, so repayment, liquidation and parameter updates stay possible.
pub fn accrue_index(index: u64, rate_bps: u64, slots: u64, ceiling: u64) -> u64 {
    let num = (rate_bps as u128).saturating_mul(slots as u128);
    let den = (BPS as u128).saturating_mul(SLOTS_PER_YEAR as u128);
    let growth = mul_div_u128(index as u128, num, den, Rounding::Up).unwrap_or(u128::MAX);
    let next = (index as u128).saturating_add(growth).min(ceiling as u128);
    u64::try_from(next).unwrap_or(u64::MAX).max(index)
}

/// The highest borrow index at which the pool's claims stay within
/// `POOL_VALUE_CEILING_NATIVE` (and at most `MAX_BORROW_INDEX`).
pub fn index_ceiling(total_debt_shares: u64, cash_native: u64, lot_debt_native: u64) -> u64 {
    let room = POOL_VALUE_CEILING_NATIVE
        .saturating_sub(cash_native)
        .saturating_sub(lot_debt_native);
    if total_debt_shares == 0 {
        return MAX_BORROW_INDEX;
    }
    mul_div(room, BORROW_INDEX_SCALE, total_debt_shares, Rounding::Down)
        .unwrap_or(MAX_BORROW_INDEX)
        .min(MAX_BORROW_INDEX)
}

/// Debt of all positions at the market's index (rounded down: the pool's claim).
pub fn pool_borrowed(m: &Market) -> Option<u64> {
    mul_div(
        m.total_debt_shares,
        m.borrow_index,
        BORROW_INDEX_SCALE,
        Rounding::Down,
    )
}

/// Accrues a market's interest from `last_accrual_slot` to `slot`: the
/// borrow index grows at the utilisation rate (`accrue_index`, saturating at
/// `index_ceiling`), the pool's value with it, and `interest_accrued_native`
/// counts the growth (saturating). It never fails: the program, the keeper
/// and the tests all accrue through this one function.
pub fn accrue_market(m: &mut Market, slot: u64) {
    let elapsed = slot.saturating_sub(m.last_accrual_slot);
    if elapsed == 0 {
        return;
    }
    let borrowed_before = pool_borrowed(m).unwrap_or(u64::MAX);
    let util = utilization_bps(borrowed_before, m.pool_cash_native).unwrap_or(BPS);
    let rate = borrow_rate_bps(&m.params, util).unwrap_or(0);
    let ceiling = index_ceiling(
        m.total_debt_shares,
        m.pool_cash_native,
        m.lot_debt_outstanding_native,
    );
    m.borrow_index = accrue_index(m.borrow_index, rate, elapsed, ceiling);
    m.last_accrual_slot = slot;
    let grown = pool_borrowed(m)
        .unwrap_or(u64::MAX)
        .saturating_sub(borrowed_before);
    m.interest_accrued_native = m.interest_accrued_native.saturating_add(grown);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::arithmetic_side_effects)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rate_curve() {
        let p = MarketParams {
            borrow_rate_base_bps: 100,
            borrow_rate_slope1_bps: 400,
            borrow_rate_slope2_bps: 5_000,
            borrow_rate_kink_bps: 8_000,
            ..Default::default()
        };
        assert_eq!(borrow_rate_bps(&p, 0), Some(100));
        assert_eq!(borrow_rate_bps(&p, 4_000), Some(300));
        assert_eq!(borrow_rate_bps(&p, 8_000), Some(500));
        assert_eq!(borrow_rate_bps(&p, 10_000), Some(5_500));
        assert_eq!(utilization_bps(1, 3), Some(2_500));
        assert_eq!(utilization_bps(0, 0), Some(0));
    }

    proptest! {
        #[test]
        fn index_never_decreases(index in BORROW_INDEX_SCALE..BORROW_INDEX_SCALE * 1000, rate in 0u64..100_000, slots in 0u64..10_000_000) {
            let n = accrue_index(index, rate, slots, MAX_BORROW_INDEX);
            prop_assert!(n >= index);
            if rate > 0 && slots > 0 && index < MAX_BORROW_INDEX { prop_assert!(n > index); }
            prop_assert!(n <= MAX_BORROW_INDEX.max(index));
        }

        #[test]
        fn accrual_saturates_instead_of_failing(index in BORROW_INDEX_SCALE..u64::MAX, rate in 0u64..u64::MAX, slots in 0u64..u64::MAX, ceiling in 0u64..u64::MAX) {
            let n = accrue_index(index, rate, slots, ceiling);
            prop_assert!(n >= index);
            prop_assert!(n <= ceiling.max(index));
        }

        #[test]
        fn the_ceiling_keeps_pool_claims_in_range(shares in 1u64..u64::MAX, cash in 0u64..u64::MAX, lots in 0u64..u64::MAX) {
            let c = index_ceiling(shares, cash, lots);
            let debt = shares as u128 * c as u128 / BORROW_INDEX_SCALE as u128;
            let room = POOL_VALUE_CEILING_NATIVE.saturating_sub(cash).saturating_sub(lots) as u128;
            prop_assert!(debt <= room);
            prop_assert!(c <= MAX_BORROW_INDEX);
        }
    }
}
