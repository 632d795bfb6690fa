/**
 * Soft-liquidation sizing exactly as the program computes it
 * (programs/softliq/src/engine/liquidation/mod.rs, `engine::liquidation::plan`): integer math
 * on `bigint` through the twins of `math` / `engine::health` in ./health, the same rounding
 * directions, the same order of checks, and the same outcome wherever the Rust code returns
 * `None` (`{ kind: 'math_error' }`, the crank's `MathOverflow`) or `LiqError::BadParams`
 * (`{ kind: 'bad_params' }`, the crank's `InvalidLotBuffer`).
 *
 * Seizing `x` collateral moves debt `d = x·P·(1 − pen − buf)` into a lot whose tab is
 * `d + x·P·pen`. Solving `health_target(C − x, D − d) ≥ 0` gives
 * `x = ⌈(D − ⌊C·P·w_t⌋ + slack)·1e4·1e12 / (P·(target − pen − buf))⌉`, at most `C`; a
 * position whose debt is at least `⌊C·P·(1 − pen − buf)⌋` cannot be restored and is seized
 * whole (debt moved pro rata when a bound stops it earlier). The close factor, the ramp, the
 * per-slot budget (plus the urgent allowance for urgent positions) and the auction cap can
 * each lower `x`; the tightest wins, a tie keeps the earlier one.
 *
 * test/liquidation.test.ts checks this against the Rust engine (test/fixtures/liquidation.json)
 * and the worked examples of engine/liquidation/tests.rs.
 */
import type { MarketParamsState, MarketState, PositionEntry, RiskParamsState, RiskStateState } from './decode';
import { BORROW_INDEX_SCALE, BPS, PRICE_SCALE, U128_MAX, U64_MAX, borrowIndexAt, debtNative, isLiquidatable, mulDivU128, valueOf, weightedValue } from './health';
import { POSITION_IN_EPISODE } from './layout';
import { effectiveMargins } from './params';


/** The parameters sizing uses (`LiqParams`, a subset of `MarketParams`), all u64. */
export interface LiqParams {
    maintMarginBps: bigint;
    targetMarginBps: bigint;
    liquidationPenaltyBps: bigint;
    lotBufferBps: bigint;
    closeFactorBps: bigint;
    liqRampSlots: bigint;
    /**
     * Urgent tier: a position whose loan-to-value is within this many bps of insolvency is
     * urgent: no ramp, and the urgent allowance on top of the per-slot budget (0 = none).
     */
    urgentGapBps: bigint;
}

/** What the position and the market allow at this moment (`LiqInput`), all u64. */
export interface LiqInput {
    collateralNative: bigint;
    debtNative: bigint;
    /** Oracle price, debt native per collateral native × 1e12. */
    price: bigint;
    /** Slots since the episode began (0 when it begins now). */
    episodeSlots: bigint;
    /** Collateral when the episode began (current collateral for a new one). */
    episodeStartCollateralNative: bigint;
    episodeSeizedCollateralNative: bigint;
    /** Seized notional the market may still take this slot (null = unlimited). */
    budgetRemainingNotional: bigint | null;
    /** Urgent positions' allowance left this slot, on top of the budget. */
    urgentRemainingNotional: bigint;
    /** Collateral the auction may still take in (null = unlimited). */
    holeRemainingCollateral: bigint | null;
    /** Extra health (debt native) to aim above target, covering share rounding. */
    slackNative: bigint;
    /** An episode is under way: it continues to target health, even above maintenance. */
    inEpisode: boolean;
    /** A bounded step (or an episode's top-up) seizing less notional than this is skipped. */
    minNotional: bigint;
}

/** `Bound::code()`: which limit decided the seized size. */
export const Bound = {
    /** Seized what target health needs. */
    Target: 0,
    /** Seized the whole position (it could not be restored). */
    Whole: 1,
    CloseFactor: 2,
    Ramp: 3,
    Budget: 4,
    Hole: 5,
} as const;
export type BoundCode = (typeof Bound)[keyof typeof Bound];

