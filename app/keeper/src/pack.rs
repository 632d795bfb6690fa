//! Packing liquidatable positions into `crank_liquidate` transactions: one
//! slab per transaction (the slab is one writable account of the crank), at
//! most `max_per_crank` entries, and a serialized size within the 1,232-byte
//! packet limit, measured on the real legacy transaction.
use std::collections::HashMap;

use anchor_lang::prelude::Pubkey;
use softliq::instructions::PositionRef;
use solana_instruction::Instruction;

use crate::ixs::{crank_ix, MarketKeys};
use crate::scan::Candidate;

/// Largest serialized transaction the network accepts (IPv6 MTU minus headers).
pub const PACKET_DATA_SIZE: usize = 1_232;

/// One crank transaction's worth: a slab and the entries to name in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrankBatch {
    pub slab: Pubkey,
    pub entries: Vec<PositionRef>,
}

/// The most entries one crank may carry: at most `max_per_crank` and such
/// that `tx_size(n) <= PACKET_DATA_SIZE` (0 when not even one fits).
pub fn max_entries(max_per_crank: usize, tx_size: impl Fn(usize) -> usize) -> usize {
    (1..=max_per_crank)
        .take_while(|&n| tx_size(n) <= PACKET_DATA_SIZE)
        .last()
        .unwrap_or(0)
}

