use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::engine::budget::{self, SlotBudget};
use crate::engine::interest;
use crate::engine::liquidation::{plan, Bound, LiqError, LiqInput, LiqParams, LiqPlan, NoLiq};
use crate::engine::{auction, fees, health};
use crate::error::SoftliqError;
use crate::events::{CrankCompleted, Liquidation, LotBookFull};
use crate::instructions::common::{
    checked_add, checked_sub, effective_params, health_i64, observe_price, position_debt, reband,
    transfer_out, with_lots, with_slab,
};
use crate::math;
use crate::oracle::{load_price, OraclePrice};
use crate::state::{
    BookView, Lot, LotBook, Market, MarketParams, Position, PositionSlab, LOT_FAST_FALL,
    LOT_INSOLVENT, LOT_OVERFLOW, POSITION_IN_EPISODE, VAULT_AUTH_SEED,
};

/// A position named by a crank: `(index, generation)` in the crank's slab.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct PositionRef {
    pub index: u32,
    pub generation: u32,
}

#[derive(Accounts)]
pub struct CrankLiquidate<'info> {
    pub keeper: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(mut)]
    pub slab: AccountLoader<'info, PositionSlab>,
    #[account(mut, address = market.load()?.lot_book @ SoftliqError::WrongMarket)]
    pub lot_book: AccountLoader<'info, LotBook>,
    /// CHECK: read and guarded by `oracle::load_price`.
    pub oracle: UncheckedAccount<'info>,
    #[account(mut, address = market.load()?.insurance_vault @ SoftliqError::WrongTokenAccount)]
    pub insurance_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Receives the keeper's pay.
    #[account(mut, token::mint = debt_mint)]
    pub keeper_debt: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(address = market.load()?.debt_mint @ SoftliqError::WrongTokenAccount)]
    pub debt_mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: vault authority PDA.
    #[account(seeds = [VAULT_AUTH_SEED, market.key().as_ref()], bump = market.load()?.vault_auth_bump)]
    pub vault_auth: UncheckedAccount<'info>,
    pub debt_token_program: Interface<'info, TokenInterface>,
}

/// Everything one crank needs that is fixed for the call.
struct CrankEnv {
    market: Pubkey,
    slab: Pubkey,
    slot: u64,
    price: OraclePrice,
    /// Parameters in force (margins with their add-ons, depth budget) for
    /// the whole call.
    params: MarketParams,
    /// Their sizing subset, for every entry.
    liq: LiqParams,
}

