// `npm start`: Electron where its binary is present; otherwise, in one line, why not, and the
// dev host in Chromium's kiosk mode (under Xvfb when there is no display).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);

// Looks for an installed binary without requiring 'electron', whose index.js would try to
// download one (and fail noisily) when it is missing.
function electronBinary() {
  try {
    const dir = path.dirname(require.resolve('electron/package.json'));
    const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
    const relative = existsSync(path.join(dir, 'path.txt')) ? readFileSync(path.join(dir, 'path.txt'), 'utf8').trim() : 'electron';
    const binary = override ? path.join(override, relative) : path.join(dir, 'dist', relative);
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

if (!existsSync('dist/electron/main.cjs') || !existsSync('dist/renderer/index.html')) {
  const built = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const electron = process.env.KIOSK_FORCE_DEVHOST ? null : electronBinary();
let child;
if (electron) {
  child = spawn(electron, ['.', ...args], { stdio: 'inherit' });
} else {
  console.log('Electron binary not available here (it downloads on first run); starting the dev host in Chromium kiosk mode instead.');
  child = spawn(process.execPath, ['dist/devhost/devhost.cjs', '--kiosk', ...args], { stdio: 'inherit' });
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
