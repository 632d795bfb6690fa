/**
 * The page's view model, pure: decoded accounts + slot + oracle price → market summary,
 * positions ranked by health with their liquidation prices and warning status, open lots
 * with their current auction price and tab, and the insurance / loss counters.
 * Everything is computed with @softliq/client (decoders, health, margins in force, borrow
 * index at the slot, liquidation price and the risk helpers of its risk.ts); the auction
 * price with ./auction (not in the client).
 */
import {
    BORROW_INDEX_SCALE,
    borrowIndexAt,
    borrowRateBps,
    BPS,
    effectiveMargins,
    healthAfter,
    liquidationPrice,
    maxBorrow,
    maxWithdraw,
    minCollateralFor,
    mulDiv,
    positionHealth,
    utilizationBps,
    valueOf,
    weightedValue,
    type Action,
    type EffectiveMargins,
    type LotBookState,
    type LotEntry,
    type MarketState,
    type PositionEntry,
    type PositionHealth,
    type PositionSlabState,
} from '@softliq/client';

import { elapsedSince, isHeld, quote } from './auction';

/** Default warning distance: a position is flagged when a price drop of less than this (bps) makes it liquidatable. */
export const DEFAULT_WARN_BPS = 500n;

export interface SlabInput {
    address?: string;
    state: PositionSlabState;
}

export interface MarketInputs {
    marketAddress?: string;
    market: MarketState;
    slabs: SlabInput[];
    lotBookAddress?: string;
    lotBook: LotBookState | null;
    /** Slot at which health (borrow index) and auction prices are evaluated. */
    slot: bigint;
    /** Oracle price, scaled 1e12 quote native per base native (as the program normalises it). */
    price: bigint;
}

export type PositionStatus = 'liquidatable' | 'warning' | 'ok' | 'no-debt' | 'error';

export interface PositionRow {
    /** `slab:index`, unique on the page. */
    key: string;
    slab: number;
    slabAddress?: string;
    entry: PositionEntry;
    inEpisode: boolean;
    /** Health at the margins in force and the borrow index at `slot`; null: MathOverflow. */
    health: PositionHealth | null;
    /** Lowest price at which the position is not liquidatable; null without debt. */
    liqPrice: bigint | null;
    /** (price − liqPrice) / price in bps (negative: already liquidatable); null without a liquidation price. */
    distanceBps: bigint | null;
}

export interface LotRow {
    entry: LotEntry;
    /** Slab number on this page of `entry.slab`, if that slab is loaded. */
    slab: number | null;
    elapsed: bigint;
    /** Current auction price (scaled 1e12); null: MathOverflow. */
    auctionPrice: bigint | null;
    /** tab_debt + tab_penalty: what the lot must still raise. */
    tab: bigint;
    /** Cost of the whole lot at the auction price (rounded up, as a take pays). */
    lotCost: bigint | null;
    /** Auction price relative to the oracle, bps. */
    vsOracleBps: bigint | null;
    needsReset: boolean | null;
    /** Seized insolvent, first round: priced at least at its debt price (docs/auction-hold.md). */
    held: boolean;
}

export interface MarketSummary {
    margins: EffectiveMargins | null;
    borrowIndex: bigint | null;
    totalDebtNative: bigint | null;
    utilizationBps: bigint | null;
    borrowRateBps: bigint | null;
}

export interface MarketView {
    inputs: MarketInputs;
    summary: MarketSummary;
    /** Ranked by maintenance health ascending (worst first). */
    positions: PositionRow[];
    lots: LotRow[];
}

/** (price − liq) · 10_000 / price, floored; null when there is no liquidation price or price is 0. */
export function distanceBps(price: bigint, liqPrice: bigint | null): bigint | null {
    if (liqPrice === null || price <= 0n) return null;
    const d = price - liqPrice;
    const q = (d * BPS) / price;
    // floor for negatives too
    return d < 0n && (d * BPS) % price !== 0n ? q - 1n : q;
}

/**
 * The status a row shows at a warning distance `warnBps`: liquidatable (below maintenance),
 * warning (not liquidatable, but a price drop of less than `warnBps` makes it so), ok,
 * no-debt, or error (health overflowed).
 */
export function positionStatus(row: Pick<PositionRow, 'health' | 'distanceBps'>, warnBps: bigint): PositionStatus {
    const h = row.health;
    if (h === null) return 'error';
    if (h.debtNative === 0n) return 'no-debt';
    if (h.liquidatable) return 'liquidatable';
    if (row.distanceBps !== null && row.distanceBps < warnBps) return 'warning';
    return 'ok';
}

/**
 * Ranking: maintenance health ascending; rows whose health overflowed (unknown) first;
 * ties by slab then index. Returns a new array.
 */
export function rankPositions<R extends Pick<PositionRow, 'health' | 'slab' | 'entry'>>(rows: readonly R[]): R[] {
    return [...rows].sort((a, b) => {
        const ha = a.health?.healthMaint;
        const hb = b.health?.healthMaint;
        if (ha === undefined && hb !== undefined) return -1;
        if (hb === undefined && ha !== undefined) return 1;
        if (ha !== undefined && hb !== undefined && ha !== hb) return ha < hb ? -1 : 1;
        return a.slab - b.slab || a.entry.index - b.entry.index;
    });
}

