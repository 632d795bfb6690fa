use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::lot_ref::{free_lot, open_lot};
use crate::engine::health;
use crate::engine::interest;
use crate::error::SoftliqError;
use crate::events::LotRedeemed;
use crate::instructions::common::{
    checked_add, checked_sub, effective_params, observe_price, position_debt, reband, transfer_in,
    with_lots, with_slab,
};
use crate::math;
use crate::oracle::load_price;
use crate::state::{LotBook, Market, PositionSlab};

#[derive(Accounts)]
pub struct AuctionRedeem<'info> {
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(mut, address = market.load()?.lot_book @ SoftliqError::WrongMarket)]
    pub lot_book: AccountLoader<'info, LotBook>,
    #[account(mut)]
    pub slab: AccountLoader<'info, PositionSlab>,
    #[account(mut, token::mint = debt_mint)]
    pub owner_debt: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, address = market.load()?.debt_vault @ SoftliqError::WrongTokenAccount)]
    pub debt_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, address = market.load()?.insurance_vault @ SoftliqError::WrongTokenAccount)]
    pub insurance_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(address = market.load()?.debt_mint @ SoftliqError::WrongTokenAccount)]
    pub debt_mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: read and guarded by `oracle::load_price`.
    pub oracle: UncheckedAccount<'info>,
    pub debt_token_program: Interface<'info, TokenInterface>,
}

/// The owner buys back an unsold lot: pays its remaining tab (debt to the
/// pool, penalty to insurance) and its collateral returns to the position,
/// which must then hold init health at the conservative price.
pub fn handler(ctx: Context<AuctionRedeem>, lot_index: u32, lot_generation: u32) -> Result<()> {
    let clock = Clock::get()?;
    let market_key = ctx.accounts.market.key();
    let owner = ctx.accounts.owner.key();
    let slab_key = ctx.accounts.slab.key();
    let mut m = ctx.accounts.market.load_mut()?;
    interest::accrue_market(&mut m, clock.slot);
    let price = load_price(&m, &ctx.accounts.oracle.to_account_info(), &clock)?;
    observe_price(&mut m, &market_key, &price, clock.slot)?;
    let eff = effective_params(&m)?;
    let (init_margin_bps, maint_margin_bps) = (eff.init_margin_bps, eff.maint_margin_bps);
    let lot = with_lots(&ctx.accounts.lot_book, &market_key, |lots| {
        let lot = *open_lot(lots, lot_index, lot_generation)?;
        require_keys_eq!(lot.owner, owner, SoftliqError::NotOwner);
        require_keys_eq!(lot.slab, slab_key, SoftliqError::WrongMarket);
        require!(lot.collateral_native > 0, SoftliqError::LotNotOpen);
        free_lot(lots, lot_index, lot_generation)?;
        Ok(lot)
    })?;
    let (shares, c_before, c_after) = with_slab(&ctx.accounts.slab, &market_key, |slab| {
        let p = slab
            .get_mut(lot.position_index, lot.position_generation)
            .map_err(SoftliqError::from)?;
        require_keys_eq!(p.owner, owner, SoftliqError::NotOwner);
        let c = checked_add(p.collateral_native, lot.collateral_native)?;
        let debt = position_debt(&m, p.debt_shares)?;
        let h = math!(health::health(
            c,
            debt,
            price.conservative(),
            init_margin_bps
        ))?;
        require!(h >= 0, SoftliqError::InsufficientHealth);
        let c_before = p.collateral_native;
        p.collateral_native = c;
        if !math!(health::is_liquidatable(
            c,
            debt,
            price.price,
            maint_margin_bps
        ))? {
            p.end_episode();
        }
        Ok((p.debt_shares, c_before, c))
    })?;
    reband(&mut m, (shares, c_before), (shares, c_after))?;
    m.pool_cash_native = checked_add(m.pool_cash_native, lot.tab_debt_native)?;
    m.lot_debt_outstanding_native =
        checked_sub(m.lot_debt_outstanding_native, lot.tab_debt_native)?;
    m.insurance_balance_native = checked_add(m.insurance_balance_native, lot.tab_penalty_native)?;
    m.penalties_collected_native = m
        .penalties_collected_native
        .saturating_add(lot.tab_penalty_native);
    m.total_lot_collateral_native =
        checked_sub(m.total_lot_collateral_native, lot.collateral_native)?;
    m.total_position_collateral_native =
        checked_add(m.total_position_collateral_native, lot.collateral_native)?;
    drop(m);
    let a = &ctx.accounts;
    transfer_in(
        &a.debt_token_program,
        &a.owner_debt,
        &a.debt_vault,
        &a.debt_mint,
        &a.owner,
        lot.tab_debt_native,
    )?;
    if lot.tab_penalty_native > 0 {
        transfer_in(
            &a.debt_token_program,
            &a.owner_debt,
            &a.insurance_vault,
            &a.debt_mint,
            &a.owner,
            lot.tab_penalty_native,
        )?;
    }
    let paid = math!(lot.tab_native())?;
    emit!(LotRedeemed {
        market: market_key,
        lot_index,
        lot_generation,
        owner,
        paid,
        collateral: lot.collateral_native
    });
    Ok(())
}
