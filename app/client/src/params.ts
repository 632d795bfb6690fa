/**
 * Market parameter presets, copied from `MarketParams::default_soft()` and
 * `MarketParams::hard()` (programs/softliq/src/engine/params.rs). test/params.test.ts
 * checks them against that source. The program validates every parameter against its
 * hard bounds at `initialize_market` / `update_params`.
 */
import type { MarketParams } from './generated';

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
