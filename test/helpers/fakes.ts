// Test doubles for unit tests of the session service and the dev host. The real driver and the
// real ledger are exercised by their own tests and by the end-to-end suite.
import { ok, err, type Result } from '../../native/common/result';
import type { CancelSignal } from '../../native/common/cancel';
import type { IdCardError, IdCardRead, IdCardReaderService, PhotoDecoder, ReaderStatus } from '../../native/idcard/common/types';
import type { SessionLedger } from '../../electron/services/session-service';

export class FakeReader implements IdCardReaderService {
  readCalls = 0;
  private pending: { resolve: (r: Result<IdCardRead, IdCardError>) => void; onCardPresent?: () => void } | null = null;
  private removal: ((r: Result<void, IdCardError>) => void) | null = null;
  status(): ReaderStatus {
    return { state: 'ready' };
  }
  onStatus(): () => void {
    return () => {};
  }
  readCard(options: { signal: CancelSignal; onCardPresent?: () => void }): Promise<Result<IdCardRead, IdCardError>> {
    this.readCalls++;
    return new Promise((resolve) => {
      this.pending = { resolve, onCardPresent: options.onCardPresent };
      options.signal.addEventListener('abort', () => resolve(err({ code: 'ID_READER_TIMEOUT', detail: 'aborted' })), { once: true });
    });
  }
  waitForRemoval(): Promise<Result<void, IdCardError>> {
    return new Promise((resolve) => (this.removal = resolve));
  }
  get reading(): boolean {
    return this.pending !== null;
  }
  place(read: IdCardRead): void {
    const pending = this.pending;
    this.pending = null;
    pending?.onCardPresent?.();
    pending?.resolve(ok(read));
  }
  fail(code: IdCardError['code']): void {
    const pending = this.pending;
    this.pending = null;
    pending?.resolve(err({ code }));
  }
  remove(): void {
    this.removal?.(ok(undefined));
    this.removal = null;
  }
  async close(): Promise<void> {}
}

export class MemoryLedger implements SessionLedger {
  readonly entries: Array<{ sessionId: string; kind: string; body: Record<string, unknown> }> = [];
  failWith: string | null = null;
  append(entry: { sessionId: string; kind: string; body: Record<string, unknown> }): Result<unknown, { code: string }> {
    if (this.failWith) return err({ code: this.failWith });
    this.entries.push(structuredClone(entry));
    return ok({ seq: this.entries.length });
  }
  idNumberKey(idNumber: string): string {
    return `key(${idNumber.length})`;
  }
  kinds(): string[] {
    return this.entries.map((e) => e.kind);
  }
}

export const noDecoder: PhotoDecoder = { name: 'none', decode: async () => ({ kind: 'not_decodable', reason: 'no_decoder' }) };

export function sampleRead(overrides: Partial<IdCardRead['text']> = {}): IdCardRead {
  return {
    text: {
      cardType: 'resident',
      name: '测试甲',
      gender: 'female',
      genderCode: '2',
      nationCode: '01',
      nation: '汉',
      birthDate: '1949-12-31',
      address: '示例省示例市测试路1号',
      idNumber: '11010519491231002X',
      idNumberValid: true,
      issuingAuthority: '示例公安局',
      validFrom: '2010-01-01',
      validUntil: 'long-term',
      ...overrides,
    },
    photo: new Uint8Array(1024).fill(7),
    fingerprintBytes: 0,
    appendedAddresses: [],
  };
}
