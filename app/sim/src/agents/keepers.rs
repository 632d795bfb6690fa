//! The simulator's keepers, over the shipped keeper crate: cranks
//! (`softliq_keeper::scan` to find and rank, `pack` to pack,
//! `scan::budget_spent` to stop), auction resets and settlements, and the
//! lot book as `softliq_keeper::scan::open_lots` reads it. Instructions come
//! from `softliq_keeper::ixs`.
use harness::market::LotRef;
use softliq::engine::auction;
use softliq::state::Lot;
use softliq_keeper::ixs;
use softliq_keeper::scan;
use solana_instruction::Instruction;
use std::time::Instant;

use crate::agents;
use crate::config::SimError;
use crate::tx;
use crate::world::{LotTrack, World};

impl World<'_> {
    /// The keepers' crank turn at `slot`: read the oracle as the program
    /// would ([`World::read_usable_price`]) and crank only when it is usable.
    pub async fn keeper_turn(&mut self, slot: u64) {
        let clock = Instant::now();
        self.usable_price = self.read_usable_price().await;
        if let Some(price) = self.usable_price {
            self.crank_all(slot, price).await;
        }
        self.trace.slot.crank_ms = clock.elapsed().as_secs_f64() * 1e3;
    }

    /// Keepers: every liquidatable position at the oracle's `price`, ranked
    /// by `scan::rank_for_crank`, packed into cranks; stops once the
    /// market's per-slot budget is spent (`scan::budget_spent`).
    pub async fn crank_all(&mut self, slot: u64, price: u64) {
        // As the crank will see it: margins with their volatility add-ons
        // and the depth budget in `market.params`.
        let market = agents::as_crank_sees(
            &self.tm.market_state(&mut self.bank).await,
            slot,
            Some(price),
        );
        let mut candidates = Vec::new();
        for slab in self.tm.slabs.clone() {
            let data = self.bank.data(&slab).await;
            candidates.extend(agents::liquidatable(&market, &slab, &data, price, slot));
        }
        self.trace.slot.candidates = candidates.len();
        if candidates.is_empty() {
            return;
        }
        agents::rank_for_crank(&mut candidates, &market.params, price);
        let per_crank = market.params.max_positions_per_crank as usize;
        let budget_native = market.params.max_liq_notional_per_slot;
        let payer = self.bank.payer();
        let (keeper, keeper_debt) = self.keeper_keys();
        let crank_ix =
            |slab, entries| ixs::crank_ix(&self.keys, &keeper, &keeper_debt, &slab, entries);
        let batches = agents::pack_cranks(&candidates, per_crank, &payer, crank_ix);
        for batch in batches {
            if budget_native != 0 {
                let now = self.tm.market_state(&mut self.bank).await;
                if scan::budget_spent(&market.params, &now, slot) {
                    break;
                }
            }
            let n = batch.entries.len();
            let ixn = ixs::crank_ix(
                &self.keys,
                &keeper,
                &keeper_debt,
                &batch.slab,
                batch.entries,
            );
            self.trace.slot.cranks += 1;
            if let Err(e) = self.bank.send(&[ixn], &[&self.keeper.kp]).await {
                self.unexpected(slot, &format!("crank_liquidate of {n} entries"), &e);
            }
        }
    }

    /// Records the lots not seen before; returns their notional (oracle value
    /// at seizure).
    fn record_new_lots(&mut self, open: &[(LotRef, Lot)]) -> u128 {
        let mut notional = 0u128;
        for (r, lot) in open {
            let key = (r.index, r.generation);
            if self.lots.contains_key(&key) {
                continue;
            }
            self.lots.insert(
                key,
                LotTrack {
                    initial_collateral: lot.collateral_native,
                    seized_value: lot.seized_value_native,
                    debt_moved: lot.tab_debt_native,
                },
            );
            notional += lot.seized_value_native as u128;
            self.liquidated
                .insert((lot.slab, lot.position_index, lot.position_generation));
        }
        notional
    }

    /// Resets every stale auction (`scan::lot_status`); true when any was sent.
    async fn reset_stale(&mut self, slot: u64, open: &[(LotRef, Lot)]) -> bool {
        let stale: Vec<LotRef> = open
            .iter()
            .filter(|(_, l)| l.collateral_native > 0 && agents::needs_reset(&self.params, l, slot))
            .map(|(r, _)| *r)
            .collect();
        let (keeper, keeper_debt) = self.keeper_keys();
        for r in &stale {
            self.trace.slot.resets += 1;
            let reset = ixs::reset_ix(&self.keys, &keeper, &keeper_debt, r.index, r.generation);
            if let Err(e) = self.bank.send(&[reset], &[&self.keeper.kp]).await {
                self.unexpected(
                    slot,
                    &format!("auction_reset of lot {}/{}", r.index, r.generation),
                    &e,
                );
            }
        }
        !stale.is_empty()
    }

    /// Lots: record new ones, settle sold-out ones, reset stale auctions
    /// (when the oracle is usable), let the bidder take what is worth taking.
    /// Returns the notional seized this slot (oracle value of the new lots).
    pub async fn lot_phase(&mut self, slot: u64) -> Result<u128, SimError> {
        let mut open = self.read_lots().await;
        self.stats.max_open_lots = self.stats.max_open_lots.max(open.len());
        self.trace.slot.lots_open = open.len();
        let notional = self.record_new_lots(&open);
        let sold_out: Vec<LotRef> = open
            .iter()
            .filter(|(_, l)| l.collateral_native == 0)
            .map(|(r, _)| *r)
            .collect();
        self.settle_all(slot, sold_out).await;
        if self.usable_price.is_some() && self.reset_stale(slot, &open).await {
            open = self.read_lots().await;
        }
        // The market's price of this slot (the keepers' `refresh_risk` or
        // crank fed it), which an anchored auction prices takes from.
        let risk_state = self.tm.market_state(&mut self.bank).await.risk_state;
        let reference = auction::reference_price(&risk_state, slot);
        let plans = self
            .plan_takes(slot, &open, reference)
            .map_err(|e| self.market_err(e))?;
        let sold_out = self.send_takes(slot, plans).await?;
        self.settle_all(slot, sold_out).await;
        Ok(notional)
    }

    fn settle_ix(&self, r: LotRef) -> Instruction {
        ixs::settle_ix(&self.keys, &self.keeper.key(), r.index, r.generation)
    }

    /// Settles sold-out lots, packed into transactions (retried one by one
    /// when a transaction fails).
    pub async fn settle_all(&mut self, slot: u64, lots: Vec<LotRef>) {
        let payer = self.bank.payer();
        let ixs: Vec<Instruction> = lots.iter().map(|r| self.settle_ix(*r)).collect();
        for group in tx::pack_by_size(&payer, ixs.len(), |i| ixs[i].clone()) {
            let batch: Vec<Instruction> = group.clone().map(|i| ixs[i].clone()).collect();
            self.trace.slot.settles += batch.len();
            if self.bank.send(&batch, &[&self.keeper.kp]).await.is_ok() {
                for r in &lots[group] {
                    self.close_lot((r.index, r.generation), 0);
                }
                continue;
            }
            for r in &lots[group] {
                match self
                    .bank
                    .send(&[self.settle_ix(*r)], &[&self.keeper.kp])
                    .await
                {
                    Ok(()) => self.close_lot((r.index, r.generation), 0),
                    Err(e) => self.unexpected(
                        slot,
                        &format!("auction_settle of lot {}/{}", r.index, r.generation),
                        &e,
                    ),
                }
            }
        }
    }
}
