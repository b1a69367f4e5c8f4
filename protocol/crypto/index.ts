import type { CryptoBackendName, GbcsCrypto } from './gbcs-crypto.ts';
import { createNobleCrypto } from './noble.ts';
import { createNodeCrypto } from './node.ts';

export type { CryptoBackendName, GbcsCrypto } from './gbcs-crypto.ts';
export { createNobleCrypto } from './noble.ts';
export { createNodeCrypto } from './node.ts';

/** A back-end by name: `noble` (default) or `node`. */
export function createCrypto(name: CryptoBackendName = 'noble'): GbcsCrypto {
  if (name === 'node') return createNodeCrypto();
  if (name === 'noble') return createNobleCrypto();
  throw new RangeError(`unknown crypto back-end ${String(name)}`);
}
export * from './kdf.ts';
