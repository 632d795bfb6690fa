// The decoders, health and instruction builders against bytes written by the Rust program
// (test/fixtures/*.json, format in test/fixtures/README.md). A missing fixture skips its
// test visibly. The checker itself is exercised on synthetic fixtures in the same format.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { address, isSignerRole, isWritableRole } from '@solana/kit';

import { decodeMarketAccount, decodePositionSlabAccount } from '../src/decode';
import { getMarketDecoder } from '../src/generated';
import { positionHealth } from '../src/health';
import { MARKET_ACCOUNT_SIZE, NONE } from '../src/layout';
import { defaultSoftParams, effectiveMargins, effectiveParams } from '../src/params';
import {
    accountBytes,
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

    // The dynamic-risk fields of market.json, named one by one (the whole-struct check above
    // covers them too), and the margins in force that they give.
    test('market.json: risk and risk_state, the margins in force', t => {
        if (!existsSync(path.join(FIXTURES_DIR, 'market.json')) || !existsSync(path.join(FIXTURES_DIR, 'slab.json'))) {
            t.skip('fixture market.json or slab.json missing');
            return;
        }
        const fx = readFixture('market.json');
        const bytes = accountBytes(fx);
        assert.equal(bytes.length, MARKET_ACCOUNT_SIZE, 'Market::SPACE');
        const m = decodeMarketAccount(bytes);
        const risk = fx.expected.risk;
        const state = fx.expected.risk_state;
        assert.ok(risk && state, 'market.json has risk and risk_state');
        assert.deepStrictEqual(toFixtureEncoding(m.risk), risk, 'risk');
        assert.deepStrictEqual(toFixtureEncoding(m.riskState), state, 'risk_state');
        assert.equal(m.risk.marginAddonCapBps, BigInt(risk.margin_addon_cap_bps));
        assert.equal(m.risk.volEnabled, BigInt(risk.vol_enabled));
        assert.equal(m.risk.budgetCapBps, BigInt(risk.budget_cap_bps));
        assert.equal(m.riskState.lastPrice, BigInt(state.last_price));
        assert.equal(m.riskState.lastSlot, BigInt(state.last_slot));
        assert.equal(m.riskState.variancePpb2, BigInt(state.variance_ppb2));
        assert.equal(m.riskState.sigmaHorizonBps, BigInt(state.sigma_horizon_bps));
        assert.equal(m.riskState.addonBps, BigInt(state.addon_bps));
        assert.equal(m.riskState.maintAddonBps, BigInt(state.maint_addon_bps));
        assert.equal(m.riskState.updates, BigInt(state.updates));
        assert.deepStrictEqual(m.reserved, fx.expected.reserved.map(BigInt));

        // The margins in force (engine/risk.rs `effective`) from the decoded fields.
        const e = effectiveParams(m.params, m.risk, m.riskState);
        assert.ok(e, 'effective params of market.json');
        const p = fx.expected.params;
        assert.equal(e.initMarginBps, BigInt(p.init_margin_bps) + BigInt(state.addon_bps));
        assert.equal(e.maintMarginBps, BigInt(p.maint_margin_bps) + BigInt(state.maint_addon_bps));
        // The slab's health was computed at the market's margins: they are the ones in force,
        // and health from the decoded market (effective margins) reproduces every position.
        const slabFx = readFixture('slab.json');
        const ctx = slabFx.context;
        assert.deepStrictEqual(
            toFixtureEncoding(effectiveMargins(m.params, m.riskState)),
            { init_margin_bps: ctx.init_margin_bps, maint_margin_bps: ctx.maint_margin_bps, target_margin_bps: ctx.target_margin_bps },
            'slab.json context margins = effectiveMargins(market.json)',
        );
        assert.equal(m.borrowIndex.toString(), ctx.borrow_index, 'slab.json context borrow index = market.json borrow index');
        const slab = decodePositionSlabAccount(accountBytes(slabFx));
        for (const [i, q] of slab.positions.entries()) {
            const h = positionHealth(q, m, BigInt(ctx.price));
            assert.ok(h, `health of position ${q.index}`);
            const want = slabFx.expected.positions[i];
            assert.deepStrictEqual(
                toFixtureEncoding(h),
                { debt_native: want.debt_native, health_init: want.health_init, health_maint: want.health_maint, health_target: want.health_target, liquidatable: want.liquidatable },
                `position ${q.index} from the decoded market`,
            );
        }
    });
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
        const risky = Buffer.from(market.account_b64, 'base64');
        risky[8 + 864 + 32] ^= 1; // risk_state.addon_bps
        assert.throws(() => checkMarketFixture({ ...market, account_b64: risky.toString('base64') }), /Market fields/);
        const noRisk = readFixture('market.json', dir);
        delete noRisk.expected.risk_state;
        assert.throws(() => checkMarketFixture(noRisk), /Market fields/);

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
