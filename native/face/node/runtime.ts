// Runs in Node (a worker thread, a utilityProcess, the CLI or a test). Loads tfjs on the WASM
// backend and the two npm model libraries from disk only:
// - Human's node-wasm bundle is required by file path (its exports map refuses the subpath);
// - tfjs's fetch cannot read file://, so a load router reads model.json + shards from disk and
//   returns the model's `signature` too (without it faceres yields an empty embedding);
// - face-api's node-wasm bundle requires the umbrella `@tensorflow/tfjs`, which is not installed:
//   that one specifier is answered with core + converter (the very instances Human uses, so there
//   is one engine and one WASM backend), and the chained tensor methods the umbrella package
//   would have installed (t.as3D(), …) are added as thin forwards to the core ops.
// Requires are computed at run time so bundlers leave them alone and the packages stay in
// node_modules, where the checksums in models/manifest.json were taken.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Module from 'node:module';
import { dirname, join } from 'node:path';
import type { Config, Human } from '@vladmandic/human';
import { err, ok, type Result } from '../../common/result';
import type { FaceError } from '../common/types';
import { packageRoot, readManifest, verifyModels, type ModelManifest } from './model-files';

/** The parts of @tensorflow/tfjs-core (+ converter) the engine calls; typed loosely on purpose. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Tf = any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FaceApi = any;

export interface FaceRuntimeOptions {
  /** Folder holding models/manifest.json and node_modules. */
  readonly repoRoot: string;
  /** Load face-api's SSD + 68 landmarks too (only the stock baseline needs them). */
  readonly withBaselines?: boolean;
  /** Run the passive anti-spoof + liveness models on every frame (default true). */
  readonly passiveAntiSpoof?: boolean;
  /**
   * Video tracking: re-run the face detector only every N frames and follow the face with the
   * mesh in between (the mesh itself runs on every frame). 0 = detect on every frame.
   */
  readonly detectorSkipFrames?: number;
  /** Refine the eye contours with the iris model (2 extra model runs a frame; default true). */
  readonly iris?: boolean;
  /** Rotate the face upright before the mesh (Human's `detector.rotation`; default false). */
  readonly rotation?: boolean;
}

/**
 * Human's cache setting per call (Human merges a call's config into its own, so every call says
 * which it wants): unrelated still images must reuse nothing from the previous input; video frames
 * may reuse the detector's boxes (Human's default sensitivity 0.7).
 */
export const cacheConfig = (still: boolean, detectorSkipFrames: number): Partial<Config> => ({ cacheSensitivity: still || detectorSkipFrames === 0 ? 0 : 0.7 });

export interface FaceRuntime {
  readonly tf: Tf;
  readonly manifest: ModelManifest;
  /** Human configured for the engine: detector + mesh + iris + anti-spoof + liveness. */
  readonly human: Human;
  readonly faceapi: FaceApi;
  readonly detectorSkipFrames: number;
  readonly packageRoot: (name: string) => string | null;
  /** A Human instance with its own stock face configuration (faceres descriptor), lazily made. */
  stockHuman(): Promise<Human>;
}

type HumanModule = { Human: new (config?: Partial<Config>) => Human };

/**
 * The tensor methods @tensorflow/tfjs installs (tfjs-core 4.22 dist/public/chained_ops, minus the
 * ones needing argument reshuffling, which are defined by hand below). Only these: adding every
 * op as a method would shadow properties Human probes on its inputs.
 */
const CHAINED_OPS = (
  'abs acos acosh add all any argMax argMin asin asinh atan atan2 atanh avgPool batchNorm batchToSpaceND broadcastTo cast ceil ' +
  'clipByValue conv1d conv2d conv2dTranspose cos cosh cumprod cumsum depthToSpace depthwiseConv2d dilation2d div divNoNan dot elu ' +
  'equal erf euclideanNorm exp expandDims expm1 fft flatten floor floorDiv gather greater greaterEqual ifft irfft isFinite isInf isNaN ' +
  'leakyRelu less lessEqual localResponseNormalization log log1p logSigmoid logSoftmax logSumExp logicalAnd logicalNot logicalOr ' +
  'logicalXor matMul max maxPool maximum mean min minimum mirrorPad mod mul neg norm notEqual oneHot onesLike pad pool pow prelu prod ' +
  'reciprocal relu relu6 reshape reverse rfft round rsqrt selu separableConv2d sigmoid sign sin sinh slice softmax softplus ' +
  'spaceToBatchND split sqrt square squaredDifference squeeze step stridedSlice sub sum tan tanh tile topk transpose unique ' +
  'unsortedSegmentSum unstack zerosLike'
).split(' ');

/** Detector every 5th frame at most (and at least every 500 ms): chosen by test/bench/face.ts. */
const DEFAULT_DETECTOR_SKIP_FRAMES = 5;

let fileRouterRegistered = false;
let tfjsAliasInstalled = false;

