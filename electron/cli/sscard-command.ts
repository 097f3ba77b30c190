// Runs in Node (kioskctl). `kioskctl sscard …`: read a social security card on a serial
// CRT-310-style reader, or decode an APDU trace / raw serial capture into JSON.
//   sscard read --port PATH [--baud 9600] [--cm 0x51] [--wait-ms 30000] [--show-pii]
//   sscard decode FILE [--show-pii]
// Card data is PII: the social security number and the name are masked unless --show-pii is
// given. PIN material is never printed (the decoder shows only its length).
// Exit codes (as `kioskctl ledger`): 0 done; 1 the reader, the card or the file's content failed
// (a coded error on stderr); 2 usage error, or the file cannot be read.
import { readFileSync } from 'node:fs';
import { openSerialCardService } from '../../native/sscard/node/open-card-service';
import { gbkDecoder } from '../../native/sscard/node/gbk';
import { decodeApduTrace, decodeCrtCapture, looksLikeApduTrace } from '../../native/sscard/common/trace-decoder';
import type { SscardError } from '../../native/sscard/common/types';

export interface CommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const USAGE = [
  'usage: kioskctl sscard read --port PATH [--baud N] [--cm HEX] [--wait-ms N] [--show-pii]',
  '       kioskctl sscard decode FILE [--show-pii]',
  '  FILE: an APDU trace ("> 00A40400…" / "< 6F…9000" lines) or a raw capture of the reader line',
].join('\n');

interface ParsedArgs {
  readonly positional: string[];
  readonly flags: Map<string, string | true>;
}

function parseArgs(argv: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (inline !== undefined) flags.set(name, inline);
    else if (name === 'show-pii') flags.set(name, true);
    else if (i + 1 < argv.length) flags.set(name, argv[++i]!);
    else flags.set(name, true);
  }
  return { positional, flags };
}

const stringFlag = (args: ParsedArgs, name: string): string | undefined => {
  const value = args.flags.get(name);
  return typeof value === 'string' ? value : undefined;
};

function numberFlag(args: ParsedArgs, name: string): number | undefined | 'invalid' {
  const text = stringFlag(args, name);
  if (text === undefined) return args.flags.has(name) ? 'invalid' : undefined;
  const value = Number(text);
  return Number.isInteger(value) && value >= 0 ? value : 'invalid';
}

export function maskIdNumber(value: string): string {
  return value.length <= 8 ? '*'.repeat(value.length) : `${value.slice(0, 4)}${'*'.repeat(8)}${value.slice(-4)}`;
}

export function maskName(value: string): string {
  const chars = Array.from(value);
  return chars.length === 0 ? '' : chars[0] + '*'.repeat(Math.max(1, chars.length - 1));
}

const json = (value: unknown) => JSON.stringify(value, null, 2);
const errorLine = (error: Pick<SscardError, 'code'> & { detail?: string }) => json({ error: { code: error.code, ...(error.detail ? { detail: error.detail } : {}) } });

export async function runSscardCommand(argv: string[], io: CommandIo): Promise<number> {
  const args = parseArgs(argv);
  const [sub, ...rest] = args.positional;
  if (sub === 'read') return read(args, io);
  if (sub === 'decode' && rest.length === 1) return decode(rest[0]!, args.flags.has('show-pii'), io);
  io.stderr(USAGE);
  return 2;
}

async function read(args: ParsedArgs, io: CommandIo): Promise<number> {
  const port = stringFlag(args, 'port');
  const baud = numberFlag(args, 'baud');
  const waitMs = numberFlag(args, 'wait-ms');
  const cmText = stringFlag(args, 'cm');
  const cm = cmText === undefined ? undefined : Number.parseInt(cmText.replace(/^0x/i, ''), 16);
  if (!port || baud === 'invalid' || waitMs === 'invalid' || (cm !== undefined && !(cm >= 0 && cm <= 0xff))) {
    io.stderr(USAGE);
    return 2;
  }
  const service = openSerialCardService({
    path: port,
    ...(baud === undefined ? {} : { baudRate: baud }),
    ...(cm === undefined ? {} : { cpuCardCm: cm }),
    service: { reconnectInitialDelayMs: 60_000 },
  });
  try {
    const connected = await service.whenConnected();
    if (connected.state !== 'ready' && connected.state !== 'card_present') {
      io.stderr(errorLine(connected.lastError ?? { code: 'CARD_READER_UNPLUGGED' }));
      return 1;
    }
    if (connected.state === 'ready') io.stderr('waiting for a card…');
    const waited = await service.waitForCard({ signal: AbortSignal.timeout(waitMs ?? 30_000) });
    if (!waited.ok) {
      io.stderr(errorLine(waited.error.code === 'CARD_ABORTED' ? { code: 'CARD_ABSENT', detail: 'no card inserted in time' } : waited.error));
      return 1;
    }
    const card = await service.readCard();
    if (!card.ok) {
      io.stderr(errorLine(card.error));
      return 1;
    }
    const showPii = args.flags.has('show-pii');
    const value = card.value;
    io.stdout(
      json({
        ...value,
        socialSecurityNumber: showPii ? value.socialSecurityNumber : maskIdNumber(value.socialSecurityNumber),
        name: showPii ? value.name : maskName(value.name),
      }),
    );
    return 0;
  } finally {
    await service.close();
  }
}

async function decode(file: string, showPii: boolean, io: CommandIo): Promise<number> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (cause) {
    io.stderr(json({ error: { code: 'FILE_UNREADABLE', detail: String((cause as Error)?.message ?? cause) } }));
    return 2;
  }
  const decoded = looksLikeApduTrace(bytes) ? decodeApduTrace(Buffer.from(bytes).toString('latin1'), gbkDecoder) : decodeCrtCapture(bytes, gbkDecoder);
  const mask = (field: string | undefined, value: string | undefined): string | undefined => {
    if (value === undefined || showPii) return value;
    if (field === 'socialSecurityNumber') return maskIdNumber(value);
    if (field === 'name' || field === 'nameExtension') return maskName(value);
    return value;
  };
  const card = Object.fromEntries(Object.entries(decoded.card).map(([field, value]) => [field, mask(field, value)]));
  const exchanges = decoded.exchanges.map((exchange) => (exchange.value === undefined ? exchange : { ...exchange, value: mask(exchange.field, exchange.value) }));
  io.stdout(json({ format: decoded.format, exchanges, card, problems: decoded.problems }));
  return decoded.exchanges.length === 0 ? 1 : 0;
}
