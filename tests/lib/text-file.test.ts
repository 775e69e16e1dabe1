// textOfFile: the one check that a picked or named file is text (src/lib/text-file.ts).
import { describe, expect, it } from 'vitest';
import { textOfFile } from '../../src/lib/text-file.ts';

const notText = (bytes: Uint8Array): string => {
  const r = textOfFile(bytes);
  if (r.ok) throw new Error('expected a refusal');
  return r.error;
};

describe('textOfFile: a file that is not text is refused at its first byte that is not', () => {
  it('a picture is refused at its first byte, never as U+FFFD', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
    expect(notText(png)).toBe('not a text file (byte 0x89 at offset 0 is not UTF-8)');
  });

  it('a control byte after multi-byte characters is located by its byte offset', () => {
    expect(notText(new TextEncoder().encode('é🔒\u0000'))).toBe(
      'not a text file (byte 0x00 at offset 6 is binary data)',
    );
  });

  it('text with a byte order mark, tabs, CRLF and a written U+FFFD is text, unchanged', () => {
    const text = 'policy\tv1\r\n# \uFFFD é 🔒\n';
    const r = textOfFile(new TextEncoder().encode(`\uFEFF${text}`));
    expect(r).toEqual({ ok: true, value: text });
  });
});
