/**
 * Minimal readers of the program's Rust sources, for tests that must fail as soon as the
 * program changes without the client following (no Rust build needed: these run in
 * `npm test` in milliseconds). They understand exactly the shapes used in
 * programs/softliq/src and fail loudly on anything else.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import type { FieldType } from '../src/layout';
import { CLIENT_DIR } from './fixture-check';

export const PROGRAM_SRC = path.resolve(CLIENT_DIR, '..', '..', 'programs', 'softliq', 'src');

export function readSource(rel: string): string {
    return readFileSync(path.join(PROGRAM_SRC, rel), 'utf8');
}

/** Every .rs file under the program's src/ (path relative to src/, text). */
export function allSources(): [string, string][] {
    const out: [string, string][] = [];
    const walk = (dir: string) => {
        for (const name of readdirSync(dir).sort()) {
            const p = path.join(dir, name);
            if (statSync(p).isDirectory()) walk(p);
            else if (name.endsWith('.rs')) out.push([path.relative(PROGRAM_SRC, p), readFileSync(p, 'utf8')]);
        }
    };
    walk(PROGRAM_SRC);
    return out;
}

/** Removes `#[cfg(test)] mod … { … }` blocks and comments (good enough for these sources). */
function stripTestsAndComments(src: string): string {
    const noComments = src.replace(/\/\/[^\n]*/g, '');
    const at = noComments.indexOf('#[cfg(test)]');
    return at < 0 ? noComments : noComments.slice(0, at);
}

