//! The external market: a constant-product AMM of finite depth.
//!
//! Bidders resell seized collateral here, which moves its price; each slot
//! arbitrageurs close a fraction of the gap between this price and the
//! fundamental path. Amounts are decimal units (base and quote), not native
//! units. The fee is taken on the input side and stays in the pool, so the
//! product `k = base × quote` never decreases.

/// Quote liquidity per side unless told otherwise ($20M).
pub const DEFAULT_QUOTE_DEPTH: f64 = 20_000_000.0;
/// Swap fee unless told otherwise (0.30%).
pub const DEFAULT_FEE_BPS: u32 = 30;
const BPS: f64 = 10_000.0;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MarketError {
    #[error("market price must be positive and finite, got {0}")]
    BadPrice(f64),
    #[error("market depth must be positive and finite, got {0} quote")]
    BadDepth(f64),
    #[error("fee must be below 10000 bps, got {0}")]
    BadFee(u32),
    #[error("trade amount must be non-negative and finite, got {0}")]
    BadAmount(f64),
    #[error("cannot buy {wanted} base: the pool holds {reserve}")]
    InsufficientBase { wanted: f64, reserve: f64 },
    #[error("arbitrage strength must be within 0..=1, got {0}")]
    BadStrength(f64),
}

/// Reserves moved by a trade, signed from the pool's side (positive: into
/// the pool).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Trade {
    pub base_into_pool: f64,
    pub quote_into_pool: f64,
}

/// A constant-product pool of base against quote.
#[derive(Debug, Clone, PartialEq)]
pub struct Amm {
    base_reserve: f64,
    quote_reserve: f64,
    fee_bps: u32,
}

impl Amm {
    /// A pool whose mid price is `price` (quote per base) holding
    /// `quote_depth` of quote and the same value of base.
    pub fn new(price: f64, quote_depth: f64, fee_bps: u32) -> Result<Amm, MarketError> {
        if !(price.is_finite() && price > 0.0) {
            return Err(MarketError::BadPrice(price));
        }
        if !(quote_depth.is_finite() && quote_depth > 0.0) {
            return Err(MarketError::BadDepth(quote_depth));
        }
        if f64::from(fee_bps) >= BPS {
            return Err(MarketError::BadFee(fee_bps));
        }
        Ok(Amm {
            base_reserve: quote_depth / price,
            quote_reserve: quote_depth,
            fee_bps,
        })
    }

    /// A pool with the default depth and fee.
    pub fn with_default_depth(price: f64) -> Result<Amm, MarketError> {
        Amm::new(price, DEFAULT_QUOTE_DEPTH, DEFAULT_FEE_BPS)
    }

    /// Mid price, quote per base.
    pub fn price(&self) -> f64 {
        self.quote_reserve / self.base_reserve
    }

    pub fn base_reserve(&self) -> f64 {
        self.base_reserve
    }

    pub fn quote_reserve(&self) -> f64 {
        self.quote_reserve
    }

    pub fn fee_bps(&self) -> u32 {
        self.fee_bps
    }

    /// The constant product.
    pub fn k(&self) -> f64 {
        self.base_reserve * self.quote_reserve
    }

    /// Distance between the pool price and `fundamental_price`, in bps of
    /// the fundamental price.
    pub fn price_impact_bps(&self, fundamental_price: f64) -> f64 {
        (self.price() / fundamental_price - 1.0).abs() * BPS
    }

    fn fee_keep(&self) -> f64 {
        1.0 - f64::from(self.fee_bps) / BPS
    }

    /// Quote received for selling `amount_base`, without trading.
    pub fn preview_sell_base(&self, amount_base: f64) -> Result<f64, MarketError> {
        check_amount(amount_base)?;
        let effective_in = amount_base * self.fee_keep();
        Ok(self.quote_reserve * effective_in / (self.base_reserve + effective_in))
    }

