use harness::bank::{code_of, Bank};
use harness::market::{MarketConfig, TestMarket};
use harness::tokens::balance;
use softliq::error::SoftliqError as E;
use softliq::math::BORROW_INDEX_SCALE;

/// 10 SOL at 100 USD, borrow 500 USDC, accrue over 1,000,000 slots, repay, close.
#[tokio::test]
async fn lifecycle_with_interest_exact_figures() {
    let mut bank = Bank::start().await;
    let mut tm = TestMarket::create(&mut bank, MarketConfig::default()).await;
    let lp = tm.new_user(&mut bank, 0, 10_000_000_000).await;
    tm.lp_deposit(&mut bank, &lp, 10_000_000_000).await.unwrap();
    assert_eq!(tm.lp_shares(&mut bank, &lp.key()).await, 10_000_000_000);

    let trader = tm.new_user(&mut bank, 10_000_000_000, 1_000_000_000).await;
    let slab = tm.slabs[0];
    let pos = tm
        .open_levered(&mut bank, &trader, slab, 10_000_000_000, 500_000_000)
        .await;
    let m = tm.market_state(&mut bank).await;
    assert_eq!(m.pool_cash_native, 9_500_000_000);
    assert_eq!(m.total_debt_shares, 500_000_000); // index 1.0
    assert_eq!(balance(&mut bank, &trader.debt).await, 1_500_000_000);
    assert_eq!(
        balance(&mut bank, &tm.collateral_vault).await,
        10_000_000_000
    );

    // Utilisation 5% -> rate = 100 + 900 * 500/8000 = 156.25 -> 157 bps (rounded up).
    let start = bank.slot().await;
    bank.warp_to(start + 1_000_000).await;
    tm.set_price(&mut bank, 100.0).await;
    tm.repay(&mut bank, &trader, pos, u64::MAX).await.unwrap();
    let m = tm.market_state(&mut bank).await;
    let elapsed = m.last_accrual_slot - start;
    // index = 1e15 + ceil(1e15 * 157 * elapsed / (1e4 * 78_840_000))
    let growth =
        (BORROW_INDEX_SCALE as u128 * 157 * elapsed as u128).div_ceil(10_000u128 * 78_840_000);
    assert_eq!(m.borrow_index as u128, BORROW_INDEX_SCALE as u128 + growth);
    let debt =
        (500_000_000u128 * m.borrow_index as u128).div_ceil(BORROW_INDEX_SCALE as u128) as u64;
    assert!(debt > 500_000_000);
    assert_eq!(balance(&mut bank, &trader.debt).await, 1_500_000_000 - debt);
    assert_eq!(m.pool_cash_native, 9_500_000_000 + debt);
    assert_eq!(m.total_debt_shares, 0);

    tm.close(&mut bank, &trader, pos).await.unwrap();
    assert_eq!(balance(&mut bank, &trader.collateral).await, 10_000_000_000);
    let p = tm.position(&mut bank, pos).await;
    assert_eq!(p.generation, pos.generation + 1);
    // The LP earns the interest: exit value = cash.
    let shares = tm.lp_shares(&mut bank, &lp.key()).await;
    tm.lp_withdraw(&mut bank, &lp, shares).await.unwrap();
    let got = balance(&mut bank, &lp.debt).await;
    assert!(got > 10_000_000_000 && got <= 10_000_000_000 + (debt - 500_000_000));
    // The old reference is dead.
    assert_eq!(
        tm.deposit(&mut bank, &trader, pos, 1)
            .await
            .unwrap_err()
            .code(),
        code_of(E::PositionNotOpen)
    );
}

#[tokio::test]
async fn over_borrow_and_over_withdraw_refused_without_change() {
    let mut bank = Bank::start().await;
    let mut tm = TestMarket::create(&mut bank, MarketConfig::default()).await;
    let lp = tm.new_user(&mut bank, 0, 10_000_000_000).await;
    tm.lp_deposit(&mut bank, &lp, 10_000_000_000).await.unwrap();
    let t = tm.new_user(&mut bank, 10_000_000_000, 0).await;
    let pos = tm
        .open_levered(&mut bank, &t, tm.slabs[0], 10_000_000_000, 0)
        .await;
    // Init margin 10%: at the conservative price (100 − 0.05 conf) the cap is ~899.55 USDC.
    let before = tm.market_state(&mut bank).await;
    let e = tm
        .borrow(&mut bank, &t, pos, 900_000_000)
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::InsufficientHealth));
    tm.borrow(&mut bank, &t, pos, 899_000_000).await.unwrap();
    let e = tm
        .withdraw(&mut bank, &t, pos, 10_000_000)
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::InsufficientHealth));
    let e = tm
        .withdraw(&mut bank, &t, pos, 20_000_000_000)
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::InsufficientCollateral));
    let e = tm.borrow(&mut bank, &t, pos, 0).await.unwrap_err();
    assert_eq!(e.code(), code_of(E::ZeroAmount));
    let e = tm.borrow(&mut bank, &t, pos, u64::MAX).await.unwrap_err();
    assert_eq!(e.code(), code_of(E::InsufficientPoolCash));
    let after = tm.market_state(&mut bank).await;
    assert_eq!(
        after.pool_cash_native,
        before.pool_cash_native - 899_000_000
    );
    assert_eq!(
        tm.position(&mut bank, pos).await.collateral_native,
        10_000_000_000
    );
}
