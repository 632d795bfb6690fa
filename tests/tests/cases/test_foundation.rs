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

use harness::market::{ix, PosRef};
use softliq::state::{MarketParams, ORACLE_KIND_PYTH_LEGACY};

#[tokio::test]
async fn bad_inputs_get_precise_errors_and_change_nothing() {
    let mut bank = Bank::start().await;
    let mut tm = TestMarket::create(
        &mut bank,
        MarketConfig {
            slab_capacities: vec![8, 8],
            ..Default::default()
        },
    )
    .await;
    let lp = tm.new_user(&mut bank, 0, 10_000_000_000).await;
    tm.lp_deposit(&mut bank, &lp, 10_000_000_000).await.unwrap();
    let alice = tm.new_user(&mut bank, 10_000_000_000, 0).await;
    let mallory = tm.new_user(&mut bank, 10_000_000_000, 0).await;
    let pos = tm
        .open_levered(&mut bank, &alice, tm.slabs[0], 5_000_000_000, 100_000_000)
        .await;
    let mut other = TestMarket::create(&mut bank, MarketConfig::default()).await;
    let other_slab = other.slabs[0];
    let before = tm.snapshot(&mut bank).await;

    // Wrong signer: mallory borrows / withdraws / closes alice's position.
    let e = tm.borrow(&mut bank, &mallory, pos, 1).await.unwrap_err();
    assert_eq!(e.code(), code_of(E::NotOwner));
    let e = tm.withdraw(&mut bank, &mallory, pos, 1).await.unwrap_err();
    assert_eq!(e.code(), code_of(E::NotOwner));
    // Stale generation and out-of-range index.
    let stale = PosRef {
        generation: pos.generation + 1,
        ..pos
    };
    assert_eq!(
        tm.borrow(&mut bank, &alice, stale, 1)
            .await
            .unwrap_err()
            .code(),
        code_of(E::StaleGeneration)
    );
    let far = PosRef {
        index: 1_000,
        ..pos
    };
    assert_eq!(
        tm.deposit(&mut bank, &alice, far, 1)
            .await
            .unwrap_err()
            .code(),
        code_of(E::BadIndex)
    );
    let free = PosRef { index: 5, ..pos };
    assert_eq!(
        tm.deposit(&mut bank, &alice, free, 1)
            .await
            .unwrap_err()
            .code(),
        code_of(E::PositionNotOpen)
    );
    // Zero and overflow-sized amounts.
    assert_eq!(
        tm.deposit(&mut bank, &alice, pos, 0)
            .await
            .unwrap_err()
            .code(),
        code_of(E::ZeroAmount)
    );
    assert_eq!(
        tm.withdraw(&mut bank, &alice, pos, 0)
            .await
            .unwrap_err()
            .code(),
        code_of(E::ZeroAmount)
    );
    assert_eq!(
        tm.lp_deposit(&mut bank, &lp, 0).await.unwrap_err().code(),
        code_of(E::ZeroAmount)
    );
    assert_eq!(
        tm.withdraw(&mut bank, &alice, pos, u64::MAX)
            .await
            .unwrap_err()
            .code(),
        code_of(E::InsufficientCollateral)
    );
    // Overflow-sized amounts: the position's total would overflow; a deposit beyond the wallet
    // fails in the token program (insufficient funds = 1).
    assert_eq!(
        tm.deposit(&mut bank, &alice, pos, u64::MAX)
            .await
            .unwrap_err()
            .code(),
        code_of(E::MathOverflow)
    );
    assert_eq!(
        tm.deposit(&mut bank, &alice, pos, 20_000_000_000)
            .await
            .unwrap_err()
            .code(),
        1
    );
    // Slab of another market.
    let foreign = PosRef {
        slab: other_slab,
        ..pos
    };
    assert_eq!(
        tm.deposit(&mut bank, &alice, foreign, 1)
            .await
            .unwrap_err()
            .code(),
        code_of(E::WrongMarket)
    );
    // Vault and mint of another market.
    let mut a = tm.deposit_accounts(&alice, pos);
    a.collateral_vault = other.collateral_vault;
    let d = softliq::instruction::DepositCollateral {
        index: pos.index,
        generation: pos.generation,
        amount: 1,
    };
    let e = tm
        .exec(&mut bank, ix(a, d), &[&alice.kp])
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::WrongTokenAccount));
    // An account owned by another program in place of the slab (the market account itself).
    let mut a = tm.deposit_accounts(&alice, pos);
    a.slab = tm.market;
    let d = softliq::instruction::DepositCollateral {
        index: pos.index,
        generation: pos.generation,
        amount: 1,
    };
    let e = tm
        .exec(&mut bank, ix(a, d), &[&alice.kp])
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        anchor_lang::error::ErrorCode::AccountDiscriminatorMismatch as u32
    );
    // Oracle of another market.
    let mut a = tm.borrow_accounts(&alice, pos);
    a.oracle = other.oracle;
    let d = softliq::instruction::Borrow {
        index: pos.index,
        generation: pos.generation,
        amount: 1,
    };
    let e = tm
        .exec(&mut bank, ix(a, d), &[&alice.kp])
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::OracleWrongFeed));
    // Non-admin updates parameters; admin sets invalid ones.
    let mut fake = other.admin.insecure_clone();
    std::mem::swap(&mut tm.admin, &mut fake);
    let e = tm
        .update_params(&mut bank, MarketParams::default_soft(), 0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::NotAdmin));
    std::mem::swap(&mut tm.admin, &mut fake);
    let bad = MarketParams {
        maint_margin_bps: 700,
        ..MarketParams::default_soft()
    };
    assert_eq!(
        tm.update_params(&mut bank, bad, 0)
            .await
            .unwrap_err()
            .code(),
        code_of(E::InvalidMargins)
    );
    // Closing with debt.
    assert_eq!(
        tm.close(&mut bank, &alice, pos).await.unwrap_err().code(),
        code_of(E::PositionHasDebt)
    );
    assert_eq!(
        tm.snapshot(&mut bank).await,
        before,
        "refused instructions changed nothing"
    );
    other.check_invariants = false;
}

