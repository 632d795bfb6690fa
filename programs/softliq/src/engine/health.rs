//! Health of a position: `health_m = C·P·(1 − m) − D` for a margin `m`.
//! Collateral value rounds down and debt rounds up, so health is never overstated.
use crate::math::{mul_div, mul_div_u128, value_of, Rounding, BORROW_INDEX_SCALE, BPS};

/// Debt in native units of `shares` at `borrow_index` (rounded up: the borrower owes more).
pub fn debt_native(shares: u64, borrow_index: u64) -> Option<u64> {
    mul_div(shares, borrow_index, BORROW_INDEX_SCALE, Rounding::Up)
}

/// Shares added by borrowing `amount` (rounded up).
pub fn shares_for_borrow(amount: u64, borrow_index: u64) -> Option<u64> {
    mul_div(amount, BORROW_INDEX_SCALE, borrow_index, Rounding::Up)
}

/// Shares removed by repaying `amount` (rounded down).
pub fn shares_for_repay(amount: u64, borrow_index: u64) -> Option<u64> {
    mul_div(amount, BORROW_INDEX_SCALE, borrow_index, Rounding::Down)
}

/// Asset weight of a margin: `10_000 − margin_bps`.
pub fn weight_bps(margin_bps: u64) -> Option<u64> {
    BPS.checked_sub(margin_bps)
}

/// Weighted collateral value `floor(C·P·(1 − m))` in debt-token native.
pub fn weighted_value(collateral: u64, price: u64, margin_bps: u64) -> Option<u128> {
    let v = value_of(collateral, price, Rounding::Down)?;
    mul_div_u128(
        v,
        weight_bps(margin_bps)? as u128,
        BPS as u128,
        Rounding::Down,
    )
}

/// `health_m` in debt-token native; negative means below margin `m`.
pub fn health(collateral: u64, debt: u64, price: u64, margin_bps: u64) -> Option<i128> {
    let w = i128::try_from(weighted_value(collateral, price, margin_bps)?).ok()?;
    w.checked_sub(debt as i128)
}

/// A position is liquidatable when it has debt and its maintenance health is negative.
pub fn is_liquidatable(
    collateral: u64,
    debt: u64,
    price: u64,
    maint_margin_bps: u64,
) -> Option<bool> {
    if debt == 0 {
        return Some(false);
    }
    Some(health(collateral, debt, price, maint_margin_bps)? < 0)
}

/// Collateral value rounded down, or `u128::MAX` if it does not fit (off-chain checks).
pub fn value_of_or_max(collateral: u64, price: u64) -> u128 {
    value_of(collateral, price, Rounding::Down).unwrap_or(u128::MAX)
}

/// Conservative price for risk-increasing actions: `min(price, ema) − conf`.
pub fn conservative_price(price: u64, ema: u64, conf: u64) -> u64 {
    price.min(ema).saturating_sub(conf)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::arithmetic_side_effects)]
    use super::*;
    use crate::math::PRICE_SCALE;
    use proptest::prelude::*;

    #[test]
    fn worked_example() {
        // 10 SOL (9 dp) at 100 USDC (6 dp): price = 100e6/1e9 * 1e12 = 1e11.
        let price = 100_000_000_000;
        let c = 10_000_000_000;
        // value 1000 USDC; maint 5% -> weighted 950 USDC.
        assert_eq!(weighted_value(c, price, 500), Some(950_000_000));
        assert_eq!(health(c, 900_000_000, price, 500), Some(50_000_000));
        assert_eq!(is_liquidatable(c, 951_000_000, price, 500), Some(true));
        assert_eq!(is_liquidatable(c, 0, 1, 500), Some(false));
    }

    proptest! {
        #[test]
        fn debt_rounds_up_shares_round_toward_pool(amount in 0u64..u64::MAX / 4, index in BORROW_INDEX_SCALE..BORROW_INDEX_SCALE * 100) {
            let s = shares_for_borrow(amount, index).unwrap();
            // What is owed for the borrowed shares is never less than the amount.
            prop_assert!(debt_native(s, index).unwrap() >= amount);
            let r = shares_for_repay(amount, index).unwrap();
            // Repaying `amount` never removes more debt than `amount`.
            prop_assert!((r as u128) * (index as u128) / (BORROW_INDEX_SCALE as u128) <= amount as u128);
        }

        #[test]
        fn health_monotone_in_collateral_and_price(c in any::<u64>(), dc in any::<u64>(), p in 1u64..PRICE_SCALE * 1_000_000, dp in 0u64..PRICE_SCALE, d in any::<u64>(), m in 0u64..=BPS) {
            let c2 = c.saturating_add(dc);
            let p2 = p.saturating_add(dp);
            if let (Some(h1), Some(h2)) = (health(c, d, p, m), health(c2, d, p, m)) {
                prop_assert!(h2 >= h1);
            }
            if let (Some(h1), Some(h2)) = (health(c, d, p, m), health(c, d, p2, m)) {
                prop_assert!(h2 >= h1);
            }
        }

        #[test]
        fn health_never_panics(c in any::<u64>(), d in any::<u64>(), p in any::<u64>(), m in any::<u64>()) {
            let _ = health(c, d, p, m);
            let _ = is_liquidatable(c, d, p, m);
        }

        #[test]
        fn health_never_overstated(c in 0u64..1u64 << 40, d in any::<u64>(), p in 1u64..1u64 << 40, m in 0u64..=BPS) {
            let h = health(c, d, p, m).unwrap();
            // Exact value * 1e4 * 1e12 >= (h + d) * 1e4 * 1e12.
            let exact = (c as u128) * (p as u128) * ((BPS - m) as u128);
            let claimed = (h + d as i128) as u128 * (PRICE_SCALE as u128) * (BPS as u128);
            prop_assert!(claimed <= exact);
        }
    }
}
