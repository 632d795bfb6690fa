/**
 * Synthetic account bytes for the decoder tests and the 100k benchmark.
 *
 * Market and book headers are encoded with the *generated* Codama encoders (an
 * implementation independent of layout.ts). Positions and lots are written at literal
 * offsets transcribed from the Rust structs here, again independently of layout.ts.
 */
import { getAddressEncoder, type Address } from '@solana/kit';

import {
    getBookHeaderEncoder,
    getMarketEncoder,
    LOT_BOOK_DISCRIMINATOR,
    POSITION_SLAB_DISCRIMINATOR,
    type MarketArgs,
    type MarketParamsArgs,
    type RiskParamsArgs,
    type RiskStateArgs,
} from '../src/generated';

/** Deterministic PRNG (xorshift64*), so failures reproduce. */
export class Rng {
    private s: bigint;
    constructor(seed: number) {
        this.s = BigInt(seed) * 0x9e3779b97f4a7c15n + 1n;
    }
    u64(): bigint {
        let x = this.s & 0xffff_ffff_ffff_ffffn;
        x ^= x >> 12n;
        x ^= (x << 25n) & 0xffff_ffff_ffff_ffffn;
        x ^= x >> 27n;
        this.s = x;
        return (x * 0x2545f4914f6cdd1dn) & 0xffff_ffff_ffff_ffffn;
    }
    /** Mostly small values, sometimes huge, sometimes 0: exercises all bytes. */
    value(): bigint {
        const r = this.u64();
        switch (Number(r & 3n)) {
            case 0:
                return 0n;
            case 1:
                return r >> 40n;
            default:
                return r;
        }
    }
    u32(): number {
        return Number(this.u64() >> 32n);
    }
    u8(): number {
        return Number(this.u64() >> 56n);
    }
    bytes(n: number): Uint8Array {
        const out = new Uint8Array(n);
        for (let i = 0; i < n; i++) out[i] = this.u8();
        return out;
    }
    address(): Address {
        return addressFromBytes(this.bytes(32));
    }
}

