// Runs anywhere (pure). The message protocol between the app and the face engine running in a
// worker (worker_threads under Node, utilityProcess under Electron): plain structured-clone
// messages; frame bytes travel as a transferred ArrayBuffer (moved, not copied or kept).
import type { Result } from '../../common/result';
import type { FaceDescriptor, FaceError, FrameObservations, MatchResult, MatchThresholds } from './types';

export interface FrameMessage {
  readonly width: number;
  readonly height: number;
  readonly timestampMs: number;
  readonly data: ArrayBuffer;
}

export type FaceWorkerRequest =
  | { readonly id: number; readonly type: 'load'; readonly repoRoot: string; readonly passiveAntiSpoof?: boolean }
  | { readonly id: number; readonly type: 'observe'; readonly frame: FrameMessage }
  | { readonly id: number; readonly type: 'describe'; readonly frame: FrameMessage }
  | { readonly id: number; readonly type: 'match'; readonly probe: FaceDescriptor; readonly reference: FaceDescriptor }
  | { readonly id: number; readonly type: 'reset' };

export interface FaceWorkerValues {
  load: {
    readonly modelVersions: Record<string, string>;
    /** From models/manifest.json: the session's anti-spoof gate and the match thresholds. */
    readonly antiSpoofMinimum: number;
    readonly matchThresholds: MatchThresholds;
  };
  observe: FrameObservations;
  describe: FaceDescriptor;
  match: MatchResult;
  reset: null;
}

export type FaceWorkerResponse = { readonly id: number; readonly result: Result<unknown, FaceError> };

/** The minimum a message port offers (worker_threads parentPort, Electron's parentPort adapter). */
export interface MessagePortLike {
  postMessage(message: unknown, transfer?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}
