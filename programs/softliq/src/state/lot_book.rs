//! The auction vault's ledger: a [`BookHeader`] followed by a fixed array of lots.
use anchor_lang::prelude::*;

use super::book::{BookHeader, BookView, MAX_ACCOUNT_SIZE};

pub const LOT_IN_USE: u32 = 1;
/// The lot was seized insolvent: its debt tab above the oracle value of its
/// collateral at seizure (`engine::auction::is_held`).
pub const LOT_INSOLVENT: u32 = 2;
/// The lot was seized during a fast fall the market's own sales did not cause
/// (`Market::fast_fall_until_slot`, `engine::auction::is_fast_fall`).
pub const LOT_FAST_FALL: u32 = 4;
/// Part of the lot's seizure was charged beyond the market's base budget (to
/// a budget grown under pressure or to the urgent allowance,
/// `engine::budget::SlotBudget::charge`): throughput above what the external
/// market absorbs is sold patiently (docs/adaptive-budget.md).
pub const LOT_OVERFLOW: u32 = 8;
/// Any reason for the first-round hold (`engine::auction::is_held`).
pub const LOT_HELD_FLAGS: u32 = LOT_INSOLVENT | LOT_FAST_FALL | LOT_OVERFLOW;

/// The lot book account of a market: header, then `capacity` lots.
#[account(zero_copy)]
#[derive(Debug)]
pub struct LotBook {
    pub header: BookHeader,
}

/// Collateral seized from a position, on sale by Dutch auction.
/// ABI: 144 bytes, read by offset by the TS decoders.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Lot {
    /// Slab of the position the collateral came from.
    pub slab: Pubkey,
    /// Owner of that position (gets the surplus, may redeem).
    pub owner: Pubkey,
    pub collateral_native: u64,
    /// Debt still to repay to the pool from proceeds.
    pub tab_debt_native: u64,
    /// Penalty still owed to the insurance fund from proceeds.
    pub tab_penalty_native: u64,
    /// Auction start price (scaled like oracle prices).
    pub start_price: u64,
    pub start_slot: u64,
    /// Oracle value of the collateral when seized (for recovery statistics).
    pub seized_value_native: u64,
    /// Quote received from takes so far.
    pub proceeds_native: u64,
    pub position_index: u32,
    pub position_generation: u32,
    pub resets: u32,
    pub flags: u32,
    pub generation: u32,
    pub next_free: u32,
}

pub const LOT_SIZE: usize = 144;
const _: () = assert!(core::mem::size_of::<Lot>() == LOT_SIZE);
pub const LOTS_OFFSET: usize = 8 + super::book::BOOK_HEADER_SIZE;
pub const MAX_LOT_CAPACITY: usize = (MAX_ACCOUNT_SIZE - LOTS_OFFSET) / LOT_SIZE;

pub type LotView<'a> = BookView<'a, Lot>;

impl Lot {
    pub fn tab_native(&self) -> Option<u64> {
        self.tab_debt_native.checked_add(self.tab_penalty_native)
    }
}

crate::impl_book_entry!(Lot, LOT_IN_USE);

pub const fn lot_book_account_size(capacity: usize) -> usize {
    super::book::book_account_size(capacity, LOT_SIZE)
}
