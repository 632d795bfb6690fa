// Pure functions of the page: formatting, the auction price (against the worked figures of
// programs/softliq/src/engine/auction/tests.rs), liquidation distance and warning status,
// ranking, the dump format, and the whole view model on the Rust-written fixtures.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import {
    decodeMarketAccount,
    defaultSoftParams,
    hardParams,
    health,
    isLiquidatable,
    liquidationPrice,
    PRICE_SCALE,
    type PositionHealth,
} from '@softliq/client';

import { CURVE_LINEAR, debtPrice, elapsedSince, isHeld, LOT_FAST_FALL, LOT_INSOLVENT, LOT_OVERFLOW, needsReset, priceAt, quote } from '../src/auction';
import { base64ToBytes, bytesToBase64, decodeRaw, DumpFormatError, makeDump, parseDump } from '../src/dump';
import { formatBps, formatPrice, formatUnits, parseUnits, priceDecimals, shortAddress } from '../src/format';
import { buildView, distanceBps, positionStatus, rankPositions } from '../src/model';
import { FIXTURES_DIR, fixtureDump, readFixtures } from './fixture-dump';

const U64_MAX = (1n << 64n) - 1n;

describe('format', () => {
    test('formatUnits: exact, grouped, trailing zeros trimmed to 2', () => {
        assert.equal(formatUnits(997_493_328n, 6), '997.493328');
        assert.equal(formatUnits(25_000_000_000n, 9), '25.00');
        assert.equal(formatUnits(1_234_567_890_120_000n, 6), '1,234,567,890.12');
        assert.equal(formatUnits(0n, 6), '0.00');
        assert.equal(formatUnits(5n, 6), '0.000005');
        assert.equal(formatUnits(-6_000_132n, 6), '-6.000132');
        assert.equal(formatUnits(1234n, 0), '1,234');
        assert.equal(formatUnits(15n, 1), '1.5');
        assert.equal(formatUnits(U64_MAX, 9), '18,446,744,073.709551615');
    });
    test('formatPrice: 1e12-scaled quote native per base native, in tokens', () => {
        assert.equal(priceDecimals(9, 6), 9);
        assert.equal(formatPrice(94_000_000_000n, 9, 6), '94.00'); // 94 USDC / SOL
        assert.equal(formatPrice(95_400_600_000n, 9, 6), '95.4006');
        assert.equal(formatPrice(PRICE_SCALE, 6, 6), '1.00');
        assert.equal(formatPrice(3n, 20, 6), '300'); // priceDecimals -2: 3 · 10^20 / (1e12 · 10^6)
    });
    test('parseUnits: UI amount to native, exact; null when malformed or too precise', () => {
        assert.equal(parseUnits('997.493328', 6), 997_493_328n);
        assert.equal(parseUnits('25', 9), 25_000_000_000n);
        assert.equal(parseUnits(' 1,000.5 ', 6), 1_000_500_000n);
        assert.equal(parseUnits('.5', 2), 50n);
        assert.equal(parseUnits('0.0000001', 6), null);
        assert.equal(parseUnits('-1', 6), null);
        assert.equal(parseUnits('1e3', 6), null);
        assert.equal(parseUnits('', 6), null);
        for (const v of [0n, 5n, 997_493_328n, 1_234_567_890_120_000n]) assert.equal(parseUnits(formatUnits(v, 6), 6), v);
    });
    test('formatBps and shortAddress', () => {
        assert.equal(formatBps(50n), '0.50%');
        assert.equal(formatBps(10_000n), '100.00%');
        assert.equal(formatBps(-12n), '-0.12%');
        assert.equal(shortAddress('GTRfPKMx1yAL3rq8xjbDPvXHaV9WMoERNZYjbcKYbsLE'), 'GTRf…bsLE');
        assert.equal(shortAddress('short'), 'short');
    });
});

