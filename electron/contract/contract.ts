// Runs anywhere (pure): imported by the renderer, the preload, the main process and the dev host.
// The single description of what the renderer may ask and what it is told. Every call's input is
// validated against these schemas on the main side before any service sees it; events are
// validated before they leave. Nothing here may carry a clear name, ID number or image of a face.
import { z } from 'zod';

export const Language = z.enum(['zh-CN']);
export type Language = z.infer<typeof Language>;

export const Screen = z.enum([
  'attract',
  'language',
  'consent',
  'insert_card',
  'reading_card',
  'card_result',
  'card_error',
  'alternative',
  'remove_card',
  // Face verification (after the ID card, with the consent given on the consent screen).
  'face_check',
  'insert_ss_card',
  'reading_ss_card',
  'pin_entry',
  'activating',
  'printing',
  'take_ss_card',
  'done',
]);
export type Screen = z.infer<typeof Screen>;

/** Error codes the renderer may show; each maps to a plain-language message in renderer/src/i18n. */
export const ProblemCode = z.enum([
  'reader_unplugged',
  'reader_fault',
  'card_unreadable',
  'card_removed_early',
  'card_not_supported',
  'card_expired',
  'id_number_invalid',
  'took_too_long',
  'ledger_unavailable',
  'ss_card_unreadable',
  'ss_card_removed_early',
  'ss_card_not_supported',
  'holder_mismatch',
  'pin_wrong',
  'pin_blocked',
  'pin_confirm_mismatch',
  'pin_entry_cancelled',
  'pinpad_unavailable',
  'host_rejected',
  'host_unavailable',
  // Face step: plain reasons, never a score.
  'face_too_dark',
  'face_turned',
  'face_several_faces',
  'face_too_slow',
  'face_not_followed',
  'face_not_live',
  'face_cannot_decide',
  'face_no_match',
  'face_uncertain',
  'face_photo_unavailable',
  'camera_unavailable',
]);
export type ProblemCode = z.infer<typeof ProblemCode>;

export const CardType = z.enum(['resident', 'hkmt', 'foreign2017', 'foreign2023']);

export const MaskedCard = z.strictObject({
  cardType: CardType,
  /** First character only, the rest masked: "测**". */
  maskedName: z.string().max(64),
  /** "1101********002X": never the clear number. */
  maskedIdNumber: z.string().max(32),
  idNumberValid: z.boolean(),
  validUntil: z.string().max(16),
  expired: z.boolean(),
  photoDecodable: z.boolean(),
});
export type MaskedCard = z.infer<typeof MaskedCard>;

export const PinPrompt = z.strictObject({
  purpose: z.enum(['current', 'new', 'confirm']),
  /** How many keys have been pressed on the pad: a count, never a digit. */
  digitsEntered: z.number().int().min(0).max(12),
  length: z.number().int().min(4).max(12),
  /** After a wrong current PIN: how many tries the card has left. */
  triesLeft: z.number().int().min(0).max(15).nullable(),
});
export type PinPrompt = z.infer<typeof PinPrompt>;

export const FaceChallenge = z.enum(['turn_left', 'turn_right', 'blink', 'nod']);
export type FaceChallenge = z.infer<typeof FaceChallenge>;

/** Where the face step is. Challenges are named in the person's own terms (their left, not the image's). */
export const FaceProgress = z.strictObject({
  phase: z.enum(['positioning', 'challenge', 'matching']),
  challenge: FaceChallenge.nullable(),
  step: z.number().int().min(0).max(8),
  steps: z.number().int().min(0).max(8),
  /** A short hint while positioning: what to change (closer, more light, look ahead). */
  hint: z.enum(['none', 'come_closer', 'more_light', 'look_ahead', 'one_person']),
});
export type FaceProgress = z.infer<typeof FaceProgress>;

/** Something the person should know that does not stop the flow (the receipt did not print). */
export const Notice = z.enum(['receipt_not_printed']);
export type Notice = z.infer<typeof Notice>;

export const SessionView = z.strictObject({
  screen: Screen,
  language: Language,
  /** Opaque random id, for staff to quote; not derived from the person. */
  sessionRef: z.string().max(32).nullable(),
  card: MaskedCard.nullable(),
  problem: ProblemCode.nullable(),
  staffCalled: z.boolean(),
  /** Version of the consent text the citizen must be shown and read aloud. */
  consentTextVersion: z.string().max(32),
  /** Milliseconds until the kiosk resets for inactivity (for a visible countdown), or null. */
  idleResetInMs: z.number().int().nonnegative().nullable(),
  pin: PinPrompt.nullable(),
  /** The short reference printed on the receipt, once the card is activated. */
  receiptReference: z.string().max(32).nullable(),
  notice: Notice.nullable(),
  /** Whether "try again" can help with the current problem (otherwise only staff can). */
  canRetry: z.boolean(),
  face: FaceProgress.nullable(),
});
export type SessionView = z.infer<typeof SessionView>;

