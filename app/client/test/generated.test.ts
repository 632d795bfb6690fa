// The committed IDL and generated client are in sync with the program:
// - idl/softliq.json names every instruction, account, event and error of the Rust sources
//   (a fast guard; the full check rebuilds the IDL: `cargo run -p xtask -- idl --check`);
// - src/generated/ is exactly what Codama renders from idl/softliq.json.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { createHash } from 'node:crypto';

import { DEFAULT_IDL, DEFAULT_OUT, generate } from '../scripts/generate';
import * as client from '../src/index';
import { address, AccountRole, generateKeyPairSigner } from '@solana/kit';

import { readIdl } from './fixture-check';
import { eventFields, programAccounts, programErrors, programEvents, programInstructions } from './rust-sources';

describe('idl/softliq.json lists what the program declares', () => {
    const idl = readIdl();

    test('every instruction of lib.rs', () => {
        assert.deepStrictEqual(idl.instructions.map(i => i.name).sort(), programInstructions().sort());
    });
    test('every account type', () => {
        assert.deepStrictEqual(idl.accounts.map(a => a.name).sort(), programAccounts());
        for (const name of ['Market', 'PositionSlab', 'LotBook', 'LpAccount', 'InsuranceStake']) {
            assert.ok(idl.accounts.some(a => a.name === name), name);
        }
    });
    test('every event', () => {
        assert.deepStrictEqual(idl.events.map(e => e.name).sort(), programEvents());
    });
    test('every event has the fields of its Rust struct, in order, with their types', () => {
        const idlType = (t: unknown) => (typeof t === 'string' ? t : JSON.stringify(t));
        const rustType = (t: string): string => {
            if (t === 'Pubkey') return 'pubkey';
            const vec = /^Vec<(\w+)>$/.exec(t);
            if (vec) return JSON.stringify({ vec: { defined: { name: vec[1] } } });
            return t;
        };
        for (const e of idl.events) {
            const def = idl.types.find(t => t.name === e.name);
            assert.ok(def, `${e.name} type in the IDL`);
            assert.deepStrictEqual(
                def.type.fields!.map(f => [f.name, idlType(f.type)]),
                eventFields(e.name).map(([n, t]) => [n, rustType(t)]),
                e.name,
            );
        }
    });
    test('every error, with its code and message', () => {
        assert.deepStrictEqual(
            idl.errors.map(e => ({ code: e.code, name: e.name, msg: e.msg })),
            programErrors().map((e, i) => ({ code: 6000 + i, name: e.name, msg: e.msg })),
        );
    });
    test('counts: 21 instructions, 5 accounts, 19 events, 64 errors (6000–6063)', () => {
        // Pinned so that a change of the program's surface is a visible, reviewed change here.
        assert.equal(idl.instructions.length, 21);
        assert.equal(idl.accounts.length, 5);
        assert.equal(idl.events.length, 19);
        assert.equal(idl.errors.length, 64);
        assert.equal(idl.errors.at(-1)?.code, 6063);
    });
    test('dynamic risk: set_risk_params, refresh_risk, their events and errors', () => {
        const ix = (name: string) => idl.instructions.find(i => i.name === name);
        assert.deepStrictEqual(
            ix('set_risk_params')?.accounts.map(a => [a.name, !!a.signer, !!a.writable]),
            [
                ['admin', true, false],
                ['market', false, true],
            ],
        );
        assert.deepStrictEqual(ix('set_risk_params')?.args, [{ name: 'risk', type: { defined: { name: 'RiskParams' } } }]);
        assert.deepStrictEqual(
            ix('refresh_risk')?.accounts.map(a => [a.name, !!a.signer, !!a.writable]),
            [
                ['market', false, true],
                ['oracle', false, false],
            ],
        );
        assert.deepStrictEqual(ix('refresh_risk')?.args, []);
        const initArgs = idl.types.find(t => t.name === 'InitializeMarketArgs')?.type.fields?.map(f => f.name);
        assert.deepStrictEqual(initArgs, ['params', 'oracle_kind', 'oracle_feed_id', 'inverted', 'lot_capacity', 'risk']);
        for (const name of ['RiskUpdated', 'RiskParamsUpdated', 'FastFallObserved']) assert.ok(idl.events.some(e => e.name === name), name);
        assert.deepStrictEqual(
            idl.errors.filter(e => e.code >= 6055 && e.code <= 6058).map(e => [e.code, e.name]),
            [
                [6055, 'InvalidRiskParams'],
                [6056, 'UnsafeCrankGap'],
                [6057, 'RiskCapImmutable'],
                [6058, 'DepthChangeTooLarge'],
            ],
        );
        // The generated client has them.
        assert.equal(client.SOFTLIQ_ERROR__INVALID_RISK_PARAMS, 6055);
        assert.equal(client.SOFTLIQ_ERROR__DEPTH_CHANGE_TOO_LARGE, 6058);
        assert.equal(Object.keys(client.SoftliqInstruction).filter(k => isNaN(Number(k))).length, 21);
        const sha8 = (s: string) => [...createHash('sha256').update(s).digest().subarray(0, 8)];
        assert.deepStrictEqual([...client.SET_RISK_PARAMS_DISCRIMINATOR], sha8('global:set_risk_params'));
        assert.deepStrictEqual([...client.REFRESH_RISK_DISCRIMINATOR], sha8('global:refresh_risk'));
    });
    test('red team round 2: errors, ParamsAnnounced, oracle on the exits', () => {
        assert.deepStrictEqual(
            idl.errors.filter(e => e.code >= 6059).map(e => [e.code, e.name]),
            [
                [6059, 'MarginRaiseTooLarge'],
                [6060, 'OracleOlderThanLast'],
                [6061, 'InvalidPauseFlags'],
                [6062, 'FreezeAuthorityNotAllowed'],
                [6063, 'WithdrawWindowExpired'],
            ],
        );
        assert.equal(client.SOFTLIQ_ERROR__ORACLE_OLDER_THAN_LAST, 6060);
        const announced = idl.events.find(e => e.name === 'ParamsAnnounced');
        assert.ok(announced, 'ParamsAnnounced event');
        for (const name of ['lp_withdraw', 'insurance_withdraw']) {
            const accounts = idl.instructions.find(i => i.name === name)?.accounts.map(a => a.name);
            assert.ok(accounts?.includes('oracle'), `${name} reads the oracle`);
        }
        const lpWithdrawn = idl.types.find(t => t.name === 'LpWithdrawn')?.type.fields?.map(f => f.name);
        assert.deepStrictEqual(lpWithdrawn?.slice(-2), ['exit_value', 'certain_loss']);
    });
    test('RiskUpdated decodes a `Program data:` entry (discriminator ++ borsh) and rejects a wrong discriminator', () => {
        const event = {
            market: '11111111111111111111111111111111' as never,
            slot: 2_002n,
            price: 94_000_000_000n,
            variancePpb2: 2_607_314_188_069n,
            sigmaHorizonBps: 198n,
            addonBps: 7n,
            maintAddonBps: 5n,
        };
        const bytes = client.getRiskUpdatedEncoder().encode(event);
        assert.deepStrictEqual([...bytes.subarray(0, 8)], [...createHash('sha256').update('event:RiskUpdated').digest().subarray(0, 8)]);
        assert.equal(bytes.length, 8 + 32 + 6 * 8);
        assert.deepStrictEqual(client.getRiskUpdatedDecoder().decode(bytes), event);
        const wrong = bytes.slice();
        wrong[0]! ^= 1;
        assert.throws(() => client.getRiskUpdatedDecoder().decode(wrong));
    });
    test('position deposit: open_position / close_position accounts, their builders and events', async () => {
        const ix = (name: string) => idl.instructions.find(i => i.name === name);
        const roles = (name: string) => ix(name)?.accounts.map(a => [a.name, !!a.signer, !!a.writable]);
        assert.deepStrictEqual(roles('open_position'), [
            ['owner', true, true],
            ['market', false, true],
            ['slab', false, true],
            ['system_program', false, false],
        ]);
        assert.equal(ix('open_position')?.accounts.at(-1)?.address, '11111111111111111111111111111111');
        assert.deepStrictEqual(ix('open_position')?.args, []);
        assert.deepStrictEqual(roles('close_position')?.[0], ['owner', true, true]);

        // The generated builders: the owner pays / gets the deposit (writable signer), the System
        // program is filled in by default.
        const owner = await generateKeyPairSigner();
        const market = address('11111111111111111111111111111112');
        const slab = address('SysvarRent111111111111111111111111111111111');
        const open = client.getOpenPositionInstruction({ owner, market, slab });
        assert.deepStrictEqual(
            open.accounts.map(a => [a.address, a.role]),
            [
                [owner.address, AccountRole.WRITABLE_SIGNER],
                [market, AccountRole.WRITABLE],
                [slab, AccountRole.WRITABLE],
                [client.SYSTEM_PROGRAM_ADDRESS, AccountRole.READONLY],
            ],
        );
        assert.deepStrictEqual([...open.data], [...client.OPEN_POSITION_DISCRIMINATOR]);
        const close = client.getClosePositionInstruction({
            owner,
            market,
            slab,
            ownerCollateral: market,
            collateralVault: market,
            collateralMint: market,
            vaultAuth: market,
            collateralTokenProgram: client.TOKEN_PROGRAM_ADDRESS,
            index: 1,
            generation: 2,
        });
        assert.equal(close.accounts[0]!.role, AccountRole.WRITABLE_SIGNER);

        // Events: `deposit_lamports` last; LotBookFull (crank skip) and the
        // crank's one event with a record per liquidation decode.
        const key = '11111111111111111111111111111111' as never;
        const disc = (name: string) => [...createHash('sha256').update(`event:${name}`).digest().subarray(0, 8)];
        const cases: [string, Record<string, unknown>, { getEncoder: () => any; getDecoder: () => any }, number][] = [
            [
                'PositionOpened',
                { market: key, slab: key, index: 7, generation: 3, owner: key, depositLamports: client.POSITION_DEPOSIT_LAMPORTS },
                { getEncoder: client.getPositionOpenedEncoder, getDecoder: client.getPositionOpenedDecoder },
                8 + 32 + 32 + 4 + 4 + 32 + 8,
            ],
            [
                'PositionClosed',
                { market: key, slab: key, index: 7, generation: 3, collateralReturned: 5n, depositLamports: client.POSITION_DEPOSIT_LAMPORTS },
                { getEncoder: client.getPositionClosedEncoder, getDecoder: client.getPositionClosedDecoder },
                8 + 32 + 32 + 4 + 4 + 8 + 8,
            ],
            [
                'LotBookFull',
                { market: key, slab: key, index: 7, generation: 3, skipped: 2 },
                { getEncoder: client.getLotBookFullEncoder, getDecoder: client.getLotBookFullDecoder },
                8 + 32 + 32 + 4 + 4 + 4,
            ],
            [
                'CrankCompleted',
                {
                    market: key, slab: key, keeper: key, slot: 9n, price: 94_000_000_000n, entries: 3, keeperPaid: 4n,
                    budgetLevel: 0n, budgetUsed: 0n, urgentUsed: 0n,
                    liquidations: [1, 2].map(i => ({
                        index: i, generation: 1, lotIndex: i, lotGeneration: 1, seizedCollateral: 10n, debtMoved: 9n,
                        penalty: 1n, seizedNotional: 10n, keeperPaid: 2n, collateralAfter: 90n, debtAfter: 80n,
                        healthTargetAfter: -3n, bound: 0,
                    })),
                },
                { getEncoder: client.getCrankCompletedEncoder, getDecoder: client.getCrankCompletedDecoder },
                // header, then a u32 length and 81 bytes a record
                8 + 32 * 3 + 8 + 8 + 4 + 8 + 3 * 8 + 4 + 2 * (4 * 4 + 7 * 8 + 8 + 1),
            ],
        ];
        for (const [name, event, codec, size] of cases) {
            const bytes: Uint8Array = codec.getEncoder().encode(event);
            assert.equal(bytes.length, size, name);
            assert.deepStrictEqual([...bytes.subarray(0, 8)], disc(name), name);
            assert.deepStrictEqual(codec.getDecoder().decode(bytes), event, name);
            if ('depositLamports' in event) {
                // The u64 deposit is the last 8 bytes (little-endian).
                assert.equal(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(size - 8, true), 723_840n, name);
            }
        }
    });
    test('address is the declare_id!', () => {
        const m = /declare_id!\("(\w+)"\)/.exec(readFileSync(path.join(path.dirname(DEFAULT_IDL), '..', '..', '..', 'programs', 'softliq', 'src', 'lib.rs'), 'utf8'));
        assert.equal(idl.address, m?.[1]);
    });
});

function listFiles(dir: string): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
        for (const name of readdirSync(d).sort()) {
            const p = path.join(d, name);
            if (statSync(p).isDirectory()) walk(p);
            else out.push(path.relative(dir, p));
        }
    };
    walk(dir);
    return out;
}

describe('src/generated/ is up to date', () => {
    const work = mkdtempSync(path.join(tmpdir(), 'softliq-regen-'));
    after(() => rmSync(work, { recursive: true, force: true }));

    test('regenerating from idl/softliq.json gives the committed files', async () => {
        await generate(DEFAULT_IDL, work);
        const fresh = listFiles(work);
        assert.deepStrictEqual(listFiles(DEFAULT_OUT), fresh, 'file list (run `npm run generate` and commit src/generated/)');
        for (const rel of fresh) {
            assert.equal(
                readFileSync(path.join(DEFAULT_OUT, rel), 'utf8'),
                readFileSync(path.join(work, rel), 'utf8'),
                `src/generated/${rel} differs from a fresh render (run \`npm run generate\` and commit it)`,
            );
        }
    });
});
