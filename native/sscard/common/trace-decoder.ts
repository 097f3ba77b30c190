// Runs anywhere (pure). Decodes what a technician captured into exchanges and card fields:
// (a) an APDU trace, one line per APDU — `> 00A4040…` for a command, `< 6F…9000` for the reply
//     (hex, spaces allowed, '#' starts a comment);
// (b) a raw byte capture of the CRT-310 serial line, both directions in one stream. Commands and
//     replies look alike on this wire; a frame that follows an ENQ is the reader's reply, any other
//     frame is a command ('N' frames are always replies).
// 61xx/GET RESPONSE chains are joined onto the command they belong to; READ RECORDs are decoded
// by tag. PIN material (VERIFY, CHANGE PIN data) is never shown: only its length.
import { StxEtxFramer } from '../../common/stx-etx-framer';
import { CRT_CONTROL_BYTES, CRT_PM, ENQ, NEGATIVE, negativeReplyError, operationName } from './crt-frame';
import { decodeApdu, fromHex, parseResponseApdu, swHex, toHex, type CommandApdu } from './apdu';
import { FIELDS, decodeFieldForDisplay, parseTaggedRecord, type FieldSpec } from './card-fields';
import { statusWordError } from './status-words';
import { parseAtr } from './atr';
import type { GbkDecoder } from './types';

export interface DecodedExchange {
  readonly command: string;
  readonly apdu: string;
  readonly sw?: string;
  readonly outcome: string;
  readonly field?: string;
  readonly value?: string;
  readonly note?: string;
}

export interface DecodedTrace {
  readonly format: 'apdu-trace' | 'crt-capture';
  readonly exchanges: DecodedExchange[];
  /** Field name → decoded value, for every field read successfully. */
  readonly card: Record<string, string>;
  readonly problems: string[];
}

interface RawExchange {
  readonly command: Uint8Array;
  readonly response?: Uint8Array;
}

/** An APDU exchange, or a reader-level event already decoded (reset, power down, 'N'). */
type TraceItem = RawExchange | { readonly note: DecodedExchange };

/** True when the bytes read as an APDU trace (text lines of '>'/'<' and hex). */
export function looksLikeApduTrace(bytes: Uint8Array): boolean {
  const text = String.fromCharCode(...bytes.subarray(0, 4096));
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return lines.length > 0 && lines.every((l) => /^[<>]\s*[0-9A-Fa-f\s]*$/.test(l) || l.length > 200);
}