const b58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** Base58 of 32 bytes (test-only, independent of @solana/kit's decoder). */
export function addressFromBytes(bytes: Uint8Array): Address {
    let n = 0n;
    for (const b of bytes) n = (n << 8n) | BigInt(b);
    let s = '';
    while (n > 0n) {
        s = b58[Number(n % 58n)] + s;
        n /= 58n;
    }
    for (const b of bytes) {
        if (b !== 0) break;
        s = '1' + s;
    }
    return s as Address;
}

const addressEncoder = getAddressEncoder();

export function randomParams(rng: Rng): MarketParamsArgs {
    const names = [
        'initMarginBps', 'targetMarginBps', 'maintMarginBps', 'liquidationPenaltyBps', 'lotBufferBps', 'closeFactorBps',
        'keeperTipNative', 'keeperChipBps', 'keeperPayCapNative', 'maxPositionsPerCrank', 'liqRampSlots',
        'maxLiqNotionalPerSlot', 'maxLotCollateralNative', 'auctionStartBufferBps', 'auctionCurve', 'auctionTauSlots',
        'auctionStepSlots', 'auctionCutBps', 'auctionTailSlots', 'auctionCuspBps', 'auctionMaxResets',
        'auctionResetTipNative', 'dustNative', 'maxOracleAgeSlots', 'maxOracleAgeSecs', 'maxConfBps', 'maxDeviationBps',
        'borrowRateBaseBps', 'borrowRateSlope1Bps', 'borrowRateSlope2Bps', 'borrowRateKinkBps',
        'insuranceWithdrawCooldownSlots', 'auctionHoldSlots',
    ] as const;
    return Object.fromEntries(names.map(n => [n, rng.value()])) as MarketParamsArgs;
}

export function randomRiskParams(rng: Rng): RiskParamsArgs {
    const names = [
        'volEnabled', 'volHalfLifeSlots', 'volMaxMoveBps', 'volHorizonSlots', 'volKBps', 'marginAddonCapBps',
        'marginStepBps', 'depthNative', 'budgetDepthBps', 'budgetFloorBps', 'maxPriceMoveBps', 'maxCrankGapSlots',
        'budgetGrowthBps', 'budgetCapBps', 'urgentGapBps', 'urgentBudgetBps',
    ] as const;
    return Object.fromEntries(names.map(n => [n, rng.value()])) as RiskParamsArgs;
}

export function randomRiskState(rng: Rng): RiskStateArgs {
    const names = ['lastPrice', 'lastSlot', 'variancePpb2', 'sigmaHorizonBps', 'addonBps', 'maintAddonBps', 'updates', 'reserved'] as const;
    return Object.fromEntries(names.map(n => [n, rng.value()])) as RiskStateArgs;
}

export function randomMarketArgs(rng: Rng): MarketArgs {
    return {
        admin: rng.address(),
        collateralMint: rng.address(),
        debtMint: rng.address(),
        collateralVault: rng.address(),
        debtVault: rng.address(),
        insuranceVault: rng.address(),
        lotBook: rng.address(),
        oracle: rng.address(),
        oracleFeedId: rng.bytes(32),
        params: randomParams(rng),
        poolCashNative: rng.value(),
        totalDebtShares: rng.value(),
        borrowIndex: rng.value(),
        lastAccrualSlot: rng.value(),
        lpSharesTotal: rng.value(),
        lotDebtOutstandingNative: rng.value(),
        totalPositionCollateralNative: rng.value(),
        totalLotCollateralNative: rng.value(),
        insuranceBalanceNative: rng.value(),
        insuranceSharesTotal: rng.value(),
        budgetSlot: rng.value(),
        budgetUsedNotionalNative: rng.value(),
        positionsOpen: rng.value(),
        liquidations: rng.value(),
        seizedCollateralNative: rng.value(),
        keeperPaidNative: rng.value(),
        auctionProceedsNative: rng.value(),
        penaltiesCollectedNative: rng.value(),
        badDebtInsuranceNative: rng.value(),
        badDebtSocializedNative: rng.value(),
        lotsSettled: rng.value(),
        interestAccruedNative: rng.value(),
        vaultAuthBump: rng.u8(),
        oracleKind: rng.u8(),
        inverted: rng.u8(),
        collateralDecimals: rng.u8(),
        debtDecimals: rng.u8(),
        paused: rng.u8(),
        padding: rng.bytes(2),
        risk: randomRiskParams(rng),
        riskState: randomRiskState(rng),
        lastOraclePublishTime: rng.value() >> 1n,
        pendingParamsSlot: rng.value(),
        bandOctaveMin: rng.value(),
        budgetLevelNative: rng.value(),
        budgetBoundSlot: rng.value(),
        urgentUsedNotionalNative: rng.value(),
        lastTakeSlot: rng.value(),
        fastFallUntilSlot: rng.value(),
        quietVariancePpb2: rng.value(),
        quietWeightPpb: rng.value(),
        reserved: Array.from({ length: 4 }, () => rng.value()),
        pendingParams: randomParams(rng),
        bands: Array.from({ length: 256 }, () => ({ debtShares: rng.value(), collateralNative: rng.value() })),
    };
}

export function marketBytes(args: MarketArgs): Uint8Array {
    return new Uint8Array(getMarketEncoder().encode(args));
}

export interface HeaderArgs {
    market: Address;
    capacity: number;
    used: number;
    freeHead: number;
    nextUnused: number;
    reserved?: bigint[];
}

function bookBytes(disc: Uint8Array, header: HeaderArgs, entrySize: number): Uint8Array {
    const out = new Uint8Array(8 + 112 + header.capacity * entrySize);
    out.set(disc, 0);
    out.set(getBookHeaderEncoder().encode({ ...header, reserved: header.reserved ?? new Array(8).fill(0n) }), 8);
    return out;
}

/** Rust `Position`, as written at literal offsets below. */
export interface PositionArgs {
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

export function slabBytes(header: HeaderArgs): Uint8Array {
    return bookBytes(POSITION_SLAB_DISCRIMINATOR, header, 104);
}

/** Writes `Position` `index` (offsets from programs/softliq/src/state/slab/mod.rs). */
export function writePosition(slab: Uint8Array, index: number, p: PositionArgs, ownerBytes?: Uint8Array): void {
    const o = 120 + index * 104;
    const v = new DataView(slab.buffer, slab.byteOffset, slab.byteLength);
    slab.set(ownerBytes ?? addressEncoder.encode(p.owner), o);
    v.setBigUint64(o + 32, p.collateralNative, true);
    v.setBigUint64(o + 40, p.debtShares, true);
    v.setBigUint64(o + 48, p.liqStartSlot, true);
    v.setBigUint64(o + 56, p.lastLiqSlot, true);
    v.setBigUint64(o + 64, p.episodeStartCollateralNative, true);
    v.setBigUint64(o + 72, p.episodeSeizedCollateralNative, true);
    v.setBigUint64(o + 80, p.episodeSeizedNotionalNative, true);
    v.setUint32(o + 88, p.generation, true);
    v.setUint32(o + 92, p.flags, true);
    v.setUint32(o + 96, p.nextFree, true);
    v.setUint32(o + 100, p.padding, true);
}

/** Rust `Lot`. */
export interface LotArgs {
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

export function lotBookBytes(header: HeaderArgs): Uint8Array {
    return bookBytes(LOT_BOOK_DISCRIMINATOR, header, 144);
}

/** Writes `Lot` `index` (offsets from programs/softliq/src/state/lot_book.rs). */
export function writeLot(book: Uint8Array, index: number, l: LotArgs): void {
    const o = 120 + index * 144;
    const v = new DataView(book.buffer, book.byteOffset, book.byteLength);
    book.set(addressEncoder.encode(l.slab), o);
    book.set(addressEncoder.encode(l.owner), o + 32);
    v.setBigUint64(o + 64, l.collateralNative, true);
    v.setBigUint64(o + 72, l.tabDebtNative, true);
    v.setBigUint64(o + 80, l.tabPenaltyNative, true);
    v.setBigUint64(o + 88, l.startPrice, true);
    v.setBigUint64(o + 96, l.startSlot, true);
    v.setBigUint64(o + 104, l.seizedValueNative, true);
    v.setBigUint64(o + 112, l.proceedsNative, true);
    v.setUint32(o + 120, l.positionIndex, true);
    v.setUint32(o + 124, l.positionGeneration, true);
    v.setUint32(o + 128, l.resets, true);
    v.setUint32(o + 132, l.flags, true);
    v.setUint32(o + 136, l.generation, true);
    v.setUint32(o + 140, l.nextFree, true);
}

export function randomPosition(rng: Rng, flags: number): PositionArgs {
    return {
        owner: rng.address(),
        collateralNative: rng.value(),
        debtShares: rng.value(),
        liqStartSlot: rng.value(),
        lastLiqSlot: rng.value(),
        episodeStartCollateralNative: rng.value(),
        episodeSeizedCollateralNative: rng.value(),
        episodeSeizedNotionalNative: rng.value(),
        generation: rng.u32(),
        flags,
        nextFree: rng.u32(),
        padding: 0,
    };
}

export function randomLot(rng: Rng, flags: number): LotArgs {
    return {
        slab: rng.address(),
        owner: rng.address(),
        collateralNative: rng.value(),
        tabDebtNative: rng.value(),
        tabPenaltyNative: rng.value(),
        startPrice: rng.value(),
        startSlot: rng.value(),
        seizedValueNative: rng.value(),
        proceedsNative: rng.value(),
        positionIndex: rng.u32(),
        positionGeneration: rng.u32(),
        resets: rng.u32(),
        flags,
        generation: rng.u32(),
        nextFree: rng.u32(),
    };
}
