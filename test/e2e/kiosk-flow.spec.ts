import { test, expect, type Page } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { screen, shot } from './screens';
import { startKioskHost, type KioskHost } from './kiosk-host';
import type {} from '../../electron/contract/window-kiosk';
import { SYNTHETIC_CARDS } from '../../native/idcard/simulator/synthetic-cards';

// The simulator's synthetic resident card (fictional, with a valid check digit).
const RESIDENT = SYNTHETIC_CARDS.resident.text;
const RESIDENT_ID = RESIDENT.idNumber;

let host: KioskHost;
test.afterEach(async () => {
  await host?.stop();
});



async function throughConsent(page: Page, accept: boolean, prefix: string): Promise<void> {
  await page.goto(host.launchUrl);
  await screen(page, 'attract');
  await shot(page, `${prefix}-01-attract`);
  await page.getByTestId('begin').click();
  await screen(page, 'language');
  await shot(page, `${prefix}-02-language`);
  const consentVoice = page.waitForResponse((response) => response.url().endsWith('/voice/zh-CN/consent.wav'));
  await page.getByTestId('language-zh-CN').click();
  await screen(page, 'consent');
  // The consent is read aloud as it appears: the renderer asks for it and the host serves real audio.
  const voice = await consentVoice;
  expect(voice.status()).toBe(200);
  // The page's own response body may be gone once the audio element has it: fetch the file again.
  const audio = await page.request.get(voice.url());
  expect(audio.headers()['content-type']).toBe('audio/wav');
  expect((await audio.body()).length).toBeGreaterThan(100_000);
  await expect(page.getByTestId('consent-text')).toContainText('人工核验');
  await shot(page, `${prefix}-03-consent`);
  await page.getByTestId(accept ? 'consent-accept' : 'consent-refuse').click();
}

test('attract → consent → simulated card → masked data → done, recorded in the ledger', async ({ page }) => {
  // The ID check on its own (a counter without activation devices); activation.spec.ts goes on from here.
  host = await startKioskHost({ activation: { kind: 'none' } });
  await throughConsent(page, true, 'happy');
  await screen(page, 'insert_card');
  await shot(page, 'happy-04-insert-card');
  // A slow card keeps the "reading" screen up long enough to see it.
  await host.control({ action: 'slow_card', ms: 1500 });
  await host.control({ action: 'place_card', card: 'resident' });
  await screen(page, 'reading_card');
  await shot(page, 'happy-05-reading');
  await screen(page, 'card_result');
  await expect(page.getByTestId('masked-id')).toHaveText(`${RESIDENT_ID.slice(0, 4)}********${RESIDENT_ID.slice(-4)}`);
  await expect(page.getByTestId('masked-name')).toHaveText(`${[...RESIDENT.name][0]}${'*'.repeat([...RESIDENT.name].length - 1)}`);
  await shot(page, 'happy-06-card-result');
  const html = await page.content();
  expect(html).not.toContain(RESIDENT_ID);
  expect(html).not.toContain(RESIDENT.name);
  expect(html).not.toContain(RESIDENT.address!);

  await page.getByTestId('confirm-card').click();
  await screen(page, 'remove_card');
  await shot(page, 'happy-07-remove-card');
  await host.control({ action: 'remove_card' });
  await screen(page, 'done');
  await shot(page, 'happy-08-done');

  const entries = host.ledgerEntries();
  expect(entries.map((e) => e.kind)).toEqual(['session_started', 'consent_given', 'id_card_read', 'person_identified', 'session_ended']);
  // Who the person is, is kept encrypted outside the chain; the entry holds commitments only.
  const person = entries.find((e) => e.kind === 'person_identified')!;
  expect(Object.keys(person.body.sealed as object).sort()).toEqual(['idNumber', 'name']);
  expect(JSON.stringify(person.body)).toMatch(/^[^\u4e00-\u9fff]*$/);
  const read = entries.find((e) => e.kind === 'id_card_read')!;
  expect(read.body).toMatchObject({ cardType: 'resident', idNumberValid: true, outcome: 'ok' });
  expect(read.body.idNumberKey).toMatch(/^[0-9a-f]{64}$/);
  expect(entries.at(-1)!.body).toEqual({ outcome: 'completed' });
  expect(new Set(entries.map((e) => e.sessionId)).size).toBe(1);
  // The clear number is nowhere in the ledger's bytes.
  for (const file of [host.ledgerPath, `${host.ledgerPath}-wal`]) {
    try {
      const bytes = readFileSync(file);
      expect(bytes.includes(Buffer.from(RESIDENT_ID))).toBe(false);
      expect(bytes.includes(Buffer.from(RESIDENT.name, 'utf8'))).toBe(false);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
});

test('consent refused → staff alternative, and no card data is read or stored', async ({ page }) => {
  host = await startKioskHost();
  // A card already lies on the reader: refusing must still read nothing from it.
  await host.control({ action: 'place_card', card: 'resident' });
  await throughConsent(page, false, 'refused');
  await screen(page, 'alternative');
  await expect(page.getByTestId('alternative-text')).toContainText('不影响领取养老金');
  await expect(page.getByTestId('call-staff')).toContainText('工作人员马上来');
  await shot(page, 'refused-04-alternative');
  await page.waitForTimeout(1500);

  const received = JSON.parse((await host.control({ action: 'received_commands' })).detail ?? '[]') as string[];
  expect(received.filter((name) => name.startsWith('read_') && name !== 'read_sam_id')).toEqual([]);
  expect(received).not.toContain('select_card');
  const kinds = host.ledgerEntries().map((e) => e.kind);
  expect(kinds).toEqual(['session_started', 'consent_refused', 'staff_called']);
  await page.getByTestId('alternative-done').click();
  await screen(page, 'attract');
  expect(host.ledgerEntries().at(-1)).toMatchObject({ kind: 'session_ended', body: { outcome: 'cancelled' } });
});

test('idle timeout resets to the attract screen and wipes the card data', async ({ page }) => {
  host = await startKioskHost({ timings: { idleResetMs: 4000 } });
  await throughConsent(page, true, 'idle');
  await host.control({ action: 'place_card', card: 'resident-long-term' });
  await screen(page, 'card_result');
  await expect(page.getByTestId('idle-warning')).toBeVisible();
  await shot(page, 'idle-04-card-result-with-countdown');
  await screen(page, 'attract');
  await shot(page, 'idle-05-reset');
  await expect(page.getByTestId('masked-id')).toHaveCount(0);
  await expect(page.getByTestId('session-ref')).toHaveCount(0);
  const view = await page.evaluate(() => window.kiosk!.call('session:view', {}));
  expect(view).toMatchObject({ ok: true, value: { screen: 'attract', card: null, sessionRef: null } });
  expect(host.ledgerEntries().at(-1)).toMatchObject({ kind: 'session_ended', body: { outcome: 'idle_reset' } });
});

test('a failed read offers a retry with a plain reason; an unplugged reader says so', async ({ page }) => {
  host = await startKioskHost();
  await throughConsent(page, true, 'errors');
  await host.control({ action: 'force_next_status', sw3: 0x41 });
  await host.control({ action: 'place_card', card: 'resident' });
  await screen(page, 'card_error');
  await expect(page.getByTestId('problem')).toHaveAttribute('data-problem', 'card_unreadable');
  await shot(page, 'errors-04-card-error');
  await page.getByTestId('retry').click();
  await screen(page, 'card_result');
  expect(host.ledgerEntries().map((e) => e.kind)).toContain('id_card_read_failed');

  await page.getByTestId('cancel').click();
  await screen(page, 'attract');
  await host.control({ action: 'unplug' });
  await expect(page.getByTestId('reader-offline')).toBeVisible();
  await shot(page, 'errors-05-reader-offline');
  await host.control({ action: 'replug' });
  await expect(page.getByTestId('reader-offline')).toHaveCount(0, { timeout: 15_000 });
});

test('the page sees only the contract; the dev host refuses what is not in it', async ({ page }) => {
  host = await startKioskHost();
  await page.goto(host.launchUrl);
  await screen(page, 'attract');
  // The token leaves the address bar as soon as the bridge has it.
  expect(page.url()).not.toContain('token');
  const surface = await page.evaluate(() => ({ keys: Object.keys(window.kiosk!), frozen: Object.isFrozen(window.kiosk), type: typeof (window as unknown as { require?: unknown }).require }));
  expect(surface).toEqual({ keys: ['call', 'on'], frozen: true, type: 'undefined' });
  const refused = await page.evaluate(async () => {
    const k = window.kiosk as unknown as { call: (c: string, i: unknown) => Promise<unknown> };
    return { unknown: await k.call('fs:read', {}), malformed: await k.call('session:send', { type: 'begin', admin: true }) };
  });
  expect(refused).toEqual({ unknown: { ok: false, error: { code: 'UNKNOWN_CHANNEL' } }, malformed: { ok: false, error: { code: 'INVALID_PAYLOAD', detail: expect.any(String) } } });
  // A socket without the token is refused, even from the page's own origin.
  const opened = await page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(`ws://${location.host}/__contract`);
        socket.onopen = () => resolve('open');
        socket.onerror = () => resolve('refused');
      }),
  );
  expect(opened).toBe('refused');
  const csp = (await page.request.get(host.url)).headers()['content-security-policy'];
  expect(csp).toContain("default-src 'none'");
});

