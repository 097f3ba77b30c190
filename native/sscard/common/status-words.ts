// Runs anywhere (pure). Every status word of hardware-protocols.md §4.5 → a typed error. 61xx
// and 6Cxx normally never reach here (the ApduChannel resolves them); they appear only when
// resolving them failed.
import type { SscardError } from './types';
import { swHex } from './apdu';

export const SW_OK = 0x9000;

export function statusWordError(sw: number): SscardError {
  const hex = swHex(sw);
  const sw1 = sw >> 8;
  const sw2 = sw & 0xff;
  if (sw1 === 0x61) return { code: 'CARD_MORE_DATA', sw: hex, detail: `${sw2} bytes left unread` };
  if (sw1 === 0x6c) return { code: 'CARD_WRONG_LE', sw: hex, detail: `card wants Le=${sw2}` };
  // 63Cx: x tries left. 63C0 means none left; the next attempt answers 6983.
  if (sw1 === 0x63 && (sw2 & 0xf0) === 0xc0) return { code: 'CARD_WRONG_PIN', sw: hex, triesLeft: sw2 & 0x0f };
  switch (sw) {
    case 0x6281:
      return { code: 'CARD_DATA_CORRUPT', sw: hex };
    case 0x6282:
      return { code: 'CARD_END_OF_FILE', sw: hex };
    case 0x6581:
      return { code: 'CARD_MEMORY_FAILURE', sw: hex };
    case 0x6700:
      return { code: 'CARD_WRONG_LENGTH', sw: hex };
    case 0x6982:
      return { code: 'CARD_PIN_REQUIRED', sw: hex, detail: 'security status not satisfied: verify the PIN first' };
    case 0x6983:
      return { code: 'CARD_PIN_BLOCKED', sw: hex };
    case 0x6984:
      return { code: 'CARD_DATA_INVALID', sw: hex };
    case 0x6985:
      return { code: 'CARD_CONDITIONS_NOT_SATISFIED', sw: hex };
    case 0x6a81:
      return { code: 'CARD_FUNCTION_NOT_SUPPORTED', sw: hex };
    case 0x6a82:
      return { code: 'CARD_FILE_NOT_FOUND', sw: hex };
    case 0x6a83:
      return { code: 'CARD_RECORD_NOT_FOUND', sw: hex };
    case 0x6a86:
      return { code: 'CARD_WRONG_P1P2', sw: hex };
    case 0x6d00:
      return { code: 'CARD_INS_NOT_SUPPORTED', sw: hex };
    case 0x6e00:
      return { code: 'CARD_CLA_NOT_SUPPORTED', sw: hex };
    default:
      return { code: 'CARD_STATUS_UNKNOWN', sw: hex };
  }
}
