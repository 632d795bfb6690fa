//! One event per state change. Amounts are native units of the named token;
//! prices are scaled by `PRICE_SCALE`; health is debt-token native.
use anchor_lang::prelude::*;

#[event]
pub struct MarketInitialized {
    pub market: Pubkey,
    pub admin: Pubkey,
    pub collateral_mint: Pubkey,
    pub debt_mint: Pubkey,
    pub lot_book: Pubkey,
    pub oracle_kind: u8,
    pub inverted: bool,
}

#[event]
pub struct ParamsUpdated {
    pub market: Pubkey,
    pub paused: u8,
    pub target_margin_bps: u64,
    pub maint_margin_bps: u64,
    pub max_liq_notional_per_slot: u64,
}

/// A parameter change announced by `update_params`; it may be applied from
/// `applies_from_slot` by an update with the same values.
#[event]
pub struct ParamsAnnounced {
    pub market: Pubkey,
    pub announced_slot: u64,
    pub applies_from_slot: u64,
    pub target_margin_bps: u64,
    pub maint_margin_bps: u64,
    pub liquidation_penalty_bps: u64,
}

#[event]
pub struct SlabInitialized {
    pub market: Pubkey,
    pub slab: Pubkey,
    pub capacity: u32,
}

#[event]
pub struct LpDeposited {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub amount: u64,
    pub shares: u64,
    pub pool_value: u64,
}

#[event]
pub struct LpWithdrawn {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub shares: u64,
    pub amount: u64,
    pub exit_value: u64,
    /// Loss insolvent positions had made certain (before insurance), priced in.
    pub certain_loss: u64,
}

#[event]
pub struct PositionOpened {
    pub market: Pubkey,
    pub slab: Pubkey,
    pub index: u32,
    pub generation: u32,
    pub owner: Pubkey,
    /// Refundable lamports moved from the owner into the market account.
    pub deposit_lamports: u64,
}

#[event]
pub struct PositionChanged {
    pub market: Pubkey,
    pub slab: Pubkey,
    pub index: u32,
    pub generation: u32,
    /// 0 deposit, 1 withdraw, 2 borrow, 3 repay.
    pub action: u8,
    pub amount: u64,
    pub collateral_after: u64,
    pub debt_after: u64,
    pub borrow_index: u64,
}

#[event]
pub struct PositionClosed {
    pub market: Pubkey,
    pub slab: Pubkey,
    pub index: u32,
    pub generation: u32,
    pub collateral_returned: u64,
    /// The position deposit returned to the owner.
    pub deposit_lamports: u64,
}

/// One position liquidated by a crank, a record of `CrankCompleted`.
///
/// Compact so that a crank at `MAX_POSITIONS_PER_CRANK` entries stays inside
/// Solana's 10,000-byte log limit (docs/compute-units.md). Numbers the record
/// leaves out follow from it and the crank's header exactly:
/// `collateral_before = collateral_after + seized_collateral`; the debt before
/// is `debt_after + debt_moved` up to one share's rounding; health before
/// follows from those, the header's price and the market's margins.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Liquidation {
    pub index: u32,
    pub generation: u32,
    pub lot_index: u32,
    pub lot_generation: u32,
    pub seized_collateral: u64,
    /// Debt moved from the position to the lot's tab.
    pub debt_moved: u64,
    pub penalty: u64,
    /// What the step charged to the slot's budget (quote native).
    pub seized_notional: u64,
    pub keeper_paid: u64,
    pub collateral_after: u64,
    pub debt_after: u64,
    /// Health at the target margin after the step (negative: still short).
    pub health_target_after: i64,
    /// engine::liquidation::Bound code: 0 target, 1 whole, 2 close factor, 3 ramp, 4 budget, 5 hole.
    pub bound: u8,
}

/// One per crank, with a record per liquidated position.
#[event]
pub struct CrankCompleted {
    pub market: Pubkey,
    pub slab: Pubkey,
    pub keeper: Pubkey,
    pub slot: u64,
    /// The oracle price every record was sized at.
    pub price: u64,
    pub entries: u32,
    pub keeper_paid: u64,
    /// The slot's adaptive budget level (0 = unlimited) and what is used of it
    /// and of the urgent allowance after this crank.
    pub budget_level: u64,
    pub budget_used: u64,
    pub urgent_used: u64,
    /// The liquidated positions, in entry order.
    pub liquidations: Vec<Liquidation>,
}

#[event]
pub struct LotTaken {
    pub market: Pubkey,
    pub lot_index: u32,
    pub lot_generation: u32,
    pub taker: Pubkey,
    pub price: u64,
    pub collateral: u64,
    pub paid: u64,
    pub to_pool: u64,
    pub to_insurance: u64,
    pub tab_left: u64,
    pub collateral_returned: u64,
}

#[event]
pub struct LotReset {
    pub market: Pubkey,
    pub lot_index: u32,
    pub lot_generation: u32,
    pub start_price: u64,
    pub resets: u32,
    pub tip: u64,
}

#[event]
pub struct LotRedeemed {
    pub market: Pubkey,
    pub lot_index: u32,
    pub lot_generation: u32,
    pub owner: Pubkey,
    pub paid: u64,
    pub collateral: u64,
}

#[event]
pub struct LotSettled {
    pub market: Pubkey,
    pub lot_index: u32,
    pub lot_generation: u32,
    pub shortfall: u64,
    pub covered_by_insurance: u64,
    pub socialized: u64,
}

#[event]
pub struct InsuranceChanged {
    pub market: Pubkey,
    pub owner: Pubkey,
    /// 0 deposit, 1 request withdraw, 2 withdraw.
    pub action: u8,
    pub amount: u64,
    pub shares: u64,
    pub balance_after: u64,
}

/// A price fell faster than `RiskParams::max_price_move_bps` a slot with no
/// auction take before it: lots seized until `until_slot` are held at their
/// debt price for their first round (docs/auction-hold.md, "Fast-fall hold").
#[event]
pub struct FastFallObserved {
    pub market: Pubkey,
    pub slot: u64,
    pub price: u64,
    pub previous_price: u64,
    pub previous_slot: u64,
    pub until_slot: u64,
}

/// The volatility estimate took a new price (at most once per slot).
#[event]
pub struct RiskUpdated {
    pub market: Pubkey,
    pub slot: u64,
    pub price: u64,
    pub variance_ppb2: u64,
    pub sigma_horizon_bps: u64,
    /// Add-on of the initial margin.
    pub addon_bps: u64,
    /// Add-on of the maintenance and target margins.
    pub maint_addon_bps: u64,
}

#[event]
pub struct RiskParamsUpdated {
    pub market: Pubkey,
    pub vol_enabled: u64,
    pub vol_k_bps: u64,
    pub margin_addon_cap_bps: u64,
    pub depth_native: u64,
    pub budget_depth_bps: u64,
}

/// A liquidatable position was skipped because the lot book has no free
/// entry: settle or take lots (or grow the book) to resume.
#[event]
pub struct LotBookFull {
    pub market: Pubkey,
    pub slab: Pubkey,
    /// The first position the crank skipped for want of a lot entry.
    pub index: u32,
    pub generation: u32,
    /// How many entries of the crank were skipped for that reason.
    pub skipped: u32,
}
