// Runs in Node (technicians' CLI). `kioskctl face eval|liveness|verify-models`.
//
// eval: verification figures for our pipeline and the two stock baselines, in one run, on the dev
//   set (../shared/face-data) or the held-back acceptance set (../shared/acceptance; read only to
//   print figures, never to tune). Prints figures only: no image names beside scores, no
//   descriptors, nothing written to disk.
// liveness: runs a liveness session over a video file with a given challenge order (the person's
//   own left/right) and prints per-step results as JSON lines.
// verify-models: checks models/manifest.json checksums against node_modules.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ManualClock } from '../../native/common/clock';
import { seededRandom } from '../../native/face/common/random';
import { decideMatch } from '../../native/face/common/match';
import { parseChallenges, type LivenessConfig } from '../../native/face/common/liveness-session';
import { FaceEngine } from '../../native/face/node/face-engine';
import { acceptancePairs, devPairs, evaluatePipeline, ourPipeline, stockFaceApiPipeline, stockHumanPipeline } from '../../native/face/node/evaluation';
import { cryptoRandom, runLivenessOnVideo } from '../../native/face/node/liveness-runner';
import { findRepoRoot, packageRoot, readManifest, verifyModels } from '../../native/face/node/model-files';

export interface FaceCommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

const USAGE = `usage:
  kioskctl face eval --set dev|acceptance [--only ours|baselines] [--limit N]
  kioskctl face liveness FILE [--challenges left,right,blink,nod] [--seed N]
      left/right are the PERSON's own (image-right/image-left also accepted); without
      --challenges the order is drawn at random (CSPRNG, or --seed N for a replay)
  kioskctl face verify-models`;

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

function repoRootOrFail(io: FaceCommandIo): string | null {
  const root = findRepoRoot();
  if (!root) io.stderr.write('FACE_MANIFEST_INVALID: run from the project folder (models/manifest.json not found)\n');
  return root;
}

