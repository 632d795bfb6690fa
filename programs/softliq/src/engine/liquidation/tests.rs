//! Tests of liquidation sizing (`plan`): worked examples with exact figures,
//! every bound, hard mode, and properties over random valid parameters.
//!
//! Rounding facts the properties rely on (derived in the comments of the
//! helpers below; `V(x) = x·P/1e12` exact, `w = 1 − target`, `k = 1 − pen − buf`):
//! - after a step bounded by `Target`, target health `H'` satisfies
//!   `slack − 2 ≤ H' < slack + 2 + P·(target − pen − buf)/1e16`;
//!   plan's own roundings cost at most 2 units, so the caller's slack must be ≥ 2
//!   (the crank passes `3 + borrow_index/SCALE`, which also covers share rounding);
//! - a lot's debt is at most `V(x)·k` exactly, and its tab (debt + penalty) is at
//!   most `ceil(V(x))` and below `V(x)·(1 − buf) + 2`.
#![allow(clippy::arithmetic_side_effects)]

use super::*;
use crate::engine::health::{debt_native, health, shares_for_repay};
use crate::engine::params::{validate, TARGET_CLOSE_ALL};
use crate::math::BORROW_INDEX_SCALE;
use crate::state::MarketParams;
use proptest::prelude::*;

/// 10 SOL (9 decimals).
const TEN_SOL: u64 = 10_000_000_000;
/// 100 USDC/SOL: 100e6 quote native per 1e9 base native, scaled by 1e12.
const PRICE_100: u64 = 100_000_000_000;
/// The crank's slack at borrow index 1.0 (`3 + index / BORROW_INDEX_SCALE`).
const CRANK_SLACK: u64 = 4;
const P12: u128 = PRICE_SCALE as u128;
const P16: u128 = (PRICE_SCALE as u128) * (BPS as u128);

fn soft() -> LiqParams {
    LiqParams::from_market(&MarketParams::default_soft())
}

/// A position at the start of a new episode, no budget or hole, the crank's slack.
fn fresh(c: u64, d: u64, price: u64) -> LiqInput {
    LiqInput {
        collateral_native: c,
        debt_native: d,
        price,
        episode_slots: 0,
        episode_start_collateral_native: c,
        episode_seized_collateral_native: 0,
        budget_remaining_notional: None,
        urgent_remaining_notional: 0,
        hole_remaining_collateral: None,
        slack_native: CRANK_SLACK,
        in_episode: false,
        min_notional: 0,
    }
}

/// The same position once the ramp of `p` has fully opened (in an episode
/// that has seized nothing yet).
fn ramped(p: &LiqParams, c: u64, d: u64, price: u64) -> LiqInput {
    LiqInput {
        episode_slots: p.liq_ramp_slots,
        in_episode: true,
        ..fresh(c, d, price)
    }
}

fn plan_ok(p: &LiqParams, s: &LiqInput) -> LiqPlan {
    match plan(p, s) {
        Ok(Ok(step)) => step,
        other => panic!("expected a plan, got {other:?} for {s:?}"),
    }
}

/// (collateral, debt) of the position after the step.
fn after(s: &LiqInput, step: &LiqPlan) -> (u64, u64) {
    (
        s.collateral_native - step.seize_collateral_native,
        s.debt_native - step.debt_moved_native,
    )
}

fn target_health_after(p: &LiqParams, s: &LiqInput, step: &LiqPlan) -> i128 {
    let (c, d) = after(s, step);
    health(c, d, s.price, p.target_margin_bps).unwrap()
}

/// `target − pen − buf` in bps: target health gained per unit of seized value.
fn denom_bps(p: &LiqParams) -> u128 {
    (p.target_margin_bps - p.liquidation_penalty_bps - p.lot_buffer_bps) as u128
}

/// Upper bound of target health after a `Target` step.
///
/// `x` is the least integer with `V(x)·den ≥ deficit + slack`, so
/// `V(x)·den < deficit + slack + P·den/1e16`; with `deficit ≤ D − V(C)·w + w + 1`
/// and `H' ≤ V(C − x)·w − D + V(x)·k = V(C)·w − D + V(x)·den`, this gives
/// `H' < slack + 2 + P·den/1e16`.
fn below_epsilon(h: i128, p: &LiqParams, price: u64, slack: u64) -> bool {
    (h - slack as i128 - 2) * (P16 as i128) < (price as u128 * denom_bps(p)) as i128
}

// ---------------------------------------------------------------- examples

#[test]
fn worked_example_restores_exactly_target() {
    // 10 SOL at 100 USDC = 1000 USDC; maint 5% -> liquidatable above 950 USDC of debt.
    let p = soft();
    let s = ramped(&p, TEN_SOL, 951_000_000, PRICE_100);
    assert_eq!(
        health(
            s.collateral_native,
            s.debt_native,
            PRICE_100,
            p.maint_margin_bps
        ),
        Some(-1_000_000)
    );
    let step = plan_ok(&p, &s);
    // deficit at target (6%): 951 − 940 = 11 USDC, + slack 4;
    // x = ceil(11_000_004 · 1e16 / (1e11 · (600 − 50 − 100))) = ceil(2_444_445_333.3).
    assert_eq!(
        step,
        LiqPlan {
            seize_collateral_native: 2_444_445_334,
            debt_moved_native: 240_777_865, // floor(244_444_533 · 0.985)
            penalty_native: 1_222_223,      // ceil(244_444_534 · 0.005)
            seized_notional_native: 244_444_533,
            needed_collateral_native: 2_444_445_334,
            unrestorable: false,
            urgent: false,
            bound: Bound::Target,
        }
    );
    let (c1, d1) = after(&s, &step);
    assert_eq!((c1, d1), (7_555_554_666, 710_222_135));
    let h = target_health_after(&p, &s, &step);
    assert_eq!(h, 3);
    // 0 ≤ H' < slack + 2 + P·den/1e16 = 4 + 2 + 4.5.
    assert!(h >= 0 && below_epsilon(h, &p, PRICE_100, CRANK_SLACK));
    assert!(h < 11);
    // Maintenance is restored too, with the target's margin to spare.
    assert!(health(c1, d1, PRICE_100, p.maint_margin_bps).unwrap() > 0);
}