#[tokio::test]
async fn pause_stops_risk_increasing_actions_only() {
    let mut bank = Bank::start().await;
    let mut tm = TestMarket::create(&mut bank, MarketConfig::default()).await;
    let lp = tm.new_user(&mut bank, 0, 10_000_000_000).await;
    tm.lp_deposit(&mut bank, &lp, 5_000_000_000).await.unwrap();
    let t = tm.new_user(&mut bank, 10_000_000_000, 0).await;
    let pos = tm
        .open_levered(&mut bank, &t, tm.slabs[0], 5_000_000_000, 100_000_000)
        .await;
    tm.update_params(
        &mut bank,
        MarketParams::default_soft(),
        softliq::state::PAUSE_ALL,
    )
    .await
    .unwrap();
    assert_eq!(
        tm.borrow(&mut bank, &t, pos, 1_000_000)
            .await
            .unwrap_err()
            .code(),
        code_of(E::Paused)
    );
    assert_eq!(
        tm.open_position(&mut bank, &t, tm.slabs[0])
            .await
            .unwrap_err()
            .code(),
        code_of(E::Paused)
    );
    assert_eq!(
        tm.lp_deposit(&mut bank, &lp, 1).await.unwrap_err().code(),
        code_of(E::Paused)
    );
    // Never paused: repay, withdraw, LP withdraw.
    tm.repay(&mut bank, &t, pos, u64::MAX).await.unwrap();
    tm.withdraw(&mut bank, &t, pos, 1_000_000_000)
        .await
        .unwrap();
    tm.lp_withdraw(&mut bank, &lp, 1_000_000).await.unwrap();
    assert_eq!(
        tm.update_params(&mut bank, MarketParams::default_soft(), 64)
            .await
            .unwrap_err()
            .code(),
        code_of(E::InvalidPauseFlags)
    );
}

