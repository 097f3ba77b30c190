// Runs in Node (technicians' CLI). `kioskctl idcard decode|read|simulate`.
//
// decode prints one JSON line per frame found in a raw capture, in stream order:
// - response frames: {"direction":"response","frame":NAME,"status":"SAM_STATUS_xx",…}; a text
//   read adds the card fields (the technician asked for them: this is the one place card data is
//   printed) and photoBytes/fingerprintBytes;
// - command frames are reported too ({"direction":"command","frame":NAME}) because a capture of
//   both directions is easier to follow with them; the last command names the next response;
//   without one, the response kind is inferred from its data length;
// - {"notice":"ID_FRAME_GARBAGE","skippedBytes":N} for bytes between frames (not a failure);
// - {"error":CODE,…} for a frame that could not be decoded (checksum, length, truncated,
//   malformed card text). Any error line makes the exit code 1. A reader status such as
//   SAM_STATUS_41 is a decoded frame, not a failure.
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import type { IdCardText } from '../../native/idcard/common/types';
import {
  SW3_CARD_FOUND,
  SW3_NO_CARD,
  commandName,
  isResponseFrame,
  readCommand,
  readResponse,
  splitCardReadData,
  type SamCommandName,
  type SamResponse,
} from '../../native/idcard/common/sam-frame';
import { SamFramer, type FramerEvent } from '../../native/idcard/common/sam-framer';
import { hexByte, samStatusCode } from '../../native/idcard/common/sam-status';
import { formatSamId, parseAppendedAddresses, parseCardText, APPENDED_ADDRESS_ENTRY_BYTES } from '../../native/idcard/common/card-text';
import { startReaderService } from '../../native/idcard/common/reader-service';
import { serialTransportOpener } from '../../native/idcard/node/serial-transport';
import { systemClock } from '../../native/node/system-clock';

export interface CommandOutput {
  out(line: string): void;
  err(line: string): void;
}

export const processOutput: CommandOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

const USAGE = `usage:
  kioskctl idcard decode FILE
  kioskctl idcard read --port PATH [--baud N] [--timeout SECONDS] [--fingerprint]
  kioskctl idcard simulate --link PATH [--card KEY]`;

type Json = Record<string, unknown>;

export function cardJson(text: IdCardText, photoBytes: number, fingerprintBytes: number): Json {
  return { ...text, photoBytes, fingerprintBytes };
}

function inferResponseKind(response: SamResponse): SamCommandName | 'unknown' {
  const length = response.data.length;
  if (length >= 4 && response.data[0] === 0x01 && response.data[1] === 0x00) {
    return length === 4 + 256 + 1024 ? 'read_text_photo' : 'read_text_photo_fingerprint';
  }
  if (length === 4 && (response.sw3 === SW3_CARD_FOUND || response.sw3 === SW3_NO_CARD)) return 'find_card';
  if (length === 8) return 'select_card';
  if (length === 16) return 'read_sam_id';
  if (length === 28) return 'read_management_number';
  if (length > 0 && length % APPENDED_ADDRESS_ENTRY_BYTES === 0 && length <= 4 * APPENDED_ADDRESS_ENTRY_BYTES) return 'read_appended_address';
  return 'unknown';
}

function describeResponse(kind: SamCommandName | 'unknown', response: SamResponse, offset: number): Json {
  const base: Json = { direction: 'response', frame: kind, status: samStatusCode(response.sw3), offset };
  if (response.sw3 !== 0x90) return base;
  switch (kind) {
    case 'read_text_photo':
    case 'read_text_photo_fingerprint': {
      const parts = splitCardReadData(response.data, kind === 'read_text_photo_fingerprint');
      if (!parts.ok) return { error: parts.error.code, detail: parts.error.detail, frame: kind, offset };
      const text = parseCardText(parts.value.text);
      if (!text.ok) return { error: text.error.code, detail: text.error.detail, frame: kind, offset };
      return { ...base, ...cardJson(text.value, parts.value.photo.length, parts.value.fingerprintBytes) };
    }
    case 'read_sam_id': {
      const samId = formatSamId(response.data);
      return samId.ok ? { ...base, samId: samId.value } : { error: samId.error.code, detail: samId.error.detail, frame: kind, offset };
    }
    case 'read_appended_address': {
      const addresses = parseAppendedAddresses(response.data);
      return addresses.ok ? { ...base, appendedAddresses: addresses.value } : { error: addresses.error.code, detail: addresses.error.detail, frame: kind, offset };
    }
    default:
      return { ...base, dataBytes: response.data.length };
  }
}