#[test]
fn plan_rounding_costs_at_most_two_units() {
    // Same position: without slack, plan's four floors leave it 2 units below
    // target (the worst case: H' ≥ slack − 2); with slack 2 it lands on target.
    // This is why the crank passes a slack of at least 3.
    let p = soft();
    let mut s = ramped(&p, TEN_SOL, 951_000_000, PRICE_100);
    s.slack_native = 0;
    let step = plan_ok(&p, &s);
    assert_eq!(step.seize_collateral_native, 2_444_444_445);
    assert_eq!(target_health_after(&p, &s, &step), -2);
    s.slack_native = 2;
    let step = plan_ok(&p, &s);
    assert_eq!(step.seize_collateral_native, 2_444_444_889);
    assert_eq!(target_health_after(&p, &s, &step), 0);
}

#[test]
fn healthy_and_debt_free_positions_are_skipped() {
    let p = soft();
    // At maintenance exactly (health 0) is not liquidatable.
    assert_eq!(
        plan(&p, &fresh(TEN_SOL, 950_000_000, PRICE_100)),
        Ok(Err(NoLiq::Healthy))
    );
    assert_eq!(
        plan(&p, &fresh(TEN_SOL, 500_000_000, PRICE_100)),
        Ok(Err(NoLiq::Healthy))
    );
    assert_eq!(
        plan(&p, &fresh(TEN_SOL, 0, PRICE_100)),
        Ok(Err(NoLiq::Healthy))
    );
    assert_eq!(plan(&p, &fresh(0, 0, PRICE_100)), Ok(Err(NoLiq::Healthy)));
    assert_eq!(plan(&p, &fresh(TEN_SOL, 0, 0)), Ok(Err(NoLiq::Healthy)));
    // One unit above maintenance is liquidatable.
    assert!(matches!(
        plan(&p, &ramped(&p, TEN_SOL, 950_000_001, PRICE_100)),
        Ok(Ok(_))
    ));
}

#[test]
fn unrestorable_solvent_position_is_seized_whole() {
    let p = soft();
    // Restorable only below floor(1000 USDC · 0.985) = 985 USDC of debt.
    let s = fresh(TEN_SOL, 985_000_000, PRICE_100);
    let step = plan_ok(&p, &s);
    assert_eq!(
        step,
        LiqPlan {
            seize_collateral_native: TEN_SOL,
            debt_moved_native: 985_000_000,
            penalty_native: 5_000_000,
            seized_notional_native: 1_000_000_000,
            needed_collateral_native: TEN_SOL,
            unrestorable: true,
            urgent: false,
            bound: Bound::Whole,
        }
    );
    // The ramp does not hold back an unrestorable position (episode_slots = 0).
    assert_eq!(s.episode_slots, 0);
    // One unit less debt is restorable, though the slack asks for all of it.
    let step = plan_ok(&p, &ramped(&p, TEN_SOL, 984_999_999, PRICE_100));
    assert!(!step.unrestorable);
    assert_eq!(step.bound, Bound::Target);
    assert_eq!(
        (step.seize_collateral_native, step.debt_moved_native),
        (TEN_SOL, 984_999_999)
    );
    // A little further from the limit: sized by the formula, not whole.
    let step = plan_ok(&p, &ramped(&p, TEN_SOL, 984_000_000, PRICE_100));
    assert!(!step.unrestorable);
    assert_eq!(step.bound, Bound::Target);
    assert!(step.seize_collateral_native < TEN_SOL);
}

#[test]
fn underwater_position_is_seized_whole_with_all_debt() {
    let p = soft();
    for d in [1_000_000_000, 1_000_000_001, 1_200_000_000, u64::MAX] {
        let s = fresh(TEN_SOL, d, PRICE_100);
        let step = plan_ok(&p, &s);
        assert_eq!(step.bound, Bound::Whole);
        assert!(step.unrestorable);
        assert_eq!(step.seize_collateral_native, TEN_SOL);
        assert_eq!(step.debt_moved_native, d);
        assert_eq!(step.seized_notional_native, 1_000_000_000);
        assert_eq!(step.penalty_native, 5_000_000);
    }
    // A zero price (never passes the oracle guard) still plans without panicking.
    let step = plan_ok(&p, &fresh(TEN_SOL, 1, 0));
    assert_eq!(
        (
            step.seize_collateral_native,
            step.debt_moved_native,
            step.bound
        ),
        (TEN_SOL, 1, Bound::Whole)
    );
    // No collateral at all: nothing to seize (bad debt is the settlement's business).
    assert_eq!(
        plan(&p, &fresh(0, 5, PRICE_100)),
        Ok(Err(NoLiq::Bounded(Bound::Whole)))
    );
}