#[tokio::test]
async fn legacy_oracle_token_2022_and_inverted_markets() {
    // Legacy Pyth account, Token-2022 collateral.
    let mut bank = Bank::start().await;
    let cfg = MarketConfig {
        oracle_kind: ORACLE_KIND_PYTH_LEGACY,
        collateral_program: harness::tokens::TOKEN_2022,
        ..Default::default()
    };
    let mut tm = TestMarket::create(&mut bank, cfg).await;
    let lp = tm.new_user(&mut bank, 0, 10_000_000_000).await;
    tm.lp_deposit(&mut bank, &lp, 10_000_000_000).await.unwrap();
    let t = tm.new_user(&mut bank, 10_000_000_000, 0).await;
    let pos = tm
        .open_levered(&mut bank, &t, tm.slabs[0], 10_000_000_000, 899_000_000)
        .await;
    assert_eq!(tm.debt_of(&mut bank, pos).await, 899_000_000);
    assert_eq!(
        balance(&mut bank, &tm.collateral_vault).await,
        10_000_000_000
    );
    // A halted legacy price is refused.
    let c = bank.clock().await;
    let feed = harness::pyth::usd_feed(100.0, c.slot, c.unix_timestamp);
    bank.set_account(&tm.oracle, harness::pyth::legacy_account(&feed, false));
    assert_eq!(
        tm.borrow(&mut bank, &t, pos, 1).await.unwrap_err().code(),
        code_of(E::OracleNotTrading)
    );
    // A legacy account at another address is refused.
    let mut other = tm.borrow_accounts(&t, pos);
    other.oracle = anchor_lang::prelude::Pubkey::new_unique();
    bank.set_account(&other.oracle, harness::pyth::legacy_account(&feed, true));
    let d = softliq::instruction::Borrow {
        index: pos.index,
        generation: pos.generation,
        amount: 1,
    };
    assert_eq!(
        tm.exec(&mut bank, ix(other, d), &[&t.kp])
            .await
            .unwrap_err()
            .code(),
        code_of(E::OracleWrongAccount)
    );

    // Inverted: collateral USDC (6 dp), debt SOL (9 dp), feed SOL/USD 100 -> 0.01 SOL per USDC.
    let mut bank = Bank::start().await;
    let cfg = MarketConfig {
        inverted: true,
        collateral_decimals: 6,
        debt_decimals: 9,
        ..Default::default()
    };
    let mut tm = TestMarket::create(&mut bank, cfg).await;
    let lp = tm.new_user(&mut bank, 0, 100_000_000_000).await;
    tm.lp_deposit(&mut bank, &lp, 100_000_000_000)
        .await
        .unwrap();
    let t = tm.new_user(&mut bank, 10_000_000_000, 0).await;
    // 1,000 USDC of collateral borrows up to ~9 SOL (init 10%); 9.1 SOL is refused.
    let pos = tm
        .open_levered(&mut bank, &t, tm.slabs[0], 1_000_000_000, 0)
        .await;
    assert_eq!(
        tm.borrow(&mut bank, &t, pos, 9_100_000_000)
            .await
            .unwrap_err()
            .code(),
        code_of(E::InsufficientHealth)
    );
    tm.borrow(&mut bank, &t, pos, 8_900_000_000).await.unwrap();
    // SOL rallies to 110: the short is liquidatable.
    tm.set_price(&mut bank, 110.0).await;
    let keeper = tm.new_user(&mut bank, 0, 0).await;
    tm.crank(&mut bank, &keeper, &[pos]).await.unwrap();
    assert_eq!(tm.market_state(&mut bank).await.liquidations, 1);
}

#[tokio::test]
async fn transfer_fee_mints_are_rejected() {
    let mut bank = Bank::start().await;
    let fee_mint = harness::tokens::create_fee_mint(&mut bank, 9).await;
    let debt = harness::tokens::create_mint(&mut bank, harness::tokens::TOKEN, 6).await;
    let cfg = MarketConfig {
        collateral_program: harness::tokens::TOKEN_2022,
        ..Default::default()
    };
    let e = TestMarket::create_with_mints(&mut bank, cfg, fee_mint, debt)
        .await
        .err()
        .unwrap();
    assert_eq!(e.code(), code_of(E::UnsupportedMintExtension));
}

