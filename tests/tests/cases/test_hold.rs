//! The insolvent-lot hold (docs/auction-hold.md) in the real program: a lot
//! seized insolvent is not sold below its debt price during its first round,
//! needs a reset after the hold, and is then an ordinary auction; a solvent
//! lot on the same market follows the curve; a hold above its bound is
//! refused and changes nothing. The fast-fall hold: a lot seized in a fall
//! faster than the bound is held at its debt price although solvent, a fall
//! right after a take does not count, one within the market's quiet-slot
//! noise does not either, and one after a slow fall is not held. The
//! anchored auction: a take priced from the slot's oracle price.
use harness::bank::{code_of, Bank};
use harness::market::{funded, Funded, LotRef, MarketConfig, PosRef, TestMarket, TestUser};
use harness::tokens::balance;
use softliq::engine::auction::{
    debt_price, price_at, quote, quote_at, start_price, QuietVol, CURVE_ANCHORED, FAST_FALL_SIGMAS,
};
use softliq::engine::params::MAX_AUCTION_HOLD_SLOTS;
use softliq::error::SoftliqError as E;
use softliq::state::{Lot, MarketParams, LOT_FAST_FALL, LOT_INSOLVENT, LOT_IN_USE};

const SCALE: u128 = 1_000_000_000_000;
/// 85 USDC/SOL, scaled.
const PRICE_85: u64 = 85_000_000_000;

fn held() -> MarketParams {
    MarketParams {
        liq_ramp_slots: 0,
        auction_hold_slots: 300,
        ..MarketParams::default_soft()
    }
}

/// A take of `collateral` at most `max_price` that the program refuses with
/// `PriceAboveMax`, leaving the lot book and the market byte-identical.
async fn take_refused_above_max(
    bank: &mut Bank,
    tm: &mut TestMarket,
    taker: &TestUser,
    lot_ref: LotRef,
    collateral: u64,
    max_price: u64,
) {
    let lot_book = bank.data(&tm.lot_book).await;
    let market = bank.data(&tm.market).await;
    let e = tm
        .take(bank, taker, lot_ref, collateral, max_price)
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::PriceAboveMax), "max price {max_price}");
    assert_eq!(
        bank.data(&tm.lot_book).await,
        lot_book,
        "a refused take changes nothing"
    );
    assert_eq!(bank.data(&tm.market).await, market);
}

/// Takes `collateral` of the lot at `price`; the taker pays exactly
/// `collateral × price`, rounded up.
async fn take_paying(
    bank: &mut Bank,
    tm: &mut TestMarket,
    taker: &TestUser,
    lot_ref: LotRef,
    collateral: u64,
    price: u64,
) {
    let d0 = balance(bank, &taker.debt).await;
    tm.take(bank, taker, lot_ref, collateral, price)
        .await
        .unwrap();
    assert_eq!(
        (d0 - balance(bank, &taker.debt).await) as u128,
        (collateral as u128 * price as u128).div_ceil(SCALE)
    );
}

struct World {
    bank: Bank,
    tm: TestMarket,
    keeper: TestUser,
    taker: TestUser,
}

/// Two positions of 10 SOL at 100; the price gaps to 85. The one owing 899
/// USDC is insolvent there (850 of collateral), the one owing 810 is below
/// maintenance but solvent (and restorable).
async fn gapped() -> (World, (LotRef, Lot), (LotRef, Lot), PosRef) {
    gapped_on(held()).await
}