export function positionRow(inputs: Pick<MarketInputs, 'market' | 'price'>, borrowIndex: bigint | null, slab: number, entry: PositionEntry, slabAddress?: string): PositionRow {
    const { market, price } = inputs;
    const margins = effectiveMargins(market.params, market.riskState);
    const health = borrowIndex === null ? null : positionHealth(entry, market, price, borrowIndex);
    const liqPrice = health === null || margins === null ? null : liquidationPrice(entry.collateralNative, health.debtNative, margins.maintMarginBps);
    return {
        key: `${slab}:${entry.index}`,
        slab,
        slabAddress,
        entry,
        inEpisode: (entry.flags & 2) !== 0,
        health,
        liqPrice,
        distanceBps: distanceBps(price, liqPrice),
    };
}

export function lotRow(inputs: Pick<MarketInputs, 'market' | 'price' | 'slot' | 'slabs'>, entry: LotEntry): LotRow {
    const p = inputs.market.params;
    const elapsed = elapsedSince(inputs.slot, entry.startSlot);
    const q = quote(p, entry, inputs.slot);
    const auctionPrice = q === null ? null : q.price;
    const slabIdx = inputs.slabs.findIndex(s => s.address !== undefined && s.address === entry.slab);
    return {
        entry,
        slab: slabIdx < 0 ? null : slabIdx,
        elapsed,
        auctionPrice,
        tab: entry.tabDebtNative + entry.tabPenaltyNative,
        lotCost: auctionPrice === null ? null : valueOf(entry.collateralNative, auctionPrice, 'up'),
        vsOracleBps: auctionPrice === null || inputs.price === 0n ? null : mulDiv(auctionPrice, BPS, inputs.price, 'down'),
        needsReset: q === null ? null : q.needsReset,
        held: isHeld(p, entry),
    };
}

export function marketSummary(market: MarketState, slot: bigint): MarketSummary {
    const borrowIndex = borrowIndexAt(market, slot);
    // As `accrue` measures it: shares · index / 1e15 rounded down.
    const totalDebt = borrowIndex === null ? null : mulDiv(market.totalDebtShares, borrowIndex, BORROW_INDEX_SCALE, 'down');
    const util = totalDebt === null ? null : utilizationBps(totalDebt, market.poolCashNative);
    return {
        margins: effectiveMargins(market.params, market.riskState),
        borrowIndex,
        totalDebtNative: totalDebt,
        utilizationBps: util,
        borrowRateBps: util === null ? null : borrowRateBps(market.params, util),
    };
}

export function buildView(inputs: MarketInputs): MarketView {
    const summary = marketSummary(inputs.market, inputs.slot);
    const rows: PositionRow[] = [];
    inputs.slabs.forEach((s, i) => {
        for (const e of s.state.positions) rows.push(positionRow(inputs, summary.borrowIndex, i, e, s.address));
    });
    return {
        inputs,
        summary,
        positions: rankPositions(rows),
        lots: (inputs.lotBook?.lots ?? []).map(l => lotRow(inputs, l)),
    };
}

/**
 * The client's risk helpers for the position view, at the oracle price shown and the margins
 * in force (the program's `borrow` / `withdraw_collateral` use its conservative price and may
 * apply a slightly larger initial add-on: see positionHealth in the client).
 */
export interface PositionDetail {
    collateralValue: bigint | null;
    weightedMaint: bigint | null;
    weightedInit: bigint | null;
    /** `maxBorrow`: the most `borrow` accepts (initial margin). */
    maxBorrow: bigint | null;
    /** `maxWithdraw`: the most collateral `withdraw_collateral` accepts (initial margin). */
    maxWithdraw: bigint | null;
    /** `minCollateralFor(debt, price, maint)`: the least collateral that is not liquidatable. */
    minCollateralMaint: bigint | null;
}

export function positionDetail(view: MarketView, row: PositionRow): PositionDetail {
    const m = view.summary.margins;
    const idx = view.summary.borrowIndex;
    const c = row.entry.collateralNative;
    const p = view.inputs.price;
    const h = row.health;
    return {
        collateralValue: valueOf(c, p, 'down'),
        weightedMaint: m === null ? null : weightedValue(c, p, m.maintMarginBps),
        weightedInit: m === null ? null : weightedValue(c, p, m.initMarginBps),
        maxBorrow: m === null || idx === null ? null : maxBorrow(c, row.entry.debtShares, idx, p, m.initMarginBps),
        maxWithdraw: m === null || h === null ? null : maxWithdraw(c, h.debtNative, p, m.initMarginBps),
        minCollateralMaint: m === null || h === null || h.debtNative === 0n ? null : minCollateralFor(h.debtNative, p, m.maintMarginBps),
    };
}

export interface WhatIf {
    healthInit: bigint | null;
    healthMaint: bigint | null;
    /** borrow / withdraw: whether the initial margin still holds (the program's check). */
    accepted: boolean;
    liquidatable: boolean | null;
}

/** `healthAfter` a proposed action at the initial and maintenance margins in force. */
export function whatIf(view: MarketView, row: PositionRow, action: Action): WhatIf {
    const m = view.summary.margins;
    const idx = view.summary.borrowIndex;
    if (m === null || idx === null) return { healthInit: null, healthMaint: null, accepted: false, liquidatable: null };
    const e = row.entry;
    const at = (margin: bigint) => healthAfter(e.collateralNative, e.debtShares, idx, view.inputs.price, margin, action);
    const healthInit = at(m.initMarginBps);
    const healthMaint = at(m.maintMarginBps);
    const risky = action.kind === 'borrow' || action.kind === 'withdraw';
    return {
        healthInit,
        healthMaint,
        accepted: healthInit !== null && (!risky || healthInit >= 0n),
        liquidatable: healthMaint === null ? null : healthMaint < 0n,
    };
}
