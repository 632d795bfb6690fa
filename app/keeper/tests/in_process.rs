//! The keeper against the real program in process (the harness's bank),
//! with the harness's invariant checker run after every transaction it sends.
#![cfg(feature = "in-process")]

use harness::market::{PosRef, TestUser};
use harness::tokens::balance;
use harness::{Bank, MarketConfig, TestMarket};
use softliq::engine::health;
use softliq::state::MarketParams;
use softliq_keeper::backend::{Backend, InProcess};
use softliq_keeper::keeper::{Keeper, KeeperConfig};

struct Setup {
    bank: Bank,
    tm: TestMarket,
    keeper: TestUser,
    risky: Vec<PosRef>,
    safe: PosRef,
}

/// Two slabs; five positions that a fall from 100 to 88 puts below
/// maintenance (three on the first slab, two on the second), one that stays safe.
async fn setup() -> Setup {
    setup_with(MarketParams::default_soft()).await
}

/// [`setup`] on a market with `base` (no ramp, no budget).
async fn setup_with(base: MarketParams) -> Setup {
    let mut bank = Bank::start().await;
    let params = MarketParams {
        liq_ramp_slots: 0,
        max_liq_notional_per_slot: 0,
        ..base
    };
    let cfg = MarketConfig {
        params,
        slab_capacities: vec![16, 16],
        lot_capacity: 64,
        ..Default::default()
    };
    let mut tm = TestMarket::create(&mut bank, cfg).await;
    let lp = tm.new_user(&mut bank, 0, 2_000_000_000_000).await;
    tm.lp_deposit(&mut bank, &lp, 1_000_000_000_000)
        .await
        .unwrap();
    tm.insurance_deposit(&mut bank, &lp, 1_000_000_000)
        .await
        .unwrap();
    let keeper = tm.new_user(&mut bank, 0, 100_000_000_000).await;
    let trader = tm.new_user(&mut bank, 1_000_000_000_000, 0).await;
    let (s0, s1) = (tm.slabs[0], tm.slabs[1]);
    let mut risky = vec![];
    for (slab, debt) in [
        (s0, 850_000_000),
        (s0, 855_000_000),
        (s0, 852_000_000),
        (s1, 860_000_000),
        (s1, 851_000_000),
    ] {
        risky.push(
            tm.open_levered(&mut bank, &trader, slab, 10_000_000_000, debt)
                .await,
        );
    }
    let safe = tm
        .open_levered(&mut bank, &trader, s1, 10_000_000_000, 300_000_000)
        .await;
    tm.set_price(&mut bank, 88.0).await;
    Setup {
        bank,
        tm,
        keeper,
        risky,
        safe,
    }
}

fn config(k: &TestUser) -> KeeperConfig {
    KeeperConfig::new(k.debt, k.collateral)
}

#[tokio::test]
async fn one_crank_iteration_liquidates_every_position_below_maintenance() {
    let Setup {
        mut bank,
        mut tm,
        keeper,
        risky,
        safe,
    } = setup().await;
    let market = tm.market;
    let checks_before = tm.checks;
    assert_eq!(tm.market_state(&mut bank).await.liquidations, 0);

    let mut k = Keeper::new(market, config(&keeper));
    let report = {
        let mut b = InProcess::new(&mut bank, &keeper.kp).with_market(&mut tm);
        assert_eq!(b.keeper(), keeper.key());
        // The scan first: the program's health, ranked.
        let scan = k.scan(&mut b, None, None).await.unwrap();
        let price = scan.oracle.as_ref().unwrap().price.price;
        assert!(scan.oracle.as_ref().unwrap().guard.is_ok());
        assert_eq!(scan.positions.len(), 6);
        assert_eq!(scan.positions.iter().filter(|p| p.liquidatable).count(), 5);
        assert!(
            !scan.positions.last().unwrap().liquidatable,
            "the safe position ranks last"
        );
        assert_eq!(scan.positions.last().unwrap().candidate.index, safe.index);
        for p in &scan.positions {
            let c = p.candidate;
            assert_eq!(
                health::health(c.collateral_native, c.debt_native, price, 500),
                Some(c.health_maint)
            );
        }
        assert!(scan
            .positions
            .windows(2)
            .all(|w| w[0].candidate.health_maint <= w[1].candidate.health_maint));
        // One keeper iteration.
        k.crank_once(&mut b).await.unwrap()
    };
    assert_eq!(report.skipped, None);
    assert_eq!(report.slabs, 2);
    assert_eq!(report.candidates, 5);
    assert_eq!(report.batches, 2, "one crank per slab");
    assert_eq!((report.sent, report.failed), (2, 0), "{:?}", report.errors);
    assert_eq!(report.entries, 5);
    assert_eq!(report.liquidations, 5);

    let m = tm.market_state(&mut bank).await;
    assert_eq!(m.liquidations, 5);
    assert_eq!(tm.open_lots(&mut bank).await.len(), 5);
    assert!(
        tm.checks >= checks_before + 2,
        "the invariant checker ran after each crank"
    );
    assert!(
        balance(&mut bank, &keeper.debt).await > 100_000_000_000,
        "the keeper was paid"
    );
    // Every liquidated position is back at or above target; the safe one untouched.
    let price = 88_000_000_000;
    for pos in &risky {
        let p = tm.position(&mut bank, *pos).await;
        let d = health::debt_native(p.debt_shares, m.borrow_index).unwrap();
        assert!(health::health(p.collateral_native, d, price, 600).unwrap() >= 0);
    }
    assert_eq!(
        tm.position(&mut bank, safe).await.collateral_native,
        10_000_000_000
    );

    // The next iteration finds nothing (and sends nothing).
    let again = {
        let mut b = InProcess::new(&mut bank, &keeper.kp).with_market(&mut tm);
        k.crank_once(&mut b).await.unwrap()
    };
    assert_eq!(
        (again.candidates, again.sent, again.liquidations),
        (0, 0, 0)
    );
}

