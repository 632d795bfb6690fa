// Soft-liquidation sizing (src/liquidation.ts) against the Rust engine: every case of
// test/fixtures/liquidation.json (written from `engine::liquidation::plan`) must match exactly,
// and the worked examples of programs/softliq/src/engine/liquidation/tests.rs hold with their
// exact figures (so this test means something even without the fixture).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { BORROW_INDEX_SCALE, BPS, health } from '../src/health';
import { POSITION_IN_EPISODE } from '../src/layout';
import {
    Bound,
    SLACK_BASE_NATIVE,
    creditBps,
    liqInputForPosition,
    liqParamsForCrank,
    liqParamsFromMarket,
    planLiquidation,
    rampFractionBps,
    roundingSlackNative,
    softLiquidationPreview,
    type LiqInput,
    type LiqParams,
    type LiqPlan,
    type LiqResult,
} from '../src/liquidation';
import { defaultSoftParams, hardParams, staticDefaultRiskParams } from '../src/params';

const U64_MAX = (1n << 64n) - 1n;

// ---------------------------------------------------------------- fixture

interface FixtureCase {
    params: Record<string, string>;
    input: Record<string, string | boolean | null>;
    result: Record<string, string | boolean | number>;
}

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'liquidation.json');

const str = (v: unknown, field: string): string => {
    if (typeof v !== 'string') throw new Error(`fixture field ${field} is not a decimal string: ${JSON.stringify(v)}`);
    return v;
};
const u64 = (o: Record<string, unknown>, field: string) => BigInt(str(o[field], field));
const optU64 = (o: Record<string, unknown>, field: string) => (o[field] === null ? null : u64(o, field));

function paramsOf(p: Record<string, string>): LiqParams {
    return {
        maintMarginBps: u64(p, 'maint_margin_bps'),
        targetMarginBps: u64(p, 'target_margin_bps'),
        liquidationPenaltyBps: u64(p, 'liquidation_penalty_bps'),
        lotBufferBps: u64(p, 'lot_buffer_bps'),
        closeFactorBps: u64(p, 'close_factor_bps'),
        liqRampSlots: u64(p, 'liq_ramp_slots'),
        urgentGapBps: u64(p, 'urgent_gap_bps'),
    };
}

function inputOf(i: Record<string, string | boolean | null>): LiqInput {
    if (typeof i.in_episode !== 'boolean') throw new Error(`fixture field in_episode is not a bool`);
    return {
        collateralNative: u64(i, 'collateral_native'),
        debtNative: u64(i, 'debt_native'),
        price: u64(i, 'price'),
        episodeSlots: u64(i, 'episode_slots'),
        episodeStartCollateralNative: u64(i, 'episode_start_collateral_native'),
        episodeSeizedCollateralNative: u64(i, 'episode_seized_collateral_native'),
        budgetRemainingNotional: optU64(i, 'budget_remaining_notional'),
        urgentRemainingNotional: u64(i, 'urgent_remaining_notional'),
        holeRemainingCollateral: optU64(i, 'hole_remaining_collateral'),
        slackNative: u64(i, 'slack_native'),
        inEpisode: i.in_episode,
        minNotional: u64(i, 'min_notional'),
    };
}

/** The fixture's result in the port's encoding. */
function resultOf(r: Record<string, string | boolean | number>): LiqResult {
    switch (r.kind) {
        case 'plan': {
            const bool = (f: string) => {
                if (typeof r[f] !== 'boolean') throw new Error(`fixture field ${f} is not a bool`);
                return r[f] as boolean;
            };
            return {
                kind: 'plan',
                seizeCollateralNative: u64(r, 'seize_collateral_native'),
                debtMovedNative: u64(r, 'debt_moved_native'),
                penaltyNative: u64(r, 'penalty_native'),
                seizedNotionalNative: u64(r, 'seized_notional_native'),
                neededCollateralNative: u64(r, 'needed_collateral_native'),
                unrestorable: bool('unrestorable'),
                urgent: bool('urgent'),
                bound: r.bound as LiqPlan['bound'],
            };
        }
        case 'bounded':
            return { kind: 'bounded', bound: r.bound as LiqPlan['bound'] };
        case 'healthy':
        case 'math_error':
        case 'bad_params':
            return { kind: r.kind };
        default:
            throw new Error(`unknown result kind ${JSON.stringify(r.kind)}`);
    }
}