/// Groups `cands` (ranked, most urgent first) by slab into batches within the
/// limits. Duplicates are dropped; batches come out ordered by their most
/// urgent entry, so the worst positions go first whatever their slab.
pub fn pack_batches(
    cands: &[Candidate],
    max_per_crank: usize,
    tx_size: impl Fn(usize) -> usize,
) -> Vec<CrankBatch> {
    let cap = max_entries(max_per_crank, tx_size);
    if cap == 0 || cands.is_empty() {
        return Vec::new();
    }
    // slab -> (its entries with their rank in `cands`)
    let mut slot_of: HashMap<Pubkey, usize> = HashMap::new();
    let mut groups: Vec<(Pubkey, Vec<(usize, PositionRef)>)> = Vec::new();
    let mut seen: std::collections::HashSet<(Pubkey, u32, u32)> = std::collections::HashSet::new();
    for (rank, c) in cands.iter().enumerate() {
        if !seen.insert((c.slab, c.index, c.generation)) {
            continue;
        }
        let g = *slot_of.entry(c.slab).or_insert_with(|| {
            groups.push((c.slab, Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push((rank, c.position_ref()));
    }
    let mut batches: Vec<(usize, CrankBatch)> = Vec::new();
    for (slab, entries) in groups {
        for chunk in entries.chunks(cap) {
            let first = chunk[0].0;
            batches.push((
                first,
                CrankBatch {
                    slab,
                    entries: chunk.iter().map(|(_, e)| *e).collect(),
                },
            ));
        }
    }
    batches.sort_by_key(|(first, _)| *first);
    batches.into_iter().map(|(_, b)| b).collect()
}

/// [`pack_batches`] without the slab of each group (every inner list is from
/// one slab, in the same order as `pack_batches` returns them).
pub fn pack_cranks(
    cands: &[Candidate],
    max_per_crank: usize,
    tx_size: impl Fn(usize) -> usize,
) -> Vec<Vec<PositionRef>> {
    pack_batches(cands, max_per_crank, tx_size)
        .into_iter()
        .map(|b| b.entries)
        .collect()
}

/// Serialized (wire) size of a legacy transaction of `ixs` paid by `payer`.
pub use softliq::client::tx_size;

/// Distinct placeholder keys for size measurement (the worst case: no key shared).
pub(crate) fn sizing_keys() -> (MarketKeys, Pubkey, Pubkey, Pubkey) {
    let k = |b: u8| Pubkey::new_from_array([b; 32]);
    let keys = MarketKeys {
        market: k(1),
        lot_book: k(2),
        oracle: k(3),
        collateral_mint: k(4),
        debt_mint: k(5),
        collateral_vault: k(6),
        debt_vault: k(7),
        insurance_vault: k(8),
        vault_auth: k(9),
        collateral_program: anchor_spl::token::ID,
        debt_program: anchor_spl::token::ID,
    };
    (keys, k(10), k(11), k(12)) // keeper, keeper_debt, slab
}

/// Wire size of a `crank_liquidate` transaction with `entries` entries: the
/// real legacy `Transaction` with the crank's 10 accounts (plus the program
/// id), the keeper paying and signing.
pub fn crank_tx_size(entries: usize) -> usize {
    crank_tx_size_with(entries, &[])
}

/// [`crank_tx_size`] with `prefix` instructions (e.g. compute budget) before the crank.
pub fn crank_tx_size_with(entries: usize, prefix: &[Instruction]) -> usize {
    let (keys, keeper, keeper_debt, slab) = sizing_keys();
    let refs = vec![
        PositionRef {
            index: u32::MAX,
            generation: u32::MAX
        };
        entries
    ];
    let mut ixs = prefix.to_vec();
    ixs.push(crank_ix(&keys, &keeper, &keeper_debt, &slab, refs));
    tx_size(&ixs, &keeper)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cu::{budget_ixs, crank_cu_limit};
    use solana_transaction::Transaction;

    fn cand(slab: Pubkey, index: u32, h: i128) -> Candidate {
        Candidate {
            slab,
            index,
            generation: index % 3,
            collateral_native: 1,
            debt_native: 1,
            health_maint: h,
        }
    }

    #[test]
    fn sixty_four_entries_fit_in_a_packet() {
        let n64 = crank_tx_size(64);
        let budget = budget_ixs(crank_cu_limit(64), Some(u32::MAX), Some(10_000));
        let n64b = crank_tx_size_with(64, &budget);
        println!("crank_liquidate tx size: 1 entry {} B, 64 entries {} B, 64 entries + compute budget ixs {} B (limit {})", crank_tx_size(1), n64, n64b, PACKET_DATA_SIZE);
        assert!(n64 <= PACKET_DATA_SIZE, "{n64}");
        assert!(n64b <= PACKET_DATA_SIZE, "{n64b}");
        // Each entry is 8 bytes of instruction data (borsh u32 index + u32 generation).
        assert_eq!(crank_tx_size(11) - crank_tx_size(10), 8);
        // The real account list: 10 accounts + the program id, one signature.
        let (keys, keeper, kd, slab) = sizing_keys();
        let tx = Transaction::new_with_payer(
            &[crank_ix(&keys, &keeper, &kd, &slab, vec![])],
            Some(&keeper),
        );
        assert_eq!(tx.message.instructions[0].accounts.len(), 10);
        assert_eq!(tx.message.account_keys.len(), 11);
        assert_eq!(tx.signatures.len(), 1);
        assert_eq!(bincode::serialize(&tx).unwrap().len(), crank_tx_size(0));
    }

    #[test]
    fn respects_max_per_crank_and_size_limit() {
        let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
        // 150 on slab a, 10 on slab b, b's worst in the middle of the ranking.
        let mut cands: Vec<Candidate> = (0..150).map(|i| cand(a, i, -1_000 + i as i128)).collect();
        cands.insert(70, cand(b, 0, -930));
        cands.extend((1..10).map(|i| cand(b, i, i as i128 - 10)));
        let batches = pack_batches(&cands, 64, crank_tx_size);
        let sizes: Vec<(Pubkey, usize)> =
            batches.iter().map(|b| (b.slab, b.entries.len())).collect();
        assert_eq!(sizes, vec![(a, 64), (a, 64), (b, 10), (a, 22)]);
        for bt in &batches {
            assert!(bt.entries.len() <= 64);
            assert!(crank_tx_size(bt.entries.len()) <= PACKET_DATA_SIZE);
        }
        // Every candidate exactly once, in rank order within a slab.
        let total: usize = batches.iter().map(|b| b.entries.len()).sum();
        assert_eq!(total, 160);
        assert_eq!(
            batches[0].entries[0],
            PositionRef {
                index: 0,
                generation: 0
            }
        );
        assert_eq!(batches[1].entries[0].index, 64);
        // A smaller max per crank.
        let small = pack_cranks(&cands, 7, crank_tx_size);
        assert!(small.iter().all(|v| v.len() <= 7));
        assert_eq!(small.iter().map(Vec::len).sum::<usize>(), 160);
        // Duplicates are named once.
        let dup = vec![cands[0], cands[0], cands[1]];
        assert_eq!(
            pack_cranks(&dup, 64, crank_tx_size),
            vec![vec![cands[0].position_ref(), cands[1].position_ref()]]
        );
        assert!(pack_cranks(&cands, 0, crank_tx_size).is_empty());
    }

    #[test]
    fn the_size_limit_binds_before_max_per_crank() {
        let slab = Pubkey::new_unique();
        let cands: Vec<Candidate> = (0..200).map(|i| cand(slab, i, -1)).collect();
        // A fat prefix (e.g. a memo) leaving room for fewer entries than allowed.
        let memo = Instruction {
            program_id: Pubkey::new_unique(),
            accounts: vec![],
            data: vec![0; 600],
        };
        let size = |n: usize| crank_tx_size_with(n, std::slice::from_ref(&memo));
        let cap = max_entries(64, size);
        assert!(cap > 0 && cap < 64, "cap {cap}");
        assert!(size(cap) <= PACKET_DATA_SIZE && size(cap + 1) > PACKET_DATA_SIZE);
        let batches = pack_cranks(&cands, 64, size);
        assert!(batches
            .iter()
            .all(|b| b.len() <= cap && size(b.len()) <= PACKET_DATA_SIZE));
        assert_eq!(batches.iter().map(Vec::len).sum::<usize>(), 200);
        // Nothing fits: no batches at all.
        assert!(pack_cranks(&cands, 64, |_| PACKET_DATA_SIZE + 1).is_empty());
    }
}
