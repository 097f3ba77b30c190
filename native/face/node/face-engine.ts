// Runs in Node, off the main thread (worker thread / utilityProcess / CLI). Frames in, numbers out:
// observations per frame, and a descriptor of one face. Pixels are wrapped in tensors only for the
// duration of a call and disposed before it returns; nothing is kept or written.
import type { FaceResult, Human } from '@vladmandic/human';
import { err, ok, type Result } from '../../common/result';
import {
  MESH_LEFT_EYE,
  MESH_RIGHT_EYE,
  alignedCrop,
  centroid,
  exposure,
  eyeAspectRatio,
  frameBrightness,
  greyRegion,
  laplacianVariance,
  meanAbsoluteDifference,
  type AlignmentPoints,
} from '../common/image-math';
import { cosineSimilarity, decideMatch, l2Normalise } from '../common/match';
import type {
  FaceDescriptor,
  FaceError,
  FaceObservation,
  FrameObservations,
  MatchResult,
  MatchThresholds,
  Point,
  RgbFrame,
} from '../common/types';
import { cacheConfig, loadFaceRuntime, type FaceRuntime, type FaceRuntimeOptions, type Tf } from './runtime';

const RAD_TO_DEG = 180 / Math.PI;

// Alignment of the descriptor crop, chosen on the dev set (models/descriptor-choice.md).
const DEFAULT_RELATIVE_EYE_MOUTH = 0.4;
const DEFAULT_CENTRE_SHIFT = 0.05;
const DEFAULT_MIRROR_AVERAGE = false;
/** Grey levels of change (block-averaged) after which the frozen-picture anchor moves on. */
const REANCHOR_DIFFERENCE = 4;

/** MediaPipe mesh indices of the lip corners and mid-lips: the "mouth" point of the alignment. */
const MESH_MOUTH = [61, 291, 0, 17, 13, 14] as const;

export function alignmentPointsFromMesh(landmarks: readonly Point[]): AlignmentPoints | null {
  const pick = (indices: readonly number[]) => {
    const points = indices.map((i) => landmarks[i]).filter((p): p is Point => p !== undefined);
    return points.length === indices.length ? centroid(points) : null;
  };
  // MESH_RIGHT_EYE is the person's right eye, which is on the image-left side.
  const imageLeftEye = pick(MESH_RIGHT_EYE);
  const imageRightEye = pick(MESH_LEFT_EYE);
  const mouth = pick(MESH_MOUTH);
  return imageLeftEye && imageRightEye && mouth ? { imageLeftEye, imageRightEye, mouth } : null;
}

function toObservation(face: FaceResult, frame: RgbFrame): FaceObservation {
  const [x, y, width, height] = face.box;
  const box = { x, y, width, height };
  const landmarks = face.mesh.map(([px, py]) => ({ x: px, y: py }));
  const left = eyeAspectRatio(landmarks, MESH_LEFT_EYE);
  const right = eyeAspectRatio(landmarks, MESH_RIGHT_EYE);
  const grey = greyRegion(frame, box);
  const light = grey ? exposure(grey) : { brightness: 0, overexposedFraction: 0, underexposedFraction: 1 };
  const alignment = alignmentPointsFromMesh(landmarks);
  const angle = face.rotation?.angle ?? { yaw: 0, pitch: 0, roll: 0 };
  return {
    box,
    landmarks,
    // Human's yaw is positive when the face turns towards image-left (the person's right), and
    // its pitch positive when looking down (both measured on d12.mp4 / test frames); the engine
    // speaks in the person's own terms, so both are negated.
    pose: { yawDegrees: -angle.yaw * RAD_TO_DEG, pitchDegrees: -angle.pitch * RAD_TO_DEG, rollDegrees: angle.roll * RAD_TO_DEG },
    eyes: { left, right, mean: (left + right) / 2 },
    quality: {
      faceSizeRatio: height / frame.height,
      interOcularPixels: alignment ? Math.hypot(alignment.imageRightEye.x - alignment.imageLeftEye.x, alignment.imageRightEye.y - alignment.imageLeftEye.y) : 0,
      sharpness: grey ? laplacianVariance(grey) : 0,
      brightness: light.brightness,
      overexposedFraction: light.overexposedFraction,
      underexposedFraction: light.underexposedFraction,
      detectorScore: face.boxScore ?? face.score,
      landmarkConfidence: face.faceScore ?? face.score,
    },
    antiSpoofScore: face.real ?? null,
    livenessScore: face.live ?? null,
  };
}

export interface FaceEngineOptions extends FaceRuntimeOptions {
  readonly matchThresholds?: MatchThresholds;
  /** Crop scale: face-api's aligned box is (eye-to-mouth distance) / this. Chosen on the dev set. */
  readonly relativeEyeMouth?: number;
  /** Vertical shift of the crop centre, in crop sizes (positive = down). Chosen on the dev set. */
  readonly centreShift?: number;
  /** Average the descriptors of the crop and its mirror image (test-time augmentation). */
  readonly mirrorAverage?: boolean;
}

export class FaceEngine {
  /** The face region at the last frame where it changed noticeably (frozen-picture detection). */
  private anchor: { box: FaceObservation['box']; thumbnail: Float32Array } | null = null;

  private constructor(
    readonly runtime: FaceRuntime,
    readonly matchThresholds: MatchThresholds,
    private readonly alignment: { relativeEyeMouth: number; centreShift: number; mirrorAverage: boolean },
  ) {}

