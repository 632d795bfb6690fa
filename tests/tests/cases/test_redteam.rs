//! Red team, second round: the seven holes found by attack tests written as
//! an outsider would (docs/security.md, "Red team, second round"). Each test
//! replays the attack and asserts that it now fails with a precise error and
//! changes nothing, or is accounted exactly. All of them fail on the commit
//! before the fixes.
use harness::bank::{code_of, Bank};
use harness::market::{
    funded, ix, shares_at, Funded, LotRef, MarketConfig, PosRef, TestMarket, TestUser,
};
use harness::pyth;
use harness::tokens::{self, balance, MintExt, TOKEN, TOKEN_2022};
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use softliq::engine::interest::MAX_BORROW_INDEX;
use softliq::engine::params::{MAX_MARGIN_RAISE_BPS, PARAMS_NOTICE_SLOTS};
use softliq::error::SoftliqError as E;
use softliq::instructions::INSURANCE_WITHDRAW_WINDOW_SLOTS;
use softliq::state::MarketParams;

const SOL: u64 = 1_000_000_000;
const USDC: u64 = 1_000_000;

// ---- 1. mints whose extensions or authorities reach the vaults ----

#[tokio::test]
async fn mints_that_let_others_move_freeze_close_or_rescale_vault_funds_are_refused() {
    let mut bank = Bank::start().await;
    let usdc = tokens::create_mint(&mut bank, TOKEN, 6).await;
    let t22 = MarketConfig {
        collateral_program: TOKEN_2022,
        ..Default::default()
    };
    for ext in [
        MintExt::CloseAuthority,
        MintExt::PermanentDelegate,
        MintExt::InterestBearing,
        MintExt::ScaledUiAmount,
        MintExt::Pausable,
        MintExt::DefaultFrozen,
        MintExt::TransferFee,
    ] {
        let sol = tokens::create_mint_ext(&mut bank, 9, ext, false).await;
        let e = TestMarket::create_with_mints(&mut bank, t22.clone(), sol, usdc)
            .await
            .err()
            .unwrap_or_else(|| panic!("{ext:?} collateral accepted"));
        assert_eq!(e.code(), code_of(E::UnsupportedMintExtension), "{ext:?}");
    }
    // The same on the debt side.
    let sol = tokens::create_mint(&mut bank, TOKEN, 9).await;
    let delegate_usd =
        tokens::create_mint_ext(&mut bank, 6, MintExt::PermanentDelegate, false).await;
    let debt22 = MarketConfig {
        debt_program: TOKEN_2022,
        ..Default::default()
    };
    let e = TestMarket::create_with_mints(&mut bank, debt22.clone(), sol, delegate_usd)
        .await
        .err()
        .expect("permanent-delegate debt mint accepted");
    assert_eq!(e.code(), code_of(E::UnsupportedMintExtension));
    // A freeze authority on the collateral: frozen collateral could be
    // borrowed against but neither withdrawn nor seized.
    let freezable = tokens::create_freezable_mint(&mut bank, 9).await;
    let e = TestMarket::create_with_mints(&mut bank, MarketConfig::default(), freezable, usdc)
        .await
        .err()
        .expect("freezable collateral accepted");
    assert_eq!(e.code(), code_of(E::FreezeAuthorityNotAllowed));
    // Accepted: metadata only on the collateral; a debt mint with a freeze
    // authority (USDC's issuer risk, documented).
    let meta = tokens::create_mint_ext(&mut bank, 9, MintExt::MetadataPointer, false).await;
    let plain = tokens::create_mint_ext(&mut bank, 9, MintExt::Plain, false).await;
    let usdc_like = tokens::create_freezable_mint(&mut bank, 6).await;
    for c in [meta, plain] {
        let tm = TestMarket::create_with_mints(&mut bank, t22.clone(), c, usdc_like)
            .await
            .expect("metadata-only collateral and a freezable debt mint are accepted");
        assert_eq!(tm.market_state(&mut bank).await.collateral_mint, c);
    }
}

// ---- 2. interest that overflows the borrow index ----

