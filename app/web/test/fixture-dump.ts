/**
 * An account dump (src/dump.ts format) from the account data the Rust tests wrote
 * (app/client/test/fixtures/{market,slab,lot_book}.json, format in their README.md).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { AccountDump } from '../src/dump';

export const FIXTURES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../client/test/fixtures');

export function readFixture(name: string): any {
    return JSON.parse(readFileSync(path.join(FIXTURES_DIR, name), 'utf8'));
}

export interface FixtureSet {
    market: any;
    slab: any;
    lotBook: any;
}

export function readFixtures(): FixtureSet {
    return { market: readFixture('market.json'), slab: readFixture('slab.json'), lotBook: readFixture('lot_book.json') };
}

/**
 * The dump at the slab fixture's context: its price, and the market's last accrual slot, at
 * which the borrow index is the stored one (= `context.borrow_index`), so health on the page
 * must equal what the Rust side wrote.
 */
export function fixtureDump(fx: FixtureSet = readFixtures()): AccountDump {
    return {
        market: fx.market.account_b64,
        slabs: [fx.slab.account_b64],
        lotBook: fx.lotBook.account_b64,
        slot: fx.market.expected.last_accrual_slot,
        oraclePrice: fx.slab.context.price,
        addresses: { market: fx.market.address, slabs: [fx.slab.address], lotBook: fx.lotBook.address },
    };
}
