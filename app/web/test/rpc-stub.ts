/**
 * A JSON-RPC stub on 127.0.0.1 answering the two methods the page's RPC mode calls
 * (getSlot, getAccountInfo with base64 encoding) from fixed account data, with CORS headers
 * so the page (another origin) may call it. Not a validator: just enough for the page.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RpcStub {
    url: string;
    calls: string[];
    close(): Promise<void>;
}

export async function startRpcStub(accounts: Record<string, string>, slot: number): Promise<RpcStub> {
    const calls: string[] = [];
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'access-control-allow-methods': 'POST, OPTIONS' };
    const server = createServer((req, res) => {
        if (req.method === 'OPTIONS') {
            res.writeHead(204, cors).end();
            return;
        }
        let body = '';
        req.on('data', c => (body += c));
        req.on('end', () => {
            const { id, method, params } = JSON.parse(body) as { id: unknown; method: string; params: unknown[] };
            calls.push(method);
            let result: unknown;
            let error: unknown;
            if (method === 'getSlot') {
                result = slot;
            } else if (method === 'getAccountInfo') {
                const b64 = accounts[params[0] as string];
                result = {
                    context: { slot },
                    value:
                        b64 === undefined
                            ? null
                            : { data: [b64, 'base64'], executable: false, lamports: 1_000_000_000, owner: '11111111111111111111111111111111', rentEpoch: 0, space: Buffer.from(b64, 'base64').length },
                };
            } else {
                error = { code: -32601, message: `method not found: ${method}` };
            }
            res.writeHead(200, { ...cors, 'content-type': 'application/json' });
            res.end(JSON.stringify(error === undefined ? { jsonrpc: '2.0', id, result } : { jsonrpc: '2.0', id, error }));
        });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        calls,
        close: () =>
            new Promise<void>((resolve, reject) => {
                server.close(e => (e ? reject(e) : resolve()));
                // Chromium keeps connections alive: without this, close waits for them to time out.
                server.closeAllConnections();
            }),
    };
}