/// Soft-liquidates the named positions, each at most once per slot, by as much
/// as restores target health within the ramp, the per-slot budget, the auction
/// cap and what the position has. Skips (without error) healthy, stale, empty
/// and already-liquidated-this-slot entries, so racing keepers never fail.
pub fn handler(ctx: Context<CrankLiquidate>, entries: Vec<PositionRef>) -> Result<()> {
    let clock = Clock::get()?;
    let mut m = ctx.accounts.market.load_mut()?;
    require!(
        entries.len() as u64 <= m.params.max_positions_per_crank,
        SoftliqError::TooManyEntries
    );
    interest::accrue_market(&mut m, clock.slot);
    let price = load_price(&m, &ctx.accounts.oracle.to_account_info(), &clock)?;
    observe_price(&mut m, &ctx.accounts.market.key(), &price, clock.slot)?;
    // Maintenance and target carry the add-on of the update before this slot
    // (`maint_addon_bps`): a rise reaches liquidations one update after it
    // reached borrowers, never in the slot it happens (docs/dynamic-risk.md).
    let params = effective_params(&m)?;
    // The adaptive per-slot budget and the urgent allowance (engine::budget):
    // a new slot advances the level (grown after a bound slot, decayed after
    // slack ones).
    let mut slot_budget = budget::at_slot(&m, &params, clock.slot);
    let env = CrankEnv {
        market: ctx.accounts.market.key(),
        slab: ctx.accounts.slab.key(),
        slot: clock.slot,
        price,
        params,
        liq: LiqParams::for_crank(&params, &m.risk),
    };
    let mut records: Vec<Liquidation> = Vec::with_capacity(entries.len());
    let mut pay_total = 0u64;
    let mut lot_book_full: Option<(PositionRef, u32)> = None;
    with_slab(&ctx.accounts.slab, &env.market, |slab| {
        with_lots(&ctx.accounts.lot_book, &env.market, |lots| {
            for e in entries.iter() {
                match liquidate_one(&env, &mut m, &mut slot_budget, slab, lots, *e, pay_total)? {
                    Step::Liquidated(r) => {
                        pay_total = checked_add(pay_total, r.keeper_paid)?;
                        records.push(r);
                    }
                    Step::NoLot => {
                        let (first, n) = lot_book_full.unwrap_or((*e, 0));
                        lot_book_full = Some((first, n.saturating_add(1)));
                    }
                    Step::Skipped => {}
                }
            }
            Ok(())
        })
    })?;
    m.insurance_balance_native = checked_sub(m.insurance_balance_native, pay_total)?;
    m.keeper_paid_native = m.keeper_paid_native.saturating_add(pay_total);
    m.budget_slot = clock.slot;
    m.budget_level_native = slot_budget.level_native;
    m.budget_used_notional_native = slot_budget.used_native;
    m.urgent_used_notional_native = slot_budget.urgent_used_native;
    if slot_budget.bound {
        m.budget_bound_slot = clock.slot;
    }
    let bump = m.vault_auth_bump;
    drop(m);
    transfer_out(
        &ctx.accounts.debt_token_program,
        &ctx.accounts.insurance_vault,
        &ctx.accounts.keeper_debt,
        &ctx.accounts.debt_mint,
        &ctx.accounts.vault_auth.to_account_info(),
        &env.market,
        bump,
        pay_total,
    )?;
    if let Some((first, skipped)) = lot_book_full {
        emit!(LotBookFull {
            market: env.market,
            slab: env.slab,
            index: first.index,
            generation: first.generation,
            skipped,
        });
    }
    emit!(CrankCompleted {
        market: env.market,
        slab: env.slab,
        keeper: ctx.accounts.keeper.key(),
        slot: env.slot,
        price: env.price.price,
        entries: entries.len() as u32,
        keeper_paid: pay_total,
        budget_level: slot_budget.level_native,
        budget_used: slot_budget.used_native,
        urgent_used: slot_budget.urgent_used_native,
        liquidations: records,
    });
    Ok(())
}

/// What one entry of a crank came to.
enum Step {
    Liquidated(Liquidation),
    /// Liquidatable, but the lot book has no free entry.
    NoLot,
    /// Healthy, stale, empty, bounded or already liquidated this slot.
    Skipped,
}

/// Remaining allowance of a capped quantity (None = unlimited).
fn remaining(cap: u64, used: u64) -> Option<u64> {
    (cap != 0).then(|| cap.saturating_sub(used))
}

/// The sizing input for a position (`LiqInput::for_position`) with the
/// slot's allowances: the budget, the urgent allowance, the auction cap.
fn liq_input(m: &Market, sb: &SlotBudget, p: &Position, debt: u64, env: &CrankEnv) -> LiqInput {
    LiqInput {
        budget_remaining_notional: sb.remaining(),
        urgent_remaining_notional: sb.urgent_remaining(),
        hole_remaining_collateral: remaining(
            m.params.max_lot_collateral_native,
            m.total_lot_collateral_native,
        ),
        ..LiqInput::for_position(
            p,
            debt,
            env.price.price,
            env.slot,
            m.borrow_index,
            m.params.dust_native,
        )
    }
}

