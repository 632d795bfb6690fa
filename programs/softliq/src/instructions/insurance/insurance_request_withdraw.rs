use anchor_lang::prelude::*;

use super::insurance_deposit::INSURANCE_REQUEST;
use super::insurance_withdraw::request_lapses_slot;
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
    pub stake: Box<Account<'info, InsuranceStake>>,
}

/// Requests the withdrawal of `shares`. A new request, or one for more shares
/// than the live one, starts the cooldown; asking for fewer (or the same)
/// shares while a request is live keeps its cooldown. A request lapses
/// `INSURANCE_WITHDRAW_WINDOW_SLOTS` after its cooldown (`request_lapses_slot`). Requested shares keep
/// bearing losses until withdrawn.
pub fn handler(ctx: Context<InsuranceRequestWithdraw>, shares: u64) -> Result<()> {
    require_nonzero(shares)?;
    let slot = Clock::get()?.slot;
    let cooldown = ctx
        .accounts
        .market
        .load()?
        .params
        .insurance_withdraw_cooldown_slots;
    let stake = &mut ctx.accounts.stake;
    require!(stake.shares >= shares, SoftliqError::InsufficientShares);
    let lapses = request_lapses_slot(stake.request_slot.saturating_add(cooldown));
    let live = stake.pending_shares > 0 && slot <= lapses;
    if !(live && shares <= stake.pending_shares) {
        stake.request_slot = slot;
    }
    stake.pending_shares = shares;
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
