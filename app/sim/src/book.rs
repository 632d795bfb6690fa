//! The book of positions a run opens: sizes and leverage drawn from the seed.
//!
//! Every run of a simulation opens the same book (same seed), so the runs
//! differ only by their liquidation mechanism.

/// Lowest loan-to-value drawn.
pub const MIN_LTV: f64 = 0.40;
/// Highest loan-to-value drawn: just under the initial margin's 90% at the
/// conservative price (price − confidence, 0.05% here).
pub const MAX_LTV: f64 = 0.895;
/// Largest position ÷ smallest position (sizes are log-uniform).
pub const SIZE_SPREAD: f64 = 50.0;
/// Positions per slab (the book uses at least two slabs).
pub const POSITIONS_PER_SLAB: u64 = 5_000;
/// Positions per trader keypair.
pub const POSITIONS_PER_TRADER: usize = 200;

/// A small, fast, seedable generator (SplitMix64): the same seed gives the
/// same numbers on every machine.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One position of the book.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BookPosition {
    /// Index of the owning trader.
    pub trader: usize,
    /// Index of the slab it lives in.
    pub slab: usize,
    pub collateral_native: u64,
    pub debt_native: u64,
}

/// The book: positions, traders and slabs.
#[derive(Clone, Debug, PartialEq)]
pub struct Book {
    pub positions: Vec<BookPosition>,
    pub traders: usize,
    pub slabs: usize,
    /// Collateral value at the start price, quote.
    pub collateral_value: f64,
    /// Debt, quote.
    pub debt: f64,
}

impl Book {
    /// `n` positions whose collateral is worth `collateral_value` quote in
    /// total at `price` (quote per base); collateral has 9 decimals, debt 6.
    pub fn generate(n: u64, collateral_value: f64, price: f64, seed: u64) -> Book {
        let mut rng = Rng::new(seed ^ 0x5EED_B00C);
        let n = n as usize;
        let draws: Vec<(f64, f64)> = (0..n)
            .map(|_| {
                let weight = (rng.unit() * SIZE_SPREAD.ln()).exp();
                let ltv = MIN_LTV + rng.unit() * (MAX_LTV - MIN_LTV);
                (weight, ltv)
            })
            .collect();
        let total_weight: f64 = draws.iter().map(|(w, _)| w).sum();
        let slabs = ((n as u64).div_ceil(POSITIONS_PER_SLAB) as usize).max(2);
        let traders = n.div_ceil(POSITIONS_PER_TRADER).max(1);
        let mut positions = Vec::with_capacity(n);
        let (mut value_sum, mut debt_sum) = (0.0, 0.0);
        for (i, (weight, ltv)) in draws.into_iter().enumerate() {
            let value = collateral_value * weight / total_weight;
            let collateral_native = ((value / price) * 1e9).round().max(1.0) as u64;
            let value = collateral_native as f64 / 1e9 * price;
            let debt_native = (value * ltv * 1e6).floor().max(1.0) as u64;
            value_sum += value;
            debt_sum += debt_native as f64 / 1e6;
            positions.push(BookPosition {
                trader: i % traders,
                slab: i % slabs,
                collateral_native,
                debt_native,
            });
        }
        Book {
            positions,
            traders,
            slabs,
            collateral_value: value_sum,
            debt: debt_sum,
        }
    }

    /// Collateral each trader needs, native.
    pub fn trader_collateral(&self) -> Vec<u64> {
        let mut out = vec![0u64; self.traders];
        for p in &self.positions {
            out[p.trader] += p.collateral_native;
        }
        out
    }

    /// Positions per slab.
    pub fn slab_sizes(&self) -> Vec<u32> {
        let mut out = vec![0u32; self.slabs];
        for p in &self.positions {
            out[p.slab] += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_book_and_the_totals_hold() {
        let a = Book::generate(1_000, 4_000_000.0, 100.0, 7);
        assert_eq!(a, Book::generate(1_000, 4_000_000.0, 100.0, 7));
        assert_ne!(a, Book::generate(1_000, 4_000_000.0, 100.0, 8));
        assert!((a.collateral_value / 4_000_000.0 - 1.0).abs() < 1e-6);
        assert_eq!(a.slabs, 2);
        assert_eq!(a.slab_sizes(), vec![500, 500]);
        for p in &a.positions {
            let value = p.collateral_native as f64 / 1e9 * 100.0;
            let ltv = p.debt_native as f64 / 1e6 / value;
            assert!((MIN_LTV - 1e-6..=MAX_LTV).contains(&ltv), "{ltv}");
        }
        let ratio = a.debt / a.collateral_value;
        assert!(ratio > 0.55 && ratio < 0.75, "{ratio}");
    }

    #[test]
    fn rng_is_uniform_enough() {
        let mut r = Rng::new(1);
        let mean: f64 = (0..10_000).map(|_| r.unit()).sum::<f64>() / 10_000.0;
        assert!((mean - 0.5).abs() < 0.02);
    }
}
