// Parameter presets (src/params.ts) against MarketParams::default_soft() / hard() and
// RiskParams::static_default() in Rust; effectiveParams / effectiveMargins against
// engine/risk.rs `effective` (values worked by hand from the Rust code, and the Rust
// unit test `effective_margins_and_depth_budget`).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { defaultSoftParams, effectiveMargins, effectiveParams, hardParams, staticDefaultRiskParams } from '../src/params';
import { MARKET_PARAMS, RISK_PARAMS } from '../src/layout';
import type { RiskParams, RiskState } from '../src/generated';
import * as client from '../src/index';
import { camel } from './fixture-check';
import { constructorFields, evalIntExpr, evalRustValue, rustConst } from './rust-sources';

const BPS = rustConst('math/mod.rs', 'BPS');
const known: Record<string, bigint> = {
    BPS,
    MAX_POSITIONS_PER_CRANK: rustConst('engine/params.rs', 'MAX_POSITIONS_PER_CRANK'),
    TARGET_CLOSE_ALL: BPS,
    CURVE_LINEAR: rustConst('engine/auction/mod.rs', 'CURVE_LINEAR'),
    CURVE_STEP_EXP: rustConst('engine/auction/mod.rs', 'CURVE_STEP_EXP'),
};

function rustPreset(fnName: string): Record<string, bigint> {
    const { fields, base } = constructorFields('engine/params.rs', fnName);
    const out: Record<string, bigint> = base ? rustPreset(base) : {};
    for (const [k, v] of Object.entries(fields)) out[camel(k)] = evalIntExpr(v, known);
    return out;
}

test('defaultSoftParams() equals MarketParams::default_soft()', () => {
    const rust = rustPreset('default_soft');
    assert.deepStrictEqual(Object.keys(rust).sort(), MARKET_PARAMS.fields.map(f => f.name).sort(), 'every field set');
    assert.deepStrictEqual(defaultSoftParams(), rust);
});

test('hardParams() equals MarketParams::hard()', () => {
    assert.deepStrictEqual(hardParams(), rustPreset('hard'));
});

test('staticDefaultRiskParams() equals RiskParams::static_default()', () => {
    const { fields, base } = constructorFields('state/params.rs', 'static_default');
    assert.equal(base, undefined);
    const rust = Object.fromEntries(Object.entries(fields).map(([k, v]) => [camel(k), evalRustValue(v, known)]));
    assert.deepStrictEqual(Object.keys(rust).sort(), RISK_PARAMS.fields.map(f => f.name).sort(), 'every field set');
    assert.deepStrictEqual(staticDefaultRiskParams(), rust);
    // Both presets pass the creation safety rule with it: move × gap + penalty ≤ maintenance.
    const r = staticDefaultRiskParams();
    for (const p of [defaultSoftParams(), hardParams()]) {
        assert.ok(r.maxPriceMoveBps * r.maxCrankGapSlots + p.liquidationPenaltyBps <= p.maintMarginBps);
    }
});

