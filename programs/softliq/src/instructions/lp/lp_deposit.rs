use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::engine::interest;
use crate::engine::pool;
use crate::error::SoftliqError;
use crate::events::LpDeposited;
use crate::instructions::common::{checked_add, pool_value_full, require_nonzero, transfer_in};
use crate::math;
use crate::state::{LpAccount, Market, LP_SEED, PAUSE_LP_DEPOSIT};

#[derive(Accounts)]
pub struct LpDeposit<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(
        init_if_needed, payer = owner, space = 8 + LpAccount::INIT_SPACE,
        seeds = [LP_SEED, market.key().as_ref(), owner.key().as_ref()], bump,
    )]
    pub lp_account: Box<Account<'info, LpAccount>>,
    #[account(mut, token::mint = debt_mint)]
    pub owner_debt: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, address = market.load()?.debt_vault @ SoftliqError::WrongTokenAccount)]
    pub debt_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(address = market.load()?.debt_mint @ SoftliqError::WrongTokenAccount)]
    pub debt_mint: Box<InterfaceAccount<'info, Mint>>,
    pub debt_token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

/// Deposits debt tokens into the pool for shares, priced at the full pool value.
pub fn handler(ctx: Context<LpDeposit>, amount: u64) -> Result<()> {
    require_nonzero(amount)?;
    let market_key = ctx.accounts.market.key();
    let (shares, value) = {
        let mut m = ctx.accounts.market.load_mut()?;
        require!(!m.is_paused(PAUSE_LP_DEPOSIT), SoftliqError::Paused);
        interest::accrue_market(&mut m, Clock::get()?.slot);
        let value = pool_value_full(&m)?;
        let shares = math!(pool::shares_for_deposit(amount, m.lp_shares_total, value))?;
        require!(shares > 0, SoftliqError::ZeroAmount);
        m.lp_shares_total = checked_add(m.lp_shares_total, shares)?;
        m.pool_cash_native = checked_add(m.pool_cash_native, amount)?;
        (shares, value)
    };
    let lp = &mut ctx.accounts.lp_account;
    if lp.market == Pubkey::default() {
        lp.market = market_key;
        lp.owner = ctx.accounts.owner.key();
        lp.bump = ctx.bumps.lp_account;
    }
    lp.shares = checked_add(lp.shares, shares)?;
    transfer_in(
        &ctx.accounts.debt_token_program,
        &ctx.accounts.owner_debt,
        &ctx.accounts.debt_vault,
        &ctx.accounts.debt_mint,
        &ctx.accounts.owner,
        amount,
    )?;
    emit!(LpDeposited {
        market: market_key,
        owner: lp.owner,
        amount,
        shares,
        pool_value: value
    });
    Ok(())
}
