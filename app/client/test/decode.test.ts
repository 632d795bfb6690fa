// Hand-written decoders (src/decode.ts) on synthetic accounts, cross-checked with the
// generated Codama codecs, plus the 100,000-position decode benchmark.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { getAddressDecoder } from '@solana/kit';

import { decodeMarket, getMarketDecoder, getPositionSlabDecoder, getLotBookDecoder } from '../src/generated';
import {
    AccountLayoutError,
    decodeBookHeader,
    decodeLotBookAccount,
    decodeMarketAccount,
    decodePositionAt,
    decodePositionSlabAccount,
    inUsePositionIndices,
    PositionSlabReader,
} from '../src/decode';
import { addressAt } from '../src/base58';
import { positionHealth } from '../src/health';
import { MARKET_ACCOUNT_SIZE, MAX_SLAB_CAPACITY, NONE, slabAccountSize } from '../src/layout';
import { toFixtureEncoding } from './fixture-check';
import {
    lotBookBytes,
    marketBytes,
    randomLot,
    randomMarketArgs,
    randomPosition,
    Rng,
    slabBytes,
    writeLot,
    writePosition,
} from './synthetic';

describe('base58', () => {
    test('addressAt equals @solana/kit on random keys, leading zeros, all zeros and all 0xff', () => {
        const kit = getAddressDecoder();
        const rng = new Rng(99);
        const cases: Uint8Array[] = [new Uint8Array(32), new Uint8Array(32).fill(255)];
        for (let z = 0; z <= 31; z++) {
            const b = rng.bytes(32);
            b.fill(0, 0, z);
            cases.push(b);
        }
        for (let i = 0; i < 5_000; i++) cases.push(rng.bytes(32));
        for (const b of cases) {
            const padded = new Uint8Array(40);
            padded.set(b, 5);
            assert.equal(addressAt(padded, 5), kit.decode(b));
        }
        assert.equal(addressAt(new Uint8Array(32), 0), '11111111111111111111111111111111');
    });
});

describe('Market', () => {
    test('decodes what the generated Codama encoder wrote, field for field', () => {
        const rng = new Rng(1);
        for (let i = 0; i < 20; i++) {
            const bytes = marketBytes(randomMarketArgs(rng));
            assert.equal(bytes.length, MARKET_ACCOUNT_SIZE);
            const { discriminator: _, ...codama } = getMarketDecoder().decode(bytes);
            assert.deepStrictEqual(toFixtureEncoding(decodeMarketAccount(bytes)), toFixtureEncoding(codama));
        }
    });

    test('reads from a subarray of a bigger buffer (e.g. a Buffer from an RPC)', () => {
        const bytes = marketBytes(randomMarketArgs(new Rng(2)));
        const big = new Uint8Array(bytes.length + 13);
        big.set(bytes, 13);
        const sub = big.subarray(13);
        assert.deepStrictEqual(toFixtureEncoding(decodeMarketAccount(sub)), toFixtureEncoding(decodeMarketAccount(bytes)));
    });

    test('agrees with the generated decodeMarket on an encoded account', () => {
        const bytes = marketBytes(randomMarketArgs(new Rng(3)));
        const account = decodeMarket({
            address: '11111111111111111111111111111111' as never,
            data: bytes,
            executable: false,
            lamports: 1n as never,
            programAddress: '11111111111111111111111111111111' as never,
            space: BigInt(bytes.length),
        });
        assert.equal(account.data.borrowIndex, decodeMarketAccount(bytes).borrowIndex);
    });

    test('risk, risk_state and the red-team fields at the literal Rust offsets (8 + 736, 8 + 864, 8 + 928)', () => {
        const bytes = marketBytes(randomMarketArgs(new Rng(5)));
        const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        // RiskParams: 16 u64 (the last four: adaptive budget, urgent tier); RiskState: 8 u64.
        for (let k = 0; k < 16; k++) v.setBigUint64(744 + 8 * k, 1_000n + BigInt(k), true);
        for (let k = 0; k < 8; k++) v.setBigUint64(872 + 8 * k, 2_000n + BigInt(k), true);
        // last_oracle_publish_time, pending_params_slot, band_octave_min, budget_level_native,
        // budget_bound_slot, urgent_used_notional_native, last_take_slot,
        // fast_fall_until_slot, quiet_variance_ppb2, quiet_weight_ppb, reserved [u64; 4].
        for (let k = 0; k < 14; k++) v.setBigUint64(936 + 8 * k, 3_000n + BigInt(k), true);
        // pending_params (MarketParams) at 8 + 1,040, bands at 8 + 1,304 (16 bytes each).
        v.setBigUint64(1_048, 4_000n, true);
        v.setBigUint64(1_312 + 16 * 255, 5_000n, true);
        v.setBigUint64(1_312 + 16 * 255 + 8, 5_001n, true);
        const m = decodeMarketAccount(bytes);
        assert.deepStrictEqual(Object.values(m.risk).flat(), Array.from({ length: 16 }, (_, k) => 1_000n + BigInt(k)));
        assert.equal(m.risk.volEnabled, 1_000n);
        assert.equal(m.risk.marginAddonCapBps, 1_005n);
        assert.equal(m.risk.maxCrankGapSlots, 1_011n);
        assert.deepStrictEqual(
            [m.risk.budgetGrowthBps, m.risk.budgetCapBps, m.risk.urgentGapBps, m.risk.urgentBudgetBps],
            [1_012n, 1_013n, 1_014n, 1_015n],
        );
        assert.deepStrictEqual(Object.values(m.riskState), Array.from({ length: 8 }, (_, k) => 2_000n + BigInt(k)));
        assert.equal(m.riskState.addonBps, 2_004n);
        assert.equal(m.riskState.maintAddonBps, 2_005n);
        assert.equal(m.lastOraclePublishTime, 3_000n);
        assert.equal(m.pendingParamsSlot, 3_001n);
        assert.equal(m.bandOctaveMin, 3_002n);
        assert.equal(m.budgetLevelNative, 3_003n);
        assert.equal(m.urgentUsedNotionalNative, 3_005n);
        assert.equal(m.lastTakeSlot, 3_006n);
        assert.equal(m.fastFallUntilSlot, 3_007n);
        assert.equal(m.quietVariancePpb2, 3_008n);
        assert.equal(m.quietWeightPpb, 3_009n);
        assert.deepStrictEqual(m.reserved, Array.from({ length: 4 }, (_, k) => 3_010n + BigInt(k)));
        assert.equal(m.pendingParams.initMarginBps, 4_000n);
        assert.equal(m.bands.length, 256);
        assert.deepStrictEqual(m.bands[255], { debtShares: 5_000n, collateralNative: 5_001n });
        // Unchanged fields before them.
        assert.equal(m.paused, bytes[8 + 733]);
        assert.equal(m.borrowIndex, v.getBigUint64(8 + 288 + 264 + 16, true));
    });

    test('rejects a wrong discriminator and a short account', () => {
        const bytes = marketBytes(randomMarketArgs(new Rng(4)));
        const wrong = bytes.slice();
        wrong[0] ^= 1;
        assert.throws(() => decodeMarketAccount(wrong), AccountLayoutError);
        assert.throws(() => decodeMarketAccount(bytes.subarray(0, bytes.length - 1)), AccountLayoutError);
    });
});