describe('auction price (engine/auction price_at, needs_reset)', () => {
    const soft = defaultSoftParams();
    const linear = { ...soft, auctionCurve: CURVE_LINEAR, auctionTauSlots: 600n };
    const PRICE_100 = 100_000_000_000n;
    const start102 = 102_000_000_000n; // start_price(PRICE_100, 10_200)

    test('step-exp curve: the exact figures of step_exp_curve_exact_figures', () => {
        const s = 1_000_000n;
        const cases: [bigint, bigint][] = [[0n, 1_000_000n], [1n, 1_000_000n], [2n, 995_000n], [3n, 995_000n], [4n, 990_025n], [6n, 985_075n]];
        for (const [e, want] of cases) assert.equal(priceAt(soft, s, e), want, `elapsed ${e}`);
        assert.equal(priceAt(soft, start102, 200n), 61_788_584_523n);
        assert.equal(priceAt(soft, start102, 300n), 48_090_831_218n);
        assert.equal(priceAt(soft, 1n, U64_MAX), 1n);
        assert.equal(priceAt(soft, 0n, 10n), 0n);
        const half = { ...soft, auctionCutBps: 5_000n, auctionStepSlots: 1n };
        assert.equal(priceAt(half, 1_024n, 10n), 1n);
        assert.equal(priceAt(half, 1_024n, 3n), 128n);
        assert.equal(priceAt(half, 10_000_000_000_000_000_000n, 64n), 10n);
    });
    test('linear curve: the exact figures of linear_curve_exact_figures', () => {
        const s = 600_000n;
        const cases: [bigint, bigint][] = [[0n, 600_000n], [1n, 599_000n], [300n, 300_000n], [599n, 1_000n], [600n, 0n], [U64_MAX, 0n]];
        for (const [e, want] of cases) assert.equal(priceAt(linear, s, e), want, `elapsed ${e}`);
        const short = { ...linear, auctionTauSlots: 3n };
        assert.equal(priceAt(short, 10n, 1n), 7n);
        assert.equal(priceAt(short, 10n, 2n), 4n);
        const hard = hardParams();
        assert.equal(priceAt(hard, 95_000_000_000n, 10n), 94_999_050_000n);
        assert.equal(priceAt(hard, 95n, 999_999n), 1n);
    });
    test('needs_reset: the figures of needs_reset_past_tail_or_below_cusp_whatever_the_resets', () => {
        const s = 1_000n;
        assert.equal(needsReset(soft, s, 1_000n, 0n), false);
        assert.equal(needsReset(soft, s, 600n, 300n), false);
        assert.equal(needsReset(soft, s, 599n, 10n), true);
        assert.equal(needsReset(soft, s, 900n, 301n), true);
        assert.equal(needsReset(soft, s, 0n, U64_MAX), true);
        let first = -1n;
        for (let e = 0n; e <= soft.auctionTailSlots + 1n; e++) {
            if (needsReset(soft, start102, priceAt(soft, start102, e)!, e)) {
                first = e;
                break;
            }
        }
        assert.equal(first, 204n);
        assert.ok(PRICE_100 < start102);
    });
    test('elapsed saturates at 0', () => {
        assert.equal(elapsedSince(10n, 4n), 6n);
        assert.equal(elapsedSince(3n, 4n), 0n);
    });
});

describe('insolvent-lot hold (engine/auction debt_price, is_held, quote)', () => {
    // The soft rule's auction: 98% of the oracle, −0.5% a slot, hold = tail = 300.
    const p = { ...defaultSoftParams(), auctionStartBufferBps: 9_800n, auctionStepSlots: 1n, auctionHoldSlots: 300n };
    const lot = (debt: bigint, flags: number) => ({
        collateralNative: 10_000_000_000n,
        tabDebtNative: debt,
        startPrice: 98_000_000_000n,
        startSlot: 1_000n,
        resets: 0,
        flags: 1 | flags,
    });
    test('debt_price: the figures of debt_price_repays_the_debt_rounding_up', () => {
        assert.equal(debtPrice(lot(1_050_000_000n, 0)), 105_000_000_000n);
        assert.equal(debtPrice({ ...lot(1_000_000_000n, 0), collateralNative: 3_000_000_000n }), 333_333_333_334n);
        assert.equal(debtPrice(lot(0n, 0)), 0n);
        assert.equal(debtPrice({ ...lot(1n, 0), collateralNative: 0n }), U64_MAX);
    });
    test('a held lot: its debt price for the hold, then a reset; the next round is the curve', () => {
        const l = lot(1_050_000_000n, LOT_INSOLVENT);
        assert.equal(isHeld(p, l), true);
        for (const e of [0n, 1n, 10n, 150n, 300n]) assert.deepEqual(quote(p, l, 1_000n + e), { price: 105_000_000_000n, needsReset: false });
        assert.equal(quote(p, l, 1_301n)!.needsReset, true);
        const next = { ...l, resets: 1, startSlot: 1_301n };
        assert.equal(isHeld(p, next), false);
        assert.equal(quote(p, next, 1_311n)!.price, priceAt(p, next.startPrice, 10n));
        // Above the debt price the curve still rules; below it, the floor, never a cusp reset.
        const cheap = lot(500_000_000n, LOT_INSOLVENT);
        assert.equal(quote(p, cheap, 1_002n)!.price, priceAt(p, cheap.startPrice, 2n));
        assert.deepEqual(quote(p, cheap, 1_200n), { price: 50_000_000_000n, needsReset: false });
    });
    test('solvent lots and markets without the hold follow the curve', () => {
        const solvent = lot(955_000_000n, 0);
        for (const e of [0n, 5n, 20n, 101n, 299n, 301n]) {
            const curve = priceAt(p, solvent.startPrice, e)!;
            assert.deepEqual(quote(p, solvent, 1_000n + e), { price: curve, needsReset: needsReset(p, solvent.startPrice, curve, e) });
        }
        const off = { ...p, auctionHoldSlots: 0n };
        assert.equal(isHeld(off, lot(1_050_000_000n, LOT_INSOLVENT)), false);
        assert.equal(quote(off, lot(1_050_000_000n, LOT_INSOLVENT), 1_010n)!.price, priceAt(off, 98_000_000_000n, 10n));
    });
    test('each reason flag (insolvent, fast fall, overflow) holds a lot, and only with the hold on', () => {
        const off = { ...p, auctionHoldSlots: 0n };
        for (const flag of [LOT_INSOLVENT, LOT_FAST_FALL, LOT_OVERFLOW]) {
            assert.equal(isHeld(p, lot(955_000_000n, flag)), true);
            assert.equal(isHeld(off, lot(955_000_000n, flag)), false);
            assert.equal(isHeld(p, { ...lot(955_000_000n, flag), resets: 1 }), false);
        }
        assert.equal(isHeld(p, lot(955_000_000n, 0)), false);
    });
});

