//! Tests of the Dutch auction: start price, both price curves, resets, takes
//! (exact figures, the dust rule, closing a tab, running out of collateral),
//! and properties of prices and of sequences of takes.
#![allow(clippy::arithmetic_side_effects)]

use super::*;
use crate::math::value_of;
use crate::state::{RiskParams, LOT_INSOLVENT};
use proptest::prelude::*;

/// 100 USDC/SOL (6 and 9 decimals), scaled by 1e12.
const PRICE_100: u64 = 100_000_000_000;
const P12: u128 = PRICE_SCALE as u128;

/// Default soft parameters: stepwise exponential, −0.5% every 2 slots.
fn step_exp() -> MarketParams {
    MarketParams::default_soft()
}

/// Linear to zero over 600 slots.
fn linear() -> MarketParams {
    MarketParams {
        auction_curve: CURVE_LINEAR,
        auction_tau_slots: 600,
        ..MarketParams::default_soft()
    }
}

fn take_ok(lot: u64, debt: u64, pen: u64, price: u64, max: u64, dust: u64) -> Take {
    match take(lot, debt, pen, price, max, dust) {
        Ok(t) => t,
        Err(e) => panic!("take({lot}, {debt}, {pen}, {price}, {max}, {dust}) failed: {e:?}"),
    }
}

// ---------------------------------------------------------------- examples

#[test]
fn start_price_applies_the_buffer_rounding_up() {
    assert_eq!(start_price(PRICE_100, 10_200), Some(102_000_000_000));
    assert_eq!(start_price(PRICE_100, 9_500), Some(95_000_000_000));
    assert_eq!(start_price(PRICE_100, BPS), Some(PRICE_100));
    assert_eq!(start_price(3, 10_200), Some(4)); // 3.06 rounds up
    assert_eq!(start_price(0, 10_200), Some(0));
    assert_eq!(start_price(u64::MAX, BPS), Some(u64::MAX));
    assert_eq!(start_price(u64::MAX, 15_000), None);
}

#[test]
fn step_exp_curve_exact_figures() {
    let p = step_exp();
    assert_eq!(
        (p.auction_curve, p.auction_step_slots, p.auction_cut_bps),
        (CURVE_STEP_EXP, 2, 9_950)
    );
    let s = 1_000_000;
    assert_eq!(price_at(&p, s, 0), Some(1_000_000));
    assert_eq!(price_at(&p, s, 1), Some(1_000_000)); // within the first step
    assert_eq!(price_at(&p, s, 2), Some(995_000));
    assert_eq!(price_at(&p, s, 3), Some(995_000));
    assert_eq!(price_at(&p, s, 4), Some(990_025)); // 0.995²
    assert_eq!(price_at(&p, s, 6), Some(985_075)); // 0.985074875 rounds up
                                                   // A lot started at 102 USDC: 100 steps -> 0.995^100 = 0.605770..., rounded up.
    let start = start_price(PRICE_100, p.auction_start_buffer_bps).unwrap();
    assert_eq!(price_at(&p, start, 200), Some(61_788_584_523));
    assert_eq!(price_at(&p, start, 300), Some(48_090_831_218));
    // The curve never reaches zero: rounding up keeps the factor at least 1e-18.
    assert_eq!(price_at(&p, 1, u64::MAX), Some(1));
    assert_eq!(price_at(&p, 0, 10), Some(0));
    let half = MarketParams {
        auction_cut_bps: 5_000,
        auction_step_slots: 1,
        ..p
    };
    assert_eq!(price_at(&half, 1_024, 10), Some(1));
    assert_eq!(price_at(&half, 1_024, 3), Some(128));
    assert_eq!(price_at(&half, 10_000_000_000_000_000_000, 64), Some(10));
}

#[test]
fn linear_curve_exact_figures() {
    let p = linear();
    let s = 600_000;
    assert_eq!(price_at(&p, s, 0), Some(600_000));
    assert_eq!(price_at(&p, s, 1), Some(599_000));
    assert_eq!(price_at(&p, s, 300), Some(300_000));
    assert_eq!(price_at(&p, s, 599), Some(1_000));
    assert_eq!(price_at(&p, s, 600), Some(0));
    assert_eq!(price_at(&p, s, u64::MAX), Some(0));
    // Rounds up (the protocol sells).
    let short = MarketParams {
        auction_tau_slots: 3,
        ..p
    };
    assert_eq!(price_at(&short, 10, 1), Some(7));
    assert_eq!(price_at(&short, 10, 2), Some(4));
    // Hard mode: a linear curve too slow to matter, started at a 5% discount.
    let h = MarketParams::hard();
    let start = start_price(PRICE_100, h.auction_start_buffer_bps).unwrap();
    assert_eq!(start, 95_000_000_000);
    assert_eq!(price_at(&h, start, 10), Some(94_999_050_000));
    assert_eq!(price_at(&h, 95, 999_999), Some(1));
}

#[test]
fn needs_reset_past_tail_or_below_cusp_whatever_the_resets() {
    let p = step_exp(); // tail 300 slots, cusp 60%, 10 resets
    let s = 1_000;
    assert_eq!(needs_reset(&p, s, 1_000, 0), Some(false));
    assert_eq!(needs_reset(&p, s, 600, 300), Some(false)); // at cusp and tail: not yet
    assert_eq!(needs_reset(&p, s, 599, 10), Some(true)); // below cusp
    assert_eq!(needs_reset(&p, s, 900, 301), Some(true)); // past tail
                                                          // Resets exhausted: still no sale below the cusp (the floor), only the tip stops.
    assert_eq!(needs_reset(&p, s, 0, u64::MAX), Some(true));
    assert!(reset_tip_due(&p, 9));
    assert!(!reset_tip_due(&p, 10));
    // Along the default curve from 102 USDC the cusp comes first: 0.995^n < 0.6 at n = 102.
    let start = start_price(PRICE_100, p.auction_start_buffer_bps).unwrap();
    let first = (0..=p.auction_tail_slots + 1)
        .find(|e| needs_reset(&p, start, price_at(&p, start, *e).unwrap(), *e).unwrap())
        .unwrap();
    assert_eq!(first, 204);
}

