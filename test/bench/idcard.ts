// `npm run bench:idcard`: a full text+photo read through a socat pty at 115200 baud against the
// simulator (median of 50) beside the wire time of the same bytes, and framer throughput on a
// generated 10 MB capture. Prints figures; asserts nothing.
import { startSimulatedReader } from '../../native/idcard/simulator/simulator-rig';
import { openSerialTransport } from '../../native/idcard/node/serial-transport';
import { SamProtocolClient } from '../../native/idcard/common/protocol-client';
import { SamFramer } from '../../native/idcard/common/sam-framer';
import { encodeCardReadData, encodeNamedCommand, encodeResponse } from '../../native/idcard/common/sam-frame';
import { SYNTHETIC_CARDS, encodeCardText, syntheticPhoto } from '../../native/idcard/simulator/synthetic-cards';
import { systemClock } from '../../native/node/system-clock';

const BAUD = 115200;
const RUNS = 50;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function readBench(): Promise<void> {
  const reader = await startSimulatedReader({ card: 'resident', baudRate: BAUD });
  const transport = await openSerialTransport({ path: reader.hostPath, baudRate: BAUD });
  const client = new SamProtocolClient(transport, systemClock);
  const times: number[] = [];
  for (let i = 0; i < RUNS + 3; i++) {
    const started = performance.now();
    const result = await client.readCardData(false);
    const elapsed = performance.now() - started;
    if (!result.ok) throw new Error(`read failed: ${result.error.code}`);
    if (i >= 3) times.push(elapsed); // warm-up
  }
  const card = SYNTHETIC_CARDS.resident;
  const bytes = encodeNamedCommand('read_text_photo').length + encodeResponse(0x90, encodeCardReadData(encodeCardText(card.text), syntheticPhoto(card.key))).length;
  const wireMs = (bytes * 10 * 1000) / BAUD;
  const measured = median(times);
  console.log(`text+photo read (30 01) over pty, protocol client, median of ${RUNS}: ${measured.toFixed(2)} ms`);
  console.log(`  wire time at ${BAUD} baud for ${bytes} bytes (10 bits/byte, command + response): ${wireMs.toFixed(2)} ms`);
  // A pty moves bytes as fast as the kernel copies them; it does not pace them at the baud
  // rate. The measured time is therefore the overhead itself (driver, framer, simulator, pty).
  console.log(`  overhead (measured on an unpaced pty): ${measured.toFixed(2)} ms (goal ≤ 10 ms)`);
  console.log(`  projected on a real ${BAUD} baud line: wire + overhead = ${(wireMs + measured).toFixed(2)} ms`);
  client.dispose();
  await transport.close();
  await reader.close();
}

function framerBench(): void {
  const frames = [
    encodeResponse(0x90, encodeCardReadData(encodeCardText(SYNTHETIC_CARDS.resident.text), syntheticPhoto('resident'), new Uint8Array(1024))),
    encodeResponse(0x9f, new Uint8Array(4)),
    encodeNamedCommand('find_card'),
  ];
  const size = 10 * 1024 * 1024;
  const capture = new Uint8Array(size);
  let at = 0;
  let seed = 1;
  let expected = 0;
  while (at < size) {
    const garbage = seed++ % 7 === 0 ? 13 : 0;
    for (let i = 0; i < garbage && at < size; i++) capture[at++] = (i * 31) & 0x7f;
    const frame = frames[seed % frames.length]!;
    if (at + frame.length > size) break;
    capture.set(frame, at);
    at += frame.length;
    expected++;
  }
  const framer = new SamFramer();
  const started = performance.now();
  let found = 0;
  for (let offset = 0; offset < size; offset += 4096) {
    for (const event of framer.push(capture.subarray(offset, offset + 4096))) if (event.kind === 'frame') found++;
  }
  for (const event of framer.flush()) if (event.kind === 'frame') found++;
  const seconds = (performance.now() - started) / 1000;
  console.log(`framer: 10 MB capture in 4 KB chunks, ${found}/${expected} frames, ${(size / 1024 / 1024 / seconds).toFixed(1)} MB/s`);
}

void readBench()
  .then(framerBench)
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
