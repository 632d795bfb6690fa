/**
 * RPC mode: the market, its slabs and its lot book by `getAccountInfo`, the slot by `getSlot`.
 * A market does not list its slabs (MarketState has no slab field), so their addresses are
 * given (`&slabs=a,b`); the lot book is the market's `lotBook`. The price defaults to the last
 * oracle price the market accepted (`riskState.lastPrice`, already normalised) unless given.
 */
import { address, createSolanaRpc, type Address } from '@solana/kit';
import { decodeMarketAccount } from '@softliq/client';

import { base64ToBytes, type RawAccounts } from './dump';

export interface RpcRequest {
    url: string;
    market: string;
    slabs: string[];
    /** Overrides (else: the cluster's confirmed slot, the market's last accepted price). */
    slot?: bigint;
    price?: bigint;
}

export async function loadFromRpc(req: RpcRequest): Promise<RawAccounts> {
    const rpc = createSolanaRpc(req.url);
    const fetchData = async (a: Address): Promise<Uint8Array> => {
        const { value } = await rpc.getAccountInfo(a, { encoding: 'base64', commitment: 'confirmed' }).send();
        if (value === null) throw new Error(`account ${a} not found`);
        return base64ToBytes(value.data[0]);
    };
    const marketAddr = address(req.market);
    const slabAddrs = req.slabs.map(s => address(s));
    const [slot, marketData, ...slabData] = await Promise.all([
        req.slot !== undefined ? Promise.resolve(req.slot) : rpc.getSlot({ commitment: 'confirmed' }).send(),
        fetchData(marketAddr),
        ...slabAddrs.map(fetchData),
    ]);
    const market = decodeMarketAccount(marketData);
    const lotBook = await fetchData(market.lotBook);
    return {
        market: marketData,
        slabs: slabData,
        lotBook,
        slot: BigInt(slot),
        price: req.price ?? market.riskState.lastPrice,
        addresses: { market: req.market, slabs: req.slabs, lotBook: market.lotBook },
    };
}
