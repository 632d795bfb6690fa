/**
 * Fast, hand-written decoders for softliq's zero-copy accounts (Market, PositionSlab,
 * LotBook): `DataView` reads at the offsets of layout.ts, no intermediate copies, and for
 * books only the entries in use (`flags & 1`) among `[0, next_unused)` are visited.
 *
 * u64 / i64 fields decode to `bigint`, u8 / u32 to `number`, pubkeys to `Address`
 * (base58), byte arrays to `Uint8Array` views into the input.
 *
 * The generated Codama decoders (`decodeMarket`, ... from ./generated) decode the same
 * accounts through generic codecs; for a 10 MiB slab use these.
 */
import type { Address } from '@solana/kit';

import { addressAt } from './base58';
import { LOT_BOOK_DISCRIMINATOR, MARKET_DISCRIMINATOR, POSITION_SLAB_DISCRIMINATOR } from './generated';
import {
    BANDS,
    ACCOUNT_DISCRIMINATOR_SIZE,
    BOOK_ENTRIES_OFFSET,
    BOOK_HEADER,
    BOOK_HEADER_OFFSET,
    ENTRY_IN_USE,
    LOT,
    LOT_SIZE,
    MARKET,
    MARKET_ACCOUNT_SIZE,
    MARKET_PARAMS,
    POSITION,
    RISK_PARAMS,
    RISK_STATE,
    POSITION_SIZE,
    type FieldType,
    type StructLayout,
} from './layout';

export type MarketParamsState = { -readonly [K in (typeof MARKET_PARAMS.fields)[number]['name']]: bigint };

/** A decoded `RiskParams` (the adaptive budget and the urgent tier in its last four fields). */
export type RiskParamsState = { -readonly [K in (typeof RISK_PARAMS.fields)[number]['name']]: bigint };

/** A decoded `RiskState` (the volatility estimate and the margin add-ons). */
export type RiskStateState = { -readonly [K in (typeof RISK_STATE.fields)[number]['name']]: bigint };

export interface MarketState {
    admin: Address;
    collateralMint: Address;
    debtMint: Address;
    collateralVault: Address;
    debtVault: Address;
    insuranceVault: Address;
    lotBook: Address;
    oracle: Address;
    oracleFeedId: Uint8Array;
    params: MarketParamsState;
    poolCashNative: bigint;
    totalDebtShares: bigint;
    borrowIndex: bigint;
    lastAccrualSlot: bigint;
    lpSharesTotal: bigint;
    lotDebtOutstandingNative: bigint;
    totalPositionCollateralNative: bigint;
    totalLotCollateralNative: bigint;
    insuranceBalanceNative: bigint;
    insuranceSharesTotal: bigint;
    budgetSlot: bigint;
    budgetUsedNotionalNative: bigint;
    positionsOpen: bigint;
    liquidations: bigint;
    seizedCollateralNative: bigint;
    keeperPaidNative: bigint;
    auctionProceedsNative: bigint;
    penaltiesCollectedNative: bigint;
    badDebtInsuranceNative: bigint;
    badDebtSocializedNative: bigint;
    lotsSettled: bigint;
    interestAccruedNative: bigint;
    vaultAuthBump: number;
    oracleKind: number;
    inverted: number;
    collateralDecimals: number;
    debtDecimals: number;
    paused: number;
    padding: Uint8Array;
    /** Dynamic-risk parameters (`set_risk_params`). */
    risk: RiskParamsState;
    /** The volatility estimate and the add-ons in force (see `effectiveParams` in params.ts). */
    riskState: RiskStateState;
    /** Publish time of the newest oracle price the market accepted (older ones are refused). */
    lastOraclePublishTime: bigint;
    /** Slot at which `pendingParams` were announced (0: none pending). */
    pendingParamsSlot: bigint;
    /** Octave of the lowest solvency band (`engine::bands`). */
    bandOctaveMin: bigint;
    /** Adaptive budget level for `budgetSlot` (`engine::budget`). */
    budgetLevelNative: bigint;
    /** Last slot in which the per-slot budget stopped a liquidation. */
    budgetBoundSlot: bigint;
    /** Urgent-tier notional used in `budgetSlot`. */
    urgentUsedNotionalNative: bigint;
    /** Last slot in which an auction take sold collateral. */
    lastTakeSlot: bigint;
    /** Lots seized up to this slot are held like insolvent ones (a fast fall no take preceded). */
    fastFallUntilSlot: bigint;
    /** The fast-fall detector's quiet-slot volatility: per-slot variance (ppb²) and the weight it has gathered (ppb). */
    quietVariancePpb2: bigint;
    quietWeightPpb: bigint;
    reserved: bigint[];
    /** Parameters announced by `update_params`, applicable from `pendingParamsSlot + PARAMS_NOTICE_SLOTS`. */
    pendingParams: MarketParamsState;
    /** Debt shares and collateral of the open positions per solvency band. */
    bands: BandState[];
}