/** A liquidation step (`LiqPlan`). */
export interface LiqPlan {
    kind: 'plan';
    seizeCollateralNative: bigint;
    /** Debt moved from the position into the lot (the lot's debt tab). */
    debtMovedNative: bigint;
    /** Penalty owed to insurance from the lot's proceeds. */
    penaltyNative: bigint;
    /** Oracle value of the seized collateral (rounded down). */
    seizedNotionalNative: bigint;
    /** Collateral target health needed before any bound. */
    neededCollateralNative: bigint;
    unrestorable: boolean;
    /** Urgent: the part of `seizedNotionalNative` beyond the budget goes to the urgent allowance. */
    urgent: boolean;
    bound: BoundCode;
}

/**
 * `plan`'s answer: `Ok(Ok(plan))` → `'plan'`; `Ok(Err(NoLiq::Healthy))` → `'healthy'`;
 * `Ok(Err(NoLiq::Bounded(b)))` → `'bounded'` (a bound, or for an empty position `Target` /
 * `Whole`, allows nothing now, or the step would be dust); `Err(LiqError::Math)` →
 * `'math_error'`; `Err(LiqError::BadParams)` → `'bad_params'`.
 */
export type LiqResult =
    | LiqPlan
    | { kind: 'healthy' }
    | { kind: 'bounded'; bound: BoundCode }
    | { kind: 'math_error' }
    | { kind: 'bad_params' };

/** `LiqParams::from_market`: the sizing subset of the parameters in force, no urgent tier. */
export function liqParamsFromMarket(
    p: Pick<
        MarketParamsState,
        'maintMarginBps' | 'targetMarginBps' | 'liquidationPenaltyBps' | 'lotBufferBps' | 'closeFactorBps' | 'liqRampSlots'
    >,
): LiqParams {
    return {
        maintMarginBps: p.maintMarginBps,
        targetMarginBps: p.targetMarginBps,
        liquidationPenaltyBps: p.liquidationPenaltyBps,
        lotBufferBps: p.lotBufferBps,
        closeFactorBps: p.closeFactorBps,
        liqRampSlots: p.liqRampSlots,
        urgentGapBps: 0n,
    };
}

/** `LiqParams::for_crank`: the parameters in force and the urgent tier of the risk parameters. */
export function liqParamsForCrank(
    p: Parameters<typeof liqParamsFromMarket>[0],
    r: Pick<RiskParamsState, 'urgentGapBps'>,
): LiqParams {
    return { ...liqParamsFromMarket(p), urgentGapBps: r.urgentGapBps };
}

/** `LiqParams::credit_bps`: debt credited per unit of seized value, `10_000 − pen − buf` (null below 0). */
export function creditBps(p: Pick<LiqParams, 'liquidationPenaltyBps' | 'lotBufferBps'>): bigint | null {
    // Two checked subtractions in turn, as Rust does.
    if (p.liquidationPenaltyBps > BPS) return null;
    const afterPen = BPS - p.liquidationPenaltyBps;
    return p.lotBufferBps > afterPen ? null : afterPen - p.lotBufferBps;
}

/** `SLACK_BASE_NATIVE`: base of the rounding slack the crank aims above target health. */
export const SLACK_BASE_NATIVE = 3n;

/**
 * `rounding_slack_native`: `3 + ⌊borrow_index / 1e15⌋` (saturating at u64): one share's worth
 * of debt (shares removed round down, debt read back rounds up) plus a unit each way.
 */
export function roundingSlackNative(borrowIndex: bigint): bigint {
    const v = SLACK_BASE_NATIVE + borrowIndex / BORROW_INDEX_SCALE;
    return v > U64_MAX ? U64_MAX : v;
}

/** `ramp_fraction_bps`: cumulative fraction (bps) of the episode's collateral seizable after `episodeSlots`. */
export function rampFractionBps(rampSlots: bigint, episodeSlots: bigint): bigint {
    if (rampSlots === 0n) return BPS;
    // (episode_slots + 1)·10_000 never saturates u128 for u64 inputs; the divisor is not 0.
    const f = ((episodeSlots + 1n) * BPS) / rampSlots;
    return f < BPS ? f : BPS;
}

