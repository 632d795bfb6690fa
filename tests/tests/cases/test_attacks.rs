//! Attacks and incident replays. Each asserts the attacker ends no richer and
//! the books exact (the harness checks every invariant after every instruction).
use harness::bank::{code_of, Bank};
use harness::market::{LotRef, MarketConfig, PosRef, TestMarket, TestUser};
use harness::pyth::FeedPrice;
use harness::tokens::balance;
use softliq::engine::health::debt_native;
use softliq::error::SoftliqError as E;
use softliq::state::MarketParams;

async fn market(params: MarketParams, insurance: u64) -> (Bank, TestMarket, TestUser) {
    let mut bank = Bank::start().await;
    let cfg = MarketConfig {
        params,
        slab_capacities: vec![64, 8],
        lot_capacity: 256,
        ..Default::default()
    };
    let mut tm = TestMarket::create(&mut bank, cfg).await;
    let lp = tm.new_user(&mut bank, 0, 10_000_000_000_000).await;
    tm.lp_deposit(&mut bank, &lp, 5_000_000_000_000)
        .await
        .unwrap();
    if insurance > 0 {
        tm.insurance_deposit(&mut bank, &lp, insurance)
            .await
            .unwrap();
    }
    (bank, tm, lp)
}

fn soft_no_ramp() -> MarketParams {
    MarketParams {
        liq_ramp_slots: 0,
        max_liq_notional_per_slot: 0,
        ..MarketParams::default_soft()
    }
}

/// Sells every open lot at its current price (a bidder with deep pockets).
async fn take_all(bank: &mut Bank, tm: &mut TestMarket, bidder: &TestUser) {
    for (l, _) in tm.open_lots(bank).await {
        let _ = tm.take(bank, bidder, l, u64::MAX, u64::MAX).await;
    }
}

#[tokio::test]
async fn self_liquidation_earns_nothing_beyond_repaying() {
    // The owner cranks their own position and buys back the lot at the auction start.
    let mut outcomes = vec![];
    for self_liquidate in [false, true] {
        let (mut bank, mut tm, _) = market(soft_no_ramp(), 1_000_000_000).await;
        let owner = tm.new_user(&mut bank, 10_000_000_000, 2_000_000_000).await;
        let pos = tm
            .open_levered(&mut bank, &owner, tm.slabs[0], 10_000_000_000, 899_000_000)
            .await;
        tm.set_price(&mut bank, 94.0).await;
        if self_liquidate {
            tm.crank(&mut bank, &owner, &[pos]).await.unwrap();
            let (l, _) = tm.open_lots(&mut bank).await[0];
            // Buying the lot back pays its tab (debt + penalty).
            tm.redeem(&mut bank, &owner, l, pos.slab).await.unwrap();
        }
        // Either way: repay everything and close.
        tm.repay(&mut bank, &owner, pos, u64::MAX).await.unwrap();
        tm.close(&mut bank, &owner, pos).await.unwrap();
        let wealth = balance(&mut bank, &owner.debt).await as u128 * 1_000
            + balance(&mut bank, &owner.collateral).await as u128 * 94;
        outcomes.push(wealth);
    }
    println!(
        "owner wealth (micro-USDC·1000): repay {} vs self-liquidate {}",
        outcomes[0], outcomes[1]
    );
    assert!(outcomes[1] <= outcomes[0], "self-liquidation must not pay");
}

#[tokio::test]
async fn fee_farming_by_splitting_positions_pays_at_most_the_penalty() {
    let params = MarketParams {
        keeper_tip_native: 5_000_000,
        keeper_pay_cap_native: 50_000_000,
        ..soft_no_ramp()
    };
    let (mut bank, mut tm, _) = market(params, 10_000_000_000).await;
    let farmer = tm.new_user(&mut bank, 100_000_000_000, 0).await;
    // Forty tiny positions instead of one.
    let mut ps = vec![];
    for _ in 0..40 {
        ps.push(
            tm.open_levered(&mut bank, &farmer, tm.slabs[0], 250_000_000, 22_475_000)
                .await,
        );
    }
    tm.set_price(&mut bank, 94.0).await;
    tm.crank(&mut bank, &farmer, &ps).await.unwrap();
    let paid = balance(&mut bank, &farmer.debt).await - 40 * 22_475_000;
    let penalties: u64 = tm
        .open_lots(&mut bank)
        .await
        .iter()
        .map(|(_, l)| l.tab_penalty_native)
        .sum();
    println!("40 split positions: keeper pay {paid}, penalties owed {penalties}");
    assert!(
        paid <= penalties,
        "tips never exceed the penalties the farmer's lots owe"
    );
    assert!(paid < 40 * 5_000_000, "the flat tip is not paid 40 times");
}

