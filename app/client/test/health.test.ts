// health.ts against the program's own examples and properties (engine/health.rs tests).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
    accrueIndex,
    indexCeiling,
    MAX_BORROW_INDEX,
    BORROW_INDEX_SCALE,
    borrowIndexAt,
    borrowRateBps,
    BPS,
    conservativePrice,
    debtNative,
    health,
    isLiquidatable,
    mulDiv,
    positionHealth,
    PRICE_SCALE,
    SLOTS_PER_YEAR,
    utilizationBps,
    weightedValue,
} from '../src/health';
import { decodeMarketAccount } from '../src/decode';
import { defaultSoftParams, hardParams, staticDefaultRiskParams } from '../src/params';
import { marketBytes, randomMarketArgs, Rng } from './synthetic';

const U64_MAX = (1n << 64n) - 1n;

describe('health (engine/health.rs)', () => {
    test("the Rust worked example: 10 SOL at 100 USDC, maint 5%", () => {
        const price = 100_000_000_000n;
        const c = 10_000_000_000n;
        assert.equal(weightedValue(c, price, 500n), 950_000_000n);
        assert.equal(health(c, 900_000_000n, price, 500n), 50_000_000n);
        assert.equal(isLiquidatable(c, 951_000_000n, price, 500n), true);
        assert.equal(isLiquidatable(c, 0n, 1n, 500n), false);
    });

    test('rounding: collateral value down (twice), debt up', () => {
        // C·P/1e12 = 0.999… -> 0
        assert.equal(weightedValue(1n, PRICE_SCALE - 1n, 0n), 0n);
        // floor(floor(3·1e12/1e12)·(10_000 − 3_333)/10_000) = floor(3·6_667/10_000) = 2
        assert.equal(weightedValue(3n, PRICE_SCALE, 3_333n), 2n);
        // ceil(1 share · 1.000…001) = 2
        assert.equal(debtNative(1n, BORROW_INDEX_SCALE + 1n), 2n);
        assert.equal(debtNative(10n, BORROW_INDEX_SCALE), 10n);
        assert.equal(debtNative(0n, 5n * BORROW_INDEX_SCALE), 0n);
    });

    test('None where Rust returns None: u64 overflow, margin above 100%', () => {
        assert.equal(debtNative(U64_MAX, 2n * BORROW_INDEX_SCALE), null);
        assert.equal(mulDiv(1n, 1n, 0n, 'down'), null);
        assert.equal(weightedValue(1n, 1n, BPS + 1n), null);
        assert.equal(health(1n, 1n, 1n, BPS + 1n), null);
        // No overflow at the extremes of u64 inputs (u128 intermediate).
        assert.equal(health(U64_MAX, U64_MAX, U64_MAX, 0n), (U64_MAX * U64_MAX) / PRICE_SCALE - U64_MAX);
    });

    test('never overstated and monotone (the Rust property tests, 2,000 cases)', () => {
        const rng = new Rng(7);
        for (let i = 0; i < 2_000; i++) {
            const c = rng.u64() >> 24n;
            const p = (rng.u64() >> 24n) + 1n;
            const d = rng.value();
            const m = rng.u64() % (BPS + 1n);
            const h = health(c, d, p, m)!;
            const exact = c * p * (BPS - m);
            assert.ok((h + d) * PRICE_SCALE * BPS <= exact);
            assert.ok(health(c + 1n, d, p, m)! >= h);
            assert.ok(health(c, d, p + 1n, m)! >= h);
            assert.equal(isLiquidatable(c, d, p, m), d > 0n && h < 0n);
        }
    });

    test('positionHealth: the three margins, debt at the index', () => {
        const params = defaultSoftParams();
        const market = { borrowIndex: 1_100_000_000_000_000n, params };
        // 900 USDC of shares at index 1.1 -> 990 USDC debt; 10 SOL at 100 USDC.
        const h = positionHealth({ collateralNative: 10_000_000_000n, debtShares: 900_000_000n }, market, 100_000_000_000n)!;
        assert.deepStrictEqual(h, {
            debtNative: 990_000_000n,
            healthInit: 900_000_000n - 990_000_000n,
            healthMaint: 950_000_000n - 990_000_000n,
            healthTarget: 940_000_000n - 990_000_000n,
            liquidatable: true,
        });
        assert.equal(conservativePrice(100n, 90n, 5n), 85n);
        assert.equal(conservativePrice(100n, 90n, 95n), 0n);
    });
});

