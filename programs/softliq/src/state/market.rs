use anchor_lang::prelude::*;

use super::{MarketParams, RiskParams};

pub const ORACLE_KIND_PYTH_PULL: u8 = 0;
pub const ORACLE_KIND_PYTH_LEGACY: u8 = 1;

/// Pause flags (risk-increasing actions only: never withdrawals or liquidations).
pub const PAUSE_OPEN: u8 = 1;
pub const PAUSE_BORROW: u8 = 2;
pub const PAUSE_LP_DEPOSIT: u8 = 4;
pub const PAUSE_ALL: u8 = PAUSE_OPEN | PAUSE_BORROW | PAUSE_LP_DEPOSIT;

pub const VAULT_AUTH_SEED: &[u8] = b"vault_auth";
pub const COLLATERAL_VAULT_SEED: &[u8] = b"collateral_vault";
pub const DEBT_VAULT_SEED: &[u8] = b"debt_vault";
pub const INSURANCE_VAULT_SEED: &[u8] = b"insurance_vault";

/// One market: a collateral token borrowed against, a debt token lent by LPs.
/// ABI: read by offset by the TS decoders; no implicit padding.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Market {
    pub admin: Pubkey,
    pub collateral_mint: Pubkey,
    pub debt_mint: Pubkey,
    pub collateral_vault: Pubkey,
    pub debt_vault: Pubkey,
    pub insurance_vault: Pubkey,
    pub lot_book: Pubkey,
    /// The oracle account, fixed at creation: a legacy Pyth price account or
    /// a pull price-feed account (`PriceUpdateV2`); prices are read only here.
    pub oracle: Pubkey,
    /// Pyth feed id (ORACLE_KIND_PYTH_PULL).
    pub oracle_feed_id: [u8; 32],
    pub params: MarketParams,

    // Pool (debt token).
    pub pool_cash_native: u64,
    pub total_debt_shares: u64,
    /// Debt per share, scaled by `BORROW_INDEX_SCALE`.
    pub borrow_index: u64,
    pub last_accrual_slot: u64,
    pub lp_shares_total: u64,
    /// Debt carried by open lots, awaited by the pool.
    pub lot_debt_outstanding_native: u64,
    pub total_position_collateral_native: u64,
    pub total_lot_collateral_native: u64,

    // Insurance fund (debt token).
    pub insurance_balance_native: u64,
    pub insurance_shares_total: u64,

    // Per-slot liquidation budget.
    pub budget_slot: u64,
    pub budget_used_notional_native: u64,

    // Counters (statistics only: they saturate, never fail an instruction).
    pub positions_open: u64,
    pub liquidations: u64,
    pub seized_collateral_native: u64,
    pub keeper_paid_native: u64,
    pub auction_proceeds_native: u64,
    pub penalties_collected_native: u64,
    pub bad_debt_insurance_native: u64,
    pub bad_debt_socialized_native: u64,
    pub lots_settled: u64,
    pub interest_accrued_native: u64,

    pub vault_auth_bump: u8,
    pub oracle_kind: u8,
    /// 1: the market's price is 1 / the feed's price (collateral is the feed's quote).
    pub inverted: u8,
    pub collateral_decimals: u8,
    pub debt_decimals: u8,
    pub paused: u8,
    pub _padding: [u8; 2],
    pub risk: RiskParams,
    pub risk_state: RiskState,
    /// Publish time (unix seconds) of the newest oracle price accepted; an
    /// older one is refused (`OracleOlderThanLast`), so no caller can pick an
    /// earlier verified update than one already used.
    pub last_oracle_publish_time: i64,
    /// Slot at which `pending_params` were announced (0 = none pending).
    pub pending_params_slot: u64,
    /// Octave of the lowest solvency band (`engine::bands`), fixed at creation
    /// from the first oracle price.
    pub band_octave_min: u64,
    /// Adaptive budget level for `budget_slot` (`engine::budget::level_for`).
    pub budget_level_native: u64,
    /// Last slot in which the per-slot budget stopped a liquidation.
    pub budget_bound_slot: u64,
    /// Urgent-tier notional used in `budget_slot`.
    pub urgent_used_notional_native: u64,
    /// Last slot in which an auction take sold collateral (`auction_take`).
    pub last_take_slot: u64,
    /// Lots seized up to this slot are held like insolvent ones: set by a
    /// fast fall that no take preceded (`engine::auction::is_fast_fall`;
    /// docs/auction-hold.md, "Fast-fall hold").
    pub fast_fall_until_slot: u64,
    /// The quiet-slot volatility the fast-fall detector measures a fall
    /// against (`engine::auction::QuietVol`): its per-slot variance (ppb²)
    /// and the weight it has gathered (ppb).
    pub quiet_variance_ppb2: u64,
    pub quiet_weight_ppb: u64,
    pub reserved: [u64; 4],
    /// Parameters announced by `update_params`, applied by a later update
    /// with the same values after `PARAMS_NOTICE_SLOTS` (`engine::params::plan_update`).
    pub pending_params: MarketParams,
    /// Open positions' debt shares and collateral by debt-to-collateral ratio
    /// (`engine::bands`): what exits need to price in losses already certain.
    pub bands: [Band; BANDS],
}

/// Debt shares and collateral of the positions whose ratio falls in one band.
/// ABI: two u64, no padding.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Band {
    pub debt_shares: u64,
    pub collateral_native: u64,
}

/// Solvency bands per market (`engine::bands`).
pub const BANDS: usize = 256;

/// The volatility estimate and the margin add-on it drives
/// (`engine::risk::update`). ABI: all u64, no padding.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RiskState {
    /// Last price fed to the estimator (0 = none yet).
    pub last_price: u64,
    pub last_slot: u64,
    /// Exponentially weighted variance of the per-slot return, in (1e-9)².
    pub variance_ppb2: u64,
    /// σ over the liquidation horizon, bps (rounded up).
    pub sigma_horizon_bps: u64,
    /// Add-on of the initial margin (moves at most `margin_step_bps` a slot).
    pub addon_bps: u64,
    /// Add-on of the maintenance and target margins: the initial margin's
    /// add-on as it stood before the latest update, so that a rise reaches
    /// liquidations one update (at least one slot) after borrowers see it.
    pub maint_addon_bps: u64,
    pub updates: u64,
    pub reserved: u64,
}

pub const MARKET_SIZE: usize =
    32 * 9 + 33 * 8 + 8 * 22 + 8 + 16 * 8 + 8 * 8 + 8 * 14 + 33 * 8 + 16 * BANDS;
const _: () = assert!(core::mem::size_of::<Market>() == MARKET_SIZE);
const _: () = assert!(core::mem::size_of::<MarketParams>() == 33 * 8);
const _: () = assert!(core::mem::align_of::<Market>() == 8);
const _: () = assert!(core::mem::size_of::<RiskParams>() == 16 * 8);
const _: () = assert!(core::mem::size_of::<RiskState>() == 8 * 8);

impl Market {
    pub const SPACE: usize = 8 + MARKET_SIZE;

    pub fn is_paused(&self, flag: u8) -> bool {
        self.paused & flag != 0
    }
}
