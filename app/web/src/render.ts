/**
 * DOM rendering of a MarketView. Every number cell carries its raw integer in a data-*
 * attribute (data-raw, data-health-maint, data-liq-price, …) next to the formatted text, so
 * a test (or a user's devtools) can read exact values.
 */
import type { MarketParamsState, RiskParamsState, RiskStateState } from '@softliq/client';

import { formatBps, formatPrice, formatUnits, orDash, parseUnits, shortAddress } from './format';
import { positionDetail, positionStatus, whatIf, type LotRow, type MarketView, type PositionRow, type PositionStatus } from './model';

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
    for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
    return el;
}

export interface Formatters {
    col: (v: bigint) => string;
    quote: (v: bigint) => string;
    price: (v: bigint) => string;
}

export function formatters(view: MarketView): Formatters {
    const { collateralDecimals: cd, debtDecimals: dd } = view.inputs.market;
    return {
        col: v => formatUnits(v, cd),
        quote: v => formatUnits(v, dd),
        price: v => formatPrice(v, cd, dd),
    };
}

const STATUS_TEXT: Record<PositionStatus, string> = {
    liquidatable: 'liquidatable',
    warning: 'near maintenance',
    ok: 'ok',
    'no-debt': 'no debt',
    error: 'overflow',
};

function num(text: string, raw: bigint | null | undefined, cls?: string): HTMLTableCellElement {
    return h('td', { class: ['num', cls].filter(Boolean).join(' '), 'data-raw': raw === null || raw === undefined ? undefined : raw.toString() }, text);
}

function kv(rows: [label: string, value: string, raw?: bigint | null, key?: string][], attr = 'data-field'): HTMLDListElement {
    const dl = h('dl', { class: 'kv' });
    for (const [label, value, raw, key] of rows) {
        dl.append(h('dt', {}, label), h('dd', { [attr]: key, 'data-raw': raw === null || raw === undefined ? undefined : raw.toString() }, value));
    }
    return dl;
}

function rawFields(title: string, o: MarketParamsState | RiskParamsState | RiskStateState): HTMLElement {
    return h(
        'details',
        {},
        h('summary', {}, title),
        kv(Object.entries(o).map(([k, v]) => [k, String(v), typeof v === 'bigint' ? v : undefined, k] as [string, string, bigint | undefined, string])),
    );
}

export function renderMarket(view: MarketView): HTMLElement {
    const { market: m, slot, price } = view.inputs;
    const f = formatters(view);
    const s = view.summary;
    const p = m.params;
    const curve = p.auctionCurve === 1n ? `step-exp: ×${formatBps(p.auctionCutBps)} every ${p.auctionStepSlots} slots` : `linear to 0 over ${p.auctionTauSlots} slots`;
    return h(
        'section',
        { id: 'market' },
        h('h2', {}, 'Market'),
        h(
            'div',
            { class: 'cols' },
            kv([
                ['slot', slot.toString(), slot, 'slot'],
                ['oracle price', f.price(price), price, 'oracle-price'],
                ['last accepted price', f.price(m.riskState.lastPrice), m.riskState.lastPrice, 'last-price'],
                ['paused', m.paused ? 'yes' : 'no', undefined, 'paused'],
                ['decimals (collateral / debt)', `${m.collateralDecimals} / ${m.debtDecimals}`],
                ['margins base init / maint / target', `${formatBps(p.initMarginBps)} / ${formatBps(p.maintMarginBps)} / ${formatBps(p.targetMarginBps)}`],
                [
                    'margins in force init / maint / target',
                    orDash(s.margins, x => `${formatBps(x.initMarginBps)} / ${formatBps(x.maintMarginBps)} / ${formatBps(x.targetMarginBps)}`),
                    s.margins?.maintMarginBps,
                    'maint-margin',
                ],
                ['penalty / lot buffer / close factor', `${formatBps(p.liquidationPenaltyBps)} / ${formatBps(p.lotBufferBps)} / ${formatBps(p.closeFactorBps)}`],
                ['auction', `start ${formatBps(p.auctionStartBufferBps)} of oracle, ${curve}, tail ${p.auctionTailSlots} slots, cusp ${formatBps(p.auctionCuspBps)}`],
                ['liquidation budget / slot', p.maxLiqNotionalPerSlot === 0n ? 'unlimited' : f.quote(p.maxLiqNotionalPerSlot), p.maxLiqNotionalPerSlot],
            ]),
            kv([
                ['pool cash', f.quote(m.poolCashNative), m.poolCashNative, 'pool-cash'],
                ['borrowed (at slot)', orDash(s.totalDebtNative, f.quote), s.totalDebtNative, 'borrowed'],
                ['utilization / borrow rate', `${orDash(s.utilizationBps, formatBps)} / ${orDash(s.borrowRateBps, formatBps)} a year`],
                ['borrow index (stored / at slot)', `${m.borrowIndex} / ${orDash(s.borrowIndex, String)}`, s.borrowIndex, 'borrow-index'],
                ['positions open', m.positionsOpen.toString(), m.positionsOpen, 'positions-open'],
                ['lot debt outstanding', f.quote(m.lotDebtOutstandingNative), m.lotDebtOutstandingNative, 'lot-debt'],
                ['collateral in positions / lots', `${f.col(m.totalPositionCollateralNative)} / ${f.col(m.totalLotCollateralNative)}`],
                ['risk: σ(horizon) / add-on / maint add-on', `${formatBps(m.riskState.sigmaHorizonBps)} / ${formatBps(m.riskState.addonBps)} / ${formatBps(m.riskState.maintAddonBps)}`],
                ['risk: volatility estimate', m.risk.volEnabled !== 0n ? 'on' : 'off', undefined, 'vol-enabled'],
            ]),
        ),
        rawFields('all market parameters', p),
        rawFields('risk parameters', m.risk),
        rawFields('risk state', m.riskState),
    );
}

