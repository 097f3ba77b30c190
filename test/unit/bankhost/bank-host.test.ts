// The HTTP adapter against the host simulator on 127.0.0.1: approve, reject, time out before and
// after commit, duplicates, retries with the same key — and "activated exactly once".
import { afterEach, describe, expect, it } from 'vitest';
import { startBankHostSimulator, type BankHostSimulator } from '../../../native/bankhost/simulator/bank-host-simulator';
import { HttpBankHost } from '../../../native/bankhost/node/http-bank-host';
import type { ActivationRequest } from '../../../native/bankhost/common/types';
import { newIdempotencyKey } from '../../../native/bankhost/node/idempotency-key';
import { isValidIdempotencyKey } from '../../../native/bankhost/common/activation-wire';

let host: BankHostSimulator | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

const request = (key: string, card = 'card-hmac-1'): ActivationRequest => ({ idempotencyKey: key, cardNumberKey: card, idNumberKey: 'id-hmac-1', kioskId: 'KIOSK-0001' });

async function adapter(options: { timeoutMs?: number; retries?: number } = {}) {
  host = await startBankHostSimulator();
  expect(host.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  return new HttpBankHost({ baseUrl: host.baseUrl, timeoutMs: options.timeoutMs ?? 2000, ...(options.retries === undefined ? {} : { retries: options.retries }) });
}

describe('bank host adapter', () => {
  it('approves once; a repeated key replays the same answer and activates nothing more', async () => {
    const bank = await adapter();
    const first = await bank.requestActivation(request('act-0001-aaaa'));
    expect(first).toMatchObject({ ok: true, value: { status: 'activated' } });
    const again = await bank.requestActivation(request('act-0001-aaaa'));
    expect(again).toEqual(first);
    expect(host!.activationCount('card-hmac-1')).toBe(1);
    expect(host!.replays).toBe(1);
  });

  it('a card activated under another key is already_activated, with the original reference', async () => {
    const bank = await adapter();
    const first = await bank.requestActivation(request('act-0001-aaaa'));
    const second = await bank.requestActivation(request('act-0002-bbbb'));
    expect(second).toMatchObject({ ok: true, value: { status: 'already_activated', hostReference: first.ok ? first.value.hostReference : '' } });
    expect(host!.activations).toHaveLength(1);
  });

  it('rejects with the reason, and the rejection is what a query returns', async () => {
    const bank = await adapter();
    host!.script({ kind: 'reject', reason: 'card reported lost' });
    expect(await bank.requestActivation(request('act-0003-cccc'))).toEqual({ ok: false, error: { code: 'HOST_REJECTED', reason: 'card reported lost', mayHaveLanded: false } });
    expect(await bank.queryActivation('act-0003-cccc')).toEqual({ ok: true, value: { found: true, status: 'rejected', reason: 'card reported lost' } });
    expect(host!.activations).toHaveLength(0);
  });

  it('times out after the host committed; the retry with the same key gets the activation, exactly once', async () => {
    const bank = await adapter({ timeoutMs: 150 });
    host!.script({ kind: 'timeout_after_commit' });
    const lost = await bank.requestActivation(request('act-0004-dddd'));
    expect(lost).toMatchObject({ ok: false, error: { code: 'HOST_TIMEOUT', mayHaveLanded: true } });
    expect(await bank.queryActivation('act-0004-dddd')).toMatchObject({ ok: true, value: { found: true, status: 'activated' } });
    const retried = await bank.requestActivation(request('act-0004-dddd'));
    expect(retried).toMatchObject({ ok: true, value: { status: 'activated' } });
    expect(host!.activationCount('card-hmac-1')).toBe(1);
  });

  it('times out before commit: the query says not found, the retry activates once', async () => {
    const bank = await adapter({ timeoutMs: 150 });
    host!.script({ kind: 'timeout_before_commit' });
    expect(await bank.requestActivation(request('act-0005-eeee'))).toMatchObject({ ok: false, error: { code: 'HOST_TIMEOUT' } });
    expect(await bank.queryActivation('act-0005-eeee')).toEqual({ ok: true, value: { found: false } });
    expect(await bank.requestActivation(request('act-0005-eeee'))).toMatchObject({ ok: true, value: { status: 'activated' } });
    expect(host!.activationCount('card-hmac-1')).toBe(1);
  });

  it('adapter-level retries reuse the key: a timeout then success activates once', async () => {
    const bank = await adapter({ timeoutMs: 150, retries: 2 });
    host!.script({ kind: 'timeout_after_commit' }, { kind: 'timeout_before_commit' });
    expect(await bank.requestActivation(request('act-0006-ffff'))).toMatchObject({ ok: true, value: { status: 'activated' } });
    expect(host!.requests).toEqual(['act-0006-ffff', 'act-0006-ffff', 'act-0006-ffff']);
    expect(host!.activationCount('card-hmac-1')).toBe(1);
  });

  it('a network duplicate changes nothing', async () => {
    const bank = await adapter();
    host!.script({ kind: 'duplicate' });
    expect(await bank.requestActivation(request('act-0007-gggg'))).toMatchObject({ ok: true, value: { status: 'activated' } });
    expect(host!.replays).toBe(1);
    expect(host!.activations).toHaveLength(1);
  });

  it('the same key with another request is a conflict; 500 and a dead host are coded', async () => {
    const bank = await adapter();
    await bank.requestActivation(request('act-0008-hhhh'));
    expect(await bank.requestActivation(request('act-0008-hhhh', 'card-hmac-2'))).toMatchObject({ ok: false, error: { code: 'HOST_IDEMPOTENCY_CONFLICT' } });
    host!.script({ kind: 'server_error' });
    expect(await bank.requestActivation(request('act-0009-iiii', 'card-hmac-3'))).toMatchObject({ ok: false, error: { code: 'HOST_ERROR', httpStatus: 500 } });
    // A host that never listened (a closed keep-alive socket would rightly say "may have landed").
    const never = await startBankHostSimulator();
    const url = never.baseUrl;
    await never.close();
    const dead = new HttpBankHost({ baseUrl: url, timeoutMs: 500 });
    expect(await dead.requestActivation(request('act-0010-jjjj'))).toMatchObject({ ok: false, error: { code: 'HOST_UNREACHABLE', mayHaveLanded: false } });
  });

  it('fresh idempotency keys are valid on the wire and never repeat', async () => {
    const keys = new Set(Array.from({ length: 100 }, () => newIdempotencyKey('KIOSK-0001')));
    expect(keys.size).toBe(100);
    for (const key of keys) expect(isValidIdempotencyKey(key)).toBe(true);
    const bank = await adapter();
    expect((await bank.requestActivation(request([...keys][0]!))).ok).toBe(true);
  });

  it('a caller abort ends the request as HOST_ABORTED', async () => {
    const bank = await adapter({ timeoutMs: 5000 });
    host!.script({ kind: 'timeout_before_commit' });
    const controller = new AbortController();
    const pending = bank.requestActivation(request('act-0011-kkkk'), { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect(await pending).toMatchObject({ ok: false, error: { code: 'HOST_ABORTED' } });
  });
});
