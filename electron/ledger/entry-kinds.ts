// Runs in Node (main process, dev host, CLI). What the ledger records in slice 1: one body type per
// entry kind, and a strict schema for each that append() checks at run time. Schemas are strict
// (unknown keys rejected) so a name, a clear ID number or a whole card read cannot ride along in a
// spread object. A body holds facts about what happened, never who it happened to: the ID number
// appears only as its keyed hash (see keyed-hash.ts).
//
// Adding a kind is safe; changing or removing one is not (old entries keep their kind and body).
import { z } from 'zod';
import type { CardType, IdCardErrorCode } from '../../native/idcard/common/types';
import { err, ok, type Result } from '../../native/common/result';

export interface SessionStartedBody {
  /** Which flow the citizen chose, e.g. `card_activation`, `proof_of_life`. */
  readonly flow: string;
  /** BCP 47 tag of the language the session started in, e.g. `zh-CN`. */
  readonly language: string;
}

export interface ConsentBody {
  readonly consentTextVersion: string;
  /** SHA-256 of the consent text shown, 64 lowercase hex characters. */
  readonly consentTextHash: string;
  readonly language: string;
  /** The alternative the citizen was told about. */
  readonly alternativeOffered: 'staff_verification' | 'branch_counter';
  /** The text was also read aloud (voice guidance on). Absent in entries written before it was recorded. */
  readonly readAloud?: boolean;
}

export interface IdCardReadBody {
  readonly cardType: CardType;
  /** The keyed hash of the ID number (Ledger.idNumberKey), never the number itself. */
  readonly idNumberKey: string;
  readonly idNumberValid: boolean;
  readonly photoDecodable: boolean;
  /** The card's validity had ended on the day it was read. */
  readonly expired: boolean;
  /** 'rejected': read correctly but not usable (expired, or an ID number that fails its checksum). */
  readonly outcome: 'ok' | 'rejected';
}

export interface IdCardReadFailedBody {
  readonly code: IdCardErrorCode;
}

/** 'interrupted': the kiosk stopped mid-session (crash, power cut); written by start-up recovery. */
export type SessionOutcome = 'completed' | 'cancelled' | 'timeout' | 'idle_reset' | 'staff_called' | 'interrupted';

export interface SessionEndedBody {
  readonly outcome: SessionOutcome;
}

export interface StaffCalledBody {
  /** The screen the citizen was on when they asked for help. */
  readonly screen: string;
}

/** Commitments (SHA-256 of the sealed bytes, pii-vault.ts) to the personal data recorded; the data itself is stored encrypted outside the entry. */
export interface PersonIdentifiedBody {
  readonly idNumberKey: string;
  readonly sealed: { readonly idNumber: string; readonly name?: string; readonly address?: string; readonly cardNumber?: string };
}

export type StaffRole = 'staff' | 'supervisor';

/** Someone read personal data: who, in what role, why, and what. Written before the data is decrypted. */
export interface PiiAccessedBody {
  readonly idNumberKey: string;
  readonly staffId: string;
  readonly role: StaffRole;
  /** A reason code, e.g. `citizen_request`, `complaint_1234`. Free text could carry personal data. */
  readonly reason: string;
  readonly purpose: 'lookup' | 'export';
  readonly records: number;
}

export interface RetentionPurgedBody {
  readonly retentionDays: number;
  /** Personal data recorded before this instant (ISO-8601) was erased. */
  readonly cutoff: string;
  readonly subjects: number;
  readonly values: number;
}

export interface PiiKeyRotatedBody {
  readonly fromVersion: number;
  readonly toVersion: number;
  readonly subjects: number;
}

// --- Social-security card activation (issue 3). Keys and outcomes only: never a card number, a
// name or anything of a PIN.

export interface SscardReadBody {
  readonly generation: 1 | 2 | 3;
  /** Keyed hash of "sscard:" + the card number. */
  readonly cardNumberKey: string;
  /** The card's social security number equals the confirmed ID card's number. */
  readonly holderMatches: boolean;
}

export interface SscardReadFailedBody {
  readonly code: string;
}

export interface PinChangeBody {
  readonly outcome: 'changed' | 'wrong_pin' | 'blocked' | 'failed';
  readonly triesLeft?: number;
  readonly code?: string;
}

