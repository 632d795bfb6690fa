//! Instruction builders for the keeper's and bidder's instructions: the
//! program's own (`softliq::client`, feature `client`), shared with the
//! simulator and the test harness.
pub use softliq::client::{
    ata, crank_ix, refresh_risk_ix, reset_ix, settle_ix, take_accounts, take_ix, vault_auth,
    MarketKeys, Taker,
};
