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

/// The least collateral whose weighted value at `price` covers `debt`:
/// `floor(floor(C·P/S)·w/B) ≥ D ⇔ C ≥ ⌈⌈D·B/w⌉·S/P⌉` (exact for integers).
/// `None` when `price` or the weight is 0 or the amount does not fit u64.
pub fn min_collateral_for(debt: u64, price: u64, margin_bps: u64) -> Option<u64> {
    let w = weight_bps(margin_bps)?;
    if w == 0 || price == 0 {
        return None;
    }
    let value = mul_div_u128(debt as u128, BPS as u128, w as u128, Rounding::Up)?;
    let c = mul_div_u128(
        value,
        crate::math::PRICE_SCALE as u128,
        price as u128,
        Rounding::Up,
    )?;
    u64::try_from(c).ok()
}

/// The lowest price at which a position is not liquidatable, i.e. with
/// maintenance health ≥ 0 (`⌈⌈D·B/w⌉·S/C⌉`, exact; the position is
/// liquidatable at any lower price). `None` without debt, without collateral
/// or when no u64 price is enough. Off-chain helper (keeper, client).
pub fn liquidation_price(collateral: u64, debt: u64, maint_margin_bps: u64) -> Option<u64> {
    if debt == 0 || collateral == 0 {
        return None;
    }
    // Same identity as `min_collateral_for` with C and P swapped.
    min_collateral_for(debt, collateral, maint_margin_bps)
}

/// The most collateral a position may withdraw at `price` (the conservative
/// price, as `withdraw_collateral` checks) and `init_margin_bps`: what keeps
/// initial health ≥ 0. All of it without debt; 0 when already short.
pub fn max_withdraw(collateral: u64, debt: u64, price: u64, init_margin_bps: u64) -> u64 {
    if debt == 0 {
        return collateral;
    }
    match min_collateral_for(debt, price, init_margin_bps) {
        Some(need) => collateral.saturating_sub(need),
        None => 0,
    }
}

/// The most a position may borrow at `price` (the conservative price, as
/// `borrow` checks) and `init_margin_bps`, given its debt shares and the
/// borrow index: the largest amount whose new debt (shares rounded up, debt
/// rounded up) keeps initial health ≥ 0. Found by bisection over the same
/// functions the instruction uses (at most 64 steps).
pub fn max_borrow(
    collateral: u64,
    debt_shares: u64,
    borrow_index: u64,
    price: u64,
    init_margin_bps: u64,
) -> u64 {
    let fits = |amount: u64| -> bool {
        let Some(new) = shares_for_borrow(amount, borrow_index) else {
            return false;
        };
        let Some(shares) = debt_shares.checked_add(new) else {
            return false;
        };
        let Some(debt) = debt_native(shares, borrow_index) else {
            return false;
        };
        matches!(health(collateral, debt, price, init_margin_bps), Some(h) if h >= 0)
    };
    let Ok(cap) = u64::try_from(weighted_value(collateral, price, init_margin_bps).unwrap_or(0))
    else {
        return 0;
    };
    if !fits(0) {
        return 0;
    }
    // fits(lo) holds; fits(hi + 1) does not (the weighted value bounds it).
    let (mut lo, mut hi) = (0u64, cap);
    while lo < hi {
        // lo < mid <= hi: no overflow, and the range shrinks every step.
        let mid = lo.saturating_add(hi.saturating_sub(lo).div_ceil(2));
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid.saturating_sub(1);
        }
    }
    lo
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
    fn liquidation_price_is_the_exact_edge() {
        // 10 SOL, 900 USDC debt, maint 5%: 900 / (10 · 0.95) = 94.7368... USDC.
        let (c, d) = (10_000_000_000u64, 900_000_000u64);
        let p = liquidation_price(c, d, 500).unwrap();
        // The value floors to whole micro-USDC: C·P/S moves in steps of S/C = 100.
        assert_eq!(p, 94_736_842_200);
        assert!(health(c, d, p, 500).unwrap() >= 0);
        assert!(health(c, d, p - 1, 500).unwrap() < 0);
        assert_eq!(liquidation_price(c, 0, 500), None);
        assert_eq!(liquidation_price(0, d, 500), None);
        assert_eq!(liquidation_price(c, d, 10_000), None);
    }

    proptest! {
        #[test]
        fn risk_helpers_sit_on_the_edges(
            c in 1u64..1_000_000_000_000_000,
            d in 1u64..1_000_000_000_000,
            p in 1_000u64..1_000_000_000_000_000,
            m in 0u64..9_999,
            index in BORROW_INDEX_SCALE..10 * BORROW_INDEX_SCALE,
            shares in 0u64..1_000_000_000_000,
        ) {
            if let Some(lp) = liquidation_price(c, d, m) {
                prop_assert!(health(c, d, lp, m).unwrap() >= 0);
                prop_assert!(health(c, d, lp - 1, m).unwrap() < 0);
            }
            let w = max_withdraw(c, d, p, m);
            prop_assert!(w <= c);
            if w > 0 {
                prop_assert!(health(c - w, d, p, m).unwrap() >= 0);
            }
            if w < c && health(c - w, d, p, m).unwrap() >= 0 {
                prop_assert!(health(c - w - 1, d, p, m).unwrap() < 0);
            }
            let b = max_borrow(c, shares, index, p, m);
            let debt_at = |a: u64| debt_native(shares + shares_for_borrow(a, index).unwrap(), index).unwrap();
            if b > 0 {
                prop_assert!(health(c, debt_at(b), p, m).unwrap() >= 0);
            }
            if debt_native(shares, index).is_some_and(|d0| health(c, d0, p, m).unwrap() >= 0) {
                prop_assert!(health(c, debt_at(b + 1), p, m).unwrap() < 0);
            }
        }
    }

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
