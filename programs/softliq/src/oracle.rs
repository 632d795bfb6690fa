//! Pyth adapters and guards. Two formats: pull updates (`PriceUpdateV2`, owned
//! by the Pyth receiver) and legacy price accounts (owned by the Pyth oracle
//! program). Every price used on chain passes `guard` and is normalised to
//! debt-token native per collateral-token native, scaled by `PRICE_SCALE`.
use anchor_lang::prelude::*;
use pyth_solana_receiver_sdk::price_update::{PriceUpdateV2, VerificationLevel};

use crate::error::SoftliqError;
use crate::math::{mul_div_u128, pow10, Rounding, BPS};
use crate::state::{Market, MarketParams, ORACLE_KIND_PYTH_LEGACY, ORACLE_KIND_PYTH_PULL};

/// The Pyth oracle program that owns legacy price accounts (mainnet/devnet).
pub const PYTH_LEGACY_PROGRAM_ID: Pubkey = pubkey!("FsJ3A3u2vn5cTVofAjvy6y5kwABJAqYWpe4975bi2epH");
/// The Pyth receiver program that owns `PriceUpdateV2` accounts.
pub const PYTH_RECEIVER_PROGRAM_ID: Pubkey = pyth_solana_receiver_sdk::ID;
/// log10 of PRICE_SCALE.
const PRICE_SCALE_EXP: i32 = 12;

/// A price as Pyth publishes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawPrice {
    pub price: i64,
    pub conf: u64,
    pub expo: i32,
    pub ema_price: i64,
    pub publish_time: i64,
    pub publish_slot: u64,
}

/// A guarded price in the market's direction and scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OraclePrice {
    pub price: u64,
    pub ema: u64,
    pub conf: u64,
    /// The feed's publish time (unix seconds).
    pub publish_time: i64,
}

impl OraclePrice {
    /// `min(price, ema) − conf`, for risk-increasing actions.
    pub fn conservative(&self) -> u64 {
        crate::engine::health::conservative_price(self.price, self.ema, self.conf)
    }
}

/// The guards, in order; each failure has its own error.
pub fn guard(
    raw: &RawPrice,
    p: &MarketParams,
    now_slot: u64,
    now_ts: i64,
) -> std::result::Result<(), SoftliqError> {
    if raw.price <= 0 || raw.ema_price <= 0 {
        return Err(SoftliqError::OracleNonPositive);
    }
    if now_slot.saturating_sub(raw.publish_slot) > p.max_oracle_age_slots {
        return Err(SoftliqError::OracleStaleSlots);
    }
    let age_secs = (now_ts as i128).saturating_sub(raw.publish_time as i128);
    if age_secs > p.max_oracle_age_secs as i128 {
        return Err(SoftliqError::OracleStaleSecs);
    }
    let price = raw.price as u128;
    let ema = raw.ema_price as u128;
    // conf / price <= max_conf_bps
    if (raw.conf as u128).saturating_mul(BPS as u128) > price.saturating_mul(p.max_conf_bps as u128)
    {
        return Err(SoftliqError::OracleConfTooWide);
    }
    // |price − ema| / ema <= max_deviation_bps
    let gap = price.abs_diff(ema);
    if gap.saturating_mul(BPS as u128) > ema.saturating_mul(p.max_deviation_bps as u128) {
        return Err(SoftliqError::OracleDeviation);
    }
    Ok(())
}

/// Scales a positive Pyth value `v × 10^expo` (debt per collateral unit) to the market's scale.
fn scale_direct(v: u64, k: i32, r: Rounding) -> std::result::Result<u128, SoftliqError> {
    let out = if k >= 0 {
        (v as u128).checked_mul(pow10(k as u32).ok_or(SoftliqError::OracleExponent)?)
    } else {
        let d = pow10(k.unsigned_abs()).ok_or(SoftliqError::OracleExponent)?;
        mul_div_u128(v as u128, 1, d, r)
    };
    out.ok_or(SoftliqError::OracleExponent)
}

/// `10^k / v` (the inverted price), rounded as asked.
fn scale_inverted(v: u64, k: i32, r: Rounding) -> std::result::Result<u128, SoftliqError> {
    if !(0..=38).contains(&k) || v == 0 {
        return Err(SoftliqError::OracleExponent);
    }
    mul_div_u128(
        pow10(k as u32).ok_or(SoftliqError::OracleExponent)?,
        1,
        v as u128,
        r,
    )
    .ok_or(SoftliqError::OracleExponent)
}

fn to_price(v: u128) -> std::result::Result<u64, SoftliqError> {
    match u64::try_from(v) {
        Ok(0) => Err(SoftliqError::OracleNonPositive),
        Ok(x) => Ok(x),
        Err(_) => Err(SoftliqError::OracleExponent),
    }
}

