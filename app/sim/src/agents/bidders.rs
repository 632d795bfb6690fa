//! The simulator's bidder: takes lots at the auction price
//! (`softliq_keeper::bid::ask`) when it can resell them in the external
//! market at least [`BIDDER_MARGIN`] above what it pays, sizes the take with
//! the program's `engine::auction::take`, and resells at once. With
//! `--stress-bidders` ([`BidderStress`]) its capital is finite and comes back
//! only `recycle_slots` after each payment, its margin grows with the price's
//! observed speed, and in congested slots no bid lands.
use std::collections::VecDeque;

use harness::market::LotRef;
use softliq::engine::auction::{self, Take, TakeError};
use softliq::state::Lot;
use softliq_keeper::ixs;
use softliq_keeper::oracle::{price_units, scaled_price};
use solana_instruction::Instruction;

use crate::agents;
use crate::book::Rng;
use crate::config::{BidderStress, SimError, BIDDER_MARGIN, SPEED_WINDOW_SLOTS};
use crate::market::{MarketError, DEFAULT_FEE_BPS};
use crate::tx;
use crate::world::World;

/// Collateral and debt decimals of the simulated market (the harness's mints).
const COLLATERAL_DECIMALS: u8 = 9;
const DEBT_DECIMALS: u8 = 6;

/// A take the bidder decided on.
#[derive(Clone, Copy, Debug)]
pub struct TakePlan {
    pub lot_ref: LotRef,
    pub lot: Lot,
    pub price: u64,
    pub take: Take,
}

/// The take of `want` collateral at `price`, or, when that would leave less
/// than dust of the tab, the take that leaves exactly the dust.
fn take_or_leave_dust(lot: &Lot, price: u64, want: u64, dust: u64) -> Result<Take, TakeError> {
    let take = |x| {
        auction::take(
            lot.collateral_native,
            lot.tab_debt_native,
            lot.tab_penalty_native,
            price,
            x,
            dust,
        )
    };
    let result = take(want);
    if result != Err(TakeError::LeavesDust) {
        return result;
    }
    let tab = lot.tab_debt_native + lot.tab_penalty_native;
    let smaller = ((tab.saturating_sub(dust).saturating_sub(1)) as u128
        * softliq::math::PRICE_SCALE as u128
        / price.max(1) as u128) as u64;
    take(smaller)
}

/// The stressed bidders' state: payments still locked, recent external
/// prices, their draws, and what the stress did (for the report).
#[derive(Clone, Debug)]
pub struct BidderState {
    /// `(slot the quote is free again, quote)`.
    locked: VecDeque<(u64, f64)>,
    prices: VecDeque<f64>,
    rng: Rng,
    pub congested_slots: u64,
    /// Slots in which capital, not price, cut a take short.
    pub capital_bound_slots: u64,
}

impl BidderState {
    pub fn new(seed: u64) -> BidderState {
        BidderState {
            locked: VecDeque::new(),
            prices: VecDeque::new(),
            rng: Rng::new(seed ^ 0xB1DD_E125),
            congested_slots: 0,
            capital_bound_slots: 0,
        }
    }

    /// Mean |Δ ln p| per slot over the window, after recording `price`.
    fn observe(&mut self, price: f64) -> f64 {
        self.prices.push_back(price);
        while self.prices.len() > SPEED_WINDOW_SLOTS + 1 {
            self.prices.pop_front();
        }
        let n = self.prices.len();
        if n < 2 {
            return 0.0;
        }
        let moves: f64 = self
            .prices
            .iter()
            .zip(self.prices.iter().skip(1))
            .map(|(a, b)| (b / a).ln().abs())
            .sum();
        moves / (n - 1) as f64
    }

    /// Quote free at `slot` out of `capital`.
    fn available(&mut self, slot: u64, capital: f64) -> f64 {
        while self
            .locked
            .front()
            .is_some_and(|(free_at, _)| *free_at <= slot)
        {
            self.locked.pop_front();
        }
        capital - self.locked.iter().map(|(_, q)| q).sum::<f64>()
    }
}

/// What the bidders bring to one slot.
struct SlotBid {
    /// Margin asked over the resale price.
    margin: f64,
    /// Quote they may spend (∞ without stress).
    capital: f64,
}