#[test]
fn underwater_bounded_moves_debt_pro_rata() {
    let p = soft();
    let s = LiqInput {
        budget_remaining_notional: Some(100_000_000),
        ..fresh(TEN_SOL, 1_200_000_000, PRICE_100)
    };
    let step = plan_ok(&p, &s);
    assert_eq!(step.bound, Bound::Budget);
    assert!(step.unrestorable);
    assert_eq!(step.seize_collateral_native, 1_000_000_000);
    assert_eq!(step.debt_moved_native, 120_000_000);
    assert_eq!(step.needed_collateral_native, TEN_SOL);
    // Close factor on an unrestorable position caps collateral, not debt.
    let p2 = LiqParams {
        close_factor_bps: 2_500,
        ..p
    };
    let step = plan_ok(&p2, &fresh(TEN_SOL, 1_200_000_000, PRICE_100));
    assert_eq!(
        (step.seize_collateral_native, step.debt_moved_native),
        (2_500_000_000, 300_000_000)
    );
    assert_eq!(step.bound, Bound::CloseFactor);
}

#[test]
fn ramp_fraction_grows_with_episode_slots() {
    assert_eq!(ramp_fraction_bps(0, 0), BPS);
    assert_eq!(ramp_fraction_bps(10, 0), 1_000);
    assert_eq!(ramp_fraction_bps(10, 1), 2_000);
    assert_eq!(ramp_fraction_bps(10, 8), 9_000);
    assert_eq!(ramp_fraction_bps(10, 9), BPS);
    assert_eq!(ramp_fraction_bps(10, u64::MAX), BPS);
    assert_eq!(ramp_fraction_bps(3, 0), 3_333);
    assert_eq!(ramp_fraction_bps(u64::MAX, 0), 0);
    assert_eq!(ramp_fraction_bps(u64::MAX, u64::MAX), BPS);
}

#[test]
fn ramp_bounds_the_first_steps_of_an_episode() {
    let p = soft(); // 10 ramp slots
    let s = fresh(TEN_SOL, 951_000_000, PRICE_100);
    let step = plan_ok(&p, &s);
    // Slot 0 of the episode: 10% of the starting 10 SOL.
    assert_eq!(step.bound, Bound::Ramp);
    assert_eq!(step.seize_collateral_native, 1_000_000_000);
    assert_eq!(step.needed_collateral_native, 2_444_445_334);
    assert_eq!(step.debt_moved_native, 98_500_000);
    // The next slot: 20% cumulative, 1 SOL already seized -> 1 SOL more.
    let s2 = LiqInput {
        // After that step the position (9 SOL, 852.5 USDC) is back above
        // maintenance; say the price fell a little more: 860 USDC of debt.
        collateral_native: 9_000_000_000,
        debt_native: 860_000_000,
        episode_slots: 1,
        episode_start_collateral_native: TEN_SOL,
        episode_seized_collateral_native: 1_000_000_000,
        in_episode: true,
        ..s
    };
    let step2 = plan_ok(&p, &s2);
    assert_eq!(
        (step2.seize_collateral_native, step2.bound),
        (1_000_000_000, Bound::Ramp)
    );
    // Nothing left of this slot's allowance.
    let s3 = LiqInput {
        episode_seized_collateral_native: 2_000_000_000,
        ..s2
    };
    assert_eq!(plan(&p, &s3), Ok(Err(NoLiq::Bounded(Bound::Ramp))));
    // Later the allowance exceeds the need: target decides.
    let s4 = LiqInput {
        episode_slots: 9,
        ..s3
    };
    assert_eq!(plan_ok(&p, &s4).bound, Bound::Target);
}

#[test]
fn an_episode_continues_to_target_then_ends() {
    let p = soft();
    // 945 USDC of debt on 1000 USDC: above maintenance (950), below target (940).
    let s = fresh(TEN_SOL, 945_000_000, PRICE_100);
    assert_eq!(plan(&p, &s), Ok(Err(NoLiq::Healthy)));
    // Inside an episode the crank keeps going to target health.
    let s = ramped(&p, TEN_SOL, 945_000_000, PRICE_100);
    let step = plan_ok(&p, &s);
    // x = (5_000_000 + 4) · 1e16 / (1e11 · 450), exact.
    assert_eq!(
        (step.seize_collateral_native, step.bound),
        (1_111_112_000, Bound::Target)
    );
    let h = target_health_after(&p, &s, &step);
    assert!(h >= 0 && below_epsilon(h, &p, PRICE_100, CRANK_SLACK));
    // At target exactly the episode is over.
    assert_eq!(
        plan(&p, &ramped(&p, TEN_SOL, 940_000_000, PRICE_100)),
        Ok(Err(NoLiq::Healthy))
    );
    assert!(matches!(
        plan(&p, &ramped(&p, TEN_SOL, 940_000_001, PRICE_100)),
        Ok(Ok(_))
    ));
}

#[test]
fn bounded_steps_below_min_notional_are_skipped() {
    let p = soft();
    // The budget allows 100 USDC of notional.
    let s = LiqInput {
        budget_remaining_notional: Some(100_000_000),
        min_notional: 100_000_001,
        ..ramped(&p, TEN_SOL, 951_000_000, PRICE_100)
    };
    assert_eq!(plan(&p, &s), Ok(Err(NoLiq::Bounded(Bound::Budget))));
    let s = LiqInput {
        min_notional: 100_000_000,
        ..s
    };
    assert_eq!(plan_ok(&p, &s).seized_notional_native, 100_000_000);
    // A step that restores target is never too small...
    let s = LiqInput {
        min_notional: 1_000_000_000,
        ..ramped(&p, TEN_SOL, 950_000_001, PRICE_100)
    };
    let step = plan_ok(&p, &s);
    assert_eq!(step.bound, Bound::Target);
    assert!(step.seized_notional_native < s.min_notional);
    // ...nor is a whole seizure.
    let s = LiqInput {
        min_notional: u64::MAX,
        ..fresh(TEN_SOL, 1_200_000_000, PRICE_100)
    };
    assert_eq!(plan_ok(&p, &s).bound, Bound::Whole);
}

