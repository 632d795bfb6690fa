//! Writers of real Pyth account formats into the test bank: pull updates
//! (`PriceUpdateV2`, owned by the Pyth receiver) and legacy price accounts
//! (owned by the Pyth oracle program).
use anchor_lang::prelude::Pubkey;
use anchor_lang::{AnchorSerialize, Discriminator};
use pyth_solana_receiver_sdk::price_update::{PriceFeedMessage, PriceUpdateV2, VerificationLevel};
use solana_account::Account;

/// A price as a feed would publish it: the program's own [`RawPrice`], which
/// the writers below put in the account formats the program reads.
///
/// [`RawPrice`]: softliq::oracle::RawPrice
pub use softliq::oracle::RawPrice as FeedPrice;

/// The program's price (`PRICE_SCALE`) of a whole-unit USD feed price for a
/// 9-decimal collateral against a 6-decimal debt token: `units × 1e9`, as
/// [`usd_feed`] writes it (8 decimals, rounded).
pub fn scaled_usd(units: f64) -> u64 {
    (units * 1e8).round() as u64 * 10
}

/// `price` in whole quote units per base unit, expo −8, conf 0.05%, EMA = price.
pub fn usd_feed(price_units: f64, slot: u64, ts: i64) -> FeedPrice {
    let p = (price_units * 1e8).round() as i64;
    FeedPrice {
        price: p,
        conf: (p / 2_000) as u64,
        expo: -8,
        ema_price: p,
        publish_time: ts,
        publish_slot: slot,
    }
}

/// Bytes of a `PriceUpdateV2` account.
pub fn pull_account_data(
    feed_id: [u8; 32],
    p: &FeedPrice,
    verification: VerificationLevel,
) -> Vec<u8> {
    let update = PriceUpdateV2 {
        write_authority: Pubkey::new_unique(),
        verification_level: verification,
        price_message: PriceFeedMessage {
            feed_id,
            price: p.price,
            conf: p.conf,
            exponent: p.expo,
            publish_time: p.publish_time,
            prev_publish_time: p.publish_time.saturating_sub(1),
            ema_price: p.ema_price,
            ema_conf: p.conf,
        },
        posted_slot: p.publish_slot,
    };
    let mut data = PriceUpdateV2::DISCRIMINATOR.to_vec();
    update.serialize(&mut data).expect("serialize");
    data.resize(PriceUpdateV2::LEN, 0);
    data
}

pub fn pull_account(feed_id: [u8; 32], p: &FeedPrice, verification: VerificationLevel) -> Account {
    Account {
        lamports: 10_000_000,
        data: pull_account_data(feed_id, p, verification),
        owner: softliq::oracle::PYTH_RECEIVER_PROGRAM_ID,
        executable: false,
        rent_epoch: 0,
    }
}

/// Bytes of a legacy Pyth price account (magic, version 2, type price, trading).
pub fn legacy_account_data(p: &FeedPrice) -> Vec<u8> {
    use pyth_sdk_solana::state::{AccountType, PriceStatus, SolanaPriceAccount, MAGIC, VERSION_2};
    let mut acc: SolanaPriceAccount = bytemuck::Zeroable::zeroed();
    acc.magic = MAGIC;
    acc.ver = VERSION_2;
    acc.atype = AccountType::Price as u32;
    acc.size = core::mem::size_of::<SolanaPriceAccount>() as u32;
    acc.expo = p.expo;
    acc.num = 1;
    acc.num_qt = 1;
    acc.last_slot = p.publish_slot;
    acc.valid_slot = p.publish_slot;
    acc.ema_price.val = p.ema_price;
    acc.ema_price.numer = p.ema_price;
    acc.ema_price.denom = 1;
    acc.ema_conf.val = p.conf as i64;
    acc.timestamp = p.publish_time;
    acc.agg.price = p.price;
    acc.agg.conf = p.conf;
    acc.agg.status = PriceStatus::Trading;
    acc.agg.pub_slot = p.publish_slot;
    bytemuck::bytes_of(&acc).to_vec()
}

pub fn legacy_account(p: &FeedPrice, status_trading: bool) -> Account {
    let mut data = legacy_account_data(p);
    if !status_trading {
        use pyth_sdk_solana::state::{PriceStatus, SolanaPriceAccount};
        let acc: &mut SolanaPriceAccount = bytemuck::from_bytes_mut(&mut data);
        acc.agg.status = PriceStatus::Halted;
    }
    Account {
        lamports: 10_000_000,
        data,
        owner: softliq::oracle::PYTH_LEGACY_PROGRAM_ID,
        executable: false,
        rent_epoch: 0,
    }
}
