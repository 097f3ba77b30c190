// Bench: read EF05+EF06 (power on, SELECT, 11 READ RECORDs; T=0 adds GET RESPONSE) through a
// socat pty at 9600 and 115200 baud, median of 50, beside the wire time of the same bytes
// (10 bits per byte, half duplex: every frame and handshake byte, both ways).
//
// The simulated reader runs in a child process, as a real reader is a device of its own: in one
// process the simulator's serialport reads would share the driver's event loop and be counted
// as driver overhead. A pty does not pace bytes at the configured rate, so the measured time is
// the driver + pty overhead; on a real line the wire time adds to it.
import { fork } from 'node:child_process';
import { createPtyPair, socatAvailable } from '../../native/idcard/simulator/pty-pair';
import { openSerialTransport } from '../../native/idcard/node/serial-transport';
import { CrtReaderSimulator } from '../../native/sscard/simulator/crt-reader-simulator';
import { openSerialCardService } from '../../native/sscard/node/open-card-service';
import { CardService, crtReaderOpener } from '../../native/sscard/common/card-service';
import { gbkDecoder } from '../../native/sscard/node/gbk';
import { systemClock } from '../../native/node/system-clock';
import type { ByteTransport, TransportCloseReason } from '../../native/common/transport';

const RUNS = 50;
const WARM_UP = 5;

async function runSimulator(devicePath: string, baudRate: number, card: string): Promise<void> {
  const transport = await openSerialTransport({ path: devicePath, baudRate, presenceCheckMs: 0 });
  const simulator = new CrtReaderSimulator();
  simulator.attach(transport);
  simulator.insertCard(card);
  process.send?.('ready');
  process.on('message', () => void transport.close().then(() => process.exit(0)));
}

async function bench(baudRate: number, card: string, sameProcess: boolean): Promise<string> {
  const pty = await createPtyPair();
  let stop: () => Promise<void>;
  if (sameProcess) {
    const transport = await openSerialTransport({ path: pty.devicePath, baudRate, presenceCheckMs: 0 });
    const simulator = new CrtReaderSimulator();
    simulator.attach(transport);
    simulator.insertCard(card);
    stop = () => transport.close();
  } else {
    const child = fork(__filename, ['--simulator', pty.devicePath, String(baudRate), card], { stdio: 'inherit' });
    await new Promise<void>((resolve) => child.once('message', () => resolve()));
    stop = () => new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.send('stop');
    });
  }
  let bytes = 0;
  const service = openSerialCardService({
    path: pty.hostPath,
    baudRate,
    link: { onEvent: (event) => void (event.kind === 'exchange' && (bytes += event.commandBytes + event.replyBytes + 3)) },
  });
  await service.whenConnected();
  const times: number[] = [];
  let bytesPerRead = 0;
  for (let i = 0; i < RUNS + WARM_UP; i++) {
    bytes = 0;
    const started = process.hrtime.bigint();
    const read = await service.readCard();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (!read.ok) throw new Error(read.error.code);
    if (i >= WARM_UP) times.push(ms);
    bytesPerRead = bytes;
  }
  await service.close();
  await stop();
  await pty.close();
  times.sort((a, b) => a - b);
  const median = (times[RUNS / 2 - 1]! + times[RUNS / 2]!) / 2;
  const wireMs = (bytesPerRead * 10 * 1000) / baudRate;
  return [
    card.padEnd(8),
    `${String(baudRate).padStart(6)} baud`,
    sameProcess ? 'sim in-process ' : 'sim own process',
    `${bytesPerRead} bytes`,
    `wire ${wireMs.toFixed(1).padStart(6)} ms`,
    `measured median ${median.toFixed(2).padStart(6)} ms (p10 ${times[4]!.toFixed(2)}, p90 ${times[44]!.toFixed(2)})`,
    `= overhead above wire`,
  ].join('  ');
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[Math.floor((sorted.length - 1) / 2)]! + sorted[Math.ceil((sorted.length - 1) / 2)]!) / 2;
};

/** One byte there and back through the pty with serialport on both ends: the floor per handshake step. */
async function ptyRoundTrip(): Promise<number> {
  const pty = await createPtyPair();
  const a = await openSerialTransport({ path: pty.hostPath, presenceCheckMs: 0 });
  const b = await openSerialTransport({ path: pty.devicePath, presenceCheckMs: 0 });
  b.onData((chunk) => void b.write(chunk));
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const started = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      const off = a.onData(() => {
        off();
        resolve();
      });
      void a.write(Uint8Array.of(0x05));
    });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  await a.close();
  await b.close();
  await pty.close();
  return median(times);
}

/** The same read over an in-memory wire: the driver's (and simulator's) own code, no pty. */
async function inMemory(card: string): Promise<number> {
  const ends: { data: Set<(c: Uint8Array) => void>; peer?: { data: Set<(c: Uint8Array) => void> } }[] = [{ data: new Set() }, { data: new Set() }];
  ends[0]!.peer = ends[1];
  ends[1]!.peer = ends[0];
  const transport = (end: (typeof ends)[number]): ByteTransport => ({
    isOpen: true,
    write: (bytes) => {
      const copy = bytes.slice();
      queueMicrotask(() => end.peer!.data.forEach((listener) => listener(copy)));
      return Promise.resolve();
    },
    onData: (listener) => (end.data.add(listener), () => end.data.delete(listener)),
    onClose: (_listener: (reason: TransportCloseReason) => void) => () => {},
    close: () => Promise.resolve(),
  });
  const simulator = new CrtReaderSimulator();
  simulator.attach(transport(ends[1]!));
  simulator.insertCard(card);
  const service = new CardService({ openReader: crtReaderOpener({ open: async () => transport(ends[0]!), clock: systemClock }), clock: systemClock, gbk: gbkDecoder }).start();
  await service.whenConnected();
  const times: number[] = [];
  for (let i = 0; i < RUNS + WARM_UP; i++) {
    const started = process.hrtime.bigint();
    await service.readCard();
    if (i >= WARM_UP) times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  await service.close();
  return median(times);
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--simulator');
  if (at >= 0) return runSimulator(process.argv[at + 1]!, Number(process.argv[at + 2]), process.argv[at + 3]!);
  if (!socatAvailable()) {
    console.log('socat not found: nothing to measure');
    return;
  }
  for (const baud of [9600, 115200]) {
    for (const card of ['gen2-t0', 'gen2-t1']) {
      console.log(await bench(baud, card, false));
      console.log(await bench(baud, card, true));
    }
  }
  const rtt = await ptyRoundTrip();
  console.log(`pty round trip (1 byte, serialport both ends): median ${rtt.toFixed(3)} ms; a read makes 2 per exchange (command→ACK, ENQ→reply)`);
  for (const card of ['gen2-t0', 'gen2-t1']) console.log(`${card} read over an in-memory wire (driver + simulator code only): median ${(await inMemory(card)).toFixed(2)} ms`);
}

void main();
