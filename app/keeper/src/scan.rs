//! Zero-copy scanning of position slabs and lot books.
//!
//! The account bytes are viewed in place (`softliq::state::entries_of`), never
//! copied or deserialised entry by entry; every number comes from the
//! program's `engine` (health, debt from shares, liquidation sizing, auction
//! price, reset rule) and interest accrual is the program's own `accrue`.
//!
//! Which positions a crank would liquidate is decided by the program's own
//! sizing, `engine::liquidation::plan`, fed what `crank_liquidate` feeds it
//! ([`crank_input`]): a position below maintenance, but also one whose
//! episode is under way and that is back above maintenance yet still below
//! target, is liquidatable; a step the ramp allows nothing of, or a bounded
//! scrap below `dust_native`, is not (the program would skip it).
use anchor_lang::prelude::Pubkey;
use softliq::engine::liquidation::{plan, LiqInput, LiqParams};
use softliq::engine::{auction, health, risk};
use softliq::state::{entries_of, in_use_entries, BookEntry, Lot, Market, MarketParams, Position};

/// A position a crank would liquidate at the scanned price and slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub slab: Pubkey,
    pub index: u32,
    pub generation: u32,
    pub collateral_native: u64,
    /// Debt from shares at the market's borrow index (rounded up, as on chain).
    pub debt_native: u64,
    /// `engine::health::health` at the maintenance margin (negative: liquidatable).
    pub health_maint: i128,
}

impl Candidate {
    /// The `(index, generation)` a crank names this position by.
    pub fn position_ref(&self) -> softliq::instructions::PositionRef {
        softliq::instructions::PositionRef {
            index: self.index,
            generation: self.generation,
        }
    }
}

/// Health of one in-use position at `price` (None when the engine reports an
/// overflow; such a position cannot be cranked either).
pub fn evaluate(
    market: &Market,
    slab: &Pubkey,
    index: u32,
    p: &Position,
    price: u64,
) -> Option<Candidate> {
    let debt = health::debt_native(p.debt_shares, market.borrow_index)?;
    let h = health::health(
        p.collateral_native,
        debt,
        price,
        market.params.maint_margin_bps,
    )?;
    Some(Candidate {
        slab: *slab,
        index,
        generation: p.generation,
        collateral_native: p.collateral_native,
        debt_native: debt,
        health_maint: h,
    })
}

/// Most unhealthy first; ties broken by slab and index so the order is total.
pub fn sort_most_unhealthy(c: &mut [Candidate]) {
    c.sort_unstable_by(|a, b| {
        a.health_maint
            .cmp(&b.health_maint)
            .then_with(|| a.slab.cmp(&b.slab))
            .then_with(|| a.index.cmp(&b.index))
    });
}

/// The sizing input `crank_liquidate` builds for a position at `slot`
/// (episode state, rounding slack, dust floor), without the market-wide
/// per-slot budget and auction cap, which change as the slot's cranks land.
pub fn crank_input(market: &Market, p: &Position, debt: u64, price: u64, slot: u64) -> LiqInput {
    LiqInput::for_position(
        p,
        debt,
        price,
        slot,
        market.borrow_index,
        market.params.dust_native,
    )
}

/// Whether a crank at `slot` and `price` would seize something from `p`
/// (whose debt is `debt`): `engine::liquidation::plan` returns a step. A
/// position already stepped in this slot is skipped, as the program does.
pub fn would_liquidate(market: &Market, p: &Position, debt: u64, price: u64, slot: u64) -> bool {
    if !p.in_use() || p.debt_shares == 0 || (p.in_episode() && p.last_liq_slot == slot) {
        return false;
    }
    // Cheap filter first: below target is the loosest liquidation condition.
    if health::is_liquidatable(
        p.collateral_native,
        debt,
        price,
        market.params.target_margin_bps,
    ) != Some(true)
    {
        return false;
    }
    let params = LiqParams::for_crank(&market.params, &market.risk);
    matches!(
        plan(&params, &crank_input(market, p, debt, price, slot)),
        Ok(Ok(_))
    )
}

