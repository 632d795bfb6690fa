// Risk helpers for traders and integrators, each the TypeScript twin of one function of the
// program's `engine::health` (same integer math, same rounding), checked against the Rust
// engine on shared fixtures (test/fixtures/risk.json, test/risk.test.ts).
import type { Address } from '@solana/kit';

import type { LotBookState, LotEntry } from './decode';
import { BORROW_INDEX_SCALE, BPS, PRICE_SCALE, U64_MAX, debtNative, health, mulDivU128, weightBps, weightedValue } from './health';

/** `health::shares_for_borrow`: shares added by borrowing `amount` (rounded up). */
export function sharesForBorrow(amount: bigint, borrowIndex: bigint): bigint | null {
    const v = mulDivU128(amount, BORROW_INDEX_SCALE, borrowIndex, 'up');
    return v === null || v > U64_MAX ? null : v;
}

/** `health::shares_for_repay`: shares removed by repaying `amount` (rounded down). */
export function sharesForRepay(amount: bigint, borrowIndex: bigint): bigint | null {
    const v = mulDivU128(amount, BORROW_INDEX_SCALE, borrowIndex, 'down');
    return v === null || v > U64_MAX ? null : v;
}

/**
 * `health::min_collateral_for`: the least collateral whose weighted value at `price` covers
 * `debt` (⌈⌈D·B/w⌉·S/P⌉, exact); null when the price or the weight is 0 or it exceeds u64.
 */
export function minCollateralFor(debt: bigint, price: bigint, marginBps: bigint): bigint | null {
    const w = weightBps(marginBps);
    if (w === null || w === 0n || price === 0n) return null;
    const value = mulDivU128(debt, BPS, w, 'up');
    if (value === null) return null;
    const c = mulDivU128(value, PRICE_SCALE, price, 'up');
    return c === null || c > U64_MAX ? null : c;
}

/**
 * `health::liquidation_price`: the lowest oracle price (scaled, quote native per base native
 * × 1e12) at which the position is not liquidatable; below it, it is. Null without debt,
 * without collateral, or when no u64 price is enough. Pass the maintenance margin in force
 * (`effectiveParams`: with dynamic risk it includes the add-on).
 */
export function liquidationPrice(collateral: bigint, debt: bigint, maintMarginBps: bigint): bigint | null {
    if (debt === 0n || collateral === 0n) return null;
    return minCollateralFor(debt, collateral, maintMarginBps);
}

/**
 * `health::max_withdraw`: the most collateral `withdraw_collateral` accepts at `price` (the
 * conservative price) and the initial margin in force.
 */
export function maxWithdraw(collateral: bigint, debt: bigint, price: bigint, initMarginBps: bigint): bigint {
    if (debt === 0n) return collateral;
    const need = minCollateralFor(debt, price, initMarginBps);
    if (need === null) return 0n;
    return collateral > need ? collateral - need : 0n;
}

/**
 * `health::max_borrow`: the most `borrow` accepts at `price` (conservative) and the initial
 * margin in force, for a position with `debtShares` at `borrowIndex` (same bisection).
 */
export function maxBorrow(collateral: bigint, debtShares: bigint, borrowIndex: bigint, price: bigint, initMarginBps: bigint): bigint {
    const fits = (amount: bigint): boolean => {
        const added = sharesForBorrow(amount, borrowIndex);
        if (added === null || debtShares + added > U64_MAX) return false;
        const debt = debtNative(debtShares + added, borrowIndex);
        if (debt === null) return false;
        const h = health(collateral, debt, price, initMarginBps);
        return h !== null && h >= 0n;
    };
    const cap = weightedValue(collateral, price, initMarginBps) ?? 0n;
    if (cap > U64_MAX || !fits(0n)) return 0n;
    let lo = 0n;
    let hi = cap;
    while (lo < hi) {
        const mid = lo + (hi - lo + 1n) / 2n;
        if (fits(mid)) lo = mid;
        else hi = mid - 1n;
    }
    return lo;
}

/** A proposed change to a position. */
export type Action =
    | { kind: 'deposit'; amount: bigint }
    | { kind: 'withdraw'; amount: bigint }
    | { kind: 'borrow'; amount: bigint }
    | { kind: 'repay'; amount: bigint };

/**
 * Health at `marginBps` after a proposed action, from collateral, debt shares and the borrow
 * index (borrowed shares round up, repaid shares round down, a repay of at least the debt
 * clears it, as the program does); null when withdrawing more than there is or on overflow.
 */
export function healthAfter(
    collateral: bigint,
    debtShares: bigint,
    borrowIndex: bigint,
    price: bigint,
    marginBps: bigint,
    action: Action,
): bigint | null {
    let c = collateral;
    let s = debtShares;
    switch (action.kind) {
        case 'deposit':
            c += action.amount;
            break;
        case 'withdraw':
            if (action.amount > c) return null;
            c -= action.amount;
            break;
        case 'borrow': {
            const added = sharesForBorrow(action.amount, borrowIndex);
            if (added === null) return null;
            s += added;
            break;
        }
        case 'repay': {
            // As `repay`: an amount at least the debt clears every share; less removes
            // `shares_for_repay` (rounded down).
            const debt = debtNative(s, borrowIndex);
            if (debt === null) return null;
            if (action.amount >= debt) {
                s = 0n;
                break;
            }
            const removed = sharesForRepay(action.amount, borrowIndex);
            if (removed === null || removed > s) return null;
            s -= removed;
            break;
        }
    }
    if (c > U64_MAX || s > U64_MAX) return null;
    const debt = debtNative(s, borrowIndex);
    return debt === null ? null : health(c, debt, price, marginBps);
}

/** An open lot of a position, with what `auction_redeem` takes to buy it back. */
export interface PositionLot {
    lot: LotEntry;
    /**
     * What the owner pays to redeem it (`Lot::tab_native`): the debt tab to the pool plus the
     * penalty tab to insurance. The program also requires the position not to be liquidatable
     * once the collateral is back.
     */
    redeemCostNative: bigint;
}

/**
 * The open lots of the position `(slab, index, generation)` in a decoded lot book, in lot
 * order: what is in auction and what the owner can buy back while unsold.
 */
export function positionLots(book: LotBookState, slab: Address, index: number, generation: number): PositionLot[] {
    return book.lots
        .filter(l => l.slab === slab && l.positionIndex === index && l.positionGeneration === generation)
        .map(lot => ({ lot, redeemCostNative: lot.tabDebtNative + lot.tabPenaltyNative }));
}
