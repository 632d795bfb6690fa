use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::lot_ref::{free_lot, open_lot};
use crate::engine::auction::{self, TakeError};
use crate::error::SoftliqError;
use crate::events::LotTaken;
use crate::instructions::common::{
    checked_add, checked_sub, reband, transfer_in, transfer_out, with_lots, with_slab,
};
use crate::math;
use crate::state::{Lot, LotBook, Market, PositionSlab, VAULT_AUTH_SEED};

#[derive(Accounts)]
pub struct AuctionTake<'info> {
    pub taker: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(mut, address = market.load()?.lot_book @ SoftliqError::WrongMarket)]
    pub lot_book: AccountLoader<'info, LotBook>,
    /// Pays for the collateral.
    #[account(mut, token::mint = debt_mint)]
    pub taker_debt: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Receives the collateral.
    #[account(mut, token::mint = collateral_mint)]
    pub taker_collateral: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, address = market.load()?.collateral_vault @ SoftliqError::WrongTokenAccount)]
    pub collateral_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, address = market.load()?.debt_vault @ SoftliqError::WrongTokenAccount)]
    pub debt_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, address = market.load()?.insurance_vault @ SoftliqError::WrongTokenAccount)]
    pub insurance_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(address = market.load()?.collateral_mint @ SoftliqError::WrongTokenAccount)]
    pub collateral_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(address = market.load()?.debt_mint @ SoftliqError::WrongTokenAccount)]
    pub debt_mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: vault authority PDA.
    #[account(seeds = [VAULT_AUTH_SEED, market.key().as_ref()], bump = market.load()?.vault_auth_bump)]
    pub vault_auth: UncheckedAccount<'info>,
    pub collateral_token_program: Interface<'info, TokenInterface>,
    pub debt_token_program: Interface<'info, TokenInterface>,
    /// The lot's slab, to return surplus collateral into the position.
    #[account(mut)]
    pub slab: Option<AccountLoader<'info, PositionSlab>>,
    /// The lot owner's collateral account, when the position is gone.
    #[account(mut, token::mint = collateral_mint)]
    pub owner_collateral: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
}

/// Where a closed lot's surplus collateral went.
enum Surplus {
    None,
    ToPosition,
    ToOwnerAccount(u64),
}

