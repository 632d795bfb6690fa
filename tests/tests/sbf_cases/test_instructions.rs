//! Every instruction in the VM, each one's compute units recorded: market and
//! slab creation, LP and insurance, a position's life, the crank, an auction
//! taken, reset, settled and redeemed, the admin's updates, an oracle refusal
//! and a refused instruction with its code.
use harness::bank::code_of;
use harness::market::{MarketConfig, TestMarket};
use harness::pyth::{self, FeedPrice};
use harness::tokens::balance;
use softliq::engine::auction::price_at;
use softliq::error::SoftliqError as E;
use softliq::state::{MarketParams, RiskParams};

use super::table::{record, sbf_bank};

fn params() -> MarketParams {
    MarketParams {
        liq_ramp_slots: 0,
        insurance_withdraw_cooldown_slots: 0,
        ..MarketParams::default_soft()
    }
}

#[tokio::test]
async fn every_instruction_runs_in_the_vm() {
    let mut bank = sbf_bank().await;
    assert!(bank.sbf);
    let mut tm = TestMarket::create(
        &mut bank,
        MarketConfig {
            params: params(),
            slab_capacities: vec![],
            ..Default::default()
        },
    )
    .await;
    record(&bank, "initialize_market (+ lot book account)");
    tm.add_slab(&mut bank, 1_024).await.unwrap();
    record(&bank, "init_slab, 1,024 positions (+ account)");
    let slab = tm.slabs[0];

    let lp = tm.new_user(&mut bank, 0, 2_000_000_000_000).await;
    tm.lp_deposit(&mut bank, &lp, 1_000_000_000_000)
        .await
        .unwrap();
    record(&bank, "lp_deposit");
    tm.insurance_deposit(&mut bank, &lp, 1_000_000_000)
        .await
        .unwrap();
    record(&bank, "insurance_deposit");
    let m = tm.market_state(&mut bank).await;
    assert_eq!(m.pool_cash_native, 1_000_000_000_000);
    assert_eq!(m.insurance_balance_native, 1_000_000_000);

    let t = tm
        .new_user(&mut bank, 100_000_000_000, 10_000_000_000)
        .await;
    let pos = tm.open_position(&mut bank, &t, slab).await.unwrap();
    record(&bank, "open_position");
    tm.deposit(&mut bank, &t, pos, 20_000_000_000)
        .await
        .unwrap();
    record(&bank, "deposit_collateral");
    tm.borrow(&mut bank, &t, pos, 1_798_000_000).await.unwrap();
    record(&bank, "borrow");
    tm.withdraw(&mut bank, &t, pos, 1).await.unwrap();
    record(&bank, "withdraw_collateral");
    let p = tm.position(&mut bank, pos).await;
    assert_eq!(p.collateral_native, 20_000_000_000 - 1);
    assert_eq!(
        balance(&mut bank, &t.debt).await,
        10_000_000_000 + 1_798_000_000
    );

    // Refused in the VM with its code, nothing changed: over-borrow.
    let before = tm.snapshot(&mut bank).await;
    let e = tm
        .borrow(&mut bank, &t, pos, 1_000_000_000)
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::InsufficientHealth));
    assert_eq!(tm.snapshot(&mut bank).await, before);
    // An oracle the program refuses: a confidence interval of 20%.
    let clock = bank.clock().await;
    let mut wide: FeedPrice = pyth::usd_feed(100.0, clock.slot, clock.unix_timestamp);
    wide.conf = (wide.price / 5) as u64;
    tm.set_feed(&mut bank, wide).await;
    let e = tm.borrow(&mut bank, &t, pos, 1).await.unwrap_err();
    assert_eq!(e.code(), code_of(E::OracleConfTooWide));
    assert_eq!(tm.snapshot(&mut bank).await, before);

    tm.update_params(&mut bank, params(), 0).await.unwrap();
    record(&bank, "update_params");
    let risk = RiskParams {
        depth_native: 1_000_000_000_000,
        budget_depth_bps: 100,
        ..RiskParams::static_default()
    };
    tm.set_risk_params(&mut bank, risk).await.unwrap();
    record(&bank, "set_risk_params");
    tm.set_price(&mut bank, 100.0).await;
    tm.refresh_risk(&mut bank).await.unwrap();
    record(&bank, "refresh_risk");

    // Crank at 94: one lot; a partial take; the rest waits past the tail.
    tm.set_price(&mut bank, 94.0).await;
    tm.crank(&mut bank, &lp, &[pos]).await.unwrap();
    record(&bank, "crank_liquidate, 1 entry (lifecycle)");
    let (l, lot0) = tm.open_lots(&mut bank).await[0];
    assert!(lot0.collateral_native > 0 && lot0.tab_debt_native > 0);
    tm.take(&mut bank, &lp, l, lot0.collateral_native / 4, u64::MAX)
        .await
        .unwrap();
    record(&bank, "auction_take (partial)");
    assert_eq!(
        tm.lot(&mut bank, l).await.collateral_native,
        lot0.collateral_native - lot0.collateral_native / 4
    );
    // Redeem by the owner while unsold.
    tm.set_price(&mut bank, 110.0).await;
    tm.redeem(&mut bank, &t, l, pos.slab).await.unwrap();
    record(&bank, "auction_redeem");
    assert!(tm.open_lots(&mut bank).await.is_empty());

    // A second lot, left past the tail: reset, sold below its tab, settled.
    let p2 = tm
        .open_levered(&mut bank, &t, slab, 10_000_000_000, 980_000_000)
        .await;
    tm.advance(&mut bank, 1, 100.0).await;
    tm.crank(&mut bank, &lp, &[p2]).await.unwrap();
    let (l2, _) = tm.open_lots(&mut bank).await[0];
    let e = tm.reset(&mut bank, &lp, l2).await.unwrap_err();
    assert_eq!(e.code(), code_of(E::ResetTooEarly));
    let tail = tm.market_state(&mut bank).await.params.auction_tail_slots;
    tm.advance(&mut bank, tail + 1, 60.0).await;
    tm.reset(&mut bank, &lp, l2).await.unwrap();
    record(&bank, "auction_reset");
    let lot = tm.lot(&mut bank, l2).await;
    let params = tm.market_state(&mut bank).await.params;
    let price = price_at(&params, lot.start_price, 0).unwrap();
    tm.take(&mut bank, &lp, l2, u64::MAX, price).await.unwrap();
    record(&bank, "auction_take (whole lot)");
    let short = tm.lot(&mut bank, l2).await.tab_debt_native;
    assert!(short > 0, "sold below its tab");
    let ins0 = tm.market_state(&mut bank).await.insurance_balance_native;
    tm.settle(&mut bank, &lp, l2).await.unwrap();
    record(&bank, "auction_settle");
    let m = tm.market_state(&mut bank).await;
    assert_eq!(m.bad_debt_insurance_native, short.min(ins0));

    tm.repay(&mut bank, &t, pos, u64::MAX).await.unwrap();
    record(&bank, "repay");
    tm.close(&mut bank, &t, pos).await.unwrap();
    record(&bank, "close_position");
    tm.insurance_request(&mut bank, &lp, 1_000).await.unwrap();
    record(&bank, "insurance_request_withdraw");
    tm.insurance_withdraw(&mut bank, &lp).await.unwrap();
    record(&bank, "insurance_withdraw");
    tm.lp_withdraw(&mut bank, &lp, 1_000_000).await.unwrap();
    record(&bank, "lp_withdraw");
}