#[tokio::test]
async fn bid_iteration_takes_lots_once_below_the_valuation() {
    let Setup {
        mut bank,
        mut tm,
        keeper,
        ..
    } = setup().await;
    let mut k = Keeper::new(tm.market, config(&keeper));
    {
        let mut b = InProcess::new(&mut bank, &keeper.kp).with_market(&mut tm);
        assert_eq!(k.crank_once(&mut b).await.unwrap().liquidations, 5);
        // Auctions start above the oracle: nothing to take yet.
        let r = k.bid_once(&mut b, None, 0).await.unwrap();
        assert_eq!((r.lots_open, r.takes), (5, 0));
    }
    // 12 slots later the price is 102% × 0.995^6 ≈ 99% of the oracle.
    let s = bank.slot().await;
    bank.warp_to(s + 12).await;
    tm.set_price(&mut bank, 88.0).await;
    let quote_before = balance(&mut bank, &keeper.debt).await;
    {
        let mut b = InProcess::new(&mut bank, &keeper.kp).with_market(&mut tm);
        // A 5% margin: 83.6 is below the auction price, no take.
        let r = k.bid_once(&mut b, None, 500).await.unwrap();
        assert_eq!((r.lots_open, r.takes, r.take_failures), (5, 0, 0));
        // No margin: every lot is taken.
        let r = k.bid_once(&mut b, None, 0).await.unwrap();
        assert_eq!((r.takes, r.take_failures), (5, 0), "{:?}", r.errors);
        assert!(r.collateral_requested > 0);
    }
    let m = tm.market_state(&mut bank).await;
    assert!(m.auction_proceeds_native > 0);
    assert!(tm.open_lots(&mut bank).await.is_empty(), "every tab paid");
    assert!(balance(&mut bank, &keeper.collateral).await > 0);
    assert!(balance(&mut bank, &keeper.debt).await < quote_before);
    assert_eq!(
        m.bad_debt_insurance_native + m.bad_debt_socialized_native,
        0
    );
}