/// Converts a guarded raw price to the market's direction and scale. Prices
/// round down, confidence rounds up (both against the borrower).
pub fn normalize(
    raw: &RawPrice,
    collateral_decimals: u8,
    debt_decimals: u8,
    inverted: bool,
) -> std::result::Result<OraclePrice, SoftliqError> {
    if raw.price <= 0 || raw.ema_price <= 0 {
        return Err(SoftliqError::OracleNonPositive);
    }
    if !(-30..=30).contains(&raw.expo) {
        return Err(SoftliqError::OracleExponent);
    }
    let dec = i32::from(debt_decimals)
        .checked_sub(i32::from(collateral_decimals))
        .ok_or(SoftliqError::OracleExponent)?;
    let (p, e) = (raw.price as u64, raw.ema_price as u64);
    if !inverted {
        let k = raw
            .expo
            .checked_add(dec)
            .and_then(|v| v.checked_add(PRICE_SCALE_EXP))
            .ok_or(SoftliqError::OracleExponent)?;
        let price = to_price(scale_direct(p, k, Rounding::Down)?)?;
        let ema = to_price(scale_direct(e, k, Rounding::Down)?)?;
        let conf = scale_direct(raw.conf, k, Rounding::Up)?;
        Ok(OraclePrice {
            price,
            ema,
            conf: u64::try_from(conf).map_err(|_| SoftliqError::OracleExponent)?,
            publish_time: raw.publish_time,
        })
    } else {
        let k = PRICE_SCALE_EXP
            .checked_add(dec)
            .and_then(|v| v.checked_sub(raw.expo))
            .ok_or(SoftliqError::OracleExponent)?;
        let price = to_price(scale_inverted(p, k, Rounding::Down)?)?;
        let ema = to_price(scale_inverted(e, k, Rounding::Down)?)?;
        // Relative confidence is preserved by inversion (to first order).
        let conf = mul_div_u128(price as u128, raw.conf as u128, p as u128, Rounding::Up)
            .ok_or(SoftliqError::OracleExponent)?;
        Ok(OraclePrice {
            price,
            ema,
            conf: u64::try_from(conf).map_err(|_| SoftliqError::OracleExponent)?,
            publish_time: raw.publish_time,
        })
    }
}

/// Reads a `PriceUpdateV2`: owner, discriminator, full verification, feed id,
/// and the address fixed at market creation (a price feed account that is
/// only ever written forward). An update posted elsewhere, even a verified
/// one of the right feed, is refused: otherwise a caller could pick among
/// the updates still inside the age limit.
pub fn read_pull(info: &AccountInfo, feed_id: &[u8; 32], expected: &Pubkey) -> Result<RawPrice> {
    require_keys_eq!(
        *info.owner,
        PYTH_RECEIVER_PROGRAM_ID,
        SoftliqError::OracleWrongOwner
    );
    let data = info.try_borrow_data()?;
    let update = PriceUpdateV2::try_deserialize(&mut &data[..])
        .map_err(|_| error!(SoftliqError::OracleMalformed))?;
    require!(
        update.verification_level == VerificationLevel::Full,
        SoftliqError::OracleNotVerified
    );
    let m = &update.price_message;
    require!(m.feed_id == *feed_id, SoftliqError::OracleWrongFeed);
    require_keys_eq!(*info.key, *expected, SoftliqError::OracleWrongAccount);
    Ok(RawPrice {
        price: m.price,
        conf: m.conf,
        expo: m.exponent,
        ema_price: m.ema_price,
        publish_time: m.publish_time,
        publish_slot: update.posted_slot,
    })
}

/// Reads a legacy Pyth price account: owner, address, magic/version/type, status.
pub fn read_legacy(info: &AccountInfo, expected: &Pubkey) -> Result<RawPrice> {
    require_keys_eq!(
        *info.owner,
        PYTH_LEGACY_PROGRAM_ID,
        SoftliqError::OracleWrongOwner
    );
    require_keys_eq!(*info.key, *expected, SoftliqError::OracleWrongAccount);
    let data = info.try_borrow_data()?;
    let acc = pyth_sdk_solana::state::load_price_account::<32, ()>(&data)
        .map_err(|_| error!(SoftliqError::OracleMalformed))?;
    require!(
        acc.agg.status == pyth_sdk_solana::state::PriceStatus::Trading,
        SoftliqError::OracleNotTrading
    );
    Ok(RawPrice {
        price: acc.agg.price,
        conf: acc.agg.conf,
        expo: acc.expo,
        ema_price: acc.ema_price.val,
        publish_time: acc.timestamp,
        publish_slot: acc.agg.pub_slot,
    })
}

