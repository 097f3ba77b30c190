// Runs in Node (dev host only, never packaged). Starts the same services Electron would, serves
// the built renderer on 127.0.0.1, and optionally shows it in Chromium's kiosk mode (under its
// own Xvfb display when there is none). Prints one JSON line `devhost_ready` for scripts.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FileKeyStore } from '../ledger/key-store';
import { ComposeError, composeKiosk, ledgerPath } from '../services/compose';
import { loadConfig } from '../services/config';
import { createLogger } from '../services/logger';
import { startDevHost } from './devhost';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'data-dir': { type: 'string' },
    kiosk: { type: 'boolean', default: false },
  },
});

const logger = createLogger();
// Crash-consistency tests only: die like a power cut at the named step ("after:activation_requested").
const crashAt = process.env.KIOSK_TEST_CRASH_AT;
const dataDir = path.resolve(values['data-dir'] ?? process.env.KIOSK_DATA_DIR ?? path.join(process.cwd(), 'var', 'devhost'));
const distDir = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  const loaded = loadConfig(dataDir);
  if (!loaded.ok) {
    console.error(`kiosk: configuration ${loaded.error.code}: ${loaded.error.detail}`);
    process.exit(2);
  }
  const keyStore = new FileKeyStore(path.join(dataDir, 'keys'), { warn: (message) => logger.log('warn', 'dev_key_store', { message }) });
  let kiosk;
  try {
    kiosk = await composeKiosk({
      dataDir,
      config: loaded.config,
      keyStore,
      host: 'devhost',
      version: process.env.npm_package_version ?? '0.1.0',
      logger,
      repoRoot: path.resolve(distDir, '..'),
      faceWorkerFile: path.join(distDir, 'face', 'face-worker.cjs'),
      ...(crashAt ? { checkpoint: (point: string) => crashAt === point && process.kill(process.pid, 'SIGKILL') } : {}),
    });
  } catch (error) {
    const code = error instanceof ComposeError ? error.code : 'KIOSK_START_FAILED';
    console.error(`kiosk: cannot start: ${code}${error instanceof ComposeError && error.detail ? ` (${error.detail})` : ''}`);
    process.exit(3);
  }
  const host = await startDevHost({
    handler: kiosk.handler,
    rendererDir: path.join(distDir, 'renderer'),
    bridgeFile: path.join(distDir, 'devhost', 'bridge.js'),
    logger,
    port: Number(values.port),
    token: process.env.KIOSK_DEVHOST_TOKEN,
    ...(kiosk.simulator ? { control: kiosk.simulator } : {}),
  });
  process.stdout.write(
    JSON.stringify({ event: 'devhost_ready', url: host.url, launchUrl: host.launchUrl, token: host.token, ledger: ledgerPath(dataDir), config: loaded.source, simulated: kiosk.services.info.simulatedDevices }) + '\n',
  );

  let browser: { child: ChildProcess; cleanup: () => void } | null = null;
  const shutdown = async (code: number) => {
    browser?.child.kill('SIGTERM');
    browser?.cleanup();
    await host.close();
    await kiosk.close();
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  if (values.kiosk) {
    browser = await launchKioskBrowser(host.launchUrl);
    browser.child.on('exit', () => void shutdown(0));
  }
}

async function launchKioskBrowser(url: string): Promise<{ child: ChildProcess; cleanup: () => void }> {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    console.error(`kiosk: Chromium not found at ${chromium}; open ${url} in a browser instead.`);
    process.exit(4);
  }
  const profile = mkdtempSync(path.join(tmpdir(), 'kiosk-chromium-'));
  const env = { ...process.env };
  let xvfb: ChildProcess | null = null;
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) {
    const display = freeDisplay();
    xvfb = spawn('Xvfb', [`:${display}`, '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
    env.DISPLAY = `:${display}`;
    // Chromium gives up at once if the display is not yet accepting connections.
    for (let waited = 0; waited < 5000 && !existsSync(`/tmp/.X11-unix/X${display}`); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    console.log(`kiosk: no display, running Chromium on Xvfb ${env.DISPLAY} (screenshot: DISPLAY=${env.DISPLAY} import -window root kiosk.png)`);
  }
  const args = [
    '--kiosk',
    `--app=${url}`,
    '--window-position=0,0',
    '--window-size=1280,800',
    `--user-data-dir=${profile}`,
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--disable-features=Translate',
    '--autoplay-policy=no-user-gesture-required',
    '--disable-gpu',
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
  ];
  const child = spawn(chromium, args, { env, stdio: 'ignore', detached: false });
  return {
    child,
    cleanup: () => {
      xvfb?.kill('SIGTERM');
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

function freeDisplay(): number {
  for (let display = 90; display < 200; display++) {
    if (!existsSync(`/tmp/.X11-unix/X${display}`) && !existsSync(`/tmp/.X${display}-lock`)) return display;
  }
  return 99;
}

void main();
