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

/// Amount paid for redeeming `shares` of a pool worth `value` with `total_shares`.
pub fn amount_for_shares(shares: u64, total_shares: u64, value: u64) -> Option<u64> {
    let a = mul_div_u128(
        shares as u128,
        (value as u128).checked_add(VIRTUAL_ASSETS)?,
        (total_shares as u128).checked_add(VIRTUAL_SHARES)?,
        Rounding::Down,
    )?;
    u64::try_from(a).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::arithmetic_side_effects)]
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn round_trip_never_profits(amount in 0u64..1u64 << 50, total in 0u64..1u64 << 50, value in 0u64..1u64 << 50) {
            let s = shares_for_deposit(amount, total, value).unwrap();
            let back = amount_for_shares(s, total + s, value + amount).unwrap();
            prop_assert!(back <= amount);
        }
    }
}