/**
 * `LiqInput::for_position`: the sizing input as `crank_liquidate` and the keeper build it for
 * a position at `slot`: its episode state (a new episode starts now when none is under way:
 * `flags & POSITION_IN_EPISODE`), the rounding slack at `borrowIndex` and the dust floor
 * (`params.dustNative`). The market-wide allowances (budget, urgent allowance, auction cap)
 * are left unlimited (null, 0, null) for the caller to set.
 */
export function liqInputForPosition(
    p: Pick<PositionEntry, 'collateralNative' | 'flags' | 'liqStartSlot' | 'episodeStartCollateralNative' | 'episodeSeizedCollateralNative'>,
    debt: bigint,
    price: bigint,
    slot: bigint,
    borrowIndex: bigint,
    dustNative: bigint,
): LiqInput {
    const ongoing = (p.flags & POSITION_IN_EPISODE) !== 0;
    return {
        collateralNative: p.collateralNative,
        debtNative: debt,
        price,
        episodeSlots: ongoing ? (slot > p.liqStartSlot ? slot - p.liqStartSlot : 0n) : 0n,
        episodeStartCollateralNative: ongoing ? p.episodeStartCollateralNative : p.collateralNative,
        episodeSeizedCollateralNative: ongoing ? p.episodeSeizedCollateralNative : 0n,
        budgetRemainingNotional: null,
        urgentRemainingNotional: 0n,
        holeRemainingCollateral: null,
        slackNative: roundingSlackNative(borrowIndex),
        inEpisode: ongoing,
        minNotional: dustNative,
    };
}

/** Thrown (not returned) for an input the Rust types cannot hold: every field is a u64. */
function checkU64(name: string, v: bigint | null): void {
    if (v !== null && (typeof v !== 'bigint' || v < 0n || v > U64_MAX)) {
        throw new RangeError(`planLiquidation: ${name} = ${String(v)} is not a u64`);
    }
}

const PARAM_FIELDS = [
    'maintMarginBps',
    'targetMarginBps',
    'liquidationPenaltyBps',
    'lotBufferBps',
    'closeFactorBps',
    'liqRampSlots',
    'urgentGapBps',
] as const satisfies readonly (keyof LiqParams)[];
const INPUT_FIELDS = [
    'collateralNative',
    'debtNative',
    'price',
    'episodeSlots',
    'episodeStartCollateralNative',
    'episodeSeizedCollateralNative',
    'budgetRemainingNotional',
    'urgentRemainingNotional',
    'holeRemainingCollateral',
    'slackNative',
    'minNotional',
] as const satisfies readonly (keyof LiqInput)[];

const minU128 = (a: bigint, b: bigint) => (a < b ? a : b);
/** `v.min(u64::MAX as u128) as u64`. */
const clampU64 = (v: bigint) => (v > U64_MAX ? U64_MAX : v);
/** `u128::saturating_mul`. */
const satMulU128 = (a: bigint, b: bigint) => (a * b > U128_MAX ? U128_MAX : a * b);

class MathError extends Error {}
/** `m(v)` of mod.rs: `None` is `LiqError::Math`. */
function m<T>(v: T | null): T {
    if (v === null) throw new MathError();
    return v;
}
/** `u128::checked_mul`. */
const mulU128 = (a: bigint, b: bigint): bigint | null => (a * b > U128_MAX ? null : a * b);

/**
 * `engine::liquidation::plan`: one liquidation step for a position. Liquidated when below
 * maintenance or, once its episode has begun, while below target. Throws `RangeError` only
 * for a field outside u64 (which Rust cannot be given).
 */
export function planLiquidation(params: LiqParams, input: LiqInput): LiqResult {
    for (const k of PARAM_FIELDS) checkU64(k, params[k]);
    for (const k of INPUT_FIELDS) checkU64(k, input[k]);
    if (typeof input.inEpisode !== 'boolean') throw new RangeError('planLiquidation: inEpisode is not a boolean');
    try {
        return plan(params, input);
    } catch (e) {
        if (e instanceof MathError) return { kind: 'math_error' };
        throw e;
    }
}

