/**
 * Byte layout of softliq's zero-copy accounts: the single source of offsets for the
 * hand-written decoders (decode.ts) and the account-size helpers (transactions.ts).
 *
 * Mirrors the `repr(C)` structs of programs/softliq/src/state/*.rs field by field, in
 * declaration order. The structs have no implicit padding (explicit `_padding` fields,
 * fields ordered by alignment); `structLayout` checks that every field sits at its
 * natural alignment, so a layout that would need compiler padding throws at import.
 * Field names are the Rust names in camelCase (`_padding` -> `padding`, like Codama).
 *
 * Checked by test/layout.test.ts against the Rust sources and the committed IDL, and by
 * the fixture tests against account bytes written by the program itself.
 *
 * Every account starts with Anchor's 8-byte discriminator; struct offsets below are
 * relative to the struct, `*_OFFSET` constants and `*Size()` helpers are relative to the
 * start of the account data.
 *
 * Never put hand-written code under src/generated/: `npm run generate` deletes it.
 */

/** Size of Anchor's account discriminator that prefixes every account. */
export const ACCOUNT_DISCRIMINATOR_SIZE = 8;

/** Field types used by the zero-copy structs, with their size (= alignment for scalars). */
export const FIELD_SIZE = {
    u8: 1,
    u32: 4,
    u64: 8,
    i64: 8,
    pubkey: 32,
    /** `[u8; 32]` (e.g. a Pyth feed id) */
    bytes32: 32,
    /** `[u8; 2]` */
    bytes2: 2,
    /** `[u64; 4]` (`Market.reserved`) */
    u64x4: 32,
    /** `[u64; 8]` (`BookHeader.reserved`) */
    u64x8: 64,
    /** `[u64; 16]` */
    u64x16: 128,
    /** `MarketParams`, nested in `Market` */
    params: 264,
    /** `RiskParams`, nested in `Market` */
    riskParams: 128,
    /** `RiskState`, nested in `Market` */
    riskState: 64,
    /** `BookHeader`, nested in `PositionSlab` / `LotBook` */
    header: 112,
    /** `[Band; 256]` (`Market.bands`): debt shares and collateral per solvency band */
    bands: 256 * 16,
} as const;
export type FieldType = keyof typeof FIELD_SIZE;

const FIELD_ALIGN: Record<FieldType, number> = {
    u8: 1,
    u32: 4,
    u64: 8,
    i64: 8,
    pubkey: 1,
    bytes32: 1,
    bytes2: 1,
    u64x4: 8,
    u64x8: 8,
    u64x16: 8,
    params: 8,
    riskParams: 8,
    riskState: 8,
    header: 8,
    bands: 8,
};

export type FieldSpec = readonly [name: string, type: FieldType];

export interface StructLayout<Name extends string = string> {
    /** Fields in declaration order with their offset inside the struct. */
    readonly fields: readonly { readonly name: Name; readonly type: FieldType; readonly offset: number; readonly size: number }[];
    /** Offset of each field inside the struct. */
    readonly offsets: Readonly<Record<Name, number>>;
    /** `size_of::<T>()`. */
    readonly size: number;
    /** `align_of::<T>()`. */
    readonly align: number;
}

/**
 * Lays out a `repr(C)` struct whose fields need no implicit padding; throws if a field
 * would sit off its natural alignment or the size is not a multiple of the alignment.
 */
export function structLayout<const F extends readonly FieldSpec[]>(structName: string, specs: F): StructLayout<F[number][0]> {
    let offset = 0;
    let align = 1;
    const fields: { name: F[number][0]; type: FieldType; offset: number; size: number }[] = [];
    const offsets = {} as Record<F[number][0], number>;
    for (const [name, type] of specs) {
        const a = FIELD_ALIGN[type];
        if (offset % a !== 0) {
            throw new Error(`${structName}.${name}: offset ${offset} is not ${a}-aligned (the Rust struct would get implicit padding)`);
        }
        align = Math.max(align, a);
        fields.push({ name, type, offset, size: FIELD_SIZE[type] });
        offsets[name as F[number][0]] = offset;
        offset += FIELD_SIZE[type];
    }
    if (offset % align !== 0) throw new Error(`${structName}: size ${offset} needs tail padding to ${align}`);
    return Object.freeze({ fields: Object.freeze(fields), offsets: Object.freeze(offsets), size: offset, align });
}

