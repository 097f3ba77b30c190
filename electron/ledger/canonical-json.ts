// Runs anywhere (pure). The one serialisation of a ledger body: the exact text that is stored and
// hashed. Two equal bodies must give the same bytes on every machine and every release, so this
// never changes once shipped; a new format would be a new hash version, not an edit here.
//
// Rules (a subset of RFC 8785 / JCS that is enough for our bodies):
// - object keys sorted by UTF-16 code units (JavaScript's default string order, as JCS does);
// - no whitespace;
// - numbers as ECMAScript prints them (shortest round-trip form, -0 becomes 0), finite only;
// - strings escaped as JSON.stringify does; unpaired surrogates are rejected, because they do not
//   survive a UTF-8 round trip and would make two different bodies look alike once decoded;
// - only null, booleans, numbers, strings, arrays and plain objects. `undefined` (even as an
//   optional property), functions, symbols, bigints, Dates, Maps, class instances and cycles are
//   rejected rather than silently dropped or coerced, as JSON.stringify would.
import { err, ok, type CodedError, type Result } from '../../native/common/result';

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export type CanonicalJsonRejection =
  | 'non_finite_number'
  | 'undefined'
  | 'function'
  | 'symbol'
  | 'bigint'
  | 'non_plain_object'
  | 'cycle'
  | 'unpaired_surrogate'
  | 'too_deep';

export interface CanonicalJsonError extends CodedError<'CANONICAL_JSON_INVALID'> {
  readonly reason: CanonicalJsonRejection;
  /** Where the bad value sits, e.g. `$.answers[2]`. Never the value itself. */
  readonly path: string;
}

/** Deeper than any body we write; stops a hostile or accidental structure from blowing the stack. */
const MAX_DEPTH = 32;
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

class Rejection {
  constructor(
    readonly reason: CanonicalJsonRejection,
    readonly path: string,
  ) {}
}

/** Serialises `value` canonically, or says why it cannot be. */
export function canonicalJson(value: unknown): Result<string, CanonicalJsonError> {
  try {
    return ok(write(value, '$', 0, new Set()));
  } catch (caught) {
    if (caught instanceof Rejection) {
      return err({
        code: 'CANONICAL_JSON_INVALID',
        reason: caught.reason,
        path: caught.path,
        detail: `${caught.reason.replace(/_/g, ' ')} at ${caught.path}`,
      });
    }
    throw caught;
  }
}

function write(value: unknown, path: string, depth: number, ancestors: Set<object>): string {
  switch (typeof value) {
    case 'string':
      if (UNPAIRED_SURROGATE.test(value)) throw new Rejection('unpaired_surrogate', path);
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Rejection('non_finite_number', path);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      throw new Rejection('undefined', path);
    case 'function':
      throw new Rejection('function', path);
    case 'symbol':
      throw new Rejection('symbol', path);
    case 'bigint':
      throw new Rejection('bigint', path);
    case 'object':
      break;
  }
  if (value === null) return 'null';
  const object = value as object;
  if (depth >= MAX_DEPTH) throw new Rejection('too_deep', path);
  if (ancestors.has(object)) throw new Rejection('cycle', path);
  ancestors.add(object);
  try {
    if (Array.isArray(object)) {
      const items: string[] = [];
      // Index loop rather than map(): map skips holes, and a hole is an `undefined` to reject.
      for (let index = 0; index < object.length; index++) {
        items.push(write(object[index], `${path}[${index}]`, depth + 1, ancestors));
      }
      return `[${items.join(',')}]`;
    }
    const prototype = Object.getPrototypeOf(object);
    if (prototype !== Object.prototype && prototype !== null) throw new Rejection('non_plain_object', path);
    if (Object.getOwnPropertySymbols(object).length > 0) throw new Rejection('symbol', path);
    const record = object as Record<string, unknown>;
    const members: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const keyPath = PLAIN_KEY.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
      if (UNPAIRED_SURROGATE.test(key)) throw new Rejection('unpaired_surrogate', keyPath);
      members.push(`${JSON.stringify(key)}:${write(record[key], keyPath, depth + 1, ancestors)}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(object);
  }
}
