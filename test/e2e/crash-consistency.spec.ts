import { test, expect } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { startBankHostSimulator, type BankHostSimulator } from '../../native/bankhost/simulator/bank-host-simulator';
import { consentTexts } from '../../electron/contract/consent-text';
import { ContractClient } from './contract-client';
import { startKioskHost, type KioskHost } from './kiosk-host';

// Every step boundary of a scripted activation: the dev host dies there as in a power cut
// (SIGKILL), starts again on the same data, and the ledger must agree with the bank: activated
// at the host ⇔ recorded as activated, exactly once.
const CRASH_POINTS = [
  'after:session_started',
  'after:consent_given',
  'after:id_card_read',
  'after:sscard_read',
  'after:pin_change',
  'after:activation_requested',
  'host_answered',
  'after:activation_result',
  'after:receipt_printed',
  'after:session_ended',
];

let bank: BankHostSimulator;
test.beforeAll(async () => {
  bank = await startBankHostSimulator();
});
test.afterAll(async () => {
  await bank.close();
});

/** Walks the whole activation; stops quietly wherever the host dies. */
async function driveActivation(kiosk: KioskHost): Promise<void> {
  const client = await ContractClient.connect(kiosk.url, kiosk.token);
  const keys = (keys: string) => kiosk.control({ action: 'pinpad_keys', keys }).catch(() => undefined);
  const onScreen = (screen: string, purpose?: string) => client.waitFor((v) => v.screen === screen && (!purpose || v.pin?.purpose === purpose));
  try {
    await client.send({ type: 'begin' });
    await client.send({ type: 'choose_language', language: 'zh-CN' });
    await client.send({ type: 'consent', accepted: true, consentTextVersion: consentTexts['zh-CN'].version });
    await kiosk.control({ action: 'place_card', card: 'resident' });
    if (!(await onScreen('card_result'))) return;
    await client.send({ type: 'confirm_card' });
    await kiosk.control({ action: 'remove_card' });
    if (!(await onScreen('insert_ss_card'))) return;
    await kiosk.control({ action: 'insert_ss_card', card: 'holder' });
    for (const [purpose, pin] of [['current', '123456'], ['new', '739518'], ['confirm', '739518']] as const) {
      if (!(await onScreen('pin_entry', purpose))) return;
      await keys(`${pin} OK`);
    }
    if (!(await onScreen('take_ss_card'))) return;
    await kiosk.control({ action: 'remove_ss_card' });
    await onScreen('done');
  } catch {
    // The host died mid-call: that is the point of the test.
  } finally {
    client.close();
  }
}

/** Live socat processes whose parent has died (re-parented to init): a simulator's leaked "cable". Zombies awaiting reaping are dead already. */
function orphanedSocats(): number {
  const table = spawnSync('ps', ['-eo', 'ppid=,stat=,comm='], { encoding: 'utf8' }).stdout;
  return table.split('\n').filter((line) => /^\s*1\s+[^Z\s]\S*\s+socat$/.test(line)).length;
}

async function orphanedSocatsSettled(expected: number): Promise<number> {
  for (let waited = 0; waited < 3000 && orphanedSocats() > expected; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  return orphanedSocats();
}

function readLedger(file: string): Array<{ kind: string; sessionId: string; body: Record<string, unknown> }> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT kind, session_id AS sessionId, body FROM entries ORDER BY seq').all() as Array<{ kind: string; sessionId: string; body: string }>).map((row) => ({ ...row, body: JSON.parse(row.body) }));
  } finally {
    db.close();
  }
}

for (const point of CRASH_POINTS) {
  test(`killed at ${point}: after a restart the ledger and the bank agree`, async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'kiosk-crash-'));
    const config = { kioskId: 'CRASH-KIOSK', activation: { kind: 'simulated', bankHostUrl: bank.baseUrl } };
    const before = bank.activations.length;
    const orphansBefore = orphanedSocats();
    try {
      const doomed = await startKioskHost(config, { dataDir, env: { KIOSK_TEST_CRASH_AT: point } });
      await driveActivation(doomed);
      expect(await doomed.exited).toBe('SIGKILL');

      // Recovery runs before the restarted host reports ready.
      const restarted = await startKioskHost(config, { dataDir });
      const entries = restarted.ledgerEntries();
      await restarted.stop();

      const activatedAtHost = bank.activations.length - before;
      const requested = entries.filter((e) => e.kind === 'activation_requested').map((e) => e.body.idempotencyKey);
      const results = entries.filter((e) => e.kind === 'activation_result');
      const recordedActivated = results.filter((e) => e.body.status === 'activated' || e.body.status === 'already_activated');
      expect(recordedActivated.length, 'recorded as activated ⇔ activated at the host').toBe(activatedAtHost);
      expect(activatedAtHost).toBeLessThanOrEqual(1);
      // Every request the ledger knows of has its answer: nothing left half-done.
      expect(results.map((e) => e.body.idempotencyKey).sort()).toEqual([...requested].sort());
      if (requested.length > 0) expect(activatedAtHost).toBe(1);
      // A session cut short is closed as interrupted, exactly once.
      const sessionId = entries[0]!.sessionId;
      const ends = entries.filter((e) => e.kind === 'session_ended' && e.sessionId === sessionId).map((e) => e.body.outcome);
      expect(ends).toEqual([point === 'after:session_ended' ? 'completed' : 'interrupted']);
      // The killed host's simulated devices went with it: no pty pair outlives its process.
      expect(await orphanedSocatsSettled(orphansBefore)).toBe(orphansBefore);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
}
