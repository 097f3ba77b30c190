// Runs anywhere (pure). The face engine's vocabulary: what a frame is, what the engine observes in
// it, and the coded errors it can return. No pixels ever leave the engine except as a Frame the
// caller owns; observations and descriptors hold numbers only.
import type { CodedError } from '../../common/result';

/** A decoded RGB image, 3 bytes per pixel, row-major, no padding. The caller owns the bytes. */
export interface RgbFrame {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
  /** Capture time in ms (from the injected clock or the video timestamp). */
  readonly timestampMs: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** Axis-aligned box in frame pixels. */
export interface FaceBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Head pose in degrees, in the PERSON's terms: yaw > 0 means the person turned towards their own
 * left (which is image-right on an unmirrored camera frame); pitch > 0 means looking up;
 * roll > 0 means the head tilts towards the person's left shoulder.
 */
export interface HeadPose {
  readonly yawDegrees: number;
  readonly pitchDegrees: number;
  readonly rollDegrees: number;
}

/** Eye aspect ratio (Soukupová & Čech 2016): ~0.25–0.35 open, < ~0.15 closed, per eye. */
export interface EyeOpenness {
  /** The person's own left eye (image-right). */
  readonly left: number;
  readonly right: number;
  readonly mean: number;
}

export interface FaceQuality {
  /** Face box height as a fraction of the frame height. */
  readonly faceSizeRatio: number;
  /** Inter-ocular distance in pixels: the resolution that matters for recognition. */
  readonly interOcularPixels: number;
  /** Variance of the 4-neighbour Laplacian of the grey face region (higher is sharper). */
  readonly sharpness: number;
  /** Mean grey level of the face region, 0–255. */
  readonly brightness: number;
  /** Fraction of face pixels at or above 250 (blown highlights). */
  readonly overexposedFraction: number;
  /** Fraction of face pixels at or below 5 (crushed shadows). */
  readonly underexposedFraction: number;
  /** Detector confidence for this face, 0–1. */
  readonly detectorScore: number;
  /**
   * The mesh model's own confidence that it sees a whole face, 0–1: it drops when part of the face
   * is covered (hand, mask, scarf), so it serves as the occlusion signal.
   */
  readonly landmarkConfidence: number;
}

export interface FaceObservation {
  readonly box: FaceBox;
  /** Dense landmarks in frame pixels (478 points: MediaPipe face mesh + iris), x/y only. */
  readonly landmarks: readonly Point[];
  readonly pose: HeadPose;
  readonly eyes: EyeOpenness;
  readonly quality: FaceQuality;
  /** Passive anti-spoof score 0–1 (1 = real), or null when the model is disabled. */
  readonly antiSpoofScore: number | null;
  /** Second passive liveness model score 0–1 (1 = live), or null when disabled. */
  readonly livenessScore: number | null;
}

export interface FrameObservations {
  readonly timestampMs: number;
  readonly frameWidth: number;
  readonly frameHeight: number;
  /** Faces, largest first. */
  readonly faces: readonly FaceObservation[];
  /** Mean grey level of the whole frame 0–255 (for "too dark" before any face is found). */
  readonly frameBrightness: number;
  /**
   * Mean absolute grey difference (0–255) of the face region against an anchor frame (the last
   * frame where it had changed by more than a few levels); ~0 for a frozen or still picture.
   */
  readonly frameDifference: number | null;
}

/** A face descriptor: L2-normalised embedding, tagged with the model that produced it. */
export interface FaceDescriptor {
  readonly model: DescriptorModelId;
  readonly vector: Float32Array;
}

export type DescriptorModelId = 'faceapi-recognition-aligned' | 'human-faceres';

export type FaceErrorCode =
  | 'FACE_MODEL_CHECKSUM_MISMATCH'
  | 'FACE_MODEL_MISSING'
  | 'FACE_MANIFEST_INVALID'
  | 'FACE_ENGINE_LOAD_FAILED'
  | 'FACE_ENGINE_NOT_READY'
  | 'FACE_INFERENCE_FAILED'
  | 'FACE_NOT_FOUND'
  | 'FACE_SEVERAL_FACES'
  | 'FACE_IMAGE_UNREADABLE'
  | 'FACE_WORKER_FAILED'
  | 'FACE_CHALLENGE_INVALID';

export type FaceError = CodedError<FaceErrorCode>;

export type MatchDecision = 'match' | 'no_match' | 'uncertain';

export interface MatchThresholds {
  /** Similarity at or above which two descriptors are the same person. */
  readonly match: number;
  /** Similarity below which they are different people; between the two is `uncertain`. */
  readonly noMatch: number;
}

export interface MatchResult {
  readonly decision: MatchDecision;
  readonly similarity: number;
  readonly thresholds: MatchThresholds;
}