/// [`gapped`] on a market with `params`.
async fn gapped_on(params: MarketParams) -> (World, (LotRef, Lot), (LotRef, Lot), PosRef) {
    let cfg = MarketConfig {
        params,
        ..Default::default()
    };
    let Funded {
        mut bank,
        mut tm,
        keeper,
        trader: a,
    } = funded(cfg).await;
    let taker = tm.new_user(&mut bank, 0, 1_000_000_000_000).await;
    let b = tm.new_user(&mut bank, 10_000_000_000, 0).await;
    let slab = tm.slabs[0];
    let insolvent = tm
        .open_levered(&mut bank, &a, slab, 10_000_000_000, 899_000_000)
        .await;
    let solvent = tm
        .open_levered(&mut bank, &b, slab, 10_000_000_000, 810_000_000)
        .await;
    tm.set_price(&mut bank, 85.0).await;
    tm.crank(&mut bank, &keeper, &[insolvent, solvent])
        .await
        .unwrap();
    let lots = tm.open_lots(&mut bank).await;
    assert_eq!(lots.len(), 2);
    let by_position = |p: PosRef| {
        *lots
            .iter()
            .find(|(_, l)| l.position_index == p.index)
            .unwrap()
    };
    let (held_lot, solvent_lot) = (by_position(insolvent), by_position(solvent));
    (
        World {
            bank,
            tm,
            keeper,
            taker,
        },
        held_lot,
        solvent_lot,
        solvent,
    )
}

#[tokio::test]
async fn an_insolvent_lot_is_not_sold_below_its_debt_price() {
    let (mut w, (lot_ref, lot), _, _) = gapped().await;
    let (bank, tm) = (&mut w.bank, &mut w.tm);
    let params = tm.market_state(bank).await.params;
    // Seized whole and flagged: its debt is above its collateral's value at 85.
    assert_eq!(lot.collateral_native, 10_000_000_000);
    assert!(lot.tab_debt_native > lot.seized_value_native);
    assert_eq!(lot.seized_value_native, 850_000_000);
    assert_ne!(lot.flags & LOT_INSOLVENT, 0);
    let floor = debt_price(&lot).unwrap();
    assert_eq!(
        floor as u128,
        (lot.tab_debt_native as u128 * SCALE).div_ceil(lot.collateral_native as u128)
    );
    // The curve starts at 85 × 1.02 = 86.70, under the debt price (≈ 89.90).
    assert_eq!(lot.start_price, start_price(PRICE_85, 10_200).unwrap());
    assert!(lot.start_price < floor);
    tm.advance(bank, 40, 85.0).await;
    let slot = bank.slot().await;
    assert_eq!(quote(&params, &lot, slot).unwrap().price, floor);
    // A bid at the decayed curve price, or one unit under the floor: refused.
    let curve = price_at(&params, lot.start_price, slot - lot.start_slot).unwrap();
    for max_price in [curve, floor - 1] {
        take_refused_above_max(bank, tm, &w.taker, lot_ref, u64::MAX, max_price).await;
    }
    // At the debt price the whole lot repays its debt in full.
    let m0 = tm.market_state(bank).await;
    let d0 = balance(bank, &w.taker.debt).await;
    tm.take(bank, &w.taker, lot_ref, u64::MAX, floor)
        .await
        .unwrap();
    let paid = d0 - balance(bank, &w.taker.debt).await;
    let m = tm.market_state(bank).await;
    assert_eq!(
        paid as u128,
        (lot.collateral_native as u128 * floor as u128).div_ceil(SCALE)
    );
    assert!(paid >= lot.tab_debt_native);
    assert_eq!(
        m.pool_cash_native - m0.pool_cash_native,
        lot.tab_debt_native
    );
    assert_eq!(
        m0.lot_debt_outstanding_native - m.lot_debt_outstanding_native,
        lot.tab_debt_native
    );
    assert_eq!(
        m.insurance_balance_native - m0.insurance_balance_native,
        paid - lot.tab_debt_native,
        "what is above the debt goes to the penalty"
    );
    assert_eq!(
        balance(bank, &w.taker.collateral).await,
        lot.collateral_native
    );
    assert!(tm.open_lots(bank).await.iter().all(|(r, _)| *r != lot_ref));
}

