/**
 * Market parameter presets, copied from `MarketParams::default_soft()` and
 * `MarketParams::hard()` (programs/softliq/src/engine/params.rs) and
 * `RiskParams::static_default()` (programs/softliq/src/state/params.rs); and the
 * parameters in force, `engine::risk::effective` (programs/softliq/src/engine/risk.rs),
 * in `bigint` with the same checked arithmetic (`null` where Rust returns `None`).
 * test/params.test.ts checks the presets against those sources. The program validates
 * every parameter against its hard bounds at `initialize_market` / `update_params` /
 * `set_risk_params` (`engine::params::validate`, `engine::risk::validate`).
 */
import { BPS, U64_MAX } from './constants';
import type { MarketParams, RiskParams, RiskState } from './generated';

/** `MarketParams::default_soft()`: the soft-liquidation defaults. */
export function defaultSoftParams(): MarketParams {
    return {
        initMarginBps: 1_000n,
        targetMarginBps: 600n,
        maintMarginBps: 500n,
        liquidationPenaltyBps: 50n,
        lotBufferBps: 100n,
        closeFactorBps: 10_000n,
        keeperTipNative: 1_000_000n,
        keeperChipBps: 10n,
        keeperPayCapNative: 100_000_000n,
        maxPositionsPerCrank: 64n,
        liqRampSlots: 10n,
        maxLiqNotionalPerSlot: 250_000_000_000n,
        maxLotCollateralNative: 0n,
        auctionStartBufferBps: 10_200n,
        auctionCurve: 1n, // CURVE_STEP_EXP
        auctionTauSlots: 600n,
        auctionStepSlots: 2n,
        auctionCutBps: 9_950n,
        auctionTailSlots: 300n,
        auctionCuspBps: 6_000n,
        auctionMaxResets: 10n,
        auctionResetTipNative: 100_000n,
        dustNative: 1_000_000n,
        maxOracleAgeSlots: 50n,
        maxOracleAgeSecs: 60n,
        maxConfBps: 200n,
        maxDeviationBps: 1_000n,
        borrowRateBaseBps: 100n,
        borrowRateSlope1Bps: 900n,
        borrowRateSlope2Bps: 10_000n,
        borrowRateKinkBps: 8_000n,
        insuranceWithdrawCooldownSlots: 216_000n,
        auctionHoldSlots: 0n, // off; the soft rule sets it to the tail (docs/auction-hold.md)
    };
}

/** `MarketParams::hard()`: close all debt at once, no ramp, no budget, a fixed 5% discount (penalty 1% + buffer 4%). */
export function hardParams(): MarketParams {
    return {
        ...defaultSoftParams(),
        targetMarginBps: 10_000n, // TARGET_CLOSE_ALL
        liquidationPenaltyBps: 100n,
        lotBufferBps: 400n,
        liqRampSlots: 0n,
        maxLiqNotionalPerSlot: 0n,
        auctionStartBufferBps: 9_500n,
        auctionCurve: 0n, // CURVE_LINEAR
        auctionTauSlots: 1_000_000n,
    };
}

/**
 * `RiskParams::static_default()`: static margins (no volatility add-on, cap 0), no depth
 * budget; the creation safety rule assumes a 0.5% move per slot and a crank at least every
 * 8 slots (50 × 8 + penalty must fit in the maintenance margin: it does for both presets).
 * `getCreateMarketInstructions` uses it when no `risk` is given.
 */
export function staticDefaultRiskParams(): RiskParams {
    return {
        volEnabled: 0n,
        volHalfLifeSlots: 150n,
        volMaxMoveBps: 500n,
        volHorizonSlots: 150n,
        volKBps: 20_000n,
        marginAddonCapBps: 0n,
        marginStepBps: 1n,
        depthNative: 0n,
        budgetDepthBps: 0n,
        budgetFloorBps: 10_000n,
        maxPriceMoveBps: 50n,
        maxCrankGapSlots: 8n,
        budgetGrowthBps: 0n,
        budgetCapBps: 10_000n,
        urgentGapBps: 0n,
        urgentBudgetBps: 0n,
    };
}

