//! The keepers ([`keepers`]) and the bidder ([`bidders`]) of the simulator.
//!
//! Their decisions are those of `softliq-keeper`
//! (`app/keeper`), whose `scan`, `pack` and `bid` modules go through the
//! program's own `engine/` code (health, debt from shares, interest accrual,
//! liquidation sizing, auction price, reset rule). Nothing is decided here;
//! this module only adapts the keeper crate to the simulator's transactions
//! (signed by the bank's payer and a keeper or bidder, with
//! `tx::TX_RESERVE` bytes kept free).
//!
//! In particular [`liquidatable`] is `softliq_keeper::scan::liquidatable`:
//! it asks `engine::liquidation::plan` with the input `crank_liquidate`
//! builds, so a position whose episode is back above maintenance but still
//! below target is cranked, and a ramp-bound or dust step is not, exactly as
//! the program liquidates; the price it is given is the oracle account's,
//! read by `softliq_keeper::oracle::read` with the program's own guards
//! (`World::read_usable_price`).
pub mod bidders;
pub mod keepers;

use anchor_lang::prelude::Pubkey;
use softliq::state::{Lot, MarketParams};
use solana_instruction::Instruction;

pub use softliq_keeper::pack::{CrankBatch, PACKET_DATA_SIZE};

pub use crate::tx::{fits, tx_size, TX_RESERVE};
pub use softliq_keeper::scan::{
    accrued, as_crank_sees, budget_spent, crank_input, liquidatable, rank_for_crank, Candidate,
};

/// Ranked candidates packed into cranks by `softliq_keeper::pack::pack_batches`
/// (one slab per crank, at most `max_per_crank` entries, ranking kept),
/// each crank's size measured on the real instruction `crank_ix(slab,
/// entries)` paid by `payer`.
pub fn pack_cranks(
    ranked: &[Candidate],
    max_per_crank: usize,
    payer: &Pubkey,
    crank_ix: impl Fn(Pubkey, Vec<softliq::instructions::PositionRef>) -> Instruction,
) -> Vec<CrankBatch> {
    let Some(first) = ranked.first() else {
        return Vec::new();
    };
    let size = |n: usize| {
        let refs = vec![first.position_ref(); n];
        tx_size(payer, &[crank_ix(first.slab, refs)]) + TX_RESERVE
    };
    softliq_keeper::pack::pack_batches(ranked, max_per_crank, size)
}

/// The auction price at which the bidder takes `lot` at `slot`, given its
/// valuation (scaled like oracle prices): `softliq_keeper::bid::ask_at` with
/// the market's reference price of the slot (the lot can be taken now) at or
/// below the valuation.
pub fn take_price(
    params: &MarketParams,
    lot: &Lot,
    slot: u64,
    reference: Option<u64>,
    valuation: u64,
) -> Option<u64> {
    softliq_keeper::bid::ask_at(params, lot, slot, reference).filter(|price| *price <= valuation)
}

/// The lot's auction needs a reset at `slot` (`softliq_keeper::scan::lot_status`).
pub fn needs_reset(params: &MarketParams, lot: &Lot, slot: u64) -> bool {
    softliq_keeper::scan::lot_status(params, 0, lot, slot).needs_reset
}
