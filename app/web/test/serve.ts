/** A tiny static server on 127.0.0.1 (ephemeral port) for the built page and extra files. */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const TYPES: Record<string, string> = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.json': 'application/json',
    '.map': 'application/json',
    '.png': 'image/png',
    '.svg': 'image/svg+xml',
};

export interface StaticServer {
    url: string;
    close(): Promise<void>;
}

/** Serves `root`, plus `extra` (URL path → file), e.g. { '/dump.json': '/tmp/…/dump.json' }. */
export async function serveStatic(root: string, extra: Record<string, string> = {}): Promise<StaticServer> {
    const base = path.resolve(root);
    const server: Server = createServer((req, res) => {
        const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
        let file = extra[urlPath] ?? path.join(base, urlPath === '/' ? 'index.html' : urlPath);
        if (extra[urlPath] === undefined && !path.resolve(file).startsWith(base + path.sep)) {
            res.writeHead(403).end();
            return;
        }
        if (!existsSync(file) || !statSync(file).isFile()) {
            res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${urlPath}`);
            return;
        }
        res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
        createReadStream(file).pipe(res);
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        close: () =>
            new Promise<void>((resolve, reject) => {
                server.close(e => (e ? reject(e) : resolve()));
                // Chromium keeps connections alive: without this, close waits for them to time out.
                server.closeAllConnections();
            }),
    };
}
