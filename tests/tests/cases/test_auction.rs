use harness::bank::{code_of, Bank};
use harness::market::{LotRef, MarketConfig, PosRef, TestMarket, TestUser};
use harness::tokens::balance;
use softliq::engine::auction::price_at;
use softliq::error::SoftliqError as E;
use softliq::state::{Lot, MarketParams};

const SCALE: u128 = 1_000_000_000_000;

struct World {
    bank: Bank,
    tm: TestMarket,
    lp: TestUser,
    keeper: TestUser,
    trader: TestUser,
    taker: TestUser,
    pos: PosRef,
}

/// A market with one position liquidated at 94 into one lot.
async fn world(params: MarketParams, insurance: u64) -> (World, LotRef, Lot) {
    let mut bank = Bank::start().await;
    let cfg = MarketConfig {
        params,
        ..Default::default()
    };
    let mut tm = TestMarket::create(&mut bank, cfg).await;
    let lp = tm.new_user(&mut bank, 0, 2_000_000_000_000).await;
    tm.lp_deposit(&mut bank, &lp, 1_000_000_000_000)
        .await
        .unwrap();
    if insurance > 0 {
        tm.insurance_deposit(&mut bank, &lp, insurance)
            .await
            .unwrap();
    }
    let keeper = tm.new_user(&mut bank, 0, 0).await;
    let trader = tm.new_user(&mut bank, 10_000_000_000, 1_000_000_000).await;
    let taker = tm.new_user(&mut bank, 0, 1_000_000_000_000).await;
    let pos = tm
        .open_levered(&mut bank, &trader, tm.slabs[0], 10_000_000_000, 899_000_000)
        .await;
    tm.set_price(&mut bank, 94.0).await;
    tm.crank(&mut bank, &keeper, &[pos]).await.unwrap();
    let lots = tm.open_lots(&mut bank).await;
    assert_eq!(lots.len(), 1);
    let (lot_ref, lot) = lots[0];
    (
        World {
            bank,
            tm,
            lp,
            keeper,
            trader,
            taker,
            pos,
        },
        lot_ref,
        lot,
    )
}

fn soft() -> MarketParams {
    MarketParams {
        liq_ramp_slots: 0,
        ..MarketParams::default_soft()
    }
}

#[tokio::test]
async fn three_partial_takes_at_decaying_prices_then_surplus_returns() {
    let (mut w, lot_ref, lot0) = world(soft(), 1_000_000_000).await;
    let (bank, tm) = (&mut w.bank, &mut w.tm);
    let params = tm.market_state(bank).await.params;
    let m0 = tm.market_state(bank).await;
    let pos_c0 = tm.position(bank, w.pos).await.collateral_native;
    let taker_d0 = balance(bank, &w.taker.debt).await;
    let mut prices = vec![];
    let mut outs = vec![];
    for (i, wait) in [0u64, 4, 4].into_iter().enumerate() {
        tm.advance(bank, wait, 94.0).await;
        let lot = tm.lot(bank, lot_ref).await;
        let price = price_at(&params, lot.start_price, bank.slot().await - lot.start_slot).unwrap();
        let before = balance(bank, &w.taker.debt).await;
        let want = if i < 2 { 1_000_000_000 } else { u64::MAX };
        tm.take(bank, &w.taker, lot_ref, want, price).await.unwrap();
        let out = balance(bank, &w.taker.collateral).await - outs.iter().sum::<u64>();
        let paid = before - balance(bank, &w.taker.debt).await;
        if i < 2 {
            assert_eq!(out, 1_000_000_000);
            assert_eq!(
                paid as u128,
                (out as u128 * price as u128).div_ceil(SCALE),
                "take {i} pays ceil(out * price)"
            );
        }
        prices.push(price);
        outs.push(out);
    }
    assert!(
        prices[0] > prices[1] && prices[1] > prices[2],
        "decaying: {prices:?}"
    );
    assert_eq!(
        prices[0] as u128,
        (94_000_000_000u128 * 10_200).div_ceil(10_000)
    );
    // The tab is paid exactly: debt part to the pool, penalty to insurance.
    let m = tm.market_state(bank).await;
    let tab = lot0.tab_debt_native + lot0.tab_penalty_native;
    assert_eq!(taker_d0 - balance(bank, &w.taker.debt).await, tab);
    assert_eq!(
        m.pool_cash_native - m0.pool_cash_native,
        lot0.tab_debt_native
    );
    assert_eq!(
        m.insurance_balance_native - m0.insurance_balance_native,
        lot0.tab_penalty_native
    );
    assert_eq!(m.lot_debt_outstanding_native, 0);
    // Surplus collateral back in the position; the lot is closed.
    let leftover = lot0.collateral_native - outs.iter().sum::<u64>();
    assert!(leftover > 0);
    assert_eq!(
        tm.position(bank, w.pos).await.collateral_native,
        pos_c0 + leftover
    );
    assert!(tm.open_lots(bank).await.is_empty());
    println!(
        "lot {} collateral, tab {} (debt {} + penalty {}); takes {:?} at {:?}; surplus {}",
        lot0.collateral_native,
        tab,
        lot0.tab_debt_native,
        lot0.tab_penalty_native,
        outs,
        prices,
        leftover
    );
}

