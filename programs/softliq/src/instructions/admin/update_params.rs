use anchor_lang::prelude::*;

use crate::engine::interest;
use crate::engine::params::{plan_update, UpdatePlan, PARAMS_NOTICE_SLOTS};
use crate::error::SoftliqError;
use crate::events::{ParamsAnnounced, ParamsUpdated};
use crate::state::{Market, MarketParams, PAUSE_ALL};

#[derive(Accounts)]
pub struct UpdateParams<'info> {
    pub admin: Signer<'info>,
    #[account(mut, has_one = admin @ SoftliqError::NotAdmin)]
    pub market: AccountLoader<'info, Market>,
}

/// Sets the pause flags at once and changes parameters only after notice:
/// a request that differs from the parameters in force is announced
/// (`ParamsAnnounced`, stored in `pending_params`) and applied by a later
/// update with the same values at least `PARAMS_NOTICE_SLOTS` after the
/// announcement; margins and the penalty rise at most `MAX_MARGIN_RAISE_BPS`
/// per applied update. Sending the parameters in force withdraws an
/// announcement. Pausing only stops risk-increasing actions; withdrawals,
/// repayments, liquidations and auctions are never paused.
pub fn handler(ctx: Context<UpdateParams>, params: MarketParams, paused: u8) -> Result<()> {
    require!(paused & !PAUSE_ALL == 0, SoftliqError::InvalidPauseFlags);
    let slot = Clock::get()?.slot;
    let market_key = ctx.accounts.market.key();
    let mut m = ctx.accounts.market.load_mut()?;
    let plan = plan_update(
        &m.params,
        &m.pending_params,
        m.pending_params_slot,
        &params,
        slot,
    )
    .map_err(SoftliqError::from)?;
    // The risk rules (add-on cap within the margin bounds, the crank-gap
    // safety rule) must hold with the requested margins and penalty.
    crate::engine::risk::validate(&params, &m.risk).map_err(SoftliqError::from)?;
    m.paused = paused;
    match plan {
        UpdatePlan::Unchanged => {
            m.pending_params = MarketParams::default();
            m.pending_params_slot = 0;
        }
        UpdatePlan::Announce { since } => {
            m.pending_params = params;
            m.pending_params_slot = since;
            emit!(ParamsAnnounced {
                market: market_key,
                announced_slot: since,
                applies_from_slot: since.saturating_add(PARAMS_NOTICE_SLOTS),
                target_margin_bps: params.target_margin_bps,
                maint_margin_bps: params.maint_margin_bps,
                liquidation_penalty_bps: params.liquidation_penalty_bps,
            });
        }
        UpdatePlan::Apply => {
            // Interest up to now accrues at the old rate curve.
            interest::accrue_market(&mut m, slot);
            m.params = params;
            m.pending_params = MarketParams::default();
            m.pending_params_slot = 0;
        }
    }
    emit!(ParamsUpdated {
        market: market_key,
        paused,
        target_margin_bps: m.params.target_margin_bps,
        maint_margin_bps: m.params.maint_margin_bps,
        max_liq_notional_per_slot: m.params.max_liq_notional_per_slot,
    });
    Ok(())
}
