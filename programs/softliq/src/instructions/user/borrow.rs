use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::position_ref::{owned, ACTION_BORROW};
use crate::engine::health;
use crate::engine::interest;
use crate::error::SoftliqError;
use crate::events::PositionChanged;
use crate::instructions::common::{
    checked_add, checked_sub, effective_params, observe_price, position_debt, reband,
    require_nonzero, transfer_out, with_slab,
};
use crate::math;
use crate::oracle::load_price;
use crate::state::{Market, PositionSlab, PAUSE_BORROW, VAULT_AUTH_SEED};

#[derive(Accounts)]
pub struct Borrow<'info> {
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(mut)]
    pub slab: AccountLoader<'info, PositionSlab>,
    #[account(mut, token::mint = debt_mint)]
    pub owner_debt: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, address = market.load()?.debt_vault @ SoftliqError::WrongTokenAccount)]
    pub debt_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(address = market.load()?.debt_mint @ SoftliqError::WrongTokenAccount)]
    pub debt_mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: vault authority PDA.
    #[account(seeds = [VAULT_AUTH_SEED, market.key().as_ref()], bump = market.load()?.vault_auth_bump)]
    pub vault_auth: UncheckedAccount<'info>,
    /// CHECK: read and guarded by `oracle::load_price`.
    pub oracle: UncheckedAccount<'info>,
    pub debt_token_program: Interface<'info, TokenInterface>,
}

/// Borrows pool cash against the position; needs init health at the conservative price.
pub fn handler(ctx: Context<Borrow>, index: u32, generation: u32, amount: u64) -> Result<()> {
    require_nonzero(amount)?;
    let market_key = ctx.accounts.market.key();
    let owner = ctx.accounts.owner.key();
    let clock = Clock::get()?;
    let mut m = ctx.accounts.market.load_mut()?;
    require!(!m.is_paused(PAUSE_BORROW), SoftliqError::Paused);
    interest::accrue_market(&mut m, clock.slot);
    require!(
        amount <= m.pool_cash_native,
        SoftliqError::InsufficientPoolCash
    );
    let price = load_price(&m, &ctx.accounts.oracle.to_account_info(), &clock)?;
    // A rising add-on applies to borrowing at once.
    observe_price(&mut m, &market_key, &price, clock.slot)?;
    let init_margin_bps = effective_params(&m)?.init_margin_bps;
    let new_shares = math!(health::shares_for_borrow(amount, m.borrow_index))?;
    let (collateral_after, debt_after, shares_before) =
        with_slab(&ctx.accounts.slab, &market_key, |slab| {
            let p = owned(slab, index, generation, &owner)?;
            let shares = checked_add(p.debt_shares, new_shares)?;
            let debt = position_debt(&m, shares)?;
            let h = math!(health::health(
                p.collateral_native,
                debt,
                price.conservative(),
                init_margin_bps
            ))?;
            require!(h >= 0, SoftliqError::InsufficientHealth);
            let before = p.debt_shares;
            p.debt_shares = shares;
            Ok((p.collateral_native, debt, before))
        })?;
    let shares_after = checked_add(shares_before, new_shares)?;
    reband(
        &mut m,
        (shares_before, collateral_after),
        (shares_after, collateral_after),
    )?;
    m.total_debt_shares = checked_add(m.total_debt_shares, new_shares)?;
    m.pool_cash_native = checked_sub(m.pool_cash_native, amount)?;
    let (bump, borrow_index) = (m.vault_auth_bump, m.borrow_index);
    drop(m);
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
    emit!(PositionChanged {
        market: market_key,
        slab: ctx.accounts.slab.key(),
        index,
        generation,
        action: ACTION_BORROW,
        amount,
        collateral_after,
        debt_after,
        borrow_index,
    });
    Ok(())
}
