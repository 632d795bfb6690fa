// The client's risk helpers (src/risk.ts) against the Rust engine's answers on the same
// inputs (test/fixtures/risk.json, written by tests/tests/cases/test_fixtures.rs from
// `engine::health`): the test fails when either side's integer math drifts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { debtNative, health } from '../src/health';
import { decodeLotBookAccount } from '../src/decode';
import { healthAfter, liquidationPrice, maxBorrow, maxWithdraw, positionLots } from '../src/risk';

interface RiskCase {
    collateral: string;
    debt_shares: string;
    borrow_index: string;
    price: string;
    maint_margin_bps: string;
    init_margin_bps: string;
    amount: string;
    debt: string | null;
    liquidation_price: string | null;
    max_withdraw: string | null;
    max_borrow: string;
    health_after_deposit: string | null;
    health_after_withdraw: string | null;
    health_after_borrow: string | null;
    health_after_repay: string | null;
}

const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'risk.json');
const cases: RiskCase[] = JSON.parse(readFileSync(file, 'utf8')).cases;
const big = (v: string | null) => (v === null ? null : BigInt(v));

describe('risk helpers = engine::health (fixtures/risk.json)', () => {
    test('the fixture has the worked example and the random cases', () => {
        assert.ok(cases.length >= 44, `${cases.length} cases`);
        assert.equal(cases[0]!.liquidation_price, '94736842200', '900 USDC on 10 SOL at 5%');
    });
    test('every case: liquidation price, max withdraw, max borrow, health after each action', () => {
        let withLiqPrice = 0;
        for (const [i, c] of cases.entries()) {
            const [coll, shares, index, price] = [BigInt(c.collateral), BigInt(c.debt_shares), BigInt(c.borrow_index), BigInt(c.price)];
            const [maint, init, amount] = [BigInt(c.maint_margin_bps), BigInt(c.init_margin_bps), BigInt(c.amount)];
            const debt = debtNative(shares, index);
            assert.equal(debt, big(c.debt), `case ${i}: debt`);
            const lp = debt === null ? null : liquidationPrice(coll, debt, maint);
            assert.equal(lp, big(c.liquidation_price), `case ${i}: liquidation price`);
            if (lp !== null && debt !== null) {
                withLiqPrice++;
                // The edge: not liquidatable at the price, liquidatable one unit below.
                assert.ok(health(coll, debt, lp, maint)! >= 0n, `case ${i}`);
                assert.ok(health(coll, debt, lp - 1n, maint)! < 0n, `case ${i}`);
            }
            assert.equal(debt === null ? null : maxWithdraw(coll, debt, price, init), big(c.max_withdraw), `case ${i}: max withdraw`);
            assert.equal(maxBorrow(coll, shares, index, price, init), BigInt(c.max_borrow), `case ${i}: max borrow`);
            const after = (kind: 'deposit' | 'withdraw' | 'borrow' | 'repay') => healthAfter(coll, shares, index, price, init, { kind, amount });
            assert.equal(after('deposit'), big(c.health_after_deposit), `case ${i}: deposit`);
            assert.equal(after('withdraw'), big(c.health_after_withdraw), `case ${i}: withdraw`);
            assert.equal(after('borrow'), big(c.health_after_borrow), `case ${i}: borrow`);
            assert.equal(after('repay'), big(c.health_after_repay), `case ${i}: repay`);
        }
        assert.ok(withLiqPrice >= 30, `${withLiqPrice} cases with a liquidation price`);
    });
});

describe('positionLots: a position\'s open lots and their redeem cost (fixtures/lot_book.json)', () => {
    const fx = JSON.parse(readFileSync(path.join(path.dirname(file), 'lot_book.json'), 'utf8'));
    const book = decodeLotBookAccount(Uint8Array.from(Buffer.from(fx.account_b64, 'base64')));
    const expected: { slab: string; position_index: number; position_generation: number; tab_debt_native: string; tab_penalty_native: string; index: number }[] = fx.expected.lots;
    test('each position gets exactly its lots, at tab debt + tab penalty', () => {
        assert.ok(expected.length >= 2, 'the fixture has open lots');
        for (const e of expected) {
            const mine = positionLots(book, e.slab as never, e.position_index, e.position_generation);
            const want = expected.filter(x => x.slab === e.slab && x.position_index === e.position_index && x.position_generation === e.position_generation);
            assert.deepEqual(mine.map(l => l.lot.index), want.map(x => x.index));
            const l = mine.find(x => x.lot.index === e.index)!;
            assert.equal(l.redeemCostNative, BigInt(e.tab_debt_native) + BigInt(e.tab_penalty_native));
        }
        assert.deepEqual(positionLots(book, expected[0]!.slab as never, 9_999, 0), []);
    });
});