/// A lot of 10 SOL with a tab of 900 USDC debt + 5 USDC penalty, dust 1 USDC.
const LOT: u64 = 10_000_000_000;
const DEBT: u64 = 900_000_000;
const PEN: u64 = 5_000_000;
const DUST: u64 = 1_000_000;

#[test]
fn partial_take_pays_the_pool_first() {
    // 1 SOL at 100 USDC.
    let t = take_ok(LOT, DEBT, PEN, PRICE_100, 1_000_000_000, DUST);
    assert_eq!(
        t,
        Take {
            collateral_out_native: 1_000_000_000,
            paid_native: 100_000_000,
            to_pool_native: 100_000_000,
            to_insurance_native: 0,
            tab_closed: false,
        }
    );
    // Cost rounds up: 1 lamport at 100 USDC/SOL costs 0.1 micro-USDC -> 1.
    let t = take_ok(LOT, DEBT, PEN, PRICE_100, 1, DUST);
    assert_eq!((t.collateral_out_native, t.paid_native), (1, 1));
    // Past the debt: the rest goes to insurance, leaving exactly `dust` of tab.
    let t = take_ok(LOT, DEBT, PEN, PRICE_100, 9_040_000_000, DUST);
    assert_eq!(
        t,
        Take {
            collateral_out_native: 9_040_000_000,
            paid_native: 904_000_000,
            to_pool_native: 900_000_000,
            to_insurance_native: 4_000_000,
            tab_closed: false,
        }
    );
}

#[test]
fn taking_the_whole_tab_closes_it_and_leaves_the_surplus() {
    let t = take_ok(LOT, DEBT, PEN, PRICE_100, u64::MAX, DUST);
    assert_eq!(
        t,
        Take {
            collateral_out_native: 9_050_000_000,
            paid_native: 905_000_000,
            to_pool_native: 900_000_000,
            to_insurance_native: 5_000_000,
            tab_closed: true,
        }
    );
    // 0.95 SOL goes back to the owner.
    assert_eq!(LOT - t.collateral_out_native, 950_000_000);
    // Asking for one unit less than the tab's worth: the rounded-up cost is the
    // whole tab, which closes it too.
    let t = take_ok(LOT, DEBT, PEN, PRICE_100, 9_049_999_999, DUST);
    assert_eq!((t.paid_native, t.tab_closed), (905_000_000, true));
    // At a higher price less collateral covers the tab: floor(905e6 · 1e12 / 102e9).
    let t = take_ok(LOT, DEBT, PEN, 102_000_000_000, u64::MAX, DUST);
    assert_eq!(
        (t.collateral_out_native, t.paid_native, t.tab_closed),
        (8_872_549_019, 905_000_000, true)
    );
    assert!(
        value_of(t.collateral_out_native, 102_000_000_000, Rounding::Up).unwrap() <= 905_000_000
    );
}

#[test]
fn dust_rule() {
    // Would leave 0.5 USDC of tab with collateral left: refused.
    assert_eq!(
        take(LOT, DEBT, PEN, PRICE_100, 9_045_000_000, DUST),
        Err(TakeError::LeavesDust)
    );
    assert_eq!(
        take(LOT, DEBT, PEN, PRICE_100, 9_049_999_990, DUST),
        Err(TakeError::LeavesDust)
    );
    // Exactly `dust` left is fine (above).
    assert!(take(LOT, DEBT, PEN, PRICE_100, 9_040_000_000, DUST).is_ok());
    // Dust 0 disables the rule.
    assert!(take(LOT, DEBT, PEN, PRICE_100, 9_045_000_000, 0).is_ok());
    // A tab already below dust can still be closed, but not split.
    assert_eq!(
        take(LOT, 500_000, 0, PRICE_100, 1_000_000, DUST),
        Err(TakeError::LeavesDust)
    );
    let t = take_ok(LOT, 500_000, 0, PRICE_100, u64::MAX, DUST);
    assert_eq!(
        (t.collateral_out_native, t.paid_native, t.tab_closed),
        (5_000_000, 500_000, true)
    );
}

#[test]
fn collateral_running_out_leaves_the_tab_for_settlement() {
    // 5 SOL cannot cover a 905 USDC tab at 100 USDC.
    let t = take_ok(5_000_000_000, DEBT, PEN, PRICE_100, u64::MAX, DUST);
    assert_eq!(
        t,
        Take {
            collateral_out_native: 5_000_000_000,
            paid_native: 500_000_000,
            to_pool_native: 500_000_000,
            to_insurance_native: 0,
            tab_closed: false,
        }
    );
    // Even a remainder below dust is allowed when no collateral is left.
    let t = take_ok(9_045_000_000, DEBT, PEN, PRICE_100, u64::MAX, DUST);
    assert_eq!((t.paid_native, t.tab_closed), (904_500_000, false));
    assert_eq!(DEBT + PEN - t.paid_native, 500_000);
}