function registerFileRouter(tf: Tf): void {
  if (fileRouterRegistered) return;
  fileRouterRegistered = true;
  tf.io.registerLoadRouter((url: unknown) => {
    const text = typeof url === 'string' ? url : '';
    if (!text.startsWith('file://')) return null;
    const modelPath = text.slice('file://'.length);
    return {
      load: async () => {
        const json = JSON.parse(readFileSync(modelPath, 'utf8')) as {
          modelTopology: unknown;
          weightsManifest: { paths: string[]; weights: unknown[] }[];
          format?: string;
          generatedBy?: string;
          convertedBy?: string;
          signature?: unknown;
          userDefinedMetadata?: unknown;
        };
        const weightSpecs: unknown[] = [];
        const shards: Buffer[] = [];
        for (const group of json.weightsManifest) {
          weightSpecs.push(...group.weights);
          for (const shard of group.paths) shards.push(readFileSync(join(dirname(modelPath), shard)));
        }
        const joined = Buffer.concat(shards);
        return {
          modelTopology: json.modelTopology,
          weightSpecs,
          weightData: joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength),
          format: json.format,
          generatedBy: json.generatedBy,
          convertedBy: json.convertedBy,
          signature: json.signature,
          userDefinedMetadata: json.userDefinedMetadata,
        };
      },
    };
  });
}

function installTfjsAlias(tfCore: Tf, tfConverter: Tf): void {
  if (tfjsAliasInstalled) return;
  tfjsAliasInstalled = true;
  const prototype = tfCore.Tensor.prototype as Record<string, unknown>;
  for (const name of CHAINED_OPS) {
    const op = tfCore[name];
    if (typeof op === 'function' && !(name in prototype)) {
      prototype[name] = function (this: unknown, ...args: unknown[]) {
        return op(this, ...args);
      };
    }
  }
  const reshapeTo = (shape: (self: { size: number }, args: number[]) => number[]) =>
    function (this: { size: number }, ...args: number[]) {
      return tfCore.reshape(this, shape(this, args));
    };
  prototype.as1D = reshapeTo((self) => [self.size]);
  prototype.as2D = reshapeTo((_s, a) => a.slice(0, 2));
  prototype.as3D = reshapeTo((_s, a) => a.slice(0, 3));
  prototype.as4D = reshapeTo((_s, a) => a.slice(0, 4));
  prototype.as5D = reshapeTo((_s, a) => a.slice(0, 5));
  prototype.asScalar = reshapeTo(() => []);
  prototype.asType = function (this: unknown, dtype: string) {
    return tfCore.cast(this, dtype);
  };
  prototype.toFloat = function (this: unknown) {
    return tfCore.cast(this, 'float32');
  };
  prototype.toInt = function (this: unknown) {
    return tfCore.cast(this, 'int32');
  };
  prototype.toBool = function (this: unknown) {
    return tfCore.cast(this, 'bool');
  };
  prototype.reshapeAs = function (this: unknown, other: { shape: number[] }) {
    return tfCore.reshape(this, other.shape);
  };
  prototype.concat = function (this: unknown, others: unknown, axis?: number) {
    return tfCore.concat([this, ...(Array.isArray(others) ? others : [others])], axis);
  };
  prototype.stack = function (this: unknown, others: unknown, axis?: number) {
    return tfCore.stack([this, ...(Array.isArray(others) ? others : [others])], axis);
  };
  prototype.resizeBilinear = function (this: unknown, ...args: unknown[]) {
    return tfCore.image.resizeBilinear(this, ...args);
  };
  prototype.resizeNearestNeighbor = function (this: unknown, ...args: unknown[]) {
    return tfCore.image.resizeNearestNeighbor(this, ...args);
  };
  const umbrella = { ...tfConverter, ...tfCore };
  const virtualId = '\0virtual:@tensorflow/tfjs';
  const moduleInternals = Module as unknown as {
    _resolveFilename: (request: string, ...rest: unknown[]) => string;
    _cache: Record<string, unknown>;
  };
  const resolveFilename = moduleInternals._resolveFilename;
  moduleInternals._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    return request === '@tensorflow/tfjs' ? virtualId : resolveFilename.call(this, request, ...rest);
  };
  moduleInternals._cache[virtualId] = { id: virtualId, filename: virtualId, loaded: true, exports: umbrella, children: [], paths: [] };
}