async function runEval(args: string[], io: FaceCommandIo): Promise<number> {
  const { values } = parseArgs({ args, options: { set: { type: 'string' }, only: { type: 'string' }, limit: { type: 'string' } }, allowPositionals: false });
  if (values.set !== 'dev' && values.set !== 'acceptance') {
    io.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const repoRoot = repoRootOrFail(io);
  if (!repoRoot) return 1;
  const shared = resolve(repoRoot, '..', 'shared');
  const dataRoot = values.set === 'dev' ? join(shared, 'face-data') : join(shared, 'acceptance');
  if (!existsSync(dataRoot)) {
    io.stderr.write(`FACE_IMAGE_UNREADABLE: ${values.set} set not found at ${dataRoot}\n`);
    return 1;
  }
  let pairs = values.set === 'dev' ? devPairs(dataRoot) : acceptancePairs(dataRoot);
  if (values.limit) pairs = pairs.slice(0, Number(values.limit));
  const engine = await FaceEngine.load({ repoRoot, withBaselines: values.only !== 'ours' });
  if (!engine.ok) {
    io.stderr.write(`${engine.error.code}: ${engine.error.detail ?? ''}\n`);
    return 1;
  }
  const ours = ourPipeline(engine.value);
  const pipelines = [
    ...(values.only !== 'baselines' ? [ours] : []),
    ...(values.only !== 'ours' ? [stockFaceApiPipeline(engine.value), stockHumanPipeline(engine.value)] : []),
  ];
  const genuine = pairs.filter((p) => p.same).length;
  io.stdout.write(`set: ${values.set}  pairs: ${pairs.length} (${genuine} same-person, ${pairs.length - genuine} different-person)\n`);
  for (const pipeline of pipelines) {
    const started = Date.now();
    const result = await evaluatePipeline(pipeline, pairs, (done, total) => {
      if (done % 20 === 0 || done === total) io.stderr.write(`  ${pipeline.name}: ${done}/${total} images\r`);
    });
    io.stderr.write('\n');
    const f = result.figures;
    io.stdout.write(
      [
        `${result.pipeline}`,
        `  TAR@FAR1%: ${percent(f.tarAtFar1)} (threshold ${f.thresholdAtFar1.toFixed(6)})`,
        `  TAR@FAR0.1%: ${percent(f.tarAtFar01)} (threshold ${f.thresholdAtFar01.toFixed(6)})`,
        `  EER: ${percent(f.eer)} (threshold ${f.eerThreshold.toFixed(6)})`,
        `  pairs: ${f.genuinePairs} genuine + ${f.impostorPairs} impostor; ${f.failedPairs} pairs failed (no face in ${result.imagesWithoutFace} of ${result.images} images)`,
        `  time: ${((Date.now() - started) / 1000).toFixed(0)} s`,
        '',
      ].join('\n'),
    );
    if (pipeline === ours) {
      // How the manifest's calibrated thresholds decide on this set (match / uncertain / no_match).
      const thresholds = engine.value.matchThresholds;
      const tally = (same: boolean) => {
        const counts = { match: 0, uncertain: 0, no_match: 0 };
        for (const pair of result.scored.filter((p) => p.same === same)) counts[decideMatch(pair.similarity, thresholds).decision]++;
        return `match ${counts.match}, uncertain ${counts.uncertain}, no_match ${counts.no_match}`;
      };
      io.stdout.write(`  manifest thresholds (match >= ${thresholds.match}, no_match < ${thresholds.noMatch}):\n`);
      io.stdout.write(`    same-person pairs: ${tally(true)}\n    different-person pairs: ${tally(false)}\n\n`);
    }
  }
  return 0;
}

async function runLiveness(args: string[], io: FaceCommandIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { challenges: { type: 'string' }, seed: { type: 'string' } }, allowPositionals: true });
  const file = positionals[0];
  if (!file) {
    io.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let challenges: LivenessConfig['challenges'];
  if (values.challenges) {
    const parsed = parseChallenges(values.challenges);
    if (!parsed.ok) {
      io.stderr.write(`${parsed.error.code}: ${parsed.error.detail ?? ''}\n`);
      return 2;
    }
    challenges = parsed.value;
  }
  const repoRoot = repoRootOrFail(io);
  if (!repoRoot) return 1;
  const engine = await FaceEngine.load({ repoRoot });
  if (!engine.ok) {
    io.stderr.write(`${engine.error.code}: ${engine.error.detail ?? ''}\n`);
    return 1;
  }
  const random = values.seed !== undefined ? seededRandom(Number(values.seed)) : cryptoRandom;
  const report = await runLivenessOnVideo(engine.value, file, { clock: new ManualClock(0), random, config: challenges ? { challenges } : {} });
  if (!report.ok) {
    io.stderr.write(`${report.error.code}: ${report.error.detail ?? ''}\n`);
    return 1;
  }
  const { outcome, frames } = report.value;
  io.stdout.write(`${JSON.stringify({ challenges: outcome.challenges, frames })}\n`);
  for (const step of outcome.steps) io.stdout.write(`${JSON.stringify(step)}\n`);
  io.stdout.write(`${JSON.stringify({ outcome: outcome.outcome, reason: outcome.reason, detail: outcome.detail, antiSpoofMedian: outcome.antiSpoofMedian })}\n`);
  return outcome.outcome === 'live' ? 0 : 1;
}

function runVerifyModels(io: FaceCommandIo): number {
  const repoRoot = repoRootOrFail(io);
  if (!repoRoot) return 1;
  const manifest = readManifest(join(repoRoot, 'models', 'manifest.json'));
  if (!manifest.ok) {
    io.stderr.write(`${manifest.error.code}: ${manifest.error.detail ?? ''}\n`);
    return 1;
  }
  const verified = verifyModels(manifest.value, (name) => packageRoot(name, repoRoot));
  if (!verified.ok) {
    io.stderr.write(`${verified.error.code}: ${verified.error.detail ?? ''}\n`);
    return 1;
  }
  io.stdout.write(`ok: ${manifest.value.models.length} models, ${manifest.value.models.reduce((n, m) => n + m.files.length, 0)} files match models/manifest.json\n`);
  return 0;
}

export async function runFaceCommand(argv: string[], io: FaceCommandIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'eval') return await runEval(rest, io);
    if (command === 'liveness') return await runLiveness(rest, io);
    if (command === 'verify-models') return runVerifyModels(io);
  } catch (error) {
    io.stderr.write(`FACE_INFERENCE_FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  io.stderr.write(`${USAGE}\n`);
  return 2;
}