#[test]
fn budget_hole_and_close_factor_stop_at_their_caps() {
    let p = soft();
    let base = ramped(&p, TEN_SOL, 951_000_000, PRICE_100);

    // Budget: 100 USDC of notional -> 1 SOL at 100 USDC.
    let s = LiqInput {
        budget_remaining_notional: Some(100_000_000),
        ..base
    };
    let step = plan_ok(&p, &s);
    assert_eq!(
        (step.seize_collateral_native, step.bound),
        (1_000_000_000, Bound::Budget)
    );
    assert_eq!(step.seized_notional_native, 100_000_000);
    let s = LiqInput {
        budget_remaining_notional: Some(0),
        ..base
    };
    assert_eq!(plan(&p, &s), Ok(Err(NoLiq::Bounded(Bound::Budget))));
    // A budget that suffices does not bind.
    let s = LiqInput {
        budget_remaining_notional: Some(244_444_534),
        ..base
    };
    assert_eq!(plan_ok(&p, &s).bound, Bound::Target);

    // Hole: collateral the auction can still take in.
    let s = LiqInput {
        hole_remaining_collateral: Some(500_000_000),
        ..base
    };
    let step = plan_ok(&p, &s);
    assert_eq!(
        (step.seize_collateral_native, step.bound),
        (500_000_000, Bound::Hole)
    );
    let s = LiqInput {
        hole_remaining_collateral: Some(0),
        ..base
    };
    assert_eq!(plan(&p, &s), Ok(Err(NoLiq::Bounded(Bound::Hole))));

    // Close factor 20%: at most floor(951 · 0.2) = 190.2 USDC of debt moved:
    // x = floor(190_200_000 · 1e16 / (1e11 · 9_850)).
    let p_cf = LiqParams {
        close_factor_bps: 2_000,
        ..p
    };
    let step = plan_ok(&p_cf, &base);
    assert_eq!(
        (step.seize_collateral_native, step.bound),
        (1_930_964_467, Bound::CloseFactor)
    );
    assert_eq!(step.debt_moved_native, 190_199_999);
    assert!(step.debt_moved_native <= 190_200_000);

    // Several bounds: the tightest wins; on a tie the earlier check (close
    // factor, ramp, budget, hole) is reported.
    let s = LiqInput {
        budget_remaining_notional: Some(100_000_000),
        hole_remaining_collateral: Some(700_000_000),
        ..base
    };
    assert_eq!(plan_ok(&p, &s).bound, Bound::Hole);
    let s = LiqInput {
        budget_remaining_notional: Some(100_000_000),
        hole_remaining_collateral: Some(1_000_000_000),
        ..base
    };
    assert_eq!(plan_ok(&p, &s).bound, Bound::Budget);
    let s = LiqInput {
        budget_remaining_notional: Some(100_000_000),
        ..fresh(TEN_SOL, 951_000_000, PRICE_100)
    };
    let step = plan_ok(&p, &s);
    assert_eq!(
        (step.seize_collateral_native, step.bound),
        (1_000_000_000, Bound::Ramp)
    );
}

#[test]
fn bound_codes_are_stable() {
    let all = [
        Bound::Target,
        Bound::Whole,
        Bound::CloseFactor,
        Bound::Ramp,
        Bound::Budget,
        Bound::Hole,
    ];
    let codes: Vec<u8> = all.iter().map(|b| b.code()).collect();
    assert_eq!(codes, vec![0, 1, 2, 3, 4, 5]);
}

#[test]
fn hard_params_validate() {
    assert_eq!(validate(&MarketParams::hard()), Ok(()));
}

#[test]
fn hard_mode_seizes_whole_positions_at_once() {
    // hard(): close all debt, penalty 1% + buffer 4% = the 5% sale discount.
    // Credit per seized value is 95% = the maintenance weight, so every
    // liquidatable position is unrestorable: seized whole, all debt moved.
    let hm = MarketParams::hard();
    assert_eq!(hm.target_margin_bps, TARGET_CLOSE_ALL);
    let p = LiqParams::from_market(&hm);
    for d in (950_000_001u64..=1_100_000_000).step_by(9_973_331) {
        let s = fresh(TEN_SOL, d, PRICE_100);
        let step = plan_ok(&p, &s);
        assert_eq!(step.bound, Bound::Whole, "debt {d}");
        assert_eq!(step.seize_collateral_native, TEN_SOL);
        assert_eq!(step.debt_moved_native, d);
        // Penalty: 1% of the seized value, rounded up.
        assert_eq!(step.penalty_native, 10_000_000);
    }
    // With a smaller buffer, target = close-all repays all debt and leaves the rest.
    let p2 = LiqParams {
        lot_buffer_bps: 100,
        ..p
    };
    let s = fresh(TEN_SOL, 951_000_000, PRICE_100);
    let step = plan_ok(&p2, &s);
    assert_eq!(step.bound, Bound::Target);
    assert_eq!(step.debt_moved_native, 951_000_000);
    assert!(step.seize_collateral_native < TEN_SOL);
    let (c1, d1) = after(&s, &step);
    assert_eq!(d1, 0);
    assert!(c1 > 0);
}

