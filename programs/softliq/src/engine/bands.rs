//! Solvency bands: the open positions of a market grouped by their
//! debt-to-collateral ratio, so that an exit can price in, in O(bands), the
//! loss that insolvent positions have already made certain before any keeper
//! cranks them (docs/security.md, "Exits price in certain losses").
//!
//! A position's ratio is `r = debt_shares × PRICE_SCALE / collateral`
//! (rounded down); it does not depend on the borrow index, so interest never
//! moves a position between bands. Its bankruptcy price (debt = collateral
//! value) is `r × borrow_index / BORROW_INDEX_SCALE`. Band `b` holds ratios in
//! `[lo_b, hi_b)` with octave `k = octave_min + b / 8`, sub-band `j = b % 8`
//! and `lo_b = (8 + j) · 2^(k − 3)`: eight bands per octave (each 6–12% wide,
//! all edges exact integers). Band 0 also holds every lower ratio, the last
//! band every higher one and positions without collateral. Positions without
//! debt are in no band.
use crate::math::{Rounding, BORROW_INDEX_SCALE, PRICE_SCALE};
use crate::state::{Band, BANDS};

pub const BANDS_PER_OCTAVE: u64 = 8;
/// Octaves covered by the bands.
pub const OCTAVES: u64 = BANDS as u64 / BANDS_PER_OCTAVE;
/// The bands start this many octaves (a factor 2^24 ≈ 1.7e7) below the
/// octave of the market's first price.
pub const OCTAVES_BELOW_FIRST_PRICE: u64 = 24;
/// Lowest allowed `octave_min`: keeps every band edge an exact integer.
const MIN_OCTAVE: u64 = 3;

/// `octave_min` for a market whose first oracle price is `price`.
pub fn octave_min_for(price: u64) -> u64 {
    let k = u64::from(63u32.saturating_sub(price.leading_zeros()));
    k.saturating_sub(OCTAVES_BELOW_FIRST_PRICE).max(MIN_OCTAVE)
}

/// The ratio of a position; `None` when it has no debt (in no band).
pub fn ratio(debt_shares: u64, collateral_native: u64) -> Option<u128> {
    if debt_shares == 0 {
        return None;
    }
    if collateral_native == 0 {
        return Some(u128::MAX);
    }
    (debt_shares as u128)
        .checked_mul(PRICE_SCALE as u128)?
        .checked_div(collateral_native as u128)
}

/// The band of a ratio.
pub fn band_of(ratio: u128, octave_min: u64) -> usize {
    let octave_min = octave_min.max(MIN_OCTAVE);
    if ratio == 0 {
        return 0;
    }
    let k = u64::from(127u32.saturating_sub(ratio.leading_zeros()));
    if k < octave_min {
        return 0;
    }
    let octave = k.saturating_sub(octave_min);
    if octave >= OCTAVES {
        return BANDS.saturating_sub(1);
    }
    // k ≥ MIN_OCTAVE = 3: the three bits after the leading one.
    let sub = (ratio >> k.saturating_sub(3)) & 7;
    let band = octave
        .saturating_mul(BANDS_PER_OCTAVE)
        .saturating_add(sub as u64);
    usize::try_from(band).unwrap_or(BANDS.saturating_sub(1))
}

/// Lower ratio edge of band `b` (exact; band 0's true lower edge is 0).
pub fn lower_edge(band: usize, octave_min: u64) -> u128 {
    let octave_min = octave_min.max(MIN_OCTAVE);
    let b = band as u64;
    let k = octave_min.saturating_add(b / BANDS_PER_OCTAVE);
    let j = b % BANDS_PER_OCTAVE;
    let shift = u32::try_from(k.saturating_sub(3)).unwrap_or(u32::MAX);
    (u128::from(8u64.saturating_add(j)))
        .checked_shl(shift)
        .filter(|v| v.leading_zeros() >= 4)
        .unwrap_or(u128::MAX)
}

/// `a × b / c`, saturating at `u128::MAX` on overflow (an upper bound stays one).
fn mul_div_sat(a: u128, b: u128, c: u128, r: Rounding) -> u128 {
    crate::math::mul_div_u128(a, b, c, r).unwrap_or(u128::MAX)
}

/// Moves a position from the band of `before` to the band of `after`
/// (`(debt_shares, collateral_native)`).
pub fn update(
    bands: &mut [Band; BANDS],
    octave_min: u64,
    before: (u64, u64),
    after: (u64, u64),
) -> Option<()> {
    if before == after {
        return Some(());
    }
    if let Some(r) = ratio(before.0, before.1) {
        let band = bands.get_mut(band_of(r, octave_min))?;
        band.debt_shares = band.debt_shares.checked_sub(before.0)?;
        band.collateral_native = band.collateral_native.checked_sub(before.1)?;
    }
    if let Some(r) = ratio(after.0, after.1) {
        let band = bands.get_mut(band_of(r, octave_min))?;
        band.debt_shares = band.debt_shares.checked_add(after.0)?;
        band.collateral_native = band.collateral_native.checked_add(after.1)?;
    }
    Some(())
}

