/**
 * Checks fixture files (format: test/fixtures/README.md) against the hand-written decoders,
 * health and the generated instruction builders. Used by fixtures.test.ts on the files the
 * Rust test writes, and on synthetic files to test this checker itself.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { address, createNoopSigner, isSignerRole, isWritableRole, type Address, type Instruction } from '@solana/kit';

import * as client from '../src/index';
import { decodeLotBookAccount, decodeMarketAccount, decodePositionSlabAccount, type PositionEntry } from '../src/decode';
import { borrowIndexAt, positionHealth } from '../src/health';

export const CLIENT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const IDL_PATH = path.join(CLIENT_DIR, 'idl', 'softliq.json');
export const FIXTURES_DIR = path.join(CLIENT_DIR, 'test', 'fixtures');

// ---- encoding helpers ----

export const toHex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
export const fromHex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
/** Rust field name -> camelCase (`_padding` -> `padding`, `slope1_bps` -> `slope1Bps`). */
export const camel = (s: string) => s.replace(/^_+/, '').replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
/** camelCase -> the Rust field name. */
export const snake = (s: string) => (s === 'padding' ? '_padding' : s.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`));
export const pascal = (s: string) => camel(s).replace(/^./, c => c.toUpperCase());

/** A decoded value in the fixture encoding (bigint -> string, bytes -> hex, keys -> Rust names). */
export function toFixtureEncoding(v: unknown): unknown {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return toHex(v);
    if (Array.isArray(v)) return v.map(toFixtureEncoding);
    if (v !== null && typeof v === 'object') {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [snake(k), toFixtureEncoding(x)]));
    }
    return v;
}

export function accountBytes(fixture: { account_b64: string }): Uint8Array {
    return new Uint8Array(Buffer.from(fixture.account_b64, 'base64'));
}

export function readFixture<T = any>(name: string, dir = FIXTURES_DIR): T {
    return JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as T;
}

// ---- accounts ----

export function checkMarketFixture(fx: any): void {
    const market = decodeMarketAccount(accountBytes(fx));
    assert.deepStrictEqual(toFixtureEncoding(market), fx.expected, 'Market fields');
    for (const a of fx.accrual ?? []) {
        assert.equal(borrowIndexAt(market, BigInt(a.slot))?.toString(), a.borrow_index, `borrow index at slot ${a.slot}`);
    }
}

export function checkSlabFixture(fx: any): void {
    const slab = decodePositionSlabAccount(accountBytes(fx));
    const ctx = fx.context;
    const market = {
        borrowIndex: BigInt(ctx.borrow_index),
        params: {
            initMarginBps: BigInt(ctx.init_margin_bps),
            maintMarginBps: BigInt(ctx.maint_margin_bps),
            targetMarginBps: BigInt(ctx.target_margin_bps),
        },
    };
    const price = BigInt(ctx.price);
    assert.deepStrictEqual(toFixtureEncoding(slab.header), fx.expected.header, 'slab header');
    assert.deepStrictEqual(
        slab.positions.map(p => p.index),
        fx.expected.positions.map((p: any) => p.index),
        'in-use position indices',
    );
    const withHealth = (p: PositionEntry) => {
        const h = positionHealth(p, market, price);
        assert.ok(h, `health of position ${p.index} overflows`);
        return { ...p, ...h };
    };
    for (const [i, p] of slab.positions.entries()) {
        assert.deepStrictEqual(toFixtureEncoding(withHealth(p)), fx.expected.positions[i], `position ${p.index}`);
    }
}

export function checkLotBookFixture(fx: any): void {
    const book = decodeLotBookAccount(accountBytes(fx));
    assert.deepStrictEqual(toFixtureEncoding(book.header), fx.expected.header, 'lot book header');
    assert.deepStrictEqual(
        book.lots.map(l => l.index),
        fx.expected.lots.map((l: any) => l.index),
        'in-use lot indices',
    );
    for (const [i, l] of book.lots.entries()) {
        assert.deepStrictEqual(toFixtureEncoding(l), fx.expected.lots[i], `lot ${l.index}`);
    }
}

// ---- instructions ----

type IdlType = string | { array: [IdlType, number] } | { vec: IdlType } | { defined: { name: string } } | { option: IdlType };
interface IdlField {
    name: string;
    type: IdlType;
}
export interface Idl {
    address: string;
    instructions: {
        name: string;
        accounts: { name: string; optional?: boolean; signer?: boolean; writable?: boolean; address?: string }[];
        args: IdlField[];
    }[];
    types: { name: string; type: { kind: string; fields?: IdlField[] } }[];
    accounts: { name: string }[];
    events: { name: string }[];
    errors: { code: number; name: string; msg?: string }[];
}

export function readIdl(): Idl {
    return JSON.parse(readFileSync(IDL_PATH, 'utf8')) as Idl;
}

/** A fixture argument (README encoding) -> the generated builder's input value. */
export function argFromFixture(idl: Idl, v: any, type: IdlType): unknown {
    if (typeof type === 'string') {
        switch (type) {
            case 'u64':
            case 'i64':
            case 'u128':
            case 'i128':
                return BigInt(v);
            case 'u8':
            case 'u16':
            case 'u32':
            case 'i8':
            case 'i16':
            case 'i32':
            case 'bool':
                return v;
            case 'pubkey':
                return address(v);
            default:
                throw new Error(`fixture arg type ${type} not handled`);
        }
    }
    if ('array' in type) {
        const [inner] = type.array;
        return inner === 'u8' ? fromHex(v) : (v as any[]).map(x => argFromFixture(idl, x, inner));
    }
    if ('vec' in type) return (v as any[]).map(x => argFromFixture(idl, x, type.vec));
    if ('option' in type) return v === null ? null : argFromFixture(idl, v, type.option);
    const def = idl.types.find(t => t.name === type.defined.name);
    if (!def?.type.fields) throw new Error(`fixture arg: type ${type.defined.name} is not a struct`);
    return Object.fromEntries(def.type.fields.map(f => [camel(f.name), argFromFixture(idl, v[f.name], f.type)]));
}

export interface IxFixture {
    name: string;
    args: Record<string, unknown>;
    accounts: { name: string; pubkey: string; is_signer: boolean; is_writable: boolean }[];
    data_hex: string;
}

/** Builds a fixture's instruction with the generated (sync) builder. */
export function buildFromFixture(idl: Idl, programId: Address, fx: IxFixture): Instruction {
    const ix = idl.instructions.find(i => i.name === fx.name);
    assert.ok(ix, `instruction ${fx.name} is not in the IDL`);
    const input: Record<string, unknown> = {};
    for (const arg of ix.args) {
        assert.ok(arg.name in fx.args, `${fx.name}: fixture lacks arg ${arg.name}`);
        const value = argFromFixture(idl, fx.args[arg.name], arg.type);
        input[camel(arg.name)] = value;
        // Codama flattens a lone struct argument into the instruction's arguments.
        if (ix.args.length === 1 && typeof arg.type === 'object' && 'defined' in arg.type) Object.assign(input, value);
    }
    for (const meta of fx.accounts) {
        const idlAccount = ix.accounts.find(a => a.name === meta.name);
        assert.ok(idlAccount, `${fx.name}: account ${meta.name} is not in the IDL`);
        const absent = idlAccount.optional && meta.pubkey === programId && !meta.is_signer && !meta.is_writable;
        if (absent) continue;
        input[camel(meta.name)] = meta.is_signer ? createNoopSigner(address(meta.pubkey)) : address(meta.pubkey);
    }
    const builder = (client as unknown as Record<string, unknown>)[`get${pascal(fx.name)}Instruction`];
    assert.equal(typeof builder, 'function', `no generated builder for ${fx.name}`);
    return (builder as (input: unknown, config: unknown) => Instruction)(input, { programAddress: programId });
}

export function checkInstructionsFixture(fx: { program_id: string; instructions: IxFixture[] }): void {
    const idl = readIdl();
    const programId = address(fx.program_id);
    const kinds = new Set(fx.instructions.map(i => i.name));
    const missing = idl.instructions.map(i => i.name).filter(n => !kinds.has(n));
    assert.deepStrictEqual(missing, [], 'instruction kinds missing from instructions.json');
    for (const f of fx.instructions) {
        const ix = buildFromFixture(idl, programId, f);
        assert.equal(ix.programAddress, programId, `${f.name}: program`);
        assert.equal(toHex(ix.data as Uint8Array), f.data_hex, `${f.name}: instruction data`);
        const metas = (ix.accounts ?? []).map((a, i) => ({
            name: f.accounts[i]?.name ?? `#${i}`,
            pubkey: a.address,
            is_signer: isSignerRole(a.role),
            is_writable: isWritableRole(a.role),
        }));
        assert.deepStrictEqual(metas, f.accounts, `${f.name}: account metas`);
    }
}
