// Runs anywhere (pure). Errors are values: every fallible driver call returns a Result
// whose error carries a stable code that the UI maps to plain language in one place.

export type Ok<T> = { readonly ok: true; readonly value: T };
export type Err<E> = { readonly ok: false; readonly error: E };
export type Result<T, E> = Ok<T> | Err<E>;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = <E>(error: E): Err<E> => ({ ok: false, error });

/** A coded error. `code` is stable (logged, tested, mapped to messages); `detail` never holds PII. */
export interface CodedError<C extends string = string> {
  readonly code: C;
  readonly detail?: string;
}
