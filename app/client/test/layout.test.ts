// layout.ts against the Rust structs (programs/softliq/src/state/*.rs) and the committed IDL:
// a field added, removed, reordered or retyped in a zero-copy struct fails here at once,
// before any fixture is regenerated.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
    BOOK_ENTRIES_OFFSET,
    BOOK_HEADER,
    FIELD_SIZE,
    LOT,
    lotBookAccountSize,
    MARKET,
    MARKET_ACCOUNT_SIZE,
    MARKET_PARAMS,
    MARKET_PARAMS_OFFSET,
    MARKET_RISK_OFFSET,
    MARKET_RISK_STATE_OFFSET,
    MAX_LOT_CAPACITY,
    MAX_SLAB_CAPACITY,
    NONE,
    POSITION,
    POSITION_DEPOSIT_LAMPORTS,
    RENT_EXEMPT_LAMPORTS_PER_BYTE,
    RISK_PARAMS,
    RISK_STATE,
    slabAccountSize,
    structLayout,
    type StructLayout,
} from '../src/layout';
import { getMarketSize } from '../src/generated';
import { defaultRentExemptLamports } from '../src/transactions';
import { camel, readIdl } from './fixture-check';
import { evalIntExpr, readSource, rustConst, structFields } from './rust-sources';

const fieldsOf = (l: StructLayout) => l.fields.map(f => [f.name, f.type]);
const rustFields = (file: string, name: string) => structFields(file, name).map(([n, t]) => [camel(n), t]);

describe('layout.ts mirrors the Rust structs', () => {
    const cases: [string, string, StructLayout][] = [
        ['state/market.rs', 'Market', MARKET],
        ['state/params.rs', 'MarketParams', MARKET_PARAMS],
        ['state/params.rs', 'RiskParams', RISK_PARAMS],
        ['state/market.rs', 'RiskState', RISK_STATE],
        ['state/book.rs', 'BookHeader', BOOK_HEADER],
        ['state/slab/mod.rs', 'Position', POSITION],
        ['state/lot_book.rs', 'Lot', LOT],
    ];
    for (const [file, name, layout] of cases) {
        test(`${name}: same fields, order and types as ${file}`, () => {
            assert.deepStrictEqual(fieldsOf(layout), rustFields(file, name));
        });
    }

    test('sizes equal the Rust constants (which the program asserts with size_of)', () => {
        assert.equal(BigInt(POSITION.size), rustConst('state/slab/mod.rs', 'POSITION_SIZE'));
        assert.equal(BigInt(LOT.size), rustConst('state/lot_book.rs', 'LOT_SIZE'));
        assert.equal(BigInt(BOOK_HEADER.size), rustConst('state/book.rs', 'BOOK_HEADER_SIZE'));
        const bands = rustConst('state/market.rs', 'BANDS');
        assert.equal(bands, 256n);
        assert.equal(BigInt(MARKET.size), rustConst('state/market.rs', 'MARKET_SIZE', { BANDS: bands }));
        for (const [name, layout] of [
            ['MarketParams', MARKET_PARAMS],
            ['RiskParams', RISK_PARAMS],
            ['RiskState', RISK_STATE],
        ] as const) {
            const sizeAssert = new RegExp(`size_of::<${name}>\\(\\) == ([^)]+)\\)`).exec(readSource('state/market.rs'));
            assert.ok(sizeAssert, `the ${name} size assertion in market.rs`);
            assert.equal(BigInt(layout.size), evalIntExpr(sizeAssert[1]!), name);
        }
        assert.deepStrictEqual(
            [MARKET.size, MARKET_PARAMS.size, RISK_PARAMS.size, RISK_STATE.size, BOOK_HEADER.size, POSITION.size, LOT.size],
            [5_400, 264, 128, 64, 112, 104, 144],
        );
        assert.equal(MARKET_ACCOUNT_SIZE, 8 + 5_400);
        // The nested-struct field types have their struct's size.
        assert.deepStrictEqual(
            [FIELD_SIZE.params, FIELD_SIZE.riskParams, FIELD_SIZE.riskState, FIELD_SIZE.header],
            [MARKET_PARAMS.size, RISK_PARAMS.size, RISK_STATE.size, BOOK_HEADER.size],
        );
        assert.equal(MARKET_ACCOUNT_SIZE, getMarketSize());
        assert.equal(BOOK_ENTRIES_OFFSET, 120);
        assert.equal(slabAccountSize(3), 8 + 112 + 3 * 104);
        assert.equal(lotBookAccountSize(3), 8 + 112 + 3 * 144);
        assert.equal(MAX_SLAB_CAPACITY, 100_823);
        assert.ok(slabAccountSize(MAX_SLAB_CAPACITY) <= 10 * 1024 * 1024 && slabAccountSize(MAX_SLAB_CAPACITY + 1) > 10 * 1024 * 1024);
        assert.ok(lotBookAccountSize(MAX_LOT_CAPACITY) <= 10 * 1024 * 1024);
        assert.equal(BigInt(NONE), 0xffff_ffffn);
    });

    test('POSITION_DEPOSIT_LAMPORTS equals the Rust constant (state/slab/mod.rs): 104 × 6,960 = 723,840', () => {
        const perByte = rustConst('state/slab/mod.rs', 'RENT_EXEMPT_LAMPORTS_PER_BYTE');
        assert.equal(RENT_EXEMPT_LAMPORTS_PER_BYTE, perByte);
        const positionSize = rustConst('state/slab/mod.rs', 'POSITION_SIZE');
        assert.equal(
            POSITION_DEPOSIT_LAMPORTS,
            rustConst('state/slab/mod.rs', 'POSITION_DEPOSIT_LAMPORTS', { POSITION_SIZE: positionSize, RENT_EXEMPT_LAMPORTS_PER_BYTE: perByte }),
        );
        assert.equal(POSITION_DEPOSIT_LAMPORTS, 723_840n);
        assert.equal(POSITION_DEPOSIT_LAMPORTS, BigInt(POSITION.size) * 6_960n);
        // The rent of an entry's bytes at the default rent (without the 128-byte account overhead).
        assert.equal(POSITION_DEPOSIT_LAMPORTS, defaultRentExemptLamports(slabAccountSize(1)) - defaultRentExemptLamports(slabAccountSize(0)));
        // 72.4 SOL for a 100,000-entry slab.
        assert.equal(POSITION_DEPOSIT_LAMPORTS * 100_000n, 72_384_000_000n);
        // The casts of the Rust expression are read, not guessed.
        assert.equal(evalIntExpr('POSITION_SIZE as u64 * 6_960', { POSITION_SIZE: 104n }), 723_840n);
        assert.throws(() => evalIntExpr('POSITION_SIZE as f64 * 2', { POSITION_SIZE: 104n }), /cannot evaluate/);
    });

    test('spot offsets (the ones keepers read)', () => {
        assert.equal(MARKET.offsets.params, 288);
        assert.equal(MARKET.offsets.borrowIndex, 288 + 264 + 16);
        assert.equal(MARKET.offsets.risk, 736);
        assert.equal(MARKET.offsets.riskState, 736 + 128);
        assert.equal(MARKET.offsets.lastOraclePublishTime, 928);
        assert.equal(MARKET.offsets.lastTakeSlot, 928 + 48);
        assert.equal(MARKET.offsets.fastFallUntilSlot, 928 + 56);
        assert.equal(MARKET.offsets.quietVariancePpb2, 928 + 64);
        assert.equal(MARKET.offsets.quietWeightPpb, 928 + 72);
        assert.equal(MARKET.offsets.reserved, 928 + 80);
        assert.equal(MARKET.offsets.pendingParams, 1_040);
        assert.equal(MARKET.offsets.bands, 1_040 + 264);
        assert.deepStrictEqual([MARKET_PARAMS_OFFSET, MARKET_RISK_OFFSET, MARKET_RISK_STATE_OFFSET], [296, 744, 872]);
        assert.equal(RISK_PARAMS.offsets.marginAddonCapBps, 40);
        assert.equal(RISK_PARAMS.offsets.depthNative, 56);
        assert.equal(RISK_PARAMS.offsets.budgetGrowthBps, 96);
        assert.equal(RISK_PARAMS.offsets.urgentBudgetBps, 120);
        assert.equal(RISK_STATE.offsets.addonBps, 32);
        assert.equal(RISK_STATE.offsets.maintAddonBps, 40);
        assert.equal(POSITION.offsets.collateralNative, 32);
        assert.equal(POSITION.offsets.debtShares, 40);
        assert.equal(POSITION.offsets.flags, 92);
        assert.equal(LOT.offsets.flags, 132);
    });

    test('structLayout rejects a struct that would need implicit padding', () => {
        assert.throws(() => structLayout('Bad', [['a', 'u8'], ['b', 'u64']] as const), /not 8-aligned/);
        assert.throws(() => structLayout('Tail', [['a', 'u64'], ['b', 'u32']] as const), /tail padding/);
    });
});

