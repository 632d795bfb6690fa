//! The keepers' and bidders' decisions, all through the program's own
//! `engine/` code (health, debt from shares, interest accrual, liquidation
//! sizing, auction price, reset rule).
//!
//! The functions have the shapes of `softliq-keeper`'s `scan`, `pack` and
//! `bid` (`app/keeper`), so that the simulator can switch to that crate by
//! replacing the bodies below with calls into it. Not switched yet: its
//! `scan::liquidatable` selects positions below maintenance only, while
//! `crank_liquidate` also continues an episode that is back above
//! maintenance but still below target, and skips ramp-bound or dust steps;
//! [`liquidatable`] asks the program's `engine::liquidation::plan` instead,
//! so the simulated keepers crank exactly what the program liquidates.
use anchor_lang::prelude::Pubkey;
use softliq::engine::liquidation::{plan, LiqInput, LiqParams};
use softliq::engine::{auction, health};
use softliq::instructions::PositionRef;
use softliq::math::BORROW_INDEX_SCALE;
use softliq::state::{entries_of, BookEntry, Lot, Market, MarketParams, Position};

/// Solana's transaction size limit.
pub const PACKET_DATA_SIZE: usize = 1_232;

/// A position a keeper wants to crank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub slab: Pubkey,
    pub index: u32,
    pub generation: u32,
    pub collateral_native: u64,
    pub debt_native: u64,
    /// Health at the maintenance margin (negative: liquidatable).
    pub health_maint: i128,
}

impl Candidate {
    pub fn position_ref(&self) -> PositionRef {
        PositionRef {
            index: self.index,
            generation: self.generation,
        }
    }
}

/// The market as a crank at `slot` sees it: interest accrued by the
/// program's own `accrue`.
pub fn accrued(market: &Market, slot: u64) -> Market {
    let mut m = *market;
    match softliq::instructions::common::accrue(&mut m, slot) {
        Ok(()) => m,
        Err(_) => *market,
    }
}

/// The sizing input a crank at `slot` builds for a position (as
/// `crank_liquidate` does), without the market-wide budget and auction cap,
/// which change as the slot's cranks land.
pub fn crank_input(market: &Market, p: &Position, debt: u64, price: u64, slot: u64) -> LiqInput {
    let ongoing = p.in_episode();
    LiqInput {
        collateral_native: p.collateral_native,
        debt_native: debt,
        price,
        episode_slots: if ongoing {
            slot.saturating_sub(p.liq_start_slot)
        } else {
            0
        },
        episode_start_collateral_native: if ongoing {
            p.episode_start_collateral_native
        } else {
            p.collateral_native
        },
        episode_seized_collateral_native: if ongoing {
            p.episode_seized_collateral_native
        } else {
            0
        },
        slack_native: 3u64.saturating_add(market.borrow_index / BORROW_INDEX_SCALE),
        in_episode: ongoing,
        min_notional: market.params.dust_native,
        ..LiqInput::default()
    }
}

/// Positions of one slab (whole account bytes) a crank at `slot` would
/// liquidate at `price`: those for which the program's own sizing
/// (`engine::liquidation::plan`) seizes something. Most unhealthy first.
pub fn liquidatable(
    market: &Market,
    slab: &Pubkey,
    slab_data: &[u8],
    price: u64,
    slot: u64,
) -> Vec<Candidate> {
    let Some((header, positions)) = entries_of::<Position>(slab_data) else {
        return Vec::new();
    };
    let n = (header.next_unused as usize).min(positions.len());
    let params = LiqParams::from_market(&market.params);
    let mut out = Vec::new();
    for (i, pos) in positions[..n].iter().enumerate() {
        if !pos.in_use() || pos.debt_shares == 0 {
            continue;
        }
        let Some(debt) = health::debt_native(pos.debt_shares, market.borrow_index) else {
            continue;
        };
        let c = pos.collateral_native;
        // Cheap filter first: below target (the loosest liquidation condition).
        if health::is_liquidatable(c, debt, price, market.params.target_margin_bps) != Some(true) {
            continue;
        }
        if !matches!(
            plan(&params, &crank_input(market, pos, debt, price, slot)),
            Ok(Ok(_))
        ) {
            continue;
        }
        let Some(h) = health::health(c, debt, price, market.params.maint_margin_bps) else {
            continue;
        };
        out.push(Candidate {
            slab: *slab,
            index: i as u32,
            generation: pos.generation,
            collateral_native: c,
            debt_native: debt,
            health_maint: h,
        });
    }
    sort_most_unhealthy(&mut out);
    out
}

/// Most unhealthy first; ties by slab and index so that the order is total.
pub fn sort_most_unhealthy(c: &mut [Candidate]) {
    c.sort_unstable_by(|a, b| {
        a.health_maint
            .cmp(&b.health_maint)
            .then_with(|| a.slab.cmp(&b.slab))
            .then_with(|| a.index.cmp(&b.index))
    });
}