#[tokio::test]
async fn after_the_hold_an_insolvent_lot_needs_a_reset_then_is_an_ordinary_auction() {
    let (mut w, (lot_ref, lot), _, _) = gapped().await;
    let (bank, tm) = (&mut w.bank, &mut w.tm);
    let params = tm.market_state(bank).await.params;
    let e = tm.reset(bank, &w.keeper, lot_ref).await.unwrap_err();
    assert_eq!(
        e.code(),
        code_of(E::ResetTooEarly),
        "held: the cusp does not reset it"
    );
    tm.advance(bank, params.auction_hold_slots + 1, 80.0).await;
    let e = tm
        .take(bank, &w.taker, lot_ref, u64::MAX, u64::MAX)
        .await
        .unwrap_err();
    assert_eq!(e.code(), code_of(E::LotNeedsReset));
    tm.reset(bank, &w.keeper, lot_ref).await.unwrap();
    let reset = tm.lot(bank, lot_ref).await;
    assert_eq!(reset.resets, 1);
    assert_eq!(
        reset.start_price,
        start_price(80_000_000_000, 10_200).unwrap()
    );
    // The next round follows the curve, below the debt price.
    tm.advance(bank, 10, 80.0).await;
    let slot = bank.slot().await;
    let curve = price_at(&params, reset.start_price, slot - reset.start_slot).unwrap();
    assert_eq!(quote(&params, &reset, slot).unwrap().price, curve);
    assert!(curve < debt_price(&lot).unwrap());
    take_paying(bank, tm, &w.taker, lot_ref, 1_000_000_000, curve).await;
}

#[tokio::test]
async fn a_solvent_lot_on_a_holding_market_follows_the_curve() {
    let (mut w, _, (lot_ref, lot), pos) = gapped().await;
    let (bank, tm) = (&mut w.bank, &mut w.tm);
    let params = tm.market_state(bank).await.params;
    assert_eq!(lot.flags & LOT_INSOLVENT, 0);
    assert!(lot.tab_debt_native < lot.seized_value_native);
    assert!(
        tm.position(bank, pos).await.debt_shares > 0,
        "restored, still open"
    );
    tm.advance(bank, 20, 85.0).await;
    let slot = bank.slot().await;
    let curve = price_at(&params, lot.start_price, slot - lot.start_slot).unwrap();
    assert_eq!(quote(&params, &lot, slot).unwrap().price, curve);
    tm.take(bank, &w.taker, lot_ref, 100_000_000, curve)
        .await
        .unwrap();
    assert_eq!(
        tm.lot(bank, lot_ref).await.collateral_native,
        lot.collateral_native - 100_000_000
    );
}

/// The anchored auction (`CURVE_ANCHORED`, docs/auction-hold.md): a lot's
/// ask is at most the curve restarted at the oracle price the market saw in
/// the same slot, with the lot's age; without such a price it is the lot's
/// own curve, and a take priced at the anchored curve is refused.
#[tokio::test]
async fn an_anchored_lot_is_priced_from_the_slots_oracle_price() {
    let anchored = MarketParams {
        auction_curve: CURVE_ANCHORED,
        ..held()
    };
    let (mut w, _, (lot_ref, lot), _) = gapped_on(anchored).await;
    let (bank, tm) = (&mut w.bank, &mut w.tm);
    let params = tm.market_state(bank).await.params;
    assert_eq!(params.auction_curve, CURVE_ANCHORED);
    assert_eq!(
        lot.flags & (LOT_INSOLVENT | LOT_FAST_FALL),
        0,
        "solvent, not held"
    );
    assert_eq!(lot.start_price, start_price(PRICE_85, 10_200).unwrap());
    // Four slots on, the market is at 80.
    tm.advance(bank, 4, 80.0).await;
    let slot = bank.slot().await;
    let elapsed = slot - lot.start_slot;
    let own = price_at(&params, lot.start_price, elapsed).unwrap();
    let restarted = price_at(
        &params,
        start_price(80_000_000_000, 10_200).unwrap(),
        elapsed,
    )
    .unwrap();
    assert!(restarted < own, "restarted {restarted} own {own}");
    assert_eq!(
        quote_at(&params, &lot, slot, Some(80_000_000_000))
            .unwrap()
            .price,
        restarted
    );
    // No price observed in this slot: the lot's own curve; the anchored
    // price is refused and nothing changes.
    assert_ne!(tm.market_state(bank).await.risk_state.last_slot, slot);
    take_refused_above_max(bank, tm, &w.taker, lot_ref, 1_000_000_000, restarted).await;
    // After `refresh_risk` in the same slot the take is priced at the
    // restarted curve.
    tm.refresh_risk(bank).await.unwrap();
    let m = tm.market_state(bank).await;
    assert_eq!(
        (m.risk_state.last_price, m.risk_state.last_slot),
        (80_000_000_000, slot)
    );
    take_paying(bank, tm, &w.taker, lot_ref, 1_000_000_000, restarted).await;
    assert_eq!(
        tm.lot(bank, lot_ref).await.collateral_native,
        lot.collateral_native - 1_000_000_000
    );
    // A higher oracle does not raise the ask: at 90 the lot's own curve.
    tm.advance(bank, 1, 90.0).await;
    tm.refresh_risk(bank).await.unwrap();
    let slot = bank.slot().await;
    let now = tm.lot(bank, lot_ref).await;
    let own = price_at(&params, lot.start_price, slot - lot.start_slot).unwrap();
    assert_eq!(
        quote_at(&params, &now, slot, Some(90_000_000_000))
            .unwrap()
            .price,
        own
    );
    take_refused_above_max(bank, tm, &w.taker, lot_ref, 1_000_000_000, own - 1).await;
    take_paying(bank, tm, &w.taker, lot_ref, 1_000_000_000, own).await;
}

