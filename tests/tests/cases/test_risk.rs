//! Dynamic risk in the real program: the estimate is fed once per slot by
//! guarded prices only, margin rises reach liquidations one slot after
//! borrowers, the depth budget bounds each slot, and the parameter rules
//! (bounds, the creation safety rule, the fixed add-on cap, bounded depth
//! changes) refuse bad input without changing anything; the soft rule's
//! market raises its margins in a fall.
use harness::bank::{code_of, Bank};
use harness::market::{funded, ix, Funded, MarketConfig, TestMarket, TestUser};
use harness::pyth::{scaled_usd, FeedPrice};
use harness::tokens;
use softliq::engine::health::{debt_native, health};
use softliq::engine::risk;
use softliq::error::SoftliqError as E;
use softliq::state::{MarketParams, RiskParams, RiskState};

const SOL: u64 = 1_000_000_000;
const USDC: u64 = 1_000_000;

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

/// A funded market (LP, insurance, keeper, trader) with dynamic-risk `risk`.
async fn setup(params: MarketParams, risk: RiskParams) -> (Bank, TestMarket, TestUser, TestUser) {
    let Funded {
        bank,
        tm,
        keeper,
        trader,
    } = funded(MarketConfig {
        params,
        risk,
        lot_capacity: 64,
        slab_capacities: vec![8],
        ..Default::default()
    })
    .await;
    (bank, tm, keeper, trader)
}

#[tokio::test]
async fn creation_refuses_out_of_bounds_and_unsafe_risk_parameters() {
    let mut bank = Bank::start().await;
    let cases = [
        // 50 bps × 10 slots + 50 bps penalty = 550 > 500 maintenance.
        (
            MarketParams::default_soft(),
            RiskParams {
                max_crank_gap_slots: 10,
                ..RiskParams::static_default()
            },
            E::UnsafeCrankGap,
        ),
        // Hard mode's 1% penalty: 50 × 9 + 100 = 550 > 500.
        (
            MarketParams::hard(),
            RiskParams {
                max_crank_gap_slots: 9,
                ..RiskParams::static_default()
            },
            E::UnsafeCrankGap,
        ),
        (
            MarketParams::default_soft(),
            RiskParams {
                vol_half_life_slots: 0,
                ..dynamic()
            },
            E::InvalidRiskParams,
        ),
        // Maintenance 500 + cap 4,600 would exceed the 5,000 bps bound.
        (
            MarketParams::default_soft(),
            RiskParams {
                margin_addon_cap_bps: 4_600,
                ..dynamic()
            },
            E::InvalidRiskParams,
        ),
    ];
    for (params, risk, want) in cases {
        let cfg = MarketConfig {
            params,
            risk,
            ..Default::default()
        };
        let c = tokens::create_mint(&mut bank, cfg.collateral_program, 9).await;
        let d = tokens::create_mint(&mut bank, cfg.debt_program, 6).await;
        let e = TestMarket::create_with_mints(&mut bank, cfg, c, d)
            .await
            .err()
            .expect("refused");
        assert_eq!(e.code(), code_of(want), "{risk:?}");
    }
    // The boundary itself is accepted: 50 × 8 + 100 = 500 for hard mode.
    let cfg = MarketConfig {
        params: MarketParams::hard(),
        ..Default::default()
    };
    let tm = TestMarket::create(&mut bank, cfg).await;
    let m = tm.market_state(&mut bank).await;
    assert_eq!(m.risk, RiskParams::static_default());
    // The creation price seeds the estimate.
    assert_eq!(m.risk_state.updates, 1);
    assert_eq!(m.risk_state.last_price, scaled_usd(100.0));
}

