use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::position_ref::ACTION_REPAY;
use crate::engine::health;
use crate::engine::interest;
use crate::error::SoftliqError;
use crate::events::PositionChanged;
use crate::instructions::common::{
    checked_add, checked_sub, position_debt, reband, require_nonzero, transfer_in, with_slab,
};
use crate::math;
use crate::state::{Market, PositionSlab};

#[derive(Accounts)]
pub struct Repay<'info> {
    /// Anyone may repay a position's debt; the tokens come from the payer.
    pub payer: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(mut)]
    pub slab: AccountLoader<'info, PositionSlab>,
    #[account(mut, token::mint = debt_mint)]
    pub payer_debt: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, address = market.load()?.debt_vault @ SoftliqError::WrongTokenAccount)]
    pub debt_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(address = market.load()?.debt_mint @ SoftliqError::WrongTokenAccount)]
    pub debt_mint: Box<InterfaceAccount<'info, Mint>>,
    pub debt_token_program: Interface<'info, TokenInterface>,
}

/// Repays up to `max_amount` of a position's debt (`u64::MAX` repays it all;
/// the amount actually paid is in the event). Never needs the oracle.
pub fn handler(ctx: Context<Repay>, index: u32, generation: u32, max_amount: u64) -> Result<()> {
    require_nonzero(max_amount)?;
    let market_key = ctx.accounts.market.key();
    let mut m = ctx.accounts.market.load_mut()?;
    interest::accrue_market(&mut m, Clock::get()?.slot);
    let index_now = m.borrow_index;
    let (paid, removed, collateral_after, debt_after, shares_after) =
        with_slab(&ctx.accounts.slab, &market_key, |slab| {
            let p = slab
                .get_mut(index, generation)
                .map_err(SoftliqError::from)?;
            let debt = position_debt(&m, p.debt_shares)?;
            require!(debt > 0, SoftliqError::ZeroAmount);
            let (paid, removed) = if max_amount >= debt {
                (debt, p.debt_shares)
            } else {
                let r = math!(health::shares_for_repay(max_amount, index_now))?;
                require!(r > 0, SoftliqError::ZeroAmount);
                (max_amount, r)
            };
            p.debt_shares = checked_sub(p.debt_shares, removed)?;
            if p.debt_shares == 0 {
                p.end_episode();
            }
            Ok((
                paid,
                removed,
                p.collateral_native,
                position_debt(&m, p.debt_shares)?,
                p.debt_shares,
            ))
        })?;
    m.total_debt_shares = checked_sub(m.total_debt_shares, removed)?;
    let shares_before = checked_add(shares_after, removed)?;
    reband(
        &mut m,
        (shares_before, collateral_after),
        (shares_after, collateral_after),
    )?;
    m.pool_cash_native = checked_add(m.pool_cash_native, paid)?;
    drop(m);
    transfer_in(
        &ctx.accounts.debt_token_program,
        &ctx.accounts.payer_debt,
        &ctx.accounts.debt_vault,
        &ctx.accounts.debt_mint,
        &ctx.accounts.payer,
        paid,
    )?;
    emit!(PositionChanged {
        market: market_key,
        slab: ctx.accounts.slab.key(),
        index,
        generation,
        action: ACTION_REPAY,
        amount: paid,
        collateral_after,
        debt_after,
        borrow_index: index_now,
    });
    Ok(())
}
