/**
 * Position health exactly as the program computes it (programs/softliq/src/engine/health.rs,
 * math/mod.rs, engine/interest.rs): integer math on `bigint`, the same rounding, and
 * `null` wherever the Rust code returns `None` (overflow, division by zero).
 *
 *   debt_native = ceil(shares · index / 1e15)
 *   health_m    = floor( floor(C · P / 1e12) · (10_000 − m) / 10_000 ) − debt
 *   liquidatable when debt > 0 and health_maint < 0
 *
 * Prices are debt-token native per collateral-token native scaled by 1e12 (`PRICE_SCALE`),
 * as the program normalises oracle prices.
 */
import type { MarketParamsState, MarketState, PositionEntry, RiskStateState } from './decode';
import { effectiveMargins } from './params';

import { BPS, BORROW_INDEX_SCALE, PRICE_SCALE, SLOTS_PER_YEAR, U128_MAX, U64_MAX } from './constants';

export { BPS, BORROW_INDEX_SCALE, PRICE_SCALE, SLOTS_PER_YEAR, U128_MAX, U64_MAX };
const I128_MIN = -(1n << 127n);
const I128_MAX = (1n << 127n) - 1n;

export type Rounding = 'down' | 'up';

/** `math::mul_div_u128`: a·b/c in u128 with the given rounding; null on overflow or c = 0. */
export function mulDivU128(a: bigint, b: bigint, c: bigint, r: Rounding): bigint | null {
    if (c === 0n) return null;
    const p = a * b;
    if (p > U128_MAX) return null;
    const q = p / c;
    if (r === 'up' && p % c !== 0n) {
        return q + 1n > U128_MAX ? null : q + 1n;
    }
    return q;
}

/** `math::mul_div`: as `mulDivU128`, result must fit in u64. */
export function mulDiv(a: bigint, b: bigint, c: bigint, r: Rounding): bigint | null {
    const v = mulDivU128(a, b, c, r);
    return v === null || v > U64_MAX ? null : v;
}

/** `math::value_of`: value in debt native of `amount` collateral native at `price`. */
export function valueOf(amountNative: bigint, priceScaled: bigint, r: Rounding): bigint | null {
    return mulDivU128(amountNative, priceScaled, PRICE_SCALE, r);
}

/** `health::debt_native`: debt of `shares` at `borrowIndex`, rounded up. */
export function debtNative(shares: bigint, borrowIndex: bigint): bigint | null {
    return mulDiv(shares, borrowIndex, BORROW_INDEX_SCALE, 'up');
}

/** `health::weight_bps`: 10_000 − margin (null if the margin exceeds 10_000). */
export function weightBps(marginBps: bigint): bigint | null {
    return marginBps > BPS ? null : BPS - marginBps;
}

/** `health::weighted_value`: floor(floor(C·P/1e12)·(10_000 − m)/10_000). */
export function weightedValue(collateral: bigint, price: bigint, marginBps: bigint): bigint | null {
    const v = valueOf(collateral, price, 'down');
    const w = weightBps(marginBps);
    if (v === null || w === null) return null;
    return mulDivU128(v, w, BPS, 'down');
}

/** `health::health`: weighted value − debt, in debt-token native (negative: below margin). */
export function health(collateral: bigint, debt: bigint, price: bigint, marginBps: bigint): bigint | null {
    const w = weightedValue(collateral, price, marginBps);
    if (w === null || w > I128_MAX) return null;
    const h = w - debt;
    return h < I128_MIN ? null : h;
}

/** `health::is_liquidatable`: debt > 0 and maintenance health < 0. */
export function isLiquidatable(collateral: bigint, debt: bigint, price: bigint, maintMarginBps: bigint): boolean | null {
    if (debt === 0n) return false;
    const h = health(collateral, debt, price, maintMarginBps);
    return h === null ? null : h < 0n;
}

/** `health::conservative_price`: min(price, ema) − conf, saturating at 0. */
export function conservativePrice(price: bigint, ema: bigint, conf: bigint): bigint {
    const m = price < ema ? price : ema;
    return m > conf ? m - conf : 0n;
}

export interface PositionHealth {
    /** Debt in debt-token native at the index used (rounded up). */
    debtNative: bigint;
    healthInit: bigint;
    healthMaint: bigint;
    healthTarget: bigint;
    liquidatable: boolean;
}

/**
 * Health of a position at `price` and `borrowIndex` (by default the market's stored
 * index; pass `borrowIndexAt(market, slot)` for the index the program would use at `slot`).
 * Null where the program would fail with MathOverflow.
 *
 * Margins: with a `riskState` (a decoded `MarketState` has one) the margins in force,
 * `effectiveMargins(market.params, market.riskState)` — base + the volatility add-ons, as
 * `engine::risk::effective` gives them for the stored estimate. That is exactly what
 * `crank_liquidate` uses for maintenance and target (it reads the margins before its own
 * price moves the estimate). `borrow`, `withdraw_collateral` and `auction_redeem` first feed
 * the current price to the estimate, so the initial-margin add-on they apply may exceed the
 * stored one by up to `margin_step_bps` per slot since `riskState.lastSlot`. Without a
 * `riskState`, `params` are taken as the margins in force.
 */
