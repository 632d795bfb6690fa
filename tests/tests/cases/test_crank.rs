use harness::bank::code_of;
use harness::market::{funded, tx_size, Funded as Setup, MarketConfig, PosRef};
use harness::pyth::{scaled_usd, FeedPrice};
use harness::tokens::balance;
use softliq::engine::health::{debt_native, health};
use softliq::error::SoftliqError as E;
use softliq::state::MarketParams;

/// A funded market (LP, insurance, keeper, trader) with one slab of `slab_capacity`.
async fn setup(params: MarketParams, slab_capacity: u32) -> Setup {
    funded(MarketConfig {
        params,
        slab_capacities: vec![slab_capacity],
        lot_capacity: 512,
        ..Default::default()
    })
    .await
}

fn no_bounds() -> MarketParams {
    MarketParams {
        liq_ramp_slots: 0,
        max_liq_notional_per_slot: 0,
        ..MarketParams::default_soft()
    }
}

fn refs(ps: &[PosRef]) -> Vec<softliq::instructions::PositionRef> {
    ps.iter()
        .map(|p| softliq::instructions::PositionRef {
            index: p.index,
            generation: p.generation,
        })
        .collect()
}

#[tokio::test]
async fn just_below_maintenance_ends_exactly_at_target() {
    let Setup {
        mut bank,
        mut tm,
        keeper,
        trader,
    } = setup(no_bounds(), 16).await;
    let pos = tm
        .open_levered(&mut bank, &trader, tm.slabs[0], 10_000_000_000, 899_000_000)
        .await;
    // At 94.7: maint health = 947 * 0.95 - 899 = 0.65 > 0: healthy, crank skips, pays nothing.
    tm.set_price(&mut bank, 94.7).await;
    tm.crank(&mut bank, &keeper, &[pos]).await.unwrap();
    assert_eq!(tm.market_state(&mut bank).await.liquidations, 0);
    assert_eq!(balance(&mut bank, &keeper.debt).await, 0);
    // At 94.6 - just below maintenance: 946 * 0.95 = 898.7 < 899.
    tm.next_slot(&mut bank, 94.6).await;
    let price = scaled_usd(94.6);
    let m0 = tm.market_state(&mut bank).await;
    let shares0 = tm.position(&mut bank, pos).await.debt_shares;
    let c0 = 10_000_000_000u64;
    tm.crank(&mut bank, &keeper, &[pos]).await.unwrap();

    let p = tm.position(&mut bank, pos).await;
    let m = tm.market_state(&mut bank).await;
    // Debt when the crank ran (interest accrued up to the crank's slot).
    let debt0 = debt_native(shares0, m.borrow_index).unwrap();
    assert!(health(c0, debt0, price, 500).unwrap() < 0);
    let debt1 = debt_native(p.debt_shares, m.borrow_index).unwrap();
    let seized = c0 - p.collateral_native;
    // Closed form: x = ceil((D - floor(C*P*0.94) + slack) * 1e4 * 1e12 / (P * 450)).
    let w = (c0 as u128 * price as u128 / 1_000_000_000_000) * 9_400 / 10_000;
    let slack = 3 + m0.borrow_index as u128 / 1_000_000_000_000_000;
    let expected_x =
        ((debt0 as u128 - w + slack) * 10_000 * 1_000_000_000_000).div_ceil(price as u128 * 450);
    assert_eq!(seized as u128, expected_x);
    let h_target = health(p.collateral_native, debt1, price, 600).unwrap();
    // Exactly at target: non-negative, and within one unit of seized collateral's worth plus slack.
    let unit = (price as i128 * 450 + 10_000 * 1_000_000_000_000 - 1)
        / (10_000 * 1_000_000_000_000)
        + slack as i128
        + 2;
    assert!(
        h_target >= 0 && h_target <= unit,
        "target health {h_target} (bound {unit})"
    );
    // Lot: tab = debt moved + penalty, over-collateralised by the buffer.
    let lots = tm.open_lots(&mut bank).await;
    assert_eq!(lots.len(), 1);
    let lot = lots[0].1;
    assert_eq!(lot.collateral_native, seized);
    let value = seized as u128 * price as u128 / 1_000_000_000_000;
    assert_eq!(lot.tab_debt_native as u128, value * 9_850 / 10_000);
    // The position's debt falls by the tab, less at most one unit of share rounding (kept by the pool).
    assert!(debt0 - debt1 <= lot.tab_debt_native && debt0 - debt1 + 1 >= lot.tab_debt_native);
    assert!((lot.tab_debt_native + lot.tab_penalty_native) as u128 <= value);
    // Keeper pay: min(tip + chip, cap, penalty) of the seized notional.
    let pay = balance(&mut bank, &keeper.debt).await;
    let expected_pay = softliq::engine::fees::episode_pay(&m.params, value as u64).unwrap();
    assert_eq!(pay, expected_pay);
    assert_eq!(
        m.insurance_balance_native,
        m0.insurance_balance_native - pay
    );
    assert_eq!(m.liquidations, 1);
}

