// Where the dev set lives (never copied into the repo) and a skip message when it is absent.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..', '..', '..');
export const faceDataRoot = resolve(repoRoot, '..', 'shared', 'face-data');
export const hasFaceData = existsSync(join(faceDataRoot, 'liveness', 'd12.mp4'));
export const faceData = (...parts: string[]): string => join(faceDataRoot, ...parts);
if (!hasFaceData) {
  console.warn(`face tests SKIPPED: dev set not found at ${faceDataRoot} (see ../shared/face-data/README.md)`);
}
