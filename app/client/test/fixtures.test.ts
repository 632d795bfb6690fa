// The decoders, health and instruction builders against bytes written by the Rust program
// (test/fixtures/*.json, format in test/fixtures/README.md). A missing fixture skips its
// test visibly. The checker itself is exercised on synthetic fixtures in the same format.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { address, isSignerRole, isWritableRole } from '@solana/kit';

import { getMarketDecoder } from '../src/generated';
import { positionHealth } from '../src/health';
import { NONE } from '../src/layout';
import { defaultSoftParams } from '../src/params';
import {
    buildFromFixture,
    checkInstructionsFixture,
    checkLotBookFixture,
    checkMarketFixture,
    checkSlabFixture,
    FIXTURES_DIR,
    readFixture,
    readIdl,
    toFixtureEncoding,
    toHex,
    type Idl,
    type IxFixture,
} from './fixture-check';
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

const CHECKS: [file: string, check: (fx: any) => void, what: string][] = [
    ['market.json', checkMarketFixture, 'Market account: every field (and the accrued borrow index)'],
    ['slab.json', checkSlabFixture, 'PositionSlab: header, in-use positions, every field and health'],
    ['lot_book.json', checkLotBookFixture, 'LotBook: header, open lots, every field'],
    ['instructions.json', checkInstructionsFixture, 'every instruction: data bytes and account metas'],
];

describe('fixtures written by the Rust program', () => {
    for (const [file, check, what] of CHECKS) {
        test(`${file}: ${what}`, t => {
            if (!existsSync(path.join(FIXTURES_DIR, file))) {
                t.skip(`fixture ${file} missing: written by the Rust fixture test (tests/), see test/fixtures/README.md`);
                return;
            }
            check(readFixture(file));
        });
    }
});

// ---- synthetic fixtures: the checker and the format, without the Rust side ----

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

function syntheticMarket(rng: Rng) {
    const args = {
        ...randomMarketArgs(rng),
        params: defaultSoftParams(),
        borrowIndex: 1_000_000_000_000_000n,
        lastAccrualSlot: 100n,
        totalDebtShares: 800_000_000n,
        poolCashNative: 200_000_000n,
    };
    const bytes = marketBytes(args);
    const { discriminator: _, ...decoded } = getMarketDecoder().decode(bytes);
    return {
        account_b64: b64(bytes),
        expected: toFixtureEncoding(decoded),
        // 80% utilisation -> 1,000 bps a year; 1/1000 year -> index × 1.0001.
        accrual: [
            { slot: '100', borrow_index: '1000000000000000' },
            { slot: String(100 + 78_840), borrow_index: '1000100000000000' },
        ],
    };
}

function syntheticSlab(rng: Rng) {
    const market = rng.address();
    const bytes = slabBytes({ market, capacity: 8, used: 4, freeHead: 1, nextUnused: 5 });
    const context = { price: '100000000000', borrow_index: '1050000000000000', init_margin_bps: '1000', maint_margin_bps: '500', target_margin_bps: '600' };
    const positions = [];
    for (let i = 0; i < 5; i++) {
        const p = randomPosition(rng, i === 1 ? 0 : i === 3 ? 3 : 1);
        p.collateralNative = 10_000_000_000n + BigInt(i);
        p.debtShares = [0n, 0n, 900_000_000n, 940_000_000n, 1n << 40n][i]!;
        p.nextFree = i === 1 ? NONE : p.nextFree;
        writePosition(bytes, i, p);
        if (i === 1) continue;
        const market = {
            borrowIndex: BigInt(context.borrow_index),
            params: { initMarginBps: 1_000n, maintMarginBps: 500n, targetMarginBps: 600n },
        };
        positions.push(toFixtureEncoding({ index: i, ...p, ...positionHealth(p, market, BigInt(context.price))! }));
    }
    return {
        account_b64: b64(bytes),
        context,
        expected: {
            header: { market, capacity: 8, used: 4, free_head: 1, next_unused: 5, reserved: new Array(8).fill('0') },
            positions,
        },
    };
}

function syntheticLotBook(rng: Rng) {
    const market = rng.address();
    const bytes = lotBookBytes({ market, capacity: 4, used: 2, freeHead: 0, nextUnused: 3 });
    const lots = [];
    for (let i = 0; i < 3; i++) {
        const l = randomLot(rng, i === 0 ? 0 : 1);
        writeLot(bytes, i, l);
        if (i > 0) lots.push(toFixtureEncoding({ index: i, ...l }));
    }
    return {
        account_b64: b64(bytes),
        expected: {
            header: { market, capacity: 4, used: 2, free_head: 0, next_unused: 3, reserved: new Array(8).fill('0') },
            lots,
        },
    };
}

