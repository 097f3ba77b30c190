// The engine refuses to run with a model whose bytes differ from models/manifest.json.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FaceEngine } from '../../../native/face/node/face-engine';
import { packageRoot, readManifest, sha256File, verifyModels, type ModelManifest } from '../../../native/face/node/model-files';

const repoRoot = resolve(__dirname, '..', '..', '..');
const temporary: string[] = [];
afterEach(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function manifest(): ModelManifest {
  const read = readManifest(join(repoRoot, 'models', 'manifest.json'));
  if (!read.ok) throw new Error(read.error.code);
  return read.value;
}

describe('model checksums', () => {
  it('the installed packages match the manifest', () => {
    expect(verifyModels(manifest(), (name) => packageRoot(name, repoRoot))).toEqual({ ok: true, value: undefined });
  });

  it('refuses a model file with one byte changed: FACE_MODEL_CHECKSUM_MISMATCH', () => {
    const dir = mkdtempSync(join(tmpdir(), 'face-models-'));
    temporary.push(dir);
    const model = manifest().models.find((m) => m.id === 'human-blazeface')!;
    const fakeRoot = join(dir, 'human');
    mkdirSync(join(fakeRoot, 'models'), { recursive: true });
    writeFileSync(join(fakeRoot, 'package.json'), JSON.stringify({ version: model.version }));
    const realRoot = packageRoot(model.package, repoRoot)!;
    for (const file of model.files) cpSync(join(realRoot, file.path), join(fakeRoot, file.path));
    const only = { ...manifest(), models: [model] };
    expect(verifyModels(only, () => fakeRoot).ok).toBe(true);

    const weights = join(fakeRoot, 'models', 'blazeface.bin');
    const bytes = readFileSync(weights);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(weights, bytes);
    expect(sha256File(weights)).not.toBe(model.files[1]!.sha256);
    const result = verifyModels(only, () => fakeRoot);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('FACE_MODEL_CHECKSUM_MISMATCH');
  });

  it('FaceEngine.load refuses to start when the manifest and the files disagree', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'face-repo-'));
    temporary.push(dir);
    const altered = manifest();
    const file = altered.models.find((m) => m.id === 'human-facemesh')!.files[1]!;
    (file as { sha256: string }).sha256 = '0'.repeat(64);
    mkdirSync(join(dir, 'models'));
    writeFileSync(join(dir, 'models', 'manifest.json'), JSON.stringify(altered));
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
    const engine = await FaceEngine.load({ repoRoot: dir });
    expect(engine.ok).toBe(false);
    if (!engine.ok) expect(engine.error).toMatchObject({ code: 'FACE_MODEL_CHECKSUM_MISMATCH', detail: expect.stringContaining('human-facemesh') });
  });
});
