/**
 * A LiteSVM harness for running the real SBF program (target/sbf/softliq.so, built by
 * scripts/build-sbf.sh) through the generated client: transactions built with @solana/kit
 * and the client's `buildTransactionMessage`, mints and token accounts through
 * @solana-program/system and @solana-program/token, a Pyth pull oracle (`PriceUpdateV2`)
 * written straight into the VM, Anchor events read back from the `Program data:` log lines,
 * and a refused transaction turned into the `SolanaError` an RPC client would see (so the
 * generated `isSoftliqError` applies to it).
 *
 * Used by test/litesvm.test.ts (docs/client-litesvm.md). litesvm 1.1.0 is built against
 * @solana/kit ^6.9.0: the client's pinned kit 6.9.0 is the one it loads.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

import { getCreateAccountInstruction as getSystemCreateAccountInstruction } from '@solana-program/system';
import {
    decodeToken,
    getInitializeAccount3Instruction,
    getInitializeMint2Instruction,
    getMintSize,
    getMintToInstruction,
    getTokenSize,
    TOKEN_PROGRAM_ADDRESS as SPL_TOKEN_PROGRAM_ADDRESS,
    type Token,
} from '@solana-program/token';
import {
    address,
    generateKeyPairSigner,
    getAddressEncoder,
    getBase64Encoder,
    getSolanaErrorFromTransactionError,
    getTransactionMessageSize,
    getTransactionMessageSizeLimit,
    lamports,
    signTransactionMessageWithSigners,
    type Address,
    type Decoder,
    type Instruction,
    type KeyPairSigner,
    type SolanaError,
} from '@solana/kit';
import { Clock, FailedTransactionMetadata, LiteSVM } from 'litesvm';

import {
    getCrankCompletedDecoder,
    getInsuranceChangedDecoder,
    getLotBookFullDecoder,
    getLotRedeemedDecoder,
    getLotResetDecoder,
    getLotSettledDecoder,
    getLotTakenDecoder,
    getLpDepositedDecoder,
    getLpWithdrawnDecoder,
    getMarketInitializedDecoder,
    getParamsAnnouncedDecoder,
    getParamsUpdatedDecoder,
    getPositionChangedDecoder,
    getPositionClosedDecoder,
    getPositionOpenedDecoder,
    getRiskParamsUpdatedDecoder,
    getRiskUpdatedDecoder,
    getSlabInitializedDecoder,
    SOFTLIQ_PROGRAM_ADDRESS,
} from '../src/generated';
import { buildTransactionMessage } from '../src/transactions';

// ---- The program binary ----

const CLIENT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(CLIENT_DIR, '..', '..');
/** Where scripts/build-sbf.sh (or `anchor build`) puts the program. */
export const SBF_PROGRAM_PATH = path.join(REPO_ROOT, 'target', 'sbf', 'softliq.so');

/**
 * The path of the SBF program, or an error naming the script that builds it. The LiteSVM
 * suite fails (never skips) without it: CI runs scripts/build-sbf.sh before `npm test`.
 */
export function requireSbfProgram(file: string = SBF_PROGRAM_PATH): string {
    if (!existsSync(file)) {
        throw new Error(
            `${path.relative(REPO_ROOT, file) || file} is missing: build the SBF program first with scripts/build-sbf.sh ` +
                '(or `anchor build`); the LiteSVM suite runs the real binary and does not skip without it.',
        );
    }
    return file;
}

// ---- Pyth pull oracle (PriceUpdateV2) ----

/** `pyth_solana_receiver_sdk::ID` (softliq's `oracle::PYTH_RECEIVER_PROGRAM_ID`): the owner of `PriceUpdateV2` accounts. */
export const PYTH_RECEIVER_PROGRAM_ADDRESS = address('rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ');
/** `PriceUpdateV2::LEN`: 8 + 32 + 2 + 84 + 8 (borsh is 133 bytes with `Full`; the rest is zero). */
export const PRICE_UPDATE_V2_LEN = 134;
/** Anchor account discriminator: sha256("account:PriceUpdateV2")[..8]. */
export const PRICE_UPDATE_V2_DISCRIMINATOR = sha256Prefix('account:PriceUpdateV2');

