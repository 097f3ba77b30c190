// A native module that fails to load (missing, or built for another Node/OpenCV) must become a
// typed error, so the kiosk runs on without a camera and the flow offers the staff path.
import { describe, expect, it } from 'vitest';
import { loadOpenCv, loadOpenCvFrom } from '../../../native/camera/node/opencv-loader';

describe('loadOpenCvFrom', () => {
  it('maps a failed native load to CAMERA_BACKEND_UNAVAILABLE with a one-line detail', () => {
    const result = loadOpenCvFrom(() => {
      throw new Error('Cannot find module opencv4nodejs.node\nRequire stack:\n- /somewhere');
    });
    expect(result.ok ? 'loaded' : result.error).toEqual({ code: 'CAMERA_BACKEND_UNAVAILABLE', detail: 'Cannot find module opencv4nodejs.node' });
  });

  it('refuses a module without VideoCapture', () => {
    const result = loadOpenCvFrom(() => ({ cv: {} }));
    expect(result.ok ? 'loaded' : result.error.code).toBe('CAMERA_BACKEND_UNAVAILABLE');
  });

  it('loads once per process and shares the outcome', () => {
    expect(loadOpenCv()).toBe(loadOpenCv());
  });
});