test('a supervisor exports what was recorded about one person; the read is itself recorded', async ({ page }) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kiosk-export-'));
  try {
    host = await startKioskHost({ activation: { kind: 'none' } }, { dataDir });
    await throughConsent(page, true, 'export');
    await host.control({ action: 'place_card', card: 'resident' });
    await screen(page, 'card_result');
    await page.getByTestId('confirm-card').click();
    await host.control({ action: 'remove_card' });
    await screen(page, 'done');
    const ledger = host.ledgerPath;
    await host.stop();

    const out = path.join(dataDir, 'export');
    const kioskctl = (args: string[], input = '') => spawnSync(process.execPath, ['bin/kioskctl.cjs', 'ledger', ...args], { input, encoding: 'utf8' });
    const exported = kioskctl(['export', '--db', ledger, '--keys', path.join(dataDir, 'keys'), '--staff', 'S1001', '--reason', 'citizen_request', '--out', out], RESIDENT_ID);
    expect(exported.status, exported.stderr).toBe(0);
    // The ID number went in on stdin: it is not in what the command printed.
    expect(exported.stdout + exported.stderr).not.toContain(RESIDENT_ID);
    const html = readFileSync(path.join(out, 'data-subject.html'), 'utf8');
    expect(html).toContain(RESIDENT.name);
    expect(JSON.parse(readFileSync(path.join(out, 'data-subject.json'), 'utf8'))).toBeTruthy();
    expect(kioskctl(['verify', ledger]).status).toBe(0);
    const db = (await import('better-sqlite3')).default;
    const conn = new db(ledger, { readonly: true });
    const access = conn.prepare("SELECT body FROM entries WHERE kind = 'pii_accessed'").all() as Array<{ body: string }>;
    conn.close();
    expect(access.map((row) => JSON.parse(row.body))).toEqual([expect.objectContaining({ staffId: 'S1001', role: 'supervisor', reason: 'citizen_request', purpose: 'export' })]);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
