import { describe, expect, it } from 'vitest';
import { cleanFileName, contentDisposition } from './file-name';

describe('cleanFileName', () => {
  it('drops directories, control characters, form-encoded line breaks and edge dots', () => {
    expect(cleanFileName('../../etc/passwd')).toBe('passwd');
    expect(cleanFileName('C:\\Users\\me\\photo.jpg')).toBe('photo.jpg');
    expect(cleanFileName('a\r\nb\u0000c\u202e.png')).toBe('abc.png');
    expect(cleanFileName('evil%0D%0Aheader.png')).toBe('evilheader.png');
    expect(cleanFileName('..')).toBe('upload');
    expect(cleanFileName(null)).toBe('upload');
    expect([...cleanFileName('é'.repeat(500))].length).toBe(200);
  });
});

describe('contentDisposition', () => {
  it('gives an ASCII fallback and the exact UTF-8 name, with nothing that could break the header', () => {
    expect(contentDisposition('rapport "final"; été.pdf')).toBe(
      `inline; filename="rapport _final__ _t_.pdf"; filename*=UTF-8''rapport%20%22final%22%3B%20%C3%A9t%C3%A9.pdf`,
    );
    const header = contentDisposition('x\r\nSet-Cookie: a=b\\/../(it\'s).png');
    expect(header).not.toMatch(/[\r\n]/);
    // The name is cleaned first: everything up to the last path separator goes.
    expect(header).toBe(`inline; filename="(it's).png"; filename*=UTF-8''%28it%27s%29.png`);
    expect(contentDisposition('100% ok.png', 'attachment')).toBe(`attachment; filename="100_ ok.png"; filename*=UTF-8''100%25%20ok.png`);
  });
});