#[tokio::test]
async fn a_hold_above_its_bound_is_refused_and_changes_nothing() {
    let mut bank = Bank::start().await;
    let mut tm = TestMarket::create(
        &mut bank,
        MarketConfig {
            params: held(),
            ..Default::default()
        },
    )
    .await;
    let before = bank.data(&tm.market).await;
    let bad = MarketParams {
        auction_hold_slots: MAX_AUCTION_HOLD_SLOTS + 1,
        ..held()
    };
    let e = tm.update_params(&mut bank, bad, 0).await.unwrap_err();
    assert_eq!(e.code(), code_of(E::InvalidAuctionParams));
    assert_eq!(bank.data(&tm.market).await, before);
    // At the bound it is only announced (notice period), not refused.
    let ok = MarketParams {
        auction_hold_slots: MAX_AUCTION_HOLD_SLOTS,
        ..held()
    };
    tm.update_params(&mut bank, ok, 0).await.unwrap();
    let m = tm.market_state(&mut bank).await;
    assert_eq!(m.pending_params.auction_hold_slots, MAX_AUCTION_HOLD_SLOTS);
    assert_eq!(m.params.auction_hold_slots, 300);
}

/// One position of 10 SOL owing 810 USDC at 100: below maintenance (and
/// liquidatable) under about 85.26, still solvent at 85.
async fn one_position() -> (World, PosRef) {
    let cfg = MarketConfig {
        params: held(),
        ..Default::default()
    };
    let Funded {
        mut bank,
        mut tm,
        keeper,
        trader,
    } = funded(cfg).await;
    let taker = tm.new_user(&mut bank, 0, 1_000_000_000_000).await;
    let slab = tm.slabs[0];
    let pos = tm
        .open_levered(&mut bank, &trader, slab, 10_000_000_000, 810_000_000)
        .await;
    let w = World {
        bank,
        tm,
        keeper,
        taker,
    };
    (w, pos)
}

#[tokio::test]
async fn a_lot_seized_in_a_fast_fall_is_held_at_its_debt_price() {
    let (mut w, pos) = one_position().await;
    let (bank, tm) = (&mut w.bank, &mut w.tm);
    let params = tm.market_state(bank).await.params;
    tm.advance(bank, 1, 100.0).await;
    tm.refresh_risk(bank).await.unwrap();
    // −15% in one slot (the bound is 0.5% a slot) and no take before it.
    let fall_slot = tm.advance(bank, 1, 85.0).await;
    tm.crank(bank, &w.keeper, &[pos]).await.unwrap();
    let m = tm.market_state(bank).await;
    assert_eq!(
        m.fast_fall_until_slot,
        fall_slot + params.auction_hold_slots
    );
    let lots = tm.open_lots(bank).await;
    assert_eq!(lots.len(), 1);
    let (lot_ref, lot) = lots[0];
    assert_eq!(
        lot.flags,
        LOT_IN_USE | LOT_FAST_FALL,
        "solvent, seized in the fall"
    );
    assert!(lot.tab_debt_native < lot.seized_value_native);
    // 40 slots on, the curve is under the debt price: the quote is the debt price.
    tm.advance(bank, 40, 85.0).await;
    let slot = bank.slot().await;
    let floor = debt_price(&lot).unwrap();
    let curve = price_at(&params, lot.start_price, slot - lot.start_slot).unwrap();
    assert!(curve < floor, "curve {curve} floor {floor}");
    assert_eq!(quote(&params, &lot, slot).unwrap().price, floor);
    take_refused_above_max(bank, tm, &w.taker, lot_ref, u64::MAX, floor - 1).await;
    // At the debt price it sells, and the market records the take.
    take_paying(bank, tm, &w.taker, lot_ref, 100_000_000, floor).await;
    let m = tm.market_state(bank).await;
    assert_eq!(m.last_take_slot, slot);
    // A fall right after a take may be the taker's own resale: it does not
    // extend the window.
    tm.advance(bank, 1, 70.0).await;
    tm.refresh_risk(bank).await.unwrap();
    assert_eq!(
        tm.market_state(bank).await.fast_fall_until_slot,
        fall_slot + params.auction_hold_slots
    );
}

