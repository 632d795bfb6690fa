//! The position slab: a [`BookHeader`] followed by a fixed array of positions.
use anchor_lang::prelude::*;

use super::book::{BookHeader, BookView, MAX_ACCOUNT_SIZE};

pub const POSITION_IN_USE: u32 = 1;
/// A liquidation episode is under way (tip paid, ramp counting).
pub const POSITION_IN_EPISODE: u32 = 2;

/// A position slab account: header, then `capacity` positions.
#[account(zero_copy)]
#[derive(Debug)]
pub struct PositionSlab {
    pub header: BookHeader,
}

/// One margin position. ABI: 104 bytes, read by offset by the TS decoders.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Position {
    pub owner: Pubkey,
    pub collateral_native: u64,
    pub debt_shares: u64,
    /// First slot of the current liquidation episode.
    pub liq_start_slot: u64,
    /// Slot of the last liquidation (a position is liquidated at most once a slot).
    pub last_liq_slot: u64,
    /// Collateral when the episode began (the ramp's base).
    pub episode_start_collateral_native: u64,
    pub episode_seized_collateral_native: u64,
    /// Notional seized in this episode (the keeper-pay schedule's argument).
    pub episode_seized_notional_native: u64,
    /// Bumped whenever the entry is released, so stale references fail.
    pub generation: u32,
    pub flags: u32,
    pub next_free: u32,
    pub _padding: u32,
}

pub const POSITION_SIZE: usize = 104;
const _: () = assert!(core::mem::size_of::<Position>() == POSITION_SIZE);
/// Rent-exempt lamports per byte at the default rent (3,480 lamports per
/// byte-year × 2 years).
pub const RENT_EXEMPT_LAMPORTS_PER_BYTE: u64 = 6_960;
/// Lamports an owner deposits (into the market account) to open a position
/// and gets back on closing it: the rent of the entry's bytes. The admin pays
/// the slab's rent; this deposit makes filling a slab with empty positions
/// cost what the space costs (72.4 SOL for 100,000 entries), refundable. It
/// goes to the market, not the slab: a CPI that names a 10 MB slab would copy
/// (and charge compute for) all of it.
pub const POSITION_DEPOSIT_LAMPORTS: u64 = POSITION_SIZE as u64 * RENT_EXEMPT_LAMPORTS_PER_BYTE;
const _: () = assert!(core::mem::align_of::<Position>() == 8);
/// Byte offset of position 0 in the account (after the discriminator and header).
pub const SLAB_POSITIONS_OFFSET: usize = 8 + super::book::BOOK_HEADER_SIZE;
pub const MAX_SLAB_CAPACITY: usize = (MAX_ACCOUNT_SIZE - SLAB_POSITIONS_OFFSET) / POSITION_SIZE;
const _: () = assert!(MAX_SLAB_CAPACITY >= 100_000);

pub type SlabView<'a> = BookView<'a, Position>;

impl Position {
    pub fn in_episode(&self) -> bool {
        self.flags & POSITION_IN_EPISODE != 0
    }
    pub fn end_episode(&mut self) {
        self.flags &= !POSITION_IN_EPISODE;
        self.episode_start_collateral_native = 0;
        self.episode_seized_collateral_native = 0;
        self.episode_seized_notional_native = 0;
    }
}

crate::impl_book_entry!(Position, POSITION_IN_USE);

/// Account size for a slab of `capacity` positions.
pub const fn slab_account_size(capacity: usize) -> usize {
    super::book::book_account_size(capacity, POSITION_SIZE)
}

#[cfg(test)]
mod tests;
