use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::lot_ref::{free_lot, open_lot};
use crate::error::SoftliqError;
use crate::events::LotSettled;
use crate::instructions::common::{checked_add, checked_sub, transfer_out, with_lots};
use crate::state::{LotBook, Market, VAULT_AUTH_SEED};

#[derive(Accounts)]
pub struct AuctionSettle<'info> {
    pub caller: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(mut, address = market.load()?.lot_book @ SoftliqError::WrongMarket)]
    pub lot_book: AccountLoader<'info, LotBook>,
    #[account(mut, address = market.load()?.insurance_vault @ SoftliqError::WrongTokenAccount)]
    pub insurance_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, address = market.load()?.debt_vault @ SoftliqError::WrongTokenAccount)]
    pub debt_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(address = market.load()?.debt_mint @ SoftliqError::WrongTokenAccount)]
    pub debt_mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: vault authority PDA.
    #[account(seeds = [VAULT_AUTH_SEED, market.key().as_ref()], bump = market.load()?.vault_auth_bump)]
    pub vault_auth: UncheckedAccount<'info>,
    pub debt_token_program: Interface<'info, TokenInterface>,
}

/// Closes a sold-out lot whose debt tab was not fully repaid: the insurance
/// fund covers the shortfall as far as it can, the rest is socialized by
/// writing down the pool (the LP share price falls by exactly that amount).
pub fn handler(ctx: Context<AuctionSettle>, lot_index: u32, lot_generation: u32) -> Result<()> {
    let market_key = ctx.accounts.market.key();
    let mut m = ctx.accounts.market.load_mut()?;
    let shortfall = with_lots(&ctx.accounts.lot_book, &market_key, |lots| {
        let lot = open_lot(lots, lot_index, lot_generation)?;
        require!(lot.collateral_native == 0, SoftliqError::LotNotSettleable);
        let shortfall = lot.tab_debt_native;
        free_lot(lots, lot_index, lot_generation)?;
        Ok(shortfall)
    })?;
    let covered = shortfall.min(m.insurance_balance_native);
    let socialized = checked_sub(shortfall, covered)?;
    m.insurance_balance_native = checked_sub(m.insurance_balance_native, covered)?;
    m.pool_cash_native = checked_add(m.pool_cash_native, covered)?;
    m.lot_debt_outstanding_native = checked_sub(m.lot_debt_outstanding_native, shortfall)?;
    m.bad_debt_insurance_native = m.bad_debt_insurance_native.saturating_add(covered);
    m.bad_debt_socialized_native = m.bad_debt_socialized_native.saturating_add(socialized);
    m.lots_settled = m.lots_settled.saturating_add(1);
    let bump = m.vault_auth_bump;
    drop(m);
    let a = &ctx.accounts;
    transfer_out(
        &a.debt_token_program,
        &a.insurance_vault,
        &a.debt_vault,
        &a.debt_mint,
        &a.vault_auth.to_account_info(),
        &market_key,
        bump,
        covered,
    )?;
    emit!(LotSettled {
        market: market_key,
        lot_index,
        lot_generation,
        shortfall,
        covered_by_insurance: covered,
        socialized
    });
    Ok(())
}
