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
  /** The alternative the citizen was told about; slice 1 has one. */
  readonly alternativeOffered: 'staff_verification';
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

export type SessionOutcome = 'completed' | 'cancelled' | 'timeout' | 'idle_reset' | 'staff_called';

export interface SessionEndedBody {
  readonly outcome: SessionOutcome;
}

export interface StaffCalledBody {
  /** The screen the citizen was on when they asked for help. */
  readonly screen: string;
}

export interface EntryBodies {
  session_started: SessionStartedBody;
  consent_given: ConsentBody;
  consent_refused: ConsentBody;
  id_card_read: IdCardReadBody;
  id_card_read_failed: IdCardReadFailedBody;
  session_ended: SessionEndedBody;
  staff_called: StaffCalledBody;
}

export type EntryKind = keyof EntryBodies;

/** What a caller hands to Ledger.append: a kind and its body, for one session. */
export type LedgerEntryInput = {
  [K in EntryKind]: { readonly sessionId: string; readonly kind: K; readonly body: EntryBodies[K] };
}[EntryKind];

const cardTypes = ['resident', 'hkmt', 'foreign2017', 'foreign2023'] as const satisfies readonly CardType[];
// Fails to compile when the ID card module adds a card type that this list lacks.
const everyCardTypeListed: Exclude<CardType, (typeof cardTypes)[number]> extends never ? true : false = true;
void everyCardTypeListed;

const sessionOutcomes = ['completed', 'cancelled', 'timeout', 'idle_reset', 'staff_called'] as const satisfies readonly SessionOutcome[];

const name = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/);
const language = z.string().regex(/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}$/);
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const errorCodePattern = /^[A-Z][A-Z0-9_]{0,63}$/;

const consentSchema = z.strictObject({
  consentTextVersion: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/),
  consentTextHash: sha256Hex,
  language,
  alternativeOffered: z.literal('staff_verification'),
});

const bodySchemas: { readonly [K in EntryKind]: z.ZodType<EntryBodies[K]> } = {
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
  return entry.kind === 'id_card_read' ? [entry.body.idNumberKey] : [];
}