/** One solvency band (`state::market::Band`). */
export interface BandState {
    debtShares: bigint;
    collateralNative: bigint;
}

export interface BookHeaderState {
    market: Address;
    capacity: number;
    used: number;
    freeHead: number;
    nextUnused: number;
    reserved: bigint[];
}

/** A slab entry (`state::slab::Position`) and its index in the slab. */
export interface PositionEntry {
    index: number;
    owner: Address;
    collateralNative: bigint;
    debtShares: bigint;
    liqStartSlot: bigint;
    lastLiqSlot: bigint;
    episodeStartCollateralNative: bigint;
    episodeSeizedCollateralNative: bigint;
    episodeSeizedNotionalNative: bigint;
    generation: number;
    flags: number;
    nextFree: number;
    padding: number;
}

/** A lot book entry (`state::lot_book::Lot`) and its index in the book. */
export interface LotEntry {
    index: number;
    slab: Address;
    owner: Address;
    collateralNative: bigint;
    tabDebtNative: bigint;
    tabPenaltyNative: bigint;
    startPrice: bigint;
    startSlot: bigint;
    seizedValueNative: bigint;
    proceedsNative: bigint;
    positionIndex: number;
    positionGeneration: number;
    resets: number;
    flags: number;
    generation: number;
    nextFree: number;
}

export interface PositionSlabState {
    header: BookHeaderState;
    /** In-use positions in index order. */
    positions: PositionEntry[];
}

export interface LotBookState {
    header: BookHeaderState;
    /** In-use lots in index order. */
    lots: LotEntry[];
}

export class AccountLayoutError extends Error {
    override name = 'AccountLayoutError';
}

function viewOf(data: Uint8Array): DataView {
    return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

function readAddress(data: Uint8Array, offset: number): Address {
    return addressAt(data, offset);
}

function checkDiscriminator(data: Uint8Array, expected: Uint8Array, what: string): void {
    if (data.length < ACCOUNT_DISCRIMINATOR_SIZE) throw new AccountLayoutError(`${what}: ${data.length} bytes is too short`);
    for (let i = 0; i < ACCOUNT_DISCRIMINATOR_SIZE; i++) {
        if (data[i] !== expected[i]) throw new AccountLayoutError(`${what}: wrong account discriminator`);
    }
}

function readField(data: Uint8Array, view: DataView, offset: number, type: FieldType): unknown {
    switch (type) {
        case 'u8':
            return data[offset];
        case 'u32':
            return view.getUint32(offset, true);
        case 'u64':
            return view.getBigUint64(offset, true);
        case 'i64':
            return view.getBigInt64(offset, true);
        case 'pubkey':
            return readAddress(data, offset);
        case 'bytes32':
            return data.subarray(offset, offset + 32);
        case 'bytes2':
            return data.subarray(offset, offset + 2);
        case 'u64x4':
        case 'u64x8':
        case 'u64x16': {
            const n = type === 'u64x4' ? 4 : type === 'u64x8' ? 8 : 16;
            const out: bigint[] = new Array(n);
            for (let i = 0; i < n; i++) out[i] = view.getBigUint64(offset + 8 * i, true);
            return out;
        }
        case 'params':
            return readStruct(data, view, offset, MARKET_PARAMS);
        case 'riskParams':
            return readStruct(data, view, offset, RISK_PARAMS);
        case 'riskState':
            return readStruct(data, view, offset, RISK_STATE);
        case 'header':
            return readStruct(data, view, offset, BOOK_HEADER);
        case 'bands': {
            const out: BandState[] = new Array(BANDS);
            for (let i = 0; i < BANDS; i++) {
                out[i] = {
                    debtShares: view.getBigUint64(offset + 16 * i, true),
                    collateralNative: view.getBigUint64(offset + 16 * i + 8, true),
                };
            }
            return out;
        }
    }
}

/** Reads every field of `layout` at `base` (generic; used for the one-off structs). */
function readStruct(data: Uint8Array, view: DataView, base: number, layout: StructLayout): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of layout.fields) out[f.name] = readField(data, view, base + f.offset, f.type);
    return out;
}

