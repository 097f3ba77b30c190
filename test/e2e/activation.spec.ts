import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { screen, shot } from './screens';
import { startKioskHost, type KioskHost } from './kiosk-host';
import { proofDigest } from '../../electron/ledger/proof';

// PINs are typed on the simulated PIN pad (the citizen's fingers), never on the kiosk. The card
// is issued with 123456; the new PIN is distinctive so a leak of it cannot be a coincidence.
const ISSUED_PIN = '123456';
const NEW_PIN = '739518';

let host: KioskHost;
let frames: string[];
test.afterEach(async () => {
  await host?.stop();
});



/** Attract → consent → ID card read and confirmed → asked for the social-security card. */
async function toSsCard(page: Page, config: Record<string, unknown> = {}): Promise<void> {
  host = await startKioskHost(config);
  frames = [];
  page.on('websocket', (socket) => {
    socket.on('framesent', (frame) => frames.push(String(frame.payload)));
    socket.on('framereceived', (frame) => frames.push(String(frame.payload)));
  });
  await page.goto(host.launchUrl);
  await page.getByTestId('begin').click();
  await page.getByTestId('language-zh-CN').click();
  await page.getByTestId('consent-accept').click();
  await host.control({ action: 'place_card', card: 'resident' });
  await screen(page, 'card_result');
  await page.getByTestId('confirm-card').click();
  await host.control({ action: 'remove_card' });
  await screen(page, 'insert_ss_card');
}

async function enterPin(page: Page, purpose: 'current' | 'new' | 'confirm', pin: string): Promise<void> {
  await expect(page.getByTestId('pin-title')).toHaveAttribute('data-purpose', purpose);
  await host.control({ action: 'pinpad_keys', keys: `${pin} OK` });
}

async function changePin(page: Page, current = ISSUED_PIN): Promise<void> {
  await enterPin(page, 'current', current);
  await enterPin(page, 'new', NEW_PIN);
  await enterPin(page, 'confirm', NEW_PIN);
}

function ledgerKinds(): string[] {
  return host.ledgerEntries().map((e) => e.kind);
}

async function hostActivations(): Promise<unknown[]> {
  return JSON.parse((await host.control({ action: 'host_activations' })).detail ?? '[]');
}

