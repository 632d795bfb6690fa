//! Keeper pay. Per liquidation episode the keepers together earn
//! `pay(N) = min(tip + chip·N, cap, penalty_bps·N)` where `N` is the notional
//! seized in the episode; each crank pays `pay(N_after) − pay(N_before)`.
//! The sum over any split of an episode telescopes to `pay(N_total)`, so
//! splitting one liquidation into many cranks never pays more, and keeper pay
//! never exceeds the penalty the lots owe (so a self-liquidating owner cannot
//! farm tips across many small positions).
use crate::math::{apply_bps, Rounding};
use crate::state::MarketParams;

/// Total keeper pay of an episode that has seized `notional` so far.
pub fn episode_pay(p: &MarketParams, notional: u64) -> Option<u64> {
    if notional == 0 {
        return Some(0);
    }
    let chip = apply_bps(notional as u128, p.keeper_chip_bps, Rounding::Down)?;
    let by_penalty = apply_bps(notional as u128, p.liquidation_penalty_bps, Rounding::Down)?;
    let pay = (p.keeper_tip_native as u128)
        .checked_add(chip)?
        .min(p.keeper_pay_cap_native as u128)
        .min(by_penalty);
    u64::try_from(pay).ok()
}

/// Pay due for a crank that moves the episode's notional from `before` to `after`.
pub fn pay_increment(p: &MarketParams, before: u64, after: u64) -> Option<u64> {
    episode_pay(p, after)?.checked_sub(episode_pay(p, before)?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::arithmetic_side_effects)]
    use super::*;
    use proptest::prelude::*;

    fn params() -> MarketParams {
        MarketParams {
            keeper_tip_native: 1_000_000,
            keeper_chip_bps: 10,
            keeper_pay_cap_native: 50_000_000,
            liquidation_penalty_bps: 100,
            ..Default::default()
        }
    }

    #[test]
    fn schedule() {
        let p = params();
        assert_eq!(episode_pay(&p, 0), Some(0));
        // Small: bounded by the penalty (1% of 10 = 0.1 USDC).
        assert_eq!(episode_pay(&p, 10_000_000), Some(100_000));
        // Mid: tip + chip.
        assert_eq!(episode_pay(&p, 1_000_000_000), Some(2_000_000));
        // Large: cap.
        assert_eq!(episode_pay(&p, 1_000_000_000_000), Some(50_000_000));
    }

    proptest! {
        /// Any split of an episode pays exactly what one crank would.
        #[test]
        fn splitting_never_pays_more(parts in proptest::collection::vec(0u64..1u64 << 40, 1..20)) {
            let p = params();
            let total: u64 = parts.iter().sum();
            let mut n = 0u64;
            let mut paid = 0u64;
            for part in parts {
                paid += pay_increment(&p, n, n + part).unwrap();
                n += part;
            }
            prop_assert_eq!(paid, episode_pay(&p, total).unwrap());
        }

        /// Splitting over many positions never pays keepers more than the penalties owed.
        #[test]
        fn pay_bounded_by_penalty(parts in proptest::collection::vec(0u64..1u64 << 40, 1..50)) {
            let p = params();
            let pay: u64 = parts.iter().map(|n| episode_pay(&p, *n).unwrap()).sum();
            let penalty: u64 = parts.iter().map(|n| n / 100).sum();
            prop_assert!(pay <= penalty);
        }
    }
}
