import { describe, expect, it } from 'vitest';
import { linkify, safeHref } from './linkify';

describe('linkify', () => {
  it('turns http(s), www and mailto addresses into links and keeps the rest as text', () => {
    expect(linkify('see https://example.org/a?b=1, or www.test.dev. Mail mailto:x@y.z')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.org/a?b=1', href: 'https://example.org/a?b=1' },
      { kind: 'text', text: ', or ' },
      { kind: 'link', text: 'www.test.dev', href: 'https://www.test.dev/' },
      { kind: 'text', text: '. Mail ' },
      { kind: 'link', text: 'mailto:x@y.z', href: 'mailto:x@y.z' },
    ]);
  });

  it('leaves markup and script URLs as plain text', () => {
    const body = '<img src=x onerror=alert(1)> javascript:alert(1) data:text/html,<script>';
    expect(linkify(body)).toEqual([{ kind: 'text', text: body }]);
  });

  it('refuses every protocol but http, https and mailto', () => {
    expect(safeHref('javascript:alert(1)')).toBeUndefined();
    expect(safeHref('data:text/html,x')).toBeUndefined();
    expect(safeHref('vbscript:x')).toBeUndefined();
    expect(safeHref('HTTPS://Example.org')).toBe('https://example.org/');
  });
});