#[tokio::test]
async fn interest_saturates_and_never_locks_repayment_liquidation_or_updates() {
    // The steepest rate curve the bounds allow.
    let params = MarketParams {
        borrow_rate_base_bps: 10_000,
        borrow_rate_slope1_bps: 50_000,
        borrow_rate_slope2_bps: 200_000,
        borrow_rate_kink_bps: 8_000,
        liq_ramp_slots: 0,
        max_liq_notional_per_slot: 0,
        ..MarketParams::default_soft()
    };
    let mut bank = Bank::start().await;
    let cfg = MarketConfig {
        params,
        ..Default::default()
    };
    let mut tm = TestMarket::create(&mut bank, cfg).await;
    let lp = tm.new_user(&mut bank, 0, 10 * USDC).await;
    tm.lp_deposit(&mut bank, &lp, 4 * USDC).await.unwrap();
    tm.insurance_deposit(&mut bank, &lp, 5 * USDC)
        .await
        .unwrap();
    let alice = tm.new_user(&mut bank, 20 * SOL, 100_000 * USDC).await;
    let bob = tm.new_user(&mut bank, 20 * SOL, 0).await;
    let a = tm
        .open_levered(&mut bank, &alice, tm.slabs[0], 10 * SOL, 1_800_000)
        .await;
    let b = tm
        .open_levered(&mut bank, &bob, tm.slabs[0], 10 * SOL, 1_800_000)
        .await;
    // Two gaps of u32::MAX slots (about 54 years each), each ended by an accrual.
    for _ in 0..2 {
        let s = bank.slot().await;
        bank.warp_to(s + u32::MAX as u64).await;
        tm.set_price(&mut bank, 100.0).await;
        tm.repay(&mut bank, &alice, a, USDC).await.unwrap();
    }
    let m = tm.market_state(&mut bank).await;
    assert_eq!(m.borrow_index, MAX_BORROW_INDEX, "the index saturated");
    // Repay works: Alice pays her whole (10,000×) debt.
    let debt = tm.debt_of(&mut bank, a).await;
    assert!(debt > 17_000 * USDC, "debt grew to {debt}");
    let before = balance(&mut bank, &alice.debt).await;
    tm.repay(&mut bank, &alice, a, u64::MAX).await.unwrap();
    assert_eq!(before - balance(&mut bank, &alice.debt).await, debt);
    assert_eq!(tm.position(&mut bank, a).await.debt_shares, 0);
    tm.withdraw(&mut bank, &alice, a, 10 * SOL).await.unwrap();
    // The crank works: Bob's position, underwater, is seized whole.
    tm.crank(&mut bank, &lp, &[b]).await.unwrap();
    let pb = tm.position(&mut bank, b).await;
    assert_eq!((pb.collateral_native, pb.debt_shares), (0, 0));
    // The admin can still update (here: announce a lower rate).
    let lower = MarketParams {
        borrow_rate_base_bps: 100,
        ..params
    };
    tm.update_params(&mut bank, lower, 0).await.unwrap();
    assert_eq!(tm.market_state(&mut bank).await.pending_params, lower);
}

// ---- 3. an older verified oracle update ----

#[tokio::test]
async fn an_older_oracle_update_cannot_be_picked() {
    let Funded {
        mut bank,
        mut tm,
        keeper,
        trader,
    } = funded(MarketConfig::default()).await;
    let pos = tm
        .open_levered(&mut bank, &trader, tm.slabs[0], 10 * SOL, 1)
        .await;
    // The latest price (100) was used by the borrow above.
    let c = bank.clock().await;
    let older = harness::pyth::usd_feed(104.0, c.slot, c.unix_timestamp - 55);
    // 920 USDC: refused at 100 (init margin 10%), allowed at 104.
    let want = 920 * USDC;
    let before = tm.snapshot(&mut bank).await;
    // (a) The older update posted at another address.
    let elsewhere = anchor_lang::prelude::Pubkey::new_unique();
    bank.set_account(
        &elsewhere,
        pyth::pull_account(tm.feed_id, &older, VerificationLevel::Full),
    );
    let mut a = tm.borrow_accounts(&trader, pos);
    a.oracle = elsewhere;
    let d = softliq::instruction::Borrow {
        index: pos.index,
        generation: pos.generation,
        amount: want,
    };
    let e = tm
        .exec(&mut bank, ix(a, d), &[&trader.kp])
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::OracleWrongAccount));
    // (b) The older update written over the market's own oracle account.
    tm.set_feed(&mut bank, older).await;
    let e = tm.borrow(&mut bank, &trader, pos, want).await.unwrap_err();
    assert_eq!(e.code(), code_of(E::OracleOlderThanLast));
    // A keeper cannot crank with it either.
    let e = tm.crank(&mut bank, &keeper, &[pos]).await.unwrap_err();
    assert_eq!(e.code(), code_of(E::OracleOlderThanLast));
    assert_eq!(tm.snapshot(&mut bank).await, before, "nothing changed");
    // With the latest price back, the borrow is refused by health.
    tm.set_price(&mut bank, 100.0).await;
    let e = tm.borrow(&mut bank, &trader, pos, want).await.unwrap_err();
    assert_eq!(e.code(), code_of(E::InsufficientHealth));
}

