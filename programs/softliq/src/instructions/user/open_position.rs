use anchor_lang::prelude::*;

use crate::error::SoftliqError;
use crate::events::PositionOpened;
use crate::instructions::common::{checked_add, with_slab};
use crate::state::{Market, PositionSlab, PAUSE_OPEN, POSITION_DEPOSIT_LAMPORTS};

#[derive(Accounts)]
pub struct OpenPosition<'info> {
    /// Pays the refundable position deposit.
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(mut)]
    pub slab: AccountLoader<'info, PositionSlab>,
    pub system_program: Program<'info, System>,
}

/// Takes a free entry of the slab for the signer, who deposits
/// `POSITION_DEPOSIT_LAMPORTS` into the market account (returned by
/// `close_position`).
/// The `(index, generation)` is in the `PositionOpened` event; clients can
/// predict it from the header.
pub fn handler(ctx: Context<OpenPosition>) -> Result<()> {
    let market_key = ctx.accounts.market.key();
    let owner = ctx.accounts.owner.key();
    let mut m = ctx.accounts.market.load_mut()?;
    require!(!m.is_paused(PAUSE_OPEN), SoftliqError::Paused);
    let (index, generation) = with_slab(&ctx.accounts.slab, &market_key, |slab| {
        let (i, g) = slab.alloc().map_err(SoftliqError::from)?;
        let p = slab.get_mut(i, g).map_err(SoftliqError::from)?;
        p.owner = owner;
        Ok((i, g))
    })?;
    m.positions_open = checked_add(m.positions_open, 1)?;
    drop(m);
    anchor_lang::system_program::transfer(
        CpiContext::new(
            ctx.accounts.system_program.key(),
            anchor_lang::system_program::Transfer {
                from: ctx.accounts.owner.to_account_info(),
                to: ctx.accounts.market.to_account_info(),
            },
        ),
        POSITION_DEPOSIT_LAMPORTS,
    )?;
    emit!(PositionOpened {
        market: market_key,
        slab: ctx.accounts.slab.key(),
        index,
        generation,
        owner,
        deposit_lamports: POSITION_DEPOSIT_LAMPORTS,
    });
    Ok(())
}