/// On an anchored market (`CURVE_ANCHORED`) the bidder sends `refresh_risk`
/// in front of its takes when the market has not seen the slot's price, and
/// takes at the curve restarted at that price; on the same market with the
/// plain curve the same valuation takes nothing.
#[tokio::test]
async fn bid_iteration_on_an_anchored_market_takes_at_the_slots_price() {
    use softliq::engine::auction::{self, CURVE_ANCHORED};
    for anchored in [false, true] {
        let mut base = MarketParams::default_soft();
        if anchored {
            base.auction_curve = CURVE_ANCHORED;
        }
        let Setup {
            mut bank,
            mut tm,
            keeper,
            ..
        } = setup_with(base).await;
        let mut k = Keeper::new(tm.market, config(&keeper));
        {
            let mut b = InProcess::new(&mut bank, &keeper.kp).with_market(&mut tm);
            assert_eq!(k.crank_once(&mut b).await.unwrap().liquidations, 5);
        }
        // 12 slots later the market is at 80: the lots' own curve asks
        // 88 × 102% × 0.995⁶ ≈ 87.1, the curve restarted at 80 ≈ 79.2.
        let s = bank.slot().await;
        bank.warp_to(s + 12).await;
        tm.set_price(&mut bank, 80.0).await;
        let slot = bank.slot().await;
        let lots = tm.open_lots(&mut bank).await;
        let (lot_ref, lot) = lots[0];
        let params = tm.market_state(&mut bank).await.params;
        let own = auction::quote(&params, &lot, slot).unwrap().price;
        let restarted = auction::quote_at(&params, &lot, slot, Some(80_000_000_000))
            .unwrap()
            .price;
        assert!(own > 80_000_000_000, "own curve {own}");
        assert_eq!(
            restarted < 80_000_000_000,
            anchored,
            "restarted {restarted}"
        );
        assert_ne!(tm.market_state(&mut bank).await.risk_state.last_slot, slot);
        // What the takes hand over at the restarted curve, lot by lot.
        let expected_collateral: u64 = lots
            .iter()
            .map(|(_, l)| {
                let price = auction::quote_at(&params, l, slot, Some(80_000_000_000))
                    .unwrap()
                    .price;
                auction::take(
                    l.collateral_native,
                    l.tab_debt_native,
                    l.tab_penalty_native,
                    price,
                    l.collateral_native,
                    params.dust_native,
                )
                .unwrap()
                .collateral_out_native
            })
            .sum();
        assert!(expected_collateral > 0);
        let quote_before = balance(&mut bank, &keeper.debt).await;
        let r = {
            let mut b = InProcess::new(&mut bank, &keeper.kp).with_market(&mut tm);
            k.bid_once(&mut b, None, 0).await.unwrap()
        };
        let m = tm.market_state(&mut bank).await;
        if anchored {
            assert_eq!((r.takes, r.take_failures), (5, 0), "{:?}", r.errors);
            assert_eq!(
                (m.risk_state.last_price, m.risk_state.last_slot),
                (80_000_000_000, slot),
                "the refresh in front of the takes"
            );
            assert!(
                tm.open_lots(&mut bank)
                    .await
                    .iter()
                    .all(|(_, l)| l.collateral_native == 0),
                "every lot bought out"
            );
            // Bought at the restarted curve: exactly the collateral it hands over.
            assert_eq!(
                balance(&mut bank, &keeper.collateral).await,
                expected_collateral
            );
            assert!(balance(&mut bank, &keeper.debt).await < quote_before);
        } else {
            assert_eq!((r.lots_open, r.takes, r.take_failures), (5, 0, 0));
            assert_ne!(m.risk_state.last_slot, slot, "no refresh sent");
            assert_eq!(
                tm.lot(&mut bank, lot_ref).await.collateral_native,
                lot.collateral_native
            );
            assert_eq!(balance(&mut bank, &keeper.collateral).await, 0);
        }
    }
}

#[tokio::test]
async fn an_idle_crank_feeds_a_dynamic_market_its_price_once_a_slot() {
    let mut bank = Bank::start().await;
    let cfg = MarketConfig {
        risk: softliq::state::RiskParams {
            vol_enabled: 1,
            margin_addon_cap_bps: 500,
            margin_step_bps: 5,
            ..softliq::state::RiskParams::static_default()
        },
        ..Default::default()
    };
    let mut tm = TestMarket::create(&mut bank, cfg).await;
    let keeper = tm.new_user(&mut bank, 0, 0).await;
    let s0 = tm.market_state(&mut bank).await.risk_state;
    let slot = bank.slot().await + 1;
    bank.warp_to(slot).await;
    tm.set_price(&mut bank, 104.0).await;
    let mut k = Keeper::new(tm.market, config(&keeper));
    let report = {
        let mut b = InProcess::new(&mut bank, &keeper.kp).with_market(&mut tm);
        k.crank_once(&mut b).await.unwrap()
    };
    assert_eq!((report.candidates, report.sent), (0, 0));
    assert!(report.risk_refreshed, "{:?}", report.errors);
    let s1 = tm.market_state(&mut bank).await.risk_state;
    assert_eq!((s1.updates, s1.last_slot), (s0.updates + 1, slot));
    assert!(s1.variance_ppb2 > 0 && s1.addon_bps == 5);
    // The same slot again: already fed, nothing sent.
    let again = {
        let mut b = InProcess::new(&mut bank, &keeper.kp).with_market(&mut tm);
        k.crank_once(&mut b).await.unwrap()
    };
    assert!(!again.risk_refreshed);
    assert_eq!(tm.market_state(&mut bank).await.risk_state, s1);
}
