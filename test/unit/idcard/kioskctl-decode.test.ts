import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { decodeCapture, runIdcardCommand } from '../../../electron/cli/idcard-command';
import { encodeCardReadData, encodeNamedCommand, encodeResponse } from '../../../native/idcard/common/sam-frame';
import { SYNTHETIC_CARDS, encodeCardText, syntheticPhoto } from '../../../native/idcard/simulator/synthetic-cards';

const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const card = SYNTHETIC_CARDS['resident-long-term'];
const readReply = encodeResponse(0x90, encodeCardReadData(encodeCardText(card.text), syntheticPhoto(card.key)));
const fingerprintReply = encodeResponse(0x90, encodeCardReadData(encodeCardText(SYNTHETIC_CARDS.hkmt.text), syntheticPhoto('hkmt'), new Uint8Array(512)));

function capture(broken: boolean): Uint8Array {
  const bad = encodeResponse(0x90);
  bad[bad.length - 1] = bad[bad.length - 1]! ^ (0x01);
  return concat(
    Uint8Array.of(0x13, 0x37, 0x00),
    encodeNamedCommand('find_card'),
    encodeResponse(0x9f, new Uint8Array(4)),
    Uint8Array.of(0x55, 0x55),
    readReply,
    fingerprintReply,
    ...(broken ? [bad] : []),
  );
}

async function run(file: string) {
  const out: string[] = [];
  const code = await runIdcardCommand(['decode', file], { out: (l) => out.push(l), err: () => {} });
  return { code, lines: out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('kioskctl idcard decode', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kioskctl-'));
  });

  it('prints one JSON object per frame, card fields for a read, exit 0', async () => {
    const file = join(dir, 'good.bin');
    writeFileSync(file, capture(false));
    const { code, lines } = await run(file);
    expect(code).toBe(0);
    const frames = lines.filter((l) => 'frame' in l);
    expect(frames.map((l) => [l.direction, l.frame, l.status])).toEqual([
      ['command', 'find_card', undefined],
      ['response', 'find_card', 'SAM_STATUS_9F'],
      ['response', 'read_text_photo', 'SAM_STATUS_90'],
      ['response', 'read_text_photo_fingerprint', 'SAM_STATUS_90'],
    ]);
    expect(frames[2]).toMatchObject({
      cardType: 'resident', name: '示例乙', gender: 'female', birthDate: '1950-06-15', idNumber: '010101195006150023',
      idNumberValid: true, validFrom: '2010-03-01', validUntil: 'long-term', photoBytes: 1024, fingerprintBytes: 0,
    });
    expect(frames[3]).toMatchObject({ cardType: 'hkmt', passNumber: 'H99999999', fingerprintBytes: 512 });
    expect(lines.filter((l) => l.notice === 'ID_FRAME_GARBAGE').map((l) => l.skippedBytes)).toEqual([3, 2]);
  });

  it('reports a damaged frame as an error line and exits 1', async () => {
    const file = join(dir, 'bad.bin');
    writeFileSync(file, capture(true));
    const { code, lines } = await run(file);
    expect(code).toBe(1);
    expect(lines.filter((l) => 'error' in l)).toEqual([expect.objectContaining({ error: 'ID_FRAME_CHECKSUM' })]);
    expect(lines.filter((l) => 'cardType' in l)).toHaveLength(2);
  });

  it('reports malformed card text with a stable code', () => {
    const text = encodeCardText(card.text);
    text[37] = 0xd8; // birth date: lone surrogate
    const { lines, failed } = decodeCapture(encodeResponse(0x90, encodeCardReadData(text, new Uint8Array(1024))));
    expect(failed).toBe(true);
    expect(lines[0]).toMatchObject({ error: 'ID_CARD_TEXT_MALFORMED', frame: 'read_text_photo' });
    expect(JSON.stringify(lines)).not.toContain('示例乙');
  });

  it('reports a capture cut mid-frame as ID_FRAME_TRUNCATED', () => {
    const truncated = decodeCapture(readReply.subarray(0, 700));
    expect(truncated.failed).toBe(true);
    expect(truncated.lines[0]).toMatchObject({ error: 'ID_FRAME_TRUNCATED' });
  });

  it.skipIf(!existsSync('dist/cli/kioskctl.cjs'))('runs as the built CLI (bin/kioskctl.cjs) with the same exit codes', () => {
    const good = join(dir, 'cli-good.bin');
    const bad = join(dir, 'cli-bad.bin');
    writeFileSync(good, capture(false));
    writeFileSync(bad, capture(true));
    const ok = spawnSync(process.execPath, ['bin/kioskctl.cjs', 'idcard', 'decode', good], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.cardType)).toHaveLength(2);
    expect(spawnSync(process.execPath, ['bin/kioskctl.cjs', 'idcard', 'decode', bad]).status).toBe(1);
  });
});
