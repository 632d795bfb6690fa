/**
 * Transaction helpers for the big zero-copy accounts. `init` cannot create accounts
 * above 10 KiB, so a position slab or a lot book is created by the client with System
 * `createAccount` (owner = softliq, zeroed, sized from layout.ts) in the same transaction
 * as the instruction that initialises it (`init_slab` / `initialize_market`, which take
 * the account as `#[account(zero)]`). Every other instruction: the generated builders
 * (`getBorrowInstruction`, `getCrankLiquidateInstruction`, ...) from ./generated.
 * `getOpenPositionInstruction({ owner, market, slab })`: the owner is a writable signer that
 * pays `POSITION_DEPOSIT_LAMPORTS` (layout.ts) into the market account, and `systemProgram` defaults to
 * the System program; `getClosePositionInstruction` returns the deposit to the (writable) owner.
 */
import {
    AccountRole,
    address,
    appendTransactionMessageInstructions,
    createTransactionMessage,
    getAddressEncoder,
    pipe,
    setTransactionMessageFeePayerSigner,
    setTransactionMessageLifetimeUsingBlockhash,
    type Address,
    type Blockhash,
    type GetMinimumBalanceForRentExemptionApi,
    type Instruction,
    type Rpc,
    type TransactionSigner,
} from '@solana/kit';

import {
    getInitializeMarketInstructionAsync,
    getInitSlabInstruction,
    SOFTLIQ_PROGRAM_ADDRESS,
    type MarketParamsArgs,
    type RiskParamsArgs,
} from './generated';
import { lotBookAccountSize, MAX_LOT_CAPACITY, MAX_SLAB_CAPACITY, RENT_EXEMPT_LAMPORTS_PER_BYTE, slabAccountSize } from './layout';
import { staticDefaultRiskParams } from './params';

export const SYSTEM_PROGRAM_ADDRESS = address('11111111111111111111111111111111');
export const TOKEN_PROGRAM_ADDRESS = address('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA');
export const TOKEN_2022_PROGRAM_ADDRESS = address('TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb');

/** `ORACLE_KIND_PYTH_PULL` / `ORACLE_KIND_PYTH_LEGACY` of state/market.rs. */
export const ORACLE_KIND_PYTH_PULL = 0;
export const ORACLE_KIND_PYTH_LEGACY = 1;

/** Where the rent-exempt minimum of a new account comes from. */
export type RentSource = { lamports: bigint } | { rpc: Rpc<GetMinimumBalanceForRentExemptionApi> };

/**
 * Rent-exempt minimum under the default rent (3,480 lamports per byte-year, 2 years,
 * 128 bytes of account overhead): what `getMinimumBalanceForRentExemption` answers on
 * mainnet, devnet and a default test validator today. Prefer asking the cluster.
 */
export function defaultRentExemptLamports(space: number): bigint {
    return (BigInt(space) + 128n) * RENT_EXEMPT_LAMPORTS_PER_BYTE;
}

async function rentFor(space: number, rent: RentSource): Promise<bigint> {
    if ('lamports' in rent) return rent.lamports;
    return await rent.rpc.getMinimumBalanceForRentExemption(BigInt(space)).send();
}

/** System program `CreateAccount` (instruction 0): a new zeroed account owned by `owner`. */
export function getCreateAccountInstruction(input: {
    payer: TransactionSigner;
    newAccount: TransactionSigner;
    lamports: bigint;
    space: number;
    owner: Address;
}): Instruction {
    const data = new Uint8Array(52);
    const view = new DataView(data.buffer);
    view.setUint32(0, 0, true);
    view.setBigUint64(4, input.lamports, true);
    view.setBigUint64(12, BigInt(input.space), true);
    data.set(getAddressEncoder().encode(input.owner), 20);
    return Object.freeze({
        programAddress: SYSTEM_PROGRAM_ADDRESS,
        accounts: [
            { address: input.payer.address, role: AccountRole.WRITABLE_SIGNER, signer: input.payer },
            { address: input.newAccount.address, role: AccountRole.WRITABLE_SIGNER, signer: input.newAccount },
        ],
        data,
    });
}

function checkCapacity(capacity: number, max: number, what: string): void {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > max) {
        throw new RangeError(`${what} capacity must be an integer in [1, ${max}], got ${capacity}`);
    }
}

export interface CreateSlabInput {
    /** Market admin: signs `init_slab`. */
    admin: TransactionSigner;
    /** Pays for the new account (default: the admin). */
    payer?: TransactionSigner;
    market: Address;
    /** A fresh keypair for the slab account (signs `createAccount`). */
    slab: TransactionSigner;
    /** Positions the slab holds (≤ MAX_SLAB_CAPACITY: 100,823 in 10 MiB). */
    capacity: number;
    rent: RentSource;
    programAddress?: Address;
}

