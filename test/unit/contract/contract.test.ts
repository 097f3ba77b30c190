import { describe, expect, it } from 'vitest';
import { callChannels, parseCall, parseEvent } from '../../../electron/contract/contract';

describe('contract boundary', () => {
  it('refuses unknown channels, including prototype names', () => {
    for (const channel of ['nope', '__proto__', 'constructor', 'toString', 42, null]) {
      expect(parseCall(channel, {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    }
  });
  it('refuses malformed payloads and extra keys', () => {
    expect(parseCall('session:send', { type: 'begin', extra: 1 })).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    expect(parseCall('session:send', { type: 'format_disk' })).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    expect(parseCall('session:send', { type: 'consent', accepted: 'yes', consentTextVersion: 'x' })).toMatchObject({ ok: false });
    expect(parseCall('session:view', 'x')).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
  });
  it('does not echo payload values in the error detail', () => {
    const result = parseCall('session:send', { type: 'consent', accepted: '11010519491231002X', consentTextVersion: 'x' });
    expect(JSON.stringify(result)).not.toContain('11010519491231002X');
  });
  it('accepts every declared call with a valid payload', () => {
    expect(callChannels.sort()).toEqual(['app:info', 'devices:status', 'session:send', 'session:view']);
    expect(parseCall('session:send', { type: 'begin' })).toMatchObject({ ok: true });
    expect(parseCall('app:info', {})).toMatchObject({ ok: true });
  });
  it('drops an event that would carry fields outside the contract', () => {
    const view = { screen: 'attract', language: 'zh-CN', sessionRef: null, card: null, problem: null, staffCalled: false, consentTextVersion: 'v', idleResetInMs: null, pin: null, receiptReference: null, notice: null, canRetry: false, face: null };
    expect(parseEvent('session:changed', view)).toEqual(view);
    expect(parseEvent('session:changed', { ...view, idNumber: '11010519491231002X' })).toBeNull();
  });
});