#[tokio::test]
async fn dust_rule_and_max_price_guard() {
    let (mut w, lot_ref, lot0) = world(soft(), 1_000_000_000).await;
    let (bank, tm) = (&mut w.bank, &mut w.tm);
    let params = tm.market_state(bank).await.params;
    let price = price_at(&params, lot0.start_price, 0).unwrap();
    let before = bank.data(&tm.lot_book).await;
    let e = tm
        .take(bank, &w.taker, lot_ref, 1_000_000_000, price - 1)
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::PriceAboveMax));
    // Leave a tab of less than dust (1 USDC): take all but ~0.5 USDC worth.
    let tab = (lot0.tab_debt_native + lot0.tab_penalty_native) as u128;
    let almost = ((tab - 500_000) * SCALE / price as u128) as u64;
    let e = tm
        .take(bank, &w.taker, lot_ref, almost, price)
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::TakeLeavesDust));
    assert_eq!(
        bank.data(&tm.lot_book).await,
        before,
        "refused takes change nothing"
    );
    let e = tm
        .take(bank, &w.taker, lot_ref, 0, price)
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::NothingToTake));
    // Taking the whole tab is fine.
    tm.take(bank, &w.taker, lot_ref, u64::MAX, price)
        .await
        .unwrap();
    assert!(tm.open_lots(bank).await.is_empty());
    let e = tm
        .take(bank, &w.taker, lot_ref, 1, price)
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::LotNotOpen));
}

#[tokio::test]
async fn no_bids_reset_then_shortfall_settled_by_insurance_then_socialized() {
    for insurance in [1_000_000_000u64, 0] {
        let (mut w, lot_ref, lot0) = world(soft(), insurance).await;
        let (bank, tm) = (&mut w.bank, &mut w.tm);
        let params = tm.market_state(bank).await.params;
        // Too early to reset.
        let e = tm.reset(bank, &w.keeper, lot_ref).await.unwrap_err();
        assert_eq!(e.code(), code_of(E::ResetTooEarly));
        // Black Thursday: nobody bids past the tail, the price crashes to 50.
        tm.advance(bank, params.auction_tail_slots + 1, 50.0).await;
        let lot = tm.lot(bank, lot_ref).await;
        let stale = price_at(&params, lot.start_price, bank.slot().await - lot.start_slot).unwrap();
        let e = tm
            .take(bank, &w.taker, lot_ref, u64::MAX, u64::MAX)
            .await
            .unwrap_err();
        assert_eq!(
            e.code(),
            code_of(E::LotNeedsReset),
            "no take at a stale price {stale}"
        );
        let ins0 = tm.market_state(bank).await.insurance_balance_native;
        let k0 = balance(bank, &w.keeper.debt).await;
        tm.reset(bank, &w.keeper, lot_ref).await.unwrap();
        let lot = tm.lot(bank, lot_ref).await;
        assert_eq!(
            lot.start_price as u128,
            (50_000_000_000u128 * 10_200).div_ceil(10_000)
        );
        assert_eq!(lot.resets, 1);
        let tip = params.auction_reset_tip_native.min(ins0);
        assert_eq!(balance(bank, &w.keeper.debt).await - k0, tip);
        // Sold whole at 51: below the tab.
        let taker_d0 = balance(bank, &w.taker.debt).await;
        tm.take(bank, &w.taker, lot_ref, u64::MAX, u64::MAX)
            .await
            .unwrap();
        let paid = taker_d0 - balance(bank, &w.taker.debt).await;
        let lot = tm.lot(bank, lot_ref).await;
        assert_eq!(lot.collateral_native, 0);
        assert_eq!(
            paid,
            lot0.tab_debt_native - lot.tab_debt_native,
            "all proceeds repay debt first"
        );
        let shortfall = lot.tab_debt_native;
        assert!(shortfall > 0);
        // Settle: insurance first, then the pool is written down.
        let m0 = tm.market_state(bank).await;
        let value0 = m0.pool_cash_native as u128
            + harness_borrowed(&m0)
            + m0.lot_debt_outstanding_native as u128;
        tm.settle(bank, &w.keeper, lot_ref).await.unwrap();
        let m = tm.market_state(bank).await;
        let covered = shortfall.min(m0.insurance_balance_native);
        assert_eq!(m.bad_debt_insurance_native, covered);
        assert_eq!(m.bad_debt_socialized_native, shortfall - covered);
        assert_eq!(
            m0.insurance_balance_native - m.insurance_balance_native,
            covered
        );
        let value = m.pool_cash_native as u128
            + harness_borrowed(&m)
            + m.lot_debt_outstanding_native as u128;
        assert_eq!(
            value0 - value,
            (shortfall - covered) as u128,
            "pool written down by exactly the socialized loss"
        );
        let e = tm.settle(bank, &w.keeper, lot_ref).await.unwrap_err();
        assert_eq!(e.code(), code_of(E::LotNotOpen), "settling twice");
        println!(
            "insurance {insurance}: shortfall {shortfall}, covered {covered}, socialized {}",
            shortfall - covered
        );
    }
}

