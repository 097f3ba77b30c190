// Runs in Node. Loads @u4/opencv4nodejs lazily and turns "the native module is missing or was
// built against another OpenCV/Node" into a typed CAMERA_BACKEND_UNAVAILABLE, so the kiosk
// still starts without a camera and the flow offers the staff path instead of crashing.
import { createRequire } from 'node:module';
import { err, ok, type Result } from '../../common/result';
import type { CameraError } from '../common/types';

export type OpenCv = typeof import('@u4/opencv4nodejs').cv;

/**
 * Through require, not import(): the package's ESM entry imports `globSync` by name from
 * whichever `glob` npm hoisted (7.x here, CommonJS without that export) and fails to link,
 * while its CommonJS entry loads. (Bundles must keep the package external: it finds its
 * .node binary relative to its own folder.)
 */
const requireOpenCv = (): unknown => {
  silenceBuildLogger();
  return require('@u4/opencv4nodejs');
};

/**
 * Loading runs opencv-build's environment probe, which prints a dozen "Info: OpenCVBuildEnv …"
 * lines with local paths to stdout on every start; the kiosk logs through its own logger only.
 * Best effort: opencv-build is opencv4nodejs's own dependency, absent or renamed is harmless.
 */
function silenceBuildLogger(): void {
  try {
    // Resolved from opencv4nodejs's own folder, so it is the instance that package will use
    // (and a bundler does not inline a second copy).
    const build = createRequire(require.resolve('@u4/opencv4nodejs'))('@u4/opencv-build') as { Log?: { silence?: boolean } };
    if (build.Log) build.Log.silence = true;
  } catch {
    // Nothing to silence.
  }
}

/** Maps one load attempt to a Result; `load` is injectable so the failure path is testable. */
export function loadOpenCvFrom(load: () => unknown): Result<OpenCv, CameraError> {
  let module: unknown;
  try {
    module = load();
  } catch (error) {
    // First line only: the rest is a require stack of local paths, noise in a diagnostic.
    const detail = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    return err({ code: 'CAMERA_BACKEND_UNAVAILABLE', detail });
  }
  const candidate = module as { cv?: OpenCv; default?: OpenCv } | undefined;
  const cv = candidate?.cv ?? candidate?.default;
  if (!cv || typeof cv.VideoCapture !== 'function') {
    return err({ code: 'CAMERA_BACKEND_UNAVAILABLE', detail: 'opencv4nodejs loaded without VideoCapture' });
  }
  return ok(cv);
}

let loaded: Result<OpenCv, CameraError> | undefined;

/** Loads once per process; later calls share the outcome (a failed native load does not heal). */
export function loadOpenCv(): Result<OpenCv, CameraError> {
  loaded ??= loadOpenCvFrom(requireOpenCv);
  return loaded;
}