/** Human's configuration for the engine: everything the observations need, nothing else. */
export function engineHumanConfig(root: (name: string) => string, passiveAntiSpoof = true, detectorSkipFrames = 0, iris = true, rotation = false): Partial<Config> {
  return {
    backend: 'wasm',
    wasmPath: `${join(root('@tensorflow/tfjs-backend-wasm'), 'dist')}/`,
    modelBasePath: `file://${join(root('@vladmandic/human'), 'models')}/`,
    debug: false,
    cacheModels: false,
    validateModels: false,
    // With detector skipping, Human reuses the detector's boxes (and the passive scores) between
    // runs; the mesh and iris models still run on every frame, so a frozen camera still looks
    // frozen to the session.
    ...cacheConfig(false, detectorSkipFrames),
    face: {
      enabled: true,
      detector: { enabled: true, rotation, maxDetected: 3, minConfidence: 0.3, iouThreshold: 0.1, skipFrames: detectorSkipFrames, skipTime: detectorSkipFrames > 0 ? 500 : 0, return: false, mask: false, minSize: 0, scale: 1.4 } as never,
      mesh: { enabled: true, keepInvalid: false } as never,
      attention: { enabled: false } as never,
      iris: { enabled: iris, scale: 2.3 } as never,
      description: { enabled: false } as never,
      emotion: { enabled: false } as never,
      // The passive scores feed a session median, so a score may be reused for a few frames.
      antispoof: { enabled: passiveAntiSpoof, skipFrames: detectorSkipFrames, skipTime: detectorSkipFrames > 0 ? 500 : 0 } as never,
      liveness: { enabled: passiveAntiSpoof, skipFrames: detectorSkipFrames, skipTime: detectorSkipFrames > 0 ? 500 : 0 } as never,
      gear: { enabled: false } as never,
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
    filter: { enabled: false },
  } as Partial<Config>;
}

/** Human's own default face pipeline (the stock baseline): defaults, only non-face parts off. */
export function stockHumanConfig(root: (name: string) => string): Partial<Config> {
  return {
    backend: 'wasm',
    wasmPath: `${join(root('@tensorflow/tfjs-backend-wasm'), 'dist')}/`,
    modelBasePath: `file://${join(root('@vladmandic/human'), 'models')}/`,
    debug: false,
    cacheModels: false,
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  } as Partial<Config>;
}

/**
 * Verifies the manifest's checksums for the models this runtime will load, then loads them.
 * Refuses (FACE_MODEL_CHECKSUM_MISMATCH) before a single weight is read when a file differs.
 */
export async function loadFaceRuntime(options: FaceRuntimeOptions): Promise<Result<FaceRuntime, FaceError>> {
  const manifestResult = readManifest(join(options.repoRoot, 'models', 'manifest.json'));
  if (!manifestResult.ok) return manifestResult;
  const manifest = manifestResult.value;
  const roots = new Map<string, string | null>();
  const rootOf = (name: string): string | null => {
    if (!roots.has(name)) roots.set(name, packageRoot(name, options.repoRoot));
    return roots.get(name) ?? null;
  };
  const verified = verifyModels(manifest, rootOf, (model) => model.usedBy !== 'baseline' || options.withBaselines === true);
  if (!verified.ok) return verified;
  const must = (name: string): string => {
    const root = rootOf(name);
    if (!root) throw new Error(`${name} missing`);
    return root;
  };
  try {
    const detectorSkipFrames = options.detectorSkipFrames ?? DEFAULT_DETECTOR_SKIP_FRAMES;
    const humanRoot = must('@vladmandic/human');
    const requireFromHuman = createRequire(join(humanRoot, 'package.json'));
    const tfCore = requireFromHuman('@tensorflow/tfjs-core') as Tf;
    const tfConverter = requireFromHuman('@tensorflow/tfjs-converter') as Tf;
    registerFileRouter(tfCore);
    installTfjsAlias(tfCore, tfConverter);
    const { Human: HumanClass } = requireFromHuman(join(humanRoot, 'dist', 'human.node-wasm.js')) as HumanModule;
    const human = new HumanClass(engineHumanConfig(must, options.passiveAntiSpoof !== false, detectorSkipFrames, options.iris !== false, options.rotation === true));
    await human.init();
    await human.load();
    const faceapiRoot = must('@vladmandic/face-api');
    const faceapi = createRequire(join(faceapiRoot, 'package.json'))(join(faceapiRoot, 'dist', 'face-api.node-wasm.js')) as FaceApi;
    const weights = join(faceapiRoot, 'model');
    await faceapi.nets.faceRecognitionNet.loadFromDisk(weights);
    if (options.withBaselines) {
      await faceapi.nets.ssdMobilenetv1.loadFromDisk(weights);
      await faceapi.nets.faceLandmark68Net.loadFromDisk(weights);
    }
    let stock: Human | null = null;
    return ok({
      tf: tfCore,
      manifest,
      human,
      faceapi,
      detectorSkipFrames,
      packageRoot: rootOf,
      async stockHuman() {
        if (!stock) {
          stock = new HumanClass(stockHumanConfig(must));
          await stock.load();
        }
        return stock;
      },
    });
  } catch (error) {
    return err({ code: 'FACE_ENGINE_LOAD_FAILED', detail: error instanceof Error ? error.message : String(error) });
  }
}