// ---- 4. the admin liquidating everyone in one slot ----

#[tokio::test]
async fn no_parameter_update_makes_a_healthy_book_liquidatable_at_once() {
    let Funded {
        mut bank,
        mut tm,
        keeper,
        trader,
    } = funded(MarketConfig::default()).await;
    let mut book: Vec<PosRef> = vec![];
    for _ in 0..20 {
        // Loan-to-value 80%: healthy with 5% maintenance.
        book.push(
            tm.open_levered(&mut bank, &trader, tm.slabs[0], 3 * SOL, 240 * USDC)
                .await,
        );
    }
    let current = MarketParams::default_soft();
    // The red-team call: maintenance 5% → 50%, penalty 0.5% → 20%.
    let jump = MarketParams {
        init_margin_bps: 6_000,
        target_margin_bps: 5_500,
        maint_margin_bps: 5_000,
        liquidation_penalty_bps: 2_000,
        ..current
    };
    let before = tm.snapshot(&mut bank).await;
    let e = tm.update_params(&mut bank, jump, 0).await.unwrap_err();
    assert_eq!(e.code(), code_of(E::MarginRaiseTooLarge));
    assert_eq!(tm.snapshot(&mut bank).await, before);
    // One step (+1% maintenance, +1% penalty) is announced, not applied.
    let step = MarketParams {
        init_margin_bps: current.init_margin_bps + MAX_MARGIN_RAISE_BPS,
        target_margin_bps: current.target_margin_bps + MAX_MARGIN_RAISE_BPS,
        maint_margin_bps: current.maint_margin_bps + MAX_MARGIN_RAISE_BPS,
        liquidation_penalty_bps: current.liquidation_penalty_bps + MAX_MARGIN_RAISE_BPS,
        ..current
    };
    let announced = bank.slot().await;
    tm.update_params(&mut bank, step, 0).await.unwrap();
    let m = tm.market_state(&mut bank).await;
    assert_eq!(m.params, current);
    assert_eq!((m.pending_params, m.pending_params_slot), (step, announced));
    // Repeating it before the notice applies nothing either.
    bank.warp_to(announced + PARAMS_NOTICE_SLOTS - 1).await;
    tm.set_price(&mut bank, 100.0).await;
    tm.update_params(&mut bank, step, 0).await.unwrap();
    assert_eq!(tm.market_state(&mut bank).await.params, current);
    tm.crank(&mut bank, &keeper, &book).await.unwrap();
    assert_eq!(tm.market_state(&mut bank).await.liquidations, 0);
    // After the notice the same update applies; the book is still healthy.
    tm.next_slot(&mut bank, 100.0).await;
    tm.update_params(&mut bank, step, 0).await.unwrap();
    let m = tm.market_state(&mut bank).await;
    assert_eq!((m.params, m.pending_params_slot), (step, 0));
    tm.crank(&mut bank, &keeper, &book).await.unwrap();
    assert_eq!(tm.market_state(&mut bank).await.liquidations, 0);
    // Sending the parameters in force withdraws an announcement.
    tm.update_params(&mut bank, current, 0).await.unwrap();
    tm.update_params(&mut bank, step, 0).await.unwrap();
    let m = tm.market_state(&mut bank).await;
    assert_eq!((m.params, m.pending_params_slot), (step, 0));
}

// ---- 5. an auction past its last paid reset ----