test('activation: card of the same person, PIN changed on the pad, host activates once, receipt, card back', async ({ page }) => {
  await toSsCard(page);
  await shot(page, 'activation-01-insert-ss-card');
  await host.control({ action: 'insert_ss_card', card: 'holder' });
  await screen(page, 'pin_entry');
  await host.control({ action: 'pinpad_keys', keys: '123' });
  await expect(page.getByTestId('pin-dots')).toHaveAttribute('data-entered', '3');
  await shot(page, 'activation-02-pin-current');
  await host.control({ action: 'pinpad_keys', keys: '456 OK' });
  await enterPin(page, 'new', NEW_PIN);
  await shot(page, 'activation-03-pin-confirm');
  await enterPin(page, 'confirm', NEW_PIN);
  await screen(page, 'take_ss_card');
  const reference = (await page.getByTestId('receipt-reference').textContent())!.split(' ').at(-1)!;
  expect(reference).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  await shot(page, 'activation-04-take-card');
  await host.control({ action: 'remove_ss_card' });
  await screen(page, 'done');
  await shot(page, 'activation-05-done');

  expect(ledgerKinds()).toEqual([
    'session_started', 'consent_given', 'id_card_read', 'person_identified', 'sscard_read', 'pin_change', 'activation_requested', 'activation_result', 'receipt_printed', 'session_ended',
  ]);
  const result = host.ledgerEntries().find((e) => e.kind === 'activation_result')!;
  expect(result.body).toMatchObject({ status: 'activated', receiptReference: reference, recovered: false });
  expect(await hostActivations()).toHaveLength(1);
  const receipts = JSON.parse((await host.control({ action: 'printed_receipts' })).detail ?? '[]') as string[];
  expect(receipts).toHaveLength(1);
  expect(receipts[0]).toContain(reference);
  expect(receipts[0]).toMatch(/\d{4}\*{8}\d{3}[\dX]/);

  // The receipt names the ledger entry and its proof's digest; anyone can check that proof offline.
  const [, seq, digest] = receipts[0]!.match(/记录 #(\d+) 校验 ([0-9a-f]{16})/) ?? [];
  expect(Number(seq)).toBe(host.ledgerEntries().find((e) => e.kind === 'activation_result')!.seq);
  const proofDir = mkdtempSync(path.join(tmpdir(), 'kiosk-proof-'));
  try {
    const proofFile = path.join(proofDir, 'proof.json');
    const kioskctl = (...args: string[]) => spawnSync(process.execPath, ['bin/kioskctl.cjs', 'ledger', ...args], { encoding: 'utf8' });
    expect(kioskctl('prove', seq!, '--db', host.ledgerPath, '--out', proofFile).status).toBe(0);
    expect(proofDigest(JSON.parse(readFileSync(proofFile, 'utf8')))).toBe(digest);
    expect(kioskctl('check-proof', proofFile).status).toBe(0);
  } finally {
    rmSync(proofDir, { recursive: true, force: true });
  }

  // No PIN digit anywhere: not in what crossed the contract, the page, the logs, the receipt or the ledger's bytes.
  const ledgerBytes = [host.ledgerPath, `${host.ledgerPath}-wal`].map((file) => { try { return readFileSync(file).toString('latin1'); } catch { return ''; } }).join('');
  const places = { ipc: frames.join('\n'), page: await page.content(), logs: host.logs(), receipt: receipts.join('\n'), ledger: ledgerBytes };
  for (const [place, text] of Object.entries(places)) {
    for (const pin of [ISSUED_PIN, NEW_PIN]) expect(text.includes(pin), `${place} must not contain a PIN`).toBe(false);
  }
});

test('a card of another person is never activated: a plain message and staff', async ({ page }) => {
  await toSsCard(page);
  await host.control({ action: 'insert_ss_card', card: 'other-person' });
  await screen(page, 'card_error');
  await expect(page.getByTestId('problem')).toHaveAttribute('data-problem', 'holder_mismatch');
  await expect(page.getByTestId('call-staff')).toContainText('工作人员马上来');
  await expect(page.getByTestId('retry')).toHaveCount(0);
  await shot(page, 'activation-holder-mismatch');
  expect(host.ledgerEntries().find((e) => e.kind === 'sscard_read')!.body).toMatchObject({ holderMatches: false });
  expect(ledgerKinds()).not.toContain('pin_change');
  expect(await hostActivations()).toHaveLength(0);
});

test('a wrong current PIN asks again with the tries left, then the right one activates', async ({ page }) => {
  await toSsCard(page);
  await host.control({ action: 'insert_ss_card', card: 'holder' });
  await changePin(page, '111111');
  await screen(page, 'pin_entry');
  await expect(page.getByTestId('problem')).toHaveAttribute('data-problem', 'pin_wrong');
  await expect(page.getByTestId('tries-left')).toContainText('2');
  await shot(page, 'activation-pin-wrong');
  await changePin(page);
  await screen(page, 'take_ss_card');
  expect(host.ledgerEntries().filter((e) => e.kind === 'pin_change').map((e) => e.body.outcome)).toEqual(['wrong_pin', 'changed']);
  expect(await hostActivations()).toHaveLength(1);
});

test('a blocked PIN goes to staff, and nothing is activated', async ({ page }) => {
  await toSsCard(page);
  await host.control({ action: 'insert_ss_card', card: 'holder-blocked-pin' });
  await changePin(page);
  await screen(page, 'card_error');
  await expect(page.getByTestId('problem')).toHaveAttribute('data-problem', 'pin_blocked');
  await shot(page, 'activation-pin-blocked');
  expect(ledgerKinds()).not.toContain('activation_requested');
  expect(await hostActivations()).toHaveLength(0);
});

test('the host rejects: recorded, staff called, nothing activated', async ({ page }) => {
  await toSsCard(page);
  await host.control({ action: 'host_script', scenarios: ['reject'] });
  await host.control({ action: 'insert_ss_card', card: 'holder' });
  await changePin(page);
  await screen(page, 'card_error');
  await expect(page.getByTestId('problem')).toHaveAttribute('data-problem', 'host_rejected');
  await shot(page, 'activation-host-rejected');
  expect(host.ledgerEntries().find((e) => e.kind === 'activation_result')!.body).toMatchObject({ status: 'rejected' });
  expect(await hostActivations()).toHaveLength(0);
});

test('the host times out, then succeeds on the retry with the same key: activated exactly once', async ({ page }) => {
  await toSsCard(page);
  await host.control({ action: 'host_script', scenarios: ['timeout_after_commit'] });
  await host.control({ action: 'insert_ss_card', card: 'holder-t0' });
  await changePin(page);
  await screen(page, 'take_ss_card');
  const requested = host.ledgerEntries().filter((e) => e.kind === 'activation_requested');
  expect(requested).toHaveLength(1);
  expect(host.ledgerEntries().find((e) => e.kind === 'activation_result')!.body).toMatchObject({ status: 'activated', idempotencyKey: requested[0]!.body.idempotencyKey });
  expect(await hostActivations()).toHaveLength(1);
});

test('a card pulled mid-APDU says so and can be read again', async ({ page }) => {
  await toSsCard(page);
  await host.control({ action: 'pull_ss_card_during_next_apdu', afterExecution: false });
  await host.control({ action: 'insert_ss_card', card: 'holder' });
  await screen(page, 'card_error');
  await expect(page.getByTestId('problem')).toHaveAttribute('data-problem', 'ss_card_removed_early');
  await shot(page, 'activation-card-pulled');
  await page.getByTestId('retry').click();
  await screen(page, 'insert_ss_card');
  await host.control({ action: 'insert_ss_card', card: 'holder' });
  await screen(page, 'pin_entry');
  expect(ledgerKinds()).toContain('sscard_read_failed');
});

test('the printer is out of paper: the activation completes and staff are told', async ({ page }) => {
  await toSsCard(page);
  await host.control({ action: 'printer_paper', state: 'out' });
  await host.control({ action: 'insert_ss_card', card: 'holder' });
  await changePin(page);
  await screen(page, 'take_ss_card');
  await expect(page.getByTestId('notice')).toHaveAttribute('data-notice', 'receipt_not_printed');
  await expect(page.getByTestId('call-staff')).toContainText('工作人员马上来');
  await shot(page, 'activation-no-paper');
  await host.control({ action: 'remove_ss_card' });
  await screen(page, 'done');
  const entries = host.ledgerEntries();
  expect(entries.find((e) => e.kind === 'receipt_printed')!.body).toMatchObject({ outcome: 'failed', code: 'PRINTER_PAPER_OUT' });
  expect(entries.find((e) => e.kind === 'staff_called')!.body).toEqual({ screen: 'printing' });
  expect(entries.at(-1)!.body).toEqual({ outcome: 'completed' });
  expect(await hostActivations()).toHaveLength(1);
});