/// Highest loan-to-value first (debt ÷ collateral, the price being common to
/// all): the positions closest to insolvency first, whatever their size
/// (whereas [`sort_most_unhealthy`] puts a large position a little below
/// maintenance before a small one deep under it). Ties by slab and index.
pub fn sort_highest_ltv_first(c: &mut [Candidate]) {
    c.sort_unstable_by(|a, b| {
        let ltv_a = a.debt_native as u128 * b.collateral_native as u128;
        let ltv_b = b.debt_native as u128 * a.collateral_native as u128;
        ltv_b
            .cmp(&ltv_a)
            .then_with(|| a.slab.cmp(&b.slab))
            .then_with(|| a.index.cmp(&b.index))
    });
}

/// Whether the market needs a price every slot, cranks or not: a dynamic
/// market's volatility estimate (docs/dynamic-risk.md), and a market that
/// holds lots, whose fast-fall detector compares each slot's price with the
/// last one (`engine::auction::is_fast_fall`). The keeper sends
/// `refresh_risk` in a slot no crank feeds.
pub fn wants_price_every_slot(p: &MarketParams, r: &softliq::state::RiskParams) -> bool {
    r.vol_enabled == 1 || p.auction_hold_slots > 0
}

/// Whether the position's debt is above its collateral's value at `price`
/// (`engine::health::value_of_or_max`, rounded down): seized now, its lot is
/// flagged insolvent and, on a market that holds, held
/// (`engine::auction::is_held`).
pub fn is_insolvent_at(c: &Candidate, price: u64) -> bool {
    health::value_of_or_max(c.collateral_native, price) < u128::from(c.debt_native)
}

/// Positions still solvent at `price` first, insolvent ones after
/// ([`is_insolvent_at`]); a stable sort, so each group keeps its order.
pub fn sort_solvent_first(c: &mut [Candidate], price: u64) {
    c.sort_by_key(|c| is_insolvent_at(c, price));
}

/// The order a keeper cranks candidates in at the oracle's `price`. With a
/// per-slot notional budget (`max_liq_notional_per_slot != 0`), which
/// positions are served first decides which ones wait while it binds:
///
/// - highest loan-to-value first ([`sort_highest_ltv_first`]), so the
///   positions nearest insolvency go first whatever their size (measured on
///   the simulator's crash preset in docs/decisions.md, "Simulator parameters
///   and keeper ranking");
/// - on a market that holds insolvent lots (`auction_hold_slots > 0`), the
///   positions still solvent at `price` before the insolvent ones
///   ([`sort_solvent_first`]): an insolvent position's lot would be held at
///   its debt price, not sold, so seizing it now saves nothing while the
///   budget it takes could restore a solvent position before it goes under
///   (docs/fast-falls.md, "Triage: restorable positions first").
///
/// Without a budget every candidate is cranked in the same slot and the
/// health ranking ([`sort_most_unhealthy`]) is kept. The program accepts any
/// order: this is keeper strategy, not a rule.
pub fn rank_for_crank(c: &mut [Candidate], params: &MarketParams, price: u64) {
    if params.max_liq_notional_per_slot == 0 {
        sort_most_unhealthy(c);
        return;
    }
    sort_highest_ltv_first(c);
    if params.auction_hold_slots > 0 {
        sort_solvent_first(c, price);
    }
}

/// The positions of one slab account (`slab_data`: the whole account,
/// discriminator included) that a crank at `slot` would liquidate at
/// `price` ([`would_liquidate`]), most unhealthy first. `market` should be
/// [`accrued`] to `slot`. Malformed data yields nothing.
pub fn liquidatable(
    market: &Market,
    slab: &Pubkey,
    slab_data: &[u8],
    price: u64,
    slot: u64,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (i, p) in in_use_entries::<Position>(slab_data) {
        if p.debt_shares == 0 {
            continue;
        }
        let Some(debt) = health::debt_native(p.debt_shares, market.borrow_index) else {
            continue;
        };
        if !would_liquidate(market, p, debt, price, slot) {
            continue;
        }
        if let Some(c) = evaluate(market, slab, i, p, price) {
            out.push(c);
        }
    }
    sort_most_unhealthy(&mut out);
    out
}