#[tokio::test]
async fn ramp_unwinds_over_slots_and_budget_caps_each_slot() {
    let params = MarketParams {
        liq_ramp_slots: 4,
        max_liq_notional_per_slot: 0,
        ..MarketParams::default_soft()
    };
    let Setup {
        mut bank,
        mut tm,
        keeper,
        trader,
    } = setup(params, 16).await;
    let pos = tm
        .open_levered(
            &mut bank,
            &trader,
            tm.slabs[0],
            100_000_000_000,
            8_990_000_000,
        )
        .await;
    tm.set_price(&mut bank, 94.0).await; // below maintenance, restorable (needs ~36% of the collateral)
    let mut seized = vec![];
    let mut last = 100_000_000_000u64;
    for _ in 0..6 {
        tm.crank(&mut bank, &keeper, &[pos]).await.unwrap();
        // Same slot again: skipped.
        let before = tm.position(&mut bank, pos).await;
        tm.crank(&mut bank, &keeper, &[pos]).await.unwrap();
        assert_eq!(tm.position(&mut bank, pos).await, before);
        seized.push(last - before.collateral_native);
        last = before.collateral_native;
        tm.next_slot(&mut bank, 94.0).await;
    }
    // Slot k of the episode may take at most (k+1)/4 of the start collateral in total.
    assert_eq!(seized[0], 25_000_000_000, "first slot bounded by the ramp");
    assert!(
        seized[1] > 0 && seized[1] < 25_000_000_000,
        "second slot finishes the job: {seized:?}"
    );
    let total: u64 = seized.iter().sum();
    let p = tm.position(&mut bank, pos).await;
    let m = tm.market_state(&mut bank).await;
    let d = debt_native(p.debt_shares, m.borrow_index).unwrap();
    // Restored to target when the episode ended; interest accrued since then is all that moved it.
    let h = health(p.collateral_native, d, scaled_usd(94.0), 600).unwrap();
    let interest = d as i128
        - (8_990_000_000i128
            - tm.open_lots(&mut bank)
                .await
                .iter()
                .map(|(_, l)| l.tab_debt_native as i128)
                .sum::<i128>());
    assert!(
        h + interest >= 0,
        "restored to target: health {h}, interest {interest}, seized {seized:?}"
    );
    assert_eq!(
        p.flags & softliq::state::POSITION_IN_EPISODE,
        0,
        "episode over"
    );
    assert!(total < 100_000_000_000);
    assert_eq!(*seized.last().unwrap(), 0, "no liquidation once at target");

    // Budget: three positions, a budget of 500 USDC of notional per slot.
    let mut params = no_bounds();
    params.max_liq_notional_per_slot = 500_000_000;
    let Setup {
        mut bank,
        mut tm,
        keeper,
        trader,
    } = setup(params, 16).await;
    let slab = tm.slabs[0];
    let mut ps = vec![];
    for _ in 0..3 {
        ps.push(
            tm.open_levered(&mut bank, &trader, slab, 10_000_000_000, 899_000_000)
                .await,
        );
    }
    tm.set_price(&mut bank, 93.0).await;
    tm.crank(&mut bank, &keeper, &ps).await.unwrap();
    let m = tm.market_state(&mut bank).await;
    assert!(m.budget_used_notional_native <= 500_000_000);
    assert!(
        m.budget_used_notional_native > 490_000_000,
        "budget used up: {}",
        m.budget_used_notional_native
    );
    let untouched = {
        let mut n = 0;
        for p in &ps {
            if tm.position(&mut bank, *p).await.collateral_native == 10_000_000_000 {
                n += 1;
            }
        }
        n
    };
    let mut cs = vec![];
    for p in &ps {
        cs.push(tm.position(&mut bank, *p).await.collateral_native);
    }
    assert!(
        untouched >= 1,
        "later positions get what is left: {cs:?} used {}",
        m.budget_used_notional_native
    );
    let liq_slot1 = m.liquidations;
    tm.next_slot(&mut bank, 93.0).await;
    tm.crank(&mut bank, &keeper, &ps).await.unwrap();
    let m2 = tm.market_state(&mut bank).await;
    assert!(m2.liquidations > liq_slot1, "the next slot continues");
    assert!(m2.budget_used_notional_native <= 500_000_000);
}

