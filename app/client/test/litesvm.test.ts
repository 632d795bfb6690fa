// The real SBF program (target/sbf/softliq.so, scripts/build-sbf.sh) in LiteSVM, driven
// through the generated client: every instruction of the IDL, each followed by the accounts
// read back with the client's decoders (token balances, market counters, positions, lots),
// the crank's CrankCompleted event decoded from the logs, and refused instructions coming
// back as the client's typed errors with nothing changed. Amounts follow the Rust lifecycle
// test (tests/tests/sbf_cases/test_instructions.rs). Fails, never skips, without the binary.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { generateKeyPairSigner, type Address, type Instruction, type KeyPairSigner } from '@solana/kit';

import {
    BORROW_INDEX_SCALE,
    debtNative,
    decodeInsuranceStake,
    decodeLotBookAccount,
    decodeLpAccount,
    decodeMarketAccount,
    decodePositionAt,
    decodePositionSlabAccount,
    defaultRentExemptLamports,
    defaultSoftParams,
    effectiveParams,
    ENTRY_IN_USE,
    findCollateralVaultPda,
    findDebtVaultPda,
    findInsuranceVaultPda,
    findLpAccountPda,
    findStakePda,
    findVaultAuthPda,
    getAuctionRedeemInstruction,
    getAuctionResetInstructionAsync,
    getAuctionSettleInstructionAsync,
    getAuctionTakeInstructionAsync,
    getBorrowInstructionAsync,
    getClosePositionInstructionAsync,
    getCrankLiquidateInstructionAsync,
    getCreateMarketInstructions,
    getCreateSlabInstructions,
    getDepositCollateralInstruction,
    getInsuranceDepositInstructionAsync,
    getInsuranceRequestWithdrawInstructionAsync,
    getInsuranceWithdrawInstructionAsync,
    getLpDepositInstructionAsync,
    getLpWithdrawInstructionAsync,
    getOpenPositionInstruction,
    getRefreshRiskInstruction,
    getRepayInstruction,
    getSetRiskParamsInstruction,
    getSoftliqErrorMessage,
    getUpdateParamsInstruction,
    getWithdrawCollateralInstructionAsync,
    isSoftliqError,
    lotBookAccountSize,
    ORACLE_KIND_PYTH_PULL,
    POSITION_DEPOSIT_LAMPORTS,
    POSITION_IN_EPISODE,
    slabAccountSize,
    SOFTLIQ_ERROR__INSUFFICIENT_HEALTH,
    SOFTLIQ_ERROR__ORACLE_CONF_TOO_WIDE,
    SOFTLIQ_ERROR__PAUSED,
    SOFTLIQ_ERROR__PRICE_ABOVE_MAX,
    SOFTLIQ_ERROR__RESET_TOO_EARLY,
    SOFTLIQ_PROGRAM_ADDRESS,
    staticDefaultRiskParams,
    TOKEN_PROGRAM_ADDRESS,
    valueOf,
    type LotEntry,
    type MarketParams,
    type MarketState,
    type PositionEntry,
    type SoftliqError,
} from '../src/index';
import {
    amountForShares,
    auctionStartPrice,
    episodePay,
    eventOf,
    requireSbfProgram,
    scaledUsd,
    sharesForDeposit,
    SoftliqVm,
    usdFeed,
    type Refused,
    type Sent,
    type TokenUser,
} from './litesvm-helpers';

const U64_MAX = (1n << 64n) - 1n;
const SOL = 1_000_000_000n; // collateral: 9 decimals
const USDC = 1_000_000n; // debt: 6 decimals
const LOT_CAPACITY = 256;
const SLAB_CAPACITY = 1_024;
const PAUSE_BORROW = 2; // state::market::PAUSE_BORROW
const PARAMS_NOTICE_SLOTS = 9_000n; // engine::params::PARAMS_NOTICE_SLOTS
const ACTION = { deposit: 0, withdraw: 1, borrow: 2, repay: 3 }; // PositionChanged.action
const INSURANCE = { deposit: 0, request: 1, withdraw: 2 }; // InsuranceChanged.action

/** The Rust lifecycle test's parameters: `default_soft()` without the ramp and the insurance cooldown. */
const PARAMS: MarketParams = { ...defaultSoftParams(), liqRampSlots: 0n, insuranceWithdrawCooldownSlots: 0n };

// ---- The IDL's instructions, by discriminator (coverage is measured on what the VM ran) ----

interface IdlInstruction {
    name: string;
    discriminator: number[];
}
const IDL = JSON.parse(readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'idl', 'softliq.json'), 'utf8')) as {
    instructions: IdlInstruction[];
};
const IX_BY_DISCRIMINATOR = new Map(IDL.instructions.map(i => [Buffer.from(i.discriminator).toString('hex'), i.name]));

// ---- Shared state of the lifecycle (the tests below run in order) ----

let vm: SoftliqVm;
let mintAuthority: KeyPairSigner;
let admin: KeyPairSigner;
let collateralMint: Address;
let debtMint: Address;
let oracle: Address;
const feedId = Uint8Array.from({ length: 32 }, (_, i) => (7 * i + 3) & 0xff);
let market: Address;
let lotBook: Address;
let slab: Address;
let vaultAuth: Address;
let collateralVault: Address;
let debtVault: Address;
let insuranceVault: Address;
let lp: TokenUser;
let trader: TokenUser;
let keeper: TokenUser;
/** The trader's first position and the second one (slab index, generation). */
let pos: { index: number; generation: number };
let pos2: { index: number; generation: number };

/** softliq instruction name → compute units of each successful run. */
const ran = new Map<string, bigint[]>();

async function run(label: string, instructions: Instruction[], feePayer?: KeyPairSigner): Promise<Sent> {
    const sent = await vm.send(label, instructions, feePayer);
    const softliq = instructions.filter(ix => ix.programAddress === SOFTLIQ_PROGRAM_ADDRESS);
    for (const ix of softliq) {
        const name = IX_BY_DISCRIMINATOR.get(Buffer.from(ix.data!.subarray(0, 8)).toString('hex'));
        assert.ok(name, `${label}: a softliq instruction with an unknown discriminator`);
        ran.set(name, [...(ran.get(name) ?? []), sent.computeUnits]);
    }
    checkVaults(label);
    return sent;
}