/** Fields where `got` and `want` differ (`kind` first). */
function diff(got: LiqResult, want: LiqResult): string[] {
    const keys = new Set([...Object.keys(want), ...Object.keys(got)]);
    const out: string[] = [];
    for (const k of ['kind', ...[...keys].filter(k => k !== 'kind')]) {
        const g = (got as Record<string, unknown>)[k];
        const w = (want as Record<string, unknown>)[k];
        if (g !== w) out.push(`${k}: got ${String(g)}, want ${String(w)}`);
    }
    return out;
}

describe('planLiquidation = engine::liquidation::plan (fixtures/liquidation.json)', () => {
    test('every case of the fixture matches the Rust engine exactly', () => {
        assert.ok(
            existsSync(FIXTURE),
            `fixture ${path.relative(process.cwd(), FIXTURE)} is missing: it is written from the Rust engine ` +
                '(engine::liquidation::plan); without it the port is not checked against Rust',
        );
        const cases: FixtureCase[] = JSON.parse(readFileSync(FIXTURE, 'utf8')).cases;
        assert.ok(Array.isArray(cases) && cases.length >= 120, `expected at least 120 cases, got ${cases?.length}`);
        const mismatches: string[] = [];
        const kinds = new Map<string, number>();
        for (const [i, c] of cases.entries()) {
            const want = resultOf(c.result);
            kinds.set(want.kind, (kinds.get(want.kind) ?? 0) + 1);
            let got: LiqResult;
            try {
                got = planLiquidation(paramsOf(c.params), inputOf(c.input));
            } catch (e) {
                mismatches.push(`case ${i}: threw ${String(e)}\n  params ${JSON.stringify(c.params)}\n  input ${JSON.stringify(c.input)}`);
                continue;
            }
            const d = diff(got, want);
            if (d.length > 0) {
                mismatches.push(
                    `case ${i}: ${d.join('; ')}\n  params ${JSON.stringify(c.params)}\n  input ${JSON.stringify(c.input)}\n  want ${JSON.stringify(c.result)}`,
                );
            }
        }
        assert.equal(mismatches.length, 0, `${mismatches.length} of ${cases.length} cases differ; first:\n${mismatches[0]}`);
        assert.ok((kinds.get('plan') ?? 0) > 0, `no 'plan' case in the fixture: ${JSON.stringify([...kinds])}`);
    });
});

// ---------------------------------------------------------------- worked examples

/** 10 SOL (9 decimals). */
const TEN_SOL = 10_000_000_000n;
/** 100 USDC/SOL: 100e6 quote native per 1e9 base native, × 1e12. */
const PRICE_100 = 100_000_000_000n;
/** The crank's slack at borrow index 1.0. */
const CRANK_SLACK = 4n;

const soft = (): LiqParams => liqParamsFromMarket(defaultSoftParams());

/** A position at the start of a new episode, no budget or hole, the crank's slack (tests.rs `fresh`). */
const fresh = (c: bigint, d: bigint, price: bigint): LiqInput => ({
    collateralNative: c,
    debtNative: d,
    price,
    episodeSlots: 0n,
    episodeStartCollateralNative: c,
    episodeSeizedCollateralNative: 0n,
    budgetRemainingNotional: null,
    urgentRemainingNotional: 0n,
    holeRemainingCollateral: null,
    slackNative: CRANK_SLACK,
    inEpisode: false,
    minNotional: 0n,
});

/** Once the ramp has fully opened, in an episode that has seized nothing yet (tests.rs `ramped`). */
const ramped = (p: LiqParams, c: bigint, d: bigint, price: bigint): LiqInput => ({
    ...fresh(c, d, price),
    episodeSlots: p.liqRampSlots,
    inEpisode: true,
});

function planOk(p: LiqParams, s: LiqInput): LiqPlan {
    const r = planLiquidation(p, s);
    assert.equal(r.kind, 'plan', `expected a plan, got ${JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? `${v}` : v))}`);
    return r as LiqPlan;
}

