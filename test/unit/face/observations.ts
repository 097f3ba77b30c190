// Synthetic observation streams for the pure liveness tests: a face whose pose, eyes, position and
// pixels move as a scripted person would.
import type { FaceObservation, FrameObservations, Point } from '../../../native/face/common/types';

export interface SyntheticFace {
  yaw?: number;
  pitch?: number;
  eyes?: number;
  /** Openness of the person's left eye alone (a wink), when different from `eyes`. */
  leftEye?: number;
  x?: number;
  y?: number;
  size?: number;
  brightness?: number;
  antiSpoof?: number;
  /** Landmark jitter in pixels (a live face always moves a little). */
  jitter?: number;
}

export function face(spec: SyntheticFace = {}, frameIndex = 0): FaceObservation {
  const size = spec.size ?? 200;
  const x = spec.x ?? 220;
  const y = spec.y ?? 140;
  const jitter = spec.jitter ?? 0.6;
  const landmarks: Point[] = [];
  for (let i = 0; i < 478; i++) {
    const wobble = jitter * Math.sin(frameIndex * 1.7 + i);
    landmarks.push({ x: x + ((i * 37) % size) + wobble, y: y + ((i * 53) % size) + wobble });
  }
  const eyes = spec.eyes ?? 0.32;
  return {
    box: { x, y, width: size, height: size },
    landmarks,
    pose: { yawDegrees: spec.yaw ?? 0, pitchDegrees: spec.pitch ?? 0, rollDegrees: 0 },
    eyes: { left: spec.leftEye ?? eyes, right: eyes, mean: ((spec.leftEye ?? eyes) + eyes) / 2 },
    quality: {
      faceSizeRatio: size / 480,
      interOcularPixels: size * 0.4,
      sharpness: 120,
      brightness: spec.brightness ?? 120,
      overexposedFraction: 0,
      underexposedFraction: 0,
      detectorScore: 0.99,
      landmarkConfidence: 0.95,
    },
    antiSpoofScore: spec.antiSpoof ?? 0.7,
    livenessScore: 0.9,
  };
}

export function frame(timestampMs: number, faces: FaceObservation[], frameDifference: number | null = 5): FrameObservations {
  return { timestampMs, frameWidth: 640, frameHeight: 480, faces, frameBrightness: 110, frameDifference };
}