/** Writes the oracle at the current slot and time (publish times only move forward with the clock). */
function setPrice(units: number): void {
    vm.writeOracle(oracle, feedId, usdFeed(units, vm.slot, vm.unixTimestamp));
}

function warp(slots: bigint, units: number): void {
    vm.warp(slots);
    setPrice(units);
}

const marketState = (): MarketState => decodeMarketAccount(vm.data(market));

function position(p: { index: number; generation: number }): PositionEntry {
    const e = decodePositionAt(vm.data(slab), p.index, p.generation);
    assert.ok(e, `position ${p.index}/${p.generation} is open`);
    return e;
}

function openLots(): LotEntry[] {
    return decodeLotBookAccount(vm.data(lotBook)).lots;
}

/** The one open lot. */
function theLot(): LotEntry {
    const lots = openLots();
    assert.equal(lots.length, 1, 'one open lot');
    return lots[0]!;
}

const bal = (a: Address) => vm.tokenAmount(a);

/**
 * The vaults hold exactly what the market's counters say: pool cash in the debt vault, the
 * insurance balance in the insurance vault, position and lot collateral in the collateral vault.
 */
function checkVaults(label: string): void {
    if (!market || !vm.exists(market)) return;
    const m = marketState();
    assert.equal(bal(debtVault), m.poolCashNative, `${label}: debt vault = pool cash`);
    assert.equal(bal(insuranceVault), m.insuranceBalanceNative, `${label}: insurance vault = insurance balance`);
    assert.equal(bal(collateralVault), m.totalPositionCollateralNative + m.totalLotCollateralNative, `${label}: collateral vault = position + lot collateral`);
}

/** The accounts a refused instruction must leave as they were. */
function watched(...users: TokenUser[]): Address[] {
    return [market, lotBook, slab, collateralVault, debtVault, insuranceVault, oracle, ...users.flatMap(u => [u.signer.address, u.collateral, u.debt])];
}

/** A refusal as the client sees it: the named softliq error, its code and message, logged by Anchor. */
function assertSoftliqError(r: Refused, code: SoftliqError, name: string, number: number): void {
    assert.equal(r.code, number, `${r.label}: custom error ${r.code}, expected ${name} (${number})\n${r.logs.join('\n')}`);
    assert.equal(code, number);
    assert.ok(isSoftliqError(r.error, r.message, code), `${r.label}: isSoftliqError(…, ${name})`);
    assert.equal(r.error.context.code, code);
    assert.ok(r.logs.some(l => l.includes(`Error Code: ${name}.`) && l.includes(`Error Number: ${number}.`) && l.includes(getSoftliqErrorMessage(code))), `${r.label}: Anchor logs ${name}`);
}

async function refusedUnchanged(label: string, ixs: Instruction[], users: TokenUser[], code: SoftliqError, name: string, number: number): Promise<Refused> {
    const keys = watched(...users);
    const before = vm.snapshot(keys);
    const r = await vm.sendRefused(label, ixs);
    assertSoftliqError(r, code, name, number);
    assert.deepStrictEqual(vm.snapshot(keys), before, `${label}: refused, so no account changed`);
    return r;
}

// ---- Instruction builders with this market's accounts ----

const borrowIx = (p: { index: number; generation: number }, amount: bigint) =>
    getBorrowInstructionAsync({
        owner: trader.signer,
        market,
        slab,
        ownerDebt: trader.debt,
        debtVault,
        debtMint,
        oracle,
        debtTokenProgram: TOKEN_PROGRAM_ADDRESS,
        index: p.index,
        generation: p.generation,
        amount,
    });

const depositIx = (p: { index: number; generation: number }, amount: bigint) =>
    getDepositCollateralInstruction({
        owner: trader.signer,
        market,
        slab,
        ownerCollateral: trader.collateral,
        collateralVault,
        collateralMint,
        collateralTokenProgram: TOKEN_PROGRAM_ADDRESS,
        index: p.index,
        generation: p.generation,
        amount,
    });

const crankIx = (entries: { index: number; generation: number }[]) =>
    getCrankLiquidateInstructionAsync({
        keeper: keeper.signer,
        market,
        slab,
        lotBook,
        oracle,
        insuranceVault,
        keeperDebt: keeper.debt,
        debtMint,
        debtTokenProgram: TOKEN_PROGRAM_ADDRESS,
        entries,
    });

const takeIx = (lot: LotEntry, maxCollateral: bigint, maxPrice: bigint) =>
    getAuctionTakeInstructionAsync({
        taker: lp.signer,
        market,
        lotBook,
        takerDebt: lp.debt,
        takerCollateral: lp.collateral,
        collateralVault,
        debtVault,
        insuranceVault,
        collateralMint,
        debtMint,
        collateralTokenProgram: TOKEN_PROGRAM_ADDRESS,
        debtTokenProgram: TOKEN_PROGRAM_ADDRESS,
        slab: lot.slab,
        lotIndex: lot.index,
        lotGeneration: lot.generation,
        maxCollateral,
        maxPrice,
    });

const resetIx = (lot: LotEntry) =>
    getAuctionResetInstructionAsync({
        caller: keeper.signer,
        market,
        lotBook,
        oracle,
        insuranceVault,
        callerDebt: keeper.debt,
        debtMint,
        debtTokenProgram: TOKEN_PROGRAM_ADDRESS,
        lotIndex: lot.index,
        lotGeneration: lot.generation,
    });

async function openPosition(): Promise<{ index: number; generation: number }> {
    const traderLamports = vm.lamports(trader.signer.address);
    const marketLamports = vm.lamports(market);
    const opened = marketState().positionsOpen;
    const sent = await run('open_position', [getOpenPositionInstruction({ owner: trader.signer, market, slab })]);
    const ev = eventOf(sent, 'PositionOpened');
    assert.equal(ev.market, market);
    assert.equal(ev.slab, slab);
    assert.equal(ev.owner, trader.signer.address);
    assert.equal(ev.depositLamports, POSITION_DEPOSIT_LAMPORTS);
    const p = position(ev);
    assert.equal(p.owner, trader.signer.address);
    assert.equal(p.collateralNative, 0n);
    assert.equal(p.debtShares, 0n);
    assert.equal(p.flags & ENTRY_IN_USE, ENTRY_IN_USE);
    // The owner pays the refundable deposit into the market account (the fee payer pays fees).
    assert.equal(vm.lamports(trader.signer.address), traderLamports - POSITION_DEPOSIT_LAMPORTS);
    assert.equal(vm.lamports(market), marketLamports + POSITION_DEPOSIT_LAMPORTS);
    assert.equal(marketState().positionsOpen, opened + 1n);
    return { index: ev.index, generation: ev.generation };
}

