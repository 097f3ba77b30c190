// Runs in the Electron main process. The ledger's keys, protected by the OS key store through
// Electron's safeStorage (DPAPI on Windows, libsecret/kwallet on Linux).
import { safeStorage } from 'electron';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KeyStore } from '../ledger/key-store';

export class SafeStorageKeyStore implements KeyStore {
  constructor(private readonly dir: string) {}

  getOrCreateSecret(name: string, bytes: number): Buffer {
    if (!/^[a-z0-9-]+$/.test(name)) throw new Error('KEY_NAME_INVALID');
    if (!safeStorage.isEncryptionAvailable()) throw new Error('KEY_STORE_UNAVAILABLE');
    const file = path.join(this.dir, `${name}.key`);
    if (existsSync(file)) return Buffer.from(safeStorage.decryptString(readFileSync(file)), 'base64');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const secret = randomBytes(bytes);
    writeFileSync(file, safeStorage.encryptString(secret.toString('base64')), { mode: 0o600, flag: 'wx' });
    return secret;
  }
}
