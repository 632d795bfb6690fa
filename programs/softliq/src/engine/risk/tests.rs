//! Tests of the volatility estimator, the margin add-on and the risk
//! parameter rules: a reference computation in floating point (tests only),
//! the half-life, bounds per update, and each validation rule with numbers.
#![allow(clippy::arithmetic_side_effects)]

use super::*;
use proptest::prelude::*;

fn dynamic() -> RiskParams {
    RiskParams {
        vol_enabled: 1,
        vol_half_life_slots: 100,
        vol_max_move_bps: 500,
        vol_horizon_slots: 100,
        vol_k_bps: 20_000,
        margin_addon_cap_bps: 1_000,
        margin_step_bps: 5,
        ..RiskParams::static_default()
    }
}

/// The estimator in f64, the definition the integer code rounds.
struct Reference {
    last: f64,
    last_slot: u64,
    var: f64,
}

impl Reference {
    fn observe(&mut self, r: &RiskParams, price: f64, slot: u64) {
        let dt = (slot - self.last_slot) as f64;
        let ret = ((price - self.last).abs() / self.last).min(r.vol_max_move_bps as f64 / 1e4);
        let sample = (ret * 1e9).powi(2) / dt;
        // The rounded ln 2 the program uses.
        let w = (dt * (LN2_PPB as f64 / 1e9) / r.vol_half_life_slots as f64).min(1.0);
        self.var = self.var * (1.0 - w) + sample * w;
        self.last = price;
        self.last_slot = slot;
    }
}

#[test]
fn matches_a_reference_computation_on_a_known_series() {
    let r = dynamic();
    // A walk of ±0.1%..±0.9% moves with gaps of 1..3 slots, and one 12% jump
    // (capped at 5%).
    let mut prices = Vec::new();
    let mut p = 100_000_000_000u64; // 100.0 in PRICE_SCALE
    let mut slot = 10u64;
    for i in 0..400u64 {
        let move_bps = 10 + (i * 37 % 80);
        p = if i % 3 == 0 {
            p - p * move_bps / 10_000
        } else {
            p + p * move_bps / 10_000
        };
        if i == 200 {
            p += p * 12 / 100;
        }
        slot += 1 + i % 3;
        prices.push((p, slot));
    }
    let mut s = observe(&r, &RiskState::default(), 100_000_000_000, 10).unwrap();
    let mut reference = Reference {
        last: 100_000_000_000.0,
        last_slot: 10,
        var: 0.0,
    };
    for (price, slot) in prices {
        s = observe(&r, &s, price, slot).unwrap();
        reference.observe(&r, price as f64, slot);
        // Rounding: the return is rounded up (≤ 1 ppb), the sample and the
        // average up (≤ 1 unit each): relative error well below 1e-6.
        let err = (s.variance_ppb2 as f64 - reference.var).abs();
        assert!(
            err <= 1e-6 * reference.var + 4.0,
            "var {} vs {}",
            s.variance_ppb2,
            reference.var
        );
        let sigma = (reference.var * r.vol_horizon_slots as f64).sqrt() / 1e5;
        assert!(
            (s.sigma_horizon_bps as f64 - sigma).abs() <= 1.0,
            "σ {} vs {sigma}",
            s.sigma_horizon_bps
        );
    }
    assert_eq!(s.updates, 401);
}

#[test]
fn a_worked_example() {
    let r = dynamic();
    let s0 = observe(&r, &RiskState::default(), 1_000, 5).unwrap();
    assert_eq!(
        (s0.last_price, s0.last_slot, s0.variance_ppb2, s0.updates),
        (1_000, 5, 0, 1)
    );
    // +1% one slot later: ret = 1e7 ppb, sample 1e14, weight ln2/100 =
    // 6,931,471 ppb → var = ceil(1e14 · 6,931,471 / 1e9) = 693,147,100,000.
    let s1 = observe(&r, &s0, 1_010, 6).unwrap();
    assert_eq!(s1.variance_ppb2, 693_147_100_000);
    // σ_100 = √(6.931471e11 · 100) = 8,325,546.1 ppb → 84 bps (rounded up);
    // desired add-on 2 × 84 = 168 bps; the add-on moves 5 bps (one slot);
    // the maintenance add-on stays at the previous 0.
    assert_eq!(s1.sigma_horizon_bps, 84);
    assert_eq!((s1.addon_bps, s1.maint_addon_bps), (5, 0));
    // Same slot: ignored.
    assert_eq!(observe(&r, &s1, 2_000, 6), None);
    // Three slots later, flat price: the add-on moves 15 more, maintenance follows to 5.
    let s2 = observe(&r, &s1, 1_010, 9).unwrap();
    assert_eq!((s2.addon_bps, s2.maint_addon_bps), (20, 5));
    assert!(s2.variance_ppb2 < s1.variance_ppb2);
}