/** Decodes a `Market` account (discriminator checked). */
export function decodeMarketAccount(data: Uint8Array): MarketState {
    checkDiscriminator(data, MARKET_DISCRIMINATOR, 'Market');
    if (data.length < MARKET_ACCOUNT_SIZE) {
        throw new AccountLayoutError(`Market: ${data.length} bytes, expected ${MARKET_ACCOUNT_SIZE}`);
    }
    return readStruct(data, viewOf(data), ACCOUNT_DISCRIMINATOR_SIZE, MARKET) as unknown as MarketState;
}

/** Decodes the `BookHeader` of a slab or lot book (no discriminator check). */
export function decodeBookHeader(data: Uint8Array): BookHeaderState {
    if (data.length < BOOK_ENTRIES_OFFSET) throw new AccountLayoutError(`book: ${data.length} bytes is too short for its header`);
    return readStruct(data, viewOf(data), BOOK_HEADER_OFFSET, BOOK_HEADER) as unknown as BookHeaderState;
}

function checkBook(data: Uint8Array, disc: Uint8Array, entrySize: number, what: string): BookHeaderState {
    checkDiscriminator(data, disc, what);
    const header = decodeBookHeader(data);
    const need = BOOK_ENTRIES_OFFSET + header.capacity * entrySize;
    if (data.length < need) {
        throw new AccountLayoutError(`${what}: capacity ${header.capacity} needs ${need} bytes, account has ${data.length}`);
    }
    if (header.nextUnused > header.capacity) {
        throw new AccountLayoutError(`${what}: next_unused ${header.nextUnused} > capacity ${header.capacity}`);
    }
    return header;
}

// Field offsets inside a Position / Lot, hoisted for the hot loops.
const P = POSITION.offsets;
const L = LOT.offsets;

/** Reads the position at slab `index` whatever its flags (offsets from layout.ts). */
export function readPosition(data: Uint8Array, view: DataView, index: number): PositionEntry {
    const o = BOOK_ENTRIES_OFFSET + index * POSITION_SIZE;
    return {
        index,
        owner: readAddress(data, o + P.owner),
        collateralNative: view.getBigUint64(o + P.collateralNative, true),
        debtShares: view.getBigUint64(o + P.debtShares, true),
        liqStartSlot: view.getBigUint64(o + P.liqStartSlot, true),
        lastLiqSlot: view.getBigUint64(o + P.lastLiqSlot, true),
        episodeStartCollateralNative: view.getBigUint64(o + P.episodeStartCollateralNative, true),
        episodeSeizedCollateralNative: view.getBigUint64(o + P.episodeSeizedCollateralNative, true),
        episodeSeizedNotionalNative: view.getBigUint64(o + P.episodeSeizedNotionalNative, true),
        generation: view.getUint32(o + P.generation, true),
        flags: view.getUint32(o + P.flags, true),
        nextFree: view.getUint32(o + P.nextFree, true),
        padding: view.getUint32(o + P.padding, true),
    };
}

/** Reads the lot at book `index` whatever its flags. */
export function readLot(data: Uint8Array, view: DataView, index: number): LotEntry {
    const o = BOOK_ENTRIES_OFFSET + index * LOT_SIZE;
    return {
        index,
        slab: readAddress(data, o + L.slab),
        owner: readAddress(data, o + L.owner),
        collateralNative: view.getBigUint64(o + L.collateralNative, true),
        tabDebtNative: view.getBigUint64(o + L.tabDebtNative, true),
        tabPenaltyNative: view.getBigUint64(o + L.tabPenaltyNative, true),
        startPrice: view.getBigUint64(o + L.startPrice, true),
        startSlot: view.getBigUint64(o + L.startSlot, true),
        seizedValueNative: view.getBigUint64(o + L.seizedValueNative, true),
        proceedsNative: view.getBigUint64(o + L.proceedsNative, true),
        positionIndex: view.getUint32(o + L.positionIndex, true),
        positionGeneration: view.getUint32(o + L.positionGeneration, true),
        resets: view.getUint32(o + L.resets, true),
        flags: view.getUint32(o + L.flags, true),
        generation: view.getUint32(o + L.generation, true),
        nextFree: view.getUint32(o + L.nextFree, true),
    };
}

/**
 * Calls `fn(index)` for each in-use entry of a book in index order. Only `[0, next_unused)`
 * can hold in-use entries (the rest were never handed out).
 */
