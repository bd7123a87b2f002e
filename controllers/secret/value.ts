// Generated secret values: `length` characters drawn uniformly from a charset with node:crypto (rejection
// sampling, so no character is likelier than another). Pure but for the randomness it is given.
import { randomBytes } from 'node:crypto';
import type { SecretCharset } from '../../crds/schemas/managed-secret.ts';

const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const digits = '0123456789';

export const charsets: Readonly<Record<SecretCharset, string>> = {
  alphanumeric: letters + digits,
  hex: '0123456789abcdef',
  base64: letters + digits + '+/',
  symbols: letters + digits + '!#$%&()*+,-./:;<=>?@[]^_{|}~',
};

/** A value of `length` characters of `charset`; `random` gives bytes (node:crypto's randomBytes by default). */
export function generateValue(
  length: number,
  charset: SecretCharset,
  random: (n: number) => Buffer = randomBytes,
): string {
  const alphabet = charsets[charset];
  // The largest multiple of the alphabet's size below 256: bytes at or above it are drawn again.
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of random(Math.max(16, (length - out.length) * 2))) {
      if (byte >= limit) continue;
      out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}