impl World<'_> {
    /// The bidder's valuation of a lot's first unit, scaled like oracle
    /// prices: the external market's marginal resale price after its fee,
    /// less `margin`.
    fn valuation_scaled(&self, margin: f64) -> u64 {
        let keep = 1.0 - f64::from(DEFAULT_FEE_BPS) / 1e4;
        let units = self.amm.price() * keep * (1.0 - margin);
        scaled_price(units, COLLATERAL_DECIMALS, DEBT_DECIMALS)
    }

    /// This slot's bid under `stress`: None when congestion keeps every bid out.
    fn slot_bid(&mut self, slot: u64, stress: Option<BidderStress>) -> Option<SlotBid> {
        let Some(st) = stress else {
            return Some(SlotBid {
                margin: BIDDER_MARGIN,
                capital: f64::INFINITY,
            });
        };
        let speed = self.bidders.observe(self.amm.price());
        if self.bidders.rng.unit() < st.congestion(speed) {
            self.bidders.congested_slots += 1;
            return None;
        }
        let capital = st.capital_to_depth * self.config.market_depth_quote;
        Some(SlotBid {
            margin: st.margin(speed),
            capital: self.bidders.available(slot, capital).max(0.0),
        })
    }

    /// The bidder, cheapest lots first: takes as much of each lot as it can
    /// resell in the external market at an average price at least
    /// `BIDDER_MARGIN` above what it pays (its own sales moving the price).
    pub fn plan_takes(
        &mut self,
        slot: u64,
        open: &[(LotRef, Lot)],
        reference: Option<u64>,
    ) -> Result<Vec<TakePlan>, MarketError> {
        let stress = self.config.bidder_stress;
        let Some(bid) = self.slot_bid(slot, stress) else {
            return Ok(Vec::new());
        };
        let margin = bid.margin;
        let mut capital = bid.capital;
        let mut capital_bound = false;
        let valuation = self.valuation_scaled(margin);
        let mut offers: Vec<(u64, LotRef, Lot)> = open
            .iter()
            .filter_map(|(r, l)| {
                agents::take_price(&self.params, l, slot, reference, valuation)
                    .map(|price| (price, *r, *l))
            })
            .collect();
        offers.sort_by_key(|(price, r, _)| (*price, r.index));
        let mut amm = self.amm.clone();
        let keep = 1.0 - f64::from(amm.fee_bps()) / 1e4;
        let mut plans = Vec::new();
        for (price, lot_ref, lot) in offers {
            let paid_per_base = price_units(price, COLLATERAL_DECIMALS, DEBT_DECIMALS);
            let want = if paid_per_base <= 0.0 {
                lot.collateral_native
            } else {
                // Average resale of x base: Q·keep / (B + keep·x) ≥ paid / (1 − margin).
                let need = paid_per_base / (1.0 - margin);
                let x = (amm.quote_reserve() * keep / need - amm.base_reserve()) / keep;
                if x <= 0.0 {
                    break; // the cheapest remaining lot is not worth it: none is
                }
                // And no more than the capital left pays for.
                let by_capital = capital / paid_per_base;
                capital_bound |= by_capital < x;
                ((x.min(by_capital) * 1e9).floor() as u64).min(lot.collateral_native)
            };
            if want == 0 {
                break;
            }
            let Ok(take) = take_or_leave_dust(&lot, price, want, self.params.dust_native) else {
                continue;
            };
            amm.sell_base(take.collateral_out_native as f64 / 1e9)?;
            let paid = take.paid_native as f64 / 1e6;
            capital -= paid;
            if let Some(st) = stress {
                self.bidders
                    .locked
                    .push_back((slot + st.recycle_slots, paid));
            }
            plans.push(TakePlan {
                lot_ref,
                lot,
                price,
                take,
            });
        }
        self.bidders.capital_bound_slots += u64::from(capital_bound);
        Ok(plans)
    }

    fn take_ix(&self, p: &TakePlan) -> Instruction {
        ixs::take_ix(
            &self.keys,
            &self.taker(),
            p.lot_ref.index,
            p.lot_ref.generation,
            p.take.collateral_out_native,
            p.price,
            Some(p.lot.slab),
            None,
        )
    }

    /// Sends the takes packed into transactions; a failed transaction is
    /// retried take by take. Returns the lots sold out with debt left.
    pub async fn send_takes(
        &mut self,
        slot: u64,
        plans: Vec<TakePlan>,
    ) -> Result<Vec<LotRef>, SimError> {
        let payer = self.bank.payer();
        let ixs: Vec<Instruction> = plans.iter().map(|p| self.take_ix(p)).collect();
        let groups = tx::pack_by_size(&payer, ixs.len(), |i| ixs[i].clone());
        let mut sold_out = Vec::new();
        for group in groups {
            let batch: Vec<Instruction> = group.clone().map(|i| ixs[i].clone()).collect();
            if self.bank.send(&batch, &[&self.bidder.kp]).await.is_ok() {
                for p in &plans[group] {
                    sold_out.extend(self.after_take(p)?);
                }
                continue;
            }
            for p in &plans[group] {
                match self.bank.send(&[self.take_ix(p)], &[&self.bidder.kp]).await {
                    Ok(()) => sold_out.extend(self.after_take(p)?),
                    Err(e) => self.unexpected(
                        slot,
                        &format!(
                            "auction_take of lot {}/{} ({} collateral at price {})",
                            p.lot_ref.index,
                            p.lot_ref.generation,
                            p.take.collateral_out_native,
                            p.price
                        ),
                        &e,
                    ),
                }
            }
        }
        Ok(sold_out)
    }

    /// Books a successful take: the bidder resells at once; a closed lot's
    /// owner outcome is recorded. Returns the lot when it is sold out with
    /// debt left (to settle).
    fn after_take(&mut self, p: &TakePlan) -> Result<Option<LotRef>, SimError> {
        let t = &p.take;
        self.trace.slot.takes += 1;
        self.trace.slot.taken_collateral += t.collateral_out_native;
        self.trace.slot.proceeds += t.paid_native;
        self.amm
            .sell_base(t.collateral_out_native as f64 / 1e9)
            .map_err(|e| self.market_err(e))?;
        let key = (p.lot_ref.index, p.lot_ref.generation);
        let track = *self
            .lots
            .get(&key)
            .expect("every lot is recorded before it is taken");
        self.stats.proceeds += t.paid_native as u128;
        self.stats.sold_value_at_seizure += track.value_at_seizure(t.collateral_out_native);
        let left_collateral = p.lot.collateral_native - t.collateral_out_native;
        let left_debt = p.lot.tab_debt_native - t.to_pool_native;
        if t.tab_closed || (left_collateral == 0 && left_debt == 0) {
            self.close_lot(key, left_collateral);
        } else if left_collateral == 0 {
            return Ok(Some(p.lot_ref));
        }
        Ok(None)
    }

    /// Records what the owner of a closed lot lost beyond the debt moved off
    /// the position: collateral not returned, at the seizure price, minus
    /// that debt (penalty plus auction discount; negative when underwater).
    pub fn close_lot(&mut self, key: (u32, u32), returned_collateral: u64) {
        if let Some(track) = self.lots.get(&key) {
            let kept = track.initial_collateral.saturating_sub(returned_collateral);
            self.stats.loss += track.value_at_seizure(kept) - track.debt_moved as f64;
            self.stats.loss_base += track.seized_value as f64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MAX_CONGESTION;

    #[test]
    fn speed_is_the_mean_absolute_log_move_over_the_window() {
        let mut b = BidderState::new(1);
        assert_eq!(b.observe(100.0), 0.0, "one price: no speed");
        let s = b.observe(99.0);
        assert!((s - (100.0f64 / 99.0).ln()).abs() < 1e-12);
        // A steady 1% a slot for longer than the window.
        let mut p = 99.0;
        let mut last = 0.0;
        for _ in 0..20 {
            p *= 0.99;
            last = b.observe(p);
        }
        assert!((last - (1.0f64 / 0.99).ln()).abs() < 1e-12, "{last}");
        assert_eq!(b.prices.len(), SPEED_WINDOW_SLOTS + 1);
    }

    #[test]
    fn capital_comes_back_after_the_recycle_slots() {
        let mut b = BidderState::new(1);
        b.locked.push_back((15, 300.0));
        b.locked.push_back((20, 200.0));
        assert_eq!(b.available(10, 1_000.0), 500.0);
        assert_eq!(b.available(15, 1_000.0), 800.0);
        assert_eq!(b.available(20, 1_000.0), 1_000.0);
    }

    #[test]
    fn the_stress_grows_with_speed_within_its_caps() {
        let st = BidderStress::DEFAULT;
        assert_eq!(st.congestion(0.0), 0.05);
        assert!((st.congestion(0.015) - 0.35).abs() < 1e-12);
        assert_eq!(st.congestion(1.0), MAX_CONGESTION);
        assert!((st.margin(0.015) - (BIDDER_MARGIN + 0.06)).abs() < 1e-12);
        assert!(st
            .describe(20e6)
            .contains("2000000 quote of capital (10% of the depth)"));
    }
}