describe('PositionSlab', () => {
    const rng = new Rng(10);
    const market = rng.address();
    // 12 entries handed out, 3 of them freed (free list 7 -> 2 -> 9), 4 never handed out.
    const capacity = 16;
    const freed = new Set([2, 7, 9]);
    const bytes = slabBytes({ market, capacity, used: 9, freeHead: 7, nextUnused: 12, reserved: [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n] });
    const written = new Map<number, ReturnType<typeof randomPosition>>();
    for (let i = 0; i < 12; i++) {
        const p = randomPosition(rng, freed.has(i) ? 0 : i % 3 === 0 ? 3 : 1);
        if (freed.has(i)) p.nextFree = i === 7 ? 2 : i === 2 ? 9 : NONE;
        writePosition(bytes, i, p);
        written.set(i, p);
    }

    test('header agrees with the generated BookHeader decoder', () => {
        const { discriminator: _, ...codama } = getPositionSlabDecoder().decode(bytes.subarray(0, 120));
        assert.deepStrictEqual(toFixtureEncoding(decodeBookHeader(bytes)), toFixtureEncoding(codama.header));
    });

    test('decodes exactly the in-use positions, in index order, every field', () => {
        const slab = decodePositionSlabAccount(bytes);
        const expected = [...written.entries()].filter(([i]) => !freed.has(i));
        assert.deepStrictEqual(
            slab.positions.map(p => p.index),
            expected.map(([i]) => i),
        );
        for (const [k, [index, p]] of expected.entries()) {
            assert.deepStrictEqual(slab.positions[k], { index, ...p });
        }
        assert.deepStrictEqual(inUsePositionIndices(bytes), expected.map(([i]) => i));
    });

    test('decodePositionAt: in use, generation, freed, out of range', () => {
        const p3 = written.get(3)!;
        assert.equal(decodePositionAt(bytes, 3)?.owner, p3.owner);
        assert.equal(decodePositionAt(bytes, 3, p3.generation)?.index, 3);
        assert.equal(decodePositionAt(bytes, 3, (p3.generation + 1) >>> 0), null);
        assert.equal(decodePositionAt(bytes, 7), null);
        assert.equal(decodePositionAt(bytes, 14), null);
        assert.equal(decodePositionAt(bytes, 16), null);
        assert.equal(decodePositionAt(bytes, -1), null);
    });

    test('PositionSlabReader reads the same values lazily', () => {
        const r = new PositionSlabReader(bytes);
        const slab = decodePositionSlabAccount(bytes);
        assert.deepStrictEqual(r.inUseIndices(), slab.positions.map(p => p.index));
        for (const p of slab.positions) {
            assert.deepStrictEqual(r.position(p.index), p);
            assert.equal(r.owner(p.index), p.owner);
            assert.equal(r.collateralNative(p.index), p.collateralNative);
            assert.equal(r.debtShares(p.index), p.debtShares);
            assert.equal(r.generation(p.index), p.generation);
            assert.equal(r.isInUse(p.index), true);
        }
        assert.equal(r.isInUse(7), false);
        assert.throws(() => r.flags(16), RangeError);
    });

    test('rejects a slab shorter than its capacity and a lot book passed as a slab', () => {
        assert.throws(() => decodePositionSlabAccount(bytes.subarray(0, bytes.length - 1)), /capacity 16 needs/);
        const book = lotBookBytes({ market, capacity: 1, used: 0, freeHead: NONE, nextUnused: 0 });
        assert.throws(() => decodePositionSlabAccount(book), /discriminator/);
    });
});