describe("liquidation price (the client's, as the page uses it)", () => {
    test('null without debt or collateral; the least price that is not liquidatable', () => {
        assert.equal(liquidationPrice(10n, 0n, 500n), null);
        assert.equal(liquidationPrice(0n, 10n, 500n), null);
        const cases: [bigint, bigint, bigint][] = [
            [10_000_000_000n, 899_000_132n, 500n],
            [75_000_000_000n, 6_675_251_314n, 500n],
            [1n, 1n, 0n],
            [3n, 7n, 333n],
            [14_633_760_189n, 1_290_927_775n, 650n],
        ];
        for (const [c, d, m] of cases) {
            const p = liquidationPrice(c, d, m)!;
            assert.equal(isLiquidatable(c, d, p, m), false, `${c} ${d} ${m} at ${p}`);
            assert.equal(isLiquidatable(c, d, p - 1n, m), true, `${c} ${d} ${m} at ${p - 1n}`);
            assert.ok(health(c, d, p, m)! >= 0n);
        }
    });
});

describe('ranking and warning', () => {
    const hp = (healthMaint: bigint, debt = 1n, liquidatable = healthMaint < 0n): PositionHealth => ({
        debtNative: debt,
        healthInit: healthMaint,
        healthMaint,
        healthTarget: healthMaint,
        liquidatable,
    });
    test('distanceBps: floored, negative below the liquidation price', () => {
        assert.equal(distanceBps(94_000n, 93_690n), 32n); // 32.97 bps
        assert.equal(distanceBps(94_000n, 94_000n), 0n);
        assert.equal(distanceBps(94_000n, 94_001n), -1n); // -0.106 floors to -1
        assert.equal(distanceBps(94_000n, null), null);
        assert.equal(distanceBps(0n, 5n), null);
    });
    test('positionStatus against the warning distance', () => {
        assert.equal(positionStatus({ health: null, distanceBps: null }, 500n), 'error');
        assert.equal(positionStatus({ health: hp(5n, 0n, false), distanceBps: null }, 500n), 'no-debt');
        assert.equal(positionStatus({ health: hp(-1n), distanceBps: -3n }, 500n), 'liquidatable');
        assert.equal(positionStatus({ health: hp(1n), distanceBps: 499n }, 500n), 'warning');
        assert.equal(positionStatus({ health: hp(1n), distanceBps: 500n }, 500n), 'ok');
        assert.equal(positionStatus({ health: hp(1n), distanceBps: 0n }, 0n), 'ok'); // warning off
    });
    test('rankPositions: maintenance health ascending, unknown first, ties by slab and index', () => {
        const row = (slab: number, index: number, h: bigint | null) => ({ slab, entry: { index } as any, health: h === null ? null : hp(h) });
        const ranked = rankPositions([row(0, 0, 50n), row(1, 2, -5n), row(0, 3, null), row(0, 1, -5n), row(0, 2, 7n)]);
        assert.deepEqual(
            ranked.map(r => `${r.slab}:${r.entry.index}`),
            ['0:3', '0:1', '1:2', '0:2', '0:0'],
        );
    });
});

