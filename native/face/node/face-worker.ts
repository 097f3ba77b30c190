// Runs in Node. Inference off the main thread: `serveFaceEngine` answers the worker protocol on
// any message port (a worker_threads parentPort here; Electron's utilityProcess parentPort can be
// adapted to the same two methods), and `FaceWorkerClient` is the caller's side over a
// worker_threads Worker. The worker holds no frame after answering.
import { Worker } from 'node:worker_threads';
import { err, ok, type Result } from '../../common/result';
import type { FaceWorkerRequest, FaceWorkerResponse, FaceWorkerValues, FrameMessage, MessagePortLike } from '../common/worker-protocol';
import type { FaceDescriptor, FaceError, FrameObservations, MatchResult, RgbFrame } from '../common/types';
import { FaceEngine } from './face-engine';

const toFrame = (message: FrameMessage): RgbFrame => ({
  width: message.width,
  height: message.height,
  timestampMs: message.timestampMs,
  data: new Uint8Array(message.data),
});

export function serveFaceEngine(port: MessagePortLike): void {
  let engine: FaceEngine | null = null;
  let queue = Promise.resolve();
  const handle = async (request: FaceWorkerRequest): Promise<Result<unknown, FaceError>> => {
    if (request.type === 'load') {
      const loaded = await FaceEngine.load({ repoRoot: request.repoRoot, passiveAntiSpoof: request.passiveAntiSpoof });
      if (!loaded.ok) return loaded;
      engine = loaded.value;
      const modelVersions = Object.fromEntries(engine.runtime.manifest.models.map((m) => [m.id, `${m.package}@${m.version}`]));
      return ok({ modelVersions, antiSpoofMinimum: engine.runtime.manifest.thresholds.antiSpoof.minimum, matchThresholds: engine.matchThresholds });
    }
    if (!engine) return err({ code: 'FACE_ENGINE_NOT_READY' });
    switch (request.type) {
      case 'observe': {
        const frame = toFrame(request.frame);
        const result = await engine.observe(frame);
        frame.data.fill(0);
        return result;
      }
      case 'describe': {
        const frame = toFrame(request.frame);
        const result = await engine.describe(frame);
        frame.data.fill(0);
        return result;
      }
      case 'match':
        return ok(engine.match(request.probe, request.reference));
      case 'reset':
        await engine.endSession();
        return ok(null);
    }
  };
  port.on('message', (message) => {
    const request = message as FaceWorkerRequest;
    // One request at a time: the WASM backend is single-threaded anyway, and order is preserved.
    queue = queue.then(async () => {
      let result: Result<unknown, FaceError>;
      try {
        result = await handle(request);
      } catch (error) {
        result = err({ code: 'FACE_WORKER_FAILED', detail: error instanceof Error ? error.message : String(error) });
      }
      const response: FaceWorkerResponse = { id: request.id, result };
      port.postMessage(response);
    });
  });
}

type Pending = { resolve: (result: Result<unknown, FaceError>) => void };

export class FaceWorkerClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: FaceWorkerResponse) => {
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      pending?.resolve(message.result);
    });
    const failAll = (detail: string) => {
      for (const [, pending] of this.pending) pending.resolve(err({ code: 'FACE_WORKER_FAILED', detail }));
      this.pending.clear();
    };
    worker.on('error', (error) => failAll(error.message));
    worker.on('exit', (code) => failAll(`worker exited (${code})`));
  }

  /** Starts a worker from a built entry file that calls serveFaceEngine(parentPort). */
  static start(entryFile: string): FaceWorkerClient {
    return new FaceWorkerClient(new Worker(entryFile));
  }

  private request<K extends keyof FaceWorkerValues>(body: Omit<Extract<FaceWorkerRequest, { type: K }>, 'id'>, transfer: ArrayBuffer[] = []): Promise<Result<FaceWorkerValues[K], FaceError>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve: resolve as Pending['resolve'] });
      this.worker.postMessage({ ...body, id }, transfer);
    });
  }

  load(repoRoot: string, passiveAntiSpoof = true): Promise<Result<FaceWorkerValues['load'], FaceError>> {
    return this.request<'load'>({ type: 'load', repoRoot, passiveAntiSpoof });
  }

  /** Sends the frame's bytes to the worker (transferred: the caller's copy becomes empty). */
  observe(frame: RgbFrame): Promise<Result<FrameObservations, FaceError>> {
    const message = frameMessage(frame);
    return this.request<'observe'>({ type: 'observe', frame: message }, [message.data]);
  }

  describe(frame: RgbFrame): Promise<Result<FaceDescriptor, FaceError>> {
    const message = frameMessage(frame);
    return this.request<'describe'>({ type: 'describe', frame: message }, [message.data]);
  }

  match(probe: FaceDescriptor, reference: FaceDescriptor): Promise<Result<MatchResult, FaceError>> {
    return this.request<'match'>({ type: 'match', probe, reference });
  }

  reset(): Promise<Result<null, FaceError>> {
    return this.request<'reset'>({ type: 'reset' });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

function frameMessage(frame: RgbFrame): FrameMessage {
  const whole = frame.data.byteOffset === 0 && frame.data.byteLength === frame.data.buffer.byteLength && frame.data.buffer instanceof ArrayBuffer;
  const data = whole ? (frame.data.buffer as ArrayBuffer) : frame.data.slice().buffer;
  return { width: frame.width, height: frame.height, timestampMs: frame.timestampMs, data };
}
