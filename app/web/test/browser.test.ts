// Browser test: headless Chromium (Debian's package, driven by playwright-core) opens the
// built page (dist/, `vite build`) on a dump of the account data the Rust tests wrote
// (app/client/test/fixtures), and checks what is on screen against values computed here
// from the same bytes with @softliq/client: positions ranked by health (and equal to the
// health the Rust side wrote), a liquidation price, the lots' auction prices and tabs, the
// insurance and socialized-loss counters, the warning near maintenance. Screenshot:
// app/web/test-output/market.png (copied to docs/report/web-market.png with
// SOFTLIQ_UPDATE_SCREENSHOT=1).
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import {
    borrowIndexAt,
    decodeLotBookAccount,
    decodeMarketAccount,
    decodePositionSlabAccount,
    effectiveMargins,
    healthAfter,
    liquidationPrice,
    maxBorrow,
    maxWithdraw,
    positionHealth,
    type MarketState,
    type PositionSlabState,
} from '@softliq/client';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

import { elapsedSince, needsReset, priceAt, quote } from '../src/auction';
import { base64ToBytes } from '../src/dump';
import { formatPrice, formatUnits } from '../src/format';
import { CHROMIUM_ARGS, ensureChromium } from './chromium';
import { fixtureDump, readFixtures } from './fixture-dump';
import { startRpcStub } from './rpc-stub';
import { serveStatic, type StaticServer } from './serve';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(WEB, 'dist');
const OUT = path.join(WEB, 'test-output');
const REPORT_PNG = path.resolve(WEB, '../../docs/report/web-market.png');

const fx = readFixtures();
const dump = fixtureDump(fx);
const market: MarketState = decodeMarketAccount(base64ToBytes(dump.market));
const slab: PositionSlabState = decodePositionSlabAccount(base64ToBytes(dump.slabs[0]!));
const lotBook = decodeLotBookAccount(base64ToBytes(dump.lotBook!));
const PRICE = BigInt(dump.oraclePrice);
const SLOT = BigInt(dump.slot);
const CD = market.collateralDecimals;
const DD = market.debtDecimals;
const MAINT = effectiveMargins(market.params, market.riskState)!.maintMarginBps;

/** What the page should show for each position at `slot`, from the client alone. */
function expectedPositions(slot: bigint) {
    const index = borrowIndexAt(market, slot)!;
    return slab.positions.map(p => {
        const h = positionHealth(p, market, PRICE, index)!;
        const liq = liquidationPrice(p.collateralNative, h.debtNative, MAINT);
        return { key: `0:${p.index}`, index: p.index, h, liq, dist: liq === null ? null : ((PRICE - liq) * 10_000n) / PRICE };
    });
}

function expectedStatus(e: ReturnType<typeof expectedPositions>[number], warnBps: bigint): string {
    if (e.h.debtNative === 0n) return 'no-debt';
    if (e.h.liquidatable) return 'liquidatable';
    return e.dist !== null && e.dist < warnBps ? 'warning' : 'ok';
}

interface ShownRow {
    key: string;
    status: string;
    healthMaint: string;
    healthText: string;
    liqPrice: string | null;
    liqText: string;
}

async function shownPositions(page: Page): Promise<ShownRow[]> {
    return page.$$eval('#positions tbody tr', trs =>
        trs.map(tr => ({
            key: tr.getAttribute('data-key')!,
            status: tr.getAttribute('data-status')!,
            healthMaint: tr.getAttribute('data-health-maint')!,
            healthText: tr.querySelector('.health-maint')!.textContent!,
            liqPrice: tr.getAttribute('data-liq-price'),
            liqText: tr.querySelector('.liq-price')!.textContent!,
        })),
    );
}

let server: StaticServer;
let context: BrowserContext;
let userDataDir: string;
const pageErrors: string[] = [];

async function open(query: string): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', e => pageErrors.push(String(e)));
    page.on('console', m => {
        if (m.type() === 'error') pageErrors.push(`${m.text()} (${m.location().url})`);
    });
    await page.goto(`${server.url}/index.html?${query}`);
    await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 20_000 });
    const state = await page.getAttribute('body', 'data-state');
    if (state !== 'ready') assert.fail(`page failed: ${await page.textContent('#error')}`);
    return page;
}