/// Groups ranked candidates into cranks of at most `max_per_crank` entries,
/// one slab per crank, keeping the ranking (a crank is emitted when full;
/// partial cranks follow in order of their best entry).
pub fn pack_cranks(ranked: &[Candidate], max_per_crank: usize) -> Vec<(Pubkey, Vec<PositionRef>)> {
    let max = max_per_crank.max(1);
    let mut out: Vec<(Pubkey, Vec<PositionRef>)> = Vec::new();
    let mut open: Vec<(Pubkey, usize)> = Vec::new(); // slab -> index in `out` of its open crank
    for c in ranked {
        let slot = open.iter().position(|(s, _)| *s == c.slab);
        let at = match slot {
            Some(k) => open[k].1,
            None => {
                out.push((c.slab, Vec::with_capacity(max)));
                open.push((c.slab, out.len() - 1));
                out.len() - 1
            }
        };
        out[at].1.push(c.position_ref());
        if out[at].1.len() == max {
            open.retain(|(s, _)| *s != c.slab);
        }
    }
    out
}

/// A bid on a lot: the auction's price now and the most collateral wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bid {
    pub price: u64,
    pub max_collateral: u64,
}

/// Whether to take `lot` at `slot` given a valuation (scaled like oracle
/// prices): the auction's price must be at most the valuation and the lot
/// must not need a reset.
pub fn decide(params: &MarketParams, lot: &Lot, slot: u64, valuation: u64) -> Option<Bid> {
    if !lot.in_use() || lot.collateral_native == 0 {
        return None;
    }
    let elapsed = slot.saturating_sub(lot.start_slot);
    let price = auction::price_at(params, lot.start_price, elapsed)?;
    if auction::needs_reset(params, lot.start_price, price, elapsed, lot.resets)? {
        return None;
    }
    (price <= valuation).then_some(Bid {
        price,
        max_collateral: lot.collateral_native,
    })
}

/// The lot's auction needs a reset at `slot`.
pub fn needs_reset(params: &MarketParams, lot: &Lot, slot: u64) -> bool {
    let elapsed = slot.saturating_sub(lot.start_slot);
    auction::price_at(params, lot.start_price, elapsed)
        .and_then(|px| auction::needs_reset(params, lot.start_price, px, elapsed, lot.resets))
        .unwrap_or(false)
}

fn compact_len(n: usize) -> usize {
    match n {
        0..=0x7f => 1,
        0x80..=0x3fff => 2,
        _ => 3,
    }
}

/// Exact wire size of a legacy transaction made of `ixs` paid by `payer`.
pub fn tx_size(payer: &Pubkey, ixs: &[solana_instruction::Instruction]) -> usize {
    let mut keys: Vec<Pubkey> = vec![*payer];
    let mut signers: Vec<Pubkey> = vec![*payer];
    for ix in ixs {
        for meta in &ix.accounts {
            if !keys.contains(&meta.pubkey) {
                keys.push(meta.pubkey);
            }
            if meta.is_signer && !signers.contains(&meta.pubkey) {
                signers.push(meta.pubkey);
            }
        }
        if !keys.contains(&ix.program_id) {
            keys.push(ix.program_id);
        }
    }
    let ix_bytes: usize = ixs
        .iter()
        .map(|ix| {
            1 + compact_len(ix.accounts.len())
                + ix.accounts.len()
                + compact_len(ix.data.len())
                + ix.data.len()
        })
        .sum();
    compact_len(signers.len())
        + 64 * signers.len()
        + 3
        + compact_len(keys.len())
        + 32 * keys.len()
        + 32
        + compact_len(ixs.len())
        + ix_bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(slab: u8, index: u32, h: i128) -> Candidate {
        Candidate {
            slab: Pubkey::new_from_array([slab; 32]),
            index,
            generation: 0,
            collateral_native: 1,
            debt_native: 1,
            health_maint: h,
        }
    }

    #[test]
    fn packing_respects_the_crank_size_and_slabs() {
        let mut c: Vec<Candidate> = (0..150)
            .map(|i| cand((i % 2) as u8, i, -(i as i128)))
            .collect();
        sort_most_unhealthy(&mut c);
        let packed = pack_cranks(&c, 64);
        assert!(packed.iter().all(|(_, e)| !e.is_empty() && e.len() <= 64));
        let total: usize = packed.iter().map(|(_, e)| e.len()).sum();
        assert_eq!(total, 150);
        for (slab, entries) in &packed {
            for e in entries {
                assert_eq!(Pubkey::new_from_array([(e.index % 2) as u8; 32]), *slab);
            }
        }
        // The most unhealthy position is in the first crank.
        assert_eq!(packed[0].1[0].index, 149);
    }

    #[test]
    fn tx_size_of_a_transfer() {
        // A system transfer with one signer: 1 + 64 + 3 + 1 + 3·32 + 32 + 1 + (1 + 1 + 2 + 1 + 12) = 215.
        let payer = Pubkey::new_unique();
        let to = Pubkey::new_unique();
        let ix = anchor_lang::solana_program::system_instruction::transfer(&payer, &to, 1);
        assert_eq!(tx_size(&payer, &[ix]), 215);
    }
}
