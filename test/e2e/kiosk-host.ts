// Starts the built dev host as a child process (a real cold start, as `npm start` does), on
// simulated devices with a throwaway data folder, and gives tests its URL, token, simulator
// controls and read-only access to its ledger.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';

export interface KioskHost {
  readonly url: string;
  readonly launchUrl: string;
  readonly token: string;
  readonly ledgerPath: string;
  readonly dataDir: string;
  control(action: Record<string, unknown>): Promise<{ ok: boolean; detail?: string }>;
  ledgerEntries(): Array<{ seq: number; kind: string; body: Record<string, unknown>; sessionId: string }>;
  /** Everything the dev host wrote to stdout and stderr so far. */
  logs(): string;
  /** Resolves with the signal that ended the process (e.g. SIGKILL), or null after a clean exit. */
  readonly exited: Promise<NodeJS.Signals | null>;
  stop(): Promise<void>;
}

export interface KioskHostOptions {
  /** Reuse a data folder (a restart); it is then left in place on stop. */
  readonly dataDir?: string;
  readonly env?: Record<string, string>;
}

export async function startKioskHost(config: Record<string, unknown> = {}, options: KioskHostOptions = {}): Promise<KioskHost> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'kiosk-e2e-'));
  const configPath = path.join(dataDir, 'kiosk.config.json');
  writeFileSync(configPath, JSON.stringify({ kioskId: 'E2E-KIOSK', idCardReader: { kind: 'simulated', autoPlaceAfterMs: null }, ...config }));
  const child: ChildProcess = spawn(process.execPath, ['dist/devhost/devhost.cjs', '--data-dir', dataDir], {
    env: { ...process.env, KIOSK_CONFIG: configPath, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const stderr: string[] = [];
  const output: string[] = [];
  child.stderr!.on('data', (chunk) => {
    stderr.push(String(chunk));
    output.push(String(chunk));
  });
  child.stdout!.on('data', (chunk) => output.push(String(chunk)));
  const ready = await new Promise<{ url: string; launchUrl: string; token: string; ledger: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev host did not start: ${stderr.join('')}`)), 20_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const message = JSON.parse(line);
        if (message.event === 'devhost_ready') {
          clearTimeout(timer);
          resolve(message);
        }
      } catch {
        // not ours
      }
    });
    child.once('exit', (code) => reject(new Error(`dev host exited ${code}: ${stderr.join('')}`)));
  });
  return {
    url: ready.url,
    launchUrl: ready.launchUrl,
    token: ready.token,
    ledgerPath: ready.ledger,
    dataDir,
    async control(action) {
      const response = await fetch(new URL('/__control', ready.url), { method: 'POST', body: JSON.stringify(action), headers: { authorization: `Bearer ${ready.token}` } });
      return (await response.json()) as { ok: boolean; detail?: string };
    },
    ledgerEntries() {
      const db = new Database(ready.ledger, { readonly: true, fileMustExist: true });
      try {
        return (db.prepare('SELECT seq, kind, body, session_id AS sessionId FROM entries ORDER BY seq').all() as Array<{ seq: number; kind: string; body: string; sessionId: string }>).map((row) => ({ ...row, body: JSON.parse(row.body) }));
      } finally {
        db.close();
      }
    },
    logs: () => output.join(''),
    exited,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
