/**
 * The Dutch-auction price of a lot, ported from the program because @softliq/client has no
 * auction helper (programs/softliq/src/engine/auction/mod.rs `price_at`, `needs_reset`):
 * integer math on bigint with the Rust rounding, null where Rust returns None.
 * test/unit.test.ts checks it against the worked figures of engine/auction/tests.rs.
 * The program prices a take or reset at `elapsed = slot.saturating_sub(lot.start_slot)`
 * with the market's base `params` (auction fields are not touched by the risk add-ons).
 */
import { BPS, U64_MAX, mulDivU128, type MarketParamsState } from '@softliq/client';

export const CURVE_LINEAR = 0n;
export const CURVE_STEP_EXP = 1n;
const FACTOR_SCALE = 1_000_000_000_000_000_000n;

export type AuctionParams = Pick<
    MarketParamsState,
    'auctionCurve' | 'auctionTauSlots' | 'auctionStepSlots' | 'auctionCutBps' | 'auctionTailSlots' | 'auctionCuspBps'
>;

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
    if (p.auctionCurve === CURVE_STEP_EXP) {
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

/** `slot.saturating_sub(start_slot)`. */
export function elapsedSince(slot: bigint, startSlot: bigint): bigint {
    return slot > startSlot ? slot - startSlot : 0n;
}
