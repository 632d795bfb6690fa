//! Transactions as the simulator's bank sends them: exact wire size, the
//! room kept for what the bank adds, and packing consecutive instructions.
use anchor_lang::prelude::Pubkey;
use solana_instruction::Instruction;

use softliq_keeper::pack::PACKET_DATA_SIZE;

/// Bytes kept free in every transaction for what the bank adds (a
/// compute-budget instruction that makes each transaction unique).
pub const TX_RESERVE: usize = 64;

/// Exact wire size of a legacy transaction made of `ixs` paid by `payer`
/// (`softliq_keeper::pack::tx_size`).
pub fn tx_size(payer: &Pubkey, ixs: &[Instruction]) -> usize {
    softliq_keeper::pack::tx_size(ixs, payer)
}

/// Whether `ixs` fit in one transaction paid by `payer`, with [`TX_RESERVE`] to spare.
pub fn fits(payer: &Pubkey, ixs: &[Instruction]) -> bool {
    tx_size(payer, ixs) + TX_RESERVE <= PACKET_DATA_SIZE
}

/// Consecutive ranges of `n` instructions, each range fitting in one
/// transaction (with room for what the bank adds).
pub fn pack_by_size(
    payer: &Pubkey,
    n: usize,
    ix_at: impl Fn(usize) -> Instruction,
) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut current: Vec<Instruction> = Vec::new();
    for i in 0..n {
        current.push(ix_at(i));
        if current.len() > 1 && !fits(payer, &current) {
            out.push(start..i);
            start = i;
            current = vec![ix_at(i)];
        }
    }
    if start < n {
        out.push(start..n);
    }
    out
}