#[test]
fn degenerate_takes() {
    assert_eq!(
        take(LOT, DEBT, PEN, PRICE_100, 0, DUST),
        Err(TakeError::NothingToTake)
    );
    assert_eq!(
        take(0, DEBT, PEN, PRICE_100, u64::MAX, DUST),
        Err(TakeError::NothingToTake)
    );
    assert_eq!(
        take(LOT, 0, 0, PRICE_100, u64::MAX, DUST),
        Err(TakeError::NothingToTake)
    );
    assert_eq!(
        take(LOT, u64::MAX, 1, PRICE_100, u64::MAX, DUST),
        Err(TakeError::Math)
    );
    // A penalty-only tab goes to insurance.
    let t = take_ok(LOT, 0, PEN, PRICE_100, u64::MAX, DUST);
    assert_eq!(
        (t.paid_native, t.to_pool_native, t.to_insurance_native),
        (PEN, 0, PEN)
    );
    // At price zero (a linear curve past tau with no reset left) collateral is free.
    let t = take_ok(LOT, DEBT, PEN, 0, 3, 0);
    assert_eq!(
        (t.collateral_out_native, t.paid_native, t.tab_closed),
        (3, 0, false)
    );
    // A tab worth less than one collateral unit: the taker pays the whole tab
    // for one unit (a take always makes progress). E.g. a satoshi at 100k USD
    // is worth 1_000 micro-USDC (price 1e15) and the tab is 5 micro-USDC.
    let t = take_ok(1_000, 5, 0, 1_000_000_000_000_000, u64::MAX, 0);
    assert_eq!(
        (t.collateral_out_native, t.paid_native, t.tab_closed),
        (1, 5, true)
    );
}

// -------------------------------------------------------------- properties

/// Valid auction curves (either kind), per `engine::params::validate`.
fn curve() -> impl Strategy<Value = MarketParams> {
    (
        prop_oneof![Just(CURVE_LINEAR), Just(CURVE_STEP_EXP)],
        prop_oneof![1u64..=10, 1u64..=10_000_000],
        prop_oneof![1u64..=10, 1u64..=1_000],
        prop_oneof![5_000u64..BPS, 9_900u64..BPS],
    )
        .prop_map(|(c, tau, step, cut)| MarketParams {
            auction_curve: c,
            auction_tau_slots: tau,
            auction_step_slots: step,
            auction_cut_bps: cut,
            ..MarketParams::default_soft()
        })
}