#[tokio::test]
async fn a_lot_seized_after_a_slow_fall_follows_the_curve() {
    let (mut w, pos) = one_position().await;
    let (bank, tm) = (&mut w.bank, &mut w.tm);
    // 100 → 85 at 0.4% a slot, a price every slot: never faster than the bound.
    let mut price = 100.0f64;
    while price > 85.0 {
        price = (price * 0.996).max(85.0);
        tm.advance(bank, 1, price).await;
        tm.refresh_risk(bank).await.unwrap();
    }
    tm.crank(bank, &w.keeper, &[pos]).await.unwrap();
    assert_eq!(tm.market_state(bank).await.fast_fall_until_slot, 0);
    let lots = tm.open_lots(bank).await;
    assert_eq!(lots.len(), 1);
    assert_eq!(
        lots[0].1.flags, LOT_IN_USE,
        "neither insolvent nor in a fast fall"
    );
}

#[tokio::test]
async fn a_fast_fall_within_the_markets_noise_opens_no_window() {
    let (mut w, pos) = one_position().await;
    let (bank, tm) = (&mut w.bank, &mut w.tm);
    let hold = tm.market_state(bank).await.params.auction_hold_slots;
    // Twelve quiet slots swinging 3% each way, a price every slot, rising
    // first (a market that has seen no noise yet takes any fall at the bound
    // as fast): each move is six times the 0.5% bound, and the market's
    // per-slot σ is about 3%.
    for i in 0..12 {
        tm.advance(bank, 1, if i % 2 == 0 { 103.0 } else { 100.0 })
            .await;
        tm.refresh_risk(bank).await.unwrap();
    }
    let m = tm.market_state(bank).await;
    assert_eq!(m.fast_fall_until_slot, 0, "no swing is beyond the noise");
    let vol = QuietVol {
        variance_ppb2: m.quiet_variance_ppb2,
        weight_ppb: m.quiet_weight_ppb,
    };
    let sigma_ppb = (vol.per_slot_variance_ppb2() as f64).sqrt();
    assert!(
        (28_000_000.0..32_000_000.0).contains(&sigma_ppb),
        "σ {sigma_ppb} ppb"
    );
    assert!(m.quiet_weight_ppb > 0 && m.quiet_weight_ppb < 100_000_000);
    // −10% in one slot: twenty times the bound, under 4σ: still noise.
    tm.advance(bank, 1, 90.0).await;
    tm.refresh_risk(bank).await.unwrap();
    assert_eq!(tm.market_state(bank).await.fast_fall_until_slot, 0);
    assert_eq!(FAST_FALL_SIGMAS, 4);
    // −25% in one slot is beyond it: the window opens and the lot is held.
    let fall_slot = tm.advance(bank, 1, 67.5).await;
    tm.crank(bank, &w.keeper, &[pos]).await.unwrap();
    assert_eq!(
        tm.market_state(bank).await.fast_fall_until_slot,
        fall_slot + hold
    );
    let lots = tm.open_lots(bank).await;
    assert_eq!(lots.len(), 1);
    assert_ne!(lots[0].1.flags & LOT_FAST_FALL, 0);
}
