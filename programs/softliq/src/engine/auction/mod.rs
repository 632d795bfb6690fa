//! Dutch-auction pricing and takes (pure, integer). Prices round up (the
//! protocol sells); collateral handed to a taker rounds down.
use crate::engine::risk::{ewma_ppb, per_slot_sample_ppb2, update_weight_ppb, PPB};
use crate::math::{mul_div_u128, to_u64, Rounding, BPS, PRICE_SCALE};
use crate::state::{Lot, MarketParams, RiskParams, RiskState, LOT_HELD_FLAGS};

pub const CURVE_LINEAR: u64 = 0;
pub const CURVE_STEP_EXP: u64 = 1;
/// The stepwise exponential curve, anchored to the market: a lot's ask is
/// also at most the curve restarted, with the lot's elapsed slots, at the
/// market's guarded oracle price of the current slot ([`reference_price`],
/// [`quote_at`]), so that it follows a falling market down instead of
/// waiting above it (docs/auction-hold.md, "Anchored auction").
pub const CURVE_ANCHORED: u64 = 2;
const FACTOR_SCALE: u128 = 1_000_000_000_000_000_000;

/// Start price of a lot: `oracle × start_buffer`.
pub fn start_price(oracle_price: u64, start_buffer_bps: u64) -> Option<u64> {
    to_u64(mul_div_u128(
        oracle_price as u128,
        start_buffer_bps as u128,
        BPS as u128,
        Rounding::Up,
    )?)
}

/// `cut_bps / 10_000` to the power `n`, scaled by 1e18, rounded up.
fn pow_factor(cut_bps: u64, mut n: u64) -> Option<u128> {
    let mut base = mul_div_u128(cut_bps as u128, FACTOR_SCALE, BPS as u128, Rounding::Up)?;
    let mut acc = FACTOR_SCALE;
    while n > 0 {
        if n & 1 == 1 {
            acc = mul_div_u128(acc, base, FACTOR_SCALE, Rounding::Up)?;
        }
        n >>= 1;
        if n > 0 {
            base = mul_div_u128(base, base, FACTOR_SCALE, Rounding::Up)?;
        }
    }
    Some(acc)
}

/// Price of a lot `elapsed` slots after its start. Monotone non-increasing, never negative.
pub fn price_at(p: &MarketParams, start: u64, elapsed_slots: u64) -> Option<u64> {
    match p.auction_curve {
        CURVE_STEP_EXP | CURVE_ANCHORED => {
            let step = p.auction_step_slots.max(1);
            let f = pow_factor(p.auction_cut_bps.min(BPS), elapsed_slots.checked_div(step)?)?;
            to_u64(mul_div_u128(start as u128, f, FACTOR_SCALE, Rounding::Up)?)
        }
        _ => {
            let tau = p.auction_tau_slots.max(1);
            if elapsed_slots >= tau {
                return Some(0);
            }
            let left = tau.checked_sub(elapsed_slots)?;
            to_u64(mul_div_u128(
                start as u128,
                left as u128,
                tau as u128,
                Rounding::Up,
            )?)
        }
    }
}

/// A lot needs a reset when past the tail or below `cusp × start`. This holds
/// however many resets a lot had: a lot is never sold below `cusp` of a
/// fresh, guarded oracle price (the floor), so waiting past the last paid
/// reset does not let anyone buy collateral for next to nothing.
pub fn needs_reset(p: &MarketParams, start: u64, price: u64, elapsed_slots: u64) -> Option<bool> {
    let cusp = mul_div_u128(
        start as u128,
        p.auction_cusp_bps as u128,
        BPS as u128,
        Rounding::Down,
    )?;
    Some(elapsed_slots > p.auction_tail_slots || (price as u128) < cusp)
}

/// A lot's auction at a slot: its price and whether it needs a reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quote {
    pub price: u64,
    pub needs_reset: bool,
}

/// The price at which the lot's whole collateral repays its debt tab
/// (rounded up, so that a sale at it never leaves debt; `u64::MAX` when the
/// lot has debt but no collateral, 0 when it owes nothing).
pub fn debt_price(lot: &Lot) -> Option<u64> {
    if lot.tab_debt_native == 0 {
        return Some(0);
    }
    if lot.collateral_native == 0 {
        return Some(u64::MAX);
    }
    let price = mul_div_u128(
        lot.tab_debt_native as u128,
        PRICE_SCALE as u128,
        lot.collateral_native as u128,
        Rounding::Up,
    )?;
    Some(price.min(u64::MAX as u128) as u64)
}

/// Whether the first-round hold applies to `lot`: the market holds
/// (`auction_hold_slots > 0`), the lot was seized insolvent (its debt above
/// the oracle value of its collateral, `LOT_INSOLVENT`), during a fast
/// fall (`LOT_FAST_FALL`) or beyond the base budget (`LOT_OVERFLOW`), and is
/// in its first round (never reset).
pub fn is_held(p: &MarketParams, lot: &Lot) -> bool {
    p.auction_hold_slots > 0 && lot.resets == 0 && lot.flags & LOT_HELD_FLAGS != 0
}

