/**
 * Account dumps for offline use (format in docs/web.md):
 *
 *   { "market": "<base64>", "slabs": ["<base64>", …], "lotBook": "<base64>" | null,
 *     "slot": 2002, "oraclePrice": "94000000000",
 *     "addresses": { "market": "…", "slabs": ["…"], "lotBook": "…" } }   // addresses optional
 *
 * Each base64 string is the whole account data (discriminator included), as the fixtures'
 * `account_b64` and as `getAccountInfo(…, { encoding: 'base64' })` returns it.
 */
import { decodeLotBookAccount, decodeMarketAccount, decodePositionSlabAccount } from '@softliq/client';

import type { MarketInputs } from './model';

export interface AccountDump {
    market: string;
    slabs: string[];
    lotBook?: string | null;
    slot: number | string;
    oraclePrice: string;
    addresses?: { market?: string; slabs?: (string | null)[]; lotBook?: string };
}

/** Raw account bytes and context, from a dump or from an RPC. */
export interface RawAccounts {
    market: Uint8Array;
    slabs: Uint8Array[];
    lotBook: Uint8Array | null;
    slot: bigint;
    price: bigint;
    addresses: { market?: string; slabs: (string | undefined)[]; lotBook?: string };
}

export class DumpFormatError extends Error {
    override name = 'DumpFormatError';
}

export function base64ToBytes(b64: string): Uint8Array {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
    let bin = '';
    const CHUNK = 0x8000;
    for (let i = 0; i < bytes.length; i += CHUNK) bin += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
    return btoa(bin);
}

/** An unsigned integer from a JSON number or decimal string. */
export function parseU64(v: unknown, what: string): bigint {
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
    if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
    throw new DumpFormatError(`${what}: expected an unsigned integer (number or decimal string), got ${JSON.stringify(v)}`);
}

/** Checks a parsed dump and returns its raw bytes. */
export function parseDump(json: unknown): RawAccounts {
    if (typeof json !== 'object' || json === null) throw new DumpFormatError('dump: not a JSON object');
    const d = json as Partial<AccountDump>;
    if (typeof d.market !== 'string') throw new DumpFormatError('dump: "market" (base64) missing');
    if (!Array.isArray(d.slabs) || d.slabs.some(s => typeof s !== 'string')) throw new DumpFormatError('dump: "slabs" must be an array of base64 strings');
    if (d.lotBook !== undefined && d.lotBook !== null && typeof d.lotBook !== 'string') throw new DumpFormatError('dump: "lotBook" must be base64 or null');
    const a = d.addresses ?? {};
    return {
        market: base64ToBytes(d.market),
        slabs: d.slabs.map(base64ToBytes),
        lotBook: typeof d.lotBook === 'string' ? base64ToBytes(d.lotBook) : null,
        slot: parseU64(d.slot, 'dump.slot'),
        price: parseU64(d.oraclePrice, 'dump.oraclePrice'),
        addresses: {
            market: a.market,
            slabs: d.slabs.map((_, i) => a.slabs?.[i] ?? undefined),
            lotBook: a.lotBook,
        },
    };
}

export function makeDump(raw: RawAccounts): AccountDump {
    return {
        market: bytesToBase64(raw.market),
        slabs: raw.slabs.map(bytesToBase64),
        lotBook: raw.lotBook === null ? null : bytesToBase64(raw.lotBook),
        slot: raw.slot.toString(),
        oraclePrice: raw.price.toString(),
        addresses: { market: raw.addresses.market, slabs: raw.addresses.slabs.map(s => s ?? null), lotBook: raw.addresses.lotBook },
    };
}

/** Decodes raw accounts with the client's decoders (discriminators and sizes checked). */
export function decodeRaw(raw: RawAccounts): MarketInputs {
    const market = decodeMarketAccount(raw.market);
    return {
        marketAddress: raw.addresses.market,
        market,
        slabs: raw.slabs.map((b, i) => ({ address: raw.addresses.slabs[i], state: decodePositionSlabAccount(b) })),
        lotBookAddress: raw.addresses.lotBook ?? market.lotBook,
        lotBook: raw.lotBook === null ? null : decodeLotBookAccount(raw.lotBook),
        slot: raw.slot,
        price: raw.price,
    };
}