export function renderCounters(view: MarketView): HTMLElement {
    const m = view.inputs.market;
    const f = formatters(view);
    return h(
        'section',
        { id: 'counters' },
        h('h2', {}, 'Insurance and losses'),
        kv(
            [
                ['insurance balance', f.quote(m.insuranceBalanceNative), m.insuranceBalanceNative, 'insurance-balance'],
                ['insurance shares', m.insuranceSharesTotal.toString(), m.insuranceSharesTotal, 'insurance-shares'],
                ['bad debt covered by insurance', f.quote(m.badDebtInsuranceNative), m.badDebtInsuranceNative, 'bad-debt-insurance'],
                ['bad debt socialized to lenders', f.quote(m.badDebtSocializedNative), m.badDebtSocializedNative, 'bad-debt-socialized'],
                ['liquidations', m.liquidations.toString(), m.liquidations, 'liquidations'],
                ['collateral seized', f.col(m.seizedCollateralNative), m.seizedCollateralNative, 'seized-collateral'],
                ['penalties collected', f.quote(m.penaltiesCollectedNative), m.penaltiesCollectedNative, 'penalties'],
                ['auction proceeds', f.quote(m.auctionProceedsNative), m.auctionProceedsNative, 'auction-proceeds'],
                ['lots settled', m.lotsSettled.toString(), m.lotsSettled, 'lots-settled'],
                ['keepers paid', f.quote(m.keeperPaidNative), m.keeperPaidNative, 'keeper-paid'],
                ['interest accrued', f.quote(m.interestAccruedNative), m.interestAccruedNative, 'interest-accrued'],
            ],
            'data-counter',
        ),
    );
}

export function renderPositions(view: MarketView, warnBps: bigint, selected: string | null, onSelect: (key: string) => void): HTMLElement {
    const f = formatters(view);
    const tbody = h('tbody');
    view.positions.forEach((r, i) => {
        const st = positionStatus(r, warnBps);
        const tr = h(
            'tr',
            {
                'data-key': r.key,
                'data-status': st,
                'data-health-maint': r.health?.healthMaint.toString(),
                'data-liq-price': r.liqPrice?.toString(),
                class: `status-${st}${r.key === selected ? ' selected' : ''}`,
                tabindex: '0',
            },
            num(String(i + 1), undefined, 'rank'),
            h('td', { class: 'pos' }, `${r.slab}:${r.entry.index}`, r.inEpisode ? h('span', { class: 'tag', title: 'inside a liquidation episode' }, 'episode') : null),
            h('td', { class: 'addr', title: r.entry.owner }, shortAddress(r.entry.owner)),
            num(f.col(r.entry.collateralNative), r.entry.collateralNative, 'collateral'),
            num(orDash(r.health?.debtNative, f.quote), r.health?.debtNative, 'debt'),
            num(orDash(r.health?.healthMaint, f.quote), r.health?.healthMaint, 'health-maint'),
            num(orDash(r.health?.healthInit, f.quote), r.health?.healthInit, 'health-init'),
            num(orDash(r.liqPrice, f.price), r.liqPrice, 'liq-price'),
            num(orDash(r.distanceBps, formatBps), r.distanceBps, 'distance'),
            h('td', { class: 'status' }, STATUS_TEXT[st]),
        );
        tr.addEventListener('click', () => onSelect(r.key));
        tr.addEventListener('keydown', e => {
            if (e.key === 'Enter') onSelect(r.key);
        });
        tbody.append(tr);
    });
    return h(
        'section',
        { id: 'positions' },
        h('h2', {}, `Positions by health (${view.positions.length})`),
        h(
            'table',
            {},
            h(
                'thead',
                {},
                h(
                    'tr',
                    {},
                    ...['#', 'slab:index', 'owner', 'collateral', 'debt', 'health (maint)', 'health (init)', 'liquidation price', 'drop to liq.', 'status'].map(t => h('th', {}, t)),
                ),
            ),
            tbody,
        ),
    );
}

