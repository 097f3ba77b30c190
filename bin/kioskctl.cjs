#!/usr/bin/env node
// The technicians' CLI; the code is bundled by `npm run build` (scripts/build.mjs).
const path = require('node:path');
const bundle = path.join(__dirname, '..', 'dist', 'cli', 'kioskctl.cjs');
if (!require('node:fs').existsSync(bundle)) {
  console.error('kioskctl: not built yet; run `npm run build` in the kiosk folder first');
  process.exit(2);
}
require(bundle);