function sha256Prefix(preimage: string): Uint8Array {
    return new Uint8Array(createHash('sha256').update(preimage).digest().subarray(0, 8));
}

/** A price as the feed publishes it (Pyth units: `price × 10^expo`). */
export interface FeedPrice {
    price: bigint;
    conf: bigint;
    expo: number;
    emaPrice: bigint;
    publishTime: bigint;
    postedSlot: bigint;
}

/**
 * tests/src/pyth.rs `usd_feed`: `units` whole quote units per base unit, expo −8,
 * confidence 0.05% of the price, EMA = price.
 */
export function usdFeed(units: number, postedSlot: bigint, publishTime: bigint): FeedPrice {
    const price = BigInt(Math.round(units * 1e8));
    return { price, conf: price / 2_000n, expo: -8, emaPrice: price, publishTime, postedSlot };
}

/**
 * tests/src/pyth.rs `scaled_usd`: the program's price (debt native per collateral native ×
 * PRICE_SCALE 1e12) of a whole-unit USD feed price, 9-decimal collateral, 6-decimal debt.
 */
export function scaledUsd(units: number): bigint {
    return BigInt(Math.round(units * 1e8)) * 10n;
}

/**
 * Bytes of a `PriceUpdateV2` account: discriminator, then borsh: write_authority (32),
 * verification_level (`Full` = 1), price_message { feed_id [32], price i64, conf u64,
 * exponent i32, publish_time i64, prev_publish_time i64, ema_price i64, ema_conf u64 },
 * posted_slot u64; zero-padded to `PriceUpdateV2::LEN`.
 */
export function priceUpdateV2Data(feedId: Uint8Array, p: FeedPrice, writeAuthority: Address = PYTH_RECEIVER_PROGRAM_ADDRESS): Uint8Array {
    assert.equal(feedId.length, 32, 'feed id: 32 bytes');
    const data = new Uint8Array(PRICE_UPDATE_V2_LEN);
    const v = new DataView(data.buffer);
    let o = 0;
    data.set(PRICE_UPDATE_V2_DISCRIMINATOR, o);
    o += 8;
    data.set(getAddressEncoder().encode(writeAuthority), o);
    o += 32;
    data[o++] = 1; // VerificationLevel::Full
    data.set(feedId, o);
    o += 32;
    v.setBigInt64(o, p.price, true);
    o += 8;
    v.setBigUint64(o, p.conf, true);
    o += 8;
    v.setInt32(o, p.expo, true);
    o += 4;
    v.setBigInt64(o, p.publishTime, true);
    o += 8;
    v.setBigInt64(o, p.publishTime - 1n, true); // prev_publish_time
    o += 8;
    v.setBigInt64(o, p.emaPrice, true);
    o += 8;
    v.setBigUint64(o, p.conf, true); // ema_conf
    o += 8;
    v.setBigUint64(o, p.postedSlot, true);
    o += 8;
    assert.equal(o, 133);
    return data;
}

// ---- Anchor events ----

const EVENT_DECODERS = {
    CrankCompleted: getCrankCompletedDecoder(),
    InsuranceChanged: getInsuranceChangedDecoder(),
    LotBookFull: getLotBookFullDecoder(),
    LotRedeemed: getLotRedeemedDecoder(),
    LotReset: getLotResetDecoder(),
    LotSettled: getLotSettledDecoder(),
    LotTaken: getLotTakenDecoder(),
    LpDeposited: getLpDepositedDecoder(),
    LpWithdrawn: getLpWithdrawnDecoder(),
    MarketInitialized: getMarketInitializedDecoder(),
    ParamsAnnounced: getParamsAnnouncedDecoder(),
    ParamsUpdated: getParamsUpdatedDecoder(),
    PositionChanged: getPositionChangedDecoder(),
    PositionClosed: getPositionClosedDecoder(),
    PositionOpened: getPositionOpenedDecoder(),
    RiskParamsUpdated: getRiskParamsUpdatedDecoder(),
    RiskUpdated: getRiskUpdatedDecoder(),
    SlabInitialized: getSlabInitializedDecoder(),
};

export type EventName = keyof typeof EVENT_DECODERS;
type DecodedOf<D> = D extends Decoder<infer T> ? T : never;
export type EventOf<N extends EventName> = DecodedOf<(typeof EVENT_DECODERS)[N]>;
export type SoftliqEvent = { [N in EventName]: { name: N; data: EventOf<N> } }[EventName];

