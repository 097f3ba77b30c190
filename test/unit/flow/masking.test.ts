import { describe, expect, it } from 'vitest';
import { maskIdNumber, maskName } from '../../../electron/flow/masking';

describe('masking', () => {
  it('keeps only the first character of a name, counting code points', () => {
    expect(maskName('测试甲')).toBe('测**');
    expect(maskName('测')).toBe('测*');
    expect(maskName('𠀀试')).toBe('𠀀*');
    expect(maskName('  TEST SAMPLE ')).toBe('T**********');
  });
  it('shows the first four and last four of an ID number', () => {
    expect(maskIdNumber('11010519491231002X')).toBe('1101********002X');
    expect(maskIdNumber('932682198501010017')).toBe('9326********0017');
    expect(maskIdNumber('ABC')).toBe('***');
  });
});