function plan(p: LiqParams, s: LiqInput): LiqResult {
    const c = s.collateralNative;
    const d = s.debtNative;
    const belowMaint = m(isLiquidatable(c, d, s.price, p.maintMarginBps));
    // `&&` short-circuits as in Rust: outside an episode the target margin is not read
    // (a target above 10,000 only fails inside one).
    const continuing = s.inEpisode && m(isLiquidatable(c, d, s.price, p.targetMarginBps));
    if (!belowMaint && !continuing) return { kind: 'healthy' };
    const k = creditBps(p);
    if (k === null) return { kind: 'bad_params' };
    const value = m(valueOf(c, s.price, 'down'));
    const restorableDebt = m(mulDivU128(value, k, BPS, 'down'));
    const unrestorable = d >= restorableDebt || s.price === 0n;
    // Urgent: loan-to-value ≥ 1 − gap (insolvent ones included), saturating products.
    let urgent = false;
    if (p.urgentGapBps > 0n) {
        const threshold = p.urgentGapBps < BPS ? BPS - p.urgentGapBps : 0n;
        urgent = satMulU128(d, BPS) >= satMulU128(value, threshold);
    }

    let needed: bigint;
    if (unrestorable) {
        needed = c;
    } else {
        // target − pen − buf, both subtractions checked, and > 0: else BadParams (before
        // the weighted value, whose failure is Math).
        const t1 = p.targetMarginBps >= p.liquidationPenaltyBps ? p.targetMarginBps - p.liquidationPenaltyBps : null;
        const denomBps = t1 !== null && t1 >= p.lotBufferBps ? t1 - p.lotBufferBps : null;
        if (denomBps === null || denomBps === 0n) return { kind: 'bad_params' };
        const w = m(weightedValue(c, s.price, p.targetMarginBps));
        const short = d > w ? d - w : 0n;
        const deficit = short + s.slackNative; // never exceeds u128 for u64 inputs
        if (deficit > U128_MAX) throw new MathError();
        const num = m(mulU128(deficit, BPS));
        const den = m(mulU128(s.price, denomBps));
        const x = m(mulDivU128(num, PRICE_SCALE, den, 'up'));
        needed = minU128(x, c);
    }

    let x = needed;
    let bound: BoundCode = unrestorable ? Bound.Whole : Bound.Target;
    const limit = (cap: bigint, b: BoundCode) => {
        if (cap < x) {
            x = cap;
            bound = b;
        }
    };
    if (p.closeFactorBps < BPS) {
        let cap: bigint;
        if (unrestorable) {
            cap = m(mulDivU128(c, p.closeFactorBps, BPS, 'down'));
        } else {
            const maxDebt = m(mulDivU128(d, p.closeFactorBps, BPS, 'down'));
            const den = m(mulU128(s.price, k));
            cap = m(mulDivU128(m(mulU128(maxDebt, BPS)), PRICE_SCALE, den, 'down'));
        }
        limit(clampU64(cap), Bound.CloseFactor);
    }
    if (!unrestorable && !urgent) {
        const frac = rampFractionBps(p.liqRampSlots, s.episodeSlots);
        const allowed = m(mulDivU128(s.episodeStartCollateralNative, frac, BPS, 'down'));
        const seized = s.episodeSeizedCollateralNative;
        const cap = allowed > seized ? allowed - seized : 0n;
        limit(clampU64(cap), Bound.Ramp);
    }
    if (s.budgetRemainingNotional !== null) {
        let budget = s.budgetRemainingNotional;
        if (urgent) budget = clampU64(budget + s.urgentRemainingNotional); // u64::saturating_add
        const cap = s.price === 0n ? U128_MAX : m(mulDivU128(budget, PRICE_SCALE, s.price, 'down'));
        limit(clampU64(cap), Bound.Budget);
    }
    if (s.holeRemainingCollateral !== null) limit(s.holeRemainingCollateral, Bound.Hole);
    if (x === 0n) return { kind: 'bounded', bound };

    const notional = m(valueOf(x, s.price, 'down'));
    // Below `minNotional` only a whole seizure or a step below maintenance proceeds.
    const bounded = bound !== Bound.Target && bound !== Bound.Whole;
    const topup = bound === Bound.Target && !belowMaint;
    if ((bounded || topup) && notional < s.minNotional) return { kind: 'bounded', bound };
    const debtMoved = unrestorable
        ? m(mulDivU128(d, x, c, 'down'))
        : minU128(m(mulDivU128(notional, k, BPS, 'down')), d);
    const penalty = m(mulDivU128(m(valueOf(x, s.price, 'up')), p.liquidationPenaltyBps, BPS, 'up'));
    const toU64 = (v: bigint): bigint => {
        if (v > U64_MAX) throw new MathError(); // `to_u64`
        return v;
    };
    return {
        kind: 'plan',
        seizeCollateralNative: x,
        debtMovedNative: toU64(debtMoved),
        penaltyNative: toU64(penalty),
        seizedNotionalNative: toU64(notional),
        neededCollateralNative: needed,
        unrestorable,
        urgent,
        bound,
    };
}