/// Buys up to `max_collateral` of a lot at its current auction price, if that
/// price is at most `max_price`. On an anchored market (`CURVE_ANCHORED`) the
/// price is also at most the curve restarted at the market's oracle price of
/// this slot, when an instruction earlier in the slot observed one (a crank,
/// or `refresh_risk` in the same transaction): `engine::auction::quote_at`.
pub fn handler(
    ctx: Context<AuctionTake>,
    lot_index: u32,
    lot_generation: u32,
    max_collateral: u64,
    max_price: u64,
) -> Result<()> {
    let slot = Clock::get()?.slot;
    let market_key = ctx.accounts.market.key();
    let mut m = ctx.accounts.market.load_mut()?;
    let (take, price, tab_left, snapshot) =
        with_lots(&ctx.accounts.lot_book, &market_key, |lots| {
            let lot = open_lot(lots, lot_index, lot_generation)?;
            let reference = auction::reference_price(&m.risk_state, slot);
            let q = math!(auction::quote_at(&m.params, lot, slot, reference))?;
            let price = q.price;
            require!(!q.needs_reset, SoftliqError::LotNeedsReset);
            require!(price <= max_price, SoftliqError::PriceAboveMax);
            let take = auction::take(
                lot.collateral_native,
                lot.tab_debt_native,
                lot.tab_penalty_native,
                price,
                max_collateral,
                m.params.dust_native,
            )
            .map_err(|e| match e {
                TakeError::LeavesDust => error!(SoftliqError::TakeLeavesDust),
                TakeError::NothingToTake => error!(SoftliqError::NothingToTake),
                TakeError::Math => error!(SoftliqError::MathOverflow),
            })?;
            lot.collateral_native = checked_sub(lot.collateral_native, take.collateral_out_native)?;
            lot.tab_debt_native = checked_sub(lot.tab_debt_native, take.to_pool_native)?;
            lot.tab_penalty_native = checked_sub(lot.tab_penalty_native, take.to_insurance_native)?;
            lot.proceeds_native = checked_add(lot.proceeds_native, take.paid_native)?;
            let snapshot = *lot;
            let tab_left = math!(lot.tab_native())?;
            // Sold out with only penalty unpaid: nothing owed to the pool, close it.
            let done = take.tab_closed || (lot.collateral_native == 0 && lot.tab_debt_native == 0);
            if done {
                free_lot(lots, lot_index, lot_generation)?;
            }
            Ok((take, price, tab_left, done.then_some(snapshot)))
        })?;
    m.pool_cash_native = checked_add(m.pool_cash_native, take.to_pool_native)?;
    m.lot_debt_outstanding_native =
        checked_sub(m.lot_debt_outstanding_native, take.to_pool_native)?;
    m.insurance_balance_native = checked_add(m.insurance_balance_native, take.to_insurance_native)?;
    m.penalties_collected_native = m
        .penalties_collected_native
        .saturating_add(take.to_insurance_native);
    m.auction_proceeds_native = m.auction_proceeds_native.saturating_add(take.paid_native);
    // The taker's resale moves the market the oracle reports: the fast-fall
    // detector ignores prices for a while after it (engine::auction::is_fast_fall).
    m.last_take_slot = slot;
    m.total_lot_collateral_native =
        checked_sub(m.total_lot_collateral_native, take.collateral_out_native)?;

    let surplus = match &snapshot {
        Some(lot) if lot.collateral_native > 0 => return_surplus(&ctx, &mut m, &market_key, lot)?,
        _ => Surplus::None,
    };
    let returned = snapshot.map(|l| l.collateral_native).unwrap_or(0);
    let bump = m.vault_auth_bump;
    drop(m);

    let a = &ctx.accounts;
    transfer_in(
        &a.debt_token_program,
        &a.taker_debt,
        &a.debt_vault,
        &a.debt_mint,
        &a.taker,
        take.to_pool_native,
    )
    .and_then(|_| {
        if take.to_insurance_native == 0 {
            return Ok(());
        }
        transfer_in(
            &a.debt_token_program,
            &a.taker_debt,
            &a.insurance_vault,
            &a.debt_mint,
            &a.taker,
            take.to_insurance_native,
        )
    })?;
    let vault_auth = a.vault_auth.to_account_info();
    transfer_out(
        &a.collateral_token_program,
        &a.collateral_vault,
        &a.taker_collateral,
        &a.collateral_mint,
        &vault_auth,
        &market_key,
        bump,
        take.collateral_out_native,
    )?;
    if let (Surplus::ToOwnerAccount(amount), Some(dest)) = (surplus, a.owner_collateral.as_ref()) {
        transfer_out(
            &a.collateral_token_program,
            &a.collateral_vault,
            dest,
            &a.collateral_mint,
            &vault_auth,
            &market_key,
            bump,
            amount,
        )?;
    }
    emit!(LotTaken {
        market: market_key,
        lot_index,
        lot_generation,
        taker: a.taker.key(),
        price,
        collateral: take.collateral_out_native,
        paid: take.paid_native,
        to_pool: take.to_pool_native,
        to_insurance: take.to_insurance_native,
        tab_left,
        collateral_returned: returned,
    });
    Ok(())
}

/// Returns a closed lot's remaining collateral to its position, or to the
/// owner's token account when the position no longer exists.
fn return_surplus(
    ctx: &Context<AuctionTake>,
    m: &mut Market,
    market_key: &Pubkey,
    lot: &Lot,
) -> Result<Surplus> {
    let amount = lot.collateral_native;
    m.total_lot_collateral_native = checked_sub(m.total_lot_collateral_native, amount)?;
    if let Some(slab) = ctx.accounts.slab.as_ref().filter(|s| s.key() == lot.slab) {
        let credited = with_slab(slab, market_key, |s| {
            match s.get_mut(lot.position_index, lot.position_generation) {
                Ok(p) if p.owner == lot.owner => {
                    let before = p.collateral_native;
                    p.collateral_native = checked_add(before, amount)?;
                    Ok(Some((p.debt_shares, before, p.collateral_native)))
                }
                _ => Ok(None),
            }
        })?;
        if let Some((shares, before, after)) = credited {
            reband(m, (shares, before), (shares, after))?;
            m.total_position_collateral_native =
                checked_add(m.total_position_collateral_native, amount)?;
            return Ok(Surplus::ToPosition);
        }
    }
    let dest = ctx
        .accounts
        .owner_collateral
        .as_ref()
        .ok_or_else(|| error!(SoftliqError::OwnerAccountRequired))?;
    require_keys_eq!(dest.owner, lot.owner, SoftliqError::WrongTokenAccount);
    Ok(Surplus::ToOwnerAccount(amount))
}