describe('layout.ts agrees with the committed IDL (bytemuck, repr C types)', () => {
    const idl = readIdl();
    const idlType = (t: unknown): string => {
        if (typeof t === 'string') return t;
        const o = t as { array?: [unknown, number]; defined?: { name: string } };
        if (o.array) return `[${idlType(o.array[0])}; ${o.array[1]}]`;
        if (o.defined) return o.defined.name;
        throw new Error(`IDL type ${JSON.stringify(t)}`);
    };
    const toLayoutType: Record<string, string> = {
        u8: 'u8',
        u32: 'u32',
        u64: 'u64',
        i64: 'i64',
        pubkey: 'pubkey',
        '[u8; 32]': 'bytes32',
        '[u8; 2]': 'bytes2',
        '[u64; 4]': 'u64x4',
        '[u64; 8]': 'u64x8',
        '[u64; 10]': 'u64x10',
        '[u64; 16]': 'u64x16',
        '[Band; 256]': 'bands',
        MarketParams: 'params',
        RiskParams: 'riskParams',
        RiskState: 'riskState',
        BookHeader: 'header',
    };
    for (const [name, layout] of [
        ['Market', MARKET],
        ['MarketParams', MARKET_PARAMS],
        ['RiskParams', RISK_PARAMS],
        ['RiskState', RISK_STATE],
        ['BookHeader', BOOK_HEADER],
    ] as const) {
        test(name, () => {
            const def = idl.types.find(t => t.name === name) as any;
            assert.ok(def, `${name} in the IDL`);
            assert.equal(def.serialization, 'bytemuck');
            assert.deepStrictEqual(def.repr, { kind: 'c' });
            assert.deepStrictEqual(
                def.type.fields.map((f: any) => [camel(f.name), toLayoutType[idlType(f.type)]]),
                fieldsOf(layout),
            );
        });
    }
});