#[tokio::test]
async fn mango_style_oracle_pump_then_dump() {
    let (mut bank, mut tm, _) = market(soft_no_ramp(), 50_000_000_000).await;
    let attacker = tm.new_user(&mut bank, 100_000_000_000, 0).await;
    let pos = tm
        .open_levered(&mut bank, &attacker, tm.slabs[0], 100_000_000_000, 0)
        .await;
    // Pump: the spot price triples in one update, the EMA lags.
    let c = bank.clock().await;
    let pumped = FeedPrice {
        ema_price: 10_000_000_000,
        ..harness::pyth::usd_feed(300.0, c.slot, c.unix_timestamp)
    };
    tm.set_feed(&mut bank, pumped).await;
    let e = tm
        .borrow(&mut bank, &attacker, pos, 20_000_000_000)
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        code_of(E::OracleDeviation),
        "a price far from its EMA is refused"
    );
    // A slower pump that stays within the deviation guard: borrowing uses min(price, EMA) - conf.
    let slow = FeedPrice {
        ema_price: 10_000_000_000,
        ..harness::pyth::usd_feed(109.0, c.slot, c.unix_timestamp)
    };
    tm.set_feed(&mut bank, slow).await;
    let e = tm
        .borrow(&mut bank, &attacker, pos, 9_100_000_000)
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        code_of(E::InsufficientHealth),
        "the pump does not raise borrowing power"
    );
    tm.borrow(&mut bank, &attacker, pos, 8_990_000_000)
        .await
        .unwrap();
    // Dump to 60: the position is underwater, seized whole, sold, shortfall to insurance.
    tm.next_slot(&mut bank, 60.0).await;
    let keeper = tm.new_user(&mut bank, 0, 0).await;
    tm.crank(&mut bank, &keeper, &[pos]).await.unwrap();
    let bidder = tm.new_user(&mut bank, 0, 100_000_000_000).await;
    tm.set_price(&mut bank, 60.0).await;
    take_all(&mut bank, &mut tm, &bidder).await;
    for (l, lot) in tm.open_lots(&mut bank).await {
        if lot.collateral_native == 0 {
            tm.settle(&mut bank, &keeper, l).await.unwrap();
        }
    }
    let m = tm.market_state(&mut bank).await;
    println!(
        "pump/dump: attacker borrowed 8,990 USDC; bad debt covered {} / socialized {}",
        m.bad_debt_insurance_native, m.bad_debt_socialized_native
    );
    // The attacker's gain equals the bad debt, bounded by what the conservative price let them borrow,
    // and the insurance fund (50,000 USDC) absorbs it all: LPs lose nothing.
    assert_eq!(m.bad_debt_socialized_native, 0);
    assert!(m.bad_debt_insurance_native <= 8_990_000_000 - 6_000_000_000 + 1);
}

#[tokio::test]
async fn luna_speed_crash_faster_than_the_ramp() {
    // Ramp of 20 slots; the price falls 8% per slot. Positions go underwater faster than the
    // ramp releases them; underwater positions skip the ramp and are seized whole.
    let params = MarketParams {
        liq_ramp_slots: 20,
        max_liq_notional_per_slot: 0,
        ..MarketParams::default_soft()
    };
    let (mut bank, mut tm, _) = market(params, 200_000_000_000).await;
    let trader = tm.new_user(&mut bank, 1_000_000_000_000, 0).await;
    let keeper = tm.new_user(&mut bank, 0, 0).await;
    let bidder = tm.new_user(&mut bank, 0, 10_000_000_000_000).await;
    let mut ps = vec![];
    for i in 0..20u64 {
        ps.push(
            tm.open_levered(
                &mut bank,
                &trader,
                tm.slabs[0],
                10_000_000_000,
                500_000_000 + i * 20_000_000,
            )
            .await,
        );
    }
    let mut price = 100.0;
    for _ in 0..12 {
        price *= 0.92;
        tm.next_slot(&mut bank, price).await;
        tm.crank(&mut bank, &keeper, &ps).await.unwrap();
        take_all(&mut bank, &mut tm, &bidder).await;
        for (l, lot) in tm.open_lots(&mut bank).await {
            if lot.collateral_native == 0 {
                tm.settle(&mut bank, &keeper, l).await.unwrap();
            }
        }
    }
    let m = tm.market_state(&mut bank).await;
    println!(
        "LUNA: price {price:.1}, liquidations {}, bad debt to insurance {}, socialized {}",
        m.liquidations, m.bad_debt_insurance_native, m.bad_debt_socialized_native
    );
    assert!(m.liquidations >= 20);
    // The 200k insurance fund covers the crash: nothing socialized.
    assert_eq!(m.bad_debt_socialized_native, 0);
}