#[tokio::test]
async fn parameter_updates_keep_the_rules_and_change_nothing_when_refused() {
    let (mut bank, mut tm, keeper, _) = setup(MarketParams::default_soft(), dynamic()).await;
    let before = bank.data(&tm.market).await;
    let refused = [
        (
            RiskParams {
                margin_addon_cap_bps: 900,
                ..dynamic()
            },
            E::RiskCapImmutable,
        ),
        (
            RiskParams {
                max_price_move_bps: 60,
                ..dynamic()
            },
            E::UnsafeCrankGap,
        ),
        (
            RiskParams {
                budget_depth_bps: 1_001,
                depth_native: 1,
                ..dynamic()
            },
            E::InvalidRiskParams,
        ),
    ];
    for (r, want) in refused {
        let e = tm.set_risk_params(&mut bank, r).await.unwrap_err();
        assert_eq!(e.code(), code_of(want), "{r:?}");
        assert_eq!(bank.data(&tm.market).await, before);
    }
    // Not the admin.
    let a = softliq::accounts::SetRiskParams {
        admin: keeper.key(),
        market: tm.market,
    };
    let e = bank
        .send(
            &[ix(
                a,
                softliq::instruction::SetRiskParams { risk: dynamic() },
            )],
            &[&keeper.kp],
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::NotAdmin));
    // A higher penalty breaks the safety rule with the market's risk: 400 + 150 > 500.
    let e = tm
        .update_params(
            &mut bank,
            MarketParams {
                liquidation_penalty_bps: 150,
                ..MarketParams::default_soft()
            },
            0,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::UnsafeCrankGap));
    assert_eq!(bank.data(&tm.market).await, before);

    // Depth: first setting free, then at most 2× either way.
    let depth = 20_000_000 * USDC;
    let with_depth = |d: u64| RiskParams {
        depth_native: d,
        budget_depth_bps: 50,
        ..dynamic()
    };
    tm.set_risk_params(&mut bank, with_depth(depth))
        .await
        .unwrap();
    let e = tm
        .set_risk_params(&mut bank, with_depth(depth * 2 + 1))
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::DepthChangeTooLarge));
    let e = tm
        .set_risk_params(&mut bank, with_depth(depth / 2 - 1))
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::DepthChangeTooLarge));
    tm.set_risk_params(&mut bank, with_depth(depth * 2))
        .await
        .unwrap();
    let m = tm.market_state(&mut bank).await;
    assert_eq!(m.risk, with_depth(depth * 2));
    // The estimate survives a parameter update.
    assert_eq!(m.risk_state.updates, 1);
}

#[tokio::test]
async fn the_estimate_takes_one_guarded_price_per_slot() {
    let (mut bank, mut tm, _, _) = setup(MarketParams::default_soft(), dynamic()).await;
    let r = dynamic();
    let s0 = tm.market_state(&mut bank).await.risk_state;
    let slot = tm.next_slot(&mut bank, 103.0).await;
    tm.refresh_risk(&mut bank).await.unwrap();
    let s1 = tm.market_state(&mut bank).await.risk_state;
    // Exactly the engine's computation (whose figures the unit tests check).
    let want = risk::observe(&r, &s0, scaled_usd(103.0), slot).unwrap();
    assert_eq!(s1, want);
    // +3% one slot after the seed: ret 3e7 ppb, weight 6,931,471 ppb.
    assert_eq!(s1.variance_ppb2, 6_238_323_900_000);
    assert_eq!((s1.addon_bps, s1.maint_addon_bps, s1.updates), (5, 0, 2));

    // A second price in the same slot is ignored (the call succeeds, nothing changes).
    tm.set_price(&mut bank, 80.0).await;
    let before = bank.data(&tm.market).await;
    tm.refresh_risk(&mut bank).await.unwrap();
    assert_eq!(bank.data(&tm.market).await, before);

    // Guarded prices fail the call and change nothing.
    let s = bank.slot().await + 100;
    bank.warp_to(s).await;
    let c = bank.clock().await;
    let base = harness::pyth::usd_feed(140.0, c.slot, c.unix_timestamp);
    let guarded = [
        (
            FeedPrice {
                publish_slot: c.slot - 51,
                ..base
            },
            E::OracleStaleSlots,
        ),
        (
            FeedPrice {
                conf: base.price as u64 / 40,
                ..base
            },
            E::OracleConfTooWide,
        ),
        (
            FeedPrice {
                ema_price: base.price * 12 / 10,
                ..base
            },
            E::OracleDeviation,
        ),
    ];
    for (feed, want) in guarded {
        tm.set_feed(&mut bank, feed).await;
        let before = bank.data(&tm.market).await;
        let e = tm.refresh_risk(&mut bank).await.unwrap_err();
        assert_eq!(e.code(), code_of(want));
        assert_eq!(bank.data(&tm.market).await, before);
    }
}

