// Runs in Node (tests). Temp directories, an in-memory key store and ready-made entries for the ledger tests.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../native/common/clock';
import type { KeyStore } from '../../../electron/ledger/key-store';
import { openLedger, type Ledger, type OpenLedgerOptions } from '../../../electron/ledger/ledger';
import type { LedgerEntryInput } from '../../../electron/ledger/entry-kinds';

/** A valid resident ID number (check digit computed) used as test data only. */
export const SAMPLE_ID_NUMBER = '11010519491231002X';

export function makeTempDir(): { readonly dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export class MemoryKeyStore implements KeyStore {
  private readonly secrets = new Map<string, Buffer>();
  getOrCreateSecret(name: string, bytes: number): Buffer {
    let secret = this.secrets.get(name);
    if (secret === undefined) this.secrets.set(name, (secret = randomBytes(bytes)));
    return Buffer.from(secret);
  }
}

export const START = Date.parse('2025-03-01T08:00:00.000Z');

/**
 * The key store openTestLedger uses unless told otherwise: one per test file, because a ledger file
 * is signed with one kiosk's key and reopening it with another is (rightly) LEDGER_DAMAGED.
 */
export const SHARED_KEY_STORE = new MemoryKeyStore();

export function openTestLedger(path: string, overrides: Partial<OpenLedgerOptions> = {}): Ledger {
  const opened = openLedger({ path, kioskId: 'kiosk-07', keyStore: SHARED_KEY_STORE, clock: new ManualClock(START), ...overrides });
  if (!opened.ok) throw new Error(`openLedger failed: ${opened.error.code} ${opened.error.detail ?? ''}`);
  return opened.value;
}

export function appendOrThrow(ledger: Ledger, entry: LedgerEntryInput): { seq: number; hash: string } {
  const appended = ledger.append(entry);
  if (!appended.ok) throw new Error(`append failed: ${appended.error.code} ${appended.error.detail ?? ''}`);
  return appended.value;
}

export const CONSENT_TEXT_HASH = 'a'.repeat(64);

export function sessionStarted(sessionId: string): LedgerEntryInput {
  return { sessionId, kind: 'session_started', body: { flow: 'card_activation', language: 'zh-CN' } };
}

export function sessionEnded(sessionId: string): LedgerEntryInput {
  return { sessionId, kind: 'session_ended', body: { outcome: 'completed' } };
}
