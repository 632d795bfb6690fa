use anchor_lang::prelude::*;

use crate::engine::params::validate;
use crate::error::SoftliqError;
use crate::events::ParamsUpdated;
use crate::instructions::common::accrue;
use crate::state::{Market, MarketParams, PAUSE_ALL};

#[derive(Accounts)]
pub struct UpdateParams<'info> {
    pub admin: Signer<'info>,
    #[account(mut, has_one = admin @ SoftliqError::NotAdmin)]
    pub market: AccountLoader<'info, Market>,
}

/// Sets new parameters (validated against the hard bounds) and pause flags.
/// Pausing only stops risk-increasing actions; withdrawals, repayments,
/// liquidations and auctions are never paused.
pub fn handler(ctx: Context<UpdateParams>, params: MarketParams, paused: u8) -> Result<()> {
    validate(&params).map_err(SoftliqError::from)?;
    require!(paused & !PAUSE_ALL == 0, SoftliqError::InvalidMargins);
    let mut m = ctx.accounts.market.load_mut()?;
    // The risk rules (add-on cap within the margin bounds, the crank-gap
    // safety rule) must still hold with the new margins and penalty.
    crate::engine::risk::validate(&params, &m.risk).map_err(SoftliqError::from)?;
    // Interest up to now accrues at the old rate curve.
    accrue(&mut m, Clock::get()?.slot)?;
    m.params = params;
    m.paused = paused;
    emit!(ParamsUpdated {
        market: ctx.accounts.market.key(),
        paused,
        target_margin_bps: params.target_margin_bps,
        maint_margin_bps: params.maint_margin_bps,
        max_liq_notional_per_slot: params.max_liq_notional_per_slot,
    });
    Ok(())
}