/// A take on an anchored market (`CURVE_ANCHORED`, docs/auction-hold.md) in
/// the VM, after `refresh_risk` fed the slot's price: priced at the curve
/// restarted at that price, with its compute units recorded.
#[tokio::test]
async fn an_anchored_take_runs_in_the_vm() {
    use softliq::engine::auction::{quote, quote_at, CURVE_ANCHORED};
    let mut bank = sbf_bank().await;
    assert!(bank.sbf);
    let anchored = MarketParams {
        auction_curve: CURVE_ANCHORED,
        ..params()
    };
    let mut tm = TestMarket::create(
        &mut bank,
        MarketConfig {
            params: anchored,
            ..Default::default()
        },
    )
    .await;
    let slab = tm.slabs[0];
    let lp = tm.new_user(&mut bank, 0, 2_000_000_000_000).await;
    tm.lp_deposit(&mut bank, &lp, 1_000_000_000_000)
        .await
        .unwrap();
    let t = tm.new_user(&mut bank, 10_000_000_000, 0).await;
    let pos = tm
        .open_levered(&mut bank, &t, slab, 10_000_000_000, 850_000_000)
        .await;
    tm.set_price(&mut bank, 88.0).await;
    tm.crank(&mut bank, &lp, &[pos]).await.unwrap();
    let (l, lot) = tm.open_lots(&mut bank).await[0];
    tm.advance(&mut bank, 6, 84.0).await;
    tm.refresh_risk(&mut bank).await.unwrap();
    let slot = bank.slot().await;
    let own = quote(&anchored, &lot, slot).unwrap().price;
    let restarted = quote_at(&anchored, &lot, slot, Some(84_000_000_000))
        .unwrap()
        .price;
    assert!(restarted < own, "restarted {restarted} own {own}");
    let d0 = balance(&mut bank, &lp.debt).await;
    tm.take(&mut bank, &lp, l, lot.collateral_native / 4, restarted)
        .await
        .unwrap();
    record(&bank, "auction_take (anchored, after refresh_risk)");
    assert_eq!(
        (d0 - balance(&mut bank, &lp.debt).await) as u128,
        ((lot.collateral_native / 4) as u128 * restarted as u128).div_ceil(1_000_000_000_000)
    );
}
