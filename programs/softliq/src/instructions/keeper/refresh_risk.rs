use anchor_lang::prelude::*;

use crate::instructions::common::observe_price;
use crate::oracle::load_price;
use crate::state::Market;

#[derive(Accounts)]
pub struct RefreshRisk<'info> {
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: read and guarded by `oracle::load_price`.
    pub oracle: UncheckedAccount<'info>,
}

/// Permissionless: feeds the current guarded oracle price to the volatility
/// estimate (once per slot; later calls in the same slot change nothing), so
/// the margins follow the market even when nothing else trades. A price that
/// fails a guard fails the call and changes nothing.
pub fn handler(ctx: Context<RefreshRisk>) -> Result<()> {
    let clock = Clock::get()?;
    let key = ctx.accounts.market.key();
    let mut m = ctx.accounts.market.load_mut()?;
    let price = load_price(&m, &ctx.accounts.oracle.to_account_info(), &clock)?;
    observe_price(&mut m, &key, &price, clock.slot)
}
