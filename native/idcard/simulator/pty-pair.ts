// Runs in Node. A socat pty pair: the driver opens hostPath, the simulator devicePath. Killing
// socat is the closest thing to pulling the reader's cable; starting it again on the same link
// paths is plugging it back in (the links then point at new /dev/pts devices).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, unlinkSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PtyPairOptions {
  /** Directory for the two links; a fresh temp dir by default. */
  readonly dir?: string;
  readonly hostName?: string;
  readonly deviceName?: string;
  readonly socatPath?: string;
  readonly startTimeoutMs?: number;
}

export interface PtyPair {
  readonly hostPath: string;
  readonly devicePath: string;
  readonly plugged: boolean;
  /** Kills socat (SIGKILL, like a pulled cable) and removes the links. */
  unplug(): Promise<void>;
  /** Starts socat again on the same link paths. */
  replug(): Promise<void>;
  close(): Promise<void>;
}

export function socatAvailable(socatPath = 'socat'): boolean {
  return spawnSync(socatPath, ['-V'], { stdio: 'ignore' }).status === 0;
}

function removeLink(path: string): void {
  try {
    lstatSync(path);
    unlinkSync(path);
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let pdeathsig: boolean | undefined;
/** Linux util-linux `setpriv --pdeathsig` (Debian ships it); elsewhere socat is started plainly. */
function parentDeathSignalAvailable(): boolean {
  pdeathsig ??= spawnSync('setpriv', ['--help'], { encoding: 'utf8' }).stdout?.includes('--pdeathsig') ?? false;
  return pdeathsig;
}

export async function createPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'kiosk-pty-'));
  const hostPath = join(dir, options.hostName ?? 'reader-host');
  const devicePath = join(dir, options.deviceName ?? 'reader-device');
  const socat = options.socatPath ?? 'socat';
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const start = async () => {
    removeLink(hostPath);
    removeLink(devicePath);
    const socatArgs = ['-d', '-d', `pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${devicePath}`];
    // socat must die with whoever started it: a simulator process killed outright (a crash test's
    // SIGKILL) would otherwise leave its "cable" running for ever. setpriv execs into socat, so the
    // pid — and unplug()'s kill — stay socat's own.
    const proc = parentDeathSignalAvailable()
      ? spawn('setpriv', ['--pdeathsig', 'KILL', '--', socat, ...socatArgs], { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(socat, socatArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let log = '';
    let ready = false;
    proc.stderr?.on('data', (chunk: Buffer) => {
      if (ready) return;
      log += chunk.toString();
      if (log.includes('starting data transfer loop')) ready = true;
    });
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    let failed = false;
    proc.once('error', () => (failed = true));
    const deadline = Date.now() + (options.startTimeoutMs ?? 5000);
    while (!(ready && existsSync(hostPath) && existsSync(devicePath))) {
      if (failed || proc.exitCode !== null) throw new Error(`socat did not start: ${log.trim().split('\n').pop() ?? ''}`);
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error('socat pty links did not appear in time');
      }
      await sleep(5);
    }
  };

  const stop = async () => {
    const proc = child;
    child = undefined;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL');
      await exited;
    }
    removeLink(hostPath);
    removeLink(devicePath);
  };

  await start();
  return {
    hostPath,
    devicePath,
    get plugged() {
      return child !== undefined;
    },
    unplug: stop,
    async replug() {
      if (child) return;
      await start();
    },
    async close() {
      await stop();
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
