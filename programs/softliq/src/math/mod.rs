//! Checked fixed-point arithmetic with an explicit rounding direction.
//!
//! Every function returns `Option` (None = overflow or division by zero) so
//! that the pure engine stays free of Anchor; the program maps `None` to
//! `SoftliqError::MathOverflow` with `math!` (`crate::error`) at the call site.

/// Prices are quote-native per base-native, scaled by this.
pub const PRICE_SCALE: u64 = 1_000_000_000_000;
/// Basis points in one.
pub const BPS: u64 = 10_000;
/// Scale of the borrow index (1.0 = `BORROW_INDEX_SCALE`).
pub const BORROW_INDEX_SCALE: u64 = 1_000_000_000_000_000;
/// Slots per year used to turn an annual rate into a per-slot one (400 ms slots).
pub const SLOTS_PER_YEAR: u64 = 78_840_000;

/// Which way a division rounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    Down,
    Up,
}

/// `a * b / c` in u128, rounded as asked, result must fit in u128.
pub fn mul_div_u128(a: u128, b: u128, c: u128, r: Rounding) -> Option<u128> {
    if c == 0 {
        return None;
    }
    let p = a.checked_mul(b)?;
    let q = p.checked_div(c)?;
    let rem = p.checked_rem(c)?;
    match r {
        Rounding::Up if rem != 0 => q.checked_add(1),
        _ => Some(q),
    }
}

/// `a * b / c` with u64 inputs, result must fit in u64.
pub fn mul_div(a: u64, b: u64, c: u64, r: Rounding) -> Option<u64> {
    let v = mul_div_u128(a as u128, b as u128, c as u128, r)?;
    u64::try_from(v).ok()
}

/// Value in quote native of `amount_native` base at `price_scaled`.
pub fn value_of(amount_native: u64, price_scaled: u64, r: Rounding) -> Option<u128> {
    mul_div_u128(
        amount_native as u128,
        price_scaled as u128,
        PRICE_SCALE as u128,
        r,
    )
}

/// Base native worth `value_native` quote at `price_scaled`.
pub fn amount_for_value(value_native: u128, price_scaled: u64, r: Rounding) -> Option<u128> {
    mul_div_u128(value_native, PRICE_SCALE as u128, price_scaled as u128, r)
}

/// `amount * bps / 10_000`.
pub fn apply_bps(amount: u128, bps: u64, r: Rounding) -> Option<u128> {
    mul_div_u128(amount, bps as u128, BPS as u128, r)
}

/// u128 -> u64 or None.
pub fn to_u64(v: u128) -> Option<u64> {
    u64::try_from(v).ok()
}

/// 10^exp as u128 (exp <= 38).
pub fn pow10(exp: u32) -> Option<u128> {
    10u128.checked_pow(exp)
}

#[cfg(test)]
mod tests;