/** A random argument value in the fixture encoding (README) for an IDL type. */
function fixtureArg(idl: Idl, rng: Rng, type: any): unknown {
    if (typeof type === 'string') {
        if (type === 'u64' || type === 'i64') return rng.value().toString();
        if (type === 'u32') return rng.u32();
        if (type === 'u8') return rng.u8();
        if (type === 'bool') return rng.u8() % 2 === 0;
        if (type === 'pubkey') return rng.address();
        throw new Error(type);
    }
    if (type.array) return type.array[0] === 'u8' ? toHex(rng.bytes(type.array[1])) : Array.from({ length: type.array[1] }, () => fixtureArg(idl, rng, type.array[0]));
    if (type.vec) return Array.from({ length: 3 }, () => fixtureArg(idl, rng, type.vec));
    const def = idl.types.find(t => t.name === type.defined.name)!;
    return Object.fromEntries(def.type.fields!.map(f => [f.name, fixtureArg(idl, rng, f.type)]));
}

function syntheticInstructions(rng: Rng) {
    const idl = readIdl();
    const programId = address(idl.address);
    const instructions: IxFixture[] = idl.instructions.map(ix => {
        const fx: IxFixture = {
            name: ix.name,
            args: Object.fromEntries(ix.args.map(a => [a.name, fixtureArg(idl, rng, a.type)])),
            accounts: ix.accounts.map((a, k) =>
                a.optional && k % 2 === 0
                    ? { name: a.name, pubkey: programId, is_signer: false, is_writable: false }
                    : { name: a.name, pubkey: rng.address(), is_signer: !!a.signer, is_writable: !!a.writable },
            ),
            data_hex: '',
        };
        // The data as the builder encodes it: this exercises the checker, not the encoding
        // (the real instructions.json has the program's bytes).
        const built = buildFromFixture(idl, programId, fx);
        fx.data_hex = toHex(built.data as Uint8Array);
        // The roles the builder gives must be the IDL's.
        built.accounts!.forEach((m, k) => {
            assert.equal(isSignerRole(m.role), fx.accounts[k]!.is_signer, `${ix.name}.${fx.accounts[k]!.name} signer`);
            assert.equal(isWritableRole(m.role), fx.accounts[k]!.is_writable, `${ix.name}.${fx.accounts[k]!.name} writable`);
        });
        return fx;
    });
    return { program_id: idl.address, instructions };
}

describe('fixture checker on synthetic fixtures (format self-test)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'softliq-fixtures-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const rng = new Rng(50);
    const synthetic: Record<string, unknown> = {
        'market.json': syntheticMarket(rng),
        'slab.json': syntheticSlab(rng),
        'lot_book.json': syntheticLotBook(rng),
        'instructions.json': syntheticInstructions(rng),
    };
    for (const [file, value] of Object.entries(synthetic)) writeFileSync(path.join(dir, file), JSON.stringify(value, null, 2));

    for (const [file, check] of CHECKS) {
        test(`${file} passes when right`, () => check(readFixture(file, dir)));
    }

    test('and fails when a byte, a value or an instruction is wrong', () => {
        const market = readFixture('market.json', dir);
        const bytes = Buffer.from(market.account_b64, 'base64');
        bytes[8 + 288 + 256 + 16] ^= 1; // borrow_index
        assert.throws(() => checkMarketFixture({ ...market, account_b64: bytes.toString('base64') }), /Market fields/);

        const slab = readFixture('slab.json', dir);
        slab.expected.positions[1].health_maint = '0';
        assert.throws(() => checkSlabFixture(slab), /position 2/);
        const freed = readFixture('slab.json', dir);
        freed.expected.positions.splice(0, 1);
        assert.throws(() => checkSlabFixture(freed), /in-use position indices/);

        const book = readFixture('lot_book.json', dir);
        book.expected.lots[0].resets += 1;
        assert.throws(() => checkLotBookFixture(book), /lot 1/);

        const ixs = readFixture('instructions.json', dir);
        ixs.instructions[0].data_hex = ixs.instructions[0].data_hex.replace(/.$/, (c: string) => (c === '0' ? '1' : '0'));
        assert.throws(() => checkInstructionsFixture(ixs), /instruction data/);
        const fewer = readFixture('instructions.json', dir);
        fewer.instructions.pop();
        assert.throws(() => checkInstructionsFixture(fewer), /missing from instructions.json/);
    });
});
