// Runs in Node. What the session needs from face verification, whatever camera and engine are
// behind it: run one check against a reference photo, report progress and small previews, and
// come back with an outcome and what may be recorded about it (scores, versions, timings — never
// a frame, crop or embedding).
import type { CancelSignal } from '../../native/common/cancel';
import type { FacePreview, FaceProgress, ProblemCode } from '../contract/contract';

export interface ReferencePhoto {
  readonly width: number;
  readonly height: number;
  /** Raw BGR from the ID card's photo decoder; zeroed by the caller afterwards. */
  readonly bgr: Uint8Array;
}

/** What goes into the ledger: outcomes and measurements only. */
export interface FaceCheckRecord {
  readonly outcome: 'match' | 'no_match' | 'uncertain' | 'not_live' | 'cannot_decide' | 'unavailable';
  readonly reason?: string;
  readonly similarity?: number;
  readonly liveness?: 'live' | 'not_live' | 'cannot_decide';
  readonly challenges: readonly string[];
  readonly stepMillis: readonly number[];
  readonly models: string;
}

export type FaceCheckOutcome =
  | { readonly passed: true; readonly record: FaceCheckRecord }
  | { readonly passed: false; readonly problem: ProblemCode; readonly record: FaceCheckRecord };

export interface FaceCheck {
  run(options: {
    readonly reference: ReferencePhoto;
    readonly signal: CancelSignal;
    readonly onProgress: (progress: FaceProgress) => void;
    readonly onPreview: (preview: FacePreview) => void;
  }): Promise<FaceCheckOutcome>;
}
