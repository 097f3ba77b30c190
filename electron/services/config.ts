// Runs in Node. The one config loader: a JSON file (KIOSK_CONFIG or <dataDir>/kiosk.config.json)
// validated against a schema, with defaults that run the kiosk on simulated devices.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const IdCardReaderConfig = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('simulated'),
    /** Synthetic card the simulator offers; in demo mode it is placed automatically. */
    card: z.string().default('resident'),
    /** Place the card this long after the kiosk starts asking for it; null waits for a test or technician. */
    autoPlaceAfterMs: z.number().int().nonnegative().nullable().default(2500),
    /** The "ID photo" of each simulated card, as an ordinary image file (demo and tests; no WLT). */
    referencePhotos: z.record(z.string(), z.string()).default({}),
  }),
  z.strictObject({ kind: z.literal('serial'), path: z.string().min(1), baudRate: z.number().int().positive().default(115200) }),
  /** A HID reader by its OS device path (as node-hid lists it), wrapped per hardware-protocols.md §1.1. */
  z.strictObject({ kind: z.literal('hid'), path: z.string().min(1) }),
]);

const PhotoDecoderConfig = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({ kind: z.literal('vendor-wlt'), libraryPath: z.string().min(1) }),
]);

const ActivationConfig = z.discriminatedUnion('kind', [
  /** Social-security card reader, PIN pad and printer simulated on ptys; the bank host simulated on loopback unless a URL is given. */
  z.strictObject({ kind: z.literal('simulated'), bankHostUrl: z.string().url().optional() }),
  z.strictObject({
    kind: z.literal('devices'),
    sscardReader: z.strictObject({ path: z.string().min(1), baudRate: z.number().int().positive().default(9600), cpuCardCm: z.number().int().min(0).max(255).optional() }),
    pinPad: z.strictObject({ path: z.string().min(1), baudRate: z.number().int().positive().default(9600), algorithm: z.enum(['tdes', 'sm4']).default('tdes') }),
    printer: z.strictObject({ path: z.string().min(1), baudRate: z.number().int().positive().default(9600) }),
    bankHost: z.strictObject({ url: z.string().url(), timeoutMs: z.number().int().positive().default(10_000) }),
  }),
  /** ID check only: no activation devices at this counter. */
  z.strictObject({ kind: z.literal('none') }),
]);

const FaceConfig = z.discriminatedUnion('kind', [
  /** No camera at this kiosk: the flow goes from the ID card straight on (staff check by sight). */
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({
    kind: z.literal('camera'),
    /** A device index, or a stable path such as /dev/v4l/by-id/…-video-index0. */
    device: z.union([z.number().int().nonnegative(), z.string().min(1)]),
    width: z.number().int().positive().default(640),
    height: z.number().int().positive().default(480),
    fps: z.number().positive().max(60).default(15),
  }),
  /** A video file as the camera (demo, tests), with the challenge order the recording performs. */
  z.strictObject({
    kind: z.literal('video'),
    path: z.string().min(1),
    /** Unset: the file's own rate, so motions keep their real timing. */
    fps: z.number().positive().max(60).optional(),
    challenges: z.array(z.enum(['turn_left', 'turn_right', 'blink', 'nod'])).min(1).max(4).optional(),
  }),
]);

export const KioskConfig = z.strictObject({
  kioskId: z.string().min(1).max(64).default('DEV-KIOSK-01'),
  branchName: z.string().max(64).default('测试网点'),
  idCardReader: IdCardReaderConfig.default({ kind: 'simulated', card: 'resident', autoPlaceAfterMs: 2500, referencePhotos: {} }),
  photoDecoder: PhotoDecoderConfig.default({ kind: 'none' }),
  activation: ActivationConfig.default({ kind: 'simulated' }),
  face: FaceConfig.default({ kind: 'none' }),
  /** How long personal data (name, ID number) stays readable in the ledger; outcomes stay. */
  retention: z.strictObject({ piiDays: z.number().int().min(1).max(3650).default(180) }).default({ piiDays: 180 }),
  timings: z
    .strictObject({
      idleResetMs: z.number().int().positive().optional(),
      insertCardMs: z.number().int().positive().optional(),
      removeCardMs: z.number().int().positive().optional(),
      doneDisplayMs: z.number().int().positive().optional(),
      insertSsCardMs: z.number().int().positive().optional(),
      takeSsCardMs: z.number().int().positive().optional(),
    })
    .default({}),
});
export type KioskConfig = z.infer<typeof KioskConfig>;
export type IdCardReaderConfig = z.infer<typeof IdCardReaderConfig>;
export type ActivationConfig = z.infer<typeof ActivationConfig>;
export type FaceConfig = z.infer<typeof FaceConfig>;

export type ConfigResult = { ok: true; config: KioskConfig; source: string } | { ok: false; error: { code: 'CONFIG_INVALID' | 'CONFIG_UNREADABLE'; detail: string } };

export function loadConfig(dataDir: string, env: NodeJS.ProcessEnv = process.env): ConfigResult {
  const file = env.KIOSK_CONFIG ?? path.join(dataDir, 'kiosk.config.json');
  let raw: unknown = {};
  let source = 'defaults (simulated devices)';
  if (existsSync(file)) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
      source = file;
    } catch (error) {
      return { ok: false, error: { code: 'CONFIG_UNREADABLE', detail: `${file}: ${error instanceof Error ? error.message : 'unreadable'}` } };
    }
  } else if (env.KIOSK_CONFIG) {
    return { ok: false, error: { code: 'CONFIG_UNREADABLE', detail: `${file}: not found` } };
  }
  return parseConfig(raw, source);
}

export function parseConfig(raw: unknown, source = 'inline'): ConfigResult {
  const parsed = KioskConfig.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, error: { code: 'CONFIG_INVALID', detail: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') } };
  }
  return { ok: true, config: parsed.data, source };
}
