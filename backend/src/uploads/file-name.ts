/** Longest name kept, in code points. */
const MAX_NAME_LENGTH = 200;

// C0/C1 controls (CR, LF, NUL…), bidirectional overrides and line separators: never part of a shown name.
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * The name an upload is shown and downloaded under: the client's name
 * without any directory part, control characters or surrounding dots and
 * spaces, at most 200 characters; `upload` when nothing is left.
 */
export function cleanFileName(raw: string | null | undefined): string {
  // Browsers send CR, LF and `"` in multipart file names as %0D, %0A, %22 (HTML's form encoding).
  const decoded = (raw ?? '').replace(/%0[ad]/gi, '').replace(/%22/g, '"');
  const base = decoded.split(/[/\\]/).pop() ?? '';
  const cleaned = base.replace(UNSAFE_CHARACTERS, '').replace(/^[\s.]+|[\s.]+$/g, '');
  return [...cleaned].slice(0, MAX_NAME_LENGTH).join('') || 'upload';
}

/** RFC 5987 attr-chars are kept; everything else is percent-encoded as UTF-8. */
function encodeExtValue(name: string): string {
  return encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * A `Content-Disposition` value (RFC 6266): an ASCII fallback `filename` with
 * quotes, backslashes, path separators and anything non-printable replaced,
 * and the exact (cleaned) name as `filename*`.
 */
export function contentDisposition(name: string, disposition: 'inline' | 'attachment' = 'inline'): string {
  const clean = cleanFileName(name);
  const fallback = clean.replace(/[^\x20-\x7e]|["\\/%;]/g, '_');
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${encodeExtValue(clean)}`;
}
