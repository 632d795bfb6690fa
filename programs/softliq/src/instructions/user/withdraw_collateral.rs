use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::position_ref::{owned, ACTION_WITHDRAW};
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
use crate::state::{Market, PositionSlab, VAULT_AUTH_SEED};

#[derive(Accounts)]
pub struct WithdrawCollateral<'info> {
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
    /// CHECK: read and guarded by `oracle::load_price`.
    pub oracle: UncheckedAccount<'info>,
    pub collateral_token_program: Interface<'info, TokenInterface>,
}

/// Removes collateral; with debt, the position must keep init health at the
/// conservative price (lower of price and EMA, minus confidence).
pub fn handler(
    ctx: Context<WithdrawCollateral>,
    index: u32,
    generation: u32,
    amount: u64,
) -> Result<()> {
    require_nonzero(amount)?;
    let market_key = ctx.accounts.market.key();
    let owner = ctx.accounts.owner.key();
    let clock = Clock::get()?;
    let mut m = ctx.accounts.market.load_mut()?;
    interest::accrue_market(&mut m, clock.slot);
    let init_margin_bps = effective_params(&m)?.init_margin_bps;
    let (collateral_after, debt_after, seen, shares) =
        with_slab(&ctx.accounts.slab, &market_key, |slab| {
            let p = owned(slab, index, generation, &owner)?;
            require!(
                p.collateral_native >= amount,
                SoftliqError::InsufficientCollateral
            );
            let collateral_after = checked_sub(p.collateral_native, amount)?;
            let debt = position_debt(&m, p.debt_shares)?;
            // Without debt no price is needed (withdrawals work through an oracle outage).
            let mut seen = None;
            if debt > 0 {
                let price = load_price(&m, &ctx.accounts.oracle.to_account_info(), &clock)?;
                let h = math!(health::health(
                    collateral_after,
                    debt,
                    price.conservative(),
                    init_margin_bps
                ))?;
                require!(h >= 0, SoftliqError::InsufficientHealth);
                seen = Some(price);
            }
            p.collateral_native = collateral_after;
            Ok((collateral_after, debt, seen, p.debt_shares))
        })?;
    if let Some(price) = seen {
        observe_price(&mut m, &market_key, &price, clock.slot)?;
    }
    m.total_position_collateral_native = checked_sub(m.total_position_collateral_native, amount)?;
    let before = checked_add(collateral_after, amount)?;
    reband(&mut m, (shares, before), (shares, collateral_after))?;
    let (bump, borrow_index) = (m.vault_auth_bump, m.borrow_index);
    drop(m);
    transfer_out(
        &ctx.accounts.collateral_token_program,
        &ctx.accounts.collateral_vault,
        &ctx.accounts.owner_collateral,
        &ctx.accounts.collateral_mint,
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
        action: ACTION_WITHDRAW,
        amount,
        collateral_after,
        debt_after,
        borrow_index,
    });
    Ok(())
}
