import { describe, expect, it } from 'vitest';
import { arrayLiteral } from './rewrite';

const when = new Date(Date.UTC(2026, 10, 26, 14, 30, 0, 123));

describe('arrayLiteral', () => {
  it('writes plain values as JSON writes them: strings and times quoted, null as null', () => {
    expect(arrayLiteral(['a', 'say "hi" 👍', when, 42, false, null, undefined])).toBe(
      '{"a","say \\"hi\\" 👍","2026-11-26T14:30:00.123Z",42,false,null,null}',
    );
  });

  it('quotes every element itself when JSON would escape a control character, keeping it as it is', () => {
    expect(arrayLiteral(['two\nlines', 'back\\slash', null, 'NULL', when, 7])).toBe(
      '{"two\nlines","back\\\\slash",NULL,"NULL","2026-11-26T14:30:00.123Z","7"}',
    );
  });

  it('writes an object (json column) as its JSON text, quoted', () => {
    expect(arrayLiteral([{ a: [1, '"'] }])).toBe('{"{\\"a\\":[1,\\"\\\\\\"\\"]}"}');
  });

  it('writes an empty array', () => {
    expect(arrayLiteral([])).toBe('{}');
  });
});
