/**
 * Entry point. URL parameters:
 *   ?dump=<url of an account dump>           offline: a dump file (format in docs/web.md)
 *   ?rpc=<url>&market=<addr>&slabs=<a,b,…>   live: getAccountInfo on an RPC
 *   &slot=<n>      evaluate at this slot (borrow index, auction prices) instead of the dump's / cluster's
 *   &price=<n>     oracle price, scaled 1e12 (default: the dump's, or the market's last accepted price)
 *   &warnBps=<n>   warning distance in bps of price (default 500)
 *   &position=<slab:index>  the position shown in the position view
 * Without parameters the page offers a form and a file picker for a local dump.
 */
import './style.css';

import { parseDump, parseU64, decodeRaw, type RawAccounts } from './dump';
import { buildView, DEFAULT_WARN_BPS, type MarketView } from './model';
import { h, renderCounters, renderLots, renderMarket, renderPositions, renderPositionView } from './render';
import { loadFromRpc } from './rpc';

const app = document.getElementById('app')!;
const statusEl = document.getElementById('status')!;
const params = new URLSearchParams(location.search);

function setState(state: 'idle' | 'loading' | 'ready' | 'error', text: string): void {
    document.body.dataset.state = state;
    statusEl.textContent = text;
}

function optU64(name: string): bigint | undefined {
    const v = params.get(name);
    return v === null || v === '' ? undefined : parseU64(v, name);
}

function updateUrl(changes: Record<string, string | null>): void {
    const u = new URL(location.href);
    for (const [k, v] of Object.entries(changes)) {
        if (v === null) u.searchParams.delete(k);
        else u.searchParams.set(k, v);
    }
    history.replaceState(null, '', u);
}

function show(raw: RawAccounts, source: string): void {
    const slot = optU64('slot');
    const price = optU64('price');
    const view: MarketView = buildView(decodeRaw({ ...raw, slot: slot ?? raw.slot, price: price ?? raw.price }));
    let warnBps = optU64('warnBps') ?? DEFAULT_WARN_BPS;
    let selected: string | null = params.get('position') ?? view.positions[0]?.key ?? null;

    const warnInput = h('input', { id: 'warn-bps', type: 'number', min: '0', step: '10', value: warnBps.toString() });
    const controls = h(
        'div',
        { id: 'controls' },
        h('label', { for: 'warn-bps' }, 'Warn when a price drop of less than '),
        warnInput,
        h('span', {}, ' bps makes a position liquidatable'),
    );
    const positionsSlot = h('div');
    const viewSlot = h('div');
    const render = () => {
        positionsSlot.replaceChildren(renderPositions(view, warnBps, selected, key => {
            selected = key;
            updateUrl({ position: key });
            render();
        }));
        viewSlot.replaceChildren(renderPositionView(view, view.positions.find(r => r.key === selected), warnBps));
    };
    warnInput.addEventListener('input', () => {
        if (!/^\d+$/.test(warnInput.value)) return;
        warnBps = BigInt(warnInput.value);
        updateUrl({ warnBps: warnInput.value });
        render();
    });
    const m = view.inputs;
    app.replaceChildren(
        h('p', { class: 'source' }, `${source} — market ${m.marketAddress ?? '(address not given)'}, ${m.slabs.length} slab(s), lot book ${m.lotBookAddress ?? '—'}`),
        controls,
        h('div', { class: 'grid' }, positionsSlot, h('div', {}, viewSlot, renderCounters(view))),
        renderLots(view),
        renderMarket(view),
    );
    render();
    setState('ready', `slot ${m.slot}, ${view.positions.length} positions, ${view.lots.length} open lots`);
}

function startForm(): void {
    const file = h('input', { id: 'dump-file', type: 'file', accept: 'application/json,.json' });
    file.addEventListener('change', async () => {
        const f = file.files?.[0];
        if (!f) return;
        try {
            setState('loading', `reading ${f.name}…`);
            show(parseDump(JSON.parse(await f.text())), `dump ${f.name}`);
        } catch (e) {
            fail(e);
        }
    });
    app.replaceChildren(
        h(
            'section',
            { id: 'start' },
            h('h2', {}, 'Open a market'),
            h(
                'form',
                { method: 'get' },
                h('label', {}, 'RPC URL ', h('input', { name: 'rpc', size: '40', placeholder: 'http://127.0.0.1:8899' })),
                h('label', {}, 'market ', h('input', { name: 'market', size: '46' })),
                h('label', {}, 'slabs (comma-separated) ', h('input', { name: 'slabs', size: '60' })),
                h('button', { type: 'submit' }, 'Load'),
            ),
            h('p', {}, 'or an account dump (offline): ', file),
        ),
    );
    setState('idle', 'no market given');
}

function fail(e: unknown): void {
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    app.append(h('pre', { id: 'error' }, msg));
    setState('error', 'failed to load');
    console.error(e);
}

async function main(): Promise<void> {
    const dump = params.get('dump');
    const rpc = params.get('rpc');
    if (dump) {
        setState('loading', `loading ${dump}…`);
        const res = await fetch(dump);
        if (!res.ok) throw new Error(`GET ${dump}: ${res.status} ${res.statusText}`);
        show(parseDump(await res.json()), `dump ${dump}`);
    } else if (rpc) {
        const market = params.get('market');
        if (!market) throw new Error('rpc mode needs &market=<address>');
        const slabs = (params.get('slabs') ?? '').split(',').map(s => s.trim()).filter(Boolean);
        setState('loading', `loading from ${rpc}…`);
        show(await loadFromRpc({ url: rpc, market, slabs, slot: optU64('slot'), price: optU64('price') }), `RPC ${rpc}`);
    } else {
        startForm();
    }
}

main().catch(fail);