  /** Verifies the model checksums, loads the models, and reads the calibrated thresholds. */
  static async load(options: FaceEngineOptions): Promise<Result<FaceEngine, FaceError>> {
    const runtime = await loadFaceRuntime(options);
    if (!runtime.ok) return runtime;
    const calibrated = runtime.value.manifest.thresholds.match;
    return ok(
      new FaceEngine(runtime.value, options.matchThresholds ?? { match: calibrated.match, noMatch: calibrated.noMatch }, {
        relativeEyeMouth: options.relativeEyeMouth ?? DEFAULT_RELATIVE_EYE_MOUTH,
        centreShift: options.centreShift ?? DEFAULT_CENTRE_SHIFT,
        mirrorAverage: options.mirrorAverage ?? DEFAULT_MIRROR_AVERAGE,
      }),
    );
  }

  get tf(): Tf {
    return this.runtime.tf;
  }

  get human(): Human {
    return this.runtime.human;
  }

  /** Forgets the previous frame (call between sessions: no pixel summary survives a session). */
  reset(): void {
    this.anchor?.thumbnail.fill(0);
    this.anchor = null;
  }

  /**
   * Ends a session: forgets the anchor and makes Human overwrite what it cached from the last
   * frames (tracked boxes, last result) by running it once on a blank frame.
   */
  async endSession(): Promise<void> {
    this.reset();
    const blank: RgbFrame = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 3), timestampMs: 0 };
    await this.observe(blank, { still: true });
    this.reset();
  }

  /** Tensor [1, h, w, 3] of the frame, owned by the caller (dispose it). */
  frameTensor(frame: RgbFrame): unknown {
    return this.tf.tensor4d(frame.data, [1, frame.height, frame.width, 3], 'int32');
  }

  /** Detection + mesh + iris + pose + eye openness + quality + anti-spoof for one frame. */
  async observe(frame: RgbFrame, options: { still?: boolean } = {}): Promise<Result<FrameObservations, FaceError>> {
    const input = this.frameTensor(frame);
    try {
      const result = await this.human.detect(input as never, cacheConfig(options.still === true, this.runtime.detectorSkipFrames));
      if (typeof result.error === 'string' && result.error.length > 0) return err({ code: 'FACE_INFERENCE_FAILED', detail: result.error });
      const faces = result.face
        .filter((face) => face.mesh.length >= 468)
        .map((face) => toObservation(face, frame))
        .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
      const frameDifference = this.differenceFromAnchor(frame, faces[0]);
      return ok({ timestampMs: frame.timestampMs, frameWidth: frame.width, frameHeight: frame.height, faces, frameBrightness: frameBrightness(frame), frameDifference });
    } catch (error) {
      return err({ code: 'FACE_INFERENCE_FAILED', detail: error instanceof Error ? error.message : String(error) });
    } finally {
      this.tf.dispose(input);
    }
  }

  /**
   * How much the face region changed since the anchor frame, on a 32-pixel block-averaged grey
   * thumbnail of the anchor's box (a fixed region, so the tracker's own box jitter does not count
   * as change; block averaging removes sensor and compression noise). Comparing with an anchor,
   * not the previous frame, makes slow drift add up. Re-anchors once the change exceeds
   * REANCHOR_DIFFERENCE.
   */
  private differenceFromAnchor(frame: RgbFrame, face: FaceObservation | undefined): number | null {
    if (!face) return null;
    const current = this.anchor ? greyRegion(frame, this.anchor.box, 32) : null;
    const difference = current && this.anchor ? meanAbsoluteDifference(current.data, this.anchor.thumbnail) : null;
    if (difference === null || difference > REANCHOR_DIFFERENCE) {
      const fresh = greyRegion(frame, face.box, 32);
      this.anchor = fresh ? { box: face.box, thumbnail: fresh.data } : null;
    }
    return difference;
  }

  /**
   * The descriptor of a face already observed in `frame`: Human's mesh gives the eye and mouth
   * centres, the crop is aligned (eyes level, face-api's scale) and fed to face-api's 128-d net.
   */
  async describeObserved(frame: RgbFrame, face: FaceObservation): Promise<Result<FaceDescriptor, FaceError>> {
    const points = alignmentPointsFromMesh(face.landmarks);
    if (!points) return err({ code: 'FACE_NOT_FOUND', detail: 'no landmarks' });
    const crop = alignedCrop(frame, points, 150, this.alignment.relativeEyeMouth, this.alignment.centreShift);
    const input = this.tf.tensor4d(crop, [1, 150, 150, 3], 'float32');
    const mirrored = this.alignment.mirrorAverage ? this.tf.reverse(input, 2) : null;
    try {
      const net = this.runtime.faceapi.nets.faceRecognitionNet;
      const vector = l2Normalise((await net.computeFaceDescriptor(input)) as Float32Array);
      if (mirrored) {
        const second = l2Normalise((await net.computeFaceDescriptor(mirrored)) as Float32Array);
        for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! + second[i]!;
      }
      return ok({ model: 'faceapi-recognition-aligned', vector: l2Normalise(vector) });
    } catch (error) {
      return err({ code: 'FACE_INFERENCE_FAILED', detail: error instanceof Error ? error.message : String(error) });
    } finally {
      this.tf.dispose(input);
      if (mirrored) this.tf.dispose(mirrored);
      crop.fill(0);
    }
  }

  /** Observes a still image (ID photo, reference) and describes its largest face. */
  async describe(frame: RgbFrame): Promise<Result<FaceDescriptor, FaceError>> {
    const observed = await this.observe(frame, { still: true });
    this.reset();
    if (!observed.ok) return observed;
    const face = observed.value.faces[0];
    if (!face) return err({ code: 'FACE_NOT_FOUND' });
    return this.describeObserved(frame, face);
  }

  match(probe: FaceDescriptor, reference: FaceDescriptor): MatchResult {
    if (probe.model !== reference.model) return decideMatch(Number.NaN, this.matchThresholds);
    return decideMatch(cosineSimilarity(probe.vector, reference.vector), this.matchThresholds);
  }
}