describe('market page in headless Chromium', { timeout: 90_000 }, () => {
    before(async () => {
        const exe = ensureChromium();
        assert.ok(existsSync(path.join(DIST, 'index.html')), 'dist/index.html missing: run `vite build` first (npm run test:browser does)');
        mkdirSync(OUT, { recursive: true });
        const dumpFile = path.join(OUT, 'dump.json');
        writeFileSync(dumpFile, JSON.stringify(dump, null, 2));
        server = await serveStatic(DIST, { '/dump.json': dumpFile });
        userDataDir = mkdtempSync(path.join(tmpdir(), 'softliq-web-chromium-'));
        context = await chromium.launchPersistentContext(userDataDir, {
            executablePath: exe,
            headless: true,
            args: CHROMIUM_ARGS,
            viewport: { width: 1500, height: 1000 },
        });
    });

    after(async () => {
        await context?.close();
        await server?.close();
        if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    });

    test('at the fixtures slot: ranking, health, liquidation price, lots, counters, warning; screenshot', async t => {
        const page = await open('dump=dump.json&warnBps=100');
        const expected = expectedPositions(SLOT);
        const rows = await shownPositions(page);

        // Every in-use position, ranked by maintenance health ascending, as the client computes it...
        assert.equal(rows.length, expected.length);
        const shownH = rows.map(r => BigInt(r.healthMaint));
        assert.deepEqual(shownH, [...shownH].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), 'rows not ranked by health');
        const byKey = new Map(expected.map(e => [e.key, e]));
        for (const r of rows) {
            const e = byKey.get(r.key);
            assert.ok(e, `unexpected row ${r.key}`);
            assert.equal(r.healthMaint, e.h.healthMaint.toString(), r.key);
            assert.equal(r.healthText, formatUnits(e.h.healthMaint, DD), r.key);
        }
        // ...and equal to the health the Rust side wrote for these bytes (slab.json, same price and index).
        for (const p of fx.slab.expected.positions as any[]) {
            assert.equal(rows.find(r => r.key === `0:${p.index}`)!.healthMaint, p.health_maint, `Rust health_maint of ${p.index}`);
        }
        assert.equal(rows[0]!.key, '0:2'); // the liquidatable one first

        // A liquidation price: position 5 (the one inside a liquidation episode).
        const e5 = byKey.get('0:5')!;
        const r5 = rows.find(r => r.key === '0:5')!;
        assert.ok(e5.liq !== null);
        assert.equal(r5.liqPrice, e5.liq.toString());
        assert.equal(r5.liqText, formatPrice(e5.liq, CD, DD));
        assert.equal(rows.find(r => r.key === '0:0')!.liqText, '—'); // no debt

        // Status at warnBps=100: liquidatable / warning / ok / no-debt as computed here.
        for (const r of rows) assert.equal(r.status, expectedStatus(byKey.get(r.key)!, 100n), `status of ${r.key}`);
        assert.deepEqual(rows.filter(r => r.status === 'warning').map(r => r.key), ['0:5']);

        // Lots: tab and current auction price (step-exp from 95.88 at slots 2000 / 2001, now 2002).
        const lots = await page.$$eval('#lots tbody tr', trs =>
            trs.map(tr => ({
                lot: tr.getAttribute('data-lot')!,
                price: tr.getAttribute('data-auction-price')!,
                priceText: tr.querySelector('.auction-price')!.textContent!,
                tab: tr.getAttribute('data-tab')!,
                tabText: tr.querySelector('.tab')!.textContent!,
            })),
        );
        assert.equal(lots.length, lotBook.lots.length);
        for (const l of lotBook.lots) {
            const shown = lots.find(x => x.lot === String(l.index))!;
            const tab = l.tabDebtNative + l.tabPenaltyNative;
            const price = quote(market.params, l, SLOT)!.price;
            assert.equal(shown.tab, tab.toString());
            assert.equal(shown.tabText, formatUnits(tab, DD));
            assert.equal(shown.price, price.toString());
            assert.equal(shown.priceText, formatPrice(price, CD, DD));
        }
        assert.deepEqual(
            lots.map(l => [l.lot, l.priceText, l.tabText]),
            [
                ['0', '95.4006', '2,326.50'], // 95.88 × 0.995 (one 2-slot step)
                ['2', '95.88', '24.20659'],
            ],
        );

        // Insurance and socialized-loss counters.
        const counter = (k: string) => page.textContent(`#counters [data-counter="${k}"]`);
        assert.equal(await counter('insurance-balance'), formatUnits(market.insuranceBalanceNative, DD));
        assert.equal(await counter('insurance-balance'), '997.493328');
        assert.equal(await counter('bad-debt-socialized'), formatUnits(market.badDebtSocializedNative, DD));
        assert.equal(await counter('bad-debt-insurance'), formatUnits(market.badDebtInsuranceNative, DD));

        // Position view: warning within the distance; none outside it; danger when liquidatable.
        const view = (sel: string) => page.locator(`#position-view ${sel}`);
        await page.click('#positions tr[data-key="0:6"]');
        assert.equal(await page.getAttribute('#position-view', 'data-key'), '0:6');
        assert.equal(await view('.alert').count(), 0, 'position 6 is outside 1%');
        await page.fill('#warn-bps', '200');
        assert.equal(expectedStatus(byKey.get('0:6')!, 200n), 'warning');
        assert.equal(await page.getAttribute('#positions tr[data-key="0:6"]', 'data-status'), 'warning');
        assert.match((await view('.alert.warning').textContent())!, /Within 2\.00% of maintenance/);
        await page.click('#positions tr[data-key="0:2"]');
        assert.match((await view('.alert.danger').textContent())!, /Below maintenance/);
        await page.click('#positions tr[data-key="0:1"]');
        assert.equal(await view('.alert').count(), 0);

        // The client's risk helpers in the position view (margins in force, index at the slot).
        const p1 = slab.positions.find(p => p.index === 1)!;
        const idx = borrowIndexAt(market, SLOT)!;
        const init = effectiveMargins(market.params, market.riskState)!.initMarginBps;
        const mb = maxBorrow(p1.collateralNative, p1.debtShares, idx, PRICE, init);
        const mw = maxWithdraw(p1.collateralNative, byKey.get('0:1')!.h.debtNative, PRICE, init);
        assert.ok(mb > 0n && mw > 0n);
        assert.equal(await page.textContent('#position-view [data-field="max-borrow"]'), formatUnits(mb, DD));
        assert.equal(await page.textContent('#position-view [data-field="max-withdraw"]'), formatUnits(mw, CD));
        // What if: borrow exactly the max (accepted), then one native unit more (refused).
        await page.selectOption('#whatif-kind', 'borrow');
        await page.fill('#whatif-amount', formatUnits(mb, DD));
        const after = healthAfter(p1.collateralNative, p1.debtShares, idx, PRICE, MAINT, { kind: 'borrow', amount: mb })!;
        assert.equal(await page.getAttribute('#whatif-result', 'data-health-maint'), after.toString());
        assert.equal(await page.getAttribute('#whatif-result', 'data-accepted'), 'true');
        await page.fill('#whatif-amount', formatUnits(mb + 1n, DD));
        assert.equal(await page.getAttribute('#whatif-result', 'data-accepted'), 'false');
        await page.fill('#warn-bps', '100');
        await page.click('#positions tr[data-key="0:5"]');
        assert.match((await view('.alert.warning').textContent())!, /Within 1\.00% of maintenance/);
        assert.equal(await page.textContent('#position-view [data-field="liq-price"]'), formatPrice(e5.liq, CD, DD));
        assert.ok(new URL(page.url()).searchParams.get('position') === '0:5');

        const png = path.join(OUT, 'market.png');
        await page.screenshot({ path: png, fullPage: true });
        // The README's copy is refreshed only when asked, so test runs leave the tree clean.
        if (process.env.SOFTLIQ_UPDATE_SCREENSHOT === '1') {
            mkdirSync(path.dirname(REPORT_PNG), { recursive: true });
            copyFileSync(png, REPORT_PNG);
        }
        t.diagnostic(`screenshot: ${png}${process.env.SOFTLIQ_UPDATE_SCREENSHOT === '1' ? ` (copy: ${REPORT_PNG})` : ''}`);
        await page.close();
    });

    test('at a later slot (&slot=2204): accrued index, decayed lots, one due for a reset', async () => {
        const slot = 2204n;
        const page = await open(`dump=dump.json&slot=${slot}`);
        const expected = expectedPositions(slot);
        assert.notEqual(borrowIndexAt(market, slot), market.borrowIndex);
        const rows = await shownPositions(page);
        const want = [...expected].sort((a, b) => (a.h.healthMaint < b.h.healthMaint ? -1 : a.h.healthMaint > b.h.healthMaint ? 1 : a.index - b.index));
        assert.deepEqual(
            rows.map(r => [r.key, r.healthMaint, r.liqPrice]),
            want.map(e => [e.key, e.h.healthMaint.toString(), e.liq?.toString() ?? null]),
        );
        for (const l of lotBook.lots) {
            const el = elapsedSince(slot, l.startSlot);
            const { price, needsReset: reset } = quote(market.params, l, slot)!;
            const sel = `#lots tr[data-lot="${l.index}"]`;
            assert.equal(await page.getAttribute(sel, 'data-auction-price'), price.toString());
            assert.equal(await page.textContent(`${sel} .auction-price`), formatPrice(price, CD, DD));
            assert.equal(await page.getAttribute(sel, 'data-needs-reset'), String(reset));
        }
        // 0.995^102 < 60% (the cusp) after 204 slots; lot 2 started a slot later.
        assert.equal(await page.getAttribute('#lots tr[data-lot="0"]', 'data-needs-reset'), 'true');
        assert.equal(await page.getAttribute('#lots tr[data-lot="2"]', 'data-needs-reset'), 'false');
        await page.close();
    });

    test('RPC mode (?rpc=&market=&slabs=) against a local JSON-RPC stub serving the same accounts', async () => {
        const a = dump.addresses!;
        assert.equal(market.lotBook, a.lotBook); // the page finds the lot book through the market
        const stub = await startRpcStub({ [a.market!]: dump.market, [a.slabs![0]!]: dump.slabs[0]!, [a.lotBook!]: dump.lotBook! }, Number(SLOT));
        try {
            const page = await open(`rpc=${encodeURIComponent(stub.url)}&market=${a.market}&slabs=${a.slabs![0]}`);
            // Price: the market's last accepted price, here the fixtures' context price.
            assert.equal(market.riskState.lastPrice, PRICE);
            const rows = await shownPositions(page);
            const want = [...expectedPositions(SLOT)].sort((x, y) => (x.h.healthMaint < y.h.healthMaint ? -1 : x.h.healthMaint > y.h.healthMaint ? 1 : 0));
            assert.deepEqual(rows.map(r => [r.key, r.healthMaint]), want.map(e => [e.key, e.h.healthMaint.toString()]));
            assert.equal(await page.locator('#lots tbody tr').count(), lotBook.lots.length);
            assert.deepEqual([...new Set(stub.calls)].sort(), ['getAccountInfo', 'getSlot']);
            await page.close();
        } finally {
            await stub.close();
        }
    });

    test('without parameters: the start form, then a dump picked from disk', async () => {
        const page = await context.newPage();
        page.on('pageerror', e => pageErrors.push(String(e)));
        await page.goto(`${server.url}/`);
        await page.waitForSelector('body[data-state="idle"]');
        assert.equal(await page.locator('#start input[name="rpc"]').count(), 1);
        await page.setInputFiles('#dump-file', path.join(OUT, 'dump.json'));
        await page.waitForSelector('body[data-state="ready"]');
        assert.equal(await page.locator('#positions tbody tr').count(), slab.positions.length);
        assert.equal(await page.getAttribute('#positions tbody tr:first-child', 'data-key'), '0:2');
        await page.close();
    });

    test('no page errors', () => {
        assert.deepEqual(pageErrors, []);
    });
});