describe('dump format', () => {
    test('base64 round trip and parse errors', () => {
        const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) & 0xff);
        assert.deepEqual(base64ToBytes(bytesToBase64(bytes)), bytes);
        assert.throws(() => parseDump(null), DumpFormatError);
        assert.throws(() => parseDump({ market: 'AA==', slabs: 'x', slot: 1, oraclePrice: '1' }), /slabs/);
        assert.throws(() => parseDump({ market: 'AA==', slabs: [], slot: -1, oraclePrice: '1' }), /slot/);
        assert.throws(() => parseDump({ market: 'AA==', slabs: [], slot: 1, oraclePrice: '1.5' }), /oraclePrice/);
    });
    test('makeDump(parseDump(d)) keeps every account and the context', () => {
        const d = fixtureDump();
        const raw = parseDump(d);
        assert.deepEqual(parseDump(JSON.parse(JSON.stringify(makeDump(raw)))), raw);
        assert.equal(raw.slot, 2002n);
    });
});

describe('view model on the Rust-written fixtures', () => {
    const fx = readFixtures();
    const view = buildView(decodeRaw(parseDump(fixtureDump(fx))));
    test('health and liquidatable of every position equal slab.json (at its context)', () => {
        const market = decodeMarketAccount(base64ToBytes(fx.market.account_b64));
        assert.equal(view.summary.borrowIndex, BigInt(fx.slab.context.borrow_index));
        assert.equal(view.summary.margins?.maintMarginBps, BigInt(fx.slab.context.maint_margin_bps));
        assert.equal(market.borrowIndex, view.summary.borrowIndex);
        const expected = fx.slab.expected.positions as any[];
        assert.equal(view.positions.length, expected.length);
        for (const e of expected) {
            const r = view.positions.find(p => p.entry.index === e.index)!;
            assert.equal(r.health?.debtNative, BigInt(e.debt_native), `position ${e.index}`);
            assert.equal(r.health?.healthInit, BigInt(e.health_init));
            assert.equal(r.health?.healthMaint, BigInt(e.health_maint));
            assert.equal(r.health?.healthTarget, BigInt(e.health_target));
            assert.equal(r.health?.liquidatable, e.liquidatable);
            assert.equal(r.liqPrice === null, BigInt(e.debt_native) === 0n);
            if (r.liqPrice !== null) assert.equal(r.liqPrice > view.inputs.price, e.liquidatable);
        }
        const hs = view.positions.map(r => r.health!.healthMaint);
        assert.deepEqual(hs, [...hs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    });
    test('lots: tab and auction price at the dump slot', () => {
        const lots = fx.lotBook.expected.lots as any[];
        assert.equal(view.lots.length, lots.length);
        for (const l of lots) {
            const r = view.lots.find(x => x.entry.index === l.index)!;
            assert.equal(r.tab, BigInt(l.tab_debt_native) + BigInt(l.tab_penalty_native));
            assert.equal(r.slab, 0);
        }
        // Lot 0 started at slot 2000 at 95.88: one 0.995 step by slot 2002; lot 2 (2001) none yet.
        assert.equal(view.lots.find(x => x.entry.index === 0)!.auctionPrice, 95_400_600_000n);
        assert.equal(view.lots.find(x => x.entry.index === 2)!.auctionPrice, 95_880_000_000n);
    });
});

describe('quote = engine::auction::quote (client/test/fixtures/auction.json)', () => {
    interface Case {
        params: Record<string, string>;
        lot: { collateral_native: string; tab_debt_native: string; start_price: string; start_slot: string; resets: number; flags: number };
        slot: string;
        quote: { price: string; needs_reset: boolean } | null;
    }
    const file = path.join(FIXTURES_DIR, 'auction.json');
    const cases: Case[] = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { cases: Case[] }).cases : [];
    test('every case, exactly', { skip: cases.length === 0 ? `fixture ${file} missing` : false }, () => {
        assert.ok(cases.length >= 100);
        let held = 0;
        for (const [i, c] of cases.entries()) {
            const p = {
                auctionCurve: BigInt(c.params.auction_curve!),
                auctionTauSlots: BigInt(c.params.auction_tau_slots!),
                auctionStepSlots: BigInt(c.params.auction_step_slots!),
                auctionCutBps: BigInt(c.params.auction_cut_bps!),
                auctionTailSlots: BigInt(c.params.auction_tail_slots!),
                auctionCuspBps: BigInt(c.params.auction_cusp_bps!),
                auctionHoldSlots: BigInt(c.params.auction_hold_slots!),
            };
            const lot = {
                collateralNative: BigInt(c.lot.collateral_native),
                tabDebtNative: BigInt(c.lot.tab_debt_native),
                startPrice: BigInt(c.lot.start_price),
                startSlot: BigInt(c.lot.start_slot),
                resets: c.lot.resets,
                flags: c.lot.flags,
            };
            if (isHeld(p, lot)) held++;
            const q = quote(p, lot, BigInt(c.slot));
            assert.deepStrictEqual(
                q === null ? null : { price: q.price.toString(), needs_reset: q.needsReset },
                c.quote,
                `case ${i}`,
            );
        }
        assert.ok(held >= 10, `${held} held cases`);
    });
});
