import { test, expect, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { screen, shot } from './screens';
import { startKioskHost, type KioskHost } from './kiosk-host';

// The dev set is internal test material: read from ../shared at test time, never copied into the
// repository. Without it these tests skip and say why.
const FACE_DATA = path.resolve(__dirname, '..', '..', '..', 'shared', 'face-data');
const CLIP = path.join(FACE_DATA, 'liveness', 'd12.mp4');
const SOMEONE_ELSE = path.join(FACE_DATA, 'identity', 'deepface', 'D01_angelina_jolie', 'img1.jpg');

test.skip(!existsSync(CLIP) || !existsSync(SOMEONE_ELSE), `face dev set not found at ${FACE_DATA}: face end-to-end tests skipped`);
test.setTimeout(120_000);

let host: KioskHost;
let work: string;
test.beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'kiosk-face-'));
});
test.afterEach(async () => {
  await host?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** A still of the man in d12 (7.1 s, facing the camera) stands in for his ID photo. */
function stillOfClip(): string {
  const file = path.join(work, 'reference.png');
  const made = spawnSync('ffmpeg', ['-v', 'error', '-ss', '7.1', '-i', CLIP, '-frames:v', '1', file]);
  if (made.status !== 0) throw new Error(`ffmpeg: ${made.stderr}`);
  return file;
}


async function throughIdCard(page: Page, reference: string, video = CLIP): Promise<void> {
  host = await startKioskHost({
    idCardReader: { kind: 'simulated', autoPlaceAfterMs: null, referencePhotos: { resident: reference } },
    // The clip turns to his own left, then his right: those are the challenges the kiosk asks for.
    face: { kind: 'video', path: video, challenges: ['turn_left', 'turn_right'] },
    activation: { kind: 'none' },
  });
  await page.goto(host.launchUrl);
  await page.getByTestId('begin').click();
  await page.getByTestId('language-zh-CN').click();
  await page.getByTestId('consent-accept').click();
  await host.control({ action: 'place_card', card: 'resident' });
  await screen(page, 'card_result');
  await page.getByTestId('confirm-card').click();
  await host.control({ action: 'remove_card' });
  await screen(page, 'face_check');
}

/** Every file under the kiosk's data folder except the ledger's own (which changes by design). */
function dataFiles(): string[] {
  return (readdirSync(host.dataDir, { recursive: true }) as string[]).filter((file) => !/kiosk-ledger\.sqlite/.test(file)).sort();
}

function faceEntry(): Record<string, unknown> {
  return host.ledgerEntries().find((e) => e.kind === 'face_verified')!.body;
}

test('the face step follows the spoken challenges on a video camera and matches the reference of the same person', async ({ page }) => {
  await throughIdCard(page, stillOfClip());
  const filesBefore = dataFiles();
  await expect(page.getByTestId('face-title')).toHaveAttribute('data-challenge', 'turn_left', { timeout: 20_000 });
  await shot(page, 'face-01-challenge');
  await screen(page, 'done', 60_000);
  const body = faceEntry();
  expect(body).toMatchObject({ outcome: 'match', liveness: 'live', challenges: ['turn_left', 'turn_right'] });
  expect(body.similarity).toEqual(expect.any(Number));
  // Outcomes, scores, versions and timings only: nothing that could hold a face.
  expect(Object.keys(body).sort()).toEqual(['challenges', 'liveness', 'models', 'outcome', 'similarity', 'stepMillis']);
  // No frame, crop or preview was written anywhere in the kiosk's data.
  expect(dataFiles()).toEqual(filesBefore);
});

test('a reference of a different person gives no match and the staff path, never a refusal', async ({ page }) => {
  await throughIdCard(page, SOMEONE_ELSE);
  await screen(page, 'card_error', 60_000);
  await expect(page.getByTestId('problem')).toHaveAttribute('data-problem', 'face_no_match');
  await expect(page.getByTestId('call-staff')).toContainText('工作人员马上来');
  await shot(page, 'face-02-no-match');
  expect(faceEntry()).toMatchObject({ outcome: 'no_match', liveness: 'live' });
  expect(host.ledgerEntries().map((e) => e.kind)).toContain('staff_called');
});

test('the camera unplugged mid-check gives a clear message and the staff path', async ({ page }) => {
  await throughIdCard(page, stillOfClip());
  await expect(page.getByTestId('face-title')).toHaveAttribute('data-challenge', 'turn_left', { timeout: 20_000 });
  expect(await host.control({ action: 'unplug_camera' })).toEqual({ ok: true });
  await screen(page, 'card_error', 30_000);
  await expect(page.getByTestId('problem')).toHaveAttribute('data-problem', 'camera_unavailable');
  await expect(page.getByTestId('retry')).toHaveCount(0);
  await expect(page.getByTestId('call-staff')).toContainText('工作人员马上来');
  expect(faceEntry()).toMatchObject({ outcome: 'unavailable', reason: 'camera_lost' });
});
