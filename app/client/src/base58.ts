/**
 * Base58 of a 32-byte public key, fast: limbs of 58^5 in doubles, two input bytes per
 * step (every intermediate stays below 2^53), characters written to a scratch buffer and
 * turned into one flat string (no rope of 44 one-character concatenations kept alive by
 * the decoded objects). Several times faster than the generic `getAddressDecoder()` of
 * @solana/kit, which otherwise dominates decoding a big slab. test/decode.test.ts checks
 * it against @solana/kit.
 */
import type { Address } from '@solana/kit';

const ALPHABET = new Uint8Array([...'123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'].map(c => c.charCodeAt(0)));
const LIMB = 656_356_768; // 58^5
const limbs = new Float64Array(10); // 58^50 > 2^256
const chars = new Uint16Array(50); // 32 leading '1's at most, 44 digits at most

/** The base58 address of `data[offset .. offset + 32]`. */
export function addressAt(data: Uint8Array, offset: number): Address {
    let n = 0;
    for (let i = 0; i < 32; i += 2) {
        let carry = data[offset + i]! * 256 + data[offset + i + 1]!;
        for (let j = 0; j < n; j++) {
            const x = limbs[j]! * 65_536 + carry;
            carry = Math.floor(x / LIMB);
            limbs[j] = x - carry * LIMB;
        }
        while (carry > 0) {
            const q = Math.floor(carry / LIMB);
            limbs[n++] = carry - q * LIMB;
            carry = q;
        }
    }
    // Digits from the least significant end backwards into `chars`.
    let pos = chars.length;
    for (let j = 0; j < n; j++) {
        let x = limbs[j]!;
        const top = j === n - 1;
        for (let k = 0; k < 5; k++) {
            const q = Math.floor(x / 58);
            chars[--pos] = ALPHABET[x - q * 58]!;
            x = q;
            if (top && x === 0) break; // no leading zeros in the top limb
        }
    }
    for (let z = 0; z < 32 && data[offset + z] === 0; z++) chars[--pos] = 49; // '1'
    return String.fromCharCode.apply(null, chars.subarray(pos) as unknown as number[]) as Address;
}