function forEachInUse(view: DataView, header: BookHeaderState, entrySize: number, flagsOffset: number, fn: (index: number) => void): void {
    const end = header.nextUnused;
    for (let i = 0, o = BOOK_ENTRIES_OFFSET + flagsOffset; i < end; i++, o += entrySize) {
        if ((view.getUint32(o, true) & ENTRY_IN_USE) !== 0) fn(i);
    }
}

/** Decodes a `PositionSlab` account: its header and its in-use positions. */
export function decodePositionSlabAccount(data: Uint8Array): PositionSlabState {
    const header = checkBook(data, POSITION_SLAB_DISCRIMINATOR, POSITION_SIZE, 'PositionSlab');
    const view = viewOf(data);
    const positions: PositionEntry[] = [];
    forEachInUse(view, header, POSITION_SIZE, P.flags, i => positions.push(readPosition(data, view, i)));
    return { header, positions };
}

/**
 * Indices of the in-use positions of a slab, without decoding them (a keeper's first
 * pass: fetch the slab, list indices, decode or health-check only what it needs).
 */
export function inUsePositionIndices(data: Uint8Array): number[] {
    const header = checkBook(data, POSITION_SLAB_DISCRIMINATOR, POSITION_SIZE, 'PositionSlab');
    const out: number[] = [];
    forEachInUse(viewOf(data), header, POSITION_SIZE, P.flags, i => out.push(i));
    return out;
}

/** The in-use position at `(index, generation)`, or null (free, stale or out of range). */
export function decodePositionAt(data: Uint8Array, index: number, generation?: number): PositionEntry | null {
    const header = checkBook(data, POSITION_SLAB_DISCRIMINATOR, POSITION_SIZE, 'PositionSlab');
    if (!Number.isInteger(index) || index < 0 || index >= header.capacity) return null;
    const p = readPosition(data, viewOf(data), index);
    if ((p.flags & ENTRY_IN_USE) === 0) return null;
    if (generation !== undefined && p.generation !== generation) return null;
    return p;
}

/** Decodes a `LotBook` account: its header and its open lots. */
export function decodeLotBookAccount(data: Uint8Array): LotBookState {
    const header = checkBook(data, LOT_BOOK_DISCRIMINATOR, LOT_SIZE, 'LotBook');
    const view = viewOf(data);
    const lots: LotEntry[] = [];
    forEachInUse(view, header, LOT_SIZE, L.flags, i => lots.push(readLot(data, view, i)));
    return { header, lots };
}

/**
 * Lazy, allocation-free access to a slab's positions by index, for hot paths (a keeper
 * scanning 100k positions needs collateral and debt shares of each, rarely the owner).
 * Checks the discriminator and the size once; every accessor reads at layout.ts offsets.
 */
export class PositionSlabReader {
    readonly header: BookHeaderState;
    private readonly view: DataView;

    constructor(readonly data: Uint8Array) {
        this.header = checkBook(data, POSITION_SLAB_DISCRIMINATOR, POSITION_SIZE, 'PositionSlab');
        this.view = viewOf(data);
    }

    private at(index: number): number {
        if (!(index >= 0 && index < this.header.capacity)) throw new RangeError(`position index ${index} out of range`);
        return BOOK_ENTRIES_OFFSET + index * POSITION_SIZE;
    }

    /** Indices of the in-use positions, in order. */
    inUseIndices(): number[] {
        const out: number[] = [];
        forEachInUse(this.view, this.header, POSITION_SIZE, P.flags, i => out.push(i));
        return out;
    }
    isInUse(index: number): boolean {
        return (this.flags(index) & ENTRY_IN_USE) !== 0;
    }
    flags(index: number): number {
        return this.view.getUint32(this.at(index) + P.flags, true);
    }
    generation(index: number): number {
        return this.view.getUint32(this.at(index) + P.generation, true);
    }
    collateralNative(index: number): bigint {
        return this.view.getBigUint64(this.at(index) + P.collateralNative, true);
    }
    debtShares(index: number): bigint {
        return this.view.getBigUint64(this.at(index) + P.debtShares, true);
    }
    /** The owner's 32 bytes (a view into the account data, no copy). */
    ownerBytes(index: number): Uint8Array {
        const o = this.at(index) + P.owner;
        return this.data.subarray(o, o + 32);
    }
    owner(index: number): Address {
        return readAddress(this.data, this.at(index) + P.owner);
    }
    /** Every field of the position at `index`, whatever its flags. */
    position(index: number): PositionEntry {
        this.at(index);
        return readPosition(this.data, this.view, index);
    }
}