/** Decodes a raw capture; returns the JSON objects to print and whether any frame failed. */
export function decodeCapture(bytes: Uint8Array): { readonly lines: Json[]; readonly failed: boolean } {
  const framer = new SamFramer();
  const events: FramerEvent[] = [...framer.push(bytes), ...framer.flush()];
  const lines: Json[] = [];
  let lastCommand: SamCommandName | undefined;
  for (const event of events) {
    if (event.kind === 'error') {
      if (event.error.code === 'ID_FRAME_GARBAGE') lines.push({ notice: event.error.code, skippedBytes: event.skippedBytes, offset: event.offset });
      else lines.push({ error: event.error.code, detail: event.error.detail, offset: event.offset });
      continue;
    }
    if (!isResponseFrame(event.frame)) {
      const command = readCommand(event.frame);
      if (!command.ok) {
        lines.push({ error: command.error.code, detail: command.error.detail, offset: event.offset });
        continue;
      }
      const name = commandName(command.value.cmd, command.value.para);
      lastCommand = name;
      lines.push({ direction: 'command', frame: name ?? 'unknown', cmd: hexByte(command.value.cmd), para: hexByte(command.value.para), offset: event.offset });
      continue;
    }
    const response = readResponse(event.frame);
    if (!response.ok) {
      lines.push({ error: response.error.code, detail: response.error.detail, offset: event.offset });
      continue;
    }
    const kind = lastCommand ?? inferResponseKind(response.value);
    lastCommand = undefined;
    lines.push(describeResponse(kind, response.value, event.offset));
  }
  return { lines, failed: lines.some((line) => 'error' in line) };
}

async function decodeCommand(args: string[], io: CommandOutput): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const file = positionals[0];
  if (!file) {
    io.err(USAGE);
    return 2;
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    io.out(JSON.stringify({ error: 'CAPTURE_UNREADABLE', detail: error instanceof Error ? error.message : String(error) }));
    return 1;
  }
  const { lines, failed } = decodeCapture(bytes);
  for (const line of lines) io.out(JSON.stringify(line));
  return failed ? 1 : 0;
}

async function readCommandLine(args: string[], io: CommandOutput): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string' }, baud: { type: 'string' }, timeout: { type: 'string' }, fingerprint: { type: 'boolean' } },
  });
  if (!values.port) {
    io.err(USAGE);
    return 2;
  }
  const timeoutMs = Number(values.timeout ?? 30) * 1000;
  const service = startReaderService({
    open: serialTransportOpener({ path: values.port, baudRate: Number(values.baud ?? 115200) }),
    clock: systemClock,
    reconnectInitialDelayMs: 500,
  });
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  // A one-shot read should not wait for a port that is not there.
  const offStatus = service.onStatus((status) => {
    if (status.state === 'unplugged' || status.state === 'fault') abort.abort();
  });
  try {
    const result = await service.readCard({ signal: abort.signal, withFingerprint: values.fingerprint ?? false });
    if (!result.ok) {
      const error = result.error.code === 'ID_READ_ABORTED' ? (service.status().lastError ?? { code: 'ID_READER_TIMEOUT', detail: 'no card within the timeout' }) : result.error;
      io.out(JSON.stringify({ error: error.code, detail: error.detail }));
      return 1;
    }
    const read = result.value;
    io.out(JSON.stringify({ frame: 'read_card', samId: service.status().samId, ...cardJson(read.text, read.photo.length, read.fingerprintBytes), appendedAddresses: read.appendedAddresses }));
    return 0;
  } finally {
    clearTimeout(timer);
    offStatus();
    await service.close();
  }
}

async function simulateCommand(args: string[], io: CommandOutput): Promise<number> {
  const { values } = parseArgs({ args, options: { link: { type: 'string' }, card: { type: 'string' } } });
  if (!values.link) {
    io.err(USAGE);
    return 2;
  }
  const { startSimulatedReader } = await import('../../native/idcard/simulator/simulator-rig');
  const reader = await startSimulatedReader({
    pty: { dir: dirname(values.link), hostName: basename(values.link), deviceName: `${basename(values.link)}.simulator` },
    ...(values.card ? { card: values.card } : {}),
  });
  io.err(`simulated reader on ${reader.hostPath}${values.card ? ` with card ${values.card}` : ''}; commands: place KEY | remove | quit`);
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    lines.on('close', stop);
    lines.on('line', (line) => {
      const [verb, key] = line.trim().split(/\s+/);
      try {
        if (verb === 'place' && key) reader.simulator.placeCard(key);
        else if (verb === 'remove') reader.simulator.removeCard();
        else if (verb === 'quit') return stop();
        else return io.err('commands: place KEY | remove | quit');
        io.err(`ok: card ${reader.simulator.cardKey ?? 'none'}`);
      } catch (error) {
        io.err(error instanceof Error ? error.message : String(error));
      }
    });
  });
  lines.close();
  await reader.close();
  return 0;
}

export async function runIdcardCommand(args: string[], io: CommandOutput = processOutput): Promise<number> {
  const [sub, ...rest] = args;
  try {
    if (sub === 'decode') return await decodeCommand(rest, io);
    if (sub === 'read') return await readCommandLine(rest, io);
    if (sub === 'simulate') return await simulateCommand(rest, io);
  } catch (error) {
    io.err(error instanceof Error ? error.message : String(error));
    return 2;
  }
  io.err(USAGE);
  return 2;
}