    /// Sells `amount_base` into the pool; returns the quote received.
    pub fn sell_base(&mut self, amount_base: f64) -> Result<f64, MarketError> {
        let quote_out = self.preview_sell_base(amount_base)?;
        self.base_reserve += amount_base;
        self.quote_reserve -= quote_out;
        Ok(quote_out)
    }

    /// Quote to pay for receiving exactly `amount_base`, without trading.
    pub fn preview_buy_base(&self, amount_base: f64) -> Result<f64, MarketError> {
        check_amount(amount_base)?;
        if amount_base >= self.base_reserve {
            return Err(MarketError::InsufficientBase {
                wanted: amount_base,
                reserve: self.base_reserve,
            });
        }
        let effective_in = self.quote_reserve * amount_base / (self.base_reserve - amount_base);
        Ok(effective_in / self.fee_keep())
    }

    /// Buys exactly `amount_base` from the pool; returns the quote paid.
    pub fn buy_base(&mut self, amount_base: f64) -> Result<f64, MarketError> {
        let quote_in = self.preview_buy_base(amount_base)?;
        self.base_reserve -= amount_base;
        self.quote_reserve += quote_in;
        Ok(quote_in)
    }

    /// Spends exactly `amount_quote` on base; returns the base received.
    pub fn buy_base_with_quote(&mut self, amount_quote: f64) -> Result<f64, MarketError> {
        check_amount(amount_quote)?;
        let effective_in = amount_quote * self.fee_keep();
        let base_out = self.base_reserve * effective_in / (self.quote_reserve + effective_in);
        self.base_reserve -= base_out;
        self.quote_reserve += amount_quote;
        Ok(base_out)
    }

    /// Arbitrageurs close `strength` (a fraction in 0..=1) of the gap between
    /// the pool price and `fundamental_price`, paying the pool's fee; 1 closes
    /// it fully, 0 does nothing. Returns the trade they made.
    pub fn arbitrage_toward(
        &mut self,
        fundamental_price: f64,
        strength: f64,
    ) -> Result<Trade, MarketError> {
        if !(fundamental_price.is_finite() && fundamental_price > 0.0) {
            return Err(MarketError::BadPrice(fundamental_price));
        }
        if !(0.0..=1.0).contains(&strength) {
            return Err(MarketError::BadStrength(strength));
        }
        let price = self.price();
        let target = price + (fundamental_price - price) * strength;
        self.move_price_to(target)
    }

    /// Trades (paying the fee) until the pool price is `target_price`.
    pub fn move_price_to(&mut self, target_price: f64) -> Result<Trade, MarketError> {
        if !(target_price.is_finite() && target_price > 0.0) {
            return Err(MarketError::BadPrice(target_price));
        }
        let price = self.price();
        let keep = self.fee_keep();
        let k = self.k();
        if target_price > price {
            // Quote in: (Q + dq)(Q + keep·dq) = k·target.
            let q = self.quote_reserve;
            let amount_quote = positive_root(keep, q * (1.0 + keep), k * target_price - q * q);
            let base_out = self.buy_base_with_quote(amount_quote)?;
            Ok(Trade {
                base_into_pool: -base_out,
                quote_into_pool: amount_quote,
            })
        } else if target_price < price {
            // Base in: (B + db)(B + keep·db) = k / target.
            let b = self.base_reserve;
            let amount_base = positive_root(keep, b * (1.0 + keep), k / target_price - b * b);
            let quote_out = self.sell_base(amount_base)?;
            Ok(Trade {
                base_into_pool: amount_base,
                quote_into_pool: -quote_out,
            })
        } else {
            Ok(Trade::default())
        }
    }
}

fn check_amount(amount: f64) -> Result<(), MarketError> {
    if amount.is_finite() && amount >= 0.0 {
        Ok(())
    } else {
        Err(MarketError::BadAmount(amount))
    }
}

