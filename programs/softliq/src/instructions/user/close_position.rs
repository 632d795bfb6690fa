use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::position_ref::owned;
use crate::error::SoftliqError;
use crate::events::PositionClosed;
use crate::instructions::common::{checked_add, checked_sub, transfer_out, with_slab};
use crate::state::{Market, PositionSlab, POSITION_DEPOSIT_LAMPORTS, VAULT_AUTH_SEED};

#[derive(Accounts)]
pub struct ClosePosition<'info> {
    /// Gets the position deposit back.
    #[account(mut)]
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
    /// CHECK: vault authority PDA.
    #[account(seeds = [VAULT_AUTH_SEED, market.key().as_ref()], bump = market.load()?.vault_auth_bump)]
    pub vault_auth: UncheckedAccount<'info>,
    pub collateral_token_program: Interface<'info, TokenInterface>,
}

/// Closes a debt-free position: returns its collateral and the position
/// deposit, and releases the entry (its generation is bumped, so the old
/// `(index, generation)` is dead).
pub fn handler(ctx: Context<ClosePosition>, index: u32, generation: u32) -> Result<()> {
    let market_key = ctx.accounts.market.key();
    let owner = ctx.accounts.owner.key();
    let mut m = ctx.accounts.market.load_mut()?;
    let collateral = with_slab(&ctx.accounts.slab, &market_key, |slab| {
        let p = owned(slab, index, generation, &owner)?;
        require!(p.debt_shares == 0, SoftliqError::PositionHasDebt);
        let c = p.collateral_native;
        slab.free(index, generation).map_err(SoftliqError::from)?;
        Ok(c)
    })?;
    m.total_position_collateral_native =
        checked_sub(m.total_position_collateral_native, collateral)?;
    m.positions_open = checked_sub(m.positions_open, 1)?;
    let bump = m.vault_auth_bump;
    drop(m);
    // The market is this program's account: its lamports move directly.
    let market_info = ctx.accounts.market.to_account_info();
    let owner_info = ctx.accounts.owner.to_account_info();
    let market_lamports = checked_sub(market_info.lamports(), POSITION_DEPOSIT_LAMPORTS)?;
    let owner_lamports = checked_add(owner_info.lamports(), POSITION_DEPOSIT_LAMPORTS)?;
    **market_info.try_borrow_mut_lamports()? = market_lamports;
    **owner_info.try_borrow_mut_lamports()? = owner_lamports;
    transfer_out(
        &ctx.accounts.collateral_token_program,
        &ctx.accounts.collateral_vault,
        &ctx.accounts.owner_collateral,
        &ctx.accounts.collateral_mint,
        &ctx.accounts.vault_auth.to_account_info(),
        &market_key,
        bump,
        collateral,
    )?;
    emit!(PositionClosed {
        market: market_key,
        slab: ctx.accounts.slab.key(),
        index,
        generation,
        collateral_returned: collateral,
        deposit_lamports: POSITION_DEPOSIT_LAMPORTS,
    });
    Ok(())
}