/// An upper bound of `Σ max(0, debt − collateral × price)` over the banded
/// positions at `price` and `borrow_index`: exact for bands whose every
/// position is insolvent (lower edge at or above the price), `min(debt,
/// collateral × (upper edge − price))` for the band the price falls in, zero
/// above. Rounded up.
pub fn shortfall_upper(
    bands: &[Band; BANDS],
    octave_min: u64,
    price: u64,
    borrow_index: u64,
) -> u128 {
    let last = BANDS.saturating_sub(1);
    let idx = borrow_index as u128;
    let scale = BORROW_INDEX_SCALE as u128;
    let ps = PRICE_SCALE as u128;
    let mut total: u128 = 0;
    for (b, band) in bands.iter().enumerate() {
        if band.debt_shares == 0 {
            continue;
        }
        let debt = mul_div_sat(band.debt_shares as u128, idx, scale, Rounding::Up);
        let value = mul_div_sat(
            band.collateral_native as u128,
            price as u128,
            ps,
            Rounding::Down,
        );
        let lo_price = if b == 0 {
            0
        } else {
            mul_div_sat(lower_edge(b, octave_min), idx, scale, Rounding::Down)
        };
        let add = if (price as u128) <= lo_price && b != 0 {
            debt.saturating_sub(value)
        } else if b == last {
            debt
        } else {
            let hi_price = mul_div_sat(
                lower_edge(b.saturating_add(1), octave_min),
                idx,
                scale,
                Rounding::Up,
            );
            if (price as u128) < hi_price {
                let gap = hi_price.saturating_sub(price as u128);
                debt.min(mul_div_sat(
                    band.collateral_native as u128,
                    gap,
                    ps,
                    Rounding::Up,
                ))
            } else {
                0
            }
        };
        total = total.saturating_add(add);
    }
    total
}

#[cfg(test)]
mod tests {
    #![allow(clippy::arithmetic_side_effects)]
    use super::*;
    use proptest::prelude::*;

    fn empty() -> [Band; BANDS] {
        [Band::default(); BANDS]
    }

    #[test]
    fn edges_are_ordered_and_bands_match_them() {
        let om = octave_min_for(100_000_000_000);
        for b in 1..BANDS {
            assert!(lower_edge(b, om) > lower_edge(b - 1, om));
            assert_eq!(band_of(lower_edge(b, om), om), b);
            assert_eq!(band_of(lower_edge(b, om) - 1, om), b - 1);
        }
        assert_eq!(band_of(1, om), 0);
        assert_eq!(band_of(u128::MAX, om), BANDS - 1);
    }

    /// The exact certain loss of a set of positions.
    fn exact(ps: &[(u64, u64)], price: u64, index: u64) -> u128 {
        ps.iter()
            .filter(|p| p.0 > 0)
            .map(|&(s, c)| {
                let d = (s as u128 * index as u128).div_ceil(BORROW_INDEX_SCALE as u128);
                let v = c as u128 * price as u128 / PRICE_SCALE as u128;
                d.saturating_sub(v)
            })
            .sum()
    }

    proptest! {
        #[test]
        fn shortfall_bound_holds_and_is_tight_below_every_band(
            ps in proptest::collection::vec((0u64..1u64 << 40, 0u64..1u64 << 40), 1..40),
            price in 1u64..1u64 << 44,
            growth in 0u64..3 * BORROW_INDEX_SCALE,
        ) {
            let om = octave_min_for(100_000_000_000);
            let index = BORROW_INDEX_SCALE + growth;
            let mut bands = empty();
            for &p in &ps {
                update(&mut bands, om, (0, 0), p).unwrap();
            }
            let bound = shortfall_upper(&bands, om, price, index);
            let truth = exact(&ps, price, index);
            // Never below the truth (rounding: one unit per band).
            prop_assert!(bound + BANDS as u128 >= truth, "bound {bound} < truth {truth}");
            // Removing every position empties every band.
            for &p in &ps {
                update(&mut bands, om, p, (0, 0)).unwrap();
            }
            prop_assert_eq!(bands, empty());
        }

        #[test]
        fn the_bound_exceeds_the_truth_by_at_most_the_straddling_band(
            ps in proptest::collection::vec((1u64..1u64 << 40, 1u64..1u64 << 40), 1..40),
            price in 1u64..1u64 << 44,
        ) {
            let om = octave_min_for(100_000_000_000);
            let index = BORROW_INDEX_SCALE;
            let mut bands = empty();
            for &p in &ps {
                update(&mut bands, om, (0, 0), p).unwrap();
            }
            let bound = shortfall_upper(&bands, om, price, index);
            let truth = exact(&ps, price, index);
            // Slack: the collateral value of the band the price falls in,
            // times the band's width (at most 1/8 of its lower edge), plus
            // all debt in the last band.
            let straddle: u128 = ps
                .iter()
                .filter(|&&(s, c)| {
                    let b = band_of(ratio(s, c).unwrap(), om);
                    b == BANDS - 1 || b == band_of(price as u128, om)
                })
                .map(|&(s, c)| {
                    (s as u128).max(c as u128 * price as u128 / PRICE_SCALE as u128) + 1
                })
                .sum();
            prop_assert!(bound <= truth + straddle + BANDS as u128);
        }
    }

    #[test]
    fn a_position_below_the_price_is_all_loss() {
        let om = octave_min_for(100_000_000_000);
        let mut bands = empty();
        // 10 SOL (1e10) with debt 1,000 USDC (1e9 shares at index 1): bankruptcy at 100.
        update(&mut bands, om, (0, 0), (1_000_000_000, 10_000_000_000)).unwrap();
        // At 50 USD (5e10 scaled): loss 500 USDC exactly.
        assert_eq!(
            shortfall_upper(&bands, om, 50_000_000_000, BORROW_INDEX_SCALE),
            500_000_000
        );
        // At 200 USD: nothing.
        assert_eq!(
            shortfall_upper(&bands, om, 200_000_000_000, BORROW_INDEX_SCALE),
            0
        );
        // Without collateral: all of the debt.
        let mut b2 = empty();
        update(&mut b2, om, (0, 0), (7, 0)).unwrap();
        assert_eq!(shortfall_upper(&b2, om, 1, BORROW_INDEX_SCALE), 7);
    }
}