describe('LotBook', () => {
    test('decodes exactly the open lots, every field; header agrees with Codama', () => {
        const rng = new Rng(20);
        const bytes = lotBookBytes({ market: rng.address(), capacity: 6, used: 3, freeHead: 1, nextUnused: 5 });
        const lots = [0, 1, 2, 3, 4].map(i => randomLot(rng, i === 1 || i === 3 ? 0 : 1));
        lots.forEach((l, i) => writeLot(bytes, i, l));
        const book = decodeLotBookAccount(bytes);
        assert.deepStrictEqual(
            book.lots,
            [0, 2, 4].map(i => ({ index: i, ...lots[i] })),
        );
        const { discriminator: _, ...codama } = getLotBookDecoder().decode(bytes.subarray(0, 120));
        assert.deepStrictEqual(toFixtureEncoding(book.header), toFixtureEncoding(codama.header));
    });
});

describe('benchmark', () => {
    test('decode a 100,000-position slab', t => {
        const capacity = 100_000;
        assert.ok(capacity <= MAX_SLAB_CAPACITY);
        const bytes = slabBytes({ market: new Rng(30).address(), capacity, used: capacity, freeHead: NONE, nextUnused: capacity });
        assert.equal(bytes.length, slabAccountSize(capacity));
        const owner = new Uint8Array(32);
        for (let i = 0; i < capacity; i++) {
            new DataView(owner.buffer).setUint32(0, i + 1, true);
            owner[31] = i & 0xff;
            writePosition(
                bytes,
                i,
                {
                    owner: '' as never,
                    collateralNative: 10_000_000_000n + BigInt(i),
                    debtShares: 900_000_000n + BigInt(i % 1000) * 1_000_000n,
                    liqStartSlot: 0n,
                    lastLiqSlot: 0n,
                    episodeStartCollateralNative: 0n,
                    episodeSeizedCollateralNative: 0n,
                    episodeSeizedNotionalNative: 0n,
                    generation: i % 7,
                    flags: 1,
                    nextFree: NONE,
                    padding: 0,
                },
                owner,
            );
        }
        const market = {
            borrowIndex: 1_050_000_000_000_000n,
            params: { initMarginBps: 1_000n, maintMarginBps: 500n, targetMarginBps: 600n },
        };
        const price = 100_000_000_000n;

        const time = <T>(f: () => T): [T, number] => {
            const t0 = performance.now();
            const r = f();
            return [r, performance.now() - t0];
        };
        time(() => decodePositionSlabAccount(bytes)); // warm-up (JIT)
        const runs = 3;
        let decodeMs = Infinity;
        let indicesMs = Infinity;
        let scanMs = Infinity;
        let slab = decodePositionSlabAccount(bytes);
        let liquidatable = 0;
        // A keeper's scan: in-use indices, then collateral and debt shares through the
        // reader, health of each (no owner, no full objects).
        const scan = () => {
            const r = new PositionSlabReader(bytes);
            let n = 0;
            for (const i of r.inUseIndices()) {
                const h = positionHealth({ collateralNative: r.collateralNative(i), debtShares: r.debtShares(i) }, market, price);
                if (h!.liquidatable) n++;
            }
            return n;
        };
        for (let r = 0; r < runs; r++) {
            const [s, ms] = time(() => decodePositionSlabAccount(bytes));
            slab = s;
            decodeMs = Math.min(decodeMs, ms);
            indicesMs = Math.min(indicesMs, time(() => inUsePositionIndices(bytes))[1]);
            const [n, sms] = time(scan);
            liquidatable = n;
            scanMs = Math.min(scanMs, sms);
        }
        assert.equal(liquidatable, slab.positions.filter(p => positionHealth(p, market, price)!.liquidatable).length);
        assert.equal(slab.positions.length, capacity);
        assert.equal(slab.positions[99_999]!.collateralNative, 10_000_099_999n);
        assert.equal(slab.positions[5]!.owner, getAddressDecoder().decode(bytes, 120 + 5 * 104));
        const msg =
            `100,000-position slab (${(bytes.length / 2 ** 20).toFixed(2)} MiB), best of ${runs}: ` +
            `full decode ${decodeMs.toFixed(0)} ms (${((decodeMs * 1000) / capacity).toFixed(2)} µs/position, fast base58 owners), ` +
            `in-use index scan ${indicesMs.toFixed(1)} ms, keeper scan (reader + health of every position) ${scanMs.toFixed(0)} ms (Node ${process.version})`;
        t.diagnostic(msg);
    });
});