const targetHealthAfter = (p: LiqParams, s: LiqInput, step: LiqPlan) =>
    health(s.collateralNative - step.seizeCollateralNative, s.debtNative - step.debtMovedNative, s.price, p.targetMarginBps)!;

describe('planLiquidation: worked examples of engine/liquidation/tests.rs', () => {
    test('worked example restores exactly target', () => {
        const p = soft();
        const s = ramped(p, TEN_SOL, 951_000_000n, PRICE_100);
        assert.equal(health(s.collateralNative, s.debtNative, PRICE_100, p.maintMarginBps), -1_000_000n);
        const step = planOk(p, s);
        assert.deepEqual(step, {
            kind: 'plan',
            seizeCollateralNative: 2_444_445_334n,
            debtMovedNative: 240_777_865n,
            penaltyNative: 1_222_223n,
            seizedNotionalNative: 244_444_533n,
            neededCollateralNative: 2_444_445_334n,
            unrestorable: false,
            urgent: false,
            bound: Bound.Target,
        });
        assert.equal(s.collateralNative - step.seizeCollateralNative, 7_555_554_666n);
        assert.equal(s.debtNative - step.debtMovedNative, 710_222_135n);
        assert.equal(targetHealthAfter(p, s, step), 3n);
    });

    test("plan's rounding costs at most two units", () => {
        const p = soft();
        const s = { ...ramped(p, TEN_SOL, 951_000_000n, PRICE_100), slackNative: 0n };
        let step = planOk(p, s);
        assert.equal(step.seizeCollateralNative, 2_444_444_445n);
        assert.equal(targetHealthAfter(p, s, step), -2n);
        const s2 = { ...s, slackNative: 2n };
        step = planOk(p, s2);
        assert.equal(step.seizeCollateralNative, 2_444_444_889n);
        assert.equal(targetHealthAfter(p, s2, step), 0n);
    });

    test('healthy and debt-free positions are skipped', () => {
        const p = soft();
        for (const [c, d, price] of [
            [TEN_SOL, 950_000_000n, PRICE_100],
            [TEN_SOL, 500_000_000n, PRICE_100],
            [TEN_SOL, 0n, PRICE_100],
            [0n, 0n, PRICE_100],
            [TEN_SOL, 0n, 0n],
        ] as const) {
            assert.deepEqual(planLiquidation(p, fresh(c, d, price)), { kind: 'healthy' });
        }
        assert.equal(planLiquidation(p, ramped(p, TEN_SOL, 950_000_001n, PRICE_100)).kind, 'plan');
    });

    test('an unrestorable solvent position is seized whole', () => {
        const p = soft();
        assert.deepEqual(planOk(p, fresh(TEN_SOL, 985_000_000n, PRICE_100)), {
            kind: 'plan',
            seizeCollateralNative: TEN_SOL,
            debtMovedNative: 985_000_000n,
            penaltyNative: 5_000_000n,
            seizedNotionalNative: 1_000_000_000n,
            neededCollateralNative: TEN_SOL,
            unrestorable: true,
            urgent: false,
            bound: Bound.Whole,
        });
        let step = planOk(p, ramped(p, TEN_SOL, 984_999_999n, PRICE_100));
        assert.equal(step.unrestorable, false);
        assert.equal(step.bound, Bound.Target);
        assert.deepEqual([step.seizeCollateralNative, step.debtMovedNative], [TEN_SOL, 984_999_999n]);
        step = planOk(p, ramped(p, TEN_SOL, 984_000_000n, PRICE_100));
        assert.equal(step.bound, Bound.Target);
        assert.ok(step.seizeCollateralNative < TEN_SOL);
    });

    test('an underwater position is seized whole with all its debt', () => {
        const p = soft();
        for (const d of [1_000_000_000n, 1_000_000_001n, 1_200_000_000n, U64_MAX]) {
            const step = planOk(p, fresh(TEN_SOL, d, PRICE_100));
            assert.equal(step.bound, Bound.Whole);
            assert.equal(step.unrestorable, true);
            assert.equal(step.seizeCollateralNative, TEN_SOL);
            assert.equal(step.debtMovedNative, d);
            assert.equal(step.seizedNotionalNative, 1_000_000_000n);
            assert.equal(step.penaltyNative, 5_000_000n);
        }
        const step = planOk(p, fresh(TEN_SOL, 1n, 0n));
        assert.deepEqual([step.seizeCollateralNative, step.debtMovedNative, step.bound], [TEN_SOL, 1n, Bound.Whole]);
        assert.deepEqual(planLiquidation(p, fresh(0n, 5n, PRICE_100)), { kind: 'bounded', bound: Bound.Whole });
    });

    test('an underwater bounded step moves debt pro rata', () => {
        const p = soft();
        let step = planOk(p, { ...fresh(TEN_SOL, 1_200_000_000n, PRICE_100), budgetRemainingNotional: 100_000_000n });
        assert.equal(step.bound, Bound.Budget);
        assert.equal(step.unrestorable, true);
        assert.equal(step.seizeCollateralNative, 1_000_000_000n);
        assert.equal(step.debtMovedNative, 120_000_000n);
        assert.equal(step.neededCollateralNative, TEN_SOL);
        step = planOk({ ...p, closeFactorBps: 2_500n }, fresh(TEN_SOL, 1_200_000_000n, PRICE_100));
        assert.deepEqual([step.seizeCollateralNative, step.debtMovedNative, step.bound], [2_500_000_000n, 300_000_000n, Bound.CloseFactor]);
    });

    test('the ramp fraction grows with the episode', () => {
        assert.equal(rampFractionBps(0n, 0n), BPS);
        assert.equal(rampFractionBps(10n, 0n), 1_000n);
        assert.equal(rampFractionBps(10n, 1n), 2_000n);
        assert.equal(rampFractionBps(10n, 8n), 9_000n);
        assert.equal(rampFractionBps(10n, 9n), BPS);
        assert.equal(rampFractionBps(10n, U64_MAX), BPS);
        assert.equal(rampFractionBps(3n, 0n), 3_333n);
        assert.equal(rampFractionBps(U64_MAX, 0n), 0n);
        assert.equal(rampFractionBps(U64_MAX, U64_MAX), BPS);
    });

    test('the ramp bounds the first steps of an episode', () => {
        const p = soft();
        const s = fresh(TEN_SOL, 951_000_000n, PRICE_100);
        const step = planOk(p, s);
        assert.equal(step.bound, Bound.Ramp);
        assert.equal(step.seizeCollateralNative, 1_000_000_000n);
        assert.equal(step.neededCollateralNative, 2_444_445_334n);
        assert.equal(step.debtMovedNative, 98_500_000n);
        const s2: LiqInput = {
            ...s,
            collateralNative: 9_000_000_000n,
            debtNative: 860_000_000n,
            episodeSlots: 1n,
            episodeStartCollateralNative: TEN_SOL,
            episodeSeizedCollateralNative: 1_000_000_000n,
            inEpisode: true,
        };
        const step2 = planOk(p, s2);
        assert.deepEqual([step2.seizeCollateralNative, step2.bound], [1_000_000_000n, Bound.Ramp]);
        const s3 = { ...s2, episodeSeizedCollateralNative: 2_000_000_000n };
        assert.deepEqual(planLiquidation(p, s3), { kind: 'bounded', bound: Bound.Ramp });
        assert.equal(planOk(p, { ...s3, episodeSlots: 9n }).bound, Bound.Target);
    });

    test('an episode continues to target, then ends', () => {
        const p = soft();
        assert.deepEqual(planLiquidation(p, fresh(TEN_SOL, 945_000_000n, PRICE_100)), { kind: 'healthy' });
        const s = ramped(p, TEN_SOL, 945_000_000n, PRICE_100);
        const step = planOk(p, s);
        assert.deepEqual([step.seizeCollateralNative, step.bound], [1_111_112_000n, Bound.Target]);
        assert.ok(targetHealthAfter(p, s, step) >= 0n);
        assert.deepEqual(planLiquidation(p, ramped(p, TEN_SOL, 940_000_000n, PRICE_100)), { kind: 'healthy' });
        assert.equal(planLiquidation(p, ramped(p, TEN_SOL, 940_000_001n, PRICE_100)).kind, 'plan');
    });

    test('bounded steps below the dust floor are skipped', () => {
        const p = soft();
        const s = { ...ramped(p, TEN_SOL, 951_000_000n, PRICE_100), budgetRemainingNotional: 100_000_000n, minNotional: 100_000_001n };
        assert.deepEqual(planLiquidation(p, s), { kind: 'bounded', bound: Bound.Budget });
        assert.equal(planOk(p, { ...s, minNotional: 100_000_000n }).seizedNotionalNative, 100_000_000n);
        const t = { ...ramped(p, TEN_SOL, 950_000_001n, PRICE_100), minNotional: 1_000_000_000n };
        const step = planOk(p, t);
        assert.equal(step.bound, Bound.Target);
        assert.ok(step.seizedNotionalNative < t.minNotional);
        assert.equal(planOk(p, { ...fresh(TEN_SOL, 1_200_000_000n, PRICE_100), minNotional: U64_MAX }).bound, Bound.Whole);
    });

    test('budget, hole and close factor stop at their caps; the tightest wins, ties keep the earlier', () => {
        const p = soft();
        const base = ramped(p, TEN_SOL, 951_000_000n, PRICE_100);
        let step = planOk(p, { ...base, budgetRemainingNotional: 100_000_000n });
        assert.deepEqual([step.seizeCollateralNative, step.bound, step.seizedNotionalNative], [1_000_000_000n, Bound.Budget, 100_000_000n]);
        assert.deepEqual(planLiquidation(p, { ...base, budgetRemainingNotional: 0n }), { kind: 'bounded', bound: Bound.Budget });
        assert.equal(planOk(p, { ...base, budgetRemainingNotional: 244_444_534n }).bound, Bound.Target);
        step = planOk(p, { ...base, holeRemainingCollateral: 500_000_000n });
        assert.deepEqual([step.seizeCollateralNative, step.bound], [500_000_000n, Bound.Hole]);
        assert.deepEqual(planLiquidation(p, { ...base, holeRemainingCollateral: 0n }), { kind: 'bounded', bound: Bound.Hole });
        step = planOk({ ...p, closeFactorBps: 2_000n }, base);
        assert.deepEqual([step.seizeCollateralNative, step.bound, step.debtMovedNative], [1_930_964_467n, Bound.CloseFactor, 190_199_999n]);
        const both = (hole: bigint) => planOk(p, { ...base, budgetRemainingNotional: 100_000_000n, holeRemainingCollateral: hole }).bound;
        assert.equal(both(700_000_000n), Bound.Hole);
        assert.equal(both(1_000_000_000n), Bound.Budget);
        step = planOk(p, { ...fresh(TEN_SOL, 951_000_000n, PRICE_100), budgetRemainingNotional: 100_000_000n });
        assert.deepEqual([step.seizeCollateralNative, step.bound], [1_000_000_000n, Bound.Ramp]);
    });

    test('hard mode seizes whole positions at once', () => {
        const p = liqParamsFromMarket(hardParams());
        for (let d = 950_000_001n; d <= 1_100_000_000n; d += 9_973_331n) {
            const step = planOk(p, fresh(TEN_SOL, d, PRICE_100));
            assert.equal(step.bound, Bound.Whole, `debt ${d}`);
            assert.equal(step.seizeCollateralNative, TEN_SOL);
            assert.equal(step.debtMovedNative, d);
            assert.equal(step.penaltyNative, 10_000_000n);
        }
        const s = fresh(TEN_SOL, 951_000_000n, PRICE_100);
        const step = planOk({ ...p, lotBufferBps: 100n }, s);
        assert.equal(step.bound, Bound.Target);
        assert.equal(step.debtMovedNative, 951_000_000n);
        assert.ok(step.seizeCollateralNative < TEN_SOL);
    });

    test('invalid sizing parameters are refused; healthy positions are not even checked', () => {
        const p1 = { ...soft(), maintMarginBps: 700n, lotBufferBps: 550n };
        assert.deepEqual(planLiquidation(p1, ramped(p1, TEN_SOL, 935_000_000n, PRICE_100)), { kind: 'bad_params' });
        const p2 = { ...soft(), liquidationPenaltyBps: BPS, lotBufferBps: 1n };
        assert.deepEqual(planLiquidation(p2, fresh(TEN_SOL, 951_000_000n, PRICE_100)), { kind: 'bad_params' });
        assert.deepEqual(planLiquidation(p2, fresh(TEN_SOL, 1n, PRICE_100)), { kind: 'healthy' });
        assert.equal(creditBps(p2), null);
        assert.equal(creditBps(soft()), 9_850n);
        // A margin above 10,000: health is None, so Math (the maintenance check comes first).
        assert.deepEqual(planLiquidation({ ...soft(), maintMarginBps: BPS + 1n }, fresh(TEN_SOL, 1n, PRICE_100)), { kind: 'math_error' });
        // The target margin is only read inside an episode.
        const badTarget = { ...soft(), targetMarginBps: BPS + 1n };
        assert.deepEqual(planLiquidation(badTarget, fresh(TEN_SOL, 1n, PRICE_100)), { kind: 'healthy' });
        assert.deepEqual(planLiquidation(badTarget, { ...fresh(TEN_SOL, 1n, PRICE_100), inEpisode: true }), { kind: 'math_error' });
        assert.throws(() => planLiquidation(soft(), fresh(-1n, 0n, PRICE_100)), RangeError);
        assert.throws(() => planLiquidation(soft(), fresh(U64_MAX + 1n, 0n, PRICE_100)), RangeError);
    });

    test('urgent positions skip the ramp and may use the urgent allowance', () => {
        // 10 SOL worth 1000 USDC, 995 USDC of debt: LTV 99.5%, within a 1% gap of insolvency.
        const p = { ...soft(), urgentGapBps: 100n };
        const s = { ...fresh(TEN_SOL, 995_000_000n, PRICE_100), budgetRemainingNotional: 100_000_000n, urgentRemainingNotional: 50_000_000n };
        const step = planOk(p, s);
        assert.equal(step.urgent, true);
        assert.equal(step.unrestorable, true);
        assert.deepEqual([step.seizeCollateralNative, step.seizedNotionalNative, step.bound], [1_500_000_000n, 150_000_000n, Bound.Budget]);
        // Not urgent without the tier: the budget alone.
        const step2 = planOk(soft(), s);
        assert.deepEqual([step2.urgent, step2.seizedNotionalNative], [false, 100_000_000n]);
        // A restorable urgent position is not held back by the ramp (LTV 97.5% within a 3% gap;
        // restorable below 98.5%): target decides where a non-urgent one stops at the ramp.
        const p3 = { ...soft(), urgentGapBps: 300n, targetMarginBps: 1_000n };
        const s3 = fresh(TEN_SOL, 975_000_000n, PRICE_100);
        const step3 = planOk(p3, s3);
        assert.deepEqual([step3.urgent, step3.unrestorable, step3.bound], [true, false, Bound.Target]);
        // x = ceil((975 − 900 USDC + 4) · 1e16 / (1e11 · (1000 − 50 − 100))).
        assert.equal(step3.seizeCollateralNative, (75_000_004n * 10n ** 16n + 10n ** 11n * 850n - 1n) / (10n ** 11n * 850n));
        const step4 = planOk({ ...p3, urgentGapBps: 0n }, s3);
        assert.deepEqual([step4.urgent, step4.bound, step4.seizeCollateralNative], [false, Bound.Ramp, 1_000_000_000n]);
    });
});