describe('health with the margins in force (engine/risk.rs `effective`)', () => {
    const position = { collateralNative: 10_000_000_000n, debtShares: 900_000_000n };
    const price = 100_000_000_000n; // 10 SOL at 100 USDC = 1,000 USDC; debt 900 USDC at index 1
    const riskState = { addonBps: 500n, maintAddonBps: 400n };

    test('a riskState adds its add-ons: init + addon, maint and target + maint_addon', () => {
        const base = { borrowIndex: BORROW_INDEX_SCALE, params: defaultSoftParams() };
        // Base margins 10% / 5% / 6%.
        assert.deepStrictEqual(positionHealth(position, base, price), {
            debtNative: 900_000_000n,
            healthInit: 0n,
            healthMaint: 50_000_000n,
            healthTarget: 40_000_000n,
            liquidatable: false,
        });
        // 15% / 9% / 10%.
        assert.deepStrictEqual(positionHealth(position, { ...base, riskState }, price), {
            debtNative: 900_000_000n,
            healthInit: 850_000_000n - 900_000_000n,
            healthMaint: 910_000_000n - 900_000_000n,
            healthTarget: 0n,
            liquidatable: false,
        });
        // A maintenance add-on of 600 (11%): 890 < 900, liquidatable.
        assert.equal(positionHealth(position, { ...base, riskState: { addonBps: 600n, maintAddonBps: 600n } }, price)!.liquidatable, true);
        // Hard mode: the close-all target stays at 100%.
        const hard = positionHealth(position, { ...base, params: hardParams(), riskState }, price)!;
        assert.equal(hard.healthTarget, -900_000_000n);
        // A margin add-on that overflows u64: MathOverflow in the program, null here.
        assert.equal(positionHealth(position, { ...base, riskState: { addonBps: (1n << 64n) - 1n, maintAddonBps: 0n } }, price), null);
    });

    test('a decoded Market uses its stored risk state', () => {
        const args = {
            ...randomMarketArgs(new Rng(60)),
            params: defaultSoftParams(),
            borrowIndex: BORROW_INDEX_SCALE,
            risk: { ...staticDefaultRiskParams(), volEnabled: 1n, marginAddonCapBps: 1_000n },
            riskState: { lastPrice: 0n, lastSlot: 0n, variancePpb2: 0n, sigmaHorizonBps: 0n, updates: 0n, reserved: 0n, ...riskState },
        };
        const market = decodeMarketAccount(marketBytes(args));
        assert.deepStrictEqual(
            positionHealth(position, market, price),
            positionHealth(position, { borrowIndex: BORROW_INDEX_SCALE, params: { initMarginBps: 1_500n, maintMarginBps: 900n, targetMarginBps: 1_000n } }, price),
        );
    });
});

describe('interest (engine/interest.rs)', () => {
    const p = defaultSoftParams();

    test('utilisation and the two-slope rate', () => {
        assert.equal(utilizationBps(0n, 0n), 0n);
        assert.equal(utilizationBps(1n, 2n), 3_333n);
        assert.equal(borrowRateBps(p, 0n), 100n);
        // At the kink: base + slope1.
        assert.equal(borrowRateBps(p, 8_000n), 1_000n);
        // 4_000 / 8_000 of slope1 = 450 -> 550.
        assert.equal(borrowRateBps(p, 4_000n), 550n);
        // Full: base + slope1 + slope2.
        assert.equal(borrowRateBps(p, 10_000n), 11_000n);
        // Rounded up: 900·1/8000 = 0.1125 -> 1.
        assert.equal(borrowRateBps(p, 1n), 101n);
    });

    test('accrue_index: simple interest, rounded up', () => {
        // 10% a year for a year: index × 1.1.
        assert.equal(accrueIndex(BORROW_INDEX_SCALE, 1_000n, SLOTS_PER_YEAR), 1_100_000_000_000_000n);
        // One slot at 1%: growth = ceil(1e15 · 100 / (1e4 · 78_840_000)) = ceil(126_839.17…) = 126_840.
        assert.equal(accrueIndex(BORROW_INDEX_SCALE, 100n, 1n), BORROW_INDEX_SCALE + 126_840n);
        // Saturating as `interest::accrue_index`: never above the ceiling (default
        // MAX_BORROW_INDEX = 10,000×), never below the index, never failing.
        assert.equal(accrueIndex(BORROW_INDEX_SCALE, U64_MAX, U64_MAX), MAX_BORROW_INDEX);
        assert.equal(accrueIndex(BORROW_INDEX_SCALE, 1_000n, SLOTS_PER_YEAR, BORROW_INDEX_SCALE + 5n), BORROW_INDEX_SCALE + 5n);
        assert.equal(accrueIndex(U64_MAX, 10_000n, SLOTS_PER_YEAR), U64_MAX);
    });

    test('index_ceiling: the pool\'s claims stay within u64::MAX / 4', () => {
        assert.equal(indexCeiling(0n, 5n, 5n), MAX_BORROW_INDEX);
        // Room (u64::MAX/4 − cash − lots) spread over the shares, rounded down.
        const room = U64_MAX / 4n - 1_000n - 2_000n;
        assert.equal(indexCeiling(U64_MAX, 1_000n, 2_000n), (room * BORROW_INDEX_SCALE) / U64_MAX);
        assert.equal(indexCeiling(1n, 0n, 0n), MAX_BORROW_INDEX, 'capped at 10,000×');
        assert.equal(indexCeiling(1n, U64_MAX, 0n), 0n, 'no room');
    });

    test('borrowIndexAt: unchanged without elapsed slots, else accrued at the utilisation rate', () => {
        const market = {
            borrowIndex: BORROW_INDEX_SCALE,
            lastAccrualSlot: 1_000n,
            totalDebtShares: 800_000_000n,
            poolCashNative: 200_000_000n,
            lotDebtOutstandingNative: 0n,
            params: p,
        };
        assert.equal(borrowIndexAt(market, 1_000n), BORROW_INDEX_SCALE);
        assert.equal(borrowIndexAt(market, 999n), BORROW_INDEX_SCALE);
        // Utilisation 80% -> 1_000 bps a year; 78_840 slots = 1/1000 year -> ×1.0001.
        assert.equal(borrowIndexAt(market, 1_000n + 78_840n), 1_000_100_000_000_000n);
    });
});