fn harness_borrowed(m: &softliq::state::Market) -> u128 {
    m.total_debt_shares as u128 * m.borrow_index as u128 / softliq::math::BORROW_INDEX_SCALE as u128
}

#[tokio::test]
async fn lp_cannot_exit_ahead_of_a_write_down() {
    let (mut w, lot_ref, _) = world(soft(), 0).await;
    let (bank, tm) = (&mut w.bank, &mut w.tm);
    // While the lot is open, the exit price excludes its receivable.
    let shares = tm.lp_shares(bank, &w.lp.key()).await;
    let m = tm.market_state(bank).await;
    let exit_per_share =
        (m.pool_cash_native as u128 + harness_borrowed(&m)) as f64 / m.lp_shares_total as f64;
    tm.advance(bank, 301, 50.0).await;
    tm.reset(bank, &w.keeper, lot_ref).await.unwrap();
    tm.take(bank, &w.taker, lot_ref, u64::MAX, u64::MAX)
        .await
        .unwrap();
    tm.settle(bank, &w.keeper, lot_ref).await.unwrap();
    let m = tm.market_state(bank).await;
    assert!(m.bad_debt_socialized_native > 0);
    let after_per_share =
        (m.pool_cash_native as u128 + harness_borrowed(&m)) as f64 / m.lp_shares_total as f64;
    assert!(
        exit_per_share <= after_per_share,
        "exiting before the settlement was no better: {exit_per_share} vs {after_per_share}"
    );
    // Withdraw half now: the amount is at the post-write-down value.
    let d0 = balance(bank, &w.lp.debt).await;
    tm.lp_withdraw(bank, &w.lp, shares / 2).await.unwrap();
    let got = balance(bank, &w.lp.debt).await - d0;
    // Exit value at the withdrawal (after its own interest accrual): cash + lent, no lot
    // receivable, less the certain loss of what is still insolvent at the conservative
    // price (min(price, EMA) − confidence: 50 USD − 0.05%) beyond the insurance fund.
    let m = tm.market_state(bank).await;
    let conservative = harness::pyth::scaled_usd(50.0) - harness::pyth::scaled_usd(50.0) / 2_000;
    let loss = softliq::engine::bands::shortfall_upper(
        &m.bands,
        m.band_octave_min,
        conservative,
        m.borrow_index,
    );
    let exit_value = softliq::engine::pool::lp_exit_value(
        m.pool_cash_native + got,
        harness_borrowed(&m) as u64,
        loss,
        m.insurance_balance_native,
    );
    let expected = softliq::engine::pool::amount_for_shares(
        shares / 2,
        m.lp_shares_total + shares / 2,
        exit_value,
    )
    .unwrap();
    assert_eq!(got, expected);
    // Never more than the plain virtual-offset price of cash + lent.
    let plain = m.pool_cash_native as u128 + got as u128 + harness_borrowed(&m);
    assert!(
        got as u128
            <= (shares / 2) as u128 * (plain + 1_000)
                / (m.lp_shares_total as u128 + (shares / 2) as u128 + 1_000)
    );
}