#[test]
fn variance_halves_over_a_half_life_of_quiet_slots() {
    let r = dynamic();
    let mut s = observe(&r, &RiskState::default(), 100_000, 1).unwrap();
    s = observe(&r, &s, 105_000, 2).unwrap(); // a 5% move
    let spike = s.variance_ppb2;
    for slot in 3..3 + r.vol_half_life_slots {
        s = observe(&r, &s, 105_000, slot).unwrap();
    }
    let ratio = s.variance_ppb2 as f64 / spike as f64;
    // (1 − ln2/100)^100 = 0.4988.
    assert!((ratio - 0.4988).abs() < 0.002, "ratio {ratio}");
    // The same half-life reached in one update 100 slots later (weight capped at ln 2).
    let mut t = observe(&r, &RiskState::default(), 100_000, 1).unwrap();
    t = observe(&r, &t, 105_000, 2).unwrap();
    t = observe(&r, &t, 105_000, 102).unwrap();
    let ratio = t.variance_ppb2 as f64 / spike as f64;
    assert!(
        (ratio - (1.0 - LN2_PPB as f64 / 1e9)).abs() < 0.001,
        "ratio {ratio}"
    );
}

#[test]
fn a_single_update_is_capped() {
    let r = dynamic();
    let s = observe(&r, &RiskState::default(), 100_000, 1).unwrap();
    // A 10× print (a manipulated or broken price) counts as a 5% move.
    let wild = observe(&r, &s, 1_000_000, 2).unwrap();
    let five = observe(&r, &s, 105_000, 2).unwrap();
    assert_eq!(wild.variance_ppb2, five.variance_ppb2);
    // And the margins move one step, not to the cap.
    assert_eq!((wild.addon_bps, wild.maint_addon_bps), (5, 0));
}

#[test]
fn static_markets_estimate_but_never_add_margin() {
    let r = RiskParams {
        margin_addon_cap_bps: 1_000,
        ..RiskParams::static_default()
    };
    let mut s = observe(&r, &RiskState::default(), 100_000, 1).unwrap();
    for slot in 2..50 {
        let price = if slot % 2 == 0 { 104_000 } else { 100_000 };
        s = observe(&r, &s, price, slot).unwrap();
    }
    assert!(s.variance_ppb2 > 0 && s.sigma_horizon_bps > 0);
    assert_eq!((s.addon_bps, s.maint_addon_bps), (0, 0));
}

#[test]
fn isqrt_is_exact() {
    for n in [
        0u128,
        1,
        2,
        3,
        4,
        15,
        16,
        17,
        99,
        100,
        101,
        u64::MAX as u128,
        u128::MAX,
    ] {
        let r = isqrt(n);
        assert!(r * r <= n, "{n}");
        assert!((r + 1).checked_mul(r + 1).is_none_or(|sq| sq > n), "{n}");
        let c = isqrt_ceil(n);
        assert!(
            c.checked_mul(c).is_none_or(|sq| sq >= n) && (c == 0 || (c - 1) * (c - 1) < n),
            "{n}"
        );
    }
}

#[test]
fn effective_margins_and_depth_budget() {
    let p = MarketParams::default_soft();
    let r = RiskParams {
        depth_native: 20_000_000_000_000, // 20M quote
        budget_depth_bps: 50,             // 0.5%/slot = 100k
        budget_floor_bps: 4_000,
        ..dynamic()
    };
    let s = RiskState {
        addon_bps: 500,
        maint_addon_bps: 400,
        ..RiskState::default()
    };
    let e = effective(&p, &r, &s).unwrap();
    assert_eq!(
        (e.init_margin_bps, e.maint_margin_bps, e.target_margin_bps),
        (1_500, 900, 1_000)
    );
    // Half the cap: budget keeps 10,000 − 6,000·½ = 7,000 bps of 100k.
    assert_eq!(e.max_liq_notional_per_slot, 70_000_000_000);
    let at_cap = RiskState {
        addon_bps: 1_000,
        ..s
    };
    assert_eq!(
        effective(&p, &r, &at_cap)
            .unwrap()
            .max_liq_notional_per_slot,
        40_000_000_000
    );
    // A tiny depth never rounds the budget to 0 (= unlimited).
    let tiny = RiskParams {
        depth_native: 1,
        ..r
    };
    assert_eq!(
        effective(&p, &tiny, &s).unwrap().max_liq_notional_per_slot,
        1
    );
    // No depth budget: the static one stays; hard mode's close-all target stays.
    let e = effective(&MarketParams::hard(), &dynamic(), &s).unwrap();
    assert_eq!(e.target_margin_bps, 10_000);
    assert_eq!(e.max_liq_notional_per_slot, 0);
}

