//! Heap per handler. SBF gives a program 32 KiB through a bump allocator that
//! never frees. The 32 KiB bound itself is proven in the VM: with
//! `SOFTLIQ_SBF=1` (as `.ci/run` runs this suite a second time) these tests
//! run every handler, and the crank at 64 entries over a 100,000-position
//! slab, on the real heap, where running out aborts the transaction.
//! Natively the counting allocator measures the bytes a handler allocates
//! (the bump model, docs/sbf.md); that count also includes program-test's
//! native syscall stubs (CPI account copies, log formatting), which on SBF
//! run outside the program's heap, so natively only its shape is asserted:
//! it does not grow with the slab size or the number of lots.
use anchor_lang::Discriminator;
use harness::bank::Bank;
use harness::heap;
use harness::market::{MarketConfig, TestMarket};
use softliq::state::MarketParams;

async fn crank_heap(slab_capacity: u32, lots_before: usize) -> usize {
    let mut bank = Bank::start().await;
    let params = MarketParams {
        liq_ramp_slots: 0,
        max_liq_notional_per_slot: 0,
        ..MarketParams::default_soft()
    };
    let cfg = MarketConfig {
        params,
        slab_capacities: vec![],
        lot_capacity: 1_024,
        ..Default::default()
    };
    let mut tm = TestMarket::create(&mut bank, cfg).await;
    tm.add_slab(&mut bank, slab_capacity).await.unwrap();
    let slab = tm.slabs[0];
    let lp = tm.new_user(&mut bank, 0, 1_001_000_000_000).await;
    tm.lp_deposit(&mut bank, &lp, 1_000_000_000_000)
        .await
        .unwrap();
    tm.insurance_deposit(&mut bank, &lp, 1_000_000_000)
        .await
        .unwrap();
    let keeper = tm.new_user(&mut bank, 0, 0).await;
    let trader = tm.new_user(&mut bank, 1_000_000_000_000, 0).await;
    let mut ps = vec![];
    for _ in 0..(64 + lots_before) {
        ps.push(
            tm.open_levered(&mut bank, &trader, slab, 1_000_000_000, 89_900_000)
                .await,
        );
    }
    tm.set_price(&mut bank, 94.0).await;
    for chunk in ps[64..].chunks(32) {
        tm.crank(&mut bank, &keeper, chunk).await.unwrap();
    }
    heap::reset();
    tm.crank(&mut bank, &keeper, &ps[..64]).await.unwrap();
    if bank.sbf {
        // In the VM the crank just ran on the real 32 KiB heap.
        return 1;
    }
    assert_eq!(
        tm.market_state(&mut bank).await.liquidations,
        (64 + lots_before) as u64
    );
    heap::used_of(softliq::instruction::CrankLiquidate::DISCRIMINATOR)
}

#[tokio::test]
async fn crank_heap_is_small_and_independent_of_slab_size_and_lots() {
    let small = crank_heap(64, 0).await;
    let big = crank_heap(100_000, 0).await;
    let many_lots = crank_heap(256, 192).await;
    println!("crank of 64 liquidations, heap allocated (native, stubs included): slab 64 -> {small} B, slab 100,000 -> {big} B, 192 lots open -> {many_lots} B");
    assert!(small > 0, "the counting allocator is installed");
    assert_eq!(small, big, "heap does not grow with slab size");
    assert_eq!(
        small, many_lots,
        "heap does not grow with the number of lots"
    );
}

