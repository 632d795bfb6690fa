// Account-creating transactions (src/transactions.ts): sizes, rent, instruction order,
// accounts, and that each fits in one transaction.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
    AccountRole,
    createNoopSigner,
    getAddressDecoder,
    getTransactionMessageSize,
    getTransactionMessageSizeLimit,
    type Blockhash,
} from '@solana/kit';

import {
    findCollateralVaultPda,
    findDebtVaultPda,
    findInsuranceVaultPda,
    findVaultAuthPda,
    getInitializeMarketInstructionDataDecoder,
    getInitSlabInstructionDataDecoder,
    INIT_SLAB_DISCRIMINATOR,
    SOFTLIQ_PROGRAM_ADDRESS,
} from '../src/generated';
import { lotBookAccountSize, MAX_SLAB_CAPACITY, slabAccountSize } from '../src/layout';
import { defaultSoftParams, staticDefaultRiskParams } from '../src/params';
import {
    buildTransactionMessage,
    defaultRentExemptLamports,
    getCreateAccountInstruction,
    getCreateMarketInstructions,
    getCreateMarketTransactionMessage,
    getCreateSlabInstructions,
    getCreateSlabTransactionMessage,
    ORACLE_KIND_PYTH_PULL,
    SYSTEM_PROGRAM_ADDRESS,
    TOKEN_PROGRAM_ADDRESS,
} from '../src/transactions';
import { Rng } from './synthetic';

const rng = new Rng(40);
const signer = () => createNoopSigner(rng.address());
const latestBlockhash = { blockhash: rng.address() as unknown as Blockhash, lastValidBlockHeight: 100n };

describe('createAccount', () => {
    test('System instruction 0: u32 0, u64 lamports, u64 space, owner; payer and new account sign', () => {
        const payer = signer();
        const newAccount = signer();
        const ix = getCreateAccountInstruction({ payer, newAccount, lamports: 123_456_789n, space: 10_400_120, owner: SOFTLIQ_PROGRAM_ADDRESS });
        assert.equal(ix.programAddress, SYSTEM_PROGRAM_ADDRESS);
        const data = ix.data!;
        assert.equal(data.length, 52);
        const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
        assert.equal(v.getUint32(0, true), 0);
        assert.equal(v.getBigUint64(4, true), 123_456_789n);
        assert.equal(v.getBigUint64(12, true), 10_400_120n);
        assert.equal(getAddressDecoder().decode(data.subarray(20)), SOFTLIQ_PROGRAM_ADDRESS);
        assert.deepStrictEqual(
            ix.accounts!.map(a => [a.address, a.role]),
            [
                [payer.address, AccountRole.WRITABLE_SIGNER],
                [newAccount.address, AccountRole.WRITABLE_SIGNER],
            ],
        );
    });

    test('default rent: (128 + space) · 6,960 lamports', () => {
        assert.equal(defaultRentExemptLamports(0), 890_880n); // the well-known minimum of an empty account
        assert.equal(defaultRentExemptLamports(slabAccountSize(100_000)), (128n + 10_400_120n) * 6_960n);
    });
});

describe('slab: createAccount + init_slab', () => {
    test('sized 8 + 112 + capacity·104, rent from the RPC, init_slab(capacity) on the new account', async () => {
        const admin = signer();
        const slab = signer();
        const market = rng.address();
        const asked: bigint[] = [];
        const rpc = {
            getMinimumBalanceForRentExemption: (space: bigint) => ({
                send: async () => {
                    asked.push(space);
                    return 7n * space;
                },
            }),
        } as never;
        const [create, init] = await getCreateSlabInstructions({ admin, market, slab, capacity: 10_000, rent: { rpc } });
        const space = slabAccountSize(10_000);
        assert.equal(space, 1_040_120);
        assert.deepStrictEqual(asked, [BigInt(space)]);
        const v = new DataView(create!.data!.buffer, create!.data!.byteOffset);
        assert.equal(v.getBigUint64(4, true), 7n * BigInt(space));
        assert.equal(v.getBigUint64(12, true), BigInt(space));
        assert.equal(init!.programAddress, SOFTLIQ_PROGRAM_ADDRESS);
        assert.deepStrictEqual([...init!.data!.subarray(0, 8)], [...INIT_SLAB_DISCRIMINATOR]);
        assert.equal(getInitSlabInstructionDataDecoder().decode(init!.data!).capacity, 10_000);
        assert.deepStrictEqual(
            init!.accounts!.map(a => [a.address, a.role]),
            [
                [admin.address, AccountRole.READONLY_SIGNER],
                [market, AccountRole.READONLY],
                [slab.address, AccountRole.WRITABLE],
            ],
        );
    });

    test('a separate payer, a custom program id, and capacity bounds', async () => {
        const admin = signer();
        const payer = signer();
        const programAddress = rng.address();
        const [create, init] = await getCreateSlabInstructions({
            admin,
            payer,
            market: rng.address(),
            slab: signer(),
            capacity: MAX_SLAB_CAPACITY,
            rent: { lamports: 5n },
            programAddress,
        });
        assert.equal(create!.accounts![0]!.address, payer.address);
        assert.equal(getAddressDecoder().decode(create!.data!.subarray(20)), programAddress);
        assert.equal(init!.programAddress, programAddress);
        for (const capacity of [0, MAX_SLAB_CAPACITY + 1, 1.5]) {
            await assert.rejects(
                getCreateSlabInstructions({ admin, market: rng.address(), slab: signer(), capacity, rent: { lamports: 1n } }),
                RangeError,
            );
        }
    });

    test('one transaction: fee payer, both instructions, within the size limit', async () => {
        const admin = signer();
        const message = await getCreateSlabTransactionMessage({
            admin,
            market: rng.address(),
            slab: signer(),
            capacity: 100_000,
            rent: { lamports: defaultRentExemptLamports(slabAccountSize(100_000)) },
            latestBlockhash,
        });
        assert.equal(message.feePayer.address, admin.address);
        assert.equal(message.instructions.length, 2);
        assert.ok(getTransactionMessageSize(message) <= getTransactionMessageSizeLimit(message));
    });
});

