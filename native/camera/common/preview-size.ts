// Runs anywhere (pure). The preview's size: only ever a downscale, with a hard ceiling so a
// full-resolution frame cannot reach the renderer even if a caller asks for one.
import { err, ok, type Result } from '../../common/result';
import type { CameraError } from './types';

/** The renderer's preview is a small mirror behind the face oval; 640 px is already generous. */
export const PREVIEW_WIDTH_CEILING = 640;
export const PREVIEW_MIN_WIDTH = 16;
export const DEFAULT_PREVIEW_QUALITY = 70;

export function previewSize(frameWidth: number, frameHeight: number, maxWidth: number): Result<{ width: number; height: number }, CameraError> {
  if (!Number.isInteger(maxWidth) || maxWidth < PREVIEW_MIN_WIDTH) {
    return err({ code: 'CAMERA_INVALID_OPTIONS', detail: `preview maxWidth must be an integer >= ${PREVIEW_MIN_WIDTH}` });
  }
  if (!(frameWidth > 0 && frameHeight > 0)) return err({ code: 'CAMERA_PREVIEW_FAILED', detail: 'empty frame' });
  const width = Math.min(maxWidth, PREVIEW_WIDTH_CEILING, frameWidth);
  const height = Math.max(1, Math.round((frameHeight * width) / frameWidth));
  return ok({ width, height });
}