/** `state::params::MarketParams`: 33 u64, 264 bytes. */
export const MARKET_PARAMS = structLayout('MarketParams', [
    ['initMarginBps', 'u64'],
    ['targetMarginBps', 'u64'],
    ['maintMarginBps', 'u64'],
    ['liquidationPenaltyBps', 'u64'],
    ['lotBufferBps', 'u64'],
    ['closeFactorBps', 'u64'],
    ['keeperTipNative', 'u64'],
    ['keeperChipBps', 'u64'],
    ['keeperPayCapNative', 'u64'],
    ['maxPositionsPerCrank', 'u64'],
    ['liqRampSlots', 'u64'],
    ['maxLiqNotionalPerSlot', 'u64'],
    ['maxLotCollateralNative', 'u64'],
    ['auctionStartBufferBps', 'u64'],
    ['auctionCurve', 'u64'],
    ['auctionTauSlots', 'u64'],
    ['auctionStepSlots', 'u64'],
    ['auctionCutBps', 'u64'],
    ['auctionTailSlots', 'u64'],
    ['auctionCuspBps', 'u64'],
    ['auctionMaxResets', 'u64'],
    ['auctionResetTipNative', 'u64'],
    ['dustNative', 'u64'],
    ['maxOracleAgeSlots', 'u64'],
    ['maxOracleAgeSecs', 'u64'],
    ['maxConfBps', 'u64'],
    ['maxDeviationBps', 'u64'],
    ['borrowRateBaseBps', 'u64'],
    ['borrowRateSlope1Bps', 'u64'],
    ['borrowRateSlope2Bps', 'u64'],
    ['borrowRateKinkBps', 'u64'],
    ['insuranceWithdrawCooldownSlots', 'u64'],
    ['auctionHoldSlots', 'u64'],
] as const);
export type MarketParamsField = (typeof MARKET_PARAMS.fields)[number]['name'];

/** `state::params::RiskParams`: 16 u64, 128 bytes. */
export const RISK_PARAMS = structLayout('RiskParams', [
    ['volEnabled', 'u64'],
    ['volHalfLifeSlots', 'u64'],
    ['volMaxMoveBps', 'u64'],
    ['volHorizonSlots', 'u64'],
    ['volKBps', 'u64'],
    ['marginAddonCapBps', 'u64'],
    ['marginStepBps', 'u64'],
    ['depthNative', 'u64'],
    ['budgetDepthBps', 'u64'],
    ['budgetFloorBps', 'u64'],
    ['maxPriceMoveBps', 'u64'],
    ['maxCrankGapSlots', 'u64'],
    ['budgetGrowthBps', 'u64'],
    ['budgetCapBps', 'u64'],
    ['urgentGapBps', 'u64'],
    ['urgentBudgetBps', 'u64'],
] as const);
export type RiskParamsField = (typeof RISK_PARAMS.fields)[number]['name'];

/** `state::market::RiskState`: 8 u64, 64 bytes. */
export const RISK_STATE = structLayout('RiskState', [
    ['lastPrice', 'u64'],
    ['lastSlot', 'u64'],
    ['variancePpb2', 'u64'],
    ['sigmaHorizonBps', 'u64'],
    ['addonBps', 'u64'],
    ['maintAddonBps', 'u64'],
    ['updates', 'u64'],
    ['reserved', 'u64'],
] as const);
export type RiskStateField = (typeof RISK_STATE.fields)[number]['name'];

/** Solvency bands per market (`state::market::BANDS`, `engine::bands`). */
export const BANDS = 256;