fn elapsed() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..=100, 0u64..=100_000, any::<u64>()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4_000))]

    #[test]
    fn generated_curves_are_valid(p in curve()) {
        prop_assert_eq!(crate::engine::params::validate(&p), Ok(()));
    }

    /// Price starts at `start`, never rises with time, never fails.
    #[test]
    fn price_is_monotone_and_bounded(p in curve(), start in any::<u64>(), a in elapsed(), b in elapsed()) {
        let (lo, hi) = (a.min(b), a.max(b));
        let p_lo = price_at(&p, start, lo);
        let p_hi = price_at(&p, start, hi);
        prop_assert!(p_lo.is_some() && p_hi.is_some());
        let (p_lo, p_hi) = (p_lo.unwrap(), p_hi.unwrap());
        prop_assert_eq!(price_at(&p, start, 0), Some(start));
        prop_assert!(p_hi <= p_lo, "price rose from {} at {} to {} at {}", p_lo, lo, p_hi, hi);
        prop_assert!(p_lo <= start);
    }

    /// One slot at a time the price never rises (catches rounding wobbles
    /// between neighbouring exponents of the stepwise curve).
    #[test]
    fn price_never_rises_slot_by_slot(p in curve(), start in any::<u64>(), from in elapsed()) {
        let mut prev = price_at(&p, start, from).unwrap();
        for e in from.saturating_add(1)..=from.saturating_add(64) {
            let now = price_at(&p, start, e).unwrap();
            prop_assert!(now <= prev);
            prev = now;
        }
    }

    /// The curves follow their closed forms: linear exactly (rounded up); the
    /// stepwise curve never below `start·cut^n` and within 1e-12 relative + 2.
    #[test]
    fn price_follows_closed_form(p in curve(), start in 0u64..=1_000_000_000_000_000, e in 0u64..=20_000) {
        let got = price_at(&p, start, e).unwrap();
        if p.auction_curve == CURVE_LINEAR {
            let left = p.auction_tau_slots.saturating_sub(e) as u128;
            prop_assert_eq!(got as u128, (start as u128 * left).div_ceil(p.auction_tau_slots as u128));
        } else {
            let n = e / p.auction_step_slots;
            if n <= 4 {
                // Exact: price · 1e4^n ≥ start · cut^n.
                let cut = p.auction_cut_bps as u128;
                prop_assert!(got as u128 * (BPS as u128).pow(n as u32) >= start as u128 * cut.pow(n as u32));
            }
            let exact = start as f64 * (p.auction_cut_bps as f64 / BPS as f64).powf(n as f64);
            prop_assert!((got as f64 - exact).abs() <= start as f64 * 1e-12 + 2.0, "{} vs {}", got, exact);
        }
    }

    /// The start price is the oracle times the buffer, rounded up by less than one.
    #[test]
    fn start_price_rounds_up(oracle in 0u64..=1u64 << 48, buf in 5_000u64..=15_000) {
        let s = start_price(oracle, buf).unwrap() as u128;
        let exact = oracle as u128 * buf as u128;
        prop_assert!(s * BPS as u128 >= exact);
        prop_assert!(s * (BPS as u128) < exact + BPS as u128);
    }

    /// Reset rule, as documented: past the tail or below `floor(start · cusp)`,
    /// whatever the resets; the tip is due while resets remain.
    #[test]
    fn reset_rule(
        p in curve(),
        tail in 1u64..=1_000,
        cusp in 0u64..BPS,
        max_resets in 0u64..=20,
        start in any::<u64>(),
        price in any::<u64>(),
        e in elapsed(),
        resets in 0u32..=25,
    ) {
        let p = MarketParams { auction_tail_slots: tail, auction_cusp_bps: cusp, auction_max_resets: max_resets, ..p };
        let r = needs_reset(&p, start, price, e).unwrap();
        let below_cusp = (price as u128) < (start as u128) * (cusp as u128) / (BPS as u128);
        let expected = e > tail || below_cusp;
        prop_assert_eq!(reset_tip_due(&p, resets), (resets as u64) < max_resets);
        prop_assert_eq!(r, expected);
        // Along the curve, a lot that needs no reset yet still needs none a
        // slot earlier.
        let now = price_at(&p, start, e).unwrap();
        if e > 0 && !needs_reset(&p, start, now, e).unwrap() {
            let before = price_at(&p, start, e - 1).unwrap();
            prop_assert!(!needs_reset(&p, start, before, e - 1).unwrap());
        }
    }

    /// One take: bounded by the lot and the request, split exactly between pool
    /// and insurance with the pool first, never more than the tab, and the
    /// protocol never sells below the price by more than rounding.
    #[test]
    fn take_conserves(
        lot in prop_oneof![1u64..=1_000, 1u64..=1_000_000_000_000_000],
        debt in prop_oneof![0u64..=1_000, 0u64..=1_000_000_000_000],
        pen in prop_oneof![0u64..=1_000, 0u64..=10_000_000_000],
        price in prop_oneof![0u64..=1_000, 1u64..=1_000_000_000_000_000, any::<u64>()],
        max in prop_oneof![Just(u64::MAX), 0u64..=1_000, 0u64..=1_000_000_000_000_000],
        dust in prop_oneof![Just(0u64), 0u64..=10_000_000],
    ) {
        let tab = debt + pen;
        match take(lot, debt, pen, price, max, dust) {
            Ok(t) => {
                prop_assert!(t.collateral_out_native >= 1);
                prop_assert!(t.collateral_out_native <= max.min(lot));
                prop_assert_eq!(t.paid_native, t.to_pool_native + t.to_insurance_native);
                prop_assert!(t.to_pool_native <= debt);
                prop_assert!(t.to_insurance_native <= pen);
                prop_assert!(t.paid_native <= tab);
                // Pool first: insurance is paid only once the debt is.
                prop_assert!(t.to_insurance_native == 0 || t.to_pool_native == debt);
                prop_assert_eq!(t.tab_closed, t.paid_native == tab);
                let value_down = value_of(t.collateral_out_native, price, Rounding::Down).unwrap();
                if (tab as u128) * P12 >= price as u128 {
                    // The tab is worth at least one collateral unit.
                    prop_assert!(t.paid_native as u128 >= value_down, "paid {} for value {}", t.paid_native, value_down);
                } else {
                    // One unit for the whole (smaller) tab.
                    prop_assert_eq!((t.collateral_out_native, t.paid_native), (1, tab));
                }
                // A partial take pays the price rounded up.
                if !t.tab_closed {
                    prop_assert_eq!(
                        t.paid_native as u128,
                        value_of(t.collateral_out_native, price, Rounding::Up).unwrap()
                    );
                }
                // The dust rule holds after the take.
                let (tab_left, lot_left) = (tab - t.paid_native, lot - t.collateral_out_native);
                prop_assert!(tab_left == 0 || tab_left >= dust || lot_left == 0);
            }
            Err(TakeError::NothingToTake) => prop_assert!(max.min(lot) == 0 || tab == 0),
            Err(TakeError::LeavesDust) => prop_assert!(max < lot && dust > 0),
            Err(TakeError::Math) => prop_assert!(false, "math error"),
        }
        // Taking everything on offer is never refused for dust.
        if tab > 0 {
            prop_assert!(take(lot, debt, pen, price, u64::MAX, dust).is_ok());
        }
    }

    /// A lot through a random sequence of takes along its curve: totals
    /// conserve collateral and tab, the pool is repaid before insurance, and
    /// the proceeds never undercut the price by more than rounding.
    #[test]
    fn take_sequences_conserve(
        p in curve(),
        oracle in prop_oneof![1_000u64..=1_000_000_000_000, 1_000_000_000_000u64..=1_000_000_000_000_000],
        lot in 1u64..=1_000_000_000_000_000,
        tab_ratio_bps in 1u64..=15_000,
        pen_bps in 0u64..=2_000,
        dust in prop_oneof![Just(0u64), 0u64..=10_000_000],
        steps in prop::collection::vec((0u64..=50, prop_oneof![Just(u64::MAX), 1u64..=1_000_000_000_000_000]), 1..30),
    ) {
        let start = start_price(oracle, p.auction_start_buffer_bps).unwrap();
        let value = (lot as u128 * oracle as u128 / P12) as u64;
        let tab0 = value / BPS * tab_ratio_bps + 1;
        let pen0 = tab0 / BPS * pen_bps;
        let debt0 = tab0 - pen0;
        let (mut coll, mut debt, mut pen, mut slot) = (lot, debt0, pen0, 0u64);
        let (mut out, mut to_pool, mut to_ins) = (0u64, 0u64, 0u64);
        let mut closed = false;
        for (wait, max) in steps {
            slot += wait;
            let price = price_at(&p, start, slot).unwrap();
            match take(coll, debt, pen, price, max, dust) {
                Ok(t) => {
                    prop_assert!(t.to_insurance_native == 0 || t.to_pool_native == debt);
                    if (debt + pen) as u128 * P12 >= price as u128 {
                        prop_assert!(t.paid_native as u128 >= value_of(t.collateral_out_native, price, Rounding::Down).unwrap());
                    }
                    coll -= t.collateral_out_native;
                    debt -= t.to_pool_native;
                    pen -= t.to_insurance_native;
                    out += t.collateral_out_native;
                    to_pool += t.to_pool_native;
                    to_ins += t.to_insurance_native;
                    let tab_left = debt + pen;
                    prop_assert!(tab_left == 0 || tab_left >= dust || coll == 0);
                    if t.tab_closed {
                        prop_assert_eq!(tab_left, 0);
                        closed = true;
                        break;
                    }
                    if coll == 0 {
                        break;
                    }
                }
                Err(TakeError::LeavesDust) => prop_assert!(max < coll),
                Err(e) => prop_assert!(false, "take failed: {:?}", e),
            }
        }
        prop_assert_eq!(out + coll, lot);
        prop_assert_eq!(to_pool + debt, debt0);
        prop_assert_eq!(to_ins + pen, pen0);
        prop_assert_eq!(closed, debt + pen == 0);
        // Whatever is left ends in one of two ways: collateral back to the owner
        // (tab paid) or a tab for settlement (collateral gone) — or more takes.
        prop_assert!(closed || coll == 0 || debt + pen > 0);
        if closed || coll > 0 {
            // A final sweep always succeeds or has nothing to do.
            let r = take(coll, debt, pen, price_at(&p, start, slot).unwrap(), u64::MAX, dust);
            prop_assert!(r.is_ok() || r == Err(TakeError::NothingToTake));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    /// No input makes the pricing or a take panic.
    #[test]
    fn never_panics(f in any::<[u64; 6]>(), e in any::<u64>(), r in any::<u32>(), t in any::<[u64; 6]>()) {
        let p = MarketParams {
            auction_curve: f[0] % 3,
            auction_tau_slots: f[1],
            auction_step_slots: f[2],
            auction_cut_bps: f[3],
            auction_cusp_bps: f[4],
            auction_max_resets: f[5] % 2_000,
            ..MarketParams::default_soft()
        };
        let _ = start_price(t[0], f[3]);
        let _ = price_at(&p, t[0], e);
        let _ = needs_reset(&p, t[0], t[1], e);
        let _ = reset_tip_due(&p, r);
        let _ = take(t[0], t[1], t[2], t[3], t[4], t[5]);
    }
}

// ---------------------------------------------------------------- insolvent-lot hold

/// The soft rule's auction: 98% of the oracle, −0.5% a slot, a 300-slot
/// tail and a hold of the whole first round.
fn held_params() -> MarketParams {
    crate::engine::params::soft_rule(20_000_000_000_000).0
}

/// A lot of 10 SOL seized at 100 USDC/SOL at slot 1,000 owing `debt` USDC.
fn lot_owing(debt_native: u64, flags: u32) -> Lot {
    Lot {
        collateral_native: 10_000_000_000,
        tab_debt_native: debt_native,
        tab_penalty_native: 5_000_000,
        start_price: start_price(PRICE_100, 9_800).unwrap(),
        start_slot: 1_000,
        flags: crate::state::LOT_IN_USE | flags,
        ..Lot::default()
    }
}

#[test]
fn debt_price_repays_the_debt_rounding_up() {
    // 1,050 USDC over 10 SOL: 105 USDC/SOL.
    let lot = lot_owing(1_050_000_000, 0);
    assert_eq!(debt_price(&lot), Some(105_000_000_000));
    // 1,000 USDC over 3 SOL: 333.33… USDC/SOL, rounded up.
    let lot = Lot {
        collateral_native: 3_000_000_000,
        ..lot_owing(1_000_000_000, 0)
    };
    let px = debt_price(&lot).unwrap();
    assert_eq!(px, 333_333_333_334);
    assert!(
        value_of(lot.collateral_native, px, crate::math::Rounding::Down).unwrap() >= 1_000_000_000
    );
    assert_eq!(
        debt_price(&Lot {
            tab_debt_native: 0,
            ..lot
        }),
        Some(0)
    );
    assert_eq!(
        debt_price(&Lot {
            collateral_native: 0,
            ..lot
        }),
        Some(u64::MAX)
    );
}

#[test]
fn an_insolvent_lot_holds_its_debt_price_for_the_hold_then_needs_a_reset() {
    let p = held_params();
    assert_eq!(p.auction_hold_slots, p.auction_tail_slots);
    // Owes 1,050 USDC against 1,000 USDC of collateral at the oracle.
    let lot = lot_owing(1_050_000_000, LOT_INSOLVENT);
    assert!(is_held(&p, &lot));
    let at = |elapsed: u64| quote(&p, &lot, 1_000 + elapsed).unwrap();
    // Above the curve from the start (98 < 105), at every slot of the hold.
    for e in [0, 1, 10, 150, 300] {
        assert_eq!(
            at(e),
            Quote {
                price: 105_000_000_000,
                needs_reset: false
            },
            "elapsed {e}"
        );
        assert!(price_at(&p, lot.start_price, e).unwrap() < 105_000_000_000);
    }
    // Past the hold: an ordinary reset.
    assert!(at(301).needs_reset);
    // The next round is an ordinary auction.
    let reset = Lot {
        resets: 1,
        start_slot: 1_301,
        ..lot
    };
    assert!(!is_held(&p, &reset));
    let q = quote(&p, &reset, 1_311).unwrap();
    assert_eq!(q.price, price_at(&p, reset.start_price, 10).unwrap());
}

#[test]
fn the_hold_leaves_solvent_lots_and_markets_without_it_alone() {
    let p = held_params();
    // Solvent at seizure (no flag): the curve and the ordinary reset rule.
    let solvent = lot_owing(955_000_000, 0);
    assert!(!is_held(&p, &solvent));
    for e in [0, 5, 20, 101, 299, 301] {
        let curve = price_at(&p, solvent.start_price, e).unwrap();
        let q = quote(&p, &solvent, 1_000 + e).unwrap();
        assert_eq!(q.price, curve);
        assert_eq!(
            q.needs_reset,
            needs_reset(&p, solvent.start_price, curve, e).unwrap()
        );
    }
    // A market without the hold prices an insolvent lot on the curve.
    let off = MarketParams {
        auction_hold_slots: 0,
        ..p
    };
    let lot = lot_owing(1_050_000_000, LOT_INSOLVENT);
    assert!(!is_held(&off, &lot));
    assert_eq!(
        quote(&off, &lot, 1_010).unwrap().price,
        price_at(&off, lot.start_price, 10).unwrap()
    );
}

#[test]
fn a_held_lot_still_follows_the_curve_when_it_is_above_the_debt_price() {
    // Flagged, but its debt price (50) is below the curve for a while.
    let p = held_params();
    let lot = lot_owing(500_000_000, LOT_INSOLVENT);
    let q = quote(&p, &lot, 1_002).unwrap();
    assert_eq!(q.price, price_at(&p, lot.start_price, 2).unwrap());
    // Once the curve is below 50 (0.995^e < 50 / 98 from e = 135), the floor.
    let q = quote(&p, &lot, 1_200).unwrap();
    assert_eq!(q.price, 50_000_000_000);
    assert!(!q.needs_reset, "the cusp does not reset a held lot");
}

#[test]
fn a_lot_seized_in_a_fast_fall_is_held_like_an_insolvent_one() {
    let p = held_params();
    // Solvent (owes 955 against 1,000 of collateral) but seized in a fast fall.
    let lot = lot_owing(955_000_000, crate::state::LOT_FAST_FALL);
    assert!(is_held(&p, &lot));
    // The curve is above its debt price (95.5) for a few slots, then the floor.
    assert_eq!(
        quote(&p, &lot, 1_002).unwrap().price,
        price_at(&p, lot.start_price, 2).unwrap()
    );
    let q = quote(&p, &lot, 1_100).unwrap();
    assert_eq!(q.price, 95_500_000_000);
    assert!(!q.needs_reset);
    assert!(quote(&p, &lot, 1_301).unwrap().needs_reset);
    // Not held once reset, nor in a market without the hold.
    assert!(!is_held(&p, &Lot { resets: 1, ..lot }));
    let off = MarketParams {
        auction_hold_slots: 0,
        ..p
    };
    assert!(!is_held(&off, &lot));
}

#[test]
fn the_fast_fall_detector_needs_a_fast_fall_and_no_recent_take() {
    // 50 bps a slot at most, quiet for 8 slots: a price of 100 at slot 1,000.
    let prev = (PRICE_100, 1_000);
    let fast =
        |price: u64, slot: u64, last_take: u64| is_fast_fall(prev, (price, slot), last_take, 50, 8);
    // −0.5% in one slot: exactly the bound, a fast fall; −0.49%: not.
    assert!(fast(99_500_000_000, 1_001, 0));
    assert!(!fast(99_510_000_000, 1_001, 0));
    // Averaged over the slots since the last price: −1% over 2 slots is, over 3 is not.
    assert!(fast(99_000_000_000, 1_002, 0));
    assert!(!fast(99_000_000_000, 1_003, 0));
    // A rise, an unchanged price, the same slot, or no previous price: never.
    assert!(!fast(101_000_000_000, 1_001, 0));
    assert!(!fast(PRICE_100, 1_001, 0));
    assert!(!fast(90_000_000_000, 1_000, 0));
    assert!(!is_fast_fall((0, 0), (90_000_000_000, 1_001), 0, 50, 8));
    // A take in the 8 slots before: the fall may be the takers' own resale.
    assert!(!fast(90_000_000_000, 1_001, 993));
    assert!(!fast(90_000_000_000, 1_001, 1_001));
    assert!(fast(90_000_000_000, 1_001, 992));
    // 0 is "never": early in a chain's life every slot is within 8 of it.
    assert!(is_fast_fall((PRICE_100, 4), (90_000_000_000, 5), 0, 50, 8));
}

fn risk() -> RiskParams {
    RiskParams::static_default()
}

#[test]
fn the_quiet_volatility_starts_from_its_first_sample() {
    // One quiet 1% return: the corrected variance is that sample, (1e7 ppb)²,
    // although the estimate has gathered only ln2/150 of its weight.
    let v = QuietVol::default()
        .observe(&risk(), PRICE_100, 99_000_000_000, 1)
        .unwrap();
    assert_eq!(v.weight_ppb, 4_620_981, "ln2 ÷ 150 in ppb");
    let var = v.per_slot_variance_ppb2();
    assert!(
        var.abs_diff(100_000_000_000_000) <= 100_000_000_000_000 / 1_000_000,
        "{var}"
    );
    // Nothing observed: no variance.
    assert_eq!(QuietVol::default().per_slot_variance_ppb2(), 0);
    // A return over 4 slots says a quarter of its square per slot.
    let v4 = QuietVol::default()
        .observe(&risk(), PRICE_100, 98_000_000_000, 4)
        .unwrap();
    let var4 = v4.per_slot_variance_ppb2();
    assert!(
        var4.abs_diff(100_000_000_000_000) <= 100_000_000_000_000 / 1_000_000,
        "{var4}"
    );
    // A return above the estimator's cap (5%) counts as the cap.
    let big = QuietVol::default()
        .observe(&risk(), PRICE_100, 50_000_000_000, 1)
        .unwrap();
    let var_big = big.per_slot_variance_ppb2();
    assert!(var_big.abs_diff(2_500_000_000_000_000) <= 2_500_000_000_000_000 / 1_000_000);
}

#[test]
fn a_fall_is_beyond_noise_at_four_sigmas() {
    // σ = 1% a slot: (1e7 ppb)².
    let var = 100_000_000_000_000u64;
    assert!(beyond_noise(PRICE_100, 96_000_000_000, 1, var), "−4% = 4σ");
    assert!(!beyond_noise(PRICE_100, 96_010_000_000, 1, var), "−3.99%");
    // Over 4 slots the noise is 2σ·... : 8% is 4σ, 7.9% is not.
    assert!(beyond_noise(PRICE_100, 92_000_000_000, 4, var));
    assert!(!beyond_noise(PRICE_100, 92_100_000_000, 4, var));
    // No variance observed: any fall is, no rise or flat price ever is.
    assert!(beyond_noise(PRICE_100, PRICE_100 - 1, 1, 0));
    assert!(!beyond_noise(PRICE_100, PRICE_100, 1, 0));
    assert!(!beyond_noise(PRICE_100, PRICE_100 + 1, 1, 0));
    assert!(!beyond_noise(0, 0, 1, 0));
}

#[test]
fn only_a_quiet_slot_is_quiet() {
    assert!(is_quiet(1_000, 0, 8), "0 = never taken");
    assert!(is_quiet(1_000, 991, 8));
    assert!(!is_quiet(1_000, 992, 8));
    assert!(!is_quiet(1_000, 1_000, 8));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4_000))]

    /// The detector fires exactly when the fall per slot reaches the bound
    /// and no take landed in the quiet window; a deeper fall never stops it.
    #[test]
    fn fast_falls_are_falls_at_the_bound_without_a_recent_take(
        prev_price in 1u64..=1u64 << 48,
        drop_bps in 0u64..=10_000,
        dt in 1u64..=100,
        max_move in 1u64..=5_000,
        quiet in 1u64..=1_500,
        since_take in 0u64..=3_000,
    ) {
        let slot = 10_000u64;
        let price = (prev_price as u128 * (10_000 - drop_bps) as u128 / 10_000) as u64;
        let fired = is_fast_fall((prev_price, slot - dt), (price, slot), slot - since_take, max_move, quiet);
        let falls = (prev_price - price) as u128 * 10_000 >= prev_price as u128 * max_move as u128 * dt as u128;
        prop_assert_eq!(fired, price < prev_price && falls && since_take > quiet);
        if fired && price > 0 {
            let deeper = is_fast_fall((prev_price, slot - dt), (price - 1, slot), slot - since_take, max_move, quiet);
            prop_assert!(deeper);
        }
    }

    /// The quiet volatility of a constant return is that return's square
    /// whatever the number of observations (the start corrected), and its
    /// weight rises toward one without reaching past it.
    #[test]
    fn the_quiet_volatility_of_a_steady_return_is_its_square(
        ret_bps in 1u64..=500,
        n in 1usize..=400,
    ) {
        let r = risk();
        let price = (PRICE_100 as u128 * (10_000 - ret_bps) as u128 / 10_000) as u64;
        let mut v = QuietVol::default();
        let mut last_weight = 0;
        for _ in 0..n {
            v = v.observe(&r, PRICE_100, price, 1).unwrap();
            prop_assert!(v.weight_ppb > last_weight || v.weight_ppb == PPB);
            prop_assert!(v.weight_ppb <= PPB);
            last_weight = v.weight_ppb;
        }
        let sample = crate::engine::risk::per_slot_sample_ppb2(&r, PRICE_100, price, 1).unwrap();
        let var = v.per_slot_variance_ppb2();
        // Rounding up at every step: never below, within 0.1% + n above.
        prop_assert!(var >= sample - sample / 1_000_000);
        prop_assert!(var <= sample + sample / 1_000 + n as u64 * 2);
    }

    /// Beyond the noise is monotone: a deeper fall, or a smaller variance,
    /// never turns a fall back into noise.
    #[test]
    fn beyond_noise_is_monotone(
        prev in 1u64..=1u64 << 48,
        drop_bps in 1u64..=10_000,
        dt in 1u64..=100,
        var in 0u64..=1u64 << 52,
    ) {
        let price = (prev as u128 * (10_000 - drop_bps) as u128 / 10_000) as u64;
        if beyond_noise(prev, price, dt, var) {
            prop_assert!(price < prev);
            if price > 0 {
                prop_assert!(beyond_noise(prev, price - 1, dt, var));
            }
            prop_assert!(beyond_noise(prev, price, dt, var / 2));
        }
    }

    /// During its hold a held lot never sells below the price that repays
    /// its debt; outside the hold (or unheld) the quote is the curve's.
    #[test]
    fn held_lots_never_sell_below_their_debt(
        coll in 1u64..=1u64 << 50,
        debt in 0u64..=1u64 << 50,
        start in 0u64..=1u64 << 48,
        hold in 0u64..=2_000,
        elapsed in 0u64..=5_000,
        resets in 0u32..=2,
        insolvent in any::<bool>(),
        fast_fall in any::<bool>(),
        overflow in any::<bool>(),
    ) {
        let p = MarketParams { auction_hold_slots: hold, ..held_params() };
        let lot = Lot {
            collateral_native: coll,
            tab_debt_native: debt,
            start_price: start,
            start_slot: 10,
            resets,
            flags: crate::state::LOT_IN_USE
                | if insolvent { LOT_INSOLVENT } else { 0 }
                | if fast_fall { crate::state::LOT_FAST_FALL } else { 0 }
                | if overflow { crate::state::LOT_OVERFLOW } else { 0 },
            ..Lot::default()
        };
        let q = quote(&p, &lot, 10 + elapsed).unwrap();
        let curve = price_at(&p, start, elapsed).unwrap();
        if is_held(&p, &lot) {
            prop_assert!(hold > 0 && resets == 0 && (insolvent || fast_fall || overflow));
            prop_assert_eq!(q.needs_reset, elapsed > hold);
            if !q.needs_reset {
                prop_assert!(q.price >= curve);
                let paid = value_of(coll, q.price, crate::math::Rounding::Down).unwrap();
                prop_assert!(paid >= debt as u128, "all collateral at the quote repays the debt");
            }
        } else {
            prop_assert_eq!(q, Quote { price: curve, needs_reset: needs_reset(&p, start, curve, elapsed).unwrap() });
        }
    }
}