export function decodeApduTrace(text: string, gbk: GbkDecoder): DecodedTrace {
  const problems: string[] = [];
  const raw: TraceItem[] = [];
  let lineNumber = 0;
  for (const line of text.split(/\r?\n/)) {
    lineNumber++;
    const trimmed = line.replace(/#.*$/, '').trim();
    if (!trimmed) continue;
    const direction = trimmed[0];
    const bytes = fromHex(trimmed.slice(1));
    if ((direction !== '>' && direction !== '<') || !bytes) {
      problems.push(`line ${lineNumber}: not a '>' or '<' line of hex`);
      continue;
    }
    if (direction === '>') raw.push({ command: bytes });
    else {
      const last = raw.at(-1);
      if (!last || 'note' in last || last.response) problems.push(`line ${lineNumber}: reply without a command`);
      else raw[raw.length - 1] = { ...last, response: bytes };
    }
  }
  return { format: 'apdu-trace', ...interpret(raw, gbk, problems), problems };
}

export function decodeCrtCapture(bytes: Uint8Array, gbk: GbkDecoder): DecodedTrace {
  const problems: string[] = [];
  const framer = new StxEtxFramer({ controlBytes: CRT_CONTROL_BYTES, maxPayload: 0x0200 });
  const events = [...framer.push(bytes), ...framer.flush()];
  const raw: TraceItem[] = [];
  let afterEnq = false;
  let pendingCommand: { pm: number; data: Uint8Array } | undefined;
  for (const event of events) {
    if (event.kind === 'control') {
      if (event.byte === ENQ) afterEnq = true;
      continue;
    }
    if (event.kind === 'error') {
      if (event.code !== 'FRAME_GARBAGE') problems.push(`offset ${event.offset}: ${event.code} ${event.detail}`);
      continue;
    }
    const payload = event.payload;
    const isReply = afterEnq || payload[0] === NEGATIVE;
    afterEnq = false;
    if (!isReply) {
      if (payload.length < 2) continue;
      pendingCommand = { pm: payload[1]!, data: payload.slice(2) };
      continue;
    }
    const command = pendingCommand;
    pendingCommand = undefined;
    if (!command) {
      problems.push(`offset ${event.offset}: reply without a command`);
      continue;
    }
    const operation = operationName(command.pm) ?? `pm_${command.pm.toString(16)}`;
    if (payload[0] === NEGATIVE) {
      const code = String.fromCharCode(...payload.subarray(1));
      raw.push({ note: { command: operation, apdu: '', outcome: negativeReplyError(code).code, note: `reader error ${code}` } });
      continue;
    }
    const data = payload.slice(2);
    if (command.pm === CRT_PM.apduT0 || command.pm === CRT_PM.apduT1 || command.pm === CRT_PM.apduAuto) {
      raw.push({ command: command.data, response: data });
    } else if (command.pm === CRT_PM.coldReset || command.pm === CRT_PM.warmReset) {
      const atr = parseAtr(data);
      raw.push({ note: { command: operation, apdu: '', outcome: atr.ok ? 'ok' : atr.error.code, note: atr.ok ? `ATR ${toHex(data)}, T=${atr.value.protocols.join('/')}` : `ATR ${toHex(data)}` } });
    } else if (command.pm !== CRT_PM.status) {
      // Presence polls would drown the dialogue; power down and the rest are shown.
      raw.push({ note: { command: operation, apdu: '', outcome: 'ok', ...(data.length ? { note: `data ${toHex(data)}` } : {}) } });
    }
  }
  const decoded = interpret(raw, gbk, problems);
  return { format: 'crt-capture', exchanges: decoded.exchanges, card: decoded.card, problems };
}

function commandName(apdu: CommandApdu): string {
  if (apdu.ins === 0xa4) return apdu.p1 === 0x04 ? 'SELECT_AID' : 'SELECT_FILE';
  if (apdu.ins === 0xb2) return 'READ_RECORD';
  if (apdu.ins === 0xc0) return 'GET_RESPONSE';
  if (apdu.ins === 0x20) return 'VERIFY';
  if (apdu.ins === 0x5e && apdu.cla === 0x80) return 'CHANGE_PIN';
  return `INS_${apdu.ins.toString(16).padStart(2, '0').toUpperCase()}`;
}

function redactedApdu(bytes: Uint8Array, apdu: CommandApdu): string {
  if ((apdu.ins === 0x20 || apdu.ins === 0x5e) && apdu.data) return `${toHex(bytes.subarray(0, 5))} <${apdu.data.length} bytes of PIN material not shown>`;
  return toHex(bytes);
}

function fieldFor(apdu: CommandApdu): FieldSpec | undefined {
  const sfi = apdu.p2 >> 3;
  const mode = apdu.p2 & 0x07;
  if (mode === 0) return FIELDS.find((f) => f.sfi === sfi && f.tag === apdu.p1);
  if (mode === 4) return FIELDS.filter((f) => f.sfi === sfi)[apdu.p1 - 1];
  return undefined;
}

function interpret(raw: TraceItem[], gbk: GbkDecoder, problems: string[]): { exchanges: DecodedExchange[]; card: Record<string, string> } {
  const exchanges: DecodedExchange[] = [];
  const card: Record<string, string> = {};
  for (let i = 0; i < raw.length; i++) {
    const item = raw[i]!;
    if ('note' in item) {
      exchanges.push(item.note);
      continue;
    }
    const { command, response } = item;
    const apdu = decodeApdu(command);
    if (!apdu) {
      problems.push(`exchange ${i + 1}: not an APDU`);
      continue;
    }
    const name = commandName(apdu);
    const shown = redactedApdu(command, apdu);
    if (!response) {
      exchanges.push({ command: name, apdu: shown, outcome: 'NO_REPLY' });
      continue;
    }
    let reply = parseResponseApdu(response);
    if (!reply) {
      exchanges.push({ command: name, apdu: shown, outcome: 'CARD_COMMUNICATION_ERROR' });
      continue;
    }
    // Join the GET RESPONSE chain that follows a 61xx onto this command.
    let data = reply.data;
    while (reply.sw1 === 0x61 && i + 1 < raw.length) {
      const next = raw[i + 1]!;
      if ('note' in next) break;
      const nextApdu = decodeApdu(next.command);
      const nextReply = next.response ? parseResponseApdu(next.response) : undefined;
      if (!nextApdu || nextApdu.ins !== 0xc0 || !nextReply) break;
      i++;
      data = Uint8Array.from([...data, ...nextReply.data]);
      reply = nextReply;
    }
    const sw = swHex(reply.sw);
    const outcome = reply.sw === 0x9000 || (reply.sw === 0x6282 && data.length > 0) ? 'ok' : statusWordError(reply.sw).code;
    const entry: { -readonly [K in keyof DecodedExchange]: DecodedExchange[K] } = { command: name, apdu: shown, sw, outcome };
    if (name === 'READ_RECORD' && outcome === 'ok') {
      const spec = fieldFor(apdu);
      if (spec) {
        const value = parseTaggedRecord(data, spec);
        entry.field = spec.name;
        if (value.ok) {
          entry.value = decodeFieldForDisplay(spec, value.value, gbk);
          card[spec.name] = entry.value;
        } else entry.note = value.error.detail ?? value.error.code;
      }
    }
    if (name === 'CHANGE_PIN' || name === 'VERIFY') delete entry.value;
    exchanges.push(entry);
  }
  return { exchanges, card };
}