/// Whether no auction take landed in the `quiet_slots` slots before `slot`
/// (`last_take_slot`, 0 = never): the takes' resales move the external
/// market the oracle reports, so only a quiet slot's price is the market's.
pub fn is_quiet(slot: u64, last_take_slot: u64, quiet_slots: u64) -> bool {
    last_take_slot == 0 || slot.saturating_sub(last_take_slot) > quiet_slots
}

/// Whether `price`, observed at `slot`, shows a fast fall that the market's
/// own sales did not cause: it is below the previous observation
/// (`prev_price` at `prev_slot`) by at least `max_move_bps` a slot on
/// average, and no auction take landed in the `quiet_slots` slots before it
/// (`last_take_slot`, 0 = never; the takes' resales move the external market
/// the oracle reports). False when there is no previous observation or no
/// slot between them (docs/auction-hold.md, "Fast-fall hold").
pub fn is_fast_fall(
    (prev_price, prev_slot): (u64, u64),
    (price, slot): (u64, u64),
    last_take_slot: u64,
    max_move_bps: u64,
    quiet_slots: u64,
) -> bool {
    if !is_quiet(slot, last_take_slot, quiet_slots) {
        return false;
    }
    let Some(dt) = slot.checked_sub(prev_slot).filter(|dt| *dt > 0) else {
        return false;
    };
    let Some(drop) = prev_price.checked_sub(price).filter(|d| *d > 0) else {
        return false;
    };
    let drop_scaled = u128::from(drop).saturating_mul(u128::from(BPS));
    let limit = u128::from(prev_price)
        .saturating_mul(u128::from(max_move_bps))
        .saturating_mul(u128::from(dt));
    drop_scaled >= limit
}

/// A fall within this many standard deviations of the market's quiet-slot
/// volatility ([`QuietVol`]) is noise to the fast-fall detector, however fast
/// (a 4σ one-slot fall comes about once in 30,000 slots of a random walk).
pub const FAST_FALL_SIGMAS: u64 = 4;

/// The market's quiet-slot volatility: an exponentially weighted per-slot
/// variance (the estimator's half-life and return cap, `RiskParams`) fed
/// only by observations that no auction take preceded within the quiet
/// window, so that the protocol's own resales, which move the external
/// market the oracle reports, do not count as the market's noise. It keeps
/// the weight gathered so far (`weight_ppb`, from 0 toward 1) to correct the
/// estimate's start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QuietVol {
    pub variance_ppb2: u64,
    pub weight_ppb: u64,
}

impl QuietVol {
    /// The estimate after one quiet observation: a return from `prev_price`
    /// to `price` over `dt_slots ≥ 1` slots.
    pub fn observe(
        self,
        r: &RiskParams,
        prev_price: u64,
        price: u64,
        dt_slots: u64,
    ) -> Option<Self> {
        let sample = per_slot_sample_ppb2(r, prev_price, price, dt_slots)?;
        let w = update_weight_ppb(dt_slots, r.vol_half_life_slots)?;
        Some(Self {
            variance_ppb2: ewma_ppb(self.variance_ppb2, sample, w)?,
            weight_ppb: ewma_ppb(self.weight_ppb, PPB, w)?,
        })
    }

    /// The per-slot variance (ppb², rounded up), corrected for the weight
    /// not gathered yet: `variance ÷ weight`; 0 before any observation.
    pub fn per_slot_variance_ppb2(self) -> u64 {
        if self.weight_ppb == 0 {
            return 0;
        }
        mul_div_u128(
            u128::from(self.variance_ppb2),
            u128::from(PPB),
            u128::from(self.weight_ppb),
            Rounding::Up,
        )
        .map_or(u64::MAX, |v| u64::try_from(v).unwrap_or(u64::MAX))
    }
}

/// Whether a fall from `prev_price` to `price` over `dt_slots` is beyond
/// the market's noise: `drop² ≥ FAST_FALL_SIGMAS² · variance · dt` (returns
/// in ppb, the drop rounded down). With no variance observed, any fall is.
pub fn beyond_noise(
    prev_price: u64,
    price: u64,
    dt_slots: u64,
    per_slot_variance_ppb2: u64,
) -> bool {
    let Some(drop) = prev_price.checked_sub(price).filter(|d| *d > 0) else {
        return false;
    };
    let Some(drop_ppb) = mul_div_u128(
        u128::from(drop),
        u128::from(PPB),
        u128::from(prev_price),
        Rounding::Down,
    ) else {
        return false;
    };
    let sigmas2 = u128::from(FAST_FALL_SIGMAS).saturating_mul(u128::from(FAST_FALL_SIGMAS));
    let limit = sigmas2
        .saturating_mul(u128::from(per_slot_variance_ppb2))
        .saturating_mul(u128::from(dt_slots.max(1)));
    drop_ppb.saturating_mul(drop_ppb) >= limit
}