// ---------------------------------------------------------------- anchored auction

/// A fresh lot of 10 SOL started at 98 USDC/SOL at slot 1,000, owing 900
/// USDC (solvent: never held).
fn anchored_lot() -> Lot {
    lot_owing(900_000_000, 0)
}

#[test]
fn the_soft_rule_anchors_its_auction() {
    let p = held_params();
    assert_eq!(p.auction_curve, CURVE_ANCHORED);
    assert_eq!(crate::engine::params::validate(&p), Ok(()));
    // Without a reference it is the stepwise exponential curve.
    let step = MarketParams {
        auction_curve: CURVE_STEP_EXP,
        ..p
    };
    for elapsed in [0, 1, 7, 90, 301] {
        assert_eq!(
            price_at(&p, 98_000_000_000, elapsed),
            price_at(&step, 98_000_000_000, elapsed)
        );
    }
}

#[test]
fn an_anchored_lot_follows_the_oracle_down_with_its_age() {
    let p = held_params(); // 98%, −0.5% a slot
    let lot = anchored_lot();
    let slot = 1_004;
    let own = quote(&p, &lot, slot).unwrap();
    // 98 × 0.995⁴, rounded up at each step.
    assert_eq!(own.price, price_at(&p, 98_000_000_000, 4).unwrap());
    assert!(own.price > 96_000_000_000 && own.price < 96_100_000_000);
    // The oracle fell to 90: the ask is the curve restarted at 90 × 98% with
    // the lot's four slots, 88.2 × 0.995⁴ (a fresh lot would ask 88.2).
    let at_90 = quote_at(&p, &lot, slot, Some(90_000_000_000)).unwrap();
    assert_eq!(at_90.price, price_at(&p, 88_200_000_000, 4).unwrap());
    assert!(at_90.price > 86_400_000_000 && at_90.price < 86_500_000_000);
    assert!(!at_90.needs_reset);
    // A higher oracle never raises the ask.
    assert_eq!(quote_at(&p, &lot, slot, Some(110_000_000_000)), Some(own));
    // Other curves ignore the reference.
    let step = MarketParams {
        auction_curve: CURVE_STEP_EXP,
        ..p
    };
    assert_eq!(
        quote_at(&step, &lot, slot, Some(90_000_000_000)),
        quote(&step, &lot, slot)
    );
    let lin = MarketParams {
        auction_curve: CURVE_LINEAR,
        auction_tau_slots: 600,
        ..p
    };
    assert_eq!(
        quote_at(&lin, &lot, slot, Some(90_000_000_000)),
        quote(&lin, &lot, slot)
    );
}