/** sha256("event:<Name>")[..8], hex, to the event's name. */
const EVENT_BY_DISCRIMINATOR = new Map<string, EventName>(
    (Object.keys(EVENT_DECODERS) as EventName[]).map(name => [Buffer.from(sha256Prefix(`event:${name}`)).toString('hex'), name]),
);

const PROGRAM_DATA = 'Program data: ';

/**
 * The softliq events of a transaction's logs: each `Program data: <base64>` line whose first
 * 8 bytes are an event discriminator, decoded whole by the generated decoder (which checks
 * the discriminator again as its hidden prefix). Lines of unknown events are ignored.
 */
export function decodeEvents(logs: readonly string[]): SoftliqEvent[] {
    const out: SoftliqEvent[] = [];
    for (const line of logs) {
        if (!line.startsWith(PROGRAM_DATA)) continue;
        const bytes = getBase64Encoder().encode(line.slice(PROGRAM_DATA.length));
        const name = EVENT_BY_DISCRIMINATOR.get(Buffer.from(bytes.subarray(0, 8)).toString('hex'));
        if (name === undefined) continue;
        out.push({ name, data: EVENT_DECODERS[name].decode(bytes) } as SoftliqEvent);
    }
    return out;
}

// ---- Transactions ----

export interface Sent {
    label: string;
    logs: string[];
    computeUnits: bigint;
    events: SoftliqEvent[];
}

export interface Refused {
    label: string;
    logs: string[];
    /** The transaction message, for `isSoftliqError(error, message, code)`. */
    message: { instructions: readonly Instruction[] };
    /** What an RPC client gets: `getSolanaErrorFromTransactionError` of the failure. */
    error: SolanaError;
    /** The custom program error code (6000+ for softliq), or null for another failure. */
    code: number | null;
    /** LiteSVM's own rendering of the failure. */
    raw: string;
}

/** Thrown by `SoftliqVm.send` when the VM refuses a transaction that should pass. */
export class TransactionFailed extends Error {
    override name = 'TransactionFailed';
    constructor(readonly refused: Refused) {
        super(`${refused.label}: ${refused.raw}\n${refused.logs.join('\n')}`);
    }
}

/** One event of `name` in `sent` (exactly one expected). */
export function eventOf<N extends EventName>(sent: Sent, name: N): EventOf<N> {
    const found = sent.events.filter(e => e.name === name);
    assert.equal(found.length, 1, `${sent.label}: expected one ${name} event, got ${found.length} (${sent.events.map(e => e.name).join(', ')})`);
    return found[0]!.data as EventOf<N>;
}

/** Shape of `TransactionErrorInstructionError` / `InstructionErrorCustom` (not exported by litesvm's index). */
interface InstructionErrorLike {
    index: number;
    err(): unknown;
}

function isInstructionError(e: unknown): e is InstructionErrorLike {
    return typeof e === 'object' && e !== null && typeof (e as InstructionErrorLike).index === 'number' && typeof (e as InstructionErrorLike).err === 'function';
}

/**
 * The failure as the RPC would report it (`{ InstructionError: [index, { Custom: code }] }`),
 * through kit's `getSolanaErrorFromTransactionError`: the same `SolanaError` a client sending
 * to a cluster gets, so that the generated error helpers apply unchanged.
 */
function toSolanaError(failed: FailedTransactionMetadata): { error: SolanaError; code: number | null } {
    const err = failed.err();
    if (isInstructionError(err)) {
        const inner = err.err();
        if (typeof inner === 'object' && inner !== null && typeof (inner as { code?: unknown }).code === 'number') {
            const code = (inner as { code: number }).code;
            return { error: getSolanaErrorFromTransactionError({ InstructionError: [err.index, { Custom: code }] }), code };
        }
    }
    return { error: getSolanaErrorFromTransactionError({ [String(failed.toString())]: null }), code: null };
}

