// Runs in Node. TEST keys shared by the simulated PIN pad and the simulated social security card
// (which must open the pad's blocks to check a PIN). Never used with real devices: a real pad's
// working key is loaded under its master key at a key ceremony, and the card side goes through
// the PSAM/host.
import { keyCheckValue } from '../node/block-cipher';
import type { PinAlgorithm } from '../common/types';

const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16));

export const TEST_WORKING_KEYS: Readonly<Record<PinAlgorithm, Uint8Array>> = {
  tdes: fromHex('0123456789ABCDEFFEDCBA9876543210'),
  sm4: fromHex('00112233445566778899AABBCCDDEEFF'),
};

export const TEST_MASTER_KEYS: Readonly<Record<PinAlgorithm, Uint8Array>> = {
  tdes: fromHex('11111111111111112222222222222222'),
  sm4: fromHex('33333333333333334444444444444444'),
};

export function testKeyCheckValue(algorithm: PinAlgorithm): string {
  return Array.from(keyCheckValue(algorithm, TEST_WORKING_KEYS[algorithm]), (b) => b.toString(16).padStart(2, '0').toUpperCase()).join('');
}
