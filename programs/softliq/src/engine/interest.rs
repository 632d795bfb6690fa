//! Utilisation-based borrow rate and the borrow index.
use crate::math::{mul_div, mul_div_u128, Rounding, BPS, SLOTS_PER_YEAR};
use crate::state::MarketParams;

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

/// The borrow index after `slots` at `rate_bps` a year (simple interest per
/// accrual, rounded up toward the pool).
pub fn accrue_index(index: u64, rate_bps: u64, slots: u64) -> Option<u64> {
    let num = (rate_bps as u128).checked_mul(slots as u128)?;
    let den = (BPS as u128).checked_mul(SLOTS_PER_YEAR as u128)?;
    let growth = mul_div_u128(index as u128, num, den, Rounding::Up)?;
    u64::try_from((index as u128).checked_add(growth)?).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::arithmetic_side_effects)]
    use super::*;
    use crate::math::BORROW_INDEX_SCALE;
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
            let n = accrue_index(index, rate, slots).unwrap();
            prop_assert!(n >= index);
            if rate > 0 && slots > 0 { prop_assert!(n > index); }
        }
    }
}