// ---- x87 state after the SBPF JIT (litesvm 1.1.0 on Linux x86-64) ----
//
// The SBPF JIT of solana-sbpf 0.13.1 spills a register into MM0 on the `callx` path and never
// issues EMMS (LiteSVM issue #396, fixed upstream by #398 after 1.3.0; 1.1.0 is pinned here).
// That leaves all eight x87 registers tagged in use, so the next x87 push on this thread
// overflows and yields NaN. Softliq's own instructions reach `callx` when they fail (Anchor
// formats the error log with core::fmt). Two x87 consumers matter in node:
//   * V8's Float64Mod (JS `%` on non-Smi numbers): fld, fld, fprem, fstp, fstp, 2 deep. Run
//     once after every transaction (`settleX87`), it takes the NaN itself and leaves the two
//     registers it pops empty, enough for every later `%`;
//   * V8's allocation-site pretenuring, run on every scavenge (PretenuringHandler::
//     ProcessPretenuringFeedback): 3 deep, so it would still overflow, and its NaN becomes a
//     bucket count and `std::bad_alloc` aborts the process (at a different point each run).
//     Pretenuring is an optimisation only: it is turned off for this test process.
// The other x87 users in node (heap snapshots, wasm compilation, snapshot building) do not
// run here. Remove this section when litesvm is upgraded to a release with #398.

setFlagsFromString('--no-allocation-site-pretenuring');

let heapMinusZero = -0; // a HeapNumber, so that `%` goes through V8's x87 Float64Mod
function float64Mod(a: number, b: number): number {
    return a % b;
}

/**
 * Runs V8's x87 modulo twice after a transaction: the first absorbs a stack fault left by
 * the JIT (returns false when it did), the second must then be right (`-0 % 64 === -0`).
 */
export function settleX87(): boolean {
    const first = float64Mod(heapMinusZero, 64);
    const second = float64Mod(heapMinusZero, 64);
    heapMinusZero = -0;
    if (!Object.is(second, -0)) throw new Error(`x87 state still corrupted after a transaction (-0 % 64 = ${String(second)})`);
    return Object.is(first, -0);
}

// ---- The VM ----

export interface TokenUser {
    signer: KeyPairSigner;
    collateral: Address;
    debt: Address;
}

/** Solana's 400 ms slots: the unix time moves by 2 s every 5 slots (rounded up). */
function secondsFor(slots: bigint): bigint {
    return (slots * 2n + 4n) / 5n;
}

/**
 * LiteSVM with softliq loaded from its SBF binary, a funded fee payer, and the token and
 * oracle plumbing. The clock starts at a realistic slot and time and only moves forward.
 */
export class SoftliqVm {
    /** Transactions after which the x87 state had to be repaired (see `settleX87`). */
    readonly x87Repairs: string[] = [];
    private constructor(
        readonly svm: LiteSVM,
        readonly payer: KeyPairSigner,
        readonly programPath: string,
    ) {}

    static async start(opts: { programPath?: string; slot?: bigint; unixTimestamp?: bigint } = {}): Promise<SoftliqVm> {
        const programPath = requireSbfProgram(opts.programPath);
        const svm = new LiteSVM(); // standard builtins, sysvars and SPL programs (Token, Token-2022, ATA)
        svm.addProgramFromFile(SOFTLIQ_PROGRAM_ADDRESS, programPath);
        const payer = await generateKeyPairSigner();
        const vm = new SoftliqVm(svm, payer, programPath);
        vm.airdrop(payer.address, 1_000_000_000_000n);
        vm.setClock(opts.slot ?? 1_000n, opts.unixTimestamp ?? 1_750_000_000n);
        return vm;
    }

    // -- clock --

    get slot(): bigint {
        return this.svm.getClock().slot;
    }

    get unixTimestamp(): bigint {
        return this.svm.getClock().unixTimestamp;
    }

    setClock(slot: bigint, unixTimestamp: bigint): void {
        const c = this.svm.getClock();
        assert.ok(slot >= c.slot && unixTimestamp >= c.unixTimestamp, 'the clock only moves forward');
        this.svm.setClock(new Clock(slot, c.epochStartTimestamp, c.epoch, c.leaderScheduleEpoch, unixTimestamp));
    }

    /** Moves `slots` slots (and the matching seconds) forward. */
    warp(slots: bigint): void {
        this.setClock(this.slot + slots, this.unixTimestamp + secondsFor(slots));
    }

    // -- accounts --