/// [`liquidatable`] over several slabs, merged and ranked.
pub fn liquidatable_all(
    market: &Market,
    slabs: &[(Pubkey, &[u8])],
    price: u64,
    slot: u64,
) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = slabs
        .iter()
        .flat_map(|(k, d)| liquidatable(market, k, d, price, slot))
        .collect();
    sort_most_unhealthy(&mut out);
    out
}

/// A position as the `scan` command shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ranked {
    pub candidate: Candidate,
    pub owner: Pubkey,
    /// A crank at the scanned price and slot would liquidate it ([`would_liquidate`]).
    pub liquidatable: bool,
    /// Health at the target margin (what a crank restores).
    pub health_target: i128,
    /// A liquidation episode is under way.
    pub in_episode: bool,
}

/// Every in-use position of the given slabs, ranked by maintenance health
/// (most unhealthy first), flagged with what a crank at `slot` would do.
pub fn rank_all(market: &Market, slabs: &[(Pubkey, &[u8])], price: u64, slot: u64) -> Vec<Ranked> {
    let p = &market.params;
    // Sorting small keys, then permuting once, beats sorting the wide rows.
    let mut slab_rank: Vec<usize> = (0..slabs.len()).collect();
    slab_rank.sort_by_key(|&i| slabs[i].0);
    let mut rank_of = vec![0u32; slabs.len()];
    for (r, &i) in slab_rank.iter().enumerate() {
        rank_of[i] = r as u32;
    }
    let total: usize = slabs
        .iter()
        .filter_map(|(_, d)| entries_of::<Position>(d).map(|(h, _)| h.used as usize))
        .sum();
    let mut rows = Vec::with_capacity(total);
    let mut keys: Vec<(i128, u64, u32)> = Vec::with_capacity(total);
    for (s, (key, data)) in slabs.iter().enumerate() {
        for (i, pos) in in_use_entries::<Position>(data) {
            let Some(c) = evaluate(market, key, i, pos, price) else {
                continue;
            };
            let liquidatable = would_liquidate(market, pos, c.debt_native, price, slot);
            keys.push((
                c.health_maint,
                (rank_of[s] as u64) << 32 | i as u64,
                rows.len() as u32,
            ));
            rows.push(Ranked {
                candidate: c,
                owner: pos.owner,
                liquidatable,
                health_target: health::health(
                    c.collateral_native,
                    c.debt_native,
                    price,
                    p.target_margin_bps,
                )
                .unwrap_or(i128::MIN),
                in_episode: pos.in_episode(),
            });
        }
    }
    keys.sort_unstable();
    keys.into_iter()
        .map(|(_, _, row)| rows[row as usize])
        .collect()
}

/// The market as a crank at `slot` sees it: interest accrued by the program's
/// own `engine::interest::accrue_market` (debt grows between the last write
/// and now; accrual cannot fail).
pub fn accrued(market: &Market, slot: u64) -> Market {
    let mut m = *market;
    softliq::engine::interest::accrue_market(&mut m, slot);
    m
}

/// The market as a crank at `slot` sees it once it has read `price`:
/// interest accrued, the price fed to the volatility estimate (as the
/// program's `observe_price` does first thing), and `params` replaced by the
/// parameters in force (`engine::risk::effective`: margins with their
/// volatility add-ons, the depth budget). Use the result's `params` for
/// sizing, ranking and budgets; do not apply `effective` to it again.
pub fn as_crank_sees(market: &Market, slot: u64, price: Option<u64>) -> Market {
    let mut m = accrued(market, slot);
    if let Some(next) = price.and_then(|p| risk::observe(&m.risk, &m.risk_state, p, slot)) {
        m.risk_state = next;
    }
    if let Some(e) = risk::effective(&m.params, &m.risk, &m.risk_state) {
        m.params = e;
    }
    m
}

/// An open lot with its auction state at a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LotStatus {
    pub index: u32,
    pub lot: Lot,
    /// `engine::auction::price_at` now (None on overflow).
    pub price: Option<u64>,
    /// `engine::auction::needs_reset` now.
    pub needs_reset: bool,
    pub elapsed_slots: u64,
}

