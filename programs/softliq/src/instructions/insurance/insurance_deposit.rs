use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::engine::pool;
use crate::error::SoftliqError;
use crate::events::InsuranceChanged;
use crate::instructions::common::{checked_add, require_nonzero, transfer_in};
use crate::math;
use crate::state::{InsuranceStake, Market, STAKE_SEED};

pub const INSURANCE_DEPOSIT: u8 = 0;
pub const INSURANCE_REQUEST: u8 = 1;
pub const INSURANCE_WITHDRAW: u8 = 2;

#[derive(Accounts)]
pub struct InsuranceDeposit<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(
        init_if_needed, payer = owner, space = 8 + InsuranceStake::INIT_SPACE,
        seeds = [STAKE_SEED, market.key().as_ref(), owner.key().as_ref()], bump,
    )]
    pub stake: Box<Account<'info, InsuranceStake>>,
    #[account(mut, token::mint = debt_mint)]
    pub owner_debt: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, address = market.load()?.insurance_vault @ SoftliqError::WrongTokenAccount)]
    pub insurance_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(address = market.load()?.debt_mint @ SoftliqError::WrongTokenAccount)]
    pub debt_mint: Box<InterfaceAccount<'info, Mint>>,
    pub debt_token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

/// Stakes debt tokens in the insurance fund for shares.
pub fn handler(ctx: Context<InsuranceDeposit>, amount: u64) -> Result<()> {
    require_nonzero(amount)?;
    let market_key = ctx.accounts.market.key();
    let (shares, balance_after) = {
        let mut m = ctx.accounts.market.load_mut()?;
        let shares = math!(pool::shares_for_deposit(
            amount,
            m.insurance_shares_total,
            m.insurance_balance_native
        ))?;
        require!(shares > 0, SoftliqError::ZeroAmount);
        m.insurance_shares_total = checked_add(m.insurance_shares_total, shares)?;
        m.insurance_balance_native = checked_add(m.insurance_balance_native, amount)?;
        (shares, m.insurance_balance_native)
    };
    let stake = &mut ctx.accounts.stake;
    if stake.market == Pubkey::default() {
        stake.market = market_key;
        stake.owner = ctx.accounts.owner.key();
        stake.bump = ctx.bumps.stake;
    }
    stake.shares = checked_add(stake.shares, shares)?;
    let a = &ctx.accounts;
    transfer_in(
        &a.debt_token_program,
        &a.owner_debt,
        &a.insurance_vault,
        &a.debt_mint,
        &a.owner,
        amount,
    )?;
    emit!(InsuranceChanged {
        market: market_key,
        owner: a.owner.key(),
        action: INSURANCE_DEPOSIT,
        amount,
        shares,
        balance_after
    });
    Ok(())
}
