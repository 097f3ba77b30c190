// Runs anywhere (pure). The part of AbortSignal that pure code needs; a real AbortSignal
// satisfies it structurally, and pure code type-checks without DOM or Node globals.

export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
