use anchor_lang::prelude::*;

pub const LP_SEED: &[u8] = b"lp";
pub const STAKE_SEED: &[u8] = b"stake";

/// An LP's shares of a market's pool. PDA `["lp", market, owner]`.
#[account]
#[derive(Debug, InitSpace)]
pub struct LpAccount {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub shares: u64,
    pub bump: u8,
}

/// An insurance staker's shares. PDA `["stake", market, owner]`.
#[account]
#[derive(Debug, InitSpace)]
pub struct InsuranceStake {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub shares: u64,
    /// Shares requested for withdrawal (still bear losses until withdrawn).
    pub pending_shares: u64,
    pub request_slot: u64,
    pub bump: u8,
}