async function repayAll(p: { index: number; generation: number }): Promise<bigint> {
    const shares = position(p).debtShares;
    const cash = marketState().poolCashNative;
    const traderDebt = bal(trader.debt);
    const sent = await run('repay', [
        getRepayInstruction({
            payer: trader.signer,
            market,
            slab,
            payerDebt: trader.debt,
            debtVault,
            debtMint,
            debtTokenProgram: TOKEN_PROGRAM_ADDRESS,
            index: p.index,
            generation: p.generation,
            maxAmount: U64_MAX,
        }),
    ]);
    const ev = eventOf(sent, 'PositionChanged');
    const m = marketState();
    // Repay accrues first: the whole debt at the index of this slot, rounded up.
    assert.equal(ev.action, ACTION.repay);
    assert.equal(ev.borrowIndex, m.borrowIndex);
    assert.equal(ev.amount, debtNative(shares, m.borrowIndex));
    assert.equal(ev.debtAfter, 0n);
    assert.equal(position(p).debtShares, 0n);
    assert.equal(bal(trader.debt), traderDebt - ev.amount);
    assert.equal(m.poolCashNative, cash + ev.amount);
    return ev.amount;
}

async function close(p: { index: number; generation: number }): Promise<void> {
    const collateral = position(p).collateralNative;
    const traderCollateral = bal(trader.collateral);
    const traderLamports = vm.lamports(trader.signer.address);
    const m0 = marketState();
    const used = decodePositionSlabAccount(vm.data(slab)).header.used;
    const sent = await run('close_position', [
        await getClosePositionInstructionAsync({
            owner: trader.signer,
            market,
            slab,
            ownerCollateral: trader.collateral,
            collateralVault,
            collateralMint,
            collateralTokenProgram: TOKEN_PROGRAM_ADDRESS,
            index: p.index,
            generation: p.generation,
        }),
    ]);
    const ev = eventOf(sent, 'PositionClosed');
    assert.equal(ev.collateralReturned, collateral);
    assert.equal(ev.depositLamports, POSITION_DEPOSIT_LAMPORTS);
    assert.equal(bal(trader.collateral), traderCollateral + collateral);
    assert.equal(vm.lamports(trader.signer.address), traderLamports + POSITION_DEPOSIT_LAMPORTS);
    assert.equal(decodePositionAt(vm.data(slab), p.index), null, 'the slot is free');
    const slabState = decodePositionSlabAccount(vm.data(slab));
    assert.equal(slabState.header.used, used - 1);
    assert.equal(slabState.header.freeHead, p.index);
    const m = marketState();
    assert.equal(m.positionsOpen, m0.positionsOpen - 1n);
    assert.equal(m.totalPositionCollateralNative, m0.totalPositionCollateralNative - collateral);
}

// ---- The suite ----

test('a missing SBF binary fails with a message naming scripts/build-sbf.sh', () => {
    assert.throws(() => requireSbfProgram('/nonexistent/target/sbf/softliq.so'), /softliq\.so is missing: build the SBF program first with scripts\/build-sbf\.sh/);
});

