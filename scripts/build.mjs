// Builds every Node entry point with esbuild (main, preload, dev host, CLI, benches) and the
// renderer with Vite. Native modules and electron stay external.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const external = ['@u4/opencv4nodejs', 'sharp', '@vladmandic/*', '@tensorflow/*', 'electron', '@playwright/test', 'playwright', 'playwright-core', 'better-sqlite3', 'serialport', '@serialport/*', 'node-hid', 'ws', 'bufferutil', 'utf-8-validate'];
const entries = [
  ['electron/main/main.ts', 'dist/electron/main.cjs'],
  ['electron/preload/preload.ts', 'dist/electron/preload.cjs'],
  ['electron/devhost/devhost-cli.ts', 'dist/devhost/devhost.cjs'],
  ['electron/cli/kioskctl.ts', 'dist/cli/kioskctl.cjs'],
  ['test/bench/idcard.ts', 'dist/bench/idcard.cjs'],
  ['test/bench/start.ts', 'dist/bench/start.cjs'],
  ['test/bench/sscard.ts', 'dist/bench/sscard.cjs'],
  ['test/bench/ledger.ts', 'dist/bench/ledger.cjs'],
  ['test/bench/face.ts', 'dist/bench/face.cjs'],
  // Face inference runs in its own worker thread (utilityProcess-ready protocol).
  ['native/face/node/face-worker-main.ts', 'dist/face/face-worker.cjs'],
  // The CLI's verify spreads a large ledger over worker threads; without this bundle it uses one.
  ['electron/ledger/verify-worker.ts', 'dist/cli/ledger-verify-worker.cjs'],
];
const only = process.argv.includes('--node-only');
await Promise.all(
  entries
    .filter(([src]) => existsSync(src))
    .map(([src, out]) =>
      build({ entryPoints: [src], outfile: out, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external, sourcemap: true, logLevel: 'warning' }),
    ),
);
if (existsSync('electron/devhost/bridge/websocket-bridge.ts')) {
  await build({ entryPoints: ['electron/devhost/bridge/websocket-bridge.ts'], outfile: 'dist/devhost/bridge.js', bundle: true, platform: 'browser', format: 'iife', target: 'chrome120', logLevel: 'warning' });
}
if (!only && existsSync('renderer/index.html')) {
  const vite = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'renderer/vite.config.mts', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (vite.status !== 0) process.exit(vite.status ?? 1);
  await build({ entryPoints: ['scripts/make-voice.ts'], outfile: 'dist/tools/make-voice.cjs', bundle: true, platform: 'node', format: 'cjs', target: 'node20', alias: { '@contract': './electron/contract' }, logLevel: 'warning' });
  const voice = spawnSync(process.execPath, ['dist/tools/make-voice.cjs'], { stdio: 'inherit' });
  if (voice.status !== 0) process.exit(voice.status ?? 1);
}