export function positionHealth(
    position: Pick<PositionEntry, 'collateralNative' | 'debtShares'>,
    market: {
        borrowIndex: bigint;
        params: Pick<MarketParamsState, 'initMarginBps' | 'maintMarginBps' | 'targetMarginBps'>;
        riskState?: Pick<RiskStateState, 'addonBps' | 'maintAddonBps'>;
    },
    price: bigint,
    borrowIndex: bigint = market.borrowIndex,
): PositionHealth | null {
    const margins = market.riskState ? effectiveMargins(market.params, market.riskState) : market.params;
    if (margins === null) return null;
    const debt = debtNative(position.debtShares, borrowIndex);
    if (debt === null) return null;
    const c = position.collateralNative;
    const healthInit = health(c, debt, price, margins.initMarginBps);
    const healthMaint = health(c, debt, price, margins.maintMarginBps);
    const healthTarget = health(c, debt, price, margins.targetMarginBps);
    const liquidatable = isLiquidatable(c, debt, price, margins.maintMarginBps);
    if (healthInit === null || healthMaint === null || healthTarget === null || liquidatable === null) return null;
    return { debtNative: debt, healthInit, healthMaint, healthTarget, liquidatable };
}

// ---- Interest (engine/interest.rs, instructions/common.rs::accrue) ----

/** `interest::utilization_bps`: borrowed / (borrowed + cash) in bps, rounded down. */
export function utilizationBps(borrowed: bigint, cash: bigint): bigint | null {
    const total = borrowed + cash;
    if (total === 0n) return 0n;
    const u = mulDivU128(borrowed, BPS, total, 'down');
    return u === null || u > U64_MAX ? null : u;
}

/** `interest::borrow_rate_bps`: annual rate in bps at a utilisation (two slopes). */
export function borrowRateBps(
    p: Pick<MarketParamsState, 'borrowRateBaseBps' | 'borrowRateSlope1Bps' | 'borrowRateSlope2Bps' | 'borrowRateKinkBps'>,
    utilBps: bigint,
): bigint | null {
    const kink = p.borrowRateKinkBps > 1n ? p.borrowRateKinkBps : 1n;
    let rate: bigint;
    if (utilBps <= kink) {
        const add = mulDiv(p.borrowRateSlope1Bps, utilBps, kink, 'up');
        if (add === null) return null;
        rate = p.borrowRateBaseBps + add;
    } else {
        if (kink > BPS) return null;
        const over = utilBps - kink;
        const span = BPS - kink > 1n ? BPS - kink : 1n;
        const add = mulDiv(p.borrowRateSlope2Bps, over, span, 'up');
        if (add === null) return null;
        rate = p.borrowRateBaseBps + p.borrowRateSlope1Bps;
        if (rate > U64_MAX) return null;
        rate += add;
    }
    return rate > U64_MAX ? null : rate;
}

/** `interest::MAX_BORROW_INDEX`: the borrow index never exceeds 10,000× its start. */
export const MAX_BORROW_INDEX = 10_000n * BORROW_INDEX_SCALE;
/** `interest::POOL_VALUE_CEILING_NATIVE`: the pool's claims stay within u64::MAX / 4. */
export const POOL_VALUE_CEILING_NATIVE = U64_MAX / 4n;

/**
 * `interest::accrue_index`: the index after `slots` at `rateBps` a year (simple interest,
 * rounded up), saturating at `ceiling` and never below `index`. It never fails, as in the
 * program; `ceiling` defaults to `MAX_BORROW_INDEX`.
 */
export function accrueIndex(index: bigint, rateBps: bigint, slots: bigint, ceiling: bigint = MAX_BORROW_INDEX): bigint {
    const sat = (v: bigint) => (v > U128_MAX ? U128_MAX : v);
    const num = sat(rateBps * slots);
    const den = BPS * SLOTS_PER_YEAR;
    const growth = mulDivU128(index, num, den, 'up') ?? U128_MAX;
    let next = sat(index + growth);
    if (next > ceiling) next = ceiling;
    if (next > U64_MAX) next = U64_MAX;
    return next > index ? next : index;
}

/** `interest::index_ceiling`: the highest index at which the pool's claims stay in range. */
export function indexCeiling(totalDebtShares: bigint, cashNative: bigint, lotDebtNative: bigint): bigint {
    const satSub = (a: bigint, b: bigint) => (a > b ? a - b : 0n);
    const room = satSub(satSub(POOL_VALUE_CEILING_NATIVE, cashNative), lotDebtNative);
    if (totalDebtShares === 0n) return MAX_BORROW_INDEX;
    const c = mulDiv(room, BORROW_INDEX_SCALE, totalDebtShares, 'down') ?? MAX_BORROW_INDEX;
    return c < MAX_BORROW_INDEX ? c : MAX_BORROW_INDEX;
}

/**
 * The borrow index the program would use at `slot` (what `interest::accrue_market` computes
 * before any instruction that reads health): unchanged if `slot <= lastAccrualSlot`; like the
 * program it saturates instead of failing. Null only if `market` is not a decoded market (it
 * cannot be otherwise; kept for callers that check).
 */
export function borrowIndexAt(
    market: Pick<MarketState, 'borrowIndex' | 'lastAccrualSlot' | 'totalDebtShares' | 'poolCashNative' | 'lotDebtOutstandingNative' | 'params'>,
    slot: bigint,
): bigint | null {
    const elapsed = slot > market.lastAccrualSlot ? slot - market.lastAccrualSlot : 0n;
    if (elapsed === 0n) return market.borrowIndex;
    const borrowed = mulDiv(market.totalDebtShares, market.borrowIndex, BORROW_INDEX_SCALE, 'down') ?? U64_MAX;
    const util = utilizationBps(borrowed, market.poolCashNative) ?? BPS;
    const rate = borrowRateBps(market.params, util) ?? 0n;
    const ceiling = indexCeiling(market.totalDebtShares, market.poolCashNative, market.lotDebtOutstandingNative);
    return accrueIndex(market.borrowIndex, rate, elapsed, ceiling);
}