#[test]
fn invalid_sizing_params_are_refused() {
    // target − pen − buf = 0: the formula would divide by zero. (A restorable
    // liquidatable position then needs maint > target, itself invalid.)
    let p = LiqParams {
        maint_margin_bps: 700,
        lot_buffer_bps: 550,
        ..soft()
    };
    assert_eq!(
        plan(&p, &ramped(&p, TEN_SOL, 935_000_000, PRICE_100)),
        Err(LiqError::BadParams)
    );
    let p = LiqParams {
        liquidation_penalty_bps: BPS,
        lot_buffer_bps: 1,
        ..soft()
    };
    assert_eq!(
        plan(&p, &fresh(TEN_SOL, 951_000_000, PRICE_100)),
        Err(LiqError::BadParams)
    );
}

// -------------------------------------------------------------- properties

/// Valid market parameters, built to satisfy `validate` (checked by the tests).
fn valid_market() -> impl Strategy<Value = MarketParams> {
    (
        any::<[u64; 5]>(),
        prop::bool::weighted(0.2),
        prop_oneof![3 => Just(BPS), 1 => 1_000u64..=BPS],
        prop_oneof![Just(0u64), 1u64..=20, 1u64..=100_000],
    )
        .prop_map(|(r, close_all, close_factor_bps, liq_ramp_slots)| {
            let maint = 50 + r[0] % 4_951;
            let (target, init) = if close_all {
                (TARGET_CLOSE_ALL, maint + 1 + r[2] % (9_000 - maint))
            } else {
                let t = maint + r[1] % (9_000 - maint);
                (t, t + 1 + r[2] % (9_000 - t))
            };
            let pen = r[3] % maint.min(2_001);
            let buf = r[4] % ((target - pen - 1).min(2_000) + 1);
            MarketParams {
                init_margin_bps: init,
                target_margin_bps: target,
                maint_margin_bps: maint,
                liquidation_penalty_bps: pen,
                lot_buffer_bps: buf,
                close_factor_bps,
                liq_ramp_slots,
                ..MarketParams::default_soft()
            }
        })
}

/// A valid market and a position in it: mostly between the market's target
/// and its restorable limit (the interesting region), also unrestorable,
/// underwater and arbitrary; random episode state and limits.
fn case() -> impl Strategy<Value = (MarketParams, LiqInput)> {
    (
        valid_market(),
        prop_oneof![1u64..=1_000, 1u64..=1_000_000_000_000_000],
        prop_oneof![
            1u64..=1_000_000,
            1_000_000_000u64..=10_000_000_000_000,
            1u64..=1_000_000_000_000_000
        ],
        (
            prop_oneof![4 => Just(0u8), 2 => Just(1u8), 1 => Just(2u8), 1 => Just(3u8)],
            0u64..=BPS,
            0u64..=3,
        ),
        (prop_oneof![0u64..=50, any::<u64>()], any::<u64>()),
        prop::option::weighted(0.25, prop_oneof![0u64..=1_000, 0u64..=10_000_000_000_000]),
        prop::option::weighted(0.25, prop_oneof![0u64..=1_000, any::<u64>()]),
        prop_oneof![Just(CRANK_SLACK), 0u64..=1_000],
        (
            any::<bool>(),
            prop_oneof![3 => Just(0u64), 1 => 0u64..=1_000_000_000],
        ),
    )
        .prop_map(
            |(
                mp,
                c,
                price,
                (region, u, jitter),
                (slots, seized),
                budget,
                hole,
                slack,
                (in_episode, min_notional),
            )| {
                let value = c as u128 * price as u128 / P12;
                // Debt as a share (bps) of the collateral's value.
                let w_target = BPS - mp.target_margin_bps.min(BPS);
                let w_maint = BPS - mp.maint_margin_bps;
                let k = BPS - mp.liquidation_penalty_bps - mp.lot_buffer_bps;
                let (lo, hi) = match region {
                    0 => (w_maint, k),  // liquidatable, restorable
                    1 => (w_target, k), // from target (episodes) to restorable
                    2 => (k, 12_000),   // unrestorable and underwater
                    _ => (0, 20_000),   // anything
                };
                let ratio = lo + (hi.max(lo) - lo) * u / BPS;
                let debt = (value * ratio as u128 / BPS as u128) as u64 + jitter;
                // As the crank builds it: a new episode starts from the current collateral.
                let (slots, seized) = if in_episode {
                    (slots, seized % (c / 2 + 1))
                } else {
                    (0, 0)
                };
                let s = LiqInput {
                    collateral_native: c,
                    debt_native: debt,
                    price,
                    episode_slots: slots,
                    episode_start_collateral_native: c + seized,
                    episode_seized_collateral_native: seized,
                    budget_remaining_notional: budget,
                    urgent_remaining_notional: 0,
                    hole_remaining_collateral: hole,
                    slack_native: slack,
                    in_episode,
                    min_notional,
                };
                (mp, s)
            },
        )
}