#[test]
fn the_creation_safety_rule_with_its_numbers() {
    let soft = MarketParams::default_soft(); // maint 500, penalty 50
    let hard = MarketParams::hard(); // maint 500, penalty 100
    let r = RiskParams::static_default(); // 50 bps/slot × 8 slots = 400
    assert_eq!(safety_margin_needed_bps(&soft, &r), Some(450));
    assert_eq!(validate(&soft, &r), Ok(()));
    assert_eq!(safety_margin_needed_bps(&hard, &r), Some(500));
    assert_eq!(validate(&hard, &r), Ok(()));
    // One more slot between cranks: 50·9 + 100 = 550 > 500.
    let r9 = RiskParams {
        max_crank_gap_slots: 9,
        ..r
    };
    assert_eq!(validate(&soft, &r9), Ok(())); // 450 + 50 = 500
    assert_eq!(validate(&hard, &r9), Err(RiskError::SafetyRule));
    let fast = RiskParams {
        max_price_move_bps: 100,
        ..r
    };
    assert_eq!(validate(&soft, &fast), Err(RiskError::SafetyRule)); // 850 > 500
}

#[test]
fn each_risk_bound_rejects() {
    let p = MarketParams::default_soft();
    assert_eq!(validate(&p, &dynamic()), Ok(()));
    type Mutate = fn(&mut RiskParams);
    let cases: [Mutate; 19] = [
        |r| r.vol_enabled = 2,
        |r| r.vol_half_life_slots = 0,
        |r| r.vol_max_move_bps = 0,
        |r| r.vol_max_move_bps = 5_001,
        |r| r.vol_horizon_slots = 0,
        |r| r.vol_k_bps = 100_001,
        |r| r.margin_addon_cap_bps = 8_001, // init 1,000 + 8,001 > 9,000
        |r| r.margin_addon_cap_bps = 4_501, // maint 500 + 4,501 > 5,000
        |r| r.margin_step_bps = 0,
        |r| r.budget_depth_bps = 1_001,
        |r| {
            r.budget_depth_bps = 10;
            r.depth_native = 0
        },
        |r| r.budget_floor_bps = 10_001,
        |r| r.max_price_move_bps = 0,
        |r| r.max_crank_gap_slots = 0,
        |r| r.budget_growth_bps = 20_001,
        |r| r.budget_cap_bps = 9_999,
        |r| r.budget_cap_bps = 1_000_001,
        |r| r.urgent_gap_bps = 5_001,
        |r| r.urgent_budget_bps = 1_000_001,
    ];
    for (i, f) in cases.iter().enumerate() {
        let mut r = dynamic();
        f(&mut r);
        assert_eq!(validate(&p, &r), Err(RiskError::Bounds), "case {i}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Any price sequence: the add-on moves at most a step a slot, stays in
    /// [0, cap]; the maintenance add-on never exceeds the previous add-on;
    /// one update adds at most `weight × cap²` to the variance.
    #[test]
    fn updates_are_bounded(
        moves in prop::collection::vec((1u64..=u64::MAX / 4, 1u64..40), 1..60),
        step in 1u64..=100,
        cap in 0u64..=4_000,
        k in 0u64..=100_000,
    ) {
        let r = RiskParams { margin_step_bps: step, margin_addon_cap_bps: cap, vol_k_bps: k, ..dynamic() };
        prop_assert_eq!(validate(&MarketParams { init_margin_bps: 1_000, ..MarketParams::default_soft() }, &r).is_ok(), cap <= 4_500);
        let mut s = observe(&r, &RiskState::default(), 1_000_000_000, 1).unwrap();
        let mut slot = 1u64;
        for (price, dt) in moves {
            slot += dt;
            let n = observe(&r, &s, price, slot).unwrap();
            prop_assert!(n.addon_bps.abs_diff(s.addon_bps) <= step * dt);
            prop_assert!(n.addon_bps <= cap && n.maint_addon_bps <= cap);
            prop_assert!(n.maint_addon_bps <= s.addon_bps);
            prop_assert!(n.maint_addon_bps <= n.addon_bps);
            let w = update_weight_ppb(dt, r.vol_half_life_slots).unwrap() as u128;
            let cap_ppb = (r.vol_max_move_bps * 100_000) as u128;
            let rise = (n.variance_ppb2 as u128).saturating_sub(s.variance_ppb2 as u128);
            prop_assert!(rise <= w * cap_ppb * cap_ppb / 1_000_000_000 + 1);
            let e = effective(&MarketParams::default_soft(), &r, &n).unwrap();
            prop_assert!(e.maint_margin_bps <= e.target_margin_bps && e.target_margin_bps < e.init_margin_bps);
            s = n;
        }
    }

    #[test]
    fn isqrt_brackets(n in any::<u128>()) {
        let r = isqrt(n);
        prop_assert!(r * r <= n);
        prop_assert!((r + 1).checked_mul(r + 1).is_none_or(|sq| sq > n));
    }
}