#[tokio::test]
async fn an_auction_past_its_resets_keeps_its_floor() {
    let params = MarketParams {
        liq_ramp_slots: 0,
        max_liq_notional_per_slot: 0,
        auction_curve: softliq::engine::auction::CURVE_LINEAR,
        auction_tau_slots: 100,
        auction_tail_slots: 50,
        auction_cusp_bps: 6_000,
        auction_max_resets: 1,
        ..MarketParams::default_soft()
    };
    let Funded {
        mut bank,
        mut tm,
        keeper,
        trader,
    } = funded(MarketConfig {
        params,
        ..Default::default()
    })
    .await;
    let bidder = tm.new_user(&mut bank, 0, 10_000 * USDC).await;
    let pos = tm
        .open_levered(&mut bank, &trader, tm.slabs[0], 10 * SOL, 899 * USDC)
        .await;
    tm.next_slot(&mut bank, 94.0).await;
    tm.crank(&mut bank, &keeper, &[pos]).await.unwrap();
    let (lot, _) = tm.open_lots(&mut bank).await[0];
    // The one paid reset.
    let s = bank.slot().await;
    bank.warp_to(s + 51).await;
    tm.set_price(&mut bank, 94.0).await;
    let ins = tm.market_state(&mut bank).await.insurance_balance_native;
    tm.reset(&mut bank, &keeper, lot).await.unwrap();
    let paid = ins - tm.market_state(&mut bank).await.insurance_balance_native;
    assert_eq!(paid, params.auction_reset_tip_native);
    // Past tau the curve is at zero: no take below the floor.
    let s = bank.slot().await;
    bank.warp_to(s + 120).await;
    tm.set_price(&mut bank, 94.0).await;
    let before = tm.snapshot(&mut bank).await;
    let e = tm
        .take(&mut bank, &bidder, lot, u64::MAX, 1)
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::LotNeedsReset));
    assert_eq!(tm.snapshot(&mut bank).await, before);
    // A free reset re-prices it at the oracle; the sale is then at ≥ cusp × oracle.
    let ins = tm.market_state(&mut bank).await.insurance_balance_native;
    tm.reset(&mut bank, &bidder, lot).await.unwrap();
    let m = tm.market_state(&mut bank).await;
    assert_eq!(
        m.insurance_balance_native, ins,
        "no tip past the paid resets"
    );
    let l = tm.lot(&mut bank, lot).await;
    assert_eq!(l.resets, 2);
    let collateral = l.collateral_native;
    let before_debt = balance(&mut bank, &bidder.debt).await;
    let before_coll = balance(&mut bank, &bidder.collateral).await;
    tm.take(&mut bank, &bidder, lot, u64::MAX, u64::MAX)
        .await
        .unwrap();
    let got = balance(&mut bank, &bidder.collateral).await - before_coll;
    let spent = (before_debt - balance(&mut bank, &bidder.debt).await) as u128;
    assert!(got > 0 && got <= collateral);
    // Paid at least 60% (the cusp) of 94 USD per SOL taken.
    assert!(
        spent * 1_000 >= got as u128 * 94 * 6 / 10,
        "paid {spent} for {got} lamports"
    );
}

// ---- 6. exits ahead of a certain loss ----

/// Two LPs of 1,000 USDC, a 10 USDC insurance fund whose staker asked to
/// leave, and a position that a crash to 80 leaves insolvent (10 SOL, debt 899).
/// A market without ramp or budget whose insurance cooldown is 20 slots.
async fn short_cooldown_market() -> (Bank, TestMarket) {
    let params = MarketParams {
        liq_ramp_slots: 0,
        max_liq_notional_per_slot: 0,
        insurance_withdraw_cooldown_slots: 20,
        ..MarketParams::default_soft()
    };
    let mut bank = Bank::start().await;
    let tm = TestMarket::create(
        &mut bank,
        MarketConfig {
            params,
            ..Default::default()
        },
    )
    .await;
    (bank, tm)
}

async fn crash_market() -> (Bank, TestMarket, [TestUser; 3], PosRef) {
    let (mut bank, mut tm) = short_cooldown_market().await;
    let lp_a = tm.new_user(&mut bank, 0, 10_000 * USDC).await;
    let lp_b = tm.new_user(&mut bank, 0, 10_000 * USDC).await;
    let staker = tm.new_user(&mut bank, 0, 10_000 * USDC).await;
    tm.lp_deposit(&mut bank, &lp_a, 1_000 * USDC).await.unwrap();
    tm.lp_deposit(&mut bank, &lp_b, 1_000 * USDC).await.unwrap();
    tm.insurance_deposit(&mut bank, &staker, 10 * USDC)
        .await
        .unwrap();
    let shares = tm.market_state(&mut bank).await.insurance_shares_total;
    tm.insurance_request(&mut bank, &staker, shares)
        .await
        .unwrap();
    let trader = tm.new_user(&mut bank, 10 * SOL, 0).await;
    let pos = tm
        .open_levered(&mut bank, &trader, tm.slabs[0], 10 * SOL, 899 * USDC)
        .await;
    let s = bank.slot().await;
    bank.warp_to(s + 25).await;
    tm.set_price(&mut bank, 80.0).await;
    (bank, tm, [lp_a, lp_b, staker], pos)
}

