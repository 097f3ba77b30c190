// Runs in Node. Frames for the CLI, the evaluation and the tests: still images decoded with sharp
// (EXIF orientation applied, so phone captures stand upright) and video files decoded by an
// ffmpeg child process writing raw rgb24 to a pipe. Frames live in memory only.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { err, ok, type Result } from '../../common/result';
import type { FaceError, RgbFrame } from '../common/types';
import { findRepoRoot } from './model-files';

type Sharp = typeof import('sharp').default;

let sharpModule: Sharp | null = null;
/**
 * sharp is a native module: it is required at run time from the project's node_modules, so a
 * bundle of the CLI or the app never tries to inline it.
 */
async function loadSharp(): Promise<Sharp> {
  if (!sharpModule) {
    const from = findRepoRoot() ?? process.cwd();
    const imported = createRequire(join(from, 'package.json'))('sharp') as Sharp & { default?: Sharp };
    sharpModule = imported.default ?? imported;
  }
  return sharpModule;
}

export interface ImageReadOptions {
  /** Downscale so the longer side is at most this (very large photos cost memory, not accuracy). */
  readonly maxSide?: number;
  /** Add a border of this fraction of the size on each side (helps detectors on tight crops). */
  readonly padFraction?: number;
}

/**
 * Netpbm greymaps (P5 binary / P2 ASCII, 8-bit), which libvips as bundled with sharp does not
 * read: old ID-style reference photos (e.g. the ORL faces) come in this format.
 */
export function decodePgm(bytes: Uint8Array): { width: number; height: number; grey: Uint8Array } | null {
  if (bytes[0] !== 0x50 || (bytes[1] !== 0x35 && bytes[1] !== 0x32)) return null;
  const binary = bytes[1] === 0x35;
  let offset = 2;
  const fields: number[] = [];
  const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
  const readNumber = (): number | null => {
    for (;;) {
      while (offset < bytes.length && isSpace(bytes[offset]!)) offset++;
      if (bytes[offset] !== 0x23) break; // '#' comment to end of line
      while (offset < bytes.length && bytes[offset] !== 0x0a) offset++;
    }
    let value = 0;
    let digits = 0;
    while (offset < bytes.length && bytes[offset]! >= 0x30 && bytes[offset]! <= 0x39) {
      value = value * 10 + (bytes[offset]! - 0x30);
      offset++;
      digits++;
    }
    return digits > 0 ? value : null;
  };
  for (let i = 0; i < 3; i++) {
    const value = readNumber();
    if (value === null) return null;
    fields.push(value);
  }
  const [width, height, maxValue] = fields as [number, number, number];
  if (width <= 0 || height <= 0 || maxValue <= 0 || maxValue > 255) return null;
  const grey = new Uint8Array(width * height);
  if (binary) {
    offset++; // the single whitespace byte after maxval
    if (bytes.length - offset < grey.length) return null;
    grey.set(bytes.subarray(offset, offset + grey.length));
  } else {
    for (let i = 0; i < grey.length; i++) {
      const value = readNumber();
      if (value === null) return null;
      grey[i] = value;
    }
  }
  if (maxValue !== 255) for (let i = 0; i < grey.length; i++) grey[i] = Math.round((grey[i]! * 255) / maxValue);
  return { width, height, grey };
}

export async function readImageFrame(source: string | Uint8Array, options: ImageReadOptions = {}): Promise<Result<RgbFrame, FaceError>> {
  try {
    const sharp = await loadSharp();
    const bytes = typeof source === 'string' ? new Uint8Array(await readFile(source)) : source;
    const pgm = decodePgm(bytes);
    let pipeline = (pgm ? sharp(pgm.grey, { raw: { width: pgm.width, height: pgm.height, channels: 1 } }) : sharp(bytes).rotate())
      .removeAlpha()
      .toColourspace('srgb');
    if (options.maxSide) pipeline = pipeline.resize({ width: options.maxSide, height: options.maxSide, fit: 'inside', withoutEnlargement: true });
    let { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (options.padFraction && options.padFraction > 0) {
      const pad = Math.round(Math.max(info.width, info.height) * options.padFraction);
      const padded = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
        .extend({ top: pad, bottom: pad, left: pad, right: pad, background: { r: 0, g: 0, b: 0 } })
        .raw()
        .toBuffer({ resolveWithObject: true });
      data = padded.data;
      info = padded.info;
    }
    return ok({ width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), timestampMs: 0 });
  } catch (error) {
    return err({ code: 'FACE_IMAGE_UNREADABLE', detail: error instanceof Error ? error.message : String(error) });
  }
}

export interface VideoReadOptions {
  /** Output size; the frame is scaled to fit and padded (letterboxed) to exactly this. */
  readonly width?: number;
  readonly height?: number;
  /** Resample to this frame rate (ffmpeg fps filter); default: the file's own rate. */
  readonly fps?: number;
  readonly ffmpegPath?: string;
}

/** Probes the frame rate with ffmpeg's own banner (no ffprobe dependency). */
async function probeFps(path: string, ffmpegPath: string): Promise<number> {
  const banner = await new Promise<string>((resolve) => {
    const child = spawn(ffmpegPath, ['-hide_banner', '-i', path], { stdio: ['ignore', 'ignore', 'pipe'] });
    let text = '';
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    child.on('close', () => resolve(text));
    child.on('error', () => resolve(''));
  });
  const match = /(\d+(?:\.\d+)?) fps/.exec(banner);
  return match ? Number(match[1]) : 25;
}

/**
 * Decodes a video file into RGB frames with timestamps from the frame index and rate.
 * Default output: 640×480 letterboxed, the engine's working size.
 */
export async function* readVideoFrames(path: string, options: VideoReadOptions = {}): AsyncGenerator<RgbFrame> {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const ffmpegPath = options.ffmpegPath ?? 'ffmpeg';
  const fps = options.fps ?? (await probeFps(path, ffmpegPath));
  const filters = [
    ...(options.fps ? [`fps=${options.fps}`] : []),
    `scale=${width}:${height}:force_original_aspect_ratio=decrease`,
    `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2`,
  ];
  const child = spawn(ffmpegPath, ['-v', 'error', '-i', path, '-vf', filters.join(','), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const frameBytes = width * height * 3;
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= frameBytes) {
        const data = new Uint8Array(frameBytes);
        data.set(pending.subarray(0, frameBytes));
        pending = pending.subarray(frameBytes);
        yield { width, height, data, timestampMs: Math.round((index * 1000) / fps) };
        index++;
      }
    }
    const code = await exited;
    if (code !== 0 && index === 0) throw new Error(`ffmpeg failed (${code ?? 'signal'}): ${stderr.trim().slice(0, 200)}`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
