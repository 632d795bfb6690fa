use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::lot_ref::open_lot;
use crate::engine::auction;
use crate::error::SoftliqError;
use crate::events::LotReset;
use crate::instructions::common::{checked_sub, observe_price, transfer_out, with_lots};
use crate::math;
use crate::oracle::load_price;
use crate::state::{LotBook, Market, VAULT_AUTH_SEED};

#[derive(Accounts)]
pub struct AuctionReset<'info> {
    pub caller: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(mut, address = market.load()?.lot_book @ SoftliqError::WrongMarket)]
    pub lot_book: AccountLoader<'info, LotBook>,
    /// CHECK: read and guarded by `oracle::load_price`.
    pub oracle: UncheckedAccount<'info>,
    #[account(mut, address = market.load()?.insurance_vault @ SoftliqError::WrongTokenAccount)]
    pub insurance_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Receives the reset tip.
    #[account(mut, token::mint = debt_mint)]
    pub caller_debt: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(address = market.load()?.debt_mint @ SoftliqError::WrongTokenAccount)]
    pub debt_mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: vault authority PDA.
    #[account(seeds = [VAULT_AUTH_SEED, market.key().as_ref()], bump = market.load()?.vault_auth_bump)]
    pub vault_auth: UncheckedAccount<'info>,
    pub debt_token_program: Interface<'info, TokenInterface>,
}

/// Restarts a lot's auction at the fresh oracle price once it is past the
/// tail or below the cusp; pays a small tip capped by the insurance balance
/// for the first `auction_max_resets` resets of a lot, nothing after.
pub fn handler(ctx: Context<AuctionReset>, lot_index: u32, lot_generation: u32) -> Result<()> {
    let clock = Clock::get()?;
    let market_key = ctx.accounts.market.key();
    let mut m = ctx.accounts.market.load_mut()?;
    let price = load_price(&m, &ctx.accounts.oracle.to_account_info(), &clock)?;
    observe_price(&mut m, &market_key, &price, clock.slot)?;
    let (start, resets, tip_due) = with_lots(&ctx.accounts.lot_book, &market_key, |lots| {
        let lot = open_lot(lots, lot_index, lot_generation)?;
        require!(lot.collateral_native > 0, SoftliqError::ResetTooEarly);
        let q = math!(auction::quote(&m.params, lot, clock.slot))?;
        require!(q.needs_reset, SoftliqError::ResetTooEarly);
        let tip_due = auction::reset_tip_due(&m.params, lot.resets);
        lot.start_price = math!(auction::start_price(
            price.price,
            m.params.auction_start_buffer_bps
        ))?;
        lot.start_slot = clock.slot;
        lot.resets = lot.resets.saturating_add(1);
        Ok((lot.start_price, lot.resets, tip_due))
    })?;
    // Past `auction_max_resets` a reset is free: the floor still holds.
    let tip = if tip_due {
        m.params
            .auction_reset_tip_native
            .min(m.insurance_balance_native)
    } else {
        0
    };
    m.insurance_balance_native = checked_sub(m.insurance_balance_native, tip)?;
    m.keeper_paid_native = m.keeper_paid_native.saturating_add(tip);
    let bump = m.vault_auth_bump;
    drop(m);
    let a = &ctx.accounts;
    transfer_out(
        &a.debt_token_program,
        &a.insurance_vault,
        &a.caller_debt,
        &a.debt_mint,
        &a.vault_auth.to_account_info(),
        &market_key,
        bump,
        tip,
    )?;
    emit!(LotReset {
        market: market_key,
        lot_index,
        lot_generation,
        start_price: start,
        resets,
        tip
    });
    Ok(())
}
