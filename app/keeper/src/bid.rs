//! When to buy from an auction lot. The auction price, the reset rule and the
//! take's outcome are the program's (`engine::auction`); the bidder only adds
//! a valuation: what the collateral is worth to it, less a required margin.
use softliq::engine::auction;
use softliq::math::{mul_div, Rounding, BPS, PRICE_SCALE};
use softliq::state::{BookEntry, Lot, MarketParams};

/// What the bidder thinks a unit of collateral is worth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Valuation {
    /// Price at which the bidder can resell (scaled like oracle prices, `PRICE_SCALE` = 1e12,
    /// debt-token native per collateral-token native).
    pub external_price: u64,
    /// Margin the bidder requires below the external price.
    pub margin_bps: u64,
}

impl Valuation {
    /// The most the bidder pays: `external × (1 − margin)`, rounded down.
    pub fn limit_price(&self) -> Option<u64> {
        mul_div(
            self.external_price,
            BPS.checked_sub(self.margin_bps)?,
            BPS,
            Rounding::Down,
        )
    }
}

/// A take to send: `auction_take(lot, max_collateral, max_price)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BidDecision {
    pub max_collateral: u64,
    /// The valuation's limit price: the program refuses the take above it.
    pub max_price: u64,
}

/// The lot's auction price at `slot` if it can be taken now (in use, with
/// collateral, not in need of a reset: a take would fail then); `None`
/// otherwise or on overflow.
pub fn ask(params: &MarketParams, lot: &Lot, slot: u64) -> Option<u64> {
    ask_at(params, lot, slot, None)
}

/// [`ask`] with the market's reference price of the slot
/// (`engine::auction::reference_price` of the market as read at `slot`): on
/// an anchored market the program prices the take with it
/// (`engine::auction::quote_at`), never above the price without it.
pub fn ask_at(params: &MarketParams, lot: &Lot, slot: u64, reference: Option<u64>) -> Option<u64> {
    if !lot.in_use() || lot.collateral_native == 0 {
        return None;
    }
    let q = auction::quote_at(params, lot, slot, reference)?;
    (!q.needs_reset).then_some(q.price)
}

/// Take the whole lot when its current auction price is at or below the
/// valuation and it does not need a reset (a take would fail then); `None`
/// otherwise, or when the take would fail (nothing to take, dust).
pub fn decide(params: &MarketParams, lot: &Lot, slot: u64, v: &Valuation) -> Option<BidDecision> {
    decide_with_budget(params, lot, slot, None, v, None)
}