#[tokio::test]
async fn jelly_style_oversized_position_is_unwound_within_the_slot_budget() {
    let params = MarketParams {
        liq_ramp_slots: 0,
        max_liq_notional_per_slot: 100_000_000_000,
        ..MarketParams::default_soft()
    };
    let (mut bank, mut tm, _) = market(params, 10_000_000_000).await;
    let whale = tm.new_user(&mut bank, 100_000_000_000_000, 0).await;
    let keeper = tm.new_user(&mut bank, 0, 0).await;
    // 20,000 SOL, 1.79M USDC of debt.
    let pos = tm
        .open_levered(
            &mut bank,
            &whale,
            tm.slabs[1],
            20_000_000_000_000,
            1_790_000_000_000,
        )
        .await;
    tm.set_price(&mut bank, 94.0).await;
    let mut per_slot = vec![];
    for _ in 0..10 {
        let before = tm.market_state(&mut bank).await.seized_collateral_native;
        tm.crank(&mut bank, &keeper, &[pos]).await.unwrap();
        let m = tm.market_state(&mut bank).await;
        assert!(
            m.budget_used_notional_native <= 100_000_000_000,
            "per-slot budget holds"
        );
        per_slot.push(m.seized_collateral_native - before);
        tm.next_slot(&mut bank, 94.0).await;
    }
    println!("JELLY: collateral seized per slot {per_slot:?}");
    assert!(
        per_slot.iter().filter(|s| **s > 0).count() >= 3,
        "unwound over several slots"
    );
    let p = tm.position(&mut bank, pos).await;
    let m = tm.market_state(&mut bank).await;
    let d = debt_native(p.debt_shares, m.borrow_index).unwrap();
    assert!(
        softliq::engine::health::health(p.collateral_native, d, 94_000_000_000, 500).unwrap() >= 0
    );
}

#[tokio::test]
async fn account_substitution_in_auctions() {
    let (mut bank, mut tm, _) = market(soft_no_ramp(), 1_000_000_000).await;
    let trader = tm.new_user(&mut bank, 10_000_000_000, 0).await;
    let keeper = tm.new_user(&mut bank, 0, 1_000_000_000).await;
    let pos = tm
        .open_levered(&mut bank, &trader, tm.slabs[0], 10_000_000_000, 899_000_000)
        .await;
    tm.set_price(&mut bank, 94.0).await;
    tm.crank(&mut bank, &keeper, &[pos]).await.unwrap();
    let (l, _) = tm.open_lots(&mut bank).await[0];
    // Redeeming into the market's other slab (not the lot's).
    let e = tm
        .redeem(&mut bank, &trader, l, tm.slabs[1])
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        code_of(E::WrongMarket),
        "redeem into another slab"
    );
    // A stale lot generation and an unknown lot.
    let stale = LotRef {
        generation: l.generation + 1,
        ..l
    };
    assert_eq!(
        tm.settle(&mut bank, &keeper, stale)
            .await
            .unwrap_err()
            .code(),
        code_of(E::LotStaleGeneration)
    );
    // Settling an unsold lot.
    assert_eq!(
        tm.settle(&mut bank, &keeper, l).await.unwrap_err().code(),
        code_of(E::LotNotSettleable)
    );
    // Re-cranking the same position in the same slot does nothing.
    let before = tm.market_state(&mut bank).await.liquidations;
    tm.crank(&mut bank, &keeper, &[pos, pos]).await.unwrap();
    assert_eq!(tm.market_state(&mut bank).await.liquidations, before);
    // A stale generation is skipped without error and without pay.
    tm.next_slot(&mut bank, 80.0).await;
    let k0 = balance(&mut bank, &keeper.debt).await;
    tm.crank(
        &mut bank,
        &keeper,
        &[PosRef {
            generation: pos.generation + 1,
            ..pos
        }],
    )
    .await
    .unwrap();
    assert_eq!(balance(&mut bank, &keeper.debt).await, k0);
    assert_eq!(tm.market_state(&mut bank).await.liquidations, before);
}
