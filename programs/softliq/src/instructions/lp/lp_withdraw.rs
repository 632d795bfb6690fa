use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::engine::interest;
use crate::engine::pool;
use crate::error::SoftliqError;
use crate::events::LpWithdrawn;
use crate::instructions::common::{
    certain_loss, checked_sub, pool_borrowed, require_nonzero, transfer_out,
};
use crate::math;
use crate::state::{LpAccount, Market, LP_SEED, VAULT_AUTH_SEED};

#[derive(Accounts)]
pub struct LpWithdraw<'info> {
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(
        mut, has_one = owner @ SoftliqError::NotOwner, has_one = market @ SoftliqError::WrongMarket,
        seeds = [LP_SEED, market.key().as_ref(), owner.key().as_ref()], bump = lp_account.bump,
    )]
    pub lp_account: Box<Account<'info, LpAccount>>,
    #[account(mut, token::mint = debt_mint)]
    pub owner_debt: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, address = market.load()?.debt_vault @ SoftliqError::WrongTokenAccount)]
    pub debt_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(address = market.load()?.debt_mint @ SoftliqError::WrongTokenAccount)]
    pub debt_mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: vault authority PDA.
    #[account(seeds = [VAULT_AUTH_SEED, market.key().as_ref()], bump = market.load()?.vault_auth_bump)]
    pub vault_auth: UncheckedAccount<'info>,
    /// CHECK: read and guarded by `oracle::load_price` when the pool has debt.
    pub oracle: UncheckedAccount<'info>,
    pub debt_token_program: Interface<'info, TokenInterface>,
}

/// Redeems shares for debt tokens at the exit value: cash and position debt,
/// lot receivables excluded, less the loss that insolvent positions have
/// already made certain at the oracle's conservative price beyond what the
/// insurance fund covers (`certain_loss`); only idle cash can leave, never
/// lent-out funds. Needs the oracle only while the pool has debt.
pub fn handler(ctx: Context<LpWithdraw>, shares: u64) -> Result<()> {
    require_nonzero(shares)?;
    require!(
        ctx.accounts.lp_account.shares >= shares,
        SoftliqError::InsufficientShares
    );
    let market_key = ctx.accounts.market.key();
    let clock = Clock::get()?;
    let (amount, value, loss, bump) = {
        let mut m = ctx.accounts.market.load_mut()?;
        interest::accrue_market(&mut m, clock.slot);
        let loss = certain_loss(
            &mut m,
            &market_key,
            &ctx.accounts.oracle.to_account_info(),
            &clock,
        )?;
        let value = pool::lp_exit_value(
            m.pool_cash_native,
            pool_borrowed(&m)?,
            loss,
            m.insurance_balance_native,
        );
        let amount = math!(pool::amount_for_shares(shares, m.lp_shares_total, value))?;
        require!(amount > 0, SoftliqError::ZeroAmount);
        require!(
            amount <= m.pool_cash_native,
            SoftliqError::InsufficientPoolCash
        );
        m.lp_shares_total = checked_sub(m.lp_shares_total, shares)?;
        m.pool_cash_native = checked_sub(m.pool_cash_native, amount)?;
        let loss = u64::try_from(loss).unwrap_or(u64::MAX);
        (amount, value, loss, m.vault_auth_bump)
    };
    let lp = &mut ctx.accounts.lp_account;
    lp.shares = checked_sub(lp.shares, shares)?;
    transfer_out(
        &ctx.accounts.debt_token_program,
        &ctx.accounts.debt_vault,
        &ctx.accounts.owner_debt,
        &ctx.accounts.debt_mint,
        &ctx.accounts.vault_auth.to_account_info(),
        &market_key,
        bump,
        amount,
    )?;
    emit!(LpWithdrawn {
        market: market_key,
        owner: lp.owner,
        shares,
        amount,
        exit_value: value,
        certain_loss: loss,
    });
    Ok(())
}
