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
    /// Insolvent-lot hold: a lot seized insolvent is priced at least at its
    /// debt price for this many slots of its first round, then needs a reset
    /// (0 = off; `engine::auction::quote`, docs/auction-hold.md).
    pub auction_hold_slots: u64,
}

/// Dynamic-risk parameters: the volatility estimate, volatility-scaled
/// margins, the depth-aware liquidation budget and the crank-gap assumption
/// of the creation safety rule. Validated by `engine::risk::validate`;
/// documented in docs/dynamic-risk.md. ABI: all u64, no padding.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
#[cfg_attr(not(feature = "idl-build"), derive(AnchorSerialize, AnchorDeserialize))]
#[cfg_attr(
    feature = "idl-build",
    derive(borsh::BorshSerialize, borsh::BorshDeserialize),
    borsh(crate = "anchor_lang::prelude::borsh")
)]
pub struct RiskParams {
    /// 1: margins follow the volatility estimate; 0: static margins.
    pub vol_enabled: u64,
    /// Half-life of the exponentially weighted variance.
    pub vol_half_life_slots: u64,
    /// Cap of one update's absolute return (bps): bounds a single
    /// (manipulated) price's contribution to the variance.
    pub vol_max_move_bps: u64,
    /// Liquidation horizon over which σ is measured (σ_h = σ_slot·√h).
    pub vol_horizon_slots: u64,
    /// Margin add-on per σ_h (bps of add-on per 10,000 bps of σ_h, i.e. `k`·1e4).
    pub vol_k_bps: u64,
    /// Cap of the add-on; margins stay within [base, base + cap].
    pub margin_addon_cap_bps: u64,
    /// Most the add-on may change per slot.
    pub margin_step_bps: u64,
    /// Depth of the external market (debt-token native), set by the admin; 0 = unused.
    pub depth_native: u64,
    /// Per-slot liquidation budget as bps of `depth_native` (0 = `max_liq_notional_per_slot`).
    pub budget_depth_bps: u64,
    /// Budget kept at the add-on cap (bps of the depth budget; 10,000 = no shrink).
    pub budget_floor_bps: u64,
    /// Creation safety rule: assumed largest oracle move in one slot (bps)…
    pub max_price_move_bps: u64,
    /// …and longest gap between cranks (slots); move × gap + penalty ≤ maintenance.
    pub max_crank_gap_slots: u64,
    /// Adaptive budget (`engine::budget`): growth of the per-slot budget after
    /// a slot in which it bound, and decay by the same factor after a slack
    /// slot, bps (0 = a fixed budget).
    pub budget_growth_bps: u64,
    /// Most the adaptive budget may reach, bps of its base (≥ 10,000).
    pub budget_cap_bps: u64,
    /// Urgent tier (`engine::liquidation`): a position whose loan-to-value is
    /// within this many bps of insolvency (debt = collateral value) is
    /// liquidated beyond the per-slot budget, without ramp (0 = no urgent tier).
    pub urgent_gap_bps: u64,
    /// Urgent positions' own per-slot allowance, bps of the base budget.
    pub urgent_budget_bps: u64,
}

impl RiskParams {
    /// Static margins, no depth budget; the safety rule assumes a 0.5% move
    /// per slot and a crank at least every 8 slots (400 bps + penalty must
    /// fit in the maintenance margin).
    pub fn static_default() -> Self {
        Self {
            vol_enabled: 0,
            vol_half_life_slots: 150,
            vol_max_move_bps: 500,
            vol_horizon_slots: 150,
            vol_k_bps: 20_000,
            margin_addon_cap_bps: 0,
            margin_step_bps: 1,
            depth_native: 0,
            budget_depth_bps: 0,
            budget_floor_bps: 10_000,
            max_price_move_bps: 50,
            max_crank_gap_slots: 8,
            budget_growth_bps: 0,
            budget_cap_bps: 10_000,
            urgent_gap_bps: 0,
            urgent_budget_bps: 0,
        }
    }
}