/// Every handler runs (in the VM with `SOFTLIQ_SBF=1`, where the 32 KiB heap
/// is real); natively each one's allocation is measured and printed.
#[tokio::test]
async fn every_handler_stays_below_the_sbf_heap() {
    use softliq::instruction as ixn;
    let mut bank = Bank::start().await;
    let params = MarketParams {
        liq_ramp_slots: 0,
        insurance_withdraw_cooldown_slots: 0,
        ..MarketParams::default_soft()
    };
    let mut tm = TestMarket::create(
        &mut bank,
        MarketConfig {
            params,
            ..Default::default()
        },
    )
    .await;
    let lp = tm.new_user(&mut bank, 0, 2_000_000_000_000).await;
    tm.lp_deposit(&mut bank, &lp, 1_000_000_000_000)
        .await
        .unwrap();
    tm.insurance_deposit(&mut bank, &lp, 1_000_000_000)
        .await
        .unwrap();
    let t = tm
        .new_user(&mut bank, 100_000_000_000, 10_000_000_000)
        .await;
    let pos = tm
        .open_levered(&mut bank, &t, tm.slabs[0], 20_000_000_000, 1_798_000_000)
        .await;
    tm.withdraw(&mut bank, &t, pos, 1).await.unwrap();
    tm.update_params(&mut bank, params, 0).await.unwrap();
    let risk = softliq::state::RiskParams {
        depth_native: 1_000_000_000_000,
        budget_depth_bps: 100,
        ..softliq::state::RiskParams::static_default()
    };
    tm.set_risk_params(&mut bank, risk).await.unwrap();
    tm.refresh_risk(&mut bank).await.unwrap();
    tm.set_price(&mut bank, 94.0).await;
    tm.crank(&mut bank, &lp, &[pos]).await.unwrap();
    let (l, _) = tm.open_lots(&mut bank).await[0];
    tm.take(&mut bank, &lp, l, 1_000_000_000, u64::MAX)
        .await
        .unwrap();
    tm.set_price(&mut bank, 110.0).await;
    tm.redeem(&mut bank, &t, l, pos.slab).await.unwrap();
    tm.repay(&mut bank, &t, pos, u64::MAX).await.unwrap();
    tm.close(&mut bank, &t, pos).await.unwrap();
    tm.insurance_request(&mut bank, &lp, 1_000).await.unwrap();
    tm.insurance_withdraw(&mut bank, &lp).await.unwrap();
    tm.lp_withdraw(&mut bank, &lp, 1_000_000).await.unwrap();
    let handlers: [(&str, &[u8]); 18] = [
        ("initialize_market", ixn::InitializeMarket::DISCRIMINATOR),
        ("update_params", ixn::UpdateParams::DISCRIMINATOR),
        ("set_risk_params", ixn::SetRiskParams::DISCRIMINATOR),
        ("refresh_risk", ixn::RefreshRisk::DISCRIMINATOR),
        ("init_slab", ixn::InitSlab::DISCRIMINATOR),
        ("lp_deposit", ixn::LpDeposit::DISCRIMINATOR),
        ("lp_withdraw", ixn::LpWithdraw::DISCRIMINATOR),
        ("open_position", ixn::OpenPosition::DISCRIMINATOR),
        ("deposit_collateral", ixn::DepositCollateral::DISCRIMINATOR),
        (
            "withdraw_collateral",
            ixn::WithdrawCollateral::DISCRIMINATOR,
        ),
        ("borrow", ixn::Borrow::DISCRIMINATOR),
        ("repay", ixn::Repay::DISCRIMINATOR),
        ("close_position", ixn::ClosePosition::DISCRIMINATOR),
        ("crank_liquidate", ixn::CrankLiquidate::DISCRIMINATOR),
        ("auction_take", ixn::AuctionTake::DISCRIMINATOR),
        ("auction_redeem", ixn::AuctionRedeem::DISCRIMINATOR),
        ("insurance_deposit", ixn::InsuranceDeposit::DISCRIMINATOR),
        ("insurance_withdraw", ixn::InsuranceWithdraw::DISCRIMINATOR),
    ];
    if bank.sbf {
        assert_eq!(tm.market_state(&mut bank).await.liquidations, 1);
        return;
    }
    for (name, disc) in handlers {
        let used = heap::used_of(disc);
        println!("heap allocated {name} (native, stubs included): {used} B");
        assert!(used > 0, "{name} was measured");
    }
}