/** The `pub fn name(ctx …` handlers of the `#[program]` module in lib.rs, in order. */
export function programInstructions(): string[] {
    const lib = readSource('lib.rs');
    const body = lib.slice(lib.indexOf('#[program]'));
    return [...body.matchAll(/pub fn (\w+)\s*\(\s*ctx\s*:/g)].map(m => m[1]!);
}

/** Names of the `#[event]` structs of the crate. */
export function programEvents(): string[] {
    return allSources()
        .flatMap(([, src]) => [...stripTestsAndComments(src).matchAll(/#\[event\]\s*(?:#\[[^\]]*\]\s*)*pub struct (\w+)/g)])
        .map(m => m[1]!)
        .sort();
}

/**
 * Fields `[rust_name, rust_type]` of the `#[event]` struct `name` (events.rs), in order, with
 * the Rust type as written (`Pubkey`, `u64`, …): events are borsh, not zero-copy, so any type.
 */
export function eventFields(name: string): [string, string][] {
    const src = stripTestsAndComments(readSource('events.rs'));
    const m = new RegExp(`#\\[event\\]\\s*(?:#\\[[^\\]]*\\]\\s*)*pub struct ${name}\\s*\\{([^}]*)\\}`).exec(src);
    if (!m) throw new Error(`events.rs: event ${name} not found`);
    return m[1]!
        .split('\n')
        .map(l => l.trim())
        .filter(l => l && !l.startsWith('#'))
        .map(l => {
            const f = /^pub (\w+): ([^,]+),?$/.exec(l);
            if (!f) throw new Error(`events.rs: ${name}: cannot read field line: ${l}`);
            return [f[1]!, f[2]!.trim()] as [string, string];
        });
}

/** Names of the account types (`#[account]` / `#[account(zero_copy…)]` on a struct). */
export function programAccounts(): string[] {
    return allSources()
        .flatMap(([, src]) => [
            ...stripTestsAndComments(src).matchAll(/#\[account(?:\(zero_copy[^)]*\))?\]\s*(?:#\[[^\]]*\]\s*)*pub struct (\w+)/g),
        ])
        .map(m => m[1]!)
        .sort();
}

/** Variants of the `#[error_code]` enum, in declaration order, with their messages. */
export function programErrors(): { name: string; msg: string | undefined }[] {
    const src = stripTestsAndComments(readSource('error.rs'));
    const start = src.indexOf('#[error_code]');
    const open = src.indexOf('{', start);
    const close = src.indexOf('\n}', open);
    const body = src.slice(open + 1, close);
    const out: { name: string; msg: string | undefined }[] = [];
    let msg: string | undefined;
    for (const line of body.split('\n').map(l => l.trim()).filter(Boolean)) {
        const m = /^#\[msg\("(.*)"\)\]$/.exec(line);
        if (m) {
            msg = m[1];
            continue;
        }
        const v = /^(\w+),?$/.exec(line);
        if (!v) throw new Error(`error.rs: unexpected line in the error enum: ${line}`);
        out.push({ name: v[1]!, msg });
        msg = undefined;
    }
    return out;
}

const RUST_TYPES: Record<string, FieldType> = {
    u8: 'u8',
    u32: 'u32',
    u64: 'u64',
    i64: 'i64',
    Pubkey: 'pubkey',
    '[u8; 32]': 'bytes32',
    '[u8; 2]': 'bytes2',
    '[u64; 4]': 'u64x4',
    '[u64; 8]': 'u64x8',
    '[u64; 16]': 'u64x16',
    '[Band; BANDS]': 'bands',
    MarketParams: 'params',
    RiskParams: 'riskParams',
    RiskState: 'riskState',
    BookHeader: 'header',
};

/** Fields `[rust_name, FieldType]` of `pub struct name { … }` in `file`, in order. */
export function structFields(file: string, name: string): [string, FieldType][] {
    const src = stripTestsAndComments(readSource(file));
    const m = new RegExp(`pub struct ${name}\\s*\\{([^}]*)\\}`).exec(src);
    if (!m) throw new Error(`${file}: struct ${name} not found`);
    return m[1]!
        .split('\n')
        .map(l => l.trim())
        .filter(l => l && !l.startsWith('#'))
        .map(l => {
            const f = /^pub (\w+): ([^,]+),?$/.exec(l);
            if (!f) throw new Error(`${file}: ${name}: cannot read field line: ${l}`);
            const type = RUST_TYPES[f[2]!.trim()];
            if (!type) throw new Error(`${file}: ${name}.${f[1]}: type ${f[2]} unknown to layout.ts`);
            return [f[1]!, type] as [string, FieldType];
        });
}

/** `pub const NAME: T = <expr>;` evaluated (integer literals, `*`, `+`, known constants). */
export function rustConst(file: string, name: string, known: Record<string, bigint> = {}): bigint {
    const src = readSource(file);
    const m = new RegExp(`pub const ${name}: \\w+ =\\s*([^;]+);`).exec(src);
    if (!m) throw new Error(`${file}: const ${name} not found`);
    return evalIntExpr(m[1]!, known);
}

/**
 * Evaluates `a * b + c` over integer literals (with `_`) and named constants; an integer cast
 * of a factor (`POSITION_SIZE as u64`) is dropped (the values are bigints).
 */
export function evalIntExpr(expr: string, known: Record<string, bigint> = {}): bigint {
    return expr
        .split('+')
        .map(term =>
            term
                .split('*')
                .map(f => f.trim().replace(/\s+as\s+(?:u8|u16|u32|u64|u128|usize|i64|i128)$/, ''))
                .map(f => {
                    if (/^[0-9_]+$/.test(f)) return BigInt(f.replace(/_/g, ''));
                    const k = known[f];
                    if (k === undefined) throw new Error(`cannot evaluate ${f} in ${expr}`);
                    return k;
                })
                .reduce((a, b) => a * b, 1n),
        )
        .reduce((a, b) => a + b, 0n);
}

/** A constructor field value: an integer expression (`evalIntExpr`) or `[expr; n]` (an array). */
export function evalRustValue(expr: string, known: Record<string, bigint> = {}): bigint | bigint[] {
    const rep = /^\[(.+);\s*([0-9_]+)\]$/.exec(expr.trim());
    if (rep) return Array.from({ length: Number(rep[2]!.replace(/_/g, '')) }, () => evalIntExpr(rep[1]!, known));
    return evalIntExpr(expr, known);
}

/** `field: value,` pairs of a `Self { … }` constructor in a function body. */
export function constructorFields(file: string, fnName: string): { fields: Record<string, string>; base: string | undefined } {
    const src = stripTestsAndComments(readSource(file));
    const start = src.indexOf(`pub fn ${fnName}()`);
    if (start < 0) throw new Error(`${file}: fn ${fnName} not found`);
    const bodyOpen = src.indexOf('{', start);
    const open = src.indexOf('Self {', bodyOpen + 1);
    const close = src.indexOf('}', open);
    const fields: Record<string, string> = {};
    let base: string | undefined;
    for (const line of src.slice(open + 'Self {'.length, close).split('\n').map(l => l.trim()).filter(Boolean)) {
        const b = /^\.\.Self::(\w+)\(\)$/.exec(line);
        if (b) {
            base = b[1];
            continue;
        }
        const f = /^(\w+): ([^,]+),$/.exec(line);
        if (!f) throw new Error(`${file}: ${fnName}: cannot read line: ${line}`);
        fields[f[1]!] = f[2]!.trim();
    }
    return { fields, base };
}
