/**
 * Hand-written layout of softliq's zero-copy accounts (Market, PositionSlab, lot book).
 *
 * Placeholder: the on-chain layouts are not final yet. Byte offsets and the fast
 * DataView decoders will live here, as the single source of offsets, checked
 * against fixtures written by the Rust tests (app/client/test/fixtures/).
 *
 * Never put hand-written code under src/generated/: `npm run generate` deletes it.
 */

/** Size of Anchor's account discriminator that prefixes every account. */
export const ACCOUNT_DISCRIMINATOR_SIZE = 8;