/// A slab of 100,000 positions made through the real instructions; open,
/// close and reopen at the first, a middle and the last entries.
#[tokio::test]
async fn full_size_slab_of_100k_positions() {
    let mut bank = Bank::start().await;
    let mut tm = TestMarket::create(
        &mut bank,
        MarketConfig {
            slab_capacities: vec![],
            ..Default::default()
        },
    )
    .await;
    let cap = 100_000u32;
    let slab_kp = solana_keypair::Keypair::new();
    let len = softliq::state::slab_account_size(cap as usize);
    assert!(len <= 10 * 1024 * 1024);
    println!(
        "slab: {cap} positions, {len} bytes ({} bytes/position)",
        softliq::state::POSITION_SIZE
    );
    tm.init_slab_with(&mut bank, &slab_kp, cap, len)
        .await
        .unwrap();
    let slab = solana_signer::Signer::pubkey(&slab_kp);
    tm.slabs.push(slab);
    // Fill every entry through open_position (batched 30 per transaction),
    // then close and reopen the first, a middle and the last entries.
    tm.check_invariants = false;
    let t = tm.new_user(&mut bank, 10_000_000_000, 0).await;
    // 100,000 position deposits (72.4 SOL) on top of the user's 1 SOL.
    let deposits = cap as u64 * softliq::state::POSITION_DEPOSIT_LAMPORTS;
    bank.send(
        &[anchor_lang::solana_program::system_instruction::transfer(
            &bank.payer(),
            &t.key(),
            deposits,
        )],
        &[],
    )
    .await
    .unwrap();
    let owner_lamports0 = bank.account(&t.key()).await.unwrap().lamports;
    let market_lamports0 = bank.account(&tm.market).await.unwrap().lamports;
    let open = ix(
        softliq::accounts::OpenPosition {
            owner: t.key(),
            market: tm.market,
            slab,
            system_program: anchor_lang::system_program::ID,
        },
        softliq::instruction::OpenPosition {},
    );
    let mut opened = 0u32;
    while opened < cap {
        // 30 per transaction: each open makes one CPI (the deposit), and a
        // transaction's instruction trace holds at most 64 entries.
        let n = 30.min(cap - opened) as usize;
        bank.send(&vec![open.clone(); n], &[&t.kp]).await.unwrap();
        opened += n as u32;
    }
    let e = tm.open_position(&mut bank, &t, slab).await.unwrap_err();
    assert_eq!(e.code(), code_of(E::SlabFull));
    // Every open moved exactly one deposit from the owner into the market account.
    assert_eq!(
        bank.account(&tm.market).await.unwrap().lamports,
        market_lamports0 + deposits
    );
    assert_eq!(
        bank.account(&t.key()).await.unwrap().lamports,
        owner_lamports0 - deposits
    );
    tm.check_invariants = true;
    tm.after(&mut bank).await;
    let m = tm.market_state(&mut bank).await;
    assert_eq!(m.positions_open, cap as u64);
    for index in [0u32, 50_000, cap - 1] {
        let p = PosRef {
            slab,
            index,
            generation: 0,
        };
        tm.deposit(&mut bank, &t, p, 1_000).await.unwrap();
        tm.close(&mut bank, &t, p).await.unwrap();
    }
    assert_eq!(balance(&mut bank, &t.collateral).await, 10_000_000_000);
    // Closing returned three deposits.
    let deposit = softliq::state::POSITION_DEPOSIT_LAMPORTS;
    assert_eq!(deposit, 723_840);
    assert_eq!(
        bank.account(&t.key()).await.unwrap().lamports,
        owner_lamports0 - deposits + 3 * deposit
    );
    assert_eq!(
        bank.account(&tm.market).await.unwrap().lamports,
        market_lamports0 + deposits - 3 * deposit
    );
    // The free list hands them back last-in first-out, each with its generation bumped.
    for index in [cap - 1, 50_000, 0] {
        let p = tm.open_position(&mut bank, &t, slab).await.unwrap();
        assert_eq!((p.index, p.generation), (index, 1));
        tm.deposit(&mut bank, &t, p, 7).await.unwrap();
        assert_eq!(tm.position(&mut bank, p).await.collateral_native, 7);
        let stale = PosRef { generation: 0, ..p };
        assert_eq!(
            tm.deposit(&mut bank, &t, stale, 1)
                .await
                .unwrap_err()
                .code(),
            code_of(E::StaleGeneration)
        );
    }
    assert_eq!(
        tm.open_position(&mut bank, &t, slab)
            .await
            .unwrap_err()
            .code(),
        code_of(E::SlabFull)
    );
    // Capacity larger than the account is refused; capacity 0 too.
    let small = solana_keypair::Keypair::new();
    let e = tm
        .init_slab_with(
            &mut bank,
            &small,
            1_000,
            softliq::state::slab_account_size(999),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::BadAccountLayout));
    let zero = solana_keypair::Keypair::new();
    let e = tm
        .init_slab_with(&mut bank, &zero, 0, softliq::state::slab_account_size(1))
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::BadCapacity));
    let huge = solana_keypair::Keypair::new();
    let e = tm
        .init_slab_with(&mut bank, &huge, 200_000, 10 * 1024 * 1024)
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::BadCapacity));
}
