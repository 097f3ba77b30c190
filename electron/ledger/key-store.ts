// Runs in Node (main process, dev host, CLI). Where the ledger's secrets live. In the kiosk the
// main process implements KeyStore with Electron's safeStorage (DPAPI on Windows), so keys are
// bound to the machine account; FileKeyStore is for the dev host and tests only.
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface KeyStore {
  /**
   * The secret stored under `name`, created from a CSPRNG on first use. Throws if the store cannot
   * be read or written, or if `name` already holds a secret of a different length: either means the
   * ledger must not start (the caller turns it into LEDGER_KEY_UNAVAILABLE).
   */
  getOrCreateSecret(name: string, bytes: number): Buffer;
}

export interface FileKeyStoreOptions {
  /** Receives the one warning that keys are unprotected. Defaults to console.warn. */
  readonly warn?: (message: string) => void;
}

const FILE_NAME = 'ledger-keys.json';
const SECRET_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const isWindows = process.platform === 'win32';

interface KeyFile {
  readonly version: 1;
  readonly secrets: Record<string, string>;
}

/**
 * Keeps secrets in `<dir>/ledger-keys.json`, mode 0600, base64. Anyone who can read that file can
 * compute every keyed ID-number hash, so this must never ship in a kiosk.
 */
export class FileKeyStore implements KeyStore {
  private readonly path: string;
  private cache: Map<string, Buffer> | undefined;

  constructor(
    private readonly dir: string,
    options: FileKeyStoreOptions = {},
  ) {
    this.path = join(dir, FILE_NAME);
    const warn = options.warn ?? ((message: string) => console.warn(message));
    warn(
      `!!! WARNING: ledger keys are stored in a plain file (${this.path}), NOT protected by an OS key store. ` +
        'Anyone who can read it can link ledger entries to ID numbers. Use this only for development and tests. !!!',
    );
  }

  getOrCreateSecret(name: string, bytes: number): Buffer {
    if (!SECRET_NAME.test(name)) throw new RangeError(`invalid secret name: ${name}`);
    if (!Number.isInteger(bytes) || bytes < 16 || bytes > 1024) throw new RangeError('secret length must be 16..1024 bytes');
    const secrets = this.load();
    const existing = secrets.get(name);
    if (existing !== undefined) {
      if (existing.length !== bytes) throw new Error(`secret ${name} holds ${existing.length} bytes, not ${bytes}`);
      return Buffer.from(existing);
    }
    const created = randomBytes(bytes);
    const next = new Map(secrets).set(name, created);
    this.save(next);
    this.cache = next;
    return Buffer.from(created);
  }

  private load(): Map<string, Buffer> {
    if (this.cache !== undefined) return this.cache;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (caught) {
      if ((caught as NodeJS.ErrnoException).code === 'ENOENT') return (this.cache = new Map());
      throw caught;
    }
    if (!isWindows && (statSync(this.path).mode & 0o077) !== 0) chmodSync(this.path, 0o600);
    const parsed = JSON.parse(text) as Partial<KeyFile>;
    if (parsed.version !== 1 || typeof parsed.secrets !== 'object' || parsed.secrets === null) {
      throw new Error(`${this.path} is not a version 1 key file`);
    }
    const secrets = new Map<string, Buffer>();
    for (const [name, encoded] of Object.entries(parsed.secrets)) secrets.set(name, Buffer.from(encoded, 'base64'));
    return (this.cache = secrets);
  }

  private save(secrets: Map<string, Buffer>): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file: KeyFile = {
      version: 1,
      secrets: Object.fromEntries([...secrets].map(([name, secret]) => [name, secret.toString('base64')])),
    };
    // Write-then-rename so a crash never leaves a half-written key file (and a lost key would
    // orphan every keyed hash already in the ledger).
    const temporary = `${this.path}.${process.pid}.tmp`;
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(file, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (!isWindows) chmodSync(temporary, 0o600);
    renameSync(temporary, this.path);
  }
}
