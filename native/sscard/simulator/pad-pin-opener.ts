// Runs in Node. How the simulated card opens the simulated PIN pad's blocks: decipher under the
// pad's TEST working key, read format 0 bound to the card's social security number. This stands
// in for the PSAM/host translation a real deployment performs.
import { cipherFor } from '../../pinpad/node/block-cipher';
import { pinAccountDigits, readFormatZeroBlock } from '../../pinpad/common/iso9564';
import { TEST_WORKING_KEYS } from '../../pinpad/simulator/test-keys';
import type { PinAlgorithm } from '../../pinpad/common/types';
import type { PinBlockOpener } from './virtual-card';

export function padPinOpener(keys: Readonly<Record<PinAlgorithm, Uint8Array>> = TEST_WORKING_KEYS): PinBlockOpener {
  return (block, algorithm, accountNumber) => {
    const cipher = cipherFor(algorithm);
    if (block.length !== cipher.blockBytes) return undefined;
    const clear = cipher.decrypt(keys[algorithm], block);
    if (cipher.blockBytes === 16 && !clear.subarray(8).every((b) => b === 0xff)) return undefined;
    return readFormatZeroBlock(clear.subarray(0, 8), pinAccountDigits(accountNumber));
  };
}
