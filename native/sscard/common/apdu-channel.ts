// Runs anywhere (pure). ISO 7816 exchange rules on top of a CardReader:
// - 61xx: the card holds xx more bytes (00 = 256): GET RESPONSE `00 C0 00 00 xx`, repeated while
//   the card keeps answering 61xx (chaining), data concatenated;
// - 6Cxx: wrong Le: the same command again with Le = xx (once — a second 6Cxx is a card fault).
// T=0 cards answer case-4 commands with 61xx; some T=1 cards do too, so both are handled on both.
import { err, ok, type Result } from '../../common/result';
import type { CardReader, SscardError } from './types';
import { encodeApdu, parseResponseApdu, type CommandApdu, type ResponseApdu } from './apdu';

/** Chained GET RESPONSEs beyond this mean a looping card. */
const MAX_GET_RESPONSES = 32;

export class ApduChannel {
  constructor(
    private readonly reader: CardReader,
    readonly protocol: 0 | 1,
  ) {}

  async send(command: CommandApdu): Promise<Result<ResponseApdu, SscardError>> {
    let response = await this.once(command);
    if (!response.ok) return response;
    if (response.value.sw1 === 0x6c) {
      response = await this.once({ ...command, le: response.value.sw2 === 0 ? 256 : response.value.sw2 });
      if (!response.ok) return response;
    }
    const chunks: Uint8Array[] = [response.value.data];
    let current = response.value;
    for (let i = 0; current.sw1 === 0x61; i++) {
      if (i >= MAX_GET_RESPONSES) return err({ code: 'CARD_MORE_DATA', detail: 'GET RESPONSE chain too long' });
      const next = await this.once({ cla: 0x00, ins: 0xc0, p1: 0, p2: 0, le: current.sw2 === 0 ? 256 : current.sw2 });
      if (!next.ok) return next;
      current = next.value;
      chunks.push(current.data);
    }
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const data = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      data.set(chunk, at);
      at += chunk.length;
    }
    return ok({ data, sw1: current.sw1, sw2: current.sw2, sw: current.sw });
  }

  private async once(command: CommandApdu): Promise<Result<ResponseApdu, SscardError>> {
    const raw = await this.reader.transmit(encodeApdu(command), this.protocol);
    if (!raw.ok) return raw;
    const response = parseResponseApdu(raw.value);
    if (!response) return err({ code: 'CARD_COMMUNICATION_ERROR', detail: 'R-APDU without status word' });
    return ok(response);
  }
}
