/**
 * Debian's Chromium for the browser test: /usr/bin/chromium (or $CHROMIUM). Installed with
 * apt-get when missing and running as root; otherwise a clear error. The flags keep Chromium
 * from opening connections of its own (this machine's network refuses them).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = process.env.CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
];

function apt(args: string[]): boolean {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    return r.status === 0;
}

export function ensureChromium(): string {
    if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
    if (process.env.CHROMIUM !== undefined) throw new Error(`CHROMIUM=${CHROMIUM_PATH} does not exist`);
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    if (!root) {
        throw new Error(
            `Chromium not found at ${CHROMIUM_PATH}. Install Debian's package (as root: apt-get install -y chromium) or set CHROMIUM=/path/to/chromium.`,
        );
    }
    console.log(`${CHROMIUM_PATH} missing: apt-get install -y chromium`);
    if (!apt(['install', '-y', '-q', 'chromium'])) {
        if (!apt(['update', '-q']) || !apt(['install', '-y', '-q', 'chromium'])) throw new Error('apt-get install -y chromium failed');
    }
    if (!existsSync(CHROMIUM_PATH)) throw new Error(`apt-get installed chromium but ${CHROMIUM_PATH} is still missing`);
    return CHROMIUM_PATH;
}