#[tokio::test]
async fn sixty_four_positions_in_one_crank_transaction() {
    let Setup {
        mut bank,
        mut tm,
        keeper,
        trader,
    } = setup(no_bounds(), 64).await;
    let slab = tm.slabs[0];
    let ps = tm.open_crankable(&mut bank, &trader, slab, 64).await;
    let ix = tm.crank_ix(&keeper, slab, refs(&ps));
    let size = tx_size(&bank, &ix);
    println!("crank transaction with 64 entries: {size} bytes (limit 1232)");
    assert!(size <= 1232, "{size} bytes");
    tm.exec(&mut bank, ix, &[&keeper.kp]).await.unwrap();
    let m = tm.market_state(&mut bank).await;
    assert_eq!(m.liquidations, 64);
    assert_eq!(tm.open_lots(&mut bank).await.len(), 64);
    // 65 entries are refused.
    let mut more = refs(&ps);
    more.push(more[0]);
    let e = tm
        .exec(&mut bank, tm.crank_ix(&keeper, slab, more), &[&keeper.kp])
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::TooManyEntries));
}

#[tokio::test]
async fn healthy_stale_empty_and_same_slot_entries_are_skipped() {
    let Setup {
        mut bank,
        mut tm,
        keeper,
        trader,
    } = setup(no_bounds(), 16).await;
    let slab = tm.slabs[0];
    let healthy = tm
        .open_levered(&mut bank, &trader, slab, 10_000_000_000, 100_000_000)
        .await;
    let sick = tm
        .open_levered(&mut bank, &trader, slab, 10_000_000_000, 899_000_000)
        .await;
    let stale = PosRef {
        generation: sick.generation + 1,
        ..sick
    };
    let empty = PosRef {
        index: 9,
        generation: 0,
        slab,
    };
    let out_of_range = PosRef {
        index: 10_000,
        generation: 0,
        slab,
    };
    tm.set_price(&mut bank, 94.0).await;
    // Only stale/empty/healthy: succeeds, pays nothing, changes nothing.
    let m0 = tm.market_state(&mut bank).await;
    tm.crank(&mut bank, &keeper, &[healthy, stale, empty, out_of_range])
        .await
        .unwrap();
    let m1 = tm.market_state(&mut bank).await;
    assert_eq!(
        (m1.liquidations, m1.insurance_balance_native),
        (0, m0.insurance_balance_native)
    );
    assert_eq!(balance(&mut bank, &keeper.debt).await, 0);
    // With the sick one twice in one call: liquidated once.
    tm.crank(&mut bank, &keeper, &[healthy, sick, sick, stale])
        .await
        .unwrap();
    assert_eq!(tm.market_state(&mut bank).await.liquidations, 1);
    let paid = balance(&mut bank, &keeper.debt).await;
    assert!(paid > 0);
    tm.crank(&mut bank, &keeper, &[sick]).await.unwrap();
    assert_eq!(tm.market_state(&mut bank).await.liquidations, 1);
    assert_eq!(balance(&mut bank, &keeper.debt).await, paid);
}

