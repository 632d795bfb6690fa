use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::position_ref::{owned, ACTION_DEPOSIT};
use crate::error::SoftliqError;
use crate::events::PositionChanged;
use crate::instructions::common::{
    checked_add, checked_sub, position_debt, reband, require_nonzero, transfer_in, with_slab,
};
use crate::state::{Market, PositionSlab};

#[derive(Accounts)]
pub struct DepositCollateral<'info> {
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(mut)]
    pub slab: AccountLoader<'info, PositionSlab>,
    #[account(mut, token::mint = collateral_mint)]
    pub owner_collateral: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, address = market.load()?.collateral_vault @ SoftliqError::WrongTokenAccount)]
    pub collateral_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(address = market.load()?.collateral_mint @ SoftliqError::WrongTokenAccount)]
    pub collateral_mint: Box<InterfaceAccount<'info, Mint>>,
    pub collateral_token_program: Interface<'info, TokenInterface>,
}

/// Adds collateral to a position. Never needs the oracle.
pub fn handler(
    ctx: Context<DepositCollateral>,
    index: u32,
    generation: u32,
    amount: u64,
) -> Result<()> {
    require_nonzero(amount)?;
    let market_key = ctx.accounts.market.key();
    let owner = ctx.accounts.owner.key();
    let mut m = ctx.accounts.market.load_mut()?;
    let (collateral_after, shares) = with_slab(&ctx.accounts.slab, &market_key, |slab| {
        let p = owned(slab, index, generation, &owner)?;
        p.collateral_native = checked_add(p.collateral_native, amount)?;
        Ok((p.collateral_native, p.debt_shares))
    })?;
    m.total_position_collateral_native = checked_add(m.total_position_collateral_native, amount)?;
    let before = checked_sub(collateral_after, amount)?;
    reband(&mut m, (shares, before), (shares, collateral_after))?;
    let debt_after = position_debt(&m, shares)?;
    let borrow_index = m.borrow_index;
    drop(m);
    transfer_in(
        &ctx.accounts.collateral_token_program,
        &ctx.accounts.owner_collateral,
        &ctx.accounts.collateral_vault,
        &ctx.accounts.collateral_mint,
        &ctx.accounts.owner,
        amount,
    )?;
    emit!(PositionChanged {
        market: market_key,
        slab: ctx.accounts.slab.key(),
        index,
        generation,
        action: ACTION_DEPOSIT,
        amount,
        collateral_after,
        debt_after,
        borrow_index,
    });
    Ok(())
}