/// Independent model of the size and the bound, in plain u128:
/// `(needed, seized, bound, unrestorable, skipped)`.
fn reference(p: &LiqParams, s: &LiqInput) -> (u64, u64, Bound, bool, bool) {
    let (c, d, price) = (
        s.collateral_native as u128,
        s.debt_native as u128,
        s.price as u128,
    );
    let k = (BPS - p.liquidation_penalty_bps - p.lot_buffer_bps) as u128;
    let value = c * price / P12;
    let unrestorable = d >= value * k / BPS as u128 || price == 0;
    let needed = if unrestorable {
        c
    } else {
        let weighted = value * (BPS - p.target_margin_bps) as u128 / BPS as u128;
        let deficit = d.saturating_sub(weighted) + s.slack_native as u128;
        (deficit * P16).div_ceil(price * denom_bps(p)).min(c)
    };
    let mut caps = vec![(
        needed,
        if unrestorable {
            Bound::Whole
        } else {
            Bound::Target
        },
    )];
    if p.close_factor_bps < BPS {
        let cap = if unrestorable {
            c * p.close_factor_bps as u128 / BPS as u128
        } else {
            (d * p.close_factor_bps as u128 / BPS as u128) * P16 / (price * k)
        };
        caps.push((cap, Bound::CloseFactor));
    }
    if !unrestorable {
        let frac = ramp_fraction_bps(p.liq_ramp_slots, s.episode_slots) as u128;
        let allowed = s.episode_start_collateral_native as u128 * frac / BPS as u128;
        caps.push((
            allowed.saturating_sub(s.episode_seized_collateral_native as u128),
            Bound::Ramp,
        ));
    }
    if let Some(b) = s.budget_remaining_notional {
        caps.push((
            (b as u128 * P12).checked_div(price).unwrap_or(u128::MAX),
            Bound::Budget,
        ));
    }
    if let Some(h) = s.hole_remaining_collateral {
        caps.push((h as u128, Bound::Hole));
    }
    let x = caps.iter().map(|(v, _)| *v).min().unwrap();
    let bound = caps.iter().find(|(v, _)| *v == x).unwrap().1;
    // A bounded step worth less than `min_notional` is not worth a lot.
    // So is a top-up of an episode (above maintenance, below target) below `min_notional`.
    let bounded = !matches!(bound, Bound::Target | Bound::Whole);
    let below_maint = is_liquidatable(
        s.collateral_native,
        s.debt_native,
        s.price,
        p.maint_margin_bps,
    )
    .unwrap();
    let topup = bound == Bound::Target && !below_maint;
    let skipped = x == 0 || ((bounded || topup) && x * price / P12 < s.min_notional as u128);
    (needed as u64, x as u64, bound, unrestorable, skipped)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    /// The generator only builds valid parameters.
    #[test]
    fn generated_params_are_valid(mp in valid_market()) {
        prop_assert_eq!(validate(&mp), Ok(()));
    }

    /// Size and bound match the closed form; a `Target` step lands in
    /// `[slack − 2, slack + 2 + P·den/1e16)` of target health: restored, and
    /// never over-liquidated beyond one collateral unit plus rounding.
    #[test]
    fn sizing_matches_closed_form_and_never_over_liquidates((mp, s) in case()) {
        let p = LiqParams::from_market(&mp);
        let (c, d, price) = (s.collateral_native, s.debt_native, s.price);
        // Below maintenance, or below target once an episode is under way.
        let liquidatable = is_liquidatable(c, d, price, p.maint_margin_bps).unwrap()
            || (s.in_episode && is_liquidatable(c, d, price, p.target_margin_bps).unwrap());
        let r = plan(&p, &s).unwrap();
        if !liquidatable {
            prop_assert_eq!(r, Err(NoLiq::Healthy));
            return Ok(());
        }
        let (needed, x, bound, unrestorable, skipped) = reference(&p, &s);
        match r {
            Err(NoLiq::Healthy) => prop_assert!(false, "liquidatable position reported healthy"),
            Err(NoLiq::Bounded(b)) => {
                prop_assert!(skipped);
                prop_assert_eq!(b, bound);
            }
            Ok(step) => {
                prop_assert!(!skipped);
                prop_assert_eq!(step.needed_collateral_native, needed);
                prop_assert_eq!(step.seize_collateral_native, x);
                prop_assert_eq!(step.bound, bound);
                prop_assert_eq!(step.unrestorable, unrestorable);
                prop_assert!(step.seize_collateral_native <= step.needed_collateral_native);
                if step.bound == Bound::Target {
                    let h = target_health_after(&p, &s, &step);
                    prop_assert!(below_epsilon(h, &p, s.price, s.slack_native), "over-liquidated: H' = {}", h);
                }
            }
        }
    }

    /// Without an active bound the step restores target health (up to the
    /// documented 2 units of plan rounding below the caller's slack), and in
    /// close-all mode moves all the debt; a whole seizure moves everything.
    #[test]
    fn unbounded_step_restores_target((mp, s) in case()) {
        let p = LiqParams::from_market(&mp);
        let Ok(Ok(step)) = plan(&p, &s) else { return Ok(()) };
        let (c1, d1) = after(&s, &step);
        match step.bound {
            Bound::Target => {
                let h = target_health_after(&p, &s, &step);
                if c1 == 0 {
                    // The formula asked for everything: all debt goes with it.
                    prop_assert_eq!(d1, 0);
                }
                if d1 == 0 {
                    prop_assert!(h >= 0);
                } else {
                    prop_assert!(h >= s.slack_native as i128 - 2, "H' = {} slack {}", h, s.slack_native);
                }
                if s.slack_native >= 2 {
                    prop_assert!(h >= 0);
                }
                if p.target_margin_bps == TARGET_CLOSE_ALL && s.slack_native >= 1 {
                    prop_assert_eq!(d1, 0);
                }
            }
            Bound::Whole => {
                prop_assert!(step.unrestorable);
                prop_assert_eq!((c1, d1), (0, 0));
            }
            _ => {
                prop_assert!(step.seize_collateral_native < step.needed_collateral_native);
            }
        }
    }

    /// Nothing is created: seized ≤ collateral, moved ≤ debt, and the reported
    /// notional is the seized collateral's oracle value rounded down.
    #[test]
    fn conservation((mp, s) in case()) {
        let p = LiqParams::from_market(&mp);
        let Ok(Ok(step)) = plan(&p, &s) else { return Ok(()) };
        prop_assert!(step.seize_collateral_native > 0);
        prop_assert!(step.seize_collateral_native <= s.collateral_native);
        prop_assert!(step.debt_moved_native <= s.debt_native);
        prop_assert_eq!(
            step.seized_notional_native as u128,
            step.seize_collateral_native as u128 * s.price as u128 / P12
        );
        if let Some(b) = s.budget_remaining_notional {
            prop_assert!(step.seized_notional_native <= b);
        }
        if let Some(h) = s.hole_remaining_collateral {
            prop_assert!(step.seize_collateral_native <= h);
        }
        if !matches!(step.bound, Bound::Target | Bound::Whole) {
            prop_assert!(step.seized_notional_native >= s.min_notional);
        }
        if p.close_factor_bps < BPS && !step.unrestorable {
            prop_assert!(step.debt_moved_native as u128 * BPS as u128 <= s.debt_native as u128 * p.close_factor_bps as u128);
        }
    }

    /// A restorable step's lot is over-collateralised: its debt is at most
    /// `V(x)·(1 − pen − buf)` exactly, and its tab is at most `ceil(V(x))` and
    /// below `V(x)·(1 − buf) + 2`.
    #[test]
    fn lot_is_over_collateralised((mp, s) in case()) {
        let p = LiqParams::from_market(&mp);
        let Ok(Ok(step)) = plan(&p, &s) else { return Ok(()) };
        if step.unrestorable {
            return Ok(());
        }
        let xp = step.seize_collateral_native as u128 * s.price as u128; // V(x)·1e12
        let k = (BPS - p.liquidation_penalty_bps - p.lot_buffer_bps) as u128;
        let tab = step.debt_moved_native as u128 + step.penalty_native as u128;
        prop_assert!(step.debt_moved_native as u128 * P16 <= xp * k);
        prop_assert!(tab * P12 < xp + P12, "tab {} above ceil of value {}", tab, xp / P12);
        prop_assert!(tab * P16 < xp * (BPS - p.lot_buffer_bps) as u128 + 2 * P16);
        // The penalty is the seized value's share, rounded up.
        prop_assert_eq!(step.penalty_native as u128, (xp.div_ceil(P12) * p.liquidation_penalty_bps as u128).div_ceil(BPS as u128));
    }

    /// A step never leaves a solvent position insolvent: exactly for a
    /// restorable step; within one debt unit for an unrestorable one (the
    /// pro-rata debt moved rounds down, keeping the remainder with the owner).
    #[test]
    fn solvent_stays_solvent((mp, s) in case()) {
        let p = LiqParams::from_market(&mp);
        let solvent = s.collateral_native as u128 * s.price as u128 > s.debt_native as u128 * P12;
        let Ok(Ok(step)) = plan(&p, &s) else { return Ok(()) };
        if !solvent {
            return Ok(());
        }
        let (c1, d1) = after(&s, &step);
        let coll = c1 as u128 * s.price as u128;
        let owed = d1 as u128 * P12;
        if step.unrestorable {
            prop_assert!(coll + P12 > owed);
        } else {
            prop_assert!(coll >= owed, "solvent position left insolvent: {:?} -> {:?}", s, step);
        }
    }

    /// The crank's path: debt from shares at a borrow index, its slack
    /// `3 + index/SCALE`, shares removed rounded down. A `Target` step leaves the
    /// position at or above target health as the program will compute it.
    #[test]
    fn crank_slack_covers_share_rounding(
        (mp, s) in case(),
        index in BORROW_INDEX_SCALE..=BORROW_INDEX_SCALE * 5,
    ) {
        let p = LiqParams::from_market(&mp);
        // Shares whose debt at `index` is the position's debt (rounded up).
        let shares = (s.debt_native as u128 * BORROW_INDEX_SCALE as u128 / index as u128) as u64;
        let debt = debt_native(shares, index).unwrap();
        let s = LiqInput { debt_native: debt, slack_native: 3 + index / BORROW_INDEX_SCALE, ..s };
        let Ok(Ok(step)) = plan(&p, &s) else { return Ok(()) };
        if step.bound != Bound::Target {
            return Ok(());
        }
        let removed = if step.debt_moved_native >= debt {
            shares
        } else {
            shares_for_repay(step.debt_moved_native, index).unwrap().min(shares)
        };
        let debt_after = debt_native(shares - removed, index).unwrap();
        let c1 = s.collateral_native - step.seize_collateral_native;
        let h = health(c1, debt_after, s.price, p.target_margin_bps).unwrap();
        prop_assert!(h >= 0, "crank leaves target health {}", h);
    }

    /// The ramp's allowance never shrinks as the episode ages.
    #[test]
    fn ramp_is_monotone(ramp in any::<u64>(), a in any::<u64>(), b in any::<u64>()) {
        let (lo, hi) = (a.min(b), a.max(b));
        prop_assert!(ramp_fraction_bps(ramp, lo) <= ramp_fraction_bps(ramp, hi));
        prop_assert!(ramp_fraction_bps(ramp, hi) <= BPS);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    /// Any inputs and any parameters: an answer or an error, never a panic.
    #[test]
    fn never_panics(
        f in any::<[u64; 6]>(),
        c in any::<u64>(),
        d in any::<u64>(),
        price in any::<u64>(),
        e in any::<[u64; 4]>(),
        budget in any::<Option<u64>>(),
        hole in any::<Option<u64>>(),
    ) {
        let p = LiqParams {
            maint_margin_bps: f[0],
            target_margin_bps: f[1],
            liquidation_penalty_bps: f[2],
            lot_buffer_bps: f[3],
            close_factor_bps: f[4],
            liq_ramp_slots: f[5],
            urgent_gap_bps: 0,
        };
        let s = LiqInput {
            collateral_native: c,
            debt_native: d,
            price,
            episode_slots: e[0],
            episode_start_collateral_native: e[1],
            episode_seized_collateral_native: e[2],
            budget_remaining_notional: budget,
            urgent_remaining_notional: 0,
            hole_remaining_collateral: hole,
            slack_native: e[3],
            in_episode: e[0] & 1 == 1,
            min_notional: e[1] >> 3,
        };
        let _ = plan(&p, &s);
    }

    /// Valid parameters, full u64 range of inputs: an answer or `Err(Math)`
    /// (never `BadParams`), and any answer conserves collateral and debt.
    #[test]
    fn full_range_with_valid_params(
        mp in valid_market(),
        c in any::<u64>(),
        d in any::<u64>(),
        price in any::<u64>(),
        e in any::<[u64; 4]>(),
        budget in any::<Option<u64>>(),
        hole in any::<Option<u64>>(),
    ) {
        let p = LiqParams::from_market(&mp);
        let s = LiqInput {
            collateral_native: c,
            debt_native: d,
            price,
            episode_slots: e[0],
            episode_start_collateral_native: e[1],
            episode_seized_collateral_native: e[2],
            budget_remaining_notional: budget,
            urgent_remaining_notional: 0,
            hole_remaining_collateral: hole,
            slack_native: e[3],
            in_episode: e[0] & 1 == 1,
            min_notional: e[1] >> 3,
        };
        match plan(&p, &s) {
            Ok(Ok(step)) => {
                prop_assert!(step.seize_collateral_native <= c);
                prop_assert!(step.debt_moved_native <= d);
            }
            Ok(Err(_)) => {}
            Err(err) => prop_assert_eq!(err, LiqError::Math),
        }
    }
}

#[test]
fn the_input_the_crank_and_the_keeper_build_is_one() {
    use crate::state::{Position, POSITION_IN_EPISODE, POSITION_IN_USE};
    let fresh_pos = Position {
        collateral_native: 7,
        flags: POSITION_IN_USE,
        ..Default::default()
    };
    let i = LiqInput::for_position(
        &fresh_pos,
        5,
        9,
        100,
        2 * crate::math::BORROW_INDEX_SCALE,
        11,
    );
    assert_eq!(
        (
            i.episode_slots,
            i.episode_start_collateral_native,
            i.in_episode
        ),
        (0, 7, false)
    );
    assert_eq!(
        (i.slack_native, i.min_notional),
        (SLACK_BASE_NATIVE + 2, 11)
    );
    assert_eq!(
        (i.budget_remaining_notional, i.hole_remaining_collateral),
        (None, None)
    );
    let ongoing = Position {
        flags: POSITION_IN_USE | POSITION_IN_EPISODE,
        liq_start_slot: 90,
        episode_start_collateral_native: 20,
        episode_seized_collateral_native: 13,
        ..fresh_pos
    };
    let i = LiqInput::for_position(&ongoing, 5, 9, 100, crate::math::BORROW_INDEX_SCALE, 0);
    assert_eq!(
        (
            i.episode_slots,
            i.episode_start_collateral_native,
            i.episode_seized_collateral_native
        ),
        (10, 20, 13)
    );
}

proptest! {
    /// The urgent tier: only positions within the gap of insolvency may go
    /// past the budget, never past budget + allowance, and they skip the ramp.
    #[test]
    fn urgency_extends_the_budget_for_near_insolvent_positions_only(
        c in 1_000_000u64..1u64 << 40,
        ltv_bps in 9_000u64..10_500,
        gap in 1u64..2_000,
        budget in 0u64..1u64 << 36,
        allowance in 0u64..1u64 << 36,
        ramp in 0u64..20,
    ) {
        let price = 100_000_000_000u64;
        let value = c as u128 * price as u128 / crate::math::PRICE_SCALE as u128;
        let d = (value * ltv_bps as u128 / BPS as u128) as u64;
        let p = LiqParams { urgent_gap_bps: gap, liq_ramp_slots: ramp, ..soft() };
        let input = LiqInput {
            budget_remaining_notional: Some(budget),
            urgent_remaining_notional: allowance,
            ..fresh(c, d, price)
        };
        let urgent = d as u128 * BPS as u128 >= value * (BPS - gap) as u128;
        if let Ok(Ok(step)) = plan(&p, &input).map_err(|_| ()) {
            prop_assert_eq!(step.urgent, urgent);
            if urgent {
                prop_assert!(step.seized_notional_native as u128 <= budget as u128 + allowance as u128);
                prop_assert!(step.bound != Bound::Ramp);
            } else {
                prop_assert!(step.seized_notional_native <= budget);
            }
        }
    }
}