#[tokio::test]
async fn guarded_oracle_fails_the_crank_and_changes_nothing() {
    let Setup {
        mut bank,
        mut tm,
        keeper,
        trader,
    } = setup(no_bounds(), 16).await;
    let pos = tm
        .open_levered(&mut bank, &trader, tm.slabs[0], 10_000_000_000, 899_000_000)
        .await;
    {
        let s = bank.slot().await;
        bank.warp_to(s + 200).await;
    }
    let c = bank.clock().await;
    let base = harness::pyth::usd_feed(94.0, c.slot, c.unix_timestamp);
    let cases = [
        (
            FeedPrice {
                publish_slot: c.slot - 51,
                ..base
            },
            E::OracleStaleSlots,
        ),
        (
            FeedPrice {
                publish_time: c.unix_timestamp - 61,
                ..base
            },
            E::OracleStaleSecs,
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
        (FeedPrice { price: 0, ..base }, E::OracleNonPositive),
        (FeedPrice { price: -5, ..base }, E::OracleNonPositive),
        (FeedPrice { expo: -60, ..base }, E::OracleExponent),
    ];
    for (feed, err) in cases {
        tm.set_feed(&mut bank, feed).await;
        let before = bank.data(&pos.slab).await;
        let m0 = bank.data(&tm.market).await;
        let e = tm.crank(&mut bank, &keeper, &[pos]).await.unwrap_err();
        assert_eq!(e.code(), code_of(err), "{feed:?}");
        assert_eq!(bank.data(&pos.slab).await, before);
        assert_eq!(bank.data(&tm.market).await, m0);
    }
    // Wrong feed id and unverified updates.
    let acc = harness::pyth::pull_account(
        [7u8; 32],
        &base,
        pyth_solana_receiver_sdk::price_update::VerificationLevel::Full,
    );
    bank.set_account(&tm.oracle, acc);
    assert_eq!(
        tm.crank(&mut bank, &keeper, &[pos])
            .await
            .unwrap_err()
            .code(),
        code_of(E::OracleWrongFeed)
    );
    let partial =
        pyth_solana_receiver_sdk::price_update::VerificationLevel::Partial { num_signatures: 3 };
    bank.set_account(
        &tm.oracle,
        harness::pyth::pull_account(tm.feed_id, &base, partial),
    );
    assert_eq!(
        tm.crank(&mut bank, &keeper, &[pos])
            .await
            .unwrap_err()
            .code(),
        code_of(E::OracleNotVerified)
    );
    let mut wrong_owner = harness::pyth::pull_account(
        tm.feed_id,
        &base,
        pyth_solana_receiver_sdk::price_update::VerificationLevel::Full,
    );
    wrong_owner.owner = anchor_lang::prelude::Pubkey::new_unique();
    bank.set_account(&tm.oracle, wrong_owner);
    assert_eq!(
        tm.crank(&mut bank, &keeper, &[pos])
            .await
            .unwrap_err()
            .code(),
        code_of(E::OracleWrongOwner)
    );
    assert_eq!(tm.market_state(&mut bank).await.liquidations, 0);
}

#[tokio::test]
async fn splitting_an_episode_over_cranks_pays_the_same() {
    // One crank per slot under a ramp vs. one crank without: same notional -> same pay.
    let mut pays = vec![];
    for ramp in [0u64, 5] {
        let params = MarketParams {
            liq_ramp_slots: ramp,
            keeper_chip_bps: 20,
            ..no_bounds()
        };
        let Setup {
            mut bank,
            mut tm,
            keeper,
            trader,
        } = setup(params, 16).await;
        let pos = tm
            .open_levered(
                &mut bank,
                &trader,
                tm.slabs[0],
                100_000_000_000,
                8_990_000_000,
            )
            .await;
        tm.set_price(&mut bank, 94.0).await;
        for _ in 0..8 {
            tm.crank(&mut bank, &keeper, &[pos]).await.unwrap();
            tm.next_slot(&mut bank, 94.0).await;
        }
        let paid = balance(&mut bank, &keeper.debt).await;
        let lots = tm.open_lots(&mut bank).await;
        let notional: u64 = lots.iter().map(|(_, l)| l.seized_value_native).sum();
        let params = tm.market_state(&mut bank).await.params;
        // The whole episode pays exactly pay(total notional), however many cranks it took.
        assert_eq!(
            paid,
            softliq::engine::fees::episode_pay(&params, notional).unwrap()
        );
        pays.push((lots.len(), notional, paid));
    }
    println!(
        "episode (lots, notional, pay): one crank {:?}, ramped {:?}",
        pays[0], pays[1]
    );
    assert_eq!(pays[0].0, 1);
    assert!(pays[1].0 > 1, "the ramp split the episode");
}

#[tokio::test]
async fn a_full_lot_book_skips_with_an_event_and_changes_nothing() {
    let Setup {
        mut bank,
        mut tm,
        keeper,
        trader,
    } = funded(MarketConfig {
        params: no_bounds(),
        slab_capacities: vec![8],
        lot_capacity: 2,
        ..Default::default()
    })
    .await;
    let mut ps = Vec::new();
    for _ in 0..3 {
        ps.push(
            tm.open_levered(&mut bank, &trader, tm.slabs[0], 10_000_000_000, 899_000_000)
                .await,
        );
    }
    tm.set_price(&mut bank, 94.0).await;
    let third = tm.position(&mut bank, ps[2]).await;
    tm.crank(&mut bank, &keeper, &ps).await.unwrap();
    let m = tm.market_state(&mut bank).await;
    assert_eq!(m.liquidations, 2);
    assert_eq!(tm.open_lots(&mut bank).await.len(), 2);
    // The third position is untouched (the crank emits `LotBookFull` for it;
    // natively built programs log events to stdout, not to the transaction,
    // so the event itself is not asserted here).
    assert_eq!(tm.position(&mut bank, ps[2]).await, third);
    // Once a lot is sold and settled, the next crank liquidates it.
    let bidder = tm.new_user(&mut bank, 0, 10_000_000_000).await;
    let (l, lot) = tm.open_lots(&mut bank).await[0];
    tm.take(&mut bank, &bidder, l, lot.collateral_native, u64::MAX)
        .await
        .unwrap();
    tm.next_slot(&mut bank, 94.0).await;
    tm.crank(&mut bank, &keeper, &ps[2..]).await.unwrap();
    assert_eq!(tm.market_state(&mut bank).await.liquidations, 3);
    assert!(tm.position(&mut bank, ps[2]).await.collateral_native < third.collateral_native);
}
