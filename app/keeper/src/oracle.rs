//! Reading the market's oracle off chain with the program's own adapter:
//! the same dispatch and owner/format checks (`oracle::read_price`), guards
//! (`oracle::accept`: age, confidence, deviation, and no price older than the
//! market's last) and normalisation as `crank_liquidate` applies, so the
//! keeper prices positions exactly as the program will.
use anchor_lang::prelude::{AccountInfo, Pubkey};
use softliq::error::SoftliqError;
use softliq::oracle::{accept, normalize, read_price, OraclePrice, RawPrice};
use softliq::state::Market;
use solana_account::Account;

/// The oracle as the program would read it at a slot and time.
#[derive(Clone, Debug)]
pub struct Reading {
    pub raw: RawPrice,
    /// The price in the market's direction and scale.
    pub price: OraclePrice,
    /// The program's guards at that slot and time: a crank fails unless `Ok`.
    pub guard: Result<(), SoftliqError>,
}

impl Reading {
    /// The price a crank would use, if the guards pass.
    pub fn usable(&self) -> Option<u64> {
        self.guard.is_ok().then_some(self.price.price)
    }
}

/// Reads `account` (at `key`) as the market's oracle, with the guards
/// evaluated at `slot` / `unix_timestamp`. `Err` when the account cannot be
/// read at all (wrong owner or feed, malformed, non-positive price).
pub fn read(
    market: &Market,
    key: &Pubkey,
    account: &Account,
    slot: u64,
    unix_timestamp: i64,
) -> Result<Reading, String> {
    let mut lamports = account.lamports;
    let mut data = account.data.clone();
    let info = AccountInfo::new(
        key,
        false,
        false,
        &mut lamports,
        &mut data,
        &account.owner,
        false,
    );
    let raw = read_price(market, &info).map_err(|e| format!("oracle {key}: {e}"))?;
    let price = normalize(
        &raw,
        market.collateral_decimals,
        market.debt_decimals,
        market.inverted != 0,
    )
    .map_err(|e| format!("oracle {key}: {e}"))?;
    Ok(Reading {
        raw,
        price,
        guard: accept(&raw, market, slot, unix_timestamp),
    })
}

/// A decimal price in quote units per base unit ("101.25") scaled like
/// oracle prices: debt-native per collateral-native × `PRICE_SCALE`.
pub fn parse_price(s: &str, collateral_decimals: u8, debt_decimals: u8) -> Result<u64, String> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty()
        || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit())
    {
        return Err(format!("not a decimal price: {s:?}"));
    }
    let digits: u128 = format!("{int}{frac}")
        .parse()
        .map_err(|_| format!("price out of range: {s:?}"))?;
    // value = digits × 10^(12 + debt − collateral − frac_len)
    let exp = 12 + debt_decimals as i32 - collateral_decimals as i32 - frac.len() as i32;
    let v = if exp >= 0 {
        10u128
            .checked_pow(exp as u32)
            .and_then(|p| digits.checked_mul(p))
    } else {
        10u128.checked_pow(exp.unsigned_abs()).map(|p| digits / p)
    };
    match v.and_then(|v| u64::try_from(v).ok()) {
        Some(0) => Err(format!("price must be positive: {s:?}")),
        Some(v) => Ok(v),
        None => Err(format!("price out of range: {s:?}")),
    }
}

/// Powers of ten from whole quote units per base unit to the oracle scale
/// (`PRICE_SCALE` × debt-native ÷ collateral-native units).
fn units_to_scaled_exp(collateral_decimals: u8, debt_decimals: u8) -> i32 {
    12 + debt_decimals as i32 - collateral_decimals as i32
}

/// A scaled price back in quote units per base unit.
pub fn price_units(scaled: u64, collateral_decimals: u8, debt_decimals: u8) -> f64 {
    let exp = units_to_scaled_exp(collateral_decimals, debt_decimals);
    if exp >= 0 {
        scaled as f64 / 10f64.powi(exp)
    } else {
        scaled as f64 * 10f64.powi(-exp)
    }
}

/// A price in quote units per base unit (a valuation, not an oracle
/// reading) scaled like oracle prices, rounded down; the inverse of
/// [`price_units`].
pub fn scaled_price(units: f64, collateral_decimals: u8, debt_decimals: u8) -> u64 {
    let exp = units_to_scaled_exp(collateral_decimals, debt_decimals);
    if exp >= 0 {
        (units * 10f64.powi(exp)) as u64
    } else {
        (units / 10f64.powi(-exp)) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_prices() {
        // SOL (9) / USDC (6): 100 USDC per SOL = 1e8 / 1e9 × 1e12 = 1e11.
        assert_eq!(parse_price("100", 9, 6), Ok(100_000_000_000));
        assert_eq!(parse_price("94.6", 9, 6), Ok(94_600_000_000));
        assert_eq!(parse_price(".5", 6, 6), Ok(500_000_000_000));
        assert!(parse_price("0", 9, 6).is_err());
        assert!(parse_price("-1", 9, 6).is_err());
        assert!(parse_price("abc", 9, 6).is_err());
        assert!(parse_price("", 9, 6).is_err());
        assert!((price_units(94_600_000_000, 9, 6) - 94.6).abs() < 1e-9);
        assert_eq!(scaled_price(100.0, 9, 6), 100_000_000_000);
        assert_eq!(scaled_price(0.5, 6, 6), 500_000_000_000);
        assert!((price_units(scaled_price(2.5, 6, 9), 6, 9) - 2.5).abs() < 1e-9);
    }
}
