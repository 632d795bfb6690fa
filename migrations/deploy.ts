/**
 * Creates a softliq market on a cluster: the market (with its vault authority and its
 * collateral, debt and insurance vaults, created by `initialize_market`), its lot book,
 * and N position slabs; prints their addresses as JSON.
 *
 *   npx tsx migrations/deploy.ts \
 *     --collateral-mint <mint> --debt-mint <mint> \
 *     --oracle <PriceUpdateV2 account> --feed-id <64 hex> [--oracle-kind pull|legacy] [--inverted] \
 *     [--url <rpc url | mainnet-beta | devnet | testnet | localhost>] [--keypair <path>] \
 *     [--params soft|hard|<file.json>] [--lot-capacity 1024] [--slabs 1] [--slab-capacity 10000] \
 *     [--program-id <address>] [--dry-run]
 *
 * Solana CLI conventions: the RPC URL, WebSocket URL and keypair default to those of
 * ~/.config/solana/cli/config.yml (or $SOLANA_CONFIG), else to localhost and
 * ~/.config/solana/id.json. The keypair pays and becomes the market admin. Mints and the
 * oracle must exist; no mint is created. Typechecked by `npm test` (app/client's
 * tsconfig includes this folder); there is no cluster on the development machines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import {
    address,
    assertIsSendableTransaction,
    assertIsTransactionWithBlockhashLifetime,
    createKeyPairSignerFromBytes,
    createSolanaRpc,
    createSolanaRpcSubscriptions,
    fetchEncodedAccount,
    generateKeyPairSigner,
    getSignatureFromTransaction,
    getTransactionMessageSize,
    getTransactionMessageSizeLimit,
    sendAndConfirmTransactionFactory,
    signTransactionMessageWithSigners,
    type Address,
    type Instruction,
    type KeyPairSigner,
} from '@solana/kit';

import {
    buildTransactionMessage,
    decodeBookHeader,
    decodeMarketAccount,
    defaultSoftParams,
    findCollateralVaultPda,
    findDebtVaultPda,
    findInsuranceVaultPda,
    findVaultAuthPda,
    getCreateMarketInstructions,
    getCreateSlabInstructions,
    hardParams,
    lotBookAccountSize,
    MARKET_PARAMS,
    ORACLE_KIND_PYTH_LEGACY,
    ORACLE_KIND_PYTH_PULL,
    slabAccountSize,
    SOFTLIQ_PROGRAM_ADDRESS,
    TOKEN_2022_PROGRAM_ADDRESS,
    TOKEN_PROGRAM_ADDRESS,
    type MarketParams,
} from '@softliq/client';

const USAGE = `usage: npx tsx migrations/deploy.ts --collateral-mint <mint> --debt-mint <mint> --oracle <address>
       [--feed-id <hex32>] [--oracle-kind pull|legacy] [--inverted] [--url <url|moniker>] [--ws <url>]
       [--keypair <path>] [--params soft|hard|<file.json>] [--lot-capacity N] [--slabs N]
       [--slab-capacity N] [--program-id <address>] [--dry-run]`;

const MONIKERS: Record<string, string> = {
    'mainnet-beta': 'https://api.mainnet-beta.solana.com',
    m: 'https://api.mainnet-beta.solana.com',
    devnet: 'https://api.devnet.solana.com',
    d: 'https://api.devnet.solana.com',
    testnet: 'https://api.testnet.solana.com',
    t: 'https://api.testnet.solana.com',
    localhost: 'http://127.0.0.1:8899',
    l: 'http://127.0.0.1:8899',
};

interface CliConfig {
    json_rpc_url?: string;
    websocket_url?: string;
    keypair_path?: string;
}

/** The `key: value` lines of the Solana CLI's config.yml (flat YAML, optional quotes). */
function readCliConfig(): CliConfig {
    const file = process.env.SOLANA_CONFIG ?? path.join(homedir(), '.config', 'solana', 'cli', 'config.yml');
    if (!existsSync(file)) return {};
    const out: Record<string, string> = {};
    for (const line of readFileSync(file, 'utf8').split('\n')) {
        const m = /^(\w+):\s*(.*?)\s*$/.exec(line);
        if (m) out[m[1]!] = m[2]!.replace(/^(['"])(.*)\1$/, '$2');
    }
    return out;
}

/** The WebSocket URL the Solana CLI derives from an RPC URL (port + 1 when explicit). */
function websocketUrlFor(rpcUrl: string): string {
    const u = new URL(rpcUrl);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    if (u.port) u.port = String(Number(u.port) + 1);
    return u.toString();
}

function expandHome(p: string): string {
    return p.startsWith('~') ? path.join(homedir(), p.slice(1)) : p;
}

async function readKeypair(file: string): Promise<KeyPairSigner> {
    const bytes = JSON.parse(readFileSync(expandHome(file), 'utf8')) as number[];
    if (!Array.isArray(bytes) || bytes.length !== 64) throw new Error(`${file}: expected a JSON array of 64 bytes (solana-keygen format)`);
    return await createKeyPairSignerFromBytes(new Uint8Array(bytes));
}

/** `soft`, `hard`, or a JSON file of MarketParams (camelCase or snake_case keys; numbers or decimal strings). */
function readParams(spec: string): MarketParams {
    if (spec === 'soft') return defaultSoftParams();
    if (spec === 'hard') return hardParams();
    const raw = JSON.parse(readFileSync(spec, 'utf8')) as Record<string, number | string>;
    const params = defaultSoftParams() as Record<string, bigint>;
    const known = new Set<string>(MARKET_PARAMS.fields.map(f => f.name));
    for (const [key, value] of Object.entries(raw)) {
        const name = key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
        if (!known.has(name)) throw new Error(`${spec}: unknown parameter ${key}`);
        params[name] = BigInt(value);
    }
    return params as MarketParams;
}

function positiveInt(name: string, value: string): number {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${value}`);
    return n;
}

async function main(): Promise<void> {
    const { values } = parseArgs({
        options: {
            url: { type: 'string', short: 'u' },
            ws: { type: 'string' },
            keypair: { type: 'string', short: 'k' },
            'program-id': { type: 'string' },
            'collateral-mint': { type: 'string' },
            'debt-mint': { type: 'string' },
            oracle: { type: 'string' },
            'oracle-kind': { type: 'string', default: 'pull' },
            'feed-id': { type: 'string' },
            inverted: { type: 'boolean', default: false },
            params: { type: 'string', default: 'soft' },
            'lot-capacity': { type: 'string', default: '1024' },
            slabs: { type: 'string', default: '1' },
            'slab-capacity': { type: 'string', default: '10000' },
            'dry-run': { type: 'boolean', default: false },
            help: { type: 'boolean', short: 'h', default: false },
        },
        strict: true,
    });
    if (values.help) {
        console.log(USAGE);
        return;
    }
    const required = (name: 'collateral-mint' | 'debt-mint' | 'oracle'): Address => {
        const v = values[name];
        if (!v) throw new Error(`--${name} is required\n${USAGE}`);
        return address(v);
    };

    const config = readCliConfig();
    const urlArg = values.url ?? config.json_rpc_url ?? 'localhost';
    const rpcUrl = MONIKERS[urlArg] ?? urlArg;
    const wsUrl = values.ws ?? (values.url === undefined && config.websocket_url ? config.websocket_url : websocketUrlFor(rpcUrl));
    const keypairPath = values.keypair ?? config.keypair_path ?? path.join(homedir(), '.config', 'solana', 'id.json');
    const programAddress = values['program-id'] ? address(values['program-id']) : SOFTLIQ_PROGRAM_ADDRESS;

    const collateralMint = required('collateral-mint');
    const debtMint = required('debt-mint');
    const oracle = required('oracle');
    const oracleKind = values['oracle-kind'] === 'legacy' ? ORACLE_KIND_PYTH_LEGACY : ORACLE_KIND_PYTH_PULL;
    if (!['pull', 'legacy'].includes(values['oracle-kind']!)) throw new Error('--oracle-kind must be pull or legacy');
    const feedHex = (values['feed-id'] ?? '').replace(/^0x/, '');
    if (oracleKind === ORACLE_KIND_PYTH_PULL && !/^[0-9a-fA-F]{64}$/.test(feedHex)) {
        throw new Error('--feed-id (32 bytes, hex) is required for a pull oracle');
    }
    const oracleFeedId = feedHex ? new Uint8Array(Buffer.from(feedHex, 'hex')) : new Uint8Array(32);
    const params = readParams(values.params!);
    const lotCapacity = positiveInt('lot-capacity', values['lot-capacity']!);
    const slabCount = positiveInt('slabs', values.slabs!);
    const slabCapacity = positiveInt('slab-capacity', values['slab-capacity']!);

    const rpc = createSolanaRpc(rpcUrl);
    const rpcSubscriptions = createSolanaRpcSubscriptions(wsUrl);
    const sendAndConfirm = sendAndConfirmTransactionFactory({ rpc, rpcSubscriptions });
    const admin = await readKeypair(keypairPath);
    console.error(`cluster ${rpcUrl} (ws ${wsUrl}), admin ${admin.address} (${keypairPath}), program ${programAddress}`);

    // Each mint's owner is its token program (SPL Token or Token-2022).
    const tokenProgramOf = async (mint: Address): Promise<Address> => {
        const account = await fetchEncodedAccount(rpc, mint);
        if (!account.exists) throw new Error(`mint ${mint} does not exist on ${rpcUrl}`);
        if (account.programAddress !== TOKEN_PROGRAM_ADDRESS && account.programAddress !== TOKEN_2022_PROGRAM_ADDRESS) {
            throw new Error(`${mint} is owned by ${account.programAddress}, not a token program`);
        }
        return account.programAddress;
    };
    const collateralTokenProgram = await tokenProgramOf(collateralMint);
    const debtTokenProgram = await tokenProgramOf(debtMint);
    if (!(await fetchEncodedAccount(rpc, oracle)).exists) throw new Error(`oracle account ${oracle} does not exist`);

    const market = await generateKeyPairSigner();
    const lotBook = await generateKeyPairSigner();
    const slabs = await Promise.all(Array.from({ length: slabCount }, () => generateKeyPairSigner()));
    const rent = { rpc };

    const send = async (label: string, instructions: Instruction[]): Promise<string> => {
        const { value: latestBlockhash } = await rpc.getLatestBlockhash({ commitment: 'confirmed' }).send();
        const message = buildTransactionMessage(admin, latestBlockhash, instructions);
        const size = getTransactionMessageSize(message);
        if (size > getTransactionMessageSizeLimit(message)) throw new Error(`${label}: transaction of ${size} bytes is too large`);
        if (values['dry-run']) {
            console.error(`[dry run] ${label}: ${instructions.length} instructions, ${size} bytes`);
            return '(dry run)';
        }
        const tx = await signTransactionMessageWithSigners(message);
        assertIsSendableTransaction(tx);
        assertIsTransactionWithBlockhashLifetime(tx);
        await sendAndConfirm(tx, { commitment: 'confirmed' });
        const signature = getSignatureFromTransaction(tx);
        console.error(`${label}: ${signature}`);
        return signature;
    };

    const lotRent = await rpc.getMinimumBalanceForRentExemption(BigInt(lotBookAccountSize(lotCapacity))).send();
    const slabRent = await rpc.getMinimumBalanceForRentExemption(BigInt(slabAccountSize(slabCapacity))).send();
    console.error(
        `lot book: ${lotCapacity} lots, ${lotBookAccountSize(lotCapacity)} bytes, ${lotRent} lamports; ` +
            `${slabCount} slab(s): ${slabCapacity} positions, ${slabAccountSize(slabCapacity)} bytes, ${slabRent} lamports each`,
    );

    const signatures: Record<string, string> = {};
    signatures.market = await send(
        'create lot book + initialize_market',
        await getCreateMarketInstructions({
            admin,
            market,
            lotBook,
            lotCapacity,
            collateralMint,
            debtMint,
            collateralTokenProgram,
            debtTokenProgram,
            oracle,
            oracleKind,
            oracleFeedId,
            inverted: values.inverted!,
            params,
            rent,
            programAddress,
        }),
    );
    for (const [i, slab] of slabs.entries()) {
        signatures[`slab${i}`] = await send(
            `create slab ${i} + init_slab`,
            await getCreateSlabInstructions({ admin, market: market.address, slab, capacity: slabCapacity, rent, programAddress }),
        );
    }

    const seeds = { market: market.address };
    const pda = async (find: (s: typeof seeds, c: { programAddress: Address }) => Promise<readonly [Address, number]>) =>
        (await find(seeds, { programAddress }))[0];
    const result = {
        cluster: rpcUrl,
        programId: programAddress,
        admin: admin.address,
        market: market.address,
        lotBook: lotBook.address,
        vaultAuth: await pda(findVaultAuthPda),
        collateralVault: await pda(findCollateralVaultPda),
        debtVault: await pda(findDebtVaultPda),
        insuranceVault: await pda(findInsuranceVaultPda),
        slabs: slabs.map(s => s.address),
        collateralMint,
        debtMint,
        oracle,
        signatures,
        dryRun: values['dry-run'],
    };

    if (!values['dry-run']) {
        // Read back what the program wrote.
        const m = await fetchEncodedAccount(rpc, market.address);
        if (!m.exists) throw new Error('market account not found after creation');
        const decoded = decodeMarketAccount(m.data);
        if (decoded.lotBook !== lotBook.address || decoded.admin !== admin.address) throw new Error('market fields do not match');
        for (const s of slabs) {
            const a = await fetchEncodedAccount(rpc, s.address);
            if (!a.exists || decodeBookHeader(a.data).market !== market.address) throw new Error(`slab ${s.address} not initialised`);
        }
    }
    console.log(JSON.stringify(result, null, 2));
}

main().catch(err => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
