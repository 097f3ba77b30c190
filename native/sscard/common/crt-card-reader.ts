// Runs anywhere (pure). The CardReader seam implemented over the CRT-310 link. The reader
// forwards APDUs as they are (PM 33 for T=0, 34 for T=1); 61xx/6Cxx are the ApduChannel's job.
//
// A card pulled mid-APDU shows up as a reader error ('63'/'64': transmission error or timeout)
// or, on some firmware, as a plain reply timeout; either way the presence is asked once more so
// the flow gets CARD_REMOVED rather than a transport-sounding error.
import { err, ok, type Result } from '../../common/result';
import type { AnswerToReset, CardPresence, CardReader, SscardError } from './types';
import { CARD_STATUS_ABSENT, CARD_STATUS_POWERED, CRT_PM } from './crt-frame';
import type { CrtLink } from './crt-link';
import { parseAtr } from './atr';

/**
 * VERIFY, CHANGE REFERENCE DATA, PBOC CHANGE PIN, RESET RETRY COUNTER: executing one twice can
 * cost a PIN try or change a PIN twice, so they are never resent on a missing ACK.
 */
const PIN_INSTRUCTIONS: ReadonlySet<number> = new Set([0x20, 0x24, 0x5e, 0x2c]);

export interface CrtCardReaderOptions {
  /**
   * The command that moves the card out to the mouth on a motorised reader, sent after power
   * down. Unconfirmed per model (CRT-310: CM 32 'move card', PM 30 'to front' in some manuals);
   * undefined: eject only powers the card down.
   */
  readonly ejectCommand?: { readonly cm: number; readonly pm: number };
  /** Card processing can be slow (PIN change writes EEPROM): reply timeout for APDUs. */
  readonly apduTimeoutMs?: number;
}

export class CrtCardReader implements CardReader {
  readonly name = 'crt-310-serial';

  constructor(
    private readonly link: CrtLink,
    private readonly options: CrtCardReaderOptions = {},
  ) {}

  async presence(): Promise<Result<CardPresence, SscardError>> {
    const reply = await this.link.exchange(CRT_PM.status);
    if (!reply.ok) return reply.error.code === 'CARD_ABSENT' ? ok('absent') : reply;
    const byte = reply.value.data[0];
    if (byte === undefined) return err({ code: 'CARD_READER_PROTOCOL', detail: 'empty status reply' });
    if (byte === CARD_STATUS_ABSENT) return ok('absent');
    return ok(byte === CARD_STATUS_POWERED ? 'powered' : 'present');
  }

  async powerOn(kind: 'cold' | 'warm'): Promise<Result<AnswerToReset, SscardError>> {
    const reply = await this.link.exchange(kind === 'cold' ? CRT_PM.coldReset : CRT_PM.warmReset);
    if (!reply.ok) return reply;
    return parseAtr(reply.value.data);
  }

  async powerOff(): Promise<Result<void, SscardError>> {
    const reply = await this.link.exchange(CRT_PM.powerDown);
    if (!reply.ok) return reply.error.code === 'CARD_ABSENT' ? ok(undefined) : reply;
    return ok(undefined);
  }

  async transmit(apdu: Uint8Array, protocol: 0 | 1): Promise<Result<Uint8Array, SscardError>> {
    const reply = await this.link.exchange(protocol === 1 ? CRT_PM.apduT1 : CRT_PM.apduT0, apdu, {
      ...(this.options.apduTimeoutMs === undefined ? {} : { replyTimeoutMs: this.options.apduTimeoutMs }),
      repeatable: !PIN_INSTRUCTIONS.has(apdu[1] ?? 0),
    });
    if (reply.ok) {
      if (reply.value.data.length < 2) return err({ code: 'CARD_COMMUNICATION_ERROR', detail: `R-APDU of ${reply.value.data.length} bytes` });
      return ok(reply.value.data);
    }
    const code = reply.error.code;
    if (code === 'CARD_COMMUNICATION_ERROR' || code === 'CARD_ABSENT' || code === 'CARD_READER_TIMEOUT') {
      const presence = await this.presence();
      if (presence.ok && presence.value === 'absent') return err({ code: 'CARD_REMOVED', detail: 'card left the reader during an APDU' });
    }
    return reply;
  }

  async eject(): Promise<Result<void, SscardError>> {
    const off = await this.powerOff();
    if (!off.ok) return off;
    const command = this.options.ejectCommand;
    if (!command) return ok(undefined);
    const moved = await this.link.exchange(command.pm, undefined, { cm: command.cm });
    return moved.ok ? ok(undefined) : moved;
  }

  dispose(): void {
    this.link.dispose();
  }
}