describe('softliq SBF program in LiteSVM, through the generated client', () => {
    before(async () => {
        // Fails (with the script to run) when target/sbf/softliq.so is missing.
        vm = await SoftliqVm.start();
    });

    after(() => {
        // Compute units per instruction, for the record (`node --test` prints diagnostics).
        if (ran.size > 0) {
            const rows = [...ran.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([n, cu]) => `${n}: ${cu.join(', ')} CU`);
            console.log(`x87 state repaired after: ${vm.x87Repairs.join('; ') || 'none'}`);
            console.log(`LiteSVM compute units (whole transaction):\n  ${rows.join('\n  ')}`);
        }
    });

    test('initialize_market via getCreateMarketInstructions: lot book account, market, vault authority and vaults', async () => {
        mintAuthority = await generateKeyPairSigner();
        collateralMint = await vm.createMint(9, mintAuthority.address);
        debtMint = await vm.createMint(6, mintAuthority.address);
        admin = await generateKeyPairSigner();
        vm.airdrop(admin.address, 100n * SOL);
        oracle = (await generateKeyPairSigner()).address;
        setPrice(100);

        const marketKp = await generateKeyPairSigner();
        const lotBookKp = await generateKeyPairSigner();
        market = marketKp.address;
        lotBook = lotBookKp.address;
        [vaultAuth] = await findVaultAuthPda({ market });
        [collateralVault] = await findCollateralVaultPda({ market });
        [debtVault] = await findDebtVaultPda({ market });
        [insuranceVault] = await findInsuranceVaultPda({ market });

        const lotSpace = lotBookAccountSize(LOT_CAPACITY);
        const lotRent = vm.svm.minimumBalanceForRentExemption(BigInt(lotSpace));
        assert.equal(lotRent, defaultRentExemptLamports(lotSpace), 'LiteSVM rent = the client default');
        const sent = await run(
            'initialize_market (+ lot book account)',
            await getCreateMarketInstructions({
                admin,
                market: marketKp,
                lotBook: lotBookKp,
                lotCapacity: LOT_CAPACITY,
                collateralMint,
                debtMint,
                collateralTokenProgram: TOKEN_PROGRAM_ADDRESS,
                debtTokenProgram: TOKEN_PROGRAM_ADDRESS,
                oracle,
                oracleKind: ORACLE_KIND_PYTH_PULL,
                oracleFeedId: feedId,
                inverted: false,
                params: PARAMS,
                rent: { lamports: lotRent },
            }),
            admin, // the admin pays, as in migrations/deploy.ts
        );

        const m = marketState();
        assert.equal(m.admin, admin.address);
        assert.equal(m.collateralMint, collateralMint);
        assert.equal(m.debtMint, debtMint);
        assert.equal(m.lotBook, lotBook);
        assert.equal(m.oracle, oracle);
        assert.deepStrictEqual([...m.oracleFeedId], [...feedId]);
        assert.deepStrictEqual([m.collateralVault, m.debtVault, m.insuranceVault], [collateralVault, debtVault, insuranceVault]);
        assert.deepStrictEqual(m.params, PARAMS);
        for (const [k, v] of Object.entries(staticDefaultRiskParams())) assert.equal(m.risk[k as keyof MarketState['risk']], v, `risk.${k}`);
        assert.equal(m.oracleKind, ORACLE_KIND_PYTH_PULL);
        assert.equal(m.inverted, 0);
        assert.equal(m.collateralDecimals, 9);
        assert.equal(m.debtDecimals, 6);
        assert.equal(m.paused, 0);
        assert.equal(m.borrowIndex, BORROW_INDEX_SCALE);
        assert.equal(m.lastAccrualSlot, vm.slot);
        for (const counter of ['poolCashNative', 'insuranceBalanceNative', 'lpSharesTotal', 'totalDebtShares', 'positionsOpen', 'liquidations'] as const) {
            assert.equal(m[counter], 0n, counter);
        }
        const ev = eventOf(sent, 'MarketInitialized');
        assert.deepStrictEqual(ev, { market, admin: admin.address, collateralMint, debtMint, lotBook, oracleKind: ORACLE_KIND_PYTH_PULL, inverted: false });

        // The lot book: created client-side (rent, size, owner), initialised by the program.
        const lb = vm.svm.getAccount(lotBook);
        assert.ok(lb.exists);
        assert.equal(lb.programAddress, SOFTLIQ_PROGRAM_ADDRESS);
        assert.equal(lb.data.length, lotSpace);
        assert.equal(BigInt(lb.lamports), lotRent);
        const book = decodeLotBookAccount(vm.data(lotBook));
        assert.equal(book.header.market, market);
        assert.equal(book.header.capacity, LOT_CAPACITY);
        assert.equal(book.header.used, 0);
        assert.deepStrictEqual(book.lots, []);

        // The three vaults: token accounts of the market's mints held by the vault authority PDA.
        for (const [vault, mint] of [
            [collateralVault, collateralMint],
            [debtVault, debtMint],
            [insuranceVault, debtMint],
        ] as const) {
            const a = vm.svm.getAccount(vault);
            assert.ok(a.exists);
            assert.equal(a.programAddress, TOKEN_PROGRAM_ADDRESS);
            const t = vm.token(vault);
            assert.equal(t.mint, mint);
            assert.equal(t.owner, vaultAuth);
            assert.equal(t.amount, 0n);
        }
    });

    test('init_slab via getCreateSlabInstructions', async () => {
        const slabKp = await generateKeyPairSigner();
        slab = slabKp.address;
        const space = slabAccountSize(SLAB_CAPACITY);
        const rent = vm.svm.minimumBalanceForRentExemption(BigInt(space));
        const sent = await run(
            'init_slab (+ account)',
            await getCreateSlabInstructions({ admin, market, slab: slabKp, capacity: SLAB_CAPACITY, rent: { lamports: rent } }),
            admin,
        );
        assert.deepStrictEqual(eventOf(sent, 'SlabInitialized'), { market, slab, capacity: SLAB_CAPACITY });
        const a = vm.svm.getAccount(slab);
        assert.ok(a.exists);
        assert.equal(a.programAddress, SOFTLIQ_PROGRAM_ADDRESS);
        assert.equal(a.data.length, space);
        const s = decodePositionSlabAccount(vm.data(slab));
        assert.equal(s.header.market, market);
        assert.equal(s.header.capacity, SLAB_CAPACITY);
        assert.equal(s.header.used, 0);
        assert.equal(s.header.nextUnused, 0);
        assert.deepStrictEqual(s.positions, []);
    });

    test('lp_deposit 1,000,000 USDC and insurance_deposit 1,000 USDC', async () => {
        const mints = { collateral: collateralMint, debt: debtMint, authority: mintAuthority };
        lp = await vm.newUser(mints, 0n, 2_000_000n * USDC);
        trader = await vm.newUser(mints, 100n * SOL, 10_000n * USDC);
        keeper = await vm.newUser(mints, 0n, 0n);

        const deposit = 1_000_000n * USDC;
        const lpSent = await run('lp_deposit', [
            await getLpDepositInstructionAsync({
                owner: lp.signer,
                market,
                ownerDebt: lp.debt,
                debtVault,
                debtMint,
                debtTokenProgram: TOKEN_PROGRAM_ADDRESS,
                amount: deposit,
            }),
        ]);
        const shares = sharesForDeposit(deposit, 0n, 0n);
        assert.deepStrictEqual(eventOf(lpSent, 'LpDeposited'), { market, owner: lp.signer.address, amount: deposit, shares, poolValue: 0n });
        assert.equal(bal(lp.debt), 1_000_000n * USDC);
        assert.equal(bal(debtVault), deposit);
        let m = marketState();
        assert.equal(m.poolCashNative, deposit);
        assert.equal(m.lpSharesTotal, shares);
        const [lpAccount] = await findLpAccountPda({ market, owner: lp.signer.address });
        const lpAcc = decodeLpAccount(vm.svm.getAccount(lpAccount));
        assert.ok(lpAcc.exists);
        assert.equal(lpAcc.programAddress, SOFTLIQ_PROGRAM_ADDRESS);
        assert.equal(lpAcc.data.market, market);
        assert.equal(lpAcc.data.owner, lp.signer.address);
        assert.equal(lpAcc.data.shares, shares);

        const stakeAmount = 1_000n * USDC;
        const insSent = await run('insurance_deposit', [
            await getInsuranceDepositInstructionAsync({
                owner: lp.signer,
                market,
                ownerDebt: lp.debt,
                insuranceVault,
                debtMint,
                debtTokenProgram: TOKEN_PROGRAM_ADDRESS,
                amount: stakeAmount,
            }),
        ]);
        const stakeShares = sharesForDeposit(stakeAmount, 0n, 0n);
        assert.deepStrictEqual(eventOf(insSent, 'InsuranceChanged'), {
            market,
            owner: lp.signer.address,
            action: INSURANCE.deposit,
            amount: stakeAmount,
            shares: stakeShares,
            balanceAfter: stakeAmount,
        });
        assert.equal(bal(lp.debt), 1_000_000n * USDC - stakeAmount);
        assert.equal(bal(insuranceVault), stakeAmount);
        m = marketState();
        assert.equal(m.insuranceBalanceNative, stakeAmount);
        assert.equal(m.insuranceSharesTotal, stakeShares);
        const [stake] = await findStakePda({ market, owner: lp.signer.address });
        const st = decodeInsuranceStake(vm.svm.getAccount(stake));
        assert.ok(st.exists);
        assert.equal(st.data.shares, stakeShares);
        assert.equal(st.data.pendingShares, 0n);
    });

    test('open_position, deposit_collateral 20 SOL, borrow 1,798 USDC, withdraw_collateral 1', async () => {
        pos = await openPosition();

        const dep = await run('deposit_collateral', [depositIx(pos, 20n * SOL)]);
        const d = eventOf(dep, 'PositionChanged');
        assert.equal(d.action, ACTION.deposit);
        assert.equal(d.amount, 20n * SOL);
        assert.equal(d.collateralAfter, 20n * SOL);
        assert.equal(position(pos).collateralNative, 20n * SOL);
        assert.equal(bal(trader.collateral), 80n * SOL);
        assert.equal(bal(collateralVault), 20n * SOL);
        assert.equal(marketState().totalPositionCollateralNative, 20n * SOL);

        const borrowed = 1_798n * USDC;
        const b = eventOf(await run('borrow', [await borrowIx(pos, borrowed)]), 'PositionChanged');
        let m = marketState();
        const p = position(pos);
        assert.equal(b.action, ACTION.borrow);
        assert.equal(b.amount, borrowed);
        assert.equal(b.debtAfter, borrowed);
        assert.equal(m.borrowIndex, BORROW_INDEX_SCALE, 'no slot passed: no interest yet');
        assert.equal(debtNative(p.debtShares, m.borrowIndex), borrowed);
        assert.equal(m.totalDebtShares, p.debtShares);
        assert.equal(m.poolCashNative, 1_000_000n * USDC - borrowed);
        assert.equal(bal(trader.debt), 10_000n * USDC + borrowed);

        const w = eventOf(
            await run('withdraw_collateral', [
                await getWithdrawCollateralInstructionAsync({
                    owner: trader.signer,
                    market,
                    slab,
                    ownerCollateral: trader.collateral,
                    collateralVault,
                    collateralMint,
                    oracle,
                    collateralTokenProgram: TOKEN_PROGRAM_ADDRESS,
                    index: pos.index,
                    generation: pos.generation,
                    amount: 1n,
                }),
            ]),
            'PositionChanged',
        );
        assert.equal(w.action, ACTION.withdraw);
        assert.equal(w.collateralAfter, 20n * SOL - 1n);
        assert.equal(position(pos).collateralNative, 20n * SOL - 1n);
        assert.equal(bal(trader.collateral), 80n * SOL + 1n);
        m = marketState();
        assert.equal(m.totalPositionCollateralNative, 20n * SOL - 1n);
    });

    test('refused in the VM as typed client errors, nothing changed: over-borrow (InsufficientHealth), a 20% confidence (OracleConfTooWide)', async () => {
        await refusedUnchanged('borrow 1,000 USDC more', [await borrowIx(pos, 1_000n * USDC)], [trader], SOFTLIQ_ERROR__INSUFFICIENT_HEALTH, 'InsufficientHealth', 6036);
        assert.equal(getSoftliqErrorMessage(SOFTLIQ_ERROR__INSUFFICIENT_HEALTH), 'Position would be below initial margin');

        const wide = usdFeed(100, vm.slot, vm.unixTimestamp);
        vm.writeOracle(oracle, feedId, { ...wide, conf: wide.price / 5n });
        await refusedUnchanged('borrow at a 20% confidence', [await borrowIx(pos, 1n)], [trader], SOFTLIQ_ERROR__ORACLE_CONF_TOO_WIDE, 'OracleConfTooWide', 6020);
        setPrice(100);
    });

    test('update_params: pause borrowing (refused with Paused), resume, announce a change, withdraw it', async () => {
        const update = (params: MarketParams, paused: number) => getUpdateParamsInstruction({ admin, market, params, paused });

        const paused = eventOf(await run('update_params (pause borrow)', [update(PARAMS, PAUSE_BORROW)]), 'ParamsUpdated');
        assert.equal(paused.paused, PAUSE_BORROW);
        assert.equal(marketState().paused, PAUSE_BORROW);
        await refusedUnchanged('borrow while paused', [await borrowIx(pos, 1n)], [trader], SOFTLIQ_ERROR__PAUSED, 'Paused', 6041);
        await run('update_params (resume)', [update(PARAMS, 0)]);
        assert.equal(marketState().paused, 0);

        // A change is announced, applicable after the notice; the market keeps its parameters.
        const announced = { ...PARAMS, keeperTipNative: 2n * USDC };
        const sent = await run('update_params (announce)', [update(announced, 0)]);
        const ann = eventOf(sent, 'ParamsAnnounced');
        assert.equal(ann.announcedSlot, vm.slot);
        assert.equal(ann.appliesFromSlot, vm.slot + PARAMS_NOTICE_SLOTS);
        let m = marketState();
        assert.equal(m.pendingParamsSlot, vm.slot);
        assert.deepStrictEqual(m.pendingParams, announced);
        assert.deepStrictEqual(m.params, PARAMS);
        // Asking for the current parameters again withdraws the announcement.
        await run('update_params (withdraw the announcement)', [update(PARAMS, 0)]);
        m = marketState();
        assert.equal(m.pendingParamsSlot, 0n);
        assert.equal(m.pendingParams.keeperTipNative, 0n);
        assert.deepStrictEqual(m.params, PARAMS);
    });

    test('set_risk_params (depth budget) and refresh_risk', async () => {
        const risk = { ...staticDefaultRiskParams(), depthNative: 1_000_000n * USDC, budgetDepthBps: 100n };
        const ev = eventOf(await run('set_risk_params', [getSetRiskParamsInstruction({ admin, market, risk })]), 'RiskParamsUpdated');
        assert.deepStrictEqual(ev, { market, volEnabled: 0n, volKBps: risk.volKBps, marginAddonCapBps: 0n, depthNative: risk.depthNative, budgetDepthBps: 100n });
        let m = marketState();
        for (const [k, v] of Object.entries(risk)) assert.equal(m.risk[k as keyof MarketState['risk']], v, `risk.${k}`);
        // The per-slot budget in force: 1% of the depth.
        assert.equal(effectiveParams(m.params, m.risk, m.riskState)?.maxLiqNotionalPerSlot, 10_000n * USDC);

        // One slot on, a fresh price: refresh_risk takes it (permissionless, the fee payer signs alone).
        warp(1n, 100);
        const updates = m.riskState.updates;
        const r = eventOf(await run('refresh_risk', [getRefreshRiskInstruction({ market, oracle })]), 'RiskUpdated');
        m = marketState();
        assert.equal(r.slot, vm.slot);
        assert.equal(r.price, scaledUsd(100));
        assert.equal(m.riskState.lastSlot, vm.slot);
        assert.equal(m.riskState.lastPrice, scaledUsd(100));
        assert.equal(m.riskState.updates, updates + 1n);
        assert.equal(m.riskState.addonBps, 0n, 'no add-on: the cap is 0');
        assert.equal(m.lastOraclePublishTime, vm.unixTimestamp);
    });

    test('crank_liquidate at 94: the CrankCompleted event matches the position, the lot and the balances', async () => {
        setPrice(94);
        const p0 = position(pos);
        const m0 = marketState();
        const ins0 = bal(insuranceVault);
        const sent = await run('crank_liquidate', [await crankIx([pos])]);
        const ev = eventOf(sent, 'CrankCompleted');
        const p1 = position(pos);
        const m1 = marketState();

        assert.equal(ev.market, market);
        assert.equal(ev.slab, slab);
        assert.equal(ev.keeper, keeper.signer.address);
        assert.equal(ev.slot, vm.slot);
        assert.equal(ev.price, scaledUsd(94));
        assert.equal(ev.entries, 1);
        assert.equal(ev.liquidations.length, 1);
        const rec = ev.liquidations[0]!;
        assert.equal(rec.index, pos.index);
        assert.equal(rec.generation, pos.generation);
        assert.ok(rec.seizedCollateral > 0n && rec.debtMoved > 0n);
        // Seized collateral = collateral before − after; the debt left is the position's.
        assert.equal(rec.seizedCollateral, p0.collateralNative - p1.collateralNative);
        assert.equal(rec.collateralAfter, p1.collateralNative);
        assert.equal(rec.debtAfter, debtNative(p1.debtShares, m1.borrowIndex));
        // The debt moved to the lot leaves the position as shares rounded down (`shares_for_repay`).
        assert.equal(p0.debtShares - p1.debtShares, (rec.debtMoved * BORROW_INDEX_SCALE) / m1.borrowIndex);
        assert.ok(m1.borrowIndex > m0.borrowIndex, 'the crank accrued interest over the slot');
        assert.equal(rec.seizedNotional, valueOf(rec.seizedCollateral, ev.price, 'down'));
        // The keeper is paid from the insurance fund: tip + chip, capped by the penalty.
        assert.equal(rec.keeperPaid, episodePay(PARAMS, rec.seizedNotional));
        assert.equal(ev.keeperPaid, rec.keeperPaid);
        assert.equal(bal(keeper.debt), ev.keeperPaid);
        assert.equal(bal(insuranceVault), ins0 - ev.keeperPaid);
        assert.equal(ev.budgetUsed, rec.seizedNotional);
        // Market counters.
        assert.equal(m1.liquidations, m0.liquidations + 1n);
        assert.equal(m1.seizedCollateralNative, m0.seizedCollateralNative + rec.seizedCollateral);
        assert.equal(m1.keeperPaidNative, m0.keeperPaidNative + ev.keeperPaid);
        assert.equal(m1.insuranceBalanceNative, m0.insuranceBalanceNative - ev.keeperPaid);
        assert.equal(m1.lotDebtOutstandingNative, rec.debtMoved);
        assert.equal(m1.totalLotCollateralNative, rec.seizedCollateral);
        assert.equal(m1.totalPositionCollateralNative, m0.totalPositionCollateralNative - rec.seizedCollateral);
        assert.equal(m1.totalDebtShares, p1.debtShares);
        // The position is in a liquidation episode.
        assert.equal(p1.flags & POSITION_IN_EPISODE, POSITION_IN_EPISODE);
        assert.equal(p1.liqStartSlot, vm.slot);
        assert.equal(p1.episodeSeizedCollateralNative, rec.seizedCollateral);
        // The lot holds what was seized, with the debt and penalty as its tab.
        const lot = theLot();
        assert.equal(lot.index, rec.lotIndex);
        assert.equal(lot.generation, rec.lotGeneration);
        assert.equal(lot.slab, slab);
        assert.equal(lot.owner, trader.signer.address);
        assert.equal(lot.positionIndex, pos.index);
        assert.equal(lot.positionGeneration, pos.generation);
        assert.equal(lot.collateralNative, rec.seizedCollateral);
        assert.equal(lot.tabDebtNative, rec.debtMoved);
        assert.equal(lot.tabPenaltyNative, rec.penalty);
        assert.equal(lot.seizedValueNative, rec.seizedNotional);
        assert.equal(lot.startPrice, auctionStartPrice(ev.price, PARAMS.auctionStartBufferBps));
        assert.equal(lot.startSlot, vm.slot);
        assert.equal(lot.resets, 0);
        assert.equal(lot.proceedsNative, 0n);
    });

    test('auction_take: max_price below the price is refused (PriceAboveMax); a partial take', async () => {
        const lot0 = theLot();
        // The price at the start slot is the start price: one lamport of price less is refused.
        await refusedUnchanged('take with max_price = price − 1', [await takeIx(lot0, U64_MAX, lot0.startPrice - 1n)], [lp, trader], SOFTLIQ_ERROR__PRICE_ABOVE_MAX, 'PriceAboveMax', 6046);

        const want = lot0.collateralNative / 4n;
        const m0 = marketState();
        const lpDebt0 = bal(lp.debt);
        const sent = await run('auction_take (partial)', [await takeIx(lot0, want, U64_MAX)]);
        const ev = eventOf(sent, 'LotTaken');
        const lot = theLot();
        const m = marketState();
        assert.equal(ev.taker, lp.signer.address);
        assert.equal(ev.price, lot0.startPrice);
        assert.equal(ev.collateral, want);
        assert.equal(ev.paid, valueOf(want, ev.price, 'up'));
        assert.equal(ev.toPool, ev.paid < lot0.tabDebtNative ? ev.paid : lot0.tabDebtNative);
        assert.equal(ev.toPool + ev.toInsurance, ev.paid);
        assert.equal(ev.collateralReturned, 0n);
        assert.equal(lot.collateralNative, lot0.collateralNative - want);
        assert.equal(lot.tabDebtNative, lot0.tabDebtNative - ev.toPool);
        assert.equal(lot.tabPenaltyNative, lot0.tabPenaltyNative - ev.toInsurance);
        assert.equal(lot.proceedsNative, ev.paid);
        assert.equal(ev.tabLeft, lot.tabDebtNative + lot.tabPenaltyNative);
        assert.equal(bal(lp.collateral), want);
        assert.equal(bal(lp.debt), lpDebt0 - ev.paid);
        assert.equal(m.poolCashNative, m0.poolCashNative + ev.toPool);
        assert.equal(m.insuranceBalanceNative, m0.insuranceBalanceNative + ev.toInsurance);
        assert.equal(m.lotDebtOutstandingNative, m0.lotDebtOutstandingNative - ev.toPool);
        assert.equal(m.totalLotCollateralNative, m0.totalLotCollateralNative - want);
        assert.equal(m.auctionProceedsNative, m0.auctionProceedsNative + ev.paid);
    });

    test('auction_redeem at 110: the owner pays the tab and gets the lot back into the position', async () => {
        setPrice(110);
        const lot = theLot();
        const p0 = position(pos);
        const m0 = marketState();
        const traderDebt0 = bal(trader.debt);
        const sent = await run('auction_redeem', [
            getAuctionRedeemInstruction({
                owner: trader.signer,
                market,
                lotBook,
                slab,
                ownerDebt: trader.debt,
                debtVault,
                insuranceVault,
                debtMint,
                oracle,
                debtTokenProgram: TOKEN_PROGRAM_ADDRESS,
                lotIndex: lot.index,
                lotGeneration: lot.generation,
            }),
        ]);
        const tab = lot.tabDebtNative + lot.tabPenaltyNative;
        assert.deepStrictEqual(eventOf(sent, 'LotRedeemed'), {
            market,
            lotIndex: lot.index,
            lotGeneration: lot.generation,
            owner: trader.signer.address,
            paid: tab,
            collateral: lot.collateralNative,
        });
        assert.deepStrictEqual(openLots(), []);
        const p = position(pos);
        const m = marketState();
        assert.equal(p.collateralNative, p0.collateralNative + lot.collateralNative);
        assert.equal(p.flags & POSITION_IN_EPISODE, 0, 'healthy at 110: the episode ends');
        assert.equal(bal(trader.debt), traderDebt0 - tab);
        assert.equal(m.poolCashNative, m0.poolCashNative + lot.tabDebtNative);
        assert.equal(m.insuranceBalanceNative, m0.insuranceBalanceNative + lot.tabPenaltyNative);
        assert.equal(m.lotDebtOutstandingNative, 0n);
        assert.equal(m.totalLotCollateralNative, 0n);
    });

    test('a second lot: reset refused too early (ResetTooEarly), auction_reset past the tail at 60, whole take, auction_settle from insurance', async () => {
        pos2 = await openPosition();
        await run('deposit_collateral', [depositIx(pos2, 10n * SOL)]);
        await run('borrow', [await borrowIx(pos2, 980n * USDC)]);
        warp(1n, 100);
        const c = eventOf(await run('crank_liquidate', [await crankIx([pos2])]), 'CrankCompleted');
        assert.equal(c.liquidations.length, 1);
        assert.equal(c.liquidations[0]!.index, pos2.index);
        const lot0 = theLot();
        assert.equal(lot0.index, c.liquidations[0]!.lotIndex);
        assert.equal(lot0.positionIndex, pos2.index);

        await refusedUnchanged('reset before the tail', [await resetIx(lot0)], [keeper], SOFTLIQ_ERROR__RESET_TOO_EARLY, 'ResetTooEarly', 6050);

        warp(PARAMS.auctionTailSlots + 1n, 60);
        const keeperDebt0 = bal(keeper.debt);
        const ins0 = marketState().insuranceBalanceNative;
        const reset = eventOf(await run('auction_reset', [await resetIx(lot0)]), 'LotReset');
        const lot = theLot();
        assert.equal(reset.resets, 1);
        assert.equal(reset.tip, PARAMS.auctionResetTipNative);
        assert.equal(reset.startPrice, auctionStartPrice(scaledUsd(60), PARAMS.auctionStartBufferBps));
        assert.equal(lot.startPrice, reset.startPrice);
        assert.equal(lot.startSlot, vm.slot);
        assert.equal(lot.resets, 1);
        assert.equal(bal(keeper.debt), keeperDebt0 + reset.tip);
        assert.equal(marketState().insuranceBalanceNative, ins0 - reset.tip);

        // Everything at the fresh start price (max_price = the price is accepted): below its tab.
        const m0 = marketState();
        const take = eventOf(await run('auction_take (whole lot)', [await takeIx(lot, U64_MAX, lot.startPrice)]), 'LotTaken');
        assert.equal(take.collateral, lot.collateralNative);
        assert.equal(take.paid, valueOf(lot.collateralNative, lot.startPrice, 'up'));
        assert.ok(take.tabLeft > 0n, 'sold below its tab');
        const sold = theLot();
        assert.equal(sold.collateralNative, 0n);
        const shortfall = sold.tabDebtNative;
        assert.ok(shortfall > 0n);
        assert.equal(marketState().poolCashNative, m0.poolCashNative + take.toPool);

        // Settled: the insurance fund covers the shortfall (it holds enough), nothing socialised.
        const m1 = marketState();
        const debtVault0 = bal(debtVault);
        const settled = eventOf(
            await run('auction_settle', [
                await getAuctionSettleInstructionAsync({
                    caller: keeper.signer,
                    market,
                    lotBook,
                    insuranceVault,
                    debtVault,
                    debtMint,
                    debtTokenProgram: TOKEN_PROGRAM_ADDRESS,
                    lotIndex: sold.index,
                    lotGeneration: sold.generation,
                }),
            ]),
            'LotSettled',
        );
        const covered = shortfall < m1.insuranceBalanceNative ? shortfall : m1.insuranceBalanceNative;
        assert.deepStrictEqual(settled, { market, lotIndex: sold.index, lotGeneration: sold.generation, shortfall, coveredByInsurance: covered, socialized: shortfall - covered });
        assert.equal(covered, shortfall);
        const m = marketState();
        assert.equal(m.badDebtInsuranceNative, m1.badDebtInsuranceNative + covered);
        assert.equal(m.badDebtSocializedNative, 0n);
        assert.equal(m.lotsSettled, 1n);
        assert.equal(m.insuranceBalanceNative, m1.insuranceBalanceNative - covered);
        assert.equal(m.poolCashNative, m1.poolCashNative + covered);
        assert.equal(m.lotDebtOutstandingNative, 0n);
        assert.equal(bal(debtVault), debtVault0 + covered);
        assert.deepStrictEqual(openLots(), []);
    });

    test('repay and close_position (both positions)', async () => {
        for (const p of [pos, pos2]) {
            assert.ok((await repayAll(p)) > 0n);
            await close(p);
        }
        const m = marketState();
        assert.equal(m.positionsOpen, 0n);
        assert.equal(m.totalDebtShares, 0n);
        assert.equal(m.totalPositionCollateralNative, 0n);
        assert.equal(decodePositionSlabAccount(vm.data(slab)).header.used, 0);
    });

    test('insurance_request_withdraw, insurance_withdraw and lp_withdraw at their exit values', async () => {
        // No position left and no lot: no certain loss, nothing owed by the insurance fund.
        const [stake] = await findStakePda({ market, owner: lp.signer.address });
        const req = eventOf(await run('insurance_request_withdraw', [await getInsuranceRequestWithdrawInstructionAsync({ owner: lp.signer, market, shares: 1_000n })]), 'InsuranceChanged');
        assert.equal(req.action, INSURANCE.request);
        assert.equal(req.shares, 1_000n);
        let st = decodeInsuranceStake(vm.svm.getAccount(stake));
        assert.ok(st.exists);
        assert.equal(st.data.pendingShares, 1_000n);
        assert.equal(st.data.requestSlot, vm.slot);
        const stakeShares0 = st.data.shares;

        const m0 = marketState();
        const lpDebt0 = bal(lp.debt);
        const out = eventOf(
            await run('insurance_withdraw', [
                await getInsuranceWithdrawInstructionAsync({ owner: lp.signer, market, ownerDebt: lp.debt, insuranceVault, debtMint, oracle, debtTokenProgram: TOKEN_PROGRAM_ADDRESS }),
            ]),
            'InsuranceChanged',
        );
        const expected = amountForShares(1_000n, m0.insuranceSharesTotal, m0.insuranceBalanceNative);
        assert.ok(expected > 0n);
        assert.equal(out.action, INSURANCE.withdraw);
        assert.equal(out.amount, expected);
        assert.equal(bal(lp.debt), lpDebt0 + expected);
        let m = marketState();
        assert.equal(m.insuranceBalanceNative, m0.insuranceBalanceNative - expected);
        assert.equal(m.insuranceSharesTotal, m0.insuranceSharesTotal - 1_000n);
        assert.equal(out.balanceAfter, m.insuranceBalanceNative);
        st = decodeInsuranceStake(vm.svm.getAccount(stake));
        assert.ok(st.exists);
        assert.equal(st.data.shares, stakeShares0 - 1_000n);
        assert.equal(st.data.pendingShares, 0n);

        const [lpAccount] = await findLpAccountPda({ market, owner: lp.signer.address });
        const lpShares0 = decodeLpAccount(vm.svm.getAccount(lpAccount));
        assert.ok(lpShares0.exists);
        const m1 = marketState();
        const lpDebt1 = bal(lp.debt);
        const shares = 1_000_000n;
        const w = eventOf(
            await run('lp_withdraw', [
                await getLpWithdrawInstructionAsync({
                    owner: lp.signer,
                    market,
                    ownerDebt: lp.debt,
                    debtVault,
                    debtMint,
                    oracle,
                    debtTokenProgram: TOKEN_PROGRAM_ADDRESS,
                    shares,
                }),
            ]),
            'LpWithdrawn',
        );
        // Nothing borrowed, no loss: the exit value is the pool's cash.
        const amount = amountForShares(shares, m1.lpSharesTotal, m1.poolCashNative);
        assert.deepStrictEqual(w, { market, owner: lp.signer.address, shares, amount, exitValue: m1.poolCashNative, certainLoss: 0n });
        assert.ok(amount > 0n);
        assert.equal(bal(lp.debt), lpDebt1 + amount);
        m = marketState();
        assert.equal(m.poolCashNative, m1.poolCashNative - amount);
        assert.equal(m.lpSharesTotal, m1.lpSharesTotal - shares);
        const lpAcc = decodeLpAccount(vm.svm.getAccount(lpAccount));
        assert.ok(lpAcc.exists);
        assert.equal(lpAcc.data.shares, lpShares0.data.shares - shares);
    });

    test('every instruction of the IDL ran in the VM', () => {
        const all = IDL.instructions.map(i => i.name).sort();
        assert.equal(all.length, 21);
        assert.deepStrictEqual([...ran.keys()].sort(), all);
    });
});