/// Liquidates one entry, returning its record (with the keeper pay).
#[allow(clippy::too_many_arguments)]
fn liquidate_one(
    env: &CrankEnv,
    m: &mut Market,
    sb: &mut SlotBudget,
    slab: &mut BookView<Position>,
    lots: &mut BookView<Lot>,
    e: PositionRef,
    paid_so_far: u64,
) -> Result<Step> {
    let Ok(p) = slab.get_mut(e.index, e.generation) else {
        return Ok(Step::Skipped);
    };
    if p.in_episode() && p.last_liq_slot == env.slot {
        return Ok(Step::Skipped);
    }
    let debt = position_debt(m, p.debt_shares)?;
    let step: LiqPlan = match plan(&env.liq, &liq_input(m, sb, p, debt, env)) {
        Ok(Ok(step)) => step,
        Ok(Err(NoLiq::Healthy)) => {
            if p.in_episode() {
                p.end_episode();
            }
            return Ok(Step::Skipped);
        }
        Ok(Err(NoLiq::Bounded(bound))) => {
            sb.bound |= bound == Bound::Budget;
            return Ok(Step::Skipped);
        }
        Err(LiqError::BadParams) => return err!(SoftliqError::InvalidLotBuffer),
        Err(LiqError::Math) => return err!(SoftliqError::MathOverflow),
    };
    let Ok((lot_index, lot_generation)) = lots.alloc() else {
        return Ok(Step::NoLot);
    };

    let (c0, px) = (p.collateral_native, env.price.price);
    let removed = if step.debt_moved_native >= debt {
        p.debt_shares
    } else {
        math!(health::shares_for_repay(
            step.debt_moved_native,
            m.borrow_index
        ))?
        .min(p.debt_shares)
    };
    if !p.in_episode() {
        p.flags |= POSITION_IN_EPISODE;
        p.liq_start_slot = env.slot;
        p.episode_start_collateral_native = c0;
        p.episode_seized_collateral_native = 0;
        p.episode_seized_notional_native = 0;
    }
    let n_before = p.episode_seized_notional_native;
    let n_after = checked_add(n_before, step.seized_notional_native)?;
    let due = math!(fees::pay_increment(&m.params, n_before, n_after))?;
    let pay = due.min(m.insurance_balance_native.saturating_sub(paid_so_far));
    p.episode_seized_notional_native = n_after;
    p.episode_seized_collateral_native = checked_add(
        p.episode_seized_collateral_native,
        step.seize_collateral_native,
    )?;
    p.collateral_native = checked_sub(c0, step.seize_collateral_native)?;
    p.debt_shares = checked_sub(p.debt_shares, removed)?;
    p.last_liq_slot = env.slot;
    let (owner, c1, shares1) = (p.owner, p.collateral_native, p.debt_shares);
    reband(m, (checked_add(shares1, removed)?, c0), (shares1, c1))?;
    let beyond_base = sb.charge(step.seized_notional_native, step.urgent);

    let lot = lots
        .get_mut(lot_index, lot_generation)
        .map_err(SoftliqError::from)?;
    lot.slab = env.slab;
    lot.owner = owner;
    lot.collateral_native = step.seize_collateral_native;
    lot.tab_debt_native = step.debt_moved_native;
    lot.tab_penalty_native = step.penalty_native;
    lot.start_price = math!(auction::start_price(px, m.params.auction_start_buffer_bps))?;
    lot.start_slot = env.slot;
    lot.seized_value_native = step.seized_notional_native;
    // Insolvent at seizure: its debt is above its collateral's oracle value
    // (`engine::auction::is_held`).
    if step.debt_moved_native > step.seized_notional_native {
        lot.flags |= LOT_INSOLVENT;
    }
    // Seized during a fast fall its own sales did not cause
    // (`Market::fast_fall_until_slot`): held the same way.
    if env.slot <= m.fast_fall_until_slot {
        lot.flags |= LOT_FAST_FALL;
    }
    // Throughput beyond the base budget is sold patiently: held the same way.
    if beyond_base {
        lot.flags |= LOT_OVERFLOW;
    }
    lot.position_index = e.index;
    lot.position_generation = e.generation;

    m.total_debt_shares = checked_sub(m.total_debt_shares, removed)?;
    m.lot_debt_outstanding_native =
        checked_add(m.lot_debt_outstanding_native, step.debt_moved_native)?;
    m.total_position_collateral_native = checked_sub(
        m.total_position_collateral_native,
        step.seize_collateral_native,
    )?;
    m.total_lot_collateral_native =
        checked_add(m.total_lot_collateral_native, step.seize_collateral_native)?;
    sb.bound |= step.bound == Bound::Budget;
    m.seized_collateral_native = m
        .seized_collateral_native
        .saturating_add(step.seize_collateral_native);
    m.liquidations = m.liquidations.saturating_add(1);

    let debt1 = position_debt(m, shares1)?;
    Ok(Step::Liquidated(Liquidation {
        index: e.index,
        generation: e.generation,
        lot_index,
        lot_generation,
        seized_collateral: step.seize_collateral_native,
        debt_moved: step.debt_moved_native,
        penalty: step.penalty_native,
        seized_notional: step.seized_notional_native,
        keeper_paid: pay,
        collateral_after: c1,
        debt_after: debt1,
        health_target_after: health_i64(c1, debt1, px, env.params.target_margin_bps),
        bound: step.bound.code(),
    }))
}
