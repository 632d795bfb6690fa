//! LP and insurance share accounting (virtual offsets against the
//! first-depositor inflation attack; every conversion rounds toward the pool).
use crate::math::{mul_div_u128, Rounding};

pub const VIRTUAL_SHARES: u128 = 1_000;
pub const VIRTUAL_ASSETS: u128 = 1_000;

/// Shares minted for depositing `amount` into a pool worth `value` with `total_shares`.
pub fn shares_for_deposit(amount: u64, total_shares: u64, value: u64) -> Option<u64> {
    let s = mul_div_u128(
        amount as u128,
        (total_shares as u128).checked_add(VIRTUAL_SHARES)?,
        (value as u128).checked_add(VIRTUAL_ASSETS)?,
        Rounding::Down,
    )?;
    u64::try_from(s).ok()
}

/// Amount paid for redeeming `shares` of a pool worth `value` with
/// `total_shares`: the lower of the virtual-offset price (the deposit side's)
/// and the plain pro-rata share, so that no redemption can exceed what is
/// there; the last holder (`shares == total_shares`) gets exactly `value`,
/// whatever it is (0 included).
pub fn amount_for_shares(shares: u64, total_shares: u64, value: u64) -> Option<u64> {
    if shares > total_shares {
        return None;
    }
    if shares == total_shares {
        return Some(value);
    }
    let virtual_price = mul_div_u128(
        shares as u128,
        (value as u128).checked_add(VIRTUAL_ASSETS)?,
        (total_shares as u128).checked_add(VIRTUAL_SHARES)?,
        Rounding::Down,
    )?;
    let pro_rata = mul_div_u128(
        shares as u128,
        value as u128,
        total_shares as u128,
        Rounding::Down,
    )?;
    u64::try_from(virtual_price.min(pro_rata)).ok()
}

/// An LP's exit value of the pool: cash and position debt, less the part of
/// the certain loss (`engine::bands::shortfall_upper`) that the insurance
/// fund cannot cover. Debt awaited from lots is not counted at all.
pub fn lp_exit_value(cash: u64, borrowed: u64, certain_loss: u128, insurance: u64) -> u64 {
    let uncovered = certain_loss.saturating_sub(insurance as u128);
    let full = (cash as u128).saturating_add(borrowed as u128);
    u64::try_from(full.saturating_sub(uncovered)).unwrap_or(u64::MAX)
}

/// A staker's exit value of the insurance fund: its balance less everything
/// it may still have to cover: the certain loss of insolvent positions and
/// all debt awaited from lots (a lot's shortfall is at most its debt tab).
pub fn insurance_exit_value(balance: u64, certain_loss: u128, lot_debt: u64) -> u64 {
    let owed = certain_loss.saturating_add(lot_debt as u128);
    u64::try_from((balance as u128).saturating_sub(owed)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::arithmetic_side_effects)]
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn round_trip_never_profits(amount in 0u64..1u64 << 50, total in 0u64..1u64 << 50, value in 0u64..1u64 << 50) {
            // A deposit whose shares do not fit in a u64 (a pool whose shares
            // are worth next to nothing) is refused: nothing to round-trip.
            let Some(s) = shares_for_deposit(amount, total, value) else {
                prop_assert!(value < total, "only a share price below one unit overflows");
                return Ok(());
            };
            let Some(total_after) = total.checked_add(s) else {
                return Ok(());
            };
            let back = amount_for_shares(s, total_after, value + amount).unwrap();
            prop_assert!(back <= amount);
        }

        #[test]
        fn redemptions_never_exceed_the_value(shares in 0u64..1u64 << 50, extra in 0u64..1u64 << 50, value in 0u64..1u64 << 50) {
            let total = shares + extra;
            let a = amount_for_shares(shares, total, value).unwrap();
            prop_assert!(a <= value);
            // What the others can still redeem covers their shares at the old price.
            if extra > 0 {
                let rest = amount_for_shares(extra, extra, value - a).unwrap();
                prop_assert_eq!(rest, value - a);
            }
        }
    }

    #[test]
    fn the_last_holder_takes_what_is_there() {
        // The red-team case: fund at 98,657,778 after keeper pay.
        assert_eq!(
            amount_for_shares(100_000_000, 100_000_000, 98_657_778),
            Some(98_657_778)
        );
        assert_eq!(amount_for_shares(5, 5, 0), Some(0));
        assert_eq!(amount_for_shares(5, 10, 0), Some(0));
        assert_eq!(amount_for_shares(11, 10, 100), None);
    }
}
