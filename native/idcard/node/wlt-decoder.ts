// Runs in Node. Photo decoders behind the PhotoDecoder interface (hardware-protocols.md §2.2).
// A licensed vendor WLT library (libwlt2bmp.so, WltRS.dll…) can only be called through an FFI
// or a helper process; neither is part of this build, so a configured library is reported as
// present-but-unusable rather than loaded. The photo then stays "not decodable" and the flow
// offers its alternative path.
import { existsSync } from 'node:fs';
import type { PhotoDecoder, PhotoDecodeResult } from '../common/types';

export const noPhotoDecoder: PhotoDecoder = {
  name: 'none',
  decode: () => Promise.resolve({ kind: 'not_decodable', reason: 'no_decoder' }),
};

export interface WltDecoderOptions {
  /** Path of the vendor library; unset or missing means no decoder. */
  readonly libraryPath?: string;
}

export interface WltDecoderAvailability {
  readonly decoder: PhotoDecoder;
  readonly available: boolean;
  readonly reason: 'not_configured' | 'library_missing' | 'loader_not_built';
}

export function createWltDecoder(options: WltDecoderOptions): WltDecoderAvailability {
  const reason = !options.libraryPath ? 'not_configured' : !existsSync(options.libraryPath) ? 'library_missing' : 'loader_not_built';
  const decoder: PhotoDecoder = {
    name: `wlt:${reason}`,
    decode: (): Promise<PhotoDecodeResult> => Promise.resolve({ kind: 'not_decodable', reason: 'no_decoder' }),
  };
  return { decoder, available: false, reason };
}