/// The auction state of a lot at `slot`.
pub fn lot_status(params: &MarketParams, index: u32, lot: &Lot, slot: u64) -> LotStatus {
    let elapsed = slot.saturating_sub(lot.start_slot);
    let q = auction::quote(params, lot, slot);
    LotStatus {
        index,
        lot: *lot,
        price: q.map(|q| q.price),
        needs_reset: q.is_some_and(|q| q.needs_reset),
        elapsed_slots: elapsed,
    }
}

/// Whether the market's per-slot liquidation budget is spent at `slot`: the
/// slot's adaptive level and the urgent allowance (`engine::budget::at_slot`,
/// from `in_force`, the parameters as the crank sees them, see
/// [`as_crank_sees`]; a base of 0 = no budget, never spent). A crank then
/// liquidates nothing more this slot, so a keeper stops sending them.
pub fn budget_spent(in_force: &MarketParams, market: &Market, slot: u64) -> bool {
    in_force.max_liq_notional_per_slot != 0
        && softliq::engine::budget::at_slot(market, in_force, slot).exhausted()
}

/// The in-use lots of a lot book account (whole account bytes), in index order.
pub fn open_lots(lot_book_data: &[u8]) -> Vec<(u32, Lot)> {
    in_use_entries::<Lot>(lot_book_data)
        .map(|(i, l)| (i, *l))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use softliq::engine::liquidation::{Bound, NoLiq};
    use softliq::math::BORROW_INDEX_SCALE;
    use softliq::state::{
        slab_account_size, BookHeader, PositionSlab, BOOK_HEADER_SIZE, NONE, POSITION_IN_EPISODE,
        POSITION_IN_USE,
    };

    /// A market with the soft defaults at a borrow index of `index_scale_pct`%.
    pub(crate) fn market(index_pct: u64) -> Market {
        let mut m: Market = bytemuck::Zeroable::zeroed();
        m.params = MarketParams::default_soft();
        m.borrow_index = BORROW_INDEX_SCALE / 100 * index_pct;
        m
    }

    /// Slab account bytes (discriminator, header, entries) built with bytemuck.
    pub(crate) fn slab_bytes(market_key: Pubkey, positions: &[Position]) -> Vec<u8> {
        use anchor_lang::Discriminator;
        let capacity = positions.len() + 2;
        let mut data = vec![0u8; slab_account_size(capacity)];
        data[..8].copy_from_slice(PositionSlab::DISCRIMINATOR);
        let header = BookHeader {
            market: market_key,
            capacity: capacity as u32,
            used: positions.iter().filter(|p| p.in_use()).count() as u32,
            free_head: NONE,
            next_unused: positions.len() as u32,
            reserved: [0; 8],
        };
        data[8..8 + BOOK_HEADER_SIZE].copy_from_slice(bytemuck::bytes_of(&header));
        let body = &mut data[8 + BOOK_HEADER_SIZE..];
        body[..std::mem::size_of_val(positions)].copy_from_slice(bytemuck::cast_slice(positions));
        data
    }

    pub(crate) fn pos(collateral: u64, debt_shares: u64, generation: u32) -> Position {
        Position {
            owner: Pubkey::new_unique(),
            collateral_native: collateral,
            debt_shares,
            generation,
            flags: POSITION_IN_USE,
            next_free: NONE,
            ..Default::default()
        }
    }

    /// 100 USDC per SOL (9 and 6 decimals).
    const PRICE: u64 = 100_000_000_000;
    /// The slot the scans run at.
    const SLOT: u64 = 1_000;

    /// A position in a liquidation episode that began at `start` with 10 SOL,
    /// `seized` collateral already taken, `collateral` left, `debt` USDC native
    /// (at a borrow index of 1, shares = debt), last stepped at `last`.
    fn in_episode(collateral: u64, debt: u64, start: u64, seized: u64, last: u64) -> Position {
        Position {
            flags: POSITION_IN_USE | POSITION_IN_EPISODE,
            liq_start_slot: start,
            last_liq_slot: last,
            episode_start_collateral_native: 10_000_000_000,
            episode_seized_collateral_native: seized,
            ..pos(collateral, debt, 0)
        }
    }

    #[test]
    fn ranks_with_the_program_health_code() {
        let m = market(105);
        let key = Pubkey::new_unique();
        let mut free = pos(10_000_000_000, 900_000_000, 3);
        free.flags = 0; // released entry: never a candidate
        let positions = vec![
            pos(10_000_000_000, 800_000_000, 0), // 840 debt vs 950 weighted: healthy
            pos(10_000_000_000, 930_000_000, 1), // 976.5 debt: -26.5
            pos(10_000_000_000, 1_000_000_000, 7), // 1050 debt: -100
            free,
            pos(10_000_000_000, 0, 0),             // no debt
            pos(1_000_000_000, 95_000_000, 2),     // 99.75 debt vs 95: -4.75
            pos(20_000_000_000, 1_850_000_000, 0), // 1942.5 vs 1900: -42.5
        ];
        let data = slab_bytes(Pubkey::new_unique(), &positions);
        let c = liquidatable(&m, &key, &data, PRICE, SLOT);
        let order: Vec<u32> = c.iter().map(|c| c.index).collect();
        assert_eq!(order, vec![2, 6, 1, 5]);
        assert_eq!(c[0].generation, 7);
        // Every figure agrees with the engine, and the set is exactly the engine's.
        for (i, p) in positions.iter().enumerate() {
            let debt = health::debt_native(p.debt_shares, m.borrow_index).unwrap();
            let h = health::health(p.collateral_native, debt, PRICE, 500).unwrap();
            let engine_says = p.in_use()
                && health::is_liquidatable(p.collateral_native, debt, PRICE, 500).unwrap();
            let found = c.iter().find(|c| c.index == i as u32);
            assert_eq!(found.is_some(), engine_says, "entry {i}");
            if let Some(f) = found {
                assert_eq!(f.health_maint, h);
                assert_eq!(f.debt_native, debt);
                assert_eq!(f.collateral_native, p.collateral_native);
                assert_eq!(f.slab, key);
            }
        }
        assert!(c.windows(2).all(|w| w[0].health_maint <= w[1].health_maint));
        // rank_all: every in-use entry (5 of 6 + the debt-free one), same health figures.
        let all = rank_all(&m, &[(key, &data)], PRICE, SLOT);
        assert_eq!(all.len(), 6);
        assert_eq!(all.iter().filter(|r| r.liquidatable).count(), 4);
        assert!(all
            .windows(2)
            .all(|w| w[0].candidate.health_maint <= w[1].candidate.health_maint));
        assert_eq!(
            &all[..4].iter().map(|r| r.candidate).collect::<Vec<_>>(),
            &c
        );
        assert_eq!(
            all[5].candidate.index, 4,
            "the debt-free position is healthiest"
        );
    }

    /// The keeper selects exactly what `crank_liquidate` would step: an
    /// episode back above maintenance but below target continues; a step the
    /// ramp allows nothing of, a bounded dust scrap, a position already
    /// stepped this slot and an episode at target are skipped. Soft defaults:
    /// maint 5%, target 6%, penalty 0.5%, lot buffer 1%, ramp 10 slots, dust
    /// 1 USDC; price 100, borrow index 1.
    #[test]
    fn selects_what_the_program_would_liquidate() {
        let m = market(100);
        let key = Pubkey::new_unique();
        let positions = vec![
            // 0: 8 SOL (800 USDC), debt 757: maint health +3 USDC, target
            // health 752 - 757 = -5 USDC. In an episode (5 slots in, ramp
            // allows 6 of 10 SOL, 2 seized): continues to target.
            in_episode(8_000_000_000, 757_000_000, 995, 2_000_000_000, 999),
            // 1: the same numbers without an episode: above maintenance, left alone.
            pos(8_000_000_000, 757_000_000, 0),
            // 2: below maintenance (debt 770 vs 760 weighted), but the episode
            // began last slot: the ramp allows 2 of 10 SOL, 2 are seized.
            in_episode(8_000_000_000, 770_000_000, 999, 2_000_000_000, 999),
            // 3: as 2 with 1.995 SOL seized: the ramp leaves 0.005 SOL = 0.5
            // USDC, below dust.
            in_episode(8_000_000_000, 770_000_000, 999, 1_995_000_000, 999),
            // 4: as 2 with 1.99 SOL seized: 0.01 SOL = 1 USDC, exactly dust: stepped.
            in_episode(8_000_000_000, 770_000_000, 999, 1_990_000_000, 999),
            // 5: as 0 but already stepped in this slot.
            in_episode(8_000_000_000, 757_000_000, 995, 2_000_000_000, SLOT),
            // 6: an episode at target (debt 752 = 800 x 94%): nothing to seize.
            in_episode(8_000_000_000, 752_000_000, 995, 2_000_000_000, 999),
        ];
        let data = slab_bytes(Pubkey::new_unique(), &positions);
        let c = liquidatable(&m, &key, &data, PRICE, SLOT);
        // Most unhealthy first: 4 (-10 USDC at maintenance), then 0 (+3).
        assert_eq!(c.iter().map(|c| c.index).collect::<Vec<_>>(), vec![4, 0]);
        assert_eq!(
            (c[0].health_maint, c[1].health_maint),
            (-10_000_000, 3_000_000)
        );
        assert_eq!(
            (c[1].collateral_native, c[1].debt_native),
            (8_000_000_000, 757_000_000)
        );

        // Each decision is the engine's plan, with the program's own reasons.
        let params = LiqParams::from_market(&m.params);
        let plan_of = |i: usize| {
            let p = &positions[i];
            plan(&params, &crank_input(&m, p, p.debt_shares, PRICE, SLOT)).unwrap()
        };
        let step = plan_of(0).unwrap();
        assert_eq!(step.bound, Bound::Target);
        // (5 USDC + 4 native slack) / (100 x (6% - 0.5% - 1%)), rounded up.
        assert_eq!(step.seize_collateral_native, 1_111_112_000);
        assert_eq!(plan_of(1), Err(NoLiq::Healthy));
        assert_eq!(plan_of(2), Err(NoLiq::Bounded(Bound::Ramp)));
        assert_eq!(plan_of(3), Err(NoLiq::Bounded(Bound::Ramp)));
        let scrap = plan_of(4).unwrap();
        assert_eq!(
            (
                scrap.bound,
                scrap.seize_collateral_native,
                scrap.seized_notional_native
            ),
            (Bound::Ramp, 10_000_000, 1_000_000)
        );
        assert_eq!(plan_of(6), Err(NoLiq::Healthy));
        // The old rule (below maintenance only) would have picked 2, 3 and 4
        // and missed 0.
        let below_maint: Vec<u32> = positions
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                health::is_liquidatable(p.collateral_native, p.debt_shares, PRICE, 500)
                    == Some(true)
            })
            .map(|(i, _)| i as u32)
            .collect();
        assert_eq!(below_maint, vec![2, 3, 4]);

        // rank_all flags the same two, and ranks all seven.
        let all = rank_all(&m, &[(key, &data)], PRICE, SLOT);
        assert_eq!(all.len(), 7);
        let flagged: Vec<u32> = all
            .iter()
            .filter(|r| r.liquidatable)
            .map(|r| r.candidate.index)
            .collect();
        assert_eq!(flagged, vec![4, 0]);
        // A slot later, position 5 may be stepped again.
        assert!(liquidatable(&m, &key, &data, PRICE, SLOT + 1)
            .iter()
            .any(|c| c.index == 5));
    }

    /// A candidate on `slab` with its maintenance health at `PRICE`.
    fn candidate(slab: Pubkey, index: u32, collateral: u64, debt: u64) -> Candidate {
        Candidate {
            slab,
            index,
            generation: 0,
            collateral_native: collateral,
            debt_native: debt,
            health_maint: health::health(collateral, debt, PRICE, 500).unwrap(),
        }
    }

    #[test]
    fn under_a_budget_cranks_rank_by_loan_to_value() {
        let key = Pubkey::new_unique();
        let cand = |index: u32, collateral: u64, debt: u64| candidate(key, index, collateral, debt);
        // 0: large, LTV 96% (health -10 USDC); 1: small, LTV 99% (-0.4 USDC);
        // 2: LTV 97.5% (-2.5 USDC).
        let c = vec![
            cand(0, 10_000_000_000, 960_000_000),
            cand(1, 100_000_000, 9_900_000),
            cand(2, 1_000_000_000, 97_500_000),
        ];
        let order = |params: &MarketParams| {
            let mut v = c.clone();
            rank_for_crank(&mut v, params, PRICE);
            v.iter().map(|c| c.index).collect::<Vec<_>>()
        };
        let soft = MarketParams::default_soft();
        assert_ne!(soft.max_liq_notional_per_slot, 0);
        assert_eq!(order(&soft), vec![1, 2, 0]);
        let unbudgeted = MarketParams {
            max_liq_notional_per_slot: 0,
            ..soft
        };
        assert_eq!(order(&unbudgeted), vec![0, 2, 1]);
        // Equal LTV: slab, then index.
        let mut twins = vec![cand(5, 2_000, 1_900), cand(4, 1_000, 950)];
        sort_highest_ltv_first(&mut twins);
        assert_eq!(
            twins.iter().map(|c| c.index).collect::<Vec<_>>(),
            vec![4, 5]
        );
    }

    #[test]
    fn on_a_holding_market_solvent_positions_go_before_insolvent_ones() {
        let key = Pubkey::new_unique();
        let cand = |index: u32, collateral: u64, debt: u64| candidate(key, index, collateral, debt);
        // Loan-to-value at PRICE: 0: 96%; 1: 99%; 2: exactly 100% (solvent:
        // the debt equals the value); 3: 100% plus one native unit; 4: 120%.
        let c = vec![
            cand(0, 10_000_000_000, 960_000_000),
            cand(1, 100_000_000, 9_900_000),
            cand(2, 1_000_000_000, 100_000_000),
            cand(3, 1_000_000_000, 100_000_001),
            cand(4, 1_000_000_000, 120_000_000),
        ];
        let insolvent: Vec<u32> = c
            .iter()
            .filter(|c| is_insolvent_at(c, PRICE))
            .map(|c| c.index)
            .collect();
        assert_eq!(insolvent, vec![3, 4]);
        let order = |params: &MarketParams, price: u64| {
            let mut v = c.clone();
            rank_for_crank(&mut v, params, price);
            v.iter().map(|c| c.index).collect::<Vec<_>>()
        };
        let (rule, _) = softliq::engine::params::soft_rule(20_000_000_000_000);
        assert!(rule.auction_hold_slots > 0 && rule.max_liq_notional_per_slot > 0);
        // Solvent ones first, each group by loan-to-value.
        assert_eq!(order(&rule, PRICE), vec![2, 1, 0, 4, 3]);
        // A market that does not hold keeps the loan-to-value order.
        let no_hold = MarketParams {
            auction_hold_slots: 0,
            ..rule
        };
        assert_eq!(order(&no_hold, PRICE), vec![4, 3, 2, 1, 0]);
        // At a price 25% higher every position is solvent: plain LTV order.
        let higher = PRICE / 4 * 5;
        assert_eq!(order(&rule, higher), vec![4, 3, 2, 1, 0]);
        // No budget: the health ranking, whatever the hold.
        let unbudgeted = MarketParams {
            max_liq_notional_per_slot: 0,
            ..rule
        };
        let mut v = c.clone();
        rank_for_crank(&mut v, &unbudgeted, PRICE);
        let mut by_health = c.clone();
        sort_most_unhealthy(&mut by_health);
        assert_eq!(v, by_health);
    }

    #[test]
    fn merges_slabs_and_rejects_bad_bytes() {
        let m = market(100);
        let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
        let da = slab_bytes(a, &[pos(10_000_000_000, 960_000_000, 0)]);
        let db = slab_bytes(b, &[pos(10_000_000_000, 990_000_000, 0), pos(1, 0, 0)]);
        let all = liquidatable_all(&m, &[(a, &da), (b, &db)], PRICE, SLOT);
        assert_eq!(all.iter().map(|c| c.slab).collect::<Vec<_>>(), vec![b, a]);
        // Ties (same health on two slabs) order by slab key, then index, in both rankings.
        let twin = slab_bytes(
            a,
            &[
                pos(10_000_000_000, 960_000_000, 0),
                pos(10_000_000_000, 960_000_000, 0),
            ],
        );
        let views: [(Pubkey, &[u8]); 2] = [(b, &twin), (a, &twin)];
        let liq = liquidatable_all(&m, &views, PRICE, SLOT);
        let ranked: Vec<Candidate> = rank_all(&m, &views, PRICE, SLOT)
            .iter()
            .map(|r| r.candidate)
            .collect();
        assert_eq!(liq, ranked);
        let lo = a.min(b);
        assert_eq!(
            (liq[0].slab, liq[0].index, liq[1].slab, liq[1].index),
            (lo, 0, lo, 1)
        );
        assert!(liquidatable(&m, &a, &da[..50], PRICE, SLOT).is_empty());
        assert!(liquidatable(&m, &a, &[], PRICE, SLOT).is_empty());
    }

    #[test]
    fn accrual_is_the_programs() {
        let mut m = market(100);
        m.total_debt_shares = 800_000_000;
        m.pool_cash_native = 200_000_000;
        m.last_accrual_slot = 1_000;
        let later = accrued(&m, 1_000 + 78_840_000 / 12);
        assert!(later.borrow_index > m.borrow_index);
        assert_eq!(later.last_accrual_slot, 1_000 + 78_840_000 / 12);
        assert_eq!(accrued(&m, 1_000).borrow_index, m.borrow_index);
    }

    #[test]
    fn selection_uses_the_margins_in_force() {
        use softliq::state::{RiskParams, RiskState};
        let mut m = market(100);
        m.last_accrual_slot = SLOT;
        m.risk = RiskParams {
            vol_enabled: 1,
            margin_addon_cap_bps: 1_000,
            margin_step_bps: 5,
            ..RiskParams::static_default()
        };
        // Maintenance add-on 200 bps in force (initial 300), estimate seeded
        // at this price one slot ago with no variance.
        m.risk_state = RiskState {
            last_price: PRICE,
            last_slot: SLOT - 1,
            addon_bps: 300,
            maint_addon_bps: 200,
            ..RiskState::default()
        };
        // 10 SOL, 930.000001 USDC at 100: healthy at the base maintenance
        // margin (950 − 930 > 0), liquidatable with the add-on in force
        // (7.95%: 920.5 − 930 < 0).
        let p = pos(10_000_000_000, 930_000_001, 0);
        let key = Pubkey::new_unique();
        let data = slab_bytes(key, &[p]);
        assert!(liquidatable(&accrued(&m, SLOT), &key, &data, PRICE, SLOT).is_empty());
        let seen = as_crank_sees(&m, SLOT, Some(PRICE));
        // A flat price pulls the desired add-on to 0: the add-on steps down 5,
        // maintenance takes the lower of before and after (295).
        assert_eq!(seen.risk_state.addon_bps, 295);
        assert_eq!(seen.risk_state.maint_addon_bps, 295);
        assert_eq!(seen.params.maint_margin_bps, 795);
        assert_eq!(seen.params.init_margin_bps, 1_295);
        let picked = liquidatable(&seen, &key, &data, PRICE, SLOT);
        assert_eq!(picked.len(), 1);
        assert_eq!(picked[0].index, 0);
        // Without a fresh price nothing is observed: the stored add-ons apply.
        let stored = as_crank_sees(&m, SLOT, None);
        assert_eq!(stored.params.maint_margin_bps, 700);
        assert_eq!(stored.params.target_margin_bps, 800);
    }

    #[test]
    fn budget_spent_only_in_its_slot_and_when_used_up() {
        let mut m = market(100);
        m.budget_slot = 50;
        m.budget_used_notional_native = 90;
        let with = |b: u64| MarketParams {
            max_liq_notional_per_slot: b,
            ..m.params
        };
        assert!(budget_spent(&with(90), &m, 50));
        assert!(!budget_spent(&with(91), &m, 50), "room left");
        assert!(
            !budget_spent(&with(90), &m, 51),
            "a new slot's budget is fresh"
        );
        assert!(!budget_spent(&with(0), &m, 50), "no budget, never spent");
        // An urgent allowance left: not spent yet.
        m.risk.urgent_gap_bps = 100;
        m.risk.urgent_budget_bps = 10_000;
        assert!(!budget_spent(&with(90), &m, 50));
        m.urgent_used_notional_native = 90;
        assert!(budget_spent(&with(90), &m, 50));
    }
}