/** Written before the host hears of the request: the idempotency key is what recovery retries with. */
export interface ActivationRequestedBody {
  readonly idempotencyKey: string;
  readonly cardNumberKey: string;
  readonly idNumberKey: string;
  readonly kioskId: string;
}

export interface ActivationResultBody {
  readonly idempotencyKey: string;
  readonly status: 'activated' | 'already_activated' | 'rejected';
  readonly hostReference?: string;
  readonly receiptReference?: string;
  readonly reason?: string;
  readonly attempts?: number;
  /** Settled by start-up recovery after a crash, not in the citizen's session. */
  readonly recovered: boolean;
}

export interface ReceiptPrintedBody {
  readonly reference: string;
  readonly outcome: 'printed' | 'failed';
  readonly code?: string;
}

/** Face verification (issue 5): outcome, reason, scores, model versions, challenges and timings — never a face. */
export interface FaceVerifiedBody {
  readonly outcome: 'match' | 'no_match' | 'uncertain' | 'not_live' | 'cannot_decide' | 'unavailable';
  readonly reason?: string;
  readonly similarity?: number;
  readonly liveness?: 'live' | 'not_live' | 'cannot_decide';
  readonly challenges: readonly string[];
  readonly stepMillis: readonly number[];
  /** Model identities and versions, e.g. from models/manifest.json. */
  readonly models: string;
}

export interface EntryBodies {
  face_verified: FaceVerifiedBody;
  sscard_read: SscardReadBody;
  sscard_read_failed: SscardReadFailedBody;
  pin_change: PinChangeBody;
  activation_requested: ActivationRequestedBody;
  activation_result: ActivationResultBody;
  receipt_printed: ReceiptPrintedBody;
  session_started: SessionStartedBody;
  consent_given: ConsentBody;
  consent_refused: ConsentBody;
  id_card_read: IdCardReadBody;
  id_card_read_failed: IdCardReadFailedBody;
  session_ended: SessionEndedBody;
  staff_called: StaffCalledBody;
  person_identified: PersonIdentifiedBody;
  pii_accessed: PiiAccessedBody;
  retention_purged: RetentionPurgedBody;
  pii_key_rotated: PiiKeyRotatedBody;
}

export type EntryKind = keyof EntryBodies;

/** Kinds only the ledger itself writes (through recordPerson, readPerson, purgeExpiredPii, rotatePiiKey); append() refuses them. */
export const LEDGER_WRITTEN_KINDS: ReadonlySet<EntryKind> = new Set<EntryKind>(['person_identified', 'pii_accessed', 'retention_purged', 'pii_key_rotated']);

/** What a caller hands to Ledger.append: a kind and its body, for one session. */
export type LedgerEntryInput = {
  [K in EntryKind]: { readonly sessionId: string; readonly kind: K; readonly body: EntryBodies[K] };
}[EntryKind];

const cardTypes = ['resident', 'hkmt', 'foreign2017', 'foreign2023'] as const satisfies readonly CardType[];
// Fails to compile when the ID card module adds a card type that this list lacks.
const everyCardTypeListed: Exclude<CardType, (typeof cardTypes)[number]> extends never ? true : false = true;
void everyCardTypeListed;

const sessionOutcomes = ['completed', 'cancelled', 'timeout', 'idle_reset', 'staff_called', 'interrupted'] as const satisfies readonly SessionOutcome[];

const name = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/);
const language = z.string().regex(/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}$/);
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const errorCodePattern = /^[A-Z][A-Z0-9_]{0,63}$/;

const consentSchema = z.strictObject({
  consentTextVersion: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/),
  consentTextHash: sha256Hex,
  language,
  alternativeOffered: z.enum(['staff_verification', 'branch_counter']),
  readAloud: z.boolean().optional(),
});

const isoInstant = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
const count = z.number().int().nonnegative();

const errorCode = z.string().regex(errorCodePattern);
const reference = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/);

