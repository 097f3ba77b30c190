import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../electron/ledger/canonical-json';

function text(value: unknown): string {
  const result = canonicalJson(value);
  if (!result.ok) throw new Error(result.error.detail);
  return result.value;
}

function rejection(value: unknown): { reason: string; path: string } {
  const result = canonicalJson(value);
  if (result.ok) throw new Error(`expected a rejection, got ${result.value}`);
  expect(result.error.code).toBe('CANONICAL_JSON_INVALID');
  return { reason: result.error.reason, path: result.error.path };
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and leaves out whitespace', () => {
    expect(text({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('gives the same text whatever order the keys were inserted in', () => {
    expect(text({ language: 'zh-CN', flow: 'card_activation' })).toBe(text({ flow: 'card_activation', language: 'zh-CN' }));
  });

  it('orders keys by UTF-16 code units, as JCS does', () => {
    expect(text({ b: 0, B: 0, a: 0, _: 0, é: 0, '10': 0, '9': 0 })).toBe('{"10":0,"9":0,"B":0,"_":0,"a":0,"b":0,"é":0}');
  });

  it('prints numbers in shortest round-trip form and -0 as 0', () => {
    expect(text([1, 1.5, -0, 1e21, 0.1, 123456789])).toBe('[1,1.5,0,1e+21,0.1,123456789]');
  });

  it('escapes strings as JSON does and keeps non-ASCII as is', () => {
    expect(text({ s: 'line\n"quoted"\\ 中文 😀' })).toBe('{"s":"line\\n\\"quoted\\"\\\\ 中文 😀"}');
  });

  it('accepts null-prototype objects and empty containers', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.k = [];
    expect(text(bare)).toBe('{"k":[]}');
    expect(text({})).toBe('{}');
  });

  it.each([
    ['NaN', { n: Number.NaN }, 'non_finite_number', '$.n'],
    ['Infinity', { n: [1, Number.POSITIVE_INFINITY] }, 'non_finite_number', '$.n[1]'],
    ['-Infinity', Number.NEGATIVE_INFINITY, 'non_finite_number', '$'],
    ['an undefined property', { a: 1, b: undefined }, 'undefined', '$.b'],
    ['undefined in an array', [undefined], 'undefined', '$[0]'],
    ['an array hole', [1, , 3], 'undefined', '$[1]'],
    ['a function', { f: () => 1 }, 'function', '$.f'],
    ['a symbol value', { s: Symbol('s') }, 'symbol', '$.s'],
    ['a symbol key', { [Symbol('s')]: 1 }, 'symbol', '$'],
    ['a bigint', { n: 1n }, 'bigint', '$.n'],
    ['a Date', { at: new Date(0) }, 'non_plain_object', '$.at'],
    ['a Map', new Map(), 'non_plain_object', '$'],
    ['a class instance', { x: new (class Thing {})() }, 'non_plain_object', '$.x'],
    ['an unpaired surrogate', { s: 'a\uD800b' }, 'unpaired_surrogate', '$.s'],
    ['an unusual key', { 'a b': Number.NaN }, 'non_finite_number', '$["a b"]'],
  ])('rejects %s', (_label, value, reason, path) => {
    expect(rejection(value)).toEqual({ reason, path });
  });

  it('rejects cycles but allows the same object twice side by side', () => {
    const shared = { x: 1 };
    expect(text({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(rejection(cyclic)).toEqual({ reason: 'cycle', path: '$.self' });
  });

  it('rejects absurd nesting instead of overflowing the stack', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(rejection(deep).reason).toBe('too_deep');
  });

  it('never puts the rejected value in the error', () => {
    const result = canonicalJson({ idNumber: '11010519491231002X', bad: undefined });
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('11010519491231002X');
  });
});
