//! Looking up a position named by `(slab, index, generation)` for its owner.
use anchor_lang::prelude::*;

use crate::error::SoftliqError;
use crate::state::{BookView, Position};

/// The in-use position at `(index, generation)` owned by `owner`.
pub fn owned<'a>(
    slab: &'a mut BookView<Position>,
    index: u32,
    generation: u32,
    owner: &Pubkey,
) -> Result<&'a mut Position> {
    let p = slab
        .get_mut(index, generation)
        .map_err(SoftliqError::from)?;
    require_keys_eq!(p.owner, *owner, SoftliqError::NotOwner);
    Ok(p)
}

pub const ACTION_DEPOSIT: u8 = 0;
pub const ACTION_WITHDRAW: u8 = 1;
pub const ACTION_BORROW: u8 = 2;
pub const ACTION_REPAY: u8 = 3;
