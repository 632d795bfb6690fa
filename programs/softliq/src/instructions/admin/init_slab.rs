use anchor_lang::prelude::*;

use crate::error::SoftliqError;
use crate::events::SlabInitialized;
use crate::instructions::common::init_book_header;
use crate::state::{slab_account_size, Market, PositionSlab, MAX_SLAB_CAPACITY};

#[derive(Accounts)]
pub struct InitSlab<'info> {
    pub admin: Signer<'info>,
    #[account(has_one = admin @ SoftliqError::NotAdmin)]
    pub market: AccountLoader<'info, Market>,
    /// Created by the client (`createAccount`, owner = program, zeroed) in the same transaction.
    #[account(zero)]
    pub slab: AccountLoader<'info, PositionSlab>,
}

/// Initialises a zeroed slab of `capacity` positions. No O(capacity) work:
/// entries are handed out from a high-water mark, then from the free list.
pub fn handler(ctx: Context<InitSlab>, capacity: u32) -> Result<()> {
    require!(
        capacity > 0 && capacity as usize <= MAX_SLAB_CAPACITY,
        SoftliqError::BadCapacity
    );
    let info = ctx.accounts.slab.as_ref();
    require!(
        info.data_len() >= slab_account_size(capacity as usize),
        SoftliqError::BadAccountLayout
    );
    let mut data = info.try_borrow_mut_data()?;
    init_book_header(
        &mut data,
        PositionSlab::DISCRIMINATOR,
        ctx.accounts.market.key(),
        capacity,
    )?;
    emit!(SlabInitialized {
        market: ctx.accounts.market.key(),
        slab: ctx.accounts.slab.key(),
        capacity,
    });
    Ok(())
}
