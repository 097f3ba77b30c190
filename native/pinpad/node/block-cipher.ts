// Runs in Node. 3DES (double-length key, EDE) and SM4 in ECB, one block at a time, from Node's
// own crypto (OpenSSL): des-ede3-ecb wants a 24-byte key, so a 16-byte key K1K2 becomes K1K2K1.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { BlockCipher, PinAlgorithm } from '../common/types';
import { keyCheckValueBytes } from '../common/iso9564';

function tdesKey(key: Uint8Array): Buffer {
  if (key.length === 24) return Buffer.from(key);
  if (key.length === 16) return Buffer.concat([Buffer.from(key), Buffer.from(key.subarray(0, 8))]);
  throw new RangeError('3DES keys are 16 or 24 bytes');
}

function run(decrypt: boolean, name: string, key: Buffer, block: Uint8Array): Uint8Array {
  const cipher = decrypt ? createDecipheriv(name, key, null) : createCipheriv(name, key, null);
  cipher.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([cipher.update(block), cipher.final()]));
}

export const tdesCipher: BlockCipher = {
  algorithm: 'tdes',
  blockBytes: 8,
  encrypt: (key, block) => run(false, 'des-ede3-ecb', tdesKey(key), block),
  decrypt: (key, block) => run(true, 'des-ede3-ecb', tdesKey(key), block),
};

export const sm4Cipher: BlockCipher = {
  algorithm: 'sm4',
  blockBytes: 16,
  encrypt: (key, block) => run(false, 'sm4-ecb', Buffer.from(key), block),
  decrypt: (key, block) => run(true, 'sm4-ecb', Buffer.from(key), block),
};

export function cipherFor(algorithm: PinAlgorithm): BlockCipher {
  return algorithm === 'tdes' ? tdesCipher : sm4Cipher;
}

/** KCV: encrypt a zero block, keep the first 3 (3DES) or 4 (SM4) bytes. */
export function keyCheckValue(algorithm: PinAlgorithm, key: Uint8Array): Uint8Array {
  const cipher = cipherFor(algorithm);
  return cipher.encrypt(key, new Uint8Array(cipher.blockBytes)).slice(0, keyCheckValueBytes(algorithm));
}