/**
 * A preview of what `crank_liquidate` would do to one position at `slot` with oracle `price`,
 * sized as the crank sizes one entry but with unlimited budget and auction cap:
 *
 * - the borrow index accrued to `slot` (`borrowIndexAt`, or `borrowIndex` if given) and the
 *   debt of the position's shares at it (rounded up);
 * - the margins in force, `effectiveMargins(market.params, market.riskState)`, and the urgent
 *   tier of `market.risk` (`LiqParams::for_crank`);
 * - `liqInputForPosition` (episode state, slack `3 + index/1e15`, dust floor `dustNative`).
 *
 * The crank additionally applies, per slot and shared by the entries of the slot in order,
 * the per-slot budget (`engine::budget`: the adaptive level less what this slot has used),
 * the urgent allowance (on top of the budget for urgent positions) and the auction cap
 * (`maxLotCollateralNative − totalLotCollateralNative`): its step can be smaller, or skipped
 * as `bounded`. It also skips a position already liquidated in this slot
 * (`lastLiqSlot === slot` while in an episode), and needs a free lot. Its price first feeds
 * the volatility estimate: the first crank of a new slot may change `maintAddonBps` (to
 * `min(stored addonBps, new addon)`), which this preview, reading the stored `riskState`,
 * does not foresee.
 *
 * `math_error` where the program would fail with MathOverflow (margins or debt overflow
 * included); null only when the client cannot compute the accrued borrow index.
 */
export function softLiquidationPreview(
    position: Pick<
        PositionEntry,
        'collateralNative' | 'debtShares' | 'flags' | 'liqStartSlot' | 'episodeStartCollateralNative' | 'episodeSeizedCollateralNative'
    >,
    market: Pick<MarketState, 'borrowIndex' | 'lastAccrualSlot' | 'totalDebtShares' | 'poolCashNative' | 'lotDebtOutstandingNative'> & {
        params: MarketParamsState;
        risk: Pick<RiskParamsState, 'urgentGapBps'>;
        riskState: Pick<RiskStateState, 'addonBps' | 'maintAddonBps'>;
    },
    price: bigint,
    slot: bigint,
    borrowIndex: bigint | null = borrowIndexAt(market, slot),
): LiqResult | null {
    if (borrowIndex === null) return null;
    const margins = effectiveMargins(market.params, market.riskState);
    if (margins === null) return { kind: 'math_error' };
    const debt = debtNative(position.debtShares, borrowIndex);
    if (debt === null) return { kind: 'math_error' };
    const params = liqParamsForCrank({ ...market.params, ...margins }, market.risk);
    return planLiquidation(params, liqInputForPosition(position, debt, price, slot, borrowIndex, market.params.dustNative));
}