export function renderPositionView(view: MarketView, row: PositionRow | undefined, warnBps: bigint): HTMLElement {
    const sec = h('section', { id: 'position-view' }, h('h2', {}, 'Position'));
    if (row === undefined) {
        sec.append(h('p', { class: 'muted' }, 'Select a position in the table.'));
        return sec;
    }
    const f = formatters(view);
    const st = positionStatus(row, warnBps);
    const d = positionDetail(view, row);
    sec.setAttribute('data-key', row.key);
    sec.setAttribute('data-status', st);
    if (st === 'liquidatable') {
        sec.append(h('div', { class: 'alert danger', role: 'alert' }, `Below maintenance: liquidatable at ${f.price(view.inputs.price)} (liquidation price ${orDash(row.liqPrice, f.price)}).`));
    } else if (st === 'warning') {
        sec.append(
            h(
                'div',
                { class: 'alert warning', role: 'alert' },
                `Within ${formatBps(warnBps)} of maintenance: a price drop of ${orDash(row.distanceBps, formatBps)} (to ${orDash(row.liqPrice, f.price)}) makes it liquidatable.`,
            ),
        );
    }
    const e = row.entry;
    const h_ = row.health;
    sec.append(
        kv([
            ['position', `slab ${row.slab}${row.slabAddress ? ` (${shortAddress(row.slabAddress)})` : ''}, index ${e.index}, generation ${e.generation}`, undefined, 'position'],
            ['owner', e.owner, undefined, 'owner'],
            ['collateral', f.col(e.collateralNative), e.collateralNative, 'collateral'],
            ['collateral value at oracle', orDash(d.collateralValue, f.quote), d.collateralValue, 'value'],
            ['weighted value (maint / init)', `${orDash(d.weightedMaint, f.quote)} / ${orDash(d.weightedInit, f.quote)}`, d.weightedMaint, 'weighted-maint'],
            ['debt shares', e.debtShares.toString(), e.debtShares, 'debt-shares'],
            ['debt', orDash(h_?.debtNative, f.quote), h_?.debtNative, 'debt'],
            ['health init / maint / target', h_ ? `${f.quote(h_.healthInit)} / ${f.quote(h_.healthMaint)} / ${f.quote(h_.healthTarget)}` : '—', h_?.healthMaint, 'health'],
            ['liquidatable', h_ ? (h_.liquidatable ? 'yes' : 'no') : '—', undefined, 'liquidatable'],
            ['liquidation price', orDash(row.liqPrice, f.price), row.liqPrice, 'liq-price'],
            ['price drop to liquidation', orDash(row.distanceBps, formatBps), row.distanceBps, 'distance'],
            ['max borrow (init margin)', orDash(d.maxBorrow, f.quote), d.maxBorrow, 'max-borrow'],
            ['max withdraw (init margin)', orDash(d.maxWithdraw, f.col), d.maxWithdraw, 'max-withdraw'],
            ['least collateral not liquidatable', orDash(d.minCollateralMaint, f.col), d.minCollateralMaint, 'min-collateral'],
            [
                'liquidation episode',
                row.inEpisode
                    ? `since slot ${e.liqStartSlot}, last ${e.lastLiqSlot}: seized ${f.col(e.episodeSeizedCollateralNative)} of ${f.col(e.episodeStartCollateralNative)} (${f.quote(e.episodeSeizedNotionalNative)})`
                    : 'none',
                undefined,
                'episode',
            ],
        ]),
    );
    sec.append(renderWhatIf(view, row));
    return sec;
}