describe('liqInputForPosition / roundingSlackNative / softLiquidationPreview', () => {
    test('the input the crank and the keeper build (tests.rs the_input_the_crank_and_the_keeper_build_is_one)', () => {
        const freshPos = { collateralNative: 7n, flags: 1, liqStartSlot: 0n, episodeStartCollateralNative: 0n, episodeSeizedCollateralNative: 0n };
        let i = liqInputForPosition(freshPos, 5n, 9n, 100n, 2n * BORROW_INDEX_SCALE, 11n);
        assert.deepEqual([i.episodeSlots, i.episodeStartCollateralNative, i.inEpisode], [0n, 7n, false]);
        assert.deepEqual([i.slackNative, i.minNotional], [SLACK_BASE_NATIVE + 2n, 11n]);
        assert.deepEqual([i.budgetRemainingNotional, i.holeRemainingCollateral, i.urgentRemainingNotional], [null, null, 0n]);
        const ongoing = {
            ...freshPos,
            flags: 1 | POSITION_IN_EPISODE,
            liqStartSlot: 90n,
            episodeStartCollateralNative: 20n,
            episodeSeizedCollateralNative: 13n,
        };
        i = liqInputForPosition(ongoing, 5n, 9n, 100n, BORROW_INDEX_SCALE, 0n);
        assert.deepEqual([i.episodeSlots, i.episodeStartCollateralNative, i.episodeSeizedCollateralNative, i.inEpisode], [10n, 20n, 13n, true]);
        // A slot before the episode's start saturates to 0.
        assert.equal(liqInputForPosition(ongoing, 5n, 9n, 50n, BORROW_INDEX_SCALE, 0n).episodeSlots, 0n);
    });

    test('rounding slack is 3 + index / 1e15, saturating', () => {
        assert.equal(roundingSlackNative(BORROW_INDEX_SCALE), 4n);
        assert.equal(roundingSlackNative(BORROW_INDEX_SCALE - 1n), 3n);
        assert.equal(roundingSlackNative(5n * BORROW_INDEX_SCALE + 7n), 8n);
        assert.equal(roundingSlackNative(U64_MAX), 3n + U64_MAX / BORROW_INDEX_SCALE);
    });

    test('liqParamsForCrank takes the urgent tier of the risk parameters', () => {
        const p = liqParamsForCrank(defaultSoftParams(), { ...staticDefaultRiskParams(), urgentGapBps: 150n });
        assert.deepEqual(p, { ...soft(), urgentGapBps: 150n });
    });

    test('softLiquidationPreview sizes one entry as the crank does (unlimited budget and hole)', () => {
        const market = {
            params: defaultSoftParams(),
            risk: staticDefaultRiskParams(),
            riskState: { addonBps: 0n, maintAddonBps: 0n },
            borrowIndex: BORROW_INDEX_SCALE,
            lastAccrualSlot: 1_000n,
            totalDebtShares: 951_000_000n,
            poolCashNative: 10_000_000_000n,
            lotDebtOutstandingNative: 0n,
        };
        // The worked example: a new episode at slot 1_000 (no accrual), the ramp's first 10%.
        const position = {
            collateralNative: TEN_SOL,
            debtShares: 951_000_000n,
            flags: 1,
            liqStartSlot: 0n,
            episodeStartCollateralNative: 0n,
            episodeSeizedCollateralNative: 0n,
        };
        const r = softLiquidationPreview(position, market, PRICE_100, 1_000n);
        assert.equal(r?.kind, 'plan');
        assert.deepEqual([(r as LiqPlan).seizeCollateralNative, (r as LiqPlan).bound], [1_000_000_000n, Bound.Ramp]);
        // Ten slots into the episode (the ramp open), index pinned at 1.0: the worked example's plan
        // (the dust floor of 1 USDC does not apply below maintenance).
        const inEpisode = { ...position, flags: 1 | POSITION_IN_EPISODE, liqStartSlot: 990n, episodeStartCollateralNative: TEN_SOL };
        const r2 = softLiquidationPreview(inEpisode, market, PRICE_100, 1_000n, BORROW_INDEX_SCALE);
        assert.equal(r2?.kind, 'plan');
        assert.equal((r2 as LiqPlan).seizeCollateralNative, 2_444_445_334n);
        // The maintenance add-on in force applies: +100 bps makes a healthy position liquidatable.
        const healthy = { ...position, debtShares: 945_000_000n };
        assert.deepEqual(softLiquidationPreview(healthy, market, PRICE_100, 1_000n), { kind: 'healthy' });
        const risky = { ...market, riskState: { addonBps: 100n, maintAddonBps: 100n } };
        assert.equal(softLiquidationPreview(healthy, risky, PRICE_100, 1_000n)?.kind, 'plan');
    });
});
