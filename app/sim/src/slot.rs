//! One slot of a run, in order: the prices move (arbitrage, then the
//! oracle's update), the keepers crank, the lots are settled, reset and
//! taken, and the slot is sampled.
use std::time::Instant;

use crate::config::SimError;
use crate::report::SlotSample;
use crate::trace::RowPrices;
use crate::world::World;

impl World<'_> {
    /// Slot `base + t`: arbitrage, oracle update, keepers, bidders, sample.
    pub async fn step(&mut self, base: u64, t: u64) -> Result<SlotSample, SimError> {
        let slot = base + t;
        self.bank.warp_to(slot).await;
        let fundamental = self.config.path.price_at(t);
        self.move_prices(slot, t, fundamental).await?;
        let mut notional = 0u128;
        self.trace.slot = Default::default();
        if self.kind.keepers() {
            self.keeper_turn(slot).await;
            let clock = Instant::now();
            notional = self.lot_phase(slot).await?;
            self.trace.slot.lot_ms = clock.elapsed().as_secs_f64() * 1e3;
        }
        let clock = Instant::now();
        self.stats.liquidated_notional += notional;
        self.stats.max_slot_notional = self.stats.max_slot_notional.max(notional);
        self.stats.max_impact_bps = self
            .stats
            .max_impact_bps
            .max(self.amm.price_impact_bps(fundamental));
        let sale_impact_bps = (self.shadow.price() - self.amm.price()).abs() / fundamental * 1e4;
        self.stats.max_sale_impact_bps = self.stats.max_sale_impact_bps.max(sale_impact_bps);

        let market = self.tm.market_state(&mut self.bank).await;
        let (latent, _) = self.latent_and_closed(fundamental, &market).await;
        let realised = (market.bad_debt_insurance_native as f64
            + market.bad_debt_socialized_native as f64)
            / 1e6;
        let sample = SlotSample {
            oracle_price: self.oracle_price,
            fundamental,
            liquidated_notional: notional as f64 / 1e6,
            insurance_balance: market.insurance_balance_native as f64 / 1e6,
            bad_debt: realised + latent,
        };
        self.trace.slot.sample_ms = clock.elapsed().as_secs_f64() * 1e3;
        let prices = RowPrices {
            fundamental,
            amm: self.amm.price(),
        };
        self.trace.push_row(t, prices, &sample, &market);
        Ok(sample)
    }
}