/** `state::market::Market` (after the discriminator): 5,400 bytes. */
export const MARKET = structLayout('Market', [
    ['admin', 'pubkey'],
    ['collateralMint', 'pubkey'],
    ['debtMint', 'pubkey'],
    ['collateralVault', 'pubkey'],
    ['debtVault', 'pubkey'],
    ['insuranceVault', 'pubkey'],
    ['lotBook', 'pubkey'],
    ['oracle', 'pubkey'],
    ['oracleFeedId', 'bytes32'],
    ['params', 'params'],
    ['poolCashNative', 'u64'],
    ['totalDebtShares', 'u64'],
    ['borrowIndex', 'u64'],
    ['lastAccrualSlot', 'u64'],
    ['lpSharesTotal', 'u64'],
    ['lotDebtOutstandingNative', 'u64'],
    ['totalPositionCollateralNative', 'u64'],
    ['totalLotCollateralNative', 'u64'],
    ['insuranceBalanceNative', 'u64'],
    ['insuranceSharesTotal', 'u64'],
    ['budgetSlot', 'u64'],
    ['budgetUsedNotionalNative', 'u64'],
    ['positionsOpen', 'u64'],
    ['liquidations', 'u64'],
    ['seizedCollateralNative', 'u64'],
    ['keeperPaidNative', 'u64'],
    ['auctionProceedsNative', 'u64'],
    ['penaltiesCollectedNative', 'u64'],
    ['badDebtInsuranceNative', 'u64'],
    ['badDebtSocializedNative', 'u64'],
    ['lotsSettled', 'u64'],
    ['interestAccruedNative', 'u64'],
    ['vaultAuthBump', 'u8'],
    ['oracleKind', 'u8'],
    ['inverted', 'u8'],
    ['collateralDecimals', 'u8'],
    ['debtDecimals', 'u8'],
    ['paused', 'u8'],
    ['padding', 'bytes2'],
    ['risk', 'riskParams'],
    ['riskState', 'riskState'],
    ['lastOraclePublishTime', 'i64'],
    ['pendingParamsSlot', 'u64'],
    ['bandOctaveMin', 'u64'],
    ['budgetLevelNative', 'u64'],
    ['budgetBoundSlot', 'u64'],
    ['urgentUsedNotionalNative', 'u64'],
    ['lastTakeSlot', 'u64'],
    ['fastFallUntilSlot', 'u64'],
    ['quietVariancePpb2', 'u64'],
    ['quietWeightPpb', 'u64'],
    ['reserved', 'u64x4'],
    ['pendingParams', 'params'],
    ['bands', 'bands'],
] as const);
export type MarketField = (typeof MARKET.fields)[number]['name'];

/** `state::book::BookHeader`, shared by slabs and lot books: 112 bytes. */
export const BOOK_HEADER = structLayout('BookHeader', [
    ['market', 'pubkey'],
    ['capacity', 'u32'],
    ['used', 'u32'],
    ['freeHead', 'u32'],
    ['nextUnused', 'u32'],
    ['reserved', 'u64x8'],
] as const);

/** `state::slab::Position`: 104 bytes. */
export const POSITION = structLayout('Position', [
    ['owner', 'pubkey'],
    ['collateralNative', 'u64'],
    ['debtShares', 'u64'],
    ['liqStartSlot', 'u64'],
    ['lastLiqSlot', 'u64'],
    ['episodeStartCollateralNative', 'u64'],
    ['episodeSeizedCollateralNative', 'u64'],
    ['episodeSeizedNotionalNative', 'u64'],
    ['generation', 'u32'],
    ['flags', 'u32'],
    ['nextFree', 'u32'],
    ['padding', 'u32'],
] as const);

/** `state::lot_book::Lot`: 144 bytes. */
export const LOT = structLayout('Lot', [
    ['slab', 'pubkey'],
    ['owner', 'pubkey'],
    ['collateralNative', 'u64'],
    ['tabDebtNative', 'u64'],
    ['tabPenaltyNative', 'u64'],
    ['startPrice', 'u64'],
    ['startSlot', 'u64'],
    ['seizedValueNative', 'u64'],
    ['proceedsNative', 'u64'],
    ['positionIndex', 'u32'],
    ['positionGeneration', 'u32'],
    ['resets', 'u32'],
    ['flags', 'u32'],
    ['generation', 'u32'],
    ['nextFree', 'u32'],
] as const);