    airdrop(to: Address, amount: bigint): void {
        const r = this.svm.airdrop(to, lamports(amount));
        if (!settleX87()) this.x87Repairs.push(`airdrop to ${to}`);
        if (r instanceof FailedTransactionMetadata || r === null) throw new Error(`airdrop to ${to} failed: ${r?.toString()}`);
    }

    data(at: Address): Uint8Array {
        const a = this.svm.getAccount(at);
        if (!a.exists) throw new Error(`account ${at} does not exist`);
        return new Uint8Array(a.data);
    }

    exists(at: Address): boolean {
        return this.svm.getAccount(at).exists;
    }

    lamports(at: Address): bigint {
        return BigInt(this.svm.getBalance(at) ?? 0n);
    }

    /** An SPL Token account, decoded by @solana-program/token. */
    token(at: Address): Token {
        const a = this.svm.getAccount(at);
        if (!a.exists) throw new Error(`token account ${at} does not exist`);
        return decodeToken(a).data;
    }

    tokenAmount(at: Address): bigint {
        return this.token(at).amount;
    }

    /** Data and lamports of each account (for "refused, nothing changed"). */
    snapshot(addresses: readonly Address[]): Map<Address, { lamports: bigint; data: string }> {
        const out = new Map<Address, { lamports: bigint; data: string }>();
        for (const a of addresses) {
            const acc = this.svm.getAccount(a);
            out.set(a, acc.exists ? { lamports: BigInt(acc.lamports), data: Buffer.from(acc.data).toString('base64') } : { lamports: 0n, data: '' });
        }
        return out;
    }

    /** Writes the market's oracle (a `PriceUpdateV2` owned by the Pyth receiver). */
    writeOracle(oracle: Address, feedId: Uint8Array, p: FeedPrice): void {
        this.svm.setAccount({
            address: oracle,
            data: priceUpdateV2Data(feedId, p),
            executable: false,
            lamports: lamports(this.svm.minimumBalanceForRentExemption(BigInt(PRICE_UPDATE_V2_LEN))),
            programAddress: PYTH_RECEIVER_PROGRAM_ADDRESS,
            space: BigInt(PRICE_UPDATE_V2_LEN),
        });
    }

    // -- transactions --

    private async sign(instructions: Instruction[], feePayer: KeyPairSigner) {
        // A fresh blockhash per transaction: LiteSVM refuses an identical transaction twice.
        this.svm.expireBlockhash();
        const message = buildTransactionMessage(feePayer, { blockhash: this.svm.latestBlockhash(), lastValidBlockHeight: 0n }, instructions);
        const size = getTransactionMessageSize(message);
        const limit = getTransactionMessageSizeLimit(message);
        assert.ok(size <= limit, `transaction of ${size} bytes exceeds the ${limit}-byte limit`);
        return { message, tx: await signTransactionMessageWithSigners(message) };
    }

    private async execute(label: string, instructions: Instruction[], feePayer: KeyPairSigner): Promise<Sent | Refused> {
        const { message, tx } = await this.sign(instructions, feePayer);
        const result = this.svm.sendTransaction(tx);
        if (!settleX87()) this.x87Repairs.push(label);
        if (result instanceof FailedTransactionMetadata) {
            const { error, code } = toSolanaError(result);
            return { label, logs: result.meta().logs(), message, error, code, raw: result.toString() };
        }
        const logs = result.logs();
        return { label, logs, computeUnits: result.computeUnitsConsumed(), events: decodeEvents(logs) };
    }

    /**
     * Sends the instructions in one transaction; throws if refused. The fee payer is `payer`
     * unless given: market creation passes its admin, as migrations/deploy.ts does (a
     * separate fee payer adds a signature and a key, and that transaction no longer fits).
     */
    async send(label: string, instructions: Instruction[], feePayer: KeyPairSigner = this.payer): Promise<Sent> {
        const r = await this.execute(label, instructions, feePayer);
        if ('error' in r) throw new TransactionFailed(r);
        return r;
    }

    /** Sends the instructions and expects the VM to refuse them. */
    async sendRefused(label: string, instructions: Instruction[], feePayer: KeyPairSigner = this.payer): Promise<Refused> {
        const r = await this.execute(label, instructions, feePayer);
        if (!('error' in r)) assert.fail(`${label}: expected the transaction to be refused, it passed:\n${r.logs.join('\n')}`);
        return r;
    }