const bodySchemas: { readonly [K in EntryKind]: z.ZodType<EntryBodies[K]> } = {
  face_verified: z.strictObject({
    outcome: z.enum(['match', 'no_match', 'uncertain', 'not_live', 'cannot_decide', 'unavailable']),
    reason: name.optional(),
    similarity: z.number().min(-1).max(1).optional(),
    liveness: z.enum(['live', 'not_live', 'cannot_decide']).optional(),
    challenges: z.array(name).max(8),
    stepMillis: z.array(z.number().int().nonnegative().max(600_000)).max(8),
    models: z.string().regex(/^[A-Za-z0-9@/._:+,-]{1,200}$/),
  }),
  sscard_read: z.strictObject({ generation: z.union([z.literal(1), z.literal(2), z.literal(3)]), cardNumberKey: sha256Hex, holderMatches: z.boolean() }),
  sscard_read_failed: z.strictObject({ code: errorCode }),
  pin_change: z.strictObject({ outcome: z.enum(['changed', 'wrong_pin', 'blocked', 'failed']), triesLeft: z.number().int().min(0).max(15).optional(), code: errorCode.optional() }),
  activation_requested: z.strictObject({ idempotencyKey: reference, cardNumberKey: sha256Hex, idNumberKey: sha256Hex, kioskId: reference }),
  activation_result: z.strictObject({
    idempotencyKey: reference,
    status: z.enum(['activated', 'already_activated', 'rejected']),
    hostReference: reference.optional(),
    receiptReference: reference.optional(),
    reason: z.string().max(120).optional(),
    attempts: z.number().int().min(1).max(10).optional(),
    recovered: z.boolean(),
  }),
  receipt_printed: z.strictObject({ reference, outcome: z.enum(['printed', 'failed']), code: errorCode.optional() }),
  session_started: z.strictObject({ flow: name, language }),
  consent_given: consentSchema,
  consent_refused: consentSchema,
  id_card_read: z.strictObject({
    cardType: z.enum(cardTypes),
    idNumberKey: sha256Hex,
    idNumberValid: z.boolean(),
    photoDecodable: z.boolean(),
    expired: z.boolean(),
    outcome: z.enum(['ok', 'rejected']),
  }),
  id_card_read_failed: z.strictObject({
    code: z.custom<IdCardErrorCode>((value) => typeof value === 'string' && errorCodePattern.test(value)),
  }),
  session_ended: z.strictObject({ outcome: z.enum(sessionOutcomes) }),
  staff_called: z.strictObject({ screen: name }),
  person_identified: z.strictObject({
    idNumberKey: sha256Hex,
    sealed: z.strictObject({ idNumber: sha256Hex, name: sha256Hex.optional(), address: sha256Hex.optional(), cardNumber: sha256Hex.optional() }),
  }),
  pii_accessed: z.strictObject({
    idNumberKey: sha256Hex,
    staffId: name,
    role: z.enum(['staff', 'supervisor']),
    reason: name,
    purpose: z.enum(['lookup', 'export']),
    records: count,
  }),
  retention_purged: z.strictObject({ retentionDays: count, cutoff: isoInstant, subjects: count, values: count }),
  pii_key_rotated: z.strictObject({ fromVersion: count, toVersion: count, subjects: count }),
};

export const ENTRY_KINDS: readonly EntryKind[] = Object.keys(bodySchemas) as EntryKind[];

export function isEntryKind(kind: unknown): kind is EntryKind {
  return typeof kind === 'string' && Object.prototype.hasOwnProperty.call(bodySchemas, kind);
}

/**
 * Checks a body against its kind's schema. The problem names where and what (`$.flow: invalid_format`),
 * never the offending value, so it is safe to log.
 */
export function checkEntryBody(kind: EntryKind, body: unknown): Result<void, { readonly problem: string }> {
  const parsed = bodySchemas[kind].safeParse(body);
  if (parsed.success) return ok(undefined);
  const problem = parsed.error.issues
    .map((issue) => {
      const where = ['$', ...issue.path.map(String)].join('.');
      // Key names help whoever wrote the bad body; one that is not a plain identifier could be data.
      const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.map((key) => (/^[A-Za-z_][A-Za-z0-9_]{0,39}$/.test(key) ? key : '?')).join(', ')})` : '';
      return `${where}: ${issue.code}${keys}`;
    })
    .join('; ');
  return err({ problem });
}

/** The keyed ID-number hashes an entry can be found by (indexed in the id_number_keys table). */
export function idNumberKeysOf(entry: LedgerEntryInput): readonly string[] {
  switch (entry.kind) {
    case 'id_card_read':
    case 'activation_requested':
    case 'person_identified':
    case 'pii_accessed':
      return [entry.body.idNumberKey];
    default:
      return [];
  }
}