// ---- The parameters in force (engine/risk.rs `effective`) ----

const TARGET_CLOSE_ALL = BPS; // engine::params::TARGET_CLOSE_ALL

/** `u64::checked_add`. */
function addU64(a: bigint, b: bigint): bigint | null {
    const v = a + b;
    return v > U64_MAX ? null : v;
}

/** `u64::checked_sub`. */
function subU64(a: bigint, b: bigint): bigint | null {
    return b > a ? null : a - b;
}

type MarginField = 'initMarginBps' | 'maintMarginBps' | 'targetMarginBps';

/** The three margins in force. */
export type EffectiveMargins = Pick<MarketParams, MarginField>;

/**
 * The margins of `engine::risk::effective`: initial = base + `addon_bps`; maintenance =
 * base + `maint_addon_bps`; target = base + `maint_addon_bps`, except a close-all target
 * (10,000, hard mode) which stays. `null` on u64 overflow (the program's `MathOverflow`).
 */
export function effectiveMargins(
    params: Pick<MarketParams, MarginField>,
    riskState: Pick<RiskState, 'addonBps' | 'maintAddonBps'>,
): EffectiveMargins | null {
    const initMarginBps = addU64(params.initMarginBps, riskState.addonBps);
    const maintMarginBps = addU64(params.maintMarginBps, riskState.maintAddonBps);
    const targetMarginBps =
        params.targetMarginBps === TARGET_CLOSE_ALL ? params.targetMarginBps : addU64(params.targetMarginBps, riskState.maintAddonBps);
    if (initMarginBps === null || maintMarginBps === null || targetMarginBps === null) return null;
    return { initMarginBps, maintMarginBps, targetMarginBps };
}

/**
 * `engine::risk::effective`: `params` with the margins of `effectiveMargins` and, when
 * `budgetDepthBps > 0`, the per-slot liquidation budget from the market depth:
 *
 *   full   = floor(depth_native · budget_depth_bps / 10_000)
 *   kept   = 10_000 − floor((10_000 − budget_floor_bps) · min(addon, cap) / cap)   (10_000 if cap = 0)
 *   budget = max(1, floor(full · kept / 10_000))   (never 0, which would mean unlimited)
 *
 * Every other field is copied. `null` where Rust returns `None` (u64 overflow of a margin,
 * `budget_floor_bps > 10_000`).
 */
export function effectiveParams<P extends Pick<MarketParams, MarginField | 'maxLiqNotionalPerSlot'>>(
    params: P,
    risk: Pick<RiskParams, 'depthNative' | 'budgetDepthBps' | 'budgetFloorBps' | 'marginAddonCapBps'>,
    riskState: Pick<RiskState, 'addonBps' | 'maintAddonBps'>,
): P | null {
    const margins = effectiveMargins(params, riskState);
    if (margins === null) return null;
    const e: P = { ...params, ...margins };
    if (risk.budgetDepthBps > 0n) {
        const full = (risk.depthNative * risk.budgetDepthBps) / BPS;
        let keptBps: bigint;
        if (risk.marginAddonCapBps === 0n) {
            keptBps = BPS;
        } else {
            const shrinkable = subU64(BPS, risk.budgetFloorBps);
            if (shrinkable === null) return null;
            const addon = riskState.addonBps < risk.marginAddonCapBps ? riskState.addonBps : risk.marginAddonCapBps;
            const lost = (shrinkable * addon) / risk.marginAddonCapBps;
            const kept = subU64(BPS, lost);
            if (kept === null) return null;
            keptBps = kept;
        }
        const budget = (full * keptBps) / BPS;
        if (budget > U64_MAX) return null;
        e.maxLiqNotionalPerSlot = budget > 1n ? budget : 1n;
    }
    return e;
}