    // -- tokens (SPL Token) --

    async createMint(decimals: number, authority: Address): Promise<Address> {
        const mint = await generateKeyPairSigner();
        const space = getMintSize();
        await this.send(`create mint (${decimals} decimals)`, [
            getSystemCreateAccountInstruction({
                payer: this.payer,
                newAccount: mint,
                lamports: this.svm.minimumBalanceForRentExemption(BigInt(space)),
                space,
                programAddress: SPL_TOKEN_PROGRAM_ADDRESS,
            }),
            getInitializeMint2Instruction({ mint: mint.address, decimals, mintAuthority: authority }),
        ]);
        return mint.address;
    }

    async createTokenAccount(mint: Address, owner: Address): Promise<Address> {
        const account = await generateKeyPairSigner();
        const space = getTokenSize();
        await this.send('create token account', [
            getSystemCreateAccountInstruction({
                payer: this.payer,
                newAccount: account,
                lamports: this.svm.minimumBalanceForRentExemption(BigInt(space)),
                space,
                programAddress: SPL_TOKEN_PROGRAM_ADDRESS,
            }),
            getInitializeAccount3Instruction({ account: account.address, mint, owner }),
        ]);
        return account.address;
    }

    async mintTo(mint: Address, token: Address, amount: bigint, authority: KeyPairSigner): Promise<void> {
        if (amount === 0n) return;
        await this.send('mint to', [getMintToInstruction({ mint, token, mintAuthority: authority, amount })]);
    }

    /**
     * A user with a keypair (1,000 SOL for rent of its LP / stake accounts and position
     * deposits), a collateral and a debt token account, funded with the given amounts.
     */
    async newUser(mints: { collateral: Address; debt: Address; authority: KeyPairSigner }, collateral: bigint, debt: bigint): Promise<TokenUser> {
        const signer = await generateKeyPairSigner();
        this.airdrop(signer.address, 1_000_000_000_000n);
        const c = await this.createTokenAccount(mints.collateral, signer.address);
        const d = await this.createTokenAccount(mints.debt, signer.address);
        await this.mintTo(mints.collateral, c, collateral, mints.authority);
        await this.mintTo(mints.debt, d, debt, mints.authority);
        return { signer, collateral: c, debt: d };
    }
}

// ---- Program arithmetic the assertions use (mirrors of the Rust engine) ----

const BPS = 10_000n;
const VIRTUAL_SHARES = 1_000n; // engine::pool
const VIRTUAL_ASSETS = 1_000n;

/** `engine::pool::shares_for_deposit`. */
export function sharesForDeposit(amount: bigint, totalShares: bigint, value: bigint): bigint {
    return (amount * (totalShares + VIRTUAL_SHARES)) / (value + VIRTUAL_ASSETS);
}

/** `engine::pool::amount_for_shares`: the lower of the virtual-offset and the pro-rata price. */
export function amountForShares(shares: bigint, totalShares: bigint, value: bigint): bigint {
    if (shares === totalShares) return value;
    const virtualPrice = (shares * (value + VIRTUAL_ASSETS)) / (totalShares + VIRTUAL_SHARES);
    const proRata = (shares * value) / totalShares;
    return virtualPrice < proRata ? virtualPrice : proRata;
}

/** `engine::fees::episode_pay`: min(tip + chip, cap, penalty) of an episode's seized notional. */
export function episodePay(p: { keeperTipNative: bigint; keeperChipBps: bigint; keeperPayCapNative: bigint; liquidationPenaltyBps: bigint }, notional: bigint): bigint {
    if (notional === 0n) return 0n;
    const chip = (notional * p.keeperChipBps) / BPS;
    const byPenalty = (notional * p.liquidationPenaltyBps) / BPS;
    let pay = p.keeperTipNative + chip;
    if (pay > p.keeperPayCapNative) pay = p.keeperPayCapNative;
    if (pay > byPenalty) pay = byPenalty;
    return pay;
}

/** `engine::auction::start_price`: oracle price × start buffer, rounded up. */
export function auctionStartPrice(oraclePrice: bigint, startBufferBps: bigint): bigint {
    return (oraclePrice * startBufferBps + BPS - 1n) / BPS;
}