/** `LpAccount` / `InsuranceStake` are small borsh accounts: use the generated decoders. */

// ---- Account-level offsets and sizes (from the start of the account data) ----

/** Market account size: `Market::SPACE` = 8 + 5,400. */
export const MARKET_ACCOUNT_SIZE = ACCOUNT_DISCRIMINATOR_SIZE + MARKET.size;
/** Offset of `Market.params` in the account: 296. */
export const MARKET_PARAMS_OFFSET = ACCOUNT_DISCRIMINATOR_SIZE + MARKET.offsets.params;
/** Offset of `Market.risk` (`RiskParams`) in the account: 736. */
export const MARKET_RISK_OFFSET = ACCOUNT_DISCRIMINATOR_SIZE + MARKET.offsets.risk;
/** Offset of `Market.risk_state` (`RiskState`) in the account: 864. */
export const MARKET_RISK_STATE_OFFSET = ACCOUNT_DISCRIMINATOR_SIZE + MARKET.offsets.riskState;
/** Offset of the `BookHeader` in a slab / lot book account. */
export const BOOK_HEADER_OFFSET = ACCOUNT_DISCRIMINATOR_SIZE;
/** Offset of entry 0 (`SLAB_POSITIONS_OFFSET` / `LOTS_OFFSET` in Rust): 120. */
export const BOOK_ENTRIES_OFFSET = ACCOUNT_DISCRIMINATOR_SIZE + BOOK_HEADER.size;
export const POSITION_SIZE = POSITION.size;
export const LOT_SIZE = LOT.size;

/**
 * Rent-exempt lamports per byte at the default rent (3,480 lamports per byte-year × 2
 * years): `state::slab::RENT_EXEMPT_LAMPORTS_PER_BYTE`.
 */
export const RENT_EXEMPT_LAMPORTS_PER_BYTE = 6_960n;
/**
 * Refundable deposit of `open_position` (`state::slab::POSITION_DEPOSIT_LAMPORTS`): the rent
 * of one entry's bytes, 104 × 6,960 = 723,840 lamports. `open_position` moves it from the
 * owner (a writable signer) into the market account through the System program; `close_position`
 * returns it to the owner (writable). Both events carry it as `depositLamports`.
 * The market account holds its rent plus one deposit per open position.
 */
export const POSITION_DEPOSIT_LAMPORTS = BigInt(POSITION_SIZE) * RENT_EXEMPT_LAMPORTS_PER_BYTE;

/** `Position.flags` / `Lot.flags` bit: the entry is in use. */
export const ENTRY_IN_USE = 1;
/** `Position.flags` bit: a liquidation episode is under way. */
export const POSITION_IN_EPISODE = 2;
/** Free-list terminator (`state::book::NONE`). */
export const NONE = 0xffff_ffff;

/** Largest account Solana allows (10 MiB). */
export const MAX_ACCOUNT_SIZE = 10 * 1024 * 1024;
export const MAX_SLAB_CAPACITY = Math.floor((MAX_ACCOUNT_SIZE - BOOK_ENTRIES_OFFSET) / POSITION_SIZE);
export const MAX_LOT_CAPACITY = Math.floor((MAX_ACCOUNT_SIZE - BOOK_ENTRIES_OFFSET) / LOT_SIZE);

/** Account size of a position slab of `capacity` positions: 8 + 112 + capacity·104. */
export function slabAccountSize(capacity: number): number {
    return BOOK_ENTRIES_OFFSET + capacity * POSITION_SIZE;
}

/** Account size of a lot book of `capacity` lots: 8 + 112 + capacity·144. */
export function lotBookAccountSize(capacity: number): number {
    return BOOK_ENTRIES_OFFSET + capacity * LOT_SIZE;
}

/** Byte offset of position `index` in a slab account. */
export function positionOffset(index: number): number {
    return BOOK_ENTRIES_OFFSET + index * POSITION_SIZE;
}

/** Byte offset of lot `index` in a lot book account. */
export function lotOffset(index: number): number {
    return BOOK_ENTRIES_OFFSET + index * LOT_SIZE;
}
