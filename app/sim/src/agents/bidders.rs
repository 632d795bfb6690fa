//! The simulator's bidder: takes lots at the auction price
//! (`softliq_keeper::bid::ask`) when it can resell them in the external
//! market at least [`BIDDER_MARGIN`] above what it pays, sizes the take with
//! the program's `engine::auction::take`, and resells at once.
use harness::market::LotRef;
use softliq::engine::auction::{self, Take, TakeError};
use softliq::state::Lot;
use softliq_keeper::ixs;
use softliq_keeper::oracle::{price_units, scaled_price};
use solana_instruction::Instruction;

use crate::agents;
use crate::config::{SimError, BIDDER_MARGIN};
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

impl World<'_> {
    /// The bidder's valuation of a lot's first unit, scaled like oracle
    /// prices: the external market's marginal resale price after its fee,
    /// less the margin.
    fn valuation_scaled(&self) -> u64 {
        let keep = 1.0 - f64::from(DEFAULT_FEE_BPS) / 1e4;
        let units = self.amm.price() * keep * (1.0 - BIDDER_MARGIN);
        scaled_price(units, COLLATERAL_DECIMALS, DEBT_DECIMALS)
    }

    /// The bidder, cheapest lots first: takes as much of each lot as it can
    /// resell in the external market at an average price at least
    /// `BIDDER_MARGIN` above what it pays (its own sales moving the price).
    pub fn plan_takes(
        &self,
        slot: u64,
        open: &[(LotRef, Lot)],
    ) -> Result<Vec<TakePlan>, MarketError> {
        let valuation = self.valuation_scaled();
        let mut offers: Vec<(u64, LotRef, Lot)> = open
            .iter()
            .filter_map(|(r, l)| {
                agents::take_price(&self.params, l, slot, valuation).map(|price| (price, *r, *l))
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
                let need = paid_per_base / (1.0 - BIDDER_MARGIN);
                let x = (amm.quote_reserve() * keep / need - amm.base_reserve()) / keep;
                if x <= 0.0 {
                    break; // the cheapest remaining lot is not worth it: none is
                }
                ((x * 1e9).floor() as u64).min(lot.collateral_native)
            };
            if want == 0 {
                break;
            }
            let Ok(take) = take_or_leave_dust(&lot, price, want, self.params.dust_native) else {
                continue;
            };
            amm.sell_base(take.collateral_out_native as f64 / 1e9)?;
            plans.push(TakePlan {
                lot_ref,
                lot,
                price,
                take,
            });
        }
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