/// Crank, sell the lot at its start price and settle what it missed.
async fn crank_sell_settle(bank: &mut Bank, tm: &mut TestMarket, pos: PosRef) {
    let bidder = tm.new_user(bank, 0, 10_000 * USDC).await;
    tm.crank(bank, &bidder, &[pos]).await.unwrap();
    let (lot, _): (LotRef, _) = tm.open_lots(bank).await[0];
    tm.take(bank, &bidder, lot, u64::MAX, u64::MAX)
        .await
        .unwrap();
    if !tm.open_lots(bank).await.is_empty() {
        tm.settle(bank, &bidder, lot).await.unwrap();
    }
}

#[tokio::test]
async fn lenders_and_stakers_cannot_exit_ahead_of_a_certain_loss() {
    // Honest order: the loss is settled first, then LP A leaves.
    let (mut bank, mut tm, [lp_a, _, _], pos) = crash_market().await;
    crank_sell_settle(&mut bank, &mut tm, pos).await;
    let honest = tm.market_state(&mut bank).await;
    let socialized_honest = honest.bad_debt_socialized_native;
    let before = balance(&mut bank, &lp_a.debt).await;
    let shares = tm.lp_shares(&mut bank, &lp_a.key()).await;
    tm.lp_withdraw(&mut bank, &lp_a, shares).await.unwrap();
    let late_exit = balance(&mut bank, &lp_a.debt).await - before;
    assert!(socialized_honest > 0 && late_exit < 1_000 * USDC);

    // The race: LP A leaves after the crash, before any crank.
    let (mut bank, mut tm, [lp_a, _, staker], pos) = crash_market().await;
    let before = balance(&mut bank, &lp_a.debt).await;
    let shares = tm.lp_shares(&mut bank, &lp_a.key()).await;
    tm.lp_withdraw(&mut bank, &lp_a, shares).await.unwrap();
    let early_exit = balance(&mut bank, &lp_a.debt).await - before;
    println!("LP A: {early_exit} before the crank, {late_exit} after settlement");
    assert!(
        early_exit <= late_exit,
        "leaving first is never better: {early_exit} > {late_exit}"
    );
    // The staker (cooldown passed) races too: the fund owes more than it
    // holds, so the exit pays nothing and the fund still covers the loss.
    let before = balance(&mut bank, &staker.debt).await;
    tm.insurance_withdraw(&mut bank, &staker).await.unwrap();
    assert_eq!(balance(&mut bank, &staker.debt).await, before);
    assert_eq!(
        tm.market_state(&mut bank).await.insurance_balance_native,
        10 * USDC
    );
    crank_sell_settle(&mut bank, &mut tm, pos).await;
    // The same loss, borne the same way as in the honest order.
    let m = tm.market_state(&mut bank).await;
    assert_eq!(
        m.bad_debt_insurance_native,
        honest.bad_debt_insurance_native
    );
    assert_eq!(m.bad_debt_socialized_native, socialized_honest);
}

#[tokio::test]
async fn an_insurance_exit_window_expires() {
    let (mut bank, mut tm, [_, _, staker], _) = crash_market().await;
    // Cooldown 20 slots, window after it; the request was made 25 slots ago.
    let s = bank.slot().await;
    bank.warp_to(s + INSURANCE_WITHDRAW_WINDOW_SLOTS).await;
    tm.set_price(&mut bank, 100.0).await;
    let before = tm.snapshot(&mut bank).await;
    let e = tm.insurance_withdraw(&mut bank, &staker).await.unwrap_err();
    assert_eq!(e.code(), code_of(E::WithdrawWindowExpired));
    assert_eq!(tm.snapshot(&mut bank).await, before);
    // A new request, a new cooldown.
    let shares = tm.market_state(&mut bank).await.insurance_shares_total;
    tm.insurance_request(&mut bank, &staker, shares)
        .await
        .unwrap();
    let e = tm.insurance_withdraw(&mut bank, &staker).await.unwrap_err();
    assert_eq!(e.code(), code_of(E::CooldownNotElapsed));
}

// ---- 7. the last staker ----

