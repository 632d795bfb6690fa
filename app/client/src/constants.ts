/**
 * The program's numeric constants (programs/softliq/src/math/mod.rs and engine/): one
 * place for every module of the client, so that none defines its own copy.
 * Re-exported by health.ts (and so by the package's entry point).
 */

/** `math::PRICE_SCALE`: oracle prices are debt-native per collateral-native × 1e12. */
export const PRICE_SCALE = 1_000_000_000_000n;
/** `math::BPS`. */
export const BPS = 10_000n;
/** `math::BORROW_INDEX_SCALE`. */
export const BORROW_INDEX_SCALE = 1_000_000_000_000_000n;
/** `math::SLOTS_PER_YEAR`. */
export const SLOTS_PER_YEAR = 78_840_000n;

/** Largest u64 and u128: the bounds the program's checked math enforces. */
export const U64_MAX = (1n << 64n) - 1n;
export const U128_MAX = (1n << 128n) - 1n;