#[test]
fn an_anchored_held_lot_keeps_its_debt_floor_and_resets_on_its_own_curve() {
    let p = held_params();
    // Owes 1,050 USDC on 10 SOL: debt price 105, held for its first round.
    let held = lot_owing(1_050_000_000, LOT_INSOLVENT);
    let q = quote_at(&p, &held, 1_010, Some(60_000_000_000)).unwrap();
    assert_eq!(q.price, 105_000_000_000);
    assert!(!q.needs_reset);
    // An unheld lot: the reference lowers the price far below the cusp of a
    // fresh start, but the reset rule is the lot's own curve's.
    let lot = anchored_lot();
    let q = quote_at(&p, &lot, 1_010, Some(10_000_000_000)).unwrap();
    assert_eq!(q.price, price_at(&p, 9_800_000_000, 10).unwrap());
    assert_eq!(q.needs_reset, quote(&p, &lot, 1_010).unwrap().needs_reset);
    assert!(!q.needs_reset);
}

#[test]
fn the_reference_is_only_a_price_of_the_same_slot() {
    let rs = RiskState {
        last_price: 90_000_000_000,
        last_slot: 2_000,
        ..RiskState::default()
    };
    assert_eq!(reference_price(&rs, 2_000), Some(90_000_000_000));
    assert_eq!(reference_price(&rs, 2_001), None);
    assert_eq!(reference_price(&rs, 1_999), None);
    assert_eq!(reference_price(&RiskState::default(), 0), None);
}