/// The lot's auction at `slot` (docs/auction-hold.md):
///
/// - a held lot ([`is_held`]) is priced at `max(curve, debt_price)` for
///   `auction_hold_slots` after its seizure: an insolvent lot is not sold
///   below what repays its debt into the fall that made it insolvent; then it
///   needs a reset, and its next round is an ordinary auction at the fresh
///   oracle price;
/// - every other lot follows the curve ([`price_at`]) and needs a reset past
///   the tail or below the cusp ([`needs_reset`]).
pub fn quote(p: &MarketParams, lot: &Lot, slot: u64) -> Option<Quote> {
    quote_at(p, lot, slot, None)
}

/// The market's guarded oracle price when it was observed in `slot` itself
/// (by a crank, `refresh_risk`, a borrow, ...: `RiskState::last_price`),
/// else `None`: an anchored auction never prices from an older price.
pub fn reference_price(risk_state: &RiskState, slot: u64) -> Option<u64> {
    (risk_state.last_price > 0 && risk_state.last_slot == slot).then_some(risk_state.last_price)
}

/// [`quote`] with the market's reference price of the slot
/// ([`reference_price`]). On an anchored market (`CURVE_ANCHORED`) the
/// curve's price is the lower of the lot's own curve and the same curve
/// restarted at `reference` (`start_price(reference, start_buffer)`) with the
/// lot's elapsed slots: a lot never asks more than a fresh lot of its age
/// would. The reference only lowers the curve, the held lot's debt-price
/// floor still applies, and resets follow the lot's own curve. Other curves,
/// or no reference, price as [`quote`].
pub fn quote_at(p: &MarketParams, lot: &Lot, slot: u64, reference: Option<u64>) -> Option<Quote> {
    let elapsed = slot.saturating_sub(lot.start_slot);
    let own = price_at(p, lot.start_price, elapsed)?;
    let curve = match reference {
        Some(r) if p.auction_curve == CURVE_ANCHORED => {
            let anchored = price_at(p, start_price(r, p.auction_start_buffer_bps)?, elapsed)?;
            own.min(anchored)
        }
        _ => own,
    };
    if is_held(p, lot) {
        return Some(Quote {
            price: curve.max(debt_price(lot)?),
            needs_reset: elapsed > p.auction_hold_slots,
        });
    }
    Some(Quote {
        price: curve,
        needs_reset: needs_reset(p, lot.start_price, own, elapsed)?,
    })
}

/// Whether a reset still earns its tip: the first `auction_max_resets` do;
/// later resets are free (anyone who wants to buy resets and takes).
pub fn reset_tip_due(p: &MarketParams, resets: u32) -> bool {
    (resets as u64) < p.auction_max_resets
}

/// Outcome of a take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Take {
    pub collateral_out_native: u64,
    /// Quote the taker pays.
    pub paid_native: u64,
    /// Part of `paid` that repays the pool (the lot's debt tab).
    pub to_pool_native: u64,
    /// Part of `paid` that goes to insurance (penalty).
    pub to_insurance_native: u64,
    /// The tab is fully paid: what collateral is left goes back to the owner.
    pub tab_closed: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TakeError {
    Math,
    NothingToTake,
    LeavesDust,
}

/// A take of up to `max_collateral` at `price` from a lot.
pub fn take(
    lot_collateral: u64,
    tab_debt: u64,
    tab_penalty: u64,
    price: u64,
    max_collateral: u64,
    dust: u64,
) -> Result<Take, TakeError> {
    let tab = tab_debt.checked_add(tab_penalty).ok_or(TakeError::Math)?;
    let want = max_collateral.min(lot_collateral);
    if want == 0 || tab == 0 {
        return Err(TakeError::NothingToTake);
    }
    // Collateral whose value at `price` covers the tab (at most one unit short).
    let for_tab = if price == 0 {
        u128::MAX
    } else {
        mul_div_u128(
            tab as u128,
            PRICE_SCALE as u128,
            price as u128,
            Rounding::Down,
        )
        .ok_or(TakeError::Math)?
        .max(1)
    };
    let (coll, paid) = if (want as u128) >= for_tab {
        (for_tab as u64, tab)
    } else {
        let cost = mul_div_u128(
            want as u128,
            price as u128,
            PRICE_SCALE as u128,
            Rounding::Up,
        )
        .ok_or(TakeError::Math)?;
        (want, cost.min(tab as u128) as u64)
    };
    let left_tab = tab.checked_sub(paid).ok_or(TakeError::Math)?;
    let left_coll = lot_collateral.checked_sub(coll).ok_or(TakeError::Math)?;
    if left_tab > 0 && left_tab < dust && left_coll > 0 {
        return Err(TakeError::LeavesDust);
    }
    let to_pool = paid.min(tab_debt);
    Ok(Take {
        collateral_out_native: coll,
        paid_native: paid,
        to_pool_native: to_pool,
        to_insurance_native: paid.checked_sub(to_pool).ok_or(TakeError::Math)?,
        tab_closed: left_tab == 0,
    })
}

#[cfg(test)]
mod tests;