describe('market: createAccount(lot book) + initialize_market', () => {
    const input = () => ({
        admin: signer(),
        market: signer(),
        lotBook: signer(),
        lotCapacity: 1_000,
        collateralMint: rng.address(),
        debtMint: rng.address(),
        collateralTokenProgram: TOKEN_PROGRAM_ADDRESS,
        debtTokenProgram: TOKEN_PROGRAM_ADDRESS,
        oracle: rng.address(),
        oracleKind: ORACLE_KIND_PYTH_PULL,
        oracleFeedId: rng.bytes(32),
        inverted: false,
        params: defaultSoftParams(),
        rent: { lamports: 99n },
    });

    test('lot book sized 8 + 112 + capacity·144; vault PDAs resolved; args encoded', async () => {
        const i = input();
        const [create, init] = await getCreateMarketInstructions(i);
        const v = new DataView(create!.data!.buffer, create!.data!.byteOffset);
        assert.equal(v.getBigUint64(12, true), BigInt(lotBookAccountSize(1_000)));
        assert.equal(create!.accounts![1]!.address, i.lotBook.address);
        const market = i.market.address;
        const [vaultAuth] = await findVaultAuthPda({ market });
        const [collateralVault] = await findCollateralVaultPda({ market });
        const [debtVault] = await findDebtVaultPda({ market });
        const [insuranceVault] = await findInsuranceVaultPda({ market });
        assert.deepStrictEqual(
            init!.accounts!.map(a => [a.address, a.role]),
            [
                [i.admin.address, AccountRole.WRITABLE_SIGNER],
                [market, AccountRole.WRITABLE_SIGNER],
                [i.lotBook.address, AccountRole.WRITABLE],
                [i.collateralMint, AccountRole.READONLY],
                [i.debtMint, AccountRole.READONLY],
                [vaultAuth, AccountRole.READONLY],
                [collateralVault, AccountRole.WRITABLE],
                [debtVault, AccountRole.WRITABLE],
                [insuranceVault, AccountRole.WRITABLE],
                [i.oracle, AccountRole.READONLY],
                [TOKEN_PROGRAM_ADDRESS, AccountRole.READONLY],
                [TOKEN_PROGRAM_ADDRESS, AccountRole.READONLY],
                [SYSTEM_PROGRAM_ADDRESS, AccountRole.READONLY],
            ],
        );
        const data = getInitializeMarketInstructionDataDecoder().decode(init!.data!);
        assert.deepStrictEqual(data.params, i.params);
        assert.equal(data.lotCapacity, 1_000);
        assert.deepStrictEqual([...data.oracleFeedId], [...i.oracleFeedId]);
        // No `risk` given: RiskParams::static_default().
        assert.deepStrictEqual(data.risk, staticDefaultRiskParams());
        // 8 + 264 (params) + 1 + 32 + 1 + 4 + 128 (risk).
        assert.equal(init!.data!.length, 438);
    });

    test('an explicit risk is encoded as given', async () => {
        const risk = { ...staticDefaultRiskParams(), volEnabled: 1n, marginAddonCapBps: 200n, depthNative: 20_000_000_000_000n, budgetDepthBps: 50n };
        const [, init] = await getCreateMarketInstructions({ ...input(), risk });
        assert.deepStrictEqual(getInitializeMarketInstructionDataDecoder().decode(init!.data!).risk, risk);
    });

    test('one transaction within the size limit (3 signers, 438 bytes of instruction data)', async () => {
        const i = input();
        const message = await getCreateMarketTransactionMessage({ ...i, latestBlockhash });
        const size = getTransactionMessageSize(message);
        assert.ok(size <= getTransactionMessageSizeLimit(message), `${size} bytes`);
        assert.equal(buildTransactionMessage(i.admin, latestBlockhash, []).instructions.length, 0);
    });

    test('rejects a feed id that is not 32 bytes', async () => {
        await assert.rejects(getCreateMarketInstructions({ ...input(), oracleFeedId: new Uint8Array(31) }), RangeError);
    });
});