#[test]
fn validate_accepts_the_anchored_curve_with_step_bounds() {
    use crate::engine::params::{validate, ParamError};
    let p = held_params();
    assert_eq!(
        validate(&MarketParams {
            auction_cut_bps: BPS,
            ..p
        }),
        Err(ParamError::Auction)
    );
    assert_eq!(
        validate(&MarketParams {
            auction_step_slots: 0,
            ..p
        }),
        Err(ParamError::Auction)
    );
    assert_eq!(
        validate(&MarketParams {
            auction_curve: 3,
            ..p
        }),
        Err(ParamError::Auction)
    );
}

proptest! {
    /// An anchored quote is the lower of the lot's own curve and the curve
    /// restarted at the reference (or the held lot's floor above it); it never
    /// exceeds the unanchored quote, falls (weakly) with the reference, and
    /// never changes whether the lot needs a reset.
    #[test]
    fn anchoring_only_lowers_the_curve(
        coll in 1u64..=1u64 << 50,
        debt in 0u64..=1u64 << 50,
        start in 0u64..=1u64 << 48,
        elapsed in 0u64..=1_000,
        reference in 1u64..=1u64 << 48,
        lower_by in 0u64..=1u64 << 40,
        insolvent in any::<bool>(),
    ) {
        let p = held_params();
        let lot = Lot {
            collateral_native: coll,
            tab_debt_native: debt,
            start_price: start,
            start_slot: 10,
            flags: crate::state::LOT_IN_USE | if insolvent { LOT_INSOLVENT } else { 0 },
            ..Lot::default()
        };
        let slot = 10 + elapsed;
        let plain = quote(&p, &lot, slot).unwrap();
        let q = quote_at(&p, &lot, slot, Some(reference)).unwrap();
        prop_assert!(q.price <= plain.price);
        prop_assert_eq!(q.needs_reset, plain.needs_reset);
        let restarted = price_at(&p, start_price(reference, p.auction_start_buffer_bps).unwrap(), elapsed).unwrap();
        let curve = price_at(&p, start, elapsed).unwrap().min(restarted);
        if is_held(&p, &lot) {
            prop_assert_eq!(q.price, curve.max(debt_price(&lot).unwrap()));
        } else {
            prop_assert_eq!(q.price, curve);
        }
        let lower = quote_at(&p, &lot, slot, Some(reference.saturating_sub(lower_by).max(1))).unwrap();
        prop_assert!(lower.price <= q.price);
    }
}