/** "Health after": a proposed deposit / withdraw / borrow / repay through the client's `healthAfter`. */
function renderWhatIf(view: MarketView, row: PositionRow): HTMLElement {
    const f = formatters(view);
    const { collateralDecimals: cd, debtDecimals: dd } = view.inputs.market;
    const kind = h(
        'select',
        { id: 'whatif-kind' },
        ...(['deposit', 'withdraw', 'borrow', 'repay'] as const).map(k => h('option', { value: k }, k)),
    );
    const amount = h('input', { id: 'whatif-amount', inputmode: 'decimal', placeholder: 'amount', size: '14' });
    const out = h('div', { id: 'whatif-result', class: 'muted' }, 'health after a proposed action');
    const update = () => {
        const k = kind.value as 'deposit' | 'withdraw' | 'borrow' | 'repay';
        const decimals = k === 'deposit' || k === 'withdraw' ? cd : dd;
        const native = parseUnits(amount.value, decimals);
        out.removeAttribute('data-health-init');
        out.removeAttribute('data-health-maint');
        if (native === null) {
            out.textContent = amount.value.trim() === '' ? 'health after a proposed action' : `not an amount with at most ${decimals} decimals`;
            return;
        }
        const w = whatIf(view, row, { kind: k, amount: native });
        if (w.healthInit !== null) out.setAttribute('data-health-init', w.healthInit.toString());
        if (w.healthMaint !== null) out.setAttribute('data-health-maint', w.healthMaint.toString());
        out.setAttribute('data-accepted', String(w.accepted));
        out.textContent =
            `after ${k} ${amount.value.trim()}: health init ${orDash(w.healthInit, f.quote)}, maint ${orDash(w.healthMaint, f.quote)}` +
            (w.accepted ? '' : ' — refused (initial margin)') +
            (w.liquidatable ? ' — liquidatable' : '');
    };
    kind.addEventListener('change', update);
    amount.addEventListener('input', update);
    return h('div', { class: 'whatif' }, h('span', {}, 'What if: '), kind, ' ', amount, ' ', h('span', { class: 'muted' }, '(collateral for deposit / withdraw, debt token for borrow / repay)'), out);
}

export function renderLots(view: MarketView): HTMLElement {
    const f = formatters(view);
    const slabName = (l: LotRow) => (l.slab !== null ? String(l.slab) : shortAddress(l.entry.slab));
    const tbody = h('tbody');
    for (const l of view.lots) {
        tbody.append(
            h(
                'tr',
                {
                    'data-lot': String(l.entry.index),
                    'data-auction-price': l.auctionPrice?.toString(),
                    'data-tab': l.tab.toString(),
                    'data-needs-reset': l.needsReset === null ? undefined : String(l.needsReset),
                    class: l.needsReset ? 'needs-reset' : undefined,
                },
                num(String(l.entry.index), undefined, 'lot-index'),
                h('td', { class: 'pos', title: l.entry.slab }, `${slabName(l)}:${l.entry.positionIndex}`),
                num(f.col(l.entry.collateralNative), l.entry.collateralNative, 'collateral'),
                num(f.quote(l.tab), l.tab, 'tab'),
                num(`${f.quote(l.entry.tabDebtNative)} + ${f.quote(l.entry.tabPenaltyNative)}`, undefined, 'tab-parts'),
                num(f.price(l.entry.startPrice), l.entry.startPrice, 'start-price'),
                num(`${l.elapsed}`, l.elapsed, 'elapsed'),
                num(orDash(l.auctionPrice, f.price), l.auctionPrice, 'auction-price'),
                num(orDash(l.vsOracleBps, formatBps), l.vsOracleBps, 'vs-oracle'),
                num(orDash(l.lotCost, f.quote), l.lotCost, 'lot-cost'),
                num(f.quote(l.entry.proceedsNative), l.entry.proceedsNative, 'proceeds'),
                num(String(l.entry.resets), undefined, 'resets'),
                h('td', { class: 'status' }, l.needsReset === null ? '—' : l.needsReset ? 'needs reset' : l.held ? 'held at its debt price' : 'live'),
            ),
        );
    }
    return h(
        'section',
        { id: 'lots' },
        h('h2', {}, `Open lots (${view.lots.length})`),
        view.inputs.lotBook === null ? h('p', { class: 'muted' }, 'No lot book loaded.') : null,
        h(
            'table',
            {},
            h(
                'thead',
                {},
                h(
                    'tr',
                    {},
                    ...['lot', 'slab:position', 'collateral', 'tab', 'debt + penalty', 'start price', 'elapsed slots', 'auction price', 'of oracle', 'cost of lot', 'proceeds', 'resets', 'state'].map(t =>
                        h('th', {}, t),
                    ),
                ),
            ),
            tbody,
        ),
    );
}