#[tokio::test]
async fn the_last_staker_takes_what_is_there_even_zero() {
    let (mut bank, mut tm) = short_cooldown_market().await;
    let lp = tm.new_user(&mut bank, 0, 10_000 * USDC).await;
    tm.lp_deposit(&mut bank, &lp, 5_000 * USDC).await.unwrap();
    let staker = tm.new_user(&mut bank, 0, 1_000 * USDC).await;
    tm.insurance_deposit(&mut bank, &staker, 100 * USDC)
        .await
        .unwrap();
    let keeper = tm.new_user(&mut bank, 0, 0).await;
    let trader = tm.new_user(&mut bank, 10 * SOL, 0).await;
    // A small loss covered by the fund (and the keeper's pay): it falls
    // below its shares, as in the red-team case (98,657,778 for 1e8 shares).
    let pos = tm
        .open_levered(&mut bank, &trader, tm.slabs[0], 10 * SOL, 899 * USDC)
        .await;
    tm.next_slot(&mut bank, 88.0).await;
    tm.crank(&mut bank, &keeper, &[pos]).await.unwrap();
    let bidder = tm.new_user(&mut bank, 0, 10_000 * USDC).await;
    let (lot, _) = tm.open_lots(&mut bank).await[0];
    tm.take(&mut bank, &bidder, lot, u64::MAX, u64::MAX)
        .await
        .unwrap();
    tm.settle(&mut bank, &bidder, lot).await.unwrap();
    let m = tm.market_state(&mut bank).await;
    assert!(m.bad_debt_insurance_native > 0 && m.bad_debt_socialized_native == 0);
    assert!(m.insurance_balance_native < m.insurance_shares_total);
    // Asking for fewer shares keeps the cooldown running.
    let shares = m.insurance_shares_total;
    tm.insurance_request(&mut bank, &staker, shares)
        .await
        .unwrap();
    let s = bank.slot().await;
    bank.warp_to(s + 19).await;
    tm.insurance_request(&mut bank, &staker, shares / 2)
        .await
        .unwrap();
    bank.warp_to(s + 20).await;
    tm.set_price(&mut bank, 88.0).await;
    tm.insurance_withdraw(&mut bank, &staker).await.unwrap();
    // The rest: the last holder takes exactly what is there.
    tm.insurance_request(&mut bank, &staker, shares - shares / 2)
        .await
        .unwrap();
    let s = bank.slot().await;
    bank.warp_to(s + 20).await;
    tm.set_price(&mut bank, 88.0).await;
    let left = tm.market_state(&mut bank).await.insurance_balance_native;
    let before = balance(&mut bank, &staker.debt).await;
    tm.insurance_withdraw(&mut bank, &staker).await.unwrap();
    assert_eq!(balance(&mut bank, &staker.debt).await - before, left);
    let m = tm.market_state(&mut bank).await;
    assert_eq!(
        (m.insurance_balance_native, m.insurance_shares_total),
        (0, 0)
    );
    assert_eq!(balance(&mut bank, &tm.insurance_vault).await, 0);

    // A fund emptied by a loss: its stakers' withdrawals pay 0, they do not fail.
    tm.insurance_deposit(&mut bank, &staker, USDC)
        .await
        .unwrap();
    let two = tm.new_user(&mut bank, 0, 1_000 * USDC).await;
    tm.insurance_deposit(&mut bank, &two, USDC).await.unwrap();
    let victim = tm.new_user(&mut bank, 10 * SOL, 0).await;
    tm.set_price(&mut bank, 100.0).await;
    let p2 = tm
        .open_levered(&mut bank, &victim, tm.slabs[0], 10 * SOL, 899 * USDC)
        .await;
    tm.next_slot(&mut bank, 50.0).await;
    tm.crank(&mut bank, &keeper, &[p2]).await.unwrap();
    let (lot, _) = tm.open_lots(&mut bank).await[0];
    tm.take(&mut bank, &bidder, lot, u64::MAX, u64::MAX)
        .await
        .unwrap();
    tm.settle(&mut bank, &bidder, lot).await.unwrap();
    let m = tm.market_state(&mut bank).await;
    assert_eq!(m.insurance_balance_native, 0);
    assert!(m.insurance_shares_total > 0);
    let shares = shares_at(&mut bank, &tm.stake_account(&two.key())).await;
    tm.insurance_request(&mut bank, &two, shares).await.unwrap();
    let s = bank.slot().await;
    bank.warp_to(s + 20).await;
    tm.set_price(&mut bank, 50.0).await;
    let before = balance(&mut bank, &two.debt).await;
    tm.insurance_withdraw(&mut bank, &two).await.unwrap();
    assert_eq!(balance(&mut bank, &two.debt).await, before);
}
