// Parameter presets (src/params.ts) against MarketParams::default_soft() / hard() in Rust.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { defaultSoftParams, hardParams } from '../src/params';
import { MARKET_PARAMS } from '../src/layout';
import { camel } from './fixture-check';
import { constructorFields, evalIntExpr, rustConst } from './rust-sources';

const BPS = rustConst('math/mod.rs', 'BPS');
const known: Record<string, bigint> = {
    BPS,
    MAX_POSITIONS_PER_CRANK: rustConst('engine/params.rs', 'MAX_POSITIONS_PER_CRANK'),
    TARGET_CLOSE_ALL: BPS,
    CURVE_LINEAR: rustConst('engine/auction/mod.rs', 'CURVE_LINEAR'),
    CURVE_STEP_EXP: rustConst('engine/auction/mod.rs', 'CURVE_STEP_EXP'),
};

function rustPreset(fnName: string): Record<string, bigint> {
    const { fields, base } = constructorFields('engine/params.rs', fnName);
    const out: Record<string, bigint> = base ? rustPreset(base) : {};
    for (const [k, v] of Object.entries(fields)) out[camel(k)] = evalIntExpr(v, known);
    return out;
}

test('defaultSoftParams() equals MarketParams::default_soft()', () => {
    const rust = rustPreset('default_soft');
    assert.deepStrictEqual(Object.keys(rust).sort(), MARKET_PARAMS.fields.map(f => f.name).sort(), 'every field set');
    assert.deepStrictEqual(defaultSoftParams(), rust);
});

test('hardParams() equals MarketParams::hard()', () => {
    assert.deepStrictEqual(hardParams(), rustPreset('hard'));
});
