/**
 * The Dutch-auction price of a lot, ported from the program because @softliq/client has no
 * auction helper (programs/softliq/src/engine/auction/mod.rs `price_at`, `needs_reset`,
 * `debt_price`, `quote`):
 * integer math on bigint with the Rust rounding, null where Rust returns None.
 * test/unit.test.ts checks it against the worked figures of engine/auction/tests.rs and
 * against `quote`'s answers in app/client/test/fixtures/auction.json (written by the Rust suite).
 * The program prices a take or reset at `elapsed = slot.saturating_sub(lot.start_slot)`
 * with the market's base `params` (auction fields are not touched by the risk add-ons).
 */
import { BPS, PRICE_SCALE, U64_MAX, mulDivU128, type MarketParamsState } from '@softliq/client';

export const CURVE_LINEAR = 0n;
export const CURVE_STEP_EXP = 1n;
/** `CURVE_ANCHORED`: the stepwise exponential curve, which a take also prices from the slot's
 * oracle price (`quote_at`); this port prices the lot's own curve (`quote`), the most a take pays. */
export const CURVE_ANCHORED = 2n;
const FACTOR_SCALE = 1_000_000_000_000_000_000n;

export type AuctionParams = Pick<
    MarketParamsState,
    | 'auctionCurve'
    | 'auctionTauSlots'
    | 'auctionStepSlots'
    | 'auctionCutBps'
    | 'auctionTailSlots'
    | 'auctionCuspBps'
    | 'auctionHoldSlots'
>;

/** `state::lot_book::LOT_INSOLVENT`: the lot was seized insolvent. */
export const LOT_INSOLVENT = 2;
/** `state::lot_book::LOT_FAST_FALL`: the lot was seized in a fast fall no take preceded. */
export const LOT_FAST_FALL = 4;
/** `state::lot_book::LOT_OVERFLOW`: part of the lot's seizure was charged beyond the base budget. */
export const LOT_OVERFLOW = 8;
/** `state::lot_book::LOT_HELD_FLAGS`: any reason for the first-round hold. */
export const LOT_HELD_FLAGS = LOT_INSOLVENT | LOT_FAST_FALL | LOT_OVERFLOW;

/** The lot fields `quote` reads. */
export interface QuoteLot {
    collateralNative: bigint;
    tabDebtNative: bigint;
    startPrice: bigint;
    startSlot: bigint;
    resets: number;
    flags: number;
}

function toU64(v: bigint | null): bigint | null {
    return v === null || v > U64_MAX ? null : v;
}

/** `pow_factor`: (cut_bps / 10_000)^n scaled by 1e18, each product rounded up. */
function powFactor(cutBps: bigint, n: bigint): bigint | null {
    let base = mulDivU128(cutBps, FACTOR_SCALE, BPS, 'up');
    if (base === null) return null;
    let acc = FACTOR_SCALE;
    while (n > 0n) {
        if ((n & 1n) === 1n) {
            const a = mulDivU128(acc, base, FACTOR_SCALE, 'up');
            if (a === null) return null;
            acc = a;
        }
        n >>= 1n;
        if (n > 0n) {
            const b = mulDivU128(base, base, FACTOR_SCALE, 'up');
            if (b === null) return null;
            base = b;
        }
    }
    return acc;
}

/** `price_at`: price of a lot started at `start`, `elapsedSlots` after its start. */
export function priceAt(p: AuctionParams, start: bigint, elapsedSlots: bigint): bigint | null {
    if (p.auctionCurve === CURVE_STEP_EXP || p.auctionCurve === CURVE_ANCHORED) {
        const step = p.auctionStepSlots > 1n ? p.auctionStepSlots : 1n;
        const cut = p.auctionCutBps < BPS ? p.auctionCutBps : BPS;
        const f = powFactor(cut, elapsedSlots / step);
        if (f === null) return null;
        return toU64(mulDivU128(start, f, FACTOR_SCALE, 'up'));
    }
    const tau = p.auctionTauSlots > 1n ? p.auctionTauSlots : 1n;
    if (elapsedSlots >= tau) return 0n;
    return toU64(mulDivU128(start, tau - elapsedSlots, tau, 'up'));
}

/** `needs_reset`: past the tail, or below `cusp × start`. */
export function needsReset(p: AuctionParams, start: bigint, price: bigint, elapsedSlots: bigint): boolean | null {
    const cusp = mulDivU128(start, p.auctionCuspBps, BPS, 'down');
    if (cusp === null) return null;
    return elapsedSlots > p.auctionTailSlots || price < cusp;
}

/** `debt_price`: the price at which the whole lot repays its debt tab, rounded up. */
export function debtPrice(lot: QuoteLot): bigint | null {
    if (lot.tabDebtNative === 0n) return 0n;
    if (lot.collateralNative === 0n) return U64_MAX;
    const p = mulDivU128(lot.tabDebtNative, PRICE_SCALE, lot.collateralNative, 'up');
    if (p === null) return null;
    return p > U64_MAX ? U64_MAX : p;
}

/** `is_held`: the first-round hold applies (hold on, seized insolvent or in a fast fall, first round). */
export function isHeld(p: AuctionParams, lot: QuoteLot): boolean {
    return p.auctionHoldSlots > 0n && lot.resets === 0 && (lot.flags & LOT_HELD_FLAGS) !== 0;
}

/** `quote`: the lot's price and whether it needs a reset at `slot`. */
export function quote(p: AuctionParams, lot: QuoteLot, slot: bigint): { price: bigint; needsReset: boolean } | null {
    const elapsed = elapsedSince(slot, lot.startSlot);
    const curve = priceAt(p, lot.startPrice, elapsed);
    if (curve === null) return null;
    if (isHeld(p, lot)) {
        const floor = debtPrice(lot);
        if (floor === null) return null;
        return { price: curve > floor ? curve : floor, needsReset: elapsed > p.auctionHoldSlots };
    }
    const reset = needsReset(p, lot.startPrice, curve, elapsed);
    return reset === null ? null : { price: curve, needsReset: reset };
}

/** `slot.saturating_sub(start_slot)`. */
export function elapsedSince(slot: bigint, startSlot: bigint): bigint {
    return slot > startSlot ? slot - startSlot : 0n;
}