/// The market's oracle price: reads the account (`read_price`), guards and
/// normalises it.
pub fn load_price(market: &Market, info: &AccountInfo, clock: &Clock) -> Result<OraclePrice> {
    let raw = read_price(market, info)?;
    accept(&raw, market, clock.slot, clock.unix_timestamp)?;
    Ok(normalize(
        &raw,
        market.collateral_decimals,
        market.debt_decimals,
        market.inverted != 0,
    )?)
}

/// Reads the market's oracle account in its format (the one dispatch on
/// `oracle_kind`, used on chain and by the keeper).
pub fn read_price(market: &Market, info: &AccountInfo) -> Result<RawPrice> {
    match market.oracle_kind {
        ORACLE_KIND_PYTH_PULL => read_pull(info, &market.oracle_feed_id, &market.oracle),
        ORACLE_KIND_PYTH_LEGACY => read_legacy(info, &market.oracle),
        _ => err!(SoftliqError::OracleMalformed),
    }
}

/// Every guard the market applies to a raw price: `guard`, then the price may
/// not be older than the newest the market already accepted
/// (`Market::last_oracle_publish_time`). Without this rule anyone could pass
/// an earlier verified pull update (still inside the age limit) and borrow,
/// or crank, at a price the latest update refuses.
pub fn accept(
    raw: &RawPrice,
    market: &Market,
    now_slot: u64,
    now_ts: i64,
) -> std::result::Result<(), SoftliqError> {
    guard(raw, &market.params, now_slot, now_ts)?;
    if raw.publish_time < market.last_oracle_publish_time {
        return Err(SoftliqError::OracleOlderThanLast);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::arithmetic_side_effects)]
    use super::*;

    fn code<T>(r: std::result::Result<T, SoftliqError>) -> std::result::Result<T, u32> {
        r.map_err(|e| e as u32)
    }

    fn raw(price: i64, expo: i32) -> RawPrice {
        RawPrice {
            price,
            conf: 0,
            expo,
            ema_price: price,
            publish_time: 100,
            publish_slot: 10,
        }
    }

    #[test]
    fn normalizes_sol_usdc() {
        // SOL/USD 150.00 with expo -8; SOL 9 dp, USDC 6 dp.
        let p = code(normalize(&raw(15_000_000_000, -8), 9, 6, false)).unwrap();
        // 150e6 USDC-native per 1e9 lamports = 0.15 -> 1.5e11 scaled.
        assert_eq!(p.price, 150_000_000_000);
        // Inverted: collateral USDC, debt SOL: 1/150 SOL per USDC = 1e9/150/1e6 SOL-native per USDC-native.
        let q = code(normalize(&raw(15_000_000_000, -8), 6, 9, true)).unwrap();
        assert_eq!(q.price, 6_666_666_666_666);
    }

    #[test]
    fn guards_are_distinct() {
        let p = MarketParams::default_soft();
        let ok = RawPrice {
            price: 100,
            conf: 1,
            expo: 0,
            ema_price: 100,
            publish_time: 100,
            publish_slot: 10,
        };
        let g = |r: RawPrice, slot: u64, ts: i64| code(guard(&r, &p, slot, ts));
        fn e<T>(x: SoftliqError) -> std::result::Result<T, u32> {
            Err(x as u32)
        }
        assert_eq!(g(ok, 10, 100), Ok(()));
        assert_eq!(
            g(RawPrice { price: 0, ..ok }, 10, 100),
            e(SoftliqError::OracleNonPositive)
        );
        assert_eq!(
            g(RawPrice { price: -5, ..ok }, 10, 100),
            e(SoftliqError::OracleNonPositive)
        );
        assert_eq!(
            g(ok, 10 + p.max_oracle_age_slots + 1, 100),
            e(SoftliqError::OracleStaleSlots)
        );
        assert_eq!(
            g(ok, 10, 100 + p.max_oracle_age_secs as i64 + 1),
            e(SoftliqError::OracleStaleSecs)
        );
        assert_eq!(
            g(RawPrice { conf: 3, ..ok }, 10, 100),
            e(SoftliqError::OracleConfTooWide)
        );
        assert_eq!(
            g(
                RawPrice {
                    ema_price: 80,
                    ..ok
                },
                10,
                100
            ),
            e(SoftliqError::OracleDeviation)
        );
        assert_eq!(
            code(normalize(&raw(1, -40), 6, 6, false)),
            e(SoftliqError::OracleExponent)
        );
        assert_eq!(
            code(normalize(&raw(1, -20), 6, 6, false)),
            e(SoftliqError::OracleNonPositive)
        );
    }
}