/// The non-negative root of `a·x² + b·x − c = 0` for `a, b > 0`, `c ≥ 0`,
/// in the form that does not cancel when `c` is small.
fn positive_root(a: f64, b: f64, c: f64) -> f64 {
    let c = c.max(0.0);
    2.0 * c / (b + (b * b + 4.0 * a * c).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel_close(a: f64, b: f64, tolerance: f64) -> bool {
        (a / b - 1.0).abs() < tolerance
    }

    #[test]
    fn depth_is_quote_per_side_at_the_start_price() {
        let amm = Amm::new(100.0, 20_000_000.0, 30).unwrap();
        assert!(rel_close(amm.price(), 100.0, 1e-12));
        assert_eq!(amm.quote_reserve(), 20_000_000.0);
        assert!(rel_close(
            amm.base_reserve() * amm.price(),
            20_000_000.0,
            1e-12
        ));
        assert_eq!(
            Amm::with_default_depth(100.0).unwrap().quote_reserve(),
            DEFAULT_QUOTE_DEPTH
        );
    }

    #[test]
    fn invalid_parameters_are_rejected() {
        assert_eq!(Amm::new(0.0, 1.0, 0), Err(MarketError::BadPrice(0.0)));
        assert!(matches!(
            Amm::new(f64::NAN, 1.0, 0),
            Err(MarketError::BadPrice(_))
        ));
        assert_eq!(Amm::new(1.0, -5.0, 0), Err(MarketError::BadDepth(-5.0)));
        assert_eq!(Amm::new(1.0, 1.0, 10_000), Err(MarketError::BadFee(10_000)));
        let mut amm = Amm::new(1.0, 100.0, 30).unwrap();
        assert_eq!(amm.sell_base(-1.0), Err(MarketError::BadAmount(-1.0)));
        assert!(matches!(
            amm.buy_base(100.0),
            Err(MarketError::InsufficientBase { .. })
        ));
        assert_eq!(
            amm.arbitrage_toward(1.0, 1.5),
            Err(MarketError::BadStrength(1.5))
        );
        assert!(matches!(
            amm.arbitrage_toward(-1.0, 0.5),
            Err(MarketError::BadPrice(_))
        ));
        assert_eq!(
            amm,
            Amm::new(1.0, 100.0, 30).unwrap(),
            "failed calls trade nothing"
        );
    }

    #[test]
    fn selling_moves_price_down_and_more_for_more() {
        let mut amm = Amm::new(100.0, 20_000_000.0, 30).unwrap();
        let mut last_price = amm.price();
        let mut last_quote_per_base = f64::INFINITY;
        for _ in 0..5 {
            let quote_out = amm.sell_base(10_000.0).unwrap();
            assert!(amm.price() < last_price);
            let quote_per_base = quote_out / 10_000.0;
            assert!(
                quote_per_base < last_quote_per_base,
                "each sale fills worse"
            );
            assert!(quote_per_base < last_price, "fills below the mid");
            last_price = amm.price();
            last_quote_per_base = quote_per_base;
        }
        // 1% of the base reserve moves a constant-product price by about 2%.
        let mut amm = Amm::new(100.0, 20_000_000.0, 0).unwrap();
        amm.sell_base(2_000.0).unwrap();
        assert!(rel_close(amm.price(), 100.0 / 1.01_f64.powi(2), 1e-12));
    }

    #[test]
    fn buying_moves_price_up_and_round_trip_loses_the_fee() {
        let mut amm = Amm::new(100.0, 1_000_000.0, 30).unwrap();
        let quote_in = amm.buy_base(500.0).unwrap();
        assert!(amm.price() > 100.0);
        assert!(quote_in > 500.0 * 100.0);
        let quote_back = amm.sell_base(500.0).unwrap();
        assert!(quote_back < quote_in);
        let spent = 10_000.0;
        let base_out = amm.buy_base_with_quote(spent).unwrap();
        let mut check = amm.clone();
        check.sell_base(base_out).unwrap();
        assert!(check.price() < amm.price());
    }

    #[test]
    fn preview_matches_the_trade() {
        let mut amm = Amm::new(3.0, 50_000.0, 25).unwrap();
        let preview = amm.preview_sell_base(1_234.5).unwrap();
        assert_eq!(amm.sell_base(1_234.5).unwrap(), preview);
        let preview = amm.preview_buy_base(99.0).unwrap();
        assert_eq!(amm.buy_base(99.0).unwrap(), preview);
        assert_eq!(amm.sell_base(0.0).unwrap(), 0.0);
    }

    #[test]
    fn k_never_decreases_with_a_fee_and_stays_without() {
        let mut amm = Amm::new(100.0, 1_000_000.0, 30).unwrap();
        let mut k = amm.k();
        let steps: [(u8, f64); 8] = [
            (0, 1_000.0),
            (1, 300.0),
            (2, 50_000.0),
            (3, 90.0),
            (0, 0.5),
            (3, 130.0),
            (1, 2_000.0),
            (3, 100.0),
        ];
        for (op, amount) in steps {
            match op {
                0 => assert!(amm.sell_base(amount).is_ok()),
                1 => assert!(amm.buy_base(amount).is_ok()),
                2 => assert!(amm.buy_base_with_quote(amount).is_ok()),
                _ => assert!(amm.arbitrage_toward(amount, 0.5).is_ok()),
            }
            assert!(amm.k() >= k * (1.0 - 1e-12), "k fell after op {op}");
            k = amm.k();
        }
        assert!(k > 1_000_000.0 * 10_000.0, "fees grew k");

        let mut no_fee = Amm::new(100.0, 1_000_000.0, 0).unwrap();
        let k0 = no_fee.k();
        no_fee.sell_base(777.0).unwrap();
        no_fee.buy_base(333.0).unwrap();
        no_fee.arbitrage_toward(100.0, 1.0).unwrap();
        assert!(rel_close(no_fee.k(), k0, 1e-12));
        assert!(rel_close(no_fee.price(), 100.0, 1e-12));
    }

    #[test]
    fn arbitrage_pulls_back_monotonically_without_overshoot() {
        for fundamental in [100.0, 90.0] {
            let mut amm = Amm::new(100.0, 20_000_000.0, 30).unwrap();
            amm.sell_base(4_000.0).unwrap(); // 2% of the base reserve: about −4%
            let mut gap = (amm.price() - fundamental).abs();
            assert!(gap > 0.0);
            for _ in 0..40 {
                let below_before = amm.price() < fundamental;
                let trade = amm.arbitrage_toward(fundamental, 0.25).unwrap();
                let new_gap = (amm.price() - fundamental).abs();
                assert!(new_gap < gap, "gap must shrink");
                assert!(rel_close(new_gap, gap * 0.75, 1e-9), "closes 25% of it");
                assert_eq!(amm.price() < fundamental, below_before, "no overshoot");
                assert_eq!(trade.quote_into_pool > 0.0, below_before);
                assert_eq!(trade.base_into_pool < 0.0, below_before);
                gap = new_gap;
            }
            assert!(amm.price_impact_bps(fundamental) < 1.0);
        }
    }

    #[test]
    fn full_strength_closes_the_gap_from_above_and_below() {
        for target in [50.0, 99.999, 100.0, 100.001, 250.0] {
            let mut amm = Amm::new(100.0, 5_000_000.0, 100).unwrap();
            amm.arbitrage_toward(target, 1.0).unwrap();
            assert!(rel_close(amm.price(), target, 1e-12), "{target}");
        }
        let mut amm = Amm::new(100.0, 5_000_000.0, 100).unwrap();
        assert_eq!(amm.arbitrage_toward(60.0, 0.0).unwrap(), Trade::default());
        assert_eq!(amm.price(), 100.0);
    }

    #[test]
    fn price_impact_is_in_bps_of_fundamental() {
        let amm = Amm::new(95.0, 1.0, 0).unwrap();
        assert!(rel_close(amm.price_impact_bps(100.0), 500.0, 1e-9));
        let amm = Amm::new(110.0, 1.0, 0).unwrap();
        assert!(rel_close(amm.price_impact_bps(100.0), 1_000.0, 1e-9));
    }
}