export const ReaderState = z.enum(['connecting', 'ready', 'unplugged', 'fault']);
export const DeviceStatus = z.strictObject({
  idCardReader: z.strictObject({ state: ReaderState, simulated: z.boolean() }),
});
export type DeviceStatus = z.infer<typeof DeviceStatus>;

export const AppInfo = z.strictObject({
  version: z.string().max(32),
  host: z.enum(['electron', 'devhost']),
  simulatedDevices: z.boolean(),
  kioskId: z.string().max(64),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const SessionIntent = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('begin') }),
  z.strictObject({ type: z.literal('choose_language'), language: Language }),
  z.strictObject({ type: z.literal('consent'), accepted: z.boolean(), consentTextVersion: z.string().max(32) }),
  z.strictObject({ type: z.literal('confirm_card') }),
  z.strictObject({ type: z.literal('retry') }),
  z.strictObject({ type: z.literal('cancel') }),
  z.strictObject({ type: z.literal('call_staff') }),
  z.strictObject({ type: z.literal('still_here') }),
]);
export type SessionIntent = z.infer<typeof SessionIntent>;

const NoInput = z.strictObject({});

/** Calls: renderer → main, each answered once. */
export const calls = {
  'app:info': { input: NoInput, output: AppInfo },
  'session:view': { input: NoInput, output: SessionView },
  'session:send': { input: SessionIntent, output: SessionView },
  'devices:status': { input: NoInput, output: DeviceStatus },
} as const;

/** Events: main → renderer, pushed. */
/** A downscaled camera preview for the face oval: a small JPEG, never a full frame, never stored. */
export const FacePreview = z.strictObject({ jpegBase64: z.string().max(120_000), width: z.number().int().max(640), height: z.number().int().max(480) });
export type FacePreview = z.infer<typeof FacePreview>;

export const events = {
  'session:changed': SessionView,
  'devices:changed': DeviceStatus,
  'face:preview': FacePreview,
} as const;

export type CallChannel = keyof typeof calls;
export type EventChannel = keyof typeof events;
export type CallInput<C extends CallChannel> = z.infer<(typeof calls)[C]['input']>;
export type CallOutput<C extends CallChannel> = z.infer<(typeof calls)[C]['output']>;
export type EventPayload<E extends EventChannel> = z.infer<(typeof events)[E]>;

export const callChannels = Object.keys(calls) as CallChannel[];
export const eventChannels = Object.keys(events) as EventChannel[];

export type BoundaryErrorCode = 'UNKNOWN_CHANNEL' | 'INVALID_PAYLOAD' | 'INTERNAL';
export type CallResult<T> = { ok: true; value: T } | { ok: false; error: { code: BoundaryErrorCode; detail?: string } };

/** What the preload (or the dev host bridge) puts on `window.kiosk`: this and nothing else. */
export interface KioskApi {
  call<C extends CallChannel>(channel: C, input: CallInput<C>): Promise<CallResult<CallOutput<C>>>;
  on<E extends EventChannel>(channel: E, listener: (payload: EventPayload<E>) => void): () => void;
}

export function isCallChannel(channel: unknown): channel is CallChannel {
  return typeof channel === 'string' && Object.hasOwn(calls, channel);
}

export function isEventChannel(channel: unknown): channel is EventChannel {
  return typeof channel === 'string' && Object.hasOwn(events, channel);
}

/** Validates a call at the boundary: unknown channels and malformed payloads never reach a service. */
export function parseCall(
  channel: unknown,
  payload: unknown,
): { ok: true; channel: CallChannel; input: unknown } | { ok: false; error: { code: BoundaryErrorCode; detail?: string } } {
  if (!isCallChannel(channel)) return { ok: false, error: { code: 'UNKNOWN_CHANNEL' } };
  const parsed = calls[channel].input.safeParse(payload);
  if (!parsed.success) {
    // Paths and issue codes only: a payload's values could hold anything.
    const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}:${issue.code}`).join(',');
    return { ok: false, error: { code: 'INVALID_PAYLOAD', detail: detail.slice(0, 200) } };
  }
  return { ok: true, channel, input: parsed.data };
}

/** Validates an outgoing event; a service bug that would leak extra fields is caught here. */
export function parseEvent<E extends EventChannel>(channel: E, payload: unknown): EventPayload<E> | null {
  const parsed = events[channel].safeParse(payload);
  return parsed.success ? (parsed.data as EventPayload<E>) : null;
}

export const KIOSK_GLOBAL = 'kiosk';