describe('effectiveParams (engine/risk.rs `effective`)', () => {
    const U64_MAX = (1n << 64n) - 1n;
    const state = (addonBps: bigint, maintAddonBps: bigint): RiskState => ({
        lastPrice: 0n,
        lastSlot: 0n,
        variancePpb2: 0n,
        sigmaHorizonBps: 0n,
        addonBps,
        maintAddonBps,
        updates: 0n,
        reserved: 0n,
    });
    // `dynamic()` of engine/risk/tests.rs.
    const dynamic = (): RiskParams => ({
        ...staticDefaultRiskParams(),
        volEnabled: 1n,
        volHalfLifeSlots: 100n,
        volMaxMoveBps: 500n,
        volHorizonSlots: 100n,
        volKBps: 20_000n,
        marginAddonCapBps: 1_000n,
        marginStepBps: 5n,
    });

    test('static default, no add-on: the parameters unchanged', () => {
        for (const p of [defaultSoftParams(), hardParams()]) {
            assert.deepStrictEqual(effectiveParams(p, staticDefaultRiskParams(), state(0n, 0n)), p);
        }
    });

    test('the Rust unit test: margins with add-ons, depth budget shrunk toward its floor', () => {
        const p = defaultSoftParams();
        const r = { ...dynamic(), depthNative: 20_000_000_000_000n, budgetDepthBps: 50n, budgetFloorBps: 4_000n };
        const s = state(500n, 400n);
        const e = effectiveParams(p, r, s)!;
        // init 1,000 + 500; maint 500 + 400; target 600 + 400.
        assert.deepStrictEqual([e.initMarginBps, e.maintMarginBps, e.targetMarginBps], [1_500n, 900n, 1_000n]);
        // full = 20e12 · 50 / 1e4 = 1e11; lost = 6,000 · 500 / 1,000 = 3,000; kept 7,000 -> 7e10.
        assert.equal(e.maxLiqNotionalPerSlot, 70_000_000_000n);
        // Every other field copied.
        assert.deepStrictEqual({ ...e, initMarginBps: 0n, maintMarginBps: 0n, targetMarginBps: 0n, maxLiqNotionalPerSlot: 0n }, {
            ...p,
            initMarginBps: 0n,
            maintMarginBps: 0n,
            targetMarginBps: 0n,
            maxLiqNotionalPerSlot: 0n,
        });
        // At the cap (and above it: min(addon, cap)): kept = floor 4,000 -> 4e10.
        assert.equal(effectiveParams(p, r, state(1_000n, 400n))!.maxLiqNotionalPerSlot, 40_000_000_000n);
        assert.equal(effectiveParams(p, r, state(1_700n, 400n))!.maxLiqNotionalPerSlot, 40_000_000_000n);
        // A tiny depth: full = 1 · 50 / 1e4 = 0, never 0 (= unlimited): 1.
        assert.equal(effectiveParams(p, { ...r, depthNative: 1n }, s)!.maxLiqNotionalPerSlot, 1n);
        // No depth budget: the static budget stays; hard mode's close-all target stays.
        const h = effectiveParams(hardParams(), dynamic(), s)!;
        assert.deepStrictEqual([h.initMarginBps, h.maintMarginBps, h.targetMarginBps, h.maxLiqNotionalPerSlot], [1_500n, 900n, 10_000n, 0n]);
    });

    test('rounding: every division floors', () => {
        const p = defaultSoftParams();
        const r = { ...dynamic(), marginAddonCapBps: 300n, depthNative: 1_234_567_891n, budgetDepthBps: 13n, budgetFloorBps: 2_501n };
        // full = floor(16,049,382,583 / 1e4) = 1,604,938; lost = floor(7,499 · 7 / 300) = floor(174.97) = 174;
        // kept = 9,826; budget = floor(1,604,938 · 9,826 / 1e4) = floor(1,577,012.07) = 1,577,012.
        assert.equal(effectiveParams(p, r, state(7n, 0n))!.maxLiqNotionalPerSlot, 1_577_012n);
        // No add-on cap: nothing lost; budget = full = floor(3,333,333 · 7 / 1e4) = 2,333.
        const noCap = { ...r, marginAddonCapBps: 0n, depthNative: 3_333_333n, budgetDepthBps: 7n };
        assert.equal(effectiveParams(p, noCap, state(7n, 0n))!.maxLiqNotionalPerSlot, 2_333n);
        // Without a cap the floor is not read (Rust only subtracts it when cap > 0).
        assert.equal(effectiveParams(p, { ...noCap, budgetFloorBps: 10_001n }, state(7n, 0n))!.maxLiqNotionalPerSlot, 2_333n);
    });

    test('null where Rust returns None', () => {
        const p = defaultSoftParams();
        // u64 overflow of each margin.
        assert.equal(effectiveParams({ ...p, initMarginBps: U64_MAX }, dynamic(), state(1n, 0n)), null);
        assert.equal(effectiveParams({ ...p, maintMarginBps: U64_MAX }, dynamic(), state(0n, 1n)), null);
        assert.equal(effectiveParams({ ...p, targetMarginBps: U64_MAX }, dynamic(), state(0n, 1n)), null);
        assert.notEqual(effectiveParams({ ...p, initMarginBps: U64_MAX - 1n }, dynamic(), state(1n, 0n)), null);
        // BPS.checked_sub(budget_floor_bps) with a depth budget and a cap.
        const r = { ...dynamic(), depthNative: 1_000_000n, budgetDepthBps: 10n, budgetFloorBps: 10_001n };
        assert.equal(effectiveParams(p, r, state(0n, 0n)), null);
        // …not read without a depth budget.
        assert.notEqual(effectiveParams(p, { ...r, budgetDepthBps: 0n }, state(0n, 0n)), null);
    });

    test('effectiveMargins: the margins of effectiveParams', () => {
        assert.deepStrictEqual(effectiveMargins(defaultSoftParams(), state(250n, 120n)), {
            initMarginBps: 1_250n,
            maintMarginBps: 620n,
            targetMarginBps: 720n,
        });
        assert.deepStrictEqual(effectiveMargins(hardParams(), state(250n, 120n)), {
            initMarginBps: 1_250n,
            maintMarginBps: 620n,
            targetMarginBps: 10_000n,
        });
        assert.equal(effectiveMargins({ ...defaultSoftParams(), initMarginBps: U64_MAX }, state(1n, 0n)), null);
    });
});

test('the public entry point exports the dynamic-risk helpers and layouts', () => {
    for (const name of ['staticDefaultRiskParams', 'effectiveParams', 'effectiveMargins', 'getSetRiskParamsInstruction', 'getRefreshRiskInstruction']) {
        assert.equal(typeof (client as Record<string, unknown>)[name], 'function', name);
    }
    assert.equal(client.RISK_PARAMS.size, 128);
    assert.equal(client.RISK_STATE.size, 64);
    assert.equal(client.MARKET_RISK_STATE_OFFSET, 872);
});