#[tokio::test]
async fn owner_redeems_after_recovery() {
    let (mut w, lot_ref, lot0) = world(soft(), 1_000_000_000).await;
    let (bank, tm) = (&mut w.bank, &mut w.tm);
    // Not the owner.
    let e = tm
        .redeem(bank, &w.taker, lot_ref, w.pos.slab)
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::NotOwner));
    // Price keeps falling: redeeming would leave the position below initial health.
    tm.advance(bank, 1, 60.0).await;
    let e = tm
        .redeem(bank, &w.trader, lot_ref, w.pos.slab)
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::InsufficientHealth));
    // Recovery to 110: redeem.
    tm.advance(bank, 1, 110.0).await;
    let c0 = tm.position(bank, w.pos).await.collateral_native;
    let d0 = balance(bank, &w.trader.debt).await;
    let m0 = tm.market_state(bank).await;
    tm.redeem(bank, &w.trader, lot_ref, w.pos.slab)
        .await
        .unwrap();
    let m = tm.market_state(bank).await;
    assert_eq!(
        tm.position(bank, w.pos).await.collateral_native,
        c0 + lot0.collateral_native
    );
    assert_eq!(
        d0 - balance(bank, &w.trader.debt).await,
        lot0.tab_debt_native + lot0.tab_penalty_native
    );
    assert_eq!(
        m.pool_cash_native - m0.pool_cash_native,
        lot0.tab_debt_native
    );
    assert_eq!(
        m.insurance_balance_native - m0.insurance_balance_native,
        lot0.tab_penalty_native
    );
    assert!(tm.open_lots(bank).await.is_empty());
    let p = tm.position(bank, w.pos).await;
    let debt = softliq::engine::health::debt_native(p.debt_shares, m.borrow_index).unwrap();
    let h =
        softliq::engine::health::health(p.collateral_native, debt, 110_000_000_000, 1_000).unwrap();
    assert!(h >= 0, "init health after redeem: {h}");
}

#[tokio::test]
async fn insurance_withdrawal_waits_for_the_cooldown() {
    let params = MarketParams {
        insurance_withdraw_cooldown_slots: 100,
        ..soft()
    };
    let mut bank = Bank::start().await;
    let mut tm = TestMarket::create(
        &mut bank,
        MarketConfig {
            params,
            ..Default::default()
        },
    )
    .await;
    let staker = tm.new_user(&mut bank, 0, 5_000_000_000).await;
    tm.insurance_deposit(&mut bank, &staker, 5_000_000_000)
        .await
        .unwrap();
    let e = tm.insurance_withdraw(&mut bank, &staker).await.unwrap_err();
    assert_eq!(e.code(), code_of(E::NoPendingWithdrawal));
    let shares = tm.market_state(&mut bank).await.insurance_shares_total;
    let e = tm
        .insurance_request(&mut bank, &staker, shares + 1)
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::InsufficientShares));
    tm.insurance_request(&mut bank, &staker, shares)
        .await
        .unwrap();
    tm.advance(&mut bank, 99, 100.0).await;
    let e = tm.insurance_withdraw(&mut bank, &staker).await.unwrap_err();
    assert_eq!(e.code(), code_of(E::CooldownNotElapsed));
    tm.advance(&mut bank, 1, 100.0).await;
    tm.insurance_withdraw(&mut bank, &staker).await.unwrap();
    assert_eq!(balance(&mut bank, &staker.debt).await, 5_000_000_000);
    assert_eq!(tm.market_state(&mut bank).await.insurance_balance_native, 0);
}

#[tokio::test]
async fn auction_cap_stops_the_crank() {
    let params = MarketParams {
        max_lot_collateral_native: 5_000_000_000,
        ..soft()
    };
    let mut bank = Bank::start().await;
    let mut tm = TestMarket::create(
        &mut bank,
        MarketConfig {
            params,
            ..Default::default()
        },
    )
    .await;
    let lp = tm.new_user(&mut bank, 0, 1_000_000_000_000).await;
    tm.lp_deposit(&mut bank, &lp, 1_000_000_000_000)
        .await
        .unwrap();
    let keeper = tm.new_user(&mut bank, 0, 0).await;
    let trader = tm.new_user(&mut bank, 100_000_000_000, 0).await;
    let slab = tm.slabs[0];
    let mut ps = vec![];
    for _ in 0..3 {
        ps.push(
            tm.open_levered(&mut bank, &trader, slab, 10_000_000_000, 899_000_000)
                .await,
        );
    }
    tm.set_price(&mut bank, 94.0).await;
    tm.crank(&mut bank, &keeper, &ps).await.unwrap();
    let m = tm.market_state(&mut bank).await;
    assert!(m.total_lot_collateral_native <= 5_000_000_000);
    assert!(
        m.total_lot_collateral_native > 4_000_000_000,
        "{}",
        m.total_lot_collateral_native
    );
    let seized_before = m.seized_collateral_native;
    tm.advance(&mut bank, 1, 94.0).await;
    tm.crank(&mut bank, &keeper, &ps).await.unwrap();
    let m = tm.market_state(&mut bank).await;
    assert!(
        m.seized_collateral_native - seized_before < 1_000_000_000,
        "cap holds: nothing beyond what remained"
    );
    assert!(m.total_lot_collateral_native <= 5_000_000_000);
}
