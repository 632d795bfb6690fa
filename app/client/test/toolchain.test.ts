// Checks that the pinned Codama toolchain loads and renders a client from an Anchor 1.x IDL.
// The real IDL (idl/softliq.json) and its fixtures get their own tests once the program lands;
// this one guards the pins and overrides in package.json / package-lock.json.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { DEFAULT_IDL, DEFAULT_OUT, generate, withEventTypes } from '../scripts/generate';
import { ACCOUNT_DISCRIMINATOR_SIZE } from '../src/index';

const disc = (preimage: string) => [...createHash('sha256').update(preimage).digest().subarray(0, 8)];

// A minimal Anchor 1.x (spec 0.1.0) IDL in the shape the program will produce: a zero-copy
// account, an instruction with u32/u64 args, an event and an error. Not softliq's IDL.
const TOY_IDL = {
    address: 'Fg6PaFpoGXkYsidMpWTK6W2BeZ7FEfcYkg476zPFsLnS',
    metadata: { name: 'toy', version: '0.1.0', spec: '0.1.0' },
    instructions: [
        {
            name: 'bump_counter',
            discriminator: disc('global:bump_counter'),
            accounts: [
                { name: 'authority', signer: true },
                { name: 'counter', writable: true },
            ],
            args: [
                { name: 'index', type: 'u32' },
                { name: 'amount', type: 'u64' },
            ],
        },
    ],
    accounts: [{ name: 'Counter', discriminator: disc('account:Counter') }],
    events: [{ name: 'CounterBumped', discriminator: disc('event:CounterBumped') }],
    errors: [{ code: 6000, name: 'MathOverflow', msg: 'Math overflow' }],
    types: [
        {
            name: 'Counter',
            serialization: 'bytemuck',
            repr: { kind: 'c' },
            type: {
                kind: 'struct',
                fields: [
                    { name: 'authority', type: 'pubkey' },
                    { name: 'total', type: 'u64' },
                    { name: 'index', type: 'u32' },
                    { name: '_padding', type: { array: ['u8', 4] } },
                ],
            },
        },
        {
            name: 'CounterBumped',
            type: {
                kind: 'struct',
                fields: [
                    { name: 'index', type: 'u32' },
                    { name: 'total', type: 'u64' },
                ],
            },
        },
    ],
};

describe('codama toolchain', () => {
    const work = mkdtempSync(path.join(tmpdir(), 'softliq-codama-'));
    after(() => rmSync(work, { recursive: true, force: true }));

    test('generate script exports its entry points and default paths', () => {
        assert.equal(typeof generate, 'function');
        assert.equal(typeof withEventTypes, 'function');
        assert.match(DEFAULT_IDL, /app[\\/]client[\\/]idl[\\/]softliq\.json$/);
        assert.match(DEFAULT_OUT, /app[\\/]client[\\/]src[\\/]generated$/);
        assert.equal(ACCOUNT_DISCRIMINATOR_SIZE, 8);
    });

    test('renders accounts, instructions, errors and events from an Anchor 1.x IDL', async () => {
        const idlPath = path.join(work, 'toy.json');
        const outDir = path.join(work, 'generated');
        writeFileSync(idlPath, JSON.stringify(TOY_IDL));
        await generate(idlPath, outDir);

        const read = (rel: string) => {
            const file = path.join(outDir, rel);
            assert.ok(existsSync(file), `missing ${rel}`);
            return readFileSync(file, 'utf8');
        };
        const account = read('accounts/counter.ts');
        // Packed size: 8 (discriminator) + 32 + 8 + 4 + 4 — equals repr(C) only because the
        // struct has explicit padding (Codama ignores repr).
        assert.match(account, /getCounterSize\(\): number \{\s*return 56;/);
        assert.match(account, /\["padding", fixDecoderSize\(getBytesDecoder\(\), 4\)\]/);

        const ix = read('instructions/bumpCounter.ts');
        assert.match(ix, /\["index", getU32Encoder\(\)\],\s*\["amount", getU64Encoder\(\)\]/);
        assert.ok(ix.includes(disc('global:bump_counter').join(', ')), 'instruction discriminator');

        assert.match(read('errors/toy.ts'), /TOY_ERROR__MATH_OVERFLOW = 0x1770/);

        // Events are not rendered by renderers-js; withEventTypes adds them as defined types.
        const event = read('types/counterBumped.ts');
        assert.match(event, /export function getCounterBumpedDecoder\(\)/);
        assert.match(event, /getHiddenPrefixDecoder\(/);
        assert.ok(event.includes(disc('event:CounterBumped').join(', ')), 'event discriminator');
    });

    test('rendering is deterministic', async () => {
        const idlPath = path.join(work, 'toy.json');
        const a = path.join(work, 'a');
        const b = path.join(work, 'b');
        await generate(idlPath, a);
        await generate(idlPath, b);
        for (const rel of ['accounts/counter.ts', 'instructions/bumpCounter.ts', 'types/counterBumped.ts', 'index.ts']) {
            assert.equal(readFileSync(path.join(a, rel), 'utf8'), readFileSync(path.join(b, rel), 'utf8'), rel);
        }
    });
});