#[tokio::test]
async fn a_margin_rise_never_liquidates_in_the_slot_it_happens() {
    let params = MarketParams::default_soft();
    let r = dynamic();
    let (mut bank, mut tm, keeper, trader) = setup(params, r).await;
    // 10 SOL, 890 USDC at 100: maintenance health at 95 with no add-on is
    // 950 × 0.95 − 890 = 12.5 USDC, so the position stands until the
    // maintenance add-on passes ~131 bps.
    let pos = tm
        .open_levered(&mut bank, &trader, tm.slabs[0], 10 * SOL, 890 * USDC)
        .await;
    // A 5% drop: the variance jumps, the add-on starts rising 5 bps a slot.
    tm.next_slot(&mut bank, 95.0).await;
    let px = scaled_usd(95.0);
    let mut announced_at = None;
    let mut liquidated_at = None;
    for _ in 0..60 {
        let slot = tm.next_slot(&mut bank, 95.0).await;
        let before: RiskState = tm.market_state(&mut bank).await.risk_state;
        tm.crank(&mut bank, &keeper, &[pos]).await.unwrap();
        let m = tm.market_state(&mut bank).await;
        let s = m.risk_state;
        assert_eq!(s.last_slot, slot);
        // Bounded: one step a slot; maintenance carries the previous add-on.
        let dt = s.last_slot - before.last_slot;
        assert!(s.addon_bps - before.addon_bps <= r.margin_step_bps * dt);
        assert_eq!(s.maint_addon_bps, before.addon_bps);
        let p = tm.position(&mut bank, pos).await;
        let debt = debt_native(p.debt_shares, m.borrow_index).unwrap();
        let under_new = health(p.collateral_native, debt, px, 500 + s.addon_bps).unwrap() < 0;
        if m.liquidations == 0 {
            // Skipped: healthy under the maintenance margin in force.
            assert!(health(p.collateral_native, debt, px, 500 + s.maint_addon_bps).unwrap() >= 0);
            if under_new && announced_at.is_none() {
                // This slot's add-on would liquidate it, and the crank did not.
                announced_at = Some(slot);
            }
        } else {
            liquidated_at = Some((slot, s, p.collateral_native));
            break;
        }
    }
    let announced = announced_at.expect("the add-on passed the position's threshold");
    let (slot, s, collateral_after) = liquidated_at.expect("liquidated once the rise was in force");
    // Liquidated exactly one slot after the rise that crossed its threshold,
    // by a margin that rose at most one step since the previous crank.
    assert_eq!(slot, announced + 1);
    assert!(s.maint_addon_bps > 0 && s.maint_addon_bps % r.margin_step_bps == 0);
    // Softly: the ramp's first tenth at most, and back to target health or bounded.
    assert!(collateral_after >= 9 * SOL);
    assert_eq!(tm.market_state(&mut bank).await.liquidations, 1);
}

#[tokio::test]
async fn the_depth_budget_bounds_each_slot() {
    let params = MarketParams {
        liq_ramp_slots: 0,
        ..MarketParams::default_soft()
    };
    let risk = RiskParams {
        depth_native: 2_000_000 * USDC,
        budget_depth_bps: 10, // 0.1% of depth: 2,000 USDC a slot
        ..RiskParams::static_default()
    };
    let (mut bank, mut tm, keeper, trader) = setup(params, risk).await;
    let mut positions = Vec::new();
    for _ in 0..3 {
        positions.push(
            tm.open_levered(&mut bank, &trader, tm.slabs[0], 100 * SOL, 8_990 * USDC)
                .await,
        );
    }
    tm.next_slot(&mut bank, 94.0).await;
    tm.crank(&mut bank, &keeper, &positions).await.unwrap();
    let m = tm.market_state(&mut bank).await;
    let budget = 2_000 * USDC;
    assert!(m.budget_used_notional_native <= budget);
    // Rounded down to whole collateral units: within one unit's worth.
    assert!(budget - m.budget_used_notional_native <= 1);
    assert!(m.liquidations >= 1);
    // Double the depth: twice the budget next slot.
    tm.set_risk_params(
        &mut bank,
        RiskParams {
            depth_native: 4_000_000 * USDC,
            ..risk
        },
    )
    .await
    .unwrap();
    tm.next_slot(&mut bank, 94.0).await;
    tm.crank(&mut bank, &keeper, &positions).await.unwrap();
    let m = tm.market_state(&mut bank).await;
    assert!(m.budget_used_notional_native <= 2 * budget);
    assert!(2 * budget - m.budget_used_notional_native <= 1);
}

/// The soft rule's market (`engine::params::soft_rule`: program and risk
/// parameters) is accepted as the rule writes it, and its margins follow a
/// fall: the add-on rises by at most 5 bps a slot, exactly as the engine
/// computes it, and maintenance uses the previous slot's add-on.
#[tokio::test]
async fn the_soft_rule_market_raises_its_margins_in_a_fall() {
    let (params, rule) = softliq::engine::params::soft_rule(20_000_000 * USDC);
    let (mut bank, mut tm, _, _) = setup(params, rule).await;
    let m = tm.market_state(&mut bank).await;
    assert_eq!((m.params, m.risk), (params, rule));
    let mut state = m.risk_state;
    let mut price = 100.0;
    for _ in 0..20 {
        price *= 0.99;
        let slot = tm.next_slot(&mut bank, price).await;
        tm.refresh_risk(&mut bank).await.unwrap();
        let next = tm.market_state(&mut bank).await.risk_state;
        assert_eq!(
            next,
            risk::observe(&rule, &state, scaled_usd(price), slot).unwrap()
        );
        assert!(next.addon_bps <= state.addon_bps + rule.margin_step_bps);
        assert_eq!(next.maint_addon_bps, state.addon_bps.min(next.addon_bps));
        state = next;
    }
    // A 1%-a-slot fall asks for more than a step at once (the market was
    // seeded with the price at creation): the add-on rose a full step in
    // each of the 20 slots, and maintenance is one step behind.
    assert_eq!(state.addon_bps, 20 * rule.margin_step_bps);
    assert_eq!(state.maint_addon_bps, 19 * rule.margin_step_bps);
}