/// [`decide`] at the price [`ask_at`] gives with `reference`, spending at
/// most `max_quote` (debt-token native). When a partial take would leave a
/// tab below dust (the program refuses it), the whole lot is proposed only
/// if the budget covers it.
pub fn decide_with_budget(
    params: &MarketParams,
    lot: &Lot,
    slot: u64,
    reference: Option<u64>,
    v: &Valuation,
    max_quote: Option<u64>,
) -> Option<BidDecision> {
    if lot.tab_native()? == 0 {
        return None;
    }
    let price = ask_at(params, lot, slot, reference)?;
    let limit = v.limit_price()?;
    if price > limit {
        return None;
    }
    let simulate = |want: u64| {
        auction::take(
            lot.collateral_native,
            lot.tab_debt_native,
            lot.tab_penalty_native,
            price,
            want,
            params.dust_native,
        )
        .ok()
    };
    let full = simulate(lot.collateral_native)?;
    let want = match max_quote {
        Some(budget) if full.paid_native > budget => {
            if price == 0 {
                return None;
            }
            let affordable =
                mul_div(budget, PRICE_SCALE, price, Rounding::Down)?.min(lot.collateral_native);
            let t = simulate(affordable)?;
            if t.paid_native > budget || t.collateral_out_native == 0 {
                return None;
            }
            affordable
        }
        _ => lot.collateral_native,
    };
    Some(BidDecision {
        max_collateral: want,
        max_price: limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use softliq::engine::auction::{CURVE_LINEAR, CURVE_STEP_EXP};
    use softliq::state::LOT_IN_USE;

    const ORACLE: u64 = 100_000_000_000; // 100 USDC / SOL

    fn lot(params: &MarketParams) -> Lot {
        Lot {
            collateral_native: 10_000_000_000,
            tab_debt_native: 900_000_000,
            tab_penalty_native: 5_000_000,
            start_price: auction::start_price(ORACLE, params.auction_start_buffer_bps).unwrap(),
            start_slot: 1_000,
            flags: LOT_IN_USE,
            ..Default::default()
        }
    }

    #[test]
    fn takes_once_the_auction_price_reaches_the_valuation() {
        let p = MarketParams::default_soft(); // start 102%, −0.5% every 2 slots
        let l = lot(&p);
        let v = Valuation {
            external_price: ORACLE,
            margin_bps: 100,
        }; // pay at most 99
        let limit = v.limit_price().unwrap();
        assert_eq!(limit, 99_000_000_000);
        let mut first = None;
        for slot in 1_000..1_300 {
            let price = auction::price_at(&p, l.start_price, slot - 1_000).unwrap();
            match decide(&p, &l, slot, &v) {
                Some(d) => {
                    assert!(price <= d.max_price, "never above the valuation");
                    assert_eq!(d.max_price, limit);
                    assert_eq!(d.max_collateral, l.collateral_native);
                    first.get_or_insert(slot);
                }
                None => assert!(price > limit || first.is_some()),
            }
        }
        let first = first.expect("the price falls below 99 within the tail");
        // The first slot where the engine's price is at or below 99.
        let price_before = auction::price_at(&p, l.start_price, first - 1 - 1_000).unwrap();
        assert!(price_before > limit);
        assert!(auction::price_at(&p, l.start_price, first - 1_000).unwrap() <= limit);
        // Before the start slot the price is the start price: no take.
        assert_eq!(decide(&p, &l, 900, &v), None);
        // A 100% margin never pays anything; a margin above 100% is meaningless.
        assert_eq!(
            decide(
                &p,
                &l,
                first,
                &Valuation {
                    external_price: ORACLE,
                    margin_bps: 10_000
                }
            ),
            None
        );
        assert_eq!(
            decide(
                &p,
                &l,
                first,
                &Valuation {
                    external_price: ORACLE,
                    margin_bps: 10_001
                }
            ),
            None
        );
    }

    #[test]
    fn never_takes_a_lot_that_needs_a_reset() {
        // No cusp, so only the tail decides.
        let p = MarketParams {
            auction_curve: CURVE_STEP_EXP,
            auction_cusp_bps: 0,
            ..MarketParams::default_soft()
        };
        let l = lot(&p);
        let generous = Valuation {
            external_price: ORACLE * 10,
            margin_bps: 0,
        };
        // Past the tail: needs a reset even though the price is low.
        let late = l.start_slot + p.auction_tail_slots + 1;
        let price = auction::price_at(&p, l.start_price, late - l.start_slot).unwrap();
        assert!(auction::needs_reset(&p, l.start_price, price, late - l.start_slot).unwrap());
        assert_eq!(decide(&p, &l, late, &generous), None);
        assert!(decide(&p, &l, late - 1, &generous).is_some());
        // Out of paid resets: still no take past the tail (the floor holds;
        // a free reset re-prices it at the oracle).
        let spent = Lot {
            resets: p.auction_max_resets as u32,
            ..l
        };
        assert_eq!(decide(&p, &spent, late, &generous), None);
        // Below the cusp (linear curve, cusp 60%): needs a reset.
        let lin = MarketParams {
            auction_curve: CURVE_LINEAR,
            auction_tau_slots: 100,
            auction_tail_slots: 1_000,
            auction_cusp_bps: 6_000,
            ..p
        };
        let l2 = lot(&lin);
        assert!(decide(&lin, &l2, l2.start_slot + 39, &generous).is_some());
        assert_eq!(decide(&lin, &l2, l2.start_slot + 41, &generous), None);
    }

    #[test]
    fn budget_dust_and_empty_lots() {
        let p = MarketParams::default_soft();
        let l = lot(&p);
        let v = Valuation {
            external_price: ORACLE,
            margin_bps: 0,
        };
        let slot = l.start_slot + 20;
        let price = auction::price_at(&p, l.start_price, 20).unwrap();
        // Budget of 300 USDC: buys floor(300 / price) collateral, costs at most 300.
        let d = decide_with_budget(&p, &l, slot, None, &v, Some(300_000_000)).unwrap();
        let t = auction::take(
            l.collateral_native,
            l.tab_debt_native,
            l.tab_penalty_native,
            price,
            d.max_collateral,
            p.dust_native,
        )
        .unwrap();
        assert!(t.paid_native <= 300_000_000 && t.paid_native > 299_000_000);
        // A budget that would leave less than dust on the tab: refused.
        let tab = l.tab_native().unwrap();
        assert_eq!(
            decide_with_budget(&p, &l, slot, None, &v, Some(tab - p.dust_native / 2)),
            None
        );
        // Enough for the whole tab: the whole lot.
        assert_eq!(
            decide_with_budget(&p, &l, slot, None, &v, Some(tab))
                .unwrap()
                .max_collateral,
            l.collateral_native
        );
        // Empty, closed or paid-up lots are never bid on.
        assert_eq!(
            decide(
                &p,
                &Lot {
                    collateral_native: 0,
                    ..l
                },
                slot,
                &v
            ),
            None
        );
        assert_eq!(decide(&p, &Lot { flags: 0, ..l }, slot, &v), None);
        assert_eq!(
            decide(
                &p,
                &Lot {
                    tab_debt_native: 0,
                    tab_penalty_native: 0,
                    ..l
                },
                slot,
                &v
            ),
            None
        );
    }
}
