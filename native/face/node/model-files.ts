// Runs in Node. Where the npm-shipped face models live on disk and whether they are the exact
// bytes recorded in models/manifest.json. Nothing is fetched: a model that is not in node_modules
// with the recorded checksum is refused (FACE_MODEL_CHECKSUM_MISMATCH / FACE_MODEL_MISSING) and
// the flow offers the staff path.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { err, ok, type Result } from '../../common/result';
import type { FaceError } from '../common/types';

const fileSchema = z.object({ path: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
const modelSchema = z.object({
  id: z.string().min(1),
  package: z.string().min(1),
  version: z.string().min(1),
  licence: z.string().min(1),
  role: z.string(),
  usedBy: z.enum(['engine', 'baseline', 'runtime']),
  files: z.array(fileSchema).min(1),
});
const thresholdSchema = z.object({
  descriptor: z.string(),
  match: z.number(),
  noMatch: z.number(),
  statedFar: z.number(),
  calibratedOn: z.string(),
  calibratedAt: z.string(),
  why: z.string(),
});
export const manifestSchema = z.object({
  schemaVersion: z.literal(1),
  models: z.array(modelSchema).min(1),
  thresholds: z.object({
    match: thresholdSchema,
    antiSpoof: z.object({ minimum: z.number(), calibratedOn: z.string(), calibratedAt: z.string(), why: z.string() }),
    liveness: z.record(z.string(), z.unknown()),
  }),
});
export type ModelManifest = z.infer<typeof manifestSchema>;
export type ManifestModel = z.infer<typeof modelSchema>;

/** The repository root: the nearest folder above `from` that holds models/manifest.json. */
export function findRepoRoot(from = process.cwd()): string | null {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'models', 'manifest.json')) && existsSync(join(dir, 'node_modules'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** The installed folder of an npm package, found by walking node_modules upwards (no exports map). */
export function packageRoot(name: string, from: string): string | null {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

export function readManifest(path: string): Result<ModelManifest, FaceError> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return err({ code: 'FACE_MANIFEST_INVALID', detail: `cannot read ${path}` });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) return err({ code: 'FACE_MANIFEST_INVALID', detail: parsed.error.issues[0]?.message ?? 'invalid' });
  return ok(parsed.data);
}

export const sha256File = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * Checks every file of the given models against the manifest (and the package version against
 * the recorded one). `packageRoots` maps a package name to its folder; tests point it at a copy.
 */
export function verifyModels(
  manifest: ModelManifest,
  packageRoots: (name: string) => string | null,
  which: (model: ManifestModel) => boolean = () => true,
): Result<void, FaceError> {
  for (const model of manifest.models.filter(which)) {
    const root = packageRoots(model.package);
    if (!root) return err({ code: 'FACE_MODEL_MISSING', detail: `${model.package} is not installed` });
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version;
    if (version !== model.version) {
      return err({ code: 'FACE_MODEL_CHECKSUM_MISMATCH', detail: `${model.package} is ${version ?? '?'}, manifest records ${model.version}` });
    }
    for (const file of model.files) {
      const path = join(root, file.path);
      if (!existsSync(path)) return err({ code: 'FACE_MODEL_MISSING', detail: `${model.package}/${file.path}` });
      if (sha256File(path) !== file.sha256) {
        return err({ code: 'FACE_MODEL_CHECKSUM_MISMATCH', detail: `${model.id}: ${model.package}/${file.path}` });
      }
    }
  }
  return ok(undefined);
}