/** `createAccount(slab, 8 + 112 + capacity·104, owner = softliq)` then `init_slab(capacity)`. */
export async function getCreateSlabInstructions(input: CreateSlabInput): Promise<Instruction[]> {
    checkCapacity(input.capacity, MAX_SLAB_CAPACITY, 'slab');
    const programAddress = input.programAddress ?? SOFTLIQ_PROGRAM_ADDRESS;
    const space = slabAccountSize(input.capacity);
    const createAccount = getCreateAccountInstruction({
        payer: input.payer ?? input.admin,
        newAccount: input.slab,
        lamports: await rentFor(space, input.rent),
        space,
        owner: programAddress,
    });
    const initSlab = getInitSlabInstruction(
        { admin: input.admin, market: input.market, slab: input.slab.address, capacity: input.capacity },
        { programAddress },
    );
    return [createAccount, initSlab];
}

export interface CreateMarketInput {
    /** Market admin: pays for the market and its vaults, signs `initialize_market`. */
    admin: TransactionSigner;
    /** Pays for the lot book account (default: the admin). */
    payer?: TransactionSigner;
    /** A fresh keypair for the market account (created by the program with `init`). */
    market: TransactionSigner;
    /** A fresh keypair for the lot book account (created here with `createAccount`). */
    lotBook: TransactionSigner;
    lotCapacity: number;
    collateralMint: Address;
    debtMint: Address;
    /** SPL Token or Token-2022: the owner of each mint. */
    collateralTokenProgram: Address;
    debtTokenProgram: Address;
    /** Pyth account read at creation (a PriceUpdateV2 for pull, the price account for legacy). */
    oracle: Address;
    oracleKind: number;
    /** Pyth feed id (pull); ignored for legacy. */
    oracleFeedId: Uint8Array;
    /** The market's price is 1 / the feed's price. */
    inverted: boolean;
    params: MarketParamsArgs;
    /**
     * Dynamic-risk parameters (default: `staticDefaultRiskParams()`, static margins). The
     * margin add-on cap (`marginAddonCapBps`) is fixed at creation; the program checks
     * `maxPriceMoveBps × maxCrankGapSlots + liquidationPenaltyBps ≤ maintMarginBps`.
     */
    risk?: RiskParamsArgs;
    rent: RentSource;
    programAddress?: Address;
}

/**
 * `createAccount(lotBook, 8 + 112 + lotCapacity·144, owner = softliq)` then
 * `initialize_market` (market, vault authority and the three vault PDAs resolved;
 * `risk` defaults to `staticDefaultRiskParams()`).
 */
export async function getCreateMarketInstructions(input: CreateMarketInput): Promise<Instruction[]> {
    checkCapacity(input.lotCapacity, MAX_LOT_CAPACITY, 'lot book');
    if (input.oracleFeedId.length !== 32) throw new RangeError(`oracleFeedId must be 32 bytes, got ${input.oracleFeedId.length}`);
    const programAddress = input.programAddress ?? SOFTLIQ_PROGRAM_ADDRESS;
    const space = lotBookAccountSize(input.lotCapacity);
    const createAccount = getCreateAccountInstruction({
        payer: input.payer ?? input.admin,
        newAccount: input.lotBook,
        lamports: await rentFor(space, input.rent),
        space,
        owner: programAddress,
    });
    const initializeMarket = await getInitializeMarketInstructionAsync(
        {
            admin: input.admin,
            market: input.market,
            lotBook: input.lotBook.address,
            collateralMint: input.collateralMint,
            debtMint: input.debtMint,
            oracle: input.oracle,
            collateralTokenProgram: input.collateralTokenProgram,
            debtTokenProgram: input.debtTokenProgram,
            params: input.params,
            oracleKind: input.oracleKind,
            oracleFeedId: input.oracleFeedId,
            inverted: input.inverted,
            lotCapacity: input.lotCapacity,
            risk: input.risk ?? staticDefaultRiskParams(),
        },
        { programAddress },
    );
    return [createAccount, initializeMarket];
}

/** A blockhash lifetime as `getLatestBlockhash` returns it. */
export interface LatestBlockhash {
    blockhash: Blockhash;
    lastValidBlockHeight: bigint;
}

/** A v0 transaction message paying with `feePayer` and carrying `instructions`. */
export function buildTransactionMessage(feePayer: TransactionSigner, latestBlockhash: LatestBlockhash, instructions: Instruction[]) {
    return pipe(
        createTransactionMessage({ version: 0 }),
        m => setTransactionMessageFeePayerSigner(feePayer, m),
        m => setTransactionMessageLifetimeUsingBlockhash(latestBlockhash, m),
        m => appendTransactionMessageInstructions(instructions, m),
    );
}

/** One transaction message: create the slab account and initialise it. */
export async function getCreateSlabTransactionMessage(input: CreateSlabInput & { latestBlockhash: LatestBlockhash }) {
    return buildTransactionMessage(input.payer ?? input.admin, input.latestBlockhash, await getCreateSlabInstructions(input));
}

/** One transaction message: create the lot book account and initialise the market with it. */
export async function getCreateMarketTransactionMessage(input: CreateMarketInput & { latestBlockhash: LatestBlockhash }) {
    return buildTransactionMessage(input.admin, input.latestBlockhash, await getCreateMarketInstructions(input));
}
