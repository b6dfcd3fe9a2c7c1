import { describe, expect, it } from 'vitest';
import { lineDiff } from '../../src/diff/index.ts';

describe('lineDiff', () => {
  it.each([
    ['', 'a\nb', '+ a\n+ b'],
    ['a\nb', '', '- a\n- b'],
    ['a\nb\nc', 'a\nb\nc', '  a\n  b\n  c'],
    [
      'name: A\nactive: true\nreview: none',
      'name: A\nactive: false\nreview: none',
      '  name: A\n- active: true\n+ active: false\n  review: none',
    ],
    ['a\nc', 'a\nb\nc', '  a\n+ b\n  c'],
  ])('%j → %j', (before, after, expected) => {
    expect(lineDiff(before, after)).toBe(expected);
  });
});
