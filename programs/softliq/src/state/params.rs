use anchor_lang::prelude::*;

/// Market parameters. Every field has a documented default
/// ([`MarketParams::default_soft`]) and hard bounds (`engine::params::validate`).
/// ABI: read by offset by the TS decoders (app/client/src/layout.ts); all u64, no padding.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
// Borsh for instruction args. Under idl-build, `#[zero_copy]` already implements
// `IdlBuild` and `AnchorSerialize` would implement it a second time (E0119), so the
// IDL build derives plain borsh (same bytes, no IdlBuild impl).
#[cfg_attr(not(feature = "idl-build"), derive(AnchorSerialize, AnchorDeserialize))]
#[cfg_attr(
    feature = "idl-build",
    derive(borsh::BorshSerialize, borsh::BorshDeserialize),
    borsh(crate = "anchor_lang::prelude::borsh")
)]
pub struct MarketParams {
    /// Margin a position needs after a borrow or withdrawal.
    pub init_margin_bps: u64,
    /// Margin the crank restores; `10_000` means "close all debt" (hard mode).
    pub target_margin_bps: u64,
    /// Below this margin a position is liquidatable.
    pub maint_margin_bps: u64,
    /// Share of seized notional owed to the insurance fund from auction proceeds.
    pub liquidation_penalty_bps: u64,
    /// Over-collateralisation of a lot: its tab is seized value × (1 − buffer).
    pub lot_buffer_bps: u64,
    /// Most of a position's debt one crank may move into a lot (10_000 = no limit).
    pub close_factor_bps: u64,
    /// Flat keeper tip, once per liquidation episode (debt-token native).
    pub keeper_tip_native: u64,
    /// Keeper chip: share of seized notional.
    pub keeper_chip_bps: u64,
    /// Cap of a keeper's pay (tip + chip) for one episode.
    pub keeper_pay_cap_native: u64,
    /// Entries one `crank_liquidate` may carry.
    pub max_positions_per_crank: u64,
    /// Slots over which the seizable fraction of a position ramps to 100% (0 = no ramp).
    pub liq_ramp_slots: u64,
    /// Seized notional (debt-token native) the market may liquidate per slot (0 = unlimited).
    pub max_liq_notional_per_slot: u64,
    /// Collateral allowed in auction at once (Maker's `hole`; 0 = unlimited).
    pub max_lot_collateral_native: u64,
    /// Auction start price = oracle × this.
    pub auction_start_buffer_bps: u64,
    /// 0 = linear to zero over `auction_tau_slots`; 1 = stepwise exponential.
    pub auction_curve: u64,
    /// Linear curve: slots until the price reaches zero.
    pub auction_tau_slots: u64,
    /// Stepwise exponential curve: slots per step.
    pub auction_step_slots: u64,
    /// Stepwise exponential curve: price kept per step (e.g. 9_900 = −1%).
    pub auction_cut_bps: u64,
    /// After this many slots a lot needs a reset.
    pub auction_tail_slots: u64,
    /// Below start × cusp a lot needs a reset.
    pub auction_cusp_bps: u64,
    /// Resets allowed per lot; after them the lot keeps its last curve.
    pub auction_max_resets: u64,
    /// Tip paid (from insurance) to whoever resets a lot.
    pub auction_reset_tip_native: u64,
    /// A partial take may not leave a tab below this.
    pub dust_native: u64,
    pub max_oracle_age_slots: u64,
    pub max_oracle_age_secs: u64,
    pub max_conf_bps: u64,
    pub max_deviation_bps: u64,
    /// Borrow rate (annual, bps) at zero utilisation.
    pub borrow_rate_base_bps: u64,
    /// Added at the kink utilisation.
    pub borrow_rate_slope1_bps: u64,
    /// Added from the kink to full utilisation.
    pub borrow_rate_slope2_bps: u64,
    pub borrow_rate_kink_bps: u64,
    pub insurance_withdraw_cooldown_slots: u64,
}
