use anchor_lang::prelude::*;

use super::insurance_deposit::INSURANCE_REQUEST;
use crate::error::SoftliqError;
use crate::events::InsuranceChanged;
use crate::instructions::common::require_nonzero;
use crate::state::{InsuranceStake, Market, STAKE_SEED};

#[derive(Accounts)]
pub struct InsuranceRequestWithdraw<'info> {
    pub owner: Signer<'info>,
    pub market: AccountLoader<'info, Market>,
    #[account(
        mut, has_one = owner @ SoftliqError::NotOwner, has_one = market @ SoftliqError::WrongMarket,
        seeds = [STAKE_SEED, market.key().as_ref(), owner.key().as_ref()], bump = stake.bump,
    )]
    pub stake: Account<'info, InsuranceStake>,
}

/// Starts the cooldown for withdrawing `shares` (replaces any earlier request
/// and restarts the cooldown). Requested shares keep bearing losses.
pub fn handler(ctx: Context<InsuranceRequestWithdraw>, shares: u64) -> Result<()> {
    require_nonzero(shares)?;
    let stake = &mut ctx.accounts.stake;
    require!(stake.shares >= shares, SoftliqError::InsufficientShares);
    stake.pending_shares = shares;
    stake.request_slot = Clock::get()?.slot;
    let balance_after = ctx.accounts.market.load()?.insurance_balance_native;
    emit!(InsuranceChanged {
        market: ctx.accounts.market.key(),
        owner: stake.owner,
        action: INSURANCE_REQUEST,
        amount: 0,
        shares,
        balance_after,
    });
    Ok(())
}
