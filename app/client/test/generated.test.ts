// The committed IDL and generated client are in sync with the program:
// - idl/softliq.json names every instruction, account, event and error of the Rust sources
//   (a fast guard; the full check rebuilds the IDL: `cargo run -p xtask -- idl --check`);
// - src/generated/ is exactly what Codama renders from idl/softliq.json.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { DEFAULT_IDL, DEFAULT_OUT, generate } from '../scripts/generate';
import { readIdl } from './fixture-check';
import { programAccounts, programErrors, programEvents, programInstructions } from './rust-sources';

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
    test('every error, with its code and message', () => {
        assert.deepStrictEqual(
            idl.errors.map(e => ({ code: e.code, name: e.name, msg: e.msg })),
            programErrors().map((e, i) => ({ code: 6000 + i, name: e.name, msg: e.msg })),
        );
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
