/**
 * Formatting of the page's numbers: exact decimal strings from native integers (no floats
 * anywhere between the account bytes and the screen).
 */
import { PRICE_SCALE } from '@softliq/client';

const PRICE_SCALE_DIGITS = PRICE_SCALE.toString().length - 1; // 12

function group(intPart: string): string {
    return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * `value / 10^decimals` as an exact decimal string: thousands grouped with ",", the fraction
 * kept in full but trailing zeros trimmed down to `minFrac` digits.
 * formatUnits(997_493_328n, 6) = "997.493328"; formatUnits(25_000_000_000n, 9) = "25.00".
 */
export function formatUnits(value: bigint, decimals: number, minFrac = 2): string {
    if (!Number.isInteger(decimals) || decimals < 0) throw new RangeError(`decimals ${decimals}`);
    const neg = value < 0n;
    const abs = neg ? -value : value;
    const s = abs.toString().padStart(decimals + 1, '0');
    const intPart = s.slice(0, s.length - decimals);
    const frac = s.slice(s.length - decimals);
    const keep = Math.min(minFrac, decimals);
    let end = frac.length;
    while (end > keep && frac[end - 1] === '0') end--;
    return (neg ? '-' : '') + group(intPart) + (end > 0 ? '.' + frac.slice(0, end) : '');
}

/**
 * A UI amount ("1,000.5") to native units at `decimals`: exact, or null when it is not a
 * non-negative decimal or has more fraction digits than `decimals`.
 */
export function parseUnits(text: string, decimals: number): bigint | null {
    const t = text.trim().replace(/,/g, '');
    const m = /^(\d*)(?:\.(\d*))?$/.exec(t);
    if (m === null || (m[1] === '' && (m[2] ?? '') === '')) return null;
    const frac = m[2] ?? '';
    if (frac.length > decimals) return null;
    return BigInt((m[1] || '0') + frac.padEnd(decimals, '0'));
}

/**
 * Decimal places of a UI price (quote per base, in whole tokens) given the program's scaled
 * price (quote native per base native × 1e12): ui = scaled · 10^colDec / (1e12 · 10^debtDec).
 */
export function priceDecimals(collateralDecimals: number, debtDecimals: number): number {
    return PRICE_SCALE_DIGITS + debtDecimals - collateralDecimals;
}

/** A scaled price (1e12 quote native per base native) in quote tokens per base token. */
export function formatPrice(scaled: bigint, collateralDecimals: number, debtDecimals: number): string {
    const d = priceDecimals(collateralDecimals, debtDecimals);
    if (d >= 0) return formatUnits(scaled, d);
    return formatUnits(scaled * 10n ** BigInt(-d), 0);
}

/** Basis points as a percentage with two decimals, exact: 50n → "0.50%", -12n → "-0.12%". */
export function formatBps(bps: bigint): string {
    return formatUnits(bps, 2) + '%';
}

/** "GTRfPKMx…bcKYbsLE" style abbreviation of a base58 address. */
export function shortAddress(a: string, keep = 4): string {
    return a.length <= 2 * keep + 1 ? a : `${a.slice(0, keep)}…${a.slice(-keep)}`;
}

/** A value or a dash for null (the program would fail with MathOverflow; or "not applicable"). */
export function orDash<T>(v: T | null | undefined, f: (v: T) => string): string {
    return v === null || v === undefined ? '—' : f(v);
}
