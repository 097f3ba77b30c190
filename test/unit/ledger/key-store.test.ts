import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileKeyStore } from '../../../electron/ledger/key-store';
import { makeTempDir } from './ledger-test-kit';

describe('FileKeyStore', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let dir: string;
  beforeEach(() => {
    temp = makeTempDir();
    dir = join(temp.dir, 'keys');
  });
  afterEach(() => temp.cleanup());

  it('warns loudly exactly once that keys are unprotected', () => {
    const warn = vi.fn();
    const store = new FileKeyStore(dir, { warn });
    store.getOrCreateSecret('a', 32);
    store.getOrCreateSecret('a', 32);
    store.getOrCreateSecret('b', 16);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/WARNING.*NOT protected by an OS key store/);
  });

  it('creates a secret once and returns the same one afterwards, also to a new instance', () => {
    const store = new FileKeyStore(dir, { warn: () => {} });
    const secret = store.getOrCreateSecret('ledger-id-number-hmac', 32);
    expect(secret).toHaveLength(32);
    expect(store.getOrCreateSecret('ledger-id-number-hmac', 32).equals(secret)).toBe(true);
    expect(new FileKeyStore(dir, { warn: () => {} }).getOrCreateSecret('ledger-id-number-hmac', 32).equals(secret)).toBe(true);
    expect(store.getOrCreateSecret('other', 32).equals(secret)).toBe(false);
  });

  it('hands out copies, so a caller zeroing its buffer does not zero the key', () => {
    const store = new FileKeyStore(dir, { warn: () => {} });
    store.getOrCreateSecret('k', 32).fill(0);
    expect(store.getOrCreateSecret('k', 32).equals(Buffer.alloc(32))).toBe(false);
  });

  it.runIf(process.platform !== 'win32')('keeps the file at mode 0600, and tightens a looser one', () => {
    new FileKeyStore(dir, { warn: () => {} }).getOrCreateSecret('k', 32);
    const file = join(dir, 'ledger-keys.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    chmodSync(file, 0o644);
    new FileKeyStore(dir, { warn: () => {} }).getOrCreateSecret('k', 32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses a stored secret of another length and bad names', () => {
    const store = new FileKeyStore(dir, { warn: () => {} });
    store.getOrCreateSecret('k', 32);
    expect(() => store.getOrCreateSecret('k', 16)).toThrow(/32 bytes, not 16/);
    expect(() => store.getOrCreateSecret('../escape', 32)).toThrow(RangeError);
    expect(() => store.getOrCreateSecret('k2', 4)).toThrow(RangeError);
  });
});
