use anchor_lang::prelude::*;

use crate::engine::risk;
use crate::error::SoftliqError;
use crate::events::RiskParamsUpdated;
use crate::state::{Market, RiskParams};

#[derive(Accounts)]
pub struct SetRiskParams<'info> {
    pub admin: Signer<'info>,
    #[account(mut, has_one = admin @ SoftliqError::NotAdmin)]
    pub market: AccountLoader<'info, Market>,
}

/// Sets the dynamic-risk parameters. The add-on cap set at creation cannot
/// change; the market depth may change by at most 2× per update (a typo or a
/// captured admin key cannot turn the budget from 0.5% of depth into a flood
/// at once). The estimate's state is kept.
pub fn handler(ctx: Context<SetRiskParams>, new: RiskParams) -> Result<()> {
    let mut m = ctx.accounts.market.load_mut()?;
    risk::validate(&m.params, &new).map_err(SoftliqError::from)?;
    require!(
        new.margin_addon_cap_bps == m.risk.margin_addon_cap_bps,
        SoftliqError::RiskCapImmutable
    );
    require!(
        depth_change_ok(m.risk.depth_native, new.depth_native),
        SoftliqError::DepthChangeTooLarge
    );
    m.risk = new;
    emit!(RiskParamsUpdated {
        market: ctx.accounts.market.key(),
        vol_enabled: new.vol_enabled,
        vol_k_bps: new.vol_k_bps,
        margin_addon_cap_bps: new.margin_addon_cap_bps,
        depth_native: new.depth_native,
        budget_depth_bps: new.budget_depth_bps,
    });
    Ok(())
}

/// A depth may be set from 0 to anything (first setting) and to 0 (off);
/// otherwise it stays within [old / 2, old × 2].
pub fn depth_change_ok(old: u64, new: u64) -> bool {
    if old == 0 || new == 0 {
        return true;
    }
    new >= old.div_ceil(2) && new <= old.saturating_mul(2)
}
